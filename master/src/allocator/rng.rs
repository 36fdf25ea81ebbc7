//! The agent shuffle's generator: SplitMix64, small, fast and reproducible from a seed (the
//! shuffle needs no cryptographic quality, only an even spread).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

pub(super) struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`, or randomly (from the process's hash keys) for `None`.
    pub(super) fn new(seed: Option<u64>) -> Self {
        Rng(seed.unwrap_or_else(|| RandomState::new().hash_one(0x5eed_u64)))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (Lemire's multiply-shift; the bias is below 2^-32 for our sizes).
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Fisher–Yates.
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

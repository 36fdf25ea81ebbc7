#!/usr/bin/env bash
# Runs every check and test of the project: formatting, clippy, unit, property and integration
# tests. Installs what the tests need first; safe to run again.
#
#   bash scripts/test.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_rust
apt_install tar gzip bzip2 xz-utils zip unzip ca-certificates
ensure_docker
ensure_busybox_image

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

log "cargo build (the binaries the whole-system tests start)"
cargo build --workspace --bins --locked

log "cargo test"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
cargo test --workspace --doc --all-features --locked 2>&1 | tee -a "$results"
cargo test --workspace --all-targets --all-features --locked 2>&1 | tee -a "$results"

# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$results"

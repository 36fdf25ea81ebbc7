//! Mesos durations: the text form of `--allocation_interval=1secs` and friends.
//!
//! A [`Duration`] is a signed count of nanoseconds, like stout's `Duration`, so it holds every
//! `DurationInfo` Mesos can send. The text form is a non-negative decimal number immediately
//! followed by a unit: `ns`, `us`, `ms`, `secs`, `mins`, `hrs`, `days` or `weeks`
//! (`5secs`, `1.5mins`, `250ms`, `.5hrs`, `2.weeks`). As in stout, there is no sign, no
//! exponent, no whitespace and no bare number; fractions of a nanosecond are dropped.
//!
//! [`Display`](fmt::Display) picks the unit the way stout does (`1mins`, `90secs`, `1.1875days`,
//! `10hrs`, negatives with a leading `-`). Parsing is exact decimal arithmetic where stout goes
//! through a `double`, and formatting differs from stout only where stout's 15 significant
//! digits would not read back to the same value: such durations are written as exact seconds
//! instead (`90.5secs` where stout prints `1.50833333333333mins`). So `parse(d.to_string())`
//! gives `d` back for every non-negative duration.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// The units of the text form, smallest first: name and length in nanoseconds.
const UNITS: [(&str, u64); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("secs", 1_000_000_000),
    ("mins", 60_000_000_000),
    ("hrs", 3_600_000_000_000),
    ("days", 86_400_000_000_000),
    ("weeks", 604_800_000_000_000),
];

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Why a text is not a Mesos duration, or a duration has no `std::time::Duration` equivalent.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DurationError {
    /// Empty, or digits without a unit (`5`).
    #[error(
        "invalid duration '{text}': expected a number followed by a unit \
         ('ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days' or 'weeks'), e.g. '5secs'"
    )]
    MissingUnit {
        /// The text given.
        text: String,
    },
    /// Nothing numeric before the unit (`secs`, `-5secs`, ` 5secs`).
    #[error("invalid duration '{text}': it must start with a non-negative number, e.g. '5secs'")]
    MissingNumber {
        /// The text given.
        text: String,
    },
    /// The number part is malformed (`1.2.3secs`, `.secs`).
    #[error("invalid duration '{text}': '{number}' is not a number")]
    BadNumber {
        /// The text given.
        text: String,
        /// The number part of it.
        number: String,
    },
    /// The unit is not one of Mesos's.
    #[error(
        "unknown duration unit '{unit}' in '{text}'; supported units are \
         'ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days' and 'weeks'"
    )]
    UnknownUnit {
        /// The text given.
        text: String,
        /// Everything after the number.
        unit: String,
    },
    /// More than `i64::MAX` nanoseconds (about 292 years).
    #[error("duration '{text}' is out of range: a duration holds at most 2^63-1 nanoseconds")]
    OutOfRange {
        /// The text given.
        text: String,
    },
    /// A negative duration has no `std::time::Duration` equivalent.
    #[error("negative duration {0} cannot be converted to a std::time::Duration")]
    Negative(Duration),
    /// A `std::time::Duration` longer than `i64::MAX` nanoseconds.
    #[error("{0:?} is too long for a Mesos duration (at most 2^63-1 nanoseconds)")]
    TooLong(std::time::Duration),
}

/// A Mesos duration: a signed number of nanoseconds (stout's `Duration`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: i64,
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration { nanos: 0 };
    /// The longest duration, `i64::MAX` nanoseconds.
    pub const MAX: Duration = Duration { nanos: i64::MAX };
    /// The most negative duration, `i64::MIN` nanoseconds.
    pub const MIN: Duration = Duration { nanos: i64::MIN };

    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Duration { nanos }
    }

    /// A duration of `micros` microseconds, saturating at [`MIN`](Self::MIN)/[`MAX`](Self::MAX).
    pub const fn from_micros(micros: i64) -> Self {
        Self::from_nanos(micros.saturating_mul(1_000))
    }

    /// A duration of `millis` milliseconds, saturating.
    pub const fn from_millis(millis: i64) -> Self {
        Self::from_nanos(millis.saturating_mul(1_000_000))
    }

    /// A duration of `secs` seconds, saturating.
    pub const fn from_secs(secs: i64) -> Self {
        Self::from_nanos(secs.saturating_mul(1_000_000_000))
    }

    /// A duration of `mins` minutes, saturating.
    pub const fn from_mins(mins: i64) -> Self {
        Self::from_nanos(mins.saturating_mul(60_000_000_000))
    }

    /// A duration of `hours` hours, saturating.
    pub const fn from_hours(hours: i64) -> Self {
        Self::from_nanos(hours.saturating_mul(3_600_000_000_000))
    }

    /// A duration of `days` days, saturating.
    pub const fn from_days(days: i64) -> Self {
        Self::from_nanos(days.saturating_mul(86_400_000_000_000))
    }

    /// A duration of `weeks` weeks, saturating.
    pub const fn from_weeks(weeks: i64) -> Self {
        Self::from_nanos(weeks.saturating_mul(604_800_000_000_000))
    }

    /// The length in nanoseconds (the `nanoseconds` of a `DurationInfo`).
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// The length in seconds, as a float (Mesos's `Duration::secs()`).
    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / NANOS_PER_SEC as f64
    }

    /// Whether the duration is below zero.
    pub const fn is_negative(self) -> bool {
        self.nanos < 0
    }

    /// `self + other`, or `None` on overflow.
    pub const fn checked_add(self, other: Duration) -> Option<Duration> {
        match self.nanos.checked_add(other.nanos) {
            Some(nanos) => Some(Duration { nanos }),
            None => None,
        }
    }

    /// `self - other`, or `None` on overflow.
    pub const fn checked_sub(self, other: Duration) -> Option<Duration> {
        match self.nanos.checked_sub(other.nanos) {
            Some(nanos) => Some(Duration { nanos }),
            None => None,
        }
    }

    /// Reads Mesos's text form (`5secs`, `1.5mins`, `250ms`); see the [module docs](self).
    pub fn parse(text: &str) -> Result<Duration, DurationError> {
        let nanos = parse_magnitude(text)?;
        i64::try_from(nanos)
            .map(Duration::from_nanos)
            .map_err(|_| DurationError::OutOfRange {
                text: text.to_owned(),
            })
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Duration::parse(text)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        f.write_str(&format_magnitude(self.nanos.unsigned_abs()))
    }
}

impl TryFrom<std::time::Duration> for Duration {
    type Error = DurationError;

    fn try_from(duration: std::time::Duration) -> Result<Self, Self::Error> {
        i64::try_from(duration.as_nanos())
            .map(Duration::from_nanos)
            .map_err(|_| DurationError::TooLong(duration))
    }
}

impl TryFrom<Duration> for std::time::Duration {
    type Error = DurationError;

    fn try_from(duration: Duration) -> Result<Self, Self::Error> {
        u64::try_from(duration.nanos)
            .map(std::time::Duration::from_nanos)
            .map_err(|_| DurationError::Negative(duration))
    }
}

/// Parses the text form into nanoseconds, exactly, without the `i64` range check.
fn parse_magnitude(text: &str) -> Result<u128, DurationError> {
    // As in stout: the number is the longest prefix of digits and dots, the unit all the rest.
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .ok_or_else(|| DurationError::MissingUnit {
            text: text.to_owned(),
        })?;
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err(DurationError::MissingNumber {
            text: text.to_owned(),
        });
    }
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.contains('.') || (whole.is_empty() && fraction.is_empty()) {
        return Err(DurationError::BadNumber {
            text: text.to_owned(),
            number: number.to_owned(),
        });
    }
    let unit_nanos = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|&(_, nanos)| nanos)
        .ok_or_else(|| DurationError::UnknownUnit {
            text: text.to_owned(),
            unit: unit.to_owned(),
        })?;
    let out_of_range = || DurationError::OutOfRange {
        text: text.to_owned(),
    };

    // Whole part: at most 19 significant digits can stay within range.
    let whole = whole.trim_start_matches('0');
    if whole.len() > 19 {
        return Err(out_of_range());
    }
    let whole_nanos = digits_value(whole)
        .checked_mul(u128::from(unit_nanos))
        .ok_or_else(out_of_range)?;

    // Fraction: every unit is `m × 10^e` nanoseconds with a small `m`, so `0.f × m × 10^e` is the
    // first `e` digits of `f` times `m`, plus `m` times what is left, whose integer part is the
    // carry out of a right-to-left long multiplication. That is exact for any number of digits.
    let exponent = unit_nanos.trailing_zeros_decimal();
    let multiplier = unit_nanos / 10u64.pow(exponent);
    let split = fraction.len().min(exponent as usize);
    let (head, tail) = fraction.split_at(split);
    let head = digits_value(head) * 10u128.pow(exponent - split as u32);
    let carry = tail.bytes().rev().fold(0u128, |carry, digit| {
        (u128::from(digit - b'0') * u128::from(multiplier) + carry) / 10
    });
    Ok(whole_nanos + head * u128::from(multiplier) + carry)
}

/// The value of a string of at most 38 ASCII digits (empty is zero).
fn digits_value(digits: &str) -> u128 {
    digits
        .bytes()
        .fold(0u128, |value, digit| value * 10 + u128::from(digit - b'0'))
}

/// `trailing_zeros` in base ten, for the unit lengths.
trait TrailingZerosDecimal {
    fn trailing_zeros_decimal(self) -> u32;
}

impl TrailingZerosDecimal for u64 {
    fn trailing_zeros_decimal(mut self) -> u32 {
        let mut zeros = 0;
        while self != 0 && self % 10 == 0 {
            self /= 10;
            zeros += 1;
        }
        zeros
    }
}

/// Formats a non-negative number of nanoseconds (up to 2^63) the way stout does.
fn format_magnitude(nanos: u64) -> String {
    // The bucket is the largest unit the duration reaches. A whole number of the next smaller
    // unit reads better than a fraction of the bucket's unit (`10days`, not `1.43weeks`).
    let bucket = UNITS
        .iter()
        .rposition(|&(_, unit)| nanos >= unit)
        .unwrap_or(0);
    let (mut name, mut unit) = UNITS[bucket];
    if bucket > 0 {
        let (smaller_name, smaller) = UNITS[bucket - 1];
        if nanos % unit != 0 && nanos % smaller == 0 {
            (name, unit) = (smaller_name, smaller);
        }
    }
    if nanos % unit == 0 {
        return format!("{}{name}", nanos / unit);
    }

    // Stout prints the fraction with 15 significant digits; keep that when it reads back exactly.
    let stout = format!("{}{name}", significant_15(nanos as f64 / unit as f64));
    if parse_magnitude(&stout).is_ok_and(|parsed| parsed == u128::from(nanos)) {
        return stout;
    }
    let (secs, fraction) = (nanos / NANOS_PER_SEC, nanos % NANOS_PER_SEC);
    if fraction == 0 {
        return format!("{secs}secs");
    }
    let fraction = format!("{fraction:09}");
    format!("{secs}.{}secs", fraction.trim_end_matches('0'))
}

/// A positive float below 10^15 with 15 significant digits and no trailing zeros, like C++'s
/// default stream formatting at precision 15.
fn significant_15(value: f64) -> String {
    let scientific = format!("{value:.14e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: usize = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let (whole, fraction) = digits.split_at((exponent + 1).min(digits.len()));
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{fraction}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn parse(text: &str) -> i64 {
        Duration::parse(text).unwrap().as_nanos()
    }

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse("10ns"), 10);
        assert_eq!(parse("3us"), 3_000);
        assert_eq!(parse("250ms"), 250_000_000);
        assert_eq!(parse("5secs"), 5_000_000_000);
        assert_eq!(parse("1.5mins"), 90_000_000_000);
        assert_eq!(parse("2hrs"), 7_200_000_000_000);
        assert_eq!(parse("1days"), 86_400_000_000_000);
        assert_eq!(parse("1weeks"), 604_800_000_000_000);
        assert_eq!(parse("0ns"), 0);
        assert_eq!(parse("3.5hrs"), Duration::from_mins(210).as_nanos());
    }

    #[test]
    fn accepts_what_stouts_number_parser_accepts() {
        assert_eq!(parse(".5secs"), 500_000_000);
        assert_eq!(parse("5.secs"), 5_000_000_000);
        assert_eq!(parse("007secs"), 7_000_000_000);
        assert_eq!(parse("0000000000000000000000000001ns"), 1);
    }

    #[test]
    fn drops_fractions_of_a_nanosecond() {
        assert_eq!(parse("1.9ns"), 1);
        assert_eq!(parse("1.0000000009secs"), 1_000_000_000);
        assert_eq!(parse("0.1234567891234ms"), 123_456);
        // 1/60 of a minute is exactly one second, however many digits approximate it.
        assert_eq!(
            parse("0.016666666666666666666666666666667mins"),
            1_000_000_000
        );
        assert_eq!(parse("0.0166666666666666666666666mins"), 999_999_999);
    }

    #[test]
    fn rejects_what_stout_rejects() {
        for (text, expected) in [
            ("", "expected a number followed by a unit"),
            ("5", "expected a number followed by a unit"),
            ("1.2.3", "expected a number followed by a unit"),
            ("secs", "must start with a non-negative number"),
            ("-5secs", "must start with a non-negative number"),
            (" 5secs", "must start with a non-negative number"),
            (".secs", "'.' is not a number"),
            ("1.2.3secs", "'1.2.3' is not a number"),
            ("5 secs", "unknown duration unit ' secs'"),
            ("5secs ", "unknown duration unit 'secs '"),
            ("5sec", "unknown duration unit 'sec'"),
            ("1e3secs", "unknown duration unit 'e3secs'"),
            ("5SECS", "unknown duration unit 'SECS'"),
            ("15251weeks", "out of range"),
            ("9223372036854775808ns", "out of range"),
            (
                "99999999999999999999999999999999999999999ns",
                "out of range",
            ),
        ] {
            let error = Duration::parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
        assert_eq!(parse("9223372036854775807ns"), i64::MAX);
    }

    #[test]
    fn formats_like_stout() {
        for (nanos, expected) in [
            (0, "0ns"),
            (1, "1ns"),
            (999, "999ns"),
            (1_000, "1us"),
            (1_001, "1001ns"),
            (1_500_000, "1500us"),
            (250_000_000, "250ms"),
            (1_000_000_000, "1secs"),
            (3_140_000_000, "3140ms"),
            (3_141_592_653, "3.141592653secs"),
            (5_000_000_000, "5secs"),
            (60_000_000_000, "1mins"),
            (90_000_000_000, "90secs"),
            (36_000_000_000_000, "10hrs"),
            (-36_000_000_000_000, "-10hrs"),
            (Duration::from_days(10).as_nanos(), "10days"),
            (Duration::from_days(14).as_nanos(), "2weeks"),
            (
                Duration::from_mins(24 * 60 + 4 * 60 + 30).as_nanos(),
                "1.1875days",
            ),
            (Duration::from_mins(90).as_nanos(), "90mins"),
        ] {
            assert_eq!(
                Duration::from_nanos(nanos).to_string(),
                expected,
                "{nanos}ns"
            );
        }
    }

    #[test]
    fn writes_exact_seconds_where_stouts_digits_would_not_read_back() {
        // Stout: "1.50833333333333mins", "15250.2844524715weeks", "-15250.2844524715weeks".
        assert_eq!(Duration::from_millis(90_500).to_string(), "90.5secs");
        assert_eq!(Duration::MAX.to_string(), "9223372036.854775807secs");
        assert_eq!(Duration::MIN.to_string(), "-9223372036.854775808secs");
        assert_eq!(
            Duration::parse(&Duration::MAX.to_string()),
            Ok(Duration::MAX)
        );
    }

    #[test]
    fn round_trips_awkward_values() {
        for nanos in [
            1,
            999_999,
            1_000_001,
            59_999_999_999,
            60_000_000_001,
            3_599_999_999_999,
            86_399_999_999_999,
            604_799_999_999_999,
            604_800_000_000_001,
            i64::MAX - 1,
            i64::MAX,
        ] {
            let duration = Duration::from_nanos(nanos);
            assert_eq!(
                Duration::parse(&duration.to_string()),
                Ok(duration),
                "{duration}"
            );
        }
    }

    #[test]
    fn converts_to_and_from_std() {
        let std = std::time::Duration::from_millis(1500);
        let mesos = Duration::try_from(std).unwrap();
        assert_eq!(mesos, Duration::from_millis(1500));
        assert_eq!(std::time::Duration::try_from(mesos), Ok(std));
        assert_eq!(
            std::time::Duration::try_from(Duration::from_secs(-1)),
            Err(DurationError::Negative(Duration::from_secs(-1)))
        );
        assert!(Duration::try_from(std::time::Duration::MAX).is_err());
        assert_eq!(Duration::from_secs(i64::MAX), Duration::MAX);
        assert_eq!(Duration::from_millis(1500).as_secs_f64(), 1.5);
    }
}

//! Mesos `Value`s: scalars, ranges, sets and text (`mesos.proto` `Value`).
//!
//! Scalars use Mesos's fixed-point arithmetic with three decimal digits, so that `0.1 + 0.2`
//! equals `0.3` and repeated additions and subtractions never drift. Ranges and sets compare as
//! the sets of values they hold, whatever order or overlap they are written in.
//!
//! [`parse`] reads Mesos's text form of a value (the right-hand side of `--resources` and
//! `--attributes` entries): `[1-10,20-30]` is ranges, `{a,b}` a set, a non-negative finite number
//! a scalar and anything else text.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a value could not be parsed or is not valid.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ValueError {
    /// The text is empty (or only spaces).
    #[error("expected a value but found an empty string")]
    Empty,
    /// `{}`, `[]` or `()` are not balanced.
    #[error("mismatched brackets in {0:?}")]
    MismatchedBrackets(String),
    /// The text is not in any of the value forms.
    #[error("malformed value {text:?}: {reason}")]
    Malformed { text: String, reason: &'static str },
    /// An element of a ranges value is not `begin-end`.
    #[error("expected `begin-end` but found {item:?} in {text:?}")]
    BadRange { text: String, item: String },
    /// A range bound is not a non-negative integer.
    #[error("expected a non-negative integer but found {token:?} in {text:?}")]
    BadInteger { text: String, token: String },
    /// A range's begin is after its end.
    #[error("range {begin}-{end} has begin > end")]
    InvertedRange { begin: u64, end: u64 },
    /// Two ranges of one value overlap (Mesos's validation rejects this in resources).
    #[error("ranges {0} and {1} overlap")]
    OverlappingRanges(Range, Range),
    /// A set holds the same item twice (Mesos's validation rejects this in resources).
    #[error("set item {0:?} appears more than once")]
    DuplicateItem(String),
    /// Mesos rejects subnormal numbers.
    #[error("subnormal number {0:?} is not supported")]
    Subnormal(String),
    /// A scalar that is negative, not finite or too large.
    #[error("scalar {0} is not a finite number between 0 and 1e12")]
    InvalidScalar(f64),
    /// The text parsed as a value of another type.
    #[error("expected a {expected} value but found {text:?}")]
    WrongType { expected: ValueType, text: String },
}

/// `Value.Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValueType {
    Scalar,
    Ranges,
    Set,
    Text,
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::Scalar => "SCALAR",
            ValueType::Ranges => "RANGES",
            ValueType::Set => "SET",
            ValueType::Text => "TEXT",
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Scalar
// ---------------------------------------------------------------------------------------------

/// `Value.Scalar`: `{"value": 2.5}`.
///
/// Comparisons and arithmetic work on the value rounded to an integer number of thousandths, as
/// Mesos does; the stored `value` is kept as given (so JSON round-trips untouched).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Scalar {
    #[serde(deserialize_with = "crate::json::number")]
    pub value: f64,
}

/// `value` in thousandths, rounded half away from zero (Mesos's `llround(value * 1000)`);
/// saturates on overflow and maps NaN to 0.
fn to_millis(value: f64) -> i64 {
    (value * 1000.0).round() as i64
}

impl Scalar {
    /// Zero.
    pub const ZERO: Scalar = Scalar { value: 0.0 };

    /// The largest scalar that [`Scalar::checked`] and [`parse`] accept (10^12).
    pub const MAX: f64 = 1e12;

    /// A scalar rounded to the nearest thousandth.
    pub fn new(value: f64) -> Self {
        Self::from_millis(to_millis(value))
    }

    /// Like [`Scalar::new`], but rejects values that are negative, not finite or above
    /// [`Scalar::MAX`].
    pub fn checked(value: f64) -> Result<Self, ValueError> {
        if value.is_finite() && (0.0..=Self::MAX).contains(&value) {
            Ok(Self::new(value))
        } else {
            Err(ValueError::InvalidScalar(value))
        }
    }

    /// The scalar with `millis` thousandths.
    pub fn from_millis(millis: i64) -> Self {
        // Integer division first, so floating-point division only sees [0, 999] (as Mesos).
        let whole = (millis / 1000) as f64;
        let fraction = (millis % 1000) as f64 / 1000.0;
        Scalar {
            value: whole + fraction,
        }
    }

    /// The value as an integer number of thousandths.
    pub fn millis(self) -> i64 {
        to_millis(self.value)
    }

    /// The value rounded to three decimals.
    pub fn get(self) -> f64 {
        Self::from_millis(self.millis()).value
    }

    /// Whether the value rounds to zero.
    pub fn is_zero(self) -> bool {
        self.millis() == 0
    }

    /// The rounded value as a JSON number: an integer when it is whole (`4`, not `4.0`), as
    /// Mesos's endpoints write it.
    pub fn json_number(self) -> serde_json::Number {
        let millis = self.millis();
        if millis % 1000 == 0 {
            serde_json::Number::from(millis / 1000)
        } else {
            // The rounded value is always finite, so `from_f64` cannot fail; 0 is a fallback.
            serde_json::Number::from_f64(self.get()).unwrap_or_else(|| serde_json::Number::from(0))
        }
    }
}

impl PartialEq for Scalar {
    fn eq(&self, other: &Self) -> bool {
        self.millis() == other.millis()
    }
}

impl Eq for Scalar {}

impl Hash for Scalar {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.millis().hash(state);
    }
}

impl PartialOrd for Scalar {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scalar {
    fn cmp(&self, other: &Self) -> Ordering {
        self.millis().cmp(&other.millis())
    }
}

impl Add for Scalar {
    type Output = Scalar;
    fn add(self, rhs: Scalar) -> Scalar {
        Scalar::from_millis(self.millis().saturating_add(rhs.millis()))
    }
}

impl Sub for Scalar {
    type Output = Scalar;
    fn sub(self, rhs: Scalar) -> Scalar {
        Scalar::from_millis(self.millis().saturating_sub(rhs.millis()))
    }
}

impl AddAssign for Scalar {
    fn add_assign(&mut self, rhs: Scalar) {
        *self = *self + rhs;
    }
}

impl SubAssign for Scalar {
    fn sub_assign(&mut self, rhs: Scalar) {
        *self = *self - rhs;
    }
}

impl Sum for Scalar {
    fn sum<I: Iterator<Item = Scalar>>(iter: I) -> Scalar {
        iter.fold(Scalar::ZERO, Add::add)
    }
}

impl From<f64> for Scalar {
    fn from(value: f64) -> Self {
        Scalar::new(value)
    }
}

/// Up to three decimals, without trailing zeros: `2`, `0.5`, `1.125`.
impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.millis();
        let sign = if millis < 0 { "-" } else { "" };
        let magnitude = millis.unsigned_abs();
        let (whole, fraction) = (magnitude / 1000, magnitude % 1000);
        if fraction == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{fraction:03}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl FromStr for Scalar {
    type Err = ValueError;
    fn from_str(text: &str) -> Result<Self, ValueError> {
        match parse(text)? {
            Value::Scalar(scalar) => Ok(scalar),
            _ => Err(ValueError::WrongType {
                expected: ValueType::Scalar,
                text: text.to_owned(),
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------------------------

/// `Value.Range`: an inclusive `[begin, end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Range {
    #[serde(deserialize_with = "crate::json::number")]
    pub begin: u64,
    #[serde(deserialize_with = "crate::json::number")]
    pub end: u64,
}

impl Range {
    /// The range `begin..=end`.
    pub fn new(begin: u64, end: u64) -> Self {
        Range { begin, end }
    }

    /// How many values the range holds (0 if inverted; saturates at `u64::MAX`).
    pub fn len(&self) -> u64 {
        if self.begin > self.end {
            0
        } else {
            (self.end - self.begin).saturating_add(1)
        }
    }

    /// Whether the range is inverted (`begin > end`) and so holds nothing.
    pub fn is_empty(&self) -> bool {
        self.begin > self.end
    }

    /// Whether `value` lies in the range.
    pub fn contains(&self, value: u64) -> bool {
        self.begin <= value && value <= self.end
    }
}

/// `begin-end`.
impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.begin, self.end)
    }
}

/// `Value.Ranges`: `{"range":[{"begin":31000,"end":32000}]}`.
///
/// Two `Ranges` are equal when they hold the same values. Arithmetic results are normalized:
/// sorted, with overlapping and adjacent ranges merged and inverted ones dropped.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Ranges {
    #[serde(default, deserialize_with = "crate::json::null_as_default")]
    pub range: Vec<Range>,
}

impl Ranges {
    /// Normalized ranges holding the values of `ranges`.
    pub fn new(ranges: impl IntoIterator<Item = Range>) -> Self {
        let mut result = Ranges {
            range: ranges.into_iter().collect(),
        };
        result.normalize();
        result
    }

    /// The single range `begin..=end` (empty if inverted).
    pub fn single(begin: u64, end: u64) -> Self {
        Self::new([Range::new(begin, end)])
    }

    /// Sorts, merges overlapping and adjacent ranges and drops inverted ones.
    pub fn normalize(&mut self) {
        let mut ranges: Vec<Range> = self.range.drain(..).filter(|r| !r.is_empty()).collect();
        ranges.sort_unstable();
        let mut merged: Vec<Range> = Vec::with_capacity(ranges.len());
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.begin <= last.end.saturating_add(1) => {
                    last.end = last.end.max(range.end);
                }
                _ => merged.push(range),
            }
        }
        self.range = merged;
    }

    /// A normalized copy.
    pub fn normalized(&self) -> Self {
        Self::new(self.range.iter().copied())
    }

    /// Whether the ranges are sorted, disjoint, non-adjacent and not inverted.
    pub fn is_normalized(&self) -> bool {
        self.range.iter().all(|r| !r.is_empty())
            && self.range.windows(2).all(|pair| match pair {
                [a, b] => a.end < u64::MAX && a.end + 1 < b.begin,
                _ => true,
            })
    }

    /// Mesos's validation: no inverted ranges and no overlaps (adjacent ranges are fine).
    pub fn validate(&self) -> Result<(), ValueError> {
        if let Some(r) = self.range.iter().find(|r| r.is_empty()) {
            return Err(ValueError::InvertedRange {
                begin: r.begin,
                end: r.end,
            });
        }
        let mut sorted = self.range.clone();
        sorted.sort_unstable();
        match sorted
            .windows(2)
            .find(|pair| matches!(pair, [a, b] if b.begin <= a.end))
        {
            Some(&[a, b]) => Err(ValueError::OverlappingRanges(a, b)),
            _ => Ok(()),
        }
    }

    /// The values in either.
    pub fn union(&self, other: &Ranges) -> Ranges {
        Ranges::new(self.range.iter().chain(&other.range).copied())
    }

    /// The values in `self` but not in `other`.
    pub fn difference(&self, other: &Ranges) -> Ranges {
        let left = self.normalized();
        let right = other.normalized();
        let mut result = Vec::with_capacity(left.range.len());
        // Ranges of `right` that end before the current left range can be skipped for good.
        let mut first = 0;
        for range in left.range {
            let mut begin = range.begin;
            let mut covered = false;
            while right.range.get(first).is_some_and(|r| r.end < begin) {
                first += 1;
            }
            for cut in right.range.iter().skip(first) {
                if cut.begin > range.end {
                    break;
                }
                if cut.begin > begin {
                    result.push(Range::new(begin, cut.begin - 1));
                }
                if cut.end >= range.end {
                    covered = true;
                    break;
                }
                begin = cut.end + 1;
            }
            if !covered {
                result.push(Range::new(begin, range.end));
            }
        }
        Ranges { range: result }
    }

    /// Whether every value of `other` is in `self`.
    pub fn contains(&self, other: &Ranges) -> bool {
        let this = self.normalized();
        other.range.iter().filter(|r| !r.is_empty()).all(|r| {
            let index = this.range.partition_point(|s| s.begin <= r.begin);
            index
                .checked_sub(1)
                .and_then(|i| this.range.get(i))
                .is_some_and(|s| s.end >= r.end)
        })
    }

    /// Whether `value` is in one of the ranges.
    pub fn contains_value(&self, value: u64) -> bool {
        self.range.iter().any(|r| r.contains(value))
    }

    /// How many distinct values the ranges hold (saturates at `u64::MAX`).
    pub fn len(&self) -> u64 {
        self.normalized()
            .range
            .iter()
            .fold(0, |total: u64, r| total.saturating_add(r.len()))
    }

    /// Whether the ranges hold no value.
    pub fn is_empty(&self) -> bool {
        self.range.iter().all(Range::is_empty)
    }

    /// The ranges as stored.
    pub fn iter(&self) -> std::slice::Iter<'_, Range> {
        self.range.iter()
    }

    /// The distinct values, in ascending order.
    pub fn values(&self) -> impl Iterator<Item = u64> + use<> {
        self.normalized()
            .range
            .into_iter()
            .flat_map(|r| r.begin..=r.end)
    }
}

impl PartialEq for Ranges {
    fn eq(&self, other: &Self) -> bool {
        self.normalized().range == other.normalized().range
    }
}

impl Eq for Ranges {}

impl Hash for Ranges {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().range.hash(state);
    }
}

impl FromIterator<Range> for Ranges {
    fn from_iter<I: IntoIterator<Item = Range>>(iter: I) -> Self {
        Ranges::new(iter)
    }
}

impl<'a> IntoIterator for &'a Ranges {
    type Item = &'a Range;
    type IntoIter = std::slice::Iter<'a, Range>;
    fn into_iter(self) -> Self::IntoIter {
        self.range.iter()
    }
}

/// `[31000-32000, 33000-34000]`, in stored order.
impl fmt::Display for Ranges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, range) in self.range.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{range}")?;
        }
        f.write_str("]")
    }
}

impl FromStr for Ranges {
    type Err = ValueError;
    fn from_str(text: &str) -> Result<Self, ValueError> {
        match parse(text)? {
            Value::Ranges(ranges) => Ok(ranges),
            _ => Err(ValueError::WrongType {
                expected: ValueType::Ranges,
                text: text.to_owned(),
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Set
// ---------------------------------------------------------------------------------------------

/// `Value.Set`: `{"item":["a","b"]}`.
///
/// Two sets are equal when they hold the same items, in any order; arithmetic never creates
/// duplicates.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Set {
    #[serde(default, deserialize_with = "crate::json::null_as_default")]
    pub item: Vec<String>,
}

impl Set {
    /// A set of `items`, keeping the first of any duplicates.
    pub fn new<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Self {
        let mut set = Set::default();
        for item in items {
            let item = item.into();
            if !set.contains_item(&item) {
                set.item.push(item);
            }
        }
        set
    }

    /// The number of items as stored.
    pub fn len(&self) -> usize {
        self.item.len()
    }

    /// Whether the set has no items.
    pub fn is_empty(&self) -> bool {
        self.item.is_empty()
    }

    /// The items, in stored order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.item.iter().map(String::as_str)
    }

    /// Whether `item` is in the set.
    pub fn contains_item(&self, item: &str) -> bool {
        self.item.iter().any(|i| i == item)
    }

    /// Whether every item of `other` is in `self`.
    pub fn contains(&self, other: &Set) -> bool {
        other.iter().all(|item| self.contains_item(item))
    }

    /// The items of `self`, then those of `other` not already present.
    pub fn union(&self, other: &Set) -> Set {
        let mut result = self.clone();
        for item in other.iter() {
            if !result.contains_item(item) {
                result.item.push(item.to_owned());
            }
        }
        result
    }

    /// The items of `self` that are not in `other`.
    pub fn difference(&self, other: &Set) -> Set {
        Set {
            item: self
                .item
                .iter()
                .filter(|i| !other.contains_item(i))
                .cloned()
                .collect(),
        }
    }

    /// Mesos's validation: no duplicate items.
    pub fn validate(&self) -> Result<(), ValueError> {
        let mut seen = BTreeSet::new();
        match self.iter().find(|item| !seen.insert(*item)) {
            Some(item) => Err(ValueError::DuplicateItem(item.to_owned())),
            None => Ok(()),
        }
    }

    fn distinct(&self) -> BTreeSet<&str> {
        self.iter().collect()
    }
}

impl PartialEq for Set {
    fn eq(&self, other: &Self) -> bool {
        self.distinct() == other.distinct()
    }
}

impl Eq for Set {}

impl Hash for Set {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.distinct().hash(state);
    }
}

impl<S: Into<String>> FromIterator<S> for Set {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Set::new(iter)
    }
}

/// `{a, b}`, in stored order.
impl fmt::Display for Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, item) in self.item.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(item)?;
        }
        f.write_str("}")
    }
}

impl FromStr for Set {
    type Err = ValueError;
    fn from_str(text: &str) -> Result<Self, ValueError> {
        match parse(text)? {
            Value::Set(set) => Ok(set),
            _ => Err(ValueError::WrongType {
                expected: ValueType::Set,
                text: text.to_owned(),
            }),
        }
    }
}

/// `+`, `-`, `+=` and `-=` for owned and borrowed operands, from `union` and `difference`.
macro_rules! set_like_ops {
    ($t:ty) => {
        impl Add<&$t> for &$t {
            type Output = $t;
            fn add(self, rhs: &$t) -> $t {
                self.union(rhs)
            }
        }
        impl Add for $t {
            type Output = $t;
            fn add(self, rhs: $t) -> $t {
                self.union(&rhs)
            }
        }
        impl Sub<&$t> for &$t {
            type Output = $t;
            fn sub(self, rhs: &$t) -> $t {
                self.difference(rhs)
            }
        }
        impl Sub for $t {
            type Output = $t;
            fn sub(self, rhs: $t) -> $t {
                self.difference(&rhs)
            }
        }
        impl AddAssign<&$t> for $t {
            fn add_assign(&mut self, rhs: &$t) {
                *self = self.union(rhs);
            }
        }
        impl SubAssign<&$t> for $t {
            fn sub_assign(&mut self, rhs: &$t) {
                *self = self.difference(rhs);
            }
        }
    };
}

set_like_ops!(Ranges);
set_like_ops!(Set);

// ---------------------------------------------------------------------------------------------
// Text and Value
// ---------------------------------------------------------------------------------------------

/// `Value.Text`: `{"value":"r1"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Text {
    pub value: String,
}

impl Text {
    /// Text with `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Text {
            value: value.into(),
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// A typed Mesos value, as [`parse`] returns it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Scalar(Scalar),
    Ranges(Ranges),
    Set(Set),
    Text(Text),
}

impl Value {
    /// The value's type.
    pub fn kind(&self) -> ValueType {
        match self {
            Value::Scalar(_) => ValueType::Scalar,
            Value::Ranges(_) => ValueType::Ranges,
            Value::Set(_) => ValueType::Set,
            Value::Text(_) => ValueType::Text,
        }
    }
}

/// Mesos's text form: `2.5`, `[1-10, 20-30]`, `{a, b}` or the text itself.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Scalar(v) => v.fmt(f),
            Value::Ranges(v) => v.fmt(f),
            Value::Set(v) => v.fmt(f),
            Value::Text(v) => v.fmt(f),
        }
    }
}

impl FromStr for Value {
    type Err = ValueError;
    fn from_str(text: &str) -> Result<Self, ValueError> {
        parse(text)
    }
}

/// Parses a value the way Mesos's `values::parse` does.
///
/// All spaces are removed first. Then:
/// - `[b-e, …]` is RANGES (normalized; bounds are `u64`, `begin > end` is an error, `[]` is
///   empty);
/// - `{a, …}` is a SET (items kept as written, duplicates included);
/// - a finite, non-negative number up to [`Scalar::MAX`] is a SCALAR (subnormals are errors);
/// - anything else (including `-1`, `nan` and `inf`) is TEXT.
///
/// Unbalanced brackets, and `[` or `{` anywhere but at the start, are errors. This parser is
/// stricter than Mesos about the inside of brackets: every range must be `begin-end`, and
/// nothing may follow the closing bracket.
pub fn parse(text: &str) -> Result<Value, ValueError> {
    let compact: String = text.chars().filter(|&c| c != ' ').collect();
    if compact.is_empty() {
        return Err(ValueError::Empty);
    }
    let balanced = [('{', '}'), ('[', ']'), ('(', ')')]
        .iter()
        .all(|&(open, close)| brackets_match(&compact, open, close));
    if !balanced {
        return Err(ValueError::MismatchedBrackets(text.to_owned()));
    }

    let malformed = |reason| ValueError::Malformed {
        text: text.to_owned(),
        reason,
    };
    if let Some(rest) = compact.strip_prefix('[') {
        let body = rest
            .strip_suffix(']')
            .filter(|body| !body.contains(['[', ']']))
            .ok_or_else(|| {
                malformed("ranges must be a single `[…]`, not nested, with nothing after it")
            })?;
        return parse_ranges_body(text, body).map(Value::Ranges);
    }
    if compact.contains('[') {
        return Err(malformed("unexpected '['"));
    }
    if let Some(rest) = compact.strip_prefix('{') {
        let body = rest
            .strip_suffix('}')
            .filter(|body| !body.contains(['{', '}']))
            .ok_or_else(|| {
                malformed("a set must be a single `{…}`, not nested, with nothing after it")
            })?;
        let items = body.split([',', '\n']).filter(|item| !item.is_empty());
        return Ok(Value::Set(Set {
            item: items.map(str::to_owned).collect(),
        }));
    }
    if compact.contains('{') {
        return Err(malformed("unexpected '{'"));
    }

    match compact.parse::<f64>() {
        Ok(number) if number.is_subnormal() => Err(ValueError::Subnormal(text.to_owned())),
        Ok(number) if number.is_finite() && (0.0..=Scalar::MAX).contains(&number) => {
            Ok(Value::Scalar(Scalar { value: number }))
        }
        _ => Ok(Value::Text(Text { value: compact })),
    }
}

fn parse_ranges_body(text: &str, body: &str) -> Result<Ranges, ValueError> {
    let bound = |token: &str| {
        token.parse::<u64>().map_err(|_| ValueError::BadInteger {
            text: text.to_owned(),
            token: token.to_owned(),
        })
    };
    let mut ranges = Vec::new();
    for item in body.split([',', '\n']).filter(|item| !item.is_empty()) {
        let bad_range = || ValueError::BadRange {
            text: text.to_owned(),
            item: item.to_owned(),
        };
        let (begin, end) = item.split_once('-').ok_or_else(bad_range)?;
        if begin.is_empty() || end.is_empty() || end.contains('-') {
            return Err(bad_range());
        }
        let (begin, end) = (bound(begin)?, bound(end)?);
        if begin > end {
            return Err(ValueError::InvertedRange { begin, end });
        }
        ranges.push(Range::new(begin, end));
    }
    Ok(Ranges::new(ranges))
}

/// Whether `open` and `close` are balanced in `text` (never more closes than opens so far).
fn brackets_match(text: &str, open: char, close: char) -> bool {
    let mut depth: usize = 0;
    for c in text.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            }
        }
    }
    depth == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn ranges(pairs: &[(u64, u64)]) -> Ranges {
        Ranges {
            range: pairs.iter().map(|&(b, e)| Range::new(b, e)).collect(),
        }
    }

    #[test]
    fn scalars_are_fixed_point() {
        assert_eq!(Scalar::new(0.1) + Scalar::new(0.2), Scalar::new(0.3));
        assert_eq!((Scalar::new(0.1) + Scalar::new(0.2)).value, 0.3);
        assert_eq!(Scalar::new(1.0005).millis(), 1001);
        assert_eq!(Scalar::new(2.0004), Scalar::new(2.0));
        assert!(Scalar::new(0.001) > Scalar::ZERO);
        assert!(Scalar::new(0.0004).is_zero());
        assert_eq!(Scalar::new(5.0) - Scalar::new(7.5), Scalar::new(-2.5));
        let total: Scalar = (0..10).map(|_| Scalar::new(0.1)).sum();
        assert_eq!(total, Scalar::new(1.0));
        assert_eq!(Scalar::from_millis(-1500).value, -1.5);
        assert_eq!(
            Scalar { value: f64::MAX } + Scalar { value: f64::MAX },
            Scalar::from_millis(i64::MAX)
        );
    }

    #[test]
    fn scalar_display_drops_trailing_zeros() {
        for (value, text) in [
            (4.0, "4"),
            (0.5, "0.5"),
            (1.25, "1.25"),
            (1.125, "1.125"),
            (0.1 + 0.2, "0.3"),
        ] {
            assert_eq!(Scalar::new(value).to_string(), text);
        }
        assert_eq!(Scalar { value: 2.0004 }.to_string(), "2");
        assert_eq!(Scalar::new(-0.05).to_string(), "-0.05");
        assert_eq!(Scalar::new(8192.0).to_string(), "8192");
    }

    #[test]
    fn scalar_checked_rejects_bad_values() {
        assert!(Scalar::checked(1.5).is_ok());
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e13] {
            assert!(Scalar::checked(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scalar_json_shape_is_kept() {
        let s: Scalar = serde_json::from_str(r#"{"value":"2.5"}"#).unwrap();
        assert_eq!(s, Scalar::new(2.5));
        assert_eq!(
            serde_json::to_string(&Scalar::new(2.5)).unwrap(),
            r#"{"value":2.5}"#
        );
    }

    #[test]
    fn ranges_normalize() {
        let r = Ranges::new([
            Range::new(10, 20),
            Range::new(1, 3),
            Range::new(4, 5),
            Range::new(15, 30),
            Range::new(9, 2),
        ]);
        assert_eq!(r.range, ranges(&[(1, 5), (10, 30)]).range);
        assert!(r.is_normalized());
        assert!(!ranges(&[(1, 2), (3, 4)]).is_normalized());
        assert_eq!(ranges(&[(1, 2), (3, 4)]), ranges(&[(1, 4)]));
        assert_eq!(
            Ranges::new([Range::new(5, u64::MAX), Range::new(0, 4)]).range,
            ranges(&[(0, u64::MAX)]).range
        );
    }

    #[test]
    fn ranges_arithmetic() {
        let a = ranges(&[(1, 10), (20, 30)]);
        let b = ranges(&[(5, 22), (30, 30)]);
        assert_eq!((&a + &b).range, ranges(&[(1, 30)]).range);
        assert_eq!((&a - &b).range, ranges(&[(1, 4), (23, 29)]).range);
        assert_eq!((&b - &a).range, ranges(&[(11, 19)]).range);
        assert_eq!((&a - &a).range, Vec::new());
        assert_eq!((&a - &Ranges::default()), a);
        assert_eq!(
            ranges(&[(0, u64::MAX)]) - ranges(&[(0, 0), (u64::MAX, u64::MAX)]),
            ranges(&[(1, u64::MAX - 1)])
        );
        let mut c = a.clone();
        c -= &ranges(&[(2, 3)]);
        assert_eq!(c.range, ranges(&[(1, 1), (4, 10), (20, 30)]).range);
        c += &ranges(&[(2, 3)]);
        assert_eq!(c, a);
    }

    #[test]
    fn ranges_contains_and_len() {
        let a = ranges(&[(1, 10), (20, 30)]);
        assert!(a.contains(&ranges(&[(2, 3), (25, 30)])));
        assert!(a.contains(&Ranges::default()));
        assert!(!a.contains(&ranges(&[(9, 21)])));
        assert!(!a.contains(&ranges(&[(0, 0)])));
        assert!(ranges(&[(1, 5), (6, 10)]).contains(&ranges(&[(3, 8)])));
        assert!(a.contains_value(20) && !a.contains_value(15));
        assert_eq!(a.len(), 21);
        assert_eq!(ranges(&[(1, 5), (3, 7)]).len(), 7);
        assert_eq!(ranges(&[(0, u64::MAX)]).len(), u64::MAX);
        assert!(Ranges::default().is_empty());
        assert_eq!(
            ranges(&[(5, 6), (1, 2)]).values().collect::<Vec<_>>(),
            [1, 2, 5, 6]
        );
    }

    #[test]
    fn ranges_validation() {
        assert!(ranges(&[(1, 2), (3, 4)]).validate().is_ok());
        assert_eq!(
            ranges(&[(5, 1)]).validate(),
            Err(ValueError::InvertedRange { begin: 5, end: 1 })
        );
        assert!(matches!(
            ranges(&[(1, 5), (5, 8)]).validate(),
            Err(ValueError::OverlappingRanges(..))
        ));
    }

    #[test]
    fn sets() {
        let a = Set::new(["a", "b", "a"]);
        assert_eq!(a.item, ["a", "b"]);
        let b = Set::new(["b", "c"]);
        assert_eq!((&a + &b).item, ["a", "b", "c"]);
        assert_eq!((&a - &b).item, ["a"]);
        assert!(a.contains(&Set::new(["b"])) && !a.contains(&b));
        assert_eq!(Set::new(["x", "y"]), Set::new(["y", "x"]));
        assert_ne!(Set::new(["x"]), Set::new(["x", "y"]));
        assert_eq!(
            Set {
                item: vec!["a".into(), "a".into()]
            }
            .validate(),
            Err(ValueError::DuplicateItem("a".into()))
        );
        assert_eq!(Set::new(["a", "b"]).to_string(), "{a, b}");
        assert_eq!(Set::default().to_string(), "{}");
    }

    #[test]
    fn parse_value_forms() {
        assert_eq!(
            parse("[31000-32000, 33000-34000]").unwrap(),
            Value::Ranges(ranges(&[(31000, 32000), (33000, 34000)]))
        );
        assert_eq!(parse("[1-10,11-20]").unwrap().to_string(), "[1-20]");
        assert_eq!(parse("[]").unwrap(), Value::Ranges(Ranges::default()));
        assert_eq!(parse("{a, b}").unwrap(), Value::Set(Set::new(["a", "b"])));
        assert_eq!(parse("{}").unwrap(), Value::Set(Set::default()));
        assert_eq!(parse(" 4 ").unwrap(), Value::Scalar(Scalar::new(4.0)));
        assert_eq!(parse("0.5").unwrap(), Value::Scalar(Scalar::new(0.5)));
        assert_eq!(parse("1e3").unwrap(), Value::Scalar(Scalar::new(1000.0)));
        assert_eq!(parse("-0").unwrap(), Value::Scalar(Scalar::ZERO));
        for text in ["r1", "-1", "nan", "inf", "1e300", "centos 7", "a:b", "(x)"] {
            assert_eq!(parse(text).unwrap().kind(), ValueType::Text, "{text}");
        }
        assert_eq!(parse("centos 7").unwrap().to_string(), "centos7");
    }

    #[test]
    fn parse_errors_name_the_text() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("[1-2", "mismatched"),
            ("a}", "mismatched"),
            ("x[1-2]", "unexpected '['"),
            ("x{a}", "unexpected '{'"),
            ("[1-2][3-4]", "nothing after"),
            ("{a}b", "nothing after"),
            ("[1-2]x", "nothing after"),
            ("[5]", "begin-end"),
            ("[1-2-3]", "begin-end"),
            ("[-5]", "begin-end"),
            ("[a-b]", "\"a\""),
            ("[1--2]", "begin-end"),
            ("[1-99999999999999999999]", "99999999999999999999"),
            ("[10-1]", "begin > end"),
            ("1e-310", "subnormal"),
        ];
        for (text, fragment) in cases {
            let error = parse(text).unwrap_err().to_string();
            assert!(error.contains(fragment), "{text:?} gave {error:?}");
        }
    }

    #[test]
    fn typed_from_str() {
        assert_eq!("[1-2]".parse::<Ranges>().unwrap(), ranges(&[(1, 2)]));
        assert_eq!("{a}".parse::<Set>().unwrap(), Set::new(["a"]));
        assert_eq!("2.5".parse::<Scalar>().unwrap(), Scalar::new(2.5));
        assert!(matches!(
            "-1".parse::<Scalar>(),
            Err(ValueError::WrongType { .. })
        ));
        assert!("x".parse::<Ranges>().is_err());
    }

    #[test]
    fn display_round_trips() {
        for text in ["[1-5, 7-9]", "{a, b}", "2.125", "rack1"] {
            let value = parse(text).unwrap();
            assert_eq!(value.to_string(), text);
            assert_eq!(parse(&value.to_string()).unwrap(), value);
        }
    }
}

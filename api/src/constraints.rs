//! Spark's `spark.mesos.constraints`: which agent attributes an offer must have.
//!
//! The syntax and the matching rules are those of Spark 3.5's `MesosSchedulerUtils`
//! (`parseConstraintString` and `matchesAttributeRequirements`): `os:centos7;zone:a,b;gpu:`
//! requires `os` to be `centos7`, `zone` to be `a` or `b`, and `gpu` to be present.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::attributes::Attribute;
use crate::values::ValueType;

/// Why a constraint string was rejected (Spark throws `IllegalArgumentException` for these).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ConstraintError {
    /// An entry without exactly one `:` (an empty entry, e.g. after a trailing `;`, included).
    #[error("bad constraint {entry:?}: expected `attribute:value[,value…]` with exactly one ':'")]
    InvalidEntry { entry: String },
    /// The same attribute twice.
    #[error("constraint attribute {attribute:?} appears more than once")]
    DuplicateAttribute { attribute: String },
}

/// One requirement: `attribute` must be offered, with one of (or, for sets, all of) `values`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Constraint {
    pub attribute: String,
    /// The required values; empty means the attribute only has to be present.
    pub values: BTreeSet<String>,
}

impl Constraint {
    /// A requirement on `attribute`.
    pub fn new<S: Into<String>>(
        attribute: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        Constraint {
            attribute: attribute.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether `offered` (the offer's attribute with this name, if any) satisfies the
    /// requirement, by Spark's rules:
    /// - no attribute: no match; no required values: match;
    /// - SCALAR: some required value, read as a number, is ≤ the offered value;
    /// - RANGES: some required value, read as an integer, lies in an offered range;
    /// - SET: every required value is an offered item;
    /// - TEXT: the offered text is one of the required values.
    ///
    /// A required value that is not a number never matches a scalar or ranges attribute (Spark
    /// would throw). Spark 3.5 also throws on every ranges attribute with required values (it
    /// tests for a single `Value.Range`, which offers never carry); this follows the intent
    /// its comments state instead.
    pub fn matches(&self, offered: Option<&Attribute>) -> bool {
        let Some(attribute) = offered else {
            return false;
        };
        if self.values.is_empty() {
            return true;
        }
        match attribute.kind {
            ValueType::Scalar => {
                let offered = attribute.scalar.unwrap_or_default().value;
                self.values
                    .iter()
                    .filter_map(|v| java_double(v))
                    .any(|required| required <= offered)
            }
            ValueType::Ranges => {
                let ranges = attribute.ranges.clone().unwrap_or_default();
                self.values
                    .iter()
                    .filter_map(|v| v.parse::<i64>().ok())
                    .filter_map(|v| u64::try_from(v).ok())
                    .any(|v| ranges.contains_value(v))
            }
            ValueType::Set => {
                let set = attribute.set.clone().unwrap_or_default();
                self.values.iter().all(|v| set.contains_item(v))
            }
            ValueType::Text => {
                let text = attribute
                    .text
                    .as_ref()
                    .map(|t| t.value.as_str())
                    .unwrap_or_default();
                self.values.contains(text)
            }
        }
    }
}

/// `attribute:v1,v2` (values in sorted order).
impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.attribute)?;
        for (i, value) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(value)?;
        }
        Ok(())
    }
}

/// Parsed `spark.mesos.constraints`, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Constraints(Vec<Constraint>);

impl Constraints {
    /// No constraints (every offer matches).
    pub fn new() -> Self {
        Constraints(Vec::new())
    }

    /// Parses a constraint string as Spark does (Guava's
    /// `Splitter.on(';').trimResults().withKeyValueSeparator(':')`, then `split(',')`):
    /// - the empty string means no constraints;
    /// - entries are split on `;` and trimmed, and each must hold exactly one `:` (so an empty
    ///   entry, as after a trailing `;`, is an error);
    /// - the attribute name and the values are not trimmed further;
    /// - values are split on `,`, dropping trailing empty strings as Java's `String.split`
    ///   does; an empty value means "present";
    /// - an attribute named twice is an error.
    pub fn parse(text: &str) -> Result<Self, ConstraintError> {
        let mut constraints = Constraints::new();
        if text.is_empty() {
            return Ok(constraints);
        }
        for entry in text.split(';').map(str::trim) {
            let invalid = || ConstraintError::InvalidEntry {
                entry: entry.to_owned(),
            };
            let (attribute, values) = entry.split_once(':').ok_or_else(invalid)?;
            if values.contains(':') {
                return Err(invalid());
            }
            let mut values: Vec<&str> = values.split(',').collect();
            while values.last() == Some(&"") {
                values.pop();
            }
            constraints.push(Constraint::new(attribute, values))?;
        }
        Ok(constraints)
    }

    /// Adds a constraint; an attribute may appear once.
    pub fn push(&mut self, constraint: Constraint) -> Result<(), ConstraintError> {
        if self.get(&constraint.attribute).is_some() {
            return Err(ConstraintError::DuplicateAttribute {
                attribute: constraint.attribute,
            });
        }
        self.0.push(constraint);
        Ok(())
    }

    /// The required values for `attribute`, if it is constrained.
    pub fn get(&self, attribute: &str) -> Option<&BTreeSet<String>> {
        self.0
            .iter()
            .find(|c| c.attribute == attribute)
            .map(|c| &c.values)
    }

    /// Whether an offer with `offered` attributes satisfies every constraint. When an attribute
    /// name is offered more than once, the last one counts (as in Spark's `toMap`).
    pub fn matches(&self, offered: &[Attribute]) -> bool {
        self.0.iter().all(|constraint| {
            constraint.matches(
                offered
                    .iter()
                    .rev()
                    .find(|a| a.name == constraint.attribute),
            )
        })
    }

    /// The constraints.
    pub fn iter(&self) -> std::slice::Iter<'_, Constraint> {
        self.0.iter()
    }

    /// The number of constrained attributes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no constraints.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for Constraints {
    type Err = ConstraintError;
    fn from_str(text: &str) -> Result<Self, ConstraintError> {
        Constraints::parse(text)
    }
}

/// The `spark.mesos.constraints` form, `os:centos7;zone:a,b;gpu:`, which
/// [`Constraints::parse`] reads back.
impl fmt::Display for Constraints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, constraint) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{constraint}")?;
        }
        Ok(())
    }
}

impl<'a> IntoIterator for &'a Constraints {
    type Item = &'a Constraint;
    type IntoIter = std::slice::Iter<'a, Constraint>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Reads a number roughly as Java's `Double.parseDouble` does: surrounding control characters
/// and spaces are ignored, a trailing `d`/`f` type suffix is allowed, and `NaN`/`Infinity` are
/// spelled Java's way (hexadecimal floats are not supported).
fn java_double(text: &str) -> Option<f64> {
    let text = text.trim_matches(|c: char| c <= ' ');
    match text.strip_prefix(['+', '-']).unwrap_or(text) {
        "NaN" | "Infinity" => return text.parse().ok(),
        _ => {}
    }
    let number = text.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(text);
    let plain = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
    if plain { number.parse().ok() } else { None }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::attributes::Attributes;

    fn set(values: &[&str]) -> BTreeSet<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    fn offer(text: &str) -> Vec<Attribute> {
        Attributes::parse(text).unwrap().into_vec()
    }

    #[test]
    fn parses_spark_syntax() {
        let c = Constraints::parse("os:centos7;zone:us-east-1a,us-east-1b;gpu:").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c.get("os"), Some(&set(&["centos7"])));
        assert_eq!(c.get("zone"), Some(&set(&["us-east-1a", "us-east-1b"])));
        assert_eq!(c.get("gpu"), Some(&BTreeSet::new()));
        assert_eq!(
            c.iter().map(|c| c.attribute.as_str()).collect::<Vec<_>>(),
            ["os", "zone", "gpu"]
        );
        assert_eq!(c.to_string(), "os:centos7;zone:us-east-1a,us-east-1b;gpu:");
        assert_eq!(Constraints::parse(&c.to_string()).unwrap(), c);
        assert!(Constraints::parse("").unwrap().is_empty());
    }

    #[test]
    fn guava_and_java_split_details() {
        let c = Constraints::parse("  os:centos7 ; zone : a, b ;x:a,,b,,;y:,").unwrap();
        assert_eq!(c.get("os"), Some(&set(&["centos7"])));
        // Only whole entries are trimmed.
        assert_eq!(c.get("zone "), Some(&set(&[" a", " b"])));
        assert_eq!(c.get("x"), Some(&set(&["a", "", "b"])));
        assert_eq!(c.get("y"), Some(&BTreeSet::new()));
        assert_eq!(
            Constraints::parse(":a").unwrap().get(""),
            Some(&set(&["a"]))
        );
    }

    #[test]
    fn errors_name_the_entry() {
        let cases = [
            ("os", "\"os\""),
            ("os:a;", "\"\""),
            ("  ", "\"\""),
            (";os:a", "\"\""),
            ("os:a:b", "\"os:a:b\""),
            ("os:a;os:b", "\"os\" appears more than once"),
        ];
        for (text, fragment) in cases {
            let error = Constraints::parse(text).unwrap_err().to_string();
            assert!(error.contains(fragment), "{text:?} gave {error:?}");
        }
    }

    #[test]
    fn matching_follows_spark() {
        let attributes = offer("os:centos7;zone:a;cores:8;ports:[1000-2000];features:{ssd,gpu}");
        let matches = |text: &str| Constraints::parse(text).unwrap().matches(&attributes);
        assert!(matches(""));
        assert!(matches("os:centos7"));
        assert!(matches("os:ubuntu,centos7"));
        assert!(!matches("os:ubuntu"));
        assert!(matches("zone:"));
        assert!(!matches("rack:"));
        assert!(!matches("rack:r1"));
        // Scalars: some required value ≤ offered.
        assert!(matches("cores:4"));
        assert!(matches("cores:8.0"));
        assert!(matches("cores:16,2"));
        assert!(!matches("cores:16"));
        assert!(!matches("cores:many"));
        assert!(matches("cores: 4 "));
        assert!(matches("cores:4d"));
        assert!(!matches("cores:inf"));
        // Ranges: some required value inside.
        assert!(matches("ports:1500"));
        assert!(matches("ports:5,2000"));
        assert!(!matches("ports:999"));
        assert!(!matches("ports:-1"));
        assert!(!matches("ports:abc"));
        // Sets: required ⊆ offered.
        assert!(matches("features:ssd"));
        assert!(matches("features:ssd,gpu"));
        assert!(!matches("features:ssd,nvme"));
        // All constraints must hold.
        assert!(matches("os:centos7;zone:a;cores:2"));
        assert!(!matches("os:centos7;zone:b"));
    }

    #[test]
    fn last_duplicate_attribute_wins() {
        let attributes = offer("zone:a;zone:b");
        assert!(!Constraints::parse("zone:a").unwrap().matches(&attributes));
        assert!(Constraints::parse("zone:b").unwrap().matches(&attributes));
    }

    #[test]
    fn push_rejects_duplicates() {
        let mut c = Constraints::new();
        c.push(Constraint::new("os", ["centos7"])).unwrap();
        assert!(c.push(Constraint::new("os", Vec::<String>::new())).is_err());
        assert_eq!(c.to_string(), "os:centos7");
    }

    #[test]
    fn java_numbers() {
        assert_eq!(java_double(" 1.5 "), Some(1.5));
        assert_eq!(java_double("2f"), Some(2.0));
        assert_eq!(java_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(java_double("NaN").is_some_and(f64::is_nan));
        assert_eq!(java_double("inf"), None);
        assert_eq!(java_double("1e3"), Some(1000.0));
        assert_eq!(java_double(""), None);
        assert_eq!(java_double("x"), None);
    }
}

//! `Attribute`, the [`Attributes`] list and the `--attributes` text format.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::values::{self, Ranges, Scalar, Set, Text, Value, ValueError, ValueType};

/// `Attribute`: `{"name":"rack","type":"TEXT","text":{"value":"r1"}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ValueType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalar: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Ranges>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<Set>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
}

/// Why `--attributes` text could not be parsed, or an attribute is invalid.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum AttributeError {
    /// An entry is not `name:value` with a non-empty name and value.
    #[error("bad attribute entry {entry:?}: expected `name:value`")]
    BadEntry { entry: String },
    /// The value of an entry does not parse.
    #[error("bad value {value:?} for attribute {name:?}: {source}")]
    Value {
        name: String,
        value: String,
        #[source]
        source: ValueError,
    },
    /// An attribute whose name is empty or whose value field does not match its type.
    #[error("invalid attribute {name:?}: {reason}")]
    Invalid { name: String, reason: &'static str },
}

impl Attribute {
    /// An attribute holding `value`.
    pub fn new(name: impl Into<String>, value: Value) -> Self {
        let mut attribute = Attribute {
            name: name.into(),
            kind: value.kind(),
            scalar: None,
            ranges: None,
            set: None,
            text: None,
        };
        match value {
            Value::Scalar(v) => attribute.scalar = Some(v),
            Value::Ranges(v) => attribute.ranges = Some(v),
            Value::Set(v) => attribute.set = Some(v),
            Value::Text(v) => attribute.text = Some(v),
        }
        attribute
    }

    /// The attribute's value, if the field its type names is set.
    pub fn value(&self) -> Option<Value> {
        match self.kind {
            ValueType::Scalar => self.scalar.map(Value::Scalar),
            ValueType::Ranges => self.ranges.clone().map(Value::Ranges),
            ValueType::Set => self.set.clone().map(Value::Set),
            ValueType::Text => self.text.clone().map(Value::Text),
        }
    }

    /// Mesos's `Attributes::isValid`, except that sets are allowed: a non-empty name and the
    /// value field of the attribute's type.
    pub fn validate(&self) -> Result<(), AttributeError> {
        let invalid = |reason| {
            Err(AttributeError::Invalid {
                name: self.name.clone(),
                reason,
            })
        };
        if self.name.is_empty() {
            return invalid("the name is empty");
        }
        if self.value().is_none() {
            return invalid("the value field for its type is missing");
        }
        Ok(())
    }

    /// The value as `/master/state` writes it: scalars as numbers, everything else as its text
    /// form (`"[1-10]"`, `"{a, b}"`, `"r1"`).
    pub fn json_value(&self) -> serde_json::Value {
        match self.value() {
            Some(Value::Scalar(scalar)) => serde_json::Value::Number(scalar.json_number()),
            Some(Value::Text(text)) => serde_json::Value::String(text.value),
            Some(value) => serde_json::Value::String(value.to_string()),
            None => serde_json::Value::Null,
        }
    }
}

/// `name:value`, as in `--attributes`.
impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value() {
            Some(value) => write!(f, "{}:{value}", self.name),
            None => write!(f, "{}:", self.name),
        }
    }
}

/// An agent's attributes, in the order given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Attributes(pub Vec<Attribute>);

impl Attributes {
    /// Parses `--attributes`: `rack:r1;zone:a;cores:8;ports:[1-10];features:{a,b}`.
    ///
    /// Entries are separated by `;` or newlines (empty ones are skipped) and split at their
    /// first `:`; names are trimmed. Values are read with [`values::parse`]: `[..]` is RANGES, a
    /// non-negative finite number SCALAR, and anything else TEXT (spaces removed). `{a,b}` is
    /// accepted as a SET, which Apache Mesos refuses for agent attributes.
    pub fn parse(text: &str) -> Result<Self, AttributeError> {
        let mut attributes = Vec::new();
        for entry in text
            .split([';', '\n'])
            .filter(|entry| !entry.trim().is_empty())
        {
            let bad_entry = || AttributeError::BadEntry {
                entry: entry.to_owned(),
            };
            let (name, value) = entry.split_once(':').ok_or_else(bad_entry)?;
            let name = name.trim();
            if name.is_empty() || value.trim().is_empty() {
                return Err(bad_entry());
            }
            let value = values::parse(value).map_err(|source| AttributeError::Value {
                name: name.to_owned(),
                value: value.to_owned(),
                source,
            })?;
            attributes.push(Attribute::new(name, value));
        }
        Ok(Attributes(attributes))
    }

    /// The first attribute called `name`.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.0.iter().find(|attribute| attribute.name == name)
    }

    /// The value of the first attribute called `name`.
    pub fn value(&self, name: &str) -> Option<Value> {
        self.get(name)?.value()
    }

    /// Appends an attribute.
    pub fn push(&mut self, attribute: Attribute) {
        self.0.push(attribute);
    }

    /// The attributes.
    pub fn iter(&self) -> std::slice::Iter<'_, Attribute> {
        self.0.iter()
    }

    /// The number of attributes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no attributes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The attributes as a slice.
    pub fn as_slice(&self) -> &[Attribute] {
        &self.0
    }

    /// The attributes as a vector.
    pub fn into_vec(self) -> Vec<Attribute> {
        self.0
    }

    /// The `/master/state` object `{"rack":"r1","cores":8,"ports":"[1-10]"}` (see
    /// [`Attribute::json_value`]); a later attribute with the same name wins.
    pub fn to_json_object(&self) -> serde_json::Map<String, serde_json::Value> {
        self.0
            .iter()
            .map(|attribute| (attribute.name.clone(), attribute.json_value()))
            .collect()
    }
}

impl FromStr for Attributes {
    type Err = AttributeError;
    fn from_str(text: &str) -> Result<Self, AttributeError> {
        Attributes::parse(text)
    }
}

/// The `--attributes` form, `rack:r1;cores:8`, which [`Attributes::parse`] reads back.
impl fmt::Display for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, attribute) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{attribute}")?;
        }
        Ok(())
    }
}

impl From<Vec<Attribute>> for Attributes {
    fn from(attributes: Vec<Attribute>) -> Self {
        Attributes(attributes)
    }
}

impl From<Attributes> for Vec<Attribute> {
    fn from(attributes: Attributes) -> Self {
        attributes.0
    }
}

impl FromIterator<Attribute> for Attributes {
    fn from_iter<I: IntoIterator<Item = Attribute>>(iter: I) -> Self {
        Attributes(iter.into_iter().collect())
    }
}

impl IntoIterator for Attributes {
    type Item = Attribute;
    type IntoIter = std::vec::IntoIter<Attribute>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = &'a Attribute;
    type IntoIter = std::slice::Iter<'a, Attribute>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_value_type() {
        let a = Attributes::parse("rack:r1;zone:a;cores:8;ports:[1-10];features:{a,b};ratio:0.5")
            .unwrap();
        assert_eq!(a.len(), 6);
        assert_eq!(a.value("rack"), Some(Value::Text(Text::new("r1"))));
        assert_eq!(a.value("cores"), Some(Value::Scalar(Scalar::new(8.0))));
        assert_eq!(a.value("ports"), Some(Value::Ranges(Ranges::single(1, 10))));
        assert_eq!(a.value("features"), Some(Value::Set(Set::new(["a", "b"]))));
        assert_eq!(a.get("ratio").unwrap().kind, ValueType::Scalar);
        assert!(a.get("missing").is_none());
        assert_eq!(
            a.to_string(),
            "rack:r1;zone:a;cores:8;ports:[1-10];features:{a, b};ratio:0.5"
        );
        assert_eq!(Attributes::parse(&a.to_string()).unwrap(), a);
    }

    #[test]
    fn mesos_value_rules() {
        let a = Attributes::parse(" rack : r 1 ;level:-1;os:centos7.2;url:http://x\nhost:h1;;")
            .unwrap();
        assert_eq!(a.value("rack"), Some(Value::Text(Text::new("r1"))));
        // Negative numbers are text, as in Mesos.
        assert_eq!(a.value("level"), Some(Value::Text(Text::new("-1"))));
        assert_eq!(a.value("os"), Some(Value::Text(Text::new("centos7.2"))));
        // Only the first ':' separates name and value.
        assert_eq!(a.value("url"), Some(Value::Text(Text::new("http://x"))));
        assert_eq!(a.value("host"), Some(Value::Text(Text::new("h1"))));
        assert_eq!(Attributes::parse("").unwrap(), Attributes::default());
    }

    #[test]
    fn errors_name_the_entry() {
        let cases = [
            ("rack", "\"rack\""),
            (":r1", "\":r1\""),
            ("rack:", "\"rack:\""),
            ("rack:  ", "\"rack:  \""),
            ("ports:[5-1]", "begin > end"),
            ("ports:[1-2", "ports"),
            ("x:a{b}", "unexpected '{'"),
        ];
        for (text, fragment) in cases {
            let error = Attributes::parse(text).unwrap_err().to_string();
            assert!(error.contains(fragment), "{text:?} gave {error:?}");
        }
    }

    #[test]
    fn state_rendering() {
        let a = Attributes::parse("rack:r1;cores:8;ratio:0.25;ports:[1-10,20-30];features:{a,b}")
            .unwrap();
        assert_eq!(
            serde_json::Value::Object(a.to_json_object()),
            serde_json::json!({"rack":"r1","cores":8,"ratio":0.25,"ports":"[1-10, 20-30]","features":"{a, b}"})
        );
    }

    #[test]
    fn validation_and_json() {
        let a = Attribute::new("rack", Value::Text(Text::new("r1")));
        assert!(a.validate().is_ok());
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({"name":"rack","type":"TEXT","text":{"value":"r1"}})
        );
        let mut broken = a.clone();
        broken.kind = ValueType::Scalar;
        assert!(broken.validate().is_err());
        assert_eq!(broken.json_value(), serde_json::Value::Null);
        let list: Attributes =
            serde_json::from_str(r#"[{"name":"cores","type":"SCALAR","scalar":{"value":8}}]"#)
                .unwrap();
        assert_eq!(list.value("cores"), Some(Value::Scalar(Scalar::new(8.0))));
    }
}

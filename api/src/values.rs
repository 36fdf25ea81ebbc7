//! Mesos `Value`s: scalars, ranges, sets and text (`mesos.proto` `Value`).
//!
//! Scalars use Mesos's fixed-point arithmetic with three decimal digits, so that `0.1 + 0.2`
//! equals `0.3` and repeated additions and subtractions never drift.

use serde::{Deserialize, Serialize};

/// `Value.Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValueType {
    Scalar,
    Ranges,
    Set,
    Text,
}

/// `Value.Scalar`: `{"value": 2.5}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Scalar {
    #[serde(deserialize_with = "crate::json::number")]
    pub value: f64,
}

/// `Value.Range`: an inclusive `[begin, end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Range {
    #[serde(deserialize_with = "crate::json::number")]
    pub begin: u64,
    #[serde(deserialize_with = "crate::json::number")]
    pub end: u64,
}

/// `Value.Ranges`: `{"range":[{"begin":31000,"end":32000}]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ranges {
    #[serde(default, deserialize_with = "crate::json::null_as_default")]
    pub range: Vec<Range>,
}

/// `Value.Set`: `{"item":["a","b"]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Set {
    #[serde(default, deserialize_with = "crate::json::null_as_default")]
    pub item: Vec<String>,
}

/// `Value.Text`: `{"value":"r1"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Text {
    pub value: String,
}

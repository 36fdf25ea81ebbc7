//! Serde helpers for Mesos's JSON conventions.
//!
//! Apache Mesos converts protobuf messages to JSON with these rules, and so does this crate:
//! field names are the proto's snake_case names, enums are their value names, `bytes` fields are
//! base64 strings, 64-bit integers are plain JSON numbers, unknown fields are ignored, and on input a
//! number may also be given as a string (`"5050"`).

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A protobuf `bytes` field: raw bytes in Rust, a base64 string in JSON.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match std::str::from_utf8(&self.0) {
            Ok(text) if text.len() <= 64 => write!(f, "b{text:?}"),
            _ => write!(f, "<{} bytes>", self.0.len()),
        }
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(value: Vec<u8>) -> Self {
        Bytes(value)
    }
}

impl From<&[u8]> for Bytes {
    fn from(value: &[u8]) -> Self {
        Bytes(value.to_vec())
    }
}

impl From<&str> for Bytes {
    fn from(value: &str) -> Self {
        Bytes(value.as_bytes().to_vec())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct B64;
        impl Visitor<'_> for B64 {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
                STANDARD
                    .decode(v.trim_end_matches('\n'))
                    .map(Bytes)
                    .map_err(|e| E::custom(format_args!("invalid base64: {e}")))
            }
        }
        deserializer.deserialize_str(B64)
    }
}

/// A number type that Mesos's JSON parser accepts either as a JSON number or as a numeric string.
pub trait Number: Sized + FromStr + Copy {
    fn from_u64(v: u64) -> Option<Self>;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl Number for $t {
            fn from_u64(v: u64) -> Option<Self> { <$t>::try_from(v).ok() }
            fn from_i64(v: i64) -> Option<Self> { <$t>::try_from(v).ok() }
            fn from_f64(v: f64) -> Option<Self> {
                // Integral doubles (`5050.0`) are accepted, as protobuf's JSON parsers do.
                let in_range = v.fract() == 0.0 && v >= <$t>::MIN as f64 && v <= <$t>::MAX as f64;
                in_range.then_some(v as $t)
            }
        }
    )*};
}
integer!(u32, i32, u64, i64);

impl Number for f64 {
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
}

struct NumberVisitor<T>(PhantomData<T>);

impl<T: Number> Visitor<'_> for NumberVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a number or a numeric string ({})",
            std::any::type_name::<T>()
        )
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_u64(v).ok_or_else(|| E::custom(format_args!("number {v} is out of range")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_i64(v).ok_or_else(|| E::custom(format_args!("number {v} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::from_f64(v).ok_or_else(|| E::custom(format_args!("number {v} is not valid here")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format_args!("{v:?} is not a valid number")))
    }
}

/// `deserialize_with` for a number that may come as a string.
pub fn number<'de, D: Deserializer<'de>, T: Number>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_any(NumberVisitor(PhantomData))
}

/// `deserialize_with` for an optional number that may come as a string; `null` is `None`.
pub fn opt_number<'de, D: Deserializer<'de>, T: Number>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    struct Opt<T>(PhantomData<T>);
    impl<'de, T: Number> Visitor<'de> for Opt<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number, a numeric string or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            number(d).map(Some)
        }
    }
    deserializer.deserialize_option(Opt(PhantomData))
}

/// `deserialize_with` for a list that Mesos may send as `null`: `null` is the empty list.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `skip_serializing_if` helper for `bool` fields without a Mesos default.
pub fn is_false(value: &bool) -> bool {
    !*value
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    struct Sample {
        #[serde(deserialize_with = "number")]
        port: u32,
        #[serde(
            default,
            deserialize_with = "opt_number",
            skip_serializing_if = "Option::is_none"
        )]
        big: Option<u64>,
        #[serde(deserialize_with = "number")]
        ratio: f64,
        #[serde(default)]
        data: Bytes,
    }

    #[test]
    fn numbers_may_be_strings() {
        let s: Sample =
            serde_json::from_str(r#"{"port":"5050","big":"18446744073709551615","ratio":"0.5"}"#)
                .unwrap();
        assert_eq!(s.port, 5050);
        assert_eq!(s.big, Some(u64::MAX));
        assert_eq!(s.ratio, 0.5);
        let s: Sample = serde_json::from_str(r#"{"port":5050.0,"ratio":2}"#).unwrap();
        assert_eq!((s.port, s.big, s.ratio), (5050, None, 2.0));
    }

    #[test]
    fn bad_numbers_are_errors() {
        for bad in [
            r#"{"port":-1,"ratio":1}"#,
            r#"{"port":4294967296,"ratio":1}"#,
            r#"{"port":"50x","ratio":1}"#,
            r#"{"port":1.5,"ratio":1}"#,
            r#"{"port":true,"ratio":1}"#,
        ] {
            assert!(
                serde_json::from_str::<Sample>(bad).is_err(),
                "{bad} should fail"
            );
        }
    }

    #[test]
    fn bytes_are_base64() {
        let s: Sample = serde_json::from_str(r#"{"port":1,"ratio":1,"data":"aGVsbG8="}"#).unwrap();
        assert_eq!(s.data.as_slice(), b"hello");
        let out = serde_json::to_value(&s).unwrap();
        assert_eq!(out["data"], "aGVsbG8=");
        assert!(serde_json::from_str::<Sample>(r#"{"port":1,"ratio":1,"data":"***"}"#).is_err());
    }
}

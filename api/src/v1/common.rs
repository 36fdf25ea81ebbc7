//! Small messages shared by everything else: ids, labels, parameters, durations.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name {
            pub value: String,
        }

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self { value: value.into() }
            }

            pub fn as_str(&self) -> &str {
                &self.value
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self { value }
            }
        }
    )*};
}

id_type!(
    /// `FrameworkID`.
    FrameworkId,
    /// `OfferID`.
    OfferId,
    /// `AgentID` (v0 `SlaveID`).
    AgentId,
    /// `TaskID`.
    TaskId,
    /// `ExecutorID`.
    ExecutorId,
    /// `ResourceProviderID`.
    ResourceProviderId,
    /// `OperationID`.
    OperationId,
);

/// `Label`: a key with an optional value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Label {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `Labels`: `{"labels":[{"key":…,"value":…}]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Labels {
    #[serde(default, deserialize_with = "crate::json::null_as_default")]
    pub labels: Vec<Label>,
}

impl Labels {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|l| l.key == key)
            .and_then(|l| l.value.as_deref())
    }
}

/// `Parameter`: a key/value pair (Docker parameters, module parameters).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Parameter {
    pub key: String,
    pub value: String,
}

/// `DurationInfo`: `{"nanoseconds": 5000000000}`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct DurationInfo {
    #[serde(deserialize_with = "crate::json::number")]
    pub nanoseconds: i64,
}

impl DurationInfo {
    /// The duration as a `std::time::Duration`; negative durations are zero.
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(u64::try_from(self.nanoseconds).unwrap_or(0))
    }

    /// From a `std::time::Duration`, saturating at `i64::MAX` nanoseconds.
    pub fn from_std(duration: std::time::Duration) -> Self {
        Self {
            nanoseconds: i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX),
        }
    }
}

/// `TimeInfo`: nanoseconds since the Unix epoch.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct TimeInfo {
    #[serde(deserialize_with = "crate::json::number")]
    pub nanoseconds: i64,
}

/// `Address`: `{"hostname":"h1","ip":"10.0.0.5","port":5051}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(deserialize_with = "crate::json::number")]
    pub port: i32,
}

/// `URL`: how to reach an agent or a master over HTTP.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Url {
    pub scheme: String,
    pub address: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::json::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub query: Vec<Parameter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
}

/// `DomainInfo`: the fault domain (region and zone) of a master or an agent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DomainInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_domain: Option<FaultDomain>,
}

/// `DomainInfo.FaultDomain`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FaultDomain {
    pub region: Named,
    pub zone: Named,
}

/// A message with only a `name` (`FaultDomain.RegionInfo`, `FaultDomain.ZoneInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
}

/// Declares a protobuf enum: Rust variants with their proto numbers and JSON names.
///
/// The JSON form is the proto value name. A name this crate does not know is an error, unless the
/// enum declares a `fallback` variant, which then stands for every unknown name (so that a client
/// keeps working when a newer master sends a value it has not heard of).
macro_rules! mesos_enum {
    (
        $(#[$doc:meta])*
        $name:ident $(fallback $fallback:ident)? {
            $($(#[$vdoc:meta])* $variant:ident = $number:literal $json:literal,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            $(
                /// A value this crate does not know.
                $fallback,
            )?
        }

        impl $name {
            /// Every known value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The proto value name, as used in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $json,)*
                    $($name::$fallback => "UNKNOWN",)?
                }
            }

            /// The proto enum number.
            pub fn number(self) -> i32 {
                match self {
                    $($name::$variant => $number,)*
                    $($name::$fallback => -1,)?
                }
            }

            /// The value with this proto number, if known.
            pub fn from_number(number: i32) -> Option<Self> {
                match number {
                    $($number => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// The value with this proto name, if known.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($json => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct NameVisitor;
                impl serde::de::Visitor<'_> for NameVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "a {} name", stringify!($name))
                    }
                    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<$name, E> {
                        if let Some(value) = $name::from_name(name) {
                            return Ok(value);
                        }
                        $(return Ok($name::$fallback);)?
                        #[allow(unreachable_code)]
                        Err(E::custom(format_args!(
                            "unknown {} value {:?}",
                            stringify!($name),
                            name
                        )))
                    }
                }
                d.deserialize_str(NameVisitor)
            }
        }
    };
}
pub(crate) use mesos_enum;

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

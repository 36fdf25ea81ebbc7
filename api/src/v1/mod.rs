//! Mesos v1 messages (`include/mesos/v1/*.proto`) as serde types.
//!
//! Every message follows Mesos's JSON conventions: optional fields are `Option`s or empty lists,
//! unknown fields are ignored on input, and fields with a proto default are always written.

mod common;

pub use common::*;

//! Mesos v1 messages (`include/mesos/v1/*.proto`) as serde types.
//!
//! Every message follows Mesos's JSON conventions ([`crate::json`]): optional fields are `Option`s
//! or empty lists, unknown fields are ignored on input, numbers may come as strings, and fields
//! with a proto default (`shell`, `network`, `extract`, `refuse_seconds`, …) are always written.
//! Enums carry their proto numbers too (`number()`, `from_number()`), for protobuf peers.

mod common;
pub mod executor;
pub mod master;
mod mesos;
pub mod scheduler;

pub(crate) use common::mesos_enum;
pub use common::*;
pub use mesos::*;

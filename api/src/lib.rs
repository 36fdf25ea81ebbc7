//! `mesos-api`: the one place the Apache Mesos protocol lives in this project.
//!
//! - [`v1`]: serde types for the Mesos v1 messages (scheduler, executor and operator APIs), with
//!   Mesos's JSON conventions ([`json`]).
//! - [`recordio`]: the RecordIO framing of Mesos's streaming HTTP responses.
//! - [`values`], [`resources`], [`attributes`]: Mesos values, resource arithmetic and the text
//!   formats of `--resources` and `--attributes`.
//! - [`constraints`]: Spark's `spark.mesos.constraints` syntax and matching rules.
//! - [`duration`] and [`flags`]: Mesos's duration format and its `--flag=value` / `MESOS_FLAG`
//!   command-line conventions.

pub mod attributes;
pub mod constraints;
pub mod duration;
pub mod flags;
pub mod internal;
pub mod json;
pub mod recordio;
pub mod resources;
pub mod v1;
pub mod values;

#[cfg(feature = "client")]
pub mod client;

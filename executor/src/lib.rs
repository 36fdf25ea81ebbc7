//! The project's Mesos executors.
//!
//! - [`docker`]: `mesos-docker-executor`, which runs its task as a Docker container through the
//!   Docker Engine API, as Apache Mesos's Docker executor does with the `docker` CLI.
//! - [`command`]: `mesos-executor`, the command executor: the task's command as a child process
//!   group in the sandbox.
//!
//! Both speak the v1 executor API to their agent through
//! [`mesos_api::client::executor::ExecutorDriver`].

pub mod command;
pub mod docker;
mod task;

pub use task::{grace_period, init_logging, signal_name, status};

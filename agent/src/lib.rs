//! `mesos-agent`: a Mesos agent compatible with Apache Mesos 1.x's executor API and endpoints.
//!
//! - [`agent`]: tasks from the master, executors, status updates, kills and shutdowns;
//! - [`master_link`]: the connection to the master (`docs/master-agent-protocol.md`);
//! - [`status_updates`]: the status-update manager, with checkpoints;
//! - [`launcher`], [`fetcher`]: starting executors and fetching their URIs;
//! - [`recovery`]: reconnecting to checkpointed executors after a restart;
//! - [`http`], [`files`]: the executor API, `/state`, `/metrics/snapshot` and `/files`.

pub mod agent;
pub mod config;
pub mod detect;
pub mod fetcher;
pub mod files;
pub mod flags;
pub mod gc;
pub mod http;
pub mod launcher;
pub mod master_link;
pub mod paths;
pub mod recovery;
pub mod status_updates;

/// The Mesos release whose APIs this agent implements.
pub const MESOS_VERSION: &str = "1.11.0";
/// This agent's own version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

//! The v1 HTTP clients the project's binaries share (feature `client`).
//!
//! - [`executor`]: an executor's side of `POST /api/v1/executor`: subscription, status updates
//!   with acknowledgement tracking, and Mesos's reconnection rules.
//! - [`EventStream`]: a RecordIO stream of JSON events read from an HTTP response, with a bound on
//!   record size and an idle timeout.

pub mod daemon;
pub mod executor;
pub mod scheduler;
mod stream;

pub use stream::{EventStream, StreamError};

/// `Content-Type` and `Accept` of every JSON call.
pub const APPLICATION_JSON: &str = "application/json";

/// The current time as Mesos timestamps it: seconds since the Unix epoch.
pub fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A new random 16-byte status-update uuid.
pub fn new_uuid() -> crate::json::Bytes {
    crate::json::Bytes(uuid::Uuid::new_v4().as_bytes().to_vec())
}

//! A framework's side of the v1 scheduler API: SUBSCRIBE and the calls that follow it.
//!
//! [`Scheduler::subscribe`] opens the subscription and returns the client with the event stream;
//! every later call goes on its own connection with the `Mesos-Stream-Id` the master gave.
//! Reconnection policy (when to re-subscribe, with which framework id) is the caller's.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::{APPLICATION_JSON, EventStream};
use crate::recordio::DEFAULT_MAX_RECORD_SIZE;
use crate::v1::scheduler::{Call, Event, EventType};
use crate::v1::{FrameworkId, FrameworkInfo};

/// The header carrying the subscription's id.
pub const STREAM_ID_HEADER: &str = "Mesos-Stream-Id";
/// Connect timeout of every request to the master.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Timeout of a non-streaming call.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest silence tolerated on the subscription: Mesos sends a heartbeat every 15 s, and a
/// client should give up after about five missed ones.
pub const SUBSCRIPTION_IDLE_TIMEOUT: Duration = Duration::from_secs(75);

/// Errors of the scheduler client.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error("cannot reach the master at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the master answered {status}: {body}")]
    Rejected { status: StatusCode, body: String },
    #[error("the master's SUBSCRIBE answer has no Mesos-Stream-Id")]
    NoStreamId,
    #[error("the subscription failed: {0}")]
    Stream(#[from] super::StreamError),
    #[error("the subscription ended before SUBSCRIBED")]
    Ended,
    #[error("the master refused the subscription: {0}")]
    Refused(String),
    #[error("could not build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Where and how to reach the master.
#[derive(Clone, Debug)]
pub struct MasterAddress {
    /// `http://host:port` (a `mesos://` or bare `host:port` is accepted).
    pub url: String,
    /// Principal and secret for HTTP basic authentication.
    pub credential: Option<(String, String)>,
}

impl MasterAddress {
    /// Normalises `host:port`, `mesos://host:port` or `http://host:port`.
    pub fn new(master: &str) -> Self {
        let bare = master
            .trim()
            .trim_start_matches("mesos://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        Self {
            url: format!("http://{bare}"),
            credential: None,
        }
    }

    pub fn with_credential(mut self, principal: &str, secret: &str) -> Self {
        self.credential = Some((principal.to_owned(), secret.to_owned()));
        self
    }

    fn scheduler_url(&self) -> String {
        format!("{}/api/v1/scheduler", self.url)
    }
}

/// A subscribed framework's handle for calls.
#[derive(Clone, Debug)]
pub struct Scheduler {
    http: reqwest::Client,
    master: MasterAddress,
    pub framework_id: FrameworkId,
    pub stream_id: String,
    /// The `heartbeat_interval_seconds` of SUBSCRIBED.
    pub heartbeat_interval: Option<Duration>,
}

impl Scheduler {
    /// SUBSCRIBE (re-subscribes when `info.id` is set); returns once SUBSCRIBED arrived, with the
    /// rest of the stream.
    pub async fn subscribe(
        master: MasterAddress,
        info: FrameworkInfo,
    ) -> Result<(Self, EventStream<Event>), SchedulerError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_keepalive(Duration::from_secs(30))
            .no_proxy()
            .build()
            .map_err(SchedulerError::Client)?;
        let url = master.scheduler_url();
        let mut request = http
            .post(&url)
            .header(CONTENT_TYPE, APPLICATION_JSON)
            .header(ACCEPT, APPLICATION_JSON)
            .json(&Call::subscribe(info));
        if let Some((principal, secret)) = &master.credential {
            request = request.basic_auth(principal, Some(secret));
        }
        let response = request
            .send()
            .await
            .map_err(|source| SchedulerError::Unreachable { url, source })?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            return Err(SchedulerError::Rejected { status, body });
        }
        let stream_id = response
            .headers()
            .get(STREAM_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or(SchedulerError::NoStreamId)?;
        let mut events: EventStream<Event> =
            EventStream::new(response, DEFAULT_MAX_RECORD_SIZE, SUBSCRIPTION_IDLE_TIMEOUT);
        loop {
            let Some(event) = events.next().await? else {
                return Err(SchedulerError::Ended);
            };
            match event.kind {
                Some(EventType::Subscribed) => {
                    let Some(subscribed) = event.subscribed else {
                        return Err(SchedulerError::Ended);
                    };
                    let scheduler = Self {
                        http,
                        master,
                        framework_id: subscribed.framework_id,
                        stream_id,
                        heartbeat_interval: subscribed
                            .heartbeat_interval_seconds
                            .and_then(|s| Duration::try_from_secs_f64(s).ok()),
                    };
                    return Ok((scheduler, events));
                }
                Some(EventType::Error) => {
                    let message = event.error.map(|e| e.message).unwrap_or_default();
                    return Err(SchedulerError::Refused(message));
                }
                _ => {}
            }
        }
    }

    /// Sends a call for this framework (its `framework_id` is filled in).
    pub async fn call(&self, mut call: Call) -> Result<(), SchedulerError> {
        call.framework_id = Some(self.framework_id.clone());
        let url = self.master.scheduler_url();
        let mut request = self
            .http
            .post(&url)
            .timeout(CALL_TIMEOUT)
            .header(CONTENT_TYPE, APPLICATION_JSON)
            .header(STREAM_ID_HEADER, &self.stream_id)
            .json(&call);
        if let Some((principal, secret)) = &self.master.credential {
            request = request.basic_auth(principal, Some(secret));
        }
        let response = request
            .send()
            .await
            .map_err(|source| SchedulerError::Unreachable { url, source })?;
        if response.status().is_success() {
            return Ok(());
        }
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        Err(SchedulerError::Rejected { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_urls() {
        for given in [
            "127.0.0.1:5050",
            "mesos://127.0.0.1:5050",
            "http://127.0.0.1:5050/",
        ] {
            assert_eq!(MasterAddress::new(given).url, "http://127.0.0.1:5050");
        }
    }
}

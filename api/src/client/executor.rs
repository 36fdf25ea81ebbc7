//! An executor's side of the v1 executor API.
//!
//! [`ExecutorDriver::start`] subscribes to the agent named by the executor environment and hands
//! the executor its events on a channel; [`ExecutorDriver::send_update`] sends status updates and
//! keeps each one until the agent acknowledges it. The driver follows Apache Mesos's executor
//! library:
//!
//! - updates get a fresh 16-byte uuid, a timestamp, `SOURCE_EXECUTOR` and the executor id;
//! - an update the agent did not take (connection refused, 5xx) is sent again with backoff, and
//!   every unacknowledged update is resent after [`RESEND_INTERVAL`] until it is acknowledged;
//! - when the connection to the agent breaks, a checkpointing executor re-subscribes after a
//!   random delay of at most `MESOS_SUBSCRIPTION_BACKOFF_MAX`, listing its unacknowledged tasks
//!   and updates, and gives up after `MESOS_RECOVERY_TIMEOUT`; an executor that does not
//!   checkpoint shuts down at once ([`ExecutorEvent::Shutdown`] with a reason).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rand::Rng as _;
use reqwest::StatusCode;
use tokio::sync::{Notify, mpsc};
use tracing::{debug, info, warn};

use super::{APPLICATION_JSON, EventStream, StreamError, new_uuid, now_secs};
use crate::json::Bytes;
use crate::recordio::DEFAULT_MAX_RECORD_SIZE;
use crate::v1::executor::{Call, CallUpdate, Event, EventType, Subscribe, Subscribed};
use crate::v1::{
    ExecutorId, FrameworkId, KillPolicy, TaskGroupInfo, TaskId, TaskInfo, TaskStatus,
    TaskStatusSource,
};

/// How long an update may stay unacknowledged before it is sent again.
pub const RESEND_INTERVAL: Duration = Duration::from_secs(10);
/// The longest silence tolerated on the subscription (Apache Mesos agents send a heartbeat every
/// 30 minutes; this project's agent much more often).
pub const SUBSCRIPTION_IDLE_TIMEOUT: Duration = Duration::from_secs(35 * 60);
/// Connect timeout for every request to the agent.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Timeout of a non-streaming call.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest event accepted on the subscription.
pub const MAX_EVENT_SIZE: usize = DEFAULT_MAX_RECORD_SIZE;

/// Errors of the executor environment and of calls to the agent.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error("environment variable {0} is not set (an executor must be started by an agent)")]
    MissingEnv(&'static str),
    #[error("environment variable {name}={value:?} is not valid: {reason}")]
    BadEnv {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("could not build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("the agent rejected the call with {status}: {body}")]
    Rejected { status: StatusCode, body: String },
    #[error("the executor driver has stopped")]
    Stopped,
}

/// What the agent tells an executor through its environment (`src/slave/slave.cpp`).
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutorConfig {
    /// `MESOS_AGENT_ENDPOINT`: `ip:port` of the agent, no scheme.
    pub agent_endpoint: String,
    /// `MESOS_FRAMEWORK_ID`.
    pub framework_id: FrameworkId,
    /// `MESOS_EXECUTOR_ID`.
    pub executor_id: ExecutorId,
    /// `MESOS_DIRECTORY`: the sandbox on the host.
    pub directory: Option<PathBuf>,
    /// `MESOS_CHECKPOINT`: whether the framework checkpoints, so the executor should survive an
    /// agent restart.
    pub checkpoint: bool,
    /// `MESOS_RECOVERY_TIMEOUT` (default 15mins).
    pub recovery_timeout: Duration,
    /// `MESOS_SUBSCRIPTION_BACKOFF_MAX` (default 2secs).
    pub subscription_backoff_max: Duration,
    /// `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD` (default 5secs).
    pub shutdown_grace_period: Duration,
    /// `MESOS_EXECUTOR_AUTHENTICATION_TOKEN`: sent as a bearer token.
    pub authentication_token: Option<String>,
}

impl ExecutorConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ExecutorError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ExecutorError> {
        let required = |name: &'static str| lookup(name).ok_or(ExecutorError::MissingEnv(name));
        let duration = |name: &'static str, default: Duration| -> Result<Duration, ExecutorError> {
            let Some(value) = lookup(name) else {
                return Ok(default);
            };
            crate::duration::Duration::parse(&value)
                .map_err(|e| e.to_string())
                .and_then(|d| Duration::try_from(d).map_err(|e| e.to_string()))
                .map_err(|reason| ExecutorError::BadEnv {
                    name,
                    value: value.clone(),
                    reason,
                })
        };
        let checkpoint = match lookup("MESOS_CHECKPOINT").as_deref() {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => {
                return Err(ExecutorError::BadEnv {
                    name: "MESOS_CHECKPOINT",
                    value: other.to_owned(),
                    reason: "expected 1 or 0".to_owned(),
                });
            }
        };
        Ok(Self {
            agent_endpoint: required("MESOS_AGENT_ENDPOINT")?,
            framework_id: FrameworkId::new(required("MESOS_FRAMEWORK_ID")?),
            executor_id: ExecutorId::new(required("MESOS_EXECUTOR_ID")?),
            directory: lookup("MESOS_DIRECTORY").map(PathBuf::from),
            checkpoint,
            recovery_timeout: duration("MESOS_RECOVERY_TIMEOUT", Duration::from_secs(15 * 60))?,
            subscription_backoff_max: duration(
                "MESOS_SUBSCRIPTION_BACKOFF_MAX",
                Duration::from_secs(2),
            )?,
            shutdown_grace_period: duration(
                "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD",
                Duration::from_secs(5),
            )?,
            authentication_token: lookup("MESOS_EXECUTOR_AUTHENTICATION_TOKEN"),
        })
    }

    fn url(&self) -> String {
        format!("http://{}/api/v1/executor", self.agent_endpoint)
    }
}

/// Why the driver asks the executor to shut down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShutdownReason {
    /// The agent sent SHUTDOWN.
    Requested,
    /// The connection to the agent broke and the framework does not checkpoint.
    Disconnected(String),
    /// The agent did not come back within `MESOS_RECOVERY_TIMEOUT`.
    RecoveryTimeout,
}

/// An event for the executor to act on.
#[derive(Clone, Debug, PartialEq)]
pub enum ExecutorEvent {
    /// Subscribed (again) to the agent.
    Subscribed(Box<Subscribed>),
    Launch(Box<TaskInfo>),
    LaunchGroup(Box<TaskGroupInfo>),
    Kill {
        task_id: TaskId,
        kill_policy: Option<KillPolicy>,
    },
    Message(Bytes),
    /// A LAUNCH whose task is malformed (e.g. a volume mode Mesos does not know): the executor
    /// fails the task with `message`.
    InvalidLaunch {
        task_id: TaskId,
        message: String,
    },
    /// The agent reported an error.
    Error(String),
    /// Kill every task within the grace period, send their last updates, and exit.
    Shutdown(ShutdownReason),
}

#[derive(Debug)]
struct PendingUpdate {
    status: TaskStatus,
    last_sent: Option<Instant>,
}

#[derive(Debug, Default)]
struct State {
    /// Unacknowledged updates by uuid, in the order they were sent.
    updates: BTreeMap<u64, PendingUpdate>,
    next_seq: u64,
    /// Tasks launched whose first update has not been acknowledged yet.
    tasks: BTreeMap<TaskId, TaskInfo>,
    subscribed: bool,
    stopped: bool,
}

struct Inner {
    config: ExecutorConfig,
    http: reqwest::Client,
    state: Mutex<State>,
    acknowledged: Notify,
}

/// A handle on the executor's connection to its agent; cheap to clone.
#[derive(Clone)]
pub struct ExecutorDriver {
    inner: Arc<Inner>,
}

impl ExecutorDriver {
    /// Starts subscribing to the agent; events arrive on the returned channel, which closes when
    /// the driver stops.
    pub fn start(
        config: ExecutorConfig,
    ) -> Result<(Self, mpsc::Receiver<ExecutorEvent>), ExecutorError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_keepalive(Duration::from_secs(30))
            .no_proxy()
            .build()
            .map_err(ExecutorError::Client)?;
        let inner = Arc::new(Inner {
            config,
            http,
            state: Mutex::new(State::default()),
            acknowledged: Notify::new(),
        });
        let (events, receiver) = mpsc::channel(64);
        tokio::spawn(subscription_loop(inner.clone(), events));
        tokio::spawn(resend_loop(inner.clone()));
        Ok((Self { inner }, receiver))
    }

    pub fn config(&self) -> &ExecutorConfig {
        &self.inner.config
    }

    /// Sends a status update and keeps it until the agent acknowledges it. The uuid, timestamp,
    /// source and executor id are filled in here.
    ///
    /// Returns an error only when the agent rejects the update as invalid (4xx); an agent that
    /// cannot be reached gets the update later.
    pub async fn send_update(&self, mut status: TaskStatus) -> Result<(), ExecutorError> {
        status.uuid = Some(new_uuid());
        status.timestamp = Some(now_secs());
        status.source = Some(TaskStatusSource::Executor);
        status.executor_id = Some(self.inner.config.executor_id.clone());
        let seq = {
            let mut state = self.inner.lock();
            if state.stopped {
                return Err(ExecutorError::Stopped);
            }
            let seq = state.next_seq;
            state.next_seq += 1;
            state.updates.insert(
                seq,
                PendingUpdate {
                    status: status.clone(),
                    last_sent: None,
                },
            );
            seq
        };
        match self.inner.post_update(&status).await {
            Ok(()) => {
                if let Some(pending) = self.inner.lock().updates.get_mut(&seq) {
                    pending.last_sent = Some(Instant::now());
                }
                Ok(())
            }
            Err(ExecutorError::Rejected { status: code, body }) if code.is_client_error() => {
                // An update the agent calls invalid will never be taken: do not resend it.
                self.inner.lock().updates.remove(&seq);
                self.inner.acknowledged.notify_waiters();
                Err(ExecutorError::Rejected { status: code, body })
            }
            Err(e) => {
                debug!(error = %e, "status update not delivered yet; it will be resent");
                Ok(())
            }
        }
    }

    /// Sends a framework message (best effort).
    pub async fn send_message(&self, data: Bytes) -> Result<(), ExecutorError> {
        let call = Call::message(
            self.inner.config.framework_id.clone(),
            self.inner.config.executor_id.clone(),
            data,
        );
        self.inner.post(&call).await
    }

    /// How many updates wait for an acknowledgement.
    pub fn unacknowledged_updates(&self) -> usize {
        self.inner.lock().updates.len()
    }

    /// Waits until every update has been acknowledged, for at most `timeout`; returns whether
    /// they all were.
    pub async fn wait_acknowledged(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.acknowledged.notified();
            {
                let state = self.inner.lock();
                if state.updates.is_empty() {
                    return true;
                }
                if state.stopped {
                    // Nobody is left to acknowledge anything.
                    return false;
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.inner.lock().updates.is_empty();
            }
        }
    }

    /// Stops the driver: no more events, no more resends.
    pub fn stop(&self) {
        self.inner.lock().stopped = true;
        self.inner.acknowledged.notify_waiters();
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters more than losing the executor, so a poisoned lock is simply taken over.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn request(&self, call: &Call) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .post(self.config.url())
            .header(reqwest::header::CONTENT_TYPE, APPLICATION_JSON)
            .header(reqwest::header::ACCEPT, APPLICATION_JSON)
            .json(call);
        if let Some(token) = &self.config.authentication_token {
            request = request.bearer_auth(token);
        }
        request
    }

    async fn post(&self, call: &Call) -> Result<(), ExecutorError> {
        let response = self
            .request(call)
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(|e| ExecutorError::Rejected {
                status: StatusCode::SERVICE_UNAVAILABLE,
                body: e.to_string(),
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response.text().await.unwrap_or_default();
        Err(ExecutorError::Rejected { status, body })
    }

    async fn post_update(&self, status: &TaskStatus) -> Result<(), ExecutorError> {
        let call = Call::update(
            self.config.framework_id.clone(),
            self.config.executor_id.clone(),
            status.clone(),
        );
        self.post(&call).await
    }

    fn subscribe_call(&self) -> Call {
        let state = self.lock();
        Call::subscribe(
            self.config.framework_id.clone(),
            self.config.executor_id.clone(),
            Subscribe {
                unacknowledged_tasks: state.tasks.values().cloned().collect(),
                unacknowledged_updates: state
                    .updates
                    .values()
                    .map(|p| CallUpdate {
                        status: p.status.clone(),
                    })
                    .collect(),
            },
        )
    }

    /// Records an acknowledgement; returns whether it matched an update.
    fn acknowledge(&self, task_id: &TaskId, uuid: &Bytes) -> bool {
        let mut state = self.lock();
        let key = state
            .updates
            .iter()
            .find(|(_, p)| p.status.task_id == *task_id && p.status.uuid.as_ref() == Some(uuid))
            .map(|(k, _)| *k);
        let matched = key.and_then(|k| state.updates.remove(&k)).is_some();
        if matched {
            state.tasks.remove(task_id);
        }
        drop(state);
        self.acknowledged.notify_waiters();
        matched
    }
}

/// Subscribes, reads events, and reconnects as Mesos's executor library does.
async fn subscription_loop(inner: Arc<Inner>, events: mpsc::Sender<ExecutorEvent>) {
    let config = inner.config.clone();
    // Since when the executor has had no subscription (it starts without one).
    let mut lost_since = Instant::now();
    let mut ever_subscribed = false;
    loop {
        if inner.lock().stopped {
            return;
        }
        let (reason, was_subscribed) = match subscribe_once(&inner, &events).await {
            Outcome::ChannelClosed => return,
            Outcome::Lost {
                reason,
                was_subscribed,
            } => (reason, was_subscribed),
        };
        inner.lock().subscribed = false;
        if was_subscribed {
            ever_subscribed = true;
            lost_since = Instant::now();
        }
        let shutdown = if ever_subscribed && !config.checkpoint {
            info!(%reason, "lost the agent and the framework does not checkpoint: shutting down");
            Some(ShutdownReason::Disconnected(reason))
        } else if lost_since.elapsed() > config.recovery_timeout {
            warn!(%reason, "no subscription within the recovery timeout: shutting down");
            Some(ShutdownReason::RecoveryTimeout)
        } else {
            debug!(%reason, "re-subscribing to the agent");
            None
        };
        if let Some(reason) = shutdown {
            let _ = events.send(ExecutorEvent::Shutdown(reason)).await;
            inner.lock().stopped = true;
            return;
        }
        let max = config
            .subscription_backoff_max
            .max(Duration::from_millis(10));
        let delay = rand::rng().random_range(Duration::ZERO..=max);
        tokio::time::sleep(delay).await;
    }
}

enum Outcome {
    /// The executor dropped its event receiver.
    ChannelClosed,
    /// The subscription ended or could not be made.
    Lost {
        reason: String,
        was_subscribed: bool,
    },
}

async fn subscribe_once(inner: &Arc<Inner>, events: &mpsc::Sender<ExecutorEvent>) -> Outcome {
    let lost = |reason: String, was_subscribed: bool| Outcome::Lost {
        reason,
        was_subscribed,
    };
    let call = inner.subscribe_call();
    let response = match inner.request(&call).send().await {
        Ok(response) => response,
        Err(e) => return lost(format!("cannot reach the agent: {e}"), false),
    };
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        return lost(
            format!("the agent answered SUBSCRIBE with {status}: {body}"),
            false,
        );
    }
    let mut stream: EventStream<Event> =
        EventStream::new(response, MAX_EVENT_SIZE, SUBSCRIPTION_IDLE_TIMEOUT);
    let mut subscribed = false;
    loop {
        let event = match stream.next().await {
            Ok(Some(event)) => Incoming::Event(Box::new(event)),
            Ok(None) => return lost("the agent closed the subscription".to_owned(), subscribed),
            Err(StreamError::BadEvent {
                index,
                record,
                source,
            }) => {
                // A LAUNCH whose task does not parse must still fail that task, not vanish.
                match invalid_launch(&record, &source) {
                    Some(event) => Incoming::Invalid(event),
                    None => {
                        warn!(index, error = %source, "ignoring an event that does not parse");
                        continue;
                    }
                }
            }
            Err(e) => return lost(e.to_string(), subscribed),
        };
        let event = match event {
            Incoming::Event(event) => *event,
            Incoming::Invalid(invalid) => {
                if events.send(invalid).await.is_err() {
                    return Outcome::ChannelClosed;
                }
                continue;
            }
        };
        let forward = match event.kind {
            Some(EventType::Subscribed) => match event.subscribed {
                Some(info) => {
                    subscribed = true;
                    inner.lock().subscribed = true;
                    info!("subscribed to the agent");
                    // Updates sent while disconnected were listed in SUBSCRIBE; the agent
                    // handles them as if just received.
                    Some(ExecutorEvent::Subscribed(Box::new(info)))
                }
                None => None,
            },
            Some(EventType::Launch) => event.launch.map(|launch| {
                inner
                    .lock()
                    .tasks
                    .insert(launch.task.task_id.clone(), launch.task.clone());
                ExecutorEvent::Launch(Box::new(launch.task))
            }),
            Some(EventType::LaunchGroup) => event.launch_group.map(|group| {
                let mut state = inner.lock();
                for task in &group.task_group.tasks {
                    state.tasks.insert(task.task_id.clone(), task.clone());
                }
                ExecutorEvent::LaunchGroup(Box::new(group.task_group))
            }),
            Some(EventType::Kill) => event.kill.map(|kill| ExecutorEvent::Kill {
                task_id: kill.task_id,
                kill_policy: kill.kill_policy,
            }),
            Some(EventType::Acknowledged) => {
                if let Some(ack) = event.acknowledged
                    && !inner.acknowledge(&ack.task_id, &ack.uuid)
                {
                    debug!(task = %ack.task_id, "acknowledgement of an unknown update");
                }
                None
            }
            Some(EventType::Message) => event.message.map(|m| ExecutorEvent::Message(m.data)),
            Some(EventType::Error) => event.error.map(|e| ExecutorEvent::Error(e.message)),
            Some(EventType::Shutdown) => Some(ExecutorEvent::Shutdown(ShutdownReason::Requested)),
            Some(EventType::Heartbeat) => None,
            other => {
                debug!(?other, "ignoring an event of unknown type");
                None
            }
        };
        if let Some(event) = forward
            && events.send(event).await.is_err()
        {
            return Outcome::ChannelClosed;
        }
    }
}

enum Incoming {
    Event(Box<Event>),
    Invalid(ExecutorEvent),
}

/// The [`ExecutorEvent::InvalidLaunch`] for a LAUNCH event that names its task but does not
/// parse; `None` for anything else.
fn invalid_launch(record: &[u8], error: &serde_json::Error) -> Option<ExecutorEvent> {
    let value: serde_json::Value = serde_json::from_slice(record).ok()?;
    let task = value.get("launch")?.get("task")?;
    let task_id = task.get("task_id")?.get("value")?.as_str()?;
    (value.get("type")?.as_str()? == "LAUNCH").then(|| ExecutorEvent::InvalidLaunch {
        task_id: TaskId::new(task_id),
        message: format!("Invalid task: {error}"),
    })
}

/// Resends updates that stayed unacknowledged for [`RESEND_INTERVAL`] while subscribed.
async fn resend_loop(inner: Arc<Inner>) {
    let mut tick = tokio::time::interval(RESEND_INTERVAL / 4);
    loop {
        tick.tick().await;
        let due: Vec<(u64, TaskStatus)> = {
            let state = inner.lock();
            if state.stopped {
                return;
            }
            if !state.subscribed {
                continue;
            }
            state
                .updates
                .iter()
                .filter(|(_, p)| p.last_sent.is_none_or(|t| t.elapsed() >= RESEND_INTERVAL))
                .map(|(k, p)| (*k, p.status.clone()))
                .collect()
        };
        for (seq, status) in due {
            debug!(task = %status.task_id, state = %status.state, "resending an unacknowledged update");
            match inner.post_update(&status).await {
                Ok(()) => {
                    if let Some(pending) = inner.lock().updates.get_mut(&seq) {
                        pending.last_sent = Some(Instant::now());
                    }
                }
                Err(ExecutorError::Rejected { status: code, body }) if code.is_client_error() => {
                    warn!(%code, %body, "the agent refused a resent update; dropping it");
                    inner.lock().updates.remove(&seq);
                    inner.acknowledged.notify_waiters();
                }
                Err(e) => debug!(error = %e, "resend failed; will try again"),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn config_from_environment() {
        let config = ExecutorConfig::from_lookup(env(&[
            ("MESOS_AGENT_ENDPOINT", "127.0.0.1:5051"),
            ("MESOS_FRAMEWORK_ID", "F"),
            ("MESOS_EXECUTOR_ID", "E"),
            ("MESOS_CHECKPOINT", "1"),
            ("MESOS_RECOVERY_TIMEOUT", "1mins"),
            ("MESOS_SUBSCRIPTION_BACKOFF_MAX", "250ms"),
        ]))
        .unwrap();
        assert!(config.checkpoint);
        assert_eq!(config.recovery_timeout, Duration::from_secs(60));
        assert_eq!(config.subscription_backoff_max, Duration::from_millis(250));
        assert_eq!(config.shutdown_grace_period, Duration::from_secs(5));
        assert_eq!(config.url(), "http://127.0.0.1:5051/api/v1/executor");
    }

    #[test]
    fn config_errors_name_the_variable() {
        let err = ExecutorConfig::from_lookup(env(&[])).unwrap_err();
        assert!(err.to_string().contains("MESOS_AGENT_ENDPOINT"), "{err}");
        let err = ExecutorConfig::from_lookup(env(&[
            ("MESOS_AGENT_ENDPOINT", "a:1"),
            ("MESOS_FRAMEWORK_ID", "F"),
            ("MESOS_EXECUTOR_ID", "E"),
            ("MESOS_RECOVERY_TIMEOUT", "soon"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("MESOS_RECOVERY_TIMEOUT"), "{err}");
    }
}

//! Test support: an agent double that speaks the agent's side of the v1 executor API, and
//! helpers to start the real executor binaries against it.
//!
//! The double stands in for `mesos-agent` until the agent's own tests run these scenarios
//! against the real agent.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mesos_api::json::Bytes as MesosBytes;
use mesos_api::recordio;
use mesos_api::v1::executor::{Call, CallType, Event, Subscribed};
use mesos_api::v1::{
    AgentId, AgentInfo, ContainerId, ExecutorId, ExecutorInfo, FrameworkId, FrameworkInfo,
    KillPolicy, TaskId, TaskInfo, TaskState, TaskStatus,
};
use serde_json::json;
use tokio::sync::{Notify, mpsc};

pub const FRAMEWORK: &str = "test-framework-0000";

/// What the agent double has seen.
#[derive(Default)]
struct Seen {
    subscriptions: Vec<Call>,
    updates: Vec<TaskStatus>,
    /// The current subscription's event channel.
    stream: Option<mpsc::Sender<Result<Bytes, Infallible>>>,
    /// Answer UPDATE with 503 this many more times.
    reject_updates: usize,
    /// Acknowledge every update as it arrives.
    auto_ack: bool,
}

struct Shared {
    seen: Mutex<Seen>,
    changed: Notify,
    framework: FrameworkInfo,
    executor_id: ExecutorId,
}

/// An agent double on 127.0.0.1.
pub struct FakeAgent {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeAgent {
    /// Starts an agent double for `executor_id` on a free port; `framework` is what SUBSCRIBED
    /// tells the executor about its framework.
    pub async fn start(executor_id: &str, framework: FrameworkInfo) -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), executor_id, framework).await
    }

    pub async fn start_on(addr: SocketAddr, executor_id: &str, framework: FrameworkInfo) -> Self {
        let shared = Arc::new(Shared {
            seen: Mutex::new(Seen {
                auto_ack: true,
                ..Seen::default()
            }),
            changed: Notify::new(),
            framework,
            executor_id: ExecutorId::new(executor_id),
        });
        Self::serve(addr, shared).await
    }

    async fn serve(addr: SocketAddr, shared: Arc<Shared>) -> Self {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/api/v1/executor", post(handle))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            shared,
            server,
        }
    }

    /// `MESOS_AGENT_ENDPOINT` for the executor.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// Simulates an agent crash: the subscription breaks and the port stops answering.
    pub fn crash(&self) {
        self.server.abort();
        self.shared.seen.lock().unwrap().stream = None;
    }

    /// Brings the agent back on the same port, remembering what it saw.
    pub async fn restart(self) -> Self {
        self.crash();
        tokio::time::sleep(Duration::from_millis(100)).await;
        Self::serve(self.addr, self.shared.clone()).await
    }

    /// Closes the current subscription without stopping the agent.
    pub fn disconnect(&self) {
        self.shared.seen.lock().unwrap().stream = None;
    }

    pub fn set_auto_ack(&self, on: bool) {
        self.shared.seen.lock().unwrap().auto_ack = on;
    }

    /// The next `n` UPDATE calls are answered with 503.
    pub fn reject_updates(&self, n: usize) {
        self.shared.seen.lock().unwrap().reject_updates = n;
    }

    pub fn updates(&self) -> Vec<TaskStatus> {
        self.shared.seen.lock().unwrap().updates.clone()
    }

    pub fn states(&self, task: &str) -> Vec<TaskState> {
        self.updates()
            .iter()
            .filter(|s| s.task_id.value == task)
            .map(|s| s.state)
            .collect()
    }

    pub fn subscriptions(&self) -> Vec<Call> {
        self.shared.seen.lock().unwrap().subscriptions.clone()
    }

    /// Sends an event on the current subscription.
    pub async fn send(&self, event: &Event) {
        let mut record = Vec::new();
        recordio::encode_json(event, &mut record).unwrap();
        let stream = self.shared.seen.lock().unwrap().stream.clone();
        let stream = stream.expect("no executor is subscribed");
        stream.send(Ok(Bytes::from(record))).await.unwrap();
    }

    /// Sends a LAUNCH whose task is given as raw JSON (which may not be a valid TaskInfo).
    pub async fn send_raw_launch(&self, task: &serde_json::Value) {
        let event = json!({"type": "LAUNCH", "launch": {"task": task}});
        let mut record = Vec::new();
        recordio::encode(&serde_json::to_vec(&event).unwrap(), &mut record);
        let stream = self.shared.seen.lock().unwrap().stream.clone();
        let stream = stream.expect("no executor is subscribed");
        stream.send(Ok(Bytes::from(record))).await.unwrap();
    }

    pub async fn launch(&self, task: TaskInfo) {
        self.send(&Event::launch(task)).await;
    }

    pub async fn kill(&self, task: &str, grace: Option<Duration>) {
        let policy = grace.map(|g| KillPolicy {
            grace_period: Some(mesos_api::v1::DurationInfo::from_std(g)),
        });
        self.send(&Event::kill(TaskId::new(task), policy)).await;
    }

    pub async fn shutdown(&self) {
        self.send(&Event::shutdown()).await;
    }

    /// Acknowledges an update the executor sent.
    pub async fn acknowledge(&self, status: &TaskStatus) {
        let uuid = status.uuid.clone().expect("update without uuid");
        self.send(&Event::acknowledged(status.task_id.clone(), uuid))
            .await;
    }

    /// Waits until `condition` holds for what the agent has seen.
    pub async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&FakeAgent) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            if condition(self) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; updates so far: {:#?}",
                    self.updates()
                        .iter()
                        .map(|s| (s.task_id.value.clone(), s.state, s.message.clone()))
                        .collect::<Vec<_>>()
                );
            }
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), notified).await;
        }
    }

    pub async fn wait_subscribed(&self, count: usize, timeout: Duration) {
        self.wait_until(&format!("{count} subscription(s)"), timeout, |a| {
            a.subscriptions().len() >= count && a.shared.seen.lock().unwrap().stream.is_some()
        })
        .await;
    }

    /// Waits for an update of `task` to `state` and returns it.
    pub async fn wait_for(&self, task: &str, state: TaskState, timeout: Duration) -> TaskStatus {
        self.wait_until(&format!("{task} to reach {state}"), timeout, |a| {
            a.states(task).contains(&state)
        })
        .await;
        self.updates()
            .into_iter()
            .find(|s| s.task_id.value == task && s.state == state)
            .unwrap()
    }

    /// Waits for a terminal update of `task` and returns it.
    pub async fn wait_terminal(&self, task: &str, timeout: Duration) -> TaskStatus {
        self.wait_until(&format!("{task} to end"), timeout, |a| {
            a.states(task).iter().any(|s| s.is_terminal())
        })
        .await;
        self.updates()
            .into_iter()
            .find(|s| s.task_id.value == task && s.state.is_terminal())
            .unwrap()
    }
}

impl Drop for FakeAgent {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn handle(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if headers
        .get("content-type")
        .is_none_or(|v| v != "application/json")
    {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected application/json",
        )
            .into_response();
    }
    let call: Call = match serde_json::from_slice(&body) {
        Ok(call) => call,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("bad call: {e}")).into_response(),
    };
    match call.kind {
        Some(CallType::Subscribe) => subscribe(&shared, call),
        Some(CallType::Update) => update(&shared, call).await,
        Some(CallType::Message) | Some(CallType::Heartbeat) => StatusCode::ACCEPTED.into_response(),
        _ => (StatusCode::BAD_REQUEST, "unknown call").into_response(),
    }
}

fn subscribe(shared: &Arc<Shared>, call: Call) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(64);
    let subscribed = Event::subscribed(Subscribed {
        executor_info: ExecutorInfo {
            kind: None,
            executor_id: shared.executor_id.clone(),
            framework_id: Some(FrameworkId::new(FRAMEWORK)),
            command: None,
            container: None,
            resources: Vec::new(),
            name: None,
            source: None,
            data: None,
            discovery: None,
            shutdown_grace_period: None,
            labels: None,
        },
        framework_info: shared.framework.clone(),
        agent_info: AgentInfo {
            hostname: "localhost".into(),
            id: Some(AgentId::new("test-agent-S0")),
            ..AgentInfo::default()
        },
        container_id: Some(ContainerId::new("test-container")),
    });
    let mut record = Vec::new();
    recordio::encode_json(&subscribed, &mut record).unwrap();
    tx.try_send(Ok(Bytes::from(record))).unwrap();
    {
        let mut seen = shared.seen.lock().unwrap();
        seen.subscriptions.push(call);
        seen.stream = Some(tx);
    }
    shared.changed.notify_waiters();
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .unwrap()
}

async fn update(shared: &Arc<Shared>, call: Call) -> Response {
    let Some(update) = call.update else {
        return (StatusCode::BAD_REQUEST, "UPDATE without 'update'").into_response();
    };
    let status = update.status;
    if status.uuid.as_ref().is_none_or(|u| u.len() != 16) {
        return (StatusCode::BAD_REQUEST, "status.uuid must be 16 bytes").into_response();
    }
    let (stream, ack) = {
        let mut seen = shared.seen.lock().unwrap();
        if seen.reject_updates > 0 {
            seen.reject_updates -= 1;
            return (StatusCode::SERVICE_UNAVAILABLE, "agent is recovering").into_response();
        }
        seen.updates.push(status.clone());
        (seen.stream.clone(), seen.auto_ack)
    };
    shared.changed.notify_waiters();
    if ack && let Some(stream) = stream {
        let event = Event::acknowledged(
            status.task_id.clone(),
            status.uuid.clone().unwrap_or(MesosBytes(Vec::new())),
        );
        let mut record = Vec::new();
        recordio::encode_json(&event, &mut record).unwrap();
        let _ = stream.send(Ok(Bytes::from(record))).await;
    }
    StatusCode::ACCEPTED.into_response()
}

/// A framework as Spark registers it (no TASK_KILLING_STATE), optionally checkpointing.
pub fn framework(checkpoint: bool, killing_state: bool) -> FrameworkInfo {
    let mut info: FrameworkInfo = serde_json::from_value(json!({
        "user": "root", "name": "test", "id": {"value": FRAMEWORK}, "checkpoint": checkpoint
    }))
    .unwrap();
    if killing_state {
        info.capabilities =
            vec![serde_json::from_value(json!({"type":"TASK_KILLING_STATE"})).unwrap()];
    }
    info
}

/// A task from JSON, with `task_id` and `agent_id` filled in.
pub fn task(id: &str, mut spec: serde_json::Value) -> TaskInfo {
    spec["name"] = json!(format!("task {id}"));
    spec["task_id"] = json!({"value": id});
    spec["agent_id"] = json!({"value": "test-agent-S0"});
    serde_json::from_value(spec).unwrap()
}

/// The resources of a small task: cpus, mem (MB) and ports 31000-31010.
pub fn resources(cpus: f64, mem: f64) -> serde_json::Value {
    json!([{"name":"cpus","type":"SCALAR","scalar":{"value":cpus}},
           {"name":"mem","type":"SCALAR","scalar":{"value":mem}},
           {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31010}]}}])
}

/// A sandbox directory that goes away with the test.
pub fn sandbox() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("mesos-sandbox-")
        .tempdir()
        .unwrap()
}

/// A running executor process, killed (and its container removed) when dropped.
pub struct ExecutorProcess {
    pub child: Child,
    pub container: String,
}

impl ExecutorProcess {
    /// Waits for the executor to exit on its own; returns its exit status.
    pub async fn wait_exit(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the executor did not exit within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for ExecutorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.container.is_empty() {
            remove_container(&self.container);
        }
    }
}

/// `docker rm -f`, ignoring a missing container.
pub fn remove_container(name: &str) {
    let _ = Command::new("docker")
        .args(["rm", "-f", "-v", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether a container of this name exists.
pub fn container_exists(name: &str) -> bool {
    Command::new("docker")
        .args(["inspect", "--type", "container", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Environment of an executor started by an agent at `agent` with id `executor_id`.
pub fn executor_env(
    agent: &FakeAgent,
    executor_id: &str,
    sandbox: &Path,
    checkpoint: bool,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::from([
        ("MESOS_AGENT_ENDPOINT".to_owned(), agent.endpoint()),
        ("MESOS_FRAMEWORK_ID".to_owned(), FRAMEWORK.to_owned()),
        ("MESOS_EXECUTOR_ID".to_owned(), executor_id.to_owned()),
        ("MESOS_DIRECTORY".to_owned(), sandbox.display().to_string()),
        (
            "MESOS_CHECKPOINT".to_owned(),
            if checkpoint { "1" } else { "0" }.to_owned(),
        ),
        (
            "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD".to_owned(),
            "5secs".to_owned(),
        ),
        ("RUST_LOG".to_owned(), "debug".to_owned()),
    ]);
    if checkpoint {
        env.insert("MESOS_RECOVERY_TIMEOUT".into(), "15secs".into());
        env.insert("MESOS_SUBSCRIPTION_BACKOFF_MAX".into(), "200ms".into());
    }
    env
}

/// Starts `binary` with `args` and `env` in `sandbox`, its output in the sandbox's
/// `executor.stdout`/`executor.stderr` files (the container's own output goes to `stdout` and
/// `stderr`, as in a Mesos sandbox).
pub fn spawn(
    binary: &str,
    args: &[String],
    env: &BTreeMap<String, String>,
    sandbox: &Path,
    container: &str,
) -> ExecutorProcess {
    let out = std::fs::File::create(sandbox.join("executor.stdout")).unwrap();
    let err = std::fs::File::create(sandbox.join("executor.stderr")).unwrap();
    let child = Command::new(binary)
        .args(args)
        .envs(env)
        .current_dir(sandbox)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap();
    ExecutorProcess {
        child,
        container: container.to_owned(),
    }
}

/// A unique container name for a test.
pub fn container_name(test: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("mesos-test-{test}-{}-{n}", std::process::id())
}

/// The sandbox file `name`, or "" if it does not exist.
pub fn read(sandbox: &Path, name: &str) -> String {
    std::fs::read_to_string(sandbox.join(name)).unwrap_or_default()
}

/// The directory holding the test binaries' targets.
pub fn bin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mesos-docker-executor"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Fails the test with a clear message when the Docker engine or the test image is missing.
pub fn require_docker() {
    let ok = Command::new("docker")
        .args(["image", "inspect", "local/busybox:1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "these tests need a running Docker engine with the image local/busybox:1; \
         `bash scripts/test.sh` starts dockerd and builds the image"
    );
}

//! Test harness for the master's integration tests:
//!
//! - [`MasterProcess`]: the real `mesos-master` binary on a free 127.0.0.1 port, its log in a
//!   temporary file (printed when a test fails), killed on drop;
//! - [`TestFramework`]: a framework on top of [`Scheduler`], collecting its events in the
//!   background; tests wait for the events they expect, with a timeout;
//! - [`TestAgent`]: an agent speaking the master ↔ agent protocol of
//!   `docs/master-agent-protocol.md` — REGISTER / REREGISTER, its event stream, PING,
//!   STATUS_UPDATE, answering RUN_TASK, crashing (dropping its stream) and restarting.
//!
//! Every wait is bounded by [`TIMEOUT`]; nothing asserts on how long something took.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mesos_api::client::EventStream;
use mesos_api::client::scheduler::{MasterAddress, Scheduler, SchedulerError};
use mesos_api::internal::{
    AGENT_API_PATH, AgentCall, AgentCallType, AgentTask, MasterEvent, MasterEventType,
    PROTOCOL_VERSION, Register, StatusUpdate,
};
use mesos_api::json::Bytes;
use mesos_api::resources::Resources;
use mesos_api::v1::scheduler::{Call, Event, EventType};
use mesos_api::v1::{
    AgentId, AgentInfo, CommandInfo, FrameworkCapability, FrameworkCapabilityType, FrameworkId,
    FrameworkInfo, Offer, OfferId, Operation, TaskId, TaskInfo, TaskState, TaskStatus,
    TaskStatusSource,
};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How long any wait in a test may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Flags that keep the master's timers short.
pub const FAST: &[&str] = &["--allocation_interval=50ms"];

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// An HTTP client that never goes through a proxy.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .build()
        .expect("HTTP client")
}

// ---------------------------------------------------------------------------------------------
// The master process
// ---------------------------------------------------------------------------------------------

/// A running `mesos-master`, killed when dropped.
pub struct MasterProcess {
    child: Option<Child>,
    pub port: u16,
    flags: Vec<String>,
    /// The master's stderr; kept when a test fails, removed otherwise.
    pub log_path: PathBuf,
}

/// A free port on 127.0.0.1 (the listener is closed again; the master binds it next).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

impl MasterProcess {
    /// Starts a master on a free port with these extra flags and waits for `/health`.
    pub async fn start(flags: &[&str]) -> Self {
        let mut last_log = String::new();
        // A port found free may be taken before the master binds it: try a few.
        for _ in 0..5 {
            let mut master = Self {
                child: None,
                port: free_port(),
                flags: flags.iter().map(|f| (*f).to_owned()).collect(),
                log_path: std::env::temp_dir().join(format!("{}.log", unique("mesos-master-test"))),
            };
            if master.spawn().await {
                return master;
            }
            last_log = master.log();
        }
        panic!("mesos-master did not start; its last log:\n{last_log}");
    }

    /// Starts the process and waits until it answers `/health`; `false` if it exited first.
    async fn spawn(&mut self) -> bool {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("master log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_mesos-master"));
        for (name, _) in std::env::vars() {
            if name.starts_with("MESOS_") {
                command.env_remove(name);
            }
        }
        command
            .arg("--ip=127.0.0.1")
            .arg("--hostname=127.0.0.1")
            .arg(format!("--port={}", self.port))
            .args(&self.flags)
            .env("RUST_LOG", "info,mesos_master=debug")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log);
        let child = command.spawn().expect("start mesos-master");
        self.child = Some(child);
        let client = http();
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        while tokio::time::Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && child.try_wait().expect("master status").is_some()
            {
                return false;
            }
            if let Ok(response) = client.get(format!("{}/health", self.url())).send().await
                && response.status() == StatusCode::OK
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "mesos-master did not answer /health in time:\n{}",
            self.log()
        );
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn address(&self) -> MasterAddress {
        MasterAddress::new(&self.url())
    }

    /// The master's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Kills the master at once (SIGKILL, as a crash).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the master and starts it again on the same port with the same flags.
    pub async fn restart(&mut self) {
        self.kill();
        for _ in 0..100 {
            if self.spawn().await {
                return;
            }
            // The port may linger for a moment after the kill.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("mesos-master did not restart:\n{}", self.log());
    }

    /// `GET <path>` as JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let response = http()
            .get(format!("{}{path}", self.url()))
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("JSON body")
    }
}

impl Drop for MasterProcess {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(200)..].join("\n");
            eprintln!(
                "----- mesos-master log {} (last 200 lines) -----\n{tail}\n-----",
                self.log_path.display()
            );
        } else {
            let _ = std::fs::remove_file(&self.log_path);
        }
    }
}

/// A directory removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("mesos-master-test-")
        .tempdir()
        .expect("temporary directory")
}

/// Writes a Mesos credentials file into `dir`.
pub fn credentials_file(dir: &Path, credentials: &[(&str, &str)]) -> PathBuf {
    let list: Vec<serde_json::Value> = credentials
        .iter()
        .map(|(p, s)| serde_json::json!({"principal": p, "secret": s}))
        .collect();
    let path = dir.join("credentials.json");
    std::fs::write(
        &path,
        serde_json::to_vec(&serde_json::json!({ "credentials": list })).unwrap(),
    )
    .unwrap();
    path
}

/// A raw POST; returns the status, headers and body.
pub async fn post(
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> (StatusCode, HeaderMap, String) {
    let mut request = http().post(url).body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("POST");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    (status, headers, body)
}

// ---------------------------------------------------------------------------------------------
// Event logs
// ---------------------------------------------------------------------------------------------

struct LogState<T> {
    /// Every event received, in order.
    all: Vec<T>,
    /// Events no test has taken yet.
    pending: VecDeque<T>,
    /// Why the stream ended, once it has.
    ended: Option<String>,
}

/// Events received in the background, for tests to wait on.
pub struct EventLog<T> {
    state: Mutex<LogState<T>>,
    changed: Notify,
}

impl<T: Clone + std::fmt::Debug> EventLog<T> {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(LogState {
                all: Vec::new(),
                pending: VecDeque::new(),
                ended: None,
            }),
            changed: Notify::new(),
        })
    }

    fn push(&self, event: T) {
        let mut state = self.state.lock().unwrap();
        state.all.push(event.clone());
        state.pending.push_back(event);
        drop(state);
        self.changed.notify_waiters();
    }

    fn end(&self, why: String) {
        self.state.lock().unwrap().ended.get_or_insert(why);
        self.changed.notify_waiters();
    }

    /// Every event received so far.
    pub fn all(&self) -> Vec<T> {
        self.state.lock().unwrap().all.clone()
    }

    /// Why the stream ended, if it has.
    pub fn ended(&self) -> Option<String> {
        self.state.lock().unwrap().ended.clone()
    }

    /// Takes the first pending event for which `pick` returns `Some`; fails the test after
    /// [`TIMEOUT`] or when the stream ends first.
    pub async fn take<R>(&self, what: &str, mut pick: impl FnMut(&T) -> Option<R>) -> R {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let mut state = self.state.lock().unwrap();
                let found = state
                    .pending
                    .iter()
                    .enumerate()
                    .find_map(|(i, e)| pick(e).map(|r| (i, r)));
                if let Some((index, result)) = found {
                    state.pending.remove(index);
                    return result;
                }
                if let Some(why) = &state.ended {
                    panic!(
                        "the stream ended ({why}) before {what}; events: {:#?}",
                        state.all
                    );
                }
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                let state = self.state.lock().unwrap();
                panic!(
                    "timed out waiting for {what}; pending events: {:#?}",
                    state.pending
                );
            }
        }
    }

    /// Takes the first pending event for which `pick` returns `Some`, if there is one now.
    pub fn try_take<R>(&self, mut pick: impl FnMut(&T) -> Option<R>) -> Option<R> {
        let mut state = self.state.lock().unwrap();
        let (index, result) = state
            .pending
            .iter()
            .enumerate()
            .find_map(|(i, e)| pick(e).map(|r| (i, r)))?;
        state.pending.remove(index);
        Some(result)
    }

    /// Waits until the stream has ended; returns why.
    pub async fn wait_ended(&self) -> String {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(why) = self.ended() {
                return why;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!("timed out waiting for the stream to end");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Frameworks
// ---------------------------------------------------------------------------------------------

/// A FrameworkInfo with `user` and `name` set.
pub fn framework_info(name: &str) -> FrameworkInfo {
    FrameworkInfo::new("root", name)
}

/// A FrameworkInfo subscribing with one role (no MULTI_ROLE).
pub fn framework_in_role(name: &str, role: &str) -> FrameworkInfo {
    FrameworkInfo {
        role: Some(role.to_owned()),
        ..framework_info(name)
    }
}

/// Adds a capability.
pub fn with_capability(mut info: FrameworkInfo, kind: FrameworkCapabilityType) -> FrameworkInfo {
    info.capabilities.push(FrameworkCapability { kind });
    info
}

/// A subscribed framework whose events are collected in the background.
pub struct TestFramework {
    pub scheduler: Scheduler,
    pub events: Arc<EventLog<Event>>,
    reader: JoinHandle<()>,
}

impl TestFramework {
    /// Subscribes (re-subscribes when `info.id` is set); fails the test if refused.
    pub async fn subscribe(address: MasterAddress, info: FrameworkInfo) -> Self {
        match Self::try_subscribe(address, info).await {
            Ok(framework) => framework,
            Err(e) => panic!("SUBSCRIBE failed: {e}"),
        }
    }

    pub async fn try_subscribe(
        address: MasterAddress,
        info: FrameworkInfo,
    ) -> Result<Self, SchedulerError> {
        let (scheduler, mut stream) =
            tokio::time::timeout(TIMEOUT, Scheduler::subscribe(address, info))
                .await
                .expect("SUBSCRIBE timed out")?;
        let events = EventLog::new();
        let log = Arc::clone(&events);
        let reader = tokio::spawn(async move {
            loop {
                match stream.next().await {
                    Ok(Some(event)) => log.push(event),
                    Ok(None) => {
                        log.end("the master closed the stream".to_owned());
                        return;
                    }
                    Err(e) => {
                        log.end(format!("the stream failed: {e}"));
                        return;
                    }
                }
            }
        });
        Ok(Self {
            scheduler,
            events,
            reader,
        })
    }

    pub fn id(&self) -> FrameworkId {
        self.scheduler.framework_id.clone()
    }

    /// Sends a call; `Err` carries the master's refusal.
    pub async fn call(&self, call: Call) -> Result<(), SchedulerError> {
        self.scheduler.call(call).await
    }

    /// Sends a call the master must accept.
    pub async fn must(&self, call: Call) {
        let kind = call.kind;
        if let Err(e) = self.call(call).await {
            panic!("{kind:?} refused: {e}");
        }
    }

    /// The next event of this type.
    pub async fn next(&self, kind: EventType) -> Event {
        self.events
            .take(&format!("a {kind:?} event"), |e| {
                (e.kind == Some(kind)).then(|| e.clone())
            })
            .await
    }

    /// The offers of the next OFFERS event.
    pub async fn next_offers(&self) -> Vec<Offer> {
        let event = self.next(EventType::Offers).await;
        event.offers.expect("OFFERS payload").offers
    }

    /// The first offer of the next OFFERS event (tests with one agent get one at a time).
    pub async fn next_offer(&self) -> Offer {
        let offers = self.next_offers().await;
        assert_eq!(offers.len(), 1, "one offer expected: {offers:#?}");
        offers.into_iter().next().unwrap()
    }

    /// The next offer for this agent (others are skipped and stay pending).
    pub async fn next_offer_on(&self, agent: &AgentId) -> Offer {
        self.events
            .take(&format!("an offer on {agent}"), |e| {
                e.offers
                    .as_ref()
                    .and_then(|o| o.offers.iter().find(|o| o.agent_id == *agent).cloned())
            })
            .await
    }

    /// The next UPDATE for this task.
    pub async fn next_update(&self, task: &str) -> TaskStatus {
        self.events
            .take(&format!("an update of task {task}"), |e| {
                e.update
                    .as_ref()
                    .filter(|u| u.status.task_id.value == task)
                    .map(|u| u.status.clone())
            })
            .await
    }

    /// The next ERROR's message.
    pub async fn next_error(&self) -> String {
        let event = self.next(EventType::Error).await;
        event.error.expect("ERROR payload").message
    }

    /// How many events of this type arrived so far (taken or not).
    pub fn count(&self, kind: EventType) -> usize {
        self.events
            .all()
            .iter()
            .filter(|e| e.kind == Some(kind))
            .count()
    }

    /// ACCEPT with LAUNCH of these tasks, leftover resources coming back at once.
    pub async fn launch(&self, offer: &OfferId, tasks: Vec<TaskInfo>) {
        self.must(Call::accept(
            self.id(),
            vec![offer.clone()],
            vec![Operation::launch(tasks)],
            Some(mesos_api::v1::Filters {
                refuse_seconds: 0.0,
            }),
        ))
        .await;
    }

    pub async fn decline(&self, offer: &OfferId, refuse_seconds: f64) {
        self.must(Call::decline(
            self.id(),
            vec![offer.clone()],
            Some(mesos_api::v1::Filters { refuse_seconds }),
        ))
        .await;
    }

    /// ACKNOWLEDGE an update (it must carry a uuid).
    pub async fn acknowledge(&self, status: &TaskStatus) {
        let uuid = status.uuid.clone().expect("an update with a uuid");
        let agent = status.agent_id.clone().expect("an update with an agent id");
        self.must(Call::acknowledge(
            self.id(),
            agent,
            status.task_id.clone(),
            uuid,
        ))
        .await;
    }

    /// Closes the subscription stream (the framework "crashes").
    pub fn disconnect(&self) {
        self.reader.abort();
    }
}

impl Drop for TestFramework {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// A command task using these resources (`cpus:1;mem:128`).
pub fn task(id: &str, agent: &AgentId, resources: &str) -> TaskInfo {
    TaskInfo {
        name: format!("task {id}"),
        task_id: TaskId::new(id),
        agent_id: agent.clone(),
        resources: Resources::parse(resources, "*")
            .expect("resources")
            .into_vec(),
        executor: None,
        command: Some(CommandInfo::shell("sleep 1000")),
        container: None,
        health_check: None,
        check: None,
        kill_policy: None,
        data: None,
        labels: None,
        discovery: None,
        max_completion_time: None,
        limits: BTreeMap::new(),
    }
}

/// The scalar `name` of an offer.
pub fn scalar(offer: &Offer, name: &str) -> f64 {
    Resources::from(offer.resources.clone())
        .scalar(name)
        .map_or(0.0, |s| s.value)
}

/// Waits until `check` holds, polling; fails the test after [`TIMEOUT`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

// ---------------------------------------------------------------------------------------------
// Agents
// ---------------------------------------------------------------------------------------------

/// A task as the test agent keeps it (reported when re-registering).
#[derive(Clone, Debug)]
pub struct AgentTaskRecord {
    pub framework_id: FrameworkId,
    pub task: TaskInfo,
    pub statuses: Vec<TaskStatus>,
}

impl AgentTaskRecord {
    fn state(&self) -> TaskState {
        self.statuses.last().map_or(TaskState::Staging, |s| s.state)
    }
}

struct AgentShared {
    http: reqwest::Client,
    master: Mutex<String>,
    agent_id: Mutex<Option<AgentId>>,
    stream_id: Mutex<String>,
    events: Mutex<Arc<EventLog<MasterEvent>>>,
    tasks: Mutex<BTreeMap<(FrameworkId, TaskId), AgentTaskRecord>>,
    frameworks: Mutex<BTreeMap<FrameworkId, FrameworkInfo>>,
    pinging: AtomicBool,
    /// Answer RUN_TASK with TASK_RUNNING at once.
    auto_run: AtomicBool,
}

impl AgentShared {
    fn agent_id(&self) -> AgentId {
        self.agent_id
            .lock()
            .unwrap()
            .clone()
            .expect("a registered agent")
    }

    fn url(&self) -> String {
        format!("{}{AGENT_API_PATH}", self.master.lock().unwrap())
    }

    async fn call(&self, call: &AgentCall) -> (StatusCode, String) {
        let stream_id = self.stream_id.lock().unwrap().clone();
        let response = self
            .http
            .post(self.url())
            .header("Content-Type", "application/json")
            .header("Mesos-Stream-Id", stream_id)
            .json(call)
            .send()
            .await
            .expect("agent call");
        let status = response.status();
        (status, response.text().await.unwrap_or_default())
    }

    /// Sends an update of a task the agent runs (a new uuid) and records it.
    async fn update(&self, framework: &FrameworkId, task: &TaskId, state: TaskState) -> TaskStatus {
        let status = TaskStatus {
            source: Some(TaskStatusSource::Executor),
            agent_id: Some(self.agent_id()),
            timestamp: Some(mesos_api::client::now_secs()),
            uuid: Some(Bytes(uuid::Uuid::new_v4().as_bytes().to_vec())),
            ..TaskStatus::new(task.clone(), state)
        };
        if let Some(record) = self
            .tasks
            .lock()
            .unwrap()
            .get_mut(&(framework.clone(), task.clone()))
        {
            record.statuses.push(status.clone());
        }
        let mut call = AgentCall::new(AgentCallType::StatusUpdate, Some(self.agent_id()));
        call.status_update = Some(StatusUpdate {
            framework_id: framework.clone(),
            status: status.clone(),
            latest_state: Some(state),
        });
        let (code, body) = self.call(&call).await;
        assert_eq!(code, StatusCode::ACCEPTED, "STATUS_UPDATE refused: {body}");
        status
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        self.crash();
    }
}

/// An agent connected to a master through the internal protocol.
pub struct TestAgent {
    pub info: AgentInfo,
    shared: Arc<AgentShared>,
    background: Vec<JoinHandle<()>>,
    /// Readers of replaced connections.
    stale: Vec<JoinHandle<()>>,
    /// `ping_interval_seconds` of the last REGISTERED.
    pub ping_interval: Duration,
}

impl TestAgent {
    /// Registers a new agent with these resources (`cpus:2;mem:1024`).
    pub async fn register(master: &MasterProcess, hostname: &str, resources: &str) -> Self {
        let info = AgentInfo {
            hostname: hostname.to_owned(),
            port: 5051,
            resources: Resources::parse(resources, "*")
                .expect("agent resources")
                .into_vec(),
            attributes: Vec::new(),
            id: None,
            domain: None,
        };
        let shared = Arc::new(AgentShared {
            http: http(),
            master: Mutex::new(master.url()),
            agent_id: Mutex::new(None),
            stream_id: Mutex::new(String::new()),
            events: Mutex::new(EventLog::new()),
            tasks: Mutex::new(BTreeMap::new()),
            frameworks: Mutex::new(BTreeMap::new()),
            pinging: AtomicBool::new(true),
            auto_run: AtomicBool::new(true),
        });
        let mut agent = Self {
            info,
            shared,
            background: Vec::new(),
            stale: Vec::new(),
            ping_interval: Duration::from_secs(1),
        };
        agent.connect(AgentCallType::Register).await;
        agent
    }

    pub fn id(&self) -> AgentId {
        self.shared.agent_id()
    }

    /// Whether RUN_TASK is answered with TASK_RUNNING at once (the default).
    pub fn set_auto_run(&self, on: bool) {
        self.shared.auto_run.store(on, Ordering::SeqCst);
    }

    /// Stops (or resumes) the PINGs, as a partitioned agent.
    pub fn set_pinging(&self, on: bool) {
        self.shared.pinging.store(on, Ordering::SeqCst);
    }

    /// The events of the current connection.
    pub fn events(&self) -> Arc<EventLog<MasterEvent>> {
        Arc::clone(&self.shared.events.lock().unwrap())
    }

    /// The next event of this type on the current connection.
    pub async fn next(&self, kind: MasterEventType) -> MasterEvent {
        self.events()
            .take(&format!("a {kind} event on the agent"), |e| {
                (e.kind == kind).then(|| e.clone())
            })
            .await
    }

    /// The tasks the agent runs.
    pub fn tasks(&self) -> Vec<AgentTaskRecord> {
        self.shared
            .tasks
            .lock()
            .unwrap()
            .values()
            .cloned()
            .collect()
    }

    /// Sends an update for a task (new uuid) and returns it.
    pub async fn send_update(
        &self,
        framework: &FrameworkId,
        task: &str,
        state: TaskState,
    ) -> TaskStatus {
        self.shared
            .update(framework, &TaskId::new(task), state)
            .await
    }

    /// Any agent call on the current stream; the status and body.
    pub async fn call(&self, call: &AgentCall) -> (StatusCode, String) {
        self.shared.call(call).await
    }

    /// Sends a call with an explicit stream id.
    pub async fn call_with_stream_id(
        &self,
        call: &AgentCall,
        stream_id: &str,
    ) -> (StatusCode, String) {
        let response = self
            .shared
            .http
            .post(self.shared.url())
            .header("Content-Type", "application/json")
            .header("Mesos-Stream-Id", stream_id)
            .json(call)
            .send()
            .await
            .expect("agent call");
        let status = response.status();
        (status, response.text().await.unwrap_or_default())
    }

    pub fn stream_id(&self) -> String {
        self.shared.stream_id.lock().unwrap().clone()
    }

    /// The agent process dies: its stream closes, pings stop.
    pub fn crash(&mut self) {
        for handle in self.background.drain(..).chain(self.stale.drain(..)) {
            handle.abort();
        }
    }

    /// REREGISTER (after a crash, or with a master that restarted), reporting its tasks.
    pub async fn reregister(&mut self, master: &MasterProcess) {
        self.crash();
        *self.shared.master.lock().unwrap() = master.url();
        self.connect(AgentCallType::Reregister).await;
    }

    /// REREGISTER on a new connection while the old stream is still open (as after a network
    /// partition); the old stream keeps being read into its own [`events`](Self::events) log.
    pub async fn reregister_keeping_old_stream(&mut self) {
        self.stale.append(&mut self.background);
        self.connect(AgentCallType::Reregister).await;
    }

    async fn connect(&mut self, kind: AgentCallType) {
        let mut info = self.info.clone();
        info.id = self.shared.agent_id.lock().unwrap().clone();
        let (frameworks, tasks) = {
            let records = self.shared.tasks.lock().unwrap();
            let frameworks = self.shared.frameworks.lock().unwrap();
            let tasks: Vec<AgentTask> = records
                .values()
                .filter(|r| !r.state().is_terminal())
                .map(|r| AgentTask {
                    framework_id: r.framework_id.clone(),
                    task: r.task.clone(),
                    state: r.state(),
                    statuses: r.statuses.clone(),
                    unacknowledged_uuid: None,
                })
                .collect();
            let frameworks = frameworks
                .iter()
                .filter(|(id, _)| tasks.iter().any(|t| t.framework_id == **id))
                .map(|(_, info)| info.clone())
                .collect();
            (frameworks, tasks)
        };
        let mut call = AgentCall::new(kind, info.id.clone());
        call.register = Some(Register {
            agent_info: info,
            version: PROTOCOL_VERSION.to_owned(),
            agent_version: Some("1.11.0".to_owned()),
            endpoint: Some(format!("http://127.0.0.1:{}", self.info.port)),
            frameworks,
            executors: Vec::new(),
            tasks,
        });
        let response = self
            .shared
            .http
            .post(self.shared.url())
            .header("Content-Type", "application/json")
            .timeout(Duration::from_secs(24 * 3600))
            .json(&call)
            .send()
            .await
            .expect("REGISTER");
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{kind} refused: {}",
            response.text().await.unwrap_or_default()
        );
        let stream_id = response
            .headers()
            .get("Mesos-Stream-Id")
            .and_then(|v| v.to_str().ok())
            .expect("Mesos-Stream-Id")
            .to_owned();
        let mut stream: EventStream<MasterEvent> =
            EventStream::new(response, 64 << 20, Duration::from_secs(3600));
        let first = tokio::time::timeout(TIMEOUT, stream.next())
            .await
            .expect("REGISTERED in time")
            .expect("a readable stream")
            .expect("REGISTERED");
        assert_eq!(first.kind, MasterEventType::Registered, "{first:?}");
        let registered = first.registered.expect("REGISTERED payload");
        if let Some(old) = self.shared.agent_id.lock().unwrap().as_ref() {
            assert_eq!(*old, registered.agent_id, "the agent id changed");
        }
        *self.shared.agent_id.lock().unwrap() = Some(registered.agent_id.clone());
        *self.shared.stream_id.lock().unwrap() = stream_id;
        self.ping_interval = Duration::from_secs_f64(registered.ping_interval_seconds);
        let events = EventLog::new();
        events.push(MasterEvent {
            registered: Some(registered),
            ..MasterEvent::new(MasterEventType::Registered)
        });
        *self.shared.events.lock().unwrap() = Arc::clone(&events);
        let shared = Arc::clone(&self.shared);
        self.background.push(tokio::spawn(async move {
            loop {
                match stream.next().await {
                    Ok(Some(event)) => handle_master_event(&shared, &events, event),
                    Ok(None) => {
                        events.end("the master closed the stream".to_owned());
                        return;
                    }
                    Err(e) => {
                        events.end(format!("the stream failed: {e}"));
                        return;
                    }
                }
            }
        }));
        let shared = Arc::clone(&self.shared);
        let interval = (self.ping_interval / 4).max(Duration::from_millis(50));
        self.background.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                if shared.pinging.load(Ordering::SeqCst) {
                    let call = AgentCall::new(AgentCallType::Ping, Some(shared.agent_id()));
                    let _ = shared.call(&call).await;
                }
            }
        }));
    }
}

fn handle_master_event(shared: &Arc<AgentShared>, log: &EventLog<MasterEvent>, event: MasterEvent) {
    if let Some(run) = &event.run_task {
        let framework_id = run
            .framework_info
            .id
            .clone()
            .expect("framework id in RUN_TASK");
        shared
            .frameworks
            .lock()
            .unwrap()
            .insert(framework_id.clone(), run.framework_info.clone());
        shared.tasks.lock().unwrap().insert(
            (framework_id.clone(), run.task.task_id.clone()),
            AgentTaskRecord {
                framework_id: framework_id.clone(),
                task: run.task.clone(),
                statuses: Vec::new(),
            },
        );
        if shared.auto_run.load(Ordering::SeqCst) {
            let shared = Arc::clone(shared);
            let task = run.task.task_id.clone();
            tokio::spawn(async move {
                shared
                    .update(&framework_id, &task, TaskState::Running)
                    .await;
            });
        }
    }
    if let Some(shutdown) = &event.shutdown_framework {
        shared
            .tasks
            .lock()
            .unwrap()
            .retain(|(f, _), _| *f != shutdown.framework_id);
    }
    log.push(event);
}

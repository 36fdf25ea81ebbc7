//! Whole-system test harness: the project's real binaries as separate processes on 127.0.0.1
//! (`mesos-master`, `mesos-agent` and the executors), the real Docker engine, and a framework
//! speaking the v1 scheduler API.
//!
//! Binaries are taken from the cargo target directory this test runs from; `cargo test
//! --workspace` builds them. Every process is killed, and every container the agents started is
//! removed, when its handle is dropped — also when a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mesos_api::client::scheduler::{MasterAddress, Scheduler};
use mesos_api::json::Bytes;
use mesos_api::resources::Resources;
use mesos_api::v1::scheduler::{Call, Event, EventType};
use mesos_api::v1::{
    AgentId, FrameworkId, FrameworkInfo, Offer, OfferId, Operation, TaskInfo, TaskState, TaskStatus,
};
use serde_json::Value;
use tokio::sync::Notify;

/// Generous timeout for anything a test waits for.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The path of one of the workspace's binaries, next to the running test's directory.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory")
        .to_path_buf();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the workspace first (`cargo test --workspace` does)",
        path.display()
    );
    path
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

/// Waits until `check` holds, polling.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A daemon of the project, killed (SIGKILL) when dropped.
pub struct Daemon {
    pub name: String,
    child: Option<Child>,
    pub port: u16,
    args: Vec<String>,
    pub log: PathBuf,
}

impl Daemon {
    fn spawn(name: &str, port: u16, args: Vec<String>, log: PathBuf) -> Self {
        let mut daemon = Self {
            name: name.to_owned(),
            child: None,
            port,
            args,
            log,
        };
        daemon.start();
        daemon
    }

    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let mut command = Command::new(bin(&self.name));
        for (name, _) in std::env::vars() {
            if name.starts_with("MESOS_") {
                command.env_remove(name);
            }
        }
        let child = command
            .args(&self.args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start daemon");
        self.child = Some(child);
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, as a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the same daemon again with the same flags.
    pub async fn restart(&mut self) {
        self.kill();
        self.start();
        self.wait_healthy().await;
    }

    pub async fn wait_healthy(&self) {
        let client = http();
        let url = format!("{}/health", self.url());
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} did not become healthy:\n{}", self.name, self.log_text());
    }

    pub async fn get_json(&self, path: &str) -> Value {
        http()
            .get(format!("{}{path}", self.url()))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("--- log of {} ---\n{}", self.name, self.log_text());
        }
    }
}

/// A local cluster: one master and any number of agents, in a temporary directory.
pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub master: Daemon,
    pub agents: Vec<Daemon>,
}

impl Cluster {
    /// A master with `flags` (plus short intervals for tests).
    pub async fn start(master_flags: &[&str]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("mesos-e2e-")
            .tempdir()
            .expect("temp dir");
        let port = free_port();
        let mut args = vec![
            "--ip=127.0.0.1".to_owned(),
            "--hostname=127.0.0.1".to_owned(),
            format!("--port={port}"),
            "--allocation_interval=100ms".to_owned(),
        ];
        args.extend(master_flags.iter().map(|f| (*f).to_owned()));
        let master = Daemon::spawn("mesos-master", port, args, dir.path().join("master.log"));
        master.wait_healthy().await;
        Self {
            dir,
            master,
            agents: Vec::new(),
        }
    }

    pub fn master_address(&self) -> MasterAddress {
        MasterAddress::new(&format!("127.0.0.1:{}", self.master.port))
    }

    /// Starts an agent with `flags` and waits until the master lists it.
    pub async fn add_agent(&mut self, flags: &[&str]) -> usize {
        let index = self.agents.len();
        let port = free_port();
        let work_dir = self.dir.path().join(format!("agent{index}"));
        let mut args = vec![
            format!("--master=127.0.0.1:{}", self.master.port),
            "--ip=127.0.0.1".to_owned(),
            "--hostname=127.0.0.1".to_owned(),
            format!("--port={port}"),
            format!("--work_dir={}", work_dir.display()),
            format!(
                "--launcher_dir={}",
                bin("mesos-agent").parent().unwrap().display()
            ),
            "--containerizers=docker,mesos".to_owned(),
            "--registration_backoff_factor=100ms".to_owned(),
        ];
        if !flags.iter().any(|f| f.starts_with("--resources")) {
            args.push("--resources=cpus:4;mem:4096;disk:10000;ports:[31000-32000]".to_owned());
        }
        args.extend(flags.iter().map(|f| (*f).to_owned()));
        let agent = Daemon::spawn(
            "mesos-agent",
            port,
            args,
            self.dir.path().join(format!("agent{index}.log")),
        );
        agent.wait_healthy().await;
        self.agents.push(agent);
        let expected = self.agents.len();
        let master = self.master.url();
        eventually("the agent to register", || {
            registered_agents_at_least(&master, expected)
        })
        .await;
        index
    }

    /// The agent's id as the agent reports it.
    pub async fn agent_id(&self, index: usize) -> AgentId {
        AgentId::new(
            self.agents[index].get_json("/state").await["id"]
                .as_str()
                .unwrap_or_default(),
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for agent in &mut self.agents {
            agent.kill();
        }
        self.master.kill();
        remove_containers_of(self.dir.path());
    }
}

/// Removes the containers whose sandboxes are under `dir` (`mesos-<container id>`).
fn remove_containers_of(dir: &Path) {
    let output = Command::new("docker")
        .args(["ps", "-aq", "--filter", "name=mesos-"])
        .output();
    let Ok(output) = output else { return };
    let ids = String::from_utf8_lossy(&output.stdout);
    for id in ids.split_whitespace() {
        let inspect = Command::new("docker")
            .args([
                "inspect",
                "--format",
                "{{range .Mounts}}{{.Source}} {{end}}",
                id,
            ])
            .output();
        let mounts = inspect
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        if mounts.contains(&dir.display().to_string()) {
            let _ = Command::new("docker")
                .args(["rm", "-f", "-v", id])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

async fn registered_agents_at_least(master: &str, expected: usize) -> bool {
    let Ok(response) = http().get(format!("{master}/master/state")).send().await else {
        return false;
    };
    let state: Value = response.json().await.unwrap_or(Value::Null);
    state["slaves"].as_array().map_or(0, Vec::len) >= expected
}

/// A framework that records every event and acknowledges every update.
pub struct Framework {
    pub scheduler: Scheduler,
    events: Arc<Mutex<Vec<Event>>>,
    changed: Arc<Notify>,
    reader: tokio::task::JoinHandle<()>,
}

impl Framework {
    pub async fn subscribe(address: MasterAddress, info: FrameworkInfo) -> Self {
        let (scheduler, mut stream) = Scheduler::subscribe(address, info)
            .await
            .expect("subscribe");
        let events = Arc::new(Mutex::new(Vec::new()));
        let changed = Arc::new(Notify::new());
        let (log, notify, acker) = (events.clone(), changed.clone(), scheduler.clone());
        let reader = tokio::spawn(async move {
            while let Ok(Some(event)) = stream.next().await {
                if let Some(status) = event.update.as_ref().map(|u| &u.status)
                    && let (Some(uuid), Some(agent)) = (&status.uuid, &status.agent_id)
                {
                    let ack = Call::acknowledge(
                        acker.framework_id.clone(),
                        agent.clone(),
                        status.task_id.clone(),
                        Bytes(uuid.0.clone()),
                    );
                    let _ = acker.call(ack).await;
                }
                log.lock().unwrap().push(event);
                notify.notify_waiters();
            }
        });
        Self {
            scheduler,
            events,
            changed,
            reader,
        }
    }

    pub fn id(&self) -> FrameworkId {
        self.scheduler.framework_id.clone()
    }

    pub fn updates(&self, task: &str) -> Vec<TaskStatus> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| e.update.as_ref().map(|u| u.status.clone()))
            .filter(|s| s.task_id.value == task)
            .collect()
    }

    pub fn states(&self, task: &str) -> Vec<TaskState> {
        self.updates(task).iter().map(|s| s.state).collect()
    }

    async fn wait<T>(&self, what: &str, mut pick: impl FnMut(&[Event]) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let notified = self.changed.notified();
            if let Some(found) = pick(&self.events.lock().unwrap()) {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "timed out waiting for {what}; events: {:#?}",
                    self.events
                        .lock()
                        .unwrap()
                        .iter()
                        .map(|e| e.kind)
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    /// The next offer from `agent` not yet used.
    pub async fn offer_from(&self, agent: &AgentId, used: &mut Vec<OfferId>) -> Offer {
        let offer = self
            .wait("an offer", |events| {
                events
                    .iter()
                    .filter(|e| e.kind == Some(EventType::Offers))
                    .flat_map(|e| e.offers.iter().flat_map(|o| o.offers.iter()))
                    .find(|o| o.agent_id == *agent && !used.contains(&o.id))
                    .cloned()
            })
            .await;
        used.push(offer.id.clone());
        offer
    }

    /// Launches `tasks` on `offer`.
    pub async fn launch(&self, offer: &Offer, tasks: Vec<TaskInfo>) {
        let call = Call::accept(
            self.id(),
            vec![offer.id.clone()],
            vec![Operation::launch(tasks)],
            None,
        );
        self.scheduler.call(call).await.expect("ACCEPT");
    }

    /// Waits for an update of `task` to `state`.
    pub async fn wait_state(&self, task: &str, state: TaskState) -> TaskStatus {
        self.wait(&format!("{task} to reach {state}"), |events| {
            events
                .iter()
                .filter_map(|e| e.update.as_ref().map(|u| &u.status))
                .find(|s| s.task_id.value == task && s.state == state)
                .cloned()
        })
        .await
    }

    /// Waits for a terminal update of `task`.
    pub async fn wait_terminal(&self, task: &str) -> TaskStatus {
        self.wait(&format!("{task} to end"), |events| {
            events
                .iter()
                .filter_map(|e| e.update.as_ref().map(|u| &u.status))
                .find(|s| s.task_id.value == task && s.state.is_terminal())
                .cloned()
        })
        .await
    }

    pub async fn kill(&self, task: &str, agent: &AgentId) {
        let call = Call::kill(self.id(), task.into(), Some(agent.clone()));
        self.scheduler.call(call).await.expect("KILL");
    }
}

impl Drop for Framework {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// A framework info for tests.
pub fn framework_info(name: &str, checkpoint: bool) -> FrameworkInfo {
    let mut info = FrameworkInfo::new("root", name);
    info.checkpoint = checkpoint;
    info.failover_timeout = 300.0;
    info
}

/// A task from JSON with `task_id`, `agent_id` and `resources` filled in.
pub fn task(id: &str, agent: &AgentId, resources: &str, mut spec: Value) -> TaskInfo {
    spec["name"] = Value::from(id);
    spec["task_id"] = serde_json::json!({"value": id});
    spec["agent_id"] = serde_json::json!({"value": agent.value});
    spec["resources"] =
        serde_json::to_value(Resources::parse(resources, "*").expect("resources")).expect("json");
    serde_json::from_value(spec).expect("task")
}

/// Reads a file of a sandbox through the agent's `/files/read`.
pub async fn read_sandbox_file(agent: &Daemon, path: &str) -> (u16, Value) {
    let encoded: String = path
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    let response = http()
        .get(format!(
            "{}/files/read?path={encoded}&offset=0",
            agent.url()
        ))
        .send()
        .await
        .expect("GET /files/read");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// The sandbox directory of the latest run of `executor` in the agent's `/state`.
pub async fn sandbox_of(agent: &Daemon, executor: &str) -> String {
    let state = agent.get_json("/state").await;
    let mut found = None;
    for key in ["frameworks", "completed_frameworks"] {
        for framework in state[key].as_array().into_iter().flatten() {
            for list in ["executors", "completed_executors"] {
                for e in framework[list].as_array().into_iter().flatten() {
                    if e["id"] == executor {
                        found = e["directory"].as_str().map(str::to_owned);
                    }
                }
            }
        }
    }
    found.unwrap_or_else(|| panic!("no executor {executor} in the agent's state: {state}"))
}

/// Whether the Docker engine and the test image are there (tests need both; the test script
/// provides them).
pub fn require_docker() {
    let ok = Command::new("docker")
        .args(["image", "inspect", "local/busybox:1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the Docker engine with local/busybox:1 is required; `bash scripts/test.sh` sets it up"
    );
}

/// Labels as a map, for assertions.
pub fn attributes_of(offer: &Offer) -> BTreeMap<String, String> {
    offer
        .attributes
        .iter()
        .map(|a| (a.name.clone(), a.to_string()))
        .collect()
}

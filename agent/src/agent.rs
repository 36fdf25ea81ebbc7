//! The agent's behaviour: tasks from the master, executors and their subscriptions, status
//! updates, kills and shutdowns.
//!
//! The state lives behind one lock, taken briefly; events to executors and calls to the master
//! are queued or spawned, never awaited while holding it.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use mesos_api::internal::{AgentCall, AgentCallType, AgentTask, ExecutorExited, ExecutorMessage};
use mesos_api::recordio;
use mesos_api::v1::executor::{self as exec, Event as ExecutorEvent};
use mesos_api::v1::{
    AgentId, AgentInfo, CommandInfo, ContainerId, ContainerType, ExecutorId, ExecutorInfo,
    FrameworkId, FrameworkInfo, KillPolicy, MasterInfo, TaskId, TaskInfo, TaskState, TaskStatus,
    TaskStatusReason, TaskStatusSource,
};
use tokio::sync::{Notify, mpsc};
use tracing::{debug, info, warn};

use crate::config::{Config, Containerizer};
use crate::status_updates::{Acked, Received, StatusUpdateManager, UpdateError};

/// Events queued for an executor before it counts as too slow.
const EXECUTOR_QUEUE: usize = 256;
/// Completed executors remembered per framework (for `/state`).
const MAX_COMPLETED_EXECUTORS: usize = 150;
/// Completed frameworks remembered.
const MAX_COMPLETED_FRAMEWORKS: usize = 50;

/// Which program runs an executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorKind {
    /// `mesos-docker-executor`, for a command task with a Docker `ContainerInfo`.
    Docker,
    /// `mesos-executor`, for a command task.
    Command,
    /// The framework's own executor.
    Custom,
}

/// Where an executor is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Fetching URIs and starting the process.
    Launching,
    /// Started, not subscribed yet.
    Registering,
    Running,
    /// Told to shut down.
    Terminating,
    Terminated,
}

/// A task as the agent knows it.
#[derive(Debug, Clone)]
pub struct TaskRecord {
    pub info: TaskInfo,
    pub state: TaskState,
    pub statuses: Vec<TaskStatus>,
    /// Sent to the executor (otherwise queued until it subscribes).
    pub launched: bool,
}

/// An executor run.
#[derive(Debug)]
pub struct Executor {
    pub info: ExecutorInfo,
    pub kind: ExecutorKind,
    pub container_id: String,
    pub directory: PathBuf,
    pub phase: Phase,
    pub connection: Option<(u64, mpsc::Sender<Bytes>)>,
    pub tasks: BTreeMap<TaskId, TaskRecord>,
    pub completed_tasks: Vec<TaskRecord>,
    pub pid: Option<u32>,
    pub token: String,
    pub checkpoint: bool,
    /// Why its tasks end if the executor dies without saying (registration timeout, kill).
    pub termination_reason: Option<(TaskStatusReason, String)>,
    pub kill_requested: bool,
    /// Kills that arrived while a recovered executor had not re-subscribed yet.
    pub pending_kills: Vec<(TaskId, Option<KillPolicy>)>,
}

impl Executor {
    fn send(&self, event: &ExecutorEvent) -> bool {
        match &self.connection {
            Some((_, tx)) => tx.try_send(frame(event)).is_ok(),
            None => false,
        }
    }
}

/// A framework with executors on this agent.
#[derive(Debug)]
pub struct Framework {
    pub info: FrameworkInfo,
    pub executors: BTreeMap<ExecutorId, Executor>,
    pub completed_executors: VecDeque<Executor>,
}

/// The agent's model.
#[derive(Debug)]
pub struct State {
    pub agent_id: Option<AgentId>,
    pub master_info: Option<MasterInfo>,
    /// `Mesos-Stream-Id` of the current master connection.
    pub master_stream: Option<String>,
    pub frameworks: BTreeMap<FrameworkId, Framework>,
    pub completed_frameworks: VecDeque<Framework>,
    pub updates: StatusUpdateManager,
    pub next_connection: u64,
    /// Counters for `/metrics/snapshot`.
    pub counters: BTreeMap<&'static str, u64>,
}

/// The agent.
pub struct Agent {
    pub config: Config,
    pub start_time: f64,
    pub files: Arc<crate::files::FilesRegistry>,
    state: Mutex<State>,
    /// Status updates are waiting to go to the master.
    pub updates_ready: Notify,
    pub http: reqwest::Client,
    /// The fetcher's cache, shared by every launch.
    pub fetch_cache: crate::fetcher::Cache,
    /// Removes the sandboxes of finished executors after `--gc_delay`.
    pub gc: crate::gc::Gc,
    /// True until recovery is done: the executor API answers 503 meanwhile.
    recovering: std::sync::atomic::AtomicBool,
}

/// Seconds since the Unix epoch.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One RecordIO-framed JSON event.
pub fn frame<T: serde::Serialize>(event: &T) -> Bytes {
    let mut record = Vec::new();
    if let Err(e) = recordio::encode_json(event, &mut record) {
        warn!(error = %e, "an event could not be serialised");
    }
    Bytes::from(record)
}

/// An error answered to an executor call, with Mesos's status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CallError {
    pub status: u16,
    pub message: String,
}

impl CallError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl Agent {
    pub fn new(config: Config) -> Result<Arc<Self>, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .tcp_keepalive(Duration::from_secs(30))
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Arc::new(Self {
            config: config.clone(),
            start_time: now(),
            files: Arc::new(crate::files::FilesRegistry::default()),
            state: Mutex::new(State {
                agent_id: None,
                master_info: None,
                master_stream: None,
                frameworks: BTreeMap::new(),
                completed_frameworks: VecDeque::new(),
                updates: StatusUpdateManager::new(),
                next_connection: 0,
                counters: BTreeMap::new(),
            }),
            updates_ready: Notify::new(),
            http,
            fetch_cache: crate::fetcher::Cache::new(config.work_dir.join("fetch")),
            gc: crate::gc::Gc::new(crate::gc::GcSettings {
                gc_delay: config.gc_delay,
                ..crate::gc::GcSettings::new(&config.work_dir)
            }),
            recovering: std::sync::atomic::AtomicBool::new(true),
        }))
    }

    pub fn recovering(&self) -> bool {
        self.recovering.load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn recovered(&self) {
        self.recovering
            .store(false, std::sync::atomic::Ordering::Release);
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the agent tells the master about itself.
    pub fn agent_info(&self, state: &State) -> AgentInfo {
        AgentInfo {
            hostname: self.config.hostname.clone(),
            port: i32::from(self.config.port),
            resources: self.config.resources.as_slice().to_vec(),
            attributes: self.config.attributes.as_slice().to_vec(),
            id: state.agent_id.clone(),
            domain: None,
        }
    }

    /// The sandbox of an executor run.
    fn sandbox(&self, agent: &AgentId, fw: &FrameworkId, ex: &ExecutorId, cid: &str) -> PathBuf {
        self.config
            .work_dir
            .join("slaves")
            .join(&agent.value)
            .join("frameworks")
            .join(&fw.value)
            .join("executors")
            .join(&ex.value)
            .join("runs")
            .join(cid)
    }

    /// The checkpoint directory (`meta/…`) of an executor run.
    pub fn meta_run(
        &self,
        agent: &AgentId,
        fw: &FrameworkId,
        ex: &ExecutorId,
        cid: &str,
    ) -> PathBuf {
        self.config
            .work_dir
            .join("meta")
            .join("slaves")
            .join(&agent.value)
            .join("frameworks")
            .join(&fw.value)
            .join("executors")
            .join(&ex.value)
            .join("runs")
            .join(cid)
    }

    /// Serves a sandbox under `/files` at its real path and at Mesos's virtual
    /// `/frameworks/<fw>/executors/<ex>/runs/latest`.
    pub fn attach_sandbox(
        &self,
        framework_id: &FrameworkId,
        executor_id: &ExecutorId,
        directory: &Path,
    ) {
        let virtual_path =
            format!("/frameworks/{framework_id}/executors/{executor_id}/runs/latest");
        for path in [directory.display().to_string(), virtual_path] {
            if let Err(e) = self.files.attach(&path, directory) {
                warn!(%path, error = %e, "cannot serve the sandbox under /files");
            }
        }
    }

    fn count(&self, state: &mut State, name: &'static str) {
        *state.counters.entry(name).or_insert(0) += 1;
    }

    // -----------------------------------------------------------------------------------------
    // From the master
    // -----------------------------------------------------------------------------------------

    /// RUN_TASK (and each task of RUN_TASK_GROUP, with its group's executor).
    pub fn run_task(
        self: &Arc<Self>,
        framework_info: FrameworkInfo,
        task: TaskInfo,
        group_executor: Option<ExecutorInfo>,
    ) {
        let Some(framework_id) = framework_info.id.clone() else {
            warn!(task = %task.task_id, "RUN_TASK without a framework id");
            return;
        };
        let mut state = self.lock();
        let Some(agent_id) = state.agent_id.clone() else {
            return;
        };
        let prepared = self.executor_for(&framework_id, &task, group_executor);
        let (info, kind) = match prepared {
            Ok(prepared) => prepared,
            Err(message) => {
                drop(state);
                self.fail_unlaunched(
                    &framework_id,
                    &task,
                    TaskState::Failed,
                    TaskStatusReason::ContainerLaunchFailed,
                    message,
                );
                return;
            }
        };
        if let Err(message) = crate::paths::validate_id("framework id", &framework_id.value)
            .and_then(|()| crate::paths::validate_id("executor id", &info.executor_id.value))
            .map_err(|e| e.to_string())
        {
            drop(state);
            self.fail_unlaunched(
                &framework_id,
                &task,
                TaskState::Failed,
                TaskStatusReason::TaskInvalid,
                message,
            );
            return;
        }
        let framework = state
            .frameworks
            .entry(framework_id.clone())
            .or_insert_with(|| Framework {
                info: framework_info.clone(),
                executors: BTreeMap::new(),
                completed_executors: VecDeque::new(),
            });
        framework.info = framework_info.clone();
        let record = TaskRecord {
            info: task.clone(),
            state: TaskState::Staging,
            statuses: Vec::new(),
            launched: false,
        };
        if let Some(executor) = framework.executors.get_mut(&info.executor_id)
            && executor.phase != Phase::Terminated
            && executor.phase != Phase::Terminating
        {
            if executor.phase == Phase::Running {
                let mut record = record;
                record.launched = executor.send(&ExecutorEvent::launch(task.clone()));
                executor.tasks.insert(task.task_id.clone(), record);
            } else {
                executor.tasks.insert(task.task_id.clone(), record);
            }
            return;
        }
        let container_id = uuid::Uuid::new_v4().to_string();
        let directory = self.sandbox(&agent_id, &framework_id, &info.executor_id, &container_id);
        let checkpoint = framework_info.checkpoint;
        let executor = Executor {
            info: info.clone(),
            kind,
            container_id: container_id.clone(),
            directory: directory.clone(),
            phase: Phase::Launching,
            connection: None,
            tasks: BTreeMap::from([(task.task_id.clone(), record)]),
            completed_tasks: Vec::new(),
            pid: None,
            token: uuid::Uuid::new_v4().simple().to_string(),
            checkpoint,
            termination_reason: None,
            kill_requested: false,
            pending_kills: Vec::new(),
        };
        framework
            .executors
            .insert(info.executor_id.clone(), executor);
        drop(state);
        let agent = Arc::clone(self);
        tokio::spawn(async move {
            agent
                .launch_executor(framework_id, info.executor_id.clone(), directory)
                .await;
        });
    }

    /// The executor a task runs in: its own, or one the agent generates as Mesos does.
    fn executor_for(
        &self,
        framework_id: &FrameworkId,
        task: &TaskInfo,
        group_executor: Option<ExecutorInfo>,
    ) -> Result<(ExecutorInfo, ExecutorKind), String> {
        if let Some(mut info) = group_executor.or_else(|| task.executor.clone()) {
            info.framework_id
                .get_or_insert_with(|| framework_id.clone());
            if info
                .container
                .as_ref()
                .is_some_and(|c| c.kind == ContainerType::Docker)
            {
                return Err(
                    "Executors in Docker containers are not supported by this agent; use a \
                     command task with a Docker ContainerInfo"
                        .into(),
                );
            }
            if !self.config.has(Containerizer::Mesos) {
                return Err("The 'mesos' containerizer is not enabled on this agent".into());
            }
            return Ok((info, ExecutorKind::Custom));
        }
        let docker = task
            .container
            .as_ref()
            .is_some_and(|c| c.kind == ContainerType::Docker);
        let kind = if docker {
            if !self.config.has(Containerizer::Docker) {
                return Err(
                    "The task has a Docker ContainerInfo but the 'docker' containerizer is not \
                     enabled on this agent (--containerizers)"
                        .into(),
                );
            }
            self.check_docker_policy(task)?;
            ExecutorKind::Docker
        } else {
            if !self.config.has(Containerizer::Mesos) {
                return Err("The 'mesos' containerizer is not enabled on this agent".into());
            }
            ExecutorKind::Command
        };
        let program = match kind {
            ExecutorKind::Docker => "mesos-docker-executor",
            _ => "mesos-executor",
        };
        let path = self.config.launcher_dir.join(program);
        let command_text = task
            .command
            .as_ref()
            .and_then(|c| c.value.clone())
            .unwrap_or_default();
        // A command task's executor has the task's id (`src/slave/slave.cpp`).
        let info = ExecutorInfo {
            kind: None,
            executor_id: ExecutorId::new(task.task_id.value.clone()),
            framework_id: Some(framework_id.clone()),
            command: Some(CommandInfo {
                value: Some(path.display().to_string()),
                shell: false,
                ..CommandInfo::default()
            }),
            container: task.container.clone(),
            resources: Vec::new(),
            name: Some(format!(
                "Command Executor (Task: {}) (Command: sh -c '{}')",
                task.task_id,
                command_text.chars().take(40).collect::<String>()
            )),
            source: Some(task.task_id.value.clone()),
            data: None,
            discovery: None,
            shutdown_grace_period: None,
            labels: task.labels.clone(),
        };
        Ok((info, kind))
    }

    /// `--allowed_host_paths` and `--allow_privileged` for Docker tasks.
    fn check_docker_policy(&self, task: &TaskInfo) -> Result<(), String> {
        let Some(container) = &task.container else {
            return Ok(());
        };
        let privileged = container.docker.as_ref().is_some_and(|d| {
            d.privileged
                || d.parameters
                    .iter()
                    .any(|p| p.key == "privileged" && p.value != "false")
        });
        if privileged && !self.config.allow_privileged {
            return Err(
                "The task asks for a privileged container, which this agent does not allow \
                 (--allow_privileged=false)"
                    .into(),
            );
        }
        if let Some(allowed) = &self.config.allowed_host_paths {
            for volume in &container.volumes {
                let Some(host) = &volume.host_path else {
                    continue;
                };
                let path = Path::new(host);
                if !path.is_absolute() {
                    continue; // relative host paths live in the sandbox
                }
                let normal = normalize(path);
                if !allowed.iter().any(|a| normal.starts_with(normalize(a))) {
                    return Err(format!(
                        "Host path '{host}' is not allowed on this agent (--allowed_host_paths)"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Fetches the URIs and starts the executor's process.
    async fn launch_executor(
        self: Arc<Self>,
        framework_id: FrameworkId,
        executor_id: ExecutorId,
        directory: PathBuf,
    ) {
        let prepared = {
            let state = self.lock();
            state
                .frameworks
                .get(&framework_id)
                .and_then(|f| f.executors.get(&executor_id).map(|e| (f, e)))
                .map(|(f, e)| {
                    let mut uris = Vec::new();
                    if let Some(command) = &e.info.command {
                        uris.extend(command.uris.iter().cloned());
                    }
                    for task in e.tasks.values() {
                        if let Some(command) = &task.info.command {
                            uris.extend(command.uris.iter().cloned());
                        }
                    }
                    (
                        f.info.clone(),
                        e.info.clone(),
                        e.kind,
                        e.token.clone(),
                        e.container_id.clone(),
                        uris,
                        e.checkpoint,
                    )
                })
        };
        let Some((framework_info, info, kind, token, container_id, uris, checkpoint)) = prepared
        else {
            return;
        };
        if let Err(e) = std::fs::create_dir_all(&directory) {
            self.executor_failed_to_start(
                &framework_id,
                &executor_id,
                format!("Failed to create the sandbox {}: {e}", directory.display()),
            );
            return;
        }
        if let Some(parent) = directory.parent()
            && let Err(e) =
                crate::paths::update_symlink(Path::new(&container_id), &parent.join("latest"))
        {
            warn!(error = %e, "cannot point runs/latest at the new run");
        }
        self.attach_sandbox(&framework_id, &executor_id, &directory);
        let user = info
            .command
            .as_ref()
            .and_then(|c| c.user.clone())
            .or_else(|| Some(framework_info.user.clone()));
        if let Err(e) =
            crate::fetcher::fetch(&uris, &directory, &self.fetch_cache, user.as_deref()).await
        {
            self.executor_failed_to_start(
                &framework_id,
                &executor_id,
                format!("Failed to fetch URIs for container '{container_id}': {e}"),
            );
            return;
        }
        let agent_id = self.lock().agent_id.clone().unwrap_or_default();
        if checkpoint {
            self.checkpoint_executor(&agent_id, &framework_info, &info, &container_id);
        }
        let spawned = crate::launcher::spawn(
            &self.config,
            crate::launcher::Launch {
                kind,
                framework: &framework_info,
                executor: &info,
                agent_id: &agent_id,
                container_id: &container_id,
                directory: &directory,
                token: &token,
                checkpoint,
            },
        );
        match spawned {
            Ok(mut child) => {
                let pid = child.id();
                {
                    let mut state = self.lock();
                    if let Some(executor) = state
                        .frameworks
                        .get_mut(&framework_id)
                        .and_then(|f| f.executors.get_mut(&executor_id))
                    {
                        executor.pid = pid;
                        if executor.phase == Phase::Launching {
                            executor.phase = Phase::Registering;
                        }
                    }
                }
                if checkpoint && let Some(pid) = pid {
                    let meta = self.meta_run(&agent_id, &framework_id, &executor_id, &container_id);
                    let _ = crate::paths::checkpoint(
                        &meta.join("pids").join("forked.pid"),
                        pid.to_string().as_bytes(),
                    );
                }
                info!(framework = %framework_id, executor = %executor_id, ?pid, "executor started");
                let agent = Arc::clone(&self);
                let (fw, ex) = (framework_id.clone(), executor_id.clone());
                tokio::spawn(async move {
                    let status = child.wait().await.ok().map(|s| {
                        use std::os::unix::process::ExitStatusExt as _;
                        s.into_raw()
                    });
                    agent.executor_exited(&fw, &ex, status);
                });
                self.registration_timer(framework_id, executor_id, container_id);
            }
            Err(message) => self.executor_failed_to_start(&framework_id, &executor_id, message),
        }
    }

    fn checkpoint_executor(
        &self,
        agent_id: &AgentId,
        framework: &FrameworkInfo,
        executor: &ExecutorInfo,
        container_id: &str,
    ) {
        let Some(framework_id) = &framework.id else {
            return;
        };
        let meta = self.meta_run(agent_id, framework_id, &executor.executor_id, container_id);
        let Some(executor_dir) = meta.parent().and_then(Path::parent) else {
            return;
        };
        let Some(framework_dir) = executor_dir.parent().and_then(Path::parent) else {
            return;
        };
        let writes = [
            (
                framework_dir.join("framework.info"),
                serde_json::to_vec(framework),
            ),
            (
                executor_dir.join("executor.info"),
                serde_json::to_vec(executor),
            ),
        ];
        for (path, bytes) in writes {
            match bytes {
                Ok(bytes) => {
                    if let Err(e) = crate::paths::checkpoint(&path, &bytes) {
                        warn!(path = %path.display(), error = %e, "cannot checkpoint");
                    }
                }
                Err(e) => warn!(error = %e, "cannot serialise a checkpoint"),
            }
        }
        let _ = std::fs::create_dir_all(&meta);
        if let Err(e) = crate::paths::update_symlink(
            Path::new(container_id),
            &executor_dir.join("runs").join("latest"),
        ) {
            warn!(error = %e, "cannot checkpoint the latest run");
        }
        let state = self.lock();
        if let Some(executor) = state
            .frameworks
            .get(framework_id)
            .and_then(|f| f.executors.get(&executor.executor_id))
        {
            for task in executor.tasks.values() {
                self.checkpoint_task(&meta, &task.info);
            }
        }
    }

    fn checkpoint_task(&self, meta_run: &Path, task: &TaskInfo) {
        let path = meta_run
            .join("tasks")
            .join(&task.task_id.value)
            .join("task.info");
        match serde_json::to_vec(task) {
            Ok(bytes) => {
                if let Err(e) = crate::paths::checkpoint(&path, &bytes) {
                    warn!(path = %path.display(), error = %e, "cannot checkpoint a task");
                }
            }
            Err(e) => warn!(error = %e, "cannot serialise a task"),
        }
    }

    /// Kills an executor that does not subscribe within `--executor_registration_timeout`.
    fn registration_timer(
        self: &Arc<Self>,
        framework_id: FrameworkId,
        executor_id: ExecutorId,
        container_id: String,
    ) {
        let agent = Arc::clone(self);
        let timeout = self.config.executor_registration_timeout;
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            let mut state = agent.lock();
            let Some(executor) = state
                .frameworks
                .get_mut(&framework_id)
                .and_then(|f| f.executors.get_mut(&executor_id))
            else {
                return;
            };
            if executor.container_id != container_id || executor.phase != Phase::Registering {
                return;
            }
            warn!(executor = %executor_id, ?timeout, "executor did not subscribe in time: killing it");
            executor.termination_reason = Some((
                TaskStatusReason::ExecutorRegistrationTimeout,
                format!(
                    "Executor did not register within {}",
                    mesos_api::duration::Duration::try_from(timeout)
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                ),
            ));
            executor.phase = Phase::Terminating;
            kill_process(executor.pid);
        });
    }

    fn executor_failed_to_start(
        &self,
        framework_id: &FrameworkId,
        executor_id: &ExecutorId,
        message: String,
    ) {
        warn!(executor = %executor_id, %message, "executor could not start");
        let tasks: Vec<TaskId> = {
            let mut state = self.lock();
            self.count(&mut state, "slave/container_launch_errors");
            let Some(executor) = state
                .frameworks
                .get_mut(framework_id)
                .and_then(|f| f.executors.get_mut(executor_id))
            else {
                return;
            };
            executor.termination_reason =
                Some((TaskStatusReason::ContainerLaunchFailed, message.clone()));
            executor.tasks.keys().cloned().collect()
        };
        // The sandbox keeps the reason too, where users look first.
        let directory = self
            .lock()
            .frameworks
            .get(framework_id)
            .and_then(|f| f.executors.get(executor_id))
            .map(|e| e.directory.clone());
        if let Some(directory) = directory {
            use std::io::Write as _;
            if let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(directory.join("stderr"))
            {
                let _ = writeln!(file, "{message}");
            }
        }
        for task in tasks {
            self.agent_update(
                framework_id,
                executor_id,
                &task,
                TaskState::Failed,
                TaskStatusReason::ContainerLaunchFailed,
                message.clone(),
            );
        }
        self.finish_executor(framework_id, executor_id, None);
    }

    /// A task that never got an executor fails (or is dropped) with a reason.
    fn fail_unlaunched(
        &self,
        framework_id: &FrameworkId,
        task: &TaskInfo,
        state_: TaskState,
        reason: TaskStatusReason,
        message: String,
    ) {
        warn!(task = %task.task_id, %message, "task cannot be launched");
        let status = TaskStatus {
            message: Some(message),
            reason: Some(reason),
            ..TaskStatus::new(task.task_id.clone(), state_)
        };
        self.queue_agent_status(framework_id, None, status, false);
    }

    /// A status generated by the agent for a task of an executor.
    fn agent_update(
        &self,
        framework_id: &FrameworkId,
        executor_id: &ExecutorId,
        task_id: &TaskId,
        task_state: TaskState,
        reason: TaskStatusReason,
        message: String,
    ) {
        let status = TaskStatus {
            message: Some(message),
            reason: Some(reason),
            executor_id: Some(executor_id.clone()),
            ..TaskStatus::new(task_id.clone(), task_state)
        };
        let checkpoint = {
            let mut state = self.lock();
            let Some(executor) = state
                .frameworks
                .get_mut(framework_id)
                .and_then(|f| f.executors.get_mut(executor_id))
            else {
                return;
            };
            if let Some(task) = executor.tasks.get_mut(task_id) {
                if task.state.is_terminal() {
                    return;
                }
                task.state = task_state;
            }
            executor.checkpoint
        };
        self.queue_agent_status(framework_id, Some(executor_id), status, checkpoint);
    }

    fn queue_agent_status(
        &self,
        framework_id: &FrameworkId,
        executor_id: Option<&ExecutorId>,
        mut status: TaskStatus,
        checkpoint: bool,
    ) {
        status.uuid = Some(mesos_api::json::Bytes(
            uuid::Uuid::new_v4().as_bytes().to_vec(),
        ));
        status.source = Some(TaskStatusSource::Agent);
        status.timestamp = Some(now());
        let mut state = self.lock();
        status.agent_id = state.agent_id.clone();
        let path = match (checkpoint, executor_id, state.agent_id.clone()) {
            (true, Some(executor_id), Some(agent_id)) => state
                .frameworks
                .get(framework_id)
                .and_then(|f| f.executors.get(executor_id))
                .map(|e| {
                    self.meta_run(&agent_id, framework_id, executor_id, &e.container_id)
                        .join("tasks")
                        .join(&status.task_id.value)
                        .join("task.updates")
                }),
            _ => None,
        };
        if let Some(executor) = executor_id.and_then(|e| {
            state
                .frameworks
                .get_mut(framework_id)
                .and_then(|f| f.executors.get_mut(e))
        }) {
            if let Some(task) = executor.tasks.get_mut(&status.task_id) {
                task.statuses.push(status.clone());
            }
        }
        if let Err(e) = state.updates.update(framework_id, status, path.as_deref()) {
            warn!(error = %e, "cannot queue a status update");
        }
        drop(state);
        self.updates_ready.notify_one();
    }

    /// KILL_TASK.
    pub fn kill_task(
        self: &Arc<Self>,
        framework_id: &FrameworkId,
        task_id: &TaskId,
        kill_policy: Option<KillPolicy>,
    ) {
        let mut state = self.lock();
        let found = state.frameworks.get_mut(framework_id).and_then(|f| {
            f.executors
                .iter_mut()
                .find(|(_, e)| e.tasks.contains_key(task_id))
                .map(|(id, e)| (id.clone(), e))
        });
        let Some((executor_id, executor)) = found else {
            drop(state);
            // Unknown to this agent: Mesos answers TASK_LOST (or DROPPED).
            let status = TaskStatus {
                message: Some("Cannot find the task on this agent".into()),
                reason: Some(TaskStatusReason::TaskUnknown),
                ..TaskStatus::new(task_id.clone(), TaskState::Lost)
            };
            self.queue_agent_status(framework_id, None, status, false);
            return;
        };
        executor.kill_requested = true;
        let launched = executor.tasks.get(task_id).is_some_and(|t| t.launched);
        if launched && executor.send(&ExecutorEvent::kill(task_id.clone(), kill_policy.clone())) {
            return;
        }
        if !launched {
            // Killed before the executor got it.
            let only_task = executor.tasks.len() == 1;
            if only_task {
                executor.phase = Phase::Terminating;
                executor.termination_reason = Some((
                    TaskStatusReason::TaskKilledDuringLaunch,
                    "Task killed before it was launched".into(),
                ));
                kill_process(executor.pid);
            }
            drop(state);
            self.agent_update(
                framework_id,
                &executor_id,
                task_id,
                TaskState::Killed,
                TaskStatusReason::TaskKilledDuringLaunch,
                "Task killed before it was launched".into(),
            );
            return;
        }
        if executor.phase == Phase::Registering {
            // A recovered executor that has not re-subscribed yet gets the kill when it does.
            executor.pending_kills.push((task_id.clone(), kill_policy));
            return;
        }
        // Launched but the executor is not connected: stop it; its tasks end as killed.
        executor.phase = Phase::Terminating;
        kill_process(executor.pid);
    }

    /// SHUTDOWN_FRAMEWORK: every executor of the framework is shut down.
    pub fn shutdown_framework(self: &Arc<Self>, framework_id: &FrameworkId) {
        let executors: Vec<ExecutorId> = self
            .lock()
            .frameworks
            .get(framework_id)
            .map(|f| f.executors.keys().cloned().collect())
            .unwrap_or_default();
        for executor in executors {
            self.shutdown_executor(framework_id, &executor);
        }
    }

    /// SHUTDOWN_EXECUTOR: SHUTDOWN to the executor, then a kill after the grace period.
    pub fn shutdown_executor(
        self: &Arc<Self>,
        framework_id: &FrameworkId,
        executor_id: &ExecutorId,
    ) {
        let mut state = self.lock();
        let Some(executor) = state
            .frameworks
            .get_mut(framework_id)
            .and_then(|f| f.executors.get_mut(executor_id))
        else {
            return;
        };
        if executor.phase == Phase::Terminated {
            return;
        }
        executor.kill_requested = true;
        executor.phase = Phase::Terminating;
        executor.termination_reason.get_or_insert((
            TaskStatusReason::ExecutorTerminated,
            "Executor was shut down".into(),
        ));
        if !executor.send(&ExecutorEvent::shutdown()) {
            kill_process(executor.pid);
            return;
        }
        let grace = executor
            .info
            .shutdown_grace_period
            .map_or(self.config.executor_shutdown_grace_period, |g| g.to_std());
        let (pid, container) = (executor.pid, executor.container_id.clone());
        drop(state);
        let agent = Arc::clone(self);
        let (fw, ex) = (framework_id.clone(), executor_id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            let alive = agent
                .lock()
                .frameworks
                .get(&fw)
                .and_then(|f| f.executors.get(&ex))
                .is_some_and(|e| e.container_id == container && e.phase != Phase::Terminated);
            if alive {
                warn!(executor = %ex, "executor did not stop within its grace period: killing it");
                kill_process(pid);
            }
        });
    }

    /// ACKNOWLEDGE from the master.
    pub fn acknowledge(
        &self,
        framework_id: &FrameworkId,
        task_id: &TaskId,
        uuid: &mesos_api::json::Bytes,
    ) {
        let mut state = self.lock();
        match state.updates.acknowledge(framework_id, task_id, uuid) {
            Ok(Acked::Head { terminal }) => {
                if terminal {
                    complete_task(&mut state, framework_id, task_id);
                }
            }
            Ok(Acked::Ignored) => debug!(task = %task_id, "acknowledgement of no pending update"),
            Err(e) => warn!(error = %e, "cannot checkpoint an acknowledgement"),
        }
        drop(state);
        self.updates_ready.notify_one();
    }

    /// FRAMEWORK_MESSAGE for an executor.
    pub fn framework_message(
        &self,
        framework_id: &FrameworkId,
        executor_id: &ExecutorId,
        data: mesos_api::json::Bytes,
    ) {
        let state = self.lock();
        if let Some(executor) = state
            .frameworks
            .get(framework_id)
            .and_then(|f| f.executors.get(executor_id))
        {
            executor.send(&ExecutorEvent::message(data));
        }
    }

    /// UPDATE_FRAMEWORK.
    pub fn update_framework(&self, info: FrameworkInfo) {
        let Some(id) = info.id.clone() else { return };
        if let Some(framework) = self.lock().frameworks.get_mut(&id) {
            framework.info = info;
        }
    }

    // -----------------------------------------------------------------------------------------
    // From executors (`/api/v1/executor`)
    // -----------------------------------------------------------------------------------------

    /// SUBSCRIBE: the executor's event stream.
    pub fn executor_subscribe(
        self: &Arc<Self>,
        call: exec::Call,
        token: Option<&str>,
    ) -> Result<mpsc::Receiver<Bytes>, CallError> {
        let subscribe = call.subscribe.unwrap_or_default();
        let mut state = self.lock();
        let agent_info = self.agent_info(&state);
        state.next_connection += 1;
        let connection_id = state.next_connection;
        let framework = state
            .frameworks
            .get_mut(&call.framework_id)
            .ok_or_else(|| {
                CallError::new(400, format!("Framework {} not found", call.framework_id))
            })?;
        let framework_info = framework.info.clone();
        let executor = framework
            .executors
            .get_mut(&call.executor_id)
            .ok_or_else(|| {
                CallError::new(
                    400,
                    format!(
                        "Executor {} of framework {} not found",
                        call.executor_id, call.framework_id
                    ),
                )
            })?;
        self.check_token(executor, token)?;
        if executor.phase == Phase::Terminated {
            return Err(CallError::new(400, "The executor has terminated"));
        }
        let (tx, rx) = mpsc::channel(EXECUTOR_QUEUE);
        let subscribed = ExecutorEvent::subscribed(exec::Subscribed {
            executor_info: executor.info.clone(),
            framework_info,
            agent_info,
            container_id: Some(ContainerId::new(executor.container_id.clone())),
        });
        let _ = tx.try_send(frame(&subscribed));
        if executor.phase != Phase::Terminating {
            executor.phase = Phase::Running;
        }
        // A re-subscribing executor lists what it has not seen acknowledged; tasks it does not
        // know that never got an update are lost in flight (Mesos: TASK_DROPPED / TASK_LOST).
        let listed: Vec<TaskId> = subscribe
            .unacknowledged_tasks
            .iter()
            .map(|t| t.task_id.clone())
            .collect();
        let resubscribe =
            executor.connection.is_some() || executor.tasks.values().any(|t| t.launched);
        let mut lost = Vec::new();
        for (id, task) in executor.tasks.iter_mut() {
            if !task.launched {
                task.launched = tx
                    .try_send(frame(&ExecutorEvent::launch(task.info.clone())))
                    .is_ok();
            } else if resubscribe && task.state == TaskState::Staging && !listed.contains(id) {
                lost.push(id.clone());
            }
        }
        for (task_id, kill_policy) in executor.pending_kills.drain(..) {
            let _ = tx.try_send(frame(&ExecutorEvent::kill(task_id, kill_policy)));
        }
        if executor.phase == Phase::Terminating {
            let _ = tx.try_send(frame(&ExecutorEvent::shutdown()));
        }
        executor.connection = Some((connection_id, tx.clone()));
        let checkpoint = executor.checkpoint;
        let (framework_id, executor_id) = (call.framework_id.clone(), call.executor_id.clone());
        drop(state);
        for update in subscribe.unacknowledged_updates {
            let _ = self.take_update(&framework_id, &executor_id, update.status, checkpoint, None);
        }
        for task in lost {
            self.agent_update(
                &framework_id,
                &executor_id,
                &task,
                TaskState::Lost,
                TaskStatusReason::ExecutorReregistrationTimeout,
                "Task was launched but the executor does not know it".into(),
            );
        }
        info!(framework = %framework_id, executor = %executor_id, "executor subscribed");
        let agent = Arc::clone(self);
        tokio::spawn(async move {
            tx.closed().await;
            agent.executor_stream_closed(&framework_id, &executor_id, connection_id);
        });
        Ok(rx)
    }

    fn check_token(&self, executor: &Executor, token: Option<&str>) -> Result<(), CallError> {
        if self.config.authenticate_executors && token != Some(executor.token.as_str()) {
            return Err(CallError::new(
                401,
                "Executor authentication failed: missing or wrong bearer token",
            ));
        }
        Ok(())
    }

    fn executor_stream_closed(
        &self,
        framework_id: &FrameworkId,
        executor_id: &ExecutorId,
        connection_id: u64,
    ) {
        let mut state = self.lock();
        if let Some(executor) = state
            .frameworks
            .get_mut(framework_id)
            .and_then(|f| f.executors.get_mut(executor_id))
            && executor
                .connection
                .as_ref()
                .is_some_and(|(id, _)| *id == connection_id)
        {
            debug!(executor = %executor_id, "executor's subscription closed");
            executor.connection = None;
        }
    }

    /// UPDATE, MESSAGE and HEARTBEAT from an executor.
    pub fn executor_call(&self, call: exec::Call, token: Option<&str>) -> Result<(), CallError> {
        {
            let state = self.lock();
            let executor = state
                .frameworks
                .get(&call.framework_id)
                .and_then(|f| f.executors.get(&call.executor_id))
                .ok_or_else(|| {
                    CallError::new(
                        400,
                        format!(
                            "Executor {} of framework {} not found",
                            call.executor_id, call.framework_id
                        ),
                    )
                })?;
            self.check_token(executor, token)?;
            if executor.connection.is_none() {
                return Err(CallError::new(403, "Executor is not subscribed"));
            }
        }
        match call.kind {
            Some(exec::CallType::Heartbeat) => Ok(()),
            Some(exec::CallType::Message) => {
                let message = call
                    .message
                    .ok_or_else(|| CallError::new(400, "Expecting 'message' to be present"))?;
                let call = AgentCall {
                    executor_message: Some(ExecutorMessage {
                        framework_id: call.framework_id,
                        executor_id: call.executor_id,
                        data: message.data,
                    }),
                    ..AgentCall::new(AgentCallType::ExecutorMessage, None)
                };
                crate::master_link::send_soon(self, call);
                Ok(())
            }
            Some(exec::CallType::Update) => {
                let update = call
                    .update
                    .ok_or_else(|| CallError::new(400, "Expecting 'update' to be present"))?;
                let status = update.status;
                if status.uuid.as_ref().is_none_or(|u| u.len() != 16) {
                    return Err(CallError::new(
                        400,
                        "'status.uuid' must be a valid UUID (16 bytes)",
                    ));
                }
                if status.source != Some(TaskStatusSource::Executor) {
                    return Err(CallError::new(
                        400,
                        "Received wrong 'source' for status update: expecting SOURCE_EXECUTOR",
                    ));
                }
                if status.state == TaskState::Staging {
                    return Err(CallError::new(400, "Received TASK_STAGING from executor"));
                }
                if status
                    .executor_id
                    .as_ref()
                    .is_some_and(|e| *e != call.executor_id)
                {
                    return Err(CallError::new(
                        400,
                        "'status.executor_id' does not match the calling executor",
                    ));
                }
                let checkpoint = self
                    .lock()
                    .frameworks
                    .get(&call.framework_id)
                    .and_then(|f| f.executors.get(&call.executor_id))
                    .is_some_and(|e| e.checkpoint);
                self.take_update(
                    &call.framework_id,
                    &call.executor_id,
                    status,
                    checkpoint,
                    Some(()),
                )
            }
            Some(exec::CallType::Subscribe) => {
                Err(CallError::new(400, "SUBSCRIBE is handled separately"))
            }
            _ => Err(CallError::new(400, "Expecting 'type' to be a known call")),
        }
    }

    /// Takes an executor's update: recorded, checkpointed, queued for the master and acknowledged
    /// to the executor (`ack` Some) once safe.
    fn take_update(
        &self,
        framework_id: &FrameworkId,
        executor_id: &ExecutorId,
        mut status: TaskStatus,
        checkpoint: bool,
        ack: Option<()>,
    ) -> Result<(), CallError> {
        let mut state = self.lock();
        status.agent_id = state.agent_id.clone();
        status
            .executor_id
            .get_or_insert_with(|| executor_id.clone());
        let path = match (checkpoint, state.agent_id.clone()) {
            (true, Some(agent_id)) => state
                .frameworks
                .get(framework_id)
                .and_then(|f| f.executors.get(executor_id))
                .map(|e| {
                    self.meta_run(&agent_id, framework_id, executor_id, &e.container_id)
                        .join("tasks")
                        .join(&status.task_id.value)
                        .join("task.updates")
                }),
            _ => None,
        };
        let task_id = status.task_id.clone();
        let uuid = status.uuid.clone().unwrap_or_default();
        let new_state = status.state;
        let received = match state
            .updates
            .update(framework_id, status.clone(), path.as_deref())
        {
            Ok(received) => received,
            Err(UpdateError::NoUuid) => {
                return Err(CallError::new(
                    400,
                    "'status.uuid' must be a valid UUID (16 bytes)",
                ));
            }
            Err(e) => {
                self.count(&mut state, "slave/invalid_status_updates");
                return Err(CallError::new(
                    503,
                    format!("The agent cannot checkpoint the update: {e}"),
                ));
            }
        };
        self.count(&mut state, "slave/valid_status_updates");
        if let Some(executor) = state
            .frameworks
            .get_mut(framework_id)
            .and_then(|f| f.executors.get_mut(executor_id))
        {
            if received == Received::Queued
                && let Some(task) = executor.tasks.get_mut(&task_id)
            {
                task.state = new_state;
                task.statuses.push(status);
            }
            if ack.is_some() {
                executor.send(&ExecutorEvent::acknowledged(task_id, uuid));
            }
        }
        drop(state);
        self.updates_ready.notify_one();
        Ok(())
    }

    /// The executor's process ended.
    pub fn executor_exited(
        &self,
        framework_id: &FrameworkId,
        executor_id: &ExecutorId,
        wait_status: Option<i32>,
    ) {
        let (tasks, reason) = {
            let state = self.lock();
            let Some(executor) = state
                .frameworks
                .get(framework_id)
                .and_then(|f| f.executors.get(executor_id))
            else {
                return;
            };
            let open: Vec<TaskId> = executor
                .tasks
                .values()
                .filter(|t| {
                    !t.state.is_terminal()
                        && !state
                            .updates
                            .latest_state(framework_id, &t.info.task_id)
                            .is_some_and(TaskState::is_terminal)
                })
                .map(|t| t.info.task_id.clone())
                .collect();
            let reason = executor.termination_reason.clone();
            (open, reason)
        };
        info!(framework = %framework_id, executor = %executor_id, ?wait_status, "executor exited");
        let describe = describe_wait_status(wait_status);
        for task in tasks {
            let (task_state, reason, message) = match &reason {
                Some((TaskStatusReason::TaskKilledDuringLaunch, message)) => (
                    TaskState::Killed,
                    TaskStatusReason::TaskKilledDuringLaunch,
                    message.clone(),
                ),
                Some((reason, message)) => (TaskState::Failed, *reason, message.clone()),
                None => {
                    let killed = self
                        .lock()
                        .frameworks
                        .get(framework_id)
                        .and_then(|f| f.executors.get(executor_id))
                        .is_some_and(|e| e.kill_requested);
                    let state = if killed {
                        TaskState::Killed
                    } else {
                        TaskState::Failed
                    };
                    (
                        state,
                        TaskStatusReason::ExecutorTerminated,
                        format!("Executor terminated ({describe}) before the task ended"),
                    )
                }
            };
            self.agent_update(
                framework_id,
                executor_id,
                &task,
                task_state,
                reason,
                message,
            );
        }
        let call = AgentCall {
            executor_exited: Some(ExecutorExited {
                framework_id: framework_id.clone(),
                executor_id: executor_id.clone(),
                status: wait_status,
            }),
            ..AgentCall::new(AgentCallType::ExecutorExited, None)
        };
        self.finish_executor(framework_id, executor_id, Some(call));
    }

    fn finish_executor(
        &self,
        framework_id: &FrameworkId,
        executor_id: &ExecutorId,
        call: Option<AgentCall>,
    ) {
        {
            let mut state = self.lock();
            let Some(framework) = state.frameworks.get_mut(framework_id) else {
                return;
            };
            if let Some(mut executor) = framework.executors.remove(executor_id) {
                executor.phase = Phase::Terminated;
                executor.connection = None;
                let removal = self
                    .gc
                    .schedule(self.config.gc_delay, executor.directory.clone());
                let files = Arc::clone(&self.files);
                let virtual_path =
                    format!("/frameworks/{framework_id}/executors/{executor_id}/runs/latest");
                let real = executor.directory.display().to_string();
                tokio::spawn(async move {
                    if let Ok(Ok(())) = removal.await {
                        files.detach(&real);
                        files.detach(&virtual_path);
                    }
                });
                framework.completed_executors.push_back(executor);
                while framework.completed_executors.len() > MAX_COMPLETED_EXECUTORS {
                    framework.completed_executors.pop_front();
                }
            }
            if framework.executors.is_empty()
                && let Some(framework) = state.frameworks.remove(framework_id)
            {
                state.completed_frameworks.push_back(framework);
                while state.completed_frameworks.len() > MAX_COMPLETED_FRAMEWORKS {
                    state.completed_frameworks.pop_front();
                }
            }
        }
        if let Some(call) = call {
            crate::master_link::send_soon(self, call);
        }
    }

    /// What the agent runs, for REREGISTER.
    pub fn reregistration(
        &self,
        state: &State,
    ) -> (Vec<FrameworkInfo>, Vec<ExecutorInfo>, Vec<AgentTask>) {
        let mut frameworks = Vec::new();
        let mut executors = Vec::new();
        let mut tasks = Vec::new();
        for (framework_id, framework) in &state.frameworks {
            frameworks.push(framework.info.clone());
            for executor in framework.executors.values() {
                executors.push(executor.info.clone());
                for task in executor.tasks.values() {
                    let latest = state
                        .updates
                        .latest_state(framework_id, &task.info.task_id)
                        .unwrap_or(task.state);
                    tasks.push(AgentTask {
                        framework_id: framework_id.clone(),
                        task: task.info.clone(),
                        state: latest,
                        statuses: task.statuses.clone(),
                        unacknowledged_uuid: None,
                    });
                }
            }
        }
        (frameworks, executors, tasks)
    }
}

/// Moves a task whose terminal update was acknowledged to its executor's completed tasks.
fn complete_task(state: &mut State, framework_id: &FrameworkId, task_id: &TaskId) {
    let frameworks = state
        .frameworks
        .values_mut()
        .chain(state.completed_frameworks.iter_mut());
    for framework in frameworks {
        if framework.info.id.as_ref() != Some(framework_id) {
            continue;
        }
        let executors = framework
            .executors
            .values_mut()
            .chain(framework.completed_executors.iter_mut());
        for executor in executors {
            if let Some(task) = executor.tasks.remove(task_id) {
                executor.completed_tasks.push(task);
                return;
            }
        }
    }
}

/// `"exited with status N"` / `"terminated by signal X"`.
fn describe_wait_status(status: Option<i32>) -> String {
    match status {
        None => "unknown status".into(),
        Some(raw) if libc::WIFEXITED(raw) => {
            format!("exited with status {}", libc::WEXITSTATUS(raw))
        }
        Some(raw) if libc::WIFSIGNALED(raw) => {
            format!("terminated by signal {}", libc::WTERMSIG(raw))
        }
        Some(raw) => format!("wait status {raw}"),
    }
}

/// SIGKILL to the executor's process group (it leads one).
pub fn kill_process(pid: Option<u32>) {
    let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()).filter(|p| *p > 1) else {
        return;
    };
    // SAFETY: killpg only sends a signal; the pid is a process this agent started.
    unsafe {
        libc::killpg(pid, libc::SIGKILL);
    }
}

/// A path with `.` and `..` resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

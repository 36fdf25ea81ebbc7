//! `mesos-docker-executor`: one task, run as a Docker container.
//!
//! The task goes TASK_STARTING → (image pulled if needed, container created and started) →
//! TASK_RUNNING, with the `docker inspect` JSON in `data` and the container's IP in
//! `container_status` → TASK_FINISHED, TASK_FAILED or TASK_KILLED. The container's output is
//! streamed into the sandbox's `stdout` and `stderr` files; the container is removed when the
//! task ends, and when the executor itself is asked to stop.

pub mod plan;

use std::path::PathBuf;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use futures::StreamExt as _;
use mesos_api::client::executor::{ExecutorDriver, ExecutorEvent, ShutdownReason};
use mesos_api::json::Bytes;
use mesos_api::v1::{
    ContainerStatus, FrameworkCapabilityType, FrameworkInfo, IpAddress, IpProtocol, NetworkInfo,
    TaskId, TaskInfo, TaskState, TaskStatus, TaskStatusReason,
};
use tokio::io::AsyncWriteExt as _;
use tokio::sync::mpsc;
use tracing::{error, info, warn};

use crate::{grace_period, signal_name, status};
use plan::{ContainerPlan, PlanContext};

/// How long the executor waits for the acknowledgement of its last update before exiting
/// (Apache Mesos's Docker executor waits 60 seconds).
pub const FINAL_ACK_TIMEOUT: Duration = Duration::from_secs(60);

/// Time reserved, out of the shutdown grace period, for reporting and exiting after a SHUTDOWN.
const SHUTDOWN_MARGIN: Duration = Duration::from_secs(1);

/// The executor's settings: its flags and environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub plan: PlanContext,
    /// The Docker daemon's socket.
    pub docker_socket: String,
    /// `--stop_timeout`: a floor for the kill grace period.
    pub stop_timeout: Duration,
    /// `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`.
    pub shutdown_grace_period: Duration,
}

/// Connects to the Docker daemon at `socket`, negotiating the API version.
pub async fn connect(socket: &str) -> Result<Docker, bollard::errors::Error> {
    let path = socket.strip_prefix("unix://").unwrap_or(socket);
    Docker::connect_with_unix(path, 120, bollard::API_DEFAULT_VERSION)?
        .negotiate_version()
        .await
}

/// What the task controller is told to do.
#[derive(Debug)]
enum Control {
    /// Stop the container with this grace period.
    Kill { grace: Duration, shutdown: bool },
}

/// Runs the executor until its task has ended (or it was told to shut down) and the last update
/// was acknowledged. Returns whether it ended cleanly.
pub async fn run(
    driver: ExecutorDriver,
    mut events: mpsc::Receiver<ExecutorEvent>,
    settings: Settings,
) -> bool {
    let docker = match connect(&settings.docker_socket).await {
        Ok(docker) => docker,
        Err(e) => {
            error!(socket = %settings.docker_socket, error = %e, "cannot reach the Docker daemon");
            return fail_everything(
                driver,
                events,
                format!("Cannot reach the Docker daemon: {e}"),
            )
            .await;
        }
    };
    let mut framework: Option<FrameworkInfo> = None;
    let mut current: Option<(TaskId, mpsc::Sender<Control>)> = None;
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let mut shutting_down = false;
    let mut signals = Signals::new();

    let mut events_open = true;
    loop {
        tokio::select! {
            event = events.recv(), if events_open => {
                let Some(event) = event else {
                    // The driver stopped (it sent a SHUTDOWN first if it gave up on the agent):
                    // the task must not outlive the executor.
                    events_open = false;
                    match &current {
                        Some((_, control)) if !shutting_down => {
                            shutting_down = true;
                            let _ = control.send(Control::Kill { grace: Duration::ZERO, shutdown: true }).await;
                        }
                        Some(_) => {}
                        None => break,
                    }
                    continue;
                };
                match event {
                    ExecutorEvent::Subscribed(subscribed) => {
                        framework = Some(subscribed.framework_info);
                    }
                    ExecutorEvent::Launch(task) => {
                        if current.is_some() || shutting_down {
                            let message = "Attempted to run multiple tasks using a \"docker\" executor";
                            send(&driver, status(&task.task_id, TaskState::Failed, Some(message.into()), None)).await;
                            continue;
                        }
                        let (control_tx, control_rx) = mpsc::channel(4);
                        current = Some((task.task_id.clone(), control_tx));
                        let killing_state = framework
                            .as_ref()
                            .is_some_and(|f| f.has_capability(FrameworkCapabilityType::TaskKillingState));
                        let runner = TaskRunner {
                            docker: docker.clone(),
                            driver: driver.clone(),
                            settings: settings.clone(),
                            killing_state,
                        };
                        let done = done_tx.clone();
                        tokio::spawn(async move {
                            runner.run(*task, control_rx).await;
                            let _ = done.send(()).await;
                        });
                    }
                    ExecutorEvent::LaunchGroup(group) => {
                        for task in &group.tasks {
                            let message = "LAUNCH_GROUP is not supported by the Docker executor";
                            send(&driver, status(&task.task_id, TaskState::Failed, Some(message.into()), Some(TaskStatusReason::TaskGroupInvalid))).await;
                        }
                    }
                    ExecutorEvent::InvalidLaunch { task_id, message } => {
                        send(&driver, status(&task_id, TaskState::Failed, Some(message), Some(TaskStatusReason::TaskInvalid))).await;
                        if current.is_none() {
                            break;
                        }
                    }
                    ExecutorEvent::Kill { task_id, kill_policy } => match &current {
                        Some((id, control)) if *id == task_id => {
                            let grace = grace_period(kill_policy.as_ref(), None, settings.shutdown_grace_period);
                            let _ = control.send(Control::Kill { grace: grace.max(settings.stop_timeout), shutdown: false }).await;
                        }
                        _ => warn!(task = %task_id, "KILL for a task this executor does not run"),
                    },
                    ExecutorEvent::Shutdown(reason) => {
                        info!(?reason, "shutting down");
                        shutting_down = true;
                        match &current {
                            Some((_, control)) => {
                                let grace = shutdown_grace(&reason, settings.shutdown_grace_period);
                                let _ = control.send(Control::Kill { grace, shutdown: true }).await;
                            }
                            None => break,
                        }
                    }
                    ExecutorEvent::Message(data) => info!(bytes = data.len(), "framework message (ignored)"),
                    ExecutorEvent::Error(message) => warn!(%message, "the agent reported an error"),
                }
            }
            Some(()) = done_rx.recv() => break,
            signal = signals.next() => {
                info!(signal, "received a signal: shutting down");
                shutting_down = true;
                match &current {
                    Some((_, control)) => {
                        let grace = settings.shutdown_grace_period.saturating_sub(SHUTDOWN_MARGIN);
                        let _ = control.send(Control::Kill { grace, shutdown: true }).await;
                    }
                    None => break,
                }
            }
        }
    }
    let acknowledged = driver.wait_acknowledged(FINAL_ACK_TIMEOUT).await;
    if !acknowledged {
        warn!("exiting with unacknowledged status updates");
    }
    driver.stop();
    acknowledged
}

/// The grace period for a SHUTDOWN: Mesos leaves a little of the agent's grace period for the
/// executor to report and exit; a lost agent gets no grace at all.
fn shutdown_grace(reason: &ShutdownReason, grace: Duration) -> Duration {
    match reason {
        ShutdownReason::Requested => grace.saturating_sub(SHUTDOWN_MARGIN),
        ShutdownReason::Disconnected(_) | ShutdownReason::RecoveryTimeout => Duration::ZERO,
    }
}

/// Without a Docker daemon nothing can run: every task launched fails until the agent gives up.
async fn fail_everything(
    driver: ExecutorDriver,
    mut events: mpsc::Receiver<ExecutorEvent>,
    message: String,
) -> bool {
    while let Some(event) = events.recv().await {
        match event {
            ExecutorEvent::Launch(task) => {
                let failed = status(
                    &task.task_id,
                    TaskState::Failed,
                    Some(message.clone()),
                    Some(TaskStatusReason::ContainerLaunchFailed),
                );
                send(&driver, failed).await;
                break;
            }
            ExecutorEvent::Shutdown(_) => break,
            _ => {}
        }
    }
    driver.wait_acknowledged(FINAL_ACK_TIMEOUT).await;
    driver.stop();
    false
}

async fn send(driver: &ExecutorDriver, status: TaskStatus) {
    let (task, state) = (status.task_id.clone(), status.state);
    if let Err(e) = driver.send_update(status).await {
        error!(%task, %state, error = %e, "the agent refused a status update");
    }
}

/// SIGTERM and SIGINT, as a stream of signal numbers.
struct Signals {
    term: Option<tokio::signal::unix::Signal>,
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        Self {
            term: signal(SignalKind::terminate()).ok(),
            int: signal(SignalKind::interrupt()).ok(),
        }
    }

    async fn next(&mut self) -> i32 {
        async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            () = recv(&mut self.term) => libc::SIGTERM,
            () = recv(&mut self.int) => libc::SIGINT,
        }
    }
}

/// Runs one task's container from start to terminal update.
struct TaskRunner {
    docker: Docker,
    driver: ExecutorDriver,
    settings: Settings,
    killing_state: bool,
}

/// How the container ended, from the executor's point of view.
#[derive(Debug, Default)]
struct Ending {
    killed: bool,
    timed_out: bool,
}

impl TaskRunner {
    async fn run(self, task: TaskInfo, mut control: mpsc::Receiver<Control>) {
        let id = task.task_id.clone();
        let plan = plan::plan(&task, &self.settings.plan);
        // TASK_STARTING goes out while the engine is asked for the image: neither waits for the
        // other, and STARTING is still sent before anything else.
        let image = plan.as_ref().ok().map(|p| p.image.clone());
        let (_, image_present) = tokio::join!(
            self.update(&id, TaskState::Starting, None, None, None),
            async {
                match &image {
                    Some(image) => self.docker.inspect_image(image).await.is_ok(),
                    None => false,
                }
            }
        );
        let plan = match plan {
            Ok(plan) => plan,
            Err(e) => {
                let message = format!("Failed to create docker run options: {e}");
                error!(task = %id, %message);
                self.update(
                    &id,
                    TaskState::Failed,
                    Some(message),
                    Some(TaskStatusReason::TaskInvalid),
                    None,
                )
                .await;
                return;
            }
        };
        // Preparing (pulling, creating, starting) can be interrupted by a kill.
        let prepared = tokio::select! {
            prepared = self.prepare(&plan, image_present) => prepared,
            Some(Control::Kill { .. }) = control.recv() => {
                self.remove(&plan.name).await;
                self.update(&id, TaskState::Killed, Some("Task killed before its container started".into()), Some(TaskStatusReason::TaskKilledDuringLaunch), None).await;
                return;
            }
        };
        if let Err(message) = prepared {
            error!(task = %id, %message);
            self.remove(&plan.name).await;
            self.update(
                &id,
                TaskState::Failed,
                Some(message),
                Some(TaskStatusReason::ContainerLaunchFailed),
                None,
            )
            .await;
            return;
        }
        self.report_running(&id, &plan).await;
        // Following the logs from here still returns everything since the container started.
        let logs = tokio::spawn(stream_logs(
            self.docker.clone(),
            plan.name.clone(),
            PathBuf::from(&self.settings.plan.sandbox_directory),
        ));

        let ending = self.supervise(&task, &plan, &mut control).await;
        // The log stream ends with the container; give it a moment to drain.
        let _ = tokio::time::timeout(Duration::from_secs(5), logs).await;
        let terminal = self.terminal_status(&id, &plan, &ending).await;
        self.remove(&plan.name).await;
        send(&self.driver, terminal).await;
    }

    async fn update(
        &self,
        id: &TaskId,
        state: TaskState,
        message: Option<String>,
        reason: Option<TaskStatusReason>,
        data: Option<Bytes>,
    ) {
        let mut update = status(id, state, message, reason);
        update.data = data;
        send(&self.driver, update).await;
    }

    /// Pulls the image if needed, then creates and starts the container.
    async fn prepare(&self, plan: &ContainerPlan, image_present: bool) -> Result<(), String> {
        if plan.force_pull || !image_present {
            self.pull(&plan.image).await?;
        }
        let options = CreateContainerOptionsBuilder::default()
            .name(&plan.name)
            .build();
        self.docker
            .create_container(Some(options), plan.body.clone())
            .await
            .map_err(|e| format!("Failed to create docker container: {}", docker_message(&e)))?;
        self.docker
            .start_container(&plan.name, None)
            .await
            .map_err(|e| format!("Failed to run docker container: {}", docker_message(&e)))?;
        Ok(())
    }

    async fn pull(&self, image: &str) -> Result<(), String> {
        info!(%image, "pulling image");
        let options = CreateImageOptionsBuilder::default()
            .from_image(image)
            .build();
        let mut progress = self.docker.create_image(Some(options), None, None);
        while let Some(step) = progress.next().await {
            match step {
                Ok(info) => {
                    if let Some(error) = info.error_detail.and_then(|d| d.message) {
                        return Err(format!("Failed to pull image '{image}': {error}"));
                    }
                }
                Err(e) => {
                    return Err(format!(
                        "Failed to pull image '{image}': {}",
                        docker_message(&e)
                    ));
                }
            }
        }
        Ok(())
    }

    /// TASK_RUNNING, with the `docker inspect` output and the container's addresses.
    async fn report_running(&self, id: &TaskId, plan: &ContainerPlan) {
        let inspect = self.docker.inspect_container(&plan.name, None).await;
        let (data, addresses) = match &inspect {
            Ok(container) => {
                // `docker inspect` prints an array of containers; so does Mesos's `data`.
                let data = serde_json::to_vec(&[container]).ok().map(Bytes);
                (data, container_addresses(container))
            }
            Err(e) => {
                warn!(error = %e, "cannot inspect the container");
                (None, Vec::new())
            }
        };
        let mut running = status(id, TaskState::Running, None, None);
        running.data = data;
        if !addresses.is_empty() {
            running.container_status = Some(ContainerStatus {
                network_infos: vec![NetworkInfo {
                    ip_addresses: addresses,
                    name: (!matches!(plan.network.as_str(), "host" | "bridge" | "none"))
                        .then(|| plan.network.clone()),
                    ..NetworkInfo::default()
                }],
                ..ContainerStatus::default()
            });
        }
        send(&self.driver, running).await;
    }

    /// Waits for the container to exit, stopping it when told to or when the task's maximum
    /// completion time passes.
    async fn supervise(
        &self,
        task: &TaskInfo,
        plan: &ContainerPlan,
        control: &mut mpsc::Receiver<Control>,
    ) -> Ending {
        let mut ending = Ending::default();
        let wait = wait_for_exit(self.docker.clone(), plan.name.clone());
        tokio::pin!(wait);
        let deadline = task
            .max_completion_time
            .filter(|d| d.nanoseconds > 0)
            .map(|d| tokio::time::Instant::now() + d.to_std());
        let timer = async {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(timer);
        let mut timer_armed = true;
        loop {
            tokio::select! {
                () = &mut wait => return ending,
                () = &mut timer, if timer_armed && !ending.killed => {
                    timer_armed = false;
                    info!(task = %task.task_id, "the task exceeded its maximum completion time");
                    ending.killed = true;
                    ending.timed_out = true;
                    self.stop(&plan.name, Duration::ZERO);
                }
                Some(Control::Kill { grace, shutdown }) = control.recv() => {
                    if !ending.killed {
                        ending.killed = true;
                        timer_armed = false;
                        if self.killing_state && !shutdown {
                            self.update(&task.task_id, TaskState::Killing, None, None, None).await;
                        }
                    }
                    info!(task = %task.task_id, ?grace, "stopping the container");
                    self.stop(&plan.name, grace);
                }
            }
        }
    }

    /// `docker stop` with `grace` in the background (SIGTERM, then SIGKILL after the grace); the
    /// container's exit ends [`Self::supervise`].
    fn stop(&self, name: &str, grace: Duration) {
        let docker = self.docker.clone();
        let name = name.to_owned();
        // Docker takes whole seconds; round up so a grace period is never cut short.
        let seconds = i32::try_from(grace.as_millis().div_ceil(1000)).unwrap_or(i32::MAX);
        tokio::spawn(async move {
            let options = StopContainerOptionsBuilder::default().t(seconds).build();
            if let Err(e) = docker.stop_container(&name, Some(options)).await {
                warn!(container = %name, error = %e, "docker stop failed");
            }
        });
    }

    async fn terminal_status(
        &self,
        id: &TaskId,
        plan: &ContainerPlan,
        ending: &Ending,
    ) -> TaskStatus {
        let inspect = self.docker.inspect_container(&plan.name, None).await;
        let state = inspect.as_ref().ok().and_then(|c| c.state.clone());
        let exit_code = state.as_ref().and_then(|s| s.exit_code);
        let oom = state.as_ref().and_then(|s| s.oom_killed).unwrap_or(false);
        let message = match exit_code {
            Some(code) => exit_message(code),
            None => "Failed to get exit status of container".to_owned(),
        };
        if ending.timed_out {
            return status(
                id,
                TaskState::Failed,
                Some(message),
                Some(TaskStatusReason::MaxCompletionTimeReached),
            );
        }
        if ending.killed {
            return status(id, TaskState::Killed, Some(message), None);
        }
        if oom {
            let limit = plan
                .body
                .host_config
                .as_ref()
                .and_then(|h| h.memory)
                .map_or_else(String::new, |m| format!(" of {} MB", m / (1024 * 1024)));
            let message =
                format!("Memory limit{limit} exceeded: the container was OOM-killed ({message})");
            return status(
                id,
                TaskState::Failed,
                Some(message),
                Some(TaskStatusReason::ContainerLimitationMemory),
            );
        }
        match exit_code {
            Some(0) => status(id, TaskState::Finished, Some(message), None),
            _ => status(id, TaskState::Failed, Some(message), None),
        }
    }

    async fn remove(&self, name: &str) {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match self.docker.remove_container(name, Some(options)).await {
            Ok(()) => {}
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(e) => warn!(container = %name, error = %e, "cannot remove the container"),
        }
    }
}

/// "Container exited with status N", naming the signal for the shells' 128+N convention.
fn exit_message(code: i64) -> String {
    match code {
        129..=159 => format!(
            "Container exited with status {code} (terminated by {})",
            signal_name((code - 128) as i32)
        ),
        _ => format!("Container exited with status {code}"),
    }
}

/// Resolves when the container has exited (or can no longer be waited for).
async fn wait_for_exit(docker: Docker, name: String) {
    let mut wait = docker.wait_container(&name, None);
    // The stream yields once, when the container stops; a non-zero exit is an `Err` here.
    let _ = wait.next().await;
}

fn docker_message(error: &bollard::errors::Error) -> String {
    match error {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn container_addresses(container: &bollard::models::ContainerInspectResponse) -> Vec<IpAddress> {
    let Some(settings) = &container.network_settings else {
        return Vec::new();
    };
    let mut addresses = Vec::new();
    for endpoint in settings.networks.iter().flat_map(|n| n.values()) {
        if let Some(ip) = endpoint.ip_address.as_ref().filter(|ip| !ip.is_empty()) {
            addresses.push(IpAddress {
                protocol: None,
                ip_address: Some(ip.clone()),
            });
        }
        if let Some(ip) = endpoint
            .global_ipv6_address
            .as_ref()
            .filter(|ip| !ip.is_empty())
        {
            addresses.push(IpAddress {
                protocol: Some(IpProtocol::Ipv6),
                ip_address: Some(ip.clone()),
            });
        }
    }
    addresses
}

/// Appends the container's stdout and stderr to the sandbox's `stdout` and `stderr` files.
async fn stream_logs(docker: Docker, name: String, sandbox: PathBuf) {
    let open = |file: &str| {
        let path = sandbox.join(file);
        async move {
            tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .await
                .map_err(
                    |e| warn!(path = %path.display(), error = %e, "cannot open the sandbox log"),
                )
                .ok()
        }
    };
    let (mut stdout, mut stderr) = (open("stdout").await, open("stderr").await);
    let options = LogsOptionsBuilder::default()
        .follow(true)
        .stdout(true)
        .stderr(true)
        .build();
    let mut logs = docker.logs(&name, Some(options));
    while let Some(chunk) = logs.next().await {
        let (file, bytes) = match chunk {
            Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => {
                (&mut stdout, message)
            }
            Ok(LogOutput::StdErr { message }) => (&mut stderr, message),
            Ok(LogOutput::StdIn { .. }) => continue,
            Err(e) => {
                warn!(error = %e, "the container's log stream broke");
                break;
            }
        };
        if let Some(file) = file
            && let Err(e) = file.write_all(&bytes).await
        {
            warn!(error = %e, "cannot write the sandbox log");
        }
    }
    for file in [stdout, stderr].iter_mut().flatten() {
        let _ = file.flush().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_messages() {
        assert_eq!(exit_message(0), "Container exited with status 0");
        assert_eq!(exit_message(3), "Container exited with status 3");
        assert_eq!(
            exit_message(137),
            "Container exited with status 137 (terminated by SIGKILL)"
        );
    }

    #[test]
    fn shutdown_leaves_a_margin() {
        let five = Duration::from_secs(5);
        assert_eq!(
            shutdown_grace(&ShutdownReason::Requested, five),
            Duration::from_secs(4)
        );
        assert_eq!(
            shutdown_grace(&ShutdownReason::RecoveryTimeout, five),
            Duration::ZERO
        );
    }
}

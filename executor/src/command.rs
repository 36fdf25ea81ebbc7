//! `mesos-executor`: the command executor. It runs one task's command as a child process group
//! in the sandbox, as Apache Mesos's `src/launcher/executor.cpp` does.
//!
//! The task goes TASK_STARTING → (command spawned) → TASK_RUNNING → TASK_FINISHED,
//! TASK_FAILED or TASK_KILLED, with Mesos's "Command exited with status N" / "Command
//! terminated with signal <description>" messages. The command's stdout and stderr are appended
//! to the sandbox's `stdout` and `stderr` files. A kill sends SIGTERM to the whole process
//! group, then SIGKILL once the grace period is over; no process of the group outlives the
//! executor.

use std::ffi::{CStr, CString};
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use mesos_api::client::executor::{ExecutorDriver, ExecutorError, ExecutorEvent, ShutdownReason};
use mesos_api::v1::{
    ContainerType, FrameworkCapabilityType, FrameworkInfo, KillPolicy, TaskId, TaskInfo, TaskState,
    TaskStatus, TaskStatusReason, VariableType,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{error, info, warn};

use crate::{grace_period, status};

/// How long the executor waits for the acknowledgement of its last update before exiting
/// (Apache Mesos's command executor gives up after 60 seconds).
pub const FINAL_ACK_TIMEOUT: Duration = Duration::from_secs(60);

/// Time reserved, out of the shutdown grace period, for reporting and exiting after a SHUTDOWN.
const SHUTDOWN_MARGIN: Duration = Duration::from_secs(1);

/// The message of TASK_FAILED for a second task (Mesos's wording).
pub const MULTIPLE_TASKS: &str = "Attempted to run multiple tasks using a \"command\" executor";

/// Not passed on to the task: Mesos's executor library erases it from the environment.
const AUTHENTICATION_TOKEN: &str = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN";

/// The executor's settings: its flags and environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The sandbox: the task's working directory and where its `stdout`/`stderr` go.
    pub sandbox: PathBuf,
    /// `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`.
    pub shutdown_grace_period: Duration,
}

/// How to start a task's command: what [`plan`] makes of a `TaskInfo`.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandPlan {
    /// The program to execute.
    pub program: PathBuf,
    /// `argv[0]`.
    pub arg0: String,
    /// `argv[1..]`.
    pub args: Vec<String>,
    /// Variables set on top of the executor's own environment, in order (later ones win).
    pub env: Vec<(String, String)>,
    /// The user to switch to, when it differs from the executor's.
    pub user: Option<Credentials>,
}

/// A user to run the command as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups, as `initgroups` would set them.
    pub groups: Vec<u32>,
}

/// Works out how to run `task` in `sandbox`, or why it cannot run here.
///
/// As Mesos: `shell` commands run as `/bin/sh -c <value>`; otherwise `value` is the program
/// (looked up in the sandbox first, then in `PATH`) and `arguments` are its whole `argv`. The
/// environment is the executor's, then `MESOS_SANDBOX`, then the CommandInfo's variables
/// (unresolved secrets skipped), then `MESOS_ALLOCATION_ROLE`.
pub fn plan(task: &TaskInfo, sandbox: &Path) -> Result<CommandPlan, String> {
    let id = &task.task_id;
    if let Some(container) = &task.container {
        if container.kind == ContainerType::Docker {
            return Err(format!(
                "Task '{id}' has a DOCKER container: the command executor runs only tasks \
                 without a Docker image (mesos-docker-executor runs those)"
            ));
        }
        if container
            .mesos
            .as_ref()
            .is_some_and(|m| m.get("image").is_some())
        {
            return Err(format!(
                "Task '{id}' has a container image: the command executor cannot provision \
                 container images"
            ));
        }
    }
    let Some(command) = &task.command else {
        return Err(format!("Expecting task '{id}' to have a command"));
    };
    let value = match command.value.as_deref() {
        Some(value) => value,
        None if command.shell => {
            return Err(format!("Shell command of task '{id}' is not specified"));
        }
        None => return Err(format!("Executable of task '{id}' is not specified")),
    };
    let (program, arg0, args) = if command.shell {
        (
            PathBuf::from("/bin/sh"),
            "sh".to_owned(),
            vec!["-c".to_owned(), value.to_owned()],
        )
    } else {
        let program = resolve_program(value, sandbox);
        match command.arguments.split_first() {
            Some((first, rest)) => (program, first.clone(), rest.to_vec()),
            // Mesos would exec with an empty argv; the program's own name is kinder.
            None => (program, value.to_owned(), Vec::new()),
        }
    };
    let mut env = vec![("MESOS_SANDBOX".to_owned(), sandbox.display().to_string())];
    for variable in command.environment.iter().flat_map(|e| &e.variables) {
        if variable.kind == VariableType::Secret {
            continue;
        }
        env.push((
            variable.name.clone(),
            variable.value.clone().unwrap_or_default(),
        ));
    }
    if let Some(role) = task.resources.first().and_then(|r| r.allocation_role()) {
        env.push(("MESOS_ALLOCATION_ROLE".to_owned(), role.to_owned()));
    }
    let user = match command.user.as_deref() {
        Some(name) if !name.is_empty() => switch_to(name)?,
        _ => None,
    };
    Ok(CommandPlan {
        program,
        arg0,
        args,
        env,
        user,
    })
}

/// The program `value` names: an absolute path as is; a relative one in the sandbox if an
/// executable file is there (Mesos's `os::which` in the working directory), else a name with a
/// `/` relative to the sandbox and a bare name for a `PATH` search.
fn resolve_program(value: &str, sandbox: &Path) -> PathBuf {
    let path = Path::new(value);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let candidate = sandbox.join(path);
    let executable = std::fs::metadata(&candidate)
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if executable || value.contains('/') {
        candidate
    } else {
        path.to_path_buf()
    }
}

/// The credentials to switch to for running as `name`: `None` if the executor already runs as
/// that user, an error if the user does not exist or the executor cannot switch.
fn switch_to(name: &str) -> Result<Option<Credentials>, String> {
    let credentials = lookup_user(name)
        .map_err(|e| format!("Failed to run the command as user '{name}': {e}"))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    if credentials.uid == euid {
        return Ok(None);
    }
    if euid != 0 {
        return Err(format!(
            "Failed to run the command as user '{name}': the executor runs as uid {euid}, and \
             only root can switch users"
        ));
    }
    Ok(Some(credentials))
}

/// Looks `name` up in the user database (`getpwnam_r`, `getgrouplist`).
fn lookup_user(name: &str) -> Result<Credentials, String> {
    let c_name = CString::new(name).map_err(|_| "the user name contains a NUL byte".to_owned())?;
    let mut buffer = vec![0 as libc::c_char; 1024];
    let (uid, gid) = loop {
        // SAFETY: an all-zero passwd is a valid value of a plain C struct; it is only read
        // after getpwnam_r filled it in.
        let mut passwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call, and the buffer's length is passed.
        let rc = unsafe {
            libc::getpwnam_r(
                c_name.as_ptr(),
                &mut passwd,
                buffer.as_mut_ptr(),
                buffer.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buffer.len() < 1 << 20 {
            buffer.resize(buffer.len() * 2, 0);
            continue;
        }
        if rc != 0 {
            return Err(format!(
                "cannot look the user up: {}",
                std::io::Error::from_raw_os_error(rc)
            ));
        }
        if result.is_null() {
            return Err("no such user".to_owned());
        }
        break (passwd.pw_uid, passwd.pw_gid);
    };
    let mut groups: Vec<libc::gid_t> = vec![0; 32];
    loop {
        let mut count = libc::c_int::try_from(groups.len()).unwrap_or(libc::c_int::MAX);
        // SAFETY: `groups` holds `count` entries; getgrouplist writes at most that many and
        // sets `count` to the number it needs.
        let rc =
            unsafe { libc::getgrouplist(c_name.as_ptr(), gid, groups.as_mut_ptr(), &mut count) };
        let needed = usize::try_from(count).unwrap_or(0);
        if rc >= 0 {
            groups.truncate(needed);
            break;
        }
        if needed <= groups.len() || needed > 1 << 16 {
            return Err("cannot list the user's groups".to_owned());
        }
        groups.resize(needed, 0);
    }
    Ok(Credentials {
        name: name.to_owned(),
        uid,
        gid,
        groups,
    })
}

/// "exited with status N" / "terminated with signal <strsignal>", as Mesos's `WSTRINGIFY`.
pub fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    if let Some(signal) = status.signal() {
        let core = if status.core_dumped() {
            " (core dumped)"
        } else {
            ""
        };
        return format!(
            "terminated with signal {}{core}",
            signal_description(signal)
        );
    }
    format!("wait status {}", status.into_raw())
}

/// `strsignal(signal)`: "Terminated", "Killed", …
fn signal_description(signal: i32) -> String {
    // SAFETY: strsignal returns a NUL-terminated string (static, or in a thread-local buffer
    // for unknown signals), copied at once.
    let text = unsafe { libc::strsignal(signal) };
    if text.is_null() {
        return format!("Unknown signal {signal}");
    }
    // SAFETY: non-null and NUL-terminated, see above.
    unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned()
}

/// Sends `signal` to process group `pgid`; a group already gone is not an error.
fn signal_group(pgid: i32, signal: i32) {
    if pgid <= 1 {
        return;
    }
    // SAFETY: killpg has no memory-safety preconditions.
    if unsafe { libc::killpg(pgid, signal) } != 0 {
        let error = std::io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::ESRCH) {
            warn!(pgid, signal, %error, "cannot signal the task's process group");
        }
    }
}

/// Starts the command of `plan` in its own process group, in `sandbox`, with its output
/// appended to the sandbox's `stdout` and `stderr`.
fn spawn(plan: &CommandPlan, sandbox: &Path) -> Result<tokio::process::Child, String> {
    let mut command = tokio::process::Command::new(&plan.program);
    command
        .arg0(&plan.arg0)
        .args(&plan.args)
        .env_remove(AUTHENTICATION_TOKEN)
        .envs(plan.env.iter().map(|(k, v)| (k, v)))
        .current_dir(sandbox)
        .stdin(Stdio::null())
        .stdout(sandbox_log(sandbox, "stdout"))
        .stderr(sandbox_log(sandbox, "stderr"))
        .process_group(0);
    let credentials = plan.user.clone();
    // SAFETY: the closure only makes async-signal-safe system calls (setgroups, setgid,
    // setuid, prctl, getppid) on data copied before the fork, and allocates nothing.
    unsafe {
        #[cfg(target_os = "linux")]
        let parent = libc::getpid();
        command.pre_exec(move || {
            if let Some(c) = &credentials {
                if libc::setgroups(c.groups.len(), c.groups.as_ptr()) != 0
                    || libc::setgid(c.gid) != 0
                    || libc::setuid(c.uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            // The command dies with the executor even if the executor is SIGKILLed.
            #[cfg(target_os = "linux")]
            {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
                }
            }
            Ok(())
        });
    }
    command.spawn().map_err(|e| {
        let program = plan.program.display();
        match &plan.user {
            Some(user) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                format!("Failed to execute '{program}' as user '{}': {e}", user.name)
            }
            _ => format!("Failed to execute '{program}': {e}"),
        }
    })
}

/// The sandbox file `name` opened for appending, else the executor's own stream.
fn sandbox_log(sandbox: &Path, name: &str) -> Stdio {
    let path = sandbox.join(name);
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        Ok(file) => Stdio::from(file),
        Err(e) => {
            warn!(path = %path.display(), error = %e, "cannot open the sandbox log; the task inherits the executor's");
            Stdio::inherit()
        }
    }
}

/// Sends status updates one at a time, in order, without holding up the event loop.
struct Updates {
    queue: Option<mpsc::UnboundedSender<TaskStatus>>,
    worker: JoinHandle<()>,
}

impl Updates {
    fn new(driver: ExecutorDriver) -> Self {
        let (queue, mut pending) = mpsc::unbounded_channel::<TaskStatus>();
        let worker = tokio::spawn(async move {
            while let Some(update) = pending.recv().await {
                let (task, state) = (update.task_id.clone(), update.state);
                info!(%task, %state, "sending a status update");
                match driver.send_update(update).await {
                    Ok(()) => {}
                    Err(ExecutorError::Stopped) => {
                        warn!(%task, %state, "the driver has stopped: update not sent");
                    }
                    Err(e) => {
                        error!(%task, %state, error = %e, "the agent refused a status update")
                    }
                }
            }
        });
        Self {
            queue: Some(queue),
            worker,
        }
    }

    fn send(&self, update: TaskStatus) {
        if let Some(queue) = &self.queue {
            let _ = queue.send(update);
        }
    }

    /// Waits until every queued update has been handed to the driver.
    async fn flush(mut self) {
        self.queue = None;
        let _ = (&mut self.worker).await;
    }
}

/// The running task: its process group and how it is being ended.
struct Running {
    id: TaskId,
    child: tokio::process::Child,
    /// The process group (the child's pid).
    pgid: i32,
    kill_policy: Option<KillPolicy>,
    /// When `max_completion_time` runs out (disarmed by a kill).
    deadline: Option<Instant>,
    /// Set once SIGTERM was sent.
    kill: Option<Kill>,
    timed_out: bool,
    reaped: bool,
}

/// A kill in progress.
#[derive(Debug, Clone, Copy)]
struct Kill {
    started: Instant,
    /// When SIGKILL follows; `None` once it was sent.
    escalate_at: Option<Instant>,
}

impl Running {
    /// SIGTERM to the group, SIGKILL after `grace`. A later kill can only shorten the grace
    /// period, never lengthen it (as in Mesos).
    fn kill(&mut self, grace: Duration) {
        let now = Instant::now();
        self.deadline = None;
        match &mut self.kill {
            None => {
                info!(task = %self.id, pgid = self.pgid, ?grace, "sending SIGTERM to the task's process group");
                signal_group(self.pgid, libc::SIGTERM);
                self.kill = Some(Kill {
                    started: now,
                    escalate_at: Some(now + grace),
                });
            }
            Some(kill) => {
                if let Some(at) = kill.escalate_at {
                    let shorter = (kill.started + grace).max(now);
                    if shorter < at {
                        info!(task = %self.id, ?grace, "shortening the kill grace period");
                        kill.escalate_at = Some(shorter);
                    }
                }
            }
        }
    }

    fn escalate(&mut self) {
        if let Some(kill) = &mut self.kill {
            kill.escalate_at = None;
        }
        info!(task = %self.id, pgid = self.pgid, "grace period over: sending SIGKILL to the task's process group");
        signal_group(self.pgid, libc::SIGKILL);
    }

    fn escalate_at(&self) -> Option<Instant> {
        self.kill.and_then(|k| k.escalate_at)
    }

    /// The terminal update for an exit with `status`.
    fn terminal(&self, status: std::io::Result<ExitStatus>) -> TaskStatus {
        let status = match status {
            Ok(status) => status,
            Err(e) => {
                let message = format!("Failed to get exit status for Command: {e}");
                return crate::status(&self.id, TaskState::Failed, Some(message), None);
            }
        };
        let message = format!("Command {}", describe_exit(status));
        let (state, reason) = if self.timed_out {
            (
                TaskState::Failed,
                Some(TaskStatusReason::MaxCompletionTimeReached),
            )
        } else if self.kill.is_some() {
            (TaskState::Killed, None)
        } else if status.success() {
            (TaskState::Finished, None)
        } else {
            (TaskState::Failed, None)
        };
        crate::status(&self.id, state, Some(message), reason)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // No process of the task outlives the executor.
        if !self.reaped {
            signal_group(self.pgid, libc::SIGKILL);
        }
    }
}

/// What the event loop is to do to the running task.
enum Stop {
    /// A KILL: TASK_KILLING first for frameworks that understand it.
    Kill(Duration),
    /// SHUTDOWN or a signal: a kill (TASK_KILLING included, as in Mesos); the executor exits
    /// afterwards.
    Shutdown(Duration),
    /// Nobody is left to report to: kill without any update.
    Abandon,
}

/// Runs the executor until its task has ended (or it was told to shut down) and the last update
/// was acknowledged. Returns whether it ended cleanly.
///
/// On Linux the command gets `PR_SET_PDEATHSIG` = SIGKILL, which is tied to the thread that
/// spawned it: run this on a runtime whose threads live as long as the executor (the binary
/// uses a current-thread runtime).
pub async fn run(
    driver: ExecutorDriver,
    mut events: mpsc::Receiver<ExecutorEvent>,
    settings: Settings,
) -> bool {
    let updates = Updates::new(driver.clone());
    let mut framework: Option<FrameworkInfo> = None;
    let mut launched = false;
    let mut running: Option<Running> = None;
    let mut signals = Signals::new();
    let mut events_open = true;

    loop {
        let escalate_at = running.as_ref().and_then(Running::escalate_at);
        let deadline = running.as_ref().and_then(|r| r.deadline);
        let stop = tokio::select! {
            event = events.recv(), if events_open => {
                match event {
                    None => {
                        // The driver stopped (after a SHUTDOWN if it gave up on the agent): the
                        // task must not outlive the executor.
                        events_open = false;
                        if running.is_none() {
                            break;
                        }
                        Some(Stop::Abandon)
                    }
                    Some(ExecutorEvent::Subscribed(subscribed)) => {
                        framework = Some(subscribed.framework_info);
                        None
                    }
                    Some(ExecutorEvent::Launch(task)) => {
                        if launched {
                            warn!(task = %task.task_id, "a second task for a command executor");
                            updates.send(status(&task.task_id, TaskState::Failed, Some(MULTIPLE_TASKS.into()), None));
                            continue;
                        }
                        launched = true;
                        match launch(*task, &settings, &updates) {
                            Some(task) => running = Some(task),
                            None => break,
                        }
                        None
                    }
                    Some(ExecutorEvent::LaunchGroup(group)) => {
                        for task in &group.tasks {
                            let message = "LAUNCH_GROUP is not supported by the command executor";
                            updates.send(status(&task.task_id, TaskState::Failed, Some(message.into()), Some(TaskStatusReason::TaskGroupInvalid)));
                        }
                        if !launched {
                            break;
                        }
                        None
                    }
                    Some(ExecutorEvent::InvalidLaunch { task_id, message }) => {
                        updates.send(status(&task_id, TaskState::Failed, Some(message), Some(TaskStatusReason::TaskInvalid)));
                        if !launched {
                            break;
                        }
                        None
                    }
                    Some(ExecutorEvent::Kill { task_id, kill_policy }) => match &running {
                        Some(task) if task.id == task_id => Some(Stop::Kill(grace_period(
                            kill_policy.as_ref(),
                            task.kill_policy.as_ref(),
                            settings.shutdown_grace_period,
                        ))),
                        _ => {
                            warn!(task = %task_id, "KILL for a task this executor does not run");
                            None
                        }
                    },
                    Some(ExecutorEvent::Shutdown(reason)) => {
                        info!(?reason, "shutting down");
                        if running.is_none() {
                            break;
                        }
                        Some(match reason {
                            ShutdownReason::Requested => Stop::Shutdown(settings.shutdown_grace_period.saturating_sub(SHUTDOWN_MARGIN)),
                            ShutdownReason::Disconnected(_) | ShutdownReason::RecoveryTimeout => Stop::Abandon,
                        })
                    }
                    Some(ExecutorEvent::Message(data)) => {
                        info!(bytes = data.len(), "framework message (ignored)");
                        None
                    }
                    Some(ExecutorEvent::Error(message)) => {
                        warn!(%message, "the agent reported an error");
                        None
                    }
                }
            }
            exit = wait(running.as_mut()) => {
                if let Some(mut task) = running.take() {
                    task.reaped = true;
                    // Whatever the command left behind in its group goes with it.
                    signal_group(task.pgid, libc::SIGKILL);
                    let terminal = task.terminal(exit);
                    info!(task = %task.id, state = %terminal.state, message = terminal.message.as_deref().unwrap_or_default(), "the command ended");
                    updates.send(terminal);
                }
                break;
            }
            () = sleep_until(escalate_at) => {
                if let Some(task) = &mut running {
                    task.escalate();
                }
                None
            }
            () = sleep_until(deadline) => {
                if let Some(task) = &mut running {
                    info!(task = %task.id, "the task exceeded its maximum completion time");
                    task.timed_out = true;
                    task.kill(Duration::ZERO);
                }
                None
            }
            signal = signals.next() => {
                info!(signal, "received a signal: shutting down");
                if running.is_none() {
                    break;
                }
                Some(Stop::Shutdown(settings.shutdown_grace_period.saturating_sub(SHUTDOWN_MARGIN)))
            }
        };
        let (Some(stop), Some(task)) = (stop, running.as_mut()) else {
            continue;
        };
        let (grace, report) = match stop {
            Stop::Kill(grace) | Stop::Shutdown(grace) => (grace, true),
            Stop::Abandon => (Duration::ZERO, false),
        };
        let killing_state = framework
            .as_ref()
            .is_some_and(|f| f.has_capability(FrameworkCapabilityType::TaskKillingState));
        if report && killing_state && task.kill.is_none() && !task.timed_out {
            updates.send(status(&task.id, TaskState::Killing, None, None));
        }
        task.kill(grace);
    }
    // Normally gone already; dropping it kills what is left of its process group.
    drop(running);
    updates.flush().await;
    let acknowledged = driver.wait_acknowledged(FINAL_ACK_TIMEOUT).await;
    if !acknowledged {
        warn!("exiting with unacknowledged status updates");
    }
    driver.stop();
    acknowledged
}

/// Sends TASK_STARTING and starts `task`; then TASK_RUNNING, or TASK_FAILED (and `None`) if it
/// cannot run.
fn launch(task: TaskInfo, settings: &Settings, updates: &Updates) -> Option<Running> {
    let id = task.task_id.clone();
    updates.send(status(&id, TaskState::Starting, None, None));
    let plan = match plan(&task, &settings.sandbox) {
        Ok(plan) => plan,
        Err(message) => {
            error!(task = %id, %message, "cannot run the task");
            updates.send(status(
                &id,
                TaskState::Failed,
                Some(message),
                Some(TaskStatusReason::TaskInvalid),
            ));
            return None;
        }
    };
    let deadline = task
        .max_completion_time
        .filter(|d| d.nanoseconds > 0)
        .map(|d| Instant::now() + d.to_std());
    let child = match spawn(&plan, &settings.sandbox) {
        Ok(child) => child,
        Err(message) => {
            error!(task = %id, %message, "cannot start the command");
            updates.send(status(
                &id,
                TaskState::Failed,
                Some(message),
                Some(TaskStatusReason::ContainerLaunchFailed),
            ));
            return None;
        }
    };
    let pgid = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .unwrap_or(0);
    info!(task = %id, pid = pgid, program = %plan.program.display(), "forked the command");
    updates.send(status(&id, TaskState::Running, None, None));
    Some(Running {
        id,
        child,
        pgid,
        kill_policy: task.kill_policy,
        deadline,
        kill: None,
        timed_out: false,
        reaped: false,
    })
}

/// Resolves with the exit status of the running task's command; never without one.
async fn wait(running: Option<&mut Running>) -> std::io::Result<ExitStatus> {
    match running {
        Some(task) => task.child.wait().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
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
                    if signal.recv().await.is_none() {
                        std::future::pending::<()>().await;
                    }
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

/// The sandbox to use: `MESOS_DIRECTORY`, else the working directory.
pub fn sandbox_from(directory: Option<&Path>) -> Result<PathBuf, String> {
    match directory {
        Some(dir) => Ok(dir.to_path_buf()),
        None => std::env::current_dir().map_err(|e| {
            format!("MESOS_DIRECTORY is not set and the working directory is unknown: {e}")
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(command: serde_json::Value) -> TaskInfo {
        serde_json::from_value(json!({
            "name": "t", "task_id": {"value": "t1"}, "agent_id": {"value": "a"},
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1.0},
                           "allocation_info": {"role": "spark"}}],
            "command": command,
        }))
        .unwrap()
    }

    #[test]
    fn shell_commands_run_through_sh() {
        let plan = plan(&task(json!({"value": "echo hi"})), Path::new("/sb")).unwrap();
        assert_eq!(plan.program, PathBuf::from("/bin/sh"));
        assert_eq!(plan.arg0, "sh");
        assert_eq!(plan.args, ["-c", "echo hi"]);
        assert_eq!(plan.user, None);
    }

    #[test]
    fn plain_commands_take_arguments_as_argv() {
        let t =
            task(json!({"shell": false, "value": "/bin/echo", "arguments": ["echo", "a", "b"]}));
        let p = plan(&t, Path::new("/sb")).unwrap();
        assert_eq!(p.program, PathBuf::from("/bin/echo"));
        assert_eq!(p.arg0, "echo");
        assert_eq!(p.args, ["a", "b"]);
        let t = task(json!({"shell": false, "value": "./run.sh"}));
        let p = plan(&t, Path::new("/sb")).unwrap();
        assert_eq!(p.program, PathBuf::from("/sb/./run.sh"));
        assert_eq!(p.arg0, "./run.sh");
        let t = task(json!({"shell": false, "value": "env"}));
        assert_eq!(
            plan(&t, Path::new("/sb")).unwrap().program,
            PathBuf::from("env")
        );
    }

    #[test]
    fn environment_order() {
        let t = task(json!({"value": "true", "environment": {"variables": [
            {"name": "A", "value": "1"},
            {"name": "S", "type": "SECRET", "secret": {"type": "REFERENCE"}},
            {"name": "MESOS_SANDBOX", "value": "/elsewhere"},
        ]}}));
        let plan = plan(&t, Path::new("/sb")).unwrap();
        let env: Vec<(&str, &str)> = plan
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            env,
            [
                ("MESOS_SANDBOX", "/sb"),
                ("A", "1"),
                ("MESOS_SANDBOX", "/elsewhere"),
                ("MESOS_ALLOCATION_ROLE", "spark"),
            ]
        );
    }

    #[test]
    fn tasks_this_executor_cannot_run() {
        let mut t = task(json!({"value": "true"}));
        t.container = Some(
            serde_json::from_value(json!({"type": "DOCKER", "docker": {"image": "busybox"}}))
                .unwrap(),
        );
        let e = plan(&t, Path::new("/sb")).unwrap_err();
        assert!(e.contains("DOCKER container"), "{e}");
        let t = task(json!({"shell": false}));
        assert_eq!(
            plan(&t, Path::new("/sb")).unwrap_err(),
            "Executable of task 't1' is not specified"
        );
        let t = task(json!({"value": "true", "user": "no-such-user-here"}));
        assert_eq!(
            plan(&t, Path::new("/sb")).unwrap_err(),
            "Failed to run the command as user 'no-such-user-here': no such user"
        );
    }

    #[test]
    fn exit_descriptions_match_mesos() {
        assert_eq!(
            describe_exit(ExitStatus::from_raw(0)),
            "exited with status 0"
        );
        assert_eq!(
            describe_exit(ExitStatus::from_raw(3 << 8)),
            "exited with status 3"
        );
        assert_eq!(
            describe_exit(ExitStatus::from_raw(libc::SIGKILL)),
            "terminated with signal Killed"
        );
        assert_eq!(
            describe_exit(ExitStatus::from_raw(libc::SIGTERM)),
            "terminated with signal Terminated"
        );
    }

    #[test]
    fn the_current_user_needs_no_switch() {
        // SAFETY: getpwuid is only called here, in a test, for the current uid.
        let name = unsafe {
            let pw = libc::getpwuid(libc::geteuid());
            assert!(!pw.is_null());
            CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned()
        };
        assert_eq!(switch_to(&name).unwrap(), None);
    }
}

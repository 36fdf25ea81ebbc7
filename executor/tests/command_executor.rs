//! The real `mesos-executor` binary (the command executor), driven through the v1 executor API
//! by an agent double, running real commands in a temporary sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use mesos_api::v1::executor::{Event, EventType, LaunchGroup};
use mesos_api::v1::{TaskGroupInfo, TaskState, TaskStatusReason};
use serde_json::{Value, json};
use support::*;

const T: Duration = Duration::from_secs(60);
const BINARY: &str = env!("CARGO_BIN_EXE_mesos-executor");

/// An executor under test: the agent double, the sandbox and the process.
struct Harness {
    agent: FakeAgent,
    sandbox: tempfile::TempDir,
    process: ExecutorProcess,
}

impl Harness {
    async fn start(test: &str, checkpoint: bool, killing_state: bool) -> Self {
        Self::start_with_env(test, checkpoint, killing_state, &[]).await
    }

    /// Starts the executor with `extra` added to the environment an agent gives it.
    async fn start_with_env(
        test: &str,
        checkpoint: bool,
        killing_state: bool,
        extra: &[(&str, &str)],
    ) -> Self {
        let executor_id = format!("{test}-executor");
        let agent = FakeAgent::start(&executor_id, framework(checkpoint, killing_state)).await;
        let sandbox = sandbox();
        let mut env = executor_env(&agent, &executor_id, sandbox.path(), checkpoint);
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        // What an Apache Mesos agent passes to its command executor.
        let args = [format!("--launcher_dir={}", bin_dir().display())];
        let process = spawn(BINARY, &args, &env, sandbox.path(), "");
        agent.wait_subscribed(1, T).await;
        Harness {
            agent,
            sandbox,
            process,
        }
    }

    /// Launches task `id` with `command` (a CommandInfo) and any other TaskInfo fields.
    async fn launch_task(&self, id: &str, command: Value, mut extra: Value) {
        extra["command"] = command;
        if extra.get("resources").is_none() {
            extra["resources"] = resources(0.1, 32.0);
        }
        self.agent.launch(task(id, extra)).await;
    }

    /// Launches a shell command.
    async fn launch(&self, id: &str, script: &str) {
        self.launch_task(id, json!({"value": script}), json!({}))
            .await;
    }

    fn path(&self) -> &Path {
        self.sandbox.path()
    }

    fn stdout(&self) -> String {
        read(self.path(), "stdout")
    }

    fn log(&self) -> String {
        read(self.path(), "executor.stderr")
    }

    /// Waits until the sandbox file `name` holds a line, and returns it.
    async fn wait_file(&self, name: &str) -> String {
        self.agent
            .wait_until(&format!("the sandbox file {name}"), T, |_| {
                read(self.path(), name).ends_with('\n')
            })
            .await;
        read(self.path(), name).trim().to_owned()
    }

    /// Waits until the sandbox file `name` holds a pid, and returns it.
    async fn wait_pid(&self, name: &str) -> i32 {
        let text = self.wait_file(name).await;
        text.parse()
            .unwrap_or_else(|_| panic!("{name} holds {text:?}, not a pid"))
    }
}

/// Whether process `pid` exists and is not a zombie.
fn alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `pid (comm) state ...`: the state follows the last `)`.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

/// Waits (a little) for `pid` to be gone: a signalled process takes a moment to die.
async fn wait_dead(pid: i32, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) {
        assert!(Instant::now() < deadline, "{what} (pid {pid}) survived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A shell script that starts `sleep 300` in the background, records both pids in the
/// sandbox, and waits (with SIGTERM ignored, so only SIGKILL ends it).
const STUBBORN: &str =
    "trap '' TERM; sleep 300 & echo $! > child.pid; echo $$ > shell.pid; wait; wait; wait";

#[tokio::test]
async fn help_lists_the_flags() {
    let output = std::process::Command::new(BINARY)
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let usage = String::from_utf8_lossy(&output.stdout);
    assert!(usage.contains("--launcher_dir"), "{usage}");
    assert!(usage.contains("--logging_level"), "{usage}");
}

#[tokio::test]
async fn a_successful_command_finishes_with_its_output_in_the_sandbox() {
    let mut h = Harness::start("finish", false, false).await;
    h.launch("t1", "echo hello from $MESOS_EXECUTOR_ID; echo oops >&2")
        .await;
    let finished = h.agent.wait_terminal("t1", T).await;
    assert_eq!(finished.state, TaskState::Finished, "{finished:?}");
    assert_eq!(
        finished.message.as_deref(),
        Some("Command exited with status 0")
    );
    assert_eq!(
        h.agent.states("t1"),
        [TaskState::Starting, TaskState::Running, TaskState::Finished]
    );
    assert_eq!(h.stdout(), "hello from finish-executor\n");
    assert_eq!(read(h.path(), "stderr"), "oops\n");
    let status = h.process.wait_exit(T).await;
    assert!(status.success(), "executor exit: {status}\n{}", h.log());
}

#[tokio::test]
async fn a_failing_command_reports_its_exit_status() {
    let mut h = Harness::start("fail", false, false).await;
    h.launch("t1", "exit 3").await;
    let failed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Command exited with status 3")
    );
    assert_eq!(failed.reason, None);
    assert!(h.process.wait_exit(T).await.success());
}

#[tokio::test]
async fn without_a_shell_arguments_are_the_whole_argv() {
    let h = Harness::start("argv", false, false).await;
    // arguments[0] is argv[0]; value is the program.
    let command = json!({"shell": false, "value": "/bin/sh",
        "arguments": ["custom-name", "-c", "echo \"$0|$1|$2\"", "first", "second word"]});
    h.launch_task("t1", command, json!({})).await;
    let done = h.agent.wait_terminal("t1", T).await;
    assert_eq!(done.state, TaskState::Finished, "{done:?}\n{}", h.log());
    assert_eq!(h.stdout(), "first|second word|\n");
}

#[tokio::test]
async fn a_relative_program_is_found_in_the_sandbox() {
    let h = Harness::start("relative", false, false).await;
    let script = h.path().join("run-me");
    std::fs::write(&script, "#!/bin/sh\necho \"ran as $0 with $1 in $PWD\"\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let command = json!({"shell": false, "value": "run-me", "arguments": ["run-me", "x"]});
    h.launch_task("t1", command, json!({})).await;
    let done = h.agent.wait_terminal("t1", T).await;
    assert_eq!(done.state, TaskState::Finished, "{done:?}\n{}", h.log());
    let sandbox = h.path().display().to_string();
    assert_eq!(
        h.stdout(),
        format!("ran as {sandbox}/run-me with x in {sandbox}\n")
    );
}

#[tokio::test]
async fn the_command_sees_the_executor_and_task_environment() {
    let h = Harness::start_with_env(
        "env",
        false,
        false,
        &[
            ("FROM_AGENT", "agent-value"),
            ("OVERRIDDEN", "by-agent"),
            ("MESOS_EXECUTOR_AUTHENTICATION_TOKEN", "secret-token"),
        ],
    )
    .await;
    let script = "echo \"agent=$FROM_AGENT task=$FROM_TASK overridden=$OVERRIDDEN\"; \
                  echo \"sandbox=$MESOS_SANDBOX pwd=$PWD role=$MESOS_ALLOCATION_ROLE\"; \
                  echo \"token=${MESOS_EXECUTOR_AUTHENTICATION_TOKEN-unset}\"";
    let command = json!({"value": script, "environment": {"variables": [
        {"name": "FROM_TASK", "value": "task-value"},
        {"name": "OVERRIDDEN", "value": "by-task"},
    ]}});
    let resources = json!([{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1},
                            "allocation_info": {"role": "spark"}}]);
    h.launch_task("t1", command, json!({"resources": resources}))
        .await;
    let done = h.agent.wait_terminal("t1", T).await;
    assert_eq!(done.state, TaskState::Finished, "{done:?}\n{}", h.log());
    let sandbox = h.path().display().to_string();
    assert_eq!(
        h.stdout(),
        format!(
            "agent=agent-value task=task-value overridden=by-task\n\
             sandbox={sandbox} pwd={sandbox} role=spark\n\
             token=unset\n"
        )
    );
}

#[tokio::test]
async fn kill_lets_a_command_that_traps_sigterm_exit_cleanly() {
    let mut h = Harness::start("trap", false, false).await;
    let script = "trap 'echo caught TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done";
    h.launch("t1", script).await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    h.agent
        .wait_until("the task to start", T, |_| h.stdout().contains("ready"))
        .await;
    let started = Instant::now();
    h.agent.kill("t1", Some(Duration::from_secs(30))).await;
    let killed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(killed.state, TaskState::Killed, "{killed:?}");
    assert_eq!(
        killed.message.as_deref(),
        Some("Command exited with status 0")
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the command exited on SIGTERM, long before the grace period"
    );
    assert!(h.stdout().contains("caught TERM"), "{}", h.stdout());
    assert_eq!(
        h.agent.states("t1"),
        [TaskState::Starting, TaskState::Running, TaskState::Killed],
        "no TASK_KILLING without the capability"
    );
    assert!(h.process.wait_exit(T).await.success());
}

#[tokio::test]
async fn kill_escalates_to_sigkill_for_the_whole_process_group() {
    let h = Harness::start("ignore", false, true).await;
    h.launch("t1", STUBBORN).await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    let shell = h.wait_pid("shell.pid").await;
    let child = h.wait_pid("child.pid").await;
    assert!(alive(shell) && alive(child));
    let started = Instant::now();
    h.agent.kill("t1", Some(Duration::from_secs(2))).await;
    let killed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(killed.state, TaskState::Killed, "{killed:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "SIGKILL came only after the grace period ({:?})",
        started.elapsed()
    );
    assert_eq!(
        killed.message.as_deref(),
        Some("Command terminated with signal Killed")
    );
    assert_eq!(
        h.agent.states("t1"),
        [
            TaskState::Starting,
            TaskState::Running,
            TaskState::Killing,
            TaskState::Killed
        ],
        "TASK_KILLING for a framework with TASK_KILLING_STATE"
    );
    wait_dead(shell, "the task's shell").await;
    wait_dead(child, "the background sleep in the task's process group").await;
}

#[tokio::test]
async fn a_second_kill_can_only_shorten_the_grace_period() {
    let h = Harness::start("rekill", false, false).await;
    h.launch("t1", STUBBORN).await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    h.wait_pid("child.pid").await;
    let started = Instant::now();
    h.agent.kill("t1", Some(Duration::from_secs(300))).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.agent.kill("t1", Some(Duration::from_secs(1))).await;
    let killed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(killed.state, TaskState::Killed);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_missing_program_fails_the_task_with_the_os_error() {
    let mut h = Harness::start("missing", false, false).await;
    let command = json!({"shell": false, "value": "/no/such/program", "arguments": ["program"]});
    h.launch_task("t1", command, json!({})).await;
    let failed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Failed to execute '/no/such/program': No such file or directory (os error 2)")
    );
    assert_eq!(failed.reason, Some(TaskStatusReason::ContainerLaunchFailed));
    assert_eq!(
        h.agent.states("t1"),
        [TaskState::Starting, TaskState::Failed]
    );
    assert!(h.process.wait_exit(T).await.success());
}

#[tokio::test]
async fn a_docker_task_is_not_for_the_command_executor() {
    let mut h = Harness::start("docker", false, false).await;
    let container = json!({"type": "DOCKER", "docker": {"image": "busybox"}});
    h.launch_task(
        "t1",
        json!({"value": "true"}),
        json!({"container": container}),
    )
    .await;
    let failed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(failed.reason, Some(TaskStatusReason::TaskInvalid));
    let message = failed.message.unwrap();
    assert!(message.contains("DOCKER container"), "{message}");
    assert!(h.process.wait_exit(T).await.success());
}

#[tokio::test]
async fn a_second_task_on_one_executor_fails() {
    let mut h = Harness::start("second", false, false).await;
    h.launch("t1", "sleep 30").await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    h.launch("t2", "true").await;
    let failed = h.agent.wait_terminal("t2", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Attempted to run multiple tasks using a \"command\" executor")
    );
    assert_eq!(h.agent.states("t2"), [TaskState::Failed]);
    h.agent.kill("t1", Some(Duration::ZERO)).await;
    assert_eq!(
        h.agent.wait_terminal("t1", T).await.state,
        TaskState::Killed
    );
    assert!(h.process.wait_exit(T).await.success());
}

#[tokio::test]
async fn launch_group_and_malformed_launches_fail() {
    let mut h = Harness::start("group", false, false).await;
    let group = Event {
        launch_group: Some(LaunchGroup {
            task_group: TaskGroupInfo {
                tasks: vec![task("g1", json!({"command": {"value": "true"}}))],
            },
        }),
        ..Event::new(EventType::LaunchGroup)
    };
    h.agent.send(&group).await;
    let failed = h.agent.wait_terminal("g1", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(failed.reason, Some(TaskStatusReason::TaskGroupInvalid));
    assert!(h.process.wait_exit(T).await.success());

    let mut h = Harness::start("malformed", false, false).await;
    let spec = json!({"name": "bad", "task_id": {"value": "bad"}, "agent_id": {"value": "a"},
        "command": {"value": "true", "shell": "sometimes"}});
    h.agent.send_raw_launch(&spec).await;
    let failed = h.agent.wait_terminal("bad", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(failed.reason, Some(TaskStatusReason::TaskInvalid));
    assert!(failed.message.unwrap().starts_with("Invalid task: "));
    assert!(h.process.wait_exit(T).await.success());
}

#[tokio::test]
async fn max_completion_time_fails_the_task() {
    let mut h = Harness::start("deadline", false, true).await;
    let started = Instant::now();
    h.launch_task(
        "t1",
        json!({"value": "sleep 60"}),
        json!({"max_completion_time": {"nanoseconds": 1_500_000_000u64}}),
    )
    .await;
    let failed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(failed.state, TaskState::Failed, "{failed:?}");
    assert_eq!(
        failed.reason,
        Some(TaskStatusReason::MaxCompletionTimeReached)
    );
    assert!(
        failed
            .message
            .as_deref()
            .unwrap_or_default()
            .starts_with("Command terminated with signal "),
        "{failed:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(
        !h.agent.states("t1").contains(&TaskState::Killing),
        "no TASK_KILLING for the completion timer, as in Mesos"
    );
    assert!(h.process.wait_exit(T).await.success());
}

#[tokio::test]
async fn shutdown_kills_the_task_and_exits() {
    let mut h = Harness::start("shutdown", false, false).await;
    h.launch("t1", "sleep 60").await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    h.agent.shutdown().await;
    let killed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(killed.state, TaskState::Killed);
    assert_eq!(
        killed.message.as_deref(),
        Some("Command terminated with signal Terminated")
    );
    assert!(h.process.wait_exit(T).await.success());
}

#[tokio::test]
async fn sigterm_to_the_executor_kills_the_task_and_exits() {
    let mut h = Harness::start("sigterm", false, false).await;
    h.launch("t1", "sleep 60").await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    let pid = i32::try_from(h.process.child.id()).unwrap();
    // SAFETY: signalling our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let killed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(killed.state, TaskState::Killed);
    assert!(h.process.wait_exit(T).await.success(), "{}", h.log());
}

#[tokio::test]
async fn without_checkpointing_a_lost_agent_stops_the_executor_and_its_processes() {
    let mut h = Harness::start("nockpt", false, false).await;
    h.launch("t1", STUBBORN).await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    let shell = h.wait_pid("shell.pid").await;
    let child = h.wait_pid("child.pid").await;
    h.agent.crash();
    h.process.wait_exit(T).await;
    wait_dead(shell, "the task's shell").await;
    wait_dead(child, "the background sleep").await;
}

#[tokio::test]
async fn with_checkpointing_the_executor_resubscribes_and_the_task_keeps_running() {
    let mut h = Harness::start("ckpt", true, false).await;
    h.launch("t1", "echo $$ > shell.pid; exec sleep 60").await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    let pid = h.wait_pid("shell.pid").await;
    h.agent.crash();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(h.process.is_running(), "the executor waits for the agent");
    assert!(alive(pid), "and its task keeps running");
    h.agent = h.agent.restart().await;
    h.agent.wait_subscribed(2, T).await;
    let resubscribe = h.agent.subscriptions().pop().unwrap();
    let subscribe = resubscribe.subscribe.unwrap();
    assert!(
        subscribe.unacknowledged_tasks.is_empty(),
        "t1 was acknowledged before"
    );
    assert!(alive(pid));
    h.agent.kill("t1", Some(Duration::ZERO)).await;
    assert_eq!(
        h.agent.wait_terminal("t1", T).await.state,
        TaskState::Killed
    );
    assert!(h.process.wait_exit(T).await.success());
    wait_dead(pid, "the task").await;
}

#[tokio::test]
async fn the_command_runs_as_the_tasks_user() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: switching users needs root");
        return;
    }
    let h = Harness::start("user", false, false).await;
    // The sandbox belongs to root; let the user write its files like an agent would.
    let mut perms = std::fs::metadata(h.path()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o777);
    std::fs::set_permissions(h.path(), perms).unwrap();
    h.launch_task(
        "t1",
        json!({"value": "id -u; id -g; touch mine", "user": "nobody"}),
        json!({}),
    )
    .await;
    let done = h.agent.wait_terminal("t1", T).await;
    assert_eq!(done.state, TaskState::Finished, "{done:?}\n{}", h.log());
    let nobody = nix_user("nobody");
    assert_eq!(h.stdout(), format!("{}\n{}\n", nobody.0, nobody.1));
    let meta = std::fs::metadata(h.path().join("mine")).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), nobody.0);

    let mut h = Harness::start("nouser", false, false).await;
    h.launch_task(
        "t1",
        json!({"value": "true", "user": "no-such-user-anywhere"}),
        json!({}),
    )
    .await;
    let failed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Failed to run the command as user 'no-such-user-anywhere': no such user")
    );
    assert!(h.process.wait_exit(T).await.success());
}

/// The uid and gid of `name` from `/etc/passwd`.
fn nix_user(name: &str) -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let fields: BTreeMap<&str, Vec<&str>> = passwd
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f[0], f)
        })
        .collect();
    let entry = &fields[name];
    (entry[2].parse().unwrap(), entry[3].parse().unwrap())
}

//! The real `mesos-docker-executor` binary against the real Docker engine, driven through the v1
//! executor API by an agent double.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use mesos_api::v1::{TaskState, TaskStatusReason};
use serde_json::{Value, json};
use support::*;

const IMAGE: &str = "local/busybox:1";
const T: Duration = Duration::from_secs(60);

/// An executor under test: the agent double, the sandbox and the process.
struct Harness {
    agent: FakeAgent,
    sandbox: tempfile::TempDir,
    process: ExecutorProcess,
    container: String,
}

impl Harness {
    async fn start(test: &str, checkpoint: bool, killing_state: bool) -> Self {
        require_docker();
        let executor_id = format!("{test}-executor");
        let agent = FakeAgent::start(&executor_id, framework(checkpoint, killing_state)).await;
        let sandbox = sandbox();
        let container = container_name(test);
        // The flags an Apache Mesos agent passes to its Docker executor, defaults included.
        let args = [
            format!("--container={container}"),
            "--docker=docker".to_owned(),
            "--docker_socket=/var/run/docker.sock".to_owned(),
            "--help=false".to_owned(),
            "--initialize_driver_logging=true".to_owned(),
            format!("--launcher_dir={}", bin_dir().display()),
            "--logbufsecs=0".to_owned(),
            "--logging_level=INFO".to_owned(),
            "--mapped_directory=/mnt/mesos/sandbox".to_owned(),
            "--quiet=false".to_owned(),
            format!("--sandbox_directory={}", sandbox.path().display()),
            "--stop_timeout=0ns".to_owned(),
        ];
        let env = executor_env(&agent, &executor_id, sandbox.path(), checkpoint);
        let process = spawn(
            env!("CARGO_BIN_EXE_mesos-docker-executor"),
            &args,
            &env,
            sandbox.path(),
            &container,
        );
        agent.wait_subscribed(1, T).await;
        Harness {
            agent,
            sandbox,
            process,
            container,
        }
    }

    /// Launches a shell command in the busybox image.
    async fn launch(&self, id: &str, command: &str, container: Value) {
        self.launch_with(id, command, container, resources(0.1, 64.0))
            .await;
    }

    async fn launch_with(&self, id: &str, command: &str, mut container: Value, resources: Value) {
        if container.get("type").is_none() {
            container["type"] = json!("DOCKER");
        }
        if container.get("docker").is_none() {
            container["docker"] = json!({"image": IMAGE});
        }
        let task = task(
            id,
            json!({"resources": resources, "command": {"value": command}, "container": container}),
        );
        self.agent.launch(task).await;
    }

    fn stdout(&self) -> String {
        read(self.sandbox.path(), "stdout")
    }

    fn log(&self) -> String {
        read(self.sandbox.path(), "executor.stderr")
    }
}

#[tokio::test]
async fn a_successful_task_finishes_with_its_output_in_the_sandbox() {
    let mut h = Harness::start("finish", false, false).await;
    h.launch(
        "t1",
        "echo hello from $MESOS_CONTAINER_NAME; echo oops >&2",
        json!({}),
    )
    .await;
    let running = h.agent.wait_for("t1", TaskState::Running, T).await;
    let inspect: Value = serde_json::from_slice(running.data.unwrap().as_slice()).unwrap();
    assert_eq!(
        inspect[0]["Name"],
        format!("/{}", h.container),
        "docker inspect in data"
    );
    let finished = h.agent.wait_terminal("t1", T).await;
    assert_eq!(finished.state, TaskState::Finished, "{finished:?}");
    assert_eq!(
        finished.message.as_deref(),
        Some("Container exited with status 0")
    );
    assert_eq!(
        h.agent.states("t1"),
        [TaskState::Starting, TaskState::Running, TaskState::Finished]
    );
    assert!(
        h.stdout().contains(&format!("hello from {}", h.container)),
        "{}",
        h.stdout()
    );
    assert!(read(h.sandbox.path(), "stderr").contains("oops"));
    let status = h.process.wait_exit(T).await;
    assert!(status.success(), "executor exit: {status}\n{}", h.log());
    assert!(!container_exists(&h.container), "the container is removed");
}

#[tokio::test]
async fn a_failing_task_reports_its_exit_status() {
    let mut h = Harness::start("fail", false, false).await;
    h.launch("t1", "exit 3", json!({})).await;
    let failed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Container exited with status 3")
    );
    h.process.wait_exit(T).await;
}

#[tokio::test]
async fn kill_lets_a_container_that_traps_sigterm_exit_cleanly() {
    let h = Harness::start("trap", false, false).await;
    let script = "trap 'echo caught TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done";
    h.launch("t1", script, json!({})).await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    h.agent
        .wait_until("the task to start", T, |_| h.stdout().contains("ready"))
        .await;
    let started = Instant::now();
    h.agent.kill("t1", Some(Duration::from_secs(30))).await;
    let killed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(killed.state, TaskState::Killed, "{killed:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the container exited on SIGTERM, long before the grace period"
    );
    assert!(h.stdout().contains("caught TERM"), "{}", h.stdout());
    assert!(
        !h.agent.states("t1").contains(&TaskState::Killing),
        "no TASK_KILLING without the capability"
    );
}

#[tokio::test]
async fn kill_escalates_to_sigkill_after_the_grace_period() {
    let h = Harness::start("ignore", false, true).await;
    h.launch(
        "t1",
        "trap '' TERM; while true; do sleep 0.1; done",
        json!({}),
    )
    .await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    let started = Instant::now();
    h.agent.kill("t1", Some(Duration::from_secs(2))).await;
    let killed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(killed.state, TaskState::Killed);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "SIGKILL came only after the grace period ({:?})",
        started.elapsed()
    );
    assert!(
        killed
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("137"),
        "{killed:?}"
    );
    assert!(
        h.agent.states("t1").contains(&TaskState::Killing),
        "TASK_KILLING for a framework with TASK_KILLING_STATE"
    );
}

#[tokio::test]
async fn read_only_and_read_write_volumes() {
    let h = Harness::start("volumes", false, false).await;
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("in.txt"), "from the host").unwrap();
    let out = tempfile::tempdir().unwrap();
    let script = "cat /ro/in.txt > /rw/out.txt; \
                  if echo x > /ro/new 2>/dev/null; then echo RO-WRITABLE; else echo RO-REFUSED; fi; \
                  echo sandbox > $MESOS_SANDBOX/written-inside";
    h.launch(
        "t1",
        script,
        json!({"volumes": [
            {"mode": "RO", "container_path": "/ro", "host_path": data.path()},
            {"mode": "RW", "container_path": "/rw", "host_path": out.path()},
        ]}),
    )
    .await;
    let done = h.agent.wait_terminal("t1", T).await;
    assert_eq!(done.state, TaskState::Finished, "{done:?}");
    assert_eq!(
        std::fs::read_to_string(out.path().join("out.txt")).unwrap(),
        "from the host"
    );
    assert!(h.stdout().contains("RO-REFUSED"), "{}", h.stdout());
    assert!(!data.path().join("new").exists());
    assert_eq!(read(h.sandbox.path(), "written-inside"), "sandbox\n");
}

#[tokio::test]
async fn a_bridge_port_mapping_is_reachable_from_the_host() {
    let h = Harness::start("ports", false, false).await;
    let port = 31003;
    let script =
        "mkdir -p /www && echo served-by-busybox > /www/index.html && httpd -f -p 8080 -h /www";
    h.launch(
        "t1",
        script,
        json!({"docker": {"image": IMAGE, "network": "BRIDGE",
            "port_mappings": [{"host_port": port, "container_port": 8080, "protocol": "tcp"}]}}),
    )
    .await;
    let running = h.agent.wait_for("t1", TaskState::Running, T).await;
    let ip = running.container_status.unwrap().network_infos[0].ip_addresses[0]
        .ip_address
        .clone()
        .unwrap();
    assert!(ip.starts_with("172."), "bridge address {ip}");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("http://127.0.0.1:{port}/index.html");
    let deadline = Instant::now() + T;
    let body = loop {
        match client.get(&url).send().await {
            Ok(r) if r.status().is_success() => break r.text().await.unwrap(),
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            other => panic!("port {port} never answered: {other:?}"),
        }
    };
    assert_eq!(body, "served-by-busybox\n");
    h.agent.kill("t1", Some(Duration::from_secs(1))).await;
    assert_eq!(
        h.agent.wait_terminal("t1", T).await.state,
        TaskState::Killed
    );
}

#[tokio::test]
async fn a_host_port_outside_the_resources_fails_the_task() {
    let mut h = Harness::start("badport", false, false).await;
    h.launch(
        "t1",
        "true",
        json!({"docker": {"image": IMAGE, "network": "BRIDGE",
            "port_mappings": [{"host_port": 32000, "container_port": 80}]}}),
    )
    .await;
    let failed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Failed to create docker run options: Port [32000] not included in resources")
    );
    h.process.wait_exit(T).await;
    assert!(!container_exists(&h.container));
}

#[tokio::test]
async fn a_missing_image_fails_with_the_daemons_message() {
    let h = Harness::start("noimage", false, false).await;
    h.launch(
        "t1",
        "true",
        json!({"docker": {"image": "local/no-such-image:404"}}),
    )
    .await;
    let failed = h.agent.wait_terminal("t1", Duration::from_secs(120)).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(failed.reason, Some(TaskStatusReason::ContainerLaunchFailed));
    let message = failed.message.unwrap();
    assert!(
        message.starts_with("Failed to pull image 'local/no-such-image:404': "),
        "{message}"
    );
}

#[tokio::test]
async fn an_oom_killed_container_reports_the_memory_limitation() {
    let h = Harness::start("oom", false, false).await;
    // `tail` keeps the whole (newline-free) input in memory: far beyond 32 MB.
    h.launch_with(
        "t1",
        "head -c 400m /dev/zero | tail > /dev/null",
        json!({}),
        resources(0.1, 32.0),
    )
    .await;
    let failed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(failed.state, TaskState::Failed, "{failed:?}");
    assert_eq!(
        failed.reason,
        Some(TaskStatusReason::ContainerLimitationMemory)
    );
    assert!(
        failed
            .message
            .unwrap()
            .contains("Memory limit of 32 MB exceeded")
    );
}

#[tokio::test]
async fn malformed_container_infos_fail_with_a_precise_message() {
    let h = Harness::start("malformed", false, false).await;
    let cases = [
        (
            json!({"type": "DOCKER", "docker": {"image": IMAGE},
                   "volumes": [{"mode": "RX", "container_path": "/x", "host_path": "/tmp"}]}),
            "unknown VolumeMode value \"RX\"",
        ),
        (
            json!({"type": "DOCKER", "docker": {}}),
            "missing field `image`",
        ),
        (
            json!({"type": "DOCKER", "docker": {"image": IMAGE}, "volumes": [
                {"mode": "RO", "container_path": "/d", "host_path": "/tmp"},
                {"mode": "RW", "container_path": "/d", "host_path": "/var"}]}),
            "Two volumes are mounted at container path '/d'",
        ),
        (
            json!({"type": "DOCKER", "docker": {"image": IMAGE, "network": "BRIDGE",
                   "port_mappings": [{"host_port": 31001, "container_port": 99999}]}}),
            "invalid container port 99999",
        ),
    ];
    // The first malformed task is the executor's only task; each case needs its own executor,
    // except that an unparsable LAUNCH never becomes the executor's task.
    let (container, expected) = &cases[0];
    let spec = json!({"name": "bad", "task_id": {"value": "bad0"}, "agent_id": {"value": "a"},
        "resources": resources(0.1, 32.0), "command": {"value": "true"}, "container": container});
    h.agent.send_raw_launch(&spec).await;
    let failed = h.agent.wait_terminal("bad0", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert!(failed.message.unwrap().contains(expected), "case 0");
    for (i, (container, expected)) in cases.iter().enumerate().skip(1) {
        let h = Harness::start(&format!("malformed{i}"), false, false).await;
        let id = format!("bad{i}");
        let spec = json!({"name": "bad", "task_id": {"value": id}, "agent_id": {"value": "a"},
            "resources": resources(0.1, 32.0), "command": {"value": "true"}, "container": container});
        h.agent.send_raw_launch(&spec).await;
        let failed = h.agent.wait_terminal(&id, T).await;
        assert_eq!(failed.state, TaskState::Failed, "case {i}");
        let message = failed.message.unwrap();
        assert!(message.contains(expected), "case {i}: {message}");
    }
}

#[tokio::test]
async fn a_second_task_on_one_executor_fails() {
    let h = Harness::start("second", false, false).await;
    h.launch("t1", "sleep 30", json!({})).await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    h.launch("t2", "true", json!({})).await;
    let failed = h.agent.wait_terminal("t2", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(
        failed.message.as_deref(),
        Some("Attempted to run multiple tasks using a \"docker\" executor")
    );
    h.agent.kill("t1", Some(Duration::ZERO)).await;
    assert_eq!(
        h.agent.wait_terminal("t1", T).await.state,
        TaskState::Killed
    );
}

#[tokio::test]
async fn max_completion_time_fails_the_task() {
    let h = Harness::start("deadline", false, false).await;
    let task = task(
        "t1",
        json!({"resources": resources(0.1, 32.0), "command": {"value": "sleep 60"},
               "container": {"type": "DOCKER", "docker": {"image": IMAGE}},
               "max_completion_time": {"nanoseconds": 1_500_000_000u64}}),
    );
    h.agent.launch(task).await;
    let failed = h.agent.wait_terminal("t1", T).await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(
        failed.reason,
        Some(TaskStatusReason::MaxCompletionTimeReached)
    );
}

#[tokio::test]
async fn shutdown_kills_the_task_and_exits() {
    let mut h = Harness::start("shutdown", false, false).await;
    h.launch("t1", "sleep 60", json!({})).await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    h.agent.shutdown().await;
    assert_eq!(
        h.agent.wait_terminal("t1", T).await.state,
        TaskState::Killed
    );
    assert!(h.process.wait_exit(T).await.success());
    assert!(!container_exists(&h.container));
}

#[tokio::test]
async fn without_checkpointing_a_lost_agent_stops_the_executor_and_its_container() {
    let mut h = Harness::start("nockpt", false, false).await;
    h.launch("t1", "sleep 60", json!({})).await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    h.agent.crash();
    h.process.wait_exit(T).await;
    assert!(
        !container_exists(&h.container),
        "no container outlives its executor"
    );
}

#[tokio::test]
async fn with_checkpointing_the_executor_resubscribes_and_the_task_keeps_running() {
    let mut h = Harness::start("ckpt", true, false).await;
    h.launch("t1", "sleep 60", json!({})).await;
    h.agent.wait_for("t1", TaskState::Running, T).await;
    // The agent goes away before acknowledging the next update.
    h.agent.set_auto_ack(false);
    h.agent.crash();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(h.process.is_running(), "the executor waits for the agent");
    assert!(container_exists(&h.container), "and its task keeps running");
    h.agent = h.agent.restart().await;
    h.agent.set_auto_ack(true);
    h.agent.wait_subscribed(2, T).await;
    let resubscribe = h.agent.subscriptions().pop().unwrap();
    let subscribe = resubscribe.subscribe.unwrap();
    assert!(
        subscribe.unacknowledged_tasks.is_empty(),
        "t1 was acknowledged before"
    );
    h.agent.kill("t1", Some(Duration::ZERO)).await;
    assert_eq!(
        h.agent.wait_terminal("t1", T).await.state,
        TaskState::Killed
    );
    assert!(h.process.wait_exit(T).await.success());
}

#[tokio::test]
async fn updates_are_resent_until_acknowledged() {
    let h = Harness::start("resend", false, false).await;
    // The agent refuses the first two updates, then takes updates without acknowledging them.
    h.agent.reject_updates(2);
    h.agent.set_auto_ack(false);
    h.launch("t1", "sleep 60", json!({})).await;
    let running = h.agent.wait_for("t1", TaskState::Running, T).await;
    let uuid = running.uuid.clone().unwrap();
    h.agent
        .wait_until(
            "the RUNNING update to be resent",
            Duration::from_secs(40),
            |a| {
                a.updates()
                    .iter()
                    .filter(|s| s.uuid.as_ref() == Some(&uuid))
                    .count()
                    >= 2
            },
        )
        .await;
    for update in h.agent.updates() {
        h.agent.acknowledge(&update).await;
    }
    let count = h.agent.updates().len();
    tokio::time::sleep(Duration::from_secs(15)).await;
    assert_eq!(
        h.agent.updates().len(),
        count,
        "nothing is resent once acknowledged"
    );
    h.agent.set_auto_ack(true);
    h.agent.kill("t1", Some(Duration::ZERO)).await;
    assert_eq!(
        h.agent.wait_terminal("t1", T).await.state,
        TaskState::Killed
    );
}

//! The real `mesos-master`, `mesos-agent` and executors on 127.0.0.1 with the real Docker engine,
//! driven by a framework over the v1 scheduler API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mesos_api::v1::{TaskState, TaskStatusReason};
use mesos_e2e::*;
use serde_json::json;

const IMAGE: &str = "local/busybox:1";

fn docker(command: &str) -> serde_json::Value {
    json!({"command": {"value": command}, "container": {"type": "DOCKER", "docker": {"image": IMAGE}}})
}

#[tokio::test]
async fn docker_and_command_tasks_finish_with_their_output_in_the_sandbox() {
    require_docker();
    let mut cluster = Cluster::start(&[]).await;
    cluster.add_agent(&[]).await;
    let agent = cluster.agent_id(0).await;
    let framework =
        Framework::subscribe(cluster.master_address(), framework_info("e2e", false)).await;
    let mut used = Vec::new();
    let offer = framework.offer_from(&agent, &mut used).await;
    framework
        .launch(
            &offer,
            vec![
                task(
                    "docker-task",
                    &agent,
                    "cpus:0.5;mem:64",
                    docker("echo hello from docker"),
                ),
                task(
                    "command-task",
                    &agent,
                    "cpus:0.5;mem:64",
                    json!({"command": {"value": "echo hello from a command"}}),
                ),
            ],
        )
        .await;
    for (id, text) in [
        ("docker-task", "hello from docker"),
        ("command-task", "hello from a command"),
    ] {
        let done = framework.wait_terminal(id).await;
        assert_eq!(done.state, TaskState::Finished, "{done:?}");
        assert_eq!(
            framework.states(id),
            [TaskState::Starting, TaskState::Running, TaskState::Finished],
            "{id}: each update exactly once, in order"
        );
        let sandbox = sandbox_of(&cluster.agents[0], id).await;
        let (status, body) =
            read_sandbox_file(&cluster.agents[0], &format!("{sandbox}/stdout")).await;
        assert_eq!(status, 200);
        assert!(body["data"].as_str().unwrap().contains(text), "{body}");
    }
    // The master saw them end and moved them to completed.
    let state = cluster.master.get_json("/master/state").await;
    let completed = state["frameworks"][0]["completed_tasks"]
        .as_array()
        .unwrap();
    assert_eq!(completed.len(), 2, "{state}");
}

#[tokio::test]
async fn a_running_docker_task_is_killed() {
    require_docker();
    let mut cluster = Cluster::start(&[]).await;
    cluster.add_agent(&[]).await;
    let agent = cluster.agent_id(0).await;
    let framework =
        Framework::subscribe(cluster.master_address(), framework_info("kill", false)).await;
    let offer = framework.offer_from(&agent, &mut Vec::new()).await;
    framework
        .launch(
            &offer,
            vec![task(
                "sleeper",
                &agent,
                "cpus:0.5;mem:64",
                docker("sleep 600"),
            )],
        )
        .await;
    framework.wait_state("sleeper", TaskState::Running).await;
    framework.kill("sleeper", &agent).await;
    let killed = framework.wait_terminal("sleeper").await;
    assert_eq!(killed.state, TaskState::Killed, "{killed:?}");
}

#[tokio::test]
async fn two_agents_offer_their_attributes() {
    let mut cluster = Cluster::start(&[]).await;
    cluster.add_agent(&["--attributes=rack:r1;zone:a"]).await;
    cluster
        .add_agent(&["--attributes=rack:r2;zone:b;gpus:2"])
        .await;
    let (a, b) = (cluster.agent_id(0).await, cluster.agent_id(1).await);
    let framework =
        Framework::subscribe(cluster.master_address(), framework_info("attrs", false)).await;
    let mut used = Vec::new();
    let first = framework.offer_from(&a, &mut used).await;
    let second = framework.offer_from(&b, &mut used).await;
    assert_eq!(attributes_of(&first)["zone"], "zone:a");
    assert_eq!(attributes_of(&second)["rack"], "rack:r2");
    assert_eq!(attributes_of(&second)["gpus"], "gpus:2");
}

#[tokio::test]
async fn a_checkpointed_task_survives_an_agent_crash_without_losing_updates() {
    require_docker();
    let mut cluster = Cluster::start(&[]).await;
    cluster.add_agent(&[]).await;
    let agent = cluster.agent_id(0).await;
    let framework =
        Framework::subscribe(cluster.master_address(), framework_info("ckpt", true)).await;
    let offer = framework.offer_from(&agent, &mut Vec::new()).await;
    framework
        .launch(
            &offer,
            vec![task(
                "survivor",
                &agent,
                "cpus:0.5;mem:64",
                docker("sleep 600"),
            )],
        )
        .await;
    framework.wait_state("survivor", TaskState::Running).await;
    // kill -9, then the same agent again.
    cluster.agents[0].restart().await;
    // The executor re-subscribes to the restarted agent and the task keeps running.
    let agent_url = cluster.agents[0].url();
    eventually("the executor to re-subscribe", || {
        let url = agent_url.clone();
        async move {
            let state: serde_json::Value = http()
                .get(format!("{url}/state"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            state["frameworks"][0]["executors"][0]["tasks"][0]["state"] == "TASK_RUNNING"
        }
    })
    .await;
    framework.kill("survivor", &agent).await;
    let killed = framework.wait_terminal("survivor").await;
    assert_eq!(killed.state, TaskState::Killed, "{killed:?}");
    assert_eq!(
        framework.states("survivor"),
        [TaskState::Starting, TaskState::Running, TaskState::Killed],
        "no update lost or duplicated in the framework's view"
    );
}

#[tokio::test]
async fn an_update_produced_while_the_master_is_down_arrives_after_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let registry = format!("--work_dir={}", dir.path().display());
    let mut cluster = Cluster::start(&["--registry=replicated_log", &registry]).await;
    cluster.add_agent(&[]).await;
    let agent = cluster.agent_id(0).await;
    let mut info = framework_info("master-down", true);
    let framework = Framework::subscribe(cluster.master_address(), info.clone()).await;
    let offer = framework.offer_from(&agent, &mut Vec::new()).await;
    framework
        .launch(
            &offer,
            vec![task(
                "late",
                &agent,
                "cpus:0.5;mem:64",
                json!({"command": {"value": "sleep 3; echo done"}}),
            )],
        )
        .await;
    framework.wait_state("late", TaskState::Running).await;
    cluster.master.kill();
    // The task finishes while there is no master.
    let agent_url = cluster.agents[0].url();
    eventually("the task to finish on the agent", || {
        let url = agent_url.clone();
        async move {
            let state: serde_json::Value = http()
                .get(format!("{url}/state"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            state.to_string().contains("TASK_FINISHED")
        }
    })
    .await;
    cluster.master.restart().await;
    info.id = Some(framework.id());
    drop(framework);
    let framework = Framework::subscribe(cluster.master_address(), info).await;
    let finished = framework.wait_terminal("late").await;
    assert_eq!(finished.state, TaskState::Finished, "{finished:?}");
}

#[tokio::test]
async fn host_path_and_privileged_restrictions() {
    let mut cluster = Cluster::start(&[]).await;
    cluster
        .add_agent(&[
            "--allowed_host_paths=/srv/allowed",
            "--allow_privileged=false",
        ])
        .await;
    let agent = cluster.agent_id(0).await;
    let framework =
        Framework::subscribe(cluster.master_address(), framework_info("policy", false)).await;
    let offer = framework.offer_from(&agent, &mut Vec::new()).await;
    let mut outside = docker("true");
    outside["container"]["volumes"] =
        json!([{"mode": "RO", "container_path": "/etc-host", "host_path": "/etc"}]);
    let mut privileged = docker("true");
    privileged["container"]["docker"]["privileged"] = json!(true);
    framework
        .launch(
            &offer,
            vec![
                task("outside", &agent, "cpus:0.5;mem:64", outside),
                task("privileged", &agent, "cpus:0.5;mem:64", privileged),
            ],
        )
        .await;
    let failed = framework.wait_terminal("outside").await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(failed.reason, Some(TaskStatusReason::ContainerLaunchFailed));
    assert!(
        failed
            .message
            .unwrap()
            .contains("Host path '/etc' is not allowed")
    );
    let failed = framework.wait_terminal("privileged").await;
    assert_eq!(failed.state, TaskState::Failed);
    assert!(failed.message.unwrap().contains("privileged"));
}

#[tokio::test]
async fn a_uri_that_cannot_be_fetched_fails_the_task() {
    let mut cluster = Cluster::start(&[]).await;
    cluster.add_agent(&[]).await;
    let agent = cluster.agent_id(0).await;
    let framework =
        Framework::subscribe(cluster.master_address(), framework_info("fetch", false)).await;
    let offer = framework.offer_from(&agent, &mut Vec::new()).await;
    let spec = json!({"command": {"value": "true", "uris": [{"value": "/no/such/file.tgz"}]}});
    framework
        .launch(
            &offer,
            vec![task("fetchless", &agent, "cpus:0.5;mem:64", spec)],
        )
        .await;
    let failed = framework.wait_terminal("fetchless").await;
    assert_eq!(failed.state, TaskState::Failed);
    assert_eq!(failed.reason, Some(TaskStatusReason::ContainerLaunchFailed));
    assert!(failed.message.unwrap().contains("/no/such/file.tgz"));
}

#[tokio::test]
async fn files_refuses_paths_outside_the_sandboxes() {
    let mut cluster = Cluster::start(&[]).await;
    cluster.add_agent(&[]).await;
    let agent = cluster.agent_id(0).await;
    let framework =
        Framework::subscribe(cluster.master_address(), framework_info("files", false)).await;
    let offer = framework.offer_from(&agent, &mut Vec::new()).await;
    let spec = json!({"command": {"value": "echo inside > inside.txt; ln -s /etc/passwd escape"}});
    framework
        .launch(&offer, vec![task("files", &agent, "cpus:0.5;mem:64", spec)])
        .await;
    assert_eq!(
        framework.wait_terminal("files").await.state,
        TaskState::Finished
    );
    let sandbox = sandbox_of(&cluster.agents[0], "files").await;
    let (status, body) =
        read_sandbox_file(&cluster.agents[0], &format!("{sandbox}/inside.txt")).await;
    assert_eq!((status, body["data"].as_str()), (200, Some("inside\n")));
    for path in [
        "/etc/passwd",
        &format!("{sandbox}/../../../../../../../etc/passwd"),
        &format!("{sandbox}/escape"),
    ] {
        let (status, body) = read_sandbox_file(&cluster.agents[0], path).await;
        assert!(matches!(status, 400 | 403 | 404), "{path}: {status} {body}");
        assert!(
            !body.to_string().contains("root:"),
            "{path} leaked /etc/passwd"
        );
    }
}

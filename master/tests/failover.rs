//! Failures around the real `mesos-master`: framework failover and removal, agents that crash,
//! restart or stop pinging, a master restart with a persistent registry, and a subscriber that
//! stops reading.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use mesos_api::client::scheduler::SchedulerError;
use mesos_api::internal::MasterEventType;
use mesos_api::v1::scheduler::{Call, EventType, ReconcileTask};
use mesos_api::v1::{
    AgentId, FrameworkCapabilityType, FrameworkInfo, TaskId, TaskState, TaskStatusReason,
};
use reqwest::StatusCode;
use support::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Waits until the master answers this framework's calls with 403 (it saw the stream close).
async fn wait_disconnected(framework: &TestFramework) {
    eventually("the master to see the framework disconnected", || async {
        matches!(
            framework.call(Call::revive(framework.id(), vec![])).await,
            Err(SchedulerError::Rejected { status, .. }) if status == StatusCode::FORBIDDEN
        )
    })
    .await;
}

/// The next offer of `agent` made to any of these frameworks (taken from its events).
async fn eventually_offered(
    frameworks: &[&TestFramework],
    agent: &AgentId,
) -> mesos_api::v1::Offer {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        for framework in frameworks {
            let offer = framework.events.try_take(|e| {
                e.offers
                    .as_ref()
                    .and_then(|o| o.offers.iter().find(|o| o.agent_id == *agent).cloned())
            });
            if let Some(offer) = offer {
                return offer;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no offer of {agent}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Launches `task` on the framework's next offer and waits for TASK_RUNNING (acknowledged).
async fn launch_running(framework: &TestFramework, agent: &TestAgent, id: &str) {
    let offer = framework.next_offer_on(&agent.id()).await;
    framework
        .launch(&offer.id, vec![task(id, &agent.id(), "cpus:1;mem:128")])
        .await;
    let running = framework.next_update(id).await;
    assert_eq!(running.state, TaskState::Running, "{running:?}");
    framework.acknowledge(&running).await;
}

fn with_failover(mut info: FrameworkInfo, seconds: f64) -> FrameworkInfo {
    info.failover_timeout = seconds;
    info
}

#[tokio::test(flavor = "multi_thread")]
async fn a_framework_fails_over_within_its_timeout() {
    let master = MasterProcess::start(FAST).await;
    let info = with_failover(framework_info("f"), 3600.0);
    let old = TestFramework::subscribe(master.address(), info.clone()).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;
    launch_running(&old, &agent, "t1").await;

    // A second scheduler instance takes over while the first is still connected.
    let new = TestFramework::subscribe(
        master.address(),
        FrameworkInfo {
            id: Some(old.id()),
            ..info.clone()
        },
    )
    .await;
    assert_eq!(new.id(), old.id(), "the same framework id");
    assert_eq!(old.next_error().await, "Framework failed over");
    // The old stream is closed by the master after the ERROR.
    old.events.wait_ended().await;
    // The old stream id is stale.
    let error = old.call(Call::revive(old.id(), vec![])).await;
    assert!(
        matches!(&error, Err(SchedulerError::Rejected { status, .. }) if *status == StatusCode::BAD_REQUEST),
        "{error:?}"
    );
    // The task was kept.
    new.must(Call::reconcile(new.id(), vec![])).await;
    let status = new.next_update("t1").await;
    assert_eq!(status.state, TaskState::Running);
    assert!(
        agent
            .events()
            .all()
            .iter()
            .all(|e| e.kind != MasterEventType::ShutdownFramework)
    );

    // Disconnected and back within the timeout: still the same framework, task and all.
    new.disconnect();
    wait_disconnected(&new).await;
    let back = TestFramework::subscribe(
        master.address(),
        FrameworkInfo {
            id: Some(old.id()),
            ..info
        },
    )
    .await;
    assert_eq!(back.id(), old.id());
    back.must(Call::reconcile(back.id(), vec![])).await;
    assert_eq!(back.next_update("t1").await.state, TaskState::Running);
    // Offers come again to the re-subscribed framework.
    let offer = back.next_offer_on(&agent.id()).await;
    assert_eq!(scalar(&offer, "cpus"), 1.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_framework_past_its_failover_timeout_is_removed() {
    let master = MasterProcess::start(FAST).await;
    let info = with_failover(framework_info("f"), 1.0);
    let framework = TestFramework::subscribe(master.address(), info.clone()).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;
    launch_running(&framework, &agent, "t1").await;
    framework.disconnect();

    let shutdown = agent.next(MasterEventType::ShutdownFramework).await;
    assert_eq!(
        shutdown.shutdown_framework.unwrap().framework_id,
        framework.id()
    );
    let error = TestFramework::try_subscribe(
        master.address(),
        FrameworkInfo {
            id: Some(framework.id()),
            ..info
        },
    )
    .await;
    match error {
        Err(SchedulerError::Refused(message)) => assert_eq!(message, "Framework has been removed"),
        Err(other) => panic!("expected an ERROR event, got {other}"),
        Ok(_) => panic!("a removed framework re-subscribed"),
    }
    // Its task is killed and completed; the framework is a completed framework.
    let state = master.get_json("/master/state").await;
    let completed = state["completed_frameworks"]
        .as_array()
        .expect("completed_frameworks");
    let entry = completed
        .iter()
        .find(|f| f["id"] == framework.id().value)
        .expect("the removed framework in completed_frameworks");
    assert_eq!(
        entry["completed_tasks"][0]["state"], "TASK_KILLED",
        "{entry:#}"
    );
    // The agent's resources are free for others.
    let other = TestFramework::subscribe(master.address(), framework_info("other")).await;
    let offer = other.next_offer_on(&agent.id()).await;
    assert_eq!(scalar(&offer, "cpus"), 2.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_that_stops_pinging_is_lost() {
    let master = MasterProcess::start(&[
        "--allocation_interval=50ms",
        "--agent_ping_timeout=1secs",
        "--max_agent_ping_timeouts=2",
    ])
    .await;
    let plain = TestFramework::subscribe(master.address(), framework_info("plain")).await;
    let agent = TestAgent::register(&master, "host", "cpus:4;mem:4096").await;
    assert_eq!(agent.ping_interval, Duration::from_secs(1));
    // `plain` launches and refuses the rest for an hour, so `aware` gets it.
    let offer = plain.next_offer_on(&agent.id()).await;
    plain
        .must(Call::accept(
            plain.id(),
            vec![offer.id],
            vec![mesos_api::v1::Operation::launch(vec![task(
                "p1",
                &agent.id(),
                "cpus:1;mem:128",
            )])],
            Some(mesos_api::v1::Filters {
                refuse_seconds: 3600.0,
            }),
        ))
        .await;
    assert_eq!(plain.next_update("p1").await.state, TaskState::Running);
    let aware = TestFramework::subscribe(
        master.address(),
        with_capability(
            framework_info("aware"),
            FrameworkCapabilityType::PartitionAware,
        ),
    )
    .await;
    launch_running(&aware, &agent, "a1").await;
    // `aware` now holds an offer of what is left.
    let held = aware.next_offer_on(&agent.id()).await;
    assert_eq!(scalar(&held, "cpus"), 2.0);

    agent.set_pinging(false);
    let lost = plain.next_update("p1").await;
    assert_eq!(lost.state, TaskState::Lost);
    assert_eq!(lost.reason, Some(TaskStatusReason::AgentRemoved));
    let unreachable = aware.next_update("a1").await;
    assert_eq!(unreachable.state, TaskState::Unreachable);
    assert_eq!(unreachable.reason, Some(TaskStatusReason::AgentRemoved));
    assert!(unreachable.unreachable_time.is_some(), "{unreachable:?}");
    let rescind = aware.next(EventType::Rescind).await;
    assert_eq!(rescind.rescind.unwrap().offer_id, held.id);
    for framework in [&plain, &aware] {
        let failure = framework.next(EventType::Failure).await.failure.unwrap();
        assert_eq!(failure.agent_id, Some(agent.id()));
        assert_eq!(failure.executor_id, None);
    }
    // Calls of the lost agent are refused until it re-registers.
    let (status, body) = agent
        .call(&mesos_api::internal::AgentCall::new(
            mesos_api::internal::AgentCallType::Ping,
            Some(agent.id()),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Reconciling a task on it: TASK_UNREACHABLE for the partition-aware framework.
    aware
        .must(Call::reconcile(
            aware.id(),
            vec![ReconcileTask {
                task_id: TaskId::new("a1"),
                agent_id: Some(agent.id()),
            }],
        ))
        .await;
    assert_eq!(aware.next_update("a1").await.state, TaskState::Unreachable);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_that_crashes_and_comes_back_keeps_checkpointed_tasks() {
    let master = MasterProcess::start(FAST).await;
    let plain = TestFramework::subscribe(master.address(), framework_info("plain")).await;
    let mut agent = TestAgent::register(&master, "host", "cpus:4;mem:4096").await;
    let offer = plain.next_offer_on(&agent.id()).await;
    plain
        .must(Call::accept(
            plain.id(),
            vec![offer.id],
            vec![mesos_api::v1::Operation::launch(vec![task(
                "p1",
                &agent.id(),
                "cpus:1;mem:128",
            )])],
            Some(mesos_api::v1::Filters {
                refuse_seconds: 3600.0,
            }),
        ))
        .await;
    assert_eq!(plain.next_update("p1").await.state, TaskState::Running);
    let mut info = framework_info("checkpointing");
    info.checkpoint = true;
    let checkpointing = TestFramework::subscribe(master.address(), info).await;
    launch_running(&checkpointing, &agent, "c1").await;
    let held = checkpointing.next_offer_on(&agent.id()).await;

    agent.crash();
    // Tasks of frameworks that do not checkpoint are lost at once; offers are rescinded.
    let lost = plain.next_update("p1").await;
    assert_eq!(lost.state, TaskState::Lost);
    assert_eq!(lost.reason, Some(TaskStatusReason::AgentDisconnected));
    let rescind = checkpointing.next(EventType::Rescind).await;
    assert_eq!(rescind.rescind.unwrap().offer_id, held.id);

    // The agent comes back with its tasks; the checkpointed one is still running. The lost one
    // stays lost: the agent is told to kill it.
    agent.reregister(&master).await;
    let kill = agent
        .next(MasterEventType::KillTask)
        .await
        .kill_task
        .unwrap();
    assert_eq!(kill.task_id, TaskId::new("p1"));
    assert_eq!(kill.framework_id, plain.id());
    checkpointing
        .must(Call::reconcile(checkpointing.id(), vec![]))
        .await;
    let status = checkpointing.next_update("c1").await;
    assert_eq!(status.state, TaskState::Running);
    // It is offered again, without the running task's resources (the lost task's are free).
    let offer = eventually_offered(&[&plain, &checkpointing], &agent.id()).await;
    assert_eq!(scalar(&offer, "cpus"), 3.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reregistering_agent_replaces_its_old_stream() {
    let master = MasterProcess::start(FAST).await;
    let mut agent = TestAgent::register(&master, "host", "cpus:1;mem:512").await;
    let old_events = agent.events();
    let old_stream = agent.stream_id();
    // Re-register without dropping the old stream first (a network partition healing).
    agent.reregister_keeping_old_stream().await;
    assert_ne!(agent.stream_id(), old_stream);
    let error = old_events
        .take("an ERROR on the old stream", |e| e.error.clone())
        .await;
    assert!(error.message.contains("re-registered"), "{error:?}");
    old_events.wait_ended().await;
    let ping = mesos_api::internal::AgentCall::new(
        mesos_api::internal::AgentCallType::Ping,
        Some(agent.id()),
    );
    let (status, _) = agent.call_with_stream_id(&ping, &old_stream).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = agent.call(&ping).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = agent
        .call(&mesos_api::internal::AgentCall::new(
            mesos_api::internal::AgentCallType::Ping,
            Some(AgentId::new("stranger")),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn tasks_survive_a_master_restart_with_the_replicated_log() {
    let work_dir = temp_dir();
    let work_flag = format!("--work_dir={}", work_dir.path().display());
    let mut master = MasterProcess::start(&[
        "--allocation_interval=50ms",
        "--registry=replicated_log",
        &work_flag,
    ])
    .await;
    let mut info = with_failover(framework_info("f"), 3600.0);
    info.checkpoint = true;
    let framework = TestFramework::subscribe(master.address(), info.clone()).await;
    let mut agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;
    launch_running(&framework, &agent, "t1").await;
    let framework_id = framework.id();
    let agent_id = agent.id();

    master.restart().await;
    framework.events.wait_ended().await;
    // The framework comes back (which rewrites the registry), and the master restarts once
    // more before the agent is back: the registry must still know the agent.
    let early = TestFramework::subscribe(
        master.address(),
        FrameworkInfo {
            id: Some(framework_id.clone()),
            ..info.clone()
        },
    )
    .await;
    assert_eq!(early.id(), framework_id);
    master.restart().await;
    early.events.wait_ended().await;

    // The framework comes back first again: the agent is known from the registry but has not
    // re-registered, so reconciling its task gets no answer yet (the unknown agent's does).
    let back = TestFramework::subscribe(
        master.address(),
        FrameworkInfo {
            id: Some(framework_id.clone()),
            ..info.clone()
        },
    )
    .await;
    assert_eq!(back.id(), framework_id);
    back.must(Call::reconcile(
        back.id(),
        vec![
            ReconcileTask {
                task_id: TaskId::new("t1"),
                agent_id: Some(agent_id.clone()),
            },
            // Without an agent id, any agent still recovering might have it.
            ReconcileTask {
                task_id: TaskId::new("somewhere"),
                agent_id: None,
            },
            ReconcileTask {
                task_id: TaskId::new("probe"),
                agent_id: Some(AgentId::new("never-seen")),
            },
        ],
    ))
    .await;
    assert_eq!(back.next_update("probe").await.state, TaskState::Lost);
    assert!(
        back.events
            .all()
            .iter()
            .filter_map(|e| e.update.as_ref())
            .all(|u| u.status.task_id.value != "t1" && u.status.task_id.value != "somewhere"),
        "a task that may be on a recovering agent must not be reported lost"
    );

    // The agent re-registers with its task: the framework still sees it running.
    agent.reregister(&master).await;
    assert_eq!(agent.id(), agent_id);
    back.must(Call::reconcile(back.id(), vec![])).await;
    let status = back.next_update("t1").await;
    assert_eq!(status.state, TaskState::Running);
    assert_eq!(status.agent_id, Some(agent_id.clone()));
    // The running task's resources stay used.
    let offer = back.next_offer_on(&agent_id).await;
    assert_eq!(scalar(&offer, "cpus"), 1.0);
    assert!(
        agent
            .events()
            .all()
            .iter()
            .all(|e| e.kind != MasterEventType::KillTask
                && e.kind != MasterEventType::ShutdownFramework),
        "{:?}",
        agent.events().all()
    );
    // Updates flow as before.
    let finished = agent
        .send_update(&framework_id, "t1", TaskState::Finished)
        .await;
    let update = back.next_update("t1").await;
    assert_eq!(update.uuid, finished.uuid);
    back.acknowledge(&update).await;
    agent.next(MasterEventType::Acknowledge).await;

    // A framework id the restarted master assigns next does not collide with the old one.
    let fresh = TestFramework::subscribe(master.address(), framework_info("fresh")).await;
    assert_ne!(fresh.id(), framework_id);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_in_memory_master_restart_rebuilds_from_the_agents() {
    let mut master = MasterProcess::start(FAST).await;
    // Spark's default: no failover timeout. Losing the master is not the framework's failure,
    // so it must still be able to come back.
    let mut info = framework_info("f");
    info.checkpoint = true;
    let framework = TestFramework::subscribe(master.address(), info.clone()).await;
    let mut agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;
    launch_running(&framework, &agent, "t1").await;
    let framework_id = framework.id();

    master.restart().await;
    agent.reregister(&master).await;
    // The scheduler takes a moment to notice and reconnect (the master's timers run meanwhile).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let back = TestFramework::subscribe(
        master.address(),
        FrameworkInfo {
            id: Some(framework_id.clone()),
            ..info
        },
    )
    .await;
    assert_eq!(back.id(), framework_id);
    back.must(Call::reconcile(back.id(), vec![])).await;
    assert_eq!(back.next_update("t1").await.state, TaskState::Running);
    assert!(
        agent
            .events()
            .all()
            .iter()
            .all(|e| e.kind != MasterEventType::ShutdownFramework),
        "the recovered framework was removed"
    );
}

/// SUBSCRIBE on a raw socket that is never read after the response headers.
async fn stalled_subscriber(master: &MasterProcess, id: &str) -> (tokio::net::TcpStream, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket
        .connect(format!("127.0.0.1:{}", master.port).parse().unwrap())
        .await
        .unwrap();
    let mut info = with_failover(framework_info("stalled"), 3600.0);
    info.id = Some(mesos_api::v1::FrameworkId::new(id));
    let body = serde_json::to_string(&Call::subscribe(info)).unwrap();
    let request = format!(
        "POST /api/v1/scheduler HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Accept: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "response headers");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let stream_id = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(name, _)| name.eq_ignore_ascii_case("mesos-stream-id"))
                .map(|(_, value)| value.trim().to_owned())
        })
        .expect("Mesos-Stream-Id");
    (stream, stream_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_subscriber_is_disconnected_without_blocking_others() {
    let master = MasterProcess::start(FAST).await;
    let healthy = TestFramework::subscribe(master.address(), framework_info("healthy")).await;
    let stalled_id = "stalled-framework";
    let (mut socket, stream_id) = stalled_subscriber(&master, stalled_id).await;
    let url = format!("{}/api/v1/scheduler", master.url());

    // Floods of updates for the stalled framework (explicit reconciliation of unknown tasks),
    // interleaved with the healthy framework's calls, until the master gives up on it.
    let flood: Vec<ReconcileTask> = (0..10_000)
        .map(|i| ReconcileTask {
            task_id: TaskId::new(format!("unknown-task-with-a-long-name-{i:06}")),
            agent_id: None,
        })
        .collect();
    let body = serde_json::to_string(&Call::reconcile(
        mesos_api::v1::FrameworkId::new(stalled_id),
        flood,
    ))
    .unwrap();
    let mut disconnected = false;
    for round in 0..200 {
        let (status, _, text) = post(
            &url,
            &[
                ("Content-Type", "application/json"),
                ("Mesos-Stream-Id", &stream_id),
            ],
            body.clone(),
        )
        .await;
        if status == StatusCode::FORBIDDEN {
            assert!(text.contains("Framework is not subscribed"), "{text}");
            disconnected = true;
            break;
        }
        assert_eq!(status, StatusCode::ACCEPTED, "{text}");
        // The healthy framework keeps being served meanwhile.
        let task = format!("healthy-{round}");
        healthy
            .must(Call::reconcile(
                healthy.id(),
                vec![ReconcileTask {
                    task_id: TaskId::new(task.clone()),
                    agent_id: None,
                }],
            ))
            .await;
        assert_eq!(healthy.next_update(&task).await.state, TaskState::Lost);
    }
    assert!(
        disconnected,
        "the stalled subscriber was never disconnected"
    );

    // The master closed the stalled stream: reading it now reaches its end.
    let mut sink = vec![0u8; 1 << 16];
    tokio::time::timeout(TIMEOUT, async {
        loop {
            match socket.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the master closes the stalled subscriber's connection");

    // Everyone else is still served; the stalled framework may come back.
    let agent = TestAgent::register(&master, "host", "cpus:1;mem:512").await;
    healthy.next_offer_on(&agent.id()).await;
    let mut info = with_failover(framework_info("stalled"), 3600.0);
    info.id = Some(mesos_api::v1::FrameworkId::new(stalled_id));
    let back = TestFramework::subscribe(master.address(), info).await;
    assert_eq!(back.id().value, stalled_id);
}

//! The master ↔ agent protocol of `docs/master-agent-protocol.md` against the real
//! `mesos-master`: registration checks, executors' exits and messages, framework messages,
//! executor shutdowns, UPDATE_FRAMEWORK, and agents that unregister.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use mesos_api::internal::{
    AGENT_API_PATH, AgentCall, AgentCallType, ExecutorExited, ExecutorMessage, MasterEventType,
    PROTOCOL_VERSION, Register,
};
use mesos_api::json::Bytes;
use mesos_api::v1::scheduler::{Call, EventType};
use mesos_api::v1::{
    AgentInfo, ExecutorId, FrameworkCapabilityType, FrameworkInfo, TaskInfo, TaskState,
    TaskStatusReason,
};
use reqwest::StatusCode;
use support::*;

fn register_call(kind: AgentCallType, version: &str, id: Option<&str>) -> String {
    let mut call = AgentCall::new(kind, id.map(mesos_api::v1::AgentId::new));
    call.register = Some(Register {
        agent_info: AgentInfo {
            hostname: "host".to_owned(),
            port: 5051,
            id: id.map(mesos_api::v1::AgentId::new),
            ..AgentInfo::default()
        },
        version: version.to_owned(),
        agent_version: None,
        endpoint: None,
        frameworks: Vec::new(),
        executors: Vec::new(),
        tasks: Vec::new(),
    });
    serde_json::to_string(&call).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn registrations_are_checked() {
    let master = MasterProcess::start(FAST).await;
    let url = format!("{}{AGENT_API_PATH}", master.url());
    let json = [("Content-Type", "application/json")];

    let (status, _, body) = post(
        &url,
        &json,
        register_call(AgentCallType::Register, "2.0", None),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.contains("2.0") && body.contains(PROTOCOL_VERSION),
        "{body}"
    );

    let (status, _, body) = post(
        &url,
        &json,
        register_call(AgentCallType::Reregister, PROTOCOL_VERSION, None),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, _, body) = post(
        &url,
        &[],
        register_call(AgentCallType::Register, "1.0", None),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, _) = post(&url, &json, "{\"type\":").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A call from an agent the master does not know: it must register first.
    let ping = AgentCall::new(
        AgentCallType::Ping,
        Some(mesos_api::v1::AgentId::new("who")),
    );
    let (status, _, body) = post(
        &url,
        &[
            ("Content-Type", "application/json"),
            ("Mesos-Stream-Id", "x"),
        ],
        serde_json::to_string(&ping).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // A minor version of the protocol is fine; an agent with an id the master never saw may
    // re-register (the master lost its state).
    let agent = TestAgent::register(&master, "host", "cpus:1;mem:512").await;
    let response = http()
        .post(&url)
        .header("Content-Type", "application/json")
        .body(register_call(
            AgentCallType::Reregister,
            "1.7",
            Some("from-before"),
        ))
        .timeout(std::time::Duration::from_secs(3600))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("mesos-stream-id"));
    drop(agent);
}

fn executor_task(id: &str, agent: &TestAgent, executor: &str) -> TaskInfo {
    let mut task = task(id, &agent.id(), "cpus:0.5;mem:64");
    task.command = None;
    task.executor = Some(
        serde_json::from_value(serde_json::json!({
            "executor_id": {"value": executor},
            "command": {"value": "./my-executor"},
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}]
        }))
        .unwrap(),
    );
    task
}

#[tokio::test(flavor = "multi_thread")]
async fn executors_talk_to_their_frameworks_through_the_master() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("f")).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;
    let offer = framework.next_offer().await;
    framework
        .launch(&offer.id, vec![executor_task("t1", &agent, "exec")])
        .await;
    let run = agent.next(MasterEventType::RunTask).await.run_task.unwrap();
    let executor = run.task.executor.expect("the task's executor");
    assert_eq!(executor.executor_id, ExecutorId::new("exec"));
    assert_eq!(
        run.task.resources.len(),
        2,
        "cpus and mem, without the executor's"
    );
    assert!(
        executor
            .resources
            .iter()
            .all(|r| r.allocation_info.is_some()),
        "the executor's resources are allocated too: {executor:?}"
    );
    assert_eq!(framework.next_update("t1").await.state, TaskState::Running);
    // The next offer on the agent names the running executor.
    let offer = framework.next_offer_on(&agent.id()).await;
    assert_eq!(offer.executor_ids, vec![ExecutorId::new("exec")]);

    // Framework → executor.
    framework
        .must(Call::message(
            framework.id(),
            agent.id(),
            ExecutorId::new("exec"),
            Bytes::from("hello executor"),
        ))
        .await;
    let message = agent.next(MasterEventType::FrameworkMessage).await;
    let message = message.framework_message.unwrap();
    assert_eq!(message.executor_id, ExecutorId::new("exec"));
    assert_eq!(message.data, Bytes::from("hello executor"));

    // Executor → framework.
    let mut call = AgentCall::new(AgentCallType::ExecutorMessage, Some(agent.id()));
    call.executor_message = Some(ExecutorMessage {
        framework_id: framework.id(),
        executor_id: ExecutorId::new("exec"),
        data: Bytes::from("hello framework"),
    });
    assert_eq!(agent.call(&call).await.0, StatusCode::ACCEPTED);
    let event = framework.next(EventType::Message).await.message.unwrap();
    assert_eq!(event.agent_id, agent.id());
    assert_eq!(event.executor_id, ExecutorId::new("exec"));
    assert_eq!(event.data, Bytes::from("hello framework"));

    // SHUTDOWN of the executor reaches the agent; its exit reaches the framework.
    framework
        .must(Call::shutdown(
            framework.id(),
            ExecutorId::new("exec"),
            agent.id(),
        ))
        .await;
    let shutdown = agent.next(MasterEventType::ShutdownExecutor).await;
    assert_eq!(
        shutdown.shutdown_executor.unwrap().executor_id,
        ExecutorId::new("exec")
    );
    let mut call = AgentCall::new(AgentCallType::ExecutorExited, Some(agent.id()));
    call.executor_exited = Some(ExecutorExited {
        framework_id: framework.id(),
        executor_id: ExecutorId::new("exec"),
        status: Some(9),
    });
    assert_eq!(agent.call(&call).await.0, StatusCode::ACCEPTED);
    let failure = framework.next(EventType::Failure).await.failure.unwrap();
    assert_eq!(failure.agent_id, Some(agent.id()));
    assert_eq!(failure.executor_id, Some(ExecutorId::new("exec")));
    assert_eq!(failure.status, Some(9));
}

#[tokio::test(flavor = "multi_thread")]
async fn update_framework_is_synchronous_and_reaches_agents() {
    let master = MasterProcess::start(FAST).await;
    let mut info = framework_info("before");
    let framework = TestFramework::subscribe(master.address(), info.clone()).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;
    let offer = framework.next_offer().await;
    framework
        .launch(&offer.id, vec![executor_task("t1", &agent, "exec")])
        .await;
    agent.next(MasterEventType::RunTask).await;

    info.id = Some(framework.id());
    info.name = "after".to_owned();
    framework
        .must(Call::update_framework(info.clone(), vec![]))
        .await;
    let update = agent.next(MasterEventType::UpdateFramework).await;
    assert_eq!(
        update.update_framework.unwrap().framework_info.name,
        "after"
    );

    // Changing the user is not allowed.
    let changed = FrameworkInfo {
        user: "someone-else".to_owned(),
        ..info.clone()
    };
    let error = framework
        .call(Call::update_framework(changed, vec![]))
        .await;
    assert!(
        matches!(&error, Err(mesos_api::client::scheduler::SchedulerError::Rejected { status, .. })
            if *status == StatusCode::BAD_REQUEST),
        "{error:?}"
    );
    // And the id must be the call's.
    let mut other = info.clone();
    other.id = Some(mesos_api::v1::FrameworkId::new("another"));
    let mut call = Call::update_framework(other, vec![]);
    call.framework_id = Some(framework.id());
    let body = serde_json::to_string(&call).unwrap();
    let (status, _, text) = post(
        &format!("{}/api/v1/scheduler", master.url()),
        &[
            ("Content-Type", "application/json"),
            ("Mesos-Stream-Id", &framework.scheduler.stream_id),
        ],
        body,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(
        text.contains("differs from 'update_framework.framework_info.id'"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_that_unregisters_takes_its_tasks_with_it() {
    let master = MasterProcess::start(FAST).await;
    let plain = TestFramework::subscribe(master.address(), framework_info("plain")).await;
    let aware = TestFramework::subscribe(
        master.address(),
        with_capability(
            framework_info("aware"),
            FrameworkCapabilityType::PartitionAware,
        ),
    )
    .await;
    let agent_one = TestAgent::register(&master, "one", "cpus:1;mem:512").await;
    let agent_two = TestAgent::register(&master, "two", "cpus:1;mem:512").await;
    // Whoever gets which agent, both run one task on each agent they were offered.
    let mut launched = Vec::new();
    for agent in [&agent_one, &agent_two] {
        let (framework, offer) = loop {
            let found = [&plain, &aware].into_iter().find_map(|f| {
                f.events
                    .try_take(|e| {
                        e.offers.as_ref().and_then(|o| {
                            o.offers.iter().find(|o| o.agent_id == agent.id()).cloned()
                        })
                    })
                    .map(|offer| (f, offer))
            });
            if let Some(found) = found {
                break found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        let id = format!("task-on-{}", agent.info.hostname);
        framework
            .launch(&offer.id, vec![task(&id, &agent.id(), "cpus:0.5;mem:64")])
            .await;
        assert_eq!(framework.next_update(&id).await.state, TaskState::Running);
        launched.push((framework, id));
    }
    for agent in [&agent_one, &agent_two] {
        let call = AgentCall::new(AgentCallType::Unregister, Some(agent.id()));
        assert_eq!(agent.call(&call).await.0, StatusCode::ACCEPTED);
    }
    for (framework, id) in launched {
        let status = framework.next_update(&id).await;
        if framework.id() == aware.id() {
            assert_eq!(status.state, TaskState::GoneByOperator, "{status:?}");
            assert_eq!(
                status.reason,
                Some(TaskStatusReason::AgentRemovedByOperator)
            );
        } else {
            assert_eq!(status.state, TaskState::Lost, "{status:?}");
            assert_eq!(status.reason, Some(TaskStatusReason::AgentRemoved));
        }
    }
    // The agents' streams end.
    agent_one.events().wait_ended().await;
    agent_two.events().wait_ended().await;
}

//! Tasks through the real `mesos-master`: launches reaching the agent, status updates and their
//! acknowledgements, invalid launches and offers, kills and reconciliation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use mesos_api::internal::MasterEventType;
use mesos_api::v1::scheduler::{Call, ReconcileTask};
use mesos_api::v1::{
    AgentId, FrameworkCapabilityType, OfferId, Operation, TaskId, TaskState, TaskStatusReason,
    TaskStatusSource,
};
use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_launch_reaches_the_agent_and_updates_and_acks_flow_back() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("f")).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;
    agent.set_auto_run(false);
    let offer = framework.next_offer().await;
    framework
        .launch(&offer.id, vec![task("t1", &agent.id(), "cpus:1;mem:128")])
        .await;

    let run = agent.next(MasterEventType::RunTask).await;
    let run = run.run_task.unwrap();
    assert_eq!(run.task.task_id, TaskId::new("t1"));
    assert_eq!(run.framework_info.id, Some(framework.id()));
    assert_eq!(run.framework_info.name, "f");
    // The agent sees the task's resources allocated to the framework's role.
    assert!(
        run.task.resources.iter().all(|r| r
            .allocation_info
            .as_ref()
            .and_then(|a| a.role.as_deref())
            == Some("*")),
        "{:?}",
        run.task.resources
    );

    // The rest of the agent is offered again (the launch did not refuse it).
    let rest = framework.next_offer_on(&agent.id()).await;
    assert_eq!(scalar(&rest, "cpus"), 1.0);
    assert_eq!(scalar(&rest, "mem"), 896.0);

    let running = agent
        .send_update(&framework.id(), "t1", TaskState::Running)
        .await;
    let update = framework.next_update("t1").await;
    assert_eq!(update.state, TaskState::Running);
    assert_eq!(update.uuid, running.uuid);
    assert!(update.uuid.as_ref().is_some_and(|u| u.len() == 16));
    assert_eq!(update.agent_id, Some(agent.id()));
    framework.acknowledge(&update).await;
    let ack = agent.next(MasterEventType::Acknowledge).await;
    let ack = ack.acknowledge.unwrap();
    assert_eq!(ack.framework_id, framework.id());
    assert_eq!(ack.task_id, TaskId::new("t1"));
    assert_eq!(Some(ack.uuid), running.uuid);

    let finished = agent
        .send_update(&framework.id(), "t1", TaskState::Finished)
        .await;
    let update = framework.next_update("t1").await;
    assert_eq!(update.state, TaskState::Finished);
    assert_eq!(update.uuid, finished.uuid);
    framework.acknowledge(&update).await;
    let ack = agent.next(MasterEventType::Acknowledge).await;
    assert_eq!(
        ack.acknowledge.unwrap().uuid,
        finished.uuid.clone().unwrap()
    );

    // The task's resources are free again: the whole agent is offered once the held offer goes.
    framework.decline(&rest.id, 0.0).await;
    let whole = framework.next_offer_on(&agent.id()).await;
    assert_eq!(scalar(&whole, "cpus"), 2.0);

    // The acknowledged terminal task is a completed task in /master/state.
    let state = master.get_json("/master/state").await;
    let frameworks = state["frameworks"].as_array().expect("frameworks[]");
    let entry = frameworks
        .iter()
        .find(|f| f["id"] == framework.id().value)
        .expect("the framework in /master/state");
    assert_eq!(
        entry["tasks"].as_array().map(Vec::len),
        Some(0),
        "{entry:#}"
    );
    let completed = entry["completed_tasks"]
        .as_array()
        .expect("completed_tasks[]");
    assert_eq!(completed.len(), 1, "{entry:#}");
    assert_eq!(completed[0]["id"], "t1");
    assert_eq!(completed[0]["state"], "TASK_FINISHED");
    assert_eq!(completed[0]["slave_id"], agent.id().value);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_tasks_get_task_error() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("f")).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;
    let offer = framework.next_offer().await;
    framework
        .launch(
            &offer.id,
            vec![
                task("ok", &agent.id(), "cpus:1;mem:128"),
                task("ok", &agent.id(), "cpus:0.5;mem:128"),
                task("greedy", &agent.id(), "cpus:100;mem:128"),
                task("nowhere", &AgentId::new("other-agent"), "cpus:0.5;mem:128"),
            ],
        )
        .await;
    for id in ["greedy", "nowhere"] {
        let status = framework.next_update(id).await;
        assert_eq!(status.state, TaskState::Error, "{id}: {status:?}");
        assert_eq!(status.reason, Some(TaskStatusReason::TaskInvalid), "{id}");
        assert_eq!(status.source, Some(TaskStatusSource::Master), "{id}");
        assert!(status.uuid.is_none(), "master updates are not acknowledged");
    }
    // Updates of `ok`: the duplicate's TASK_ERROR, then the real task's RUNNING from the agent.
    let duplicate = framework.next_update("ok").await;
    assert_eq!(duplicate.state, TaskState::Error, "{duplicate:?}");
    assert_eq!(duplicate.reason, Some(TaskStatusReason::TaskInvalid));
    assert!(
        duplicate
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("duplicate"),
        "{duplicate:?}"
    );
    let running = framework.next_update("ok").await;
    assert_eq!(running.state, TaskState::Running);
    // Only the valid task reached the agent.
    let run = agent.next(MasterEventType::RunTask).await;
    assert_eq!(run.run_task.unwrap().task.task_id, TaskId::new("ok"));
    assert_eq!(agent.tasks().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn launches_on_invalid_offers_are_lost_or_dropped() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("f")).await;
    let aware = TestFramework::subscribe(
        master.address(),
        with_capability(
            framework_info("aware"),
            FrameworkCapabilityType::PartitionAware,
        ),
    )
    .await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;

    framework
        .launch(
            &OfferId::new("no-such-offer"),
            vec![task("t", &agent.id(), "cpus:1;mem:128")],
        )
        .await;
    let status = framework.next_update("t").await;
    assert_eq!(status.state, TaskState::Lost);
    assert_eq!(status.reason, Some(TaskStatusReason::InvalidOffers));
    assert_eq!(status.source, Some(TaskStatusSource::Master));

    aware
        .launch(
            &OfferId::new("no-such-offer"),
            vec![task("t", &agent.id(), "cpus:1;mem:128")],
        )
        .await;
    let status = aware.next_update("t").await;
    assert_eq!(status.state, TaskState::Dropped);
    assert_eq!(status.reason, Some(TaskStatusReason::InvalidOffers));

    // An offer used once is gone; the other framework cannot use it either.
    let (owner, offer) = loop {
        if let Some(offer) = framework
            .events
            .all()
            .iter()
            .find_map(|e| e.offers.as_ref().map(|o| o.offers[0].clone()))
        {
            break (&framework, offer);
        }
        if let Some(offer) = aware
            .events
            .all()
            .iter()
            .find_map(|e| e.offers.as_ref().map(|o| o.offers[0].clone()))
        {
            break (&aware, offer);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let thief = if owner.id() == framework.id() {
        &aware
    } else {
        &framework
    };
    thief
        .launch(
            &offer.id,
            vec![task("stolen", &agent.id(), "cpus:1;mem:128")],
        )
        .await;
    let status = thief.next_update("stolen").await;
    assert_eq!(status.reason, Some(TaskStatusReason::InvalidOffers));
    owner
        .launch(
            &offer.id,
            vec![task("first", &agent.id(), "cpus:1;mem:128")],
        )
        .await;
    assert_eq!(owner.next_update("first").await.state, TaskState::Running);
    owner
        .launch(
            &offer.id,
            vec![task("second", &agent.id(), "cpus:1;mem:128")],
        )
        .await;
    let status = owner.next_update("second").await;
    assert_eq!(status.reason, Some(TaskStatusReason::InvalidOffers));
    assert!(status.state == TaskState::Lost || status.state == TaskState::Dropped);
}

/// A framework with a RUNNING task `t1` on an agent.
async fn running_task(
    master: &MasterProcess,
    info: mesos_api::v1::FrameworkInfo,
) -> (TestFramework, TestAgent) {
    let framework = TestFramework::subscribe(master.address(), info).await;
    let agent = TestAgent::register(master, "host", "cpus:2;mem:1024").await;
    let offer = framework.next_offer().await;
    framework
        .launch(&offer.id, vec![task("t1", &agent.id(), "cpus:1;mem:128")])
        .await;
    let running = framework.next_update("t1").await;
    assert_eq!(running.state, TaskState::Running);
    framework.acknowledge(&running).await;
    (framework, agent)
}

#[tokio::test(flavor = "multi_thread")]
async fn reconciliation_reports_known_and_unknown_tasks() {
    let master = MasterProcess::start(FAST).await;
    let (framework, agent) = running_task(&master, framework_info("f")).await;

    // Implicit: every task the master knows.
    framework
        .must(Call::reconcile(framework.id(), vec![]))
        .await;
    let status = framework.next_update("t1").await;
    assert_eq!(status.state, TaskState::Running);
    assert_eq!(status.reason, Some(TaskStatusReason::Reconciliation));
    assert_eq!(status.source, Some(TaskStatusSource::Master));
    assert_eq!(status.agent_id, Some(agent.id()));
    assert!(
        status.uuid.is_none(),
        "reconciliation updates carry no uuid"
    );

    // Explicit: a known task, unknown tasks on a registered agent, with no agent, and on an
    // agent the master never saw.
    let reconcile = |task: &str, agent: Option<AgentId>| ReconcileTask {
        task_id: TaskId::new(task),
        agent_id: agent,
    };
    framework
        .must(Call::reconcile(
            framework.id(),
            vec![
                reconcile("t1", Some(agent.id())),
                reconcile("gone", Some(agent.id())),
                reconcile("nowhere", None),
                reconcile("elsewhere", Some(AgentId::new("unknown-agent"))),
            ],
        ))
        .await;
    let status = framework.next_update("t1").await;
    assert_eq!(status.state, TaskState::Running);
    assert_eq!(status.reason, Some(TaskStatusReason::Reconciliation));
    for task in ["gone", "nowhere", "elsewhere"] {
        let status = framework.next_update(task).await;
        assert_eq!(status.state, TaskState::Lost, "{task}: {status:?}");
        assert_eq!(
            status.reason,
            Some(TaskStatusReason::Reconciliation),
            "{task}"
        );
        assert_eq!(status.source, Some(TaskStatusSource::Master), "{task}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn partition_aware_frameworks_learn_gone_and_unknown_tasks() {
    let master = MasterProcess::start(FAST).await;
    let info = with_capability(
        framework_info("aware"),
        FrameworkCapabilityType::PartitionAware,
    );
    let (framework, agent) = running_task(&master, info).await;
    framework
        .must(Call::reconcile(
            framework.id(),
            vec![
                ReconcileTask {
                    task_id: TaskId::new("gone"),
                    agent_id: Some(agent.id()),
                },
                ReconcileTask {
                    task_id: TaskId::new("nowhere"),
                    agent_id: None,
                },
                ReconcileTask {
                    task_id: TaskId::new("elsewhere"),
                    agent_id: Some(AgentId::new("unknown-agent")),
                },
            ],
        ))
        .await;
    let gone = framework.next_update("gone").await;
    assert_eq!(gone.state, TaskState::Gone);
    assert_eq!(gone.agent_id, Some(agent.id()));
    for task in ["nowhere", "elsewhere"] {
        let status = framework.next_update(task).await;
        assert_eq!(status.state, TaskState::Unknown, "{task}: {status:?}");
        assert_eq!(status.reason, Some(TaskStatusReason::Reconciliation));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_reaches_the_agent_and_unknown_kills_are_reconciled() {
    let master = MasterProcess::start(FAST).await;
    let (framework, agent) = running_task(&master, framework_info("f")).await;
    framework
        .must(Call::kill(
            framework.id(),
            TaskId::new("t1"),
            Some(agent.id()),
        ))
        .await;
    let kill = agent
        .next(MasterEventType::KillTask)
        .await
        .kill_task
        .unwrap();
    assert_eq!(kill.task_id, TaskId::new("t1"));
    assert_eq!(kill.framework_id, framework.id());
    let killed = agent
        .send_update(&framework.id(), "t1", TaskState::Killed)
        .await;
    let update = framework.next_update("t1").await;
    assert_eq!(update.state, TaskState::Killed);
    assert_eq!(update.uuid, killed.uuid);

    // Killing a task the master does not know answers as reconciliation would.
    framework
        .must(Call::kill(framework.id(), TaskId::new("ghost"), None))
        .await;
    let status = framework.next_update("ghost").await;
    assert_eq!(status.state, TaskState::Lost);
}

#[tokio::test(flavor = "multi_thread")]
async fn launch_group_reaches_the_agent() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("f")).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:1024").await;
    let offer = framework.next_offer().await;
    let mut first = task("g1", &agent.id(), "cpus:0.5;mem:64");
    let mut second = task("g2", &agent.id(), "cpus:0.5;mem:64");
    first.command = Some(mesos_api::v1::CommandInfo::shell("true"));
    second.command = Some(mesos_api::v1::CommandInfo::shell("true"));
    let executor: mesos_api::v1::ExecutorInfo = serde_json::from_value(serde_json::json!({
        "type": "DEFAULT",
        "executor_id": {"value": "default"},
        "framework_id": {"value": framework.id().value},
        "resources": [
            {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
            {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}
        ]
    }))
    .unwrap();
    let group: Operation = serde_json::from_value(serde_json::json!({
        "type": "LAUNCH_GROUP",
        "launch_group": {
            "executor": executor,
            "task_group": {"tasks": [first, second]}
        }
    }))
    .unwrap();
    framework
        .must(Call::accept(
            framework.id(),
            vec![offer.id],
            vec![group],
            None,
        ))
        .await;
    let event = agent.next(MasterEventType::RunTaskGroup).await;
    let group = event.run_task_group.unwrap();
    assert_eq!(group.executor.executor_id.value, "default");
    let ids: Vec<&str> = group
        .task_group
        .tasks
        .iter()
        .map(|t| t.task_id.value.as_str())
        .collect();
    assert_eq!(ids, ["g1", "g2"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_reconciliation_does_not_disconnect_a_reading_framework() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("big")).await;
    // Thousands of tasks in one call (a scheduler reconciling a large cluster): as many
    // updates at once.
    let count = 5000;
    let tasks = (0..count)
        .map(|i| ReconcileTask {
            task_id: TaskId::new(format!("task-{i:05}")),
            agent_id: None,
        })
        .collect();
    framework.must(Call::reconcile(framework.id(), tasks)).await;
    for i in 0..count {
        let status = framework.next_update(&format!("task-{i:05}")).await;
        assert_eq!(status.state, TaskState::Lost);
    }
    // Still subscribed.
    framework.must(Call::revive(framework.id(), vec![])).await;
}

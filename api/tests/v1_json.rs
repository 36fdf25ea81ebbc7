//! JSON round trips of Mesos v1 messages, with examples written from the Mesos references.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mesos_api::json::Bytes;
use mesos_api::v1::executor as exec;
use mesos_api::v1::scheduler::{self, CallType, EventType};
use mesos_api::v1::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Parses `input`, checks the re-serialised form equals `expected`, and that it parses back to the
/// same value.
fn round_trip<T>(input: Value, expected: Value) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let parsed: T = serde_json::from_value(input).unwrap();
    let written = serde_json::to_value(&parsed).unwrap();
    assert_eq!(written, expected, "serialised form");
    let again: T = serde_json::from_value(written).unwrap();
    assert_eq!(again, parsed, "second parse");
    parsed
}

#[test]
fn scheduler_subscribe_call() {
    let input = json!({"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"spark",
        "roles":["dev"],"capabilities":[{"type":"MULTI_ROLE"}],"failover_timeout":604800,"checkpoint":true}}});
    let mut expected = input.clone();
    expected["subscribe"]["framework_info"]["failover_timeout"] = json!(604800.0);
    let call: scheduler::Call = round_trip(input, expected);
    assert_eq!(call.kind, Some(CallType::Subscribe));
    let info = &call.subscribe.unwrap().framework_info;
    assert!(info.has_capability(FrameworkCapabilityType::MultiRole));
    assert_eq!(info.effective_roles(), vec!["dev".to_owned()]);
    assert!(info.checkpoint);
}

#[test]
fn framework_info_defaults_are_written() {
    let info: FrameworkInfo = serde_json::from_value(json!({"user":"u","name":"n"})).unwrap();
    assert_eq!(
        serde_json::to_value(&info).unwrap(),
        json!({"user":"u","name":"n","failover_timeout":0.0,"checkpoint":false})
    );
    assert_eq!(info.effective_roles(), vec!["*".to_owned()]);
}

#[test]
fn decline_with_filters_and_string_numbers() {
    let call: scheduler::Call = serde_json::from_value(json!({"framework_id":{"value":"M-0000"},
        "type":"DECLINE","decline":{"offer_ids":[{"value":"M-O7"}],"filters":{"refuse_seconds":"120"}}}))
    .unwrap();
    let decline = call.decline.unwrap();
    assert_eq!(decline.offer_ids, vec![OfferId::new("M-O7")]);
    assert_eq!(decline.filters.unwrap().refuse_seconds, 120.0);
    // An empty Filters means Mesos's default of five seconds.
    let filters: Filters = serde_json::from_value(json!({})).unwrap();
    assert_eq!(filters.refuse_seconds, 5.0);
}

#[test]
fn constructors_build_the_proto_shape() {
    let fw = FrameworkId::new("F");
    let call = scheduler::Call::acknowledge(
        fw.clone(),
        AgentId::new("A"),
        TaskId::new("T"),
        Bytes(vec![0; 16]),
    );
    assert_eq!(
        serde_json::to_value(&call).unwrap(),
        json!({"framework_id":{"value":"F"},"type":"ACKNOWLEDGE","acknowledge":{
            "agent_id":{"value":"A"},"task_id":{"value":"T"},"uuid":"AAAAAAAAAAAAAAAAAAAAAA=="}})
    );
    let call = scheduler::Call::revive(fw.clone(), vec![]);
    assert_eq!(
        serde_json::to_value(&call).unwrap(),
        json!({"framework_id":{"value":"F"},"type":"REVIVE","revive":{}})
    );
    let call = scheduler::Call::reconcile(fw, vec![]);
    assert_eq!(
        serde_json::to_value(&call).unwrap(),
        json!({"framework_id":{"value":"F"},"type":"RECONCILE","reconcile":{"tasks":[]}})
    );
}

#[test]
fn offer_from_the_reference() {
    let input = json!({"id":{"value":"M-O7"},"framework_id":{"value":"M-0000"},"agent_id":{"value":"M-S0"},
        "hostname":"h1","url":{"scheme":"http","address":{"hostname":"h1","ip":"10.0.0.5","port":5051},
        "path":"/slave(1)"},"allocation_info":{"role":"dev"},
        "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":4.0},"role":"*","allocation_info":{"role":"dev"}},
                     {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":32000}]}}],
        "attributes":[{"name":"rack","type":"TEXT","text":{"value":"r1"}}]});
    let offer: Offer = round_trip(input.clone(), input);
    assert_eq!(offer.resources.len(), 2);
    assert_eq!(offer.url.unwrap().address.port, 5051);
}

#[test]
fn scheduler_events() {
    let subscribed = json!({"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"M-0000"},
        "heartbeat_interval_seconds":15.0,"master_info":{"id":"M","ip":16777343,"port":5050,
        "pid":"master@127.0.0.1:5050","hostname":"localhost","version":"1.11.0"}}});
    let event: scheduler::Event = round_trip(subscribed.clone(), subscribed);
    assert_eq!(event.kind, Some(EventType::Subscribed));
    assert_eq!(event.subscribed.unwrap().master_info.unwrap().port, 5050);

    let heartbeat = json!({"type":"HEARTBEAT"});
    let event: scheduler::Event = round_trip(heartbeat.clone(), heartbeat);
    assert_eq!(event, scheduler::Event::heartbeat());

    let error = json!({"type":"ERROR","error":{"message":"Framework failed over"}});
    let event: scheduler::Event = round_trip(error.clone(), error);
    assert_eq!(event, scheduler::Event::error("Framework failed over"));

    // A newer master's event type does not break an older client.
    let event: scheduler::Event =
        serde_json::from_value(json!({"type":"SOMETHING_NEW","something_new":{}})).unwrap();
    assert_eq!(event.kind, Some(EventType::Unrecognized));
}

#[test]
fn status_update_event() {
    let input = json!({"type":"UPDATE","update":{"status":{"task_id":{"value":"0"},"state":"TASK_FAILED",
        "message":"Container exited with status 1","source":"SOURCE_EXECUTOR",
        "reason":"REASON_COMMAND_EXECUTOR_FAILED","agent_id":{"value":"M-S0"},
        "executor_id":{"value":"0"},"timestamp":1700000000.25,"uuid":"AAECAwQFBgcICQoLDA0ODw=="}}});
    let event: scheduler::Event = round_trip(input.clone(), input);
    let status = event.update.unwrap().status;
    assert!(status.state.is_terminal());
    assert_eq!(
        status.uuid.unwrap().as_slice(),
        &(0u8..16).collect::<Vec<_>>()[..]
    );
    assert_eq!(status.reason, Some(TaskStatusReason::CommandExecutorFailed));
}

#[test]
fn spark_docker_task() {
    // A coarse-grained Spark executor task, as MesosCoarseGrainedSchedulerBackend builds it.
    let input = json!({"name":"pi 0","task_id":{"value":"0"},"agent_id":{"value":"M-S0"},
        "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":1.0}},
                     {"name":"mem","type":"SCALAR","scalar":{"value":1408.0}},
                     {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31100,"end":31100}]}}],
        "command":{"uris":[{"value":"http://h/spark.tgz","cache":false}],
            "environment":{"variables":[{"name":"SPARK_EXECUTOR_OPTS","value":"-Dx=y"}]},
            "value":"\"/opt/spark/bin/spark-class\" org.apache.spark.executor.CoarseGrainedExecutorBackend"},
        "container":{"type":"DOCKER","volumes":[{"mode":"RO","container_path":"/data","host_path":"/srv/data"},
                {"mode":"RW","container_path":"/vol","source":{"type":"DOCKER_VOLUME",
                    "docker_volume":{"driver":"local","name":"cache"}}}],
            "docker":{"image":"local/spark:3.5.9","network":"USER","force_pull_image":false,
                "port_mappings":[{"host_port":31100,"container_port":4040,"protocol":"tcp"}],
                "parameters":[{"key":"net","value":"spark-net"}]},
            "network_infos":[{"name":"spark-net"}]},
        "kill_policy":{"grace_period":{"nanoseconds":"5000000000"}},
        "labels":{"labels":[{"key":"team","value":"data"}]},
        "unknown_field_from_the_future":{"ignored":true}});
    let mut expected = input.clone();
    expected
        .as_object_mut()
        .unwrap()
        .remove("unknown_field_from_the_future");
    // Mesos writes the defaults of `shell`, `extract`, `privileged` and `Variable.type`.
    expected["command"]["shell"] = json!(true);
    expected["command"]["uris"][0]["extract"] = json!(true);
    expected["command"]["environment"]["variables"][0]["type"] = json!("VALUE");
    expected["container"]["docker"]["privileged"] = json!(false);
    expected["kill_policy"]["grace_period"]["nanoseconds"] = json!(5_000_000_000i64);
    let task: TaskInfo = round_trip(input, expected);
    let container = task.container.unwrap();
    assert_eq!(container.kind, ContainerType::Docker);
    assert_eq!(container.volumes[0].mode, VolumeMode::Ro);
    let docker = container.docker.unwrap();
    assert_eq!(docker.network, DockerNetwork::User);
    assert_eq!(docker.port_mappings[0].host_port, 31100);
    assert_eq!(
        task.kill_policy.unwrap().grace_period.unwrap().to_std(),
        std::time::Duration::from_secs(5)
    );
    assert_eq!(task.labels.unwrap().get("team"), Some("data"));
}

#[test]
fn docker_info_defaults_to_host_network() {
    let container: ContainerInfo =
        serde_json::from_value(json!({"type":"DOCKER","docker":{"image":"busybox"}})).unwrap();
    assert_eq!(container, ContainerInfo::docker("busybox"));
    assert_eq!(
        serde_json::to_value(&container).unwrap(),
        json!({"type":"DOCKER","docker":{"image":"busybox","network":"HOST","privileged":false}})
    );
}

#[test]
fn executor_calls_from_the_reference() {
    let subscribe = json!({"type":"SUBSCRIBE","executor_id":{"value":"0"},"framework_id":{"value":"FW-0001"},
        "subscribe":{"unacknowledged_tasks":[],"unacknowledged_updates":[]}});
    let call: exec::Call = round_trip(subscribe.clone(), subscribe);
    assert_eq!(call.kind, Some(exec::CallType::Subscribe));

    let update = json!({"type":"UPDATE","executor_id":{"value":"0"},"framework_id":{"value":"FW-0001"},
        "update":{"status":{"task_id":{"value":"0"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR",
        "executor_id":{"value":"0"},"uuid":"AAECAwQFBgcICQoLDA0ODw==","timestamp":1.7e9,"data":"e30=",
        "container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"172.17.0.2"}]}]}}}});
    let call: exec::Call = round_trip(update.clone(), update);
    let status = call.update.unwrap().status;
    assert_eq!(status.state, TaskState::Running);
    assert_eq!(status.data.unwrap().as_slice(), b"{}");
    let ip = &status.container_status.unwrap().network_infos[0].ip_addresses[0];
    assert_eq!(ip.ip_address.as_deref(), Some("172.17.0.2"));
}

#[test]
fn executor_events() {
    let kill = json!({"type":"KILL","kill":{"task_id":{"value":"0"},
        "kill_policy":{"grace_period":{"nanoseconds":5000000000i64}}}});
    let event: exec::Event = round_trip(kill.clone(), kill);
    assert_eq!(event.kind, Some(exec::EventType::Kill));

    let subscribed = json!({"type":"SUBSCRIBED","subscribed":{
        "executor_info":{"executor_id":{"value":"0"},"framework_id":{"value":"F"},
            "command":{"value":"mesos-docker-executor","shell":false}},
        "framework_info":{"user":"root","name":"spark","failover_timeout":0.0,"checkpoint":false},
        "agent_info":{"hostname":"h1","port":5051,"id":{"value":"S0"}},
        "container_id":{"value":"c1"}}});
    let event: exec::Event = round_trip(subscribed.clone(), subscribed);
    let sub = event.subscribed.unwrap();
    assert_eq!(sub.container_id.unwrap().value, "c1");
    assert!(!sub.executor_info.command.unwrap().shell);

    for (event, text) in [
        (exec::Event::shutdown(), json!({"type":"SHUTDOWN"})),
        (exec::Event::heartbeat(), json!({"type":"HEARTBEAT"})),
        (
            exec::Event::acknowledged(TaskId::new("0"), Bytes(vec![1; 16])),
            json!({"type":"ACKNOWLEDGED","acknowledged":{"task_id":{"value":"0"},
                "uuid":"AQEBAQEBAQEBAQEBAQEBAQ=="}}),
        ),
    ] {
        assert_eq!(serde_json::to_value(&event).unwrap(), text);
    }
}

#[test]
fn enums_know_their_numbers_and_names() {
    for state in TaskState::ALL {
        assert_eq!(TaskState::from_number(state.number()), Some(*state));
        assert_eq!(TaskState::from_name(state.as_str()), Some(*state));
        let json = serde_json::to_value(state).unwrap();
        assert_eq!(serde_json::from_value::<TaskState>(json).unwrap(), *state);
    }
    for reason in TaskStatusReason::ALL {
        assert_eq!(
            TaskStatusReason::from_number(reason.number()),
            Some(*reason)
        );
    }
    assert_eq!(TaskState::Staging.number(), 6);
    assert_eq!(TaskStatusReason::ContainerLimitationMemory.number(), 8);
    assert_eq!(CallType::UpdateFramework.number(), 17);
    // A state the crate does not know is an error, not a silent default…
    assert!(serde_json::from_value::<TaskState>(json!("TASK_EXPLODED")).is_err());
    // …but a reason it does not know is kept as "unrecognised".
    assert_eq!(
        serde_json::from_value::<TaskStatusReason>(json!("REASON_FROM_THE_FUTURE")).unwrap(),
        TaskStatusReason::Unrecognized
    );
}

#[test]
fn malformed_messages_are_errors() {
    for bad in [
        json!({"name":"t","agent_id":{"value":"S"}}),
        json!({"name":"t","task_id":{"value":"T"},"agent_id":{"value":"S"},"container":{"docker":{"image":"x"}}}),
        json!({"name":"t","task_id":{"value":"T"},"agent_id":{"value":"S"},
               "container":{"type":"DOCKER","volumes":[{"mode":"RX","container_path":"/x"}]}}),
        json!({"name":"t","task_id":{"value":"T"},"agent_id":{"value":"S"},
               "container":{"type":"DOCKER","docker":{"image":"x","port_mappings":[{"host_port":-1,"container_port":80}]}}}),
        json!({"name":"t","task_id":"T","agent_id":{"value":"S"}}),
        json!({"name":"t","task_id":{"value":"T"},"agent_id":{"value":"S"},"data":"not base64!"}),
    ] {
        assert!(
            serde_json::from_value::<TaskInfo>(bad.clone()).is_err(),
            "{bad} should not parse"
        );
    }
}

#[test]
fn task_state_terminality() {
    let terminal: Vec<_> = TaskState::ALL
        .iter()
        .filter(|s| s.is_terminal())
        .map(|s| s.as_str())
        .collect();
    assert_eq!(
        terminal,
        [
            "TASK_FINISHED",
            "TASK_FAILED",
            "TASK_KILLED",
            "TASK_ERROR",
            "TASK_LOST",
            "TASK_DROPPED",
            "TASK_GONE",
            "TASK_GONE_BY_OPERATOR"
        ]
    );
}

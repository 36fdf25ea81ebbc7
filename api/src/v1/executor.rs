//! The v1 executor API (`include/mesos/v1/executor/executor.proto`): the calls an executor sends
//! to its agent's `POST /api/v1/executor` and the events it receives on its subscription stream.

use serde::{Deserialize, Serialize};

use super::common::{ExecutorId, FrameworkId, TaskId, mesos_enum};
use super::mesos::{
    AgentInfo, ContainerId, ExecutorInfo, FrameworkInfo, KillPolicy, TaskGroupInfo, TaskInfo,
    TaskStatus,
};
use crate::json::{Bytes, null_as_default};

mesos_enum! {
    /// `executor.Call.Type`.
    CallType {
        Unknown = 0 "UNKNOWN",
        Subscribe = 1 "SUBSCRIBE",
        Update = 2 "UPDATE",
        Message = 3 "MESSAGE",
        Heartbeat = 4 "HEARTBEAT",
    }
}

/// `executor.Call.Subscribe`: on re-subscription, what the executor has not seen acknowledged.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Subscribe {
    #[serde(default, deserialize_with = "null_as_default")]
    pub unacknowledged_tasks: Vec<TaskInfo>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub unacknowledged_updates: Vec<CallUpdate>,
}

/// `executor.Call.Update`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallUpdate {
    pub status: TaskStatus,
}

/// `executor.Call.Message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub data: Bytes,
}

/// `executor.Call`: what an executor sends to its agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub executor_id: ExecutorId,
    pub framework_id: FrameworkId,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CallType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe: Option<Subscribe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<CallUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

impl Call {
    fn new(framework_id: FrameworkId, executor_id: ExecutorId, kind: CallType) -> Self {
        Self {
            executor_id,
            framework_id,
            kind: Some(kind),
            subscribe: None,
            update: None,
            message: None,
        }
    }

    pub fn subscribe(
        framework_id: FrameworkId,
        executor_id: ExecutorId,
        subscribe: Subscribe,
    ) -> Self {
        Self {
            subscribe: Some(subscribe),
            ..Self::new(framework_id, executor_id, CallType::Subscribe)
        }
    }

    pub fn update(framework_id: FrameworkId, executor_id: ExecutorId, status: TaskStatus) -> Self {
        Self {
            update: Some(CallUpdate { status }),
            ..Self::new(framework_id, executor_id, CallType::Update)
        }
    }

    pub fn message(framework_id: FrameworkId, executor_id: ExecutorId, data: Bytes) -> Self {
        Self {
            message: Some(Message { data }),
            ..Self::new(framework_id, executor_id, CallType::Message)
        }
    }

    pub fn heartbeat(framework_id: FrameworkId, executor_id: ExecutorId) -> Self {
        Self::new(framework_id, executor_id, CallType::Heartbeat)
    }
}

mesos_enum! {
    /// `executor.Event.Type`.
    EventType fallback Unrecognized {
        Unknown = 0 "UNKNOWN",
        Subscribed = 1 "SUBSCRIBED",
        Launch = 2 "LAUNCH",
        LaunchGroup = 8 "LAUNCH_GROUP",
        Kill = 3 "KILL",
        Acknowledged = 4 "ACKNOWLEDGED",
        Message = 5 "MESSAGE",
        Error = 6 "ERROR",
        Shutdown = 7 "SHUTDOWN",
        Heartbeat = 9 "HEARTBEAT",
    }
}

/// `executor.Event.Subscribed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subscribed {
    pub executor_info: ExecutorInfo,
    pub framework_info: FrameworkInfo,
    pub agent_info: AgentInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<ContainerId>,
}

/// `executor.Event.Launch`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Launch {
    pub task: TaskInfo,
}

/// `executor.Event.LaunchGroup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaunchGroup {
    pub task_group: TaskGroupInfo,
}

/// `executor.Event.Kill`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kill {
    pub task_id: TaskId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_policy: Option<KillPolicy>,
}

/// `executor.Event.Acknowledged`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledged {
    pub task_id: TaskId,
    pub uuid: Bytes,
}

/// `executor.Event.Error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub message: String,
}

/// `executor.Event`: what the agent sends on an executor's subscription stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<EventType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribed: Option<Subscribed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Acknowledged>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch: Option<Launch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_group: Option<LaunchGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill: Option<Kill>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorEvent>,
}

impl Event {
    /// An event of this type with no payload.
    pub fn new(kind: EventType) -> Self {
        Self {
            kind: Some(kind),
            subscribed: None,
            acknowledged: None,
            launch: None,
            launch_group: None,
            kill: None,
            message: None,
            error: None,
        }
    }

    pub fn subscribed(subscribed: Subscribed) -> Self {
        Self {
            subscribed: Some(subscribed),
            ..Self::new(EventType::Subscribed)
        }
    }

    pub fn launch(task: TaskInfo) -> Self {
        Self {
            launch: Some(Launch { task }),
            ..Self::new(EventType::Launch)
        }
    }

    pub fn kill(task_id: TaskId, kill_policy: Option<KillPolicy>) -> Self {
        Self {
            kill: Some(Kill {
                task_id,
                kill_policy,
            }),
            ..Self::new(EventType::Kill)
        }
    }

    pub fn acknowledged(task_id: TaskId, uuid: Bytes) -> Self {
        Self {
            acknowledged: Some(Acknowledged { task_id, uuid }),
            ..Self::new(EventType::Acknowledged)
        }
    }

    pub fn message(data: Bytes) -> Self {
        Self {
            message: Some(Message { data }),
            ..Self::new(EventType::Message)
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self {
            error: Some(ErrorEvent {
                message: message.into(),
            }),
            ..Self::new(EventType::Error)
        }
    }

    pub fn shutdown() -> Self {
        Self::new(EventType::Shutdown)
    }

    pub fn heartbeat() -> Self {
        Self::new(EventType::Heartbeat)
    }
}

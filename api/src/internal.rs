//! The master ↔ agent protocol of this project (not Apache Mesos's libprocess messages).
//!
//! The agent opens it: it POSTs a [`AgentCall`] of type `REGISTER` (a new agent) or `REREGISTER`
//! (an agent that already has an id, after either side restarted) to [`AGENT_API_PATH`] on the
//! master, and the response is a long-lived RecordIO stream of [`MasterEvent`]s, the first being
//! `REGISTERED`. The response carries a `Mesos-Stream-Id` header; every later call of the agent
//! (status updates, executor exits, pings, framework messages) is a separate POST that repeats
//! it, so the master can tell a stale connection from the current one. Bodies are JSON with
//! Mesos's conventions. The protocol is versioned by [`PROTOCOL_VERSION`]; a master refuses
//! agents of another major version with 400 and a message. See `docs/master-agent-protocol.md`.

use serde::{Deserialize, Serialize};

use crate::json::{Bytes, null_as_default, number, opt_number};
use crate::v1::mesos_enum;
use crate::v1::{
    AgentId, AgentInfo, ExecutorId, ExecutorInfo, FrameworkId, FrameworkInfo, KillPolicy,
    MasterInfo, TaskGroupInfo, TaskId, TaskInfo, TaskState, TaskStatus,
};

/// Where agents call the master.
pub const AGENT_API_PATH: &str = "/internal/agent/v1";
/// Version of this protocol; the major number must match on both sides.
pub const PROTOCOL_VERSION: &str = "1.0";

mesos_enum! {
    /// What an agent sends.
    AgentCallType {
        Unknown = 0 "UNKNOWN",
        Register = 1 "REGISTER",
        Reregister = 2 "REREGISTER",
        StatusUpdate = 3 "STATUS_UPDATE",
        ExecutorExited = 4 "EXECUTOR_EXITED",
        Ping = 5 "PING",
        ExecutorMessage = 6 "EXECUTOR_MESSAGE",
        Unregister = 7 "UNREGISTER",
    }
}

/// A call from an agent to the master.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentCall {
    #[serde(rename = "type")]
    pub kind: AgentCallType,
    /// Set on every call but `REGISTER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<Register>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_update: Option<StatusUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_exited: Option<ExecutorExited>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_message: Option<ExecutorMessage>,
}

impl AgentCall {
    pub fn new(kind: AgentCallType, agent_id: Option<AgentId>) -> Self {
        Self {
            kind,
            agent_id,
            register: None,
            status_update: None,
            executor_exited: None,
            executor_message: None,
        }
    }
}

/// `REGISTER` and `REREGISTER`: who the agent is and, when re-registering, what it runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Register {
    /// The agent's info; `id` set when re-registering.
    pub agent_info: AgentInfo,
    /// The agent's protocol version ([`PROTOCOL_VERSION`]).
    pub version: String,
    /// The software version of the agent (`/version` of the agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    /// `http://host:port` where the agent serves `/state`, `/files` and the executor API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Frameworks with executors or tasks on this agent.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub frameworks: Vec<FrameworkInfo>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub executors: Vec<ExecutorInfo>,
    /// Tasks the agent knows, with their latest state.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tasks: Vec<AgentTask>,
}

/// A task as an agent reports it when re-registering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentTask {
    pub framework_id: FrameworkId,
    pub task: TaskInfo,
    /// The newest state the agent knows.
    pub state: TaskState,
    /// Statuses sent so far (the last one first is not required; in order of occurrence).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub statuses: Vec<TaskStatus>,
    /// The uuid of the update the framework has not acknowledged yet, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unacknowledged_uuid: Option<Bytes>,
}

/// `STATUS_UPDATE`: one update of one task, retried by the agent until acknowledged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusUpdate {
    pub framework_id: FrameworkId,
    pub status: TaskStatus,
    /// The newest state the agent has queued for the task (Mesos's `latest_state`): the master
    /// records it at once, while the framework sees updates in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_state: Option<TaskState>,
}

/// `EXECUTOR_EXITED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutorExited {
    pub framework_id: FrameworkId,
    pub executor_id: ExecutorId,
    /// The wait status of the executor process.
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<i32>,
}

/// `EXECUTOR_MESSAGE` (agent → master) and `FRAMEWORK_MESSAGE` (master → agent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutorMessage {
    pub framework_id: FrameworkId,
    pub executor_id: ExecutorId,
    pub data: Bytes,
}

mesos_enum! {
    /// What the master sends on an agent's stream.
    MasterEventType fallback Unrecognized {
        Unknown = 0 "UNKNOWN",
        Registered = 1 "REGISTERED",
        RunTask = 2 "RUN_TASK",
        RunTaskGroup = 3 "RUN_TASK_GROUP",
        KillTask = 4 "KILL_TASK",
        Acknowledge = 5 "ACKNOWLEDGE",
        ShutdownFramework = 6 "SHUTDOWN_FRAMEWORK",
        ShutdownExecutor = 7 "SHUTDOWN_EXECUTOR",
        FrameworkMessage = 8 "FRAMEWORK_MESSAGE",
        UpdateFramework = 9 "UPDATE_FRAMEWORK",
        Heartbeat = 10 "HEARTBEAT",
        Error = 11 "ERROR",
        Shutdown = 12 "SHUTDOWN",
    }
}

/// An event on an agent's stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MasterEvent {
    #[serde(rename = "type")]
    pub kind: MasterEventType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<Registered>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_task: Option<RunTask>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_task_group: Option<RunTaskGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_task: Option<KillTask>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledge: Option<Acknowledge>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_framework: Option<FrameworkRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_executor: Option<ExecutorRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_message: Option<ExecutorMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_framework: Option<UpdateFramework>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorMessage>,
}

impl MasterEvent {
    pub fn new(kind: MasterEventType) -> Self {
        Self {
            kind,
            registered: None,
            run_task: None,
            run_task_group: None,
            kill_task: None,
            acknowledge: None,
            shutdown_framework: None,
            shutdown_executor: None,
            framework_message: None,
            update_framework: None,
            error: None,
        }
    }
}

/// `REGISTERED`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registered {
    pub agent_id: AgentId,
    pub master_info: MasterInfo,
    /// How often the agent must PING; the master declares it unreachable after
    /// `max_missed_pings` intervals without one.
    #[serde(deserialize_with = "number")]
    pub ping_interval_seconds: f64,
    #[serde(deserialize_with = "number")]
    pub max_missed_pings: u32,
}

/// `RUN_TASK`: launch a task (with its executor, or a command task).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunTask {
    pub framework_info: FrameworkInfo,
    pub task: TaskInfo,
}

/// `RUN_TASK_GROUP`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunTaskGroup {
    pub framework_info: FrameworkInfo,
    pub executor: ExecutorInfo,
    pub task_group: TaskGroupInfo,
}

/// `KILL_TASK`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KillTask {
    pub framework_id: FrameworkId,
    pub task_id: TaskId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_policy: Option<KillPolicy>,
}

/// `ACKNOWLEDGE`: the framework acknowledged this update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledge {
    pub framework_id: FrameworkId,
    pub task_id: TaskId,
    pub uuid: Bytes,
}

/// `SHUTDOWN_FRAMEWORK`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkRef {
    pub framework_id: FrameworkId,
}

/// `SHUTDOWN_EXECUTOR`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutorRef {
    pub framework_id: FrameworkId,
    pub executor_id: ExecutorId,
}

/// `UPDATE_FRAMEWORK`: the framework's info changed (e.g. after a failover).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateFramework {
    pub framework_info: FrameworkInfo,
}

/// `ERROR` and `SHUTDOWN` reasons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorMessage {
    pub message: String,
}

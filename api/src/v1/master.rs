//! The v1 operator API (`include/mesos/v1/master/master.proto`): the calls an operator sends to
//! `POST /api/v1` on a master, the synchronous responses, and the events of a `SUBSCRIBE`
//! stream.
//!
//! As in the proto, a call, a response or an event is a `type` plus the payload field named after
//! it in lower case (`{"type":"GET_METRICS","get_metrics":{}}`,
//! `{"type":"GET_HEALTH","get_health":{"healthy":true}}`). Note that the numbers of
//! [`ResponseType`] differ from those of [`CallType`] (`GET_STATE` is 9 as a call, 8 as a
//! response); JSON uses the names only.
//!
//! `mesos.v1.Task`, `Flag`, `VersionInfo`, `Metric`, `Role` and `WeightInfo` (messages of
//! `mesos.proto` that only this API uses) are defined here too. Messages this crate does not
//! interpret (quota, maintenance schedules, operations, resource providers) are kept as JSON
//! ([`Opaque`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{
    AgentId, DurationInfo, ExecutorId, FrameworkId, Labels, TaskId, TimeInfo, mesos_enum,
};
use super::mesos::{
    AgentInfo, ContainerInfo, ExecutorInfo, FrameworkInfo, HealthCheck, KillPolicy, MasterInfo,
    Offer, Opaque, TaskState, TaskStatus,
};
use crate::json::{Bytes, null_as_default, number, opt_number};
use crate::resources::Resource;
use crate::values::Scalar;

// ---------------------------------------------------------------------------------------------
// Messages of mesos.proto used by the operator API
// ---------------------------------------------------------------------------------------------

/// `Task`: a task as the master knows it (`GET_TASKS`, `TASK_ADDED`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub name: String,
    pub task_id: TaskId,
    pub framework_id: FrameworkId,
    /// Unset for command tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_id: Option<ExecutorId>,
    pub agent_id: AgentId,
    /// The latest state of the task.
    pub state: TaskState,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<Resource>,
    /// One status per state the task went through, oldest first (without `data`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub statuses: Vec<TaskStatus>,
    /// The state of the latest status update forwarded to the framework and not acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_update_state: Option<TaskState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_update_uuid: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_policy: Option<KillPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Scalar>,
}

/// `Flag`: one flag of the master and its value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `VersionInfo`: what `/version` reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_date: Option<String>,
    /// Seconds since the Unix epoch.
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub build_time: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_sha: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_tag: Option<String>,
}

/// `Metric`: one value of `/metrics/snapshot`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<f64>,
}

/// `Role`: a role with its weight, frameworks and (deprecated) allocated and offered resources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    #[serde(deserialize_with = "number")]
    pub weight: f64,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub frameworks: Vec<FrameworkId>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<Resource>,
}

/// `WeightInfo`: the weight of a role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightInfo {
    #[serde(deserialize_with = "number")]
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl WeightInfo {
    pub fn new(role: impl Into<String>, weight: f64) -> Self {
        Self {
            weight,
            role: Some(role.into()),
        }
    }
}

/// `MachineID`: a machine of a maintenance schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineId {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

mesos_enum! {
    /// `AgentInfo.Capability.Type`.
    AgentCapabilityType fallback Unknown {
        MultiRole = 1 "MULTI_ROLE",
        HierarchicalRole = 2 "HIERARCHICAL_ROLE",
        ReservationRefinement = 3 "RESERVATION_REFINEMENT",
        ResourceProvider = 4 "RESOURCE_PROVIDER",
        ResizeVolume = 5 "RESIZE_VOLUME",
        AgentOperationFeedback = 6 "AGENT_OPERATION_FEEDBACK",
        AgentDraining = 7 "AGENT_DRAINING",
        TaskResourceLimits = 8 "TASK_RESOURCE_LIMITS",
    }
}

/// `AgentInfo.Capability`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgentCapability {
    #[serde(rename = "type")]
    pub kind: AgentCapabilityType,
}

mesos_enum! {
    /// `DrainState`.
    DrainState fallback Unrecognized {
        Unknown = 0 "UNKNOWN",
        Draining = 1 "DRAINING",
        Drained = 2 "DRAINED",
    }
}

/// `DrainConfig`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrainConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_grace_period: Option<DurationInfo>,
    #[serde(default)]
    pub mark_gone: bool,
}

/// `DrainInfo`: an agent being drained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrainInfo {
    pub state: DrainState,
    pub config: DrainConfig,
}

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

mesos_enum! {
    /// `master.Call.Type`.
    CallType {
        Unknown = 0 "UNKNOWN",
        GetHealth = 1 "GET_HEALTH",
        GetFlags = 2 "GET_FLAGS",
        GetVersion = 3 "GET_VERSION",
        GetMetrics = 4 "GET_METRICS",
        GetLoggingLevel = 5 "GET_LOGGING_LEVEL",
        SetLoggingLevel = 6 "SET_LOGGING_LEVEL",
        ListFiles = 7 "LIST_FILES",
        ReadFile = 8 "READ_FILE",
        GetState = 9 "GET_STATE",
        GetAgents = 10 "GET_AGENTS",
        GetFrameworks = 11 "GET_FRAMEWORKS",
        GetExecutors = 12 "GET_EXECUTORS",
        GetOperations = 33 "GET_OPERATIONS",
        GetTasks = 13 "GET_TASKS",
        GetRoles = 14 "GET_ROLES",
        GetWeights = 15 "GET_WEIGHTS",
        UpdateWeights = 16 "UPDATE_WEIGHTS",
        GetMaster = 17 "GET_MASTER",
        Subscribe = 18 "SUBSCRIBE",
        ReserveResources = 19 "RESERVE_RESOURCES",
        UnreserveResources = 20 "UNRESERVE_RESOURCES",
        CreateVolumes = 21 "CREATE_VOLUMES",
        DestroyVolumes = 22 "DESTROY_VOLUMES",
        GrowVolume = 34 "GROW_VOLUME",
        ShrinkVolume = 35 "SHRINK_VOLUME",
        GetMaintenanceStatus = 23 "GET_MAINTENANCE_STATUS",
        GetMaintenanceSchedule = 24 "GET_MAINTENANCE_SCHEDULE",
        UpdateMaintenanceSchedule = 25 "UPDATE_MAINTENANCE_SCHEDULE",
        StartMaintenance = 26 "START_MAINTENANCE",
        StopMaintenance = 27 "STOP_MAINTENANCE",
        DrainAgent = 37 "DRAIN_AGENT",
        DeactivateAgent = 38 "DEACTIVATE_AGENT",
        ReactivateAgent = 39 "REACTIVATE_AGENT",
        GetQuota = 28 "GET_QUOTA",
        UpdateQuota = 36 "UPDATE_QUOTA",
        /// Deprecated in favour of `UPDATE_QUOTA`.
        SetQuota = 29 "SET_QUOTA",
        /// Deprecated in favour of `UPDATE_QUOTA`.
        RemoveQuota = 30 "REMOVE_QUOTA",
        Teardown = 31 "TEARDOWN",
        MarkAgentGone = 32 "MARK_AGENT_GONE",
    }
}

/// `Call.GetMetrics`: `timeout` bounds how long the snapshot may take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetMetricsCall {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationInfo>,
}

/// `Call.SetLoggingLevel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetLoggingLevel {
    #[serde(deserialize_with = "number")]
    pub level: u32,
    pub duration: DurationInfo,
}

/// `Call.ListFiles`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFilesCall {
    pub path: String,
}

/// `Call.ReadFile`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadFileCall {
    pub path: String,
    #[serde(deserialize_with = "number")]
    pub offset: u64,
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub length: Option<u64>,
}

/// `Call.UpdateWeights`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateWeights {
    #[serde(default, deserialize_with = "null_as_default")]
    pub weight_infos: Vec<WeightInfo>,
}

/// `Call.ReserveResources`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReserveResources {
    pub agent_id: AgentId,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub source: Vec<Resource>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<Resource>,
}

/// `Call.UnreserveResources`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnreserveResources {
    pub agent_id: AgentId,
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<Resource>,
}

/// `Call.CreateVolumes` and `Call.DestroyVolumes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Volumes {
    pub agent_id: AgentId,
    #[serde(default, deserialize_with = "null_as_default")]
    pub volumes: Vec<Resource>,
}

/// `Call.GrowVolume`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrowVolume {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    pub volume: Resource,
    pub addition: Resource,
}

/// `Call.ShrinkVolume`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShrinkVolume {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    pub volume: Resource,
    pub subtract: Scalar,
}

/// `Call.UpdateMaintenanceSchedule` (the schedule is kept as JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateMaintenanceSchedule {
    pub schedule: Opaque,
}

/// `Call.StartMaintenance` and `Call.StopMaintenance`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machines {
    #[serde(default, deserialize_with = "null_as_default")]
    pub machines: Vec<MachineId>,
}

/// `Call.DrainAgent`. `max_grace_period` is a `google.protobuf.Duration`, kept as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrainAgent {
    pub agent_id: AgentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_grace_period: Option<Opaque>,
    #[serde(default)]
    pub mark_gone: bool,
}

/// `Call.DeactivateAgent`, `Call.ReactivateAgent` and `Call.MarkAgentGone`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCall {
    pub agent_id: AgentId,
}

/// `Call.UpdateQuota` (the quota configurations are kept as JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateQuota {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub quota_configs: Vec<Opaque>,
}

/// `Call.SetQuota` (deprecated; the request is kept as JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetQuota {
    pub quota_request: Opaque,
}

/// `Call.RemoveQuota` (deprecated).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveQuota {
    pub role: String,
}

/// `Call.Teardown`: shut a framework down.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teardown {
    pub framework_id: FrameworkId,
}

/// `master.Call`: what an operator sends to `POST /api/v1`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Call {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CallType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_metrics: Option<GetMetricsCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_logging_level: Option<SetLoggingLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_files: Option<ListFilesCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_file: Option<ReadFileCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_weights: Option<UpdateWeights>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve_resources: Option<ReserveResources>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreserve_resources: Option<UnreserveResources>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_volumes: Option<Volumes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroy_volumes: Option<Volumes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grow_volume: Option<GrowVolume>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrink_volume: Option<ShrinkVolume>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_maintenance_schedule: Option<UpdateMaintenanceSchedule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_maintenance: Option<Machines>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_maintenance: Option<Machines>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain_agent: Option<DrainAgent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivate_agent: Option<AgentCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactivate_agent: Option<AgentCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_quota: Option<UpdateQuota>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teardown: Option<Teardown>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_agent_gone: Option<AgentCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_quota: Option<SetQuota>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_quota: Option<RemoveQuota>,
}

impl Call {
    /// A call of this type with no payload (`GET_HEALTH`, `GET_STATE`, `SUBSCRIBE`, …).
    pub fn new(kind: CallType) -> Self {
        Self {
            kind: Some(kind),
            ..Self::default()
        }
    }

    /// `GET_METRICS`, which Mesos requires to carry `get_metrics` (possibly empty).
    pub fn get_metrics(timeout: Option<DurationInfo>) -> Self {
        Self {
            get_metrics: Some(GetMetricsCall { timeout }),
            ..Self::new(CallType::GetMetrics)
        }
    }

    pub fn update_weights(weight_infos: Vec<WeightInfo>) -> Self {
        Self {
            update_weights: Some(UpdateWeights { weight_infos }),
            ..Self::new(CallType::UpdateWeights)
        }
    }

    pub fn teardown(framework_id: FrameworkId) -> Self {
        Self {
            teardown: Some(Teardown { framework_id }),
            ..Self::new(CallType::Teardown)
        }
    }

    pub fn mark_agent_gone(agent_id: AgentId) -> Self {
        Self {
            mark_agent_gone: Some(AgentCall { agent_id }),
            ..Self::new(CallType::MarkAgentGone)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

mesos_enum! {
    /// `master.Response.Type`.
    ResponseType fallback Unrecognized {
        Unknown = 0 "UNKNOWN",
        GetHealth = 1 "GET_HEALTH",
        GetFlags = 2 "GET_FLAGS",
        GetVersion = 3 "GET_VERSION",
        GetMetrics = 4 "GET_METRICS",
        GetLoggingLevel = 5 "GET_LOGGING_LEVEL",
        ListFiles = 6 "LIST_FILES",
        ReadFile = 7 "READ_FILE",
        GetState = 8 "GET_STATE",
        GetAgents = 9 "GET_AGENTS",
        GetFrameworks = 10 "GET_FRAMEWORKS",
        GetExecutors = 11 "GET_EXECUTORS",
        GetOperations = 19 "GET_OPERATIONS",
        GetTasks = 12 "GET_TASKS",
        GetRoles = 13 "GET_ROLES",
        GetWeights = 14 "GET_WEIGHTS",
        GetMaster = 15 "GET_MASTER",
        GetMaintenanceStatus = 16 "GET_MAINTENANCE_STATUS",
        GetMaintenanceSchedule = 17 "GET_MAINTENANCE_SCHEDULE",
        GetQuota = 18 "GET_QUOTA",
    }
}

/// `Response.GetHealth`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetHealth {
    pub healthy: bool,
}

/// `Response.GetFlags`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetFlags {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub flags: Vec<Flag>,
}

/// `Response.GetVersion`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetVersion {
    pub version_info: VersionInfo,
}

/// `Response.GetMetrics`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetMetrics {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub metrics: Vec<Metric>,
}

/// `Response.GetLoggingLevel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetLoggingLevel {
    #[serde(deserialize_with = "number")]
    pub level: u32,
}

/// `FileInfo`: an entry of `LIST_FILES`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    pub path: String,
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub nlink: Option<i32>,
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<TimeInfo>,
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub mode: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
}

/// `Response.ListFiles`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFiles {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub file_infos: Vec<FileInfo>,
}

/// `Response.ReadFile`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadFile {
    #[serde(deserialize_with = "number")]
    pub size: u64,
    pub data: Bytes,
}

/// `Response.GetAgents.Agent`: a registered agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub agent_info: AgentInfo,
    pub active: bool,
    /// Deactivated by an operator (`DEACTIVATE_AGENT`, draining).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated: Option<bool>,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_time: Option<TimeInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reregistered_time: Option<TimeInfo>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub total_resources: Vec<Resource>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub allocated_resources: Vec<Resource>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub offered_resources: Vec<Resource>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub capabilities: Vec<AgentCapability>,
    /// `ResourceProvider`s, kept as JSON.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resource_providers: Vec<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain_info: Option<DrainInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_drain_start_time: Option<TimeInfo>,
}

/// `Response.GetAgents`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetAgents {
    #[serde(default, deserialize_with = "null_as_default")]
    pub agents: Vec<Agent>,
    /// Agents known from the registry that have not reregistered since the master started.
    #[serde(default, deserialize_with = "null_as_default")]
    pub recovered_agents: Vec<AgentInfo>,
}

/// `Response.GetFrameworks.Framework`: a framework known to the master.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Framework {
    pub framework_info: FrameworkInfo,
    pub active: bool,
    pub connected: bool,
    pub recovered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_time: Option<TimeInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reregistered_time: Option<TimeInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unregistered_time: Option<TimeInfo>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub offers: Vec<Offer>,
    /// `InverseOffer`s, kept as JSON.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub inverse_offers: Vec<Opaque>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub allocated_resources: Vec<Resource>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub offered_resources: Vec<Resource>,
    /// `scheduler.OfferConstraints`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_constraints: Option<Opaque>,
}

/// `Response.GetFrameworks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetFrameworks {
    #[serde(default, deserialize_with = "null_as_default")]
    pub frameworks: Vec<Framework>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub completed_frameworks: Vec<Framework>,
    /// Deprecated; always empty since Mesos 1.x.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub recovered_frameworks: Vec<FrameworkInfo>,
}

/// `Response.GetExecutors.Executor`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Executor {
    pub executor_info: ExecutorInfo,
    pub agent_id: AgentId,
}

/// `Response.GetExecutors`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetExecutors {
    #[serde(default, deserialize_with = "null_as_default")]
    pub executors: Vec<Executor>,
    /// Deprecated; always empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub orphan_executors: Vec<Executor>,
}

/// `Response.GetOperations` (the operations are kept as JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetOperations {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub operations: Vec<Opaque>,
}

/// `Response.GetTasks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetTasks {
    /// Deprecated; always empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pending_tasks: Vec<Task>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tasks: Vec<Task>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub unreachable_tasks: Vec<Task>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub completed_tasks: Vec<Task>,
    /// Deprecated; always empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub orphan_tasks: Vec<Task>,
}

/// `Response.GetState`: tasks, executors, frameworks and agents at once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_tasks: Option<GetTasks>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_executors: Option<GetExecutors>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_frameworks: Option<GetFrameworks>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_agents: Option<GetAgents>,
}

/// `Response.GetRoles`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetRoles {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<Role>,
}

/// `Response.GetWeights`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetWeights {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub weight_infos: Vec<WeightInfo>,
}

/// `Response.GetMaster`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetMaster {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_info: Option<MasterInfo>,
    /// Seconds since the Unix epoch.
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_time: Option<f64>,
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub elected_time: Option<f64>,
}

/// `Response.GetMaintenanceStatus` (the status is kept as JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GetMaintenanceStatus {
    pub status: Opaque,
}

/// `Response.GetMaintenanceSchedule` (the schedule is kept as JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GetMaintenanceSchedule {
    pub schedule: Opaque,
}

/// `Response.GetQuota` (the status is kept as JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GetQuota {
    pub status: Opaque,
}

/// `master.Response`: the answer to a synchronous call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Response {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ResponseType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_health: Option<GetHealth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_flags: Option<GetFlags>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_version: Option<GetVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_metrics: Option<GetMetrics>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_logging_level: Option<GetLoggingLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_files: Option<ListFiles>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_file: Option<ReadFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_state: Option<GetState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_agents: Option<GetAgents>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_frameworks: Option<GetFrameworks>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_executors: Option<GetExecutors>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_operations: Option<GetOperations>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_tasks: Option<GetTasks>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_roles: Option<GetRoles>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_weights: Option<GetWeights>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_master: Option<GetMaster>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_maintenance_status: Option<GetMaintenanceStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_maintenance_schedule: Option<GetMaintenanceSchedule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_quota: Option<GetQuota>,
}

impl Response {
    /// A response of this type with no payload.
    pub fn new(kind: ResponseType) -> Self {
        Self {
            kind: Some(kind),
            ..Self::default()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Events (SUBSCRIBE)
// ---------------------------------------------------------------------------------------------

mesos_enum! {
    /// `master.Event.Type`.
    EventType fallback Unrecognized {
        Unknown = 0 "UNKNOWN",
        Subscribed = 1 "SUBSCRIBED",
        TaskAdded = 2 "TASK_ADDED",
        TaskUpdated = 3 "TASK_UPDATED",
        AgentAdded = 4 "AGENT_ADDED",
        AgentRemoved = 5 "AGENT_REMOVED",
        FrameworkAdded = 6 "FRAMEWORK_ADDED",
        FrameworkUpdated = 7 "FRAMEWORK_UPDATED",
        FrameworkRemoved = 8 "FRAMEWORK_REMOVED",
        Heartbeat = 9 "HEARTBEAT",
    }
}

/// `Event.Subscribed`: the whole state, first on the stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Subscribed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get_state: Option<GetState>,
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub heartbeat_interval_seconds: Option<f64>,
}

/// `Event.TaskAdded`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskAdded {
    pub task: Task,
}

/// `Event.TaskUpdated`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskUpdated {
    pub framework_id: FrameworkId,
    pub status: TaskStatus,
    /// The latest state of the task (may be newer than `status.state`).
    pub state: TaskState,
}

/// `Event.AgentAdded`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentAdded {
    pub agent: Agent,
}

/// `Event.AgentRemoved`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRemoved {
    pub agent_id: AgentId,
}

/// `Event.FrameworkAdded` and `Event.FrameworkUpdated`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameworkEvent {
    pub framework: Framework,
}

/// `Event.FrameworkRemoved`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameworkRemoved {
    pub framework_info: FrameworkInfo,
}

/// `master.Event`: what the master sends on an operator's `SUBSCRIBE` stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<EventType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribed: Option<Subscribed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_added: Option<TaskAdded>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_updated: Option<TaskUpdated>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_added: Option<AgentAdded>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_removed: Option<AgentRemoved>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_added: Option<FrameworkEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_updated: Option<FrameworkEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_removed: Option<FrameworkRemoved>,
}

impl Event {
    /// An event of this type with no payload.
    pub fn new(kind: EventType) -> Self {
        Self {
            kind: Some(kind),
            ..Self::default()
        }
    }

    pub fn heartbeat() -> Self {
        Self::new(EventType::Heartbeat)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn calls_parse_as_mesos_writes_them() {
        let call: Call = serde_json::from_str(r#"{"type":"GET_HEALTH"}"#).unwrap();
        assert_eq!(call, Call::new(CallType::GetHealth));
        let call: Call = serde_json::from_str(
            r#"{"type":"GET_METRICS","get_metrics":{"timeout":{"nanoseconds":"5000000000"}}}"#,
        )
        .unwrap();
        assert_eq!(
            call.get_metrics
                .and_then(|m| m.timeout)
                .map(|t| t.nanoseconds),
            Some(5_000_000_000)
        );
        let call: Call = serde_json::from_str(
            r#"{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"dev","weight":"2.5"}]}}"#,
        )
        .unwrap();
        assert_eq!(
            call,
            Call::update_weights(vec![WeightInfo::new("dev", 2.5)])
        );
        let call: Call = serde_json::from_str(
            r#"{"type":"TEARDOWN","teardown":{"framework_id":{"value":"M-0000"}},"extra":1}"#,
        )
        .unwrap();
        assert_eq!(call, Call::teardown(FrameworkId::new("M-0000")));
        assert!(serde_json::from_str::<Call>(r#"{"type":"NO_SUCH_CALL"}"#).is_err());
        assert_eq!(serde_json::from_str::<Call>("{}").unwrap().kind, None);
    }

    #[test]
    fn call_and_response_numbers_follow_the_proto() {
        assert_eq!(CallType::GetState.number(), 9);
        assert_eq!(ResponseType::GetState.number(), 8);
        assert_eq!(CallType::MarkAgentGone.number(), 32);
        assert_eq!(CallType::from_number(37), Some(CallType::DrainAgent));
        assert_eq!(
            ResponseType::from_number(19),
            Some(ResponseType::GetOperations)
        );
    }

    #[test]
    fn responses_round_trip() {
        let text = r#"{"type":"GET_AGENTS","get_agents":{"agents":[{"agent_info":{"hostname":"h1","port":5051,"id":{"value":"M-S0"}},"active":true,"deactivated":false,"version":"1.11.0","pid":"slave(1)@10.0.0.5:5051","registered_time":{"nanoseconds":1700000000000000000},"total_resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":4.0},"role":"*"}],"capabilities":[{"type":"MULTI_ROLE"},{"type":"SOMETHING_NEW"}]}],"recovered_agents":[]}}"#;
        let response: Response = serde_json::from_str(text).unwrap();
        assert_eq!(response.kind, Some(ResponseType::GetAgents));
        let agents = response.get_agents.clone().unwrap().agents;
        assert_eq!(agents[0].agent_info.hostname, "h1");
        assert_eq!(
            agents[0].registered_time,
            Some(TimeInfo {
                nanoseconds: 1_700_000_000_000_000_000
            })
        );
        assert_eq!(
            agents[0].capabilities[0].kind,
            AgentCapabilityType::MultiRole
        );
        assert_eq!(agents[0].capabilities[1].kind, AgentCapabilityType::Unknown);
        let again: Response =
            serde_json::from_value(serde_json::to_value(&response).unwrap()).unwrap();
        assert_eq!(again.get_agents.unwrap().agents[0].version, "1.11.0");

        let health = Response {
            get_health: Some(GetHealth { healthy: true }),
            ..Response::new(ResponseType::GetHealth)
        };
        assert_eq!(
            serde_json::to_string(&health).unwrap(),
            r#"{"type":"GET_HEALTH","get_health":{"healthy":true}}"#
        );
    }

    #[test]
    fn tasks_and_events_parse() {
        let text = r#"{"type":"TASK_ADDED","task_added":{"task":{"name":"t","task_id":{"value":"t1"},"framework_id":{"value":"F"},"agent_id":{"value":"S"},"state":"TASK_STAGING","resources":[],"limits":{"cpus":{"value":2}}}}}"#;
        let event: Event = serde_json::from_str(text).unwrap();
        let task = event.task_added.unwrap().task;
        assert_eq!(task.state, TaskState::Staging);
        assert_eq!(task.executor_id, None);
        assert_eq!(task.limits["cpus"].get(), 2.0);
        assert_eq!(
            serde_json::to_string(&Event::heartbeat()).unwrap(),
            r#"{"type":"HEARTBEAT"}"#
        );
    }
}

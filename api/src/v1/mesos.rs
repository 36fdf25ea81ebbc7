//! Messages of `include/mesos/v1/mesos.proto`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{
    AgentId, DomainInfo, DurationInfo, ExecutorId, FrameworkId, Labels, OfferId, OperationId,
    Parameter, TaskId, TimeInfo, Url, mesos_enum,
};
use crate::attributes::Attribute;
use crate::json::{Bytes, null_as_default, number, opt_number};
use crate::resources::{AllocationInfo, Resource};
use crate::values::Scalar;

/// A message this crate passes through without interpreting (JSON as Mesos sent it).
pub type Opaque = serde_json::Value;

fn default_true() -> bool {
    true
}

// ---------------------------------------------------------------------------------------------
// Frameworks, masters and agents
// ---------------------------------------------------------------------------------------------

mesos_enum! {
    /// `FrameworkInfo.Capability.Type`.
    FrameworkCapabilityType fallback Unknown {
        RevocableResources = 1 "REVOCABLE_RESOURCES",
        TaskKillingState = 2 "TASK_KILLING_STATE",
        GpuResources = 3 "GPU_RESOURCES",
        SharedResources = 4 "SHARED_RESOURCES",
        PartitionAware = 5 "PARTITION_AWARE",
        MultiRole = 6 "MULTI_ROLE",
        ReservationRefinement = 7 "RESERVATION_REFINEMENT",
        RegionAware = 8 "REGION_AWARE",
    }
}

/// `FrameworkInfo.Capability`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FrameworkCapability {
    #[serde(rename = "type")]
    pub kind: FrameworkCapabilityType,
}

/// `FrameworkInfo`: what a scheduler tells the master about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameworkInfo {
    pub user: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<FrameworkId>,
    /// Seconds the master waits for a disconnected framework before removing it.
    #[serde(default, deserialize_with = "number")]
    pub failover_timeout: f64,
    #[serde(default)]
    pub checkpoint: bool,
    /// Deprecated single role; `"*"` when unset, and not allowed with `MULTI_ROLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webui_url: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub capabilities: Vec<FrameworkCapability>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub offer_filters: BTreeMap<String, Opaque>,
}

impl FrameworkInfo {
    pub fn new(user: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            user: user.into(),
            name: name.into(),
            id: None,
            failover_timeout: 0.0,
            checkpoint: false,
            role: None,
            roles: Vec::new(),
            hostname: None,
            principal: None,
            webui_url: None,
            capabilities: Vec::new(),
            labels: None,
            offer_filters: BTreeMap::new(),
        }
    }

    pub fn has_capability(&self, kind: FrameworkCapabilityType) -> bool {
        self.capabilities.iter().any(|c| c.kind == kind)
    }

    /// The roles this framework subscribes with: `roles` for `MULTI_ROLE` frameworks, else the
    /// single `role` (default `*`).
    pub fn effective_roles(&self) -> Vec<String> {
        if self.has_capability(FrameworkCapabilityType::MultiRole) {
            self.roles.clone()
        } else {
            vec![self.role.clone().unwrap_or_else(|| "*".to_owned())]
        }
    }
}

mesos_enum! {
    /// `MasterInfo.Capability.Type`.
    MasterCapabilityType fallback Unknown {
        AgentUpdate = 1 "AGENT_UPDATE",
        AgentDraining = 2 "AGENT_DRAINING",
        QuotaV2 = 3 "QUOTA_V2",
    }
}

/// `MasterInfo.Capability`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MasterCapability {
    #[serde(rename = "type")]
    pub kind: MasterCapabilityType,
}

/// `MasterInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MasterInfo {
    pub id: String,
    /// IPv4 address packed in network byte order (deprecated in favour of `address`).
    #[serde(deserialize_with = "number")]
    pub ip: u32,
    #[serde(default = "default_master_port", deserialize_with = "number")]
    pub port: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<super::common::Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<DomainInfo>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub capabilities: Vec<MasterCapability>,
}

fn default_master_port() -> u32 {
    5050
}

fn default_agent_port() -> i32 {
    5051
}

/// `AgentInfo` (v0 `SlaveInfo`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    pub hostname: String,
    #[serde(default = "default_agent_port", deserialize_with = "number")]
    pub port: i32,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<Resource>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attributes: Vec<Attribute>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<DomainInfo>,
}

// ---------------------------------------------------------------------------------------------
// Commands, containers and executors
// ---------------------------------------------------------------------------------------------

/// `CommandInfo.URI`: something the fetcher downloads into the sandbox before launch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandUri {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executable: Option<bool>,
    /// Extract archives (default true).
    #[serde(default = "default_true")]
    pub extract: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file: Option<String>,
}

impl CommandUri {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            executable: None,
            extract: true,
            cache: None,
            output_file: None,
        }
    }
}

mesos_enum! {
    /// `Environment.Variable.Type`.
    VariableType {
        Unknown = 0 "UNKNOWN",
        Value = 1 "VALUE",
        Secret = 2 "SECRET",
    }
}

fn default_variable_type() -> VariableType {
    VariableType::Value
}

/// `Environment.Variable`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    #[serde(rename = "type", default = "default_variable_type")]
    pub kind: VariableType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<Opaque>,
}

impl Variable {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: VariableType::Value,
            value: Some(value.into()),
            secret: None,
        }
    }
}

/// `Environment`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    #[serde(default, deserialize_with = "null_as_default")]
    pub variables: Vec<Variable>,
}

/// `CommandInfo`: the command a task or an executor runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandInfo {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub uris: Vec<CommandUri>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// Run `value` through `/bin/sh -c` (default true); otherwise exec `value` with `arguments`.
    #[serde(default = "default_true")]
    pub shell: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub arguments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

impl Default for CommandInfo {
    fn default() -> Self {
        Self {
            uris: Vec::new(),
            environment: None,
            shell: true,
            value: None,
            arguments: Vec::new(),
            user: None,
        }
    }
}

impl CommandInfo {
    /// A shell command.
    pub fn shell(command: impl Into<String>) -> Self {
        Self {
            value: Some(command.into()),
            ..Self::default()
        }
    }
}

mesos_enum! {
    /// `ContainerInfo.Type`.
    ContainerType {
        Docker = 1 "DOCKER",
        Mesos = 2 "MESOS",
    }
}

mesos_enum! {
    /// `ContainerInfo.DockerInfo.Network`.
    DockerNetwork {
        Host = 1 "HOST",
        Bridge = 2 "BRIDGE",
        None = 3 "NONE",
        User = 4 "USER",
    }
}

fn default_docker_network() -> DockerNetwork {
    DockerNetwork::Host
}

/// `ContainerInfo.DockerInfo.PortMapping`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DockerPortMapping {
    #[serde(deserialize_with = "number")]
    pub host_port: u32,
    #[serde(deserialize_with = "number")]
    pub container_port: u32,
    /// `tcp` or `udp` (Docker's default is tcp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// `ContainerInfo.DockerInfo`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DockerInfo {
    pub image: String,
    #[serde(default = "default_docker_network")]
    pub network: DockerNetwork,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub port_mappings: Vec<DockerPortMapping>,
    #[serde(default)]
    pub privileged: bool,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub parameters: Vec<Parameter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_pull_image: Option<bool>,
    /// Deprecated: the driver of every volume (`Volume.Source.DockerVolume.driver` replaces it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_driver: Option<String>,
}

impl DockerInfo {
    pub fn new(image: impl Into<String>) -> Self {
        Self {
            image: image.into(),
            network: DockerNetwork::Host,
            port_mappings: Vec::new(),
            privileged: false,
            parameters: Vec::new(),
            force_pull_image: None,
            volume_driver: None,
        }
    }
}

mesos_enum! {
    /// `Volume.Mode`.
    VolumeMode {
        Rw = 1 "RW",
        Ro = 2 "RO",
    }
}

mesos_enum! {
    /// `Volume.Source.Type`.
    VolumeSourceType {
        Unknown = 0 "UNKNOWN",
        DockerVolume = 1 "DOCKER_VOLUME",
        HostPath = 4 "HOST_PATH",
        SandboxPath = 2 "SANDBOX_PATH",
        Secret = 3 "SECRET",
        CsiVolume = 5 "CSI_VOLUME",
    }
}

/// `Volume.Source.DockerVolume`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DockerVolume {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_options: Option<Opaque>,
}

/// `Volume.Source.HostPath`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostPathSource {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_propagation: Option<Opaque>,
}

/// `Volume.Source`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VolumeSource {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<VolumeSourceType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_volume: Option<DockerVolume>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<HostPathSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_path: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csi_volume: Option<Opaque>,
}

/// `Volume`: a path mounted into a container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub mode: VolumeMode,
    pub container_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<VolumeSource>,
}

mesos_enum! {
    /// `NetworkInfo.Protocol`.
    IpProtocol {
        Ipv4 = 1 "IPv4",
        Ipv6 = 2 "IPv6",
    }
}

/// `NetworkInfo.IPAddress`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<IpProtocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

/// `NetworkInfo.PortMapping`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkPortMapping {
    #[serde(deserialize_with = "number")]
    pub host_port: u32,
    #[serde(deserialize_with = "number")]
    pub container_port: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

/// `NetworkInfo`: a network a container joins.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkInfo {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ip_addresses: Vec<IpAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub port_mappings: Vec<NetworkPortMapping>,
}

/// `ContainerInfo`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerInfo {
    #[serde(rename = "type")]
    pub kind: ContainerType,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub volumes: Vec<Volume>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker: Option<DockerInfo>,
    /// `ContainerInfo.MesosInfo` (the Mesos containerizer's image), passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesos: Option<Opaque>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub network_infos: Vec<NetworkInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linux_info: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rlimit_info: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty_info: Option<Opaque>,
}

impl ContainerInfo {
    /// A Docker container running `image` with host networking.
    pub fn docker(image: impl Into<String>) -> Self {
        Self {
            kind: ContainerType::Docker,
            volumes: Vec::new(),
            hostname: None,
            docker: Some(DockerInfo::new(image)),
            mesos: None,
            network_infos: Vec::new(),
            linux_info: None,
            rlimit_info: None,
            tty_info: None,
        }
    }
}

/// `ContainerID`: nested containers carry their parent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContainerId {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Box<ContainerId>>,
}

impl ContainerId {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            parent: None,
        }
    }
}

/// `KillPolicy`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KillPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period: Option<DurationInfo>,
}

mesos_enum! {
    /// `ExecutorInfo.Type`.
    ExecutorType {
        Unknown = 0 "UNKNOWN",
        Default = 1 "DEFAULT",
        Custom = 2 "CUSTOM",
    }
}

/// `ExecutorInfo`: an executor a framework asks the agent to run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecutorInfo {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ExecutorType>,
    pub executor_id: ExecutorId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_id: Option<FrameworkId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerInfo>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_grace_period: Option<DurationInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
}

// ---------------------------------------------------------------------------------------------
// Health checks
// ---------------------------------------------------------------------------------------------

mesos_enum! {
    /// `HealthCheck.Type`.
    HealthCheckType {
        Unknown = 0 "UNKNOWN",
        Command = 1 "COMMAND",
        Http = 2 "HTTP",
        Tcp = 3 "TCP",
    }
}

/// `HealthCheck.HTTPCheckInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpCheckInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    #[serde(deserialize_with = "number")]
    pub port: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub statuses: Vec<u32>,
}

/// `HealthCheck.TCPCheckInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TcpCheckInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(deserialize_with = "number")]
    pub port: u32,
}

/// `HealthCheck`, with Mesos's defaults for the timing fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthCheck {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<HealthCheckType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheckInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpCheckInfo>,
    #[serde(default = "health_delay", deserialize_with = "number")]
    pub delay_seconds: f64,
    #[serde(default = "health_interval", deserialize_with = "number")]
    pub interval_seconds: f64,
    #[serde(default = "health_timeout", deserialize_with = "number")]
    pub timeout_seconds: f64,
    #[serde(default = "health_failures", deserialize_with = "number")]
    pub consecutive_failures: u32,
    #[serde(default = "health_grace", deserialize_with = "number")]
    pub grace_period_seconds: f64,
}

fn health_delay() -> f64 {
    15.0
}
fn health_interval() -> f64 {
    10.0
}
fn health_timeout() -> f64 {
    20.0
}
fn health_failures() -> u32 {
    3
}
fn health_grace() -> f64 {
    10.0
}

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

/// `TaskInfo`: a task a framework launches on an offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskInfo {
    pub name: String,
    pub task_id: TaskId,
    pub agent_id: AgentId,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<Resource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<ExecutorInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_policy: Option<KillPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_time: Option<DurationInfo>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Scalar>,
}

/// `TaskGroupInfo`: tasks launched together in one executor (`LAUNCH_GROUP`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskGroupInfo {
    #[serde(default, deserialize_with = "null_as_default")]
    pub tasks: Vec<TaskInfo>,
}

mesos_enum! {
    /// `TaskState`.
    TaskState {
        /// Set by the master when it forwards a launch to an agent.
        Staging = 6 "TASK_STAGING",
        Starting = 0 "TASK_STARTING",
        Running = 1 "TASK_RUNNING",
        /// Only sent to frameworks with `TASK_KILLING_STATE`.
        Killing = 8 "TASK_KILLING",
        Finished = 2 "TASK_FINISHED",
        Failed = 3 "TASK_FAILED",
        Killed = 4 "TASK_KILLED",
        Error = 7 "TASK_ERROR",
        Lost = 5 "TASK_LOST",
        Dropped = 9 "TASK_DROPPED",
        Unreachable = 10 "TASK_UNREACHABLE",
        Gone = 11 "TASK_GONE",
        GoneByOperator = 12 "TASK_GONE_BY_OPERATOR",
        Unknown = 13 "TASK_UNKNOWN",
    }
}

impl TaskState {
    /// Terminal states (Mesos's `isTerminalState`): no update follows them.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskState::Finished
                | TaskState::Failed
                | TaskState::Killed
                | TaskState::Error
                | TaskState::Lost
                | TaskState::Dropped
                | TaskState::Gone
                | TaskState::GoneByOperator
        )
    }
}

mesos_enum! {
    /// `TaskStatus.Source`.
    TaskStatusSource {
        Master = 0 "SOURCE_MASTER",
        Agent = 1 "SOURCE_AGENT",
        Executor = 2 "SOURCE_EXECUTOR",
    }
}

mesos_enum! {
    /// `TaskStatus.Reason`.
    TaskStatusReason fallback Unrecognized {
        CommandExecutorFailed = 0 "REASON_COMMAND_EXECUTOR_FAILED",
        ContainerLaunchFailed = 21 "REASON_CONTAINER_LAUNCH_FAILED",
        ContainerLimitation = 19 "REASON_CONTAINER_LIMITATION",
        ContainerLimitationDisk = 20 "REASON_CONTAINER_LIMITATION_DISK",
        ContainerLimitationMemory = 8 "REASON_CONTAINER_LIMITATION_MEMORY",
        ContainerPreempted = 17 "REASON_CONTAINER_PREEMPTED",
        ContainerUpdateFailed = 22 "REASON_CONTAINER_UPDATE_FAILED",
        ExecutorRegistrationTimeout = 23 "REASON_EXECUTOR_REGISTRATION_TIMEOUT",
        ExecutorReregistrationTimeout = 24 "REASON_EXECUTOR_REREGISTRATION_TIMEOUT",
        ExecutorTerminated = 1 "REASON_EXECUTOR_TERMINATED",
        ExecutorUnregistered = 2 "REASON_EXECUTOR_UNREGISTERED",
        FrameworkRemoved = 3 "REASON_FRAMEWORK_REMOVED",
        GcError = 4 "REASON_GC_ERROR",
        InvalidFrameworkId = 5 "REASON_INVALID_FRAMEWORKID",
        InvalidOffers = 6 "REASON_INVALID_OFFERS",
        IoSwitchboardExited = 27 "REASON_IO_SWITCHBOARD_EXITED",
        MasterDisconnected = 7 "REASON_MASTER_DISCONNECTED",
        Reconciliation = 9 "REASON_RECONCILIATION",
        ResourcesUnknown = 18 "REASON_RESOURCES_UNKNOWN",
        AgentDisconnected = 10 "REASON_AGENT_DISCONNECTED",
        AgentRemoved = 11 "REASON_AGENT_REMOVED",
        AgentRemovedByOperator = 31 "REASON_AGENT_REMOVED_BY_OPERATOR",
        AgentReregistered = 32 "REASON_AGENT_REREGISTERED",
        AgentRestarted = 12 "REASON_AGENT_RESTARTED",
        AgentUnknown = 13 "REASON_AGENT_UNKNOWN",
        AgentDraining = 34 "REASON_AGENT_DRAINING",
        TaskCheckStatusUpdated = 28 "REASON_TASK_CHECK_STATUS_UPDATED",
        TaskHealthCheckStatusUpdated = 29 "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED",
        TaskGroupInvalid = 25 "REASON_TASK_GROUP_INVALID",
        TaskGroupUnauthorized = 26 "REASON_TASK_GROUP_UNAUTHORIZED",
        TaskInvalid = 14 "REASON_TASK_INVALID",
        TaskKilledDuringLaunch = 30 "REASON_TASK_KILLED_DURING_LAUNCH",
        TaskUnauthorized = 15 "REASON_TASK_UNAUTHORIZED",
        TaskUnknown = 16 "REASON_TASK_UNKNOWN",
        MaxCompletionTimeReached = 33 "REASON_MAX_COMPLETION_TIME_REACHED",
    }
}

/// `CgroupInfo` and the other container-status details Mesos reports, passed through.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<ContainerId>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub network_infos: Vec<NetworkInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup_info: Option<Opaque>,
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub executor_pid: Option<u32>,
}

/// `TaskResourceLimitation`: the resources whose limit a task hit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskResourceLimitation {
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<Resource>,
}

/// `TaskStatus`: the state of a task, as carried by status updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub task_id: TaskId,
    pub state: TaskState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<TaskStatusSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<TaskStatusReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_id: Option<ExecutorId>,
    /// Seconds since the Unix epoch.
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<f64>,
    /// 16 raw bytes identifying this update; updates without one are not acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_status: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_status: Option<ContainerStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable_time: Option<TimeInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limitation: Option<TaskResourceLimitation>,
}

impl TaskStatus {
    /// A status with only the task and the state set.
    pub fn new(task_id: TaskId, state: TaskState) -> Self {
        Self {
            task_id,
            state,
            message: None,
            source: None,
            reason: None,
            data: None,
            agent_id: None,
            executor_id: None,
            timestamp: None,
            uuid: None,
            healthy: None,
            check_status: None,
            labels: None,
            container_status: None,
            unreachable_time: None,
            limitation: None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Offers
// ---------------------------------------------------------------------------------------------

/// `Unavailability`: a maintenance window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unavailability {
    pub start: TimeInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationInfo>,
}

/// `Offer`: resources of one agent offered to one framework for one role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: OfferId,
    pub framework_id: FrameworkId,
    pub agent_id: AgentId,
    pub hostname: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<DomainInfo>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<Resource>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attributes: Vec<Attribute>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub executor_ids: Vec<ExecutorId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailability: Option<Unavailability>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_info: Option<AllocationInfo>,
}

mesos_enum! {
    /// `Offer.Operation.Type`.
    OperationType fallback Unrecognized {
        Unknown = 0 "UNKNOWN",
        Launch = 1 "LAUNCH",
        LaunchGroup = 6 "LAUNCH_GROUP",
        Reserve = 2 "RESERVE",
        Unreserve = 3 "UNRESERVE",
        Create = 4 "CREATE",
        Destroy = 5 "DESTROY",
        GrowVolume = 11 "GROW_VOLUME",
        ShrinkVolume = 12 "SHRINK_VOLUME",
        CreateDisk = 13 "CREATE_DISK",
        DestroyDisk = 14 "DESTROY_DISK",
    }
}

/// `Offer.Operation.Launch`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Launch {
    #[serde(default, deserialize_with = "null_as_default")]
    pub task_infos: Vec<TaskInfo>,
}

/// `Offer.Operation.LaunchGroup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaunchGroup {
    pub executor: ExecutorInfo,
    pub task_group: TaskGroupInfo,
}

/// `Offer.Operation`: what a framework does with accepted offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OperationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<OperationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch: Option<Launch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_group: Option<LaunchGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreserve: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroy: Option<Opaque>,
}

impl Operation {
    /// A LAUNCH of these tasks.
    pub fn launch(task_infos: Vec<TaskInfo>) -> Self {
        Self {
            kind: Some(OperationType::Launch),
            id: None,
            launch: Some(Launch { task_infos }),
            launch_group: None,
            reserve: None,
            unreserve: None,
            create: None,
            destroy: None,
        }
    }
}

/// `Filters`: how long declined resources stay away from the framework.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    /// Seconds (default 5).
    #[serde(default = "default_refuse_seconds", deserialize_with = "number")]
    pub refuse_seconds: f64,
}

fn default_refuse_seconds() -> f64 {
    5.0
}

impl Default for Filters {
    fn default() -> Self {
        Self {
            refuse_seconds: default_refuse_seconds(),
        }
    }
}

/// `Request`: resources a framework asks for (ignored by the allocator, as in Mesos).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Request {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<Resource>,
}

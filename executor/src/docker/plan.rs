//! From a Mesos task to a Docker Engine API container, as Apache Mesos's `Docker::RunOptions`
//! builds `docker run` options (`src/docker/docker.cpp`), but onto the Engine API's fields.
//!
//! Everything here is pure: the plan is built and validated before the engine is touched, so a
//! malformed task fails with a precise message and nothing half-created.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, HostConfigLogConfig, NetworkingConfig,
    PortBinding, ResourcesUlimits,
};
use mesos_api::resources::Resources;
use mesos_api::v1::{
    CommandInfo, ContainerInfo, ContainerType, DockerNetwork, TaskInfo, Volume, VolumeMode,
    VolumeSourceType,
};
use serde::Deserialize;

/// `--cpu-shares` per CPU.
const CPU_SHARES_PER_CPU: f64 = 1024.0;
/// The smallest `--cpu-shares` Mesos gives a container.
const MIN_CPU_SHARES: i64 = 2;
/// The CFS period, in microseconds.
const CPU_CFS_PERIOD_US: f64 = 100_000.0;
/// The smallest CFS quota, in microseconds.
const MIN_CPU_CFS_QUOTA_US: i64 = 1_000;
/// The smallest memory limit, in bytes.
const MIN_MEMORY: i64 = 32 * 1024 * 1024;

/// Why a task cannot run as a container; the message becomes the TASK_FAILED message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, PlanError> {
    Err(PlanError(message.into()))
}

/// What the agent told the executor, that shapes every container.
#[derive(Debug, Clone, Default)]
pub struct PlanContext {
    /// The container's name (`mesos-<container id>`).
    pub name: String,
    /// The sandbox on the host.
    pub sandbox_directory: String,
    /// Where the sandbox is mounted in the container.
    pub mapped_directory: String,
    /// `--task_environment`: variables that win over the task's own.
    pub task_environment: BTreeMap<String, String>,
    /// `--default_container_dns`.
    pub default_dns: Option<ContainerDnsInfo>,
    /// `--cgroups_enable_cfs`.
    pub cfs_quota: bool,
}

/// `ContainerDNSInfo` (`--default_container_dns`), the Docker part.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ContainerDnsInfo {
    #[serde(default)]
    pub docker: Vec<DockerDnsInfo>,
}

/// `ContainerDNSInfo.DockerInfo`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DockerDnsInfo {
    /// `BRIDGE` or `USER`.
    pub network_mode: String,
    #[serde(default)]
    pub network_name: Option<String>,
    #[serde(default)]
    pub dns: DnsSettings,
}

/// The DNS settings themselves.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DnsSettings {
    #[serde(default)]
    pub nameservers: Vec<String>,
    #[serde(default)]
    pub search: Vec<String>,
    #[serde(default)]
    pub options: Vec<String>,
}

/// A validated container, ready for the engine.
#[derive(Debug, Clone)]
pub struct ContainerPlan {
    pub name: String,
    pub image: String,
    pub force_pull: bool,
    /// The network the container joins (`host`, `bridge`, `none` or a user network).
    pub network: String,
    pub body: ContainerCreateBody,
}

/// Builds the container for `task`, whose resources are `resources` (the task's plus its
/// executor's).
pub fn plan(task: &TaskInfo, ctx: &PlanContext) -> Result<ContainerPlan, PlanError> {
    let Some(container) = &task.container else {
        return err("The task has no ContainerInfo; the Docker executor needs one");
    };
    if container.kind != ContainerType::Docker {
        return err(format!(
            "ContainerInfo of type {} is not supported by the Docker executor",
            container.kind
        ));
    }
    let Some(docker) = &container.docker else {
        return err("ContainerInfo of type DOCKER has no 'docker' field");
    };
    if docker.image.trim().is_empty() {
        return err("No image given in ContainerInfo.docker.image");
    }
    let command = task.command.clone().unwrap_or_default();
    let mut resources: Vec<_> = task.resources.clone();
    if let Some(executor) = &task.executor {
        resources.extend(executor.resources.iter().cloned());
    }
    let resources = Resources::try_from_resources(resources)
        .map_err(|e| PlanError(format!("Invalid task resources: {e}")))?;

    let mut host = HostConfig {
        privileged: Some(docker.privileged),
        ..HostConfig::default()
    };
    apply_limits(task, &resources, ctx, &mut host);

    let env = environment(&command, &resources, ctx);
    let (binds, volume_driver) = volumes(container, docker.volume_driver.as_deref(), ctx)?;
    host.binds = Some(binds);
    host.volume_driver = volume_driver;

    let mut network = network(container)?;
    let hostname = match &container.hostname {
        Some(_) if network == "host" => {
            return err("Unable to set hostname with host network mode");
        }
        other => other.clone(),
    };
    let (exposed, bindings) = port_mappings(container, &resources, &network)?;

    let mut body = ContainerCreateBody {
        image: Some(docker.image.clone()),
        hostname,
        env: Some(env),
        labels: Some(HashMap::new()),
        ..ContainerCreateBody::default()
    };
    let (entrypoint, cmd) = command_line(&command)?;
    body.entrypoint = entrypoint;
    body.cmd = Some(cmd);
    if !exposed.is_empty() {
        body.exposed_ports = Some(exposed);
        host.port_bindings = Some(bindings);
    }

    let mut dns_given = false;
    let mut network_given = false;
    for parameter in &docker.parameters {
        let key = parameter.key.trim_start_matches('-');
        if !network_given && (key == "net" || key == "network") {
            network = parameter.value.clone();
            network_given = true;
            continue;
        }
        if matches!(key, "dns" | "dns-search" | "dns-opt" | "dns-option") {
            dns_given = true;
        }
        apply_parameter(key, &parameter.value, &mut body, &mut host)?;
    }
    if !dns_given && let Some(dns) = &ctx.default_dns {
        apply_default_dns(dns, docker.network, &network, &mut host);
    }

    host.network_mode = Some(network.clone());
    if !matches!(network.as_str(), "host" | "bridge" | "none" | "default") {
        body.networking_config = Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                network.clone(),
                EndpointSettings::default(),
            )])),
        });
    }
    body.host_config = Some(host);
    Ok(ContainerPlan {
        name: ctx.name.clone(),
        image: docker.image.clone(),
        force_pull: docker.force_pull_image.unwrap_or(false),
        network,
        body,
    })
}

/// `--cpu-shares`, `--cpu-quota` and `--memory` from the resources (and the task's limits).
fn apply_limits(task: &TaskInfo, resources: &Resources, ctx: &PlanContext, host: &mut HostConfig) {
    let cpus = resources.cpus();
    let cpu_limit = task.limits.get("cpus").map(|s| s.value);
    let mem_limit = task.limits.get("mem").map(|s| s.value);
    if let Some(cpus) = cpus {
        host.cpu_shares = Some(((CPU_SHARES_PER_CPU * cpus) as i64).max(MIN_CPU_SHARES));
    }
    let quota_cpus = match cpu_limit {
        Some(limit) => limit.is_finite().then_some(limit),
        None if ctx.cfs_quota => cpus,
        None => None,
    };
    if let Some(quota_cpus) = quota_cpus {
        host.cpu_period = Some(CPU_CFS_PERIOD_US as i64);
        host.cpu_quota = Some(((CPU_CFS_PERIOD_US * quota_cpus) as i64).max(MIN_CPU_CFS_QUOTA_US));
    }
    let mem_bytes = |mb: f64| ((mb * 1024.0 * 1024.0) as i64).max(MIN_MEMORY);
    match mem_limit {
        Some(limit) => {
            if limit.is_finite() {
                host.memory = Some(mem_bytes(limit));
            }
            if let Some(request) = resources.mem() {
                host.memory_reservation = Some(mem_bytes(request));
            }
        }
        None => host.memory = resources.mem().map(mem_bytes),
    }
}

/// The container's environment, in Mesos's order: `--task_environment`, then the command's
/// variables it does not name, then `MESOS_SANDBOX`, `MESOS_CONTAINER_NAME` and
/// `MESOS_ALLOCATION_ROLE`.
fn environment(command: &CommandInfo, resources: &Resources, ctx: &PlanContext) -> Vec<String> {
    let mut env: BTreeMap<String, String> = ctx.task_environment.clone();
    if let Some(environment) = &command.environment {
        for variable in &environment.variables {
            if !ctx.task_environment.contains_key(&variable.name) {
                env.insert(
                    variable.name.clone(),
                    variable.value.clone().unwrap_or_default(),
                );
            }
        }
    }
    env.insert("MESOS_SANDBOX".into(), ctx.mapped_directory.clone());
    env.insert("MESOS_CONTAINER_NAME".into(), ctx.name.clone());
    if let Some(role) = resources.iter().next().and_then(|r| r.allocation_role()) {
        env.insert("MESOS_ALLOCATION_ROLE".into(), role.to_owned());
    }
    env.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// `-v` binds for the task's volumes plus the sandbox, and the volume driver if any.
fn volumes(
    container: &ContainerInfo,
    legacy_driver: Option<&str>,
    ctx: &PlanContext,
) -> Result<(Vec<String>, Option<String>), PlanError> {
    let mut binds = Vec::new();
    let mut driver: Option<String> = None;
    let mut seen_paths = BTreeMap::new();
    for volume in &container.volumes {
        let container_path = if Path::new(&volume.container_path).is_absolute() {
            volume.container_path.clone()
        } else if volume.container_path.is_empty() {
            return err("A volume has an empty container_path");
        } else {
            join(&ctx.mapped_directory, &volume.container_path)
        };
        if let Some(previous) = seen_paths.insert(container_path.clone(), volume) {
            return err(format!(
                "Two volumes are mounted at container path '{container_path}' ('{}' and '{}')",
                describe(previous),
                describe(volume)
            ));
        }
        let mode = match volume.mode {
            VolumeMode::Rw => "rw",
            VolumeMode::Ro => "ro",
        };
        let source = if let Some(host_path) = &volume.host_path {
            let relative = !Path::new(host_path).is_absolute();
            if relative && !Path::new(&volume.container_path).is_absolute() {
                return err(format!(
                    "Both host_path '{host_path}' and container_path '{}' of a volume are relative",
                    volume.container_path
                ));
            }
            if relative && legacy_driver.is_none() {
                join(&ctx.sandbox_directory, host_path)
            } else {
                host_path.clone()
            }
        } else if let Some(source) = &volume.source {
            if source.kind != Some(VolumeSourceType::DockerVolume) {
                // As Mesos does: other sources are for the Mesos containerizer.
                continue;
            }
            let Some(docker_volume) = &source.docker_volume else {
                return err("A DOCKER_VOLUME source has no docker_volume");
            };
            if let Some(current) = &docker_volume.driver {
                if driver.as_ref().is_some_and(|d| d != current) {
                    return err("Only one volume driver is supported");
                }
                driver = Some(current.clone());
            }
            docker_volume.name.clone()
        } else {
            return err(format!(
                "Volume at '{}': host path or volume source is required",
                volume.container_path
            ));
        };
        binds.push(format!("{source}:{container_path}:{mode}"));
    }
    binds.push(format!(
        "{}:{}:rw",
        ctx.sandbox_directory, ctx.mapped_directory
    ));
    if let Some(legacy) = legacy_driver {
        if driver.as_deref().is_some_and(|d| d != legacy) {
            return err("Only one volume driver per task is supported");
        }
        driver = Some(legacy.to_owned());
    }
    Ok((binds, driver))
}

fn describe(volume: &Volume) -> String {
    volume
        .host_path
        .clone()
        .or_else(|| {
            volume
                .source
                .as_ref()
                .and_then(|s| s.docker_volume.as_ref())
                .map(|d| d.name.clone())
        })
        .unwrap_or_default()
}

fn join(base: &str, relative: &str) -> String {
    Path::new(base)
        .join(relative)
        .to_string_lossy()
        .into_owned()
}

/// The Docker network mode for the task.
fn network(container: &ContainerInfo) -> Result<String, PlanError> {
    let docker = container.docker.as_ref();
    Ok(match docker.map_or(DockerNetwork::Host, |d| d.network) {
        DockerNetwork::Host => "host".to_owned(),
        DockerNetwork::Bridge => "bridge".to_owned(),
        DockerNetwork::None => "none".to_owned(),
        DockerNetwork::User => {
            let [info] = container.network_infos.as_slice() else {
                return if container.network_infos.is_empty() {
                    err("No network info found in container info")
                } else {
                    err("Only a single network can be defined in Docker run")
                };
            };
            match &info.name {
                Some(name) if !name.is_empty() => name.clone(),
                _ => return err("No network name found in network info"),
            }
        }
    })
}

type PortMap = HashMap<String, Option<Vec<PortBinding>>>;

/// Exposed ports and host bindings; each host port must lie in the task's `ports`.
fn port_mappings(
    container: &ContainerInfo,
    resources: &Resources,
    network: &str,
) -> Result<(Vec<String>, PortMap), PlanError> {
    let mut exposed = Vec::new();
    let mut bindings: PortMap = HashMap::new();
    let Some(docker) = &container.docker else {
        return Ok((exposed, bindings));
    };
    if docker.port_mappings.is_empty() {
        return Ok((exposed, bindings));
    }
    if network == "host" || network == "none" {
        return err("Port mappings are only supported for bridge and user-defined networks");
    }
    let Some(ports) = resources.ports() else {
        return err("Port mappings require port resources");
    };
    for mapping in &docker.port_mappings {
        for (what, port) in [
            ("host", mapping.host_port),
            ("container", mapping.container_port),
        ] {
            if port == 0 || port > 65535 {
                return err(format!(
                    "Port mapping {}:{} has an invalid {what} port {port} (must be 1-65535)",
                    mapping.host_port, mapping.container_port
                ));
            }
        }
        if !ports.contains_value(u64::from(mapping.host_port)) {
            return err(format!(
                "Port [{}] not included in resources",
                mapping.host_port
            ));
        }
        let protocol = mapping
            .protocol
            .as_deref()
            .unwrap_or("tcp")
            .to_ascii_lowercase();
        if protocol != "tcp" && protocol != "udp" {
            return err(format!(
                "Port mapping {}:{} has unsupported protocol '{protocol}' (tcp or udp)",
                mapping.host_port, mapping.container_port
            ));
        }
        let key = format!("{}/{protocol}", mapping.container_port);
        exposed.push(key.clone());
        bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: None,
                host_port: Some(mapping.host_port.to_string()),
            });
    }
    Ok((exposed, bindings))
}

/// Entrypoint and command, as Mesos builds them: a shell command replaces the image's
/// entrypoint with `/bin/sh -c <value>`; otherwise `value` and `arguments` follow it.
fn command_line(command: &CommandInfo) -> Result<(Option<Vec<String>>, Vec<String>), PlanError> {
    if command.shell {
        let Some(value) = &command.value else {
            return err("Shell specified but no command value provided");
        };
        return Ok((
            Some(vec!["/bin/sh".to_owned()]),
            vec!["-c".to_owned(), value.clone()],
        ));
    }
    let mut cmd: Vec<String> = command.value.iter().cloned().collect();
    cmd.extend(command.arguments.iter().cloned());
    Ok((None, cmd))
}

/// Maps one `docker run --key=value` parameter onto the Engine API. Keys that cannot be mapped
/// are errors: nothing is silently ignored.
fn apply_parameter(
    key: &str,
    value: &str,
    body: &mut ContainerCreateBody,
    host: &mut HostConfig,
) -> Result<(), PlanError> {
    let bad = |reason: &str| PlanError(format!("Docker parameter '{key}={value}': {reason}"));
    let int = |v: &str| v.parse::<i64>().map_err(|_| bad("expected an integer"));
    let boolean = |v: &str| match v {
        "" | "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(bad("expected true or false")),
    };
    let push = |list: &mut Option<Vec<String>>, v: &str| {
        list.get_or_insert_with(Vec::new).push(v.to_owned());
    };
    match key {
        "env" | "e" => push(&mut body.env, value),
        "label" | "l" => {
            let (k, v) = value.split_once('=').unwrap_or((value, ""));
            body.labels
                .get_or_insert_with(HashMap::new)
                .insert(k.to_owned(), v.to_owned());
        }
        "user" | "u" => body.user = Some(value.to_owned()),
        "workdir" | "w" => body.working_dir = Some(value.to_owned()),
        "hostname" | "h" => body.hostname = Some(value.to_owned()),
        "entrypoint" => body.entrypoint = Some(vec![value.to_owned()]),
        "stop-signal" => body.stop_signal = Some(value.to_owned()),
        "volume" | "v" => push(&mut host.binds, value),
        "add-host" => push(&mut host.extra_hosts, value),
        "cap-add" => push(&mut host.cap_add, value),
        "cap-drop" => push(&mut host.cap_drop, value),
        "dns" => push(&mut host.dns, value),
        "dns-search" => push(&mut host.dns_search, value),
        "dns-opt" | "dns-option" => push(&mut host.dns_options, value),
        "security-opt" => push(&mut host.security_opt, value),
        "group-add" => push(&mut host.group_add, value),
        "device" => {
            let mut parts = value.split(':');
            let on_host = parts.next().unwrap_or_default().to_owned();
            let in_container = parts.next().map_or_else(|| on_host.clone(), str::to_owned);
            let permissions = parts.next().unwrap_or("rwm").to_owned();
            host.devices
                .get_or_insert_with(Vec::new)
                .push(bollard::models::DeviceMapping {
                    path_on_host: Some(on_host),
                    path_in_container: Some(in_container),
                    cgroup_permissions: Some(permissions),
                });
        }
        "tmpfs" => {
            let (path, options) = value.split_once(':').unwrap_or((value, ""));
            host.tmpfs
                .get_or_insert_with(HashMap::new)
                .insert(path.to_owned(), options.to_owned());
        }
        "sysctl" => {
            let Some((k, v)) = value.split_once('=') else {
                return Err(bad("expected name=value"));
            };
            host.sysctls
                .get_or_insert_with(HashMap::new)
                .insert(k.to_owned(), v.to_owned());
        }
        "ulimit" => {
            let Some((name, limits)) = value.split_once('=') else {
                return Err(bad("expected name=soft[:hard]"));
            };
            let (soft, hard) = limits.split_once(':').unwrap_or((limits, limits));
            host.ulimits
                .get_or_insert_with(Vec::new)
                .push(ResourcesUlimits {
                    name: Some(name.to_owned()),
                    soft: Some(int(soft)?),
                    hard: Some(int(hard)?),
                });
        }
        "log-driver" => {
            host.log_config
                .get_or_insert_with(HostConfigLogConfig::default)
                .typ = Some(value.to_owned());
        }
        "log-opt" => {
            let Some((k, v)) = value.split_once('=') else {
                return Err(bad("expected name=value"));
            };
            host.log_config
                .get_or_insert_with(HostConfigLogConfig::default)
                .config
                .get_or_insert_with(HashMap::new)
                .insert(k.to_owned(), v.to_owned());
        }
        "privileged" => host.privileged = Some(boolean(value)?),
        "read-only" => host.readonly_rootfs = Some(boolean(value)?),
        "init" => host.init = Some(boolean(value)?),
        "oom-kill-disable" => host.oom_kill_disable = Some(boolean(value)?),
        "ipc" => host.ipc_mode = Some(value.to_owned()),
        "pid" => host.pid_mode = Some(value.to_owned()),
        "uts" => host.uts_mode = Some(value.to_owned()),
        "userns" => host.userns_mode = Some(value.to_owned()),
        "runtime" => host.runtime = Some(value.to_owned()),
        "cgroup-parent" => host.cgroup_parent = Some(value.to_owned()),
        "cpuset-cpus" => host.cpuset_cpus = Some(value.to_owned()),
        "cpuset-mems" => host.cpuset_mems = Some(value.to_owned()),
        "pids-limit" => host.pids_limit = Some(int(value)?),
        "oom-score-adj" => host.oom_score_adj = Some(int(value)?),
        "cpu-shares" | "c" => host.cpu_shares = Some(int(value)?),
        "cpu-period" => host.cpu_period = Some(int(value)?),
        "cpu-quota" => host.cpu_quota = Some(int(value)?),
        "memory" | "m" => host.memory = Some(bytes(value).ok_or_else(|| bad("expected a size"))?),
        "memory-swap" => {
            host.memory_swap = Some(bytes(value).ok_or_else(|| bad("expected a size"))?);
        }
        "memory-reservation" => {
            host.memory_reservation = Some(bytes(value).ok_or_else(|| bad("expected a size"))?);
        }
        "shm-size" => host.shm_size = Some(bytes(value).ok_or_else(|| bad("expected a size"))?),
        _ => {
            return Err(PlanError(format!(
                "Docker parameter '{key}' is not supported by this executor (it cannot be mapped \
                 onto the Docker Engine API)"
            )));
        }
    }
    Ok(())
}

/// A Docker size (`512m`, `1g`, `1024`, `-1`) in bytes.
fn bytes(text: &str) -> Option<i64> {
    if text == "-1" {
        return Some(-1);
    }
    let text = text.trim().to_ascii_lowercase();
    let text = text.strip_suffix('b').unwrap_or(&text);
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], Some(c)),
        _ => (text, None),
    };
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        None => 1.0,
        Some('k') => 1024.0,
        Some('m') => 1024.0 * 1024.0,
        Some('g') => 1024.0 * 1024.0 * 1024.0,
        Some('t') => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        Some(_) => return None,
    };
    (number.is_finite() && number >= 0.0).then_some((number * scale) as i64)
}

fn apply_default_dns(
    dns: &ContainerDnsInfo,
    mode: DockerNetwork,
    network: &str,
    host: &mut HostConfig,
) {
    let find = |wanted: &str, name: Option<&str>| {
        dns.docker
            .iter()
            .find(|d| d.network_mode == wanted && d.network_name.as_deref() == name)
    };
    let chosen = match mode {
        DockerNetwork::Bridge => find("BRIDGE", None),
        DockerNetwork::User => find("USER", Some(network)).or_else(|| find("USER", None)),
        _ => None,
    };
    if let Some(chosen) = chosen {
        host.dns = Some(chosen.dns.nameservers.clone());
        host.dns_search = Some(chosen.dns.search.clone());
        host.dns_options = Some(chosen.dns.options.clone());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> PlanContext {
        PlanContext {
            name: "mesos-c1".into(),
            sandbox_directory: "/var/sandbox".into(),
            mapped_directory: "/mnt/mesos/sandbox".into(),
            ..PlanContext::default()
        }
    }

    fn task(container: serde_json::Value, resources: serde_json::Value) -> TaskInfo {
        serde_json::from_value(
            json!({"name":"t","task_id":{"value":"t1"},"agent_id":{"value":"a"},
            "resources":resources,"command":{"value":"echo hi"},"container":container}),
        )
        .unwrap()
    }

    fn cpus_mem(cpus: f64, mem: f64) -> serde_json::Value {
        json!([{"name":"cpus","type":"SCALAR","scalar":{"value":cpus}},
               {"name":"mem","type":"SCALAR","scalar":{"value":mem}},
               {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31010}]}}])
    }

    fn plan_err(container: serde_json::Value) -> String {
        plan(&task(container, cpus_mem(1.0, 64.0)), &ctx())
            .unwrap_err()
            .0
    }

    #[test]
    fn limits_follow_mesos() {
        let plan = plan(
            &task(
                json!({"type":"DOCKER","docker":{"image":"busybox"}}),
                cpus_mem(0.5, 16.0),
            ),
            &PlanContext {
                cfs_quota: true,
                ..ctx()
            },
        )
        .unwrap();
        let host = plan.body.host_config.unwrap();
        assert_eq!(host.cpu_shares, Some(512));
        assert_eq!(host.cpu_quota, Some(50_000));
        assert_eq!(host.memory, Some(32 * 1024 * 1024), "at least 32 MB");
        assert_eq!(host.network_mode.as_deref(), Some("host"));
        assert_eq!(plan.network, "host");
    }

    #[test]
    fn shell_and_plain_commands() {
        let plan = plan(
            &task(
                json!({"type":"DOCKER","docker":{"image":"busybox"}}),
                cpus_mem(1.0, 64.0),
            ),
            &ctx(),
        )
        .unwrap();
        assert_eq!(plan.body.entrypoint, Some(vec!["/bin/sh".to_owned()]));
        assert_eq!(
            plan.body.cmd,
            Some(vec!["-c".to_owned(), "echo hi".to_owned()])
        );
        let mut t = task(
            json!({"type":"DOCKER","docker":{"image":"busybox"}}),
            cpus_mem(1.0, 64.0),
        );
        t.command = Some(
            serde_json::from_value(json!({"shell":false,"value":"ls","arguments":["-l","/"]}))
                .unwrap(),
        );
        let plan = super::plan(&t, &ctx()).unwrap();
        assert_eq!(plan.body.entrypoint, None);
        assert_eq!(
            plan.body.cmd,
            Some(vec!["ls".into(), "-l".into(), "/".into()])
        );
    }

    #[test]
    fn environment_order_and_sandbox() {
        let mut t = task(
            json!({"type":"DOCKER","docker":{"image":"busybox"}}),
            cpus_mem(1.0, 64.0),
        );
        t.command = Some(
            serde_json::from_value(json!({"value":"env","environment":{"variables":[
                {"name":"A","value":"task"},{"name":"B","value":"task"}]}}))
            .unwrap(),
        );
        let ctx = PlanContext {
            task_environment: BTreeMap::from([("A".to_owned(), "agent".to_owned())]),
            ..ctx()
        };
        let env = plan(&t, &ctx).unwrap().body.env.unwrap();
        assert!(env.contains(&"A=agent".to_owned()), "{env:?}");
        assert!(env.contains(&"B=task".to_owned()));
        assert!(env.contains(&"MESOS_SANDBOX=/mnt/mesos/sandbox".to_owned()));
        assert!(env.contains(&"MESOS_CONTAINER_NAME=mesos-c1".to_owned()));
    }

    #[test]
    fn volumes_resolve_relative_paths() {
        let plan = plan(
            &task(
                json!({"type":"DOCKER","docker":{"image":"busybox"},"volumes":[
                    {"mode":"RO","container_path":"/data","host_path":"/srv/data"},
                    {"mode":"RW","container_path":"/cache","host_path":"cache"},
                    {"mode":"RW","container_path":"work","host_path":"/srv/work"},
                    {"mode":"RO","container_path":"/vol","source":{"type":"DOCKER_VOLUME",
                        "docker_volume":{"name":"shared"}}}]}),
                cpus_mem(1.0, 64.0),
            ),
            &ctx(),
        )
        .unwrap();
        assert_eq!(
            plan.body.host_config.unwrap().binds.unwrap(),
            vec![
                "/srv/data:/data:ro",
                "/var/sandbox/cache:/cache:rw",
                "/srv/work:/mnt/mesos/sandbox/work:rw",
                "shared:/vol:ro",
                "/var/sandbox:/mnt/mesos/sandbox:rw",
            ]
        );
    }

    #[test]
    fn bad_volumes_are_precise_errors() {
        let msg = plan_err(json!({"type":"DOCKER","docker":{"image":"b"},"volumes":[
            {"mode":"RO","container_path":"data","host_path":"data"}]}));
        assert!(
            msg.contains("Both host_path 'data' and container_path 'data'"),
            "{msg}"
        );
        let msg = plan_err(json!({"type":"DOCKER","docker":{"image":"b"},"volumes":[
            {"mode":"RO","container_path":"/d","host_path":"/a"},
            {"mode":"RW","container_path":"/d","host_path":"/b"}]}));
        assert!(
            msg.contains("Two volumes are mounted at container path '/d'"),
            "{msg}"
        );
        let msg = plan_err(json!({"type":"DOCKER","docker":{"image":"b"},"volumes":[
            {"mode":"RO","container_path":"/d"}]}));
        assert!(
            msg.contains("host path or volume source is required"),
            "{msg}"
        );
    }

    #[test]
    fn port_mappings_need_bridge_and_resources() {
        let bridge = |host_port: u32| {
            json!({"type":"DOCKER","docker":{"image":"b","network":"BRIDGE",
                "port_mappings":[{"host_port":host_port,"container_port":80}]}})
        };
        let p = plan(&task(bridge(31005), cpus_mem(1.0, 64.0)), &ctx()).unwrap();
        let host = p.body.host_config.unwrap();
        assert_eq!(host.network_mode.as_deref(), Some("bridge"));
        let binding = &host.port_bindings.unwrap()["80/tcp"];
        assert_eq!(
            binding.as_ref().unwrap()[0].host_port.as_deref(),
            Some("31005")
        );
        assert_eq!(
            plan_err(bridge(32000)),
            "Port [32000] not included in resources"
        );
        assert!(plan_err(bridge(70000)).contains("invalid host port 70000"));
        let host_net = json!({"type":"DOCKER","docker":{"image":"b",
            "port_mappings":[{"host_port":31001,"container_port":80}]}});
        assert!(plan_err(host_net).contains("only supported for bridge and user-defined"));
    }

    #[test]
    fn user_networks_and_parameters() {
        let p = plan(
            &task(
                json!({"type":"DOCKER","network_infos":[{"name":"spark-net"}],
                    "docker":{"image":"b","network":"USER","parameters":[
                        {"key":"label","value":"team=data"},{"key":"memory-swap","value":"1g"},
                        {"key":"ulimit","value":"nofile=1024:2048"}]}}),
                cpus_mem(1.0, 64.0),
            ),
            &ctx(),
        )
        .unwrap();
        assert_eq!(p.network, "spark-net");
        assert!(
            p.body
                .networking_config
                .unwrap()
                .endpoints_config
                .unwrap()
                .contains_key("spark-net")
        );
        assert_eq!(p.body.labels.unwrap()["team"], "data");
        let host = p.body.host_config.unwrap();
        assert_eq!(host.memory_swap, Some(1 << 30));
        assert_eq!(host.ulimits.unwrap()[0].hard, Some(2048));
        assert_eq!(
            plan_err(json!({"type":"DOCKER","docker":{"image":"b","network":"USER"}})),
            "No network info found in container info"
        );
        let msg = plan_err(json!({"type":"DOCKER","docker":{"image":"b","parameters":[
            {"key":"frobnicate","value":"yes"}]}}));
        assert!(msg.contains("'frobnicate' is not supported"), "{msg}");
        let msg = plan_err(json!({"type":"DOCKER","docker":{"image":"b","parameters":[
            {"key":"pids-limit","value":"many"}]}}));
        assert!(msg.contains("expected an integer"), "{msg}");
    }

    #[test]
    fn missing_image_and_wrong_type() {
        assert_eq!(
            plan_err(json!({"type":"DOCKER","docker":{"image":"  "}})),
            "No image given in ContainerInfo.docker.image"
        );
        assert!(plan_err(json!({"type":"MESOS"})).contains("not supported"));
        assert!(plan_err(json!({"type":"DOCKER"})).contains("has no 'docker' field"));
        assert_eq!(
            plan_err(json!({"type":"DOCKER","hostname":"x","docker":{"image":"b"}})),
            "Unable to set hostname with host network mode"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes("512m"), Some(512 << 20));
        assert_eq!(bytes("1G"), Some(1 << 30));
        assert_eq!(bytes("100"), Some(100));
        assert_eq!(bytes("-1"), Some(-1));
        assert_eq!(bytes("lots"), None);
        assert_eq!(bytes("5x"), None);
    }
}

//! The agent's configuration, read from its flags.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use mesos_api::attributes::Attributes;
use mesos_api::flags::Flags;
use mesos_api::resources::Resources;

/// The containerizers an agent can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Containerizer {
    /// Plain processes: command tasks and framework executors.
    Mesos,
    /// Tasks with a Docker `ContainerInfo`, through `mesos-docker-executor`.
    Docker,
}

/// Everything the agent needs from its flags, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// `host:port` of the master.
    pub master: String,
    pub ip: IpAddr,
    pub port: u16,
    pub hostname: String,
    pub work_dir: PathBuf,
    pub resources: Resources,
    pub attributes: Attributes,
    pub containerizers: Vec<Containerizer>,
    pub docker: String,
    pub docker_socket: String,
    /// Where `mesos-docker-executor` and `mesos-executor` are.
    pub launcher_dir: PathBuf,
    pub executor_registration_timeout: Duration,
    pub executor_shutdown_grace_period: Duration,
    pub executor_reregistration_timeout: Duration,
    pub registration_backoff_factor: Duration,
    /// `--recover=reconnect` (true) or `cleanup`.
    pub reconnect: bool,
    pub strict: bool,
    pub gc_delay: Duration,
    /// `--allowed_host_paths`: `None` allows every host path.
    pub allowed_host_paths: Option<Vec<PathBuf>>,
    pub allow_privileged: bool,
    pub authenticate_executors: bool,
    /// The effective flags, for `/flags` and `/state`.
    pub flags: BTreeMap<String, String>,
}

impl Config {
    /// Reads and checks the flags; the error names the flag.
    pub fn from_flags(flags: &Flags) -> Result<Self, String> {
        let duration = |name: &str| -> Result<Duration, String> {
            let value: mesos_api::duration::Duration =
                flags.get(name).map_err(|e| e.to_string())?;
            Duration::try_from(value).map_err(|e| format!("--{name}: {e}"))
        };
        let master = flags
            .get_str("master")
            .ok_or("--master is required (host:port of the master)")?;
        let master = master
            .trim()
            .trim_start_matches("mesos://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        if master.starts_with("zk://") {
            return Err("--master: ZooKeeper masters are not supported; give host:port".into());
        }
        let ip: IpAddr = match flags.get_str("ip") {
            Some(ip) => ip
                .parse()
                .map_err(|_| format!("--ip: '{ip}' is not an IP address"))?,
            None => IpAddr::from([127, 0, 0, 1]),
        };
        let hostname = flags
            .get_str("hostname")
            .map_or_else(|| ip.to_string(), str::to_owned);
        let work_dir = PathBuf::from(flags.get_str("work_dir").unwrap_or("/tmp/mesos"));
        let default_role = flags.get_str("default_role").unwrap_or("*");
        let given = match flags.get_str("resources") {
            Some(text) => {
                let text = match text.strip_prefix("file://") {
                    Some(path) => std::fs::read_to_string(path)
                        .map_err(|e| format!("--resources: cannot read '{path}': {e}"))?,
                    None => text.to_owned(),
                };
                Resources::parse(&text, default_role).map_err(|e| format!("--resources: {e}"))?
            }
            None => Resources::new(),
        };
        let resources = crate::detect::complete(given, &work_dir);
        let attributes = match flags.get_str("attributes") {
            Some(text) => Attributes::parse(text).map_err(|e| format!("--attributes: {e}"))?,
            None => Attributes::default(),
        };
        let mut containerizers = Vec::new();
        for name in flags
            .get_str("containerizers")
            .unwrap_or("mesos")
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            containerizers.push(match name {
                "mesos" => Containerizer::Mesos,
                "docker" => Containerizer::Docker,
                other => {
                    return Err(format!(
                        "--containerizers: unknown containerizer '{other}' (mesos, docker)"
                    ));
                }
            });
        }
        let launcher_dir = match flags.get_str("launcher_dir") {
            Some(dir) => PathBuf::from(dir),
            None => std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(PathBuf::from))
                .ok_or("--launcher_dir is required (cannot find the agent's own directory)")?,
        };
        let allowed_host_paths = flags.get_str("allowed_host_paths").map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .collect()
        });
        let bool_flag = |name: &str| flags.get_bool(name).map_err(|e| e.to_string());
        Ok(Self {
            master,
            ip,
            port: flags.get("port").map_err(|e| e.to_string())?,
            hostname,
            work_dir,
            resources,
            attributes,
            containerizers,
            docker: flags.get_str("docker").unwrap_or("docker").to_owned(),
            docker_socket: flags
                .get_str("docker_socket")
                .unwrap_or("/var/run/docker.sock")
                .to_owned(),
            launcher_dir,
            executor_registration_timeout: duration("executor_registration_timeout")?,
            executor_shutdown_grace_period: duration("executor_shutdown_grace_period")?,
            executor_reregistration_timeout: duration("executor_reregistration_timeout")?,
            registration_backoff_factor: duration("registration_backoff_factor")?,
            reconnect: flags.get_str("recover") != Some("cleanup"),
            strict: bool_flag("strict")?,
            gc_delay: duration("gc_delay")?,
            allowed_host_paths,
            allow_privileged: bool_flag("allow_privileged")?,
            authenticate_executors: bool_flag("authenticate_http_executors")?,
            flags: flags.effective(),
        })
    }

    pub fn has(&self, containerizer: Containerizer) -> bool {
        self.containerizers.contains(&containerizer)
    }

    /// `ip:port` the executors call (`MESOS_AGENT_ENDPOINT`).
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }

    /// `slave(1)@ip:port`.
    pub fn pid(&self) -> String {
        format!("slave(1)@{}:{}", self.ip, self.port)
    }
}

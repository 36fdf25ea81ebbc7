//! The master's configuration, read from its flags.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use mesos_api::flags::Flags;

/// Everything the master needs from its flags, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub ip: IpAddr,
    pub port: u16,
    pub hostname: String,
    /// `Some` with `--registry=replicated_log`: where the registry is kept.
    pub registry_dir: Option<PathBuf>,
    /// `--roles`: the whitelist, if given.
    pub roles: Option<BTreeSet<String>>,
    pub weights: BTreeMap<String, f64>,
    pub allocation_interval: Duration,
    pub offer_timeout: Option<Duration>,
    /// Principal → secret, when frameworks must authenticate.
    pub credentials: Option<BTreeMap<String, String>>,
    pub cluster: Option<String>,
    pub agent_ping_timeout: Duration,
    pub max_agent_ping_timeouts: u32,
    pub max_completed_frameworks: usize,
    pub max_completed_tasks_per_framework: usize,
    /// The effective flags, rendered at `/flags` and in `/state`.
    pub flags: BTreeMap<String, String>,
}

impl Config {
    /// Reads and checks the flags; the error says which flag is wrong.
    pub fn from_flags(flags: &Flags) -> Result<Self, String> {
        let duration = |name: &str| -> Result<Option<Duration>, String> {
            flags
                .get_opt::<mesos_api::duration::Duration>(name)
                .map_err(|e| e.to_string())?
                .map(|d| Duration::try_from(d).map_err(|e| format!("--{name}: {e}")))
                .transpose()
        };
        let ip: IpAddr = match flags.get_str("ip") {
            Some(ip) => ip
                .parse()
                .map_err(|_| format!("--ip: '{ip}' is not an IP address"))?,
            None => IpAddr::from([127, 0, 0, 1]),
        };
        let hostname = match flags.get_str("hostname") {
            Some(name) => name.to_owned(),
            None => ip.to_string(),
        };
        let registry_dir = match flags.get_str("registry") {
            Some("replicated_log") => {
                let dir = flags.get_str("work_dir").ok_or(
                    "--work_dir is required with --registry=replicated_log (the registry lives \
                     there)",
                )?;
                Some(PathBuf::from(dir))
            }
            _ => None,
        };
        let roles = flags.get_str("roles").map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect()
        });
        let mut weights = BTreeMap::new();
        if let Some(list) = flags.get_str("weights") {
            for pair in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (role, weight) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--weights: '{pair}' is not role=weight"))?;
                let weight: f64 = weight
                    .trim()
                    .parse()
                    .ok()
                    .filter(|w: &f64| w.is_finite() && *w > 0.0)
                    .ok_or_else(|| format!("--weights: '{pair}' needs a positive weight"))?;
                weights.insert(role.trim().to_owned(), weight);
            }
        }
        let authenticate = flags
            .get_bool("authenticate_http_frameworks")
            .map_err(|e| e.to_string())?;
        let credentials = if authenticate {
            let path = flags
                .get_str("credentials")
                .ok_or("--credentials is required with --authenticate_http_frameworks")?;
            Some(crate::auth::load_credentials(path)?)
        } else {
            None
        };
        Ok(Self {
            ip,
            port: flags.get("port").map_err(|e| e.to_string())?,
            hostname,
            registry_dir,
            roles,
            weights,
            allocation_interval: duration("allocation_interval")?.unwrap_or(Duration::from_secs(1)),
            offer_timeout: duration("offer_timeout")?,
            credentials,
            cluster: flags.get_str("cluster").map(str::to_owned),
            agent_ping_timeout: duration("agent_ping_timeout")?.unwrap_or(Duration::from_secs(15)),
            max_agent_ping_timeouts: flags
                .get::<u32>("max_agent_ping_timeouts")
                .map_err(|e| e.to_string())?,
            max_completed_frameworks: flags
                .get("max_completed_frameworks")
                .map_err(|e| e.to_string())?,
            max_completed_tasks_per_framework: flags
                .get("max_completed_tasks_per_framework")
                .map_err(|e| e.to_string())?,
            flags: flags.effective(),
        })
    }
}

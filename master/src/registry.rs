//! The persistent registry (`--registry=replicated_log`): what must survive a master restart.
//!
//! Apache Mesos keeps admitted agents, weights and more in a replicated log; this master keeps
//! them — and the frameworks, so that they may fail over across a master restart — in one JSON
//! file in `--work_dir`, replaced atomically (written beside it, synced, renamed) on change.
//! Tasks are not stored: agents report them when they re-register, as with Mesos.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use mesos_api::v1::{AgentInfo, FrameworkInfo};
use serde::{Deserialize, Serialize};

/// The registry's contents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegistryState {
    #[serde(default)]
    pub agents: Vec<AgentInfo>,
    #[serde(default)]
    pub frameworks: Vec<FrameworkInfo>,
    #[serde(default)]
    pub weights: std::collections::BTreeMap<String, f64>,
    #[serde(default)]
    pub next_agent: u64,
    #[serde(default)]
    pub next_framework: u64,
}

/// The registry file and what it held when opened.
#[derive(Debug)]
pub struct Registry {
    path: PathBuf,
    recovered: RegistryState,
}

impl Registry {
    /// Opens (creating `dir` if needed) and reads the registry.
    pub fn open(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the work directory {}: {e}", dir.display()))?;
        let path = dir.join("registry.json");
        let recovered = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| format!("the registry {} is corrupt: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RegistryState::default(),
            Err(e) => return Err(format!("cannot read the registry {}: {e}", path.display())),
        };
        Ok(Self { path, recovered })
    }

    /// What the registry held when the master started.
    pub fn state(&self) -> RegistryState {
        self.recovered.clone()
    }

    /// Replaces the registry's contents.
    pub fn save(&self, state: &RegistryState) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(state).map_err(std::io::Error::other)?;
        let tmp = self.path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &self.path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_reopen() {
        let dir = std::env::temp_dir().join(format!("mesos-registry-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let registry = Registry::open(&dir).unwrap();
        assert_eq!(registry.state(), RegistryState::default());
        let state = RegistryState {
            next_agent: 3,
            weights: [("spark".to_owned(), 2.0)].into(),
            ..RegistryState::default()
        };
        registry.save(&state).unwrap();
        assert_eq!(Registry::open(&dir).unwrap().state(), state);
        std::fs::write(dir.join("registry.json"), "{not json").unwrap();
        assert!(Registry::open(&dir).unwrap_err().contains("corrupt"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

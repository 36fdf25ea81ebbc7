//! `mesos-docker-executor`: runs one task in a Docker container, speaking the v1 executor API to
//! the agent named by `MESOS_AGENT_ENDPOINT`. It takes the flags Apache Mesos's Docker
//! containerizer passes (`src/docker/executor.hpp` plus the logging flags), so that either agent
//! can launch it.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use mesos_api::client::executor::{ExecutorConfig, ExecutorDriver};
use mesos_api::flags::{self, Flag, FlagSet, Flags};
use mesos_executor::docker::plan::{ContainerDnsInfo, PlanContext};
use mesos_executor::docker::{self, Settings};

fn flag_set() -> FlagSet {
    // Like Mesos's, the executor reads no `MESOS_*` variables as flags: its environment is the
    // agent's executor environment, not configuration.
    FlagSet::new("mesos-docker-executor").env_prefix(None).flags(flags::logging_flags()).flags([
        Flag::string("container", "Name of the Docker container to run the task in."),
        Flag::string("docker", "The docker executable."),
        Flag::string(
            "docker_socket",
            "The Docker daemon's socket, e.g. `/var/run/docker.sock`.",
        ),
        Flag::string(
            "sandbox_directory",
            "The task's sandbox on the host; the container's stdout and stderr go to files \
             there.",
        ),
        Flag::string(
            "mapped_directory",
            "Where the sandbox is mounted inside the container (`MESOS_SANDBOX` of the task).",
        ),
        Flag::duration(
            "stop_timeout",
            "How long `docker stop` waits before killing the container. Deprecated: tasks' kill \
             policies set this now; the longer of the two is used.",
        ),
        Flag::string("launcher_dir", "Directory holding the Mesos helper programs."),
        Flag::string(
            "task_environment",
            "JSON object of environment variables (name to value) to set in the task.",
        ),
        Flag::string(
            "default_container_dns",
            "JSON description of the DNS settings containers get when the task sets none.",
        ),
        Flag::boolean(
            "cgroups_enable_cfs",
            "Whether to cap the container's CPU use at its `cpus` with CFS bandwidth limits, \
             rather than only weighting its share.",
        )
        .default(false),
    ])
}

/// The executor's settings from its flags and environment, or a message naming what is wrong.
fn settings(flags: &Flags, config: &ExecutorConfig) -> Result<Settings, String> {
    let sandbox = flags
        .get_str("sandbox_directory")
        .map(str::to_owned)
        .or_else(|| config.directory.as_ref().map(|d| d.display().to_string()))
        .ok_or("--sandbox_directory is required (or MESOS_DIRECTORY)")?;
    let task_environment: BTreeMap<String, String> = match flags.get_str("task_environment") {
        Some(json) if !json.is_empty() => serde_json::from_str(json)
            .map_err(|e| format!("--task_environment is not a JSON object of strings: {e}"))?,
        _ => BTreeMap::new(),
    };
    let default_dns: Option<ContainerDnsInfo> = match flags.get_str("default_container_dns") {
        Some(json) if !json.is_empty() => Some(
            serde_json::from_str(json)
                .map_err(|e| format!("--default_container_dns is not valid: {e}"))?,
        ),
        _ => None,
    };
    let stop_timeout = match flags.get_opt::<mesos_api::duration::Duration>("stop_timeout") {
        Ok(Some(d)) => Duration::try_from(d).map_err(|e| format!("--stop_timeout: {e}"))?,
        Ok(None) => Duration::ZERO,
        Err(e) => return Err(e.to_string()),
    };
    let name = match flags.get_str("container") {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => format!("mesos-{}", config.executor_id),
    };
    Ok(Settings {
        plan: PlanContext {
            name,
            sandbox_directory: sandbox,
            mapped_directory: flags
                .get_str("mapped_directory")
                .unwrap_or("/mnt/mesos/sandbox")
                .to_owned(),
            task_environment,
            default_dns,
            cfs_quota: flags
                .get_bool("cgroups_enable_cfs")
                .map_err(|e| e.to_string())?,
        },
        docker_socket: flags
            .get_str("docker_socket")
            .unwrap_or("/var/run/docker.sock")
            .to_owned(),
        stop_timeout,
        shutdown_grace_period: config.shutdown_grace_period,
    })
}

fn main() -> ExitCode {
    let set = flag_set();
    let flags = set.parse_env_args_or_exit();
    mesos_executor::init_logging(flags.get_str("logging_level"));
    let config = ExecutorConfig::from_env().unwrap_or_else(|e| set.exit_with_error(&e));
    let settings = settings(&flags, &config).unwrap_or_else(|e| set.exit_with_error(&e));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| set.exit_with_error(&format!("cannot start the runtime: {e}")));
    let clean = runtime.block_on(async {
        let (driver, events) = ExecutorDriver::start(config)?;
        Ok::<_, mesos_api::client::executor::ExecutorError>(
            docker::run(driver, events, settings).await,
        )
    });
    match clean {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => set.exit_with_error(&e),
    }
}

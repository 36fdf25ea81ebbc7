//! Starting an executor's process: the program, flags and environment Apache Mesos's agent gives
//! its executors (`src/slave/slave.cpp` `executorEnvironment`, `src/slave/containerizer/docker.cpp`).

use std::path::Path;
use std::process::Stdio;

use mesos_api::v1::{AgentId, ExecutorInfo, FrameworkInfo};

use crate::agent::ExecutorKind;
use crate::config::Config;

/// What to start.
pub struct Launch<'a> {
    pub kind: ExecutorKind,
    pub framework: &'a FrameworkInfo,
    pub executor: &'a ExecutorInfo,
    pub agent_id: &'a AgentId,
    pub container_id: &'a str,
    pub directory: &'a Path,
    pub token: &'a str,
    pub checkpoint: bool,
}

/// Where the Docker executor mounts the sandbox in the container.
pub const MAPPED_DIRECTORY: &str = "/mnt/mesos/sandbox";

/// Starts the executor in its sandbox, in a process group of its own, with its output in the
/// sandbox's `stdout` and `stderr`.
pub fn spawn(config: &Config, launch: Launch<'_>) -> Result<tokio::process::Child, String> {
    let (program, args) = command_line(config, &launch)?;
    let open = |name: &str| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(launch.directory.join(name))
            .map_err(|e| format!("cannot open the sandbox's {name}: {e}"))
    };
    let mut command = tokio::process::Command::new(&program);
    command
        .args(&args)
        .current_dir(launch.directory)
        .stdin(Stdio::null())
        .stdout(open("stdout")?)
        .stderr(open("stderr")?)
        .process_group(0)
        .kill_on_drop(false);
    // The agent's own flags must not become the executor's.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MESOS_") {
            command.env_remove(&name);
        }
    }
    for (name, value) in environment(config, &launch) {
        command.env(name, value);
    }
    command
        .spawn()
        .map_err(|e| format!("Failed to launch executor '{program}': {e}"))
}

fn command_line(config: &Config, launch: &Launch<'_>) -> Result<(String, Vec<String>), String> {
    let launcher_dir = config.launcher_dir.display().to_string();
    match launch.kind {
        ExecutorKind::Docker => Ok((
            config
                .launcher_dir
                .join("mesos-docker-executor")
                .display()
                .to_string(),
            vec![
                format!("--container=mesos-{}", launch.container_id),
                format!("--docker={}", config.docker),
                format!("--docker_socket={}", config.docker_socket),
                "--help=false".to_owned(),
                format!("--launcher_dir={launcher_dir}"),
                format!("--mapped_directory={MAPPED_DIRECTORY}"),
                format!("--sandbox_directory={}", launch.directory.display()),
                "--stop_timeout=0ns".to_owned(),
            ],
        )),
        ExecutorKind::Command => Ok((
            config
                .launcher_dir
                .join("mesos-executor")
                .display()
                .to_string(),
            vec![format!("--launcher_dir={launcher_dir}")],
        )),
        ExecutorKind::Custom => {
            let command = launch
                .executor
                .command
                .as_ref()
                .ok_or("The executor has no CommandInfo")?;
            let value = command
                .value
                .clone()
                .ok_or("The executor's CommandInfo has no value")?;
            if command.shell {
                Ok(("/bin/sh".to_owned(), vec!["-c".to_owned(), value]))
            } else {
                // As Mesos: `value` is the program and `arguments` its whole argv; argv[0] is
                // not settable through tokio, so the arguments after it are passed.
                Ok((value, command.arguments.iter().skip(1).cloned().collect()))
            }
        }
    }
}

/// The executor's environment: its CommandInfo's variables, then Mesos's own.
fn environment(config: &Config, launch: &Launch<'_>) -> Vec<(String, String)> {
    let mut env = Vec::new();
    if let Some(environment) = launch
        .executor
        .command
        .as_ref()
        .and_then(|c| c.environment.as_ref())
    {
        for variable in &environment.variables {
            if let Some(value) = &variable.value {
                env.push((variable.name.clone(), value.clone()));
            }
        }
    }
    let grace = launch
        .executor
        .shutdown_grace_period
        .map_or(config.executor_shutdown_grace_period, |g| g.to_std());
    let duration = |d: std::time::Duration| {
        mesos_api::duration::Duration::try_from(d)
            .map(|d| d.to_string())
            .unwrap_or_else(|_| "5secs".to_owned())
    };
    let directory = launch.directory.display().to_string();
    let framework_id = launch
        .framework
        .id
        .as_ref()
        .map(|id| id.value.clone())
        .unwrap_or_default();
    env.extend([
        ("MESOS_FRAMEWORK_ID".to_owned(), framework_id),
        (
            "MESOS_EXECUTOR_ID".to_owned(),
            launch.executor.executor_id.value.clone(),
        ),
        ("MESOS_DIRECTORY".to_owned(), directory.clone()),
        ("MESOS_SANDBOX".to_owned(), directory),
        ("MESOS_SLAVE_ID".to_owned(), launch.agent_id.value.clone()),
        ("MESOS_AGENT_ID".to_owned(), launch.agent_id.value.clone()),
        ("MESOS_SLAVE_PID".to_owned(), config.pid()),
        ("MESOS_AGENT_ENDPOINT".to_owned(), config.endpoint()),
        (
            "MESOS_CHECKPOINT".to_owned(),
            if launch.checkpoint { "1" } else { "0" }.to_owned(),
        ),
        ("MESOS_HTTP_COMMAND_EXECUTOR".to_owned(), "1".to_owned()),
        (
            "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD".to_owned(),
            duration(grace),
        ),
        (
            "MESOS_EXECUTOR_AUTHENTICATION_TOKEN".to_owned(),
            launch.token.to_owned(),
        ),
    ]);
    if launch.checkpoint {
        env.push((
            "MESOS_RECOVERY_TIMEOUT".to_owned(),
            duration(std::time::Duration::from_secs(15 * 60)),
        ));
        env.push((
            "MESOS_SUBSCRIPTION_BACKOFF_MAX".to_owned(),
            duration(std::time::Duration::from_secs(2)),
        ));
    }
    env
}

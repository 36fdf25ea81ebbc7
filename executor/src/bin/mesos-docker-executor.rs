//! `mesos-docker-executor`: runs one task in a Docker container. For now it only parses its
//! flags, which are those Apache Mesos's Docker containerizer passes (`src/docker/executor.hpp`
//! plus the logging flags), so that either agent can launch it.

use std::process::ExitCode;

use mesos_api::flags::{self, Flag, FlagSet};

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

fn main() -> ExitCode {
    let _flags = flag_set().parse_env_args_or_exit();
    eprintln!("mesos-docker-executor: not implemented yet");
    ExitCode::FAILURE
}

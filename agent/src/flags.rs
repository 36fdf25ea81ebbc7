//! The agent's flags (Apache Mesos `src/slave/flags.cpp`), with Mesos's names and defaults.

use mesos_api::flags::{Flag, FlagSet};

/// Every flag `mesos-agent` accepts.
pub fn flag_set() -> FlagSet {
    FlagSet::new("mesos-agent").flags([
        Flag::string(
            "master",
            "How to reach the master: `host:port`, `zk://host1:port1,host2:port2/path`, or \
             `file:///path/to/file` holding one of those.",
        )
        .secret_file(),
        Flag::string(
            "ip",
            "IP address to listen on; by default the address the host name resolves to.",
        ),
        Flag::typed::<u16>("port", "Port to listen on.").default(5051),
        Flag::string(
            "hostname",
            "Host name the agent advertises to the master and frameworks; by default the host's \
             name.",
        ),
        Flag::string(
            "work_dir",
            "Directory for the agent's checkpointed state and the executors' sandboxes.",
        )
        .default("/tmp/mesos"),
        Flag::string(
            "resources",
            "The resources the agent offers, e.g. `cpus:4;mem:8192;disk:40960;ports:[31000-32000]` \
             or the same as a JSON array of resources; what is not given is detected from the \
             host.",
        ),
        Flag::string(
            "attributes",
            "Attributes of the agent that frameworks can match offers on, e.g. \
             `rack:r1;zone:west;os:centos7`.",
        ),
        Flag::string(
            "containerizers",
            "Comma-separated list of the containerizers to use, in order of preference: `mesos` \
             and `docker`.",
        )
        .default("mesos"),
        Flag::string("docker", "The docker executable.").default("docker"),
        Flag::string(
            "docker_socket",
            "The Docker daemon's socket, used by the agent and handed to the Docker executor.",
        )
        .default("/var/run/docker.sock"),
        Flag::string(
            "launcher_dir",
            "Directory holding the programs the agent launches: `mesos-docker-executor`, \
             `mesos-executor`.",
        ),
        Flag::duration(
            "executor_registration_timeout",
            "How long an executor may take to subscribe to the agent before the agent gives up \
             on it and destroys its container.",
        )
        .default("1mins"),
        Flag::duration(
            "executor_shutdown_grace_period",
            "How long an executor may take to shut down before it is killed; executors see it \
             as `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`.",
        )
        .default("5secs"),
        Flag::string(
            "recover",
            "What to do with the executors of a previous run when the agent starts: \
             `reconnect` to them, or `cleanup` (kill them, then exit).",
        )
        .default("reconnect")
        .one_of(&["reconnect", "cleanup"]),
        Flag::boolean(
            "strict",
            "Whether errors while recovering the checkpointed state are fatal; when false, what \
             cannot be recovered is ignored.",
        )
        .default(true),
        Flag::string(
            "default_role",
            "The role of the resources in `--resources` that do not name one.",
        )
        .default("*"),
        Flag::duration(
            "executor_reregistration_timeout",
            "After an agent restart, how long checkpointed executors have to re-subscribe before              they are destroyed.",
        )
        .default("2secs"),
        Flag::duration(
            "registration_backoff_factor",
            "The first delay before re-registering with a master after losing it; it doubles              on each attempt up to one minute, with random jitter.",
        )
        .default("1secs"),
        Flag::duration(
            "gc_delay",
            "How long the sandboxes of finished executors are kept before they are deleted.",
        )
        .default("1weeks"),
        Flag::string(
            "allowed_host_paths",
            "Comma-separated host directories Docker tasks may mount (and their              subdirectories); by default any host path may be mounted, as with Apache Mesos.",
        ),
        Flag::boolean(
            "allow_privileged",
            "Whether Docker tasks may run privileged containers.",
        )
        .default(true),
        Flag::boolean(
            "authenticate_http_executors",
            "Whether executors must present the `MESOS_EXECUTOR_AUTHENTICATION_TOKEN` they were              given when they call the executor API.",
        )
        .default(false),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const NO_ARGS: [&str; 0] = [];
    const NO_ENV: [(&str, &str); 0] = [];

    #[test]
    fn defaults_load() {
        let flags = flag_set().parse(NO_ARGS, NO_ENV).unwrap().flags().unwrap();
        let effective = flags.effective();
        assert_eq!(effective["port"], "5051");
        assert_eq!(effective["work_dir"], "/tmp/mesos");
        assert_eq!(effective["executor_registration_timeout"], "1mins");
        assert_eq!(effective["executor_shutdown_grace_period"], "5secs");
        assert_eq!(effective["strict"], "true");
        assert_eq!(effective["default_role"], "*");
        assert!(!effective.contains_key("master"));
    }

    #[test]
    fn recover_is_checked() {
        let error = flag_set().parse(["--recover=never"], NO_ENV).unwrap_err();
        assert!(
            error.to_string().contains("'reconnect', 'cleanup'"),
            "{error}"
        );
    }
}

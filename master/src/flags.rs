//! The master's flags (Apache Mesos `src/master/flags.cpp`), with Mesos's names and defaults.

use mesos_api::duration::Duration;
use mesos_api::flags::{Flag, FlagSet};

/// Every flag `mesos-master` accepts.
pub fn flag_set() -> FlagSet {
    FlagSet::new("mesos-master").flags([
        Flag::string(
            "ip",
            "IP address to listen on; by default the address the host name resolves to.",
        ),
        Flag::typed::<u16>("port", "Port to listen on.").default(5050),
        Flag::string(
            "hostname",
            "Host name the master advertises to agents, frameworks and the web UI; by default \
             the host's name.",
        ),
        Flag::string(
            "work_dir",
            "Directory for the master's persistent state (the replicated-log registry).",
        ),
        Flag::string(
            "registry",
            "Where the registry of agents and frameworks is kept: `in_memory` (lost on restart) \
             or `replicated_log` (in `--work_dir`).",
        )
        .default("in_memory")
        .one_of(&["in_memory", "replicated_log"]),
        Flag::string(
            "roles",
            "Comma-separated list of the roles frameworks may use. Deprecated: without it any \
             role name can be used.",
        ),
        Flag::string(
            "weights",
            "Comma-separated `role=weight` pairs giving roles larger or smaller shares of the \
             cluster. Deprecated: set weights through the `/weights` endpoint instead.",
        ),
        Flag::duration(
            "allocation_interval",
            "Time between two batch allocations of offers (e.g. `500ms`, `1secs`).",
        )
        .default("1secs"),
        Flag::duration(
            "offer_timeout",
            "How long an offer may stay unused before the master rescinds it; by default offers \
             are never rescinded.",
        ),
        Flag::boolean(
            "authenticate_http_frameworks",
            "Whether frameworks using the HTTP scheduler API must authenticate.",
        )
        .default(false),
        Flag::path(
            "credentials",
            "Path of a JSON file with the credentials (principals and secrets) frameworks and \
             agents authenticate with.",
        ),
        Flag::string(
            "cluster",
            "Human-readable name of the cluster, shown in the web UI.",
        ),
        Flag::duration(
            "agent_ping_timeout",
            "How long an agent may take to answer a ping from the master. Agents that miss \
             `--max_agent_ping_timeouts` pings in a row are marked unreachable.",
        )
        .default("15secs")
        .deprecated_alias("slave_ping_timeout")
        .check(|timeout: &Duration| {
            if (Duration::from_secs(1)..=Duration::from_mins(15)).contains(timeout) {
                Ok(())
            } else {
                Err("Expected `--agent_ping_timeout` to be between 1secs and 15mins".to_owned())
            }
        }),
        Flag::typed::<usize>(
            "max_agent_ping_timeouts",
            "How many pings in a row an agent may fail to answer before it is marked \
             unreachable.",
        )
        .default(5)
        .deprecated_alias("max_slave_ping_timeouts")
        .check(|count: &usize| {
            if *count >= 1 {
                Ok(())
            } else {
                Err("Expected `--max_agent_ping_timeouts` to be at least 1".to_owned())
            }
        }),
        Flag::typed::<usize>(
            "max_completed_frameworks",
            "How many completed frameworks the master remembers (in `/state`, `/frameworks` \
             and the web UI).",
        )
        .default(50),
        Flag::typed::<usize>(
            "max_completed_tasks_per_framework",
            "How many completed tasks of each framework the master remembers.",
        )
        .default(1000),
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
        assert_eq!(effective["port"], "5050");
        assert_eq!(effective["registry"], "in_memory");
        assert_eq!(effective["allocation_interval"], "1secs");
        assert_eq!(effective["agent_ping_timeout"], "15secs");
        assert_eq!(effective["max_agent_ping_timeouts"], "5");
        assert!(!effective.contains_key("offer_timeout"));
    }

    #[test]
    fn ping_timeout_is_bounded() {
        let error = flag_set()
            .parse(["--agent_ping_timeout=16mins"], NO_ENV)
            .unwrap_err();
        assert!(
            error.to_string().contains("between 1secs and 15mins"),
            "{error}"
        );
    }
}

//! What both executors share: status construction, kill grace periods, logging.

use std::time::Duration;

use mesos_api::v1::{KillPolicy, TaskId, TaskState, TaskStatus, TaskStatusReason};

/// A status update for `task_id`; the driver fills in uuid, source, timestamp and executor id.
pub fn status(
    task_id: &TaskId,
    state: TaskState,
    message: Option<String>,
    reason: Option<TaskStatusReason>,
) -> TaskStatus {
    TaskStatus {
        message,
        reason,
        ..TaskStatus::new(task_id.clone(), state)
    }
}

/// The grace period of a kill, as Mesos chooses it: the KILL event's policy, else the task's kill
/// policy, else the executor's shutdown grace period.
pub fn grace_period(
    kill_override: Option<&KillPolicy>,
    task_policy: Option<&KillPolicy>,
    shutdown_grace: Duration,
) -> Duration {
    kill_override
        .and_then(|p| p.grace_period)
        .or_else(|| task_policy.and_then(|p| p.grace_period))
        .map_or(shutdown_grace, |g| g.to_std())
}

/// The conventional name of signal `number` (`SIGTERM`), or `signal N`.
pub fn signal_name(number: i32) -> String {
    let name = match number {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => return format!("signal {number}"),
    };
    name.to_owned()
}

/// Logs to stderr (the sandbox's `stderr` file when an agent started us), filtered by
/// `RUST_LOG` or else by the Mesos `--logging_level` flag.
pub fn init_logging(logging_level: Option<&str>) {
    let level = match logging_level.map(str::to_ascii_uppercase).as_deref() {
        Some("ERROR") => "error",
        Some("WARNING") => "warn",
        _ => "info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesos_api::v1::DurationInfo;

    #[test]
    fn grace_period_precedence() {
        let policy = |secs| KillPolicy {
            grace_period: Some(DurationInfo::from_std(Duration::from_secs(secs))),
        };
        let default = Duration::from_secs(5);
        assert_eq!(grace_period(None, None, default), default);
        assert_eq!(
            grace_period(None, Some(&policy(2)), default),
            Duration::from_secs(2)
        );
        assert_eq!(
            grace_period(Some(&policy(1)), Some(&policy(2)), default),
            Duration::from_secs(1)
        );
        let empty = KillPolicy { grace_period: None };
        assert_eq!(
            grace_period(Some(&empty), Some(&policy(2)), default),
            Duration::from_secs(2)
        );
    }
}

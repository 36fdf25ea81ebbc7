//! `mesos-executor`: the command executor. It runs one command task (a task without a Docker
//! image) as a process group in its sandbox, speaking the v1 executor API to the agent named by
//! `MESOS_AGENT_ENDPOINT`.

use std::process::ExitCode;

use mesos_api::client::executor::{ExecutorConfig, ExecutorDriver, ExecutorError};
use mesos_api::flags::{self, Flag, FlagSet};
use mesos_executor::command::{self, Settings};

fn flag_set() -> FlagSet {
    // Like Mesos's, the executor reads no `MESOS_*` variables as flags.
    FlagSet::new("mesos-executor")
        .env_prefix(None)
        .flags(flags::logging_flags())
        .flag(Flag::string(
            "launcher_dir",
            "Directory holding the Mesos helper programs.",
        ))
}

fn main() -> ExitCode {
    let set = flag_set();
    let flags = set.parse_env_args_or_exit();
    mesos_executor::init_logging(flags.get_str("logging_level"));
    let config = ExecutorConfig::from_env().unwrap_or_else(|e| set.exit_with_error(&e));
    let sandbox = command::sandbox_from(config.directory.as_deref())
        .unwrap_or_else(|e| set.exit_with_error(&e));
    let settings = Settings {
        sandbox,
        shutdown_grace_period: config.shutdown_grace_period,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| set.exit_with_error(&format!("cannot start the runtime: {e}")));
    let clean = runtime.block_on(async {
        let (driver, events) = ExecutorDriver::start(config)?;
        Ok::<_, ExecutorError>(command::run(driver, events, settings).await)
    });
    match clean {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => set.exit_with_error(&e),
    }
}

//! `mesos-executor`: the command executor, which runs one command task. For now it only parses
//! its flags.

use std::process::ExitCode;

use mesos_api::flags::{self, Flag, FlagSet};

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
    let _flags = flag_set().parse_env_args_or_exit();
    eprintln!("mesos-executor: not implemented yet");
    ExitCode::FAILURE
}

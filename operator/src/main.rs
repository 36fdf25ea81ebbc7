//! `mesos-operator`: operator tooling, one subcommand per task (`mesos-operator <command>`).
//! No command is implemented yet.

use std::process::ExitCode;

use mesos_api::flags::FlagSet;

fn main() -> ExitCode {
    let flags = FlagSet::new("mesos-operator")
        .usage_message("Usage: mesos-operator [options] <command> [arguments]")
        .parse_env_args_or_exit();
    match flags.positional().first() {
        Some(command) => eprintln!("mesos-operator: command '{command}' is not implemented yet"),
        None => eprintln!("mesos-operator: no command given (no command is implemented yet)"),
    }
    ExitCode::FAILURE
}

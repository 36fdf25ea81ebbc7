//! `mesos-agent`: the Mesos agent. For now it only parses its flags.

mod flags;

use std::process::ExitCode;

fn main() -> ExitCode {
    let _flags = flags::flag_set().parse_env_args_or_exit();
    eprintln!("mesos-agent: not implemented yet");
    ExitCode::FAILURE
}

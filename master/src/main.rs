//! `mesos-master`: the Mesos master. For now it only parses its flags.

mod flags;

use std::process::ExitCode;

fn main() -> ExitCode {
    let _flags = flags::flag_set().parse_env_args_or_exit();
    eprintln!("mesos-master: not implemented yet");
    ExitCode::FAILURE
}

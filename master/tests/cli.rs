//! Runs the built `mesos-master` binary: `--help`, flag errors, the not-implemented exit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn master(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mesos-master"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("run mesos-master")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_prints_the_usage_and_succeeds() {
    let output = master(&["--help"], &[]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("Usage: mesos-master [options]\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  --port=VALUE\n"), "{stdout}");
    assert!(stdout.contains("(default: 5050)"), "{stdout}");
    assert!(
        stdout.contains("  --[no-]authenticate_http_frameworks\n"),
        "{stdout}"
    );
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
}

#[test]
fn an_unknown_flag_fails_naming_it() {
    let output = master(&["--bogus=1"], &[]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Failed to load unknown flag 'bogus'"),
        "{stderr}"
    );
    assert!(stderr.contains("See `mesos-master --help`"), "{stderr}");
}

#[test]
fn a_bad_port_in_the_environment_fails_naming_the_flag() {
    let output = master(&[], &[("MESOS_PORT", "notanumber")]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Failed to load flag 'port'"), "{stderr}");
    assert!(stderr.contains("'notanumber'"), "{stderr}");
}

#[test]
fn valid_flags_reach_the_not_implemented_exit() {
    let output = master(
        &["--port=5051", "--registry=in_memory"],
        &[("MESOS_CLUSTER", "test")],
    );
    let stderr = text(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("not implemented yet"), "{stderr}");
}

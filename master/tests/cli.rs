//! Runs the built `mesos-master` binary: `--help` and flag errors.
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
fn a_replicated_log_without_a_work_dir_fails_naming_the_flag() {
    // (The master itself is started and exercised by the other integration tests.)
    let output = master(
        &["--port=0", "--registry=replicated_log"],
        &[("MESOS_CLUSTER", "test")],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--work_dir is required"), "{stderr}");
}

//! Launch overhead of `mesos-docker-executor` against the raw Docker Engine API, in one run.
//!
//! - floor: create + start a `local/busybox:1` container through the Engine API and poll inspect
//!   until it runs (what any launcher has to pay);
//! - executor: from the agent sending LAUNCH to the agent receiving TASK_RUNNING, through the real
//!   executor binary (subscribed beforehand, as an agent's executor is);
//!
//! and the executor's resident memory while its task runs. Run with
//! `cargo bench -p mesos-executor --bench launch` (needs the Docker engine and the image, as the
//! tests do; `LAUNCHES=N` changes the number of launches, 30 by default).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder};
use mesos_api::v1::TaskState;
use serde_json::json;
use support::*;

const IMAGE: &str = "local/busybox:1";
const T: Duration = Duration::from_secs(60);

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (percentile(&samples, 0.5), percentile(&samples, 0.95))
}

async fn raw_floor(docker: &Docker, i: usize) -> f64 {
    let name = format!("mesos-bench-raw-{}-{i}", std::process::id());
    let body = ContainerCreateBody {
        image: Some(IMAGE.to_owned()),
        entrypoint: Some(vec!["/bin/sh".to_owned()]),
        cmd: Some(vec!["-c".to_owned(), "sleep 30".to_owned()]),
        host_config: Some(bollard::models::HostConfig {
            network_mode: Some("host".to_owned()),
            cpu_shares: Some(102),
            memory: Some(64 << 20),
            binds: Some(vec!["/tmp:/mnt/mesos/sandbox:rw".to_owned()]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let started = Instant::now();
    let options = CreateContainerOptionsBuilder::default().name(&name).build();
    docker.create_container(Some(options), body).await.unwrap();
    docker.start_container(&name, None).await.unwrap();
    loop {
        let inspect = docker.inspect_container(&name, None).await.unwrap();
        if inspect.state.and_then(|s| s.running).unwrap_or(false) {
            break;
        }
    }
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    let options = RemoveContainerOptionsBuilder::default().force(true).build();
    docker.remove_container(&name, Some(options)).await.unwrap();
    elapsed
}

/// One launch through the executor; returns (LAUNCH → TASK_RUNNING in ms, executor RSS in kB).
async fn executor_launch(i: usize) -> (f64, u64) {
    let executor_id = format!("bench-{i}");
    let agent = FakeAgent::start(&executor_id, framework(false, false)).await;
    let sandbox = sandbox();
    let container = container_name("bench");
    let args = [
        format!("--container={container}"),
        "--docker_socket=/var/run/docker.sock".to_owned(),
        format!("--sandbox_directory={}", sandbox.path().display()),
        "--mapped_directory=/mnt/mesos/sandbox".to_owned(),
    ];
    let mut env = executor_env(&agent, &executor_id, sandbox.path(), false);
    env.insert("RUST_LOG".into(), "warn".into());
    let mut process = spawn(
        env!("CARGO_BIN_EXE_mesos-docker-executor"),
        &args,
        &env,
        sandbox.path(),
        &container,
    );
    agent.wait_subscribed(1, T).await;
    let task = task(
        "t",
        json!({"resources": resources(0.1, 64.0), "command": {"value": "sleep 30"},
               "container": {"type": "DOCKER", "docker": {"image": IMAGE}}}),
    );
    let started = Instant::now();
    agent.launch(task).await;
    agent.wait_for("t", TaskState::Running, T).await;
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    let rss = rss_kb(process.child.id());
    agent.kill("t", Some(Duration::ZERO)).await;
    agent.wait_terminal("t", T).await;
    process.wait_exit(T).await;
    (elapsed, rss)
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if std::env::args().all(|a| a != "--bench") {
        return; // `cargo test --benches`: nothing to check without the engine.
    }
    require_docker();
    let launches: usize = std::env::var("LAUNCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let docker = mesos_executor::docker::connect("/var/run/docker.sock")
        .await
        .unwrap();
    // Warm up both paths once (image layers, page cache, binary).
    raw_floor(&docker, usize::MAX).await;
    executor_launch(usize::MAX).await;

    let mut floor = Vec::new();
    let mut executor = Vec::new();
    let mut rss = Vec::new();
    // Interleave the two so that drift of the machine affects both alike.
    for i in 0..launches {
        floor.push(raw_floor(&docker, i).await);
        let (ms, kb) = executor_launch(i).await;
        executor.push(ms);
        rss.push(kb);
    }
    let (floor_p50, floor_p95) = summary(floor);
    let (exec_p50, exec_p95) = summary(executor);
    rss.sort_unstable();
    let rss_max = rss.last().copied().unwrap_or(0);
    println!("launches of {IMAGE}: {launches} each, interleaved");
    println!("{:<58} {:>9} {:>9}", "", "p50 ms", "p95 ms");
    println!(
        "{:<58} {floor_p50:>9.1} {floor_p95:>9.1}",
        "floor: Engine API create + start + running"
    );
    println!(
        "{:<58} {exec_p50:>9.1} {exec_p95:>9.1}",
        "mesos-docker-executor: LAUNCH -> TASK_RUNNING"
    );
    println!(
        "{:<58} {:>9.1} {:>9.1}",
        "overhead above the floor",
        exec_p50 - floor_p50,
        exec_p95 - floor_p95
    );
    println!(
        "executor RSS while its task runs: {:.1} MB (max over launches)",
        rss_max as f64 / 1024.0
    );
    println!("targets: overhead p50 <= 15 ms, RSS <= 15 MB");
}

//! `/master/state` for 1,000 agents, 100 frameworks and 50,000 tasks: how long rendering takes
//! and how much memory serving it needs beyond the state itself.
//!
//! The state is built in the master's own model (as agents re-registering would build it), then
//! rendered repeatedly with the endpoint's function. Peak RSS is read from `/proc/self/status`
//! (VmHWM) before and after: the difference is what serving costs, to be compared with the size
//! of the JSON (a second copy of the state would show up as a multiple of the model's size).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use mesos_api::resources::Resources;
use mesos_api::v1::{
    AgentId, AgentInfo, FrameworkId, FrameworkInfo, TaskId, TaskInfo, TaskState, TaskStatus,
};
use mesos_master::config::Config;
use mesos_master::master::Master;
use mesos_master::state::{Agent, AgentLink, Framework, Task};

const AGENTS: usize = 1_000;
const FRAMEWORKS: usize = 100;
const TASKS: usize = 50_000;

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn config() -> Config {
    let flags = mesos_master::flags::flag_set()
        .parse(["--port=5050"], std::iter::empty::<(&str, &str)>())
        .unwrap()
        .flags()
        .unwrap();
    Config::from_flags(&flags).unwrap()
}

fn populate(master: &Master) {
    let mut state = master.state_mut();
    let agent_resources =
        Resources::parse("cpus:64;mem:262144;disk:1000000;ports:[31000-32000]", "*").unwrap();
    let task_resources = Resources::parse("cpus:1;mem:1024", "*").unwrap();
    let mut task_resources_allocated = task_resources.clone();
    task_resources_allocated.allocate("*");
    for a in 0..AGENTS {
        let id = AgentId::new(format!("{}-S{a}", master.info.id));
        let info = AgentInfo {
            hostname: format!("agent-{a}.example"),
            port: 5051,
            resources: agent_resources.as_slice().to_vec(),
            attributes: mesos_api::attributes::Attributes::parse(&format!(
                "rack:r{};zone:z{}",
                a % 40,
                a % 3
            ))
            .unwrap()
            .into_vec(),
            id: Some(id.clone()),
            domain: None,
        };
        state.agents.insert(
            id.clone(),
            Agent {
                id,
                info,
                endpoint: format!("http://10.0.{}.{}:5051", a / 250, a % 250),
                pid: format!("slave(1)@10.0.{}.{}:5051", a / 250, a % 250),
                version: "1.11.0".into(),
                registered_time: 1.7e9,
                reregistered_time: None,
                connection: None,
                link: AgentLink::Connected,
                last_ping: Instant::now(),
                total: agent_resources.clone(),
                offered: Resources::new(),
            },
        );
    }
    for f in 0..FRAMEWORKS {
        let id = FrameworkId::new(format!("{}-{f:04}", master.info.id));
        let mut info = FrameworkInfo::new("spark", format!("spark-job-{f}"));
        info.id = Some(id.clone());
        let mut framework = Framework::new(id.clone(), info, 1.7e9);
        for t in 0..TASKS / FRAMEWORKS {
            let n = f * (TASKS / FRAMEWORKS) + t;
            let agent_id = AgentId::new(format!("{}-S{}", master.info.id, n % AGENTS));
            let task_id = TaskId::new(format!("{t}"));
            let task_info: TaskInfo = serde_json::from_value(serde_json::json!({
                "name": format!("spark-job-{f} {t}"),
                "task_id": {"value": task_id.value},
                "agent_id": {"value": agent_id.value},
                "resources": task_resources_allocated,
                "command": {"value": "\"/opt/spark/bin/spark-class\" org.apache.spark.executor.CoarseGrainedExecutorBackend"},
                "container": {"type": "DOCKER", "docker": {"image": "local/spark:3.5.9"}}
            }))
            .unwrap();
            let status = TaskStatus {
                timestamp: Some(1.7e9 + t as f64),
                agent_id: Some(agent_id.clone()),
                ..TaskStatus::new(task_id.clone(), TaskState::Running)
            };
            framework.tasks.insert(
                task_id,
                Task {
                    info: task_info,
                    framework_id: id.clone(),
                    agent_id,
                    state: TaskState::Running,
                    status: Some(status.clone()),
                    statuses: vec![status],
                    executor_id: None,
                    resources: task_resources_allocated.clone(),
                    role: "*".into(),
                    unreachable_time: None,
                    staged_at: Instant::now(),
                    acknowledged: Default::default(),
                },
            );
        }
        state.frameworks.insert(id, framework);
    }
}

fn main() {
    if std::env::args().all(|a| a != "--bench") {
        return;
    }
    let master = Master::new(config()).unwrap();
    let before_model = vm_hwm_kb();
    populate(&master);
    let model = vm_hwm_kb();
    let serving_start = vm_hwm_kb();
    // Warm up, and size the output.
    let bytes = mesos_master::render::state(&master, &master.read()).len();
    let mut samples = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while samples.len() < 10 || (Instant::now() < deadline && samples.len() < 30) {
        let started = Instant::now();
        let out = mesos_master::render::state(&master, &master.read());
        samples.push(started.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(out);
    }
    let peak = vm_hwm_kb();
    samples.sort_by(f64::total_cmp);
    let p = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "/master/state with {AGENTS} agents, {FRAMEWORKS} frameworks, {TASKS} tasks: {:.1} MB of JSON",
        bytes as f64 / 1e6
    );
    println!(
        "render latency over {} runs: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target <= 150 ms)",
        samples.len(),
        p(0.5),
        p(0.95),
        p(1.0)
    );
    println!(
        "peak RSS: {:.1} MB for the model, {:.1} MB while serving (+{:.1} MB, the output buffer is {:.1} MB)",
        (model - before_model) as f64 / 1024.0,
        peak as f64 / 1024.0,
        (peak - serving_start) as f64 / 1024.0,
        bytes as f64 / (1024.0 * 1024.0)
    );
}

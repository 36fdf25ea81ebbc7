//! Full allocation cycles of the hierarchical DRF allocator, alone (no HTTP, no master state).
//!
//! Two clusters of agents with `cpus:16;mem:65536;disk:1000000;ports:[31000-32000]`:
//! 1,000 agents × 50 frameworks in 5 roles, and 10,000 agents × 500 frameworks in 20 roles. One
//! agent in ten already runs a task of some framework (reported when the agent registered), so
//! shares start uneven. Each measured cycle allocates every agent: everything offered is
//! recovered between cycles (timed apart), as if all offers were declined without a filter.
//!
//! Each cycle is timed twice: wall-clock, and the CPU time of the benchmark's thread
//! (`CLOCK_THREAD_CPUTIME_ID`), which stays meaningful when other processes compete for the
//! cores. Run with `cargo bench -p mesos-master --bench allocator`; without `--bench` (as under
//! `cargo test --benches`) it does nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use mesos_api::resources::Resources;
use mesos_api::v1::{AgentId, FrameworkId};
use mesos_master::allocator::{Allocator, AllocatorConfig, HierarchicalDrf};

const AGENT: &str = "cpus:16;mem:65536;disk:1000000;ports:[31000-32000]";
const TASK: &str = "cpus:4;mem:16384;disk:10000;ports:[31000-31009]";
const WARM_UP: usize = 3;

struct Scenario {
    agents: usize,
    frameworks: usize,
    roles: usize,
    target: Duration,
    cycles: usize,
}

fn build(scenario: &Scenario) -> HierarchicalDrf {
    let mut allocator = HierarchicalDrf::new(AllocatorConfig {
        seed: Some(1),
        ..AllocatorConfig::default()
    });
    let role = |f: usize| format!("role{}", f % scenario.roles);
    let framework = |f: usize| FrameworkId::new(format!("framework-{f:05}"));
    for f in 0..scenario.frameworks {
        allocator.add_framework(&framework(f), &[role(f)], &[], true);
    }
    let total: Resources = AGENT.parse().unwrap();
    let task: Resources = TASK.parse().unwrap();
    for a in 0..scenario.agents {
        let used = if a % 10 == 0 {
            let f = (a / 10) % scenario.frameworks;
            let mut used = task.clone();
            used.allocate(&role(f));
            vec![(framework(f), used)]
        } else {
            Vec::new()
        };
        allocator.add_agent(&AgentId::new(format!("agent-{a:05}")), total.clone(), &used);
    }
    allocator
}

/// The CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to write to.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Sorts `samples` and returns the median and the 95th percentile.
fn median_p95(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.95))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn run(scenario: &Scenario) {
    let started = Instant::now();
    let mut allocator = build(scenario);
    let setup = started.elapsed();
    let mut wall = Vec::with_capacity(scenario.cycles);
    let mut cpu = Vec::with_capacity(scenario.cycles);
    let mut recovers = Vec::with_capacity(scenario.cycles);
    for round in 0..WARM_UP + scenario.cycles {
        let (started, cpu_started) = (Instant::now(), thread_cpu_time());
        let allocations = allocator.allocate(Instant::now());
        let (cycle_wall, cycle_cpu) = (started.elapsed(), thread_cpu_time() - cpu_started);
        assert_eq!(
            allocations.len(),
            scenario.agents,
            "every agent is offered in every cycle"
        );
        let started = Instant::now();
        for allocation in &allocations {
            allocator.recover_resources(
                &allocation.framework,
                &allocation.agent,
                &allocation.resources,
                None,
            );
        }
        let recover = started.elapsed();
        black_box(allocations);
        if round >= WARM_UP {
            wall.push(cycle_wall);
            cpu.push(cycle_cpu);
            recovers.push(recover);
        }
    }
    assert_eq!(allocator.metrics().role_shares.len(), scenario.roles);

    let (wall_median, wall_p95) = median_p95(&mut wall);
    let (cpu_median, cpu_p95) = median_p95(&mut cpu);
    let (recover_median, _) = median_p95(&mut recovers);
    let verdict = |p95: Duration| {
        if p95 <= scenario.target {
            "met"
        } else {
            "missed"
        }
    };
    let label = format!(
        "{} agents x {} frameworks in {} roles",
        scenario.agents, scenario.frameworks, scenario.roles
    );
    println!(
        "{label:<42} {:>7.2} {:>7.2} {:>6} {:>8.2} {:>7.2} {:>6} {:>7.1}   {:>8.2} {:>7.1}",
        ms(wall_median),
        ms(wall_p95),
        verdict(wall_p95),
        ms(cpu_median),
        ms(cpu_p95),
        verdict(cpu_p95),
        ms(scenario.target),
        ms(recover_median),
        ms(setup),
    );
}

fn main() {
    if std::env::args().all(|arg| arg != "--bench") {
        return;
    }
    println!("hierarchical DRF allocator: one full cycle, in ms (p95 against the target)");
    println!("agents {AGENT}; one in ten running {TASK}");
    println!(
        "{:<42} {:>22} {:>23} {:>7}   {:>8} {:>7}",
        "", "wall-clock", "thread CPU", "", "recover", ""
    );
    println!(
        "{:<42} {:>7} {:>7} {:>6} {:>8} {:>7} {:>6} {:>7}   {:>8} {:>7}",
        "cluster", "median", "p95", "", "median", "p95", "", "target", "all", "setup"
    );
    for scenario in [
        Scenario {
            agents: 1_000,
            frameworks: 50,
            roles: 5,
            target: Duration::from_millis(5),
            cycles: 200,
        },
        Scenario {
            agents: 10_000,
            frameworks: 500,
            roles: 20,
            target: Duration::from_millis(100),
            cycles: 40,
        },
    ] {
        run(&scenario);
    }
}

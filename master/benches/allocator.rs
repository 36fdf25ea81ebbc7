//! Full allocation cycles of the hierarchical DRF allocator, alone (no HTTP, no master state).
//!
//! Two clusters of agents with `cpus:16;mem:65536;disk:1000000;ports:[31000-32000]`:
//! 1,000 agents × 50 frameworks in 5 roles, and 10,000 agents × 500 frameworks in 20 roles. One
//! agent in ten already runs a task of some framework (reported when the agent registered), so
//! shares start uneven. Each measured cycle allocates every agent: everything offered is
//! recovered between cycles (not timed), as if all offers were declined without a filter.
//!
//! Run with `cargo bench -p mesos-master --bench allocator`; without `--bench` (as under
//! `cargo test --benches`) it does nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use mesos_api::resources::Resources;
use mesos_api::v1::{AgentId, FrameworkId};
use mesos_master::allocator::{Allocator, AllocatorConfig, HierarchicalDrf};

const AGENT: &str = "cpus:16;mem:65536;disk:1000000;ports:[31000-32000]";
const TASK: &str = "cpus:4;mem:16384;disk:10000;ports:[31000-31009]";

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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn run(scenario: &Scenario) {
    let started = Instant::now();
    let mut allocator = build(scenario);
    let setup = started.elapsed();
    let mut cycles = Vec::with_capacity(scenario.cycles);
    let mut recovers = Vec::with_capacity(scenario.cycles);
    let mut offers = 0;
    for round in 0..scenario.cycles + 3 {
        let started = Instant::now();
        let allocations = allocator.allocate(Instant::now());
        let cycle = started.elapsed();
        assert_eq!(
            allocations.len(),
            scenario.agents,
            "every agent is offered in every cycle"
        );
        offers = allocations.len();
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
        // The first rounds warm up.
        if round >= 3 {
            cycles.push(cycle);
            recovers.push(recover);
        }
    }
    cycles.sort();
    recovers.sort();
    let label = format!(
        "{} agents x {} frameworks in {} roles",
        scenario.agents, scenario.frameworks, scenario.roles
    );
    let median = percentile(&cycles, 0.5);
    let p95 = percentile(&cycles, 0.95);
    println!(
        "{label:<42} {:>9.2} {:>9.2} {:>9.1} {:>6}   {:>12.2} {:>9.1}",
        ms(median),
        ms(p95),
        ms(scenario.target),
        if p95 <= scenario.target { "met" } else { "MISSED" },
        ms(percentile(&recovers, 0.5)),
        ms(setup),
    );
    let shares = allocator.metrics().role_shares;
    assert_eq!(shares.len(), scenario.roles);
    black_box(offers);
}

fn main() {
    if std::env::args().all(|arg| arg != "--bench") {
        return;
    }
    println!(
        "hierarchical DRF allocator, one full cycle (ms); agents {AGENT}, one in ten running {TASK}"
    );
    println!(
        "{:<42} {:>9} {:>9} {:>9} {:>6}   {:>12} {:>9}",
        "cluster", "median", "p95", "target", "", "recover all", "setup"
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

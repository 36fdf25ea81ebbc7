//! Counters behind `/metrics/snapshot` (the gauges are computed from the state when rendered).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many allocation-run timings are kept for the percentiles.
const TIMER_WINDOW: usize = 1000;

/// A Mesos timer: count, and percentiles over a recent window, in milliseconds.
#[derive(Debug, Default)]
pub struct Timer {
    count: AtomicU64,
    window: Mutex<VecDeque<f64>>,
}

impl Timer {
    pub fn record(&self, ms: f64) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if window.len() == TIMER_WINDOW {
            window.pop_front();
        }
        window.push_back(ms);
    }

    /// `name`, `name/count`, `name/min`, `/max`, `/p50` … as Mesos renders a timer.
    pub fn render(&self, name: &str, out: &mut BTreeMap<String, f64>) {
        let mut values: Vec<f64> = self
            .window
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        out.insert(
            format!("{name}/count"),
            self.count.load(Ordering::Relaxed) as f64,
        );
        let Some(last) = values.last().copied() else {
            return;
        };
        out.insert(name.to_owned(), last);
        values.sort_by(f64::total_cmp);
        let at = |p: f64| values[(((values.len() - 1) as f64) * p).round() as usize];
        out.insert(format!("{name}/min"), values[0]);
        out.insert(format!("{name}/max"), values[values.len() - 1]);
        for (label, p) in [
            ("p50", 0.5),
            ("p90", 0.9),
            ("p95", 0.95),
            ("p99", 0.99),
            ("p999", 0.999),
            ("p9999", 0.9999),
        ] {
            out.insert(format!("{name}/{label}"), at(p));
        }
    }
}

/// Counters named as in Apache Mesos (`src/master/metrics.cpp`).
#[derive(Debug, Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<&'static str, u64>>,
    pub allocation_run: Timer,
}

impl Metrics {
    /// Adds one to the counter `name` (e.g. `master/messages_launch_tasks`).
    pub fn inc(&self, name: &'static str) {
        self.add(name, 1);
    }

    pub fn add(&self, name: &'static str, n: u64) {
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        *counters.entry(name).or_insert(0) += n;
    }

    pub fn get(&self, name: &str) -> u64 {
        self.counters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .copied()
            .unwrap_or(0)
    }

    /// Every counter, plus the timers.
    pub fn render(&self, out: &mut BTreeMap<String, f64>) {
        for (name, value) in self
            .counters
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            out.insert((*name).to_owned(), *value as f64);
        }
        self.allocation_run
            .render("allocator/mesos/allocation_run_ms", out);
    }
}

/// The counter of a terminal task state, if Mesos counts it.
pub fn terminal_counter(state: mesos_api::v1::TaskState) -> Option<&'static str> {
    use mesos_api::v1::TaskState::*;
    Some(match state {
        Finished => "master/tasks_finished",
        Failed => "master/tasks_failed",
        Killed => "master/tasks_killed",
        Lost => "master/tasks_lost",
        Error => "master/tasks_error",
        Dropped => "master/tasks_dropped",
        Gone => "master/tasks_gone",
        GoneByOperator => "master/tasks_gone_by_operator",
        _ => return None,
    })
}

/// The counter of a scheduler call (`master/messages_<call>`).
pub fn call_counter(call: mesos_api::v1::scheduler::CallType) -> &'static str {
    use mesos_api::v1::scheduler::CallType::*;
    match call {
        Subscribe => "master/messages_register_framework",
        Teardown => "master/messages_unregister_framework",
        Accept => "master/messages_accept",
        Decline => "master/messages_decline_offers",
        Revive => "master/messages_revive_offers",
        Suppress => "master/messages_suppress_offers",
        Kill => "master/messages_kill_task",
        Shutdown => "master/messages_shutdown_executor",
        Acknowledge => "master/messages_status_update_acknowledgement",
        Reconcile => "master/messages_reconcile_tasks",
        Message => "master/messages_framework_to_executor",
        Request => "master/messages_resource_request",
        UpdateFramework => "master/messages_update_framework",
        _ => "master/messages_other",
    }
}

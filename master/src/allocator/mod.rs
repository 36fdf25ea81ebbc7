//! The master's resource allocator: Mesos's hierarchical DRF allocator
//! (`src/master/allocator/mesos/hierarchical.cpp` and `sorter/drf/sorter.cpp` in apache/mesos).
//!
//! The allocator only keeps the books: which agents exist and what they hold, which frameworks
//! are subscribed to which roles, what is offered or allocated to whom, and the refuse filters
//! frameworks installed by declining. It knows nothing of HTTP, offers as messages or tasks; the
//! master turns each [`Allocation`] of [`Allocator::allocate`] into an offer, and gives back
//! whatever comes back (declined or unused offer parts, finished tasks, rescinded offers) with
//! [`Allocator::recover_resources`]. Resources count as offered-or-allocated from the cycle that
//! offered them until they are recovered, as in Mesos.
//!
//! # What a cycle does
//!
//! [`HierarchicalDrf`] follows the second allocation stage of Mesos (`__generateOffers`):
//!
//! 1. the candidate agents are the active ones, shuffled (with a seeded generator when
//!    [`AllocatorConfig::seed`] is set, so runs are reproducible);
//! 2. per agent, roles are taken in DRF order (lowest weighted dominant share first), and per role
//!    its frameworks in DRF order;
//! 3. the first eligible framework of a role — active, subscribed to the role and not suppressed
//!    in it, not blocked by one of its refuse filters, and with an allocatable offer
//!    ([`AllocatorConfig::min_allocatable_resources`]) — gets everything left on the agent that is
//!    unreserved or reserved to that role (or to one of its ancestors); the next roles can then
//!    only get their own reservations on that agent;
//! 4. shares are updated after every allocation, so the next agent goes to whoever is now the
//!    lowest.
//!
//! Shares are Mesos's: the maximum over the scalar resources whose cluster total is positive (and
//! that are not in [`AllocatorConfig::fair_sharing_excluded_resource_names`]) of
//! `allocated / total`, divided by the role's weight (1.0 unless set); framework sorters use
//! weight 1 and the same cluster-wide totals. Ties go to fewer allocations so far, then to the
//! smaller name.
//!
//! # Left out (compared with Mesos 1.x)
//!
//! - **Quota** (guarantees and limits), and with it the first allocation stage and the headroom
//!   held back for quota: every role is allocated as if it had no quota.
//! - Hierarchical roles are not nested in the role sorter: `a/b` and `a` compete as siblings
//!   (Mesos aggregates `a/b` into `a`'s share). Names with `/` work as plain names, and a role
//!   is still offered the reservations of its ancestors.
//! - The `random` sorters, the whitelist, maintenance and inverse offers, per-framework offer
//!   constraints and `offer_filters` (per-role minimum allocatable resources), framework
//!   capabilities (GPU, revocable, shared, region, reservation refinement filtering), agent
//!   capabilities (MULTI_ROLE, HIERARCHICAL_ROLE) and the event-driven allocations for a subset of
//!   agents: the master decides when to run a cycle.
//! - Shared resources are allocated like other resources (once, not once per framework).
//!
//! Where Mesos `CHECK`-fails on a call that does not fit its books (an unknown framework or
//! agent, recovering more than was allocated), this allocator ignores the call instead.

mod hierarchical;
mod rng;
mod sorter;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use mesos_api::resources::Resources;
use mesos_api::v1::{AgentId, FrameworkId};

pub use hierarchical::HierarchicalDrf;

/// Mesos's default `--allocation_interval`.
pub const DEFAULT_ALLOCATION_INTERVAL: Duration = Duration::from_secs(1);

/// The default of `Filters.refuse_seconds` (`mesos.proto`): 5 seconds.
pub const DEFAULT_REFUSE: Duration = Duration::from_secs(5);

/// The longest refuse filter Mesos installs: 365 days.
pub const MAX_REFUSE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Mesos's default `--min_allocatable_resources`.
pub const DEFAULT_MIN_ALLOCATABLE_RESOURCES: &str = "cpus:0.01|mem:32";

/// The allocator's interface to the master.
///
/// Calls about unknown frameworks or agents are ignored.
pub trait Allocator: Send {
    /// A framework subscribed (or was recovered) with these roles; `suppressed_roles` (those of
    /// `roles`) get no offers until revived. An inactive framework gets no offers until
    /// [`activate_framework`](Allocator::activate_framework). Adding a framework that is already
    /// known updates it.
    fn add_framework(
        &mut self,
        id: &FrameworkId,
        roles: &[String],
        suppressed_roles: &[String],
        active: bool,
    );

    /// UPDATE_FRAMEWORK or a resubscription: the new roles and suppressed roles. Roles dropped
    /// lose their filters and stop getting offers; what the framework holds in them stays
    /// allocated until recovered. Roles that stop being suppressed are revived (their filters are
    /// cleared), as in Mesos.
    fn update_framework(&mut self, id: &FrameworkId, roles: &[String], suppressed_roles: &[String]);

    /// The framework gets offers again (in its roles that are not suppressed).
    fn activate_framework(&mut self, id: &FrameworkId);

    /// No offers while inactive. Its allocations stay, and so do its filters unless
    /// [`AllocatorConfig::clear_filters_on_deactivate`] is set (Mesos clears them).
    fn deactivate_framework(&mut self, id: &FrameworkId);

    /// Forgets the framework: what it was offered or allocated goes back to the agents, and its
    /// filters are dropped.
    fn remove_framework(&mut self, id: &FrameworkId);

    /// An agent registered (or reregistered: a known id is replaced) with `total` resources, of
    /// which `used` are already allocated (the resources of the tasks and executors it reported),
    /// carrying their allocation roles in `allocation_info`. Used resources of frameworks not
    /// added yet are charged to them, and the framework picks them up when it is added.
    fn add_agent(&mut self, id: &AgentId, total: Resources, used: &[(FrameworkId, Resources)]);

    /// The agent is gone, with everything offered or allocated on it and the filters about it.
    fn remove_agent(&mut self, id: &AgentId);

    /// The agent is offered again.
    fn activate_agent(&mut self, id: &AgentId);

    /// The agent is not offered (its resources still count in the cluster totals).
    fn deactivate_agent(&mut self, id: &AgentId);

    /// Sets the weights of these roles (other roles keep theirs). Weights that are not positive
    /// and finite are ignored. As in Mesos, nothing is rebalanced: later cycles see the weights.
    fn update_weights(&mut self, weights: &BTreeMap<String, f64>);

    /// Resources given back by `framework` on `agent` (declined or unused offer parts, finished
    /// tasks, rescinded offers), with their allocation roles. With `refuse`, a filter for
    /// (framework, role of those resources, agent) keeps offers of at most these resources away
    /// for `max(refuse, allocation_interval)`; `None` or zero installs no filter, and more than
    /// 365 days counts as 365 days (see [`refuse_filter`] for `Filters.refuse_seconds`).
    fn recover_resources(
        &mut self,
        framework: &FrameworkId,
        agent: &AgentId,
        resources: &Resources,
        refuse: Option<Duration>,
    );

    /// SUPPRESS: no offers for these roles of the framework (an empty list means all its roles).
    fn suppress_offers(&mut self, framework: &FrameworkId, roles: &[String]);

    /// REVIVE: unsuppresses the roles (an empty list means all its roles) and clears the
    /// framework's filters for them.
    fn revive_offers(&mut self, framework: &FrameworkId, roles: &[String]);

    /// One allocation cycle over all active agents: what each framework is offered, one
    /// [`Allocation`] per (framework, agent, role). Filters that expired by `now` are dropped
    /// first. What is returned counts as offered-or-allocated until recovered.
    fn allocate(&mut self, now: Instant) -> Vec<Allocation>;

    /// The role's dominant share (divided by its weight); 0 for a role the allocator does not
    /// track.
    fn role_share(&self, role: &str) -> f64;

    /// The framework's dominant share over everything it holds, in all its roles, against the
    /// cluster totals (weight 1); 0 for an unknown framework.
    fn framework_share(&self, id: &FrameworkId) -> f64;

    /// Counters and totals for `/metrics/snapshot` and `/master/roles`.
    fn metrics(&self) -> AllocatorMetrics;
}

/// What one framework is offered on one agent for one role.
#[derive(Clone, Debug, PartialEq)]
pub struct Allocation {
    pub framework: FrameworkId,
    pub agent: AgentId,
    pub role: String,
    /// The offered resources, each with `allocation_info.role = role`.
    pub resources: Resources,
}

/// Scalar quantities by resource name, as in Mesos's `ResourceQuantities` (`cpus:0.01;mem:32`).
pub type ResourceQuantities = BTreeMap<String, f64>;

/// The allocator's settings, from the master's flags.
#[derive(Clone, Debug, PartialEq)]
pub struct AllocatorConfig {
    /// `--allocation_interval`: the shortest a refuse filter lasts.
    pub allocation_interval: Duration,
    /// `--min_allocatable_resources`: an offer is made only if it holds at least one of these
    /// (a set of quantities is held when every quantity is: scalars by value, ranges and sets by
    /// count). Empty: any non-empty offer. See [`parse_min_allocatable_resources`].
    pub min_allocatable_resources: Vec<ResourceQuantities>,
    /// `--fair_sharing_excluded_resource_names`: resources that do not count in shares.
    pub fair_sharing_excluded_resource_names: BTreeSet<String>,
    /// `--weights`: initial role weights.
    pub weights: BTreeMap<String, f64>,
    /// Seed of the agent shuffle; `None` seeds it randomly.
    pub seed: Option<u64>,
    /// Drop a framework's filters when it is deactivated, as Mesos does
    /// (`HierarchicalAllocatorProcess::deactivateFramework`). Off by default: the filters stay.
    pub clear_filters_on_deactivate: bool,
}

impl Default for AllocatorConfig {
    /// Mesos's defaults: 1 s interval, `cpus:0.01|mem:32`, nothing excluded, no weights.
    fn default() -> Self {
        AllocatorConfig {
            allocation_interval: DEFAULT_ALLOCATION_INTERVAL,
            min_allocatable_resources: vec![
                ResourceQuantities::from([("cpus".to_owned(), 0.01)]),
                ResourceQuantities::from([("mem".to_owned(), 32.0)]),
            ],
            fair_sharing_excluded_resource_names: BTreeSet::new(),
            weights: BTreeMap::new(),
            seed: None,
            clear_filters_on_deactivate: false,
        }
    }
}

/// Counters and totals of the allocator (Mesos's `allocator/mesos/*` metrics).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AllocatorMetrics {
    /// `allocator/mesos/allocation_runs`.
    pub allocation_runs: u64,
    /// How long the last cycle took (`allocator/mesos/allocation_run_ms`).
    pub last_allocation_run: Duration,
    /// `allocator/mesos/resources/<name>/total`, over all agents.
    pub total: BTreeMap<String, f64>,
    /// `allocator/mesos/resources/<name>/offered_or_allocated`.
    pub offered_or_allocated: BTreeMap<String, f64>,
    /// The tracked roles (those with frameworks subscribed or holding resources) and their
    /// dominant shares.
    pub role_shares: BTreeMap<String, f64>,
    /// `allocator/mesos/offer_filters/roles/<role>/active`: refuse filters in force, by role.
    pub offer_filters_active: BTreeMap<String, usize>,
    /// Known agents, and how many of them are active.
    pub agents: usize,
    pub active_agents: usize,
    /// Added frameworks, and how many of them are active.
    pub frameworks: usize,
    pub active_frameworks: usize,
}

/// The filter duration for a `Filters.refuse_seconds` as Mesos reads it (`recoverResources`):
/// absent or negative means the default 5 s, more than 365 days means 365 days, a value that is
/// not a number means the default, and 0 means no filter (`None`).
pub fn refuse_filter(refuse_seconds: Option<f64>) -> Option<Duration> {
    let Some(seconds) = refuse_seconds else {
        return Some(DEFAULT_REFUSE);
    };
    if seconds.is_nan() || seconds < 0.0 {
        Some(DEFAULT_REFUSE)
    } else if seconds > MAX_REFUSE.as_secs_f64() {
        Some(MAX_REFUSE)
    } else if seconds == 0.0 {
        None
    } else {
        Some(Duration::from_secs_f64(seconds))
    }
}

/// Parses `--min_allocatable_resources`: alternatives separated by `|`, each a `;`-separated list
/// of `name:scalar` (Mesos's `ResourceQuantities::fromString`; zero quantities are dropped, empty
/// tokens skipped).
pub fn parse_min_allocatable_resources(text: &str) -> Result<Vec<ResourceQuantities>, String> {
    let mut result = Vec::new();
    for alternative in text.split('|').filter(|token| !token.is_empty()) {
        let mut quantities = ResourceQuantities::new();
        for token in alternative.split(';').filter(|token| !token.is_empty()) {
            let pair: Vec<&str> = token.split(':').filter(|part| !part.is_empty()).collect();
            let [name, value] = pair.as_slice() else {
                return Err(format!("Failed to parse '{token}': missing or extra ':'"));
            };
            let value = match mesos_api::values::parse(value) {
                Ok(mesos_api::values::Value::Scalar(scalar)) => scalar.value,
                Ok(_) => {
                    return Err(format!(
                        "Failed to parse '{value}' to quantity: only scalar values are allowed"
                    ));
                }
                Err(error) => {
                    return Err(format!("Failed to parse '{value}' to quantity: {error}"));
                }
            };
            if value < 0.0 {
                return Err(format!(
                    "Failed to parse '{value}' to quantity: negative values are not allowed"
                ));
            }
            if value > 0.0 {
                *quantities.entry(name.trim().to_owned()).or_default() += value;
            }
        }
        result.push(quantities);
    }
    Ok(result)
}

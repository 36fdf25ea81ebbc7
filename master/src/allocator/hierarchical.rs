//! [`HierarchicalDrf`]: the state and the allocation cycle.
//!
//! Bookkeeping, as in Mesos's `HierarchicalAllocatorProcess`:
//!
//! - an agent keeps its total, what is available on it (unallocated form) and one record per
//!   (framework, role) of what is offered or allocated there (with `allocation_info`), plus the
//!   refuse filters frameworks installed about it;
//! - a role sorter orders the tracked roles; each role has a framework sorter over the
//!   frameworks tracked under it: those subscribed to it and those still holding resources
//!   allocated to it. A framework is active in a role's sorter only while it is added, active,
//!   subscribed to the role and not suppressed in it;
//! - a role exists while a framework is tracked under it; weights are kept by name.
//!
//! Resources that agents report for frameworks not added yet are charged to a placeholder
//! framework, which [`Allocator::add_framework`] turns into the real one (Mesos leaves them out of
//! the sorters until then), and which is forgotten once it holds nothing.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use mesos_api::resources::{Resource, Resources, is_strict_subrole};
use mesos_api::v1::{AgentId, FrameworkId};
use mesos_api::values::ValueType;

use super::rng::Rng;
use super::sorter::{self, DrfSorter, Names, Quantities, ShareContext};
use super::{Allocation, Allocator, AllocatorConfig, AllocatorMetrics, MAX_REFUSE};

/// Mesos's hierarchical DRF allocator, without quota (see the [module docs](super)).
pub struct HierarchicalDrf {
    allocation_interval: Duration,
    /// `--min_allocatable_resources`, in thousandths (rounded up).
    min_allocatable: Vec<Vec<(String, i64)>>,
    clear_filters_on_deactivate: bool,
    weights: HashMap<String, f64>,
    cluster: Cluster,
    roles: Roles,
    frameworks: Slab<Framework>,
    framework_index: HashMap<FrameworkId, usize>,
    agents: Slab<Agent>,
    agent_index: HashMap<AgentId, usize>,
    rng: Rng,
    /// Reused between cycles.
    candidates: Vec<usize>,
    allocation_runs: u64,
    last_allocation_run: Duration,
}

/// Cluster-wide totals that shares are computed against.
struct Cluster {
    names: Names,
    totals: Vec<i64>,
    epoch: u64,
}

impl Cluster {
    fn context(&self) -> ShareContext<'_> {
        ShareContext {
            totals: &self.totals,
            names: &self.names,
            epoch: self.epoch,
        }
    }
}

#[derive(Default)]
struct Roles {
    sorter: DrfSorter,
    roles: Slab<Role>,
    index: HashMap<String, usize>,
}

struct Role {
    name: String,
    /// Its slot in the role sorter.
    slot: usize,
    frameworks: DrfSorter,
    /// How many frameworks are tracked under it.
    tracked: usize,
}

struct Framework {
    id: FrameworkId,
    /// False for a placeholder holding resources reported by agents before the framework was
    /// added.
    added: bool,
    active: bool,
    /// Subscribed roles.
    roles: Vec<usize>,
    /// Suppressed roles (among `roles`).
    suppressed: Vec<usize>,
    /// Roles it is tracked under: `roles`, and roles it still holds resources in.
    tracked: Vec<Tracked>,
}

struct Tracked {
    role: usize,
    /// Its slot in the role's framework sorter.
    slot: usize,
    /// How many agents hold a record of it in this role.
    records: usize,
}

impl Framework {
    fn new(id: FrameworkId) -> Self {
        Framework {
            id,
            added: false,
            active: false,
            roles: Vec::new(),
            suppressed: Vec::new(),
            tracked: Vec::new(),
        }
    }

    fn offerable_in(&self, role: usize) -> bool {
        self.added && self.active && self.roles.contains(&role) && !self.suppressed.contains(&role)
    }
}

struct Agent {
    id: AgentId,
    total_quantities: Quantities,
    /// What is neither offered nor allocated (no `allocation_info`).
    available: Resources,
    records: Vec<Record>,
    filters: Vec<Filter>,
    active: bool,
}

/// What a framework is offered or allocated on an agent in one role, in unallocated form (the
/// role is `role`; copies handed out carry it in `allocation_info`).
struct Record {
    framework: usize,
    role: usize,
    resources: Resources,
}

/// A refuse filter: offers of at most `resources` (unallocated form) are not made to the
/// framework in the role on this agent until `expires`.
struct Filter {
    framework: usize,
    role: usize,
    resources: Resources,
    expires: Instant,
}

/// Items in reusable slots.
struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<usize>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    fn insert(&mut self, item: T) -> usize {
        match self.free.pop() {
            Some(index) => {
                if let Some(slot) = self.items.get_mut(index) {
                    *slot = Some(item);
                }
                index
            }
            None => {
                self.items.push(Some(item));
                self.items.len() - 1
            }
        }
    }

    fn remove(&mut self, index: usize) -> Option<T> {
        let item = self.items.get_mut(index)?.take()?;
        self.free.push(index);
        Some(item)
    }

    fn get(&self, index: usize) -> Option<&T> {
        self.items.get(index)?.as_ref()
    }

    fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.items.get_mut(index)?.as_mut()
    }

    fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| Some((index, item.as_ref()?)))
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = (usize, &mut T)> {
        self.items
            .iter_mut()
            .enumerate()
            .filter_map(|(index, item)| Some((index, item.as_mut()?)))
    }
}

/// Whether `resource` may be offered to `role`: unreserved, or reserved to the role or to one of
/// its ancestors (Mesos's `allocatableTo`).
fn offerable_to(resource: &Resource, role: &str) -> bool {
    match resource.reservation_role() {
        None => true,
        Some(reserved) => reserved == role || is_strict_subrole(role, reserved),
    }
}

/// Mesos's `allocatable`: the resources for which `include` holds contain one of the
/// alternatives (none: anything goes).
fn allocatable(
    resources: &Resources,
    include: impl Fn(&Resource) -> bool,
    alternatives: &[Vec<(String, i64)>],
) -> bool {
    if alternatives.is_empty() {
        return true;
    }
    alternatives.iter().any(|quantities| {
        quantities.iter().all(|(name, needed)| {
            let mut have = 0_i64;
            for resource in resources.iter() {
                if resource.name != *name || !include(resource) {
                    continue;
                }
                have = have.saturating_add(quantity_millis(resource));
                if have >= *needed {
                    return true;
                }
            }
            false
        })
    })
}

/// A resource's quantity in thousandths: scalars by value, ranges and sets by count.
fn quantity_millis(resource: &Resource) -> i64 {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX).saturating_mul(1000);
    match resource.kind {
        ValueType::Scalar => resource.scalar.map_or(0, |scalar| scalar.millis()),
        ValueType::Ranges => resource
            .ranges
            .as_ref()
            .map_or(0, |ranges| count(ranges.len())),
        ValueType::Set => resource
            .set
            .as_ref()
            .map_or(0, |set| count(set.len() as u64)),
        ValueType::Text => 0,
    }
}

/// The parts of `resources` by allocation role (`None` for the part without one).
fn split_by_role(resources: &Resources) -> Vec<(Option<&str>, Cow<'_, Resources>)> {
    let mut entries = resources.iter();
    let first = entries.next().and_then(Resource::allocation_role);
    if entries.all(|resource| resource.allocation_role() == first) {
        return vec![(first, Cow::Borrowed(resources))];
    }
    let mut parts: Vec<(Option<&str>, Cow<'_, Resources>)> = Vec::new();
    for resource in resources.iter() {
        let role = resource.allocation_role();
        match parts.iter_mut().find(|(known, _)| *known == role) {
            Some((_, part)) => *part.to_mut() += resource.clone(),
            None => parts.push((role, Cow::Owned(Resources::from(resource.clone())))),
        }
    }
    parts
}

fn unallocated(resources: &Resources) -> Resources {
    let mut resources = resources.clone();
    resources.unallocate();
    resources
}

impl HierarchicalDrf {
    /// An allocator with no agents and no frameworks.
    pub fn new(config: AllocatorConfig) -> Self {
        let min_allocatable = config
            .min_allocatable_resources
            .iter()
            .map(|quantities| {
                quantities
                    .iter()
                    .filter(|(_, value)| **value > 0.0)
                    .map(|(name, value)| {
                        let millis = (value * 1000.0).ceil().max(1.0);
                        (name.clone(), millis as i64)
                    })
                    .collect()
            })
            .collect();
        HierarchicalDrf {
            allocation_interval: config.allocation_interval,
            min_allocatable,
            clear_filters_on_deactivate: config.clear_filters_on_deactivate,
            weights: config
                .weights
                .into_iter()
                .filter(|(_, weight)| weight.is_finite() && *weight > 0.0)
                .collect(),
            cluster: Cluster {
                names: Names::new(config.fair_sharing_excluded_resource_names),
                totals: Vec::new(),
                epoch: 0,
            },
            roles: Roles::default(),
            frameworks: Slab::default(),
            framework_index: HashMap::new(),
            agents: Slab::default(),
            agent_index: HashMap::new(),
            rng: Rng::new(config.seed),
            candidates: Vec::new(),
            allocation_runs: 0,
            last_allocation_run: Duration::ZERO,
        }
    }

    /// [`Allocator::recover_resources`] with the time the filter starts from.
    pub fn recover_resources_at(
        &mut self,
        framework: &FrameworkId,
        agent: &AgentId,
        resources: &Resources,
        refuse: Option<Duration>,
        now: Instant,
    ) {
        if resources.is_empty() {
            return;
        }
        let (Some(&a), Some(&f)) = (
            self.agent_index.get(agent),
            self.framework_index.get(framework),
        ) else {
            return;
        };
        let timeout = refuse
            .filter(|refuse| !refuse.is_zero())
            .map(|refuse| refuse.min(MAX_REFUSE).max(self.allocation_interval));
        let mut quantities = Quantities::new();
        for (role, part) in split_by_role(resources) {
            let Some((r, back)) = self.resolve_role(a, f, role, part) else {
                continue;
            };
            let Some(agent) = self.agents.get_mut(a) else {
                return;
            };
            // Mesos CHECKs that the resources were offered or allocated; here a mismatch only
            // skips the bookkeeping.
            if let Some(index) = agent
                .records
                .iter()
                .position(|record| record.framework == f && record.role == r)
            {
                let exact = agent
                    .records
                    .get(index)
                    .is_some_and(|record| record.resources.as_slice() == back.as_slice());
                if exact {
                    // The usual case (a whole offer declined or rescinded): the record goes
                    // back as it is.
                    let record = agent.records.swap_remove(index);
                    sorter::quantities(&self.cluster.names, &record.resources, &mut quantities);
                    agent.available += record.resources;
                    self.discharge(f, r, &quantities, true);
                } else if let Some(record) = agent
                    .records
                    .get_mut(index)
                    .filter(|record| record.resources.contains(&back))
                {
                    record.resources -= &back;
                    let emptied = record.resources.is_empty();
                    if emptied {
                        agent.records.swap_remove(index);
                    }
                    agent.available += &back;
                    sorter::quantities(&self.cluster.names, &back, &mut quantities);
                    self.discharge(f, r, &quantities, emptied);
                }
            }
            let Some(timeout) = timeout else {
                continue;
            };
            let subscribed = self
                .frameworks
                .get(f)
                .is_some_and(|framework| framework.roles.contains(&r));
            if let (true, Some(agent)) = (subscribed, self.agents.get_mut(a)) {
                agent.filters.push(Filter {
                    framework: f,
                    role: r,
                    resources: back,
                    expires: now.checked_add(timeout).unwrap_or(now),
                });
            }
        }
    }

    /// The role index of a recovered part, and the part in unallocated form: a part without
    /// an allocation role goes to the framework's record on the agent that holds it.
    fn resolve_role(
        &self,
        a: usize,
        f: usize,
        role: Option<&str>,
        part: Cow<'_, Resources>,
    ) -> Option<(usize, Resources)> {
        let part = unallocated(&part);
        if let Some(role) = role {
            return Some((*self.roles.index.get(role)?, part));
        }
        let agent = self.agents.get(a)?;
        let record = agent
            .records
            .iter()
            .find(|record| record.framework == f && record.resources.contains(&part))?;
        Some((record.role, part))
    }

    /// What is neither offered nor allocated on the agent.
    pub fn available(&self, agent: &AgentId) -> Option<&Resources> {
        let a = *self.agent_index.get(agent)?;
        Some(&self.agents.get(a)?.available)
    }

    /// A role's weight (1 unless set).
    pub fn role_weight(&self, role: &str) -> f64 {
        self.weights.get(role).copied().unwrap_or(1.0)
    }

    /// The number of refuse filters in force (not yet dropped).
    pub fn filter_count(&self) -> usize {
        self.agents
            .iter()
            .map(|(_, agent)| agent.filters.len())
            .sum()
    }

    // -----------------------------------------------------------------------------------------
    // Roles and tracking
    // -----------------------------------------------------------------------------------------

    fn ensure_role(&mut self, name: &str) -> usize {
        if let Some(&r) = self.roles.index.get(name) {
            return r;
        }
        let weight = self.role_weight(name);
        let r = self.roles.roles.insert(Role {
            name: name.to_owned(),
            slot: usize::MAX,
            frameworks: DrfSorter::default(),
            tracked: 0,
        });
        let slot = self.roles.sorter.add(r, name, weight);
        self.roles
            .sorter
            .set_active(slot, true, &self.cluster.context());
        if let Some(role) = self.roles.roles.get_mut(r) {
            role.slot = slot;
        }
        self.roles.index.insert(name.to_owned(), r);
        r
    }

    /// Tracks the framework under the role (creating the role); returns the role index.
    fn track(&mut self, f: usize, role: &str) -> Option<usize> {
        self.frameworks.get(f)?;
        let r = self.ensure_role(role);
        let framework = self.frameworks.get_mut(f)?;
        if framework.tracked.iter().any(|tracked| tracked.role == r) {
            return Some(r);
        }
        let role = self.roles.roles.get_mut(r)?;
        let slot = role.frameworks.add(f, framework.id.as_str(), 1.0);
        role.tracked += 1;
        framework.tracked.push(Tracked {
            role: r,
            slot,
            records: 0,
        });
        Some(r)
    }

    /// Stops tracking the framework under the role, and drops the role once nobody is tracked
    /// under it.
    fn untrack(&mut self, f: usize, r: usize) {
        let Some(framework) = self.frameworks.get_mut(f) else {
            return;
        };
        let Some(index) = framework.tracked.iter().position(|t| t.role == r) else {
            return;
        };
        let tracked = framework.tracked.swap_remove(index);
        let Some(role) = self.roles.roles.get_mut(r) else {
            return;
        };
        role.frameworks.remove(tracked.slot);
        role.tracked = role.tracked.saturating_sub(1);
        if role.tracked == 0 && role.frameworks.is_empty() {
            let slot = role.slot;
            if let Some(role) = self.roles.roles.remove(r) {
                self.roles.index.remove(&role.name);
            }
            self.roles.sorter.remove(slot);
        }
    }

    /// Brings the framework's activity in each of its roles' sorters up to date.
    fn refresh(&mut self, f: usize) {
        let context = self.cluster.context();
        let Some(framework) = self.frameworks.get(f) else {
            return;
        };
        for tracked in &framework.tracked {
            if let Some(role) = self.roles.roles.get_mut(tracked.role) {
                let active = framework.offerable_in(tracked.role);
                role.frameworks.set_active(tracked.slot, active, &context);
            }
        }
    }

    /// Charges an allocation of the framework in a role it is tracked under.
    fn charge(&mut self, f: usize, r: usize, quantities: &[(usize, i64)], new_record: bool) {
        let context = self.cluster.context();
        let Some(framework) = self.frameworks.get_mut(f) else {
            return;
        };
        let Some(tracked) = framework.tracked.iter_mut().find(|t| t.role == r) else {
            return;
        };
        if new_record {
            tracked.records += 1;
        }
        let Some(role) = self.roles.roles.get_mut(r) else {
            return;
        };
        role.frameworks.allocated(tracked.slot, quantities);
        role.frameworks.reposition(tracked.slot, &context);
        self.roles.sorter.allocated(role.slot, quantities);
        self.roles.sorter.reposition(role.slot, &context);
    }

    /// Takes back what `charge` charged; untracks the framework from a role it is no longer
    /// subscribed to once it holds nothing there, and forgets an idle placeholder.
    fn discharge(&mut self, f: usize, r: usize, quantities: &[(usize, i64)], record_gone: bool) {
        let context = self.cluster.context();
        let Some(framework) = self.frameworks.get_mut(f) else {
            return;
        };
        let subscribed = framework.roles.contains(&r);
        let Some(tracked) = framework.tracked.iter_mut().find(|t| t.role == r) else {
            return;
        };
        if record_gone {
            tracked.records = tracked.records.saturating_sub(1);
        }
        let idle = tracked.records == 0;
        if let Some(role) = self.roles.roles.get_mut(r) {
            role.frameworks.unallocated(tracked.slot, quantities);
            role.frameworks.reposition(tracked.slot, &context);
            self.roles.sorter.unallocated(role.slot, quantities);
            self.roles.sorter.reposition(role.slot, &context);
        }
        if idle && !subscribed {
            self.untrack(f, r);
        }
        self.forget_if_idle_placeholder(f);
    }

    fn forget_if_idle_placeholder(&mut self, f: usize) {
        let Some(framework) = self.frameworks.get(f) else {
            return;
        };
        if framework.added || framework.tracked.iter().any(|t| t.records > 0) {
            return;
        }
        let roles: Vec<usize> = framework.tracked.iter().map(|t| t.role).collect();
        for r in roles {
            self.untrack(f, r);
        }
        if let Some(framework) = self.frameworks.remove(f) {
            self.framework_index.remove(&framework.id);
        }
    }

    /// Drops the framework's filters (in these roles, or all).
    fn clear_filters(&mut self, f: usize, roles: Option<&[usize]>) {
        for (_, agent) in self.agents.iter_mut() {
            if !agent.filters.is_empty() {
                agent.filters.retain(|filter| {
                    filter.framework != f
                        || roles.is_some_and(|roles| !roles.contains(&filter.role))
                });
            }
        }
    }

    /// The role indices of these role names among the framework's subscribed roles (all of them
    /// for an empty list).
    fn subscribed_roles(&self, f: usize, names: &[String]) -> Vec<usize> {
        let Some(framework) = self.frameworks.get(f) else {
            return Vec::new();
        };
        if names.is_empty() {
            return framework.roles.clone();
        }
        names
            .iter()
            .filter_map(|name| self.roles.index.get(name).copied())
            .filter(|r| framework.roles.contains(r))
            .collect()
    }

    /// Sets the subscribed and suppressed roles (Mesos's `updateFramework`).
    fn set_roles(&mut self, f: usize, roles: &[String], suppressed: &[String]) {
        let mut new_roles = Vec::new();
        for name in roles {
            let tracked = self.track(f, name);
            if let Some(r) = tracked.filter(|r| !new_roles.contains(r)) {
                new_roles.push(r);
            }
        }
        let new_suppressed: Vec<usize> = suppressed
            .iter()
            .filter_map(|name| self.roles.index.get(name).copied())
            .filter(|r| new_roles.contains(r))
            .collect();
        let Some(framework) = self.frameworks.get_mut(f) else {
            return;
        };
        let old_roles = std::mem::replace(&mut framework.roles, new_roles.clone());
        let old_suppressed = std::mem::replace(&mut framework.suppressed, new_suppressed.clone());
        let dropped: Vec<usize> = old_roles
            .iter()
            .copied()
            .filter(|r| !new_roles.contains(r))
            .collect();
        // Dropped roles lose their filters; roles no longer suppressed are revived.
        let mut cleared = dropped.clone();
        cleared.extend(
            old_suppressed
                .iter()
                .copied()
                .filter(|r| !new_suppressed.contains(r) && new_roles.contains(r)),
        );
        if !cleared.is_empty() {
            self.clear_filters(f, Some(&cleared));
        }
        for r in dropped {
            let idle = self
                .frameworks
                .get(f)
                .and_then(|framework| framework.tracked.iter().find(|t| t.role == r))
                .is_some_and(|tracked| tracked.records == 0);
            if idle {
                self.untrack(f, r);
            }
        }
        self.refresh(f);
    }

    fn framework_slot(&mut self, id: &FrameworkId) -> usize {
        if let Some(&f) = self.framework_index.get(id) {
            return f;
        }
        let f = self.frameworks.insert(Framework::new(id.clone()));
        self.framework_index.insert(id.clone(), f);
        f
    }

    /// The role for used resources reported without an allocation role: the framework's first
    /// role, else `*`.
    fn default_role(&self, f: usize) -> String {
        self.frameworks
            .get(f)
            .and_then(|framework| framework.roles.first())
            .and_then(|&r| self.roles.roles.get(r))
            .map_or_else(|| "*".to_owned(), |role| role.name.clone())
    }
}

impl Allocator for HierarchicalDrf {
    fn add_framework(
        &mut self,
        id: &FrameworkId,
        roles: &[String],
        suppressed_roles: &[String],
        active: bool,
    ) {
        let f = self.framework_slot(id);
        if let Some(framework) = self.frameworks.get_mut(f) {
            framework.added = true;
            framework.active = active;
        }
        self.set_roles(f, roles, suppressed_roles);
    }

    fn update_framework(
        &mut self,
        id: &FrameworkId,
        roles: &[String],
        suppressed_roles: &[String],
    ) {
        let Some(&f) = self.framework_index.get(id) else {
            return;
        };
        if self
            .frameworks
            .get(f)
            .is_some_and(|framework| framework.added)
        {
            self.set_roles(f, roles, suppressed_roles);
        }
    }

    fn activate_framework(&mut self, id: &FrameworkId) {
        let Some(&f) = self.framework_index.get(id) else {
            return;
        };
        if let Some(framework) = self.frameworks.get_mut(f).filter(|fw| fw.added) {
            framework.active = true;
            self.refresh(f);
        }
    }

    fn deactivate_framework(&mut self, id: &FrameworkId) {
        let Some(&f) = self.framework_index.get(id) else {
            return;
        };
        if let Some(framework) = self.frameworks.get_mut(f).filter(|fw| fw.added) {
            framework.active = false;
            self.refresh(f);
            if self.clear_filters_on_deactivate {
                self.clear_filters(f, None);
            }
        }
    }

    fn remove_framework(&mut self, id: &FrameworkId) {
        let Some(f) = self.framework_index.remove(id) else {
            return;
        };
        let context = self.cluster.context();
        let mut quantities = Quantities::new();
        for (_, agent) in self.agents.iter_mut() {
            agent.filters.retain(|filter| filter.framework != f);
            if !agent.records.iter().any(|record| record.framework == f) {
                continue;
            }
            let (mine, others): (Vec<Record>, Vec<Record>) = std::mem::take(&mut agent.records)
                .into_iter()
                .partition(|record| record.framework == f);
            agent.records = others;
            for record in mine {
                sorter::quantities(&self.cluster.names, &record.resources, &mut quantities);
                if let Some(role) = self.roles.roles.get(record.role) {
                    self.roles.sorter.unallocated(role.slot, &quantities);
                    self.roles.sorter.reposition(role.slot, &context);
                }
                agent.available += record.resources;
            }
        }
        let roles: Vec<usize> = self
            .frameworks
            .get(f)
            .map(|framework| framework.tracked.iter().map(|t| t.role).collect())
            .unwrap_or_default();
        for r in roles {
            self.untrack(f, r);
        }
        self.frameworks.remove(f);
    }

    fn add_agent(&mut self, id: &AgentId, total: Resources, used: &[(FrameworkId, Resources)]) {
        if self.agent_index.contains_key(id) {
            self.remove_agent(id);
        }
        let total_quantities = sorter::quantities_mut(&mut self.cluster.names, &total);
        sorter::add_to(&mut self.cluster.totals, &total_quantities, 1);
        self.cluster.epoch += 1;
        let a = self.agents.insert(Agent {
            id: id.clone(),
            total_quantities,
            available: total,
            records: Vec::new(),
            filters: Vec::new(),
            active: true,
        });
        self.agent_index.insert(id.clone(), a);

        let mut quantities = Quantities::new();
        for (framework_id, resources) in used {
            if resources.is_empty() {
                continue;
            }
            let f = self.framework_slot(framework_id);
            for (role, part) in split_by_role(resources) {
                let role = role.map_or_else(|| self.default_role(f), str::to_owned);
                let unallocated = unallocated(&part);
                if !self
                    .agents
                    .get(a)
                    .is_some_and(|agent| agent.available.contains(&unallocated))
                {
                    continue;
                }
                let Some(r) = self.track(f, &role) else {
                    continue;
                };
                let Some(agent) = self.agents.get_mut(a) else {
                    continue;
                };
                agent.available -= &unallocated;
                sorter::quantities(&self.cluster.names, &unallocated, &mut quantities);
                let new_record = match agent
                    .records
                    .iter_mut()
                    .find(|record| record.framework == f && record.role == r)
                {
                    Some(record) => {
                        record.resources += unallocated;
                        false
                    }
                    None => {
                        agent.records.push(Record {
                            framework: f,
                            role: r,
                            resources: unallocated,
                        });
                        true
                    }
                };
                self.charge(f, r, &quantities, new_record);
            }
            self.forget_if_idle_placeholder(f);
        }
    }

    fn remove_agent(&mut self, id: &AgentId) {
        let Some(a) = self.agent_index.remove(id) else {
            return;
        };
        let Some(agent) = self.agents.remove(a) else {
            return;
        };
        sorter::add_to(&mut self.cluster.totals, &agent.total_quantities, -1);
        self.cluster.epoch += 1;
        let mut quantities = Quantities::new();
        for record in agent.records {
            sorter::quantities(&self.cluster.names, &record.resources, &mut quantities);
            self.discharge(record.framework, record.role, &quantities, true);
        }
    }

    fn activate_agent(&mut self, id: &AgentId) {
        if let Some(agent) = self
            .agent_index
            .get(id)
            .and_then(|&a| self.agents.get_mut(a))
        {
            agent.active = true;
        }
    }

    fn deactivate_agent(&mut self, id: &AgentId) {
        if let Some(agent) = self
            .agent_index
            .get(id)
            .and_then(|&a| self.agents.get_mut(a))
        {
            agent.active = false;
        }
    }

    fn update_weights(&mut self, weights: &BTreeMap<String, f64>) {
        for (name, &weight) in weights {
            if !(weight.is_finite() && weight > 0.0) {
                continue;
            }
            self.weights.insert(name.clone(), weight);
            if let Some(role) = self
                .roles
                .index
                .get(name)
                .and_then(|&r| self.roles.roles.get(r))
            {
                self.roles.sorter.set_weight(role.slot, weight);
            }
        }
    }

    fn recover_resources(
        &mut self,
        framework: &FrameworkId,
        agent: &AgentId,
        resources: &Resources,
        refuse: Option<Duration>,
    ) {
        self.recover_resources_at(framework, agent, resources, refuse, Instant::now());
    }

    fn suppress_offers(&mut self, framework: &FrameworkId, roles: &[String]) {
        let Some(&f) = self.framework_index.get(framework) else {
            return;
        };
        let roles = self.subscribed_roles(f, roles);
        if let Some(framework) = self.frameworks.get_mut(f) {
            for r in roles {
                if !framework.suppressed.contains(&r) {
                    framework.suppressed.push(r);
                }
            }
        }
        self.refresh(f);
    }

    fn revive_offers(&mut self, framework: &FrameworkId, roles: &[String]) {
        let Some(&f) = self.framework_index.get(framework) else {
            return;
        };
        let roles = self.subscribed_roles(f, roles);
        if let Some(framework) = self.frameworks.get_mut(f) {
            framework.suppressed.retain(|r| !roles.contains(r));
        }
        self.clear_filters(f, Some(&roles));
        self.refresh(f);
    }

    fn allocate(&mut self, now: Instant) -> Vec<Allocation> {
        let started = Instant::now();
        for (_, agent) in self.agents.iter_mut() {
            if !agent.filters.is_empty() {
                agent.filters.retain(|filter| filter.expires > now);
            }
        }
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        candidates.extend(
            self.agents
                .iter()
                .filter(|(_, agent)| agent.active && !agent.available.is_empty())
                .map(|(a, _)| a),
        );
        self.rng.shuffle(&mut candidates);

        let mut allocations = Vec::with_capacity(candidates.len());
        let HierarchicalDrf {
            cluster,
            roles,
            frameworks,
            agents,
            min_allocatable,
            ..
        } = self;
        let context = cluster.context();
        let Roles {
            sorter: role_sorter,
            roles,
            ..
        } = roles;
        role_sorter.ensure_sorted(&context);
        for (_, role) in roles.iter_mut() {
            role.frameworks.ensure_sorted(&context);
        }
        let mut quantities = Quantities::new();
        // Roles allocated on the current agent: they move in the role order after it.
        let mut touched: Vec<usize> = Vec::new();
        for &a in &candidates {
            let Some(agent) = agents.get_mut(a) else {
                continue;
            };
            touched.clear();
            for position in 0..role_sorter.order().len() {
                if agent.available.is_empty() {
                    break;
                }
                let Some(&role_slot) = role_sorter.order().get(position) else {
                    break;
                };
                let r = role_sorter.key(role_slot);
                let Some(role) = roles.get_mut(r) else {
                    continue;
                };
                if role.frameworks.order().is_empty() {
                    continue;
                }
                let name = role.name.as_str();
                let (mut any, mut all) = (false, true);
                for resource in agent.available.iter() {
                    if offerable_to(resource, name) {
                        any = true;
                    } else {
                        all = false;
                    }
                }
                if !any
                    || !allocatable(
                        &agent.available,
                        |resource| all || offerable_to(resource, name),
                        min_allocatable,
                    )
                {
                    continue;
                }
                // Without quota, the offer is everything the role may get on the agent.
                let subset = (!all).then(|| agent.available.allocatable_to(name));
                let offer = subset.as_ref().unwrap_or(&agent.available);
                let chosen = role.frameworks.order().iter().copied().find(|&slot| {
                    let f = role.frameworks.key(slot);
                    !agent.filters.iter().any(|filter| {
                        filter.framework == f
                            && filter.role == r
                            && filter.expires > now
                            && filter.resources.contains(offer)
                    })
                });
                let Some(slot) = chosen else {
                    continue;
                };
                let f = role.frameworks.key(slot);
                let Some(framework) = frameworks.get_mut(f) else {
                    continue;
                };
                let mut resources = match subset {
                    None => std::mem::take(&mut agent.available),
                    Some(subset) => {
                        agent.available = agent
                            .available
                            .filter(|resource| !offerable_to(resource, name));
                        subset
                    }
                };
                sorter::quantities(&cluster.names, &resources, &mut quantities);
                match agent
                    .records
                    .iter_mut()
                    .find(|record| record.framework == f && record.role == r)
                {
                    Some(record) => record.resources += &resources,
                    None => {
                        agent.records.push(Record {
                            framework: f,
                            role: r,
                            resources: resources.clone(),
                        });
                        if let Some(tracked) = framework.tracked.iter_mut().find(|t| t.role == r) {
                            tracked.records += 1;
                        }
                    }
                }
                role.frameworks.allocated(slot, &quantities);
                role.frameworks.reposition(slot, &context);
                role_sorter.allocated(role_slot, &quantities);
                touched.push(role_slot);
                resources.allocate(name);
                allocations.push(Allocation {
                    framework: framework.id.clone(),
                    agent: agent.id.clone(),
                    role: role.name.clone(),
                    resources,
                });
            }
            for &slot in &touched {
                role_sorter.reposition(slot, &context);
            }
        }
        self.candidates = candidates;
        self.allocation_runs += 1;
        self.last_allocation_run = started.elapsed();
        allocations
    }

    fn role_share(&self, role: &str) -> f64 {
        self.roles
            .index
            .get(role)
            .and_then(|&r| self.roles.roles.get(r))
            .map_or(0.0, |role| {
                self.roles.sorter.share(role.slot, &self.cluster.context())
            })
    }

    fn framework_share(&self, id: &FrameworkId) -> f64 {
        let Some(framework) = self
            .framework_index
            .get(id)
            .and_then(|&f| self.frameworks.get(f))
        else {
            return 0.0;
        };
        let mut allocation = Vec::new();
        for tracked in &framework.tracked {
            if let Some(role) = self.roles.roles.get(tracked.role) {
                let quantities: Quantities = role
                    .frameworks
                    .allocation(tracked.slot)
                    .iter()
                    .copied()
                    .enumerate()
                    .collect();
                sorter::add_to(&mut allocation, &quantities, 1);
            }
        }
        self.cluster.context().share(&allocation, 1.0)
    }

    fn metrics(&self) -> AllocatorMetrics {
        let context = self.cluster.context();
        let by_name = |values: &[i64]| -> BTreeMap<String, f64> {
            values
                .iter()
                .enumerate()
                .map(|(index, &millis)| {
                    (
                        self.cluster.names.name(index).to_owned(),
                        millis as f64 / 1000.0,
                    )
                })
                .collect()
        };
        let mut allocated = Vec::new();
        let mut role_shares = BTreeMap::new();
        let mut offer_filters_active = BTreeMap::new();
        for (r, role) in self.roles.roles.iter() {
            let quantities: Quantities = self
                .roles
                .sorter
                .allocation(role.slot)
                .iter()
                .copied()
                .enumerate()
                .collect();
            sorter::add_to(&mut allocated, &quantities, 1);
            role_shares.insert(
                role.name.clone(),
                self.roles.sorter.share(role.slot, &context),
            );
            let filters = self
                .agents
                .iter()
                .map(|(_, agent)| agent.filters.iter().filter(|f| f.role == r).count())
                .sum::<usize>();
            offer_filters_active.insert(role.name.clone(), filters);
        }
        allocated.resize(self.cluster.totals.len(), 0);
        AllocatorMetrics {
            allocation_runs: self.allocation_runs,
            last_allocation_run: self.last_allocation_run,
            total: by_name(&self.cluster.totals),
            offered_or_allocated: by_name(&allocated),
            role_shares,
            offer_filters_active,
            agents: self.agents.iter().count(),
            active_agents: self.agents.iter().filter(|(_, a)| a.active).count(),
            frameworks: self.frameworks.iter().filter(|(_, f)| f.added).count(),
            active_frameworks: self
                .frameworks
                .iter()
                .filter(|(_, f)| f.added && f.active)
                .count(),
        }
    }
}

#[cfg(test)]
impl HierarchicalDrf {
    /// Checks the books: agents' totals are what is available plus what is recorded, sorters
    /// charge exactly the records, record counts and activity flags are right, roles exist only
    /// while tracked.
    pub(super) fn check_invariants(&self) -> Result<(), String> {
        let names = &self.cluster.names;
        let context = self.cluster.context();
        let sum = |into: &mut Vec<i64>, resources: &Resources| {
            let mut quantities = Quantities::new();
            sorter::quantities(names, resources, &mut quantities);
            sorter::add_to(into, &quantities, 1);
        };
        let trim = |mut values: Vec<i64>| {
            while values.last() == Some(&0) {
                values.pop();
            }
            values
        };
        let mut totals = Vec::new();
        let mut charged: HashMap<(usize, usize), (Vec<i64>, usize)> = HashMap::new();
        for (_, agent) in self.agents.iter() {
            let mut total = Vec::new();
            sorter::add_to(&mut totals, &agent.total_quantities, 1);
            sorter::add_to(&mut total, &agent.total_quantities, 1);
            let mut held = Vec::new();
            sum(&mut held, &agent.available);
            for record in &agent.records {
                if record.resources.is_empty() {
                    return Err(format!("empty record on {}", agent.id.value));
                }
                if record.resources.iter().any(|r| r.allocation_info.is_some()) {
                    return Err("a record in allocated form".to_owned());
                }
                sum(&mut held, &record.resources);
                let entry = charged.entry((record.framework, record.role)).or_default();
                sum(&mut entry.0, &record.resources);
                entry.1 += 1;
            }
            if trim(held) != trim(total) {
                return Err(format!(
                    "agent {}: available + records != total",
                    agent.id.value
                ));
            }
        }
        if trim(totals) != trim(self.cluster.totals.clone()) {
            return Err("cluster totals".to_owned());
        }
        for (id, &f) in &self.framework_index {
            let framework = self.frameworks.get(f).ok_or("indexed framework missing")?;
            if framework.id != *id {
                return Err("framework index".to_owned());
            }
        }
        let mut role_charges: HashMap<usize, Vec<i64>> = HashMap::new();
        let mut tracked_per_role: HashMap<usize, usize> = HashMap::new();
        for (f, framework) in self.frameworks.iter() {
            if self.framework_index.get(&framework.id) != Some(&f) {
                return Err(format!("framework {} not indexed", framework.id.value));
            }
            if !framework.added && framework.tracked.iter().all(|t| t.records == 0) {
                return Err(format!("idle placeholder {}", framework.id.value));
            }
            for r in &framework.roles {
                if !framework.tracked.iter().any(|t| t.role == *r) {
                    return Err("subscribed but not tracked".to_owned());
                }
            }
            for tracked in &framework.tracked {
                *tracked_per_role.entry(tracked.role).or_default() += 1;
                let role = self
                    .roles
                    .roles
                    .get(tracked.role)
                    .ok_or("tracked role missing")?;
                let (expected, records) = charged.remove(&(f, tracked.role)).unwrap_or_default();
                if tracked.records != records {
                    return Err(format!(
                        "{} in {}: {} records counted, {records} held",
                        framework.id.value, role.name, tracked.records
                    ));
                }
                let allocation = role.frameworks.allocation(tracked.slot).to_vec();
                if trim(allocation.clone()) != trim(expected) {
                    return Err(format!(
                        "{} in {}: sorter charge",
                        framework.id.value, role.name
                    ));
                }
                sorter::add_to(
                    role_charges.entry(tracked.role).or_default(),
                    &allocation
                        .iter()
                        .copied()
                        .enumerate()
                        .collect::<Quantities>(),
                    1,
                );
                let listed = role.frameworks.order().contains(&tracked.slot);
                if listed != framework.offerable_in(tracked.role) {
                    return Err(format!("{} in {}: activity", framework.id.value, role.name));
                }
                if tracked.records == 0 && !framework.roles.contains(&tracked.role) {
                    return Err("tracked in a role it neither holds nor subscribes".to_owned());
                }
            }
        }
        if !charged.is_empty() {
            return Err("records of untracked frameworks".to_owned());
        }
        for (r, role) in self.roles.roles.iter() {
            if self.roles.index.get(&role.name) != Some(&r) {
                return Err(format!("role {} not indexed", role.name));
            }
            if tracked_per_role.get(&r).copied().unwrap_or(0) != role.tracked || role.tracked == 0 {
                return Err(format!("role {}: tracked count", role.name));
            }
            let expected = role_charges.remove(&r).unwrap_or_default();
            if trim(self.roles.sorter.allocation(role.slot).to_vec()) != trim(expected) {
                return Err(format!("role {}: sorter charge", role.name));
            }
            if !self.roles.sorter.order().contains(&role.slot) {
                return Err(format!("role {} not in the role sorter", role.name));
            }
        }
        if self.roles.index.len() != self.roles.roles.iter().count() {
            return Err("role index".to_owned());
        }
        if !self.roles.sorter.is_in_order(&context) {
            return Err("role sorter out of order".to_owned());
        }
        for (_, role) in self.roles.roles.iter() {
            if !role.frameworks.is_in_order(&context) {
                return Err(format!("framework sorter of {} out of order", role.name));
            }
        }
        Ok(())
    }
}

//! Mesos's DRF sorter (`sorter/drf/sorter.cpp`), flat, kept sorted incrementally.
//!
//! Quantities are in thousandths (Mesos's fixed-point scalars), indexed by resource name
//! ([`Names`]), so shares are a few divisions and sums never drift. The active clients are kept
//! in DRF order in [`DrfSorter::order`]: an allocation change moves one client (a binary search
//! and a shift), and only a change of the cluster totals (an agent added or removed) or of a
//! weight re-sorts the whole sorter, lazily, at its next [`DrfSorter::ensure_sorted`].

use std::cmp::Ordering;
use std::collections::BTreeSet;

use mesos_api::resources::{Resource, Resources};
use mesos_api::values::ValueType;

/// Resource names, by index, and whether each is excluded from fair sharing.
pub(super) struct Names {
    names: Vec<String>,
    excluded: Vec<bool>,
    excluded_names: BTreeSet<String>,
}

impl Names {
    pub(super) fn new(excluded_names: BTreeSet<String>) -> Self {
        Names {
            names: Vec::new(),
            excluded: Vec::new(),
            excluded_names,
        }
    }

    pub(super) fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|known| known == name)
    }

    pub(super) fn index(&mut self, name: &str) -> usize {
        if let Some(index) = self.find(name) {
            return index;
        }
        self.names.push(name.to_owned());
        self.excluded.push(self.excluded_names.contains(name));
        self.names.len() - 1
    }

    pub(super) fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("", String::as_str)
    }
}

/// Scalar quantities: (name index, thousandths), one entry per name.
pub(super) type Quantities = Vec<(usize, i64)>;

/// Adds the scalar quantities of `resources` to `out` (names must be known to `names` already:
/// unknown names are registered by [`quantities_mut`]).
pub(super) fn quantities(names: &Names, resources: &Resources, out: &mut Quantities) {
    out.clear();
    for resource in resources.iter() {
        if let Some((index, millis)) =
            scalar_of(resource).and_then(|(name, millis)| Some((names.find(name)?, millis)))
        {
            push_quantity(out, index, millis);
        }
    }
}

/// Like [`quantities`], registering names it has not seen.
pub(super) fn quantities_mut(names: &mut Names, resources: &Resources) -> Quantities {
    let mut out = Quantities::new();
    for resource in resources.iter() {
        if let Some((name, millis)) = scalar_of(resource) {
            let index = names.index(name);
            push_quantity(&mut out, index, millis);
        }
    }
    out
}

fn scalar_of(resource: &Resource) -> Option<(&str, i64)> {
    if resource.kind != ValueType::Scalar {
        return None;
    }
    Some((resource.name.as_str(), resource.scalar?.millis()))
}

fn push_quantity(out: &mut Quantities, index: usize, millis: i64) {
    match out.iter_mut().find(|(known, _)| *known == index) {
        Some((_, total)) => *total += millis,
        None => out.push((index, millis)),
    }
}

/// What shares are computed against.
pub(super) struct ShareContext<'a> {
    /// Cluster totals by name index, in thousandths.
    pub(super) totals: &'a [i64],
    pub(super) names: &'a Names,
    /// Changes whenever `totals` do.
    pub(super) epoch: u64,
}

impl ShareContext<'_> {
    /// Mesos's `calculateShare`: the dominant share of `allocation`, divided by `weight`.
    pub(super) fn share(&self, allocation: &[i64], weight: f64) -> f64 {
        let mut share = 0.0_f64;
        for (index, &total) in self.totals.iter().enumerate() {
            if total <= 0 || self.names.excluded.get(index).copied().unwrap_or(false) {
                continue;
            }
            let allocated = allocation.get(index).copied().unwrap_or(0);
            share = share.max(allocated as f64 / total as f64);
        }
        share / weight
    }
}

struct Client {
    /// The framework or role index this client stands for.
    key: usize,
    /// The tie-breaker (framework id or role name).
    name: String,
    allocation: Vec<i64>,
    /// How many allocations it received (never decreases, as in Mesos).
    count: u64,
    weight: f64,
    /// The share when last computed (valid for the active clients of a sorted sorter).
    share: f64,
    active: bool,
}

fn compare(a: &Client, b: &Client) -> Ordering {
    a.share
        .total_cmp(&b.share)
        .then(a.count.cmp(&b.count))
        .then_with(|| a.name.cmp(&b.name))
}

/// A DRF sorter over clients in slots.
#[derive(Default)]
pub(super) struct DrfSorter {
    clients: Vec<Option<Client>>,
    free: Vec<usize>,
    /// The active clients' slots, in DRF order when `sorted_for` is the current epoch.
    order: Vec<usize>,
    sorted_for: Option<u64>,
}

impl DrfSorter {
    /// Adds an inactive client; returns its slot.
    pub(super) fn add(&mut self, key: usize, name: &str, weight: f64) -> usize {
        let client = Client {
            key,
            name: name.to_owned(),
            allocation: Vec::new(),
            count: 0,
            weight,
            share: 0.0,
            active: false,
        };
        match self.free.pop() {
            Some(slot) => {
                if let Some(entry) = self.clients.get_mut(slot) {
                    *entry = Some(client);
                }
                slot
            }
            None => {
                self.clients.push(Some(client));
                self.clients.len() - 1
            }
        }
    }

    pub(super) fn remove(&mut self, slot: usize) {
        self.unlist(slot);
        if self.clients.get_mut(slot).and_then(Option::take).is_some() {
            self.free.push(slot);
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.clients.len() == self.free.len()
    }

    fn client(&self, slot: usize) -> Option<&Client> {
        self.clients.get(slot)?.as_ref()
    }

    fn client_mut(&mut self, slot: usize) -> Option<&mut Client> {
        self.clients.get_mut(slot)?.as_mut()
    }

    /// The framework or role index of a slot (`usize::MAX` for an empty slot).
    pub(super) fn key(&self, slot: usize) -> usize {
        self.client(slot).map_or(usize::MAX, |client| client.key)
    }

    /// The active clients in DRF order (call [`ensure_sorted`](Self::ensure_sorted) first).
    pub(super) fn order(&self) -> &[usize] {
        &self.order
    }

    /// Activates or deactivates a client (only active clients are sorted).
    pub(super) fn set_active(&mut self, slot: usize, active: bool, context: &ShareContext<'_>) {
        let Some(client) = self.client_mut(slot) else {
            return;
        };
        if client.active == active {
            return;
        }
        client.active = active;
        if active {
            self.order.push(slot);
            self.reposition(slot, context);
        } else {
            self.unlist(slot);
        }
    }

    fn unlist(&mut self, slot: usize) {
        if let Some(position) = self.order.iter().position(|&listed| listed == slot) {
            self.order.remove(position);
        }
    }

    pub(super) fn set_weight(&mut self, slot: usize, weight: f64) {
        if let Some(client) = self.client_mut(slot) {
            client.weight = weight;
            self.sorted_for = None;
        }
    }

    /// Charges `quantities` to the client and counts one allocation; the order is not updated
    /// until [`reposition`](Self::reposition).
    pub(super) fn allocated(&mut self, slot: usize, quantities: &[(usize, i64)]) {
        if let Some(client) = self.client_mut(slot) {
            add_to(&mut client.allocation, quantities, 1);
            client.count += 1;
        }
    }

    /// Takes `quantities` off the client; the order is not updated until
    /// [`reposition`](Self::reposition).
    pub(super) fn unallocated(&mut self, slot: usize, quantities: &[(usize, i64)]) {
        if let Some(client) = self.client_mut(slot) {
            add_to(&mut client.allocation, quantities, -1);
        }
    }

    /// The client's allocation, by name index.
    pub(super) fn allocation(&self, slot: usize) -> &[i64] {
        self.client(slot).map_or(&[], |client| &client.allocation)
    }

    /// The client's current share.
    pub(super) fn share(&self, slot: usize, context: &ShareContext<'_>) -> f64 {
        self.client(slot).map_or(0.0, |client| {
            context.share(&client.allocation, client.weight)
        })
    }

    /// Puts a client whose allocation changed back in DRF order (nothing to do when the sorter
    /// awaits a full sort anyway).
    pub(super) fn reposition(&mut self, slot: usize, context: &ShareContext<'_>) {
        if self.sorted_for != Some(context.epoch) {
            return;
        }
        let Some(client) = self.client_mut(slot) else {
            return;
        };
        client.share = context.share(&client.allocation, client.weight);
        if !client.active {
            return;
        }
        let Some(from) = self.order.iter().position(|&listed| listed == slot) else {
            return;
        };
        self.order.remove(from);
        let (clients, order) = (&self.clients, &mut self.order);
        let Some(Some(me)) = clients.get(slot) else {
            return;
        };
        let to = order.partition_point(|&other| {
            clients
                .get(other)
                .and_then(Option::as_ref)
                .is_some_and(|other| compare(other, me) == Ordering::Less)
        });
        order.insert(to, slot);
    }

    /// Recomputes every share and sorts, if the totals or weights changed since the last sort.
    pub(super) fn ensure_sorted(&mut self, context: &ShareContext<'_>) {
        if self.sorted_for == Some(context.epoch) {
            return;
        }
        for client in self.clients.iter_mut().flatten() {
            client.share = context.share(&client.allocation, client.weight);
        }
        let clients = &self.clients;
        self.order.sort_by(|&a, &b| {
            match (
                clients.get(a).and_then(Option::as_ref),
                clients.get(b).and_then(Option::as_ref),
            ) {
                (Some(a), Some(b)) => compare(a, b),
                _ => a.cmp(&b),
            }
        });
        self.sorted_for = Some(context.epoch);
    }
}

#[cfg(test)]
impl DrfSorter {
    /// Whether a sorter that claims to be sorted is in DRF order with fresh shares (a sorter
    /// awaiting a full sort passes).
    pub(super) fn is_in_order(&self, context: &ShareContext<'_>) -> bool {
        if self.sorted_for != Some(context.epoch) {
            return true;
        }
        let fresh = |slot: &usize| {
            self.client(*slot).map(|client| Client {
                key: client.key,
                name: client.name.clone(),
                allocation: Vec::new(),
                count: client.count,
                weight: client.weight,
                share: context.share(&client.allocation, client.weight),
                active: client.active,
            })
        };
        let clients: Vec<Option<Client>> = self.order.iter().map(fresh).collect();
        clients.windows(2).all(|pair| match pair {
            [Some(a), Some(b)] => compare(a, b) != Ordering::Greater,
            _ => false,
        })
    }
}

/// `into += sign * quantities`, growing `into` as needed.
pub(super) fn add_to(into: &mut Vec<i64>, quantities: &[(usize, i64)], sign: i64) {
    for &(index, millis) in quantities {
        if into.len() <= index {
            into.resize(index + 1, 0);
        }
        if let Some(slot) = into.get_mut(index) {
            *slot += sign * millis;
        }
    }
}

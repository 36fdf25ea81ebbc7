#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mesos_api::resources::Resources;
use mesos_api::v1::{AgentId, FrameworkId};

use super::*;

fn res(text: &str) -> Resources {
    Resources::parse(text, "*").unwrap()
}

fn allocated(text: &str, role: &str) -> Resources {
    let mut resources = res(text);
    resources.allocate(role);
    resources
}

fn fw(id: &str) -> FrameworkId {
    FrameworkId::new(id)
}

fn agent(id: &str) -> AgentId {
    AgentId::new(id)
}

fn roles(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn config() -> AllocatorConfig {
    AllocatorConfig {
        seed: Some(7),
        ..AllocatorConfig::default()
    }
}

fn drf() -> HierarchicalDrf {
    HierarchicalDrf::new(config())
}

fn add_agents(allocator: &mut HierarchicalDrf, count: usize, resources: &str) {
    for i in 0..count {
        allocator.add_agent(&agent(&format!("a{i}")), res(resources), &[]);
    }
}

/// (framework, role) of each allocation, in order.
fn who(allocations: &[Allocation]) -> Vec<(String, String)> {
    allocations
        .iter()
        .map(|a| (a.framework.value.clone(), a.role.clone()))
        .collect()
}

fn count_for(allocations: &[Allocation], framework: &str) -> usize {
    allocations
        .iter()
        .filter(|a| a.framework.value == framework)
        .count()
}

/// Gives back everything allocated, without filters.
fn recover_all(allocator: &mut HierarchicalDrf, allocations: &[Allocation]) {
    for a in allocations {
        allocator.recover_resources(&a.framework, &a.agent, &a.resources, None);
    }
}

#[test]
fn drf_order_between_two_frameworks_in_two_roles() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r1"]), &[], true);
    allocator.add_framework(&fw("B"), &roles(&["r2"]), &[], true);
    // A already runs a task on a0: r1 has the larger share.
    allocator.add_agent(
        &agent("a0"),
        res("cpus:2;mem:2048"),
        &[(fw("A"), allocated("cpus:1;mem:512", "r1"))],
    );
    allocator.add_agent(&agent("a1"), res("cpus:4;mem:4096"), &[]);
    assert!(allocator.role_share("r1") > allocator.role_share("r2"));

    let allocations = allocator.allocate(Instant::now());
    // Whichever agent comes first goes to B (share 0); that puts B above A, so the other one
    // goes to A.
    assert_eq!(
        who(&allocations),
        vec![
            ("B".to_owned(), "r2".to_owned()),
            ("A".to_owned(), "r1".to_owned())
        ]
    );
    for allocation in &allocations {
        assert!(
            allocation
                .resources
                .iter()
                .all(|r| r.allocation_role() == Some(allocation.role.as_str()))
        );
    }
    // Everything is allocated now: shares add up to the whole cluster.
    let (a, b) = (
        allocator.framework_share(&fw("A")),
        allocator.framework_share(&fw("B")),
    );
    assert!(a > 0.0 && b > 0.0);
    assert!(allocator.allocate(Instant::now()).is_empty());
}

#[test]
fn drf_order_between_frameworks_of_one_role() {
    let mut allocator = drf();
    allocator.add_framework(&fw("b"), &roles(&["r"]), &[], true);
    allocator.add_framework(&fw("a"), &roles(&["r"]), &[], true);
    // Equal shares and counts: the smaller name goes first.
    allocator.add_agent(&agent("x"), res("cpus:1;mem:1024"), &[]);
    let allocations = allocator.allocate(Instant::now());
    assert_eq!(who(&allocations), vec![("a".to_owned(), "r".to_owned())]);
    // Now `a` holds a share: the next agent goes to `b`.
    allocator.add_agent(&agent("y"), res("cpus:1;mem:1024"), &[]);
    let allocations = allocator.allocate(Instant::now());
    assert_eq!(who(&allocations), vec![("b".to_owned(), "r".to_owned())]);
    assert_eq!(allocator.role_share("r"), 1.0);
}

#[test]
fn ties_go_to_fewer_allocations() {
    let mut allocator = drf();
    allocator.add_framework(&fw("a"), &roles(&["r"]), &[], true);
    allocator.add_framework(&fw("b"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("x"), res("cpus:1;mem:1024"), &[]);
    let first = allocator.allocate(Instant::now());
    assert_eq!(count_for(&first, "a"), 1);
    // Back to equal shares, but `a` has had one allocation more: `b` goes first.
    recover_all(&mut allocator, &first);
    let second = allocator.allocate(Instant::now());
    assert_eq!(who(&second), vec![("b".to_owned(), "r".to_owned())]);
}

fn weighted_split(weights: &[(&str, f64)], via_update: bool) -> (usize, usize) {
    let weights: BTreeMap<String, f64> = weights
        .iter()
        .map(|(role, weight)| ((*role).to_owned(), *weight))
        .collect();
    let mut allocator = if via_update {
        drf()
    } else {
        HierarchicalDrf::new(AllocatorConfig {
            weights: weights.clone(),
            ..config()
        })
    };
    allocator.add_framework(&fw("A"), &roles(&["r1"]), &[], true);
    allocator.add_framework(&fw("B"), &roles(&["r2"]), &[], true);
    add_agents(&mut allocator, 6, "cpus:1;mem:1024");
    if via_update {
        allocator.update_weights(&weights);
    }
    let allocations = allocator.allocate(Instant::now());
    (count_for(&allocations, "A"), count_for(&allocations, "B"))
}

#[test]
fn weights_shift_the_order() {
    assert_eq!(weighted_split(&[], false), (3, 3));
    assert_eq!(weighted_split(&[("r1", 2.0)], false), (4, 2));
    assert_eq!(weighted_split(&[("r1", 2.0)], true), (4, 2));
    assert_eq!(weighted_split(&[("r2", 5.0)], true), (1, 5));
    // Invalid weights are ignored.
    assert_eq!(weighted_split(&[("r1", 0.0), ("r2", -1.0)], true), (3, 3));

    let mut allocator = HierarchicalDrf::new(AllocatorConfig {
        weights: BTreeMap::from([("r".to_owned(), 4.0)]),
        ..config()
    });
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus:1;mem:1024"), &[]);
    allocator.allocate(Instant::now());
    assert_eq!(allocator.role_weight("r"), 4.0);
    assert_eq!(allocator.role_share("r"), 0.25);
    assert_eq!(allocator.framework_share(&fw("A")), 1.0);
}

#[test]
fn declined_offer_is_filtered_until_the_filter_expires() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus:4;mem:4096"), &[]);
    let t0 = Instant::now();
    let offers = allocator.allocate(t0);
    assert_eq!(offers.len(), 1);
    let offer = &offers[0];
    allocator.recover_resources_at(
        &offer.framework,
        &offer.agent,
        &offer.resources,
        Some(Duration::from_secs(5)),
        t0,
    );
    assert_eq!(allocator.filter_count(), 1);
    assert_eq!(allocator.metrics().offer_filters_active["r"], 1);
    assert!(allocator.allocate(t0 + Duration::from_secs(1)).is_empty());
    assert!(
        allocator
            .allocate(t0 + Duration::from_millis(4_999))
            .is_empty()
    );
    let again = allocator.allocate(t0 + Duration::from_secs(5));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].resources, offer.resources);
    // The expired filter was dropped.
    assert_eq!(allocator.filter_count(), 0);
}

#[test]
fn filter_lasts_at_least_the_allocation_interval() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus:4;mem:4096"), &[]);
    let t0 = Instant::now();
    let offers = allocator.allocate(t0);
    let offer = &offers[0];
    allocator.recover_resources_at(
        &offer.framework,
        &offer.agent,
        &offer.resources,
        Some(Duration::from_millis(100)),
        t0,
    );
    assert!(
        allocator
            .allocate(t0 + Duration::from_millis(500))
            .is_empty()
    );
    assert_eq!(allocator.allocate(t0 + Duration::from_secs(1)).len(), 1);
}

#[test]
fn refuse_durations_follow_mesos() {
    assert_eq!(refuse_filter(None), Some(DEFAULT_REFUSE));
    assert_eq!(refuse_filter(Some(-1.0)), Some(DEFAULT_REFUSE));
    assert_eq!(refuse_filter(Some(f64::NAN)), Some(DEFAULT_REFUSE));
    assert_eq!(refuse_filter(Some(0.0)), None);
    assert_eq!(refuse_filter(Some(2.5)), Some(Duration::from_millis(2_500)));
    assert_eq!(refuse_filter(Some(1e12)), Some(MAX_REFUSE));
    assert_eq!(refuse_filter(Some(f64::INFINITY)), Some(MAX_REFUSE));

    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus:4;mem:4096"), &[]);
    let t0 = Instant::now();
    // Zero: no filter.
    let offers = allocator.allocate(t0);
    allocator.recover_resources_at(
        &offers[0].framework,
        &offers[0].agent,
        &offers[0].resources,
        Some(Duration::ZERO),
        t0,
    );
    assert_eq!(allocator.filter_count(), 0);
    // More than 365 days: 365 days.
    let offers = allocator.allocate(t0);
    assert_eq!(offers.len(), 1);
    allocator.recover_resources_at(
        &offers[0].framework,
        &offers[0].agent,
        &offers[0].resources,
        Some(Duration::from_secs(1000 * 24 * 3600)),
        t0,
    );
    assert!(
        allocator
            .allocate(t0 + MAX_REFUSE - Duration::from_secs(1))
            .is_empty()
    );
    assert_eq!(allocator.allocate(t0 + MAX_REFUSE).len(), 1);
}

#[test]
fn filter_does_not_block_a_larger_offer_or_other_frameworks() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus:4;mem:4096"), &[]);
    let t0 = Instant::now();
    let offers = allocator.allocate(t0);
    let offer = &offers[0];
    // A launches a task on cpus:1;mem:1024 and declines the rest for an hour.
    let used = allocated("cpus:1;mem:1024", "r");
    let rest = &offer.resources - &used;
    allocator.recover_resources_at(
        &fw("A"),
        &agent("a0"),
        &rest,
        Some(Duration::from_secs(3600)),
        t0,
    );
    assert!(allocator.allocate(t0 + Duration::from_secs(2)).is_empty());
    // The task ends: cpus:4;mem:4096 is more than the filter covers.
    allocator.recover_resources_at(&fw("A"), &agent("a0"), &used, None, t0);
    let offers = allocator.allocate(t0 + Duration::from_secs(2));
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].resources, allocated("cpus:4;mem:4096", "r"));

    // Declined again; the filter of A does not keep B, in the same role, from the agent.
    allocator.recover_resources_at(
        &fw("A"),
        &agent("a0"),
        &offers[0].resources,
        Some(Duration::from_secs(3600)),
        t0,
    );
    allocator.add_framework(&fw("B"), &roles(&["r"]), &[], true);
    let offers = allocator.allocate(t0 + Duration::from_secs(3));
    assert_eq!(who(&offers), vec![("B".to_owned(), "r".to_owned())]);
}

#[test]
fn suppress_and_revive() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r1"]), &[], true);
    allocator.add_framework(&fw("B"), &roles(&["r2"]), &[], true);
    add_agents(&mut allocator, 2, "cpus:1;mem:1024");
    allocator.suppress_offers(&fw("A"), &[]);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(count_for(&offers, "A"), 0);
    assert_eq!(count_for(&offers, "B"), 2);
    recover_all(&mut allocator, &offers);

    allocator.revive_offers(&fw("A"), &[]);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(count_for(&offers, "A"), 1);
    assert_eq!(count_for(&offers, "B"), 1);

    // A declines with a long filter; REVIVE clears it.
    let t0 = Instant::now();
    for offer in &offers {
        let refuse = (offer.framework.value == "A").then_some(Duration::from_secs(3600));
        allocator.recover_resources_at(
            &offer.framework,
            &offer.agent,
            &offer.resources,
            refuse,
            t0,
        );
    }
    allocator.suppress_offers(&fw("B"), &[]);
    // A only gets the agent it did not decline.
    let offers = allocator.allocate(t0);
    assert_eq!(who(&offers), vec![("A".to_owned(), "r1".to_owned())]);
    assert!(allocator.allocate(t0).is_empty());
    allocator.revive_offers(&fw("A"), &roles(&["r1"]));
    assert_eq!(allocator.filter_count(), 0);
    let offers = allocator.allocate(t0);
    assert_eq!(who(&offers), vec![("A".to_owned(), "r1".to_owned())]);
}

#[test]
fn suppressed_roles_at_subscription_and_per_role() {
    let mut allocator = drf();
    allocator.add_framework(&fw("M"), &roles(&["r1", "r2"]), &roles(&["r1"]), true);
    add_agents(&mut allocator, 2, "cpus:1;mem:1024");
    let offers = allocator.allocate(Instant::now());
    assert!(offers.iter().all(|o| o.role == "r2"));
    assert_eq!(offers.len(), 2);
    recover_all(&mut allocator, &offers);
    allocator.suppress_offers(&fw("M"), &roles(&["r2"]));
    assert!(allocator.allocate(Instant::now()).is_empty());
    allocator.revive_offers(&fw("M"), &roles(&["r1"]));
    let offers = allocator.allocate(Instant::now());
    assert!(offers.iter().all(|o| o.role == "r1"));
    assert_eq!(offers.len(), 2);
}

#[test]
fn inactive_frameworks_get_no_offers() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], false);
    allocator.add_agent(&agent("a0"), res("cpus:1;mem:1024"), &[]);
    assert!(allocator.allocate(Instant::now()).is_empty());
    allocator.activate_framework(&fw("A"));
    let t0 = Instant::now();
    let offers = allocator.allocate(t0);
    assert_eq!(offers.len(), 1);
    allocator.recover_resources_at(
        &fw("A"),
        &agent("a0"),
        &offers[0].resources,
        Some(Duration::from_secs(60)),
        t0,
    );
    allocator.deactivate_framework(&fw("A"));
    assert!(allocator.allocate(t0).is_empty());
    assert_eq!(allocator.metrics().active_frameworks, 0);
    // Its filters stay (by default) ...
    allocator.activate_framework(&fw("A"));
    assert!(allocator.allocate(t0).is_empty());
    assert_eq!(allocator.filter_count(), 1);

    // ... unless configured as in Mesos.
    let mut allocator = HierarchicalDrf::new(AllocatorConfig {
        clear_filters_on_deactivate: true,
        ..config()
    });
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus:1;mem:1024"), &[]);
    let offers = allocator.allocate(t0);
    allocator.recover_resources_at(
        &fw("A"),
        &agent("a0"),
        &offers[0].resources,
        Some(Duration::from_secs(60)),
        t0,
    );
    allocator.deactivate_framework(&fw("A"));
    allocator.activate_framework(&fw("A"));
    assert_eq!(allocator.allocate(t0).len(), 1);
}

#[test]
fn removed_agents_and_frameworks() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    add_agents(&mut allocator, 2, "cpus:2;mem:2048");
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers.len(), 2);
    assert_eq!(allocator.framework_share(&fw("A")), 1.0);

    // Removing an agent drops what was allocated on it, and its total.
    allocator.remove_agent(&agent("a0"));
    assert_eq!(allocator.metrics().total["cpus"], 2.0);
    assert_eq!(allocator.metrics().offered_or_allocated["cpus"], 2.0);
    assert_eq!(allocator.framework_share(&fw("A")), 1.0);
    // Recovering from a removed agent is ignored.
    allocator.recover_resources(&fw("A"), &agent("a0"), &offers[0].resources, None);

    // Removing a framework gives its resources back, to B.
    allocator.add_framework(&fw("B"), &roles(&["r"]), &[], true);
    assert!(allocator.allocate(Instant::now()).is_empty());
    allocator.remove_framework(&fw("A"));
    assert_eq!(allocator.metrics().offered_or_allocated["cpus"], 0.0);
    assert_eq!(allocator.framework_share(&fw("A")), 0.0);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(who(&offers), vec![("B".to_owned(), "r".to_owned())]);
    assert_eq!(offers[0].agent, agent("a1"));
    // Recovering for a removed framework is ignored.
    allocator.recover_resources(&fw("A"), &agent("a1"), &offers[0].resources, None);
    assert_eq!(allocator.metrics().offered_or_allocated["cpus"], 2.0);

    // The role goes away with its last framework.
    allocator.remove_framework(&fw("B"));
    assert!(allocator.metrics().role_shares.is_empty());
    assert_eq!(
        allocator.available(&agent("a1")),
        Some(&res("cpus:2;mem:2048"))
    );
}

#[test]
fn deactivated_agents_are_not_offered() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    add_agents(&mut allocator, 2, "cpus:2;mem:2048");
    allocator.deactivate_agent(&agent("a0"));
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].agent, agent("a1"));
    // It still counts in the totals.
    assert_eq!(allocator.framework_share(&fw("A")), 0.5);
    allocator.activate_agent(&agent("a0"));
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].agent, agent("a0"));
}

#[test]
fn resources_come_back_when_tasks_end() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(
        &agent("a0"),
        res("cpus:4;mem:4096;ports:[31000-32000]"),
        &[],
    );
    let offers = allocator.allocate(Instant::now());
    // A launches two tasks and gives the rest back without a filter.
    let task1 = allocated("cpus:1;mem:1024;ports:[31000-31000]", "r");
    let task2 = allocated("cpus:2;mem:1024", "r");
    let rest = &(&offers[0].resources - &task1) - &task2;
    allocator.recover_resources(&fw("A"), &agent("a0"), &rest, None);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].resources, rest);
    allocator.recover_resources(&fw("A"), &agent("a0"), &offers[0].resources, None);
    // Task 1 ends.
    allocator.recover_resources(&fw("A"), &agent("a0"), &task1, None);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers[0].resources, &rest + &task1);
    allocator.recover_resources(&fw("A"), &agent("a0"), &offers[0].resources, None);
    // Task 2 ends, reported without allocation_info: it is found in A's allocation.
    allocator.recover_resources(&fw("A"), &agent("a0"), &res("cpus:2;mem:1024"), None);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(
        offers[0].resources,
        allocated("cpus:4;mem:4096;ports:[31000-32000]", "r")
    );
    // Recovering more than is allocated is ignored.
    allocator.recover_resources(&fw("A"), &agent("a0"), &allocated("cpus:64", "r"), None);
    assert_eq!(allocator.framework_share(&fw("A")), 1.0);
}

#[test]
fn multi_role_frameworks_are_offered_in_each_role() {
    let mut allocator = drf();
    allocator.add_framework(&fw("M"), &roles(&["r1", "r2"]), &[], true);
    allocator.add_agent(
        &agent("a0"),
        res("cpus:2;mem:1024;cpus(r2):2;mem(r2):1024"),
        &[],
    );
    let offers = allocator.allocate(Instant::now());
    // r1 (the smaller name at equal shares) takes the unreserved part; r2 its reservation.
    assert_eq!(
        who(&offers),
        vec![
            ("M".to_owned(), "r1".to_owned()),
            ("M".to_owned(), "r2".to_owned())
        ]
    );
    assert_eq!(offers[0].resources, allocated("cpus:2;mem:1024", "r1"));
    assert_eq!(
        offers[1].resources,
        allocated("cpus(r2):2;mem(r2):1024", "r2")
    );
    assert_eq!(allocator.framework_share(&fw("M")), 1.0);
    assert_eq!(allocator.role_share("r1"), 0.5);

    // The framework shows up in both roles' sorters: another framework in r1 competes only
    // with M's r1 share.
    recover_all(&mut allocator, &offers);
    allocator.add_framework(&fw("N"), &roles(&["r1"]), &[], true);
    allocator.recover_resources(&fw("M"), &agent("a0"), &allocated("cpus:1", "r1"), None);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers.len(), 2);
    assert!(offers.iter().any(|o| o.role == "r1"));
    assert!(
        offers
            .iter()
            .any(|o| o.role == "r2" && o.framework == fw("M"))
    );

    // Dropping r2 in UPDATE_FRAMEWORK: what M holds there stays until recovered, but no more
    // offers come in r2.
    allocator.update_framework(&fw("M"), &roles(&["r1"]), &[]);
    assert!(allocator.role_share("r2") > 0.0);
    let r2 = offers.iter().find(|o| o.role == "r2").unwrap();
    allocator.recover_resources(&r2.framework, &r2.agent, &r2.resources, None);
    assert!(!allocator.metrics().role_shares.contains_key("r2"));
    assert!(allocator.allocate(Instant::now()).is_empty());
}

#[test]
fn reservations_go_only_to_their_role() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r1"]), &[], true);
    allocator.add_framework(&fw("B"), &roles(&["r2"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus(r1):4;mem(r1):4096"), &[]);
    allocator.add_agent(&agent("a1"), res("cpus(r1):4;mem(r1):4096"), &[]);
    let offers = allocator.allocate(Instant::now());
    // B has the lower share after A's first agent, but cannot use r1's reservations.
    assert_eq!(count_for(&offers, "A"), 2);
    assert_eq!(count_for(&offers, "B"), 0);

    // A child role may use its ancestors' reservations; hierarchical names work as names.
    let mut allocator = drf();
    allocator.add_framework(&fw("C"), &roles(&["eng/spark"]), &[], true);
    allocator.add_framework(&fw("D"), &roles(&["other"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus(eng):4;mem(eng):4096"), &[]);
    allocator.add_agent(&agent("a1"), res("cpus(other/x):4;mem(other/x):4096"), &[]);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(who(&offers), vec![("C".to_owned(), "eng/spark".to_owned())]);
    assert!(allocator.role_share("eng/spark") > 0.0);
}

#[test]
fn min_allocatable_resources() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("small"), res("cpus:0.005;mem:16;disk:100"), &[]);
    assert!(allocator.allocate(Instant::now()).is_empty());
    // Any one of cpus:0.01 or mem:32 suffices.
    allocator.add_agent(&agent("cpu-only"), res("cpus:0.01"), &[]);
    allocator.add_agent(&agent("mem-only"), res("mem:32"), &[]);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers.len(), 2);
    assert!(offers.iter().all(|o| o.agent != agent("small")));

    // A configured minimum: both of cpus:1 and mem:1024, or ports:100.
    let min = parse_min_allocatable_resources("cpus:1;mem:1024|ports:100").unwrap();
    let mut allocator = HierarchicalDrf::new(AllocatorConfig {
        min_allocatable_resources: min,
        ..config()
    });
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus:2;mem:512"), &[]);
    allocator.add_agent(&agent("a1"), res("cpus:2;mem:512;ports:[1-100]"), &[]);
    allocator.add_agent(&agent("a2"), res("cpus:1;mem:1024"), &[]);
    let mut offered: Vec<String> = allocator
        .allocate(Instant::now())
        .iter()
        .map(|o| o.agent.value.clone())
        .collect();
    offered.sort();
    assert_eq!(offered, vec!["a1".to_owned(), "a2".to_owned()]);

    // No minimum: anything non-empty.
    let mut allocator = HierarchicalDrf::new(AllocatorConfig {
        min_allocatable_resources: Vec::new(),
        ..config()
    });
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("disk:1"), &[]);
    assert_eq!(allocator.allocate(Instant::now()).len(), 1);
}

#[test]
fn parses_min_allocatable_resources() {
    assert_eq!(
        parse_min_allocatable_resources(DEFAULT_MIN_ALLOCATABLE_RESOURCES).unwrap(),
        AllocatorConfig::default().min_allocatable_resources
    );
    assert_eq!(
        parse_min_allocatable_resources("cpus:1;mem:0|disk:5").unwrap(),
        vec![
            ResourceQuantities::from([("cpus".to_owned(), 1.0)]),
            ResourceQuantities::from([("disk".to_owned(), 5.0)]),
        ]
    );
    assert!(parse_min_allocatable_resources("cpus").is_err());
    assert!(parse_min_allocatable_resources("cpus:1:2").is_err());
    assert!(parse_min_allocatable_resources("cpus:-1").is_err());
    assert!(parse_min_allocatable_resources("ports:[1-2]").is_err());
    assert_eq!(parse_min_allocatable_resources("").unwrap(), vec![]);
}

fn seeded_run(seed: u64) -> Vec<String> {
    let mut allocator = HierarchicalDrf::new(AllocatorConfig {
        seed: Some(seed),
        ..AllocatorConfig::default()
    });
    for (i, role) in ["r1", "r2", "r3"].iter().enumerate() {
        allocator.add_framework(&fw(&format!("f{i}")), &roles(&[role]), &[], true);
    }
    add_agents(&mut allocator, 50, "cpus:4;mem:4096");
    let mut trace = Vec::new();
    for _ in 0..3 {
        let offers = allocator.allocate(Instant::now());
        trace.extend(
            offers
                .iter()
                .map(|o| format!("{}@{}", o.framework.value, o.agent.value)),
        );
        recover_all(&mut allocator, &offers);
    }
    trace
}

#[test]
fn seeded_runs_are_deterministic() {
    assert_eq!(seeded_run(42), seeded_run(42));
    assert_ne!(seeded_run(42), seeded_run(43));
    assert_eq!(seeded_run(42).len(), 150);
}

#[test]
fn used_resources_of_frameworks_added_later() {
    let mut allocator = drf();
    // The agent reregisters with a task of F before F resubscribes.
    allocator.add_agent(
        &agent("a0"),
        res("cpus:4;mem:4096"),
        &[(fw("F"), allocated("cpus:1;mem:1024", "r"))],
    );
    assert_eq!(
        allocator.available(&agent("a0")),
        Some(&res("cpus:3;mem:3072"))
    );
    assert_eq!(allocator.metrics().frameworks, 0);
    assert_eq!(allocator.role_share("r"), 0.25);
    allocator.add_framework(&fw("F"), &roles(&["r"]), &[], true);
    assert_eq!(allocator.framework_share(&fw("F")), 0.25);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers[0].resources, allocated("cpus:3;mem:3072", "r"));
    allocator.recover_resources(
        &fw("F"),
        &agent("a0"),
        &allocated("cpus:1;mem:1024", "r"),
        None,
    );
    assert_eq!(allocator.framework_share(&fw("F")), 0.75);

    // A placeholder is forgotten once its resources come back.
    let mut allocator = drf();
    allocator.add_agent(
        &agent("a0"),
        res("cpus:4;mem:4096"),
        &[(fw("G"), allocated("cpus:1;mem:1024", "r"))],
    );
    allocator.recover_resources(
        &fw("G"),
        &agent("a0"),
        &allocated("cpus:1;mem:1024", "r"),
        None,
    );
    assert!(allocator.metrics().role_shares.is_empty());
    assert_eq!(
        allocator.available(&agent("a0")),
        Some(&res("cpus:4;mem:4096"))
    );
}

#[test]
fn reregistering_agent_replaces_the_old_one() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus:4;mem:4096"), &[]);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers.len(), 1);
    allocator.add_agent(
        &agent("a0"),
        res("cpus:8;mem:8192"),
        &[(fw("A"), allocated("cpus:2;mem:2048", "r"))],
    );
    assert_eq!(allocator.metrics().total["cpus"], 8.0);
    assert_eq!(allocator.framework_share(&fw("A")), 0.25);
    let offers = allocator.allocate(Instant::now());
    assert_eq!(offers[0].resources, allocated("cpus:6;mem:6144", "r"));
}

#[test]
fn excluded_resources_do_not_count_in_shares() {
    let mut allocator = HierarchicalDrf::new(AllocatorConfig {
        fair_sharing_excluded_resource_names: ["gpus".to_owned()].into(),
        ..config()
    });
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(
        &agent("a0"),
        res("cpus:4;mem:4096;gpus:1"),
        &[(fw("A"), allocated("cpus:1;mem:1024;gpus:1", "r"))],
    );
    assert_eq!(allocator.role_share("r"), 0.25);
}

#[test]
fn metrics_report_totals_and_runs() {
    let mut allocator = drf();
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    add_agents(&mut allocator, 2, "cpus:2;mem:2048;ports:[31000-32000]");
    allocator.allocate(Instant::now());
    let metrics = allocator.metrics();
    assert_eq!(metrics.allocation_runs, 1);
    assert_eq!(metrics.total["cpus"], 4.0);
    assert_eq!(metrics.total["mem"], 4096.0);
    assert!(!metrics.total.contains_key("ports"));
    assert_eq!(metrics.offered_or_allocated["mem"], 4096.0);
    assert_eq!(metrics.role_shares["r"], 1.0);
    assert_eq!((metrics.agents, metrics.active_agents), (2, 2));
    assert_eq!((metrics.frameworks, metrics.active_frameworks), (1, 1));
}

#[test]
fn the_allocator_is_usable_as_a_trait_object() {
    let mut allocator: Box<dyn Allocator> = Box::new(drf());
    allocator.add_framework(&fw("A"), &roles(&["r"]), &[], true);
    allocator.add_agent(&agent("a0"), res("cpus:1;mem:1024"), &[]);
    assert_eq!(allocator.allocate(Instant::now()).len(), 1);
}

/// Random calls, with the books checked after each one.
#[test]
fn random_calls_keep_the_books_straight() {
    use super::rng::Rng;

    const ROLES: [&str; 5] = ["r1", "r2", "eng", "eng/spark", "*"];
    const AGENTS: [&str; 3] = [
        "cpus:4;mem:4096;ports:[31000-31009]",
        "cpus:2;mem:2048;cpus(r1):2;mem(r1):1024;disk(eng):100",
        "cpus:8;mem:512;gpus:1",
    ];
    let mut offered = 0;
    for seed in 0..20 {
        let mut rng = Rng::new(Some(seed));
        let mut allocator = HierarchicalDrf::new(AllocatorConfig {
            seed: Some(seed),
            ..AllocatorConfig::default()
        });
        let mut outstanding: Vec<Allocation> = Vec::new();
        let t0 = Instant::now();
        let pick_roles = |rng: &mut Rng| -> Vec<String> {
            ROLES
                .iter()
                .filter(|_| rng.below(3) == 0)
                .map(|role| (*role).to_owned())
                .collect()
        };
        for step in 0..400 {
            let now = t0 + Duration::from_millis(100 * step);
            let f = fw(&format!("f{}", rng.below(5)));
            let a = agent(&format!("a{}", rng.below(6)));
            let op = rng.below(14);
            match op {
                0 => {
                    let roles = pick_roles(&mut rng);
                    let suppressed: Vec<String> = roles
                        .iter()
                        .filter(|_| rng.below(4) == 0)
                        .cloned()
                        .collect();
                    allocator.add_framework(&f, &roles, &suppressed, rng.below(4) != 0);
                }
                1 => {
                    let roles = pick_roles(&mut rng);
                    allocator.update_framework(&f, &roles, &[]);
                }
                2 => allocator.activate_framework(&f),
                3 => allocator.deactivate_framework(&f),
                4 => {
                    allocator.remove_framework(&f);
                    outstanding.retain(|o| o.framework != f);
                }
                5 => {
                    let total = res(AGENTS[rng.below(AGENTS.len())]);
                    let used = if rng.below(2) == 0 {
                        let role = ROLES[rng.below(ROLES.len())];
                        vec![(f.clone(), allocated("cpus:1;mem:256", role))]
                    } else {
                        Vec::new()
                    };
                    allocator.add_agent(&a, total, &used);
                    outstanding.retain(|o| o.agent != a);
                }
                6 => {
                    allocator.remove_agent(&a);
                    outstanding.retain(|o| o.agent != a);
                }
                7 => {
                    if rng.below(2) == 0 {
                        allocator.deactivate_agent(&a);
                    } else {
                        allocator.activate_agent(&a);
                    }
                }
                8 => {
                    let role = ROLES[rng.below(ROLES.len())];
                    let weight = [0.5, 1.0, 3.0][rng.below(3)];
                    allocator.update_weights(&BTreeMap::from([(role.to_owned(), weight)]));
                }
                9 => allocator.suppress_offers(&f, &pick_roles(&mut rng)),
                10 => allocator.revive_offers(&f, &pick_roles(&mut rng)),
                11 | 12 => {
                    let allocations = allocator.allocate(now);
                    offered += allocations.len();
                    outstanding.extend(allocations);
                }
                _ => {
                    if outstanding.is_empty() {
                        continue;
                    }
                    let offer = outstanding.swap_remove(rng.below(outstanding.len()));
                    let refuse =
                        [None, Some(Duration::from_secs(1)), Some(Duration::ZERO)][rng.below(3)];
                    if rng.below(2) == 0 {
                        // In two parts: the scalars, then the rest.
                        let scalars = offer.resources.scalars();
                        let rest = &offer.resources - &scalars;
                        for part in [scalars, rest] {
                            allocator.recover_resources_at(
                                &offer.framework,
                                &offer.agent,
                                &part,
                                refuse,
                                now,
                            );
                        }
                    } else {
                        allocator.recover_resources_at(
                            &offer.framework,
                            &offer.agent,
                            &offer.resources,
                            refuse,
                            now,
                        );
                    }
                }
            }
            if let Err(error) = allocator.check_invariants() {
                panic!("seed {seed}, step {step}, op {op}: {error}");
            }
        }
        // Everything given back and every framework gone: the agents are whole again.
        for offer in std::mem::take(&mut outstanding) {
            allocator.recover_resources(&offer.framework, &offer.agent, &offer.resources, None);
        }
        for i in 0..5 {
            allocator.remove_framework(&fw(&format!("f{i}")));
        }
        allocator.check_invariants().unwrap();
        let metrics = allocator.metrics();
        assert!(
            metrics.offered_or_allocated.values().all(|v| *v == 0.0),
            "seed {seed}: {metrics:?}"
        );
        assert!(metrics.role_shares.is_empty());
        assert_eq!(metrics.frameworks, 0);
    }
    // The runs did allocate (a few hundred offers).
    assert!(offered > 200, "{offered} offers");
}

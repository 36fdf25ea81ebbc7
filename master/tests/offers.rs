//! Offers from the real `mesos-master`: DRF order between roles, weights, declines with refuse
//! filters, REVIVE and SUPPRESS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use mesos_api::v1::scheduler::{Call, EventType};
use mesos_api::v1::{AgentId, Offer};
use support::*;

/// Waits for the offer of `agent` to reach one of the frameworks; returns which one.
async fn offered_to<'a>(
    frameworks: &[&'a TestFramework],
    agent: &AgentId,
) -> (&'a TestFramework, Offer) {
    let mut found = None;
    eventually(&format!("an offer of {agent}"), || {
        let hit = frameworks.iter().find_map(|f| {
            f.events
                .all()
                .iter()
                .filter_map(|e| e.offers.as_ref())
                .flat_map(|o| o.offers.iter())
                .find(|o| o.agent_id == *agent)
                .cloned()
                .map(|offer| (*f, offer))
        });
        let done = hit.is_some();
        if done {
            found = hit;
        }
        async move { done }
    })
    .await;
    let (framework, offer) = found.unwrap();
    // Take it from the framework's pending events too, so later waits see only newer offers.
    let taken = framework.next_offer_on(agent).await;
    assert_eq!(taken.id, offer.id);
    (framework, offer)
}

/// Three agents: a big one while only `a` is subscribed, then two small ones with both `a` and
/// `b` subscribed. Returns who got the third agent.
async fn third_agent_goes_to(master: &MasterProcess) -> String {
    let a = TestFramework::subscribe(master.address(), framework_in_role("fa", "a")).await;
    let big = TestAgent::register(master, "big", "cpus:8;mem:8192").await;
    let offer = a.next_offer_on(&big.id()).await;
    assert_eq!(offer.framework_id, a.id());
    assert_eq!(scalar(&offer, "cpus"), 8.0);

    let b = TestFramework::subscribe(master.address(), framework_in_role("fb", "b")).await;
    // `b` holds nothing: it has the lowest dominant share and gets the next agent.
    let small1 = TestAgent::register(master, "small1", "cpus:1;mem:1024").await;
    let (got, offer) = offered_to(&[&a, &b], &small1.id()).await;
    assert_eq!(
        got.id(),
        b.id(),
        "the framework with the lower share gets the agent"
    );
    assert_eq!(offer.framework_id, b.id());

    // Offers held count as allocated: `a` holds 8/10 of the cluster, `b` 1/10.
    let small2 = TestAgent::register(master, "small2", "cpus:1;mem:1024").await;
    let (got, _) = offered_to(&[&a, &b], &small2.id()).await;
    if got.id() == a.id() {
        "a".to_owned()
    } else {
        "b".to_owned()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn offers_follow_drf_order_between_roles() {
    let master = MasterProcess::start(FAST).await;
    assert_eq!(third_agent_goes_to(&master).await, "b");
}

#[tokio::test(flavor = "multi_thread")]
async fn weights_shift_drf_order() {
    // With weight 10, `a`'s 8/10 counts as 0.08, less than `b`'s 0.1.
    let master = MasterProcess::start(&["--allocation_interval=50ms", "--weights=a=10"]).await;
    assert_eq!(third_agent_goes_to(&master).await, "a");
}

#[tokio::test(flavor = "multi_thread")]
async fn offers_carry_the_agent_and_the_framework_role() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_in_role("f", "dev")).await;
    let agent = TestAgent::register(&master, "host1", "cpus:2;mem:1024;ports:[31000-32000]").await;
    let offer = framework.next_offer().await;
    assert_eq!(offer.agent_id, agent.id());
    assert_eq!(offer.framework_id, framework.id());
    assert_eq!(offer.hostname, "host1");
    assert!(
        offer.id.value.contains("-O"),
        "offer ids are <master id>-O<n>: {}",
        offer.id
    );
    let url = offer.url.as_ref().expect("offer url");
    assert_eq!(url.scheme, "http");
    assert_eq!(url.address.port, 5051);
    assert_eq!(url.path.as_deref(), Some("/slave(1)"));
    // Not MULTI_ROLE: no allocation_info anywhere.
    assert!(offer.allocation_info.is_none());
    assert!(offer.resources.iter().all(|r| r.allocation_info.is_none()));
    assert_eq!(scalar(&offer, "cpus"), 2.0);
    assert_eq!(scalar(&offer, "mem"), 1024.0);

    // A MULTI_ROLE framework sees the role it is offered for.
    let mut info = framework_info("multi");
    info.roles = vec!["analytics".to_owned()];
    let multi = TestFramework::subscribe(
        master.address(),
        with_capability(info, mesos_api::v1::FrameworkCapabilityType::MultiRole),
    )
    .await;
    let agent2 = TestAgent::register(&master, "host2", "cpus:1;mem:512").await;
    let offer = multi.next_offer_on(&agent2.id()).await;
    assert_eq!(
        offer
            .allocation_info
            .as_ref()
            .and_then(|a| a.role.as_deref()),
        Some("analytics")
    );
    assert!(offer.resources.iter().all(|r| {
        r.allocation_info.as_ref().and_then(|a| a.role.as_deref()) == Some("analytics")
    }));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_agent_goes_to_the_other_framework_until_revive() {
    let master = MasterProcess::start(FAST).await;
    let one = TestFramework::subscribe(master.address(), framework_info("one")).await;
    let two = TestFramework::subscribe(master.address(), framework_info("two")).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:2048").await;

    let (first, offer) = offered_to(&[&one, &two], &agent.id()).await;
    let second = if first.id() == one.id() { &two } else { &one };
    first.decline(&offer.id, 3600.0).await;
    let offers_before = first.count(EventType::Offers);

    // The agent is offered to the other framework, not again to the one that refused it.
    let offer = second.next_offer_on(&agent.id()).await;
    assert_eq!(scalar(&offer, "cpus"), 2.0);
    second.decline(&offer.id, 3600.0).await;
    assert_eq!(
        first.count(EventType::Offers),
        offers_before,
        "the refusing framework got an offer while its filter holds"
    );

    // REVIVE clears the filter.
    first.must(Call::revive(first.id(), vec![])).await;
    let offer = first.next_offer_on(&agent.id()).await;
    assert_eq!(scalar(&offer, "cpus"), 2.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decline_without_a_filter_is_offered_again() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("f")).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:2048").await;
    let offer = framework.next_offer_on(&agent.id()).await;
    framework.decline(&offer.id, 0.0).await;
    let again = framework.next_offer_on(&agent.id()).await;
    assert_ne!(again.id, offer.id, "a new offer id");
    // An offer can be used once: declining it again is ignored, accepting it is refused.
    framework.decline(&offer.id, 0.0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn suppress_stops_offers_and_revive_resumes_them() {
    let master = MasterProcess::start(FAST).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("f")).await;
    framework.must(Call::suppress(framework.id(), vec![])).await;
    let other = TestFramework::subscribe(master.address(), framework_info("other")).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:2048").await;
    // Only the framework that did not suppress is offered the agent.
    let offer = other.next_offer_on(&agent.id()).await;
    other.decline(&offer.id, 3600.0).await;
    framework.must(Call::revive(framework.id(), vec![])).await;
    let offer = framework.next_offer_on(&agent.id()).await;
    assert_eq!(scalar(&offer, "cpus"), 2.0);
    assert_eq!(
        framework.count(EventType::Offers),
        1,
        "no offer while suppressed"
    );
    // As in Mesos, a SUPPRESS naming a role the framework does not have is accepted and
    // dropped: the framework still gets offers.
    framework
        .must(Call::suppress(framework.id(), vec!["nope".to_owned()]))
        .await;
    framework.decline(&offer.id, 0.0).await;
    framework.next_offer_on(&agent.id()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn offer_timeout_rescinds_offers() {
    let master =
        MasterProcess::start(&["--allocation_interval=50ms", "--offer_timeout=1secs"]).await;
    let framework = TestFramework::subscribe(master.address(), framework_info("f")).await;
    let agent = TestAgent::register(&master, "host", "cpus:2;mem:2048").await;
    let offer = framework.next_offer_on(&agent.id()).await;
    let rescind = framework.next(EventType::Rescind).await;
    assert_eq!(rescind.rescind.unwrap().offer_id, offer.id);
    // The resources come back without a filter.
    let again = framework.next_offer_on(&agent.id()).await;
    assert_ne!(again.id, offer.id);
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property tests for values, resources, attributes and constraints: parsers never panic, text
//! and JSON forms round-trip, and the arithmetic obeys its algebra.

use std::collections::BTreeSet;

use mesos_api::attributes::{Attribute, Attributes};
use mesos_api::constraints::{Constraint, Constraints};
use mesos_api::resources::{ReservationInfo, ReservationType, Resource, Resources};
use mesos_api::values::{self, Range, Ranges, Scalar, Set, Text, Value};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Text that is heavy in the characters the grammars care about.
fn grammar_text() -> impl Strategy<Value = String> {
    "[a-z0-9(){}\\[\\]:;,. *+/\\-\n\t]{0,40}"
}

/// Any string: grammar-heavy, arbitrary Unicode, or arbitrary bytes read as UTF-8.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        grammar_text(),
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..48)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

/// Scalars with up to three decimals, up to 10^9.
fn scalar() -> impl Strategy<Value = Scalar> {
    (0i64..1_000_000_000_000).prop_map(Scalar::from_millis)
}

/// A bound near either end of `u64`, so overflow at `u64::MAX` is exercised.
fn bound() -> impl Strategy<Value = u64> {
    prop_oneof![4 => 0u64..2_000, 1 => (u64::MAX - 2_000)..=u64::MAX]
}

fn raw_ranges() -> impl Strategy<Value = Ranges> {
    prop::collection::vec((bound(), 0u64..300), 0..6).prop_map(|pairs| Ranges {
        range: pairs
            .into_iter()
            .map(|(begin, len)| Range::new(begin, begin.saturating_add(len)))
            .collect(),
    })
}

fn ranges() -> impl Strategy<Value = Ranges> {
    raw_ranges().prop_map(|r| r.normalized())
}

/// Ranges over 0..64, for comparison with a `BTreeSet` model.
fn small_ranges() -> impl Strategy<Value = Ranges> {
    prop::collection::vec((0u64..64, 0u64..8), 0..5).prop_map(|pairs| Ranges {
        range: pairs
            .into_iter()
            .map(|(b, len)| Range::new(b, (b + len).min(63)))
            .collect(),
    })
}

fn model(ranges: &Ranges) -> BTreeSet<u64> {
    ranges.iter().flat_map(|r| r.begin..=r.end).collect()
}

fn item() -> impl Strategy<Value = String> {
    "[a-z0-9_.-]{1,5}"
}

fn set() -> impl Strategy<Value = Set> {
    prop::collection::vec(item(), 0..5).prop_map(Set::new)
}

/// Text that `values::parse` reads back as the same text.
fn text() -> impl Strategy<Value = Text> {
    "[a-z][a-z0-9_./-]{0,8}".prop_map(Text::new)
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        scalar().prop_map(Value::Scalar),
        ranges().prop_map(Value::Ranges),
        set().prop_map(Value::Set),
        text().prop_map(Value::Text),
    ]
}

fn role() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("*".to_owned()),
        2 => "[a-z]{1,5}",
        1 => "[a-z]{1,3}/[a-z]{1,3}",
    ]
}

/// A resource of the `--resources` domain. Names encode the type, so one name never has two
/// types.
fn resource() -> impl Strategy<Value = Resource> {
    let scalar_resource = (
        prop_oneof![
            Just("cpus".to_owned()),
            Just("mem".to_owned()),
            "s[a-z]{0,2}"
        ],
        scalar(),
    )
        .prop_map(|(name, s)| Resource::new_scalar(name, s.value));
    let ranges_resource = (
        prop_oneof![Just("ports".to_owned()), "r[a-z]{0,2}"],
        ranges(),
    )
        .prop_map(|(name, r)| Resource::new_ranges(name, r));
    let set_resource = (prop_oneof![Just("bugs".to_owned()), "t[a-z]{0,2}"], set())
        .prop_map(|(name, s)| Resource::new_set(name, s));
    (
        prop_oneof![scalar_resource, ranges_resource, set_resource],
        role(),
    )
        .prop_map(|(resource, role)| resource.reserved_to(role))
}

fn resources() -> impl Strategy<Value = Resources> {
    prop::collection::vec(resource(), 0..8).prop_map(Resources::from)
}

/// Resources that may be invalid in every way a JSON client could make them.
fn wild_resource() -> impl Strategy<Value = Resource> {
    let number = prop_oneof![
        any::<f64>(),
        Just(-1.0),
        Just(f64::MAX),
        Just(1e-9),
        (0.0..1e6f64),
    ];
    let kind = prop_oneof![
        number.prop_map(|v| Resource::new_scalar("cpus", v)),
        raw_ranges().prop_map(|r| Resource::new_ranges("ports", r)),
        prop::collection::vec(item(), 0..4)
            .prop_map(|items| Resource::new_set("bugs", Set { item: items })),
    ];
    (
        kind,
        prop::option::of("[a-z*/ .-]{0,4}"),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(mut resource, role, dynamic, revocable)| {
            match role {
                Some(role) if dynamic => resource.reservations.push(ReservationInfo {
                    kind: Some(ReservationType::Dynamic),
                    role: Some(role),
                    principal: Some("p".into()),
                    labels: None,
                }),
                Some(role) => resource.role = Some(role),
                None => {}
            }
            if revocable {
                resource.revocable = Some(Default::default());
            }
            resource
        })
}

fn attributes() -> impl Strategy<Value = Attributes> {
    prop::collection::vec(("[a-z][a-z0-9_]{0,6}", value()), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(name, value)| Attribute::new(name, value))
            .collect()
    })
}

fn constraints() -> impl Strategy<Value = Constraints> {
    prop::collection::vec(
        (
            "[a-z][a-z0-9_.-]{0,6}",
            prop::collection::btree_set(item(), 0..4),
        ),
        0..5,
    )
    .prop_map(|pairs| {
        let mut constraints = Constraints::new();
        for (attribute, values) in pairs {
            // Duplicate attribute names are rejected; keep the first.
            let _ = constraints.push(Constraint { attribute, values });
        }
        constraints
    })
}

/// The part of `b` that `a` does not already hold in ranges and sets; the scalars of `b` as
/// they are. With it, `(a + b) - b == a` holds (union is not invertible on overlaps).
fn disjoint_from(b: &Resources, a: &Resources) -> Resources {
    b.iter()
        .map(|resource| {
            let single = Resources::from(resource.clone());
            if resource.scalar.is_some() {
                single
            } else {
                &single - a
            }
        })
        .fold(Resources::new(), |total, part| total + part)
}

// ---------------------------------------------------------------------------------------------
// Parsers never panic
// ---------------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn parsers_never_panic(text in any_text(), role in any_text()) {
        let _ = values::parse(&text);
        let _ = text.parse::<Ranges>();
        let _ = text.parse::<Set>();
        let _ = text.parse::<Scalar>();
        let _ = Resources::parse(&text, &role);
        let _ = Resources::parse(&text, "*");
        let _ = Attributes::parse(&text);
        let _ = Constraints::parse(&text);
    }

    #[test]
    fn parsed_resources_are_valid(text in any_text()) {
        if let Ok(resources) = Resources::parse(&text, "*") {
            prop_assert!(mesos_api::resources::validate(resources.as_slice()).is_ok());
            prop_assert!(resources.iter().all(|r| !r.is_empty()));
        }
    }

    #[test]
    fn json_resources_never_panic(list in prop::collection::vec(wild_resource(), 0..6), role in "[a-z*]{0,3}") {
        let json = serde_json::to_string(&list).unwrap();
        if let Ok(resources) = Resources::parse(&json, &role) {
            prop_assert!(mesos_api::resources::validate(resources.as_slice()).is_ok());
        }
        // Arithmetic on unvalidated input drops the invalid parts and never panics.
        let all = Resources::from(list.clone());
        prop_assert!(mesos_api::resources::validate(all.as_slice()).is_ok());
        let twice = &all + &all;
        prop_assert!(twice.contains(&all));
        let _ = &all - &twice;
        let _ = mesos_api::resources::summary(&list);
        for resource in &list {
            let _ = resource.to_string();
            let _ = all.contains_resource(resource);
            let mut copy = resource.clone();
            let _ = copy.downgrade();
        }
    }

    #[test]
    fn constraint_matching_never_panics(text in any_text(), offered in attributes(), raw in any_text()) {
        if let Ok(constraints) = Constraints::parse(&text) {
            let _ = constraints.matches(offered.as_slice());
            let _ = constraints.to_string();
        }
        // Requirements that are not numbers against scalar and ranges attributes.
        let requirement = Constraint::new("x", [raw]);
        let _ = requirement.matches(Some(&Attribute::new("x", Value::Scalar(Scalar::new(3.0)))));
        let _ = requirement.matches(Some(&Attribute::new("x", Value::Ranges(Ranges::single(1, 5)))));
    }
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn value_display_round_trips(value in value()) {
        let text = value.to_string();
        prop_assert_eq!(values::parse(&text).unwrap(), value, "{}", text);
    }

    #[test]
    fn scalar_arithmetic_is_exact(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
        let (x, y) = (Scalar::from_millis(a), Scalar::from_millis(b));
        prop_assert_eq!((x + y).millis(), a + b);
        prop_assert_eq!((x - y).millis(), a - b);
        prop_assert_eq!(x + y - y, x);
        prop_assert_eq!(x < y, a < b);
        prop_assert_eq!(Scalar::new(x.value), x);
    }

    #[test]
    fn scalar_rounds_to_thousandths(v in 0.0..1e9f64) {
        prop_assert_eq!(Scalar::new(v).millis(), (v * 1000.0).round() as i64);
        let shown = Scalar::new(v).to_string();
        prop_assert!(shown.split('.').nth(1).is_none_or(|d| d.len() <= 3 && !d.ends_with('0')), "{}", shown);
    }

    #[test]
    fn ranges_match_a_set_model(a in small_ranges(), b in small_ranges()) {
        let (ma, mb) = (model(&a), model(&b));
        let union = &a + &b;
        let difference = &a - &b;
        prop_assert!(union.is_normalized() && difference.is_normalized());
        prop_assert_eq!(model(&union), &ma | &mb);
        prop_assert_eq!(model(&difference), &ma - &mb);
        prop_assert_eq!(a.contains(&b), mb.is_subset(&ma));
        prop_assert_eq!(a.len(), ma.len() as u64);
        prop_assert_eq!(a.values().collect::<BTreeSet<_>>(), ma.clone());
        prop_assert_eq!(a == b, ma == mb);
        prop_assert_eq!(a.contains_value(10), ma.contains(&10));
    }

    #[test]
    fn ranges_identities(a in raw_ranges(), b in raw_ranges()) {
        let union = &a + &b;
        let difference = &a - &b;
        prop_assert!(union.contains(&a) && union.contains(&b));
        prop_assert!(a.contains(&difference));
        prop_assert_eq!(&difference + &b, union.clone());
        prop_assert_eq!(&difference - &b, difference.clone());
        prop_assert_eq!(&union - &b, difference.clone());
        prop_assert!((&a - &a).is_empty());
        prop_assert_eq!(&a - &Ranges::default(), a.clone());
        prop_assert_eq!(union.len(), difference.len().saturating_add(b.len()));
        prop_assert!(a.normalized().validate().is_ok());
    }

    #[test]
    fn sets_match_a_set_model(a in set(), b in set()) {
        let ma: BTreeSet<String> = a.item.iter().cloned().collect();
        let mb: BTreeSet<String> = b.item.iter().cloned().collect();
        let to_model = |s: &Set| s.item.iter().cloned().collect::<BTreeSet<_>>();
        prop_assert_eq!(to_model(&(&a + &b)), &ma | &mb);
        prop_assert_eq!(to_model(&(&a - &b)), &ma - &mb);
        prop_assert_eq!(a.contains(&b), mb.is_subset(&ma));
        prop_assert!((&a + &b).validate().is_ok());
    }
}

#[test]
fn point_one_plus_point_two_is_point_three() {
    assert_eq!(Scalar::new(0.1) + Scalar::new(0.2), Scalar::new(0.3));
    assert_eq!((Scalar::new(0.1) + Scalar::new(0.2)).to_string(), "0.3");
    let sum = Resources::from(vec![
        Resource::new_scalar("cpus", 0.1),
        Resource::new_scalar("cpus", 0.2),
    ]);
    assert_eq!(sum.cpus(), Some(0.3));
    assert!(sum.contains(&Resources::from(Resource::new_scalar("cpus", 0.3))));
    let rest = &sum - &Resources::from(Resource::new_scalar("cpus", 0.3));
    assert!(rest.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn resources_text_round_trips(r in resources()) {
        let text = r.to_string();
        let back = Resources::parse(&text, "*").unwrap();
        prop_assert_eq!(&back, &r, "{}", text);
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn resources_json_round_trips(r in resources()) {
        let json = serde_json::to_string(&r).unwrap();
        let list: Vec<Resource> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(list.as_slice(), r.as_slice());
        prop_assert_eq!(Resources::parse(&json, "*").unwrap(), r.clone());
        let old: Vec<Resource> = r.to_pre_refinement().unwrap();
        let old_json = serde_json::to_string(&old).unwrap();
        prop_assert_eq!(Resources::parse(&old_json, "*").unwrap(), r);
    }

    #[test]
    fn resources_algebra(a in resources(), b in resources()) {
        let b = disjoint_from(&b, &a);
        let sum = &a + &b;
        prop_assert_eq!(&(&sum - &b), &a);
        prop_assert_eq!(&(&sum - &a), &b);
        prop_assert!(sum.contains(&a));
        prop_assert!(sum.contains(&b));
        prop_assert!(a.contains(&a));
        prop_assert_eq!(&sum, &(&b + &a));
        prop_assert!((&a - &a).is_empty());
    }

    #[test]
    fn resources_subtraction_never_grows(a in resources(), b in resources()) {
        let difference = &a - &b;
        prop_assert!(a.contains(&difference));
        prop_assert!(mesos_api::resources::validate(difference.as_slice()).is_ok());
        prop_assert!(difference.iter().all(|r| !r.is_empty()));
        prop_assert!((&a + &b).contains(&a));
        if a.contains(&b) {
            prop_assert_eq!(&(&difference + &b), &a);
        }
    }

    #[test]
    fn resources_totals(a in resources(), b in resources()) {
        let total = |r: &Resources| r.cpus().unwrap_or(0.0);
        let sum = &a + &b;
        prop_assert_eq!(Scalar::new(total(&sum)), Scalar::new(total(&a)) + Scalar::new(total(&b)));
        prop_assert_eq!(&(&a.unreserved() + &a.reserved(None)), &a);
        let summary = sum.summary();
        for key in ["cpus", "gpus", "mem", "disk"] {
            prop_assert!(summary.contains_key(key));
        }
        let mut allocated = a.clone();
        allocated.allocate("dev");
        prop_assert_eq!(allocated.allocations().get("dev").cloned().unwrap_or_default(), allocated.clone());
        allocated.unallocate();
        prop_assert_eq!(allocated, a);
    }
}

// ---------------------------------------------------------------------------------------------
// Attributes and constraints
// ---------------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn attributes_text_round_trips(a in attributes()) {
        let text = a.to_string();
        prop_assert_eq!(Attributes::parse(&text).unwrap(), a, "{}", text);
    }

    #[test]
    fn attributes_json_round_trips(a in attributes()) {
        let json = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(serde_json::from_str::<Attributes>(&json).unwrap(), a.clone());
        let object = a.to_json_object();
        prop_assert!(a.iter().all(|attribute| object.contains_key(&attribute.name)));
    }

    #[test]
    fn constraints_text_round_trips(c in constraints()) {
        let text = c.to_string();
        prop_assert_eq!(Constraints::parse(&text).unwrap(), c, "{}", text);
    }

    #[test]
    fn constraints_match_their_own_values(c in constraints()) {
        // An offer with a text attribute equal to one required value of each constraint.
        let offered: Vec<Attribute> = c
            .iter()
            .map(|constraint| {
                let value = constraint.values.iter().next().cloned().unwrap_or_else(|| "x".into());
                Attribute::new(constraint.attribute.clone(), Value::Text(Text::new(value)))
            })
            .collect();
        prop_assert!(c.matches(&offered));
        // Without the attributes nothing with a constraint matches.
        prop_assert_eq!(c.matches(&[]), c.is_empty());
        // A set holding every required value matches too.
        let as_sets: Vec<Attribute> = c
            .iter()
            .map(|constraint| Attribute::new(constraint.attribute.clone(), Value::Set(Set::new(constraint.values.clone()))))
            .collect();
        prop_assert!(c.matches(&as_sets));
    }
}

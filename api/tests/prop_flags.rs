//! Property tests of Mesos durations and flags: no input panics them, and what they print reads
//! back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mesos_api::duration::Duration;
use mesos_api::flags::{Flag, FlagSet, Parsed};
use proptest::prelude::*;

const UNITS: [(&str, i64); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("secs", 1_000_000_000),
    ("mins", 60_000_000_000),
    ("hrs", 3_600_000_000_000),
    ("days", 86_400_000_000_000),
    ("weeks", 604_800_000_000_000),
];

fn set() -> FlagSet {
    FlagSet::new("prop").flags([
        Flag::typed::<u16>("port", "A port.").default(5050),
        Flag::string("name", "A name."),
        Flag::boolean("switch", "A switch.").default(false),
        Flag::duration("timeout", "A timeout.").default("1mins"),
        Flag::path("file", "A file."),
        Flag::string("needed", "Required.").required(),
    ])
}

/// Durations of every size, with a bias towards whole numbers of some unit.
fn durations() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0..=i64::MAX).prop_map(Duration::from_nanos),
        (0usize..8, 0i64..100_000, 0i64..1_000_000).prop_map(|(unit, count, extra)| {
            let (_, nanos) = UNITS[unit];
            Duration::from_nanos(count.saturating_mul(nanos).saturating_add(extra))
        }),
        (0usize..8, 0i64..10_000).prop_map(|(unit, count)| {
            Duration::from_nanos(count.saturating_mul(UNITS[unit].1))
        }),
    ]
}

/// Texts that look like durations, with mistakes.
fn duration_like() -> impl Strategy<Value = String> {
    (
        "[0-9.]{0,30}",
        prop::sample::select(vec![
            "ns", "us", "ms", "secs", "mins", "hrs", "days", "weeks", "", "s", "sec", " secs",
            "SECS", "e3ns", "-", "ns ",
        ]),
    )
        .prop_map(|(number, unit)| format!("{number}{unit}"))
}

/// Command-line arguments that are mostly near-misses of the flags of [`set`].
fn argument() -> impl Strategy<Value = String> {
    prop_oneof![
        ".*",
        (
            prop::sample::select(vec!["--", "--no-", "-", "", " --", "--NO-",]),
            prop::sample::select(vec![
                "port", "name", "switch", "timeout", "file", "needed", "help", "PORT", "bogus", "",
            ]),
            prop::option::of(prop_oneof![
                "[0-9]{0,6}".prop_map(|s| s),
                Just("true".to_owned()),
                Just("file:///nonexistent".to_owned()),
                "[a-z0-9.=-]{0,10}".prop_map(|s| s),
                duration_like(),
            ]),
        )
            .prop_map(|(dashes, name, value)| match value {
                Some(value) => format!("{dashes}{name}={value}"),
                None => format!("{dashes}{name}"),
            }),
    ]
}

proptest! {
    #[test]
    fn duration_parse_never_panics(text in ".*") {
        let _ = Duration::parse(&text);
    }

    #[test]
    fn duration_like_texts_never_panic(text in duration_like()) {
        if let Ok(duration) = Duration::parse(&text) {
            prop_assert!(!duration.is_negative());
        }
    }

    #[test]
    fn durations_round_trip(duration in durations()) {
        let text = duration.to_string();
        prop_assert_eq!(Duration::parse(&text), Ok(duration), "{}", text);
    }

    #[test]
    fn negative_durations_print_a_minus_and_the_magnitude(nanos in i64::MIN..0) {
        let text = Duration::from_nanos(nanos).to_string();
        let magnitude = text.strip_prefix('-').expect("a leading '-'");
        if nanos != i64::MIN {
            prop_assert_eq!(Duration::parse(magnitude), Ok(Duration::from_nanos(-nanos)));
        }
    }

    #[test]
    fn whole_units_parse_exactly(count in 0i64..1_000_000, unit in 0usize..8) {
        let (name, nanos) = UNITS[unit];
        let parsed = Duration::parse(&format!("{count}{name}"));
        match count.checked_mul(nanos) {
            Some(expected) => prop_assert_eq!(parsed, Ok(Duration::from_nanos(expected))),
            None => prop_assert!(parsed.is_err()),
        }
    }

    #[test]
    fn std_conversions_round_trip(nanos in 0..=i64::MAX) {
        let duration = Duration::from_nanos(nanos);
        let std = std::time::Duration::try_from(duration).unwrap();
        prop_assert_eq!(Duration::try_from(std), Ok(duration));
    }

    #[test]
    fn flag_parsing_never_panics(
        args in prop::collection::vec(argument(), 0..8),
        env in prop::collection::vec(("(MESOS_)?[A-Za-z_-]{0,10}", ".*"), 0..4),
    ) {
        let set = set();
        if let Ok(Parsed::Flags(flags)) = set.parse(&args, env) {
            // Whatever loaded has a value of its flag's type.
            prop_assert!(flags.get::<u16>("port").is_ok());
            prop_assert!(flags.get::<Duration>("timeout").is_ok());
            prop_assert!(flags.get::<bool>("switch").is_ok());
            prop_assert!(flags.get_str("needed").is_some());
            prop_assert!(flags.effective().len() >= 5);
        }
        let _ = set.usage();
    }

    #[test]
    fn string_values_load_as_given(value in "[^\\s]([^\n]*[^\\s])?") {
        prop_assume!(!value.starts_with("file://"));
        let parsed = set().parse([format!("--needed={value}")], [("MESOS_NAME", value.as_str())]);
        let flags = parsed.unwrap().flags().unwrap();
        prop_assert_eq!(flags.get_str("needed"), Some(value.as_str()));
        prop_assert_eq!(flags.get_str("name"), Some(value.as_str()));
    }

    #[test]
    fn duration_flags_hold_the_canonical_form(duration in durations()) {
        let parsed = set().parse(["--needed=x".to_owned(), format!("--timeout={duration}")], [("", "")]);
        let flags = parsed.unwrap().flags().unwrap();
        prop_assert_eq!(flags.get::<Duration>("timeout").unwrap(), duration);
        prop_assert_eq!(flags.effective()["timeout"].clone(), duration.to_string());
    }

    #[test]
    fn the_command_line_wins_over_the_environment(cli in any::<u16>(), env in any::<u16>()) {
        let env_value = env.to_string();
        let parsed = set().parse(
            ["--needed=x".to_owned(), format!("--port={cli}")],
            [("MESOS_PORT", env_value.as_str())],
        );
        prop_assert_eq!(parsed.unwrap().flags().unwrap().get::<u16>("port").unwrap(), cli);
    }
}

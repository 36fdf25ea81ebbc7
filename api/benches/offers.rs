//! Decoding a scheduler event stream whose OFFERS event carries 1,000 offers.
//!
//! Prints the typed decoder's throughput (RecordIO framing + `scheduler::Event`) and, in the same
//! run, the floor: the same framing with `serde_json::from_slice::<serde_json::Value>` on the same
//! bytes. Run with `cargo bench -p mesos-api`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use mesos_api::recordio::{self, DEFAULT_MAX_RECORD_SIZE, Decoder};
use mesos_api::v1::scheduler::Event;
use serde_json::{Value, json};

const OFFERS: usize = 1_000;
const CHUNK: usize = 64 * 1024;

fn offer(i: usize) -> Value {
    let resource = |name: &str, value: f64| {
        json!({"name":name,"type":"SCALAR","scalar":{"value":value},"role":"*",
               "allocation_info":{"role":"spark"}})
    };
    json!({
        "id": {"value": format!("7d3c7f5e-8a2b-4f7e-9c1d-2b4a6e8f0a1c-O{i}")},
        "framework_id": {"value": "7d3c7f5e-8a2b-4f7e-9c1d-2b4a6e8f0a1c-0000"},
        "agent_id": {"value": format!("7d3c7f5e-8a2b-4f7e-9c1d-2b4a6e8f0a1c-S{i}")},
        "hostname": format!("agent-{i}.cluster.local"),
        "url": {"scheme":"http","address":{"hostname":format!("agent-{i}.cluster.local"),
                "ip":format!("10.0.{}.{}", i / 250, i % 250),"port":5051},"path":"/slave(1)"},
        "allocation_info": {"role":"spark"},
        "resources": [
            resource("cpus", 16.0),
            resource("mem", 63_488.0),
            resource("disk", 921_600.0),
            {"name":"ports","type":"RANGES","ranges":{"range":[
                {"begin":31000,"end":31999},{"begin":33000,"end":33100}]},
             "role":"*","allocation_info":{"role":"spark"}},
        ],
        "attributes": [
            {"name":"rack","type":"TEXT","text":{"value":format!("r{}", i % 40)}},
            {"name":"zone","type":"TEXT","text":{"value":"eu-west-1a"}},
            {"name":"os","type":"TEXT","text":{"value":"debian12"}},
            {"name":"cores","type":"SCALAR","scalar":{"value":16.0}},
            {"name":"gpu_slots","type":"RANGES","ranges":{"range":[{"begin":0,"end":3}]}},
        ],
    })
}

/// SUBSCRIBED, a heartbeat, one OFFERS event with 1,000 offers, an update and a heartbeat.
fn stream() -> Vec<u8> {
    let events = [
        json!({"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"F-0000"},
            "heartbeat_interval_seconds":15.0}}),
        json!({"type":"HEARTBEAT"}),
        json!({"type":"OFFERS","offers":{"offers":(0..OFFERS).map(offer).collect::<Vec<_>>()}}),
        json!({"type":"UPDATE","update":{"status":{"task_id":{"value":"1"},"state":"TASK_RUNNING",
            "source":"SOURCE_EXECUTOR","uuid":"AAECAwQFBgcICQoLDA0ODw==","timestamp":1.7e9}}}),
        json!({"type":"HEARTBEAT"}),
    ];
    let mut out = Vec::new();
    for event in &events {
        recordio::encode(&serde_json::to_vec(event).unwrap(), &mut out);
    }
    out
}

/// Feeds the stream in HTTP-sized chunks and parses every record with `parse`; returns the
/// number of offers seen.
fn decode(bytes: &[u8], parse: impl Fn(&[u8]) -> usize) -> usize {
    let mut decoder = Decoder::new(DEFAULT_MAX_RECORD_SIZE);
    let mut offers = 0;
    for chunk in bytes.chunks(CHUNK) {
        decoder.feed(chunk);
        while let Some(record) = decoder.next_record().unwrap() {
            offers += parse(&record);
        }
    }
    decoder.finish().unwrap();
    offers
}

fn typed(record: &[u8]) -> usize {
    let event: Event = serde_json::from_slice(record).unwrap();
    black_box(&event);
    event.offers.map_or(0, |o| o.offers.len())
}

fn untyped(record: &[u8]) -> usize {
    let value: Value = serde_json::from_slice(record).unwrap();
    let offers = value["offers"]["offers"].as_array().map_or(0, Vec::len);
    black_box(&value);
    offers
}

/// Median seconds per run over `rounds` rounds of at least `budget` / `rounds` each.
fn measure(bytes: &[u8], parse: impl Fn(&[u8]) -> usize + Copy) -> f64 {
    let rounds = 7;
    let budget = Duration::from_millis(700);
    assert_eq!(decode(bytes, parse), OFFERS);
    let mut per_run: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            let mut runs = 0u32;
            while start.elapsed() < budget {
                black_box(decode(black_box(bytes), parse));
                runs += 1;
            }
            start.elapsed().as_secs_f64() / f64::from(runs)
        })
        .collect();
    per_run.sort_by(f64::total_cmp);
    per_run[rounds / 2]
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench`-less arguments: keep that quick.
    let quick = std::env::args().all(|a| a != "--bench");
    let bytes = stream();
    if quick {
        assert_eq!(decode(&bytes, typed), OFFERS);
        assert_eq!(decode(&bytes, untyped), OFFERS);
        return;
    }
    let mb = bytes.len() as f64 / 1e6;
    println!(
        "scheduler event stream: {:.2} MB in {} records, {OFFERS} offers, fed in {} KiB chunks",
        mb,
        5,
        CHUNK / 1024
    );
    let typed_s = measure(&bytes, typed);
    let value_s = measure(&bytes, untyped);
    println!(
        "{:<52} {:>9} {:>12} {:>10}",
        "decoder", "MB/s", "offers/s", "ms/stream"
    );
    for (name, secs) in [
        ("recordio + scheduler::Event (typed)", typed_s),
        ("recordio + serde_json::Value (floor)", value_s),
    ] {
        println!(
            "{name:<52} {:>9.1} {:>12.0} {:>10.2}",
            mb / secs,
            OFFERS as f64 / secs,
            secs * 1e3
        );
    }
    println!(
        "typed decoding takes {:.2}x the time of the serde_json::Value floor",
        typed_s / value_s
    );
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Property tests for the RecordIO codec: no panics, round trips, bounded buffering, and
//! results that do not depend on how the stream is chunked.

use mesos_api::recordio::{
    Decoder, JsonDecoder, JsonRecordError, RecordIoError, decode_all, encode, encode_json,
};
use proptest::prelude::*;

/// Everything a decoder produced for a stream: its records, then the first error (from
/// `next_record` or `finish`), if any.
#[derive(Debug, PartialEq)]
struct Outcome {
    records: Vec<Vec<u8>>,
    error: Option<RecordIoError>,
}

/// Splits `data` into chunks whose sizes cycle through `sizes` (each at least 1).
fn chunks<'a>(data: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let size = sizes
            .get(i % sizes.len().max(1))
            .copied()
            .unwrap_or(1)
            .max(1);
        let (head, tail) = rest.split_at(size.min(rest.len()));
        out.push(head);
        rest = tail;
        i += 1;
    }
    out
}

/// Feeds `chunks` one at a time, draining records after each, then finishes the stream.
fn run(chunks: &[&[u8]], max: usize) -> Outcome {
    let mut decoder = Decoder::new(max);
    let mut records = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk);
        loop {
            match decoder.next_record() {
                Ok(Some(record)) => records.push(record),
                Ok(None) => break,
                Err(error) => {
                    // Failed for good: later input changes nothing.
                    decoder.feed(b"1\nx");
                    assert_eq!(decoder.next_record(), Err(error.clone()));
                    assert_eq!(decoder.finish(), Err(error.clone()));
                    return Outcome {
                        records,
                        error: Some(error),
                    };
                }
            }
        }
    }
    let error = decoder.finish().err();
    if let Some(error) = &error {
        assert_eq!(decoder.next_record(), Err(error.clone()));
    }
    Outcome { records, error }
}

fn encode_all(payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut stream = Vec::new();
    for payload in payloads {
        encode(payload, &mut stream);
    }
    stream
}

/// Streams that are mostly well formed, with occasional damage: valid records, garbage bytes,
/// bare digits, stray newlines.
fn mostly_valid_stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..40).prop_map(|p| {
            let mut out = Vec::new();
            encode(&p, &mut out);
            out
        }),
        1 => prop::collection::vec(any::<u8>(), 1..4),
        1 => "[0-9]{1,25}".prop_map(String::into_bytes),
        1 => Just(b"\n".to_vec()),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..64, 1..16)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes in arbitrary chunks give records or an error, never a panic, and
    /// respect the maximum record size.
    #[test]
    fn arbitrary_input_never_panics(
        data in prop::collection::vec(any::<u8>(), 0..512),
        sizes in chunk_sizes(),
        max in 0usize..200,
    ) {
        let outcome = run(&chunks(&data, &sizes), max);
        prop_assert!(outcome.records.iter().all(|r| r.len() <= max));
        prop_assert!(outcome.records.iter().map(Vec::len).sum::<usize>() <= data.len());
    }

    /// Digit-heavy input exercises long prefixes, overflow and the size limit.
    #[test]
    fn digit_heavy_input_never_panics(
        data in "[0-9\n]{0,120}",
        sizes in chunk_sizes(),
        max in prop_oneof![Just(usize::MAX), Just(0usize), 0usize..1000],
    ) {
        let data = data.into_bytes();
        let outcome = run(&chunks(&data, &sizes), max);
        prop_assert!(outcome.records.iter().all(|r| r.len() <= max));
    }

    /// Encoding then decoding non-empty payloads gives them back, whatever the chunking.
    #[test]
    fn round_trip_any_chunking(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..300), 0..20),
        sizes in chunk_sizes(),
    ) {
        let stream = encode_all(&payloads);
        let max = payloads.iter().map(Vec::len).max().unwrap_or(0);
        let expected = Outcome { records: payloads.clone(), error: None };
        prop_assert_eq!(&run(&chunks(&stream, &sizes), max), &expected);
        prop_assert_eq!(&run(&chunks(&stream, &[1]), max), &expected);
        prop_assert_eq!(&run(&[&stream], max), &expected);
        prop_assert_eq!(decode_all(&stream, max), Ok(payloads));
    }

    /// Empty records (valid in Mesos) round-trip too.
    #[test]
    fn round_trip_with_empty_records(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..4), 0..30),
        sizes in chunk_sizes(),
    ) {
        let stream = encode_all(&payloads);
        let outcome = run(&chunks(&stream, &sizes), 4);
        prop_assert_eq!(outcome, Outcome { records: payloads, error: None });
    }

    /// The outcome (records, then error) is the same for one chunk, 1-byte chunks and any
    /// other chunking.
    #[test]
    fn outcome_is_independent_of_chunking(
        data in mostly_valid_stream(),
        sizes in chunk_sizes(),
        max in prop_oneof![Just(usize::MAX), 0usize..64],
    ) {
        let whole = run(&[&data], max);
        prop_assert_eq!(&run(&chunks(&data, &[1]), max), &whole);
        prop_assert_eq!(&run(&chunks(&data, &sizes), max), &whole);
    }

    /// A length over the maximum fails as soon as its digits exceed it, before the newline, and
    /// no payload byte is buffered afterwards.
    #[test]
    fn too_large_fails_without_buffering(
        max in 0usize..100_000,
        excess in 1usize..100_000,
        prefix in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..50), 0..5),
        sizes in chunk_sizes(),
    ) {
        let length = max + excess;
        let good: Vec<Vec<u8>> = prefix.into_iter().filter(|p| p.len() <= max).collect();
        let mut stream = encode_all(&good);
        let digits_start = stream.len();
        stream.extend_from_slice(length.to_string().as_bytes());
        let digits_end = stream.len();
        stream.push(b'\n');
        stream.extend(std::iter::repeat_n(b'z', length.min(300_000)));

        let mut decoder = Decoder::new(max);
        let mut seen_error = None;
        let mut records = Vec::new();
        for chunk in chunks(&stream, &sizes) {
            decoder.feed(chunk);
            loop {
                match decoder.next_record() {
                    Ok(Some(record)) => records.push(record),
                    Ok(None) => break,
                    Err(error) => { seen_error = Some(error); break; }
                }
            }
            if seen_error.is_some() {
                break;
            }
        }
        let Some(RecordIoError::RecordTooLarge { length: at_least, max: reported }) = seen_error
        else {
            panic!("expected RecordTooLarge, got {seen_error:?}");
        };
        prop_assert_eq!(reported, max as u64);
        prop_assert!(at_least > max as u64 && at_least <= length as u64);
        prop_assert_eq!(records, good);
        // The error came from the digits alone: nothing past the prefix was consumed ...
        prop_assert!(decoder.bytes_consumed() < digits_end as u64);
        prop_assert!(decoder.bytes_consumed() >= digits_start as u64);
        // ... and nothing is held, however much more is fed.
        prop_assert_eq!(decoder.buffered_bytes(), 0);
        decoder.feed(&stream);
        prop_assert_eq!(decoder.buffered_bytes(), 0);
    }

    /// A partial record at the end of the stream is reported by `finish`.
    #[test]
    fn truncated_stream_fails_finish(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..50), 1..6),
        cut in any::<usize>(),
        sizes in chunk_sizes(),
    ) {
        let stream = encode_all(&payloads);
        // Cut inside the last record's encoding (never at its boundary).
        let last = payloads.last().unwrap();
        let last_encoded = last.len().to_string().len() + 1 + last.len();
        let cut = 1 + cut % (last_encoded - 1);
        let truncated = &stream[..stream.len() - cut];
        let outcome = run(&chunks(truncated, &sizes), usize::MAX);
        let truncated_error = matches!(
            outcome.error,
            Some(RecordIoError::TruncatedRecord { .. } | RecordIoError::TruncatedLength { .. })
        );
        prop_assert!(truncated_error, "expected a truncation error, got {:?}", outcome.error);
        prop_assert_eq!(&outcome.records[..], &payloads[..payloads.len() - 1]);
    }

    /// JSON values round-trip through `encode_json` and `JsonDecoder` in any chunking.
    #[test]
    fn json_round_trip(
        values in prop::collection::vec((any::<i64>(), "[a-zA-Z0-9 \"\\\\]{0,20}"), 0..10),
        sizes in chunk_sizes(),
    ) {
        let mut stream = Vec::new();
        for value in &values {
            encode_json(value, &mut stream).unwrap();
        }
        let mut decoder = JsonDecoder::<(i64, String)>::new(1024);
        let mut decoded = Vec::new();
        for chunk in chunks(&stream, &sizes) {
            decoder.feed(chunk);
            while let Some(value) = decoder.next_record().unwrap() {
                decoded.push(value);
            }
        }
        decoder.finish().unwrap();
        prop_assert_eq!(decoded, values);
    }

    /// A bad JSON record is reported with its index and does not stop the stream.
    #[test]
    fn json_error_names_the_record(
        before in 0usize..5,
        after in 0usize..5,
    ) {
        let mut stream = Vec::new();
        for i in 0..before {
            encode_json(&i, &mut stream).unwrap();
        }
        encode(b"not json", &mut stream);
        for i in 0..after {
            encode_json(&i, &mut stream).unwrap();
        }
        let mut decoder = JsonDecoder::<usize>::new(64);
        decoder.feed(&stream);
        for i in 0..before {
            prop_assert_eq!(decoder.next_record().unwrap(), Some(i));
        }
        match decoder.next_record() {
            Err(JsonRecordError::Json { index, len, .. }) => {
                prop_assert_eq!(index, before as u64);
                prop_assert_eq!(len, 8);
            }
            other => panic!("expected a JSON error, got {other:?}"),
        }
        for i in 0..after {
            prop_assert_eq!(decoder.next_record().unwrap(), Some(i));
        }
        prop_assert!(decoder.next_record().unwrap().is_none());
    }
}

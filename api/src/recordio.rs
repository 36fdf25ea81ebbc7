//! RecordIO: the framing of Mesos's streaming HTTP bodies.
//!
//! Every record is its payload's byte length in ASCII decimal, a line feed, then the payload:
//!
//! ```text
//! 20\n{"type":"HEARTBEAT"}
//! ```
//!
//! (Mesos's `docs/recordio.md`: `record = record-size LF record-data`, `record-size = 1*DIGIT`,
//! read as a `uint64`.) HTTP chunk boundaries have nothing to do with record boundaries, so the
//! [`Decoder`] is incremental: [`feed`](Decoder::feed) it bytes as they arrive and take complete
//! records out with [`next_record`](Decoder::next_record).
//!
//! # Edge cases, compared with Mesos (`stout/recordio.hpp`)
//!
//! - A length of `0` is a valid, empty record (stout decodes `"0\n"` to `""`, and its tests
//!   round-trip empty records). [`JsonDecoder`] then reports it as invalid JSON for that record.
//! - Leading zeros are accepted: `"007\n"` is a 7-byte record, as in stout.
//! - An empty length (`"\n"`) is an error, as in stout (and as the grammar's `1*DIGIT` says).
//! - Anything but an ASCII digit before the line feed is an error, and it stays an error, as in
//!   stout. Stout parses the length with `boost::lexical_cast` plus a hexadecimal fallback and so
//!   also accepts `"+5"`, `"0x1f"`, and `"-1"` (wrapping to `SIZE_MAX`); those are outside the
//!   documented grammar and are rejected here, as are `"5\r\n"` and spaces (stout rejects those
//!   too).
//! - Stout buffers a length prefix until the line feed, however long. This decoder keeps no
//!   prefix buffer: it accumulates the value digit by digit, fails as soon as the value exceeds
//!   the maximum record size (before the line feed arrives and before any payload byte is
//!   stored), and fails a prefix longer than [`MAX_LENGTH_DIGITS`] digits (even `0`s).
//! - After a framing error stout fails every later call. So does this decoder, but records that
//!   were complete before the bad byte are still handed out first, so the outcome does not
//!   depend on how the stream was chunked (stout drops the whole chunk's records).
//! - Stout cannot tell a stream that ends inside a record from one that ends cleanly (a TODO
//!   there). Here [`Decoder::finish`] reports it.
//! - A record that is not valid JSON fails only that record, as in Mesos's `recordio::Reader`,
//!   which yields an `Error` for that record and goes on; the framing is unaffected.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The maximum record size callers should use unless they have a reason not to: 64 MiB.
pub const DEFAULT_MAX_RECORD_SIZE: usize = 64 * 1024 * 1024;

/// The most digits a length prefix may have: the number of digits in `u64::MAX`.
///
/// A longer prefix (possible only with leading zeros) is rejected rather than scanned forever.
pub const MAX_LENGTH_DIGITS: u32 = 20;

/// A RecordIO framing error, or a stream that ended inside a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordIoError {
    /// A byte other than an ASCII digit or `\n` appeared in a length prefix.
    #[error(
        "invalid byte {} in RecordIO length prefix at stream offset {offset}: expected an ASCII digit or '\\n'",
        ShowByte(*.byte)
    )]
    InvalidLengthByte {
        /// The offending byte.
        byte: u8,
        /// Its offset from the start of the stream.
        offset: u64,
    },
    /// A length prefix had no digits (a bare `\n`).
    #[error("empty RecordIO length prefix at stream offset {offset}")]
    EmptyLength {
        /// The offset of the `\n` from the start of the stream.
        offset: u64,
    },
    /// A length prefix had more than [`MAX_LENGTH_DIGITS`] digits.
    #[error(
        "RecordIO length prefix at stream offset {offset} is longer than {MAX_LENGTH_DIGITS} digits"
    )]
    LengthTooLong {
        /// The offset of the first digit past the limit.
        offset: u64,
    },
    /// A length prefix does not fit in a `u64`.
    #[error("RecordIO length prefix at stream offset {offset} does not fit in 64 bits")]
    LengthOverflow {
        /// The offset of the digit that overflowed.
        offset: u64,
    },
    /// A record's length exceeds the decoder's maximum record size.
    ///
    /// Raised as soon as the digits read so far exceed the maximum, so `length` is a lower bound
    /// on the declared length.
    #[error(
        "RecordIO record length of at least {length} bytes exceeds the maximum record size of {max} bytes"
    )]
    RecordTooLarge {
        /// The length declared by the digits read so far.
        length: u64,
        /// The decoder's maximum record size.
        max: u64,
    },
    /// Memory for a record (of a length within the maximum) could not be reserved.
    #[error("could not allocate {length} bytes for a RecordIO record")]
    Allocation {
        /// The record's declared length.
        length: u64,
    },
    /// The stream ended inside a length prefix.
    #[error("RecordIO stream ended inside a length prefix ({digits} digits read, no '\\n')")]
    TruncatedLength {
        /// How many digits of the prefix had arrived.
        digits: u32,
    },
    /// The stream ended inside a record's payload.
    #[error("RecordIO stream ended inside a record: got {received} of {expected} bytes")]
    TruncatedRecord {
        /// The record's declared length.
        expected: u64,
        /// How many payload bytes had arrived.
        received: u64,
    },
}

/// Displays a byte as a quoted character if it is printable ASCII, else in hex.
struct ShowByte(u8);

impl fmt::Display for ShowByte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_ascii_graphic() || self.0 == b' ' {
            write!(f, "'{}' (0x{:02x})", char::from(self.0), self.0)
        } else {
            write!(f, "0x{:02x}", self.0)
        }
    }
}

/// A record that failed to decode as JSON, or a framing error, from a [`JsonDecoder`].
#[derive(Debug, thiserror::Error)]
pub enum JsonRecordError {
    /// The RecordIO framing failed; see [`RecordIoError`].
    #[error(transparent)]
    Framing(#[from] RecordIoError),
    /// One record's payload is not valid JSON for the expected type.
    #[error(
        "RecordIO record {index} ({len} bytes) is not valid JSON for the expected type: {source}"
    )]
    Json {
        /// The record's position in the stream, counting from 0 (empty records included).
        index: u64,
        /// The record's payload length.
        len: usize,
        /// The serde_json error, with line and column within the record.
        #[source]
        source: serde_json::Error,
    },
}

/// Appends `payload` to `out` as one RecordIO record: its length in decimal, `\n`, the payload.
pub fn encode(payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(payload.len() + MAX_LENGTH_DIGITS as usize + 1);
    push_decimal(payload.len() as u64, out);
    out.push(b'\n');
    out.extend_from_slice(payload);
}

/// Returns `payload` encoded as one RecordIO record.
pub fn encode_to_vec(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode(payload, &mut out);
    out
}

/// Serializes `value` as JSON and appends it to `out` as one RecordIO record.
///
/// On error `out` is left as it was.
pub fn encode_json<T: Serialize + ?Sized>(
    value: &T,
    out: &mut Vec<u8>,
) -> Result<(), serde_json::Error> {
    let payload = serde_json::to_vec(value)?;
    encode(&payload, out);
    Ok(())
}

/// Appends `n` in ASCII decimal, without allocating.
fn push_decimal(mut n: u64, out: &mut Vec<u8>) {
    let start = out.len();
    loop {
        // `n % 10` is below 10, so the cast cannot truncate.
        out.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if let Some(digits) = out.get_mut(start..) {
        digits.reverse();
    }
}

/// Decodes a complete RecordIO stream held in memory.
///
/// Fails on the first framing error, or if `input` ends inside a record.
pub fn decode_all(input: &[u8], max_record_size: usize) -> Result<Vec<Vec<u8>>, RecordIoError> {
    let mut decoder = Decoder::new(max_record_size);
    decoder.feed(input);
    let mut records = Vec::new();
    while let Some(record) = decoder.next_record()? {
        records.push(record);
    }
    decoder.finish()?;
    Ok(records)
}

/// Where the decoder is within the stream.
#[derive(Debug, Clone)]
enum State {
    /// Reading a length prefix: the value and the number of digits so far.
    Length { value: u64, digits: u32 },
    /// Reading a payload of `expected` bytes into `record` (reserved to `expected` up front).
    Payload { record: Vec<u8>, expected: usize },
}

impl State {
    const START: State = State::Length {
        value: 0,
        digits: 0,
    };
}

/// An incremental RecordIO decoder with a maximum record size.
///
/// [`feed`](Self::feed) parses its input at once: length prefixes are checked byte by byte as
/// they arrive, and each payload is copied exactly once, from the fed chunk into the record's
/// own buffer (reserved to the declared length), which [`next_record`](Self::next_record) then
/// hands out without another copy. Work is linear in the input, however it is chunked.
///
/// Once a framing error is found, the rest of the input is ignored, records completed before
/// the error are still returned, and then every call returns the error.
///
/// ```
/// use mesos_api::recordio::{Decoder, DEFAULT_MAX_RECORD_SIZE};
///
/// let mut decoder = Decoder::new(DEFAULT_MAX_RECORD_SIZE);
/// decoder.feed(b"5\nhel");
/// assert_eq!(decoder.next_record(), Ok(None));
/// decoder.feed(b"lo6\nworld!");
/// assert_eq!(decoder.next_record(), Ok(Some(b"hello".to_vec())));
/// assert_eq!(decoder.next_record(), Ok(Some(b"world!".to_vec())));
/// assert_eq!(decoder.next_record(), Ok(None));
/// assert_eq!(decoder.finish(), Ok(()));
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    max: u64,
    state: State,
    /// Complete records not yet returned.
    ready: VecDeque<Vec<u8>>,
    /// Stream bytes consumed so far (for error offsets).
    offset: u64,
    failed: Option<RecordIoError>,
}

impl Default for Decoder {
    /// A decoder with [`DEFAULT_MAX_RECORD_SIZE`].
    fn default() -> Self {
        Decoder::new(DEFAULT_MAX_RECORD_SIZE)
    }
}

impl Decoder {
    /// A decoder that rejects records longer than `max_record_size` bytes.
    ///
    /// A record's full declared length (at most `max_record_size`) is reserved when its length
    /// prefix has been read, so this also bounds the memory a partial record can take.
    pub fn new(max_record_size: usize) -> Self {
        Decoder {
            max: u64::try_from(max_record_size).unwrap_or(u64::MAX),
            state: State::START,
            ready: VecDeque::new(),
            offset: 0,
            failed: None,
        }
    }

    /// The maximum record size this decoder accepts, in bytes.
    pub fn max_record_size(&self) -> usize {
        usize::try_from(self.max).unwrap_or(usize::MAX)
    }

    /// Decodes another chunk of the stream. Chunks may split records and prefixes anywhere.
    ///
    /// Errors are reported by [`next_record`](Self::next_record); after one, input is ignored.
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut input = chunk;
        while !input.is_empty() && self.failed.is_none() {
            let result = match &mut self.state {
                State::Length { value, digits } => {
                    let (value, digits) = (*value, *digits);
                    self.feed_length(value, digits, input)
                }
                State::Payload { record, expected } => {
                    let need = expected.saturating_sub(record.len());
                    let take = need.min(input.len());
                    let (head, tail) = input.split_at_checked(take).unwrap_or((input, &[]));
                    record.extend_from_slice(head);
                    self.offset = self.offset.saturating_add(head.len() as u64);
                    if record.len() >= *expected {
                        let record = std::mem::take(record);
                        self.ready.push_back(record);
                        self.state = State::START;
                    }
                    Ok(tail)
                }
            };
            match result {
                Ok(rest) => input = rest,
                Err(error) => self.fail(error),
            }
        }
    }

    /// Parses length-prefix bytes from `input`, continuing from `value` and `digits`; returns
    /// the input after the prefix's `\n` (having started the record), or an empty slice.
    fn feed_length<'a>(
        &mut self,
        mut value: u64,
        mut digits: u32,
        input: &'a [u8],
    ) -> Result<&'a [u8], RecordIoError> {
        for (i, &byte) in input.iter().enumerate() {
            let offset = self.offset.saturating_add(i as u64);
            if let Err(error) = self.length_byte(byte, offset, &mut value, &mut digits) {
                // Bytes before the offending one count as consumed.
                self.offset = offset;
                return Err(error);
            }
            if byte == b'\n' {
                self.offset = offset.saturating_add(1);
                self.start_record(value)?;
                return Ok(input.get(i + 1..).unwrap_or_default());
            }
        }
        self.offset = self.offset.saturating_add(input.len() as u64);
        self.state = State::Length { value, digits };
        Ok(&[])
    }

    /// Checks one length-prefix byte at `offset`, adding it to `value` if it is a digit.
    fn length_byte(
        &self,
        byte: u8,
        offset: u64,
        value: &mut u64,
        digits: &mut u32,
    ) -> Result<(), RecordIoError> {
        match byte {
            b'0'..=b'9' => {
                *digits += 1;
                if *digits > MAX_LENGTH_DIGITS {
                    return Err(RecordIoError::LengthTooLong { offset });
                }
                *value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(byte - b'0')))
                    .ok_or(RecordIoError::LengthOverflow { offset })?;
                if *value > self.max {
                    return Err(RecordIoError::RecordTooLarge {
                        length: *value,
                        max: self.max,
                    });
                }
                Ok(())
            }
            b'\n' if *digits == 0 => Err(RecordIoError::EmptyLength { offset }),
            b'\n' => Ok(()),
            _ => Err(RecordIoError::InvalidLengthByte { byte, offset }),
        }
    }

    /// Begins a record of `length` bytes (already checked against the maximum).
    fn start_record(&mut self, length: u64) -> Result<(), RecordIoError> {
        let expected = usize::try_from(length).map_err(|_| RecordIoError::RecordTooLarge {
            length,
            max: self.max,
        })?;
        if expected == 0 {
            self.ready.push_back(Vec::new());
            self.state = State::START;
            return Ok(());
        }
        let mut record = Vec::new();
        record
            .try_reserve_exact(expected)
            .map_err(|_| RecordIoError::Allocation { length })?;
        self.state = State::Payload { record, expected };
        Ok(())
    }

    /// Enters the failed state: drops any partial record, keeps the complete ones.
    fn fail(&mut self, error: RecordIoError) {
        self.state = State::START;
        self.failed = Some(error);
    }

    /// Returns the next complete record, `Ok(None)` if more input is needed, or the framing
    /// error once the records completed before it have been returned (and on every later call).
    pub fn next_record(&mut self) -> Result<Option<Vec<u8>>, RecordIoError> {
        if let Some(record) = self.ready.pop_front() {
            return Ok(Some(record));
        }
        match &self.failed {
            Some(error) => Err(error.clone()),
            None => Ok(None),
        }
    }

    /// Signals the end of the stream: an error if it ended inside a record or a length prefix,
    /// or if the decoder had already failed. Complete records not yet taken stay available.
    pub fn finish(&mut self) -> Result<(), RecordIoError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let error = match &self.state {
            State::Length { digits: 0, .. } => return Ok(()),
            State::Length { digits, .. } => RecordIoError::TruncatedLength { digits: *digits },
            State::Payload { record, expected } => RecordIoError::TruncatedRecord {
                expected: *expected as u64,
                received: record.len() as u64,
            },
        };
        self.fail(error.clone());
        Err(error)
    }

    /// The framing error this decoder has failed with, if any.
    pub fn error(&self) -> Option<&RecordIoError> {
        self.failed.as_ref()
    }

    /// Whether the decoder has failed (see [`error`](Self::error)).
    pub fn is_failed(&self) -> bool {
        self.failed.is_some()
    }

    /// Whether the input so far ends exactly at a record boundary (no partial record or prefix).
    pub fn is_at_boundary(&self) -> bool {
        matches!(self.state, State::Length { digits: 0, .. })
    }

    /// How many complete records are waiting to be taken.
    pub fn pending_records(&self) -> usize {
        self.ready.len()
    }

    /// Payload bytes held: complete records not yet taken plus the partial record.
    pub fn buffered_bytes(&self) -> usize {
        let partial = match &self.state {
            State::Payload { record, .. } => record.len(),
            State::Length { .. } => 0,
        };
        self.ready.iter().map(Vec::len).sum::<usize>() + partial
    }

    /// How many stream bytes have been consumed (fed bytes up to any error).
    pub fn bytes_consumed(&self) -> u64 {
        self.offset
    }
}

/// An incremental decoder of RecordIO records that each hold one JSON value of type `T`.
///
/// A record that is not valid JSON for `T` fails alone ([`JsonRecordError::Json`], with its
/// index) and decoding goes on with the next one; a framing error fails the decoder for good.
///
/// ```
/// use mesos_api::recordio::{encode_json, JsonDecoder};
///
/// let mut stream = Vec::new();
/// encode_json(&serde_json::json!({"type": "HEARTBEAT"}), &mut stream).unwrap();
/// let mut decoder = JsonDecoder::<serde_json::Value>::default();
/// decoder.feed(&stream);
/// let event = decoder.next_record().unwrap().unwrap();
/// assert_eq!(event["type"], "HEARTBEAT");
/// assert!(decoder.next_record().unwrap().is_none());
/// ```
pub struct JsonDecoder<T> {
    decoder: Decoder,
    next_index: u64,
    _record: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for JsonDecoder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonDecoder")
            .field("decoder", &self.decoder)
            .field("next_index", &self.next_index)
            .finish()
    }
}

impl<T> Default for JsonDecoder<T> {
    /// A decoder with [`DEFAULT_MAX_RECORD_SIZE`].
    fn default() -> Self {
        JsonDecoder::new(DEFAULT_MAX_RECORD_SIZE)
    }
}

impl<T> JsonDecoder<T> {
    /// A decoder that rejects records longer than `max_record_size` bytes.
    pub fn new(max_record_size: usize) -> Self {
        JsonDecoder {
            decoder: Decoder::new(max_record_size),
            next_index: 0,
            _record: PhantomData,
        }
    }

    /// Decodes another chunk of the stream; see [`Decoder::feed`].
    pub fn feed(&mut self, chunk: &[u8]) {
        self.decoder.feed(chunk);
    }

    /// Signals the end of the stream; see [`Decoder::finish`].
    pub fn finish(&mut self) -> Result<(), RecordIoError> {
        self.decoder.finish()
    }

    /// The underlying framing decoder.
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The index (from 0) of the record the next call to `next_record` will decode.
    pub fn next_index(&self) -> u64 {
        self.next_index
    }
}

impl<T: DeserializeOwned> JsonDecoder<T> {
    /// Returns the next record decoded as `T`, `Ok(None)` if more input is needed, or an error.
    pub fn next_record(&mut self) -> Result<Option<T>, JsonRecordError> {
        let Some(record) = self.decoder.next_record()? else {
            return Ok(None);
        };
        let index = self.next_index;
        self.next_index += 1;
        decode_json_record(&record, index).map(Some)
    }
}

/// Decodes one record's payload as JSON, naming the record by `index` if it fails.
pub fn decode_json_record<T: DeserializeOwned>(
    record: &[u8],
    index: u64,
) -> Result<T, JsonRecordError> {
    serde_json::from_slice(record).map_err(|source| JsonRecordError::Json {
        index,
        len: record.len(),
        source,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn decode_chunks(chunks: &[&[u8]], max: usize) -> (Vec<Vec<u8>>, Option<RecordIoError>) {
        let mut decoder = Decoder::new(max);
        let mut records = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk);
            loop {
                match decoder.next_record() {
                    Ok(Some(record)) => records.push(record),
                    Ok(None) => break,
                    Err(error) => return (records, Some(error)),
                }
            }
        }
        (records, decoder.finish().err())
    }

    fn strings(records: &[Vec<u8>]) -> Vec<&str> {
        records
            .iter()
            .map(|r| std::str::from_utf8(r).unwrap())
            .collect()
    }

    // stout's RecordIOTest.Encode.
    #[test]
    fn encode_matches_mesos() {
        let mut data = Vec::new();
        encode(b"hello!", &mut data);
        encode(b"", &mut data);
        encode(b" ", &mut data);
        encode(b"13 characters", &mut data);
        assert_eq!(data, b"6\nhello!0\n1\n 13\n13 characters");

        let records = decode_all(&data, DEFAULT_MAX_RECORD_SIZE).unwrap();
        assert_eq!(strings(&records), ["hello!", "", " ", "13 characters"]);
    }

    // stout's RecordIOTest.Decoder.
    #[test]
    fn decoder_matches_mesos() {
        let mut decoder = Decoder::default();
        decoder.feed(b"");
        assert_eq!(decoder.next_record(), Ok(None));

        decoder.feed(b"6\nhello!0\n1\n ");
        assert_eq!(decoder.next_record(), Ok(Some(b"hello!".to_vec())));
        assert_eq!(decoder.next_record(), Ok(Some(Vec::new())));
        assert_eq!(decoder.next_record(), Ok(Some(b" ".to_vec())));
        assert_eq!(decoder.next_record(), Ok(None));

        for part in [&b"1"[..], b"3", b"\n", b"13 character"] {
            decoder.feed(part);
            assert_eq!(decoder.next_record(), Ok(None));
        }
        decoder.feed(b"s");
        assert_eq!(decoder.next_record(), Ok(Some(b"13 characters".to_vec())));

        decoder.feed(b"not a number\n");
        let error = decoder.next_record().unwrap_err();
        assert_eq!(
            error,
            RecordIoError::InvalidLengthByte {
                byte: b'n',
                offset: 29
            }
        );
        decoder.feed(b"1\n");
        assert_eq!(decoder.next_record(), Err(error.clone()));
        assert_eq!(decoder.finish(), Err(error));
    }

    #[test]
    fn encode_large_length_and_zero() {
        assert_eq!(encode_to_vec(b""), b"0\n");
        let payload = vec![b'x'; 1234567];
        let encoded = encode_to_vec(&payload);
        assert!(encoded.starts_with(b"1234567\n"));
        assert_eq!(encoded.len(), 8 + payload.len());
        let mut out = Vec::new();
        push_decimal(u64::MAX, &mut out);
        assert_eq!(out, u64::MAX.to_string().as_bytes());
    }

    #[test]
    fn leading_zeros_are_accepted() {
        let records = decode_all(b"007\nabcdefg00\n0000000000000000001\nz", 100).unwrap();
        assert_eq!(strings(&records), ["abcdefg", "", "z"]);
    }

    #[test]
    fn zero_length_records_are_empty_records() {
        let records = decode_all(b"0\n0\n1\na0\n", 10).unwrap();
        assert_eq!(strings(&records), ["", "", "a", ""]);
    }

    #[test]
    fn non_digits_are_rejected() {
        for (input, byte, offset) in [
            (&b"+5\nhello"[..], b'+', 0),
            (b"-1\n", b'-', 0),
            (b"0x1f\n", b'x', 1),
            (b"5\r\nhello", b'\r', 1),
            (b" 5\nhello", b' ', 0),
            (b"5 \nhello", b' ', 1),
            (b"2\nab\xff\n", 0xff, 4),
        ] {
            assert_eq!(
                decode_all(input, 100),
                Err(RecordIoError::InvalidLengthByte { byte, offset }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn empty_length_is_rejected() {
        assert_eq!(
            decode_all(b"\n", 100),
            Err(RecordIoError::EmptyLength { offset: 0 })
        );
        assert_eq!(
            decode_all(b"1\na\n1\nb", 100),
            Err(RecordIoError::EmptyLength { offset: 3 })
        );
    }

    #[test]
    fn max_record_size_is_inclusive() {
        assert_eq!(decode_all(b"3\nabc", 3).unwrap(), [b"abc".to_vec()]);
        assert_eq!(
            decode_all(b"4\nabcd", 3),
            Err(RecordIoError::RecordTooLarge { length: 4, max: 3 })
        );
    }

    #[test]
    fn too_large_is_detected_before_the_newline() {
        let mut decoder = Decoder::new(1000);
        decoder.feed(b"100");
        assert_eq!(decoder.next_record(), Ok(None));
        decoder.feed(b"0");
        assert_eq!(decoder.next_record(), Ok(None));
        decoder.feed(b"0");
        assert_eq!(
            decoder.next_record(),
            Err(RecordIoError::RecordTooLarge {
                length: 10000,
                max: 1000
            })
        );
        decoder.feed(b"\n");
        decoder.feed(&[b'a'; 20000]);
        assert_eq!(decoder.buffered_bytes(), 0);
        assert_eq!(decoder.bytes_consumed(), 4);
        let mut decoder = Decoder::new(1000);
        decoder.feed(b"1\na99");
        decoder.feed(b"999\n");
        assert_eq!(decoder.bytes_consumed(), 6);
        assert!(decoder.is_failed());
    }

    #[test]
    fn over_long_digit_strings_are_bounded() {
        let mut decoder = Decoder::new(usize::MAX);
        decoder.feed(&[b'0'; 20]);
        assert_eq!(decoder.next_record(), Ok(None));
        decoder.feed(b"0");
        assert_eq!(
            decoder.next_record(),
            Err(RecordIoError::LengthTooLong { offset: 20 })
        );

        let mut decoder = Decoder::new(usize::MAX);
        decoder.feed(b"99999999999999999999\n");
        assert_eq!(
            decoder.next_record(),
            Err(RecordIoError::LengthOverflow { offset: 19 })
        );

        let mut decoder = Decoder::new(usize::MAX);
        decoder.feed(b"18446744073709551615");
        assert_eq!(decoder.next_record(), Ok(None));
    }

    #[test]
    fn huge_allowed_length_does_not_panic() {
        // A maximum that no allocation can satisfy: the reservation fails cleanly.
        let mut decoder = Decoder::new(usize::MAX);
        decoder.feed(b"18446744073709551615\nabc");
        let result = decoder.next_record();
        if usize::BITS == 64 {
            assert_eq!(result, Err(RecordIoError::Allocation { length: u64::MAX }));
        } else {
            assert!(result.is_err());
        }
    }

    #[test]
    fn records_before_an_error_are_delivered() {
        let (records, error) = decode_chunks(&[b"1\na2\nbc1\nd?"], 100);
        assert_eq!(strings(&records), ["a", "bc", "d"]);
        assert_eq!(
            error,
            Some(RecordIoError::InvalidLengthByte {
                byte: b'?',
                offset: 10
            })
        );
    }

    #[test]
    fn finish_reports_truncation() {
        let mut decoder = Decoder::default();
        assert_eq!(decoder.finish(), Ok(()));
        decoder.feed(b"12");
        assert!(!decoder.is_at_boundary());
        assert_eq!(
            decoder.finish(),
            Err(RecordIoError::TruncatedLength { digits: 2 })
        );
        assert_eq!(
            decoder.next_record(),
            Err(RecordIoError::TruncatedLength { digits: 2 })
        );

        let mut decoder = Decoder::default();
        decoder.feed(b"1\nx5\nabc");
        assert_eq!(
            decoder.finish(),
            Err(RecordIoError::TruncatedRecord {
                expected: 5,
                received: 3
            })
        );
        // The complete record is still there, then the error.
        assert_eq!(decoder.next_record(), Ok(Some(b"x".to_vec())));
        assert!(decoder.next_record().is_err());
        assert_eq!(decoder.buffered_bytes(), 0);
    }

    #[test]
    fn large_record_is_reserved_once_and_moved_out() {
        let payload: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let encoded = encode_to_vec(&payload);
        let mut decoder = Decoder::new(4_000_000);
        for chunk in encoded.chunks(16 * 1024) {
            decoder.feed(chunk);
        }
        assert_eq!(decoder.pending_records(), 1);
        let record = decoder.next_record().unwrap().unwrap();
        assert_eq!(record.capacity(), payload.len());
        assert_eq!(record, payload);
        assert_eq!(decoder.finish(), Ok(()));
    }

    #[test]
    fn error_messages_are_readable() {
        let error = RecordIoError::InvalidLengthByte {
            byte: b'x',
            offset: 1,
        };
        assert_eq!(
            error.to_string(),
            "invalid byte 'x' (0x78) in RecordIO length prefix at stream offset 1: expected an ASCII digit or '\\n'"
        );
        let error = RecordIoError::InvalidLengthByte {
            byte: b'\r',
            offset: 1,
        };
        assert!(error.to_string().starts_with("invalid byte 0x0d in"));
        let error = RecordIoError::RecordTooLarge { length: 70, max: 5 };
        assert_eq!(
            error.to_string(),
            "RecordIO record length of at least 70 bytes exceeds the maximum record size of 5 bytes"
        );
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Event {
        r#type: String,
    }

    #[test]
    fn json_records_round_trip_and_name_the_failing_record() {
        let mut stream = Vec::new();
        encode_json(
            &Event {
                r#type: "SUBSCRIBED".into(),
            },
            &mut stream,
        )
        .unwrap();
        encode(b"{\"type\": 5}", &mut stream);
        encode(b"", &mut stream);
        encode_json(
            &Event {
                r#type: "HEARTBEAT".into(),
            },
            &mut stream,
        )
        .unwrap();

        let mut decoder = JsonDecoder::<Event>::new(1024);
        for byte in &stream {
            decoder.feed(std::slice::from_ref(byte));
        }
        assert_eq!(
            decoder.next_record().unwrap(),
            Some(Event {
                r#type: "SUBSCRIBED".into()
            })
        );
        let error = decoder.next_record().unwrap_err();
        assert!(matches!(
            error,
            JsonRecordError::Json {
                index: 1,
                len: 11,
                ..
            }
        ));
        assert!(
            error
                .to_string()
                .starts_with("RecordIO record 1 (11 bytes)")
        );
        assert!(matches!(
            decoder.next_record(),
            Err(JsonRecordError::Json {
                index: 2,
                len: 0,
                ..
            })
        ));
        assert_eq!(
            decoder.next_record().unwrap(),
            Some(Event {
                r#type: "HEARTBEAT".into()
            })
        );
        assert!(decoder.next_record().unwrap().is_none());
        assert_eq!(decoder.next_index(), 4);
        decoder.finish().unwrap();

        let mut decoder = JsonDecoder::<Event>::new(1024);
        decoder.feed(b"x");
        assert!(matches!(
            decoder.next_record(),
            Err(JsonRecordError::Framing(
                RecordIoError::InvalidLengthByte { .. }
            ))
        ));
    }

    #[test]
    fn encode_json_leaves_out_untouched_on_error() {
        use std::collections::HashMap;
        let mut map = HashMap::new();
        map.insert(vec![1u8], 1);
        let mut out = b"keep".to_vec();
        assert!(encode_json(&map, &mut out).is_err());
        assert_eq!(out, b"keep");
    }
}

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::recordio::{Decoder, RecordIoError};

/// Why an event stream ended or produced no event.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("no data on the event stream for {0:?}")]
    Idle(Duration),
    #[error("reading the event stream failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the event stream is malformed: {0}")]
    Framing(#[from] RecordIoError),
    /// One event could not be decoded; the stream itself is still usable.
    #[error("event {index} of the stream is not valid: {source}")]
    BadEvent {
        index: u64,
        /// The record as received, for callers that can still make sense of parts of it.
        record: Vec<u8>,
        #[source]
        source: serde_json::Error,
    },
}

/// Events of type `T` read from a streaming HTTP response in RecordIO framing.
pub struct EventStream<T> {
    response: reqwest::Response,
    decoder: Decoder,
    index: u64,
    idle_timeout: Duration,
    _event: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> EventStream<T> {
    /// Reads `response`'s body; records over `max_record_size` bytes and silences longer than
    /// `idle_timeout` are errors.
    pub fn new(
        response: reqwest::Response,
        max_record_size: usize,
        idle_timeout: Duration,
    ) -> Self {
        Self {
            response,
            decoder: Decoder::new(max_record_size),
            index: 0,
            idle_timeout,
            _event: std::marker::PhantomData,
        }
    }

    /// The next event; `Ok(None)` when the stream ended cleanly.
    pub async fn next(&mut self) -> Result<Option<T>, StreamError> {
        loop {
            if let Some(record) = self.decoder.next_record()? {
                let index = self.index;
                self.index += 1;
                return match serde_json::from_slice(&record) {
                    Ok(event) => Ok(Some(event)),
                    Err(source) => Err(StreamError::BadEvent {
                        index,
                        record,
                        source,
                    }),
                };
            }
            match tokio::time::timeout(self.idle_timeout, self.response.chunk()).await {
                Err(_) => return Err(StreamError::Idle(self.idle_timeout)),
                Ok(Err(e)) => return Err(e.into()),
                Ok(Ok(None)) => {
                    self.decoder.finish()?;
                    return Ok(None);
                }
                Ok(Ok(Some(chunk))) => self.decoder.feed(&chunk),
            }
        }
    }
}

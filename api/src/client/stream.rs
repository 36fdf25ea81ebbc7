use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::recordio::{JsonDecoder, JsonRecordError, RecordIoError};

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
        #[source]
        source: serde_json::Error,
    },
}

/// Events of type `T` read from a streaming HTTP response in RecordIO framing.
pub struct EventStream<T> {
    response: reqwest::Response,
    decoder: JsonDecoder<T>,
    idle_timeout: Duration,
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
            decoder: JsonDecoder::new(max_record_size),
            idle_timeout,
        }
    }

    /// The next event; `Ok(None)` when the stream ended cleanly.
    pub async fn next(&mut self) -> Result<Option<T>, StreamError> {
        loop {
            match self.decoder.next_record() {
                Ok(Some(event)) => return Ok(Some(event)),
                Ok(None) => {}
                Err(JsonRecordError::Framing(e)) => return Err(e.into()),
                Err(JsonRecordError::Json { index, source, .. }) => {
                    return Err(StreamError::BadEvent { index, source });
                }
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

//! The status-update manager (Apache Mesos's `task_status_update_manager.cpp`).
//!
//! One FIFO stream per task. Only the head of a stream is in flight to the master; it is resent
//! with a backoff of 10 s doubling up to 10 minutes, forever, until the framework's
//! acknowledgement of that uuid comes back; then the next update goes. Updates of checkpointing
//! frameworks are appended to the task's `task.updates` file before the executor hears they were
//! received, so an agent crash loses none; acknowledgements are appended too, and the file is
//! replayed on recovery.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mesos_api::internal::StatusUpdate;
use mesos_api::json::Bytes;
use mesos_api::v1::{FrameworkId, TaskId, TaskState, TaskStatus};
use serde::{Deserialize, Serialize};

/// First resend interval of an unacknowledged update.
pub const RETRY_MIN: Duration = Duration::from_secs(10);
/// Longest resend interval.
pub const RETRY_MAX: Duration = Duration::from_secs(600);

/// A line of a `task.updates` checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Record {
    Update(Box<TaskStatus>),
    Ack(Bytes),
}

#[derive(Debug)]
struct Stream {
    pending: VecDeque<TaskStatus>,
    /// Every uuid this stream has taken (pending or acknowledged).
    seen: HashSet<Vec<u8>>,
    /// When the head goes (again); `None`: as soon as possible.
    next_send: Option<Instant>,
    backoff: Duration,
    checkpoint: Option<PathBuf>,
    /// The terminal update was acknowledged: the stream is finished.
    done: bool,
}

impl Stream {
    fn new(checkpoint: Option<PathBuf>) -> Self {
        Self {
            pending: VecDeque::new(),
            seen: HashSet::new(),
            next_send: None,
            backoff: RETRY_MIN,
            checkpoint,
            done: false,
        }
    }

    fn append(&self, record: &Record) -> std::io::Result<()> {
        let Some(path) = &self.checkpoint else {
            return Ok(());
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.write_all(&line)?;
        file.sync_data()
    }
}

/// What became of an update handed to the manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// New: queued (and checkpointed).
    Queued,
    /// Already seen (a resend by the executor): nothing to do but acknowledge it again.
    Duplicate,
}

/// What an acknowledgement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acked {
    /// It matched the head; `terminal` if that ended the task's stream.
    Head { terminal: bool },
    /// It matched nothing in flight (late or duplicate); ignored.
    Ignored,
}

/// Errors of the manager: checkpoint I/O, or an update it cannot take.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("a status update needs a 16-byte uuid")]
    NoUuid,
    #[error("cannot checkpoint the status update: {0}")]
    Checkpoint(#[from] std::io::Error),
}

/// Every task's stream.
#[derive(Debug, Default)]
pub struct StatusUpdateManager {
    streams: BTreeMap<(FrameworkId, TaskId), Stream>,
}

impl StatusUpdateManager {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes an update for a task; with `checkpoint` it is written there first.
    pub fn update(
        &mut self,
        framework_id: &FrameworkId,
        status: TaskStatus,
        checkpoint: Option<&Path>,
    ) -> Result<Received, UpdateError> {
        let uuid = status
            .uuid
            .as_ref()
            .filter(|u| u.len() == 16)
            .ok_or(UpdateError::NoUuid)?
            .as_slice()
            .to_vec();
        let key = (framework_id.clone(), status.task_id.clone());
        let stream = self
            .streams
            .entry(key)
            .or_insert_with(|| Stream::new(checkpoint.map(Path::to_path_buf)));
        if stream.seen.contains(&uuid) || stream.done {
            return Ok(Received::Duplicate);
        }
        stream.append(&Record::Update(Box::new(status.clone())))?;
        stream.seen.insert(uuid);
        stream.pending.push_back(status);
        Ok(Received::Queued)
    }

    /// The framework acknowledged `uuid` of a task.
    pub fn acknowledge(
        &mut self,
        framework_id: &FrameworkId,
        task_id: &TaskId,
        uuid: &Bytes,
    ) -> Result<Acked, UpdateError> {
        let key = (framework_id.clone(), task_id.clone());
        let Some(stream) = self.streams.get_mut(&key) else {
            return Ok(Acked::Ignored);
        };
        if stream.pending.front().and_then(|s| s.uuid.as_ref()) != Some(uuid) {
            return Ok(Acked::Ignored);
        }
        stream.append(&Record::Ack(uuid.clone()))?;
        let head = stream.pending.pop_front();
        stream.next_send = None;
        stream.backoff = RETRY_MIN;
        let terminal = head.is_some_and(|s| s.state.is_terminal());
        if terminal {
            // Once the terminal update is acknowledged the stream is finished, as in Mesos.
            stream.done = true;
            stream.pending.clear();
        }
        Ok(Acked::Head { terminal })
    }

    /// Updates due to (re)send now: each stream's head, marked as sent.
    pub fn due(&mut self, now: Instant) -> Vec<StatusUpdate> {
        let mut due = Vec::new();
        for ((framework_id, _), stream) in &mut self.streams {
            let Some(head) = stream.pending.front() else {
                continue;
            };
            if stream.next_send.is_some_and(|t| t > now) {
                continue;
            }
            let latest_state = stream.pending.back().map(|s| s.state);
            due.push(StatusUpdate {
                framework_id: framework_id.clone(),
                status: head.clone(),
                latest_state,
            });
            if stream.next_send.is_some() {
                stream.backoff = (stream.backoff * 2).min(RETRY_MAX);
            }
            stream.next_send = Some(now + stream.backoff);
        }
        due
    }

    /// The master changed (or came back): every head goes again now.
    pub fn resend_all(&mut self) {
        for stream in self.streams.values_mut() {
            stream.next_send = None;
            stream.backoff = RETRY_MIN;
        }
    }

    /// The earliest moment something is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.streams
            .values()
            .filter(|s| !s.pending.is_empty())
            .map(|s| s.next_send.unwrap_or_else(Instant::now))
            .min()
    }

    /// Whether a task has updates the framework has not acknowledged.
    pub fn has_pending(&self, framework_id: &FrameworkId, task_id: &TaskId) -> bool {
        self.streams
            .get(&(framework_id.clone(), task_id.clone()))
            .is_some_and(|s| !s.pending.is_empty())
    }

    /// The newest state queued for a task, if any is pending.
    pub fn latest_state(&self, framework_id: &FrameworkId, task_id: &TaskId) -> Option<TaskState> {
        self.streams
            .get(&(framework_id.clone(), task_id.clone()))
            .and_then(|s| s.pending.back().map(|u| u.state))
    }

    /// Whether the task's stream ended with an acknowledged terminal update.
    pub fn finished(&self, framework_id: &FrameworkId, task_id: &TaskId) -> bool {
        self.streams
            .get(&(framework_id.clone(), task_id.clone()))
            .is_some_and(|s| s.done)
    }

    /// Forgets finished streams of a framework's tasks (after the executor is gone).
    pub fn forget(&mut self, framework_id: &FrameworkId, task_id: &TaskId) {
        let key = (framework_id.clone(), task_id.clone());
        if self.streams.get(&key).is_some_and(|s| s.pending.is_empty()) {
            self.streams.remove(&key);
        }
    }

    /// How many updates wait for an acknowledgement, over all tasks.
    pub fn pending_count(&self) -> usize {
        self.streams.values().map(|s| s.pending.len()).sum()
    }

    /// Rebuilds a task's stream from its checkpoint; returns every update it held, in order.
    pub fn recover(
        &mut self,
        framework_id: &FrameworkId,
        task_id: &TaskId,
        checkpoint: &Path,
    ) -> Result<Vec<TaskStatus>, String> {
        let text = match std::fs::read_to_string(checkpoint) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", checkpoint.display())),
        };
        let mut stream = Stream::new(Some(checkpoint.to_path_buf()));
        let mut all = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            // A torn last line (crash while appending) is dropped, as Mesos does.
            let record: Record = match serde_json::from_str(line) {
                Ok(record) => record,
                Err(_) if n + 1 == text.lines().count() => {
                    // Cut the torn line off so that later appends start on a clean line.
                    let good = text.len() - line.len();
                    std::fs::write(checkpoint, &text.as_bytes()[..good])
                        .map_err(|e| format!("cannot repair {}: {e}", checkpoint.display()))?;
                    break;
                }
                Err(e) => {
                    return Err(format!(
                        "{} line {}: not a status update record: {e}",
                        checkpoint.display(),
                        n + 1
                    ));
                }
            };
            match record {
                Record::Update(status) => {
                    let status = *status;
                    if let Some(uuid) = &status.uuid {
                        stream.seen.insert(uuid.as_slice().to_vec());
                    }
                    all.push(status.clone());
                    stream.pending.push_back(status);
                }
                Record::Ack(uuid) => {
                    if stream.pending.front().and_then(|s| s.uuid.as_ref()) == Some(&uuid)
                        && let Some(head) = stream.pending.pop_front()
                        && head.state.is_terminal()
                    {
                        stream.done = true;
                        stream.pending.clear();
                    }
                }
            }
        }
        self.streams
            .insert((framework_id.clone(), task_id.clone()), stream);
        Ok(all)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn status(task: &str, state: TaskState, n: u8) -> TaskStatus {
        TaskStatus {
            uuid: Some(Bytes(vec![n; 16])),
            ..TaskStatus::new(TaskId::new(task), state)
        }
    }

    #[test]
    fn one_update_in_flight_per_task_until_acknowledged() {
        let fw = FrameworkId::new("F");
        let mut m = StatusUpdateManager::new();
        m.update(&fw, status("t", TaskState::Starting, 1), None)
            .unwrap();
        m.update(&fw, status("t", TaskState::Running, 2), None)
            .unwrap();
        let now = Instant::now();
        let due = m.due(now);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].status.state, TaskState::Starting);
        assert_eq!(due[0].latest_state, Some(TaskState::Running));
        assert!(m.due(now).is_empty(), "in flight, not due again yet");
        let later = m.due(now + RETRY_MIN);
        assert_eq!(later.len(), 1, "resent after the retry interval");
        assert_eq!(
            m.acknowledge(&fw, &TaskId::new("t"), &Bytes(vec![2; 16]))
                .unwrap(),
            Acked::Ignored,
            "only the head can be acknowledged"
        );
        assert_eq!(
            m.acknowledge(&fw, &TaskId::new("t"), &Bytes(vec![1; 16]))
                .unwrap(),
            Acked::Head { terminal: false }
        );
        assert_eq!(m.due(now + RETRY_MIN)[0].status.state, TaskState::Running);
    }

    #[test]
    fn duplicates_and_terminal() {
        let fw = FrameworkId::new("F");
        let mut m = StatusUpdateManager::new();
        assert_eq!(
            m.update(&fw, status("t", TaskState::Finished, 1), None)
                .unwrap(),
            Received::Queued
        );
        assert_eq!(
            m.update(&fw, status("t", TaskState::Finished, 1), None)
                .unwrap(),
            Received::Duplicate
        );
        m.due(Instant::now());
        assert_eq!(
            m.acknowledge(&fw, &TaskId::new("t"), &Bytes(vec![1; 16]))
                .unwrap(),
            Acked::Head { terminal: true }
        );
        assert!(m.finished(&fw, &TaskId::new("t")));
        assert!(m.due(Instant::now() + RETRY_MAX).is_empty());
        assert!(matches!(
            m.update(
                &fw,
                TaskStatus::new(TaskId::new("u"), TaskState::Running),
                None
            ),
            Err(UpdateError::NoUuid)
        ));
    }

    #[test]
    fn backoff_doubles_to_the_maximum() {
        let fw = FrameworkId::new("F");
        let mut m = StatusUpdateManager::new();
        m.update(&fw, status("t", TaskState::Running, 1), None)
            .unwrap();
        let mut now = Instant::now();
        let mut intervals = Vec::new();
        m.due(now);
        for _ in 0..8 {
            let next = m.next_deadline().unwrap();
            intervals.push(next - now);
            now = next;
            assert_eq!(m.due(now).len(), 1);
        }
        assert_eq!(intervals[0], RETRY_MIN);
        assert_eq!(intervals[1], RETRY_MIN * 2);
        assert_eq!(*intervals.last().unwrap(), RETRY_MAX);
    }

    #[test]
    fn checkpoint_survives_a_restart() {
        let dir = std::env::temp_dir().join(format!("sum-{}", std::process::id()));
        let path = dir.join("task.updates");
        let _ = std::fs::remove_dir_all(&dir);
        let fw = FrameworkId::new("F");
        let task = TaskId::new("t");
        let mut m = StatusUpdateManager::new();
        m.update(&fw, status("t", TaskState::Starting, 1), Some(&path))
            .unwrap();
        m.update(&fw, status("t", TaskState::Running, 2), Some(&path))
            .unwrap();
        m.due(Instant::now());
        m.acknowledge(&fw, &task, &Bytes(vec![1; 16])).unwrap();
        // A torn line at the end, as after a crash mid-append.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"update\":{\"task_")
            .unwrap();
        let mut recovered = StatusUpdateManager::new();
        let all = recovered.recover(&fw, &task, &path).unwrap();
        assert_eq!(all.len(), 2);
        let due = recovered.due(Instant::now());
        assert_eq!(due.len(), 1);
        assert_eq!(
            due[0].status.state,
            TaskState::Running,
            "the acknowledged one is gone"
        );
        assert_eq!(
            recovered
                .update(&fw, status("t", TaskState::Running, 2), Some(&path))
                .unwrap(),
            Received::Duplicate
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

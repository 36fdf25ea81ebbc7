//! The master's in-memory model of the cluster: frameworks, agents, tasks and offers.
//!
//! Everything lives in one [`State`] behind the master's lock; handlers mutate it in short
//! critical sections and push events to subscribers through bounded channels, never waiting on a
//! client while holding the lock.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use futures::Stream;
use mesos_api::resources::Resources;
use mesos_api::v1::{
    AgentId, AgentInfo, ExecutorId, ExecutorInfo, FrameworkCapabilityType, FrameworkId,
    FrameworkInfo, OfferId, TaskId, TaskInfo, TaskState, TaskStatus,
};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::allocator::Allocator;

/// Bytes of events waiting for one subscriber before it counts as too slow and is
/// disconnected. Generous, so that a burst (an explicit reconciliation of many thousand tasks,
/// a large launch) never disconnects a subscriber that reads: only one that stopped reading.
pub const SUBSCRIBER_BACKLOG: usize = 64 * 1024 * 1024;

/// The master's end of a subscriber's stream: RecordIO-framed events go in, the HTTP response
/// body ([`Outlet`]) sends them.
///
/// The stream ends when every clone of the connection is dropped and the queued events are sent
/// (so an ERROR pushed last still reaches the client), or at once with [`Connection::abort`].
#[derive(Debug, Clone)]
pub struct Connection {
    pub stream_id: String,
    tx: mpsc::UnboundedSender<Bytes>,
    /// Bytes pushed and not yet taken by the response body.
    backlog: Arc<AtomicUsize>,
    abort: Arc<Notify>,
}

impl Connection {
    /// A new stream with a random id: the master's end, the response body's end, and a receiver
    /// that completes when the response body is dropped (the client went away or the stream
    /// ended).
    pub fn open() -> (Connection, Outlet, oneshot::Receiver<()>) {
        let (tx, events) = mpsc::unbounded_channel();
        let (closed_tx, closed_rx) = oneshot::channel();
        let abort = Arc::new(Notify::new());
        let backlog = Arc::new(AtomicUsize::new(0));
        let connection = Connection {
            stream_id: uuid::Uuid::new_v4().to_string(),
            tx,
            backlog: Arc::clone(&backlog),
            abort: Arc::clone(&abort),
        };
        let outlet = Outlet {
            events,
            backlog,
            abort,
            _closed: closed_tx,
        };
        (connection, outlet, closed_rx)
    }

    /// Queues an already-framed event; `false` if the subscriber is gone or more than
    /// [`SUBSCRIBER_BACKLOG`] behind (the event is not queued then).
    pub fn push(&self, record: Bytes) -> bool {
        let size = record.len();
        let queued = self.backlog.fetch_add(size, Ordering::Relaxed);
        if queued.saturating_add(size) > SUBSCRIBER_BACKLOG || self.tx.send(record).is_err() {
            self.backlog.fetch_sub(size, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Ends the stream now, dropping what is still queued, and breaks the HTTP connection (for
    /// a subscriber too slow to keep up).
    pub fn abort(&self) {
        self.abort.notify_one();
    }
}

/// The response body's end of a [`Connection`].
#[derive(Debug)]
pub struct Outlet {
    events: mpsc::UnboundedReceiver<Bytes>,
    backlog: Arc<AtomicUsize>,
    abort: Arc<Notify>,
    /// Dropped with the body: completes the receiver [`Connection::open`] returned.
    _closed: oneshot::Sender<()>,
}

impl Outlet {
    /// The events as a response body: they end when the master drops the connection, and an
    /// error (which makes the HTTP server drop the connection) follows an abort.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
        futures::stream::unfold(Some(self), |outlet| async move {
            let mut outlet = outlet?;
            let abort = Arc::clone(&outlet.abort);
            tokio::select! {
                biased;
                () = abort.notified() => Some((
                    Err(std::io::Error::other("the master closed this subscription")),
                    None,
                )),
                event = outlet.events.recv() => event.map(|record| {
                    outlet.backlog.fetch_sub(record.len(), Ordering::Relaxed);
                    (Ok(record), Some(outlet))
                }),
            }
        })
    }
}

/// A framework known to the master.
#[derive(Debug)]
pub struct Framework {
    pub id: FrameworkId,
    pub info: FrameworkInfo,
    pub connection: Option<Connection>,
    /// Receives offers (subscribed and not deactivated).
    pub active: bool,
    /// Learned from an agent's re-registration, not yet re-subscribed.
    pub recovered: bool,
    pub registered_time: f64,
    pub reregistered_time: Option<f64>,
    pub unregistered_time: Option<f64>,
    /// When a disconnected framework is removed (its `failover_timeout`).
    pub failover_deadline: Option<Instant>,
    pub suppressed_roles: BTreeSet<String>,
    pub tasks: BTreeMap<TaskId, Task>,
    pub completed_tasks: VecDeque<Task>,
    pub offers: BTreeSet<OfferId>,
    /// Executors by agent.
    pub executors: BTreeMap<AgentId, BTreeMap<ExecutorId, ExecutorInfo>>,
}

impl Framework {
    pub fn new(id: FrameworkId, info: FrameworkInfo, now: f64) -> Self {
        Self {
            id,
            info,
            connection: None,
            active: false,
            recovered: false,
            registered_time: now,
            reregistered_time: None,
            unregistered_time: None,
            failover_deadline: None,
            suppressed_roles: BTreeSet::new(),
            tasks: BTreeMap::new(),
            completed_tasks: VecDeque::new(),
            offers: BTreeSet::new(),
            executors: BTreeMap::new(),
        }
    }

    pub fn connected(&self) -> bool {
        self.connection.is_some()
    }

    pub fn partition_aware(&self) -> bool {
        self.info
            .has_capability(FrameworkCapabilityType::PartitionAware)
    }

    pub fn multi_role(&self) -> bool {
        self.info.has_capability(FrameworkCapabilityType::MultiRole)
    }

    pub fn roles(&self) -> Vec<String> {
        self.info.effective_roles()
    }

    /// Resources of its non-terminal tasks (and their executors).
    pub fn used(&self) -> Resources {
        let mut used = Resources::new();
        for task in self.tasks.values().filter(|t| !t.state.is_terminal()) {
            used += task.resources.clone();
        }
        used
    }
}

/// A task known to the master.
#[derive(Debug, Clone)]
pub struct Task {
    pub info: TaskInfo,
    pub framework_id: FrameworkId,
    pub agent_id: AgentId,
    /// The latest state (what the agent last reported as `latest_state`).
    pub state: TaskState,
    /// The latest status received, for reconciliation.
    pub status: Option<TaskStatus>,
    /// Statuses in the order they were sent, for `/state`.
    pub statuses: Vec<TaskStatus>,
    /// The executor that runs the task (`None` for command tasks, as Mesos renders `""`).
    pub executor_id: Option<ExecutorId>,
    pub resources: Resources,
    pub role: String,
    pub unreachable_time: Option<f64>,
    /// When the master sent the launch (or learned of the task).
    pub staged_at: Instant,
    /// Uuids of the updates the framework acknowledged: an agent that resends one (it crashed
    /// before the acknowledgement reached it) is acknowledged again without the framework
    /// seeing the update twice.
    pub acknowledged: BTreeSet<Vec<u8>>,
}

/// How an agent is connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentLink {
    Connected,
    /// Its stream broke; it may come back.
    Disconnected,
    /// It missed too many pings.
    Unreachable,
}

/// An agent known to the master.
#[derive(Debug)]
pub struct Agent {
    pub id: AgentId,
    pub info: AgentInfo,
    /// `http://host:port` of the agent.
    pub endpoint: String,
    /// `slave(1)@ip:port`.
    pub pid: String,
    pub version: String,
    pub registered_time: f64,
    pub reregistered_time: Option<f64>,
    pub connection: Option<Connection>,
    pub link: AgentLink,
    pub last_ping: Instant,
    pub total: Resources,
    /// Resources in outstanding offers.
    pub offered: Resources,
}

impl Agent {
    pub fn active(&self) -> bool {
        self.link == AgentLink::Connected
    }
}

/// An outstanding offer.
#[derive(Debug, Clone)]
pub struct Offer {
    pub id: OfferId,
    pub framework_id: FrameworkId,
    pub agent_id: AgentId,
    pub role: String,
    pub resources: Resources,
    pub created: Instant,
}

/// The whole model.
pub struct State {
    pub frameworks: HashMap<FrameworkId, Framework>,
    pub completed_frameworks: VecDeque<Framework>,
    pub agents: HashMap<AgentId, Agent>,
    /// Agents removed as unreachable, with the time (they may still come back).
    pub unreachable_agents: HashMap<AgentId, f64>,
    pub offers: HashMap<OfferId, Offer>,
    pub allocator: Box<dyn Allocator + Sync>,
    pub next_framework: u64,
    pub next_offer: u64,
    pub next_agent: u64,
    /// Role weights in force.
    pub weights: BTreeMap<String, f64>,
    /// Agents the registry had admitted before this master started (expected to re-register);
    /// an agent leaves the set when it re-registers.
    pub admitted_agents: BTreeSet<AgentId>,
    /// What the registry knows of the admitted agents that have not re-registered yet, so that
    /// the registry keeps them until they are back.
    pub recovered_agent_infos: BTreeMap<AgentId, AgentInfo>,
}

impl State {
    pub fn new(allocator: Box<dyn Allocator + Sync>, weights: BTreeMap<String, f64>) -> Self {
        Self {
            frameworks: HashMap::new(),
            completed_frameworks: VecDeque::new(),
            agents: HashMap::new(),
            unreachable_agents: HashMap::new(),
            offers: HashMap::new(),
            allocator,
            next_framework: 0,
            next_offer: 0,
            next_agent: 0,
            weights,
            admitted_agents: BTreeSet::new(),
            recovered_agent_infos: BTreeMap::new(),
        }
    }

    /// Whether this agent was admitted before the master started and has neither re-registered
    /// nor been marked unreachable since (Mesos's `slaves.recovered`).
    pub fn recovering(&self, agent: &AgentId) -> bool {
        self.admitted_agents.contains(agent)
            && !self.agents.contains_key(agent)
            && !self.unreachable_agents.contains_key(agent)
    }

    /// Whether any agent is [recovering](Self::recovering).
    pub fn any_recovering(&self) -> bool {
        self.admitted_agents.iter().any(|a| self.recovering(a))
    }

    /// Resources used by tasks on `agent`, by framework.
    pub fn used_on(&self, agent: &AgentId) -> BTreeMap<FrameworkId, Resources> {
        let mut used: BTreeMap<FrameworkId, Resources> = BTreeMap::new();
        for framework in self.frameworks.values() {
            for task in framework.tasks.values() {
                if task.agent_id == *agent && !task.state.is_terminal() {
                    *used.entry(framework.id.clone()).or_default() += task.resources.clone();
                }
            }
        }
        used
    }
}

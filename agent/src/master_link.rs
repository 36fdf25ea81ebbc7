//! The agent's side of the master ↔ agent protocol (`docs/master-agent-protocol.md`): register
//! or re-register, follow the master's event stream, ping, send status updates until they are
//! acknowledged, and reconnect with backoff when the master goes away.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mesos_api::client::EventStream;
use mesos_api::internal::{
    AGENT_API_PATH, AgentCall, AgentCallType, MasterEvent, MasterEventType, PROTOCOL_VERSION,
    Register,
};
use mesos_api::recordio::DEFAULT_MAX_RECORD_SIZE;
use rand::Rng as _;
use reqwest::header::CONTENT_TYPE;
use tracing::{debug, info, warn};

use crate::agent::Agent;

const STREAM_ID: &str = "Mesos-Stream-Id";
/// Longest wait between two registration attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Timeout of one call to the master.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

fn url(agent: &Agent) -> String {
    format!("http://{}{AGENT_API_PATH}", agent.config.master)
}

/// Sends `call` to the master in the background (dropped if the agent is not registered: the
/// master learns the agent's state when it re-registers).
pub fn send_soon(agent: &Agent, mut call: AgentCall) {
    let (stream, agent_id) = {
        let state = agent.lock();
        (state.master_stream.clone(), state.agent_id.clone())
    };
    let Some(stream) = stream else {
        debug!(kind = %call.kind, "not registered: call dropped");
        return;
    };
    call.agent_id = agent_id;
    let request = agent
        .http
        .post(url(agent))
        .timeout(CALL_TIMEOUT)
        .header(CONTENT_TYPE, "application/json")
        .header(STREAM_ID, stream)
        .json(&call);
    tokio::spawn(async move {
        match request.send().await {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => {
                warn!(status = %response.status(), kind = %call.kind, "the master refused a call")
            }
            Err(e) => debug!(error = %e, kind = %call.kind, "a call to the master failed"),
        }
    });
}

/// Registers and follows the master forever, reconnecting with backoff.
pub async fn run(agent: Arc<Agent>) {
    let mut attempt: u32 = 0;
    loop {
        match session(&agent).await {
            Ok(()) => attempt = 0,
            Err(e) => warn!(error = %e, "no connection to the master"),
        }
        {
            let mut state = agent.lock();
            state.master_stream = None;
        }
        // Mesos: a random delay up to factor × 2^attempt, capped at one minute.
        let factor = agent
            .config
            .registration_backoff_factor
            .max(Duration::from_millis(10));
        let cap = factor
            .saturating_mul(1u32 << attempt.min(6))
            .min(MAX_BACKOFF);
        attempt = attempt.saturating_add(1);
        let delay = rand::rng().random_range(Duration::ZERO..=cap);
        tokio::time::sleep(delay).await;
    }
}

/// One connection: register, then handle events until the stream ends.
async fn session(agent: &Arc<Agent>) -> Result<(), String> {
    let call = {
        let state = agent.lock();
        let reregister = state.agent_id.is_some();
        let (frameworks, executors, tasks) = if reregister {
            agent.reregistration(&state)
        } else {
            Default::default()
        };
        let kind = if reregister {
            AgentCallType::Reregister
        } else {
            AgentCallType::Register
        };
        AgentCall {
            register: Some(Register {
                agent_info: agent.agent_info(&state),
                version: PROTOCOL_VERSION.to_owned(),
                agent_version: Some(crate::VERSION.to_owned()),
                endpoint: Some(format!("http://{}", agent.config.endpoint())),
                frameworks,
                executors,
                tasks,
            }),
            ..AgentCall::new(kind, state.agent_id.clone())
        }
    };
    let response = agent
        .http
        .post(url(agent))
        .header(CONTENT_TYPE, "application/json")
        .json(&call)
        .send()
        .await
        .map_err(|e| format!("cannot reach the master at {}: {e}", agent.config.master))?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        return Err(format!(
            "the master refused the registration ({status}): {body}"
        ));
    }
    let stream_id = response
        .headers()
        .get(STREAM_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or("the master's answer has no Mesos-Stream-Id")?;
    // The master sends a heartbeat every 15 s; three missed ones mean it is gone.
    let mut events: EventStream<MasterEvent> =
        EventStream::new(response, DEFAULT_MAX_RECORD_SIZE, Duration::from_secs(50));
    let first = events
        .next()
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the master closed the stream before REGISTERED")?;
    let registered = first
        .registered
        .filter(|_| first.kind == MasterEventType::Registered)
        .ok_or("the master's first event is not REGISTERED")?;
    {
        let mut state = agent.lock();
        state.agent_id = Some(registered.agent_id.clone());
        state.master_info = Some(registered.master_info.clone());
        state.master_stream = Some(stream_id);
        state.updates.resend_all();
    }
    crate::recovery::remember_agent_id(agent, &registered.agent_id);
    info!(agent = %registered.agent_id, master = %registered.master_info.id, "registered with the master");
    agent.updates_ready.notify_one();
    let ping_every = Duration::try_from_secs_f64(registered.ping_interval_seconds)
        .unwrap_or(Duration::from_secs(15))
        .max(Duration::from_millis(100));
    let pinger = tokio::spawn(ping_loop(Arc::clone(agent), ping_every / 2));
    let sender = tokio::spawn(update_loop(Arc::clone(agent)));
    let outcome = loop {
        match events.next().await {
            Ok(Some(event)) => handle(agent, event),
            Ok(None) => break Ok(()),
            Err(mesos_api::client::StreamError::BadEvent { index, source, .. }) => {
                warn!(index, error = %source, "ignoring an event from the master that does not parse");
            }
            Err(e) => break Err(format!("the master's stream broke: {e}")),
        }
    };
    pinger.abort();
    sender.abort();
    info!("disconnected from the master");
    outcome
}

fn handle(agent: &Arc<Agent>, event: MasterEvent) {
    match event.kind {
        MasterEventType::RunTask => {
            if let Some(run) = event.run_task {
                agent.run_task(run.framework_info, run.task, None);
            }
        }
        MasterEventType::RunTaskGroup => {
            if let Some(run) = event.run_task_group {
                for task in run.task_group.tasks {
                    agent.run_task(run.framework_info.clone(), task, Some(run.executor.clone()));
                }
            }
        }
        MasterEventType::KillTask => {
            if let Some(kill) = event.kill_task {
                agent.kill_task(&kill.framework_id, &kill.task_id, kill.kill_policy);
            }
        }
        MasterEventType::Acknowledge => {
            if let Some(ack) = event.acknowledge {
                agent.acknowledge(&ack.framework_id, &ack.task_id, &ack.uuid);
            }
        }
        MasterEventType::ShutdownFramework => {
            if let Some(f) = event.shutdown_framework {
                agent.shutdown_framework(&f.framework_id);
            }
        }
        MasterEventType::ShutdownExecutor => {
            if let Some(e) = event.shutdown_executor {
                agent.shutdown_executor(&e.framework_id, &e.executor_id);
            }
        }
        MasterEventType::FrameworkMessage => {
            if let Some(m) = event.framework_message {
                agent.framework_message(&m.framework_id, &m.executor_id, m.data);
            }
        }
        MasterEventType::UpdateFramework => {
            if let Some(u) = event.update_framework {
                agent.update_framework(u.framework_info);
            }
        }
        MasterEventType::Error => {
            let message = event.error.map(|e| e.message).unwrap_or_default();
            warn!(%message, "the master reported an error");
        }
        MasterEventType::Heartbeat | MasterEventType::Registered => {}
        other => debug!(?other, "ignoring a master event"),
    }
}

async fn ping_loop(agent: Arc<Agent>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        send_soon(&agent, AgentCall::new(AgentCallType::Ping, None));
    }
}

/// Sends due status updates; the status-update manager decides what is due.
async fn update_loop(agent: Arc<Agent>) {
    loop {
        let (due, next) = {
            let mut state = agent.lock();
            let due = state.updates.due(Instant::now());
            (due, state.updates.next_deadline())
        };
        for update in due {
            let call = AgentCall {
                status_update: Some(update),
                ..AgentCall::new(AgentCallType::StatusUpdate, None)
            };
            send_soon(&agent, call);
        }
        let wait = next
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(60))
            .max(Duration::from_millis(1));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = agent.updates_ready.notified() => {}
        }
    }
}

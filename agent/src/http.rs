//! The agent's HTTP server: the v1 executor API and the read endpoints, at Apache Mesos's paths
//! (each also under `/slave(1)`).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use futures::StreamExt as _;
use mesos_api::v1::executor::{Call, CallType};
use serde_json::{Value, json};

use crate::agent::{Agent, CallError, Executor, Framework, TaskRecord};

const JSON: &str = "application/json";
/// Largest executor call accepted.
const MAX_BODY: usize = 8 * 1024 * 1024;

type Shared = Arc<Agent>;

pub fn router(agent: Shared) -> Router {
    let files = crate::files::router(Arc::clone(&agent.files));
    let api = Router::new()
        .route("/api/v1/executor", any(executor_api))
        .route("/state", get(state))
        .route("/state.json", get(state))
        .route("/health", get(health))
        .route("/flags", get(flags))
        .route("/metrics/snapshot", get(metrics))
        .with_state(Arc::clone(&agent));
    Router::new()
        .merge(api.clone())
        .nest("/slave(1)", api)
        .route("/version", get(version))
        .merge(files)
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

fn error(status: u16, message: impl Into<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, message.into()).into_response()
}

impl IntoResponse for CallError {
    fn into_response(self) -> Response {
        error(self.status, self.message)
    }
}

/// `POST /api/v1/executor`, with Mesos's status codes (`src/slave/http.cpp`).
async fn executor_api(
    State(agent): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if agent.recovering() {
        return error(503, "Agent has not finished recovery");
    }
    if method != Method::POST {
        return error(405, format!("Expecting 'POST', received '{method}'"));
    }
    match headers.get(header::CONTENT_TYPE).map(HeaderValue::to_str) {
        None => return error(400, "Expecting 'Content-Type' to be present"),
        Some(Ok(JSON)) => {}
        Some(Ok("application/x-protobuf")) => {
            return error(
                415,
                "Content-Type 'application/x-protobuf' is not supported by this agent yet",
            );
        }
        Some(_) => {
            return error(
                415,
                "Expecting 'Content-Type' of application/json or application/x-protobuf",
            );
        }
    }
    let call: Call = match serde_json::from_slice(&body) {
        Ok(call) => call,
        Err(e) => return error(400, format!("Failed to parse body into Call: {e}")),
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match call.kind {
        Some(CallType::Subscribe) => {
            if let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
                && !accept.split(',').any(|a| {
                    matches!(
                        a.split(';').next().unwrap_or_default().trim(),
                        JSON | "*/*" | "application/*" | ""
                    )
                })
            {
                return error(406, "Expecting 'Accept' to allow application/json");
            }
            match agent.executor_subscribe(call, token) {
                Ok(events) => {
                    let stream = tokio_stream::wrappers::ReceiverStream::new(events)
                        .map(Ok::<_, Infallible>);
                    let mut response = Response::new(Body::from_stream(stream));
                    response
                        .headers_mut()
                        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
                    response
                }
                Err(e) => e.into_response(),
            }
        }
        Some(CallType::Heartbeat) | Some(CallType::Update) | Some(CallType::Message) => {
            match agent.executor_call(call, token) {
                Ok(()) => StatusCode::ACCEPTED.into_response(),
                Err(e) => e.into_response(),
            }
        }
        _ => error(400, "Expecting 'type' to be present and known"),
    }
}

async fn health() -> StatusCode {
    StatusCode::OK
}

async fn version() -> Response {
    axum::Json(json!({
        "version": crate::MESOS_VERSION,
        "build_date": "",
        "build_time": 0.0,
        "build_user": "",
    }))
    .into_response()
}

async fn flags(State(agent): State<Shared>) -> Response {
    axum::Json(json!({ "flags": agent.config.flags })).into_response()
}

fn task_json(framework_id: &str, executor_id: &str, agent_id: &str, task: &TaskRecord) -> Value {
    let resources = mesos_api::resources::Resources::from(task.info.resources.clone());
    json!({
        "id": task.info.task_id.value,
        "name": task.info.name,
        "framework_id": framework_id,
        "executor_id": if task.info.executor.is_some() { executor_id } else { "" },
        "slave_id": agent_id,
        "state": task.state.as_str(),
        "resources": resources.summary(),
        "statuses": task.statuses.iter().map(|s| {
            let mut status = json!({"state": s.state.as_str(), "timestamp": s.timestamp.unwrap_or(0.0)});
            if let Some(container) = &s.container_status {
                status["container_status"] = serde_json::to_value(container).unwrap_or(Value::Null);
            }
            status
        }).collect::<Vec<_>>(),
        "labels": task.info.labels.as_ref().map(|l| &l.labels),
        "container": task.info.container,
    })
}

fn executor_json(framework_id: &str, agent_id: &str, executor: &Executor) -> Value {
    let id = executor.info.executor_id.value.as_str();
    let resources = mesos_api::resources::Resources::from(executor.info.resources.clone());
    let (queued, running): (Vec<&TaskRecord>, Vec<&TaskRecord>) =
        executor.tasks.values().partition(|t| !t.launched);
    json!({
        "id": id,
        "name": executor.info.name.clone().unwrap_or_default(),
        "source": executor.info.source.clone().unwrap_or_default(),
        "container": executor.container_id,
        "directory": executor.directory.display().to_string(),
        "resources": resources.summary(),
        "type": if matches!(executor.kind, crate::agent::ExecutorKind::Custom) { "CUSTOM" } else { "DEFAULT" },
        "tasks": running.iter().map(|t| task_json(framework_id, id, agent_id, t)).collect::<Vec<_>>(),
        "queued_tasks": queued.iter().map(|t| task_json(framework_id, id, agent_id, t)).collect::<Vec<_>>(),
        "completed_tasks": executor.completed_tasks.iter().map(|t| task_json(framework_id, id, agent_id, t)).collect::<Vec<_>>(),
    })
}

fn framework_json(agent_id: &str, framework: &Framework) -> Value {
    let info = &framework.info;
    let id = info
        .id
        .as_ref()
        .map(|i| i.value.clone())
        .unwrap_or_default();
    let mut value = json!({
        "id": id,
        "name": info.name,
        "user": info.user,
        "failover_timeout": info.failover_timeout,
        "checkpoint": info.checkpoint,
        "hostname": info.hostname.clone().unwrap_or_default(),
        "executors": framework.executors.values().map(|e| executor_json(&id, agent_id, e)).collect::<Vec<_>>(),
        "completed_executors": framework.completed_executors.iter().map(|e| executor_json(&id, agent_id, e)).collect::<Vec<_>>(),
    });
    if let Some(principal) = &info.principal {
        value["principal"] = json!(principal);
    }
    if info.has_capability(mesos_api::v1::FrameworkCapabilityType::MultiRole) {
        value["roles"] = json!(info.roles);
    } else {
        value["role"] = json!(info.role.clone().unwrap_or_else(|| "*".into()));
    }
    value
}

/// `/state` with Mesos's keys (`src/slave/http.cpp`).
async fn state(State(agent): State<Shared>) -> Response {
    let state = agent.lock();
    let agent_id = state
        .agent_id
        .as_ref()
        .map(|a| a.value.clone())
        .unwrap_or_default();
    let mut body = json!({
        "version": crate::MESOS_VERSION,
        "build_date": "",
        "build_time": 0.0,
        "build_user": "",
        "start_time": agent.start_time,
        "id": agent_id,
        "pid": agent.config.pid(),
        "hostname": agent.config.hostname,
        "capabilities": ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT", "TASK_RESOURCE_LIMITS"],
        "resources": agent.config.resources.summary(),
        "reserved_resources": {},
        "unreserved_resources": agent.config.resources.unreserved().summary(),
        "reserved_resources_full": {},
        "unreserved_resources_full": agent.config.resources.unreserved(),
        "reserved_resources_allocated": {},
        "unreserved_resources_allocated": {},
        "resource_providers": [],
        "attributes": agent.config.attributes.to_json_object(),
        "flags": agent.config.flags,
        "frameworks": state.frameworks.values().map(|f| framework_json(&agent_id, f)).collect::<Vec<_>>(),
        "completed_frameworks": state.completed_frameworks.iter().map(|f| framework_json(&agent_id, f)).collect::<Vec<_>>(),
    });
    if let Some(master) = &state.master_info
        && let Some(hostname) = &master.hostname
    {
        body["master_hostname"] = json!(hostname);
    }
    drop(state);
    axum::Json(body).into_response()
}

/// `/metrics/snapshot` with the agent's metric names (`src/slave/metrics.cpp`).
async fn metrics(State(agent): State<Shared>) -> Response {
    let state = agent.lock();
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    out.insert(
        "slave/registered".into(),
        if state.master_stream.is_some() {
            1.0
        } else {
            0.0
        },
    );
    out.insert(
        "slave/uptime_secs".into(),
        crate::agent::now() - agent.start_time,
    );
    let mut used = mesos_api::resources::Resources::new();
    let mut counts: BTreeMap<&str, f64> = BTreeMap::new();
    let mut executors: BTreeMap<&str, f64> = BTreeMap::new();
    for framework in state.frameworks.values() {
        for executor in framework.executors.values() {
            let phase = match executor.phase {
                crate::agent::Phase::Launching | crate::agent::Phase::Registering => "registering",
                crate::agent::Phase::Running => "running",
                crate::agent::Phase::Terminating => "terminating",
                crate::agent::Phase::Terminated => "terminated",
            };
            *executors.entry(phase).or_insert(0.0) += 1.0;
            for task in executor.tasks.values() {
                if !task.state.is_terminal() {
                    used += mesos_api::resources::Resources::from(task.info.resources.clone());
                }
                let name = task.state.as_str().trim_start_matches("TASK_");
                *counts.entry(name).or_insert(0.0) += 1.0;
            }
        }
    }
    for name in ["cpus", "mem", "disk", "gpus"] {
        let total = agent.config.resources.scalar(name).map_or(0.0, |s| s.value);
        let used = used.scalar(name).map_or(0.0, |s| s.value);
        out.insert(format!("slave/{name}_total"), total);
        out.insert(format!("slave/{name}_used"), used);
        out.insert(
            format!("slave/{name}_percent"),
            if total > 0.0 { used / total } else { 0.0 },
        );
    }
    for state_name in [
        "STAGING", "STARTING", "RUNNING", "KILLING", "FINISHED", "FAILED", "KILLED", "LOST", "GONE",
    ] {
        out.insert(
            format!("slave/tasks_{}", state_name.to_ascii_lowercase()),
            counts.get(state_name).copied().unwrap_or(0.0),
        );
    }
    for phase in [
        "registering",
        "running",
        "terminating",
        "terminated",
        "preempted",
    ] {
        out.insert(
            format!("slave/executors_{phase}"),
            executors.get(phase).copied().unwrap_or(0.0),
        );
    }
    out.insert(
        "slave/frameworks_active".into(),
        state.frameworks.len() as f64,
    );
    for (name, value) in &state.counters {
        out.insert((*name).to_owned(), *value as f64);
    }
    for name in [
        "slave/valid_status_updates",
        "slave/invalid_status_updates",
        "slave/container_launch_errors",
        "slave/recovery_errors",
    ] {
        out.entry(name.to_owned()).or_insert(0.0);
    }
    drop(state);
    axum::Json(out).into_response()
}

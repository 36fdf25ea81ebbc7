//! The master's HTTP server: the scheduler API, the agent protocol, the operator API and the
//! read-only endpoints, at Apache Mesos's paths.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use mesos_api::internal::{AGENT_API_PATH, AgentCall, AgentCallType};
use mesos_api::v1::scheduler::{Call, CallType};
use serde::Deserialize;

use crate::auth::{self, SCHEDULER_REALM};
use crate::master::{CallError, Master, Reply, Subscription};
use crate::render;

/// Largest request body accepted (a LAUNCH of many tasks fits comfortably).
pub const MAX_BODY: usize = 16 * 1024 * 1024;
const STREAM_ID: &str = "Mesos-Stream-Id";
const JSON: &str = "application/json";
const PROTOBUF: &str = "application/x-protobuf";

type Shared = Arc<Master>;

/// Every route of the master.
pub fn router(master: Shared) -> Router {
    Router::new()
        .route("/api/v1/scheduler", any(scheduler))
        .route("/master/api/v1/scheduler", any(scheduler))
        .route(AGENT_API_PATH, post(agent))
        .route("/api/v1", any(operator))
        .route("/master/api/v1", any(operator))
        .route("/", get(render::web_ui))
        .route("/state", get(state))
        .route("/state.json", get(state))
        .route("/master/state", get(state))
        .route("/master/state.json", get(state))
        .route("/state-summary", get(state_summary))
        .route("/master/state-summary", get(state_summary))
        .route("/frameworks", get(frameworks))
        .route("/master/frameworks", get(frameworks))
        .route("/slaves", get(slaves))
        .route("/master/slaves", get(slaves))
        .route("/tasks", get(tasks))
        .route("/master/tasks", get(tasks))
        .route("/roles", get(roles))
        .route("/master/roles", get(roles))
        .route("/flags", get(flags))
        .route("/master/flags", get(flags))
        .route("/weights", get(weights).put(update_weights))
        .route("/master/weights", get(weights).put(update_weights))
        .route("/teardown", post(teardown))
        .route("/master/teardown", post(teardown))
        .route("/health", get(health))
        .route("/master/health", get(health))
        .route("/redirect", get(redirect))
        .route("/master/redirect", get(redirect))
        .route("/version", get(version))
        .route("/metrics/snapshot", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(master)
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

/// Mesos's Content-Type rule: exactly JSON or protobuf; protobuf is not supported yet.
fn check_content_type(headers: &HeaderMap) -> Result<(), Response> {
    match headers.get(header::CONTENT_TYPE).map(HeaderValue::to_str) {
        None => Err(error(400, "Expecting 'Content-Type' to be present")),
        Some(Ok(JSON)) => Ok(()),
        Some(Ok(PROTOBUF)) => Err(error(
            415,
            "Content-Type 'application/x-protobuf' is not supported by this master yet; use \
             'application/json'",
        )),
        Some(other) => Err(error(
            415,
            format!(
                "Expecting 'Content-Type' of {JSON} or {PROTOBUF}, got '{}'",
                other.unwrap_or("<not text>")
            ),
        )),
    }
}

/// The response type of a streaming call, from its `Accept` header (406 when we cannot serve it).
fn check_accept(headers: &HeaderMap) -> Result<(), Response> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let acceptable = accept.split(',').any(|part| {
        let media = part.split(';').next().unwrap_or_default().trim();
        matches!(media, JSON | "*/*" | "application/*" | "")
    });
    if acceptable {
        Ok(())
    } else {
        Err(error(
            406,
            format!("Expecting 'Accept' to allow '{JSON}' (the only stream encoding supported)"),
        ))
    }
}

/// Authenticates a framework when `--authenticate_http_frameworks` is on; the principal.
fn authenticate(master: &Master, headers: &HeaderMap) -> Result<Option<String>, Response> {
    let Some(credentials) = &master.config.credentials else {
        return Ok(None);
    };
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match auth::authenticate(credentials, header) {
        Ok(principal) => Ok(Some(principal)),
        Err(e) => {
            let mut response = error(401, e.to_string());
            if let Ok(challenge) =
                HeaderValue::from_str(&format!("Basic realm=\"{SCHEDULER_REALM}\""))
            {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, challenge);
            }
            Err(response)
        }
    }
}

/// 405 with the `Allow` header, as libprocess's `MethodNotAllowed`.
fn method_not_allowed(method: &Method) -> Response {
    let mut response = error(
        405,
        format!("405 Method Not Allowed. Expecting one of {{ 'POST' }}, but received '{method}'."),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// Mesos's `validation::scheduler::call::validate` (`src/master/validation.cpp`): what a call
/// must carry whatever the framework's state.
fn validate_scheduler_call(call: &Call, principal: Option<&str>) -> Result<CallType, String> {
    let kind = call.kind.ok_or("Expecting 'type' to be present")?;
    let missing = |field: &str| format!("Expecting '{field}' to be present");
    if kind == CallType::Subscribe {
        let subscribe = call
            .subscribe
            .as_ref()
            .ok_or_else(|| missing("subscribe"))?;
        let info = &subscribe.framework_info;
        // Unset ids compare as empty ones, as protobuf fields do.
        fn id_of(id: Option<&mesos_api::v1::FrameworkId>) -> &str {
            id.map_or("", |i| i.value.as_str())
        }
        if id_of(info.id.as_ref()) != id_of(call.framework_id.as_ref()) {
            return Err("'framework_id' differs from 'subscribe.framework_info.id'".into());
        }
        if let (Some(authenticated), Some(given)) = (principal, &info.principal)
            && authenticated != given
        {
            return Err(format!(
                "Authenticated principal '{authenticated}' does not match principal '{given}' \
                 set in `FrameworkInfo`"
            ));
        }
        return Ok(kind);
    }
    if call.framework_id.is_none() {
        return Err(missing("framework_id"));
    }
    // The payload a call of this type must carry, when it is missing.
    let absent = match kind {
        CallType::Accept => call.accept.is_none().then_some("accept"),
        CallType::Decline => call.decline.is_none().then_some("decline"),
        CallType::AcceptInverseOffers => call
            .accept_inverse_offers
            .is_none()
            .then_some("accept_inverse_offers"),
        CallType::DeclineInverseOffers => call
            .decline_inverse_offers
            .is_none()
            .then_some("decline_inverse_offers"),
        CallType::Kill => call.kill.is_none().then_some("kill"),
        CallType::Shutdown => call.shutdown.is_none().then_some("shutdown"),
        CallType::Acknowledge => {
            // A UUID is 16 bytes (stout's `UUID::fromBytes`).
            if call
                .acknowledge
                .as_ref()
                .is_some_and(|a| a.uuid.len() != 16)
            {
                return Err("Not a valid UUID".into());
            }
            call.acknowledge.is_none().then_some("acknowledge")
        }
        CallType::AcknowledgeOperationStatus => call
            .acknowledge_operation_status
            .is_none()
            .then_some("acknowledge_operation_status"),
        CallType::Reconcile => call.reconcile.is_none().then_some("reconcile"),
        CallType::ReconcileOperations => call
            .reconcile_operations
            .is_none()
            .then_some("reconcile_operations"),
        CallType::Message => call.message.is_none().then_some("message"),
        CallType::Request => call.request.is_none().then_some("request"),
        CallType::UpdateFramework => {
            if call
                .update_framework
                .as_ref()
                .is_some_and(|u| u.framework_info.id != call.framework_id)
            {
                return Err(
                    "'framework_id' differs from 'update_framework.framework_info.id'".into(),
                );
            }
            call.update_framework
                .is_none()
                .then_some("update_framework")
        }
        CallType::Subscribe
        | CallType::Teardown
        | CallType::Revive
        | CallType::Suppress
        | CallType::Unknown => None,
    };
    match absent {
        Some(field) => Err(missing(field)),
        None => Ok(kind),
    }
}

/// A stream of framed events as a chunked response.
fn stream_response(subscription: Subscription) -> Response {
    let body = subscription.outlet.into_stream();
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    if let Ok(id) = HeaderValue::from_str(&subscription.stream_id) {
        headers.insert(STREAM_ID, id);
    }
    response
}

/// `POST /api/v1/scheduler`, in Mesos's order of checks.
async fn scheduler(
    State(master): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let principal = match authenticate(&master, &headers) {
        Ok(principal) => principal,
        Err(response) => return response,
    };
    if method != Method::POST {
        return method_not_allowed(&method);
    }
    if let Err(response) = check_content_type(&headers) {
        return response;
    }
    let call = match parse_call(&body) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let kind = match validate_scheduler_call(&call, principal.as_deref()) {
        Ok(kind) => kind,
        Err(message) => {
            return error(
                400,
                format!("Failed to validate scheduler::Call: {message}"),
            );
        }
    };
    // Only the calls that answer with a body negotiate its type.
    if matches!(kind, CallType::Subscribe | CallType::ReconcileOperations)
        && let Err(response) = check_accept(&headers)
    {
        return response;
    }
    let stream_id = headers.get(STREAM_ID).and_then(|v| v.to_str().ok());
    if kind == CallType::Subscribe {
        if stream_id.is_some() {
            return error(
                400,
                "Subscribe calls should not include the 'Mesos-Stream-Id' header",
            );
        }
        let Some(subscribe) = call.subscribe else {
            return error(400, "Expecting 'subscribe' to be present");
        };
        return stream_response(master.subscribe(subscribe, principal));
    }
    match master.scheduler_call(call, stream_id, principal.as_deref()) {
        Ok(Reply::Accepted) => StatusCode::ACCEPTED.into_response(),
        Ok(Reply::Ok) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}

/// A JSON `Call`, with Mesos's two kinds of parse errors.
fn parse_call(body: &[u8]) -> Result<Call, Response> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| error(400, format!("Failed to parse body into JSON: {e}")))?;
    serde_json::from_value(value).map_err(|e| {
        error(
            400,
            format!("Failed to convert JSON into Call protobuf: {e}"),
        )
    })
}

/// `POST /internal/agent/v1`: the master ↔ agent protocol.
async fn agent(State(master): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = check_content_type(&headers) {
        return response;
    }
    let call: AgentCall = match serde_json::from_slice(&body) {
        Ok(call) => call,
        Err(e) => return error(400, format!("Failed to parse body into an agent call: {e}")),
    };
    match call.kind {
        AgentCallType::Register | AgentCallType::Reregister => match master.register_agent(call) {
            Ok(subscription) => stream_response(subscription),
            Err(e) => e.into_response(),
        },
        _ => {
            let stream_id = headers.get(STREAM_ID).and_then(|v| v.to_str().ok());
            match master.agent_call(call, stream_id) {
                Ok(()) => StatusCode::ACCEPTED.into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

/// `POST /api/v1`: the v1 operator API.
async fn operator(
    State(master): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return method_not_allowed(&method);
    }
    if let Err(response) = check_content_type(&headers) {
        return response;
    }
    if let Err(response) = check_accept(&headers) {
        return response;
    }
    render::operator(&master, &body)
}

fn json(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, JSON)], bytes).into_response()
}

/// `?jsonp=callback` wraps a JSON answer, as Mesos's read endpoints allow.
#[derive(Deserialize)]
struct Jsonp {
    jsonp: Option<String>,
}

fn json_or_jsonp(bytes: Vec<u8>, jsonp: Option<String>) -> Response {
    match jsonp.filter(|c| {
        c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.')
    }) {
        Some(callback) => {
            let mut wrapped = Vec::with_capacity(bytes.len() + callback.len() + 3);
            wrapped.extend_from_slice(callback.as_bytes());
            wrapped.push(b'(');
            wrapped.extend_from_slice(&bytes);
            wrapped.extend_from_slice(b");");
            ([(header::CONTENT_TYPE, "text/javascript")], wrapped).into_response()
        }
        None => json(bytes),
    }
}

async fn state(State(master): State<Shared>, Query(q): Query<Jsonp>) -> Response {
    let bytes = render::state(&master, &master.read());
    json_or_jsonp(bytes, q.jsonp)
}

async fn state_summary(State(master): State<Shared>, Query(q): Query<Jsonp>) -> Response {
    json_or_jsonp(render::state_summary(&master, &master.read()), q.jsonp)
}

#[derive(Deserialize)]
struct FrameworksQuery {
    framework_id: Option<String>,
    jsonp: Option<String>,
}

async fn frameworks(State(master): State<Shared>, Query(q): Query<FrameworksQuery>) -> Response {
    let bytes = render::frameworks(&master, &master.read(), q.framework_id.as_deref());
    json_or_jsonp(bytes, q.jsonp)
}

#[derive(Deserialize)]
struct SlavesQuery {
    slave_id: Option<String>,
    jsonp: Option<String>,
}

async fn slaves(State(master): State<Shared>, Query(q): Query<SlavesQuery>) -> Response {
    let bytes = render::slaves(&master, &master.read(), q.slave_id.as_deref());
    json_or_jsonp(bytes, q.jsonp)
}

async fn tasks(State(master): State<Shared>, Query(q): Query<render::TasksQuery>) -> Response {
    let jsonp = q.jsonp.clone();
    match render::tasks(&master.read(), &q) {
        Ok(bytes) => json_or_jsonp(bytes, jsonp),
        Err(message) => error(400, message),
    }
}

async fn roles(State(master): State<Shared>, Query(q): Query<Jsonp>) -> Response {
    json_or_jsonp(render::roles(&master, &master.read()), q.jsonp)
}

async fn flags(State(master): State<Shared>, Query(q): Query<Jsonp>) -> Response {
    json_or_jsonp(render::flags(&master), q.jsonp)
}

async fn weights(State(master): State<Shared>) -> Response {
    json(render::weights(&master.read()))
}

#[derive(Deserialize)]
struct WeightInfo {
    role: String,
    weight: f64,
}

/// `PUT /weights` with `[{"role":…,"weight":…}]`.
async fn update_weights(State(master): State<Shared>, body: Bytes) -> Response {
    let infos: Vec<WeightInfo> = match serde_json::from_slice(&body) {
        Ok(infos) => infos,
        Err(e) => return error(400, format!("Failed to parse update weights request: {e}")),
    };
    let mut weights = BTreeMap::new();
    for info in infos {
        if !(info.weight.is_finite() && info.weight > 0.0) {
            return error(
                400,
                format!("Invalid weight '{}': weights must be positive", info.weight),
            );
        }
        if let Err(e) = mesos_api::resources::validate_role(&info.role) {
            return error(400, format!("Invalid role '{}': {e}", info.role));
        }
        weights.insert(info.role, info.weight);
    }
    master.update_weights(weights);
    StatusCode::OK.into_response()
}

#[derive(Deserialize)]
struct TeardownForm {
    #[serde(rename = "frameworkId")]
    framework_id: String,
}

/// `POST /teardown` with the form `frameworkId=<id>`.
async fn teardown(State(master): State<Shared>, body: Bytes) -> Response {
    let form: TeardownForm = match serde_urlencoded::from_bytes(&body) {
        Ok(form) => form,
        Err(_) => {
            return error(
                400,
                "Missing 'frameworkId' query parameter in the request body",
            );
        }
    };
    match master.teardown(&mesos_api::v1::FrameworkId::new(form.framework_id)) {
        true => StatusCode::OK.into_response(),
        false => error(400, "No framework found with specified ID"),
    }
}

async fn health() -> StatusCode {
    StatusCode::OK
}

/// `/redirect`: this master is always the leader.
async fn redirect(State(master): State<Shared>) -> Response {
    let location = format!("//{}:{}", master.config.hostname, master.config.port);
    match HeaderValue::from_str(&location) {
        Ok(value) => (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, value)]).into_response(),
        Err(_) => error(503, "No leader elected"),
    }
}

async fn version() -> Response {
    json(render::version())
}

async fn metrics(State(master): State<Shared>) -> Response {
    json(render::metrics_snapshot(&master, &master.read()))
}

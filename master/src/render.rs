//! The JSON of the master's read endpoints and of the v1 operator API, with Apache Mesos's keys
//! and conventions, and the small web UI page served at `/`.
//!
//! # Endpoints
//!
//! - [`state`]: `/master/state` (`readonly_handler.cpp`, `state`), top-level keys in Mesos's
//!   order; [`state_summary`], [`frameworks`], [`slaves`], [`tasks`], [`roles`], [`flags`],
//!   [`weights`], [`version`] and [`metrics_snapshot`] for the other v0 endpoints;
//! - [`operator`]: `POST /api/v1` (`GET_HEALTH` … `GET_MASTER`, plus `UPDATE_WEIGHTS` and
//!   `TEARDOWN`, which this master supports); other known calls answer 501;
//! - [`web_ui`]: a self-contained page that polls `/master/state`.
//!
//! # Mesos's rendering rules followed here
//!
//! - The v0 endpoints use Mesos's hand-written JSON (`src/common/http.cpp`): resources as a
//!   summary object (`cpus`, `gpus`, `mem` and `disk` always, other scalars by name, ranges as
//!   `"[31000-32000]"`, sets as `"{a, b}"`, revocable resources as `<name>_revocable`),
//!   attributes as an object, labels as an array of `{key, value}`, ids as plain strings,
//!   `executor_id: ""` for command tasks, statuses as `{state, timestamp, labels?,
//!   container_status?, healthy?}`.
//! - Numbers Mesos computes as doubles are written as doubles (`4.0`, `"activated_slaves":1.0`,
//!   metrics), as its rapidjson writer does; counts Mesos keeps as integers (`TASK_RUNNING` in
//!   `/state-summary`, ports) stay integers.
//! - The v1 operator API uses the protobuf JSON of `master.proto`: `{"type":"GET_X","get_x":{…}}`,
//!   ids as `{"value":…}`, times as `TimeInfo` nanoseconds, agents' and frameworks' resources as
//!   full `Resource` objects in Mesos's "endpoint" format (`role` set, `*` when unreserved, and
//!   `reservations` kept), task statuses without their `data`.
//!
//! Everything is serialised straight into the output buffer through borrowed views: no copy of
//! the state and no `serde_json::Value` tree is built, whatever its size.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Display;
use std::sync::OnceLock;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use mesos_api::attributes::Attribute;
use mesos_api::resources::{
    AllocationInfo, ReservationInfo, ReservationType, Resource, Resources, validate_role,
};
use mesos_api::v1::master::{self as api, AgentCapability, AgentCapabilityType, CallType};
use mesos_api::v1::master::{ResponseType, WeightInfo};
use mesos_api::v1::{
    Address, CommandInfo, ContainerStatus, ExecutorInfo, FrameworkId, NetworkInfo, TaskInfo,
    TaskState, TaskStatus, TimeInfo, Url,
};
use mesos_api::values::{Scalar, ValueType};
use serde::Deserialize;
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::master::{MESOS_VERSION, Master, now};
use crate::state::{Agent, Framework, Offer, State, Task};

/// Mesos's default `limit` of `/master/tasks` (`TASK_LIMIT`, `src/master/constants.hpp`).
pub const TASK_LIMIT: usize = 100;

/// The agent capabilities rendered for every agent. The agent protocol of this project does not
/// carry capabilities; this master treats every agent as multi-role, hierarchical-role and
/// reservation-refinement capable (the allocator offers them all alike), so those are listed.
const AGENT_CAPABILITIES: [AgentCapabilityType; 3] = [
    AgentCapabilityType::MultiRole,
    AgentCapabilityType::HierarchicalRole,
    AgentCapabilityType::ReservationRefinement,
];

/// The scalars every resource summary carries, in Mesos's order (`common/http.cpp`).
const SUMMARY_SCALARS: [&str; 4] = ["cpus", "gpus", "mem", "disk"];

/// The position of `name` in [`SUMMARY_SCALARS`].
fn fixed_index(name: &str) -> Option<usize> {
    match name {
        "cpus" => Some(0),
        "gpus" => Some(1),
        "mem" => Some(2),
        "disk" => Some(3),
        _ => None,
    }
}

const JSON: &str = "application/json";

// ---------------------------------------------------------------------------------------------
// Serialisation helpers
// ---------------------------------------------------------------------------------------------

/// Serialises `value` into a new buffer (an empty object if serialisation fails, which only a
/// bug can cause: every view writes strings, numbers and booleans).
fn to_json<T: Serialize + ?Sized>(value: &T, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    if let Err(e) = serde_json::to_writer(&mut out, value) {
        tracing::warn!(error = %e, "a response could not be serialised");
        out.clear();
        out.extend_from_slice(b"{}");
    }
    out
}

/// A JSON array of what the closure yields, produced while writing.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// A value written as a JSON string through its `Display` form (ranges, sets).
struct Text<'a, T: ?Sized>(&'a T);

impl<T: Display + ?Sized> Serialize for Text<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

/// `{}`.
struct EmptyObject;

impl Serialize for EmptyObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_map(Some(0))?.end()
    }
}

/// `[]`.
const EMPTY_ARRAY: &[u8] = &[];

/// What writing JSON by hand can fail with (only serde_json's own errors for values).
type Written = Result<(), serde_json::Error>;

/// A JSON object written straight into the buffer, for the hot paths of `/state` (tasks,
/// statuses, frameworks): keys are literals of this file, which need no escaping; values go
/// through serde_json.
struct Obj<'w> {
    out: &'w mut Vec<u8>,
    first: bool,
}

impl<'w> Obj<'w> {
    fn open(out: &'w mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Writes `"key":` and gives the buffer for the value.
    fn key(&mut self, key: &'static str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Written {
        serde_json::to_writer(self.key(key), value)
    }

    /// A string field; strings without characters to escape (ids, names, states: nearly all)
    /// are copied as they are, the others escaped by serde_json.
    fn str(&mut self, key: &'static str, value: &str) -> Written {
        let out = self.key(key);
        // Folded without short-circuit so that it vectorises.
        let escape = value.bytes().fold(false, |escape, b| {
            escape | (b < 0x20) | (b == b'"') | (b == b'\\')
        });
        if escape {
            serde_json::to_writer(out, value)
        } else {
            out.reserve(value.len() + 2);
            out.push(b'"');
            out.extend_from_slice(value.as_bytes());
            out.push(b'"');
            Ok(())
        }
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

/// A JSON array of `items`, each written by `write`.
fn array<I: IntoIterator>(
    out: &mut Vec<u8>,
    items: I,
    mut write: impl FnMut(&mut Vec<u8>, I::Item) -> Written,
) -> Written {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, item)?;
    }
    out.push(b']');
    Ok(())
}

/// Where object fields go: a hand-written [`Obj`] or a serde map ([`MapFields`]), so that the
/// field lists shared by several endpoints are written once.
trait Fields {
    type Error;
    fn entry<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error>;
}

impl Fields for Obj<'_> {
    type Error = serde_json::Error;
    fn entry<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Written {
        self.field(key, value)
    }
}

struct MapFields<'m, M>(&'m mut M);

impl<M: SerializeMap> Fields for MapFields<'_, M> {
    type Error = M::Error;
    fn entry<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(key, value)
    }
}

/// A fast hash (FxHash's mixing, eight bytes at a time) for the maps built while rendering:
/// their keys are ids this master generated, and SipHash showed in profiles of `/state`.
#[derive(Default)]
struct FastHasher(u64);

impl FastHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.mix(u64::from(byte));
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// A `TimeInfo` from seconds since the epoch.
fn time_info(secs: f64) -> TimeInfo {
    TimeInfo {
        nanoseconds: (secs * 1e9).round() as i64,
    }
}

// ---------------------------------------------------------------------------------------------
// Build information
// ---------------------------------------------------------------------------------------------

/// What `/version` and `/state` say about the build (Mesos's `build::DATE`, `TIME`, `USER`,
/// `GIT_*`).
struct Build {
    date: String,
    time: f64,
    user: &'static str,
    git_sha: Option<&'static str>,
    git_branch: Option<&'static str>,
    git_tag: Option<&'static str>,
}

/// The build time is `SOURCE_DATE_EPOCH` at compile time if set, else the modification time of
/// the running executable; the user is `$USER` at compile time (as Mesos's `BUILD_USER`); the
/// git fields come from `GIT_SHA`, `GIT_BRANCH` and `GIT_TAG` at compile time, if set.
fn build() -> &'static Build {
    static BUILD: OnceLock<Build> = OnceLock::new();
    BUILD.get_or_init(|| {
        let time = option_env!("SOURCE_DATE_EPOCH")
            .and_then(|s| s.trim().parse::<f64>().ok())
            .or_else(|| {
                let modified = std::env::current_exe()
                    .ok()?
                    .metadata()
                    .ok()?
                    .modified()
                    .ok()?;
                let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
                Some(since.as_secs() as f64)
            })
            .unwrap_or(0.0);
        Build {
            date: format_utc(time as i64),
            time,
            user: option_env!("USER").unwrap_or(""),
            git_sha: option_env!("GIT_SHA"),
            git_branch: option_env!("GIT_BRANCH"),
            git_tag: option_env!("GIT_TAG"),
        }
    })
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of seconds since the epoch, as Mesos's `BUILD_DATE`.
fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn version_info() -> api::VersionInfo {
    let build = build();
    api::VersionInfo {
        version: MESOS_VERSION.to_owned(),
        build_date: Some(build.date.clone()),
        build_time: Some(build.time),
        build_user: Some(build.user.to_owned()),
        git_sha: build.git_sha.map(str::to_owned),
        git_branch: build.git_branch.map(str::to_owned),
        git_tag: build.git_tag.map(str::to_owned),
    }
}

// ---------------------------------------------------------------------------------------------
// The model, as the endpoints see it
// ---------------------------------------------------------------------------------------------

/// Whether the task holds resources: not terminal and not unreachable (Mesos moves unreachable
/// tasks out of `tasks` and recovers their resources).
fn is_active(task: &Task) -> bool {
    !task.state.is_terminal() && task.state != TaskState::Unreachable
}

fn active_tasks(framework: &Framework) -> impl Iterator<Item = &Task> {
    framework.tasks.values().filter(|t| is_active(t))
}

/// The resources a framework uses (Mesos's `totalUsedResources`).
fn used_resources(framework: &Framework) -> impl Iterator<Item = &Resource> {
    active_tasks(framework).flat_map(|t| t.resources.iter())
}

fn offers_of<'a>(state: &'a State, framework: &'a Framework) -> impl Iterator<Item = &'a Offer> {
    framework
        .offers
        .iter()
        .filter_map(move |id| state.offers.get(id))
}

/// Registered frameworks, by id.
fn sorted_frameworks(state: &State) -> Vec<&Framework> {
    let mut frameworks: Vec<&Framework> = state.frameworks.values().collect();
    frameworks.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    frameworks
}

/// Registered agents, by id.
fn sorted_agents(state: &State) -> Vec<&Agent> {
    let mut agents: Vec<&Agent> = state.agents.values().collect();
    agents.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    agents
}

/// Agents the registry admitted that have not come back (Mesos's `slaves.recovered`). Only their
/// ids are known.
fn recovered_agents(state: &State) -> impl Iterator<Item = &mesos_api::v1::AgentId> {
    state
        .admitted_agents
        .iter()
        .filter(|id| !state.agents.contains_key(*id) && !state.unreachable_agents.contains_key(*id))
}

/// What active tasks use on each agent, from one pass over the tasks: agents are written before
/// the frameworks, whose tasks come last.
#[derive(Default)]
struct Usage<'a> {
    by_agent: FastMap<&'a mesos_api::v1::AgentId, Summary<'a>>,
}

impl<'a> Usage<'a> {
    fn new(state: &'a State) -> Self {
        let mut usage = Usage::default();
        for framework in state.frameworks.values() {
            for task in active_tasks(framework) {
                let on_agent = usage.by_agent.entry(&task.agent_id).or_default();
                on_agent.extend(task.resources.iter());
            }
        }
        usage
    }

    /// What the framework uses, computed when it is written: its tasks are read right after,
    /// while they are still in the cache.
    fn of_framework(&self, framework: &'a Framework) -> Summary<'a> {
        Summary::of(used_resources(framework))
    }
}

/// What tasks use on each agent, as resources (for the `*_full` fields and the v1 API).
fn used_resources_by_agent(state: &State) -> FastMap<&mesos_api::v1::AgentId, Resources> {
    let mut used: FastMap<&mesos_api::v1::AgentId, Resources> = FastMap::default();
    for framework in state.frameworks.values() {
        for task in active_tasks(framework) {
            *used.entry(&task.agent_id).or_default() += &task.resources;
        }
    }
    used
}

fn master_pid(master: &Master) -> String {
    master
        .info
        .pid
        .clone()
        .unwrap_or_else(|| format!("master@{}:{}", master.config.ip, master.config.port))
}

fn master_hostname(master: &Master) -> &str {
    master
        .info
        .hostname
        .as_deref()
        .unwrap_or(&master.config.hostname)
}

/// A resource in Mesos's "endpoint" format (`convertResourceFormat(…, ENDPOINT)`): `role` set
/// (`*` when unreserved, the reservation's role for a single reservation, with `reservation`
/// for a dynamic one), `reservations` kept.
fn endpoint_format(resource: &Resource) -> Resource {
    let mut resource = resource.clone();
    match resource.reservations.as_slice() {
        [] => resource.role = Some("*".to_owned()),
        [only] => {
            if only.kind == Some(ReservationType::Dynamic) {
                resource.reservation = Some(ReservationInfo {
                    kind: None,
                    role: None,
                    principal: only.principal.clone(),
                    labels: only.labels.clone(),
                });
            }
            resource.role = only.role.clone();
        }
        _ => {}
    }
    resource
}

fn endpoint_resources<'a>(resources: impl IntoIterator<Item = &'a Resource>) -> Vec<Resource> {
    resources.into_iter().map(endpoint_format).collect()
}

// ---------------------------------------------------------------------------------------------
// Resource summaries and attributes
// ---------------------------------------------------------------------------------------------

/// One non-fixed entry of a summary.
#[derive(Clone, Debug)]
enum Amount<'a> {
    /// Thousandths, as Mesos's fixed-point scalar arithmetic.
    Scalar(i64),
    /// One resource's ranges as they are, or several appended (normalised when written).
    Ranges(Cow<'a, mesos_api::values::Ranges>),
    Set(Cow<'a, mesos_api::values::Set>),
}

/// Mesos's resource summary object (`json(JSON::ObjectWriter*, const Resources&)`), accumulated
/// from borrowed resources.
#[derive(Clone, Debug, Default)]
struct Summary<'a> {
    /// `cpus`, `gpus`, `mem`, `disk` (non-revocable), in thousandths.
    fixed: [i64; 4],
    /// Everything else: name, revocable, amount.
    other: Vec<(&'a str, bool, Amount<'a>)>,
}

impl<'a> Summary<'a> {
    fn of(resources: impl IntoIterator<Item = &'a Resource>) -> Self {
        let mut summary = Summary::default();
        summary.extend(resources);
        summary
    }

    fn extend(&mut self, resources: impl IntoIterator<Item = &'a Resource>) {
        for resource in resources {
            self.add(resource);
        }
    }

    fn entry(&mut self, name: &str, revocable: bool) -> Option<&mut Amount<'a>> {
        self.other
            .iter_mut()
            .find(|(n, r, _)| *n == name && *r == revocable)
            .map(|(_, _, amount)| amount)
    }

    fn add(&mut self, resource: &'a Resource) {
        let revocable = resource.is_revocable();
        let name = resource.name.as_str();
        match resource.kind {
            ValueType::Scalar => {
                let value = resource.scalar.map_or(0, Scalar::millis);
                if !revocable && let Some(i) = fixed_index(name) {
                    self.fixed[i] = self.fixed[i].saturating_add(value);
                    return;
                }
                match self.entry(name, revocable) {
                    Some(Amount::Scalar(sum)) => *sum = sum.saturating_add(value),
                    Some(_) => {}
                    None => self.other.push((name, revocable, Amount::Scalar(value))),
                }
            }
            ValueType::Ranges => {
                let Some(ranges) = &resource.ranges else {
                    return;
                };
                match self.entry(name, revocable) {
                    Some(Amount::Ranges(sum)) => {
                        sum.to_mut().range.extend_from_slice(&ranges.range)
                    }
                    Some(_) => {}
                    None => {
                        self.other
                            .push((name, revocable, Amount::Ranges(Cow::Borrowed(ranges))))
                    }
                }
            }
            ValueType::Set => {
                let Some(set) = &resource.set else {
                    return;
                };
                match self.entry(name, revocable) {
                    Some(Amount::Set(sum)) => *sum = Cow::Owned(sum.union(set)),
                    Some(_) => {}
                    None => self
                        .other
                        .push((name, revocable, Amount::Set(Cow::Borrowed(set)))),
                }
            }
            ValueType::Text => {}
        }
    }

    /// The sum of two summaries.
    fn merged(&self, other: &Summary<'a>) -> Summary<'a> {
        let mut result = self.clone();
        for (mine, theirs) in result.fixed.iter_mut().zip(other.fixed) {
            *mine = mine.saturating_add(theirs);
        }
        for (name, revocable, amount) in &other.other {
            match (result.entry(name, *revocable), amount) {
                (Some(Amount::Scalar(sum)), Amount::Scalar(v)) => *sum = sum.saturating_add(*v),
                (Some(Amount::Ranges(sum)), Amount::Ranges(v)) => {
                    sum.to_mut().range.extend_from_slice(&v.range);
                }
                (Some(Amount::Set(sum)), Amount::Set(v)) => *sum = Cow::Owned(sum.union(v)),
                (Some(_), _) => {}
                (None, _) => result.other.push((name, *revocable, amount.clone())),
            }
        }
        result
    }
}

impl Serialize for Summary<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(SUMMARY_SCALARS.len() + self.other.len()))?;
        for (name, millis) in SUMMARY_SCALARS.iter().zip(self.fixed) {
            m.serialize_entry(name, &Scalar::from_millis(millis).value)?;
        }
        for (name, revocable, amount) in &self.other {
            let key: Cow<'_, str> = if *revocable {
                Cow::Owned(format!("{name}_revocable"))
            } else {
                Cow::Borrowed(name)
            };
            match amount {
                Amount::Scalar(millis) => {
                    m.serialize_entry(&key, &Scalar::from_millis(*millis).value)?
                }
                Amount::Ranges(Cow::Borrowed(ranges)) => m.serialize_entry(&key, &Text(*ranges))?,
                Amount::Ranges(Cow::Owned(ranges)) => {
                    m.serialize_entry(&key, &Text(&ranges.normalized()))?
                }
                Amount::Set(set) => m.serialize_entry(&key, &Text(set.as_ref()))?,
            }
        }
        m.end()
    }
}

/// Reserved resources by reservation role, each as a summary (`reserved_resources`).
struct ReservedSummary<'a>(&'a Resources);

impl Serialize for ReservedSummary<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut by_role: BTreeMap<&str, Summary<'_>> = BTreeMap::new();
        for resource in self.0.iter() {
            if let Some(role) = resource.reservation_role() {
                by_role.entry(role).or_default().add(resource);
            }
        }
        s.collect_map(by_role)
    }
}

/// Reserved resources by reservation role, in full (`reserved_resources_full`).
struct ReservedFull<'a>(&'a Resources);

impl Serialize for ReservedFull<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut by_role: BTreeMap<&str, Vec<Resource>> = BTreeMap::new();
        for resource in self.0.iter() {
            if let Some(role) = resource.reservation_role() {
                by_role
                    .entry(role)
                    .or_default()
                    .push(endpoint_format(resource));
            }
        }
        s.collect_map(by_role)
    }
}

/// Attributes as Mesos's endpoints write them: `{"rack":"r1","cores":8.0}`.
struct AttributesObject<'a>(&'a [Attribute]);

impl Serialize for AttributesObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for attribute in self.0 {
            let name = attribute.name.as_str();
            match attribute.kind {
                ValueType::Scalar => {
                    if let Some(scalar) = attribute.scalar {
                        m.serialize_entry(name, &scalar.get())?;
                    }
                }
                ValueType::Ranges => {
                    if let Some(ranges) = &attribute.ranges {
                        m.serialize_entry(name, &Text(ranges))?;
                    }
                }
                ValueType::Set => {
                    if let Some(set) = &attribute.set {
                        m.serialize_entry(name, &Text(set))?;
                    }
                }
                ValueType::Text => {
                    if let Some(text) = &attribute.text {
                        m.serialize_entry(name, &text.value)?;
                    }
                }
            }
        }
        m.end()
    }
}

// ---------------------------------------------------------------------------------------------
// v0 views: tasks, statuses, executors, offers
// ---------------------------------------------------------------------------------------------

/// The user a task runs as, as Mesos's `createTask` records it.
fn task_user(info: &TaskInfo) -> Option<&str> {
    info.command
        .as_ref()
        .and_then(|c| c.user.as_deref())
        .or_else(|| {
            info.executor
                .as_ref()
                .and_then(|e| e.command.as_ref())
                .and_then(|c| c.user.as_deref())
        })
}

/// A task as the v0 endpoints write it (`json(JSON::ObjectWriter*, const Task&)`).
fn write_task(out: &mut Vec<u8>, task: &Task) -> Written {
    let info = &task.info;
    let mut o = Obj::open(out);
    o.str("id", &info.task_id.value)?;
    o.str("name", &info.name)?;
    o.str("framework_id", &task.framework_id.value)?;
    o.str(
        "executor_id",
        task.executor_id.as_ref().map_or("", |e| e.value.as_str()),
    )?;
    o.str("slave_id", &task.agent_id.value)?;
    o.str("state", task.state.as_str())?;
    write_summary(o.key("resources"), &task.resources)?;
    if !info.limits.is_empty() {
        o.field("limits", &Limits(&info.limits))?;
    }
    o.str("role", &task.role)?;
    array(o.key("statuses"), &task.statuses, write_status)?;
    if let Some(user) = task_user(info) {
        o.str("user", user)?;
    }
    if let Some(labels) = &info.labels {
        o.field("labels", &labels.labels)?;
    }
    if let Some(discovery) = &info.discovery {
        o.field("discovery", discovery)?;
    }
    if let Some(container) = &info.container {
        o.field("container", container)?;
    }
    if let Some(health_check) = &info.health_check {
        o.field("health_check", health_check)?;
    }
    o.close();
    Ok(())
}

/// The summary of a task's resources, without building a [`Summary`] in the common case where
/// no two resources outside `cpus`, `gpus`, `mem` and `disk` share a name.
fn write_summary(out: &mut Vec<u8>, resources: &Resources) -> Written {
    let mut fixed = [0i64; 4];
    let others = || {
        resources
            .iter()
            .filter(|r| {
                r.is_revocable() || r.kind != ValueType::Scalar || fixed_index(&r.name).is_none()
            })
            .filter(|r| r.kind != ValueType::Text)
    };
    let unique = others().enumerate().all(|(i, a)| {
        others()
            .skip(i + 1)
            .all(|b| a.name != b.name || a.is_revocable() != b.is_revocable())
    });
    if !unique {
        return serde_json::to_writer(out, &Summary::of(resources.iter()));
    }
    for resource in resources.iter() {
        if resource.kind == ValueType::Scalar
            && !resource.is_revocable()
            && let Some(i) = fixed_index(&resource.name)
        {
            fixed[i] = fixed[i].saturating_add(resource.scalar.map_or(0, Scalar::millis));
        }
    }
    let mut o = Obj::open(out);
    for (name, millis) in SUMMARY_SCALARS.iter().zip(fixed) {
        o.field(name, &Scalar::from_millis(millis).value)?;
    }
    for resource in others() {
        o.out.push(b',');
        if resource.is_revocable() {
            serde_json::to_writer(&mut *o.out, &format!("{}_revocable", resource.name))?;
        } else {
            serde_json::to_writer(&mut *o.out, &resource.name)?;
        }
        o.out.push(b':');
        match resource.kind {
            ValueType::Scalar => serde_json::to_writer(
                &mut *o.out,
                &Scalar::from_millis(resource.scalar.map_or(0, Scalar::millis)).value,
            )?,
            ValueType::Ranges => match &resource.ranges {
                Some(ranges) => serde_json::to_writer(&mut *o.out, &Text(ranges))?,
                None => o.out.extend_from_slice(b"\"[]\""),
            },
            ValueType::Set => match &resource.set {
                Some(set) => serde_json::to_writer(&mut *o.out, &Text(set))?,
                None => o.out.extend_from_slice(b"\"{}\""),
            },
            ValueType::Text => {}
        }
    }
    o.close();
    Ok(())
}

/// Resource limits: `{"cpus": 2.0}`.
struct Limits<'a>(&'a BTreeMap<String, Scalar>);

impl Serialize for Limits<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(name, value)| (name, value.get())))
    }
}

/// A status as the v0 endpoints write it (`json(JSON::ObjectWriter*, const TaskStatus&)`).
fn write_status(out: &mut Vec<u8>, status: &TaskStatus) -> Written {
    let mut o = Obj::open(out);
    o.str("state", status.state.as_str())?;
    o.field("timestamp", &status.timestamp.unwrap_or(0.0))?;
    if let Some(labels) = &status.labels {
        o.field("labels", &labels.labels)?;
    }
    if let Some(container_status) = &status.container_status {
        o.field("container_status", &ContainerStatusV0(container_status))?;
    }
    if let Some(healthy) = status.healthy {
        o.field("healthy", &healthy)?;
    }
    o.close();
    Ok(())
}

/// `json(JSON::ObjectWriter*, const ContainerStatus&)`.
struct ContainerStatusV0<'a>(&'a ContainerStatus);

impl Serialize for ContainerStatusV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let status = self.0;
        let mut m = s.serialize_map(None)?;
        if let Some(id) = &status.container_id {
            m.serialize_entry("container_id", id)?;
        }
        if !status.network_infos.is_empty() {
            m.serialize_entry(
                "network_infos",
                &Seq(|| status.network_infos.iter().map(NetworkInfoV0)),
            )?;
        }
        if let Some(cgroup_info) = &status.cgroup_info {
            m.serialize_entry("cgroup_info", cgroup_info)?;
        }
        m.end()
    }
}

/// `json(JSON::ObjectWriter*, const NetworkInfo&)`.
struct NetworkInfoV0<'a>(&'a NetworkInfo);

impl Serialize for NetworkInfoV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let info = self.0;
        let mut m = s.serialize_map(None)?;
        if !info.groups.is_empty() {
            m.serialize_entry("groups", &info.groups)?;
        }
        if let Some(labels) = &info.labels {
            m.serialize_entry("labels", &labels.labels)?;
        }
        if !info.ip_addresses.is_empty() {
            m.serialize_entry(
                "ip_addresses",
                &Seq(|| info.ip_addresses.iter().map(IpAddressV0)),
            )?;
        }
        if let Some(name) = &info.name {
            m.serialize_entry("name", name)?;
        }
        if !info.port_mappings.is_empty() {
            m.serialize_entry("port_mappings", &info.port_mappings)?;
        }
        m.end()
    }
}

/// `NetworkInfo.IPAddress` as protobuf JSON: `protocol` has a default (`IPv4`), so it is
/// always written.
struct IpAddressV0<'a>(&'a mesos_api::v1::IpAddress);

impl Serialize for IpAddressV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let address = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "protocol",
            address
                .protocol
                .unwrap_or(mesos_api::v1::IpProtocol::Ipv4)
                .as_str(),
        )?;
        if let Some(ip) = &address.ip_address {
            m.serialize_entry("ip_address", ip)?;
        }
        m.end()
    }
}

/// `json(JSON::ObjectWriter*, const CommandInfo&)`.
struct CommandV0<'a>(Option<&'a CommandInfo>);

impl Serialize for CommandV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self.0 {
            Some(command) => {
                m.serialize_entry("shell", &command.shell)?;
                if let Some(value) = &command.value {
                    m.serialize_entry("value", value)?;
                }
                m.serialize_entry("argv", &command.arguments)?;
                if let Some(environment) = &command.environment {
                    m.serialize_entry("environment", environment)?;
                }
                m.serialize_entry(
                    "uris",
                    &Seq(|| {
                        command.uris.iter().map(|uri| UriV0 {
                            value: &uri.value,
                            executable: uri.executable.unwrap_or(false),
                        })
                    }),
                )?;
            }
            None => {
                m.serialize_entry("argv", EMPTY_ARRAY)?;
                m.serialize_entry("uris", EMPTY_ARRAY)?;
            }
        }
        m.end()
    }
}

#[derive(serde::Serialize)]
struct UriV0<'a> {
    value: &'a str,
    executable: bool,
}

/// An executor of `/state` (`json(JSON::ObjectWriter*, const ExecutorInfo&)` plus `slave_id`).
struct ExecutorV0<'a> {
    framework: &'a Framework,
    agent_id: &'a mesos_api::v1::AgentId,
    executor: &'a ExecutorInfo,
}

impl Serialize for ExecutorV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let executor = self.executor;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("executor_id", &executor.executor_id.value)?;
        m.serialize_entry("name", executor.name.as_deref().unwrap_or(""))?;
        let framework_id = executor.framework_id.as_ref().unwrap_or(&self.framework.id);
        m.serialize_entry("framework_id", &framework_id.value)?;
        m.serialize_entry("command", &CommandV0(executor.command.as_ref()))?;
        m.serialize_entry("resources", &Summary::of(executor.resources.iter()))?;
        if let Some(first) = executor.resources.first() {
            // Executors cannot mix roles (MESOS-6636); resources of frameworks without
            // MULTI_ROLE may come without allocation info, then the framework's role holds.
            let role = match first.allocation_role() {
                Some(role) => role.to_owned(),
                None if !self.framework.multi_role() => self
                    .framework
                    .info
                    .role
                    .clone()
                    .unwrap_or_else(|| "*".to_owned()),
                None => String::new(),
            };
            m.serialize_entry("role", &role)?;
        }
        if let Some(labels) = &executor.labels {
            m.serialize_entry("labels", &labels.labels)?;
        }
        if let Some(kind) = executor.kind {
            m.serialize_entry("type", kind.as_str())?;
        }
        m.serialize_entry("slave_id", &self.agent_id.value)?;
        m.end()
    }
}

/// An offer of `/state` (`json(JSON::ObjectWriter*, const Offer&)`).
struct OfferV0<'a>(&'a Offer);

impl Serialize for OfferV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let offer = self.0;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("id", &offer.id.value)?;
        m.serialize_entry("framework_id", &offer.framework_id.value)?;
        m.serialize_entry(
            "allocation_info",
            &AllocationInfo {
                role: Some(offer.role.clone()),
            },
        )?;
        m.serialize_entry("slave_id", &offer.agent_id.value)?;
        m.serialize_entry("resources", &Summary::of(offer.resources.iter()))?;
        m.end()
    }
}

// ---------------------------------------------------------------------------------------------
// v0 views: frameworks and agents
// ---------------------------------------------------------------------------------------------

/// The fields of `Summary<Framework>` (`/state-summary`, and the start of every framework).
fn framework_summary_fields<F: Fields>(
    m: &mut F,
    framework: &Framework,
    used: &Summary<'_>,
    offered: &Summary<'_>,
) -> Result<(), F::Error> {
    let info = &framework.info;
    m.entry("id", &framework.id.value)?;
    m.entry("name", &info.name)?;
    m.entry("used_resources", used)?;
    m.entry("offered_resources", offered)?;
    m.entry(
        "capabilities",
        &Seq(|| info.capabilities.iter().map(|c| c.kind.as_str())),
    )?;
    m.entry("hostname", info.hostname.as_deref().unwrap_or(""))?;
    m.entry("webui_url", info.webui_url.as_deref().unwrap_or(""))?;
    m.entry("active", &framework.active)?;
    m.entry("connected", &framework.connected())?;
    m.entry("recovered", &framework.recovered)
}

/// A framework of `/state` and `/frameworks` (`FullFrameworkWriter`).
fn write_framework(
    out: &mut Vec<u8>,
    state: &State,
    framework: &Framework,
    usage: &Usage<'_>,
) -> Written {
    let info = &framework.info;
    let used = usage.of_framework(framework);
    let offered = Summary::of(offers_of(state, framework).flat_map(|o| o.resources.iter()));
    let mut o = Obj::open(out);
    framework_summary_fields(&mut o, framework, &used, &offered)?;
    o.field("user", &info.user)?;
    o.field("failover_timeout", &info.failover_timeout)?;
    o.field("checkpoint", &info.checkpoint)?;
    o.field("registered_time", &framework.registered_time)?;
    o.field(
        "unregistered_time",
        &framework.unregistered_time.unwrap_or(0.0),
    )?;
    if let Some(principal) = &info.principal {
        o.field("principal", principal)?;
    }
    o.field("resources", &used.merged(&offered))?;
    if let Some(time) = framework
        .reregistered_time
        .filter(|t| *t != framework.registered_time)
    {
        o.field("reregistered_time", &time)?;
    }
    if framework.multi_role() {
        o.field("roles", &info.roles)?;
    } else {
        o.field("role", info.role.as_deref().unwrap_or("*"))?;
    }
    let (unreachable, tasks): (Vec<&Task>, Vec<&Task>) = framework
        .tasks
        .values()
        .partition(|t| t.state == TaskState::Unreachable);
    array(o.key("tasks"), tasks, write_task)?;
    array(o.key("unreachable_tasks"), unreachable, write_task)?;
    array(
        o.key("completed_tasks"),
        &framework.completed_tasks,
        write_task,
    )?;
    o.field("offers", &Seq(|| offers_of(state, framework).map(OfferV0)))?;
    o.field(
        "executors",
        &Seq(|| {
            framework
                .executors
                .iter()
                .flat_map(move |(agent_id, executors)| {
                    executors.values().map(move |executor| ExecutorV0 {
                        framework,
                        agent_id,
                        executor,
                    })
                })
        }),
    )?;
    if let Some(labels) = &info.labels {
        o.field("labels", &labels.labels)?;
    }
    o.key("offer_constraints").extend_from_slice(b"{}");
    o.close();
    Ok(())
}

/// The fields of `SlaveWriter` (`/state`, `/slaves`, `/state-summary`).
fn agent_fields<F: Fields>(m: &mut F, agent: &Agent, used: &Summary<'_>) -> Result<(), F::Error> {
    let info = &agent.info;
    m.entry("id", &agent.id.value)?;
    m.entry("hostname", &info.hostname)?;
    m.entry("port", &info.port)?;
    m.entry("attributes", &AttributesObject(&info.attributes))?;
    if let Some(domain) = &info.domain {
        m.entry("domain", domain)?;
    }
    m.entry("pid", &agent.pid)?;
    m.entry("registered_time", &agent.registered_time)?;
    if let Some(time) = agent.reregistered_time {
        m.entry("reregistered_time", &time)?;
    }
    m.entry("resources", &Summary::of(agent.total.iter()))?;
    m.entry("used_resources", used)?;
    m.entry("offered_resources", &Summary::of(agent.offered.iter()))?;
    m.entry("reserved_resources", &ReservedSummary(&agent.total))?;
    m.entry(
        "unreserved_resources",
        &Summary::of(agent.total.iter().filter(|r| r.is_unreserved())),
    )?;
    m.entry("active", &agent.active())?;
    m.entry("deactivated", &false)?;
    m.entry("version", &agent.version)?;
    m.entry(
        "capabilities",
        &Seq(|| AGENT_CAPABILITIES.iter().map(|c| c.as_str())),
    )
}

/// An agent of `/state`.
struct AgentV0<'a> {
    agent: &'a Agent,
    used: Option<&'a Summary<'a>>,
}

impl Serialize for AgentV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let empty = Summary::default();
        let mut m = s.serialize_map(None)?;
        agent_fields(
            &mut MapFields(&mut m),
            self.agent,
            self.used.unwrap_or(&empty),
        )?;
        m.end()
    }
}

/// An agent of `/slaves`: the `/state` fields plus the `*_resources_full` ones.
struct AgentFull<'a> {
    agent: &'a Agent,
    used: Option<&'a Resources>,
}

impl Serialize for AgentFull<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let agent = self.agent;
        let empty = Resources::new();
        let used = self.used.unwrap_or(&empty);
        let mut m = s.serialize_map(None)?;
        agent_fields(&mut MapFields(&mut m), agent, &Summary::of(used.iter()))?;
        m.serialize_entry("reserved_resources_full", &ReservedFull(&agent.total))?;
        m.serialize_entry(
            "unreserved_resources_full",
            &Seq(|| {
                agent
                    .total
                    .iter()
                    .filter(|r| r.is_unreserved())
                    .map(endpoint_format)
            }),
        )?;
        m.serialize_entry(
            "used_resources_full",
            &Seq(|| used.iter().map(endpoint_format)),
        )?;
        m.serialize_entry(
            "offered_resources_full",
            &Seq(|| agent.offered.iter().map(endpoint_format)),
        )?;
        m.end()
    }
}

/// A recovered agent: `json(JSON::ObjectWriter*, const SlaveInfo&)` of what is known (its id).
struct RecoveredAgentV0<'a>(&'a mesos_api::v1::AgentId);

impl Serialize for RecoveredAgentV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("id", &self.0.value)?;
        m.serialize_entry("hostname", "")?;
        m.serialize_entry("port", &5051)?;
        m.serialize_entry("attributes", &EmptyObject)?;
        m.end()
    }
}

// ---------------------------------------------------------------------------------------------
// /master/state
// ---------------------------------------------------------------------------------------------

/// `/master/state`, written into `out`.
fn write_state(out: &mut Vec<u8>, master: &Master, state: &State) -> Written {
    let build = build();
    let pid = master_pid(master);
    let agents = sorted_agents(state);
    let usage = Usage::new(state);
    let active = agents.iter().filter(|a| a.active()).count();

    let mut o = Obj::open(out);
    o.field("version", MESOS_VERSION)?;
    if let Some(sha) = build.git_sha {
        o.field("git_sha", sha)?;
    }
    if let Some(branch) = build.git_branch {
        o.field("git_branch", branch)?;
    }
    if let Some(tag) = build.git_tag {
        o.field("git_tag", tag)?;
    }
    o.field("build_date", &build.date)?;
    o.field("build_time", &build.time)?;
    o.field("build_user", build.user)?;
    o.field("start_time", &master.start_time)?;
    // This master is the leader from its start.
    o.field("elected_time", &master.start_time)?;
    o.field("id", &master.info.id)?;
    o.field("pid", &pid)?;
    o.field("hostname", master_hostname(master))?;
    o.field(
        "capabilities",
        &Seq(|| master.info.capabilities.iter().map(|c| c.kind.as_str())),
    )?;
    o.field("activated_slaves", &(active as f64))?;
    o.field("deactivated_slaves", &((agents.len() - active) as f64))?;
    o.field(
        "unreachable_slaves",
        &(state.unreachable_agents.len() as f64),
    )?;
    if let Some(domain) = &master.info.domain {
        o.field("domain", domain)?;
    }
    o.field("leader", &pid)?;
    o.field("leader_info", &LeaderInfo(master))?;
    if let Some(cluster) = &master.config.cluster {
        o.field("cluster", cluster)?;
    }
    if let Some(log_dir) = master.config.flags.get("log_dir") {
        o.field("log_dir", log_dir)?;
    }
    if let Some(file) = master.config.flags.get("external_log_file") {
        o.field("external_log_file", file)?;
    }
    o.field("flags", &master.config.flags)?;
    o.field(
        "slaves",
        &Seq(|| {
            agents.iter().map(|agent| AgentV0 {
                agent,
                used: usage.by_agent.get(&agent.id),
            })
        }),
    )?;
    o.field(
        "recovered_slaves",
        &Seq(|| recovered_agents(state).map(RecoveredAgentV0)),
    )?;
    array(
        o.key("frameworks"),
        sorted_frameworks(state),
        |out, framework| write_framework(out, state, framework, &usage),
    )?;
    array(
        o.key("completed_frameworks"),
        &state.completed_frameworks,
        |out, framework| write_framework(out, state, framework, &usage),
    )?;
    o.field("orphan_tasks", EMPTY_ARRAY)?;
    o.field("unregistered_frameworks", EMPTY_ARRAY)?;
    o.close();
    Ok(())
}

/// `leader_info` (`json(JSON::ObjectWriter*, const MasterInfo&)`).
struct LeaderInfo<'a>(&'a Master);

impl Serialize for LeaderInfo<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let master = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &master.info.id)?;
        m.serialize_entry("pid", &master_pid(master))?;
        m.serialize_entry("port", &master.info.port)?;
        m.serialize_entry("hostname", master_hostname(master))?;
        if let Some(domain) = &master.info.domain {
            m.serialize_entry("domain", domain)?;
        }
        m.end()
    }
}

/// A rough size of `/state`, to allocate the buffer once.
fn state_capacity(state: &State) -> usize {
    let tasks: usize = state
        .frameworks
        .values()
        .chain(state.completed_frameworks.iter())
        .map(|f| f.tasks.len() + f.completed_tasks.len())
        .sum();
    4096 + state.agents.len() * 1024 + state.frameworks.len() * 1024 + tasks * 400
}

/// `/master/state`.
pub fn state(master: &Master, state: &State) -> Vec<u8> {
    written(state_capacity(state), |out| write_state(out, master, state))
}

/// The buffer `write` fills (an empty object if it fails, as [`to_json`]).
fn written(capacity: usize, write: impl FnOnce(&mut Vec<u8>) -> Written) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    if let Err(e) = write(&mut out) {
        tracing::warn!(error = %e, "a response could not be serialised");
        out.clear();
        out.extend_from_slice(b"{}");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// /master/state-summary, /master/frameworks, /master/slaves
// ---------------------------------------------------------------------------------------------

/// Task counts by state, as `/state-summary` writes them.
#[derive(Clone, Copy, Debug, Default)]
struct Counts([usize; 10]);

const COUNTED_STATES: [TaskState; 10] = [
    TaskState::Staging,
    TaskState::Starting,
    TaskState::Running,
    TaskState::Killing,
    TaskState::Finished,
    TaskState::Killed,
    TaskState::Failed,
    TaskState::Lost,
    TaskState::Error,
    TaskState::Unreachable,
];

impl Counts {
    fn count(&mut self, state: TaskState) {
        if let Some(i) = COUNTED_STATES.iter().position(|s| *s == state) {
            self.0[i] += 1;
        }
    }

    fn fields<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        for (state, count) in COUNTED_STATES.iter().zip(self.0) {
            m.serialize_entry(state.as_str(), &count)?;
        }
        Ok(())
    }
}

/// Who runs where, and task counts, over the registered frameworks' tasks (active,
/// unreachable and completed), as Mesos's `SlaveFrameworkMapping` and `TaskStateSummaries`.
#[derive(Default)]
struct Mapping<'a> {
    frameworks_on_agent: FastMap<&'a str, BTreeSet<&'a str>>,
    agents_of_framework: FastMap<&'a str, BTreeSet<&'a str>>,
    agent_counts: FastMap<&'a str, Counts>,
    framework_counts: FastMap<&'a str, Counts>,
}

impl<'a> Mapping<'a> {
    fn new(state: &'a State) -> Self {
        let mut mapping = Mapping::default();
        for framework in state.frameworks.values() {
            let fid = framework.id.value.as_str();
            for task in framework
                .tasks
                .values()
                .chain(framework.completed_tasks.iter())
            {
                let aid = task.agent_id.value.as_str();
                mapping
                    .frameworks_on_agent
                    .entry(aid)
                    .or_default()
                    .insert(fid);
                mapping
                    .agents_of_framework
                    .entry(fid)
                    .or_default()
                    .insert(aid);
                mapping
                    .agent_counts
                    .entry(aid)
                    .or_default()
                    .count(task.state);
                mapping
                    .framework_counts
                    .entry(fid)
                    .or_default()
                    .count(task.state);
            }
        }
        mapping
    }
}

struct SummaryAgent<'a> {
    agent: &'a Agent,
    used: Option<&'a Summary<'a>>,
    mapping: &'a Mapping<'a>,
}

impl Serialize for SummaryAgent<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let empty = Summary::default();
        let id = self.agent.id.value.as_str();
        let mut m = s.serialize_map(None)?;
        agent_fields(
            &mut MapFields(&mut m),
            self.agent,
            self.used.unwrap_or(&empty),
        )?;
        self.mapping
            .agent_counts
            .get(id)
            .copied()
            .unwrap_or_default()
            .fields(&mut m)?;
        m.serialize_entry(
            "framework_ids",
            &Seq(|| {
                self.mapping
                    .frameworks_on_agent
                    .get(id)
                    .into_iter()
                    .flatten()
            }),
        )?;
        m.end()
    }
}

struct SummaryFramework<'a> {
    state: &'a State,
    framework: &'a Framework,
    mapping: &'a Mapping<'a>,
    usage: &'a Usage<'a>,
}

impl Serialize for SummaryFramework<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let framework = self.framework;
        let id = framework.id.value.as_str();
        let used = self.usage.of_framework(framework);
        let offered =
            Summary::of(offers_of(self.state, framework).flat_map(|o| o.resources.iter()));
        let mut m = s.serialize_map(None)?;
        framework_summary_fields(&mut MapFields(&mut m), framework, &used, &offered)?;
        self.mapping
            .framework_counts
            .get(id)
            .copied()
            .unwrap_or_default()
            .fields(&mut m)?;
        m.serialize_entry(
            "slave_ids",
            &Seq(|| {
                self.mapping
                    .agents_of_framework
                    .get(id)
                    .into_iter()
                    .flatten()
            }),
        )?;
        m.end()
    }
}

struct StateSummaryV0<'a> {
    master: &'a Master,
    state: &'a State,
}

impl Serialize for StateSummaryV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (master, state) = (self.master, self.state);
        let mapping = Mapping::new(state);
        let usage = Usage::new(state);
        let agents = sorted_agents(state);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("hostname", master_hostname(master))?;
        if let Some(cluster) = &master.config.cluster {
            m.serialize_entry("cluster", cluster)?;
        }
        m.serialize_entry(
            "slaves",
            &Seq(|| {
                agents.iter().map(|agent| SummaryAgent {
                    agent,
                    used: usage.by_agent.get(&agent.id),
                    mapping: &mapping,
                })
            }),
        )?;
        m.serialize_entry(
            "frameworks",
            &Seq(|| {
                sorted_frameworks(state)
                    .into_iter()
                    .map(|framework| SummaryFramework {
                        state,
                        framework,
                        mapping: &mapping,
                        usage: &usage,
                    })
            }),
        )?;
        m.end()
    }
}

/// `/master/state-summary`.
pub fn state_summary(master: &Master, state: &State) -> Vec<u8> {
    to_json(
        &StateSummaryV0 { master, state },
        4096 + state.agents.len() * 1024 + state.frameworks.len() * 1024,
    )
}

fn write_frameworks(out: &mut Vec<u8>, state: &State, framework_id: Option<&str>) -> Written {
    let usage = Usage::new(state);
    let selected = |f: &&Framework| framework_id.is_none_or(|id| f.id.value == id);
    let mut o = Obj::open(out);
    array(
        o.key("frameworks"),
        sorted_frameworks(state).into_iter().filter(selected),
        |out, framework| write_framework(out, state, framework, &usage),
    )?;
    array(
        o.key("completed_frameworks"),
        state.completed_frameworks.iter().filter(selected),
        |out, framework| write_framework(out, state, framework, &usage),
    )?;
    o.key("unregistered_frameworks").extend_from_slice(b"[]");
    o.close();
    Ok(())
}

/// `/master/frameworks`, optionally only `?framework_id=`.
pub fn frameworks(_master: &Master, state: &State, framework_id: Option<&str>) -> Vec<u8> {
    written(state_capacity(state), |out| {
        write_frameworks(out, state, framework_id)
    })
}

struct SlavesV0<'a> {
    state: &'a State,
    slave_id: Option<&'a str>,
}

impl Serialize for SlavesV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let state = self.state;
        let selected = |id: &str| self.slave_id.is_none_or(|wanted| wanted == id);
        let used = used_resources_by_agent(state);
        let agents = sorted_agents(state);
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry(
            "slaves",
            &Seq(|| {
                agents
                    .iter()
                    .filter(|a| selected(&a.id.value))
                    .map(|agent| AgentFull {
                        agent,
                        used: used.get(&agent.id),
                    })
            }),
        )?;
        m.serialize_entry(
            "recovered_slaves",
            &Seq(|| {
                recovered_agents(state)
                    .filter(|id| selected(&id.value))
                    .map(RecoveredAgentV0)
            }),
        )?;
        m.end()
    }
}

/// `/master/slaves`, optionally only `?slave_id=`.
pub fn slaves(_master: &Master, state: &State, slave_id: Option<&str>) -> Vec<u8> {
    to_json(
        &SlavesV0 { state, slave_id },
        4096 + state.agents.len() * 4096,
    )
}

// ---------------------------------------------------------------------------------------------
// /master/tasks
// ---------------------------------------------------------------------------------------------

/// The query of `/master/tasks`. Values are kept as text so that bad ones get a clear message.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TasksQuery {
    /// At most this many tasks (default [`TASK_LIMIT`]).
    pub limit: Option<String>,
    /// Skip this many first.
    pub offset: Option<String>,
    /// `asc` or `des` (default) by the time of the task's first status.
    pub order: Option<String>,
    pub framework_id: Option<String>,
    pub task_id: Option<String>,
    pub jsonp: Option<String>,
}

fn parse_count(name: &str, value: Option<&str>, default: usize) -> Result<usize, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(text) => text.parse::<usize>().map_err(|_| {
            format!("Invalid '{name}' query parameter '{text}': expecting a non-negative integer")
        }),
    }
}

/// The time of a task's first status; tasks without statuses sort before all others.
fn first_status_time(task: &Task) -> Option<f64> {
    task.statuses.first().map(|s| s.timestamp.unwrap_or(0.0))
}

/// `/master/tasks`: active, unreachable and completed tasks of the registered and completed
/// frameworks, sorted by the time of their first status (newest first unless `order=asc`), then
/// `offset` and `limit` applied. Non-numeric `limit`/`offset` and an `order` other than `asc` or
/// `des` are errors (Mesos silently falls back to the defaults).
pub fn tasks(state: &State, query: &TasksQuery) -> Result<Vec<u8>, String> {
    let limit = parse_count("limit", query.limit.as_deref(), TASK_LIMIT)?;
    let offset = parse_count("offset", query.offset.as_deref(), 0)?;
    let ascending = match query.order.as_deref().map(str::trim) {
        None | Some("") | Some("des") | Some("desc") => false,
        Some("asc") => true,
        Some(other) => {
            return Err(format!(
                "Invalid 'order' query parameter '{other}': expecting 'asc' or 'des'"
            ));
        }
    };
    let framework_id = query.framework_id.as_deref();
    let task_id = query.task_id.as_deref();
    let frameworks = sorted_frameworks(state)
        .into_iter()
        .chain(state.completed_frameworks.iter())
        .filter(|f| framework_id.is_none_or(|id| f.id.value == id));
    let mut tasks: Vec<&Task> = Vec::new();
    for framework in frameworks {
        let active = framework
            .tasks
            .values()
            .filter(|t| t.state != TaskState::Unreachable);
        let unreachable = framework
            .tasks
            .values()
            .filter(|t| t.state == TaskState::Unreachable);
        tasks.extend(
            active
                .chain(unreachable)
                .chain(framework.completed_tasks.iter())
                .filter(|t| task_id.is_none_or(|id| t.info.task_id.value == id)),
        );
    }
    let order = |a: &&Task, b: &&Task| {
        let (a, b) = (first_status_time(a), first_status_time(b));
        match (a, b) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(a), Some(b)) => a.total_cmp(&b),
        }
    };
    if ascending {
        tasks.sort_by(order);
    } else {
        tasks.sort_by(|a, b| order(b, a));
    }
    let page: Vec<&Task> = tasks.into_iter().skip(offset).take(limit).collect();
    Ok(written(64 + page.len() * 400, |out| {
        let mut o = Obj::open(out);
        array(o.key("tasks"), page, write_task)?;
        o.close();
        Ok(())
    }))
}

// ---------------------------------------------------------------------------------------------
// /master/roles
// ---------------------------------------------------------------------------------------------

/// Quantities by resource name (Mesos's `ResourceQuantities`): scalars by value, ranges and sets
/// by count.
type Quantities = BTreeMap<String, Scalar>;

fn add_quantity(quantities: &mut Quantities, resource: &Resource) {
    let amount = match resource.kind {
        ValueType::Scalar => resource.scalar.unwrap_or_default(),
        ValueType::Ranges => Scalar::new(resource.ranges.as_ref().map_or(0, |r| r.len()) as f64),
        ValueType::Set => Scalar::new(resource.set.as_ref().map_or(0, |s| s.item.len()) as f64),
        ValueType::Text => return,
    };
    *quantities.entry(resource.name.clone()).or_default() += amount;
}

fn add_quantities(into: &mut Quantities, from: &Quantities) {
    for (name, value) in from {
        *into.entry(name.clone()).or_default() += *value;
    }
}

/// `a - b`, each quantity at least 0.
fn saturating_sub(a: &Quantities, b: &Quantities) -> Quantities {
    a.iter()
        .filter_map(|(name, value)| {
            let rest = *value - b.get(name).copied().unwrap_or_default();
            (rest.millis() > 0).then(|| (name.clone(), rest))
        })
        .collect()
}

struct QuantitiesObject<'a>(&'a Quantities);

impl Serialize for QuantitiesObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(name, value)| (name, value.get())))
    }
}

/// A role and what it holds.
#[derive(Debug, Default)]
struct RoleInfo {
    weight: f64,
    frameworks: BTreeSet<FrameworkId>,
    allocated: Quantities,
    offered: Quantities,
    reserved: Quantities,
    /// Reserved resources not in use (for `quota.consumed`).
    unallocated_reservations: Quantities,
}

/// The role and its ancestors, innermost first: `a/b/c`, `a/b`, `a`.
fn self_and_ancestors(role: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(role), |r| r.rfind('/').map(|i| &r[..i]))
}

/// Mesos's `knownRoles()` with their `RoleResourceBreakdown`: the `--roles` whitelist if set,
/// else the roles frameworks subscribed to or hold resources in, reservation roles and roles
/// with weights; with all their ancestors. Resources count for a role and all its ancestors.
fn role_infos(master: &Master, state: &State) -> BTreeMap<String, RoleInfo> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    match &master.config.roles {
        Some(whitelist) => names.extend(whitelist.iter().cloned()),
        None => {
            for framework in state.frameworks.values() {
                names.extend(framework.roles());
                names.extend(active_tasks(framework).map(|t| t.role.clone()));
            }
            for agent in state.agents.values() {
                names.extend(
                    agent
                        .total
                        .iter()
                        .filter_map(|r| r.reservation_role().map(str::to_owned)),
                );
            }
            names.extend(state.weights.keys().cloned());
        }
    }
    let mut roles: BTreeMap<String, RoleInfo> = BTreeMap::new();
    for name in &names {
        for role in self_and_ancestors(name) {
            roles.entry(role.to_owned()).or_insert_with(|| RoleInfo {
                weight: state.weights.get(role).copied().unwrap_or(1.0),
                ..RoleInfo::default()
            });
        }
    }
    fn charge(
        roles: &mut BTreeMap<String, RoleInfo>,
        role: &str,
        resource: &Resource,
        pick: fn(&mut RoleInfo) -> &mut Quantities,
    ) {
        for role in self_and_ancestors(role) {
            if let Some(info) = roles.get_mut(role) {
                add_quantity(pick(info), resource);
            }
        }
    }
    // Reserved resources in use, by agent and role, to find the unused reservations.
    let mut used_reserved: HashMap<&mesos_api::v1::AgentId, Vec<&Resource>> = HashMap::new();
    for framework in state.frameworks.values() {
        for task in active_tasks(framework) {
            for resource in task.resources.iter() {
                let role = resource.allocation_role().unwrap_or(&task.role);
                charge(&mut roles, role, resource, |i| &mut i.allocated);
                if resource.reservation_role().is_some() {
                    used_reserved
                        .entry(&task.agent_id)
                        .or_default()
                        .push(resource);
                }
            }
        }
    }
    for offer in state.offers.values() {
        for resource in offer.resources.iter() {
            let role = resource.allocation_role().unwrap_or(&offer.role);
            charge(&mut roles, role, resource, |i| &mut i.offered);
        }
    }
    let mut agents: Vec<&Agent> = state.agents.values().collect();
    agents.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    for agent in agents {
        let mut reserved: HashMap<&str, Quantities> = HashMap::new();
        let mut used: HashMap<&str, Quantities> = HashMap::new();
        for resource in agent.total.iter() {
            if let Some(role) = resource.reservation_role() {
                charge(&mut roles, role, resource, |i| &mut i.reserved);
                for role in self_and_ancestors(role) {
                    add_quantity(reserved.entry(role).or_default(), resource);
                }
            }
        }
        for resource in used_reserved.get(&agent.id).into_iter().flatten() {
            if let Some(role) = resource.reservation_role() {
                for role in self_and_ancestors(role) {
                    add_quantity(used.entry(role).or_default(), resource);
                }
            }
        }
        for (role, quantities) in reserved {
            if let Some(info) = roles.get_mut(role) {
                let rest =
                    saturating_sub(&quantities, used.get(role).unwrap_or(&Quantities::new()));
                add_quantities(&mut info.unallocated_reservations, &rest);
            }
        }
    }
    for framework in state.frameworks.values() {
        let mut framework_roles: BTreeSet<String> = framework.roles().into_iter().collect();
        framework_roles.extend(active_tasks(framework).map(|t| t.role.clone()));
        for role in framework_roles {
            if let Some(info) = roles.get_mut(&role) {
                info.frameworks.insert(framework.id.clone());
            }
        }
    }
    roles
}

struct RoleV0<'a> {
    name: &'a str,
    info: &'a RoleInfo,
}

impl Serialize for RoleV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let info = self.info;
        let mut allocated_and_offered = info.allocated.clone();
        add_quantities(&mut allocated_and_offered, &info.offered);
        let mut consumed = info.allocated.clone();
        add_quantities(&mut consumed, &info.unallocated_reservations);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", self.name)?;
        m.serialize_entry("weight", &info.weight)?;
        m.serialize_entry(
            "quota",
            &Quota {
                role: self.name,
                consumed: &consumed,
            },
        )?;
        m.serialize_entry("resources", &QuantitiesObject(&allocated_and_offered))?;
        m.serialize_entry("allocated", &QuantitiesObject(&info.allocated))?;
        m.serialize_entry("offered", &QuantitiesObject(&info.offered))?;
        m.serialize_entry("reserved", &QuantitiesObject(&info.reserved))?;
        m.serialize_entry(
            "frameworks",
            &Seq(|| info.frameworks.iter().map(|id| id.value.as_str())),
        )?;
        m.end()
    }
}

/// `quota` of a role: no guarantees or limits (quota is not supported), what it consumes.
struct Quota<'a> {
    role: &'a str,
    consumed: &'a Quantities,
}

impl Serialize for Quota<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("role", self.role)?;
        m.serialize_entry("guarantee", &EmptyObject)?;
        m.serialize_entry("limit", &EmptyObject)?;
        m.serialize_entry("consumed", &QuantitiesObject(self.consumed))?;
        m.end()
    }
}

struct RolesV0<'a>(&'a BTreeMap<String, RoleInfo>);

impl Serialize for RolesV0<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(
            "roles",
            &Seq(|| self.0.iter().map(|(name, info)| RoleV0 { name, info })),
        )?;
        m.end()
    }
}

/// `/master/roles`.
pub fn roles(master: &Master, state: &State) -> Vec<u8> {
    to_json(&RolesV0(&role_infos(master, state)), 1024)
}

// ---------------------------------------------------------------------------------------------
// /master/flags, /master/weights, /version
// ---------------------------------------------------------------------------------------------

/// `/master/flags`: `{"flags":{"name":"value",…}}`.
pub fn flags(master: &Master) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Flags<'a> {
        flags: &'a BTreeMap<String, String>,
    }
    to_json(
        &Flags {
            flags: &master.config.flags,
        },
        4096,
    )
}

/// `/master/weights`: `[{"role":…,"weight":…}]` for the roles whose weight was set.
pub fn weights(state: &State) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Weight<'a> {
        role: &'a str,
        weight: f64,
    }
    let weights: Vec<Weight<'_>> = state
        .weights
        .iter()
        .map(|(role, weight)| Weight {
            role,
            weight: *weight,
        })
        .collect();
    to_json(&weights, 64 + weights.len() * 48)
}

/// `/version`: Mesos's keys, in its (alphabetical) order.
pub fn version() -> Vec<u8> {
    let build = build();
    let mut m: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
    m.insert("version", MESOS_VERSION.into());
    m.insert("build_date", build.date.clone().into());
    m.insert("build_time", build.time.into());
    m.insert("build_user", build.user.into());
    if let Some(sha) = build.git_sha {
        m.insert("git_sha", sha.into());
    }
    if let Some(branch) = build.git_branch {
        m.insert("git_branch", branch.into());
    }
    if let Some(tag) = build.git_tag {
        m.insert("git_tag", tag.into());
    }
    to_json(&m, 256)
}

// ---------------------------------------------------------------------------------------------
// /metrics/snapshot
// ---------------------------------------------------------------------------------------------

/// Mesos's master counters (`src/master/metrics.cpp`), written as 0 until they count something.
const COUNTERS: &[&str] = &[
    "master/dropped_messages",
    "master/http_cache_hits",
    "master/invalid_executor_to_framework_messages",
    "master/invalid_framework_to_executor_messages",
    "master/invalid_operation_status_update_acknowledgements",
    "master/invalid_operation_status_updates",
    "master/invalid_status_update_acknowledgements",
    "master/invalid_status_updates",
    "master/messages_authenticate",
    "master/messages_deactivate_framework",
    "master/messages_decline_offers",
    "master/messages_executor_to_framework",
    "master/messages_exited_executor",
    "master/messages_framework_to_executor",
    "master/messages_kill_task",
    "master/messages_launch_tasks",
    "master/messages_operation_status_update",
    "master/messages_operation_status_update_acknowledgement",
    "master/messages_reconcile_operations",
    "master/messages_reconcile_tasks",
    "master/messages_register_framework",
    "master/messages_register_slave",
    "master/messages_reregister_framework",
    "master/messages_reregister_slave",
    "master/messages_resource_request",
    "master/messages_revive_offers",
    "master/messages_status_update",
    "master/messages_status_update_acknowledgement",
    "master/messages_suppress_offers",
    "master/messages_unregister_framework",
    "master/messages_unregister_slave",
    "master/messages_update_slave",
    "master/recovery_slave_removals",
    "master/slave_registrations",
    "master/slave_removals",
    "master/slave_removals/reason_registered",
    "master/slave_removals/reason_unhealthy",
    "master/slave_removals/reason_unregistered",
    "master/slave_reregistrations",
    "master/slave_shutdowns_canceled",
    "master/slave_shutdowns_completed",
    "master/slave_shutdowns_scheduled",
    "master/slave_unreachable_canceled",
    "master/slave_unreachable_completed",
    "master/slave_unreachable_scheduled",
    "master/tasks_dropped",
    "master/tasks_error",
    "master/tasks_failed",
    "master/tasks_finished",
    "master/tasks_gone",
    "master/tasks_gone_by_operator",
    "master/tasks_killed",
    "master/tasks_lost",
    "master/valid_executor_to_framework_messages",
    "master/valid_framework_to_executor_messages",
    "master/valid_operation_status_update_acknowledgements",
    "master/valid_operation_status_updates",
    "master/valid_status_update_acknowledgements",
    "master/valid_status_updates",
    "allocator/mesos/allocation_runs",
];

/// Gauges Mesos has that are always 0 here (no event queue to measure, no operator streams).
const ZERO_GAUGES: &[&str] = &[
    "master/event_queue_dispatches",
    "master/event_queue_http_requests",
    "master/event_queue_messages",
    "master/operator_event_stream_subscribers",
    "allocator/mesos/event_queue_dispatches",
];

/// Every metric: the master's counters and timers, gauges computed from the state with Mesos's
/// names, the allocator's and the system's.
fn metrics_map(master: &Master, state: &State) -> BTreeMap<String, f64> {
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for name in COUNTERS.iter().chain(ZERO_GAUGES) {
        out.insert((*name).to_owned(), 0.0);
    }
    master.metrics.render(&mut out);
    let mut set = |name: &str, value: f64| {
        out.insert(name.to_owned(), value);
    };

    set("master/elected", 1.0);
    set("master/uptime_secs", (now() - master.start_time).max(0.0));

    // Resources: totals and uses over registered agents, non-revocable and revocable.
    let mut total = [[Scalar::ZERO; 4]; 2];
    let mut used = [[Scalar::ZERO; 4]; 2];
    let add = |into: &mut [[Scalar; 4]; 2], resource: &Resource| {
        if resource.kind != ValueType::Scalar {
            return;
        }
        if let Some(i) = SUMMARY_SCALARS.iter().position(|n| *n == resource.name) {
            into[usize::from(resource.is_revocable())][i] += resource.scalar.unwrap_or_default();
        }
    };
    for agent in state.agents.values() {
        for resource in agent.total.iter() {
            add(&mut total, resource);
        }
    }
    let mut staging = 0usize;
    let mut starting = 0usize;
    let mut running = 0usize;
    let mut killing = 0usize;
    let mut unreachable = 0usize;
    for framework in state.frameworks.values() {
        for task in framework.tasks.values() {
            if task.state == TaskState::Unreachable {
                unreachable += 1;
                continue;
            }
            if !state.agents.contains_key(&task.agent_id) {
                continue;
            }
            match task.state {
                TaskState::Staging => staging += 1,
                TaskState::Starting => starting += 1,
                TaskState::Running => running += 1,
                TaskState::Killing => killing += 1,
                _ => {}
            }
            if is_active(task) {
                for resource in task.resources.iter() {
                    add(&mut used, resource);
                }
            }
        }
    }
    for (kind, prefix) in [(0, ""), (1, "_revocable")] {
        for (i, name) in SUMMARY_SCALARS.iter().enumerate() {
            let (t, u) = (total[kind][i].get(), used[kind][i].get());
            set(&format!("master/{name}{prefix}_total"), t);
            set(&format!("master/{name}{prefix}_used"), u);
            set(
                &format!("master/{name}{prefix}_percent"),
                if t == 0.0 { 0.0 } else { u / t },
            );
        }
    }

    let agents = state.agents.len();
    let active = state.agents.values().filter(|a| a.active()).count();
    let connected = state
        .agents
        .values()
        .filter(|a| a.connection.is_some() || a.active())
        .count();
    set("master/slaves_active", active as f64);
    set("master/slaves_inactive", (agents - active) as f64);
    set("master/slaves_connected", connected as f64);
    set("master/slaves_disconnected", (agents - connected) as f64);
    set(
        "master/slaves_unreachable",
        state.unreachable_agents.len() as f64,
    );

    let frameworks = state.frameworks.len();
    let active = state.frameworks.values().filter(|f| f.active).count();
    let connected = state.frameworks.values().filter(|f| f.connected()).count();
    set("master/frameworks_active", active as f64);
    set("master/frameworks_inactive", (frameworks - active) as f64);
    set("master/frameworks_connected", connected as f64);
    set(
        "master/frameworks_disconnected",
        (frameworks - connected) as f64,
    );
    set("master/outstanding_offers", state.offers.len() as f64);

    set("master/tasks_staging", staging as f64);
    set("master/tasks_starting", starting as f64);
    set("master/tasks_running", running as f64);
    set("master/tasks_killing", killing as f64);
    set("master/tasks_unreachable", unreachable as f64);

    let allocator = state.allocator.metrics();
    set(
        "allocator/mesos/allocation_runs",
        allocator.allocation_runs as f64,
    );
    for (name, value) in &allocator.total {
        set(&format!("allocator/mesos/resources/{name}/total"), *value);
    }
    for name in allocator.total.keys() {
        let value = allocator
            .offered_or_allocated
            .get(name)
            .copied()
            .unwrap_or(0.0);
        set(
            &format!("allocator/mesos/resources/{name}/offered_or_allocated"),
            value,
        );
    }
    for (name, value) in &allocator.offered_or_allocated {
        if !allocator.total.contains_key(name) {
            set(
                &format!("allocator/mesos/resources/{name}/offered_or_allocated"),
                *value,
            );
        }
    }
    for (role, share) in &allocator.role_shares {
        set(
            &format!("allocator/mesos/roles/{role}/shares/dominant"),
            *share,
        );
    }
    for (role, count) in &allocator.offer_filters_active {
        set(
            &format!("allocator/mesos/offer_filters/roles/{role}/active"),
            *count as f64,
        );
    }

    for (name, value) in system_metrics() {
        set(name, value);
    }
    out
}

/// `system/*` (libprocess's `SystemProcess`): processors online, load averages, memory.
fn system_metrics() -> Vec<(&'static str, f64)> {
    let mut out = Vec::with_capacity(6);
    let cpus = std::fs::read_to_string("/sys/devices/system/cpu/online")
        .ok()
        .map(|text| online_cpus(&text))
        .filter(|n| *n > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()));
    if let Some(cpus) = cpus {
        out.push(("system/cpus_total", cpus as f64));
    }
    if let Ok(text) = std::fs::read_to_string("/proc/loadavg") {
        let loads: Vec<f64> = text
            .split_whitespace()
            .take(3)
            .filter_map(|v| v.parse().ok())
            .collect();
        if let [one, five, fifteen] = loads[..] {
            out.push(("system/load_1min", one));
            out.push(("system/load_5min", five));
            out.push(("system/load_15min", fifteen));
        }
    }
    if let Ok(text) = std::fs::read_to_string("/proc/meminfo") {
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<f64>()
                        .ok()
                })
                .map(|kib| kib * 1024.0)
        };
        if let Some(total) = field("MemTotal:") {
            out.push(("system/mem_total_bytes", total));
        }
        if let Some(free) = field("MemFree:") {
            out.push(("system/mem_free_bytes", free));
        }
    }
    out
}

/// The number of processors in a `/sys/devices/system/cpu/online` list (`0-3,8-11`).
fn online_cpus(text: &str) -> usize {
    text.trim()
        .split(',')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('-') {
            Some((a, b)) => match (a.trim().parse::<usize>(), b.trim().parse::<usize>()) {
                (Ok(a), Ok(b)) if b >= a => b - a + 1,
                _ => 0,
            },
            None => usize::from(part.trim().parse::<usize>().is_ok()),
        })
        .sum()
}

/// `/metrics/snapshot`: a flat `{"name": number}` object.
pub fn metrics_snapshot(master: &Master, state: &State) -> Vec<u8> {
    let metrics = metrics_map(master, state);
    to_json(&metrics, 64 * metrics.len())
}

// ---------------------------------------------------------------------------------------------
// v1 views
// ---------------------------------------------------------------------------------------------

/// A `TaskStatus` as the master keeps it: everything but `data` (Mesos drops it to save
/// memory).
struct StatusV1<'a>(&'a TaskStatus);

impl Serialize for StatusV1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let status = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("task_id", &status.task_id)?;
        m.serialize_entry("state", &status.state)?;
        if let Some(message) = &status.message {
            m.serialize_entry("message", message)?;
        }
        if let Some(source) = &status.source {
            m.serialize_entry("source", source)?;
        }
        if let Some(reason) = &status.reason {
            m.serialize_entry("reason", reason)?;
        }
        if let Some(agent_id) = &status.agent_id {
            m.serialize_entry("agent_id", agent_id)?;
        }
        if let Some(executor_id) = &status.executor_id {
            m.serialize_entry("executor_id", executor_id)?;
        }
        if let Some(timestamp) = &status.timestamp {
            m.serialize_entry("timestamp", timestamp)?;
        }
        if let Some(uuid) = &status.uuid {
            m.serialize_entry("uuid", uuid)?;
        }
        if let Some(healthy) = &status.healthy {
            m.serialize_entry("healthy", healthy)?;
        }
        if let Some(check_status) = &status.check_status {
            m.serialize_entry("check_status", check_status)?;
        }
        if let Some(labels) = &status.labels {
            m.serialize_entry("labels", labels)?;
        }
        if let Some(container_status) = &status.container_status {
            m.serialize_entry("container_status", container_status)?;
        }
        if let Some(time) = &status.unreachable_time {
            m.serialize_entry("unreachable_time", time)?;
        }
        if let Some(limitation) = &status.limitation {
            m.serialize_entry("limitation", limitation)?;
        }
        m.end()
    }
}

/// A `mesos.v1.Task` (field order of `mesos.proto`).
struct TaskV1<'a>(&'a Task);

impl Serialize for TaskV1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let task = self.0;
        let info = &task.info;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", &info.name)?;
        m.serialize_entry("task_id", &info.task_id)?;
        m.serialize_entry("framework_id", &task.framework_id)?;
        if let Some(executor_id) = &task.executor_id {
            m.serialize_entry("executor_id", executor_id)?;
        }
        m.serialize_entry("agent_id", &task.agent_id)?;
        m.serialize_entry("state", &task.state)?;
        if !task.resources.is_empty() {
            m.serialize_entry("resources", &task.resources)?;
        }
        if !task.statuses.is_empty() {
            m.serialize_entry("statuses", &Seq(|| task.statuses.iter().map(StatusV1)))?;
        }
        if let Some(labels) = &info.labels {
            m.serialize_entry("labels", labels)?;
        }
        if let Some(discovery) = &info.discovery {
            m.serialize_entry("discovery", discovery)?;
        }
        if let Some(container) = &info.container {
            m.serialize_entry("container", container)?;
        }
        if let Some(health_check) = &info.health_check {
            m.serialize_entry("health_check", health_check)?;
        }
        if let Some(kill_policy) = &info.kill_policy {
            m.serialize_entry("kill_policy", kill_policy)?;
        }
        if let Some(user) = task_user(info) {
            m.serialize_entry("user", user)?;
        }
        if !info.limits.is_empty() {
            m.serialize_entry("limits", &info.limits)?;
        }
        m.end()
    }
}

/// Registered frameworks (by id), then completed ones.
fn all_frameworks(state: &State) -> Vec<&Framework> {
    let mut frameworks = sorted_frameworks(state);
    frameworks.extend(state.completed_frameworks.iter());
    frameworks
}

/// `Response.GetTasks`.
struct GetTasksV1<'a>(&'a State);

impl Serialize for GetTasksV1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let frameworks = all_frameworks(self.0);
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry(
            "tasks",
            &Seq(|| {
                frameworks.iter().flat_map(|f| {
                    f.tasks
                        .values()
                        .filter(|t| t.state != TaskState::Unreachable)
                        .map(TaskV1)
                })
            }),
        )?;
        m.serialize_entry(
            "unreachable_tasks",
            &Seq(|| {
                frameworks.iter().flat_map(|f| {
                    f.tasks
                        .values()
                        .filter(|t| t.state == TaskState::Unreachable)
                        .map(TaskV1)
                })
            }),
        )?;
        m.serialize_entry(
            "completed_tasks",
            &Seq(|| {
                frameworks
                    .iter()
                    .flat_map(|f| f.completed_tasks.iter().map(TaskV1))
            }),
        )?;
        m.end()
    }
}

/// `Response.GetExecutors`.
struct GetExecutorsV1<'a>(&'a State);

#[derive(serde::Serialize)]
struct ExecutorV1<'a> {
    executor_info: Cow<'a, ExecutorInfo>,
    agent_id: &'a mesos_api::v1::AgentId,
}

/// The executor with its `framework_id` set, as Mesos's master sets it on launch.
fn executor_info<'a>(framework: &Framework, executor: &'a ExecutorInfo) -> Cow<'a, ExecutorInfo> {
    if executor.framework_id.is_some() {
        Cow::Borrowed(executor)
    } else {
        let mut executor = executor.clone();
        executor.framework_id = Some(framework.id.clone());
        Cow::Owned(executor)
    }
}

impl Serialize for GetExecutorsV1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let frameworks = all_frameworks(self.0);
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(
            "executors",
            &Seq(|| {
                frameworks.iter().flat_map(|f| {
                    f.executors.iter().flat_map(move |(agent_id, executors)| {
                        executors.values().map(move |executor| ExecutorV1 {
                            executor_info: executor_info(f, executor),
                            agent_id,
                        })
                    })
                })
            }),
        )?;
        m.end()
    }
}

/// The `Offer` as the master keeps it (resources in the post-refinement format, with their
/// allocation info).
fn offer_v1(state: &State, framework: &Framework, offer: &Offer) -> mesos_api::v1::Offer {
    let agent = state.agents.get(&offer.agent_id);
    let hostname = agent.map(|a| a.info.hostname.clone()).unwrap_or_default();
    let ip = agent
        .and_then(|a| a.pid.rsplit_once('@'))
        .and_then(|(_, address)| address.rsplit_once(':'))
        .map(|(ip, _)| ip.to_owned());
    mesos_api::v1::Offer {
        id: offer.id.clone(),
        framework_id: offer.framework_id.clone(),
        agent_id: offer.agent_id.clone(),
        hostname: hostname.clone(),
        url: Some(Url {
            scheme: "http".to_owned(),
            address: Address {
                hostname: Some(hostname),
                ip,
                port: agent.map_or(5051, |a| a.info.port),
            },
            path: Some("/slave(1)".to_owned()),
            query: Vec::new(),
            fragment: None,
        }),
        domain: agent.and_then(|a| a.info.domain.clone()),
        resources: offer.resources.as_slice().to_vec(),
        attributes: agent.map(|a| a.info.attributes.clone()).unwrap_or_default(),
        executor_ids: framework
            .executors
            .get(&offer.agent_id)
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default(),
        unavailability: None,
        allocation_info: Some(AllocationInfo {
            role: Some(offer.role.clone()),
        }),
    }
}

/// `Response.GetFrameworks.Framework` (Mesos's `model(const Framework&)`).
fn framework_v1(state: &State, framework: &Framework) -> api::Framework {
    let mut info = framework.info.clone();
    if info.id.is_none() {
        info.id = Some(framework.id.clone());
    }
    let nonzero = |secs: f64| (secs != 0.0).then(|| time_info(secs));
    let offers: Vec<&Offer> = offers_of(state, framework).collect();
    let mut allocated = Resources::new();
    for task in active_tasks(framework) {
        allocated += &task.resources;
    }
    api::Framework {
        framework_info: info,
        active: framework.active,
        connected: framework.connected(),
        recovered: framework.recovered,
        registered_time: nonzero(framework.registered_time),
        reregistered_time: framework.reregistered_time.and_then(nonzero),
        unregistered_time: framework.unregistered_time.and_then(nonzero),
        offers: offers
            .iter()
            .map(|o| offer_v1(state, framework, o))
            .collect(),
        inverse_offers: Vec::new(),
        allocated_resources: endpoint_resources(allocated.iter()),
        offered_resources: endpoint_resources(offers.iter().flat_map(|o| o.resources.iter())),
        offer_constraints: Some(serde_json::Value::Object(serde_json::Map::new())),
    }
}

/// `Response.GetFrameworks`.
struct GetFrameworksV1<'a>(&'a State);

impl Serialize for GetFrameworksV1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let state = self.0;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry(
            "frameworks",
            &Seq(|| {
                sorted_frameworks(state)
                    .into_iter()
                    .map(|f| framework_v1(state, f))
            }),
        )?;
        m.serialize_entry(
            "completed_frameworks",
            &Seq(|| {
                state
                    .completed_frameworks
                    .iter()
                    .map(|f| framework_v1(state, f))
            }),
        )?;
        m.end()
    }
}

/// `Response.GetAgents.Agent` (Mesos's `createAgentResponse`).
fn agent_v1(agent: &Agent, used: Option<&Resources>) -> api::Agent {
    let mut info = agent.info.clone();
    info.id = Some(agent.id.clone());
    api::Agent {
        agent_info: info,
        active: agent.active(),
        deactivated: Some(false),
        version: agent.version.clone(),
        pid: Some(agent.pid.clone()),
        registered_time: Some(time_info(agent.registered_time)),
        reregistered_time: agent.reregistered_time.map(time_info),
        total_resources: endpoint_resources(agent.total.iter()),
        allocated_resources: used
            .map(|u| endpoint_resources(u.iter()))
            .unwrap_or_default(),
        offered_resources: endpoint_resources(agent.offered.iter()),
        capabilities: AGENT_CAPABILITIES
            .iter()
            .map(|&kind| AgentCapability { kind })
            .collect(),
        resource_providers: Vec::new(),
        drain_info: None,
        estimated_drain_start_time: None,
    }
}

/// `Response.GetAgents`.
struct GetAgentsV1<'a>(&'a State);

impl Serialize for GetAgentsV1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let state = self.0;
        let used = used_resources_by_agent(state);
        let agents = sorted_agents(state);
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry(
            "agents",
            &Seq(|| agents.iter().map(|a| agent_v1(a, used.get(&a.id)))),
        )?;
        m.serialize_entry(
            "recovered_agents",
            &Seq(|| {
                recovered_agents(state).map(|id| mesos_api::v1::AgentInfo {
                    hostname: String::new(),
                    port: 5051,
                    id: Some(id.clone()),
                    ..mesos_api::v1::AgentInfo::default()
                })
            }),
        )?;
        m.end()
    }
}

/// `Response.GetState`.
struct GetStateV1<'a>(&'a State);

impl Serialize for GetStateV1<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let state = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("get_tasks", &GetTasksV1(state))?;
        m.serialize_entry("get_executors", &GetExecutorsV1(state))?;
        m.serialize_entry("get_frameworks", &GetFrameworksV1(state))?;
        m.serialize_entry("get_agents", &GetAgentsV1(state))?;
        m.end()
    }
}

/// `{"type":"GET_X","get_x":payload}`.
struct Reply<P> {
    kind: ResponseType,
    payload: P,
}

impl<P: Serialize> Serialize for Reply<P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let name = self.kind.as_str();
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("type", name)?;
        m.serialize_entry(&name.to_ascii_lowercase(), &self.payload)?;
        m.end()
    }
}

fn reply<P: Serialize>(kind: ResponseType, payload: P, capacity: usize) -> Vec<u8> {
    to_json(&Reply { kind, payload }, capacity)
}

/// `Response.GetRoles`: the roles with their weight, frameworks, and the `cpus`, `mem`, `disk`
/// and `gpus` they are allocated or offered.
fn get_roles(master: &Master, state: &State) -> api::GetRoles {
    let roles = role_infos(master, state)
        .into_iter()
        .map(|(name, info)| {
            let mut held = info.allocated.clone();
            add_quantities(&mut held, &info.offered);
            api::Role {
                name,
                weight: info.weight,
                frameworks: info.frameworks.into_iter().collect(),
                resources: held
                    .iter()
                    .filter(|(name, _)| SUMMARY_SCALARS.contains(&name.as_str()))
                    .map(|(name, value)| Resource::new_scalar(name.clone(), value.get()))
                    .collect(),
            }
        })
        .collect();
    api::GetRoles { roles }
}

/// An error answer of the operator API.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, message.into()).into_response()
}

fn json_response(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, JSON)], body).into_response()
}

/// What a synchronous call answers: the body of a 200, or an error status and message.
fn answer(
    master: &Master,
    state: &State,
    call: &api::Call,
) -> Result<Vec<u8>, (StatusCode, String)> {
    let kind = call.kind.ok_or_else(|| {
        (
            StatusCode::BAD_REQUEST,
            "Failed to validate master::Call: Expecting 'type' to be present".to_owned(),
        )
    })?;
    let tasks = || -> usize {
        all_frameworks(state)
            .iter()
            .map(|f| f.tasks.len() + f.completed_tasks.len())
            .sum()
    };
    Ok(match kind {
        CallType::GetHealth => reply(
            ResponseType::GetHealth,
            api::GetHealth { healthy: true },
            64,
        ),
        CallType::GetFlags => {
            let flags = master
                .config
                .flags
                .iter()
                .map(|(name, value)| api::Flag {
                    name: name.clone(),
                    value: Some(value.clone()),
                })
                .collect();
            reply(ResponseType::GetFlags, api::GetFlags { flags }, 4096)
        }
        CallType::GetVersion => reply(
            ResponseType::GetVersion,
            api::GetVersion {
                version_info: version_info(),
            },
            256,
        ),
        CallType::GetMetrics => {
            if call.get_metrics.is_none() {
                return Err((
                    StatusCode::BAD_REQUEST,
                    "Failed to validate master::Call: Expecting 'get_metrics' to be present"
                        .to_owned(),
                ));
            }
            let metrics = metrics_map(master, state)
                .into_iter()
                .map(|(name, value)| api::Metric {
                    name,
                    value: Some(value),
                })
                .collect();
            reply(
                ResponseType::GetMetrics,
                api::GetMetrics { metrics },
                16_384,
            )
        }
        CallType::GetState => reply(
            ResponseType::GetState,
            GetStateV1(state),
            state_capacity(state) + tasks() * 200,
        ),
        CallType::GetAgents => reply(
            ResponseType::GetAgents,
            GetAgentsV1(state),
            4096 + state.agents.len() * 2048,
        ),
        CallType::GetFrameworks => reply(
            ResponseType::GetFrameworks,
            GetFrameworksV1(state),
            4096 + state.frameworks.len() * 4096,
        ),
        CallType::GetExecutors => reply(ResponseType::GetExecutors, GetExecutorsV1(state), 4096),
        CallType::GetTasks => reply(
            ResponseType::GetTasks,
            GetTasksV1(state),
            4096 + tasks() * 600,
        ),
        CallType::GetRoles => reply(ResponseType::GetRoles, get_roles(master, state), 1024),
        CallType::GetWeights => {
            let weight_infos = state
                .weights
                .iter()
                .map(|(role, weight)| WeightInfo::new(role.clone(), *weight))
                .collect();
            reply(
                ResponseType::GetWeights,
                api::GetWeights { weight_infos },
                256,
            )
        }
        CallType::GetMaster => reply(
            ResponseType::GetMaster,
            api::GetMaster {
                master_info: Some(master.info.clone()),
                start_time: Some(master.start_time),
                elected_time: Some(master.start_time),
            },
            512,
        ),
        CallType::Unknown => {
            return Err((
                StatusCode::NOT_IMPLEMENTED,
                "Call type 'UNKNOWN' is not implemented".to_owned(),
            ));
        }
        other => {
            return Err((
                StatusCode::NOT_IMPLEMENTED,
                format!(
                    "The operator call '{other}' is not implemented by this master; it \
                     answers GET_HEALTH, GET_FLAGS, GET_VERSION, GET_METRICS, GET_STATE, \
                     GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS, GET_ROLES, \
                     GET_WEIGHTS, GET_MASTER, UPDATE_WEIGHTS and TEARDOWN"
                ),
            ));
        }
    })
}

/// `UPDATE_WEIGHTS`: validated as the `/weights` endpoint does, then applied.
fn update_weights(master: &Master, call: &api::Call) -> Response {
    let Some(update) = &call.update_weights else {
        return error(
            StatusCode::BAD_REQUEST,
            "Failed to validate master::Call: Expecting 'update_weights' to be present",
        );
    };
    let mut weights = BTreeMap::new();
    for info in &update.weight_infos {
        let Some(role) = &info.role else {
            return error(
                StatusCode::BAD_REQUEST,
                "Failed to validate master::Call: Expecting 'role' to be present in every \
                 weight info",
            );
        };
        if !(info.weight.is_finite() && info.weight > 0.0) {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Invalid weight '{}': weights must be positive", info.weight),
            );
        }
        if let Err(e) = validate_role(role) {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Invalid role '{role}': {e}"),
            );
        }
        weights.insert(role.clone(), info.weight);
    }
    master.update_weights(weights);
    StatusCode::OK.into_response()
}

/// `TEARDOWN`.
fn teardown(master: &Master, call: &api::Call) -> Response {
    let Some(teardown) = &call.teardown else {
        return error(
            StatusCode::BAD_REQUEST,
            "Failed to validate master::Call: Expecting 'teardown' to be present",
        );
    };
    if master.teardown(&teardown.framework_id) {
        StatusCode::OK.into_response()
    } else {
        error(
            StatusCode::BAD_REQUEST,
            "No framework found with specified ID",
        )
    }
}

/// `POST /api/v1` with a JSON `master.Call` (method, `Content-Type` and `Accept` are checked by
/// the caller). Answers 200 with `{"type":…,"get_…":{…}}`, 400 for a body that is not a call or a
/// call without `type`, 501 for the calls this master does not implement.
pub fn operator(master: &Master, body: &[u8]) -> Response {
    let call: api::Call = match serde_json::from_slice(body) {
        Ok(call) => call,
        Err(e) if e.is_data() => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Failed to convert JSON into Call protobuf: {e}"),
            );
        }
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Failed to parse body into JSON: {e}"),
            );
        }
    };
    match call.kind {
        Some(CallType::UpdateWeights) => return update_weights(master, &call),
        Some(CallType::Teardown) => return teardown(master, &call),
        _ => {}
    }
    let result = {
        let state = master.read();
        answer(master, &state, &call)
    };
    match result {
        Ok(body) => json_response(body),
        Err((status, message)) => error(status, message),
    }
}

// ---------------------------------------------------------------------------------------------
// Web UI
// ---------------------------------------------------------------------------------------------

/// The page at `/`: the cluster at a glance, refreshed from `/master/state` every 5 seconds.
pub async fn web_ui() -> Html<&'static str> {
    Html(WEB_UI)
}

const WEB_UI: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mesos master</title>
<style>
  :root { --fg: #1d2329; --muted: #66707a; --line: #e3e7eb; --accent: #2f6fb0; --bg: #f6f8fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { background: #1f2d3a; color: #fff; padding: 14px 24px; display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; font-weight: 600; }
  header .meta { color: #b8c4cf; font-size: 13px; }
  main { padding: 16px 24px 40px; max-width: 1400px; margin: 0 auto; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 20px; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
  .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  .card .value { font-size: 20px; font-weight: 600; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin-bottom: 20px; overflow-x: auto; }
  section h2 { font-size: 15px; margin: 0; padding: 10px 14px; border-bottom: 1px solid var(--line); }
  section h2 .count { color: var(--muted); font-weight: 400; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 14px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; }
  tr:last-child td { border-bottom: none; }
  td.num { font-variant-numeric: tabular-nums; }
  .empty { color: var(--muted); padding: 10px 14px; }
  .state { font-size: 12px; padding: 1px 7px; border-radius: 9px; background: #eef1f4; }
  .TASK_RUNNING, .yes { background: #e3f4e6; color: #1d6b2c; }
  .TASK_FAILED, .TASK_ERROR, .TASK_LOST, .TASK_DROPPED, .TASK_GONE, .no { background: #fbe7e7; color: #9b1c1c; }
  .TASK_STAGING, .TASK_STARTING, .TASK_KILLING, .TASK_UNREACHABLE { background: #fff4d6; color: #7a5a00; }
  #error { display: none; background: #fbe7e7; color: #9b1c1c; padding: 8px 14px; border-radius: 6px; margin-bottom: 16px; }
  code { font-size: 12px; color: var(--muted); }
</style>
</head>
<body>
<header><h1>Mesos master</h1><span class="meta" id="meta">loading…</span></header>
<main>
  <div id="error"></div>
  <div class="cards" id="cards"></div>
  <section><h2>Agents <span class="count" id="agents-count"></span></h2><div id="agents"></div></section>
  <section><h2>Frameworks <span class="count" id="frameworks-count"></span></h2><div id="frameworks"></div></section>
  <section><h2>Tasks <span class="count" id="tasks-count"></span></h2><div id="tasks"></div></section>
  <section><h2>Completed tasks <span class="count" id="completed-count"></span></h2><div id="completed"></div></section>
</main>
<script>
"use strict";
const ROWS = 500;
const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  children.forEach(c => node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c))));
  return node;
};
const num = v => (Math.round((v || 0) * 100) / 100).toLocaleString();
const mem = mb => (mb || 0) >= 1024 ? num(mb / 1024) + " GB" : num(mb) + " MB";
const when = secs => secs ? new Date(secs * 1000).toLocaleString() : "";
const badge = (text, cls) => el("span", {class: "state " + (cls || text)}, text);
function table(target, headers, rows, numeric) {
  const box = document.getElementById(target);
  box.replaceChildren();
  if (!rows.length) { box.append(el("div", {class: "empty"}, "None")); return; }
  const head = el("tr", {}, ...headers.map(h => el("th", {}, h)));
  const body = rows.slice(0, ROWS).map(r => el("tr", {}, ...r.map((c, i) => el("td", numeric.includes(i) ? {class: "num"} : {}, c))));
  box.append(el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)));
  if (rows.length > ROWS) box.append(el("div", {class: "empty"}, `Showing ${ROWS} of ${rows.length}.`));
}
function render(s) {
  document.getElementById("meta").textContent =
    `${s.cluster ? s.cluster + " · " : ""}${s.hostname} · version ${s.version} · id ${s.id} · started ${when(s.start_time)}`;
  const total = {cpus: 0, mem: 0, disk: 0, gpus: 0}, used = {cpus: 0, mem: 0, disk: 0, gpus: 0};
  const agentNames = {};
  s.slaves.forEach(a => {
    agentNames[a.id] = a.hostname;
    Object.keys(total).forEach(k => { total[k] += a.resources[k] || 0; used[k] += a.used_resources[k] || 0; });
  });
  const frameworks = s.frameworks.concat(s.completed_frameworks);
  const frameworkNames = {};
  frameworks.forEach(f => frameworkNames[f.id] = f.name);
  const tasks = [].concat(...s.frameworks.map(f => f.tasks.concat(f.unreachable_tasks)));
  const completed = [].concat(...frameworks.map(f => f.completed_tasks));
  const cards = [
    ["Agents", `${s.activated_slaves} active`], ["Frameworks", s.frameworks.length],
    ["Tasks", tasks.length], ["CPUs", `${num(used.cpus)} / ${num(total.cpus)}`],
    ["Memory", `${mem(used.mem)} / ${mem(total.mem)}`], ["Disk", `${mem(used.disk)} / ${mem(total.disk)}`],
  ];
  if (total.gpus) cards.push(["GPUs", `${num(used.gpus)} / ${num(total.gpus)}`]);
  document.getElementById("cards").replaceChildren(...cards.map(([l, v]) =>
    el("div", {class: "card"}, el("div", {class: "label"}, l), el("div", {class: "value"}, v))));
  const lastTime = t => t.statuses.length ? t.statuses[t.statuses.length - 1].timestamp : 0;
  const taskRow = t => [el("code", {}, t.id), t.name, badge(t.state), frameworkNames[t.framework_id] || t.framework_id,
    agentNames[t.slave_id] || t.slave_id, num(t.resources.cpus), mem(t.resources.mem), when(lastTime(t))];
  const taskHeaders = ["ID", "Name", "State", "Framework", "Agent", "CPUs", "Memory", "Updated"];
  document.getElementById("agents-count").textContent = `(${s.slaves.length})`;
  table("agents", ["Hostname", "ID", "Active", "CPUs used / total", "Memory used / total", "Disk used / total", "Registered"],
    s.slaves.map(a => [a.hostname, el("code", {}, a.id), badge(a.active ? "yes" : "no"),
      `${num(a.used_resources.cpus)} / ${num(a.resources.cpus)}`, `${mem(a.used_resources.mem)} / ${mem(a.resources.mem)}`,
      `${mem(a.used_resources.disk)} / ${mem(a.resources.disk)}`, when(a.registered_time)]), [3, 4, 5]);
  document.getElementById("frameworks-count").textContent = `(${s.frameworks.length})`;
  table("frameworks", ["Name", "ID", "Roles", "Active", "Tasks", "CPUs", "Memory", "Registered"],
    s.frameworks.map(f => [f.name, el("code", {}, f.id), (f.roles || [f.role]).join(", "), badge(f.active ? "yes" : "no"),
      f.tasks.length, num(f.used_resources.cpus), mem(f.used_resources.mem), when(f.registered_time)]), [4, 5, 6]);
  tasks.sort((a, b) => lastTime(b) - lastTime(a));
  completed.sort((a, b) => lastTime(b) - lastTime(a));
  document.getElementById("tasks-count").textContent = `(${tasks.length})`;
  table("tasks", taskHeaders, tasks.map(taskRow), [5, 6]);
  document.getElementById("completed-count").textContent = `(${completed.length})`;
  table("completed", taskHeaders, completed.map(taskRow), [5, 6]);
}
async function refresh() {
  const error = document.getElementById("error");
  try {
    const response = await fetch("master/state", {cache: "no-store"});
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    error.style.display = "none";
  } catch (e) {
    error.textContent = `Could not load /master/state: ${e.message}`;
    error.style.display = "block";
  }
}
refresh();
setInterval(refresh, 5000);
</script>
</body>
</html>
"##;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use mesos_api::attributes::Attributes;
    use mesos_api::v1::{
        AgentId, ExecutorId, FrameworkCapability, FrameworkCapabilityType, FrameworkInfo, OfferId,
        TaskId,
    };
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    use serde_json::{Value, json};

    use super::*;
    use crate::allocator::HierarchicalDrf;
    use crate::config::Config;
    use crate::state::AgentLink;

    const T0: f64 = 1_700_000_000.0;

    fn master() -> Arc<Master> {
        let args = ["--ip=10.0.0.1", "--hostname=m1", "--cluster=prod"];
        let flags = crate::flags::flag_set()
            .parse(args, Vec::<(String, String)>::new())
            .unwrap()
            .flags()
            .unwrap();
        Master::new(Config::from_flags(&flags).unwrap()).unwrap()
    }

    fn empty_state() -> State {
        State::new(
            Box::new(HierarchicalDrf::new(Default::default())),
            BTreeMap::new(),
        )
    }

    fn resources(text: &str) -> Resources {
        Resources::parse(text, "*").unwrap()
    }

    fn agent(id: &str, host: &str) -> Agent {
        let info = mesos_api::v1::AgentInfo {
            hostname: host.to_owned(),
            port: 5051,
            id: Some(AgentId::new(id)),
            attributes: Attributes::parse("rack:r1;cores:8;ids:[1-4]")
                .unwrap()
                .into_vec(),
            ..mesos_api::v1::AgentInfo::default()
        };
        Agent {
            id: AgentId::new(id),
            info,
            endpoint: format!("http://{host}:5051"),
            pid: "slave(1)@10.0.0.5:5051".to_owned(),
            version: "1.11.0".to_owned(),
            registered_time: T0,
            reregistered_time: None,
            connection: None,
            link: AgentLink::Connected,
            last_ping: Instant::now(),
            total: resources("cpus:4;mem:7000;disk:9000;ports:[31000-32000]"),
            offered: Resources::new(),
        }
    }

    fn task_info(id: &str, agent: &str, executor: Option<&str>) -> TaskInfo {
        let mut info = json!({
            "name": format!("task {id}"),
            "task_id": {"value": id},
            "agent_id": {"value": agent},
            "labels": {"labels": [{"key": "team", "value": "data"}]},
        });
        match executor {
            Some(executor) => {
                info["executor"] = json!({
                    "executor_id": {"value": executor},
                    "command": {"value": "./executor", "user": "spark"},
                    "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1},
                                   "allocation_info": {"role": "dev"}}],
                });
            }
            None => info["command"] = json!({"value": "sleep 100"}),
        }
        serde_json::from_value(info).unwrap()
    }

    fn task(id: &str, framework: &str, agent: &str, state: TaskState, time: f64) -> Task {
        let mut used = resources("cpus:1;mem:128;ports:[31000-31001]");
        used.allocate("dev");
        let mut status = TaskStatus::new(TaskId::new(id), state);
        status.timestamp = Some(time);
        status.data = Some("secret".into());
        Task {
            info: task_info(id, agent, None),
            framework_id: FrameworkId::new(framework),
            agent_id: AgentId::new(agent),
            state,
            status: Some(status.clone()),
            statuses: vec![status],
            executor_id: None,
            resources: used,
            role: "dev".to_owned(),
            unreachable_time: None,
            staged_at: Instant::now(),
            acknowledged: Default::default(),
        }
    }

    fn framework(id: &str, name: &str) -> Framework {
        let mut info = FrameworkInfo::new("root", name);
        info.id = Some(FrameworkId::new(id));
        info.role = Some("dev".to_owned());
        info.capabilities = vec![FrameworkCapability {
            kind: FrameworkCapabilityType::PartitionAware,
        }];
        let mut framework = Framework::new(FrameworkId::new(id), info, T0);
        framework.active = true;
        framework
    }

    /// One agent, a framework with a running command task, a task with an executor, an
    /// unreachable task, a completed task and an outstanding offer.
    fn sample_state() -> State {
        let mut state = empty_state();
        let mut a = agent("M-S0", "h1");
        let mut f = framework("M-0000", "spark");
        let running = task("t1", "M-0000", "M-S0", TaskState::Running, T0 + 1.0);
        let mut custom = task("t2", "M-0000", "M-S0", TaskState::Starting, T0 + 2.0);
        custom.info = task_info("t2", "M-S0", Some("e1"));
        custom.executor_id = Some(ExecutorId::new("e1"));
        f.executors
            .entry(AgentId::new("M-S0"))
            .or_default()
            .insert(ExecutorId::new("e1"), custom.info.executor.clone().unwrap());
        let unreachable = task("t3", "M-0000", "M-S1", TaskState::Unreachable, T0 + 3.0);
        let finished = task("t4", "M-0000", "M-S0", TaskState::Finished, T0 + 4.0);
        for t in [running, custom, unreachable] {
            f.tasks.insert(t.info.task_id.clone(), t);
        }
        f.completed_tasks.push_back(finished);
        let mut offered = resources("cpus:2;mem:1024");
        offered.allocate("dev");
        a.offered = offered.clone();
        let offer = Offer {
            id: OfferId::new("M-O1"),
            framework_id: f.id.clone(),
            agent_id: a.id.clone(),
            role: "dev".to_owned(),
            resources: offered,
            created: Instant::now(),
        };
        f.offers.insert(offer.id.clone());
        state.offers.insert(offer.id.clone(), offer);
        state.frameworks.insert(f.id.clone(), f);
        state.agents.insert(a.id.clone(), a);
        state.admitted_agents.insert(AgentId::new("M-S9"));
        state
            .unreachable_agents
            .insert(AgentId::new("M-S1"), T0 + 3.0);
        state
    }

    /// The keys of a JSON object, in order.
    #[derive(Debug)]
    struct Keys(Vec<String>);

    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct KeysVisitor;
            impl<'de> Visitor<'de> for KeysVisitor {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(key) = map.next_key::<String>()? {
                        map.next_value::<IgnoredAny>()?;
                        keys.push(key);
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(KeysVisitor)
        }
    }

    #[derive(Deserialize)]
    struct FrameworkKeys {
        tasks: Vec<Keys>,
    }

    #[derive(Deserialize)]
    struct StateKeys {
        slaves: Vec<Keys>,
        frameworks: Vec<Keys>,
    }

    #[derive(Deserialize)]
    struct StateFrameworkKeys {
        frameworks: Vec<FrameworkKeys>,
    }

    fn parse(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn state_keys_are_in_mesos_order() {
        let master = master();
        let bytes = state(&master, &sample_state());
        let top: Keys = serde_json::from_slice(&bytes).unwrap();
        let top: Vec<&str> = top
            .0
            .iter()
            .map(String::as_str)
            .filter(|k| !k.starts_with("git_"))
            .collect();
        assert_eq!(
            top,
            [
                "version",
                "build_date",
                "build_time",
                "build_user",
                "start_time",
                "elected_time",
                "id",
                "pid",
                "hostname",
                "capabilities",
                "activated_slaves",
                "deactivated_slaves",
                "unreachable_slaves",
                "leader",
                "leader_info",
                "cluster",
                "flags",
                "slaves",
                "recovered_slaves",
                "frameworks",
                "completed_frameworks",
                "orphan_tasks",
                "unregistered_frameworks",
            ]
        );
        let nested: StateKeys = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            nested.slaves[0].0,
            [
                "id",
                "hostname",
                "port",
                "attributes",
                "pid",
                "registered_time",
                "resources",
                "used_resources",
                "offered_resources",
                "reserved_resources",
                "unreserved_resources",
                "active",
                "deactivated",
                "version",
                "capabilities",
            ]
        );
        assert_eq!(
            nested.frameworks[0].0,
            [
                "id",
                "name",
                "used_resources",
                "offered_resources",
                "capabilities",
                "hostname",
                "webui_url",
                "active",
                "connected",
                "recovered",
                "user",
                "failover_timeout",
                "checkpoint",
                "registered_time",
                "unregistered_time",
                "resources",
                "role",
                "tasks",
                "unreachable_tasks",
                "completed_tasks",
                "offers",
                "executors",
                "offer_constraints",
            ]
        );
        let tasks: StateFrameworkKeys = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            tasks.frameworks[0].tasks[0].0,
            [
                "id",
                "name",
                "framework_id",
                "executor_id",
                "slave_id",
                "state",
                "resources",
                "role",
                "statuses",
                "labels",
            ]
        );
        // The task with an executor also has the executor's user.
        assert!(tasks.frameworks[0].tasks[1].0.contains(&"user".to_owned()));
    }

    #[test]
    fn state_values_are_rendered_as_mesos_does() {
        let master = master();
        let bytes = state(&master, &sample_state());
        let text = String::from_utf8(bytes.clone()).unwrap();
        let s = parse(&bytes);
        assert_eq!(s["version"], MESOS_VERSION);
        assert_eq!(s["id"], master.info.id.as_str());
        assert_eq!(s["pid"], "master@10.0.0.1:5050");
        assert_eq!(s["leader"], "master@10.0.0.1:5050");
        assert_eq!(
            s["leader_info"],
            json!({"id": master.info.id, "pid": "master@10.0.0.1:5050", "port": 5050,
                   "hostname": "m1"})
        );
        assert_eq!(s["hostname"], "m1");
        assert_eq!(s["cluster"], "prod");
        assert_eq!(s["flags"]["port"], "5050");
        assert_eq!(s["flags"]["cluster"], "prod");
        // Counts Mesos computes as doubles are written as doubles.
        assert!(text.contains(
            r#""activated_slaves":1.0,"deactivated_slaves":0.0,"unreachable_slaves":1.0"#
        ));
        assert_eq!(s["orphan_tasks"], json!([]));
        assert_eq!(s["unregistered_frameworks"], json!([]));
        assert_eq!(
            s["recovered_slaves"],
            json!([{"id": "M-S9", "hostname": "", "port": 5051, "attributes": {}}])
        );

        let slave = &s["slaves"][0];
        assert_eq!(slave["id"], "M-S0");
        assert_eq!(slave["pid"], "slave(1)@10.0.0.5:5051");
        assert_eq!(
            slave["resources"],
            json!({"cpus": 4.0, "gpus": 0.0, "mem": 7000.0, "disk": 9000.0,
                   "ports": "[31000-32000]"})
        );
        assert!(text.contains(r#""resources":{"cpus":4.0,"gpus":0.0,"mem":7000.0,"disk":9000.0,"ports":"[31000-32000]"}"#));
        assert_eq!(
            slave["attributes"],
            json!({"rack": "r1", "cores": 8.0, "ids": "[1-4]"})
        );
        // Two active tasks (t1, t2) use the agent; the unreachable and finished ones do not.
        assert_eq!(
            slave["used_resources"],
            json!({"cpus": 2.0, "gpus": 0.0, "mem": 256.0, "disk": 0.0, "ports": "[31000-31001]"})
        );
        assert_eq!(
            slave["offered_resources"],
            json!({"cpus": 2.0, "gpus": 0.0, "mem": 1024.0, "disk": 0.0})
        );
        assert_eq!(slave["reserved_resources"], json!({}));
        assert_eq!(slave["unreserved_resources"], slave["resources"]);
        assert_eq!(slave["active"], true);
        assert_eq!(slave["deactivated"], false);
        assert_eq!(
            slave["capabilities"],
            json!(["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"])
        );

        let f = &s["frameworks"][0];
        assert_eq!(f["id"], "M-0000");
        assert_eq!(f["name"], "spark");
        assert_eq!(f["role"], "dev");
        assert!(f.get("roles").is_none());
        assert_eq!(f["capabilities"], json!(["PARTITION_AWARE"]));
        assert_eq!((&f["hostname"], &f["webui_url"]), (&json!(""), &json!("")));
        assert_eq!(f["failover_timeout"], 0.0);
        assert_eq!(f["checkpoint"], false);
        assert_eq!(f["unregistered_time"], 0.0);
        assert_eq!(f["used_resources"]["cpus"], 2.0);
        assert_eq!(f["offered_resources"]["cpus"], 2.0);
        assert_eq!(f["resources"]["cpus"], 4.0);
        assert_eq!(f["resources"]["mem"], 1280.0);
        assert_eq!(f["offer_constraints"], json!({}));

        let tasks = f["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 2);
        let t1 = &tasks[0];
        assert_eq!(t1["id"], "t1");
        assert_eq!(t1["name"], "task t1");
        assert_eq!(t1["framework_id"], "M-0000");
        assert_eq!(t1["executor_id"], "");
        assert_eq!(t1["slave_id"], "M-S0");
        assert_eq!(t1["state"], "TASK_RUNNING");
        assert_eq!(t1["role"], "dev");
        assert_eq!(
            t1["resources"],
            json!({"cpus": 1.0, "gpus": 0.0, "mem": 128.0, "disk": 0.0, "ports": "[31000-31001]"})
        );
        assert_eq!(
            t1["statuses"],
            json!([{"state": "TASK_RUNNING", "timestamp": T0 + 1.0}])
        );
        assert_eq!(t1["labels"], json!([{"key": "team", "value": "data"}]));
        let t2 = &tasks[1];
        assert_eq!(t2["executor_id"], "e1");
        assert_eq!(t2["user"], "spark");
        assert_eq!(f["unreachable_tasks"][0]["id"], "t3");
        assert_eq!(f["unreachable_tasks"][0]["state"], "TASK_UNREACHABLE");
        assert_eq!(f["completed_tasks"][0]["id"], "t4");
        assert_eq!(
            f["offers"],
            json!([{"id": "M-O1", "framework_id": "M-0000", "allocation_info": {"role": "dev"},
                    "slave_id": "M-S0",
                    "resources": {"cpus": 2.0, "gpus": 0.0, "mem": 1024.0, "disk": 0.0}}])
        );
        assert_eq!(
            f["executors"],
            json!([{"executor_id": "e1", "name": "", "framework_id": "M-0000",
                    "command": {"shell": true, "value": "./executor", "argv": [], "uris": []},
                    "resources": {"cpus": 0.1, "gpus": 0.0, "mem": 0.0, "disk": 0.0},
                    "role": "dev", "slave_id": "M-S0"}])
        );
        assert_eq!(s["completed_frameworks"], json!([]));
    }

    #[test]
    fn multi_role_frameworks_have_roles_and_reregistered_time() {
        let master = master();
        let mut state = empty_state();
        let mut f = framework("M-0001", "multi");
        f.info.role = None;
        f.info.roles = vec!["a".to_owned(), "b/c".to_owned()];
        f.info.capabilities.push(FrameworkCapability {
            kind: FrameworkCapabilityType::MultiRole,
        });
        f.info.principal = Some("ops".to_owned());
        f.info.labels = Some(mesos_api::v1::Labels {
            labels: vec![mesos_api::v1::Label {
                key: "k".to_owned(),
                value: None,
            }],
        });
        f.reregistered_time = Some(T0 + 5.0);
        state.frameworks.insert(f.id.clone(), f);
        let s = parse(&state_bytes(&master, &state));
        let f = &s["frameworks"][0];
        assert_eq!(f["roles"], json!(["a", "b/c"]));
        assert!(f.get("role").is_none());
        assert_eq!(f["principal"], "ops");
        assert_eq!(f["reregistered_time"], T0 + 5.0);
        assert_eq!(f["labels"], json!([{"key": "k"}]));
        assert_eq!(f["capabilities"], json!(["PARTITION_AWARE", "MULTI_ROLE"]));
    }

    fn state_bytes(master: &Master, s: &State) -> Vec<u8> {
        state(master, s)
    }

    #[test]
    fn summaries_follow_mesos_rules() {
        let mut all =
            resources("cpus(dev):1;cpus:3;mem:10;ports(dev):[1-2];ports:[5-6];disks:{a,b}");
        let mut revocable = Resource::new_scalar("cpus", 0.5);
        revocable.revocable = Some(Default::default());
        all.add_resource(revocable);
        let summary = serde_json::to_value(Summary::of(all.iter())).unwrap();
        assert_eq!(
            summary,
            json!({"cpus": 4.0, "gpus": 0.0, "mem": 10.0, "disk": 0.0, "ports": "[1-2, 5-6]",
                   "disks": "{a, b}", "cpus_revocable": 0.5})
        );
        let empty = serde_json::to_string(&Summary::default()).unwrap();
        assert_eq!(empty, r#"{"cpus":0.0,"gpus":0.0,"mem":0.0,"disk":0.0}"#);
        let a = Summary::of(all.iter());
        let merged = serde_json::to_value(a.merged(&a)).unwrap();
        assert_eq!(merged["cpus"], 8.0);
        assert_eq!(merged["ports"], "[1-2, 5-6]");
        assert_eq!(merged["cpus_revocable"], 1.0);
    }

    #[test]
    fn task_strings_are_escaped() {
        let mut t = task("t\"1", "M-0000", "M-S0", TaskState::Running, T0);
        t.info.name = "line\nbreak \\ \"quoted\" \u{e9}\u{1}".to_owned();
        let mut out = Vec::new();
        write_task(&mut out, &t).unwrap();
        let v = parse(&out);
        assert_eq!(v["id"], "t\"1");
        assert_eq!(v["name"], "line\nbreak \\ \"quoted\" \u{e9}\u{1}");
    }

    #[test]
    fn task_summaries_match_the_general_summary() {
        let mut revocable = Resource::new_scalar("cpus", 0.25);
        revocable.revocable = Some(Default::default());
        for text in [
            "cpus:1;mem:128",
            "cpus:1;mem:128;ports:[31000-31001]",
            "cpus(dev):1;cpus:2;ports(dev):[1-2];ports:[5-6];disks:{a,b}",
            "gpus:1;custom:2.5",
        ] {
            let mut all = resources(text);
            all.add_resource(revocable.clone());
            let mut out = Vec::new();
            write_summary(&mut out, &all).unwrap();
            let general = serde_json::to_value(Summary::of(all.iter())).unwrap();
            assert_eq!(parse(&out), general, "{text}");
        }
    }

    #[test]
    fn slaves_have_full_resources() {
        let master = master();
        let mut state = sample_state();
        if let Some(a) = state.agents.get_mut(&AgentId::new("M-S0")) {
            a.total = resources("cpus(dev):1;cpus:3;mem:7000");
        }
        let s = parse(&slaves(&master, &state, None));
        let slave = &s["slaves"][0];
        assert_eq!(slave["reserved_resources"]["dev"]["cpus"], 1.0);
        assert_eq!(slave["unreserved_resources"]["cpus"], 3.0);
        let reserved = &slave["reserved_resources_full"]["dev"][0];
        assert_eq!(reserved["name"], "cpus");
        assert_eq!(reserved["role"], "dev");
        assert_eq!(reserved["reservations"][0]["role"], "dev");
        assert_eq!(reserved["reservations"][0]["type"], "STATIC");
        let unreserved = slave["unreserved_resources_full"].as_array().unwrap();
        assert!(unreserved.iter().all(|r| r["role"] == "*"));
        let used = slave["used_resources_full"].as_array().unwrap();
        let cpus = used.iter().find(|r| r["name"] == "cpus").unwrap();
        assert_eq!(cpus["scalar"]["value"], 2.0);
        assert_eq!(cpus["allocation_info"]["role"], "dev");
        assert_eq!(cpus["role"], "*");
        assert_eq!(slave["offered_resources_full"].as_array().unwrap().len(), 2);
        assert_eq!(s["recovered_slaves"][0]["id"], "M-S9");
        let only = parse(&slaves(&master, &state, Some("nope")));
        assert_eq!(only, json!({"slaves": [], "recovered_slaves": []}));
    }

    #[test]
    fn dynamic_reservations_get_the_endpoint_format() {
        let mut resource = Resource::new_scalar("mem", 5.0);
        resource.reservations.push(ReservationInfo {
            kind: Some(ReservationType::Dynamic),
            role: Some("dev".to_owned()),
            principal: Some("ops".to_owned()),
            labels: None,
        });
        let rendered = serde_json::to_value(endpoint_format(&resource)).unwrap();
        assert_eq!(rendered["role"], "dev");
        assert_eq!(rendered["reservation"], json!({"principal": "ops"}));
        assert_eq!(rendered["reservations"][0]["type"], "DYNAMIC");
    }

    #[test]
    fn state_summary_counts_tasks() {
        let master = master();
        let s = parse(&state_summary(&master, &sample_state()));
        assert_eq!(s["hostname"], "m1");
        assert_eq!(s["cluster"], "prod");
        let slave = &s["slaves"][0];
        assert_eq!(slave["id"], "M-S0");
        assert_eq!(slave["TASK_RUNNING"], 1);
        assert_eq!(slave["TASK_STARTING"], 1);
        assert_eq!(slave["TASK_FINISHED"], 1);
        assert_eq!(slave["TASK_UNREACHABLE"], 0);
        assert_eq!(slave["framework_ids"], json!(["M-0000"]));
        assert!(slave.get("used_resources").is_some());
        let f = &s["frameworks"][0];
        assert_eq!(f["id"], "M-0000");
        assert_eq!(f["TASK_RUNNING"], 1);
        assert_eq!(f["TASK_UNREACHABLE"], 1);
        assert_eq!(f["slave_ids"], json!(["M-S0", "M-S1"]));
        assert!(f.get("tasks").is_none());
        let keys: Keys = serde_json::from_slice(&state_summary(&master, &sample_state())).unwrap();
        assert_eq!(keys.0, ["hostname", "cluster", "slaves", "frameworks"]);
    }

    #[test]
    fn frameworks_can_be_selected() {
        let master = master();
        let mut state = sample_state();
        let mut done = framework("M-0002", "done");
        done.active = false;
        state.completed_frameworks.push_back(done);
        let s = parse(&frameworks(&master, &state, None));
        assert_eq!(s["frameworks"][0]["id"], "M-0000");
        assert_eq!(s["completed_frameworks"][0]["id"], "M-0002");
        assert_eq!(s["unregistered_frameworks"], json!([]));
        let s = parse(&frameworks(&master, &state, Some("M-0002")));
        assert_eq!(s["frameworks"], json!([]));
        assert_eq!(s["completed_frameworks"][0]["name"], "done");
    }

    fn query(pairs: &[(&str, &str)]) -> TasksQuery {
        let text = serde_urlencoded::to_string(pairs).unwrap();
        serde_urlencoded::from_str(&text).unwrap()
    }

    fn task_ids(bytes: &[u8]) -> Vec<String> {
        parse(bytes)["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn tasks_are_sorted_limited_and_filtered() {
        let mut state = sample_state();
        let mut other = framework("M-0001", "other");
        let mut no_status = task("t0", "M-0001", "M-S0", TaskState::Staging, 0.0);
        no_status.statuses.clear();
        other
            .tasks
            .insert(no_status.info.task_id.clone(), no_status);
        let late = task("t9", "M-0001", "M-S0", TaskState::Running, T0 + 9.0);
        other.tasks.insert(late.info.task_id.clone(), late);
        state.frameworks.insert(other.id.clone(), other);

        let all = tasks(&state, &TasksQuery::default()).unwrap();
        assert_eq!(task_ids(&all), ["t9", "t4", "t3", "t2", "t1", "t0"]);
        let asc = tasks(&state, &query(&[("order", "asc")])).unwrap();
        assert_eq!(task_ids(&asc), ["t0", "t1", "t2", "t3", "t4", "t9"]);
        let page = tasks(&state, &query(&[("limit", "2"), ("offset", "1")])).unwrap();
        assert_eq!(task_ids(&page), ["t4", "t3"]);
        let beyond = tasks(&state, &query(&[("offset", "10")])).unwrap();
        assert_eq!(parse(&beyond), json!({"tasks": []}));
        let one = tasks(&state, &query(&[("framework_id", "M-0001")])).unwrap();
        assert_eq!(task_ids(&one), ["t9", "t0"]);
        let by_id = tasks(&state, &query(&[("task_id", "t3")])).unwrap();
        assert_eq!(task_ids(&by_id), ["t3"]);
        assert_eq!(parse(&by_id)["tasks"][0]["state"], "TASK_UNREACHABLE");
        let empty_limit = tasks(&state, &query(&[("limit", "")])).unwrap();
        assert_eq!(task_ids(&empty_limit).len(), 6);

        let mut many = empty_state();
        let mut f = framework("M-0000", "many");
        for i in 0..150 {
            let t = task(
                &format!("x{i:03}"),
                "M-0000",
                "M-S0",
                TaskState::Running,
                T0 + f64::from(i),
            );
            f.tasks.insert(t.info.task_id.clone(), t);
        }
        many.frameworks.insert(f.id.clone(), f);
        let default = task_ids(&tasks(&many, &TasksQuery::default()).unwrap());
        assert_eq!(default.len(), TASK_LIMIT);
        assert_eq!(default[0], "x149");

        for bad in [
            ("limit", "ten"),
            ("limit", "-1"),
            ("offset", "1.5"),
            ("order", "sideways"),
        ] {
            let error = tasks(&state, &query(&[bad])).unwrap_err();
            assert!(error.contains(bad.0), "{error}");
        }
    }

    #[test]
    fn metrics_have_mesos_names() {
        let master = master();
        master.metrics.inc("master/tasks_finished");
        let mut state = sample_state();
        state.weights.insert("dev".to_owned(), 2.0);
        let m = parse(&metrics_snapshot(&master, &state));
        let get = |name: &str| {
            m.get(name)
                .and_then(Value::as_f64)
                .unwrap_or_else(|| panic!("no metric {name}"))
        };
        assert_eq!(get("master/elected"), 1.0);
        assert!(get("master/uptime_secs") >= 0.0);
        assert_eq!(get("master/cpus_total"), 4.0);
        assert_eq!(get("master/cpus_used"), 2.0);
        assert_eq!(get("master/cpus_percent"), 0.5);
        assert_eq!(get("master/gpus_total"), 0.0);
        assert_eq!(get("master/gpus_percent"), 0.0);
        assert_eq!(get("master/mem_used"), 256.0);
        assert_eq!(get("master/disk_total"), 9000.0);
        assert_eq!(get("master/cpus_revocable_total"), 0.0);
        assert_eq!(get("master/slaves_active"), 1.0);
        assert_eq!(get("master/slaves_inactive"), 0.0);
        assert_eq!(get("master/slaves_connected"), 1.0);
        assert_eq!(get("master/slaves_disconnected"), 0.0);
        assert_eq!(get("master/slaves_unreachable"), 1.0);
        assert_eq!(get("master/frameworks_active"), 1.0);
        assert_eq!(get("master/frameworks_inactive"), 0.0);
        assert_eq!(get("master/frameworks_connected"), 0.0);
        assert_eq!(get("master/frameworks_disconnected"), 1.0);
        assert_eq!(get("master/outstanding_offers"), 1.0);
        assert_eq!(get("master/tasks_running"), 1.0);
        assert_eq!(get("master/tasks_starting"), 1.0);
        assert_eq!(get("master/tasks_staging"), 0.0);
        assert_eq!(get("master/tasks_killing"), 0.0);
        assert_eq!(get("master/tasks_unreachable"), 1.0);
        assert_eq!(get("master/tasks_finished"), 1.0);
        for name in [
            "master/tasks_failed",
            "master/tasks_killed",
            "master/tasks_lost",
            "master/tasks_error",
            "master/tasks_dropped",
            "master/tasks_gone",
            "master/tasks_gone_by_operator",
            "master/slave_registrations",
            "master/valid_status_updates",
            "master/dropped_messages",
            "allocator/mesos/allocation_runs",
            "allocator/mesos/allocation_run_ms/count",
        ] {
            assert_eq!(get(name), 0.0, "{name}");
        }
        if std::path::Path::new("/proc/meminfo").exists() {
            assert!(get("system/cpus_total") >= 1.0);
            assert!(get("system/mem_total_bytes") > 0.0);
            assert!(get("system/mem_free_bytes") > 0.0);
            let _ = get("system/load_1min");
            let _ = get("system/load_5min");
            let _ = get("system/load_15min");
        }
        // A flat object of numbers, written as doubles.
        assert!(m.as_object().unwrap().values().all(Value::is_f64));
    }

    #[test]
    fn allocator_metrics_are_included() {
        let master = master();
        let mut state = sample_state();
        let a = state
            .agents
            .get(&AgentId::new("M-S0"))
            .unwrap()
            .total
            .clone();
        state.allocator.add_agent(&AgentId::new("M-S0"), a, &[]);
        state
            .allocator
            .add_framework(&FrameworkId::new("M-0000"), &["dev".to_owned()], &[], true);
        let m = parse(&metrics_snapshot(&master, &state));
        assert_eq!(m["allocator/mesos/resources/cpus/total"], 4.0);
        assert_eq!(m["allocator/mesos/resources/mem/total"], 7000.0);
        assert_eq!(
            m["allocator/mesos/resources/cpus/offered_or_allocated"],
            0.0
        );
        assert_eq!(m["allocator/mesos/roles/dev/shares/dominant"], 0.0);
    }

    #[test]
    fn online_cpu_lists_are_counted() {
        assert_eq!(online_cpus("0-3\n"), 4);
        assert_eq!(online_cpus("0-3,8-11"), 8);
        assert_eq!(online_cpus("0"), 1);
        assert_eq!(online_cpus("garbage"), 0);
    }

    #[test]
    fn roles_weights_flags_and_version() {
        let master = master();
        let mut state = sample_state();
        state.weights.insert("dev".to_owned(), 2.0);
        state.weights.insert("eng/ml".to_owned(), 3.0);
        if let Some(a) = state.agents.get_mut(&AgentId::new("M-S0")) {
            a.total = resources("cpus(dev):1;cpus:3;mem:7000");
        }
        let r = parse(&roles(&master, &state));
        let names: Vec<&str> = r["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["dev", "eng", "eng/ml"]);
        let dev = &r["roles"][0];
        assert_eq!(dev["weight"], 2.0);
        assert_eq!(r["roles"][1]["weight"], 1.0);
        assert_eq!(dev["frameworks"], json!(["M-0000"]));
        assert_eq!(dev["allocated"]["cpus"], 2.0);
        assert_eq!(dev["allocated"]["ports"], 4.0);
        assert_eq!(dev["offered"]["cpus"], 2.0);
        assert_eq!(dev["resources"]["cpus"], 4.0);
        assert_eq!(dev["reserved"], json!({"cpus": 1.0}));
        assert_eq!(dev["quota"]["role"], "dev");
        assert_eq!(dev["quota"]["guarantee"], json!({}));
        assert_eq!(dev["quota"]["limit"], json!({}));
        // Allocated, plus the reservation no task uses.
        assert_eq!(dev["quota"]["consumed"]["cpus"], 3.0);

        assert_eq!(
            parse(&weights(&state)),
            json!([{"role": "dev", "weight": 2.0}, {"role": "eng/ml", "weight": 3.0}])
        );
        let f = parse(&flags(&master));
        assert_eq!(f["flags"]["hostname"], "m1");
        assert_eq!(f["flags"]["ip"], "10.0.0.1");
        let v: Keys = serde_json::from_slice(&version()).unwrap();
        let v: Vec<&str> =
            v.0.iter()
                .map(String::as_str)
                .filter(|k| !k.starts_with("git_"))
                .collect();
        assert_eq!(v, ["build_date", "build_time", "build_user", "version"]);
        assert_eq!(parse(&version())["version"], MESOS_VERSION);
    }

    #[test]
    fn build_dates_are_formatted_in_utc() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
    }

    async fn call(master: &Master, body: &str) -> (StatusCode, String) {
        let response = operator(master, body.as_bytes());
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn operator_calls_answer_with_mesos_status_codes() {
        let master = master();
        assert_eq!(
            call(&master, r#"{"type":"GET_HEALTH"}"#).await,
            (
                StatusCode::OK,
                r#"{"type":"GET_HEALTH","get_health":{"healthy":true}}"#.to_owned()
            )
        );
        let (status, body) = call(&master, "{not json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.starts_with("Failed to parse body into JSON"), "{body}");
        let (status, body) = call(&master, r#"{"type":"GET_EVERYTHING"}"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body.starts_with("Failed to convert JSON into Call protobuf"),
            "{body}"
        );
        let (status, body) = call(&master, r#"{}"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("Expecting 'type' to be present"), "{body}");
        let (status, body) = call(&master, r#"{"type":"GET_METRICS"}"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("'get_metrics'"), "{body}");
        for unsupported in [
            r#"{"type":"RESERVE_RESOURCES","reserve_resources":{"agent_id":{"value":"S"},"resources":[]}}"#,
            r#"{"type":"SUBSCRIBE"}"#,
            r#"{"type":"GET_MAINTENANCE_STATUS"}"#,
            r#"{"type":"UNKNOWN"}"#,
        ] {
            let (status, body) = call(&master, unsupported).await;
            assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{unsupported}");
            assert!(body.contains("not implemented"), "{body}");
        }

        let (status, body) = call(&master, r#"{"type":"GET_METRICS","get_metrics":{}}"#).await;
        assert_eq!(status, StatusCode::OK);
        let response: api::Response = serde_json::from_str(&body).unwrap();
        let metrics = response.get_metrics.unwrap().metrics;
        assert!(
            metrics
                .iter()
                .any(|m| m.name == "master/elected" && m.value == Some(1.0))
        );

        let (status, body) = call(&master, r#"{"type":"GET_VERSION"}"#).await;
        assert_eq!(status, StatusCode::OK);
        let response: api::Response = serde_json::from_str(&body).unwrap();
        assert_eq!(
            response.get_version.unwrap().version_info.version,
            MESOS_VERSION
        );

        let (status, body) = call(&master, r#"{"type":"GET_FLAGS"}"#).await;
        assert_eq!(status, StatusCode::OK);
        let response: api::Response = serde_json::from_str(&body).unwrap();
        let flags = response.get_flags.unwrap().flags;
        assert!(flags.contains(&api::Flag {
            name: "hostname".to_owned(),
            value: Some("m1".to_owned())
        }));

        let (status, body) = call(&master, r#"{"type":"GET_MASTER"}"#).await;
        assert_eq!(status, StatusCode::OK);
        let response: api::Response = serde_json::from_str(&body).unwrap();
        let get_master = response.get_master.unwrap();
        assert_eq!(get_master.master_info.unwrap().id, master.info.id);
        assert_eq!(get_master.start_time, Some(master.start_time));

        // Weights go through the master; teardown of an unknown framework is refused.
        let (status, _) = call(
            &master,
            r#"{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"dev","weight":2}]}}"#,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = call(&master, r#"{"type":"GET_WEIGHTS"}"#).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            r#"{"type":"GET_WEIGHTS","get_weights":{"weight_infos":[{"weight":2.0,"role":"dev"}]}}"#
        );
        let (status, _) = call(
            &master,
            r#"{"type":"UPDATE_WEIGHTS","update_weights":{"weight_infos":[{"role":"dev","weight":-1}]}}"#,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, body) = call(
            &master,
            r#"{"type":"TEARDOWN","teardown":{"framework_id":{"value":"nope"}}}"#,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, "No framework found with specified ID");

        let (status, body) = call(&master, r#"{"type":"GET_STATE"}"#).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            parse(body.as_bytes()),
            json!({"type": "GET_STATE", "get_state": {
                "get_tasks": {"tasks": [], "unreachable_tasks": [], "completed_tasks": []},
                "get_executors": {"executors": []},
                "get_frameworks": {"frameworks": [], "completed_frameworks": []},
                "get_agents": {"agents": [], "recovered_agents": []}}})
        );
    }

    fn answered(master: &Master, state: &State, kind: CallType) -> (Value, api::Response) {
        let bytes = answer(master, state, &api::Call::new(kind)).unwrap();
        let response: api::Response = serde_json::from_slice(&bytes).unwrap();
        (parse(&bytes), response)
    }

    #[test]
    fn operator_state_has_v1_shapes() {
        let master = master();
        let state = sample_state();
        let (raw, response) = answered(&master, &state, CallType::GetState);
        assert_eq!(raw["type"], "GET_STATE");
        let get_state = response.get_state.unwrap();

        let tasks = get_state.get_tasks.unwrap();
        let ids = |tasks: &[api::Task]| -> Vec<String> {
            tasks.iter().map(|t| t.task_id.value.clone()).collect()
        };
        assert_eq!(ids(&tasks.tasks), ["t1", "t2"]);
        assert_eq!(ids(&tasks.unreachable_tasks), ["t3"]);
        assert_eq!(ids(&tasks.completed_tasks), ["t4"]);
        let t1 = &tasks.tasks[0];
        assert_eq!(t1.executor_id, None);
        assert_eq!(t1.agent_id.value, "M-S0");
        assert_eq!(t1.state, TaskState::Running);
        assert_eq!(t1.statuses[0].timestamp, Some(T0 + 1.0));
        assert_eq!(t1.statuses[0].data, None);
        assert!(!raw.to_string().contains("\"data\":"));
        assert_eq!(tasks.tasks[1].executor_id, Some(ExecutorId::new("e1")));
        assert_eq!(tasks.tasks[1].user.as_deref(), Some("spark"));
        let raw_task = &raw["get_state"]["get_tasks"]["tasks"][0];
        assert_eq!(raw_task["task_id"], json!({"value": "t1"}));
        assert_eq!(
            raw_task["labels"],
            json!({"labels": [{"key": "team", "value": "data"}]})
        );

        let executors = get_state.get_executors.unwrap().executors;
        assert_eq!(executors.len(), 1);
        assert_eq!(executors[0].executor_info.executor_id.value, "e1");
        assert_eq!(executors[0].agent_id.value, "M-S0");
        assert_eq!(
            executors[0].executor_info.framework_id,
            Some(FrameworkId::new("M-0000"))
        );

        let frameworks = get_state.get_frameworks.unwrap();
        let f = &frameworks.frameworks[0];
        assert_eq!(f.framework_info.id, Some(FrameworkId::new("M-0000")));
        assert!(f.active && !f.connected && !f.recovered);
        assert_eq!(
            f.registered_time,
            Some(TimeInfo {
                nanoseconds: 1_700_000_000_000_000_000
            })
        );
        assert_eq!(f.offers.len(), 1);
        assert_eq!(f.offers[0].hostname, "h1");
        assert_eq!(
            f.offers[0].url.as_ref().unwrap().address.ip.as_deref(),
            Some("10.0.0.5")
        );
        assert_eq!(
            f.offers[0]
                .allocation_info
                .as_ref()
                .unwrap()
                .role
                .as_deref(),
            Some("dev")
        );
        let cpus = f
            .allocated_resources
            .iter()
            .find(|r| r.name == "cpus")
            .unwrap();
        assert_eq!(cpus.scalar.unwrap().get(), 2.0);
        assert_eq!(cpus.role.as_deref(), Some("*"));
        assert_eq!(f.offered_resources.len(), 2);
        assert_eq!(
            raw["get_state"]["get_frameworks"]["frameworks"][0]["offer_constraints"],
            json!({})
        );

        let agents = get_state.get_agents.unwrap();
        let a = &agents.agents[0];
        assert_eq!(a.agent_info.id, Some(AgentId::new("M-S0")));
        assert_eq!(a.pid.as_deref(), Some("slave(1)@10.0.0.5:5051"));
        assert_eq!(a.version, "1.11.0");
        assert!(a.active);
        assert_eq!(a.deactivated, Some(false));
        assert_eq!(a.total_resources.len(), 4);
        assert!(
            a.total_resources
                .iter()
                .all(|r| r.role.as_deref() == Some("*"))
        );
        assert_eq!(a.allocated_resources.len(), 3);
        assert_eq!(a.capabilities.len(), 3);
        assert_eq!(agents.recovered_agents[0].id, Some(AgentId::new("M-S9")));

        // Each call on its own answers the same parts.
        let (raw_tasks, _) = answered(&master, &state, CallType::GetTasks);
        assert_eq!(raw_tasks["get_tasks"], raw["get_state"]["get_tasks"]);
        let (raw_agents, _) = answered(&master, &state, CallType::GetAgents);
        assert_eq!(raw_agents["get_agents"], raw["get_state"]["get_agents"]);
        let (raw_frameworks, _) = answered(&master, &state, CallType::GetFrameworks);
        assert_eq!(
            raw_frameworks["get_frameworks"],
            raw["get_state"]["get_frameworks"]
        );
        let (raw_executors, _) = answered(&master, &state, CallType::GetExecutors);
        assert_eq!(
            raw_executors["get_executors"],
            raw["get_state"]["get_executors"]
        );
    }

    #[test]
    fn operator_roles_and_weights() {
        let master = master();
        let mut state = sample_state();
        state.weights.insert("dev".to_owned(), 2.5);
        let (_, response) = answered(&master, &state, CallType::GetRoles);
        let roles = response.get_roles.unwrap().roles;
        assert_eq!(roles.len(), 1);
        assert_eq!(roles[0].name, "dev");
        assert_eq!(roles[0].weight, 2.5);
        assert_eq!(roles[0].frameworks, [FrameworkId::new("M-0000")]);
        let names: Vec<&str> = roles[0].resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["cpus", "mem"]);
        assert!(roles[0].resources.iter().all(|r| r.role.is_none()));
        let (raw, _) = answered(&master, &state, CallType::GetWeights);
        assert_eq!(
            raw,
            json!({"type": "GET_WEIGHTS",
                   "get_weights": {"weight_infos": [{"weight": 2.5, "role": "dev"}]}})
        );
        let (raw, _) = answered(&master, &empty_state(), CallType::GetRoles);
        assert_eq!(raw, json!({"type": "GET_ROLES", "get_roles": {}}));
    }

    #[test]
    fn a_large_cluster_renders() {
        let master = master();
        let mut state = empty_state();
        for i in 0..1000 {
            let a = agent(&format!("M-S{i}"), &format!("host{i}"));
            state.agents.insert(a.id.clone(), a);
        }
        for f in 0..100 {
            let id = format!("M-{f:04}");
            let mut framework = framework(&id, &format!("framework {f}"));
            for t in 0..500 {
                let agent = format!("M-S{}", (f * 500 + t) % 1000);
                let time = T0 + f64::from(t);
                let task = task(
                    &format!("task-{f}-{t}"),
                    &id,
                    &agent,
                    TaskState::Running,
                    time,
                );
                framework.tasks.insert(task.info.task_id.clone(), task);
            }
            state.frameworks.insert(framework.id.clone(), framework);
        }
        let started = Instant::now();
        let bytes = state_bytes(&master, &state);
        eprintln!(
            "rendered /master/state of 50,000 tasks ({} bytes) in {:?}",
            bytes.len(),
            started.elapsed()
        );

        #[derive(Deserialize)]
        struct Shape {
            slaves: Vec<IgnoredAny>,
            frameworks: Vec<FrameworkShape>,
        }
        #[derive(Deserialize)]
        struct FrameworkShape {
            tasks: Vec<IgnoredAny>,
        }
        let shape: Shape = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(shape.slaves.len(), 1000);
        assert_eq!(shape.frameworks.len(), 100);
        let tasks: usize = shape.frameworks.iter().map(|f| f.tasks.len()).sum();
        assert_eq!(tasks, 50_000);

        let summary = parse(&state_summary(&master, &state));
        assert_eq!(summary["slaves"][0]["TASK_RUNNING"], 50);
        let page = task_ids(&tasks_page(&state));
        assert_eq!(page.len(), TASK_LIMIT);
        let get_state = answer(&master, &state, &api::Call::new(CallType::GetState)).unwrap();
        let response: api::Response = serde_json::from_slice(&get_state).unwrap();
        assert_eq!(
            response.get_state.unwrap().get_tasks.unwrap().tasks.len(),
            50_000
        );
    }

    fn tasks_page(state: &State) -> Vec<u8> {
        tasks(state, &TasksQuery::default()).unwrap()
    }

    #[tokio::test]
    async fn the_web_ui_is_self_contained() {
        let Html(page) = web_ui().await;
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("fetch(\"master/state\""));
        assert!(!page.contains("http://") && !page.contains("https://"));
        assert!(!page.contains("<script src") && !page.contains("<link"));
    }
}

//! `Resource`, the [`Resources`] collection and Mesos's resource arithmetic.
//!
//! [`Resources`] follows `mesos::Resources` (`src/common/resources.cpp`): it holds only valid,
//! non-empty resources in the "post-reservation-refinement" format (reservations in
//! `reservations[]`, no `role`/`reservation`), and merges resources that are compatible (same
//! name, type, reservations, allocation, disk, revocability, sharedness and provider).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::v1::{Labels, ResourceProviderId};
use crate::values::{self, Ranges, Scalar, Set, Value, ValueError, ValueType};

/// `Resource.AllocationInfo`: the role a resource is allocated to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AllocationInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// `Resource.ReservationInfo.Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReservationType {
    Unknown,
    Static,
    Dynamic,
}

/// `Resource.ReservationInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReservationInfo {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReservationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
}

/// `Resource.DiskInfo`, kept as Mesos sends it (persistent volumes and disk sources are passed
/// through untouched).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DiskInfo {
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// `Resource.RevocableInfo` (an empty message).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RevocableInfo {}

/// `Resource.SharedInfo` (an empty message).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SharedInfo {}

/// `Resource`: one named quantity, e.g.
/// `{"name":"cpus","type":"SCALAR","scalar":{"value":2},"role":"*"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ValueType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalar: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Ranges>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<Set>,
    /// Deprecated static role (`"*"` when unreserved); written for frameworks without
    /// `RESERVATION_REFINEMENT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_info: Option<AllocationInfo>,
    /// Deprecated single reservation (pre-refinement format).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation: Option<ReservationInfo>,
    /// The stack of reservations, outermost first (refinement format).
    #[serde(
        default,
        deserialize_with = "crate::json::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub reservations: Vec<ReservationInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<DiskInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocable: Option<RevocableInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<SharedInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<ResourceProviderId>,
}

// ---------------------------------------------------------------------------------------------
// Errors and roles
// ---------------------------------------------------------------------------------------------

/// Why resources could not be parsed, or a resource is invalid.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ResourceError {
    /// A `--resources` entry is not `name:value` or `name(role):value`.
    #[error("bad resource entry {entry:?}: expected `name:value` with exactly one ':'")]
    MissingColon { entry: String },
    /// A `--resources` entry has a bad `(role)` part.
    #[error("bad resource entry {entry:?}: mismatched parentheses around the role")]
    Parentheses { entry: String },
    /// The value of a `--resources` entry does not parse.
    #[error("bad value {value:?} for resource {name:?}: {source}")]
    Value {
        name: String,
        value: String,
        #[source]
        source: ValueError,
    },
    /// The value of a `--resources` entry is text, which resources cannot be.
    #[error(
        "bad value {value:?} for resource {name:?}: expected a non-negative number, `[ranges]` or a `{{set}}`"
    )]
    TextValue { name: String, value: String },
    /// A JSON array that is not a list of `Resource`s.
    #[error("resources JSON is not a list of Resource objects: {0}")]
    Json(String),
    /// A resource that Mesos's `Resources::validate` rejects.
    #[error("invalid resource {name:?}: {reason}")]
    Invalid { name: String, reason: String },
    /// A role name that Mesos rejects.
    #[error("invalid resource {name:?}: {source}")]
    Role {
        name: String,
        #[source]
        source: RoleError,
    },
    /// Two resources with one name but different types.
    #[error("resources named {name:?} have different types ({first} and {second})")]
    MixedTypes {
        name: String,
        first: ValueType,
        second: ValueType,
    },
    /// Something that only frameworks and operators may create (not `--resources`).
    #[error("resource {name:?}: {what} cannot be given in --resources")]
    NotAllowed { name: String, what: &'static str },
    /// Refined reservations have no pre-refinement form.
    #[error(
        "resource {name:?} has refined reservations, which the pre-refinement format cannot hold"
    )]
    RefinedReservations { name: String },
}

/// A role name that Mesos rejects (`roles::validate`).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("invalid role {role:?}: {reason}")]
pub struct RoleError {
    pub role: String,
    pub reason: &'static str,
}

/// Validates a role name as Mesos does: `*`, or `/`-separated components that are not empty,
/// `.`, `..` or `*`, do not start with `-` and contain no whitespace or backspace.
pub fn validate_role(role: &str) -> Result<(), RoleError> {
    let error = |reason| {
        Err(RoleError {
            role: role.to_owned(),
            reason,
        })
    };
    if role == "*" {
        return Ok(());
    }
    if role.is_empty() {
        return error("role names cannot be empty");
    }
    if role.starts_with('/') {
        return error("a role cannot start with a slash");
    }
    if role.ends_with('/') {
        return error("a role cannot end with a slash");
    }
    if role.contains("//") {
        return error("a role cannot contain two adjacent slashes");
    }
    for component in role.split('/') {
        match component {
            "." => return error("a role cannot have '.' as a component"),
            ".." => return error("a role cannot have '..' as a component"),
            "*" => return error("a role cannot have '*' as a component"),
            _ if component.starts_with('-') => {
                return error("a role component cannot start with a dash");
            }
            _ if component.contains(['\t', '\n', '\x0b', '\x0c', '\r', ' ', '\x7f']) => {
                return error("a role cannot contain whitespace or backspace");
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether `child` is strictly below `parent` in the role hierarchy (`a/b` under `a`).
pub fn is_strict_subrole(child: &str, parent: &str) -> bool {
    child
        .strip_prefix(parent)
        .is_some_and(|rest| rest.starts_with('/'))
}

// ---------------------------------------------------------------------------------------------
// Resource
// ---------------------------------------------------------------------------------------------

impl Resource {
    fn bare(name: impl Into<String>, kind: ValueType) -> Self {
        Resource {
            name: name.into(),
            kind,
            scalar: None,
            ranges: None,
            set: None,
            role: None,
            allocation_info: None,
            reservation: None,
            reservations: Vec::new(),
            disk: None,
            revocable: None,
            shared: None,
            provider_id: None,
        }
    }

    /// An unreserved scalar resource (`value` as given; comparisons round it).
    pub fn new_scalar(name: impl Into<String>, value: f64) -> Self {
        Resource {
            scalar: Some(Scalar { value }),
            ..Self::bare(name, ValueType::Scalar)
        }
    }

    /// An unreserved ranges resource.
    pub fn new_ranges(name: impl Into<String>, ranges: Ranges) -> Self {
        Resource {
            ranges: Some(ranges),
            ..Self::bare(name, ValueType::Ranges)
        }
    }

    /// An unreserved set resource.
    pub fn new_set(name: impl Into<String>, set: Set) -> Self {
        Resource {
            set: Some(set),
            ..Self::bare(name, ValueType::Set)
        }
    }

    /// An unreserved resource holding `value`; text is not a resource value.
    pub fn from_value(name: impl Into<String>, value: Value) -> Result<Self, ResourceError> {
        let name = name.into();
        Ok(match value {
            Value::Scalar(scalar) => Resource {
                scalar: Some(scalar),
                ..Self::bare(name, ValueType::Scalar)
            },
            Value::Ranges(ranges) => Self::new_ranges(name, ranges),
            Value::Set(set) => Self::new_set(name, set),
            Value::Text(text) => {
                return Err(ResourceError::TextValue {
                    name,
                    value: text.value,
                });
            }
        })
    }

    /// Adds a static reservation for `role` on top of the stack (nothing for `*`).
    pub fn reserved_to(mut self, role: impl Into<String>) -> Self {
        let role = role.into();
        if role != "*" {
            self.reservations.push(ReservationInfo {
                kind: Some(ReservationType::Static),
                role: Some(role),
                ..ReservationInfo::default()
            });
        }
        self
    }

    /// Sets the allocation role.
    pub fn allocated_to(mut self, role: impl Into<String>) -> Self {
        self.allocation_info = Some(AllocationInfo {
            role: Some(role.into()),
        });
        self
    }

    /// The resource's value, if the field its type names is set (never text).
    pub fn value(&self) -> Option<Value> {
        match self.kind {
            ValueType::Scalar => self.scalar.map(Value::Scalar),
            ValueType::Ranges => self.ranges.clone().map(Value::Ranges),
            ValueType::Set => self.set.clone().map(Value::Set),
            ValueType::Text => None,
        }
    }

    /// Whether the resource holds nothing (zero scalar, no ranges or no items).
    pub fn is_empty(&self) -> bool {
        match self.kind {
            ValueType::Scalar => self.scalar.is_none_or(Scalar::is_zero),
            ValueType::Ranges => self.ranges.as_ref().is_none_or(Ranges::is_empty),
            ValueType::Set => self.set.as_ref().is_none_or(Set::is_empty),
            ValueType::Text => false,
        }
    }

    /// Whether the resource is unreserved: no `reservations` and a `role` that is unset or `*`.
    pub fn is_unreserved(&self) -> bool {
        self.reservations.is_empty() && self.role.as_deref().is_none_or(|role| role == "*")
    }

    /// The role the resource is reserved to (the innermost reservation), in either format.
    pub fn reservation_role(&self) -> Option<&str> {
        match self.reservations.last() {
            Some(reservation) => reservation.role.as_deref(),
            None => self.role.as_deref().filter(|role| *role != "*"),
        }
    }

    /// Whether the innermost reservation is dynamic (in either format).
    pub fn is_dynamically_reserved(&self) -> bool {
        match self.reservations.last() {
            Some(reservation) => reservation.kind == Some(ReservationType::Dynamic),
            None => !self.is_unreserved() && self.reservation.is_some(),
        }
    }

    /// The role the resource is allocated to.
    pub fn allocation_role(&self) -> Option<&str> {
        self.allocation_info.as_ref()?.role.as_deref()
    }

    /// Whether the resource is revocable.
    pub fn is_revocable(&self) -> bool {
        self.revocable.is_some()
    }

    /// Whether the resource is shared.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Whether the resource is a persistent volume (`disk.persistence` is set).
    pub fn is_persistent_volume(&self) -> bool {
        self.disk
            .as_ref()
            .is_some_and(|disk| disk.fields.contains_key("persistence"))
    }

    fn disk_source(&self) -> Option<&serde_json::Map<String, serde_json::Value>> {
        self.disk.as_ref()?.fields.get("source")?.as_object()
    }

    /// Mesos's `Resources::validate`: name, value, disk, reservation format and sharedness.
    pub fn validate(&self) -> Result<(), ResourceError> {
        let invalid = |reason: &str| {
            Err(ResourceError::Invalid {
                name: self.name.clone(),
                reason: reason.to_owned(),
            })
        };
        if self.name.is_empty() {
            return invalid("the name is empty");
        }

        let fields = (
            self.scalar.is_some(),
            self.ranges.is_some(),
            self.set.is_some(),
        );
        match self.kind {
            ValueType::Scalar => {
                let Some(scalar) = self.scalar.filter(|_| fields == (true, false, false)) else {
                    return invalid("a SCALAR resource must have `scalar` and nothing else");
                };
                if !scalar.value.is_finite() {
                    return invalid("the scalar is not a finite number");
                }
                // Negative values, and positive ones so small they would round to zero.
                if scalar.value != 0.0 && scalar.millis() <= 0 {
                    return invalid("the scalar must be 0 or at least 0.001");
                }
            }
            ValueType::Ranges => {
                let Some(ranges) = self
                    .ranges
                    .as_ref()
                    .filter(|_| fields == (false, true, false))
                else {
                    return invalid("a RANGES resource must have `ranges` and nothing else");
                };
                if let Err(error) = ranges.validate() {
                    return invalid(&error.to_string());
                }
            }
            ValueType::Set => {
                let Some(set) = self.set.as_ref().filter(|_| fields == (false, false, true)) else {
                    return invalid("a SET resource must have `set` and nothing else");
                };
                if let Err(error) = set.validate() {
                    return invalid(&error.to_string());
                }
            }
            ValueType::Text => return invalid("resources cannot be TEXT"),
        }

        if self.disk.is_some() {
            if self.name != "disk" {
                return invalid("only `disk` resources may have DiskInfo");
            }
            if let Some(source) = self.disk_source() {
                match source.get("type").and_then(serde_json::Value::as_str) {
                    Some("PATH" | "MOUNT") => {}
                    Some(kind @ ("BLOCK" | "RAW")) => {
                        if source.contains_key("mount") || source.contains_key("path") {
                            return invalid(&format!(
                                "a {kind} disk source cannot have a mount or a path"
                            ));
                        }
                    }
                    _ => return invalid("unsupported DiskInfo.Source type"),
                }
            }
        }

        self.validate_reservations()?;

        if self.shared.is_some() && !(self.name == "disk" && self.is_persistent_volume()) {
            return invalid("only persistent volumes can be shared");
        }
        Ok(())
    }

    fn validate_reservations(&self) -> Result<(), ResourceError> {
        let invalid = |reason: &str| {
            Err(ResourceError::Invalid {
                name: self.name.clone(),
                reason: reason.to_owned(),
            })
        };
        let check_role = |role: &str| {
            validate_role(role).map_err(|source| ResourceError::Role {
                name: self.name.clone(),
                source,
            })
        };

        // The pre-refinement format: `role` and `reservation`.
        let Some((first, refinements)) = self.reservations.split_first() else {
            let role = self.role.as_deref().unwrap_or("*");
            check_role(role)?;
            if let Some(reservation) = &self.reservation {
                if reservation.kind.is_some() || reservation.role.is_some() {
                    return invalid("`reservation` must not set `type` or `role`");
                }
                if role == "*" {
                    return invalid("role \"*\" cannot be dynamically reserved");
                }
            }
            return Ok(());
        };

        // The refinement format: a stack of reservations.
        for reservation in &self.reservations {
            let (Some(_), Some(role)) = (reservation.kind, reservation.role.as_deref()) else {
                return invalid("every reservation must set `type` and `role`");
            };
            check_role(role)?;
            if role == "*" {
                return invalid("role \"*\" cannot be reserved");
            }
        }
        let mut ancestor = first.role.as_deref().unwrap_or_default();
        for reservation in refinements {
            if reservation.kind == Some(ReservationType::Static) {
                return invalid("a refined reservation cannot be STATIC");
            }
            let descendant = reservation.role.as_deref().unwrap_or_default();
            if !is_strict_subrole(descendant, ancestor) {
                return invalid(&format!(
                    "role {descendant:?} is not a refinement of {ancestor:?}"
                ));
            }
            ancestor = descendant;
        }

        if !refinements.is_empty() {
            if self.role.is_some() || self.reservation.is_some() {
                return invalid(
                    "`role` and `reservation` must not be set with refined reservations",
                );
            }
            return Ok(());
        }
        if self.role.is_some() && self.role != first.role {
            return invalid("`role` does not match the role in `reservations`");
        }
        match first.kind {
            Some(ReservationType::Static) if self.reservation.is_some() => {
                invalid("`reservation` must not be set for a STATIC reservation")
            }
            Some(ReservationType::Dynamic) if self.role.is_some() != self.reservation.is_some() => {
                invalid("`role` and `reservation` must be both set or both unset")
            }
            Some(ReservationType::Dynamic) => match &self.reservation {
                Some(old) if old.principal != first.principal || old.labels != first.labels => {
                    invalid(
                        "`reservation` does not match the principal and labels in `reservations`",
                    )
                }
                _ => Ok(()),
            },
            Some(ReservationType::Unknown) => invalid("unsupported reservation type UNKNOWN"),
            _ => Ok(()),
        }
    }

    /// Converts to the "post-reservation-refinement" format: the reservation that `role` and
    /// `reservation` describe moves into `reservations`, and those two fields are cleared.
    pub fn upgrade(&mut self) {
        let role = self.role.take();
        let reservation = self.reservation.take();
        if !self.reservations.is_empty() {
            return;
        }
        if let Some(role) = role.filter(|role| role != "*") {
            let kind = if reservation.is_some() {
                ReservationType::Dynamic
            } else {
                ReservationType::Static
            };
            self.reservations.push(ReservationInfo {
                kind: Some(kind),
                role: Some(role),
                ..reservation.unwrap_or_default()
            });
        }
    }

    /// Converts to the "pre-reservation-refinement" format that frameworks without the
    /// `RESERVATION_REFINEMENT` capability expect: `role` (`*` when unreserved) and, for a
    /// dynamic reservation, `reservation` with its principal and labels.
    pub fn downgrade(&mut self) -> Result<(), ResourceError> {
        self.upgrade();
        if self.reservations.len() > 1 {
            return Err(ResourceError::RefinedReservations {
                name: self.name.clone(),
            });
        }
        match self.reservations.pop() {
            None => self.role = Some("*".to_owned()),
            Some(reservation) => {
                if reservation.kind == Some(ReservationType::Dynamic) {
                    self.reservation = Some(ReservationInfo {
                        principal: reservation.principal,
                        labels: reservation.labels,
                        ..ReservationInfo::default()
                    });
                }
                self.role = reservation.role;
            }
        }
        Ok(())
    }

    /// Same name, type, allocation, reservations, disk, revocability, provider and sharedness.
    fn same_metadata(&self, other: &Resource) -> bool {
        self.name == other.name
            && self.kind == other.kind
            && self.allocation_info == other.allocation_info
            && self.reservations == other.reservations
            && self.disk == other.disk
            && self.revocable.is_some() == other.revocable.is_some()
            && self.shared.is_some() == other.shared.is_some()
            && self.provider_id == other.provider_id
    }

    /// Whether the resource is an exclusive disk (a BLOCK or MOUNT source, or a RAW source with
    /// an id), which can neither be split nor merged.
    fn is_exclusive_disk(&self) -> bool {
        let Some(source) = self.disk_source() else {
            return false;
        };
        match source.get("type").and_then(serde_json::Value::as_str) {
            Some("BLOCK" | "MOUNT") => true,
            Some("RAW") => source.contains_key("id"),
            _ => false,
        }
    }

    /// Mesos's `addable`: whether the two can merge into one resource.
    fn addable(&self, other: &Resource) -> bool {
        if self.is_shared() || other.is_shared() {
            // Shared resources are counted, never merged; `Resources` keeps one entry per copy.
            return false;
        }
        if !self.same_metadata(other) {
            return false;
        }
        !self.is_exclusive_disk() && !self.is_persistent_volume()
    }

    /// Mesos's `subtractable`: whether `other` can be taken out of `self`.
    fn subtractable(&self, other: &Resource) -> bool {
        if self.is_shared() || other.is_shared() {
            return self.is_shared() == other.is_shared() && self == other;
        }
        if !self.same_metadata(other) {
            return false;
        }
        // Exclusive disks and persistent volumes only come out whole.
        !(self.is_exclusive_disk() || self.is_persistent_volume()) || self == other
    }

    /// Mesos's `contains(Resource, Resource)`: compatible, and `other`'s value fits in `self`'s.
    fn includes(&self, other: &Resource) -> bool {
        if !self.subtractable(other) {
            return false;
        }
        match self.kind {
            ValueType::Scalar => {
                other.scalar.unwrap_or_default() <= self.scalar.unwrap_or_default()
            }
            ValueType::Ranges => self.ranges.as_ref().is_some_and(|mine| {
                other
                    .ranges
                    .as_ref()
                    .is_none_or(|theirs| mine.contains(theirs))
            }),
            ValueType::Set => self.set.as_ref().is_some_and(|mine| {
                other
                    .set
                    .as_ref()
                    .is_none_or(|theirs| mine.contains(theirs))
            }),
            ValueType::Text => false,
        }
    }

    /// Adds `other`'s value to this one's (the two must be addable).
    fn merge(&mut self, other: &Resource) {
        match self.kind {
            ValueType::Scalar => {
                self.scalar =
                    Some(self.scalar.unwrap_or_default() + other.scalar.unwrap_or_default());
            }
            ValueType::Ranges => {
                if let Some(theirs) = &other.ranges {
                    *self.ranges.get_or_insert_default() += theirs;
                }
            }
            ValueType::Set => {
                if let Some(theirs) = &other.set {
                    *self.set.get_or_insert_default() += theirs;
                }
            }
            ValueType::Text => {}
        }
    }

    /// Takes `other`'s value out of this one's (the two must be subtractable); scalars may go
    /// negative, which [`Resources`] treats as gone.
    fn take_out(&mut self, other: &Resource) {
        match self.kind {
            ValueType::Scalar => {
                self.scalar =
                    Some(self.scalar.unwrap_or_default() - other.scalar.unwrap_or_default());
            }
            ValueType::Ranges => {
                if let (Some(mine), Some(theirs)) = (&mut self.ranges, &other.ranges) {
                    *mine -= theirs;
                }
            }
            ValueType::Set => {
                if let (Some(mine), Some(theirs)) = (&mut self.set, &other.set) {
                    *mine -= theirs;
                }
            }
            ValueType::Text => {}
        }
    }
}

/// `name(role):value` as in `--resources` for unreserved and statically reserved resources.
///
/// Other metadata is written the way Mesos logs it (`(allocated: r)`, `(reservations: […])`,
/// `[disk JSON]`, `{REV}`, `<SHARED>`); such resources do not parse back.
impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut upgraded = self.clone();
        upgraded.upgrade();
        f.write_str(&upgraded.name)?;
        match upgraded.reservations.as_slice() {
            [] => {}
            [only]
                if only.kind == Some(ReservationType::Static)
                    && only.principal.is_none()
                    && only.labels.is_none() =>
            {
                write!(f, "({})", only.role.as_deref().unwrap_or_default())?;
            }
            stack => {
                f.write_str("(reservations: [")?;
                for (i, reservation) in stack.iter().enumerate() {
                    let kind = match reservation.kind {
                        Some(ReservationType::Static) => "STATIC",
                        Some(ReservationType::Dynamic) => "DYNAMIC",
                        _ => "UNKNOWN",
                    };
                    let separator = if i > 0 { "," } else { "" };
                    write!(
                        f,
                        "{separator}({kind},{}",
                        reservation.role.as_deref().unwrap_or_default()
                    )?;
                    if let Some(principal) = &reservation.principal {
                        write!(f, ",{principal}")?;
                    }
                    f.write_str(")")?;
                }
                f.write_str("])")?;
            }
        }
        if let Some(role) = upgraded.allocation_role() {
            write!(f, "(allocated: {role})")?;
        }
        if let Some(disk) = &upgraded.disk {
            write!(f, "[{}]", serde_json::Value::Object(disk.fields.clone()))?;
        }
        if upgraded.is_revocable() {
            f.write_str("{REV}")?;
        }
        if upgraded.is_shared() {
            f.write_str("<SHARED>")?;
        }
        f.write_str(":")?;
        match upgraded.value() {
            Some(value) => write!(f, "{value}"),
            None => f.write_str("?"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

/// A collection of resources with Mesos's arithmetic (`mesos::Resources`).
///
/// Invariants: every resource is valid, non-empty and in the post-refinement format, and no two
/// (non-shared) resources are compatible. Shared resources are kept as one entry per copy.
/// Equality is mutual containment, so order does not matter.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(transparent)]
pub struct Resources(Vec<Resource>);

impl Resources {
    /// No resources.
    pub fn new() -> Self {
        Resources(Vec::new())
    }

    /// The resources, validating each (unlike `From<Vec<Resource>>`, which drops invalid ones as
    /// Mesos's constructor does).
    pub fn try_from_resources(
        resources: impl IntoIterator<Item = Resource>,
    ) -> Result<Self, ResourceError> {
        let mut result = Resources::new();
        for mut resource in resources {
            resource.validate()?;
            resource.upgrade();
            result.add_valid(resource);
        }
        Ok(result)
    }

    /// Parses `--resources`: a JSON array of `Resource` if the text is one, otherwise
    /// `name:value;name(role):value;…`. Resources without a role get `default_role` (`*` for
    /// unreserved). Same-name, same-role entries are merged; every resource is validated, and
    /// dynamic reservations, revocable resources, persistent volumes and one name with two
    /// types are rejected.
    pub fn parse(text: &str, default_role: &str) -> Result<Self, ResourceError> {
        let parsed = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(array @ serde_json::Value::Array(_)) => parse_json(array, default_role)?,
            _ => parse_text(text, default_role)?,
        };
        let mut result = Resources::new();
        for mut resource in parsed {
            resource.validate()?;
            resource.upgrade();
            result.add_valid(resource);
        }
        result.check_command_line()?;
        Ok(result)
    }

    fn check_command_line(&self) -> Result<(), ResourceError> {
        let mut types: BTreeMap<&str, ValueType> = BTreeMap::new();
        for resource in &self.0 {
            let not_allowed = |what| {
                Err(ResourceError::NotAllowed {
                    name: resource.name.clone(),
                    what,
                })
            };
            if resource.is_persistent_volume() {
                return not_allowed("persistent volumes");
            }
            if resource.is_revocable() {
                return not_allowed("revocable resources");
            }
            if resource.is_dynamically_reserved() {
                return not_allowed("dynamic reservations");
            }
            let first = *types.entry(&resource.name).or_insert(resource.kind);
            if first != resource.kind {
                return Err(ResourceError::MixedTypes {
                    name: resource.name.clone(),
                    first,
                    second: resource.kind,
                });
            }
        }
        Ok(())
    }

    /// Adds a resource (Mesos's `+= Resource`): invalid and empty resources are ignored.
    pub fn add_resource(&mut self, mut resource: Resource) {
        if resource.validate().is_ok() {
            resource.upgrade();
            self.add_valid(resource);
        }
    }

    fn add_valid(&mut self, resource: Resource) {
        if resource.is_empty() {
            return;
        }
        match self.0.iter_mut().find(|mine| mine.addable(&resource)) {
            Some(mine) => mine.merge(&resource),
            None => self.0.push(resource),
        }
    }

    /// Takes a resource out (Mesos's `-= Resource`): the first compatible entry is reduced, and
    /// removed once empty or negative. Invalid resources are ignored. Check [`contains`] first
    /// to avoid taking out more than there is.
    ///
    /// [`contains`]: Resources::contains
    pub fn subtract_resource(&mut self, resource: &Resource) {
        if resource.validate().is_err() {
            return;
        }
        let mut resource = resource.clone();
        resource.upgrade();
        self.subtract_valid(&resource);
    }

    fn subtract_valid(&mut self, resource: &Resource) {
        if resource.is_empty() {
            return;
        }
        let Some(index) = self.0.iter().position(|mine| mine.subtractable(resource)) else {
            return;
        };
        let Some(mine) = self.0.get_mut(index) else {
            return;
        };
        let gone = if mine.is_shared() {
            true
        } else {
            mine.take_out(resource);
            mine.is_empty() || mine.scalar.is_some_and(|s| s.millis() < 0)
        };
        if gone {
            self.0.remove(index);
        }
    }

    /// Whether `that` fits in `self` (Mesos's `Resources::contains`).
    pub fn contains(&self, that: &Resources) -> bool {
        let mut remaining = self.clone();
        for resource in &that.0 {
            if !remaining.0.iter().any(|mine| mine.includes(resource)) {
                return false;
            }
            if resource.is_persistent_volume() {
                remaining.subtract_valid(resource);
            }
        }
        true
    }

    /// Whether one valid `resource` fits in `self`.
    pub fn contains_resource(&self, resource: &Resource) -> bool {
        if resource.validate().is_err() {
            return false;
        }
        let mut resource = resource.clone();
        resource.upgrade();
        self.0.iter().any(|mine| mine.includes(&resource))
    }

    /// Allocates every resource to `role`.
    pub fn allocate(&mut self, role: &str) {
        for resource in &mut self.0 {
            resource.allocation_info = Some(AllocationInfo {
                role: Some(role.to_owned()),
            });
        }
    }

    /// Clears every allocation (resources that become compatible are merged).
    pub fn unallocate(&mut self) {
        let resources = std::mem::take(&mut self.0);
        for mut resource in resources {
            resource.allocation_info = None;
            self.add_valid(resource);
        }
    }

    /// The resources for which `predicate` holds.
    pub fn filter(&self, mut predicate: impl FnMut(&Resource) -> bool) -> Resources {
        Resources(self.0.iter().filter(|r| predicate(r)).cloned().collect())
    }

    /// The unreserved resources.
    pub fn unreserved(&self) -> Resources {
        self.filter(Resource::is_unreserved)
    }

    /// The reserved resources: all of them for `None`, else those reserved to `role`.
    pub fn reserved(&self, role: Option<&str>) -> Resources {
        self.filter(|r| match (r.reservation_role(), role) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(mine), Some(role)) => mine == role,
        })
    }

    /// The reserved resources, by reservation role.
    pub fn reservations(&self) -> BTreeMap<String, Resources> {
        let mut result: BTreeMap<String, Resources> = BTreeMap::new();
        for resource in &self.0 {
            if let Some(role) = resource.reservation_role() {
                result
                    .entry(role.to_owned())
                    .or_default()
                    .0
                    .push(resource.clone());
            }
        }
        result
    }

    /// The allocated resources, by allocation role.
    pub fn allocations(&self) -> BTreeMap<String, Resources> {
        let mut result: BTreeMap<String, Resources> = BTreeMap::new();
        for resource in &self.0 {
            if let Some(role) = resource.allocation_role() {
                result
                    .entry(role.to_owned())
                    .or_default()
                    .0
                    .push(resource.clone());
            }
        }
        result
    }

    /// The resources `role` may be offered: unreserved ones and those reserved to `role` or to
    /// one of its ancestors.
    pub fn allocatable_to(&self, role: &str) -> Resources {
        self.filter(|r| match r.reservation_role() {
            None => true,
            Some(reserved) => reserved == role || is_strict_subrole(role, reserved),
        })
    }

    /// The same resources with every reservation removed.
    pub fn to_unreserved(&self) -> Resources {
        let mut result = Resources::new();
        for resource in &self.0 {
            let mut resource = resource.clone();
            resource.reservations.clear();
            result.add_valid(resource);
        }
        result
    }

    /// The revocable resources.
    pub fn revocable(&self) -> Resources {
        self.filter(Resource::is_revocable)
    }

    /// The non-revocable resources.
    pub fn non_revocable(&self) -> Resources {
        self.filter(|r| !r.is_revocable())
    }

    /// The scalar resources.
    pub fn scalars(&self) -> Resources {
        self.filter(|r| r.kind == ValueType::Scalar)
    }

    /// The resources called `name`.
    pub fn named(&self, name: &str) -> Resources {
        self.filter(|r| r.name == name)
    }

    /// The total of the scalar resources called `name`, if there are any.
    pub fn scalar(&self, name: &str) -> Option<Scalar> {
        let mut values = self
            .of_type(name, ValueType::Scalar)
            .filter_map(|r| r.scalar)
            .peekable();
        values.peek()?;
        Some(values.sum())
    }

    /// The union of the ranges resources called `name`, if there are any.
    pub fn ranges(&self, name: &str) -> Option<Ranges> {
        let mut values = self
            .of_type(name, ValueType::Ranges)
            .filter_map(|r| r.ranges.as_ref())
            .peekable();
        values.peek()?;
        Some(values.fold(Ranges::default(), |total, ranges| &total + ranges))
    }

    /// The union of the set resources called `name`, if there are any.
    pub fn set(&self, name: &str) -> Option<Set> {
        let mut values = self
            .of_type(name, ValueType::Set)
            .filter_map(|r| r.set.as_ref())
            .peekable();
        values.peek()?;
        Some(values.fold(Set::default(), |total, set| &total + set))
    }

    fn of_type<'a>(
        &'a self,
        name: &'a str,
        kind: ValueType,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        self.0
            .iter()
            .filter(move |r| r.name == name && r.kind == kind)
    }

    /// Total `cpus`.
    pub fn cpus(&self) -> Option<f64> {
        self.scalar("cpus").map(Scalar::get)
    }

    /// Total `gpus`.
    pub fn gpus(&self) -> Option<f64> {
        self.scalar("gpus").map(Scalar::get)
    }

    /// Total `mem`, in MB.
    pub fn mem(&self) -> Option<f64> {
        self.scalar("mem").map(Scalar::get)
    }

    /// Total `disk`, in MB.
    pub fn disk(&self) -> Option<f64> {
        self.scalar("disk").map(Scalar::get)
    }

    /// All `ports`.
    pub fn ports(&self) -> Option<Ranges> {
        self.ranges("ports")
    }

    /// The resource names.
    pub fn names(&self) -> BTreeSet<&str> {
        self.0.iter().map(|r| r.name.as_str()).collect()
    }

    /// Whether there are no resources.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The entries.
    pub fn iter(&self) -> std::slice::Iter<'_, Resource> {
        self.0.iter()
    }

    /// The entries as a slice.
    pub fn as_slice(&self) -> &[Resource] {
        &self.0
    }

    /// The entries, in the post-refinement format.
    pub fn into_vec(self) -> Vec<Resource> {
        self.0
    }

    /// The entries in the pre-refinement format (see [`Resource::downgrade`]).
    pub fn to_pre_refinement(&self) -> Result<Vec<Resource>, ResourceError> {
        self.0
            .iter()
            .map(|resource| {
                let mut resource = resource.clone();
                resource.downgrade().map(|()| resource)
            })
            .collect()
    }

    /// The summary object of `/master/state` (see [`summary`]).
    pub fn summary(&self) -> serde_json::Map<String, serde_json::Value> {
        summary(&self.0)
    }
}

/// The summary object Mesos's endpoints write for a list of resources, e.g.
/// `{"cpus":4,"disk":9000,"gpus":0,"mem":7000,"ports":"[31000-32000]"}`: `cpus`, `gpus`, `mem`
/// and `disk` always, scalar totals as numbers, ranges as `"[a-b, c-d]"`, sets as `"{a, b}"`,
/// and revocable resources under `<name>_revocable`.
pub fn summary<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut scalars: BTreeMap<String, Scalar> = ["cpus", "gpus", "mem", "disk"]
        .into_iter()
        .map(|name| (name.to_owned(), Scalar::ZERO))
        .collect();
    let mut ranges: BTreeMap<String, Ranges> = BTreeMap::new();
    let mut sets: BTreeMap<String, Set> = BTreeMap::new();
    for resource in resources {
        let suffix = if resource.is_revocable() {
            "_revocable"
        } else {
            ""
        };
        let name = format!("{}{suffix}", resource.name);
        match resource.kind {
            ValueType::Scalar => {
                *scalars.entry(name).or_default() += resource.scalar.unwrap_or_default()
            }
            ValueType::Ranges => {
                *ranges.entry(name).or_default() += &resource.ranges.clone().unwrap_or_default()
            }
            ValueType::Set => {
                *sets.entry(name).or_default() += &resource.set.clone().unwrap_or_default()
            }
            ValueType::Text => {}
        }
    }
    let mut result = serde_json::Map::new();
    for (name, scalar) in scalars {
        result.insert(name, serde_json::Value::Number(scalar.json_number()));
    }
    for (name, value) in ranges {
        result.insert(name, serde_json::Value::String(value.to_string()));
    }
    for (name, value) in sets {
        result.insert(name, serde_json::Value::String(value.to_string()));
    }
    result
}

/// Mesos's `Resources::validate` over a list: the first invalid resource's error.
pub fn validate(resources: &[Resource]) -> Result<(), ResourceError> {
    resources.iter().try_for_each(Resource::validate)
}

fn parse_json(
    array: serde_json::Value,
    default_role: &str,
) -> Result<Vec<Resource>, ResourceError> {
    let mut resources: Vec<Resource> =
        serde_json::from_value(array).map_err(|error| ResourceError::Json(error.to_string()))?;
    for resource in &mut resources {
        if resource.role.is_none() && resource.reservations.is_empty() {
            resource.role = Some(default_role.to_owned());
        }
    }
    Ok(resources)
}

fn parse_text(text: &str, default_role: &str) -> Result<Vec<Resource>, ResourceError> {
    let mut resources = Vec::new();
    for entry in text.split(';').filter(|entry| !entry.trim().is_empty()) {
        let missing_colon = || ResourceError::MissingColon {
            entry: entry.to_owned(),
        };
        let (key, value) = entry.split_once(':').ok_or_else(missing_colon)?;
        if key.trim().is_empty() || value.trim().is_empty() || value.contains(':') {
            return Err(missing_colon());
        }
        let (name, role) = match key.split_once('(') {
            None => (key.trim(), default_role),
            Some((name, rest)) => {
                let parentheses = || ResourceError::Parentheses {
                    entry: entry.to_owned(),
                };
                let (role, after) = rest.split_once(')').ok_or_else(parentheses)?;
                if !after.trim().is_empty() || name.contains(')') {
                    return Err(parentheses());
                }
                (name.trim(), role.trim())
            }
        };
        let parsed = values::parse(value).map_err(|source| ResourceError::Value {
            name: name.to_owned(),
            value: value.to_owned(),
            source,
        })?;
        let resource =
            Resource::from_value(name, parsed).map_err(|_| ResourceError::TextValue {
                name: name.to_owned(),
                value: value.to_owned(),
            })?;
        resources.push(resource.reserved_to(role));
    }
    Ok(resources)
}

/// [`Resources::parse`] with the default role `*`.
impl FromStr for Resources {
    type Err = ResourceError;
    fn from_str(text: &str) -> Result<Self, ResourceError> {
        Resources::parse(text, "*")
    }
}

/// The `--resources` text form, `cpus:4;mem:8192;ports:[31000-32000];cpus(spark):2`, which
/// [`Resources::parse`] reads back (for resources that form can express; see
/// [`Resource`'s `Display`](Resource#impl-Display-for-Resource)). No resources is `""`.
impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, resource) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{resource}")?;
        }
        Ok(())
    }
}

impl PartialEq for Resources {
    fn eq(&self, other: &Self) -> bool {
        self.contains(other) && other.contains(self)
    }
}

/// Adds each resource (invalid and empty ones are dropped, compatible ones merged).
impl From<Vec<Resource>> for Resources {
    fn from(resources: Vec<Resource>) -> Self {
        resources.into_iter().collect()
    }
}

impl From<Resource> for Resources {
    fn from(resource: Resource) -> Self {
        let mut result = Resources::new();
        result.add_resource(resource);
        result
    }
}

impl From<Resources> for Vec<Resource> {
    fn from(resources: Resources) -> Self {
        resources.0
    }
}

impl FromIterator<Resource> for Resources {
    fn from_iter<I: IntoIterator<Item = Resource>>(iter: I) -> Self {
        let mut result = Resources::new();
        result.extend(iter);
        result
    }
}

impl Extend<Resource> for Resources {
    fn extend<I: IntoIterator<Item = Resource>>(&mut self, iter: I) {
        for resource in iter {
            self.add_resource(resource);
        }
    }
}

impl IntoIterator for Resources {
    type Item = Resource;
    type IntoIter = std::vec::IntoIter<Resource>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Resources {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl AddAssign<&Resources> for Resources {
    fn add_assign(&mut self, rhs: &Resources) {
        for resource in &rhs.0 {
            self.add_valid(resource.clone());
        }
    }
}

impl AddAssign<Resources> for Resources {
    fn add_assign(&mut self, rhs: Resources) {
        for resource in rhs.0 {
            self.add_valid(resource);
        }
    }
}

impl AddAssign<Resource> for Resources {
    fn add_assign(&mut self, rhs: Resource) {
        self.add_resource(rhs);
    }
}

impl SubAssign<&Resources> for Resources {
    fn sub_assign(&mut self, rhs: &Resources) {
        for resource in &rhs.0 {
            self.subtract_valid(resource);
        }
    }
}

impl SubAssign<&Resource> for Resources {
    fn sub_assign(&mut self, rhs: &Resource) {
        self.subtract_resource(rhs);
    }
}

impl Add<&Resources> for &Resources {
    type Output = Resources;
    fn add(self, rhs: &Resources) -> Resources {
        let mut result = self.clone();
        result += rhs;
        result
    }
}

impl Add for Resources {
    type Output = Resources;
    fn add(mut self, rhs: Resources) -> Resources {
        self += rhs;
        self
    }
}

impl Sub<&Resources> for &Resources {
    type Output = Resources;
    fn sub(self, rhs: &Resources) -> Resources {
        let mut result = self.clone();
        result -= rhs;
        result
    }
}

impl Sub for Resources {
    type Output = Resources;
    fn sub(mut self, rhs: Resources) -> Resources {
        self -= &rhs;
        self
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn res(text: &str) -> Resources {
        Resources::parse(text, "*").unwrap()
    }

    #[test]
    fn parses_the_text_format() {
        let r = res("cpus:4;mem:8192;disk:10000;ports:[31000-32000,33000-33010]");
        assert_eq!(r.cpus(), Some(4.0));
        assert_eq!(r.mem(), Some(8192.0));
        assert_eq!(r.disk(), Some(10000.0));
        assert_eq!(r.gpus(), None);
        assert_eq!(r.ports().unwrap().to_string(), "[31000-32000, 33000-33010]");
        assert!(r.iter().all(Resource::is_unreserved));
        assert_eq!(
            r.to_string(),
            "cpus:4;mem:8192;disk:10000;ports:[31000-32000, 33000-33010]"
        );
    }

    #[test]
    fn roles_and_default_role() {
        let r =
            Resources::parse("cpus(spark):2; cpus:1 ;mem(*):10;bugs(spark):{a,b}", "dev").unwrap();
        assert_eq!(r.reserved(Some("spark")).cpus(), Some(2.0));
        assert_eq!(r.reserved(Some("dev")).cpus(), Some(1.0));
        assert_eq!(r.unreserved().mem(), Some(10.0));
        assert_eq!(r.set("bugs").unwrap(), Set::new(["a", "b"]));
        let reservation = &r.iter().next().unwrap().reservations;
        assert_eq!(reservation.len(), 1);
        assert_eq!(
            reservation.first().unwrap().kind,
            Some(ReservationType::Static)
        );
        assert_eq!(
            r.to_string(),
            "cpus(spark):2;cpus(dev):1;mem:10;bugs(spark):{a, b}"
        );
        assert_eq!(
            r.reservations().keys().collect::<Vec<_>>(),
            ["dev", "spark"]
        );
        assert_eq!(r.allocatable_to("spark/child").cpus(), Some(2.0));
        assert_eq!(r.allocatable_to("other").cpus(), None);
    }

    #[test]
    fn merges_same_name_and_role() {
        let r = res("cpus:1;cpus:2.5;ports:[1-2];ports:[3-4];cpus(a):1");
        assert_eq!(r.len(), 3);
        assert_eq!(r.unreserved().cpus(), Some(3.5));
        assert_eq!(r.cpus(), Some(4.5));
        assert_eq!(r.ports().unwrap().range, [crate::values::Range::new(1, 4)]);
    }

    #[test]
    fn parse_errors() {
        let cases = [
            ("cpus", "exactly one ':'"),
            ("cpus:", "exactly one ':'"),
            (":4", "exactly one ':'"),
            ("cpus:1:2", "exactly one ':'"),
            ("cpus(spark:1", "parentheses"),
            ("cpus(a)x:1", "parentheses"),
            ("cpus:-1", "non-negative number"),
            ("cpus:abc", "non-negative number"),
            ("ports:[5-1]", "begin > end"),
            ("ports:[1-2", "mismatched"),
            ("bugs:{a,a}", "more than once"),
            ("cpus:0.0001", "at least 0.001"),
            ("cpus():1", "cannot be empty"),
            ("cpus(-x):1", "dash"),
            ("cpus(a/../b):1", "'..'"),
            ("cpus:1;cpus:[1-2]", "different types"),
            ("cpus:1e-310", "subnormal"),
        ];
        for (text, fragment) in cases {
            let error = Resources::parse(text, "*").unwrap_err().to_string();
            assert!(error.contains(fragment), "{text:?} gave {error:?}");
        }
        assert!(Resources::parse("cpus:1", "bad role").is_err());
    }

    #[test]
    fn parses_json() {
        let text = r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":2}},
                       {"name":"mem","type":"SCALAR","scalar":{"value":512},"role":"spark"},
                       {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":5}]}}]"#;
        let r = Resources::parse(text, "dev").unwrap();
        assert_eq!(r.reserved(Some("dev")).cpus(), Some(2.0));
        assert_eq!(r.reserved(Some("spark")).mem(), Some(512.0));
        assert!(r.iter().all(|r| r.role.is_none()));
        assert_eq!(
            r,
            Resources::parse("cpus(dev):2;mem(spark):512;ports(dev):[1-5]", "*").unwrap()
        );
        assert!(matches!(
            Resources::parse(r#"[{"name":"cpus"}]"#, "*"),
            Err(ResourceError::Json(_))
        ));
        let dynamic = r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},
            "reservations":[{"type":"DYNAMIC","role":"a","principal":"p"}]}]"#;
        assert!(matches!(
            Resources::parse(dynamic, "*"),
            Err(ResourceError::NotAllowed { .. })
        ));
        let revocable = r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"revocable":{}}]"#;
        assert!(matches!(
            Resources::parse(revocable, "*"),
            Err(ResourceError::NotAllowed { .. })
        ));
        // A JSON value that is not an array is read as text.
        assert!(matches!(
            Resources::parse("5", "*"),
            Err(ResourceError::MissingColon { .. })
        ));
        assert_eq!(Resources::parse("", "*").unwrap(), Resources::new());
        assert_eq!(Resources::parse("[]", "*").unwrap(), Resources::new());
    }

    #[test]
    fn arithmetic() {
        let total = res("cpus:4;mem:8192;ports:[31000-32000]");
        let used = res("cpus:1.5;mem:1024;ports:[31000-31000]");
        let left = &total - &used;
        assert_eq!(left, res("cpus:2.5;mem:7168;ports:[31001-32000]"));
        assert_eq!(&left + &used, total);
        assert!(total.contains(&used) && !used.contains(&total));
        assert!(total.contains(&Resources::new()));
        // Reserved resources are not interchangeable with unreserved ones.
        assert!(!total.contains(&res("cpus(spark):1")));
        // Taking out everything removes the entry; taking out more saturates the same way.
        assert_eq!(&total - &res("cpus:4"), res("mem:8192;ports:[31000-32000]"));
        assert_eq!(&total - &res("cpus:10;ports:[1-100000]"), res("mem:8192"));
        // Subtracting what is not there changes nothing.
        assert_eq!(&total - &res("gpus:1;cpus(x):1"), total);
        let mut sum = Resources::new();
        for _ in 0..10 {
            sum += Resource::new_scalar("cpus", 0.1);
        }
        assert_eq!(sum.cpus(), Some(1.0));
        assert_eq!(sum, res("cpus:1"));
    }

    #[test]
    fn allocation() {
        let mut r = res("cpus:2;mem:10");
        r.allocate("dev");
        assert!(r.iter().all(|r| r.allocation_role() == Some("dev")));
        assert!(!r.contains(&res("cpus:1")));
        let mut other = res("cpus:1");
        other.allocate("prod");
        r += &other;
        assert_eq!(r.len(), 3);
        assert_eq!(r.allocations().get("prod").unwrap().cpus(), Some(1.0));
        r.unallocate();
        assert_eq!(r, res("cpus:3;mem:10"));
        assert_eq!(r.len(), 2);
        assert!(r.to_string().starts_with("cpus:3"));
        let mut shown = res("cpus:1");
        shown.allocate("dev");
        assert_eq!(shown.to_string(), "cpus(allocated: dev):1");
    }

    #[test]
    fn invalid_resources_are_ignored_by_add() {
        let mut r = Resources::new();
        r.add_resource(Resource::new_scalar("cpus", -1.0));
        r.add_resource(Resource::new_scalar("cpus", f64::NAN));
        r.add_resource(Resource::new_scalar("", 1.0));
        r.add_resource(Resource::new_scalar("cpus", 0.0));
        assert!(r.is_empty());
        assert!(!r.contains_resource(&Resource::new_scalar("cpus", -1.0)));
        assert!(Resources::try_from_resources([Resource::new_scalar("cpus", -1.0)]).is_err());
    }

    #[test]
    fn validation() {
        let ok = Resource::new_scalar("cpus", 1.0);
        assert!(ok.validate().is_ok());
        let mut bad = ok.clone();
        bad.ranges = Some(Ranges::single(1, 2));
        assert!(bad.validate().is_err());
        let overlapping = Resource::new_ranges(
            "ports",
            Ranges {
                range: vec![
                    crate::values::Range::new(1, 5),
                    crate::values::Range::new(3, 8),
                ],
            },
        );
        assert!(
            overlapping
                .validate()
                .unwrap_err()
                .to_string()
                .contains("overlap")
        );
        let mut star_dynamic = ok.clone();
        star_dynamic.role = Some("*".into());
        star_dynamic.reservation = Some(ReservationInfo {
            principal: Some("p".into()),
            ..Default::default()
        });
        assert!(star_dynamic.validate().is_err());
        let refined = ok.clone().reserved_to("a").reserved_to("a/b");
        assert!(
            refined
                .validate()
                .unwrap_err()
                .to_string()
                .contains("STATIC")
        );
        let mut refined_dynamic = ok.clone().reserved_to("a");
        refined_dynamic.reservations.push(ReservationInfo {
            kind: Some(ReservationType::Dynamic),
            role: Some("a/b".into()),
            ..Default::default()
        });
        assert!(refined_dynamic.validate().is_ok());
        if let Some(last) = refined_dynamic.reservations.last_mut() {
            last.role = Some("c".into());
        }
        assert!(
            refined_dynamic
                .validate()
                .unwrap_err()
                .to_string()
                .contains("refinement")
        );
        let mut shared_cpus = ok.clone();
        shared_cpus.shared = Some(SharedInfo {});
        assert!(shared_cpus.validate().is_err());
        let mut text = ok;
        text.kind = ValueType::Text;
        assert!(text.validate().is_err());
        assert!(
            validate(&[
                Resource::new_scalar("cpus", 1.0),
                Resource::new_scalar("mem", -1.0)
            ])
            .is_err()
        );
    }

    #[test]
    fn roles() {
        for good in ["*", "dev", "a/b/c", "a.b", "a-b"] {
            assert!(validate_role(good).is_ok(), "{good}");
        }
        for bad in [
            "", "/a", "a/", "a//b", ".", "a/..", "a/*", "-a", "a b", "a\tb", "a\u{7f}",
        ] {
            assert!(validate_role(bad).is_err(), "{bad:?}");
        }
        assert!(is_strict_subrole("a/b", "a"));
        assert!(!is_strict_subrole("ab", "a"));
        assert!(!is_strict_subrole("a", "a"));
    }

    #[test]
    fn upgrade_and_downgrade() {
        let mut old = Resource::new_scalar("cpus", 1.0);
        old.role = Some("dev".into());
        old.reservation = Some(ReservationInfo {
            principal: Some("p".into()),
            ..Default::default()
        });
        let mut new = old.clone();
        new.upgrade();
        assert_eq!(new.role, None);
        assert_eq!(new.reservation, None);
        assert_eq!(
            new.reservations,
            [ReservationInfo {
                kind: Some(ReservationType::Dynamic),
                role: Some("dev".into()),
                principal: Some("p".into()),
                labels: None
            }]
        );
        new.downgrade().unwrap();
        assert_eq!(new, old);
        let mut unreserved = Resource::new_scalar("cpus", 1.0);
        unreserved.downgrade().unwrap();
        assert_eq!(unreserved.role.as_deref(), Some("*"));
        let r = res("cpus(a):1;mem:2");
        let old_format = r.to_pre_refinement().unwrap();
        assert!(
            old_format
                .iter()
                .all(|r| r.reservations.is_empty() && r.role.is_some())
        );
        assert_eq!(Resources::from(old_format), r);
        let mut refined = Resource::new_scalar("cpus", 1.0).reserved_to("a");
        refined.reservations.push(ReservationInfo {
            kind: Some(ReservationType::Dynamic),
            role: Some("a/b".into()),
            ..Default::default()
        });
        assert!(matches!(
            refined.downgrade(),
            Err(ResourceError::RefinedReservations { .. })
        ));
    }

    fn volume(id: &str, shared: bool) -> Resource {
        let mut disk = Resource::new_scalar("disk", 100.0);
        let fields = serde_json::json!({"persistence": {"id": id}, "volume": {"container_path": "v", "mode": "RW"}});
        disk.disk = Some(DiskInfo {
            fields: fields.as_object().cloned().unwrap(),
        });
        if shared {
            disk.shared = Some(SharedInfo {});
        }
        disk
    }

    #[test]
    fn persistent_volumes_and_shared_resources() {
        let mut r = Resources::new();
        r.add_resource(volume("v1", false));
        r.add_resource(volume("v1", false));
        // Two copies of one non-shared volume do not merge into one bigger volume.
        assert_eq!(r.len(), 2);
        let one = Resources::from(volume("v1", false));
        assert!(r.contains(&one));
        assert!(!one.contains(&r));
        assert!(!r.contains(&Resources::from(volume("v2", false))));

        let mut shared = Resources::new();
        shared.add_resource(volume("s", true));
        shared.add_resource(volume("s", true));
        assert_eq!(shared.len(), 2);
        let single = Resources::from(volume("s", true));
        assert!(shared.contains(&single));
        assert!(!single.contains(&shared));
        assert_eq!(&shared - &single, single);
        assert_eq!(&(&shared - &single) - &single, Resources::new());
    }

    #[test]
    fn exclusive_disks_do_not_merge() {
        let mount = |root: &str| {
            let mut disk = Resource::new_scalar("disk", 100.0);
            let fields = serde_json::json!({"source": {"type": "MOUNT", "mount": {"root": root}}});
            disk.disk = Some(DiskInfo {
                fields: fields.as_object().cloned().unwrap(),
            });
            disk
        };
        let mut r = Resources::new();
        r.add_resource(mount("/a"));
        r.add_resource(mount("/a"));
        assert_eq!(r.len(), 2);
        assert!(r.contains(&Resources::from(mount("/a"))));
        let mut half = mount("/a");
        half.scalar = Some(Scalar::new(50.0));
        assert!(!r.contains(&Resources::from(half)));
        let mut unknown = mount("/a");
        if let Some(disk) = &mut unknown.disk {
            disk.fields
                .insert("source".into(), serde_json::json!({"type": "UNKNOWN"}));
        }
        assert!(unknown.validate().is_err());
    }

    #[test]
    fn summary_rendering() {
        let mut r = res("cpus:4;mem:7000;disk:9000;ports:[31000-32000];bugs:{a,b}");
        let mut revocable = Resource::new_scalar("cpus", 0.5);
        revocable.revocable = Some(RevocableInfo {});
        r += revocable;
        let summary = serde_json::Value::Object(r.summary());
        assert_eq!(
            summary,
            serde_json::json!({"cpus":4,"gpus":0,"mem":7000,"disk":9000,"ports":"[31000-32000]",
                               "bugs":"{a, b}","cpus_revocable":0.5})
        );
        assert_eq!(serde_json::to_string(&summary["cpus"]).unwrap(), "4");
        let empty = serde_json::Value::Object(Resources::new().summary());
        assert_eq!(
            empty,
            serde_json::json!({"cpus":0,"gpus":0,"mem":0,"disk":0})
        );
        let tricky = summary_of(&[
            Resource::new_scalar("cpus", 0.1),
            Resource::new_scalar("cpus", 0.2),
        ]);
        assert_eq!(tricky["cpus"], serde_json::json!(0.3));
    }

    fn summary_of(resources: &[Resource]) -> serde_json::Map<String, serde_json::Value> {
        summary(resources)
    }

    #[test]
    fn json_shape() {
        let r = res("cpus(spark):2;ports:[1-2]");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"name":"cpus","type":"SCALAR","scalar":{"value":2.0},
                 "reservations":[{"type":"STATIC","role":"spark"}]},
                {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":2}]}}
            ])
        );
        let back: Vec<Resource> = serde_json::from_value(json).unwrap();
        assert_eq!(Resources::from(back), r);
    }
}

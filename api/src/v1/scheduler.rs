//! The v1 scheduler API (`include/mesos/v1/scheduler/scheduler.proto`): the calls a framework
//! sends to `POST /api/v1/scheduler` and the events it receives on its subscription stream.
//!
//! As in the proto, a call or an event is a `type` plus the payload field named after it in lower
//! case (`{"type":"DECLINE","decline":{…}}`). The constructors on [`Call`] build well-formed calls.

use serde::{Deserialize, Serialize};

use super::common::{AgentId, ExecutorId, FrameworkId, OfferId, TaskId, mesos_enum};
use super::mesos::{
    FrameworkInfo, KillPolicy, MasterInfo, Offer, Opaque, Operation, Request, TaskStatus,
};
use crate::json::{Bytes, null_as_default, opt_number};
use crate::v1::Filters;

mesos_enum! {
    /// `scheduler.Call.Type`.
    CallType {
        Unknown = 0 "UNKNOWN",
        Subscribe = 1 "SUBSCRIBE",
        Teardown = 2 "TEARDOWN",
        Accept = 3 "ACCEPT",
        Decline = 4 "DECLINE",
        AcceptInverseOffers = 13 "ACCEPT_INVERSE_OFFERS",
        DeclineInverseOffers = 14 "DECLINE_INVERSE_OFFERS",
        Revive = 5 "REVIVE",
        Kill = 6 "KILL",
        Shutdown = 7 "SHUTDOWN",
        Acknowledge = 8 "ACKNOWLEDGE",
        AcknowledgeOperationStatus = 15 "ACKNOWLEDGE_OPERATION_STATUS",
        Reconcile = 9 "RECONCILE",
        ReconcileOperations = 16 "RECONCILE_OPERATIONS",
        Message = 10 "MESSAGE",
        Request = 11 "REQUEST",
        Suppress = 12 "SUPPRESS",
        UpdateFramework = 17 "UPDATE_FRAMEWORK",
    }
}

/// `Call.Subscribe` (and `Call.UpdateFramework`, which has the same shape).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subscribe {
    pub framework_info: FrameworkInfo,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub suppressed_roles: Vec<String>,
    /// `OfferConstraints`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_constraints: Option<Opaque>,
}

/// `Call.Accept`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Accept {
    #[serde(default, deserialize_with = "null_as_default")]
    pub offer_ids: Vec<OfferId>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub operations: Vec<Operation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Filters>,
}

/// `Call.Decline`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Decline {
    #[serde(default, deserialize_with = "null_as_default")]
    pub offer_ids: Vec<OfferId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Filters>,
}

/// `Call.AcceptInverseOffers` / `Call.DeclineInverseOffers`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InverseOffers {
    #[serde(default, deserialize_with = "null_as_default")]
    pub inverse_offer_ids: Vec<OfferId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Filters>,
}

/// `Call.Revive` and `Call.Suppress`: an empty list means every role of the framework.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<String>,
}

/// `Call.Kill`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kill {
    pub task_id: TaskId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_policy: Option<KillPolicy>,
}

/// `Call.Shutdown`: stop an executor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shutdown {
    pub executor_id: ExecutorId,
    pub agent_id: AgentId,
}

/// `Call.Acknowledge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledge {
    pub agent_id: AgentId,
    pub task_id: TaskId,
    pub uuid: Bytes,
}

/// `Call.Reconcile.Task`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileTask {
    pub task_id: TaskId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
}

/// `Call.Reconcile`: an empty list asks for every task (implicit reconciliation).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconcile {
    #[serde(default, deserialize_with = "null_as_default")]
    pub tasks: Vec<ReconcileTask>,
}

/// `Call.Message` and `Event.Message`: framework ↔ executor data, best effort.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkMessage {
    pub agent_id: AgentId,
    pub executor_id: ExecutorId,
    pub data: Bytes,
}

/// `Call.Request`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Requests {
    #[serde(default, deserialize_with = "null_as_default")]
    pub requests: Vec<Request>,
}

/// `scheduler.Call`: what a framework sends to the master.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_id: Option<FrameworkId>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CallType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe: Option<Subscribe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<Accept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline: Option<Decline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_inverse_offers: Option<InverseOffers>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_inverse_offers: Option<InverseOffers>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revive: Option<Roles>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill: Option<Kill>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown: Option<Shutdown>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledge: Option<Acknowledge>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledge_operation_status: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconcile: Option<Reconcile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconcile_operations: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<FrameworkMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Requests>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress: Option<Roles>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_framework: Option<Subscribe>,
}

impl Call {
    /// A call of this type with no payload.
    pub fn new(framework_id: Option<FrameworkId>, kind: CallType) -> Self {
        Self {
            framework_id,
            kind: Some(kind),
            subscribe: None,
            accept: None,
            decline: None,
            accept_inverse_offers: None,
            decline_inverse_offers: None,
            revive: None,
            kill: None,
            shutdown: None,
            acknowledge: None,
            acknowledge_operation_status: None,
            reconcile: None,
            reconcile_operations: None,
            message: None,
            request: None,
            suppress: None,
            update_framework: None,
        }
    }

    /// SUBSCRIBE; re-subscribes when `framework_info.id` is set.
    pub fn subscribe(framework_info: FrameworkInfo) -> Self {
        let id = framework_info.id.clone();
        Self {
            subscribe: Some(Subscribe {
                framework_info,
                suppressed_roles: Vec::new(),
                offer_constraints: None,
            }),
            ..Self::new(id, CallType::Subscribe)
        }
    }

    pub fn teardown(framework_id: FrameworkId) -> Self {
        Self::new(Some(framework_id), CallType::Teardown)
    }

    pub fn accept(
        framework_id: FrameworkId,
        offer_ids: Vec<OfferId>,
        operations: Vec<Operation>,
        filters: Option<Filters>,
    ) -> Self {
        Self {
            accept: Some(Accept {
                offer_ids,
                operations,
                filters,
            }),
            ..Self::new(Some(framework_id), CallType::Accept)
        }
    }

    pub fn decline(
        framework_id: FrameworkId,
        offer_ids: Vec<OfferId>,
        filters: Option<Filters>,
    ) -> Self {
        Self {
            decline: Some(Decline { offer_ids, filters }),
            ..Self::new(Some(framework_id), CallType::Decline)
        }
    }

    pub fn revive(framework_id: FrameworkId, roles: Vec<String>) -> Self {
        Self {
            revive: Some(Roles { roles }),
            ..Self::new(Some(framework_id), CallType::Revive)
        }
    }

    pub fn suppress(framework_id: FrameworkId, roles: Vec<String>) -> Self {
        Self {
            suppress: Some(Roles { roles }),
            ..Self::new(Some(framework_id), CallType::Suppress)
        }
    }

    pub fn kill(framework_id: FrameworkId, task_id: TaskId, agent_id: Option<AgentId>) -> Self {
        Self {
            kill: Some(Kill {
                task_id,
                agent_id,
                kill_policy: None,
            }),
            ..Self::new(Some(framework_id), CallType::Kill)
        }
    }

    pub fn shutdown(framework_id: FrameworkId, executor_id: ExecutorId, agent_id: AgentId) -> Self {
        Self {
            shutdown: Some(Shutdown {
                executor_id,
                agent_id,
            }),
            ..Self::new(Some(framework_id), CallType::Shutdown)
        }
    }

    pub fn acknowledge(
        framework_id: FrameworkId,
        agent_id: AgentId,
        task_id: TaskId,
        uuid: Bytes,
    ) -> Self {
        Self {
            acknowledge: Some(Acknowledge {
                agent_id,
                task_id,
                uuid,
            }),
            ..Self::new(Some(framework_id), CallType::Acknowledge)
        }
    }

    pub fn reconcile(framework_id: FrameworkId, tasks: Vec<ReconcileTask>) -> Self {
        Self {
            reconcile: Some(Reconcile { tasks }),
            ..Self::new(Some(framework_id), CallType::Reconcile)
        }
    }

    pub fn message(
        framework_id: FrameworkId,
        agent_id: AgentId,
        executor_id: ExecutorId,
        data: Bytes,
    ) -> Self {
        Self {
            message: Some(FrameworkMessage {
                agent_id,
                executor_id,
                data,
            }),
            ..Self::new(Some(framework_id), CallType::Message)
        }
    }

    pub fn request(framework_id: FrameworkId, requests: Vec<Request>) -> Self {
        Self {
            request: Some(Requests { requests }),
            ..Self::new(Some(framework_id), CallType::Request)
        }
    }

    pub fn update_framework(framework_info: FrameworkInfo, suppressed_roles: Vec<String>) -> Self {
        let id = framework_info.id.clone();
        Self {
            update_framework: Some(Subscribe {
                framework_info,
                suppressed_roles,
                offer_constraints: None,
            }),
            ..Self::new(id, CallType::UpdateFramework)
        }
    }
}

mesos_enum! {
    /// `scheduler.Event.Type`.
    EventType fallback Unrecognized {
        Unknown = 0 "UNKNOWN",
        Subscribed = 1 "SUBSCRIBED",
        Offers = 2 "OFFERS",
        InverseOffers = 9 "INVERSE_OFFERS",
        Rescind = 3 "RESCIND",
        RescindInverseOffer = 10 "RESCIND_INVERSE_OFFER",
        Update = 4 "UPDATE",
        UpdateOperationStatus = 11 "UPDATE_OPERATION_STATUS",
        Message = 5 "MESSAGE",
        Failure = 6 "FAILURE",
        Error = 7 "ERROR",
        Heartbeat = 8 "HEARTBEAT",
    }
}

/// `Event.Subscribed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subscribed {
    pub framework_id: FrameworkId,
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub heartbeat_interval_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_info: Option<MasterInfo>,
}

/// `Event.Offers`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Offers {
    #[serde(default, deserialize_with = "null_as_default")]
    pub offers: Vec<Offer>,
}

/// `Event.InverseOffers`, passed through.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InverseOffersEvent {
    #[serde(default, deserialize_with = "null_as_default")]
    pub inverse_offers: Vec<Opaque>,
}

/// `Event.Rescind`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rescind {
    pub offer_id: OfferId,
}

/// `Event.RescindInverseOffer`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescindInverseOffer {
    pub inverse_offer_id: OfferId,
}

/// `Event.Update`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Update {
    pub status: TaskStatus,
}

/// `Event.Failure`: an agent or an executor was lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_id: Option<ExecutorId>,
    /// The executor's exit status (wait status), when an executor terminated.
    #[serde(
        default,
        deserialize_with = "opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<i32>,
}

/// `Event.Error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub message: String,
}

/// `scheduler.Event`: what the master sends on a framework's subscription stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<EventType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribed: Option<Subscribed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offers: Option<Offers>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inverse_offers: Option<InverseOffersEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescind: Option<Rescind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescind_inverse_offer: Option<RescindInverseOffer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<Update>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_operation_status: Option<Opaque>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<FrameworkMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorEvent>,
}

impl Event {
    /// An event of this type with no payload.
    pub fn new(kind: EventType) -> Self {
        Self {
            kind: Some(kind),
            subscribed: None,
            offers: None,
            inverse_offers: None,
            rescind: None,
            rescind_inverse_offer: None,
            update: None,
            update_operation_status: None,
            message: None,
            failure: None,
            error: None,
        }
    }

    pub fn heartbeat() -> Self {
        Self::new(EventType::Heartbeat)
    }

    pub fn subscribed(
        framework_id: FrameworkId,
        heartbeat_interval_seconds: f64,
        master_info: Option<MasterInfo>,
    ) -> Self {
        Self {
            subscribed: Some(Subscribed {
                framework_id,
                heartbeat_interval_seconds: Some(heartbeat_interval_seconds),
                master_info,
            }),
            ..Self::new(EventType::Subscribed)
        }
    }

    pub fn offers(offers: Vec<Offer>) -> Self {
        Self {
            offers: Some(Offers { offers }),
            ..Self::new(EventType::Offers)
        }
    }

    pub fn rescind(offer_id: OfferId) -> Self {
        Self {
            rescind: Some(Rescind { offer_id }),
            ..Self::new(EventType::Rescind)
        }
    }

    pub fn update(status: TaskStatus) -> Self {
        Self {
            update: Some(Update { status }),
            ..Self::new(EventType::Update)
        }
    }

    pub fn message(agent_id: AgentId, executor_id: ExecutorId, data: Bytes) -> Self {
        Self {
            message: Some(FrameworkMessage {
                agent_id,
                executor_id,
                data,
            }),
            ..Self::new(EventType::Message)
        }
    }

    pub fn failure(failure: Failure) -> Self {
        Self {
            failure: Some(failure),
            ..Self::new(EventType::Failure)
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self {
            error: Some(ErrorEvent {
                message: message.into(),
            }),
            ..Self::new(EventType::Error)
        }
    }
}

/// `heartbeat_interval_seconds` the master announces: Mesos's fixed 15 s.
pub const DEFAULT_HEARTBEAT_INTERVAL_SECS: f64 = 15.0;

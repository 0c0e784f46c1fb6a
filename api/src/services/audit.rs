//! The audit trail. Every mutation records one event per changed subject, inside the
//! mutation's own transaction, so an event exists exactly when the change does.

use chrono::Utc;
use entity::{audit_event, enums::ActorKind};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::{Principal, PrincipalKind};

/// The kinds of thing an event is about, stored in `audit_event.subject_type` as snake_case
/// (a closed set, so that a query by kind finds every row of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Unit,
    Person,
    Line,
    Device,
    Voicemail,
    CallRecordBatch,
    Teleconference,
    HuntGroup,
    PickupGroup,
    EaGroup,
    ContactCentre,
    LicencePool,
    NominationRound,
    Tranche,
    ChorusUpgrade,
    ServiceAccount,
}

impl SubjectKind {
    /// Every kind, for tests and the migration that normalised older rows.
    pub const ALL: [Self; 16] = [
        Self::Unit,
        Self::Person,
        Self::Line,
        Self::Device,
        Self::Voicemail,
        Self::CallRecordBatch,
        Self::Teleconference,
        Self::HuntGroup,
        Self::PickupGroup,
        Self::EaGroup,
        Self::ContactCentre,
        Self::LicencePool,
        Self::NominationRound,
        Self::Tranche,
        Self::ChorusUpgrade,
        Self::ServiceAccount,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Person => "person",
            Self::Line => "line",
            Self::Device => "device",
            Self::Voicemail => "voicemail",
            Self::CallRecordBatch => "call_record_batch",
            Self::Teleconference => "teleconference",
            Self::HuntGroup => "hunt_group",
            Self::PickupGroup => "pickup_group",
            Self::EaGroup => "ea_group",
            Self::ContactCentre => "contact_centre",
            Self::LicencePool => "licence_pool",
            Self::NominationRound => "nomination_round",
            Self::Tranche => "tranche",
            Self::ChorusUpgrade => "chorus_upgrade",
            Self::ServiceAccount => "service_account",
        }
    }
}

/// What an event is about.
#[derive(Clone, Debug)]
pub struct Subject {
    pub kind: SubjectKind,
    /// The subject's id, or for a batch a description of it.
    pub id: String,
}

impl Subject {
    pub fn new(kind: SubjectKind, id: Uuid) -> Self {
        Self {
            kind,
            id: id.to_string(),
        }
    }
}

/// A JSON snapshot of a row for the before/after columns.
pub fn snapshot<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Records one audit event on the given connection (normally the mutation's transaction).
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Principal,
    action: &str,
    subject: Subject,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), DbErr> {
    let actor_kind = match actor.kind {
        PrincipalKind::Person => ActorKind::Person,
        PrincipalKind::Service => ActorKind::Service,
    };
    record_as(
        conn,
        actor_kind,
        &actor.username,
        action,
        subject,
        before,
        after,
    )
    .await
}

/// One event of [`record_many`]: action, subject, before, after.
pub type Event = (
    &'static str,
    Subject,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
);

/// Records many events of one actor with one statement per
/// [`crate::db::JSON_ROWS_PER_STATEMENT`] (a bulk change; each row carries two JSON snapshots).
pub async fn record_many(
    conn: &impl ConnectionTrait,
    actor: &Principal,
    events: Vec<Event>,
) -> Result<(), DbErr> {
    let actor_kind = match actor.kind {
        PrincipalKind::Person => ActorKind::Person,
        PrincipalKind::Service => ActorKind::Service,
    };
    let now = Utc::now();
    let rows: Vec<audit_event::ActiveModel> = events
        .into_iter()
        .map(
            |(action, subject, before, after)| audit_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                at: Set(now),
                actor_kind: Set(actor_kind),
                actor: Set(actor.username.clone()),
                action: Set(action.to_owned()),
                subject_type: Set(subject.kind.as_str().to_owned()),
                subject_id: Set(subject.id),
                before: Set(before),
                after: Set(after),
                request_id: Set(None),
            },
        )
        .collect();
    for chunk in rows.chunks(crate::db::JSON_ROWS_PER_STATEMENT) {
        audit_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Records the change of one row, snapshotting it before and after.
pub async fn changed<T: Serialize>(
    conn: &impl ConnectionTrait,
    actor: &Principal,
    action: &str,
    subject: Subject,
    before: &T,
    after: &T,
) -> Result<(), DbErr> {
    record(
        conn,
        actor,
        action,
        subject,
        Some(snapshot(before)),
        Some(snapshot(after)),
    )
    .await
}

/// Records an event for an actor that is not a request's principal (the system, the CLI).
pub async fn record_as(
    conn: &impl ConnectionTrait,
    actor_kind: ActorKind,
    actor: &str,
    action: &str,
    subject: Subject,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        actor_kind: Set(actor_kind),
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        subject_type: Set(subject.kind.as_str().to_owned()),
        subject_id: Set(subject.id),
        before: Set(before),
        after: Set(after),
        request_id: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

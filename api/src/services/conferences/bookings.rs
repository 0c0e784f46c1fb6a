//! Booking, rescheduling and cancelling a conference.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::{enums::ConferenceStatus, person, teleconference as conference};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::bridges::{Bridge, begin_write, bridge, lock_bridge, new_credentials, slot, slots_on};
use super::participants::{
    Invitation, check_invitations, default_ports, entry, insert_participants, reservation_field,
    seats,
};
use super::read::load;
use super::{
    Conference, check_open, check_schedule, conflict_or, expected, managed, path, refuse, refused,
    to_second,
};
use crate::error::try_refuse;
use crate::{
    auth::Principal,
    domain::{
        conferences::{self as rules, ConferenceSlot},
        directory as visibility,
        groups::validate_name,
    },
    error::{ApiError, Outcome, UserErrorCode},
    services::audit::{self, Subject, SubjectKind},
};

/// A conference to create.
#[derive(Clone, Debug)]
pub struct NewConference {
    /// The owner; None for the caller. Only administrators name someone else.
    pub owner_id: Option<Uuid>,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: Tz,
    pub bridge: &'static Bridge,
    /// Ports to reserve; None for [`default_ports`].
    pub ports: Option<i32>,
    pub participants: Vec<Invitation>,
}

/// Books a conference: the schedule, the invited, the reservation and the bridge's capacity
/// at the busiest overlapping instant are checked, and an access code and moderator PIN are
/// generated unique among the overlapping conferences of the bridge, with the bridge held
/// (see the module documentation).
pub async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewConference,
) -> Outcome<Conference> {
    let now = Utc::now();
    let owner_id = match (new.owner_id, principal.person_id) {
        (Some(o), _) if principal.is_admin() || principal.is_person(o) => o,
        (Some(_), _) => {
            return Ok(Err(refuse(
                &["input", "ownerId"],
                UserErrorCode::NotAllowed,
                "only administrators book a conference for someone else",
            )));
        }
        (None, Some(me)) => me,
        (None, None) => {
            return Ok(Err(refuse(
                &["input", "ownerId"],
                UserErrorCode::NotAllowed,
                "a service account cannot own a conference",
            )));
        }
    };
    let title =
        try_refuse!(validate_name(&new.title).map_err(|r| refused(path(&["input", "title"]), &r)));
    let (starts_at, ends_at) = (to_second(new.starts_at), to_second(new.ends_at));
    try_refuse!(check_schedule(starts_at, ends_at, None, now));
    let ports = new.ports.unwrap_or(default_ports(new.participants.len()));
    try_refuse!(
        rules::validate_reservation(seats(new.participants.len()), ports, new.bridge.ports)
            .map_err(|r| refused(reservation_field(&r), &r))
    );

    let txn = begin_write(db).await?;
    lock_bridge(&txn, new.bridge.code).await?;
    let owner = person::Entity::find_by_id(owner_id).one(&txn).await?;
    if !owner.is_some_and(|o| visibility::can_see(principal, entry(&o))) {
        return Ok(Err(refuse(
            &["input", "ownerId"],
            UserErrorCode::NotFound,
            "no such person",
        )));
    }
    try_refuse!(check_invitations(&txn, principal, owner_id, &[], &new.participants).await?);
    let others = slots_on(&txn, new.bridge.code, starts_at, ends_at).await?;
    let id = Uuid::now_v7();
    let candidate = ConferenceSlot {
        id,
        starts_at,
        ends_at,
        access_code: String::new(),
        moderator_pin: String::new(),
        ports,
    };
    try_refuse!(
        rules::validate_bridge_capacity(&candidate, &others, new.bridge.ports)
            .map_err(|r| refused(path(&["input", "ports"]), &r))
    );
    let codes = try_refuse!(new_credentials(starts_at, ends_at, &others));
    conference::ActiveModel {
        id: Set(id),
        owner_id: Set(owner_id),
        title: Set(title),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        time_zone: Set(new.time_zone.name().to_owned()),
        bridge: Set(new.bridge.code.to_owned()),
        dial_in_number: Set(new.bridge.dial_in_number.to_owned()),
        access_code: Set(codes.access_code),
        moderator_pin: Set(codes.moderator_pin),
        capacity: Set(ports),
        status: Set(ConferenceStatus::Scheduled),
        created_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    insert_participants(&txn, id, &new.participants).await?;
    let after = load(&txn, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("conference {id} vanished")))?;
    audit::record(
        &txn,
        principal,
        "conference.create",
        Subject::new(SubjectKind::Teleconference, id),
        None,
        Some(audit::snapshot(&after)),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(conference.id = %id, bridge = new.bridge.code, ports, "booked a teleconference");
    Ok(Ok(after))
}

/// New times (and optionally zone and ports) for a conference.
#[derive(Clone, Debug)]
pub struct Reschedule {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// None keeps the zone.
    pub time_zone: Option<Tz>,
    /// None keeps the reservation.
    pub ports: Option<i32>,
    pub expected_version: Option<i32>,
}

/// A rescheduled conference, and whether its codes had to change.
#[derive(Clone, Debug)]
pub struct Rescheduled {
    pub conference: Conference,
    /// True when the old access code or PIN clashed with a conference overlapping the new
    /// times, so both were generated afresh (participants must be told).
    pub codes_changed: bool,
}

/// Moves a conference (owner, administrators): the new schedule is checked like a new one
/// (a running conference may keep its start and be extended), the bridge's capacity is
/// checked again at the new times, and if the codes clash with a conference overlapping the
/// new times new codes are generated. Cancelled and finished conferences are not moved.
pub async fn reschedule(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    change: Reschedule,
) -> Outcome<Rescheduled> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    // The bridge never changes, so it may be read before the lock; everything that decides
    // is read again after it.
    if let Some(c) = conference::Entity::find_by_id(id).one(&txn).await? {
        lock_bridge(&txn, &c.bridge).await?;
    }
    let before = try_refuse!(managed(&txn, principal, id).await?);
    let version = try_refuse!(expected(change.expected_version, before.conference.version));
    try_refuse!(check_open(&before.conference, now));
    let bridge = bridge(&before.conference.bridge).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "conference {id} is on the unknown bridge {:?}",
            before.conference.bridge
        ))
    })?;
    let (starts_at, ends_at) = (to_second(change.starts_at), to_second(change.ends_at));
    try_refuse!(check_schedule(
        starts_at,
        ends_at,
        Some(before.conference.starts_at),
        now
    ));
    let ports = change.ports.unwrap_or(before.conference.capacity);
    // Too many invited for fewer ports is the ports' fault here: the input names no one.
    try_refuse!(
        rules::validate_reservation(seats(before.participants.len()), ports, bridge.ports)
            .map_err(|r| refused(path(&["input", "ports"]), &r))
    );
    let others = slots_on(&txn, bridge.code, starts_at, ends_at).await?;
    let mut candidate = ConferenceSlot {
        starts_at,
        ends_at,
        ports,
        ..slot(&before.conference)
    };
    try_refuse!(
        rules::validate_bridge_capacity(&candidate, &others, bridge.ports)
            .map_err(|r| refused(path(&["input", "ports"]), &r))
    );
    let codes_changed = rules::validate_codes_unique(&candidate, &others).is_err();
    if codes_changed {
        let others: Vec<ConferenceSlot> = others.into_iter().filter(|o| o.id != id).collect();
        let codes = try_refuse!(new_credentials(starts_at, ends_at, &others));
        candidate.access_code = codes.access_code;
        candidate.moderator_pin = codes.moderator_pin;
    }
    let mut active: conference::ActiveModel = before.conference.clone().into();
    active.starts_at = Set(starts_at);
    active.ends_at = Set(ends_at);
    if let Some(tz) = change.time_zone {
        active.time_zone = Set(tz.name().to_owned());
    }
    active.capacity = Set(ports);
    active.access_code = Set(candidate.access_code);
    active.moderator_pin = Set(candidate.moderator_pin);
    active.version = Set(version + 1);
    let after = try_refuse!(conflict_or(
        conference::Entity::update(active)
            .validate()?
            .filter(conference::Column::Version.eq(version))
            .exec(&txn)
            .await
    )?);
    let after = Conference {
        conference: after,
        participants: before.participants.clone(),
    };
    audit::changed(
        &txn,
        principal,
        "conference.reschedule",
        Subject::new(SubjectKind::Teleconference, id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(Rescheduled {
        conference: after,
        codes_changed,
    }))
}

/// Cancels a conference (owner, administrators): its status becomes CANCELLED and its ports
/// and codes are free for others at once. Cancelling a cancelled conference changes nothing;
/// a finished one cannot be cancelled.
pub async fn cancel(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    expected_version: Option<i32>,
) -> Outcome<Conference> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let before = try_refuse!(managed(&txn, principal, id).await?);
    if before.conference.status == ConferenceStatus::Cancelled {
        return Ok(Ok(before));
    }
    let version = try_refuse!(expected(expected_version, before.conference.version));
    try_refuse!(check_open(&before.conference, now));
    let mut active: conference::ActiveModel = before.conference.clone().into();
    active.status = Set(ConferenceStatus::Cancelled);
    active.version = Set(version + 1);
    let after = try_refuse!(conflict_or(
        conference::Entity::update(active)
            .validate()?
            .filter(conference::Column::Version.eq(version))
            .exec(&txn)
            .await
    )?);
    let after = Conference {
        conference: after,
        participants: before.participants.clone(),
    };
    audit::changed(
        &txn,
        principal,
        "conference.cancel",
        Subject::new(SubjectKind::Teleconference, id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

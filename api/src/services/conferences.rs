//! Scheduling teleconferences: load, check the rules of `domain::conferences` (schedule, codes,
//! reservations, bridge capacity), write in one transaction with the audit event.
//!
//! **Bridges.** There is no bridge table: the bridges are the constant [`BRIDGES`], and a
//! conference copies its bridge's code and dial-in number into its row. `capacity` is the
//! number of ports the conference reserves on its bridge.
//!
//! **Who.** The owner and administrators manage a conference; its invited people (the
//! participants that are people) see it; for anyone else it does not exist. Coordinators have
//! no say over conferences.
//!
//! **No double booking.** Creating or rescheduling a conference reads the overlapping
//! conferences of the bridge, checks capacity and code uniqueness against them and writes,
//! all in one transaction that holds the bridge exclusively:
//! - PostgreSQL: `pg_advisory_xact_lock` on a key derived from the bridge code, taken before
//!   the overlapping rows are read and released at commit or rollback. (`SELECT … FOR UPDATE`
//!   on the overlapping rows would not do: it cannot lock rows that do not exist yet, so two
//!   conferences booked into an empty slot would both pass.) Under READ COMMITTED each
//!   statement after the lock sees what the previous holder committed.
//! - SQLite: every mutation here begins with `BEGIN IMMEDIATE`, which takes the database's
//!   single write lock before the first read; other writers wait (busy timeout) instead of
//!   failing on a stale snapshot at their first write.
//!
//! **No lost update.** Every change bumps `version` with `UPDATE … WHERE id = ? AND version = ?`,
//! using the caller's `expectedVersion` or, when none, the version read in the transaction; a
//! concurrent change in between refuses the change with CONFLICT and writes nothing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use chrono_tz::Tz;
use entity::{
    enums::{ConferenceRole, ConferenceStatus, DirectoryStatus},
    person, teleconference as conference, teleconference_participant as participant,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    sea_query::{Expr, Query},
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{
        conferences::{self as rules, ConferenceSlot},
        directory::{self as visibility, Entry},
        groups::{GroupRefusal, validate_name},
        phone::E164,
    },
    graphql::errors::{ApiError, Outcome, UserError, UserErrorCode},
    services::audit::{self, Subject},
};

// ---------------------------------------------------------------------------------------------
// Bridges

/// A conference bridge of the University's PBX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bridge {
    /// Stored in `teleconference.bridge`.
    pub code: &'static str,
    /// What it is for, in words.
    pub name: &'static str,
    /// The number participants dial, E.164 (copied into `teleconference.dial_in_number`).
    pub dial_in_number: &'static str,
    /// Ports: callers connected at once, summed over the conferences running at any instant.
    pub ports: i32,
}

/// The bridges. The values are the local convention of this system (no seed names them):
/// an everyday bridge for meetings, and a large one for briefings and all-staff calls, each
/// with its own Oxford dial-in number. A new bridge is a new entry here (and a variant of the
/// GraphQL enum `ConferenceBridge`).
pub const BRIDGES: [Bridge; 2] = [
    Bridge {
        code: "MAIN",
        name: "Everyday meetings",
        dial_in_number: "+441865289000",
        ports: 120,
    },
    Bridge {
        code: "LARGE",
        name: "Briefings and all-staff calls",
        dial_in_number: "+441865289100",
        ports: 300,
    },
];

/// The bridge used when none is named.
pub const DEFAULT_BRIDGE: &str = "MAIN";

/// The time zone used when none is named.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::London;

/// How far in the past a new start may be: a "start now" form submitted a little late, or a
/// clock a little behind, is not refused.
pub const PAST_START_GRACE: Duration = Duration::minutes(5);

/// The bridge with this code.
pub fn bridge(code: &str) -> Option<&'static Bridge> {
    BRIDGES.iter().find(|b| b.code == code)
}

/// The PostgreSQL advisory-lock key of a bridge: FNV-1a (64-bit) of a namespaced name, so it
/// is stable across processes and versions and does not collide with other users of
/// single-key advisory locks by accident.
fn bridge_lock_key(code: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "chorus.teleconference.bridge:".bytes().chain(code.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Begins a transaction that writes: on SQLite `BEGIN IMMEDIATE` (the write lock first, so
/// the reads that decide are never stale); elsewhere a plain `BEGIN`.
async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Holds the bridge until the transaction ends (PostgreSQL; SQLite already serialises
/// writers, see [`begin_write`]).
async fn lock_bridge(txn: &DatabaseTransaction, code: &str) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [bridge_lock_key(code).into()],
        ))
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading

/// A conference with its invited participants (in the order they were invited).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conference {
    pub conference: conference::Model,
    pub participants: Vec<participant::Model>,
}

impl Conference {
    /// True when the person is invited.
    pub fn invites(&self, person_id: Uuid) -> bool {
        self.participants
            .iter()
            .any(|p| p.person_id == Some(person_id))
    }

    /// The role of the person among the invited, if invited.
    pub fn role_of(&self, person_id: Uuid) -> Option<ConferenceRole> {
        self.participants
            .iter()
            .find(|p| p.person_id == Some(person_id))
            .map(|p| p.role)
    }
}

/// The owner and administrators manage a conference.
pub fn may_manage(principal: &Principal, c: &conference::Model) -> bool {
    principal.is_admin() || principal.is_person(c.owner_id)
}

/// The owner, administrators and the invited people see a conference.
pub fn may_see(principal: &Principal, c: &Conference) -> bool {
    may_manage(principal, &c.conference) || principal.person_id.is_some_and(|me| c.invites(me))
}

/// The moderator PIN is shown to those who manage the conference and to people invited as
/// MODERATOR (they need it to moderate); everyone else gets only the access code.
pub fn may_see_pin(principal: &Principal, c: &Conference) -> bool {
    may_manage(principal, &c.conference)
        || principal
            .person_id
            .and_then(|me| c.role_of(me))
            .is_some_and(|r| r == ConferenceRole::Moderator)
}

/// Attaches the participants to conferences with one query.
async fn with_participants(
    conn: &impl ConnectionTrait,
    conferences: Vec<conference::Model>,
) -> Result<Vec<Conference>, DbErr> {
    if conferences.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<Uuid> = conferences.iter().map(|c| c.id).collect();
    let mut by_conference: HashMap<Uuid, Vec<participant::Model>> = HashMap::new();
    for p in participant::Entity::find()
        .filter(participant::Column::ConferenceId.is_in(ids))
        .order_by_asc(participant::Column::Id)
        .all(conn)
        .await?
    {
        by_conference.entry(p.conference_id).or_default().push(p);
    }
    Ok(conferences
        .into_iter()
        .map(|c| Conference {
            participants: by_conference.remove(&c.id).unwrap_or_default(),
            conference: c,
        })
        .collect())
}

async fn load(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Conference>, DbErr> {
    let Some(c) = conference::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(with_participants(conn, vec![c]).await?.pop())
}

/// A conference the caller may see; None otherwise (someone else's conference does not
/// exist for the caller).
pub async fn visible(
    conn: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<Conference>, DbErr> {
    Ok(load(conn, id).await?.filter(|c| may_see(principal, c)))
}

/// Sort key of a person's conference list: start, then id.
pub type ConferenceKey = (DateTime<Utc>, Uuid);

/// Which conferences a list shows.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Conferences still running at or after this instant (ending after it).
    pub from: DateTime<Utc>,
    /// Conferences starting before this instant; None for no bound.
    pub until: Option<DateTime<Utc>>,
    /// Show CANCELLED conferences too.
    pub include_cancelled: bool,
}

/// Whose conferences a list shows: a person may ask for their own, an administrator for
/// anyone's (FORBIDDEN otherwise).
pub fn list_owner(principal: &Principal, person_id: Option<Uuid>) -> Result<Uuid, ApiError> {
    match (person_id, principal.person_id) {
        (Some(p), _) if principal.is_admin() || principal.is_person(p) => Ok(p),
        (Some(_), _) => Err(ApiError::Forbidden(
            "only administrators see another person's conferences".into(),
        )),
        (None, Some(me)) => Ok(me),
        (None, None) => Err(ApiError::BadUserInput(
            "a service account has no conferences: give personId".into(),
        )),
    }
}

/// The conferences a person owns or is invited to, within the window.
fn of_person(person_id: Uuid, window: &Window) -> Condition {
    use conference::Column as C;
    let invited = Query::select()
        .column(participant::Column::ConferenceId)
        .from(participant::Entity)
        .and_where(participant::Column::PersonId.eq(person_id))
        .to_owned();
    let mut cond = Condition::all()
        .add(
            Condition::any()
                .add(C::OwnerId.eq(person_id))
                .add(C::Id.in_subquery(invited)),
        )
        .add(C::EndsAt.gt(window.from));
    if let Some(until) = window.until {
        cond = cond.add(C::StartsAt.lt(until));
    }
    if !window.include_cancelled {
        cond = cond.add(C::Status.eq(ConferenceStatus::Scheduled));
    }
    cond
}

/// One page of a person's conferences, soonest first; keyset on `(starts_at, id)`.
pub async fn page(
    conn: &impl ConnectionTrait,
    person_id: Uuid,
    window: &Window,
    after: Option<&ConferenceKey>,
    before: Option<&ConferenceKey>,
    backward: bool,
    limit: u64,
) -> Result<Vec<Conference>, DbErr> {
    use conference::Column as C;
    let mut query = conference::Entity::find().filter(of_person(person_id, window));
    if let Some((t, id)) = after {
        query = query.filter(
            Condition::any()
                .add(C::StartsAt.gt(*t))
                .add(Condition::all().add(C::StartsAt.eq(*t)).add(C::Id.gt(*id))),
        );
    }
    if let Some((t, id)) = before {
        query = query.filter(
            Condition::any()
                .add(C::StartsAt.lt(*t))
                .add(Condition::all().add(C::StartsAt.eq(*t)).add(C::Id.lt(*id))),
        );
    }
    let query = if backward {
        query.order_by_desc(C::StartsAt).order_by_desc(C::Id)
    } else {
        query.order_by_asc(C::StartsAt).order_by_asc(C::Id)
    };
    let rows = query.limit(limit).all(conn).await?;
    with_participants(conn, rows).await
}

/// The number of a person's conferences within the window.
pub async fn count(
    conn: &impl ConnectionTrait,
    person_id: Uuid,
    window: &Window,
) -> Result<u64, DbErr> {
    conference::Entity::find()
        .filter(of_person(person_id, window))
        .count(conn)
        .await
}

/// Ports reserved on a bridge at the busiest instant of `[from, until)`, by SCHEDULED
/// conferences.
pub async fn reserved_ports(
    conn: &impl ConnectionTrait,
    bridge: &Bridge,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let others = slots_on(conn, bridge.code, from, until).await?;
    let probe = ConferenceSlot {
        id: Uuid::nil(),
        starts_at: from,
        ends_at: until,
        access_code: String::new(),
        moderator_pin: String::new(),
        ports: 0,
    };
    // With a zero-port probe the rule refuses exactly when the peak exceeds the bridge, so
    // ask it with a bridge of no ports: the refusal carries the peak.
    Ok(match rules::validate_bridge_capacity(&probe, &others, -1) {
        Err(GroupRefusal::BridgeFull { reserved, .. }) => reserved,
        _ => 0,
    })
}

// ---------------------------------------------------------------------------------------------
// Refusals

fn refuse(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> UserError {
    UserError::new(field, code, message)
}

/// A rule's refusal as a user error on `field`.
fn refused(field: Vec<String>, refusal: &GroupRefusal) -> UserError {
    UserError::refused(field, refusal, refusal.to_string())
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

/// `["input", list, "<index>", field]`.
fn item_path(list: &str, index: usize, field: &str) -> Vec<String> {
    vec![
        "input".to_owned(),
        list.to_owned(),
        index.to_string(),
        field.to_owned(),
    ]
}

macro_rules! try_refuse {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(user_error) => return Ok(Err(user_error)),
        }
    };
}

fn conflict() -> UserError {
    refuse(
        &["input", "expectedVersion"],
        UserErrorCode::Conflict,
        "the conference changed meanwhile: read it again and retry",
    )
}

/// Maps a lost optimistic-lock race to a CONFLICT user error.
fn conflict_or<T>(r: Result<T, DbErr>) -> Outcome<T> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(DbErr::RecordNotUpdated) => Ok(Err(conflict())),
        Err(e) => Err(e.into()),
    }
}

/// Bumps the version if it still is `expected`; CONFLICT otherwise.
async fn bump(txn: &DatabaseTransaction, id: Uuid, expected: i32) -> Outcome<()> {
    // Scoped: its blanket `max`/`min` would shadow `Ord`'s elsewhere.
    use sea_orm::sea_query::ExprTrait as _;
    let changed = conference::Entity::update_many()
        .col_expr(
            conference::Column::Version,
            Expr::col(conference::Column::Version).add(1),
        )
        .filter(conference::Column::Id.eq(id))
        .filter(conference::Column::Version.eq(expected))
        .exec(txn)
        .await?
        .rows_affected;
    Ok(if changed == 1 {
        Ok(())
    } else {
        Err(conflict())
    })
}

/// Times are kept to the second.
fn to_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

/// A schedule the rules accept: ends after it starts, at most a day long, does not start in
/// the past (beyond [`PAST_START_GRACE`]) unless the start is unchanged (extending a running
/// conference), and does not end in the past.
fn check_schedule(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    current_start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), UserError> {
    rules::validate_schedule(starts_at, ends_at)
        .map_err(|r| refused(path(&["input", "endsAt"]), &r))?;
    if current_start != Some(starts_at) && starts_at < now - PAST_START_GRACE {
        return Err(refuse(
            &["input", "startsAt"],
            UserErrorCode::Invalid,
            "a conference cannot start in the past",
        ));
    }
    if ends_at <= now {
        return Err(refuse(
            &["input", "endsAt"],
            UserErrorCode::Invalid,
            "a conference cannot end in the past",
        ));
    }
    Ok(())
}

/// Changes are refused once a conference is cancelled or over.
fn check_open(c: &conference::Model, now: DateTime<Utc>) -> Result<(), UserError> {
    if c.status == ConferenceStatus::Cancelled {
        return Err(refuse(
            &["input", "conferenceId"],
            UserErrorCode::RuleViolation,
            "the conference is cancelled",
        ));
    }
    if c.ends_at <= now {
        return Err(refuse(
            &["input", "conferenceId"],
            UserErrorCode::RuleViolation,
            "the conference is over",
        ));
    }
    Ok(())
}

/// The version the change is based on: the caller's, else the one read. A caller's version
/// that is already stale is a CONFLICT at once.
fn expected(given: Option<i32>, read: i32) -> Result<i32, UserError> {
    match given {
        Some(v) if v != read => Err(conflict()),
        _ => Ok(read),
    }
}

/// Loads the conference for a change by its manager: NOT_FOUND for those who may not see it,
/// NOT_ALLOWED for participants.
async fn managed(
    txn: &DatabaseTransaction,
    principal: &Principal,
    id: Uuid,
) -> Result<Result<Conference, UserError>, DbErr> {
    Ok(match visible(txn, principal, id).await? {
        None => Err(refuse(
            &["input", "conferenceId"],
            UserErrorCode::NotFound,
            "no such conference",
        )),
        Some(c) if may_manage(principal, &c.conference) => Ok(c),
        Some(_) => Err(refuse(
            &["input", "conferenceId"],
            UserErrorCode::NotAllowed,
            "only the owner and administrators change a conference",
        )),
    })
}

/// The SCHEDULED conferences of a bridge overlapping `[from, until)`.
async fn slots_on(
    conn: &impl ConnectionTrait,
    bridge: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<ConferenceSlot>, DbErr> {
    use conference::Column as C;
    Ok(conference::Entity::find()
        .filter(C::Bridge.eq(bridge))
        .filter(C::Status.eq(ConferenceStatus::Scheduled))
        .filter(C::StartsAt.lt(until))
        .filter(C::EndsAt.gt(from))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| slot(&c))
        .collect())
}

fn slot(c: &conference::Model) -> ConferenceSlot {
    ConferenceSlot {
        id: c.id,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        access_code: c.access_code.clone(),
        moderator_pin: c.moderator_pin.clone(),
        ports: c.capacity,
    }
}

/// Fresh codes unique among `others`.
fn new_credentials(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    others: &[ConferenceSlot],
) -> Result<rules::Credentials, UserError> {
    // The thread RNG is a CSPRNG; it lives only in this synchronous call.
    let mut rng = rand::rng();
    rules::generate_credentials(&mut rng, starts_at, ends_at, others)
        .map_err(|r| refused(vec![], &r))
}

// ---------------------------------------------------------------------------------------------
// Participants

/// Who is invited: a person in the directory or an outside number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Invitee {
    Person(Uuid),
    Number(E164),
}

impl Invitee {
    /// The input field that names it.
    fn field(&self) -> &'static str {
        match self {
            Self::Person(_) => "personId",
            Self::Number(_) => "number",
        }
    }

    fn of(p: &participant::Model) -> Option<Self> {
        match (&p.person_id, &p.external_number) {
            (Some(id), _) => Some(Self::Person(*id)),
            (None, Some(n)) => E164::parse_loose(n).ok().map(Self::Number),
            (None, None) => None,
        }
    }
}

/// An invitation with its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub invitee: Invitee,
    pub role: ConferenceRole,
}

fn entry(p: &person::Model) -> Entry {
    Entry {
        person_id: p.id,
        unit_id: p.unit_id,
        ex_directory: p.directory_status == DirectoryStatus::ExDirectory,
    }
}

/// Checks new invitations against the owner, those already invited and each other: people
/// must exist and be visible to the caller; nobody (and no number) twice; the owner is in
/// the conference already.
async fn check_invitations(
    txn: &DatabaseTransaction,
    principal: &Principal,
    owner_id: Uuid,
    existing: &[participant::Model],
    new: &[Invitation],
) -> Result<Result<(), UserError>, DbErr> {
    let mut seen: HashSet<Invitee> = existing.iter().filter_map(Invitee::of).collect();
    let ids: Vec<Uuid> = new
        .iter()
        .filter_map(|i| match i.invitee {
            Invitee::Person(id) => Some(id),
            Invitee::Number(_) => None,
        })
        .collect();
    let people: HashMap<Uuid, person::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    for (index, invitation) in new.iter().enumerate() {
        let field = item_path("participants", index, invitation.invitee.field());
        // The rules' refusals carry the codes; the words are the conference's own.
        let refusal = match &invitation.invitee {
            Invitee::Person(id) => match people.get(id) {
                Some(_) if *id == owner_id => Some((
                    GroupRefusal::DuplicateMember(*id),
                    "the owner is in the conference already".to_owned(),
                )),
                Some(p) if visibility::can_see(principal, entry(p)) => {
                    seen.contains(&invitation.invitee).then(|| {
                        (
                            GroupRefusal::DuplicateMember(*id),
                            "this person is invited already".to_owned(),
                        )
                    })
                }
                _ => Some((
                    GroupRefusal::UnknownPerson(*id),
                    "no such person".to_owned(),
                )),
            },
            Invitee::Number(n) => seen.contains(&invitation.invitee).then(|| {
                (
                    GroupRefusal::DuplicateNumber(n.clone()),
                    format!("{n} is invited already"),
                )
            }),
        };
        if let Some((r, message)) = refusal {
            return Ok(Err(UserError {
                message,
                ..refused(field, &r)
            }));
        }
        seen.insert(invitation.invitee.clone());
    }
    Ok(Ok(()))
}

async fn insert_participants(
    txn: &DatabaseTransaction,
    conference_id: Uuid,
    new: &[Invitation],
) -> Result<(), DbErr> {
    for i in new {
        let (person_id, external_number) = match &i.invitee {
            Invitee::Person(id) => (Some(*id), None),
            Invitee::Number(n) => (None, Some(n.as_str().to_owned())),
        };
        participant::ActiveModel {
            id: Set(Uuid::now_v7()),
            conference_id: Set(conference_id),
            person_id: Set(person_id),
            external_number: Set(external_number),
            role: Set(i.role),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Ports a conference needs at least: its invited participants plus the owner.
fn seats(invited: usize) -> usize {
    invited.saturating_add(1)
}

/// The default reservation: everyone invited plus the owner, at least the minimum.
fn default_ports(invited: usize) -> i32 {
    i32::try_from(seats(invited))
        .unwrap_or(i32::MAX)
        .max(rules::MIN_CONFERENCE_PORTS)
}

/// Refusals of [`rules::validate_reservation`] point at the ports, or at the participants
/// when they are too many for the ports.
fn reservation_field(r: &GroupRefusal) -> Vec<String> {
    match r {
        GroupRefusal::TooManyParticipants { .. } => path(&["input", "participants"]),
        _ => path(&["input", "ports"]),
    }
}

// ---------------------------------------------------------------------------------------------
// Changes

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
        Subject::new("Teleconference", id),
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
        Subject::new("Teleconference", id),
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
        Subject::new("Teleconference", id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Invites people or numbers (owner, administrators). Each must be new to the conference;
/// together with the owner they must fit in the reserved ports (reschedule with more ports
/// first). Cancelled and finished conferences take no one.
pub async fn add_participants(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    new: Vec<Invitation>,
    expected_version: Option<i32>,
) -> Outcome<Conference> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let before = try_refuse!(managed(&txn, principal, id).await?);
    let version = try_refuse!(expected(expected_version, before.conference.version));
    try_refuse!(check_open(&before.conference, now));
    try_refuse!(
        check_invitations(
            &txn,
            principal,
            before.conference.owner_id,
            &before.participants,
            &new
        )
        .await?
    );
    let bridge_ports = bridge(&before.conference.bridge).map_or(i32::MAX, |b| b.ports);
    try_refuse!(
        rules::validate_reservation(
            seats(before.participants.len().saturating_add(new.len())),
            before.conference.capacity,
            bridge_ports
        )
        .map_err(|r| refused(path(&["input", "participants"]), &r))
    );
    try_refuse!(bump(&txn, id, version).await?);
    insert_participants(&txn, id, &new).await?;
    let after = load(&txn, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("conference {id} vanished")))?;
    audit::changed(
        &txn,
        principal,
        "conference.add_participants",
        Subject::new("Teleconference", id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Uninvites people or numbers (owner, administrators); each must be invited. Naming one
/// twice removes it once. The reservation stays as it is.
pub async fn remove_participants(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    gone: Vec<Invitee>,
    expected_version: Option<i32>,
) -> Outcome<Conference> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let before = try_refuse!(managed(&txn, principal, id).await?);
    let version = try_refuse!(expected(expected_version, before.conference.version));
    try_refuse!(check_open(&before.conference, now));
    let mut rows: Vec<Uuid> = Vec::with_capacity(gone.len());
    for (index, invitee) in gone.iter().enumerate() {
        let Some(row) = before
            .participants
            .iter()
            .find(|p| Invitee::of(p).as_ref() == Some(invitee))
        else {
            let field = item_path("participants", index, invitee.field());
            let message = match invitee {
                Invitee::Person(_) => "this person is not invited".to_owned(),
                Invitee::Number(n) => format!("{n} is not invited"),
            };
            return Ok(Err(UserError {
                field,
                message,
                code: UserErrorCode::NotFound,
                reason: None,
            }));
        };
        if !rows.contains(&row.id) {
            rows.push(row.id);
        }
    }
    try_refuse!(bump(&txn, id, version).await?);
    participant::Entity::delete_many()
        .filter(participant::Column::Id.is_in(rows))
        .exec(&txn)
        .await?;
    let after = load(&txn, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("conference {id} vanished")))?;
    audit::changed(
        &txn,
        principal,
        "conference.remove_participants",
        Subject::new("Teleconference", id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridges_have_valid_numbers_and_distinct_codes_and_lock_keys() {
        let mut codes = HashSet::new();
        let mut keys = HashSet::new();
        for b in BRIDGES {
            assert_eq!(
                E164::parse(b.dial_in_number).map(|n| n.to_string()),
                Ok(b.dial_in_number.to_owned()),
                "{}",
                b.code
            );
            assert!(b.ports >= rules::MIN_CONFERENCE_PORTS);
            assert!(codes.insert(b.code));
            assert!(keys.insert(bridge_lock_key(b.code)));
        }
        assert!(bridge(DEFAULT_BRIDGE).is_some());
        assert_eq!(bridge_lock_key("MAIN"), bridge_lock_key("MAIN"), "stable");
    }

    #[test]
    fn default_reservation_seats_the_owner_too() {
        assert_eq!(default_ports(0), 2);
        assert_eq!(default_ports(1), 2);
        assert_eq!(default_ports(5), 6);
    }

    #[test]
    fn schedules_in_the_past_are_refused_unless_the_start_is_kept() {
        let now = Utc::now();
        let h = Duration::hours(1);
        let code = |r: Result<(), UserError>| r.map_err(|e| (e.field, e.code));
        assert_eq!(
            code(check_schedule(now + h, now + h * 2, None, now)),
            Ok(())
        );
        assert_eq!(
            code(check_schedule(
                now - Duration::minutes(1),
                now + h,
                None,
                now
            )),
            Ok(()),
            "within the grace"
        );
        assert_eq!(
            code(check_schedule(now - h, now + h, None, now)),
            Err((path(&["input", "startsAt"]), UserErrorCode::Invalid))
        );
        assert_eq!(
            code(check_schedule(now - h, now + h * 2, Some(now - h), now)),
            Ok(()),
            "a running conference is extended"
        );
        assert_eq!(
            code(check_schedule(now - h * 2, now - h, Some(now - h * 2), now)),
            Err((path(&["input", "endsAt"]), UserErrorCode::Invalid))
        );
        assert_eq!(
            code(check_schedule(now + h * 2, now + h, None, now)),
            Err((path(&["input", "endsAt"]), UserErrorCode::Invalid)),
            "inverted"
        );
    }
}

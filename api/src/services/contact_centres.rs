//! Contact centres (always on Chorus, per the seeds): queues with agents, weekly opening hours
//! in the centre's time zone, closure days, out-of-hours and overflow destinations.
//!
//! Every change is one transaction whose first statement bumps the centre's `version`:
//! `UPDATE contact_centre SET version = version + 1 WHERE id = ? AND version = ?`, with the
//! caller's `expectedVersion`. No row changed means someone else changed the centre since the
//! caller read it: the change is refused with CONFLICT. A change to a queue or its agents bumps
//! the centre too, so one number guards the whole configuration. Bumping before reading takes
//! the row's write lock first: concurrent changes wait behind it and then find the version
//! moved, and on SQLite no transaction reads a snapshot that another writer then invalidates.
//! A refusal returns before the commit, so the transaction rolls back, bump included.
//!
//! Who may do what (the issue leaves it open; chosen here):
//! - administrators create centres and change every centre;
//! - coordinators change the centres of the units they coordinate;
//! - a centre is seen by administrators, by the coordinators of its unit and by its agents;
//!   an agent who does not manage the centre sees only the queues they answer.
//!
//! [`Schedule`] is the pure rule behind `openAt`: open or closed at an instant, and when that
//! next changes, on the wall clock of the centre's time zone.

use std::collections::{HashMap, HashSet};

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Utc, offset::LocalResult,
};
use chrono_tz::Tz;
use entity::{
    cc_agent, cc_closure, cc_opening_hours, cc_queue, contact_centre,
    enums::{DirectoryStatus, LineKind},
    hunt_group, line, person, unit,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{
        contact_centres::{self as rules, OpeningPeriod},
        directory::{self as visibility, Entry},
        groups::{
            Candidate, Fallback, GroupRefusal, may_remove_member, validate_name, weekday_name,
        },
        phone::E164,
    },
    graphql::errors::{Outcome, UserError, UserErrorCode},
    services::audit::{self, Subject},
};

/// The audit subject of every contact-centre change (queue changes included, so one
/// centre's trail is one query).
const SUBJECT: &str = "contact_centre";

/// Closure days one change may add or remove: two years of bank holidays need about 20.
pub const MAX_CLOSURES_PER_CHANGE: usize = 400;

/// Longest closure reason, in characters.
pub const MAX_REASON_CHARS: usize = 100;

/// Agents one change may add or remove.
pub const MAX_AGENTS_PER_CHANGE: usize = 100;

/// Opening periods in one week.
pub const MAX_PERIODS: usize = 70;

// ---------------------------------------------------------------------------------------------
// The centre as loaded

/// A contact centre with everything under it, children in display order.
#[derive(Clone, Debug, Serialize)]
pub struct Centre {
    /// The centre's row.
    pub centre: contact_centre::Model,
    /// Opening periods by weekday, then opening time.
    pub opening_hours: Vec<cc_opening_hours::Model>,
    /// Closure days by date.
    pub closures: Vec<cc_closure::Model>,
    /// Queues by position.
    pub queues: Vec<Queue>,
}

/// A queue with its agents (in the order they were added).
#[derive(Clone, Debug, Serialize)]
pub struct Queue {
    /// The queue's row.
    pub queue: cc_queue::Model,
    /// Its agents.
    pub agents: Vec<cc_agent::Model>,
}

impl Queue {
    /// The people answering the queue.
    pub fn agent_ids(&self) -> Vec<Uuid> {
        self.agents.iter().map(|a| a.person_id).collect()
    }
}

impl Centre {
    /// The weekly hours as the rules see them.
    pub fn periods(&self) -> Vec<OpeningPeriod> {
        self.opening_hours
            .iter()
            .map(|h| OpeningPeriod {
                weekday: h.weekday,
                opens: h.opens_at,
                closes: h.closes_at,
            })
            .collect()
    }

    /// The schedule `openAt` evaluates. A stored time zone that does not parse (the API never
    /// writes one) is read as Europe/London, as `routeCall` does.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            time_zone: rules::parse_time_zone(&self.centre.time_zone)
                .unwrap_or(chrono_tz::Europe::London),
            hours: self.periods(),
            closures: self
                .closures
                .iter()
                .map(|c| (c.on_date, c.reason.clone()))
                .collect(),
        }
    }

    /// The queue with this id.
    pub fn queue(&self, id: Uuid) -> Option<&Queue> {
        self.queues.iter().find(|q| q.queue.id == id)
    }

    /// True when the person answers any queue of the centre.
    pub fn is_agent(&self, person: Uuid) -> bool {
        self.queues
            .iter()
            .any(|q| q.agents.iter().any(|a| a.person_id == person))
    }
}

/// True when the caller configures the centres of this unit: administrators and the unit's
/// coordinators.
pub fn may_manage(principal: &Principal, unit_id: Uuid) -> bool {
    principal.is_admin() || principal.coordinates(unit_id)
}

/// True when the caller sees the centre: those who manage it, and its agents.
pub fn may_see(principal: &Principal, centre: &Centre) -> bool {
    may_manage(principal, centre.centre.unit_id)
        || principal.person_id.is_some_and(|me| centre.is_agent(me))
}

/// The queues the caller sees: all for those who manage the centre, else the ones they answer.
pub fn visible_queues<'a>(principal: &Principal, centre: &'a Centre) -> Vec<&'a Queue> {
    let all = may_manage(principal, centre.centre.unit_id);
    centre
        .queues
        .iter()
        .filter(|q| {
            all || principal
                .person_id
                .is_some_and(|me| q.agents.iter().any(|a| a.person_id == me))
        })
        .collect()
}

/// Loads the children of the given centres (four queries however many centres).
async fn with_children(
    db: &impl ConnectionTrait,
    centres: Vec<contact_centre::Model>,
) -> Result<Vec<Centre>, DbErr> {
    if centres.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = centres.iter().map(|c| c.id).collect();
    let hours = cc_opening_hours::Entity::find()
        .filter(cc_opening_hours::Column::CentreId.is_in(ids.clone()))
        .order_by_asc(cc_opening_hours::Column::Weekday)
        .order_by_asc(cc_opening_hours::Column::OpensAt)
        .order_by_asc(cc_opening_hours::Column::Id)
        .all(db)
        .await?;
    let closures = cc_closure::Entity::find()
        .filter(cc_closure::Column::CentreId.is_in(ids.clone()))
        .order_by_asc(cc_closure::Column::OnDate)
        .all(db)
        .await?;
    let queues = cc_queue::Entity::find()
        .filter(cc_queue::Column::CentreId.is_in(ids))
        .order_by_asc(cc_queue::Column::Position)
        .order_by_asc(cc_queue::Column::Id)
        .all(db)
        .await?;
    let agents = if queues.is_empty() {
        Vec::new()
    } else {
        cc_agent::Entity::find()
            .filter(cc_agent::Column::QueueId.is_in(queues.iter().map(|q| q.id)))
            .order_by_asc(cc_agent::Column::Id)
            .all(db)
            .await?
    };
    let mut agents_of: HashMap<Uuid, Vec<cc_agent::Model>> = HashMap::new();
    for a in agents {
        agents_of.entry(a.queue_id).or_default().push(a);
    }
    let mut out: Vec<Centre> = centres
        .into_iter()
        .map(|centre| Centre {
            centre,
            opening_hours: Vec::new(),
            closures: Vec::new(),
            queues: Vec::new(),
        })
        .collect();
    let index: HashMap<Uuid, usize> = out
        .iter()
        .enumerate()
        .map(|(i, c)| (c.centre.id, i))
        .collect();
    for h in hours {
        if let Some(&i) = index.get(&h.centre_id) {
            out[i].opening_hours.push(h);
        }
    }
    for c in closures {
        if let Some(&i) = index.get(&c.centre_id) {
            out[i].closures.push(c);
        }
    }
    for q in queues {
        if let Some(&i) = index.get(&q.centre_id) {
            let agents = agents_of.remove(&q.id).unwrap_or_default();
            out[i].queues.push(Queue { queue: q, agents });
        }
    }
    Ok(out)
}

async fn load_one(
    db: &impl ConnectionTrait,
    centre: contact_centre::Model,
) -> Result<Centre, DbErr> {
    let id = centre.id;
    with_children(db, vec![centre])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| DbErr::RecordNotFound(format!("contact centre {id}")))
}

/// One centre with its children; `None` when there is no such centre. Callers check
/// [`may_see`].
pub async fn find(db: &DatabaseConnection, id: Uuid) -> Result<Option<Centre>, DbErr> {
    match contact_centre::Entity::find_by_id(id).one(db).await? {
        Some(c) => Ok(Some(load_one(db, c).await?)),
        None => Ok(None),
    }
}

/// All centres (of one unit, when given) by name, with their children. Callers filter with
/// [`may_see`].
pub async fn list(db: &DatabaseConnection, unit_id: Option<Uuid>) -> Result<Vec<Centre>, DbErr> {
    let mut query = contact_centre::Entity::find()
        .order_by_asc(contact_centre::Column::Name)
        .order_by_asc(contact_centre::Column::Id);
    if let Some(unit_id) = unit_id {
        query = query.filter(contact_centre::Column::UnitId.eq(unit_id));
    }
    with_children(db, query.all(db).await?).await
}

// ---------------------------------------------------------------------------------------------
// Refusals

/// A user error at an input path such as `["input", "hours", "2", "closes"]`.
fn refuse(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> UserError {
    UserError::new(field, code, message)
}

/// A rule refusal as a user error: the coarse code from its category, the stable fine code
/// (e.g. `OVERLAPPING_HOURS`) at the end of the message.
fn refusal(field: &[&str], e: &GroupRefusal) -> UserError {
    refusal_with(field, e, e.to_string())
}

/// Like [`refusal`] with a message worded for contact centres.
fn refusal_with(field: &[&str], e: &GroupRefusal, message: String) -> UserError {
    UserError::refused(
        field.iter().map(|s| (*s).to_owned()).collect(),
        e,
        format!("{message} ({})", e.code()),
    )
}

macro_rules! try_refuse {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(user_error) => return Ok(Err(user_error)),
        }
    };
}

/// Bumps the centre's version from `expected` (the first statement of the transaction, see
/// the module notes) and returns the centre as it was before this change (version
/// `expected`), with its children. `id_field` names the input that led to the centre. A
/// centre the caller cannot see is NOT_FOUND; one they see but do not manage (an agent) is
/// NOT_ALLOWED; a moved version is CONFLICT.
async fn lock(
    txn: &DatabaseTransaction,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    id_field: &str,
) -> Result<Result<Centre, UserError>, DbErr> {
    let bumped = contact_centre::Entity::update_many()
        .col_expr(
            contact_centre::Column::Version,
            Expr::col(contact_centre::Column::Version).add(1),
        )
        .filter(contact_centre::Column::Id.eq(centre_id))
        .filter(contact_centre::Column::Version.eq(expected))
        .exec(txn)
        .await?
        .rows_affected;
    let not_found = || {
        refuse(
            &["input", id_field],
            UserErrorCode::NotFound,
            if id_field == "queueId" {
                "no such queue"
            } else {
                "no such contact centre"
            },
        )
    };
    let Some(row) = contact_centre::Entity::find_by_id(centre_id)
        .one(txn)
        .await?
    else {
        return Ok(Err(not_found()));
    };
    let centre = load_one(txn, row).await?;
    if !may_manage(principal, centre.centre.unit_id) {
        return Ok(Err(if may_see(principal, &centre) {
            refuse(
                &["input", id_field],
                UserErrorCode::NotAllowed,
                "only administrators and coordinators of the centre's unit change a contact centre",
            )
        } else {
            not_found()
        }));
    }
    if bumped == 0 {
        return Ok(Err(refuse(
            &["input", "expectedVersion"],
            UserErrorCode::Conflict,
            format!(
                "the contact centre is at version {}, not {expected}: it changed meanwhile; read it again and retry",
                centre.centre.version
            ),
        )));
    }
    // The centre as it was before this change (the bump is this change's own).
    let mut centre = centre;
    centre.centre.version = expected;
    Ok(Ok(centre))
}

/// The centre of a queue; queues never move between centres, so this is read before the
/// transaction (keeping the version bump its first statement).
async fn centre_of_queue(
    db: &DatabaseConnection,
    queue_id: Uuid,
) -> Result<Result<Uuid, UserError>, DbErr> {
    Ok(
        match cc_queue::Entity::find_by_id(queue_id).one(db).await? {
            Some(q) => Ok(q.centre_id),
            None => Err(refuse(
                &["input", "queueId"],
                UserErrorCode::NotFound,
                "no such queue",
            )),
        },
    )
}

fn entry(p: &person::Model) -> Entry {
    Entry {
        person_id: p.id,
        unit_id: p.unit_id,
        ex_directory: p.directory_status == DirectoryStatus::ExDirectory,
    }
}

/// Checks that a destination can be used by this centre: its hunt group or person exists (and
/// the person is visible to the caller), a number is not the centre's own pilot number (the
/// call would come straight back), and VOICEMAIL has a pilot line whose mailbox takes it.
async fn check_destination(
    txn: &DatabaseTransaction,
    principal: &Principal,
    fallback: &Fallback,
    pilot: Option<&line::Model>,
    field: &[&str],
) -> Result<Result<(), UserError>, DbErr> {
    Ok(match fallback {
        Fallback::None => Ok(()),
        Fallback::Voicemail if pilot.is_none() => Err(refuse(
            field,
            UserErrorCode::RuleViolation,
            "the centre has no pilot line, so no mailbox to take calls (NO_MAILBOX)",
        )),
        Fallback::Voicemail => Ok(()),
        Fallback::Number(n) => {
            let own = pilot.and_then(|l| E164::parse_loose(&l.e164).ok());
            if own.as_ref() == Some(n) {
                Err(refuse(
                    field,
                    UserErrorCode::RuleViolation,
                    format!(
                        "{n} is the centre's own number: calls would come straight back (FALLBACK_LOOP)"
                    ),
                ))
            } else {
                Ok(())
            }
        }
        Fallback::HuntGroup(id) => match hunt_group::Entity::find_by_id(*id).one(txn).await? {
            Some(_) => Ok(()),
            None => Err(refuse(field, UserErrorCode::NotFound, "no such hunt group")),
        },
        Fallback::Person(id) => match person::Entity::find_by_id(*id).one(txn).await? {
            Some(p) if visibility::can_see(principal, entry(&p)) => Ok(()),
            _ => Err(refusal(field, &GroupRefusal::UnknownPerson(*id))),
        },
    })
}

async fn pilot_of(
    txn: &DatabaseTransaction,
    centre: &contact_centre::Model,
) -> Result<Option<line::Model>, DbErr> {
    match centre.pilot_line_id {
        Some(id) => line::Entity::find_by_id(id).one(txn).await,
        None => Ok(None),
    }
}

/// Records the event and commits.
async fn finish(
    txn: DatabaseTransaction,
    principal: &Principal,
    action: &str,
    centre_id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), DbErr> {
    audit::record(
        &txn,
        principal,
        action,
        Subject::new(SUBJECT, centre_id),
        before,
        after,
    )
    .await?;
    txn.commit().await
}

fn index(i: usize) -> String {
    i.to_string()
}

// ---------------------------------------------------------------------------------------------
// Centres

/// A new contact centre.
#[derive(Clone, Debug)]
pub struct NewCentre {
    pub unit_id: Uuid,
    pub name: String,
    /// The number callers dial: a shared or critical line that pilots nothing else.
    pub pilot_line_id: Uuid,
    pub time_zone: String,
    pub out_of_hours: Fallback,
}

/// Creates a contact centre (administrators only): no opening hours (so closed) and no queues
/// until they are set.
pub async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewCentre,
) -> Outcome<Centre> {
    if !principal.is_admin() {
        return Ok(Err(refuse(
            &[],
            UserErrorCode::NotAllowed,
            "only administrators create contact centres",
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    if unit::Entity::find_by_id(new.unit_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Ok(Err(refuse(
            &["input", "unitId"],
            UserErrorCode::NotFound,
            "no such unit",
        )));
    }
    let name = try_refuse!(validate_name(&new.name).map_err(|e| refusal(&["input", "name"], &e)));
    let taken = contact_centre::Entity::find()
        .filter(contact_centre::Column::UnitId.eq(new.unit_id))
        .all(&txn)
        .await?
        .iter()
        .any(|c| c.name.to_lowercase() == name.to_lowercase());
    if taken {
        return Ok(Err(refuse(
            &["input", "name"],
            UserErrorCode::Duplicate,
            format!("the unit already has a contact centre called {name:?} (DUPLICATE_NAME)"),
        )));
    }
    let time_zone = try_refuse!(
        rules::parse_time_zone(&new.time_zone).map_err(|e| refusal(&["input", "timeZone"], &e))
    );
    let Some(pilot) = line::Entity::find_by_id(new.pilot_line_id)
        .one(&txn)
        .await?
    else {
        return Ok(Err(refuse(
            &["input", "pilotLineId"],
            UserErrorCode::NotFound,
            "no such line",
        )));
    };
    if pilot.kind == LineKind::Personal {
        return Ok(Err(refuse(
            &["input", "pilotLineId"],
            UserErrorCode::RuleViolation,
            "a personal line belongs to one person: a contact centre's number is a shared or critical line (PILOT_LINE_PERSONAL)",
        )));
    }
    let piloted = contact_centre::Entity::find()
        .filter(contact_centre::Column::PilotLineId.eq(pilot.id))
        .one(&txn)
        .await?
        .is_some()
        || hunt_group::Entity::find()
            .filter(hunt_group::Column::PilotLineId.eq(pilot.id))
            .one(&txn)
            .await?
            .is_some();
    if piloted {
        return Ok(Err(refuse(
            &["input", "pilotLineId"],
            UserErrorCode::Duplicate,
            format!(
                "{} already pilots a contact centre or hunt group (PILOT_LINE_IN_USE)",
                pilot.e164
            ),
        )));
    }
    try_refuse!(
        check_destination(
            &txn,
            principal,
            &new.out_of_hours,
            Some(&pilot),
            &["input", "outOfHours"]
        )
        .await?
    );
    let row = contact_centre::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        unit_id: Set(new.unit_id),
        pilot_line_id: Set(Some(pilot.id)),
        time_zone: Set(time_zone.name().to_owned()),
        out_of_hours_kind: Set(new.out_of_hours.kind()),
        out_of_hours_target: Set(new.out_of_hours.target()),
        created_at: Set(Utc::now()),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    let after = load_one(&txn, row).await?;
    finish(
        txn,
        principal,
        "contact_centre.create",
        after.centre.id,
        None,
        Some(audit::snapshot(&after.centre)),
    )
    .await?;
    Ok(Ok(after))
}

/// Changes to a centre itself; `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct CentreChanges {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub out_of_hours: Option<Fallback>,
}

/// Renames a centre, moves its opening hours to another time zone (the wall-clock hours stay
/// as they are) or changes its out-of-hours destination.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    changes: CentreChanges,
) -> Outcome<Centre> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    let mut active: contact_centre::ActiveModel = before.centre.clone().into();
    if let Some(name) = &changes.name {
        let name = try_refuse!(validate_name(name).map_err(|e| refusal(&["input", "name"], &e)));
        let taken = contact_centre::Entity::find()
            .filter(contact_centre::Column::UnitId.eq(before.centre.unit_id))
            .filter(contact_centre::Column::Id.ne(centre_id))
            .all(&txn)
            .await?
            .iter()
            .any(|c| c.name.to_lowercase() == name.to_lowercase());
        if taken {
            return Ok(Err(refuse(
                &["input", "name"],
                UserErrorCode::Duplicate,
                format!("the unit already has a contact centre called {name:?} (DUPLICATE_NAME)"),
            )));
        }
        active.name = Set(name);
    }
    if let Some(tz) = &changes.time_zone {
        let tz = try_refuse!(
            rules::parse_time_zone(tz).map_err(|e| refusal(&["input", "timeZone"], &e))
        );
        active.time_zone = Set(tz.name().to_owned());
    }
    if let Some(fallback) = &changes.out_of_hours {
        let pilot = pilot_of(&txn, &before.centre).await?;
        try_refuse!(
            check_destination(
                &txn,
                principal,
                fallback,
                pilot.as_ref(),
                &["input", "outOfHours"]
            )
            .await?
        );
        active.out_of_hours_kind = Set(fallback.kind());
        active.out_of_hours_target = Set(fallback.target());
    }
    if active.is_changed() {
        active.update(&txn).await?;
    }
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.update",
        centre_id,
        Some(audit::snapshot(&before.centre)),
        Some(audit::snapshot(&after.centre)),
    )
    .await?;
    Ok(Ok(after))
}

/// The opening hours as words, for the audit trail.
fn hours_words(centre: &Centre) -> serde_json::Value {
    let words: Vec<String> = centre.periods().iter().map(|p| p.to_string()).collect();
    json!({ "version": centre.centre.version, "openingHours": words })
}

/// Replaces the whole week of opening hours. The rule is
/// [`rules::validate_opening_hours`]: weekdays 1–7, each period closing after it opens (00:00
/// closes at midnight), no two periods of one day overlapping; an empty week is always closed.
pub async fn set_opening_hours(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    periods: Vec<OpeningPeriod>,
) -> Outcome<Centre> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    if periods.len() > MAX_PERIODS {
        return Ok(Err(refuse(
            &["input", "hours"],
            UserErrorCode::Invalid,
            format!("a week has at most {MAX_PERIODS} opening periods"),
        )));
    }
    if let Err(e) = rules::validate_opening_hours(&periods) {
        let err = match &e {
            GroupRefusal::InvalidWeekday { index: i, .. } => {
                refusal(&["input", "hours", &index(*i), "weekday"], &e)
            }
            GroupRefusal::InvertedHours { index: i } => {
                refusal(&["input", "hours", &index(*i), "closes"], &e)
            }
            GroupRefusal::OverlappingHours { second, .. } => {
                refusal(&["input", "hours", &index(*second)], &e)
            }
            _ => refusal(&["input", "hours"], &e),
        };
        return Ok(Err(err));
    }
    cc_opening_hours::Entity::delete_many()
        .filter(cc_opening_hours::Column::CentreId.eq(centre_id))
        .exec(&txn)
        .await?;
    if !periods.is_empty() {
        cc_opening_hours::Entity::insert_many(periods.iter().map(|p| {
            cc_opening_hours::ActiveModel {
                id: Set(Uuid::now_v7()),
                centre_id: Set(centre_id),
                weekday: Set(p.weekday),
                opens_at: Set(p.opens),
                closes_at: Set(p.closes),
            }
        }))
        .exec(&txn)
        .await?;
    }
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.set_opening_hours",
        centre_id,
        Some(hours_words(&before)),
        Some(hours_words(&after)),
    )
    .await?;
    Ok(Ok(after))
}

/// Reloads a centre row (its version moved) with its children.
async fn refreshed(txn: &DatabaseTransaction, centre: Centre) -> Result<Centre, DbErr> {
    match contact_centre::Entity::find_by_id(centre.centre.id)
        .one(txn)
        .await?
    {
        Some(row) => load_one(txn, row).await,
        None => Ok(centre),
    }
}

fn closures_json(centre: &Centre) -> serde_json::Value {
    let days: Vec<serde_json::Value> = centre
        .closures
        .iter()
        .map(|c| json!({ "date": c.on_date, "reason": c.reason }))
        .collect();
    json!({ "version": centre.centre.version, "closures": days })
}

/// A closure reason: trimmed, 1 to [`MAX_REASON_CHARS`] characters, no control characters.
fn closure_reason(reason: &str) -> Option<String> {
    let trimmed = reason.trim();
    let chars = trimmed.chars().count();
    (chars > 0 && chars <= MAX_REASON_CHARS && !trimmed.chars().any(char::is_control))
        .then(|| trimmed.to_owned())
}

/// Adds closure days (local dates of the centre, e.g. bank holidays). A date given twice, or
/// one that is already a closure, is refused (DUPLICATE_CLOSURE).
pub async fn add_closures(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    closures: Vec<(NaiveDate, String)>,
) -> Outcome<Centre> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    if closures.is_empty() || closures.len() > MAX_CLOSURES_PER_CHANGE {
        return Ok(Err(refuse(
            &["input", "closures"],
            UserErrorCode::Invalid,
            format!("give 1 to {MAX_CLOSURES_PER_CHANGE} closure days"),
        )));
    }
    let existing: HashMap<NaiveDate, &str> = before
        .closures
        .iter()
        .map(|c| (c.on_date, c.reason.as_str()))
        .collect();
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(closures.len());
    for (i, (date, reason)) in closures.iter().enumerate() {
        let at = index(i);
        if !seen.insert(*date) {
            return Ok(Err(refusal(
                &["input", "closures", &at, "date"],
                &GroupRefusal::DuplicateClosure(*date),
            )));
        }
        if let Some(why) = existing.get(date) {
            let e = GroupRefusal::DuplicateClosure(*date);
            return Ok(Err(refusal_with(
                &["input", "closures", &at, "date"],
                &e,
                format!("{date} is already a closure ({why})"),
            )));
        }
        let Some(reason) = closure_reason(reason) else {
            return Ok(Err(refuse(
                &["input", "closures", &at, "reason"],
                UserErrorCode::Invalid,
                format!("a reason needs 1 to {MAX_REASON_CHARS} characters"),
            )));
        };
        rows.push(cc_closure::ActiveModel {
            id: Set(Uuid::now_v7()),
            centre_id: Set(centre_id),
            on_date: Set(*date),
            reason: Set(reason),
        });
    }
    cc_closure::Entity::insert_many(rows).exec(&txn).await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.add_closures",
        centre_id,
        Some(closures_json(&before)),
        Some(closures_json(&after)),
    )
    .await?;
    Ok(Ok(after))
}

/// Removes closure days. A date given twice is refused (DUPLICATE_CLOSURE), as is one that is
/// not a closure (NOT_A_CLOSURE).
pub async fn remove_closures(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    dates: Vec<NaiveDate>,
) -> Outcome<Centre> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    if dates.is_empty() || dates.len() > MAX_CLOSURES_PER_CHANGE {
        return Ok(Err(refuse(
            &["input", "dates"],
            UserErrorCode::Invalid,
            format!("give 1 to {MAX_CLOSURES_PER_CHANGE} dates"),
        )));
    }
    let existing: HashSet<NaiveDate> = before.closures.iter().map(|c| c.on_date).collect();
    let mut seen = HashSet::new();
    for (i, date) in dates.iter().enumerate() {
        let at = index(i);
        if !seen.insert(*date) {
            return Ok(Err(refusal(
                &["input", "dates", &at],
                &GroupRefusal::DuplicateClosure(*date),
            )));
        }
        if !existing.contains(date) {
            return Ok(Err(refuse(
                &["input", "dates", &at],
                UserErrorCode::NotFound,
                format!("{date} is not a closure of this centre (NOT_A_CLOSURE)"),
            )));
        }
    }
    cc_closure::Entity::delete_many()
        .filter(cc_closure::Column::CentreId.eq(centre_id))
        .filter(cc_closure::Column::OnDate.is_in(dates))
        .exec(&txn)
        .await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.remove_closures",
        centre_id,
        Some(closures_json(&before)),
        Some(closures_json(&after)),
    )
    .await?;
    Ok(Ok(after))
}

// ---------------------------------------------------------------------------------------------
// Queues

/// Callers waiting at once in a new queue when none is given (the demo's first queue).
pub const DEFAULT_MAX_WAITING: i32 = 10;

/// Longest wait in a new queue when none is given: five minutes.
pub const DEFAULT_MAX_WAIT_SECONDS: i32 = 300;

/// A new queue.
#[derive(Clone, Debug)]
pub struct NewQueue {
    pub name: String,
    pub max_waiting: i32,
    pub max_wait_seconds: i32,
    pub overflow: Fallback,
    /// 1-based place among the centre's queues; `None` puts it last.
    pub position: Option<i32>,
    /// First agents, checked as [`add_agents`] checks them.
    pub agents: Vec<Uuid>,
}

/// Changes to a queue; `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct QueueChanges {
    pub name: Option<String>,
    pub max_waiting: Option<i32>,
    pub max_wait_seconds: Option<i32>,
    pub overflow: Option<Fallback>,
    pub position: Option<i32>,
}

fn queue_json(queue: Option<&Queue>, version: i32) -> serde_json::Value {
    json!({ "version": version, "queue": queue })
}

/// A unique (case-insensitive) queue name within the centre.
fn queue_name(centre: &Centre, name: &str, except: Option<Uuid>) -> Result<String, UserError> {
    let name = validate_name(name).map_err(|e| refusal(&["input", "name"], &e))?;
    let lower = name.to_lowercase();
    if centre
        .queues
        .iter()
        .any(|q| Some(q.queue.id) != except && q.queue.name.to_lowercase() == lower)
    {
        return Err(refuse(
            &["input", "name"],
            UserErrorCode::Duplicate,
            format!("the centre already has a queue called {name:?} (DUPLICATE_NAME)"),
        ));
    }
    Ok(name)
}

fn queue_limits(max_waiting: i32, max_wait_seconds: i32) -> Result<(), UserError> {
    rules::validate_queue_limits(max_waiting, max_wait_seconds).map_err(|e| {
        let field = match e {
            GroupRefusal::MaxWaitOutOfRange(_) => "maxWaitSeconds",
            _ => "maxWaiting",
        };
        refusal(&["input", field], &e)
    })
}

fn position_in(position: i32, count: usize) -> Result<usize, UserError> {
    usize::try_from(position)
        .ok()
        .filter(|p| (1..=count).contains(p))
        .ok_or_else(|| {
            refuse(
                &["input", "position"],
                UserErrorCode::Invalid,
                format!("a position is 1 to {count}, not {position} (POSITION_OUT_OF_RANGE)"),
            )
        })
}

/// Gives the queues positions 1, 2, … in the given order, writing only those that move.
async fn renumber(txn: &DatabaseTransaction, centre: &Centre, order: &[Uuid]) -> Result<(), DbErr> {
    let current: HashMap<Uuid, i32> = centre
        .queues
        .iter()
        .map(|q| (q.queue.id, q.queue.position))
        .collect();
    for (i, id) in order.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        if current.get(id) != Some(&position) {
            cc_queue::Entity::update_many()
                .col_expr(cc_queue::Column::Position, Expr::value(position))
                .filter(cc_queue::Column::Id.eq(*id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Checks new agents for a queue: each person exists and is visible to the caller, is not
/// given twice nor already an agent, and is on Chorus ([`rules::may_add_agent`]: contact
/// centres stay on Chorus). `field` is the input list's name.
async fn check_agents(
    txn: &DatabaseTransaction,
    principal: &Principal,
    current: &[Uuid],
    people: &[Uuid],
    field: &str,
) -> Result<Result<(), UserError>, DbErr> {
    if people.len() > MAX_AGENTS_PER_CHANGE {
        return Ok(Err(refuse(
            &["input", field],
            UserErrorCode::Invalid,
            format!("give at most {MAX_AGENTS_PER_CHANGE} people at once"),
        )));
    }
    let found: HashMap<Uuid, person::Model> = if people.is_empty() {
        HashMap::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(people.iter().copied()))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    let mut agents = current.to_vec();
    for (i, id) in people.iter().enumerate() {
        let at = index(i);
        let path = ["input", field, at.as_str()];
        let Some(p) = found
            .get(id)
            .filter(|p| visibility::can_see(principal, entry(p)))
        else {
            return Ok(Err(refusal(&path, &GroupRefusal::UnknownPerson(*id))));
        };
        if !visibility::may_enrol(principal, entry(p)) {
            return Ok(Err(refuse(
                &path,
                UserErrorCode::NotAllowed,
                "only people of your own units can be made agents",
            )));
        }
        let candidate = Candidate {
            person_id: p.id,
            platform: p.platform,
        };
        if let Err(e) = rules::may_add_agent(&agents, candidate) {
            let message = match &e {
                GroupRefusal::DuplicateMember(_) if current.contains(id) => {
                    format!("{} is already an agent of this queue", p.display_name)
                }
                GroupRefusal::DuplicateMember(_) => {
                    format!("{} is listed twice", p.display_name)
                }
                GroupRefusal::AgentOnTeams(_) => format!(
                    "{} is on Telephony over Teams: contact centres stay on Chorus, so agents must be on Chorus",
                    p.display_name
                ),
                other => other.to_string(),
            };
            return Ok(Err(refusal_with(&path, &e, message)));
        }
        agents.push(*id);
    }
    Ok(Ok(()))
}

async fn insert_agents(
    txn: &DatabaseTransaction,
    queue_id: Uuid,
    people: &[Uuid],
) -> Result<(), DbErr> {
    if people.is_empty() {
        return Ok(());
    }
    cc_agent::Entity::insert_many(people.iter().map(|p| cc_agent::ActiveModel {
        id: Set(Uuid::now_v7()),
        queue_id: Set(queue_id),
        person_id: Set(*p),
    }))
    .exec(txn)
    .await?;
    Ok(())
}

/// Adds a queue to a centre at `position` (the queues after it move down one), with its
/// limits ([`rules::validate_queue_limits`]), overflow destination and first agents. Returns
/// the centre and the new queue's id.
pub async fn create_queue(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    new: NewQueue,
) -> Outcome<(Centre, Uuid)> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    let name = try_refuse!(queue_name(&before, &new.name, None));
    try_refuse!(queue_limits(new.max_waiting, new.max_wait_seconds));
    let pilot = pilot_of(&txn, &before.centre).await?;
    try_refuse!(
        check_destination(
            &txn,
            principal,
            &new.overflow,
            pilot.as_ref(),
            &["input", "overflow"]
        )
        .await?
    );
    let count = before.queues.len() + 1;
    let position = match new.position {
        Some(p) => try_refuse!(position_in(p, count)),
        None => count,
    };
    try_refuse!(check_agents(&txn, principal, &[], &new.agents, "agentIds").await?);
    let id = Uuid::now_v7();
    cc_queue::ActiveModel {
        id: Set(id),
        centre_id: Set(centre_id),
        name: Set(name),
        max_waiting: Set(new.max_waiting),
        max_wait_seconds: Set(new.max_wait_seconds),
        overflow_kind: Set(new.overflow.kind()),
        overflow_target: Set(new.overflow.target()),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
    }
    .insert(&txn)
    .await?;
    let mut order: Vec<Uuid> = before.queues.iter().map(|q| q.queue.id).collect();
    order.insert(position - 1, id);
    renumber(&txn, &before, &order).await?;
    insert_agents(&txn, id, &new.agents).await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.create",
        centre_id,
        None,
        Some(queue_json(after.queue(id), after.centre.version)),
    )
    .await?;
    Ok(Ok((after, id)))
}

/// Changes a queue's name, limits, overflow destination or position (the queues between its
/// old and new place shift by one).
pub async fn update_queue(
    db: &DatabaseConnection,
    principal: &Principal,
    queue_id: Uuid,
    expected: i32,
    changes: QueueChanges,
) -> Outcome<(Centre, Uuid)> {
    let centre_id = try_refuse!(centre_of_queue(db, queue_id).await?);
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "queueId").await?);
    let Some(queue) = before.queue(queue_id).cloned() else {
        return Ok(Err(refuse(
            &["input", "queueId"],
            UserErrorCode::NotFound,
            "no such queue",
        )));
    };
    let mut active: cc_queue::ActiveModel = queue.queue.clone().into();
    if let Some(name) = &changes.name {
        active.name = Set(try_refuse!(queue_name(&before, name, Some(queue_id))));
    }
    let max_waiting = changes.max_waiting.unwrap_or(queue.queue.max_waiting);
    let max_wait_seconds = changes
        .max_wait_seconds
        .unwrap_or(queue.queue.max_wait_seconds);
    try_refuse!(queue_limits(max_waiting, max_wait_seconds));
    if changes.max_waiting.is_some() {
        active.max_waiting = Set(max_waiting);
    }
    if changes.max_wait_seconds.is_some() {
        active.max_wait_seconds = Set(max_wait_seconds);
    }
    if let Some(fallback) = &changes.overflow {
        let pilot = pilot_of(&txn, &before.centre).await?;
        try_refuse!(
            check_destination(
                &txn,
                principal,
                fallback,
                pilot.as_ref(),
                &["input", "overflow"]
            )
            .await?
        );
        active.overflow_kind = Set(fallback.kind());
        active.overflow_target = Set(fallback.target());
    }
    let new_position = match changes.position {
        Some(p) => Some(try_refuse!(position_in(p, before.queues.len()))),
        None => None,
    };
    if active.is_changed() {
        active.update(&txn).await?;
    }
    if let Some(position) = new_position {
        let mut order: Vec<Uuid> = before
            .queues
            .iter()
            .map(|q| q.queue.id)
            .filter(|id| *id != queue_id)
            .collect();
        order.insert(position - 1, queue_id);
        renumber(&txn, &before, &order).await?;
    }
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.update",
        centre_id,
        Some(queue_json(Some(&queue), before.centre.version)),
        Some(queue_json(after.queue(queue_id), after.centre.version)),
    )
    .await?;
    Ok(Ok((after, queue_id)))
}

/// Removes a queue and its agents; the queues after it move up one.
pub async fn remove_queue(
    db: &DatabaseConnection,
    principal: &Principal,
    queue_id: Uuid,
    expected: i32,
) -> Outcome<Centre> {
    let centre_id = try_refuse!(centre_of_queue(db, queue_id).await?);
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "queueId").await?);
    let Some(queue) = before.queue(queue_id).cloned() else {
        return Ok(Err(refuse(
            &["input", "queueId"],
            UserErrorCode::NotFound,
            "no such queue",
        )));
    };
    cc_agent::Entity::delete_many()
        .filter(cc_agent::Column::QueueId.eq(queue_id))
        .exec(&txn)
        .await?;
    cc_queue::Entity::delete_by_id(queue_id).exec(&txn).await?;
    let order: Vec<Uuid> = before
        .queues
        .iter()
        .map(|q| q.queue.id)
        .filter(|id| *id != queue_id)
        .collect();
    renumber(&txn, &before, &order).await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.remove",
        centre_id,
        Some(queue_json(Some(&queue), before.centre.version)),
        Some(queue_json(None, after.centre.version)),
    )
    .await?;
    Ok(Ok(after))
}

/// Adds agents to a queue: see [`check_agents`] for the rules.
pub async fn add_agents(
    db: &DatabaseConnection,
    principal: &Principal,
    queue_id: Uuid,
    expected: i32,
    people: Vec<Uuid>,
) -> Outcome<(Centre, Uuid)> {
    let centre_id = try_refuse!(centre_of_queue(db, queue_id).await?);
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "queueId").await?);
    let Some(queue) = before.queue(queue_id).cloned() else {
        return Ok(Err(refuse(
            &["input", "queueId"],
            UserErrorCode::NotFound,
            "no such queue",
        )));
    };
    if people.is_empty() {
        return Ok(Err(refuse(
            &["input", "personIds"],
            UserErrorCode::Invalid,
            "give at least one person",
        )));
    }
    try_refuse!(check_agents(&txn, principal, &queue.agent_ids(), &people, "personIds").await?);
    insert_agents(&txn, queue_id, &people).await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.add_agents",
        centre_id,
        Some(queue_json(Some(&queue), before.centre.version)),
        Some(queue_json(after.queue(queue_id), after.centre.version)),
    )
    .await?;
    Ok(Ok((after, queue_id)))
}

/// Removes agents from a queue. Each must be an agent of it (NOT_A_MEMBER), given once
/// (DUPLICATE_MEMBER), and the queue is never emptied by removal (LAST_MEMBER): a queue without
/// agents overflows every call, so that takes removing the queue, a deliberate act.
pub async fn remove_agents(
    db: &DatabaseConnection,
    principal: &Principal,
    queue_id: Uuid,
    expected: i32,
    people: Vec<Uuid>,
) -> Outcome<(Centre, Uuid)> {
    let centre_id = try_refuse!(centre_of_queue(db, queue_id).await?);
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "queueId").await?);
    let Some(queue) = before.queue(queue_id).cloned() else {
        return Ok(Err(refuse(
            &["input", "queueId"],
            UserErrorCode::NotFound,
            "no such queue",
        )));
    };
    if people.is_empty() || people.len() > MAX_AGENTS_PER_CHANGE {
        return Ok(Err(refuse(
            &["input", "personIds"],
            UserErrorCode::Invalid,
            format!("give 1 to {MAX_AGENTS_PER_CHANGE} people"),
        )));
    }
    let mut remaining = queue.agent_ids();
    let mut seen = HashSet::new();
    for (i, id) in people.iter().enumerate() {
        let at = index(i);
        let path = ["input", "personIds", at.as_str()];
        if !seen.insert(*id) {
            let e = GroupRefusal::DuplicateMember(*id);
            return Ok(Err(refusal_with(
                &path,
                &e,
                "this person is listed twice".into(),
            )));
        }
        if let Err(e) = may_remove_member(&remaining, *id) {
            let message = match &e {
                GroupRefusal::NotAMember(_) => "this person is not an agent of the queue".into(),
                GroupRefusal::LastMember => {
                    "the queue would be left without agents: add another agent first, or remove the queue"
                        .into()
                }
                other => other.to_string(),
            };
            return Ok(Err(refusal_with(&path, &e, message)));
        }
        remaining.retain(|p| p != id);
    }
    cc_agent::Entity::delete_many()
        .filter(cc_agent::Column::QueueId.eq(queue_id))
        .filter(cc_agent::Column::PersonId.is_in(people))
        .exec(&txn)
        .await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.remove_agents",
        centre_id,
        Some(queue_json(Some(&queue), before.centre.version)),
        Some(queue_json(after.queue(queue_id), after.centre.version)),
    )
    .await?;
    Ok(Ok((after, queue_id)))
}

// ---------------------------------------------------------------------------------------------
// Open or closed

/// How far ahead [`Schedule::next_change`] looks: over a year, so a centre closed for a long
/// holiday still reports when it reopens.
pub const NEXT_CHANGE_HORIZON_DAYS: i64 = 400;

/// Earliest and latest years `openAt` evaluates (time-zone rules outside them are guesses).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// When a centre is open: weekly periods on the wall clock of its time zone, and closure days
/// (local dates) on which it is closed all day whatever the hours say.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// The centre's time zone.
    pub time_zone: Tz,
    /// The weekly opening periods, local wall-clock time.
    pub hours: Vec<OpeningPeriod>,
    /// Closure days and why.
    pub closures: HashMap<NaiveDate, String>,
}

/// Whether a centre is open at an instant, why, and when that next changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenState {
    /// Open (calls join a queue) or closed (calls go to the out-of-hours destination).
    pub open: bool,
    /// Why, in words: `open: Monday 08:30–18:00`, `closed: Christmas Day`, …
    pub reason: String,
    /// The first instant after `at` at which `open` flips; `None` when it does not within
    /// [`NEXT_CHANGE_HORIZON_DAYS`].
    pub next_change: Option<DateTime<Utc>>,
    /// The instant on the centre's wall clock.
    pub local_time: DateTime<Tz>,
}

fn iso_weekday(date: NaiveDate) -> i16 {
    // 1..=7 always fits.
    i16::try_from(date.weekday().number_from_monday()).unwrap_or(0)
}

impl Schedule {
    /// Open or closed at `at`. The rule (the same as `routeCall`'s): take the wall-clock date
    /// and time in the centre's zone; closed all day on a closure date; otherwise open when a
    /// period of that weekday contains the time (opening inclusive, closing exclusive, 00:00
    /// closing = midnight). Wall-clock hours make the March and October clock changes right by
    /// construction: 08:30 is 08:30 whether it is GMT or BST.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.open_period(at).is_some()
    }

    fn open_period(&self, at: DateTime<Utc>) -> Option<&OpeningPeriod> {
        let local = at.with_timezone(&self.time_zone);
        let date = local.date_naive();
        if self.closures.contains_key(&date) {
            return None;
        }
        let weekday = iso_weekday(date);
        let time = local.time();
        self.hours
            .iter()
            .find(|p| p.weekday == weekday && p.contains(time))
    }

    /// The state at `at`, with its reason and next change.
    pub fn state(&self, at: DateTime<Utc>) -> OpenState {
        let local = at.with_timezone(&self.time_zone);
        let date = local.date_naive();
        let weekday = iso_weekday(date);
        let reason = if let Some(why) = self.closures.get(&date) {
            format!("closed: {why}")
        } else if let Some(period) = self.open_period(at) {
            format!("open: {period}")
        } else {
            let today: Vec<String> = self
                .hours
                .iter()
                .filter(|p| p.weekday == weekday)
                .map(|p| p.to_string())
                .collect();
            if today.is_empty() {
                format!("closed: no opening hours on {}s", weekday_name(weekday))
            } else {
                format!("closed: outside opening hours ({})", today.join(", "))
            }
        };
        OpenState {
            open: self.is_open(at),
            reason,
            next_change: self.next_change(at),
            local_time: local,
        }
    }

    /// The first instant after `at` at which [`Schedule::is_open`] flips, within
    /// [`NEXT_CHANGE_HORIZON_DAYS`].
    ///
    /// The state depends only on the local date and time, so it can change only at an instant
    /// whose wall clock shows a boundary (local midnight, an opening or closing time) or at a
    /// clock change (when the wall clock jumps). Those instants are the candidates: a boundary
    /// that happens twice (the repeated hour in October) gives both instants; one that does
    /// not happen (the skipped hour in March) gives none, and the clock change itself stands
    /// for it. The answer is the first candidate whose state differs from now.
    pub fn next_change(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let horizon = at.checked_add_signed(TimeDelta::days(NEXT_CHANGE_HORIZON_DAYS))?;
        let open_now = self.is_open(at);
        let mut candidates = self.clock_changes(at, horizon);
        let first_day = at.with_timezone(&self.time_zone).date_naive().pred_opt()?;
        let days = usize::try_from(NEXT_CHANGE_HORIZON_DAYS + 3).unwrap_or(0);
        for day in first_day.iter_days().take(days) {
            let weekday = iso_weekday(day);
            let boundaries = std::iter::once(NaiveTime::MIN).chain(
                self.hours
                    .iter()
                    .filter(|p| p.weekday == weekday)
                    .flat_map(|p| [p.opens, p.closes]),
            );
            for time in boundaries {
                match self.time_zone.from_local_datetime(&day.and_time(time)) {
                    LocalResult::Single(t) => candidates.push(t.with_timezone(&Utc)),
                    LocalResult::Ambiguous(a, b) => {
                        candidates.push(a.with_timezone(&Utc));
                        candidates.push(b.with_timezone(&Utc));
                    }
                    LocalResult::None => {}
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter(|c| *c > at && *c <= horizon)
            .find(|c| self.is_open(*c) != open_now)
    }

    /// The instants in `(from, until]` at which the zone's UTC offset changes. Scans in steps
    /// of six hours (clock changes are months apart) and narrows each change to the second.
    fn clock_changes(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        const STEP_SECONDS: i64 = 6 * 3600;
        let tz = self.time_zone;
        let offset = |secs: i64| {
            DateTime::from_timestamp(secs, 0)
                .map(|t| tz.offset_from_utc_datetime(&t.naive_utc()).fix())
        };
        let mut out = Vec::new();
        let (mut lo, end) = (from.timestamp(), until.timestamp());
        while lo < end {
            let hi = lo + STEP_SECONDS;
            let (Some(before), Some(after)) = (offset(lo), offset(hi)) else {
                break;
            };
            if before != after {
                let (mut a, mut b) = (lo, hi);
                while b - a > 1 {
                    let mid = a + (b - a) / 2;
                    if offset(mid) == Some(before) {
                        a = mid;
                    } else {
                        b = mid;
                    }
                }
                out.extend(DateTime::from_timestamp(b, 0));
            }
            lo = hi;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("test value")
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("test value")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test value")
    }

    fn period(weekday: i16, opens: NaiveTime, closes: NaiveTime) -> OpeningPeriod {
        OpeningPeriod {
            weekday,
            opens,
            closes,
        }
    }

    /// The IT Service Desk: weekdays 08:30–18:00, Saturdays 09:00–13:00.
    fn service_desk() -> Schedule {
        let mut hours: Vec<OpeningPeriod> =
            (1..=5).map(|d| period(d, t(8, 30), t(18, 0))).collect();
        hours.push(period(6, t(9, 0), t(13, 0)));
        Schedule {
            time_zone: chrono_tz::Europe::London,
            hours,
            closures: [
                (date(2026, 12, 25), "Christmas Day".to_owned()),
                (date(2026, 12, 28), "Boxing Day (substitute day)".to_owned()),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn open_and_next_change_across_the_2026_clock_changes() {
        let desk = service_desk();
        // (instant, open, reason starts with, next change)
        let cases = [
            // Monday after the March change: 08:30 BST is 07:30 UTC.
            (
                utc(2026, 3, 30, 7, 29),
                false,
                "closed: outside",
                Some(utc(2026, 3, 30, 7, 30)),
            ),
            (
                utc(2026, 3, 30, 7, 30),
                true,
                "open: Monday 08:30–18:00",
                Some(utc(2026, 3, 30, 17, 0)),
            ),
            // Monday after the October change: 08:30 GMT is 08:30 UTC.
            (
                utc(2026, 10, 26, 7, 30),
                false,
                "closed: outside",
                Some(utc(2026, 10, 26, 8, 30)),
            ),
            (
                utc(2026, 10, 26, 8, 30),
                true,
                "open: Monday",
                Some(utc(2026, 10, 26, 18, 0)),
            ),
            // Saturday before the March change closes at 13:00 GMT; Sunday has no hours; the
            // next opening is Monday 08:30 BST.
            (
                utc(2026, 3, 28, 13, 0),
                false,
                "closed: outside",
                Some(utc(2026, 3, 30, 7, 30)),
            ),
            (
                utc(2026, 3, 29, 12, 0),
                false,
                "closed: no opening hours on Sundays",
                Some(utc(2026, 3, 30, 7, 30)),
            ),
            // Friday evening before the October change (BST) to Saturday morning (BST), and
            // Saturday 13:00 BST to Monday 08:30 GMT.
            (
                utc(2026, 10, 23, 17, 0),
                false,
                "closed",
                Some(utc(2026, 10, 24, 8, 0)),
            ),
            (
                utc(2026, 10, 24, 12, 0),
                false,
                "closed",
                Some(utc(2026, 10, 26, 8, 30)),
            ),
            // Christmas Day and the substitute Boxing Day are closed all day.
            (
                utc(2026, 12, 25, 10, 0),
                false,
                "closed: Christmas Day",
                Some(utc(2026, 12, 26, 9, 0)),
            ),
            (
                utc(2026, 12, 26, 13, 0),
                false,
                "closed: outside",
                Some(utc(2026, 12, 29, 8, 30)),
            ),
            (
                utc(2026, 12, 28, 10, 0),
                false,
                "closed: Boxing Day (substitute day)",
                Some(utc(2026, 12, 29, 8, 30)),
            ),
        ];
        for (at, open, reason, next) in cases {
            let state = desk.state(at);
            assert_eq!(state.open, open, "{at}");
            assert!(state.reason.starts_with(reason), "{at}: {}", state.reason);
            assert_eq!(state.next_change, next, "{at}");
        }
        assert_eq!(
            desk.state(utc(2026, 3, 30, 7, 30)).local_time.to_rfc3339(),
            "2026-03-30T08:30:00+01:00"
        );
    }

    #[test]
    fn periods_inside_the_skipped_and_the_repeated_hour() {
        let night = |hours| Schedule {
            time_zone: chrono_tz::Europe::London,
            hours,
            closures: HashMap::new(),
        };
        // 29 March 2026: 01:00 GMT jumps to 02:00 BST. A period opening at 01:30 opens at the
        // jump, 01:00 UTC.
        let spring = night(vec![period(7, t(1, 30), t(3, 0))]);
        assert!(!spring.is_open(utc(2026, 3, 29, 0, 59)));
        assert!(spring.is_open(utc(2026, 3, 29, 1, 0)));
        assert_eq!(
            spring.next_change(utc(2026, 3, 29, 0, 0)),
            Some(utc(2026, 3, 29, 1, 0))
        );
        assert_eq!(
            spring.next_change(utc(2026, 3, 29, 1, 0)),
            Some(utc(2026, 3, 29, 2, 0)),
            "03:00 BST"
        );
        // 25 October 2026: 02:00 BST falls back to 01:00 GMT, so 01:00–01:59 happens twice. A
        // period 01:30–02:00 is open twice, half an hour each time.
        let autumn = night(vec![period(7, t(1, 30), t(2, 0))]);
        let from = utc(2026, 10, 24, 23, 0);
        let first_open = autumn.next_change(from).expect("opens");
        assert_eq!(first_open, utc(2026, 10, 25, 0, 30), "01:30 BST");
        let first_close = autumn.next_change(first_open).expect("closes");
        assert_eq!(first_close, utc(2026, 10, 25, 1, 0), "the clock goes back");
        let second_open = autumn.next_change(first_close).expect("opens again");
        assert_eq!(second_open, utc(2026, 10, 25, 1, 30), "01:30 GMT");
        assert_eq!(
            autumn.next_change(second_open),
            Some(utc(2026, 10, 25, 2, 0))
        );
    }

    #[test]
    fn midnight_always_and_never() {
        let tz = chrono_tz::Europe::London;
        // A night shift over midnight is two periods and one open stretch.
        let nights = Schedule {
            time_zone: tz,
            hours: vec![period(6, t(22, 0), t(0, 0)), period(7, t(0, 0), t(6, 0))],
            closures: HashMap::new(),
        };
        assert_eq!(
            nights.next_change(utc(2026, 6, 6, 21, 0)),
            Some(utc(2026, 6, 7, 5, 0)),
            "Saturday 22:00 BST to Sunday 06:00 BST, no break at midnight"
        );
        let always = Schedule {
            time_zone: tz,
            hours: (1..=7).map(|d| period(d, t(0, 0), t(0, 0))).collect(),
            closures: HashMap::new(),
        };
        let state = always.state(utc(2026, 3, 29, 1, 0));
        assert!(state.open);
        assert_eq!(state.next_change, None, "never changes");
        let never = Schedule {
            time_zone: tz,
            hours: vec![],
            closures: HashMap::new(),
        };
        let state = never.state(utc(2026, 1, 1, 12, 0));
        assert!(!state.open);
        assert_eq!(state.next_change, None);
        assert_eq!(state.reason, "closed: no opening hours on Thursdays");
        // The far end of time neither panics nor finds a change.
        assert_eq!(always.next_change(DateTime::<Utc>::MAX_UTC), None);
    }

    #[test]
    fn another_time_zone_uses_its_own_clock_changes() {
        // New York changes on 8 March and 1 November 2026.
        let desk = Schedule {
            time_zone: chrono_tz::America::New_York,
            ..service_desk()
        };
        assert!(desk.is_open(utc(2026, 3, 9, 12, 30)), "08:30 EDT");
        assert!(!desk.is_open(utc(2026, 3, 6, 13, 29)), "08:29 EST");
        assert!(desk.is_open(utc(2026, 3, 6, 13, 30)), "08:30 EST");
    }
}

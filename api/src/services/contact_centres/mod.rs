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
//!
//! Layout: `load` reads a centre with its children and says who sees it; `centres`, `hours`,
//! `queues` and `agents` hold the changes (the centre itself, opening hours and closure days,
//! queues, queue agents); `schedule` is the open-or-closed rule. This file holds what every
//! change shares: the refusals, the version lock, destination checks and the audit commit.

use entity::{cc_queue, contact_centre, enums::DirectoryStatus, hunt_group, line, person};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{
        directory::{self as visibility, Entry},
        groups::{Fallback, GroupRefusal},
        phone::E164,
    },
    error::{UserError, UserErrorCode},
    services::audit::{self, Subject, SubjectKind},
};

mod agents;
mod centres;
mod hours;
mod load;
mod queues;
mod schedule;

pub use agents::{MAX_AGENTS_PER_CHANGE, add_agents, remove_agents};
pub use centres::{CentreChanges, NewCentre, create, update};
pub use hours::{
    MAX_CLOSURES_PER_CHANGE, MAX_PERIODS, MAX_REASON_CHARS, add_closures, remove_closures,
    set_opening_hours,
};
pub use load::{Centre, Queue, find, list, may_manage, may_see, visible_queues};
pub use queues::{
    DEFAULT_MAX_WAIT_SECONDS, DEFAULT_MAX_WAITING, NewQueue, QueueChanges, create_queue,
    remove_queue, update_queue,
};
pub use schedule::{NEXT_CHANGE_HORIZON_DAYS, OpenState, Schedule, YEARS};

use load::load_one;

// Every contact-centre change, queue changes included, is audited with the centre as its
// subject (`SubjectKind::ContactCentre`), so one centre's trail is one query.

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
            let own = pilot.and_then(|l| E164::parse(&l.e164).ok());
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
        Subject::new(SubjectKind::ContactCentre, centre_id),
        before,
        after,
    )
    .await?;
    txn.commit().await
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

fn index(i: usize) -> String {
    i.to_string()
}

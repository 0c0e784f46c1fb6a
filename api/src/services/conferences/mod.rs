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
//!
//! Layout: `bridges` holds the bridges, their locks and what is booked on them; `read` loads
//! conferences and says who sees them; `bookings` creates, reschedules and cancels;
//! `participants` invites and uninvites. This file holds the refusals and the checks every
//! change shares.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use chrono_tz::Tz;
use entity::{enums::ConferenceStatus, teleconference as conference};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{conferences as rules, groups::GroupRefusal},
    error::{Outcome, UserError, UserErrorCode},
};

mod bookings;
mod bridges;
mod participants;
mod read;

pub use bookings::{NewConference, Reschedule, Rescheduled, cancel, create, reschedule};
pub use bridges::{BRIDGES, Bridge, DEFAULT_BRIDGE, bridge, reserved_ports};
pub use participants::{Invitation, Invitee, add_participants, remove_participants};
pub use read::{
    Conference, ConferenceKey, Window, count, list_owner, may_manage, may_see, may_see_pin, page,
    visible,
};

/// The time zone used when none is named.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::London;

/// How far in the past a new start may be: a "start now" form submitted a little late, or a
/// clock a little behind, is not refused.
pub const PAST_START_GRACE: Duration = Duration::minutes(5);

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

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

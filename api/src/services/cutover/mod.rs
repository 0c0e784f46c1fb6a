//! The move to Teams: load, call the rules of `domain::cutover`, write in transactions with
//! audit events.
//!
//! Layout:
//! - `column`: the MS Teams column and movement sets, set-based; its counts and filter.
//! - `sets`: movement sets summed up for coordinators (who blocks a set, who is eligible).
//! - `person`: the move as it concerns one person (their row, tranche and e-mails).
//! - `licences`: the licence pool; assigning and revoking, never over the pool.
//! - `nominations`: rounds, coordinators' answers, progress per unit.
//! - `tranches`: tranches, placing whole sets, `planTranches`, the countdown outbox plan.
//! - `notify`: the countdown sender (claims due rows; safe with several processes).
//! - `moves`: moving sets to Teams (rule 10) and the Chorus upgrade (rule 11).
//!
//! Changes return [`Outcome`](crate::error::Outcome): a rule's refusal is a user error on the
//! input field at fault (built with [`refused`], [`not_found`] and [`conflict`] here); a caller
//! without the role, or a fault, fails the whole request.

pub mod column;
pub mod licences;
pub mod moves;
pub mod nominations;
pub mod notify;
pub mod person;
pub mod sets;
pub mod tranches;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::cutover::Refusal,
    error::{UserError, UserErrorCode},
};

/// A refusal of the move's rules on the input field `field` (`["input", field]`), worded
/// as the rule words it.
pub(crate) fn refused(field: &str, refusal: Refusal) -> UserError {
    let message = refusal.to_string();
    UserError::refused(vec!["input".into(), field.into()], &refusal, message)
}

/// NOT_FOUND on the whole input: the object (`what`) does not exist, or the caller may not
/// see it.
pub(crate) fn not_found(what: &str) -> UserError {
    UserError::new(
        &["input"],
        UserErrorCode::NotFound,
        format!("no such {what}"),
    )
}

/// CONFLICT on `expectedVersion`: the object changed since version `expected`.
pub(crate) fn conflict(expected: i32) -> UserError {
    UserError::new(
        &["input", "expectedVersion"],
        UserErrorCode::Conflict,
        format!("it changed since version {expected}; read it again"),
    )
}

/// The calendar day in Europe/London at `now`: countdown dates are London dates.
pub fn london_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&London).date_naive()
}

/// Administrators, and services with the given scope, run the project's side of the move.
pub fn may_run(principal: &Principal, scope: &str) -> bool {
    principal.is_admin() || principal.has_scope(scope)
}

/// The start of the MS Teams column's look-back window.
pub fn since(now: DateTime<Utc>, lookback_days: u32) -> DateTime<Utc> {
    now - chrono::Duration::days(i64::from(lookback_days))
}

/// One person's result in a bulk request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonResult<O> {
    pub person_id: Uuid,
    pub outcome: O,
    /// Why it was refused; None when it went through.
    pub refusal: Option<Refusal>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn refusals_become_user_errors_on_their_input_field() {
        let e = refused("name", Refusal::InvalidName);
        assert_eq!(e.field, ["input", "name"]);
        assert_eq!(e.message, "a name needs 1 to 200 characters");
        assert_eq!(e.code, UserErrorCode::Invalid);
        assert_eq!(e.reason.as_deref(), Some("INVALID_NAME"));
        let person = Uuid::from_u128(7);
        let cases = [
            (Refusal::UnknownPerson(person), UserErrorCode::NotFound),
            (Refusal::DuplicatePerson(person), UserErrorCode::Duplicate),
            (Refusal::NotInYourUnits(person), UserErrorCode::NotAllowed),
            (Refusal::TrancheFrozen, UserErrorCode::RuleViolation),
        ];
        for (refusal, code) in cases {
            let e = refused("personIds", refusal.clone());
            assert_eq!(e.field, ["input", "personIds"]);
            assert_eq!(e.message, refusal.to_string());
            assert_eq!(e.code, code, "{refusal:?}");
            assert_eq!(e.reason.as_deref(), Some(refusal.code()));
        }
        let e = not_found("tranche");
        assert_eq!(
            (e.field, e.code, e.message.as_str(), e.reason),
            (
                vec!["input".to_owned()],
                UserErrorCode::NotFound,
                "no such tranche",
                None
            )
        );
        let e = conflict(3);
        assert_eq!(e.field, ["input", "expectedVersion"]);
        assert_eq!(e.code, UserErrorCode::Conflict);
        assert_eq!(e.message, "it changed since version 3; read it again");
        assert_eq!(e.reason, None);
    }

    #[test]
    fn london_dates_follow_the_clock_changes() {
        let cases = [
            // 23:30 UTC in summer is already tomorrow in London.
            (Utc.with_ymd_and_hms(2022, 6, 12, 23, 30, 0), (2022, 6, 13)),
            // In winter London is UTC.
            (
                Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0),
                (2026, 11, 22),
            ),
            (Utc.with_ymd_and_hms(2026, 3, 28, 23, 59, 0), (2026, 3, 28)),
            (Utc.with_ymd_and_hms(2026, 3, 29, 23, 0, 0), (2026, 3, 30)),
        ];
        for (at, (y, m, d)) in cases {
            let at = at.single().expect("valid");
            assert_eq!(
                london_today(at),
                NaiveDate::from_ymd_opt(y, m, d).expect("valid"),
                "{at}"
            );
        }
    }
}

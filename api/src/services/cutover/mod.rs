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
use sea_orm::DbErr;
use uuid::Uuid;

use crate::{auth::Principal, domain::cutover::Refusal};

/// Why a cutover request was refused as a whole. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CutoverError {
    /// A rule of `domain::cutover`, on the input field named.
    #[error("{refusal}")]
    Refused {
        field: &'static str,
        refusal: Refusal,
    },
    /// The object does not exist (or the caller may not see it).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The caller may not do this.
    #[error("{0}")]
    NotAllowed(&'static str),
    /// The object changed since the version the change was based on.
    #[error("it changed since version {expected}; read it again")]
    Conflict { expected: i32 },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl CutoverError {
    pub fn refused(field: &'static str, refusal: Refusal) -> Self {
        Self::Refused { field, refusal }
    }
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

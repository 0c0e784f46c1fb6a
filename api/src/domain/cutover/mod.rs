//! The move to Telephony over Teams: rules 1–11 of ARCHITECTURE.md as plain functions.
//!
//! Layout:
//! - `eligibility`: the "MS Teams" column: reasons, blockers, warnings (rules 1–3).
//! - `sets`: movement sets through hunt and executive-assistant groups (rule 4).
//! - `tranches`: tranche states and edits, countdown dates, `planTranches` (rules 8–9).
//! - `moves`: the plan of a move (rule 10) and of the Chorus upgrade (rule 11).
//! - here: nominations (rule 7), licences (rules 5–6) and [`Refusal`], every refusal's code.

pub mod eligibility;
pub mod moves;
pub mod sets;
pub mod tranches;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{Cohort, TrancheState};
use uuid::Uuid;

use eligibility::Blocker;

/// Why a cutover change was refused, for one person or the whole request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no such person")]
    UnknownPerson(Uuid),
    #[error("this person is listed twice")]
    DuplicatePerson(Uuid),
    #[error("this person is not in a unit you coordinate")]
    NotInYourUnits(Uuid),
    #[error("the move date {move_date} is not after today ({today})")]
    DateInPast {
        move_date: NaiveDate,
        today: NaiveDate,
    },
    #[error("a move on {move_date} leaves no day for the day-before notice: pick a later date")]
    TooLateForNotices { move_date: NaiveDate },
    #[error("capacity must be between 1 and 100000, not {0}")]
    InvalidCapacity(i32),
    #[error("capacity {capacity} is below the {members} people already in the tranche")]
    CapacityBelowMembers { capacity: i32, members: usize },
    #[error("the tranche is frozen: thaw it (state PLANNED) before changing it")]
    TrancheFrozen,
    #[error("the tranche is {0:?}: it can no longer change")]
    TrancheStarted(TrancheState),
    #[error("a tranche cannot go from {from:?} to {to:?}")]
    InvalidTransition {
        from: TrancheState,
        to: TrancheState,
    },
    #[error("tranche number {0} exists already")]
    DuplicateNumber(i32),
    #[error("the tranche has {free} free places, {needed} are needed")]
    TrancheFull { free: usize, needed: usize },
    #[error("a movement set moves whole: {} of its members are not included", missing.len())]
    SetSplit { missing: Vec<Uuid> },
    #[error("has no Teams licence")]
    NoLicence(Uuid),
    #[error("cannot move: {}", blocker.message())]
    Blocked { person: Uuid, blocker: Blocker },
    #[error("already on Teams")]
    AlreadyMoved(Uuid),
    #[error("nominated after the deadline: only a LATE tranche takes them")]
    LateNomination(Uuid),
    #[error("no licences left in the pool ({capacity} assigned)")]
    PoolExhausted { capacity: i32 },
    #[error("already on Teams: the licence is in use")]
    LicenceInUse(Uuid),
    #[error("placed in a tranche: take them out of it first")]
    InTranche(Uuid),
    #[error("has no licence to revoke")]
    NoLicenceToRevoke(Uuid),
    #[error("the pool cannot shrink below the {assigned} licences assigned")]
    PoolBelowAssigned { assigned: i32 },
    #[error("a name needs 1 to 200 characters")]
    InvalidName,
    #[error("the deadline must be in the future")]
    DeadlineInPast,
    #[error("{cohort:?} tranches are for {cohort:?} people; the set belongs to {set:?}")]
    WrongCohort { cohort: Cohort, set: Cohort },
}

impl Refusal {
    /// The stable code scripts match on (`UserError.reason`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownPerson(_) => "UNKNOWN_PERSON",
            Self::DuplicatePerson(_) => "DUPLICATE_PERSON",
            Self::NotInYourUnits(_) => "NOT_IN_YOUR_UNITS",
            Self::DateInPast { .. } => "DATE_IN_PAST",
            Self::TooLateForNotices { .. } => "TOO_LATE_FOR_NOTICES",
            Self::InvalidCapacity(_) => "INVALID_CAPACITY",
            Self::CapacityBelowMembers { .. } => "CAPACITY_BELOW_MEMBERS",
            Self::TrancheFrozen => "TRANCHE_FROZEN",
            Self::TrancheStarted(_) => "TRANCHE_STARTED",
            Self::InvalidTransition { .. } => "INVALID_TRANSITION",
            Self::DuplicateNumber(_) => "DUPLICATE_NUMBER",
            Self::TrancheFull { .. } => "TRANCHE_FULL",
            Self::SetSplit { .. } => "SET_SPLIT",
            Self::NoLicence(_) => "NO_LICENCE",
            Self::Blocked { .. } => "BLOCKED",
            Self::AlreadyMoved(_) => "ALREADY_MOVED",
            Self::LateNomination(_) => "LATE_NOMINATION",
            Self::PoolExhausted { .. } => "POOL_EXHAUSTED",
            Self::LicenceInUse(_) => "LICENCE_IN_USE",
            Self::InTranche(_) => "IN_TRANCHE",
            Self::NoLicenceToRevoke(_) => "NO_LICENCE_TO_REVOKE",
            Self::PoolBelowAssigned { .. } => "POOL_BELOW_ASSIGNED",
            Self::InvalidName => "INVALID_NAME",
            Self::DeadlineInPast => "DEADLINE_IN_PAST",
            Self::WrongCohort { .. } => "WRONG_COHORT",
        }
    }

    /// The coarse kind, for `UserError.code`.
    pub fn category(&self) -> Category {
        match self {
            Self::UnknownPerson(_) => Category::NotFound,
            Self::DuplicatePerson(_) | Self::DuplicateNumber(_) => Category::Duplicate,
            Self::NotInYourUnits(_) => Category::NotAllowed,
            Self::DateInPast { .. }
            | Self::InvalidCapacity(_)
            | Self::InvalidName
            | Self::DeadlineInPast => Category::Invalid,
            _ => Category::RuleViolation,
        }
    }
}

/// A refusal of the move's rules as a user error: its category is the coarse code, its
/// stable code the reason.
impl crate::error::RuleRefusal for Refusal {
    fn user_error_code(&self) -> crate::error::UserErrorCode {
        use crate::error::UserErrorCode;
        match self.category() {
            Category::Invalid => UserErrorCode::Invalid,
            Category::NotFound => UserErrorCode::NotFound,
            Category::Duplicate => UserErrorCode::Duplicate,
            Category::NotAllowed => UserErrorCode::NotAllowed,
            Category::RuleViolation => UserErrorCode::RuleViolation,
        }
    }

    fn reason(&self) -> &'static str {
        self.code()
    }
}

/// Coarse kinds of refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Invalid,
    NotFound,
    Duplicate,
    NotAllowed,
    RuleViolation,
}

/// Rule 7: an answer given after the round's deadline is late (LATE tranche).
pub fn is_late(answered_at: DateTime<Utc>, deadline: DateTime<Utc>) -> bool {
    answered_at > deadline
}

/// Rule 6 for one request: of `wanted` new licences, how many the pool can still give.
/// The service grants that many in request order and refuses the rest (POOL_EXHAUSTED).
pub fn grantable(capacity: i32, assigned: i32, wanted: usize) -> usize {
    let free = usize::try_from(capacity.saturating_sub(assigned)).unwrap_or(0);
    wanted.min(free)
}

/// Names of rounds and tranches: 1 to 200 characters, no control characters.
pub fn check_name(name: &str) -> Result<String, Refusal> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Refusal::InvalidName);
    }
    Ok(name.to_owned())
}

/// How many days of call history the MS Teams column counts: 1 to 3,660 (ten years), the
/// one rule for `teamsEligibility(lookBackDays:)`, `GET /v1/teams-column.csv?lookBackDays=`
/// and `chorus export teams-column --look-back-days`. Out of range is refused, not clamped:
/// a typo must not silently export a different column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LookBackDays(u32);

/// A look-back outside 1–3,660 days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "lookBackDays must be between {min} and {max}, got {0}",
    min = LookBackDays::MIN,
    max = LookBackDays::MAX
)]
pub struct LookBackOutOfRange(pub i64);

impl LookBackDays {
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 3660;

    pub fn new(days: impl Into<i64>) -> Result<Self, LookBackOutOfRange> {
        let days = days.into();
        u32::try_from(days)
            .ok()
            .filter(|d| (Self::MIN..=Self::MAX).contains(d))
            .map(Self)
            .ok_or(LookBackOutOfRange(days))
    }

    pub fn days(self) -> u32 {
        self.0
    }

    /// The start of the window: `days` before `now`.
    pub fn since(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - chrono::Duration::days(i64::from(self.0))
    }
}

/// Request lists name each person once.
pub fn check_unique(ids: &[Uuid]) -> Result<(), Refusal> {
    let mut seen = std::collections::BTreeSet::new();
    for id in ids {
        if !seen.insert(*id) {
            return Err(Refusal::DuplicatePerson(*id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn look_back_is_one_day_to_ten_years() {
        for ok in [1_i64, 90, 3660] {
            assert_eq!(LookBackDays::new(ok).map(LookBackDays::days), Ok(ok as u32));
        }
        for bad in [0_i64, -1, 3661, 999_999_999, i64::MAX, i64::MIN] {
            assert_eq!(
                LookBackDays::new(bad),
                Err(LookBackOutOfRange(bad)),
                "{bad}"
            );
        }
        assert_eq!(
            LookBackOutOfRange(0).to_string(),
            "lookBackDays must be between 1 and 3660, got 0"
        );
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        assert_eq!(
            LookBackDays::new(2).map(|d| d.since(now)),
            Ok(Utc.with_ymd_and_hms(2026, 2, 27, 12, 0, 0).unwrap())
        );
    }

    #[test]
    fn lateness_is_strictly_after_the_deadline() {
        let deadline = Utc
            .with_ymd_and_hms(2022, 4, 14, 16, 0, 0)
            .single()
            .expect("valid");
        let cases = [
            (deadline - chrono::Duration::seconds(1), false),
            (deadline, false),
            (deadline + chrono::Duration::seconds(1), true),
            (deadline + chrono::Duration::days(30), true),
        ];
        for (at, late) in cases {
            assert_eq!(is_late(at, deadline), late, "{at}");
        }
    }

    #[test]
    fn grantable_never_exceeds_the_pool() {
        let cases = [
            (10, 0, 3, 3),
            (10, 8, 3, 2),
            (10, 10, 3, 0),
            (10, 12, 3, 0),
            (0, 0, 1, 0),
            (1600, 1599, 0, 0),
        ];
        for (capacity, assigned, wanted, n) in cases {
            assert_eq!(grantable(capacity, assigned, wanted), n);
        }
    }

    #[test]
    fn names_and_duplicates() {
        assert_eq!(check_name("  Tranche 2 ").as_deref(), Ok("Tranche 2"));
        assert!(check_name("").is_err());
        assert!(check_name("a\u{7}b").is_err());
        assert!(check_name(&"x".repeat(201)).is_err());
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert!(check_unique(&[a, b]).is_ok());
        assert_eq!(check_unique(&[a, b, a]), Err(Refusal::DuplicatePerson(a)));
        let codes: std::collections::BTreeSet<&str> = [
            Refusal::UnknownPerson(a),
            Refusal::SetSplit { missing: vec![a] },
            Refusal::PoolExhausted { capacity: 1 },
            Refusal::TrancheFrozen,
        ]
        .iter()
        .map(Refusal::code)
        .collect();
        assert_eq!(codes.len(), 4);
    }
}

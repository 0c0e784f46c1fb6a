//! Tranches (rule 8) and their countdown e-mails (rule 9): the state machine, what may be
//! edited when, the dates of the notices, and `planTranches`' proposal.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use entity::enums::{Cohort, NotificationKind, TrancheState, UnitKind};
use uuid::Uuid;

use super::Refusal;

/// The countdown notices of a move on `move_date`: 3 weeks and 1 week before, and the day
/// before (the Friday before a Monday move).
pub fn countdown(move_date: NaiveDate) -> [(NotificationKind, NaiveDate); 3] {
    [
        (
            NotificationKind::Countdown3Weeks,
            move_date - Duration::days(21),
        ),
        (
            NotificationKind::Countdown1Week,
            move_date - Duration::days(7),
        ),
        (NotificationKind::CountdownDayBefore, day_before(move_date)),
    ]
}

/// The working day before the move: Friday for a Monday, Saturday's or Sunday's Friday too.
pub fn day_before(move_date: NaiveDate) -> NaiveDate {
    let back = match move_date.weekday() {
        Weekday::Mon => 3,
        Weekday::Sun => 2,
        _ => 1,
    };
    move_date - Duration::days(back)
}

/// The notices still to plan for a person placed today: those whose day has not passed.
/// A notice whose day is gone is not sent late ("3 weeks to go" ten days before is wrong).
pub fn notices_from(move_date: NaiveDate, today: NaiveDate) -> Vec<(NotificationKind, NaiveDate)> {
    countdown(move_date)
        .into_iter()
        .filter(|(_, due)| *due >= today)
        .collect()
}

/// A move date must be in the future and leave time for the day-before notice.
pub fn check_move_date(move_date: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    if move_date <= today {
        return Err(Refusal::DateInPast { move_date, today });
    }
    if day_before(move_date) < today {
        return Err(Refusal::TooLateForNotices { move_date });
    }
    Ok(())
}

/// Capacity must be positive and hold the current members.
pub fn check_capacity(capacity: i32, members: usize) -> Result<(), Refusal> {
    if !(1..=100_000).contains(&capacity) {
        return Err(Refusal::InvalidCapacity(capacity));
    }
    if (capacity as usize) < members {
        return Err(Refusal::CapacityBelowMembers { capacity, members });
    }
    Ok(())
}

/// Dates, capacity and membership change only while a tranche is PLANNED.
pub fn check_editable(state: TrancheState) -> Result<(), Refusal> {
    match state {
        TrancheState::Planned => Ok(()),
        TrancheState::Frozen => Err(Refusal::TrancheFrozen),
        TrancheState::InProgress | TrancheState::Done => Err(Refusal::TrancheStarted(state)),
    }
}

/// PLANNED → FROZEN → IN_PROGRESS → DONE; a frozen tranche may be thawed back to PLANNED.
pub fn check_transition(from: TrancheState, to: TrancheState) -> Result<(), Refusal> {
    use TrancheState::*;
    match (from, to) {
        (Planned, Frozen) | (Frozen, Planned) | (Frozen, InProgress) | (InProgress, Done) => Ok(()),
        _ => Err(Refusal::InvalidTransition { from, to }),
    }
}

/// The cohort a unit's people move in.
pub fn cohort_of_unit(kind: UnitKind) -> Cohort {
    match kind {
        UnitKind::College => Cohort::College,
        UnitKind::UasDivision => Cohort::Uas,
        UnitKind::Department | UnitKind::Other => Cohort::Departmental,
    }
}

/// The cohort of a set: LATE if any member was nominated after the deadline; otherwise the
/// cohort most members' units belong to (ties go to the earlier cohort).
pub fn cohort_of_set(units: &[UnitKind], late: bool) -> Cohort {
    if late {
        return Cohort::Late;
    }
    let order = [Cohort::College, Cohort::Uas, Cohort::Departmental];
    let mut best = Cohort::Departmental;
    let mut best_count = 0;
    for cohort in order {
        let n = units
            .iter()
            .filter(|u| cohort_of_unit(**u) == cohort)
            .count();
        if n > best_count {
            best = cohort;
            best_count = n;
        }
    }
    best
}

/// A tranche as the planner sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub id: Uuid,
    pub number: i32,
    pub cohort: Cohort,
    pub move_date: NaiveDate,
    pub state: TrancheState,
    /// Capacity minus current members.
    pub free: usize,
}

/// A group of people that must land in one tranche, with its cohort.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub members: BTreeSet<Uuid>,
    pub cohort: Cohort,
}

/// Why a candidate could not be placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unplaced {
    /// No PLANNED tranche of its cohort (or LATE) has room for the whole set.
    NoCapacity,
    /// No PLANNED tranche of its cohort or of LATE exists.
    NoTranche,
}

/// The planner's answer: per candidate (by index), the tranche and whether it overflowed
/// into LATE, or why not.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Proposal {
    pub placed: Vec<(usize, Uuid, bool)>,
    pub unplaced: Vec<(usize, Unplaced)>,
}

/// Places whole candidates into PLANNED tranches, largest first: first each into the
/// earliest tranche of its own cohort with room; then what is left into the earliest LATE
/// tranche with room (overflow), so overflow never takes the room of real late requests.
/// Never splits a candidate, never exceeds a capacity. PILOT tranches are filled by hand.
pub fn plan(slots: &[Slot], candidates: &[Candidate]) -> Proposal {
    let mut free: Vec<usize> = slots.iter().map(|s| s.free).collect();
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    // Largest first packs best; ties by the smallest member for a stable answer.
    order.sort_by(|a, b| {
        let (ca, cb) = (&candidates[*a], &candidates[*b]);
        cb.members
            .len()
            .cmp(&ca.members.len())
            .then_with(|| ca.members.first().cmp(&cb.members.first()))
    });
    let mut by_date: Vec<usize> = (0..slots.len())
        .filter(|i| slots[*i].state == TrancheState::Planned && slots[*i].cohort != Cohort::Pilot)
        .collect();
    by_date.sort_by_key(|i| (slots[*i].move_date, slots[*i].number));
    let of_cohort = |cohort: Cohort| -> Vec<usize> {
        by_date
            .iter()
            .copied()
            .filter(|i| slots[*i].cohort == cohort)
            .collect()
    };
    let late = of_cohort(Cohort::Late);
    let mut proposal = Proposal::default();
    let mut left = Vec::new();
    for c in order {
        let size = candidates[c].members.len();
        match of_cohort(candidates[c].cohort)
            .into_iter()
            .find(|i| free[*i] >= size)
        {
            Some(i) => {
                free[i] -= size;
                proposal.placed.push((c, slots[i].id, false));
            }
            None => left.push(c),
        }
    }
    for c in left {
        let size = candidates[c].members.len();
        let own = of_cohort(candidates[c].cohort);
        let overflow = if candidates[c].cohort == Cohort::Late {
            None
        } else {
            late.iter().copied().find(|i| free[*i] >= size)
        };
        match overflow {
            Some(i) => {
                free[i] -= size;
                proposal.placed.push((c, slots[i].id, true));
            }
            None if own.is_empty() && late.is_empty() => {
                proposal.unplaced.push((c, Unplaced::NoTranche))
            }
            None => proposal.unplaced.push((c, Unplaced::NoCapacity)),
        }
    }
    proposal.placed.sort_by_key(|p| p.0);
    proposal.unplaced.sort_by_key(|p| p.0);
    proposal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn countdown_dates_follow_the_seed() {
        use NotificationKind::*;
        let cases = [
            // The seed's 2022 tranches: all on Mondays.
            (
                d(2022, 5, 30),
                d(2022, 5, 9),
                d(2022, 5, 23),
                d(2022, 5, 27),
            ),
            (
                d(2022, 6, 13),
                d(2022, 5, 23),
                d(2022, 6, 6),
                d(2022, 6, 10),
            ),
            (
                d(2022, 6, 20),
                d(2022, 5, 30),
                d(2022, 6, 13),
                d(2022, 6, 17),
            ),
            (
                d(2022, 6, 27),
                d(2022, 6, 6),
                d(2022, 6, 20),
                d(2022, 6, 24),
            ),
            // A Wednesday move: the day before is Tuesday.
            (
                d(2026, 12, 9),
                d(2026, 11, 18),
                d(2026, 12, 2),
                d(2026, 12, 8),
            ),
            // A Sunday move: the Friday before.
            (
                d(2026, 12, 13),
                d(2026, 11, 22),
                d(2026, 12, 6),
                d(2026, 12, 11),
            ),
            // Across the clock change (dates, not instants: unaffected).
            (
                d(2026, 3, 30),
                d(2026, 3, 9),
                d(2026, 3, 23),
                d(2026, 3, 27),
            ),
        ];
        for (move_date, three, one, before) in cases {
            assert_eq!(
                countdown(move_date),
                [
                    (Countdown3Weeks, three),
                    (Countdown1Week, one),
                    (CountdownDayBefore, before)
                ],
                "{move_date}"
            );
        }
    }

    #[test]
    fn notices_whose_day_passed_are_not_planned() {
        let monday = d(2022, 6, 13);
        let cases = [
            (d(2022, 5, 1), 3),
            (d(2022, 5, 23), 3),
            (d(2022, 5, 24), 2),
            (d(2022, 6, 6), 2),
            (d(2022, 6, 7), 1),
            (d(2022, 6, 10), 1),
            (d(2022, 6, 11), 0),
        ];
        for (today, n) in cases {
            assert_eq!(notices_from(monday, today).len(), n, "{today}");
        }
    }

    #[test]
    fn move_dates_capacity_and_edits() {
        let today = d(2026, 11, 22); // a Sunday
        let cases = [
            (d(2026, 11, 21), Some("DATE_IN_PAST")),
            (d(2026, 11, 22), Some("DATE_IN_PAST")),
            // Monday: its day-before notice would have been Friday the 20th.
            (d(2026, 11, 23), Some("TOO_LATE_FOR_NOTICES")),
            (d(2026, 11, 24), None),
            (d(2026, 11, 30), None),
        ];
        for (date, code) in cases {
            assert_eq!(
                check_move_date(date, today).err().map(|r| r.code()),
                code,
                "{date}"
            );
        }
        assert!(check_capacity(10, 10).is_ok());
        assert_eq!(
            check_capacity(9, 10).err().map(|r| r.code()),
            Some("CAPACITY_BELOW_MEMBERS")
        );
        assert_eq!(
            check_capacity(0, 0).err().map(|r| r.code()),
            Some("INVALID_CAPACITY")
        );
        use TrancheState::*;
        assert!(check_editable(Planned).is_ok());
        assert_eq!(
            check_editable(Frozen).err().map(|r| r.code()),
            Some("TRANCHE_FROZEN")
        );
        assert_eq!(
            check_editable(Done).err().map(|r| r.code()),
            Some("TRANCHE_STARTED")
        );
        let transitions = [
            (Planned, Frozen, true),
            (Frozen, Planned, true),
            (Frozen, InProgress, true),
            (InProgress, Done, true),
            (Planned, InProgress, false),
            (Planned, Done, false),
            (Done, Planned, false),
            (InProgress, Frozen, false),
            (Frozen, Frozen, false),
        ];
        for (from, to, ok) in transitions {
            assert_eq!(check_transition(from, to).is_ok(), ok, "{from:?} → {to:?}");
        }
    }

    #[test]
    fn cohorts() {
        use UnitKind::*;
        assert_eq!(cohort_of_set(&[College, College], false), Cohort::College);
        assert_eq!(cohort_of_set(&[UasDivision], false), Cohort::Uas);
        assert_eq!(
            cohort_of_set(&[Department, Other], false),
            Cohort::Departmental
        );
        assert_eq!(
            cohort_of_set(&[College, UasDivision, UasDivision], false),
            Cohort::Uas
        );
        assert_eq!(
            cohort_of_set(&[College, UasDivision], false),
            Cohort::College
        );
        assert_eq!(cohort_of_set(&[College], true), Cohort::Late);
    }

    fn slot(n: u128, cohort: Cohort, day: u32, free: usize) -> Slot {
        Slot {
            id: Uuid::from_u128(n),
            number: n as i32,
            cohort,
            move_date: d(2022, 6, day),
            state: TrancheState::Planned,
            free,
        }
    }

    fn cand(first: u128, size: u128, cohort: Cohort) -> Candidate {
        Candidate {
            members: (first..first + size).map(Uuid::from_u128).collect(),
            cohort,
        }
    }

    #[test]
    fn plan_never_splits_and_never_overfills() {
        let slots = vec![
            slot(1, Cohort::Pilot, 1, 50),
            slot(2, Cohort::College, 13, 5),
            slot(3, Cohort::Uas, 13, 4),
            slot(4, Cohort::Departmental, 20, 3),
            slot(5, Cohort::Late, 27, 4),
        ];
        let candidates = vec![
            cand(100, 3, Cohort::College),      // 0 → college
            cand(200, 2, Cohort::College),      // 1 → college (3 + 2 = 5)
            cand(300, 1, Cohort::College),      // 2 → late (overflow)
            cand(400, 4, Cohort::Uas),          // 3 → UAS
            cand(500, 4, Cohort::Departmental), // 4 → too big for departmental (3), late has 3 left
            cand(600, 2, Cohort::Late),         // 5 → late
            cand(700, 1, Cohort::Pilot),        // 6 → no planned non-pilot tranche of PILOT; late
        ];
        let p = plan(&slots, &candidates);
        let id = Uuid::from_u128;
        assert_eq!(
            p.placed,
            vec![
                (0, id(2), false),
                (1, id(2), false),
                (2, id(5), true),
                (3, id(3), false),
                (5, id(5), false),
                (6, id(5), true),
            ]
        );
        assert_eq!(p.unplaced, vec![(4, Unplaced::NoCapacity)]);
        // Capacity holds in every tranche.
        for s in &slots {
            let used: usize = p
                .placed
                .iter()
                .filter(|(_, t, _)| *t == s.id)
                .map(|(c, _, _)| candidates[*c].members.len())
                .sum();
            assert!(used <= s.free, "tranche {}", s.number);
        }
        // No tranche of the cohort and no LATE tranche at all.
        let only_college = vec![slot(2, Cohort::College, 13, 10)];
        let p = plan(&only_college, &[cand(1, 1, Cohort::Uas)]);
        assert_eq!(p.unplaced, vec![(0, Unplaced::NoTranche)]);
        // Frozen tranches take nobody.
        let mut frozen = slot(2, Cohort::College, 13, 10);
        frozen.state = TrancheState::Frozen;
        let p = plan(&[frozen], &[cand(1, 1, Cohort::College)]);
        assert_eq!(p.unplaced, vec![(0, Unplaced::NoTranche)]);
    }
}

//! Movement sets as coordinators read them: for each set with a member in the scope, its
//! members, the groups that link them, who blocks it, how many are eligible, and the
//! tranches its members are placed in.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::column::{self, Row, Scope};
use crate::domain::cutover::{
    eligibility::Blocker,
    sets::{Link, MovementSet, Sets},
};

/// One movement set, summed up from the column rows of its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetSummary {
    /// The set's key: its smallest member id.
    pub key: Uuid,
    /// Every member, by id.
    pub members: Vec<Uuid>,
    /// The hunt and executive-assistant groups that link them.
    pub links: Vec<Link>,
    /// Members who cannot move on their own account; any one blocks the whole set.
    pub blocked: Vec<Uuid>,
    /// Members the column marks ELIGIBLE.
    pub eligible: i64,
    /// The tranches members are placed in, by id (more than one is a split set).
    pub tranches: Vec<Uuid>,
}

/// The sets with a member in `scope`, by key.
pub async fn in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
) -> Result<Vec<SetSummary>, DbErr> {
    let (rows, sets) = column::compute(db, scope, since).await?;
    Ok(summarise(&rows, &sets))
}

/// The sets of the people in `rows`, by key. A member outside `rows` counts as neither
/// blocked nor eligible, and adds no tranche.
pub fn summarise(rows: &[Row], sets: &Sets) -> Vec<SetSummary> {
    let by_person: HashMap<Uuid, &Row> = rows.iter().map(|r| (r.person_id, r)).collect();
    let mut chosen: BTreeMap<Uuid, SetSummary> = BTreeMap::new();
    for r in rows {
        let Some(set) = sets.of(r.person_id) else {
            continue;
        };
        chosen
            .entry(set.key)
            .or_insert_with(|| summary(set, &by_person));
    }
    chosen.into_values().collect()
}

/// One set's summary, from the rows of its members.
fn summary(set: &MovementSet, by_person: &HashMap<Uuid, &Row>) -> SetSummary {
    let members: Vec<Uuid> = set.members.iter().copied().collect();
    let row = |m: &Uuid| by_person.get(m).copied();
    let blocked = members
        .iter()
        .copied()
        .filter(|m| row(m).is_some_and(blocked_on_own_account))
        .collect();
    let eligible = members
        .iter()
        .filter(|m| row(m).is_some_and(|r| r.verdict.eligible()))
        .count() as i64;
    let mut tranches: Vec<Uuid> = members
        .iter()
        .filter_map(|m| row(m).and_then(|r| r.tranche_id))
        .collect();
    tranches.sort();
    tranches.dedup();
    SetSummary {
        key: set.key,
        members,
        links: set.links.clone(),
        blocked,
        eligible,
        tranches,
    }
}

/// True when the person has a blocker of their own, not only the set's.
fn blocked_on_own_account(r: &Row) -> bool {
    r.verdict
        .blockers
        .iter()
        .any(|b| *b != Blocker::MovementSetBlocked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cutover::{eligibility::Status, sets::LinkKind};
    use crate::services::cutover::column::tests::row;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_set_is_summed_up_once_from_its_members_rows() {
        let (a, b, c, lone) = (id(1), id(2), id(3), id(9));
        let (t1, t2) = (id(100), id(101));
        let sets = Sets::build(vec![Link {
            kind: LinkKind::HuntGroup,
            group_id: id(50),
            name: "Reception".into(),
            members: vec![a, b, c],
        }]);
        let rows = vec![
            row(a, Status::Eligible, &[], Some(t2)),
            row(
                b,
                Status::Blocked,
                &[Blocker::CriticalLine, Blocker::MovementSetBlocked],
                Some(t1),
            ),
            row(c, Status::Blocked, &[Blocker::MovementSetBlocked], Some(t2)),
            row(lone, Status::Eligible, &[], None),
        ];
        let out = summarise(&rows, &sets);
        assert_eq!(out.len(), 1, "one set, the person alone is in none");
        let s = &out[0];
        assert_eq!(s.key, a);
        assert_eq!(s.members, vec![a, b, c]);
        assert_eq!(
            s.blocked,
            vec![b],
            "blocked by the set alone does not count"
        );
        assert_eq!(s.eligible, 1);
        assert_eq!(s.tranches, vec![t1, t2]);
        assert_eq!(s.links.len(), 1);
    }

    #[test]
    fn members_outside_the_rows_add_nothing() {
        let (a, b) = (id(1), id(2));
        let sets = Sets::build(vec![Link {
            kind: LinkKind::EaGroup,
            group_id: id(60),
            name: "Office".into(),
            members: vec![a, b],
        }]);
        let out = summarise(&[row(b, Status::Eligible, &[], None)], &sets);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].members, vec![a, b]);
        assert!(out[0].blocked.is_empty());
        assert_eq!(out[0].eligible, 1);
        assert!(out[0].tranches.is_empty());
    }
}

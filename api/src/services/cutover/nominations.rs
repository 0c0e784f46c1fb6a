//! Nominations (rule 7): coordinators answer NOMINATE or DECLINE for people of their own
//! units, against the round's deadline; a later answer is marked late (LATE tranche).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::{enums::NominationAnswer, nomination, nomination_round, person};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{CutoverError, PersonResult, column};
use crate::{
    auth::Principal,
    domain::cutover::{self as rules, Refusal, eligibility::Status},
    services::audit::{self, Subject},
};

/// Every round, newest first.
pub async fn rounds(db: &DatabaseConnection) -> Result<Vec<nomination_round::Model>, CutoverError> {
    Ok(nomination_round::Entity::find()
        .order_by_desc(nomination_round::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Opens a round (administrators).
pub async fn create_round(
    db: &DatabaseConnection,
    principal: &Principal,
    name: &str,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<nomination_round::Model, CutoverError> {
    if !principal.is_admin() {
        return Err(CutoverError::NotAllowed(
            "nomination rounds are opened by administrators",
        ));
    }
    let name = rules::check_name(name).map_err(|r| CutoverError::refused("name", r))?;
    if deadline <= now {
        return Err(CutoverError::refused("deadline", Refusal::DeadlineInPast));
    }
    let txn = crate::db::begin_write(db).await?;
    let round = nomination_round::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        deadline: Set(deadline),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        principal,
        "nomination_round.create",
        Subject::new("nomination_round", round.id),
        None,
        Some(audit::snapshot(&round)),
    )
    .await?;
    txn.commit().await?;
    Ok(round)
}

/// What happened to one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded before the deadline.
    Recorded,
    /// Recorded after the deadline: the person goes to a LATE tranche.
    RecordedLate,
    Refused,
}

/// Records answers (each replaces the person's earlier answer in the round). People outside
/// the caller's units are refused one by one; the others are recorded.
pub async fn answer(
    db: &DatabaseConnection,
    principal: &Principal,
    round_id: Option<Uuid>,
    answers: &[(Uuid, NominationAnswer)],
    now: DateTime<Utc>,
) -> Result<(nomination_round::Model, Vec<PersonResult<Outcome>>), CutoverError> {
    if !(principal.is_admin() || principal.has_role(crate::auth::Role::Coordinator)) {
        return Err(CutoverError::NotAllowed(
            "nominations are answered by coordinators for their units",
        ));
    }
    let ids: Vec<Uuid> = answers.iter().map(|(p, _)| *p).collect();
    rules::check_unique(&ids).map_err(|r| CutoverError::refused("answers", r))?;
    let txn = crate::db::begin_write(db).await?;
    let round = match round_id {
        Some(id) => nomination_round::Entity::find_by_id(id).one(&txn).await?,
        None => column::current_round(&txn).await?,
    }
    .ok_or(CutoverError::NotFound("nomination round"))?;
    let people: HashMap<Uuid, person::Model> = person::Entity::find()
        .filter(person::Column::Id.is_in(ids.clone()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let earlier: HashMap<Uuid, nomination::Model> = nomination::Entity::find()
        .filter(nomination::Column::RoundId.eq(round.id))
        .filter(nomination::Column::PersonId.is_in(ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|n| (n.person_id, n))
        .collect();
    let late = rules::is_late(now, round.deadline);
    let mut results = Vec::with_capacity(answers.len());
    for (person_id, answer) in answers {
        let refusal = match people.get(person_id) {
            None => Some(Refusal::UnknownPerson(*person_id)),
            Some(p) if !(principal.is_admin() || principal.coordinates(p.unit_id)) => {
                Some(Refusal::NotInYourUnits(*person_id))
            }
            Some(_) => None,
        };
        if let Some(refusal) = refusal {
            results.push(PersonResult {
                person_id: *person_id,
                outcome: Outcome::Refused,
                refusal: Some(refusal),
            });
            continue;
        }
        let Some(p) = people.get(person_id) else {
            continue;
        };
        let before = earlier.get(person_id);
        let row = nomination::ActiveModel {
            id: Set(before.map_or_else(Uuid::now_v7, |b| b.id)),
            round_id: Set(round.id),
            person_id: Set(*person_id),
            unit_id: Set(p.unit_id),
            answer: Set(*answer),
            answered_by: Set(principal.username.clone()),
            answered_at: Set(now),
            late: Set(late),
        };
        let after = if before.is_some() {
            row.update(&txn).await?
        } else {
            row.insert(&txn).await?
        };
        audit::record(
            &txn,
            principal,
            "nomination.answer",
            Subject::new("person", *person_id),
            before.map(audit::snapshot),
            Some(audit::snapshot(&after)),
        )
        .await?;
        results.push(PersonResult {
            person_id: *person_id,
            outcome: if late {
                Outcome::RecordedLate
            } else {
                Outcome::Recorded
            },
            refusal: None,
        });
    }
    txn.commit().await?;
    Ok((round, results))
}

/// A unit's progress in a round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub unit_id: Uuid,
    pub unit_code: String,
    /// People the MS Teams column marks ELIGIBLE.
    pub eligible: i64,
    pub nominated: i64,
    pub declined: i64,
    /// Answers given after the deadline.
    pub late: i64,
    /// Eligible people without an answer.
    pub pending: i64,
}

/// Progress per unit (coordinators: their units; administrators: every unit).
pub async fn progress(
    db: &DatabaseConnection,
    principal: &Principal,
    since: DateTime<Utc>,
) -> Result<Vec<Progress>, CutoverError> {
    let scope = if principal.is_admin() {
        column::Scope::All
    } else if principal.has_role(crate::auth::Role::Coordinator) {
        column::Scope::Units(principal.units.iter().copied().collect())
    } else {
        return Err(CutoverError::NotAllowed(
            "progress is for coordinators and administrators",
        ));
    };
    let (rows, _) = column::compute(db, &scope, since).await?;
    let mut by_unit: BTreeMap<String, Progress> = BTreeMap::new();
    for r in rows {
        let p = by_unit
            .entry(r.unit_code.clone())
            .or_insert_with(|| Progress {
                unit_id: r.unit_id,
                unit_code: r.unit_code.clone(),
                ..Default::default()
            });
        let eligible = r.verdict.status == Status::Eligible;
        p.eligible += i64::from(eligible);
        match r.nomination {
            Some((NominationAnswer::Nominate, late)) => {
                p.nominated += 1;
                p.late += i64::from(late);
            }
            Some((NominationAnswer::Decline, late)) => {
                p.declined += 1;
                p.late += i64::from(late);
            }
            None => p.pending += i64::from(eligible),
        }
    }
    Ok(by_unit.into_values().collect())
}

//! Nominations (rule 7): coordinators answer NOMINATE or DECLINE for people of their own
//! units, against the round's deadline; a later answer is marked late (LATE tranche).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::{enums::NominationAnswer, nomination, nomination_round, person};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{PersonResult, column, not_found, refused};
use crate::{
    auth::Principal,
    domain::cutover::{self as rules, Refusal, eligibility::Status},
    error::{self, ApiError, try_refuse},
    services::audit::{self, Subject, SubjectKind},
};

/// Every round, newest first.
pub async fn rounds(db: &DatabaseConnection) -> Result<Vec<nomination_round::Model>, ApiError> {
    Ok(nomination_round::Entity::find()
        .order_by_desc(nomination_round::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Opens a round (administrators; FORBIDDEN for anyone else). Refused for an invalid name or
/// a deadline that is not in the future.
pub async fn create_round(
    db: &DatabaseConnection,
    principal: &Principal,
    name: &str,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> error::Outcome<nomination_round::Model> {
    if !principal.is_admin() {
        return Err(ApiError::Forbidden(
            "nomination rounds are opened by administrators".into(),
        ));
    }
    let name = try_refuse!(rules::check_name(name).map_err(|r| refused("name", r)));
    if deadline <= now {
        return Ok(Err(refused("deadline", Refusal::DeadlineInPast)));
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
        Subject::new(SubjectKind::NominationRound, round.id),
        None,
        Some(audit::snapshot(&round)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(round))
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
/// the caller's units are refused one by one; the others are recorded. FORBIDDEN for anyone
/// but coordinators and administrators; the request as a whole is refused for a repeated
/// person or an unknown round (or no current one).
pub async fn answer(
    db: &DatabaseConnection,
    principal: &Principal,
    round_id: Option<Uuid>,
    answers: &[(Uuid, NominationAnswer)],
    now: DateTime<Utc>,
) -> error::Outcome<(nomination_round::Model, Vec<PersonResult<Outcome>>)> {
    if !(principal.is_admin() || principal.has_role(crate::auth::Role::Coordinator)) {
        return Err(ApiError::Forbidden(
            "nominations are answered by coordinators for their units".into(),
        ));
    }
    let ids: Vec<Uuid> = answers.iter().map(|(p, _)| *p).collect();
    try_refuse!(rules::check_unique(&ids).map_err(|r| refused("answers", r)));
    let txn = crate::db::begin_write(db).await?;
    let round = match round_id {
        Some(id) => nomination_round::Entity::find_by_id(id).one(&txn).await?,
        None => column::current_round(&txn).await?,
    };
    let Some(round) = round else {
        return Ok(Err(not_found("nomination round")));
    };
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
            Subject::new(SubjectKind::Person, *person_id),
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
    Ok(Ok((round, results)))
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

/// Progress per unit (coordinators: their units; administrators: every unit; FORBIDDEN for
/// anyone else).
pub async fn progress(
    db: &DatabaseConnection,
    principal: &Principal,
    since: DateTime<Utc>,
) -> Result<Vec<Progress>, ApiError> {
    let scope = if principal.is_admin() {
        column::Scope::All
    } else if principal.has_role(crate::auth::Role::Coordinator) {
        column::Scope::Units(principal.units.iter().copied().collect())
    } else {
        return Err(ApiError::Forbidden(
            "progress is for coordinators and administrators".into(),
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

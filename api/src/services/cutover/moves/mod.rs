//! Moving people to Teams (rule 10) and the Chorus upgrade (rule 11).
//!
//! The state of every person to move is loaded in a handful of set-based queries, then
//! `domain::cutover::moves` plans each movement set. A dry run returns the plans. A real run
//! applies each set's plan in its own transaction, re-planning it inside that transaction
//! first so it acts on what is there now; a set that fails is rolled back and reported, and
//! the others go on. Someone already on Teams is skipped, so running again after a crash
//! finishes the rest and changes nothing twice.
//!
//! Layout: `state` loads what the plans need, `apply` writes a batch of plans, `upgrade` is
//! the Chorus upgrade; this file runs the moves.

mod apply;
mod state;
mod upgrade;

pub use upgrade::{run_upgrade, upgrade_preview, upgrade_ran};

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    enums::{Platform, TrancheState},
    person, tranche,
};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{column, not_found, refused, tranches};
use crate::{
    auth::Principal,
    domain::cutover::{
        self as rules, Refusal,
        moves::{self as plan_rules, SetMove},
        sets::Sets,
    },
    error::{ApiError, Outcome, try_refuse},
    events::{CutoverProgress, Events},
};

/// How one movement set fared.
#[derive(Clone, Debug)]
pub struct SetOutcome {
    pub members: Vec<Uuid>,
    /// What changes (dry run) or changed (real run); None when refused or failed.
    pub plan: Option<SetMove>,
    /// A rule refused the set: nothing changed.
    pub refusal: Option<Refusal>,
    /// The set's transaction failed: nothing changed.
    pub failure: Option<String>,
}

/// The result of a move request.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub run_id: Uuid,
    pub dry_run: bool,
    pub sets: Vec<SetOutcome>,
}

impl Report {
    pub fn people_moved(&self) -> usize {
        self.sets
            .iter()
            .filter_map(|s| s.plan.as_ref())
            .map(|p| p.moves.len())
            .sum()
    }
}

/// Moves `people` (whole movement sets: anything else is refused as SET_SPLIT up front, as
/// are a repeated or unknown person).
pub async fn move_people(
    db: &DatabaseConnection,
    principal: &Principal,
    events: &Events,
    person_ids: &[Uuid],
    dry_run: bool,
    since: DateTime<Utc>,
) -> Outcome<Report> {
    check_runner(principal)?;
    try_refuse!(rules::check_unique(person_ids).map_err(|r| refused("personIds", r)));
    let known: BTreeSet<Uuid> = person::Entity::find()
        .filter(person::Column::Id.is_in(person_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    if let Some(unknown) = person_ids.iter().find(|p| !known.contains(p)) {
        return Ok(Err(refused("personIds", Refusal::UnknownPerson(*unknown))));
    }
    let sets = Sets::build(column::links(db).await?);
    let (groups, missing) = sets.partition(&known);
    if !missing.is_empty() {
        return Ok(Err(refused(
            "personIds",
            Refusal::SetSplit {
                missing: missing.into_iter().collect(),
            },
        )));
    }
    Ok(Ok(
        run(db, principal, events, groups, dry_run, since, None).await?
    ))
}

/// FORBIDDEN unless the caller runs the project's side of the move.
fn check_runner(principal: &Principal) -> Result<(), ApiError> {
    if super::may_run(principal, tranches::SCOPE) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "moves are run by administrators and the cutover:write service scope".into(),
        ))
    }
}

/// Moves every member of a tranche. The real run needs the tranche FROZEN (membership
/// fixed) or IN_PROGRESS (a re-run); it becomes IN_PROGRESS, and DONE once everyone in it
/// is on Teams. A real run of a PLANNED tranche is refused (INVALID_TRANSITION).
pub async fn execute_tranche(
    db: &DatabaseConnection,
    principal: &Principal,
    events: &Events,
    tranche_id: Uuid,
    dry_run: bool,
    since: DateTime<Utc>,
) -> Outcome<(tranche::Model, Report)> {
    check_runner(principal)?;
    let Some(t) = tranche::Entity::find_by_id(tranche_id).one(db).await? else {
        return Ok(Err(not_found("tranche")));
    };
    if !dry_run {
        match t.state {
            TrancheState::Frozen => {
                tranches::set_state(db, t.id, TrancheState::InProgress).await?;
            }
            TrancheState::InProgress | TrancheState::Done => {}
            TrancheState::Planned => {
                return Ok(Err(refused(
                    "trancheId",
                    Refusal::InvalidTransition {
                        from: TrancheState::Planned,
                        to: TrancheState::InProgress,
                    },
                )));
            }
        }
    }
    let members: BTreeSet<Uuid> = tranches::members(db, t.id).await?.into_iter().collect();
    let sets = Sets::build(column::links(db).await?);
    let (groups, _) = sets.partition(&members);
    let report = run(db, principal, events, groups, dry_run, since, Some(t.id)).await?;
    if !dry_run {
        let left = person::Entity::find()
            .filter(person::Column::Id.is_in(members.iter().copied().collect::<Vec<_>>()))
            .filter(person::Column::Platform.eq(Platform::Chorus))
            .one(db)
            .await?;
        if left.is_none() && t.state != TrancheState::Done {
            tranches::set_state(db, t.id, TrancheState::Done).await?;
        }
    }
    let Some(t) = tranche::Entity::find_by_id(tranche_id).one(db).await? else {
        return Ok(Err(not_found("tranche")));
    };
    Ok(Ok((t, report)))
}

/// Finishes the tranche moves a stopped process left IN_PROGRESS; run once at start-up.
/// Sets moved before the stop are left as they are (their people are on Teams and plan to
/// nothing); the rest move now, in transactions of whole sets as always. Returns the tranches
/// finished. It stops at the first tranche that fails; one a rule refuses fails as an
/// internal error, since nobody is there to read a user error.
pub async fn resume(
    db: &DatabaseConnection,
    events: &Events,
    since: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let pending = tranche::Entity::find()
        .filter(tranche::Column::State.eq(TrancheState::InProgress))
        .all(db)
        .await?;
    let actor = Principal::system("resume-moves", &[tranches::SCOPE]);
    for t in &pending {
        let (_, report) = execute_tranche(db, &actor, events, t.id, false, since)
            .await?
            .map_err(|refusal| {
                ApiError::internal(anyhow::anyhow!(
                    "tranche {} was refused: {}",
                    t.number,
                    refusal.message
                ))
            })?;
        tracing::info!(
            tranche = t.number,
            people_moved = report.people_moved(),
            "resumed a tranche move left in progress"
        );
    }
    Ok(pending.len())
}

/// Plans and (unless a dry run) applies the sets, `SETS_PER_TRANSACTION` at a time, with a
/// progress event after each set and a last one when the run ends.
async fn run(
    db: &DatabaseConnection,
    principal: &Principal,
    events: &Events,
    groups: Vec<BTreeSet<Uuid>>,
    dry_run: bool,
    since: DateTime<Utc>,
    tranche_id: Option<Uuid>,
) -> Result<Report, DbErr> {
    let everyone: Vec<Uuid> = groups.iter().flatten().copied().collect();
    let loaded = state::load(db, &everyone, since).await?;
    let mut report = Report {
        run_id: Uuid::now_v7(),
        dry_run,
        sets: Vec::with_capacity(groups.len()),
    };
    let mut tally = Tally {
        run_id: report.run_id,
        tranche_id,
        total: groups.len() as u32,
        done: 0,
        failed: 0,
        moved: 0,
    };
    for chunk in groups.chunks(SETS_PER_TRANSACTION) {
        let mut outcomes = plan_sets(chunk, &loaded);
        if !dry_run {
            apply_outcomes(db, principal, &mut outcomes, &loaded.lines).await;
        }
        let mut notices = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            tally.count(&outcome);
            if !dry_run {
                notices.push(tally.progress(&outcome));
            }
            report.sets.push(outcome);
        }
        events.progress_many(db, notices).await;
    }
    if !dry_run {
        events.progress(db, tally.finished()).await;
    }
    Ok(report)
}

/// How many movement sets move in one transaction. Each set stays whole either way; a batch
/// that fails is moved again set by set, so a failing set leaves only itself unchanged.
const SETS_PER_TRANSACTION: usize = 100;

/// Plans each set of a batch from the loaded state; a rule's refusal is kept on its outcome.
fn plan_sets(chunk: &[BTreeSet<Uuid>], loaded: &state::Loaded) -> Vec<SetOutcome> {
    chunk
        .iter()
        .map(|members| {
            let (people, set_groups) = state::set_state(members, loaded);
            let mut outcome = SetOutcome {
                members: members.iter().copied().collect(),
                plan: None,
                refusal: None,
                failure: None,
            };
            match plan_rules::plan_set(&people, &set_groups) {
                Ok(plan) => outcome.plan = Some(plan),
                Err(refusal) => outcome.refusal = Some(refusal),
            }
            outcome
        })
        .collect()
}

/// Applies the planned sets of a batch in one transaction; when that fails, set by set, so
/// that only a failing set stays unchanged (its plan is dropped and the failure kept).
async fn apply_outcomes(
    db: &DatabaseConnection,
    principal: &Principal,
    outcomes: &mut [SetOutcome],
    lines: &HashMap<Uuid, Uuid>,
) {
    let (planned, result) = {
        let plans: Vec<&SetMove> = outcomes.iter().filter_map(|o| o.plan.as_ref()).collect();
        (
            plans.len(),
            apply::apply(db, principal, &plans, lines).await,
        )
    };
    let Err(e) = result else {
        return;
    };
    if planned > 1 {
        tracing::info!(error = %e, sets = planned, "a batch of sets failed; moving them one by one");
    }
    for outcome in outcomes.iter_mut().filter(|o| o.plan.is_some()) {
        let single = match &outcome.plan {
            Some(plan) if planned > 1 => apply::apply(db, principal, &[plan], lines).await,
            _ => Err(DbErr::Custom(e.to_string())),
        };
        if let Err(e) = single {
            tracing::warn!(error = %e, "a movement set failed to move; it is unchanged");
            outcome.plan = None;
            outcome.failure = Some(e.to_string());
        }
    }
}

/// The running counts of a move, for its progress events.
struct Tally {
    run_id: Uuid,
    tranche_id: Option<Uuid>,
    total: u32,
    done: u32,
    failed: u32,
    moved: u32,
}

impl Tally {
    /// Counts one finished set.
    fn count(&mut self, outcome: &SetOutcome) {
        self.done += 1;
        if outcome.plan.is_none() {
            self.failed += 1;
        }
        self.moved += outcome.plan.as_ref().map_or(0, |p| p.moves.len() as u32);
    }

    /// The progress event after `outcome`, counted.
    fn progress(&self, outcome: &SetOutcome) -> CutoverProgress {
        CutoverProgress {
            run_id: self.run_id,
            tranche_id: self.tranche_id,
            sets_total: self.total,
            sets_done: self.done,
            sets_failed: self.failed,
            people_moved: self.moved,
            set_members: outcome.members.clone(),
            failure: outcome
                .refusal
                .as_ref()
                .map(|r| r.to_string())
                .or_else(|| outcome.failure.clone()),
            finished: false,
        }
    }

    /// The run's last event.
    fn finished(&self) -> CutoverProgress {
        CutoverProgress {
            run_id: self.run_id,
            tranche_id: self.tranche_id,
            sets_total: self.total,
            sets_done: self.done,
            sets_failed: self.failed,
            people_moved: self.moved,
            set_members: vec![],
            failure: None,
            finished: true,
        }
    }
}

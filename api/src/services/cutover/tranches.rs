//! Tranches (rule 8) and the countdown outbox plan (rule 9).
//!
//! Members are placed a whole movement set at a time. Placing, moving or taking out a
//! person, and rescheduling a tranche, re-plan the person's unsent notices in the same
//! transaction: unsent rows are dropped and the notices whose day has not passed are
//! planned again; a sent notice is never planned twice (`(person, tranche, kind)` unique).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{Cohort, NominationAnswer, Platform, TrancheState},
    notification, tranche, tranche_member,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{column, conflict, not_found, refused};
use crate::{
    auth::Principal,
    domain::cutover::{
        self as rules, Refusal,
        sets::Sets,
        tranches::{self as plan_rules, Candidate, Slot, Unplaced},
    },
    error::{ApiError, Outcome, try_refuse},
    services::audit::{self, Subject, SubjectKind},
};

/// The scope of tranche changes.
pub const SCOPE: &str = "cutover:write";

/// FORBIDDEN unless the caller runs the project's side of the move.
fn check_runner(principal: &Principal) -> Result<(), ApiError> {
    if super::may_run(principal, SCOPE) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "tranches are managed by administrators and the cutover:write service scope".into(),
        ))
    }
}

/// Every tranche by number, with its member count.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<(tranche::Model, i64)>, DbErr> {
    let tranches = tranche::Entity::find()
        .order_by_asc(tranche::Column::Number)
        .all(db)
        .await?;
    let counts = member_counts(db).await?;
    Ok(tranches
        .into_iter()
        .map(|t| {
            let n = counts.get(&t.id).copied().unwrap_or(0);
            (t, n)
        })
        .collect())
}

async fn member_counts(db: &impl ConnectionTrait) -> Result<HashMap<Uuid, i64>, DbErr> {
    use sea_orm::{FromQueryResult, QuerySelect};
    #[derive(FromQueryResult)]
    struct Count {
        tranche_id: Uuid,
        n: i64,
    }
    Ok(tranche_member::Entity::find()
        .select_only()
        .column(tranche_member::Column::TrancheId)
        .column_as(tranche_member::Column::Id.count(), "n")
        .group_by(tranche_member::Column::TrancheId)
        .into_model::<Count>()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.tranche_id, c.n))
        .collect())
}

/// The members of a tranche.
pub async fn members(db: &impl ConnectionTrait, tranche_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(tranche_member::Entity::find()
        .filter(tranche_member::Column::TrancheId.eq(tranche_id))
        .order_by_asc(tranche_member::Column::PersonId)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.person_id)
        .collect())
}

/// The members of a tranche who belong to one of `units` (a coordinator's view: other
/// units' people in the same tranche are not theirs to see).
pub async fn members_in_units(
    db: &impl ConnectionTrait,
    tranche_id: Uuid,
    units: &std::collections::BTreeSet<Uuid>,
) -> Result<Vec<Uuid>, DbErr> {
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    if units.is_empty() {
        return Ok(Vec::new());
    }
    tranche_member::Entity::find()
        .select_only()
        .column(tranche_member::Column::PersonId)
        .join(JoinType::InnerJoin, tranche_member::Relation::Person.def())
        .filter(tranche_member::Column::TrancheId.eq(tranche_id))
        .filter(entity::person::Column::UnitId.is_in(units.iter().copied()))
        .order_by_asc(tranche_member::Column::PersonId)
        .into_tuple()
        .all(db)
        .await
}

/// One tranche, by id (the schedule is open to every signed-in caller).
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<tranche::Model>, DbErr> {
    tranche::Entity::find_by_id(id).one(db).await
}

/// The members of a tranche the caller may list: administrators and services all of them,
/// coordinators those of their own units; anyone else is FORBIDDEN.
pub async fn visible_members(
    db: &impl ConnectionTrait,
    principal: &Principal,
    tranche_id: Uuid,
) -> Result<Vec<Uuid>, ApiError> {
    if principal.is_admin() || principal.kind == crate::auth::PrincipalKind::Service {
        Ok(members(db, tranche_id).await?)
    } else if principal.has_role(crate::auth::Role::Coordinator) {
        Ok(members_in_units(db, tranche_id, &principal.units).await?)
    } else {
        Err(ApiError::Forbidden(
            "members are listed for staff only".into(),
        ))
    }
}

/// A new tranche.
#[derive(Clone, Debug)]
pub struct NewTranche {
    pub number: i32,
    pub name: String,
    pub cohort: Cohort,
    pub move_date: NaiveDate,
    pub capacity: i32,
}

/// Creates a tranche (PLANNED, version 1). FORBIDDEN for a caller who does not run the move;
/// refused for an invalid name, move date or capacity, or a number already taken.
pub async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    input: NewTranche,
    now: DateTime<Utc>,
) -> Outcome<tranche::Model> {
    check_runner(principal)?;
    let name = try_refuse!(rules::check_name(&input.name).map_err(|r| refused("name", r)));
    try_refuse!(
        plan_rules::check_move_date(input.move_date, super::london_today(now))
            .map_err(|r| refused("moveDate", r))
    );
    try_refuse!(plan_rules::check_capacity(input.capacity, 0).map_err(|r| refused("capacity", r)));
    let txn = crate::db::begin_write(db).await?;
    if tranche::Entity::find()
        .filter(tranche::Column::Number.eq(input.number))
        .one(&txn)
        .await?
        .is_some()
    {
        return Ok(Err(refused(
            "number",
            Refusal::DuplicateNumber(input.number),
        )));
    }
    let t = tranche::ActiveModel {
        id: Set(Uuid::now_v7()),
        number: Set(input.number),
        name: Set(name),
        cohort: Set(input.cohort),
        move_date: Set(input.move_date),
        capacity: Set(input.capacity),
        state: Set(TrancheState::Planned),
        created_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        principal,
        "tranche.create",
        Subject::new(SubjectKind::Tranche, t.id),
        None,
        Some(audit::snapshot(&t)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(t))
}

/// Changes to a tranche; None leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct TrancheChange {
    pub name: Option<String>,
    pub move_date: Option<NaiveDate>,
    pub capacity: Option<i32>,
    pub state: Option<TrancheState>,
    pub expected_version: Option<i32>,
}

/// Renames, reschedules (re-planning unsent notices), resizes, or moves the state on.
/// FORBIDDEN for a caller who does not run the move; NOT_FOUND, CONFLICT for a stale
/// `expected_version`, or a rule's refusal on the field at fault.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    change: TrancheChange,
    now: DateTime<Utc>,
) -> Outcome<tranche::Model> {
    check_runner(principal)?;
    let today = super::london_today(now);
    let txn = crate::db::begin_write(db).await?;
    let Some(before) = tranche::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(Err(not_found("tranche")));
    };
    let expected = change.expected_version.unwrap_or(before.version);
    if expected != before.version {
        return Ok(Err(conflict(expected)));
    }
    let edits = change.name.is_some() || change.move_date.is_some() || change.capacity.is_some();
    if edits {
        try_refuse!(plan_rules::check_editable(before.state).map_err(|r| refused("id", r)));
    }
    let mut active: tranche::ActiveModel = before.clone().into();
    if let Some(name) = &change.name {
        active.name = Set(try_refuse!(
            rules::check_name(name).map_err(|r| refused("name", r))
        ));
    }
    let members = members(&txn, id).await?;
    if let Some(capacity) = change.capacity {
        try_refuse!(
            plan_rules::check_capacity(capacity, members.len()).map_err(|r| refused("capacity", r))
        );
        active.capacity = Set(capacity);
    }
    let rescheduled = change.move_date.filter(|d| *d != before.move_date);
    if let Some(date) = rescheduled {
        try_refuse!(plan_rules::check_move_date(date, today).map_err(|r| refused("moveDate", r)));
        active.move_date = Set(date);
    }
    if let Some(state) = change.state.filter(|s| *s != before.state) {
        try_refuse!(
            plan_rules::check_transition(before.state, state).map_err(|r| refused("state", r))
        );
        active.state = Set(state);
    }
    active.version = Set(before.version + 1);
    let changed = tranche::Entity::update_many()
        .set(active)
        .filter(tranche::Column::Id.eq(id))
        .filter(tranche::Column::Version.eq(before.version))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed != 1 {
        return Ok(Err(conflict(expected)));
    }
    let Some(after) = tranche::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(Err(not_found("tranche")));
    };
    if rescheduled.is_some() {
        replan(&txn, &after, &members, today).await?;
    }
    audit::changed(
        &txn,
        principal,
        "tranche.update",
        Subject::new(SubjectKind::Tranche, id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Drops the people's unsent notices (of any tranche) and plans those of `tranche` whose day
/// has not passed, skipping kinds already sent for this tranche.
pub async fn replan(
    db: &impl ConnectionTrait,
    t: &tranche::Model,
    people: &[Uuid],
    today: NaiveDate,
) -> Result<(), DbErr> {
    for chunk in people.chunks(crate::db::IDS_PER_STATEMENT) {
        notification::Entity::delete_many()
            .filter(notification::Column::PersonId.is_in(chunk.to_vec()))
            .filter(notification::Column::SentAt.is_null())
            .exec(db)
            .await?;
        let sent: std::collections::HashSet<(Uuid, entity::enums::NotificationKind)> =
            notification::Entity::find()
                .filter(notification::Column::PersonId.is_in(chunk.to_vec()))
                .filter(notification::Column::TrancheId.eq(t.id))
                .all(db)
                .await?
                .into_iter()
                .map(|n| (n.person_id, n.kind))
                .collect();
        let now = Utc::now();
        let rows: Vec<notification::ActiveModel> = chunk
            .iter()
            .flat_map(|p| {
                plan_rules::notices_from(t.move_date, today)
                    .into_iter()
                    .filter(|(kind, _)| !sent.contains(&(*p, *kind)))
                    .map(|(kind, due)| notification::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        person_id: Set(*p),
                        tranche_id: Set(Some(t.id)),
                        kind: Set(kind),
                        due_on: Set(due),
                        claimed_at: Set(None),
                        sent_at: Set(None),
                        payload: Set(serde_json::json!({})),
                        created_at: Set(now),
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for batch in rows.chunks(crate::db::IDS_PER_STATEMENT / 5) {
            notification::Entity::insert_many(batch.to_vec())
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(())
}

/// Drops the people's unsent notices (taken out of a tranche, or moved).
pub async fn drop_unsent(db: &impl ConnectionTrait, people: &[Uuid]) -> Result<(), DbErr> {
    for chunk in people.chunks(crate::db::IDS_PER_STATEMENT) {
        notification::Entity::delete_many()
            .filter(notification::Column::PersonId.is_in(chunk.to_vec()))
            .filter(notification::Column::SentAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The answer for one movement set (or single person) in a placement request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetResult {
    pub members: Vec<Uuid>,
    /// None when placed (or, in a dry run, placeable).
    pub refusal: Option<Refusal>,
}

/// Places people in a tranche, whole movement sets only. Each set is checked on its own
/// (on Chorus, licensed, not blocked, a late nomination only in a LATE tranche) and the
/// capacity cumulatively; refused sets are reported and the others placed. People already
/// in another tranche move to this one. The request as a whole is refused (nothing placed)
/// for a repeated or unknown person, a split set, an unknown or no longer editable tranche.
pub async fn assign(
    db: &DatabaseConnection,
    principal: &Principal,
    tranche_id: Uuid,
    person_ids: &[Uuid],
    dry_run: bool,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Outcome<(tranche::Model, Vec<SetResult>)> {
    check_runner(principal)?;
    try_refuse!(rules::check_unique(person_ids).map_err(|r| refused("personIds", r)));
    let wanted: BTreeSet<Uuid> = person_ids.iter().copied().collect();
    let (rows, sets) =
        column::compute(db, &column::Scope::People(person_ids.to_vec()), since).await?;
    let known: HashMap<Uuid, column::Row> = rows.into_iter().map(|r| (r.person_id, r)).collect();
    if let Some(unknown) = person_ids.iter().find(|p| !known.contains_key(p)) {
        return Ok(Err(refused("personIds", Refusal::UnknownPerson(*unknown))));
    }
    let (groups, missing) = sets.partition(&wanted);
    if !missing.is_empty() {
        return Ok(Err(refused(
            "personIds",
            Refusal::SetSplit {
                missing: missing.into_iter().collect(),
            },
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    let Some(t) = tranche::Entity::find_by_id(tranche_id).one(&txn).await? else {
        return Ok(Err(not_found("tranche")));
    };
    try_refuse!(plan_rules::check_editable(t.state).map_err(|r| refused("trancheId", r)));
    let current = members(&txn, tranche_id).await?;
    let mut used = current.iter().filter(|p| !wanted.contains(p)).count();
    let mut results = Vec::new();
    let mut placed = Vec::new();
    for group in groups {
        let refusal = group.iter().find_map(|p| {
            let row = known.get(p)?;
            if row.facts.platform == Platform::Teams {
                return Some(Refusal::AlreadyMoved(*p));
            }
            if let Some(b) = row.verdict.blockers.iter().next() {
                return Some(Refusal::Blocked {
                    person: *p,
                    blocker: *b,
                });
            }
            if !row.licensed {
                return Some(Refusal::NoLicence(*p));
            }
            if row.nomination.is_some_and(|(_, late)| late) && t.cohort != Cohort::Late {
                return Some(Refusal::LateNomination(*p));
            }
            None
        });
        let refusal = refusal.or_else(|| {
            let free = (t.capacity as usize).saturating_sub(used);
            (group.len() > free).then_some(Refusal::TrancheFull {
                free,
                needed: group.len(),
            })
        });
        if refusal.is_none() {
            used += group.len();
            placed.extend(group.iter().copied());
        }
        results.push(SetResult {
            members: group.into_iter().collect(),
            refusal,
        });
    }
    if dry_run || placed.is_empty() {
        txn.rollback().await?;
        return Ok(Ok((t, results)));
    }
    place(&txn, principal, &t, &placed, now).await?;
    txn.commit().await?;
    Ok(Ok((t, results)))
}

/// Writes memberships (moving people from other tranches) and plans their notices.
async fn place(
    txn: &impl ConnectionTrait,
    principal: &Principal,
    t: &tranche::Model,
    people: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in people.chunks(crate::db::IDS_PER_STATEMENT) {
        let earlier: Vec<tranche_member::Model> = tranche_member::Entity::find()
            .filter(tranche_member::Column::PersonId.is_in(chunk.to_vec()))
            .all(txn)
            .await?;
        let from: HashMap<Uuid, Uuid> = earlier
            .iter()
            .map(|m| (m.person_id, m.tranche_id))
            .collect();
        tranche_member::Entity::delete_many()
            .filter(tranche_member::Column::PersonId.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
        let rows: Vec<tranche_member::ActiveModel> = chunk
            .iter()
            .map(|p| tranche_member::ActiveModel {
                id: Set(Uuid::now_v7()),
                tranche_id: Set(t.id),
                person_id: Set(*p),
                added_at: Set(now),
            })
            .collect();
        for batch in rows.chunks(crate::db::IDS_PER_STATEMENT / 5) {
            tranche_member::Entity::insert_many(batch.to_vec())
                .exec_without_returning(txn)
                .await?;
        }
        for p in chunk {
            audit::record(
                txn,
                principal,
                "tranche.place",
                Subject::new(SubjectKind::Person, *p),
                from.get(p).map(|t| serde_json::json!({ "tranche": t })),
                Some(serde_json::json!({ "tranche": t.id })),
            )
            .await?;
        }
    }
    replan(txn, t, people, super::london_today(now)).await
}

/// Takes people out of their tranche, whole sets only; their unsent notices are dropped.
/// Refused for a repeated person, a split set, or a tranche that can no longer change.
pub async fn remove(
    db: &DatabaseConnection,
    principal: &Principal,
    person_ids: &[Uuid],
    since: DateTime<Utc>,
) -> Outcome<Vec<Uuid>> {
    check_runner(principal)?;
    try_refuse!(rules::check_unique(person_ids).map_err(|r| refused("personIds", r)));
    let wanted: BTreeSet<Uuid> = person_ids.iter().copied().collect();
    let sets = Sets::build(column::links(db).await?);
    let (_, missing) = sets.partition(&wanted);
    if !missing.is_empty() {
        return Ok(Err(refused(
            "personIds",
            Refusal::SetSplit {
                missing: missing.into_iter().collect(),
            },
        )));
    }
    let _ = since;
    let txn = crate::db::begin_write(db).await?;
    let memberships = tranche_member::Entity::find()
        .filter(tranche_member::Column::PersonId.is_in(person_ids.to_vec()))
        .all(&txn)
        .await?;
    let tranche_ids: BTreeSet<Uuid> = memberships.iter().map(|m| m.tranche_id).collect();
    for t in tranche::Entity::find()
        .filter(tranche::Column::Id.is_in(tranche_ids))
        .all(&txn)
        .await?
    {
        try_refuse!(plan_rules::check_editable(t.state).map_err(|r| refused("personIds", r)));
    }
    let removed: Vec<Uuid> = memberships.iter().map(|m| m.person_id).collect();
    tranche_member::Entity::delete_many()
        .filter(tranche_member::Column::PersonId.is_in(removed.clone()))
        .exec(&txn)
        .await?;
    drop_unsent(&txn, &removed).await?;
    for m in &memberships {
        audit::record(
            &txn,
            principal,
            "tranche.remove",
            Subject::new(SubjectKind::Person, m.person_id),
            Some(serde_json::json!({ "tranche": m.tranche_id })),
            None,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Ok(removed))
}

/// Why `planTranches` left a set out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    Planner(Unplaced),
    /// Someone in the set cannot move.
    Blocked,
    /// Someone in the set has no licence yet.
    NoLicence,
    /// Someone in the set was declined.
    Declined,
    /// Part of the set is in a tranche already: place the rest by hand.
    PartlyPlaced,
}

/// `planTranches`' answer.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Per tranche: the sets placed in it (with an overflow flag: placed in LATE for want of
    /// room in its own cohort).
    pub placed: Vec<(Uuid, Vec<Uuid>, bool)>,
    pub skipped: Vec<(Vec<Uuid>, Skip)>,
}

/// Proposes (and unless `dry_run`, makes) an assignment of the nominated people who are not
/// in a tranche yet: whole sets, by cohort, within capacity. Only FORBIDDEN or a fault fail
/// it: a set it cannot place is reported in the plan.
pub async fn plan(
    db: &DatabaseConnection,
    principal: &Principal,
    dry_run: bool,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<Plan, ApiError> {
    check_runner(principal)?;
    let (rows, sets) = column::compute(db, &column::Scope::All, since).await?;
    let by_id: HashMap<Uuid, &column::Row> = rows.iter().map(|r| (r.person_id, r)).collect();
    let nominated: BTreeSet<Uuid> = rows
        .iter()
        .filter(|r| {
            r.nomination
                .is_some_and(|(a, _)| a == NominationAnswer::Nominate)
                && r.facts.platform == Platform::Chorus
                && r.tranche_id.is_none()
        })
        .map(|r| r.person_id)
        .collect();
    let (groups, _) = sets.partition(&nominated);
    let mut result = Plan::default();
    let mut candidates = Vec::new();
    for group in groups {
        let rows: Vec<&column::Row> = group.iter().filter_map(|p| by_id.get(p).copied()).collect();
        let skip = if rows.iter().any(|r| r.tranche_id.is_some()) {
            Some(Skip::PartlyPlaced)
        } else if rows.iter().any(|r| !r.verdict.blockers.is_empty()) {
            Some(Skip::Blocked)
        } else if rows.iter().any(|r| {
            r.nomination
                .is_some_and(|(a, _)| a == NominationAnswer::Decline)
        }) {
            Some(Skip::Declined)
        } else if rows
            .iter()
            .any(|r| !r.licensed && r.facts.platform == Platform::Chorus)
        {
            Some(Skip::NoLicence)
        } else {
            None
        };
        let members: Vec<Uuid> = group.iter().copied().collect();
        if let Some(skip) = skip {
            result.skipped.push((members, skip));
            continue;
        }
        let late = rows
            .iter()
            .any(|r| r.nomination.is_some_and(|(_, late)| late));
        let units: Vec<_> = rows.iter().map(|r| r.unit_kind).collect();
        candidates.push(Candidate {
            members: group,
            cohort: plan_rules::cohort_of_set(&units, late),
        });
    }
    let txn = crate::db::begin_write(db).await?;
    let counts = member_counts(&txn).await?;
    let tranches = tranche::Entity::find().all(&txn).await?;
    let slots: Vec<Slot> = tranches
        .iter()
        .map(|t| Slot {
            id: t.id,
            number: t.number,
            cohort: t.cohort,
            move_date: t.move_date,
            state: t.state,
            free: (t.capacity as usize)
                .saturating_sub(counts.get(&t.id).copied().unwrap_or(0) as usize),
        })
        .collect();
    let proposal = plan_rules::plan(&slots, &candidates);
    let mut per_tranche: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (c, tranche_id, overflow) in &proposal.placed {
        let members: Vec<Uuid> = candidates[*c].members.iter().copied().collect();
        per_tranche
            .entry(*tranche_id)
            .or_default()
            .extend(members.iter().copied());
        result.placed.push((*tranche_id, members, *overflow));
    }
    for (c, why) in &proposal.unplaced {
        result.skipped.push((
            candidates[*c].members.iter().copied().collect(),
            Skip::Planner(*why),
        ));
    }
    if dry_run || per_tranche.is_empty() {
        txn.rollback().await?;
        return Ok(result);
    }
    for (tranche_id, people) in per_tranche {
        if let Some(t) = tranches.iter().find(|t| t.id == tranche_id) {
            place(&txn, principal, t, &people, now).await?;
        }
    }
    txn.commit().await?;
    Ok(result)
}

/// The number of members of a tranche.
pub async fn count(db: &impl ConnectionTrait, tranche_id: Uuid) -> Result<u64, DbErr> {
    tranche_member::Entity::find()
        .filter(tranche_member::Column::TrancheId.eq(tranche_id))
        .count(db)
        .await
}

/// Marks a tranche's state (used by the move), bumping its version.
pub async fn set_state(
    db: &impl ConnectionTrait,
    id: Uuid,
    state: TrancheState,
) -> Result<(), DbErr> {
    tranche::Entity::update_many()
        .col_expr(tranche::Column::State, Expr::value(state))
        .col_expr(
            tranche::Column::Version,
            Expr::col(tranche::Column::Version).add(1),
        )
        .filter(tranche::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

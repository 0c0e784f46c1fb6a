//! Moving people to Teams (rule 10) and the Chorus upgrade (rule 11).
//!
//! The state of every person to move is loaded in a handful of set-based queries, then
//! `domain::cutover::moves` plans each movement set. A dry run returns the plans. A real run
//! applies each set's plan in its own transaction, re-planning it inside that transaction
//! first so it acts on what is there now; a set that fails is rolled back and reported, and
//! the others go on. Someone already on Teams is skipped, so running again after a crash
//! finishes the rest and changes nothing twice.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    device, ea_group, ea_group_member,
    enums::{DeviceKind, DeviceStatus, LineKind, Platform, TrancheState},
    hunt_group, hunt_group_member, line, person, pickup_group, pickup_group_member, tranche,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{CutoverError, column, licences, tranches};
use crate::{
    auth::Principal,
    domain::cutover::{
        self as rules, Refusal,
        moves::{
            self as plan_rules, DeviceState, GroupState, PersonMove, PersonState, SetMove,
            TeamsClient, UpgradeLoss,
        },
        sets::Sets,
    },
    events::{CutoverProgress, Events},
    services::audit::{self, Subject},
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

/// Loads what the plans need for `people`: themselves, devices, lines, pickup memberships,
/// licences, own blockers, and every hunt and EA group they are in with all its members.
async fn load(
    db: &impl ConnectionTrait,
    people: &[Uuid],
    since: DateTime<Utc>,
) -> Result<
    (
        HashMap<Uuid, PersonState>,
        HashMap<Uuid, Vec<GroupState>>,
        HashMap<Uuid, Uuid>,
    ),
    DbErr,
> {
    let (rows, _) = column::compute(db, &column::Scope::People(people.to_vec()), since).await?;
    let licensed = licences::licensed(db, people).await?;
    let mut states: HashMap<Uuid, PersonState> = HashMap::new();
    let mut personal_line: HashMap<Uuid, Uuid> = HashMap::new();
    let mut person_rows: Vec<person::Model> = Vec::new();
    let mut devices: Vec<device::Model> = Vec::new();
    let mut pickups: Vec<pickup_group_member::Model> = Vec::new();
    let mut hunt_ids = BTreeSet::new();
    let mut ea_ids = BTreeSet::new();
    for chunk in people.chunks(crate::db::IDS_PER_STATEMENT) {
        let ids = chunk.to_vec();
        person_rows.extend(
            person::Entity::find()
                .filter(person::Column::Id.is_in(ids.clone()))
                .all(db)
                .await?,
        );
        devices.extend(
            device::Entity::find()
                .filter(device::Column::OwnerId.is_in(ids.clone()))
                .all(db)
                .await?,
        );
        pickups.extend(
            pickup_group_member::Entity::find()
                .filter(pickup_group_member::Column::PersonId.is_in(ids.clone()))
                .all(db)
                .await?,
        );
        for l in line::Entity::find()
            .filter(line::Column::OwnerId.is_in(ids.clone()))
            .filter(line::Column::Kind.eq(LineKind::Personal))
            .all(db)
            .await?
        {
            if let Some(owner) = l.owner_id {
                let entry = personal_line.entry(owner).or_insert(l.id);
                *entry = std::cmp::min(*entry, l.id);
            }
        }
        hunt_ids.extend(
            hunt_group_member::Entity::find()
                .filter(hunt_group_member::Column::PersonId.is_in(ids.clone()))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.group_id),
        );
        ea_ids.extend(
            ea_group_member::Entity::find()
                .filter(ea_group_member::Column::PersonId.is_in(ids))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.group_id),
        );
    }
    let blockers: HashMap<Uuid, _> = rows
        .iter()
        .map(|r| (r.person_id, r.facts.own_blockers()))
        .collect();
    for p in person_rows {
        states.insert(
            p.id,
            PersonState {
                id: p.id,
                platform: p.platform,
                preferred_device: p.preferred_device_id,
                devices: vec![],
                pickup_groups: vec![],
                licensed: licensed.contains(&p.id),
                blockers: blockers.get(&p.id).cloned().unwrap_or_default(),
            },
        );
    }
    for d in devices {
        if let Some(s) = states.get_mut(&d.owner_id) {
            s.devices.push(DeviceState {
                id: d.id,
                kind: d.kind,
                status: d.status,
            });
        }
    }
    for m in pickups {
        if let Some(s) = states.get_mut(&m.person_id) {
            s.pickup_groups.push(m.group_id);
        }
    }
    for s in states.values_mut() {
        s.devices.sort_by_key(|d| d.id);
        s.pickup_groups.sort();
    }
    // The groups with all members and their platforms.
    let hunt_ids: Vec<Uuid> = hunt_ids.into_iter().collect();
    let ea_ids: Vec<Uuid> = ea_ids.into_iter().collect();
    let hunts = hunt_group::Entity::find()
        .filter(hunt_group::Column::Id.is_in(hunt_ids.clone()))
        .all(db)
        .await?;
    let hunt_members = hunt_group_member::Entity::find()
        .filter(hunt_group_member::Column::GroupId.is_in(hunt_ids))
        .all(db)
        .await?;
    let eas = ea_group::Entity::find()
        .filter(ea_group::Column::Id.is_in(ea_ids.clone()))
        .all(db)
        .await?;
    let ea_members = ea_group_member::Entity::find()
        .filter(ea_group_member::Column::GroupId.is_in(ea_ids))
        .all(db)
        .await?;
    let all_members: Vec<Uuid> = hunt_members
        .iter()
        .map(|m| m.person_id)
        .chain(ea_members.iter().map(|m| m.person_id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut platform: HashMap<Uuid, Platform> = HashMap::new();
    for chunk in all_members.chunks(crate::db::IDS_PER_STATEMENT) {
        for p in person::Entity::find()
            .filter(person::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            platform.insert(p.id, p.platform);
        }
    }
    let mut by_person: HashMap<Uuid, Vec<GroupState>> = HashMap::new();
    let groups = hunts
        .iter()
        .map(|g| {
            let members = hunt_members
                .iter()
                .filter(|m| m.group_id == g.id)
                .map(|m| {
                    (
                        m.person_id,
                        platform
                            .get(&m.person_id)
                            .copied()
                            .unwrap_or(Platform::Chorus),
                    )
                })
                .collect();
            GroupState {
                id: g.id,
                ea: false,
                platform: g.platform,
                members,
            }
        })
        .chain(eas.iter().map(|g| {
            let members = ea_members
                .iter()
                .filter(|m| m.group_id == g.id)
                .map(|m| {
                    (
                        m.person_id,
                        platform
                            .get(&m.person_id)
                            .copied()
                            .unwrap_or(Platform::Chorus),
                    )
                })
                .collect();
            GroupState {
                id: g.id,
                ea: true,
                platform: g.platform,
                members,
            }
        }));
    for g in groups {
        let mut members: Vec<Uuid> = g.members.iter().map(|(m, _)| *m).collect();
        members.dedup();
        for m in members {
            by_person.entry(m).or_default().push(g.clone());
        }
    }
    Ok((states, by_person, personal_line))
}

/// The people and groups of one set, from the loaded state.
fn set_state(
    members: &BTreeSet<Uuid>,
    states: &HashMap<Uuid, PersonState>,
    groups: &HashMap<Uuid, Vec<GroupState>>,
) -> (Vec<PersonState>, Vec<GroupState>) {
    let people: Vec<PersonState> = members
        .iter()
        .filter_map(|m| states.get(m).cloned())
        .collect();
    let mut seen = BTreeSet::new();
    let mut set_groups = Vec::new();
    for m in members {
        for g in groups.get(m).into_iter().flatten() {
            if seen.insert(g.id) {
                set_groups.push(g.clone());
            }
        }
    }
    (people, set_groups)
}

/// Moves `people` (whole movement sets: anything else is refused as SET_SPLIT up front).
pub async fn move_people(
    db: &DatabaseConnection,
    principal: &Principal,
    events: &Events,
    person_ids: &[Uuid],
    dry_run: bool,
    since: DateTime<Utc>,
) -> Result<Report, CutoverError> {
    check_runner(principal)?;
    rules::check_unique(person_ids).map_err(|r| CutoverError::refused("personIds", r))?;
    let known: BTreeSet<Uuid> = person::Entity::find()
        .filter(person::Column::Id.is_in(person_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    if let Some(unknown) = person_ids.iter().find(|p| !known.contains(p)) {
        return Err(CutoverError::refused(
            "personIds",
            Refusal::UnknownPerson(*unknown),
        ));
    }
    let sets = Sets::build(column::links(db).await?);
    let (groups, missing) = sets.partition(&known);
    if !missing.is_empty() {
        return Err(CutoverError::refused(
            "personIds",
            Refusal::SetSplit {
                missing: missing.into_iter().collect(),
            },
        ));
    }
    run(db, principal, events, groups, dry_run, since, None).await
}

fn check_runner(principal: &Principal) -> Result<(), CutoverError> {
    if super::may_run(principal, tranches::SCOPE) {
        Ok(())
    } else {
        Err(CutoverError::NotAllowed(
            "moves are run by administrators and the cutover:write service scope",
        ))
    }
}

/// Moves every member of a tranche. The real run needs the tranche FROZEN (membership
/// fixed) or IN_PROGRESS (a re-run); it becomes IN_PROGRESS, and DONE once everyone in it
/// is on Teams.
pub async fn execute_tranche(
    db: &DatabaseConnection,
    principal: &Principal,
    events: &Events,
    tranche_id: Uuid,
    dry_run: bool,
    since: DateTime<Utc>,
) -> Result<(tranche::Model, Report), CutoverError> {
    check_runner(principal)?;
    let t = tranche::Entity::find_by_id(tranche_id)
        .one(db)
        .await?
        .ok_or(CutoverError::NotFound("tranche"))?;
    if !dry_run {
        match t.state {
            TrancheState::Frozen => {
                tranches::set_state(db, t.id, TrancheState::InProgress).await?;
            }
            TrancheState::InProgress | TrancheState::Done => {}
            TrancheState::Planned => {
                return Err(CutoverError::refused(
                    "trancheId",
                    Refusal::InvalidTransition {
                        from: TrancheState::Planned,
                        to: TrancheState::InProgress,
                    },
                ));
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
    let t = tranche::Entity::find_by_id(tranche_id)
        .one(db)
        .await?
        .ok_or(CutoverError::NotFound("tranche"))?;
    Ok((t, report))
}

/// Finishes the tranche moves a stopped process left IN_PROGRESS; run once at start-up.
/// Sets moved before the stop are left as they are (their people are on Teams and plan to
/// nothing); the rest move now, in transactions of whole sets as always. Returns the tranches
/// finished.
pub async fn resume(
    db: &DatabaseConnection,
    events: &Events,
    since: DateTime<Utc>,
) -> Result<usize, CutoverError> {
    let pending = tranche::Entity::find()
        .filter(tranche::Column::State.eq(TrancheState::InProgress))
        .all(db)
        .await?;
    let actor = Principal::system("resume-moves", &[tranches::SCOPE]);
    for t in &pending {
        let (_, report) = execute_tranche(db, &actor, events, t.id, false, since).await?;
        tracing::info!(
            tranche = t.number,
            people_moved = report.people_moved(),
            "resumed a tranche move left in progress"
        );
    }
    Ok(pending.len())
}

async fn run(
    db: &DatabaseConnection,
    principal: &Principal,
    events: &Events,
    groups: Vec<BTreeSet<Uuid>>,
    dry_run: bool,
    since: DateTime<Utc>,
    tranche_id: Option<Uuid>,
) -> Result<Report, CutoverError> {
    let everyone: Vec<Uuid> = groups.iter().flatten().copied().collect();
    let (states, by_person, lines) = load(db, &everyone, since).await?;
    let mut report = Report {
        run_id: Uuid::now_v7(),
        dry_run,
        sets: Vec::with_capacity(groups.len()),
    };
    let total = groups.len() as u32;
    let (mut done, mut failed, mut moved) = (0u32, 0u32, 0u32);
    for chunk in groups.chunks(SETS_PER_TRANSACTION) {
        let mut outcomes: Vec<SetOutcome> = chunk
            .iter()
            .map(|members| {
                let (people, set_groups) = set_state(members, &states, &by_person);
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
            .collect();
        if !dry_run {
            let (planned, result) = {
                let plans: Vec<&SetMove> =
                    outcomes.iter().filter_map(|o| o.plan.as_ref()).collect();
                (plans.len(), apply(db, principal, &plans, &lines).await)
            };
            if let Err(e) = result {
                // Set by set again, so that only the failing set stays unchanged.
                if planned > 1 {
                    tracing::info!(error = %e, sets = planned, "a batch of sets failed; moving them one by one");
                }
                for outcome in outcomes.iter_mut().filter(|o| o.plan.is_some()) {
                    let single = match &outcome.plan {
                        Some(plan) if planned > 1 => apply(db, principal, &[plan], &lines).await,
                        _ => Err(DbErr::Custom(e.to_string())),
                    };
                    if let Err(e) = single {
                        tracing::warn!(error = %e, "a movement set failed to move; it is unchanged");
                        outcome.plan = None;
                        outcome.failure = Some(e.to_string());
                    }
                }
            }
        }
        let mut notices = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            done += 1;
            if outcome.plan.is_none() {
                failed += 1;
            }
            moved += outcome.plan.as_ref().map_or(0, |p| p.moves.len() as u32);
            if !dry_run {
                notices.push(CutoverProgress {
                    run_id: report.run_id,
                    tranche_id,
                    sets_total: total,
                    sets_done: done,
                    sets_failed: failed,
                    people_moved: moved,
                    set_members: outcome.members.clone(),
                    failure: outcome
                        .refusal
                        .as_ref()
                        .map(|r| r.to_string())
                        .or_else(|| outcome.failure.clone()),
                    finished: false,
                });
            }
            report.sets.push(outcome);
        }
        events.progress_many(db, notices).await;
    }
    if !dry_run {
        events
            .progress(
                db,
                CutoverProgress {
                    run_id: report.run_id,
                    tranche_id,
                    sets_total: total,
                    sets_done: done,
                    sets_failed: failed,
                    people_moved: moved,
                    set_members: vec![],
                    failure: None,
                    finished: true,
                },
            )
            .await;
    }
    Ok(report)
}

/// How many movement sets move in one transaction. Each set stays whole either way; a batch
/// that fails is moved again set by set, so a failing set leaves only itself unchanged.
const SETS_PER_TRANSACTION: usize = 100;

/// Applies the plans of some sets in one transaction: all of it or none. Every statement
/// covers all the sets (one per kind of change), so a batch costs about what one set does.
async fn apply(
    db: &DatabaseConnection,
    principal: &Principal,
    plans: &[&SetMove],
    lines: &HashMap<Uuid, Uuid>,
) -> Result<(), DbErr> {
    let moves: Vec<&PersonMove> = plans.iter().flat_map(|p| p.moves.iter()).collect();
    if moves.is_empty() {
        return Ok(());
    }
    let hunt_groups: Vec<Uuid> = plans
        .iter()
        .flat_map(|p| p.hunt_groups_to_teams.iter().copied())
        .collect();
    let ea_groups: Vec<Uuid> = plans
        .iter()
        .flat_map(|p| p.ea_groups_to_delegation.iter().copied())
        .collect();
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let movers: Vec<Uuid> = moves.iter().map(|m| m.person).collect();
    let disable: Vec<Uuid> = moves
        .iter()
        .flat_map(|m| m.disable.iter().map(|(d, _)| *d))
        .collect();
    for ids in disable.chunks(IDS_PER_STATEMENT) {
        device::Entity::update_many()
            .col_expr(device::Column::Status, Expr::value(DeviceStatus::Disabled))
            .col_expr(
                device::Column::Version,
                Expr::col(device::Column::Version).add(1),
            )
            .filter(device::Column::Id.is_in(ids.iter().copied()))
            .exec(&txn)
            .await?;
    }
    let mut preferred: Vec<(Uuid, Uuid)> = Vec::with_capacity(moves.len());
    let mut enable = Vec::new();
    let mut created = Vec::new();
    for m in &moves {
        match m.teams_client {
            TeamsClient::Existing(d) => {
                enable.push(d);
                preferred.push((m.person, d));
            }
            TeamsClient::New => {
                let id = Uuid::now_v7();
                created.push(device::ActiveModel {
                    id: Set(id),
                    kind: Set(DeviceKind::TeamsClient),
                    label: Set("Microsoft Teams".into()),
                    model: Set(Some("Teams Phone".into())),
                    owner_id: Set(m.person),
                    line_id: Set(lines.get(&m.person).copied()),
                    status: Set(DeviceStatus::Active),
                    last_used_at: Set(None),
                    created_at: Set(now),
                    version: Set(1),
                });
                preferred.push((m.person, id));
            }
        }
    }
    for ids in enable.chunks(IDS_PER_STATEMENT) {
        device::Entity::update_many()
            .col_expr(device::Column::Status, Expr::value(DeviceStatus::Active))
            .col_expr(
                device::Column::Version,
                Expr::col(device::Column::Version).add(1),
            )
            .filter(device::Column::Id.is_in(ids.iter().copied()))
            .filter(device::Column::Status.eq(DeviceStatus::Disabled))
            .exec(&txn)
            .await?;
    }
    for rows in created.chunks(ROWS_PER_INSERT) {
        device::Entity::insert_many(rows.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for pairs in preferred.chunks(PAIRS_PER_STATEMENT) {
        // Each person's new preferred device, by a CASE over their ids.
        let mut choice = Expr::case(
            person::Column::Id.eq(pairs[0].0),
            Expr::value(Some(pairs[0].1)),
        );
        for (person_id, device_id) in &pairs[1..] {
            choice = choice.case(
                person::Column::Id.eq(*person_id),
                Expr::value(Some(*device_id)),
            );
        }
        let changed = person::Entity::update_many()
            .col_expr(person::Column::Platform, Expr::value(Platform::Teams))
            .col_expr(
                person::Column::PreferredDeviceId,
                choice
                    .finally(Expr::col(person::Column::PreferredDeviceId))
                    .into(),
            )
            .col_expr(person::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                person::Column::Version,
                Expr::col(person::Column::Version).add(1),
            )
            .filter(person::Column::Id.is_in(pairs.iter().map(|(p, _)| *p)))
            .filter(person::Column::Platform.eq(Platform::Chorus))
            .exec(&txn)
            .await?
            .rows_affected;
        if changed != pairs.len() as u64 {
            // Someone moved one of them meanwhile: the plan is stale, leave the sets unchanged.
            return Err(DbErr::Custom(format!(
                "{} of {} people changed platform during the move; run it again",
                pairs.len() as u64 - changed,
                pairs.len()
            )));
        }
    }
    let pickups: BTreeSet<Uuid> = moves
        .iter()
        .flat_map(|m| m.leave_pickup_groups.iter().copied())
        .collect();
    if !pickups.is_empty() {
        let leaving: Vec<Uuid> = moves
            .iter()
            .filter(|m| !m.leave_pickup_groups.is_empty())
            .map(|m| m.person)
            .collect();
        for ids in leaving.chunks(IDS_PER_STATEMENT) {
            pickup_group_member::Entity::delete_many()
                .filter(pickup_group_member::Column::PersonId.is_in(ids.iter().copied()))
                .exec(&txn)
                .await?;
        }
        let pickups: Vec<Uuid> = pickups.into_iter().collect();
        for ids in pickups.chunks(IDS_PER_STATEMENT) {
            pickup_group::Entity::update_many()
                .col_expr(
                    pickup_group::Column::Version,
                    Expr::col(pickup_group::Column::Version).add(1),
                )
                .filter(pickup_group::Column::Id.is_in(ids.iter().copied()))
                .exec(&txn)
                .await?;
        }
    }
    for ids in hunt_groups.chunks(IDS_PER_STATEMENT) {
        hunt_group::Entity::update_many()
            .col_expr(hunt_group::Column::Platform, Expr::value(Platform::Teams))
            .col_expr(
                hunt_group::Column::Version,
                Expr::col(hunt_group::Column::Version).add(1),
            )
            .filter(hunt_group::Column::Id.is_in(ids.iter().copied()))
            .exec(&txn)
            .await?;
    }
    for ids in ea_groups.chunks(IDS_PER_STATEMENT) {
        ea_group::Entity::update_many()
            .col_expr(ea_group::Column::Platform, Expr::value(Platform::Teams))
            .col_expr(
                ea_group::Column::Version,
                Expr::col(ea_group::Column::Version).add(1),
            )
            .filter(ea_group::Column::Id.is_in(ids.iter().copied()))
            .exec(&txn)
            .await?;
    }
    tranches::drop_unsent(&txn, &movers).await?;
    let mut trail: Vec<audit::Event> = Vec::with_capacity(moves.len() + hunt_groups.len());
    for (m, (_, teams_client)) in moves.iter().zip(preferred.iter()) {
        trail.push((
            "cutover.move",
            Subject::new("person", m.person),
            Some(serde_json::json!({
                "platform": "CHORUS",
                "preferredDevice": m.preferred_before,
                "pickupGroups": m.leave_pickup_groups,
            })),
            Some(serde_json::json!({
                "platform": "TEAMS",
                "preferredDevice": teams_client,
                "disabledDevices": m.disable.iter().map(|(d, _)| d).collect::<Vec<_>>(),
            })),
        ));
    }
    for g in &hunt_groups {
        trail.push((
            "hunt_group.platform",
            Subject::new("hunt_group", *g),
            Some(serde_json::json!({"platform": "CHORUS"})),
            Some(serde_json::json!({"platform": "TEAMS"})),
        ));
    }
    for g in &ea_groups {
        trail.push((
            "ea_group.platform",
            Subject::new("ea_group", *g),
            Some(serde_json::json!({"platform": "CHORUS"})),
            Some(serde_json::json!({"platform": "TEAMS", "whitelistActive": false})),
        ));
    }
    audit::record_many(&txn, principal, trail).await?;
    txn.commit().await
}

/// Ids bound in one `IN (…)` (see [`crate::db::IDS_PER_STATEMENT`]).
const IDS_PER_STATEMENT: usize = crate::db::IDS_PER_STATEMENT;
/// People in one preferred-device `CASE` (three values each).
const PAIRS_PER_STATEMENT: usize = crate::db::IDS_PER_STATEMENT / 3;
/// Device rows in one INSERT (10 columns each).
const ROWS_PER_INSERT: usize = crate::db::IDS_PER_STATEMENT / 10;

// ---------------------------------------------------------------------------------------
// The Chorus upgrade (rule 11)

/// Everyone still on Chorus who would lose something, in `scope`, by person id.
pub async fn upgrade_preview(
    db: &impl ConnectionTrait,
    units: Option<&[Uuid]>,
) -> Result<Vec<UpgradeLoss>, DbErr> {
    // Who might lose anything: owners of an active softphone or app, and people whose
    // preferred device is not a desk phone.
    let mut query = device::Entity::find()
        .filter(device::Column::Status.eq(DeviceStatus::Active))
        .filter(device::Column::Kind.is_in([DeviceKind::Softphone, DeviceKind::MobileApp]));
    if let Some(units) = units {
        query = query.filter(
            device::Column::OwnerId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(person::Column::Id)
                    .from(person::Entity)
                    .and_where(person::Column::UnitId.is_in(units.to_vec()))
                    .to_owned(),
            ),
        );
    }
    let mut candidates: BTreeSet<Uuid> = query
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.owner_id)
        .collect();
    let mut preferred = person::Entity::find()
        .filter(person::Column::Platform.eq(Platform::Chorus))
        .filter(person::Column::PreferredDeviceId.is_not_null());
    if let Some(units) = units {
        preferred = preferred.filter(person::Column::UnitId.is_in(units.to_vec()));
    }
    let with_preference: Vec<person::Model> = preferred.all(db).await?;
    let pref_devices: Vec<Uuid> = with_preference
        .iter()
        .filter_map(|p| p.preferred_device_id)
        .collect();
    let mut non_desk = BTreeSet::new();
    for chunk in pref_devices.chunks(crate::db::IDS_PER_STATEMENT) {
        non_desk.extend(
            device::Entity::find()
                .filter(device::Column::Id.is_in(chunk.to_vec()))
                .filter(device::Column::Kind.ne(DeviceKind::DeskPhone))
                .all(db)
                .await?
                .into_iter()
                .map(|d| d.id),
        );
    }
    candidates.extend(
        with_preference
            .iter()
            .filter(|p| p.preferred_device_id.is_some_and(|d| non_desk.contains(&d)))
            .map(|p| p.id),
    );
    let candidates: Vec<Uuid> = candidates.into_iter().collect();
    let mut out = Vec::new();
    for chunk in candidates.chunks(crate::db::IDS_PER_STATEMENT) {
        let people = person::Entity::find()
            .filter(person::Column::Id.is_in(chunk.to_vec()))
            .filter(person::Column::Platform.eq(Platform::Chorus))
            .all(db)
            .await?;
        let devices = device::Entity::find()
            .filter(device::Column::OwnerId.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        for p in people {
            let mut mine: Vec<DeviceState> = devices
                .iter()
                .filter(|d| d.owner_id == p.id)
                .map(|d| DeviceState {
                    id: d.id,
                    kind: d.kind,
                    status: d.status,
                })
                .collect();
            mine.sort_by_key(|d| d.id);
            let state = PersonState {
                id: p.id,
                platform: p.platform,
                preferred_device: p.preferred_device_id,
                devices: mine,
                pickup_groups: vec![],
                licensed: false,
                blockers: BTreeSet::new(),
            };
            out.extend(plan_rules::upgrade_loss(&state));
        }
    }
    out.sort_by_key(|l| l.person);
    Ok(out)
}

/// The last run of the Chorus upgrade, if it has run.
pub async fn upgrade_ran(
    db: &impl ConnectionTrait,
) -> Result<Option<entity::chorus_upgrade::Model>, DbErr> {
    use sea_orm::QueryOrder;
    entity::chorus_upgrade::Entity::find()
        .order_by_desc(entity::chorus_upgrade::Column::RanAt)
        .one(db)
        .await
}

/// Runs the upgrade: for everyone still on Chorus, softphones and apps are disabled and a
/// portal-set preferred device falls back to the desk phone. Applied 500 people per
/// transaction, each with an audit event; running it again finds nothing left to change.
pub async fn run_upgrade(
    db: &DatabaseConnection,
    principal: &Principal,
    dry_run: bool,
) -> Result<Vec<UpgradeLoss>, CutoverError> {
    if !principal.is_admin() {
        return Err(CutoverError::NotAllowed(
            "only administrators run the Chorus upgrade",
        ));
    }
    let losses = upgrade_preview(db, None).await?;
    if dry_run {
        return Ok(losses);
    }
    for chunk in losses.chunks(500) {
        let txn = crate::db::begin_write(db).await?;
        let disable: Vec<Uuid> = chunk
            .iter()
            .flat_map(|l| l.disable.iter().map(|(d, _)| *d))
            .collect();
        if !disable.is_empty() {
            device::Entity::update_many()
                .col_expr(device::Column::Status, Expr::value(DeviceStatus::Disabled))
                .col_expr(
                    device::Column::Version,
                    Expr::col(device::Column::Version).add(1),
                )
                .filter(device::Column::Id.is_in(disable))
                .exec(&txn)
                .await?;
        }
        for loss in chunk {
            if let Some((_, desk)) = loss.preferred_reset {
                person::Entity::update_many()
                    .col_expr(person::Column::PreferredDeviceId, Expr::value(desk))
                    .col_expr(
                        person::Column::Version,
                        Expr::col(person::Column::Version).add(1),
                    )
                    .col_expr(person::Column::UpdatedAt, Expr::value(Utc::now()))
                    .filter(person::Column::Id.eq(loss.person))
                    .filter(person::Column::Platform.eq(Platform::Chorus))
                    .exec(&txn)
                    .await?;
            }
            audit::record(
                &txn,
                principal,
                "chorus_upgrade.apply",
                Subject::new("person", loss.person),
                Some(audit::snapshot(loss)),
                None,
            )
            .await?;
        }
        txn.commit().await?;
    }
    // From now on softphones and apps cannot come back on Chorus (`domain::devices`).
    let txn = crate::db::begin_write(db).await?;
    let run = entity::chorus_upgrade::ActiveModel {
        id: sea_orm::Set(Uuid::now_v7()),
        ran_at: sea_orm::Set(Utc::now()),
        ran_by: sea_orm::Set(principal.username.clone()),
        people: sea_orm::Set(losses.len() as i32),
        devices: sea_orm::Set(losses.iter().map(|l| l.disable.len() as i32).sum()),
    };
    let run = sea_orm::ActiveModelTrait::insert(run, &txn).await?;
    audit::record(
        &txn,
        principal,
        "chorus_upgrade.run",
        Subject::new("chorus_upgrade", run.id),
        None,
        Some(audit::snapshot(&run)),
    )
    .await?;
    txn.commit().await?;
    Ok(losses)
}

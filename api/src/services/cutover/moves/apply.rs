//! Writing the plans of some movement sets in one transaction: devices off, Teams clients on
//! or created, people switched to Teams, pickup groups left, groups switched, unsent
//! countdown e-mails dropped, and the audit trail.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    device, ea_group,
    enums::{DeviceKind, DeviceStatus, Platform},
    hunt_group, person, pickup_group, pickup_group_member,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::super::tranches;
use crate::{
    auth::Principal,
    domain::cutover::moves::{PersonMove, SetMove, TeamsClient},
    services::audit::{self, Subject, SubjectKind},
};

/// Ids bound in one `IN (…)` (see [`crate::db::IDS_PER_STATEMENT`]).
const IDS_PER_STATEMENT: usize = crate::db::IDS_PER_STATEMENT;
/// People in one preferred-device `CASE` (three values each).
const PAIRS_PER_STATEMENT: usize = crate::db::IDS_PER_STATEMENT / 3;
/// Device rows in one INSERT (10 columns each).
const ROWS_PER_INSERT: usize = crate::db::IDS_PER_STATEMENT / 10;

/// Applies the plans of some sets in one transaction: all of it or none. Every statement
/// covers all the sets (one per kind of change), so a batch costs about what one set does.
pub(super) async fn apply(
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
    disable_devices(&txn, &disable).await?;
    let clients = teams_clients(&moves, lines, now);
    enable_devices(&txn, &clients.enable).await?;
    insert_devices(&txn, &clients.created).await?;
    switch_people(&txn, &clients.preferred, now).await?;
    leave_pickup_groups(&txn, &moves).await?;
    switch_groups(&txn, &hunt_groups, &ea_groups).await?;
    tranches::drop_unsent(&txn, &movers).await?;
    let trail = audit_trail(&moves, &clients.preferred, &hunt_groups, &ea_groups);
    audit::record_many(&txn, principal, trail).await?;
    txn.commit().await
}

/// The Teams client each mover ends up with.
struct Clients {
    /// Per mover, in the order of the moves, the device that becomes preferred.
    preferred: Vec<(Uuid, Uuid)>,
    /// Existing Teams clients to switch back on.
    enable: Vec<Uuid>,
    /// Teams clients to create.
    created: Vec<device::ActiveModel>,
}

/// Each mover's Teams client: their existing one, or a new one on their personal line.
fn teams_clients(
    moves: &[&PersonMove],
    lines: &HashMap<Uuid, Uuid>,
    now: DateTime<Utc>,
) -> Clients {
    let mut clients = Clients {
        preferred: Vec::with_capacity(moves.len()),
        enable: Vec::new(),
        created: Vec::new(),
    };
    for m in moves {
        match m.teams_client {
            TeamsClient::Existing(d) => {
                clients.enable.push(d);
                clients.preferred.push((m.person, d));
            }
            TeamsClient::New => {
                let id = Uuid::now_v7();
                clients.created.push(device::ActiveModel {
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
                clients.preferred.push((m.person, id));
            }
        }
    }
    clients
}

/// Switches the devices off (desk phones, softphones, apps).
async fn disable_devices(txn: &DatabaseTransaction, disable: &[Uuid]) -> Result<(), DbErr> {
    for ids in disable.chunks(IDS_PER_STATEMENT) {
        device::Entity::update_many()
            .col_expr(device::Column::Status, Expr::value(DeviceStatus::Disabled))
            .col_expr(
                device::Column::Version,
                Expr::col(device::Column::Version).add(1),
            )
            .filter(device::Column::Id.is_in(ids.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Switches existing Teams clients back on where they were off.
async fn enable_devices(txn: &DatabaseTransaction, enable: &[Uuid]) -> Result<(), DbErr> {
    for ids in enable.chunks(IDS_PER_STATEMENT) {
        device::Entity::update_many()
            .col_expr(device::Column::Status, Expr::value(DeviceStatus::Active))
            .col_expr(
                device::Column::Version,
                Expr::col(device::Column::Version).add(1),
            )
            .filter(device::Column::Id.is_in(ids.iter().copied()))
            .filter(device::Column::Status.eq(DeviceStatus::Disabled))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Inserts the new Teams clients.
async fn insert_devices(
    txn: &DatabaseTransaction,
    created: &[device::ActiveModel],
) -> Result<(), DbErr> {
    for rows in created.chunks(ROWS_PER_INSERT) {
        device::Entity::insert_many(rows.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Puts the movers on Teams with their Teams client preferred. Fails when one of them is no
/// longer on Chorus: the plan is stale, and the sets must stay unchanged.
async fn switch_people(
    txn: &DatabaseTransaction,
    preferred: &[(Uuid, Uuid)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
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
            .exec(txn)
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
    Ok(())
}

/// Takes the movers who leave pickup groups out of every pickup group, and bumps those
/// groups' versions.
async fn leave_pickup_groups(
    txn: &DatabaseTransaction,
    moves: &[&PersonMove],
) -> Result<(), DbErr> {
    let pickups: BTreeSet<Uuid> = moves
        .iter()
        .flat_map(|m| m.leave_pickup_groups.iter().copied())
        .collect();
    if pickups.is_empty() {
        return Ok(());
    }
    let leaving: Vec<Uuid> = moves
        .iter()
        .filter(|m| !m.leave_pickup_groups.is_empty())
        .map(|m| m.person)
        .collect();
    for ids in leaving.chunks(IDS_PER_STATEMENT) {
        pickup_group_member::Entity::delete_many()
            .filter(pickup_group_member::Column::PersonId.is_in(ids.iter().copied()))
            .exec(txn)
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
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Switches the hunt groups to Teams, and the EA groups to Teams delegation.
async fn switch_groups(
    txn: &DatabaseTransaction,
    hunt_groups: &[Uuid],
    ea_groups: &[Uuid],
) -> Result<(), DbErr> {
    for ids in hunt_groups.chunks(IDS_PER_STATEMENT) {
        hunt_group::Entity::update_many()
            .col_expr(hunt_group::Column::Platform, Expr::value(Platform::Teams))
            .col_expr(
                hunt_group::Column::Version,
                Expr::col(hunt_group::Column::Version).add(1),
            )
            .filter(hunt_group::Column::Id.is_in(ids.iter().copied()))
            .exec(txn)
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
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// One audit event per mover (before and after), then one per group switched.
fn audit_trail(
    moves: &[&PersonMove],
    preferred: &[(Uuid, Uuid)],
    hunt_groups: &[Uuid],
    ea_groups: &[Uuid],
) -> Vec<audit::Event> {
    let mut trail: Vec<audit::Event> = Vec::with_capacity(moves.len() + hunt_groups.len());
    for (m, (_, teams_client)) in moves.iter().zip(preferred.iter()) {
        trail.push((
            "cutover.move",
            Subject::new(SubjectKind::Person, m.person),
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
    for g in hunt_groups {
        trail.push((
            "hunt_group.platform",
            Subject::new(SubjectKind::HuntGroup, *g),
            Some(serde_json::json!({"platform": "CHORUS"})),
            Some(serde_json::json!({"platform": "TEAMS"})),
        ));
    }
    for g in ea_groups {
        trail.push((
            "ea_group.platform",
            Subject::new(SubjectKind::EaGroup, *g),
            Some(serde_json::json!({"platform": "CHORUS"})),
            Some(serde_json::json!({"platform": "TEAMS", "whitelistActive": false})),
        ));
    }
    trail
}

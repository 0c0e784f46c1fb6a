//! Offboarding a leaver (rule 13): load what they hold, ask `domain::leavers` for the plan,
//! and apply it in one transaction with one audit event. A dry run computes the same plan
//! from the same loads and writes nothing.

use chrono::{DateTime, Utc};
use entity::{
    device, ea_group, ea_group_member, ea_whitelist_entry, enums::DeviceStatus, hunt_group,
    hunt_group_member, leaver, licence_assignment, licence_pool, line, notification, person,
    pickup_group, pickup_group_member, tranche, tranche_member,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{
        groups::EaMember,
        leavers::{self as rules, Holdings, Plan},
    },
    error::{Outcome, UserError, UserErrorCode},
    services::audit::{self, Subject, SubjectKind},
};

/// What `offboardPerson` did (or, in a dry run, would do).
#[derive(Clone, Debug)]
pub struct Offboarded {
    pub person: person::Model,
    pub plan: Plan,
    /// True when the changes were written (false for a dry run or an earlier leaver).
    pub applied: bool,
    /// When they left; None in a dry run.
    pub left_at: Option<DateTime<Utc>>,
}

/// Offboards a person (the caller is an admin: the resolver's guard). NOT_FOUND for an
/// unknown person; RULE_VIOLATION (`TRANCHE_IN_PROGRESS`) while their tranche moves. Someone
/// who has already left is answered with the plan of what they still hold (normally nothing)
/// and nothing is written, so a feed may send the same leaver twice.
pub async fn offboard(
    db: &DatabaseConnection,
    principal: &Principal,
    person_id: Option<Uuid>,
    dry_run: bool,
    quarantine_days: u32,
) -> Outcome<Offboarded> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let person = match person_id {
        Some(id) => person::Entity::find_by_id(id).one(&txn).await?,
        None => None,
    };
    let Some(person) = person else {
        return Ok(Err(UserError::new(
            &["input", "personId"],
            UserErrorCode::NotFound,
            "no such person",
        )));
    };
    let earlier = leaver::Entity::find_by_id(person.id).one(&txn).await?;
    let holdings = holdings(&txn, &person).await?;
    let plan = match rules::plan(person.id, &holdings, now, quarantine_days) {
        Ok(plan) => plan,
        Err(r) => {
            return Ok(Err(UserError::refused(
                vec!["input".into(), "personId".into()],
                &r,
                r.to_string(),
            )));
        }
    };
    if dry_run || earlier.is_some() {
        txn.rollback().await?;
        return Ok(Ok(Offboarded {
            person,
            plan,
            applied: false,
            left_at: earlier.map(|l| l.left_at),
        }));
    }
    apply(&txn, person.id, &plan).await?;
    let consequences = consequences_json(&plan);
    leaver::ActiveModel {
        person_id: Set(person.id),
        left_at: Set(now),
        offboarded_by: Set(principal.username.clone()),
        consequences: Set(consequences.clone()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        principal,
        "person.offboard",
        Subject::new(SubjectKind::Person, person.id),
        None,
        Some(consequences),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(Offboarded {
        person,
        plan,
        applied: true,
        left_at: Some(now),
    }))
}

/// True when the person has left (their tokens are refused).
pub async fn has_left(db: &impl sea_orm::ConnectionTrait, person: Uuid) -> Result<bool, DbErr> {
    Ok(leaver::Entity::find_by_id(person).one(db).await?.is_some())
}

/// Everything of the person's that rule 13 touches.
async fn holdings(txn: &DatabaseTransaction, person: &person::Model) -> Result<Holdings, DbErr> {
    let id = person.id;
    let devices = device::Entity::find()
        .filter(device::Column::OwnerId.eq(id))
        .all(txn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.status))
        .collect();
    let personal_lines = line::Entity::find()
        .filter(line::Column::OwnerId.eq(id))
        .all(txn)
        .await?
        .into_iter()
        .filter(|l| l.kind == entity::enums::LineKind::Personal)
        .map(|l| l.id)
        .collect();
    let licence = licence_assignment::Entity::find()
        .filter(licence_assignment::Column::PersonId.eq(id))
        .one(txn)
        .await?
        .is_some();
    let tranche = match tranche_member::Entity::find()
        .filter(tranche_member::Column::PersonId.eq(id))
        .one(txn)
        .await?
    {
        Some(m) => tranche::Entity::find_by_id(m.tranche_id)
            .one(txn)
            .await?
            .map(|t| (t.id, t.state)),
        None => None,
    };
    let unsent_notices = notification::Entity::find()
        .filter(notification::Column::PersonId.eq(id))
        .filter(notification::Column::SentAt.is_null())
        .all(txn)
        .await?
        .into_iter()
        .map(|n| n.id)
        .collect();
    Ok(Holdings {
        platform: Some(person.platform),
        devices,
        personal_lines,
        hunt_groups: hunt_memberships(txn, id).await?,
        pickup_groups: pickup_memberships(txn, id).await?,
        ea_groups: ea_memberships(txn, id).await?,
        licence,
        tranche,
        unsent_notices,
    })
}

/// Every membership row of the groups (of one kind) that `$person` is in, in one statement,
/// as `(group, rows)` in the groups' creation order.
macro_rules! groups_of {
    ($txn:expr, $person:expr, $member:ident) => {{
        use sea_orm::{QueryOrder, sea_query::Query};
        let theirs = Query::select()
            .column($member::Column::GroupId)
            .from($member::Entity)
            .and_where($member::Column::PersonId.eq($person))
            .to_owned();
        let rows = $member::Entity::find()
            .filter($member::Column::GroupId.in_subquery(theirs))
            .order_by_asc($member::Column::GroupId)
            .all($txn)
            .await?;
        let mut groups: Vec<(Uuid, Vec<$member::Model>)> = Vec::new();
        for row in rows {
            match groups.last_mut() {
                Some((g, members)) if *g == row.group_id => members.push(row),
                _ => groups.push((row.group_id, vec![row])),
            }
        }
        groups
    }};
}

/// Group ids with their members' person ids.
fn people_of<M>(
    groups: Vec<(Uuid, Vec<M>)>,
    person: impl Fn(&M) -> Uuid,
) -> Vec<(Uuid, Vec<Uuid>)> {
    groups
        .into_iter()
        .map(|(g, rows)| (g, rows.iter().map(&person).collect()))
        .collect()
}

/// The hunt groups the person is in, each with all its members.
async fn hunt_memberships(
    txn: &DatabaseTransaction,
    person: Uuid,
) -> Result<Vec<(Uuid, Vec<Uuid>)>, DbErr> {
    Ok(people_of(groups_of!(txn, person, hunt_group_member), |m| {
        m.person_id
    }))
}

/// The pickup groups the person is in, each with all its members.
async fn pickup_memberships(
    txn: &DatabaseTransaction,
    person: Uuid,
) -> Result<Vec<(Uuid, Vec<Uuid>)>, DbErr> {
    Ok(people_of(
        groups_of!(txn, person, pickup_group_member),
        |m| m.person_id,
    ))
}

/// The executive-assistant groups the person is in, each with all its members and their
/// platforms (two statements in all).
async fn ea_memberships(
    txn: &DatabaseTransaction,
    person: Uuid,
) -> Result<Vec<(Uuid, Vec<EaMember>)>, DbErr> {
    let groups = groups_of!(txn, person, ea_group_member);
    let ids: Vec<Uuid> = groups
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|m| m.person_id))
        .collect();
    let platforms: std::collections::HashMap<Uuid, entity::enums::Platform> =
        person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.platform))
            .collect();
    Ok(groups
        .into_iter()
        .map(|(g, rows)| {
            let members = rows
                .into_iter()
                .filter_map(|m| {
                    platforms.get(&m.person_id).map(|platform| EaMember {
                        person_id: m.person_id,
                        platform: *platform,
                        role: m.role,
                    })
                })
                .collect();
            (g, members)
        })
        .collect())
}

/// Writes the plan: each step on its own table, in the transaction.
async fn apply(txn: &DatabaseTransaction, person: Uuid, plan: &Plan) -> Result<(), DbErr> {
    disable_devices(txn, &plan.disable_devices).await?;
    release_lines(txn, &plan.release_lines, plan.quarantine_until).await?;
    leave_groups(txn, person, plan).await?;
    if plan.return_licence {
        return_licence(txn, person).await?;
    }
    if let Some(t) = plan.leave_tranche {
        tranche_member::Entity::delete_many()
            .filter(tranche_member::Column::PersonId.eq(person))
            .filter(tranche_member::Column::TrancheId.eq(t))
            .exec(txn)
            .await?;
    }
    if !plan.cancel_notices.is_empty() {
        notification::Entity::delete_many()
            .filter(notification::Column::Id.is_in(plan.cancel_notices.clone()))
            .filter(notification::Column::SentAt.is_null())
            .exec(txn)
            .await?;
    }
    // Out of the directory search: the entry stays readable by id for history.
    entity::directory_term::Entity::delete_many()
        .filter(entity::directory_term::Column::PersonId.eq(person))
        .exec(txn)
        .await?;
    Ok(())
}

async fn disable_devices(txn: &DatabaseTransaction, ids: &[Uuid]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    device::Entity::update_many()
        .col_expr(device::Column::Status, Expr::value(DeviceStatus::Disabled))
        .col_expr(
            device::Column::Version,
            Expr::col(device::Column::Version).add(1),
        )
        .filter(device::Column::Id.is_in(ids.to_vec()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Takes the personal lines back from the leaver and holds them in quarantine (as
/// `releaseLine` does). Their devices were disabled with them.
async fn release_lines(
    txn: &DatabaseTransaction,
    ids: &[Uuid],
    until: DateTime<Utc>,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    line::Entity::update_many()
        .col_expr(line::Column::OwnerId, Expr::value(Option::<Uuid>::None))
        .col_expr(line::Column::QuarantinedUntil, Expr::value(Some(until)))
        .col_expr(
            line::Column::Version,
            Expr::col(line::Column::Version).add(1),
        )
        .filter(line::Column::Id.is_in(ids.to_vec()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Leaves the plan's groups, bumping each group's version so that a coordinator's pending
/// edit of it answers CONFLICT rather than overwriting.
async fn leave_groups(txn: &DatabaseTransaction, person: Uuid, plan: &Plan) -> Result<(), DbErr> {
    if !plan.leave_hunt_groups.is_empty() {
        hunt_group_member::Entity::delete_many()
            .filter(hunt_group_member::Column::PersonId.eq(person))
            .filter(hunt_group_member::Column::GroupId.is_in(plan.leave_hunt_groups.clone()))
            .exec(txn)
            .await?;
        hunt_group::Entity::update_many()
            .col_expr(
                hunt_group::Column::Version,
                Expr::col(hunt_group::Column::Version).add(1),
            )
            .filter(hunt_group::Column::Id.is_in(plan.leave_hunt_groups.clone()))
            .exec(txn)
            .await?;
    }
    if !plan.leave_pickup_groups.is_empty() {
        pickup_group_member::Entity::delete_many()
            .filter(pickup_group_member::Column::PersonId.eq(person))
            .filter(pickup_group_member::Column::GroupId.is_in(plan.leave_pickup_groups.clone()))
            .exec(txn)
            .await?;
        pickup_group::Entity::update_many()
            .col_expr(
                pickup_group::Column::Version,
                Expr::col(pickup_group::Column::Version).add(1),
            )
            .filter(pickup_group::Column::Id.is_in(plan.leave_pickup_groups.clone()))
            .exec(txn)
            .await?;
    }
    if !plan.leave_ea_groups.is_empty() {
        let seats: Vec<Uuid> = ea_group_member::Entity::find()
            .filter(ea_group_member::Column::PersonId.eq(person))
            .filter(ea_group_member::Column::GroupId.is_in(plan.leave_ea_groups.clone()))
            .all(txn)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        ea_whitelist_entry::Entity::delete_many()
            .filter(ea_whitelist_entry::Column::MemberId.is_in(seats.clone()))
            .exec(txn)
            .await?;
        ea_group_member::Entity::delete_many()
            .filter(ea_group_member::Column::Id.is_in(seats))
            .exec(txn)
            .await?;
        ea_group::Entity::update_many()
            .col_expr(
                ea_group::Column::Version,
                Expr::col(ea_group::Column::Version).add(1),
            )
            .filter(ea_group::Column::Id.is_in(plan.leave_ea_groups.clone()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Returns the person's licence to its pool (one statement each, so concurrent assignments
/// see the count they would after a commit).
async fn return_licence(txn: &DatabaseTransaction, person: Uuid) -> Result<(), DbErr> {
    let held = licence_assignment::Entity::find()
        .filter(licence_assignment::Column::PersonId.eq(person))
        .all(txn)
        .await?;
    for a in held {
        licence_assignment::Entity::delete_by_id(a.id)
            .exec(txn)
            .await?;
        licence_pool::Entity::update_many()
            .col_expr(
                licence_pool::Column::AssignedCount,
                Expr::col(licence_pool::Column::AssignedCount).sub(1),
            )
            .col_expr(
                licence_pool::Column::Version,
                Expr::col(licence_pool::Column::Version).add(1),
            )
            .col_expr(licence_pool::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(licence_pool::Column::Id.eq(a.pool_id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The plan as stored in `leaver.consequences` and the audit event.
fn consequences_json(plan: &Plan) -> serde_json::Value {
    let attention: Vec<serde_json::Value> = plan
        .attention
        .iter()
        .map(|a| match a {
            rules::Attention::HuntGroupEmpty(g) => {
                serde_json::json!({ "kind": "HUNT_GROUP_EMPTY", "group": g })
            }
            rules::Attention::PickupGroupEmpty(g) => {
                serde_json::json!({ "kind": "PICKUP_GROUP_EMPTY", "group": g })
            }
            rules::Attention::EaGroupWithoutRole(g, role) => {
                serde_json::json!({ "kind": "EA_GROUP_WITHOUT_ROLE", "group": g, "role": role })
            }
            rules::Attention::TeamsAccountToRemove => {
                serde_json::json!({ "kind": "TEAMS_ACCOUNT_TO_REMOVE" })
            }
        })
        .collect();
    serde_json::json!({
        "disabled_devices": plan.disable_devices,
        "released_lines": plan.release_lines,
        "quarantine_until": plan.quarantine_until,
        "left_hunt_groups": plan.leave_hunt_groups,
        "left_pickup_groups": plan.leave_pickup_groups,
        "left_ea_groups": plan.leave_ea_groups,
        "licence_returned": plan.return_licence,
        "left_tranche": plan.leave_tranche,
        "cancelled_notices": plan.cancel_notices.len(),
        "attention": attention,
    })
}

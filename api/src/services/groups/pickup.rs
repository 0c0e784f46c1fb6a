//! Pickup groups: loading them with their members, adding and removing a member, creating
//! one, and the steps of deleting one. Members are Chorus desk-phone users.
//!
//! Where a rule's refusal lands: `input.personId` for a member change, `input.personIds`
//! for `createPickupGroup`.

use entity::{device, pickup_group, pickup_group_member};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    Doomed, Kind, bump, by_group, enrollee, existing_unit, expected, may_manage, no_such_group,
    not_allowed, refusal, rule_on,
};
use crate::{
    auth::Principal,
    domain::{
        devices::DeviceFacts,
        groups::{self as rules, GroupRefusal},
    },
    error::{Outcome, try_refuse},
    services::{
        audit::{self, Subject},
        people::facts,
    },
};

/// A pickup group with its members.
#[derive(Clone, Debug)]
pub struct PickupGroup {
    pub group: pickup_group::Model,
    pub members: Vec<pickup_group_member::Model>,
}

/// Pickup groups (of one unit, or all), by name, with their members: two queries.
pub async fn pickup_groups(
    db: &impl ConnectionTrait,
    unit: Option<Uuid>,
) -> Result<Vec<PickupGroup>, DbErr> {
    let mut query = pickup_group::Entity::find().order_by_asc(pickup_group::Column::Name);
    if let Some(unit) = unit {
        query = query.filter(pickup_group::Column::UnitId.eq(unit));
    }
    let groups = query.all(db).await?;
    let mut members = by_group(
        pickup_group_member::Entity::find()
            .filter(pickup_group_member::Column::GroupId.is_in(groups.iter().map(|g| g.id)))
            .all(db)
            .await?,
        |m| m.group_id,
    );
    Ok(groups
        .into_iter()
        .map(|group| PickupGroup {
            members: members.remove(&group.id).unwrap_or_default(),
            group,
        })
        .collect())
}

/// Loads a pickup group and its members.
pub async fn pickup_group(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<PickupGroup>, DbErr> {
    let Some(group) = pickup_group::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let members = pickup_group_member::Entity::find()
        .filter(pickup_group_member::Column::GroupId.eq(id))
        .all(db)
        .await?;
    Ok(Some(PickupGroup { group, members }))
}

/// A pickup group that must exist.
async fn load_pickup(txn: &impl ConnectionTrait, id: Uuid) -> Outcome<PickupGroup> {
    Ok(pickup_group(txn, id).await?.ok_or_else(no_such_group))
}

/// What the rules need to know of a person's devices (a pickup group wants a desk phone).
async fn devices_of(txn: &DatabaseTransaction, person: Uuid) -> Result<Vec<DeviceFacts>, DbErr> {
    Ok(device::Entity::find()
        .filter(device::Column::OwnerId.eq(person))
        .all(txn)
        .await?
        .iter()
        .map(facts)
        .collect())
}

/// Adds (`join`) or removes a member of a pickup group.
pub async fn change_pickup_member(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    who: Uuid,
    join: bool,
    expected_version: Option<i32>,
) -> Outcome<PickupGroup> {
    const FIELD: &[&str] = &["input", "personId"];
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(load_pickup(&txn, id).await?);
    if !may_manage(principal, before.group.unit_id) {
        return Ok(Err(not_allowed(
            "pickup groups are configured by the unit's coordinators and administrators",
        )));
    }
    let current: Vec<Uuid> = before.members.iter().map(|m| m.person_id).collect();
    if join {
        let p = try_refuse!(enrollee(&txn, principal, who, FIELD).await?);
        let devices = devices_of(&txn, who).await?;
        try_refuse!(
            rules::may_join_pickup_group(&current, who, p.platform, &devices)
                .map_err(rule_on(FIELD))
        );
        pickup_group_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            group_id: Set(id),
            person_id: Set(who),
        }
        .insert(&txn)
        .await?;
    } else {
        try_refuse!(rules::may_remove_member(&current, who).map_err(rule_on(FIELD)));
        pickup_group_member::Entity::delete_many()
            .filter(pickup_group_member::Column::GroupId.eq(id))
            .filter(pickup_group_member::Column::PersonId.eq(who))
            .exec(&txn)
            .await?;
    }
    try_refuse!(
        bump(
            &txn,
            Kind::Pickup,
            id,
            expected(expected_version, before.group.version),
        )
        .await?
    );
    let after = try_refuse!(load_pickup(&txn, id).await?);
    audit::record(
        &txn,
        principal,
        if join {
            "pickup_group.member.add"
        } else {
            "pickup_group.member.remove"
        },
        Subject::new(Kind::Pickup.subject(), id),
        Some(audit::snapshot(&before.members)),
        Some(audit::snapshot(&after.members)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Creates a pickup group of Chorus desk-phone users.
pub async fn create_pickup_group(
    db: &DatabaseConnection,
    principal: &Principal,
    unit: Uuid,
    name: &str,
    members: &[Uuid],
) -> Outcome<PickupGroup> {
    const FIELD: &[&str] = &["input", "personIds"];
    if !may_manage(principal, unit) {
        return Ok(Err(not_allowed(
            "pickup groups are created by the unit's coordinators and administrators",
        )));
    }
    let name = try_refuse!(rules::validate_name(name).map_err(rule_on(FIELD)));
    if members.is_empty() {
        return Ok(Err(refusal(FIELD, &GroupRefusal::NoMembers)));
    }
    let txn = crate::db::begin_write(db).await?;
    try_refuse!(existing_unit(&txn, unit).await?);
    let mut joined: Vec<Uuid> = Vec::with_capacity(members.len());
    for p in members {
        let who = try_refuse!(enrollee(&txn, principal, *p, FIELD).await?);
        let devices = devices_of(&txn, *p).await?;
        try_refuse!(
            rules::may_join_pickup_group(&joined, *p, who.platform, &devices)
                .map_err(rule_on(FIELD))
        );
        joined.push(*p);
    }
    let id = Uuid::now_v7();
    pickup_group::ActiveModel {
        id: Set(id),
        name: Set(name),
        unit_id: Set(unit),
        created_at: Set(chrono::Utc::now()),
        version: Set(0),
    }
    .insert(&txn)
    .await?;
    for p in &joined {
        pickup_group_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            group_id: Set(id),
            person_id: Set(*p),
        }
        .insert(&txn)
        .await?;
    }
    let after = try_refuse!(load_pickup(&txn, id).await?);
    audit::record(
        &txn,
        principal,
        "pickup_group.create",
        Subject::new(Kind::Pickup.subject(), id),
        None,
        Some(serde_json::json!({ "group": audit::snapshot(&after.group), "members": audit::snapshot(&after.members) })),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Reads a pickup group to delete.
pub(super) async fn doomed(txn: &DatabaseTransaction, id: Uuid) -> Outcome<Doomed> {
    let g = try_refuse!(load_pickup(txn, id).await?);
    Ok(Ok(Doomed {
        unit: g.group.unit_id,
        version: g.group.version,
        snapshot: serde_json::json!({ "group": audit::snapshot(&g.group), "members": audit::snapshot(&g.members) }),
    }))
}

/// Deletes a pickup group's members, then the group.
pub(super) async fn delete_rows(txn: &DatabaseTransaction, id: Uuid) -> Result<(), DbErr> {
    pickup_group_member::Entity::delete_many()
        .filter(pickup_group_member::Column::GroupId.eq(id))
        .exec(txn)
        .await?;
    pickup_group::Entity::delete_by_id(id).exec(txn).await?;
    Ok(())
}

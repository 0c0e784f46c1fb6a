//! Hunt, pickup and executive-assistant groups: load, check the rule in `domain::groups`,
//! write in one transaction with the audit event.
//!
//! Lost updates are impossible: every change to a group or its members bumps the group's
//! `version` with `UPDATE … SET version = version + 1 WHERE id = ? AND version = ?`, using the
//! version the caller passed (`expectedVersion`) or, when none, the one read at the start of
//! the transaction. A concurrent change in between makes that update touch no row, and the
//! whole change is refused with CONFLICT (nothing written).
//!
//! Who may change what: administrators everything; coordinators the groups of their units;
//! a hunt-group member may opt themselves out and back in; an executive-assistant group's
//! manager (or one of its assistants) may switch the manager's divert and edit the manager's
//! whitelist.
//!
//! A refusal is a user error on the mutation's input field at fault: `groupId` for a group
//! that is not there, `expectedVersion` for a conflict, `unitId` and `pilotLineId` for a new
//! group's unit and pilot line, none when the caller may not make the change; a rule of
//! `domain::groups` lands on the field the module doc of `hunt`, `pickup` or `ea` names.
//!
//! Layout: this file holds what the three kinds share (the refusals, who manages a unit's
//! groups, the version check, the people a change names, deleting); `hunt`, `pickup` and
//! `ea` hold each kind's loading, changes and creation.

mod ea;
mod hunt;
mod pickup;

pub use ea::{EaChange, EaGroup, change_ea_group, create_ea_group, ea_group, ea_groups};
pub use hunt::{
    HuntGroup, HuntGroupChange, HuntMemberChange, NewHuntGroup, change_hunt_members,
    create_hunt_group, hunt_group, hunt_groups, update_hunt_group,
};
pub use pickup::{
    PickupGroup, change_pickup_member, create_pickup_group, pickup_group, pickup_groups,
};

use std::collections::HashMap;

use entity::{ea_group, hunt_group, person, pickup_group};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{directory as visibility, groups::GroupRefusal},
    error::{Outcome, UserError, UserErrorCode, try_refuse},
    services::{
        audit::{self, Subject, SubjectKind},
        people,
    },
};

/// A rule's refusal as a user error on `field`; the message ends with the rule's code.
pub fn refusal(field: &[&str], refused: &GroupRefusal) -> UserError {
    UserError::refused(
        field.iter().map(|s| (*s).to_owned()).collect(),
        refused,
        format!("{refused} ({})", refused.code()),
    )
}

/// [`refusal`] on `field`, to hand to `map_err`.
fn rule_on<'a>(field: &'a [&'a str]) -> impl Fn(GroupRefusal) -> UserError + 'a {
    move |refused| refusal(field, &refused)
}

/// The group does not exist (or the caller may not see it).
fn no_such_group() -> UserError {
    UserError::new(
        &["input", "groupId"],
        UserErrorCode::NotFound,
        "no such group",
    )
}

/// The caller may see the group but not make this change; no one field is at fault.
fn not_allowed(why: &'static str) -> UserError {
    UserError::new(&[], UserErrorCode::NotAllowed, why)
}

/// The group changed since the version the change was based on.
fn conflict(expected: i32) -> UserError {
    UserError::new(
        &["input", "expectedVersion"],
        UserErrorCode::Conflict,
        format!("the group changed since version {expected}; read it again"),
    )
}

/// The three kinds of group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Hunt,
    Pickup,
    Ea,
}

impl Kind {
    fn subject(self) -> SubjectKind {
        match self {
            Kind::Hunt => SubjectKind::HuntGroup,
            Kind::Pickup => SubjectKind::PickupGroup,
            Kind::Ea => SubjectKind::EaGroup,
        }
    }
}

/// True when the caller configures groups of this unit.
pub fn may_manage(principal: &Principal, unit: Uuid) -> bool {
    principal.is_admin() || principal.coordinates(unit)
}

/// Bumps a group's version if it still is `expected`; CONFLICT otherwise.
async fn bump(txn: &DatabaseTransaction, kind: Kind, id: Uuid, expected: i32) -> Outcome<()> {
    macro_rules! bump_in {
        ($entity:ident) => {
            $entity::Entity::update_many()
                .col_expr(
                    $entity::Column::Version,
                    Expr::col($entity::Column::Version).add(1),
                )
                .filter($entity::Column::Id.eq(id))
                .filter($entity::Column::Version.eq(expected))
                .exec(txn)
                .await?
                .rows_affected
        };
    }
    let changed = match kind {
        Kind::Hunt => bump_in!(hunt_group),
        Kind::Pickup => bump_in!(pickup_group),
        Kind::Ea => bump_in!(ea_group),
    };
    Ok(if changed == 1 {
        Ok(())
    } else {
        Err(conflict(expected))
    })
}

/// The version to check: the caller's, else the one just read.
fn expected(given: Option<i32>, read: i32) -> i32 {
    given.unwrap_or(read)
}

/// Refuses a new group's unit that does not exist (an administrator may name any id; the
/// insert would otherwise fail on the foreign key).
async fn existing_unit(db: &impl ConnectionTrait, id: Uuid) -> Outcome<()> {
    Ok(entity::unit::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|_| ())
        .ok_or_else(|| {
            UserError::new(
                &["input", "unitId"],
                UserErrorCode::NotFound,
                "no such unit",
            )
        }))
}

/// A person a group names (a member, a no-answer destination); refused on `field` when
/// unknown.
async fn person(db: &impl ConnectionTrait, id: Uuid, field: &[&str]) -> Outcome<person::Model> {
    Ok(person::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| refusal(field, &GroupRefusal::UnknownPerson(id))))
}

/// A person the caller adds to a group ([`visibility::may_enrol`]: coordinators only people
/// of their own units). For a coordinator, someone outside their units is refused like
/// someone who does not exist, so the answer tells nothing about other units' people. An
/// administrator naming no one is refused on `field`.
async fn enrollee(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    field: &[&str],
) -> Outcome<person::Model> {
    let found = person::Entity::find_by_id(id).one(db).await?;
    Ok(match found {
        Some(p) if visibility::may_enrol(principal, people::entry(&p)) => Ok(p),
        None if principal.is_admin() => Err(refusal(field, &GroupRefusal::UnknownPerson(id))),
        Some(_) | None => Err(not_allowed(
            "only people of your own units can be added to a group",
        )),
    })
}

/// Rows grouped by their group id, keeping the query's order.
fn by_group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// A group about to be deleted, as read in the deleting transaction.
struct Doomed {
    /// Its unit, whose coordinators may delete it.
    unit: Uuid,
    /// Its version, checked unless the caller passed one.
    version: i32,
    /// The audit event's "before": the group with its members (and whitelists).
    snapshot: serde_json::Value,
}

/// Deletes a group with its members (and whitelists). A hunt group that another hunt group
/// names as its no-answer destination is refused: that group would send calls nowhere.
/// Rule refusals land on `input.groupId`.
pub async fn delete_group(
    db: &DatabaseConnection,
    principal: &Principal,
    kind: Kind,
    id: Uuid,
    expected_version: Option<i32>,
) -> Outcome<()> {
    let txn = crate::db::begin_write(db).await?;
    let doomed = try_refuse!(match kind {
        Kind::Hunt => hunt::doomed(&txn, id).await?,
        Kind::Pickup => pickup::doomed(&txn, id).await?,
        Kind::Ea => ea::doomed(&txn, id).await?,
    });
    if !may_manage(principal, doomed.unit) {
        return Ok(Err(not_allowed(
            "groups are deleted by the unit's coordinators and administrators",
        )));
    }
    try_refuse!(bump(&txn, kind, id, expected(expected_version, doomed.version)).await?);
    match kind {
        Kind::Hunt => hunt::delete_rows(&txn, id).await?,
        Kind::Pickup => pickup::delete_rows(&txn, id).await?,
        Kind::Ea => ea::delete_rows(&txn, id).await?,
    }
    audit::record(
        &txn,
        principal,
        &format!("{}.delete", kind.subject().as_str()),
        Subject::new(kind.subject(), id),
        Some(doomed.snapshot),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(()))
}

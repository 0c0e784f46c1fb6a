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
//! Layout: this file holds what the three kinds share (the error, who manages a unit's
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
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{directory as visibility, groups::GroupRefusal},
    services::{
        audit::{self, Subject, SubjectKind},
        people,
    },
};

/// Why a group change was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// No such group, or one the caller may not see.
    #[error("no such group")]
    NotFound,
    /// The caller may see the group but not make this change.
    #[error("{0}")]
    NotAllowed(&'static str),
    /// A rule of `domain::groups`.
    #[error(transparent)]
    Refused(#[from] GroupRefusal),
    /// The unit of a new group does not exist.
    #[error("no such unit")]
    UnknownUnit,
    /// The line cannot pilot a new group.
    #[error("{0}")]
    Pilot(&'static str),
    /// The group changed since the version the change was based on.
    #[error("the group changed since version {expected}; read it again")]
    Conflict { expected: i32 },
    #[error(transparent)]
    Db(#[from] DbErr),
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
async fn bump(
    txn: &DatabaseTransaction,
    kind: Kind,
    id: Uuid,
    expected: i32,
) -> Result<(), GroupError> {
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
    if changed == 1 {
        Ok(())
    } else {
        Err(GroupError::Conflict { expected })
    }
}

/// The version to check: the caller's, else the one just read.
fn expected(given: Option<i32>, read: i32) -> i32 {
    given.unwrap_or(read)
}

/// Refuses a new group's unit that does not exist (an administrator may name any id; the
/// insert would otherwise fail on the foreign key).
async fn existing_unit(db: &impl ConnectionTrait, id: Uuid) -> Result<(), GroupError> {
    entity::unit::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|_| ())
        .ok_or(GroupError::UnknownUnit)
}

/// A person a group names (a member, a no-answer destination); refused when unknown.
async fn person(db: &impl ConnectionTrait, id: Uuid) -> Result<person::Model, GroupError> {
    person::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(GroupError::Refused(GroupRefusal::UnknownPerson(id)))
}

/// A person the caller adds to a group ([`visibility::may_enrol`]: coordinators only people
/// of their own units). For a coordinator, someone outside their units is refused like
/// someone who does not exist, so the answer tells nothing about other units' people.
async fn enrollee(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<person::Model, GroupError> {
    let found = person::Entity::find_by_id(id).one(db).await?;
    match found {
        Some(p) if visibility::may_enrol(principal, people::entry(&p)) => Ok(p),
        Some(_) => Err(GroupError::NotAllowed(
            "only people of your own units can be added to a group",
        )),
        None if principal.is_admin() => Err(GroupRefusal::UnknownPerson(id).into()),
        None => Err(GroupError::NotAllowed(
            "only people of your own units can be added to a group",
        )),
    }
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
pub async fn delete_group(
    db: &DatabaseConnection,
    principal: &Principal,
    kind: Kind,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), GroupError> {
    let txn = crate::db::begin_write(db).await?;
    let doomed = match kind {
        Kind::Hunt => hunt::doomed(&txn, id).await?,
        Kind::Pickup => pickup::doomed(&txn, id).await?,
        Kind::Ea => ea::doomed(&txn, id).await?,
    };
    if !may_manage(principal, doomed.unit) {
        return Err(GroupError::NotAllowed(
            "groups are deleted by the unit's coordinators and administrators",
        ));
    }
    bump(&txn, kind, id, expected(expected_version, doomed.version)).await?;
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
    Ok(())
}

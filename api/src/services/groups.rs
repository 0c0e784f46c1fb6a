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

use entity::{
    device, ea_group, ea_group_member, ea_whitelist_entry,
    enums::{EaRole, HuntStrategy},
    hunt_group, hunt_group_member, line, person, pickup_group, pickup_group_member,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{
        directory as visibility,
        groups::{self as rules, Candidate, EaMember, Fallback, GroupRefusal},
        phone::E164,
    },
    services::{
        audit::{self, Subject},
        people::{self, facts},
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
    fn subject(self) -> &'static str {
        match self {
            Kind::Hunt => "hunt_group",
            Kind::Pickup => "pickup_group",
            Kind::Ea => "ea_group",
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

// ---------------------------------------------------------------------------------------
// Hunt groups

/// A hunt group with its members in ring order.
#[derive(Clone, Debug)]
pub struct HuntGroup {
    pub group: hunt_group::Model,
    pub members: Vec<hunt_group_member::Model>,
}

/// Hunt groups (of one unit, or all), by name, each with its members in ring order: two
/// queries whatever the number of groups.
pub async fn hunt_groups(
    db: &impl ConnectionTrait,
    unit: Option<Uuid>,
) -> Result<Vec<HuntGroup>, DbErr> {
    let mut query = hunt_group::Entity::find().order_by_asc(hunt_group::Column::Name);
    if let Some(unit) = unit {
        query = query.filter(hunt_group::Column::UnitId.eq(unit));
    }
    let groups = query.all(db).await?;
    let mut members = by_group(
        hunt_group_member::Entity::find()
            .filter(hunt_group_member::Column::GroupId.is_in(groups.iter().map(|g| g.id)))
            .order_by_asc(hunt_group_member::Column::Position)
            .all(db)
            .await?,
        |m| m.group_id,
    );
    Ok(groups
        .into_iter()
        .map(|group| HuntGroup {
            members: members.remove(&group.id).unwrap_or_default(),
            group,
        })
        .collect())
}

/// Rows grouped by their group id, keeping the query's order.
fn by_group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> std::collections::HashMap<Uuid, Vec<T>> {
    let mut map: std::collections::HashMap<Uuid, Vec<T>> = std::collections::HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// Loads a hunt group and its members.
pub async fn hunt_group(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<HuntGroup>, DbErr> {
    let Some(group) = hunt_group::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let members = hunt_group_member::Entity::find()
        .filter(hunt_group_member::Column::GroupId.eq(id))
        .order_by_asc(hunt_group_member::Column::Position)
        .all(db)
        .await?;
    Ok(Some(HuntGroup { group, members }))
}

/// What may change on a hunt group itself. `None` keeps the value.
#[derive(Clone, Debug, Default)]
pub struct HuntGroupChange {
    pub name: Option<String>,
    pub strategy: Option<HuntStrategy>,
    pub no_answer: Option<Fallback>,
}

/// One change to a hunt group's members.
#[derive(Clone, Debug)]
pub enum HuntMemberChange {
    Add {
        person: Uuid,
        ring_seconds: i32,
        /// 1-based position; None appends.
        position: Option<usize>,
    },
    Remove {
        person: Uuid,
    },
    Reorder {
        people: Vec<Uuid>,
    },
    RingTime {
        person: Uuid,
        ring_seconds: i32,
    },
    OptOut {
        person: Uuid,
        opted_out: bool,
    },
}

async fn load_hunt(txn: &impl ConnectionTrait, id: Uuid) -> Result<HuntGroup, GroupError> {
    hunt_group(txn, id).await?.ok_or(GroupError::NotFound)
}

/// Changes a hunt group's name, strategy or no-answer destination.
pub async fn update_hunt_group(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    change: HuntGroupChange,
    expected_version: Option<i32>,
) -> Result<HuntGroup, GroupError> {
    let txn = crate::db::begin_write(db).await?;
    let before = load_hunt(&txn, id).await?;
    if !may_manage(principal, before.group.unit_id) {
        return Err(GroupError::NotAllowed(
            "hunt groups are configured by the unit's coordinators and administrators",
        ));
    }
    let mut group = before.group.clone();
    if let Some(name) = change.name {
        group.name = rules::validate_name(&name)?;
    }
    if let Some(strategy) = change.strategy {
        group.strategy = strategy;
    }
    if let Some(fallback) = change.no_answer {
        rules::validate_no_answer(id, &fallback)?;
        if let Fallback::HuntGroup(target) = fallback
            && hunt_group::Entity::find_by_id(target)
                .one(&txn)
                .await?
                .is_none()
        {
            return Err(GroupRefusal::InvalidFallback("no such hunt group".into()).into());
        }
        if let Fallback::Person(target) = fallback {
            person(&txn, target).await?;
        }
        group.no_answer_kind = fallback.kind();
        group.no_answer_target = fallback.target();
    }
    bump(
        &txn,
        Kind::Hunt,
        id,
        expected(expected_version, before.group.version),
    )
    .await?;
    let mut active = group.into_active_model().reset_all();
    active.version = sea_orm::ActiveValue::NotSet;
    active.id = sea_orm::ActiveValue::Unchanged(id);
    active.update(&txn).await?;
    let after = load_hunt(&txn, id).await?;
    audit::changed(
        &txn,
        principal,
        "hunt_group.update",
        Subject::new(Kind::Hunt.subject(), id),
        &before.group,
        &after.group,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Adds, removes, reorders members, sets a ring time, or opts a member out or in.
pub async fn change_hunt_members(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    change: HuntMemberChange,
    expected_version: Option<i32>,
) -> Result<HuntGroup, GroupError> {
    let txn = crate::db::begin_write(db).await?;
    let before = load_hunt(&txn, id).await?;
    let manager = may_manage(principal, before.group.unit_id);
    let own_opt_out =
        matches!(&change, HuntMemberChange::OptOut { person, .. } if principal.is_person(*person));
    if !manager && !own_opt_out {
        return Err(GroupError::NotAllowed(
            "hunt groups are configured by the unit's coordinators and administrators; a member may only opt themselves out or in",
        ));
    }
    let current: Vec<Uuid> = before.members.iter().map(|m| m.person_id).collect();
    let member = |p: Uuid| {
        before
            .members
            .iter()
            .find(|m| m.person_id == p)
            .cloned()
            .ok_or(GroupRefusal::NotAMember(p))
    };
    let action;
    match &change {
        HuntMemberChange::Add {
            person: p,
            ring_seconds,
            position,
        } => {
            action = "hunt_group.member.add";
            rules::validate_ring_seconds(*ring_seconds)?;
            let who = enrollee(&txn, principal, *p).await?;
            rules::may_add_member(
                before.group.platform,
                &current,
                Candidate {
                    person_id: who.id,
                    platform: who.platform,
                },
            )?;
            let mut order = current.clone();
            let at = position
                .map(|n| n.saturating_sub(1).min(order.len()))
                .unwrap_or(order.len());
            order.insert(at, *p);
            hunt_group_member::ActiveModel {
                id: Set(Uuid::now_v7()),
                group_id: Set(id),
                person_id: Set(*p),
                position: Set(-1),
                ring_seconds: Set(*ring_seconds),
                opted_out: Set(false),
            }
            .insert(&txn)
            .await?;
            renumber(&txn, id, &order).await?;
        }
        HuntMemberChange::Remove { person: p } => {
            action = "hunt_group.member.remove";
            rules::may_remove_member(&current, *p)?;
            hunt_group_member::Entity::delete_many()
                .filter(hunt_group_member::Column::GroupId.eq(id))
                .filter(hunt_group_member::Column::PersonId.eq(*p))
                .exec(&txn)
                .await?;
            let order: Vec<Uuid> = current.iter().copied().filter(|x| x != p).collect();
            renumber(&txn, id, &order).await?;
        }
        HuntMemberChange::Reorder { people } => {
            action = "hunt_group.member.reorder";
            rules::validate_reorder(&current, people)?;
            renumber(&txn, id, people).await?;
        }
        HuntMemberChange::RingTime {
            person: p,
            ring_seconds,
        } => {
            action = "hunt_group.member.ring_time";
            rules::validate_ring_seconds(*ring_seconds)?;
            let mut m = member(*p)?.into_active_model();
            m.ring_seconds = Set(*ring_seconds);
            m.update(&txn).await?;
        }
        HuntMemberChange::OptOut {
            person: p,
            opted_out,
        } => {
            action = if *opted_out {
                "hunt_group.member.opt_out"
            } else {
                "hunt_group.member.opt_in"
            };
            let mut m = member(*p)?.into_active_model();
            m.opted_out = Set(*opted_out);
            m.update(&txn).await?;
        }
    }
    bump(
        &txn,
        Kind::Hunt,
        id,
        expected(expected_version, before.group.version),
    )
    .await?;
    let after = load_hunt(&txn, id).await?;
    audit::record(
        &txn,
        principal,
        action,
        Subject::new(Kind::Hunt.subject(), id),
        Some(audit::snapshot(&before.members)),
        Some(audit::snapshot(&after.members)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Writes positions 1..n in the given order. Positions are first moved out of the way
/// (negative) so a unique (group, position) index never sees two members at one place.
async fn renumber(txn: &DatabaseTransaction, group: Uuid, order: &[Uuid]) -> Result<(), DbErr> {
    for (i, p) in order.iter().enumerate() {
        hunt_group_member::Entity::update_many()
            .col_expr(
                hunt_group_member::Column::Position,
                Expr::value(-(i as i32) - 1000),
            )
            .filter(hunt_group_member::Column::GroupId.eq(group))
            .filter(hunt_group_member::Column::PersonId.eq(*p))
            .exec(txn)
            .await?;
    }
    for (i, p) in order.iter().enumerate() {
        hunt_group_member::Entity::update_many()
            .col_expr(
                hunt_group_member::Column::Position,
                Expr::value(i as i32 + 1),
            )
            .filter(hunt_group_member::Column::GroupId.eq(group))
            .filter(hunt_group_member::Column::PersonId.eq(*p))
            .exec(txn)
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Pickup groups

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

/// Adds (`join`) or removes a member of a pickup group.
pub async fn change_pickup_member(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    who: Uuid,
    join: bool,
    expected_version: Option<i32>,
) -> Result<PickupGroup, GroupError> {
    let txn = crate::db::begin_write(db).await?;
    let before = pickup_group(&txn, id).await?.ok_or(GroupError::NotFound)?;
    if !may_manage(principal, before.group.unit_id) {
        return Err(GroupError::NotAllowed(
            "pickup groups are configured by the unit's coordinators and administrators",
        ));
    }
    let current: Vec<Uuid> = before.members.iter().map(|m| m.person_id).collect();
    if join {
        let p = enrollee(&txn, principal, who).await?;
        let devices: Vec<_> = device::Entity::find()
            .filter(device::Column::OwnerId.eq(who))
            .all(&txn)
            .await?
            .iter()
            .map(facts)
            .collect();
        rules::may_join_pickup_group(&current, who, p.platform, &devices)?;
        pickup_group_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            group_id: Set(id),
            person_id: Set(who),
        }
        .insert(&txn)
        .await?;
    } else {
        rules::may_remove_member(&current, who)?;
        pickup_group_member::Entity::delete_many()
            .filter(pickup_group_member::Column::GroupId.eq(id))
            .filter(pickup_group_member::Column::PersonId.eq(who))
            .exec(&txn)
            .await?;
    }
    bump(
        &txn,
        Kind::Pickup,
        id,
        expected(expected_version, before.group.version),
    )
    .await?;
    let after = pickup_group(&txn, id).await?.ok_or(GroupError::NotFound)?;
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
    Ok(after)
}

// ---------------------------------------------------------------------------------------
// Executive-assistant groups

/// An executive-assistant group: members with their roles, managers' whitelists.
#[derive(Clone, Debug)]
pub struct EaGroup {
    pub group: ea_group::Model,
    pub members: Vec<ea_group_member::Model>,
    pub whitelist: Vec<ea_whitelist_entry::Model>,
}

/// Executive-assistant groups (of one unit, or all), by name, with members and whitelists:
/// three queries.
pub async fn ea_groups(
    db: &impl ConnectionTrait,
    unit: Option<Uuid>,
) -> Result<Vec<EaGroup>, DbErr> {
    let mut query = ea_group::Entity::find().order_by_asc(ea_group::Column::Name);
    if let Some(unit) = unit {
        query = query.filter(ea_group::Column::UnitId.eq(unit));
    }
    let groups = query.all(db).await?;
    let members = ea_group_member::Entity::find()
        .filter(ea_group_member::Column::GroupId.is_in(groups.iter().map(|g| g.id)))
        .all(db)
        .await?;
    let group_of: std::collections::HashMap<Uuid, Uuid> =
        members.iter().map(|m| (m.id, m.group_id)).collect();
    let mut whitelists = by_group(
        ea_whitelist_entry::Entity::find()
            .filter(ea_whitelist_entry::Column::MemberId.is_in(members.iter().map(|m| m.id)))
            .order_by_asc(ea_whitelist_entry::Column::Number)
            .all(db)
            .await?,
        |w| group_of.get(&w.member_id).copied().unwrap_or_default(),
    );
    let mut members = by_group(members, |m| m.group_id);
    Ok(groups
        .into_iter()
        .map(|group| EaGroup {
            members: members.remove(&group.id).unwrap_or_default(),
            whitelist: whitelists.remove(&group.id).unwrap_or_default(),
            group,
        })
        .collect())
}

/// Loads an executive-assistant group with members and whitelists.
pub async fn ea_group(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<EaGroup>, DbErr> {
    let Some(group) = ea_group::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let members = ea_group_member::Entity::find()
        .filter(ea_group_member::Column::GroupId.eq(id))
        .all(db)
        .await?;
    let whitelist = ea_whitelist_entry::Entity::find()
        .filter(ea_whitelist_entry::Column::MemberId.is_in(members.iter().map(|m| m.id)))
        .order_by_asc(ea_whitelist_entry::Column::Number)
        .all(db)
        .await?;
    Ok(Some(EaGroup {
        group,
        members,
        whitelist,
    }))
}

/// One change to an executive-assistant group.
#[derive(Clone, Debug)]
pub enum EaChange {
    Add {
        person: Uuid,
        role: EaRole,
    },
    Remove {
        person: Uuid,
    },
    Divert {
        manager: Uuid,
        enabled: bool,
    },
    WhitelistAdd {
        manager: Uuid,
        number: String,
        label: Option<String>,
    },
    WhitelistRemove {
        manager: Uuid,
        number: String,
    },
}

/// Applies one change to an executive-assistant group.
pub async fn change_ea_group(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    change: EaChange,
    expected_version: Option<i32>,
) -> Result<EaGroup, GroupError> {
    let txn = crate::db::begin_write(db).await?;
    let before = ea_group(&txn, id).await?.ok_or(GroupError::NotFound)?;
    let manager_role = may_manage(principal, before.group.unit_id);
    // Every assistant of the group serves every manager of it; another manager does not.
    let caller_assists = principal.person_id.is_some_and(|me| {
        before
            .members
            .iter()
            .any(|m| m.person_id == me && m.role == EaRole::Assistant)
    });
    let allowed = match &change {
        EaChange::Add { .. } | EaChange::Remove { .. } => manager_role,
        // The manager, their assistants, or whoever configures the unit.
        EaChange::Divert { manager, .. }
        | EaChange::WhitelistAdd { manager, .. }
        | EaChange::WhitelistRemove { manager, .. } => {
            let is_member = before.members.iter().any(|m| m.person_id == *manager);
            manager_role || (principal.is_person(*manager) && is_member) || caller_assists
        }
    };
    if !allowed {
        return Err(GroupError::NotAllowed(
            "executive-assistant groups are configured by the unit's coordinators and administrators; the manager and assistants may set divert and the whitelist",
        ));
    }
    let members: Vec<EaMember> = {
        let mut out = Vec::with_capacity(before.members.len());
        for m in &before.members {
            out.push(EaMember {
                person_id: m.person_id,
                platform: person(&txn, m.person_id).await?.platform,
                role: m.role,
            });
        }
        out
    };
    let manager = |p: Uuid| {
        before
            .members
            .iter()
            .find(|m| m.person_id == p)
            .cloned()
            .ok_or(GroupRefusal::NotAMember(p))
    };
    let action = match &change {
        EaChange::Add { person: p, role } => {
            let who = enrollee(&txn, principal, *p).await?;
            rules::may_join_ea_group(
                before.group.platform,
                &members,
                EaMember {
                    person_id: who.id,
                    platform: who.platform,
                    role: *role,
                },
            )?;
            ea_group_member::ActiveModel {
                id: Set(Uuid::now_v7()),
                group_id: Set(id),
                person_id: Set(*p),
                role: Set(*role),
                divert_enabled: Set(*role == EaRole::Manager),
            }
            .insert(&txn)
            .await?;
            "ea_group.member.add"
        }
        EaChange::Remove { person: p } => {
            rules::may_leave_ea_group(&members, *p)?;
            let m = manager(*p)?;
            ea_whitelist_entry::Entity::delete_many()
                .filter(ea_whitelist_entry::Column::MemberId.eq(m.id))
                .exec(&txn)
                .await?;
            ea_group_member::Entity::delete_by_id(m.id)
                .exec(&txn)
                .await?;
            "ea_group.member.remove"
        }
        EaChange::Divert {
            manager: p,
            enabled,
        } => {
            let m = manager(*p)?;
            if m.role != EaRole::Manager {
                return Err(GroupRefusal::NotAManager.into());
            }
            let mut active = m.into_active_model();
            active.divert_enabled = Set(*enabled);
            active.update(&txn).await?;
            "ea_group.divert"
        }
        EaChange::WhitelistAdd {
            manager: p,
            number,
            label,
        } => {
            let m = manager(*p)?;
            let own = line::Entity::find()
                .filter(line::Column::OwnerId.eq(*p))
                .all(&txn)
                .await?;
            let existing: Vec<E164> = before
                .whitelist
                .iter()
                .filter(|w| w.member_id == m.id)
                .filter_map(|w| E164::parse(&w.number).ok())
                .collect();
            let own_number = own.iter().find_map(|l| E164::parse(&l.e164).ok());
            let entry = rules::whitelist_entry(number, m.role, own_number.as_ref(), &existing)?;
            if own.iter().any(|l| l.e164 == entry.as_str()) {
                return Err(GroupRefusal::OwnNumber.into());
            }
            let label = label
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(rules::validate_name)
                .transpose()?;
            ea_whitelist_entry::ActiveModel {
                id: Set(Uuid::now_v7()),
                member_id: Set(m.id),
                number: Set(entry.as_str().to_owned()),
                label: Set(label),
            }
            .insert(&txn)
            .await?;
            "ea_group.whitelist.add"
        }
        EaChange::WhitelistRemove { manager: p, number } => {
            let m = manager(*p)?;
            let wanted =
                E164::parse(number).map_err(|_| GroupRefusal::InvalidNumber(number.clone()))?;
            let removed = ea_whitelist_entry::Entity::delete_many()
                .filter(ea_whitelist_entry::Column::MemberId.eq(m.id))
                .filter(ea_whitelist_entry::Column::Number.eq(wanted.as_str()))
                .exec(&txn)
                .await?;
            if removed.rows_affected == 0 {
                return Err(GroupRefusal::InvalidNumber(format!(
                    "{wanted} is not on the whitelist"
                ))
                .into());
            }
            "ea_group.whitelist.remove"
        }
    };
    bump(
        &txn,
        Kind::Ea,
        id,
        expected(expected_version, before.group.version),
    )
    .await?;
    let after = ea_group(&txn, id).await?.ok_or(GroupError::NotFound)?;
    audit::record(
        &txn,
        principal,
        action,
        Subject::new(Kind::Ea.subject(), id),
        Some(serde_json::json!({ "members": audit::snapshot(&before.members), "whitelist": audit::snapshot(&before.whitelist) })),
        Some(serde_json::json!({ "members": audit::snapshot(&after.members), "whitelist": audit::snapshot(&after.whitelist) })),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------------------------------
// Creating and deleting groups

/// Why a pilot line cannot pilot a new hunt group.
fn pilot_refusal(why: &'static str) -> GroupError {
    GroupError::Pilot(why)
}

/// A hunt group to create.
#[derive(Clone, Debug)]
pub struct NewHuntGroup {
    pub unit: Uuid,
    pub name: String,
    pub pilot_line: Uuid,
    pub strategy: HuntStrategy,
    /// Members in ring order with their ring seconds.
    pub members: Vec<(Uuid, i32)>,
    pub no_answer: Fallback,
}

/// Creates a hunt group: its platform is its members' (all on one platform).
pub async fn create_hunt_group(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewHuntGroup,
) -> Result<HuntGroup, GroupError> {
    if !may_manage(principal, new.unit) {
        return Err(GroupError::NotAllowed(
            "hunt groups are created by the unit's coordinators and administrators",
        ));
    }
    let name = rules::validate_name(&new.name)?;
    let txn = crate::db::begin_write(db).await?;
    existing_unit(&txn, new.unit).await?;
    let pilot = line::Entity::find_by_id(new.pilot_line)
        .one(&txn)
        .await?
        .ok_or(pilot_refusal("no such line"))?;
    if pilot.kind == entity::enums::LineKind::Personal {
        return Err(pilot_refusal(
            "a personal line belongs to one person: a hunt group's number is a shared or critical line",
        ));
    }
    let piloted = hunt_group::Entity::find()
        .filter(hunt_group::Column::PilotLineId.eq(pilot.id))
        .one(&txn)
        .await?
        .is_some()
        || entity::contact_centre::Entity::find()
            .filter(entity::contact_centre::Column::PilotLineId.eq(pilot.id))
            .one(&txn)
            .await?
            .is_some();
    if piloted {
        return Err(pilot_refusal(
            "this line already pilots a hunt group or contact centre",
        ));
    }
    let mut candidates = Vec::with_capacity(new.members.len());
    for (p, ring) in &new.members {
        rules::validate_ring_seconds(*ring)?;
        let who = enrollee(&txn, principal, *p).await?;
        candidates.push(Candidate {
            person_id: who.id,
            platform: who.platform,
        });
    }
    let platform = rules::platform_of_members(&candidates)?;
    let id = Uuid::now_v7();
    rules::validate_no_answer(id, &new.no_answer)?;
    if let Fallback::HuntGroup(target) = new.no_answer
        && hunt_group::Entity::find_by_id(target)
            .one(&txn)
            .await?
            .is_none()
    {
        return Err(GroupRefusal::InvalidFallback("no such hunt group".into()).into());
    }
    if let Fallback::Person(target) = new.no_answer {
        person(&txn, target).await?;
    }
    hunt_group::ActiveModel {
        id: Set(id),
        name: Set(name),
        pilot_line_id: Set(pilot.id),
        unit_id: Set(new.unit),
        strategy: Set(new.strategy),
        platform: Set(platform),
        no_answer_kind: Set(new.no_answer.kind()),
        no_answer_target: Set(new.no_answer.target()),
        created_at: Set(chrono::Utc::now()),
        version: Set(0),
    }
    .insert(&txn)
    .await?;
    for (i, (p, ring)) in new.members.iter().enumerate() {
        hunt_group_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            group_id: Set(id),
            person_id: Set(*p),
            position: Set(i as i32 + 1),
            ring_seconds: Set(*ring),
            opted_out: Set(false),
        }
        .insert(&txn)
        .await?;
    }
    let after = load_hunt(&txn, id).await?;
    audit::record(
        &txn,
        principal,
        "hunt_group.create",
        Subject::new(Kind::Hunt.subject(), id),
        None,
        Some(serde_json::json!({ "group": audit::snapshot(&after.group), "members": audit::snapshot(&after.members) })),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Creates a pickup group of Chorus desk-phone users.
pub async fn create_pickup_group(
    db: &DatabaseConnection,
    principal: &Principal,
    unit: Uuid,
    name: &str,
    members: &[Uuid],
) -> Result<PickupGroup, GroupError> {
    if !may_manage(principal, unit) {
        return Err(GroupError::NotAllowed(
            "pickup groups are created by the unit's coordinators and administrators",
        ));
    }
    let name = rules::validate_name(name)?;
    if members.is_empty() {
        return Err(GroupRefusal::NoMembers.into());
    }
    let txn = crate::db::begin_write(db).await?;
    existing_unit(&txn, unit).await?;
    let mut joined: Vec<Uuid> = Vec::with_capacity(members.len());
    for p in members {
        let who = enrollee(&txn, principal, *p).await?;
        let devices: Vec<_> = device::Entity::find()
            .filter(device::Column::OwnerId.eq(*p))
            .all(&txn)
            .await?
            .iter()
            .map(facts)
            .collect();
        rules::may_join_pickup_group(&joined, *p, who.platform, &devices)?;
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
    let after = pickup_group(&txn, id).await?.ok_or(GroupError::NotFound)?;
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
    Ok(after)
}

/// Creates an executive-assistant group: at least one manager and one assistant, all on one
/// platform (the group's), nobody both.
pub async fn create_ea_group(
    db: &DatabaseConnection,
    principal: &Principal,
    unit: Uuid,
    name: &str,
    managers: &[Uuid],
    assistants: &[Uuid],
) -> Result<EaGroup, GroupError> {
    if !may_manage(principal, unit) {
        return Err(GroupError::NotAllowed(
            "executive-assistant groups are created by the unit's coordinators and administrators",
        ));
    }
    let name = rules::validate_name(name)?;
    let txn = crate::db::begin_write(db).await?;
    existing_unit(&txn, unit).await?;
    let mut members = Vec::new();
    for (ids, role) in [(managers, EaRole::Manager), (assistants, EaRole::Assistant)] {
        for p in ids {
            let who = enrollee(&txn, principal, *p).await?;
            members.push(EaMember {
                person_id: who.id,
                platform: who.platform,
                role,
            });
        }
    }
    let platform = members
        .first()
        .map(|m| m.platform)
        .ok_or(GroupRefusal::EaNeedsBothRoles)?;
    rules::validate_ea_members(platform, &members)?;
    let id = Uuid::now_v7();
    ea_group::ActiveModel {
        id: Set(id),
        name: Set(name),
        unit_id: Set(unit),
        platform: Set(platform),
        created_at: Set(chrono::Utc::now()),
        version: Set(0),
    }
    .insert(&txn)
    .await?;
    for m in &members {
        ea_group_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            group_id: Set(id),
            person_id: Set(m.person_id),
            role: Set(m.role),
            divert_enabled: Set(m.role == EaRole::Manager),
        }
        .insert(&txn)
        .await?;
    }
    let after = ea_group(&txn, id).await?.ok_or(GroupError::NotFound)?;
    audit::record(
        &txn,
        principal,
        "ea_group.create",
        Subject::new(Kind::Ea.subject(), id),
        None,
        Some(serde_json::json!({ "group": audit::snapshot(&after.group), "members": audit::snapshot(&after.members) })),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
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
    let (unit, version, before) = match kind {
        Kind::Hunt => {
            let g = load_hunt(&txn, id).await?;
            let referenced = hunt_group::Entity::find()
                .filter(hunt_group::Column::NoAnswerTarget.eq(id.to_string()))
                .one(&txn)
                .await?;
            if let Some(other) = referenced {
                return Err(GroupRefusal::InvalidFallback(format!(
                    "{} sends unanswered calls to this group: change that first",
                    other.name
                ))
                .into());
            }
            (
                g.group.unit_id,
                g.group.version,
                serde_json::json!({ "group": audit::snapshot(&g.group), "members": audit::snapshot(&g.members) }),
            )
        }
        Kind::Pickup => {
            let g = pickup_group(&txn, id).await?.ok_or(GroupError::NotFound)?;
            (
                g.group.unit_id,
                g.group.version,
                serde_json::json!({ "group": audit::snapshot(&g.group), "members": audit::snapshot(&g.members) }),
            )
        }
        Kind::Ea => {
            let g = ea_group(&txn, id).await?.ok_or(GroupError::NotFound)?;
            (
                g.group.unit_id,
                g.group.version,
                serde_json::json!({ "group": audit::snapshot(&g.group), "members": audit::snapshot(&g.members), "whitelist": audit::snapshot(&g.whitelist) }),
            )
        }
    };
    if !may_manage(principal, unit) {
        return Err(GroupError::NotAllowed(
            "groups are deleted by the unit's coordinators and administrators",
        ));
    }
    bump(&txn, kind, id, expected(expected_version, version)).await?;
    match kind {
        Kind::Hunt => {
            hunt_group_member::Entity::delete_many()
                .filter(hunt_group_member::Column::GroupId.eq(id))
                .exec(&txn)
                .await?;
            hunt_group::Entity::delete_by_id(id).exec(&txn).await?;
        }
        Kind::Pickup => {
            pickup_group_member::Entity::delete_many()
                .filter(pickup_group_member::Column::GroupId.eq(id))
                .exec(&txn)
                .await?;
            pickup_group::Entity::delete_by_id(id).exec(&txn).await?;
        }
        Kind::Ea => {
            let members: Vec<Uuid> = ea_group_member::Entity::find()
                .filter(ea_group_member::Column::GroupId.eq(id))
                .all(&txn)
                .await?
                .into_iter()
                .map(|m| m.id)
                .collect();
            ea_whitelist_entry::Entity::delete_many()
                .filter(ea_whitelist_entry::Column::MemberId.is_in(members))
                .exec(&txn)
                .await?;
            ea_group_member::Entity::delete_many()
                .filter(ea_group_member::Column::GroupId.eq(id))
                .exec(&txn)
                .await?;
            ea_group::Entity::delete_by_id(id).exec(&txn).await?;
        }
    }
    audit::record(
        &txn,
        principal,
        &format!("{}.delete", kind.subject()),
        Subject::new(kind.subject(), id),
        Some(before),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

//! Executive-assistant groups: loading them with members and whitelists, the changes
//! (members, a manager's divert, a manager's whitelist), creating one, and the steps of
//! deleting one.
//!
//! Where a rule's refusal lands: the field `refusal_field` names for a change,
//! `input.assistantIds` for `createEaGroup`.

use entity::{ea_group, ea_group_member, ea_whitelist_entry, enums::EaRole, line};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    Doomed, Kind, bump, by_group, enrollee, existing_unit, expected, may_manage, no_such_group,
    not_allowed, person, refusal, rule_on,
};
use crate::{
    auth::Principal,
    domain::{
        groups::{self as rules, EaMember, GroupRefusal},
        phone::E164,
    },
    error::{Outcome, try_refuse},
    services::audit::{self, Subject},
};

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

/// An executive-assistant group that must exist.
async fn load_ea(txn: &impl ConnectionTrait, id: Uuid) -> Outcome<EaGroup> {
    Ok(ea_group(txn, id).await?.ok_or_else(no_such_group))
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

/// The input field a change's rule refusals land on: the field that names what the rule
/// checks (the person, the manager, the number).
fn refusal_field(change: &EaChange) -> &'static str {
    match change {
        EaChange::Add { .. } | EaChange::Remove { .. } => "personId",
        EaChange::Divert { .. } => "managerId",
        EaChange::WhitelistAdd { .. } | EaChange::WhitelistRemove { .. } => "number",
    }
}

/// Applies one change to an executive-assistant group.
pub async fn change_ea_group(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    change: EaChange,
    expected_version: Option<i32>,
) -> Outcome<EaGroup> {
    let field = ["input", refusal_field(&change)];
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(load_ea(&txn, id).await?);
    if !may_change(principal, &before, &change) {
        return Ok(Err(not_allowed(
            "executive-assistant groups are configured by the unit's coordinators and administrators; the manager and assistants may set divert and the whitelist",
        )));
    }
    let members = try_refuse!(members_with_platforms(&txn, &before, &field).await?);
    let action = match &change {
        EaChange::Add { person: p, role } => {
            try_refuse!(add_member(&txn, principal, &before, &members, *p, *role, &field).await?);
            "ea_group.member.add"
        }
        EaChange::Remove { person: p } => {
            try_refuse!(remove_member(&txn, &before, &members, *p, &field).await?);
            "ea_group.member.remove"
        }
        EaChange::Divert {
            manager: p,
            enabled,
        } => {
            try_refuse!(set_divert(&txn, &before, *p, *enabled, &field).await?);
            "ea_group.divert"
        }
        EaChange::WhitelistAdd {
            manager: p,
            number,
            label,
        } => {
            let label = label.as_deref();
            try_refuse!(add_whitelist_entry(&txn, &before, *p, number, label, &field).await?);
            "ea_group.whitelist.add"
        }
        EaChange::WhitelistRemove { manager: p, number } => {
            try_refuse!(remove_whitelist_entry(&txn, &before, *p, number, &field).await?);
            "ea_group.whitelist.remove"
        }
    };
    try_refuse!(
        bump(
            &txn,
            Kind::Ea,
            id,
            expected(expected_version, before.group.version),
        )
        .await?
    );
    let after = try_refuse!(load_ea(&txn, id).await?);
    audit::record(
        &txn,
        principal,
        action,
        Subject::new(Kind::Ea.subject(), id),
        Some(members_and_whitelist(&before)),
        Some(members_and_whitelist(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Who may make this change: whoever configures the unit anything; for a manager's divert
/// and whitelist also that manager (a member) and every assistant of the group (every
/// assistant serves every manager of it; another manager does not).
fn may_change(principal: &Principal, group: &EaGroup, change: &EaChange) -> bool {
    let manager_role = may_manage(principal, group.group.unit_id);
    let caller_assists = principal.person_id.is_some_and(|me| {
        group
            .members
            .iter()
            .any(|m| m.person_id == me && m.role == EaRole::Assistant)
    });
    match change {
        EaChange::Add { .. } | EaChange::Remove { .. } => manager_role,
        EaChange::Divert { manager, .. }
        | EaChange::WhitelistAdd { manager, .. }
        | EaChange::WhitelistRemove { manager, .. } => {
            let is_member = group.members.iter().any(|m| m.person_id == *manager);
            manager_role || (principal.is_person(*manager) && is_member) || caller_assists
        }
    }
}

/// The group's members as the rules see them: role and the person's platform.
async fn members_with_platforms(
    txn: &DatabaseTransaction,
    group: &EaGroup,
    field: &[&str],
) -> Outcome<Vec<EaMember>> {
    let mut out = Vec::with_capacity(group.members.len());
    for m in &group.members {
        out.push(EaMember {
            person_id: m.person_id,
            platform: try_refuse!(person(txn, m.person_id, field).await?).platform,
            role: m.role,
        });
    }
    Ok(Ok(out))
}

/// The member row of a person; refused when they are not a member.
fn member(group: &EaGroup, person: Uuid) -> Result<ea_group_member::Model, GroupRefusal> {
    group
        .members
        .iter()
        .find(|m| m.person_id == person)
        .cloned()
        .ok_or(GroupRefusal::NotAMember(person))
}

/// The audit state of a change: members and whitelists.
fn members_and_whitelist(group: &EaGroup) -> serde_json::Value {
    serde_json::json!({ "members": audit::snapshot(&group.members), "whitelist": audit::snapshot(&group.whitelist) })
}

/// Adds a manager (divert on) or an assistant, on the group's platform.
async fn add_member(
    txn: &DatabaseTransaction,
    principal: &Principal,
    group: &EaGroup,
    members: &[EaMember],
    p: Uuid,
    role: EaRole,
    field: &[&str],
) -> Outcome<()> {
    let who = try_refuse!(enrollee(txn, principal, p, field).await?);
    let candidate = EaMember {
        person_id: who.id,
        platform: who.platform,
        role,
    };
    try_refuse!(
        rules::may_join_ea_group(group.group.platform, members, candidate).map_err(rule_on(field))
    );
    ea_group_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        group_id: Set(group.group.id),
        person_id: Set(p),
        role: Set(role),
        divert_enabled: Set(role == EaRole::Manager),
    }
    .insert(txn)
    .await?;
    Ok(Ok(()))
}

/// Removes a member with their whitelist (never the last manager or assistant).
async fn remove_member(
    txn: &DatabaseTransaction,
    group: &EaGroup,
    members: &[EaMember],
    p: Uuid,
    field: &[&str],
) -> Outcome<()> {
    try_refuse!(rules::may_leave_ea_group(members, p).map_err(rule_on(field)));
    let m = try_refuse!(member(group, p).map_err(rule_on(field)));
    ea_whitelist_entry::Entity::delete_many()
        .filter(ea_whitelist_entry::Column::MemberId.eq(m.id))
        .exec(txn)
        .await?;
    ea_group_member::Entity::delete_by_id(m.id)
        .exec(txn)
        .await?;
    Ok(Ok(()))
}

/// Switches a manager's divert on or off.
async fn set_divert(
    txn: &DatabaseTransaction,
    group: &EaGroup,
    p: Uuid,
    enabled: bool,
    field: &[&str],
) -> Outcome<()> {
    let m = try_refuse!(member(group, p).map_err(rule_on(field)));
    if m.role != EaRole::Manager {
        return Ok(Err(refusal(field, &GroupRefusal::NotAManager)));
    }
    let mut active = m.into_active_model();
    active.divert_enabled = Set(enabled);
    active.update(txn).await?;
    Ok(Ok(()))
}

/// Adds a number to a manager's whitelist: a valid number, not yet on it, not one of the
/// manager's own lines; the label is trimmed (blank is none).
async fn add_whitelist_entry(
    txn: &DatabaseTransaction,
    group: &EaGroup,
    p: Uuid,
    number: &str,
    label: Option<&str>,
    field: &[&str],
) -> Outcome<()> {
    let m = try_refuse!(member(group, p).map_err(rule_on(field)));
    let own = line::Entity::find()
        .filter(line::Column::OwnerId.eq(p))
        .all(txn)
        .await?;
    let existing: Vec<E164> = group
        .whitelist
        .iter()
        .filter(|w| w.member_id == m.id)
        .filter_map(|w| E164::parse(&w.number).ok())
        .collect();
    let own_number = own.iter().find_map(|l| E164::parse(&l.e164).ok());
    let entry = try_refuse!(
        rules::whitelist_entry(number, m.role, own_number.as_ref(), &existing)
            .map_err(rule_on(field))
    );
    if own.iter().any(|l| l.e164 == entry.as_str()) {
        return Ok(Err(refusal(field, &GroupRefusal::OwnNumber)));
    }
    let label = try_refuse!(
        label
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(rules::validate_name)
            .transpose()
            .map_err(rule_on(field))
    );
    ea_whitelist_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        member_id: Set(m.id),
        number: Set(entry.as_str().to_owned()),
        label: Set(label),
    }
    .insert(txn)
    .await?;
    Ok(Ok(()))
}

/// Removes a number from a manager's whitelist; refused when it is not on it.
async fn remove_whitelist_entry(
    txn: &DatabaseTransaction,
    group: &EaGroup,
    p: Uuid,
    number: &str,
    field: &[&str],
) -> Outcome<()> {
    let m = try_refuse!(member(group, p).map_err(rule_on(field)));
    let wanted = try_refuse!(
        E164::parse(number)
            .map_err(|_| refusal(field, &GroupRefusal::InvalidNumber(number.to_owned())))
    );
    let removed = ea_whitelist_entry::Entity::delete_many()
        .filter(ea_whitelist_entry::Column::MemberId.eq(m.id))
        .filter(ea_whitelist_entry::Column::Number.eq(wanted.as_str()))
        .exec(txn)
        .await?;
    if removed.rows_affected == 0 {
        let absent = GroupRefusal::InvalidNumber(format!("{wanted} is not on the whitelist"));
        return Ok(Err(refusal(field, &absent)));
    }
    Ok(Ok(()))
}

/// Creates an executive-assistant group: at least one manager and one assistant, all on one
/// platform (the group's), nobody both. Rule refusals land on `input.assistantIds`.
pub async fn create_ea_group(
    db: &DatabaseConnection,
    principal: &Principal,
    unit: Uuid,
    name: &str,
    managers: &[Uuid],
    assistants: &[Uuid],
) -> Outcome<EaGroup> {
    const FIELD: &[&str] = &["input", "assistantIds"];
    if !may_manage(principal, unit) {
        return Ok(Err(not_allowed(
            "executive-assistant groups are created by the unit's coordinators and administrators",
        )));
    }
    let name = try_refuse!(rules::validate_name(name).map_err(rule_on(FIELD)));
    let txn = crate::db::begin_write(db).await?;
    try_refuse!(existing_unit(&txn, unit).await?);
    let mut members = Vec::new();
    for (ids, role) in [(managers, EaRole::Manager), (assistants, EaRole::Assistant)] {
        for p in ids {
            let who = try_refuse!(enrollee(&txn, principal, *p, FIELD).await?);
            members.push(EaMember {
                person_id: who.id,
                platform: who.platform,
                role,
            });
        }
    }
    let Some(platform) = members.first().map(|m| m.platform) else {
        return Ok(Err(refusal(FIELD, &GroupRefusal::EaNeedsBothRoles)));
    };
    try_refuse!(rules::validate_ea_members(platform, &members).map_err(rule_on(FIELD)));
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
    let after = try_refuse!(load_ea(&txn, id).await?);
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
    Ok(Ok(after))
}

/// Reads an executive-assistant group to delete.
pub(super) async fn doomed(txn: &DatabaseTransaction, id: Uuid) -> Outcome<Doomed> {
    let g = try_refuse!(load_ea(txn, id).await?);
    Ok(Ok(Doomed {
        unit: g.group.unit_id,
        version: g.group.version,
        snapshot: serde_json::json!({ "group": audit::snapshot(&g.group), "members": audit::snapshot(&g.members), "whitelist": audit::snapshot(&g.whitelist) }),
    }))
}

/// Deletes an executive-assistant group's whitelists, its members, then the group.
pub(super) async fn delete_rows(txn: &DatabaseTransaction, id: Uuid) -> Result<(), DbErr> {
    let members: Vec<Uuid> = ea_group_member::Entity::find()
        .filter(ea_group_member::Column::GroupId.eq(id))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    ea_whitelist_entry::Entity::delete_many()
        .filter(ea_whitelist_entry::Column::MemberId.is_in(members))
        .exec(txn)
        .await?;
    ea_group_member::Entity::delete_many()
        .filter(ea_group_member::Column::GroupId.eq(id))
        .exec(txn)
        .await?;
    ea_group::Entity::delete_by_id(id).exec(txn).await?;
    Ok(())
}

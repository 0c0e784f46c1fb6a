//! Hunt groups: loading them with their members in ring order, changing the group and its
//! members, creating one on a free pilot line, and the steps of deleting one.
//!
//! Where a rule's refusal lands: `input` for `updateHuntGroup`, `input.members` for
//! `createHuntGroup`, the field `refusal_field` names for a member change.

use entity::{
    contact_centre,
    enums::{HuntStrategy, LineKind, Platform},
    hunt_group, hunt_group_member, line,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::{
    Doomed, Kind, bump, by_group, enrollee, existing_unit, expected, may_manage, no_such_group,
    not_allowed, person, refusal, rule_on,
};
use crate::{
    auth::Principal,
    domain::groups::{self as rules, Candidate, Fallback, GroupRefusal},
    error::{Outcome, UserError, UserErrorCode, try_refuse},
    services::audit::{self, Subject},
};

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

/// A hunt group that must exist.
async fn load_hunt(txn: &impl ConnectionTrait, id: Uuid) -> Outcome<HuntGroup> {
    Ok(hunt_group(txn, id).await?.ok_or_else(no_such_group))
}

/// Changes a hunt group's name, strategy or no-answer destination.
pub async fn update_hunt_group(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    change: HuntGroupChange,
    expected_version: Option<i32>,
) -> Outcome<HuntGroup> {
    const FIELD: &[&str] = &["input"];
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(load_hunt(&txn, id).await?);
    if !may_manage(principal, before.group.unit_id) {
        return Ok(Err(not_allowed(
            "hunt groups are configured by the unit's coordinators and administrators",
        )));
    }
    let mut group = before.group.clone();
    if let Some(name) = change.name {
        group.name = try_refuse!(rules::validate_name(&name).map_err(rule_on(FIELD)));
    }
    if let Some(strategy) = change.strategy {
        group.strategy = strategy;
    }
    if let Some(fallback) = change.no_answer {
        try_refuse!(check_no_answer(&txn, id, &fallback, FIELD).await?);
        group.no_answer_kind = fallback.kind();
        group.no_answer_target = fallback.target();
    }
    try_refuse!(
        bump(
            &txn,
            Kind::Hunt,
            id,
            expected(expected_version, before.group.version),
        )
        .await?
    );
    let mut active = group.into_active_model().reset_all();
    active.version = sea_orm::ActiveValue::NotSet;
    active.id = sea_orm::ActiveValue::Unchanged(id);
    active.update(&txn).await?;
    let after = try_refuse!(load_hunt(&txn, id).await?);
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
    Ok(Ok(after))
}

/// Refuses (on `field`) a no-answer destination of group `id` that is the group itself, an
/// unknown hunt group or an unknown person.
async fn check_no_answer(
    txn: &DatabaseTransaction,
    id: Uuid,
    fallback: &Fallback,
    field: &[&str],
) -> Outcome<()> {
    try_refuse!(rules::validate_no_answer(id, fallback).map_err(rule_on(field)));
    if let Fallback::HuntGroup(target) = *fallback
        && hunt_group::Entity::find_by_id(target)
            .one(txn)
            .await?
            .is_none()
    {
        let unknown = GroupRefusal::InvalidFallback("no such hunt group".into());
        return Ok(Err(refusal(field, &unknown)));
    }
    if let Fallback::Person(target) = *fallback {
        try_refuse!(person(txn, target, field).await?);
    }
    Ok(Ok(()))
}

/// The input field a member change's rule refusals land on: the field that names what the
/// rule checks (the person, the new order, the ring time).
fn refusal_field(change: &HuntMemberChange) -> &'static str {
    match change {
        HuntMemberChange::Add { .. }
        | HuntMemberChange::Remove { .. }
        | HuntMemberChange::OptOut { .. } => "personId",
        HuntMemberChange::Reorder { .. } => "personIds",
        HuntMemberChange::RingTime { .. } => "ringSeconds",
    }
}

/// Adds, removes, reorders members, sets a ring time, or opts a member out or in.
pub async fn change_hunt_members(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    change: HuntMemberChange,
    expected_version: Option<i32>,
) -> Outcome<HuntGroup> {
    let field = ["input", refusal_field(&change)];
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(load_hunt(&txn, id).await?);
    let manager = may_manage(principal, before.group.unit_id);
    let own_opt_out =
        matches!(&change, HuntMemberChange::OptOut { person, .. } if principal.is_person(*person));
    if !manager && !own_opt_out {
        return Ok(Err(not_allowed(
            "hunt groups are configured by the unit's coordinators and administrators; a member may only opt themselves out or in",
        )));
    }
    let action = try_refuse!(apply_member_change(&txn, principal, &before, &change, &field).await?);
    try_refuse!(
        bump(
            &txn,
            Kind::Hunt,
            id,
            expected(expected_version, before.group.version),
        )
        .await?
    );
    let after = try_refuse!(load_hunt(&txn, id).await?);
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
    Ok(Ok(after))
}

/// Checks and writes one member change (rule refusals on `field`); answers the audit action.
async fn apply_member_change(
    txn: &DatabaseTransaction,
    principal: &Principal,
    before: &HuntGroup,
    change: &HuntMemberChange,
    field: &[&str],
) -> Outcome<&'static str> {
    let id = before.group.id;
    let current: Vec<Uuid> = before.members.iter().map(|m| m.person_id).collect();
    Ok(Ok(match change {
        HuntMemberChange::Add {
            person: p,
            ring_seconds,
            position,
        } => {
            try_refuse!(rules::validate_ring_seconds(*ring_seconds).map_err(rule_on(field)));
            let who = try_refuse!(enrollee(txn, principal, *p, field).await?);
            let candidate = Candidate {
                person_id: who.id,
                platform: who.platform,
            };
            try_refuse!(
                add_member(
                    txn,
                    before,
                    &current,
                    candidate,
                    *ring_seconds,
                    *position,
                    field
                )
                .await?
            );
            "hunt_group.member.add"
        }
        HuntMemberChange::Remove { person: p } => {
            try_refuse!(rules::may_remove_member(&current, *p).map_err(rule_on(field)));
            hunt_group_member::Entity::delete_many()
                .filter(hunt_group_member::Column::GroupId.eq(id))
                .filter(hunt_group_member::Column::PersonId.eq(*p))
                .exec(txn)
                .await?;
            let order: Vec<Uuid> = current.iter().copied().filter(|x| x != p).collect();
            renumber(txn, id, &order).await?;
            "hunt_group.member.remove"
        }
        HuntMemberChange::Reorder { people } => {
            try_refuse!(rules::validate_reorder(&current, people).map_err(rule_on(field)));
            renumber(txn, id, people).await?;
            "hunt_group.member.reorder"
        }
        HuntMemberChange::RingTime {
            person: p,
            ring_seconds,
        } => {
            try_refuse!(rules::validate_ring_seconds(*ring_seconds).map_err(rule_on(field)));
            let mut m = try_refuse!(member(before, *p).map_err(rule_on(field))).into_active_model();
            m.ring_seconds = Set(*ring_seconds);
            m.update(txn).await?;
            "hunt_group.member.ring_time"
        }
        HuntMemberChange::OptOut {
            person: p,
            opted_out,
        } => {
            let mut m = try_refuse!(member(before, *p).map_err(rule_on(field))).into_active_model();
            m.opted_out = Set(*opted_out);
            m.update(txn).await?;
            if *opted_out {
                "hunt_group.member.opt_out"
            } else {
                "hunt_group.member.opt_in"
            }
        }
    }))
}

/// The member row of a person; refused when they are not a member.
fn member(group: &HuntGroup, person: Uuid) -> Result<hunt_group_member::Model, GroupRefusal> {
    group
        .members
        .iter()
        .find(|m| m.person_id == person)
        .cloned()
        .ok_or(GroupRefusal::NotAMember(person))
}

/// Inserts a new member at `position` (1-based; None appends) and renumbers the ring order;
/// a rule's refusal lands on `field`.
async fn add_member(
    txn: &DatabaseTransaction,
    before: &HuntGroup,
    current: &[Uuid],
    candidate: Candidate,
    ring_seconds: i32,
    position: Option<usize>,
    field: &[&str],
) -> Outcome<()> {
    let id = before.group.id;
    let p = candidate.person_id;
    try_refuse!(
        rules::may_add_member(before.group.platform, current, candidate).map_err(rule_on(field))
    );
    let mut order = current.to_vec();
    let at = position
        .map(|n| n.saturating_sub(1).min(order.len()))
        .unwrap_or(order.len());
    order.insert(at, p);
    hunt_group_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        group_id: Set(id),
        person_id: Set(p),
        position: Set(-1),
        ring_seconds: Set(ring_seconds),
        opted_out: Set(false),
    }
    .insert(txn)
    .await?;
    renumber(txn, id, &order).await?;
    Ok(Ok(()))
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

/// Creates a hunt group: its platform is its members' (all on one platform). Rule refusals
/// land on `input.members`, that of the no-answer destination too.
pub async fn create_hunt_group(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewHuntGroup,
) -> Outcome<HuntGroup> {
    const FIELD: &[&str] = &["input", "members"];
    if !may_manage(principal, new.unit) {
        return Ok(Err(not_allowed(
            "hunt groups are created by the unit's coordinators and administrators",
        )));
    }
    let name = try_refuse!(rules::validate_name(&new.name).map_err(rule_on(FIELD)));
    let txn = crate::db::begin_write(db).await?;
    try_refuse!(existing_unit(&txn, new.unit).await?);
    let pilot = try_refuse!(free_pilot(&txn, new.pilot_line).await?);
    let platform = try_refuse!(members_platform(&txn, principal, &new.members, FIELD).await?);
    let id = Uuid::now_v7();
    try_refuse!(check_no_answer(&txn, id, &new.no_answer, FIELD).await?);
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
    let after = try_refuse!(load_hunt(&txn, id).await?);
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
    Ok(Ok(after))
}

/// A line that cannot pilot a new group, as a user error on `input.pilotLineId`.
fn unfit_pilot(why: &'static str) -> UserError {
    UserError::new(&["input", "pilotLineId"], UserErrorCode::RuleViolation, why)
}

/// The line a new group is to be piloted by: it exists, is shared or critical, and pilots
/// no hunt group or contact centre yet.
async fn free_pilot(txn: &DatabaseTransaction, id: Uuid) -> Outcome<line::Model> {
    let Some(pilot) = line::Entity::find_by_id(id).one(txn).await? else {
        return Ok(Err(unfit_pilot("no such line")));
    };
    if pilot.kind == LineKind::Personal {
        return Ok(Err(unfit_pilot(
            "a personal line belongs to one person: a hunt group's number is a shared or critical line",
        )));
    }
    let piloted = hunt_group::Entity::find()
        .filter(hunt_group::Column::PilotLineId.eq(pilot.id))
        .one(txn)
        .await?
        .is_some()
        || contact_centre::Entity::find()
            .filter(contact_centre::Column::PilotLineId.eq(pilot.id))
            .one(txn)
            .await?
            .is_some();
    if piloted {
        return Ok(Err(unfit_pilot(
            "this line already pilots a hunt group or contact centre",
        )));
    }
    Ok(Ok(pilot))
}

/// The platform of a new group's members (ring times checked, each one the caller may
/// enrol, all on one platform); a rule's refusal lands on `field`.
async fn members_platform(
    txn: &DatabaseTransaction,
    principal: &Principal,
    members: &[(Uuid, i32)],
    field: &[&str],
) -> Outcome<Platform> {
    let mut candidates = Vec::with_capacity(members.len());
    for (p, ring) in members {
        try_refuse!(rules::validate_ring_seconds(*ring).map_err(rule_on(field)));
        let who = try_refuse!(enrollee(txn, principal, *p, field).await?);
        candidates.push(Candidate {
            person_id: who.id,
            platform: who.platform,
        });
    }
    Ok(rules::platform_of_members(&candidates).map_err(rule_on(field)))
}

/// Reads a hunt group to delete; refused (on `input.groupId`) while another hunt group sends
/// unanswered calls to it.
pub(super) async fn doomed(txn: &DatabaseTransaction, id: Uuid) -> Outcome<Doomed> {
    let g = try_refuse!(load_hunt(txn, id).await?);
    let referenced = hunt_group::Entity::find()
        .filter(hunt_group::Column::NoAnswerTarget.eq(id.to_string()))
        .one(txn)
        .await?;
    if let Some(other) = referenced {
        let refused = GroupRefusal::InvalidFallback(format!(
            "{} sends unanswered calls to this group: change that first",
            other.name
        ));
        return Ok(Err(refusal(&["input", "groupId"], &refused)));
    }
    Ok(Ok(Doomed {
        unit: g.group.unit_id,
        version: g.group.version,
        snapshot: serde_json::json!({ "group": audit::snapshot(&g.group), "members": audit::snapshot(&g.members) }),
    }))
}

/// Deletes a hunt group's members, then the group.
pub(super) async fn delete_rows(txn: &DatabaseTransaction, id: Uuid) -> Result<(), DbErr> {
    hunt_group_member::Entity::delete_many()
        .filter(hunt_group_member::Column::GroupId.eq(id))
        .exec(txn)
        .await?;
    hunt_group::Entity::delete_by_id(id).exec(txn).await?;
    Ok(())
}

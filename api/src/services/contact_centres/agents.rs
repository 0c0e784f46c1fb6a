//! The agents of a queue: who may answer it, adding and removing them.

use std::collections::{HashMap, HashSet};

use entity::{cc_agent, person};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::queues::queue_json;
use super::{
    Centre, centre_of_queue, entry, finish, index, lock, refreshed, refusal, refusal_with, refuse,
};
use crate::error::try_refuse;
use crate::{
    auth::Principal,
    domain::{
        contact_centres as rules, directory as visibility,
        groups::{Candidate, GroupRefusal, may_remove_member},
    },
    error::{Outcome, UserError, UserErrorCode},
};

/// Agents one change may add or remove.
pub const MAX_AGENTS_PER_CHANGE: usize = 100;

/// Checks new agents for a queue: each person exists and is visible to the caller, is not
/// given twice nor already an agent, and is on Chorus ([`rules::may_add_agent`]: contact
/// centres stay on Chorus). `field` is the input list's name.
pub(super) async fn check_agents(
    txn: &DatabaseTransaction,
    principal: &Principal,
    current: &[Uuid],
    people: &[Uuid],
    field: &str,
) -> Result<Result<(), UserError>, DbErr> {
    if people.len() > MAX_AGENTS_PER_CHANGE {
        return Ok(Err(refuse(
            &["input", field],
            UserErrorCode::Invalid,
            format!("give at most {MAX_AGENTS_PER_CHANGE} people at once"),
        )));
    }
    let found: HashMap<Uuid, person::Model> = if people.is_empty() {
        HashMap::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(people.iter().copied()))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    let mut agents = current.to_vec();
    for (i, id) in people.iter().enumerate() {
        let at = index(i);
        let path = ["input", field, at.as_str()];
        let Some(p) = found
            .get(id)
            .filter(|p| visibility::can_see(principal, entry(p)))
        else {
            return Ok(Err(refusal(&path, &GroupRefusal::UnknownPerson(*id))));
        };
        if !visibility::may_enrol(principal, entry(p)) {
            return Ok(Err(refuse(
                &path,
                UserErrorCode::NotAllowed,
                "only people of your own units can be made agents",
            )));
        }
        let candidate = Candidate {
            person_id: p.id,
            platform: p.platform,
        };
        if let Err(e) = rules::may_add_agent(&agents, candidate) {
            let message = match &e {
                GroupRefusal::DuplicateMember(_) if current.contains(id) => {
                    format!("{} is already an agent of this queue", p.display_name)
                }
                GroupRefusal::DuplicateMember(_) => {
                    format!("{} is listed twice", p.display_name)
                }
                GroupRefusal::AgentOnTeams(_) => format!(
                    "{} is on Telephony over Teams: contact centres stay on Chorus, so agents must be on Chorus",
                    p.display_name
                ),
                other => other.to_string(),
            };
            return Ok(Err(refusal_with(&path, &e, message)));
        }
        agents.push(*id);
    }
    Ok(Ok(()))
}

pub(super) async fn insert_agents(
    txn: &DatabaseTransaction,
    queue_id: Uuid,
    people: &[Uuid],
) -> Result<(), DbErr> {
    if people.is_empty() {
        return Ok(());
    }
    cc_agent::Entity::insert_many(people.iter().map(|p| cc_agent::ActiveModel {
        id: Set(Uuid::now_v7()),
        queue_id: Set(queue_id),
        person_id: Set(*p),
    }))
    .exec(txn)
    .await?;
    Ok(())
}

/// Adds agents to a queue: see [`check_agents`] for the rules.
pub async fn add_agents(
    db: &DatabaseConnection,
    principal: &Principal,
    queue_id: Uuid,
    expected: i32,
    people: Vec<Uuid>,
) -> Outcome<(Centre, Uuid)> {
    let centre_id = try_refuse!(centre_of_queue(db, queue_id).await?);
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "queueId").await?);
    let Some(queue) = before.queue(queue_id).cloned() else {
        return Ok(Err(refuse(
            &["input", "queueId"],
            UserErrorCode::NotFound,
            "no such queue",
        )));
    };
    if people.is_empty() {
        return Ok(Err(refuse(
            &["input", "personIds"],
            UserErrorCode::Invalid,
            "give at least one person",
        )));
    }
    try_refuse!(check_agents(&txn, principal, &queue.agent_ids(), &people, "personIds").await?);
    insert_agents(&txn, queue_id, &people).await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.add_agents",
        centre_id,
        Some(queue_json(Some(&queue), before.centre.version)),
        Some(queue_json(after.queue(queue_id), after.centre.version)),
    )
    .await?;
    Ok(Ok((after, queue_id)))
}

/// Removes agents from a queue. Each must be an agent of it (NOT_A_MEMBER), given once
/// (DUPLICATE_MEMBER), and the queue is never emptied by removal (LAST_MEMBER): a queue without
/// agents overflows every call, so that takes removing the queue, a deliberate act.
pub async fn remove_agents(
    db: &DatabaseConnection,
    principal: &Principal,
    queue_id: Uuid,
    expected: i32,
    people: Vec<Uuid>,
) -> Outcome<(Centre, Uuid)> {
    let centre_id = try_refuse!(centre_of_queue(db, queue_id).await?);
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "queueId").await?);
    let Some(queue) = before.queue(queue_id).cloned() else {
        return Ok(Err(refuse(
            &["input", "queueId"],
            UserErrorCode::NotFound,
            "no such queue",
        )));
    };
    if people.is_empty() || people.len() > MAX_AGENTS_PER_CHANGE {
        return Ok(Err(refuse(
            &["input", "personIds"],
            UserErrorCode::Invalid,
            format!("give 1 to {MAX_AGENTS_PER_CHANGE} people"),
        )));
    }
    let mut remaining = queue.agent_ids();
    let mut seen = HashSet::new();
    for (i, id) in people.iter().enumerate() {
        let at = index(i);
        let path = ["input", "personIds", at.as_str()];
        if !seen.insert(*id) {
            let e = GroupRefusal::DuplicateMember(*id);
            return Ok(Err(refusal_with(
                &path,
                &e,
                "this person is listed twice".into(),
            )));
        }
        if let Err(e) = may_remove_member(&remaining, *id) {
            let message = match &e {
                GroupRefusal::NotAMember(_) => "this person is not an agent of the queue".into(),
                GroupRefusal::LastMember => {
                    "the queue would be left without agents: add another agent first, or remove the queue"
                        .into()
                }
                other => other.to_string(),
            };
            return Ok(Err(refusal_with(&path, &e, message)));
        }
        remaining.retain(|p| p != id);
    }
    cc_agent::Entity::delete_many()
        .filter(cc_agent::Column::QueueId.eq(queue_id))
        .filter(cc_agent::Column::PersonId.is_in(people))
        .exec(&txn)
        .await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.remove_agents",
        centre_id,
        Some(queue_json(Some(&queue), before.centre.version)),
        Some(queue_json(after.queue(queue_id), after.centre.version)),
    )
    .await?;
    Ok(Ok((after, queue_id)))
}

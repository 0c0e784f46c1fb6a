//! A centre's queues: adding, changing, reordering and removing them.

use std::collections::HashMap;

use entity::{cc_agent, cc_queue};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::agents::{check_agents, insert_agents};
use super::{
    Centre, Queue, centre_of_queue, check_destination, finish, lock, pilot_of, refreshed, refusal,
    refuse,
};
use crate::error::try_refuse;
use crate::{
    auth::Principal,
    domain::{
        contact_centres as rules,
        groups::{Fallback, GroupRefusal, validate_name},
    },
    error::{Outcome, UserError, UserErrorCode},
};

/// Callers waiting at once in a new queue when none is given (the demo's first queue).
pub const DEFAULT_MAX_WAITING: i32 = 10;

/// Longest wait in a new queue when none is given: five minutes.
pub const DEFAULT_MAX_WAIT_SECONDS: i32 = 300;

/// A new queue.
#[derive(Clone, Debug)]
pub struct NewQueue {
    pub name: String,
    pub max_waiting: i32,
    pub max_wait_seconds: i32,
    pub overflow: Fallback,
    /// 1-based place among the centre's queues; `None` puts it last.
    pub position: Option<i32>,
    /// First agents, checked as [`add_agents`](super::add_agents) checks them.
    pub agents: Vec<Uuid>,
}

/// Changes to a queue; `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct QueueChanges {
    pub name: Option<String>,
    pub max_waiting: Option<i32>,
    pub max_wait_seconds: Option<i32>,
    pub overflow: Option<Fallback>,
    pub position: Option<i32>,
}

pub(super) fn queue_json(queue: Option<&Queue>, version: i32) -> serde_json::Value {
    json!({ "version": version, "queue": queue })
}

/// A unique (case-insensitive) queue name within the centre.
fn queue_name(centre: &Centre, name: &str, except: Option<Uuid>) -> Result<String, UserError> {
    let name = validate_name(name).map_err(|e| refusal(&["input", "name"], &e))?;
    let lower = name.to_lowercase();
    if centre
        .queues
        .iter()
        .any(|q| Some(q.queue.id) != except && q.queue.name.to_lowercase() == lower)
    {
        return Err(refuse(
            &["input", "name"],
            UserErrorCode::Duplicate,
            format!("the centre already has a queue called {name:?} (DUPLICATE_NAME)"),
        ));
    }
    Ok(name)
}

fn queue_limits(max_waiting: i32, max_wait_seconds: i32) -> Result<(), UserError> {
    rules::validate_queue_limits(max_waiting, max_wait_seconds).map_err(|e| {
        let field = match e {
            GroupRefusal::MaxWaitOutOfRange(_) => "maxWaitSeconds",
            _ => "maxWaiting",
        };
        refusal(&["input", field], &e)
    })
}

fn position_in(position: i32, count: usize) -> Result<usize, UserError> {
    usize::try_from(position)
        .ok()
        .filter(|p| (1..=count).contains(p))
        .ok_or_else(|| {
            refuse(
                &["input", "position"],
                UserErrorCode::Invalid,
                format!("a position is 1 to {count}, not {position} (POSITION_OUT_OF_RANGE)"),
            )
        })
}

/// Gives the queues positions 1, 2, … in the given order, writing only those that move.
async fn renumber(txn: &DatabaseTransaction, centre: &Centre, order: &[Uuid]) -> Result<(), DbErr> {
    let current: HashMap<Uuid, i32> = centre
        .queues
        .iter()
        .map(|q| (q.queue.id, q.queue.position))
        .collect();
    for (i, id) in order.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        if current.get(id) != Some(&position) {
            cc_queue::Entity::update_many()
                .col_expr(cc_queue::Column::Position, Expr::value(position))
                .filter(cc_queue::Column::Id.eq(*id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Adds a queue to a centre at `position` (the queues after it move down one), with its
/// limits ([`rules::validate_queue_limits`]), overflow destination and first agents. Returns
/// the centre and the new queue's id.
pub async fn create_queue(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    new: NewQueue,
) -> Outcome<(Centre, Uuid)> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    let name = try_refuse!(queue_name(&before, &new.name, None));
    try_refuse!(queue_limits(new.max_waiting, new.max_wait_seconds));
    let pilot = pilot_of(&txn, &before.centre).await?;
    try_refuse!(
        check_destination(
            &txn,
            principal,
            &new.overflow,
            pilot.as_ref(),
            &["input", "overflow"]
        )
        .await?
    );
    let count = before.queues.len() + 1;
    let position = match new.position {
        Some(p) => try_refuse!(position_in(p, count)),
        None => count,
    };
    try_refuse!(check_agents(&txn, principal, &[], &new.agents, "agentIds").await?);
    let id = Uuid::now_v7();
    cc_queue::ActiveModel {
        id: Set(id),
        centre_id: Set(centre_id),
        name: Set(name),
        max_waiting: Set(new.max_waiting),
        max_wait_seconds: Set(new.max_wait_seconds),
        overflow_kind: Set(new.overflow.kind()),
        overflow_target: Set(new.overflow.target()),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
    }
    .insert(&txn)
    .await?;
    let mut order: Vec<Uuid> = before.queues.iter().map(|q| q.queue.id).collect();
    order.insert(position - 1, id);
    renumber(&txn, &before, &order).await?;
    insert_agents(&txn, id, &new.agents).await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.create",
        centre_id,
        None,
        Some(queue_json(after.queue(id), after.centre.version)),
    )
    .await?;
    Ok(Ok((after, id)))
}

/// Changes a queue's name, limits, overflow destination or position (the queues between its
/// old and new place shift by one).
pub async fn update_queue(
    db: &DatabaseConnection,
    principal: &Principal,
    queue_id: Uuid,
    expected: i32,
    changes: QueueChanges,
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
    let mut active: cc_queue::ActiveModel = queue.queue.clone().into();
    if let Some(name) = &changes.name {
        active.name = Set(try_refuse!(queue_name(&before, name, Some(queue_id))));
    }
    let max_waiting = changes.max_waiting.unwrap_or(queue.queue.max_waiting);
    let max_wait_seconds = changes
        .max_wait_seconds
        .unwrap_or(queue.queue.max_wait_seconds);
    try_refuse!(queue_limits(max_waiting, max_wait_seconds));
    if changes.max_waiting.is_some() {
        active.max_waiting = Set(max_waiting);
    }
    if changes.max_wait_seconds.is_some() {
        active.max_wait_seconds = Set(max_wait_seconds);
    }
    if let Some(fallback) = &changes.overflow {
        let pilot = pilot_of(&txn, &before.centre).await?;
        try_refuse!(
            check_destination(
                &txn,
                principal,
                fallback,
                pilot.as_ref(),
                &["input", "overflow"]
            )
            .await?
        );
        active.overflow_kind = Set(fallback.kind());
        active.overflow_target = Set(fallback.target());
    }
    let new_position = match changes.position {
        Some(p) => Some(try_refuse!(position_in(p, before.queues.len()))),
        None => None,
    };
    if active.is_changed() {
        active.update(&txn).await?;
    }
    if let Some(position) = new_position {
        let mut order: Vec<Uuid> = before
            .queues
            .iter()
            .map(|q| q.queue.id)
            .filter(|id| *id != queue_id)
            .collect();
        order.insert(position - 1, queue_id);
        renumber(&txn, &before, &order).await?;
    }
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.update",
        centre_id,
        Some(queue_json(Some(&queue), before.centre.version)),
        Some(queue_json(after.queue(queue_id), after.centre.version)),
    )
    .await?;
    Ok(Ok((after, queue_id)))
}

/// Removes a queue and its agents; the queues after it move up one.
pub async fn remove_queue(
    db: &DatabaseConnection,
    principal: &Principal,
    queue_id: Uuid,
    expected: i32,
) -> Outcome<Centre> {
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
    cc_agent::Entity::delete_many()
        .filter(cc_agent::Column::QueueId.eq(queue_id))
        .exec(&txn)
        .await?;
    cc_queue::Entity::delete_by_id(queue_id).exec(&txn).await?;
    let order: Vec<Uuid> = before
        .queues
        .iter()
        .map(|q| q.queue.id)
        .filter(|id| *id != queue_id)
        .collect();
    renumber(&txn, &before, &order).await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.queue.remove",
        centre_id,
        Some(queue_json(Some(&queue), before.centre.version)),
        Some(queue_json(None, after.centre.version)),
    )
    .await?;
    Ok(Ok(after))
}

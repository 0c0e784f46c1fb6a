//! Teams licences (rules 5–6): one pool, never more assigned than it holds.
//!
//! Every change takes the pool row's lock first (`SELECT … FOR UPDATE` on PostgreSQL, the
//! write lock of `BEGIN IMMEDIATE` on SQLite), so concurrent requests queue on the pool and
//! each sees the counts the previous one committed. The count update itself is guarded too
//! (`… WHERE assigned_count + n <= capacity`), and `(pool, person)` is unique, so a person
//! never holds two licences and a repeated request is a no-op.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{enums::Platform, licence_assignment, licence_pool, person, tranche_member};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{PersonResult, column, conflict, not_found, refused};
use crate::{
    auth::Principal,
    domain::cutover::{self as rules, Refusal},
    error::{self, ApiError, try_refuse},
    services::audit::{self, Subject, SubjectKind},
};

/// The name of the one pool.
pub const POOL: &str = "teams";

/// What happened to one person's licence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Assigned,
    /// A dry run: would be assigned.
    WouldAssign,
    AlreadyAssigned,
    Revoked,
    WouldRevoke,
    Refused,
}

/// The pool, created empty on first use.
pub async fn pool(db: &impl ConnectionTrait) -> Result<licence_pool::Model, sea_orm::DbErr> {
    if let Some(p) = licence_pool::Entity::find()
        .filter(licence_pool::Column::Name.eq(POOL))
        .one(db)
        .await?
    {
        return Ok(p);
    }
    let model = licence_pool::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(POOL.into()),
        capacity: Set(0),
        assigned_count: Set(0),
        updated_at: Set(Utc::now()),
        version: Set(1),
    };
    // Two first uses may race: the unique name keeps one; read it back either way.
    let _ = licence_pool::Entity::insert(model)
        .on_conflict_do_nothing()
        .exec(db)
        .await;
    licence_pool::Entity::find()
        .filter(licence_pool::Column::Name.eq(POOL))
        .one(db)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("licence pool".into()))
}

/// The pool as staff read it: administrators, coordinators and services (FORBIDDEN for
/// anyone else).
pub async fn pool_for(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<licence_pool::Model, ApiError> {
    if !(principal.is_admin()
        || principal.has_role(crate::auth::Role::Coordinator)
        || principal.kind == crate::auth::PrincipalKind::Service)
    {
        return Err(ApiError::Forbidden("the pool is for staff".into()));
    }
    Ok(pool(db).await?)
}

/// The pool row, locked for the rest of the transaction (NOT_FOUND should it be gone).
async fn locked_pool(txn: &DatabaseTransaction) -> error::Outcome<licence_pool::Model> {
    pool(txn).await?;
    let locked = licence_pool::Entity::find()
        .filter(licence_pool::Column::Name.eq(POOL))
        .lock_exclusive()
        .one(txn)
        .await?;
    Ok(locked.ok_or_else(|| not_found("licence pool")))
}

/// Sets the pool's size; never below what is assigned. FORBIDDEN for anyone but
/// administrators.
pub async fn set_capacity(
    db: &DatabaseConnection,
    principal: &Principal,
    capacity: i32,
) -> error::Outcome<licence_pool::Model> {
    if !principal.is_admin() {
        return Err(ApiError::Forbidden(
            "only administrators size the licence pool".into(),
        ));
    }
    if !(0..=1_000_000).contains(&capacity) {
        return Ok(Err(refused("capacity", Refusal::InvalidCapacity(capacity))));
    }
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(locked_pool(&txn).await?);
    if capacity < before.assigned_count {
        return Ok(Err(refused(
            "capacity",
            Refusal::PoolBelowAssigned {
                assigned: before.assigned_count,
            },
        )));
    }
    let mut active: licence_pool::ActiveModel = before.clone().into();
    active.capacity = Set(capacity);
    active.updated_at = Set(Utc::now());
    active.version = Set(before.version + 1);
    let after = active.update(&txn).await?;
    audit::changed(
        &txn,
        principal,
        "licence_pool.resize",
        Subject::new(SubjectKind::LicencePool, after.id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Assigns a licence to each person (in the order given) while the pool lasts.
///
/// Per person: UNKNOWN_PERSON, ALREADY_ASSIGNED (idempotent), BLOCKED with the blocker, or
/// assigned; once the pool is empty the rest get POOL_EXHAUSTED. A dry run answers the same
/// without writing. FORBIDDEN for a caller without the role or scope; the request as a
/// whole is refused for a repeated person.
pub async fn assign(
    db: &DatabaseConnection,
    principal: &Principal,
    person_ids: &[Uuid],
    dry_run: bool,
    since: DateTime<Utc>,
) -> error::Outcome<(Vec<PersonResult<Outcome>>, licence_pool::Model)> {
    if !super::may_run(principal, "licences:write") {
        return Err(ApiError::Forbidden(
            "licences are assigned by administrators and the licences:write service scope".into(),
        ));
    }
    try_refuse!(rules::check_unique(person_ids).map_err(|r| refused("personIds", r)));
    // Blockers (including a blocked movement set) from the column.
    let (rows, _) = column::compute(db, &column::Scope::People(person_ids.to_vec()), since).await?;
    let verdicts: HashMap<Uuid, column::Row> = rows.into_iter().map(|r| (r.person_id, r)).collect();

    let txn = crate::db::begin_write(db).await?;
    let pool = try_refuse!(locked_pool(&txn).await?);
    let held: BTreeSet<Uuid> = licence_assignment::Entity::find()
        .filter(licence_assignment::Column::PoolId.eq(pool.id))
        .filter(licence_assignment::Column::PersonId.is_in(person_ids.to_vec()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| a.person_id)
        .collect();
    let mut results = Vec::with_capacity(person_ids.len());
    let mut wanted = Vec::new();
    for id in person_ids {
        let refusal = match verdicts.get(id) {
            None => Some(Refusal::UnknownPerson(*id)),
            Some(_) if held.contains(id) => None,
            Some(row) => row
                .verdict
                .blockers
                .iter()
                .next()
                .map(|b| Refusal::Blocked {
                    person: *id,
                    blocker: *b,
                }),
        };
        let outcome = match (&refusal, held.contains(id)) {
            (Some(_), _) => Outcome::Refused,
            (None, true) => Outcome::AlreadyAssigned,
            (None, false) => {
                wanted.push(results.len());
                Outcome::Assigned
            }
        };
        results.push(PersonResult {
            person_id: *id,
            outcome,
            refusal,
        });
    }
    let n = rules::grantable(pool.capacity, pool.assigned_count, wanted.len());
    for (k, i) in wanted.iter().enumerate() {
        if k >= n {
            results[*i].outcome = Outcome::Refused;
            results[*i].refusal = Some(Refusal::PoolExhausted {
                capacity: pool.capacity,
            });
        } else if dry_run {
            results[*i].outcome = Outcome::WouldAssign;
        }
    }
    if dry_run || n == 0 {
        txn.rollback().await?;
        return Ok(Ok((results, pool)));
    }
    let now = Utc::now();
    let granted: Vec<Uuid> = wanted[..n].iter().map(|i| results[*i].person_id).collect();
    licence_assignment::Entity::insert_many(granted.iter().map(|p| {
        licence_assignment::ActiveModel {
            id: Set(Uuid::now_v7()),
            pool_id: Set(pool.id),
            person_id: Set(*p),
            assigned_at: Set(now),
            assigned_by: Set(principal.username.clone()),
        }
    }))
    .exec(&txn)
    .await?;
    let changed = licence_pool::Entity::update_many()
        .col_expr(
            licence_pool::Column::AssignedCount,
            Expr::col(licence_pool::Column::AssignedCount).add(n as i32),
        )
        .col_expr(
            licence_pool::Column::Version,
            Expr::col(licence_pool::Column::Version).add(1),
        )
        .col_expr(licence_pool::Column::UpdatedAt, Expr::value(now))
        .filter(licence_pool::Column::Id.eq(pool.id))
        .filter(
            Expr::col(licence_pool::Column::AssignedCount)
                .add(n as i32)
                .lte(Expr::col(licence_pool::Column::Capacity)),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    if changed != 1 {
        // Cannot happen while the lock holds; refuse rather than over-assign.
        txn.rollback().await?;
        return Ok(Err(conflict(pool.version)));
    }
    for p in &granted {
        audit::record(
            &txn,
            principal,
            "licence.assign",
            Subject::new(SubjectKind::Person, *p),
            None,
            Some(serde_json::json!({ "pool": POOL })),
        )
        .await?;
    }
    let Some(after) = licence_pool::Entity::find_by_id(pool.id).one(&txn).await? else {
        return Ok(Err(not_found("licence pool")));
    };
    txn.commit().await?;
    Ok(Ok((results, after)))
}

/// Takes a licence back: refused for someone on Teams (it is in use) or placed in a tranche.
/// The person's refusal is their result, not a user error; FORBIDDEN for a caller without
/// the role or scope.
pub async fn revoke(
    db: &DatabaseConnection,
    principal: &Principal,
    person_id: Uuid,
    dry_run: bool,
) -> error::Outcome<(PersonResult<Outcome>, licence_pool::Model)> {
    if !super::may_run(principal, "licences:write") {
        return Err(ApiError::Forbidden(
            "licences are revoked by administrators and the licences:write service scope".into(),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let pool = try_refuse!(locked_pool(&txn).await?);
    let refuse = |refusal: Refusal| PersonResult {
        person_id,
        outcome: Outcome::Refused,
        refusal: Some(refusal),
    };
    let Some(person) = person::Entity::find_by_id(person_id).one(&txn).await? else {
        return Ok(Ok((refuse(Refusal::UnknownPerson(person_id)), pool)));
    };
    let held = licence_assignment::Entity::find()
        .filter(licence_assignment::Column::PoolId.eq(pool.id))
        .filter(licence_assignment::Column::PersonId.eq(person_id))
        .one(&txn)
        .await?;
    let Some(held) = held else {
        return Ok(Ok((refuse(Refusal::NoLicenceToRevoke(person_id)), pool)));
    };
    if person.platform == Platform::Teams {
        return Ok(Ok((refuse(Refusal::LicenceInUse(person_id)), pool)));
    }
    if tranche_member::Entity::find()
        .filter(tranche_member::Column::PersonId.eq(person_id))
        .one(&txn)
        .await?
        .is_some()
    {
        return Ok(Ok((refuse(Refusal::InTranche(person_id)), pool)));
    }
    if dry_run {
        txn.rollback().await?;
        return Ok(Ok((
            PersonResult {
                person_id,
                outcome: Outcome::WouldRevoke,
                refusal: None,
            },
            pool,
        )));
    }
    licence_assignment::Entity::delete_by_id(held.id)
        .exec(&txn)
        .await?;
    let mut active: licence_pool::ActiveModel = pool.clone().into();
    active.assigned_count = Set(pool.assigned_count - 1);
    active.version = Set(pool.version + 1);
    active.updated_at = Set(Utc::now());
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        principal,
        "licence.revoke",
        Subject::new(SubjectKind::Person, person_id),
        Some(audit::snapshot(&held)),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok((
        PersonResult {
            person_id,
            outcome: Outcome::Revoked,
            refusal: None,
        },
        after,
    )))
}

/// Which of these people hold a licence.
pub async fn licensed(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> Result<BTreeSet<Uuid>, sea_orm::DbErr> {
    let mut out = BTreeSet::new();
    for chunk in people.chunks(crate::db::IDS_PER_STATEMENT) {
        out.extend(
            licence_assignment::Entity::find()
                .filter(licence_assignment::Column::PersonId.is_in(chunk.to_vec()))
                .all(db)
                .await?
                .into_iter()
                .map(|a| a.person_id),
        );
    }
    Ok(out)
}

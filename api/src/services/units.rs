//! Units: the list of units with its filter and keyset page, a unit's sub-units, and
//! `createUnit` and `updateUnit` (code, name, kind, Teams instance and the parent unit: the
//! units form a tree, and a change that would make a loop is refused).

use entity::{enums::TeamsTenant, enums::UnitKind, unit};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    db::{keyset_after, keyset_before},
    domain::provisioning as rules,
    error::{ApiError, Outcome, UserError, UserErrorCode, try_refuse},
    services::audit::{self, Subject, SubjectKind},
};

/// Longest search text of the unit list.
const MAX_SEARCH_CHARS: usize = 100;

/// Which units a list shows: a prefix of the name or code, and a kind.
#[derive(Clone, Debug)]
pub struct UnitFilter(Condition);

impl UnitFilter {
    /// BAD_USER_INPUT for a search longer than [`MAX_SEARCH_CHARS`] bytes; a blank search
    /// matches every unit.
    pub fn new(search: Option<&str>, kind: Option<UnitKind>) -> Result<Self, ApiError> {
        let mut filter = Condition::all();
        if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
            if s.len() > MAX_SEARCH_CHARS {
                return Err(ApiError::BadUserInput(format!(
                    "search is longer than {MAX_SEARCH_CHARS} characters"
                )));
            }
            filter = filter.add(
                Condition::any()
                    .add(unit::Column::Name.starts_with(s))
                    .add(unit::Column::Code.starts_with(s.to_uppercase())),
            );
        }
        if let Some(kind) = kind {
            filter = filter.add(unit::Column::Kind.eq(kind));
        }
        Ok(Self(filter))
    }
}

/// How many units the filter matches.
pub async fn count(db: &impl ConnectionTrait, filter: &UnitFilter) -> Result<i64, DbErr> {
    let n = unit::Entity::find()
        .filter(filter.0.clone())
        .count(db)
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Up to `fetch` units of the filter in `(name, id)` order after `after` (or, backward, in
/// reverse order before `before`).
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &UnitFilter,
    after: Option<&(String, Uuid)>,
    before: Option<&(String, Uuid)>,
    backward: bool,
    fetch: u64,
) -> Result<Vec<unit::Model>, DbErr> {
    let mut query = unit::Entity::find().filter(filter.0.clone());
    if let Some((name, id)) = after {
        query = query.filter(keyset_after(
            unit::Column::Name,
            name,
            unit::Column::Id,
            *id,
        ));
    }
    if let Some((name, id)) = before {
        query = query.filter(keyset_before(
            unit::Column::Name,
            name,
            unit::Column::Id,
            *id,
        ));
    }
    let query = if backward {
        query
            .order_by_desc(unit::Column::Name)
            .order_by_desc(unit::Column::Id)
    } else {
        query
            .order_by_asc(unit::Column::Name)
            .order_by_asc(unit::Column::Id)
    };
    query.limit(fetch).all(db).await
}

/// The units directly below `parent`, ordered by name.
pub async fn children(db: &impl ConnectionTrait, parent: Uuid) -> Result<Vec<unit::Model>, DbErr> {
    unit::Entity::find()
        .filter(unit::Column::ParentId.eq(parent))
        .order_by_asc(unit::Column::Name)
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await
}

/// A new unit.
#[derive(Clone, Debug)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub teams_tenant: TeamsTenant,
    /// The unit it belongs to: `None` for a top unit, `Some(None)` for an ID that names no
    /// unit of ours (NOT_FOUND).
    pub parent_id: Option<Option<Uuid>>,
}

/// Creates a unit (the caller is an admin: the resolver's guard). INVALID for a malformed
/// code or name, DUPLICATE for a code in use (compared in capitals), NOT_FOUND for an unknown
/// parent.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    principal: &Principal,
    new: NewUnit,
) -> Outcome<unit::Model> {
    let code = try_refuse!(valid_code(&new.code));
    let name = try_refuse!(valid_name(&new.name));
    let txn = crate::db::begin_write(db).await?;
    try_refuse!(code_free(&txn, &code, None).await?);
    let parent_id = match new.parent_id {
        None => None,
        Some(parent) => Some(try_refuse!(existing_parent(&txn, parent).await?)),
    };
    let inserted = unit::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code.clone()),
        name: Set(name),
        kind: Set(new.kind),
        teams_tenant: Set(new.teams_tenant),
        created_at: Set(chrono::Utc::now()),
        parent_id: Set(parent_id),
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(created) => created,
        Err(e) if crate::db::is_unique_violation(&e) => return Ok(Err(duplicate_code(&code))),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        principal,
        "unit.create",
        Subject::new(SubjectKind::Unit, created.id),
        None,
        Some(audit::snapshot(&created)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(created))
}

fn field(name: &str) -> Vec<String> {
    vec!["input".to_owned(), name.to_owned()]
}

/// What `updateUnit` changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UnitChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<UnitKind>,
    pub teams_tenant: Option<TeamsTenant>,
    /// `Some(None)` makes it a top unit; `Some(Some(None))` is an ID that names no unit of
    /// ours (NOT_FOUND).
    pub parent_id: Option<Option<Option<Uuid>>>,
}

fn no_such_unit() -> UserError {
    UserError::new(&["input", "id"], UserErrorCode::NotFound, "no such unit")
}

/// Changes a unit's code, name, kind, Teams instance or parent (the caller is an admin: the
/// resolver's guard). NOT_FOUND for an unknown unit or parent, INVALID for a malformed code
/// or name, DUPLICATE for a code in use, RULE_VIOLATION (`UNIT_CYCLE`) for a parent that is
/// the unit itself or below it. A change that changes nothing records no event.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    principal: &Principal,
    id: Option<Uuid>,
    changes: UnitChanges,
) -> Outcome<unit::Model> {
    let Some(id) = id else {
        return Ok(Err(no_such_unit()));
    };
    let code = match changes.code.as_deref() {
        Some(code) => Some(try_refuse!(valid_code(code))),
        None => None,
    };
    let name = match changes.name.as_deref() {
        Some(name) => Some(try_refuse!(valid_name(name))),
        None => None,
    };
    let txn = crate::db::begin_write(db).await?;
    if changes.parent_id.is_some() {
        lock_tree(&txn).await?;
    }
    let Some(before) = unit::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(Err(no_such_unit()));
    };
    if let Some(code) = &code {
        try_refuse!(code_free(&txn, code, Some(id)).await?);
    }
    let parent_id = match changes.parent_id {
        None => before.parent_id,
        Some(None) => None,
        Some(Some(parent)) => {
            let parent = try_refuse!(existing_parent(&txn, parent).await?);
            let chain = chain_from(&txn, parent).await?;
            if let Err(r) = rules::parent_allowed(id, &chain) {
                return Ok(Err(UserError::refused(
                    field("parentId"),
                    &r,
                    r.to_string(),
                )));
            }
            Some(parent)
        }
    };
    let wanted = unit::Model {
        code: code.clone().unwrap_or_else(|| before.code.clone()),
        name: name.unwrap_or_else(|| before.name.clone()),
        kind: changes.kind.unwrap_or(before.kind),
        teams_tenant: changes.teams_tenant.unwrap_or(before.teams_tenant),
        parent_id,
        ..before.clone()
    };
    if wanted == before {
        return Ok(Ok(before));
    }
    let mut active: unit::ActiveModel = before.clone().into();
    active.code = Set(wanted.code);
    active.name = Set(wanted.name);
    active.kind = Set(wanted.kind);
    active.teams_tenant = Set(wanted.teams_tenant);
    active.parent_id = Set(wanted.parent_id);
    let after = match active.update(&txn).await {
        Ok(after) => after,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Ok(Err(duplicate_code(code.as_deref().unwrap_or_default())));
        }
        Err(e) => return Err(e.into()),
    };
    audit::changed(
        &txn,
        principal,
        "unit.update",
        Subject::new(SubjectKind::Unit, after.id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// The code as stored (trimmed, in capitals), or INVALID (`INVALID_UNIT_CODE`).
fn valid_code(code: &str) -> Result<String, UserError> {
    rules::unit_code(code).map_err(|r| UserError::refused(field("code"), &r, r.to_string()))
}

/// The name as stored (trimmed), or INVALID (`INVALID_NAME`).
fn valid_name(name: &str) -> Result<String, UserError> {
    rules::name(name).map_err(|r| UserError::refused(field("name"), &r, r.to_string()))
}

fn duplicate_code(code: &str) -> UserError {
    UserError::new(
        &["input", "code"],
        UserErrorCode::Duplicate,
        format!("a unit already has the code {code}"),
    )
}

/// DUPLICATE when a unit other than `except` has the code. A concurrent request that takes
/// it after this check is caught by the unique index ([`crate::db::is_unique_violation`]).
async fn code_free(
    txn: &DatabaseTransaction,
    code: &str,
    except: Option<Uuid>,
) -> Result<Result<(), UserError>, DbErr> {
    let taken = unit::Entity::find()
        .filter(unit::Column::Code.eq(code))
        .one(txn)
        .await?;
    Ok(match taken {
        Some(other) if Some(other.id) != except => Err(duplicate_code(code)),
        _ => Ok(()),
    })
}

/// The parent's id when it names a unit, else NOT_FOUND on `parentId`.
async fn existing_parent(
    txn: &DatabaseTransaction,
    parent: Option<Uuid>,
) -> Result<Result<Uuid, UserError>, DbErr> {
    let found = match parent {
        Some(id) => unit::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    Ok(found.map(|u| u.id).ok_or_else(|| {
        UserError::new(
            &["input", "parentId"],
            UserErrorCode::NotFound,
            "no such parent unit",
        )
    }))
}

/// `unit` and the units above it, nearest first, up to a top unit. Stops at a unit already
/// seen, so a loop left in the data (the column has no constraint) cannot hang the request.
async fn chain_from(txn: &DatabaseTransaction, unit: Uuid) -> Result<Vec<Uuid>, DbErr> {
    let mut chain = vec![unit];
    let mut next = unit;
    loop {
        let parent = unit::Entity::find_by_id(next)
            .select_only()
            .column(unit::Column::ParentId)
            .into_tuple::<Option<Uuid>>()
            .one(txn)
            .await?
            .flatten();
        match parent {
            Some(p) if !chain.contains(&p) => {
                chain.push(p);
                next = p;
            }
            _ => return Ok(chain),
        }
    }
}

/// The PostgreSQL advisory-lock key of the unit tree: FNV-1a (64-bit) of a namespaced name.
fn tree_lock_key() -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "chorus.unit.tree".bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Holds the unit tree until the transaction ends, so two moves that would each be fine alone
/// (A under B, B under A) cannot both pass the cycle check on PostgreSQL, whose transactions
/// do not see each other's uncommitted rows. SQLite already serialises writers
/// (`BEGIN IMMEDIATE`).
async fn lock_tree(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [tree_lock_key().into()],
        ))
        .await?;
    }
    Ok(())
}

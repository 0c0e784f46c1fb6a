//! Units: the list of units with its filter and keyset page, `createUnit` and `updateUnit`.

use entity::{enums::TeamsTenant, enums::UnitKind, unit};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
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

/// Longest unit name.
const MAX_NAME_CHARS: usize = 200;

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

/// A new unit.
#[derive(Clone, Debug)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub teams_tenant: TeamsTenant,
}

/// Creates a unit (the caller is an admin: the resolver's guard). INVALID for a malformed
/// code or name, DUPLICATE for a code in use (compared in capitals).
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    principal: &Principal,
    new: NewUnit,
) -> Outcome<unit::Model> {
    let code = match rules::unit_code(&new.code) {
        Ok(code) => code,
        Err(r) => return Ok(Err(UserError::refused(field("code"), &r, r.to_string()))),
    };
    let name = match rules::name(&new.name) {
        Ok(name) => name,
        Err(r) => return Ok(Err(UserError::refused(field("name"), &r, r.to_string()))),
    };
    let txn = crate::db::begin_write(db).await?;
    let taken = unit::Entity::find()
        .filter(unit::Column::Code.eq(code.as_str()))
        .one(&txn)
        .await?;
    let duplicate = || {
        UserError::new(
            &["input", "code"],
            UserErrorCode::Duplicate,
            format!("a unit already has the code {code}"),
        )
    };
    if taken.is_some() {
        return Ok(Err(duplicate()));
    }
    let inserted = unit::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code.clone()),
        name: Set(name),
        kind: Set(new.kind),
        teams_tenant: Set(new.teams_tenant),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(created) => created,
        Err(e) if crate::db::is_unique_violation(&e) => return Ok(Err(duplicate())),
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
    pub name: Option<String>,
    pub teams_tenant: Option<TeamsTenant>,
}

fn no_such_unit() -> UserError {
    UserError::new(&["input", "id"], UserErrorCode::NotFound, "no such unit")
}

/// Renames a unit or moves it to another Teams instance (the caller is an admin: the
/// resolver's guard). NOT_FOUND for an unknown unit, INVALID for an empty or over-long name.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    principal: &Principal,
    id: Option<Uuid>,
    changes: UnitChanges,
) -> Outcome<unit::Model> {
    let Some(id) = id else {
        return Ok(Err(no_such_unit()));
    };
    let name = match changes.name.as_deref().map(str::trim) {
        Some(name) => Some(try_refuse!(valid_name(name))),
        None => None,
    };
    let txn = crate::db::begin_write(db).await?;
    let Some(before) = unit::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(Err(no_such_unit()));
    };
    let mut active: unit::ActiveModel = before.clone().into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(tenant) = changes.teams_tenant {
        active.teams_tenant = Set(tenant);
    }
    let after = active.update(&txn).await?;
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

fn valid_name(name: &str) -> Result<String, UserError> {
    let len = name.chars().count();
    if len == 0 || len > MAX_NAME_CHARS {
        return Err(UserError::new(
            &["input", "name"],
            UserErrorCode::Invalid,
            format!("a unit name has 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name.to_owned())
}

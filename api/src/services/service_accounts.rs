//! Service accounts: the list, `createServiceAccount`, `updateServiceAccount` and
//! `disableServiceAccount`. Administrators only (the resolvers' guards). A disabled account
//! keeps its row, so its name stays taken and the audit trail keeps naming it; its tokens are
//! refused from the next request on (`auth::check_subject`).

use chrono::Utc;
use entity::{person, service_account};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{
        provisioning,
        service_accounts::{self as rules, ServiceAccountRefusal},
    },
    error::{Outcome, UserError, UserErrorCode, try_refuse},
    services::audit::{self, Subject, SubjectKind},
};

/// Every service account, by name.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<service_account::Model>, DbErr> {
    service_account::Entity::find()
        .order_by_asc(service_account::Column::Name)
        .all(db)
        .await
}

/// One service account.
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<service_account::Model>, DbErr> {
    service_account::Entity::find_by_id(id).one(db).await
}

/// A new service account, as the input gave it.
#[derive(Clone, Debug)]
pub struct NewServiceAccount {
    pub name: String,
    pub display_name: String,
    pub scopes: Vec<String>,
}

/// What `updateServiceAccount` changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ServiceAccountChanges {
    pub display_name: Option<String>,
    pub scopes: Option<Vec<String>>,
}

fn path(field: &str) -> Vec<String> {
    vec!["input".to_owned(), field.to_owned()]
}

fn no_such_account() -> UserError {
    UserError::new(
        &["input", "serviceAccountId"],
        UserErrorCode::NotFound,
        "no such service account",
    )
}

fn duplicate(name: &str) -> UserError {
    UserError::new(
        &["input", "name"],
        UserErrorCode::Duplicate,
        format!("the name {name} is taken by a service account or a person"),
    )
}

/// The display name checked by the directory's name rule.
fn valid_display_name(input: &str) -> Result<String, UserError> {
    provisioning::name(input)
        .map_err(|r| UserError::refused(path("displayName"), &r, r.to_string()))
}

/// The scopes checked against the closed set, in their stored form.
fn valid_scopes(input: &[String]) -> Result<String, UserError> {
    match rules::scopes(input) {
        Ok(set) => Ok(rules::stored_scopes(&set)),
        Err((at, r)) => {
            let mut field = path("scopes");
            if matches!(r, ServiceAccountRefusal::UnknownScope(_)) {
                field.push(at.to_string());
            }
            Err(UserError::refused(field, &r, r.to_string()))
        }
    }
}

/// True when a person or a service account already answers to `name`: a token names its
/// subject by name, and `chorus token` looks for a person first, so one name is one subject.
async fn name_taken(txn: &DatabaseTransaction, name: &str) -> Result<bool, DbErr> {
    let account = service_account::Entity::find()
        .filter(service_account::Column::Name.eq(name))
        .one(txn)
        .await?;
    if account.is_some() {
        return Ok(true);
    }
    let person = person::Entity::find()
        .filter(person::Column::Username.eq(name))
        .one(txn)
        .await?;
    Ok(person.is_some())
}

/// Creates a service account. INVALID for a name, display name or scope breaking its rule
/// (`UNKNOWN_SCOPE` for a scope the server does not check), DUPLICATE for a name in use (by
/// an account, disabled or not, or as a person's username), also when two requests race.
pub async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewServiceAccount,
) -> Outcome<service_account::Model> {
    let name = match rules::name(&new.name) {
        Ok(name) => name,
        Err(r) => return Ok(Err(UserError::refused(path("name"), &r, r.to_string()))),
    };
    let display_name = try_refuse!(valid_display_name(&new.display_name));
    let scopes = try_refuse!(valid_scopes(&new.scopes));
    let txn = crate::db::begin_write(db).await?;
    if name_taken(&txn, &name).await? {
        return Ok(Err(duplicate(&name)));
    }
    let inserted = service_account::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.clone()),
        display_name: Set(display_name),
        scopes: Set(scopes),
        created_at: Set(Utc::now()),
        disabled_at: Set(None),
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(created) => created,
        Err(e) if crate::db::is_unique_violation(&e) => return Ok(Err(duplicate(&name))),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        principal,
        "service_account.create",
        Subject::new(SubjectKind::ServiceAccount, created.id),
        None,
        Some(audit::snapshot(&created)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(created))
}

/// Changes an account's display name or scopes (a disabled account's too, so that it can be
/// tidied). New scopes reach the account's next token; tokens already issued keep theirs until
/// they expire. A change that changes nothing records nothing. NOT_FOUND for an unknown
/// account, INVALID as for [`create`].
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Option<Uuid>,
    changes: ServiceAccountChanges,
) -> Outcome<service_account::Model> {
    let Some(id) = id else {
        return Ok(Err(no_such_account()));
    };
    let display_name = match changes.display_name.as_deref() {
        Some(n) => Some(try_refuse!(valid_display_name(n))),
        None => None,
    };
    let scopes = match changes.scopes.as_deref() {
        Some(s) => Some(try_refuse!(valid_scopes(s))),
        None => None,
    };
    let txn = crate::db::begin_write(db).await?;
    let Some(before) = find(&txn, id).await? else {
        return Ok(Err(no_such_account()));
    };
    let mut active: service_account::ActiveModel = before.clone().into();
    if let Some(n) = display_name.filter(|n| *n != before.display_name) {
        active.display_name = Set(n);
    }
    if let Some(s) = scopes.filter(|s| *s != before.scopes) {
        active.scopes = Set(s);
    }
    if !active.is_changed() {
        return Ok(Ok(before));
    }
    let after = active.update(&txn).await?;
    audit::changed(
        &txn,
        principal,
        "service_account.update",
        Subject::new(SubjectKind::ServiceAccount, id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Disables an account: its tokens are refused from the next request on, and no new token is
/// minted for it. Disabling a disabled account changes nothing. There is no enabling again: a
/// new account (with a new name) is created instead, so that a leaked token of the old one can
/// never come back to life. NOT_FOUND for an unknown account.
pub async fn disable(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Option<Uuid>,
) -> Outcome<service_account::Model> {
    let Some(id) = id else {
        return Ok(Err(no_such_account()));
    };
    let txn = crate::db::begin_write(db).await?;
    let Some(before) = find(&txn, id).await? else {
        return Ok(Err(no_such_account()));
    };
    if before.disabled_at.is_some() {
        return Ok(Ok(before));
    }
    let mut active: service_account::ActiveModel = before.clone().into();
    active.disabled_at = Set(Some(Utc::now()));
    let after = active.update(&txn).await?;
    audit::changed(
        &txn,
        principal,
        "service_account.disable",
        Subject::new(SubjectKind::ServiceAccount, id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

#[cfg(test)]
mod tests {
    use crate::domain::service_accounts::KNOWN_SCOPES;

    #[test]
    fn the_scopes_the_services_check_are_known() {
        for scope in [
            crate::services::cutover::tranches::SCOPE,
            crate::domain::directory::EX_DIRECTORY_SCOPE,
        ] {
            assert!(KNOWN_SCOPES.contains(&scope), "{scope}");
        }
    }
}

//! Joiners: `createPerson` and the checks a new person's row must pass (a username, an e-mail
//! address and an external id nobody else has), some of which `updatePerson` shares.

use chrono::Utc;
use entity::{enums::DirectoryStatus, person};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use super::refuse;
use crate::{
    auth::Principal,
    domain::text::fold_search_name,
    error::{Outcome, UserError, UserErrorCode, try_refuse},
    services::{
        audit::{self, SubjectKind},
        directory,
    },
};

/// A new person: a joiner, or someone the directory has not had yet.
#[derive(Clone, Debug)]
pub struct NewPerson {
    pub username: String,
    pub display_name: String,
    /// Parsed after the permission check, so a caller who may not create learns nothing more.
    pub email: String,
    /// None when the input named no unit of ours (NOT_FOUND).
    pub unit_id: Option<Uuid>,
    pub job_title: Option<String>,
    pub ex_directory: bool,
    /// The person's key in the HR or identity system, if known.
    pub external_id: Option<String>,
}

/// Creates a person on Chorus, listed unless asked otherwise, and indexes them for search.
/// Admins create anyone; coordinators people of their own units. NOT_FOUND for an unknown
/// unit, NOT_ALLOWED for another unit's coordinator, INVALID for a malformed username, name
/// or external id, DUPLICATE for a username, e-mail address or external id another person
/// has.
pub async fn create_person(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewPerson,
) -> Outcome<person::Model> {
    use crate::domain::provisioning as rules;
    let Some(unit_id) = new.unit_id else {
        return Ok(Err(no_such_unit()));
    };
    if !(principal.is_admin() || principal.coordinates(unit_id)) {
        return Ok(Err(refuse(
            &["input", "unitId"],
            UserErrorCode::NotAllowed,
            "only admins and coordinators of the unit add people to it",
        )));
    }
    let checked = rules::username(&new.username)
        .map_err(|r| UserError::refused(path("username"), &r, r.to_string()))
        .and_then(|u| {
            rules::name(&new.display_name)
                .map(|n| (u, n))
                .map_err(|r| UserError::refused(path("displayName"), &r, r.to_string()))
        });
    let (username, display_name) = try_refuse!(checked);
    let email = match crate::domain::email::EmailAddress::parse(&new.email) {
        Ok(email) => email,
        Err(e) => {
            return Ok(Err(refuse(
                &["input", "email"],
                UserErrorCode::Invalid,
                e.to_string(),
            )));
        }
    };
    let external_id = match new.external_id.as_deref() {
        Some(key) => Some(try_refuse!(valid_external_id(key))),
        None => None,
    };
    let job_title = new
        .job_title
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if job_title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Ok(Err(refuse(
            &["input", "jobTitle"],
            UserErrorCode::Invalid,
            "a job title has at most 200 characters",
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    if entity::unit::Entity::find_by_id(unit_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Ok(Err(no_such_unit()));
    }
    try_refuse!(username_free(&txn, &username).await?);
    try_refuse!(email_free(&txn, &email, None).await?);
    if let Some(key) = &external_id {
        try_refuse!(external_id_free(&txn, key, None).await?);
    }
    let inserted = insert_person(
        &txn,
        PersonRow {
            username: &username,
            display_name: &display_name,
            email: &email,
            unit_id,
            job_title,
            ex_directory: new.ex_directory,
            external_id,
        },
    )
    .await;
    let created = match inserted {
        Ok(created) => created,
        Err(e) if crate::db::is_unique_violation(&e) => return Ok(Err(lost_race(&e))),
        Err(e) => return Err(e.into()),
    };
    directory::reindex(&txn, &[created.id]).await?;
    audit::record(
        &txn,
        principal,
        "person.create",
        audit::Subject::new(SubjectKind::Person, created.id),
        None,
        Some(audit::snapshot(&created)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(created))
}

/// The columns of a new person row; the rest start as for everyone (Chorus, no preferred
/// device, version 0).
pub(crate) struct PersonRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: &'a crate::domain::email::EmailAddress,
    pub unit_id: Uuid,
    pub job_title: Option<String>,
    pub ex_directory: bool,
    pub external_id: Option<String>,
}

/// Inserts a person (checked by the caller).
pub(crate) async fn insert_person(
    txn: &DatabaseTransaction,
    row: PersonRow<'_>,
) -> Result<person::Model, DbErr> {
    let now = Utc::now();
    person::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(row.username.to_owned()),
        display_name: Set(row.display_name.to_owned()),
        search_name: Set(fold_search_name(row.display_name)),
        email: Set(row.email.as_str().to_owned()),
        unit_id: Set(row.unit_id),
        job_title: Set(row.job_title),
        directory_status: Set(if row.ex_directory {
            DirectoryStatus::ExDirectory
        } else {
            DirectoryStatus::Listed
        }),
        platform: Set(entity::enums::Platform::Chorus),
        preferred_device_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(0),
        external_id: Set(row.external_id),
    }
    .insert(txn)
    .await
}

fn path(field: &str) -> Vec<String> {
    vec!["input".to_owned(), field.to_owned()]
}

fn no_such_unit() -> UserError {
    refuse(
        &["input", "unitId"],
        UserErrorCode::NotFound,
        "no such unit",
    )
}

/// The external id as stored, or INVALID (`INVALID_EXTERNAL_ID`) on `externalId`.
pub(super) fn valid_external_id(key: &str) -> Result<String, UserError> {
    crate::domain::provisioning::external_id(key)
        .map_err(|r| UserError::refused(path("externalId"), &r, r.to_string()))
}

/// DUPLICATE when someone other than `except` has the external id.
pub(super) async fn external_id_free(
    txn: &DatabaseTransaction,
    key: &str,
    except: Option<Uuid>,
) -> Result<Result<(), UserError>, DbErr> {
    let mut held = person::Entity::find().filter(person::Column::ExternalId.eq(key));
    if let Some(id) = except {
        held = held.filter(person::Column::Id.ne(id));
    }
    Ok(match held.one(txn).await? {
        Some(_) => Err(duplicate_external_id()),
        None => Ok(()),
    })
}

pub(super) fn duplicate_external_id() -> UserError {
    refuse(
        &["input", "externalId"],
        UserErrorCode::Duplicate,
        "another person already has this external id",
    )
}

/// The DUPLICATE of a unique index a concurrent request won: the external id's when the
/// database's message names it (PostgreSQL names the index, SQLite the column), else the
/// username's, the only other unique index of a person.
fn lost_race(e: &DbErr) -> UserError {
    if e.to_string().contains("external_id") {
        duplicate_external_id()
    } else {
        refuse(
            &["input", "username"],
            UserErrorCode::Duplicate,
            "another person already has this username",
        )
    }
}

/// DUPLICATE when someone has the username already.
async fn username_free(
    txn: &DatabaseTransaction,
    username: &str,
) -> Result<Result<(), UserError>, DbErr> {
    let held = person::Entity::find()
        .filter(person::Column::Username.eq(username))
        .one(txn)
        .await?;
    // A service account's name too: `chorus token` and the subject check look people up
    // first, so a person of the same name would take the account's tokens.
    let account = entity::service_account::Entity::find()
        .filter(entity::service_account::Column::Name.eq(username.to_lowercase()))
        .one(txn)
        .await?;
    Ok(match (held, account) {
        (Some(_), _) => Err(refuse(
            &["input", "username"],
            UserErrorCode::Duplicate,
            "another person already has this username",
        )),
        (None, Some(_)) => Err(refuse(
            &["input", "username"],
            UserErrorCode::Duplicate,
            "a service account has this name",
        )),
        (None, None) => Ok(()),
    })
}

/// DUPLICATE when someone other than `except` has the address, in any case: another person
/// (an admin, say) would receive this person's mail and notices.
pub(super) async fn email_free(
    txn: &DatabaseTransaction,
    email: &crate::domain::email::EmailAddress,
    except: Option<Uuid>,
) -> Result<Result<(), UserError>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
    let mut held = person::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(person::Column::Email))).eq(email.key()));
    if let Some(id) = except {
        held = held.filter(person::Column::Id.ne(id));
    }
    Ok(match held.one(txn).await? {
        Some(_) => Err(refuse(
            &["input", "email"],
            UserErrorCode::Duplicate,
            "another person already has this e-mail address",
        )),
        None => Ok(()),
    })
}

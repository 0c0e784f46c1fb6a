//! Lines as data: `createLine`, `updateLine` and `releaseLine`. Each loads in one
//! transaction, applies the rules of `domain::lines`, writes with its audit event and
//! commits; a refusal is a `UserError` and leaves the database as it was. The caller is an
//! administrator (the resolvers' guard).

use chrono::Utc;
use entity::{
    enums::{DiallingPermission, LineKind},
    line, person, unit,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::lines::{self as rules, LineRefusal, QuarantineDays},
    error::{Outcome, UserError, UserErrorCode, try_refuse},
    services::{
        audit::{self, Subject, SubjectKind},
        directory, people,
    },
};

/// The path of an input field, e.g. `["input", "number"]`.
fn field(name: &str) -> Vec<String> {
    vec!["input".to_owned(), name.to_owned()]
}

/// A rule's refusal on an input field.
fn refused(name: &str, r: &LineRefusal) -> UserError {
    UserError::refused(field(name), r, r.to_string())
}

fn not_found(name: &str, what: &str) -> UserError {
    UserError::new(
        &["input", name],
        UserErrorCode::NotFound,
        format!("no such {what}"),
    )
}

/// A line to create. Ids that did not decode are `Some(None)` (NOT_FOUND).
#[derive(Clone, Debug)]
pub struct NewLine {
    pub number: String,
    pub extension: String,
    pub kind: LineKind,
    pub unit_id: Option<Uuid>,
    pub dialling_permission: DiallingPermission,
    pub owner_id: Option<Option<Uuid>>,
}

/// Creates a line. INVALID for a malformed number or extension, RULE_VIOLATION for an owner
/// of a shared or critical line or a number held in quarantine (`LINE_QUARANTINED`),
/// NOT_FOUND for an unknown unit or owner, DUPLICATE for a number or extension in use.
pub async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewLine,
) -> Outcome<line::Model> {
    let number = try_refuse!(rules::number(&new.number).map_err(|r| refused("number", &r)));
    let extension =
        try_refuse!(rules::extension(&new.extension).map_err(|r| refused("extension", &r)));
    let owner_given = new.owner_id.is_some();
    try_refuse!(rules::owner_fits(new.kind, owner_given).map_err(|r| refused("ownerId", &r)));
    let txn = crate::db::begin_write(db).await?;
    let Some(unit_id) = existing_unit(&txn, new.unit_id).await? else {
        return Ok(Err(not_found("unitId", "unit")));
    };
    let owner = match new.owner_id {
        None => None,
        Some(id) => Some(try_refuse!(existing_person(&txn, id).await?)),
    };
    try_refuse!(number_free(&txn, number.as_str()).await?);
    try_refuse!(extension_free(&txn, extension.as_str()).await?);
    let inserted = line::ActiveModel {
        id: Set(Uuid::now_v7()),
        e164: Set(number.to_string()),
        extension: Set(extension.as_str().to_owned()),
        kind: Set(new.kind),
        owner_id: Set(owner),
        unit_id: Set(unit_id),
        label: Set(None),
        dialling_permission: Set(new.dialling_permission),
        created_at: Set(Utc::now()),
        version: Set(0),
        quarantined_until: Set(None),
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(created) => created,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Ok(Err(UserError::new(
                &["input", "number"],
                UserErrorCode::Duplicate,
                "another line took this number or extension meanwhile",
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(owner) = owner {
        directory::reindex(&txn, &[owner]).await?;
    }
    audit::record(
        &txn,
        principal,
        "line.create",
        Subject::new(SubjectKind::Line, created.id),
        None,
        Some(audit::snapshot(&created)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(created))
}

/// The unit's id when it exists; `Ok(None)` for an unknown or undecodable one.
async fn existing_unit(txn: &DatabaseTransaction, id: Option<Uuid>) -> Result<Option<Uuid>, DbErr> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(unit::Entity::find_by_id(id).one(txn).await?.map(|u| u.id))
}

/// The person's id when they exist (admins see everyone), NOT_FOUND on `ownerId` if not.
async fn existing_person(
    txn: &DatabaseTransaction,
    id: Option<Uuid>,
) -> Result<Result<Uuid, UserError>, DbErr> {
    let found = match id {
        Some(id) => person::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    Ok(found
        .map(|p| p.id)
        .ok_or_else(|| not_found("ownerId", "person")))
}

/// A number no line has: a line in quarantine answers LINE_QUARANTINED (until when), any
/// other DUPLICATE.
async fn number_free(
    txn: &DatabaseTransaction,
    e164: &str,
) -> Result<Result<(), UserError>, DbErr> {
    let Some(taken) = line::Entity::find()
        .filter(line::Column::E164.eq(e164))
        .one(txn)
        .await?
    else {
        return Ok(Ok(()));
    };
    if let Err(r) = rules::may_give(taken.quarantined_until, Utc::now()) {
        return Ok(Err(refused("number", &r)));
    }
    Ok(Err(UserError::new(
        &["input", "number"],
        UserErrorCode::Duplicate,
        format!("a line already has the number {e164}"),
    )))
}

/// An extension no line has (DUPLICATE if one does).
async fn extension_free(
    txn: &DatabaseTransaction,
    extension: &str,
) -> Result<Result<(), UserError>, DbErr> {
    let taken = line::Entity::find()
        .filter(line::Column::Extension.eq(extension))
        .one(txn)
        .await?;
    Ok(match taken {
        None => Ok(()),
        Some(_) => Err(UserError::new(
            &["input", "extension"],
            UserErrorCode::Duplicate,
            format!("a line already has the extension {extension}"),
        )),
    })
}

/// What `updateLine` changes; `None` leaves a field as it is. An id that did not decode is
/// `Some(None)` (NOT_FOUND).
#[derive(Clone, Debug, Default)]
pub struct LineChanges {
    pub kind: Option<LineKind>,
    pub unit_id: Option<Option<Uuid>>,
    pub dialling_permission: Option<DiallingPermission>,
    pub expected_version: Option<i32>,
}

/// Loads a line for a change: NOT_FOUND for an unknown line, CONFLICT when `expected` is
/// given and differs from its version.
async fn line_for_change(
    txn: &DatabaseTransaction,
    id: Option<Uuid>,
    expected: Option<i32>,
) -> Result<Result<line::Model, UserError>, DbErr> {
    let found = match id {
        Some(id) => line::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let Some(line) = found else {
        return Ok(Err(not_found("lineId", "line")));
    };
    if expected.is_some_and(|v| v != line.version) {
        return Ok(Err(conflict()));
    }
    Ok(Ok(line))
}

fn conflict() -> UserError {
    UserError::new(
        &["input", "expectedVersion"],
        UserErrorCode::Conflict,
        "the line changed meanwhile: read it again and retry",
    )
}

/// Saves a line only if nobody changed it since `before` was read (CONFLICT if they did).
async fn save(
    txn: &DatabaseTransaction,
    before: &line::Model,
    mut active: line::ActiveModel,
) -> Outcome<line::Model> {
    active.version = Set(before.version + 1);
    let saved = line::Entity::update(active)
        .validate()?
        .filter(line::Column::Version.eq(before.version))
        .exec(txn)
        .await;
    match saved {
        Ok(after) => Ok(Ok(after)),
        Err(DbErr::RecordNotUpdated) => Ok(Err(conflict())),
        Err(e) => Err(e.into()),
    }
}

/// Changes a line's kind, unit or dialling permission. NOT_FOUND for an unknown line or unit,
/// CONFLICT for a stale `expectedVersion`, RULE_VIOLATION for a line with an owner made
/// shared or critical (take it back with `assignLine` or `releaseLine` first).
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    line_id: Option<Uuid>,
    changes: LineChanges,
) -> Outcome<line::Model> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(line_for_change(&txn, line_id, changes.expected_version).await?);
    let mut active: line::ActiveModel = before.clone().into();
    let mut changed = false;
    if let Some(kind) = changes.kind.filter(|k| *k != before.kind) {
        let fits = rules::owner_fits(kind, before.owner_id.is_some());
        try_refuse!(fits.map_err(|r| refused("kind", &r)));
        active.kind = Set(kind);
        changed = true;
    }
    if let Some(unit_id) = changes.unit_id {
        let Some(unit_id) = existing_unit(&txn, unit_id).await? else {
            return Ok(Err(not_found("unitId", "unit")));
        };
        if unit_id != before.unit_id {
            active.unit_id = Set(unit_id);
            changed = true;
        }
    }
    if let Some(permission) = changes
        .dialling_permission
        .filter(|p| *p != before.dialling_permission)
    {
        active.dialling_permission = Set(permission);
        changed = true;
    }
    if !changed {
        return Ok(Ok(before));
    }
    let after = try_refuse!(save(&txn, &before, active).await?);
    audit::changed(
        &txn,
        principal,
        "line.update",
        Subject::new(SubjectKind::Line, after.id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Takes a personal line from its owner and holds it for `days` (its devices stop ringing
/// for them and their mailbox settings go, as with `assignLine` without a person).
/// NOT_FOUND for an unknown line, RULE_VIOLATION for a shared or critical line or one with no
/// owner.
pub async fn release(
    db: &DatabaseConnection,
    principal: &Principal,
    line_id: Option<Uuid>,
    days: QuarantineDays,
) -> Outcome<line::Model> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(line_for_change(&txn, line_id, None).await?);
    let until = rules::release(before.kind, before.owner_id.is_some(), days, Utc::now());
    let until = try_refuse!(until.map_err(|r| refused("lineId", &r)));
    let mut active: line::ActiveModel = before.clone().into();
    active.quarantined_until = Set(until);
    let after = try_refuse!(people::hand_over(&txn, principal, &before, active, None).await?);
    audit::changed(
        &txn,
        principal,
        "line.release",
        Subject::new(SubjectKind::Line, after.id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

//! Changing people, lines and devices: each function loads in a transaction, checks who may
//! act and the rules of `domain`, writes with an optimistic version check, records the audit
//! event and commits. A refusal is a `UserError` and leaves the database as it was.

use chrono::Utc;
use entity::{
    device,
    enums::{DeviceKind, DeviceStatus, DiallingPermission, DirectoryStatus, LineKind},
    line, person,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{
        devices::{self, DeviceFacts},
        directory::{self as visibility, Entry},
        text::fold_search_name,
    },
    error::{ApiError, Outcome, UserError, UserErrorCode, try_refuse},
    services::{
        audit::{self, SubjectKind},
        directory,
    },
};

fn refuse(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> UserError {
    UserError::new(field, code, message)
}

/// The facts about a person that the visibility rules read.
pub fn entry(p: &person::Model) -> Entry {
    Entry {
        person_id: p.id,
        unit_id: p.unit_id,
        ex_directory: p.directory_status == DirectoryStatus::ExDirectory,
    }
}

/// Loads a person the caller may see; anything else reads as "not found".
async fn visible_person(
    txn: &DatabaseTransaction,
    principal: &Principal,
    id: Uuid,
    field: &[&str],
) -> Result<Result<person::Model, UserError>, DbErr> {
    Ok(match person::Entity::find_by_id(id).one(txn).await? {
        Some(p) if visibility::can_see(principal, entry(&p)) => Ok(p),
        _ => Err(refuse(field, UserErrorCode::NotFound, "no such person")),
    })
}

/// Maps a lost optimistic-lock race to a CONFLICT user error.
fn conflict_or<T>(r: Result<T, DbErr>) -> Outcome<T> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(DbErr::RecordNotUpdated) => Ok(Err(refuse(
            &[],
            UserErrorCode::Conflict,
            "the object changed meanwhile: read it again and retry",
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Updates a person only if nobody changed them since `before` was read.
async fn save_person(
    txn: &DatabaseTransaction,
    before: &person::Model,
    mut active: person::ActiveModel,
) -> Result<person::Model, DbErr> {
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    person::Entity::update(active)
        .validate()?
        .filter(person::Column::Version.eq(before.version))
        .exec(txn)
        .await
}

/// A person by SSO username (surrounding blanks ignored), if the caller may see them in the
/// directory.
pub async fn visible_by_username(
    db: &impl sea_orm::ConnectionTrait,
    principal: &Principal,
    username: &str,
) -> Result<Option<person::Model>, DbErr> {
    let found = person::Entity::find()
        .filter(person::Column::Username.eq(username.trim()))
        .one(db)
        .await?;
    Ok(found.filter(|p| visibility::can_see(principal, entry(p))))
}

/// A person by their key in the HR or identity system (surrounding blanks ignored), if the
/// caller may see the key ([`crate::domain::provisioning::can_see_external_id`]): a lookup by
/// key must not tell anyone else whose key it is.
pub async fn visible_by_external_id(
    db: &impl sea_orm::ConnectionTrait,
    principal: &Principal,
    external_id: &str,
) -> Result<Option<person::Model>, DbErr> {
    let found = person::Entity::find()
        .filter(person::Column::ExternalId.eq(external_id.trim()))
        .one(db)
        .await?;
    Ok(found.filter(|p| {
        visibility::can_see(principal, entry(p))
            && crate::domain::provisioning::can_see_external_id(principal, p.unit_id)
    }))
}

/// The line, if the caller may see it: a personal line is as visible as its owner (an
/// ex-directory number is not handed out by id either); a shared line is seen by anyone.
pub async fn visible_line(
    db: &impl sea_orm::ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<line::Model>, DbErr> {
    let Some(line) = line::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if let Some(owner) = line.owner_id {
        let owner = person::Entity::find_by_id(owner).one(db).await?;
        if !owner.is_some_and(|o| visibility::can_see(principal, entry(&o))) {
            return Ok(None);
        }
    }
    Ok(Some(line))
}

/// The device, if the caller may see its owner's private details (themselves, admins,
/// coordinators of the owner's unit).
pub async fn visible_device(
    db: &impl sea_orm::ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<device::Model>, DbErr> {
    let Some(device) = device::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let owner = person::Entity::find_by_id(device.owner_id).one(db).await?;
    Ok(owner
        .is_some_and(|o| visibility::can_see_private(principal, entry(&o)))
        .then_some(device))
}

mod joiners;

pub use joiners::{NewPerson, create_person};
pub(crate) use joiners::{PersonRow, insert_person};
use joiners::{duplicate_external_id, email_free, external_id_free, valid_external_id};

/// Changes to a person's directory entry; `None` leaves a field as it is, and for the job
/// title `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct PersonChanges {
    pub display_name: Option<String>,
    pub email: Option<crate::domain::email::EmailAddress>,
    pub job_title: Option<Option<String>>,
    /// The key in the HR or identity system; `Some(None)` clears it.
    pub external_id: Option<Option<String>>,
}

/// Coordinators (of the person's unit) and admins edit a directory entry. INVALID for a
/// malformed name, job title or external id, DUPLICATE for an e-mail address or external id
/// another person has, CONFLICT when the person changed meanwhile.
pub async fn update_person(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    changes: PersonChanges,
) -> Outcome<person::Model> {
    let external_id = match changes.external_id {
        Some(Some(key)) => Some(Some(try_refuse!(valid_external_id(&key)))),
        Some(None) => Some(None),
        None => None,
    };
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(visible_person(&txn, principal, id, &["input", "personId"]).await?);
    if !(principal.is_admin() || principal.coordinates(before.unit_id)) {
        return Ok(Err(refuse(
            &["input", "personId"],
            UserErrorCode::NotAllowed,
            "only admins and coordinators of the person's unit edit their entry",
        )));
    }
    let mut active: person::ActiveModel = before.clone().into();
    if let Some(name) = changes.display_name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Ok(Err(refuse(
                &["input", "displayName"],
                UserErrorCode::Invalid,
                "a name has 1 to 200 characters",
            )));
        }
        active.display_name = Set(name.to_owned());
        active.search_name = Set(fold_search_name(name));
    }
    if let Some(email) = changes.email {
        try_refuse!(email_free(&txn, &email, Some(id)).await?);
        active.email = Set(email.as_str().to_owned());
    }
    if let Some(title) = changes.job_title {
        let title = title.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
            return Ok(Err(refuse(
                &["input", "jobTitle"],
                UserErrorCode::Invalid,
                "a job title has at most 200 characters",
            )));
        }
        active.job_title = Set(title);
    }
    if let Some(key) = external_id {
        if let Some(key) = &key {
            try_refuse!(external_id_free(&txn, key, Some(id)).await?);
        }
        active.external_id = Set(key);
    }
    let saved = save_person(&txn, &before, active).await;
    if let Err(e) = &saved
        && crate::db::is_unique_violation(e)
    {
        return Ok(Err(duplicate_external_id()));
    }
    let after = try_refuse!(conflict_or(saved)?);
    directory::reindex(&txn, &[after.id]).await?;
    audit::changed(
        &txn,
        principal,
        "person.update",
        audit::Subject::new(SubjectKind::Person, id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// A person sets their own directory status; coordinators of their unit and admins may too.
pub async fn set_directory_status(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    status: DirectoryStatus,
) -> Outcome<person::Model> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(visible_person(&txn, principal, id, &["input", "personId"]).await?);
    if !principal.may_manage_person(before.id, before.unit_id) {
        return Ok(Err(refuse(
            &["input", "personId"],
            UserErrorCode::NotAllowed,
            "you may set only your own directory status",
        )));
    }
    if before.directory_status == status {
        return Ok(Ok(before));
    }
    let mut active: person::ActiveModel = before.clone().into();
    active.directory_status = Set(status);
    let after = try_refuse!(conflict_or(save_person(&txn, &before, active).await)?);
    directory::reindex(&txn, &[after.id]).await?;
    audit::changed(
        &txn,
        principal,
        "person.set_directory_status",
        audit::Subject::new(SubjectKind::Person, id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Loads a line the caller may manage (admins, coordinators of the line's unit).
async fn managed_line(
    txn: &DatabaseTransaction,
    principal: &Principal,
    id: Uuid,
) -> Result<Result<line::Model, UserError>, DbErr> {
    Ok(match line::Entity::find_by_id(id).one(txn).await? {
        None => Err(refuse(
            &["input", "lineId"],
            UserErrorCode::NotFound,
            "no such line",
        )),
        Some(l) if principal.is_admin() || principal.coordinates(l.unit_id) => Ok(l),
        Some(_) => Err(refuse(
            &["input", "lineId"],
            UserErrorCode::NotAllowed,
            "only admins and coordinators of the line's unit manage it",
        )),
    })
}

async fn save_line(
    txn: &DatabaseTransaction,
    before: &line::Model,
    mut active: line::ActiveModel,
) -> Result<line::Model, DbErr> {
    active.version = Set(before.version + 1);
    line::Entity::update(active)
        .validate()?
        .filter(line::Column::Version.eq(before.version))
        .exec(txn)
        .await
}

/// Hands a line to `owner` (or takes it back with `None`) inside `txn`, saving `active` (the
/// caller's other changes) with the new owner: the previous holder's mailbox settings go, the
/// devices on the line stop ringing for the previous owner, and both holders' directory
/// terms are reindexed. `assignLine` and `releaseLine` share it; the caller audits the change.
pub(crate) async fn hand_over(
    txn: &DatabaseTransaction,
    principal: &Principal,
    before: &line::Model,
    mut active: line::ActiveModel,
    owner: Option<Uuid>,
) -> Outcome<line::Model> {
    let line_id = before.id;
    // The mailbox is the holder's, not the line's: messages stay with the person they were left
    // for (voicemail rows carry their recipient), and the PIN, greeting and e-mail address of
    // the previous holder go (the greeting's blob is then an orphan for `storage fsck`). The new
    // holder starts with an empty mailbox and the defaults.
    let settings = entity::mailbox_settings::Entity::find()
        .filter(entity::mailbox_settings::Column::LineId.eq(line_id))
        .one(txn)
        .await?;
    if let Some(settings) = settings {
        entity::mailbox_settings::Entity::delete_by_id(settings.id)
            .exec(txn)
            .await?;
        audit::record(
            txn,
            principal,
            "mailbox.reset",
            audit::Subject::new(SubjectKind::Line, line_id),
            Some(crate::services::voicemail::settings_snapshot(&settings)),
            None,
        )
        .await?;
    }
    active.owner_id = Set(owner);
    let after = try_refuse!(conflict_or(save_line(txn, before, active).await)?);
    // Devices on the line belonged to the previous owner: they no longer ring for it.
    if before.owner_id.is_some() {
        device::Entity::update_many()
            .col_expr(
                device::Column::LineId,
                sea_orm::sea_query::Expr::value(Option::<Uuid>::None),
            )
            .filter(device::Column::LineId.eq(line_id))
            .exec(txn)
            .await?;
    }
    let touched: Vec<Uuid> = before.owner_id.into_iter().chain(owner).collect();
    directory::reindex(txn, &touched).await?;
    Ok(Ok(after))
}

/// Gives a personal line to a person (or takes it back with `None`). Shared and critical
/// lines have no owner. Numbers stay with the line.
pub async fn assign_line(
    db: &DatabaseConnection,
    principal: &Principal,
    line_id: Uuid,
    owner: Option<Uuid>,
) -> Outcome<line::Model> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(managed_line(&txn, principal, line_id).await?);
    if owner.is_some() && before.kind != LineKind::Personal {
        return Ok(Err(refuse(
            &["input", "lineId"],
            UserErrorCode::RuleViolation,
            "only a personal line is assigned to a person; shared and critical lines have no owner",
        )));
    }
    if let Some(owner) = owner {
        let person =
            try_refuse!(visible_person(&txn, principal, owner, &["input", "personId"]).await?);
        if let Err(why) = visibility::may_assign_line(principal, entry(&person)) {
            return Ok(Err(refuse(
                &["input", "personId"],
                UserErrorCode::NotAllowed,
                why,
            )));
        }
    }
    if before.owner_id == owner {
        return Ok(Ok(before));
    }
    if owner.is_some() {
        let held = crate::domain::lines::may_give(before.quarantined_until, Utc::now());
        if let Err(r) = held {
            let field = vec!["input".to_owned(), "lineId".to_owned()];
            return Ok(Err(UserError::refused(field, &r, r.to_string())));
        }
    }
    let mut active: line::ActiveModel = before.clone().into();
    if owner.is_some() {
        active.quarantined_until = Set(None);
    }
    let after = try_refuse!(hand_over(&txn, principal, &before, active, owner).await?);
    audit::changed(
        &txn,
        principal,
        "line.assign",
        audit::Subject::new(SubjectKind::Line, line_id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Sets how far a line may dial.
pub async fn set_dialling_permission(
    db: &DatabaseConnection,
    principal: &Principal,
    line_id: Uuid,
    permission: DiallingPermission,
) -> Outcome<line::Model> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(managed_line(&txn, principal, line_id).await?);
    if before.dialling_permission == permission {
        return Ok(Ok(before));
    }
    let mut active: line::ActiveModel = before.clone().into();
    active.dialling_permission = Set(permission);
    let after = try_refuse!(conflict_or(save_line(&txn, &before, active).await)?);
    audit::changed(
        &txn,
        principal,
        "line.set_dialling_permission",
        audit::Subject::new(SubjectKind::Line, line_id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// A device to register.
#[derive(Debug)]
pub struct NewDevice {
    pub owner_id: Uuid,
    pub kind: DeviceKind,
    pub label: String,
    pub model: Option<String>,
    pub line_id: Option<Uuid>,
}

/// Admins register a device for a person; it must work on the person's platform and ring for
/// one of the person's own lines.
pub async fn register_device(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewDevice,
) -> Outcome<device::Model> {
    let txn = crate::db::begin_write(db).await?;
    let owner =
        try_refuse!(visible_person(&txn, principal, new.owner_id, &["input", "personId"]).await?);
    let label = new.label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Ok(Err(refuse(
            &["input", "label"],
            UserErrorCode::Invalid,
            "a label has 1 to 100 characters",
        )));
    }
    let upgraded = crate::services::cutover::moves::upgrade_ran(&txn)
        .await?
        .is_some();
    if let Err(why) = devices::kind_works_on(new.kind, owner.platform)
        .and_then(|()| devices::after_upgrade(new.kind, owner.platform, upgraded))
    {
        return Ok(Err(refuse(
            &["input", "kind"],
            UserErrorCode::RuleViolation,
            why.to_string(),
        )));
    }
    if let Some(line_id) = new.line_id {
        let line = line::Entity::find_by_id(line_id).one(&txn).await?;
        if line.is_none_or(|l| l.owner_id != Some(owner.id)) {
            return Ok(Err(refuse(
                &["input", "lineId"],
                UserErrorCode::Invalid,
                "the line is not one of the person's own lines",
            )));
        }
    }
    let device = device::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(new.kind),
        label: Set(label.to_owned()),
        model: Set(new
            .model
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())),
        owner_id: Set(owner.id),
        line_id: Set(new.line_id),
        status: Set(DeviceStatus::Active),
        last_used_at: Set(None),
        created_at: Set(Utc::now()),
        version: Set(0),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        principal,
        "device.register",
        audit::Subject::new(SubjectKind::Device, device.id),
        None,
        Some(audit::snapshot(&device)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(device))
}

/// Admins disable a device or enable it again; a Chorus device of a person on Teams stays
/// disabled (rule 10), and a Teams client of a person on Chorus cannot be enabled.
pub async fn set_device_status(
    db: &DatabaseConnection,
    principal: &Principal,
    device_id: Uuid,
    status: DeviceStatus,
) -> Outcome<device::Model> {
    let txn = crate::db::begin_write(db).await?;
    let Some(before) = device::Entity::find_by_id(device_id).one(&txn).await? else {
        return Ok(Err(refuse(
            &["input", "deviceId"],
            UserErrorCode::NotFound,
            "no such device",
        )));
    };
    if before.status == status {
        return Ok(Ok(before));
    }
    if status == DeviceStatus::Retired {
        return Ok(Err(refuse(
            &["input", "status"],
            UserErrorCode::Invalid,
            "a device is retired with retireDevice",
        )));
    }
    if before.status == DeviceStatus::Retired {
        return Ok(Err(refuse(
            &["input", "deviceId"],
            UserErrorCode::RuleViolation,
            "a retired device stays retired",
        )));
    }
    if status == DeviceStatus::Active {
        let owner = person::Entity::find_by_id(before.owner_id)
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("device without owner")))?;
        let upgraded = crate::services::cutover::moves::upgrade_ran(&txn)
            .await?
            .is_some();
        if let Err(why) = devices::kind_works_on(before.kind, owner.platform)
            .and_then(|()| devices::after_upgrade(before.kind, owner.platform, upgraded))
        {
            return Ok(Err(refuse(
                &["input", "status"],
                UserErrorCode::RuleViolation,
                why.to_string(),
            )));
        }
    }
    let mut active: device::ActiveModel = before.clone().into();
    active.status = Set(status);
    active.version = Set(before.version + 1);
    let after = try_refuse!(conflict_or(
        device::Entity::update(active)
            .validate()?
            .filter(device::Column::Version.eq(before.version))
            .exec(&txn)
            .await
    )?);
    audit::changed(
        &txn,
        principal,
        "device.set_status",
        audit::Subject::new(SubjectKind::Device, device_id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Admins retire a device that leaves service for good (lost, broken, handed back). The row
/// stays, RETIRED, because call records name it; it stops ringing for its line, and if its
/// owner preferred it, they prefer nothing (the default device rings). Retiring a retired
/// device changes nothing. One audit event for the device, one for the owner when un-preferred.
pub async fn retire_device(
    db: &DatabaseConnection,
    principal: &Principal,
    device_id: Uuid,
) -> Outcome<device::Model> {
    let txn = crate::db::begin_write(db).await?;
    let Some(before) = device::Entity::find_by_id(device_id).one(&txn).await? else {
        return Ok(Err(refuse(
            &["input", "deviceId"],
            UserErrorCode::NotFound,
            "no such device",
        )));
    };
    if before.status == DeviceStatus::Retired {
        return Ok(Ok(before));
    }
    let mut active: device::ActiveModel = before.clone().into();
    active.status = Set(DeviceStatus::Retired);
    active.line_id = Set(None);
    active.version = Set(before.version + 1);
    let after = try_refuse!(conflict_or(
        device::Entity::update(active)
            .validate()?
            .filter(device::Column::Version.eq(before.version))
            .exec(&txn)
            .await
    )?);
    audit::changed(
        &txn,
        principal,
        "device.retire",
        audit::Subject::new(SubjectKind::Device, device_id),
        &before,
        &after,
    )
    .await?;
    try_refuse!(unprefer(&txn, principal, &after).await?);
    txn.commit().await?;
    Ok(Ok(after))
}

/// Clears the owner's preference for a device leaving service, with its audit event.
async fn unprefer(
    txn: &DatabaseTransaction,
    principal: &Principal,
    device: &device::Model,
) -> Outcome<()> {
    let owner = person::Entity::find_by_id(device.owner_id).one(txn).await?;
    let Some(before) = owner.filter(|o| o.preferred_device_id == Some(device.id)) else {
        return Ok(Ok(()));
    };
    let mut active: person::ActiveModel = before.clone().into();
    active.preferred_device_id = Set(None);
    let after = try_refuse!(conflict_or(save_person(txn, &before, active).await)?);
    audit::changed(
        txn,
        principal,
        "person.unprefer_retired_device",
        audit::Subject::new(SubjectKind::Person, after.id),
        &before,
        &after,
    )
    .await?;
    Ok(Ok(()))
}

/// The facts of a device for the rules.
pub fn facts(d: &device::Model) -> DeviceFacts {
    DeviceFacts {
        id: d.id,
        owner_id: d.owner_id,
        kind: d.kind,
        status: d.status,
        last_used: d.last_used_at.map(|t| t.timestamp()),
    }
}

/// A person sets one of their own active devices as preferred (admins for anyone).
pub async fn set_preferred_device(
    db: &DatabaseConnection,
    principal: &Principal,
    device_id: Uuid,
) -> Outcome<person::Model> {
    let txn = crate::db::begin_write(db).await?;
    let not_found = || {
        refuse(
            &["input", "deviceId"],
            UserErrorCode::NotFound,
            "no such device",
        )
    };
    let Some(device) = device::Entity::find_by_id(device_id).one(&txn).await? else {
        return Ok(Err(not_found()));
    };
    if !(principal.is_person(device.owner_id) || principal.is_admin()) {
        // Another person's device is not even acknowledged.
        return Ok(Err(not_found()));
    }
    let before = person::Entity::find_by_id(device.owner_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("device without owner")))?;
    let upgraded = crate::services::cutover::moves::upgrade_ran(&txn)
        .await?
        .is_some();
    if let Err(why) = devices::may_prefer(before.id, before.platform, &facts(&device))
        .and_then(|()| devices::after_upgrade(device.kind, before.platform, upgraded))
    {
        return Ok(Err(refuse(
            &["input", "deviceId"],
            UserErrorCode::RuleViolation,
            why.to_string(),
        )));
    }
    if before.preferred_device_id == Some(device.id) {
        return Ok(Ok(before));
    }
    let mut active: person::ActiveModel = before.clone().into();
    active.preferred_device_id = Set(Some(device.id));
    let after = try_refuse!(conflict_or(save_person(&txn, &before, active).await)?);
    audit::changed(
        &txn,
        principal,
        "person.set_preferred_device",
        audit::Subject::new(SubjectKind::Person, after.id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

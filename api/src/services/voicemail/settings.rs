//! A mailbox's settings: PIN, e-mail delivery, rings before voicemail; reading, defaults,
//! saving with a version, and `updateMailboxSettings`.

use chrono::Utc;
use entity::{line, mailbox_settings};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::voicemail as rules,
    error::{ApiError, Outcome, UserError, UserErrorCode},
    services::audit::{self, Subject, SubjectKind},
};

/// What `updateMailboxSettings` changes; `None` leaves a setting as it is.
#[derive(Clone, Debug, Default)]
pub struct MailboxChanges {
    /// A new PIN (stored hashed).
    pub pin: Option<String>,
    pub email_attachment: Option<bool>,
    /// Where to e-mail messages; empty goes back to the directory address.
    pub email_address: Option<String>,
    pub rings_before_voicemail: Option<i32>,
    /// The version last read; CONFLICT when the settings changed since.
    pub expected_version: Option<i32>,
}

/// Changes a mailbox's settings (the caller may already manage `line`'s mailbox and is on a
/// trusted network: the resolver checks both). INVALID for a weak PIN, a malformed address or
/// rings out of range; CONFLICT for a stale `expected_version`. Audited without the PIN hash.
pub async fn update_settings(
    db: &DatabaseConnection,
    principal: &Principal,
    line: &line::Model,
    changes: MailboxChanges,
) -> Outcome<mailbox_settings::Model> {
    let email = changes.email_address.as_deref().map(str::trim);
    if let Err(refusal) = validate(&changes, email, &line.extension) {
        return Ok(Err(refusal));
    }
    let pin_hash = changes.pin.as_deref().map(hash_pin).transpose()?;
    let txn = crate::db::begin_write(db).await?;
    let before = settings_of(&txn, line.id).await?;
    let current = before.clone().unwrap_or_else(|| default_settings(line.id));
    if let Some(expected) = changes.expected_version
        && expected != current.version
    {
        return Ok(Err(UserError::new(
            &["input", "expectedVersion"],
            UserErrorCode::Conflict,
            format!(
                "the settings changed since version {expected} (now {}); read them again",
                current.version
            ),
        )));
    }
    let mut after = current;
    if let Some(hash) = pin_hash {
        after.pin_hash = Some(hash);
    }
    if let Some(on) = changes.email_attachment {
        after.email_attachment = on;
    }
    if let Some(address) = email {
        after.email_address = (!address.is_empty()).then(|| address.to_owned());
    }
    if let Some(rings) = changes.rings_before_voicemail {
        after.rings_before_voicemail = rings;
    }
    after.updated_at = Utc::now();
    let saved = save_settings(&txn, before.as_ref(), after).await?;
    audit::record(
        &txn,
        principal,
        "mailbox.settings",
        Subject::new(SubjectKind::Line, line.id),
        before.as_ref().map(settings_snapshot),
        Some(settings_snapshot(&saved)),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(saved))
}

/// The checks of [`update_settings`] that need no database, in the order of the input.
fn validate(
    changes: &MailboxChanges,
    email: Option<&str>,
    extension: &str,
) -> Result<(), UserError> {
    let invalid = |name: &str, message: &str| {
        UserError::new(&["input", name], UserErrorCode::Invalid, message)
    };
    if let Some(pin) = &changes.pin
        && let Err(why) = rules::validate_pin(pin, extension)
    {
        return Err(invalid("pin", why));
    }
    if let Some(address) = email.filter(|a| !a.is_empty())
        && let Err(why) = rules::validate_email(address)
    {
        return Err(invalid("emailAddress", why));
    }
    if let Some(rings) = changes.rings_before_voicemail
        && !rules::RINGS.contains(&rings)
    {
        return Err(invalid(
            "ringsBeforeVoicemail",
            &format!(
                "must be between {} and {}",
                rules::RINGS.start(),
                rules::RINGS.end()
            ),
        ));
    }
    Ok(())
}

/// An Argon2 hash of a mailbox PIN with a fresh salt.
fn hash_pin(pin: &str) -> Result<String, ApiError> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a PIN: {e}")))
}

/// The settings row of a line, if it has one.
pub async fn settings_of(
    db: &impl ConnectionTrait,
    line: Uuid,
) -> Result<Option<mailbox_settings::Model>, DbErr> {
    mailbox_settings::Entity::find()
        .filter(mailbox_settings::Column::LineId.eq(line))
        .one(db)
        .await
}

/// The settings a mailbox has before anyone changes them.
pub fn default_settings(line: Uuid) -> mailbox_settings::Model {
    mailbox_settings::Model {
        id: Uuid::now_v7(),
        line_id: line,
        pin_hash: None,
        email_attachment: false,
        email_address: None,
        rings_before_voicemail: rules::DEFAULT_RINGS,
        greeting_blob_key: None,
        updated_at: Utc::now(),
        version: 0,
    }
}

/// Inserts or updates a settings row, bumping its version.
pub async fn save_settings(
    txn: &impl ConnectionTrait,
    before: Option<&mailbox_settings::Model>,
    mut after: mailbox_settings::Model,
) -> Result<mailbox_settings::Model, DbErr> {
    match before {
        None => {
            after.version = 1;
            after.into_active_model().reset_all().insert(txn).await
        }
        Some(before) => {
            after.version = before.version + 1;
            let mut active = after.into_active_model().reset_all();
            active.id = sea_orm::ActiveValue::Unchanged(before.id);
            active.update(txn).await
        }
    }
}

/// Mailbox settings as the audit trail keeps them: whether a PIN is set, never its hash.
pub fn settings_snapshot(m: &mailbox_settings::Model) -> serde_json::Value {
    let mut v = audit::snapshot(m);
    if let Some(o) = v.as_object_mut() {
        o.insert("pin_hash".into(), m.pin_hash.is_some().into());
    }
    v
}

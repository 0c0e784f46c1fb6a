//! Voicemail: ingest from the PBX, mailbox lists, marking and deleting, mailbox settings and
//! greetings, the retention purge, and the store/database consistency check (fsck).
//!
//! Every write that involves audio is **blob first, then row**: the probed upload is written
//! under a fresh key, then the row is inserted in a transaction; if the transaction fails the
//! blob is removed again. A crash between the two leaves a blob without a row, which is
//! harmless and which `chorus storage fsck --repair` removes. The reverse (a row whose audio
//! is missing) cannot happen through this module.

mod settings;

pub use settings::{
    MailboxChanges, default_settings, save_settings, settings_of, settings_snapshot,
    update_settings,
};

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entity::{enums::VoicemailState, line, mailbox_settings, voicemail};
use futures_util::TryStreamExt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Cond, Expr},
};
use storage::{
    AudioFacts, AudioWorker, BlobKey, BlobPrefix, ProbeError, StorageError, VoicemailStore,
};
use uuid::Uuid;

use crate::{
    auth::{MediaKeys, Principal},
    config::VoicemailSettings,
    domain::{phone::Dialled, voicemail as rules},
    events::{Events, VoicemailReceived},
    services::audit::{self, Subject, SubjectKind},
};

/// What the voicemail area needs besides the database: the blob store, the decoder pool,
/// the event hub, the signed-URL keys and the limits. One per process, shared.
#[derive(Clone)]
pub struct Voicemails {
    pub store: VoicemailStore,
    pub audio: AudioWorker,
    pub events: Events,
    pub media: MediaKeys,
    pub settings: Arc<VoicemailSettings>,
    /// Base of the URLs handed to clients (`CHORUS_PUBLIC_URL`); None for relative URLs.
    pub public_url: Option<String>,
}

/// Sort key of mailbox lists: newest first.
pub type VoicemailKey = (DateTime<Utc>, Uuid);

/// A voicemail as the PBX hands it over.
#[derive(Clone, Debug)]
pub struct IngestInput {
    pub pbx_message_id: String,
    /// The calling number in any spelling; None, empty or "anonymous" for a withheld number.
    pub caller: Option<String>,
    /// When the message was left; default now.
    pub received_at: Option<DateTime<Utc>>,
}

/// What an ingest did.
#[derive(Clone, Debug)]
pub struct Ingested {
    pub voicemail: voicemail::Model,
    /// False when the PBX message id was already stored (the earlier message is returned).
    pub created: bool,
}

/// Why an ingest was refused. Nothing is stored in any case.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("no mailbox has the number {0:?}")]
    MailboxNotFound(String),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("message {0:?} is already stored in another mailbox")]
    Conflict(String),
    #[error("the upload is not accepted audio: {0}")]
    Audio(#[from] ProbeError),
    #[error("blob store: {0}")]
    Storage(#[from] StorageError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// What to tell a client about refused audio (never decoder internals).
pub fn audio_message(probe: &ProbeError) -> String {
    match probe {
        ProbeError::Empty(_) => "the upload holds no audio".into(),
        ProbeError::NotAudio(_) => {
            "the upload is not audio in a known format (WAV, MP3, FLAC, Ogg Vorbis, AAC/M4A)".into()
        }
        ProbeError::UnsupportedCodec(codec) => format!("the audio codec is not supported: {codec}"),
        ProbeError::TooLarge { max, .. } => {
            format!("the audio is larger than the {max} bytes allowed")
        }
        ProbeError::TooLong { max_ms } => {
            format!(
                "the recording is longer than the {} s allowed",
                max_ms / 1000
            )
        }
        ProbeError::Corrupt(_) => "the audio is damaged or truncated".into(),
        ProbeError::BudgetExceeded => "the audio took too long to decode".into(),
        ProbeError::Aborted => "the server is shutting down; retry".into(),
    }
}

/// Longest PBX message id accepted.
const MAX_PBX_ID: usize = 200;

/// The line whose mailbox a number (extension or any spelling of a full number) names.
pub async fn find_mailbox(
    db: &impl ConnectionTrait,
    number: &str,
) -> Result<Option<line::Model>, DbErr> {
    let condition = match Dialled::parse(number) {
        Ok(Dialled::Extension(ext)) => line::Column::Extension.eq(ext.as_str()),
        Ok(Dialled::Number(n)) => line::Column::E164.eq(n.as_str()),
        Err(_) => return Ok(None),
    };
    line::Entity::find().filter(condition).one(db).await
}

/// A caller number as stored: an extension or E.164; None when withheld.
fn caller_number(raw: Option<&str>) -> Result<Option<String>, IngestError> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty()
        || ["anonymous", "withheld", "unknown", "private"]
            .iter()
            .any(|w| raw.eq_ignore_ascii_case(w))
    {
        return Ok(None);
    }
    match Dialled::parse(raw) {
        Ok(Dialled::Extension(e)) => Ok(Some(e.as_str().to_owned())),
        Ok(Dialled::Number(n)) => Ok(Some(n.as_str().to_owned())),
        Err(e) => Err(IngestError::Invalid {
            field: "caller",
            message: e.to_string(),
        }),
    }
}

impl Voicemails {
    /// Stores a voicemail from the PBX: probe, blob, row, event. Idempotent on the PBX
    /// message id: a re-send returns the stored message, also when two arrive at once.
    pub async fn ingest(
        &self,
        db: &DatabaseConnection,
        actor: &Principal,
        mailbox_number: &str,
        input: IngestInput,
        bytes: Bytes,
    ) -> Result<Ingested, IngestError> {
        let pbx_id = input.pbx_message_id.trim().to_owned();
        if pbx_id.is_empty() || pbx_id.len() > MAX_PBX_ID || pbx_id.chars().any(char::is_control) {
            return Err(IngestError::Invalid {
                field: "pbxMessageId",
                message: format!("must be 1 to {MAX_PBX_ID} printable characters"),
            });
        }
        let caller = caller_number(input.caller.as_deref())?;
        let now = Utc::now();
        let received_at = input.received_at.unwrap_or(now);
        if received_at > now + chrono::Duration::minutes(5) {
            return Err(IngestError::Invalid {
                field: "receivedAt",
                message: "is in the future".into(),
            });
        }
        let line = find_mailbox(db, mailbox_number)
            .await?
            .ok_or_else(|| IngestError::MailboxNotFound(mailbox_number.to_owned()))?;
        if let Some(existing) = by_pbx_id(db, &pbx_id).await? {
            return same_mailbox(existing, line.id);
        }
        let facts = self.audio.probe(bytes.clone()).await?;
        let id = Uuid::now_v7();
        let key = BlobKey::voicemail(line.id, id, facts.container);
        let stored = self.store.put(&key, bytes).await?;
        let row = voicemail::ActiveModel {
            id: Set(id),
            mailbox_line_id: Set(line.id),
            recipient_id: Set(line.owner_id),
            pbx_message_id: Set(pbx_id.clone()),
            caller_number: Set(caller),
            received_at: Set(truncate_micros(received_at)),
            state: Set(VoicemailState::New),
            blob_key: Set(key.to_string()),
            byte_size: Set(stored.size as i64),
            sha256: Set(stored.sha256.to_hex()),
            container: Set(facts.container.extension().to_owned()),
            codec: Set(facts.codec.to_owned()),
            sample_rate: Set(facts.sample_rate as i32),
            channels: Set(i32::from(facts.channels)),
            duration_ms: Set(facts.duration_ms as i64),
            deleted_at: Set(None),
            created_at: Set(now),
        };
        let event = VoicemailReceived {
            voicemail_id: id,
            mailbox_line_id: line.id,
            owner_id: line.owner_id,
        };
        let written = async {
            let txn = crate::db::begin_write(db).await?;
            let model = row.insert(&txn).await?;
            audit::record(
                &txn,
                actor,
                "voicemail.ingest",
                Subject::new(SubjectKind::Voicemail, id),
                None,
                Some(audit::snapshot(&model)),
            )
            .await?;
            let deliver = self.events.announce(&txn, event).await?;
            txn.commit().await?;
            Ok::<_, DbErr>((model, deliver))
        }
        .await;
        match written {
            Ok((model, deliver)) => {
                self.events.deliver(deliver);
                Ok(Ingested {
                    voicemail: model,
                    created: true,
                })
            }
            Err(e) => {
                self.remove_blob(&key).await;
                // Lost a race with a re-send of the same message: answer as a re-send.
                match by_pbx_id(db, &pbx_id).await {
                    Ok(Some(existing)) => same_mailbox(existing, line.id),
                    _ => Err(e.into()),
                }
            }
        }
    }

    /// Removes a blob after a failed write, logging (not returning) a failure: the caller's
    /// error is the one to report, and fsck finds what is left.
    async fn remove_blob(&self, key: &BlobKey) {
        if let Err(e) = self.store.delete(key).await {
            tracing::error!(key = %key, error = %e, "could not remove the blob of a failed write; `chorus storage fsck --repair` will");
        }
    }

    /// Sets (or replaces) a line's greeting: probe, blob, settings row; the old greeting's
    /// blob is removed after the commit.
    pub async fn set_greeting(
        &self,
        db: &DatabaseConnection,
        actor: &Principal,
        line: &line::Model,
        bytes: Bytes,
    ) -> Result<(mailbox_settings::Model, AudioFacts), IngestError> {
        if bytes.len() > self.settings.greeting_max_bytes {
            return Err(ProbeError::TooLarge {
                size: bytes.len(),
                max: self.settings.greeting_max_bytes,
            }
            .into());
        }
        let facts = self.audio.probe(bytes.clone()).await?;
        let key = BlobKey::greeting(line.id, Uuid::now_v7(), facts.container);
        self.store.put(&key, bytes).await?;
        let written = async {
            let txn = crate::db::begin_write(db).await?;
            let before = settings_of(&txn, line.id).await?;
            let mut after = before.clone().unwrap_or_else(|| default_settings(line.id));
            let old_key = after.greeting_blob_key.replace(key.to_string());
            after.updated_at = Utc::now();
            let saved = save_settings(&txn, before.as_ref(), after).await?;
            audit::record(
                &txn,
                actor,
                "mailbox.greeting.set",
                Subject::new(SubjectKind::Line, line.id),
                before.as_ref().map(audit::snapshot),
                Some(audit::snapshot(&saved)),
            )
            .await?;
            txn.commit().await?;
            Ok::<_, DbErr>((saved, old_key))
        }
        .await;
        match written {
            Ok((saved, old_key)) => {
                self.remove_old(old_key.as_deref()).await;
                Ok((saved, facts))
            }
            Err(e) => {
                self.remove_blob(&key).await;
                Err(e.into())
            }
        }
    }

    /// Goes back to the system greeting; the custom greeting's blob is removed after commit.
    pub async fn reset_greeting(
        &self,
        db: &DatabaseConnection,
        actor: &Principal,
        line: &line::Model,
    ) -> Result<mailbox_settings::Model, DbErr> {
        let txn = crate::db::begin_write(db).await?;
        let before = settings_of(&txn, line.id).await?;
        let mut after = before.clone().unwrap_or_else(|| default_settings(line.id));
        let old_key = after.greeting_blob_key.take();
        after.updated_at = Utc::now();
        let saved = save_settings(&txn, before.as_ref(), after).await?;
        if old_key.is_some() {
            audit::record(
                &txn,
                actor,
                "mailbox.greeting.reset",
                Subject::new(SubjectKind::Line, line.id),
                before.as_ref().map(audit::snapshot),
                Some(audit::snapshot(&saved)),
            )
            .await?;
        }
        txn.commit().await?;
        self.remove_old(old_key.as_deref()).await;
        Ok(saved)
    }

    async fn remove_old(&self, key: Option<&str>) {
        if let Some(key) = key.and_then(|k| BlobKey::parse(k).ok()) {
            self.remove_blob(&key).await;
        }
    }

    /// Removes the audio of voicemails deleted before `now - retention`, then their rows.
    /// Safe to run in several processes at once (deletes are idempotent). Returns how many
    /// voicemails were purged.
    pub async fn purge_expired(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
    ) -> Result<usize, IngestError> {
        let cutoff = now - self.settings.retention;
        let mut purged = 0;
        loop {
            let batch = voicemail::Entity::find()
                .filter(voicemail::Column::State.eq(VoicemailState::Deleted))
                .filter(voicemail::Column::DeletedAt.lt(cutoff))
                .order_by_asc(voicemail::Column::DeletedAt)
                .limit(200)
                .all(db)
                .await?;
            if batch.is_empty() {
                return Ok(purged);
            }
            for vm in &batch {
                if let Ok(key) = BlobKey::parse(&vm.blob_key) {
                    self.store.delete(&key).await?;
                }
                self.store.delete(&BlobKey::rendition(vm.id)).await?;
            }
            let ids: Vec<Uuid> = batch.iter().map(|v| v.id).collect();
            let txn = crate::db::begin_write(db).await?;
            voicemail::Entity::delete_many()
                .filter(voicemail::Column::Id.is_in(ids.clone()))
                .exec(&txn)
                .await?;
            for id in &ids {
                audit::record_as(
                    &txn,
                    entity::enums::ActorKind::System,
                    "retention",
                    "voicemail.purge",
                    Subject::new(SubjectKind::Voicemail, *id),
                    None,
                    None,
                )
                .await?;
            }
            txn.commit().await?;
            purged += batch.len();
        }
    }

    /// Runs [`Self::purge_expired`] every `purge_interval` until the runtime stops.
    pub fn spawn_purge(&self, db: DatabaseConnection) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(this.settings.purge_interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match this.purge_expired(&db, Utc::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "purged deleted voicemails past retention"),
                    Err(e) => {
                        tracing::warn!(error = %e, "voicemail purge failed; next run retries")
                    }
                }
            }
        });
    }

    /// Compares the store with the database. With `repair`: removes blobs that no row names
    /// (older than `grace`, so an ingest between its blob and its row is left alone),
    /// renditions of voicemails that are gone, and rows whose audio is missing (they cannot
    /// be played; an audit event records each).
    pub async fn fsck(
        &self,
        db: &DatabaseConnection,
        repair: bool,
        grace: chrono::Duration,
    ) -> Result<FsckReport, IngestError> {
        let mut report = FsckReport::default();
        let voicemails: Vec<(Uuid, String)> = voicemail::Entity::find()
            .select_only()
            .column(voicemail::Column::Id)
            .column(voicemail::Column::BlobKey)
            .into_tuple()
            .all(db)
            .await?;
        let greetings: Vec<(Uuid, Option<String>)> = mailbox_settings::Entity::find()
            .select_only()
            .column(mailbox_settings::Column::LineId)
            .column(mailbox_settings::Column::GreetingBlobKey)
            .into_tuple()
            .all(db)
            .await?;
        let ids: HashSet<Uuid> = voicemails.iter().map(|(id, _)| *id).collect();
        let mut named: HashSet<String> = voicemails.iter().map(|(_, k)| k.clone()).collect();
        named.extend(greetings.iter().filter_map(|(_, k)| k.clone()));
        let mut present = HashSet::new();
        let cutoff = std::time::SystemTime::now()
            .checked_sub(grace.to_std().unwrap_or_default())
            .unwrap_or(std::time::UNIX_EPOCH);
        let mut listing = self.store.list(None::<BlobPrefix>);
        while let Some(blob) = listing.try_next().await? {
            report.blobs += 1;
            let orphan = match &blob.key {
                Err(_) => {
                    report.unknown_blobs.push(blob.path.clone());
                    continue;
                }
                Ok(BlobKey::Rendition { voicemail }) => !ids.contains(voicemail),
                Ok(_) => !named.contains(&blob.path),
            };
            present.insert(blob.path.clone());
            if orphan {
                report.blobs_without_rows.push(blob.path.clone());
                if repair
                    && blob.meta.last_modified < cutoff
                    && let Ok(key) = &blob.key
                {
                    self.store.delete(key).await?;
                    report.repaired += 1;
                }
            }
        }
        for (id, key) in &voicemails {
            if !present.contains(key) {
                report
                    .rows_without_blobs
                    .push(format!("voicemail {id} ({key})"));
                if repair {
                    let txn = crate::db::begin_write(db).await?;
                    voicemail::Entity::delete_by_id(*id).exec(&txn).await?;
                    audit::record_as(
                        &txn,
                        entity::enums::ActorKind::System,
                        "fsck",
                        "voicemail.lost",
                        Subject::new(SubjectKind::Voicemail, *id),
                        None,
                        None,
                    )
                    .await?;
                    txn.commit().await?;
                    report.repaired += 1;
                }
            }
        }
        for (line_id, key) in &greetings {
            let Some(key) = key else { continue };
            if !present.contains(key) {
                report
                    .rows_without_blobs
                    .push(format!("greeting of line {line_id} ({key})"));
                if repair {
                    mailbox_settings::Entity::update_many()
                        .col_expr(
                            mailbox_settings::Column::GreetingBlobKey,
                            Expr::value(Option::<String>::None),
                        )
                        .filter(mailbox_settings::Column::LineId.eq(*line_id))
                        .exec(db)
                        .await?;
                    report.repaired += 1;
                }
            }
        }
        Ok(report)
    }
}

/// What fsck found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FsckReport {
    /// Objects listed in the store.
    pub blobs: usize,
    /// Keys in the store that no row names.
    pub blobs_without_rows: Vec<String>,
    /// Rows whose blob is missing.
    pub rows_without_blobs: Vec<String>,
    /// Objects whose names are not in our key format (left alone).
    pub unknown_blobs: Vec<String>,
    /// Problems fixed (with `--repair`).
    pub repaired: usize,
}

impl FsckReport {
    pub fn is_clean(&self) -> bool {
        self.blobs_without_rows.is_empty() && self.rows_without_blobs.is_empty()
    }
}

async fn by_pbx_id(
    db: &impl ConnectionTrait,
    pbx_id: &str,
) -> Result<Option<voicemail::Model>, DbErr> {
    voicemail::Entity::find()
        .filter(voicemail::Column::PbxMessageId.eq(pbx_id))
        .one(db)
        .await
}

fn same_mailbox(existing: voicemail::Model, line: Uuid) -> Result<Ingested, IngestError> {
    if existing.mailbox_line_id == line {
        Ok(Ingested {
            voicemail: existing,
            created: false,
        })
    } else {
        Err(IngestError::Conflict(existing.pbx_message_id))
    }
}

/// Timestamps are kept to the microsecond (PostgreSQL's precision), so cursors round-trip.
fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// The mailbox lines of a person: their personal lines.
pub async fn lines_of(db: &impl ConnectionTrait, person: Uuid) -> Result<Vec<line::Model>, DbErr> {
    line::Entity::find()
        .filter(line::Column::OwnerId.eq(person))
        .order_by_asc(line::Column::Extension)
        .all(db)
        .await
}

/// The mailbox line `line` names (default the caller's first line), if the caller may read
/// its mailbox (its owner, or an admin).
pub async fn mailbox_line(
    db: &impl ConnectionTrait,
    principal: &Principal,
    line: Option<Uuid>,
) -> Result<Option<line::Model>, DbErr> {
    let found = match line {
        Some(id) => line::Entity::find_by_id(id).one(db).await?,
        None => match principal.person_id {
            Some(me) => lines_of(db, me).await?.into_iter().next(),
            None => None,
        },
    };
    Ok(found.filter(|l| rules::can_read_mailbox(principal, l.owner_id)))
}

/// The states of these messages now, by id (ids that name nothing are left out).
pub async fn states_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, VoicemailState>, DbErr> {
    let mut states = std::collections::HashMap::new();
    for chunk in ids.chunks(crate::db::IDS_PER_STATEMENT) {
        let rows: Vec<(Uuid, VoicemailState)> = voicemail::Entity::find()
            .select_only()
            .column(voicemail::Column::Id)
            .column(voicemail::Column::State)
            .filter(voicemail::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        states.extend(rows);
    }
    Ok(states)
}

/// A message by id, whoever may see it (the caller checks).
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<voicemail::Model>, DbErr> {
    voicemail::Entity::find_by_id(id).one(db).await
}

/// Whose messages a list or count covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mailbox {
    /// Everything left for a person, on whichever line.
    Person(Uuid),
    /// What one line's current holder (None: a line without an owner) has on it; messages
    /// left for an earlier holder stay theirs.
    Line { line: Uuid, holder: Option<Uuid> },
}

impl Mailbox {
    fn condition(self) -> Cond {
        match self {
            Mailbox::Person(p) => Cond::all().add(voicemail::Column::RecipientId.eq(p)),
            Mailbox::Line { line, holder } => Cond::all()
                .add(voicemail::Column::MailboxLineId.eq(line))
                .add(match holder {
                    Some(p) => voicemail::Column::RecipientId.eq(p),
                    None => voicemail::Column::RecipientId.is_null(),
                }),
        }
    }
}

/// Which voicemails a list shows: one state, or every state but DELETED.
fn state_condition(state: Option<VoicemailState>) -> Cond {
    match state {
        Some(s) => Cond::all().add(voicemail::Column::State.eq(s)),
        None => Cond::all().add(voicemail::Column::State.ne(VoicemailState::Deleted)),
    }
}

/// One page of a person's mailbox, newest first; keyset on `(received_at, id)`.
pub async fn page(
    db: &impl ConnectionTrait,
    mailbox: Mailbox,
    state: Option<VoicemailState>,
    after: Option<&VoicemailKey>,
    before: Option<&VoicemailKey>,
    backward: bool,
    limit: u64,
) -> Result<Vec<voicemail::Model>, DbErr> {
    use voicemail::Column as C;
    let mut query = voicemail::Entity::find()
        .filter(mailbox.condition())
        .filter(state_condition(state));
    if let Some((t, id)) = after {
        query = query.filter(
            Cond::any()
                .add(C::ReceivedAt.lt(*t))
                .add(Cond::all().add(C::ReceivedAt.eq(*t)).add(C::Id.lt(*id))),
        );
    }
    if let Some((t, id)) = before {
        query = query.filter(
            Cond::any()
                .add(C::ReceivedAt.gt(*t))
                .add(Cond::all().add(C::ReceivedAt.eq(*t)).add(C::Id.gt(*id))),
        );
    }
    let query = if backward {
        query.order_by_asc(C::ReceivedAt).order_by_asc(C::Id)
    } else {
        query.order_by_desc(C::ReceivedAt).order_by_desc(C::Id)
    };
    query.limit(limit).all(db).await
}

/// Messages in a mailbox in one state, or in every state but DELETED.
pub async fn count(
    db: &impl ConnectionTrait,
    mailbox: Mailbox,
    state: Option<VoicemailState>,
) -> Result<u64, DbErr> {
    voicemail::Entity::find()
        .filter(mailbox.condition())
        .filter(state_condition(state))
        .count(db)
        .await
}

/// A voicemail with the line it came in on, when `principal` may read it; None otherwise
/// (someone else's voicemail does not exist for the caller). A message is read by the person
/// it was left for, whoever holds the line now.
pub async fn readable(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<(voicemail::Model, line::Model)>, DbErr> {
    let Some((vm, Some(line))) = voicemail::Entity::find_by_id(id)
        .find_also_related(line::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(rules::can_read_mailbox(principal, vm.recipient_id).then_some((vm, line)))
}

/// Why one voicemail of a batch was not changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemError {
    /// It does not exist, or is in a mailbox the caller does not read.
    NotFound,
    /// It was purged or is deleted and the change needs it alive.
    Deleted,
}

/// Sets the state of voicemails (`NEW`, `READ`, `SAVED`; `DELETED` through [`delete`]).
/// A deleted voicemail that is still kept comes back when set to any state. Per item: the
/// model after the change, or why not.
pub async fn set_state(
    db: &DatabaseConnection,
    principal: &Principal,
    ids: &[Uuid],
    state: VoicemailState,
) -> Result<Vec<Result<voicemail::Model, ItemError>>, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some((vm, _)) = readable(&txn, principal, *id).await? else {
            out.push(Err(ItemError::NotFound));
            continue;
        };
        if vm.state == state {
            out.push(Ok(vm));
            continue;
        }
        let restored = vm.state == VoicemailState::Deleted;
        let before = vm.clone();
        let mut active = vm.into_active_model();
        active.state = Set(state);
        active.deleted_at = Set(None);
        let after = active.update(&txn).await?;
        if restored {
            audit::changed(
                &txn,
                principal,
                "voicemail.restore",
                Subject::new(SubjectKind::Voicemail, after.id),
                &before,
                &after,
            )
            .await?;
        }
        out.push(Ok(after));
    }
    txn.commit().await?;
    Ok(out)
}

/// Soft-deletes voicemails: hidden from lists, audio kept for the retention period (a
/// delete can be undone by setting a state), then purged.
pub async fn delete(
    db: &DatabaseConnection,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<Vec<Result<voicemail::Model, ItemError>>, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let mut out = Vec::with_capacity(ids.len());
    let now = Utc::now();
    for id in ids {
        let Some((vm, _)) = readable(&txn, principal, *id).await? else {
            out.push(Err(ItemError::NotFound));
            continue;
        };
        if vm.state == VoicemailState::Deleted {
            out.push(Ok(vm));
            continue;
        }
        let before = vm.clone();
        let mut active = vm.into_active_model();
        active.state = Set(VoicemailState::Deleted);
        active.deleted_at = Set(Some(now));
        let after = active.update(&txn).await?;
        audit::changed(
            &txn,
            principal,
            "voicemail.delete",
            Subject::new(SubjectKind::Voicemail, after.id),
            &before,
            &after,
        )
        .await?;
        out.push(Ok(after));
    }
    txn.commit().await?;
    Ok(out)
}

/// Ids of the voicemails in a mailbox in `from` state (every state but DELETED when None),
/// for "mark all".
pub async fn ids_in(
    db: &impl ConnectionTrait,
    mailbox: Mailbox,
    from: Option<VoicemailState>,
) -> Result<Vec<Uuid>, DbErr> {
    voicemail::Entity::find()
        .select_only()
        .column(voicemail::Column::Id)
        .filter(mailbox.condition())
        .filter(state_condition(from))
        .order_by_desc(voicemail::Column::ReceivedAt)
        .into_tuple()
        .all(db)
        .await
}

/// A voicemail's blob key, parsed (a row with an unparseable key is a fault).
pub fn blob_key(vm: &voicemail::Model) -> Result<BlobKey, StorageError> {
    BlobKey::parse(&vm.blob_key).map_err(StorageError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_numbers_are_normalised_or_withheld() {
        assert_eq!(caller_number(None).ok(), Some(None));
        assert_eq!(caller_number(Some(" Anonymous ")).ok(), Some(None));
        assert_eq!(
            caller_number(Some("01865 270000")).ok(),
            Some(Some("+441865270000".to_owned()))
        );
        assert_eq!(
            caller_number(Some("70123")).ok(),
            Some(Some("70123".to_owned()))
        );
        assert!(matches!(
            caller_number(Some("call me")),
            Err(IngestError::Invalid {
                field: "caller",
                ..
            })
        ));
    }
}

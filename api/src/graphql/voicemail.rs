//! The voicemail area: mailbox lists with NEW/total counts, playing (signed audio URLs,
//! waveforms), marking, deleting, mailbox settings and greetings, and the
//! `voicemailReceived` subscription.
//!
//! A mailbox is read by its owner and by administrators only (a coordinator does not read
//! voicemail); anyone else's voicemail does not exist for the caller (NOT_FOUND / null).
//! Changing mailbox settings or the greeting also needs a client address inside
//! `CHORUS_TRUSTED_NETWORKS` (the VPN).

use crate::domain::directory::Reach;
use std::time::Duration;

use async_graphql::{
    Context, Enum, InputObject, Object, SimpleObject, Subscription, Upload, futures_util::Stream,
};
use chrono::{DateTime, Utc};
use entity::{enums::VoicemailState as DbState, line, mailbox_settings, voicemail};
use futures_util::StreamExt as _;
use uuid::Uuid;

use super::{
    ctx_db, ctx_loaders, ctx_principal,
    directory::{Line, Person},
    enums::VoicemailState,
    errors::{ApiError, ApiResult, UserError, UserErrorCode},
    node::{NodeType, decode, encode},
    pagination::{Page, PageInfo},
};
use crate::{
    auth::{ClientAddress, Principal, media::MAX_TTL},
    domain::voicemail as rules,
    services::voicemail::{
        self as service, IngestError, ItemError, VoicemailKey, Voicemails, audio_message,
    },
};

fn ctx_voicemails<'a>(ctx: &'a Context<'_>) -> Result<&'a Voicemails, ApiError> {
    ctx.data_opt::<Voicemails>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no voicemail store in the context")))
}

/// One voicemail message.
#[derive(Clone, Debug)]
pub struct Voicemail(pub voicemail::Model);

/// Which recording an audio URL serves.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AudioFormat {
    /// The recording as the PBX delivered it (see `container` and `codec`).
    #[default]
    Original,
    /// A 16-bit PCM WAV decoded from it, which every browser plays (Chrome does not play
    /// G.711 µ-law/A-law WAV).
    Wav,
}

/// One voicemail message in a mailbox.
#[Object]
impl Voicemail {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Voicemail, self.0.id)
    }

    /// The PBX's own id of the message.
    async fn pbx_message_id(&self) -> &str {
        &self.0.pbx_message_id
    }

    /// When the message was left.
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }

    /// The calling number: an extension for internal callers, else E.164; null when withheld.
    async fn caller_number(&self) -> Option<&str> {
        self.0.caller_number.as_deref()
    }

    /// The caller's directory entry, when the number is one of ours and the viewer may see it.
    async fn caller(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let Some(number) = &self.0.caller_number else {
            return Ok(None);
        };
        let loaders = ctx_loaders(ctx)?;
        let Some(owner) = loaders
            .lines_by_number
            .load_one(number.clone())
            .await
            .map_err(ApiError::internal)?
            .and_then(|l| l.owner_id)
        else {
            return Ok(None);
        };
        let person = loaders
            .people
            .load_one(owner)
            .await
            .map_err(ApiError::internal)?;
        let principal = ctx_principal(ctx)?;
        Ok(person.and_then(|m| Person::reached(principal, m, Reach::Directory)))
    }

    /// The line whose mailbox holds the message.
    async fn mailbox(&self, ctx: &Context<'_>) -> ApiResult<Option<Line>> {
        Ok(ctx_loaders(ctx)?
            .lines
            .load_one(self.0.mailbox_line_id)
            .await
            .map_err(ApiError::internal)?
            .map(Line))
    }

    /// Playing time in milliseconds, counted from the decoded audio (not the file header).
    async fn duration_ms(&self) -> i64 {
        self.0.duration_ms
    }

    /// Container: `wav`, `mp3`, `flac`, `ogg`, `m4a` or `aac`.
    async fn container(&self) -> &str {
        &self.0.container
    }

    /// Codec, e.g. `pcm_mulaw` (G.711 µ-law), `pcm_alaw`, `pcm_s16le`, `mp3`, `flac`.
    async fn codec(&self) -> &str {
        &self.0.codec
    }

    /// The original's media type, e.g. `audio/wav`.
    async fn mime_type(&self) -> &'static str {
        storage::Container::from_extension(&self.0.container)
            .map_or("application/octet-stream", storage::Container::mime_type)
    }

    /// Samples per second.
    async fn sample_rate(&self) -> i32 {
        self.0.sample_rate
    }

    /// Audio channels.
    async fn channels(&self) -> i32 {
        self.0.channels
    }

    /// Size of the original in bytes.
    async fn byte_size(&self) -> i64 {
        self.0.byte_size
    }

    /// NEW, READ, SAVED or DELETED.
    async fn state(&self) -> VoicemailState {
        self.0.state.into()
    }

    /// When it was deleted; null unless DELETED.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }

    /// When a deleted message's audio will be purged for good; null unless DELETED.
    async fn purge_after(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime<Utc>>> {
        let retention = ctx_voicemails(ctx)?.settings.retention;
        Ok(self.0.deleted_at.map(|t| t + retention))
    }

    /// A short-lived URL that plays this message without an `Authorization` header (for
    /// `<audio src>`). It works for this message only and cannot be used as an access token;
    /// do not store it, ask again when it has expired. Supports `Range`.
    async fn audio_url(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Lifetime in seconds (1–3600).", default = 300)] expires_in_seconds: i32,
        #[graphql(desc = "Which recording.", default)] format: AudioFormat,
    ) -> ApiResult<String> {
        if !(1..=MAX_TTL.as_secs() as i32).contains(&expires_in_seconds) {
            return Err(ApiError::BadUserInput(format!(
                "expiresInSeconds must be between 1 and {}",
                MAX_TTL.as_secs()
            ))
            .into());
        }
        let voicemails = ctx_voicemails(ctx)?;
        let principal = ctx_principal(ctx)?;
        let token = voicemails
            .media
            .sign(
                self.0.id,
                &principal.username,
                Duration::from_secs(expires_in_seconds as u64),
            )
            .map_err(ApiError::internal)?;
        let format = match format {
            AudioFormat::Original => "",
            AudioFormat::Wav => "&format=wav",
        };
        Ok(format!(
            "{}/v1/voicemails/{}/audio?token={token}{format}",
            voicemails.public_url.as_deref().unwrap_or(""),
            encode(NodeType::Voicemail, self.0.id).as_str(),
        ))
    }

    /// Peak levels (0–1) of `points` equal slices of the recording, for drawing it in a
    /// player (fewer when the recording is shorter than `points` samples).
    async fn waveform(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of slices (1–2000).", default = 100)] points: i32,
    ) -> ApiResult<Vec<f64>> {
        if !(1..=2000).contains(&points) {
            return Err(ApiError::BadUserInput("points must be between 1 and 2000".into()).into());
        }
        let voicemails = ctx_voicemails(ctx)?;
        let key = service::blob_key(&self.0).map_err(ApiError::internal)?;
        let bytes = voicemails
            .store
            .get_bytes(&key, voicemails.settings.max_bytes as u64)
            .await
            .map_err(ApiError::internal)?;
        let peaks = voicemails
            .audio
            .waveform(bytes, points as usize)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("waveform of {key}: {e}")))?;
        Ok(peaks.into_iter().map(f64::from).collect())
    }
}

/// A page of voicemails (Relay connection) with the mailbox's counts.
#[derive(SimpleObject)]
pub struct VoicemailConnection {
    /// The messages of this page, each with its cursor.
    pub edges: Vec<VoicemailEdge>,
    /// The messages of this page, without cursors.
    pub nodes: Vec<Voicemail>,
    /// Where this page sits in the whole list.
    pub page_info: PageInfo,
    /// Messages in the mailbox that are NEW (for badges), whatever the `state` filter.
    pub new_count: i64,
    /// Messages in the list as filtered (every state but DELETED when no state is given).
    pub total_count: i64,
}

/// One voicemail with its cursor.
#[derive(SimpleObject)]
pub struct VoicemailEdge {
    /// Opaque cursor of this message, for `after`/`before`.
    pub cursor: String,
    /// The message.
    pub node: Voicemail,
}

/// A line's voicemail box and its settings.
pub struct Mailbox {
    line: line::Model,
    settings: mailbox_settings::Model,
}

impl Mailbox {
    /// The messages the line's current holder has on it.
    fn holding(&self) -> service::Mailbox {
        service::Mailbox::Line {
            line: self.line.id,
            holder: self.line.owner_id,
        }
    }
}

/// A line's voicemail box: its settings and counts.
#[Object]
impl Mailbox {
    /// The line the mailbox belongs to.
    async fn line(&self) -> Line {
        Line(self.line.clone())
    }

    /// True when a PIN is set (the PIN itself is never shown; it is stored as an Argon2 hash).
    async fn pin_set(&self) -> bool {
        self.settings.pin_hash.is_some()
    }

    /// True when new messages are e-mailed with the audio attached.
    async fn email_attachment(&self) -> bool {
        self.settings.email_attachment
    }

    /// Where messages are e-mailed; null for the owner's directory address.
    async fn email_address(&self) -> Option<&str> {
        self.settings.email_address.as_deref()
    }

    /// Rings before an unanswered call goes to voicemail (2–20).
    async fn rings_before_voicemail(&self) -> i32 {
        self.settings.rings_before_voicemail
    }

    /// True when callers hear a recorded greeting rather than the system's.
    async fn custom_greeting(&self) -> bool {
        self.settings.greeting_blob_key.is_some()
    }

    /// Bumped by every change; pass it as `expectedVersion` to refuse lost updates.
    async fn version(&self) -> i32 {
        self.settings.version
    }

    /// NEW messages in the mailbox.
    async fn new_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let n = service::count(ctx_db(ctx)?, self.holding(), Some(DbState::New))
            .await
            .map_err(ApiError::from)?;
        Ok(n as i64)
    }

    /// Messages in the mailbox, DELETED ones left out.
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        let n = service::count(ctx_db(ctx)?, self.holding(), None)
            .await
            .map_err(ApiError::from)?;
        Ok(n as i64)
    }
}

/// Whose mailbox `person_id` names (default the caller), if the caller reads it.
async fn mailbox_owner(ctx: &Context<'_>, person_id: Option<async_graphql::ID>) -> ApiResult<Uuid> {
    let principal = ctx_principal(ctx)?;
    let person = match person_id {
        Some(id) => decode(NodeType::Person, &id)?,
        None => principal.person_id.ok_or_else(|| {
            ApiError::BadUserInput("a service account has no mailbox: give personId".into())
        })?,
    };
    if !rules::can_read_mailbox(principal, Some(person)) {
        return Err(ApiError::Forbidden(
            "a mailbox is read by its owner and administrators only".into(),
        )
        .into());
    }
    Ok(person)
}

/// The line named by `line_id` (default the caller's first line), if the caller owns its
/// mailbox or is an admin.
async fn mailbox_line(
    ctx: &Context<'_>,
    line_id: Option<async_graphql::ID>,
) -> ApiResult<line::Model> {
    let line = line_id.map(|id| decode(NodeType::Line, &id)).transpose()?;
    service::mailbox_line(ctx_db(ctx)?, ctx_principal(ctx)?, line)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::NotFound("no such mailbox".into()).into())
}

/// Queries of the voicemail area.
#[derive(Default)]
pub struct VoicemailQuery;

/// Queries of the voicemail area.
#[Object]
impl VoicemailQuery {
    /// A person's voicemail (the caller's by default; admins anyone's), newest first, with
    /// the count of NEW messages and of the list. Keyset-paged.
    async fn voicemails(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose mailbox; default the caller.")] person_id: Option<
            async_graphql::ID,
        >,
        #[graphql(desc = "Only messages in this state; default every state but DELETED.")]
        state: Option<VoicemailState>,
        #[graphql(desc = "Page size from the newest (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (older messages).")] after: Option<String>,
        #[graphql(desc = "Page size from the oldest end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before (newer messages).")] before: Option<String>,
    ) -> ApiResult<VoicemailConnection> {
        let mailbox = service::Mailbox::Person(mailbox_owner(ctx, person_id).await?);
        let page = Page::<VoicemailKey>::new(first, after, last, before)?;
        let db = ctx_db(ctx)?;
        let state = state.map(DbState::from);
        let rows = service::page(
            db,
            mailbox,
            state,
            page.after.as_ref(),
            page.before.as_ref(),
            page.backward,
            page.fetch_limit(),
        )
        .await
        .map_err(ApiError::from)?;
        let new_count = service::count(db, mailbox, Some(DbState::New))
            .await
            .map_err(ApiError::from)? as i64;
        let total_count = match state {
            Some(DbState::New) => new_count,
            _ => service::count(db, mailbox, state)
                .await
                .map_err(ApiError::from)? as i64,
        };
        let paged = page.finish(rows, |v| (v.received_at, v.id), Voicemail, None);
        let nodes = paged.items.iter().map(|(_, n)| n.clone()).collect();
        Ok(VoicemailConnection {
            edges: paged
                .items
                .into_iter()
                .map(|(cursor, node)| VoicemailEdge { cursor, node })
                .collect(),
            nodes,
            page_info: paged.page_info,
            new_count,
            total_count,
        })
    }

    /// One voicemail by ID; null when it does not exist or is in someone else's mailbox.
    async fn voicemail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Voicemail ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<Voicemail>> {
        let id = decode(NodeType::Voicemail, &id)?;
        load(ctx, id).await
    }

    /// A line's mailbox and its settings (default the caller's first line).
    async fn mailbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The line; default the caller's first line.")] line_id: Option<
            async_graphql::ID,
        >,
    ) -> ApiResult<Mailbox> {
        let line = mailbox_line(ctx, line_id).await?;
        let settings = service::settings_of(ctx_db(ctx)?, line.id)
            .await
            .map_err(ApiError::from)?
            .unwrap_or_else(|| service::default_settings(line.id));
        Ok(Mailbox { line, settings })
    }
}

/// A voicemail the caller may read, for `node` and `voicemail`.
pub async fn load(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Voicemail>> {
    Ok(service::readable(ctx_db(ctx)?, ctx_principal(ctx)?, id)
        .await
        .map_err(ApiError::from)?
        .map(|(vm, _)| Voicemail(vm)))
}

/// What to set voicemails to.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoicemailMark {
    /// Mark as not listened to.
    New,
    /// Mark as listened to.
    Read,
    /// Keep.
    Saved,
}

impl From<VoicemailMark> for DbState {
    fn from(m: VoicemailMark) -> Self {
        match m {
            VoicemailMark::New => DbState::New,
            VoicemailMark::Read => DbState::Read,
            VoicemailMark::Saved => DbState::Saved,
        }
    }
}

/// Input of `markVoicemails`: some messages by ID, or all of a mailbox.
#[derive(InputObject)]
pub struct MarkVoicemailsInput {
    /// The messages to mark (at most 500); or leave out and set `all`.
    pub ids: Option<Vec<async_graphql::ID>>,
    /// Mark every message of the mailbox (DELETED ones left out).
    #[graphql(default)]
    pub all: bool,
    /// With `all`: whose mailbox; default the caller.
    pub person_id: Option<async_graphql::ID>,
    /// With `all`: only messages now in this state (e.g. NEW for "mark all as read").
    pub only_state: Option<VoicemailState>,
    /// The new state. Setting a DELETED message (not yet purged) to any state restores it.
    pub state: VoicemailMark,
}

/// Input of `deleteVoicemails`.
#[derive(InputObject)]
pub struct DeleteVoicemailsInput {
    /// The messages to delete (at most 500).
    pub ids: Vec<async_graphql::ID>,
}

/// What happened to one message of a batch.
#[derive(SimpleObject)]
pub struct VoicemailResult {
    /// The ID as given.
    pub id: async_graphql::ID,
    /// The message after the change; null when it was refused.
    pub voicemail: Option<Voicemail>,
    /// Why it was refused; null on success.
    pub error: Option<UserError>,
}

/// Result of a batch change of voicemails.
#[derive(SimpleObject)]
pub struct VoicemailBatchPayload {
    /// One result per message, in the order given (for `all`, newest first).
    pub results: Vec<VoicemailResult>,
    /// Messages changed.
    pub changed: i32,
    /// Why the whole request was refused; empty otherwise.
    pub user_errors: Vec<UserError>,
}

/// At most this many ids in one batch.
const MAX_BATCH: usize = 500;

fn batch_ids(ids: &[async_graphql::ID]) -> Result<Vec<Result<Uuid, ()>>, UserError> {
    if ids.len() > MAX_BATCH {
        return Err(UserError::new(
            &["input", "ids"],
            UserErrorCode::Invalid,
            format!("at most {MAX_BATCH} ids in one request"),
        ));
    }
    Ok(ids
        .iter()
        .map(|id| decode(NodeType::Voicemail, id).map_err(|_| ()))
        .collect())
}

/// Builds the payload from per-id outcomes, in input order.
fn batch_payload(
    given: Vec<async_graphql::ID>,
    parsed: Vec<Result<Uuid, ()>>,
    mut outcomes: std::vec::IntoIter<Result<voicemail::Model, ItemError>>,
    before: &[Option<DbState>],
) -> VoicemailBatchPayload {
    let mut results = Vec::with_capacity(given.len());
    let mut changed = 0;
    for ((id, parsed), prior) in given.into_iter().zip(parsed).zip(before) {
        let outcome = match parsed {
            Err(()) => Err(UserError::new(
                &["input", "ids"],
                UserErrorCode::Invalid,
                format!(
                    "{} is not a Voicemail ID",
                    crate::domain::text::Quoted::new(id.as_str())
                ),
            )),
            Ok(_) => match outcomes.next() {
                Some(Ok(vm)) => {
                    if *prior != Some(vm.state) {
                        changed += 1;
                    }
                    Ok(vm)
                }
                Some(Err(ItemError::NotFound)) | None => Err(UserError::new(
                    &["input", "ids"],
                    UserErrorCode::NotFound,
                    "no such voicemail",
                )),
                Some(Err(ItemError::Deleted)) => Err(UserError::new(
                    &["input", "ids"],
                    UserErrorCode::NotAllowed,
                    "the voicemail has been deleted",
                )),
            },
        };
        results.push(match outcome {
            Ok(vm) => VoicemailResult {
                id,
                voicemail: Some(Voicemail(vm)),
                error: None,
            },
            Err(e) => VoicemailResult {
                id,
                voicemail: None,
                error: Some(e),
            },
        });
    }
    VoicemailBatchPayload {
        results,
        changed,
        user_errors: vec![],
    }
}

fn refused(error: UserError) -> VoicemailBatchPayload {
    VoicemailBatchPayload {
        results: vec![],
        changed: 0,
        user_errors: vec![error],
    }
}

/// States before a change, to count what really changed.
async fn states_of(ctx: &Context<'_>, ids: &[Result<Uuid, ()>]) -> ApiResult<Vec<Option<DbState>>> {
    let wanted: Vec<Uuid> = ids.iter().filter_map(|r| r.ok()).collect();
    let map = service::states_of(ctx_db(ctx)?, &wanted)
        .await
        .map_err(ApiError::from)?;
    Ok(ids
        .iter()
        .map(|r| r.ok().and_then(|id| map.get(&id).copied()))
        .collect())
}

/// Input of `updateMailboxSettings`. Fields left out keep their value.
#[derive(InputObject)]
pub struct UpdateMailboxSettingsInput {
    /// The line; default the caller's first line.
    pub line_id: Option<async_graphql::ID>,
    /// A new PIN: 4–8 digits, not one digit repeated, not a run, not the extension.
    pub pin: Option<String>,
    /// E-mail new messages with the audio attached.
    pub email_attachment: Option<bool>,
    /// Where to e-mail them; an empty string goes back to the directory address.
    pub email_address: Option<String>,
    /// Rings before voicemail answers (2–20).
    pub rings_before_voicemail: Option<i32>,
    /// The `version` last read; refused with CONFLICT when the settings changed since.
    pub expected_version: Option<i32>,
}

/// Input of `uploadGreeting` (a GraphQL multipart request).
#[derive(InputObject)]
pub struct UploadGreetingInput {
    /// The line; default the caller's first line.
    pub line_id: Option<async_graphql::ID>,
    /// The greeting audio (WAV, MP3, FLAC, Ogg Vorbis, AAC/M4A; at most
    /// `CHORUS_GREETING_MAX_BYTES`, default 4 MiB, and 10 minutes).
    pub file: Upload,
}

/// Input of `resetGreeting`.
#[derive(InputObject)]
pub struct ResetGreetingInput {
    /// The line; default the caller's first line.
    pub line_id: Option<async_graphql::ID>,
}

/// Result of a mailbox change.
#[derive(SimpleObject)]
pub struct MailboxPayload {
    /// The mailbox after the change; null when refused.
    pub mailbox: Option<Mailbox>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

impl From<Result<Mailbox, UserError>> for MailboxPayload {
    fn from(r: Result<Mailbox, UserError>) -> Self {
        match r {
            Ok(m) => Self {
                mailbox: Some(m),
                user_errors: vec![],
            },
            Err(e) => Self {
                mailbox: None,
                user_errors: vec![e],
            },
        }
    }
}

/// Refuses a settings change from outside the trusted networks (rule 12 of ARCHITECTURE.md).
fn require_trusted_network(ctx: &Context<'_>) -> Result<(), ApiError> {
    let client = ctx.data_opt::<ClientAddress>();
    if client.is_some_and(|c| c.trusted) {
        return Ok(());
    }
    let from = client
        .and_then(|c| c.ip)
        .map_or_else(|| "an unknown address".to_owned(), |ip| ip.to_string());
    Err(ApiError::Forbidden(format!(
        "voicemail settings can only be changed on the University network or VPN (this request came from {from})"
    )))
}

/// Mutations of the voicemail area.
#[derive(Default)]
pub struct VoicemailMutation;

#[Object]
impl VoicemailMutation {
    /// Marks messages NEW (unread), READ or SAVED: some by ID, or all of a mailbox. Results
    /// per message; a message the caller cannot see is NOT_FOUND and the others still change.
    async fn mark_voicemails(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The messages (or a whole mailbox) and the state to set.")]
        input: MarkVoicemailsInput,
    ) -> ApiResult<VoicemailBatchPayload> {
        let principal = ctx_principal(ctx)?;
        let db = ctx_db(ctx)?;
        let given: Vec<async_graphql::ID> = match (input.ids, input.all) {
            (Some(ids), false) => ids,
            (None, true) => {
                let mailbox = service::Mailbox::Person(mailbox_owner(ctx, input.person_id).await?);
                let from = input.only_state.map(DbState::from);
                service::ids_in(db, mailbox, from)
                    .await
                    .map_err(ApiError::from)?
                    .into_iter()
                    .map(|id| encode(NodeType::Voicemail, id))
                    .collect()
            }
            _ => {
                return Ok(refused(UserError::new(
                    &["input"],
                    UserErrorCode::Invalid,
                    "give ids, or all: true",
                )));
            }
        };
        let parsed = match batch_ids(&given) {
            Ok(p) => p,
            Err(e) if !input.all => return Ok(refused(e)),
            Err(_) => given
                .iter()
                .map(|id| decode(NodeType::Voicemail, id).map_err(|_| ()))
                .collect(),
        };
        let before = states_of(ctx, &parsed).await?;
        let ids: Vec<Uuid> = parsed.iter().filter_map(|r| r.ok()).collect();
        let outcomes = service::set_state(db, principal, &ids, input.state.into())
            .await
            .map_err(ApiError::from)?;
        Ok(batch_payload(given, parsed, outcomes.into_iter(), &before))
    }

    /// Deletes messages: they leave the lists at once and their audio is purged after the
    /// retention period (`purgeAfter`); until then `markVoicemails` restores them.
    async fn delete_voicemails(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The messages to delete.")] input: DeleteVoicemailsInput,
    ) -> ApiResult<VoicemailBatchPayload> {
        let parsed = match batch_ids(&input.ids) {
            Ok(p) => p,
            Err(e) => return Ok(refused(e)),
        };
        let before = states_of(ctx, &parsed).await?;
        let ids: Vec<Uuid> = parsed.iter().filter_map(|r| r.ok()).collect();
        let outcomes = service::delete(ctx_db(ctx)?, ctx_principal(ctx)?, &ids)
            .await
            .map_err(ApiError::from)?;
        Ok(batch_payload(
            input.ids,
            parsed,
            outcomes.into_iter(),
            &before,
        ))
    }

    /// Changes a mailbox's PIN, e-mail delivery or rings. Only from a trusted network (VPN).
    async fn update_mailbox_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mailbox (default the caller's) and the settings to change.")]
        input: UpdateMailboxSettingsInput,
    ) -> ApiResult<MailboxPayload> {
        require_trusted_network(ctx)?;
        let line = mailbox_line(ctx, input.line_id).await?;
        let changes = service::MailboxChanges {
            pin: input.pin,
            email_attachment: input.email_attachment,
            email_address: input.email_address,
            rings_before_voicemail: input.rings_before_voicemail,
            expected_version: input.expected_version,
        };
        let outcome =
            service::update_settings(ctx_db(ctx)?, ctx_principal(ctx)?, &line, changes).await?;
        Ok(MailboxPayload::from(
            outcome.map(|settings| Mailbox { line, settings }),
        ))
    }

    /// Records a new greeting for a mailbox from an uploaded file (GraphQL multipart
    /// request). The audio is checked like a voicemail. Only from a trusted network (VPN).
    async fn upload_greeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mailbox (default the caller's) and the greeting's audio file.")]
        input: UploadGreetingInput,
    ) -> ApiResult<MailboxPayload> {
        require_trusted_network(ctx)?;
        let line = mailbox_line(ctx, input.line_id).await?;
        let upload = input
            .file
            .value(ctx)
            .map_err(|e| ApiError::BadUserInput(format!("input.file: {e}")))?;
        let voicemails = ctx_voicemails(ctx)?;
        let result = voicemails
            .set_greeting(ctx_db(ctx)?, ctx_principal(ctx)?, &line, upload.content)
            .await;
        match result {
            Ok((settings, _)) => Ok(MailboxPayload::from(Ok(Mailbox { line, settings }))),
            Err(IngestError::Audio(probe)) => Ok(MailboxPayload::from(Err(UserError::new(
                &["input", "file"],
                UserErrorCode::Invalid,
                audio_message(&probe),
            )))),
            Err(e) => Err(ApiError::internal(e).into()),
        }
    }

    /// Goes back to the system greeting. Only from a trusted network (VPN).
    async fn reset_greeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mailbox (default the caller's).")] input: ResetGreetingInput,
    ) -> ApiResult<MailboxPayload> {
        require_trusted_network(ctx)?;
        let line = mailbox_line(ctx, input.line_id).await?;
        let settings = ctx_voicemails(ctx)?
            .reset_greeting(ctx_db(ctx)?, ctx_principal(ctx)?, &line)
            .await
            .map_err(ApiError::from)?;
        Ok(MailboxPayload::from(Ok(Mailbox { line, settings })))
    }
}

/// Subscriptions of the voicemail area.
#[derive(Default)]
pub struct VoicemailSubscription;

#[Subscription]
impl VoicemailSubscription {
    /// A message arriving in a person's mailbox (the caller's by default; admins anyone's),
    /// whichever server process the PBX delivered it to.
    async fn voicemail_received(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose mailbox; default the caller.")] person_id: Option<
            async_graphql::ID,
        >,
    ) -> async_graphql::Result<impl Stream<Item = ApiResult<Voicemail>> + use<>> {
        let principal: Principal = ctx_principal(ctx)?.clone();
        let person = match person_id {
            Some(id) => decode(NodeType::Person, &id)?,
            None => principal.person_id.ok_or_else(|| {
                ApiError::BadUserInput("a service account has no mailbox: give personId".into())
            })?,
        };
        if !rules::can_read_mailbox(&principal, Some(person)) {
            return Err(ApiError::Forbidden(
                "a mailbox is read by its owner and administrators only".into(),
            )
            .into());
        }
        let db = ctx_db(ctx)?.clone();
        let receiver = ctx_voicemails(ctx)?.events.subscribe();
        let events = futures_util::stream::unfold(receiver, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(event) => return Some((event, rx)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "a voicemail subscriber fell behind");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(events
            .filter(move |e| std::future::ready(e.owner_id == Some(person)))
            .then(move |event| {
                let db = db.clone();
                async move {
                    service::get(&db, event.voicemail_id)
                        .await
                        .map_err(|e| ApiError::from(e).into())
                }
            })
            .filter_map(|row: ApiResult<Option<voicemail::Model>>| {
                std::future::ready(match row {
                    Ok(Some(vm)) => Some(Ok(Voicemail(vm))),
                    Ok(None) => None,
                    Err(e) => Some(Err(e)),
                })
            }))
    }
}

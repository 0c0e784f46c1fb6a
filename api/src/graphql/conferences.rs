//! The teleconference area: the caller's upcoming conferences, one conference, the bridges,
//! and booking, rescheduling, cancelling and inviting. Thin adapters: parse the input at the
//! edge (IDs, numbers, time zones), call `services::conferences`, wrap the outcome in a
//! payload.
//!
//! The owner and administrators manage a conference; the invited people see it (with the
//! access code; the moderator PIN only those who manage it and the invited MODERATORs); for
//! anyone else it does not exist (null, NOT_FOUND).

use crate::domain::directory::Reach;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use entity::{enums as db, teleconference_participant as participant};
use uuid::Uuid;

use super::{
    ctx_db, ctx_loaders, ctx_principal,
    directory::Person,
    errors::{ApiError, ApiResult, UserError, UserErrorCode, payload},
    node::{NodeType, decode, encode},
    pagination::{Page, connection},
};
use crate::{
    auth::Principal,
    domain::{contact_centres::parse_time_zone, phone::E164},
    services::conferences::{
        self as service, BRIDGES, Conference, ConferenceKey, Invitation, Invitee, NewConference,
        Reschedule, Window,
    },
};

// ---------------------------------------------------------------------------------------------
// Enums

/// Whether a teleconference takes place.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConferenceStatus {
    /// Booked: it holds its ports and codes on the bridge.
    Scheduled,
    /// Cancelled: its ports and codes are free for other conferences.
    Cancelled,
}

impl From<db::ConferenceStatus> for ConferenceStatus {
    fn from(v: db::ConferenceStatus) -> Self {
        match v {
            db::ConferenceStatus::Scheduled => Self::Scheduled,
            db::ConferenceStatus::Cancelled => Self::Cancelled,
        }
    }
}

impl From<ConferenceStatus> for db::ConferenceStatus {
    fn from(v: ConferenceStatus) -> Self {
        match v {
            ConferenceStatus::Scheduled => Self::Scheduled,
            ConferenceStatus::Cancelled => Self::Cancelled,
        }
    }
}

/// The part an invited participant plays.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ConferenceRole {
    /// Chairs the call with the moderator PIN (an invited person with this role sees the PIN).
    Moderator,
    /// Joins with the access code.
    #[default]
    Participant,
}

impl From<db::ConferenceRole> for ConferenceRole {
    fn from(v: db::ConferenceRole) -> Self {
        match v {
            db::ConferenceRole::Moderator => Self::Moderator,
            db::ConferenceRole::Participant => Self::Participant,
        }
    }
}

impl From<ConferenceRole> for db::ConferenceRole {
    fn from(v: ConferenceRole) -> Self {
        match v {
            ConferenceRole::Moderator => Self::Moderator,
            ConferenceRole::Participant => Self::Participant,
        }
    }
}

/// A conference bridge of the University's PBX (see `conferenceBridges` for numbers and ports).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ConferenceBridge {
    /// Everyday meetings: dial-in +44 1865 289000, 120 ports.
    #[default]
    Main,
    /// Briefings and all-staff calls: dial-in +44 1865 289100, 300 ports.
    Large,
}

impl ConferenceBridge {
    fn code(self) -> &'static str {
        match self {
            Self::Main => "MAIN",
            Self::Large => "LARGE",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [Self::Main, Self::Large]
            .into_iter()
            .find(|b| b.code() == code)
    }

    fn bridge(self) -> Result<&'static service::Bridge, ApiError> {
        service::bridge(self.code()).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("bridge {} is not configured", self.code()))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Objects

/// A scheduled teleconference on one of the bridges.
#[derive(Clone, Debug)]
pub struct Teleconference(pub Conference);

connection!(
    TeleconferenceConnection,
    TeleconferenceEdge,
    Teleconference,
    "teleconferences"
);

impl Teleconference {
    fn zone(&self) -> Tz {
        parse_time_zone(&self.0.conference.time_zone).unwrap_or(chrono_tz::UTC)
    }

    fn local(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.zone())
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    }
}

/// A scheduled teleconference on one of the bridges. Seen by its owner, its invited people
/// and administrators.
#[Object]
impl Teleconference {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Teleconference, self.0.conference.id)
    }

    /// What the conference is about.
    async fn title(&self) -> &str {
        &self.0.conference.title
    }

    /// Who booked it and manages it; null when the owner is ex-directory and hidden from the
    /// caller.
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let principal = ctx_principal(ctx)?;
        Ok(ctx_loaders(ctx)?
            .people
            .load_one(self.0.conference.owner_id)
            .await
            .map_err(ApiError::internal)?
            .and_then(|m| Person::reached(principal, m, Reach::Directory)))
    }

    /// True when the caller may reschedule, cancel and invite (the owner, administrators).
    async fn viewer_can_manage(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(service::may_manage(ctx_principal(ctx)?, &self.0.conference))
    }

    /// The start (inclusive), kept to the second.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.conference.starts_at
    }

    /// The end (exclusive): a conference ending at 10:00 does not overlap one starting then.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.conference.ends_at
    }

    /// The IANA time zone it was booked in, e.g. `Europe/London`.
    async fn time_zone(&self) -> &str {
        &self.0.conference.time_zone
    }

    /// The start as wall-clock time in `timeZone`, RFC 3339 with that zone's offset, e.g.
    /// `2026-06-01T10:00:00+01:00`.
    async fn local_starts_at(&self) -> String {
        self.local(self.0.conference.starts_at)
    }

    /// The end as wall-clock time in `timeZone`, RFC 3339 with that zone's offset.
    async fn local_ends_at(&self) -> String {
        self.local(self.0.conference.ends_at)
    }

    /// The bridge it runs on.
    async fn bridge(&self) -> ApiResult<ConferenceBridge> {
        ConferenceBridge::from_code(&self.0.conference.bridge).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "conference {} is on the unknown bridge {:?}",
                self.0.conference.id,
                self.0.conference.bridge
            ))
            .into()
        })
    }

    /// The number to dial, E.164.
    async fn dial_in_number(&self) -> &str {
        &self.0.conference.dial_in_number
    }

    /// The participants' access code (8 digits), unique among the overlapping conferences of
    /// the bridge. It may change when the conference is rescheduled.
    async fn access_code(&self) -> &str {
        &self.0.conference.access_code
    }

    /// The moderator PIN (6 digits); null unless the caller is the owner, an administrator or
    /// invited as MODERATOR.
    async fn moderator_pin(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        Ok(service::may_see_pin(ctx_principal(ctx)?, &self.0)
            .then_some(self.0.conference.moderator_pin.as_str()))
    }

    /// Bridge ports the conference reserves: how many may be connected at once, owner
    /// included.
    async fn capacity(&self) -> i32 {
        self.0.conference.capacity
    }

    /// SCHEDULED or CANCELLED.
    async fn status(&self) -> ConferenceStatus {
        self.0.conference.status.into()
    }

    /// Who is invited, people and outside numbers, in the order they were invited (the owner
    /// is not listed).
    async fn participants(&self) -> Vec<TeleconferenceParticipant> {
        self.0
            .participants
            .iter()
            .cloned()
            .map(TeleconferenceParticipant)
            .collect()
    }

    /// When it was booked.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.conference.created_at
    }

    /// Bumped by every change; pass it as `expectedVersion` to refuse lost updates.
    async fn version(&self) -> i32 {
        self.0.conference.version
    }
}

/// One invited participant: a person in the directory or an outside number.
#[derive(Clone, Debug)]
pub struct TeleconferenceParticipant(participant::Model);

/// One invited participant: a person in the directory or an outside number.
#[Object]
impl TeleconferenceParticipant {
    /// The invited person; null for an outside number, or when the person is ex-directory and
    /// hidden from the caller.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let Some(id) = self.0.person_id else {
            return Ok(None);
        };
        let principal = ctx_principal(ctx)?;
        Ok(ctx_loaders(ctx)?
            .people
            .load_one(id)
            .await
            .map_err(ApiError::internal)?
            .and_then(|m| Person::reached(principal, m, Reach::Directory)))
    }

    /// The outside number invited, E.164; null for a person.
    async fn number(&self) -> Option<&str> {
        self.0.external_number.as_deref()
    }

    /// MODERATOR or PARTICIPANT.
    async fn role(&self) -> ConferenceRole {
        self.0.role.into()
    }
}

/// A conference bridge: its dial-in number and ports.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct TeleconferenceBridge {
    /// The bridge.
    pub bridge: ConferenceBridge,
    /// What it is for.
    pub name: String,
    /// The number participants dial, E.164.
    pub dial_in_number: String,
    /// Ports: callers connected at once, summed over the conferences running at any instant.
    pub ports: i32,
}

#[async_graphql::ComplexObject]
impl TeleconferenceBridge {
    /// Ports still free at the busiest instant of `[from, until)`: the most a new conference
    /// in that time may reserve.
    async fn free_ports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start of the time asked about.")] from: DateTime<Utc>,
        #[graphql(desc = "End of the time asked about (after `from`).")] until: DateTime<Utc>,
    ) -> ApiResult<i32> {
        if until <= from {
            return Err(ApiError::BadUserInput("until must be after from".into()).into());
        }
        let bridge = self.bridge.bridge()?;
        let reserved = service::reserved_ports(ctx_db(ctx)?, bridge, from, until)
            .await
            .map_err(ApiError::from)?;
        let free = i64::from(bridge.ports).saturating_sub(reserved).max(0);
        Ok(i32::try_from(free).unwrap_or(0))
    }
}

// ---------------------------------------------------------------------------------------------
// Queries

/// Queries of the teleconference area.
#[derive(Default)]
pub struct ConferenceQuery;

#[Object]
impl ConferenceQuery {
    /// A person's teleconferences, the ones they own and the ones they are invited to, soonest
    /// first: the caller's by default, anyone's for administrators (FORBIDDEN otherwise).
    /// Without `from`, the upcoming ones (those not yet over, running ones included).
    /// Keyset-paged; `totalCount` is counted only when selected.
    async fn conferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose conferences; default the caller.")] person_id: Option<
            async_graphql::ID,
        >,
        #[graphql(desc = "Only conferences still running at or after this instant \
                          (ending after it); default now.")]
        from: Option<DateTime<Utc>>,
        #[graphql(desc = "Only conferences starting before this instant; default no bound.")]
        until: Option<DateTime<Utc>>,
        #[graphql(desc = "True to list CANCELLED conferences too; default false.")]
        include_cancelled: Option<bool>,
        #[graphql(desc = "Page size from the soonest (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (later conferences).")] after: Option<String>,
        #[graphql(desc = "Page size from the latest end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before (earlier conferences).")] before: Option<
            String,
        >,
    ) -> ApiResult<TeleconferenceConnection> {
        let principal = ctx_principal(ctx)?;
        let person = person_id
            .map(|id| decode(NodeType::Person, &id))
            .transpose()?;
        let person = service::list_owner(principal, person)?;
        let window = Window {
            from: from.unwrap_or_else(Utc::now),
            until,
            include_cancelled: include_cancelled.unwrap_or(false),
        };
        if window.until.is_some_and(|u| u <= window.from) {
            return Err(ApiError::BadUserInput("until must be after from".into()).into());
        }
        let page = Page::<ConferenceKey>::new(first, after, last, before)?;
        let db = ctx_db(ctx)?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            Some(
                service::count(db, person, &window)
                    .await
                    .map_err(ApiError::from)? as i64,
            )
        } else {
            None
        };
        let rows = service::page(
            db,
            person,
            &window,
            page.after.as_ref(),
            page.before.as_ref(),
            page.backward,
            page.fetch_limit(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(page
            .finish(
                rows,
                |c| (c.conference.starts_at, c.conference.id),
                Teleconference,
                total,
            )
            .into())
    }

    /// One teleconference by ID; null when it does not exist or the caller is neither its
    /// owner, nor invited, nor an administrator.
    async fn conference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Teleconference ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<Teleconference>> {
        let id = decode(NodeType::Teleconference, &id)?;
        load(ctx, id).await
    }

    /// The conference bridges, with their dial-in numbers and ports.
    async fn conference_bridges(&self) -> Vec<TeleconferenceBridge> {
        BRIDGES
            .iter()
            .filter_map(|b| {
                ConferenceBridge::from_code(b.code).map(|bridge| TeleconferenceBridge {
                    bridge,
                    name: b.name.to_owned(),
                    dial_in_number: b.dial_in_number.to_owned(),
                    ports: b.ports,
                })
            })
            .collect()
    }
}

/// A teleconference the caller may see, for `conference` (and `node`).
pub async fn load(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Teleconference>> {
    Ok(service::visible(ctx_db(ctx)?, ctx_principal(ctx)?, id)
        .await
        .map_err(ApiError::from)?
        .map(Teleconference))
}

// ---------------------------------------------------------------------------------------------
// Mutations

payload!(CreateConferencePayload, conference: Teleconference, "Result of `createConference`.");
payload!(CancelConferencePayload, conference: Teleconference, "Result of `cancelConference`.");
payload!(
    AddConferenceParticipantsPayload,
    conference: Teleconference,
    "Result of `addConferenceParticipants`."
);
payload!(
    RemoveConferenceParticipantsPayload,
    conference: Teleconference,
    "Result of `removeConferenceParticipants`."
);

/// Result of `rescheduleConference`.
#[derive(SimpleObject)]
pub struct RescheduleConferencePayload {
    /// The conference as it is after the change; null when user errors refused it.
    pub conference: Option<Teleconference>,
    /// True when the old access code or moderator PIN clashed with a conference overlapping
    /// the new times and new ones were generated: tell the participants.
    pub codes_changed: bool,
    /// Why the change was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// One person or outside number to invite.
#[derive(InputObject)]
pub struct ConferenceParticipantInput {
    /// A person in the directory; give this or `number`.
    pub person_id: Option<async_graphql::ID>,
    /// An outside telephone number (E.164 or UK national form); give this or `personId`.
    pub number: Option<String>,
    /// Their part in the call.
    #[graphql(default)]
    pub role: ConferenceRole,
}

/// One invited person or outside number, to uninvite.
#[derive(InputObject)]
pub struct ConferenceInviteeInput {
    /// An invited person; give this or `number`.
    pub person_id: Option<async_graphql::ID>,
    /// An invited outside number; give this or `personId`.
    pub number: Option<String>,
}

/// Input of `createConference`.
#[derive(InputObject)]
pub struct CreateConferenceInput {
    /// What the conference is about (1–100 characters).
    pub title: String,
    /// The start; not in the past (a few minutes' grace). Kept to the second.
    pub starts_at: DateTime<Utc>,
    /// The end: after the start, at most 24 hours later.
    pub ends_at: DateTime<Utc>,
    /// IANA time zone the times are shown in, e.g. `Europe/London` (the default).
    pub time_zone: Option<String>,
    /// The bridge (default MAIN).
    #[graphql(default)]
    pub bridge: ConferenceBridge,
    /// Ports to reserve: how many may be connected at once, owner included (2 up to the
    /// bridge's ports). Default: the invited participants plus the owner, at least 2.
    pub ports: Option<i32>,
    /// Whom to invite (people and outside numbers), each once; the owner is not listed.
    #[graphql(default)]
    pub participants: Vec<ConferenceParticipantInput>,
    /// The owner; default the caller. Only administrators book for someone else.
    pub owner_id: Option<async_graphql::ID>,
}

/// Input of `rescheduleConference`.
#[derive(InputObject)]
pub struct RescheduleConferenceInput {
    /// The conference.
    pub conference_id: async_graphql::ID,
    /// The new start; not in the past, unless it is the current start (extending a running
    /// conference).
    pub starts_at: DateTime<Utc>,
    /// The new end: after the start, at most 24 hours later, not in the past.
    pub ends_at: DateTime<Utc>,
    /// A new IANA time zone to show the times in; default unchanged.
    pub time_zone: Option<String>,
    /// A new number of ports to reserve; default unchanged.
    pub ports: Option<i32>,
    /// The `version` the change is based on; refused with CONFLICT if the conference changed
    /// since. Default: the version read when the change starts.
    pub expected_version: Option<i32>,
}

/// Input of `cancelConference`.
#[derive(InputObject)]
pub struct CancelConferenceInput {
    /// The conference.
    pub conference_id: async_graphql::ID,
    /// The `version` the change is based on; refused with CONFLICT if the conference changed
    /// since.
    pub expected_version: Option<i32>,
}

/// Input of `addConferenceParticipants`.
#[derive(InputObject)]
pub struct AddConferenceParticipantsInput {
    /// The conference.
    pub conference_id: async_graphql::ID,
    /// Whom to invite, each not invited yet.
    pub participants: Vec<ConferenceParticipantInput>,
    /// The `version` the change is based on; refused with CONFLICT if the conference changed
    /// since.
    pub expected_version: Option<i32>,
}

/// Input of `removeConferenceParticipants`.
#[derive(InputObject)]
pub struct RemoveConferenceParticipantsInput {
    /// The conference.
    pub conference_id: async_graphql::ID,
    /// Whom to uninvite, each invited now.
    pub participants: Vec<ConferenceInviteeInput>,
    /// The `version` the change is based on; refused with CONFLICT if the conference changed
    /// since.
    pub expected_version: Option<i32>,
}

fn not_found(field: Vec<String>, what: &str) -> UserError {
    UserError {
        field,
        message: format!("no such {what}"),
        code: UserErrorCode::NotFound,
        reason: None,
    }
}

fn item_path(index: usize, field: &str) -> Vec<String> {
    vec![
        "input".to_owned(),
        "participants".to_owned(),
        index.to_string(),
        field.to_owned(),
    ]
}

/// Reads "a person or a number" at the edge: exactly one of them, a Person ID, a valid number.
fn invitee(
    index: usize,
    person_id: Option<&async_graphql::ID>,
    number: Option<&str>,
) -> Result<Invitee, UserError> {
    match (person_id, number) {
        (Some(id), None) => decode(NodeType::Person, id)
            .map(Invitee::Person)
            .map_err(|_| not_found(item_path(index, "personId"), "person")),
        (None, Some(n)) => E164::parse(n).map(Invitee::Number).map_err(|e| UserError {
            field: item_path(index, "number"),
            message: e.to_string(),
            code: UserErrorCode::Invalid,
            reason: None,
        }),
        _ => Err(UserError {
            field: vec![
                "input".to_owned(),
                "participants".to_owned(),
                index.to_string(),
            ],
            message: "give either personId or number".into(),
            code: UserErrorCode::Invalid,
            reason: None,
        }),
    }
}

fn invitations(list: &[ConferenceParticipantInput]) -> Result<Vec<Invitation>, UserError> {
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(Invitation {
                invitee: invitee(i, p.person_id.as_ref(), p.number.as_deref())?,
                role: p.role.into(),
            })
        })
        .collect()
}

fn time_zone(name: Option<&str>) -> Result<Option<Tz>, UserError> {
    name.map(|n| {
        parse_time_zone(n).map_err(|e| {
            UserError::new(
                &["input", "timeZone"],
                UserErrorCode::Invalid,
                e.to_string(),
            )
        })
    })
    .transpose()
}

fn conference_id(id: &async_graphql::ID) -> Result<Uuid, UserError> {
    decode(NodeType::Teleconference, id)
        .map_err(|_| not_found(vec!["input".into(), "conferenceId".into()], "conference"))
}

/// Returns the payload with the user error when the edge refuses the input.
macro_rules! edge {
    ($e:expr, $payload:ty) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Ok(<$payload>::from(Err(e))),
        }
    };
}

fn principal_and_db<'a>(
    ctx: &'a Context<'_>,
) -> Result<(&'a Principal, &'a sea_orm::DatabaseConnection), ApiError> {
    Ok((ctx_principal(ctx)?, ctx_db(ctx)?))
}

/// Mutations of the teleconference area.
#[derive(Default)]
pub struct ConferenceMutation;

#[Object]
impl ConferenceMutation {
    /// Books a teleconference owned by the caller (administrators: by `ownerId`), with a
    /// generated access code and moderator PIN unique among the conferences overlapping it on
    /// the bridge. User errors: INVALID (title, times inverted, too long or in the past, time
    /// zone, ports, a participant with both or neither of personId and number, a number that
    /// is not a telephone number), NOT_FOUND (a person), DUPLICATE (someone invited twice, or
    /// the owner invited), RULE_VIOLATION (more participants than ports, the bridge full at
    /// some instant of the conference), NOT_ALLOWED (booking for someone else).
    async fn create_conference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conference to book.")] input: CreateConferenceInput,
    ) -> ApiResult<CreateConferencePayload> {
        type P = CreateConferencePayload;
        let (principal, db) = principal_and_db(ctx)?;
        let owner_id = match &input.owner_id {
            None => None,
            Some(id) => Some(edge!(
                decode(NodeType::Person, id)
                    .map_err(|_| not_found(vec!["input".into(), "ownerId".into()], "person")),
                P
            )),
        };
        let new = NewConference {
            owner_id,
            title: input.title,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            time_zone: edge!(time_zone(input.time_zone.as_deref()), P)
                .unwrap_or(service::DEFAULT_TIME_ZONE),
            bridge: input.bridge.bridge()?,
            ports: input.ports,
            participants: edge!(invitations(&input.participants), P),
        };
        let outcome = service::create(db, principal, new).await?;
        Ok(outcome.map(Teleconference).into())
    }

    /// Moves a teleconference (owner, administrators), and optionally changes its time zone
    /// or reserved ports. Capacity and codes are checked again at the new times; when the
    /// codes clash with an overlapping conference new ones are generated (`codesChanged`).
    /// User errors: NOT_FOUND, NOT_ALLOWED (a participant), INVALID (times, time zone,
    /// ports), RULE_VIOLATION (cancelled or over; the bridge full; fewer ports than
    /// invited), CONFLICT (changed since `expectedVersion`).
    async fn reschedule_conference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conference and its new times.")] input: RescheduleConferenceInput,
    ) -> ApiResult<RescheduleConferencePayload> {
        let refused = |e: UserError| RescheduleConferencePayload {
            conference: None,
            codes_changed: false,
            user_errors: vec![e],
        };
        let (principal, db) = principal_and_db(ctx)?;
        let id = match conference_id(&input.conference_id) {
            Ok(id) => id,
            Err(e) => return Ok(refused(e)),
        };
        let time_zone = match time_zone(input.time_zone.as_deref()) {
            Ok(tz) => tz,
            Err(e) => return Ok(refused(e)),
        };
        let change = Reschedule {
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            time_zone,
            ports: input.ports,
            expected_version: input.expected_version,
        };
        Ok(
            match service::reschedule(db, principal, id, change).await? {
                Ok(done) => RescheduleConferencePayload {
                    conference: Some(Teleconference(done.conference)),
                    codes_changed: done.codes_changed,
                    user_errors: vec![],
                },
                Err(e) => refused(e),
            },
        )
    }

    /// Cancels a teleconference (owner, administrators): it frees its ports and codes at once
    /// and stays visible as CANCELLED. Cancelling it again changes nothing. User errors:
    /// NOT_FOUND, NOT_ALLOWED (a participant), RULE_VIOLATION (over), CONFLICT.
    async fn cancel_conference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conference to cancel.")] input: CancelConferenceInput,
    ) -> ApiResult<CancelConferencePayload> {
        type P = CancelConferencePayload;
        let (principal, db) = principal_and_db(ctx)?;
        let id = edge!(conference_id(&input.conference_id), P);
        let outcome = service::cancel(db, principal, id, input.expected_version).await?;
        Ok(outcome.map(Teleconference).into())
    }

    /// Invites people or outside numbers to a teleconference (owner, administrators). To
    /// change someone's role, remove them and add them again. User errors: NOT_FOUND (the
    /// conference, a person), INVALID (a number, both or neither of personId and number),
    /// DUPLICATE (invited already, or the owner), RULE_VIOLATION (more than the reserved
    /// ports: reschedule with more ports first; cancelled or over), NOT_ALLOWED, CONFLICT.
    async fn add_conference_participants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conference and whom to invite.")]
        input: AddConferenceParticipantsInput,
    ) -> ApiResult<AddConferenceParticipantsPayload> {
        type P = AddConferenceParticipantsPayload;
        let (principal, db) = principal_and_db(ctx)?;
        let id = edge!(conference_id(&input.conference_id), P);
        let new = edge!(invitations(&input.participants), P);
        let outcome =
            service::add_participants(db, principal, id, new, input.expected_version).await?;
        Ok(outcome.map(Teleconference).into())
    }

    /// Uninvites people or outside numbers from a teleconference (owner, administrators); the
    /// reserved ports stay. User errors: NOT_FOUND (the conference, someone not invited),
    /// INVALID, RULE_VIOLATION (cancelled or over), NOT_ALLOWED, CONFLICT.
    async fn remove_conference_participants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conference and whom to uninvite.")]
        input: RemoveConferenceParticipantsInput,
    ) -> ApiResult<RemoveConferenceParticipantsPayload> {
        type P = RemoveConferenceParticipantsPayload;
        let (principal, db) = principal_and_db(ctx)?;
        let id = edge!(conference_id(&input.conference_id), P);
        let gone = edge!(
            input
                .participants
                .iter()
                .enumerate()
                .map(|(i, p)| invitee(i, p.person_id.as_ref(), p.number.as_deref()))
                .collect::<Result<Vec<_>, _>>(),
            P
        );
        let outcome =
            service::remove_participants(db, principal, id, gone, input.expected_version).await?;
        Ok(outcome.map(Teleconference).into())
    }
}

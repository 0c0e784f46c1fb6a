//! The teleconference mutations with their inputs and payloads: thin adapters that read the
//! input at the edge (IDs, numbers, time zones) and call `services::conferences`.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::types::{ConferenceBridge, ConferenceRole, Teleconference};
use crate::{
    auth::Principal,
    domain::{contact_centres::parse_time_zone, phone::E164},
    graphql::{
        ctx_db, ctx_principal,
        errors::{ApiError, ApiResult, UserError, UserErrorCode, payload},
        node::{NodeType, decode},
    },
    services::conferences::{self as service, Invitation, Invitee, NewConference, Reschedule},
};

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

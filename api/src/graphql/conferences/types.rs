//! The teleconference objects of the schema: conferences, their participants and the bridges,
//! with the enums they use.

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use entity::{enums as db, teleconference_participant as participant};

use crate::graphql::enums::mirror_enum;

use crate::{
    domain::{contact_centres::parse_time_zone, directory::Reach},
    graphql::{
        ctx_db, ctx_loaders, ctx_principal,
        directory::Person,
        errors::{ApiError, ApiResult},
        node::{NodeType, encode},
        pagination::connection,
    },
    services::conferences::{self as service, Conference},
};

// ---------------------------------------------------------------------------------------------
// Enums

mirror_enum! {
    /// Whether a teleconference takes place.
    ConferenceStatus <=> db::ConferenceStatus {
        /// Booked: it holds its ports and codes on the bridge.
        Scheduled,
        /// Cancelled: its ports and codes are free for other conferences.
        Cancelled,
    }
}

mirror_enum! {
    /// The part an invited participant plays.
    #[derive(Default)]
    ConferenceRole <=> db::ConferenceRole {
        /// Chairs the call with the moderator PIN (an invited person with this role sees the PIN).
        Moderator,
        /// Joins with the access code.
        #[default]
        Participant,
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

    pub(super) fn from_code(code: &str) -> Option<Self> {
        [Self::Main, Self::Large]
            .into_iter()
            .find(|b| b.code() == code)
    }

    pub(super) fn bridge(self) -> Result<&'static service::Bridge, ApiError> {
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

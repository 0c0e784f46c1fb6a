//! Contact centres (always on Chorus): queues with agents, weekly opening hours on the wall
//! clock of the centre's time zone (Europe/London), closure days, out-of-hours and overflow
//! destinations, and `openAt`, the open/closed state at an instant.
//!
//! Thin adapters: decode IDs and clock times, call `services::contact_centres`, wrap the
//! outcome in a payload. Who sees and changes what is stated there: administrators all;
//! coordinators the centres of their units; agents see the centres they answer for, and of
//! those only their own queues.
//!
//! Every change takes the centre's `expectedVersion` (the `version` the caller read) and bumps
//! it, queue and agent changes included: a change based on an old read is refused with
//! CONFLICT instead of overwriting someone else's.

use crate::domain::directory::Reach;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, SubsecRound, Utc};
use entity::enums as db;
use uuid::Uuid;

use super::{
    ctx_db, ctx_loaders, ctx_principal,
    directory::{Line, Person, Unit},
    errors::{ApiError, ApiResult, UserError, UserErrorCode, payload},
    groups::{Destination, DestinationInput, DestinationKind},
    node::{NodeType, decode, encode},
};
use crate::{
    auth::{Role, RoleGuard},
    domain::{contact_centres::OpeningPeriod as Period, groups::Fallback, text::Quoted},
    services::contact_centres::{
        self as service, CentreChanges, NewCentre, NewQueue, QueueChanges,
    },
};

// ---------------------------------------------------------------------------------------------
// Types

/// A day of the week.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Self::Monday,
        Self::Tuesday,
        Self::Wednesday,
        Self::Thursday,
        Self::Friday,
        Self::Saturday,
        Self::Sunday,
    ];

    /// ISO number: 1 = Monday … 7 = Sunday (the convention of `cc_opening_hours.weekday`).
    fn iso(self) -> i16 {
        match self {
            Self::Monday => 1,
            Self::Tuesday => 2,
            Self::Wednesday => 3,
            Self::Thursday => 4,
            Self::Friday => 5,
            Self::Saturday => 6,
            Self::Sunday => 7,
        }
    }

    fn from_iso(n: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.iso() == n)
    }
}

/// A clock time as the API writes it: `HH:MM`, and `24:00` for a closing time of midnight.
fn show_clock(time: NaiveTime, closing: bool) -> String {
    if closing && time == NaiveTime::MIN {
        "24:00".to_owned()
    } else {
        time.format("%H:%M").to_string()
    }
}

/// Reads `HH:MM` (two digits each); a closing time may also be `24:00`, the same as `00:00`:
/// midnight at the end of the day.
fn parse_clock(input: &str, closing: bool) -> Option<NaiveTime> {
    let s = input.trim();
    if closing && s == "24:00" {
        return Some(NaiveTime::MIN);
    }
    let (h, m) = s.split_once(':')?;
    let two_digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// One opening period of a weekday, on the wall clock of the centre's time zone. A period
/// never crosses midnight: a night shift is two periods (`22:00`–`24:00`, then `00:00`–`06:00`
/// of the next day).
#[derive(SimpleObject, Clone, Debug)]
pub struct OpeningPeriod {
    /// The day.
    pub weekday: Weekday,
    /// Opening time, `HH:MM`, inclusive.
    pub opens: String,
    /// Closing time, `HH:MM`, exclusive; `24:00` is midnight at the end of the day.
    pub closes: String,
}

/// A day the centre is closed all day, whatever its opening hours say (e.g. a bank holiday).
#[derive(SimpleObject, Clone, Debug)]
pub struct CentreClosure {
    /// The local date in the centre's time zone.
    pub date: NaiveDate,
    /// Why, e.g. "Christmas Day".
    pub reason: String,
}

/// Whether a contact centre is open at an instant.
#[derive(SimpleObject, Clone, Debug)]
pub struct OpenState {
    /// True when calls join a queue; false when they go to the out-of-hours destination.
    pub open: bool,
    /// Why, in words: "open: Monday 08:30–18:00", "closed: Christmas Day", "closed: outside
    /// opening hours (Friday 08:30–18:00)", "closed: no opening hours on Sundays".
    pub reason: String,
    /// When `open` next flips; null when it does not within 400 days (a centre open around the
    /// clock, or one with no opening hours).
    pub next_change: Option<DateTime<Utc>>,
    /// The instant on the centre's wall clock, RFC 3339 with its UTC offset, e.g.
    /// `2026-03-30T08:30:00+01:00`.
    pub local_time: String,
}

/// A destination as stored (`kind`, `target` columns) for the API: IDs become global IDs.
fn destination(kind: db::FallbackKind, target: Option<&str>) -> Destination {
    let global = |ty| {
        target
            .and_then(|t| Uuid::parse_str(t).ok())
            .map(|id| encode(ty, id).0)
    };
    let target = match kind {
        db::FallbackKind::HuntGroup => global(NodeType::HuntGroup),
        db::FallbackKind::Person => global(NodeType::Person),
        db::FallbackKind::Number => target.map(str::to_owned),
        db::FallbackKind::None | db::FallbackKind::Voicemail => None,
    };
    Destination {
        kind: kind.into(),
        target,
    }
}

/// Reads a destination from input; `field` names it in user errors.
fn fallback_of(input: &DestinationInput, field: &str) -> Result<Fallback, UserError> {
    let path = ["input", field];
    let invalid = |m: &str| UserError::new(&path, UserErrorCode::Invalid, m);
    let target = input
        .target
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (input.kind, target) {
        (DestinationKind::None, None) => Ok(Fallback::None),
        (DestinationKind::Voicemail, None) => Ok(Fallback::Voicemail),
        (DestinationKind::None | DestinationKind::Voicemail, Some(_)) => {
            Err(invalid("NONE and VOICEMAIL take no target"))
        }
        (DestinationKind::Number, Some(t)) => Fallback::number(t).map_err(|e| {
            UserError::new(&path, UserErrorCode::Invalid, format!("{e} ({})", e.code()))
        }),
        (DestinationKind::HuntGroup, Some(t)) => decode(NodeType::HuntGroup, t)
            .map(Fallback::HuntGroup)
            .map_err(|_| invalid("the target is not a HuntGroup ID")),
        (DestinationKind::Person, Some(t)) => decode(NodeType::Person, t)
            .map(Fallback::Person)
            .map_err(|_| invalid("the target is not a Person ID")),
        (DestinationKind::Number | DestinationKind::HuntGroup | DestinationKind::Person, None) => {
            Err(invalid("this destination needs a target"))
        }
    }
}

/// A contact centre: a pilot number whose callers queue for agents while it is open, and go to
/// the out-of-hours destination while it is closed. Always on Chorus.
#[derive(Clone, Debug)]
pub struct ContactCentre(pub service::Centre);

impl ContactCentre {
    async fn load_pilot(&self, ctx: &Context<'_>) -> ApiResult<Option<Line>> {
        let Some(id) = self.0.centre.pilot_line_id else {
            return Ok(None);
        };
        Ok(ctx_loaders(ctx)?
            .lines
            .load_one(id)
            .await
            .map_err(ApiError::internal)?
            .map(Line))
    }
}

/// A contact centre: a pilot number whose callers queue for agents while it is open, and go to
/// the out-of-hours destination while it is closed. Always on Chorus.
#[Object]
impl ContactCentre {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::ContactCentre, self.0.centre.id)
    }

    /// Name, e.g. "IT Service Desk".
    async fn name(&self) -> &str {
        &self.0.centre.name
    }

    /// The unit that runs the centre; its coordinators configure it.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Unit> {
        ctx_loaders(ctx)?
            .units
            .load_one(self.0.centre.unit_id)
            .await
            .map_err(ApiError::internal)?
            .map(Unit)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unit of centre missing")).into())
    }

    /// The line callers dial; its mailbox takes VOICEMAIL destinations. Null if the line was
    /// deleted.
    async fn pilot_line(&self, ctx: &Context<'_>) -> ApiResult<Option<Line>> {
        self.load_pilot(ctx).await
    }

    /// The number callers dial, E.164; null if the pilot line was deleted.
    async fn pilot_number(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(self.load_pilot(ctx).await?.map(|l| l.0.e164))
    }

    /// IANA time zone of the opening hours and closure dates (Europe/London).
    async fn time_zone(&self) -> &str {
        &self.0.centre.time_zone
    }

    /// The weekly opening hours by weekday and opening time. Empty: always closed.
    async fn opening_hours(&self) -> Vec<OpeningPeriod> {
        self.0
            .opening_hours
            .iter()
            .filter_map(|h| {
                Some(OpeningPeriod {
                    weekday: Weekday::from_iso(h.weekday)?,
                    opens: show_clock(h.opens_at, false),
                    closes: show_clock(h.closes_at, true),
                })
            })
            .collect()
    }

    /// Closure days by date, optionally only those from `from` until `until` (both inclusive).
    async fn closures(
        &self,
        #[graphql(desc = "Only closures on or after this date.")] from: Option<NaiveDate>,
        #[graphql(desc = "Only closures on or before this date.")] until: Option<NaiveDate>,
    ) -> Vec<CentreClosure> {
        self.0
            .closures
            .iter()
            .filter(|c| from.is_none_or(|f| c.on_date >= f))
            .filter(|c| until.is_none_or(|u| c.on_date <= u))
            .map(|c| CentreClosure {
                date: c.on_date,
                reason: c.reason.clone(),
            })
            .collect()
    }

    /// Where calls go while the centre is closed. VOICEMAIL is the pilot line's mailbox.
    async fn out_of_hours(&self) -> Destination {
        destination(
            self.0.centre.out_of_hours_kind,
            self.0.centre.out_of_hours_target.as_deref(),
        )
    }

    /// The queues by position; an open centre sends calls to the first. Administrators and the
    /// unit's coordinators see all; an agent sees the queues they answer.
    async fn queues(&self, ctx: &Context<'_>) -> ApiResult<Vec<ContactCentreQueue>> {
        let principal = ctx_principal(ctx)?;
        Ok(service::visible_queues(principal, &self.0)
            .into_iter()
            .cloned()
            .map(ContactCentreQueue)
            .collect())
    }

    /// Optimistic-locking counter, bumped by every change to the centre, its hours, closures,
    /// queues or agents. Pass it as `expectedVersion` to change the centre.
    async fn version(&self) -> i32 {
        self.0.centre.version
    }

    /// Whether the centre is open at an instant (default now), on the wall clock of its time
    /// zone: a closure date is closed all day; otherwise open when a period of that weekday
    /// contains the local time. Right across the March and October clock changes (08:30 is
    /// 08:30 in GMT and in BST). BAD_USER_INPUT outside the years 1900–2999.
    async fn open_at(
        &self,
        #[graphql(desc = "The instant; default now.")] at: Option<DateTime<Utc>>,
    ) -> ApiResult<OpenState> {
        let at = at.unwrap_or_else(|| Utc::now().trunc_subsecs(0));
        if !service::YEARS.contains(&at.year()) {
            return Err(ApiError::BadUserInput(format!(
                "openAt takes an instant in the years {} to {}",
                service::YEARS.start(),
                service::YEARS.end()
            ))
            .into());
        }
        let state = self.0.schedule().state(at);
        Ok(OpenState {
            open: state.open,
            reason: state.reason,
            next_change: state.next_change,
            local_time: state.local_time.to_rfc3339(),
        })
    }
}

/// A queue of a contact centre: callers wait for one of its agents, up to its limits, then
/// overflow.
#[derive(Clone, Debug)]
pub struct ContactCentreQueue(pub service::Queue);

/// A queue of a contact centre: callers wait for one of its agents, up to its limits, then
/// overflow.
#[Object]
impl ContactCentreQueue {
    /// Opaque global ID.
    async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Queue, self.0.queue.id)
    }

    /// Name, unique within the centre.
    async fn name(&self) -> &str {
        &self.0.queue.name
    }

    /// Place among the centre's queues, from 1; the first takes the centre's calls.
    async fn position(&self) -> i32 {
        self.0.queue.position
    }

    /// Callers who may wait at once (1–200); the next caller overflows.
    async fn max_waiting(&self) -> i32 {
        self.0.queue.max_waiting
    }

    /// Longest wait in seconds (10–3600) before a caller overflows.
    async fn max_wait_seconds(&self) -> i32 {
        self.0.queue.max_wait_seconds
    }

    /// Where overflowing callers go. VOICEMAIL is the centre's pilot-line mailbox.
    async fn overflow(&self) -> Destination {
        destination(
            self.0.queue.overflow_kind,
            self.0.queue.overflow_target.as_deref(),
        )
    }

    /// The people answering the queue, in the order they were added (ex-directory agents
    /// included: a queue is a working arrangement, not a directory listing).
    async fn agents(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        let principal = ctx_principal(ctx)?;
        let ids = self.0.agent_ids();
        let found = ctx_loaders(ctx)?
            .people
            .load_many(ids.iter().copied())
            .await
            .map_err(ApiError::internal)?;
        Ok(ids
            .iter()
            .filter_map(|id| {
                let found = found.get(id).cloned()?;
                Person::reached(principal, found, Reach::Group)
            })
            .collect())
    }
}

// ---------------------------------------------------------------------------------------------
// Queries

/// Contact centres.
#[derive(Default)]
pub struct ContactCentreQuery;

/// Contact centres.
#[Object]
impl ContactCentreQuery {
    /// Contact centres the caller sees, by name: administrators all, coordinators their
    /// units', agents those they answer for. `unitId` narrows to one unit.
    async fn contact_centres(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit's centres.")] unit_id: Option<async_graphql::ID>,
    ) -> ApiResult<Vec<ContactCentre>> {
        let principal = ctx_principal(ctx)?;
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let centres = service::list(ctx_db(ctx)?, unit)
            .await
            .map_err(ApiError::from)?;
        Ok(centres
            .into_iter()
            .filter(|c| service::may_see(principal, c))
            .map(ContactCentre)
            .collect())
    }

    /// One contact centre; null when it does not exist or the caller does not see it.
    async fn contact_centre(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A ContactCentre ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<ContactCentre>> {
        load(ctx, decode(NodeType::ContactCentre, &id)?).await
    }
}

/// A contact centre the caller may see, for `contactCentre` and `node`.
pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> ApiResult<Option<ContactCentre>> {
    let principal = ctx_principal(ctx)?;
    let centre = service::find(ctx_db(ctx)?, id)
        .await
        .map_err(ApiError::from)?;
    Ok(centre
        .filter(|c| service::may_see(principal, c))
        .map(ContactCentre))
}

// ---------------------------------------------------------------------------------------------
// Inputs and payloads

/// Input of `createContactCentre`.
#[derive(InputObject)]
pub struct CreateContactCentreInput {
    /// The unit that runs the centre.
    pub unit_id: async_graphql::ID,
    /// Name (1–100 characters), unique within the unit.
    pub name: String,
    /// The number callers dial: a SHARED or CRITICAL line that is not already the pilot of a
    /// contact centre or hunt group.
    pub pilot_line_id: async_graphql::ID,
    /// IANA time zone of the opening hours; default Europe/London.
    pub time_zone: Option<String>,
    /// Where calls go while closed; default VOICEMAIL (the pilot line's mailbox).
    pub out_of_hours: Option<DestinationInput>,
}

/// Input of `updateContactCentre`: an omitted field stays as it is.
#[derive(InputObject)]
pub struct UpdateContactCentreInput {
    /// The centre.
    pub centre_id: async_graphql::ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// A new name (1–100 characters), unique within the unit.
    pub name: Option<String>,
    /// A new IANA time zone, e.g. Europe/London. The opening hours keep their wall-clock times.
    pub time_zone: Option<String>,
    /// A new out-of-hours destination.
    pub out_of_hours: Option<DestinationInput>,
}

/// One opening period to set.
#[derive(InputObject)]
pub struct OpeningPeriodInput {
    /// The day.
    pub weekday: Weekday,
    /// Opening time, `HH:MM`.
    pub opens: String,
    /// Closing time, `HH:MM`, after the opening time; `24:00` (or `00:00`) is midnight.
    pub closes: String,
}

/// Input of `setOpeningHours`.
#[derive(InputObject)]
pub struct SetOpeningHoursInput {
    /// The centre.
    pub centre_id: async_graphql::ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// The whole week (at most 70 periods), replacing the current hours; several periods per
    /// day are allowed if they do not overlap; days not listed are closed; an empty list
    /// closes the centre.
    pub hours: Vec<OpeningPeriodInput>,
}

/// One closure day to add.
#[derive(InputObject)]
pub struct ClosureInput {
    /// The local date in the centre's time zone.
    pub date: NaiveDate,
    /// Why (1–100 characters), e.g. "Christmas Day".
    pub reason: String,
}

/// Input of `addClosures`.
#[derive(InputObject)]
pub struct AddClosuresInput {
    /// The centre.
    pub centre_id: async_graphql::ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Days to add (1–400), each once and not already a closure.
    pub closures: Vec<ClosureInput>,
}

/// Input of `removeClosures`.
#[derive(InputObject)]
pub struct RemoveClosuresInput {
    /// The centre.
    pub centre_id: async_graphql::ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Closure dates to remove (1–400), each once.
    pub dates: Vec<NaiveDate>,
}

/// Input of `createQueue`.
#[derive(InputObject)]
pub struct CreateQueueInput {
    /// The centre.
    pub centre_id: async_graphql::ID,
    /// The centre's `version` the change is based on.
    pub expected_version: i32,
    /// Name (1–100 characters), unique within the centre.
    pub name: String,
    /// Callers who may wait at once (1–200); default 10.
    pub max_waiting: Option<i32>,
    /// Longest wait in seconds (10–3600); default 300.
    pub max_wait_seconds: Option<i32>,
    /// Where overflowing callers go; default VOICEMAIL (the pilot line's mailbox).
    pub overflow: Option<DestinationInput>,
    /// Place among the queues, from 1 (the later ones move down); default last.
    pub position: Option<i32>,
    /// First agents: people on Chorus, each once.
    pub agent_ids: Option<Vec<async_graphql::ID>>,
}

/// Input of `updateQueue`: an omitted field stays as it is.
#[derive(InputObject)]
pub struct UpdateQueueInput {
    /// The queue.
    pub queue_id: async_graphql::ID,
    /// The centre's `version` the change is based on.
    pub expected_version: i32,
    /// A new name (1–100 characters), unique within the centre.
    pub name: Option<String>,
    /// Callers who may wait at once (1–200).
    pub max_waiting: Option<i32>,
    /// Longest wait in seconds (10–3600).
    pub max_wait_seconds: Option<i32>,
    /// Where overflowing callers go.
    pub overflow: Option<DestinationInput>,
    /// A new place among the queues, from 1 (the queues in between shift by one).
    pub position: Option<i32>,
}

/// Input of `removeQueue`.
#[derive(InputObject)]
pub struct RemoveQueueInput {
    /// The queue.
    pub queue_id: async_graphql::ID,
    /// The centre's `version` the change is based on.
    pub expected_version: i32,
}

/// Input of `addQueueAgents`.
#[derive(InputObject)]
pub struct AddQueueAgentsInput {
    /// The queue.
    pub queue_id: async_graphql::ID,
    /// The centre's `version` the change is based on.
    pub expected_version: i32,
    /// People to add (1–100): each on Chorus, listed once, not already an agent of the queue.
    pub person_ids: Vec<async_graphql::ID>,
}

/// Input of `removeQueueAgents`.
#[derive(InputObject)]
pub struct RemoveQueueAgentsInput {
    /// The queue.
    pub queue_id: async_graphql::ID,
    /// The centre's `version` the change is based on.
    pub expected_version: i32,
    /// Agents to remove (1–100), each listed once; at least one agent must remain.
    pub person_ids: Vec<async_graphql::ID>,
}

payload!(CreateContactCentrePayload, contact_centre: ContactCentre, "Result of `createContactCentre`.");
payload!(UpdateContactCentrePayload, contact_centre: ContactCentre, "Result of `updateContactCentre`.");
payload!(SetOpeningHoursPayload, contact_centre: ContactCentre, "Result of `setOpeningHours`.");
payload!(AddClosuresPayload, contact_centre: ContactCentre, "Result of `addClosures`.");
payload!(RemoveClosuresPayload, contact_centre: ContactCentre, "Result of `removeClosures`.");
payload!(RemoveQueuePayload, contact_centre: ContactCentre, "Result of `removeQueue`.");

/// Declares the payload of a queue mutation: the queue, its centre (with the new `version`)
/// and `userErrors`.
macro_rules! queue_payload {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            /// The queue as it is after the mutation; null when user errors refused it.
            pub queue: Option<ContactCentreQueue>,
            /// The whole centre after the mutation, with its new `version`; null when refused.
            pub contact_centre: Option<ContactCentre>,
            /// Why the mutation was refused; empty on success.
            pub user_errors: Vec<UserError>,
        }

        impl From<Result<(service::Centre, Uuid), UserError>> for $name {
            fn from(result: Result<(service::Centre, Uuid), UserError>) -> Self {
                match result {
                    Ok((centre, queue)) => Self {
                        queue: centre.queue(queue).cloned().map(ContactCentreQueue),
                        contact_centre: Some(ContactCentre(centre)),
                        user_errors: vec![],
                    },
                    Err(e) => Self {
                        queue: None,
                        contact_centre: None,
                        user_errors: vec![e],
                    },
                }
            }
        }
    };
}

queue_payload!(CreateQueuePayload, "Result of `createQueue`.");
queue_payload!(UpdateQueuePayload, "Result of `updateQueue`.");
queue_payload!(AddQueueAgentsPayload, "Result of `addQueueAgents`.");
queue_payload!(RemoveQueueAgentsPayload, "Result of `removeQueueAgents`.");

/// Decodes an ID of the given type, or a NOT_FOUND user error at `path`.
fn id_of(ty: NodeType, id: &async_graphql::ID, path: &[&str]) -> Result<Uuid, UserError> {
    decode(ty, id).map_err(|_| {
        UserError::new(
            path,
            UserErrorCode::NotFound,
            match ty {
                NodeType::Queue => "no such queue".to_owned(),
                NodeType::ContactCentre => "no such contact centre".to_owned(),
                other => format!("no such {}", other.name().to_lowercase()),
            },
        )
    })
}

/// Person IDs of a list input; one that is not a Person ID is UNKNOWN_PERSON at its index.
fn person_ids(ids: &[async_graphql::ID], field: &str) -> Result<Vec<Uuid>, UserError> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            decode(NodeType::Person, id).map_err(|_| {
                UserError::new(
                    &["input", field, &i.to_string()],
                    UserErrorCode::NotFound,
                    "no such person (UNKNOWN_PERSON)",
                )
            })
        })
        .collect()
}

/// A refusal at the GraphQL edge, as the payload.
macro_rules! refuse_with {
    ($e:expr, $payload:ty) => {
        match $e {
            Ok(v) => v,
            Err(user_error) => return Ok(<$payload>::from(Err(user_error))),
        }
    };
}

/// Reads the periods of `setOpeningHours`; a time that is not `HH:MM` is INVALID at its path.
fn periods_of(hours: &[OpeningPeriodInput]) -> Result<Vec<Period>, UserError> {
    hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let at = i.to_string();
            let clock = |value: &str, closing: bool, field: &str| {
                parse_clock(value, closing).ok_or_else(|| {
                    UserError::new(
                        &["input", "hours", &at, field],
                        UserErrorCode::Invalid,
                        format!(
                            "{} is not a time HH:MM{} (INVALID_TIME)",
                            Quoted::new(value),
                            if closing { " (or 24:00)" } else { "" }
                        ),
                    )
                })
            };
            Ok(Period {
                weekday: h.weekday.iso(),
                opens: clock(&h.opens, false, "opens")?,
                closes: clock(&h.closes, true, "closes")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// Changes to contact centres.
#[derive(Default)]
pub struct ContactCentreMutation;

/// Changes to contact centres.
#[Object]
impl ContactCentreMutation {
    /// Creates a contact centre (ADMIN), closed until it is given opening hours and without
    /// queues. User errors: NOT_FOUND (unit, line), INVALID (name, time zone, destination),
    /// DUPLICATE (name in the unit; a line that already pilots a centre or hunt group),
    /// RULE_VIOLATION (a personal line as pilot; a destination that loops to the centre).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn create_contact_centre(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The centre: unit, name, pilot line, time zone, out-of-hours route.")]
        input: CreateContactCentreInput,
    ) -> ApiResult<CreateContactCentrePayload> {
        type P = CreateContactCentrePayload;
        let unit_id = refuse_with!(
            id_of(NodeType::Unit, &input.unit_id, &["input", "unitId"]),
            P
        );
        let pilot_line_id = refuse_with!(
            id_of(
                NodeType::Line,
                &input.pilot_line_id,
                &["input", "pilotLineId"]
            ),
            P
        );
        let out_of_hours = match &input.out_of_hours {
            Some(d) => refuse_with!(fallback_of(d, "outOfHours"), P),
            None => Fallback::Voicemail,
        };
        let new = NewCentre {
            unit_id,
            name: input.name,
            pilot_line_id,
            time_zone: input
                .time_zone
                .unwrap_or_else(|| "Europe/London".to_owned()),
            out_of_hours,
        };
        let outcome = service::create(ctx_db(ctx)?, ctx_principal(ctx)?, new).await?;
        Ok(outcome.map(ContactCentre).into())
    }

    /// Renames a centre, changes its time zone or its out-of-hours destination (ADMIN, or
    /// COORDINATOR of the centre's unit). User errors: NOT_FOUND, NOT_ALLOWED, CONFLICT (stale
    /// `expectedVersion`), INVALID (name, unknown time zone, destination number), DUPLICATE
    /// (name), RULE_VIOLATION (destination loops to the centre).
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn update_contact_centre(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The centre and what to change.")] input: UpdateContactCentreInput,
    ) -> ApiResult<UpdateContactCentrePayload> {
        type P = UpdateContactCentrePayload;
        let id = refuse_with!(
            id_of(
                NodeType::ContactCentre,
                &input.centre_id,
                &["input", "centreId"]
            ),
            P
        );
        let out_of_hours = match &input.out_of_hours {
            Some(d) => Some(refuse_with!(fallback_of(d, "outOfHours"), P)),
            None => None,
        };
        let changes = CentreChanges {
            name: input.name,
            time_zone: input.time_zone,
            out_of_hours,
        };
        let outcome = service::update(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.expected_version,
            changes,
        )
        .await?;
        Ok(outcome.map(ContactCentre).into())
    }

    /// Replaces the whole week of opening hours (ADMIN, or COORDINATOR of the centre's unit).
    /// User errors (INVALID, with the rule's code in the message): INVALID_TIME (not `HH:MM`),
    /// INVERTED_HOURS (closes at or before it opens), OVERLAPPING_HOURS (two periods of a day
    /// overlap; touching is fine); also NOT_FOUND, NOT_ALLOWED, CONFLICT.
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn set_opening_hours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The centre and its whole week of opening hours.")]
        input: SetOpeningHoursInput,
    ) -> ApiResult<SetOpeningHoursPayload> {
        type P = SetOpeningHoursPayload;
        let id = refuse_with!(
            id_of(
                NodeType::ContactCentre,
                &input.centre_id,
                &["input", "centreId"]
            ),
            P
        );
        let periods = refuse_with!(periods_of(&input.hours), P);
        let outcome = service::set_opening_hours(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.expected_version,
            periods,
        )
        .await?;
        Ok(outcome.map(ContactCentre).into())
    }

    /// Adds closure days (ADMIN, or COORDINATOR of the centre's unit). User errors: DUPLICATE
    /// (a date listed twice or already a closure: DUPLICATE_CLOSURE), INVALID (reason, an empty
    /// list), NOT_FOUND, NOT_ALLOWED, CONFLICT.
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn add_closures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The centre and the closure days to add.")] input: AddClosuresInput,
    ) -> ApiResult<AddClosuresPayload> {
        let id = refuse_with!(
            id_of(
                NodeType::ContactCentre,
                &input.centre_id,
                &["input", "centreId"]
            ),
            AddClosuresPayload
        );
        let closures = input
            .closures
            .into_iter()
            .map(|c| (c.date, c.reason))
            .collect();
        let outcome = service::add_closures(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.expected_version,
            closures,
        )
        .await?;
        Ok(outcome.map(ContactCentre).into())
    }

    /// Removes closure days (ADMIN, or COORDINATOR of the centre's unit). User errors:
    /// NOT_FOUND (a date that is not a closure: NOT_A_CLOSURE), DUPLICATE (a date listed
    /// twice), INVALID (an empty list), NOT_ALLOWED, CONFLICT.
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn remove_closures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The centre and the closure days to remove.")] input: RemoveClosuresInput,
    ) -> ApiResult<RemoveClosuresPayload> {
        let id = refuse_with!(
            id_of(
                NodeType::ContactCentre,
                &input.centre_id,
                &["input", "centreId"]
            ),
            RemoveClosuresPayload
        );
        let outcome = service::remove_closures(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.expected_version,
            input.dates,
        )
        .await?;
        Ok(outcome.map(ContactCentre).into())
    }

    /// Adds a queue (ADMIN, or COORDINATOR of the centre's unit). User errors: INVALID (name;
    /// limits out of range: MAX_WAITING_OUT_OF_RANGE, MAX_WAIT_OUT_OF_RANGE; position;
    /// destination number: INVALID_NUMBER), DUPLICATE (name; an agent listed twice),
    /// NOT_FOUND (an unknown agent or destination), RULE_VIOLATION (an agent on Teams:
    /// AGENT_ON_TEAMS), NOT_ALLOWED, CONFLICT.
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn create_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The centre and the new queue's name, limits, overflow and agents.")]
        input: CreateQueueInput,
    ) -> ApiResult<CreateQueuePayload> {
        type P = CreateQueuePayload;
        let id = refuse_with!(
            id_of(
                NodeType::ContactCentre,
                &input.centre_id,
                &["input", "centreId"]
            ),
            P
        );
        let overflow = match &input.overflow {
            Some(d) => refuse_with!(fallback_of(d, "overflow"), P),
            None => Fallback::Voicemail,
        };
        let agents = match &input.agent_ids {
            Some(ids) => refuse_with!(person_ids(ids, "agentIds"), P),
            None => Vec::new(),
        };
        let new = NewQueue {
            name: input.name,
            max_waiting: input.max_waiting.unwrap_or(service::DEFAULT_MAX_WAITING),
            max_wait_seconds: input
                .max_wait_seconds
                .unwrap_or(service::DEFAULT_MAX_WAIT_SECONDS),
            overflow,
            position: input.position,
            agents,
        };
        let outcome = service::create_queue(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.expected_version,
            new,
        )
        .await?;
        Ok(outcome.into())
    }

    /// Changes a queue's name, limits, overflow destination or position (ADMIN, or
    /// COORDINATOR of the centre's unit). User errors as `createQueue`.
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn update_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The queue and what to change.")] input: UpdateQueueInput,
    ) -> ApiResult<UpdateQueuePayload> {
        type P = UpdateQueuePayload;
        let id = refuse_with!(
            id_of(NodeType::Queue, &input.queue_id, &["input", "queueId"]),
            P
        );
        let overflow = match &input.overflow {
            Some(d) => Some(refuse_with!(fallback_of(d, "overflow"), P)),
            None => None,
        };
        let changes = QueueChanges {
            name: input.name,
            max_waiting: input.max_waiting,
            max_wait_seconds: input.max_wait_seconds,
            overflow,
            position: input.position,
        };
        let outcome = service::update_queue(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.expected_version,
            changes,
        )
        .await?;
        Ok(outcome.into())
    }

    /// Removes a queue and its agents (ADMIN, or COORDINATOR of the centre's unit); the queues
    /// after it move up. User errors: NOT_FOUND, NOT_ALLOWED, CONFLICT.
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn remove_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The queue to remove.")] input: RemoveQueueInput,
    ) -> ApiResult<RemoveQueuePayload> {
        let id = refuse_with!(
            id_of(NodeType::Queue, &input.queue_id, &["input", "queueId"]),
            RemoveQueuePayload
        );
        let outcome = service::remove_queue(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.expected_version,
        )
        .await?;
        Ok(outcome.map(ContactCentre).into())
    }

    /// Adds agents to a queue (ADMIN, or COORDINATOR of the centre's unit). Contact centres
    /// stay on Chorus, so agents must be on Chorus. User errors: NOT_FOUND (an unknown person:
    /// UNKNOWN_PERSON), DUPLICATE (listed twice or already an agent: DUPLICATE_MEMBER),
    /// RULE_VIOLATION (on Teams: AGENT_ON_TEAMS), INVALID (an empty list), NOT_ALLOWED,
    /// CONFLICT.
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn add_queue_agents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The queue and the people to add as agents.")] input: AddQueueAgentsInput,
    ) -> ApiResult<AddQueueAgentsPayload> {
        type P = AddQueueAgentsPayload;
        let id = refuse_with!(
            id_of(NodeType::Queue, &input.queue_id, &["input", "queueId"]),
            P
        );
        let people = refuse_with!(person_ids(&input.person_ids, "personIds"), P);
        let outcome = service::add_agents(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.expected_version,
            people,
        )
        .await?;
        Ok(outcome.into())
    }

    /// Removes agents from a queue (ADMIN, or COORDINATOR of the centre's unit). User errors:
    /// NOT_FOUND (not an agent: NOT_A_MEMBER), DUPLICATE (listed twice), RULE_VIOLATION (the
    /// queue would be left without agents: LAST_MEMBER; remove the queue instead), INVALID (an
    /// empty list), NOT_ALLOWED, CONFLICT.
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn remove_queue_agents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The queue and the agents to remove.")] input: RemoveQueueAgentsInput,
    ) -> ApiResult<RemoveQueueAgentsPayload> {
        type P = RemoveQueueAgentsPayload;
        let id = refuse_with!(
            id_of(NodeType::Queue, &input.queue_id, &["input", "queueId"]),
            P
        );
        let people = refuse_with!(person_ids(&input.person_ids, "personIds"), P);
        let outcome = service::remove_agents(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.expected_version,
            people,
        )
        .await?;
        Ok(outcome.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_are_hh_mm_and_midnight_closes_as_24_00() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("test value");
        let cases = [
            ("08:30", false, Some(t(8, 30))),
            (" 18:00 ", true, Some(t(18, 0))),
            ("00:00", true, Some(t(0, 0))),
            ("24:00", true, Some(t(0, 0))),
            ("24:00", false, None),
            ("8:30", false, None),
            ("08:3", false, None),
            ("08.30", false, None),
            ("25:00", false, None),
            ("12:60", false, None),
            ("08:30:00", false, None),
            ("+8:30", false, None),
            ("", true, None),
        ];
        for (input, closing, expected) in cases {
            assert_eq!(parse_clock(input, closing), expected, "{input:?}");
        }
        assert_eq!(show_clock(t(0, 0), true), "24:00");
        assert_eq!(show_clock(t(0, 0), false), "00:00");
        assert_eq!(show_clock(t(8, 30), true), "08:30");
        for d in Weekday::ALL {
            assert_eq!(Weekday::from_iso(d.iso()), Some(d));
        }
        assert_eq!(Weekday::from_iso(0), None);
    }
}

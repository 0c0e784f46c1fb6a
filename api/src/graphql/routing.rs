//! `routeCall`: where a call would go, step by step, explained (`domain::routing`), from the
//! configuration as it is now. Nothing rings: it reads the database only.
//!
//! Who may ask: administrators about any number, coordinators about the numbers of their
//! units and numbers outside the University (it is their configuration tool), anyone else about
//! their own numbers ("how will my phone ring?").

use crate::domain::directory::Reach;
use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    ctx_db, ctx_loaders, ctx_principal,
    directory::{Device, Line, Person},
    enums::mirror_enum,
    errors::{ApiError, ApiResult},
    groups::HuntStrategy,
    node::{NodeType, encode},
};
use crate::{
    auth::Role,
    domain::{
        phone::Dialled,
        routing::{Destination, Explanation, Outcome, OutcomeKind, Ref, Step, StepKind},
    },
    services::routing as service,
};

/// True when a coordinator may have `destination` explained: a number of one of their units
/// (the unit of the person it belongs to, or of the shared line, hunt group or contact centre
/// it pilots), or a number outside the University. The explanation names the people and
/// devices behind a number, which only their own unit's coordinators may see (an ex-directory
/// person's especially).
async fn coordinates_destination(
    ctx: &Context<'_>,
    principal: &crate::auth::Principal,
    destination: Option<&Destination>,
) -> ApiResult<bool> {
    let loaders = ctx_loaders(ctx)?;
    let line_id = match destination {
        None => return Ok(true),
        Some(Destination::Person(p)) => {
            let person = loaders
                .people
                .load_one(p.person.id)
                .await
                .map_err(ApiError::internal)?;
            return Ok(person.is_some_and(|p| principal.coordinates(p.unit_id)));
        }
        Some(Destination::Line(l)) => l.line.id,
        Some(Destination::HuntGroup(h)) => h.pilot.id,
        Some(Destination::ContactCentre(c)) => c.pilot.id,
    };
    let line = loaders
        .lines
        .load_one(line_id)
        .await
        .map_err(ApiError::internal)?;
    Ok(line.is_some_and(|l| principal.coordinates(l.unit_id)))
}

mirror_enum! {
    /// What a step of a route is.
    RouteStepKind <=> StepKind {
        /// The number belongs to a person, a shared line, a hunt group or a contact centre.
        Resolved,
        /// No line has the number.
        NotInService,
        /// The person manages an executive-assistant group, with divert off.
        EaDivertOff,
        /// On Teams: delegation, the whitelist is inactive.
        EaDelegation,
        /// The caller is on the manager's whitelist: the manager rings.
        EaWhitelisted,
        /// The call diverts to the assistants.
        EaDivert,
        /// No assistant can ring: the manager rings after all.
        EaNoAssistant,
        /// This device rings.
        Device,
        /// Nothing of this person's (or line's) can ring.
        NoDevice,
        /// How a hunt group rings.
        Hunt,
        /// A hunt-group member rings.
        HuntMember,
        /// A hunt-group member is not rung.
        HuntSkipped,
        /// Nobody in a hunt group can ring.
        HuntEmpty,
        /// The centre's time zone is unknown; Europe/London is assumed.
        TimeZoneUnknown,
        /// The contact centre is open.
        CentreOpen,
        /// The contact centre is closed (out of hours or a closure day).
        CentreClosed,
        /// An open centre has no queue.
        NoQueue,
        /// The call waits in a queue.
        Queue,
        /// No agent of the queue can answer.
        QueueNoAgents,
        /// The call moves on to another person, group or university number.
        Fallback,
        /// The call goes to voicemail.
        Voicemail,
        /// The call leaves for a number outside the university.
        Forwarded,
        /// The call is released (nowhere set).
        Released,
        /// A fallback names something that no longer exists.
        UnknownTarget,
        /// The call came back where it was, or was passed on too often.
        Loop,
    }
}

/// What a step refers to.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteRefKind {
    /// A person (`Person` ID).
    Person,
    /// A device (`Device` ID).
    Device,
    /// A line (`Line` ID).
    Line,
    /// A hunt group (`HuntGroup` ID).
    HuntGroup,
    /// An executive-assistant group (`EaGroup` ID).
    EaGroup,
    /// A contact centre (`ContactCentre` ID).
    ContactCentre,
    /// A contact-centre queue (`ContactCentreQueue` ID).
    Queue,
}

/// Something a step refers to, by global ID.
#[derive(SimpleObject, Clone, Debug)]
pub struct RouteRef {
    /// What it is.
    pub kind: RouteRefKind,
    /// Its global ID.
    pub id: async_graphql::ID,
}

impl From<Ref> for RouteRef {
    fn from(r: Ref) -> Self {
        let (kind, ty, id) = match r {
            Ref::Person(id) => (RouteRefKind::Person, NodeType::Person, id),
            Ref::Device(id) => (RouteRefKind::Device, NodeType::Device, id),
            Ref::Line(id) => (RouteRefKind::Line, NodeType::Line, id),
            Ref::HuntGroup(id) => (RouteRefKind::HuntGroup, NodeType::HuntGroup, id),
            Ref::EaGroup(id) => (RouteRefKind::EaGroup, NodeType::EaGroup, id),
            Ref::ContactCentre(id) => (RouteRefKind::ContactCentre, NodeType::ContactCentre, id),
            Ref::Queue(id) => (RouteRefKind::Queue, NodeType::Queue, id),
        };
        Self {
            kind,
            id: encode(ty, id),
        }
    }
}

/// One step of a route.
#[derive(SimpleObject, Clone, Debug)]
pub struct RouteStep {
    /// What happens.
    pub kind: RouteStepKind,
    /// The step in words, e.g. "Alice Liddell's desk phone rings for 15 s".
    pub text: String,
    /// The number involved (E.164), if any.
    pub number: Option<String>,
    /// Seconds this step rings, if it rings.
    pub ring_seconds: Option<i32>,
    /// The objects the step is about.
    pub refs: Vec<RouteRef>,
}

impl From<Step> for RouteStep {
    fn from(s: Step) -> Self {
        Self {
            kind: s.kind.into(),
            text: s.text,
            number: s.number.map(|n| n.to_string()),
            ring_seconds: s.ring_seconds,
            refs: s.refs.into_iter().map(Into::into).collect(),
        }
    }
}

mirror_enum! {
    /// Where a call ends up (first, or after nobody answered).
    RouteOutcomeKind <=> OutcomeKind {
        /// A person's (or shared line's) devices ring.
        Rings,
        /// A hunt group rings its members.
        Hunt,
        /// The call waits in a contact-centre queue.
        Queue,
        /// The call goes to a voicemail box.
        Voicemail,
        /// The call leaves for a number outside the university.
        Forwarded,
        /// The call is released.
        Released,
        /// No line has the number.
        NotInService,
    }
}

/// A device that rings, and for how long.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct RouteLeg {
    /// Seconds it rings, when known (hunt groups).
    pub ring_seconds: Option<i32>,
    #[graphql(skip)]
    pub person_id: Uuid,
    #[graphql(skip)]
    pub device_id: Uuid,
}

#[ComplexObject]
impl RouteLeg {
    /// Whose device. `routeCall` answers only the number's owner and those who configure it,
    /// so whoever rings is reached through a group (hunt, EA, queue) the caller is in or runs:
    /// shown as a group shows its members, ex-directory or not.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let principal = ctx_principal(ctx)?;
        Ok(ctx_loaders(ctx)?
            .people
            .load_one(self.person_id)
            .await
            .map_err(ApiError::internal)?
            .and_then(|m| Person::reached(principal, m, Reach::Group)))
    }

    /// The device.
    async fn device(&self, ctx: &Context<'_>) -> ApiResult<Option<Device>> {
        Ok(ctx_loaders(ctx)?
            .devices
            .load_one(self.device_id)
            .await
            .map_err(ApiError::internal)?
            .map(Device))
    }
}

/// An outcome of a route.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct RouteOutcome {
    /// What kind of outcome.
    pub kind: RouteOutcomeKind,
    /// The devices that ring (RINGS, HUNT, QUEUE).
    pub legs: Vec<RouteLeg>,
    /// RINGS: rings before voicemail answers; HUNT: seconds the group rings in all.
    pub rings: Option<i32>,
    /// HUNT: the strategy.
    pub strategy: Option<HuntStrategy>,
    /// HUNT: the group's ID.
    pub hunt_group_id: Option<async_graphql::ID>,
    /// QUEUE: the centre's ID.
    pub contact_centre_id: Option<async_graphql::ID>,
    /// QUEUE: the queue's ID.
    pub queue_id: Option<async_graphql::ID>,
    /// QUEUE: callers waiting at most.
    pub max_waiting: Option<i32>,
    /// QUEUE: longest wait in seconds.
    pub max_wait_seconds: Option<i32>,
    /// FORWARDED: the number outside; VOICEMAIL: the mailbox's number.
    pub number: Option<String>,
    #[graphql(skip)]
    pub mailbox_line: Option<Uuid>,
}

#[ComplexObject]
impl RouteOutcome {
    /// VOICEMAIL: the line whose mailbox answers.
    async fn mailbox(&self, ctx: &Context<'_>) -> ApiResult<Option<Line>> {
        let Some(id) = self.mailbox_line else {
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

impl From<Outcome> for RouteOutcome {
    fn from(o: Outcome) -> Self {
        let mut out = RouteOutcome {
            kind: o.kind().into(),
            legs: vec![],
            rings: None,
            strategy: None,
            hunt_group_id: None,
            contact_centre_id: None,
            queue_id: None,
            max_waiting: None,
            max_wait_seconds: None,
            number: None,
            mailbox_line: None,
        };
        let leg = |person, device, ring_seconds| RouteLeg {
            ring_seconds,
            person_id: person,
            device_id: device,
        };
        match o {
            Outcome::Rings { legs, rings } => {
                out.legs = legs.iter().map(|l| leg(l.person, l.device, None)).collect();
                out.rings = Some(rings);
            }
            Outcome::Hunt {
                group,
                strategy,
                legs,
                ring_seconds,
            } => {
                out.legs = legs
                    .iter()
                    .map(|l| leg(l.person, l.device, Some(l.ring_seconds)))
                    .collect();
                out.rings = Some(ring_seconds);
                out.strategy = Some(strategy.into());
                out.hunt_group_id = Some(encode(NodeType::HuntGroup, group));
            }
            Outcome::Queue {
                centre,
                queue,
                agents,
                max_waiting,
                max_wait_seconds,
            } => {
                out.legs = agents
                    .iter()
                    .map(|l| leg(l.person, l.device, None))
                    .collect();
                out.contact_centre_id = Some(encode(NodeType::ContactCentre, centre));
                out.queue_id = Some(encode(NodeType::Queue, queue));
                out.max_waiting = Some(max_waiting);
                out.max_wait_seconds = Some(max_wait_seconds);
            }
            Outcome::Voicemail { mailbox } => {
                out.number = Some(mailbox.number.to_string());
                out.mailbox_line = Some(mailbox.id);
            }
            Outcome::Forwarded { number } => {
                out.number = Some(number.to_string());
            }
            Outcome::Released | Outcome::NotInService => {}
        }
        out
    }
}

/// How a call would go.
#[derive(SimpleObject, Clone, Debug)]
pub struct RouteExplanation {
    /// The number dialled, normalised (extension or E.164).
    pub to: String,
    /// The caller's number, normalised.
    pub from: String,
    /// The instant the route was worked out for.
    pub at: DateTime<Utc>,
    /// What happens, in order.
    pub steps: Vec<RouteStep>,
    /// Where the call is first offered.
    pub outcome: RouteOutcome,
    /// Where it goes next while nobody answers, in order; the last entry ends the path.
    pub if_unanswered: Vec<RouteOutcome>,
}

/// The error quotes an excerpt of the input once ([`NumberError`] does).
///
/// [`NumberError`]: crate::domain::phone::NumberError
fn dialled(text: &str, field: &str) -> Result<Dialled, ApiError> {
    Dialled::parse(text).map_err(|e| ApiError::BadUserInput(format!("{field}: {e}")))
}

fn spelled(d: &Dialled) -> String {
    match d {
        Dialled::Extension(e) => e.as_str().to_owned(),
        Dialled::Number(n) => n.to_string(),
    }
}

/// The `routeCall` query.
#[derive(Default)]
pub struct RoutingQuery;

/// How calls ring.
#[Object]
impl RoutingQuery {
    /// Explains, step by step, where a call from `from` to `to` would go at `at` (default
    /// now): the number resolved to a person, hunt group or contact centre; executive-assistant
    /// divert and whitelists; hunt order or simultaneous ringing with ring times; whether a
    /// contact centre is open at that instant in its time zone; each person's effective
    /// preferred device; voicemail and other fallbacks. Administrators may ask about any
    /// number, coordinators about their units' numbers (FORBIDDEN otherwise), anyone else
    /// about their own.
    async fn route_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number dialled: an extension or a number in any spelling.")]
        to: String,
        #[graphql(desc = "The caller's number: an extension or a number in any spelling.")]
        from: String,
        #[graphql(desc = "When the call is made; default now.")] at: Option<DateTime<Utc>>,
    ) -> ApiResult<RouteExplanation> {
        let principal = ctx_principal(ctx)?;
        let to = dialled(&to, "to")?;
        let from = dialled(&from, "from")?;
        let at = at.unwrap_or_else(Utc::now);
        let (input, explanation) = service::route(ctx_db(ctx)?, to, from, at)
            .await
            .map_err(ApiError::from)?;
        let configures = principal.is_admin()
            || (principal.has_role(Role::Coordinator)
                && coordinates_destination(ctx, principal, input.destination.as_ref()).await?);
        let own = matches!(&input.destination, Some(Destination::Person(p)) if principal.is_person(p.person.id));
        if !configures && !own {
            return Err(ApiError::Forbidden(
                "routeCall explains other people's numbers to coordinators and administrators only"
                    .into(),
            )
            .into());
        }
        let Explanation {
            steps,
            outcome,
            if_unanswered,
        } = explanation;
        Ok(RouteExplanation {
            to: spelled(&input.to),
            from: spelled(&input.from),
            at,
            steps: steps.into_iter().map(Into::into).collect(),
            outcome: outcome.into(),
            if_unanswered: if_unanswered.into_iter().map(Into::into).collect(),
        })
    }
}

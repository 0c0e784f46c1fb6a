//! The contact-centre mutations: thin adapters that read the input at the edge (IDs, clock
//! times, destinations) and call `services::contact_centres`.

use async_graphql::{Context, Object};
use uuid::Uuid;

use super::inputs::{
    AddClosuresInput, AddClosuresPayload, AddQueueAgentsInput, AddQueueAgentsPayload,
    CreateContactCentreInput, CreateContactCentrePayload, CreateQueueInput, CreateQueuePayload,
    OpeningPeriodInput, RemoveClosuresInput, RemoveClosuresPayload, RemoveQueueAgentsInput,
    RemoveQueueAgentsPayload, RemoveQueueInput, RemoveQueuePayload, SetOpeningHoursInput,
    SetOpeningHoursPayload, UpdateContactCentreInput, UpdateContactCentrePayload, UpdateQueueInput,
    UpdateQueuePayload,
};
use super::types::{ContactCentre, parse_clock};
use crate::{
    auth::{Role, RoleGuard},
    domain::{contact_centres::OpeningPeriod as Period, groups::Fallback, text::Quoted},
    graphql::{
        ctx_db, ctx_principal,
        errors::{ApiResult, UserError, UserErrorCode},
        groups::{DestinationInput, DestinationKind},
        node::{NodeType, decode},
    },
    services::contact_centres::{
        self as service, CentreChanges, NewCentre, NewQueue, QueueChanges,
    },
};

/// A refusal at the GraphQL edge, as the payload.
macro_rules! refuse_with {
    ($e:expr, $payload:ty) => {
        match $e {
            Ok(v) => v,
            Err(user_error) => return Ok(<$payload>::from(Err(user_error))),
        }
    };
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

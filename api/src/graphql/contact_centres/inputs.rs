//! The inputs and payloads of the contact-centre mutations.

use async_graphql::{InputObject, SimpleObject};
use chrono::NaiveDate;
use uuid::Uuid;

use super::types::{ContactCentre, ContactCentreQueue, Weekday};
use crate::{
    graphql::{
        errors::{UserError, payload},
        groups::DestinationInput,
    },
    services::contact_centres as service,
};

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

//! What `explain` reads: the dialled number's destination (a person, a shared line, a hunt
//! group or a contact centre) with everything that may ring, and the fallback targets loaded
//! so far.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{HuntStrategy, Platform};
use uuid::Uuid;

use crate::domain::devices::DeviceFacts;
use crate::domain::phone::{Dialled, E164, Extension};
use crate::domain::{contact_centres::OpeningPeriod, groups::Fallback};

/// A line (telephone number) as the explanation names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRef {
    /// The line's id.
    pub id: Uuid,
    /// Its number.
    pub number: E164,
    /// Its internal extension.
    pub extension: Extension,
}

/// A person with the devices that might ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSnapshot {
    /// The person's id.
    pub id: Uuid,
    /// Display name, for the sentences.
    pub name: String,
    /// CHORUS or TEAMS: which of their devices can ring.
    pub platform: Platform,
    /// The configured preferred device (`person.preferred_device_id`).
    pub preferred_device: Option<Uuid>,
    /// All the person's devices, any status.
    pub devices: Vec<DeviceFacts>,
}

/// A person reached by number or as a fallback target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRoute {
    /// The person and their devices.
    pub person: PersonSnapshot,
    /// The person's line whose mailbox takes unanswered calls: the dialled line, or their
    /// PERSONAL line when reached as a fallback. `None`: no mailbox, the call is released.
    pub line: Option<LineRef>,
    /// The mailbox's rings before voicemail (`voicemail::DEFAULT_RINGS` without settings).
    pub rings_before_voicemail: i32,
    /// The executive-assistant groups in which this person is a manager (empty for most).
    pub manages: Vec<EaManagerRole>,
}

/// A person's place as manager in one executive-assistant group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EaManagerRole {
    /// The executive-assistant group's id.
    pub group_id: Uuid,
    /// Its name, for the sentences.
    pub group_name: String,
    /// The group's platform: on TEAMS the whitelist is inactive (delegation).
    pub platform: Platform,
    /// Divert non-whitelisted calls to the assistants.
    pub divert_enabled: bool,
    /// The manager's whitelist, E.164.
    pub whitelist: Vec<E164>,
    /// The group's assistants (every assistant serves every manager of the group).
    pub assistants: Vec<PersonSnapshot>,
}

/// A line that belongs to no person and pilots no group (SHARED or CRITICAL): the devices
/// attached to it ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRoute {
    /// The line; its mailbox takes unanswered calls.
    pub line: LineRef,
    /// The line's label (e.g. "Porters' Lodge"), for the sentences.
    pub label: Option<String>,
    /// Devices whose `line_id` is this line.
    pub devices: Vec<DeviceFacts>,
    /// The mailbox's rings before voicemail.
    pub rings_before_voicemail: i32,
}

/// A hunt group with its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HuntGroupSnapshot {
    /// The group's id.
    pub id: Uuid,
    /// Its name, for the sentences.
    pub name: String,
    /// The pilot line: its mailbox takes a VOICEMAIL no-answer destination.
    pub pilot: LineRef,
    /// One after another, or all at once.
    pub strategy: HuntStrategy,
    /// The group's platform: members on the other one are not rung.
    pub platform: Platform,
    /// Any order: the rule sorts by position.
    pub members: Vec<HuntMember>,
    /// Where the call goes when nobody answers or nobody can ring.
    pub no_answer: Fallback,
}

/// One member of a hunt group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HuntMember {
    /// The member and their devices.
    pub person: PersonSnapshot,
    /// Ring order, ascending.
    pub position: i32,
    /// Seconds this member rings.
    pub ring_seconds: i32,
    /// Temporarily not rung.
    pub opted_out: bool,
}

/// A contact centre with its schedule and queues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactCentreSnapshot {
    /// The centre's id.
    pub id: Uuid,
    /// Its name, for the sentences.
    pub name: String,
    /// The pilot line: its mailbox takes VOICEMAIL out-of-hours and overflow destinations.
    pub pilot: LineRef,
    /// IANA time zone of the opening hours and closures (Europe/London).
    pub time_zone: String,
    /// The weekly opening hours, local wall-clock time.
    pub opening_hours: Vec<OpeningPeriod>,
    /// Days closed (bank holidays), local dates.
    pub closures: Vec<Closure>,
    /// Any order: the first by position takes calls.
    pub queues: Vec<QueueSnapshot>,
    /// Where calls go while the centre is closed.
    pub out_of_hours: Fallback,
}

/// A day a contact centre is closed, a local date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closure {
    /// The local date.
    pub date: NaiveDate,
    /// Why, e.g. "Christmas Day".
    pub reason: String,
}

/// A queue of a contact centre.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueSnapshot {
    /// The queue's id.
    pub id: Uuid,
    /// Its name, for the sentences.
    pub name: String,
    /// Order within the centre: the lowest takes calls.
    pub position: i32,
    /// Callers waiting at once before new callers overflow.
    pub max_waiting: i32,
    /// Longest wait before a caller overflows.
    pub max_wait_seconds: i32,
    /// Where overflowing callers go.
    pub overflow: Fallback,
    /// The agents answering the queue.
    pub agents: Vec<PersonSnapshot>,
}

/// What a number belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A PERSONAL line: its owner.
    Person(PersonRoute),
    /// A shared or critical line that pilots nothing.
    Line(LineRoute),
    /// The pilot line of a hunt group.
    HuntGroup(HuntGroupSnapshot),
    /// The pilot line of a contact centre.
    ContactCentre(ContactCentreSnapshot),
}

/// Fallback targets the service looked up. A key with `None` was looked up and does not exist
/// (for a number: it is not a university line, so the call leaves the university). A missing
/// key was not looked up: [`missing_targets`](super::missing_targets) lists those.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Targets {
    /// PERSON targets by person id.
    pub people: HashMap<Uuid, Option<PersonRoute>>,
    /// HUNT_GROUP targets by group id.
    pub hunt_groups: HashMap<Uuid, Option<HuntGroupSnapshot>>,
    /// NUMBER targets: what each number belongs to, `None` outside the university.
    pub numbers: HashMap<E164, Option<Destination>>,
}

/// A fallback target to look up.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TargetRef {
    /// A person, by id: load their [`PersonRoute`].
    Person(Uuid),
    /// A hunt group, by id: load its [`HuntGroupSnapshot`].
    HuntGroup(Uuid),
    /// A number: load the [`Destination`] of its line, `None` if no line has it.
    Number(E164),
}

impl TargetRef {
    /// The target a fallback names; `None` for those that need no lookup (none, voicemail).
    pub(super) fn of(fallback: &Fallback) -> Option<Self> {
        match fallback {
            Fallback::None | Fallback::Voicemail => None,
            Fallback::Number(n) => Some(Self::Number(n.clone())),
            Fallback::HuntGroup(id) => Some(Self::HuntGroup(*id)),
            Fallback::Person(id) => Some(Self::Person(*id)),
        }
    }
}

/// Everything [`explain`](super::explain) needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteInput {
    /// The number dialled.
    pub to: Dialled,
    /// The caller's number as given.
    pub from: Dialled,
    /// The caller in E.164 when `from` is an extension: the E.164 of that extension's line, if
    /// the service found one. Ignored when `from` is already a full number.
    pub caller_e164: Option<E164>,
    /// The instant of the call.
    pub at: DateTime<Utc>,
    /// What `to` belongs to; `None` when no line has the number.
    pub destination: Option<Destination>,
    /// Fallback targets loaded so far (see [`missing_targets`](super::missing_targets)).
    pub targets: Targets,
}

impl RouteInput {
    /// The caller as an E.164 number, for whitelist matching; `None` when unknown.
    pub fn caller(&self) -> Option<&E164> {
        match &self.from {
            Dialled::Number(n) => Some(n),
            Dialled::Extension(_) => self.caller_e164.as_ref(),
        }
    }
}

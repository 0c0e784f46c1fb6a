//! `routeCall`: where a call to a number would go at a given instant, explained step by step.
//!
//! The service loads a [`RouteInput`], a snapshot of what the dialled number belongs to (a
//! person, a shared line, a hunt group or a contact centre) and of the fallback targets it may
//! lead to, and [`explain`] turns it into an [`Explanation`]: ordered [`Step`]s in words, the
//! [`Outcome`] where the call is first offered, and the outcomes it moves on to when nobody
//! answers there.
//!
//! The rules, from the seeds (glossary: executive-assistant working, hunt groups, contact
//! centres; the coordinators' page: Teams has no whitelist, contact centres stay on Chorus):
//! - **Executive assistant**: a call to a manager with divert on goes to the assistants unless
//!   the caller is on the manager's whitelist, when it rings the manager. On Teams this is
//!   delegation and there is no whitelist: every call goes to the assistants.
//! - **Hunt group**: SEQUENTIAL rings members one after another in position order, each for
//!   their ring time; SIMULTANEOUS rings them all at once. Then the no-answer destination.
//! - **Contact centre**: open or closed at that instant in the centre's time zone (wall-clock
//!   opening hours, so correct across the March and October clock changes; closures are local
//!   dates): open → the first queue; closed → the out-of-hours destination.
//! - **A person**: the device that actually rings is [`devices::effective_preferred`]; with
//!   none, or no answer, the call goes to their voicemail.
//!
//! Choices where the seeds are silent:
//! - A hunt-group member who opted out, has no working device, or is not on the group's
//!   platform is skipped; a group with nobody left goes straight to its no-answer destination.
//! - A SIMULTANEOUS group rings for its longest member ring time.
//! - A group call rings members' devices directly: a member's own executive-assistant divert
//!   does not apply (nor an assistant's, when a diverted call rings them).
//! - Divert with no assistant able to ring falls back to ringing the manager, rather than
//!   losing the call.
//! - A person's unanswered call (or one to a manager's assistants) goes to the voicemail of the
//!   person's line after the mailbox's rings-before-voicemail; with no line, it is released.
//! - A contact centre that is open rings its first queue (lowest position). A queue whose
//!   agents cannot ring (none on Chorus with a working device) overflows at once; the live
//!   queue length is not known here, so "queue full" is explained, not evaluated. An open
//!   centre without queues uses its out-of-hours destination.
//! - Fallbacks are followed through the targets the service loaded (see [`missing_targets`]),
//!   at most [`MAX_FALLBACK_HOPS`] times; a call that comes back to a group, person or line it
//!   already passed is released (a loop), as is one whose target no longer exists.
//! - An unparseable centre time zone is read as Europe/London, and the explanation says so.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::enums::{DeviceKind, HuntStrategy, Platform};
use uuid::Uuid;

use super::contact_centres::OpeningPeriod;
use super::devices::{self, DeviceFacts};
use super::groups::{Fallback, weekday_name};
use super::phone::{Dialled, E164, Extension};

/// Fallbacks followed at most, one after another, before the call is released.
pub const MAX_FALLBACK_HOPS: usize = 5;

// ---------------------------------------------------------------------------------------------
// Input

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
/// key was not looked up: [`missing_targets`] lists those.
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
    fn of(fallback: &Fallback) -> Option<Self> {
        match fallback {
            Fallback::None | Fallback::Voicemail => None,
            Fallback::Number(n) => Some(Self::Number(n.clone())),
            Fallback::HuntGroup(id) => Some(Self::HuntGroup(*id)),
            Fallback::Person(id) => Some(Self::Person(*id)),
        }
    }
}

/// Everything [`explain`] needs.
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
    /// Fallback targets loaded so far (see [`missing_targets`]).
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

// ---------------------------------------------------------------------------------------------
// Output

/// How a call would go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// What happens, in order, in sentences.
    pub steps: Vec<Step>,
    /// Where the call is first offered.
    pub outcome: Outcome,
    /// Where it goes next, in order, while nobody answers (the last one ends the call's path:
    /// voicemail, a number outside, released).
    pub if_unanswered: Vec<Outcome>,
}

impl Explanation {
    /// Where the call ends when nobody answers anywhere.
    pub fn last(&self) -> &Outcome {
        self.if_unanswered.last().unwrap_or(&self.outcome)
    }
}

/// One step of an explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What the step says, for machines.
    pub kind: StepKind,
    /// A sentence for people.
    pub text: String,
    /// What the step is about, most important first.
    pub refs: Vec<Ref>,
    /// The number the step is about (a line, a whitelisted caller, a forward).
    pub number: Option<E164>,
    /// How long something rings or waits, in seconds.
    pub ring_seconds: Option<i32>,
}

/// An object a step refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    /// A person.
    Person(Uuid),
    /// A device.
    Device(Uuid),
    /// A line.
    Line(Uuid),
    /// A hunt group.
    HuntGroup(Uuid),
    /// An executive-assistant group.
    EaGroup(Uuid),
    /// A contact centre.
    ContactCentre(Uuid),
    /// A contact-centre queue.
    Queue(Uuid),
}

/// What a step says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
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

/// Where a call is offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Devices ring, all at once, for the mailbox's rings.
    Rings {
        /// The devices that ring.
        legs: Vec<Leg>,
        /// Rings before the call moves on (to voicemail).
        rings: i32,
    },
    /// A hunt group rings: in order (SEQUENTIAL) or all at once (SIMULTANEOUS), for
    /// `ring_seconds` in all.
    Hunt {
        /// The hunt group.
        group: Uuid,
        /// One after another, or all at once.
        strategy: HuntStrategy,
        /// The members rung, in ring order, each with their device and ring time.
        legs: Vec<HuntLeg>,
        /// Seconds until the no-answer destination: the sum of the ring times (SEQUENTIAL) or
        /// the longest (SIMULTANEOUS).
        ring_seconds: i32,
    },
    /// The call waits in a contact-centre queue for an agent.
    Queue {
        /// The contact centre.
        centre: Uuid,
        /// The queue joined.
        queue: Uuid,
        /// The agents who can answer, with the device that rings for each.
        agents: Vec<Leg>,
        /// Callers waiting at once before new callers overflow.
        max_waiting: i32,
        /// Longest wait before the caller overflows.
        max_wait_seconds: i32,
    },
    /// A mailbox records a message.
    Voicemail {
        /// The line whose mailbox it is.
        mailbox: LineRef,
    },
    /// The call leaves for a number outside the university.
    Forwarded {
        /// The outside number.
        number: E164,
    },
    /// The call is released.
    Released,
    /// No line has the number.
    NotInService,
}

/// The kind of an [`Outcome`], without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// [`Outcome::Rings`].
    Rings,
    /// [`Outcome::Hunt`].
    Hunt,
    /// [`Outcome::Queue`].
    Queue,
    /// [`Outcome::Voicemail`].
    Voicemail,
    /// [`Outcome::Forwarded`].
    Forwarded,
    /// [`Outcome::Released`].
    Released,
    /// [`Outcome::NotInService`].
    NotInService,
}

impl Outcome {
    /// The kind, without data.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Self::Rings { .. } => OutcomeKind::Rings,
            Self::Hunt { .. } => OutcomeKind::Hunt,
            Self::Queue { .. } => OutcomeKind::Queue,
            Self::Voicemail { .. } => OutcomeKind::Voicemail,
            Self::Forwarded { .. } => OutcomeKind::Forwarded,
            Self::Released => OutcomeKind::Released,
            Self::NotInService => OutcomeKind::NotInService,
        }
    }
}

/// A person's device that rings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leg {
    /// Whose device it is (for a shared line: the device's owner).
    pub person: Uuid,
    /// The device.
    pub device: Uuid,
}

/// A hunt-group member's device that rings, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HuntLeg {
    /// The member.
    pub person: Uuid,
    /// The member's device that rings.
    pub device: Uuid,
    /// Seconds it rings.
    pub ring_seconds: i32,
}

// ---------------------------------------------------------------------------------------------
// The rule

/// Explains where the call in `input` would go (the rules are in the module documentation).
/// Total: every input gives an explanation; a number nobody has is NOT_IN_SERVICE.
pub fn explain(input: &RouteInput) -> Explanation {
    let mut walk = Walk {
        input,
        steps: Vec::new(),
        offers: Vec::new(),
        entered: HashSet::new(),
        hops: 0,
    };
    match &input.destination {
        None => {
            walk.step(
                StepKind::NotInService,
                format!(
                    "No line has the number {}: the caller hears that it is not in service.",
                    show_dialled(&input.to)
                ),
            );
            walk.offer(Outcome::NotInService);
        }
        Some(destination) => {
            walk.resolved(destination, &show_dialled(&input.to));
            walk.destination(destination);
        }
    }
    let mut offers = walk.offers.into_iter();
    let outcome = offers.next().unwrap_or(Outcome::Released);
    Explanation {
        steps: walk.steps,
        outcome,
        if_unanswered: offers.collect(),
    }
}

/// The fallback targets [`explain`] could follow but that `input.targets` does not hold yet,
/// reachable within [`MAX_FALLBACK_HOPS`] from the destination through the targets already
/// loaded. The service loads these (inserting `None` for what does not exist) and asks again
/// until the list is empty; at most [`MAX_FALLBACK_HOPS`] rounds are ever needed.
pub fn missing_targets(input: &RouteInput) -> Vec<TargetRef> {
    let mut missing = Vec::new();
    let mut seen: HashSet<TargetRef> = HashSet::new();
    let mut frontier: Vec<&Fallback> = input
        .destination
        .as_ref()
        .map(fallbacks_of)
        .unwrap_or_default();
    for _ in 0..MAX_FALLBACK_HOPS {
        let mut next = Vec::new();
        for fallback in frontier {
            let Some(target) = TargetRef::of(fallback) else {
                continue;
            };
            if !seen.insert(target.clone()) {
                continue;
            }
            let known = match &target {
                // A person never falls back further than their own voicemail.
                TargetRef::Person(id) => input.targets.people.contains_key(id),
                TargetRef::HuntGroup(id) => match input.targets.hunt_groups.get(id) {
                    Some(Some(group)) => {
                        next.push(&group.no_answer);
                        true
                    }
                    Some(None) => true,
                    None => false,
                },
                TargetRef::Number(n) => match input.targets.numbers.get(n) {
                    Some(Some(destination)) => {
                        next.extend(fallbacks_of(destination));
                        true
                    }
                    Some(None) => true,
                    None => false,
                },
            };
            if !known {
                missing.push(target);
            }
        }
        frontier = next;
    }
    missing
}

fn fallbacks_of(destination: &Destination) -> Vec<&Fallback> {
    match destination {
        Destination::Person(_) | Destination::Line(_) => Vec::new(),
        Destination::HuntGroup(g) => vec![&g.no_answer],
        Destination::ContactCentre(c) => std::iter::once(&c.out_of_hours)
            .chain(c.queues.iter().map(|q| &q.overflow))
            .collect(),
    }
}

/// Something the call can enter once; entering again is a loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    Person(Uuid),
    Line(Uuid),
    HuntGroup(Uuid),
    Centre(Uuid),
}

struct Walk<'a> {
    input: &'a RouteInput,
    steps: Vec<Step>,
    offers: Vec<Outcome>,
    entered: HashSet<Node>,
    hops: usize,
}

impl Walk<'_> {
    fn step(&mut self, kind: StepKind, text: String) -> &mut Step {
        self.steps.push(Step {
            kind,
            text,
            refs: Vec::new(),
            number: None,
            ring_seconds: None,
        });
        let last = self.steps.len() - 1;
        &mut self.steps[last]
    }

    fn offer(&mut self, outcome: Outcome) {
        self.offers.push(outcome);
    }

    /// Enters a node; a second time it is a loop and the call is released.
    fn enter(&mut self, node: Node, name: &str) -> bool {
        if self.entered.insert(node) {
            return true;
        }
        self.step(
            StepKind::Loop,
            format!("The call comes back to {name}: a loop, so it is released."),
        );
        self.offer(Outcome::Released);
        false
    }

    fn resolved(&mut self, destination: &Destination, number: &str) {
        let (text, refs, line) = match destination {
            Destination::Person(p) => (
                format!("{number} is the line of {}.", p.person.name),
                vec![Ref::Person(p.person.id)],
                p.line.as_ref(),
            ),
            Destination::Line(l) => (
                match &l.label {
                    Some(label) => format!("{number} is the shared line \u{201c}{label}\u{201d}."),
                    None => format!("{number} is a shared line."),
                },
                vec![],
                Some(&l.line),
            ),
            Destination::HuntGroup(g) => (
                format!("{number} is the pilot number of hunt group {}.", g.name),
                vec![Ref::HuntGroup(g.id)],
                Some(&g.pilot),
            ),
            Destination::ContactCentre(c) => (
                format!("{number} is the number of contact centre {}.", c.name),
                vec![Ref::ContactCentre(c.id)],
                Some(&c.pilot),
            ),
        };
        let step = self.step(StepKind::Resolved, text);
        step.refs = refs;
        if let Some(line) = line {
            step.refs.push(Ref::Line(line.id));
            step.number = Some(line.number.clone());
        }
    }

    fn destination(&mut self, destination: &Destination) {
        match destination {
            Destination::Person(p) => self.person(p),
            Destination::Line(l) => self.line(l),
            Destination::HuntGroup(g) => self.hunt(g),
            Destination::ContactCentre(c) => self.centre(c),
        }
    }

    // --- people -------------------------------------------------------------------------

    fn person(&mut self, p: &PersonRoute) {
        if !self.enter(Node::Person(p.person.id), &p.person.name) {
            return;
        }
        let name = &p.person.name;
        for role in p.manages.iter().filter(|r| !r.divert_enabled) {
            let step = self.step(
                StepKind::EaDivertOff,
                format!(
                    "{name} is a manager in executive-assistant group {}, with divert off: calls ring {name} directly.",
                    role.group_name
                ),
            );
            step.refs = vec![Ref::EaGroup(role.group_id), Ref::Person(p.person.id)];
        }
        let diverting: Vec<&EaManagerRole> =
            p.manages.iter().filter(|r| r.divert_enabled).collect();
        if diverting.is_empty() {
            return self.ring_person(p);
        }
        let groups: Vec<Ref> = diverting.iter().map(|r| Ref::EaGroup(r.group_id)).collect();
        let delegation = p.person.platform == Platform::Teams
            || diverting.iter().any(|r| r.platform == Platform::Teams);
        let caller = self.input.caller();
        let listed = caller.filter(|c| diverting.iter().any(|r| r.whitelist.contains(c)));
        if delegation {
            let kept: usize = diverting.iter().map(|r| r.whitelist.len()).sum();
            let mut text = format!(
                "On Telephony over Teams executive-assistant working is delegation, which has no whitelist: {name}'s {kept} whitelisted number(s) are kept but inactive."
            );
            if let Some(c) = listed {
                text.push_str(&format!(
                    " The caller {c} is on it, but the call still goes to the assistants."
                ));
            }
            let step = self.step(StepKind::EaDelegation, text);
            step.refs = groups.clone();
            step.number = listed.cloned();
        } else if let Some(c) = listed {
            let step = self.step(
                StepKind::EaWhitelisted,
                format!(
                    "The caller {c} is on {name}'s whitelist: the call goes straight through to {name}."
                ),
            );
            step.refs = groups;
            step.refs.push(Ref::Person(p.person.id));
            step.number = Some(c.clone());
            return self.ring_person(p);
        }

        let mut assistants: Vec<&PersonSnapshot> = Vec::new();
        for a in diverting.iter().flat_map(|r| r.assistants.iter()) {
            if a.id != p.person.id && !assistants.iter().any(|x| x.id == a.id) {
                assistants.push(a);
            }
        }
        let why = match (delegation, caller) {
            (true, _) => String::new(),
            (false, Some(c)) => format!(" (the caller {c} is not on the whitelist)"),
            (false, None) => {
                " (the caller's number is unknown, so no whitelist entry can match)".to_owned()
            }
        };
        let names: Vec<&str> = assistants.iter().map(|a| a.name.as_str()).collect();
        let step = self.step(
            StepKind::EaDivert,
            format!(
                "Calls to {name} divert to the assistant(s){why}: {}.",
                list_or_none(&names)
            ),
        );
        step.refs = groups;
        step.refs
            .extend(assistants.iter().map(|a| Ref::Person(a.id)));

        let mut legs = Vec::new();
        for a in assistants {
            if let Some(leg) = self.ring_device(a) {
                legs.push(leg);
            }
        }
        if legs.is_empty() {
            let step = self.step(
                StepKind::EaNoAssistant,
                format!("No assistant can take the call, so it rings {name} directly."),
            );
            step.refs = vec![Ref::Person(p.person.id)];
            return self.ring_person(p);
        }
        let rings = p.rings_before_voicemail;
        self.offer(Outcome::Rings { legs, rings });
        self.person_voicemail(
            p,
            Some(&format!("If no assistant answers within {rings} rings")),
        );
    }

    /// Rings a person's effective device, then their voicemail.
    fn ring_person(&mut self, p: &PersonRoute) {
        match self.ring_device(&p.person) {
            Some(leg) => {
                let rings = p.rings_before_voicemail;
                self.offer(Outcome::Rings {
                    legs: vec![leg],
                    rings,
                });
                self.person_voicemail(
                    p,
                    Some(&format!(
                        "If {} does not answer within {rings} rings",
                        p.person.name
                    )),
                );
            }
            None => self.person_voicemail(p, None),
        }
    }

    /// The step for the device that rings for a person (or that nothing can), and its leg.
    fn ring_device(&mut self, person: &PersonSnapshot) -> Option<Leg> {
        let name = &person.name;
        let chosen =
            devices::effective_preferred(person.platform, person.preferred_device, &person.devices);
        let Some(device) = chosen.and_then(|id| person.devices.iter().find(|d| d.id == id)) else {
            let why = match person.platform {
                Platform::Teams => {
                    "on Telephony over Teams only the Teams client rings, and there is no active one"
                }
                Platform::Chorus => "no active desk phone, softphone or mobile app",
            };
            let step = self.step(
                StepKind::NoDevice,
                format!("{name} has no device that can ring ({why})."),
            );
            step.refs = vec![Ref::Person(person.id)];
            return None;
        };
        let kind = kind_name(device.kind);
        let text = match (person.platform, person.preferred_device) {
            (Platform::Teams, _) => {
                format!("{name} is on Telephony over Teams: their {kind} rings.")
            }
            (Platform::Chorus, Some(p)) if p == device.id => {
                format!("{name}'s preferred device, their {kind}, rings.")
            }
            (Platform::Chorus, Some(_)) => format!(
                "{name}'s preferred device cannot ring (disabled, or not a Chorus device): their {kind} rings instead."
            ),
            (Platform::Chorus, None) => format!("{name}'s {kind} rings."),
        };
        let step = self.step(StepKind::Device, text);
        step.refs = vec![Ref::Person(person.id), Ref::Device(device.id)];
        Some(Leg {
            person: person.id,
            device: device.id,
        })
    }

    /// The person's voicemail, after `when` (`None`: straight away, nothing rang).
    fn person_voicemail(&mut self, p: &PersonRoute, when: Option<&str>) {
        let name = &p.person.name;
        match &p.line {
            Some(line) => {
                let text = match when {
                    None => format!(
                        "So the call goes straight to {name}'s voicemail on {}.",
                        show_line(line)
                    ),
                    Some(when) => format!(
                        "{when}, the call goes to {name}'s voicemail on {}.",
                        show_line(line)
                    ),
                };
                self.voicemail(line, text);
            }
            None => {
                let step = self.step(
                    StepKind::Released,
                    format!(
                        "{name} has no line of their own, so no mailbox: the call is released."
                    ),
                );
                step.refs = vec![Ref::Person(p.person.id)];
                self.offer(Outcome::Released);
            }
        }
    }

    fn voicemail(&mut self, line: &LineRef, text: String) {
        let step = self.step(StepKind::Voicemail, text);
        step.refs = vec![Ref::Line(line.id)];
        step.number = Some(line.number.clone());
        self.offer(Outcome::Voicemail {
            mailbox: line.clone(),
        });
    }

    // --- shared lines -------------------------------------------------------------------

    fn line(&mut self, l: &LineRoute) {
        if !self.enter(Node::Line(l.line.id), &show_line(&l.line)) {
            return;
        }
        // Shared and critical lines cannot move: they ring Chorus devices.
        let legs: Vec<Leg> = l
            .devices
            .iter()
            .filter(|d| {
                d.status == entity::enums::DeviceStatus::Active
                    && devices::kind_works_on(d.kind, Platform::Chorus).is_ok()
            })
            .map(|d| Leg {
                person: d.owner_id,
                device: d.id,
            })
            .collect();
        if legs.is_empty() {
            let step = self.step(
                StepKind::NoDevice,
                "No working device is attached to the line.".to_owned(),
            );
            step.refs = vec![Ref::Line(l.line.id)];
            let text = format!(
                "So the call goes straight to the line's voicemail on {}.",
                show_line(&l.line)
            );
            return self.voicemail(&l.line, text);
        }
        let step = self.step(
            StepKind::Device,
            format!("{} device(s) on the line ring at once.", legs.len()),
        );
        step.refs = legs.iter().map(|leg| Ref::Device(leg.device)).collect();
        let rings = l.rings_before_voicemail;
        self.offer(Outcome::Rings { legs, rings });
        let text = format!(
            "If nobody answers within {rings} rings, the call goes to the line's voicemail on {}.",
            show_line(&l.line)
        );
        self.voicemail(&l.line, text);
    }

    // --- hunt groups --------------------------------------------------------------------

    fn hunt(&mut self, g: &HuntGroupSnapshot) {
        if !self.enter(Node::HuntGroup(g.id), &format!("hunt group {}", g.name)) {
            return;
        }
        let how = match g.strategy {
            HuntStrategy::Sequential => {
                "rings its members one after another, in order, until someone answers"
            }
            HuntStrategy::Simultaneous => "rings all its members at once",
        };
        let step = self.step(
            StepKind::Hunt,
            format!(
                "Hunt group {} (on {}) {how}.",
                g.name,
                platform_name(g.platform)
            ),
        );
        step.refs = vec![Ref::HuntGroup(g.id)];

        let mut members: Vec<&HuntMember> = g.members.iter().collect();
        members.sort_by_key(|m| (m.position, m.person.id));
        let mut legs: Vec<HuntLeg> = Vec::new();
        for m in members {
            let name = &m.person.name;
            let skipped = if m.opted_out {
                Some(format!(
                    "{name} has opted out of the group and is not rung."
                ))
            } else if m.person.platform != g.platform {
                Some(format!(
                    "{name} is on {} but the group is on {}: not rung.",
                    platform_name(m.person.platform),
                    platform_name(g.platform)
                ))
            } else {
                None
            };
            if let Some(text) = skipped {
                let step = self.step(StepKind::HuntSkipped, text);
                step.refs = vec![Ref::Person(m.person.id)];
                continue;
            }
            let chosen = devices::effective_preferred(
                m.person.platform,
                m.person.preferred_device,
                &m.person.devices,
            );
            let Some(device) = chosen.and_then(|id| m.person.devices.iter().find(|d| d.id == id))
            else {
                let step = self.step(
                    StepKind::HuntSkipped,
                    format!("{name} has no device that can ring and is skipped."),
                );
                step.refs = vec![Ref::Person(m.person.id)];
                continue;
            };
            let kind = kind_name(device.kind);
            let text = match g.strategy {
                HuntStrategy::Sequential => format!(
                    "{}. {name}'s {kind} rings for {} s.",
                    legs.len() + 1,
                    m.ring_seconds
                ),
                HuntStrategy::Simultaneous => format!("{name}'s {kind} rings."),
            };
            let step = self.step(StepKind::HuntMember, text);
            step.refs = vec![Ref::Person(m.person.id), Ref::Device(device.id)];
            step.ring_seconds = Some(m.ring_seconds);
            legs.push(HuntLeg {
                person: m.person.id,
                device: device.id,
                ring_seconds: m.ring_seconds,
            });
        }
        if legs.is_empty() {
            let step = self.step(
                StepKind::HuntEmpty,
                format!(
                    "Nobody in hunt group {} can be rung, so the call goes straight to its no-answer destination.",
                    g.name
                ),
            );
            step.refs = vec![Ref::HuntGroup(g.id)];
            return self.fallback(&g.no_answer, &g.pilot, "No member rings");
        }
        let ring_seconds = match g.strategy {
            HuntStrategy::Sequential => legs.iter().map(|l| l.ring_seconds).sum(),
            HuntStrategy::Simultaneous => legs.iter().map(|l| l.ring_seconds).max().unwrap_or(0),
        };
        self.offer(Outcome::Hunt {
            group: g.id,
            strategy: g.strategy,
            legs,
            ring_seconds,
        });
        let first = self.steps.len();
        self.fallback(
            &g.no_answer,
            &g.pilot,
            &format!("If nobody answers within {ring_seconds} s"),
        );
        if let Some(step) = self.steps.get_mut(first) {
            step.ring_seconds = Some(ring_seconds);
        }
    }

    // --- contact centres ----------------------------------------------------------------

    fn centre(&mut self, c: &ContactCentreSnapshot) {
        if !self.enter(Node::Centre(c.id), &format!("contact centre {}", c.name)) {
            return;
        }
        let tz: Tz = match c.time_zone.trim().parse() {
            Ok(tz) => tz,
            Err(_) => {
                let step = self.step(
                    StepKind::TimeZoneUnknown,
                    format!(
                        "The centre's time zone {:?} is unknown: Europe/London is assumed.",
                        c.time_zone
                    ),
                );
                step.refs = vec![Ref::ContactCentre(c.id)];
                chrono_tz::Europe::London
            }
        };
        let local = self.input.at.with_timezone(&tz);
        let (date, time) = (local.date_naive(), local.time());
        let weekday = i16::try_from(local.weekday().number_from_monday()).unwrap_or(0);
        let now = local.format("%A %-d %B %Y, %H:%M %Z").to_string();
        let today: Vec<&OpeningPeriod> = c
            .opening_hours
            .iter()
            .filter(|p| p.weekday == weekday)
            .collect();

        let closed_because = if let Some(closure) = c.closures.iter().find(|x| x.date == date) {
            Some(format!(
                "It is {now} at {}: closed all day for {}.",
                c.name, closure.reason
            ))
        } else if let Some(open) = today.iter().find(|p| p.contains(time)) {
            let step = self.step(
                StepKind::CentreOpen,
                format!("It is {now}: {} is open ({open}).", c.name),
            );
            step.refs = vec![Ref::ContactCentre(c.id)];
            None
        } else if today.is_empty() {
            Some(format!(
                "It is {now}: {} is closed (no opening hours on {}s).",
                c.name,
                weekday_name(weekday)
            ))
        } else {
            let hours: Vec<String> = today.iter().map(|p| p.to_string()).collect();
            Some(format!(
                "It is {now}: {} is closed (open {}).",
                c.name,
                hours.join(", ")
            ))
        };
        if let Some(text) = closed_because {
            let step = self.step(StepKind::CentreClosed, text);
            step.refs = vec![Ref::ContactCentre(c.id)];
            return self.fallback(&c.out_of_hours, &c.pilot, "Out of hours");
        }

        let Some(queue) = c.queues.iter().min_by_key(|q| (q.position, q.id)) else {
            let step = self.step(
                StepKind::NoQueue,
                format!("{} has no queue to join.", c.name),
            );
            step.refs = vec![Ref::ContactCentre(c.id)];
            return self.fallback(&c.out_of_hours, &c.pilot, "With no queue");
        };
        let agents: Vec<(Leg, &str)> = queue
            .agents
            .iter()
            .filter(|a| a.platform == Platform::Chorus)
            .filter_map(|a| {
                devices::effective_preferred(a.platform, a.preferred_device, &a.devices).map(
                    |device| {
                        (
                            Leg {
                                person: a.id,
                                device,
                            },
                            a.name.as_str(),
                        )
                    },
                )
            })
            .collect();
        let names: Vec<&str> = agents.iter().map(|(_, n)| *n).collect();
        let step = self.step(
            StepKind::Queue,
            format!(
                "The call joins queue {}, answered by {} of its {} agent(s): {}. At most {} caller(s) wait at once; a caller who waits {} s, or finds the queue full, overflows.",
                queue.name,
                agents.len(),
                queue.agents.len(),
                list_or_none(&names),
                queue.max_waiting,
                queue.max_wait_seconds
            ),
        );
        step.refs = vec![Ref::Queue(queue.id), Ref::ContactCentre(c.id)];
        step.refs
            .extend(agents.iter().map(|(leg, _)| Ref::Person(leg.person)));
        step.ring_seconds = Some(queue.max_wait_seconds);
        if agents.is_empty() {
            let step = self.step(
                StepKind::QueueNoAgents,
                format!(
                    "No agent of queue {} can answer (none on Chorus with a working device), so the call overflows at once.",
                    queue.name
                ),
            );
            step.refs = vec![Ref::Queue(queue.id)];
            return self.fallback(&queue.overflow, &c.pilot, "Overflow");
        }
        self.offer(Outcome::Queue {
            centre: c.id,
            queue: queue.id,
            agents: agents.into_iter().map(|(leg, _)| leg).collect(),
            max_waiting: queue.max_waiting,
            max_wait_seconds: queue.max_wait_seconds,
        });
        self.fallback(
            &queue.overflow,
            &c.pilot,
            &format!("After {} s in the queue", queue.max_wait_seconds),
        );
    }

    // --- fallbacks ----------------------------------------------------------------------

    /// Follows a fallback; `mailbox` takes VOICEMAIL; `when` opens the sentence.
    fn fallback(&mut self, fallback: &Fallback, mailbox: &LineRef, when: &str) {
        match fallback {
            Fallback::None => {
                self.step(
                    StepKind::Released,
                    format!("{when}, the call is released: no destination is set."),
                );
                self.offer(Outcome::Released);
            }
            Fallback::Voicemail => {
                let text = format!(
                    "{when}, the call goes to voicemail on {}.",
                    show_line(mailbox)
                );
                self.voicemail(mailbox, text);
            }
            Fallback::Number(n) => {
                if !self.hop() {
                    return;
                }
                let input = self.input;
                match input.targets.numbers.get(n) {
                    Some(Some(destination)) => {
                        let step = self.step(
                            StepKind::Fallback,
                            format!("{when}, the call goes on to {n}."),
                        );
                        step.number = Some(n.clone());
                        self.resolved(destination, n.as_str());
                        self.destination(destination);
                    }
                    _ => {
                        let step = self.step(
                            StepKind::Forwarded,
                            format!("{when}, the call is forwarded to {n}."),
                        );
                        step.number = Some(n.clone());
                        self.offer(Outcome::Forwarded { number: n.clone() });
                    }
                }
            }
            Fallback::HuntGroup(id) => {
                if !self.hop() {
                    return;
                }
                let input = self.input;
                match input.targets.hunt_groups.get(id) {
                    Some(Some(group)) => {
                        let step = self.step(
                            StepKind::Fallback,
                            format!("{when}, the call goes on to hunt group {}.", group.name),
                        );
                        step.refs = vec![Ref::HuntGroup(group.id)];
                        self.hunt(group);
                    }
                    _ => self.unknown_target(when, "a hunt group", Ref::HuntGroup(*id)),
                }
            }
            Fallback::Person(id) => {
                if !self.hop() {
                    return;
                }
                let input = self.input;
                match input.targets.people.get(id) {
                    Some(Some(person)) => {
                        let step = self.step(
                            StepKind::Fallback,
                            format!("{when}, the call goes on to {}.", person.person.name),
                        );
                        step.refs = vec![Ref::Person(person.person.id)];
                        self.person(person);
                    }
                    _ => self.unknown_target(when, "a person", Ref::Person(*id)),
                }
            }
        }
    }

    fn unknown_target(&mut self, when: &str, what: &str, target: Ref) {
        let step = self.step(
            StepKind::UnknownTarget,
            format!(
                "{when}, the call should go to {what} that no longer exists, so it is released."
            ),
        );
        step.refs = vec![target];
        self.offer(Outcome::Released);
    }

    /// Counts a followed fallback; past the limit the call is released.
    fn hop(&mut self) -> bool {
        self.hops += 1;
        if self.hops <= MAX_FALLBACK_HOPS {
            return true;
        }
        self.step(
            StepKind::Loop,
            format!(
                "The call has been passed on {MAX_FALLBACK_HOPS} times: it is released rather than passed on again."
            ),
        );
        self.offer(Outcome::Released);
        false
    }
}

fn kind_name(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::DeskPhone => "desk phone",
        DeviceKind::Softphone => "softphone",
        DeviceKind::MobileApp => "mobile app (OpenScape Mobile)",
        DeviceKind::TeamsClient => "Teams client",
    }
}

fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Chorus => "Chorus",
        Platform::Teams => "Telephony over Teams",
    }
}

fn show_dialled(d: &Dialled) -> String {
    match d {
        Dialled::Extension(e) => format!("extension {}", e.as_str()),
        Dialled::Number(n) => n.to_string(),
    }
}

fn show_line(line: &LineRef) -> String {
    format!("{} (extension {})", line.number, line.extension.as_str())
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, TimeZone};
    use entity::enums::DeviceStatus;

    use super::*;
    use DeviceKind::{DeskPhone, MobileApp, Softphone, TeamsClient};
    use DeviceStatus::{Active, Disabled};
    use Platform::{Chorus, Teams};

    // --- fixtures ---------------------------------------------------------------------------

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn e164(s: &str) -> E164 {
        E164::parse_loose(s).expect("test number")
    }

    fn line(n: u128, number: &str, ext: &str) -> LineRef {
        LineRef {
            id: id(n),
            number: e164(number),
            extension: Extension::parse(ext).expect("test extension"),
        }
    }

    /// A person `n` whose devices get ids `n * 100 + i`; `preferred` indexes `devices`.
    fn person(
        n: u128,
        name: &str,
        platform: Platform,
        devices: &[(DeviceKind, DeviceStatus)],
        preferred: Option<usize>,
    ) -> PersonSnapshot {
        let devices: Vec<DeviceFacts> = devices
            .iter()
            .enumerate()
            .map(|(i, (kind, status))| DeviceFacts {
                id: id(n * 100 + i as u128),
                owner_id: id(n),
                kind: *kind,
                status: *status,
                last_used: None,
            })
            .collect();
        PersonSnapshot {
            id: id(n),
            name: name.into(),
            platform,
            preferred_device: preferred.map(|i| id(n * 100 + i as u128)),
            devices,
        }
    }

    fn desk(n: u128, name: &str) -> PersonSnapshot {
        person(n, name, Chorus, &[(DeskPhone, Active)], None)
    }

    fn teams(n: u128, name: &str) -> PersonSnapshot {
        person(
            n,
            name,
            Teams,
            &[(DeskPhone, Disabled), (TeamsClient, Active)],
            Some(1),
        )
    }

    fn dev(person: u128, i: u128) -> Uuid {
        id(person * 100 + i)
    }

    fn leg(person: u128, i: u128) -> Leg {
        Leg {
            person: id(person),
            device: dev(person, i),
        }
    }

    fn route(p: PersonSnapshot, line_no: u128, ext: &str) -> PersonRoute {
        PersonRoute {
            person: p,
            line: Some(line(line_no, &format!("+4418652{ext}"), ext)),
            rings_before_voicemail: 4,
            manages: vec![],
        }
    }

    fn mailbox(line_no: u128, ext: &str) -> Outcome {
        Outcome::Voicemail {
            mailbox: line(line_no, &format!("+4418652{ext}"), ext),
        }
    }

    const OUTSIDE: &str = "+442079460958";
    const VIP: &str = "+447911123456";

    fn ea(platform: Platform, divert: bool, assistants: Vec<PersonSnapshot>) -> EaManagerRole {
        EaManagerRole {
            group_id: id(900),
            group_name: "Vice-Chancellor's Office".into(),
            platform,
            divert_enabled: divert,
            whitelist: vec![e164(VIP), e164("+441865270100")],
            assistants,
        }
    }

    fn manager(platform: Platform, divert: bool, assistants: Vec<PersonSnapshot>) -> Destination {
        let boss = match platform {
            Chorus => desk(1, "Irene Adler"),
            Teams => teams(1, "Irene Adler"),
        };
        let mut r = route(boss, 10, "70001");
        r.manages = vec![ea(platform, divert, assistants)];
        Destination::Person(r)
    }

    fn member(p: PersonSnapshot, position: i32, ring_seconds: i32, opted_out: bool) -> HuntMember {
        HuntMember {
            person: p,
            position,
            ring_seconds,
            opted_out,
        }
    }

    fn hunt(
        n: u128,
        strategy: HuntStrategy,
        members: Vec<HuntMember>,
        no_answer: Fallback,
    ) -> HuntGroupSnapshot {
        HuntGroupSnapshot {
            id: id(n),
            name: format!("Group {n}"),
            pilot: line(n + 1000, "+441865270500", "70500"),
            strategy,
            platform: Chorus,
            members,
            no_answer,
        }
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
    }

    fn period(weekday: i16, opens: NaiveTime, closes: NaiveTime) -> OpeningPeriod {
        OpeningPeriod {
            weekday,
            opens,
            closes,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    /// The demo's IT Service Desk: Monday–Friday 08:30–18:00, Saturday 09:00–13:00, closed on
    /// bank holidays; out of hours to an outside number, overflow to voicemail.
    fn service_desk() -> ContactCentreSnapshot {
        let mut hours: Vec<OpeningPeriod> =
            (1..=5).map(|d| period(d, t(8, 30), t(18, 0))).collect();
        hours.push(period(6, t(9, 0), t(13, 0)));
        ContactCentreSnapshot {
            id: id(500),
            name: "IT Service Desk".into(),
            pilot: line(501, "+441865270600", "70600"),
            time_zone: "Europe/London".into(),
            opening_hours: hours,
            closures: vec![
                Closure {
                    date: date(2026, 8, 31),
                    reason: "Summer bank holiday".into(),
                },
                Closure {
                    date: date(2026, 12, 25),
                    reason: "Christmas Day".into(),
                },
            ],
            queues: vec![
                QueueSnapshot {
                    id: id(520),
                    name: "Students and accounts".into(),
                    position: 2,
                    max_waiting: 20,
                    max_wait_seconds: 600,
                    overflow: Fallback::Voicemail,
                    agents: vec![desk(41, "Agent Four")],
                },
                QueueSnapshot {
                    id: id(510),
                    name: "Staff and general enquiries".into(),
                    position: 1,
                    max_waiting: 10,
                    max_wait_seconds: 300,
                    overflow: Fallback::Voicemail,
                    agents: vec![
                        desk(31, "Agent One"),
                        teams(32, "Agent Moved"),
                        person(33, "Agent Offline", Chorus, &[(DeskPhone, Disabled)], None),
                        person(34, "Agent Soft", Chorus, &[(Softphone, Active)], Some(0)),
                    ],
                },
            ],
            out_of_hours: Fallback::Number(e164(OUTSIDE)),
        }
    }

    /// The service desk with other hours and closures.
    fn desk_with(hours: Vec<OpeningPeriod>, closures: Vec<Closure>) -> Destination {
        let mut c = service_desk();
        c.opening_hours = hours;
        c.closures = closures;
        Destination::ContactCentre(c)
    }

    fn queued() -> Outcome {
        Outcome::Queue {
            centre: id(500),
            queue: id(510),
            agents: vec![leg(31, 0), leg(34, 0)],
            max_waiting: 10,
            max_wait_seconds: 300,
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("test instant")
    }

    fn call(
        to: &str,
        from: &str,
        at: DateTime<Utc>,
        destination: Option<Destination>,
    ) -> RouteInput {
        RouteInput {
            to: Dialled::parse(to).expect("test number"),
            from: Dialled::parse(from).expect("test number"),
            caller_e164: None,
            at,
            destination,
            targets: Targets::default(),
        }
    }

    /// A weekday morning in June (BST), when the service desk is open.
    fn june() -> DateTime<Utc> {
        utc(2026, 6, 3, 9, 0)
    }

    struct Case {
        name: &'static str,
        input: RouteInput,
        outcome: Outcome,
        then: Vec<Outcome>,
        /// Step kinds that must appear, in this order (others may come between).
        steps: Vec<StepKind>,
    }

    fn assert_subsequence(name: &str, expected: &[StepKind], steps: &[Step]) {
        let mut actual = steps.iter().map(|s| s.kind);
        for kind in expected {
            assert!(
                actual.any(|k| k == *kind),
                "{name}: expected {expected:?} in order, got {:#?}",
                steps.iter().map(|s| (s.kind, &s.text)).collect::<Vec<_>>()
            );
        }
    }

    fn run(cases: Vec<Case>) {
        for case in cases {
            let got = explain(&case.input);
            assert_eq!(got.outcome, case.outcome, "{}: {:#?}", case.name, got.steps);
            assert_eq!(
                got.if_unanswered, case.then,
                "{}: {:#?}",
                case.name, got.steps
            );
            assert_subsequence(case.name, &case.steps, &got.steps);
            for step in &got.steps {
                assert!(
                    step.text.ends_with('.') && step.text.len() > 10,
                    "{}: a sentence: {:?}",
                    case.name,
                    step.text
                );
            }
        }
    }

    use StepKind as S;

    // --- people and executive assistants -------------------------------------------------

    #[test]
    fn calls_to_people() {
        let dest = |p| Some(Destination::Person(route(p, 10, "70001")));
        run(vec![
            Case {
                name: "unknown number",
                input: call("+44 1865 279999", OUTSIDE, june(), None),
                outcome: Outcome::NotInService,
                then: vec![],
                steps: vec![S::NotInService],
            },
            Case {
                name: "desk phone, then voicemail",
                input: call("70001", "70002", june(), dest(desk(1, "Ada"))),
                outcome: Outcome::Rings {
                    legs: vec![leg(1, 0)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Resolved, S::Device, S::Voicemail],
            },
            Case {
                name: "preferred softphone rings",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    dest(person(
                        1,
                        "Ada",
                        Chorus,
                        &[(DeskPhone, Active), (Softphone, Active)],
                        Some(1),
                    )),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(1, 1)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Device, S::Voicemail],
            },
            Case {
                name: "disabled preferred device falls back to the desk phone",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    dest(person(
                        1,
                        "Ada",
                        Chorus,
                        &[(DeskPhone, Active), (MobileApp, Disabled)],
                        Some(1),
                    )),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(1, 0)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Device, S::Voicemail],
            },
            Case {
                name: "no working device: straight to voicemail",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    dest(person(
                        1,
                        "Ada",
                        Chorus,
                        &[(DeskPhone, Disabled), (TeamsClient, Active)],
                        None,
                    )),
                ),
                outcome: mailbox(10, "70001"),
                then: vec![],
                steps: vec![S::NoDevice, S::Voicemail],
            },
            Case {
                name: "on Teams the Teams client rings, the old desk phone does not",
                input: call("70001", OUTSIDE, june(), dest(teams(1, "Ada"))),
                outcome: Outcome::Rings {
                    legs: vec![leg(1, 1)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Device, S::Voicemail],
            },
            Case {
                name: "on Teams without a Teams client: voicemail",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    dest(person(1, "Ada", Teams, &[(DeskPhone, Active)], Some(0))),
                ),
                outcome: mailbox(10, "70001"),
                then: vec![],
                steps: vec![S::NoDevice, S::Voicemail],
            },
            Case {
                name: "a shared line rings its devices",
                input: call(
                    "70700",
                    OUTSIDE,
                    june(),
                    Some(Destination::Line(LineRoute {
                        line: line(700, "+441865270700", "70700"),
                        label: Some("Porters' Lodge".into()),
                        devices: desk(7, "Lodge")
                            .devices
                            .into_iter()
                            .chain(person(8, "x", Chorus, &[(DeskPhone, Disabled)], None).devices)
                            .collect(),
                        rings_before_voicemail: 6,
                    })),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(7, 0)],
                    rings: 6,
                },
                then: vec![Outcome::Voicemail {
                    mailbox: line(700, "+441865270700", "70700"),
                }],
                steps: vec![S::Resolved, S::Device, S::Voicemail],
            },
        ]);
    }

    #[test]
    fn executive_assistants() {
        let assistants = || vec![desk(2, "Bea Assistant"), desk(3, "Cal Assistant")];
        let to_assistants = Outcome::Rings {
            legs: vec![leg(2, 0), leg(3, 0)],
            rings: 4,
        };
        let to_manager = |device| Outcome::Rings {
            legs: vec![leg(1, device)],
            rings: 4,
        };
        let mut from_colleague = call(
            "70001",
            "70100",
            june(),
            Some(manager(Chorus, true, assistants())),
        );
        from_colleague.caller_e164 = Some(e164("+441865270100"));
        run(vec![
            Case {
                name: "caller not on the whitelist: the assistants ring",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    Some(manager(Chorus, true, assistants())),
                ),
                outcome: to_assistants.clone(),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::Resolved, S::EaDivert, S::Device, S::Device, S::Voicemail],
            },
            Case {
                name: "whitelisted caller: straight through to the manager",
                input: call(
                    "70001",
                    "07911 123456",
                    june(),
                    Some(manager(Chorus, true, assistants())),
                ),
                outcome: to_manager(0),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaWhitelisted, S::Device, S::Voicemail],
            },
            Case {
                name: "whitelisted colleague calling from an extension",
                input: from_colleague,
                outcome: to_manager(0),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaWhitelisted],
            },
            Case {
                name: "unknown extension cannot match the whitelist",
                input: call(
                    "70001",
                    "70100",
                    june(),
                    Some(manager(Chorus, true, assistants())),
                ),
                outcome: to_assistants.clone(),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaDivert],
            },
            Case {
                name: "divert off: the manager rings for everyone",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    Some(manager(Chorus, false, assistants())),
                ),
                outcome: to_manager(0),
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaDivertOff, S::Device, S::Voicemail],
            },
            Case {
                name: "Teams delegation: a whitelisted caller still goes to the assistants",
                input: call(
                    "70001",
                    VIP,
                    june(),
                    Some(manager(
                        Teams,
                        true,
                        vec![teams(2, "Bea Assistant"), teams(3, "Cal Assistant")],
                    )),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(2, 1), leg(3, 1)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![
                    S::EaDelegation,
                    S::EaDivert,
                    S::Device,
                    S::Device,
                    S::Voicemail,
                ],
            },
            Case {
                name: "no assistant can ring: the manager rings after all",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    Some(manager(
                        Chorus,
                        true,
                        vec![person(2, "Bea", Chorus, &[(DeskPhone, Disabled)], None)],
                    )),
                ),
                outcome: to_manager(0),
                then: vec![mailbox(10, "70001")],
                steps: vec![
                    S::EaDivert,
                    S::NoDevice,
                    S::EaNoAssistant,
                    S::Device,
                    S::Voicemail,
                ],
            },
            Case {
                name: "one assistant without a device: the other rings",
                input: call(
                    "70001",
                    OUTSIDE,
                    june(),
                    Some(manager(
                        Chorus,
                        true,
                        vec![person(2, "Bea", Chorus, &[], None), desk(3, "Cal")],
                    )),
                ),
                outcome: Outcome::Rings {
                    legs: vec![leg(3, 0)],
                    rings: 4,
                },
                then: vec![mailbox(10, "70001")],
                steps: vec![S::EaDivert, S::NoDevice, S::Device],
            },
        ]);
    }

    #[test]
    fn the_explanation_names_the_whitelist_and_its_inactivity() {
        let e = explain(&call(
            "70001",
            VIP,
            june(),
            Some(manager(Chorus, true, vec![desk(2, "Bea")])),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::EaWhitelisted)
            .expect("whitelisted");
        assert!(
            step.text.contains(VIP) && step.text.contains("Irene Adler"),
            "{}",
            step.text
        );
        assert_eq!(step.number, Some(e164(VIP)));
        assert!(step.refs.contains(&Ref::EaGroup(id(900))));

        let e = explain(&call(
            "70001",
            VIP,
            june(),
            Some(manager(Teams, true, vec![teams(2, "Bea")])),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::EaDelegation)
            .expect("delegation");
        assert!(step.text.contains("kept but inactive"), "{}", step.text);
        assert!(step.text.contains("2 whitelisted"), "{}", step.text);
        assert!(
            step.text.contains("still goes to the assistants"),
            "{}",
            step.text
        );
    }

    // --- hunt groups ------------------------------------------------------------------------

    #[test]
    fn hunt_groups() {
        use HuntStrategy::{Sequential, Simultaneous};
        let pilot_mail = Outcome::Voicemail {
            mailbox: line(1100, "+441865270500", "70500"),
        };
        let four = || {
            vec![
                member(desk(4, "Dan"), 3, 20, false),
                member(desk(2, "Bea"), 1, 15, false),
                member(desk(3, "Cal"), 2, 10, true),
                member(
                    person(5, "Eve", Chorus, &[(Softphone, Active)], Some(0)),
                    4,
                    25,
                    false,
                ),
            ]
        };
        let hleg = |p: u128, s: i32| HuntLeg {
            person: id(p),
            device: dev(p, 0),
            ring_seconds: s,
        };
        let group = |g: HuntGroupSnapshot| Some(Destination::HuntGroup(g));

        let mut to_next = call(
            "70500",
            OUTSIDE,
            june(),
            group(hunt(100, Sequential, four(), Fallback::HuntGroup(id(200)))),
        );
        to_next.targets.hunt_groups.insert(
            id(200),
            Some(hunt(
                200,
                Simultaneous,
                vec![member(desk(6, "Fay"), 1, 30, false)],
                Fallback::Person(id(7)),
            )),
        );
        to_next
            .targets
            .people
            .insert(id(7), Some(route(desk(7, "Gus"), 70, "70007")));

        let mut outside = call(
            "70500",
            OUTSIDE,
            june(),
            group(hunt(
                100,
                Sequential,
                four(),
                Fallback::Number(e164(OUTSIDE)),
            )),
        );
        outside.targets.numbers.insert(e164(OUTSIDE), None);

        let mut by_number = call(
            "70500",
            OUTSIDE,
            june(),
            group(hunt(
                100,
                Sequential,
                four(),
                Fallback::Number(e164("+441865270001")),
            )),
        );
        by_number.targets.numbers.insert(
            e164("+441865270001"),
            Some(Destination::Person(route(desk(1, "Ada"), 10, "70001"))),
        );

        let mut teams_group = hunt(
            100,
            Simultaneous,
            vec![
                member(teams(2, "Bea"), 1, 20, false),
                member(desk(3, "Cal"), 2, 20, false),
            ],
            Fallback::Voicemail,
        );
        teams_group.platform = Teams;

        run(vec![
            Case {
                name: "sequential: position order, the opted-out member skipped",
                input: call(
                    "70500",
                    OUTSIDE,
                    june(),
                    group(hunt(100, Sequential, four(), Fallback::Voicemail)),
                ),
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Sequential,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 60,
                },
                then: vec![pilot_mail.clone()],
                steps: vec![
                    S::Resolved,
                    S::Hunt,
                    S::HuntMember,
                    S::HuntSkipped,
                    S::HuntMember,
                    S::HuntMember,
                    S::Voicemail,
                ],
            },
            Case {
                name: "simultaneous: the set, for the longest ring time",
                input: call(
                    "70500",
                    OUTSIDE,
                    june(),
                    group(hunt(100, Simultaneous, four(), Fallback::Voicemail)),
                ),
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Simultaneous,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 25,
                },
                then: vec![pilot_mail.clone()],
                steps: vec![S::Hunt, S::HuntMember, S::HuntSkipped, S::Voicemail],
            },
            Case {
                name: "everyone opted out: straight to the no-answer destination",
                input: call(
                    "70500",
                    OUTSIDE,
                    june(),
                    group(hunt(
                        100,
                        Sequential,
                        vec![member(desk(2, "Bea"), 1, 15, true)],
                        Fallback::Voicemail,
                    )),
                ),
                outcome: pilot_mail.clone(),
                then: vec![],
                steps: vec![S::HuntSkipped, S::HuntEmpty, S::Voicemail],
            },
            Case {
                name: "no answer: forwarded outside",
                input: outside,
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Sequential,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 60,
                },
                then: vec![Outcome::Forwarded {
                    number: e164(OUTSIDE),
                }],
                steps: vec![S::Hunt, S::Forwarded],
            },
            Case {
                name: "no answer: to a university number, which is a person",
                input: by_number,
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Sequential,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 60,
                },
                then: vec![
                    Outcome::Rings {
                        legs: vec![leg(1, 0)],
                        rings: 4,
                    },
                    mailbox(10, "70001"),
                ],
                steps: vec![S::Hunt, S::Fallback, S::Resolved, S::Device, S::Voicemail],
            },
            Case {
                name: "no answer: another group, then a person, then their voicemail",
                input: to_next,
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Sequential,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 60,
                },
                then: vec![
                    Outcome::Hunt {
                        group: id(200),
                        strategy: Simultaneous,
                        legs: vec![hleg(6, 30)],
                        ring_seconds: 30,
                    },
                    Outcome::Rings {
                        legs: vec![leg(7, 0)],
                        rings: 4,
                    },
                    mailbox(70, "70007"),
                ],
                steps: vec![
                    S::Hunt,
                    S::Fallback,
                    S::Hunt,
                    S::HuntMember,
                    S::Fallback,
                    S::Device,
                    S::Voicemail,
                ],
            },
            Case {
                name: "no answer: nowhere set, released",
                input: call(
                    "70500",
                    OUTSIDE,
                    june(),
                    group(hunt(100, Simultaneous, four(), Fallback::None)),
                ),
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Simultaneous,
                    legs: vec![hleg(2, 15), hleg(4, 20), hleg(5, 25)],
                    ring_seconds: 25,
                },
                then: vec![Outcome::Released],
                steps: vec![S::Released],
            },
            Case {
                name: "a member on the other platform is not rung",
                input: call("70500", OUTSIDE, june(), group(teams_group)),
                outcome: Outcome::Hunt {
                    group: id(100),
                    strategy: Simultaneous,
                    legs: vec![HuntLeg {
                        person: id(2),
                        device: dev(2, 1),
                        ring_seconds: 20,
                    }],
                    ring_seconds: 20,
                },
                then: vec![pilot_mail.clone()],
                steps: vec![S::HuntMember, S::HuntSkipped],
            },
            Case {
                name: "a fallback to a group that no longer exists",
                input: {
                    let mut c = call(
                        "70500",
                        OUTSIDE,
                        june(),
                        group(hunt(
                            100,
                            Sequential,
                            vec![member(desk(2, "Bea"), 1, 15, true)],
                            Fallback::HuntGroup(id(404)),
                        )),
                    );
                    c.targets.hunt_groups.insert(id(404), None);
                    c
                },
                outcome: Outcome::Released,
                then: vec![],
                steps: vec![S::HuntEmpty, S::UnknownTarget],
            },
        ]);
    }

    #[test]
    fn fallback_loops_are_cut() {
        use HuntStrategy::Sequential;
        // Group 100 falls back to 200, which falls back to 100.
        let mut looped = call(
            "70500",
            OUTSIDE,
            june(),
            Some(Destination::HuntGroup(hunt(
                100,
                Sequential,
                vec![member(desk(2, "Bea"), 1, 15, false)],
                Fallback::HuntGroup(id(200)),
            ))),
        );
        looped.targets.hunt_groups.insert(
            id(200),
            Some(hunt(
                200,
                Sequential,
                vec![member(desk(3, "Cal"), 1, 15, false)],
                Fallback::HuntGroup(id(100)),
            )),
        );
        looped.targets.hunt_groups.insert(
            id(100),
            Some(hunt(
                100,
                Sequential,
                vec![member(desk(2, "Bea"), 1, 15, false)],
                Fallback::HuntGroup(id(200)),
            )),
        );
        let e = explain(&looped);
        assert_eq!(e.outcome.kind(), OutcomeKind::Hunt);
        assert_eq!(
            e.if_unanswered
                .iter()
                .map(Outcome::kind)
                .collect::<Vec<_>>(),
            [OutcomeKind::Hunt, OutcomeKind::Released]
        );
        assert_eq!(e.steps.last().map(|s| s.kind), Some(S::Loop));
        assert_eq!(e.last(), &Outcome::Released);

        // A chain of empty groups longer than the hop limit.
        let mut chain = call(
            "70500",
            OUTSIDE,
            june(),
            Some(Destination::HuntGroup(hunt(
                1,
                Sequential,
                vec![],
                Fallback::HuntGroup(id(2)),
            ))),
        );
        for n in 2..=10 {
            chain.targets.hunt_groups.insert(
                id(n),
                Some(hunt(n, Sequential, vec![], Fallback::HuntGroup(id(n + 1)))),
            );
        }
        let e = explain(&chain);
        assert_eq!(e.outcome, Outcome::Released);
        assert_eq!(e.steps.last().map(|s| s.kind), Some(S::Loop));
        let groups_entered = e.steps.iter().filter(|s| s.kind == S::Hunt).count();
        assert_eq!(groups_entered, MAX_FALLBACK_HOPS + 1);
    }

    #[test]
    fn missing_targets_lists_what_to_load_next() {
        use HuntStrategy::Sequential;
        let mut input = call(
            "70500",
            OUTSIDE,
            june(),
            Some(Destination::HuntGroup(hunt(
                100,
                Sequential,
                vec![],
                Fallback::HuntGroup(id(200)),
            ))),
        );
        assert_eq!(missing_targets(&input), [TargetRef::HuntGroup(id(200))]);
        input.targets.hunt_groups.insert(
            id(200),
            Some(hunt(
                200,
                Sequential,
                vec![],
                Fallback::Number(e164(OUTSIDE)),
            )),
        );
        assert_eq!(missing_targets(&input), [TargetRef::Number(e164(OUTSIDE))]);
        input.targets.numbers.insert(e164(OUTSIDE), None);
        assert_eq!(missing_targets(&input), []);

        let mut centre = service_desk();
        centre.out_of_hours = Fallback::Person(id(7));
        let input = call(
            "70600",
            OUTSIDE,
            june(),
            Some(Destination::ContactCentre(centre)),
        );
        assert_eq!(
            missing_targets(&input),
            [TargetRef::Person(id(7))],
            "overflows are voicemail"
        );

        let input = call(
            "70001",
            OUTSIDE,
            june(),
            Some(Destination::Person(route(desk(1, "Ada"), 10, "70001"))),
        );
        assert_eq!(missing_targets(&input), []);
        assert_eq!(missing_targets(&call("70001", OUTSIDE, june(), None)), []);
    }

    // --- contact centres --------------------------------------------------------------------

    #[test]
    fn contact_centre_hours_across_the_clock_changes() {
        let desk_ = || Some(Destination::ContactCentre(service_desk()));
        let out = Outcome::Forwarded {
            number: e164(OUTSIDE),
        };
        let overflow = Outcome::Voicemail {
            mailbox: line(501, "+441865270600", "70600"),
        };
        let open = |name, at| Case {
            name,
            input: call("70600", "70001", at, desk_()),
            outcome: queued(),
            then: vec![overflow.clone()],
            steps: vec![S::Resolved, S::CentreOpen, S::Queue, S::Voicemail],
        };
        let closed = |name, at| Case {
            name,
            input: call("70600", "70001", at, desk_()),
            outcome: out.clone(),
            then: vec![],
            steps: vec![S::Resolved, S::CentreClosed, S::Forwarded],
        };
        run(vec![
            open("a June weekday, 10:00 BST", june()),
            closed("a June weekday, 19:00 BST", utc(2026, 6, 3, 18, 0)),
            closed("a June Sunday", utc(2026, 6, 7, 11, 0)),
            open("a June Saturday, 12:59 BST", utc(2026, 6, 6, 11, 59)),
            closed("a June Saturday, 13:00 BST", utc(2026, 6, 6, 12, 0)),
            // Clocks go forward at 01:00 UTC on Sunday 29 March 2026.
            closed("Friday before, 07:30 GMT", utc(2026, 3, 27, 7, 30)),
            open("Friday before, 08:30 GMT", utc(2026, 3, 27, 8, 30)),
            open("Friday before, 17:59 GMT", utc(2026, 3, 27, 17, 59)),
            open(
                "Monday after, 08:30 BST is 07:30 UTC",
                utc(2026, 3, 30, 7, 30),
            ),
            closed("Monday after, 08:29 BST", utc(2026, 3, 30, 7, 29)),
            open("Monday after, 17:59 BST", utc(2026, 3, 30, 16, 59)),
            closed(
                "Monday after, 18:00 BST is 17:00 UTC",
                utc(2026, 3, 30, 17, 0),
            ),
            // Clocks go back at 01:00 UTC on Sunday 25 October 2026.
            open(
                "Friday before, 08:30 BST is 07:30 UTC",
                utc(2026, 10, 23, 7, 30),
            ),
            closed(
                "Friday before, 18:30 BST is 17:30 UTC",
                utc(2026, 10, 23, 17, 30),
            ),
            closed("Monday after, 07:30 GMT", utc(2026, 10, 26, 7, 30)),
            open("Monday after, 08:30 GMT", utc(2026, 10, 26, 8, 30)),
            open("Monday after, 17:30 GMT", utc(2026, 10, 26, 17, 30)),
            // Closures.
            closed("Christmas Day, a Friday", utc(2026, 12, 25, 10, 0)),
            closed("summer bank holiday Monday", utc(2026, 8, 31, 10, 0)),
            open("the day after the bank holiday", utc(2026, 9, 1, 10, 0)),
        ]);
    }

    #[test]
    fn on_the_days_of_the_change_the_wall_clock_decides() {
        let sunday = desk_with(
            vec![period(7, t(9, 0), t(13, 0)), period(7, t(1, 0), t(2, 0))],
            vec![],
        );
        let cases = [
            // 29 March: 01:00–02:00 local does not exist; 09:00 BST is 08:00 UTC.
            (utc(2026, 3, 29, 0, 59), false, "00:59 GMT, before the gap"),
            (
                utc(2026, 3, 29, 1, 0),
                false,
                "02:00 BST: the 01:00 hour was skipped",
            ),
            (utc(2026, 3, 29, 7, 59), false, "08:59 BST"),
            (utc(2026, 3, 29, 8, 0), true, "09:00 BST"),
            (utc(2026, 3, 29, 11, 59), true, "12:59 BST"),
            (utc(2026, 3, 29, 12, 0), false, "13:00 BST"),
            // 25 October: 01:00–02:00 local happens twice; 09:00 GMT is 09:00 UTC.
            (utc(2026, 10, 25, 0, 30), true, "01:30 BST, the first time"),
            (utc(2026, 10, 25, 1, 30), true, "01:30 GMT, the second time"),
            (utc(2026, 10, 25, 2, 0), false, "02:00 GMT"),
            (utc(2026, 10, 25, 8, 30), false, "08:30 GMT"),
            (utc(2026, 10, 25, 9, 0), true, "09:00 GMT"),
            (utc(2026, 10, 25, 12, 30), true, "12:30 GMT"),
        ];
        for (at, open, why) in cases {
            let e = explain(&call("70600", "70001", at, Some(sunday.clone())));
            assert_eq!(
                e.outcome.kind() == OutcomeKind::Queue,
                open,
                "{why}: {:#?}",
                e.steps
            );
        }
        let e = explain(&call(
            "70600",
            "70001",
            utc(2026, 3, 30, 7, 30),
            Some(Destination::ContactCentre(service_desk())),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::CentreOpen)
            .expect("open");
        assert!(
            step.text.contains("Monday 30 March 2026, 08:30 BST"),
            "{}",
            step.text
        );
        let e = explain(&call(
            "70600",
            "70001",
            utc(2026, 10, 26, 7, 30),
            Some(Destination::ContactCentre(service_desk())),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::CentreClosed)
            .expect("closed");
        assert!(
            step.text.contains("07:30 GMT") && step.text.contains("Monday 08:30–18:00"),
            "{}",
            step.text
        );
    }

    #[test]
    fn closures_and_midnight_are_local() {
        let every_day: Vec<OpeningPeriod> = (1..=7).map(|d| period(d, t(0, 0), t(0, 0))).collect();
        let always = desk_with(
            every_day,
            vec![Closure {
                date: date(2026, 8, 31),
                reason: "Summer bank holiday".into(),
            }],
        );
        let evenings = desk_with(vec![period(3, t(18, 0), t(0, 0))], vec![]);
        let cases = [
            (
                &always,
                utc(2026, 8, 30, 22, 59),
                true,
                "23:59 BST on the Sunday",
            ),
            (
                &always,
                utc(2026, 8, 30, 23, 30),
                false,
                "00:30 BST on the bank holiday, still the 30th in UTC",
            ),
            (
                &always,
                utc(2026, 8, 31, 22, 59),
                false,
                "23:59 BST on the bank holiday",
            ),
            (
                &always,
                utc(2026, 8, 31, 23, 0),
                true,
                "00:00 BST on the Tuesday",
            ),
            (
                &evenings,
                utc(2026, 6, 3, 16, 59),
                false,
                "Wednesday 17:59 BST",
            ),
            (
                &evenings,
                utc(2026, 6, 3, 17, 0),
                true,
                "Wednesday 18:00 BST",
            ),
            (
                &evenings,
                utc(2026, 6, 3, 22, 59),
                true,
                "Wednesday 23:59 BST: 00:00 closes at midnight",
            ),
            (
                &evenings,
                utc(2026, 6, 3, 23, 0),
                false,
                "Thursday 00:00 BST",
            ),
        ];
        for (centre, at, open, why) in cases {
            let e = explain(&call("70600", "70001", at, Some(centre.clone())));
            assert_eq!(
                e.outcome.kind() == OutcomeKind::Queue,
                open,
                "{why}: {:#?}",
                e.steps
            );
        }
        let e = explain(&call(
            "70600",
            "70001",
            utc(2026, 12, 25, 10, 0),
            Some(Destination::ContactCentre(service_desk())),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::CentreClosed)
            .expect("closed");
        assert!(step.text.contains("Christmas Day"), "{}", step.text);
    }

    #[test]
    fn queues_without_agents_or_centres_without_queues() {
        let overflow = Outcome::Voicemail {
            mailbox: line(501, "+441865270600", "70600"),
        };
        let mut no_agents = service_desk();
        for q in &mut no_agents.queues {
            q.agents.retain(|a| a.platform == Teams);
        }
        let mut no_queues = service_desk();
        no_queues.queues.clear();
        no_queues.out_of_hours = Fallback::None;
        let mut odd_zone = service_desk();
        odd_zone.time_zone = "Oxford/Carfax".into();
        run(vec![
            Case {
                name: "a queue whose agents cannot ring overflows at once",
                input: call(
                    "70600",
                    OUTSIDE,
                    june(),
                    Some(Destination::ContactCentre(no_agents)),
                ),
                outcome: overflow,
                then: vec![],
                steps: vec![S::CentreOpen, S::Queue, S::QueueNoAgents, S::Voicemail],
            },
            Case {
                name: "an open centre without queues uses its out-of-hours destination",
                input: call(
                    "70600",
                    OUTSIDE,
                    june(),
                    Some(Destination::ContactCentre(no_queues)),
                ),
                outcome: Outcome::Released,
                then: vec![],
                steps: vec![S::CentreOpen, S::NoQueue, S::Released],
            },
            Case {
                name: "an unknown time zone is read as Europe/London",
                input: call(
                    "70600",
                    OUTSIDE,
                    utc(2026, 3, 30, 7, 30),
                    Some(Destination::ContactCentre(odd_zone)),
                ),
                outcome: queued(),
                then: vec![Outcome::Voicemail {
                    mailbox: line(501, "+441865270600", "70600"),
                }],
                steps: vec![S::TimeZoneUnknown, S::CentreOpen, S::Queue],
            },
        ]);
        let e = explain(&call(
            "70600",
            OUTSIDE,
            june(),
            Some(Destination::ContactCentre(service_desk())),
        ));
        let queue = e.steps.iter().find(|s| s.kind == S::Queue).expect("queue");
        assert!(
            queue.refs.contains(&Ref::Queue(id(510))),
            "the first queue by position"
        );
        assert_eq!(queue.ring_seconds, Some(300));
        assert!(queue.text.contains("2 of its 4 agent(s)"), "{}", queue.text);
    }
}

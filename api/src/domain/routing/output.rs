//! What `explain` hands back: the steps in words and the outcomes, first where the call is
//! offered, then where it moves on to while nobody answers.

use entity::enums::HuntStrategy;
use uuid::Uuid;

use super::LineRef;
use crate::domain::phone::E164;

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

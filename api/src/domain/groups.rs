//! Group-working rules (issue 5): what a hunt group, pickup group or executive-assistant group
//! may look like, as checks that return a typed [`GroupRefusal`] with a stable code (the
//! contact-centre and teleconference rules, in `domain::contact_centres` and
//! `domain::conferences`, refuse with it too). Also the destination type the call-routing rule
//! reads ([`Fallback`]).
//!
//! From the seeds: a hunt group is on Teams only if the whole group is; pickup groups are for
//! Chorus desk phones (`**3`), so a person on Teams cannot join one; executive-assistant working
//! needs manager and assistant on the same platform, and on Teams ("delegation") there is no
//! whitelist; contact centres stay on Chorus. Where the seeds are silent the choices are stated
//! on each item (ring-time range, queue limits, code lengths, midnight closing).

use std::collections::HashSet;
use std::ops::RangeInclusive;

use chrono::NaiveDate;
use entity::enums::{DeviceKind, DeviceStatus, EaRole, FallbackKind, Platform};
use uuid::Uuid;

use super::conferences::{CODE_DIGITS, MAX_CONFERENCE_HOURS, MIN_CONFERENCE_PORTS};
use super::contact_centres::{MAX_WAIT_SECONDS, MAX_WAITING};
use super::devices::DeviceFacts;
use super::phone::E164;
use super::text::Quoted;

/// Why a group change was refused. [`GroupRefusal::code`] is stable (clients and scripts match
/// on it); the `Display` text is for people and may be reworded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GroupRefusal {
    /// A group, queue or conference name is empty, too long or has control characters.
    #[error("a name needs 1 to {MAX_NAME_CHARS} characters")]
    InvalidName,
    /// The person id names nobody (the service reports this; the rules take loaded people).
    #[error("no such person")]
    UnknownPerson(Uuid),
    /// The person is already in the group (or already an agent of the queue).
    #[error("this person is already in the group")]
    DuplicateMember(Uuid),
    /// The person to remove or reorder is not in the group.
    #[error("this person is not in the group")]
    NotAMember(Uuid),
    /// A new group was given no members.
    #[error("a group needs at least one member")]
    NoMembers,
    /// Removing the member would leave the group empty.
    #[error("the group would be left without members: delete the group instead")]
    LastMember,
    /// The person is not on the group's platform.
    #[error(
        "the group is on {} and takes only people on {}: this person is on {}",
        platform_name(*.group_platform),
        platform_name(*.group_platform),
        platform_name(*.person_platform)
    )]
    PlatformMismatch {
        /// The person refused.
        person: Uuid,
        /// Their platform.
        person_platform: Platform,
        /// The group's platform.
        group_platform: Platform,
    },
    /// A new group's members are on both platforms.
    #[error(
        "the members are on both Chorus and Teams: a group is on Teams only when every member is"
    )]
    MixedPlatforms,
    /// A ring time outside [`RING_SECONDS`].
    #[error(
        "a ring time is {min} to {max} seconds, not {0}",
        min = RING_SECONDS.start(),
        max = RING_SECONDS.end()
    )]
    RingSecondsOutOfRange(i32),
    /// A new ring order is not a permutation of the current members.
    #[error("the new order must list every current member exactly once")]
    NotAPermutation,
    /// A person on Teams cannot join a pickup group.
    #[error(
        "pickup groups are for Chorus desk phones: a person on Telephony over Teams cannot join"
    )]
    PickupNeedsChorus,
    /// A pickup-group member needs a working desk phone.
    #[error("only a person with a working desk phone can pick up calls with **3")]
    PickupNeedsDeskPhone,
    /// One person as both manager and assistant of a group.
    #[error("a manager cannot be their own assistant")]
    OwnAssistant,
    /// A new executive-assistant group lacks a manager or an assistant.
    #[error("an executive-assistant group needs at least one manager and one assistant")]
    EaNeedsBothRoles,
    /// Removing the last manager or the last assistant of a group.
    #[error("the group would be left without a {}", role_name(*.0))]
    LastOfRole(EaRole),
    /// A whitelist for someone who is not a manager.
    #[error("only a manager has a whitelist")]
    NotAManager,
    /// The input is not a valid telephone number.
    #[error("{} is not a telephone number", Quoted::new(.0))]
    InvalidNumber(String),
    /// The number is already on the whitelist.
    #[error("{0} is already on the whitelist")]
    DuplicateNumber(E164),
    /// The manager's own number on their whitelist.
    #[error("the manager's own number cannot be on their whitelist")]
    OwnNumber,
    /// The whitelist already holds [`MAX_WHITELIST`] numbers.
    #[error("a whitelist holds at most {MAX_WHITELIST} numbers")]
    WhitelistFull,
    /// A destination kind and target that do not fit together.
    #[error("invalid destination: {0}")]
    InvalidFallback(String),
    /// A hunt group's no-answer destination is the group itself.
    #[error("a hunt group cannot send unanswered calls to itself")]
    FallbackLoop,
    /// An opening-hours entry with a weekday outside 1–7.
    #[error("entry {index}: weekday {weekday} is not 1 (Monday) to 7 (Sunday)")]
    InvalidWeekday {
        /// The entry, 0-based.
        index: usize,
        /// The weekday given.
        weekday: i16,
    },
    /// An opening-hours entry that closes at or before it opens.
    #[error(
        "entry {index}: the closing time must be after the opening time (00:00 closes at midnight)"
    )]
    InvertedHours {
        /// The entry, 0-based.
        index: usize,
    },
    /// Two opening-hours entries of one weekday overlap.
    #[error("entries {first} and {second} overlap on {}", weekday_name(*.weekday))]
    OverlappingHours {
        /// The lower entry index, 0-based.
        first: usize,
        /// The higher entry index, 0-based.
        second: usize,
        /// Their ISO weekday.
        weekday: i16,
    },
    /// A closure date listed twice.
    #[error("{0} is listed twice as a closure")]
    DuplicateClosure(NaiveDate),
    /// Not an IANA time-zone name.
    #[error("{} is not an IANA time zone such as Europe/London", Quoted::new(.0))]
    InvalidTimeZone(String),
    /// Queue capacity outside [`MAX_WAITING`].
    #[error(
        "callers waiting at once must be {min} to {max}, not {0}",
        min = MAX_WAITING.start(),
        max = MAX_WAITING.end()
    )]
    MaxWaitingOutOfRange(i32),
    /// Longest queue wait outside [`MAX_WAIT_SECONDS`].
    #[error(
        "the longest wait must be {min} to {max} seconds, not {0}",
        min = MAX_WAIT_SECONDS.start(),
        max = MAX_WAIT_SECONDS.end()
    )]
    MaxWaitOutOfRange(i32),
    /// A person on Teams as a contact-centre agent.
    #[error("contact centres stay on Chorus: a person on Telephony over Teams cannot be an agent")]
    AgentOnTeams(Uuid),
    /// A conference ending at or before its start.
    #[error("a conference must end after it starts")]
    EndsBeforeStart,
    /// A conference longer than [`MAX_CONFERENCE_HOURS`].
    #[error("a conference lasts at most {MAX_CONFERENCE_HOURS} hours")]
    ConferenceTooLong,
    /// An access code or PIN of the wrong length, not digits, or trivial.
    #[error(
        "an access code or PIN is {min} to {max} digits, not all one digit and not a run like 123456",
        min = CODE_DIGITS.start(),
        max = CODE_DIGITS.end()
    )]
    InvalidCode,
    /// The access code equals the moderator PIN.
    #[error("the access code and the moderator PIN must differ")]
    SameCodeAndPin,
    /// The access code is a code or PIN of an overlapping conference on the bridge.
    #[error("the access code is in use by an overlapping conference on this bridge")]
    AccessCodeInUse,
    /// The moderator PIN is a code or PIN of an overlapping conference on the bridge.
    #[error("the moderator PIN is in use by an overlapping conference on this bridge")]
    ModeratorPinInUse,
    /// The generator found no free pair of codes.
    #[error("no free code was found: try again")]
    NoFreeCode,
    /// Reserved ports below [`MIN_CONFERENCE_PORTS`] or above the bridge's.
    #[error("a conference reserves {MIN_CONFERENCE_PORTS} to {bridge_ports} ports, not {ports}")]
    CapacityOutOfRange {
        /// The ports asked for.
        ports: i32,
        /// The bridge's ports.
        bridge_ports: i32,
    },
    /// More participants listed than ports reserved.
    #[error("{participants} participants do not fit in {ports} reserved ports")]
    TooManyParticipants {
        /// Participants listed (people and external numbers).
        participants: usize,
        /// Ports reserved.
        ports: i32,
    },
    /// Overlapping conferences leave too few ports on the bridge.
    #[error(
        "the bridge has {bridge_ports} ports and overlapping conferences already reserve {reserved} at the busiest moment: {requested} more do not fit"
    )]
    BridgeFull {
        /// Ports the conference asks for.
        requested: i32,
        /// Ports reserved by overlapping conferences at the busiest instant.
        reserved: i64,
        /// The bridge's ports.
        bridge_ports: i32,
    },
}

/// The broad kind of a refusal, for mapping onto the API's user-error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalCategory {
    /// A value is malformed, empty or out of range.
    Invalid,
    /// An id names nothing.
    NotFound,
    /// The value clashes with one that must be unique.
    Duplicate,
    /// A rule of telephony or of the move to Teams forbids it.
    RuleViolation,
}

impl GroupRefusal {
    /// The stable machine-readable code, UPPER_SNAKE.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidName => "INVALID_NAME",
            Self::UnknownPerson(_) => "UNKNOWN_PERSON",
            Self::DuplicateMember(_) => "DUPLICATE_MEMBER",
            Self::NotAMember(_) => "NOT_A_MEMBER",
            Self::NoMembers => "NO_MEMBERS",
            Self::LastMember => "LAST_MEMBER",
            Self::PlatformMismatch { .. } => "PLATFORM_MISMATCH",
            Self::MixedPlatforms => "MIXED_PLATFORMS",
            Self::RingSecondsOutOfRange(_) => "RING_SECONDS_OUT_OF_RANGE",
            Self::NotAPermutation => "NOT_A_PERMUTATION",
            Self::PickupNeedsChorus => "PICKUP_NEEDS_CHORUS",
            Self::PickupNeedsDeskPhone => "PICKUP_NEEDS_DESK_PHONE",
            Self::OwnAssistant => "OWN_ASSISTANT",
            Self::EaNeedsBothRoles => "EA_NEEDS_BOTH_ROLES",
            Self::LastOfRole(_) => "LAST_OF_ROLE",
            Self::NotAManager => "NOT_A_MANAGER",
            Self::InvalidNumber(_) => "INVALID_NUMBER",
            Self::DuplicateNumber(_) => "DUPLICATE_NUMBER",
            Self::OwnNumber => "OWN_NUMBER",
            Self::WhitelistFull => "WHITELIST_FULL",
            Self::InvalidFallback(_) => "INVALID_FALLBACK",
            Self::FallbackLoop => "FALLBACK_LOOP",
            Self::InvalidWeekday { .. } => "INVALID_WEEKDAY",
            Self::InvertedHours { .. } => "INVERTED_HOURS",
            Self::OverlappingHours { .. } => "OVERLAPPING_HOURS",
            Self::DuplicateClosure(_) => "DUPLICATE_CLOSURE",
            Self::InvalidTimeZone(_) => "INVALID_TIME_ZONE",
            Self::MaxWaitingOutOfRange(_) => "MAX_WAITING_OUT_OF_RANGE",
            Self::MaxWaitOutOfRange(_) => "MAX_WAIT_OUT_OF_RANGE",
            Self::AgentOnTeams(_) => "AGENT_ON_TEAMS",
            Self::EndsBeforeStart => "ENDS_BEFORE_START",
            Self::ConferenceTooLong => "CONFERENCE_TOO_LONG",
            Self::InvalidCode => "INVALID_CODE",
            Self::SameCodeAndPin => "SAME_CODE_AND_PIN",
            Self::AccessCodeInUse => "ACCESS_CODE_IN_USE",
            Self::ModeratorPinInUse => "MODERATOR_PIN_IN_USE",
            Self::NoFreeCode => "NO_FREE_CODE",
            Self::CapacityOutOfRange { .. } => "CAPACITY_OUT_OF_RANGE",
            Self::TooManyParticipants { .. } => "TOO_MANY_PARTICIPANTS",
            Self::BridgeFull { .. } => "BRIDGE_FULL",
        }
    }

    /// The broad kind, for the API's coarse user-error code.
    pub fn category(&self) -> RefusalCategory {
        match self {
            Self::UnknownPerson(_) | Self::NotAMember(_) => RefusalCategory::NotFound,
            Self::DuplicateMember(_)
            | Self::DuplicateNumber(_)
            | Self::DuplicateClosure(_)
            | Self::AccessCodeInUse
            | Self::ModeratorPinInUse => RefusalCategory::Duplicate,
            Self::InvalidName
            | Self::RingSecondsOutOfRange(_)
            | Self::NotAPermutation
            | Self::InvalidNumber(_)
            | Self::InvalidFallback(_)
            | Self::InvalidWeekday { .. }
            | Self::InvertedHours { .. }
            | Self::OverlappingHours { .. }
            | Self::InvalidTimeZone(_)
            | Self::MaxWaitingOutOfRange(_)
            | Self::MaxWaitOutOfRange(_)
            | Self::EndsBeforeStart
            | Self::ConferenceTooLong
            | Self::InvalidCode
            | Self::SameCodeAndPin
            | Self::CapacityOutOfRange { .. }
            | Self::NoMembers
            | Self::EaNeedsBothRoles => RefusalCategory::Invalid,
            Self::LastMember
            | Self::PlatformMismatch { .. }
            | Self::MixedPlatforms
            | Self::PickupNeedsChorus
            | Self::PickupNeedsDeskPhone
            | Self::OwnAssistant
            | Self::LastOfRole(_)
            | Self::NotAManager
            | Self::OwnNumber
            | Self::WhitelistFull
            | Self::FallbackLoop
            | Self::AgentOnTeams(_)
            | Self::NoFreeCode
            | Self::TooManyParticipants { .. }
            | Self::BridgeFull { .. } => RefusalCategory::RuleViolation,
        }
    }
}

impl crate::error::RuleRefusal for GroupRefusal {
    fn user_error_code(&self) -> crate::error::UserErrorCode {
        use crate::error::UserErrorCode;
        match self.category() {
            RefusalCategory::Invalid => UserErrorCode::Invalid,
            RefusalCategory::NotFound => UserErrorCode::NotFound,
            RefusalCategory::Duplicate => UserErrorCode::Duplicate,
            RefusalCategory::RuleViolation => UserErrorCode::RuleViolation,
        }
    }

    fn reason(&self) -> &'static str {
        self.code()
    }
}

fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::Chorus => "Chorus",
        Platform::Teams => "Telephony over Teams",
    }
}

fn role_name(r: EaRole) -> &'static str {
    match r {
        EaRole::Manager => "manager",
        EaRole::Assistant => "assistant",
    }
}

/// The English name of an ISO weekday (1 = Monday … 7 = Sunday), or `"weekday ?"`.
pub fn weekday_name(weekday: i16) -> &'static str {
    match weekday {
        1 => "Monday",
        2 => "Tuesday",
        3 => "Wednesday",
        4 => "Thursday",
        5 => "Friday",
        6 => "Saturday",
        7 => "Sunday",
        _ => "weekday ?",
    }
}

// ---------------------------------------------------------------------------------------------
// Names

/// Longest name of a group, queue or conference, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A group, queue or conference name: trimmed, 1 to [`MAX_NAME_CHARS`] characters, no control
/// characters. Returns the trimmed name.
pub fn validate_name(name: &str) -> Result<String, GroupRefusal> {
    let trimmed = name.trim();
    let chars = trimmed.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || trimmed.chars().any(char::is_control) {
        return Err(GroupRefusal::InvalidName);
    }
    Ok(trimmed.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Where calls go next

/// Where an unanswered, out-of-hours or overflowing call goes (the `*_kind` and `*_target`
/// columns of hunt groups, contact centres and queues, read into one value).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Fallback {
    /// Nowhere: the call is released.
    None,
    /// The mailbox of the group's or centre's own pilot line.
    Voicemail,
    /// Another number, internal or external.
    Number(E164),
    /// Another hunt group.
    HuntGroup(Uuid),
    /// A person: their device, then their voicemail.
    Person(Uuid),
}

impl Fallback {
    /// Reads stored columns; a number target is read with the one number rule
    /// ([`E164::parse`]). Kinds without a target must have none.
    pub fn from_columns(kind: FallbackKind, target: Option<&str>) -> Result<Self, GroupRefusal> {
        let target = target.map(str::trim).filter(|t| !t.is_empty());
        let bad = |why: &str| GroupRefusal::InvalidFallback(why.to_owned());
        match (kind, target) {
            (FallbackKind::None, None) => Ok(Self::None),
            (FallbackKind::Voicemail, None) => Ok(Self::Voicemail),
            (FallbackKind::None | FallbackKind::Voicemail, Some(_)) => {
                Err(bad("nowhere and voicemail take no target"))
            }
            (FallbackKind::Number, Some(t)) => E164::parse(t)
                .map(Self::Number)
                .map_err(|e| GroupRefusal::InvalidFallback(e.to_string())),
            (FallbackKind::HuntGroup, Some(t)) => Uuid::parse_str(t)
                .map(Self::HuntGroup)
                .map_err(|_| bad("the hunt group target is not an id")),
            (FallbackKind::Person, Some(t)) => Uuid::parse_str(t)
                .map(Self::Person)
                .map_err(|_| bad("the person target is not an id")),
            (FallbackKind::Number | FallbackKind::HuntGroup | FallbackKind::Person, None) => {
                Err(bad("this destination needs a target"))
            }
        }
    }

    /// A number destination from user input: must be a well-formed number ([`E164::parse`]).
    pub fn number(input: &str) -> Result<Self, GroupRefusal> {
        E164::parse(input)
            .map(Self::Number)
            .map_err(|_| GroupRefusal::InvalidNumber(input.to_owned()))
    }

    /// The stored kind.
    pub fn kind(&self) -> FallbackKind {
        match self {
            Self::None => FallbackKind::None,
            Self::Voicemail => FallbackKind::Voicemail,
            Self::Number(_) => FallbackKind::Number,
            Self::HuntGroup(_) => FallbackKind::HuntGroup,
            Self::Person(_) => FallbackKind::Person,
        }
    }

    /// The stored target: the E.164 number or the id, `None` for nowhere and voicemail.
    pub fn target(&self) -> Option<String> {
        match self {
            Self::None | Self::Voicemail => None,
            Self::Number(n) => Some(n.to_string()),
            Self::HuntGroup(id) | Self::Person(id) => Some(id.to_string()),
        }
    }
}

/// A hunt group's no-answer destination may not be the group itself (the call would ring the
/// same people forever). Longer loops through other groups are cut by the routing rule.
pub fn validate_no_answer(group_id: Uuid, fallback: &Fallback) -> Result<(), GroupRefusal> {
    match fallback {
        Fallback::HuntGroup(id) if *id == group_id => Err(GroupRefusal::FallbackLoop),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Hunt groups

/// Seconds a member rings before a sequential hunt moves on (and the ring time of a
/// simultaneous group). 5 s is about one ring, too short to answer; 120 s is where callers
/// give up. The demo uses 10–20 s.
pub const RING_SECONDS: RangeInclusive<i32> = 5..=120;

/// Ring time of a new member when none is given.
pub const DEFAULT_RING_SECONDS: i32 = 15;

/// A person as the membership rules see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The person.
    pub person_id: Uuid,
    /// Their platform.
    pub platform: Platform,
}

/// A ring time within [`RING_SECONDS`].
pub fn validate_ring_seconds(seconds: i32) -> Result<(), GroupRefusal> {
    if RING_SECONDS.contains(&seconds) {
        Ok(())
    } else {
        Err(GroupRefusal::RingSecondsOutOfRange(seconds))
    }
}

/// The platform a new hunt group takes from its members: TEAMS when every member is on Teams,
/// CHORUS when every member is on Chorus (the seeds: hunt groups are available on Teams only
/// if the entire group is). Refused when empty, with a person twice, or mixed.
pub fn platform_of_members(members: &[Candidate]) -> Result<Platform, GroupRefusal> {
    let first = members.first().ok_or(GroupRefusal::NoMembers)?;
    no_duplicates(members.iter().map(|m| m.person_id))?;
    if members.iter().all(|m| m.platform == first.platform) {
        Ok(first.platform)
    } else {
        Err(GroupRefusal::MixedPlatforms)
    }
}

/// A whole member list for a group on `group_platform`: at least one member, nobody twice,
/// everyone on the group's platform.
pub fn validate_members(
    group_platform: Platform,
    members: &[Candidate],
) -> Result<(), GroupRefusal> {
    if members.is_empty() {
        return Err(GroupRefusal::NoMembers);
    }
    no_duplicates(members.iter().map(|m| m.person_id))?;
    members
        .iter()
        .try_for_each(|m| same_platform(group_platform, *m))
}

/// Adding one member: not already in the group, and on the group's platform.
pub fn may_add_member(
    group_platform: Platform,
    current: &[Uuid],
    candidate: Candidate,
) -> Result<(), GroupRefusal> {
    if current.contains(&candidate.person_id) {
        return Err(GroupRefusal::DuplicateMember(candidate.person_id));
    }
    same_platform(group_platform, candidate)
}

/// Removing one member of a hunt or pickup group: they must be in the group, and not its last
/// member (a group is never emptied by removal; deleting the group is a separate, deliberate
/// act). Opting out is not removal: a hunt group whose members all opted out still exists and
/// sends calls to its no-answer destination.
pub fn may_remove_member(current: &[Uuid], person: Uuid) -> Result<(), GroupRefusal> {
    if !current.contains(&person) {
        return Err(GroupRefusal::NotAMember(person));
    }
    if current.len() <= 1 {
        return Err(GroupRefusal::LastMember);
    }
    Ok(())
}

/// A new ring order must name every current member exactly once and nobody else.
pub fn validate_reorder(current: &[Uuid], proposed: &[Uuid]) -> Result<(), GroupRefusal> {
    let now: HashSet<&Uuid> = current.iter().collect();
    let new: HashSet<&Uuid> = proposed.iter().collect();
    if proposed.len() != current.len() || new.len() != proposed.len() || now != new {
        return Err(GroupRefusal::NotAPermutation);
    }
    Ok(())
}

/// The platform a group settles on after some members moved (rule 10): TEAMS once every member
/// is on Teams, CHORUS while every member is on Chorus, and unchanged while the group is
/// mixed (mid-move) or empty.
pub fn settled_platform(current: Platform, members: &[Platform]) -> Platform {
    match members.first() {
        Some(first) if members.iter().all(|p| p == first) => *first,
        _ => current,
    }
}

fn same_platform(group_platform: Platform, candidate: Candidate) -> Result<(), GroupRefusal> {
    if candidate.platform == group_platform {
        Ok(())
    } else {
        Err(GroupRefusal::PlatformMismatch {
            person: candidate.person_id,
            person_platform: candidate.platform,
            group_platform,
        })
    }
}

fn no_duplicates(ids: impl Iterator<Item = Uuid>) -> Result<(), GroupRefusal> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(GroupRefusal::DuplicateMember(id));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pickup groups

/// Joining a pickup group: members pick up each other's ringing desk phone by dialling `**3`,
/// which only a Chorus desk phone can do. So: not already a member, on Chorus (a person on
/// Teams gets [`GroupRefusal::PickupNeedsChorus`]), and owning an ACTIVE desk phone.
pub fn may_join_pickup_group(
    current: &[Uuid],
    person: Uuid,
    platform: Platform,
    devices: &[DeviceFacts],
) -> Result<(), GroupRefusal> {
    if current.contains(&person) {
        return Err(GroupRefusal::DuplicateMember(person));
    }
    if platform != Platform::Chorus {
        return Err(GroupRefusal::PickupNeedsChorus);
    }
    let has_desk_phone = devices.iter().any(|d| {
        d.owner_id == person && d.kind == DeviceKind::DeskPhone && d.status == DeviceStatus::Active
    });
    if has_desk_phone {
        Ok(())
    } else {
        Err(GroupRefusal::PickupNeedsDeskPhone)
    }
}

// ---------------------------------------------------------------------------------------------
// Executive-assistant groups

/// Most numbers one manager's whitelist holds: enough for family, a PA's mobile and the
/// vice-chancellor's office, few enough to review.
pub const MAX_WHITELIST: usize = 50;

/// A member of an executive-assistant group as the rules see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EaMember {
    /// The person.
    pub person_id: Uuid,
    /// Their platform.
    pub platform: Platform,
    /// Manager or assistant.
    pub role: EaRole,
}

/// Joining an executive-assistant group. Every assistant of a group serves every manager of
/// it, so one person cannot hold both roles ([`GroupRefusal::OwnAssistant`]); nobody twice in
/// one role; and manager and assistant on the same platform (the seeds: EA working on Teams
/// only when both are on Teams), i.e. the group's.
pub fn may_join_ea_group(
    group_platform: Platform,
    members: &[EaMember],
    candidate: EaMember,
) -> Result<(), GroupRefusal> {
    if let Some(existing) = members.iter().find(|m| m.person_id == candidate.person_id) {
        return Err(if existing.role == candidate.role {
            GroupRefusal::DuplicateMember(candidate.person_id)
        } else {
            GroupRefusal::OwnAssistant
        });
    }
    same_platform(
        group_platform,
        Candidate {
            person_id: candidate.person_id,
            platform: candidate.platform,
        },
    )
}

/// A whole member list for a new group: at least one manager and one assistant, each person
/// once in one role, everyone on the group's platform.
pub fn validate_ea_members(
    group_platform: Platform,
    members: &[EaMember],
) -> Result<(), GroupRefusal> {
    for (i, m) in members.iter().enumerate() {
        may_join_ea_group(group_platform, &members[..i], *m)?;
    }
    let has = |role| members.iter().any(|m| m.role == role);
    if has(EaRole::Manager) && has(EaRole::Assistant) {
        Ok(())
    } else {
        Err(GroupRefusal::EaNeedsBothRoles)
    }
}

/// Leaving an executive-assistant group: must be a member, and not the last manager or last
/// assistant (a manager with nobody to divert to, or assistants with nobody to serve, is not a
/// group; delete it instead).
pub fn may_leave_ea_group(members: &[EaMember], person: Uuid) -> Result<(), GroupRefusal> {
    let leaving = members
        .iter()
        .find(|m| m.person_id == person)
        .ok_or(GroupRefusal::NotAMember(person))?;
    if members.iter().filter(|m| m.role == leaving.role).count() <= 1 {
        return Err(GroupRefusal::LastOfRole(leaving.role));
    }
    Ok(())
}

/// Whether a group's whitelists take effect: on Chorus, yes; on Teams ("delegation") there is
/// no whitelist equivalent, so the entries are kept but inactive (rule 10).
pub fn whitelist_active(group_platform: Platform) -> bool {
    group_platform == Platform::Chorus
}

/// A new whitelist entry for a manager: the member must be a manager; the input must be a
/// well-formed telephone number, by the rule every entry point uses (normalised to E.164 with [`E164::parse`], so `01865 270000` and
/// `+44 1865 270000` are one entry); not the manager's own number; not already listed; and
/// the list not full ([`MAX_WHITELIST`]). Allowed on Teams too: the entry is kept, inactive.
pub fn whitelist_entry(
    input: &str,
    role: EaRole,
    manager_number: Option<&E164>,
    existing: &[E164],
) -> Result<E164, GroupRefusal> {
    if role != EaRole::Manager {
        return Err(GroupRefusal::NotAManager);
    }
    let number = E164::parse(input).map_err(|_| GroupRefusal::InvalidNumber(input.to_owned()))?;
    if manager_number == Some(&number) {
        return Err(GroupRefusal::OwnNumber);
    }
    if existing.contains(&number) {
        return Err(GroupRefusal::DuplicateNumber(number));
    }
    if existing.len() >= MAX_WHITELIST {
        return Err(GroupRefusal::WhitelistFull);
    }
    Ok(number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Platform::{Chorus, Teams};

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn cand(n: u128, platform: Platform) -> Candidate {
        Candidate {
            person_id: id(n),
            platform,
        }
    }

    #[test]
    fn every_refusal_has_a_distinct_upper_snake_code() {
        let samples = [
            GroupRefusal::InvalidName,
            GroupRefusal::UnknownPerson(id(1)),
            GroupRefusal::DuplicateMember(id(1)),
            GroupRefusal::NotAMember(id(1)),
            GroupRefusal::NoMembers,
            GroupRefusal::LastMember,
            GroupRefusal::PlatformMismatch {
                person: id(1),
                person_platform: Teams,
                group_platform: Chorus,
            },
            GroupRefusal::MixedPlatforms,
            GroupRefusal::RingSecondsOutOfRange(1),
            GroupRefusal::NotAPermutation,
            GroupRefusal::PickupNeedsChorus,
            GroupRefusal::PickupNeedsDeskPhone,
            GroupRefusal::OwnAssistant,
            GroupRefusal::EaNeedsBothRoles,
            GroupRefusal::LastOfRole(EaRole::Manager),
            GroupRefusal::NotAManager,
            GroupRefusal::InvalidNumber("x".into()),
            GroupRefusal::DuplicateNumber(E164::parse("+441865270000").expect("test value")),
            GroupRefusal::OwnNumber,
            GroupRefusal::WhitelistFull,
            GroupRefusal::InvalidFallback("x".into()),
            GroupRefusal::FallbackLoop,
            GroupRefusal::InvalidWeekday {
                index: 0,
                weekday: 0,
            },
            GroupRefusal::InvertedHours { index: 0 },
            GroupRefusal::OverlappingHours {
                first: 0,
                second: 1,
                weekday: 1,
            },
            GroupRefusal::DuplicateClosure(NaiveDate::MIN),
            GroupRefusal::InvalidTimeZone("x".into()),
            GroupRefusal::MaxWaitingOutOfRange(0),
            GroupRefusal::MaxWaitOutOfRange(0),
            GroupRefusal::AgentOnTeams(id(1)),
            GroupRefusal::EndsBeforeStart,
            GroupRefusal::ConferenceTooLong,
            GroupRefusal::InvalidCode,
            GroupRefusal::SameCodeAndPin,
            GroupRefusal::AccessCodeInUse,
            GroupRefusal::ModeratorPinInUse,
            GroupRefusal::NoFreeCode,
            GroupRefusal::CapacityOutOfRange {
                ports: 1,
                bridge_ports: 10,
            },
            GroupRefusal::TooManyParticipants {
                participants: 3,
                ports: 2,
            },
            GroupRefusal::BridgeFull {
                requested: 1,
                reserved: 2,
                bridge_ports: 2,
            },
        ];
        let codes: HashSet<&str> = samples.iter().map(GroupRefusal::code).collect();
        assert_eq!(codes.len(), samples.len(), "codes are distinct");
        for r in &samples {
            assert!(
                r.code()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{r:?}"
            );
            assert!(!r.to_string().is_empty());
            let _ = r.category();
        }
        assert_eq!(
            GroupRefusal::PlatformMismatch {
                person: id(1),
                person_platform: Teams,
                group_platform: Chorus,
            }
            .to_string(),
            "the group is on Chorus and takes only people on Chorus: this person is on Telephony over Teams"
        );
    }

    #[test]
    fn names() {
        assert_eq!(validate_name("  Reception  "), Ok("Reception".into()));
        for bad in ["", "   ", "a\tb", &"x".repeat(101)] {
            assert_eq!(
                validate_name(bad),
                Err(GroupRefusal::InvalidName),
                "{bad:?}"
            );
        }
        assert!(
            validate_name(&"é".repeat(100)).is_ok(),
            "characters, not bytes"
        );
    }

    #[test]
    fn fallbacks_read_from_columns() {
        let g = id(7);
        let cases: Vec<(FallbackKind, Option<&str>, Result<Fallback, &str>)> = vec![
            (FallbackKind::None, None, Ok(Fallback::None)),
            (FallbackKind::Voicemail, Some("  "), Ok(Fallback::Voicemail)),
            (
                FallbackKind::Number,
                Some("01865 270000"),
                Ok(Fallback::Number(
                    E164::parse("+441865270000").expect("test value"),
                )),
            ),
            (
                FallbackKind::HuntGroup,
                Some("00000000-0000-0000-0000-000000000007"),
                Ok(Fallback::HuntGroup(g)),
            ),
            (
                FallbackKind::Person,
                Some("00000000-0000-0000-0000-000000000007"),
                Ok(Fallback::Person(g)),
            ),
            (
                FallbackKind::Voicemail,
                Some("+441865270000"),
                Err("INVALID_FALLBACK"),
            ),
            (FallbackKind::Number, None, Err("INVALID_FALLBACK")),
            (FallbackKind::Number, Some("hello"), Err("INVALID_FALLBACK")),
            (
                FallbackKind::HuntGroup,
                Some("+441865270000"),
                Err("INVALID_FALLBACK"),
            ),
            (FallbackKind::Person, None, Err("INVALID_FALLBACK")),
        ];
        for (i, (kind, target, expected)) in cases.into_iter().enumerate() {
            let got = Fallback::from_columns(kind, target);
            match expected {
                Ok(f) => {
                    assert_eq!(got.as_ref(), Ok(&f), "case {i}");
                    assert_eq!(f.kind(), kind, "case {i}");
                    let again = Fallback::from_columns(f.kind(), f.target().as_deref());
                    assert_eq!(again, Ok(f), "case {i} round-trips");
                }
                Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(code), "case {i}"),
            }
        }
        assert!(
            Fallback::number("07700 900123").is_ok(),
            "one number rule: well-formed is enough"
        );
        assert!(
            Fallback::number("12").is_err(),
            "user input must be a number"
        );
        assert!(Fallback::number("+44 20 7946 0958").is_ok());
        assert_eq!(
            validate_no_answer(g, &Fallback::HuntGroup(g)),
            Err(GroupRefusal::FallbackLoop)
        );
        assert_eq!(validate_no_answer(g, &Fallback::HuntGroup(id(8))), Ok(()));
        assert_eq!(validate_no_answer(g, &Fallback::Person(g)), Ok(()));
    }

    #[test]
    fn ring_seconds_are_5_to_120() {
        for (s, ok) in [
            (4, false),
            (5, true),
            (15, true),
            (120, true),
            (121, false),
            (-1, false),
        ] {
            assert_eq!(validate_ring_seconds(s).is_ok(), ok, "{s}");
        }
        assert!(RING_SECONDS.contains(&DEFAULT_RING_SECONDS));
    }

    #[test]
    fn a_group_is_on_teams_only_when_every_member_is() {
        let cases = [
            (vec![cand(1, Teams), cand(2, Teams)], Ok(Teams)),
            (vec![cand(1, Chorus), cand(2, Chorus)], Ok(Chorus)),
            (
                vec![cand(1, Teams), cand(2, Chorus)],
                Err(GroupRefusal::MixedPlatforms),
            ),
            (vec![], Err(GroupRefusal::NoMembers)),
            (
                vec![cand(1, Chorus), cand(1, Chorus)],
                Err(GroupRefusal::DuplicateMember(id(1))),
            ),
        ];
        for (i, (members, expected)) in cases.into_iter().enumerate() {
            assert_eq!(platform_of_members(&members), expected, "case {i}");
        }
        assert_eq!(settled_platform(Chorus, &[Teams, Teams]), Teams);
        assert_eq!(settled_platform(Chorus, &[Teams, Chorus]), Chorus);
        assert_eq!(settled_platform(Teams, &[Teams, Chorus]), Teams, "mid-move");
        assert_eq!(settled_platform(Teams, &[]), Teams);
    }

    #[test]
    fn hunt_group_membership() {
        let current = [id(1), id(2)];
        let cases = [
            (Chorus, cand(3, Chorus), Ok(())),
            (Teams, cand(3, Teams), Ok(())),
            (
                Chorus,
                cand(3, Teams),
                Err(GroupRefusal::PlatformMismatch {
                    person: id(3),
                    person_platform: Teams,
                    group_platform: Chorus,
                }),
            ),
            (
                Teams,
                cand(3, Chorus),
                Err(GroupRefusal::PlatformMismatch {
                    person: id(3),
                    person_platform: Chorus,
                    group_platform: Teams,
                }),
            ),
            (
                Chorus,
                cand(2, Chorus),
                Err(GroupRefusal::DuplicateMember(id(2))),
            ),
        ];
        for (i, (platform, c, expected)) in cases.into_iter().enumerate() {
            assert_eq!(may_add_member(platform, &current, c), expected, "case {i}");
        }
        assert_eq!(
            validate_members(Chorus, &[cand(1, Chorus), cand(2, Teams)]).map_err(|e| e.code()),
            Err("PLATFORM_MISMATCH")
        );
        assert_eq!(validate_members(Chorus, &[]), Err(GroupRefusal::NoMembers));
        assert_eq!(validate_members(Teams, &[cand(1, Teams)]), Ok(()));
    }

    #[test]
    fn a_group_is_never_emptied_by_removal() {
        let cases = [
            (vec![id(1), id(2)], id(2), Ok(())),
            (vec![id(1)], id(1), Err(GroupRefusal::LastMember)),
            (
                vec![id(1), id(2)],
                id(3),
                Err(GroupRefusal::NotAMember(id(3))),
            ),
            (vec![], id(1), Err(GroupRefusal::NotAMember(id(1)))),
        ];
        for (i, (current, person, expected)) in cases.into_iter().enumerate() {
            assert_eq!(may_remove_member(&current, person), expected, "case {i}");
        }
    }

    #[test]
    fn a_reorder_is_a_permutation() {
        let current = [id(1), id(2), id(3)];
        let cases: [(&[Uuid], bool); 6] = [
            (&[id(3), id(1), id(2)], true),
            (&[id(1), id(2), id(3)], true),
            (&[id(1), id(2)], false),
            (&[id(1), id(2), id(3), id(4)], false),
            (&[id(1), id(1), id(2)], false),
            (&[id(1), id(2), id(4)], false),
        ];
        for (i, (proposed, ok)) in cases.into_iter().enumerate() {
            assert_eq!(validate_reorder(&current, proposed).is_ok(), ok, "case {i}");
        }
    }

    fn device(owner: Uuid, kind: DeviceKind, status: DeviceStatus) -> DeviceFacts {
        DeviceFacts {
            id: Uuid::now_v7(),
            owner_id: owner,
            kind,
            status,
            last_used: None,
        }
    }

    #[test]
    fn only_chorus_people_with_a_desk_phone_join_a_pickup_group() {
        use DeviceKind::*;
        use DeviceStatus::*;
        let me = id(9);
        let cases = [
            (Chorus, vec![device(me, DeskPhone, Active)], Ok(())),
            (
                Teams,
                vec![
                    device(me, DeskPhone, Active),
                    device(me, TeamsClient, Active),
                ],
                Err(GroupRefusal::PickupNeedsChorus),
            ),
            (
                Chorus,
                vec![
                    device(me, DeskPhone, Disabled),
                    device(me, Softphone, Active),
                ],
                Err(GroupRefusal::PickupNeedsDeskPhone),
            ),
            (
                Chorus,
                vec![device(id(10), DeskPhone, Active)],
                Err(GroupRefusal::PickupNeedsDeskPhone),
            ),
            (Chorus, vec![], Err(GroupRefusal::PickupNeedsDeskPhone)),
        ];
        for (i, (platform, devices, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                may_join_pickup_group(&[id(1)], me, platform, &devices),
                expected,
                "case {i}"
            );
        }
        assert_eq!(
            may_join_pickup_group(&[me], me, Chorus, &[device(me, DeskPhone, Active)]),
            Err(GroupRefusal::DuplicateMember(me))
        );
        assert!(
            GroupRefusal::PickupNeedsChorus
                .to_string()
                .contains("Telephony over Teams")
        );
    }

    fn ea(n: u128, platform: Platform, role: EaRole) -> EaMember {
        EaMember {
            person_id: id(n),
            platform,
            role,
        }
    }

    #[test]
    fn ea_membership() {
        use EaRole::{Assistant, Manager};
        let members = [ea(1, Chorus, Manager), ea(2, Chorus, Assistant)];
        let cases = [
            (Chorus, ea(3, Chorus, Manager), Ok(())),
            (Chorus, ea(3, Chorus, Assistant), Ok(())),
            (
                Chorus,
                ea(1, Chorus, Assistant),
                Err(GroupRefusal::OwnAssistant),
            ),
            (
                Chorus,
                ea(2, Chorus, Manager),
                Err(GroupRefusal::OwnAssistant),
            ),
            (
                Chorus,
                ea(2, Chorus, Assistant),
                Err(GroupRefusal::DuplicateMember(id(2))),
            ),
            (
                Chorus,
                ea(3, Teams, Assistant),
                Err(GroupRefusal::PlatformMismatch {
                    person: id(3),
                    person_platform: Teams,
                    group_platform: Chorus,
                }),
            ),
        ];
        for (i, (platform, c, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                may_join_ea_group(platform, &members, c),
                expected,
                "case {i}"
            );
        }
        let whole = [
            (
                vec![ea(1, Teams, Manager), ea(2, Teams, Assistant)],
                Teams,
                Ok(()),
            ),
            (
                vec![ea(1, Chorus, Manager), ea(1, Chorus, Assistant)],
                Chorus,
                Err(GroupRefusal::OwnAssistant),
            ),
            (
                vec![ea(1, Chorus, Manager), ea(3, Chorus, Manager)],
                Chorus,
                Err(GroupRefusal::EaNeedsBothRoles),
            ),
            (
                vec![ea(1, Chorus, Manager), ea(2, Teams, Assistant)],
                Chorus,
                Err(GroupRefusal::PlatformMismatch {
                    person: id(2),
                    person_platform: Teams,
                    group_platform: Chorus,
                }),
            ),
        ];
        for (i, (members, platform, expected)) in whole.into_iter().enumerate() {
            assert_eq!(
                validate_ea_members(platform, &members),
                expected,
                "whole {i}"
            );
        }
        let three = [
            ea(1, Chorus, Manager),
            ea(2, Chorus, Assistant),
            ea(3, Chorus, Assistant),
        ];
        assert_eq!(may_leave_ea_group(&three, id(3)), Ok(()));
        assert_eq!(
            may_leave_ea_group(&three, id(1)),
            Err(GroupRefusal::LastOfRole(Manager))
        );
        assert_eq!(
            may_leave_ea_group(&members, id(2)),
            Err(GroupRefusal::LastOfRole(Assistant))
        );
        assert_eq!(
            may_leave_ea_group(&three, id(4)),
            Err(GroupRefusal::NotAMember(id(4)))
        );
    }

    #[test]
    fn whitelists_take_valid_numbers_and_are_inactive_on_teams() {
        assert!(whitelist_active(Chorus));
        assert!(!whitelist_active(Teams));
        let own = E164::parse("+441865270000").expect("test value");
        let listed = vec![E164::parse("+447911123456").expect("test value")];
        let cases: [(&str, EaRole, Result<&str, &str>); 8] = [
            ("+44 20 7946 0958", EaRole::Manager, Ok("+442079460958")),
            ("(01865) 270-001", EaRole::Manager, Ok("+441865270001")),
            ("+1 650 253 0000", EaRole::Manager, Ok("+16502530000")),
            ("not a number", EaRole::Manager, Err("INVALID_NUMBER")),
            ("12", EaRole::Manager, Err("INVALID_NUMBER")),
            ("01865 270000", EaRole::Manager, Err("OWN_NUMBER")),
            ("07911 123456", EaRole::Manager, Err("DUPLICATE_NUMBER")),
            ("+44 20 7946 0958", EaRole::Assistant, Err("NOT_A_MANAGER")),
        ];
        for (input, role, expected) in cases {
            assert_eq!(
                whitelist_entry(input, role, Some(&own), &listed)
                    .map(|n| n.to_string())
                    .map_err(|e| e.code()),
                expected.map(str::to_owned),
                "{input}"
            );
        }
        let full: Vec<E164> = (0..MAX_WHITELIST)
            .map(|i| E164::parse(&format!("+4418652{i:05}")).expect("test value"))
            .collect();
        assert_eq!(
            whitelist_entry("+44 20 7946 0958", EaRole::Manager, None, &full),
            Err(GroupRefusal::WhitelistFull)
        );
    }
}

//! The GraphQL enums of the move to Teams: the MS Teams column's status, reasons, blockers
//! and warnings, cohorts, tranche states, nomination answers, countdown e-mails, movement
//! links, and the outcomes of licence, nomination and planning requests.

use async_graphql::Enum;
use entity::enums as db;

use crate::{
    domain::cutover::{
        eligibility::{Blocker, Reason, Status, Warning},
        sets::LinkKind,
        tranches as tranche_rules,
    },
    graphql::enums::mirror_enum,
    services::cutover::{licences, nominations, tranches},
};

mirror_enum! {
    /// The MS Teams column's answer for a person.
    TeamsColumnStatus <=> Status {
        /// Should move: at least one reason, no blocker.
        Eligible,
        /// No reason to move: desk phone and voicemail only.
        NotNeeded,
        /// Cannot move (see `blockers`).
        Blocked,
        /// Already on Telephony over Teams.
        Moved,
    }
}

mirror_enum! {
    /// Why a person is offered Telephony over Teams.
    TeamsReason <=> Reason {
        /// Uses a Chorus softphone.
        UsesSoftphone,
        /// Uses the OpenScape Mobile app.
        UsesMobileApp,
        /// Set a preferred device other than the desk phone on the web portal.
        NonDeskPreferredDevice,
        /// Made external calls away from the desk phone in the look-back window.
        ExternalCallsAwayFromDesk,
        /// In a hunt or executive-assistant group whose whole group is moving.
        GroupMoving,
    }
}

mirror_enum! {
    /// Why a person cannot move.
    TeamsBlocker <=> Blocker {
        /// The unit has a separate Teams instance (OUEM, OUI, Saïd Business School).
        SeparateTeamsInstance,
        /// No personal line of their own.
        NoPersonalLine,
        /// Answers a critical line.
        CriticalLine,
        /// A contact-centre agent: contact centres stay on Chorus.
        ContactCentreAgent,
        /// Someone in their movement set cannot move, so the set cannot.
        MovementSetBlocked,
    }
}

mirror_enum! {
    /// What a person loses by moving.
    TeamsWarning <=> Warning {
        /// Leaves their Chorus pickup group(s).
        LeavesPickupGroup,
        /// Their executive-assistant whitelist stops: delegation has none.
        LosesEaWhitelist,
        /// Their desk phone stops working (it stays on the desk).
        DeskPhoneStops,
        /// Their Chorus softphone and mobile app stop.
        SoftphoneAndAppStop,
    }
}

mirror_enum! {
    /// The cohort a tranche moves.
    Cohort <=> db::Cohort {
        /// People of the pilot and UAT.
        Pilot,
        /// College users.
        College,
        /// University Administration and Services users.
        Uas,
        /// Departmental users.
        Departmental,
        /// Anyone who asked too late for the earlier tranches.
        Late,
    }
}

mirror_enum! {
    /// Where a tranche is in its life.
    TrancheState <=> db::TrancheState {
        /// Being planned: dates, capacity and members may change.
        Planned,
        /// Membership fixed; the move has not started.
        Frozen,
        /// The move is running (or stopped part way: run it again).
        InProgress,
        /// Everyone in it is on Teams.
        Done,
    }
}

mirror_enum! {
    /// A coordinator's answer for a person.
    NominationAnswer <=> db::NominationAnswer {
        /// The person should get a Teams licence and move.
        Nominate,
        /// The person stays on Chorus.
        Decline,
    }
}

mirror_enum! {
    /// Which countdown e-mail.
    NotificationKind <=> db::NotificationKind {
        /// Three weeks before the move.
        Countdown3Weeks,
        /// One week before the move.
        Countdown1Week,
        /// The day before (the Friday before a Monday move).
        CountdownDayBefore,
    }
}

mirror_enum! {
    /// What links people of a movement set.
    MovementLinkKind <=> LinkKind {
        /// Members of one hunt group.
        HuntGroup,
        /// Managers and assistants of one executive-assistant group.
        EaGroup,
    }
}

/// What happened to one person's licence.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenceOutcome {
    /// A licence was assigned.
    Assigned,
    /// Dry run: a licence would be assigned.
    WouldAssign,
    /// The person already holds one; nothing changed.
    AlreadyAssigned,
    /// The licence was taken back.
    Revoked,
    /// Dry run: the licence would be taken back.
    WouldRevoke,
    /// Refused: see `reason`.
    Refused,
}

impl From<licences::Outcome> for LicenceOutcome {
    fn from(o: licences::Outcome) -> Self {
        match o {
            licences::Outcome::Assigned => Self::Assigned,
            licences::Outcome::WouldAssign => Self::WouldAssign,
            licences::Outcome::AlreadyAssigned => Self::AlreadyAssigned,
            licences::Outcome::Revoked => Self::Revoked,
            licences::Outcome::WouldRevoke => Self::WouldRevoke,
            licences::Outcome::Refused => Self::Refused,
        }
    }
}

/// What happened to one nomination answer.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NominationOutcome {
    /// Recorded before the deadline.
    Recorded,
    /// Recorded after the deadline: the person goes to a LATE tranche.
    RecordedLate,
    /// Refused: see `reason`.
    Refused,
}

impl From<nominations::Outcome> for NominationOutcome {
    fn from(o: nominations::Outcome) -> Self {
        match o {
            nominations::Outcome::Recorded => Self::Recorded,
            nominations::Outcome::RecordedLate => Self::RecordedLate,
            nominations::Outcome::Refused => Self::Refused,
        }
    }
}

/// Why `planTranches` left a set out.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanSkipReason {
    /// No PLANNED tranche of its cohort or LATE has room for the whole set.
    NoCapacity,
    /// No PLANNED tranche of its cohort or LATE exists.
    NoTranche,
    /// Someone in the set cannot move.
    Blocked,
    /// Someone in the set has no licence yet.
    NoLicence,
    /// Someone in the set was declined.
    Declined,
    /// Part of the set is in a tranche already: place the rest by hand.
    PartlyPlaced,
}

impl From<tranches::Skip> for PlanSkipReason {
    fn from(s: tranches::Skip) -> Self {
        match s {
            tranches::Skip::Planner(tranche_rules::Unplaced::NoCapacity) => Self::NoCapacity,
            tranches::Skip::Planner(tranche_rules::Unplaced::NoTranche) => Self::NoTranche,
            tranches::Skip::Blocked => Self::Blocked,
            tranches::Skip::NoLicence => Self::NoLicence,
            tranches::Skip::Declined => Self::Declined,
            tranches::Skip::PartlyPlaced => Self::PartlyPlaced,
        }
    }
}

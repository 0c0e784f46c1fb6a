//! The "MS Teams" column (rules 1–3): who should move, who cannot, and what they lose.
//!
//! The facts come from one set-based query (`services::cutover::column`); this module turns
//! one person's facts, plus what their movement set knows, into a verdict with its reasons.

use std::collections::BTreeSet;

use entity::enums::{DeviceKind, Platform};
use serde::Serialize;
use uuid::Uuid;

/// Why a person is offered Telephony over Teams (rule 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// Has an active Chorus softphone.
    UsesSoftphone,
    /// Has an active OpenScape Mobile app.
    UsesMobileApp,
    /// Chose a preferred device other than the desk phone on the web portal.
    NonDeskPreferredDevice,
    /// Made external calls from a device other than the desk phone in the look-back window.
    ExternalCallsAwayFromDesk,
    /// In a hunt group or executive-assistant group whose whole group is moving.
    GroupMoving,
}

/// Why a person cannot move (rule 2, and rule 4 for their set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Blocker {
    /// The unit has a separate Teams instance.
    SeparateTeamsInstance,
    /// No PERSONAL line of their own.
    NoPersonalLine,
    /// Answers a CRITICAL line (a device on it, or a hunt group it pilots).
    CriticalLine,
    /// An agent of a contact centre (contact centres stay on Chorus).
    ContactCentreAgent,
    /// Someone in their movement set cannot move, so the set cannot (rule 4).
    MovementSetBlocked,
}

/// What a person loses by moving (rule 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Warning {
    /// Leaves their Chorus pickup group(s).
    LeavesPickupGroup,
    /// Their executive-assistant whitelist stops (delegation has none).
    LosesEaWhitelist,
    /// Their desk phone stops working (it stays on the desk).
    DeskPhoneStops,
    /// Their Chorus softphone and mobile app stop.
    SoftphoneAndAppStop,
}

/// The column's one-word answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Should move: at least one reason and no blocker.
    Eligible,
    /// No reason to move (desk phone and voicemail only).
    NotNeeded,
    /// Cannot move.
    Blocked,
    /// Already on Teams.
    Moved,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Self::UsesSoftphone => "USES_SOFTPHONE",
            Self::UsesMobileApp => "USES_MOBILE_APP",
            Self::NonDeskPreferredDevice => "NON_DESK_PREFERRED_DEVICE",
            Self::ExternalCallsAwayFromDesk => "EXTERNAL_CALLS_AWAY_FROM_DESK",
            Self::GroupMoving => "GROUP_MOVING",
        }
    }
}

impl Blocker {
    pub fn code(self) -> &'static str {
        match self {
            Self::SeparateTeamsInstance => "SEPARATE_TEAMS_INSTANCE",
            Self::NoPersonalLine => "NO_PERSONAL_LINE",
            Self::CriticalLine => "CRITICAL_LINE",
            Self::ContactCentreAgent => "CONTACT_CENTRE_AGENT",
            Self::MovementSetBlocked => "MOVEMENT_SET_BLOCKED",
        }
    }

    /// The sentence an administrator reads.
    pub fn message(self) -> &'static str {
        match self {
            Self::SeparateTeamsInstance => {
                "the unit has a separate Teams instance: its lines cannot move"
            }
            Self::NoPersonalLine => "has no personal line of their own to move",
            Self::CriticalLine => "answers a critical line, which stays on Chorus",
            Self::ContactCentreAgent => "is a contact-centre agent: contact centres stay on Chorus",
            Self::MovementSetBlocked => {
                "someone in their hunt or executive-assistant group cannot move, so the group cannot"
            }
        }
    }
}

impl Warning {
    pub fn code(self) -> &'static str {
        match self {
            Self::LeavesPickupGroup => "LEAVES_PICKUP_GROUP",
            Self::LosesEaWhitelist => "LOSES_EA_WHITELIST",
            Self::DeskPhoneStops => "DESK_PHONE_STOPS",
            Self::SoftphoneAndAppStop => "SOFTPHONE_AND_APP_STOP",
        }
    }
}

/// One person's facts, as the column query returns them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub person_id: Uuid,
    pub platform: Platform,
    pub separate_tenant: bool,
    pub personal_lines: i64,
    /// Active devices on CRITICAL lines plus hunt groups with a CRITICAL pilot.
    pub critical_lines: i64,
    pub contact_centre_queues: i64,
    pub active_softphones: i64,
    pub active_mobile_apps: i64,
    pub active_desk_phones: i64,
    /// Kind of the preferred device, when one is set.
    pub preferred_kind: Option<DeviceKind>,
    /// Outbound external calls from a non-desk device in the look-back window.
    pub external_calls_away: i64,
    pub pickup_groups: i64,
    /// Whitelist entries on the person's manager memberships.
    pub whitelist_entries: i64,
}

impl Facts {
    /// A person on Chorus with a personal line, a desk phone and nothing else.
    pub fn plain(person_id: Uuid) -> Self {
        Self {
            person_id,
            platform: Platform::Chorus,
            separate_tenant: false,
            personal_lines: 1,
            critical_lines: 0,
            contact_centre_queues: 0,
            active_softphones: 0,
            active_mobile_apps: 0,
            active_desk_phones: 1,
            preferred_kind: None,
            external_calls_away: 0,
            pickup_groups: 0,
            whitelist_entries: 0,
        }
    }

    /// Reasons from the person's own use (everything but GROUP_MOVING).
    pub fn own_reasons(&self) -> BTreeSet<Reason> {
        let mut reasons = BTreeSet::new();
        if self.active_softphones > 0 {
            reasons.insert(Reason::UsesSoftphone);
        }
        if self.active_mobile_apps > 0 {
            reasons.insert(Reason::UsesMobileApp);
        }
        if matches!(
            self.preferred_kind,
            Some(DeviceKind::Softphone | DeviceKind::MobileApp)
        ) {
            reasons.insert(Reason::NonDeskPreferredDevice);
        }
        if self.external_calls_away > 0 {
            reasons.insert(Reason::ExternalCallsAwayFromDesk);
        }
        reasons
    }

    /// Blockers of the person alone (everything but MOVEMENT_SET_BLOCKED).
    pub fn own_blockers(&self) -> BTreeSet<Blocker> {
        let mut blockers = BTreeSet::new();
        if self.separate_tenant {
            blockers.insert(Blocker::SeparateTeamsInstance);
        }
        if self.personal_lines == 0 {
            blockers.insert(Blocker::NoPersonalLine);
        }
        if self.critical_lines > 0 {
            blockers.insert(Blocker::CriticalLine);
        }
        if self.contact_centre_queues > 0 {
            blockers.insert(Blocker::ContactCentreAgent);
        }
        blockers
    }

    /// What moving would take away.
    pub fn warnings(&self) -> BTreeSet<Warning> {
        let mut warnings = BTreeSet::new();
        if self.pickup_groups > 0 {
            warnings.insert(Warning::LeavesPickupGroup);
        }
        if self.whitelist_entries > 0 {
            warnings.insert(Warning::LosesEaWhitelist);
        }
        if self.active_desk_phones > 0 {
            warnings.insert(Warning::DeskPhoneStops);
        }
        if self.active_softphones + self.active_mobile_apps > 0 {
            warnings.insert(Warning::SoftphoneAndAppStop);
        }
        warnings
    }
}

/// What the person's movement set contributes: computed over the other members.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetContext {
    /// The person is in a set of two or more.
    pub in_set: bool,
    /// Other members with a reason of their own (or already nominated or moved).
    pub others_moving: Vec<Uuid>,
    /// Other members with a blocker of their own.
    pub others_blocked: Vec<Uuid>,
}

/// The column's verdict for one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub reasons: BTreeSet<Reason>,
    pub blockers: BTreeSet<Blocker>,
    pub warnings: BTreeSet<Warning>,
}

impl Verdict {
    pub fn eligible(&self) -> bool {
        self.status == Status::Eligible
    }
}

/// Rules 1–4 for one person.
///
/// GROUP_MOVING holds when the person is in a set and another member moves for reasons of
/// their own, and nobody in the set is blocked: the whole group moves or none of it does.
/// A set with a blocked member blocks everyone in it (MOVEMENT_SET_BLOCKED).
pub fn verdict(facts: &Facts, set: &SetContext) -> Verdict {
    let mut reasons = facts.own_reasons();
    let mut blockers = facts.own_blockers();
    if !set.others_blocked.is_empty() {
        blockers.insert(Blocker::MovementSetBlocked);
    }
    if set.in_set && !set.others_moving.is_empty() && blockers.is_empty() {
        reasons.insert(Reason::GroupMoving);
    }
    let warnings = facts.warnings();
    let status = if facts.platform == Platform::Teams {
        Status::Moved
    } else if !blockers.is_empty() {
        Status::Blocked
    } else if reasons.is_empty() {
        Status::NotNeeded
    } else {
        Status::Eligible
    };
    Verdict {
        status,
        reasons,
        blockers,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn with(f: impl FnOnce(&mut Facts)) -> Facts {
        let mut facts = Facts::plain(id(1));
        f(&mut facts);
        facts
    }

    #[test]
    fn own_reasons_blockers_and_warnings() {
        use Blocker as B;
        use Reason as R;
        use Warning as W;
        type Case = (&'static str, Facts, Status, Vec<R>, Vec<B>, Vec<W>);
        let cases: Vec<Case> = vec![
            (
                "desk phone only",
                Facts::plain(id(1)),
                Status::NotNeeded,
                vec![],
                vec![],
                vec![W::DeskPhoneStops],
            ),
            (
                "softphone",
                with(|f| f.active_softphones = 1),
                Status::Eligible,
                vec![R::UsesSoftphone],
                vec![],
                vec![W::DeskPhoneStops, W::SoftphoneAndAppStop],
            ),
            (
                "mobile app, preferred",
                with(|f| {
                    f.active_mobile_apps = 1;
                    f.preferred_kind = Some(DeviceKind::MobileApp);
                }),
                Status::Eligible,
                vec![R::UsesMobileApp, R::NonDeskPreferredDevice],
                vec![],
                vec![W::DeskPhoneStops, W::SoftphoneAndAppStop],
            ),
            (
                "preferred desk phone is no reason",
                with(|f| f.preferred_kind = Some(DeviceKind::DeskPhone)),
                Status::NotNeeded,
                vec![],
                vec![],
                vec![W::DeskPhoneStops],
            ),
            (
                "external calls away from the desk",
                with(|f| f.external_calls_away = 3),
                Status::Eligible,
                vec![R::ExternalCallsAwayFromDesk],
                vec![],
                vec![W::DeskPhoneStops],
            ),
            (
                "separate tenant blocks even a softphone user",
                with(|f| {
                    f.separate_tenant = true;
                    f.active_softphones = 1;
                }),
                Status::Blocked,
                vec![R::UsesSoftphone],
                vec![B::SeparateTeamsInstance],
                vec![W::DeskPhoneStops, W::SoftphoneAndAppStop],
            ),
            (
                "no personal line",
                with(|f| {
                    f.personal_lines = 0;
                    f.active_softphones = 1;
                }),
                Status::Blocked,
                vec![R::UsesSoftphone],
                vec![B::NoPersonalLine],
                vec![W::DeskPhoneStops, W::SoftphoneAndAppStop],
            ),
            (
                "critical line and contact centre",
                with(|f| {
                    f.critical_lines = 1;
                    f.contact_centre_queues = 2;
                }),
                Status::Blocked,
                vec![],
                vec![B::CriticalLine, B::ContactCentreAgent],
                vec![W::DeskPhoneStops],
            ),
            (
                "pickup group and whitelist are warnings",
                with(|f| {
                    f.pickup_groups = 1;
                    f.whitelist_entries = 2;
                    f.active_desk_phones = 0;
                }),
                Status::NotNeeded,
                vec![],
                vec![],
                vec![W::LeavesPickupGroup, W::LosesEaWhitelist],
            ),
            (
                "already on Teams",
                with(|f| {
                    f.platform = Platform::Teams;
                    f.active_desk_phones = 0;
                }),
                Status::Moved,
                vec![],
                vec![],
                vec![],
            ),
        ];
        for (name, facts, status, reasons, blockers, warnings) in cases {
            let v = verdict(&facts, &SetContext::default());
            assert_eq!(v.status, status, "{name}");
            assert_eq!(v.reasons, reasons.into_iter().collect(), "{name}");
            assert_eq!(v.blockers, blockers.into_iter().collect(), "{name}");
            assert_eq!(v.warnings, warnings.into_iter().collect(), "{name}");
            assert_eq!(v.eligible(), status == Status::Eligible, "{name}");
        }
    }

    #[test]
    fn the_set_adds_group_moving_or_blocks() {
        let plain = Facts::plain(id(1));
        let cases = [
            ("alone", SetContext::default(), Status::NotNeeded, false),
            (
                "in a set where nobody moves",
                SetContext {
                    in_set: true,
                    ..Default::default()
                },
                Status::NotNeeded,
                false,
            ),
            (
                "another member moves",
                SetContext {
                    in_set: true,
                    others_moving: vec![id(2)],
                    others_blocked: vec![],
                },
                Status::Eligible,
                true,
            ),
            (
                "another member moves but a third is blocked",
                SetContext {
                    in_set: true,
                    others_moving: vec![id(2)],
                    others_blocked: vec![id(3)],
                },
                Status::Blocked,
                false,
            ),
        ];
        for (name, set, status, group_moving) in cases {
            let v = verdict(&plain, &set);
            assert_eq!(v.status, status, "{name}");
            assert_eq!(
                v.reasons.contains(&Reason::GroupMoving),
                group_moving,
                "{name}"
            );
            assert_eq!(
                v.blockers.contains(&Blocker::MovementSetBlocked),
                !set.others_blocked.is_empty(),
                "{name}"
            );
        }
        // A member blocked on their own never gets GROUP_MOVING.
        let blocked = with(|f| f.contact_centre_queues = 1);
        let v = verdict(
            &blocked,
            &SetContext {
                in_set: true,
                others_moving: vec![id(2)],
                others_blocked: vec![],
            },
        );
        assert_eq!(v.status, Status::Blocked);
        assert!(!v.reasons.contains(&Reason::GroupMoving));
    }
}

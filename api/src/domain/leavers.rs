//! Leavers (rule 13): what happens to the telephony of someone who leaves the University, as
//! one plan computed from what they hold, so that a dry run and the real run are the same
//! list of changes.
//!
//! From the rule: their sign-in stops at once; their devices are disabled; their personal lines
//! are taken back and held for a quarantine before the numbers can be given to someone else
//! (a caller who rings a leaver's old number must not reach a stranger the next morning); they
//! leave every hunt, pickup and executive-assistant group, and a group that this leaves
//! without members, or without a manager or assistant, is reported for someone to mend (the
//! group is not deleted behind the coordinator's back); a Teams licence held on Chorus goes
//! back to the pool, while a person already on Teams keeps theirs until the Teams
//! administrators remove the account (reported); they leave a tranche that has not started,
//! and its unsent countdown e-mails are cancelled; while their tranche is moving, nothing is
//! done (refused: run it again when the move has finished). Voicemail stays until the
//! retention purge, call history stays.

use chrono::{DateTime, Duration, Utc};
use entity::enums::{DeviceStatus, EaRole, Platform, TrancheState};
use uuid::Uuid;

use super::groups::{EaMember, GroupRefusal, may_leave_ea_group, may_remove_member};

/// What a leaver holds, as loaded for the rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holdings {
    pub platform: Option<Platform>,
    /// Their devices and whether each is active.
    pub devices: Vec<(Uuid, DeviceStatus)>,
    /// Their personal lines.
    pub personal_lines: Vec<Uuid>,
    /// Hunt groups they are in, with every current member (them included).
    pub hunt_groups: Vec<(Uuid, Vec<Uuid>)>,
    /// Pickup groups they are in, with every current member.
    pub pickup_groups: Vec<(Uuid, Vec<Uuid>)>,
    /// Executive-assistant groups they are in, with every current member.
    pub ea_groups: Vec<(Uuid, Vec<EaMember>)>,
    /// They hold a Teams licence from the pool.
    pub licence: bool,
    /// The tranche they are in, and its state.
    pub tranche: Option<(Uuid, TrancheState)>,
    /// Their countdown e-mails not yet sent.
    pub unsent_notices: Vec<Uuid>,
}

/// A group this leaves in a state someone must look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attention {
    /// The hunt group has no member left (calls go to its no-answer destination).
    HuntGroupEmpty(Uuid),
    /// The pickup group has no member left.
    PickupGroupEmpty(Uuid),
    /// The executive-assistant group has no one left in this role.
    EaGroupWithoutRole(Uuid, EaRole),
    /// They are on Teams: the licence stays until the Teams administrators remove the account.
    TeamsAccountToRemove,
}

/// The changes for one leaver, all applied in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Devices to disable (those still active).
    pub disable_devices: Vec<Uuid>,
    /// Personal lines to take back and hold until `quarantine_until`.
    pub release_lines: Vec<Uuid>,
    pub quarantine_until: DateTime<Utc>,
    /// Groups to leave, by kind.
    pub leave_hunt_groups: Vec<Uuid>,
    pub leave_pickup_groups: Vec<Uuid>,
    pub leave_ea_groups: Vec<Uuid>,
    /// The Teams licence goes back to the pool.
    pub return_licence: bool,
    /// The tranche to leave.
    pub leave_tranche: Option<Uuid>,
    /// Countdown e-mails to cancel.
    pub cancel_notices: Vec<Uuid>,
    /// What someone must look at afterwards.
    pub attention: Vec<Attention>,
}

/// Why a leaver cannot be processed now. Nothing is changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LeaverRefusal {
    /// Their tranche is moving to Teams; run it again once the move has finished.
    #[error("their tranche is moving to Teams now: offboard them when the move has finished")]
    TrancheInProgress(Uuid),
}

impl LeaverRefusal {
    /// The stable code scripts match on.
    pub fn code(self) -> &'static str {
        match self {
            Self::TrancheInProgress(_) => "TRANCHE_IN_PROGRESS",
        }
    }
}

impl crate::error::RuleRefusal for LeaverRefusal {
    fn user_error_code(&self) -> crate::error::UserErrorCode {
        crate::error::UserErrorCode::RuleViolation
    }

    fn reason(&self) -> &'static str {
        self.code()
    }
}

/// The plan for `person`, who leaves at `now`, with numbers held for `quarantine_days`.
pub fn plan(
    person: Uuid,
    holdings: &Holdings,
    now: DateTime<Utc>,
    quarantine_days: u32,
) -> Result<Plan, LeaverRefusal> {
    if let Some((tranche, TrancheState::InProgress)) = holdings.tranche {
        return Err(LeaverRefusal::TrancheInProgress(tranche));
    }
    let mut attention = Vec::new();
    let leave_hunt_groups = leave_groups(person, &holdings.hunt_groups, |g| {
        attention.push(Attention::HuntGroupEmpty(g));
    });
    let leave_pickup_groups = leave_groups(person, &holdings.pickup_groups, |g| {
        attention.push(Attention::PickupGroupEmpty(g));
    });
    let mut leave_ea_groups = Vec::new();
    for (group, members) in &holdings.ea_groups {
        match may_leave_ea_group(members, person) {
            Ok(()) => {}
            Err(GroupRefusal::LastOfRole(role)) => {
                attention.push(Attention::EaGroupWithoutRole(*group, role));
            }
            // Not a member after all (the group changed since it was loaded): nothing to leave.
            Err(_) => continue,
        }
        leave_ea_groups.push(*group);
    }
    let on_teams = holdings.platform == Some(Platform::Teams);
    if on_teams {
        attention.push(Attention::TeamsAccountToRemove);
    }
    let leave_tranche = match holdings.tranche {
        Some((tranche, TrancheState::Planned | TrancheState::Frozen)) => Some(tranche),
        // A finished move is history; a moving one was refused above.
        _ => None,
    };
    Ok(Plan {
        disable_devices: holdings
            .devices
            .iter()
            .filter(|(_, status)| *status == DeviceStatus::Active)
            .map(|(id, _)| *id)
            .collect(),
        release_lines: holdings.personal_lines.clone(),
        quarantine_until: now + Duration::days(i64::from(quarantine_days)),
        leave_hunt_groups,
        leave_pickup_groups,
        leave_ea_groups,
        return_licence: holdings.licence && !on_teams,
        leave_tranche,
        cancel_notices: holdings.unsent_notices.clone(),
        attention,
    })
}

/// The groups of `memberships` the person is in; `emptied` hears of each one they were the
/// last member of (the group stays, empty, for a coordinator to mend or delete).
fn leave_groups(
    person: Uuid,
    memberships: &[(Uuid, Vec<Uuid>)],
    mut emptied: impl FnMut(Uuid),
) -> Vec<Uuid> {
    let mut leave = Vec::new();
    for (group, members) in memberships {
        match may_remove_member(members, person) {
            Ok(()) => {}
            Err(GroupRefusal::LastMember) => emptied(*group),
            Err(_) => continue,
        }
        leave.push(*group);
    }
    leave
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0)
            .single()
            .expect("a valid instant")
    }

    const ME: u128 = 1;

    fn ea(person: u128, role: EaRole) -> EaMember {
        EaMember {
            person_id: id(person),
            platform: Platform::Chorus,
            role,
        }
    }

    #[test]
    fn someone_with_nothing_leaves_with_nothing_to_do() {
        let plan = plan(id(ME), &Holdings::default(), now(), 90).expect("a plan");
        assert_eq!(
            plan,
            Plan {
                disable_devices: vec![],
                release_lines: vec![],
                quarantine_until: now() + Duration::days(90),
                leave_hunt_groups: vec![],
                leave_pickup_groups: vec![],
                leave_ea_groups: vec![],
                return_licence: false,
                leave_tranche: None,
                cancel_notices: vec![],
                attention: vec![],
            }
        );
    }

    #[test]
    fn devices_are_disabled_and_lines_held_for_the_quarantine() {
        let holdings = Holdings {
            platform: Some(Platform::Chorus),
            devices: vec![
                (id(10), DeviceStatus::Active),
                (id(11), DeviceStatus::Disabled),
            ],
            personal_lines: vec![id(20), id(21)],
            ..Holdings::default()
        };
        let plan = plan(id(ME), &holdings, now(), 30).expect("a plan");
        assert_eq!(
            plan.disable_devices,
            [id(10)],
            "the disabled one stays as it is"
        );
        assert_eq!(plan.release_lines, [id(20), id(21)]);
        assert_eq!(plan.quarantine_until, now() + Duration::days(30));
        assert!(plan.attention.is_empty());
    }

    #[test]
    fn groups_are_left_and_those_left_broken_are_reported() {
        let holdings = Holdings {
            hunt_groups: vec![
                (id(30), vec![id(ME), id(2)]),
                (id(31), vec![id(ME)]),
                // Loaded before someone else removed them: nothing to leave.
                (id(32), vec![id(2)]),
            ],
            pickup_groups: vec![(id(40), vec![id(ME)]), (id(41), vec![id(ME), id(3)])],
            ea_groups: vec![
                // One of two assistants: fine.
                (
                    id(50),
                    vec![
                        ea(5, EaRole::Manager),
                        ea(ME, EaRole::Assistant),
                        ea(6, EaRole::Assistant),
                    ],
                ),
                // The only manager: the assistants serve nobody.
                (
                    id(51),
                    vec![ea(ME, EaRole::Manager), ea(6, EaRole::Assistant)],
                ),
                // The only assistant.
                (
                    id(52),
                    vec![ea(5, EaRole::Manager), ea(ME, EaRole::Assistant)],
                ),
            ],
            ..Holdings::default()
        };
        let plan = plan(id(ME), &holdings, now(), 90).expect("a plan");
        assert_eq!(plan.leave_hunt_groups, [id(30), id(31)]);
        assert_eq!(plan.leave_pickup_groups, [id(40), id(41)]);
        assert_eq!(plan.leave_ea_groups, [id(50), id(51), id(52)]);
        assert_eq!(
            plan.attention,
            [
                Attention::HuntGroupEmpty(id(31)),
                Attention::PickupGroupEmpty(id(40)),
                Attention::EaGroupWithoutRole(id(51), EaRole::Manager),
                Attention::EaGroupWithoutRole(id(52), EaRole::Assistant),
            ]
        );
    }

    #[test]
    fn licences_go_back_from_chorus_and_teams_accounts_are_reported() {
        let cases = [
            (Platform::Chorus, true, true, vec![]),
            (Platform::Chorus, false, false, vec![]),
            (
                Platform::Teams,
                true,
                false,
                vec![Attention::TeamsAccountToRemove],
            ),
        ];
        for (platform, licence, returned, attention) in cases {
            let holdings = Holdings {
                platform: Some(platform),
                licence,
                ..Holdings::default()
            };
            let plan = plan(id(ME), &holdings, now(), 90).expect("a plan");
            assert_eq!(plan.return_licence, returned, "{platform:?} {licence}");
            assert_eq!(plan.attention, attention, "{platform:?} {licence}");
        }
    }

    #[test]
    fn tranches_are_left_before_the_move_refused_during_it_and_kept_after_it() {
        let notices = vec![id(70), id(71)];
        let cases = [
            (TrancheState::Planned, Ok(Some(id(60)))),
            (TrancheState::Frozen, Ok(Some(id(60)))),
            (
                TrancheState::InProgress,
                Err(LeaverRefusal::TrancheInProgress(id(60))),
            ),
            (TrancheState::Done, Ok(None)),
        ];
        for (state, expected) in cases {
            let holdings = Holdings {
                tranche: Some((id(60), state)),
                unsent_notices: notices.clone(),
                ..Holdings::default()
            };
            let result = plan(id(ME), &holdings, now(), 90);
            assert_eq!(result.map(|p| p.leave_tranche), expected, "{state:?}");
            if let Ok(p) = plan(id(ME), &holdings, now(), 90) {
                assert_eq!(p.cancel_notices, notices, "{state:?}");
            }
        }
        assert_eq!(
            LeaverRefusal::TrancheInProgress(id(60)).code(),
            "TRANCHE_IN_PROGRESS"
        );
    }
}

//! A move to Teams (rule 10) and the Chorus upgrade (rule 11), as plans: plain data in,
//! exactly what changes out. The dry run shows the plan; the real run applies the same plan,
//! so the two cannot differ.

use std::collections::BTreeSet;

use entity::enums::{DeviceKind, DeviceStatus, Platform};
use serde::Serialize;
use uuid::Uuid;

use super::{Refusal, eligibility::Blocker};

/// A device as the plans see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceState {
    pub id: Uuid,
    pub kind: DeviceKind,
    pub status: DeviceStatus,
}

/// A person as the move plan sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonState {
    pub id: Uuid,
    pub platform: Platform,
    pub preferred_device: Option<Uuid>,
    pub devices: Vec<DeviceState>,
    pub pickup_groups: Vec<Uuid>,
    pub licensed: bool,
    /// Blockers of the person alone (rule 2).
    pub blockers: BTreeSet<Blocker>,
}

/// A hunt or executive-assistant group of someone in the set, with all its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupState {
    pub id: Uuid,
    pub ea: bool,
    pub platform: Platform,
    /// Every member with their platform now.
    pub members: Vec<(Uuid, Platform)>,
}

/// The TEAMS_CLIENT device that becomes preferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TeamsClient {
    /// The person has one already (enabled if it was disabled).
    Existing(Uuid),
    /// One is created on the person's personal line.
    New,
}

/// What a move changes for one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonMove {
    pub person: Uuid,
    /// Desk phones, softphones and mobile apps that stop (they stay on the desk).
    pub disable: Vec<(Uuid, DeviceKind)>,
    pub teams_client: TeamsClient,
    pub preferred_before: Option<Uuid>,
    /// Pickup groups the person leaves.
    pub leave_pickup_groups: Vec<Uuid>,
}

/// What a move of one movement set changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct SetMove {
    pub moves: Vec<PersonMove>,
    /// People of the set already on Teams: nothing to do (a re-run after a crash).
    pub already_moved: Vec<Uuid>,
    /// Hunt groups whose members will all be on Teams: they switch platform.
    pub hunt_groups_to_teams: Vec<Uuid>,
    /// Executive-assistant groups that become delegation (whitelists kept, inactive).
    pub ea_groups_to_delegation: Vec<Uuid>,
}

/// Plans the move of one movement set: everyone in `people` moves or nobody does.
///
/// Refused (nothing moves) when anyone still on Chorus has no licence (rule 5) or a blocker
/// (rule 2), or when a group of theirs has a member outside the set still on Chorus (rule 4).
pub fn plan_set(people: &[PersonState], groups: &[GroupState]) -> Result<SetMove, Refusal> {
    let in_set: BTreeSet<Uuid> = people.iter().map(|p| p.id).collect();
    let mut plan = SetMove::default();
    for p in people {
        if p.platform == Platform::Teams {
            plan.already_moved.push(p.id);
            continue;
        }
        if let Some(blocker) = p.blockers.iter().next() {
            return Err(Refusal::Blocked {
                person: p.id,
                blocker: *blocker,
            });
        }
        if !p.licensed {
            return Err(Refusal::NoLicence(p.id));
        }
    }
    let missing: BTreeSet<Uuid> = groups
        .iter()
        .flat_map(|g| g.members.iter())
        .filter(|(m, platform)| !in_set.contains(m) && *platform != Platform::Teams)
        .map(|(m, _)| *m)
        .collect();
    if !missing.is_empty() {
        return Err(Refusal::SetSplit {
            missing: missing.into_iter().collect(),
        });
    }
    for p in people.iter().filter(|p| p.platform == Platform::Chorus) {
        let disable = p
            .devices
            .iter()
            .filter(|d| {
                d.status == DeviceStatus::Active
                    && matches!(
                        d.kind,
                        DeviceKind::DeskPhone | DeviceKind::Softphone | DeviceKind::MobileApp
                    )
            })
            .map(|d| (d.id, d.kind))
            .collect();
        let teams_client = p
            .devices
            .iter()
            .filter(|d| d.kind == DeviceKind::TeamsClient && d.status != DeviceStatus::Retired)
            // An active one first, then the oldest id.
            .min_by_key(|d| (d.status != DeviceStatus::Active, d.id))
            .map_or(TeamsClient::New, |d| TeamsClient::Existing(d.id));
        plan.moves.push(PersonMove {
            person: p.id,
            disable,
            teams_client,
            preferred_before: p.preferred_device,
            leave_pickup_groups: p.pickup_groups.clone(),
        });
    }
    // Every member of these groups is in the set (checked above) or on Teams already, so
    // after the move each whole group is on Teams.
    for g in groups.iter().filter(|g| g.platform == Platform::Chorus) {
        if g.ea {
            plan.ea_groups_to_delegation.push(g.id);
        } else {
            plan.hunt_groups_to_teams.push(g.id);
        }
    }
    plan.hunt_groups_to_teams.sort();
    plan.hunt_groups_to_teams.dedup();
    plan.ea_groups_to_delegation.sort();
    plan.ea_groups_to_delegation.dedup();
    Ok(plan)
}

/// What the Chorus upgrade takes from one person still on Chorus (rule 11).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UpgradeLoss {
    pub person: Uuid,
    /// Softphones and mobile apps that stop.
    pub disable: Vec<(Uuid, DeviceKind)>,
    /// The portal-set preferred device that stops, and the desk phone preferred instead
    /// (none when the person has no active desk phone).
    pub preferred_reset: Option<(Uuid, Option<Uuid>)>,
}

/// Rule 11 for one person: softphones, mobile apps and the web-portal preferred device stop
/// for everyone still on Chorus. None when the person loses nothing (or is on Teams).
pub fn upgrade_loss(person: &PersonState) -> Option<UpgradeLoss> {
    if person.platform != Platform::Chorus {
        return None;
    }
    let stops = |d: &DeviceState| {
        d.status == DeviceStatus::Active
            && matches!(d.kind, DeviceKind::Softphone | DeviceKind::MobileApp)
    };
    let disable: Vec<(Uuid, DeviceKind)> = person
        .devices
        .iter()
        .filter(|d| stops(d))
        .map(|d| (d.id, d.kind))
        .collect();
    let preferred_reset = person.preferred_device.and_then(|pref| {
        let device = person.devices.iter().find(|d| d.id == pref)?;
        if device.kind == DeviceKind::DeskPhone {
            return None;
        }
        let desk = person
            .devices
            .iter()
            .filter(|d| d.kind == DeviceKind::DeskPhone && d.status == DeviceStatus::Active)
            .map(|d| d.id)
            .min();
        Some((pref, desk))
    });
    (!disable.is_empty() || preferred_reset.is_some()).then_some(UpgradeLoss {
        person: person.id,
        disable,
        preferred_reset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn dev(n: u128, kind: DeviceKind, status: DeviceStatus) -> DeviceState {
        DeviceState {
            id: id(n),
            kind,
            status,
        }
    }

    fn person(n: u128, devices: Vec<DeviceState>) -> PersonState {
        PersonState {
            id: id(n),
            platform: Platform::Chorus,
            preferred_device: None,
            devices,
            pickup_groups: vec![],
            licensed: true,
            blockers: BTreeSet::new(),
        }
    }

    use DeviceKind::{DeskPhone, MobileApp, Softphone};
    use DeviceStatus::*;

    #[test]
    fn a_move_disables_chorus_devices_and_prefers_teams() {
        let mut alice = person(
            1,
            vec![
                dev(11, DeskPhone, Active),
                dev(12, Softphone, Active),
                dev(13, MobileApp, Disabled),
                dev(14, DeviceKind::TeamsClient, Disabled),
            ],
        );
        alice.preferred_device = Some(id(12));
        alice.pickup_groups = vec![id(900)];
        let mut bob = person(2, vec![dev(21, DeskPhone, Active)]);
        bob.platform = Platform::Chorus;
        let mut carol = person(3, vec![dev(31, DeviceKind::TeamsClient, Active)]);
        carol.platform = Platform::Teams;
        let groups = vec![
            GroupState {
                id: id(500),
                ea: false,
                platform: Platform::Chorus,
                members: vec![
                    (id(1), Platform::Chorus),
                    (id(2), Platform::Chorus),
                    (id(3), Platform::Teams),
                ],
            },
            GroupState {
                id: id(600),
                ea: true,
                platform: Platform::Chorus,
                members: vec![(id(1), Platform::Chorus), (id(2), Platform::Chorus)],
            },
            GroupState {
                id: id(700),
                ea: false,
                platform: Platform::Teams,
                members: vec![(id(3), Platform::Teams)],
            },
        ];
        let plan = plan_set(&[alice, bob, carol], &groups).expect("plans");
        assert_eq!(plan.already_moved, vec![id(3)]);
        assert_eq!(
            plan.moves,
            vec![
                PersonMove {
                    person: id(1),
                    disable: vec![(id(11), DeskPhone), (id(12), Softphone)],
                    teams_client: TeamsClient::Existing(id(14)),
                    preferred_before: Some(id(12)),
                    leave_pickup_groups: vec![id(900)],
                },
                PersonMove {
                    person: id(2),
                    disable: vec![(id(21), DeskPhone)],
                    teams_client: TeamsClient::New,
                    preferred_before: None,
                    leave_pickup_groups: vec![],
                },
            ]
        );
        assert_eq!(plan.hunt_groups_to_teams, vec![id(500)]);
        assert_eq!(plan.ea_groups_to_delegation, vec![id(600)]);
    }

    #[test]
    fn a_move_is_refused_whole() {
        let ok = person(1, vec![dev(11, DeskPhone, Active)]);
        let mut unlicensed = person(2, vec![]);
        unlicensed.licensed = false;
        let mut blocked = person(3, vec![]);
        blocked.blockers.insert(Blocker::ContactCentreAgent);
        let cases = [
            (vec![ok.clone(), unlicensed.clone()], vec![], "NO_LICENCE"),
            (vec![blocked.clone(), ok.clone()], vec![], "BLOCKED"),
            (
                vec![ok.clone()],
                vec![GroupState {
                    id: id(500),
                    ea: false,
                    platform: Platform::Chorus,
                    members: vec![
                        (id(1), Platform::Chorus),
                        (id(9), Platform::Chorus),
                        (id(8), Platform::Teams),
                    ],
                }],
                "SET_SPLIT",
            ),
        ];
        for (people, groups, code) in cases {
            assert_eq!(
                plan_set(&people, &groups).err().map(|r| r.code()),
                Some(code)
            );
        }
        // Someone already on Teams needs no licence check again (a re-run).
        let mut moved = person(4, vec![]);
        moved.platform = Platform::Teams;
        moved.licensed = false;
        let plan = plan_set(&[moved], &[]).expect("nothing to do");
        assert!(plan.moves.is_empty());
        assert_eq!(plan.already_moved, vec![id(4)]);
    }

    #[test]
    fn the_upgrade_takes_softphones_apps_and_portal_preferences() {
        let mut a = person(
            1,
            vec![
                dev(11, DeskPhone, Active),
                dev(12, Softphone, Active),
                dev(13, MobileApp, Active),
            ],
        );
        a.preferred_device = Some(id(13));
        let loss = upgrade_loss(&a).expect("loses");
        assert_eq!(loss.disable, vec![(id(12), Softphone), (id(13), MobileApp)]);
        assert_eq!(loss.preferred_reset, Some((id(13), Some(id(11)))));

        let mut desk_only = person(2, vec![dev(21, DeskPhone, Active)]);
        desk_only.preferred_device = Some(id(21));
        assert_eq!(upgrade_loss(&desk_only), None);

        let mut no_desk = person(3, vec![dev(31, Softphone, Active)]);
        no_desk.preferred_device = Some(id(31));
        assert_eq!(
            upgrade_loss(&no_desk).map(|l| l.preferred_reset),
            Some(Some((id(31), None)))
        );

        let disabled = person(4, vec![dev(41, Softphone, Disabled)]);
        assert_eq!(upgrade_loss(&disabled), None);

        let mut on_teams = a.clone();
        on_teams.platform = Platform::Teams;
        assert_eq!(upgrade_loss(&on_teams), None);
    }
}

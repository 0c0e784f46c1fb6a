//! What the move plans need, loaded for everyone in a run at once: each person's platform,
//! devices, pickup groups, licence and own blockers, their personal line, and every hunt
//! and executive-assistant group they are in with all its members' platforms.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    device, ea_group, ea_group_member,
    enums::{LineKind, Platform},
    hunt_group, hunt_group_member, line, person, pickup_group_member,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::super::{column, licences};
use crate::domain::cutover::{
    eligibility::Blocker,
    moves::{DeviceState, GroupState, PersonState},
};

/// The loaded state of a run.
pub(super) struct Loaded {
    /// Each person to move, by id.
    pub states: HashMap<Uuid, PersonState>,
    /// Per person, every hunt and EA group they are in.
    pub groups: HashMap<Uuid, Vec<GroupState>>,
    /// Per person, their personal line (the smallest id when they have several).
    pub lines: HashMap<Uuid, Uuid>,
}

/// The rows that belong to the people themselves, read in chunks of ids.
#[derive(Default)]
struct OwnRows {
    people: Vec<person::Model>,
    devices: Vec<device::Model>,
    pickups: Vec<pickup_group_member::Model>,
    personal_line: HashMap<Uuid, Uuid>,
    hunt_ids: BTreeSet<Uuid>,
    ea_ids: BTreeSet<Uuid>,
}

/// Loads what the plans need for `people`: themselves, devices, lines, pickup memberships,
/// licences, own blockers, and every hunt and EA group they are in with all its members.
pub(super) async fn load(
    db: &impl ConnectionTrait,
    people: &[Uuid],
    since: DateTime<Utc>,
) -> Result<Loaded, DbErr> {
    let (rows, _) = column::compute(db, &column::Scope::People(people.to_vec()), since).await?;
    let licensed = licences::licensed(db, people).await?;
    let own = own_rows(db, people).await?;
    let blockers: HashMap<Uuid, BTreeSet<Blocker>> = rows
        .iter()
        .map(|r| (r.person_id, r.facts.own_blockers()))
        .collect();
    let states = person_states(own.people, own.devices, own.pickups, &licensed, &blockers);
    let groups = group_states(db, own.hunt_ids, own.ea_ids).await?;
    Ok(Loaded {
        states,
        groups,
        lines: own.personal_line,
    })
}

/// The people, their devices, pickup memberships, personal lines, and the ids of the hunt
/// and EA groups they are in.
async fn own_rows(db: &impl ConnectionTrait, people: &[Uuid]) -> Result<OwnRows, DbErr> {
    let mut own = OwnRows::default();
    for chunk in people.chunks(crate::db::IDS_PER_STATEMENT) {
        let ids = chunk.to_vec();
        own.people.extend(
            person::Entity::find()
                .filter(person::Column::Id.is_in(ids.clone()))
                .all(db)
                .await?,
        );
        own.devices.extend(
            device::Entity::find()
                .filter(device::Column::OwnerId.is_in(ids.clone()))
                .all(db)
                .await?,
        );
        own.pickups.extend(
            pickup_group_member::Entity::find()
                .filter(pickup_group_member::Column::PersonId.is_in(ids.clone()))
                .all(db)
                .await?,
        );
        for l in line::Entity::find()
            .filter(line::Column::OwnerId.is_in(ids.clone()))
            .filter(line::Column::Kind.eq(LineKind::Personal))
            .all(db)
            .await?
        {
            if let Some(owner) = l.owner_id {
                let entry = own.personal_line.entry(owner).or_insert(l.id);
                *entry = std::cmp::min(*entry, l.id);
            }
        }
        own.hunt_ids.extend(
            hunt_group_member::Entity::find()
                .filter(hunt_group_member::Column::PersonId.is_in(ids.clone()))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.group_id),
        );
        own.ea_ids.extend(
            ea_group_member::Entity::find()
                .filter(ea_group_member::Column::PersonId.is_in(ids))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.group_id),
        );
    }
    Ok(own)
}

/// Each person's state, with their devices and pickup groups sorted by id.
fn person_states(
    people: Vec<person::Model>,
    devices: Vec<device::Model>,
    pickups: Vec<pickup_group_member::Model>,
    licensed: &BTreeSet<Uuid>,
    blockers: &HashMap<Uuid, BTreeSet<Blocker>>,
) -> HashMap<Uuid, PersonState> {
    let mut states: HashMap<Uuid, PersonState> = HashMap::new();
    for p in people {
        states.insert(
            p.id,
            PersonState {
                id: p.id,
                platform: p.platform,
                preferred_device: p.preferred_device_id,
                devices: vec![],
                pickup_groups: vec![],
                licensed: licensed.contains(&p.id),
                blockers: blockers.get(&p.id).cloned().unwrap_or_default(),
            },
        );
    }
    for d in devices {
        if let Some(s) = states.get_mut(&d.owner_id) {
            s.devices.push(DeviceState {
                id: d.id,
                kind: d.kind,
                status: d.status,
            });
        }
    }
    for m in pickups {
        if let Some(s) = states.get_mut(&m.person_id) {
            s.pickup_groups.push(m.group_id);
        }
    }
    for s in states.values_mut() {
        s.devices.sort_by_key(|d| d.id);
        s.pickup_groups.sort();
    }
    states
}

/// The groups with all their members and the members' platforms, listed under each member.
async fn group_states(
    db: &impl ConnectionTrait,
    hunt_ids: BTreeSet<Uuid>,
    ea_ids: BTreeSet<Uuid>,
) -> Result<HashMap<Uuid, Vec<GroupState>>, DbErr> {
    let hunt_ids: Vec<Uuid> = hunt_ids.into_iter().collect();
    let ea_ids: Vec<Uuid> = ea_ids.into_iter().collect();
    let hunts = hunt_group::Entity::find()
        .filter(hunt_group::Column::Id.is_in(hunt_ids.clone()))
        .all(db)
        .await?;
    let hunt_members = hunt_group_member::Entity::find()
        .filter(hunt_group_member::Column::GroupId.is_in(hunt_ids))
        .all(db)
        .await?;
    let eas = ea_group::Entity::find()
        .filter(ea_group::Column::Id.is_in(ea_ids.clone()))
        .all(db)
        .await?;
    let ea_members = ea_group_member::Entity::find()
        .filter(ea_group_member::Column::GroupId.is_in(ea_ids))
        .all(db)
        .await?;
    let everyone: BTreeSet<Uuid> = hunt_members
        .iter()
        .map(|m| m.person_id)
        .chain(ea_members.iter().map(|m| m.person_id))
        .collect();
    let platform = platforms(db, everyone).await?;
    let hunt_members: Vec<(Uuid, Uuid)> = hunt_members
        .iter()
        .map(|m| (m.group_id, m.person_id))
        .collect();
    let ea_members: Vec<(Uuid, Uuid)> = ea_members
        .iter()
        .map(|m| (m.group_id, m.person_id))
        .collect();
    let groups = hunts
        .iter()
        .map(|g| group_state(g.id, false, g.platform, &hunt_members, &platform))
        .chain(
            eas.iter()
                .map(|g| group_state(g.id, true, g.platform, &ea_members, &platform)),
        );
    let mut by_person: HashMap<Uuid, Vec<GroupState>> = HashMap::new();
    for g in groups {
        let mut members: Vec<Uuid> = g.members.iter().map(|(m, _)| *m).collect();
        members.dedup();
        for m in members {
            by_person.entry(m).or_default().push(g.clone());
        }
    }
    Ok(by_person)
}

/// The platform of each of `people`.
async fn platforms(
    db: &impl ConnectionTrait,
    people: BTreeSet<Uuid>,
) -> Result<HashMap<Uuid, Platform>, DbErr> {
    let people: Vec<Uuid> = people.into_iter().collect();
    let mut platform: HashMap<Uuid, Platform> = HashMap::new();
    for chunk in people.chunks(crate::db::IDS_PER_STATEMENT) {
        for p in person::Entity::find()
            .filter(person::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            platform.insert(p.id, p.platform);
        }
    }
    Ok(platform)
}

/// One group's state: its members (`(group, person)` pairs, in their stored order) with
/// their platforms, Chorus when unknown.
fn group_state(
    id: Uuid,
    ea: bool,
    platform: Platform,
    memberships: &[(Uuid, Uuid)],
    platforms: &HashMap<Uuid, Platform>,
) -> GroupState {
    let members = memberships
        .iter()
        .filter(|(group, _)| *group == id)
        .map(|(_, person)| {
            (
                *person,
                platforms.get(person).copied().unwrap_or(Platform::Chorus),
            )
        })
        .collect();
    GroupState {
        id,
        ea,
        platform,
        members,
    }
}

/// The people and groups of one set, from the loaded state.
pub(super) fn set_state(
    members: &BTreeSet<Uuid>,
    loaded: &Loaded,
) -> (Vec<PersonState>, Vec<GroupState>) {
    let people: Vec<PersonState> = members
        .iter()
        .filter_map(|m| loaded.states.get(m).cloned())
        .collect();
    let mut seen = BTreeSet::new();
    let mut set_groups = Vec::new();
    for m in members {
        for g in loaded.groups.get(m).into_iter().flatten() {
            if seen.insert(g.id) {
                set_groups.push(g.clone());
            }
        }
    }
    (people, set_groups)
}

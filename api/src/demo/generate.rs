//! Builds the whole demo university in memory, as entity models ready to insert.
//!
//! Pure: no database, no clock. Everything but times comes from seeded streams, so the same
//! rows (and ids) come out on every run; times are placed relative to the `now` passed in.
//!
//! This file holds the dataset, the generator's state and the order of the steps; the steps
//! themselves are methods of [`Gen`] in the sibling files: `people` (units and people),
//! `lines` (lines, devices, mailboxes), `centre` (the contact centre), `groups` (hunt, pickup
//! and executive-assistant groups), `rollout` (roles, licences, nominations, tranches) and
//! `calls` (the call history).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use entity::enums::{ActorKind, DiallingPermission};
use entity::{
    audit_event, call_participant, call_record, cc_agent, cc_closure, cc_opening_hours, cc_queue,
    contact_centre, device, ea_group, ea_group_member, ea_whitelist_entry, hunt_group,
    hunt_group_member, licence_assignment, licence_pool, line, mailbox_settings, nomination,
    nomination_round, person, pickup_group, pickup_group_member, role_grant, service_account,
    tranche, tranche_member, unit,
};
use uuid::Uuid;

use super::names::UnitSpec;
use super::random::{Dice, IdGen};

/// Seed of the content stream.
const CONTENT_SEED: u64 = 0xC40_2022_0530;
/// Seed of the id stream.
const ID_SEED: u64 = 0x1D5_2022_0613;
/// 2022-01-04T09:00:00Z: the ids' base timestamp.
const ID_BASE_MILLIS: u64 = 1_641_286_800_000;

/// How far back call history goes.
pub(super) const HISTORY_DAYS: i64 = 60;
/// How many hunt groups, pickup groups and executive-assistant groups to make.
pub(super) const HUNT_GROUPS: usize = 60;
pub(super) const PICKUP_GROUPS: usize = 40;
pub(super) const EA_GROUPS: usize = 25;
/// People involved in the pilot: the first `PILOT_MOVED` already on Teams, the rest in tranche 1.
pub(super) const PILOT_GROUP: usize = 70;
pub(super) const PILOT_MOVED: usize = 50;
/// Ids set aside for the contact centre's closures (two years of bank holidays).
pub(super) const CLOSURE_IDS: usize = 24;

/// Every row of the demo university, in insertion order of the tables.
#[derive(Default)]
pub(super) struct Dataset {
    pub units: Vec<unit::Model>,
    pub people: Vec<person::Model>,
    pub role_grants: Vec<role_grant::Model>,
    pub service_accounts: Vec<service_account::Model>,
    pub lines: Vec<line::Model>,
    pub devices: Vec<device::Model>,
    pub mailbox_settings: Vec<mailbox_settings::Model>,
    pub hunt_groups: Vec<hunt_group::Model>,
    pub hunt_group_members: Vec<hunt_group_member::Model>,
    pub pickup_groups: Vec<pickup_group::Model>,
    pub pickup_group_members: Vec<pickup_group_member::Model>,
    pub ea_groups: Vec<ea_group::Model>,
    pub ea_group_members: Vec<ea_group_member::Model>,
    pub ea_whitelist: Vec<ea_whitelist_entry::Model>,
    pub contact_centres: Vec<contact_centre::Model>,
    pub cc_queues: Vec<cc_queue::Model>,
    pub cc_agents: Vec<cc_agent::Model>,
    pub cc_opening_hours: Vec<cc_opening_hours::Model>,
    pub cc_closures: Vec<cc_closure::Model>,
    pub call_records: Vec<call_record::Model>,
    pub call_participants: Vec<call_participant::Model>,
    pub licence_pools: Vec<licence_pool::Model>,
    pub licence_assignments: Vec<licence_assignment::Model>,
    pub nomination_rounds: Vec<nomination_round::Model>,
    pub nominations: Vec<nomination::Model>,
    pub tranches: Vec<tranche::Model>,
    pub tranche_members: Vec<tranche_member::Model>,
    pub audit_events: Vec<audit_event::Model>,
}

impl Dataset {
    /// Row count per table, for the log and the seed's audit event.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("unit", self.units.len()),
            ("person", self.people.len()),
            ("role_grant", self.role_grants.len()),
            ("service_account", self.service_accounts.len()),
            ("line", self.lines.len()),
            ("device", self.devices.len()),
            ("mailbox_settings", self.mailbox_settings.len()),
            ("hunt_group", self.hunt_groups.len()),
            ("hunt_group_member", self.hunt_group_members.len()),
            ("pickup_group", self.pickup_groups.len()),
            ("pickup_group_member", self.pickup_group_members.len()),
            ("ea_group", self.ea_groups.len()),
            ("ea_group_member", self.ea_group_members.len()),
            ("ea_whitelist_entry", self.ea_whitelist.len()),
            ("contact_centre", self.contact_centres.len()),
            ("cc_queue", self.cc_queues.len()),
            ("cc_agent", self.cc_agents.len()),
            ("cc_opening_hours", self.cc_opening_hours.len()),
            ("cc_closure", self.cc_closures.len()),
            ("call_record", self.call_records.len()),
            ("call_participant", self.call_participants.len()),
            ("licence_pool", self.licence_pools.len()),
            ("licence_assignment", self.licence_assignments.len()),
            ("nomination_round", self.nomination_rounds.len()),
            ("nomination", self.nominations.len()),
            ("tranche", self.tranches.len()),
            ("tranche_member", self.tranche_members.len()),
            ("audit_event", self.audit_events.len()),
        ]
    }
}

/// Builds the demo university as of `now`.
pub(super) fn generate(now: DateTime<Utc>) -> Dataset {
    let mut g = Gen::new(now);
    g.units();
    g.people();
    g.pilot_group();
    g.personal_lines();
    g.devices();
    g.shared_and_critical_lines();
    g.contact_centre();
    g.chain_of_groups();
    g.teams_groups();
    g.hunt_groups();
    g.pickup_groups();
    g.ea_groups();
    g.mailboxes();
    g.roles_and_accounts();
    g.licences();
    g.nominations();
    g.tranches();
    let audit_id = g.ids.next();
    g.calls();
    g.device_last_used();
    g.finish(audit_id)
}

/// Where a person stands in the pilot.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Pilot {
    No,
    /// Already moved to Teams.
    Moved,
    /// Still on Chorus, placed in tranche 1.
    Tranche1,
}

pub(super) struct UnitInfo {
    pub id: Uuid,
    pub spec: &'static UnitSpec,
    /// Thousands block of the unit's extensions.
    pub block: u32,
    pub people: Vec<usize>,
    /// Shared lines not yet used as a hunt-group or contact-centre pilot.
    pub free_shared: Vec<usize>,
    /// Every shared line of the unit.
    pub shared: Vec<usize>,
}

pub(super) struct PersonInfo {
    pub unit: usize,
    pub demo: bool,
    pub pilot: Pilot,
    pub line: usize,
    pub desk: usize,
    pub softphone: Option<usize>,
    pub mobile: Option<usize>,
    pub teams: Option<usize>,
    pub preferred: usize,
    /// Makes external calls from a softphone or the mobile app.
    pub away_caller: bool,
    /// In a hunt or executive-assistant group (or a contact-centre agent).
    pub grouped: bool,
    pub pickup: Option<usize>,
}

pub(super) struct HuntInfo {
    pub id: Uuid,
    pub line: usize,
    pub sequential: bool,
    /// Members in ring order, without the opted-out ones.
    pub ringing: Vec<usize>,
}

pub(super) struct EaInfo {
    pub divert: bool,
    pub whitelist: Vec<String>,
    pub assistants: Vec<usize>,
}

pub(super) struct CentreInfo {
    pub id: Uuid,
    pub line: usize,
    pub queues: Vec<QueueInfo>,
}

pub(super) struct QueueInfo {
    pub max_wait_seconds: i32,
    pub agents: Vec<usize>,
}

pub(super) struct Gen {
    pub dice: Dice,
    pub ids: IdGen,
    pub now: DateTime<Utc>,
    /// Today's date in Europe/London.
    pub today: NaiveDate,
    /// When the pilot group moved to Teams.
    pub pilot_moved_at: DateTime<Utc>,
    pub data: Dataset,
    pub units: Vec<UnitInfo>,
    pub people: Vec<PersonInfo>,
    pub hunts: Vec<HuntInfo>,
    /// Hunt group by pilot line index.
    pub hunt_by_line: BTreeMap<usize, usize>,
    pub pickups: Vec<Vec<usize>>,
    /// Executive-assistant settings by manager.
    pub ea_by_manager: BTreeMap<usize, EaInfo>,
    pub centre: Option<CentreInfo>,
    /// Usernames taken so far.
    pub(super) usernames: HashSet<String>,
    /// E-mail addresses taken so far.
    pub(super) emails: HashSet<String>,
    /// Extensions taken so far.
    pub(super) extensions: HashSet<u32>,
}

impl Gen {
    fn new(now: DateTime<Utc>) -> Self {
        let today = now.with_timezone(&London).date_naive();
        let pilot_moved_at = london(today - Duration::days(91), 8, 0);
        Self {
            dice: Dice::new(CONTENT_SEED),
            ids: IdGen::new(ID_SEED, ID_BASE_MILLIS),
            now,
            today,
            pilot_moved_at,
            data: Dataset::default(),
            units: Vec::new(),
            people: Vec::new(),
            hunts: Vec::new(),
            hunt_by_line: BTreeMap::new(),
            pickups: Vec::new(),
            ea_by_manager: BTreeMap::new(),
            centre: None,
            usernames: HashSet::new(),
            emails: HashSet::new(),
            extensions: HashSet::new(),
        }
    }

    /// A time between `lo` and `hi` days before now.
    pub(super) fn days_ago(&mut self, lo: u32, hi: u32) -> DateTime<Utc> {
        let minutes = self.dice.between(lo * 1440, hi * 1440);
        self.now - Duration::minutes(i64::from(minutes))
    }

    pub(super) fn unit_index(&self, code: &str) -> usize {
        self.units
            .iter()
            .position(|u| u.spec.code == code)
            .unwrap_or(0)
    }

    pub(super) fn person_index(&self, username: &str) -> usize {
        self.data
            .people
            .iter()
            .position(|p| p.username == username)
            .unwrap_or(0)
    }

    fn finish(mut self, audit_id: Uuid) -> Dataset {
        let counts: serde_json::Map<String, serde_json::Value> = self
            .data
            .counts()
            .into_iter()
            .filter(|(table, _)| *table != "audit_event")
            .map(|(table, n)| (table.to_owned(), n.into()))
            .collect();
        self.data.audit_events.push(audit_event::Model {
            id: audit_id,
            at: self.now,
            actor_kind: ActorKind::System,
            actor: "demo".into(),
            action: "demo.seed".into(),
            subject_type: "database".into(),
            subject_id: "demo".into(),
            before: None,
            after: Some(serde_json::json!({ "rows": counts })),
            request_id: None,
        });
        self.data
    }

    /// An external number in Ofcom's and other regulators' ranges reserved for drama, so no
    /// real subscriber is ever dialled from the demo.
    pub fn external_number(&mut self, permission: DiallingPermission) -> String {
        let n = self.dice.between(0, 999);
        match permission {
            DiallingPermission::Internal | DiallingPermission::Local => format!("+441632960{n:03}"),
            DiallingPermission::National | DiallingPermission::International => {
                let international =
                    permission == DiallingPermission::International && self.dice.chance(0.35);
                if international {
                    match self.dice.index(4) {
                        0 => format!("+120255501{:02}", n % 100),
                        1 => format!("+3319900{n:04}"),
                        2 => format!("+61491570{n:03}"),
                        _ => format!("+3532091{n:05}"),
                    }
                } else {
                    let prefix = *self.dice.weighted(&[
                        ("+447700900", 40),
                        ("+442079460", 20),
                        ("+441134960", 5),
                        ("+441174960", 5),
                        ("+441214960", 6),
                        ("+441314960", 5),
                        ("+441414960", 4),
                        ("+441614960", 6),
                        ("+441914980", 3),
                        ("+442920180", 3),
                        ("+441632960", 3),
                    ]);
                    format!("{prefix}{n:03}")
                }
            }
        }
    }
}

/// A wall-clock time in Europe/London as UTC.
pub(super) fn london(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let local = day.and_hms_opt(hour, minute, 0).unwrap_or_default();
    London
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_times_follow_summer_time() {
        let winter = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap_or_default();
        let summer = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap_or_default();
        assert_eq!(
            london(winter, 17, 0).to_rfc3339(),
            "2026-01-15T17:00:00+00:00"
        );
        assert_eq!(
            london(summer, 17, 0).to_rfc3339(),
            "2026-07-15T16:00:00+00:00"
        );
    }
}

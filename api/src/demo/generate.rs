//! Builds the whole demo university in memory, as entity models ready to insert.
//!
//! Pure: no database, no clock. Everything but times comes from seeded streams, so the same
//! rows (and ids) come out on every run; times are placed relative to the `now` passed in.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use entity::enums::{
    ActorKind, Cohort, DeviceKind, DeviceStatus, DiallingPermission, DirectoryStatus, EaRole,
    FallbackKind, GrantedRole, HuntStrategy, LineKind, NominationAnswer, Platform, TeamsTenant,
    TrancheState, UnitKind,
};
use entity::{
    audit_event, call_participant, call_record, cc_agent, cc_closure, cc_opening_hours, cc_queue,
    contact_centre, device, ea_group, ea_group_member, ea_whitelist_entry, hunt_group,
    hunt_group_member, licence_assignment, licence_pool, line, mailbox_settings, nomination,
    nomination_round, person, pickup_group, pickup_group_member, role_grant, service_account,
    tranche, tranche_member, unit,
};
use uuid::Uuid;

use super::holidays;
use super::names::{self, UnitSpec};
use super::random::{Dice, IdGen};
use crate::domain::text::fold_search_name;

/// Seed of the content stream.
const CONTENT_SEED: u64 = 0xC40_2022_0530;
/// Seed of the id stream.
const ID_SEED: u64 = 0x1D5_2022_0613;
/// 2022-01-04T09:00:00Z: the ids' base timestamp.
const ID_BASE_MILLIS: u64 = 1_641_286_800_000;

/// How far back call history goes.
pub(super) const HISTORY_DAYS: i64 = 60;
/// How many hunt groups, pickup groups and executive-assistant groups to make.
const HUNT_GROUPS: usize = 60;
const PICKUP_GROUPS: usize = 40;
const EA_GROUPS: usize = 25;
/// People involved in the pilot: the first `PILOT_MOVED` already on Teams, the rest in tranche 1.
const PILOT_GROUP: usize = 70;
const PILOT_MOVED: usize = 50;
/// Ids set aside for the contact centre's closures (two years of bank holidays).
const CLOSURE_IDS: usize = 24;

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
    usernames: HashSet<String>,
    emails: HashSet<String>,
    extensions: HashSet<u32>,
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
    fn days_ago(&mut self, lo: u32, hi: u32) -> DateTime<Utc> {
        let minutes = self.dice.between(lo * 1440, hi * 1440);
        self.now - Duration::minutes(i64::from(minutes))
    }

    fn unit_index(&self, code: &str) -> usize {
        self.units
            .iter()
            .position(|u| u.spec.code == code)
            .unwrap_or(0)
    }

    fn person_index(&self, username: &str) -> usize {
        self.data
            .people
            .iter()
            .position(|p| p.username == username)
            .unwrap_or(0)
    }

    // ---- units and people ----

    fn units(&mut self) {
        // Extension blocks 10xxx–98xxx; 89xxx is kept for Security Services.
        let mut blocks: Vec<u32> = (10..=98).filter(|b| *b != 89).collect();
        self.dice.shuffle(&mut blocks);
        for (spec, block) in names::UNITS.iter().zip(blocks) {
            let id = self.ids.next();
            let created_at = self.days_ago(1500, 3000);
            self.data.units.push(unit::Model {
                id,
                code: spec.code.to_owned(),
                name: spec.name.to_owned(),
                kind: spec.kind,
                teams_tenant: spec.tenant,
                created_at,
            });
            self.units.push(UnitInfo {
                id,
                spec,
                block,
                people: Vec::new(),
                free_shared: Vec::new(),
                shared: Vec::new(),
            });
        }
    }

    fn people(&mut self) {
        let itsv = self.unit_index("ITSV");
        let ball = self.unit_index("BALL");
        self.add_person(
            itsv,
            "demo-admin".into(),
            "Ada",
            "Admin",
            Some("Telephony Service Manager"),
            true,
        );
        self.add_person(
            ball,
            "demo-coordinator".into(),
            "Cora",
            "Coordinator",
            Some("College IT Officer"),
            true,
        );
        self.add_person(
            ball,
            "demo-user".into(),
            "Dev",
            "User",
            Some("Research Software Engineer"),
            true,
        );
        for u in 0..self.units.len() {
            let spec = self.units[u].spec;
            let count = self.dice.between(spec.people.0, spec.people.1);
            let titles = match spec.kind {
                UnitKind::College => names::COLLEGE_TITLES,
                UnitKind::Department => names::DEPARTMENT_TITLES,
                UnitKind::UasDivision => names::UAS_TITLES,
                UnitKind::Other => names::OTHER_TITLES,
            };
            for _ in 0..count {
                let first = *self.dice.pick(names::FIRST_NAMES);
                let last = *self.dice.pick(names::LAST_NAMES);
                let title = if self.dice.chance(0.03) {
                    None
                } else {
                    Some(*self.dice.pick(titles))
                };
                let username = self.username(spec.code);
                self.add_person(u, username, first, last, title, false);
            }
        }
    }

    /// An unused Oxford SSO-style username: four letters of the unit code and four digits.
    fn username(&mut self, code: &str) -> String {
        let prefix: String = code.chars().take(4).collect::<String>().to_lowercase();
        loop {
            let candidate = format!("{prefix}{:04}", self.dice.between(1, 9999));
            if self.usernames.insert(candidate.clone()) {
                return candidate;
            }
        }
    }

    fn add_person(
        &mut self,
        unit: usize,
        username: String,
        first: &'static str,
        last: &'static str,
        job_title: Option<&str>,
        demo: bool,
    ) {
        let display_name = format!("{first} {last}");
        let email = self.email(first, last, self.units[unit].spec.domain);
        let ex_directory = self.dice.chance(0.04) && !demo;
        let created_at = self.days_ago(120, 4000);
        let updated_at = self.days_ago(0, 100).max(created_at);
        self.usernames.insert(username.clone());
        self.units[unit].people.push(self.people.len());
        self.data.people.push(person::Model {
            id: self.ids.next(),
            username,
            search_name: fold_search_name(&display_name),
            display_name,
            email,
            unit_id: self.units[unit].id,
            job_title: job_title.map(str::to_owned),
            directory_status: if ex_directory {
                DirectoryStatus::ExDirectory
            } else {
                DirectoryStatus::Listed
            },
            platform: Platform::Chorus,
            preferred_device_id: None,
            created_at,
            updated_at,
            version: 1,
        });
        self.people.push(PersonInfo {
            unit,
            demo,
            pilot: Pilot::No,
            line: 0,
            desk: 0,
            softphone: None,
            mobile: None,
            teams: None,
            preferred: 0,
            away_caller: false,
            grouped: false,
            pickup: None,
        });
    }

    /// `first.last@<domain>.ox.ac.uk`, ASCII, numbered when taken.
    fn email(&mut self, first: &str, last: &str, domain: &str) -> String {
        let part = |s: &str| -> String {
            fold_search_name(s)
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect()
        };
        let local = format!("{}.{}", part(first), part(last));
        let mut n = 1;
        loop {
            let candidate = if n == 1 {
                format!("{local}@{domain}.ox.ac.uk")
            } else {
                format!("{local}{n}@{domain}.ox.ac.uk")
            };
            if self.emails.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }

    /// The pilot group: people in the main tenant, a third of them from IT Services.
    fn pilot_group(&mut self) {
        let itsv = self.unit_index("ITSV");
        let eligible = |g: &Self, p: usize| {
            !g.people[p].demo && g.units[g.people[p].unit].spec.tenant == TeamsTenant::Main
        };
        let from_it: Vec<usize> = self.units[itsv]
            .people
            .iter()
            .copied()
            .filter(|p| eligible(self, *p))
            .collect();
        let others: Vec<usize> = (0..self.people.len())
            .filter(|p| eligible(self, *p) && self.people[*p].unit != itsv)
            .collect();
        let mut group = self.dice.sample(&from_it, PILOT_GROUP / 3);
        group.extend(self.dice.sample(&others, PILOT_GROUP - group.len()));
        self.dice.shuffle(&mut group);
        for (i, p) in group.into_iter().enumerate() {
            self.people[p].pilot = if i < PILOT_MOVED {
                Pilot::Moved
            } else {
                Pilot::Tranche1
            };
        }
    }

    // ---- lines and devices ----

    /// A free extension in the unit's block and its E.164 number.
    fn number(&mut self, unit: usize) -> (String, String) {
        let block = self.units[unit].block;
        let ext = loop {
            let candidate = block * 1000 + self.dice.between(0, 999);
            if self.extensions.insert(candidate) {
                break candidate;
            }
        };
        numbers_for(ext)
    }

    fn push_line(
        &mut self,
        unit: usize,
        kind: LineKind,
        owner: Option<usize>,
        label: Option<String>,
        permission: DiallingPermission,
        number: (String, String),
    ) -> usize {
        let created_at = self.days_ago(200, 3000);
        let (e164, extension) = number;
        self.data.lines.push(line::Model {
            id: self.ids.next(),
            e164,
            extension,
            kind,
            owner_id: owner.map(|p| self.data.people[p].id),
            unit_id: self.units[unit].id,
            label,
            dialling_permission: permission,
            created_at,
            version: 1,
        });
        self.data.lines.len() - 1
    }

    fn personal_lines(&mut self) {
        for p in 0..self.people.len() {
            let unit = self.people[p].unit;
            let mut permission = *self.dice.weighted(&[
                (DiallingPermission::National, 70),
                (DiallingPermission::International, 15),
                (DiallingPermission::Local, 8),
                (DiallingPermission::Internal, 7),
            ]);
            if self.people[p].demo {
                permission = DiallingPermission::National;
            }
            let number = self.number(unit);
            self.people[p].line =
                self.push_line(unit, LineKind::Personal, Some(p), None, permission, number);
        }
    }

    fn push_device(
        &mut self,
        owner: usize,
        kind: DeviceKind,
        label: &str,
        model: &str,
        created_at: DateTime<Utc>,
    ) -> usize {
        self.data.devices.push(device::Model {
            id: self.ids.next(),
            kind,
            label: label.to_owned(),
            model: Some(model.to_owned()),
            owner_id: self.data.people[owner].id,
            line_id: Some(self.data.lines[self.people[owner].line].id),
            status: DeviceStatus::Active,
            last_used_at: None,
            created_at,
            version: 1,
        });
        self.data.devices.len() - 1
    }

    fn devices(&mut self) {
        let demo_user = self.person_index("demo-user");
        for p in 0..self.people.len() {
            let pilot = self.people[p].pilot;
            let model = *self.dice.weighted(names::DESK_MODELS);
            let created = self.days_ago(200, 3000);
            let desk = self.push_device(p, DeviceKind::DeskPhone, "Desk phone", model, created);

            let in_pilot = pilot != Pilot::No;
            let mut has_softphone = self.dice.chance(if in_pilot { 0.7 } else { 0.2 });
            let mobile_chance = match (has_softphone, in_pilot) {
                (true, _) => 0.25,
                (false, true) => 0.5,
                (false, false) => 0.0875,
            };
            let mut has_mobile = self.dice.chance(mobile_chance);
            if p == demo_user {
                (has_softphone, has_mobile) = (true, true);
            }
            let softphone = if has_softphone {
                let label = *self.dice.weighted(names::SOFTPHONE_LABELS);
                let created = self.days_ago(30, 900);
                Some(self.push_device(
                    p,
                    DeviceKind::Softphone,
                    label,
                    names::SOFTPHONE_MODEL,
                    created,
                ))
            } else {
                None
            };
            let mobile = if has_mobile {
                let label = *self.dice.pick(names::MOBILE_LABELS);
                let created = self.days_ago(30, 900);
                Some(self.push_device(
                    p,
                    DeviceKind::MobileApp,
                    label,
                    names::MOBILE_MODEL,
                    created,
                ))
            } else {
                None
            };
            let non_desk: Vec<usize> = softphone.into_iter().chain(mobile).collect();
            let mut preferred = desk;
            if !non_desk.is_empty() && self.dice.chance(0.36) {
                preferred = *self.dice.pick(&non_desk);
            }
            if p == demo_user {
                preferred = softphone.unwrap_or(desk);
            }
            // A few old softphone or mobile installations, switched off.
            for d in &non_desk {
                if *d != preferred && self.dice.chance(0.05) {
                    self.data.devices[*d].status = DeviceStatus::Disabled;
                }
            }
            let info = &mut self.people[p];
            info.desk = desk;
            info.softphone = softphone;
            info.mobile = mobile;
            info.preferred = preferred;
            info.away_caller = !non_desk.is_empty() && (in_pilot || self.dice.chance(0.7));
            if p == demo_user {
                info.away_caller = true;
            }

            if pilot == Pilot::Moved {
                // Moved: Chorus devices stop working, the Teams client takes over.
                for d in [Some(desk), softphone, mobile].into_iter().flatten() {
                    self.data.devices[d].status = DeviceStatus::Disabled;
                }
                let moved = self.pilot_moved_at;
                let teams = self.push_device(
                    p,
                    DeviceKind::TeamsClient,
                    "Microsoft Teams",
                    "Microsoft Teams",
                    moved,
                );
                let info = &mut self.people[p];
                info.teams = Some(teams);
                info.preferred = teams;
                let person = &mut self.data.people[p];
                person.platform = Platform::Teams;
                person.updated_at = moved;
            }
            let preferred_id = self.data.devices[self.people[p].preferred].id;
            self.data.people[p].preferred_device_id = Some(preferred_id);
        }
    }

    fn shared_and_critical_lines(&mut self) {
        let itsv = self.unit_index("ITSV");
        let esta = self.unit_index("ESTA");
        for u in 0..self.units.len() {
            let kind = self.units[u].spec.kind;
            let (labels, lo, hi) = match kind {
                UnitKind::College => (names::COLLEGE_SHARED, 2, 4),
                UnitKind::Department => (names::DEPARTMENT_SHARED, 3, 6),
                UnitKind::UasDivision => (names::UAS_SHARED, 4, 6),
                UnitKind::Other => (names::OTHER_SHARED, 2, 3),
            };
            let count = self.dice.between(lo, hi) as usize;
            let mut chosen: Vec<&str> = self.dice.sample(labels, count);
            if u == itsv {
                chosen.insert(0, "IT Service Desk");
            }
            for label in chosen {
                let permission = *self.dice.weighted(&[
                    (DiallingPermission::National, 60),
                    (DiallingPermission::Internal, 20),
                    (DiallingPermission::Local, 15),
                    (DiallingPermission::International, 5),
                ]);
                let number = self.number(u);
                let l = self.push_line(
                    u,
                    LineKind::Shared,
                    None,
                    Some(label.to_owned()),
                    permission,
                    number,
                );
                self.units[u].shared.push(l);
                self.units[u].free_shared.push(l);
            }
            let critical = match kind {
                UnitKind::College => usize::from(self.dice.chance(0.5)),
                _ => 1,
            };
            for label in self.dice.sample(names::CRITICAL, critical) {
                let permission = if self.dice.chance(0.5) {
                    DiallingPermission::Internal
                } else {
                    DiallingPermission::National
                };
                let number = self.number(u);
                self.push_line(
                    u,
                    LineKind::Critical,
                    None,
                    Some(label.to_owned()),
                    permission,
                    number,
                );
            }
        }
        self.extensions.insert(89999);
        self.push_line(
            esta,
            LineKind::Critical,
            None,
            Some("Security Services control room".into()),
            DiallingPermission::National,
            numbers_for(89999),
        );
    }

    // ---- groups ----

    /// People of a unit who may be put in a group: on Chorus, not in the pilot, not a demo account.
    fn group_pool(&self, unit: usize) -> Vec<usize> {
        self.units[unit]
            .people
            .iter()
            .copied()
            .filter(|p| self.people[*p].pilot == Pilot::No && !self.people[*p].demo)
            .collect()
    }

    /// `count` distinct members from `pool`, preferring people already grouped with `bias`
    /// probability per member, so groups overlap and movement sets link up.
    fn members(&mut self, pool: &[usize], count: usize, bias: f64) -> Vec<usize> {
        let mut chosen: Vec<usize> = Vec::with_capacity(count);
        while chosen.len() < count.min(pool.len()) {
            let grouped: Vec<usize> = pool
                .iter()
                .copied()
                .filter(|p| self.people[*p].grouped && !chosen.contains(p))
                .collect();
            let prefer_grouped = self.dice.chance(bias);
            let next = if prefer_grouped && !grouped.is_empty() {
                *self.dice.pick(&grouped)
            } else {
                let rest: Vec<usize> = pool
                    .iter()
                    .copied()
                    .filter(|p| !chosen.contains(p))
                    .collect();
                *self.dice.pick(&rest)
            };
            chosen.push(next);
        }
        chosen
    }

    /// Takes a free shared line of the unit, preferring one with the given label.
    fn take_shared(&mut self, unit: usize, label: Option<&str>) -> Option<usize> {
        let free = &self.units[unit].free_shared;
        let at = match label {
            Some(label) => free
                .iter()
                .position(|l| self.data.lines[*l].label.as_deref() == Some(label))
                .or(if free.is_empty() { None } else { Some(0) }),
            None if free.is_empty() => None,
            None => Some(self.dice.index(free.len())),
        }?;
        Some(self.units[unit].free_shared.remove(at))
    }

    fn contact_centre(&mut self) {
        let itsv = self.unit_index("ITSV");
        let Some(pilot) = self.take_shared(itsv, Some("IT Service Desk")) else {
            return;
        };
        let id = self.ids.next();
        let created_at = self.days_ago(600, 900);
        self.data.contact_centres.push(contact_centre::Model {
            id,
            name: "IT Service Desk".into(),
            unit_id: self.units[itsv].id,
            pilot_line_id: Some(self.data.lines[pilot].id),
            time_zone: "Europe/London".into(),
            out_of_hours_kind: FallbackKind::Voicemail,
            out_of_hours_target: None,
            created_at,
            version: 1,
        });
        let pool = self.group_pool(itsv);
        let mut queues = Vec::new();
        let mut first_queue: Vec<usize> = Vec::new();
        for (position, (name, max_waiting, max_wait_seconds)) in [
            ("Staff and general enquiries", 10, 300),
            ("Students and accounts", 20, 600),
        ]
        .into_iter()
        .enumerate()
        {
            let queue_id = self.ids.next();
            self.data.cc_queues.push(cc_queue::Model {
                id: queue_id,
                centre_id: id,
                name: name.into(),
                max_waiting,
                max_wait_seconds,
                overflow_kind: FallbackKind::Voicemail,
                overflow_target: None,
                position: position as i32 + 1,
            });
            let count = self.dice.between(4, 8) as usize;
            let mut agents = Vec::new();
            while agents.len() < count.min(pool.len()) {
                let from_first: Vec<usize> = first_queue
                    .iter()
                    .copied()
                    .filter(|p| !agents.contains(p))
                    .collect();
                let agent = if !from_first.is_empty() && self.dice.chance(0.3) {
                    *self.dice.pick(&from_first)
                } else {
                    let rest: Vec<usize> = pool
                        .iter()
                        .copied()
                        .filter(|p| !agents.contains(p) && !first_queue.contains(p))
                        .collect();
                    if rest.is_empty() {
                        break;
                    }
                    *self.dice.pick(&rest)
                };
                agents.push(agent);
            }
            for agent in &agents {
                self.people[*agent].grouped = true;
                self.data.cc_agents.push(cc_agent::Model {
                    id: self.ids.next(),
                    queue_id,
                    person_id: self.data.people[*agent].id,
                });
            }
            if position == 0 {
                first_queue = agents.clone();
            }
            queues.push(QueueInfo {
                max_wait_seconds,
                agents,
            });
        }
        let open = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        for weekday in 1..=6 {
            let (opens_at, closes_at) = if weekday == 6 {
                (open(9, 0), open(13, 0))
            } else {
                (open(8, 30), open(18, 0))
            };
            self.data.cc_opening_hours.push(cc_opening_hours::Model {
                id: self.ids.next(),
                centre_id: id,
                weekday,
                opens_at,
                closes_at,
            });
        }
        // A fixed number of ids, used or not: how many bank holidays two years have depends on
        // the year, and must not shift the ids of everything after.
        let closure_ids: Vec<Uuid> = (0..CLOSURE_IDS).map(|_| self.ids.next()).collect();
        let year = self.today.year();
        let closures = [year, year + 1]
            .into_iter()
            .flat_map(holidays::england_and_wales);
        for (holiday, closure_id) in closures.zip(closure_ids) {
            self.data.cc_closures.push(cc_closure::Model {
                id: closure_id,
                centre_id: id,
                on_date: holiday.date,
                reason: holiday.name.to_owned(),
            });
        }
        self.centre = Some(CentreInfo {
            id,
            line: pilot,
            queues,
        });
    }

    fn push_hunt_group(&mut self, unit: usize, line: usize, members: &[usize], platform: Platform) {
        let id = self.ids.next();
        let sequential = self.dice.chance(0.6);
        let label = self.data.lines[line].label.clone().unwrap_or_default();
        let created_at = self.days_ago(100, 2000);
        self.data.hunt_groups.push(hunt_group::Model {
            id,
            name: format!("{} {label}", self.units[unit].spec.short),
            pilot_line_id: self.data.lines[line].id,
            unit_id: self.units[unit].id,
            strategy: if sequential {
                HuntStrategy::Sequential
            } else {
                HuntStrategy::Simultaneous
            },
            platform,
            no_answer_kind: FallbackKind::Voicemail,
            no_answer_target: None,
            created_at,
            version: 1,
        });
        let mut ringing = Vec::new();
        for (position, p) in members.iter().enumerate() {
            let opted_out = self.dice.chance(0.05);
            let ring_seconds = self.dice.between(10, 20) as i32;
            self.people[*p].grouped = true;
            if !opted_out {
                ringing.push(*p);
            }
            self.data.hunt_group_members.push(hunt_group_member::Model {
                id: self.ids.next(),
                group_id: id,
                person_id: self.data.people[*p].id,
                position: position as i32 + 1,
                ring_seconds,
                opted_out,
            });
        }
        if ringing.is_empty() {
            ringing.extend(members.first());
        }
        self.hunt_by_line.insert(line, self.hunts.len());
        self.hunts.push(HuntInfo {
            id,
            line,
            sequential,
            ringing,
        });
    }

    /// An executive-assistant group; most managers get a whitelist of one to four numbers.
    fn push_ea_group(
        &mut self,
        unit: usize,
        office: &str,
        managers: &[usize],
        assistants: &[usize],
        platform: Platform,
    ) {
        let id = self.ids.next();
        let created_at = self.days_ago(100, 2000);
        self.data.ea_groups.push(ea_group::Model {
            id,
            name: format!("{} {office}", self.units[unit].spec.short),
            unit_id: self.units[unit].id,
            platform,
            created_at,
            version: 1,
        });
        for p in assistants {
            self.people[*p].grouped = true;
            self.data.ea_group_members.push(ea_group_member::Model {
                id: self.ids.next(),
                group_id: id,
                person_id: self.data.people[*p].id,
                role: EaRole::Assistant,
                divert_enabled: false,
            });
        }
        let colleagues = self.units[unit].people.clone();
        for m in managers {
            self.people[*m].grouped = true;
            let member_id = self.ids.next();
            let divert = self.dice.chance(0.9);
            self.data.ea_group_members.push(ea_group_member::Model {
                id: member_id,
                group_id: id,
                person_id: self.data.people[*m].id,
                role: EaRole::Manager,
                divert_enabled: divert,
            });
            let mut whitelist: Vec<String> = Vec::new();
            if self.dice.chance(0.8) {
                let count = self.dice.between(1, 4);
                for _ in 0..count {
                    let number = if self.dice.chance(0.4) {
                        let colleague = *self.dice.pick(&colleagues);
                        self.data.lines[self.people[colleague].line].e164.clone()
                    } else {
                        self.external_number(DiallingPermission::International)
                    };
                    if number == self.data.lines[self.people[*m].line].e164
                        || whitelist.contains(&number)
                    {
                        continue;
                    }
                    let label = if self.dice.chance(0.7) {
                        Some((*self.dice.pick(names::WHITELIST_LABELS)).to_owned())
                    } else {
                        None
                    };
                    self.data.ea_whitelist.push(ea_whitelist_entry::Model {
                        id: self.ids.next(),
                        member_id,
                        number: number.clone(),
                        label,
                    });
                    whitelist.push(number);
                }
            }
            self.ea_by_manager
                .entry(*m)
                .or_insert(EaInfo {
                    divert,
                    whitelist,
                    assistants: Vec::new(),
                })
                .assistants
                .extend(assistants.iter().copied());
        }
    }

    /// Engineering: hunt group A shares a member with B, B's last member manages an EA group
    /// whose assistant is also in hunt group C: one movement set of seven people.
    fn chain_of_groups(&mut self) {
        let engs = self.unit_index("ENGS");
        let pool = self.group_pool(engs);
        let chain = self.dice.sample(&pool, 7);
        if chain.len() < 7 || self.units[engs].free_shared.len() < 3 {
            return;
        }
        for members in [&chain[0..3], &chain[2..5]] {
            if let Some(line) = self.take_shared(engs, None) {
                self.push_hunt_group(engs, line, members, Platform::Chorus);
            }
        }
        self.push_ea_group(
            engs,
            "Head of Department's office",
            &chain[4..5],
            &chain[5..6],
            Platform::Chorus,
        );
        if let Some(line) = self.take_shared(engs, None) {
            self.push_hunt_group(engs, line, &chain[5..7], Platform::Chorus);
        }
    }

    /// A hunt group and an EA group of IT Services people who have already moved.
    fn teams_groups(&mut self) {
        let itsv = self.unit_index("ITSV");
        let moved: Vec<usize> = self.units[itsv]
            .people
            .iter()
            .copied()
            .filter(|p| self.people[*p].pilot == Pilot::Moved)
            .collect();
        if moved.len() < 5 {
            return;
        }
        let picked = self.dice.sample(&moved, 5);
        if let Some(line) = self.take_shared(itsv, None) {
            self.push_hunt_group(itsv, line, &picked[0..3], Platform::Teams);
        }
        self.push_ea_group(
            itsv,
            "Director's office",
            &picked[3..4],
            &picked[4..5],
            Platform::Teams,
        );
    }

    fn hunt_groups(&mut self) {
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        self.dice.shuffle(&mut order);
        let mut progress = true;
        while self.hunts.len() < HUNT_GROUPS && progress {
            progress = false;
            for &u in &order {
                if self.hunts.len() >= HUNT_GROUPS {
                    break;
                }
                let pool = self.group_pool(u);
                if pool.len() < 2 || self.units[u].free_shared.is_empty() {
                    continue;
                }
                let Some(line) = self.take_shared(u, None) else {
                    continue;
                };
                let count = self.dice.between(2, 8) as usize;
                let members = self.members(&pool, count, 0.2);
                self.push_hunt_group(u, line, &members, Platform::Chorus);
                progress = true;
            }
        }
    }

    fn pickup_groups(&mut self) {
        let ball = self.unit_index("BALL");
        let demo_user = self.person_index("demo-user");
        let mut order: Vec<usize> = (0..self.units.len()).filter(|u| *u != ball).collect();
        self.dice.shuffle(&mut order);
        order.insert(0, ball);
        let mut areas_used: Vec<Vec<&str>> = vec![Vec::new(); self.units.len()];
        let mut progress = true;
        while self.pickups.len() < PICKUP_GROUPS && progress {
            progress = false;
            for &u in &order {
                if self.pickups.len() >= PICKUP_GROUPS {
                    break;
                }
                let pool: Vec<usize> = self
                    .group_pool(u)
                    .into_iter()
                    .filter(|p| self.people[*p].pickup.is_none())
                    .collect();
                let areas: Vec<&str> = names::pickup_areas(self.units[u].spec.kind)
                    .iter()
                    .copied()
                    .filter(|a| !areas_used[u].contains(a))
                    .collect();
                if pool.len() < 3 || areas.is_empty() {
                    continue;
                }
                let area = *self.dice.pick(&areas);
                areas_used[u].push(area);
                let count = self.dice.between(3, 10) as usize;
                let mut members = self.dice.sample(&pool, count);
                if u == ball && self.people[demo_user].pickup.is_none() {
                    members.truncate(9);
                    members.push(demo_user);
                }
                let id = self.ids.next();
                let created_at = self.days_ago(100, 2000);
                self.data.pickup_groups.push(pickup_group::Model {
                    id,
                    name: format!("{} {area}", self.units[u].spec.short),
                    unit_id: self.units[u].id,
                    created_at,
                    version: 1,
                });
                for p in &members {
                    self.people[*p].pickup = Some(self.pickups.len());
                    self.data
                        .pickup_group_members
                        .push(pickup_group_member::Model {
                            id: self.ids.next(),
                            group_id: id,
                            person_id: self.data.people[*p].id,
                        });
                }
                self.pickups.push(members);
                progress = true;
            }
        }
    }

    /// Executive-assistant groups: one in each of a set of units, then a second one in a few
    /// of them, whose assistant usually also serves the first group's managers.
    fn ea_groups(&mut self) {
        let wanted = EA_GROUPS.saturating_sub(self.data.ea_groups.len());
        let seconds = wanted / 4;
        let mut order: Vec<usize> = (0..self.units.len())
            .filter(|u| self.group_pool(*u).len() >= 6)
            .collect();
        self.dice.shuffle(&mut order);
        order.truncate(wanted - seconds);
        let mut offices_used: Vec<Vec<&str>> = vec![Vec::new(); self.units.len()];
        let mut assistants_of: Vec<Vec<usize>> = vec![Vec::new(); self.units.len()];
        let revisits: Vec<usize> = order.iter().copied().take(seconds).collect();
        for (i, u) in order.iter().copied().chain(revisits).enumerate() {
            let second = i >= wanted - seconds;
            let offices: Vec<&str> = names::ea_offices(self.units[u].spec.kind)
                .iter()
                .copied()
                .filter(|o| !offices_used[u].contains(o))
                .collect();
            let pool = self.group_pool(u);
            if offices.is_empty() {
                continue;
            }
            let office = *self.dice.pick(&offices);
            offices_used[u].push(office);
            let managers = *self.dice.weighted(&[(1usize, 60), (2, 30), (3, 10)]);
            let assistants = *self.dice.weighted(&[(1usize, 75), (2, 25)]);
            let people = self.members(&pool, managers + 1, 0.15);
            let (group_managers, first_assistant) = people.split_at(managers.min(people.len() - 1));
            let mut group_assistants: Vec<usize> = first_assistant.to_vec();
            // An assistant of the unit's first group serves this group's managers too.
            let earlier: Vec<usize> = assistants_of[u]
                .iter()
                .copied()
                .filter(|a| !group_managers.contains(a) && !group_assistants.contains(a))
                .collect();
            if second && !earlier.is_empty() && self.dice.chance(0.8) {
                group_assistants[0] = *self.dice.pick(&earlier);
            }
            if assistants == 2 {
                let rest: Vec<usize> = pool
                    .iter()
                    .copied()
                    .filter(|p| !group_managers.contains(p) && !group_assistants.contains(p))
                    .collect();
                if !rest.is_empty() {
                    group_assistants.push(*self.dice.pick(&rest));
                }
            }
            assistants_of[u].extend(group_assistants.iter().copied());
            let group_managers = group_managers.to_vec();
            self.push_ea_group(
                u,
                office,
                &group_managers,
                &group_assistants,
                Platform::Chorus,
            );
        }
    }

    // ---- mailboxes, accounts, licences, nominations, tranches ----

    fn mailboxes(&mut self) {
        for p in 0..self.people.len() {
            if !self.people[p].demo && self.dice.chance(0.02) {
                continue;
            }
            let attach = self.dice.chance(0.4);
            let updated_at = self.days_ago(1, 700);
            let line = self.people[p].line;
            self.data.mailbox_settings.push(mailbox_settings::Model {
                id: self.ids.next(),
                line_id: self.data.lines[line].id,
                pin_hash: None,
                email_attachment: attach,
                email_address: attach.then(|| self.data.people[p].email.clone()),
                rings_before_voicemail: 4,
                greeting_blob_key: None,
                updated_at,
                version: 1,
            });
        }
        let pilots: Vec<usize> = self
            .hunts
            .iter()
            .map(|h| h.line)
            .chain(self.centre.as_ref().map(|c| c.line))
            .collect();
        for line in pilots {
            let updated_at = self.days_ago(1, 700);
            self.data.mailbox_settings.push(mailbox_settings::Model {
                id: self.ids.next(),
                line_id: self.data.lines[line].id,
                pin_hash: None,
                email_attachment: false,
                email_address: None,
                rings_before_voicemail: 4,
                greeting_blob_key: None,
                updated_at,
                version: 1,
            });
        }
    }

    fn grant(&mut self, person: usize, role: GrantedRole, unit: Option<usize>) {
        let created_at = self.days_ago(30, 600);
        self.data.role_grants.push(role_grant::Model {
            id: self.ids.next(),
            person_id: self.data.people[person].id,
            role,
            unit_id: unit.map(|u| self.units[u].id),
            created_at,
        });
    }

    fn roles_and_accounts(&mut self) {
        let admin = self.person_index("demo-admin");
        let coordinator = self.person_index("demo-coordinator");
        let ball = self.unit_index("BALL");
        self.grant(admin, GrantedRole::Admin, None);
        self.grant(coordinator, GrantedRole::Coordinator, Some(ball));
        // Telephone coordinators of a few other units; Hertford's also covers Keble.
        for codes in [
            &["CHCH"][..],
            &["MAGD"],
            &["ENGS"],
            &["PHYS"],
            &["ESTA"],
            &["BODL"],
            &["SBS"],
            &["OUI"],
            &["HERT", "KEBL"],
        ] {
            let home = self.unit_index(codes[0]);
            let pool = self.group_pool(home);
            if pool.is_empty() {
                continue;
            }
            let person = *self.dice.pick(&pool);
            for code in codes {
                let unit = self.unit_index(code);
                self.grant(person, GrantedRole::Coordinator, Some(unit));
            }
        }
        let created_at = self.days_ago(30, 300);
        self.data.service_accounts.push(service_account::Model {
            id: self.ids.next(),
            name: "demo-automation".into(),
            display_name: "Demo automation".into(),
            scopes: "calls:write voicemail:write directory:read cutover:write licences:write"
                .into(),
            created_at,
        });
    }

    fn licences(&mut self) {
        let pool_id = self.ids.next();
        let moved: Vec<usize> = (0..self.people.len())
            .filter(|p| self.people[*p].pilot == Pilot::Moved)
            .collect();
        for p in &moved {
            let assigned_at = self.pilot_moved_at - Duration::days(7)
                + Duration::minutes(i64::from(self.dice.between(0, 600)));
            self.data
                .licence_assignments
                .push(licence_assignment::Model {
                    id: self.ids.next(),
                    pool_id,
                    person_id: self.data.people[*p].id,
                    assigned_at,
                    assigned_by: "demo-automation".into(),
                });
        }
        self.data.licence_pools.push(licence_pool::Model {
            id: pool_id,
            name: "teams".into(),
            capacity: 1600,
            assigned_count: moved.len() as i32,
            updated_at: self.pilot_moved_at - Duration::days(7),
            version: 1,
        });
    }

    fn nominations(&mut self) {
        let ball = self.unit_index("BALL");
        let round_id = self.ids.next();
        let created_at = self.days_ago(20, 22);
        self.data.nomination_rounds.push(nomination_round::Model {
            id: round_id,
            name: "2022 Telephony over Teams".into(),
            deadline: london(self.today + Duration::days(14), 17, 0),
            created_at,
        });
        // Five people who use a softphone or the mobile app are nominated; one who does not is
        // declined.
        let pool = self.group_pool(ball);
        let (eligible, others): (Vec<usize>, Vec<usize>) = pool
            .into_iter()
            .partition(|p| self.people[*p].softphone.is_some() || self.people[*p].mobile.is_some());
        let mut picked = self.dice.sample(&eligible, 5);
        picked.extend(self.dice.sample(&others, 6 - picked.len()));
        let last = picked.len().saturating_sub(1);
        for (i, p) in picked.into_iter().enumerate() {
            let answered_at = self.days_ago(1, 6);
            self.data.nominations.push(nomination::Model {
                id: self.ids.next(),
                round_id,
                person_id: self.data.people[p].id,
                unit_id: self.units[ball].id,
                answer: if i == last {
                    NominationAnswer::Decline
                } else {
                    NominationAnswer::Nominate
                },
                answered_by: "demo-coordinator".into(),
                answered_at,
                late: false,
            });
        }
    }

    fn tranches(&mut self) {
        let first = next_monday(self.today + Duration::days(28));
        let plan = [
            (1, "Pilot", Cohort::Pilot, first, 50),
            (
                2,
                "Colleges and UAS",
                Cohort::College,
                first + Duration::days(14),
                590,
            ),
            (
                3,
                "Departments",
                Cohort::Departmental,
                first + Duration::days(21),
                550,
            ),
            (
                4,
                "Late requests",
                Cohort::Late,
                first + Duration::days(28),
                500,
            ),
        ];
        let mut pilot_tranche = None;
        for (number, name, cohort, move_date, capacity) in plan {
            let id = self.ids.next();
            let created_at = self.days_ago(14, 16);
            pilot_tranche.get_or_insert(id);
            self.data.tranches.push(tranche::Model {
                id,
                number,
                name: name.into(),
                cohort,
                move_date,
                capacity,
                state: TrancheState::Planned,
                created_at,
                version: 1,
            });
        }
        let Some(tranche_id) = pilot_tranche else {
            return;
        };
        for p in 0..self.people.len() {
            if self.people[p].pilot == Pilot::Tranche1 {
                let added_at = self.days_ago(2, 10);
                self.data.tranche_members.push(tranche_member::Model {
                    id: self.ids.next(),
                    tranche_id,
                    person_id: self.data.people[p].id,
                    added_at,
                });
            }
        }
    }

    // ---- finishing ----

    /// Devices' last use: their latest call, else a recent day for most active ones.
    fn device_last_used(&mut self) {
        let mut latest: BTreeMap<Uuid, DateTime<Utc>> = BTreeMap::new();
        for call in &self.data.call_records {
            if let Some(d) = call.device_id {
                let entry = latest.entry(d).or_insert(call.ended_at);
                *entry = (*entry).max(call.ended_at);
            }
        }
        for d in 0..self.data.devices.len() {
            let device = &self.data.devices[d];
            let (id, status, kind) = (device.id, device.status, device.kind);
            let last = match latest.get(&id) {
                Some(t) => Some(*t),
                None if status == DeviceStatus::Disabled && kind == DeviceKind::DeskPhone => Some(
                    self.pilot_moved_at - Duration::minutes(i64::from(self.dice.between(60, 4000))),
                ),
                None if status == DeviceStatus::Disabled => Some(self.days_ago(95, 400)),
                None if self.dice.chance(0.8) => Some(self.days_ago(0, HISTORY_DAYS as u32)),
                None => None,
            };
            self.data.devices[d].last_used_at = last;
        }
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

    // ---- shared helpers ----

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

/// The E.164 number and extension of a five-digit extension: 7xxxx and 8xxxx are on the
/// 01865 2xxxxx range, the others on 01865 6xxxxx.
fn numbers_for(ext: u32) -> (String, String) {
    let lead = if ext >= 70_000 { 2 } else { 6 };
    (format!("+441865{lead}{ext:05}"), format!("{ext:05}"))
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

/// The day itself when a Monday, else the next Monday.
fn next_monday(day: NaiveDate) -> NaiveDate {
    let ahead = (7 - day.weekday().num_days_from_monday()) % 7;
    day + Duration::days(i64::from(ahead))
}

#[cfg(test)]
mod tests {
    use chrono::Weekday;

    use super::*;

    #[test]
    fn next_monday_is_on_or_after() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        assert_eq!(monday.weekday(), Weekday::Mon);
        assert_eq!(next_monday(monday), monday);
        assert_eq!(next_monday(monday - Duration::days(1)), monday);
        assert_eq!(next_monday(monday - Duration::days(6)), monday);
    }

    #[test]
    fn numbers_keep_the_extension_as_last_five_digits() {
        assert_eq!(
            numbers_for(89999),
            ("+441865289999".to_owned(), "89999".to_owned())
        );
        assert_eq!(
            numbers_for(12345),
            ("+441865612345".to_owned(), "12345".to_owned())
        );
    }

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

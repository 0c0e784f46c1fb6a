//! The units of the demo university and their people (names, usernames, e-mails), and the
//! pilot group already on, or about to move to, Teams.

use entity::enums::{DirectoryStatus, Platform, TeamsTenant, UnitKind};
use entity::{person, unit};

use super::generate::{Gen, PILOT_GROUP, PILOT_MOVED, PersonInfo, Pilot, UnitInfo};
use super::names;
use crate::domain::text::fold_search_name;

impl Gen {
    pub(super) fn units(&mut self) {
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
                parent_id: None,
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

    pub(super) fn people(&mut self) {
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
            external_id: None,
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
    pub(super) fn pilot_group(&mut self) {
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
}

//! The move to Teams as the demo finds it: role grants and the automation account, the
//! "teams" licence pool, the nomination round, and the four tranches.

use chrono::{Datelike, Duration, NaiveDate};
use entity::enums::{Cohort, GrantedRole, NominationAnswer, TrancheState};
use entity::{
    licence_assignment, licence_pool, nomination, nomination_round, role_grant, service_account,
    tranche, tranche_member,
};

use super::generate::{Gen, Pilot, london};

impl Gen {
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

    pub(super) fn roles_and_accounts(&mut self) {
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
            disabled_at: None,
        });
    }

    pub(super) fn licences(&mut self) {
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

    pub(super) fn nominations(&mut self) {
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

    pub(super) fn tranches(&mut self) {
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
}

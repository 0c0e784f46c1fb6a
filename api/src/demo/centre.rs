//! The "IT Service Desk" contact centre: its pilot line, two queues with agents, opening
//! hours, and closures on the English bank holidays of this year and next.

use chrono::{Datelike, NaiveTime};
use entity::enums::FallbackKind;
use entity::{cc_agent, cc_closure, cc_opening_hours, cc_queue, contact_centre};
use uuid::Uuid;

use super::generate::{CLOSURE_IDS, CentreInfo, Gen, QueueInfo};
use super::holidays;

impl Gen {
    pub(super) fn contact_centre(&mut self) {
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
}

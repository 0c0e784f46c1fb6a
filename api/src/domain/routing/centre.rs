//! Calls to a contact centre: open or closed at that instant in the centre's time zone, then
//! its first queue or its out-of-hours destination.

use chrono::Datelike;
use chrono_tz::Tz;
use entity::enums::Platform;

use super::walk::{Node, Walk, list_or_none};
use super::{ContactCentreSnapshot, Leg, Outcome, Ref, StepKind};
use crate::domain::devices;
use crate::domain::{contact_centres::OpeningPeriod, groups::weekday_name};

impl Walk<'_> {
    /// A call to a contact centre (the rules are in the module documentation of `routing`).
    pub(super) fn centre(&mut self, c: &ContactCentreSnapshot) {
        if !self.enter(Node::Centre(c.id), &format!("contact centre {}", c.name)) {
            return;
        }
        let tz: Tz = match c.time_zone.trim().parse() {
            Ok(tz) => tz,
            Err(_) => {
                let step = self.step(
                    StepKind::TimeZoneUnknown,
                    format!(
                        "The centre's time zone {:?} is unknown: Europe/London is assumed.",
                        c.time_zone
                    ),
                );
                step.refs = vec![Ref::ContactCentre(c.id)];
                chrono_tz::Europe::London
            }
        };
        let local = self.input.at.with_timezone(&tz);
        let (date, time) = (local.date_naive(), local.time());
        let weekday = i16::try_from(local.weekday().number_from_monday()).unwrap_or(0);
        let now = local.format("%A %-d %B %Y, %H:%M %Z").to_string();
        let today: Vec<&OpeningPeriod> = c
            .opening_hours
            .iter()
            .filter(|p| p.weekday == weekday)
            .collect();

        let closed_because = if let Some(closure) = c.closures.iter().find(|x| x.date == date) {
            Some(format!(
                "It is {now} at {}: closed all day for {}.",
                c.name, closure.reason
            ))
        } else if let Some(open) = today.iter().find(|p| p.contains(time)) {
            let step = self.step(
                StepKind::CentreOpen,
                format!("It is {now}: {} is open ({open}).", c.name),
            );
            step.refs = vec![Ref::ContactCentre(c.id)];
            None
        } else if today.is_empty() {
            Some(format!(
                "It is {now}: {} is closed (no opening hours on {}s).",
                c.name,
                weekday_name(weekday)
            ))
        } else {
            let hours: Vec<String> = today.iter().map(|p| p.to_string()).collect();
            Some(format!(
                "It is {now}: {} is closed (open {}).",
                c.name,
                hours.join(", ")
            ))
        };
        if let Some(text) = closed_because {
            let step = self.step(StepKind::CentreClosed, text);
            step.refs = vec![Ref::ContactCentre(c.id)];
            return self.fallback(&c.out_of_hours, &c.pilot, "Out of hours");
        }

        let Some(queue) = c.queues.iter().min_by_key(|q| (q.position, q.id)) else {
            let step = self.step(
                StepKind::NoQueue,
                format!("{} has no queue to join.", c.name),
            );
            step.refs = vec![Ref::ContactCentre(c.id)];
            return self.fallback(&c.out_of_hours, &c.pilot, "With no queue");
        };
        let agents: Vec<(Leg, &str)> = queue
            .agents
            .iter()
            .filter(|a| a.platform == Platform::Chorus)
            .filter_map(|a| {
                devices::effective_preferred(a.platform, a.preferred_device, &a.devices).map(
                    |device| {
                        (
                            Leg {
                                person: a.id,
                                device,
                            },
                            a.name.as_str(),
                        )
                    },
                )
            })
            .collect();
        let names: Vec<&str> = agents.iter().map(|(_, n)| *n).collect();
        let step = self.step(
            StepKind::Queue,
            format!(
                "The call joins queue {}, answered by {} of its {} agent(s): {}. At most {} caller(s) wait at once; a caller who waits {} s, or finds the queue full, overflows.",
                queue.name,
                agents.len(),
                queue.agents.len(),
                list_or_none(&names),
                queue.max_waiting,
                queue.max_wait_seconds
            ),
        );
        step.refs = vec![Ref::Queue(queue.id), Ref::ContactCentre(c.id)];
        step.refs
            .extend(agents.iter().map(|(leg, _)| Ref::Person(leg.person)));
        step.ring_seconds = Some(queue.max_wait_seconds);
        if agents.is_empty() {
            let step = self.step(
                StepKind::QueueNoAgents,
                format!(
                    "No agent of queue {} can answer (none on Chorus with a working device), so the call overflows at once.",
                    queue.name
                ),
            );
            step.refs = vec![Ref::Queue(queue.id)];
            return self.fallback(&queue.overflow, &c.pilot, "Overflow");
        }
        self.offer(Outcome::Queue {
            centre: c.id,
            queue: queue.id,
            agents: agents.into_iter().map(|(leg, _)| leg).collect(),
            max_waiting: queue.max_waiting,
            max_wait_seconds: queue.max_wait_seconds,
        });
        self.fallback(
            &queue.overflow,
            &c.pilot,
            &format!("After {} s in the queue", queue.max_wait_seconds),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use crate::domain::contact_centres::OpeningPeriod;

    #[test]
    fn contact_centre_hours_across_the_clock_changes() {
        let desk_ = || Some(Destination::ContactCentre(service_desk()));
        let out = Outcome::Forwarded {
            number: e164(OUTSIDE),
        };
        let overflow = Outcome::Voicemail {
            mailbox: line(501, "+441865270600", "70600"),
        };
        let open = |name, at| Case {
            name,
            input: call("70600", "70001", at, desk_()),
            outcome: queued(),
            then: vec![overflow.clone()],
            steps: vec![S::Resolved, S::CentreOpen, S::Queue, S::Voicemail],
        };
        let closed = |name, at| Case {
            name,
            input: call("70600", "70001", at, desk_()),
            outcome: out.clone(),
            then: vec![],
            steps: vec![S::Resolved, S::CentreClosed, S::Forwarded],
        };
        run(vec![
            open("a June weekday, 10:00 BST", june()),
            closed("a June weekday, 19:00 BST", utc(2026, 6, 3, 18, 0)),
            closed("a June Sunday", utc(2026, 6, 7, 11, 0)),
            open("a June Saturday, 12:59 BST", utc(2026, 6, 6, 11, 59)),
            closed("a June Saturday, 13:00 BST", utc(2026, 6, 6, 12, 0)),
            // Clocks go forward at 01:00 UTC on Sunday 29 March 2026.
            closed("Friday before, 07:30 GMT", utc(2026, 3, 27, 7, 30)),
            open("Friday before, 08:30 GMT", utc(2026, 3, 27, 8, 30)),
            open("Friday before, 17:59 GMT", utc(2026, 3, 27, 17, 59)),
            open(
                "Monday after, 08:30 BST is 07:30 UTC",
                utc(2026, 3, 30, 7, 30),
            ),
            closed("Monday after, 08:29 BST", utc(2026, 3, 30, 7, 29)),
            open("Monday after, 17:59 BST", utc(2026, 3, 30, 16, 59)),
            closed(
                "Monday after, 18:00 BST is 17:00 UTC",
                utc(2026, 3, 30, 17, 0),
            ),
            // Clocks go back at 01:00 UTC on Sunday 25 October 2026.
            open(
                "Friday before, 08:30 BST is 07:30 UTC",
                utc(2026, 10, 23, 7, 30),
            ),
            closed(
                "Friday before, 18:30 BST is 17:30 UTC",
                utc(2026, 10, 23, 17, 30),
            ),
            closed("Monday after, 07:30 GMT", utc(2026, 10, 26, 7, 30)),
            open("Monday after, 08:30 GMT", utc(2026, 10, 26, 8, 30)),
            open("Monday after, 17:30 GMT", utc(2026, 10, 26, 17, 30)),
            // Closures.
            closed("Christmas Day, a Friday", utc(2026, 12, 25, 10, 0)),
            closed("summer bank holiday Monday", utc(2026, 8, 31, 10, 0)),
            open("the day after the bank holiday", utc(2026, 9, 1, 10, 0)),
        ]);
    }

    #[test]
    fn on_the_days_of_the_change_the_wall_clock_decides() {
        let sunday = desk_with(
            vec![period(7, t(9, 0), t(13, 0)), period(7, t(1, 0), t(2, 0))],
            vec![],
        );
        let cases = [
            // 29 March: 01:00–02:00 local does not exist; 09:00 BST is 08:00 UTC.
            (utc(2026, 3, 29, 0, 59), false, "00:59 GMT, before the gap"),
            (
                utc(2026, 3, 29, 1, 0),
                false,
                "02:00 BST: the 01:00 hour was skipped",
            ),
            (utc(2026, 3, 29, 7, 59), false, "08:59 BST"),
            (utc(2026, 3, 29, 8, 0), true, "09:00 BST"),
            (utc(2026, 3, 29, 11, 59), true, "12:59 BST"),
            (utc(2026, 3, 29, 12, 0), false, "13:00 BST"),
            // 25 October: 01:00–02:00 local happens twice; 09:00 GMT is 09:00 UTC.
            (utc(2026, 10, 25, 0, 30), true, "01:30 BST, the first time"),
            (utc(2026, 10, 25, 1, 30), true, "01:30 GMT, the second time"),
            (utc(2026, 10, 25, 2, 0), false, "02:00 GMT"),
            (utc(2026, 10, 25, 8, 30), false, "08:30 GMT"),
            (utc(2026, 10, 25, 9, 0), true, "09:00 GMT"),
            (utc(2026, 10, 25, 12, 30), true, "12:30 GMT"),
        ];
        for (at, open, why) in cases {
            let e = explain(&call("70600", "70001", at, Some(sunday.clone())));
            assert_eq!(
                e.outcome.kind() == OutcomeKind::Queue,
                open,
                "{why}: {:#?}",
                e.steps
            );
        }
        let e = explain(&call(
            "70600",
            "70001",
            utc(2026, 3, 30, 7, 30),
            Some(Destination::ContactCentre(service_desk())),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::CentreOpen)
            .expect("open");
        assert!(
            step.text.contains("Monday 30 March 2026, 08:30 BST"),
            "{}",
            step.text
        );
        let e = explain(&call(
            "70600",
            "70001",
            utc(2026, 10, 26, 7, 30),
            Some(Destination::ContactCentre(service_desk())),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::CentreClosed)
            .expect("closed");
        assert!(
            step.text.contains("07:30 GMT") && step.text.contains("Monday 08:30–18:00"),
            "{}",
            step.text
        );
    }

    #[test]
    fn closures_and_midnight_are_local() {
        let every_day: Vec<OpeningPeriod> = (1..=7).map(|d| period(d, t(0, 0), t(0, 0))).collect();
        let always = desk_with(
            every_day,
            vec![Closure {
                date: date(2026, 8, 31),
                reason: "Summer bank holiday".into(),
            }],
        );
        let evenings = desk_with(vec![period(3, t(18, 0), t(0, 0))], vec![]);
        let cases = [
            (
                &always,
                utc(2026, 8, 30, 22, 59),
                true,
                "23:59 BST on the Sunday",
            ),
            (
                &always,
                utc(2026, 8, 30, 23, 30),
                false,
                "00:30 BST on the bank holiday, still the 30th in UTC",
            ),
            (
                &always,
                utc(2026, 8, 31, 22, 59),
                false,
                "23:59 BST on the bank holiday",
            ),
            (
                &always,
                utc(2026, 8, 31, 23, 0),
                true,
                "00:00 BST on the Tuesday",
            ),
            (
                &evenings,
                utc(2026, 6, 3, 16, 59),
                false,
                "Wednesday 17:59 BST",
            ),
            (
                &evenings,
                utc(2026, 6, 3, 17, 0),
                true,
                "Wednesday 18:00 BST",
            ),
            (
                &evenings,
                utc(2026, 6, 3, 22, 59),
                true,
                "Wednesday 23:59 BST: 00:00 closes at midnight",
            ),
            (
                &evenings,
                utc(2026, 6, 3, 23, 0),
                false,
                "Thursday 00:00 BST",
            ),
        ];
        for (centre, at, open, why) in cases {
            let e = explain(&call("70600", "70001", at, Some(centre.clone())));
            assert_eq!(
                e.outcome.kind() == OutcomeKind::Queue,
                open,
                "{why}: {:#?}",
                e.steps
            );
        }
        let e = explain(&call(
            "70600",
            "70001",
            utc(2026, 12, 25, 10, 0),
            Some(Destination::ContactCentre(service_desk())),
        ));
        let step = e
            .steps
            .iter()
            .find(|s| s.kind == S::CentreClosed)
            .expect("closed");
        assert!(step.text.contains("Christmas Day"), "{}", step.text);
    }

    #[test]
    fn queues_without_agents_or_centres_without_queues() {
        let overflow = Outcome::Voicemail {
            mailbox: line(501, "+441865270600", "70600"),
        };
        let mut no_agents = service_desk();
        for q in &mut no_agents.queues {
            q.agents.retain(|a| a.platform == Teams);
        }
        let mut no_queues = service_desk();
        no_queues.queues.clear();
        no_queues.out_of_hours = Fallback::None;
        let mut odd_zone = service_desk();
        odd_zone.time_zone = "Oxford/Carfax".into();
        run(vec![
            Case {
                name: "a queue whose agents cannot ring overflows at once",
                input: call(
                    "70600",
                    OUTSIDE,
                    june(),
                    Some(Destination::ContactCentre(no_agents)),
                ),
                outcome: overflow,
                then: vec![],
                steps: vec![S::CentreOpen, S::Queue, S::QueueNoAgents, S::Voicemail],
            },
            Case {
                name: "an open centre without queues uses its out-of-hours destination",
                input: call(
                    "70600",
                    OUTSIDE,
                    june(),
                    Some(Destination::ContactCentre(no_queues)),
                ),
                outcome: Outcome::Released,
                then: vec![],
                steps: vec![S::CentreOpen, S::NoQueue, S::Released],
            },
            Case {
                name: "an unknown time zone is read as Europe/London",
                input: call(
                    "70600",
                    OUTSIDE,
                    utc(2026, 3, 30, 7, 30),
                    Some(Destination::ContactCentre(odd_zone)),
                ),
                outcome: queued(),
                then: vec![Outcome::Voicemail {
                    mailbox: line(501, "+441865270600", "70600"),
                }],
                steps: vec![S::TimeZoneUnknown, S::CentreOpen, S::Queue],
            },
        ]);
        let e = explain(&call(
            "70600",
            OUTSIDE,
            june(),
            Some(Destination::ContactCentre(service_desk())),
        ));
        let queue = e.steps.iter().find(|s| s.kind == S::Queue).expect("queue");
        assert!(
            queue.refs.contains(&Ref::Queue(id(510))),
            "the first queue by position"
        );
        assert_eq!(queue.ring_seconds, Some(300));
        assert!(queue.text.contains("2 of its 4 agent(s)"), "{}", queue.text);
    }
}

//! Call history of the demo university: about thirty calls per person over the last sixty
//! days (mostly in office hours on working days), calls routed by hunt groups and the
//! contact centre (in its opening hours), and a few recent missed calls for `demo-user`.
//!
//! `device_id` is the device used on our side: the caller's for outbound and internal calls,
//! the answering one for inbound calls, the ringing (preferred) one for missed inbound calls,
//! none when voicemail took the call. Participants: the caller (CALLER), the person dialled
//! (DIALLED, even when they answered themselves) and whoever else answered (ANSWERED: an
//! assistant, a pickup-group colleague, a hunt-group member or a contact-centre agent).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use entity::call_participant;
use entity::call_record;
use entity::enums::{CallDirection, CallResult, CallRole, DeviceStatus, DiallingPermission};
use uuid::Uuid;

use super::generate::{Gen, HISTORY_DAYS, london};
use super::holidays;

/// Hours of the day (Europe/London) calls start in, with relative weights.
const HOURS: &[(u32, u32)] = &[
    (7, 2),
    (8, 6),
    (9, 12),
    (10, 14),
    (11, 14),
    (12, 9),
    (13, 8),
    (14, 13),
    (15, 13),
    (16, 11),
    (17, 6),
    (18, 3),
    (19, 2),
    (20, 1),
    (21, 1),
];

/// First number of the `CHORUS-<n>` PBX call ids.
const FIRST_PBX_CALL: usize = 1_000_001;

const INBOUND_RESULTS: &[(CallResult, u32)] = &[
    (CallResult::Answered, 74),
    (CallResult::Missed, 11),
    (CallResult::Voicemail, 12),
    (CallResult::Busy, 3),
];

const OUTBOUND_RESULTS: &[(CallResult, u32)] = &[
    (CallResult::Answered, 78),
    (CallResult::Missed, 13),
    (CallResult::Busy, 6),
    (CallResult::Failed, 3),
];

/// A call before ids are given out.
struct Draft {
    started_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
    ended_at: DateTime<Utc>,
    direction: CallDirection,
    from: String,
    to: String,
    external: bool,
    result: CallResult,
    device: Option<usize>,
    caller: Option<usize>,
    dialled: Option<usize>,
    answered: Option<usize>,
    hunt_group: Option<Uuid>,
    centre: Option<Uuid>,
}

/// The days of the call history: relative weight of each day back from today, for ordinary
/// calls and contact-centre calls, and the UTC instant of each day's local midnight.
struct Calendar {
    days: Vec<f64>,
    centre_days: Vec<f64>,
    /// Local midnight as UTC, by the offset at noon: right for every hour calls start in
    /// (clocks change at 01:00 or 02:00).
    midnights: Vec<DateTime<Utc>>,
}

impl Calendar {
    fn new(today: NaiveDate) -> Self {
        let closed: BTreeSet<NaiveDate> = [today.year() - 1, today.year()]
            .into_iter()
            .flat_map(holidays::england_and_wales)
            .map(|h| h.date)
            .collect();
        let mut days = Vec::new();
        let mut centre_days = Vec::new();
        let mut midnights = Vec::new();
        for back in 0..HISTORY_DAYS {
            let day = today - Duration::days(back);
            let holiday = closed.contains(&day);
            days.push(match day.weekday() {
                _ if holiday => 0.08,
                Weekday::Sat => 0.1,
                Weekday::Sun => 0.05,
                _ => 1.0,
            });
            centre_days.push(match day.weekday() {
                _ if holiday || back == 0 => 0.0,
                Weekday::Sat => 0.35,
                Weekday::Sun => 0.0,
                _ => 1.0,
            });
            midnights.push(london(day, 12, 0) - Duration::hours(12));
        }
        Self {
            days,
            centre_days,
            midnights,
        }
    }

    /// `back` days before today at `seconds` past local midnight.
    fn at(&self, back: usize, seconds: u32) -> DateTime<Utc> {
        self.midnights[back] + Duration::seconds(i64::from(seconds))
    }
}

impl Gen {
    pub(super) fn calls(&mut self) {
        let calendar = Calendar::new(self.today);
        let demo_user = self
            .data
            .people
            .iter()
            .position(|p| p.username == "demo-user");
        let mut drafts: Vec<Draft> = Vec::with_capacity(100_000);
        for p in 0..self.people.len() {
            let mut count = match self.dice.weighted(&[(0, 30), (1, 50), (2, 20)]) {
                0 => self.dice.between(8, 20),
                1 => self.dice.between(18, 36),
                _ => self.dice.between(36, 64),
            };
            if Some(p) == demo_user {
                count = 45;
            }
            for _ in 0..count {
                let started = self.call_time(&calendar);
                let kind = self.dice.unit();
                let draft = if kind < 0.30 {
                    self.outbound(p, started)
                } else if kind < 0.62 {
                    self.inbound(p, started)
                } else {
                    self.internal(p, started)
                };
                drafts.push(draft);
            }
        }
        for h in 0..self.hunts.len() {
            let count = self.dice.between(25, 80);
            for _ in 0..count {
                let started = self.call_time(&calendar);
                let caller = if self.dice.chance(0.2) {
                    Some(self.dice.index(self.people.len()))
                } else {
                    None
                };
                drafts.push(self.hunt_call(h, started, caller));
            }
        }
        if self.centre.is_some() {
            let count = self.dice.between(700, 900);
            for _ in 0..count {
                let started = self.centre_time(&calendar);
                drafts.push(self.centre_call(started));
            }
        }
        if let Some(p) = demo_user {
            self.recent_missed_calls(p, &mut drafts);
        }
        for draft in &mut drafts {
            // Nothing ends in the future: move such calls a week back.
            if draft.ended_at > self.now {
                let week = Duration::days(7);
                draft.started_at -= week;
                draft.ended_at -= week;
                draft.answered_at = draft.answered_at.map(|t| t - week);
            }
        }
        drafts.sort_by_key(|d| d.started_at);
        self.emit(drafts);
    }

    fn emit(&mut self, drafts: Vec<Draft>) {
        self.data.call_records.reserve(drafts.len());
        self.data.call_participants.reserve(drafts.len() * 3 / 2);
        // Call ids first, then participant ids: the number of participants of the n-th call
        // depends on the date, the total does not, so every id stays the same every day.
        let ids: Vec<Uuid> = drafts.iter().map(|_| self.ids.next()).collect();
        for (n, (d, id)) in drafts.into_iter().zip(ids).enumerate() {
            let person = |p: Option<usize>| p.map(|p| self.data.people[p].id);
            let record = call_record::Model {
                id,
                pbx_call_id: format!("CHORUS-{}", FIRST_PBX_CALL + n),
                started_at: d.started_at,
                answered_at: d.answered_at,
                ended_at: d.ended_at,
                direction: d.direction,
                from_number: d.from,
                to_number: d.to,
                external: d.external,
                result: d.result,
                device_id: d.device.map(|i| self.data.devices[i].id),
                caller_person_id: person(d.caller),
                dialled_person_id: person(d.dialled),
                answered_person_id: person(d.answered),
                hunt_group_id: d.hunt_group,
                contact_centre_id: d.centre,
                created_at: d.ended_at + Duration::seconds(2),
            };
            let mut seen: Vec<usize> = Vec::with_capacity(3);
            for (who, role) in [
                (d.caller, CallRole::Caller),
                (d.dialled, CallRole::Dialled),
                (d.answered, CallRole::Answered),
            ] {
                let Some(p) = who else { continue };
                if seen.contains(&p) {
                    continue;
                }
                seen.push(p);
                self.data.call_participants.push(call_participant::Model {
                    id: self.ids.next(),
                    call_record_id: id,
                    person_id: self.data.people[p].id,
                    started_at: d.started_at,
                    role,
                });
            }
            self.data.call_records.push(record);
        }
    }

    // ---- when ----

    /// A start time on a day drawn from the calendar, in office hours mostly.
    fn call_time(&mut self, calendar: &Calendar) -> DateTime<Utc> {
        let back = self.dice.weighted_index(&calendar.days);
        let hour = *self.dice.weighted(HOURS);
        let within = self.dice.between(0, 3599);
        let at = calendar.at(back, hour * 3600 + within);
        if at > self.now {
            at - Duration::days(7)
        } else {
            at
        }
    }

    /// A start time inside the contact centre's opening hours on a day it is open.
    fn centre_time(&mut self, calendar: &Calendar) -> DateTime<Utc> {
        let back = self.dice.weighted_index(&calendar.centre_days);
        let hour = *self.dice.weighted(&HOURS[1..11]);
        let within = self.dice.between(0, 3599);
        let day = self.today - Duration::days(back as i64);
        let seconds = match day.weekday() {
            Weekday::Sat => (9 + hour % 4) * 3600 + within,
            // 08:30 at the earliest.
            _ if hour == 8 => 8 * 3600 + 1800 + within % 1800,
            _ => hour * 3600 + within,
        };
        calendar.at(back, seconds)
    }

    /// When a call was answered (if it was) and when it ended.
    fn timing(
        &mut self,
        started: DateTime<Utc>,
        result: CallResult,
        internal: bool,
    ) -> (Option<DateTime<Utc>>, DateTime<Utc>) {
        let secs = |s: u32| Duration::seconds(i64::from(s));
        match result {
            CallResult::Answered => {
                let answered = started + secs(self.dice.between(3, 25));
                let median = if internal { 70.0 } else { 150.0 };
                let talk = self.dice.log_normal(median, 1.0, 4.0, 5400.0) as u32;
                (Some(answered), answered + secs(talk))
            }
            CallResult::Missed => (None, started + secs(self.dice.between(20, 45))),
            CallResult::Voicemail => (None, started + secs(20 + self.dice.between(8, 90))),
            CallResult::Busy => (None, started + secs(self.dice.between(1, 4))),
            CallResult::Failed => (None, started + secs(self.dice.between(0, 3))),
        }
    }

    // ---- who and which device ----

    fn e164(&self, p: usize) -> String {
        self.data.lines[self.people[p].line].e164.clone()
    }

    /// A person's active softphone and mobile app.
    fn active_non_desk(&self, p: usize) -> ([usize; 2], usize) {
        let info = &self.people[p];
        let mut found = [0; 2];
        let mut n = 0;
        for d in [info.softphone, info.mobile].into_iter().flatten() {
            if self.data.devices[d].status == DeviceStatus::Active {
                found[n] = d;
                n += 1;
            }
        }
        (found, n)
    }

    /// The device a person calls from.
    fn calling_device(&mut self, p: usize, external: bool) -> usize {
        if let Some(teams) = self.people[p].teams {
            return teams;
        }
        let (found, n) = self.active_non_desk(p);
        let non_desk = &found[..n];
        let chance = match (non_desk.is_empty(), external) {
            (true, _) => 0.0,
            (false, true) if self.people[p].away_caller => 0.45,
            (false, true) => 0.0,
            (false, false) => 0.3,
        };
        if chance > 0.0 && self.dice.chance(chance) {
            *self.dice.pick(non_desk)
        } else {
            self.people[p].desk
        }
    }

    /// The device a person answers on.
    fn answering_device(&mut self, p: usize) -> usize {
        let info = &self.people[p];
        if let Some(teams) = info.teams {
            return teams;
        }
        let (desk, preferred) = (info.desk, info.preferred);
        if preferred != desk {
            return if self.dice.chance(0.6) {
                preferred
            } else {
                desk
            };
        }
        let (found, n) = self.active_non_desk(p);
        if n > 0 && self.dice.chance(0.15) {
            *self.dice.pick(&found[..n])
        } else {
            desk
        }
    }

    /// The device of someone answering for a colleague (pickup, assistant): their desk phone.
    fn colleague_device(&self, p: usize) -> usize {
        self.people[p].teams.unwrap_or(self.people[p].desk)
    }

    /// Who answers a call for `callee` from `from`: an assistant when the callee is a diverting
    /// manager and the caller is not whitelisted, sometimes a pickup-group colleague, else the
    /// callee.
    fn answerer(&mut self, callee: usize, from: &str, caller: Option<usize>) -> usize {
        if let Some(ea) = self.ea_by_manager.get(&callee) {
            let whitelisted = ea.whitelist.iter().any(|n| n == from);
            let assistants: Vec<usize> = ea
                .assistants
                .iter()
                .copied()
                .filter(|a| Some(*a) != caller)
                .collect();
            if ea.divert && !whitelisted && !assistants.is_empty() && self.dice.chance(0.7) {
                return *self.dice.pick(&assistants);
            }
        }
        if let Some(g) = self.people[callee].pickup
            && self.dice.chance(0.05)
        {
            let others: Vec<usize> = self.pickups[g]
                .iter()
                .copied()
                .filter(|q| *q != callee && Some(*q) != caller)
                .collect();
            if !others.is_empty() {
                return *self.dice.pick(&others);
            }
        }
        callee
    }

    fn other_person(&mut self, p: usize, same_unit: bool) -> usize {
        let unit = self.people[p].unit;
        loop {
            let q = if same_unit {
                let people = &self.units[unit].people;
                people[self.dice.index(people.len())]
            } else {
                self.dice.index(self.people.len())
            };
            if q != p {
                return q;
            }
        }
    }

    // ---- kinds of call ----

    fn outbound(&mut self, p: usize, started: DateTime<Utc>) -> Draft {
        let permission = self.data.lines[self.people[p].line].dialling_permission;
        if permission == DiallingPermission::Internal {
            return self.internal(p, started);
        }
        let to = self.external_number(permission);
        let result = *self.dice.weighted(OUTBOUND_RESULTS);
        let (answered_at, ended_at) = self.timing(started, result, false);
        let device = self.calling_device(p, true);
        Draft {
            started_at: started,
            answered_at,
            ended_at,
            direction: CallDirection::Outbound,
            from: self.e164(p),
            to,
            external: true,
            result,
            device: Some(device),
            caller: Some(p),
            dialled: None,
            answered: None,
            hunt_group: None,
            centre: None,
        }
    }

    fn inbound(&mut self, p: usize, started: DateTime<Utc>) -> Draft {
        let whitelisted: Vec<String> = self
            .ea_by_manager
            .get(&p)
            .map(|ea| {
                ea.whitelist
                    .iter()
                    .filter(|n| !n.starts_with("+441865"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let from = if !whitelisted.is_empty() && self.dice.chance(0.3) {
            self.dice.pick(&whitelisted).clone()
        } else if self.dice.chance(0.08) {
            self.external_number(DiallingPermission::International)
        } else {
            self.external_number(DiallingPermission::National)
        };
        let result = *self.dice.weighted(INBOUND_RESULTS);
        let (answered_at, ended_at) = self.timing(started, result, false);
        let (answered, device) = self.answer_for(p, &from, None, result);
        Draft {
            started_at: started,
            answered_at,
            ended_at,
            direction: CallDirection::Inbound,
            from,
            to: self.e164(p),
            external: true,
            result,
            device,
            caller: None,
            dialled: Some(p),
            answered,
            hunt_group: None,
            centre: None,
        }
    }

    /// Who answered and which device took a call to `callee`.
    fn answer_for(
        &mut self,
        callee: usize,
        from: &str,
        caller: Option<usize>,
        result: CallResult,
    ) -> (Option<usize>, Option<usize>) {
        match result {
            CallResult::Answered => {
                let who = self.answerer(callee, from, caller);
                let device = if who == callee {
                    self.answering_device(who)
                } else {
                    self.colleague_device(who)
                };
                (Some(who), Some(device))
            }
            CallResult::Missed | CallResult::Busy => (None, Some(self.people[callee].preferred)),
            CallResult::Voicemail | CallResult::Failed => (None, None),
        }
    }

    fn internal(&mut self, p: usize, started: DateTime<Utc>) -> Draft {
        let target = self.dice.unit();
        if target >= 0.9 {
            // A shared line: a reception, a lodge, a lab; hunt-group pilots route to members.
            let unit = self.dice.index(self.units.len());
            let shared = &self.units[unit].shared;
            if !shared.is_empty() {
                let line = shared[self.dice.index(shared.len())];
                if let Some(h) = self.hunt_by_line.get(&line).copied() {
                    return self.hunt_call(h, started, Some(p));
                }
                let result = *self.dice.weighted(INBOUND_RESULTS);
                let (answered_at, ended_at) = self.timing(started, result, true);
                let device = self.calling_device(p, false);
                return Draft {
                    started_at: started,
                    answered_at,
                    ended_at,
                    direction: CallDirection::Internal,
                    from: self.e164(p),
                    to: self.data.lines[line].e164.clone(),
                    external: false,
                    result,
                    device: Some(device),
                    caller: Some(p),
                    dialled: None,
                    answered: None,
                    hunt_group: None,
                    centre: None,
                };
            }
        }
        let callee = self.other_person(p, target < 0.55);
        let from = self.e164(p);
        let result = *self.dice.weighted(INBOUND_RESULTS);
        let (answered_at, ended_at) = self.timing(started, result, true);
        let answered = if result == CallResult::Answered {
            Some(self.answerer(callee, &from, Some(p)))
        } else {
            None
        };
        let device = self.calling_device(p, false);
        Draft {
            started_at: started,
            answered_at,
            ended_at,
            direction: CallDirection::Internal,
            from,
            to: self.e164(callee),
            external: false,
            result,
            device: Some(device),
            caller: Some(p),
            dialled: Some(callee),
            answered,
            hunt_group: None,
            centre: None,
        }
    }

    /// A call to a hunt group's pilot line, from outside or from `caller`.
    fn hunt_call(&mut self, h: usize, started: DateTime<Utc>, caller: Option<usize>) -> Draft {
        let (id, line, sequential) = (
            self.hunts[h].id,
            self.hunts[h].line,
            self.hunts[h].sequential,
        );
        let ringing: Vec<usize> = self.hunts[h]
            .ringing
            .iter()
            .copied()
            .filter(|m| Some(*m) != caller)
            .collect();
        let from = match caller {
            Some(c) => self.e164(c),
            None => self.external_number(DiallingPermission::National),
        };
        let mut result = *self.dice.weighted(&[
            (CallResult::Answered, 85),
            (CallResult::Voicemail, 10),
            (CallResult::Missed, 5),
        ]);
        if ringing.is_empty() {
            result = CallResult::Missed;
        }
        let (mut answered_at, mut ended_at) = self.timing(started, result, caller.is_some());
        let mut answered = None;
        let mut device = None;
        if result == CallResult::Answered {
            let at = if sequential {
                let weights: Vec<f64> =
                    (0..ringing.len()).map(|k| 1.0 / (k as f64 + 1.0)).collect();
                self.dice.weighted_index(&weights)
            } else {
                self.dice.index(ringing.len())
            };
            // Sequential groups ring the earlier members first.
            if sequential && at > 0 {
                let extra = Duration::seconds(12 * at as i64);
                answered_at = answered_at.map(|t| t + extra);
                ended_at += extra;
            }
            answered = Some(ringing[at]);
            device = Some(self.colleague_device(ringing[at]));
        }
        Draft {
            started_at: started,
            answered_at,
            ended_at,
            direction: if caller.is_some() {
                CallDirection::Internal
            } else {
                CallDirection::Inbound
            },
            from,
            to: self.data.lines[line].e164.clone(),
            external: caller.is_none(),
            result,
            device,
            caller,
            dialled: None,
            answered,
            hunt_group: Some(id),
            centre: None,
        }
    }

    /// A call to the contact centre's pilot line, queued and answered by an agent.
    fn centre_call(&mut self, started: DateTime<Utc>) -> Draft {
        let Some(centre) = self.centre.as_ref() else {
            return self.inbound(0, started);
        };
        let (id, line) = (centre.id, centre.line);
        let queue = if self.dice.chance(0.6) || centre.queues.len() < 2 {
            0
        } else {
            1
        };
        let max_wait = i64::from(centre.queues[queue].max_wait_seconds);
        let agents = centre.queues[queue].agents.clone();
        let caller = if self.dice.chance(0.1) {
            Some(self.dice.index(self.people.len()))
        } else {
            None
        };
        let agents: Vec<usize> = agents.into_iter().filter(|a| Some(*a) != caller).collect();
        let from = match caller {
            Some(c) => self.e164(c),
            None => self.external_number(DiallingPermission::National),
        };
        let mut result = *self.dice.weighted(&[
            (CallResult::Answered, 86),
            (CallResult::Voicemail, 8),
            (CallResult::Missed, 6),
        ]);
        if agents.is_empty() {
            result = CallResult::Missed;
        }
        let wait = Duration::seconds(i64::from(self.dice.between(5, 240)));
        let (answered_at, ended_at, answered, device) = match result {
            CallResult::Answered => {
                let agent = *self.dice.pick(&agents);
                let talk = self.dice.log_normal(240.0, 0.8, 20.0, 3600.0) as i64;
                let answered_at = started + wait;
                (
                    Some(answered_at),
                    answered_at + Duration::seconds(talk),
                    Some(agent),
                    Some(self.colleague_device(agent)),
                )
            }
            // Overflow to voicemail after the longest wait.
            CallResult::Voicemail => {
                let message = i64::from(self.dice.between(10, 60));
                (
                    None,
                    started + Duration::seconds(max_wait + message),
                    None,
                    None,
                )
            }
            // The caller gave up waiting.
            _ => (
                None,
                started + wait.min(Duration::seconds(max_wait)),
                None,
                None,
            ),
        };
        Draft {
            started_at: started,
            answered_at,
            ended_at,
            direction: if caller.is_some() {
                CallDirection::Internal
            } else {
                CallDirection::Inbound
            },
            from,
            to: self.data.lines[line].e164.clone(),
            external: caller.is_none(),
            result,
            device,
            caller,
            dialled: None,
            answered,
            hunt_group: None,
            centre: Some(id),
        }
    }

    /// Six missed calls in the last three days, half from colleagues, half from outside.
    fn recent_missed_calls(&mut self, p: usize, drafts: &mut Vec<Draft>) {
        for k in 0..6 {
            let minutes = self.dice.between(0, 59);
            let started =
                self.now - Duration::hours(2 + 11 * k) - Duration::minutes(i64::from(minutes));
            let caller = if k % 2 == 0 {
                Some(self.other_person(p, true))
            } else {
                None
            };
            let from = match caller {
                Some(c) => self.e164(c),
                None => self.external_number(DiallingPermission::National),
            };
            let ring = Duration::seconds(i64::from(self.dice.between(20, 45)));
            drafts.push(Draft {
                started_at: started,
                answered_at: None,
                ended_at: started + ring,
                direction: if caller.is_some() {
                    CallDirection::Internal
                } else {
                    CallDirection::Inbound
                },
                from,
                to: self.e164(p),
                external: caller.is_none(),
                result: CallResult::Missed,
                device: Some(self.people[p].preferred),
                caller,
                dialled: Some(p),
                answered: None,
                hunt_group: None,
                centre: None,
            });
        }
    }
}

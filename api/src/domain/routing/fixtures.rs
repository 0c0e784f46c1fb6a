//! Builders for the unit tests of the routing rules: people, lines, groups, the demo's IT
//! Service Desk, calls, and a table runner that checks outcomes and step order.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
pub(super) use entity::enums::DeviceKind::{self, DeskPhone, MobileApp, Softphone, TeamsClient};
pub(super) use entity::enums::DeviceStatus::{self, Active, Disabled};
use entity::enums::HuntStrategy;
pub(super) use entity::enums::Platform::{self, Chorus, Teams};
use uuid::Uuid;

use super::*;
use crate::domain::devices::DeviceFacts;
use crate::domain::phone::{Dialled, E164, Extension};
use crate::domain::{contact_centres::OpeningPeriod, groups::Fallback};

pub(super) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub(super) fn e164(s: &str) -> E164 {
    E164::parse(s).expect("test number")
}

pub(super) fn line(n: u128, number: &str, ext: &str) -> LineRef {
    LineRef {
        id: id(n),
        number: e164(number),
        extension: Extension::parse(ext).expect("test extension"),
    }
}

/// A person `n` whose devices get ids `n * 100 + i`; `preferred` indexes `devices`.
pub(super) fn person(
    n: u128,
    name: &str,
    platform: Platform,
    devices: &[(DeviceKind, DeviceStatus)],
    preferred: Option<usize>,
) -> PersonSnapshot {
    let devices: Vec<DeviceFacts> = devices
        .iter()
        .enumerate()
        .map(|(i, (kind, status))| DeviceFacts {
            id: id(n * 100 + i as u128),
            owner_id: id(n),
            kind: *kind,
            status: *status,
            last_used: None,
        })
        .collect();
    PersonSnapshot {
        id: id(n),
        name: name.into(),
        platform,
        preferred_device: preferred.map(|i| id(n * 100 + i as u128)),
        devices,
    }
}

pub(super) fn desk(n: u128, name: &str) -> PersonSnapshot {
    person(n, name, Chorus, &[(DeskPhone, Active)], None)
}

pub(super) fn teams(n: u128, name: &str) -> PersonSnapshot {
    person(
        n,
        name,
        Teams,
        &[(DeskPhone, Disabled), (TeamsClient, Active)],
        Some(1),
    )
}

pub(super) fn dev(person: u128, i: u128) -> Uuid {
    id(person * 100 + i)
}

pub(super) fn leg(person: u128, i: u128) -> Leg {
    Leg {
        person: id(person),
        device: dev(person, i),
    }
}

pub(super) fn route(p: PersonSnapshot, line_no: u128, ext: &str) -> PersonRoute {
    PersonRoute {
        person: p,
        line: Some(line(line_no, &format!("+4418652{ext}"), ext)),
        rings_before_voicemail: 4,
        manages: vec![],
    }
}

pub(super) fn mailbox(line_no: u128, ext: &str) -> Outcome {
    Outcome::Voicemail {
        mailbox: line(line_no, &format!("+4418652{ext}"), ext),
    }
}

pub(super) const OUTSIDE: &str = "+442079460958";
pub(super) const VIP: &str = "+447911123456";

pub(super) fn ea(
    platform: Platform,
    divert: bool,
    assistants: Vec<PersonSnapshot>,
) -> EaManagerRole {
    EaManagerRole {
        group_id: id(900),
        group_name: "Vice-Chancellor's Office".into(),
        platform,
        divert_enabled: divert,
        whitelist: vec![e164(VIP), e164("+441865270100")],
        assistants,
    }
}

pub(super) fn manager(
    platform: Platform,
    divert: bool,
    assistants: Vec<PersonSnapshot>,
) -> Destination {
    let boss = match platform {
        Chorus => desk(1, "Irene Adler"),
        Teams => teams(1, "Irene Adler"),
    };
    let mut r = route(boss, 10, "70001");
    r.manages = vec![ea(platform, divert, assistants)];
    Destination::Person(r)
}

pub(super) fn member(
    p: PersonSnapshot,
    position: i32,
    ring_seconds: i32,
    opted_out: bool,
) -> HuntMember {
    HuntMember {
        person: p,
        position,
        ring_seconds,
        opted_out,
    }
}

pub(super) fn hunt(
    n: u128,
    strategy: HuntStrategy,
    members: Vec<HuntMember>,
    no_answer: Fallback,
) -> HuntGroupSnapshot {
    HuntGroupSnapshot {
        id: id(n),
        name: format!("Group {n}"),
        pilot: line(n + 1000, "+441865270500", "70500"),
        strategy,
        platform: Chorus,
        members,
        no_answer,
    }
}

pub(super) fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

pub(super) fn period(weekday: i16, opens: NaiveTime, closes: NaiveTime) -> OpeningPeriod {
    OpeningPeriod {
        weekday,
        opens,
        closes,
    }
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The demo's IT Service Desk: Monday–Friday 08:30–18:00, Saturday 09:00–13:00, closed on
/// bank holidays; out of hours to an outside number, overflow to voicemail.
pub(super) fn service_desk() -> ContactCentreSnapshot {
    let mut hours: Vec<OpeningPeriod> = (1..=5).map(|d| period(d, t(8, 30), t(18, 0))).collect();
    hours.push(period(6, t(9, 0), t(13, 0)));
    ContactCentreSnapshot {
        id: id(500),
        name: "IT Service Desk".into(),
        pilot: line(501, "+441865270600", "70600"),
        time_zone: "Europe/London".into(),
        opening_hours: hours,
        closures: vec![
            Closure {
                date: date(2026, 8, 31),
                reason: "Summer bank holiday".into(),
            },
            Closure {
                date: date(2026, 12, 25),
                reason: "Christmas Day".into(),
            },
        ],
        queues: vec![
            QueueSnapshot {
                id: id(520),
                name: "Students and accounts".into(),
                position: 2,
                max_waiting: 20,
                max_wait_seconds: 600,
                overflow: Fallback::Voicemail,
                agents: vec![desk(41, "Agent Four")],
            },
            QueueSnapshot {
                id: id(510),
                name: "Staff and general enquiries".into(),
                position: 1,
                max_waiting: 10,
                max_wait_seconds: 300,
                overflow: Fallback::Voicemail,
                agents: vec![
                    desk(31, "Agent One"),
                    teams(32, "Agent Moved"),
                    person(33, "Agent Offline", Chorus, &[(DeskPhone, Disabled)], None),
                    person(34, "Agent Soft", Chorus, &[(Softphone, Active)], Some(0)),
                ],
            },
        ],
        out_of_hours: Fallback::Number(e164(OUTSIDE)),
    }
}

/// The service desk with other hours and closures.
pub(super) fn desk_with(hours: Vec<OpeningPeriod>, closures: Vec<Closure>) -> Destination {
    let mut c = service_desk();
    c.opening_hours = hours;
    c.closures = closures;
    Destination::ContactCentre(c)
}

pub(super) fn queued() -> Outcome {
    Outcome::Queue {
        centre: id(500),
        queue: id(510),
        agents: vec![leg(31, 0), leg(34, 0)],
        max_waiting: 10,
        max_wait_seconds: 300,
    }
}

pub(super) fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("test instant")
}

pub(super) fn call(
    to: &str,
    from: &str,
    at: DateTime<Utc>,
    destination: Option<Destination>,
) -> RouteInput {
    RouteInput {
        to: Dialled::parse(to).expect("test number"),
        from: Dialled::parse(from).expect("test number"),
        caller_e164: None,
        at,
        destination,
        targets: Targets::default(),
    }
}

/// A weekday morning in June (BST), when the service desk is open.
pub(super) fn june() -> DateTime<Utc> {
    utc(2026, 6, 3, 9, 0)
}

pub(super) struct Case {
    pub(super) name: &'static str,
    pub(super) input: RouteInput,
    pub(super) outcome: Outcome,
    pub(super) then: Vec<Outcome>,
    /// Step kinds that must appear, in this order (others may come between).
    pub(super) steps: Vec<StepKind>,
}

pub(super) fn assert_subsequence(name: &str, expected: &[StepKind], steps: &[Step]) {
    let mut actual = steps.iter().map(|s| s.kind);
    for kind in expected {
        assert!(
            actual.any(|k| k == *kind),
            "{name}: expected {expected:?} in order, got {:#?}",
            steps.iter().map(|s| (s.kind, &s.text)).collect::<Vec<_>>()
        );
    }
}

pub(super) fn run(cases: Vec<Case>) {
    for case in cases {
        let got = explain(&case.input);
        assert_eq!(got.outcome, case.outcome, "{}: {:#?}", case.name, got.steps);
        assert_eq!(
            got.if_unanswered, case.then,
            "{}: {:#?}",
            case.name, got.steps
        );
        assert_subsequence(case.name, &case.steps, &got.steps);
        for step in &got.steps {
            assert!(
                step.text.ends_with('.') && step.text.len() > 10,
                "{}: a sentence: {:?}",
                case.name,
                step.text
            );
        }
    }
}

pub(super) use super::StepKind as S;

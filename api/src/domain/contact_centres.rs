//! Contact-centre rules: queue limits, weekly opening hours on the centre's wall clock,
//! closure days, time zones and who may answer a queue. Each check returns a
//! [`GroupRefusal`] with a stable code; [`OpeningPeriod`] is also what the call-routing rule
//! reads to decide whether a centre is open.
//!
//! Contact centres stay on Chorus, so every agent must be on Chorus. A closing time of 00:00
//! means midnight at the end of the day.

use std::collections::HashSet;
use std::fmt;
use std::ops::RangeInclusive;

use chrono::{NaiveDate, NaiveTime, Timelike};
use chrono_tz::Tz;
use entity::enums::Platform;
use uuid::Uuid;

use super::groups::{Candidate, GroupRefusal, weekday_name};

/// Callers one queue holds at once before new callers overflow. At least one; 200 is far above
/// any university desk.
pub const MAX_WAITING: RangeInclusive<i32> = 1..=200;

/// Longest wait in a queue before overflow: at least 10 s (a shorter wait is an overflow in
/// all but name), at most an hour.
pub const MAX_WAIT_SECONDS: RangeInclusive<i32> = 10..=3600;

/// One opening period of a contact centre on an ISO weekday (1 = Monday … 7 = Sunday, the
/// convention of `cc_opening_hours.weekday`), in local wall-clock time of the centre's time
/// zone. A closing time of 00:00 means midnight at the end of the day, so `18:00–00:00` is the
/// evening and `00:00–00:00` the whole day. A period never crosses midnight: a night shift is
/// two entries (`22:00–00:00` and `00:00–06:00` on the next day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpeningPeriod {
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    /// Local opening time, inclusive.
    pub opens: NaiveTime,
    /// Local closing time, exclusive; 00:00 is midnight at the end of the day.
    pub closes: NaiveTime,
}

const SECONDS_PER_DAY: u32 = 86_400;

impl OpeningPeriod {
    /// Start and end in seconds after local midnight, end exclusive; 00:00 closing is 86 400.
    fn span(&self) -> (u32, u32) {
        let end = match self.closes.num_seconds_from_midnight() {
            0 => SECONDS_PER_DAY,
            s => s,
        };
        (self.opens.num_seconds_from_midnight(), end)
    }

    /// Whether the centre is open at this local time of the period's weekday: opening time
    /// inclusive, closing time exclusive.
    pub fn contains(&self, time: NaiveTime) -> bool {
        let (start, end) = self.span();
        let t = time.num_seconds_from_midnight();
        start <= t && t < end
    }
}

impl fmt::Display for OpeningPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let closes = if self.closes.num_seconds_from_midnight() == 0 {
            "midnight".to_owned()
        } else {
            self.closes.format("%H:%M").to_string()
        };
        write!(
            f,
            "{} {}–{closes}",
            weekday_name(self.weekday),
            self.opens.format("%H:%M")
        )
    }
}

/// A week of opening hours: weekdays 1–7, each period closing after it opens (00:00 closes at
/// midnight), and no two periods of one weekday overlapping (touching, `12:00–14:00` then
/// `14:00–18:00`, is fine). Entry numbers in refusals are 0-based indexes into `periods`.
/// An empty week is allowed: the centre is always closed.
pub fn validate_opening_hours(periods: &[OpeningPeriod]) -> Result<(), GroupRefusal> {
    for (index, p) in periods.iter().enumerate() {
        if !(1..=7).contains(&p.weekday) {
            return Err(GroupRefusal::InvalidWeekday {
                index,
                weekday: p.weekday,
            });
        }
        let (start, end) = p.span();
        if end <= start {
            return Err(GroupRefusal::InvertedHours { index });
        }
    }
    let mut order: Vec<usize> = (0..periods.len()).collect();
    order.sort_by_key(|&i| (periods[i].weekday, periods[i].span(), i));
    for pair in order.windows(2) {
        let (a, b) = (&periods[pair[0]], &periods[pair[1]]);
        if a.weekday == b.weekday && a.span().1 > b.span().0 {
            return Err(GroupRefusal::OverlappingHours {
                first: pair[0].min(pair[1]),
                second: pair[0].max(pair[1]),
                weekday: a.weekday,
            });
        }
    }
    Ok(())
}

/// Closure dates (bank holidays, local dates of the centre) are listed once each.
pub fn validate_closures(dates: &[NaiveDate]) -> Result<(), GroupRefusal> {
    let mut seen = HashSet::new();
    for d in dates {
        if !seen.insert(*d) {
            return Err(GroupRefusal::DuplicateClosure(*d));
        }
    }
    Ok(())
}

/// An IANA time-zone name (`Europe/London`, the only one the seeds need).
pub fn parse_time_zone(name: &str) -> Result<Tz, GroupRefusal> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| GroupRefusal::InvalidTimeZone(name.to_owned()))
}

/// Queue limits within [`MAX_WAITING`] and [`MAX_WAIT_SECONDS`].
pub fn validate_queue_limits(max_waiting: i32, max_wait_seconds: i32) -> Result<(), GroupRefusal> {
    if !MAX_WAITING.contains(&max_waiting) {
        return Err(GroupRefusal::MaxWaitingOutOfRange(max_waiting));
    }
    if !MAX_WAIT_SECONDS.contains(&max_wait_seconds) {
        return Err(GroupRefusal::MaxWaitOutOfRange(max_wait_seconds));
    }
    Ok(())
}

/// Adding an agent to a queue: not already an agent of it, and on Chorus (contact centres stay
/// on Chorus; an agent cannot move to Teams, rule 2).
pub fn may_add_agent(current: &[Uuid], candidate: Candidate) -> Result<(), GroupRefusal> {
    if current.contains(&candidate.person_id) {
        return Err(GroupRefusal::DuplicateMember(candidate.person_id));
    }
    if candidate.platform != Platform::Chorus {
        return Err(GroupRefusal::AgentOnTeams(candidate.person_id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Platform::{Chorus, Teams};

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
    }

    fn cand(n: u128, platform: Platform) -> Candidate {
        Candidate {
            person_id: id(n),
            platform,
        }
    }

    fn period(weekday: i16, opens: NaiveTime, closes: NaiveTime) -> OpeningPeriod {
        OpeningPeriod {
            weekday,
            opens,
            closes,
        }
    }

    #[test]
    fn opening_hours() {
        let week: Vec<OpeningPeriod> = (1..=5).map(|d| period(d, t(8, 30), t(18, 0))).collect();
        assert_eq!(validate_opening_hours(&week), Ok(()));
        assert_eq!(validate_opening_hours(&[]), Ok(()), "always closed");
        let cases: Vec<(Vec<OpeningPeriod>, Result<(), GroupRefusal>)> = vec![
            (vec![period(6, t(18, 0), t(0, 0))], Ok(())),
            (vec![period(7, t(0, 0), t(0, 0))], Ok(())),
            (
                vec![period(1, t(9, 0), t(12, 0)), period(1, t(12, 0), t(17, 0))],
                Ok(()),
            ),
            (
                vec![period(1, t(9, 0), t(13, 0)), period(2, t(9, 0), t(13, 0))],
                Ok(()),
            ),
            (
                vec![period(0, t(9, 0), t(17, 0))],
                Err(GroupRefusal::InvalidWeekday {
                    index: 0,
                    weekday: 0,
                }),
            ),
            (
                vec![period(1, t(9, 0), t(17, 0)), period(8, t(9, 0), t(17, 0))],
                Err(GroupRefusal::InvalidWeekday {
                    index: 1,
                    weekday: 8,
                }),
            ),
            (
                vec![period(3, t(18, 0), t(9, 0))],
                Err(GroupRefusal::InvertedHours { index: 0 }),
            ),
            (
                vec![period(3, t(9, 0), t(9, 0))],
                Err(GroupRefusal::InvertedHours { index: 0 }),
            ),
            (
                vec![
                    period(2, t(13, 0), t(18, 0)),
                    period(4, t(9, 0), t(17, 0)),
                    period(2, t(9, 0), t(13, 30)),
                ],
                Err(GroupRefusal::OverlappingHours {
                    first: 0,
                    second: 2,
                    weekday: 2,
                }),
            ),
            (
                vec![period(5, t(9, 0), t(17, 0)), period(5, t(10, 0), t(11, 0))],
                Err(GroupRefusal::OverlappingHours {
                    first: 0,
                    second: 1,
                    weekday: 5,
                }),
            ),
            (
                vec![period(5, t(20, 0), t(0, 0)), period(5, t(23, 0), t(23, 30))],
                Err(GroupRefusal::OverlappingHours {
                    first: 0,
                    second: 1,
                    weekday: 5,
                }),
            ),
        ];
        for (i, (periods, expected)) in cases.into_iter().enumerate() {
            assert_eq!(validate_opening_hours(&periods), expected, "case {i}");
        }
        let evening = period(6, t(18, 0), t(0, 0));
        assert!(evening.contains(t(23, 59)));
        assert!(evening.contains(t(18, 0)));
        assert!(!evening.contains(t(17, 59)));
        assert!(!evening.contains(t(0, 0)), "00:00 is the next day's");
        assert_eq!(evening.to_string(), "Saturday 18:00–midnight");
        assert_eq!(
            period(1, t(8, 30), t(18, 0)).to_string(),
            "Monday 08:30–18:00"
        );
    }

    #[test]
    fn closures_time_zones_queues_and_agents() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).expect("test value");
        assert_eq!(validate_closures(&[d(25), d(28)]), Ok(()));
        assert_eq!(
            validate_closures(&[d(25), d(28), d(25)]),
            Err(GroupRefusal::DuplicateClosure(d(25)))
        );
        assert_eq!(
            parse_time_zone(" Europe/London"),
            Ok(chrono_tz::Europe::London)
        );
        assert_eq!(
            parse_time_zone("Oxford/Radcliffe").map_err(|e| e.code()),
            Err("INVALID_TIME_ZONE")
        );
        let queues = [
            ((10, 300), Ok(())),
            ((1, 10), Ok(())),
            ((200, 3600), Ok(())),
            ((0, 300), Err(GroupRefusal::MaxWaitingOutOfRange(0))),
            ((201, 300), Err(GroupRefusal::MaxWaitingOutOfRange(201))),
            ((10, 9), Err(GroupRefusal::MaxWaitOutOfRange(9))),
            ((10, 3601), Err(GroupRefusal::MaxWaitOutOfRange(3601))),
        ];
        for ((waiting, wait), expected) in queues {
            assert_eq!(
                validate_queue_limits(waiting, wait),
                expected,
                "{waiting} {wait}"
            );
        }
        assert_eq!(may_add_agent(&[id(1)], cand(2, Chorus)), Ok(()));
        assert_eq!(
            may_add_agent(&[id(1)], cand(2, Teams)),
            Err(GroupRefusal::AgentOnTeams(id(2)))
        );
        assert_eq!(
            may_add_agent(&[id(1)], cand(1, Chorus)),
            Err(GroupRefusal::DuplicateMember(id(1)))
        );
    }
}

//! Open or closed: the rule behind `openAt`, on the wall clock of the centre's time zone,
//! and when the state next changes.

use std::collections::HashMap;

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Utc, offset::LocalResult,
};
use chrono_tz::Tz;

use crate::domain::{contact_centres::OpeningPeriod, groups::weekday_name};

/// How far ahead [`Schedule::next_change`] looks: over a year, so a centre closed for a long
/// holiday still reports when it reopens.
pub const NEXT_CHANGE_HORIZON_DAYS: i64 = 400;

/// Earliest and latest years `openAt` evaluates (time-zone rules outside them are guesses).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// When a centre is open: weekly periods on the wall clock of its time zone, and closure days
/// (local dates) on which it is closed all day whatever the hours say.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// The centre's time zone.
    pub time_zone: Tz,
    /// The weekly opening periods, local wall-clock time.
    pub hours: Vec<OpeningPeriod>,
    /// Closure days and why.
    pub closures: HashMap<NaiveDate, String>,
}

/// Whether a centre is open at an instant, why, and when that next changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenState {
    /// Open (calls join a queue) or closed (calls go to the out-of-hours destination).
    pub open: bool,
    /// Why, in words: `open: Monday 08:30–18:00`, `closed: Christmas Day`, …
    pub reason: String,
    /// The first instant after `at` at which `open` flips; `None` when it does not within
    /// [`NEXT_CHANGE_HORIZON_DAYS`].
    pub next_change: Option<DateTime<Utc>>,
    /// The instant on the centre's wall clock.
    pub local_time: DateTime<Tz>,
}

fn iso_weekday(date: NaiveDate) -> i16 {
    // 1..=7 always fits.
    i16::try_from(date.weekday().number_from_monday()).unwrap_or(0)
}

impl Schedule {
    /// Open or closed at `at`. The rule (the same as `routeCall`'s): take the wall-clock date
    /// and time in the centre's zone; closed all day on a closure date; otherwise open when a
    /// period of that weekday contains the time (opening inclusive, closing exclusive, 00:00
    /// closing = midnight). Wall-clock hours make the March and October clock changes right by
    /// construction: 08:30 is 08:30 whether it is GMT or BST.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.open_period(at).is_some()
    }

    fn open_period(&self, at: DateTime<Utc>) -> Option<&OpeningPeriod> {
        let local = at.with_timezone(&self.time_zone);
        let date = local.date_naive();
        if self.closures.contains_key(&date) {
            return None;
        }
        let weekday = iso_weekday(date);
        let time = local.time();
        self.hours
            .iter()
            .find(|p| p.weekday == weekday && p.contains(time))
    }

    /// The state at `at`, with its reason and next change.
    pub fn state(&self, at: DateTime<Utc>) -> OpenState {
        let local = at.with_timezone(&self.time_zone);
        let date = local.date_naive();
        let weekday = iso_weekday(date);
        let reason = if let Some(why) = self.closures.get(&date) {
            format!("closed: {why}")
        } else if let Some(period) = self.open_period(at) {
            format!("open: {period}")
        } else {
            let today: Vec<String> = self
                .hours
                .iter()
                .filter(|p| p.weekday == weekday)
                .map(|p| p.to_string())
                .collect();
            if today.is_empty() {
                format!("closed: no opening hours on {}s", weekday_name(weekday))
            } else {
                format!("closed: outside opening hours ({})", today.join(", "))
            }
        };
        OpenState {
            open: self.is_open(at),
            reason,
            next_change: self.next_change(at),
            local_time: local,
        }
    }

    /// The first instant after `at` at which [`Schedule::is_open`] flips, within
    /// [`NEXT_CHANGE_HORIZON_DAYS`].
    ///
    /// The state depends only on the local date and time, so it can change only at an instant
    /// whose wall clock shows a boundary (local midnight, an opening or closing time) or at a
    /// clock change (when the wall clock jumps). Those instants are the candidates: a boundary
    /// that happens twice (the repeated hour in October) gives both instants; one that does
    /// not happen (the skipped hour in March) gives none, and the clock change itself stands
    /// for it. The answer is the first candidate whose state differs from now.
    pub fn next_change(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let horizon = at.checked_add_signed(TimeDelta::days(NEXT_CHANGE_HORIZON_DAYS))?;
        let open_now = self.is_open(at);
        let mut candidates = self.clock_changes(at, horizon);
        let first_day = at.with_timezone(&self.time_zone).date_naive().pred_opt()?;
        let days = usize::try_from(NEXT_CHANGE_HORIZON_DAYS + 3).unwrap_or(0);
        for day in first_day.iter_days().take(days) {
            let weekday = iso_weekday(day);
            let boundaries = std::iter::once(NaiveTime::MIN).chain(
                self.hours
                    .iter()
                    .filter(|p| p.weekday == weekday)
                    .flat_map(|p| [p.opens, p.closes]),
            );
            for time in boundaries {
                match self.time_zone.from_local_datetime(&day.and_time(time)) {
                    LocalResult::Single(t) => candidates.push(t.with_timezone(&Utc)),
                    LocalResult::Ambiguous(a, b) => {
                        candidates.push(a.with_timezone(&Utc));
                        candidates.push(b.with_timezone(&Utc));
                    }
                    LocalResult::None => {}
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter(|c| *c > at && *c <= horizon)
            .find(|c| self.is_open(*c) != open_now)
    }

    /// The instants in `(from, until]` at which the zone's UTC offset changes. Scans in steps
    /// of six hours (clock changes are months apart) and narrows each change to the second.
    fn clock_changes(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        const STEP_SECONDS: i64 = 6 * 3600;
        let tz = self.time_zone;
        let offset = |secs: i64| {
            DateTime::from_timestamp(secs, 0)
                .map(|t| tz.offset_from_utc_datetime(&t.naive_utc()).fix())
        };
        let mut out = Vec::new();
        let (mut lo, end) = (from.timestamp(), until.timestamp());
        while lo < end {
            let hi = lo + STEP_SECONDS;
            let (Some(before), Some(after)) = (offset(lo), offset(hi)) else {
                break;
            };
            if before != after {
                let (mut a, mut b) = (lo, hi);
                while b - a > 1 {
                    let mid = a + (b - a) / 2;
                    if offset(mid) == Some(before) {
                        a = mid;
                    } else {
                        b = mid;
                    }
                }
                out.extend(DateTime::from_timestamp(b, 0));
            }
            lo = hi;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("test value")
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("test value")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test value")
    }

    fn period(weekday: i16, opens: NaiveTime, closes: NaiveTime) -> OpeningPeriod {
        OpeningPeriod {
            weekday,
            opens,
            closes,
        }
    }

    /// The IT Service Desk: weekdays 08:30–18:00, Saturdays 09:00–13:00.
    fn service_desk() -> Schedule {
        let mut hours: Vec<OpeningPeriod> =
            (1..=5).map(|d| period(d, t(8, 30), t(18, 0))).collect();
        hours.push(period(6, t(9, 0), t(13, 0)));
        Schedule {
            time_zone: chrono_tz::Europe::London,
            hours,
            closures: [
                (date(2026, 12, 25), "Christmas Day".to_owned()),
                (date(2026, 12, 28), "Boxing Day (substitute day)".to_owned()),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn open_and_next_change_across_the_2026_clock_changes() {
        let desk = service_desk();
        // (instant, open, reason starts with, next change)
        let cases = [
            // Monday after the March change: 08:30 BST is 07:30 UTC.
            (
                utc(2026, 3, 30, 7, 29),
                false,
                "closed: outside",
                Some(utc(2026, 3, 30, 7, 30)),
            ),
            (
                utc(2026, 3, 30, 7, 30),
                true,
                "open: Monday 08:30–18:00",
                Some(utc(2026, 3, 30, 17, 0)),
            ),
            // Monday after the October change: 08:30 GMT is 08:30 UTC.
            (
                utc(2026, 10, 26, 7, 30),
                false,
                "closed: outside",
                Some(utc(2026, 10, 26, 8, 30)),
            ),
            (
                utc(2026, 10, 26, 8, 30),
                true,
                "open: Monday",
                Some(utc(2026, 10, 26, 18, 0)),
            ),
            // Saturday before the March change closes at 13:00 GMT; Sunday has no hours; the
            // next opening is Monday 08:30 BST.
            (
                utc(2026, 3, 28, 13, 0),
                false,
                "closed: outside",
                Some(utc(2026, 3, 30, 7, 30)),
            ),
            (
                utc(2026, 3, 29, 12, 0),
                false,
                "closed: no opening hours on Sundays",
                Some(utc(2026, 3, 30, 7, 30)),
            ),
            // Friday evening before the October change (BST) to Saturday morning (BST), and
            // Saturday 13:00 BST to Monday 08:30 GMT.
            (
                utc(2026, 10, 23, 17, 0),
                false,
                "closed",
                Some(utc(2026, 10, 24, 8, 0)),
            ),
            (
                utc(2026, 10, 24, 12, 0),
                false,
                "closed",
                Some(utc(2026, 10, 26, 8, 30)),
            ),
            // Christmas Day and the substitute Boxing Day are closed all day.
            (
                utc(2026, 12, 25, 10, 0),
                false,
                "closed: Christmas Day",
                Some(utc(2026, 12, 26, 9, 0)),
            ),
            (
                utc(2026, 12, 26, 13, 0),
                false,
                "closed: outside",
                Some(utc(2026, 12, 29, 8, 30)),
            ),
            (
                utc(2026, 12, 28, 10, 0),
                false,
                "closed: Boxing Day (substitute day)",
                Some(utc(2026, 12, 29, 8, 30)),
            ),
        ];
        for (at, open, reason, next) in cases {
            let state = desk.state(at);
            assert_eq!(state.open, open, "{at}");
            assert!(state.reason.starts_with(reason), "{at}: {}", state.reason);
            assert_eq!(state.next_change, next, "{at}");
        }
        assert_eq!(
            desk.state(utc(2026, 3, 30, 7, 30)).local_time.to_rfc3339(),
            "2026-03-30T08:30:00+01:00"
        );
    }

    #[test]
    fn periods_inside_the_skipped_and_the_repeated_hour() {
        let night = |hours| Schedule {
            time_zone: chrono_tz::Europe::London,
            hours,
            closures: HashMap::new(),
        };
        // 29 March 2026: 01:00 GMT jumps to 02:00 BST. A period opening at 01:30 opens at the
        // jump, 01:00 UTC.
        let spring = night(vec![period(7, t(1, 30), t(3, 0))]);
        assert!(!spring.is_open(utc(2026, 3, 29, 0, 59)));
        assert!(spring.is_open(utc(2026, 3, 29, 1, 0)));
        assert_eq!(
            spring.next_change(utc(2026, 3, 29, 0, 0)),
            Some(utc(2026, 3, 29, 1, 0))
        );
        assert_eq!(
            spring.next_change(utc(2026, 3, 29, 1, 0)),
            Some(utc(2026, 3, 29, 2, 0)),
            "03:00 BST"
        );
        // 25 October 2026: 02:00 BST falls back to 01:00 GMT, so 01:00–01:59 happens twice. A
        // period 01:30–02:00 is open twice, half an hour each time.
        let autumn = night(vec![period(7, t(1, 30), t(2, 0))]);
        let from = utc(2026, 10, 24, 23, 0);
        let first_open = autumn.next_change(from).expect("opens");
        assert_eq!(first_open, utc(2026, 10, 25, 0, 30), "01:30 BST");
        let first_close = autumn.next_change(first_open).expect("closes");
        assert_eq!(first_close, utc(2026, 10, 25, 1, 0), "the clock goes back");
        let second_open = autumn.next_change(first_close).expect("opens again");
        assert_eq!(second_open, utc(2026, 10, 25, 1, 30), "01:30 GMT");
        assert_eq!(
            autumn.next_change(second_open),
            Some(utc(2026, 10, 25, 2, 0))
        );
    }

    #[test]
    fn midnight_always_and_never() {
        let tz = chrono_tz::Europe::London;
        // A night shift over midnight is two periods and one open stretch.
        let nights = Schedule {
            time_zone: tz,
            hours: vec![period(6, t(22, 0), t(0, 0)), period(7, t(0, 0), t(6, 0))],
            closures: HashMap::new(),
        };
        assert_eq!(
            nights.next_change(utc(2026, 6, 6, 21, 0)),
            Some(utc(2026, 6, 7, 5, 0)),
            "Saturday 22:00 BST to Sunday 06:00 BST, no break at midnight"
        );
        let always = Schedule {
            time_zone: tz,
            hours: (1..=7).map(|d| period(d, t(0, 0), t(0, 0))).collect(),
            closures: HashMap::new(),
        };
        let state = always.state(utc(2026, 3, 29, 1, 0));
        assert!(state.open);
        assert_eq!(state.next_change, None, "never changes");
        let never = Schedule {
            time_zone: tz,
            hours: vec![],
            closures: HashMap::new(),
        };
        let state = never.state(utc(2026, 1, 1, 12, 0));
        assert!(!state.open);
        assert_eq!(state.next_change, None);
        assert_eq!(state.reason, "closed: no opening hours on Thursdays");
        // The far end of time neither panics nor finds a change.
        assert_eq!(always.next_change(DateTime::<Utc>::MAX_UTC), None);
    }

    #[test]
    fn another_time_zone_uses_its_own_clock_changes() {
        // New York changes on 8 March and 1 November 2026.
        let desk = Schedule {
            time_zone: chrono_tz::America::New_York,
            ..service_desk()
        };
        assert!(desk.is_open(utc(2026, 3, 9, 12, 30)), "08:30 EDT");
        assert!(!desk.is_open(utc(2026, 3, 6, 13, 29)), "08:29 EST");
        assert!(desk.is_open(utc(2026, 3, 6, 13, 30)), "08:30 EST");
    }
}

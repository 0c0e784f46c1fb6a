//! The contact-centre objects of the schema: the centre, its queues, opening periods, closure
//! days and open state, and how stored clock times and destinations are shown.

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, SubsecRound, Utc};
use entity::enums as db;
use uuid::Uuid;

use crate::{
    domain::directory::Reach,
    graphql::{
        ctx_loaders, ctx_principal,
        directory::{Line, Person, Unit},
        errors::{ApiError, ApiResult},
        groups::Destination,
        node::{NodeType, encode},
    },
    services::contact_centres as service,
};

/// A day of the week.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Self::Monday,
        Self::Tuesday,
        Self::Wednesday,
        Self::Thursday,
        Self::Friday,
        Self::Saturday,
        Self::Sunday,
    ];

    /// ISO number: 1 = Monday … 7 = Sunday (the convention of `cc_opening_hours.weekday`).
    pub(super) fn iso(self) -> i16 {
        match self {
            Self::Monday => 1,
            Self::Tuesday => 2,
            Self::Wednesday => 3,
            Self::Thursday => 4,
            Self::Friday => 5,
            Self::Saturday => 6,
            Self::Sunday => 7,
        }
    }

    fn from_iso(n: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.iso() == n)
    }
}

/// A clock time as the API writes it: `HH:MM`, and `24:00` for a closing time of midnight.
fn show_clock(time: NaiveTime, closing: bool) -> String {
    if closing && time == NaiveTime::MIN {
        "24:00".to_owned()
    } else {
        time.format("%H:%M").to_string()
    }
}

/// Reads `HH:MM` (two digits each); a closing time may also be `24:00`, the same as `00:00`:
/// midnight at the end of the day.
pub(super) fn parse_clock(input: &str, closing: bool) -> Option<NaiveTime> {
    let s = input.trim();
    if closing && s == "24:00" {
        return Some(NaiveTime::MIN);
    }
    let (h, m) = s.split_once(':')?;
    let two_digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// One opening period of a weekday, on the wall clock of the centre's time zone. A period
/// never crosses midnight: a night shift is two periods (`22:00`–`24:00`, then `00:00`–`06:00`
/// of the next day).
#[derive(SimpleObject, Clone, Debug)]
pub struct OpeningPeriod {
    /// The day.
    pub weekday: Weekday,
    /// Opening time, `HH:MM`, inclusive.
    pub opens: String,
    /// Closing time, `HH:MM`, exclusive; `24:00` is midnight at the end of the day.
    pub closes: String,
}

/// A day the centre is closed all day, whatever its opening hours say (e.g. a bank holiday).
#[derive(SimpleObject, Clone, Debug)]
pub struct CentreClosure {
    /// The local date in the centre's time zone.
    pub date: NaiveDate,
    /// Why, e.g. "Christmas Day".
    pub reason: String,
}

/// Whether a contact centre is open at an instant.
#[derive(SimpleObject, Clone, Debug)]
pub struct OpenState {
    /// True when calls join a queue; false when they go to the out-of-hours destination.
    pub open: bool,
    /// Why, in words: "open: Monday 08:30–18:00", "closed: Christmas Day", "closed: outside
    /// opening hours (Friday 08:30–18:00)", "closed: no opening hours on Sundays".
    pub reason: String,
    /// When `open` next flips; null when it does not within 400 days (a centre open around the
    /// clock, or one with no opening hours).
    pub next_change: Option<DateTime<Utc>>,
    /// The instant on the centre's wall clock, RFC 3339 with its UTC offset, e.g.
    /// `2026-03-30T08:30:00+01:00`.
    pub local_time: String,
}

/// A destination as stored (`kind`, `target` columns) for the API: IDs become global IDs.
fn destination(kind: db::FallbackKind, target: Option<&str>) -> Destination {
    let global = |ty| {
        target
            .and_then(|t| Uuid::parse_str(t).ok())
            .map(|id| encode(ty, id).0)
    };
    let target = match kind {
        db::FallbackKind::HuntGroup => global(NodeType::HuntGroup),
        db::FallbackKind::Person => global(NodeType::Person),
        db::FallbackKind::Number => target.map(str::to_owned),
        db::FallbackKind::None | db::FallbackKind::Voicemail => None,
    };
    Destination {
        kind: kind.into(),
        target,
    }
}

/// A contact centre: a pilot number whose callers queue for agents while it is open, and go to
/// the out-of-hours destination while it is closed. Always on Chorus.
#[derive(Clone, Debug)]
pub struct ContactCentre(pub service::Centre);

impl ContactCentre {
    async fn load_pilot(&self, ctx: &Context<'_>) -> ApiResult<Option<Line>> {
        let Some(id) = self.0.centre.pilot_line_id else {
            return Ok(None);
        };
        Ok(ctx_loaders(ctx)?
            .lines
            .load_one(id)
            .await
            .map_err(ApiError::internal)?
            .map(Line))
    }
}

/// A contact centre: a pilot number whose callers queue for agents while it is open, and go to
/// the out-of-hours destination while it is closed. Always on Chorus.
#[Object]
impl ContactCentre {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::ContactCentre, self.0.centre.id)
    }

    /// Name, e.g. "IT Service Desk".
    async fn name(&self) -> &str {
        &self.0.centre.name
    }

    /// The unit that runs the centre; its coordinators configure it.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Unit> {
        ctx_loaders(ctx)?
            .units
            .load_one(self.0.centre.unit_id)
            .await
            .map_err(ApiError::internal)?
            .map(Unit)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unit of centre missing")).into())
    }

    /// The line callers dial; its mailbox takes VOICEMAIL destinations. Null if the line was
    /// deleted.
    async fn pilot_line(&self, ctx: &Context<'_>) -> ApiResult<Option<Line>> {
        self.load_pilot(ctx).await
    }

    /// The number callers dial, E.164; null if the pilot line was deleted.
    async fn pilot_number(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(self.load_pilot(ctx).await?.map(|l| l.0.e164))
    }

    /// IANA time zone of the opening hours and closure dates (Europe/London).
    async fn time_zone(&self) -> &str {
        &self.0.centre.time_zone
    }

    /// The weekly opening hours by weekday and opening time. Empty: always closed.
    async fn opening_hours(&self) -> Vec<OpeningPeriod> {
        self.0
            .opening_hours
            .iter()
            .filter_map(|h| {
                Some(OpeningPeriod {
                    weekday: Weekday::from_iso(h.weekday)?,
                    opens: show_clock(h.opens_at, false),
                    closes: show_clock(h.closes_at, true),
                })
            })
            .collect()
    }

    /// Closure days by date, optionally only those from `from` until `until` (both inclusive).
    async fn closures(
        &self,
        #[graphql(desc = "Only closures on or after this date.")] from: Option<NaiveDate>,
        #[graphql(desc = "Only closures on or before this date.")] until: Option<NaiveDate>,
    ) -> Vec<CentreClosure> {
        self.0
            .closures
            .iter()
            .filter(|c| from.is_none_or(|f| c.on_date >= f))
            .filter(|c| until.is_none_or(|u| c.on_date <= u))
            .map(|c| CentreClosure {
                date: c.on_date,
                reason: c.reason.clone(),
            })
            .collect()
    }

    /// Where calls go while the centre is closed. VOICEMAIL is the pilot line's mailbox.
    async fn out_of_hours(&self) -> Destination {
        destination(
            self.0.centre.out_of_hours_kind,
            self.0.centre.out_of_hours_target.as_deref(),
        )
    }

    /// The queues by position; an open centre sends calls to the first. Administrators and the
    /// unit's coordinators see all; an agent sees the queues they answer.
    async fn queues(&self, ctx: &Context<'_>) -> ApiResult<Vec<ContactCentreQueue>> {
        let principal = ctx_principal(ctx)?;
        Ok(service::visible_queues(principal, &self.0)
            .into_iter()
            .cloned()
            .map(ContactCentreQueue)
            .collect())
    }

    /// Optimistic-locking counter, bumped by every change to the centre, its hours, closures,
    /// queues or agents. Pass it as `expectedVersion` to change the centre.
    async fn version(&self) -> i32 {
        self.0.centre.version
    }

    /// Whether the centre is open at an instant (default now), on the wall clock of its time
    /// zone: a closure date is closed all day; otherwise open when a period of that weekday
    /// contains the local time. Right across the March and October clock changes (08:30 is
    /// 08:30 in GMT and in BST). BAD_USER_INPUT outside the years 1900–2999.
    async fn open_at(
        &self,
        #[graphql(desc = "The instant; default now.")] at: Option<DateTime<Utc>>,
    ) -> ApiResult<OpenState> {
        let at = at.unwrap_or_else(|| Utc::now().trunc_subsecs(0));
        if !service::YEARS.contains(&at.year()) {
            return Err(ApiError::BadUserInput(format!(
                "openAt takes an instant in the years {} to {}",
                service::YEARS.start(),
                service::YEARS.end()
            ))
            .into());
        }
        let state = self.0.schedule().state(at);
        Ok(OpenState {
            open: state.open,
            reason: state.reason,
            next_change: state.next_change,
            local_time: state.local_time.to_rfc3339(),
        })
    }
}

/// A queue of a contact centre: callers wait for one of its agents, up to its limits, then
/// overflow.
#[derive(Clone, Debug)]
pub struct ContactCentreQueue(pub service::Queue);

/// A queue of a contact centre: callers wait for one of its agents, up to its limits, then
/// overflow.
#[Object]
impl ContactCentreQueue {
    /// Opaque global ID.
    async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Queue, self.0.queue.id)
    }

    /// Name, unique within the centre.
    async fn name(&self) -> &str {
        &self.0.queue.name
    }

    /// Place among the centre's queues, from 1; the first takes the centre's calls.
    async fn position(&self) -> i32 {
        self.0.queue.position
    }

    /// Callers who may wait at once (1–200); the next caller overflows.
    async fn max_waiting(&self) -> i32 {
        self.0.queue.max_waiting
    }

    /// Longest wait in seconds (10–3600) before a caller overflows.
    async fn max_wait_seconds(&self) -> i32 {
        self.0.queue.max_wait_seconds
    }

    /// Where overflowing callers go. VOICEMAIL is the centre's pilot-line mailbox.
    async fn overflow(&self) -> Destination {
        destination(
            self.0.queue.overflow_kind,
            self.0.queue.overflow_target.as_deref(),
        )
    }

    /// The people answering the queue, in the order they were added (ex-directory agents
    /// included: a queue is a working arrangement, not a directory listing).
    async fn agents(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        let principal = ctx_principal(ctx)?;
        let ids = self.0.agent_ids();
        let found = ctx_loaders(ctx)?
            .people
            .load_many(ids.iter().copied())
            .await
            .map_err(ApiError::internal)?;
        Ok(ids
            .iter()
            .filter_map(|id| {
                let found = found.get(id).cloned()?;
                Person::reached(principal, found, Reach::Group)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_are_hh_mm_and_midnight_closes_as_24_00() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("test value");
        let cases = [
            ("08:30", false, Some(t(8, 30))),
            (" 18:00 ", true, Some(t(18, 0))),
            ("00:00", true, Some(t(0, 0))),
            ("24:00", true, Some(t(0, 0))),
            ("24:00", false, None),
            ("8:30", false, None),
            ("08:3", false, None),
            ("08.30", false, None),
            ("25:00", false, None),
            ("12:60", false, None),
            ("08:30:00", false, None),
            ("+8:30", false, None),
            ("", true, None),
        ];
        for (input, closing, expected) in cases {
            assert_eq!(parse_clock(input, closing), expected, "{input:?}");
        }
        assert_eq!(show_clock(t(0, 0), true), "24:00");
        assert_eq!(show_clock(t(0, 0), false), "00:00");
        assert_eq!(show_clock(t(8, 30), true), "08:30");
        for d in Weekday::ALL {
            assert_eq!(Weekday::from_iso(d.iso()), Some(d));
        }
        assert_eq!(Weekday::from_iso(0), None);
    }
}

//! Lines as data: what a new line's number and extension must look like, which lines have an
//! owner, what releasing a line does, and the quarantine that holds a released number before
//! it is given to someone else.
//!
//! Why a quarantine: people who knew the previous holder's number keep calling it for a
//! while; giving it to a stranger the next day sends them the wrong calls (and voicemails).

use chrono::{DateTime, Duration, Utc};
use entity::enums::LineKind;

use super::phone::{E164, Extension, NumberError};

/// Days a released line is held unless configured (`CHORUS_LINE_QUARANTINE_DAYS`).
pub const DEFAULT_QUARANTINE_DAYS: u32 = 90;

/// The longest quarantine the setting accepts: ten years, far beyond any sensible hold, and
/// small enough that the end date never overflows.
pub const MAX_QUARANTINE_DAYS: u32 = 3650;

/// How long a released line is held, in whole days (0: not held at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuarantineDays(u32);

impl QuarantineDays {
    /// At most [`MAX_QUARANTINE_DAYS`].
    pub fn new(days: u32) -> Result<Self, String> {
        if days > MAX_QUARANTINE_DAYS {
            return Err(format!(
                "{days} days is more than the {MAX_QUARANTINE_DAYS} allowed"
            ));
        }
        Ok(Self(days))
    }

    /// The days.
    pub fn days(self) -> u32 {
        self.0
    }
}

impl Default for QuarantineDays {
    fn default() -> Self {
        Self(DEFAULT_QUARANTINE_DAYS)
    }
}

/// Why a line change was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineRefusal {
    /// The number is not a telephone number by the API's one number rule.
    #[error("{0}")]
    InvalidNumber(NumberError),
    /// The extension is not five digits.
    #[error("{0}")]
    InvalidExtension(NumberError),
    /// An owner was given for a shared or critical line, or a line with an owner would
    /// become shared or critical.
    #[error("only a personal line has an owner; shared and critical lines have none")]
    OwnerNeedsPersonalLine,
    /// Only a personal line is released.
    #[error("only a personal line is released; shared and critical lines have no owner")]
    NotPersonal,
    /// The personal line has no owner to release it from.
    #[error("the line has no owner to release it from")]
    NotAssigned,
    /// The line was released and its quarantine has not ended.
    #[error("the number is held after its release until {} (UTC); it cannot be given to anyone before then", .0.format("%Y-%m-%d %H:%M"))]
    Quarantined(DateTime<Utc>),
}

impl LineRefusal {
    /// The stable code scripts match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidNumber(_) => "INVALID_NUMBER",
            Self::InvalidExtension(_) => "INVALID_EXTENSION",
            Self::OwnerNeedsPersonalLine => "OWNER_NEEDS_PERSONAL_LINE",
            Self::NotPersonal => "LINE_NOT_PERSONAL",
            Self::NotAssigned => "LINE_NOT_ASSIGNED",
            Self::Quarantined(_) => "LINE_QUARANTINED",
        }
    }
}

impl crate::error::RuleRefusal for LineRefusal {
    fn user_error_code(&self) -> crate::error::UserErrorCode {
        use crate::error::UserErrorCode;
        match self {
            Self::InvalidNumber(_) | Self::InvalidExtension(_) => UserErrorCode::Invalid,
            _ => UserErrorCode::RuleViolation,
        }
    }

    fn reason(&self) -> &'static str {
        self.code()
    }
}

/// A new line's number, by the rule every entry point uses ([`E164::parse`]).
pub fn number(input: &str) -> Result<E164, LineRefusal> {
    E164::parse(input).map_err(LineRefusal::InvalidNumber)
}

/// A new line's extension: five digits, as every extension is.
pub fn extension(input: &str) -> Result<Extension, LineRefusal> {
    Extension::parse(input).map_err(LineRefusal::InvalidExtension)
}

/// A line of `kind` may have an owner only when it is personal.
pub fn owner_fits(kind: LineKind, has_owner: bool) -> Result<(), LineRefusal> {
    if has_owner && kind != LineKind::Personal {
        return Err(LineRefusal::OwnerNeedsPersonalLine);
    }
    Ok(())
}

/// The end of a quarantine in force at `now`, if any (a past end is no quarantine).
pub fn quarantine_in_force(
    quarantined_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    quarantined_until.filter(|until| *until > now)
}

/// A line may be given to a person (or its number to a new line) only when no quarantine
/// holds it at `now`.
pub fn may_give(
    quarantined_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), LineRefusal> {
    match quarantine_in_force(quarantined_until, now) {
        Some(until) => Err(LineRefusal::Quarantined(until)),
        None => Ok(()),
    }
}

/// Releasing a line: it must be a personal line with an owner; the answer is the end of its
/// quarantine (`None` when the quarantine is 0 days).
pub fn release(
    kind: LineKind,
    has_owner: bool,
    days: QuarantineDays,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, LineRefusal> {
    if kind != LineKind::Personal {
        return Err(LineRefusal::NotPersonal);
    }
    if !has_owner {
        return Err(LineRefusal::NotAssigned);
    }
    Ok((days.0 > 0).then(|| now + Duration::days(i64::from(days.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("test time")
            .with_timezone(&Utc)
    }

    #[test]
    fn numbers_and_extensions() {
        let cases: [(&str, Result<&str, &str>); 6] = [
            ("+44 1865 270000", Ok("+441865270000")),
            ("01865 270000", Ok("+441865270000")),
            ("+44 1632 960555", Ok("+441632960555")),
            ("0044 1632 960555", Ok("+441632960555")),
            ("12", Err("INVALID_NUMBER")),
            ("hello", Err("INVALID_NUMBER")),
        ];
        for (input, want) in cases {
            let got = number(input);
            assert_eq!(
                got.as_ref().map(E164::to_string).map_err(LineRefusal::code),
                want.map(str::to_owned),
                "{input}"
            );
        }
        assert_eq!(
            extension(" 70000 ").map(|e| e.as_str().to_owned()),
            Ok("70000".into())
        );
        for bad in ["7000", "700000", "7000a", ""] {
            assert_eq!(
                extension(bad).map_err(|e| e.code()).err(),
                Some("INVALID_EXTENSION"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn owners_only_on_personal_lines() {
        let cases = [
            (LineKind::Personal, true, Ok(())),
            (LineKind::Personal, false, Ok(())),
            (LineKind::Shared, false, Ok(())),
            (LineKind::Critical, false, Ok(())),
            (
                LineKind::Shared,
                true,
                Err(LineRefusal::OwnerNeedsPersonalLine),
            ),
            (
                LineKind::Critical,
                true,
                Err(LineRefusal::OwnerNeedsPersonalLine),
            ),
        ];
        for (kind, has_owner, want) in cases {
            assert_eq!(owner_fits(kind, has_owner), want, "{kind:?} {has_owner}");
        }
    }

    #[test]
    fn quarantine_holds_until_its_end() {
        let until = at("2026-03-01T12:00:00Z");
        let cases = [
            (None, "2026-02-01T00:00:00Z", None),
            (Some(until), "2026-02-01T00:00:00Z", Some(until)),
            (Some(until), "2026-03-01T11:59:59Z", Some(until)),
            (Some(until), "2026-03-01T12:00:00Z", None),
            (Some(until), "2027-01-01T00:00:00Z", None),
        ];
        for (stored, now, want) in cases {
            let now = at(now);
            assert_eq!(
                quarantine_in_force(stored, now),
                want,
                "{stored:?} at {now}"
            );
            assert_eq!(
                may_give(stored, now),
                want.map_or(Ok(()), |u| Err(LineRefusal::Quarantined(u))),
            );
        }
        let message = LineRefusal::Quarantined(until).to_string();
        assert!(message.contains("2026-03-01 12:00"), "{message}");
    }

    #[test]
    fn releasing() {
        let now = at("2026-01-01T09:00:00Z");
        let ninety = QuarantineDays::default();
        let cases = [
            (
                LineKind::Personal,
                true,
                ninety,
                Ok(Some(at("2026-04-01T09:00:00Z"))),
            ),
            (
                LineKind::Personal,
                true,
                QuarantineDays::new(0).expect("zero days"),
                Ok(None),
            ),
            (
                LineKind::Personal,
                false,
                ninety,
                Err(LineRefusal::NotAssigned),
            ),
            (
                LineKind::Shared,
                false,
                ninety,
                Err(LineRefusal::NotPersonal),
            ),
            (
                LineKind::Critical,
                false,
                ninety,
                Err(LineRefusal::NotPersonal),
            ),
        ];
        for (kind, has_owner, days, want) in cases {
            assert_eq!(
                release(kind, has_owner, days, now),
                want,
                "{kind:?} {has_owner}"
            );
        }
    }

    #[test]
    fn quarantine_days_are_bounded() {
        assert_eq!(QuarantineDays::default().days(), 90);
        assert_eq!(QuarantineDays::new(0).map(QuarantineDays::days), Ok(0));
        assert_eq!(
            QuarantineDays::new(MAX_QUARANTINE_DAYS).map(QuarantineDays::days),
            Ok(MAX_QUARANTINE_DAYS)
        );
        assert!(QuarantineDays::new(MAX_QUARANTINE_DAYS + 1).is_err());
    }
}

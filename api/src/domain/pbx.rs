//! What the PBX reports, checked once: the instants on call records and voicemail.

use chrono::{DateTime, Duration, TimeZone, Utc};

/// An instant the PBX reports: a call's start and end, a voicemail's arrival.
///
/// The rule, shared by `ingestCallRecords`, the call-record CSV import and
/// `POST /v1/mailboxes/{number}/voicemails`: not before 2000-01-01T00:00:00Z (Chorus holds
/// nothing older, and `0001-01-01` or the Unix epoch is a sender's default, not a call), and
/// not more than [`PbxTime::SKEW`] after the server's clock (clocks drift; the future does
/// not call).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PbxTime(DateTime<Utc>);

/// Why a reported instant was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PbxTimeError {
    #[error("{} is before 2000-01-01", .0.to_rfc3339())]
    TooEarly(DateTime<Utc>),
    #[error("{} is in the future (more than 5 minutes after the server's clock)", .0.to_rfc3339())]
    InTheFuture(DateTime<Utc>),
}

impl PbxTime {
    /// How far ahead of the server's clock a PBX's clock may run.
    pub const SKEW: Duration = Duration::minutes(5);

    /// The earliest instant accepted: 2000-01-01T00:00:00Z.
    pub fn earliest() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    pub fn new(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Self, PbxTimeError> {
        if at < Self::earliest() {
            Err(PbxTimeError::TooEarly(at))
        } else if at > now + Self::SKEW {
            Err(PbxTimeError::InTheFuture(at))
        } else {
            Ok(Self(at))
        }
    }

    pub fn get(self) -> DateTime<Utc> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_from_2000_to_five_minutes_ahead_are_accepted() {
        let now = Utc::now();
        let earliest = PbxTime::earliest();
        assert_eq!(earliest.to_rfc3339(), "2000-01-01T00:00:00+00:00");
        for ok in [
            earliest,
            now - Duration::days(3650),
            now,
            now + PbxTime::SKEW,
        ] {
            assert_eq!(PbxTime::new(ok, now).map(PbxTime::get), Ok(ok), "{ok}");
        }
        let year_one = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap();
        for early in [
            year_one,
            DateTime::UNIX_EPOCH,
            earliest - Duration::seconds(1),
        ] {
            assert_eq!(PbxTime::new(early, now), Err(PbxTimeError::TooEarly(early)));
        }
        let ahead = now + PbxTime::SKEW + Duration::seconds(1);
        assert_eq!(
            PbxTime::new(ahead, now),
            Err(PbxTimeError::InTheFuture(ahead))
        );
        assert_eq!(
            PbxTimeError::TooEarly(year_one).to_string(),
            "0001-01-01T00:00:00+00:00 is before 2000-01-01"
        );
    }
}

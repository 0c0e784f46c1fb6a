//! Call-record rules: what a PBX record must satisfy to be stored, how a number filter with a
//! trailing wildcard is read, and which results count as missed.

use chrono::{DateTime, SubsecRound, Utc};
use entity::enums::{CallDirection, CallResult};

use super::{
    pbx::PbxTime,
    phone::{Dialled, E164},
    text::Quoted,
};

/// A call record as the PBX sends it, before validation.
#[derive(Clone, Debug)]
pub struct RawCall {
    pub pbx_call_id: String,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: DateTime<Utc>,
    pub direction: CallDirection,
    pub from: String,
    pub to: String,
    pub result: CallResult,
    /// Who answered when it was not the dialled line (a hunt-group member, an assistant).
    pub answered_by: Option<String>,
    /// The pilot number of the hunt group or contact centre that routed the call.
    pub routed_via: Option<String>,
}

/// A number on a call: an internal extension or a full number.
pub type Party = Dialled;

/// A call record that passed validation. Times are truncated to microseconds, the precision
/// both databases keep, so cursors agree with stored values.
#[derive(Clone, Debug)]
pub struct ValidCall {
    pub pbx_call_id: String,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: DateTime<Utc>,
    pub direction: CallDirection,
    pub from: Party,
    pub to: Party,
    pub result: CallResult,
    pub answered_by: Option<Party>,
    pub routed_via: Option<Party>,
}

/// Why a record was refused: the input field and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    pub field: &'static str,
    pub message: String,
}

fn reject(field: &'static str, message: impl Into<String>) -> Reject {
    Reject {
        field,
        message: message.into(),
    }
}

/// Checks one record: a PBX id of 1–128 printable characters, numbers that parse, the end not
/// before the start, an answer time between them (and only for answered calls), a call not
/// more than a day long, and start and end within the bounds of any PBX instant
/// ([`PbxTime`]: from 2000 to five minutes ahead of the server's clock).
pub fn validate(raw: RawCall, now: DateTime<Utc>) -> Result<ValidCall, Reject> {
    let id = raw.pbx_call_id.trim();
    if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
        return Err(reject(
            "pbxCallId",
            "a PBX call id has 1 to 128 printable characters",
        ));
    }
    let from = Dialled::parse(&raw.from).map_err(|e| reject("from", e.to_string()))?;
    let to = Dialled::parse(&raw.to).map_err(|e| reject("to", e.to_string()))?;
    let answered_by = raw
        .answered_by
        .as_deref()
        .map(Dialled::parse)
        .transpose()
        .map_err(|e| reject("answeredBy", e.to_string()))?;
    let routed_via = raw
        .routed_via
        .as_deref()
        .map(Dialled::parse)
        .transpose()
        .map_err(|e| reject("routedVia", e.to_string()))?;
    let (started, ended) = (
        raw.started_at.trunc_subsecs(6),
        raw.ended_at.trunc_subsecs(6),
    );
    if ended < started {
        return Err(reject("endedAt", "the call ends before it starts"));
    }
    if ended - started > chrono::Duration::hours(24) {
        return Err(reject("endedAt", "a call lasts at most 24 hours"));
    }
    PbxTime::new(started, now).map_err(|e| reject("startedAt", e.to_string()))?;
    PbxTime::new(ended, now).map_err(|e| reject("endedAt", e.to_string()))?;
    let answered = raw.answered_at.map(|t| t.trunc_subsecs(6));
    match (raw.result, answered) {
        (CallResult::Answered, None) => {
            return Err(reject(
                "answeredAt",
                "an answered call needs its answer time",
            ));
        }
        (CallResult::Answered, Some(t)) if t < started || t > ended => {
            return Err(reject(
                "answeredAt",
                "the answer time lies outside the call",
            ));
        }
        (CallResult::Answered, Some(_)) => {}
        (_, Some(_)) => {
            return Err(reject(
                "answeredAt",
                "only an answered call has an answer time",
            ));
        }
        (_, None) => {}
    }
    if raw.direction == CallDirection::Internal
        && (!matches!(from, Dialled::Extension(_)) || !matches!(to, Dialled::Extension(_)))
    {
        return Err(reject(
            "direction",
            "an internal call is between two extensions",
        ));
    }
    Ok(ValidCall {
        pbx_call_id: id.to_owned(),
        started_at: started,
        answered_at: answered,
        ended_at: ended,
        direction: raw.direction,
        from,
        to,
        result: raw.result,
        answered_by,
        routed_via,
    })
}

/// Results that count as a missed call for the person dialled (badges, the missed filter).
pub const MISSED: [CallResult; 2] = [CallResult::Missed, CallResult::Voicemail];

/// A number filter: `+441865270000` exactly, or a prefix with a trailing `*`
/// (`01865 27*` → numbers starting `+4418652 7`). National UK input becomes E.164.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberFilter {
    Exact(String),
    Prefix(String),
}

/// Reads a number filter; digits, spaces, `+`, `-`, brackets and one trailing `*`.
pub fn number_filter(input: &str) -> Result<NumberFilter, String> {
    let t = input.trim();
    let (body, wildcard) = match t.strip_suffix('*') {
        Some(b) => (b, true),
        None => (t, false),
    };
    if body.contains('*')
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
    {
        return Err(format!(
            "{} is not a number, or a number prefix ending in *",
            Quoted::new(input)
        ));
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if !wildcard {
        if digits.len() == 5 && !body.contains('+') {
            return Ok(NumberFilter::Exact(digits));
        }
        return E164::parse(body)
            .map(|n| NumberFilter::Exact(n.to_string()))
            .map_err(|e| e.to_string());
    }
    let prefix = if body.trim_start().starts_with('+') {
        format!("+{digits}")
    } else if let Some(national) = digits.strip_prefix("00") {
        format!("+{national}")
    } else if let Some(national) = digits.strip_prefix('0') {
        format!("+44{national}")
    } else {
        // Bare digits: an extension prefix.
        digits
    };
    if prefix.is_empty() || prefix == "+" {
        return Err("a number prefix needs at least one digit".into());
    }
    Ok(NumberFilter::Prefix(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn raw() -> RawCall {
        let start = Utc
            .with_ymd_and_hms(2026, 3, 29, 0, 59, 0)
            .single()
            .expect("time");
        RawCall {
            pbx_call_id: "PBX-1".into(),
            started_at: start,
            answered_at: Some(start + chrono::Duration::seconds(5)),
            ended_at: start + chrono::Duration::seconds(65),
            direction: CallDirection::Inbound,
            from: "+44 20 7946 0958".into(),
            to: "70123".into(),
            result: CallResult::Answered,
            answered_by: None,
            routed_via: None,
        }
    }

    #[test]
    fn good_records_pass_and_bad_ones_name_their_field() {
        let now = Utc::now();
        assert!(validate(raw(), now).is_ok());
        let cases: Vec<(RawCall, &str)> = vec![
            (
                RawCall {
                    pbx_call_id: " ".into(),
                    ..raw()
                },
                "pbxCallId",
            ),
            (
                RawCall {
                    from: "not a number".into(),
                    ..raw()
                },
                "from",
            ),
            (
                RawCall {
                    to: "123".into(),
                    ..raw()
                },
                "to",
            ),
            (
                RawCall {
                    ended_at: raw().started_at - chrono::Duration::seconds(1),
                    ..raw()
                },
                "endedAt",
            ),
            (
                RawCall {
                    answered_at: None,
                    ..raw()
                },
                "answeredAt",
            ),
            (
                RawCall {
                    result: CallResult::Missed,
                    ..raw()
                },
                "answeredAt",
            ),
            (
                RawCall {
                    answered_at: Some(raw().ended_at + chrono::Duration::seconds(1)),
                    ..raw()
                },
                "answeredAt",
            ),
            (
                RawCall {
                    direction: CallDirection::Internal,
                    ..raw()
                },
                "direction",
            ),
            (
                RawCall {
                    started_at: now + chrono::Duration::hours(1),
                    ended_at: now + chrono::Duration::hours(2),
                    answered_at: None,
                    result: CallResult::Missed,
                    ..raw()
                },
                "startedAt",
            ),
            (
                RawCall {
                    started_at: Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
                    ended_at: Utc.with_ymd_and_hms(1, 1, 1, 0, 1, 0).unwrap(),
                    answered_at: None,
                    result: CallResult::Missed,
                    ..raw()
                },
                "startedAt",
            ),
            (
                RawCall {
                    started_at: now,
                    ended_at: now + chrono::Duration::hours(2),
                    answered_at: None,
                    result: CallResult::Missed,
                    ..raw()
                },
                "endedAt",
            ),
            (
                RawCall {
                    answered_by: Some("x".into()),
                    ..raw()
                },
                "answeredBy",
            ),
        ];
        for (i, (call, field)) in cases.into_iter().enumerate() {
            assert_eq!(
                validate(call, now).map(|_| ()).map_err(|r| r.field),
                Err(field),
                "case {i}"
            );
        }
    }

    #[test]
    fn times_are_kept_to_the_microsecond() {
        let mut r = raw();
        r.started_at += chrono::Duration::nanoseconds(123_456_789);
        let v = validate(r, Utc::now()).expect("valid");
        assert_eq!(v.started_at.timestamp_subsec_nanos(), 123_456_000);
    }

    #[test]
    fn number_filters_read_like_people_type_them() {
        let cases = [
            (
                "+441865270000",
                Ok(NumberFilter::Exact("+441865270000".into())),
            ),
            (
                "01865 270000",
                Ok(NumberFilter::Exact("+441865270000".into())),
            ),
            ("70000", Ok(NumberFilter::Exact("70000".into()))),
            ("01865 27*", Ok(NumberFilter::Prefix("+44186527".into()))),
            ("+1 650*", Ok(NumberFilter::Prefix("+1650".into()))),
            ("0044 20*", Ok(NumberFilter::Prefix("+4420".into()))),
            ("70*", Ok(NumberFilter::Prefix("70".into()))),
        ];
        for (input, expected) in cases {
            assert_eq!(number_filter(input), expected, "{input}");
        }
        for bad in ["*", "01*865*", "abc*", "%", "+*"] {
            assert!(number_filter(bad).is_err(), "{bad}");
        }
    }
}

//! HTTP `Range` → 200 / 206 / 416, as a pure function (RFC 9110 §14).

use std::ops::Range;

/// What to send for a request with (or without) a `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeDecision {
    /// 200 with the whole body.
    Full,
    /// 206 with bytes `start..=end` (inclusive, as in `Content-Range`).
    Partial { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */<len>`.
    Unsatisfiable,
}

impl RangeDecision {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            RangeDecision::Full => 200,
            RangeDecision::Partial { .. } => 206,
            RangeDecision::Unsatisfiable => 416,
        }
    }

    /// The `Content-Range` value for a representation of `len` bytes, if one is sent.
    pub fn content_range(&self, len: u64) -> Option<String> {
        match self {
            RangeDecision::Full => None,
            RangeDecision::Partial { start, end } => Some(format!("bytes {start}-{end}/{len}")),
            RangeDecision::Unsatisfiable => Some(format!("bytes */{len}")),
        }
    }

    /// The half-open byte range to read from the store (`None` for the whole blob or for 416).
    pub fn byte_range(&self) -> Option<Range<u64>> {
        match *self {
            RangeDecision::Partial { start, end } => Some(start..end.saturating_add(1)),
            _ => None,
        }
    }
}

/// Decides how to answer a `Range` header for a representation of `len` bytes.
///
/// - No header, another unit than `bytes`, or a header that does not parse: **ignored**, the
///   whole body is sent (200). RFC 9110 §14.2 lets a server ignore a Range it does not like,
///   and a 200 is always a correct answer.
/// - One range: `a-b` (end clamped to the last byte), `a-` (to the end), `-n` (the last `n`
///   bytes, the whole body if it is shorter). 206 when it overlaps the body, else 416
///   (`a` at or past the end, or `-0`).
/// - Several ranges: if none overlaps the body, 416; otherwise **200 with the whole body**.
///   We do not build `multipart/byteranges`: audio players ask for one range (Safari probes
///   with `bytes=0-1`), and answering many small or overlapping ranges is an amplification
///   risk. Serving only the first range would also be allowed, but a client that asked for
///   several would then have to notice it got fewer.
/// - An empty body (`len == 0`) has no byte to point at: 200 with the empty body.
pub fn parse_range(header: Option<&str>, len: u64) -> RangeDecision {
    let Some(specs) = header.and_then(parse_specs) else {
        return RangeDecision::Full;
    };
    if len == 0 {
        return RangeDecision::Full;
    }
    let mut satisfiable = specs.iter().filter_map(|spec| spec.resolve(len));
    match (specs.len(), satisfiable.next()) {
        (_, None) => RangeDecision::Unsatisfiable,
        (1, Some((start, end))) => RangeDecision::Partial { start, end },
        (_, Some(_)) => RangeDecision::Full,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `first-last` or `first-` (`last == None`).
    From { first: u64, last: Option<u64> },
    /// `-n`
    Suffix(u64),
}

impl Spec {
    /// The inclusive byte range this spec selects in a body of `len > 0` bytes, if any.
    fn resolve(self, len: u64) -> Option<(u64, u64)> {
        let last_byte = len - 1;
        match self {
            Spec::From { first, .. } if first > last_byte => None,
            Spec::From { first, last } => {
                Some((first, last.map_or(last_byte, |l| l.min(last_byte))))
            }
            Spec::Suffix(0) => None,
            Spec::Suffix(n) => Some((len.saturating_sub(n), last_byte)),
        }
    }
}

/// `bytes=<spec>[, <spec>]*`, or `None` when the header is not one we honour.
fn parse_specs(header: &str) -> Option<Vec<Spec>> {
    let (unit, set) = header.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    // The list syntax (RFC 9110 §5.6.1) allows empty elements: "bytes=0-1,,2-3".
    let specs: Vec<Spec> = set
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_spec)
        .collect::<Option<_>>()?;
    (!specs.is_empty()).then_some(specs)
}

fn parse_spec(spec: &str) -> Option<Spec> {
    let (first, last) = spec.split_once('-')?;
    match (first, last) {
        ("", n) => Some(Spec::Suffix(digits(n)?)),
        (a, "") => Some(Spec::From {
            first: digits(a)?,
            last: None,
        }),
        (a, b) => {
            let (first, last) = (digits(a)?, digits(b)?);
            // "5-2" is invalid (§14.1.1), which makes the whole header ignorable.
            (first <= last).then_some(Spec::From {
                first,
                last: Some(last),
            })
        }
    }
}

/// 1*DIGIT, saturating: a position too large for u64 is still past any real end.
/// (`str::parse::<u64>` alone would also accept a leading `+`.)
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::RangeDecision::{Full, Partial, Unsatisfiable};
    use super::*;

    #[test]
    fn range_headers_are_decided_as_rfc_9110_says() {
        let len = 1000;
        let cases: &[(Option<&str>, RangeDecision)] = &[
            (None, Full),
            (Some("bytes=0-0"), Partial { start: 0, end: 0 }),
            (Some("bytes=0-1"), Partial { start: 0, end: 1 }), // Safari's probe
            (Some("bytes=0-499"), Partial { start: 0, end: 499 }),
            (
                Some("bytes=500-999"),
                Partial {
                    start: 500,
                    end: 999,
                },
            ),
            (
                Some("bytes=100-"),
                Partial {
                    start: 100,
                    end: 999,
                },
            ),
            (
                Some("bytes=999-"),
                Partial {
                    start: 999,
                    end: 999,
                },
            ),
            (
                Some("bytes=-500"),
                Partial {
                    start: 500,
                    end: 999,
                },
            ),
            (
                Some("bytes=-1"),
                Partial {
                    start: 999,
                    end: 999,
                },
            ),
            (Some("bytes=-5000"), Partial { start: 0, end: 999 }), // longer than the body
            (
                Some("bytes=900-5000"),
                Partial {
                    start: 900,
                    end: 999,
                },
            ), // end clamped
            (
                Some("bytes=0-99999999999999999999999"),
                Partial { start: 0, end: 999 },
            ),
            (Some("BYTES=1-2"), Partial { start: 1, end: 2 }), // unit is case-insensitive
            (Some(" bytes = 1-2 "), Partial { start: 1, end: 2 }),
            (Some("bytes=1-2,"), Partial { start: 1, end: 2 }), // empty list element
            // beyond the end → 416
            (Some("bytes=1000-"), Unsatisfiable),
            (Some("bytes=1000-2000"), Unsatisfiable),
            (Some("bytes=99999999999999999999999-"), Unsatisfiable),
            (Some("bytes=-0"), Unsatisfiable),
            (Some("bytes=1000-,2000-3000"), Unsatisfiable),
            // malformed → ignored, whole body
            (Some(""), Full),
            (Some("bytes"), Full),
            (Some("bytes="), Full),
            (Some("bytes=,"), Full),
            (Some("bytes=-"), Full),
            (Some("bytes=abc"), Full),
            (Some("bytes=5-2"), Full),
            (Some("bytes=+1-2"), Full),
            (Some("bytes=1-+2"), Full),
            (Some("bytes=1--2"), Full),
            (Some("bytes=0x10-"), Full),
            (Some("bytes=1-2,abc"), Full),
            (Some("items=0-1"), Full),
            (Some("0-1"), Full),
            // several ranges → whole body (see parse_range)
            (Some("bytes=0-1,5-10"), Full),
            (Some("bytes=0-1,2000-"), Full),
        ];
        for (header, expected) in cases {
            assert_eq!(parse_range(*header, len), *expected, "Range: {header:?}");
        }
    }

    #[test]
    fn an_empty_body_is_always_sent_whole() {
        for header in [None, Some("bytes=0-0"), Some("bytes=-5"), Some("bytes=0-")] {
            assert_eq!(parse_range(header, 0), Full, "{header:?}");
        }
    }

    #[test]
    fn decisions_render_status_content_range_and_store_range() {
        let partial = Partial { start: 0, end: 1 };
        assert_eq!(partial.status(), 206);
        assert_eq!(
            partial.content_range(1000).as_deref(),
            Some("bytes 0-1/1000")
        );
        assert_eq!(partial.byte_range(), Some(0..2));

        assert_eq!(Unsatisfiable.status(), 416);
        assert_eq!(
            Unsatisfiable.content_range(1000).as_deref(),
            Some("bytes */1000")
        );
        assert_eq!(Unsatisfiable.byte_range(), None);

        assert_eq!(Full.status(), 200);
        assert_eq!(Full.content_range(1000), None);
        assert_eq!(Full.byte_range(), None);
    }
}

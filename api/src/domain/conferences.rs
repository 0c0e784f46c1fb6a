//! Teleconference rules: how long a conference may last, what its access code and moderator
//! PIN look like and how they are generated, how many bridge ports it reserves, and whether
//! the bridge still holds it at the busiest moment. Each check returns a [`GroupRefusal`]
//! with a stable code.
//!
//! Times are half-open everywhere: a conference ending at 10:00 does not overlap one starting
//! at 10:00.

use std::ops::RangeInclusive;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::groups::GroupRefusal;

/// Longest conference, in hours.
pub const MAX_CONFERENCE_HOURS: i64 = 24;

/// Digits of a participant access code or moderator PIN, when given by hand.
pub const CODE_DIGITS: RangeInclusive<usize> = 6..=8;

/// Digits of a generated participant access code.
pub const ACCESS_CODE_DIGITS: usize = 8;

/// Digits of a generated moderator PIN (shorter than the access code, so the two are never
/// confused on the keypad).
pub const MODERATOR_PIN_DIGITS: usize = 6;

/// Fewest ports a conference reserves: a conference is at least two people.
pub const MIN_CONFERENCE_PORTS: i32 = 2;

/// A scheduled conference on a bridge, as the scheduling rules see it. Times are half-open:
/// a conference ending at 10:00 does not overlap one starting at 10:00. The service passes
/// the SCHEDULED (not cancelled) conferences of the same bridge; a slot with the candidate's
/// own id is ignored, so a reschedule does not clash with itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConferenceSlot {
    /// The conference.
    pub id: Uuid,
    /// Start, inclusive.
    pub starts_at: DateTime<Utc>,
    /// End, exclusive.
    pub ends_at: DateTime<Utc>,
    /// Participant access code.
    pub access_code: String,
    /// Moderator PIN.
    pub moderator_pin: String,
    /// Bridge ports reserved (`teleconference.capacity`).
    pub ports: i32,
}

impl ConferenceSlot {
    /// Whether the two share any instant (and are not the same conference).
    pub fn overlaps(&self, other: &ConferenceSlot) -> bool {
        self.id != other.id && self.starts_at < other.ends_at && other.starts_at < self.ends_at
    }
}

/// A generated pair of codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Participant access code, [`ACCESS_CODE_DIGITS`] digits.
    pub access_code: String,
    /// Moderator PIN, [`MODERATOR_PIN_DIGITS`] digits.
    pub moderator_pin: String,
}

/// A conference ends after it starts and lasts at most [`MAX_CONFERENCE_HOURS`]. (Whether the
/// start may be in the past is the service's call: it knows the clock.)
pub fn validate_schedule(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<(), GroupRefusal> {
    if ends_at <= starts_at {
        return Err(GroupRefusal::EndsBeforeStart);
    }
    if ends_at - starts_at > Duration::hours(MAX_CONFERENCE_HOURS) {
        return Err(GroupRefusal::ConferenceTooLong);
    }
    Ok(())
}

/// An access code or PIN: [`CODE_DIGITS`] ASCII digits, not one digit repeated and not a run
/// up or down (`123456`, `876543`): the first codes anyone would guess.
pub fn validate_code(code: &str) -> Result<(), GroupRefusal> {
    if !CODE_DIGITS.contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GroupRefusal::InvalidCode);
    }
    if is_trivial(code) {
        return Err(GroupRefusal::InvalidCode);
    }
    Ok(())
}

fn is_trivial(code: &str) -> bool {
    let digits: Vec<i16> = code
        .bytes()
        .map(|b| i16::from(b) - i16::from(b'0'))
        .collect();
    let steps: Vec<i16> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    match steps.first() {
        Some(&first) => (-1..=1).contains(&first) && steps.iter().all(|s| *s == first),
        None => true,
    }
}

/// A conference's codes are usable: the access code and moderator PIN differ, and neither is
/// the access code or PIN of an overlapping conference on the bridge (callers type either at
/// the same prompt, so they share one namespace while both conferences run).
pub fn validate_codes_unique(
    candidate: &ConferenceSlot,
    others: &[ConferenceSlot],
) -> Result<(), GroupRefusal> {
    if candidate.access_code == candidate.moderator_pin {
        return Err(GroupRefusal::SameCodeAndPin);
    }
    for other in others.iter().filter(|o| candidate.overlaps(o)) {
        let taken = [other.access_code.as_str(), other.moderator_pin.as_str()];
        if taken.contains(&candidate.access_code.as_str()) {
            return Err(GroupRefusal::AccessCodeInUse);
        }
        if taken.contains(&candidate.moderator_pin.as_str()) {
            return Err(GroupRefusal::ModeratorPinInUse);
        }
    }
    Ok(())
}

/// Attempts before [`generate_credentials`] gives up; with 9·10⁷ access codes a clash is
/// already rare, so reaching this means the generator is broken, not the bridge full.
const GENERATE_ATTEMPTS: usize = 64;

/// Generates an [`ACCESS_CODE_DIGITS`]-digit access code and a [`MODERATOR_PIN_DIGITS`]-digit
/// moderator PIN for a conference from `starts_at` to `ends_at`: no leading zero (spreadsheets
/// drop it), not trivial ([`validate_code`]), and unique against the overlapping `others`
/// ([`validate_codes_unique`]). Pure given the RNG: seed it for reproducible tests.
pub fn generate_credentials<R: rand::Rng + ?Sized>(
    rng: &mut R,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    others: &[ConferenceSlot],
) -> Result<Credentials, GroupRefusal> {
    for _ in 0..GENERATE_ATTEMPTS {
        let access_code = random_code(rng, ACCESS_CODE_DIGITS);
        let moderator_pin = random_code(rng, MODERATOR_PIN_DIGITS);
        let slot = ConferenceSlot {
            id: Uuid::nil(),
            starts_at,
            ends_at,
            access_code,
            moderator_pin,
            ports: 0,
        };
        if validate_code(&slot.access_code).is_ok()
            && validate_code(&slot.moderator_pin).is_ok()
            && validate_codes_unique(&slot, others).is_ok()
        {
            return Ok(Credentials {
                access_code: slot.access_code,
                moderator_pin: slot.moderator_pin,
            });
        }
    }
    Err(GroupRefusal::NoFreeCode)
}

fn random_code<R: rand::Rng + ?Sized>(rng: &mut R, digits: usize) -> String {
    (0..digits)
        .map(|i| {
            let d: u8 = if i == 0 {
                rng.random_range(1..=9)
            } else {
                rng.random_range(0..=9)
            };
            char::from(b'0' + d)
        })
        .collect()
}

/// The ports a conference reserves: at least [`MIN_CONFERENCE_PORTS`], at most the bridge's,
/// and enough for the participants listed (people and external numbers).
pub fn validate_reservation(
    participants: usize,
    ports: i32,
    bridge_ports: i32,
) -> Result<(), GroupRefusal> {
    if ports < MIN_CONFERENCE_PORTS || ports > bridge_ports {
        return Err(GroupRefusal::CapacityOutOfRange {
            ports,
            bridge_ports,
        });
    }
    if i64::try_from(participants).unwrap_or(i64::MAX) > i64::from(ports) {
        return Err(GroupRefusal::TooManyParticipants {
            participants,
            ports,
        });
    }
    Ok(())
}

/// The bridge holds the candidate: at the busiest instant of the candidate's time, the ports
/// reserved by overlapping conferences plus the candidate's stay within `bridge_ports`. The
/// busiest instant, not the plain sum: two conferences that overlap the candidate but not each
/// other never use the bridge together.
pub fn validate_bridge_capacity(
    candidate: &ConferenceSlot,
    others: &[ConferenceSlot],
    bridge_ports: i32,
) -> Result<(), GroupRefusal> {
    // Sweep the others' starts (+) and ends (−), clipped to the candidate; at equal instants
    // ends come first, as times are half-open.
    let mut events: Vec<(DateTime<Utc>, i64)> = Vec::new();
    for o in others.iter().filter(|o| candidate.overlaps(o)) {
        events.push((o.starts_at.max(candidate.starts_at), i64::from(o.ports)));
        events.push((o.ends_at.min(candidate.ends_at), -i64::from(o.ports)));
    }
    events.sort_by_key(|&(t, delta)| (t, delta));
    let (mut load, mut reserved) = (0_i64, 0_i64);
    for (_, delta) in events {
        load += delta;
        reserved = reserved.max(load);
    }
    if reserved + i64::from(candidate.ports) > i64::from(bridge_ports) {
        return Err(GroupRefusal::BridgeFull {
            requested: candidate.ports,
            reserved,
            bridge_ports,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::SeedableRng;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, h, m, 0)
            .single()
            .expect("test value")
    }

    fn slot(
        n: u128,
        from: (u32, u32),
        to: (u32, u32),
        code: &str,
        pin: &str,
        ports: i32,
    ) -> ConferenceSlot {
        ConferenceSlot {
            id: id(n),
            starts_at: at(from.0, from.1),
            ends_at: at(to.0, to.1),
            access_code: code.into(),
            moderator_pin: pin.into(),
            ports,
        }
    }

    #[test]
    fn conference_schedules_and_codes() {
        let cases = [
            (at(10, 0), at(11, 0), Ok(())),
            (at(10, 0), at(10, 0), Err(GroupRefusal::EndsBeforeStart)),
            (at(11, 0), at(10, 0), Err(GroupRefusal::EndsBeforeStart)),
            (at(10, 0), at(10, 0) + Duration::hours(24), Ok(())),
            (
                at(10, 0),
                at(10, 1) + Duration::hours(24),
                Err(GroupRefusal::ConferenceTooLong),
            ),
        ];
        for (i, (s, e, expected)) in cases.into_iter().enumerate() {
            assert_eq!(validate_schedule(s, e), expected, "case {i}");
        }
        for (code, ok) in [
            ("48213907", true),
            ("051739", true),
            ("4821390", true),
            ("12345", false),
            ("123456789", false),
            ("12a456", false),
            ("111111", false),
            ("123456", false),
            ("98765432", false),
            ("٤٨٢١٣٩", false),
        ] {
            assert_eq!(validate_code(code).is_ok(), ok, "{code}");
        }
    }

    #[test]
    fn codes_are_unique_among_overlapping_conferences() {
        let others = [
            slot(1, (9, 0), (10, 0), "48213907", "573920", 10),
            slot(2, (12, 0), (13, 0), "77777701", "604418", 10),
        ];
        let cases = [
            (
                slot(9, (10, 0), (11, 0), "48213907", "573920", 5),
                Ok(()),
                "touching is not overlapping",
            ),
            (
                slot(9, (9, 30), (11, 0), "48213907", "604418", 5),
                Err(GroupRefusal::AccessCodeInUse),
                "same code",
            ),
            (
                slot(9, (9, 30), (11, 0), "57392011", "48213907", 5),
                Err(GroupRefusal::ModeratorPinInUse),
                "pin is another's code",
            ),
            (
                slot(9, (9, 30), (11, 0), "573920", "604418", 5),
                Err(GroupRefusal::AccessCodeInUse),
                "code is another's pin",
            ),
            (
                slot(9, (9, 30), (11, 0), "604418", "604418", 5),
                Err(GroupRefusal::SameCodeAndPin),
                "code equals pin",
            ),
            (
                slot(9, (9, 30), (11, 0), "77777701", "604418", 5),
                Ok(()),
                "clash only with a later one",
            ),
            (
                slot(1, (9, 0), (10, 0), "48213907", "573920", 10),
                Ok(()),
                "itself, rescheduled",
            ),
        ];
        for (candidate, expected, why) in cases {
            assert_eq!(
                validate_codes_unique(&candidate, &others),
                expected,
                "{why}"
            );
        }
    }

    #[test]
    fn generated_codes_are_reproducible_valid_and_unique() {
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut b = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let first = generate_credentials(&mut a, at(9, 0), at(10, 0), &[]).expect("test value");
        assert_eq!(
            generate_credentials(&mut b, at(9, 0), at(10, 0), &[]).expect("test value"),
            first,
            "same seed, same codes"
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut taken: Vec<ConferenceSlot> = Vec::new();
        for n in 0..300 {
            let c =
                generate_credentials(&mut rng, at(9, 0), at(10, 0), &taken).expect("test value");
            assert_eq!(c.access_code.len(), ACCESS_CODE_DIGITS);
            assert_eq!(c.moderator_pin.len(), MODERATOR_PIN_DIGITS);
            assert!(!c.access_code.starts_with('0') && !c.moderator_pin.starts_with('0'));
            assert_eq!(validate_code(&c.access_code), Ok(()));
            assert_eq!(validate_code(&c.moderator_pin), Ok(()));
            let s = ConferenceSlot {
                id: id(1000 + n),
                starts_at: at(9, 0),
                ends_at: at(10, 0),
                access_code: c.access_code,
                moderator_pin: c.moderator_pin,
                ports: 2,
            };
            assert_eq!(validate_codes_unique(&s, &taken), Ok(()));
            taken.push(s);
        }
        /// A generator that always yields the same digits.
        struct Stuck;
        impl rand::RngCore for Stuck {
            fn next_u32(&mut self) -> u32 {
                0
            }
            fn next_u64(&mut self) -> u64 {
                0
            }
            fn fill_bytes(&mut self, dst: &mut [u8]) {
                dst.fill(0);
            }
        }
        let only = generate_credentials(&mut Stuck, at(9, 0), at(10, 0), &[]).expect("a free code");
        let busy = ConferenceSlot {
            id: id(1),
            starts_at: at(9, 0),
            ends_at: at(10, 0),
            access_code: only.access_code,
            moderator_pin: only.moderator_pin,
            ports: 2,
        };
        assert_eq!(
            generate_credentials(&mut Stuck, at(9, 30), at(10, 30), &[busy]),
            Err(GroupRefusal::NoFreeCode),
            "a generator stuck on taken codes gives up"
        );
    }

    #[test]
    fn reservations_and_bridge_capacity() {
        let reservations = [
            ((3, 10, 100), Ok(())),
            ((10, 10, 100), Ok(())),
            ((0, 2, 100), Ok(())),
            (
                (11, 10, 100),
                Err(GroupRefusal::TooManyParticipants {
                    participants: 11,
                    ports: 10,
                }),
            ),
            (
                (1, 1, 100),
                Err(GroupRefusal::CapacityOutOfRange {
                    ports: 1,
                    bridge_ports: 100,
                }),
            ),
            (
                (1, 101, 100),
                Err(GroupRefusal::CapacityOutOfRange {
                    ports: 101,
                    bridge_ports: 100,
                }),
            ),
        ];
        for ((participants, ports, bridge), expected) in reservations {
            assert_eq!(
                validate_reservation(participants, ports, bridge),
                expected,
                "{participants} {ports}"
            );
        }
        // 09–10 reserves 40, 10–11 reserves 50, 09:30–10:30 reserves 30: never all three at once.
        let others = [
            slot(1, (9, 0), (10, 0), "48213907", "573920", 40),
            slot(2, (10, 0), (11, 0), "58213907", "673920", 50),
            slot(3, (9, 30), (10, 30), "68213907", "773920", 30),
        ];
        let cases = [
            (
                slot(9, (9, 0), (11, 0), "1", "2", 20),
                Ok(()),
                "peak 80 + 20",
            ),
            (
                slot(9, (9, 0), (11, 0), "1", "2", 21),
                Err(GroupRefusal::BridgeFull {
                    requested: 21,
                    reserved: 80,
                    bridge_ports: 100,
                }),
                "peak 80 + 21",
            ),
            (
                slot(9, (9, 0), (9, 30), "1", "2", 60),
                Ok(()),
                "only the first: 40 + 60",
            ),
            (
                slot(9, (11, 0), (12, 0), "1", "2", 100),
                Ok(()),
                "after all of them",
            ),
            (
                slot(9, (8, 0), (9, 1), "1", "2", 61),
                Err(GroupRefusal::BridgeFull {
                    requested: 61,
                    reserved: 40,
                    bridge_ports: 100,
                }),
                "one minute of overlap counts",
            ),
            (
                slot(2, (10, 0), (11, 0), "1", "2", 70),
                Ok(()),
                "rescheduling itself: 30 + 70",
            ),
        ];
        for (candidate, expected, why) in cases {
            assert_eq!(
                validate_bridge_capacity(&candidate, &others, 100),
                expected,
                "{why}"
            );
        }
    }
}

//! Voicemail rules: who reads a mailbox, what a mailbox setting may be, and which client
//! addresses count as "on the VPN" (rule 12 of ARCHITECTURE.md).

use entity::enums::VoicemailState;
use uuid::Uuid;

use crate::auth::Principal;

/// A mailbox is read by the person whose line it is, and by administrators. Nobody else:
/// not a coordinator of the owner's unit, not a service account (ingest writes, never reads).
/// A shared line's mailbox (no owner) is an administrator's.
pub fn can_read_mailbox(principal: &Principal, line_owner: Option<Uuid>) -> bool {
    principal.is_admin() || line_owner.is_some_and(|owner| principal.is_person(owner))
}

/// What a client may set a voicemail to. `DELETED` is reached through delete, not here.
pub fn settable(state: VoicemailState) -> bool {
    state != VoicemailState::Deleted
}

/// Rings before an unanswered call goes to voicemail (Webex Calling allows 2–20).
pub const RINGS: std::ops::RangeInclusive<i32> = 2..=20;

/// Default rings for a mailbox with no settings row yet.
pub const DEFAULT_RINGS: i32 = 4;

/// A mailbox PIN: 4 to 8 digits, not one digit repeated, not a run up or down (`1234`,
/// `9876`), and not the line's own extension (the first thing anyone would try).
pub fn validate_pin(pin: &str, extension: &str) -> Result<(), &'static str> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the PIN must be 4 to 8 digits");
    }
    let digits: Vec<i16> = pin.bytes().map(|b| i16::from(b - b'0')).collect();
    if digits.windows(2).all(|w| w[0] == w[1]) {
        return Err("the PIN must not be one digit repeated");
    }
    let step = digits[1] - digits[0];
    if step.abs() == 1 && digits.windows(2).all(|w| w[1] - w[0] == step) {
        return Err("the PIN must not be a run of consecutive digits");
    }
    if pin == extension || extension.ends_with(pin) {
        return Err("the PIN must not be the line's extension");
    }
    Ok(())
}

/// An address for voicemail e-mails: the one rule for e-mail addresses,
/// [`EmailAddress::parse`](super::email::EmailAddress::parse), on the address as given
/// (surrounding spaces are refused here, as they would be stored).
pub fn validate_email(address: &str) -> Result<(), &'static str> {
    match super::email::EmailAddress::parse(address) {
        Ok(parsed) if parsed.as_str() == address => Ok(()),
        _ => Err("not an e-mail address like name@example.ac.uk"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::auth::{PrincipalKind, Role};

    fn person(id: Uuid, roles: &[Role]) -> Principal {
        Principal {
            username: "someone".into(),
            kind: PrincipalKind::Person,
            person_id: Some(id),
            roles: roles.iter().copied().chain([Role::User]).collect(),
            units: BTreeSet::new(),
            scopes: BTreeSet::new(),
        }
    }

    #[test]
    fn only_the_owner_and_admins_read_a_mailbox() {
        let (owner, other) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(can_read_mailbox(&person(owner, &[]), Some(owner)));
        assert!(!can_read_mailbox(&person(other, &[]), Some(owner)));
        assert!(!can_read_mailbox(
            &person(other, &[Role::Coordinator]),
            Some(owner)
        ));
        assert!(can_read_mailbox(
            &person(other, &[Role::Admin]),
            Some(owner)
        ));
        assert!(!can_read_mailbox(&person(owner, &[]), None));
        assert!(can_read_mailbox(&person(other, &[Role::Admin]), None));
    }

    #[test]
    fn pins() {
        for ok in ["2580", "19283746", "1357", "0505"] {
            assert_eq!(validate_pin(ok, "70123"), Ok(()), "{ok}");
        }
        let refused = [
            ("123", "the PIN must be 4 to 8 digits"),
            ("123456789", "the PIN must be 4 to 8 digits"),
            ("12a4", "the PIN must be 4 to 8 digits"),
            ("٣٤٥٦", "the PIN must be 4 to 8 digits"),
            ("0000", "the PIN must not be one digit repeated"),
            ("1234", "the PIN must not be a run of consecutive digits"),
            ("87654", "the PIN must not be a run of consecutive digits"),
            ("70123", "the PIN must not be the line's extension"),
            ("0123", "the PIN must not be a run of consecutive digits"),
        ];
        for (pin, why) in refused {
            assert_eq!(validate_pin(pin, "70123"), Err(why), "{pin}");
        }
        assert_eq!(
            validate_pin("2713", "72713"),
            Err("the PIN must not be the line's extension")
        );
    }

    #[test]
    fn emails() {
        for ok in ["a.b@example.ac.uk", "x+vm@it.ox.ac.uk"] {
            assert_eq!(validate_email(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "nobody",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
            "a@b.com.",
            "a@b..com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?}");
        }
    }
}

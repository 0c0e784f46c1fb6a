//! Putting the university in: what a unit code, a username and an external key may look like,
//! who may create whom, the tree of units (no unit is its own ancestor), who sees a person's
//! external key, and the role grants (an installation always keeps one administrator).
//!
//! The source documents say who does what (administrators everything, telephone coordinators
//! the people of their units) but not the spelling of keys; the choices are stated on each item.

use entity::enums::GrantedRole;
use uuid::Uuid;

use crate::auth::Principal;

/// Longest unit code. University codes are short (`BALL`, `UAS-IT`); 16 leaves room.
pub const MAX_UNIT_CODE: usize = 16;

/// Longest SSO username: identity providers send user principal names
/// (`a.b@example.ac.uk`), so this is an e-mail address's length, not a short login.
pub const MAX_USERNAME: usize = 254;

/// Longest unit or person name.
pub const MAX_NAME: usize = 200;

/// Longest external key. Employee numbers are short and an Entra object id is a 36-character
/// GUID; 100 leaves room for other providers' keys.
pub const MAX_EXTERNAL_ID: usize = 100;

/// Why a provisioning request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProvisioningRefusal {
    /// A unit code is empty, too long, or has characters other than letters, digits, `-`, `_`.
    #[error("a unit code has 1 to {MAX_UNIT_CODE} letters, digits, '-' or '_'")]
    InvalidUnitCode,
    /// A username is empty, too long, or has whitespace or control characters.
    #[error("a username has 1 to {MAX_USERNAME} characters and no spaces")]
    InvalidUsername,
    /// A name is empty or too long.
    #[error("a name has 1 to {MAX_NAME} characters")]
    InvalidName,
    /// A coordinator grant names no unit, or an admin grant names one.
    #[error("a COORDINATOR grant needs a unit; an ADMIN grant takes none")]
    GrantUnitMismatch,
    /// Revoking this grant would leave the installation without an administrator.
    #[error("this is the last administrator: grant ADMIN to someone else first")]
    LastAdmin,
    /// An external key is empty, too long, or has control characters.
    #[error("an external id has 1 to {MAX_EXTERNAL_ID} characters and no control characters")]
    InvalidExternalId,
    /// The new parent is the unit itself or one of the units below it.
    #[error("a unit cannot be placed under itself or under one of its own sub-units")]
    UnitCycle,
}

impl ProvisioningRefusal {
    /// The stable code scripts match on.
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidUnitCode => "INVALID_UNIT_CODE",
            Self::InvalidUsername => "INVALID_USERNAME",
            Self::InvalidName => "INVALID_NAME",
            Self::GrantUnitMismatch => "GRANT_UNIT_MISMATCH",
            Self::LastAdmin => "LAST_ADMIN",
            Self::InvalidExternalId => "INVALID_EXTERNAL_ID",
            Self::UnitCycle => "UNIT_CYCLE",
        }
    }
}

impl crate::error::RuleRefusal for ProvisioningRefusal {
    fn user_error_code(&self) -> crate::error::UserErrorCode {
        use crate::error::UserErrorCode;
        match self {
            Self::LastAdmin | Self::UnitCycle => UserErrorCode::RuleViolation,
            _ => UserErrorCode::Invalid,
        }
    }

    fn reason(&self) -> &'static str {
        self.code()
    }
}

/// A unit code as stored: trimmed and upper-cased (codes are compared without regard to
/// case, and the university writes them in capitals).
pub fn unit_code(input: &str) -> Result<String, ProvisioningRefusal> {
    let code = input.trim().to_uppercase();
    let valid = !code.is_empty()
        && code.chars().count() <= MAX_UNIT_CODE
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid
        .then_some(code)
        .ok_or(ProvisioningRefusal::InvalidUnitCode)
}

/// A username as stored: trimmed, otherwise as the identity provider spells it (the token's
/// subject must match it exactly).
pub fn username(input: &str) -> Result<String, ProvisioningRefusal> {
    let name = input.trim();
    let valid = !name.is_empty()
        && name.chars().count() <= MAX_USERNAME
        && !name.chars().any(|c| c.is_whitespace() || c.is_control());
    valid
        .then(|| name.to_owned())
        .ok_or(ProvisioningRefusal::InvalidUsername)
}

/// A unit's or a person's name: trimmed, 1 to [`MAX_NAME`] characters, no control characters.
pub fn name(input: &str) -> Result<String, ProvisioningRefusal> {
    let name = input.trim();
    let valid =
        !name.is_empty() && name.chars().count() <= MAX_NAME && !name.chars().any(char::is_control);
    valid
        .then(|| name.to_owned())
        .ok_or(ProvisioningRefusal::InvalidName)
}

/// A person's key in the HR or identity system as stored: trimmed, otherwise exactly as the
/// system spells it (keys are matched exactly), 1 to [`MAX_EXTERNAL_ID`] characters, no
/// control characters. Inner spaces are allowed: some HR systems put them in their keys.
pub fn external_id(input: &str) -> Result<String, ProvisioningRefusal> {
    let key = input.trim();
    let valid = !key.is_empty()
        && key.chars().count() <= MAX_EXTERNAL_ID
        && !key.chars().any(char::is_control);
    valid
        .then(|| key.to_owned())
        .ok_or(ProvisioningRefusal::InvalidExternalId)
}

/// Who sees a person's external key: admins and the coordinators of the person's unit, who
/// provision them. Not the person, nor colleagues: it is the HR system's key, not a directory
/// entry, and a key that identifies someone elsewhere is kept to those who need it.
pub fn can_see_external_id(principal: &Principal, unit_id: Uuid) -> bool {
    principal.is_admin() || principal.coordinates(unit_id)
}

/// May `unit` be placed under a parent whose chain of units up to the top is `chain` (the
/// parent first, then its parent, and so on)? Not when the chain passes through `unit`
/// itself: the unit would be its own ancestor and the tree would have a loop.
pub fn parent_allowed(unit: Uuid, chain: &[Uuid]) -> Result<(), ProvisioningRefusal> {
    if chain.contains(&unit) {
        return Err(ProvisioningRefusal::UnitCycle);
    }
    Ok(())
}

/// A grant is an ADMIN grant without a unit or a COORDINATOR grant of one unit.
pub fn grant_shape(role: GrantedRole, has_unit: bool) -> Result<(), ProvisioningRefusal> {
    match (role, has_unit) {
        (GrantedRole::Admin, false) | (GrantedRole::Coordinator, true) => Ok(()),
        _ => Err(ProvisioningRefusal::GrantUnitMismatch),
    }
}

/// Revoking `role` leaves `admins_after` administrators: none is refused, since nobody could
/// then grant anything (the CLI's `chorus admin add` is the only way back).
pub fn may_revoke(role: GrantedRole, admins_after: usize) -> Result<(), ProvisioningRefusal> {
    if role == GrantedRole::Admin && admins_after == 0 {
        return Err(ProvisioningRefusal::LastAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes() {
        assert_eq!(unit_code(" ball "), Ok("BALL".into()));
        assert_eq!(unit_code("UAS-IT_2"), Ok("UAS-IT_2".into()));
        assert_eq!(
            unit_code(&"A".repeat(MAX_UNIT_CODE)).map(|c| c.len()),
            Ok(16)
        );
        for bad in [
            "",
            "  ",
            "BAL L",
            "BALL!",
            "É",
            &"A".repeat(MAX_UNIT_CODE + 1),
        ] {
            assert_eq!(
                unit_code(bad),
                Err(ProvisioningRefusal::InvalidUnitCode),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(username(" abcd1234 "), Ok("abcd1234".into()));
        assert_eq!(
            username("A.B@example.ac.uk"),
            Ok("A.B@example.ac.uk".into())
        );
        for bad in [
            "",
            " ",
            "a b",
            "a\tb",
            "a\u{0}b",
            &"x".repeat(MAX_USERNAME + 1),
        ] {
            assert_eq!(
                username(bad),
                Err(ProvisioningRefusal::InvalidUsername),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names() {
        assert_eq!(name("  Balliol College "), Ok("Balliol College".into()));
        assert_eq!(
            name(&"é".repeat(MAX_NAME)).map(|n| n.chars().count()),
            Ok(200)
        );
        for bad in ["", "   ", "a\nb", &"é".repeat(MAX_NAME + 1)] {
            assert_eq!(name(bad), Err(ProvisioningRefusal::InvalidName), "{bad:?}");
        }
    }

    #[test]
    fn external_ids() {
        assert_eq!(external_id(" 00123456 "), Ok("00123456".into()));
        assert_eq!(
            external_id("3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
            Ok("3f2504e0-4f89-11d3-9a0c-0305e82c3301".into())
        );
        assert_eq!(external_id("HR 42"), Ok("HR 42".into()));
        assert_eq!(
            external_id(&"é".repeat(MAX_EXTERNAL_ID)).map(|k| k.chars().count()),
            Ok(MAX_EXTERNAL_ID)
        );
        for bad in [
            "",
            "   ",
            "a\nb",
            "a\u{0}b",
            "a\u{7f}b",
            &"x".repeat(MAX_EXTERNAL_ID + 1),
        ] {
            assert_eq!(
                external_id(bad),
                Err(ProvisioningRefusal::InvalidExternalId),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_unit_is_never_its_own_ancestor() {
        let [a, b, c, d] = [(); 4].map(|()| Uuid::now_v7());
        // (unit, the new parent's chain to the top, allowed)
        let cases: [(Uuid, Vec<Uuid>, bool); 6] = [
            (a, vec![], true),
            (a, vec![b], true),
            (a, vec![b, c, d], true),
            (a, vec![a], false),
            (a, vec![b, a], false),
            (a, vec![d, c, b, a, d], false),
        ];
        for (unit, chain, allowed) in cases {
            let expected = if allowed {
                Ok(())
            } else {
                Err(ProvisioningRefusal::UnitCycle)
            };
            assert_eq!(parent_allowed(unit, &chain), expected, "{chain:?}");
        }
        let refusal = ProvisioningRefusal::UnitCycle;
        assert_eq!(refusal.code(), "UNIT_CYCLE");
        assert_eq!(
            crate::error::RuleRefusal::user_error_code(&refusal),
            crate::error::UserErrorCode::RuleViolation
        );
    }

    #[test]
    fn external_ids_are_seen_by_admins_and_the_units_coordinators() {
        use crate::auth::{PrincipalKind, Role};
        use std::collections::BTreeSet;
        let (unit, other_unit, me) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let person = |roles: &[Role], units: &[Uuid]| Principal {
            username: "p".into(),
            kind: PrincipalKind::Person,
            person_id: Some(me),
            roles: roles.iter().copied().chain([Role::User]).collect(),
            units: units.iter().copied().collect(),
            scopes: BTreeSet::new(),
        };
        let cases = [
            ("admin", person(&[Role::Admin], &[]), true),
            ("coordinator", person(&[Role::Coordinator], &[unit]), true),
            (
                "other coordinator",
                person(&[Role::Coordinator], &[other_unit]),
                false,
            ),
            ("colleague", person(&[], &[]), false),
            ("service", Principal::system("feed", &["directory"]), false),
        ];
        for (who, principal, sees) in cases {
            assert_eq!(can_see_external_id(&principal, unit), sees, "{who}");
        }
    }

    #[test]
    fn grants_and_the_last_admin() {
        assert_eq!(grant_shape(GrantedRole::Admin, false), Ok(()));
        assert_eq!(grant_shape(GrantedRole::Coordinator, true), Ok(()));
        assert_eq!(
            grant_shape(GrantedRole::Admin, true),
            Err(ProvisioningRefusal::GrantUnitMismatch)
        );
        assert_eq!(
            grant_shape(GrantedRole::Coordinator, false),
            Err(ProvisioningRefusal::GrantUnitMismatch)
        );
        assert_eq!(may_revoke(GrantedRole::Admin, 1), Ok(()));
        assert_eq!(
            may_revoke(GrantedRole::Admin, 0),
            Err(ProvisioningRefusal::LastAdmin)
        );
        assert_eq!(may_revoke(GrantedRole::Coordinator, 0), Ok(()));
    }
}

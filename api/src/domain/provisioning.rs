//! Putting the university in: what a unit code and a username may look like, who may create
//! whom, and the role grants (an installation always keeps one administrator).
//!
//! The source documents say who does what (administrators everything, telephone coordinators
//! the people of their units) but not the spelling of keys; the choices are stated on each item.

use entity::enums::GrantedRole;

/// Longest unit code. University codes are short (`BALL`, `UAS-IT`); 16 leaves room.
pub const MAX_UNIT_CODE: usize = 16;

/// Longest SSO username: identity providers send user principal names
/// (`a.b@example.ac.uk`), so this is an e-mail address's length, not a short login.
pub const MAX_USERNAME: usize = 254;

/// Longest unit or person name.
pub const MAX_NAME: usize = 200;

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
        }
    }
}

impl crate::error::RuleRefusal for ProvisioningRefusal {
    fn user_error_code(&self) -> crate::error::UserErrorCode {
        use crate::error::UserErrorCode;
        match self {
            Self::LastAdmin => UserErrorCode::RuleViolation,
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

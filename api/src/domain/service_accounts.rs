//! Service accounts: what an account's name may look like and which scopes exist.
//!
//! A service account is an automation client (the PBX, a nightly feed, the project's own
//! scripts). Its name is the subject of its tokens, so it is kept short and plain; its scopes
//! are a closed set: a scope that no code checks would grant nothing and hide a typing error.

use std::collections::BTreeSet;

/// Every scope the server checks, and what it allows. A new `ScopeGuard::new("…")` or
/// `has_scope("…")` adds its scope here.
pub const KNOWN_SCOPES: [&str; 5] = [
    // Recording call records from the PBX (`recordCalls`).
    "calls:write",
    // Delivering voicemail from the PBX (`POST /pbx/voicemail`).
    "voicemail:write",
    // Seeing ex-directory entries in the directory.
    super::directory::EX_DIRECTORY_SCOPE,
    // Running the project's side of the move to Teams: tranches, moves, the Chorus upgrade.
    "cutover:write",
    // Assigning and revoking Teams licences.
    "licences:write",
];

/// Shortest service account name.
pub const MIN_NAME: usize = 3;

/// Longest service account name.
pub const MAX_NAME: usize = 64;

/// Most scopes one account may list (there are only [`KNOWN_SCOPES`]; this bounds the input).
pub const MAX_SCOPES: usize = 32;

/// Why a service account request was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServiceAccountRefusal {
    /// The name breaks the name rule (see [`name`]).
    #[error(
        "a service account name has {MIN_NAME} to {MAX_NAME} lower-case letters, digits, '-', \
         '_' or '.', and starts with a letter"
    )]
    InvalidName,
    /// A scope the server does not know.
    #[error("unknown scope {0:?}: the scopes are {scopes}", scopes = KNOWN_SCOPES.join(", "))]
    UnknownScope(String),
    /// More scopes than [`MAX_SCOPES`].
    #[error("at most {MAX_SCOPES} scopes")]
    TooManyScopes,
}

impl ServiceAccountRefusal {
    /// The stable code scripts match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidName => "INVALID_SERVICE_ACCOUNT_NAME",
            Self::UnknownScope(_) => "UNKNOWN_SCOPE",
            Self::TooManyScopes => "TOO_MANY_SCOPES",
        }
    }
}

impl crate::error::RuleRefusal for ServiceAccountRefusal {
    fn user_error_code(&self) -> crate::error::UserErrorCode {
        crate::error::UserErrorCode::Invalid
    }

    fn reason(&self) -> &'static str {
        self.code()
    }
}

/// A service account name as stored: trimmed and lower-cased; ASCII letters, digits, `-`, `_`
/// and `.`, starting with a letter, [`MIN_NAME`] to [`MAX_NAME`] characters. No `:` (the
/// server's own actors are `system:…`), no `@` (a person's username looks like an address),
/// no spaces (the name is a token's subject and appears in the audit trail).
pub fn name(input: &str) -> Result<String, ServiceAccountRefusal> {
    let name = input.trim().to_ascii_lowercase();
    let valid = (MIN_NAME..=MAX_NAME).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    valid
        .then_some(name)
        .ok_or(ServiceAccountRefusal::InvalidName)
}

/// The scopes as a set: each trimmed, duplicates merged; an unknown scope is refused with its
/// position in the input.
pub fn scopes(input: &[String]) -> Result<BTreeSet<&'static str>, (usize, ServiceAccountRefusal)> {
    if input.len() > MAX_SCOPES {
        return Err((0, ServiceAccountRefusal::TooManyScopes));
    }
    input
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let s = s.trim();
            KNOWN_SCOPES
                .iter()
                .find(|k| **k == s)
                .copied()
                .ok_or_else(|| (i, ServiceAccountRefusal::UnknownScope(s.to_owned())))
        })
        .collect()
}

/// The stored form of a scope set: space-separated, in order (what tokens read back).
pub fn stored_scopes(scopes: &BTreeSet<&'static str>) -> String {
    scopes.iter().copied().collect::<Vec<_>>().join(" ")
}

/// The scopes of a stored value, in stored order.
pub fn read_scopes(stored: &str) -> Vec<String> {
    stored.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for (input, stored) in [
            ("pbx", "pbx"),
            ("  PBX-Ingest ", "pbx-ingest"),
            ("hr.feed_2", "hr.feed_2"),
            (&"a".repeat(MAX_NAME), &"a".repeat(MAX_NAME)),
        ] {
            assert_eq!(name(input), Ok(stored.to_owned()), "{input:?}");
        }
        for bad in [
            "",
            "ab",
            "   ",
            "1pbx",
            "-pbx",
            "pbx feed",
            "system:cli",
            "a.b@example.ac.uk",
            "pb\nx",
            "pbx\u{0}x",
            "péx",
            &"a".repeat(MAX_NAME + 1),
        ] {
            assert_eq!(
                name(bad),
                Err(ServiceAccountRefusal::InvalidName),
                "{bad:?}"
            );
        }
    }

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn scopes_are_a_closed_set() {
        assert_eq!(scopes(&[]), Ok(BTreeSet::new()));
        assert_eq!(
            scopes(&strings(&[
                " voicemail:write",
                "calls:write",
                "calls:write"
            ])),
            Ok(BTreeSet::from(["calls:write", "voicemail:write"]))
        );
        for (input, at, unknown) in [
            (vec!["calls:write", "calls:read"], 1, "calls:read"),
            (vec!["CALLS:WRITE"], 0, "CALLS:WRITE"),
            (vec!["calls:write", ""], 1, ""),
            (vec!["scim"], 0, "scim"),
            (
                vec!["calls:write voicemail:write"],
                0,
                "calls:write voicemail:write",
            ),
        ] {
            assert_eq!(
                scopes(&strings(&input)),
                Err((at, ServiceAccountRefusal::UnknownScope(unknown.into()))),
                "{input:?}"
            );
        }
        let many = vec!["calls:write".to_owned(); MAX_SCOPES + 1];
        assert_eq!(
            scopes(&many),
            Err((0, ServiceAccountRefusal::TooManyScopes))
        );
    }

    #[test]
    fn every_known_scope_is_one_word_and_round_trips() {
        let all: BTreeSet<&str> = KNOWN_SCOPES.into_iter().collect();
        assert_eq!(all.len(), KNOWN_SCOPES.len(), "no scope twice");
        assert!(all.contains(super::super::directory::EX_DIRECTORY_SCOPE));
        for s in KNOWN_SCOPES {
            assert!(!s.is_empty() && !s.contains(char::is_whitespace), "{s:?}");
        }
        let stored = stored_scopes(&all);
        assert_eq!(
            read_scopes(&stored),
            all.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        );
        assert_eq!(read_scopes(""), Vec::<String>::new());
    }

    #[test]
    fn refusals_have_stable_codes() {
        use crate::error::{RuleRefusal, UserErrorCode};
        assert_eq!(
            ServiceAccountRefusal::UnknownScope("x".into()).reason(),
            "UNKNOWN_SCOPE"
        );
        assert_eq!(
            ServiceAccountRefusal::InvalidName.user_error_code(),
            UserErrorCode::Invalid
        );
    }
}

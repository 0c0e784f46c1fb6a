//! E-mail addresses, validated once at the edge (ARCHITECTURE.md, Conventions).

use std::fmt;

use super::text::Quoted;

/// The longest address accepted (RFC 5321's path limit less the angle brackets).
pub const MAX_LEN: usize = 254;

/// An e-mail address a person, or their voicemail, is reached at, e.g. `a.b@example.ac.uk`.
///
/// The rule: lettre's parser accepts it (the RFC 5321 local part and domain checks of the
/// `email_address` crate, the same the notice sender applies before it sends, with IDNA for
/// non-ASCII domains), and, more conservatively than the RFC: at most [`MAX_LEN`] bytes, one
/// `@`, no whitespace or control characters (so no quoted local parts with spaces), and a
/// host name of at least two labels of letters, digits and hyphens, the last not all digits
/// (no `user@localhost`, `user@[10.0.0.1]`, `user@10.0.0.1` or `user@under_score.org`). Deliverability is the mail system's business; this
/// catches typing slips and values no mail system would take. Kept as typed, trimmed;
/// [`EmailAddress::key`] is the form two addresses are compared in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

/// Why an address was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not an e-mail address like name@example.ac.uk")]
pub struct NotAnEmail(Quoted);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, NotAnEmail> {
        let address = input.trim();
        let refused = || NotAnEmail(Quoted::new(input));
        if address.is_empty()
            || address.len() > MAX_LEN
            || address.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(refused());
        }
        let (local, domain) = address.split_once('@').ok_or_else(refused)?;
        let labels: Vec<&str> = domain.split('.').collect();
        let plain_domain = labels.len() >= 2
            && labels.iter().all(|l| !l.is_empty())
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
            && labels
                .last()
                .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
        if local.is_empty() || !plain_domain || address.parse::<lettre::Address>().is_err() {
            return Err(refused());
        }
        Ok(Self(address.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as compared with others: lowercased, since mail systems treat the domain,
    /// and in practice the local part, without regard to case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_type_are_accepted() {
        for (input, kept) in [
            ("a.b@example.ac.uk", "a.b@example.ac.uk"),
            ("  x+vm@it.ox.ac.uk ", "x+vm@it.ox.ac.uk"),
            ("O'Brien@Example.COM", "O'Brien@Example.COM"),
            ("zoë@bücher.example", "zoë@bücher.example"),
        ] {
            assert_eq!(
                EmailAddress::parse(input).map(|a| a.to_string()),
                Ok(kept.to_owned()),
                "{input}"
            );
        }
        assert_eq!(
            EmailAddress::parse("Ann@Example.com").map(|a| a.key()),
            Ok("ann@example.com".to_owned())
        );
    }

    #[test]
    fn slips_and_oddities_are_refused() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "   ",
            "nobody",
            "@example.com",
            "a@",
            "a@b",
            "a@localhost",
            "a@@b.com",
            "a@b@c.com",
            "a b@c.com",
            "\"a b\"@c.com",
            "a@.com",
            "a@b.com.",
            "a@b..com",
            "a@-b.com",
            "a@[10.0.0.1]",
            "a@10.0.0.1",
            "a@b\n.com",
            "a\u{0}@b.com",
            "a..b@c.com",
            ".a@c.com",
            "a@exa mple.com",
            "a@exa_mple.com",
            long.as_str(),
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn the_refusal_quotes_an_excerpt() {
        let huge = "x".repeat(1 << 20);
        let message = EmailAddress::parse(&huge)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.len() < 120, "{message}");
        assert!(message.contains("is not an e-mail address"));
    }
}

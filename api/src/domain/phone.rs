//! Telephone numbers, validated once at the edge (ARCHITECTURE.md, Conventions). Parsing uses libphonenumber's
//! metadata (the `phonenumber` crate); national numbers are read as UK numbers.

use std::fmt;

use super::text::Quoted;

/// A valid telephone number in E.164 form, e.g. `+441865270000`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

/// Why a number was refused. The message quotes a short excerpt of the input ([`Quoted`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("{0} is not a telephone number")]
    NotANumber(Quoted),
    #[error("{0} is not a valid number for its country")]
    Invalid(Quoted),
    #[error("{0} is not a five-digit extension")]
    NotAnExtension(Quoted),
}

impl E164 {
    /// The one number rule of the API: every entry point (lines, whitelists, group
    /// destinations, invitations, `routeCall`, the PBX's reports) reads numbers with it, so a
    /// number one of them accepts, all accept.
    ///
    /// Reads international (`+44 1865 270000`, `0044…`) or UK national (`01865 270000`) input,
    /// with any spaces, dots, dashes or brackets, and requires a well-formed number: a known
    /// country code and 4 to 14 national digits. It does not require the number to be in use
    /// in today's numbering plan: the PBX reports calls from ranges the metadata does not know
    /// yet, and Ofcom's ranges for drama and tests (`+44 1632 960…`, `+44 7700 900…`) are real
    /// enough for a whitelist, a test line or a call.
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.len() > 40 {
            return Err(NumberError::NotANumber(Quoted::new(input)));
        }
        let normalised = match trimmed.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => trimmed.to_owned(),
        };
        let number = phonenumber::parse(Some(phonenumber::country::Id::GB), &normalised)
            .map_err(|_| NumberError::NotANumber(Quoted::new(input)))?;
        let national_digits = number.national().value().to_string().len();
        if !(4..=14).contains(&national_digits) {
            return Err(NumberError::Invalid(Quoted::new(input)));
        }
        Ok(Self(
            number.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits only, without the `+`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An internal five-digit extension, e.g. `70000`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Extension(String);

impl Extension {
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        let t = input.trim();
        if t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(t.to_owned()))
        } else {
            Err(NumberError::NotAnExtension(Quoted::new(input)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a caller dialled: an internal extension or a full number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dialled {
    Extension(Extension),
    Number(E164),
}

impl Dialled {
    /// Reads dialled digits: five digits are an extension, anything else must be a
    /// well-formed number ([`E164::parse`]).
    pub fn parse(input: &str) -> Result<Self, NumberError> {
        match Extension::parse(input) {
            Ok(ext) => Ok(Self::Extension(ext)),
            Err(_) => E164::parse(input).map(Self::Number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_many_spellings_become_e164() {
        let cases = [
            ("+44 1865 270000", "+441865270000"),
            ("01865 270000", "+441865270000"),
            ("(01865) 270-000", "+441865270000"),
            ("0044 1865 270000", "+441865270000"),
            ("+44 20 7946 0958", "+442079460958"),
            ("+1 650 253 0000", "+16502530000"),
            ("07911 123456", "+447911123456"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                E164::parse(input).map(|n| n.to_string()),
                Ok(expected.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn rubbish_is_refused_with_a_reason() {
        for input in ["", "hello", "+", "+44", "12", "+999 123", &"9".repeat(50)] {
            assert!(E164::parse(input).is_err(), "{input:?} must be refused");
        }
    }

    #[test]
    fn one_rule_for_every_entry_point() {
        // Ofcom's drama and test ranges are well-formed: accepted everywhere alike.
        let cases = [
            ("+44 1632 960555", "+441632960555"),
            ("01632 960555", "+441632960555"),
            ("0044 1632 960555", "+441632960555"),
            ("07700 900123", "+447700900123"),
            ("+44 (0)1632 960-555", "+441632960555"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                E164::parse(input).map(|n| n.to_string()),
                Ok(expected.to_owned()),
                "{input}"
            );
            assert_eq!(
                Dialled::parse(input),
                Ok(Dialled::Number(E164(expected.to_owned()))),
                "{input}"
            );
        }
        assert!(E164::parse("12").is_err());
        assert!(matches!(
            Dialled::parse("+44 7700 900123"),
            Ok(Dialled::Number(_))
        ));
    }

    #[test]
    fn refusals_quote_only_an_excerpt() {
        let huge = "9".repeat(1 << 20);
        for refusal in [
            E164::parse(&huge).err(),
            Extension::parse(&huge).err(),
            Dialled::parse(&huge).err(),
        ] {
            let message = refusal.map(|e| e.to_string()).unwrap_or_default();
            assert!(
                !message.is_empty() && message.len() < 120,
                "{}",
                &message[..message.len().min(200)]
            );
        }
    }

    #[test]
    fn five_digits_are_an_extension() {
        assert_eq!(
            Dialled::parse("70000"),
            Ok(Dialled::Extension(Extension("70000".into())))
        );
        assert!(matches!(
            Dialled::parse("01865 270000"),
            Ok(Dialled::Number(_))
        ));
        assert!(Extension::parse("7000").is_err());
        assert!(Extension::parse("7000a").is_err());
    }
}

//! `BlobKey`: the only place that knows how blobs are named in the store.
//!
//! ```text
//! voicemail/<mailbox line uuid>/<voicemail uuid>.<ext>   original recording, written once
//! rendition/<voicemail uuid>.wav                         16-bit PCM copy, may be rewritten
//! greeting/<line uuid>/<greeting uuid>.<ext>             mailbox greeting, written once
//! ```
//!
//! UUIDs are lower-case hyphenated; `<ext>` is the probed container's extension
//! ([`Container::extension`]), never a client-supplied file name. Parsing is strict, so that
//! `parse(key.to_string()) == key` and anything else in the bucket is reported, not guessed at.

use std::fmt;
use std::str::FromStr;

use object_store::path::Path;
use uuid::Uuid;

use crate::audio::Container;

const VOICEMAIL: &str = "voicemail";
const RENDITION: &str = "rendition";
const GREETING: &str = "greeting";

/// Where one blob lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobKey {
    /// A voicemail as the PBX delivered it.
    Voicemail {
        mailbox: Uuid,
        voicemail: Uuid,
        container: Container,
    },
    /// A 16-bit PCM WAV decoded from a voicemail, for players that cannot play the original.
    Rendition { voicemail: Uuid },
    /// A mailbox greeting.
    Greeting {
        line: Uuid,
        greeting: Uuid,
        container: Container,
    },
}

impl BlobKey {
    pub fn voicemail(mailbox: Uuid, voicemail: Uuid, container: Container) -> Self {
        BlobKey::Voicemail {
            mailbox,
            voicemail,
            container,
        }
    }

    pub fn rendition(voicemail: Uuid) -> Self {
        BlobKey::Rendition { voicemail }
    }

    pub fn greeting(line: Uuid, greeting: Uuid, container: Container) -> Self {
        BlobKey::Greeting {
            line,
            greeting,
            container,
        }
    }

    /// The object_store path of this blob.
    pub fn path(&self) -> Path {
        // Every part is a UUID or a fixed word, so the string is always a valid path.
        Path::from(self.to_string())
    }

    /// The container of the blob's bytes (renditions are always WAV).
    pub fn container(&self) -> Container {
        match self {
            BlobKey::Voicemail { container, .. } | BlobKey::Greeting { container, .. } => {
                *container
            }
            BlobKey::Rendition { .. } => Container::Wav,
        }
    }

    /// Originals are written once: a second write under the same key is refused rather than
    /// silently replacing a recording. Renditions are derived and may be written again.
    pub fn is_write_once(&self) -> bool {
        !matches!(self, BlobKey::Rendition { .. })
    }

    /// Parses a key back from a store path, e.g. while listing for fsck.
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let invalid = || KeyError { key: s.to_owned() };
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [VOICEMAIL, mailbox, file] => {
                let (voicemail, container) = split_file(file).ok_or_else(invalid)?;
                Ok(BlobKey::Voicemail {
                    mailbox: parse_uuid(mailbox).ok_or_else(invalid)?,
                    voicemail,
                    container,
                })
            }
            [RENDITION, file] => match split_file(file) {
                Some((voicemail, Container::Wav)) => Ok(BlobKey::Rendition { voicemail }),
                _ => Err(invalid()),
            },
            [GREETING, line, file] => {
                let (greeting, container) = split_file(file).ok_or_else(invalid)?;
                Ok(BlobKey::Greeting {
                    line: parse_uuid(line).ok_or_else(invalid)?,
                    greeting,
                    container,
                })
            }
            _ => Err(invalid()),
        }
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobKey::Voicemail {
                mailbox,
                voicemail,
                container,
            } => {
                write!(
                    f,
                    "{VOICEMAIL}/{mailbox}/{voicemail}.{}",
                    container.extension()
                )
            }
            BlobKey::Rendition { voicemail } => write!(f, "{RENDITION}/{voicemail}.wav"),
            BlobKey::Greeting {
                line,
                greeting,
                container,
            } => {
                write!(f, "{GREETING}/{line}/{greeting}.{}", container.extension())
            }
        }
    }
}

impl FromStr for BlobKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BlobKey::parse(s)
    }
}

impl TryFrom<&Path> for BlobKey {
    type Error = KeyError;

    fn try_from(path: &Path) -> Result<Self, Self::Error> {
        BlobKey::parse(path.as_ref())
    }
}

/// A group of keys to list: everything, one kind, or one mailbox's / line's blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobPrefix {
    Voicemails,
    Mailbox(Uuid),
    Renditions,
    Greetings,
    Line(Uuid),
}

impl BlobPrefix {
    pub fn path(&self) -> Path {
        Path::from(match self {
            BlobPrefix::Voicemails => VOICEMAIL.to_owned(),
            BlobPrefix::Mailbox(mailbox) => format!("{VOICEMAIL}/{mailbox}"),
            BlobPrefix::Renditions => RENDITION.to_owned(),
            BlobPrefix::Greetings => GREETING.to_owned(),
            BlobPrefix::Line(line) => format!("{GREETING}/{line}"),
        })
    }
}

/// A path that is not in the key format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a voicemail blob key: {key:?}")]
pub struct KeyError {
    pub key: String,
}

/// `<uuid>.<ext>` with a known extension.
fn split_file(file: &str) -> Option<(Uuid, Container)> {
    let (stem, ext) = file.split_once('.')?;
    Some((parse_uuid(stem)?, Container::from_extension(ext)?))
}

/// Only the canonical form, so that every key has exactly one spelling.
fn parse_uuid(s: &str) -> Option<Uuid> {
    let id = Uuid::try_parse(s).ok()?;
    (id.hyphenated().to_string() == s).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAILBOX: Uuid = Uuid::from_u128(0x0191_abcd_0000_7000_8000_0000_0000_0001);
    const VM: Uuid = Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_0002);

    #[test]
    fn every_kind_of_key_round_trips_through_its_path() {
        let keys = [
            BlobKey::voicemail(MAILBOX, VM, Container::Wav),
            BlobKey::voicemail(MAILBOX, VM, Container::Mp4),
            BlobKey::rendition(VM),
            BlobKey::greeting(MAILBOX, VM, Container::Mp3),
        ];
        for key in keys {
            let path = key.path();
            assert_eq!(BlobKey::try_from(&path), Ok(key), "{path}");
            assert_eq!(path.as_ref().parse::<BlobKey>(), Ok(key));
        }
    }

    #[test]
    fn key_format_is_the_documented_one() {
        assert_eq!(
            BlobKey::voicemail(MAILBOX, VM, Container::Mp4).to_string(),
            "voicemail/0191abcd-0000-7000-8000-000000000001/01910000-0000-7000-8000-000000000002.m4a"
        );
        assert_eq!(
            BlobKey::rendition(VM).to_string(),
            "rendition/01910000-0000-7000-8000-000000000002.wav"
        );
    }

    #[test]
    fn anything_not_in_the_key_format_is_refused() {
        let vm = VM.to_string();
        let mb = MAILBOX.to_string();
        let bad = [
            String::new(),
            "voicemail".to_owned(),
            format!("voicemail/{mb}/{vm}"),
            format!("voicemail/{mb}/{vm}.exe"),
            format!("voicemail/{mb}/{vm}.WAV"),
            format!("voicemail/{}/{vm}.wav", mb.to_uppercase()),
            format!("voicemail/{}/{vm}.wav", MAILBOX.simple()),
            format!("voicemail/{mb}/{vm}.wav/extra"),
            format!("voicemail/{mb}/../{vm}.wav"),
            format!("rendition/{vm}.mp3"),
            format!("greeting/{vm}.wav"),
            format!("voicemail/{mb}/{vm}.wav#1"),
            format!("other/{mb}/{vm}.wav"),
        ];
        for s in bad {
            assert!(BlobKey::parse(&s).is_err(), "{s:?} parsed");
        }
    }

    #[test]
    fn prefixes_contain_their_keys() {
        let key = BlobKey::voicemail(MAILBOX, VM, Container::Wav).path();
        assert!(key.prefix_matches(&BlobPrefix::Voicemails.path()));
        assert!(key.prefix_matches(&BlobPrefix::Mailbox(MAILBOX).path()));
        assert!(!key.prefix_matches(&BlobPrefix::Mailbox(VM).path()));
        assert!(!key.prefix_matches(&BlobPrefix::Renditions.path()));
        assert!(
            BlobKey::rendition(VM)
                .path()
                .prefix_matches(&BlobPrefix::Renditions.path())
        );
    }

    #[test]
    fn only_originals_are_write_once() {
        assert!(BlobKey::voicemail(MAILBOX, VM, Container::Wav).is_write_once());
        assert!(BlobKey::greeting(MAILBOX, VM, Container::Wav).is_write_once());
        assert!(!BlobKey::rendition(VM).is_write_once());
    }
}

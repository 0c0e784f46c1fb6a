//! Signed audio URLs: a short-lived token in the query string lets an `<audio src>` (which
//! cannot send an `Authorization` header) play one voicemail.
//!
//! The token is a JWT of its own kind (RFC 8725 §3.12): `typ: media+jwt`, audience
//! `chorus-media`, signed HS256 with the media secret, which is never the access-token key. So
//! it is useless as an access token (wrong `typ`, wrong key, wrong audience), and an access
//! token is useless as a media token. `sub` is the voicemail's id, checked against the URL,
//! so one URL cannot fetch another voicemail.

use std::{path::Path, time::Duration};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuthError;

/// The `typ` header of media tokens.
pub const MEDIA_TOKEN_TYP: &str = "media+jwt";
/// The audience of media tokens.
pub const MEDIA_AUDIENCE: &str = "chorus-media";
/// The longest a signed URL may live.
pub const MAX_TTL: Duration = Duration::from_secs(3600);

/// Claims of a media token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaClaims {
    pub iss: String,
    pub aud: String,
    /// The voicemail the URL plays.
    pub sub: Uuid,
    pub exp: i64,
    pub iat: i64,
    /// Who asked for the URL (for the log; the URL itself is the permission).
    pub by: String,
}

/// Signs and checks media tokens.
#[derive(Clone)]
pub struct MediaKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
}

impl MediaKeys {
    /// From a configured secret, or one generated once in `<data dir>/media-secret`.
    pub fn load(secret: Option<&str>, data_dir: &Path, issuer: &str) -> anyhow::Result<Self> {
        let secret = match secret {
            Some(s) => s.as_bytes().to_vec(),
            None => load_or_create(&data_dir.join("media-secret"))?,
        };
        Ok(Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            issuer: issuer.to_owned(),
        })
    }

    /// A token for `voicemail`, valid for `ttl` (at most [`MAX_TTL`]).
    pub fn sign(&self, voicemail: Uuid, by: &str, ttl: Duration) -> Result<String, AuthError> {
        let now = chrono::Utc::now().timestamp();
        let claims = MediaClaims {
            iss: self.issuer.clone(),
            aud: MEDIA_AUDIENCE.to_owned(),
            sub: voicemail,
            exp: now + ttl.min(MAX_TTL).as_secs() as i64,
            iat: now,
            by: by.to_owned(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(MEDIA_TOKEN_TYP.into());
        encode(&header, &claims, &self.encoding).map_err(|e| AuthError::Invalid(e.to_string()))
    }

    /// Checks a token for `voicemail`: signature, `typ`, audience, issuer, expiry (no leeway:
    /// the URL's lifetime is what the client asked for) and the voicemail it names.
    pub fn verify(&self, token: &str, voicemail: Uuid) -> Result<MediaClaims, AuthError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if header.typ.as_deref() != Some(MEDIA_TOKEN_TYP) {
            return Err(AuthError::Invalid(format!("typ must be {MEDIA_TOKEN_TYP}")));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[MEDIA_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = decode::<MediaClaims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid(e.to_string()),
            })?;
        if claims.sub != voicemail {
            return Err(AuthError::Invalid(
                "this link is for another voicemail".into(),
            ));
        }
        Ok(claims)
    }
}

/// Reads the secret, creating 32 random bytes (base64, mode 0600) on first use.
fn load_or_create(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Write as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    match std::fs::read_to_string(path) {
        Ok(text) => b64
            .decode(text.trim())
            .map_err(|e| anyhow::anyhow!("{} is not base64: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = vec![0u8; 32];
            rand::rng().fill_bytes(&mut secret);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(path) {
                Ok(mut file) => {
                    file.write_all(b64.encode(&secret).as_bytes())
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                    Ok(secret)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path),
                Err(e) => Err(anyhow::anyhow!("cannot create {}: {e}", path.display())),
            }
        }
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> MediaKeys {
        MediaKeys::load(Some(secret), Path::new("/nonexistent"), "chorus").expect("keys")
    }

    #[test]
    fn a_token_plays_its_own_voicemail_only() {
        let keys = keys("0123456789abcdef0123456789abcdef");
        let (vm, other) = (Uuid::now_v7(), Uuid::now_v7());
        let token = keys
            .sign(vm, "alice", Duration::from_secs(60))
            .expect("signed");
        assert_eq!(keys.verify(&token, vm).map(|c| c.sub), Ok(vm));
        assert!(matches!(
            keys.verify(&token, other),
            Err(AuthError::Invalid(_))
        ));
    }

    #[test]
    fn another_secret_or_an_expired_token_is_refused() {
        let vm = Uuid::now_v7();
        let token = keys("0123456789abcdef0123456789abcdef")
            .sign(vm, "alice", Duration::from_secs(60))
            .expect("signed");
        assert!(
            keys("another-secret-another-secret-xx")
                .verify(&token, vm)
                .is_err()
        );
        let expired = keys("0123456789abcdef0123456789abcdef")
            .sign(vm, "alice", Duration::ZERO)
            .expect("signed");
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            keys("0123456789abcdef0123456789abcdef").verify(&expired, vm),
            Err(AuthError::Expired)
        );
    }
}

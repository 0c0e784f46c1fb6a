//! Token keys. One algorithm is pinned per deployment: HS256 with a generated secret for local
//! use, or RS256/EdDSA with a public key in production. The `alg` in a token header is never
//! trusted; `typ` must be `at+jwt` (RFC 9068) so other token kinds cannot be replayed here.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore as _;

use crate::config::{AuthSettings, KeySource};

use super::{claims::AccessClaims, principal::SubjectCache};

/// The media type put in the `typ` header of access tokens.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECONDS: u64 = 30;

/// Why a token was refused. Reaches clients only as UNAUTHENTICATED with this text.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum AuthError {
    #[error("no bearer token was sent")]
    Missing,
    #[error("the Authorization header is not a bearer token")]
    Malformed,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid: {0}")]
    Invalid(String),
    /// The token is well signed but names no person or service account we know (any more).
    #[error("the token is not valid: its subject is not a known person or service account")]
    UnknownSubject,
    /// The subject could not be looked up (the database did not answer).
    #[error("the token cannot be checked now; try again later")]
    Unavailable,
}

impl AuthError {
    /// The HTTP status of the refusal: 401, or 503 when the check itself failed.
    pub fn status(&self) -> axum::http::StatusCode {
        match self {
            Self::Unavailable => axum::http::StatusCode::SERVICE_UNAVAILABLE,
            _ => axum::http::StatusCode::UNAUTHORIZED,
        }
    }

    /// The `extensions.code` of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unavailable => "INTERNAL",
            _ => "UNAUTHENTICATED",
        }
    }
}

/// Keys and validation rules for access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    algorithm: Algorithm,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    issuer: String,
    audience: String,
    /// Token subjects found recently (see [`super::principal::authenticate_known`]).
    pub(crate) subjects: std::sync::Arc<SubjectCache>,
}

/// Failure to load keys at start-up.
/// A token that does not verify is, to the caller, no credentials at all.
impl From<AuthError> for crate::error::ApiError {
    fn from(_: AuthError) -> Self {
        Self::Unauthenticated
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path} is not a valid key: {reason}")]
    Bad { path: PathBuf, reason: String },
}

impl TokenKeys {
    /// Loads (or on first use generates) the keys described by the settings.
    pub fn load(settings: &AuthSettings, data_dir: &Path) -> Result<Self, KeyError> {
        let (algorithm, decoding, encoding) = match &settings.key {
            KeySource::GeneratedSecret => {
                let secret = load_or_create_secret(&data_dir.join("jwt-secret"))?;
                (
                    Algorithm::HS256,
                    DecodingKey::from_secret(&secret),
                    Some(EncodingKey::from_secret(&secret)),
                )
            }
            KeySource::PublicKey {
                algorithm,
                pem_file,
            } => {
                let pem = read(pem_file)?;
                let bad = |e: jsonwebtoken::errors::Error| KeyError::Bad {
                    path: pem_file.clone(),
                    reason: e.to_string(),
                };
                let decoding = match algorithm {
                    Algorithm::EdDSA => DecodingKey::from_ed_pem(&pem).map_err(bad)?,
                    _ => DecodingKey::from_rsa_pem(&pem).map_err(bad)?,
                };
                let encoding = match &settings.private_key_file {
                    None => None,
                    Some(file) => {
                        let pem = read(file)?;
                        let bad = |e: jsonwebtoken::errors::Error| KeyError::Bad {
                            path: file.clone(),
                            reason: e.to_string(),
                        };
                        Some(match algorithm {
                            Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem).map_err(bad)?,
                            _ => EncodingKey::from_rsa_pem(&pem).map_err(bad)?,
                        })
                    }
                };
                (*algorithm, decoding, encoding)
            }
        };
        Ok(Self {
            algorithm,
            decoding,
            encoding,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            subjects: std::sync::Arc::new(SubjectCache::new(settings.subject_cache)),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Signs access claims; fails when this deployment holds no signing key.
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, AuthError> {
        let key = self.encoding.as_ref().ok_or_else(|| {
            AuthError::Invalid(
                "this deployment verifies tokens with a public key and holds no signing key \
                 (set CHORUS_JWT_PRIVATE_KEY_FILE to mint local tokens)"
                    .into(),
            )
        })?;
        let mut header = Header::new(self.algorithm);
        header.typ = Some(ACCESS_TOKEN_TYP.into());
        encode(&header, claims, key).map_err(|e| AuthError::Invalid(e.to_string()))
    }

    /// Verifies signature (pinned algorithm), `typ`, `exp`, `nbf`, `iat`, `iss`, `aud` and
    /// `sub`.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, AuthError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(ACCESS_TOKEN_TYP))
        {
            return Err(AuthError::Invalid(format!(
                "typ must be {ACCESS_TOKEN_TYP}"
            )));
        }
        let mut validation = Validation::new(self.algorithm);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = decode::<AccessClaims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid(e.to_string()),
            })?;
        // jsonwebtoken does not look at `iat`: a token issued in the future (beyond the skew
        // allowed on `nbf`) comes from a wrong clock or a forger, and is not yet valid.
        if claims.iat > chrono::Utc::now().timestamp() + LEEWAY_SECONDS as i64 {
            return Err(AuthError::Invalid(
                "the token was issued in the future".into(),
            ));
        }
        Ok(claims)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Reads the HS256 secret, creating 32 random bytes (base64, mode 0600) on first use.
fn load_or_create_secret(path: &Path) -> Result<Vec<u8>, KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| KeyError::Bad {
                path: path.to_owned(),
                reason: format!("not base64: {e}"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let mut secret = vec![0u8; 32];
            rand::rng().fill_bytes(&mut secret);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(path) {
                Ok(mut file) => {
                    let text = base64::engine::general_purpose::STANDARD.encode(&secret);
                    file.write_all(text.as_bytes()).map_err(io)?;
                    Ok(secret)
                }
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    load_or_create_secret(path)
                }
                Err(e) => Err(io(e)),
            }
        }
        Err(e) => Err(io(e)),
    }
}

//! Access-token claims. Identity and authorization travel in the token: `sub` is the SSO
//! username (or the service account name), `roles`/`units` the person's grants, `scopes` a
//! service account's scopes. Tokens are short-lived, so a revoked grant lapses with the token.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Whether the token speaks for a person or for an automation/service account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    Person,
    Service,
}

/// The claims of an access token (`typ: at+jwt`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub kind: PrincipalKind,
    /// The person's id, when the issuer knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<Uuid>,
    /// Granted roles beyond USER: `ADMIN`, `COORDINATOR`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Units a COORDINATOR answers for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<Uuid>,
    /// A service account's scopes, e.g. `calls:write`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

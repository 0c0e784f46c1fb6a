//! Authentication and authorization.
//!
//! Layout:
//! - `client`: the client's address behind trusted proxies, and whether it is trusted.
//! - `keys`: the signing/verification keys (generated HS256 secret or a PEM public key).
//! - `claims`: the access-token claims and their validation rules.
//! - `principal`: who is calling (`Principal`), the axum extractor and the scoping helpers.
//! - `guard`: async-graphql guards by role and scope.
//! - `media`: short-lived tokens of signed audio URLs (their own key, `typ` and audience).

pub mod claims;
pub mod client;
pub mod guard;
pub mod keys;
pub mod media;
pub mod principal;

pub use claims::{AccessClaims, PrincipalKind};
pub use client::ClientAddress;
pub use guard::{RoleGuard, ScopeGuard};
pub use keys::{AuthError, TokenKeys};
pub use media::MediaKeys;
pub use principal::{Principal, Role};

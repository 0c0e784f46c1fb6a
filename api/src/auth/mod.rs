//! Authentication and authorization.
//!
//! Layout:
//! - `keys`: the signing/verification keys (generated HS256 secret or a PEM public key).
//! - `claims`: the access-token claims and their validation rules.
//! - `principal`: who is calling (`Principal`), the axum extractor and the scoping helpers.
//! - `guard`: async-graphql guards by role and scope.

pub mod claims;
pub mod guard;
pub mod keys;
pub mod principal;

pub use claims::{AccessClaims, PrincipalKind};
pub use guard::{RoleGuard, ScopeGuard};
pub use keys::{AuthError, TokenKeys};
pub use principal::{Principal, Role};

//! Errors at the GraphQL boundary.
//!
//! Two kinds, as DESIGN.md asks:
//! - [`ApiError`]: top-level errors for malformed requests, auth and faults, each with
//!   `extensions.code` from a closed set. Internal causes are logged once here and reach the
//!   client as an opaque message.
//! - [`UserError`]: expected rule violations, returned in a mutation payload's `userErrors`
//!   with a [`UserErrorCode`] and the input field path.

use async_graphql::{Enum, ErrorExtensions, SimpleObject};

use crate::domain::groups::{GroupRefusal, RefusalCategory};

/// A top-level error with its `extensions.code`.
///
/// Deliberately not `Display`: async-graphql converts any `Display` type into an error
/// without extensions, and this type must always carry its code.
#[derive(Debug)]
pub enum ApiError {
    Unauthenticated,
    Forbidden(String),
    BadUserInput(String),
    NotFound(String),
    LimitExceeded(String),
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::LimitExceeded(_) => "LIMIT_EXCEEDED",
            Self::Internal(_) => "INTERNAL",
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    /// The message shown to the client (opaque for internal errors).
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "authentication is required: send a valid bearer token".into(),
            Self::Forbidden(m) => format!("forbidden: {m}"),
            Self::BadUserInput(m) | Self::LimitExceeded(m) => m.clone(),
            Self::NotFound(m) => format!("not found: {m}"),
            Self::Internal(_) => "internal error".into(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        if is_datetime_overflow(&e) {
            return Self::BadUserInput(
                "a date or time is outside the range the database can store".into(),
            );
        }
        Self::Internal(e.into())
    }
}

/// PostgreSQL's `datetime_field_overflow` (SQLSTATE 22008): a date or instant from the request
/// that chrono accepts (years -262143 to 262142) but a column cannot hold ("timestamp out of
/// range" before 4713 BC). Only a request can carry one, so it is the caller's error.
fn is_datetime_overflow(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx};
    let (DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e))) = e else {
        return false;
    };
    matches!(&**e, sqlx::Error::Database(d) if d.code().as_deref() == Some("22008"))
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error in a resolver");
        }
        async_graphql::Error::new(self.message()).extend_with(|_, e| e.set("code", self.code()))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        e.extend()
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(_: crate::auth::AuthError) -> Self {
        Self::Unauthenticated
    }
}

/// The result type of resolvers.
pub type ApiResult<T> = Result<T, async_graphql::Error>;

/// Why a mutation's input was refused.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// A value is malformed (e.g. not an E.164 number), empty or out of range.
    Invalid,
    /// The id names nothing the caller can see.
    NotFound,
    /// The value clashes with an existing one that must be unique.
    Duplicate,
    /// The caller may not change this object.
    NotAllowed,
    /// The object changed since it was read; read it again and retry.
    Conflict,
    /// A rule of the move to Teams forbids the change.
    RuleViolation,
}

/// A rule violation in a mutation, tied to the input field that caused it.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct UserError {
    /// Path of the input field, e.g. `["input", "name"]`; empty when no one field is at fault.
    pub field: Vec<String>,
    /// What is wrong, in words an administrator can act on.
    pub message: String,
    /// Machine-readable reason.
    pub code: UserErrorCode,
    /// The rule that refused it, as a stable code for scripts (e.g. `PLATFORM_MISMATCH`,
    /// `BRIDGE_FULL`, `OVERLAPPING_HOURS`); null when `code` says it all.
    pub reason: Option<String>,
}

impl UserError {
    pub fn new(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.iter().map(|s| (*s).to_owned()).collect(),
            message: message.into(),
            code,
            reason: None,
        }
    }

    /// A refusal of a group, centre or conference rule (`domain::groups`) on `field`: the
    /// coarse code from the rule's category, `reason` its stable code.
    pub fn refused(field: Vec<String>, refusal: &GroupRefusal, message: String) -> Self {
        let code = match refusal.category() {
            RefusalCategory::Invalid => UserErrorCode::Invalid,
            RefusalCategory::NotFound => UserErrorCode::NotFound,
            RefusalCategory::Duplicate => UserErrorCode::Duplicate,
            RefusalCategory::RuleViolation => UserErrorCode::RuleViolation,
        };
        Self {
            field,
            message,
            code,
            reason: Some(refusal.code().to_owned()),
        }
    }
}

/// Declares a mutation payload: the changed object (null when refused) and `userErrors`.
macro_rules! payload {
    ($name:ident, $field:ident: $ty:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// The object as it is after the mutation; null when user errors refused it.
            pub $field: Option<$ty>,
            /// Why the mutation was refused; empty on success.
            pub user_errors: Vec<$crate::graphql::errors::UserError>,
        }

        impl From<Result<$ty, $crate::graphql::errors::UserError>> for $name {
            fn from(result: Result<$ty, $crate::graphql::errors::UserError>) -> Self {
                match result {
                    Ok(v) => Self {
                        $field: Some(v),
                        user_errors: vec![],
                    },
                    Err(e) => Self {
                        $field: None,
                        user_errors: vec![e],
                    },
                }
            }
        }
    };
}
pub(crate) use payload;

/// The outcome of a mutation's work: `Ok(Err(user_error))` is a refusal, `Err` a fault.
pub type Outcome<T> = Result<Result<T, UserError>, ApiError>;

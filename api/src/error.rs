//! The error vocabulary of the whole server, free of any transport.
//!
//! A request can end in two ways short of success:
//! - [`ApiError`]: the request as a whole fails: the caller is not signed in or may not do
//!   this, the input cannot be read, a limit is exceeded, or something broke inside. Each has a
//!   code from a closed set ([`ApiError::code`]). Internal causes are logged once, at the edge,
//!   and reach the client as an opaque message.
//! - [`UserError`]: a mutation's input was understood but a rule refuses it. It names the
//!   input field at fault, a coarse [`UserErrorCode`] and, for the rules with a stable code of
//!   their own, that code as `reason`. Nothing was written.
//!
//! Services return [`Outcome`] (`Ok(Err(user_error))` is a refusal, `Err` a failure); the
//! rules of `domain` return their own typed refusals, which services turn into a [`UserError`].
//! The edges map this vocabulary and nothing else: `graphql::errors` to `extensions.code` and a
//! mutation payload's `userErrors`, `http::errors` to a status and a JSON body.

/// A failure of the whole request, with its code.
///
/// Deliberately not `Display`: a `Display` type would turn into a GraphQL error without a
/// code, and this type must always carry one.
#[derive(Debug)]
pub enum ApiError {
    /// No valid credentials.
    Unauthenticated,
    /// Signed in, but this needs another role, scope or unit.
    Forbidden(String),
    /// The input cannot be used as it is (malformed, out of range, contradictory).
    BadUserInput(String),
    /// Nothing the caller may see has this id.
    NotFound(String),
    /// A size, depth, cost or rate limit.
    LimitExceeded(String),
    /// A fault inside the server (database, blob store, a bug).
    Internal(anyhow::Error),
}

impl ApiError {
    /// The code clients match on (`extensions.code` in GraphQL, the same in HTTP bodies).
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

/// Why a mutation's input was refused: the closed set of coarse codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// A refusal of a mutation's input, tied to the input field that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserError {
    /// Path of the input field, e.g. `["input", "name"]`; empty when no one field is at fault.
    pub field: Vec<String>,
    /// What is wrong, in words an administrator can act on.
    pub message: String,
    /// The coarse reason.
    pub code: UserErrorCode,
    /// The rule that refused it, as a stable code for scripts (e.g. `PLATFORM_MISMATCH`);
    /// None when `code` says it all.
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

    /// A refusal of a domain rule on `field`: the rule's coarse code, `reason` its stable code.
    pub fn refused(field: Vec<String>, refusal: &impl RuleRefusal, message: String) -> Self {
        Self {
            field,
            message,
            code: refusal.user_error_code(),
            reason: Some(refusal.reason().to_owned()),
        }
    }
}

/// A typed refusal of a rule in `domain` that has a stable code of its own.
pub trait RuleRefusal {
    /// The coarse code it maps to.
    fn user_error_code(&self) -> UserErrorCode;
    /// Its stable code, UPPER_SNAKE (e.g. `PLATFORM_MISMATCH`).
    fn reason(&self) -> &'static str;
}

/// The outcome of a service's change: `Ok(Err(user_error))` is a refusal (nothing written),
/// `Err` a failure of the whole request.
pub type Outcome<T> = Result<Result<T, UserError>, ApiError>;

/// Unwraps a `Result<T, UserError>` inside a function returning [`Outcome`], returning the
/// refusal as `Ok(Err(..))` (the refusal counterpart of `?`).
macro_rules! try_refuse {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(user_error) => return Ok(Err(user_error)),
        }
    };
}
pub(crate) use try_refuse;

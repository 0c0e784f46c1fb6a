//! Errors at the GraphQL edge: the server's error vocabulary (`crate::error`) mapped to
//! GraphQL.
//! - [`ApiError`] becomes a top-level error with `extensions.code`; internal causes are logged
//!   once here and reach the client as an opaque message.
//! - [`UserError`] is the `UserError` object of a mutation payload's `userErrors`.
//! - Errors raised by async-graphql itself get a code in [`code_engine_errors`].

use async_graphql::{ErrorExtensions, Object};

pub use crate::error::{ApiError, Outcome, UserError, UserErrorCode};

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

/// The result type of resolvers.
pub type ApiResult<T> = Result<T, async_graphql::Error>;

/// Gives async-graphql's own errors an `extensions.code` and a bounded message; the
/// transports call it on every response (HTTP and WebSocket alike).
///
/// Resolvers fail with [`ApiError`], which always carries a code, so an error without one was
/// raised by async-graphql itself, and from the client's input:
/// - without a path, the document or its variables did not parse or validate: BAD_REQUEST;
/// - at a path with no source error attached, an argument of that field failed to coerce
///   when the field ran: BAD_USER_INPUT, as a resolver's own check would say. This is how a
///   malformed `DateTime`, `NaiveDate` or `NaiveTime` comes back, at the top level or deep in
///   an input object, literal or variable: async-graphql's validator passes any value for
///   those scalars and leaves them to the field.
///
/// An error that carries a source (a foreign error turned into a GraphQL one by `?`) is
/// left alone: it is a fault, not the client's input. Messages of the errors given a code
/// here may quote the input (`found <value>`, an unknown enum value, a line of the
/// document), so they are clipped to [`MESSAGE_CHARS`](crate::domain::text::MESSAGE_CHARS).
pub fn code_engine_errors(errors: &mut [async_graphql::ServerError]) {
    for error in errors {
        let coded = error
            .extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some());
        if coded {
            continue;
        }
        let code = if error.path.is_empty() {
            "BAD_REQUEST"
        } else if error.source.is_none() {
            "BAD_USER_INPUT"
        } else {
            continue;
        };
        error.message = crate::domain::text::clip_message(&error.message);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

crate::graphql::enums::mirror_enum! {
    /// Why a mutation's input was refused.
    #[graphql(name = "UserErrorCode")]
    UserErrorCodeValue <=> UserErrorCode {
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
}

/// A rule violation in a mutation, tied to the input field that caused it.
#[Object(name = "UserError")]
impl UserError {
    /// Path of the input field, e.g. `["input", "name"]`; empty when no one field is at fault.
    async fn field(&self) -> &[String] {
        &self.field
    }

    /// What is wrong, in words an administrator can act on.
    async fn message(&self) -> &str {
        &self.message
    }

    /// Machine-readable reason.
    async fn code(&self) -> UserErrorCodeValue {
        self.code.into()
    }

    /// The rule that refused it, as a stable code for scripts (e.g. `PLATFORM_MISMATCH`,
    /// `BRIDGE_FULL`, `OVERLAPPING_HOURS`); null when `code` says it all.
    async fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
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

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{Request, Variables};
    use serde_json::json;

    /// Runs a request on the real schema (no data: resolvers that get past their arguments
    /// fail UNAUTHENTICATED) and codes its errors as the transports do.
    async fn errors_of(query: &str, variables: serde_json::Value) -> Vec<(String, String)> {
        let schema = crate::graphql::schema().finish();
        let request = Request::new(query).variables(Variables::from_json(variables));
        let mut response = schema.execute(request).await;
        code_engine_errors(&mut response.errors);
        response
            .errors
            .iter()
            .map(|e| {
                let code = e
                    .extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .map(ToString::to_string)
                    .unwrap_or_default();
                (code.trim_matches('"').to_owned(), e.message.clone())
            })
            .collect()
    }

    #[tokio::test]
    async fn malformed_scalars_in_arguments_and_input_objects_are_bad_user_input() {
        let cases = [
            (
                r#"{ callHistory(filter: {from: "not a date"}) { totalCount } }"#,
                json!({}),
            ),
            (
                r#"{ callHistory(filter: {until: 5}) { totalCount } }"#,
                json!({}),
            ),
            (
                r#"query($f: CallFilter) { callHistory(filter: $f) { totalCount } }"#,
                json!({"f": {"from": "2026-13-45T99:00:00Z"}}),
            ),
            (
                r#"query($t: DateTime) { routeCall(to: "70000", from: "70001", at: $t) { to } }"#,
                json!({"t": "yesterday"}),
            ),
        ];
        for (query, variables) in cases {
            let errors = errors_of(query, variables).await;
            assert_eq!(errors.len(), 1, "{query}: {errors:?}");
            assert_eq!(errors[0].0, "BAD_USER_INPUT", "{query}: {errors:?}");
            assert!(errors[0].1.contains("DateTime"), "{query}: {errors:?}");
        }
    }

    #[tokio::test]
    async fn request_errors_are_bad_request_with_short_messages() {
        let huge = "X".repeat(1 << 20);
        let errors = errors_of(
            "query($d: CallDirection) { callHistory(filter: {direction: $d}) { totalCount } }",
            json!({ "d": huge }),
        )
        .await;
        assert_eq!(errors.len(), 1, "{:?}", errors.first().map(|e| &e.0));
        assert_eq!(errors[0].0, "BAD_REQUEST");
        assert!(errors[0].1.len() < 1024, "{} bytes", errors[0].1.len());
        let errors = errors_of("{ me { ", json!({})).await;
        assert_eq!(errors.first().map(|e| e.0.as_str()), Some("BAD_REQUEST"));
    }

    #[tokio::test]
    async fn resolver_errors_keep_their_code() {
        let errors = errors_of("{ me { id } }", json!({})).await;
        assert_eq!(
            errors.first().map(|e| e.0.as_str()),
            Some("UNAUTHENTICATED")
        );
    }
}

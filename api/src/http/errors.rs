//! Errors of the plain HTTP routes: the same codes as GraphQL's `extensions.code`, as JSON.

use axum::{
    extract::{FromRequestParts, Query},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;

use crate::{domain::text::clip_message, graphql::errors::ApiError};

/// A route's query string, read like axum's `Query` but refused as 400 BAD_USER_INPUT JSON
/// (axum's own rejection is plain text without a code), its message clipped.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(params)) => Ok(Self(params)),
            Err(rejection) => Err(ApiError::BadUserInput(clip_message(&format!(
                "the query string is not valid: {}",
                rejection.body_text()
            )))),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::BadUserInput(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::LimitExceeded(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(cause) => {
                tracing::error!(
                    error = format!("{cause:#}"),
                    "internal error in an HTTP route"
                );
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let body = serde_json::json!({
            "errors": [{ "message": self.message(), "extensions": { "code": self.code() } }]
        });
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

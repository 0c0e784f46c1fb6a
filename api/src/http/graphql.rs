//! GraphQL over HTTP, following the spec's MUSTs (graphql-over-http; the audit in
//! `tests/conformance/` checks them), which the stock async-graphql-axum handler does not:
//! - `Accept` is honoured: `application/graphql-response+json` (with 4xx status codes for
//!   request errors, and no `data` key), `application/json` (legacy, always 200), else 406;
//! - `POST` bodies must be JSON (415 otherwise), or a GraphQL multipart request (file
//!   uploads: greetings) which must carry a `GraphQL-Require-Preflight` header (CSRF: a
//!   cross-site form can send multipart without a preflight, but not that header);
//! - `GET` never runs a mutation (405 with `Allow: POST`);
//! - one operation per request: JSON arrays (batches) are refused with 400;
//! - bodies over the configured cap get 413 (a body-limit layer on the route).
//!
//! Authentication happens before execution: without a valid bearer token nothing runs and
//! the answer is 401 with `extensions.code = UNAUTHENTICATED`.

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use std::{net::SocketAddr, time::Instant};

use axum::{
    Extension,
    body::Bytes,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    auth::ClientAddress,
    auth::principal::authenticate_known,
    graphql::{cost, loaders::Loaders},
    metrics as observe,
    state::AppState,
};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// Headers of which one (non-empty) must come with a multipart request: a cross-site form
/// cannot send them, and a script can only after a CORS preflight.
const PREFLIGHT_HEADERS: [&str; 3] = [
    "graphql-require-preflight",
    "apollo-require-preflight",
    "x-apollo-operation-name",
];

/// Query-string parameters of a GET request.
#[derive(Deserialize, Default)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// The media type the answer is labelled with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    GraphqlResponse,
    Json,
}

impl Media {
    fn as_str(self) -> &'static str {
        match self {
            Self::GraphqlResponse => GRAPHQL_RESPONSE,
            Self::Json => JSON,
        }
    }

    /// Picks the media type from `Accept`; None means 406.
    fn negotiate(accept: &str) -> Option<Self> {
        if accept.trim().is_empty() {
            return Some(Self::Json);
        }
        let mut json = false;
        for range in accept.split(',') {
            let (ty, params) = range.split_once(';').unwrap_or((range, ""));
            let q_zero = params.split(';').any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0))
            });
            if q_zero {
                continue;
            }
            match ty.trim() {
                GRAPHQL_RESPONSE => return Some(Self::GraphqlResponse),
                JSON | "application/*" | "*/*" => json = true,
                _ => {}
            }
        }
        json.then_some(Self::Json)
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A GraphQL-shaped error answer with a status.
fn error_response(status: StatusCode, media: Media, code: &str, message: &str) -> Response {
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut response = (
        status,
        [(header::CONTENT_TYPE, media.as_str())],
        body.to_string(),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// `GET /graphql`: GraphiQL for a browser, otherwise a query from the query string.
pub async fn get(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(params): Query<GetParams>,
) -> Response {
    let accept = header_str(&headers, header::ACCEPT);
    if params.query.is_none() && accept.contains("text/html") {
        return crate::http::graphiql::page();
    }
    let Some(media) = Media::negotiate(accept) else {
        return StatusCode::NOT_ACCEPTABLE.into_response();
    };
    let Some(query) = params.query else {
        return error_response(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "the query parameter is missing",
        );
    };
    for json in [&params.variables, &params.extensions]
        .into_iter()
        .flatten()
    {
        if let Err(refused) = cost::screen_json(json.as_bytes()) {
            return error_response(
                StatusCode::BAD_REQUEST,
                media,
                "LIMIT_EXCEEDED",
                &refused.message,
            );
        }
    }
    let mut request = async_graphql::Request::new(query);
    request.operation_name = params.operation_name;
    if let Some(variables) = params.variables.filter(|v| !v.is_empty()) {
        match serde_json::from_str(&variables) {
            Ok(v) => request.variables = async_graphql::Variables::from_json(v),
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    media,
                    "BAD_REQUEST",
                    "variables is not a JSON object",
                );
            }
        }
    }
    if let Some(extensions) = params.extensions.filter(|v| !v.is_empty()) {
        match serde_json::from_str(&extensions) {
            Ok(v) => request.extensions = v,
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    media,
                    "BAD_REQUEST",
                    "extensions is not a JSON object",
                );
            }
        }
    }
    let client = ClientAddress::of(&state.settings.network, peer, &headers);
    execute(state, Method::GET, &headers, media, client, request).await
}

/// `POST /graphql`: one operation as a JSON body, or a GraphQL multipart request (file
/// uploads: greetings).
pub async fn post(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = Media::negotiate(header_str(&headers, header::ACCEPT)) else {
        return StatusCode::NOT_ACCEPTABLE.into_response();
    };
    let client = ClientAddress::of(&state.settings.network, peer, &headers);
    let content_type = header_str(&headers, header::CONTENT_TYPE).to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence == "multipart/form-data" {
        return multipart(state, &headers, media, client, body).await;
    }
    if body.len() > state.settings.limits.max_body_bytes {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            media,
            "LIMIT_EXCEEDED",
            &format!(
                "the request body is larger than {} bytes",
                state.settings.limits.max_body_bytes
            ),
        );
    }
    if essence != JSON && essence != GRAPHQL_RESPONSE {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "BAD_REQUEST",
            "send the request as application/json",
        );
    }
    // A batch is a JSON array: refused without reading it.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return error_response(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "batched requests are not supported: send one operation per request",
        );
    }
    // Nothing deeper than the limit reaches serde, the parser or any later walk.
    if let Err(refused) = cost::screen_json(&body) {
        return error_response(
            StatusCode::BAD_REQUEST,
            media,
            "LIMIT_EXCEEDED",
            &refused.message,
        );
    }
    // Straight into a request, without a JSON tree in between.
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) if e.is_data() => {
            return error_response(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                &format!("not a GraphQL request: {e}"),
            );
        }
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                "the body is not valid JSON",
            );
        }
    };
    execute(state, Method::POST, &headers, media, client, request).await
}

/// A GraphQL multipart request (the "GraphQL multipart request spec": `operations`, `map`,
/// then the files), with one file of at most the greeting limit.
async fn multipart(
    state: AppState,
    headers: &HeaderMap,
    media: Media,
    client: ClientAddress,
    body: Bytes,
) -> Response {
    // A browser sends a multipart form cross-site without a CORS preflight, and with whatever
    // credentials it holds. The bearer header already forces a preflight, but not if a proxy
    // (an SSO gateway) ever turns a cookie into that header: so, as the GraphQL multipart
    // request spec advises, a header no form can set must be present.
    let preflighted = PREFLIGHT_HEADERS
        .iter()
        .any(|name| headers.get(*name).is_some_and(|v| !v.is_empty()));
    if !preflighted {
        return error_response(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "a multipart request needs a non-empty GraphQL-Require-Preflight header \
             (CSRF protection: Apollo-Require-Preflight and X-Apollo-Operation-Name are accepted too)",
        );
    }
    let options = async_graphql::http::MultipartOptions::default()
        .max_file_size(state.settings.voicemail.greeting_max_bytes)
        .max_num_files(1);
    let content_type = header_str(headers, header::CONTENT_TYPE).to_owned();
    let reader = futures_util::io::Cursor::new(body);
    let request = match async_graphql::http::receive_body(Some(content_type), reader, options).await
    {
        Ok(r) => r,
        Err(e) => {
            let (status, code) = match e {
                async_graphql::ParseRequestError::PayloadTooLarge => {
                    (StatusCode::PAYLOAD_TOO_LARGE, "LIMIT_EXCEEDED")
                }
                _ => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            };
            return error_response(status, media, code, &format!("bad multipart request: {e}"));
        }
    };
    execute(state, Method::POST, headers, media, client, request).await
}

/// What a parsed document asks for, as far as routing the request needs to know.
struct Shape {
    mutation: bool,
    introspection_only: bool,
    /// Asks for `__schema` or `__type` at the root.
    introspects: bool,
    /// The operation's own name (when the request names none).
    name: Option<String>,
}

/// Parses the document once: the parsed form stays in the request for the cost check and the
/// executor.
fn shape(request: &mut async_graphql::Request) -> Option<Shape> {
    let wanted = request.operation_name.clone();
    let doc = request.parsed_query().ok()?;
    let (name, op) = match &doc.operations {
        DocumentOperations::Single(op) => (None, op),
        DocumentOperations::Multiple(ops) => match wanted.as_deref() {
            Some(name) => ops
                .iter()
                .find(|(k, _)| k.as_str() == name)
                .map(|(k, op)| (Some(k), op))?,
            None if ops.len() == 1 => ops.iter().next().map(|(k, op)| (Some(k), op))?,
            None => return None,
        },
    };
    let name = name.map(|n| n.to_string());
    let introspection_only = op.node.ty == OperationType::Query
        && op
            .node
            .selection_set
            .node
            .items
            .iter()
            .all(|item| match &item.node {
                Selection::Field(f) => f.node.name.node.starts_with("__"),
                _ => false,
            });
    let introspects = op.node.selection_set.node.items.iter().any(|item| {
        matches!(&item.node, Selection::Field(f) if matches!(f.node.name.node.as_str(), "__schema" | "__type"))
    });
    Some(Shape {
        mutation: op.node.ty == OperationType::Mutation,
        introspection_only,
        introspects,
        name,
    })
}

async fn execute(
    state: AppState,
    method: Method,
    headers: &HeaderMap,
    media: Media,
    client: ClientAddress,
    mut request: async_graphql::Request,
) -> Response {
    let started = Instant::now();
    let principal = match authenticate_known(headers, &state.keys, &state.db).await {
        Ok(p) => p,
        Err(e) => {
            observe::record_operation(None, "UNAUTHENTICATED", started);
            return error_response(
                StatusCode::UNAUTHORIZED,
                media,
                "UNAUTHENTICATED",
                &e.to_string(),
            );
        }
    };
    // The text is screened before anything parses it (the cache, `shape`, the executor).
    let mut meter = state.cost.meter();
    let screened = meter.screen(&request.query);
    let shape = match screened {
        Ok(()) => {
            state.documents.prepare(&mut request);
            shape(&mut request)
        }
        Err(_) => None,
    };
    let operation = request
        .operation_name
        .clone()
        .or_else(|| shape.as_ref().and_then(|s| s.name.clone()));
    if method == Method::GET && shape.as_ref().is_some_and(|s| s.mutation) {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            "BAD_REQUEST",
            "mutations are only accepted over POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    // With introspection off (production) say so, rather than answer `__schema: null`.
    if state.introspection_schema.is_none() && shape.as_ref().is_some_and(|s| s.introspects) {
        observe::record_operation(operation.as_deref(), "FORBIDDEN", started);
        return error_response(
            StatusCode::FORBIDDEN,
            media,
            "FORBIDDEN",
            "introspection is turned off on this server: the schema is published as schema.graphql",
        );
    }
    // The standard introspection query is deeper than the depth limit allows; it is bounded by
    // the schema's size (and by the cost extension's nesting rule), so it runs on a schema
    // without the depth and complexity limits (when introspection is on).
    let schema = match (
        &state.introspection_schema,
        shape.is_some_and(|s| s.introspection_only),
    ) {
        (Some(unlimited), true) => unlimited,
        _ => &state.schema,
    };
    let mut response = match screened.and_then(|()| meter.admit(&mut request, Some(&principal))) {
        Ok(()) => {
            let request = request
                .data(Loaders::new(&state.db))
                .data(principal)
                .data(client);
            schema.execute(request).await
        }
        Err(refused) => async_graphql::Response::from_errors(vec![refused]),
    };
    meter.report(&mut response);
    let code_of = |e: &async_graphql::ServerError| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            })
    };
    // async-graphql's own parse, validation and coercion errors carry no code: they are the
    // client's malformed request (or a malformed scalar deep in an input object).
    crate::graphql::errors::code_engine_errors(&mut response.errors);
    // An internal fault names the request id, which its log line carries too.
    let request_id = header_str(headers, header::HeaderName::from_static("x-request-id"));
    if !request_id.is_empty() {
        for error in &mut response.errors {
            if code_of(error).is_none_or(|c| c == "INTERNAL") {
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("requestId", request_id);
            }
        }
    }
    let outcome = response.errors.first().map_or_else(
        || "ok".to_owned(),
        |e| code_of(e).unwrap_or_else(|| "GRAPHQL_ERROR".into()),
    );
    observe::record_operation(operation.as_deref(), &outcome, started);
    let retry_after = response.errors.iter().find_map(|e| {
        (code_of(e).as_deref() == Some("THROTTLED")).then(|| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("retryAfterSeconds"))
                .map_or_else(|| "1".to_owned(), ToString::to_string)
        })
    });
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if retry_after.is_some() {
        // A spent cost budget is a rate limit whatever the media type.
        StatusCode::TOO_MANY_REQUESTS
    } else if media == Media::GraphqlResponse && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // Straight to text, unless a request error's `data` key has to go first.
    let body = if status == StatusCode::OK {
        serde_json::to_string(&response)
    } else {
        serde_json::to_value(&response).and_then(|mut body| {
            if let Some(map) = body.as_object_mut() {
                map.remove("data");
            }
            serde_json::to_string(&body)
        })
    };
    let Ok(body) = body else {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            media,
            "INTERNAL",
            "internal error",
        );
    };
    let mut answer = (status, [(header::CONTENT_TYPE, media.as_str())], body).into_response();
    if let Some(seconds) = retry_after.and_then(|s| HeaderValue::from_str(&s).ok()) {
        answer.headers_mut().insert(header::RETRY_AFTER, seconds);
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_are_negotiated() {
        let cases = [
            ("", Some(Media::Json)),
            ("application/json", Some(Media::Json)),
            ("*/*", Some(Media::Json)),
            (
                "application/graphql-response+json",
                Some(Media::GraphqlResponse),
            ),
            (
                "application/json, application/graphql-response+json",
                Some(Media::GraphqlResponse),
            ),
            (
                "application/graphql-response+json;q=0, application/json",
                Some(Media::Json),
            ),
            ("text/html", None),
            ("application/xml", None),
        ];
        for (accept, expected) in cases {
            assert!(Media::negotiate(accept) == expected, "Accept: {accept}");
        }
    }

    #[test]
    fn mutations_and_introspection_are_recognised() {
        let q = |s: &str| async_graphql::Request::new(s);
        assert!(shape(&mut q("mutation { a }")).is_some_and(|s| s.mutation));
        assert!(
            shape(&mut q("{ __schema { types { name } } }")).is_some_and(|s| s.introspection_only)
        );
        assert!(
            shape(&mut q("{ __schema { types { name } } me { id } }"))
                .is_some_and(|s| !s.introspection_only)
        );
        let mut named = q("query A { me { id } } mutation B { x }").operation_name("B");
        assert!(shape(&mut named).is_some_and(|s| s.mutation));
    }
}

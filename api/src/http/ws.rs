//! `/graphql/ws`: subscriptions over the `graphql-transport-ws` protocol (graphql-ws's
//! PROTOCOL.md), implemented here rather than with async-graphql's `GraphQLWebSocket`, which
//! closes with the wrong codes (1011 for a subscribe before the ack, 1002 for a refused init),
//! sends an illegal close frame for an invalid message and never times out a silent client
//! (measured before this was written; `tests/conformance/ws.mjs` checks ours).
//!
//! The connection:
//! - the client offers the `graphql-transport-ws` subprotocol (anything else, including the
//!   legacy `graphql-ws` of subscriptions-transport-ws, is closed with 4406: only the current
//!   protocol is served);
//! - it sends `connection_init` within the configured time (`CHORUS_WS_INIT_TIMEOUT_SECONDS`,
//!   default 10 s; else 4408). Browsers cannot set headers on a WebSocket, so the token travels
//!   in its payload as `{"authorization": "Bearer …"}` (or `{"token": "…"}`); without a valid
//!   one (checked as over HTTP, subject included) the socket is closed with 4403 (4500 when
//!   the database cannot say), with one the server answers `connection_ack`. A second init is
//!   closed with 4429;
//! - `subscribe` before the ack is closed with 4401, a second `subscribe` with an id that is
//!   still running with 4409; anything that is not a protocol message with 4400;
//! - many subscriptions may run at once on one socket (up to [`MAX_SUBSCRIPTIONS`]); each ends
//!   with `complete` from the server when its stream ends, or from the client to stop it;
//!   `ping` is answered with `pong` at any time.
//!
//! Only subscription operations are served here: queries and mutations go over HTTP, where the
//! request limits, the trusted-network rule and the accounting of `/graphql` apply.

use std::{collections::HashMap, time::Duration};

use async_graphql::parser::{
    parse_query,
    types::{DocumentOperations, OperationType},
};
use axum::{
    extract::{
        State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    response::Response,
};
use futures_util::{
    StreamExt,
    stream::{AbortHandle, BoxStream, SelectAll},
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    auth::{
        AuthError, Principal,
        principal::{bearer_token, check_subject},
    },
    graphql::{cost, loaders::Loaders},
    state::AppState,
};

/// The only subprotocol served.
const PROTOCOL: &str = "graphql-transport-ws";

/// Subscriptions one socket may run at once; more are refused with an `error` message.
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// How long the server waits for the client's close reply after closing, so that the client
/// reads the close frame before the TCP connection goes away.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Upgrades to a graphql-transport-ws connection.
pub async fn upgrade(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    // A subscribe message is a GraphQL request: held to the same cap as an HTTP body.
    let max_message = state.settings.limits.max_body_bytes;
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(max_message)
        .on_upgrade(move |socket| serve(state, socket))
}

/// Why the server closes the socket: the protocol's close codes.
#[derive(Debug)]
enum Close {
    InvalidMessage(String),
    Unauthorized,
    /// With the reason the token was refused.
    Forbidden(String),
    /// The token could not be checked (the database did not answer).
    Internal,
    SubprotocolNotAcceptable,
    InitTimeout,
    SubscriberExists(String),
    TooManyInits,
}

impl Close {
    fn frame(&self) -> (u16, String) {
        match self {
            Self::InvalidMessage(why) => (4400, why.clone()),
            Self::Unauthorized => (4401, "Unauthorized".into()),
            Self::Forbidden(why) => (4403, format!("Forbidden: {why}")),
            Self::Internal => (4500, "Internal server error".into()),
            Self::SubprotocolNotAcceptable => (4406, "Subprotocol not acceptable".into()),
            Self::InitTimeout => (4408, "Connection initialisation timeout".into()),
            Self::SubscriberExists(id) => (4409, format!("Subscriber for {id} already exists")),
            Self::TooManyInits => (4429, "Too many initialisation requests".into()),
        }
    }
}

/// A message from the client. Payloads are objects or absent, as the protocol says; anything
/// else fails to parse and closes the socket with 4400.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<serde_json::Map<String, Value>>,
    },
    Ping {
        #[serde(default)]
        payload: Option<serde_json::Map<String, Value>>,
    },
    Pong {},
    Subscribe {
        id: String,
        payload: SubscribePayload,
    },
    Complete {
        id: String,
    },
}

#[derive(Deserialize)]
struct SubscribePayload {
    query: String,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    extensions: Option<serde_json::Map<String, Value>>,
}

/// One subscription's output: a response, or None when its stream has ended.
type Event = (String, Option<async_graphql::Response>);

/// The state of one connection.
struct Session {
    state: AppState,
    init_received: bool,
    /// The verified caller and its token (checked again at each subscribe: a long-lived
    /// socket must not start new work on an expired token).
    caller: Option<(Principal, String)>,
    /// Running subscriptions by id: the handle that stops the stream, and whether it has
    /// produced anything yet.
    running: HashMap<String, (AbortHandle, bool)>,
    streams: SelectAll<BoxStream<'static, Event>>,
}

/// Runs one connection; returning drops the session and with it every running stream.
async fn serve(state: AppState, mut socket: WebSocket) {
    if socket
        .protocol()
        .is_none_or(|p| p.as_bytes() != PROTOCOL.as_bytes())
    {
        return close(socket, Close::SubprotocolNotAcceptable).await;
    }
    let init_timeout = tokio::time::sleep(state.settings.limits.ws_init_timeout);
    tokio::pin!(init_timeout);
    let mut session = Session {
        state,
        init_received: false,
        caller: None,
        running: HashMap::new(),
        streams: SelectAll::new(),
    };
    loop {
        let outcome = tokio::select! {
            () = &mut init_timeout, if session.caller.is_none() => Err(Close::InitTimeout),
            frame = socket.recv() => match frame {
                // The client went away or closed; the library answers its close frame.
                None | Some(Err(_)) => return,
                Some(Ok(Message::Close(_) | Message::Ping(_) | Message::Pong(_))) => Ok(None),
                Some(Ok(Message::Text(text))) => session.on_message(text.as_str()).await,
                // The reference server reads binary frames as text too.
                Some(Ok(Message::Binary(bytes))) => match std::str::from_utf8(&bytes) {
                    Ok(text) => session.on_message(text).await,
                    Err(_) => Err(Close::InvalidMessage("message is not UTF-8 text".into())),
                },
            },
            Some((id, response)) = session.streams.next(), if !session.streams.is_empty() => {
                Ok(session.on_event(id, response))
            }
        };
        match outcome {
            Ok(None) => {}
            Ok(Some(reply)) => {
                if socket
                    .send(Message::Text(reply.to_string().into()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Err(why) => return close(socket, why).await,
        }
    }
}

impl Session {
    /// Handles one client message: Ok(Some) is the reply, Err closes the socket.
    async fn on_message(&mut self, text: &str) -> Result<Option<Value>, Close> {
        // A message nested deeper than any request may be is refused before serde reads it.
        cost::screen_json(text.as_bytes())
            .map_err(|refused| Close::InvalidMessage(refused.message))?;
        let message: ClientMessage = serde_json::from_str(text)
            .map_err(|e| Close::InvalidMessage(format!("Invalid message received: {e}")))?;
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if std::mem::replace(&mut self.init_received, true) {
                    return Err(Close::TooManyInits);
                }
                let (principal, token) = principal_from_init(payload.as_ref(), &self.state)
                    .await
                    .map_err(|e| match e {
                    AuthError::Unavailable => Close::Internal,
                    e => Close::Forbidden(e.to_string()),
                })?;
                self.caller = Some((principal, token));
                Ok(Some(json!({ "type": "connection_ack" })))
            }
            ClientMessage::Ping { payload } => Ok(Some(match payload {
                Some(payload) => json!({ "type": "pong", "payload": payload }),
                None => json!({ "type": "pong" }),
            })),
            ClientMessage::Pong {} => Ok(None),
            ClientMessage::Subscribe { id, payload } => self.subscribe(id, payload),
            ClientMessage::Complete { id } => {
                // The client stops it: no `complete` goes back.
                if let Some((handle, _)) = self.running.remove(&id) {
                    handle.abort();
                }
                Ok(None)
            }
        }
    }

    fn subscribe(&mut self, id: String, payload: SubscribePayload) -> Result<Option<Value>, Close> {
        let Some((principal, token)) = &self.caller else {
            return Err(Close::Unauthorized);
        };
        if id.is_empty() {
            return Err(Close::InvalidMessage("the subscribe id is empty".into()));
        }
        if self.running.contains_key(&id) {
            return Err(Close::SubscriberExists(id));
        }
        if let Err(e) = self.state.keys.verify(token) {
            return Ok(Some(error_message(&id, "UNAUTHENTICATED", &e.to_string())));
        }
        if self.running.len() >= MAX_SUBSCRIPTIONS {
            let why = format!("at most {MAX_SUBSCRIPTIONS} subscriptions run on one socket");
            return Ok(Some(error_message(&id, "LIMIT_EXCEEDED", &why)));
        }
        // The document's text is screened before it is parsed (here, then by the executor).
        let mut meter = self.state.cost.meter();
        if let Err(refused) = meter.screen(&payload.query) {
            return Ok(Some(
                json!({ "id": id, "type": "error", "payload": [refused] }),
            ));
        }
        if !is_subscription(&payload.query, payload.operation_name.as_deref()) {
            let why = "only subscriptions are served over the WebSocket: send queries and \
                       mutations to POST /graphql";
            return Ok(Some(error_message(&id, "BAD_REQUEST", why)));
        }
        let mut request =
            async_graphql::Request::new(payload.query).data(Loaders::new(&self.state.db));
        request = request.data(principal.clone());
        request.operation_name = payload.operation_name;
        if let Some(variables) = payload.variables {
            request.variables = async_graphql::Variables::from_json(Value::Object(variables));
        }
        if let Some(extensions) = payload.extensions
            && let Ok(extensions) = serde_json::from_value(Value::Object(extensions))
        {
            request.extensions = extensions;
        }
        // The cost limits and the caller's budget, as over HTTP; the refusal is an `error`.
        if let Err(refused) = meter.admit(&mut request, Some(principal)) {
            return Ok(Some(
                json!({ "id": id, "type": "error", "payload": [refused] }),
            ));
        }
        // The stream yields its responses, then None when it ends by itself; an aborted stream
        // (the client's `complete`) yields nothing more, so no `complete` is sent for it.
        let responses = self
            .state
            .schema
            .execute_stream(request)
            .map(Some)
            .chain(futures_util::stream::once(async { None }));
        let (responses, handle) = futures_util::stream::abortable(responses);
        let tag = id.clone();
        self.streams
            .push(responses.map(move |r| (tag.clone(), r)).boxed());
        self.running.insert(id, (handle, false));
        Ok(None)
    }

    /// Turns a subscription's output into `next`, `error` or `complete`.
    fn on_event(&mut self, id: String, response: Option<async_graphql::Response>) -> Option<Value> {
        let Some(mut response) = response else {
            self.running.remove(&id)?;
            return Some(json!({ "id": id, "type": "complete" }));
        };
        crate::graphql::errors::code_engine_errors(&mut response.errors);
        let first = match self.running.get_mut(&id) {
            Some((_, started)) => !std::mem::replace(started, true),
            None => return None,
        };
        // A request that never started (syntax, validation, unknown operation) is an `error`
        // message, which ends the operation; errors of a running stream travel in `next`.
        let request_error = first
            && response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| e.path.is_empty());
        if request_error {
            if let Some((handle, _)) = self.running.remove(&id) {
                handle.abort();
            }
            return Some(json!({ "id": id, "type": "error", "payload": response.errors }));
        }
        match serde_json::to_value(&response) {
            Ok(payload) => Some(json!({ "id": id, "type": "next", "payload": payload })),
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise a subscription response");
                None
            }
        }
    }
}

/// An `error` message for one operation, with the API's error codes.
fn error_message(id: &str, code: &str, message: &str) -> Value {
    json!({ "id": id, "type": "error",
            "payload": [{ "message": message, "extensions": { "code": code } }] })
}

/// True when the operation the request would run is a subscription (or the document does not
/// parse: execution then reports the syntax error).
fn is_subscription(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(doc) = parse_query(query) else {
        return true;
    };
    let ty = match &doc.operations {
        DocumentOperations::Single(op) => Some(op.node.ty),
        DocumentOperations::Multiple(ops) => match operation_name {
            Some(name) => ops
                .iter()
                .find(|(k, _)| k.as_str() == name)
                .map(|(_, op)| op.node.ty),
            None if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
            None => None,
        },
    };
    // An unknown or ambiguous operation name is left to execution, which names the problem.
    ty.is_none_or(|ty| ty == OperationType::Subscription)
}

/// The principal (and its token) of a `connection_init` payload, checked as an HTTP request's
/// is: well signed, unexpired, and naming a person or service account that still exists.
async fn principal_from_init(
    payload: Option<&serde_json::Map<String, Value>>,
    state: &AppState,
) -> Result<(Principal, String), AuthError> {
    let field = |name: &str| payload?.get(name)?.as_str();
    let token = field("authorization")
        .or_else(|| field("Authorization"))
        .and_then(bearer_token)
        .or_else(|| field("token"))
        .ok_or(AuthError::Missing)?;
    let principal = state.keys.verify(token).map(Principal::from_claims)?;
    check_subject(&state.db, &principal).await?;
    Ok((principal, token.to_owned()))
}

/// Closes with the protocol's code and a reason that fits a close frame (at most 123 bytes),
/// then waits briefly for the client's reply.
async fn close(mut socket: WebSocket, why: Close) {
    let (code, reason) = why.frame();
    let frame = CloseFrame {
        code,
        reason: fit_reason(reason).into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(_)) = socket.recv().await {}
    })
    .await;
}

/// A close frame's payload is at most 125 bytes, two of them the code.
fn fit_reason(mut reason: String) -> String {
    if reason.len() > 123 {
        let mut end = 123;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_subscriptions_are_served() {
        assert!(is_subscription("subscription { a }", None));
        assert!(!is_subscription("{ a }", None));
        assert!(!is_subscription("mutation { a }", None));
        assert!(is_subscription(
            "query A { a } subscription B { b }",
            Some("B")
        ));
        assert!(!is_subscription(
            "query A { a } subscription B { b }",
            Some("A")
        ));
        // Left to execution, which explains.
        assert!(is_subscription("{ a", None));
        assert!(is_subscription("query A { a } subscription B { b }", None));
    }

    #[test]
    fn close_reasons_fit_a_close_frame() {
        let (code, reason) = Close::SubscriberExists("é".repeat(100)).frame();
        assert_eq!(code, 4409);
        let reason = fit_reason(reason);
        assert!(reason.len() <= 123 && reason.ends_with('é'), "{reason}");
        assert_eq!(fit_reason("Forbidden".into()), "Forbidden");
    }
}

//! `/graphql/ws`: subscriptions over graphql-transport-ws. Browsers cannot set headers on a
//! WebSocket, so the token travels in the `connection_init` payload as
//! `{"authorization": "Bearer …"}` (or `{"token": "…"}`); a connection without a valid token
//! is closed before any subscription starts.

use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{State, WebSocketUpgrade},
    response::Response,
};

use crate::{
    app::AppState,
    auth::{AuthError, Principal, principal::bearer_token},
    graphql::loaders::Loaders,
};

/// Upgrades to a GraphQL WebSocket.
pub async fn upgrade(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            let schema = state.schema.clone();
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let principal = principal_from_init(&payload, &state)?;
                    let mut data = Data::default();
                    data.insert(Loaders::new(&state.db));
                    data.insert(principal);
                    Ok(data)
                })
                .serve()
        })
}

fn principal_from_init(
    payload: &serde_json::Value,
    state: &AppState,
) -> async_graphql::Result<Principal> {
    let field = |name: &str| payload.get(name).and_then(|v| v.as_str());
    let token = field("authorization")
        .or_else(|| field("Authorization"))
        .and_then(bearer_token)
        .or_else(|| field("token"))
        .ok_or(AuthError::Missing)?;
    Ok(state.keys.verify(token).map(Principal::from_claims)?)
}

//! HTTP routes beside the GraphQL schema.
//!
//! Layout:
//! - `graphql`: `POST`/`GET /graphql` (GraphQL over HTTP, written to the spec) and GraphiQL.
//! - `ws`: `/graphql/ws`, graphql-transport-ws subscriptions with auth in `connection_init`.
//! - `health`: `/healthz` (process up) and `/readyz` (database reachable).

pub mod graphql;
pub mod health;
pub mod ws;

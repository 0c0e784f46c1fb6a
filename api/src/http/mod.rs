//! HTTP routes beside the GraphQL schema.
//!
//! Layout:
//! - `graphql`: `POST`/`GET /graphql` (GraphQL over HTTP, written to the spec) and GraphiQL.
//! - `graphiql`: the GraphiQL page and its assets, served from the binary (no CDN).
//! - `ws`: `/graphql/ws`, graphql-transport-ws subscriptions with auth in `connection_init`.
//! - `calls_csv`: `GET /v1/calls.csv`, a streamed CSV export of a call history.
//! - `teams_csv`: `GET /v1/teams-column.csv`, the MS Teams column as CSV.
//! - `errors`: JSON error answers of plain routes, with the GraphQL codes.
//! - `health`: `/healthz` (process up) and `/readyz` (database reachable).
//! - `voicemail`: PBX voicemail ingest and the audio route (Range, ETag, signed URLs).
//! - `serve`: the accept loop: connection timeouts, the cap on connections, graceful shutdown.

pub mod calls_csv;
pub mod errors;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod serve;
pub mod teams_csv;
pub mod voicemail;
pub mod ws;

//! Chorus API: the GraphQL backend of the University's telephone system during the move of
//! some people to Telephony over Teams.
//!
//! Layout:
//! - `config`: settings from flags and environment, validated at start-up.
//! - `state`: what every request shares (`AppState`).
//! - `app`: the router, serving until shutdown.
//! - `db`: connecting and migrating SQLite or PostgreSQL.
//! - `auth`: tokens, the `Principal`, guards.
//! - `http`: GraphQL over HTTP, the WebSocket, health routes.
//! - `graphql`: the schema, one module per area.
//! - `metrics`: Prometheus metrics at `/metrics`.
//! - `error`: the error vocabulary every layer speaks (`ApiError`, `UserError`, `Outcome`).
//! - `domain`: the rules, pure functions with table tests.
//! - `services`: transactions around the rules, audit, token minting.
//! - `events`: voicemail events across processes (PostgreSQL NOTIFY, or in-process).
//! - `demo`: the deterministic demo university for `serve --demo`.
//! - `seed`: a large synthetic data set for benchmarks (`chorus seed`).
#![forbid(unsafe_code)]

pub mod app;
#[cfg(test)]
mod architecture;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod seed;
pub mod services;
pub mod state;

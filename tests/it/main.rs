//! Integration tests: one binary, the real router over HTTP, SQLite by default and PostgreSQL
//! when `TEST_DATABASE_URL` is set.

mod auth;
mod calls;
mod directory;
mod http;
mod people;
mod schema;
mod search;

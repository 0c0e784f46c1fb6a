//! Integration tests: one binary, the real router over HTTP, SQLite by default and PostgreSQL
//! when `TEST_DATABASE_URL` is set.

mod auth;
mod calls;
mod conferences;
mod contact_centres;
mod cutover;
mod directory;
mod groups;
mod http;
mod people;
mod routing;
mod schema;
mod search;
mod voicemail;

//! Integration tests: one binary, the real router over HTTP, SQLite by default and PostgreSQL
//! when `TEST_DATABASE_URL` is set.

mod audit;
mod auth;
mod authz;
mod calls;
mod conferences;
mod connections;
mod contact_centres;
mod csrf;
mod cutover;
mod directory;
mod fuzz_regressions;
mod groups;
mod http;
mod inputs;
mod jwt;
mod leavers;
mod limits;
mod lines;
mod nesting;
mod people;
mod provisioning;
mod reach;
mod routing;
mod schema;
mod search;
mod service_accounts;
mod units;
mod voicemail;

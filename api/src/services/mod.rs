//! Services: load, call the rule, write in one transaction, record the audit event.
//!
//! Layout:
//! - `audit`: the audit trail every mutation writes to.
//! - `calls`: call history and PBX ingest.
//! - `directory`: directory search and its term index.
//! - `import`: CSV backfill of call records.
//! - `people`: changing people, lines and devices.
//! - `tokens`: minting access tokens for local use.

pub mod audit;
pub mod calls;
pub mod directory;
pub mod import;
pub mod people;
pub mod tokens;

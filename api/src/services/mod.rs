//! Services: load, call the rule, write in one transaction, record the audit event.
//!
//! Layout:
//! - `audit`: the audit trail every mutation writes to.
//! - `calls`: call history and PBX ingest.
//! - `conferences`: scheduling teleconferences.
//! - `cutover`: the move to Teams: column, licences, nominations, tranches, moves.
//! - `contact_centres`: contact centre configuration.
//! - `directory`: directory search and its term index.
//! - `groups`: hunt, pickup and executive-assistant groups.
//! - `import`: CSV backfill of call records.
//! - `leavers`: offboarding a person who left (rule 13).
//! - `lines`: creating, changing and releasing lines (`createLine`, `updateLine`, `releaseLine`).
//! - `people`: changing people, lines and devices.
//! - `roles`: granting and revoking ADMIN and COORDINATOR; the first administrator.
//! - `routing`: loading what `routeCall` needs.
//! - `service_accounts`: creating, changing and disabling service accounts.
//! - `tokens`: minting access tokens for local use.
//! - `units`: the unit list and changing a unit.
//! - `voicemail`: ingest, mailbox lists and changes, greetings, retention purge, fsck.

pub mod audit;
pub mod calls;
pub mod conferences;
pub mod contact_centres;
pub mod cutover;
pub mod directory;
pub mod directory_feed;
pub mod groups;
pub mod import;
pub mod leavers;
pub mod lines;
pub mod people;
pub mod roles;
pub mod routing;
pub mod service_accounts;
pub mod tokens;
pub mod units;
pub mod voicemail;

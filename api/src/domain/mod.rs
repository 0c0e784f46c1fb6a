//! Domain rules: plain functions over plain data, unit-tested without a server or database.
//!
//! Layout:
//! - `cutover`: the move to Teams: the MS Teams column, movement sets, tranches, moves.
//! - `calls`: validating PBX call records, number filters, what counts as missed.
//! - `conferences`: teleconference schedules, access codes and PINs, bridge ports.
//! - `contact_centres`: queue limits, opening hours, closures, time zones, agents.
//! - `devices`: preferring, enabling and the device that actually rings.
//! - `directory`: who may see a directory entry and its private parts.
//! - `email`: e-mail addresses, parsed once at the edge.
//! - `groups`: hunt, pickup and executive-assistant groups, and the shared `GroupRefusal`.
//! - `leavers`: what happens to a leaver's devices, lines, groups, licence and tranche (rule 13).
//! - `lines`: new lines' numbers and extensions, owners, releasing a line, the quarantine.
//! - `pbx`: what the PBX reports: the bounds of a reported instant.
//! - `phone`: E.164 numbers and extensions, parsed once at the edge.
//! - `provisioning`: unit codes, usernames and names; role grants and the last administrator.
//! - `routing`: how a call would ring, step by step (`routeCall`).
//! - `service_accounts`: service account names and the closed set of scopes.
//! - `search`: directory search terms, query parsing and ranking.
//! - `text`: folding names for directory search (`search_name`), quoting input in errors.
//! - `voicemail`: who reads a mailbox, PIN and e-mail rules, the trusted-network check.

pub mod calls;
pub mod conferences;
pub mod contact_centres;
pub mod cutover;
pub mod devices;
pub mod directory;
pub mod email;
pub mod feed;
pub mod groups;
pub mod leavers;
pub mod lines;
pub mod pbx;
pub mod phone;
pub mod provisioning;
pub mod routing;
pub mod search;
pub mod service_accounts;
pub mod text;
pub mod voicemail;

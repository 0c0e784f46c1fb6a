//! Domain rules: plain functions over plain data, unit-tested without a server or database.
//!
//! Layout:
//! - `calls`: validating PBX call records, number filters, what counts as missed.
//! - `devices`: preferring, enabling and the device that actually rings.
//! - `directory`: who may see a directory entry and its private parts.
//! - `phone`: E.164 numbers and extensions, parsed once at the edge.
//! - `search`: directory search terms, query parsing and ranking.
//! - `text`: folding names for directory search (`search_name`).

pub mod calls;
pub mod devices;
pub mod directory;
pub mod phone;
pub mod search;
pub mod text;

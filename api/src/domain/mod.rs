//! Domain rules: plain functions over plain data, unit-tested without a server or database.
//!
//! Layout:
//! - `directory`: who may see a directory entry and its private parts.
//! - `text`: folding names for directory search (`search_name`).

pub mod directory;
pub mod text;

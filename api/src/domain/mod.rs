//! Domain rules: plain functions over plain data, unit-tested without a server or database.
//!
//! Layout:
//! - `directory`: who may see a directory entry and its private parts.

pub mod directory;

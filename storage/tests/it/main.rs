//! Integration tests of the storage crate, in one binary.

mod fixtures;
mod malformed;
mod probe;
mod render;
mod store;

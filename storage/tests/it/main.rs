//! Integration tests of the storage crate, in one binary.

mod fixtures;
mod fuzz_regressions;
mod malformed;
mod probe;
mod render;
mod store;

//! Services: load, call the rule, write in one transaction, record the audit event.
//!
//! Layout:
//! - `audit`: the audit trail every mutation writes to.
//! - `tokens`: minting access tokens for local use.

pub mod audit;
pub mod tokens;

//! Database migrations of Chorus API. Every migration runs unchanged on SQLite and
//! PostgreSQL and has a working `down`.
//!
//! Written with the sea-query schema builder, not raw SQL. Foreign keys are declared inside
//! `create_table` because SQLite cannot add them later. Names: `fk_<table>_<column>`,
//! `idx_<table>_<cols>`, `uq_<table>_<cols>` (made by `names`, so they cannot drift).
//!
//! Layout:
//! - `names`: builders for named foreign keys and indexes.
//! - `m20261122_000001_directory`: Directory: units, people, role grants, service accounts, lines and devices.
//! - `m20261122_000002_calls_voicemail`: Calls and voicemail: call records, participants, voicemails and mailbox settings.
//! - `m20261122_000003_conferences_groups`: Teleconferences and call groups: hunt, pickup and executive-assistant groups.
//! - `m20261122_000004_contact_centres`: Contact centres: queues, agents, opening hours and closures.
//! - `m20261122_000005_cutover`: Cutover to Teams: licences, nominations, tranches and the notification outbox.
//! - `m20261122_000006_audit`: Audit events.
//! - `m20261122_000007_directory_search`: Searchable words of people for the directory.
//! - `m20261122_000008_cutover_indexes`: Indexes of the MS Teams column; the Chorus upgrade's record.
//! - `m20261202_000009_directory_order`: The directory term index in search result order.
//! - `m20261206_000010_voicemail_recipient`: A voicemail's recipient, kept when its line is reassigned.
//! - `m20261206_000011_audit_subject_kinds`: Audit subject kinds in one spelling.
//! - `m20261206_000012_line_quarantine`: A released line's quarantine, before its number is given again.
//! - `m20261206_000013_service_account_disabled`: A service account's `disabled_at`.
//! - `m20261206_000014_unit_parent_external_id`: A unit's parent unit; a person's key in the HR or identity system.
//! - `m20261206_000015_leavers`: Who left, when, and what offboarding did.

#![forbid(unsafe_code)]

pub use sea_orm_migration::prelude::*;

mod names;

mod m20261122_000001_directory;
mod m20261122_000002_calls_voicemail;
mod m20261122_000003_conferences_groups;
mod m20261122_000004_contact_centres;
mod m20261122_000005_cutover;
mod m20261122_000006_audit;
mod m20261122_000007_directory_search;
mod m20261122_000008_cutover_indexes;
mod m20261202_000009_directory_order;
mod m20261206_000010_voicemail_recipient;
mod m20261206_000011_audit_subject_kinds;
mod m20261206_000012_line_quarantine;
mod m20261206_000013_service_account_disabled;
mod m20261206_000014_unit_parent_external_id;
mod m20261206_000015_leavers;

/// All migrations of the schema, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_directory::Migration),
            Box::new(m20261122_000002_calls_voicemail::Migration),
            Box::new(m20261122_000003_conferences_groups::Migration),
            Box::new(m20261122_000004_contact_centres::Migration),
            Box::new(m20261122_000005_cutover::Migration),
            Box::new(m20261122_000006_audit::Migration),
            Box::new(m20261122_000007_directory_search::Migration),
            Box::new(m20261122_000008_cutover_indexes::Migration),
            Box::new(m20261202_000009_directory_order::Migration),
            Box::new(m20261206_000010_voicemail_recipient::Migration),
            Box::new(m20261206_000011_audit_subject_kinds::Migration),
            Box::new(m20261206_000012_line_quarantine::Migration),
            Box::new(m20261206_000013_service_account_disabled::Migration),
            Box::new(m20261206_000014_unit_parent_external_id::Migration),
            Box::new(m20261206_000015_leavers::Migration),
        ]
    }
}

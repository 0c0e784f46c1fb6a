//! The demo university for `chorus serve --demo`: a deterministic, realistic Oxford.
//!
//! What it seeds (only when the `unit` table is empty, in one transaction):
//! - 41 units: 22 colleges, 11 departments (incl. Saïd Business School), 5 UAS divisions, the
//!   Bodleian, and the separate-Teams units OUEM, OUI and SBS (`teams_tenant = SEPARATE`).
//! - About 3,000 people with varied (accented, hyphenated) names, SSO usernames like
//!   `ball1234`, `first.last@<unit>.ox.ac.uk` emails, job titles, 4% ex-directory; 50 pilot
//!   people already on Teams (Teams client preferred, Chorus devices disabled, a licence each).
//! - A personal line per person, ~150 shared lines and ~30 critical lines; a desk phone per
//!   person, softphones (~20%) and OpenScape Mobile (~12%), ~10% with a non-desk preferred
//!   device; mailbox settings for nearly every personal line and each group pilot line.
//! - 60 hunt groups, 40 pickup groups, 25 executive-assistant groups with whitelists, linked
//!   into non-trivial movement sets; one Teams hunt group and one Teams EA group of pilots.
//! - The "IT Service Desk" contact centre: two queues, agents, opening hours, closures on the
//!   English bank holidays of this year and next.
//! - ~90,000 call records (about 30 per person) over the last 60 days, ~124,000 participant
//!   rows.
//! - About 150 voicemails with generated audio (`voicemail`, after the rows: they go through
//!   the blob store), eight of them in `demo-user`'s mailbox in µ-law, A-law and FLAC.
//! - The "teams" licence pool, the nomination round with a few Balliol nominations, the four
//!   tranches (pilot members in tranche 1), role grants, the demo accounts and an audit event.
//!
//! Layout: `generate` builds every row in memory (pure), its steps in `people`, `lines`,
//! `centre`, `groups`, `rollout` and `calls` (the call history); `names` the word lists,
//! `holidays` the bank holidays, `random` the seeded streams, `audio` the synthetic
//! recordings, `voicemail` the mailboxes; this module inserts the rows in batches.
//!
//! Same data every run: choices and ids come from fixed ChaCha8 seeds (ids are UUIDv7 built
//! from a fixed base time plus seeded bits); only times move, relative to today.

use std::time::Instant;

use chrono::{DateTime, SubsecRound, Utc};
use entity::unit;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityName, EntityTrait, IdenStatic,
    Iterable, ModelTrait, PaginatorTrait, Statement, TransactionTrait,
};

pub mod audio;
mod calls;
mod centre;
mod generate;
mod groups;
pub mod holidays;
mod lines;
mod names;
mod people;
mod random;
mod rollout;

#[cfg(test)]
mod tests;
pub mod voicemail;

/// The fixed demo accounts, one per role.
pub const ACCOUNTS: [&str; 4] = [
    "demo-admin",
    "demo-coordinator",
    "demo-user",
    "demo-automation",
];

/// Rows per INSERT statement.
const CHUNK_ROWS: usize = 500;

/// Seeds the demo data when the database holds no units; returns whether it seeded.
pub async fn seed_if_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    // Whole seconds: nothing in the demo needs finer times, and both backends store them alike.
    seed_if_empty_at(db, Utc::now().trunc_subsecs(0)).await
}

/// [`seed_if_empty`] with times relative to `now`.
pub(crate) async fn seed_if_empty_at(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if unit::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let started = Instant::now();
    let data = generate::generate(now);
    let counts = data.counts();
    let generated = started.elapsed();
    let txn = db.begin().await?;
    let inserted = match insert(&txn, data).await {
        // The directory search index is derived from people and lines: build it in the same
        // transaction, so a seeded database is always searchable.
        Ok(()) => crate::services::directory::reindex_all(&txn).await,
        Err(e) => Err(e),
    };
    // The countdown e-mails of the people already placed in tranches.
    let inserted = match inserted {
        Ok(()) => plan_countdowns(&txn, now).await,
        Err(e) => Err(e),
    };
    if let Err(e) = inserted {
        txn.rollback().await.ok();
        // Another process seeding at the same moment wins the unique constraints: not an error.
        if unit::Entity::find().count(db).await.unwrap_or(0) > 0 {
            tracing::info!("demo data seeded by another process");
            return Ok(false);
        }
        return Err(anyhow::Error::new(e).context("inserting the demo data"));
    }
    txn.commit().await?;
    let summary: Vec<String> = counts
        .iter()
        .map(|(table, n)| format!("{table}={n}"))
        .collect();
    tracing::info!(
        generate_ms = generated.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        rows = %summary.join(" "),
        "demo data inserted"
    );
    Ok(true)
}

/// Plans the countdown e-mails of every tranche member, as placing them would have.
async fn plan_countdowns(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), DbErr> {
    use crate::services::cutover::{london_today, tranches};
    for (t, _) in tranches::list(db).await? {
        let members = tranches::members(db, t.id).await?;
        if !members.is_empty() {
            tranches::replan(db, &t, &members, london_today(now)).await?;
        }
    }
    Ok(())
}

/// Inserts every table; on SQLite with a larger page cache (so the call tables' indexes stay
/// in memory) and statement journals in memory, restored to the defaults afterwards.
async fn insert(db: &impl ConnectionTrait, d: generate::Dataset) -> Result<(), DbErr> {
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    if sqlite {
        for pragma in ["PRAGMA cache_size = -262144", "PRAGMA temp_store = MEMORY"] {
            db.execute_unprepared(pragma).await?;
        }
    }
    let inserted = insert_tables(db, d).await;
    if sqlite {
        for pragma in ["PRAGMA cache_size = -2000", "PRAGMA temp_store = DEFAULT"] {
            let reset = db.execute_unprepared(pragma).await;
            if inserted.is_ok() {
                reset?;
            }
        }
    }
    inserted
}

/// Inserts every table in foreign-key order.
async fn insert_tables(db: &impl ConnectionTrait, d: generate::Dataset) -> Result<(), DbErr> {
    insert_all(db, d.units).await?;
    insert_all(db, d.people).await?;
    insert_all(db, d.role_grants).await?;
    insert_all(db, d.service_accounts).await?;
    insert_all(db, d.lines).await?;
    insert_all(db, d.devices).await?;
    insert_all(db, d.mailbox_settings).await?;
    insert_all(db, d.hunt_groups).await?;
    insert_all(db, d.hunt_group_members).await?;
    insert_all(db, d.pickup_groups).await?;
    insert_all(db, d.pickup_group_members).await?;
    insert_all(db, d.ea_groups).await?;
    insert_all(db, d.ea_group_members).await?;
    insert_all(db, d.ea_whitelist).await?;
    insert_all(db, d.contact_centres).await?;
    insert_all(db, d.cc_queues).await?;
    insert_all(db, d.cc_agents).await?;
    insert_all(db, d.cc_opening_hours).await?;
    insert_all(db, d.cc_closures).await?;
    insert_all(db, d.call_records).await?;
    insert_all(db, d.call_participants).await?;
    insert_all(db, d.licence_pools).await?;
    insert_all(db, d.licence_assignments).await?;
    insert_all(db, d.nomination_rounds).await?;
    insert_all(db, d.nominations).await?;
    insert_all(db, d.tranches).await?;
    insert_all(db, d.tranche_members).await?;
    insert_all(db, d.audit_events).await?;
    Ok(())
}

/// Inserts rows in multi-row statements of at most [`CHUNK_ROWS`] rows.
///
/// Writes the SQL itself (every column, one placeholder per value, bound to the typed values
/// of [`ModelTrait::get`]: exactly what an entity insert binds) rather than going through
/// `Entity::insert_many`, which builds an expression tree per value: for the ~210,000 call
/// rows that was a third of the seed's time in a debug build.
async fn insert_all<M>(db: &impl ConnectionTrait, rows: Vec<M>) -> Result<(), DbErr>
where
    M: ModelTrait,
{
    let backend = db.get_database_backend();
    let columns: Vec<<M::Entity as EntityTrait>::Column> =
        <M::Entity as EntityTrait>::Column::iter().collect();
    let table = <M::Entity as Default>::default().table_name().to_owned();
    let head = format!(
        "INSERT INTO \"{table}\" ({}) VALUES ",
        columns
            .iter()
            .map(|c| format!("\"{}\"", c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for chunk in rows.chunks(CHUNK_ROWS) {
        let mut sql = String::with_capacity(head.len() + chunk.len() * columns.len() * 7);
        sql.push_str(&head);
        let mut values = Vec::with_capacity(chunk.len() * columns.len());
        for (r, row) in chunk.iter().enumerate() {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for (c, column) in columns.iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                values.push(row.get(*column));
                match backend {
                    DbBackend::Postgres => {
                        sql.push('$');
                        sql.push_str(&values.len().to_string());
                    }
                    _ => sql.push('?'),
                }
            }
            sql.push(')');
        }
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

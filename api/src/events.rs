//! Events between server processes: "a voicemail arrived" reaches every subscriber, whichever
//! replica ingested it.
//!
//! On PostgreSQL the ingest transaction runs `pg_notify` (delivered only if it commits, and to
//! every process listening, this one included); one listener task per process feeds a local
//! broadcast channel that subscriptions read. On SQLite there is one process per database
//! file, so the ingest publishes straight into the local channel after commit.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

/// The PostgreSQL channel of voicemail events.
pub const VOICEMAIL_CHANNEL: &str = "chorus_voicemail";
/// The PostgreSQL channel of cutover progress.
pub const CUTOVER_CHANNEL: &str = "chorus_cutover";

/// Progress of a move to Teams: sent after each movement set, and once at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CutoverProgress {
    /// One id per `executeTranche` or `moveToTeams` run.
    pub run_id: Uuid,
    pub tranche_id: Option<Uuid>,
    pub sets_total: u32,
    pub sets_done: u32,
    pub sets_failed: u32,
    pub people_moved: u32,
    /// The set just finished: its members, and why it failed (None when it moved).
    pub set_members: Vec<Uuid>,
    pub failure: Option<String>,
    pub finished: bool,
}

/// A voicemail was stored in a mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoicemailReceived {
    pub voicemail_id: Uuid,
    pub mailbox_line_id: Uuid,
    /// The line's owner; None for a shared line.
    pub owner_id: Option<Uuid>,
}

/// The process's event hub. Cheap to clone.
#[derive(Clone)]
pub struct Events {
    voicemail: broadcast::Sender<VoicemailReceived>,
    cutover: broadcast::Sender<CutoverProgress>,
    /// True when delivery goes through PostgreSQL NOTIFY.
    postgres: bool,
}

impl Events {
    /// Creates the hub; on PostgreSQL also starts the listener task (it reconnects by itself
    /// when the connection drops, and stops when the runtime does).
    pub fn start(db: &DatabaseConnection) -> Self {
        let (voicemail, _) = broadcast::channel(1024);
        let (cutover, _) = broadcast::channel(4096);
        let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
        if postgres {
            let pool = db.get_postgres_connection_pool().clone();
            tokio::spawn(listen(pool, voicemail.clone(), cutover.clone()));
        }
        Self {
            voicemail,
            cutover,
            postgres,
        }
    }

    /// A receiver of cutover progress from now on.
    pub fn subscribe_cutover(&self) -> broadcast::Receiver<CutoverProgress> {
        self.cutover.subscribe()
    }

    /// Publishes progress to every process's subscribers (through NOTIFY on PostgreSQL, sent
    /// at once: call it outside a transaction, after the set committed).
    pub async fn progress(&self, db: &impl ConnectionTrait, event: CutoverProgress) {
        self.progress_many(db, vec![event]).await;
    }

    /// Publishes several progress events in order, with one statement per
    /// [`crate::db::JSON_ROWS_PER_STATEMENT`] on PostgreSQL.
    pub async fn progress_many(&self, db: &impl ConnectionTrait, events: Vec<CutoverProgress>) {
        if !self.postgres {
            for event in events {
                let _ = self.cutover.send(event);
            }
            return;
        }
        let payloads: Vec<String> = events
            .into_iter()
            .filter_map(|event| {
                let payload = serde_json::to_string(&event).ok()?;
                // NOTIFY payloads are limited to 8000 bytes: a huge set goes without its members.
                if payload.len() <= 7_000 {
                    return Some(payload);
                }
                let mut slim = event;
                slim.set_members.clear();
                serde_json::to_string(&slim).ok()
            })
            .collect();
        for chunk in payloads.chunks(crate::db::JSON_ROWS_PER_STATEMENT) {
            let calls: Vec<String> = (0..chunk.len())
                .map(|i| format!("pg_notify($1, ${})", i + 2))
                .collect();
            let mut values: Vec<sea_orm::Value> = vec![CUTOVER_CHANNEL.into()];
            values.extend(chunk.iter().map(|p| p.clone().into()));
            if let Err(e) = db
                .execute_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    format!("SELECT {}", calls.join(", ")),
                    values,
                ))
                .await
            {
                tracing::warn!(error = %e, "cutover progress not published");
            }
        }
    }

    /// A receiver of voicemail events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<VoicemailReceived> {
        self.voicemail.subscribe()
    }

    /// Announces a voicemail. Call inside the ingest transaction: on PostgreSQL the
    /// notification leaves only if the transaction commits. Returns what to [`Self::deliver`]
    /// after the commit (nothing on PostgreSQL, where the listener delivers).
    pub async fn announce(
        &self,
        txn: &impl ConnectionTrait,
        event: VoicemailReceived,
    ) -> Result<Option<VoicemailReceived>, DbErr> {
        if !self.postgres {
            return Ok(Some(event));
        }
        let payload = serde_json::to_string(&event).map_err(|e| DbErr::Custom(e.to_string()))?;
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [VOICEMAIL_CHANNEL.into(), payload.into()],
        ))
        .await?;
        Ok(None)
    }

    /// Delivers in-process what [`Self::announce`] returned, after the commit.
    pub fn deliver(&self, event: Option<VoicemailReceived>) {
        if let Some(event) = event {
            // No subscriber is not an error.
            let _ = self.voicemail.send(event);
        }
    }
}

async fn listen(
    pool: sqlx::PgPool,
    tx: broadcast::Sender<VoicemailReceived>,
    cutover: broadcast::Sender<CutoverProgress>,
) {
    loop {
        match listen_once(&pool, &tx, &cutover).await {
            Ok(()) => return,
            Err(e) => {
                // The pool is closed when the app stops; anything else is worth a retry.
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "voicemail event listener failed; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn listen_once(
    pool: &sqlx::PgPool,
    tx: &broadcast::Sender<VoicemailReceived>,
    cutover: &broadcast::Sender<CutoverProgress>,
) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener
        .listen_all([VOICEMAIL_CHANNEL, CUTOVER_CHANNEL])
        .await?;
    loop {
        // `recv` reconnects by itself after a lost connection (events sent meanwhile are lost;
        // clients re-read the list on reconnect).
        let notification = listener.recv().await?;
        if notification.channel() == CUTOVER_CHANNEL {
            match serde_json::from_str::<CutoverProgress>(notification.payload()) {
                Ok(event) => {
                    let _ = cutover.send(event);
                }
                Err(e) => tracing::warn!(error = %e, "unreadable cutover notification"),
            }
            continue;
        }
        match serde_json::from_str::<VoicemailReceived>(notification.payload()) {
            Ok(event) => {
                let _ = tx.send(event);
            }
            Err(e) => tracing::warn!(error = %e, "unreadable voicemail notification"),
        }
    }
}

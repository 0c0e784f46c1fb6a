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
    /// True when delivery goes through PostgreSQL NOTIFY.
    postgres: bool,
}

impl Events {
    /// Creates the hub; on PostgreSQL also starts the listener task (it reconnects by itself
    /// when the connection drops, and stops when the runtime does).
    pub fn start(db: &DatabaseConnection) -> Self {
        let (voicemail, _) = broadcast::channel(1024);
        let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
        if postgres {
            let pool = db.get_postgres_connection_pool().clone();
            tokio::spawn(listen(pool, voicemail.clone()));
        }
        Self {
            voicemail,
            postgres,
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

async fn listen(pool: sqlx::PgPool, tx: broadcast::Sender<VoicemailReceived>) {
    loop {
        match listen_once(&pool, &tx).await {
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
) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(VOICEMAIL_CHANNEL).await?;
    loop {
        // `recv` reconnects by itself after a lost connection (events sent meanwhile are lost;
        // clients re-read the list on reconnect).
        let notification = listener.recv().await?;
        match serde_json::from_str::<VoicemailReceived>(notification.payload()) {
            Ok(event) => {
                let _ = tx.send(event);
            }
            Err(e) => tracing::warn!(error = %e, "unreadable voicemail notification"),
        }
    }
}

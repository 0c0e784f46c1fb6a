//! Database connection and migration. SQLite gets WAL, foreign keys and a busy timeout;
//! PostgreSQL a pool sized for a small service.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr, SqlxSqliteConnector,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use crate::config::DatabaseUrl;
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

/// The most ids (or about as many other values) bound in one statement.
///
/// Well under SQLite's 32,766 parameters, and small enough that a statement's messages stay
/// under about 10 KB: sqlx 0.9.0 no longer sets `TCP_NODELAY` (transact-rs/sqlx#4335, fixed
/// upstream but not released), so a message larger than the socket's send buffer (16 KB at
/// first) goes out in two writes, and the second waits about 40 ms for the delayed ACK of the
/// first. A move of 1,500 people spent 1.7 s of its 2.4 s in such waits.
pub const IDS_PER_STATEMENT: usize = 500;

/// Rows carrying JSON documents (audit snapshots, event payloads) in one statement: a few
/// hundred bytes each, so that a statement stays as small as [`IDS_PER_STATEMENT`] keeps one.
pub const JSON_ROWS_PER_STATEMENT: usize = 40;

/// Opens a pool on the database with the default size; creates the SQLite file (and its
/// folder) if missing.
pub async fn connect(url: &DatabaseUrl) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, crate::config::DEFAULT_MAX_CONNECTIONS).await
}

/// [`connect`] with at most `max_connections` PostgreSQL connections (SQLite keeps 8: one
/// writer at a time either way).
pub async fn connect_with(
    url: &DatabaseUrl,
    max_connections: u32,
) -> Result<DatabaseConnection, DbErr> {
    match url {
        DatabaseUrl::Sqlite(url) => {
            let options: SqliteConnectOptions = url
                .parse()
                .map_err(|e| DbErr::Custom(format!("invalid SQLite URL {url}: {e}")))?;
            if let Some(dir) = options
                .get_filename()
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
            }
            let options = options
                .create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .min_connections(1)
                .connect_with(options)
                .await
                .map_err(|e| DbErr::Custom(format!("cannot open SQLite database: {e}")))?;
            let mut db = SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
            db.set_metric_callback(count_statement);
            Ok(db)
        }
        DatabaseUrl::Postgres(url) => {
            let mut options = ConnectOptions::new(url.clone());
            options
                .max_connections(max_connections.max(1))
                .min_connections(1)
                .connect_timeout(Duration::from_secs(5))
                .acquire_timeout(Duration::from_secs(5))
                .sqlx_logging(false);
            let mut db = Database::connect(options).await?;
            db.set_metric_callback(count_statement);
            Ok(db)
        }
    }
}

/// Counts each statement sent (`chorus_db_statements_total{outcome}`), so that SQL statements
/// per request can be read off `/metrics`.
fn count_statement(info: &sea_orm::metric::Info<'_>) {
    let outcome = if info.failed { "error" } else { "ok" };
    metrics::counter!("chorus_db_statements_total", "outcome" => outcome).increment(1);
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// True when the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: a deferred
/// transaction that reads first and writes later cannot wait for a concurrent writer (SQLite
/// answers "database is locked" at once instead of using the busy timeout), so concurrent
/// read-then-write mutations would fail instead of queueing. PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// `(a, id) > (value, after_id)` written portably.
pub fn keyset_after<C: ColumnTrait, V: Into<sea_orm::Value> + Clone>(
    col: C,
    value: &V,
    id_col: C,
    id: Uuid,
) -> Condition {
    Condition::any().add(col.gt(value.clone())).add(
        Condition::all()
            .add(col.eq(value.clone()))
            .add(id_col.gt(id)),
    )
}

/// `(a, id) < (value, before_id)` written portably.
pub fn keyset_before<C: ColumnTrait, V: Into<sea_orm::Value> + Clone>(
    col: C,
    value: &V,
    id_col: C,
    id: Uuid,
) -> Condition {
    Condition::any().add(col.lt(value.clone())).add(
        Condition::all()
            .add(col.eq(value.clone()))
            .add(id_col.lt(id)),
    )
}

/// True when a statement failed on a unique index: the row a concurrent request wrote first
/// (a check inside the transaction cannot see it on PostgreSQL until that one commits).
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

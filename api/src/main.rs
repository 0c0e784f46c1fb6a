//! The `chorus` command line: serve, mint tokens, migrate, print the schema.
#![forbid(unsafe_code)]

use std::{path::PathBuf, process::ExitCode, time::Instant};

use chorus::{
    app::{App, AppState, shutdown_signal},
    auth::TokenKeys,
    config::{RawSettings, Settings},
    db, demo,
    domain::cutover::LookBackDays,
    graphql, services,
};
use clap::{Args, Parser, Subcommand};

/// mimalloc instead of the system allocator: a request allocates and frees many small
/// objects across threads (parsed query, JSON, rows), where glibc's malloc spent about a
/// fifth of the server's CPU under load. Built with `no_thp`: its arenas asked for
/// transparent huge pages, which put the idle RSS at 52 MB rather than 37 MB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Chorus API: GraphQL backend of the Chorus telephone system.
#[derive(Parser)]
#[command(name = "chorus", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP/GraphQL server (migrates the database first).
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on.
        #[arg(long, env = "CHORUS_LISTEN")]
        listen: Option<String>,
        /// Seed the demo university when the database is empty, and print a token per role.
        #[arg(long)]
        demo: bool,
        /// Log format: text or json.
        #[arg(long, env = "CHORUS_LOG_FORMAT", default_value = "text")]
        log_format: String,
    },
    /// Print a signed access token for a person or service account.
    Token {
        #[command(flatten)]
        common: Common,
        /// SSO username of the person (e.g. demo-user) or service account name (demo-automation).
        #[arg(long)]
        person: String,
        /// Lifetime, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        common: Common,
    },
    /// Print the GraphQL schema (SDL); schema.graphql is exactly this output.
    Schema,
    /// Rebuild the directory search index from people and lines.
    Reindex {
        #[command(flatten)]
        common: Common,
    },
    /// Fill an empty database with a large synthetic data set for benchmarks.
    Seed {
        #[command(flatten)]
        common: Common,
        /// Number of people (at most 100,000).
        #[arg(long, default_value_t = 100_000)]
        people: u32,
        /// Number of call records.
        #[arg(long, default_value_t = 10_000_000)]
        calls: u64,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Voicemail blob store maintenance.
    Storage {
        #[command(subcommand)]
        what: StorageCommand,
    },
    /// Export data as files.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Administrators of the installation.
    Admin {
        #[command(subcommand)]
        what: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Make a person an administrator, creating them when absent (the first administrator of
    /// an empty installation; after that, `grantRole` does it). Safe to run again.
    Add {
        #[command(flatten)]
        common: Common,
        /// SSO username, e.g. abcd1234 or a.b@example.ac.uk.
        username: String,
        /// Name for a new person (default the username).
        #[arg(long)]
        display_name: Option<String>,
        /// E-mail address for a new person (default USERNAME@admin.invalid, to be corrected).
        #[arg(long)]
        email: Option<String>,
        /// Unit code for a new person; created when missing (default TELEPHONY).
        #[arg(long)]
        unit: Option<String>,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The MS Teams column as CSV (the columns of `GET /v1/teams-column.csv`).
    TeamsColumn {
        #[command(flatten)]
        common: Common,
        /// Unit code (e.g. BALL); every unit when left out.
        #[arg(long)]
        unit: Option<String>,
        /// Days of call history that count, 1 to 3660; default CHORUS_TEAMS_LOOKBACK_DAYS (90).
        #[arg(long, value_parser = look_back_days, allow_negative_numbers = true)]
        look_back_days: Option<LookBackDays>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// The directory feed: units.csv and people.csv written into DIR (created when missing),
    /// the files `chorus import directory` reads.
    Directory {
        #[command(flatten)]
        common: Common,
        /// The directory to write into.
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum StorageCommand {
    /// Compare the blob store with the database: blobs no row names, rows whose audio is
    /// missing. Exits 1 when problems remain.
    Fsck {
        #[command(flatten)]
        common: Common,
        /// Remove orphan blobs (older than the grace period) and unplayable rows.
        #[arg(long)]
        repair: bool,
        /// Leave orphan blobs younger than this alone (an ingest may be between its blob and
        /// its row), e.g. 10m, 1h.
        #[arg(long, default_value = "10m")]
        grace: String,
    },
    /// Purge now the audio of voicemails deleted longer ago than the retention period.
    Purge {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Backfill call records from a CSV file (columns: pbx_call_id, started_at, answered_at,
    /// ended_at, direction, from, to, result, answered_by, routed_via, device_kind);
    /// idempotent by pbx_call_id, in all-or-nothing batches of 5,000.
    Calls {
        #[command(flatten)]
        common: Common,
        /// The CSV file.
        file: PathBuf,
    },
    /// Merge the directory feed (units.csv and people.csv in DIR) into the database: new
    /// rows are added, differing rows changed, rows absent from the feed left alone. Any bad
    /// row refuses the whole feed; the plan is printed, then applied in one transaction.
    Directory {
        #[command(flatten)]
        common: Common,
        /// The directory holding units.csv and people.csv.
        dir: PathBuf,
        /// Print the plan and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Args, Clone)]
struct Common {
    /// Data directory (SQLite file, blobs, generated token secret).
    #[arg(long, env = "CHORUS_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL (sqlite:… or postgres://…); default a SQLite file in the data directory.
    #[arg(long, env = "CHORUS_DATABASE_URL")]
    database_url: Option<String>,
}

impl Common {
    /// Settings, the data directory, and a migrated database connection.
    async fn open(&self) -> Result<(Settings, sea_orm::DatabaseConnection), String> {
        let settings = self.settings(None)?;
        std::fs::create_dir_all(&settings.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", settings.data_dir.display()))?;
        let conn = db::connect(&settings.database)
            .await
            .map_err(|e| e.to_string())?;
        db::migrate(&conn)
            .await
            .map_err(|e| format!("migration failed: {e}"))?;
        Ok((settings, conn))
    }

    fn settings(&self, listen: Option<String>) -> Result<Settings, String> {
        Settings::from_raw(RawSettings {
            listen,
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
        })
        .map_err(|e| e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("chorus: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("chorus: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(format: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHORUS_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        "text" => builder.init(),
        "json" => builder.json().init(),
        other => return Err(format!("invalid --log-format {other:?}: use text or json")),
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Migrate { common } => {
            let (settings, _conn) = common.open().await?;
            eprintln!("migrations applied to {}", settings.database.redacted());
            Ok(())
        }
        Command::Reindex { common } => {
            let (_, conn) = common.open().await?;
            let started = Instant::now();
            services::directory::reindex_all(&conn)
                .await
                .map_err(|e| format!("reindex failed: {e}"))?;
            println!(
                "directory index rebuilt in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Seed {
            common,
            people,
            calls,
        } => {
            init_logs("text")?;
            let (_, conn) = common.open().await?;
            let started = Instant::now();
            chorus::seed::seed(&conn, people, calls)
                .await
                .map_err(|e| format!("seed failed: {e:#}"))?;
            println!(
                "seeded {people} people and {calls} calls in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Import {
            what: ImportCommand::Calls { common, file },
        } => {
            let (_, conn) = common.open().await?;
            let input = std::fs::File::open(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let summary = services::import::import_calls(&conn, std::io::BufReader::new(input))
                .await
                .map_err(|e| format!("import failed: {e:#}"))?;
            for (line, message) in &summary.rejected {
                eprintln!("line {line}: {message}");
            }
            println!(
                "{} inserted, {} already present, {} rejected, {} not stored with a rejected row's batch",
                summary.inserted,
                summary.duplicates,
                summary.rejected.len(),
                summary.skipped
            );
            if summary.rejected.is_empty() {
                Ok(())
            } else {
                Err("some rows were rejected".into())
            }
        }
        Command::Import {
            what:
                ImportCommand::Directory {
                    common,
                    dir,
                    dry_run,
                },
        } => import_directory(common, dir, dry_run).await,
        Command::Storage { what } => storage(what).await,
        Command::Export { what } => export(what).await,
        Command::Admin {
            what:
                AdminCommand::Add {
                    common,
                    username,
                    display_name,
                    email,
                    unit,
                },
        } => {
            let (_, conn) = common.open().await?;
            let done = services::roles::bootstrap_admin(
                &conn,
                &username,
                display_name.as_deref(),
                email.as_deref(),
                unit.as_deref(),
            )
            .await?;
            println!(
                "{username}: {}, {}",
                if done.created_person {
                    "person created"
                } else {
                    "person exists"
                },
                if done.granted {
                    "ADMIN granted"
                } else {
                    "already ADMIN"
                }
            );
            Ok(())
        }
        Command::Token {
            common,
            person,
            ttl,
        } => {
            let ttl = services::tokens::parse_ttl(&ttl)?;
            let (settings, conn) = common.open().await?;
            let keys =
                TokenKeys::load(&settings.auth, &settings.data_dir).map_err(|e| e.to_string())?;
            let token = services::tokens::mint(&conn, &keys, &person, ttl)
                .await
                .map_err(|e| e.to_string())?;
            println!("{token}");
            Ok(())
        }
        Command::Serve {
            common,
            listen,
            demo: with_demo,
            log_format,
        } => {
            init_logs(&log_format)?;
            let started = Instant::now();
            let settings = common.settings(listen)?;
            tracing::info!(settings = settings.summary(), "starting");
            let app = App::build(settings).await.map_err(|e| format!("{e:#}"))?;
            if with_demo {
                let seeded = demo::seed_if_empty(&app.state().db)
                    .await
                    .map_err(|e| format!("demo seed failed: {e:#}"))?;
                if seeded {
                    tracing::info!("seeded the demo university");
                }
                let state = app.state();
                let messages = demo::voicemail::seed_if_empty(
                    &state.db,
                    &state.voicemails,
                    chrono::Utc::now(),
                )
                .await
                .map_err(|e| format!("demo voicemail failed: {e:#}"))?;
                if messages > 0 {
                    tracing::info!(messages, "filled the demo mailboxes with generated audio");
                }
                print_demo_tokens(&app).await;
            }
            let addr = app.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%addr, startup_ms = started.elapsed().as_millis() as u64, "listening");
            app.run_until(shutdown_signal())
                .await
                .map_err(|e| format!("server error: {e}"))?;
            tracing::info!("stopped");
            Ok(())
        }
    }
}

async fn storage(what: StorageCommand) -> Result<(), String> {
    match what {
        StorageCommand::Fsck {
            common,
            repair,
            grace,
        } => {
            let grace = services::tokens::parse_ttl(&grace)?;
            let (settings, conn) = common.open().await?;
            let state = AppState::with_db(settings, conn).map_err(|e| format!("{e:#}"))?;
            let grace = chrono::Duration::from_std(grace).map_err(|e| e.to_string())?;
            let report = state
                .voicemails
                .fsck(&state.db, repair, grace)
                .await
                .map_err(|e| format!("fsck failed: {e}"))?;
            for key in &report.blobs_without_rows {
                println!("blob without row: {key}");
            }
            for row in &report.rows_without_blobs {
                println!("row without blob: {row}");
            }
            for path in &report.unknown_blobs {
                println!("not ours (left alone): {path}");
            }
            println!(
                "{} blobs checked; {} without rows, {} rows without blobs; {} repaired",
                report.blobs,
                report.blobs_without_rows.len(),
                report.rows_without_blobs.len(),
                report.repaired
            );
            let remaining = report.blobs_without_rows.len() + report.rows_without_blobs.len();
            if report.is_clean() || (repair && report.repaired == remaining) {
                Ok(())
            } else {
                Err("problems remain (run with --repair)".into())
            }
        }
        StorageCommand::Purge { common } => {
            let (settings, conn) = common.open().await?;
            let state = AppState::with_db(settings, conn).map_err(|e| format!("{e:#}"))?;
            let purged = state
                .voicemails
                .purge_expired(&state.db, chrono::Utc::now())
                .await
                .map_err(|e| format!("purge failed: {e}"))?;
            println!("{purged} deleted voicemails purged");
            Ok(())
        }
    }
}

async fn export(what: ExportCommand) -> Result<(), String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (common, unit, look_back_days, output) = match what {
        ExportCommand::TeamsColumn {
            common,
            unit,
            look_back_days,
            output,
        } => (common, unit, look_back_days, output),
        ExportCommand::Directory { common, dir } => {
            let (_, conn) = common.open().await?;
            let done = services::directory_feed::export(&conn, &dir)
                .await
                .map_err(|e| format!("export failed: {e:#}"))?;
            println!("{} units and {} people exported", done.units, done.people);
            return Ok(());
        }
    };
    let (settings, conn) = common.open().await?;
    let scope = match unit {
        None => services::cutover::column::Scope::All,
        Some(code) => {
            let unit = entity::unit::Entity::find()
                .filter(entity::unit::Column::Code.eq(code.to_uppercase()))
                .one(&conn)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no unit with code {code:?}"))?;
            services::cutover::column::Scope::Units(vec![unit.id])
        }
    };
    let days = match look_back_days {
        Some(days) => days,
        None => LookBackDays::new(settings.cutover.lookback_days)
            .map_err(|e| format!("CHORUS_TEAMS_LOOKBACK_DAYS: {e}"))?,
    };
    let since = days.since(chrono::Utc::now());
    let (rows, _) = services::cutover::column::compute(&conn, &scope, since)
        .await
        .map_err(|e| format!("cannot compute the column: {e}"))?;
    let numbers = chorus::http::teams_csv::tranche_numbers(&conn)
        .await
        .map_err(|e| e.to_string())?;
    let csv = chorus::http::teams_csv::render(&rows, &numbers).map_err(|e| e.to_string())?;
    match output {
        Some(path) => std::fs::write(&path, csv)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&csv)
                .map_err(|e| e.to_string())?;
        }
    }
    eprintln!("{} people exported", rows.len());
    Ok(())
}

/// `chorus import directory`: prints the plan (or every refused row, and fails).
async fn import_directory(common: Common, dir: PathBuf, dry_run: bool) -> Result<(), String> {
    let (_, conn) = common.open().await?;
    let outcome = services::directory_feed::import(&conn, &dir, dry_run)
        .await
        .map_err(|e| format!("import failed: {e:#}"))?;
    match outcome {
        Ok(plan) => {
            for line in plan.lines() {
                println!("{line}");
            }
            if dry_run {
                println!("dry run: nothing written");
            }
            Ok(())
        }
        Err(rows) => {
            for row in &rows {
                eprintln!("{row}");
            }
            Err(format!("{} rows refused: nothing written", rows.len()))
        }
    }
}

/// `--look-back-days`: the rule of the GraphQL argument and the HTTP route.
fn look_back_days(text: &str) -> Result<LookBackDays, String> {
    let days: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number of days"))?;
    LookBackDays::new(days).map_err(|e| e.to_string())
}

async fn print_demo_tokens(app: &App) {
    let state = app.state();
    let ttl = std::time::Duration::from_secs(12 * 3600);
    for name in demo::ACCOUNTS {
        match services::tokens::mint(&state.db, &state.keys, name, ttl).await {
            Ok(token) => println!("{name}: {token}"),
            Err(e) => tracing::warn!(account = name, error = %e, "no demo token"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--look-back-days` follows the rule of `lookBackDays` in GraphQL and the CSV route.
    #[test]
    fn look_back_days_are_one_day_to_ten_years() {
        let days = |value: &str| {
            Cli::try_parse_from([
                "chorus",
                "export",
                "teams-column",
                "--look-back-days",
                value,
            ])
            .map_err(|e| e.to_string())
            .map(|cli| match cli.command {
                Command::Export {
                    what: ExportCommand::TeamsColumn { look_back_days, .. },
                } => look_back_days.map(LookBackDays::days),
                _ => None,
            })
        };
        for ok in [1, 90, 3660] {
            assert_eq!(days(&ok.to_string()), Ok(Some(ok)));
        }
        for bad in ["0", "-5", "3661", "999999999", "ninety"] {
            let refused = days(bad).expect_err(bad);
            assert!(
                refused.contains("lookBackDays") || refused.contains("whole number"),
                "{refused}"
            );
        }
    }
}

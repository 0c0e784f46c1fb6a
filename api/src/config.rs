//! Settings of the `chorus` binary: one typed struct, read from flags and the environment,
//! validated at start-up. Tests build [`Settings`] in code; nothing reads the environment
//! after start-up.
//!
//! Variables (each also a flag of `chorus serve`):
//! - `CHORUS_LISTEN` (`--listen`): socket address to bind, default `127.0.0.1:8080`.
//! - `CHORUS_DATA_DIR` (`--data-dir`): data directory, default `./data`; holds the SQLite file,
//!   the blob store and the generated token secret.
//! - `CHORUS_DATABASE_URL` or `DATABASE_URL` (`--database-url`): `sqlite://…` or
//!   `postgres://…`; default a SQLite file `chorus.db` in the data directory.
//! - `CHORUS_JWT_ISSUER` (default `chorus`), `CHORUS_JWT_AUDIENCE` (default `chorus-api`).
//! - `CHORUS_JWT_PUBLIC_KEY_FILE`: PEM public key; with it the server verifies RS256 or EdDSA
//!   tokens (`CHORUS_JWT_ALGORITHM`, default `RS256`) and holds no secret. Without it an HS256
//!   secret is generated on first start in `<data dir>/jwt-secret` (mode 0600).
//! - `CHORUS_JWT_PRIVATE_KEY_FILE`: PEM private key that `chorus token` signs with when a public
//!   key is configured (local testing of the production set-up only).
//! - `CHORUS_MAX_BODY_BYTES`: cap on a GraphQL request body, default 4 MiB (a batch of 5,000 call records fits).
//! - `CHORUS_DB_MAX_CONNECTIONS` (default 16): the PostgreSQL pool's size.
//! - `CHORUS_SUBJECT_CACHE_SECONDS` (default 5): how long a token's person or service
//!   account, once found, is trusted before it is looked up again (0: on every request); a
//!   removed person's token stops working within this time.
//! - `CHORUS_WS_INIT_TIMEOUT_SECONDS` (default 10): how long `/graphql/ws` waits for
//!   `connection_init` before closing with 4408.
//! - `CHORUS_INTROSPECTION` (`true`/`false`, default `true`): answer `__schema` queries and
//!   suggest field names in errors; set `false` in production (tools use `schema.graphql`).
//! - `CHORUS_MAX_COST` (5,000), `CHORUS_MAX_ALIASES` (30), `CHORUS_MAX_TOKENS` (5,000),
//!   `CHORUS_MAX_LIST_INPUT` (5,000: a PBX batch of call records): per-operation limits, checked before execution.
//! - `CHORUS_COST_BUDGET` (50,000 points) and `CHORUS_COST_RESTORE_RATE` (5,000 points per
//!   second; 0 turns budgets off): each caller's cost budget; a spent budget answers THROTTLED
//!   (HTTP 429).
//! - `CHORUS_STORAGE_URL`: where voicemail audio lives: unset for `<data dir>/blobs`,
//!   `file:///abs/dir`, `memory:` or `s3://bucket[/prefix]` with the `AWS_*` variables.
//! - `CHORUS_VOICEMAIL_MAX_BYTES` (default 20 MiB), `CHORUS_VOICEMAIL_MAX_SECONDS` (default
//!   600), `CHORUS_GREETING_MAX_BYTES` (default 4 MiB): upload limits.
//! - `CHORUS_VOICEMAIL_RETENTION_DAYS` (default 30): how long a deleted voicemail's audio is
//!   kept before the purge task removes it; `CHORUS_VOICEMAIL_PURGE_INTERVAL_SECONDS` (default
//!   3600) how often that task runs.
//! - `CHORUS_LINE_QUARANTINE_DAYS` (default 90, at most 3650): how long a released personal
//!   line is held before its number may be given to someone else.
//! - `CHORUS_MEDIA_SECRET`: secret (≥ 32 characters) that signs short-lived audio URLs; replicas
//!   must share it. Without it one is generated in `<data dir>/media-secret`.
//! - `CHORUS_PUBLIC_URL`: base of the audio URLs handed to clients (e.g.
//!   `https://chorus.example.ac.uk`); without it they are relative paths.
//! - `CHORUS_TRUSTED_NETWORKS`: comma-separated CIDRs (the VPN and campus ranges) from which
//!   voicemail settings may be changed; empty means nowhere.
//! - `CHORUS_TRUSTED_PROXIES`: comma-separated CIDRs of reverse proxies whose
//!   `X-Forwarded-For` is believed; from anyone else the header is ignored.
//! - `CHORUS_HEADER_TIMEOUT_SECONDS` (default 10): how long a client may take to send a
//!   request's head, from the connection's start or from the first byte of a later request.
//! - `CHORUS_BODY_TIMEOUT_SECONDS` (default 30): the longest pause between two pieces of a
//!   request body (answered 408, then closed), or in the client's reading of an answer (closed).
//! - `CHORUS_IDLE_TIMEOUT_SECONDS` (default 60): how long a kept-alive connection may wait for
//!   its next request. Upgraded WebSockets are exempt from these three.
//! - `CHORUS_MAX_CONNECTIONS` (default: sized below the open-file limit, at most 8,192):
//!   connections open at once, WebSockets included; beyond it a connection is answered 503.

use std::{net::SocketAddr, path::PathBuf};

use jsonwebtoken::Algorithm;

/// PostgreSQL connections of a pool unless configured (`CHORUS_DB_MAX_CONNECTIONS`).
pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;

/// Everything the server needs to start; secrets are never printed (see [`Settings::summary`]).
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    /// Most PostgreSQL connections of the pool.
    pub db_max_connections: u32,
    pub auth: AuthSettings,
    pub limits: Limits,
    pub introspection: bool,
    /// `CHORUS_STORAGE_URL` as given; resolved against the data directory at start-up.
    pub storage_url: Option<String>,
    pub voicemail: VoicemailSettings,
    pub network: NetworkSettings,
    /// Base URL of links handed to clients; None for relative links.
    pub public_url: Option<String>,
    pub cutover: CutoverSettings,
    pub connections: ConnectionSettings,
    pub lines: LineSettings,
}

/// Settings of lines as data (`createLine`, `releaseLine`).
#[derive(Clone, Debug, Default)]
pub struct LineSettings {
    /// How long a released personal line is held (`CHORUS_LINE_QUARANTINE_DAYS`).
    pub quarantine: crate::domain::lines::QuarantineDays,
}

/// Timeouts and the cap of client connections, applied by the accept loop (`http::serve`).
#[derive(Clone, Debug)]
pub struct ConnectionSettings {
    /// Longest a client may take to send a request's head: from the connection's start, or
    /// on a kept-alive connection from the first byte of the next request.
    pub header_timeout: std::time::Duration,
    /// Longest pause between two pieces of a request body (the request is answered 408 and
    /// the connection closed), or while the client does not read an answer (closed).
    pub body_timeout: std::time::Duration,
    /// Longest a kept-alive connection may wait for its next request.
    pub idle_timeout: std::time::Duration,
    /// Most connections open at once, WebSockets included; None sizes it from the open-file
    /// limit at start.
    pub max_connections: Option<usize>,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            header_timeout: std::time::Duration::from_secs(10),
            body_timeout: std::time::Duration::from_secs(30),
            idle_timeout: std::time::Duration::from_secs(60),
            max_connections: None,
        }
    }
}

impl ConnectionSettings {
    /// Reads `CHORUS_{HEADER,BODY,IDLE}_TIMEOUT_SECONDS` and `CHORUS_MAX_CONNECTIONS` through
    /// `var` (the environment at start-up); each must be a whole number of at least 1.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let positive = |name: &'static str| -> Result<Option<u64>, ConfigError> {
            match whole::<u64>(name, var(name))? {
                Some(0) => Err(ConfigError::Invalid {
                    name,
                    reason: "0: use at least 1".into(),
                }),
                v => Ok(v),
            }
        };
        let mut settings = Self::default();
        let seconds = std::time::Duration::from_secs;
        if let Some(v) = positive("CHORUS_HEADER_TIMEOUT_SECONDS")? {
            settings.header_timeout = seconds(v);
        }
        if let Some(v) = positive("CHORUS_BODY_TIMEOUT_SECONDS")? {
            settings.body_timeout = seconds(v);
        }
        if let Some(v) = positive("CHORUS_IDLE_TIMEOUT_SECONDS")? {
            settings.idle_timeout = seconds(v);
        }
        if let Some(v) = positive("CHORUS_MAX_CONNECTIONS")? {
            settings.max_connections =
                Some(usize::try_from(v).map_err(|_| ConfigError::Invalid {
                    name: "CHORUS_MAX_CONNECTIONS",
                    reason: format!("{v} is too large"),
                })?);
        }
        Ok(settings)
    }
}

/// The move to Teams: the MS Teams column's look-back and the countdown sender.
#[derive(Clone, Debug)]
pub struct CutoverSettings {
    /// How far back external calls away from the desk phone count (rule 1).
    pub lookback_days: u32,
    /// How often the countdown sender looks for due notices.
    pub notify_interval: std::time::Duration,
    /// Where the sender also writes each e-mail as a `.eml` file (a mail pickup directory);
    /// None keeps the rendered e-mail in the outbox row only.
    pub mail_dir: Option<PathBuf>,
    /// `host:port` of an SMTP relay the sender hands each e-mail to (plain SMTP, as to a
    /// local Postfix that forwards with TLS); None sends nothing by SMTP.
    pub smtp_relay: Option<String>,
    /// The From of countdown e-mails.
    pub mail_from: String,
}

impl Default for CutoverSettings {
    fn default() -> Self {
        Self {
            lookback_days: 90,
            notify_interval: std::time::Duration::from_secs(60),
            mail_dir: None,
            smtp_relay: None,
            mail_from: "Chorus Upgrade Project <chorus-upgrade@it.ox.ac.uk>".into(),
        }
    }
}

/// Voicemail limits and housekeeping.
#[derive(Clone, Debug)]
pub struct VoicemailSettings {
    /// Largest voicemail upload accepted, in bytes.
    pub max_bytes: usize,
    /// Longest voicemail accepted.
    pub max_duration: std::time::Duration,
    /// Largest greeting upload accepted, in bytes.
    pub greeting_max_bytes: usize,
    /// Time a deleted voicemail's audio is kept before it is purged.
    pub retention: chrono::Duration,
    /// How often the purge task runs.
    pub purge_interval: std::time::Duration,
    /// Secret of the signed audio URLs; None to use (or create) `<data dir>/media-secret`.
    pub media_secret: Option<String>,
}

impl Default for VoicemailSettings {
    fn default() -> Self {
        Self {
            max_bytes: 20 << 20,
            max_duration: std::time::Duration::from_secs(600),
            greeting_max_bytes: 4 << 20,
            retention: chrono::Duration::days(30),
            purge_interval: std::time::Duration::from_secs(3600),
            media_secret: None,
        }
    }
}

/// Which client addresses count as "on the VPN", and whose forwarding headers are believed.
#[derive(Clone, Debug, Default)]
pub struct NetworkSettings {
    pub trusted_networks: Vec<ipnet::IpNet>,
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Where the relational data lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a `sqlite:` or `postgres:`/`postgresql:` URL.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(url.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err(ConfigError::Invalid {
                name: "database URL",
                reason: "must start with sqlite: or postgres://".into(),
            })
        }
    }

    /// The default: a SQLite file in the data directory.
    pub fn sqlite_in(data_dir: &std::path::Path) -> Self {
        Self::Sqlite(format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("chorus.db").display()
        ))
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(u) => u.clone(),
            Self::Postgres(u) => match (u.find("://"), u.rfind('@')) {
                (Some(s), Some(at)) if at > s => {
                    let creds = &u[s + 3..at];
                    let user = creds.split(':').next().unwrap_or_default();
                    format!("{}{}:***{}", &u[..s + 3], user, &u[at..])
                }
                _ => u.clone(),
            },
        }
    }
}

/// How tokens are verified.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    pub key: KeySource,
    pub private_key_file: Option<PathBuf>,
    /// How long a token's subject, once found, is trusted without looking again (0: every
    /// request looks).
    pub subject_cache: std::time::Duration,
}

/// The verification key: a generated shared secret for local use, or a public key.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// HS256 with the secret kept in `<data dir>/jwt-secret`, created on first use.
    GeneratedSecret,
    /// RS256 or EdDSA with a PEM public key; the server holds no signing secret.
    PublicKey {
        algorithm: Algorithm,
        pem_file: PathBuf,
    },
}

/// Request limits.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_page_size: u32,
    /// Most a single operation may cost (see `graphql::cost`).
    pub max_cost: u32,
    /// Most aliased fields in one operation (`__typename` aliases included).
    pub max_aliases: usize,
    /// Most lexical tokens in one document.
    pub max_tokens: usize,
    /// Longest list accepted anywhere in an operation's arguments.
    pub max_list_input: usize,
    /// Cost points a caller may spend at once; refilled at `cost_restore_rate` per second.
    pub cost_budget: u32,
    /// Points per second given back to each caller's budget; 0 turns budgets off.
    pub cost_restore_rate: u32,
    /// How long a WebSocket may stay open without `connection_init` (then closed with 4408).
    pub ws_init_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 4 << 20,
            max_depth: 12,
            max_complexity: 5_000,
            max_page_size: 100,
            max_cost: 5_000,
            max_aliases: 30,
            max_tokens: 5_000,
            max_list_input: 5_000,
            cost_budget: 50_000,
            cost_restore_rate: 5_000,
            ws_init_timeout: std::time::Duration::from_secs(10),
        }
    }
}

/// A configuration value that stops start-up; printed as one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Raw values as given on the command line or in the environment (clap fills both).
#[derive(Clone, Debug, Default)]
pub struct RawSettings {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Settings {
    /// Validates raw values and the remaining environment variables into settings.
    pub fn from_raw(raw: RawSettings) -> Result<Self, ConfigError> {
        let listen = raw.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen: SocketAddr = listen.parse().map_err(|_| ConfigError::Invalid {
            name: "listen address (--listen / CHORUS_LISTEN)",
            reason: format!("{listen:?} is not HOST:PORT, e.g. 127.0.0.1:8080"),
        })?;
        let data_dir = raw.data_dir.unwrap_or_else(|| PathBuf::from("./data"));
        let database = match raw.database_url.or_else(|| env("DATABASE_URL")) {
            Some(url) => DatabaseUrl::parse(&url)?,
            None => DatabaseUrl::sqlite_in(&data_dir),
        };
        let key = match env("CHORUS_JWT_PUBLIC_KEY_FILE") {
            None => KeySource::GeneratedSecret,
            Some(file) => {
                let algorithm = match env("CHORUS_JWT_ALGORITHM").as_deref() {
                    None | Some("RS256") => Algorithm::RS256,
                    Some("EdDSA") => Algorithm::EdDSA,
                    Some(other) => {
                        return Err(ConfigError::Invalid {
                            name: "CHORUS_JWT_ALGORITHM",
                            reason: format!("{other:?}: use RS256 or EdDSA"),
                        });
                    }
                };
                KeySource::PublicKey {
                    algorithm,
                    pem_file: file.into(),
                }
            }
        };
        let auth = AuthSettings {
            issuer: env("CHORUS_JWT_ISSUER").unwrap_or_else(|| "chorus".into()),
            audience: env("CHORUS_JWT_AUDIENCE").unwrap_or_else(|| "chorus-api".into()),
            key,
            private_key_file: env("CHORUS_JWT_PRIVATE_KEY_FILE").map(PathBuf::from),
            subject_cache: std::time::Duration::from_secs(
                number::<u64>("CHORUS_SUBJECT_CACHE_SECONDS")?.unwrap_or(5),
            ),
        };
        let mut limits = Limits::default();
        if let Some(v) = env("CHORUS_MAX_BODY_BYTES") {
            limits.max_body_bytes = v.parse().map_err(|_| ConfigError::Invalid {
                name: "CHORUS_MAX_BODY_BYTES",
                reason: format!("{v:?} is not a number of bytes"),
            })?;
        }
        if let Some(v) = number::<u32>("CHORUS_MAX_COST")? {
            limits.max_cost = v.max(1);
        }
        if let Some(v) = number::<usize>("CHORUS_MAX_ALIASES")? {
            limits.max_aliases = v;
        }
        if let Some(v) = number::<usize>("CHORUS_MAX_TOKENS")? {
            limits.max_tokens = v;
        }
        if let Some(v) = number::<usize>("CHORUS_MAX_LIST_INPUT")? {
            limits.max_list_input = v;
        }
        if let Some(v) = number::<u32>("CHORUS_COST_BUDGET")? {
            limits.cost_budget = v;
        }
        if let Some(v) = number::<u32>("CHORUS_COST_RESTORE_RATE")? {
            limits.cost_restore_rate = v;
        }
        if limits.cost_restore_rate > 0 && limits.cost_budget < limits.max_cost {
            return Err(ConfigError::Invalid {
                name: "CHORUS_COST_BUDGET",
                reason: format!(
                    "{} is below CHORUS_MAX_COST ({}): the most expensive allowed operation could never run",
                    limits.cost_budget, limits.max_cost
                ),
            });
        }
        if let Some(v) = number::<u64>("CHORUS_WS_INIT_TIMEOUT_SECONDS")? {
            limits.ws_init_timeout = std::time::Duration::from_secs(v.max(1));
        }
        let introspection = match env("CHORUS_INTROSPECTION").as_deref() {
            None | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "CHORUS_INTROSPECTION",
                    reason: format!("{other:?}: use true or false"),
                });
            }
        };
        let mut voicemail = VoicemailSettings::default();
        if let Some(v) = number::<usize>("CHORUS_VOICEMAIL_MAX_BYTES")? {
            voicemail.max_bytes = v;
        }
        if let Some(v) = number::<u64>("CHORUS_VOICEMAIL_MAX_SECONDS")? {
            voicemail.max_duration = std::time::Duration::from_secs(v);
        }
        if let Some(v) = number::<usize>("CHORUS_GREETING_MAX_BYTES")? {
            voicemail.greeting_max_bytes = v;
        }
        if let Some(v) = number::<u32>("CHORUS_VOICEMAIL_RETENTION_DAYS")? {
            voicemail.retention = chrono::Duration::days(i64::from(v));
        }
        if let Some(v) = number::<u64>("CHORUS_VOICEMAIL_PURGE_INTERVAL_SECONDS")? {
            voicemail.purge_interval = std::time::Duration::from_secs(v.max(1));
        }
        voicemail.media_secret = env("CHORUS_MEDIA_SECRET");
        if voicemail
            .media_secret
            .as_ref()
            .is_some_and(|s| s.len() < 32)
        {
            return Err(ConfigError::Invalid {
                name: "CHORUS_MEDIA_SECRET",
                reason: "use at least 32 random characters".into(),
            });
        }
        let network = NetworkSettings {
            trusted_networks: networks("CHORUS_TRUSTED_NETWORKS")?,
            trusted_proxies: networks("CHORUS_TRUSTED_PROXIES")?,
        };
        let mut cutover = CutoverSettings::default();
        if let Some(v) = number::<u32>("CHORUS_TEAMS_LOOKBACK_DAYS")? {
            // One rule with the API's `lookBackDays`: out of range stops start-up.
            cutover.lookback_days = crate::domain::cutover::LookBackDays::new(v)
                .map_err(|e| ConfigError::Invalid {
                    name: "CHORUS_TEAMS_LOOKBACK_DAYS",
                    reason: e.to_string(),
                })?
                .days();
        }
        if let Some(v) = number::<u64>("CHORUS_NOTIFY_INTERVAL_SECONDS")? {
            cutover.notify_interval = std::time::Duration::from_secs(v.max(1));
        }
        cutover.mail_dir = env("CHORUS_MAIL_DIR").map(PathBuf::from);
        cutover.smtp_relay = env("CHORUS_SMTP_RELAY");
        if let Some(relay) = &cutover.smtp_relay
            && relay
                .rsplit_once(':')
                .is_none_or(|(host, port)| host.is_empty() || port.parse::<u16>().is_err())
        {
            return Err(ConfigError::Invalid {
                name: "CHORUS_SMTP_RELAY",
                reason: format!("{relay:?} is not HOST:PORT, e.g. 127.0.0.1:25"),
            });
        }
        if let Some(from) = env("CHORUS_MAIL_FROM") {
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(ConfigError::Invalid {
                    name: "CHORUS_MAIL_FROM",
                    reason: format!("{from:?} is not an address like Name <a@b.example>"),
                });
            }
            cutover.mail_from = from;
        }
        let connections = ConnectionSettings::from_vars(env)?;
        let mut lines = LineSettings::default();
        if let Some(v) = number::<u32>("CHORUS_LINE_QUARANTINE_DAYS")? {
            lines.quarantine = crate::domain::lines::QuarantineDays::new(v).map_err(|reason| {
                ConfigError::Invalid {
                    name: "CHORUS_LINE_QUARANTINE_DAYS",
                    reason,
                }
            })?;
        }
        Ok(Self {
            lines,
            cutover,
            connections,
            listen,
            data_dir,
            database,
            db_max_connections: number::<u32>("CHORUS_DB_MAX_CONNECTIONS")?
                .unwrap_or(DEFAULT_MAX_CONNECTIONS),
            auth,
            limits,
            introspection,
            storage_url: env("CHORUS_STORAGE_URL"),
            voicemail,
            network,
            public_url: env("CHORUS_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned()),
        })
    }

    /// Settings for tests and tools: SQLite in `data_dir`, port 0, generated secret.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database: DatabaseUrl::sqlite_in(&data_dir),
            db_max_connections: DEFAULT_MAX_CONNECTIONS,
            data_dir,
            auth: AuthSettings {
                issuer: "chorus".into(),
                audience: "chorus-api".into(),
                key: KeySource::GeneratedSecret,
                private_key_file: None,
                subject_cache: std::time::Duration::from_secs(5),
            },
            limits: Limits::default(),
            introspection: true,
            storage_url: None,
            voicemail: VoicemailSettings::default(),
            network: NetworkSettings::default(),
            public_url: None,
            cutover: CutoverSettings::default(),
            connections: ConnectionSettings::default(),
            lines: LineSettings::default(),
        }
    }

    /// One line for the start-up log, without secrets.
    pub fn summary(&self) -> String {
        let key = match &self.auth.key {
            KeySource::GeneratedSecret => "HS256 (generated secret)".to_owned(),
            KeySource::PublicKey {
                algorithm,
                pem_file,
            } => {
                format!("{algorithm:?} public key {}", pem_file.display())
            }
        };
        format!(
            "listen={} data_dir={} database={} tokens={key}",
            self.listen,
            self.data_dir.display(),
            self.database.redacted()
        )
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A numeric variable, or a one-line error naming it.
fn number<T: std::str::FromStr>(name: &'static str) -> Result<Option<T>, ConfigError> {
    whole(name, env(name))
}

/// The value of variable `name`, if any, as a number, or a one-line error naming it.
fn whole<T: std::str::FromStr>(
    name: &'static str,
    value: Option<String>,
) -> Result<Option<T>, ConfigError> {
    value
        .map(|v| {
            v.trim().parse().map_err(|_| ConfigError::Invalid {
                name,
                reason: format!("{v:?} is not a whole number"),
            })
        })
        .transpose()
}

/// A comma-separated list of CIDRs (a bare address counts as a /32 or /128).
pub fn parse_networks(text: &str) -> Result<Vec<ipnet::IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|n| n.trunc())
                .map_err(|_| format!("{s:?} is not a CIDR like 10.0.0.0/8"))
        })
        .collect()
}

fn networks(name: &'static str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    env(name)
        .map(|v| parse_networks(&v).map_err(|reason| ConfigError::Invalid { name, reason }))
        .transpose()
        .map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_recognised_and_redacted() {
        assert!(matches!(
            DatabaseUrl::parse("sqlite::memory:"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
        let pg = DatabaseUrl::parse("postgres://app:hunter2@db:5432/chorus").expect("valid");
        assert_eq!(pg.redacted(), "postgres://app:***@db:5432/chorus");
        assert!(DatabaseUrl::parse("mysql://x").is_err());
    }

    #[test]
    fn a_bad_listen_address_is_one_clear_error() {
        let raw = RawSettings {
            listen: Some("localhost".into()),
            ..Default::default()
        };
        let err = Settings::from_raw(raw).expect_err("must fail");
        assert!(err.to_string().contains("listen address"), "{err}");
    }

    #[test]
    fn trusted_networks_are_cidrs_or_addresses() {
        let nets = parse_networks("10.0.0.0/8, 192.168.1.7 ,2001:db8::/32,").expect("valid");
        assert_eq!(nets.len(), 3);
        assert_eq!(nets[1].to_string(), "192.168.1.7/32");
        assert_eq!(
            parse_networks("10.1.2.3/8").expect("valid")[0].to_string(),
            "10.0.0.0/8"
        );
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("vpn").is_err());
    }

    #[test]
    fn connection_settings_have_defaults_and_one_line_errors() {
        use std::time::Duration;
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let defaults = ConnectionSettings::from_vars(vars(&[])).expect("defaults");
        assert_eq!(defaults.header_timeout, Duration::from_secs(10));
        assert_eq!(defaults.body_timeout, Duration::from_secs(30));
        assert_eq!(defaults.idle_timeout, Duration::from_secs(60));
        assert_eq!(defaults.max_connections, None);
        let set = ConnectionSettings::from_vars(vars(&[
            ("CHORUS_HEADER_TIMEOUT_SECONDS", "2"),
            ("CHORUS_BODY_TIMEOUT_SECONDS", " 5 "),
            ("CHORUS_IDLE_TIMEOUT_SECONDS", "7"),
            ("CHORUS_MAX_CONNECTIONS", "900"),
        ]))
        .expect("valid");
        assert_eq!(set.header_timeout, Duration::from_secs(2));
        assert_eq!(set.body_timeout, Duration::from_secs(5));
        assert_eq!(set.idle_timeout, Duration::from_secs(7));
        assert_eq!(set.max_connections, Some(900));
        for (name, value) in [
            ("CHORUS_HEADER_TIMEOUT_SECONDS", "ten"),
            ("CHORUS_BODY_TIMEOUT_SECONDS", "0"),
            ("CHORUS_IDLE_TIMEOUT_SECONDS", "-1"),
            ("CHORUS_MAX_CONNECTIONS", "0"),
        ] {
            let err =
                ConnectionSettings::from_vars(|n: &str| (n == name).then(|| value.to_owned()))
                    .expect_err("must fail");
            let line = err.to_string();
            assert!(line.contains(name) && !line.contains('\n'), "{line}");
        }
    }
}

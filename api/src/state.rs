//! The state every request shares: the database, keys, the schema, the limits and the
//! voicemail area. Built once at start-up; the routes (`http`) and the metrics read it, and
//! nothing below them does.

use std::sync::Arc;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

use crate::{
    auth::{MediaKeys, TokenKeys},
    config::Settings,
    db,
    events::Events,
    graphql::{self, AppSchema},
    services::voicemail::Voicemails,
};

/// Parsed documents kept: more distinct operations than the portals, apps and scripts send.
const DOCUMENTS_KEPT: std::num::NonZeroUsize = std::num::NonZeroUsize::new(256).expect("non-zero");

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
    pub schema: AppSchema,
    /// A copy of the schema without depth/complexity limits, used only for queries that select
    /// nothing but `__schema`/`__type`; None when introspection is off.
    pub introspection_schema: Option<AppSchema>,
    pub settings: Arc<Settings>,
    /// Cost limits and every caller's budget, applied around execution.
    pub cost: Arc<graphql::cost::CostLimits>,
    /// Parsed GraphQL documents of recent requests, by their text.
    pub documents: Arc<graphql::documents::DocumentCache>,
    /// Blob store, decoder pool, events and signed-URL keys of the voicemail area.
    pub voicemails: Voicemails,
}

impl FromRef<AppState> for TokenKeys {
    fn from_ref(state: &AppState) -> Self {
        state.keys.clone()
    }
}

/// The `Principal` extractor looks the token's subject up in the database.
impl FromRef<AppState> for DatabaseConnection {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl AppState {
    /// Connects, migrates, loads keys and builds the schema.
    pub async fn new(settings: Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create data directory {}: {e}",
                settings.data_dir.display()
            )
        })?;
        let db = db::connect_with(&settings.database, settings.db_max_connections).await?;
        db::migrate(&db).await?;
        let state = Self::with_db(settings, db)?;
        state.voicemails.spawn_purge(state.db.clone());
        let (db, events) = (state.db.clone(), state.voicemails.events.clone());
        let since = crate::services::cutover::since(
            chrono::Utc::now(),
            state.settings.cutover.lookback_days,
        );
        tokio::spawn(async move {
            match crate::services::cutover::moves::resume(&db, &events, since).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(tranches = n, "finished moves left in progress"),
                Err(e) => tracing::error!(error = ?e, "cannot finish moves left in progress"),
            }
        });
        crate::services::cutover::notify::spawn(
            state.db.clone(),
            crate::services::cutover::notify::Delivery::from_settings(&state.settings.cutover),
            state.settings.cutover.notify_interval,
        );
        Ok(state)
    }

    /// Builds the state over an already migrated database (no background tasks but the
    /// PostgreSQL event listener).
    pub fn with_db(settings: Settings, db: DatabaseConnection) -> anyhow::Result<Self> {
        let keys = TokenKeys::load(&settings.auth, &settings.data_dir)?;
        let voicemails = voicemails(&settings, &db)?;
        let budgets = Arc::new(graphql::cost::Budgets::new(
            settings.limits.cost_budget,
            settings.limits.cost_restore_rate,
        ));
        let cost = Arc::new(graphql::cost::CostLimits::new(&settings.limits, budgets));
        let mut builder = graphql::limited_schema(&settings.limits)
            .data(db.clone())
            .data(voicemails.clone())
            .data(voicemails.events.clone())
            .data(settings.cutover.clone())
            .data(settings.lines.clone());
        let introspection_schema = if settings.introspection {
            Some(
                graphql::schema()
                    .data(db.clone())
                    .data(voicemails.clone())
                    .data(voicemails.events.clone())
                    .data(settings.cutover.clone())
                    .data(settings.lines.clone())
                    .finish(),
            )
        } else {
            builder = builder.disable_introspection().disable_suggestions();
            None
        };
        Ok(Self {
            db,
            keys,
            schema: builder.finish(),
            introspection_schema,
            settings: Arc::new(settings),
            cost,
            documents: Arc::new(graphql::documents::DocumentCache::new(DOCUMENTS_KEPT)),
            voicemails,
        })
    }
}

/// Opens the blob store named by the settings and the rest of the voicemail area.
fn voicemails(settings: &Settings, db: &DatabaseConnection) -> anyhow::Result<Voicemails> {
    let storage = storage::StorageConfig::from_url_and_env(
        settings.storage_url.as_deref(),
        &settings.data_dir,
    )
    .map_err(|e| anyhow::anyhow!("invalid CHORUS_STORAGE_URL: {e}"))?;
    let store = storage::VoicemailStore::open(&storage)
        .map_err(|e| anyhow::anyhow!("cannot open the blob store {storage}: {e}"))?;
    let limits = storage::ProbeLimits {
        max_bytes: settings.voicemail.max_bytes,
        max_duration: settings.voicemail.max_duration,
        ..storage::ProbeLimits::default()
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Ok(Voicemails {
        store,
        audio: storage::AudioWorker::new(limits, cores),
        events: Events::start(db),
        media: MediaKeys::load(
            settings.voicemail.media_secret.as_deref(),
            &settings.data_dir,
            &settings.auth.issuer,
        )?,
        settings: Arc::new(settings.voicemail.clone()),
        public_url: settings.public_url.clone(),
    })
}

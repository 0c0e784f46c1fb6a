//! The application: state, router, and serving on any listener until shutdown.

use std::{future::Future, net::SocketAddr, sync::Arc};

use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRef},
    routing::get,
};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{
    auth::{MediaKeys, TokenKeys},
    config::Settings,
    db,
    events::Events,
    graphql::{self, AppSchema},
    http,
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
            .data(settings.cutover.clone());
        let introspection_schema = if settings.introspection {
            Some(
                graphql::schema()
                    .data(db.clone())
                    .data(voicemails.clone())
                    .data(voicemails.events.clone())
                    .data(settings.cutover.clone())
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

/// The router with every route.
pub fn router(state: AppState) -> Router {
    // Installs the metrics recorder before anything is counted.
    crate::metrics::handle();
    // JSON bodies are held to `max_body_bytes` by the handler; multipart greeting uploads may
    // be larger, up to the greeting limit.
    let body_cap = state
        .settings
        .limits
        .max_body_bytes
        .max(state.settings.voicemail.greeting_max_bytes + (64 << 10));
    let graphql_routes = Router::new()
        .route(
            "/graphql",
            get(http::graphql::get).post(http::graphql::post),
        )
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(body_cap));
    // The ingest route reads (and caps) its body itself.
    let ingest = Router::new()
        .route(
            "/v1/mailboxes/{number}/voicemails",
            axum::routing::post(http::voicemail::ingest),
        )
        .layer(DefaultBodyLimit::disable());
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    Router::new()
        .merge(graphql_routes)
        .merge(ingest)
        .route("/v1/voicemails/{id}/audio", get(http::voicemail::audio))
        // The spelling of DESIGN.md.
        .route("/v1/voicemail/{id}/audio", get(http::voicemail::audio))
        .route("/graphql/ws", get(http::ws::upgrade))
        .route("/graphql/assets/{file}", get(http::graphiql::asset))
        .route("/v1/calls.csv", get(http::calls_csv::export))
        .route("/v1/teams-column.csv", get(http::teams_csv::export))
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .route("/metrics", get(crate::metrics::scrape))
        .route_layer(axum::middleware::from_fn(crate::metrics::track_http))
        .with_state(state)
        // Outermost first: every request gets an id (the client's `x-request-id` is kept),
        // its log lines carry it in their span, and the answer echoes it.
        .layer(
            tower::ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::new(request_id)),
        )
}

/// The span of one HTTP request: method, path (without the query string, which may hold a
/// signed-URL token) and the request id.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}

/// A bound, ready-to-serve application.
pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl App {
    /// Builds the state and binds the listen address (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // Before anything opens files: connections, the pool and blobs share the limit.
        http::serve::raise_open_file_limit();
        let listen = settings.listen;
        let state = AppState::new(settings).await?;
        Self::bind(state, listen).await
    }

    /// Binds a listener for existing state.
    pub async fn bind(state: AppState, listen: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
        Ok(Self {
            router: router(state.clone()),
            listener,
            state,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests; connection
    /// timeouts and the cap on connections are those of `settings.connections` (see
    /// [`http::serve`]).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        http::serve::serve(self.listener, self.router, &self.state.settings, shutdown).await
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutdown signal received, finishing in-flight requests");
}

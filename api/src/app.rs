//! The application: the router over the state, and serving on any listener until shutdown.

use std::{future::Future, net::SocketAddr};

use axum::{Router, extract::DefaultBodyLimit, routing::get};
use tokio::net::TcpListener;
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

pub use crate::state::AppState;
use crate::{config::Settings, http};

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
        // The singular spelling of the first route list; both are served.
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

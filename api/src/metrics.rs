//! Prometheus metrics, served at `GET /metrics` (text format 0.0.4).
//!
//! Recorded as they happen (the `metrics` facade, rendered by `metrics-exporter-prometheus`):
//! - `chorus_http_requests_total{route,method,status}` and
//!   `chorus_http_request_duration_seconds{route}`: every routed request;
//! - `chorus_graphql_operations_total{operation,outcome}` and
//!   `chorus_graphql_operation_duration_seconds{operation}`: GraphQL operations by name, the
//!   outcome being `ok` or the first error's code;
//! - `chorus_store_errors_total`: blob-store failures (from the `storage` crate);
//! - `chorus_db_statements_total{outcome}`: SQL statements sent (transaction control aside),
//!   so statements per request is its increase over `chorus_http_requests_total`'s.
//!
//! Read at scrape time: `chorus_db_pool_connections{state}` and
//! `chorus_notification_outbox{state}` (countdown e-mails due and not sent, and all unsent).
//!
//! Operation names come from clients, so they are only used when they look like names and
//! only the first [`MAX_OPERATION_NAMES`] distinct ones get their own series; the rest are
//! `other`. The route answers loopback (without `X-Forwarded-For`), trusted networks, or an
//! admin token.

use std::{
    collections::HashSet,
    net::SocketAddr,
    sync::{Mutex, OnceLock},
    time::Instant,
};

use axum::{
    Extension,
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{
    ColumnTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

use crate::{
    auth::ClientAddress, auth::principal::authenticate_known, graphql::errors::ApiError,
    state::AppState,
};

/// Distinct operation names given their own series.
pub const MAX_OPERATION_NAMES: usize = 500;
/// Histogram buckets of every `*_seconds` metric.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process-wide recorder (installed on first use; tests run many apps in one process).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new();
        let builder =
            match builder.set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS) {
                Ok(b) => b,
                // Only refused for an empty bucket list, which BUCKETS is not.
                Err(_) => PrometheusBuilder::new(),
            };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
        }
        handle
    })
}

/// Middleware: counts and times every routed request.
pub async fn track_http(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("chorus_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("chorus_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Records one GraphQL operation.
pub fn record_operation(name: Option<&str>, outcome: &str, started: Instant) {
    let operation = operation_label(name);
    metrics::counter!("chorus_graphql_operations_total", "operation" => operation.clone(), "outcome" => outcome.to_owned())
        .increment(1);
    metrics::histogram!("chorus_graphql_operation_duration_seconds", "operation" => operation)
        .record(started.elapsed().as_secs_f64());
}

/// The label of an operation name: itself when it is a plain name among the first few
/// hundred seen, `anonymous` without one, `other` otherwise.
fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name else {
        return "anonymous".into();
    };
    let plain = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !plain {
        return "other".into();
    }
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if seen.contains(name) || seen.len() < MAX_OPERATION_NAMES {
        seen.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".into()
    }
}

/// `GET /metrics`.
pub async fn scrape(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    let client = ClientAddress::of(&state.settings.network, peer, &headers);
    // A scraper on the same host, not relayed by a proxy.
    let local =
        client.ip.is_some_and(|ip| ip.is_loopback()) && !headers.contains_key("x-forwarded-for");
    let admin = authenticate_known(&headers, &state.keys, &state.db)
        .await
        .is_ok_and(|p| p.is_admin());
    if !client.trusted && !local && !admin {
        return ApiError::Forbidden(
            "metrics are served to trusted networks or with an admin token".into(),
        )
        .into_response();
    }
    sample_gauges(&state.db).await;
    let handle = handle();
    handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// Reads the gauges that are cheaper to sample than to maintain.
async fn sample_gauges(db: &DatabaseConnection) {
    let (size, idle) = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    metrics::gauge!("chorus_db_pool_connections", "state" => "open").set(f64::from(size));
    metrics::gauge!("chorus_db_pool_connections", "state" => "idle").set(f64::from(idle));
    use entity::notification::{Column, Entity};
    let today = chrono::Utc::now().date_naive();
    let unsent = Entity::find().filter(Column::SentAt.is_null());
    match (
        unsent.clone().count(db).await,
        unsent.filter(Column::DueOn.lte(today)).count(db).await,
    ) {
        (Ok(all), Ok(due)) => {
            metrics::gauge!("chorus_notification_outbox", "state" => "unsent").set(all as f64);
            metrics::gauge!("chorus_notification_outbox", "state" => "due").set(due as f64);
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "cannot count the notification outbox for /metrics");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("Directory_1")), "Directory_1");
        assert_eq!(operation_label(Some("drop table; --")), "other");
        assert_eq!(operation_label(Some(&"a".repeat(65))), "other");
        for i in 0..MAX_OPERATION_NAMES {
            operation_label(Some(&format!("Op{i}")));
        }
        assert_eq!(operation_label(Some("OneTooMany")), "other");
        assert_eq!(operation_label(Some("Directory_1")), "Directory_1");
    }
}

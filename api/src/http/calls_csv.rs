//! `GET /v1/calls.csv`: a filtered call history as CSV, streamed page by page (keyset pages of
//! 1,000), so an export of years of calls never sits in memory. Same access rules and filters
//! as `callHistory`:
//! `personId`, `from`, `until` (RFC 3339), `direction`, `results` (comma-separated),
//! `missed`, `externalOnly`, `number` (trailing `*` for a prefix), `viaHuntGroup`,
//! `viaContactCentre`.

use axum::{
    body::Body,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::text::Quoted,
    graphql::{
        calls::CallFilter,
        errors::ApiError,
        node::{NodeType, decode},
    },
    http::errors::Params,
    services::calls::{self as service, CallKey},
    state::AppState,
};

/// Query parameters of the export.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportParams {
    person_id: Option<String>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    direction: Option<String>,
    results: Option<String>,
    missed: Option<bool>,
    external_only: Option<bool>,
    number: Option<String>,
    via_hunt_group: Option<bool>,
    via_contact_centre: Option<bool>,
}

fn enum_value<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_ascii_uppercase()))
        .map_err(|_| ApiError::BadUserInput(format!("{} is not a valid {name}", Quoted::new(text))))
}

impl ExportParams {
    fn filter(self) -> Result<(Option<Uuid>, service::CallFilter), ApiError> {
        let person = self
            .person_id
            .as_deref()
            .map(|id| decode(NodeType::Person, id))
            .transpose()?;
        let direction = self
            .direction
            .as_deref()
            .map(|d| enum_value::<entity::enums::CallDirection>("direction", d))
            .transpose()?;
        let results = self
            .results
            .as_deref()
            .map(|r| {
                r.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| enum_value::<entity::enums::CallResult>("result", s).map(Into::into))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let filter = CallFilter {
            from: self.from,
            until: self.until,
            direction: direction.map(Into::into),
            results,
            missed: self.missed,
            external_only: self.external_only,
            number: self.number,
            via_hunt_group: self.via_hunt_group,
            via_contact_centre: self.via_contact_centre,
        };
        Ok((person, filter.into_service()?))
    }
}

const HEADER: [&str; 12] = [
    "pbx_call_id",
    "started_at",
    "answered_at",
    "ended_at",
    "direction",
    "from",
    "to",
    "external",
    "result",
    "my_role",
    "talk_seconds",
    "routed_via",
];

/// The stored spelling of an enum (`INBOUND`, `MISSED`, …).
fn text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn csv_rows(items: &[service::HistoryItem], with_header: bool) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(items.len() * 128));
    if with_header {
        w.write_record(HEADER)?;
    }
    for i in items {
        let c = &i.call;
        let talk = c
            .answered_at
            .map_or(0, |a| (c.ended_at - a).num_seconds().max(0));
        let routed = if c.hunt_group_id.is_some() {
            "HUNT_GROUP"
        } else if c.contact_centre_id.is_some() {
            "CONTACT_CENTRE"
        } else {
            ""
        };
        w.write_record([
            c.pbx_call_id.clone(),
            c.started_at.to_rfc3339(),
            c.answered_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            c.ended_at.to_rfc3339(),
            text(&c.direction),
            c.from_number.clone(),
            c.to_number.clone(),
            c.external.to_string(),
            text(&c.result),
            text(&i.role),
            talk.to_string(),
            routed.to_owned(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The export handler.
pub async fn export(
    State(state): State<AppState>,
    principal: Principal,
    Params(params): Params<ExportParams>,
) -> Result<Response, ApiError> {
    let (person, filter) = params.filter()?;
    let owner = service::history_owner(&state.db, &principal, person).await?;
    // The first page is read before answering, so access and query errors get a status code.
    let first = service::history_page(&state.db, owner, &filter, None, None, false, PAGE).await?;
    let db = state.db.clone();
    let stream = futures_util::stream::unfold(
        (Some(first), true, None::<CallKey>),
        move |(page, first_chunk, _)| {
            let (db, filter) = (db.clone(), filter.clone());
            async move {
                let items = match page {
                    Some(items) => items,
                    None => return None,
                };
                let last = items.last().map(|i| (i.call.started_at, i.call.id));
                let bytes = csv_rows(&items, first_chunk).map_err(std::io::Error::other);
                let next = match (&last, items.len() as u64 == PAGE) {
                    (Some(key), true) => match service::history_page(
                        &db,
                        owner,
                        &filter,
                        Some(key),
                        None,
                        false,
                        PAGE,
                    )
                    .await
                    {
                        Ok(next) if !next.is_empty() => Some(next),
                        Ok(_) => None,
                        Err(e) => {
                            tracing::error!(error = %e, "call export stopped by a database error");
                            return Some((Err(std::io::Error::other(e)), (None, false, last)));
                        }
                    },
                    _ => None,
                };
                Some((bytes, (next, false, last)))
            }
        },
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"calls.csv\"",
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

const PAGE: u64 = 1_000;

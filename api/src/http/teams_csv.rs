//! `GET /v1/teams-column.csv?unitId=…&lookBackDays=…`: the MS Teams column of a unit (or, for
//! administrators, of everyone) as CSV, one row per person in directory order. Same access
//! rules as `teamsEligibility`. `chorus export teams-column --unit CODE` writes the same file.
//! `lookBackDays` is 1–3,660 as for GraphQL ([`LookBackDays`]): anything else is 400
//! BAD_USER_INPUT.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;

use crate::{
    auth::Principal,
    domain::cutover::LookBackDays,
    graphql::{
        errors::ApiError,
        node::{NodeType, decode},
    },
    http::errors::Params,
    services::cutover::column,
    state::AppState,
};

/// Query parameters of the export.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportParams {
    unit_id: Option<String>,
    /// Wide enough that a negative or huge number reaches [`LookBackDays::new`] and its message.
    look_back_days: Option<i64>,
}

/// The header row.
pub const HEADER: [&str; 15] = [
    "username",
    "display_name",
    "unit",
    "status",
    "eligible",
    "reasons",
    "blockers",
    "warnings",
    "external_calls_away",
    "movement_set",
    "licensed",
    "nomination",
    "nominated_late",
    "tranche",
    "person_id",
];

fn join<T: Copy>(items: impl IntoIterator<Item = T>, code: impl Fn(T) -> &'static str) -> String {
    items.into_iter().map(code).collect::<Vec<_>>().join(";")
}

/// Renders rows as CSV (RFC 4180 quoting by the `csv` crate).
pub fn render(
    rows: &[column::Row],
    tranche_numbers: &std::collections::HashMap<uuid::Uuid, i32>,
) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 160 + 200));
    out.write_record(HEADER)?;
    for r in rows {
        let status = serde_json::to_value(r.verdict.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        out.write_record([
            r.username.as_str(),
            r.display_name.as_str(),
            r.unit_code.as_str(),
            status.as_str(),
            if r.verdict.eligible() {
                "true"
            } else {
                "false"
            },
            &join(r.verdict.reasons.iter().copied(), |x| x.code()),
            &join(r.verdict.blockers.iter().copied(), |x| x.code()),
            &join(r.verdict.warnings.iter().copied(), |x| x.code()),
            &r.facts.external_calls_away.to_string(),
            &r.set_key.map(|k| k.to_string()).unwrap_or_default(),
            if r.licensed { "true" } else { "false" },
            match r.nomination {
                Some((entity::enums::NominationAnswer::Nominate, _)) => "NOMINATE",
                Some((entity::enums::NominationAnswer::Decline, _)) => "DECLINE",
                None => "",
            },
            if r.nomination.is_some_and(|(_, late)| late) {
                "true"
            } else {
                "false"
            },
            &r.tranche_id
                .and_then(|t| tranche_numbers.get(&t))
                .map(|n| n.to_string())
                .unwrap_or_default(),
            &r.person_id.to_string(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// Tranche numbers by id, for the `tranche` column.
pub async fn tranche_numbers(
    db: &impl sea_orm::ConnectionTrait,
) -> Result<std::collections::HashMap<uuid::Uuid, i32>, sea_orm::DbErr> {
    use sea_orm::EntityTrait;
    Ok(entity::tranche::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.number))
        .collect())
}

pub async fn export(
    State(state): State<AppState>,
    principal: Principal,
    Params(params): Params<ExportParams>,
) -> Result<Response, ApiError> {
    let days = match params.look_back_days {
        Some(days) => LookBackDays::new(days),
        None => LookBackDays::new(state.settings.cutover.lookback_days),
    }
    .map_err(|e| ApiError::BadUserInput(e.to_string()))?;
    let unit = params
        .unit_id
        .as_deref()
        .map(|u| decode(NodeType::Unit, u))
        .transpose()?;
    let scope =
        column::scope_for(&principal, unit).map_err(|why| ApiError::Forbidden(why.into()))?;
    let since = days.since(Utc::now());
    let (rows, _) = column::compute(&state.db, &scope, since).await?;
    let numbers = tranche_numbers(&state.db).await?;
    let body = render(&rows, &numbers).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"teams-column.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

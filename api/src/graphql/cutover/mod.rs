//! The move to Telephony over Teams: the MS Teams column, movement sets, nominations,
//! licences, tranches, moves, the Chorus upgrade, progress, and a person's own view.
//!
//! Thin adapters over `services::cutover`: decode IDs, call the service, wrap its `Outcome`
//! in the payload (a refusal in `userErrors`, a failure as a top-level error).
//! Who may do what: coordinators read the column and movement sets of their units and answer
//! nominations for them; administrators everything; services with `cutover:write` run
//! tranches and moves, with `licences:write` licences.
//!
//! Layout: `enums` (the GraphQL enums), `column` (the MS Teams column), `sets` (movement
//! sets), `licences`, `nominations`, `tranches`, `moves` (moves and the Chorus upgrade),
//! `progress` (the progress subscription), `person` (`Person.cutover`). This file holds the
//! helpers they share and the root query, mutation and subscription types.

pub mod column;
pub mod enums;
pub mod licences;
pub mod moves;
pub mod nominations;
pub mod person;
pub mod progress;
pub mod sets;
pub mod tranches;

pub use person::{PersonCutover, person_cutover};
pub use progress::CutoverSubscription;
pub use tranches::{Tranche, load_tranche};

use async_graphql::{Context, MergedObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    ctx_loaders, ctx_principal,
    directory::Person,
    errors::{ApiError, ApiResult},
    node::{NodeType, decode, encode},
    pagination::Page,
};
use crate::{
    auth::Principal,
    config::CutoverSettings,
    domain::{cutover::LookBackDays, directory::Reach},
    services::cutover::column as column_service,
};

/// Cutover queries.
#[derive(MergedObject, Default)]
pub struct CutoverQuery(
    column::ColumnQuery,
    sets::SetsQuery,
    licences::LicenceQuery,
    nominations::NominationQuery,
    tranches::TrancheQuery,
    moves::MoveQuery,
);

/// Cutover mutations.
#[derive(MergedObject, Default)]
pub struct CutoverMutation(
    licences::LicenceMutation,
    nominations::NominationMutation,
    tranches::TrancheMutation,
    moves::MoveMutation,
);

// ---------------------------------------------------------------------------------------------
// Helpers

/// The server's cutover settings (the defaults when none were given).
fn settings<'a>(ctx: &'a Context<'_>) -> &'a CutoverSettings {
    static DEFAULT: std::sync::OnceLock<CutoverSettings> = std::sync::OnceLock::new();
    ctx.data_opt::<CutoverSettings>()
        .unwrap_or_else(|| DEFAULT.get_or_init(CutoverSettings::default))
}

/// The start of the look-back window: `look_back_days`, or the server's setting.
fn since(ctx: &Context<'_>, look_back_days: Option<i32>) -> ApiResult<DateTime<Utc>> {
    let days = match look_back_days {
        Some(d) => LookBackDays::new(d),
        None => LookBackDays::new(settings(ctx).lookback_days),
    }
    .map_err(|e| ApiError::BadUserInput(e.to_string()))?;
    Ok(days.since(Utc::now()))
}

/// Decodes a list of global IDs of one kind, at most 5000.
fn ids(kind: NodeType, ids: &[async_graphql::ID]) -> ApiResult<Vec<Uuid>> {
    if ids.len() > 5_000 {
        return Err(ApiError::LimitExceeded("at most 5000 ids per request".into()).into());
    }
    ids.iter()
        .map(|id| decode(kind, id).map_err(Into::into))
        .collect()
}

/// The units whose column the caller may read.
fn column_scope(principal: &Principal, unit: Option<Uuid>) -> ApiResult<column_service::Scope> {
    column_service::scope_for(principal, unit).map_err(|why| ApiError::Forbidden(why.into()).into())
}

/// A person of the move, by the directory rule: an ex-directory person is null for a caller
/// who may not see them (a service needs the `directory:ex-directory` scope).
async fn person_of(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Person>> {
    let principal = ctx_principal(ctx)?;
    Ok(ctx_loaders(ctx)?
        .people
        .load_one(id)
        .await
        .map_err(ApiError::internal)?
        .and_then(|m| Person::reached(principal, m, Reach::Directory)))
}

/// [`person_of`] for several: those the caller may not see are left out.
async fn people_of(ctx: &Context<'_>, ids: &[Uuid]) -> ApiResult<Vec<Person>> {
    let principal = ctx_principal(ctx)?;
    let found = ctx_loaders(ctx)?
        .people
        .load_many(ids.iter().copied())
        .await
        .map_err(ApiError::internal)?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            let found = found.get(id).cloned()?;
            Person::reached(principal, found, Reach::Directory)
        })
        .collect())
}

/// People's global IDs.
fn encode_people(ids: &[Uuid]) -> Vec<async_graphql::ID> {
    ids.iter().map(|p| encode(NodeType::Person, *p)).collect()
}

/// The rows of a page from a list sorted by `key`: after/before the cursors, `limit + 1` in
/// the page's direction (as `Page::finish` expects).
fn slice<T, K: Ord>(rows: Vec<T>, page: &Page<K>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut rows: Vec<T> = rows
        .into_iter()
        .filter(|r| page.after.as_ref().is_none_or(|a| key(r) > *a))
        .filter(|r| page.before.as_ref().is_none_or(|b| key(r) < *b))
        .collect();
    if page.backward {
        rows.reverse();
    }
    rows.truncate(page.limit as usize + 1);
    rows
}

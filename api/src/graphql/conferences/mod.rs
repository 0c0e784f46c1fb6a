//! The teleconference area: the caller's upcoming conferences, one conference, the bridges,
//! and booking, rescheduling, cancelling and inviting. Thin adapters: parse the input at the
//! edge (IDs, numbers, time zones), call `services::conferences`, wrap the outcome in a
//! payload.
//!
//! The owner and administrators manage a conference; the invited people see it (with the
//! access code; the moderator PIN only those who manage it and the invited MODERATORs); for
//! anyone else it does not exist (null, NOT_FOUND).
//!
//! Layout: `types` holds the enums and objects (`Teleconference`, its participants, the
//! bridges); `mutations` the inputs, payloads and changes. The queries are here.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    ctx_db, ctx_principal,
    errors::{ApiError, ApiResult},
    node::{NodeType, decode},
    pagination::Page,
};
use crate::services::conferences::{self as service, BRIDGES, ConferenceKey, Window};

mod mutations;
mod types;

pub use mutations::*;
pub use types::{
    ConferenceBridge, ConferenceRole, ConferenceStatus, Teleconference, TeleconferenceBridge,
    TeleconferenceConnection, TeleconferenceEdge, TeleconferenceParticipant,
};

// ---------------------------------------------------------------------------------------------
// Queries

/// Queries of the teleconference area.
#[derive(Default)]
pub struct ConferenceQuery;

#[Object]
impl ConferenceQuery {
    /// A person's teleconferences, the ones they own and the ones they are invited to, soonest
    /// first: the caller's by default, anyone's for administrators (FORBIDDEN otherwise).
    /// Without `from`, the upcoming ones (those not yet over, running ones included).
    /// Keyset-paged; `totalCount` is counted only when selected.
    async fn conferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose conferences; default the caller.")] person_id: Option<
            async_graphql::ID,
        >,
        #[graphql(desc = "Only conferences still running at or after this instant \
                          (ending after it); default now.")]
        from: Option<DateTime<Utc>>,
        #[graphql(desc = "Only conferences starting before this instant; default no bound.")]
        until: Option<DateTime<Utc>>,
        #[graphql(desc = "True to list CANCELLED conferences too; default false.")]
        include_cancelled: Option<bool>,
        #[graphql(desc = "Page size from the soonest (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (later conferences).")] after: Option<String>,
        #[graphql(desc = "Page size from the latest end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before (earlier conferences).")] before: Option<
            String,
        >,
    ) -> ApiResult<TeleconferenceConnection> {
        let principal = ctx_principal(ctx)?;
        let person = person_id
            .map(|id| decode(NodeType::Person, &id))
            .transpose()?;
        let person = service::list_owner(principal, person)?;
        let window = Window {
            from: from.unwrap_or_else(Utc::now),
            until,
            include_cancelled: include_cancelled.unwrap_or(false),
        };
        if window.until.is_some_and(|u| u <= window.from) {
            return Err(ApiError::BadUserInput("until must be after from".into()).into());
        }
        let page = Page::<ConferenceKey>::new(first, after, last, before)?;
        let db = ctx_db(ctx)?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            Some(
                service::count(db, person, &window)
                    .await
                    .map_err(ApiError::from)? as i64,
            )
        } else {
            None
        };
        let rows = service::page(
            db,
            person,
            &window,
            page.after.as_ref(),
            page.before.as_ref(),
            page.backward,
            page.fetch_limit(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(page
            .finish(
                rows,
                |c| (c.conference.starts_at, c.conference.id),
                Teleconference,
                total,
            )
            .into())
    }

    /// One teleconference by ID; null when it does not exist or the caller is neither its
    /// owner, nor invited, nor an administrator.
    async fn conference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Teleconference ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<Teleconference>> {
        let id = decode(NodeType::Teleconference, &id)?;
        load(ctx, id).await
    }

    /// The conference bridges, with their dial-in numbers and ports.
    async fn conference_bridges(&self) -> Vec<TeleconferenceBridge> {
        BRIDGES
            .iter()
            .filter_map(|b| {
                ConferenceBridge::from_code(b.code).map(|bridge| TeleconferenceBridge {
                    bridge,
                    name: b.name.to_owned(),
                    dial_in_number: b.dial_in_number.to_owned(),
                    ports: b.ports,
                })
            })
            .collect()
    }
}

/// A teleconference the caller may see, for `conference` (and `node`).
pub async fn load(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Teleconference>> {
    Ok(service::visible(ctx_db(ctx)?, ctx_principal(ctx)?, id)
        .await
        .map_err(ApiError::from)?
        .map(Teleconference))
}

//! The MS Teams column: one row per person with the column's answer, reasons, blockers and
//! warnings, the filter and counts, and the `teamsEligibility` query.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use uuid::Uuid;

use super::{
    column_scope,
    enums::{NominationAnswer, TeamsBlocker, TeamsColumnStatus, TeamsReason, TeamsWarning},
    person_of, since, slice,
    tranches::{Tranche, load_tranche},
};
use crate::{
    graphql::{
        ctx_db, ctx_loaders, ctx_principal,
        directory::{Person, Unit},
        errors::{ApiError, ApiResult},
        node::{NodeType, decode, encode},
        pagination::{Page, connection},
    },
    services::cutover::column,
};

/// One person's row of the MS Teams column.
#[derive(Clone)]
pub struct TeamsColumnRow(pub column::Row);

/// One person's row of the MS Teams column.
#[Object]
impl TeamsColumnRow {
    /// The person.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        person_of(ctx, self.0.person_id).await
    }

    /// The person's global ID (also when the directory hides them).
    async fn person_id(&self) -> async_graphql::ID {
        encode(NodeType::Person, self.0.person_id)
    }

    /// SSO username.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// Name as shown in the directory.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// The person's unit.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Option<Unit>> {
        Ok(ctx_loaders(ctx)?
            .units
            .load_one(self.0.unit_id)
            .await
            .map_err(ApiError::internal)?
            .map(Unit))
    }

    /// The column's one-word answer.
    async fn status(&self) -> TeamsColumnStatus {
        self.0.verdict.status.into()
    }

    /// True when the status is ELIGIBLE.
    async fn eligible(&self) -> bool {
        self.0.verdict.eligible()
    }

    /// Why they are offered Teams.
    async fn reasons(&self) -> Vec<TeamsReason> {
        self.0.verdict.reasons.iter().map(|r| (*r).into()).collect()
    }

    /// Why they cannot move.
    async fn blockers(&self) -> Vec<TeamsBlocker> {
        self.0
            .verdict
            .blockers
            .iter()
            .map(|b| (*b).into())
            .collect()
    }

    /// What moving takes from them.
    async fn warnings(&self) -> Vec<TeamsWarning> {
        self.0
            .verdict
            .warnings
            .iter()
            .map(|w| (*w).into())
            .collect()
    }

    /// Outbound external calls from a non-desk device in the look-back window.
    async fn external_calls_away(&self) -> i64 {
        self.0.facts.external_calls_away
    }

    /// The key of the person's movement set (see `movementSets`); null when alone.
    async fn movement_set_key(&self) -> Option<async_graphql::ID> {
        self.0.set_key.map(|k| encode(NodeType::Person, k))
    }

    /// True when the person holds a Teams licence.
    async fn licensed(&self) -> bool {
        self.0.licensed
    }

    /// The answer in the current nomination round; null when none.
    async fn nomination(&self) -> Option<NominationAnswer> {
        self.0.nomination.map(|(a, _)| a.into())
    }

    /// True when the answer came after the round's deadline (LATE tranche).
    async fn nominated_late(&self) -> bool {
        self.0.nomination.is_some_and(|(_, late)| late)
    }

    /// The tranche the person is placed in.
    async fn tranche(&self, ctx: &Context<'_>) -> ApiResult<Option<Tranche>> {
        match self.0.tranche_id {
            None => Ok(None),
            Some(id) => load_tranche(ctx, id).await,
        }
    }
}

/// Narrows the column.
#[derive(InputObject, Default)]
pub struct TeamsColumnFilter {
    /// Only these statuses.
    pub status: Option<Vec<TeamsColumnStatus>>,
    /// Only people with this reason.
    pub reason: Option<TeamsReason>,
    /// Only people with this blocker.
    pub blocker: Option<TeamsBlocker>,
    /// Only people with (true) or without (false) a nomination answer.
    pub answered: Option<bool>,
    /// Only people in (true) or outside (false) a movement set.
    pub in_movement_set: Option<bool>,
}

impl From<TeamsColumnFilter> for column::Filter {
    fn from(f: TeamsColumnFilter) -> Self {
        Self {
            status: f.status.map(|s| s.into_iter().map(Into::into).collect()),
            reason: f.reason.map(Into::into),
            blocker: f.blocker.map(Into::into),
            answered: f.answered,
            in_movement_set: f.in_movement_set,
        }
    }
}

/// How many people of the scope (unit or all) have each status, before the filter.
#[derive(SimpleObject, Clone, Default)]
pub struct TeamsColumnCounts {
    /// ELIGIBLE people.
    pub eligible: i64,
    /// NOT_NEEDED people.
    pub not_needed: i64,
    /// BLOCKED people.
    pub blocked: i64,
    /// MOVED people.
    pub moved: i64,
}

impl From<column::StatusCounts> for TeamsColumnCounts {
    fn from(c: column::StatusCounts) -> Self {
        Self {
            eligible: c.eligible,
            not_needed: c.not_needed,
            blocked: c.blocked,
            moved: c.moved,
        }
    }
}

connection!(
    TeamsColumnConnection,
    TeamsColumnEdge,
    TeamsColumnRow,
    "MS Teams column rows"
);

/// The column page and its counts.
#[derive(SimpleObject)]
pub struct TeamsEligibility {
    /// The page of rows, in directory order.
    pub rows: TeamsColumnConnection,
    /// Counts over the whole scope, before the filter.
    pub counts: TeamsColumnCounts,
}

/// The `teamsEligibility` query.
#[derive(Default)]
pub struct ColumnQuery;

#[Object]
impl ColumnQuery {
    /// The MS Teams column: per person, eligible or not, with reasons, blockers and warnings.
    /// Coordinators see their units (all of them when `unitId` is omitted); administrators
    /// everyone. Rows come in directory order.
    #[allow(clippy::too_many_arguments)]
    async fn teams_eligibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit.")] unit_id: Option<async_graphql::ID>,
        #[graphql(desc = "Narrows the rows.")] filter: Option<TeamsColumnFilter>,
        #[graphql(desc = "Days of call history that count (default from the server's settings).")]
        look_back_days: Option<i32>,
        #[graphql(desc = "Page size, 1–100.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1–100.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> ApiResult<TeamsEligibility> {
        let principal = ctx_principal(ctx)?;
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let scope = column_scope(principal, unit)?;
        let page: Page<(String, Uuid)> = Page::new(first, after, last, before)?;
        let since = since(ctx, look_back_days)?;
        let filter = column::Filter::from(filter.unwrap_or_default());
        let found = column::filtered(ctx_db(ctx)?, &scope, since, &filter)
            .await
            .map_err(ApiError::from)?;
        let total = found.rows.len() as i64;
        let key = |r: &column::Row| (r.search_name.clone(), r.person_id);
        let window = slice(found.rows, &page, key);
        Ok(TeamsEligibility {
            rows: page.finish(window, key, TeamsColumnRow, Some(total)).into(),
            counts: found.counts.into(),
        })
    }
}

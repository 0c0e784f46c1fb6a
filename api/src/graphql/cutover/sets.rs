//! Movement sets: people linked by hunt and executive-assistant groups who move together,
//! and the `movementSets` query.

use async_graphql::{Context, Object, SimpleObject};
use uuid::Uuid;

use super::{
    column_scope, encode_people,
    enums::MovementLinkKind,
    people_of, since, slice,
    tranches::{Tranche, load_tranche},
};
use crate::{
    domain::cutover::sets::{Link, LinkKind},
    graphql::{
        ctx_db, ctx_principal,
        directory::Person,
        errors::{ApiError, ApiResult},
        node::{NodeType, decode, encode},
        pagination::{Page, connection},
    },
    services::cutover::sets::{self as service, SetSummary},
};

/// A group that links people of a movement set.
#[derive(SimpleObject, Clone)]
pub struct MovementLink {
    /// Hunt group or executive-assistant group.
    pub kind: MovementLinkKind,
    /// The group's global ID.
    pub group_id: async_graphql::ID,
    /// The group's name.
    pub name: String,
    /// Its members' global IDs.
    pub member_ids: Vec<async_graphql::ID>,
}

impl From<&Link> for MovementLink {
    fn from(l: &Link) -> Self {
        Self {
            kind: l.kind.into(),
            group_id: encode(
                match l.kind {
                    LinkKind::HuntGroup => NodeType::HuntGroup,
                    LinkKind::EaGroup => NodeType::EaGroup,
                },
                l.group_id,
            ),
            name: l.name.clone(),
            member_ids: encode_people(&l.members),
        }
    }
}

/// People who must move together, in one tranche, or not at all.
#[derive(Clone)]
pub struct MovementSet(SetSummary);

/// People who must move together, in one tranche, or not at all.
#[Object]
impl MovementSet {
    /// The set's key: its smallest member's person ID (stable while membership is).
    async fn key(&self) -> async_graphql::ID {
        encode(NodeType::Person, self.0.key)
    }

    /// Number of members.
    async fn size(&self) -> usize {
        self.0.members.len()
    }

    /// The members.
    async fn members(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        people_of(ctx, &self.0.members).await
    }

    /// The members' global IDs.
    async fn member_ids(&self) -> Vec<async_graphql::ID> {
        encode_people(&self.0.members)
    }

    /// Why they are linked: each hunt or EA group and its members.
    async fn links(&self) -> Vec<MovementLink> {
        self.0.links.iter().map(MovementLink::from).collect()
    }

    /// Members who cannot move on their own account; any one blocks the whole set.
    async fn blocked_member_ids(&self) -> Vec<async_graphql::ID> {
        encode_people(&self.0.blocked)
    }

    /// Members the column marks ELIGIBLE.
    async fn eligible_count(&self) -> i64 {
        self.0.eligible
    }

    /// Tranches the members are placed in (more than one would be a split set).
    async fn tranches(&self, ctx: &Context<'_>) -> ApiResult<Vec<Tranche>> {
        let mut out = Vec::new();
        for t in &self.0.tranches {
            out.extend(load_tranche(ctx, *t).await?);
        }
        Ok(out)
    }
}

connection!(
    MovementSetConnection,
    MovementSetEdge,
    MovementSet,
    "movement sets"
);

/// The `movementSets` query.
#[derive(Default)]
pub struct SetsQuery;

#[Object]
impl SetsQuery {
    /// Movement sets: people linked by hunt groups and executive-assistant groups, who move
    /// together. Coordinators see sets with a member in their units; administrators all.
    async fn movement_sets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sets with a member in this unit.")] unit_id: Option<
            async_graphql::ID,
        >,
        #[graphql(desc = "Page size, 1–100.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<MovementSetConnection> {
        let principal = ctx_principal(ctx)?;
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let scope = column_scope(principal, unit)?;
        let page: Page<Uuid> = Page::new(first, after, None, None)?;
        let all = service::in_scope(ctx_db(ctx)?, &scope, since(ctx, None)?)
            .await
            .map_err(ApiError::from)?;
        let total = all.len() as i64;
        let window = slice(all, &page, |s| s.key);
        Ok(page
            .finish(window, |s| s.key, MovementSet, Some(total))
            .into())
    }
}

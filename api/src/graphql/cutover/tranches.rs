//! Tranches: the schedule, each tranche and its members, the results of placing and
//! planning, the `tranches` and `tranche` queries and the mutations that create, change,
//! fill, empty and plan them.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{
    encode_people,
    enums::{Cohort, NotificationKind, PlanSkipReason, TrancheState},
    ids, since,
};
use crate::{
    domain::cutover::tranches as tranche_rules,
    graphql::{
        ctx_db, ctx_principal,
        errors::{ApiError, ApiResult, UserError},
        node::{NodeType, decode, encode},
    },
    services::cutover::tranches,
};

/// A countdown e-mail's date.
#[derive(SimpleObject, Clone)]
pub struct CountdownDate {
    /// Which e-mail.
    pub kind: NotificationKind,
    /// The London date it goes out.
    pub due_on: NaiveDate,
}

/// A tranche of the move: people who move on one date.
#[derive(Clone)]
pub struct Tranche(pub entity::tranche::Model);

/// A tranche of the move: people who move on one date.
#[Object]
impl Tranche {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Tranche, self.0.id)
    }

    /// Its number in the schedule.
    async fn number(&self) -> i32 {
        self.0.number
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The cohort it moves.
    async fn cohort(&self) -> Cohort {
        self.0.cohort.into()
    }

    /// The day its members move.
    async fn move_date(&self) -> NaiveDate {
        self.0.move_date
    }

    /// Most people it may hold.
    async fn capacity(&self) -> i32 {
        self.0.capacity
    }

    /// Where it is in its life.
    async fn state(&self) -> TrancheState {
        self.0.state.into()
    }

    /// Bumped by every change; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// People placed in it.
    async fn member_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(tranches::count(ctx_db(ctx)?, self.0.id)
            .await
            .map_err(ApiError::from)? as i64)
    }

    /// Its members' global IDs: administrators and services all of them, coordinators those
    /// of their own units (`memberCount` counts everyone).
    async fn member_ids(&self, ctx: &Context<'_>) -> ApiResult<Vec<async_graphql::ID>> {
        let principal = ctx_principal(ctx)?;
        let members = tranches::visible_members(ctx_db(ctx)?, principal, self.0.id).await?;
        Ok(encode_people(&members))
    }

    /// When its countdown e-mails go out.
    async fn countdown(&self) -> Vec<CountdownDate> {
        tranche_rules::countdown(self.0.move_date)
            .into_iter()
            .map(|(kind, due_on)| CountdownDate {
                kind: kind.into(),
                due_on,
            })
            .collect()
    }
}

/// Loads a tranche (every signed-in caller may see the schedule).
pub async fn load_tranche(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Tranche>> {
    Ok(tranches::get(ctx_db(ctx)?, id)
        .await
        .map_err(ApiError::from)?
        .map(Tranche))
}

/// The result of placing one movement set (or single person).
#[derive(SimpleObject, Clone)]
pub struct SetPlacement {
    /// The set's members.
    pub member_ids: Vec<async_graphql::ID>,
    /// True when placed (dry run: when it would be).
    pub placed: bool,
    /// The refusal's code (e.g. `NO_LICENCE`, `TRANCHE_FULL`); null when placed.
    pub reason: Option<String>,
    /// The refusal in words.
    pub message: Option<String>,
}

/// A set `planTranches` placed.
#[derive(SimpleObject, Clone)]
pub struct PlannedPlacement {
    /// The tranche.
    pub tranche_id: async_graphql::ID,
    /// The set's members.
    pub member_ids: Vec<async_graphql::ID>,
    /// True when placed in a LATE tranche for want of room in its own cohort.
    pub overflow: bool,
}

/// A set `planTranches` could not place.
#[derive(SimpleObject, Clone)]
pub struct UnplacedSet {
    /// The set's members.
    pub member_ids: Vec<async_graphql::ID>,
    /// Why.
    pub reason: PlanSkipReason,
}

/// The tranche queries.
#[derive(Default)]
pub struct TrancheQuery;

#[Object]
impl TrancheQuery {
    /// Every tranche, by number.
    async fn tranches(&self, ctx: &Context<'_>) -> ApiResult<Vec<Tranche>> {
        ctx_principal(ctx)?;
        Ok(tranches::list(ctx_db(ctx)?)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(|(t, _)| Tranche(t))
            .collect())
    }

    /// One tranche.
    async fn tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche's ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<Tranche>> {
        ctx_principal(ctx)?;
        load_tranche(ctx, decode(NodeType::Tranche, &id)?).await
    }
}

/// `createTranche` input.
#[derive(InputObject)]
pub struct CreateTrancheInput {
    /// Its number in the schedule (unique).
    pub number: i32,
    /// Its name.
    pub name: String,
    /// The cohort it moves.
    pub cohort: Cohort,
    /// The move date: after today, leaving a day for the day-before notice.
    pub move_date: NaiveDate,
    /// Most people it may hold.
    pub capacity: i32,
}

/// `updateTranche` input: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateTrancheInput {
    /// The tranche.
    pub id: async_graphql::ID,
    /// A new name.
    pub name: Option<String>,
    /// A new move date (re-plans the unsent countdown e-mails).
    pub move_date: Option<NaiveDate>,
    /// A new capacity (not below the members).
    pub capacity: Option<i32>,
    /// The next state: PLANNED → FROZEN → IN_PROGRESS → DONE (FROZEN → PLANNED thaws).
    pub state: Option<TrancheState>,
    /// The version read; the change is refused with CONFLICT if it moved on.
    pub expected_version: Option<i32>,
}

/// Tranche payload.
#[derive(SimpleObject)]
pub struct TranchePayload {
    /// The tranche; null when refused.
    pub tranche: Option<Tranche>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

impl From<Result<Tranche, UserError>> for TranchePayload {
    fn from(result: Result<Tranche, UserError>) -> Self {
        match result {
            Ok(t) => Self {
                tranche: Some(t),
                user_errors: vec![],
            },
            Err(e) => Self {
                tranche: None,
                user_errors: vec![e],
            },
        }
    }
}

/// `assignToTranche` input.
#[derive(InputObject)]
pub struct AssignToTrancheInput {
    /// The tranche.
    pub tranche_id: async_graphql::ID,
    /// The people: whole movement sets.
    pub person_ids: Vec<async_graphql::ID>,
    /// Answer without placing.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `assignToTranche` payload.
#[derive(SimpleObject)]
pub struct AssignToTranchePayload {
    /// The tranche.
    pub tranche: Option<Tranche>,
    /// Per movement set (or single person).
    pub sets: Vec<SetPlacement>,
    /// Why the request as a whole was refused (e.g. SET_SPLIT, TRANCHE_FROZEN).
    pub user_errors: Vec<UserError>,
}

/// One set's placement as the payload shows it.
fn set_placement(s: tranches::SetResult) -> SetPlacement {
    SetPlacement {
        member_ids: encode_people(&s.members),
        placed: s.refusal.is_none(),
        reason: s.refusal.as_ref().map(|r| r.code().to_owned()),
        message: s.refusal.as_ref().map(ToString::to_string),
    }
}

/// `removeFromTranche` input.
#[derive(InputObject)]
pub struct RemoveFromTrancheInput {
    /// The people: whole movement sets.
    pub person_ids: Vec<async_graphql::ID>,
}

/// `removeFromTranche` payload.
#[derive(SimpleObject)]
pub struct RemoveFromTranchePayload {
    /// People taken out (those in no tranche are left out).
    pub removed_ids: Vec<async_graphql::ID>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// `planTranches` input.
#[derive(InputObject)]
pub struct PlanTranchesInput {
    /// Propose without placing.
    #[graphql(default = true)]
    pub dry_run: bool,
}

/// `planTranches` payload.
#[derive(SimpleObject)]
pub struct PlanTranchesPayload {
    /// Sets placed (dry run: proposed), per tranche.
    pub placements: Vec<PlannedPlacement>,
    /// Sets left out, and why.
    pub unplaced: Vec<UnplacedSet>,
    /// People placed.
    pub placed_count: i64,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// The tranche mutations.
#[derive(Default)]
pub struct TrancheMutation;

#[Object]
impl TrancheMutation {
    /// Creates a tranche.
    async fn create_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche's number, name, cohort, move date and capacity.")]
        input: CreateTrancheInput,
    ) -> ApiResult<TranchePayload> {
        let principal = ctx_principal(ctx)?;
        let new = tranches::NewTranche {
            number: input.number,
            name: input.name,
            cohort: input.cohort.into(),
            move_date: input.move_date,
            capacity: input.capacity,
        };
        let outcome = tranches::create(ctx_db(ctx)?, principal, new, Utc::now()).await?;
        Ok(outcome.map(Tranche).into())
    }

    /// Renames, reschedules (re-planning unsent countdown e-mails), resizes, or moves the
    /// state on. Dates and capacity change only while PLANNED.
    async fn update_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche and what to change.")] input: UpdateTrancheInput,
    ) -> ApiResult<TranchePayload> {
        let principal = ctx_principal(ctx)?;
        let id = decode(NodeType::Tranche, &input.id)?;
        let change = tranches::TrancheChange {
            name: input.name,
            move_date: input.move_date,
            capacity: input.capacity,
            state: input.state.map(Into::into),
            expected_version: input.expected_version,
        };
        let outcome = tranches::update(ctx_db(ctx)?, principal, id, change, Utc::now()).await?;
        Ok(outcome.map(Tranche).into())
    }

    /// Places whole movement sets in a PLANNED tranche: each set needs licences, no blocker,
    /// and room; a late nomination only goes to a LATE tranche. Plans their countdown e-mails.
    async fn assign_to_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche and the people (whole movement sets) to place.")]
        input: AssignToTrancheInput,
    ) -> ApiResult<AssignToTranchePayload> {
        let principal = ctx_principal(ctx)?;
        let tranche = decode(NodeType::Tranche, &input.tranche_id)?;
        let people = ids(NodeType::Person, &input.person_ids)?;
        let outcome = tranches::assign(
            ctx_db(ctx)?,
            principal,
            tranche,
            &people,
            input.dry_run,
            Utc::now(),
            since(ctx, None)?,
        )
        .await?;
        match outcome {
            Ok((t, sets)) => Ok(AssignToTranchePayload {
                tranche: load_tranche(ctx, t.id).await?,
                sets: sets.into_iter().map(set_placement).collect(),
                user_errors: vec![],
            }),
            Err(e) => Ok(AssignToTranchePayload {
                tranche: None,
                sets: vec![],
                user_errors: vec![e],
            }),
        }
    }

    /// Takes whole movement sets out of their (PLANNED) tranche; unsent e-mails are dropped.
    async fn remove_from_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The people (whole movement sets) to take out.")]
        input: RemoveFromTrancheInput,
    ) -> ApiResult<RemoveFromTranchePayload> {
        let principal = ctx_principal(ctx)?;
        let people = ids(NodeType::Person, &input.person_ids)?;
        let outcome = tranches::remove(ctx_db(ctx)?, principal, &people, since(ctx, None)?).await?;
        Ok(match outcome {
            Ok(removed) => RemoveFromTranchePayload {
                removed_ids: encode_people(&removed),
                user_errors: vec![],
            },
            Err(e) => RemoveFromTranchePayload {
                removed_ids: vec![],
                user_errors: vec![e],
            },
        })
    }

    /// Proposes (and with `dryRun: false` makes) a placement of nominated people not yet in
    /// a tranche: whole sets, by cohort, within capacity; what could not be placed and why.
    async fn plan_tranches(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whether to only propose (the default) or also place.")]
        input: PlanTranchesInput,
    ) -> ApiResult<PlanTranchesPayload> {
        let principal = ctx_principal(ctx)?;
        let plan = tranches::plan(
            ctx_db(ctx)?,
            principal,
            input.dry_run,
            Utc::now(),
            since(ctx, None)?,
        )
        .await?;
        Ok(PlanTranchesPayload {
            placed_count: plan.placed.iter().map(|(_, m, _)| m.len() as i64).sum(),
            placements: plan
                .placed
                .into_iter()
                .map(|(t, members, overflow)| PlannedPlacement {
                    tranche_id: encode(NodeType::Tranche, t),
                    member_ids: encode_people(&members),
                    overflow,
                })
                .collect(),
            unplaced: plan
                .skipped
                .into_iter()
                .map(|(members, why)| UnplacedSet {
                    member_ids: encode_people(&members),
                    reason: why.into(),
                })
                .collect(),
            user_errors: vec![],
        })
    }
}

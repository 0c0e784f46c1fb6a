//! Teams licences: the pool, each person's result, the `licencePool` query and the
//! mutations that assign, revoke and size.

use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::{enums::LicenceOutcome, ids, since};
use crate::{
    graphql::{
        ctx_db, ctx_principal,
        errors::{ApiResult, UserError},
        node::{NodeType, decode, encode},
    },
    services::cutover::{self as service, licences},
};

/// The pool of Telephony over Teams licences.
#[derive(Clone)]
pub struct LicencePool(pub entity::licence_pool::Model);

/// The pool of Telephony over Teams licences.
#[Object]
impl LicencePool {
    /// Licences in the pool.
    async fn capacity(&self) -> i32 {
        self.0.capacity
    }

    /// Licences assigned.
    async fn assigned(&self) -> i32 {
        self.0.assigned_count
    }

    /// Licences still free.
    async fn available(&self) -> i32 {
        (self.0.capacity - self.0.assigned_count).max(0)
    }

    /// Bumped by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// One person's licence result.
#[derive(SimpleObject, Clone)]
pub struct LicenceResult {
    /// The person's global ID.
    pub person_id: async_graphql::ID,
    /// What happened.
    pub outcome: LicenceOutcome,
    /// The refusal's code (e.g. `BLOCKED`, `POOL_EXHAUSTED`); null when not refused.
    pub reason: Option<String>,
    /// The refusal in words; null when not refused.
    pub message: Option<String>,
}

fn licence_result(r: service::PersonResult<licences::Outcome>) -> LicenceResult {
    LicenceResult {
        person_id: encode(NodeType::Person, r.person_id),
        outcome: r.outcome.into(),
        reason: r.refusal.as_ref().map(|x| x.code().to_owned()),
        message: r.refusal.as_ref().map(ToString::to_string),
    }
}

/// The `licencePool` query.
#[derive(Default)]
pub struct LicenceQuery;

#[Object]
impl LicenceQuery {
    /// The licence pool.
    async fn licence_pool(&self, ctx: &Context<'_>) -> ApiResult<LicencePool> {
        let principal = ctx_principal(ctx)?;
        Ok(LicencePool(
            licences::pool_for(ctx_db(ctx)?, principal).await?,
        ))
    }
}

/// `assignTeamsLicences` input.
#[derive(InputObject)]
pub struct AssignTeamsLicencesInput {
    /// The people, in priority order (the pool may run out part way).
    pub person_ids: Vec<async_graphql::ID>,
    /// Answer without assigning.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `assignTeamsLicences` and `revokeTeamsLicence` payload.
#[derive(SimpleObject)]
pub struct LicencesPayload {
    /// Per person, in the order given.
    pub results: Vec<LicenceResult>,
    /// The pool afterwards.
    pub pool: Option<LicencePool>,
    /// Why the request as a whole was refused.
    pub user_errors: Vec<UserError>,
}

impl LicencesPayload {
    /// The results and the pool afterwards.
    fn of(results: Vec<LicenceResult>, pool: entity::licence_pool::Model) -> Self {
        Self {
            results,
            pool: Some(LicencePool(pool)),
            user_errors: vec![],
        }
    }

    /// The request refused as a whole: no results, no pool.
    fn refused(e: UserError) -> Self {
        Self {
            results: vec![],
            pool: None,
            user_errors: vec![e],
        }
    }
}

/// `revokeTeamsLicence` input.
#[derive(InputObject)]
pub struct RevokeTeamsLicenceInput {
    /// The person.
    pub person_id: async_graphql::ID,
    /// Answer without revoking.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `setLicencePoolCapacity` input.
#[derive(InputObject)]
pub struct SetLicencePoolCapacityInput {
    /// Licences in the pool; never below those assigned.
    pub capacity: i32,
}

/// The licence mutations.
#[derive(Default)]
pub struct LicenceMutation;

#[Object]
impl LicenceMutation {
    /// Assigns Teams licences while the pool lasts: per person ASSIGNED, ALREADY_ASSIGNED or
    /// REFUSED (BLOCKED, UNKNOWN_PERSON, POOL_EXHAUSTED). Never more than the pool, however
    /// many requests run at once.
    async fn assign_teams_licences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The people, in priority order, and whether to only try.")]
        input: AssignTeamsLicencesInput,
    ) -> ApiResult<LicencesPayload> {
        let principal = ctx_principal(ctx)?;
        let people = ids(NodeType::Person, &input.person_ids)?;
        let outcome = licences::assign(
            ctx_db(ctx)?,
            principal,
            &people,
            input.dry_run,
            since(ctx, None)?,
        )
        .await?;
        Ok(match outcome {
            Ok((results, pool)) => {
                LicencesPayload::of(results.into_iter().map(licence_result).collect(), pool)
            }
            Err(e) => LicencesPayload::refused(e),
        })
    }

    /// Takes a licence back; refused for someone on Teams or placed in a tranche.
    async fn revoke_teams_licence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person whose licence to take back.")] input: RevokeTeamsLicenceInput,
    ) -> ApiResult<LicencesPayload> {
        let principal = ctx_principal(ctx)?;
        let person = decode(NodeType::Person, &input.person_id)?;
        Ok(
            match licences::revoke(ctx_db(ctx)?, principal, person, input.dry_run).await? {
                Ok((result, pool)) => LicencesPayload::of(vec![licence_result(result)], pool),
                Err(e) => LicencesPayload::refused(e),
            },
        )
    }

    /// Sizes the licence pool (administrators).
    async fn set_licence_pool_capacity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number of licences the pool holds.")]
        input: SetLicencePoolCapacityInput,
    ) -> ApiResult<LicencesPayload> {
        let principal = ctx_principal(ctx)?;
        Ok(
            match licences::set_capacity(ctx_db(ctx)?, principal, input.capacity).await? {
                Ok(pool) => LicencesPayload::of(vec![], pool),
                Err(e) => LicencesPayload::refused(e),
            },
        )
    }
}

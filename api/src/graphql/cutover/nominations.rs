//! Nominations: rounds, each answer's result, each unit's progress, the queries that read
//! them and the mutations that open a round and record answers.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    enums::{NominationAnswer, NominationOutcome},
    since,
};
use crate::{
    graphql::{
        ctx_db, ctx_loaders, ctx_principal,
        directory::Unit,
        errors::{ApiError, ApiResult, UserError},
        node::{NodeType, decode, encode},
    },
    services::cutover::nominations,
};

/// A round in which coordinators nominate people.
#[derive(Clone)]
pub struct NominationRound(pub entity::nomination_round::Model);

/// A round in which coordinators nominate people.
#[Object]
impl NominationRound {
    /// Opaque global ID.
    async fn id(&self) -> async_graphql::ID {
        encode(NodeType::NominationRound, self.0.id)
    }

    /// The round's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Answers after this instant are late (LATE tranche).
    async fn deadline(&self) -> DateTime<Utc> {
        self.0.deadline
    }

    /// True before the deadline.
    async fn open(&self) -> bool {
        Utc::now() <= self.0.deadline
    }
}

/// One nomination answer's result.
#[derive(SimpleObject, Clone)]
pub struct NominationResult {
    /// The person's global ID.
    pub person_id: async_graphql::ID,
    /// What happened.
    pub outcome: NominationOutcome,
    /// The refusal's code (e.g. `NOT_IN_YOUR_UNITS`); null when recorded.
    pub reason: Option<String>,
    /// The refusal in words; null when recorded.
    pub message: Option<String>,
}

/// A unit's progress in the current round.
#[derive(Clone)]
pub struct UnitNominationProgress(nominations::Progress);

/// A unit's progress in the current nomination round.
#[Object]
impl UnitNominationProgress {
    /// The unit.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Option<Unit>> {
        Ok(ctx_loaders(ctx)?
            .units
            .load_one(self.0.unit_id)
            .await
            .map_err(ApiError::internal)?
            .map(Unit))
    }

    /// The unit's code.
    async fn unit_code(&self) -> &str {
        &self.0.unit_code
    }

    /// People the MS Teams column marks ELIGIBLE.
    async fn eligible(&self) -> i64 {
        self.0.eligible
    }

    /// NOMINATE answers.
    async fn nominated(&self) -> i64 {
        self.0.nominated
    }

    /// DECLINE answers.
    async fn declined(&self) -> i64 {
        self.0.declined
    }

    /// Answers given after the deadline.
    async fn late(&self) -> i64 {
        self.0.late
    }

    /// All answers.
    async fn answered(&self) -> i64 {
        self.0.nominated + self.0.declined
    }

    /// Eligible people still without an answer.
    async fn pending(&self) -> i64 {
        self.0.pending
    }
}

/// The nomination queries.
#[derive(Default)]
pub struct NominationQuery;

#[Object]
impl NominationQuery {
    /// Nomination rounds, newest first.
    async fn nomination_rounds(&self, ctx: &Context<'_>) -> ApiResult<Vec<NominationRound>> {
        ctx_principal(ctx)?;
        Ok(nominations::rounds(ctx_db(ctx)?)
            .await?
            .into_iter()
            .map(NominationRound)
            .collect())
    }

    /// Progress of the current round per unit: eligible, answered, pending.
    async fn nomination_progress(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<UnitNominationProgress>> {
        let principal = ctx_principal(ctx)?;
        Ok(
            nominations::progress(ctx_db(ctx)?, principal, since(ctx, None)?)
                .await?
                .into_iter()
                .map(UnitNominationProgress)
                .collect(),
        )
    }
}

/// `createNominationRound` input.
#[derive(InputObject)]
pub struct CreateNominationRoundInput {
    /// The round's name.
    pub name: String,
    /// Answers after this are late.
    pub deadline: DateTime<Utc>,
}

/// `createNominationRound` payload.
#[derive(SimpleObject)]
pub struct NominationRoundPayload {
    /// The round; null when refused.
    pub round: Option<NominationRound>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

impl From<Result<NominationRound, UserError>> for NominationRoundPayload {
    fn from(result: Result<NominationRound, UserError>) -> Self {
        match result {
            Ok(round) => Self {
                round: Some(round),
                user_errors: vec![],
            },
            Err(e) => Self {
                round: None,
                user_errors: vec![e],
            },
        }
    }
}

/// One answer.
#[derive(InputObject)]
pub struct NominationAnswerInput {
    /// The person.
    pub person_id: async_graphql::ID,
    /// NOMINATE or DECLINE.
    pub answer: NominationAnswer,
}

/// `answerNominations` input.
#[derive(InputObject)]
pub struct AnswerNominationsInput {
    /// The round; default the current one.
    pub round_id: Option<async_graphql::ID>,
    /// The answers (each replaces the person's earlier answer).
    pub answers: Vec<NominationAnswerInput>,
}

/// `answerNominations` payload.
#[derive(SimpleObject)]
pub struct AnswerNominationsPayload {
    /// The round answered.
    pub round: Option<NominationRound>,
    /// Per answer, in the order given.
    pub results: Vec<NominationResult>,
    /// Why the request as a whole was refused.
    pub user_errors: Vec<UserError>,
}

/// The nomination mutations.
#[derive(Default)]
pub struct NominationMutation;

#[Object]
impl NominationMutation {
    /// Opens a nomination round with its deadline (administrators).
    async fn create_nomination_round(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The round's name and deadline.")] input: CreateNominationRoundInput,
    ) -> ApiResult<NominationRoundPayload> {
        let principal = ctx_principal(ctx)?;
        let outcome = nominations::create_round(
            ctx_db(ctx)?,
            principal,
            &input.name,
            input.deadline,
            Utc::now(),
        )
        .await?;
        Ok(outcome.map(NominationRound).into())
    }

    /// Records coordinators' answers for people of their units; after the deadline they are
    /// recorded as late (LATE tranche).
    async fn answer_nominations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The round (default the current one) and the answers.")]
        input: AnswerNominationsInput,
    ) -> ApiResult<AnswerNominationsPayload> {
        let principal = ctx_principal(ctx)?;
        if input.answers.len() > 5_000 {
            return Err(ApiError::LimitExceeded("at most 5000 answers per request".into()).into());
        }
        let round = input
            .round_id
            .map(|r| decode(NodeType::NominationRound, &r))
            .transpose()?;
        let answers = input
            .answers
            .iter()
            .map(|a| Ok((decode(NodeType::Person, &a.person_id)?, a.answer.into())))
            .collect::<Result<Vec<_>, ApiError>>()?;
        match nominations::answer(ctx_db(ctx)?, principal, round, &answers, Utc::now()).await? {
            Ok((round, results)) => Ok(AnswerNominationsPayload {
                round: Some(NominationRound(round)),
                results: results
                    .into_iter()
                    .map(|r| NominationResult {
                        person_id: encode(NodeType::Person, r.person_id),
                        outcome: r.outcome.into(),
                        reason: r.refusal.as_ref().map(|x| x.code().to_owned()),
                        message: r.refusal.as_ref().map(ToString::to_string),
                    })
                    .collect(),
                user_errors: vec![],
            }),
            Err(e) => Ok(AnswerNominationsPayload {
                round: None,
                results: vec![],
                user_errors: vec![e],
            }),
        }
    }
}

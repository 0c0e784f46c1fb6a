//! The `cutoverProgress` subscription: an event after each movement set of a move.

use async_graphql::{Context, SimpleObject, Subscription};
use futures_util::Stream;

use super::encode_people;
use crate::{
    events::{CutoverProgress, Events},
    graphql::{
        ctx_principal,
        errors::ApiError,
        node::{NodeType, decode, encode},
    },
    services::cutover::{self as service, tranches},
};

/// Progress of a move, after each movement set.
#[derive(SimpleObject, Clone)]
pub struct CutoverProgressEvent {
    /// The run, as returned by `executeTranche` / `moveToTeams`.
    pub run_id: async_graphql::ID,
    /// The tranche, for `executeTranche`.
    pub tranche_id: Option<async_graphql::ID>,
    /// Sets in the run.
    pub sets_total: i32,
    /// Sets finished so far.
    pub sets_done: i32,
    /// Sets refused or failed so far.
    pub sets_failed: i32,
    /// People moved so far.
    pub people_moved: i32,
    /// The set just finished.
    pub member_ids: Vec<async_graphql::ID>,
    /// Why that set did not move; null when it did.
    pub failure: Option<String>,
    /// True on the run's last event.
    pub finished: bool,
}

impl From<CutoverProgress> for CutoverProgressEvent {
    fn from(e: CutoverProgress) -> Self {
        Self {
            run_id: async_graphql::ID(e.run_id.to_string()),
            tranche_id: e.tranche_id.map(|t| encode(NodeType::Tranche, t)),
            sets_total: e.sets_total as i32,
            sets_done: e.sets_done as i32,
            sets_failed: e.sets_failed as i32,
            people_moved: e.people_moved as i32,
            member_ids: encode_people(&e.set_members),
            failure: e.failure,
            finished: e.finished,
        }
    }
}

/// Cutover subscriptions.
#[derive(Default)]
pub struct CutoverSubscription;

#[Subscription]
impl CutoverSubscription {
    /// Progress of moves to Teams (administrators and services with the `cutover:write`
    /// scope), from whichever server process runs them; only one tranche's when `trancheId` is
    /// given.
    async fn cutover_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this tranche's runs.")] tranche_id: Option<async_graphql::ID>,
    ) -> async_graphql::Result<impl Stream<Item = CutoverProgressEvent> + use<>> {
        let principal = ctx_principal(ctx)?;
        if !service::may_run(principal, tranches::SCOPE) {
            return Err(ApiError::Forbidden(
                "cutover progress is for administrators and the cutover:write service scope".into(),
            )
            .into());
        }
        let only = tranche_id
            .map(|t| decode(NodeType::Tranche, &t))
            .transpose()?;
        let receiver = ctx
            .data_opt::<Events>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no events in the context")))?
            .subscribe_cutover();
        Ok(futures_util::stream::unfold(
            receiver,
            move |mut rx| async move {
                loop {
                    match rx.recv().await {
                        Ok(e) if only.is_none() || e.tranche_id == only => {
                            return Some((CutoverProgressEvent::from(e), rx));
                        }
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}

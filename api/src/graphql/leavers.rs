//! `offboardPerson`: a leaver's telephony taken down (rule 13), with a dry run.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    ctx_db, ctx_principal,
    directory::Person,
    errors::ApiResult,
    groups::EaRole,
    node::{NodeType, decode, encode},
};
use crate::{
    auth::{Role, RoleGuard},
    config::LineSettings,
    domain::leavers::{Attention, Plan},
    error::UserError,
    services::leavers::{self, Offboarded},
};

/// Input of `offboardPerson`.
#[derive(InputObject)]
pub struct OffboardPersonInput {
    /// The person who left.
    pub person_id: async_graphql::ID,
    /// Only compute the consequences; change nothing.
    #[graphql(default)]
    pub dry_run: bool,
}

/// What a group or account needs after a leaver left it.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaverAttentionKind {
    /// The hunt group has no member left; calls go to its no-answer destination.
    HuntGroupEmpty,
    /// The pickup group has no member left.
    PickupGroupEmpty,
    /// The executive-assistant group has no one left in `role`.
    EaGroupWithoutRole,
    /// The person is on Teams: the Teams administrators remove the account (the licence stays
    /// assigned until then).
    TeamsAccountToRemove,
}

/// Something to mend after a leaver left.
#[derive(SimpleObject)]
pub struct LeaverAttention {
    /// What needs doing.
    pub kind: LeaverAttentionKind,
    /// The group concerned (a HuntGroup, PickupGroup or EaGroup ID); null for the account.
    pub group_id: Option<async_graphql::ID>,
    /// For an executive-assistant group, the role nobody holds any more.
    pub role: Option<EaRole>,
}

/// The consequences of offboarding a person: applied, or in a dry run what would be.
#[derive(SimpleObject)]
pub struct LeaverConsequences {
    /// True when written now; false for a dry run, or for someone who had already left
    /// (then the lists say what they still hold: normally nothing).
    pub applied: bool,
    /// When they left; null in a dry run.
    pub left_at: Option<DateTime<Utc>>,
    /// Their devices disabled (those that were active).
    pub disabled_device_ids: Vec<async_graphql::ID>,
    /// Their personal lines taken back and held in quarantine.
    pub released_line_ids: Vec<async_graphql::ID>,
    /// Until when the released numbers cannot be given to anyone else.
    pub quarantine_until: DateTime<Utc>,
    /// Hunt groups they left.
    pub left_hunt_group_ids: Vec<async_graphql::ID>,
    /// Pickup groups they left.
    pub left_pickup_group_ids: Vec<async_graphql::ID>,
    /// Executive-assistant groups they left (with their whitelists).
    pub left_ea_group_ids: Vec<async_graphql::ID>,
    /// Their Teams licence went back to the pool.
    pub licence_returned: bool,
    /// The tranche they left (one that had not started moving).
    pub left_tranche_id: Option<async_graphql::ID>,
    /// Countdown e-mails cancelled.
    pub cancelled_notices: i32,
    /// Groups left broken, and a Teams account to remove.
    pub attention: Vec<LeaverAttention>,
}

impl LeaverConsequences {
    fn of(done: &Offboarded) -> Self {
        let plan: &Plan = &done.plan;
        let ids = |ty: NodeType, ids: &[uuid::Uuid]| ids.iter().map(|id| encode(ty, *id)).collect();
        Self {
            applied: done.applied,
            left_at: done.left_at,
            disabled_device_ids: ids(NodeType::Device, &plan.disable_devices),
            released_line_ids: ids(NodeType::Line, &plan.release_lines),
            quarantine_until: plan.quarantine_until,
            left_hunt_group_ids: ids(NodeType::HuntGroup, &plan.leave_hunt_groups),
            left_pickup_group_ids: ids(NodeType::PickupGroup, &plan.leave_pickup_groups),
            left_ea_group_ids: ids(NodeType::EaGroup, &plan.leave_ea_groups),
            licence_returned: plan.return_licence,
            left_tranche_id: plan.leave_tranche.map(|t| encode(NodeType::Tranche, t)),
            cancelled_notices: i32::try_from(plan.cancel_notices.len()).unwrap_or(i32::MAX),
            attention: plan.attention.iter().map(attention).collect(),
        }
    }
}

fn attention(a: &Attention) -> LeaverAttention {
    let (kind, group_id, role) = match *a {
        Attention::HuntGroupEmpty(g) => (
            LeaverAttentionKind::HuntGroupEmpty,
            Some(encode(NodeType::HuntGroup, g)),
            None,
        ),
        Attention::PickupGroupEmpty(g) => (
            LeaverAttentionKind::PickupGroupEmpty,
            Some(encode(NodeType::PickupGroup, g)),
            None,
        ),
        Attention::EaGroupWithoutRole(g, role) => (
            LeaverAttentionKind::EaGroupWithoutRole,
            Some(encode(NodeType::EaGroup, g)),
            Some(role.into()),
        ),
        Attention::TeamsAccountToRemove => (LeaverAttentionKind::TeamsAccountToRemove, None, None),
    };
    LeaverAttention {
        kind,
        group_id,
        role,
    }
}

/// Result of `offboardPerson`.
#[derive(SimpleObject)]
pub struct OffboardPersonPayload {
    /// The person (their entry stays, out of the directory search); null when refused.
    pub person: Option<Person>,
    /// What was done, or in a dry run what would be; null when refused.
    pub consequences: Option<LeaverConsequences>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Offboarding.
#[derive(Default)]
pub struct LeaversMutation;

#[Object]
impl LeaversMutation {
    /// Offboards a person who left the University (ADMIN): their sign-in stops at once, their
    /// devices are disabled, their personal lines are taken back and held in quarantine, they
    /// leave every hunt, pickup and executive-assistant group (groups left without members or
    /// without a manager or assistant are listed in `attention`), a Teams licence held on
    /// Chorus goes back to the pool, they leave a tranche that has not started and its unsent
    /// countdown e-mails are cancelled. Voicemail stays until the retention purge; call
    /// history stays. A dry run returns exactly these consequences and changes nothing.
    /// Offboarding someone again changes nothing. User errors: NOT_FOUND, RULE_VIOLATION
    /// (`TRANCHE_IN_PROGRESS`: their tranche is moving to Teams).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn offboard_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The leaver, and whether only to compute the consequences.")]
        input: OffboardPersonInput,
    ) -> ApiResult<OffboardPersonPayload> {
        let person = decode(NodeType::Person, &input.person_id).ok();
        let days = ctx
            .data_opt::<LineSettings>()
            .map(|s| s.quarantine)
            .unwrap_or_default();
        let outcome = leavers::offboard(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            person,
            input.dry_run,
            days.days(),
        )
        .await?;
        Ok(match outcome {
            Ok(done) => OffboardPersonPayload {
                consequences: Some(LeaverConsequences::of(&done)),
                person: Some(Person::entitled(done.person)),
                user_errors: vec![],
            },
            Err(e) => OffboardPersonPayload {
                person: None,
                consequences: None,
                user_errors: vec![e],
            },
        })
    }
}

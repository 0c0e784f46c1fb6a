//! Moves to Teams and the Chorus upgrade: what a move or the upgrade changes per person and
//! per set, the `chorusUpgrade` queries, and the mutations that move people and run the
//! upgrade.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{column_scope, encode_people, ids, since, slice, tranches::Tranche};
use crate::{
    domain::cutover::moves::{SetMove, TeamsClient, UpgradeLoss},
    events::Events,
    graphql::{
        ctx_db, ctx_principal,
        errors::{ApiError, ApiResult, UserError},
        node::{NodeType, decode, encode},
        pagination::{Page, connection},
    },
    services::cutover::{column, moves},
};

/// A device a change switches off.
#[derive(SimpleObject, Clone)]
pub struct DeviceStop {
    /// The device's global ID.
    pub device_id: async_graphql::ID,
    /// Its kind.
    pub kind: crate::graphql::enums::DeviceKind,
}

/// What a move changes for one person.
#[derive(SimpleObject, Clone)]
pub struct PersonMoveChange {
    /// The person's global ID.
    pub person_id: async_graphql::ID,
    /// Desk phones, softphones and apps that stop.
    pub disabled_devices: Vec<DeviceStop>,
    /// The Teams client that becomes preferred; null when one is created.
    pub teams_client_device_id: Option<async_graphql::ID>,
    /// True when a Teams client device is created for them.
    pub creates_teams_client: bool,
    /// The preferred device before the move.
    pub preferred_device_before: Option<async_graphql::ID>,
    /// Pickup groups they leave.
    pub leaves_pickup_group_ids: Vec<async_graphql::ID>,
}

/// How one movement set fared in a move.
#[derive(SimpleObject, Clone)]
pub struct SetMoveResult {
    /// The set's members.
    pub member_ids: Vec<async_graphql::ID>,
    /// True when it moved (dry run: when it would).
    pub moved: bool,
    /// Why not: a rule's code (`NO_LICENCE`, `BLOCKED`, `SET_SPLIT`) or `FAILED`.
    pub reason: Option<String>,
    /// Why not, in words.
    pub message: Option<String>,
    /// Per person, what changes.
    pub changes: Vec<PersonMoveChange>,
    /// Members already on Teams: nothing to do.
    pub already_moved_ids: Vec<async_graphql::ID>,
    /// Hunt groups that switch to Teams (every member is then on Teams).
    pub hunt_groups_to_teams: Vec<async_graphql::ID>,
    /// Executive-assistant groups that become delegation (whitelist kept, inactive).
    pub ea_groups_to_delegation: Vec<async_graphql::ID>,
}

fn set_result(s: moves::SetOutcome) -> SetMoveResult {
    let plan: SetMove = s.plan.clone().unwrap_or_default();
    let (reason, message) = match (&s.refusal, &s.failure) {
        (Some(r), _) => (Some(r.code().to_owned()), Some(r.to_string())),
        (None, Some(f)) => (Some("FAILED".to_owned()), Some(f.clone())),
        _ => (None, None),
    };
    SetMoveResult {
        member_ids: encode_people(&s.members),
        moved: s.plan.is_some(),
        reason,
        message,
        changes: plan
            .moves
            .iter()
            .map(|m| PersonMoveChange {
                person_id: encode(NodeType::Person, m.person),
                disabled_devices: m
                    .disable
                    .iter()
                    .map(|(d, k)| DeviceStop {
                        device_id: encode(NodeType::Device, *d),
                        kind: (*k).into(),
                    })
                    .collect(),
                teams_client_device_id: match m.teams_client {
                    TeamsClient::Existing(d) => Some(encode(NodeType::Device, d)),
                    TeamsClient::New => None,
                },
                creates_teams_client: m.teams_client == TeamsClient::New,
                preferred_device_before: m.preferred_before.map(|d| encode(NodeType::Device, d)),
                leaves_pickup_group_ids: m
                    .leave_pickup_groups
                    .iter()
                    .map(|g| encode(NodeType::PickupGroup, *g))
                    .collect(),
            })
            .collect(),
        already_moved_ids: encode_people(&plan.already_moved),
        hunt_groups_to_teams: plan
            .hunt_groups_to_teams
            .iter()
            .map(|g| encode(NodeType::HuntGroup, *g))
            .collect(),
        ea_groups_to_delegation: plan
            .ea_groups_to_delegation
            .iter()
            .map(|g| encode(NodeType::EaGroup, *g))
            .collect(),
    }
}

/// What the Chorus upgrade takes from one person still on Chorus.
#[derive(SimpleObject, Clone)]
pub struct UpgradeLossView {
    /// The person's global ID.
    pub person_id: async_graphql::ID,
    /// Softphones and mobile apps that stop.
    pub disabled_devices: Vec<DeviceStop>,
    /// The portal-set preferred device that stops; null when it stays.
    pub preferred_device_before: Option<async_graphql::ID>,
    /// The desk phone preferred instead; null when none.
    pub preferred_device_after: Option<async_graphql::ID>,
}

fn loss_view(l: &UpgradeLoss) -> UpgradeLossView {
    UpgradeLossView {
        person_id: encode(NodeType::Person, l.person),
        disabled_devices: l
            .disable
            .iter()
            .map(|(d, k)| DeviceStop {
                device_id: encode(NodeType::Device, *d),
                kind: (*k).into(),
            })
            .collect(),
        preferred_device_before: l.preferred_reset.map(|(b, _)| encode(NodeType::Device, b)),
        preferred_device_after: l
            .preferred_reset
            .and_then(|(_, a)| a)
            .map(|a| encode(NodeType::Device, a)),
    }
}

/// A run of the Chorus upgrade.
#[derive(SimpleObject, Clone)]
pub struct ChorusUpgradeRun {
    /// When it ran.
    pub ran_at: DateTime<Utc>,
    /// The administrator who ran it.
    pub ran_by: String,
    /// People who lost something.
    pub people: i32,
    /// Devices switched off.
    pub devices: i32,
}

connection!(
    UpgradeLossConnection,
    UpgradeLossEdge,
    UpgradeLossView,
    "people who lose something in the Chorus upgrade"
);

/// The Chorus upgrade queries.
#[derive(Default)]
pub struct MoveQuery;

#[Object]
impl MoveQuery {
    /// The last run of the Chorus upgrade; null until it has run.
    async fn chorus_upgrade(&self, ctx: &Context<'_>) -> ApiResult<Option<ChorusUpgradeRun>> {
        ctx_principal(ctx)?;
        Ok(moves::upgrade_ran(ctx_db(ctx)?)
            .await
            .map_err(ApiError::from)?
            .map(|r| ChorusUpgradeRun {
                ran_at: r.ran_at,
                ran_by: r.ran_by,
                people: r.people,
                devices: r.devices,
            }))
    }

    /// Who loses what in the Chorus upgrade (rule 11): softphones, mobile apps and portal
    /// preferred devices of everyone still on Chorus. Coordinators see their units.
    async fn chorus_upgrade_preview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit.")] unit_id: Option<async_graphql::ID>,
        #[graphql(desc = "Page size, 1–100.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<UpgradeLossConnection> {
        let principal = ctx_principal(ctx)?;
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let units = match column_scope(principal, unit)? {
            column::Scope::All => None,
            column::Scope::Units(u) => Some(u),
            column::Scope::People(_) => None,
        };
        let page: Page<Uuid> = Page::new(first, after, None, None)?;
        let losses = moves::upgrade_preview(ctx_db(ctx)?, units.as_deref())
            .await
            .map_err(ApiError::from)?;
        let total = losses.len() as i64;
        let window = slice(losses, &page, |l| l.person);
        Ok(page
            .finish(window, |l| l.person, |l| loss_view(&l), Some(total))
            .into())
    }
}

/// `executeTranche` input.
#[derive(InputObject)]
pub struct ExecuteTrancheInput {
    /// The tranche (FROZEN, or IN_PROGRESS to finish a stopped run).
    pub tranche_id: async_graphql::ID,
    /// Show what would change without changing it.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `moveToTeams` input.
#[derive(InputObject)]
pub struct MoveToTeamsInput {
    /// The people: whole movement sets.
    pub person_ids: Vec<async_graphql::ID>,
    /// Show what would change without changing it.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `executeTranche` and `moveToTeams` payload.
#[derive(SimpleObject)]
pub struct MovePayload {
    /// The run's id, as in `cutoverProgress` events.
    pub run_id: Option<async_graphql::ID>,
    /// True for a dry run.
    pub dry_run: bool,
    /// The tranche afterwards (executeTranche).
    pub tranche: Option<Tranche>,
    /// People moved (dry run: who would be).
    pub people_moved: i64,
    /// Per movement set.
    pub sets: Vec<SetMoveResult>,
    /// Why the request as a whole was refused.
    pub user_errors: Vec<UserError>,
}

impl MovePayload {
    /// The request refused as a whole: no run, nothing moved.
    fn refused(e: UserError, dry_run: bool) -> Self {
        Self {
            run_id: None,
            dry_run,
            tranche: None,
            people_moved: 0,
            sets: vec![],
            user_errors: vec![e],
        }
    }

    /// A run's report (and, for `executeTranche`, the tranche afterwards).
    fn of(report: moves::Report, tranche: Option<Tranche>) -> Self {
        Self {
            run_id: Some(async_graphql::ID(report.run_id.to_string())),
            dry_run: report.dry_run,
            tranche,
            people_moved: report.people_moved() as i64,
            sets: report.sets.into_iter().map(set_result).collect(),
            user_errors: vec![],
        }
    }
}

/// `runChorusUpgrade` input.
#[derive(InputObject)]
pub struct RunChorusUpgradeInput {
    /// Show who would lose what without changing anything.
    #[graphql(default = true)]
    pub dry_run: bool,
}

/// `runChorusUpgrade` payload.
#[derive(SimpleObject)]
pub struct RunChorusUpgradePayload {
    /// People who lose something (dry run: would).
    pub affected_count: i64,
    /// Devices switched off (dry run: would be).
    pub devices_disabled: i64,
    /// The first 100 people, by person id.
    pub sample: Vec<UpgradeLossView>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// The move and upgrade mutations.
#[derive(Default)]
pub struct MoveMutation;

#[Object]
impl MoveMutation {
    /// Moves every member of a FROZEN tranche to Teams in whole movement sets (rule 10), up to
    /// 100 sets per transaction. A set that fails is left unchanged and reported; the others
    /// go on. Run it again to finish a stopped run: nothing is changed twice. `dryRun` shows
    /// the changes.
    async fn execute_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche to move and whether to only show the changes.")]
        input: ExecuteTrancheInput,
    ) -> ApiResult<MovePayload> {
        let principal = ctx_principal(ctx)?;
        let tranche = decode(NodeType::Tranche, &input.tranche_id)?;
        let events = ctx
            .data_opt::<Events>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no events in the context")))?;
        let outcome = moves::execute_tranche(
            ctx_db(ctx)?,
            principal,
            events,
            tranche,
            input.dry_run,
            since(ctx, None)?,
        )
        .await?;
        Ok(match outcome {
            Ok((t, report)) => MovePayload::of(report, Some(Tranche(t))),
            Err(e) => MovePayload::refused(e, input.dry_run),
        })
    }

    /// Moves people to Teams now (whole movement sets), as `executeTranche` does.
    async fn move_to_teams(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The people (whole movement sets) and whether to only show the changes.")]
        input: MoveToTeamsInput,
    ) -> ApiResult<MovePayload> {
        let principal = ctx_principal(ctx)?;
        let people = ids(NodeType::Person, &input.person_ids)?;
        let events = ctx
            .data_opt::<Events>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no events in the context")))?;
        let outcome = moves::move_people(
            ctx_db(ctx)?,
            principal,
            events,
            &people,
            input.dry_run,
            since(ctx, None)?,
        )
        .await?;
        Ok(match outcome {
            Ok(report) => MovePayload::of(report, None),
            Err(e) => MovePayload::refused(e, input.dry_run),
        })
    }

    /// The Chorus upgrade (rule 11): softphones, mobile apps and portal preferred devices stop
    /// for everyone still on Chorus. Dry run by default; see `chorusUpgradePreview`.
    async fn run_chorus_upgrade(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whether to only preview (the default) or run it.")]
        input: RunChorusUpgradeInput,
    ) -> ApiResult<RunChorusUpgradePayload> {
        let principal = ctx_principal(ctx)?;
        let losses = moves::run_upgrade(ctx_db(ctx)?, principal, input.dry_run).await?;
        Ok(RunChorusUpgradePayload {
            affected_count: losses.len() as i64,
            devices_disabled: losses.iter().map(|l| l.disable.len() as i64).sum(),
            sample: losses.iter().take(100).map(loss_view).collect(),
            user_errors: vec![],
        })
    }
}

//! Group working: hunt groups, pickup groups and executive-assistant groups, as Phoneman let
//! telephone administrators configure them, with the rules of the move to Teams enforced.
//!
//! Who sees a group: administrators all; coordinators those of their units; anyone the
//! groups they belong to. Who changes one: see `services::groups`.

use crate::domain::directory::Reach;
use async_graphql::{ComplexObject, Context, Enum, InputObject, Object, SimpleObject};
use entity::enums as db;
use uuid::Uuid;

use super::{
    ctx_db, ctx_loaders, ctx_principal,
    directory::{Line, Person, Unit},
    enums::Platform,
    errors::{ApiError, ApiResult, UserError, UserErrorCode},
    node::{NodeType, decode, encode},
};
use crate::{
    auth::Principal,
    domain::{
        groups::{self as rules, Fallback, GroupRefusal},
        text::Quoted,
    },
    services::groups::{self as service, EaChange, GroupError, HuntGroupChange, HuntMemberChange},
};

/// How a hunt group rings its members.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HuntStrategy {
    /// One phone after another, in order, each for its ring time, until someone answers.
    Sequential,
    /// All members' phones at once.
    Simultaneous,
}

impl From<db::HuntStrategy> for HuntStrategy {
    fn from(s: db::HuntStrategy) -> Self {
        match s {
            db::HuntStrategy::Sequential => Self::Sequential,
            db::HuntStrategy::Simultaneous => Self::Simultaneous,
        }
    }
}

impl From<HuntStrategy> for db::HuntStrategy {
    fn from(s: HuntStrategy) -> Self {
        match s {
            HuntStrategy::Sequential => Self::Sequential,
            HuntStrategy::Simultaneous => Self::Simultaneous,
        }
    }
}

/// Where an unanswered call goes.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DestinationKind {
    /// Nowhere: the caller hears the number ring out or busy.
    None,
    /// The group's (or person's) voicemail.
    Voicemail,
    /// A telephone number (`target` in E.164).
    Number,
    /// Another hunt group (`target` its ID).
    HuntGroup,
    /// A person (`target` their ID).
    Person,
}

impl From<db::FallbackKind> for DestinationKind {
    fn from(k: db::FallbackKind) -> Self {
        match k {
            db::FallbackKind::None => Self::None,
            db::FallbackKind::Voicemail => Self::Voicemail,
            db::FallbackKind::Number => Self::Number,
            db::FallbackKind::HuntGroup => Self::HuntGroup,
            db::FallbackKind::Person => Self::Person,
        }
    }
}

/// A no-answer destination.
#[derive(SimpleObject, Clone, Debug)]
pub struct Destination {
    /// What kind of destination.
    pub kind: DestinationKind,
    /// The number (E.164) or the global ID of the group or person; null for NONE and VOICEMAIL.
    pub target: Option<String>,
}

impl Destination {
    fn of(kind: db::FallbackKind, target: Option<&str>) -> Self {
        let target = match (kind, target) {
            (db::FallbackKind::HuntGroup, Some(t)) => Uuid::parse_str(t)
                .map(|id| encode(NodeType::HuntGroup, id).0)
                .ok(),
            (db::FallbackKind::Person, Some(t)) => Uuid::parse_str(t)
                .map(|id| encode(NodeType::Person, id).0)
                .ok(),
            (_, t) => t.map(str::to_owned),
        };
        Self {
            kind: kind.into(),
            target,
        }
    }
}

/// A no-answer destination to set.
#[derive(InputObject)]
pub struct DestinationInput {
    /// What kind of destination.
    pub kind: DestinationKind,
    /// For NUMBER a number in any spelling; for HUNT_GROUP and PERSON a global ID.
    pub target: Option<String>,
}

impl DestinationInput {
    fn into_fallback(self) -> Result<Fallback, UserError> {
        let field = ["input", "noAnswer"];
        let invalid = |m: &str| UserError::new(&field, UserErrorCode::Invalid, m);
        let target = self
            .target
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match (self.kind, target) {
            (DestinationKind::None, None) => Ok(Fallback::None),
            (DestinationKind::Voicemail, None) => Ok(Fallback::Voicemail),
            (DestinationKind::None | DestinationKind::Voicemail, Some(_)) => {
                Err(invalid("NONE and VOICEMAIL take no target"))
            }
            (DestinationKind::Number, Some(t)) => {
                Fallback::number(t).map_err(|e| refusal(&field, &e))
            }
            (DestinationKind::HuntGroup, Some(t)) => decode(NodeType::HuntGroup, t)
                .map(Fallback::HuntGroup)
                .map_err(|_| invalid("the target is not a HuntGroup ID")),
            (DestinationKind::Person, Some(t)) => decode(NodeType::Person, t)
                .map(Fallback::Person)
                .map_err(|_| invalid("the target is not a Person ID")),
            (_, None) => Err(invalid("this destination needs a target")),
        }
    }
}

/// A rule refusal as a user error.
fn refusal(field: &[&str], e: &GroupRefusal) -> UserError {
    UserError::refused(
        field.iter().map(|s| (*s).to_owned()).collect(),
        e,
        format!("{e} ({})", e.code()),
    )
}

/// A service refusal as a user error (database faults stay top-level errors).
fn user_error(field: &[&str], e: GroupError) -> ApiResult<UserError> {
    Ok(match e {
        GroupError::NotFound => UserError::new(
            &["input", "groupId"],
            UserErrorCode::NotFound,
            "no such group",
        ),
        GroupError::NotAllowed(why) => UserError::new(&[], UserErrorCode::NotAllowed, why),
        GroupError::UnknownUnit => UserError::new(
            &["input", "unitId"],
            UserErrorCode::NotFound,
            "no such unit",
        ),
        GroupError::Pilot(why) => {
            UserError::new(&["input", "pilotLineId"], UserErrorCode::RuleViolation, why)
        }
        GroupError::Refused(r) => refusal(field, &r),
        GroupError::Conflict { expected } => UserError::new(
            &["input", "expectedVersion"],
            UserErrorCode::Conflict,
            format!("the group changed since version {expected}; read it again"),
        ),
        GroupError::Db(e) => return Err(ApiError::from(e).into()),
    })
}

/// A member of a group the caller may see: visible whatever their directory status
/// (`Reach::Group`: a group is a working arrangement).
async fn person_of(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Person>> {
    let principal = ctx_principal(ctx)?;
    let found = ctx_loaders(ctx)?
        .people
        .load_one(id)
        .await
        .map_err(ApiError::internal)?;
    Ok(found.and_then(|m| Person::reached(principal, m, Reach::Group)))
}

async fn unit_of(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Unit>> {
    Ok(ctx_loaders(ctx)?
        .units
        .load_one(id)
        .await
        .map_err(ApiError::internal)?
        .map(Unit))
}

/// Members are shown to whoever sees the group (a group is a working arrangement, not a
/// directory entry), so an ex-directory member still appears in their own group.
async fn people(ctx: &Context<'_>, ids: impl Iterator<Item = Uuid>) -> ApiResult<Vec<Person>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(p) = person_of(ctx, id).await? {
            out.push(p);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------

/// A hunt group: calls to its pilot number ring its members.
#[derive(Clone, Debug)]
pub struct HuntGroup(pub service::HuntGroup);

/// A hunt group with its members.
#[Object]
impl HuntGroup {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::HuntGroup, self.0.group.id)
    }

    /// The group's name.
    async fn name(&self) -> &str {
        &self.0.group.name
    }

    /// The unit that owns the group.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Option<Unit>> {
        unit_of(ctx, self.0.group.unit_id).await
    }

    /// The number callers dial.
    async fn pilot(&self, ctx: &Context<'_>) -> ApiResult<Option<Line>> {
        Ok(ctx_loaders(ctx)?
            .lines
            .load_one(self.0.group.pilot_line_id)
            .await
            .map_err(ApiError::internal)?
            .map(Line))
    }

    /// One after another, or all at once.
    async fn strategy(&self) -> HuntStrategy {
        self.0.group.strategy.into()
    }

    /// CHORUS or TEAMS; every member is on it. A group moves to Teams when all its members have.
    async fn platform(&self) -> Platform {
        self.0.group.platform.into()
    }

    /// Where calls nobody answers go.
    async fn no_answer(&self) -> Destination {
        Destination::of(
            self.0.group.no_answer_kind,
            self.0.group.no_answer_target.as_deref(),
        )
    }

    /// Members in ring order.
    async fn members(&self) -> Vec<HuntGroupMember> {
        self.0
            .members
            .iter()
            .map(|m| HuntGroupMember {
                position: m.position,
                ring_seconds: m.ring_seconds,
                opted_out: m.opted_out,
                person_id: m.person_id,
            })
            .collect()
    }

    /// Bumped by every change; pass it as `expectedVersion` to refuse lost updates.
    async fn version(&self) -> i32 {
        self.0.group.version
    }

    /// True when the caller may configure this group.
    async fn can_manage(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(service::may_manage(
            ctx_principal(ctx)?,
            self.0.group.unit_id,
        ))
    }
}

/// A member of a hunt group.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct HuntGroupMember {
    /// Place in the ring order, from 1.
    pub position: i32,
    /// Seconds this member's phone rings (SEQUENTIAL) before the next.
    pub ring_seconds: i32,
    /// True while the member has opted out: their phone is skipped.
    pub opted_out: bool,
    #[graphql(skip)]
    pub person_id: Uuid,
}

#[ComplexObject]
impl HuntGroupMember {
    /// The member.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        person_of(ctx, self.person_id).await
    }
}

/// A pickup group: members answer each other's ringing desk phones with **3.
#[derive(Clone, Debug)]
pub struct PickupGroup(pub service::PickupGroup);

/// A pickup group with its members.
#[Object]
impl PickupGroup {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::PickupGroup, self.0.group.id)
    }

    /// The group's name.
    async fn name(&self) -> &str {
        &self.0.group.name
    }

    /// The unit that owns the group.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Option<Unit>> {
        unit_of(ctx, self.0.group.unit_id).await
    }

    /// The code a member dials to answer another member's ringing phone.
    async fn feature_code(&self) -> &'static str {
        "**3"
    }

    /// The members (Chorus desk-phone users only).
    async fn members(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        people(ctx, self.0.members.iter().map(|m| m.person_id)).await
    }

    /// Bumped by every change; pass it as `expectedVersion` to refuse lost updates.
    async fn version(&self) -> i32 {
        self.0.group.version
    }

    /// True when the caller may configure this group.
    async fn can_manage(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(service::may_manage(
            ctx_principal(ctx)?,
            self.0.group.unit_id,
        ))
    }
}

/// How an executive-assistant arrangement works on its platform.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EaMode {
    /// Chorus: calls to a manager with divert on ring the assistants, except whitelisted callers.
    ExecutiveAssistant,
    /// Teams "delegation": assistants answer for the manager; whitelists are kept but inactive.
    Delegation,
}

/// An executive-assistant group.
#[derive(Clone, Debug)]
pub struct EaGroup(pub service::EaGroup);

/// Managers, their assistants and their whitelists.
#[Object]
impl EaGroup {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::EaGroup, self.0.group.id)
    }

    /// The group's name.
    async fn name(&self) -> &str {
        &self.0.group.name
    }

    /// The unit that owns the group.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Option<Unit>> {
        unit_of(ctx, self.0.group.unit_id).await
    }

    /// CHORUS or TEAMS; both sides are on it.
    async fn platform(&self) -> Platform {
        self.0.group.platform.into()
    }

    /// EXECUTIVE_ASSISTANT on Chorus, DELEGATION on Teams.
    async fn mode(&self) -> EaMode {
        if rules::whitelist_active(self.0.group.platform) {
            EaMode::ExecutiveAssistant
        } else {
            EaMode::Delegation
        }
    }

    /// False on Teams: whitelists are kept (they come back if the group returns to Chorus)
    /// but no call is routed by them.
    async fn whitelist_active(&self) -> bool {
        rules::whitelist_active(self.0.group.platform)
    }

    /// The managers, each with divert and whitelist.
    async fn managers(&self) -> Vec<EaManager> {
        self.0
            .members
            .iter()
            .filter(|m| m.role == db::EaRole::Manager)
            .map(|m| EaManager {
                divert_enabled: m.divert_enabled,
                whitelist: self
                    .0
                    .whitelist
                    .iter()
                    .filter(|w| w.member_id == m.id)
                    .map(|w| WhitelistEntry {
                        number: w.number.clone(),
                        label: w.label.clone(),
                    })
                    .collect(),
                person_id: m.person_id,
            })
            .collect()
    }

    /// The assistants (one assistant may serve several managers, in several groups).
    async fn assistants(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        people(
            ctx,
            self.0
                .members
                .iter()
                .filter(|m| m.role == db::EaRole::Assistant)
                .map(|m| m.person_id),
        )
        .await
    }

    /// Bumped by every change; pass it as `expectedVersion` to refuse lost updates.
    async fn version(&self) -> i32 {
        self.0.group.version
    }

    /// True when the caller may configure this group (members may still set divert and
    /// whitelists).
    async fn can_manage(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(service::may_manage(
            ctx_principal(ctx)?,
            self.0.group.unit_id,
        ))
    }
}

/// A manager in an executive-assistant group.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct EaManager {
    /// True when calls to the manager go to the assistants (Chorus).
    pub divert_enabled: bool,
    /// Callers who always ring the manager directly (inactive on Teams).
    pub whitelist: Vec<WhitelistEntry>,
    #[graphql(skip)]
    pub person_id: Uuid,
}

#[ComplexObject]
impl EaManager {
    /// The manager.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        person_of(ctx, self.person_id).await
    }
}

/// A caller number that reaches a manager directly.
#[derive(SimpleObject, Clone, Debug)]
pub struct WhitelistEntry {
    /// E.164.
    pub number: String,
    /// Who it is, e.g. "Vice-Chancellor's office".
    pub label: Option<String>,
}

// ---------------------------------------------------------------------------------------

/// Who sees a group: whoever configures its unit, and its members.
trait Visible {
    fn unit(&self) -> Uuid;
    fn has_member(&self, person: Uuid) -> bool;

    fn visible_to(&self, principal: &Principal) -> bool {
        service::may_manage(principal, self.unit())
            || principal.person_id.is_some_and(|me| self.has_member(me))
    }
}

impl Visible for service::HuntGroup {
    fn unit(&self) -> Uuid {
        self.group.unit_id
    }

    fn has_member(&self, person: Uuid) -> bool {
        self.members.iter().any(|m| m.person_id == person)
    }
}

impl Visible for service::PickupGroup {
    fn unit(&self) -> Uuid {
        self.group.unit_id
    }

    fn has_member(&self, person: Uuid) -> bool {
        self.members.iter().any(|m| m.person_id == person)
    }
}

impl Visible for service::EaGroup {
    fn unit(&self) -> Uuid {
        self.group.unit_id
    }

    fn has_member(&self, person: Uuid) -> bool {
        self.members.iter().any(|m| m.person_id == person)
    }
}

/// A hunt group the caller sees, for `huntGroup` and `node`.
pub async fn load_hunt(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<HuntGroup>> {
    let group = service::hunt_group(ctx_db(ctx)?, id)
        .await
        .map_err(ApiError::from)?;
    let principal = ctx_principal(ctx)?;
    Ok(group.filter(|g| g.visible_to(principal)).map(HuntGroup))
}

/// A pickup group the caller sees, for `pickupGroup` and `node`.
pub async fn load_pickup(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<PickupGroup>> {
    let group = service::pickup_group(ctx_db(ctx)?, id)
        .await
        .map_err(ApiError::from)?;
    let principal = ctx_principal(ctx)?;
    Ok(group.filter(|g| g.visible_to(principal)).map(PickupGroup))
}

/// An executive-assistant group the caller sees, for `eaGroup` and `node`.
pub async fn load_ea(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<EaGroup>> {
    let group = service::ea_group(ctx_db(ctx)?, id)
        .await
        .map_err(ApiError::from)?;
    let principal = ctx_principal(ctx)?;
    Ok(group.filter(|g| g.visible_to(principal)).map(EaGroup))
}

/// Queries of the groups area.
#[derive(Default)]
pub struct GroupQuery;

/// Hunt, pickup and executive-assistant groups.
#[Object]
impl GroupQuery {
    /// Hunt groups the caller sees (admins all, coordinators their units', anyone their
    /// own), by name; `unitId` narrows to one unit.
    async fn hunt_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit's groups.")] unit_id: Option<async_graphql::ID>,
    ) -> ApiResult<Vec<HuntGroup>> {
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let groups = service::hunt_groups(ctx_db(ctx)?, unit)
            .await
            .map_err(ApiError::from)?;
        let principal = ctx_principal(ctx)?;
        Ok(groups
            .into_iter()
            .filter(|g| g.visible_to(principal))
            .map(HuntGroup)
            .collect())
    }

    /// One hunt group; null when it does not exist or the caller does not see it.
    async fn hunt_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A HuntGroup ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<HuntGroup>> {
        load_hunt(ctx, decode(NodeType::HuntGroup, &id)?).await
    }

    /// Pickup groups the caller sees, by name.
    async fn pickup_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit's groups.")] unit_id: Option<async_graphql::ID>,
    ) -> ApiResult<Vec<PickupGroup>> {
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let groups = service::pickup_groups(ctx_db(ctx)?, unit)
            .await
            .map_err(ApiError::from)?;
        let principal = ctx_principal(ctx)?;
        Ok(groups
            .into_iter()
            .filter(|g| g.visible_to(principal))
            .map(PickupGroup)
            .collect())
    }

    /// One pickup group; null when it does not exist or the caller does not see it.
    async fn pickup_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A PickupGroup ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<PickupGroup>> {
        load_pickup(ctx, decode(NodeType::PickupGroup, &id)?).await
    }

    /// Executive-assistant groups the caller sees, by name.
    async fn ea_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit's groups.")] unit_id: Option<async_graphql::ID>,
    ) -> ApiResult<Vec<EaGroup>> {
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let groups = service::ea_groups(ctx_db(ctx)?, unit)
            .await
            .map_err(ApiError::from)?;
        let principal = ctx_principal(ctx)?;
        Ok(groups
            .into_iter()
            .filter(|g| g.visible_to(principal))
            .map(EaGroup)
            .collect())
    }

    /// One executive-assistant group; null when it does not exist or the caller does not
    /// see it.
    async fn ea_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An EaGroup ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<EaGroup>> {
        load_ea(ctx, decode(NodeType::EaGroup, &id)?).await
    }
}

// ---------------------------------------------------------------------------------------

/// Input of `updateHuntGroup`; fields left out keep their value.
#[derive(InputObject)]
pub struct UpdateHuntGroupInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// A new name.
    pub name: Option<String>,
    /// A new strategy.
    pub strategy: Option<HuntStrategy>,
    /// A new no-answer destination (not the group itself).
    pub no_answer: Option<DestinationInput>,
    /// The `version` last read; refused with CONFLICT when the group changed since.
    pub expected_version: Option<i32>,
}

/// Input of `addHuntGroupMember`.
#[derive(InputObject)]
pub struct AddHuntGroupMemberInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The person to add (on the group's platform, not already a member).
    pub person_id: async_graphql::ID,
    /// Seconds their phone rings (5–120, default 15).
    pub ring_seconds: Option<i32>,
    /// Place in the ring order from 1; default last.
    pub position: Option<i32>,
    /// The `version` last read.
    pub expected_version: Option<i32>,
}

/// Input of `removeHuntGroupMember`.
#[derive(InputObject)]
pub struct RemoveHuntGroupMemberInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The member to remove (not the last one).
    pub person_id: async_graphql::ID,
    /// The `version` last read.
    pub expected_version: Option<i32>,
}

/// Input of `reorderHuntGroup`.
#[derive(InputObject)]
pub struct ReorderHuntGroupInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// Every current member exactly once, in the new ring order.
    pub person_ids: Vec<async_graphql::ID>,
    /// The `version` last read.
    pub expected_version: Option<i32>,
}

/// Input of `setHuntGroupMemberRingTime`.
#[derive(InputObject)]
pub struct SetHuntGroupMemberRingTimeInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The member.
    pub person_id: async_graphql::ID,
    /// Seconds (5–120).
    pub ring_seconds: i32,
    /// The `version` last read.
    pub expected_version: Option<i32>,
}

/// Input of `setHuntGroupOptOut`.
#[derive(InputObject)]
pub struct SetHuntGroupOptOutInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The member; default the caller (members opt themselves out and in).
    pub person_id: Option<async_graphql::ID>,
    /// True to stop ringing, false to ring again.
    pub opted_out: bool,
}

/// Input of `addPickupGroupMember` and `removePickupGroupMember`.
#[derive(InputObject)]
pub struct PickupGroupMemberInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The person (to join: on Chorus with a working desk phone).
    pub person_id: async_graphql::ID,
    /// The `version` last read.
    pub expected_version: Option<i32>,
}

/// A role in an executive-assistant group.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EaRole {
    /// Whose calls are answered for them.
    Manager,
    /// Who answers them.
    Assistant,
}

impl From<EaRole> for db::EaRole {
    fn from(r: EaRole) -> Self {
        match r {
            EaRole::Manager => Self::Manager,
            EaRole::Assistant => Self::Assistant,
        }
    }
}

/// Input of `addEaGroupMember`.
#[derive(InputObject)]
pub struct AddEaGroupMemberInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The person (on the group's platform).
    pub person_id: async_graphql::ID,
    /// MANAGER or ASSISTANT (not both in one group).
    pub role: EaRole,
    /// The `version` last read.
    pub expected_version: Option<i32>,
}

/// Input of `removeEaGroupMember`.
#[derive(InputObject)]
pub struct RemoveEaGroupMemberInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The member (not the last manager or the last assistant).
    pub person_id: async_graphql::ID,
    /// The `version` last read.
    pub expected_version: Option<i32>,
}

/// Input of `setEaDivert`.
#[derive(InputObject)]
pub struct SetEaDivertInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The manager; default the caller.
    pub manager_id: Option<async_graphql::ID>,
    /// True to send the manager's calls to the assistants.
    pub enabled: bool,
}

/// Input of `addEaWhitelistEntry` and `removeEaWhitelistEntry`.
#[derive(InputObject)]
pub struct EaWhitelistInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The manager; default the caller.
    pub manager_id: Option<async_graphql::ID>,
    /// The caller's number in any full spelling (stored in E.164).
    pub number: String,
    /// Who it is (adding only).
    pub label: Option<String>,
}

/// Result of a hunt group change.
#[derive(SimpleObject)]
pub struct HuntGroupPayload {
    /// The group after the change; null when refused.
    pub hunt_group: Option<HuntGroup>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of a pickup group change.
#[derive(SimpleObject)]
pub struct PickupGroupPayload {
    /// The group after the change; null when refused.
    pub pickup_group: Option<PickupGroup>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of an executive-assistant group change.
#[derive(SimpleObject)]
pub struct EaGroupPayload {
    /// The group after the change; null when refused.
    pub ea_group: Option<EaGroup>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

macro_rules! finish {
    ($payload:ident, $field:ident, $wrap:ident, $result:expr, $error_field:expr) => {
        match $result {
            Ok(group) => Ok($payload {
                $field: Some($wrap(group)),
                user_errors: vec![],
            }),
            Err(e) => Ok($payload {
                $field: None,
                user_errors: vec![user_error($error_field, e)?],
            }),
        }
    };
}

/// An ID argument as a user error when malformed.
fn id_of(kind: NodeType, id: &async_graphql::ID, field: &str) -> Result<Uuid, UserError> {
    decode(kind, id).map_err(|_| {
        UserError::new(
            &["input", field],
            UserErrorCode::Invalid,
            format!("{} is not a {} ID", Quoted::new(id.as_str()), kind.name()),
        )
    })
}

/// The caller's own id, for "default the caller" arguments.
fn me_or(
    principal: &Principal,
    id: Option<&async_graphql::ID>,
    kind: NodeType,
    field: &str,
) -> Result<Uuid, UserError> {
    match id {
        Some(id) => id_of(kind, id, field),
        None => principal.person_id.ok_or_else(|| {
            UserError::new(&["input", field], UserErrorCode::Invalid, "give a person")
        }),
    }
}

/// A member of a new hunt group.
#[derive(InputObject)]
pub struct HuntGroupMemberInput {
    /// The person.
    pub person_id: async_graphql::ID,
    /// Seconds their phone rings (5–120, default 15).
    pub ring_seconds: Option<i32>,
}

/// Input of `createHuntGroup`.
#[derive(InputObject)]
pub struct CreateHuntGroupInput {
    /// The unit that owns the group (the caller coordinates it, or is an admin).
    pub unit_id: async_graphql::ID,
    /// The group's name.
    pub name: String,
    /// A shared or critical line that pilots nothing yet: the number callers dial.
    pub pilot_line_id: async_graphql::ID,
    /// SEQUENTIAL (default) or SIMULTANEOUS.
    pub strategy: Option<HuntStrategy>,
    /// Members in ring order (at least one, all on one platform: the group's).
    pub members: Vec<HuntGroupMemberInput>,
    /// Where unanswered calls go; default VOICEMAIL.
    pub no_answer: Option<DestinationInput>,
}

/// Input of `createPickupGroup`.
#[derive(InputObject)]
pub struct CreatePickupGroupInput {
    /// The unit that owns the group.
    pub unit_id: async_graphql::ID,
    /// The group's name.
    pub name: String,
    /// The members (at least one; Chorus desk-phone users).
    pub person_ids: Vec<async_graphql::ID>,
}

/// Input of `createEaGroup`.
#[derive(InputObject)]
pub struct CreateEaGroupInput {
    /// The unit that owns the group.
    pub unit_id: async_graphql::ID,
    /// The group's name.
    pub name: String,
    /// The managers (at least one).
    pub manager_ids: Vec<async_graphql::ID>,
    /// The assistants (at least one; not also managers; same platform as the managers).
    pub assistant_ids: Vec<async_graphql::ID>,
}

/// Input of `deleteHuntGroup`, `deletePickupGroup` and `deleteEaGroup`.
#[derive(InputObject)]
pub struct DeleteGroupInput {
    /// The group.
    pub group_id: async_graphql::ID,
    /// The `version` last read.
    pub expected_version: Option<i32>,
}

/// Result of deleting a group.
#[derive(SimpleObject)]
pub struct DeleteGroupPayload {
    /// The ID of the deleted group; null when refused.
    pub deleted_id: Option<async_graphql::ID>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

fn ids_of(kind: NodeType, ids: &[async_graphql::ID], field: &str) -> Result<Vec<Uuid>, UserError> {
    ids.iter().map(|id| id_of(kind, id, field)).collect()
}

/// Mutations of the groups area.
#[derive(Default)]
pub struct GroupMutation;

/// Hunt, pickup and executive-assistant group changes.
#[Object]
impl GroupMutation {
    /// Creates a hunt group on a free shared or critical line; its platform is its members'.
    async fn create_hunt_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group: unit, name, pilot line, strategy, members.")]
        input: CreateHuntGroupInput,
    ) -> ApiResult<HuntGroupPayload> {
        let parsed = (|| {
            let unit = id_of(NodeType::Unit, &input.unit_id, "unitId")?;
            let pilot = id_of(NodeType::Line, &input.pilot_line_id, "pilotLineId")?;
            let members = input
                .members
                .iter()
                .map(|m| {
                    id_of(NodeType::Person, &m.person_id, "members")
                        .map(|p| (p, m.ring_seconds.unwrap_or(rules::DEFAULT_RING_SECONDS)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, UserError>((unit, pilot, members))
        })();
        let (unit, pilot_line, members) = match parsed {
            Ok(p) => p,
            Err(e) => return Ok(refused_hunt(e)),
        };
        let no_answer = match input
            .no_answer
            .map(DestinationInput::into_fallback)
            .transpose()
        {
            Ok(f) => f.unwrap_or(Fallback::Voicemail),
            Err(e) => return Ok(refused_hunt(e)),
        };
        let new = service::NewHuntGroup {
            unit,
            name: input.name,
            pilot_line,
            strategy: input.strategy.unwrap_or(HuntStrategy::Sequential).into(),
            members,
            no_answer,
        };
        let result = service::create_hunt_group(ctx_db(ctx)?, ctx_principal(ctx)?, new).await;
        finish!(
            HuntGroupPayload,
            hunt_group,
            HuntGroup,
            result,
            &["input", "members"]
        )
    }

    /// Creates a pickup group of Chorus desk-phone users.
    async fn create_pickup_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group's unit, name and members.")] input: CreatePickupGroupInput,
    ) -> ApiResult<PickupGroupPayload> {
        let parsed = id_of(NodeType::Unit, &input.unit_id, "unitId")
            .and_then(|u| ids_of(NodeType::Person, &input.person_ids, "personIds").map(|p| (u, p)));
        let (unit, members) = match parsed {
            Ok(p) => p,
            Err(e) => {
                return Ok(PickupGroupPayload {
                    pickup_group: None,
                    user_errors: vec![e],
                });
            }
        };
        let result = service::create_pickup_group(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            unit,
            &input.name,
            &members,
        )
        .await;
        finish!(
            PickupGroupPayload,
            pickup_group,
            PickupGroup,
            result,
            &["input", "personIds"]
        )
    }

    /// Creates an executive-assistant group.
    async fn create_ea_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group's unit, name, managers and assistants.")]
        input: CreateEaGroupInput,
    ) -> ApiResult<EaGroupPayload> {
        let parsed = (|| {
            Ok::<_, UserError>((
                id_of(NodeType::Unit, &input.unit_id, "unitId")?,
                ids_of(NodeType::Person, &input.manager_ids, "managerIds")?,
                ids_of(NodeType::Person, &input.assistant_ids, "assistantIds")?,
            ))
        })();
        let (unit, managers, assistants) = match parsed {
            Ok(p) => p,
            Err(e) => return Ok(refused_ea(e)),
        };
        let result = service::create_ea_group(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            unit,
            &input.name,
            &managers,
            &assistants,
        )
        .await;
        finish!(
            EaGroupPayload,
            ea_group,
            EaGroup,
            result,
            &["input", "assistantIds"]
        )
    }

    /// Deletes a hunt group (not one another group sends unanswered calls to).
    async fn delete_hunt_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group to delete.")] input: DeleteGroupInput,
    ) -> ApiResult<DeleteGroupPayload> {
        delete(ctx, input, service::Kind::Hunt, NodeType::HuntGroup).await
    }

    /// Deletes a pickup group.
    async fn delete_pickup_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pickup group to delete.")] input: DeleteGroupInput,
    ) -> ApiResult<DeleteGroupPayload> {
        delete(ctx, input, service::Kind::Pickup, NodeType::PickupGroup).await
    }

    /// Deletes an executive-assistant group with its whitelists.
    async fn delete_ea_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The executive-assistant group to delete.")] input: DeleteGroupInput,
    ) -> ApiResult<DeleteGroupPayload> {
        delete(ctx, input, service::Kind::Ea, NodeType::EaGroup).await
    }

    /// Renames a hunt group, changes its strategy or its no-answer destination.
    async fn update_hunt_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group and what to change.")] input: UpdateHuntGroupInput,
    ) -> ApiResult<HuntGroupPayload> {
        let id = match id_of(NodeType::HuntGroup, &input.group_id, "groupId") {
            Ok(id) => id,
            Err(e) => return Ok(refused_hunt(e)),
        };
        let no_answer = match input
            .no_answer
            .map(DestinationInput::into_fallback)
            .transpose()
        {
            Ok(f) => f,
            Err(e) => return Ok(refused_hunt(e)),
        };
        let change = HuntGroupChange {
            name: input.name,
            strategy: input.strategy.map(Into::into),
            no_answer,
        };
        let result = service::update_hunt_group(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            change,
            input.expected_version,
        )
        .await;
        finish!(HuntGroupPayload, hunt_group, HuntGroup, result, &["input"])
    }

    /// Adds a member to a hunt group, on the group's platform.
    async fn add_hunt_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group and the person to add.")] input: AddHuntGroupMemberInput,
    ) -> ApiResult<HuntGroupPayload> {
        let ids = id_of(NodeType::HuntGroup, &input.group_id, "groupId")
            .and_then(|g| id_of(NodeType::Person, &input.person_id, "personId").map(|p| (g, p)));
        let (group, person) = match ids {
            Ok(ids) => ids,
            Err(e) => return Ok(refused_hunt(e)),
        };
        let change = HuntMemberChange::Add {
            person,
            ring_seconds: input.ring_seconds.unwrap_or(rules::DEFAULT_RING_SECONDS),
            position: input.position.map(|p| p.max(1) as usize),
        };
        self.hunt(ctx, group, change, input.expected_version, "personId")
            .await
    }

    /// Removes a member from a hunt group (never the last one).
    async fn remove_hunt_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group and the member to remove.")]
        input: RemoveHuntGroupMemberInput,
    ) -> ApiResult<HuntGroupPayload> {
        let ids = id_of(NodeType::HuntGroup, &input.group_id, "groupId")
            .and_then(|g| id_of(NodeType::Person, &input.person_id, "personId").map(|p| (g, p)));
        let (group, person) = match ids {
            Ok(ids) => ids,
            Err(e) => return Ok(refused_hunt(e)),
        };
        self.hunt(
            ctx,
            group,
            HuntMemberChange::Remove { person },
            input.expected_version,
            "personId",
        )
        .await
    }

    /// Sets the ring order of a hunt group.
    async fn reorder_hunt_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group and its members in the new ring order.")]
        input: ReorderHuntGroupInput,
    ) -> ApiResult<HuntGroupPayload> {
        let group = match id_of(NodeType::HuntGroup, &input.group_id, "groupId") {
            Ok(id) => id,
            Err(e) => return Ok(refused_hunt(e)),
        };
        let people: Result<Vec<Uuid>, UserError> = input
            .person_ids
            .iter()
            .map(|p| id_of(NodeType::Person, p, "personIds"))
            .collect();
        let people = match people {
            Ok(p) => p,
            Err(e) => return Ok(refused_hunt(e)),
        };
        self.hunt(
            ctx,
            group,
            HuntMemberChange::Reorder { people },
            input.expected_version,
            "personIds",
        )
        .await
    }

    /// Sets how long a member's phone rings.
    async fn set_hunt_group_member_ring_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group, the member and the ring time.")]
        input: SetHuntGroupMemberRingTimeInput,
    ) -> ApiResult<HuntGroupPayload> {
        let ids = id_of(NodeType::HuntGroup, &input.group_id, "groupId")
            .and_then(|g| id_of(NodeType::Person, &input.person_id, "personId").map(|p| (g, p)));
        let (group, person) = match ids {
            Ok(ids) => ids,
            Err(e) => return Ok(refused_hunt(e)),
        };
        self.hunt(
            ctx,
            group,
            HuntMemberChange::RingTime {
                person,
                ring_seconds: input.ring_seconds,
            },
            input.expected_version,
            "ringSeconds",
        )
        .await
    }

    /// Opts a member out of (or back into) a hunt group: members do it themselves, e.g.
    /// when away from their desk; coordinators and admins for anyone.
    async fn set_hunt_group_opt_out(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group, the member (default the caller) and opted out or in.")]
        input: SetHuntGroupOptOutInput,
    ) -> ApiResult<HuntGroupPayload> {
        let principal = ctx_principal(ctx)?;
        let ids = id_of(NodeType::HuntGroup, &input.group_id, "groupId").and_then(|g| {
            me_or(
                principal,
                input.person_id.as_ref(),
                NodeType::Person,
                "personId",
            )
            .map(|p| (g, p))
        });
        let (group, person) = match ids {
            Ok(ids) => ids,
            Err(e) => return Ok(refused_hunt(e)),
        };
        self.hunt(
            ctx,
            group,
            HuntMemberChange::OptOut {
                person,
                opted_out: input.opted_out,
            },
            None,
            "personId",
        )
        .await
    }

    /// Adds a person to a pickup group: Chorus desk-phone users only.
    async fn add_pickup_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pickup group and the person to add.")] input: PickupGroupMemberInput,
    ) -> ApiResult<PickupGroupPayload> {
        self.pickup(ctx, input, true).await
    }

    /// Removes a person from a pickup group (never the last one).
    async fn remove_pickup_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pickup group and the member to remove.")]
        input: PickupGroupMemberInput,
    ) -> ApiResult<PickupGroupPayload> {
        self.pickup(ctx, input, false).await
    }

    /// Adds a manager or an assistant to an executive-assistant group.
    async fn add_ea_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The executive-assistant group, the person and their role.")]
        input: AddEaGroupMemberInput,
    ) -> ApiResult<EaGroupPayload> {
        let ids = id_of(NodeType::EaGroup, &input.group_id, "groupId")
            .and_then(|g| id_of(NodeType::Person, &input.person_id, "personId").map(|p| (g, p)));
        let (group, person) = match ids {
            Ok(ids) => ids,
            Err(e) => return Ok(refused_ea(e)),
        };
        let change = EaChange::Add {
            person,
            role: input.role.into(),
        };
        self.ea(ctx, group, change, input.expected_version, "personId")
            .await
    }

    /// Removes a member of an executive-assistant group (never the last manager or assistant).
    async fn remove_ea_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The executive-assistant group and the member to remove.")]
        input: RemoveEaGroupMemberInput,
    ) -> ApiResult<EaGroupPayload> {
        let ids = id_of(NodeType::EaGroup, &input.group_id, "groupId")
            .and_then(|g| id_of(NodeType::Person, &input.person_id, "personId").map(|p| (g, p)));
        let (group, person) = match ids {
            Ok(ids) => ids,
            Err(e) => return Ok(refused_ea(e)),
        };
        self.ea(
            ctx,
            group,
            EaChange::Remove { person },
            input.expected_version,
            "personId",
        )
        .await
    }

    /// Switches a manager's divert to the assistants on or off.
    async fn set_ea_divert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, the manager (default the caller) and divert on or off.")]
        input: SetEaDivertInput,
    ) -> ApiResult<EaGroupPayload> {
        let principal = ctx_principal(ctx)?;
        let ids = id_of(NodeType::EaGroup, &input.group_id, "groupId").and_then(|g| {
            me_or(
                principal,
                input.manager_id.as_ref(),
                NodeType::Person,
                "managerId",
            )
            .map(|p| (g, p))
        });
        let (group, manager) = match ids {
            Ok(ids) => ids,
            Err(e) => return Ok(refused_ea(e)),
        };
        self.ea(
            ctx,
            group,
            EaChange::Divert {
                manager,
                enabled: input.enabled,
            },
            None,
            "managerId",
        )
        .await
    }

    /// Adds a caller number to a manager's whitelist (kept but inactive on Teams).
    async fn add_ea_whitelist_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, the manager (default the caller) and the number to add.")]
        input: EaWhitelistInput,
    ) -> ApiResult<EaGroupPayload> {
        let principal = ctx_principal(ctx)?;
        let ids = id_of(NodeType::EaGroup, &input.group_id, "groupId").and_then(|g| {
            me_or(
                principal,
                input.manager_id.as_ref(),
                NodeType::Person,
                "managerId",
            )
            .map(|p| (g, p))
        });
        let (group, manager) = match ids {
            Ok(ids) => ids,
            Err(e) => return Ok(refused_ea(e)),
        };
        let change = EaChange::WhitelistAdd {
            manager,
            number: input.number,
            label: input.label,
        };
        self.ea(ctx, group, change, None, "number").await
    }

    /// Removes a caller number from a manager's whitelist.
    async fn remove_ea_whitelist_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, the manager (default the caller) and the number to remove.")]
        input: EaWhitelistInput,
    ) -> ApiResult<EaGroupPayload> {
        let principal = ctx_principal(ctx)?;
        let ids = id_of(NodeType::EaGroup, &input.group_id, "groupId").and_then(|g| {
            me_or(
                principal,
                input.manager_id.as_ref(),
                NodeType::Person,
                "managerId",
            )
            .map(|p| (g, p))
        });
        let (group, manager) = match ids {
            Ok(ids) => ids,
            Err(e) => return Ok(refused_ea(e)),
        };
        let change = EaChange::WhitelistRemove {
            manager,
            number: input.number,
        };
        self.ea(ctx, group, change, None, "number").await
    }
}

impl GroupMutation {
    async fn hunt(
        &self,
        ctx: &Context<'_>,
        group: Uuid,
        change: HuntMemberChange,
        expected_version: Option<i32>,
        field: &str,
    ) -> ApiResult<HuntGroupPayload> {
        let result = service::change_hunt_members(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            group,
            change,
            expected_version,
        )
        .await;
        finish!(
            HuntGroupPayload,
            hunt_group,
            HuntGroup,
            result,
            &["input", field]
        )
    }

    async fn pickup(
        &self,
        ctx: &Context<'_>,
        input: PickupGroupMemberInput,
        join: bool,
    ) -> ApiResult<PickupGroupPayload> {
        let ids = id_of(NodeType::PickupGroup, &input.group_id, "groupId")
            .and_then(|g| id_of(NodeType::Person, &input.person_id, "personId").map(|p| (g, p)));
        let (group, person) = match ids {
            Ok(ids) => ids,
            Err(e) => {
                return Ok(PickupGroupPayload {
                    pickup_group: None,
                    user_errors: vec![e],
                });
            }
        };
        let result = service::change_pickup_member(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            group,
            person,
            join,
            input.expected_version,
        )
        .await;
        finish!(
            PickupGroupPayload,
            pickup_group,
            PickupGroup,
            result,
            &["input", "personId"]
        )
    }

    async fn ea(
        &self,
        ctx: &Context<'_>,
        group: Uuid,
        change: EaChange,
        expected_version: Option<i32>,
        field: &str,
    ) -> ApiResult<EaGroupPayload> {
        let result = service::change_ea_group(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            group,
            change,
            expected_version,
        )
        .await;
        finish!(EaGroupPayload, ea_group, EaGroup, result, &["input", field])
    }
}

async fn delete(
    ctx: &Context<'_>,
    input: DeleteGroupInput,
    kind: service::Kind,
    node: NodeType,
) -> ApiResult<DeleteGroupPayload> {
    let id = match id_of(node, &input.group_id, "groupId") {
        Ok(id) => id,
        Err(e) => {
            return Ok(DeleteGroupPayload {
                deleted_id: None,
                user_errors: vec![e],
            });
        }
    };
    let result = service::delete_group(
        ctx_db(ctx)?,
        ctx_principal(ctx)?,
        kind,
        id,
        input.expected_version,
    )
    .await;
    Ok(match result {
        Ok(()) => DeleteGroupPayload {
            deleted_id: Some(input.group_id),
            user_errors: vec![],
        },
        Err(e) => DeleteGroupPayload {
            deleted_id: None,
            user_errors: vec![user_error(&["input", "groupId"], e)?],
        },
    })
}

fn refused_hunt(e: UserError) -> HuntGroupPayload {
    HuntGroupPayload {
        hunt_group: None,
        user_errors: vec![e],
    }
}

fn refused_ea(e: UserError) -> EaGroupPayload {
    EaGroupPayload {
        ea_group: None,
        user_errors: vec![e],
    }
}

//! Hunt groups in the API: the `HuntGroup` type, the `huntGroups` and `huntGroup` queries,
//! and the mutations that create, change and delete one.

use async_graphql::{ComplexObject, Context, Enum, InputObject, Object, SimpleObject};
use entity::enums as db;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::{
    DeleteGroupInput, DeleteGroupPayload, Destination, DestinationInput, GroupKind, can_manage,
    delete, finish, group_and_me_or, group_and_person, id_of, list, load, person_of, refused,
    unit_of,
};
use crate::{
    domain::groups::{self as rules, Fallback},
    graphql::{
        ctx_db, ctx_loaders, ctx_principal,
        directory::{Line, Person, Unit},
        enums::Platform,
        errors::{ApiError, ApiResult, UserError},
        node::{NodeType, decode, encode},
    },
    services::groups::{self as service, HuntGroupChange, HuntMemberChange},
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
        can_manage(ctx, self.0.group.unit_id)
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

impl GroupKind for HuntGroup {
    type Loaded = service::HuntGroup;
    type Payload = HuntGroupPayload;
    const NODE: NodeType = NodeType::HuntGroup;
    const KIND: service::Kind = service::Kind::Hunt;

    fn wrap(loaded: service::HuntGroup) -> Self {
        Self(loaded)
    }

    fn unit(loaded: &service::HuntGroup) -> Uuid {
        loaded.group.unit_id
    }

    fn has_member(loaded: &service::HuntGroup, person: Uuid) -> bool {
        loaded.members.iter().any(|m| m.person_id == person)
    }

    fn list(
        db: &DatabaseConnection,
        unit: Option<Uuid>,
    ) -> impl Future<Output = Result<Vec<service::HuntGroup>, DbErr>> + Send {
        service::hunt_groups(db, unit)
    }

    fn get(
        db: &DatabaseConnection,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<service::HuntGroup>, DbErr>> + Send {
        service::hunt_group(db, id)
    }

    fn payload(hunt_group: Option<Self>, user_errors: Vec<UserError>) -> HuntGroupPayload {
        HuntGroupPayload {
            hunt_group,
            user_errors,
        }
    }
}

/// A hunt group the caller sees, for `huntGroup` and `node`.
pub async fn load_hunt(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<HuntGroup>> {
    load(ctx, id).await
}

/// Hunt group queries.
#[derive(Default)]
pub struct HuntGroupQuery;

/// Hunt groups.
#[Object]
impl HuntGroupQuery {
    /// Hunt groups the caller sees (admins all, coordinators their units', anyone their
    /// own), by name; `unitId` narrows to one unit.
    async fn hunt_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit's groups.")] unit_id: Option<async_graphql::ID>,
    ) -> ApiResult<Vec<HuntGroup>> {
        list(ctx, unit_id).await
    }

    /// One hunt group; null when it does not exist or the caller does not see it.
    async fn hunt_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A HuntGroup ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<HuntGroup>> {
        load_hunt(ctx, decode(NodeType::HuntGroup, &id)?).await
    }
}

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

/// Result of a hunt group change.
#[derive(SimpleObject)]
pub struct HuntGroupPayload {
    /// The group after the change; null when refused.
    pub hunt_group: Option<HuntGroup>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Hunt group mutations.
#[derive(Default)]
pub struct HuntGroupMutation;

/// Hunt group changes.
#[Object]
impl HuntGroupMutation {
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
            Err(e) => return Ok(refused::<HuntGroup>(e)),
        };
        let no_answer = match input
            .no_answer
            .map(DestinationInput::into_fallback)
            .transpose()
        {
            Ok(f) => f.unwrap_or(Fallback::Voicemail),
            Err(e) => return Ok(refused::<HuntGroup>(e)),
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
        finish::<HuntGroup>(result)
    }

    /// Deletes a hunt group (not one another group sends unanswered calls to).
    async fn delete_hunt_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group to delete.")] input: DeleteGroupInput,
    ) -> ApiResult<DeleteGroupPayload> {
        delete::<HuntGroup>(ctx, input).await
    }

    /// Renames a hunt group, changes its strategy or its no-answer destination.
    async fn update_hunt_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group and what to change.")] input: UpdateHuntGroupInput,
    ) -> ApiResult<HuntGroupPayload> {
        let id = match id_of(NodeType::HuntGroup, &input.group_id, "groupId") {
            Ok(id) => id,
            Err(e) => return Ok(refused::<HuntGroup>(e)),
        };
        let no_answer = match input
            .no_answer
            .map(DestinationInput::into_fallback)
            .transpose()
        {
            Ok(f) => f,
            Err(e) => return Ok(refused::<HuntGroup>(e)),
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
        finish::<HuntGroup>(result)
    }

    /// Adds a member to a hunt group, on the group's platform.
    async fn add_hunt_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group and the person to add.")] input: AddHuntGroupMemberInput,
    ) -> ApiResult<HuntGroupPayload> {
        let change = group_and_person::<HuntGroup>(&input.group_id, &input.person_id).map(
            |(group, person)| {
                let change = HuntMemberChange::Add {
                    person,
                    ring_seconds: input.ring_seconds.unwrap_or(rules::DEFAULT_RING_SECONDS),
                    position: input.position.map(|p| p.max(1) as usize),
                };
                (group, change)
            },
        );
        change_members(ctx, change, input.expected_version).await
    }

    /// Removes a member from a hunt group (never the last one).
    async fn remove_hunt_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group and the member to remove.")]
        input: RemoveHuntGroupMemberInput,
    ) -> ApiResult<HuntGroupPayload> {
        let change = group_and_person::<HuntGroup>(&input.group_id, &input.person_id)
            .map(|(group, person)| (group, HuntMemberChange::Remove { person }));
        change_members(ctx, change, input.expected_version).await
    }

    /// Sets the ring order of a hunt group.
    async fn reorder_hunt_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group and its members in the new ring order.")]
        input: ReorderHuntGroupInput,
    ) -> ApiResult<HuntGroupPayload> {
        let change = id_of(NodeType::HuntGroup, &input.group_id, "groupId").and_then(|group| {
            let people = input
                .person_ids
                .iter()
                .map(|p| id_of(NodeType::Person, p, "personIds"))
                .collect::<Result<Vec<Uuid>, UserError>>()?;
            Ok((group, HuntMemberChange::Reorder { people }))
        });
        change_members(ctx, change, input.expected_version).await
    }

    /// Sets how long a member's phone rings.
    async fn set_hunt_group_member_ring_time(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The hunt group, the member and the ring time.")]
        input: SetHuntGroupMemberRingTimeInput,
    ) -> ApiResult<HuntGroupPayload> {
        let change = group_and_person::<HuntGroup>(&input.group_id, &input.person_id).map(
            |(group, person)| {
                let change = HuntMemberChange::RingTime {
                    person,
                    ring_seconds: input.ring_seconds,
                };
                (group, change)
            },
        );
        change_members(ctx, change, input.expected_version).await
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
        let change = group_and_me_or::<HuntGroup>(
            principal,
            &input.group_id,
            input.person_id.as_ref(),
            "personId",
        )
        .map(|(group, person)| {
            let change = HuntMemberChange::OptOut {
                person,
                opted_out: input.opted_out,
            };
            (group, change)
        });
        change_members(ctx, change, None).await
    }
}

/// Runs one member change on a group, or answers the malformed argument that stopped it.
async fn change_members(
    ctx: &Context<'_>,
    change: Result<(Uuid, HuntMemberChange), UserError>,
    expected_version: Option<i32>,
) -> ApiResult<HuntGroupPayload> {
    let (group, change) = match change {
        Ok(c) => c,
        Err(e) => return Ok(refused::<HuntGroup>(e)),
    };
    let result = service::change_hunt_members(
        ctx_db(ctx)?,
        ctx_principal(ctx)?,
        group,
        change,
        expected_version,
    )
    .await;
    finish::<HuntGroup>(result)
}

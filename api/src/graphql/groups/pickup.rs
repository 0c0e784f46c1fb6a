//! Pickup groups in the API: the `PickupGroup` type, the `pickupGroups` and `pickupGroup`
//! queries, and the mutations that create, change and delete one.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::{
    DeleteGroupInput, DeleteGroupPayload, GroupKind, can_manage, delete, finish, group_and_person,
    id_of, ids_of, list, load, people, refused, unit_of,
};
use crate::{
    graphql::{
        ctx_db, ctx_principal,
        directory::{Person, Unit},
        errors::{ApiResult, UserError},
        node::{NodeType, decode, encode},
    },
    services::groups as service,
};

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
        can_manage(ctx, self.0.group.unit_id)
    }
}

impl GroupKind for PickupGroup {
    type Loaded = service::PickupGroup;
    type Payload = PickupGroupPayload;
    const NODE: NodeType = NodeType::PickupGroup;
    const KIND: service::Kind = service::Kind::Pickup;

    fn wrap(loaded: service::PickupGroup) -> Self {
        Self(loaded)
    }

    fn unit(loaded: &service::PickupGroup) -> Uuid {
        loaded.group.unit_id
    }

    fn has_member(loaded: &service::PickupGroup, person: Uuid) -> bool {
        loaded.members.iter().any(|m| m.person_id == person)
    }

    fn list(
        db: &DatabaseConnection,
        unit: Option<Uuid>,
    ) -> impl Future<Output = Result<Vec<service::PickupGroup>, DbErr>> + Send {
        service::pickup_groups(db, unit)
    }

    fn get(
        db: &DatabaseConnection,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<service::PickupGroup>, DbErr>> + Send {
        service::pickup_group(db, id)
    }

    fn payload(pickup_group: Option<Self>, user_errors: Vec<UserError>) -> PickupGroupPayload {
        PickupGroupPayload {
            pickup_group,
            user_errors,
        }
    }
}

/// A pickup group the caller sees, for `pickupGroup` and `node`.
pub async fn load_pickup(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<PickupGroup>> {
    load(ctx, id).await
}

/// Pickup group queries.
#[derive(Default)]
pub struct PickupGroupQuery;

/// Pickup groups.
#[Object]
impl PickupGroupQuery {
    /// Pickup groups the caller sees, by name.
    async fn pickup_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit's groups.")] unit_id: Option<async_graphql::ID>,
    ) -> ApiResult<Vec<PickupGroup>> {
        list(ctx, unit_id).await
    }

    /// One pickup group; null when it does not exist or the caller does not see it.
    async fn pickup_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A PickupGroup ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<PickupGroup>> {
        load_pickup(ctx, decode(NodeType::PickupGroup, &id)?).await
    }
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

/// Result of a pickup group change.
#[derive(SimpleObject)]
pub struct PickupGroupPayload {
    /// The group after the change; null when refused.
    pub pickup_group: Option<PickupGroup>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Pickup group mutations.
#[derive(Default)]
pub struct PickupGroupMutation;

/// Pickup group changes.
#[Object]
impl PickupGroupMutation {
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
            Err(e) => return Ok(refused::<PickupGroup>(e)),
        };
        let result = service::create_pickup_group(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            unit,
            &input.name,
            &members,
        )
        .await;
        finish::<PickupGroup>(result)
    }

    /// Deletes a pickup group.
    async fn delete_pickup_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pickup group to delete.")] input: DeleteGroupInput,
    ) -> ApiResult<DeleteGroupPayload> {
        delete::<PickupGroup>(ctx, input).await
    }

    /// Adds a person to a pickup group: Chorus desk-phone users only.
    async fn add_pickup_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pickup group and the person to add.")] input: PickupGroupMemberInput,
    ) -> ApiResult<PickupGroupPayload> {
        change_member(ctx, input, true).await
    }

    /// Removes a person from a pickup group (never the last one).
    async fn remove_pickup_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pickup group and the member to remove.")]
        input: PickupGroupMemberInput,
    ) -> ApiResult<PickupGroupPayload> {
        change_member(ctx, input, false).await
    }
}

/// Adds (`join`) or removes the input's person.
async fn change_member(
    ctx: &Context<'_>,
    input: PickupGroupMemberInput,
    join: bool,
) -> ApiResult<PickupGroupPayload> {
    let (group, person) = match group_and_person::<PickupGroup>(&input.group_id, &input.person_id) {
        Ok(ids) => ids,
        Err(e) => return Ok(refused::<PickupGroup>(e)),
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
    finish::<PickupGroup>(result)
}

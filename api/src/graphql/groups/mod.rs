//! Group working: hunt groups, pickup groups and executive-assistant groups, as Phoneman let
//! telephone administrators configure them, with the rules of the move to Teams enforced.
//!
//! Who sees a group: administrators all; coordinators those of their units; anyone the
//! groups they belong to. Who changes one: see `services::groups`.
//!
//! Layout: this file holds what the three kinds share (the `GroupKind` trait behind their
//! list and get queries, payloads and deletes, ID arguments); `hunt`, `pickup` and `ea` hold
//! each kind's types, inputs, queries and mutations; `destination` the no-answer destination.

mod destination;
mod ea;
mod hunt;
mod pickup;

pub use destination::{Destination, DestinationInput, DestinationKind};
pub use ea::{
    AddEaGroupMemberInput, CreateEaGroupInput, EaGroup, EaGroupMutation, EaGroupPayload,
    EaGroupQuery, EaManager, EaMode, EaRole, EaWhitelistInput, RemoveEaGroupMemberInput,
    SetEaDivertInput, WhitelistEntry, load_ea,
};
pub use hunt::{
    AddHuntGroupMemberInput, CreateHuntGroupInput, HuntGroup, HuntGroupMember,
    HuntGroupMemberInput, HuntGroupMutation, HuntGroupPayload, HuntGroupQuery, HuntStrategy,
    RemoveHuntGroupMemberInput, ReorderHuntGroupInput, SetHuntGroupMemberRingTimeInput,
    SetHuntGroupOptOutInput, UpdateHuntGroupInput, load_hunt,
};
pub use pickup::{
    CreatePickupGroupInput, PickupGroup, PickupGroupMemberInput, PickupGroupMutation,
    PickupGroupPayload, PickupGroupQuery, load_pickup,
};

use async_graphql::{Context, InputObject, MergedObject, SimpleObject};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::{
    ctx_db, ctx_loaders, ctx_principal,
    directory::{Person, Unit},
    errors::{ApiError, ApiResult, Outcome, UserError, UserErrorCode},
    node::{NodeType, decode},
};
use crate::{
    auth::Principal,
    domain::{directory::Reach, text::Quoted},
    services::groups as service,
};

/// Queries of the groups area.
#[derive(MergedObject, Default)]
pub struct GroupQuery(HuntGroupQuery, PickupGroupQuery, EaGroupQuery);

/// Mutations of the groups area.
#[derive(MergedObject, Default)]
pub struct GroupMutation(HuntGroupMutation, PickupGroupMutation, EaGroupMutation);

// ---------------------------------------------------------------------------------------
// What the three kinds share

/// What the API does alike for the three kinds of group: read them through the service,
/// tell who sees one, answer a change with the kind's payload, delete one.
trait GroupKind: Sized {
    /// The group as the service loads it, with its members.
    type Loaded: Send;
    /// What this kind's mutations answer.
    type Payload;
    /// The kind of the group's global ID.
    const NODE: NodeType;
    /// The kind as the service's delete knows it.
    const KIND: service::Kind;

    /// The GraphQL object of a loaded group.
    fn wrap(loaded: Self::Loaded) -> Self;
    /// The unit that owns the group.
    fn unit(loaded: &Self::Loaded) -> Uuid;
    /// True when the person is a member of the group (in any role).
    fn has_member(loaded: &Self::Loaded, person: Uuid) -> bool;
    /// The groups of this kind (of one unit, or all), by name.
    fn list(
        db: &DatabaseConnection,
        unit: Option<Uuid>,
    ) -> impl Future<Output = Result<Vec<Self::Loaded>, DbErr>> + Send;
    /// One group of this kind, if it exists.
    fn get(
        db: &DatabaseConnection,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Self::Loaded>, DbErr>> + Send;
    /// The payload of a change: the group after it, or why it was refused.
    fn payload(group: Option<Self>, user_errors: Vec<UserError>) -> Self::Payload;
}

/// Who sees a group: whoever configures its unit, and its members.
fn visible_to<K: GroupKind>(group: &K::Loaded, principal: &Principal) -> bool {
    service::may_manage(principal, K::unit(group))
        || principal
            .person_id
            .is_some_and(|me| K::has_member(group, me))
}

/// The groups of a kind the caller sees, by name; `unit_id` narrows to one unit.
async fn list<K: GroupKind>(
    ctx: &Context<'_>,
    unit_id: Option<async_graphql::ID>,
) -> ApiResult<Vec<K>> {
    let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
    let groups = K::list(ctx_db(ctx)?, unit).await.map_err(ApiError::from)?;
    let principal = ctx_principal(ctx)?;
    Ok(groups
        .into_iter()
        .filter(|g| visible_to::<K>(g, principal))
        .map(K::wrap)
        .collect())
}

/// A group of a kind the caller sees; None when it does not exist or the caller does not
/// see it.
async fn load<K: GroupKind>(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<K>> {
    let group = K::get(ctx_db(ctx)?, id).await.map_err(ApiError::from)?;
    let principal = ctx_principal(ctx)?;
    Ok(group.filter(|g| visible_to::<K>(g, principal)).map(K::wrap))
}

/// The payload of a service answer: the group, or its refusal (a failure stays top-level).
fn finish<K: GroupKind>(outcome: Outcome<K::Loaded>) -> ApiResult<K::Payload> {
    Ok(match outcome? {
        Ok(group) => K::payload(Some(K::wrap(group)), vec![]),
        Err(e) => K::payload(None, vec![e]),
    })
}

/// The payload of a change refused before it reached the service (a malformed argument).
fn refused<K: GroupKind>(e: UserError) -> K::Payload {
    K::payload(None, vec![e])
}

/// Deletes a group of a kind.
async fn delete<K: GroupKind>(
    ctx: &Context<'_>,
    input: DeleteGroupInput,
) -> ApiResult<DeleteGroupPayload> {
    let id = match id_of(K::NODE, &input.group_id, "groupId") {
        Ok(id) => id,
        Err(e) => {
            return Ok(DeleteGroupPayload {
                deleted_id: None,
                user_errors: vec![e],
            });
        }
    };
    let outcome = service::delete_group(
        ctx_db(ctx)?,
        ctx_principal(ctx)?,
        K::KIND,
        id,
        input.expected_version,
    )
    .await?;
    Ok(match outcome {
        Ok(()) => DeleteGroupPayload {
            deleted_id: Some(input.group_id),
            user_errors: vec![],
        },
        Err(e) => DeleteGroupPayload {
            deleted_id: None,
            user_errors: vec![e],
        },
    })
}

/// True when the caller may configure groups of this unit.
fn can_manage(ctx: &Context<'_>, unit: Uuid) -> ApiResult<bool> {
    Ok(service::may_manage(ctx_principal(ctx)?, unit))
}

// ---------------------------------------------------------------------------------------
// Members and units

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

/// The unit that owns a group.
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
// ID arguments

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

/// A list of ID arguments; the first malformed one as a user error.
fn ids_of(kind: NodeType, ids: &[async_graphql::ID], field: &str) -> Result<Vec<Uuid>, UserError> {
    ids.iter().map(|id| id_of(kind, id, field)).collect()
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

/// A group of kind `K` (`groupId`) and a person (`personId`) an input names.
fn group_and_person<K: GroupKind>(
    group: &async_graphql::ID,
    person: &async_graphql::ID,
) -> Result<(Uuid, Uuid), UserError> {
    id_of(K::NODE, group, "groupId")
        .and_then(|g| id_of(NodeType::Person, person, "personId").map(|p| (g, p)))
}

/// A group of kind `K` (`groupId`) and a person that defaults to the caller (`field`).
fn group_and_me_or<K: GroupKind>(
    principal: &Principal,
    group: &async_graphql::ID,
    person: Option<&async_graphql::ID>,
    field: &str,
) -> Result<(Uuid, Uuid), UserError> {
    id_of(K::NODE, group, "groupId")
        .and_then(|g| me_or(principal, person, NodeType::Person, field).map(|p| (g, p)))
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

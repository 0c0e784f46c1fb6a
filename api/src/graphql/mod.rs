//! The GraphQL schema: one module per area, merged once.
//!
//! Layout:
//! - `cost`: limits measured on the document (tokens, aliases, lists, cost) and budgets.
//! - `errors`: `ApiError` (top-level, with `extensions.code`) and `UserError` (payloads).
//! - `node`: opaque global IDs, `node(id:)` and `nodes(ids:)`.
//! - `pagination`: Relay connections with keyset cursors.
//! - `loaders`: per-request DataLoaders.
//! - `enums`: GraphQL mirrors of the entity enums.
//! - `calls`: call history, badges, recent contacts, PBX ingest.
//! - `directory`: units, people, lines, devices, `me`, `directory`.
//! - `people`: mutations on people, lines and devices.
//! - `lines`: creating, changing and releasing lines.
//! - `voicemail`: mailboxes, messages, greetings, settings, `voicemailReceived`.
//! - `conferences`: teleconferences (bridges, codes, participants).
//! - `groups`: hunt, pickup and executive-assistant groups.
//! - `contact_centres`: contact centres, queues, agents, opening hours, closures.
//! - `routing`: `routeCall`, how a call would ring.
//! - `service_accounts`: service accounts (administrators).
//! - `cutover`: the move to Teams: MS Teams column, sets, nominations, licences, tranches, moves.
//! - `leavers`: `offboardPerson` (rule 13).

pub mod calls;
pub mod conferences;
pub mod contact_centres;
pub mod cost;
pub mod cutover;
pub mod directory;
pub mod documents;
pub mod enums;
pub mod errors;
pub mod groups;
pub mod leavers;
pub mod lines;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod people;
pub mod routing;
pub mod service_accounts;
pub mod voicemail;

use crate::domain::directory::Reach;
use async_graphql::{
    Context, Interface, MergedObject, MergedSubscription, Object, Schema, SchemaBuilder,
};
use sea_orm::DatabaseConnection;

use crate::{auth::Principal, config::Limits};
use directory::{Device, DirectoryMutation, DirectoryQuery, Line, Person, Unit};
use errors::{ApiError, ApiResult};
use loaders::Loaders;
use node::NodeType;

/// The root query type.
#[derive(MergedObject, Default)]
pub struct Query(
    DirectoryQuery,
    calls::CallsQuery,
    voicemail::VoicemailQuery,
    conferences::ConferenceQuery,
    groups::GroupQuery,
    contact_centres::ContactCentreQuery,
    routing::RoutingQuery,
    cutover::CutoverQuery,
    service_accounts::ServiceAccountQuery,
    NodeQuery,
);

/// The root mutation type.
#[derive(MergedObject, Default)]
pub struct Mutation(
    DirectoryMutation,
    people::PeopleMutation,
    lines::LinesMutation,
    calls::CallsMutation,
    voicemail::VoicemailMutation,
    conferences::ConferenceMutation,
    groups::GroupMutation,
    contact_centres::ContactCentreMutation,
    cutover::CutoverMutation,
    leavers::LeaversMutation,
    service_accounts::ServiceAccountMutation,
);

/// The root subscription type.
#[derive(MergedSubscription, Default)]
pub struct Subscription(
    voicemail::VoicemailSubscription,
    cutover::CutoverSubscription,
);

/// The schema type served by the app.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// The schema without data or limits: production adds state and limits, tests theirs, and
/// `chorus schema` prints its SDL.
pub fn schema() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .register_output_type::<Node>()
}

/// The schema with async-graphql's own request limits applied (the cost limits and budgets
/// of [`cost`] are applied around execution by the transports).
pub fn limited_schema(limits: &Limits) -> SchemaBuilder<Query, Mutation, Subscription> {
    schema()
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_directives(20)
        .limit_recursive_depth(32)
}

/// The SDL as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema().finish().sdl()
}

pub(crate) fn ctx_principal<'a>(ctx: &'a Context<'_>) -> Result<&'a Principal, ApiError> {
    ctx.data_opt::<Principal>().ok_or(ApiError::Unauthenticated)
}

pub(crate) fn ctx_db<'a>(ctx: &'a Context<'_>) -> Result<&'a DatabaseConnection, ApiError> {
    ctx.data_opt::<DatabaseConnection>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no database in the GraphQL context")))
}

pub(crate) fn ctx_loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a Loaders, ApiError> {
    ctx.data_opt::<Loaders>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no loaders in the GraphQL context")))
}

/// An object with a global ID, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "async_graphql::ID", desc = "Opaque global ID."))]
pub enum Node {
    Unit(Unit),
    Person(Person),
    Line(Line),
    Device(Device),
    CallRecord(calls::CallRecord),
    Voicemail(voicemail::Voicemail),
    Teleconference(conferences::Teleconference),
    HuntGroup(groups::HuntGroup),
    PickupGroup(groups::PickupGroup),
    EaGroup(groups::EaGroup),
    ContactCentre(contact_centres::ContactCentre),
    Tranche(cutover::Tranche),
    ServiceAccount(service_accounts::ServiceAccount),
}

/// `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global ID. Null when it does not exist or the caller may not
    /// see it (an ex-directory person, another person's device); an ID that is not one of ours
    /// is BAD_USER_INPUT.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<Node>> {
        load_node(ctx, &id).await
    }

    /// Fetches up to 100 objects by global ID, in the order given; null where `node` would be.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs (at most 100).")] ids: Vec<async_graphql::ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > 100 {
            return Err(ApiError::LimitExceeded("nodes takes at most 100 ids".into()).into());
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(load_node(ctx, id).await?);
        }
        Ok(out)
    }
}

async fn load_node(ctx: &Context<'_>, id: &async_graphql::ID) -> ApiResult<Option<Node>> {
    let principal = ctx_principal(ctx)?;
    let (ty, uuid) = node::decode_any(id)?;
    let db = ctx_db(ctx)?;
    let loaders = ctx_loaders(ctx)?;
    let internal = ApiError::internal;
    Ok(match ty {
        NodeType::Unit => loaders
            .units
            .load_one(uuid)
            .await
            .map_err(internal)?
            .map(|u| Node::Unit(Unit(u))),
        NodeType::Person => loaders
            .people
            .load_one(uuid)
            .await
            .map_err(internal)?
            .and_then(|m| Person::reached(principal, m, Reach::Directory))
            .map(Node::Person),
        NodeType::Line => crate::services::people::visible_line(db, principal, uuid)
            .await
            .map_err(ApiError::from)?
            .map(|l| Node::Line(Line(l))),
        NodeType::CallRecord => crate::services::calls::visible_call(db, principal, uuid)
            .await
            .map_err(ApiError::from)?
            .map(|(call, role)| Node::CallRecord(calls::CallRecord { call, role })),
        NodeType::Voicemail => voicemail::load(ctx, uuid).await?.map(Node::Voicemail),
        NodeType::Teleconference => conferences::load(ctx, uuid)
            .await?
            .map(Node::Teleconference),
        NodeType::HuntGroup => groups::load_hunt(ctx, uuid).await?.map(Node::HuntGroup),
        NodeType::PickupGroup => groups::load_pickup(ctx, uuid).await?.map(Node::PickupGroup),
        NodeType::EaGroup => groups::load_ea(ctx, uuid).await?.map(Node::EaGroup),
        NodeType::ContactCentre => contact_centres::load(ctx, uuid)
            .await?
            .map(Node::ContactCentre),
        // Queues are reached through their centre; rounds through `nominationRounds`.
        NodeType::Queue | NodeType::NominationRound => None,
        NodeType::Tranche => cutover::load_tranche(ctx, uuid).await?.map(Node::Tranche),
        NodeType::ServiceAccount => service_accounts::load(ctx, uuid)
            .await?
            .map(Node::ServiceAccount),
        NodeType::Device => crate::services::people::visible_device(db, principal, uuid)
            .await
            .map_err(ApiError::from)?
            .map(|d| Node::Device(Device(d))),
    })
}

//! Executive-assistant groups in the API: the `EaGroup` type with its managers and
//! whitelists, the `eaGroups` and `eaGroup` queries, and the mutations that create, change
//! and delete one.

use async_graphql::{ComplexObject, Context, Enum, InputObject, Object, SimpleObject};
use entity::enums as db;

use crate::graphql::enums::mirror_enum;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::{
    DeleteGroupInput, DeleteGroupPayload, GroupKind, can_manage, delete, finish, group_and_me_or,
    group_and_person, id_of, ids_of, list, load, people, person_of, refused, unit_of,
};
use crate::{
    domain::groups as rules,
    graphql::{
        ctx_db, ctx_principal,
        directory::{Person, Unit},
        enums::Platform,
        errors::{ApiResult, UserError},
        node::{NodeType, decode, encode},
    },
    services::groups::{self as service, EaChange},
};

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
        can_manage(ctx, self.0.group.unit_id)
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

impl GroupKind for EaGroup {
    type Loaded = service::EaGroup;
    type Payload = EaGroupPayload;
    const NODE: NodeType = NodeType::EaGroup;
    const KIND: service::Kind = service::Kind::Ea;

    fn wrap(loaded: service::EaGroup) -> Self {
        Self(loaded)
    }

    fn unit(loaded: &service::EaGroup) -> Uuid {
        loaded.group.unit_id
    }

    fn has_member(loaded: &service::EaGroup, person: Uuid) -> bool {
        loaded.members.iter().any(|m| m.person_id == person)
    }

    fn list(
        db: &DatabaseConnection,
        unit: Option<Uuid>,
    ) -> impl Future<Output = Result<Vec<service::EaGroup>, DbErr>> + Send {
        service::ea_groups(db, unit)
    }

    fn get(
        db: &DatabaseConnection,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<service::EaGroup>, DbErr>> + Send {
        service::ea_group(db, id)
    }

    fn payload(ea_group: Option<Self>, user_errors: Vec<UserError>) -> EaGroupPayload {
        EaGroupPayload {
            ea_group,
            user_errors,
        }
    }
}

/// An executive-assistant group the caller sees, for `eaGroup` and `node`.
pub async fn load_ea(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<EaGroup>> {
    load(ctx, id).await
}

/// Executive-assistant group queries.
#[derive(Default)]
pub struct EaGroupQuery;

/// Executive-assistant groups.
#[Object]
impl EaGroupQuery {
    /// Executive-assistant groups the caller sees, by name.
    async fn ea_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit's groups.")] unit_id: Option<async_graphql::ID>,
    ) -> ApiResult<Vec<EaGroup>> {
        list(ctx, unit_id).await
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

mirror_enum! {
    /// A role in an executive-assistant group.
    EaRole <=> db::EaRole {
        /// Whose calls are answered for them.
        Manager,
        /// Who answers them.
        Assistant,
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

/// Result of an executive-assistant group change.
#[derive(SimpleObject)]
pub struct EaGroupPayload {
    /// The group after the change; null when refused.
    pub ea_group: Option<EaGroup>,
    /// Why it was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Executive-assistant group mutations.
#[derive(Default)]
pub struct EaGroupMutation;

/// Executive-assistant group changes.
#[Object]
impl EaGroupMutation {
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
            Err(e) => return Ok(refused::<EaGroup>(e)),
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
        finish::<EaGroup>(result)
    }

    /// Deletes an executive-assistant group with its whitelists.
    async fn delete_ea_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The executive-assistant group to delete.")] input: DeleteGroupInput,
    ) -> ApiResult<DeleteGroupPayload> {
        delete::<EaGroup>(ctx, input).await
    }

    /// Adds a manager or an assistant to an executive-assistant group.
    async fn add_ea_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The executive-assistant group, the person and their role.")]
        input: AddEaGroupMemberInput,
    ) -> ApiResult<EaGroupPayload> {
        let change = group_and_person::<EaGroup>(&input.group_id, &input.person_id).map(
            |(group, person)| {
                let role = input.role.into();
                (group, EaChange::Add { person, role })
            },
        );
        change_group(ctx, change, input.expected_version).await
    }

    /// Removes a member of an executive-assistant group (never the last manager or assistant).
    async fn remove_ea_group_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The executive-assistant group and the member to remove.")]
        input: RemoveEaGroupMemberInput,
    ) -> ApiResult<EaGroupPayload> {
        let change = group_and_person::<EaGroup>(&input.group_id, &input.person_id)
            .map(|(group, person)| (group, EaChange::Remove { person }));
        change_group(ctx, change, input.expected_version).await
    }

    /// Switches a manager's divert to the assistants on or off.
    async fn set_ea_divert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, the manager (default the caller) and divert on or off.")]
        input: SetEaDivertInput,
    ) -> ApiResult<EaGroupPayload> {
        let principal = ctx_principal(ctx)?;
        let change = group_and_me_or::<EaGroup>(
            principal,
            &input.group_id,
            input.manager_id.as_ref(),
            "managerId",
        )
        .map(|(group, manager)| {
            let change = EaChange::Divert {
                manager,
                enabled: input.enabled,
            };
            (group, change)
        });
        change_group(ctx, change, None).await
    }

    /// Adds a caller number to a manager's whitelist (kept but inactive on Teams).
    async fn add_ea_whitelist_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, the manager (default the caller) and the number to add.")]
        input: EaWhitelistInput,
    ) -> ApiResult<EaGroupPayload> {
        let principal = ctx_principal(ctx)?;
        let change = group_and_me_or::<EaGroup>(
            principal,
            &input.group_id,
            input.manager_id.as_ref(),
            "managerId",
        )
        .map(|(group, manager)| {
            let change = EaChange::WhitelistAdd {
                manager,
                number: input.number,
                label: input.label,
            };
            (group, change)
        });
        change_group(ctx, change, None).await
    }

    /// Removes a caller number from a manager's whitelist.
    async fn remove_ea_whitelist_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group, the manager (default the caller) and the number to remove.")]
        input: EaWhitelistInput,
    ) -> ApiResult<EaGroupPayload> {
        let principal = ctx_principal(ctx)?;
        let change = group_and_me_or::<EaGroup>(
            principal,
            &input.group_id,
            input.manager_id.as_ref(),
            "managerId",
        )
        .map(|(group, manager)| {
            let change = EaChange::WhitelistRemove {
                manager,
                number: input.number,
            };
            (group, change)
        });
        change_group(ctx, change, None).await
    }
}

/// Runs one change on a group, or answers the malformed argument that stopped it.
async fn change_group(
    ctx: &Context<'_>,
    change: Result<(Uuid, EaChange), UserError>,
    expected_version: Option<i32>,
) -> ApiResult<EaGroupPayload> {
    let (group, change) = match change {
        Ok(c) => c,
        Err(e) => return Ok(refused::<EaGroup>(e)),
    };
    let result = service::change_ea_group(
        ctx_db(ctx)?,
        ctx_principal(ctx)?,
        group,
        change,
        expected_version,
    )
    .await;
    finish::<EaGroup>(result)
}

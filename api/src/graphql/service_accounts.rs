//! Service accounts over GraphQL: the `ServiceAccount` object, the `serviceAccounts` list and
//! the mutations that create, change and disable accounts. Administrators only.

use async_graphql::{Context, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::service_account;

use super::{
    ctx_db, ctx_principal,
    errors::{ApiError, ApiResult, payload},
    node::{NodeType, decode, encode},
};
use crate::{
    auth::{Principal, Role, RoleGuard},
    domain::service_accounts::read_scopes,
    services::service_accounts::{self as service, NewServiceAccount, ServiceAccountChanges},
};

/// An automation client (the PBX, a directory feed, the project's scripts) that signs in as
/// itself, not as a person, and may do what its scopes allow.
#[derive(Clone, Debug)]
pub struct ServiceAccount(pub service_account::Model);

/// An automation client (the PBX, a directory feed, the project's scripts) that signs in as
/// itself, not as a person, and may do what its scopes allow.
#[Object]
impl ServiceAccount {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::ServiceAccount, self.0.id)
    }

    /// The account's name: the subject of its tokens, e.g. `pbx-ingest`.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Name as shown to people.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// What the account may do, e.g. `calls:write`, in order.
    async fn scopes(&self) -> Vec<String> {
        read_scopes(&self.0.scopes)
    }

    /// When an administrator disabled the account (its tokens are refused since); null while
    /// it works.
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }

    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The account behind a global ID, for `node` (administrators only; null for anyone else).
pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> ApiResult<Option<ServiceAccount>> {
    let principal: &Principal = ctx_principal(ctx)?;
    if !principal.is_admin() {
        return Ok(None);
    }
    let found = service::find(ctx_db(ctx)?, id)
        .await
        .map_err(ApiError::from)?;
    Ok(found.map(ServiceAccount))
}

/// Service account queries.
#[derive(Default)]
pub struct ServiceAccountQuery;

#[Object]
impl ServiceAccountQuery {
    /// Every service account, disabled ones included, ordered by name (ADMIN).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn service_accounts(&self, ctx: &Context<'_>) -> ApiResult<Vec<ServiceAccount>> {
        let all = service::list(ctx_db(ctx)?).await.map_err(ApiError::from)?;
        Ok(all.into_iter().map(ServiceAccount).collect())
    }
}

payload!(CreateServiceAccountPayload, service_account: ServiceAccount, "Result of `createServiceAccount`.");
payload!(UpdateServiceAccountPayload, service_account: ServiceAccount, "Result of `updateServiceAccount`.");
payload!(DisableServiceAccountPayload, service_account: ServiceAccount, "Result of `disableServiceAccount`.");

/// Input of `createServiceAccount`.
#[derive(InputObject)]
pub struct CreateServiceAccountInput {
    /// The account's name, the subject of its tokens: 3 to 64 letters, digits, `-`, `_` or
    /// `.`, starting with a letter; stored in lower case. Unique among service accounts
    /// (disabled ones too) and people's usernames.
    pub name: String,
    /// Name as shown to people (1–200 characters).
    pub display_name: String,
    /// What the account may do: scopes the server knows (`calls:write`, `voicemail:write`,
    /// `directory:ex-directory`, `cutover:write`, `licences:write`); may be empty.
    pub scopes: Vec<String>,
}

/// Input of `updateServiceAccount`: an omitted field stays as it is.
#[derive(InputObject)]
pub struct UpdateServiceAccountInput {
    /// The account to change.
    pub service_account_id: async_graphql::ID,
    /// New display name (1–200 characters).
    pub display_name: Option<String>,
    /// The account's new scopes, replacing the old ones (scopes the server knows; may be
    /// empty). Tokens already issued keep the scopes they carry until they expire.
    pub scopes: Option<Vec<String>>,
}

/// Input of `disableServiceAccount`.
#[derive(InputObject)]
pub struct DisableServiceAccountInput {
    /// The account to disable.
    pub service_account_id: async_graphql::ID,
}

/// Service account mutations.
#[derive(Default)]
pub struct ServiceAccountMutation;

#[Object]
impl ServiceAccountMutation {
    /// Creates a service account (ADMIN); `chorus token --person NAME` then mints its tokens.
    /// User errors: INVALID (name `INVALID_SERVICE_ACCOUNT_NAME`, display name
    /// `INVALID_NAME`, a scope the server does not know `UNKNOWN_SCOPE`), DUPLICATE (a name
    /// in use by an account or a person).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's name, display name and scopes.")]
        input: CreateServiceAccountInput,
    ) -> ApiResult<CreateServiceAccountPayload> {
        let new = NewServiceAccount {
            name: input.name,
            display_name: input.display_name,
            scopes: input.scopes,
        };
        let outcome = service::create(ctx_db(ctx)?, ctx_principal(ctx)?, new).await?;
        Ok(outcome.map(ServiceAccount).into())
    }

    /// Changes a service account's display name or scopes (ADMIN). New scopes reach its next
    /// token. User errors: NOT_FOUND, INVALID (`INVALID_NAME`, `UNKNOWN_SCOPE`).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn update_service_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and what to change.")] input: UpdateServiceAccountInput,
    ) -> ApiResult<UpdateServiceAccountPayload> {
        let id = decode(NodeType::ServiceAccount, &input.service_account_id).ok();
        let changes = ServiceAccountChanges {
            display_name: input.display_name,
            scopes: input.scopes,
        };
        let outcome = service::update(ctx_db(ctx)?, ctx_principal(ctx)?, id, changes).await?;
        Ok(outcome.map(ServiceAccount).into())
    }

    /// Disables a service account for good (ADMIN): its tokens are refused from the next
    /// request on and no new token is issued for it. Disabling it again changes nothing. User
    /// errors: NOT_FOUND.
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn disable_service_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to disable.")] input: DisableServiceAccountInput,
    ) -> ApiResult<DisableServiceAccountPayload> {
        let id = decode(NodeType::ServiceAccount, &input.service_account_id).ok();
        let outcome = service::disable(ctx_db(ctx)?, ctx_principal(ctx)?, id).await?;
        Ok(outcome.map(ServiceAccount).into())
    }
}

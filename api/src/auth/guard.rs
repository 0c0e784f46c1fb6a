//! GraphQL guards: `#[graphql(guard = "RoleGuard::new(Role::Admin)")]`. A missing principal
//! is UNAUTHENTICATED; a principal without the role or scope is FORBIDDEN.

use async_graphql::{Context, Guard, Result};

use super::{Principal, Role};
use crate::error::ApiError;

/// Admits callers holding any one of the roles.
pub struct RoleGuard {
    roles: Vec<Role>,
}

impl RoleGuard {
    pub fn new(role: Role) -> Self {
        Self { roles: vec![role] }
    }

    pub fn any(roles: &[Role]) -> Self {
        Self {
            roles: roles.to_vec(),
        }
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let principal = ctx
            .data_opt::<Principal>()
            .ok_or(ApiError::Unauthenticated)?;
        if self.roles.iter().any(|r| principal.has_role(*r)) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("this needs another role".into()).into())
        }
    }
}

/// Admits service accounts holding the scope (and admins, who may do anything).
pub struct ScopeGuard {
    scope: &'static str,
}

impl ScopeGuard {
    pub fn new(scope: &'static str) -> Self {
        Self { scope }
    }
}

impl Guard for ScopeGuard {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let principal = ctx
            .data_opt::<Principal>()
            .ok_or(ApiError::Unauthenticated)?;
        if principal.has_scope(self.scope) || principal.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("this needs the scope {}", self.scope)).into())
        }
    }
}

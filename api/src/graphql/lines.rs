//! Lines as data over GraphQL: `createLine`, `updateLine` and `releaseLine` (administrators),
//! and who may read a line's quarantine. Thin adapters: decode IDs, call `services::lines`,
//! wrap the outcome in a payload.

use async_graphql::{Context, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::line;

use super::{
    ctx_db, ctx_principal,
    directory::Line,
    enums::{DiallingPermission, LineKind},
    errors::{ApiResult, payload},
    node::{NodeType, decode},
};
use crate::{
    auth::{Principal, Role, RoleGuard},
    config::LineSettings,
    domain::lines as rules,
    services::lines::{self, LineChanges, NewLine},
};

payload!(CreateLinePayload, line: Line, "Result of `createLine`.");
payload!(UpdateLinePayload, line: Line, "Result of `updateLine`.");
payload!(ReleaseLinePayload, line: Line, "Result of `releaseLine`: the line, now without an owner and held in quarantine.");

/// A line's quarantine end as its `quarantinedUntil` shows it: only while in force, and only
/// to admins and coordinators of the line's unit (null for everyone else).
pub(super) fn quarantined_until(ctx: &Context<'_>, line: &line::Model) -> Option<DateTime<Utc>> {
    let principal = ctx.data_opt::<Principal>()?;
    if !(principal.is_admin() || principal.coordinates(line.unit_id)) {
        return None;
    }
    rules::quarantine_in_force(line.quarantined_until, Utc::now())
}

/// Input of `createLine`.
#[derive(InputObject)]
pub struct CreateLineInput {
    /// The full number, in any usual spelling (`+44 1865 270000`, `01865 270000`,
    /// `0044 1865 270000`); stored in E.164. Unique.
    pub number: String,
    /// The five-digit internal extension, e.g. `70000`. Unique.
    pub extension: String,
    /// Personal, shared or critical.
    pub kind: LineKind,
    /// The unit the line belongs to.
    pub unit_id: async_graphql::ID,
    /// How far the line may dial (default NATIONAL).
    #[graphql(default_with = "DiallingPermission::National")]
    pub dialling_permission: DiallingPermission,
    /// The person who holds the line; personal lines only. Left out, the line has no owner
    /// yet (give it with `assignLine`).
    pub owner_id: Option<async_graphql::ID>,
}

/// Input of `updateLine`: an omitted field stays as it is.
#[derive(InputObject)]
pub struct UpdateLineInput {
    /// The line to change.
    pub line_id: async_graphql::ID,
    /// New kind; a line with an owner stays personal.
    pub kind: Option<LineKind>,
    /// The unit the line now belongs to.
    pub unit_id: Option<async_graphql::ID>,
    /// How far the line may now dial.
    pub dialling_permission: Option<DiallingPermission>,
    /// The `version` last read; a different current version refuses the change (CONFLICT).
    pub expected_version: Option<i32>,
}

/// Input of `releaseLine`.
#[derive(InputObject)]
pub struct ReleaseLineInput {
    /// The personal line to take from its owner.
    pub line_id: async_graphql::ID,
}

/// Mutations creating, changing and releasing lines.
#[derive(Default)]
pub struct LinesMutation;

#[Object]
impl LinesMutation {
    /// Adds a line (ADMIN). The number is normalised to E.164 by the rule every entry point
    /// uses. User errors: INVALID (`INVALID_NUMBER`, `INVALID_EXTENSION`), NOT_FOUND (unit,
    /// owner), DUPLICATE (number or extension in use), RULE_VIOLATION (an owner for a shared
    /// or critical line: `OWNER_NEEDS_PERSONAL_LINE`; a number in quarantine:
    /// `LINE_QUARANTINED`).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn create_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number, extension, kind, unit, dialling permission and owner.")]
        input: CreateLineInput,
    ) -> ApiResult<CreateLinePayload> {
        let new = NewLine {
            number: input.number,
            extension: input.extension,
            kind: input.kind.into(),
            unit_id: decode(NodeType::Unit, &input.unit_id).ok(),
            dialling_permission: input.dialling_permission.into(),
            owner_id: input
                .owner_id
                .as_ref()
                .map(|id| decode(NodeType::Person, id).ok()),
        };
        let outcome = lines::create(ctx_db(ctx)?, ctx_principal(ctx)?, new).await?;
        Ok(outcome.map(Line).into())
    }

    /// Changes a line's kind, unit or dialling permission (ADMIN). User errors: NOT_FOUND
    /// (line, unit), CONFLICT (stale `expectedVersion`), RULE_VIOLATION (a line with an owner
    /// made shared or critical: `OWNER_NEEDS_PERSONAL_LINE`).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn update_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The line and what to change.")] input: UpdateLineInput,
    ) -> ApiResult<UpdateLinePayload> {
        let changes = LineChanges {
            kind: input.kind.map(Into::into),
            unit_id: input
                .unit_id
                .as_ref()
                .map(|id| decode(NodeType::Unit, id).ok()),
            dialling_permission: input.dialling_permission.map(Into::into),
            expected_version: input.expected_version,
        };
        let id = decode(NodeType::Line, &input.line_id).ok();
        let outcome = lines::update(ctx_db(ctx)?, ctx_principal(ctx)?, id, changes).await?;
        Ok(outcome.map(Line).into())
    }

    /// Takes a personal line from its owner (ADMIN): devices on it stop ringing for them, and
    /// the number is held for the configured quarantine (`CHORUS_LINE_QUARANTINE_DAYS`,
    /// default 90 days) before `assignLine` or `createLine` may give it to anyone. User
    /// errors: NOT_FOUND, RULE_VIOLATION (shared or critical line: `LINE_NOT_PERSONAL`; no
    /// owner: `LINE_NOT_ASSIGNED`).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn release_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The personal line to release.")] input: ReleaseLineInput,
    ) -> ApiResult<ReleaseLinePayload> {
        let days = ctx
            .data_opt::<LineSettings>()
            .map(|s| s.quarantine)
            .unwrap_or_default();
        let id = decode(NodeType::Line, &input.line_id).ok();
        let outcome = lines::release(ctx_db(ctx)?, ctx_principal(ctx)?, id, days).await?;
        Ok(outcome.map(Line).into())
    }
}

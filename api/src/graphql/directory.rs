//! The directory area: units, people, lines and devices, and `me`.

use async_graphql::{ComplexObject, Context, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{device, line, person, unit};

use uuid::Uuid;

use super::{
    ctx_db, ctx_loaders, ctx_principal,
    enums::{
        DeviceKind, DeviceStatus, DiallingPermission, DirectoryStatus, LineKind, Platform,
        TeamsTenant, UnitKind,
    },
    errors::{ApiError, ApiResult, payload},
    node::{NodeType, encode},
    pagination::{Page, connection},
};
use crate::{
    auth::{Principal, Role, RoleGuard},
    domain::{
        directory::{self as rules, Entry, Reach},
        search as search_rules,
    },
    services::{directory, people, units},
};

/// A college, department, UAS division or other unit of the University.
#[derive(Clone, Debug)]
pub struct Unit(pub unit::Model);

connection!(UnitConnection, UnitEdge, Unit, "units");

/// A college, department, UAS division or other unit of the University.
#[Object]
impl Unit {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Unit, self.0.id)
    }

    /// Short code, e.g. `BALL` or `OUEM`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// College, department, UAS division or other.
    async fn kind(&self) -> UnitKind {
        self.0.kind.into()
    }

    /// The Teams instance the unit is on.
    async fn teams_tenant(&self) -> TeamsTenant {
        self.0.teams_tenant.into()
    }

    /// False for units on a separate Teams instance, whose lines cannot move to Teams.
    async fn lines_can_move_to_teams(&self) -> bool {
        self.0.teams_tenant == entity::enums::TeamsTenant::Main
    }

    /// The unit this one belongs to (a department's division, say); null for a top unit.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Unit>> {
        let Some(parent_id) = self.0.parent_id else {
            return Ok(None);
        };
        let found = ctx_loaders(ctx)?
            .units
            .load_one(parent_id)
            .await
            .map_err(ApiError::internal)?;
        Ok(found.map(Unit))
    }

    /// The units directly below this one, ordered by name; empty when there are none.
    async fn children(&self, ctx: &Context<'_>) -> ApiResult<Vec<Unit>> {
        let children = units::children(ctx_db(ctx)?, self.0.id)
            .await
            .map_err(ApiError::from)?;
        Ok(children.into_iter().map(Unit).collect())
    }
}

/// A person in the University directory.
///
/// Built only through [`Person::reached`] (the visibility rule of `domain::directory`, for
/// every path that leads to a person) or [`Person::entitled`] (the caller themselves, or the
/// subject of a change the caller was allowed to make), so no resolver can hand out a person
/// without deciding which.
#[derive(Clone, Debug)]
pub struct Person(person::Model);

connection!(PersonConnection, PersonEdge, Person, "people");

impl Person {
    /// `model` as `principal` reached it: None when the visibility rule hides the person.
    pub fn reached(principal: &Principal, model: person::Model, reach: Reach) -> Option<Self> {
        let person = Self(model);
        rules::can_see_via(principal, person.entry_for_rules(), reach).then_some(person)
    }

    /// A person the operation itself entitles the caller to: the caller (`me`), or the subject
    /// of a change the caller was allowed to make.
    pub fn entitled(model: person::Model) -> Self {
        Self(model)
    }

    pub fn model(&self) -> &person::Model {
        &self.0
    }

    pub(crate) fn entry_for_rules(&self) -> Entry {
        Entry {
            person_id: self.0.id,
            unit_id: self.0.unit_id,
            ex_directory: self.0.directory_status == entity::enums::DirectoryStatus::ExDirectory,
        }
    }

    fn private_visible(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        Ok(rules::can_see_private(
            ctx_principal(ctx)?,
            self.entry_for_rules(),
        ))
    }

    /// The person's devices, or None when the caller may not see them.
    async fn visible_devices(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Device>>> {
        if !self.private_visible(ctx)? {
            return Ok(None);
        }
        let devices = ctx_loaders(ctx)?
            .devices_by_owner
            .load_one(self.0.id)
            .await
            .map_err(ApiError::internal)?;
        Ok(Some(
            devices
                .unwrap_or_default()
                .into_iter()
                .map(Device)
                .collect(),
        ))
    }
}

/// A person in the University directory.
#[Object]
impl Person {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Person, self.0.id)
    }

    /// SSO username, e.g. `abcd1234`.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// Name as shown in the directory.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// University email address.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Job title; null when none is recorded.
    async fn job_title(&self) -> Option<&str> {
        self.0.job_title.as_deref()
    }

    /// The person's key in the HR or identity system (an employee number, an Entra object
    /// id). Null when none is recorded, or unless the caller is an admin or a coordinator of
    /// the person's unit.
    async fn external_id(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        let principal = ctx_principal(ctx)?;
        Ok(
            crate::domain::provisioning::can_see_external_id(principal, self.0.unit_id)
                .then_some(self.0.external_id.as_deref())
                .flatten(),
        )
    }

    /// Listed or ex-directory.
    async fn directory_status(&self) -> DirectoryStatus {
        self.0.directory_status.into()
    }

    /// The platform the person's calls are on: Chorus or Teams, never both.
    async fn platform(&self) -> Platform {
        self.0.platform.into()
    }

    /// The unit the person belongs to.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Unit> {
        let found = ctx_loaders(ctx)?
            .units
            .load_one(self.0.unit_id)
            .await
            .map_err(ApiError::internal)?;
        found
            .map(Unit)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unit of person missing")).into())
    }

    /// The person's own lines (personal lines they own), ordered by extension.
    async fn lines(&self, ctx: &Context<'_>) -> ApiResult<Vec<Line>> {
        let loaders = ctx_loaders(ctx)?;
        let lines = match loaders.page_lines.get(self.0.id) {
            Some(read) => read,
            None => loaders
                .lines_by_owner
                .load_one(self.0.id)
                .await
                .map_err(ApiError::internal)?
                .unwrap_or_default(),
        };
        Ok(lines.into_iter().map(Line).collect())
    }

    /// The move to Telephony over Teams as it concerns this person: the MS Teams column's
    /// answer, their tranche and move date, what changes, their countdown e-mails. Null unless
    /// the caller is the person, an admin, or a coordinator of the person's unit.
    async fn cutover(&self, ctx: &Context<'_>) -> ApiResult<Option<super::cutover::PersonCutover>> {
        super::cutover::person_cutover(ctx, &self.0).await
    }

    /// The person's devices. Null unless the caller is the person, an admin, or a coordinator
    /// of the person's unit.
    async fn devices(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Device>>> {
        self.visible_devices(ctx).await
    }

    /// The device the person chose to ring (Chorus web portal's "preferred device"); null when
    /// none was chosen, or unless the caller is the person, an admin, or their coordinator.
    async fn preferred_device(&self, ctx: &Context<'_>) -> ApiResult<Option<Device>> {
        let Some(devices) = self.visible_devices(ctx).await? else {
            return Ok(None);
        };
        Ok(self
            .0
            .preferred_device_id
            .and_then(|id| devices.into_iter().find(|d| d.0.id == id)))
    }

    /// The device that actually rings now: on Teams the Teams client; on Chorus the preferred
    /// device while it is active, else the desk phone, else the most recently used active
    /// device. Null when nothing can ring, or unless the caller may see the person's devices.
    async fn effective_preferred_device(&self, ctx: &Context<'_>) -> ApiResult<Option<Device>> {
        let Some(devices) = self.visible_devices(ctx).await? else {
            return Ok(None);
        };
        let facts: Vec<_> = devices
            .iter()
            .map(|d| crate::services::people::facts(&d.0))
            .collect();
        let chosen = crate::domain::devices::effective_preferred(
            self.0.platform,
            self.0.preferred_device_id,
            &facts,
        );
        Ok(chosen.and_then(|id| devices.into_iter().find(|d| d.0.id == id)))
    }

    /// Roles the person holds (always includes USER), and the units they coordinate. Null
    /// unless the caller is the person, an admin, or a coordinator of the person's unit.
    async fn roles(&self, ctx: &Context<'_>) -> ApiResult<Option<PersonRoles>> {
        if !self.private_visible(ctx)? {
            return Ok(None);
        }
        let grants = ctx_loaders(ctx)?
            .grants_by_person
            .load_one(self.0.id)
            .await
            .map_err(ApiError::internal)?;
        let mut roles = vec![Role::User];
        let mut unit_ids = Vec::new();
        for g in grants.unwrap_or_default() {
            let role = match g.role {
                entity::enums::GrantedRole::Admin => Role::Admin,
                entity::enums::GrantedRole::Coordinator => Role::Coordinator,
            };
            if !roles.contains(&role) {
                roles.push(role);
            }
            unit_ids.extend(g.unit_id);
        }
        roles.sort();
        Ok(Some(PersonRoles {
            roles: roles.into_iter().map(Into::into).collect(),
            unit_ids,
        }))
    }
}

/// A person's roles.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PersonRoles {
    /// Every role held; USER is always there.
    pub roles: Vec<super::enums::Role>,
    #[graphql(skip)]
    pub unit_ids: Vec<Uuid>,
}

#[ComplexObject]
impl PersonRoles {
    /// Units the person coordinates (empty unless COORDINATOR).
    async fn coordinated_units(&self, ctx: &Context<'_>) -> ApiResult<Vec<Unit>> {
        let map = ctx_loaders(ctx)?
            .units
            .load_many(self.unit_ids.iter().copied())
            .await
            .map_err(ApiError::internal)?;
        let mut units: Vec<Unit> = map.into_values().map(Unit).collect();
        units.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        Ok(units)
    }
}

/// A telephone number with its internal extension.
#[derive(Clone, Debug)]
pub struct Line(pub line::Model);

/// A telephone number with its internal extension.
#[Object]
impl Line {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Line, self.0.id)
    }

    /// The full number in E.164 form, e.g. `+441865270000`.
    async fn number(&self) -> &str {
        &self.0.e164
    }

    /// The internal extension dialled inside the University, e.g. `70000`.
    async fn extension(&self) -> &str {
        &self.0.extension
    }

    /// Personal, shared or critical.
    async fn kind(&self) -> LineKind {
        self.0.kind.into()
    }

    /// A label for shared and critical lines, e.g. "Porters' lodge"; null when none.
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }

    /// How far the line may dial.
    async fn dialling_permission(&self) -> DiallingPermission {
        self.0.dialling_permission.into()
    }

    /// Bumped by every change; pass it as `expectedVersion` to `updateLine`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Until when a released line is held before its number may be given to anyone; null
    /// when it is not held. Shown to admins and coordinators of the line's unit (null for
    /// everyone else).
    async fn quarantined_until(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        super::lines::quarantined_until(ctx, &self.0)
    }
}

/// A device that rings for a line: desk phone, softphone, mobile app or Teams client.
#[derive(Clone, Debug)]
pub struct Device(pub device::Model);

/// A device that rings for a line: desk phone, softphone, mobile app or Teams client.
#[Object]
impl Device {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Device, self.0.id)
    }

    /// Desk phone, softphone, mobile app or Teams client.
    async fn kind(&self) -> DeviceKind {
        self.0.kind.into()
    }

    /// A label the owner recognises, e.g. "Office phone".
    async fn label(&self) -> &str {
        &self.0.label
    }

    /// The hardware or software model, e.g. "OpenScape Desk Phone CP400"; null when unknown.
    async fn model(&self) -> Option<&str> {
        self.0.model.as_deref()
    }

    /// Active or disabled.
    async fn status(&self) -> DeviceStatus {
        self.0.status.into()
    }

    /// When the device last made or took a call; null when never seen.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }

    /// The line the device rings for; null when it has none.
    async fn line(&self, ctx: &Context<'_>) -> ApiResult<Option<Line>> {
        let Some(line_id) = self.0.line_id else {
            return Ok(None);
        };
        let found = ctx_loaders(ctx)?
            .lines
            .load_one(line_id)
            .await
            .map_err(ApiError::internal)?;
        Ok(found.map(Line))
    }
}

/// Queries of the directory area.
#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// The caller as a directory entry, with unit, lines, devices and roles. Null for service
    /// accounts, which are not people.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let principal = ctx_principal(ctx)?;
        let Some(person_id) = principal.person_id else {
            return Ok(None);
        };
        let person = ctx_loaders(ctx)?
            .people
            .load_one(person_id)
            .await
            .map_err(ApiError::internal)?;
        Ok(person.map(Person))
    }

    /// Searches the directory. `search` matches the start of any word of a name, a username,
    /// an extension or a number (any spelling: `+44 1865 270000`, `01865 270000`, `70000`),
    /// case- and accent-insensitively ("said" finds "Saïd"); several words must all match.
    /// Results come best match first (an identifier typed in full, a whole name word, then
    /// prefixes), then by name. Without `search`, everyone (of `unitId`) by name.
    /// Ex-directory people appear only to admins, coordinators of their unit, and themselves.
    async fn directory(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words to match (at most 100 characters).")] search: Option<String>,
        #[graphql(desc = "Only people of this unit.")] unit_id: Option<async_graphql::ID>,
        #[graphql(desc = "Page size from the start (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to end before.")] before: Option<String>,
    ) -> ApiResult<PersonConnection> {
        let principal = ctx_principal(ctx)?;
        let page = Page::<directory::SearchKey>::new(first, after, last, before)?;
        let words = match search.as_deref() {
            Some(s) => search_rules::parse_query(s).map_err(ApiError::BadUserInput)?,
            None => Vec::new(),
        };
        let unit_id = unit_id
            .map(|id| super::node::decode(NodeType::Unit, &id))
            .transpose()?;
        // The SQL form of `rules::can_see`: the whole directory for admins and the scope.
        let visibility = if principal.is_admin() || principal.has_scope(rules::EX_DIRECTORY_SCOPE) {
            directory::Visibility::All
        } else {
            directory::Visibility::ListedPlus {
                me: principal.person_id,
                units: principal.units.iter().copied().collect(),
            }
        };
        let spec = directory::SearchSpec {
            words,
            unit_id,
            visibility,
        };
        let db = ctx_db(ctx)?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            Some(directory::count(db, &spec).await.map_err(ApiError::from)?)
        } else {
            None
        };
        let look_ahead = ctx.look_ahead();
        let with_lines = look_ahead
            .field("edges")
            .field("node")
            .field("lines")
            .exists()
            || look_ahead.field("nodes").field("lines").exists();
        let mut hits = directory::page(
            db,
            &spec,
            page.after.as_ref(),
            page.before.as_ref(),
            page.backward,
            page.fetch_limit(),
            with_lines,
        )
        .await
        .map_err(ApiError::from)?;
        // The page came with its people's units and lines: `unit` and `lines` need no query
        // of their own.
        let loaders = ctx_loaders(ctx)?;
        loaders
            .units
            .feed_many(hits.iter().map(|h| (h.unit.id, h.unit.clone())))
            .await;
        loaders.page_lines.feed(
            hits.iter_mut()
                .filter_map(|h| Some((h.person.id, h.lines.take()?))),
        );
        Ok(page
            .finish(hits, directory::Hit::key, |h| Person(h.person), total)
            .into())
    }

    /// A person by SSO username or by their key in the HR or identity system: exactly one of
    /// the two (BAD_USER_INPUT otherwise). Null when there is none or the caller may not see
    /// them; by `externalId` only admins and coordinators of the person's unit find anyone.
    async fn person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "SSO username.")] username: Option<String>,
        #[graphql(
            desc = "The person's key in the HR or identity system (admins and coordinators)."
        )]
        external_id: Option<String>,
    ) -> ApiResult<Option<Person>> {
        let principal = ctx_principal(ctx)?;
        let db = ctx_db(ctx)?;
        let found = match (username, external_id) {
            (Some(username), None) => people::visible_by_username(db, principal, &username).await,
            (None, Some(key)) => people::visible_by_external_id(db, principal, &key).await,
            _ => {
                return Err(ApiError::BadUserInput(
                    "give exactly one of username and externalId".into(),
                )
                .into());
            }
        };
        Ok(found.map_err(ApiError::from)?.map(Person))
    }

    /// Units of the University ordered by name. `search` matches the start of the name or the
    /// code, case-insensitively.
    async fn units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Prefix of the unit's name or code.")] search: Option<String>,
        #[graphql(desc = "Only units of this kind.")] kind: Option<UnitKind>,
        #[graphql(desc = "Page size from the start (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to end before.")] before: Option<String>,
    ) -> ApiResult<UnitConnection> {
        ctx_principal(ctx)?;
        let page = Page::<(String, Uuid)>::new(first, after, last, before)?;
        let filter = units::UnitFilter::new(search.as_deref(), kind.map(Into::into))?;
        let db = ctx_db(ctx)?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            Some(units::count(db, &filter).await.map_err(ApiError::from)?)
        } else {
            None
        };
        let rows = units::page(
            db,
            &filter,
            page.after.as_ref(),
            page.before.as_ref(),
            page.backward,
            page.fetch_limit(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(page
            .finish(rows, |u| (u.name.clone(), u.id), Unit, total)
            .into())
    }
}

/// Input of `updateUnit`. Omitted fields are left as they are.
#[derive(InputObject)]
pub struct UpdateUnitInput {
    /// The unit to change.
    pub id: async_graphql::ID,
    /// New code, unique (1–16 letters, digits, `-` or `_`; stored in capitals).
    pub code: Option<String>,
    /// New full name (1–200 characters).
    pub name: Option<String>,
    /// New kind of unit.
    pub kind: Option<UnitKind>,
    /// New Teams instance.
    pub teams_tenant: Option<TeamsTenant>,
    /// The unit it now belongs to; null makes it a top unit. Neither the unit itself nor one
    /// of the units below it.
    pub parent_id: MaybeUndefined<async_graphql::ID>,
}

payload!(UpdateUnitPayload, unit: Unit, "Result of `updateUnit`.");

/// Input of `createUnit`.
#[derive(InputObject)]
pub struct CreateUnitInput {
    /// The unit's code, unique (1–16 letters, digits, `-` or `_`; stored in capitals), e.g. `BALL`.
    pub code: String,
    /// Full name (1–200 characters).
    pub name: String,
    /// What kind of unit it is.
    pub kind: UnitKind,
    /// Its Teams instance (default MAIN).
    #[graphql(default_with = "TeamsTenant::Main")]
    pub teams_tenant: TeamsTenant,
    /// The unit it belongs to; omitted or null for a top unit.
    pub parent_id: Option<async_graphql::ID>,
}

payload!(CreateUnitPayload, unit: Unit, "Result of `createUnit`.");

/// Mutations of the directory area.
#[derive(Default)]
pub struct DirectoryMutation;

#[Object]
impl DirectoryMutation {
    /// Adds a unit of the University (ADMIN), at the top or below a parent unit. User errors:
    /// INVALID for a malformed code (`INVALID_UNIT_CODE`) or name (`INVALID_NAME`), DUPLICATE
    /// for a code in use, NOT_FOUND for an unknown parent.
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn create_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit's code, name, kind, Teams instance and parent.")]
        input: CreateUnitInput,
    ) -> ApiResult<CreateUnitPayload> {
        let new = units::NewUnit {
            code: input.code,
            name: input.name,
            kind: input.kind.into(),
            teams_tenant: input.teams_tenant.into(),
            parent_id: input
                .parent_id
                .map(|id| super::node::decode(NodeType::Unit, &id).ok()),
        };
        let outcome = units::create(ctx_db(ctx)?, ctx_principal(ctx)?, new).await?;
        Ok(outcome.map(Unit).into())
    }

    /// Changes a unit's code, name, kind, Teams instance or parent (ADMIN). User errors:
    /// NOT_FOUND for an unknown unit or parent, INVALID for a malformed code
    /// (`INVALID_UNIT_CODE`) or name (`INVALID_NAME`), DUPLICATE for a code in use,
    /// RULE_VIOLATION (`UNIT_CYCLE`) for a parent that is the unit itself or one below it.
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn update_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The unit and what to change: its code, name, kind, Teams instance, parent."
        )]
        input: UpdateUnitInput,
    ) -> ApiResult<UpdateUnitPayload> {
        let changes = units::UnitChanges {
            code: input.code,
            name: input.name,
            kind: input.kind.map(Into::into),
            teams_tenant: input.teams_tenant.map(Into::into),
            parent_id: match input.parent_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(id) => {
                    Some(Some(super::node::decode(NodeType::Unit, &id).ok()))
                }
            },
        };
        let id = super::node::decode(NodeType::Unit, &input.id).ok();
        let outcome = units::update(ctx_db(ctx)?, ctx_principal(ctx)?, id, changes).await?;
        Ok(outcome.map(Unit).into())
    }
}

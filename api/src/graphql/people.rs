//! Mutations on people, lines and devices (the Phoneman side of the portal). Thin adapters:
//! decode IDs, call `services::people`, wrap the outcome in a payload.

use async_graphql::{Context, InputObject, MaybeUndefined, Object};

use super::{
    ctx_db, ctx_principal,
    directory::{Device, Line, Person},
    enums::{DeviceKind, DeviceStatus, DiallingPermission, DirectoryStatus, GrantedRole},
    errors::{ApiResult, UserError, UserErrorCode, payload},
    node::{NodeType, decode},
};
use crate::{
    auth::{Role, RoleGuard},
    domain::email::EmailAddress,
    services::{
        people::{self, NewDevice, NewPerson, PersonChanges},
        roles,
    },
};

payload!(CreatePersonPayload, person: Person, "Result of `createPerson`.");
payload!(UpdatePersonPayload, person: Person, "Result of `updatePerson`.");
payload!(RolePayload, person: Person, "Result of `grantRole` and `revokeRole`: the person with the roles they now hold.");
payload!(SetDirectoryStatusPayload, person: Person, "Result of `setDirectoryStatus`.");
payload!(AssignLinePayload, line: Line, "Result of `assignLine`.");
payload!(SetDiallingPermissionPayload, line: Line, "Result of `setDiallingPermission`.");
payload!(RegisterDevicePayload, device: Device, "Result of `registerDevice`.");
payload!(SetDeviceStatusPayload, device: Device, "Result of `setDeviceStatus`.");
payload!(RetireDevicePayload, device: Device, "Result of `retireDevice`.");
payload!(SetPreferredDevicePayload, person: Person, "Result of `setPreferredDevice`; `person.effectivePreferredDevice` shows what now rings.");

/// Decodes an ID of the given type, or answers with a NOT_FOUND user error on that field.
fn id_of(
    ty: NodeType,
    id: &async_graphql::ID,
    field: &'static str,
) -> Result<uuid::Uuid, UserError> {
    decode(ty, id).map_err(|_| {
        UserError::new(
            &["input", field],
            UserErrorCode::NotFound,
            format!("no such {}", ty.name().to_lowercase()),
        )
    })
}

macro_rules! decode_or_refuse {
    ($ty:expr, $id:expr, $field:literal, $payload:ty) => {
        match id_of($ty, $id, $field) {
            Ok(id) => id,
            Err(e) => return Ok(<$payload>::from(Err(e))),
        }
    };
}

/// Input of `createPerson`.
#[derive(InputObject)]
pub struct CreatePersonInput {
    /// SSO username as the identity provider sends it (1–254 characters, no spaces), unique.
    pub username: String,
    /// Name as shown in the directory (1–200 characters).
    pub display_name: String,
    /// E-mail address, e.g. `a.b@example.ac.uk`, unique (in any case).
    pub email: String,
    /// The person's unit (coordinators: one of theirs).
    pub unit_id: async_graphql::ID,
    /// Job title (at most 200 characters).
    pub job_title: Option<String>,
    /// Listed or ex-directory (default LISTED).
    #[graphql(default_with = "DirectoryStatus::Listed")]
    pub directory_status: DirectoryStatus,
    /// The person's key in the HR or identity system, e.g. an employee number or an Entra
    /// object id (1–100 characters, no control characters), unique.
    pub external_id: Option<String>,
}

/// Input of `grantRole` and `revokeRole`.
#[derive(InputObject)]
pub struct RoleInput {
    /// The person.
    pub person_id: async_graphql::ID,
    /// ADMIN, or COORDINATOR of `unitId`.
    pub role: GrantedRole,
    /// The unit a COORDINATOR coordinates; must be left out for ADMIN.
    pub unit_id: Option<async_graphql::ID>,
}

impl RoleInput {
    fn grant(&self) -> roles::Grant {
        roles::Grant {
            person_id: decode(NodeType::Person, &self.person_id).ok(),
            role: self.role.into(),
            unit_id: self
                .unit_id
                .as_ref()
                .map(|id| decode(NodeType::Unit, id).ok()),
        }
    }
}

/// Input of `updatePerson`: an omitted field stays as it is; `jobTitle: null` clears it.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    /// The person to change.
    pub person_id: async_graphql::ID,
    /// New display name (1–200 characters).
    pub display_name: Option<String>,
    /// New e-mail address, e.g. `a.b@example.ac.uk`: INVALID when malformed, DUPLICATE when
    /// another person has it (in any case).
    pub email: Option<String>,
    /// New job title; null clears it.
    pub job_title: MaybeUndefined<String>,
    /// New key in the HR or identity system (1–100 characters, no control characters),
    /// unique; null clears it.
    pub external_id: MaybeUndefined<String>,
}

/// Input of `setDirectoryStatus`.
#[derive(InputObject)]
pub struct SetDirectoryStatusInput {
    /// The person (yourself, or someone in your units for coordinators).
    pub person_id: async_graphql::ID,
    /// Listed or ex-directory.
    pub status: DirectoryStatus,
}

/// Input of `assignLine`.
#[derive(InputObject)]
pub struct AssignLineInput {
    /// A personal line.
    pub line_id: async_graphql::ID,
    /// The new owner; null takes the line back from its owner.
    pub person_id: Option<async_graphql::ID>,
}

/// Input of `setDiallingPermission`.
#[derive(InputObject)]
pub struct SetDiallingPermissionInput {
    /// The line.
    pub line_id: async_graphql::ID,
    /// How far it may dial.
    pub permission: DiallingPermission,
}

/// Input of `registerDevice`.
#[derive(InputObject)]
pub struct RegisterDeviceInput {
    /// The owner.
    pub person_id: async_graphql::ID,
    /// Kind of device; it must work on the owner's platform.
    pub kind: DeviceKind,
    /// A label the owner recognises (1–100 characters).
    pub label: String,
    /// Hardware or software model.
    pub model: Option<String>,
    /// One of the owner's lines for the device to ring for.
    pub line_id: Option<async_graphql::ID>,
}

/// Input of `setDeviceStatus`.
#[derive(InputObject)]
pub struct SetDeviceStatusInput {
    /// The device.
    pub device_id: async_graphql::ID,
    /// ACTIVE to enable, DISABLED to disable.
    pub status: DeviceStatus,
}

/// Input of `retireDevice`.
#[derive(InputObject)]
pub struct RetireDeviceInput {
    /// The device leaving service for good.
    pub device_id: async_graphql::ID,
}

/// Input of `setPreferredDevice`.
#[derive(InputObject)]
pub struct SetPreferredDeviceInput {
    /// One of the caller's own active devices (admins: anyone's).
    pub device_id: async_graphql::ID,
}

/// Mutations on people, lines and devices.
#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    /// Adds a person to the directory, on Chorus (admins anywhere, coordinators in their
    /// units). Lines and devices are given separately. User errors: NOT_FOUND (unit),
    /// NOT_ALLOWED (another unit), INVALID (username, name, e-mail, job title, external id),
    /// DUPLICATE (a username, e-mail address or external id another person has).
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new person's username, name, e-mail address and unit.")]
        input: CreatePersonInput,
    ) -> ApiResult<CreatePersonPayload> {
        let new = NewPerson {
            username: input.username,
            display_name: input.display_name,
            email: input.email,
            unit_id: decode(NodeType::Unit, &input.unit_id).ok(),
            job_title: input.job_title,
            ex_directory: input.directory_status == DirectoryStatus::ExDirectory,
            external_id: input.external_id,
        };
        let outcome = people::create_person(ctx_db(ctx)?, ctx_principal(ctx)?, new).await?;
        Ok(outcome.map(Person::entitled).into())
    }

    /// Grants ADMIN, or COORDINATOR of a unit (ADMIN). Granting a role the person holds
    /// changes nothing. It takes effect in their next token. User errors: NOT_FOUND (person,
    /// unit), INVALID (`GRANT_UNIT_MISMATCH`: a coordinator needs a unit, an admin takes none).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person, the role and for a coordinator the unit.")] input: RoleInput,
    ) -> ApiResult<RolePayload> {
        let outcome = roles::grant(ctx_db(ctx)?, ctx_principal(ctx)?, input.grant()).await?;
        Ok(outcome.map(|g| Person::entitled(g.person)).into())
    }

    /// Revokes ADMIN, or COORDINATOR of a unit (ADMIN). Revoking a role the person does not
    /// hold changes nothing. User errors: NOT_FOUND, INVALID (`GRANT_UNIT_MISMATCH`),
    /// RULE_VIOLATION (`LAST_ADMIN`: the installation keeps one administrator).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person, the role and for a coordinator the unit.")] input: RoleInput,
    ) -> ApiResult<RolePayload> {
        let outcome = roles::revoke(ctx_db(ctx)?, ctx_principal(ctx)?, input.grant()).await?;
        Ok(outcome.map(|g| Person::entitled(g.person)).into())
    }

    /// Edits a directory entry (coordinators of the person's unit, admins). User errors:
    /// NOT_FOUND, NOT_ALLOWED, INVALID (name, email, job title, external id), DUPLICATE (an
    /// e-mail address or external id another person has), CONFLICT (changed meanwhile).
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person and the directory fields to change.")]
        input: UpdatePersonInput,
    ) -> ApiResult<UpdatePersonPayload> {
        let id = decode_or_refuse!(
            NodeType::Person,
            &input.person_id,
            "personId",
            UpdatePersonPayload
        );
        let email = match input.email.as_deref().map(EmailAddress::parse).transpose() {
            Ok(email) => email,
            Err(e) => {
                return Ok(UpdatePersonPayload::from(Err(UserError::new(
                    &["input", "email"],
                    UserErrorCode::Invalid,
                    e.to_string(),
                ))));
            }
        };
        let changes = PersonChanges {
            display_name: input.display_name,
            email,
            job_title: match input.job_title {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
            external_id: match input.external_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
        };
        let outcome = people::update_person(ctx_db(ctx)?, ctx_principal(ctx)?, id, changes).await?;
        Ok(outcome.map(Person::entitled).into())
    }

    /// Lists or hides a person in the directory: anyone for themselves, coordinators for
    /// their units, admins for all. User errors: NOT_FOUND, NOT_ALLOWED.
    async fn set_directory_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person and whether they are listed or ex-directory.")]
        input: SetDirectoryStatusInput,
    ) -> ApiResult<SetDirectoryStatusPayload> {
        let id = decode_or_refuse!(
            NodeType::Person,
            &input.person_id,
            "personId",
            SetDirectoryStatusPayload
        );
        let outcome = people::set_directory_status(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            id,
            input.status.into(),
        )
        .await?;
        Ok(outcome.map(Person::entitled).into())
    }

    /// Assigns a personal line to a person, or takes it back (coordinators of the line's and
    /// the person's units, admins). Devices on the line stop ringing for the old owner. User
    /// errors: NOT_FOUND, NOT_ALLOWED, RULE_VIOLATION (shared or critical line).
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn assign_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The personal line and its new owner (none takes it back).")]
        input: AssignLineInput,
    ) -> ApiResult<AssignLinePayload> {
        let line_id =
            decode_or_refuse!(NodeType::Line, &input.line_id, "lineId", AssignLinePayload);
        let owner = match &input.person_id {
            None => None,
            Some(id) => Some(decode_or_refuse!(
                NodeType::Person,
                id,
                "personId",
                AssignLinePayload
            )),
        };
        let outcome =
            people::assign_line(ctx_db(ctx)?, ctx_principal(ctx)?, line_id, owner).await?;
        Ok(outcome.map(Line).into())
    }

    /// Sets how far a line may dial (coordinators of the line's unit, admins). User errors:
    /// NOT_FOUND, NOT_ALLOWED.
    #[graphql(guard = "RoleGuard::any(&[Role::Coordinator, Role::Admin])")]
    async fn set_dialling_permission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The line and how far it may dial.")] input: SetDiallingPermissionInput,
    ) -> ApiResult<SetDiallingPermissionPayload> {
        let line_id = decode_or_refuse!(
            NodeType::Line,
            &input.line_id,
            "lineId",
            SetDiallingPermissionPayload
        );
        let outcome = people::set_dialling_permission(
            ctx_db(ctx)?,
            ctx_principal(ctx)?,
            line_id,
            input.permission.into(),
        )
        .await?;
        Ok(outcome.map(Line).into())
    }

    /// Registers a device for a person (ADMIN). User errors: NOT_FOUND, INVALID (label, a line
    /// that is not the person's), RULE_VIOLATION (a Chorus device for someone on Teams, a Teams
    /// client for someone on Chorus).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn register_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The owner, the kind of device, its label, model and line.")]
        input: RegisterDeviceInput,
    ) -> ApiResult<RegisterDevicePayload> {
        let owner_id = decode_or_refuse!(
            NodeType::Person,
            &input.person_id,
            "personId",
            RegisterDevicePayload
        );
        let line_id = match &input.line_id {
            None => None,
            Some(id) => Some(decode_or_refuse!(
                NodeType::Line,
                id,
                "lineId",
                RegisterDevicePayload
            )),
        };
        let new = NewDevice {
            owner_id,
            kind: input.kind.into(),
            label: input.label,
            model: input.model,
            line_id,
        };
        let outcome = people::register_device(ctx_db(ctx)?, ctx_principal(ctx)?, new).await?;
        Ok(outcome.map(Device).into())
    }

    /// Disables a device or enables it again (ADMIN). A device that does not work on its
    /// owner's platform cannot be enabled, nor a retired one (RULE_VIOLATION); RETIRED is set
    /// with `retireDevice` (INVALID here). User errors: NOT_FOUND.
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn set_device_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The device and whether it is active or disabled.")]
        input: SetDeviceStatusInput,
    ) -> ApiResult<SetDeviceStatusPayload> {
        let id = decode_or_refuse!(
            NodeType::Device,
            &input.device_id,
            "deviceId",
            SetDeviceStatusPayload
        );
        let outcome =
            people::set_device_status(ctx_db(ctx)?, ctx_principal(ctx)?, id, input.status.into())
                .await?;
        Ok(outcome.map(Device).into())
    }

    /// Takes a device out of service for good (ADMIN): it becomes RETIRED, stops ringing for
    /// its line and is no longer anyone's preferred device; it stays in the call history and
    /// cannot be enabled again. Retiring a retired device changes nothing. User errors:
    /// NOT_FOUND, CONFLICT (changed meanwhile).
    #[graphql(guard = "RoleGuard::new(Role::Admin)")]
    async fn retire_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The device to retire.")] input: RetireDeviceInput,
    ) -> ApiResult<RetireDevicePayload> {
        let id = decode_or_refuse!(
            NodeType::Device,
            &input.device_id,
            "deviceId",
            RetireDevicePayload
        );
        let outcome = people::retire_device(ctx_db(ctx)?, ctx_principal(ctx)?, id).await?;
        Ok(outcome.map(Device).into())
    }

    /// Sets the caller's preferred device: one of their own active devices that works on their
    /// platform (on Teams, the Teams client). Admins may set anyone's. User errors: NOT_FOUND
    /// (including another person's device), RULE_VIOLATION (disabled, wrong platform).
    async fn set_preferred_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The device to prefer: one of the caller's own (admins: anyone's).")]
        input: SetPreferredDeviceInput,
    ) -> ApiResult<SetPreferredDevicePayload> {
        let id = decode_or_refuse!(
            NodeType::Device,
            &input.device_id,
            "deviceId",
            SetPreferredDevicePayload
        );
        let outcome = people::set_preferred_device(ctx_db(ctx)?, ctx_principal(ctx)?, id).await?;
        Ok(outcome.map(Person::entitled).into())
    }
}

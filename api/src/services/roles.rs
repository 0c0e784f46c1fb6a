//! Role grants: ADMIN (everything) and COORDINATOR of a unit, granted and revoked by
//! administrators, and the first administrator of an empty installation (`chorus admin add`).
//! A grant takes effect in the next token the person gets; the installation always keeps one
//! administrator.

use chrono::Utc;
use entity::{enums::GrantedRole, person, role_grant, unit};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{email::EmailAddress, provisioning as rules},
    error::{Outcome, UserError, UserErrorCode, try_refuse},
    services::{
        audit::{self, Subject, SubjectKind},
        people::{PersonRow, insert_person},
    },
};

/// Which grant: the person, the role, and for a coordinator the unit.
#[derive(Clone, Copy, Debug)]
pub struct Grant {
    /// None when the input named nobody of ours (NOT_FOUND).
    pub person_id: Option<Uuid>,
    pub role: GrantedRole,
    /// The coordinated unit; `Some(None)` when the input named a unit that is not ours.
    pub unit_id: Option<Option<Uuid>>,
}

/// What a grant or revocation left: the person and every grant they now hold.
#[derive(Clone, Debug)]
pub struct Granted {
    pub person: person::Model,
    pub grants: Vec<role_grant::Model>,
}

/// Grants a role (the caller is an admin: the resolver's guard). Granting what the person
/// already holds changes nothing and records nothing.
pub async fn grant(
    db: &DatabaseConnection,
    principal: &Principal,
    grant: Grant,
) -> Outcome<Granted> {
    let txn = crate::db::begin_write(db).await?;
    let (person, unit) = try_refuse!(load(&txn, grant).await?);
    if find(&txn, person.id, grant.role, unit).await?.is_none() {
        let row = role_grant::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(person.id),
            role: Set(grant.role),
            unit_id: Set(unit),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            principal,
            "role.grant",
            Subject::new(SubjectKind::Person, person.id),
            None,
            Some(audit::snapshot(&row)),
        )
        .await?;
    }
    let grants = grants_of(&txn, person.id).await?;
    txn.commit().await?;
    Ok(Ok(Granted { person, grants }))
}

/// Revokes a role (the caller is an admin). Revoking what the person does not hold changes
/// nothing; revoking the last ADMIN grant is refused (LAST_ADMIN).
pub async fn revoke(
    db: &DatabaseConnection,
    principal: &Principal,
    grant: Grant,
) -> Outcome<Granted> {
    let txn = crate::db::begin_write(db).await?;
    let (person, unit) = try_refuse!(load(&txn, grant).await?);
    if let Some(row) = find(&txn, person.id, grant.role, unit).await? {
        let admins_after = admins(&txn).await?.saturating_sub(1);
        if let Err(r) = rules::may_revoke(grant.role, admins_after) {
            return Ok(Err(UserError::refused(
                vec!["input".into(), "role".into()],
                &r,
                r.to_string(),
            )));
        }
        role_grant::Entity::delete_by_id(row.id).exec(&txn).await?;
        audit::record(
            &txn,
            principal,
            "role.revoke",
            Subject::new(SubjectKind::Person, person.id),
            Some(audit::snapshot(&row)),
            None,
        )
        .await?;
    }
    let grants = grants_of(&txn, person.id).await?;
    txn.commit().await?;
    Ok(Ok(Granted { person, grants }))
}

/// The person and the unit of a grant, checked: NOT_FOUND for an unknown person or unit,
/// INVALID when a coordinator grant names no unit or an admin grant one.
async fn load(
    txn: &DatabaseTransaction,
    grant: Grant,
) -> Result<Result<(person::Model, Option<Uuid>), UserError>, DbErr> {
    let no_such = |field: &str, what: &str| {
        UserError::new(
            &["input", field],
            UserErrorCode::NotFound,
            format!("no such {what}"),
        )
    };
    let person = match grant.person_id {
        Some(id) => person::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let Some(person) = person else {
        return Ok(Err(no_such("personId", "person")));
    };
    if let Err(r) = rules::grant_shape(grant.role, grant.unit_id.is_some()) {
        return Ok(Err(UserError::refused(
            vec!["input".into(), "unitId".into()],
            &r,
            r.to_string(),
        )));
    }
    let unit = match grant.unit_id {
        None => None,
        Some(None) => return Ok(Err(no_such("unitId", "unit"))),
        Some(Some(id)) => match unit::Entity::find_by_id(id).one(txn).await? {
            Some(u) => Some(u.id),
            None => return Ok(Err(no_such("unitId", "unit"))),
        },
    };
    Ok(Ok((person, unit)))
}

async fn find(
    txn: &DatabaseTransaction,
    person: Uuid,
    role: GrantedRole,
    unit: Option<Uuid>,
) -> Result<Option<role_grant::Model>, DbErr> {
    let query = role_grant::Entity::find()
        .filter(role_grant::Column::PersonId.eq(person))
        .filter(role_grant::Column::Role.eq(role));
    let query = match unit {
        Some(u) => query.filter(role_grant::Column::UnitId.eq(u)),
        None => query.filter(role_grant::Column::UnitId.is_null()),
    };
    query.one(txn).await
}

async fn admins(txn: &DatabaseTransaction) -> Result<usize, DbErr> {
    let n = role_grant::Entity::find()
        .filter(role_grant::Column::Role.eq(GrantedRole::Admin))
        .count(txn)
        .await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Every grant a person holds.
pub async fn grants_of(
    db: &impl sea_orm::ConnectionTrait,
    person: Uuid,
) -> Result<Vec<role_grant::Model>, DbErr> {
    role_grant::Entity::find()
        .filter(role_grant::Column::PersonId.eq(person))
        .all(db)
        .await
}

/// Unit of the first administrator when none is named and the installation has none.
pub const BOOTSTRAP_UNIT: (&str, &str) = ("TELEPHONY", "Telephone administration");

/// What `chorus admin add` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bootstrapped {
    pub person_id: Uuid,
    /// The person was created (they did not exist).
    pub created_person: bool,
    /// The ADMIN grant was added (they did not hold it).
    pub granted: bool,
}

/// Makes `username` an administrator, creating the person when absent: in `unit_code`
/// (created as an OTHER unit when missing; default [`BOOTSTRAP_UNIT`]), named `display_name`
/// (default the username), reached at `email` (default `<username>@admin.invalid`, a domain
/// that can never deliver, to be corrected with `updatePerson`). Idempotent. The events are
/// recorded as the system (`system:cli`).
pub async fn bootstrap_admin(
    db: &DatabaseConnection,
    username: &str,
    display_name: Option<&str>,
    email: Option<&str>,
    unit_code: Option<&str>,
) -> Result<Bootstrapped, String> {
    let cli = Principal::system("cli", &[]);
    let username = rules::username(username).map_err(|r| r.to_string())?;
    let fault = |e: DbErr| format!("database: {e}");
    let txn = crate::db::begin_write(db).await.map_err(fault)?;
    let existing = person::Entity::find()
        .filter(person::Column::Username.eq(username.as_str()))
        .one(&txn)
        .await
        .map_err(fault)?;
    let (person, created_person) = match existing {
        Some(p) => (p, false),
        None => {
            let display_name = rules::name(display_name.unwrap_or(&username))
                .map_err(|r| format!("--display-name: {r}"))?;
            let email = match email {
                Some(e) => EmailAddress::parse(e).map_err(|e| format!("--email: {e}"))?,
                None => EmailAddress::parse(&format!("{username}@admin.invalid"))
                    .map_err(|_| "give --email: the username makes no e-mail address".to_owned())?,
            };
            let unit = bootstrap_unit(&txn, &cli, unit_code).await?;
            let row = PersonRow {
                username: &username,
                display_name: &display_name,
                email: &email,
                unit_id: unit,
                job_title: None,
                ex_directory: false,
                external_id: None,
            };
            let created = insert_person(&txn, row).await.map_err(fault)?;
            crate::services::directory::reindex(&txn, &[created.id])
                .await
                .map_err(fault)?;
            audit::record(
                &txn,
                &cli,
                "person.create",
                Subject::new(SubjectKind::Person, created.id),
                None,
                Some(audit::snapshot(&created)),
            )
            .await
            .map_err(fault)?;
            (created, true)
        }
    };
    let granted = find(&txn, person.id, GrantedRole::Admin, None)
        .await
        .map_err(fault)?
        .is_none();
    if granted {
        let row = role_grant::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(person.id),
            role: Set(GrantedRole::Admin),
            unit_id: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(fault)?;
        audit::record(
            &txn,
            &cli,
            "role.grant",
            Subject::new(SubjectKind::Person, person.id),
            None,
            Some(audit::snapshot(&row)),
        )
        .await
        .map_err(fault)?;
    }
    txn.commit().await.map_err(fault)?;
    Ok(Bootstrapped {
        person_id: person.id,
        created_person,
        granted,
    })
}

/// The unit named by code, or the bootstrap unit; created when missing.
async fn bootstrap_unit(
    txn: &DatabaseTransaction,
    cli: &Principal,
    code: Option<&str>,
) -> Result<Uuid, String> {
    let fault = |e: DbErr| format!("database: {e}");
    let code =
        rules::unit_code(code.unwrap_or(BOOTSTRAP_UNIT.0)).map_err(|r| format!("--unit: {r}"))?;
    if let Some(u) = unit::Entity::find()
        .filter(unit::Column::Code.eq(code.as_str()))
        .one(txn)
        .await
        .map_err(fault)?
    {
        return Ok(u.id);
    }
    let name = if code == BOOTSTRAP_UNIT.0 {
        BOOTSTRAP_UNIT.1.to_owned()
    } else {
        code.clone()
    };
    let created = unit::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code),
        name: Set(name),
        kind: Set(entity::enums::UnitKind::Other),
        teams_tenant: Set(entity::enums::TeamsTenant::Main),
        created_at: Set(Utc::now()),
        parent_id: Set(None),
    }
    .insert(txn)
    .await
    .map_err(fault)?;
    audit::record(
        txn,
        cli,
        "unit.create",
        Subject::new(SubjectKind::Unit, created.id),
        None,
        Some(audit::snapshot(&created)),
    )
    .await
    .map_err(fault)?;
    Ok(created.id)
}

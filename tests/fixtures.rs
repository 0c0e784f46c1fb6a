//! Small, explicit test data: a unit, people with lines and devices, role grants.

use chrono::Utc;
use entity::{device, enums::*, line, person, role_grant, service_account, unit};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use uuid::Uuid;

/// Inserts a unit.
pub async fn unit(
    db: &DatabaseConnection,
    code: &str,
    name: &str,
    tenant: TeamsTenant,
) -> unit::Model {
    unit::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code.into()),
        name: Set(name.into()),
        kind: Set(UnitKind::College),
        teams_tenant: Set(tenant),
        created_at: Set(Utc::now()),
        parent_id: Set(None),
    }
    .insert(db)
    .await
    .expect("insert unit")
}

/// A person to insert.
pub struct NewPerson<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub unit_id: Uuid,
    pub ex_directory: bool,
}

/// Inserts a person with one personal line and a desk phone on it.
pub async fn person(
    db: &DatabaseConnection,
    p: NewPerson<'_>,
) -> (person::Model, line::Model, device::Model) {
    let now = Utc::now();
    let person = person::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(p.username.into()),
        display_name: Set(p.display_name.into()),
        search_name: Set(chorus::domain::text::fold_search_name(p.display_name)),
        email: Set(format!("{}@example.ox.ac.uk", p.username)),
        unit_id: Set(p.unit_id),
        job_title: Set(None),
        directory_status: Set(if p.ex_directory {
            DirectoryStatus::ExDirectory
        } else {
            DirectoryStatus::Listed
        }),
        platform: Set(Platform::Chorus),
        preferred_device_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(0),
        external_id: Set(None),
    }
    .insert(db)
    .await
    .expect("insert person");
    let n: u32 = rand_digits(&person.id);
    let line = line::ActiveModel {
        id: Set(Uuid::now_v7()),
        e164: Set(format!("+441865{n:06}")),
        extension: Set(format!("{:05}", n % 100_000)),
        kind: Set(LineKind::Personal),
        owner_id: Set(Some(person.id)),
        unit_id: Set(p.unit_id),
        label: Set(None),
        dialling_permission: Set(DiallingPermission::National),
        created_at: Set(now),
        version: Set(0),
        quarantined_until: Set(None),
    }
    .insert(db)
    .await
    .expect("insert line");
    let device = device::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(DeviceKind::DeskPhone),
        label: Set("Office phone".into()),
        model: Set(Some("OpenScape Desk Phone CP400".into())),
        owner_id: Set(person.id),
        line_id: Set(Some(line.id)),
        status: Set(DeviceStatus::Active),
        last_used_at: Set(None),
        created_at: Set(now),
        version: Set(0),
    }
    .insert(db)
    .await
    .expect("insert device");
    chorus::services::directory::reindex(db, &[person.id])
        .await
        .expect("index the person for search");
    (person, line, device)
}

/// Six digits derived from the random part of a UUIDv7 (unique enough for one test).
/// Six digits for a fixture's number and (the last five) its extension: random per test
/// process, then consecutive, so no two fixtures of a process share an extension (two random
/// draws did: about one test run in two hundred failed on `uq_line_extension`).
fn rand_digits(id: &Uuid) -> u32 {
    use std::sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    };
    static BASE: OnceLock<u32> = OnceLock::new();
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = *BASE.get_or_init(|| {
        let b = id.as_bytes();
        u32::from_be_bytes([b[12], b[13], b[14], b[15]]) % 1_000_000
    });
    let next = NEXT.fetch_add(1, Ordering::Relaxed) % 100_000;
    // The extension (n % 100,000) walks through all 100,000 values before it repeats.
    (base / 100_000) * 100_000 + (base + next) % 100_000
}

/// Grants a role (with a unit for COORDINATOR).
pub async fn grant(
    db: &DatabaseConnection,
    person_id: Uuid,
    role: GrantedRole,
    unit_id: Option<Uuid>,
) {
    role_grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        role: Set(role),
        unit_id: Set(unit_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .expect("insert grant");
}

/// Inserts a service account with space-separated scopes.
pub async fn service(db: &DatabaseConnection, name: &str, scopes: &str) {
    service_account::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.into()),
        display_name: Set(name.into()),
        scopes: Set(scopes.into()),
        created_at: Set(Utc::now()),
        disabled_at: Set(None),
    }
    .insert(db)
    .await
    .expect("insert service account");
}

/// The standard cast: a college with a user, an ex-directory colleague, a coordinator of the
/// college, an admin, a coordinator of another unit, and a service account.
pub struct Cast {
    pub college: unit::Model,
    pub other_unit: unit::Model,
    pub user: person::Model,
    pub user_device: device::Model,
    pub hidden: person::Model,
    pub hidden_device: device::Model,
    pub coordinator: person::Model,
    pub admin: person::Model,
    pub other_coordinator: person::Model,
}

pub async fn cast(db: &DatabaseConnection) -> Cast {
    let college = unit(db, "BALL", "Balliol College", TeamsTenant::Main).await;
    let other_unit = unit(db, "SBS", "Saïd Business School", TeamsTenant::Separate).await;
    let np = |username, display_name, unit_id, ex_directory| NewPerson {
        username,
        display_name,
        unit_id,
        ex_directory,
    };
    let (user, _, user_device) = person(db, np("alice", "Alice Liddell", college.id, false)).await;
    let (hidden, _, hidden_device) = person(db, np("hugo", "Hugo Hidden", college.id, true)).await;
    let (coordinator, _, _) = person(db, np("cora", "Cora Coordinator", college.id, false)).await;
    grant(
        db,
        coordinator.id,
        GrantedRole::Coordinator,
        Some(college.id),
    )
    .await;
    let (admin, _, _) = person(db, np("ada", "Ada Admin", other_unit.id, false)).await;
    grant(db, admin.id, GrantedRole::Admin, None).await;
    let (other_coordinator, _, _) =
        person(db, np("otto", "Otto Other", other_unit.id, false)).await;
    grant(
        db,
        other_coordinator.id,
        GrantedRole::Coordinator,
        Some(other_unit.id),
    )
    .await;
    service(db, "pbx", "calls:write voicemail:write").await;
    Cast {
        college,
        other_unit,
        user,
        user_device,
        hidden,
        hidden_device,
        coordinator,
        admin,
        other_coordinator,
    }
}

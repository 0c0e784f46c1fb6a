//! The migrations go up, down and up again on SQLite and, when `TEST_DATABASE_URL` names a
//! PostgreSQL server, on a database created for the test; rows of the less common column
//! types (Uuid, enums, timestamps, dates, times, JSON) round-trip through the entities on both.

use anyhow::{Context, Result, ensure};
use chrono::{NaiveDate, NaiveTime, SubsecRound, Utc};
use entity::enums::{ActorKind, DirectoryStatus, FallbackKind, Platform, TeamsTenant, UnitKind};
use entity::prelude::*;
use entity::{audit_event, cc_closure, cc_opening_hours, contact_centre, person, unit};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    NotSet, QueryFilter, Set,
};
use sea_orm_migration::SchemaManager;
use uuid::Uuid;

/// Every table the migrations create, in creation order.
const TABLES: [&str; 32] = [
    "unit",
    "person",
    "role_grant",
    "service_account",
    "line",
    "device",
    "call_record",
    "call_participant",
    "voicemail",
    "mailbox_settings",
    "teleconference",
    "teleconference_participant",
    "hunt_group",
    "hunt_group_member",
    "pickup_group",
    "pickup_group_member",
    "ea_group",
    "ea_group_member",
    "ea_whitelist_entry",
    "contact_centre",
    "cc_queue",
    "cc_agent",
    "cc_opening_hours",
    "cc_closure",
    "licence_pool",
    "licence_assignment",
    "nomination_round",
    "nomination",
    "tranche",
    "tranche_member",
    "notification",
    "audit_event",
];

#[tokio::test]
async fn migrations_go_up_down_and_up_again_on_sqlite() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("chorus.sqlite").display()
    );
    let db = Database::connect(&url).await?;
    let outcome = up_down_up(&db).await;
    db.close().await?;
    outcome
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again_on_postgres() -> Result<()> {
    let Ok(server_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL is not set: PostgreSQL migration test skipped");
        return Ok(());
    };
    let server = Database::connect(&server_url).await?;
    let name = format!("chorus_migration_{}", Uuid::now_v7().simple());
    server
        .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
        .await?;

    let outcome = async {
        let db = Database::connect(with_database(&server_url, &name)?).await?;
        let outcome = up_down_up(&db).await;
        db.close().await?;
        outcome
    }
    .await;

    server
        .execute_unprepared(&format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#))
        .await?;
    server.close().await?;
    outcome
}

async fn up_down_up(db: &DatabaseConnection) -> Result<()> {
    Migrator::up(db, None).await.context("first up")?;
    assert_tables_exist(db, true).await?;
    assert_entities_match_tables(db).await?;
    rows_round_trip(db)
        .await
        .context("round trip after first up")?;

    // With rows in place, so `down` must drop children before parents.
    Migrator::down(db, None).await.context("down")?;
    assert_tables_exist(db, false).await?;

    Migrator::up(db, None).await.context("second up")?;
    assert_tables_exist(db, true).await?;
    ensure!(Migrator::get_pending_migrations(db).await?.is_empty());
    rows_round_trip(db)
        .await
        .context("round trip after second up")?;
    Ok(())
}

async fn assert_tables_exist(db: &DatabaseConnection, expected: bool) -> Result<()> {
    let manager = SchemaManager::new(db);
    for table in TABLES {
        ensure!(
            manager.has_table(table).await? == expected,
            "table {table} exists: expected {expected}"
        );
    }
    Ok(())
}

/// Selecting every entity names every column of its model, so a column the entity has and
/// the table lacks (or spells differently) fails here.
async fn assert_entities_match_tables(db: &DatabaseConnection) -> Result<()> {
    macro_rules! select_each {
        ($($entity:ident),* $(,)?) => {
            $(
                $entity::find()
                    .all(db)
                    .await
                    .context(concat!("selecting ", stringify!($entity)))?;
            )*
        };
    }
    select_each!(
        Unit,
        Person,
        RoleGrant,
        ServiceAccount,
        Line,
        Device,
        CallRecord,
        CallParticipant,
        Voicemail,
        MailboxSettings,
        Teleconference,
        TeleconferenceParticipant,
        HuntGroup,
        HuntGroupMember,
        PickupGroup,
        PickupGroupMember,
        EaGroup,
        EaGroupMember,
        EaWhitelistEntry,
        ContactCentre,
        CcQueue,
        CcAgent,
        CcOpeningHours,
        CcClosure,
        LicencePool,
        LicenceAssignment,
        NominationRound,
        Nomination,
        Tranche,
        TrancheMember,
        Notification,
        AuditEvent,
    );
    Ok(())
}

async fn rows_round_trip(db: &DatabaseConnection) -> Result<()> {
    // PostgreSQL keeps microseconds; SQLite keeps whatever text it is given.
    let now = Utc::now().trunc_subsecs(6);

    let unit = unit::Model {
        id: Uuid::now_v7(),
        code: "OUEM".to_owned(),
        name: "Oxford University Endowment Management".to_owned(),
        kind: UnitKind::Other,
        teams_tenant: TeamsTenant::Separate,
        created_at: now,
        parent_id: None,
    };
    ensure!(unit::ActiveModel::from(unit.clone()).insert(db).await? == unit);

    let person = person::Model {
        id: Uuid::now_v7(),
        username: format!("user{}", Uuid::now_v7().simple()),
        display_name: "Ada Lovelace".to_owned(),
        search_name: "ada lovelace".to_owned(),
        email: "ada.lovelace@example.ox.ac.uk".to_owned(),
        unit_id: unit.id,
        job_title: None,
        directory_status: DirectoryStatus::ExDirectory,
        platform: Platform::Teams,
        preferred_device_id: Some(Uuid::now_v7()),
        created_at: now,
        updated_at: now,
        version: 0,
        external_id: Some(format!("E{}", Uuid::now_v7().simple())),
    };
    let inserted = person::ActiveModel::from(person.clone()).insert(db).await?;
    ensure!(inserted == person, "insert returned {inserted:?}");

    // Uuid in a WHERE clause and in a join, enum and timestamp read back as written.
    let read = Person::find_by_id(person.id)
        .find_also_related(Unit)
        .one(db)
        .await?
        .context("person not found by its id")?;
    ensure!(
        read == (person.clone(), Some(unit.clone())),
        "read {read:?}"
    );
    let by_unit = Person::find()
        .filter(person::Column::UnitId.eq(unit.id))
        .filter(person::Column::DirectoryStatus.eq(DirectoryStatus::ExDirectory))
        .all(db)
        .await?;
    ensure!(by_unit == vec![person.clone()], "by unit {by_unit:?}");

    // Foreign keys are enforced (on SQLite only when the connection turns them on).
    let orphan = person::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(format!("orphan{}", Uuid::now_v7().simple())),
        unit_id: Set(Uuid::now_v7()),
        external_id: Set(None),
        ..person::ActiveModel::from(person.clone())
    };
    ensure!(
        orphan.insert(db).await.is_err(),
        "a person in a missing unit was accepted"
    );

    // A column left unset takes the database default.
    let centre = contact_centre::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set("IT Service Desk".to_owned()),
        unit_id: Set(unit.id),
        pilot_line_id: Set(None),
        time_zone: NotSet,
        out_of_hours_kind: Set(FallbackKind::Voicemail),
        out_of_hours_target: Set(None),
        created_at: Set(now),
        version: Set(0),
    }
    .insert(db)
    .await?;
    ensure!(centre.time_zone == "Europe/London", "{centre:?}");

    let hours = cc_opening_hours::Model {
        id: Uuid::now_v7(),
        centre_id: centre.id,
        weekday: 1,
        opens_at: NaiveTime::from_hms_opt(8, 30, 0).context("time")?,
        closes_at: NaiveTime::from_hms_opt(17, 0, 0).context("time")?,
    };
    cc_opening_hours::ActiveModel::from(hours.clone())
        .insert(db)
        .await?;
    ensure!(CcOpeningHours::find_by_id(hours.id).one(db).await? == Some(hours));

    let closure = cc_closure::Model {
        id: Uuid::now_v7(),
        centre_id: centre.id,
        on_date: NaiveDate::from_ymd_opt(2026, 12, 25).context("date")?,
        reason: "Christmas Day".to_owned(),
    };
    cc_closure::ActiveModel::from(closure.clone())
        .insert(db)
        .await?;
    ensure!(CcClosure::find_by_id(closure.id).one(db).await? == Some(closure));

    let event = audit_event::Model {
        id: Uuid::now_v7(),
        at: now,
        actor_kind: ActorKind::Person,
        actor: "demo-admin".to_owned(),
        action: "person.update".to_owned(),
        subject_type: "person".to_owned(),
        subject_id: person.id.to_string(),
        before: None,
        after: Some(serde_json::to_value(&person)?),
        request_id: Some("req-1".to_owned()),
    };
    audit_event::ActiveModel::from(event.clone())
        .insert(db)
        .await?;
    ensure!(AuditEvent::find_by_id(event.id).one(db).await? == Some(event));

    Ok(())
}

/// `server_url` with its database name replaced by `name`, keeping any query string.
fn with_database(server_url: &str, name: &str) -> Result<String> {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority = base
        .find("://")
        .context("TEST_DATABASE_URL has no scheme")?
        + 3;
    let path = base[authority..]
        .find('/')
        .map_or(base.len(), |slash| authority + slash);
    let mut url = format!("{}/{name}", &base[..path]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    Ok(url)
}

//! The audit trail's subject kinds: one spelling per kind, for new events and for the rows
//! written before the spelling was fixed (migration `m20261206_000011`).

use chorus::{
    graphql::node::{NodeType, encode},
    services::audit::SubjectKind,
};
use chorus_tests::{TestApp, fixtures};
use entity::audit_event;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

/// The distinct `subject_type`s of the trail.
async fn kinds(app: &TestApp) -> Vec<String> {
    let mut kinds: Vec<String> = audit_event::Entity::find()
        .all(app.db())
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.subject_type)
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[tokio::test]
async fn every_area_writes_the_same_spelling_of_a_kind() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let person = encode(NodeType::Person, cast.user.id);
    // A unit and a person changed by the directory area, which wrote "Unit" and "Person".
    app.graphql("mutation($i: UpdateUnitInput!) { updateUnit(input: $i) { userErrors { code } } }")
        .vars(json!({ "i": { "id": encode(NodeType::Unit, cast.college.id), "name": "Balliol" } }))
        .as_(&admin)
        .send()
        .await
        .ok();
    app.graphql(
        "mutation($i: UpdatePersonInput!) { updatePerson(input: $i) { userErrors { code } } }",
    )
    .vars(json!({ "i": { "personId": person, "jobTitle": "Fellow" } }))
    .as_(&admin)
    .send()
    .await
    .ok();
    app.graphql("mutation($id: ID!) { setDirectoryStatus(input: {personId: $id, status: EX_DIRECTORY}) { userErrors { code } } }")
        .vars(json!({ "id": person }))
        .as_(&admin)
        .send()
        .await
        .ok();
    // A device disabled, which wrote "Device".
    app.graphql("mutation($d: ID!) { setDeviceStatus(input: {deviceId: $d, status: DISABLED}) { userErrors { code } } }")
        .vars(json!({ "d": encode(NodeType::Device, cast.user_device.id) }))
        .as_(&admin)
        .send()
        .await
        .ok();

    let known: Vec<&str> = SubjectKind::ALL.iter().map(|k| k.as_str()).collect();
    let written = kinds(&app).await;
    assert_eq!(written, ["device", "person", "unit"], "{written:?}");
    assert!(written.iter().all(|k| known.contains(&k.as_str())));
    let people = audit_event::Entity::find()
        .filter(audit_event::Column::SubjectType.eq(SubjectKind::Person.as_str()))
        .all(app.db())
        .await
        .expect("events");
    assert_eq!(people.len(), 2, "updatePerson and setDirectoryStatus");
}

#[tokio::test]
async fn older_rows_are_rewritten_to_the_one_spelling() {
    let app = TestApp::spawn().await;
    let db = app.db();
    // Rows as the server wrote them before: both spellings side by side.
    let rows = [
        ("Person", "p1"),
        ("person", "p2"),
        ("Line", "l1"),
        ("line", "l2"),
        ("Device", "d1"),
        ("Unit", "u1"),
        ("Teleconference", "t1"),
        ("CallRecordBatch", "3 records"),
        ("hunt_group", "h1"),
    ];
    // Take the spelling migration (and any after it) back, write the old rows, run it again.
    let steps = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261206_000011_audit_subject_kinds")
        .expect("the spelling migration")
        + 1;
    Migrator::down(db, Some(u32::try_from(steps).expect("few")))
        .await
        .expect("down");
    for (kind, id) in rows {
        audit_event::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            at: Set(chrono::Utc::now()),
            actor: Set("test".into()),
            actor_kind: Set(entity::enums::ActorKind::Service),
            action: Set("test.old".into()),
            subject_type: Set(kind.into()),
            subject_id: Set(id.into()),
            before: Set(None),
            after: Set(None),
            request_id: Set(None),
        }
        .insert(db)
        .await
        .expect("an old row");
    }
    Migrator::up(db, None).await.expect("up");

    assert_eq!(
        kinds(&app).await,
        [
            "call_record_batch",
            "device",
            "hunt_group",
            "line",
            "person",
            "teleconference",
            "unit"
        ]
    );
    let by_id = |id: &'static str| async move {
        audit_event::Entity::find()
            .filter(audit_event::Column::SubjectId.eq(id))
            .one(db)
            .await
            .expect("query")
            .map(|e| e.subject_type)
    };
    assert_eq!(by_id("p1").await.as_deref(), Some("person"));
    assert_eq!(by_id("l1").await.as_deref(), Some("line"));
}

//! Editing people, lines and devices; the preferred and the effective device.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures};
use entity::{audit_event, device, enums::*, line, person};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(app.db())
        .await
        .expect("count")
}

const UPDATE: &str = "mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { person { displayName email jobTitle } userErrors { field code } } }";

#[tokio::test]
async fn coordinators_edit_people_of_their_units_with_partial_updates() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let coordinator = app.token(&cast.coordinator.username).await;
    let id = encode(NodeType::Person, cast.user.id);
    let r = app
        .graphql(UPDATE)
        .vars(json!({ "input": { "personId": id, "jobTitle": "Fellow" } }))
        .as_(&coordinator)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/updatePerson/person/jobTitle"), "Fellow");
    assert_eq!(
        r.data("/updatePerson/person/displayName"),
        "Alice Liddell",
        "omitted fields stay"
    );
    let r = app
        .graphql(UPDATE)
        .vars(json!({ "input": { "personId": id, "displayName": "Alice Pleasance Liddell" } }))
        .as_(&coordinator)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/updatePerson/person/jobTitle"),
        "Fellow",
        "omitted is not null"
    );
    let r = app
        .graphql(UPDATE)
        .vars(json!({ "input": { "personId": id, "jobTitle": null } }))
        .as_(&coordinator)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/updatePerson/person/jobTitle"),
        &Value::Null,
        "explicit null clears"
    );
    assert_eq!(audit_count(&app, "person.update").await, 3);

    // The new name is searchable at once.
    let r = app
        .graphql("{ directory(search: \"pleasance\") { nodes { username } } }")
        .as_(&coordinator)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/directory/nodes/0/username"), "alice");

    // Outside their units: refused, nothing written.
    let other = app.token(&cast.other_coordinator.username).await;
    let r = app
        .graphql(UPDATE)
        .vars(json!({ "input": { "personId": id, "jobTitle": "Hacked" } }))
        .as_(&other)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/updatePerson/userErrors/0/code"), "NOT_ALLOWED");
    for (field, value) in [
        ("displayName", json!("  ")),
        ("email", json!("not-an-email")),
    ] {
        let r = app
            .graphql(UPDATE)
            .vars(json!({ "input": { "personId": id, field: value } }))
            .as_(&coordinator)
            .send()
            .await
            .ok();
        assert_eq!(
            r.data("/updatePerson/userErrors/0/code"),
            "INVALID",
            "{field}"
        );
        assert_eq!(
            r.data("/updatePerson/userErrors/0/field"),
            &json!(["input", field])
        );
    }
    let unchanged = person::Entity::find_by_id(cast.user.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("person");
    assert_eq!(
        (unchanged.job_title, unchanged.display_name.as_str()),
        (None, "Alice Pleasance Liddell")
    );
    assert_eq!(audit_count(&app, "person.update").await, 3);

    // A plain user may not call it at all.
    let user = app.token(&cast.user.username).await;
    let r = app
        .graphql(UPDATE)
        .vars(json!({ "input": { "personId": id } }))
        .as_(&user)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn people_set_their_own_directory_status_but_not_others() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let q = "mutation($id: ID!, $s: DirectoryStatus!) { setDirectoryStatus(input: {personId: $id, status: $s}) { person { directoryStatus } userErrors { code } } }";
    let user = app.token(&cast.user.username).await;
    let me = encode(NodeType::Person, cast.user.id);
    let r = app
        .graphql(q)
        .vars(json!({ "id": me, "s": "EX_DIRECTORY" }))
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/setDirectoryStatus/person/directoryStatus"),
        "EX_DIRECTORY"
    );
    let someone = encode(NodeType::Person, cast.coordinator.id);
    let r = app
        .graphql(q)
        .vars(json!({ "id": someone, "s": "EX_DIRECTORY" }))
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/setDirectoryStatus/userErrors/0/code"),
        "NOT_ALLOWED"
    );
    // Now hidden from a colleague's search.
    let colleague = app.token(&cast.hidden.username).await;
    let r = app
        .graphql("{ directory(search: \"alice\") { nodes { username } } }")
        .as_(&colleague)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/directory/nodes"), &json!([]));
}

#[tokio::test]
async fn lines_are_assigned_only_when_personal_and_dialling_is_set_per_line() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let shared = line::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        e164: Set("+441865270999".into()),
        extension: Set("70999".into()),
        kind: Set(LineKind::Shared),
        owner_id: Set(None),
        unit_id: Set(cast.college.id),
        label: Set(Some("Porters' lodge".into())),
        dialling_permission: Set(DiallingPermission::Local),
        created_at: Set(chrono::Utc::now()),
        version: Set(0),
        quarantined_until: Set(None),
    }
    .insert(app.db())
    .await
    .expect("line");
    let q = "mutation($l: ID!, $p: ID) { assignLine(input: {lineId: $l, personId: $p}) { line { number } userErrors { code } } }";
    let r = app.graphql(q).vars(json!({ "l": encode(NodeType::Line, shared.id), "p": encode(NodeType::Person, cast.user.id) })).as_(&admin).send().await.ok();
    assert_eq!(r.data("/assignLine/userErrors/0/code"), "RULE_VIOLATION");

    let alice_line = line::Entity::find()
        .filter(line::Column::OwnerId.eq(cast.user.id))
        .one(app.db())
        .await
        .expect("db")
        .expect("line");
    let r = app.graphql(q).vars(json!({ "l": encode(NodeType::Line, alice_line.id), "p": encode(NodeType::Person, cast.coordinator.id) })).as_(&admin).send().await.ok();
    assert_eq!(r.data("/assignLine/userErrors"), &json!([]));
    let moved = line::Entity::find_by_id(alice_line.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("line");
    assert_eq!(
        (moved.owner_id, moved.e164.as_str()),
        (Some(cast.coordinator.id), alice_line.e164.as_str()),
        "the number is kept"
    );
    let desk = device::Entity::find_by_id(cast.user_device.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("device");
    assert_eq!(
        desk.line_id, None,
        "alice's desk phone no longer rings for the line"
    );
    // The number now finds the new owner.
    let r = app
        .graphql("query($s: String) { directory(search: $s) { nodes { username } } }")
        .vars(json!({ "s": alice_line.extension }))
        .as_(&admin)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/directory/nodes"), &json!([{ "username": "cora" }]));

    let q = "mutation($l: ID!) { setDiallingPermission(input: {lineId: $l, permission: INTERNATIONAL}) { line { diallingPermission } userErrors { code } } }";
    let other = app.token(&cast.other_coordinator.username).await;
    let r = app
        .graphql(q)
        .vars(json!({ "l": encode(NodeType::Line, shared.id) }))
        .as_(&other)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/setDiallingPermission/userErrors/0/code"),
        "NOT_ALLOWED"
    );
    let coordinator = app.token(&cast.coordinator.username).await;
    let r = app
        .graphql(q)
        .vars(json!({ "l": encode(NodeType::Line, shared.id) }))
        .as_(&coordinator)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/setDiallingPermission/line/diallingPermission"),
        "INTERNATIONAL"
    );
    assert_eq!(audit_count(&app, "line.set_dialling_permission").await, 1);
}

const PREFER: &str = "mutation($d: ID!) { setPreferredDevice(input: {deviceId: $d}) {
  person { preferredDevice { kind } effectivePreferredDevice { kind } } userErrors { code field } } }";
const REGISTER: &str = "mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { device { id kind status } userErrors { code } } }";
const STATUS: &str = "mutation($d: ID!, $s: DeviceStatus!) { setDeviceStatus(input: {deviceId: $d, status: $s}) { device { status } userErrors { code } } }";

#[tokio::test]
async fn the_preferred_device_is_ones_own_active_device_and_the_effective_one_falls_back() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let user = app.token(&cast.user.username).await;
    let alice = encode(NodeType::Person, cast.user.id);
    let r = app
        .graphql(REGISTER)
        .vars(json!({ "input": { "personId": alice, "kind": "SOFTPHONE", "label": "Laptop" } }))
        .as_(&admin)
        .send()
        .await
        .ok();
    let softphone = r.data("/registerDevice/device/id").clone();

    let r = app
        .graphql(PREFER)
        .vars(json!({ "d": softphone }))
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/setPreferredDevice/person/preferredDevice/kind"),
        "SOFTPHONE"
    );
    assert_eq!(
        r.data("/setPreferredDevice/person/effectivePreferredDevice/kind"),
        "SOFTPHONE"
    );

    // Someone else's device: not found, and nothing changes.
    let hugo = app.token(&cast.hidden.username).await;
    let r = app
        .graphql(PREFER)
        .vars(json!({ "d": softphone }))
        .as_(&hugo)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/setPreferredDevice/userErrors/0/code"), "NOT_FOUND");

    // Disabled by an admin: still the configured choice, but the desk phone is what rings.
    let r = app
        .graphql(STATUS)
        .vars(json!({ "d": softphone, "s": "DISABLED" }))
        .as_(&admin)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/setDeviceStatus/device/status"), "DISABLED");
    let r = app
        .graphql("{ me { preferredDevice { kind status } effectivePreferredDevice { kind } } }")
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/me/preferredDevice"),
        &json!({ "kind": "SOFTPHONE", "status": "DISABLED" })
    );
    assert_eq!(r.data("/me/effectivePreferredDevice/kind"), "DESK_PHONE");
    let r = app
        .graphql(PREFER)
        .vars(json!({ "d": softphone }))
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/setPreferredDevice/userErrors/0/code"),
        "RULE_VIOLATION"
    );

    // A Teams client is refused for someone on Chorus.
    let r = app
        .graphql(REGISTER)
        .vars(json!({ "input": { "personId": alice, "kind": "TEAMS_CLIENT", "label": "Teams" } }))
        .as_(&admin)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/registerDevice/userErrors/0/code"),
        "RULE_VIOLATION"
    );
    // A plain user cannot register devices.
    let r = app
        .graphql(REGISTER)
        .vars(json!({ "input": { "personId": alice, "kind": "SOFTPHONE", "label": "x" } }))
        .as_(&user)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    assert_eq!(audit_count(&app, "device.register").await, 1);
    assert_eq!(audit_count(&app, "person.set_preferred_device").await, 1);
}

#[tokio::test]
async fn on_teams_only_the_teams_client_rings_and_desk_phones_stay_disabled() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let mut moved: person::ActiveModel = cast.user.clone().into();
    moved.platform = Set(Platform::Teams);
    moved.update(app.db()).await.expect("move alice");
    let mut desk: device::ActiveModel = cast.user_device.clone().into();
    desk.status = Set(DeviceStatus::Disabled);
    desk.update(app.db()).await.expect("disable desk phone");
    let admin = app.token(&cast.admin.username).await;
    let user = app.token(&cast.user.username).await;
    let alice = encode(NodeType::Person, cast.user.id);

    let desk_id = encode(NodeType::Device, cast.user_device.id);
    let r = app
        .graphql(STATUS)
        .vars(json!({ "d": desk_id, "s": "ACTIVE" }))
        .as_(&admin)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/setDeviceStatus/userErrors/0/code"),
        "RULE_VIOLATION"
    );
    let r = app
        .graphql("{ me { effectivePreferredDevice { kind } } }")
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/me/effectivePreferredDevice"),
        &Value::Null,
        "nothing rings until a Teams client exists"
    );

    let r = app
        .graphql(REGISTER)
        .vars(json!({ "input": { "personId": alice, "kind": "TEAMS_CLIENT", "label": "Teams" } }))
        .as_(&admin)
        .send()
        .await
        .ok();
    let teams = r.data("/registerDevice/device/id").clone();
    let r = app
        .graphql("{ me { effectivePreferredDevice { kind } } }")
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/me/effectivePreferredDevice/kind"), "TEAMS_CLIENT");
    let r = app
        .graphql(PREFER)
        .vars(json!({ "d": desk_id }))
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/setPreferredDevice/userErrors/0/code"),
        "RULE_VIOLATION"
    );
    let r = app
        .graphql(PREFER)
        .vars(json!({ "d": teams }))
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/setPreferredDevice/person/preferredDevice/kind"),
        "TEAMS_CLIENT"
    );
}

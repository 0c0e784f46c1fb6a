//! Offboarding a leaver (rule 13) through the router: the dry run names exactly what the
//! real run does, the real run does it in one go, sign-in stops on the next request, a second
//! run changes nothing, and a leaver whose tranche is moving is refused.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures};
use entity::{
    audit_event, device,
    enums::{Cohort, DeviceStatus, TrancheState},
    line, pickup_group_member, tranche, tranche_member,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

const OFFBOARD: &str = "mutation($i: OffboardPersonInput!) { offboardPerson(input: $i) {
    person { username }
    consequences { applied leftAt disabledDeviceIds releasedLineIds leftHuntGroupIds
                   leftPickupGroupIds leftEaGroupIds licenceReturned leftTrancheId
                   cancelledNotices attention { kind groupId role } }
    userErrors { field code reason } } }";

const PICKUP: &str = "mutation($i: CreatePickupGroupInput!) { createPickupGroup(input: $i) { pickupGroup { id } userErrors { code message } } }";

async fn offboard(app: &TestApp, token: &str, person: &str, dry_run: bool) -> Value {
    app.graphql(OFFBOARD)
        .vars(json!({ "i": { "personId": person, "dryRun": dry_run } }))
        .as_(token)
        .send()
        .await
        .ok()
        .data("/offboardPerson")
        .clone()
}

async fn offboard_events(app: &TestApp) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("person.offboard"))
        .count(app.db())
        .await
        .expect("count")
}

#[tokio::test]
async fn a_leaver_is_offboarded_as_the_dry_run_said_and_signs_in_no_more() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let alice = app.token(&cast.user.username).await;
    let alice_id = encode(NodeType::Person, cast.user.id);
    let unit = encode(NodeType::Unit, cast.college.id);
    // Two pickup groups: Alice alone in one (it will be empty), with Cora in the other.
    let mut groups = Vec::new();
    for (name, members) in [
        ("Alone", vec![cast.user.id]),
        ("Shared", vec![cast.user.id, cast.coordinator.id]),
    ] {
        let ids: Vec<_> = members
            .iter()
            .map(|p| encode(NodeType::Person, *p))
            .collect();
        let r = app
            .graphql(PICKUP)
            .vars(json!({ "i": { "unitId": unit, "name": name, "personIds": ids } }))
            .as_(&admin)
            .send()
            .await
            .ok();
        assert_eq!(
            r.data("/createPickupGroup/userErrors"),
            &json!([]),
            "{name}"
        );
        groups.push(r.data("/createPickupGroup/pickupGroup/id").clone());
    }
    let alice_line = line::Entity::find()
        .filter(line::Column::OwnerId.eq(cast.user.id))
        .one(app.db())
        .await
        .expect("query")
        .expect("Alice's line");

    let dry = offboard(&app, &admin, &alice_id, true).await;
    assert_eq!(dry["userErrors"], json!([]), "{dry}");
    let expected = json!({
        "disabledDeviceIds": [encode(NodeType::Device, cast.user_device.id)],
        "releasedLineIds": [encode(NodeType::Line, alice_line.id)],
        "leftHuntGroupIds": [],
        "leftPickupGroupIds": groups,
        "leftEaGroupIds": [],
        "licenceReturned": false,
        "leftTrancheId": null,
        "cancelledNotices": 0,
        "attention": [{ "kind": "PICKUP_GROUP_EMPTY", "groupId": groups[0], "role": null }],
    });
    let mut consequences = dry["consequences"].clone();
    assert_eq!(consequences["applied"], false);
    assert_eq!(consequences["leftAt"], Value::Null);
    for key in ["applied", "leftAt"] {
        consequences.as_object_mut().expect("object").remove(key);
    }
    assert_eq!(consequences, expected);
    // Nothing changed: Alice still signs in, her phone still works.
    let me = app.graphql("{ me { username } }").as_(&alice).send().await;
    assert_eq!(me.error_code(), None);
    let phone = device::Entity::find_by_id(cast.user_device.id)
        .one(app.db())
        .await
        .expect("query")
        .expect("device");
    assert_eq!(phone.status, DeviceStatus::Active);
    assert_eq!(offboard_events(&app).await, 0);

    let done = offboard(&app, &admin, &alice_id, false).await;
    let mut consequences = done["consequences"].clone();
    assert_eq!(consequences["applied"], true, "{done}");
    assert!(consequences["leftAt"].is_string());
    for key in ["applied", "leftAt"] {
        consequences.as_object_mut().expect("object").remove(key);
    }
    assert_eq!(consequences, expected, "the dry run said exactly this");
    // Her token stops at once, though it was checked a moment ago (no cache grace).
    let me = app.graphql("{ me { username } }").as_(&alice).send().await;
    assert_eq!(me.error_code(), Some("UNAUTHENTICATED"));
    let phone = device::Entity::find_by_id(cast.user_device.id)
        .one(app.db())
        .await
        .expect("query")
        .expect("device");
    assert_eq!(phone.status, DeviceStatus::Disabled);
    let line = line::Entity::find_by_id(alice_line.id)
        .one(app.db())
        .await
        .expect("query")
        .expect("line");
    assert_eq!(line.owner_id, None);
    let seats = pickup_group_member::Entity::find()
        .filter(pickup_group_member::Column::PersonId.eq(cast.user.id))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(seats, 0);
    assert_eq!(offboard_events(&app).await, 1);
    // Out of the directory search.
    let cora = app.token(&cast.coordinator.username).await;
    let r = app
        .graphql("{ directory(search: \"alice\") { nodes { username } } }")
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/directory/nodes"), &json!([]));

    // Again: nothing left to do, nothing written.
    let again = offboard(&app, &admin, &alice_id, false).await;
    assert_eq!(again["consequences"]["applied"], false);
    assert_eq!(again["consequences"]["disabledDeviceIds"], json!([]));
    assert!(again["consequences"]["leftAt"].is_string());
    assert_eq!(offboard_events(&app).await, 1);
}

#[tokio::test]
async fn a_leaver_in_a_moving_tranche_waits_and_only_admins_offboard() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let db = app.db();
    let moving = tranche::ActiveModel {
        id: Set(Uuid::now_v7()),
        number: Set(1),
        name: Set("Pilot".into()),
        cohort: Set(Cohort::Pilot),
        move_date: Set(chrono::Utc::now().date_naive()),
        capacity: Set(50),
        state: Set(TrancheState::InProgress),
        created_at: Set(chrono::Utc::now()),
        version: Set(0),
    }
    .insert(db)
    .await
    .expect("tranche");
    tranche_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        tranche_id: Set(moving.id),
        person_id: Set(cast.hidden.id),
        added_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await
    .expect("member");
    let admin = app.token(&cast.admin.username).await;
    let hugo = encode(NodeType::Person, cast.hidden.id);
    let r = offboard(&app, &admin, &hugo, false).await;
    assert_eq!(r["consequences"], Value::Null);
    assert_eq!(
        r["userErrors"],
        json!([{ "field": ["input", "personId"], "code": "RULE_VIOLATION", "reason": "TRANCHE_IN_PROGRESS" }])
    );
    let hugo_token = app.token(&cast.hidden.username).await;
    let me = app
        .graphql("{ me { username } }")
        .as_(&hugo_token)
        .send()
        .await;
    assert_eq!(me.error_code(), None, "nothing was done");

    let nobody = encode(NodeType::Person, Uuid::now_v7());
    let r = offboard(&app, &admin, &nobody, true).await;
    assert_eq!(r["userErrors"][0]["code"], "NOT_FOUND");

    let coordinator = app.token(&cast.coordinator.username).await;
    let r = app
        .graphql(OFFBOARD)
        .vars(json!({ "i": { "personId": hugo, "dryRun": true } }))
        .as_(&coordinator)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
}

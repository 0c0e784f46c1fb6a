//! Units, people and `node`: visibility per role, keyset pages, the audit of a mutation.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures};
use entity::{audit_event, enums::TeamsTenant};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Person { displayName devices { kind } } ... on Device { kind } } }";

#[tokio::test]
async fn ex_directory_people_are_visible_only_to_self_admin_and_their_coordinator() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let id = encode(NodeType::Person, cast.hidden.id);
    let cases = [
        (&cast.user.username, false),
        (&cast.other_coordinator.username, false),
        (&cast.hidden.username, true),
        (&cast.coordinator.username, true),
        (&cast.admin.username, true),
    ];
    for (who, visible) in cases {
        let token = app.token(who).await;
        let r = app
            .graphql(NODE)
            .vars(json!({ "id": id }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(!r.data("/node").is_null(), visible, "{who}");
    }
}

#[tokio::test]
async fn devices_are_private_to_self_admin_and_coordinator() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let person = encode(NodeType::Person, cast.user.id);
    let device = encode(NodeType::Device, cast.user_device.id);
    let cases = [
        (&cast.user.username, true),
        (&cast.hidden.username, false),
        (&cast.coordinator.username, true),
        (&cast.other_coordinator.username, false),
        (&cast.admin.username, true),
    ];
    for (who, sees) in cases {
        let token = app.token(who).await;
        let r = app
            .graphql(NODE)
            .vars(json!({ "id": person }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(
            r.data("/node/devices").is_array(),
            sees,
            "{who} devices: {:#}",
            r.body
        );
        let r = app
            .graphql(NODE)
            .vars(json!({ "id": device }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(!r.data("/node").is_null(), sees, "{who} device node");
    }
    let _ = cast.hidden_device;
}

#[tokio::test]
async fn node_rejects_ids_that_are_not_ours() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    let r = app
        .graphql(NODE)
        .vars(json!({ "id": "bm9wZQ" }))
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"));
    let unknown = encode(NodeType::Person, uuid::Uuid::now_v7());
    let r = app
        .graphql(NODE)
        .vars(json!({ "id": unknown }))
        .as_(&token)
        .send()
        .await
        .ok();
    assert!(r.data("/node").is_null());
}

#[tokio::test]
async fn units_page_forward_and_backward_with_stable_cursors() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    for (code, name) in [
        ("ORIE", "Oriel College"),
        ("MERT", "Merton College"),
        ("EXET", "Exeter College"),
    ] {
        fixtures::unit(app.db(), code, name, TeamsTenant::Main).await;
    }
    let token = app.token(&cast.user.username).await;
    let q = "query($first: Int, $after: String, $last: Int, $before: String) {
        units(first: $first, after: $after, last: $last, before: $before) {
          totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }";
    let names = |r: &chorus_tests::GraphqlResponse| -> Vec<String> {
        r.data("/units/edges")
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["node"]["name"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let first = app
        .graphql(q)
        .vars(json!({ "first": 2 }))
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(names(&first), ["Balliol College", "Exeter College"]);
    assert_eq!(first.data("/units/totalCount"), 5);
    assert_eq!(first.data("/units/pageInfo/hasNextPage"), true);
    let after = first.data("/units/pageInfo/endCursor").clone();
    let second = app
        .graphql(q)
        .vars(json!({ "first": 2, "after": after }))
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(names(&second), ["Merton College", "Oriel College"]);
    let third = app
        .graphql(q)
        .vars(json!({ "first": 2, "after": second.data("/units/pageInfo/endCursor") }))
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(names(&third), ["Saïd Business School"]);
    assert_eq!(third.data("/units/pageInfo/hasNextPage"), false);
    let back = app
        .graphql(q)
        .vars(json!({ "last": 2, "before": third.data("/units/pageInfo/startCursor") }))
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(names(&back), ["Merton College", "Oriel College"]);
    assert_eq!(back.data("/units/pageInfo/hasPreviousPage"), true);

    for bad in [
        json!({ "first": 101 }),
        json!({ "first": 0 }),
        json!({ "first": 1, "last": 1 }),
        json!({ "after": "garbage" }),
    ] {
        let r = app.graphql(q).vars(bad.clone()).as_(&token).send().await;
        assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{bad}");
    }
}

#[tokio::test]
async fn unit_search_matches_name_or_code_prefixes() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    let q = "query($s: String) { units(search: $s) { nodes { code } } }";
    for (search, expected) in [
        ("Ball", json!([{ "code": "BALL" }])),
        ("sbs", json!([{ "code": "SBS" }])),
        ("Zed", json!([])),
    ] {
        let r = app
            .graphql(q)
            .vars(json!({ "s": search }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(r.data("/units/nodes"), &expected, "{search}");
    }
}

#[tokio::test]
async fn an_admin_updates_a_unit_and_the_change_is_audited() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.admin.username).await;
    let id = encode(NodeType::Unit, cast.college.id);
    let q = "mutation($input: UpdateUnitInput!) { updateUnit(input: $input) { unit { name teamsTenant linesCanMoveToTeams } userErrors { field code message } } }";
    let r = app
        .graphql(q)
        .vars(json!({ "input": { "id": id, "teamsTenant": "SEPARATE" } }))
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/updateUnit/unit"),
        &json!({ "name": "Balliol College", "teamsTenant": "SEPARATE", "linesCanMoveToTeams": false })
    );
    assert_eq!(r.data("/updateUnit/userErrors"), &json!([]));

    let events = audit_event::Entity::find()
        .filter(audit_event::Column::SubjectId.eq(cast.college.id.to_string()))
        .all(app.db())
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(
        (event.action.as_str(), event.actor.as_str()),
        ("unit.update", "ada")
    );
    assert_eq!(
        event.before.as_ref().map(|b| b["teams_tenant"].clone()),
        Some(Value::from("MAIN"))
    );
    assert_eq!(
        event.after.as_ref().map(|a| a["teams_tenant"].clone()),
        Some(Value::from("SEPARATE"))
    );

    // Bad input: a user error with a code, nothing changed, nothing audited.
    let r = app
        .graphql(q)
        .vars(json!({ "input": { "id": id, "name": "  " } }))
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/updateUnit/unit"), &Value::Null);
    assert_eq!(r.data("/updateUnit/userErrors/0/code"), "INVALID");
    assert_eq!(
        r.data("/updateUnit/userErrors/0/field"),
        &json!(["input", "name"])
    );
    let unknown = encode(NodeType::Unit, uuid::Uuid::now_v7());
    let r = app
        .graphql(q)
        .vars(json!({ "input": { "id": unknown, "name": "X" } }))
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/updateUnit/userErrors/0/code"), "NOT_FOUND");
    let count = audit_event::Entity::find()
        .all(app.db())
        .await
        .expect("events")
        .len();
    assert_eq!(count, 1);
}

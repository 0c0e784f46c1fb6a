//! Service accounts and retiring devices over GraphQL: administrators create, change, list
//! and disable accounts (a disabled account's token stops on the very next request, cache or
//! not), and retire devices; every other caller is refused, and bad input is refused with the
//! field and the rule's reason.

use std::time::Duration;

use chorus::{
    graphql::node::{NodeType, encode},
    services::tokens::{self, MintError},
};
use chorus_tests::{TestApp, fixtures};
use entity::{audit_event, device, enums::DeviceStatus, person, service_account};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: CreateServiceAccountInput!) { createServiceAccount(input: $i) { serviceAccount { id name displayName scopes disabledAt createdAt } userErrors { field code reason } } }";
const UPDATE: &str = "mutation($i: UpdateServiceAccountInput!) { updateServiceAccount(input: $i) { serviceAccount { id name displayName scopes disabledAt } userErrors { field code reason } } }";
const DISABLE: &str = "mutation($i: DisableServiceAccountInput!) { disableServiceAccount(input: $i) { serviceAccount { id name disabledAt } userErrors { field code reason } } }";
const LIST: &str = "{ serviceAccounts { id name displayName scopes disabledAt } }";
const RETIRE: &str = "mutation($i: RetireDeviceInput!) { retireDevice(input: $i) { device { id status line { id } } userErrors { field code reason } } }";
const SET_STATUS: &str = "mutation($i: SetDeviceStatusInput!) { setDeviceStatus(input: $i) { device { status } userErrors { field code reason } } }";
const PREFER: &str = "mutation($i: SetPreferredDeviceInput!) { setPreferredDevice(input: $i) { person { id } userErrors { field code reason } } }";

async fn events(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(app.db())
        .await
        .expect("count")
}

/// Runs a mutation as `token` and returns its payload (the single root field).
async fn mutate(app: &TestApp, token: &str, query: &str, input: Value) -> Value {
    let r = app
        .graphql(query)
        .vars(json!({ "i": input }))
        .as_(token)
        .send()
        .await
        .ok();
    let data = r.data("");
    data.as_object()
        .and_then(|o| o.values().next())
        .cloned()
        .expect("a payload")
}

/// The one user error of a payload: `(field, code, reason)`.
fn refusal(payload: &Value) -> (Value, &str, &str) {
    let e = &payload["userErrors"][0];
    assert_eq!(
        payload["userErrors"].as_array().map(Vec::len),
        Some(1),
        "{payload}"
    );
    (
        e["field"].clone(),
        e["code"].as_str().unwrap_or_default(),
        e["reason"].as_str().unwrap_or_default(),
    )
}

/// Everyone but the admin: user, coordinator of the unit, coordinator of another unit, a
/// service account holding every scope.
async fn others(app: &TestApp) -> Vec<(&'static str, String)> {
    fixtures::service(
        app.db(),
        "all-scopes",
        "calls:write voicemail:write directory:ex-directory cutover:write licences:write",
    )
    .await;
    let mut out = Vec::new();
    for who in ["alice", "cora", "otto", "all-scopes"] {
        out.push((who, app.token(who).await));
    }
    out
}

/// Sends `query` with `input` as every caller but the admin, and without a token.
async fn refused_to_all_but_admins(
    app: &TestApp,
    others: &[(&str, String)],
    query: &str,
    input: Value,
) {
    for (who, token) in others {
        let r = app
            .graphql(query)
            .vars(json!({ "i": input }))
            .as_(token)
            .send()
            .await;
        assert_eq!(r.error_code(), Some("FORBIDDEN"), "{who}: {:?}", r.body);
    }
    let r = app.graphql(query).vars(json!({ "i": input })).send().await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{:?}", r.body);
}

#[tokio::test]
async fn admins_create_change_and_list_service_accounts() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token("ada").await;

    // Created: the name in lower case, scopes merged and in order.
    let p = mutate(
        &app,
        &admin,
        CREATE,
        json!({ "name": " HR-Feed ", "displayName": "HR feed",
                "scopes": ["voicemail:write", "calls:write", " calls:write"] }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let feed = &p["serviceAccount"];
    assert_eq!(feed["name"], "hr-feed");
    assert_eq!(feed["scopes"], json!(["calls:write", "voicemail:write"]));
    assert_eq!(feed["disabledAt"], Value::Null);
    let feed_id = feed["id"].as_str().expect("id").to_owned();
    assert_eq!(events(&app, "service_account.create").await, 1);
    let claims = tokens::claims_for(
        app.db(),
        &app.state.keys,
        "hr-feed",
        Duration::from_secs(60),
    )
    .await
    .expect("claims");
    assert_eq!(claims.scopes, ["calls:write", "voicemail:write"]);

    // Refusals: nothing written.
    for (input, field, code, reason) in [
        (
            json!({ "name": "hr-feed", "displayName": "Again", "scopes": [] }),
            json!(["input", "name"]),
            "DUPLICATE",
            "",
        ),
        (
            json!({ "name": "PBX", "displayName": "The fixture's", "scopes": [] }),
            json!(["input", "name"]),
            "DUPLICATE",
            "",
        ),
        (
            // A person's username: tokens name their subject by name.
            json!({ "name": "alice", "displayName": "Not Alice", "scopes": [] }),
            json!(["input", "name"]),
            "DUPLICATE",
            "",
        ),
        (
            json!({ "name": "two words", "displayName": "X", "scopes": [] }),
            json!(["input", "name"]),
            "INVALID",
            "INVALID_SERVICE_ACCOUNT_NAME",
        ),
        (
            json!({ "name": "system:cli", "displayName": "X", "scopes": [] }),
            json!(["input", "name"]),
            "INVALID",
            "INVALID_SERVICE_ACCOUNT_NAME",
        ),
        (
            json!({ "name": "new-feed", "displayName": "  ", "scopes": [] }),
            json!(["input", "displayName"]),
            "INVALID",
            "INVALID_NAME",
        ),
        (
            json!({ "name": "new-feed", "displayName": "X", "scopes": ["calls:write", "calls:read"] }),
            json!(["input", "scopes", "1"]),
            "INVALID",
            "UNKNOWN_SCOPE",
        ),
    ] {
        let p = mutate(&app, &admin, CREATE, input.clone()).await;
        let (f, c, r) = refusal(&p);
        assert_eq!((f, c, r), (field, code, reason), "{input}");
        assert_eq!(p["serviceAccount"], Value::Null);
    }
    assert_eq!(events(&app, "service_account.create").await, 1);

    // Changed: the next token carries the new scopes; a change to nothing records nothing.
    let p = mutate(
        &app,
        &admin,
        UPDATE,
        json!({ "serviceAccountId": feed_id, "displayName": "HR nightly feed", "scopes": ["cutover:write"] }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["serviceAccount"]["displayName"], "HR nightly feed");
    assert_eq!(p["serviceAccount"]["scopes"], json!(["cutover:write"]));
    let claims = tokens::claims_for(
        app.db(),
        &app.state.keys,
        "hr-feed",
        Duration::from_secs(60),
    )
    .await
    .expect("claims");
    assert_eq!(claims.scopes, ["cutover:write"]);
    let same = mutate(
        &app,
        &admin,
        UPDATE,
        json!({ "serviceAccountId": feed_id, "scopes": ["cutover:write"] }),
    )
    .await;
    assert_eq!(same["userErrors"], json!([]), "{same}");
    assert_eq!(events(&app, "service_account.update").await, 1);
    for (input, field, code, reason) in [
        (
            json!({ "serviceAccountId": feed_id, "scopes": ["scim"] }),
            json!(["input", "scopes", "0"]),
            "INVALID",
            "UNKNOWN_SCOPE",
        ),
        (
            json!({ "serviceAccountId": feed_id, "displayName": "" }),
            json!(["input", "displayName"]),
            "INVALID",
            "INVALID_NAME",
        ),
        (
            json!({ "serviceAccountId": encode(NodeType::Person, cast.user.id), "displayName": "X" }),
            json!(["input", "serviceAccountId"]),
            "NOT_FOUND",
            "",
        ),
        (
            json!({ "serviceAccountId": "not an id", "displayName": "X" }),
            json!(["input", "serviceAccountId"]),
            "NOT_FOUND",
            "",
        ),
    ] {
        let p = mutate(&app, &admin, UPDATE, input.clone()).await;
        assert_eq!(refusal(&p), (field, code, reason), "{input}");
    }
    assert_eq!(events(&app, "service_account.update").await, 1);

    // Listed by name; a global ID that `node` resolves for admins only.
    let r = app.graphql(LIST).as_(&admin).send().await.ok();
    let names: Vec<&str> = r
        .data("/serviceAccounts")
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["hr-feed", "pbx"]);
    let node = "query($id: ID!) { node(id: $id) { __typename ... on ServiceAccount { name } } }";
    let r = app
        .graphql(node)
        .vars(json!({ "id": feed_id }))
        .as_(&admin)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/node"),
        &json!({ "__typename": "ServiceAccount", "name": "hr-feed" })
    );
    let alice = app.token("alice").await;
    let r = app
        .graphql(node)
        .vars(json!({ "id": feed_id }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/node"), &Value::Null);

    // Nobody else may do any of it.
    let others = others(&app).await;
    let create = json!({ "name": "sneaky", "displayName": "Sneaky", "scopes": ["calls:write"] });
    refused_to_all_but_admins(&app, &others, CREATE, create).await;
    let update = json!({ "serviceAccountId": feed_id, "scopes": ["licences:write"] });
    refused_to_all_but_admins(&app, &others, UPDATE, update).await;
    refused_to_all_but_admins(
        &app,
        &others,
        DISABLE,
        json!({ "serviceAccountId": feed_id }),
    )
    .await;
    refused_to_all_but_admins(&app, &others, LIST, json!(null)).await;
    assert_eq!(events(&app, "service_account.create").await, 1);
    assert_eq!(events(&app, "service_account.update").await, 1);
    assert_eq!(events(&app, "service_account.disable").await, 0);
}

#[tokio::test]
async fn two_admins_racing_for_one_name_get_one_account_and_one_duplicate() {
    let app = TestApp::spawn().await;
    fixtures::cast(app.db()).await;
    let admin = app.token("ada").await;
    let input = json!({ "name": "racer", "displayName": "Racer", "scopes": ["calls:write"] });
    let (a, b) = tokio::join!(
        mutate(&app, &admin, CREATE, input.clone()),
        mutate(&app, &admin, CREATE, input.clone())
    );
    let mut codes: Vec<&str> = [&a, &b]
        .iter()
        .map(|p| p["userErrors"][0]["code"].as_str().unwrap_or("OK"))
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, ["DUPLICATE", "OK"], "{a} {b}");
    let rows = service_account::Entity::find()
        .filter(service_account::Column::Name.eq("racer"))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_disabled_account_is_refused_on_the_very_next_request() {
    // A long subject cache: a disabled account must not be served from it.
    let app = TestApp::spawn_with(|s| s.auth.subject_cache = Duration::from_secs(600)).await;
    fixtures::cast(app.db()).await;
    let admin = app.token("ada").await;
    let p = mutate(
        &app,
        &admin,
        CREATE,
        json!({ "name": "leaky", "displayName": "Leaky script", "scopes": ["calls:write"] }),
    )
    .await;
    let id = p["serviceAccount"]["id"].as_str().expect("id").to_owned();
    let token = app.token("leaky").await;
    for _ in 0..2 {
        let r = app.graphql("{ __typename }").as_(&token).send().await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }

    let p = mutate(&app, &admin, DISABLE, json!({ "serviceAccountId": id })).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let disabled_at = p["serviceAccount"]["disabledAt"].clone();
    assert!(disabled_at.is_string(), "{p}");
    let r = app.graphql("{ __typename }").as_(&token).send().await;
    assert_eq!(r.status, 401, "the token stops at once: {:?}", r.body);
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
    assert!(matches!(
        tokens::mint(app.db(), &app.state.keys, "leaky", Duration::from_secs(60)).await,
        Err(MintError::Disabled(name)) if name == "leaky"
    ));

    // Again: nothing changes; the name stays taken; other accounts still work.
    let again = mutate(&app, &admin, DISABLE, json!({ "serviceAccountId": id })).await;
    assert_eq!(again["serviceAccount"]["disabledAt"], disabled_at);
    assert_eq!(events(&app, "service_account.disable").await, 1);
    let p = mutate(
        &app,
        &admin,
        CREATE,
        json!({ "name": "leaky", "displayName": "Leaky again", "scopes": [] }),
    )
    .await;
    assert_eq!(refusal(&p).1, "DUPLICATE");
    let pbx = app.token("pbx").await;
    let r = app.graphql("{ __typename }").as_(&pbx).send().await;
    assert_eq!(r.status, 200);
    let r = app.graphql(LIST).as_(&admin).send().await.ok();
    let listed = r.data("/serviceAccounts").as_array().expect("list").clone();
    assert!(
        listed
            .iter()
            .any(|a| a["name"] == "leaky" && a["disabledAt"] == disabled_at)
    );

    let p = mutate(
        &app,
        &admin,
        DISABLE,
        json!({ "serviceAccountId": encode(NodeType::ServiceAccount, uuid::Uuid::now_v7()) }),
    )
    .await;
    assert_eq!(
        refusal(&p),
        (json!(["input", "serviceAccountId"]), "NOT_FOUND", "")
    );
}

#[tokio::test]
async fn a_retired_device_stays_in_history_and_out_of_service() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token("ada").await;
    let alice = app.token("alice").await;
    let phone = encode(NodeType::Device, cast.user_device.id);

    // Alice prefers her phone; then it is retired.
    let p = mutate(&app, &alice, PREFER, json!({ "deviceId": phone })).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let others = others(&app).await;
    refused_to_all_but_admins(&app, &others, RETIRE, json!({ "deviceId": phone })).await;
    let p = mutate(&app, &admin, RETIRE, json!({ "deviceId": phone })).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["device"]["status"], "RETIRED");
    assert_eq!(p["device"]["line"], Value::Null);
    let row = device::Entity::find_by_id(cast.user_device.id)
        .one(app.db())
        .await
        .expect("query")
        .expect("the row is kept");
    assert_eq!(row.status, DeviceStatus::Retired);
    let owner = person::Entity::find_by_id(cast.user.id)
        .one(app.db())
        .await
        .expect("query")
        .expect("alice");
    assert_eq!(owner.preferred_device_id, None, "no longer preferred");
    assert_eq!(events(&app, "device.retire").await, 1);
    assert_eq!(events(&app, "person.unprefer_retired_device").await, 1);

    // Retiring again changes nothing; it cannot come back or be preferred.
    let again = mutate(&app, &admin, RETIRE, json!({ "deviceId": phone })).await;
    assert_eq!(again["userErrors"], json!([]), "{again}");
    assert_eq!(events(&app, "device.retire").await, 1);
    let p = mutate(
        &app,
        &admin,
        SET_STATUS,
        json!({ "deviceId": phone, "status": "ACTIVE" }),
    )
    .await;
    assert_eq!(refusal(&p).1, "RULE_VIOLATION", "{p}");
    let p = mutate(&app, &alice, PREFER, json!({ "deviceId": phone })).await;
    assert_eq!(refusal(&p).1, "RULE_VIOLATION", "{p}");
    // RETIRED is not a status to set by hand.
    let hugo_phone = encode(NodeType::Device, cast.hidden_device.id);
    let p = mutate(
        &app,
        &admin,
        SET_STATUS,
        json!({ "deviceId": hugo_phone, "status": "RETIRED" }),
    )
    .await;
    assert_eq!(refusal(&p), (json!(["input", "status"]), "INVALID", ""));

    // Bad input: another kind of ID, garbage, a device that does not exist.
    for id in [
        encode(NodeType::Person, cast.user.id).to_string(),
        "garbage".to_owned(),
        encode(NodeType::Device, uuid::Uuid::now_v7()).to_string(),
    ] {
        let p = mutate(&app, &admin, RETIRE, json!({ "deviceId": id })).await;
        assert_eq!(
            refusal(&p),
            (json!(["input", "deviceId"]), "NOT_FOUND", ""),
            "{id}"
        );
    }
}

//! An empty installation filled through its public interfaces: the first administrator (the
//! code `chorus admin add` runs), then units, people and role grants over GraphQL, with each
//! role's boundary and the refusals.

use chorus::{
    graphql::node::{NodeType, encode},
    services::roles::bootstrap_admin,
};
use chorus_tests::TestApp;
use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const CREATE_UNIT: &str = "mutation($i: CreateUnitInput!) { createUnit(input: $i) { unit { id code name kind teamsTenant } userErrors { field code reason } } }";
const CREATE_PERSON: &str = "mutation($i: CreatePersonInput!) { createPerson(input: $i) { person { id username displayName email directoryStatus unit { code } } userErrors { field code reason } } }";
const GRANT: &str = "mutation($i: RoleInput!) { grantRole(input: $i) { person { username roles { roles } } userErrors { field code reason } } }";
const REVOKE: &str = "mutation($i: RoleInput!) { revokeRole(input: $i) { person { username roles { roles } } userErrors { field code reason } } }";

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

async fn unit(app: &TestApp, token: &str, code: &str, name: &str) -> String {
    let p = mutate(
        app,
        token,
        CREATE_UNIT,
        json!({ "code": code, "name": name, "kind": "COLLEGE" }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    p["unit"]["id"].as_str().expect("an id").to_owned()
}

async fn person(app: &TestApp, token: &str, username: &str, unit: &str) -> Value {
    mutate(
        app,
        token,
        CREATE_PERSON,
        json!({
            "username": username,
            "displayName": format!("{username} Example"),
            "email": format!("{username}@example.ac.uk"),
            "unitId": unit,
        }),
    )
    .await
}

#[tokio::test]
async fn the_first_administrator_is_made_once_from_the_command_line() {
    let app = TestApp::spawn().await;
    let first = bootstrap_admin(app.db(), "root", Some("Root Admin"), None, None)
        .await
        .expect("bootstrap");
    assert!(first.created_person && first.granted, "{first:?}");
    let again = bootstrap_admin(app.db(), "root", None, None, None)
        .await
        .expect("bootstrap again");
    assert!(!again.created_person && !again.granted, "{again:?}");
    assert_eq!(events(&app, "role.grant").await, 1);

    let token = app.token("root").await;
    let r = app
        .graphql("{ me { username displayName email unit { code name } roles { roles } } }")
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/me"),
        &json!({
            "username": "root",
            "displayName": "Root Admin",
            "email": "root@admin.invalid",
            "unit": { "code": "TELEPHONY", "name": "Telephone administration" },
            "roles": { "roles": ["USER", "ADMIN"] }
        })
    );
    for bad in ["", "two words"] {
        assert!(
            bootstrap_admin(app.db(), bad, None, None, None)
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn admins_create_units_and_people_and_coordinators_only_in_their_units() {
    let app = TestApp::spawn().await;
    bootstrap_admin(app.db(), "root", None, None, None)
        .await
        .expect("bootstrap");
    let admin = app.token("root").await;

    // Units: codes are stored in capitals and unique in any case.
    let ball = unit(&app, &admin, " ball ", "Balliol College").await;
    let sbs = unit(&app, &admin, "SBS", "Saïd Business School").await;
    let p = mutate(
        &app,
        &admin,
        CREATE_UNIT,
        json!({ "code": "Ball", "name": "Again", "kind": "COLLEGE" }),
    )
    .await;
    assert_eq!(p["unit"], Value::Null);
    assert_eq!(
        p["userErrors"],
        json!([{ "field": ["input", "code"], "code": "DUPLICATE", "reason": null }])
    );
    let p = mutate(
        &app,
        &admin,
        CREATE_UNIT,
        json!({ "code": "NO SPACE", "name": "X", "kind": "OTHER" }),
    )
    .await;
    assert_eq!(p["userErrors"][0]["reason"], "INVALID_UNIT_CODE");
    assert_eq!(events(&app, "unit.create").await, 3, "TELEPHONY, BALL, SBS");

    // People: created in a unit, searchable at once.
    let alice = person(&app, &admin, "alice", &ball).await;
    assert_eq!(alice["userErrors"], json!([]), "{alice}");
    assert_eq!(alice["person"]["unit"]["code"], "BALL", "{alice}");
    assert_eq!(alice["person"]["directoryStatus"], "LISTED");
    let again = person(&app, &admin, "alice", &ball).await;
    assert_eq!(
        again["userErrors"][0]["field"],
        json!(["input", "username"])
    );
    assert_eq!(again["userErrors"][0]["code"], "DUPLICATE");
    let same_mail = mutate(
        &app,
        &admin,
        CREATE_PERSON,
        json!({ "username": "alice2", "displayName": "Alice Two",
                "email": "ALICE@example.ac.uk", "unitId": ball }),
    )
    .await;
    assert_eq!(
        same_mail["userErrors"][0]["field"],
        json!(["input", "email"])
    );
    assert_eq!(same_mail["userErrors"][0]["code"], "DUPLICATE");
    let nowhere = person(
        &app,
        &admin,
        "bob",
        &encode(NodeType::Unit, uuid::Uuid::now_v7()),
    )
    .await;
    assert_eq!(nowhere["userErrors"][0]["code"], "NOT_FOUND");
    let bad_name = mutate(
        &app,
        &admin,
        CREATE_PERSON,
        json!({ "username": "a b", "displayName": "A B", "email": "ab@example.ac.uk", "unitId": ball }),
    )
    .await;
    assert_eq!(bad_name["userErrors"][0]["reason"], "INVALID_USERNAME");

    // A coordinator of BALL: adds people there only; no units, no grants.
    let cora = person(&app, &admin, "cora", &ball).await;
    let cora_id = cora["person"]["id"].as_str().expect("id").to_owned();
    let g = mutate(
        &app,
        &admin,
        GRANT,
        json!({ "personId": cora_id, "role": "COORDINATOR", "unitId": ball }),
    )
    .await;
    assert_eq!(
        g["person"]["roles"]["roles"],
        json!(["USER", "COORDINATOR"]),
        "{g}"
    );
    let coordinator = app.token("cora").await;
    let dan = person(&app, &coordinator, "dan", &ball).await;
    assert_eq!(dan["userErrors"], json!([]), "{dan}");
    let elsewhere = person(&app, &coordinator, "erin", &sbs).await;
    assert_eq!(elsewhere["person"], Value::Null);
    assert_eq!(elsewhere["userErrors"][0]["code"], "NOT_ALLOWED");
    for (query, input) in [
        (
            CREATE_UNIT,
            json!({ "code": "X", "name": "X", "kind": "OTHER" }),
        ),
        (GRANT, json!({ "personId": cora_id, "role": "ADMIN" })),
    ] {
        let r = app
            .graphql(query)
            .vars(json!({ "i": input }))
            .as_(&coordinator)
            .send()
            .await;
        assert_eq!(r.error_code(), Some("FORBIDDEN"));
    }
    // A plain user creates nobody.
    let user = app.token("alice").await;
    let r = app
        .graphql(CREATE_PERSON)
        .vars(json!({ "i": { "username": "zed", "displayName": "Zed", "email": "zed@example.ac.uk", "unitId": ball } }))
        .as_(&user)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // The new people are in the directory for a colleague.
    let r = app
        .graphql("{ directory(search: \"dan\") { nodes { username unit { code } } } }")
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/directory/nodes"),
        &json!([{ "username": "dan", "unit": { "code": "BALL" } }])
    );
    assert_eq!(
        events(&app, "person.create").await,
        4,
        "root, alice, cora, dan"
    );
}

#[tokio::test]
async fn grants_have_a_shape_and_the_last_admin_stays() {
    let app = TestApp::spawn().await;
    bootstrap_admin(app.db(), "root", None, None, None)
        .await
        .expect("bootstrap");
    let admin = app.token("root").await;
    let me = app
        .graphql("{ me { id } }")
        .as_(&admin)
        .send()
        .await
        .ok()
        .data("/me/id")
        .clone();
    let ball = unit(&app, &admin, "BALL", "Balliol College").await;

    let p = mutate(
        &app,
        &admin,
        GRANT,
        json!({ "personId": me, "role": "ADMIN", "unitId": ball }),
    )
    .await;
    assert_eq!(p["userErrors"][0]["reason"], "GRANT_UNIT_MISMATCH");
    let p = mutate(
        &app,
        &admin,
        GRANT,
        json!({ "personId": me, "role": "COORDINATOR" }),
    )
    .await;
    assert_eq!(p["userErrors"][0]["reason"], "GRANT_UNIT_MISMATCH");
    let nobody = encode(NodeType::Person, uuid::Uuid::now_v7());
    let p = mutate(
        &app,
        &admin,
        GRANT,
        json!({ "personId": nobody, "role": "ADMIN" }),
    )
    .await;
    assert_eq!(p["userErrors"][0]["code"], "NOT_FOUND");

    // The only administrator cannot be revoked; with a second one, they can.
    let p = mutate(
        &app,
        &admin,
        REVOKE,
        json!({ "personId": me, "role": "ADMIN" }),
    )
    .await;
    assert_eq!(
        p["userErrors"],
        json!([{ "field": ["input", "role"], "code": "RULE_VIOLATION", "reason": "LAST_ADMIN" }])
    );
    let alice = person(&app, &admin, "alice", &ball).await;
    let alice_id = alice["person"]["id"].clone();
    let p = mutate(
        &app,
        &admin,
        GRANT,
        json!({ "personId": alice_id, "role": "ADMIN" }),
    )
    .await;
    assert_eq!(p["person"]["roles"]["roles"], json!(["USER", "ADMIN"]));
    // Granting again changes nothing and records nothing.
    let grants = events(&app, "role.grant").await;
    mutate(
        &app,
        &admin,
        GRANT,
        json!({ "personId": alice_id, "role": "ADMIN" }),
    )
    .await;
    assert_eq!(events(&app, "role.grant").await, grants);
    let p = mutate(
        &app,
        &admin,
        REVOKE,
        json!({ "personId": me, "role": "ADMIN" }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["person"]["roles"]["roles"], json!(["USER"]));
    assert_eq!(events(&app, "role.revoke").await, 1);
    // Alice is now the last one.
    let alice_token = app.token("alice").await;
    let p = mutate(
        &app,
        &alice_token,
        REVOKE,
        json!({ "personId": alice_id, "role": "ADMIN" }),
    )
    .await;
    assert_eq!(p["userErrors"][0]["reason"], "LAST_ADMIN");
}

/// Runs a query or mutation as `token` and returns its `data`, failing on any error.
async fn ask(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.graphql(query)
        .vars(vars)
        .as_(token)
        .send()
        .await
        .ok()
        .data("")
        .clone()
}

#[tokio::test]
async fn an_empty_installation_becomes_a_working_university_through_its_interfaces() {
    let app = TestApp::spawn().await;
    bootstrap_admin(app.db(), "root", None, None, None)
        .await
        .expect("bootstrap");
    let admin = app.token("root").await;
    let ball = unit(&app, &admin, "BALL", "Balliol College").await;
    let alice = person(&app, &admin, "alice", &ball).await["person"]["id"].clone();
    let cora = person(&app, &admin, "cora", &ball).await["person"]["id"].clone();

    let line = ask(
        &app,
        &admin,
        "mutation($i: CreateLineInput!) { createLine(input: $i) { line { id number } userErrors { code message } } }",
        json!({ "i": { "number": "01865 270001", "extension": "70001", "kind": "PERSONAL",
                        "unitId": ball, "ownerId": alice } }),
    )
    .await;
    assert_eq!(line["createLine"]["userErrors"], json!([]), "{line}");
    assert_eq!(line["createLine"]["line"]["number"], "+441865270001");
    let line_id = line["createLine"]["line"]["id"].clone();
    for (kind, label) in [("DESK_PHONE", "Desk"), ("SOFTPHONE", "Laptop")] {
        let d = ask(
            &app,
            &admin,
            "mutation($i: RegisterDeviceInput!) { registerDevice(input: $i) { device { id } userErrors { code message } } }",
            json!({ "i": { "personId": alice, "kind": kind, "label": label, "lineId": line_id } }),
        )
        .await;
        assert_eq!(d["registerDevice"]["userErrors"], json!([]), "{kind}: {d}");
    }
    let g = mutate(
        &app,
        &admin,
        GRANT,
        json!({ "personId": cora, "role": "COORDINATOR", "unitId": ball }),
    )
    .await;
    assert_eq!(g["userErrors"], json!([]));
    let pbx = ask(
        &app,
        &admin,
        "mutation($i: CreateServiceAccountInput!) { createServiceAccount(input: $i) { serviceAccount { name scopes } userErrors { code } } }",
        json!({ "i": { "name": "pbx", "displayName": "The PBX", "scopes": ["calls:write"] } }),
    )
    .await;
    assert_eq!(
        pbx["createServiceAccount"]["serviceAccount"],
        json!({ "name": "pbx", "scopes": ["calls:write"] })
    );

    // Alice sees her own telephone; a colleague finds her by name or number.
    let alice_token = app.token("alice").await;
    let me = ask(
        &app,
        &alice_token,
        "{ me { username unit { code } lines { number extension } devices { kind } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        me["me"],
        json!({ "username": "alice", "unit": { "code": "BALL" },
                "lines": [{ "number": "+441865270001", "extension": "70001" }],
                "devices": [{ "kind": "DESK_PHONE" }, { "kind": "SOFTPHONE" }] })
    );
    let cora_token = app.token("cora").await;
    for search in ["alice", "70001"] {
        let found = ask(
            &app,
            &cora_token,
            "query($s: String!) { directory(search: $s) { nodes { username } } }",
            json!({ "s": search }),
        )
        .await;
        assert_eq!(
            found["directory"]["nodes"],
            json!([{ "username": "alice" }]),
            "{search}"
        );
    }
    // The coordinator reads the MS Teams column of the unit: Alice's softphone makes her
    // eligible; Cora has no line of her own, so she cannot move.
    let column = ask(
        &app,
        &cora_token,
        "query($u: ID) { teamsEligibility(unitId: $u) { rows { nodes { username status reasons blockers } } } }",
        json!({ "u": ball }),
    )
    .await;
    assert_eq!(
        column["teamsEligibility"]["rows"]["nodes"],
        json!([
            { "username": "alice", "status": "ELIGIBLE", "reasons": ["USES_SOFTPHONE"], "blockers": [] },
            { "username": "cora", "status": "BLOCKED", "reasons": [], "blockers": ["NO_PERSONAL_LINE"] },
        ])
    );
    // The service account signs in with its token and its scope.
    let pbx_token = app.token("pbx").await;
    let units = ask(&app, &pbx_token, "{ units { nodes { code } } }", json!({})).await;
    assert_eq!(
        units["units"]["nodes"],
        json!([{ "code": "BALL" }, { "code": "TELEPHONY" }])
    );
}

//! The tree of units and people's external ids: `createUnit`/`updateUnit` with a parent, code
//! and kind (a unit is never its own ancestor), `Unit.parent`/`children`, and the external id
//! of `createPerson`/`updatePerson`, who sees it, and `person(externalId:)`. Each role's
//! boundary, bad input, and the races that two requests at once could win.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures};
use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const CREATE_UNIT: &str = "mutation($i: CreateUnitInput!) { createUnit(input: $i) { unit { id code parent { code } } userErrors { field code reason } } }";
const UPDATE_UNIT: &str = "mutation($i: UpdateUnitInput!) { updateUnit(input: $i) { unit { id code name kind parent { code } children { code } } userErrors { field code reason } } }";
const CREATE_PERSON: &str = "mutation($i: CreatePersonInput!) { createPerson(input: $i) { person { id username externalId } userErrors { field code reason } } }";
const UPDATE_PERSON: &str = "mutation($i: UpdatePersonInput!) { updatePerson(input: $i) { person { id externalId } userErrors { field code reason } } }";

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
    r.data("")
        .as_object()
        .and_then(|o| o.values().next())
        .cloned()
        .expect("a payload")
}

/// The top-level error code of a mutation run as `token`.
async fn refused(app: &TestApp, token: &str, query: &str, input: Value) -> Option<String> {
    app.graphql(query)
        .vars(json!({ "i": input }))
        .as_(token)
        .send()
        .await
        .error_code()
        .map(str::to_owned)
}

async fn new_unit(app: &TestApp, admin: &str, code: &str, parent: Option<&str>) -> String {
    let p = mutate(
        app,
        admin,
        CREATE_UNIT,
        json!({ "code": code, "name": format!("Unit {code}"), "kind": "DEPARTMENT", "parentId": parent }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    p["unit"]["id"].as_str().expect("an id").to_owned()
}

fn only_error(p: &Value) -> (Value, String, Value) {
    assert_eq!(p["userErrors"].as_array().map(Vec::len), Some(1), "{p}");
    let e = &p["userErrors"][0];
    (
        e["field"].clone(),
        e["code"].as_str().unwrap_or_default().to_owned(),
        e["reason"].clone(),
    )
}

#[tokio::test]
async fn units_form_a_tree_without_loops() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let ball = encode(NodeType::Unit, cast.college.id);

    // A division with two departments under it; children come by name.
    let div = new_unit(&app, &admin, "DIV", None).await;
    let zoo = {
        let p = mutate(
            &app,
            &admin,
            CREATE_UNIT,
            json!({ "code": "ZOO", "name": "Zoology", "kind": "DEPARTMENT", "parentId": div }),
        )
        .await;
        assert_eq!(p["unit"]["parent"], json!({ "code": "DIV" }), "{p}");
        p["unit"]["id"].as_str().expect("id").to_owned()
    };
    let ast = {
        let p = mutate(
            &app,
            &admin,
            CREATE_UNIT,
            json!({ "code": "AST", "name": "Astrophysics", "kind": "DEPARTMENT", "parentId": div }),
        )
        .await;
        p["unit"]["id"].as_str().expect("id").to_owned()
    };
    let r = app
        .graphql("query($id: ID!) { node(id: $id) { ... on Unit { code parent { code } children { code parent { code } children { code } } } } }")
        .vars(json!({ "id": div }))
        .as_(&app.token(&cast.user.username).await)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/node"),
        &json!({ "code": "DIV", "parent": null, "children": [
            { "code": "AST", "parent": { "code": "DIV" }, "children": [] },
            { "code": "ZOO", "parent": { "code": "DIV" }, "children": [] },
        ] })
    );

    // An unknown parent, or an ID of another kind, is NOT_FOUND on parentId.
    for parent in [
        encode(NodeType::Unit, uuid::Uuid::now_v7()).to_string(),
        encode(NodeType::Person, cast.user.id).to_string(),
        "garbage".to_owned(),
    ] {
        let p = mutate(
            &app,
            &admin,
            CREATE_UNIT,
            json!({ "code": "NEW", "name": "New", "kind": "OTHER", "parentId": parent }),
        )
        .await;
        assert_eq!(p["unit"], Value::Null);
        assert_eq!(
            only_error(&p),
            (
                json!(["input", "parentId"]),
                "NOT_FOUND".into(),
                Value::Null
            )
        );
        let p = mutate(
            &app,
            &admin,
            UPDATE_UNIT,
            json!({ "id": zoo, "parentId": parent }),
        )
        .await;
        assert_eq!(
            only_error(&p),
            (
                json!(["input", "parentId"]),
                "NOT_FOUND".into(),
                Value::Null
            )
        );
    }

    // No loops: not under itself, not under a unit below it (however deep).
    let deep = new_unit(&app, &admin, "DEEP", Some(&zoo)).await;
    for parent in [&div, &zoo, &deep] {
        let p = mutate(
            &app,
            &admin,
            UPDATE_UNIT,
            json!({ "id": div, "parentId": parent }),
        )
        .await;
        assert_eq!(p["unit"], Value::Null, "{p}");
        assert_eq!(
            only_error(&p),
            (
                json!(["input", "parentId"]),
                "RULE_VIOLATION".into(),
                json!("UNIT_CYCLE")
            )
        );
    }
    // Moving a subtree elsewhere is fine; null makes a top unit again.
    let before = events(&app, "unit.update").await;
    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": zoo, "parentId": ball }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["unit"]["parent"], json!({ "code": "BALL" }));
    assert_eq!(p["unit"]["children"], json!([{ "code": "DEEP" }]));
    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": div, "parentId": deep }),
    )
    .await;
    assert_eq!(
        p["userErrors"],
        json!([]),
        "DIV is no longer above DEEP: {p}"
    );
    assert_eq!(p["unit"]["children"], json!([{ "code": "AST" }]));
    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": div, "parentId": null }),
    )
    .await;
    assert_eq!(p["unit"]["parent"], Value::Null, "{p}");
    assert_eq!(events(&app, "unit.update").await, before + 3);
    // Leaving parentId out leaves the parent.
    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": ast, "name": "Astro" }),
    )
    .await;
    assert_eq!(p["unit"]["parent"], json!({ "code": "DIV" }), "{p}");
}

#[tokio::test]
async fn update_unit_changes_code_and_kind_with_the_create_rules() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let ball = encode(NodeType::Unit, cast.college.id);

    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": ball, "code": " balliol ", "kind": "DEPARTMENT" }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["unit"]["code"], "BALLIOL");
    assert_eq!(p["unit"]["kind"], "DEPARTMENT");
    // The audit event shows the old and new code.
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("unit.update"))
        .one(app.db())
        .await
        .expect("db")
        .expect("an event");
    assert_eq!(
        event.before.as_ref().map(|b| b["code"].clone()),
        Some(json!("BALL"))
    );
    assert_eq!(
        event.after.as_ref().map(|a| a["code"].clone()),
        Some(json!("BALLIOL"))
    );

    // Another unit's code, in any case, is DUPLICATE; its own code is not.
    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": ball, "code": "sbs" }),
    )
    .await;
    assert_eq!(
        only_error(&p),
        (json!(["input", "code"]), "DUPLICATE".into(), Value::Null)
    );
    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": ball, "code": "BALLIOL" }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    for bad in ["", "TWO WORDS", "TOO-LONG-A-CODE-X", "É"] {
        let p = mutate(
            &app,
            &admin,
            UPDATE_UNIT,
            json!({ "id": ball, "code": bad }),
        )
        .await;
        assert_eq!(
            only_error(&p),
            (
                json!(["input", "code"]),
                "INVALID".into(),
                json!("INVALID_UNIT_CODE")
            ),
            "{bad:?}"
        );
    }
    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": ball, "name": " \n " }),
    )
    .await;
    assert_eq!(only_error(&p).2, json!("INVALID_NAME"));
    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": encode(NodeType::Unit, uuid::Uuid::now_v7()), "code": "X" }),
    )
    .await;
    assert_eq!(
        only_error(&p),
        (json!(["input", "id"]), "NOT_FOUND".into(), Value::Null)
    );
    // A change to what is already there writes nothing.
    let before = events(&app, "unit.update").await;
    let p = mutate(
        &app,
        &admin,
        UPDATE_UNIT,
        json!({ "id": ball, "code": "balliol", "kind": "DEPARTMENT", "parentId": null }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(events(&app, "unit.update").await, before);
}

#[tokio::test]
async fn only_admins_create_and_change_units() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let ball = encode(NodeType::Unit, cast.college.id);
    let sbs = encode(NodeType::Unit, cast.other_unit.id);
    for who in [
        &cast.user.username,
        &cast.coordinator.username,
        &cast.other_coordinator.username,
        &"pbx".to_owned(),
    ] {
        let token = app.token(who).await;
        for (query, input) in [
            (UPDATE_UNIT, json!({ "id": ball, "parentId": sbs })),
            (
                UPDATE_UNIT,
                json!({ "id": ball, "code": "MINE", "kind": "OTHER" }),
            ),
            (
                CREATE_UNIT,
                json!({ "code": "SUB", "name": "Sub", "kind": "OTHER", "parentId": ball }),
            ),
        ] {
            assert_eq!(
                refused(&app, &token, query, input).await.as_deref(),
                Some("FORBIDDEN"),
                "{who}"
            );
        }
    }
    assert_eq!(events(&app, "unit.update").await, 0);
}

#[tokio::test]
async fn two_moves_at_once_never_make_a_loop() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    for round in 0..4 {
        let a = new_unit(&app, &admin, &format!("A{round}"), None).await;
        let b = new_unit(&app, &admin, &format!("B{round}"), None).await;
        let (x, y) = tokio::join!(
            mutate(&app, &admin, UPDATE_UNIT, json!({ "id": a, "parentId": b })),
            mutate(&app, &admin, UPDATE_UNIT, json!({ "id": b, "parentId": a })),
        );
        let ok = [&x, &y]
            .iter()
            .filter(|p| p["userErrors"] == json!([]))
            .count();
        assert_eq!(ok, 1, "{x} {y}");
        let loser = if x["userErrors"] == json!([]) { &y } else { &x };
        assert_eq!(only_error(loser).2, json!("UNIT_CYCLE"));
    }
}

#[tokio::test]
async fn people_carry_an_external_id_that_only_their_managers_see() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let cora = app.token(&cast.coordinator.username).await;
    let otto = app.token(&cast.other_coordinator.username).await;
    let alice = app.token(&cast.user.username).await;
    let pbx = app.token("pbx").await;
    let ball = encode(NodeType::Unit, cast.college.id);
    let sbs = encode(NodeType::Unit, cast.other_unit.id);
    let new = |username: &str, unit: &str, key: Value| {
        json!({
            "username": username,
            "displayName": format!("{username} Example"),
            "email": format!("{username}@example.ac.uk"),
            "unitId": unit,
            "externalId": key,
        })
    };

    // Created with a key (trimmed) by an admin and by the unit's coordinator.
    let p = mutate(
        &app,
        &admin,
        CREATE_PERSON,
        new("erin", &ball, json!(" E-0001 ")),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["person"]["externalId"], "E-0001");
    let erin = p["person"]["id"].as_str().expect("id").to_owned();
    let p = mutate(
        &app,
        &cora,
        CREATE_PERSON,
        new("finn", &ball, json!("E-0002")),
    )
    .await;
    assert_eq!(p["person"]["externalId"], "E-0002", "{p}");
    let finn = p["person"]["id"].as_str().expect("id").to_owned();
    let p = mutate(&app, &cora, CREATE_PERSON, new("gus", &ball, Value::Null)).await;
    assert_eq!(p["person"]["externalId"], Value::Null, "{p}");
    // Someone else's key is DUPLICATE, exact spelling after trimming.
    let p = mutate(
        &app,
        &admin,
        CREATE_PERSON,
        new("hal", &ball, json!("E-0001  ")),
    )
    .await;
    assert_eq!(
        only_error(&p),
        (
            json!(["input", "externalId"]),
            "DUPLICATE".into(),
            Value::Null
        )
    );
    for bad in [
        json!(""),
        json!("   "),
        json!("E\u{0}1"),
        json!("a\tb"),
        json!("x".repeat(101)),
    ] {
        let p = mutate(&app, &admin, CREATE_PERSON, new("ivy", &ball, bad.clone())).await;
        assert_eq!(
            only_error(&p),
            (
                json!(["input", "externalId"]),
                "INVALID".into(),
                json!("INVALID_EXTERNAL_ID")
            ),
            "{bad}"
        );
    }
    let p = mutate(
        &app,
        &admin,
        CREATE_PERSON,
        new("ivy", &ball, json!("é".repeat(100))),
    )
    .await;
    assert_eq!(
        p["userErrors"],
        json!([]),
        "100 characters are allowed: {p}"
    );
    // Outside the coordinator's units: NOT_ALLOWED; a user and a service: FORBIDDEN.
    let p = mutate(&app, &otto, CREATE_PERSON, new("jo", &ball, json!("E-9"))).await;
    assert_eq!(only_error(&p).1, "NOT_ALLOWED");
    for token in [&alice, &pbx] {
        assert_eq!(
            refused(&app, token, CREATE_PERSON, new("jo", &ball, json!("E-9")))
                .await
                .as_deref(),
            Some("FORBIDDEN")
        );
    }

    // Updates: set, DUPLICATE, INVALID, clear; only the unit's coordinators and admins.
    let p = mutate(
        &app,
        &cora,
        UPDATE_PERSON,
        json!({ "personId": finn, "externalId": "E-0001" }),
    )
    .await;
    assert_eq!(
        only_error(&p),
        (
            json!(["input", "externalId"]),
            "DUPLICATE".into(),
            Value::Null
        )
    );
    let p = mutate(
        &app,
        &cora,
        UPDATE_PERSON,
        json!({ "personId": finn, "externalId": "a\nb" }),
    )
    .await;
    assert_eq!(only_error(&p).2, json!("INVALID_EXTERNAL_ID"));
    let p = mutate(
        &app,
        &cora,
        UPDATE_PERSON,
        json!({ "personId": finn, "externalId": "E-0003" }),
    )
    .await;
    assert_eq!(p["person"]["externalId"], "E-0003", "{p}");
    let p = mutate(
        &app,
        &admin,
        UPDATE_PERSON,
        json!({ "personId": erin, "externalId": "E-0001" }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "keeping one's own key: {p}");
    let p = mutate(
        &app,
        &otto,
        UPDATE_PERSON,
        json!({ "personId": finn, "externalId": "E-7" }),
    )
    .await;
    assert_eq!(only_error(&p).1, "NOT_ALLOWED");
    for token in [&alice, &pbx] {
        assert_eq!(
            refused(
                &app,
                token,
                UPDATE_PERSON,
                json!({ "personId": finn, "externalId": "E-7" })
            )
            .await
            .as_deref(),
            Some("FORBIDDEN")
        );
    }
    let p = mutate(
        &app,
        &admin,
        UPDATE_PERSON,
        json!({ "personId": finn, "externalId": null }),
    )
    .await;
    assert_eq!(p["person"]["externalId"], Value::Null, "{p}");
    let p = mutate(
        &app,
        &admin,
        UPDATE_PERSON,
        json!({ "personId": finn, "externalId": "E-0002" }),
    )
    .await;
    assert_eq!(p["person"]["externalId"], "E-0002", "{p}");
    // An update that leaves it out keeps it.
    let p = mutate(
        &app,
        &admin,
        UPDATE_PERSON,
        json!({ "personId": finn, "jobTitle": "Keeper" }),
    )
    .await;
    assert_eq!(p["person"]["externalId"], "E-0002", "{p}");

    // Who sees it: admins and the unit's coordinators; not the person, a colleague, another
    // unit's coordinator, or a service.
    let erin_token = app.token("erin").await;
    let q = "{ person(username: \"erin\") { username externalId } }";
    for (who, token, sees) in [
        ("admin", &admin, true),
        ("coordinator", &cora, true),
        ("other coordinator", &otto, false),
        ("colleague", &alice, false),
        ("the person", &erin_token, false),
    ] {
        let r = app.graphql(q).as_(token).send().await.ok();
        let expected = if sees { json!("E-0001") } else { Value::Null };
        assert_eq!(r.data("/person/username"), "erin", "{who}");
        assert_eq!(r.data("/person/externalId"), &expected, "{who}");
    }
    let r = app
        .graphql("{ me { externalId } }")
        .as_(&erin_token)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/me/externalId"), &Value::Null);

    // The lookup by key finds someone only for those who may see the key.
    let q = "query($k: String!) { person(externalId: $k) { username externalId } }";
    for (who, token, finds) in [
        ("admin", &admin, true),
        ("coordinator", &cora, true),
        ("other coordinator", &otto, false),
        ("colleague", &alice, false),
        ("the person", &erin_token, false),
        ("service", &pbx, false),
    ] {
        let r = app
            .graphql(q)
            .vars(json!({ "k": " E-0001 " }))
            .as_(token)
            .send()
            .await
            .ok();
        let expected = if finds {
            json!({ "username": "erin", "externalId": "E-0001" })
        } else {
            Value::Null
        };
        assert_eq!(r.data("/person"), &expected, "{who}");
    }
    let r = app
        .graphql(q)
        .vars(json!({ "k": "E-nobody" }))
        .as_(&admin)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/person"), &Value::Null);
    // Exactly one of username and externalId.
    for q in [
        "{ person { username } }",
        "{ person(username: \"erin\", externalId: \"E-0001\") { username } }",
    ] {
        let r = app.graphql(q).as_(&admin).send().await;
        assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{q}");
    }
    // A person of SBS is found by the admin but not by Cora.
    let p = mutate(&app, &admin, CREATE_PERSON, new("kim", &sbs, json!("S-1"))).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    for (token, finds) in [(&admin, true), (&cora, false), (&otto, true)] {
        let r = app
            .graphql(q)
            .vars(json!({ "k": "S-1" }))
            .as_(token)
            .send()
            .await
            .ok();
        assert_eq!(!r.data("/person").is_null(), finds);
    }
}

#[tokio::test]
async fn an_external_id_taken_at_the_same_moment_is_duplicate() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let ball = encode(NodeType::Unit, cast.college.id);
    let create = |n: u32| {
        mutate(
            &app,
            &admin,
            CREATE_PERSON,
            json!({
                "username": format!("racer{n}"),
                "displayName": format!("Racer {n}"),
                "email": format!("racer{n}@example.ac.uk"),
                "unitId": ball,
                "externalId": "SAME",
            }),
        )
    };
    let results = futures_util::future::join_all((0..4).map(create)).await;
    let won = results
        .iter()
        .filter(|p| p["userErrors"] == json!([]))
        .count();
    assert_eq!(won, 1, "{results:?}");
    for p in results.iter().filter(|p| p["userErrors"] != json!([])) {
        assert_eq!(
            only_error(p),
            (
                json!(["input", "externalId"]),
                "DUPLICATE".into(),
                Value::Null
            )
        );
    }

    // Two people given the same new key at once.
    let ids = [cast.user.id, cast.hidden.id].map(|id| encode(NodeType::Person, id));
    let (x, y) = tokio::join!(
        mutate(
            &app,
            &admin,
            UPDATE_PERSON,
            json!({ "personId": ids[0], "externalId": "TWIN" })
        ),
        mutate(
            &app,
            &admin,
            UPDATE_PERSON,
            json!({ "personId": ids[1], "externalId": "TWIN" })
        ),
    );
    let ok = [&x, &y]
        .iter()
        .filter(|p| p["userErrors"] == json!([]))
        .count();
    assert_eq!(ok, 1, "{x} {y}");
    let loser = if x["userErrors"] == json!([]) { &y } else { &x };
    assert_eq!(
        only_error(loser),
        (
            json!(["input", "externalId"]),
            "DUPLICATE".into(),
            Value::Null
        )
    );
}

//! Lines as data through the router: `createLine`, `updateLine` and `releaseLine` with each
//! role's boundary and the bad input, the quarantine of a released number, and the one
//! number rule shared by the EA whitelist, `routeCall` and `createLine`.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures};
use chrono::{Duration, Utc};
use entity::{audit_event, device, line};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

const LINE_FIELDS: &str = "id number extension kind diallingPermission version quarantinedUntil";

fn create_line() -> String {
    format!(
        "mutation($i: CreateLineInput!) {{ createLine(input: $i) {{ line {{ {LINE_FIELDS} }} userErrors {{ field code reason message }} }} }}"
    )
}

fn update_line() -> String {
    format!(
        "mutation($i: UpdateLineInput!) {{ updateLine(input: $i) {{ line {{ {LINE_FIELDS} }} userErrors {{ field code reason message }} }} }}"
    )
}

fn release_line() -> String {
    format!(
        "mutation($i: ReleaseLineInput!) {{ releaseLine(input: $i) {{ line {{ {LINE_FIELDS} }} userErrors {{ field code reason message }} }} }}"
    )
}

const ASSIGN: &str = "mutation($i: AssignLineInput!) { assignLine(input: $i) { line { id quarantinedUntil } userErrors { field code reason message } } }";

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

async fn stored(app: &TestApp, id: Uuid) -> line::Model {
    line::Entity::find_by_id(id)
        .one(app.db())
        .await
        .expect("db")
        .expect("line")
}

async fn owned_line(app: &TestApp, owner: Uuid) -> line::Model {
    line::Entity::find()
        .filter(line::Column::OwnerId.eq(owner))
        .one(app.db())
        .await
        .expect("db")
        .expect("line")
}

fn id_of(payload: &Value) -> Uuid {
    let id = payload["line"]["id"].as_str().expect("a line id");
    chorus::graphql::node::decode(NodeType::Line, id).expect("a line id")
}

#[tokio::test]
async fn admins_create_lines_with_numbers_in_e164_and_refusals_say_why() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token("ada").await;
    let college = encode(NodeType::Unit, cast.college.id).0;
    let alice = encode(NodeType::Person, cast.user.id).0;

    let p = mutate(
        &app,
        &admin,
        &create_line(),
        json!({ "number": "01632 960555", "extension": " 71234 ", "kind": "PERSONAL",
                "unitId": college, "ownerId": alice }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["line"]["number"], "+441632960555");
    assert_eq!(p["line"]["extension"], "71234");
    assert_eq!(p["line"]["diallingPermission"], "NATIONAL", "the default");
    assert_eq!(p["line"]["version"], 0);
    assert_eq!(p["line"]["quarantinedUntil"], Value::Null);
    assert_eq!(stored(&app, id_of(&p)).await.owner_id, Some(cast.user.id));
    assert_eq!(events(&app, "line.create").await, 1);

    // The owner is found by the new extension at once.
    let user = app.token("alice").await;
    let r = app
        .graphql("{ directory(search: \"71234\") { nodes { username } } }")
        .as_(&user)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/directory/nodes"),
        &json!([{ "username": "alice" }])
    );

    // A shared line without owner, and every refusal with its field, code and reason.
    let shared = mutate(
        &app,
        &admin,
        &create_line(),
        json!({ "number": "+44 1632 960556", "extension": "71235", "kind": "SHARED",
                "unitId": college, "diallingPermission": "INTERNAL" }),
    )
    .await;
    assert_eq!(shared["userErrors"], json!([]), "{shared}");
    assert_eq!(shared["line"]["diallingPermission"], "INTERNAL");
    let nowhere = encode(NodeType::Unit, Uuid::now_v7()).0;
    let nobody = encode(NodeType::Person, Uuid::now_v7()).0;
    let cases = [
        (
            json!({ "number": "+44 1632 960555", "extension": "71299", "kind": "PERSONAL", "unitId": college }),
            (json!(["input", "number"]), "DUPLICATE", Value::Null),
        ),
        (
            json!({ "number": "0044 1632 960599", "extension": "71234", "kind": "PERSONAL", "unitId": college }),
            (json!(["input", "extension"]), "DUPLICATE", Value::Null),
        ),
        (
            json!({ "number": "not a number", "extension": "71299", "kind": "PERSONAL", "unitId": college }),
            (
                json!(["input", "number"]),
                "INVALID",
                json!("INVALID_NUMBER"),
            ),
        ),
        (
            json!({ "number": "12", "extension": "71299", "kind": "PERSONAL", "unitId": college }),
            (
                json!(["input", "number"]),
                "INVALID",
                json!("INVALID_NUMBER"),
            ),
        ),
        (
            json!({ "number": "01632 960599", "extension": "7129", "kind": "PERSONAL", "unitId": college }),
            (
                json!(["input", "extension"]),
                "INVALID",
                json!("INVALID_EXTENSION"),
            ),
        ),
        (
            json!({ "number": "01632 960599", "extension": "71299", "kind": "CRITICAL", "unitId": college, "ownerId": alice }),
            (
                json!(["input", "ownerId"]),
                "RULE_VIOLATION",
                json!("OWNER_NEEDS_PERSONAL_LINE"),
            ),
        ),
        (
            json!({ "number": "01632 960599", "extension": "71299", "kind": "PERSONAL", "unitId": nowhere }),
            (json!(["input", "unitId"]), "NOT_FOUND", Value::Null),
        ),
        (
            json!({ "number": "01632 960599", "extension": "71299", "kind": "PERSONAL", "unitId": "garbage" }),
            (json!(["input", "unitId"]), "NOT_FOUND", Value::Null),
        ),
        (
            json!({ "number": "01632 960599", "extension": "71299", "kind": "PERSONAL", "unitId": college, "ownerId": nobody }),
            (json!(["input", "ownerId"]), "NOT_FOUND", Value::Null),
        ),
    ];
    for (input, (field, code, reason)) in cases {
        let p = mutate(&app, &admin, &create_line(), input.clone()).await;
        assert_eq!(p["line"], Value::Null, "{input}");
        let e = &p["userErrors"][0];
        assert_eq!(
            (&e["field"], e["code"].as_str(), &e["reason"]),
            (&field, Some(code), &reason),
            "{input}: {p}"
        );
    }
    assert_eq!(
        events(&app, "line.create").await,
        2,
        "refusals write nothing"
    );
}

#[tokio::test]
async fn only_admins_create_update_and_release_lines() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let college = encode(NodeType::Unit, cast.college.id).0;
    let line = encode(NodeType::Line, owned_line(&app, cast.user.id).await.id).0;
    let calls = [
        (
            create_line(),
            json!({ "number": "01632 960570", "extension": "71270", "kind": "SHARED", "unitId": college }),
        ),
        (
            update_line(),
            json!({ "lineId": line, "diallingPermission": "INTERNATIONAL" }),
        ),
        (release_line(), json!({ "lineId": line })),
    ];
    // Coordinator of the line's unit, of another unit, a plain user, a service account.
    for who in ["cora", "otto", "alice", "pbx"] {
        let token = app.token(who).await;
        for (query, input) in &calls {
            let r = app
                .graphql(query)
                .vars(json!({ "i": input }))
                .as_(&token)
                .send()
                .await;
            assert_eq!(r.error_code(), Some("FORBIDDEN"), "{who}: {}", r.body);
        }
    }
    let r = app
        .graphql(&calls[0].0)
        .vars(json!({ "i": calls[0].1 }))
        .send()
        .await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
    let before = owned_line(&app, cast.user.id).await;
    assert_eq!(before.version, 0, "nothing changed");
    assert_eq!(events(&app, "line.create").await, 0);
}

#[tokio::test]
async fn update_line_checks_the_version_the_unit_and_the_owner() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token("ada").await;
    let line = encode(NodeType::Line, owned_line(&app, cast.user.id).await.id).0;
    let other_unit = encode(NodeType::Unit, cast.other_unit.id).0;

    let p = mutate(
        &app,
        &admin,
        &update_line(),
        json!({ "lineId": line, "diallingPermission": "INTERNATIONAL", "expectedVersion": 0 }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["line"]["diallingPermission"], "INTERNATIONAL");
    assert_eq!(p["line"]["version"], 1);
    let stale = mutate(
        &app,
        &admin,
        &update_line(),
        json!({ "lineId": line, "diallingPermission": "LOCAL", "expectedVersion": 0 }),
    )
    .await;
    assert_eq!(stale["userErrors"][0]["code"], "CONFLICT", "{stale}");
    assert_eq!(
        stale["userErrors"][0]["field"],
        json!(["input", "expectedVersion"])
    );
    let moved = mutate(
        &app,
        &admin,
        &update_line(),
        json!({ "lineId": line, "unitId": other_unit }),
    )
    .await;
    assert_eq!(moved["userErrors"], json!([]), "{moved}");
    assert_eq!(
        stored(&app, owned_line(&app, cast.user.id).await.id)
            .await
            .unit_id,
        cast.other_unit.id
    );
    // A line with an owner stays personal.
    let shared = mutate(
        &app,
        &admin,
        &update_line(),
        json!({ "lineId": line, "kind": "SHARED" }),
    )
    .await;
    assert_eq!(
        (
            &shared["userErrors"][0]["code"],
            &shared["userErrors"][0]["reason"]
        ),
        (
            &json!("RULE_VIOLATION"),
            &json!("OWNER_NEEDS_PERSONAL_LINE")
        )
    );
    for (input, field) in [
        (
            json!({ "lineId": encode(NodeType::Line, Uuid::now_v7()).0, "kind": "SHARED" }),
            "lineId",
        ),
        (json!({ "lineId": "garbage" }), "lineId"),
        (
            json!({ "lineId": line, "unitId": encode(NodeType::Unit, Uuid::now_v7()).0 }),
            "unitId",
        ),
    ] {
        let p = mutate(&app, &admin, &update_line(), input.clone()).await;
        assert_eq!(p["userErrors"][0]["code"], "NOT_FOUND", "{input}: {p}");
        assert_eq!(p["userErrors"][0]["field"], json!(["input", field]));
    }
    // No change: no new version, no audit event.
    let same = mutate(
        &app,
        &admin,
        &update_line(),
        json!({ "lineId": line, "kind": "PERSONAL", "diallingPermission": "INTERNATIONAL" }),
    )
    .await;
    assert_eq!(same["line"]["version"], 2, "{same}");
    assert_eq!(events(&app, "line.update").await, 2);
}

#[tokio::test]
async fn a_released_line_is_held_in_quarantine_before_anyone_gets_it() {
    let app = TestApp::spawn_with(|s| {
        s.lines.quarantine = chorus::domain::lines::QuarantineDays::new(30).expect("30 days");
    })
    .await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token("ada").await;
    let line_model = owned_line(&app, cast.user.id).await;
    let line = encode(NodeType::Line, line_model.id).0;
    let desk = device::Entity::find_by_id(cast.user_device.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("device");
    assert_eq!(
        desk.line_id,
        Some(line_model.id),
        "the desk phone rings on it"
    );

    let p = mutate(&app, &admin, &release_line(), json!({ "lineId": line })).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let until = p["line"]["quarantinedUntil"].as_str().expect("an end");
    let until = chrono::DateTime::parse_from_rfc3339(until).expect("a time");
    let expected = Utc::now() + Duration::days(30);
    assert!(
        (until.with_timezone(&Utc) - expected).num_minutes().abs() < 5,
        "{until} ≈ {expected}"
    );
    let after = stored(&app, line_model.id).await;
    assert_eq!(after.owner_id, None);
    let desk = device::Entity::find_by_id(cast.user_device.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("device");
    assert_eq!(desk.line_id, None, "the desk phone stops ringing for Alice");
    assert_eq!(events(&app, "line.release").await, 1);

    // Nobody gets the number meanwhile: not through assignLine, not through createLine.
    for who in ["ada", "cora"] {
        let token = app.token(who).await;
        let p = mutate(
            &app,
            &token,
            ASSIGN,
            json!({ "lineId": line, "personId": encode(NodeType::Person, cast.hidden.id).0 }),
        )
        .await;
        let e = &p["userErrors"][0];
        assert_eq!(
            (&e["code"], &e["reason"], &e["field"]),
            (
                &json!("RULE_VIOLATION"),
                &json!("LINE_QUARANTINED"),
                &json!(["input", "lineId"])
            ),
            "{who}: {p}"
        );
        let day = until.format("%Y-%m-%d").to_string();
        assert!(
            e["message"].as_str().is_some_and(|m| m.contains(&day)),
            "says until when: {p}"
        );
    }
    let again = mutate(
        &app,
        &admin,
        &create_line(),
        json!({ "number": after.e164, "extension": "71280", "kind": "PERSONAL",
                "unitId": encode(NodeType::Unit, cast.college.id).0 }),
    )
    .await;
    assert_eq!(
        again["userErrors"][0]["reason"], "LINE_QUARANTINED",
        "{again}"
    );

    // The end is shown to admins and coordinators of the line's unit, to nobody else.
    let query = "query($id: ID!) { node(id: $id) { ... on Line { quarantinedUntil } } }";
    for (who, shown) in [
        ("ada", true),
        ("cora", true),
        ("otto", false),
        ("alice", false),
    ] {
        let token = app.token(who).await;
        let r = app
            .graphql(query)
            .vars(json!({ "id": line }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(
            r.data("/node/quarantinedUntil").is_string(),
            shown,
            "{who}: {}",
            r.body
        );
    }

    // Releasing twice, or a shared line, is refused.
    let twice = mutate(&app, &admin, &release_line(), json!({ "lineId": line })).await;
    assert_eq!(twice["userErrors"][0]["reason"], "LINE_NOT_ASSIGNED");
    let shared = mutate(
        &app,
        &admin,
        &create_line(),
        json!({ "number": "01632 960581", "extension": "71281", "kind": "SHARED",
                "unitId": encode(NodeType::Unit, cast.college.id).0 }),
    )
    .await;
    let shared = mutate(
        &app,
        &admin,
        &release_line(),
        json!({ "lineId": shared["line"]["id"] }),
    )
    .await;
    assert_eq!(shared["userErrors"][0]["reason"], "LINE_NOT_PERSONAL");
    let unknown = mutate(
        &app,
        &admin,
        &release_line(),
        json!({ "lineId": encode(NodeType::Line, Uuid::now_v7()).0 }),
    )
    .await;
    assert_eq!(unknown["userErrors"][0]["code"], "NOT_FOUND");

    // Once the quarantine has passed, the line is given again and the hold is cleared.
    let mut active: line::ActiveModel = stored(&app, line_model.id).await.into();
    active.quarantined_until = Set(Some(Utc::now() - Duration::minutes(1)));
    active.update(app.db()).await.expect("end the quarantine");
    let given = mutate(
        &app,
        &admin,
        ASSIGN,
        json!({ "lineId": line, "personId": encode(NodeType::Person, cast.hidden.id).0 }),
    )
    .await;
    assert_eq!(given["userErrors"], json!([]), "{given}");
    assert_eq!(given["line"]["quarantinedUntil"], Value::Null);
    let after = stored(&app, line_model.id).await;
    assert_eq!(
        (after.owner_id, after.quarantined_until),
        (Some(cast.hidden.id), None)
    );
}

#[tokio::test]
async fn the_whitelist_route_call_and_create_line_read_numbers_alike() {
    let g = crate::groups::setup().await;
    let alice = g.app.token("alice").await;
    let admin = g.app.token("ada").await;
    let group = encode(NodeType::EaGroup, g.ea).0;
    let from = g.app.number_of(g.cast.user.id).await;
    let college = encode(NodeType::Unit, g.cast.college.id).0;
    // Ofcom's drama range, in the spellings people type.
    let spellings = [
        ("+44 1632 960555", "+441632960555"),
        ("01632 960556", "+441632960556"),
        ("0044 1632 960557", "+441632960557"),
        ("(01632) 960-558", "+441632960558"),
        ("+44 (0)1632 960559", "+441632960559"),
        ("07700 900560", "+447700900560"),
    ];
    for (i, (spelling, e164)) in spellings.into_iter().enumerate() {
        let r = g
            .app
            .graphql("mutation($g: ID!, $n: String!) { addEaWhitelistEntry(input: {groupId: $g, number: $n}) { userErrors { code message } } }")
            .vars(json!({ "g": group, "n": spelling }))
            .as_(&alice)
            .send()
            .await
            .ok();
        assert_eq!(
            r.data("/addEaWhitelistEntry/userErrors"),
            &json!([]),
            "whitelist: {spelling}"
        );
        let r = g
            .app
            .graphql("query($to: String!, $from: String!) { routeCall(to: $to, from: $from) { to from } }")
            .vars(json!({ "to": spelling, "from": from }))
            .as_(&admin)
            .send()
            .await
            .ok();
        assert_eq!(
            r.data("/routeCall/to"),
            &json!(e164),
            "routeCall: {spelling}"
        );
        let p = mutate(
            &g.app,
            &admin,
            &create_line(),
            json!({ "number": spelling, "extension": format!("7300{i}"), "kind": "SHARED",
                    "unitId": college }),
        )
        .await;
        assert_eq!(
            p["line"]["number"],
            json!(e164),
            "createLine: {spelling}: {p}"
        );
    }
}

//! Regressions found by fuzzing the API with schemathesis (tests/conformance/schemathesis.sh):
//! each test replays what made the server answer INTERNAL, and checks that the answer is now
//! data, a payload's `userErrors`, or an error with a deliberate code.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{GraphqlResponse, TestApp, fixtures};
use entity::line;
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// Panics when an error of the response has no code or the code INTERNAL.
fn assert_deliberate(r: &GraphqlResponse, what: &str) {
    assert!(r.status < 500, "{what}: HTTP {} {:#}", r.status, r.body);
    for error in r.body["errors"].as_array().into_iter().flatten() {
        let code = error.pointer("/extensions/code").and_then(Value::as_str);
        assert!(
            code.is_some_and(|c| c != "INTERNAL"),
            "{what}: {code:?} error {error:#}"
        );
    }
}

/// Two mutations that read before they write, at once, on SQLite: a deferred transaction
/// cannot wait for a concurrent writer (SQLite answers "database is locked" at once), so
/// these answered INTERNAL under load. Write transactions now begin IMMEDIATE and queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_read_then_write_mutations_queue_instead_of_failing() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let line = line::Entity::find()
        .filter(line::Column::OwnerId.eq(cast.user.id))
        .one(app.db())
        .await
        .expect("query")
        .expect("the user's line");
    let person = encode(NodeType::Person, cast.user.id);
    let unit = encode(NodeType::Unit, cast.college.id);
    let line = encode(NodeType::Line, line.id);
    let mutations = [
        (
            "mutation($id: ID!, $n: String) { updateUnit(input: {id: $id, name: $n}) { unit { id } } }",
            json!({ "id": unit }),
        ),
        (
            "mutation($id: ID!, $n: String) { updatePerson(input: {personId: $id, jobTitle: $n}) { person { id } userErrors { code } } }",
            json!({ "id": person }),
        ),
        (
            "mutation($id: ID!) { setDirectoryStatus(input: {personId: $id, status: LISTED}) { person { id } } }",
            json!({ "id": person }),
        ),
        (
            "mutation($id: ID!) { setDiallingPermission(input: {lineId: $id, permission: INTERNATIONAL}) { line { id } } }",
            json!({ "id": line }),
        ),
    ];
    for round in 0..3 {
        let calls = (0..24).map(|i| {
            let (query, mut vars) = mutations[i % mutations.len()].clone();
            if query.contains("$n") {
                vars["n"] = json!(format!("Name {round}-{i}"));
            }
            let token = admin.clone();
            let app = &app;
            async move { app.graphql(query).vars(vars).as_(&token).send().await }
        });
        for (i, r) in join_all(calls).await.iter().enumerate() {
            assert_deliberate(r, &format!("round {round}, call {i}"));
        }
    }
}

/// Instants chrono accepts but PostgreSQL cannot store or compare with ("timestamp out of
/// range" before 4713 BC) answered INTERNAL there: in arguments they are now the caller's
/// error (BAD_USER_INPUT) on PostgreSQL and plain data on SQLite; in a cursor, which no row
/// can have produced, BAD_USER_INPUT everywhere.
#[tokio::test]
async fn instants_beyond_the_database_range_are_the_callers_error() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let user = app.token(&cast.user.username).await;
    let far = "-262143-01-01T00:00:00Z";
    let calls = [
        (
            "query($t: DateTime!) { missedCallCount(since: $t) }",
            json!({ "t": far }),
        ),
        (
            "query($t: DateTime!) { callHistory(filter: {until: $t}) { nodes { id } } }",
            json!({ "t": far }),
        ),
        (
            "query($t: DateTime!, $u: DateTime!) { conferenceBridges { freePorts(from: $t, until: $u) } }",
            json!({ "t": far, "u": "2038-01-01T00:00:00Z" }),
        ),
    ];
    for (query, vars) in calls {
        let r = app.graphql(query).vars(vars).as_(&user).send().await;
        assert_deliberate(&r, query);
    }
    let forged = chorus::graphql::pagination::encode_cursor(&(far, uuid::Uuid::now_v7()));
    for query in [
        "query($c: String) { voicemails(after: $c) { nodes { id } } }",
        "query($c: String) { callHistory(after: $c) { nodes { id } } }",
        "query($c: String) { conferences(after: $c) { nodes { id } } }",
    ] {
        let r = app
            .graphql(query)
            .vars(json!({ "c": forged }))
            .as_(&user)
            .send()
            .await;
        assert_eq!(
            r.error_code(),
            Some("BAD_USER_INPUT"),
            "{query}: {:#}",
            r.body
        );
    }
}

/// An administrator may create a group in any unit; one that does not exist failed the
/// insert's foreign key (INTERNAL). It is now a NOT_FOUND user error on `unitId`.
#[tokio::test]
async fn a_group_in_a_unit_that_does_not_exist_is_not_found() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let admin = app.token(&cast.admin.username).await;
    let nowhere = encode(NodeType::Unit, uuid::Uuid::now_v7());
    let person = encode(NodeType::Person, cast.user.id);
    let coordinator = encode(NodeType::Person, cast.coordinator.id);
    let calls = [
        (
            "mutation($u: ID!, $p: ID!) { createPickupGroup(input: {unitId: $u, name: \"Lodge\", personIds: [$p]}) { pickupGroup { id } userErrors { field code } } }",
            "/createPickupGroup",
        ),
        (
            "mutation($u: ID!, $p: ID!, $q: ID!) { createEaGroup(input: {unitId: $u, name: \"Office\", managerIds: [$p], assistantIds: [$q]}) { eaGroup { id } userErrors { field code } } }",
            "/createEaGroup",
        ),
    ];
    for (query, at) in calls {
        let r = app
            .graphql(query)
            .vars(json!({ "u": nowhere, "p": person, "q": coordinator }))
            .as_(&admin)
            .send()
            .await;
        assert_deliberate(&r, query);
        let errors = r.data(&format!("{at}/userErrors"));
        assert_eq!(errors[0]["code"], "NOT_FOUND", "{query}: {:#}", r.body);
        assert_eq!(
            errors[0]["field"],
            json!(["input", "unitId"]),
            "{:#}",
            r.body
        );
    }
}

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

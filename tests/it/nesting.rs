//! Deeply nested requests: a list literal 1,750 levels deep once overflowed a worker's stack and
//! aborted the whole process. Every shape (list and object literals in the document, in the
//! variables) at 10,000 levels, over POST, GET and the WebSocket, must be refused with
//! `LIMIT_EXCEEDED`, and the server must go on answering.
//!
//! The deep texts are built as strings: building them as `serde_json::Value`s would recurse in
//! the test itself.

use chorus_tests::{TestApp, fixtures, ws_next};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const LEVELS: usize = 10_000;
/// A URI holds at most 64 KiB (the `http` crate's limit, and hyper's), so over GET the
/// shapes go 4,000 levels deep: still more than twice what crashed the server.
const GET_LEVELS: usize = 4_000;

/// `[[[…"x"…]]]`, `levels` deep.
fn deep_list(levels: usize) -> String {
    format!("{}\"x\"{}", "[".repeat(levels), "]".repeat(levels))
}

/// `{a: {a: … "x" …}}` in GraphQL, or `{"a": {"a": … "x" …}}` in JSON, `levels` deep.
fn deep_object(levels: usize, json: bool) -> String {
    let open = if json { "{\"a\":" } else { "{a:" };
    format!("{}\"x\"{}", open.repeat(levels), "}".repeat(levels))
}

/// The documents and variables that crashed the server, each shape at `levels`.
fn deep_documents(levels: usize) -> Vec<(&'static str, String)> {
    vec![
        (
            "list in the document",
            format!("{{ nodes(ids: {}) {{ id }} }}", deep_list(levels)),
        ),
        (
            "object in the document",
            format!("{{ nodes(ids: {}) {{ id }} }}", deep_object(levels, false)),
        ),
        (
            "selection sets",
            format!("{{ me {}{}", "{ a ".repeat(levels), "}".repeat(levels + 1)),
        ),
    ]
}

fn deep_variables(levels: usize) -> Vec<(&'static str, String)> {
    vec![
        ("list in the variables", deep_list(levels)),
        ("object in the variables", deep_object(levels, true)),
    ]
}

const QUERY_WITH_VARIABLE: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";

async fn app_and_token() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    (app, token)
}

/// POSTs a raw JSON body; the status and the first error's code.
async fn post_raw(app: &TestApp, token: &str, body: String) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("accept", "application/graphql-response+json")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> Option<&str> {
    body.pointer("/errors/0/extensions/code")
        .and_then(Value::as_str)
}

/// The server still answers an ordinary query.
async fn still_alive(app: &TestApp, token: &str) {
    app.graphql("{ me { username } }")
        .as_(token)
        .send()
        .await
        .ok();
}

#[tokio::test]
async fn deep_documents_and_variables_are_refused_over_post_and_get() {
    let (app, token) = app_and_token().await;
    for (shape, document) in deep_documents(LEVELS) {
        let body = json!({ "query": document }).to_string();
        let (status, answer) = post_raw(&app, &token, body).await;
        assert_eq!(status, 400, "{shape} over POST: {answer}");
        assert_eq!(code(&answer), Some("LIMIT_EXCEEDED"), "{shape}: {answer}");
    }
    for (shape, document) in deep_documents(GET_LEVELS) {
        let response = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", document.as_str())])
            .bearer_auth(&token)
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .map_err(|e| e.without_url())
            .expect("the server answers");
        assert_eq!(response.status().as_u16(), 400, "{shape} over GET");
        let answer: Value = response.json().await.expect("json");
        assert_eq!(code(&answer), Some("LIMIT_EXCEEDED"), "{shape}: {answer}");
    }
    for (shape, variables) in deep_variables(LEVELS) {
        let body = format!(
            "{{\"query\": {}, \"variables\": {{\"ids\": {variables}}}}}",
            Value::from(QUERY_WITH_VARIABLE)
        );
        let (status, answer) = post_raw(&app, &token, body).await;
        assert_eq!(status, 400, "{shape} over POST: {answer}");
        assert_eq!(code(&answer), Some("LIMIT_EXCEEDED"), "{shape}: {answer}");
    }
    for (shape, variables) in deep_variables(GET_LEVELS) {
        let response = app
            .client
            .get(app.url("/graphql"))
            .query(&[
                ("query", QUERY_WITH_VARIABLE),
                ("variables", &format!("{{\"ids\": {variables}}}")),
            ])
            .bearer_auth(&token)
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .map_err(|e| e.without_url())
            .expect("the server answers");
        assert_eq!(response.status().as_u16(), 400, "{shape} over GET");
        let answer: Value = response.json().await.expect("json");
        assert_eq!(code(&answer), Some("LIMIT_EXCEEDED"), "{shape}: {answer}");
    }
    still_alive(&app, &token).await;
}

/// Just under the limit the request goes on to validation, which refuses it with its own
/// code: nothing on the way recurses too deep for a worker's stack in a debug build either.
#[tokio::test]
async fn nesting_at_the_limit_is_validated_not_crashed() {
    let (app, token) = app_and_token().await;
    let limit = chorus::graphql::cost::MAX_NESTING;
    // `{`, `nodes(` and the list: the list itself may be `limit - 2` deep.
    for (shape, document) in [
        (
            "list",
            format!("{{ nodes(ids: {}) {{ id }} }}", deep_list(limit - 2)),
        ),
        (
            "object",
            format!(
                "{{ nodes(ids: {}) {{ id }} }}",
                deep_object(limit - 2, false)
            ),
        ),
    ] {
        let (status, answer) =
            post_raw(&app, &token, json!({ "query": document }).to_string()).await;
        assert_eq!(status, 400, "{shape}: {answer}");
        assert!(
            code(&answer).is_some_and(|c| c != "LIMIT_EXCEEDED" && c != "INTERNAL"),
            "{shape} at the limit is refused by validation, not the screen: {answer}"
        );
        // One level more is the screen's.
        let over = format!("{{ nodes(ids: [{}]) {{ id }} }}", deep_list(limit - 2));
        let (_, answer) = post_raw(&app, &token, json!({ "query": over }).to_string()).await;
        assert_eq!(code(&answer), Some("LIMIT_EXCEEDED"), "{answer}");
    }
    // Variables just under the limit: coerced (and refused as the wrong type), no crash.
    let variables = deep_list(limit - 4);
    let body = format!(
        "{{\"query\": {}, \"variables\": {{\"ids\": {variables}}}}}",
        Value::from(QUERY_WITH_VARIABLE)
    );
    let (status, answer) = post_raw(&app, &token, body).await;
    assert_eq!(status, 400, "{answer}");
    assert!(code(&answer).is_some_and(|c| c != "INTERNAL"), "{answer}");
    still_alive(&app, &token).await;
}

#[tokio::test]
async fn deep_subscriptions_are_refused_over_the_websocket() {
    let (app, token) = app_and_token().await;
    let mut ws = app.ws_ready(&token).await;
    // Deep documents: an `error` for that operation, and the socket stays open.
    for (i, (shape, document)) in deep_documents(LEVELS).into_iter().enumerate() {
        let id = format!("deep{i}");
        let subscribe = format!(
            "{{\"id\": \"{id}\", \"type\": \"subscribe\", \"payload\": {{\"query\": {}}}}}",
            Value::from(format!("subscription {}", &document[..]))
        );
        ws.send(Message::Text(subscribe.into()))
            .await
            .expect("send");
        let answer = ws_next(&mut ws)
            .await
            .expect("an error message, not a close");
        assert_eq!(answer["type"], "error", "{shape}: {answer}");
        assert_eq!(answer["id"], id.as_str(), "{shape}: {answer}");
        assert_eq!(
            answer.pointer("/payload/0/extensions/code"),
            Some(&Value::from("LIMIT_EXCEEDED")),
            "{shape}: {answer}"
        );
    }
    // The socket still serves a subscription.
    let ok = json!({ "id": "ok", "type": "subscribe", "payload": {
        "query": "subscription { voicemailReceived { pbxMessageId } }" } });
    ws.send(Message::Text(ok.to_string().into()))
        .await
        .expect("send");
    let complete = json!({ "id": "ok", "type": "complete" });
    ws.send(Message::Text(complete.to_string().into()))
        .await
        .expect("send");

    // Deep variables: the message itself is refused before it is read (4400), on a socket
    // of its own each.
    for (shape, variables) in deep_variables(LEVELS) {
        let mut ws = app.ws_ready(&token).await;
        let subscribe = format!(
            "{{\"id\": \"v\", \"type\": \"subscribe\", \"payload\": {{\"query\": {}, \"variables\": {{\"ids\": {variables}}}}}}}",
            Value::from("subscription($ids: [ID!]) { voicemailReceived { pbxMessageId } }")
        );
        ws.send(Message::Text(subscribe.into()))
            .await
            .expect("send");
        assert_eq!(ws_next(&mut ws).await.err(), Some(4400), "{shape}");
    }
    still_alive(&app, &token).await;
}

/// A few lines of fragments, each spreading the next twice, stand for 2^n fields: found by the
/// `nested_requests` fuzz target (30 levels kept the server busy for good). The cost walk stops
/// at its budget and the operation is refused by its cost before async-graphql expands it.
#[tokio::test]
async fn fragments_that_double_are_refused_by_their_cost() {
    let (app, token) = app_and_token().await;
    let mut document = String::from("{ ...F0 }");
    for i in 0..40 {
        document.push_str(&format!(
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    document.push_str(" fragment F40 on Query { __typename }");
    for operation in [document.clone(), document.replacen('{', "mutation {", 1)] {
        let r = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            app.graphql(&operation).as_(&token).send(),
        )
        .await
        .expect("answered, not expanded");
        assert_eq!(r.error_code(), Some("MAX_COST_EXCEEDED"), "{}", r.body);
    }
    still_alive(&app, &token).await;
}

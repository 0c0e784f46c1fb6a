//! GraphQL over HTTP: the spec's status codes and media types, and the WebSocket handshake.

use chorus_tests::{TestApp, fixtures};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

async fn app_and_token() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    (app, token)
}

#[tokio::test]
async fn media_types_and_status_codes_follow_graphql_over_http() {
    let (app, token) = app_and_token().await;
    let post = |accept: &'static str, content_type: &'static str, body: String| {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .header("accept", accept)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let q = json!({ "query": "{ __typename }" }).to_string();

    let r = post(
        "application/graphql-response+json",
        "application/json",
        q.clone(),
    )
    .await
    .expect("send");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/graphql-response+json"
    );

    let r = post("application/json", "application/json", q.clone())
        .await
        .expect("send");
    assert_eq!(r.headers()["content-type"], "application/json");

    let r = post("text/html", "application/json", q.clone())
        .await
        .expect("send");
    assert_eq!(r.status(), 406);

    let r = post("application/json", "text/plain", q.clone())
        .await
        .expect("send");
    assert_eq!(r.status(), 415);

    let r = post(
        "application/graphql-response+json",
        "application/json",
        "{not json".into(),
    )
    .await
    .expect("send");
    assert_eq!(r.status(), 400);

    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]).to_string();
    let r = post(
        "application/graphql-response+json",
        "application/json",
        batch,
    )
    .await
    .expect("send");
    assert_eq!(r.status(), 400);

    // A validation error: 400 without a data key for the new media type, 200 for legacy JSON.
    let bad = json!({ "query": "{ noSuchField }" }).to_string();
    let r = post(
        "application/graphql-response+json",
        "application/json",
        bad.clone(),
    )
    .await
    .expect("send");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert!(
        body.get("data").is_none() && body["errors"].is_array(),
        "{body:#}"
    );
    let r = post("application/json", "application/json", bad)
        .await
        .expect("send");
    assert_eq!(r.status(), 200);

    let huge = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(5 << 20)) }).to_string();
    let r = post(
        "application/graphql-response+json",
        "application/json",
        huge,
    )
    .await
    .expect("send");
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let (app, token) = app_and_token().await;
    let r = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ me { username } }")])
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["data"]["me"]["username"], "alice");

    let r = app
        .client
        .get(app.url("/graphql"))
        .query(&[(
            "query",
            "mutation { updateUnit(input: {id: \"x\"}) { unit { name } } }",
        )])
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
}

#[tokio::test]
async fn a_browser_gets_graphiql() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("text").contains("graphiql"));
}

#[tokio::test]
async fn introspection_works_despite_the_depth_limit_but_deep_queries_do_not() {
    let (app, token) = app_and_token().await;
    // A deep introspection query like the one GraphiQL sends.
    let introspection = "{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } }";
    let r = app.graphql(introspection).as_(&token).send().await.ok();
    assert!(
        r.data("/__schema/types")
            .as_array()
            .is_some_and(|t| t.len() > 10)
    );
    // Mixed with a data field, the same depth is refused by the limit.
    let deep = "{ me { id } __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }";
    let r = app.graphql(deep).as_(&token).send().await;
    assert_eq!(r.status, 400, "{:#}", r.body);
}

#[tokio::test]
async fn the_websocket_needs_a_token_in_connection_init() {
    let (app, token) = app_and_token().await;
    let url = format!("ws://{}/graphql/ws", app.addr);
    let connect = |payload: Value| {
        let url = url.clone();
        async move {
            let mut request = url.into_client_request().expect("request");
            request.headers_mut().insert(
                "sec-websocket-protocol",
                HeaderValue::from_static("graphql-transport-ws"),
            );
            let (mut ws, _) = tokio_tungstenite::connect_async(request)
                .await
                .expect("connect");
            let init = json!({ "type": "connection_init", "payload": payload }).to_string();
            ws.send(Message::Text(init.into()))
                .await
                .expect("send init");
            ws.next().await
        }
    };
    let accepted = connect(json!({ "authorization": format!("Bearer {token}") })).await;
    match accepted {
        Some(Ok(Message::Text(t))) => assert!(t.contains("connection_ack"), "{t}"),
        other => panic!("expected connection_ack, got {other:?}"),
    }
    let refused = connect(json!({ "authorization": "Bearer nonsense" })).await;
    assert!(
        matches!(refused, Some(Ok(Message::Close(_))) | None | Some(Err(_))),
        "a bad token must close the socket, got {refused:?}"
    );
}

//! Cross-site request forgery: what a browser on another site can send without a CORS
//! preflight (a form post: `multipart/form-data`, `application/x-www-form-urlencoded`,
//! `text/plain`; with the user's cookies) must not run anything.

use chorus::demo::audio::{mulaw_wav, synth_message};
use chorus_tests::{TestApp, fixtures};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{
    Message,
    client::IntoClientRequest,
    http::HeaderValue,
    protocol::{CloseFrame, frame::coding::CloseCode},
};

const UPLOAD: &str = "mutation($f: Upload!) { uploadGreeting(input: {file: $f}) { mailbox { customGreeting } userErrors { code } } }";

/// A GraphQL multipart request uploading a greeting, with the extra headers given.
async fn upload(app: &TestApp, token: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let operations = json!({ "query": UPLOAD, "variables": { "f": null } });
    let wav = mulaw_wav(&synth_message(7, 1.0, 8000), 8000);
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.f"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(wav).file_name("greeting.wav"),
        );
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("accept", "application/graphql-response+json")
        .multipart(form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_multipart_request_needs_a_preflight_header() {
    let app = TestApp::spawn_with(|settings| {
        settings.network.trusted_networks =
            chorus::config::parse_networks("127.0.0.0/8").expect("cidr");
    })
    .await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;

    // What a cross-site form can send: refused before anything is parsed or run.
    for headers in [vec![], vec![("graphql-require-preflight", "")]] {
        let (status, body) = upload(&app, &token, &headers).await;
        assert_eq!(status, 400, "{headers:?}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("GraphQL-Require-Preflight")),
            "{body:#}"
        );
        assert!(body.get("data").is_none(), "{body:#}");
    }
    let greeting = app
        .graphql("{ mailbox { customGreeting } }")
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(
        greeting.data("/mailbox/customGreeting"),
        false,
        "nothing was uploaded"
    );

    // Any of the three conventional headers lets the upload through.
    for name in [
        "graphql-require-preflight",
        "apollo-require-preflight",
        "x-apollo-operation-name",
    ] {
        let (status, body) = upload(&app, &token, &[(name, "1")]).await;
        assert_eq!(status, 200, "{name}: {body:#}");
        assert_eq!(
            body["data"]["uploadGreeting"]["mailbox"]["customGreeting"], true,
            "{name}: {body:#}"
        );
    }

    // The other form encodings are no GraphQL requests at all.
    for content_type in ["application/x-www-form-urlencoded", "text/plain"] {
        let r = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body("query=mutation%20%7B%20resetGreeting(input%3A%20%7B%7D)%20%7B%20mailbox%20%7B%20customGreeting%20%7D%20%7D%20%7D")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 415, "{content_type}");
    }
}

#[tokio::test]
async fn cookies_are_never_an_auth_source() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    let cookie = format!(
        "authorization=Bearer {token}; Authorization={token}; token={token}; access_token={token}; jwt={token}"
    );

    // GraphQL over HTTP, with the token in every cookie name a gateway might use.
    let r = app
        .client
        .post(app.url("/graphql"))
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .header("graphql-require-preflight", "1")
        .body(json!({ "query": "{ me { username } }" }).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let r = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ me { username } }")])
        .header("cookie", &cookie)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);

    // The plain routes.
    for path in ["/v1/calls.csv", "/v1/teams-column.csv"] {
        let r = app
            .client
            .get(app.url(path))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 401, "{path}");
    }

    // The WebSocket: a cookie on the upgrade does not stand in for the token in
    // connection_init.
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .expect("request");
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    headers.insert("cookie", HeaderValue::from_str(&cookie).expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    ws.send(Message::Text(
        json!({ "type": "connection_init" }).to_string().into(),
    ))
    .await
    .expect("init");
    match ws.next().await {
        Some(Ok(Message::Close(Some(CloseFrame { code, .. })))) => {
            assert_eq!(code, CloseCode::from(4403));
        }
        other => panic!("expected a 4403 close, got {other:?}"),
    }
}

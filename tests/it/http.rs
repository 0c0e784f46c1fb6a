//! GraphQL over HTTP: the spec's status codes and media types, and the graphql-transport-ws
//! protocol of the WebSocket (handshake, close codes, ping, operations).

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

/// Opens `/graphql/ws` with the given subprotocol (None: none offered).
async fn ws_connect(app: &TestApp, protocol: Option<&'static str>) -> Ws {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .expect("request");
    if let Some(protocol) = protocol {
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static(protocol));
    }
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connect")
        .0
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text message, as JSON.
async fn ws_next(ws: &mut Ws) -> Value {
    match tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str(&t).expect("json"),
        other => panic!("expected a message, got {other:?}"),
    }
}

/// The close code (and reason) the server ends with, after sending `frames`.
async fn ws_closed_with(app: &TestApp, frames: &[Value], raw: Option<&str>) -> (u16, String) {
    let mut ws = ws_connect(app, Some("graphql-transport-ws")).await;
    if let Some(raw) = raw {
        ws.send(Message::Text(raw.to_owned().into()))
            .await
            .expect("send");
    }
    for frame in frames {
        ws.send(Message::Text(frame.to_string().into()))
            .await
            .expect("send");
    }
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("closed within 10 s");
        match next {
            Some(Ok(Message::Close(Some(frame)))) => {
                return (u16::from(frame.code), frame.reason.to_string());
            }
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_websocket_closes_with_the_graphql_transport_ws_codes() {
    let app = TestApp::spawn_with(|settings| {
        settings.limits.ws_init_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    let subscribe = |id: &str| {
        json!({ "id": id, "type": "subscribe", "payload": {
            "query": "subscription { voicemailReceived { pbxMessageId } }" } })
    };

    let (code, reason) = ws_closed_with(&app, &[], Some("not json")).await;
    assert_eq!(code, 4400);
    assert!(reason.len() <= 123, "{reason}");
    let (code, _) = ws_closed_with(&app, &[json!({ "type": "next", "id": "1" })], None).await;
    assert_eq!(code, 4400, "a server message from the client");
    let (code, _) = ws_closed_with(&app, &[subscribe("1")], None).await;
    assert_eq!(code, 4401);
    let bad =
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer nonsense" } });
    let (code, _) = ws_closed_with(&app, &[bad], None).await;
    assert_eq!(code, 4403);
    let (code, _) = ws_closed_with(&app, &[json!({ "type": "connection_init" })], None).await;
    assert_eq!(code, 4403, "no token");
    let (code, _) = ws_closed_with(&app, &[], None).await;
    assert_eq!(code, 4408);
    let (code, _) =
        ws_closed_with(&app, &[init.clone(), subscribe("a"), subscribe("a")], None).await;
    assert_eq!(code, 4409);
    let (code, _) = ws_closed_with(&app, &[init.clone(), init.clone()], None).await;
    assert_eq!(code, 4429);

    // Without the subprotocol: 4406. The legacy `graphql-ws` is not selected, so the client
    // fails the handshake itself (it asked for a subprotocol and got none).
    let mut ws = ws_connect(&app, None).await;
    match ws.next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 4406),
        other => panic!("expected a 4406 close, got {other:?}"),
    }
    let mut legacy = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .expect("request");
    legacy.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-ws"),
    );
    assert!(tokio_tungstenite::connect_async(legacy).await.is_err());

    // A healthy session: ping, a query refused (HTTP's job), a subscription completed by the
    // client and its id reused, all on one socket that stays open past the init timeout.
    let mut ws = ws_connect(&app, Some("graphql-transport-ws")).await;
    let send = |v: Value| Message::Text(v.to_string().into());
    ws.send(send(init.clone())).await.expect("init");
    assert_eq!(ws_next(&mut ws).await["type"], "connection_ack");
    ws.send(send(json!({ "type": "ping", "payload": { "n": 1 } })))
        .await
        .expect("ping");
    assert_eq!(
        ws_next(&mut ws).await,
        json!({ "type": "pong", "payload": { "n": 1 } })
    );
    ws.send(send(
        json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ me { username } }" } }),
    ))
    .await
    .expect("query");
    let refused = ws_next(&mut ws).await;
    assert_eq!(refused["type"], "error", "{refused:#}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "BAD_REQUEST");
    ws.send(send(
        json!({ "id": "v", "type": "subscribe", "payload": { "query": "subscription { nope }" } }),
    ))
    .await
    .expect("invalid");
    let invalid = ws_next(&mut ws).await;
    assert_eq!(invalid["type"], "error", "{invalid:#}");
    assert_eq!(invalid["id"], "v");
    ws.send(send(subscribe("s"))).await.expect("subscribe");
    ws.send(send(json!({ "id": "s", "type": "complete" })))
        .await
        .expect("complete");
    ws.send(send(subscribe("s")))
        .await
        .expect("subscribe again");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    ws.send(send(json!({ "type": "ping" })))
        .await
        .expect("ping");
    assert_eq!(ws_next(&mut ws).await, json!({ "type": "pong" }));
}

/// The cost limits and budgets hold for subscriptions too: they are applied by each
/// transport, not by the schema.
#[tokio::test]
async fn subscriptions_are_measured_and_charged_like_queries() {
    let app = TestApp::spawn_with(|settings| {
        settings.limits.max_cost = 3;
        settings.limits.cost_budget = 5;
        settings.limits.cost_restore_rate = 1;
    })
    .await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    let mut ws = ws_connect(&app, Some("graphql-transport-ws")).await;
    let send = |v: Value| Message::Text(v.to_string().into());
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    ws.send(send(init)).await.expect("init");
    assert_eq!(ws_next(&mut ws).await["type"], "connection_ack");
    let subscribe = |id: &str, fields: &str| {
        send(json!({ "id": id, "type": "subscribe", "payload": {
            "query": format!("subscription {{ voicemailReceived {{ {fields} }} }}") } }))
    };

    // 1 + 3 fields: over the limit of 3.
    ws.send(subscribe("big", "id pbxMessageId durationMs"))
        .await
        .expect("subscribe");
    let refused = ws_next(&mut ws).await;
    assert_eq!(refused["type"], "error", "{refused:#}");
    assert_eq!(refused["id"], "big");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "MAX_COST_EXCEEDED"
    );

    // 2 points each from a budget of 5: two run, the third is throttled.
    ws.send(subscribe("a", "id")).await.expect("subscribe a");
    ws.send(subscribe("b", "id")).await.expect("subscribe b");
    ws.send(subscribe("c", "id")).await.expect("subscribe c");
    let throttled = ws_next(&mut ws).await;
    assert_eq!(throttled["type"], "error", "{throttled:#}");
    assert_eq!(throttled["id"], "c");
    assert_eq!(throttled["payload"][0]["extensions"]["code"], "THROTTLED");
    assert!(throttled["payload"][0]["extensions"]["retryAfterSeconds"].is_u64());
    // Nothing else was refused: the next answer is the pong.
    ws.send(send(json!({ "type": "ping" })))
        .await
        .expect("ping");
    assert_eq!(ws_next(&mut ws).await, json!({ "type": "pong" }));
}

/// Parsed documents are reused by their text: the same text with other variables (which
/// `@include` and `@skip` read) answers for those variables, every time.
#[tokio::test]
async fn a_reused_document_answers_for_each_requests_variables() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.admin.username).await;
    let query = "query($u: String!, $mail: Boolean!) { person(username: $u) { username \
                 email @include(if: $mail) displayName @skip(if: $mail) } }";
    let ask = |username: String, mail: bool| {
        let app = &app;
        let token = &token;
        async move {
            app.graphql(query)
                .vars(json!({ "u": username, "mail": mail }))
                .as_(token)
                .send()
                .await
                .ok()
                .body["data"]["person"]
                .clone()
        }
    };
    for round in 0..2 {
        for (person, mail) in [
            (&cast.user, true),
            (&cast.admin, false),
            (&cast.user, false),
        ] {
            let answer = ask(person.username.clone(), mail).await;
            let expected = if mail {
                json!({ "username": person.username, "email": person.email })
            } else {
                json!({ "username": person.username, "displayName": person.display_name })
            };
            assert_eq!(answer, expected, "round {round}");
        }
    }
}

/// An object's fields come in the order the document selects them (the spec's SHOULD), and
/// `data` before `extensions`. (Root fields from different parts of the merged `Query` come
/// in the order of those parts: async-graphql's `MergedObject`.)
#[tokio::test]
async fn response_fields_follow_the_selection_order() {
    let (app, token) = app_and_token().await;
    let text = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ me { username id displayName } }" }))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    let at = |key: &str| {
        text.find(&format!("\"{key}\""))
            .unwrap_or_else(|| panic!("{key} in {text}"))
    };
    assert!(at("username") < at("id"), "{text}");
    assert!(at("id") < at("displayName"), "{text}");
    assert!(at("data") < at("extensions"), "{text}");
}

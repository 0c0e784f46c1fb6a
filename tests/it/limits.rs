//! Limits measured before execution, the cost budget, the production switch for introspection,
//! `/metrics` and request ids: what attack sets (graphql-cop, graphql-armor's defaults) try.

use chorus_tests::{TestApp, fixtures};
use serde_json::{Value, json};

async fn app_and_user(adjust: impl FnOnce(&mut chorus::config::Settings)) -> (TestApp, String) {
    let app = TestApp::spawn_with(adjust).await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    (app, token)
}

#[tokio::test]
async fn alias_token_list_and_page_limits_stop_a_request_before_it_runs() {
    let (app, token) = app_and_user(|_| {}).await;

    // 101 `__typename` aliases: free for async-graphql's complexity, refused here.
    let aliases: String = (0..101).map(|i| format!("a{i}: __typename ")).collect();
    let r = app
        .graphql(&format!("{{ {aliases} }}"))
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.error_code(), Some("LIMIT_EXCEEDED"), "{}", r.body);
    assert!(
        r.body.get("data").is_none(),
        "a request error has no data: {}",
        r.body
    );

    // 30 aliases are fine.
    let aliases: String = (0..30).map(|i| format!("a{i}: __typename ")).collect();
    app.graphql(&format!("{{ {aliases} }}"))
        .as_(&token)
        .send()
        .await
        .ok();

    // Too many tokens (5,000 by default), whatever they are.
    let fields = "__typename ".repeat(5_001);
    let r = app
        .graphql(&format!("{{ {fields} }}"))
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("LIMIT_EXCEEDED"), "{}", r.body);
    assert!(
        r.body
            .pointer("/errors/0/message")
            .and_then(Value::as_str)
            .is_some_and(|m| m.contains("tokens")),
        "{}",
        r.body
    );

    // A list argument longer than 5,000 items, through a variable.
    let ids: Vec<String> = (0..5_001).map(|i| format!("id{i}")).collect();
    let r = app
        .graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }")
        .vars(json!({ "ids": ids }))
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("LIMIT_EXCEEDED"), "{}", r.body);

    // A page larger than 100 is refused by the connection with its own message.
    let r = app
        .graphql("{ directory(search: \"a\", first: 1000) { edges { node { id } } } }")
        .as_(&token)
        .send()
        .await;
    assert!(r.body.get("errors").is_some(), "{}", r.body);
    assert!(
        matches!(r.error_code(), Some("BAD_USER_INPUT" | "LIMIT_EXCEEDED")),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn cost_counts_typename_and_pages_and_is_reported() {
    let (app, token) = app_and_user(|s| s.limits.max_cost = 100).await;

    // 101 plain `__typename` selections cost 101 points.
    let fields = "__typename ".repeat(101);
    let r = app
        .graphql(&format!("{{ {fields} }}"))
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("MAX_COST_EXCEEDED"), "{}", r.body);
    assert_eq!(
        r.body.pointer("/extensions/cost/requestedQueryCost"),
        Some(&json!(101))
    );

    // 50 people with two fields each: 1 + 50 × (1 + 1 + 2) = 201 points.
    let r = app
        .graphql("{ directory(search: \"a\", first: 50) { edges { node { id displayName } } } }")
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("MAX_COST_EXCEEDED"), "{}", r.body);

    // Under the limit: the answer carries the requested and the actual cost.
    let r = app
        .graphql("{ me { id displayName } }")
        .as_(&token)
        .send()
        .await
        .ok();
    let cost = r.body.pointer("/extensions/cost").expect("extensions.cost");
    assert_eq!(cost["requestedQueryCost"], json!(3));
    assert_eq!(cost["actualQueryCost"], json!(3));
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], json!(50_000));
    assert!(
        cost["throttleStatus"]["currentlyAvailable"]
            .as_u64()
            .is_some_and(|n| n < 50_000)
    );

    // Circular introspection is refused; the standard query still works.
    let r = app
        .graphql(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
        )
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("LIMIT_EXCEEDED"), "{}", r.body);
}

#[tokio::test]
async fn a_spent_budget_is_throttled_with_429_per_caller() {
    let app = TestApp::spawn_with(|s| {
        s.limits.max_cost = 100;
        s.limits.cost_budget = 100;
        s.limits.cost_restore_rate = 1;
    })
    .await;
    let cast = fixtures::cast(app.db()).await;
    let user = app.token(&cast.user.username).await;
    let admin = app.token(&cast.admin.username).await;
    let query = format!("{{ {} }}", "__typename ".repeat(60));

    let first = app.graphql(&query).as_(&user).send().await.ok();
    assert_eq!(
        first
            .body
            .pointer("/extensions/cost/throttleStatus/currentlyAvailable"),
        Some(&json!(40))
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&user)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((15..=21).contains(&retry), "retry after {retry} s");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body.pointer("/errors/0/extensions/code"),
        Some(&json!("THROTTLED"))
    );
    assert!(body.get("data").is_none(), "{body}");

    // Another caller has a budget of its own.
    app.graphql(&query).as_(&admin).send().await.ok();
}

#[tokio::test]
async fn production_setting_turns_introspection_and_suggestions_off() {
    let (app, token) = app_and_user(|s| s.introspection = false).await;
    let r = app
        .graphql("{ __schema { queryType { name } } }")
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.error_code(), Some("FORBIDDEN"), "{}", r.body);
    let r = app
        .graphql("{ me { displayNam } }")
        .as_(&token)
        .send()
        .await;
    let message = r
        .body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(!message.contains("Did you mean"), "{message}");

    let (app, token) = app_and_user(|_| {}).await;
    let r = app
        .graphql("{ me { displayNam } }")
        .as_(&token)
        .send()
        .await;
    let message = r
        .body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(message.contains("Did you mean"), "{message}");
}

#[tokio::test]
async fn metrics_and_request_ids() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header("x-request-id", "req-test-1")
        .json(&json!({ "query": "query MetricsProbe { me { id } }" }))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "req-test-1");
    // Without one, the server makes one up.
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("send");
    assert!(
        response
            .headers()
            .get("x-request-id")
            .is_some_and(|v| !v.is_empty())
    );

    let scrape = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("send");
    assert_eq!(scrape.status(), 200);
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/plain")),
        "{:?}",
        scrape.headers()
    );
    let text = scrape.text().await.expect("text");
    for expected in [
        r#"chorus_graphql_operations_total{operation="MetricsProbe",outcome="ok"}"#,
        r#"chorus_graphql_operation_duration_seconds_bucket{operation="MetricsProbe""#,
        r#"chorus_http_requests_total{route="/graphql",method="POST",status="200"}"#,
        r#"chorus_db_pool_connections{state="open"}"#,
        r#"chorus_notification_outbox{state="due"}"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }

    // Relayed by a proxy (not from this host), only an admin may read them.
    let relayed = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .expect("send");
    assert_eq!(relayed.status(), 403);
    let admin = app.token(&cast.admin.username).await;
    let relayed = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .bearer_auth(admin)
        .send()
        .await
        .expect("send");
    assert_eq!(relayed.status(), 200);
}

//! Call history and PBX ingest.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures, fixtures::Cast};
use entity::{call_record, line};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const INGEST: &str =
    "mutation($records: [CallRecordInput!]!) { ingestCallRecords(input: {records: $records}) {
  inserted duplicates rejects { index pbxCallId field message } } }";
const HISTORY: &str = "query($p: ID, $f: CallFilter, $first: Int, $after: String) {
  callHistory(personId: $p, filter: $f, first: $first, after: $after) {
    totalCount nodes { pbxCallId direction result myRole missed fromNumber toNumber
      dialled { username } answeredBy { username } }
    pageInfo { hasNextPage endCursor } } }";

async fn extension(app: &TestApp, person: uuid::Uuid) -> String {
    line::Entity::find()
        .filter(line::Column::OwnerId.eq(person))
        .one(app.db())
        .await
        .expect("db")
        .expect("line")
        .extension
}

fn at(minutes_ago: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes_ago)).to_rfc3339()
}

fn call(id: &str, minutes_ago: i64, direction: &str, from: &str, to: &str, result: &str) -> Value {
    let answered = (result == "ANSWERED").then(|| at(minutes_ago - 1));
    json!({ "pbxCallId": id, "startedAt": at(minutes_ago), "answeredAt": answered, "endedAt": at(minutes_ago - 3),
            "direction": direction, "from": from, "to": to, "result": result })
}

/// Alice: an inbound answered call, an internal missed call to Hugo, an outbound call, and a
/// call to Hugo that Alice picked up; Hugo: a voicemail.
async fn calls(app: &TestApp, cast: &Cast) -> Vec<Value> {
    let alice = extension(app, cast.user.id).await;
    let hugo = extension(app, cast.hidden.id).await;
    let mut picked_up = call("C5", 10, "INBOUND", "+44 20 7946 0001", &hugo, "ANSWERED");
    picked_up["answeredBy"] = json!(alice);
    vec![
        call("C1", 50, "INBOUND", "+44 20 7946 0958", &alice, "ANSWERED"),
        call("C2", 40, "INTERNAL", &alice, &hugo, "MISSED"),
        call("C3", 30, "OUTBOUND", &alice, "+1 650 253 0000", "ANSWERED"),
        call("C4", 20, "INBOUND", "07911 123456", &hugo, "VOICEMAIL"),
        picked_up,
    ]
}

fn ids(r: &chorus_tests::GraphqlResponse) -> Vec<String> {
    r.data("/callHistory/nodes")
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| n["pbxCallId"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn seeded() -> (TestApp, Cast, String) {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let pbx = app.token("pbx").await;
    let records = calls(&app, &cast).await;
    let r = app
        .graphql(INGEST)
        .vars(json!({ "records": records }))
        .as_(&pbx)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/ingestCallRecords"),
        &json!({ "inserted": 5, "duplicates": 0, "rejects": [] })
    );
    (app, cast, pbx)
}

#[tokio::test]
async fn ingest_is_idempotent_by_pbx_call_id() {
    let (app, cast, pbx) = seeded().await;
    let again = calls(&app, &cast).await;
    let r = app
        .graphql(INGEST)
        .vars(json!({ "records": again }))
        .as_(&pbx)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/ingestCallRecords"),
        &json!({ "inserted": 0, "duplicates": 5, "rejects": [] })
    );
    assert_eq!(
        call_record::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        5
    );
}

#[tokio::test]
async fn a_batch_with_a_bad_record_stores_nothing_and_names_each_reject() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let pbx = app.token("pbx").await;
    let alice = extension(&app, cast.user.id).await;
    let mut backwards = call("B2", 10, "INBOUND", "+44 20 7946 0958", &alice, "MISSED");
    backwards["endedAt"] = json!(at(20));
    let records = json!([
        call("B1", 10, "INBOUND", "+44 20 7946 0958", &alice, "ANSWERED"),
        backwards,
        call("B3", 10, "INBOUND", "not a number", &alice, "MISSED"),
        call("B4", 10, "INBOUND", "+44 20 7946 0958", "99999", "MISSED"),
        call("B1", 10, "INBOUND", "+44 20 7946 0958", &alice, "ANSWERED"),
    ]);
    let r = app
        .graphql(INGEST)
        .vars(json!({ "records": records }))
        .as_(&pbx)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/ingestCallRecords/inserted"), 0);
    let rejects: Vec<(i64, String)> = r
        .data("/ingestCallRecords/rejects")
        .as_array()
        .expect("rejects")
        .iter()
        .map(|x| {
            (
                x["index"].as_i64().unwrap_or(-1),
                x["field"][3].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rejects,
        [
            (1, "endedAt".into()),
            (2, "from".into()),
            (3, "to".into()),
            (4, "pbxCallId".into())
        ]
    );
    assert_eq!(
        call_record::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn only_services_with_the_scope_ingest() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    fixtures::service(app.db(), "reader", "directory:read").await;
    let records = json!([call(
        "X1",
        10,
        "INBOUND",
        "+44 20 7946 0958",
        &extension(&app, cast.user.id).await,
        "MISSED"
    )]);
    for who in ["reader", "alice"] {
        let token = app.token(who).await;
        let r = app
            .graphql(INGEST)
            .vars(json!({ "records": records }))
            .as_(&token)
            .send()
            .await;
        assert_eq!(r.error_code(), Some("FORBIDDEN"), "{who}");
    }
    let too_many: Vec<Value> = (0..5001)
        .map(|i| {
            call(
                &format!("M{i}"),
                10,
                "INBOUND",
                "+44 20 7946 0958",
                "70000",
                "MISSED",
            )
        })
        .collect();
    let r = app
        .graphql(INGEST)
        .vars(json!({ "records": too_many }))
        .as_(&app.token("pbx").await)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("LIMIT_EXCEEDED"));
}

#[tokio::test]
async fn history_is_newest_first_with_roles_and_who_answered() {
    let (app, cast, _) = seeded().await;
    let alice = app.token(&cast.user.username).await;
    let r = app.graphql(HISTORY).as_(&alice).send().await.ok();
    assert_eq!(ids(&r), ["C5", "C3", "C2", "C1"]);
    assert_eq!(r.data("/callHistory/totalCount"), 4);
    assert_eq!(r.data("/callHistory/nodes/0/myRole"), "ANSWERED");
    assert_eq!(r.data("/callHistory/nodes/0/answeredBy/username"), "alice");
    assert_eq!(
        r.data("/callHistory/nodes/0/dialled"),
        &Value::Null,
        "hugo is ex-directory: hidden from alice"
    );
    assert_eq!(r.data("/callHistory/nodes/2/myRole"), "CALLER");
    assert_eq!(
        r.data("/callHistory/nodes/2/missed"),
        false,
        "a missed call is missed for the person dialled"
    );
    assert_eq!(r.data("/callHistory/nodes/1/toNumber"), "+16502530000");

    let hugo = app.token(&cast.hidden.username).await;
    let r = app.graphql(HISTORY).as_(&hugo).send().await.ok();
    assert_eq!(ids(&r), ["C5", "C4", "C2"]);
    assert_eq!(
        r.data("/callHistory/nodes/0/answeredBy/username"),
        "alice",
        "dialled hugo, answered by alice"
    );
    let r = app
        .graphql("query($s: DateTime!) { missedCallCount(since: $s) }")
        .vars(json!({ "s": at(45) }))
        .as_(&hugo)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/missedCallCount"), 2);
}

#[tokio::test]
async fn filters_narrow_the_history() {
    let (app, cast, _) = seeded().await;
    let alice = app.token(&cast.user.username).await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({ "direction": "OUTBOUND" }), vec!["C3"]),
        (json!({ "externalOnly": true }), vec!["C5", "C3", "C1"]),
        (json!({ "results": ["MISSED", "VOICEMAIL"] }), vec!["C2"]),
        (json!({ "number": "+1 650*" }), vec!["C3"]),
        (json!({ "number": "020 7946 0958" }), vec!["C1"]),
        (json!({ "from": at(45), "until": at(25) }), vec!["C3", "C2"]),
        (json!({ "viaHuntGroup": true }), vec![]),
    ];
    for (filter, expected) in cases {
        let r = app
            .graphql(HISTORY)
            .vars(json!({ "f": filter }))
            .as_(&alice)
            .send()
            .await
            .ok();
        assert_eq!(ids(&r), expected, "filter {filter}");
    }
    let hugo = app.token(&cast.hidden.username).await;
    let r = app
        .graphql(HISTORY)
        .vars(json!({ "f": { "missed": true } }))
        .as_(&hugo)
        .send()
        .await
        .ok();
    assert_eq!(ids(&r), ["C4", "C2"]);
    for bad in [
        json!({ "number": "abc*" }),
        json!({ "from": at(10), "until": at(20) }),
    ] {
        let r = app
            .graphql(HISTORY)
            .vars(json!({ "f": bad }))
            .as_(&alice)
            .send()
            .await;
        assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{bad}");
    }
}

#[tokio::test]
async fn who_may_read_whose_history() {
    let (app, cast, _) = seeded().await;
    let alice_id = encode(NodeType::Person, cast.user.id);
    let cases = [
        (&cast.hidden.username, Some("FORBIDDEN")),
        (&cast.other_coordinator.username, Some("FORBIDDEN")),
        (&cast.coordinator.username, None),
        (&cast.admin.username, None),
    ];
    for (who, error) in cases {
        let token = app.token(who).await;
        let r = app
            .graphql(HISTORY)
            .vars(json!({ "p": alice_id }))
            .as_(&token)
            .send()
            .await;
        assert_eq!(r.error_code(), error, "{who}");
        if error.is_none() {
            assert_eq!(ids(&r).len(), 4, "{who}");
        }
    }
    // An id that names nobody is answered like someone else's: ids cannot be probed.
    let nobody = encode(NodeType::Person, uuid::Uuid::now_v7());
    let token = app.token(&cast.coordinator.username).await;
    let r = app
        .graphql(HISTORY)
        .vars(json!({ "p": nobody }))
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn cursors_stay_stable_when_new_calls_arrive() {
    let (app, cast, pbx) = seeded().await;
    let alice = app.token(&cast.user.username).await;
    let first = app
        .graphql(HISTORY)
        .vars(json!({ "first": 2 }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(ids(&first), ["C5", "C3"]);
    let newer = json!([call(
        "C6",
        1,
        "INBOUND",
        "+44 20 7946 0999",
        &extension(&app, cast.user.id).await,
        "MISSED"
    )]);
    app.graphql(INGEST)
        .vars(json!({ "records": newer }))
        .as_(&pbx)
        .send()
        .await
        .ok();
    let second = app
        .graphql(HISTORY)
        .vars(json!({ "first": 2, "after": first.data("/callHistory/pageInfo/endCursor") }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(ids(&second), ["C2", "C1"]);
    assert_eq!(second.data("/callHistory/pageInfo/hasNextPage"), false);
    let r = app
        .graphql("{ recentContacts(first: 3) { number } }")
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/recentContacts"),
        &json!([{ "number": "+442079460999" }, { "number": "+442079460001" }, { "number": "+16502530000" }])
    );
}

#[tokio::test]
async fn the_csv_export_streams_every_page_with_the_same_rules() {
    let (app, cast, pbx) = seeded().await;
    let alice_ext = extension(&app, cast.user.id).await;
    let many: Vec<Value> = (0..2_500)
        .map(|i| {
            call(
                &format!("M{i:05}"),
                100 + i,
                "INBOUND",
                "+44 20 7946 0958",
                &alice_ext,
                "MISSED",
            )
        })
        .collect();
    let r = app
        .graphql(INGEST)
        .vars(json!({ "records": many }))
        .as_(&pbx)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/ingestCallRecords/inserted"), 2_500);

    let alice = app.token(&cast.user.username).await;
    let response = app
        .client
        .get(app.url("/v1/calls.csv"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let body = response.text().await.expect("body");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines.len(),
        1 + 4 + 2_500,
        "header, the four seeded calls, 2,500 more"
    );
    assert!(lines[0].starts_with("pbx_call_id,started_at"));
    assert!(lines[1].starts_with("C5,"), "newest first: {}", lines[1]);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with('M')).count(),
        2_500,
        "no page lost or repeated"
    );

    let filtered = app
        .client
        .get(app.url("/v1/calls.csv?direction=outbound&number=%2B1%20650*"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("get");
    let body = filtered.text().await.expect("body");
    assert_eq!(body.lines().count(), 2);
    assert!(
        body.lines().nth(1).is_some_and(|l| l.starts_with("C3,")
            && l.contains(",OUTBOUND,")
            && l.contains(",CALLER,")),
        "{body}"
    );

    let anonymous = app
        .client
        .get(app.url("/v1/calls.csv"))
        .send()
        .await
        .expect("get");
    assert_eq!(anonymous.status(), 401);
    let hugo = app.token(&cast.hidden.username).await;
    let other = app
        .client
        .get(app.url(&format!(
            "/v1/calls.csv?personId={}",
            encode(NodeType::Person, cast.user.id).0
        )))
        .bearer_auth(&hugo)
        .send()
        .await
        .expect("get");
    assert_eq!(other.status(), 403);
    let bad = app
        .client
        .get(app.url("/v1/calls.csv?direction=sideways"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("get");
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn csv_import_backfills_idempotently_and_reports_bad_lines() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let ext = extension(&app, cast.user.id).await;
    let csv = format!(
        "pbx_call_id,started_at,answered_at,ended_at,direction,from,to,result,answered_by,routed_via,device_kind\n\
         I1,2026-01-05T09:00:00Z,2026-01-05T09:00:05Z,2026-01-05T09:03:00Z,INBOUND,+44 20 7946 0958,{ext},ANSWERED,,,\n\
         I2,2026-01-05T10:00:00Z,,2026-01-05T10:00:30Z,OUTBOUND,{ext},+1 650 253 0000,MISSED,,,DESK_PHONE\n"
    );
    let summary = chorus::services::import::import_calls(app.db(), csv.as_bytes())
        .await
        .expect("import");
    assert_eq!(
        (summary.inserted, summary.duplicates, summary.rejected.len()),
        (2, 0, 0)
    );
    let again = chorus::services::import::import_calls(app.db(), csv.as_bytes())
        .await
        .expect("import");
    assert_eq!((again.inserted, again.duplicates), (0, 2));
    let stored = call_record::Entity::find()
        .filter(call_record::Column::PbxCallId.eq("I2"))
        .one(app.db())
        .await
        .expect("db")
        .expect("row");
    assert_eq!(
        stored.device_id,
        Some(cast.user_device.id),
        "the desk phone the PBX reported"
    );

    let bad = format!(
        "pbx_call_id,started_at,answered_at,ended_at,direction,from,to,result\n\
         J1,2026-01-05T09:00:00Z,,2026-01-05T09:03:00Z,INBOUND,+44 20 7946 0958,{ext},MISSED\n\
         J2,yesterday,,2026-01-05T09:03:00Z,INBOUND,+44 20 7946 0958,{ext},MISSED\n\
         J3,2026-01-05T09:00:00Z,,2026-01-05T08:03:00Z,INBOUND,+44 20 7946 0958,{ext},MISSED\n"
    );
    let summary = chorus::services::import::import_calls(app.db(), bad.as_bytes())
        .await
        .expect("import");
    let lines: Vec<u64> = summary.rejected.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 4], "{:?}", summary.rejected);
    assert_eq!(
        (summary.inserted, summary.skipped),
        (0, 1),
        "J1 shares the batch of the rejected J3"
    );
    assert_eq!(
        call_record::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        2
    );
}

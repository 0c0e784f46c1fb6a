//! Input consistency through the real router: every refused input carries a code, no error
//! echoes more than an excerpt of the input, bounds are applied while reading, and one rule
//! holds wherever the same value comes in (look-back days, PBX instants, e-mail addresses).

use std::time::Duration;

use chorus::{
    demo::audio::{mulaw_wav, synth_message},
    graphql::node::{NodeType, encode},
};
use chorus_tests::{TestApp, fixtures, fixtures::Cast};
use entity::{audit_event, call_record, line, person};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn setup_with(adjust: impl FnOnce(&mut chorus::config::Settings)) -> (TestApp, Cast) {
    let app = TestApp::spawn_with(adjust).await;
    let cast = fixtures::cast(app.db()).await;
    (app, cast)
}

const BOUNDARY: &str = "chorus-inputs-boundary";

/// A multipart ingest sent over raw HTTP/1.1: `head` (everything up to the big part's
/// content), then `fill` bytes of `x` in 64 KiB chunks, then the closing boundary. The writer
/// pauses after `pause_after` bytes of filling until the server has answered (or 10 s have
/// passed), so the third value says whether the answer came before the rest was sent, that
/// is, without the server reading the part in full.
async fn stream_ingest(
    app: &TestApp,
    number: &str,
    head: String,
    fill: usize,
    pause_after: usize,
) -> (u16, Value, bool) {
    let token = app.token("pbx").await;
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let length = head.len() + fill + tail.len();
    let request_head = format!(
        "POST /v1/mailboxes/{}/voicemails HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\n\
         content-type: multipart/form-data; boundary={BOUNDARY}\r\ncontent-length: {length}\r\n\
         connection: close\r\n\r\n{head}",
        number.replace('+', "%2B"),
        app.addr,
    );
    let stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let (answered_tx, answered_rx) = tokio::sync::oneshot::channel::<()>();
    let write = tokio::spawn(async move {
        let chunk = vec![b'x'; 64 << 10];
        writer.write_all(request_head.as_bytes()).await?;
        let mut sent = 0;
        let mut pause = Some(answered_rx);
        while sent < fill {
            if sent >= pause_after
                && let Some(answered) = pause.take()
            {
                let _ = tokio::time::timeout(Duration::from_secs(10), answered).await;
            }
            let n = chunk.len().min(fill - sent);
            writer.write_all(&chunk[..n]).await?;
            sent += n;
        }
        writer.write_all(tail.as_bytes()).await?;
        writer.flush().await?;
        Ok::<_, std::io::Error>(())
    });
    let mut response = Vec::new();
    let mut buf = vec![0; 16 << 10];
    let complete = |r: &[u8]| {
        let text = String::from_utf8_lossy(r);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            return false;
        };
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .and_then(|v| v.trim().parse::<usize>().ok())
            })
            .unwrap_or(usize::MAX);
        body.len() >= length
    };
    while !complete(&response) {
        match tokio::time::timeout(Duration::from_secs(30), reader.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => response.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    // Still pausing means the answer came before the rest of the part was sent.
    let early = answered_tx.send(()).is_ok() && !write.is_finished();
    let _ = write.await;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let json = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status, json, early)
}

fn part_head(name: &str) -> String {
    format!("--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n")
}

/// Finding 6: a text field is refused as soon as it passes 1,024 bytes, not after 5 MB are
/// read; so is an unknown field before any of it, and a part whose headers never end once the
/// body passes the audio limit plus the overhead. Nothing is stored.
#[tokio::test]
async fn oversize_multipart_fields_are_refused_while_read() {
    let (app, cast) = setup_with(|s| s.voicemail.max_bytes = 1 << 20).await;
    let number = app.number_of(cast.user.id).await;
    let five_mb = 5 << 20;

    for field in ["caller", "pbxMessageId", "receivedAt"] {
        // The big part after a good pbxMessageId (or as the pbxMessageId).
        let head = match field {
            "pbxMessageId" => part_head(field),
            _ => format!("{}m-1\r\n{}", part_head("pbxMessageId"), part_head(field)),
        };
        let (status, body, early) = stream_ingest(&app, &number, head, five_mb, 256 << 10).await;
        assert_eq!(status, 413, "{field}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], "FIELD_TOO_LARGE",
            "{field}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains(field) && m.contains("1024")),
            "{body:#}"
        );
        assert!(
            early,
            "{field}: answered only after the whole field was sent"
        );
    }

    let (status, body, early) =
        stream_ingest(&app, &number, part_head("x-junk"), five_mb, 256 << 10).await;
    assert_eq!(status, 400, "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(early, "an unknown field is refused before it is read");

    // Part headers that never end: multer would buffer them whole; the body cap stops it.
    let head =
        format!("--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"caller\"\r\nx-junk: ");
    let (status, body, early) = stream_ingest(&app, &number, head, five_mb, 2 << 20).await;
    assert_eq!(status, 413, "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    assert!(early, "refused once the body passed its cap");

    // A repeated field is refused, and the query string is held to the same bound.
    let form = reqwest::multipart::Form::new()
        .text("pbxMessageId", "m-2")
        .text("pbxMessageId", "m-3")
        .part(
            "audio",
            reqwest::multipart::Part::bytes(mulaw_wav(&synth_message(1, 1.0, 8000), 8000))
                .file_name("m.wav"),
        );
    let r = app
        .client
        .post(app.url(&format!(
            "/v1/mailboxes/{}/voicemails",
            number.replace('+', "%2B")
        )))
        .bearer_auth(app.token("pbx").await)
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let r = app
        .client
        .post(app.url(&format!(
            "/v1/mailboxes/{}/voicemails",
            number.replace('+', "%2B")
        )))
        .query(&[("pbxMessageId", "m-4"), ("caller", &"1".repeat(2000))])
        .bearer_auth(app.token("pbx").await)
        .header("content-type", "audio/wav")
        .body(mulaw_wav(&synth_message(2, 1.0, 8000), 8000))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 413);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "FIELD_TOO_LARGE");

    assert_eq!(app.voicemail_rows().await, 0, "nothing stored");
    assert_eq!(app.blobs().await, 0, "no blob written");
}

/// 7(a): a malformed DateTime inside an input object (literal or variable) comes back with a
/// code, not as what looks like an internal error.
///
/// The transports give async-graphql's uncoded errors a code (`graphql::errors::
/// code_engine_errors`); the rule itself has unit tests in `api/src/graphql/errors.rs`.
#[tokio::test]
async fn bad_datetimes_in_input_objects_carry_a_code() {
    let (app, cast) = setup_with(|_| {}).await;
    let alice = app.token(&cast.user.username).await;
    for (query, variables) in [
        (
            r#"{ callHistory(filter: {from: "not a date"}) { totalCount } }"#,
            json!({}),
        ),
        (
            "query($f: CallFilter) { callHistory(filter: $f) { totalCount } }",
            json!({"f": {"until": "2026-02-30T25:00:00Z"}}),
        ),
    ] {
        let r = app.graphql(query).vars(variables).as_(&alice).send().await;
        assert_eq!(
            r.error_code(),
            Some("BAD_USER_INPUT"),
            "{query}: {:#}",
            r.body
        );
    }
}

/// 7(b): a megabyte of rubbish as `to` is quoted back as a short excerpt, once.
#[tokio::test]
async fn route_call_quotes_only_an_excerpt_of_a_bad_number() {
    let (app, cast) = setup_with(|_| {}).await;
    let alice = app.token(&cast.user.username).await;
    let to = "9".repeat(1 << 20);
    let r = app
        .graphql("query($to: String!) { routeCall(to: $to, from: \"70000\") { to } }")
        .vars(json!({ "to": to }))
        .as_(&alice)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"), "{}", r.status);
    let size = r.body.to_string().len();
    assert!(size < 1024, "the answer is {size} bytes");
    let message = r.body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.starts_with("to: \"9999"), "{message}");
    assert!(message.contains("(1048576 bytes)"), "{message}");
}

/// 7(c): the CSV export holds `lookBackDays` to 1–3,660 as GraphQL does, with a code.
#[tokio::test]
async fn look_back_days_are_one_rule_for_graphql_and_csv() {
    let (app, cast) = setup_with(|_| {}).await;
    let admin = app.token(&cast.admin.username).await;
    for days in ["0", "999999999", "-5", "3661", "ninety"] {
        let r = app
            .client
            .get(app.url(&format!("/v1/teams-column.csv?lookBackDays={days}")))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 400, "{days}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{days}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap_or("");
        if days != "ninety" {
            assert_eq!(
                message,
                format!("lookBackDays must be between 1 and 3660, got {days}")
            );
        }
        let graphql = app
            .graphql(
                "query($d: Int) { teamsEligibility(lookBackDays: $d) { rows { totalCount } } }",
            )
            .vars(json!({ "d": days.parse::<i64>().ok() }))
            .as_(&admin)
            .send()
            .await;
        if let Ok(d) = days.parse::<i32>() {
            assert_eq!(graphql.error_code(), Some("BAD_USER_INPUT"), "{d}");
            assert_eq!(graphql.body["errors"][0]["message"], message, "{d}");
        }
    }
    for days in ["1", "90", "3660"] {
        let r = app
            .client
            .get(app.url(&format!("/v1/teams-column.csv?lookBackDays={days}")))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 200, "{days}");
    }
}

/// 7(d): one bound for instants the PBX reports: a voicemail's `receivedAt` and a call
/// record's times, from 2000-01-01 to five minutes ahead.
#[tokio::test]
async fn pbx_times_before_2000_or_ahead_are_refused_everywhere() {
    let (app, cast) = setup_with(|_| {}).await;
    let number = app.number_of(cast.user.id).await;
    let pbx = app.token("pbx").await;
    let ahead = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    for (i, received) in ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", &ahead]
        .into_iter()
        .enumerate()
    {
        let form = reqwest::multipart::Form::new()
            .text("pbxMessageId", format!("old-{i}"))
            .text("receivedAt", received.to_owned())
            .part(
                "audio",
                reqwest::multipart::Part::bytes(mulaw_wav(&synth_message(1, 1.0, 8000), 8000))
                    .file_name("m.wav"),
            );
        let r = app
            .client
            .post(app.url(&format!(
                "/v1/mailboxes/{}/voicemails",
                number.replace('+', "%2B")
            )))
            .bearer_auth(&pbx)
            .multipart(form)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 400, "{received}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        let message = body["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.starts_with("receivedAt: "), "{message}");
    }
    let r = app
        .client
        .post(app.url(&format!(
            "/v1/mailboxes/{}/voicemails",
            number.replace('+', "%2B")
        )))
        .query(&[("pbxMessageId", "old-q"), ("receivedAt", "0001-01-01")])
        .bearer_auth(&pbx)
        .header("content-type", "audio/wav")
        .body(mulaw_wav(&synth_message(2, 1.0, 8000), 8000))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(app.voicemail_rows().await, 0, "nothing stored");
    assert_eq!(app.blobs().await, 0, "no blob written");

    // Call records: the same bound, reported per record.
    let extension = line::Entity::find()
        .filter(line::Column::OwnerId.eq(cast.user.id))
        .one(app.db())
        .await
        .expect("db")
        .expect("line")
        .extension;
    let record = |id: &str, start: &str, end: &str| {
        json!({ "pbxCallId": id, "startedAt": start, "endedAt": end, "direction": "INBOUND",
                "from": "+44 20 7946 0958", "to": extension, "result": "MISSED" })
    };
    let r = app
        .graphql(
            "mutation($records: [CallRecordInput!]!) { ingestCallRecords(input: {records: $records}) {
               inserted rejects { index field message } } }",
        )
        .vars(json!({ "records": [
            record("c-old", "0001-01-01T00:00:00Z", "0001-01-01T00:01:00Z"),
            record("c-epoch", "1970-01-01T00:00:00Z", "1970-01-01T00:01:00Z"),
            record("c-ahead", &ahead, &ahead),
        ] }))
        .as_(&pbx)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/ingestCallRecords/inserted"), 0);
    let rejects = r.data("/ingestCallRecords/rejects");
    assert_eq!(rejects.as_array().map(Vec::len), Some(3), "{rejects:#}");
    for reject in rejects.as_array().into_iter().flatten() {
        assert_eq!(
            reject["field"].as_array().and_then(|path| path.last()),
            Some(&json!("startedAt")),
            "{rejects:#}"
        );
    }
    assert!(
        rejects[0]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("is before 2000-01-01")),
        "{rejects:#}"
    );
    assert_eq!(
        call_record::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        0
    );
}

const UPDATE: &str = "mutation($input: UpdatePersonInput!) { updatePerson(input: $input) {
  person { email } userErrors { field code message } } }";

/// 7(e): a coordinator cannot give a member a malformed address, nor one another person
/// (here the admin) has, in any case; nothing is written or audited.
#[tokio::test]
async fn update_person_refuses_bad_and_taken_email_addresses() {
    let (app, cast) = setup_with(|_| {}).await;
    let coordinator = app.token(&cast.coordinator.username).await;
    let id = encode(NodeType::Person, cast.user.id);
    let cases = [
        ("a@b", "INVALID"),
        ("alice@example", "INVALID"),
        ("alice @example.ox.ac.uk", "INVALID"),
        ("alice@[10.0.0.1]", "INVALID"),
        (cast.admin.email.as_str(), "DUPLICATE"),
        (&cast.admin.email.to_uppercase(), "DUPLICATE"),
        (&format!("  {}  ", cast.hidden.email), "DUPLICATE"),
    ];
    for (email, code) in cases {
        let r = app
            .graphql(UPDATE)
            .vars(json!({ "input": { "personId": id, "email": email } }))
            .as_(&coordinator)
            .send()
            .await
            .ok();
        assert_eq!(r.data("/updatePerson/person"), &Value::Null, "{email}");
        assert_eq!(r.data("/updatePerson/userErrors/0/code"), code, "{email}");
        assert_eq!(
            r.data("/updatePerson/userErrors/0/field"),
            &json!(["input", "email"]),
            "{email}"
        );
    }
    let huge = "x".repeat(1 << 20);
    let r = app
        .graphql(UPDATE)
        .vars(json!({ "input": { "personId": id, "email": huge } }))
        .as_(&coordinator)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/updatePerson/userErrors/0/code"), "INVALID");
    assert!(
        r.body.to_string().len() < 1024,
        "the refusal quotes an excerpt"
    );

    let stored = person::Entity::find_by_id(cast.user.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("alice");
    assert_eq!(stored.email, cast.user.email, "nothing written");
    let audits = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("person.update"))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(audits, 0, "nothing audited");

    // Her own address in another case, and a free one, are fine.
    for email in [
        cast.user.email.to_uppercase(),
        "alice.liddell@chch.ox.ac.uk".into(),
    ] {
        let r = app
            .graphql(UPDATE)
            .vars(json!({ "input": { "personId": id, "email": email } }))
            .as_(&coordinator)
            .send()
            .await
            .ok();
        assert_eq!(r.data("/updatePerson/person/email"), email.as_str());
    }
}

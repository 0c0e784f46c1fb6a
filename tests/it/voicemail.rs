//! Voicemail through the real router: PBX ingest, mailbox lists, audio with Range and signed
//! URLs, marking and deleting, settings behind the trusted-network rule, greetings, the
//! subscription (also across two server processes on PostgreSQL), fsck and the purge.

use std::time::Duration;

use chorus::demo::audio::{alaw_wav, mulaw_wav, synth_message};
use chorus_tests::{TestApp, fixtures, fixtures::Cast};
use entity::{line, mailbox_settings, voicemail};
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

/// A µ-law WAV of `seconds`, different for every seed.
fn message(seed: u64, seconds: f32) -> Vec<u8> {
    mulaw_wav(&synth_message(seed, seconds, 8000), 8000)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../storage/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct Setup {
    app: TestApp,
    cast: Cast,
    pbx: String,
    alice: String,
    alice_number: String,
}

async fn setup_with(adjust: impl FnOnce(&mut chorus::config::Settings)) -> Setup {
    let app = TestApp::spawn_with(adjust).await;
    let cast = fixtures::cast(app.db()).await;
    let pbx = app.token("pbx").await;
    let alice = app.token("alice").await;
    let alice_number = app.number_of(cast.user.id).await;
    Setup {
        app,
        cast,
        pbx,
        alice,
        alice_number,
    }
}

async fn setup() -> Setup {
    setup_with(|_| {}).await
}

/// `POST /v1/mailboxes/{number}/voicemails` with a raw body.
async fn ingest(
    s: &Setup,
    number: &str,
    pbx_id: &str,
    caller: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut query = vec![("pbxMessageId", pbx_id.to_owned())];
    if let Some(c) = caller {
        query.push(("caller", c.to_owned()));
    }
    let r = s
        .app
        .client
        .post(s.app.url(&format!(
            "/v1/mailboxes/{}/voicemails",
            number.replace('+', "%2B")
        )))
        .query(&query)
        .bearer_auth(&s.pbx)
        .header("content-type", "audio/wav")
        .body(body)
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// [`ingest`] with the body sent in chunks and no `Content-Length`, as a recorder streaming
/// a message it does not know the size of would: over raw HTTP/1.1, answered on a closed
/// connection.
async fn ingest_chunked(s: &Setup, number: &str, pbx_id: &str, body: &[u8]) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(s.app.addr)
        .await
        .expect("connect");
    let mut request = format!(
        "POST /v1/mailboxes/{}/voicemails?pbxMessageId={pbx_id} HTTP/1.1\r\nhost: {}\r\n\
         authorization: Bearer {}\r\ncontent-type: audio/wav\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        number.replace('+', "%2B"),
        s.app.addr,
        s.pbx
    )
    .into_bytes();
    for chunk in body.chunks(16 * 1024) {
        request.extend(format!("{:x}\r\n", chunk.len()).bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(&request).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
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
    (status, json)
}

async fn ingest_ok(s: &Setup, pbx_id: &str, seconds: f32) -> String {
    let (status, body) = ingest(
        s,
        &s.alice_number,
        pbx_id,
        Some("+44 20 7946 0958"),
        message(pbx_id.len() as u64, seconds),
    )
    .await;
    assert_eq!(status, 201, "{body:#}");
    body["id"].as_str().expect("id").to_owned()
}

const LIST: &str = "query($p: ID, $s: VoicemailState, $first: Int, $after: String) {
  voicemails(personId: $p, state: $s, first: $first, after: $after) {
    newCount totalCount pageInfo { hasNextPage endCursor }
    nodes { id pbxMessageId state durationMs codec container callerNumber caller { username }
            mailbox { number } } } }";

#[tokio::test]
async fn the_pbx_delivers_once_per_message_id() {
    let s = setup().await;
    let audio = message(1, 3.0);
    let (status, first) = ingest(
        &s,
        &s.alice_number,
        "PBX-1",
        Some("07911 123456"),
        audio.clone(),
    )
    .await;
    assert_eq!(status, 201, "{first:#}");
    assert_eq!(first["durationMs"], 3000);
    assert_eq!(first["codec"], "pcm_mulaw");
    assert_eq!(first["callerNumber"], "+447911123456");
    // A re-send (the PBX retrying after a timeout) gets the stored message, not a copy.
    let (status, again) = ingest(&s, &s.alice_number, "PBX-1", None, audio.clone()).await;
    assert_eq!(status, 200, "{again:#}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(s.app.voicemail_rows().await, 1);
    // The same id for another mailbox is a conflict.
    let hugo = s.app.number_of(s.cast.hidden.id).await;
    let (status, body) = ingest(&s, &hugo, "PBX-1", None, audio.clone()).await;
    assert_eq!(status, 409, "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "CONFLICT");
    // By extension, and as multipart.
    let extension = line::Entity::find()
        .filter(line::Column::OwnerId.eq(s.cast.user.id))
        .one(s.app.db())
        .await
        .expect("db")
        .expect("line")
        .extension;
    let form = reqwest::multipart::Form::new()
        .text("pbxMessageId", "PBX-2")
        .text("caller", "anonymous")
        .text("receivedAt", "2026-11-20T09:30:00Z")
        .part(
            "audio",
            reqwest::multipart::Part::bytes(message(2, 1.0)).file_name("msg.wav"),
        );
    let r = s
        .app
        .client
        .post(s.app.url(&format!("/v1/mailboxes/{extension}/voicemails")))
        .bearer_auth(&s.pbx)
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["callerNumber"], Value::Null);
    assert_eq!(body["receivedAt"], "2026-11-20T09:30:00Z");
    // Unknown mailbox, missing id, people without the scope, no token.
    let (status, _) = ingest(&s, "+441865999999", "PBX-3", None, audio.clone()).await;
    assert_eq!(status, 404);
    let (status, body) = ingest(&s, &s.alice_number, " ", None, audio.clone()).await;
    assert_eq!(status, 400, "{body:#}");
    for token in [s.alice.clone(), s.app.token("ada").await] {
        let r = s
            .app
            .client
            .post(s.app.url(&format!(
                "/v1/mailboxes/{}/voicemails?pbxMessageId=X",
                s.alice_number.replace('+', "%2B")
            )))
            .bearer_auth(token)
            .header("content-type", "audio/wav")
            .body(audio.clone())
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 403);
    }
    let r = s
        .app
        .client
        .post(s.app.url("/v1/mailboxes/70000/voicemails?pbxMessageId=X"))
        .body(audio)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
    assert_eq!(s.app.voicemail_rows().await, 2);
}

#[tokio::test]
async fn every_format_is_measured_from_its_audio() {
    let s = setup().await;
    let samples = synth_message(9, 2.25, 8000);
    let cases: Vec<(&str, Vec<u8>, &str, i64)> = vec![
        ("mulaw", mulaw_wav(&samples, 8000), "pcm_mulaw", 2250),
        ("alaw", alaw_wav(&samples, 8000), "pcm_alaw", 2250),
        ("mp3", fixture("tone-8k-2500ms.mp3"), "mp3", 2500),
        // No LAME header: every decoded frame plays (ffprobe agrees: 2.664 s).
        (
            "mp3-noxing",
            fixture("tone-8k-2500ms-noxing.mp3"),
            "mp3",
            2664,
        ),
        ("flac", fixture("tone-8k-1250ms.flac"), "flac", 1250),
        ("ogg", fixture("tone-16k-2000ms.ogg"), "vorbis", 2000),
        ("m4a", fixture("tone-16k-1750ms.m4a"), "aac", 1750),
        // The last ADPCM block is padded to its full 505 frames, and they all play.
        (
            "ima",
            fixture("tone-8k-1500ms-ima.wav"),
            "adpcm_ima_wav",
            1531,
        ),
    ];
    for (name, bytes, codec, ms) in cases {
        let (status, body) = ingest(&s, &s.alice_number, name, None, bytes).await;
        assert_eq!(status, 201, "{name}: {body:#}");
        assert_eq!(body["codec"], codec, "{name}");
        let got = body["durationMs"].as_i64().unwrap_or(-1);
        assert!(
            (got - ms).abs() <= 20,
            "{name}: {got} ms, expected {ms} ± 20"
        );
    }
}

#[tokio::test]
async fn broken_uploads_are_refused_and_leave_nothing() {
    let s = setup_with(|settings| settings.voicemail.max_bytes = 200_000).await;
    let good = message(3, 2.0);
    let mut random = vec![0u8; 4096];
    let mut x: u32 = 12345;
    for b in &mut random {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *b = (x >> 16) as u8;
    }
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty", vec![], 422, "EMPTY"),
        ("random", random, 422, "NOT_AUDIO"),
        (
            "text",
            b"hello, this is not a recording".to_vec(),
            422,
            "NOT_AUDIO",
        ),
        ("truncated", good[..good.len() / 2].to_vec(), 422, "CORRUPT"),
        ("header only", good[..44].to_vec(), 422, "CORRUPT"),
        (
            "opus",
            fixture("tone-16k-1000ms.opus"),
            422,
            "UNSUPPORTED_CODEC",
        ),
        ("too big", message(4, 30.0), 413, "TOO_LARGE"),
    ];
    for (name, bytes, status, reason) in cases {
        let (got, body) = ingest(&s, &s.alice_number, name, None, bytes).await;
        assert_eq!(got, status, "{name}: {body:#}");
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], reason,
            "{name}: {body:#}"
        );
    }
    assert_eq!(s.app.voicemail_rows().await, 0);
    assert_eq!(s.app.blobs().await, 0);
    // Without a Content-Length the limit is enforced while reading.
    let (got, body) = ingest_chunked(&s, &s.alice_number, "chunked", &message(4, 30.0)).await;
    assert_eq!(
        (got, &body["errors"][0]["extensions"]["reason"]),
        (413, &json!("TOO_LARGE")),
        "{body:#}"
    );
    let (got, body) = ingest_chunked(&s, &s.alice_number, "chunked-ok", &good).await;
    assert_eq!(got, 201, "{body:#}");
    assert_eq!(s.app.voicemail_rows().await, 1);
    assert_eq!(s.app.blobs().await, 1);
}

#[tokio::test]
async fn a_failing_store_leaves_no_row_and_a_failing_database_no_blob() {
    let s = setup().await;
    // The store: its directory becomes a file, so every write fails.
    let dir = s.app.state.settings.data_dir.join("blobs");
    std::fs::remove_dir_all(&dir).expect("remove blobs");
    std::fs::write(&dir, b"not a directory").expect("file");
    let (status, body) = ingest(&s, &s.alice_number, "S1", None, message(5, 1.0)).await;
    assert_eq!(status, 503, "{body:#}");
    assert_eq!(s.app.voicemail_rows().await, 0);
    std::fs::remove_file(&dir).expect("remove file");
    std::fs::create_dir(&dir).expect("dir");
    // The database: a trigger refuses the insert after the blob is written.
    let db = s.app.db();
    let postgres = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    if postgres {
        db.execute_unprepared(
            "CREATE FUNCTION sabotage() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'sabotage'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER sabotage BEFORE INSERT ON voicemail FOR EACH ROW EXECUTE FUNCTION sabotage();",
        )
        .await
        .expect("trigger");
    } else {
        db.execute_unprepared(
            "CREATE TRIGGER sabotage BEFORE INSERT ON voicemail BEGIN SELECT RAISE(ABORT, 'sabotage'); END;",
        )
        .await
        .expect("trigger");
    }
    let (status, body) = ingest(&s, &s.alice_number, "S2", None, message(6, 1.0)).await;
    assert_eq!(status, 503, "{body:#}");
    assert_eq!(s.app.voicemail_rows().await, 0);
    assert_eq!(s.app.blobs().await, 0);
    db.execute_unprepared("DROP TRIGGER sabotage ON voicemail")
        .await
        .or(db.execute_unprepared("DROP TRIGGER sabotage").await)
        .expect("drop trigger");
    let (status, _) = ingest(&s, &s.alice_number, "S3", None, message(7, 1.0)).await;
    assert_eq!(status, 201);
    assert_eq!(s.app.blobs().await, 1);
}

#[tokio::test]
async fn the_mailbox_lists_counts_and_marks() {
    let s = setup().await;
    let mut ids = vec![];
    for n in 0..3 {
        ids.push(ingest_ok(&s, &format!("L{n}"), 1.0).await);
    }
    let list = |state: Value| {
        s.app
            .graphql(LIST)
            .vars(json!({ "s": state, "first": 2 }))
            .as_(&s.alice)
            .send()
    };
    let r = list(Value::Null).await.ok();
    assert_eq!(r.data("/voicemails/newCount"), 3);
    assert_eq!(r.data("/voicemails/totalCount"), 3);
    assert_eq!(r.data("/voicemails/pageInfo/hasNextPage"), true);
    // Newest first; the caller is resolved when the number is ours.
    assert_eq!(r.data("/voicemails/nodes/0/id"), ids[2].as_str());
    assert_eq!(r.data("/voicemails/nodes/0/callerNumber"), "+442079460958");
    assert_eq!(
        r.data("/voicemails/nodes/0/mailbox/number"),
        s.alice_number.as_str()
    );
    let cursor = r.data("/voicemails/pageInfo/endCursor").clone();
    let r = s
        .app
        .graphql(LIST)
        .vars(json!({ "first": 2, "after": cursor }))
        .as_(&s.alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/voicemails/nodes/0/id"), ids[0].as_str());
    assert_eq!(r.data("/voicemails/pageInfo/hasNextPage"), false);

    const MARK: &str = "mutation($i: MarkVoicemailsInput!) { markVoicemails(input: $i) {
      changed userErrors { code } results { id voicemail { state } error { code message } } } }";
    let r = s
        .app
        .graphql(MARK)
        .vars(json!({ "i": { "ids": [ids[0], "nonsense"], "state": "READ" } }))
        .as_(&s.alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/markVoicemails/changed"), 1);
    assert_eq!(r.data("/markVoicemails/results/0/voicemail/state"), "READ");
    assert_eq!(r.data("/markVoicemails/results/1/error/code"), "INVALID");
    let r = list(json!("NEW")).await.ok();
    assert_eq!(r.data("/voicemails/newCount"), 2);
    assert_eq!(r.data("/voicemails/totalCount"), 2);
    // Mark all NEW as read.
    let r = s
        .app
        .graphql(MARK)
        .vars(json!({ "i": { "all": true, "onlyState": "NEW", "state": "READ" } }))
        .as_(&s.alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/markVoicemails/changed"), 2);
    assert_eq!(list(Value::Null).await.ok().data("/voicemails/newCount"), 0);
    // Save one, unread another.
    let r = s
        .app
        .graphql(MARK)
        .vars(json!({ "i": { "ids": [ids[1]], "state": "SAVED" } }))
        .as_(&s.alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/markVoicemails/results/0/voicemail/state"), "SAVED");
    // Delete: out of the list, audio gone, back with a mark.
    const DELETE: &str = "mutation($ids: [ID!]!) { deleteVoicemails(input: {ids: $ids}) {
      changed results { voicemail { state deletedAt purgeAfter } error { code } } } }";
    let r = s
        .app
        .graphql(DELETE)
        .vars(json!({ "ids": [ids[2]] }))
        .as_(&s.alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/deleteVoicemails/changed"), 1);
    assert_eq!(
        r.data("/deleteVoicemails/results/0/voicemail/state"),
        "DELETED"
    );
    assert!(
        r.data("/deleteVoicemails/results/0/voicemail/purgeAfter")
            .is_string()
    );
    assert_eq!(
        list(Value::Null).await.ok().data("/voicemails/totalCount"),
        2
    );
    assert_eq!(
        list(json!("DELETED"))
            .await
            .ok()
            .data("/voicemails/totalCount"),
        1
    );
    let audio = s
        .app
        .client
        .get(s.app.url(&format!("/v1/voicemails/{}/audio", ids[2])))
        .bearer_auth(&s.alice)
        .send()
        .await
        .expect("send");
    assert_eq!(audio.status(), 404);
    let r = s
        .app
        .graphql(MARK)
        .vars(json!({ "i": { "ids": [ids[2]], "state": "SAVED" } }))
        .as_(&s.alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/markVoicemails/results/0/voicemail/state"), "SAVED");
    assert_eq!(
        list(Value::Null).await.ok().data("/voicemails/totalCount"),
        3
    );
}

#[tokio::test]
async fn only_the_owner_and_admins_see_a_mailbox() {
    let s = setup().await;
    let id = ingest_ok(&s, "P1", 1.0).await;
    let alice_id =
        chorus::graphql::node::encode(chorus::graphql::node::NodeType::Person, s.cast.user.id);
    for (who, sees) in [
        ("alice", true),
        ("ada", true),
        ("hugo", false),
        ("cora", false),
    ] {
        let token = s.app.token(who).await;
        let r = s
            .app
            .graphql("query($id: ID!) { voicemail(id: $id) { id } node(id: $id) { id } }")
            .vars(json!({ "id": id }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(r.data("/voicemail/id").is_string(), sees, "{who}");
        assert_eq!(r.data("/node/id").is_string(), sees, "{who}");
        let audio = s
            .app
            .client
            .get(s.app.url(&format!("/v1/voicemails/{id}/audio")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        assert_eq!(
            audio.status().as_u16(),
            if sees { 200 } else { 404 },
            "{who}"
        );
        let r = s
            .app
            .graphql(LIST)
            .vars(json!({ "p": alice_id }))
            .as_(&token)
            .send()
            .await;
        if sees {
            assert_eq!(r.data("/voicemails/totalCount"), 1, "{who}");
        } else {
            assert_eq!(r.error_code(), Some("FORBIDDEN"), "{who}");
        }
        let r = s
            .app
            .graphql("mutation($id: ID!) { markVoicemails(input: {ids: [$id], state: READ}) { changed results { error { code } } } }")
            .vars(json!({ "id": id }))
            .as_(&token)
            .send()
            .await
            .ok();
        if !sees {
            assert_eq!(
                r.data("/markVoicemails/results/0/error/code"),
                "NOT_FOUND",
                "{who}"
            );
            assert_eq!(r.data("/markVoicemails/changed"), 0, "{who}");
        }
    }
}

#[tokio::test]
async fn audio_is_served_with_ranges_and_validators() {
    let s = setup().await;
    let bytes = message(11, 2.0);
    let len = bytes.len();
    let (status, body) = ingest(&s, &s.alice_number, "A1", None, bytes.clone()).await;
    assert_eq!(status, 201);
    let url = s.app.url(&format!(
        "/v1/voicemails/{}/audio",
        body["id"].as_str().expect("id")
    ));
    let get = |headers: Vec<(&'static str, String)>| {
        let mut r = s.app.client.get(&url).bearer_auth(&s.alice);
        for (k, v) in headers {
            r = r.header(k, v);
        }
        r.send()
    };
    let full = get(vec![]).await.expect("send");
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["content-type"], "audio/wav");
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    assert_eq!(full.headers()["content-length"], len.to_string().as_str());
    let etag = full.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(full.bytes().await.expect("body").as_ref(), bytes.as_slice());
    let cases: Vec<(&str, u16, Option<String>, std::ops::Range<usize>)> = vec![
        ("bytes=0-1", 206, Some(format!("bytes 0-1/{len}")), 0..2),
        (
            "bytes=-10",
            206,
            Some(format!("bytes {}-{}/{len}", len - 10, len - 1)),
            len - 10..len,
        ),
        (
            "bytes=100-",
            206,
            Some(format!("bytes 100-{}/{len}", len - 1)),
            100..len,
        ),
        (
            "bytes=10-99999999",
            206,
            Some(format!("bytes 10-{}/{len}", len - 1)),
            10..len,
        ),
        ("bytes=0-1, 5-9", 200, None, 0..len),
        ("bytes=99999999-", 416, Some(format!("bytes */{len}")), 0..0),
        ("items=0-1", 200, None, 0..len),
    ];
    for (range, status, content_range, slice) in cases {
        let r = get(vec![("range", range.to_owned())]).await.expect("send");
        assert_eq!(r.status().as_u16(), status, "{range}");
        assert_eq!(
            r.headers()
                .get("content-range")
                .map(|v| v.to_str().unwrap_or("").to_owned()),
            content_range,
            "{range}"
        );
        let body = r.bytes().await.expect("body");
        assert_eq!(body.as_ref(), &bytes[slice], "{range}");
    }
    // Validators: a cached copy is still good; a resumed download of another version
    // gets everything.
    let r = get(vec![("if-none-match", etag.clone())])
        .await
        .expect("send");
    assert_eq!(r.status(), 304);
    let r = get(vec![
        ("range", "bytes=0-1".into()),
        ("if-range", "\"other\"".into()),
    ])
    .await
    .expect("send");
    assert_eq!(r.status(), 200);
    let r = get(vec![
        ("range", "bytes=0-1".into()),
        ("if-range", etag.clone()),
    ])
    .await
    .expect("send");
    assert_eq!(r.status(), 206);
    // HEAD: the headers, no body.
    let r = s
        .app
        .client
        .head(&url)
        .bearer_auth(&s.alice)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], len.to_string().as_str());
    assert!(r.bytes().await.expect("body").is_empty());
    // The PCM rendition: decoded once, then served from the store.
    let r = s
        .app
        .client
        .get(format!("{url}?format=wav"))
        .bearer_auth(&s.alice)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let pcm = r.bytes().await.expect("body");
    assert_eq!(&pcm[..4], b"RIFF");
    assert_eq!(u16::from_le_bytes([pcm[20], pcm[21]]), 1, "PCM format tag");
    assert_eq!(u16::from_le_bytes([pcm[34], pcm[35]]), 16, "16-bit");
    assert_eq!(s.app.blobs().await, 2, "original and rendition");
    let r = s
        .app
        .client
        .get(format!("{url}?format=wav"))
        .header("range", "bytes=0-3")
        .bearer_auth(&s.alice)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.expect("body").as_ref(), b"RIFF");
    let r = s
        .app
        .client
        .get(format!("{url}?format=ogg"))
        .bearer_auth(&s.alice)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_signed_url_plays_one_voicemail_for_a_short_time() {
    let s = setup().await;
    let id = ingest_ok(&s, "U1", 1.0).await;
    let other = ingest_ok(&s, "U2", 1.0).await;
    let r = s
        .app
        .graphql("query($id: ID!) { voicemail(id: $id) { audioUrl(expiresInSeconds: 2) wav: audioUrl(format: WAV) waveform(points: 10) } }")
        .vars(json!({ "id": id }))
        .as_(&s.alice)
        .send()
        .await
        .ok();
    let url = r
        .data("/voicemail/audioUrl")
        .as_str()
        .expect("url")
        .to_owned();
    let wav_url = r.data("/voicemail/wav").as_str().expect("url").to_owned();
    assert!(
        url.starts_with(&format!("/v1/voicemails/{id}/audio?token=")),
        "{url}"
    );
    let peaks = r
        .data("/voicemail/waveform")
        .as_array()
        .expect("peaks")
        .clone();
    assert_eq!(peaks.len(), 10);
    assert!(
        peaks
            .iter()
            .all(|p| p.as_f64().is_some_and(|p| (0.0..=1.0).contains(&p)))
    );
    assert!(peaks.iter().any(|p| p.as_f64().is_some_and(|p| p > 0.1)));
    // Without any header, as an <audio src> would.
    let r = reqwest::get(s.app.url(&url)).await.expect("send");
    assert_eq!(r.status(), 200);
    let r = reqwest::get(s.app.url(&wav_url)).await.expect("send");
    assert_eq!(r.status(), 200);
    let pcm = r.bytes().await.expect("body");
    assert_eq!(u16::from_le_bytes([pcm[20], pcm[21]]), 1, "PCM format tag");
    // Not for another voicemail, not as an access token.
    let token = url.split("token=").nth(1).expect("token").to_owned();
    let r = reqwest::get(
        s.app
            .url(&format!("/v1/voicemails/{other}/audio?token={token}")),
    )
    .await
    .expect("send");
    assert_eq!(r.status(), 401);
    let r = s
        .app
        .graphql("{ me { username } }")
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
    // An access token is not a media token either.
    let r = reqwest::get(
        s.app
            .url(&format!("/v1/voicemails/{id}/audio?token={}", s.alice)),
    )
    .await
    .expect("send");
    assert_eq!(r.status(), 401);
    // Expired.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let r = reqwest::get(s.app.url(&url)).await.expect("send");
    assert_eq!(r.status(), 401);
    // Bounds.
    let r = s
        .app
        .graphql("query($id: ID!) { voicemail(id: $id) { audioUrl(expiresInSeconds: 86400) } }")
        .vars(json!({ "id": id }))
        .as_(&s.alice)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"));
}

const SETTINGS: &str =
    "mutation($i: UpdateMailboxSettingsInput!) { updateMailboxSettings(input: $i) {
  mailbox { pinSet emailAttachment emailAddress ringsBeforeVoicemail version }
  userErrors { field code message } } }";

/// Sends a GraphQL mutation with extra headers (e.g. `X-Forwarded-For`).
async fn graphql_with(
    app: &TestApp,
    token: &str,
    query: &str,
    vars: Value,
    headers: &[(&str, &str)],
) -> Value {
    let mut r = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": vars }));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().await.expect("send").json().await.expect("json")
}

#[tokio::test]
async fn settings_change_only_from_trusted_networks() {
    // The test client connects from 127.0.0.1, which is not trusted by default.
    let s = setup().await;
    let vars = json!({ "i": { "ringsBeforeVoicemail": 6 } });
    let body = graphql_with(&s.app, &s.alice, SETTINGS, vars.clone(), &[]).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body:#}"
    );
    // A forwarded header from a peer that is not a configured proxy is ignored.
    let s = setup_with(|settings| {
        settings.network.trusted_networks =
            chorus::config::parse_networks("10.8.0.0/16").expect("cidr");
    })
    .await;
    let body = graphql_with(
        &s.app,
        &s.alice,
        SETTINGS,
        vars.clone(),
        &[("x-forwarded-for", "10.8.0.5")],
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body:#}"
    );
    // Behind a configured proxy, the forwarded address counts.
    let s = setup_with(|settings| {
        settings.network.trusted_networks =
            chorus::config::parse_networks("10.8.0.0/16").expect("cidr");
        settings.network.trusted_proxies =
            chorus::config::parse_networks("127.0.0.1").expect("cidr");
    })
    .await;
    let body = graphql_with(
        &s.app,
        &s.alice,
        SETTINGS,
        vars.clone(),
        &[("x-forwarded-for", "192.0.2.44")],
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body:#}"
    );
    let on_vpn = [("x-forwarded-for", "192.0.2.44, 10.8.0.5")];
    let body = graphql_with(&s.app, &s.alice, SETTINGS, vars, &on_vpn).await;
    assert_eq!(
        body["data"]["updateMailboxSettings"]["mailbox"]["ringsBeforeVoicemail"], 6,
        "{body:#}"
    );
    assert_eq!(
        body["data"]["updateMailboxSettings"]["mailbox"]["version"],
        1
    );
    // Rules: PIN, rings, e-mail; a stale version.
    for (input, field) in [
        (json!({ "pin": "1234" }), "pin"),
        (json!({ "pin": "12" }), "pin"),
        (
            json!({ "ringsBeforeVoicemail": 50 }),
            "ringsBeforeVoicemail",
        ),
        (json!({ "emailAddress": "not an address" }), "emailAddress"),
        (
            json!({ "emailAttachment": true, "expectedVersion": 0 }),
            "expectedVersion",
        ),
    ] {
        let body = graphql_with(&s.app, &s.alice, SETTINGS, json!({ "i": input }), &on_vpn).await;
        assert_eq!(
            body["data"]["updateMailboxSettings"]["userErrors"][0]["field"][1], field,
            "{body:#}"
        );
    }
    let body = graphql_with(
        &s.app,
        &s.alice,
        SETTINGS,
        json!({ "i": { "pin": "2580", "emailAttachment": true, "emailAddress": "alice.vm@example.ac.uk", "expectedVersion": 1 } }),
        &on_vpn,
    )
    .await;
    let mailbox = &body["data"]["updateMailboxSettings"]["mailbox"];
    assert_eq!(mailbox["pinSet"], true, "{body:#}");
    assert_eq!(mailbox["emailAddress"], "alice.vm@example.ac.uk");
    assert_eq!(mailbox["version"], 2);
    // The PIN is stored as an Argon2 hash that verifies, never in clear, not even in the audit trail.
    let row = mailbox_settings::Entity::find()
        .one(s.app.db())
        .await
        .expect("db")
        .expect("row");
    let hash = row.pin_hash.expect("hash");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    use argon2::PasswordVerifier as _;
    let parsed = argon2::PasswordHash::new(&hash).expect("PHC");
    assert!(
        argon2::Argon2::default()
            .verify_password(b"2580", &parsed)
            .is_ok()
    );
    let audit: Vec<entity::audit_event::Model> = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("mailbox.settings"))
        .all(s.app.db())
        .await
        .expect("audit");
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|e| {
        !e.after
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default()
            .contains("argon2")
    }));
    // Someone else's mailbox does not exist for Hugo; a coordinator's neither.
    for who in ["hugo", "cora"] {
        let token = s.app.token(who).await;
        let line = chorus::graphql::node::encode(
            chorus::graphql::node::NodeType::Line,
            line::Entity::find()
                .filter(line::Column::OwnerId.eq(s.cast.user.id))
                .one(s.app.db())
                .await
                .expect("db")
                .expect("line")
                .id,
        );
        let body = graphql_with(
            &s.app,
            &token,
            SETTINGS,
            json!({ "i": { "lineId": line, "pin": "2580" } }),
            &on_vpn,
        )
        .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{who}: {body:#}"
        );
    }
}

#[tokio::test]
async fn a_greeting_is_uploaded_as_a_graphql_multipart_request() {
    let s = setup_with(|settings| {
        settings.network.trusted_networks =
            chorus::config::parse_networks("127.0.0.0/8").expect("cidr");
    })
    .await;
    let upload = |bytes: Vec<u8>| {
        let operations = json!({
            "query": "mutation($f: Upload!) { uploadGreeting(input: {file: $f}) { mailbox { customGreeting } userErrors { field code message } } }",
            "variables": { "f": null }
        });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": ["variables.f"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes).file_name("greeting.wav"),
            );
        s.app
            .client
            .post(s.app.url("/graphql"))
            .bearer_auth(&s.alice)
            .header("graphql-require-preflight", "1")
            .multipart(form)
            .send()
    };
    let body: Value = upload(message(21, 4.0))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        body["data"]["uploadGreeting"]["mailbox"]["customGreeting"], true,
        "{body:#}"
    );
    assert_eq!(s.app.blobs().await, 1);
    // A replacement removes the old blob.
    let body: Value = upload(message(22, 2.0))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        body["data"]["uploadGreeting"]["mailbox"]["customGreeting"], true,
        "{body:#}"
    );
    assert_eq!(s.app.blobs().await, 1);
    // Not audio: a user error, nothing stored.
    let body: Value = upload(b"MZ not a greeting".to_vec())
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        body["data"]["uploadGreeting"]["userErrors"][0]["code"], "INVALID",
        "{body:#}"
    );
    assert_eq!(s.app.blobs().await, 1);
    let r = s
        .app
        .graphql("mutation { resetGreeting(input: {}) { mailbox { customGreeting version } } }")
        .as_(&s.alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/resetGreeting/mailbox/customGreeting"), false);
    assert_eq!(s.app.blobs().await, 0);
}

/// Opens a graphql-transport-ws subscription to `voicemailReceived` on `app`.
async fn subscribe(
    app: &TestApp,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into()))
        .await
        .expect("init");
    match ws.next().await {
        Some(Ok(Message::Text(t))) => assert!(t.contains("connection_ack"), "{t}"),
        other => panic!("expected connection_ack, got {other:?}"),
    }
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { voicemailReceived { pbxMessageId durationMs } }" } });
    ws.send(Message::Text(subscribe.to_string().into()))
        .await
        .expect("subscribe");
    // Let the server register the subscription before anything is ingested.
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws
}

async fn next_event(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("an event within 10 s");
    match frame {
        Some(Ok(Message::Text(t))) => serde_json::from_str(&t).expect("json"),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[tokio::test]
async fn a_subscriber_hears_of_new_voicemail() {
    let s = setup().await;
    let mut ws = subscribe(&s.app, &s.alice).await;
    // Hugo's voicemail is not Alice's business.
    let hugo = s.app.number_of(s.cast.hidden.id).await;
    let (status, _) = ingest(&s, &hugo, "H1", None, message(31, 1.0)).await;
    assert_eq!(status, 201);
    ingest_ok(&s, "W1", 1.5).await;
    let event = next_event(&mut ws).await;
    assert_eq!(event["type"], "next", "{event:#}");
    assert_eq!(
        event["payload"]["data"]["voicemailReceived"]["pbxMessageId"],
        "W1"
    );
    assert_eq!(
        event["payload"]["data"]["voicemailReceived"]["durationMs"],
        1500
    );
}

/// Two server processes on one PostgreSQL database: a voicemail delivered to one reaches a
/// subscriber of the other (LISTEN/NOTIFY). SQLite has one process per file: skipped there.
#[tokio::test]
async fn a_voicemail_ingested_by_one_replica_reaches_subscribers_of_another() {
    let s = setup().await;
    if s.app.db().get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        eprintln!("not PostgreSQL: cross-process events skipped");
        return;
    }
    let replica = s.app.spawn_replica().await;
    let mut ws = subscribe(&replica, &s.alice).await;
    ingest_ok(&s, "R1", 1.0).await;
    let event = next_event(&mut ws).await;
    assert_eq!(
        event["payload"]["data"]["voicemailReceived"]["pbxMessageId"], "R1",
        "{event:#}"
    );
}

#[tokio::test]
async fn fsck_finds_and_repairs_what_store_and_database_disagree_on() {
    let s = setup().await;
    ingest_ok(&s, "F1", 1.0).await;
    let lost = ingest_ok(&s, "F2", 1.0).await;
    let vm = &s.app.state.voicemails;
    // An orphan blob (a crash between blob and row) and a row whose blob vanished.
    let orphan = storage::BlobKey::voicemail(
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        storage::Container::Wav,
    );
    vm.store
        .put(&orphan, bytes::Bytes::from(message(41, 1.0)))
        .await
        .expect("put");
    let lost_id = chorus::graphql::node::decode(chorus::graphql::node::NodeType::Voicemail, &lost)
        .expect("id");
    let lost_row = voicemail::Entity::find_by_id(lost_id)
        .one(s.app.db())
        .await
        .expect("db")
        .expect("row");
    vm.store
        .delete(&storage::BlobKey::parse(&lost_row.blob_key).expect("key"))
        .await
        .expect("delete");
    let report = vm
        .fsck(s.app.db(), false, chrono::Duration::zero())
        .await
        .expect("fsck");
    assert_eq!(report.blobs_without_rows, vec![orphan.to_string()]);
    assert_eq!(report.rows_without_blobs.len(), 1);
    assert!(report.rows_without_blobs[0].contains(&lost_id.to_string()));
    // A young orphan is left alone by default (it may be an ingest in flight).
    let report = vm
        .fsck(s.app.db(), true, chrono::Duration::minutes(10))
        .await
        .expect("fsck");
    assert_eq!(report.repaired, 1, "only the row");
    let report = vm
        .fsck(s.app.db(), true, chrono::Duration::zero())
        .await
        .expect("fsck");
    assert_eq!(report.repaired, 1, "now the blob");
    let report = vm
        .fsck(s.app.db(), false, chrono::Duration::zero())
        .await
        .expect("fsck");
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(s.app.voicemail_rows().await, 1);
    assert_eq!(s.app.blobs().await, 1);
}

#[tokio::test]
async fn deleted_voicemail_is_purged_after_the_retention_period() {
    let s = setup().await;
    let keep = ingest_ok(&s, "K1", 1.0).await;
    let gone = ingest_ok(&s, "K2", 1.0).await;
    // A rendition too, which goes with its original.
    let r = s
        .app
        .client
        .get(
            s.app
                .url(&format!("/v1/voicemails/{gone}/audio?format=wav")),
        )
        .bearer_auth(&s.alice)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    s.app
        .graphql("mutation($ids: [ID!]!) { deleteVoicemails(input: {ids: $ids}) { changed } }")
        .vars(json!({ "ids": [gone] }))
        .as_(&s.alice)
        .send()
        .await
        .ok();
    let vm = &s.app.state.voicemails;
    let now = chrono::Utc::now();
    assert_eq!(
        vm.purge_expired(s.app.db(), now).await.expect("purge"),
        0,
        "still kept"
    );
    assert_eq!(s.app.blobs().await, 3);
    let later = now + chrono::Duration::days(31);
    assert_eq!(vm.purge_expired(s.app.db(), later).await.expect("purge"), 1);
    assert_eq!(s.app.voicemail_rows().await, 1);
    assert_eq!(s.app.blobs().await, 1);
    let r = s
        .app
        .graphql("query($id: ID!) { voicemail(id: $id) { state } }")
        .vars(json!({ "id": keep }))
        .as_(&s.alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/voicemail/state"), "NEW");
}

/// The whole path against a real S3-compatible server (moto, started by `.ci/run`): runs when
/// `TEST_S3_ENDPOINT` is set, with `AWS_ENDPOINT` and credentials in the environment.
#[tokio::test]
async fn voicemail_round_trips_through_s3() {
    let Ok(_) = std::env::var("TEST_S3_ENDPOINT") else {
        eprintln!("TEST_S3_ENDPOINT not set: S3 round trip skipped");
        return;
    };
    let bucket = std::env::var("TEST_S3_BUCKET").unwrap_or_else(|_| "voicemail".to_owned());
    let prefix = uuid::Uuid::now_v7().simple().to_string();
    let s = setup_with(|settings| {
        settings.storage_url = Some(format!("s3://{bucket}/{prefix}"));
    })
    .await;
    let bytes = message(51, 2.0);
    let (status, body) = ingest(&s, &s.alice_number, "S3-1", None, bytes.clone()).await;
    assert_eq!(status, 201, "{body:#}");
    let url = s.app.url(&format!(
        "/v1/voicemails/{}/audio",
        body["id"].as_str().expect("id")
    ));
    let r = s
        .app
        .client
        .get(&url)
        .bearer_auth(&s.alice)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.expect("body").as_ref(), bytes.as_slice());
    let r = s
        .app
        .client
        .get(&url)
        .header("range", "bytes=4-7")
        .bearer_auth(&s.alice)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.expect("body").as_ref(), &bytes[4..8]);
    assert_eq!(s.app.blobs().await, 1);
    let report = s
        .app
        .state
        .voicemails
        .fsck(s.app.db(), false, chrono::Duration::zero())
        .await
        .expect("fsck");
    assert!(report.is_clean(), "{report:?}");
}

/// A mailbox is its holder's: reassigning a line carries neither the messages nor the PIN,
/// greeting and e-mail address to the new holder, and a coordinator cannot take a member's
/// line for themselves (the review's finding: Cora assigned Alice's line to herself, then
/// read and played Alice's messages and saw her mailbox settings).
#[tokio::test]
async fn a_reassigned_line_carries_no_messages_or_settings_to_its_new_holder() {
    use chorus::graphql::node::{NodeType, encode};
    use sea_orm::{ActiveModelTrait, Set};
    let s = setup().await;
    let id = ingest_ok(&s, "R1", 1.0).await;
    let line = line::Entity::find()
        .filter(line::Column::OwnerId.eq(s.cast.user.id))
        .one(s.app.db())
        .await
        .expect("db")
        .expect("Alice's line");
    mailbox_settings::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        line_id: Set(line.id),
        pin_hash: Set(Some(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        )),
        email_attachment: Set(true),
        email_address: Set(Some("alice.private@example.org".into())),
        rings_before_voicemail: Set(4),
        greeting_blob_key: Set(None),
        updated_at: Set(chrono::Utc::now()),
        version: Set(1),
    }
    .insert(s.app.db())
    .await
    .expect("settings");
    let cora = s.app.token("cora").await;
    let admin = s.app.token("ada").await;
    let assign = "mutation($l: ID!, $p: ID) { assignLine(input: {lineId: $l, personId: $p}) { line { id } userErrors { code message } } }";
    let to_cora = json!({ "l": encode(NodeType::Line, line.id), "p": encode(NodeType::Person, s.cast.coordinator.id) });

    // The coordinator of Alice's unit cannot give Alice's line to herself: nothing changes.
    let r = s
        .app
        .graphql(assign)
        .vars(to_cora.clone())
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/assignLine/userErrors/0/code"),
        "NOT_ALLOWED",
        "{:#}",
        r.body
    );
    let unchanged = line::Entity::find_by_id(line.id)
        .one(s.app.db())
        .await
        .expect("db")
        .expect("line");
    assert_eq!(unchanged, line, "a refused assignment writes nothing");

    // An administrator may; the messages stay Alice's, the settings go.
    let r = s
        .app
        .graphql(assign)
        .vars(to_cora)
        .as_(&admin)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/assignLine/userErrors"), &json!([]), "{:#}", r.body);
    let settings = mailbox_settings::Entity::find()
        .filter(mailbox_settings::Column::LineId.eq(line.id))
        .count(s.app.db())
        .await
        .expect("db");
    assert_eq!(
        settings, 0,
        "the previous holder's PIN and e-mail address are gone"
    );

    let list = "{ voicemails { totalCount newCount nodes { id } } }";
    let r = s.app.graphql(list).as_(&cora).send().await.ok();
    assert_eq!(
        r.data("/voicemails/totalCount"),
        0,
        "the new holder starts empty"
    );
    let r = s
        .app
        .graphql("query($id: ID!) { voicemail(id: $id) { id } node(id: $id) { id } }")
        .vars(json!({ "id": id }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/voicemail"), &Value::Null);
    assert_eq!(r.data("/node"), &Value::Null);
    let audio = s
        .app
        .client
        .get(s.app.url(&format!("/v1/voicemails/{id}/audio")))
        .bearer_auth(&cora)
        .send()
        .await
        .expect("send");
    assert_eq!(
        audio.status().as_u16(),
        404,
        "the new holder cannot play it"
    );
    let r = s
        .app
        .graphql("query($l: ID) { mailbox(lineId: $l) { pinSet emailAddress emailAttachment totalCount newCount } }")
        .vars(json!({ "l": encode(NodeType::Line, line.id) }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/mailbox"),
        &json!({ "pinSet": false, "emailAddress": null, "emailAttachment": false, "totalCount": 0, "newCount": 0 }),
        "{:#}",
        r.body
    );

    // Alice still has her message, and can play it.
    let r = s.app.graphql(list).as_(&s.alice).send().await.ok();
    assert_eq!(r.data("/voicemails/totalCount"), 1);
    assert_eq!(r.data("/voicemails/nodes/0/id"), id.as_str());
    let audio = s
        .app
        .client
        .get(s.app.url(&format!("/v1/voicemails/{id}/audio")))
        .bearer_auth(&s.alice)
        .send()
        .await
        .expect("send");
    assert_eq!(audio.status().as_u16(), 200);

    // A message left on the number now is Cora's, not Alice's.
    let (status, body) = ingest(&s, &s.alice_number, "R2", None, message(2, 1.0)).await;
    assert_eq!(status, 201, "{body:#}");
    let r = s.app.graphql(list).as_(&cora).send().await.ok();
    assert_eq!(r.data("/voicemails/totalCount"), 1);
    assert_eq!(r.data("/voicemails/nodes/0/id"), &body["id"]);
    let r = s.app.graphql(list).as_(&s.alice).send().await.ok();
    assert_eq!(r.data("/voicemails/totalCount"), 1);
}

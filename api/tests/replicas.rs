//! Two `chorus serve` processes on one PostgreSQL database, as replicas behind a load
//! balancer: a voicemail the PBX delivers to one reaches a `voicemailReceived` subscriber
//! connected to the other (PostgreSQL `LISTEN/NOTIFY`). Runs when `TEST_DATABASE_URL` names a
//! PostgreSQL server; SQLite has one process per database file, so there is nothing to test.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

/// A child process killed when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn serve(url: &str, dir: &std::path::Path, port: u16, demo: bool) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chorus"));
    command
        .args(["serve", "--database-url", url, "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir)
        .env("CHORUS_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if demo {
        command.arg("--demo");
    }
    Server(command.spawn().expect("start chorus"))
}

async fn wait_ready(client: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(240);
    while Instant::now() < deadline {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("server on port {port} not ready");
}

#[tokio::test]
async fn a_voicemail_delivered_to_one_process_reaches_a_subscriber_of_another() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL not set: the two-process test needs PostgreSQL");
        return;
    };
    let name = format!("chorus_replicas_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url)
        .await
        .expect("admin connection");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{name}");
    let dir = tempfile::tempdir().expect("data dir");
    let client = reqwest::Client::new();

    // Process A seeds the demo and prints the tokens; B shares the database, the data
    // directory (token secret, media secret, blob store) and nothing else.
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = serve(&url, dir.path(), port_a, true);
    wait_ready(&client, port_a).await;
    let _b = serve(&url, dir.path(), port_b, false);
    wait_ready(&client, port_b).await;
    let stdout = a.0.stdout.take().expect("stdout");
    let tokens = tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        let mut tokens = std::collections::HashMap::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some((who, token)) = line.split_once(": ") {
                tokens.insert(who.to_owned(), token.to_owned());
            }
            if tokens.len() == 4 {
                break;
            }
        }
        tokens
    })
    .await
    .expect("tokens");
    let user = tokens["demo-user"].clone();
    let pbx = tokens["demo-automation"].clone();

    let me: Value = client
        .post(format!("http://127.0.0.1:{port_a}/graphql"))
        .bearer_auth(&user)
        .json(&json!({ "query": "{ me { lines { number } } }" }))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    let number = me["data"]["me"]["lines"][0]["number"]
        .as_str()
        .expect("a line")
        .to_owned();

    // Subscribe on B.
    let mut request = format!("ws://127.0.0.1:{port_b}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {user}") } });
    ws.send(Message::Text(init.to_string().into()))
        .await
        .expect("init");
    let ack = ws.next().await;
    assert!(
        matches!(&ack, Some(Ok(Message::Text(t))) if t.contains("connection_ack")),
        "{ack:?}"
    );
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { voicemailReceived { pbxMessageId durationMs } }" } });
    ws.send(Message::Text(subscribe.to_string().into()))
        .await
        .expect("subscribe");
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Deliver to A: a 2-second µ-law message.
    let audio =
        chorus::demo::audio::mulaw_wav(&chorus::demo::audio::synth_message(7, 2.0, 8000), 8000);
    let r = client
        .post(format!(
            "http://127.0.0.1:{port_a}/v1/mailboxes/{}/voicemails?pbxMessageId=two-processes",
            number.replace('+', "%2B")
        ))
        .bearer_auth(&pbx)
        .header("content-type", "audio/wav")
        .body(audio)
        .send()
        .await
        .expect("ingest");
    assert_eq!(r.status(), 201);

    let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("the event reaches the other process within 10 s");
    let Some(Ok(Message::Text(text))) = frame else {
        panic!("expected an event, got {frame:?}");
    };
    let event: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        event["payload"]["data"]["voicemailReceived"],
        json!({ "pbxMessageId": "two-processes", "durationMs": 2000 }),
        "{event:#}"
    );

    drop(ws);
    drop(a);
    drop(_b);
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

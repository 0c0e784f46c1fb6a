//! Connection timeouts and the connection cap of the accept loop (`chorus::http::serve`):
//! stalled clients are closed, slow but progressing uploads are not, clients over the cap
//! get a clean 503, and upgraded WebSockets outlive the idle timeout.

use std::time::{Duration, Instant};

use chorus_tests::{TestApp, fixtures, ws_next};
use futures_util::{SinkExt, future::join_all};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::Message;

/// Far beyond the 1 s timeouts of these tests: only a hang fails them.
const GENEROUS: Duration = Duration::from_secs(20);

/// An app whose connection timeouts are all one second.
async fn impatient_app() -> TestApp {
    TestApp::spawn_with(|settings| {
        let second = Duration::from_secs(1);
        settings.connections.header_timeout = second;
        settings.connections.body_timeout = second;
        settings.connections.idle_timeout = second;
    })
    .await
}

/// A client without a connection pool: the server closes idle connections after 1 s here,
/// and a pooled one could be reused just as it closes.
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(GENEROUS)
        .build()
        .expect("client")
}

async fn readyz(app: &TestApp) -> u16 {
    fresh_client()
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("/readyz answers")
        .status()
        .as_u16()
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.addr).await.expect("connect")
}

async fn send(stream: &mut TcpStream, bytes: &str) {
    stream.write_all(bytes.as_bytes()).await.expect("write");
}

/// Reads until the server closes the connection (EOF or reset); returns what it sent and
/// how long that took. Panics if it stays open for [`GENEROUS`].
async fn until_closed(mut stream: TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(GENEROUS, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server closes the connection");
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

/// Reads one whole answer (head and `Content-Length` body) from a kept-alive connection.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(GENEROUS, async {
        loop {
            let text = String::from_utf8_lossy(&got).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    return text;
                }
            }
            let n = stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "closed before a whole answer: {text:?}");
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("an answer")
}

#[tokio::test]
async fn stalled_clients_are_closed_while_health_checks_answer() {
    let app = impatient_app().await;
    let host = format!("Host: {}\r\n", app.addr);
    let mut silent = Vec::new();
    let mut half_head = Vec::new();
    let mut mid_body = Vec::new();
    let mut idle = Vec::new();
    let mut idle_then_half = Vec::new();
    for _ in 0..10 {
        silent.push(connect(&app).await);
    }
    for i in 0..30 {
        let mut stream = connect(&app).await;
        // Half of them with a token header, half without; never the blank line.
        let auth = if i % 2 == 0 {
            "Authorization: Bearer not-yet\r\n"
        } else {
            ""
        };
        send(
            &mut stream,
            &format!("GET /readyz HTTP/1.1\r\n{host}{auth}X-Slow: "),
        )
        .await;
        half_head.push(stream);
    }
    for _ in 0..10 {
        let mut stream = connect(&app).await;
        let head = format!(
            "POST /graphql HTTP/1.1\r\n{host}Content-Type: application/json\r\n\
             Accept: application/json\r\nContent-Length: 1000\r\n\r\n"
        );
        send(&mut stream, &head).await;
        send(&mut stream, "{\"query\":").await;
        mid_body.push(stream);
    }
    for i in 0..20 {
        let mut stream = connect(&app).await;
        send(&mut stream, &format!("GET /healthz HTTP/1.1\r\n{host}\r\n")).await;
        let answer = read_answer(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        if i % 2 == 0 {
            idle.push(stream);
        } else {
            send(&mut stream, &format!("GET /healthz HTTP/1.1\r\n{host}")).await;
            idle_then_half.push(stream);
        }
    }

    // 70 stalled connections do not stop the health checks.
    assert_eq!(readyz(&app).await, 200);
    let healthz = fresh_client()
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("/healthz answers");
    assert_eq!(healthz.status(), 200);

    let closed = |streams: Vec<TcpStream>| join_all(streams.into_iter().map(until_closed));
    let (silent, half_head, mid_body, idle, idle_then_half) = tokio::join!(
        closed(silent),
        closed(half_head),
        closed(mid_body),
        closed(idle),
        closed(idle_then_half),
    );
    for (what, closed) in [
        ("silent", &silent),
        ("half a head", &half_head),
        ("idle", &idle),
        ("idle, then half a head", &idle_then_half),
    ] {
        for (sent, after) in closed {
            assert!(sent.is_empty(), "{what}: nothing is answered, got {sent:?}");
            assert!(
                *after >= Duration::from_millis(300),
                "{what}: closed after {after:?}, before its timeout"
            );
        }
    }
    for (sent, _) in &mid_body {
        assert!(
            sent.starts_with("HTTP/1.1 408"),
            "a stalled body is answered 408: {sent:?}"
        );
        assert!(
            sent.to_ascii_lowercase().contains("connection: close"),
            "{sent}"
        );
    }
    assert_eq!(readyz(&app).await, 200);
}

#[tokio::test]
async fn a_slow_upload_that_keeps_coming_is_not_cut() {
    let app = impatient_app().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    let body = json!({ "query": "{ __typename }" }).to_string();
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nAccept: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        app.addr,
        body.len()
    );
    send(&mut stream, &head).await;
    // Six pieces 400 ms apart: 2.4 s in all, each pause well under the 1 s body timeout.
    let pieces: Vec<&[u8]> = body.as_bytes().chunks(body.len().div_ceil(6)).collect();
    for piece in pieces {
        tokio::time::sleep(Duration::from_millis(400)).await;
        stream.write_all(piece).await.expect("write a piece");
    }
    let answer = read_answer(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"__typename\":\"Query\""), "{answer}");
}

#[tokio::test]
async fn connections_over_the_cap_get_a_clean_503() {
    let app = TestApp::spawn_with(|settings| {
        settings.connections.max_connections = Some(4);
    })
    .await;
    let host = format!("Host: {}\r\n", app.addr);
    // Four kept-alive connections, each shown to be accepted by an answer, fill the cap.
    let mut holders = Vec::new();
    for _ in 0..4 {
        let mut stream = connect(&app).await;
        send(&mut stream, &format!("GET /healthz HTTP/1.1\r\n{host}\r\n")).await;
        let answer = read_answer(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        holders.push(stream);
    }

    // The next ones are answered and closed, whatever they sent.
    for request in ["GET /readyz HTTP/1.1\r\n", ""] {
        let mut stream = connect(&app).await;
        send(&mut stream, &format!("{request}{host}\r\n")).await;
        let (answer, _) = until_closed(stream).await;
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer:?}");
        let lower = answer.to_ascii_lowercase();
        assert!(lower.contains("\r\nretry-after: "), "{answer}");
        assert!(lower.contains("\r\nconnection: close\r\n"), "{answer}");
    }
    // An HTTP client reads the refusal as an ordinary 503.
    assert_eq!(readyz(&app).await, 503);

    // Once the holders leave, there is room again.
    drop(holders);
    let deadline = Instant::now() + GENEROUS;
    loop {
        let status = readyz(&app).await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "/readyz still {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_upgraded_websocket_outlives_the_idle_and_header_timeouts() {
    let app = TestApp::spawn_with(|settings| {
        let second = Duration::from_secs(1);
        settings.connections.header_timeout = second;
        settings.connections.body_timeout = second;
        settings.connections.idle_timeout = second;
        // The WebSocket holds one of the two places until it closes.
        settings.connections.max_connections = Some(2);
    })
    .await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    let mut ws = app.ws_ready(&token).await;
    let send = |v: Value| Message::Text(v.to_string().into());

    // Silent for three times the idle (and header) timeout.
    tokio::time::sleep(Duration::from_secs(3)).await;
    ws.send(send(json!({ "type": "ping", "payload": { "n": 1 } })))
        .await
        .expect("ping after the idle timeout");
    assert_eq!(
        ws_next(&mut ws).await,
        Ok(json!({ "type": "pong", "payload": { "n": 1 } }))
    );

    // It still counts against the cap: with one more connection held, a third is refused.
    let mut holder = connect(&app).await;
    send_healthz(&app, &mut holder).await;
    let mut third = connect(&app).await;
    third
        .write_all(b"GET /readyz HTTP/1.1\r\n\r\n")
        .await
        .expect("write");
    let (answer, _) = until_closed(third).await;
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer:?}");
    ws.close(None).await.expect("close");
}

/// One `GET /healthz` on a kept-alive connection, answered 200.
async fn send_healthz(app: &TestApp, stream: &mut TcpStream) {
    send(
        stream,
        &format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", app.addr),
    )
    .await;
    let answer = read_answer(stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

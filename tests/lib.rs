//! Test harness: the real app on port 0 with a fresh database and the real migrations.
//!
//! Each [`TestApp`] gets its own data directory and database: a SQLite file by default, or a
//! new PostgreSQL database (named `chorus_test_<uuid>`) on the server named by
//! `TEST_DATABASE_URL`. Logs are quiet unless `TEST_LOG` is set.
#![forbid(unsafe_code)]

pub mod fixtures;

use std::{net::SocketAddr, sync::Once, time::Duration};

use chorus::{
    app::{App, AppState},
    config::{DatabaseUrl, Settings},
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A running app for one test.
pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub client: reqwest::Client,
    /// None for a replica, which uses its primary's directory.
    _data_dir: Option<TempDir>,
    _shutdown: oneshot::Sender<()>,
    /// `(admin URL, database name)` of a PostgreSQL database to drop when the test ends.
    postgres: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime; use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

static LOGS: Once = Once::new();

fn init_logs() {
    LOGS.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new("debug,sqlx=info"))
                .with_test_writer()
                .try_init();
        }
    });
}

/// Creates a fresh PostgreSQL database on the server of `admin_url`; returns its URL and name.
async fn fresh_postgres(admin_url: &str) -> anyhow::Result<(String, String)> {
    let name = format!("chorus_test_{}", uuid::Uuid::new_v4().simple());
    let admin: DatabaseConnection = Database::connect(admin_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(admin_url);
    Ok((format!("{base}/{name}"), name))
}

impl TestApp {
    /// Starts the app with default settings.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the app after letting the test adjust the settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        init_logs();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::for_data_dir(data_dir.path().to_path_buf());
        let mut postgres = None;
        if let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") {
            let (url, name) = fresh_postgres(&admin_url)
                .await
                .expect("create a test database on TEST_DATABASE_URL");
            settings.database = DatabaseUrl::Postgres(url);
            postgres = Some((admin_url, name));
        }
        adjust(&mut settings);
        let mut app = Self::start(settings).await;
        app._data_dir = Some(data_dir);
        app.postgres = postgres;
        app
    }

    /// A second server process on the same database and data directory (same token secret,
    /// same blob store), with its own connection pool, event listener and port: what a
    /// replica behind a load balancer is.
    pub async fn spawn_replica(&self) -> Self {
        let mut settings = (*self.state.settings).clone();
        settings.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start(settings).await
    }

    async fn start(settings: Settings) -> Self {
        let app = App::build(settings).await.expect("app starts");
        let addr = app.local_addr().expect("bound");
        let state = app.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self {
            addr,
            state,
            client,
            _data_dir: None,
            _shutdown: tx,
            postgres: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// A valid access token for a person or service account, as `chorus token` would mint.
    pub async fn token(&self, username: &str) -> String {
        chorus::services::tokens::mint(
            &self.state.db,
            &self.state.keys,
            username,
            Duration::from_secs(600),
        )
        .await
        .expect("mint token")
    }

    /// The E.164 number of `person`'s (first) personal line.
    pub async fn number_of(&self, person: uuid::Uuid) -> String {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::line::Entity::find()
            .filter(entity::line::Column::OwnerId.eq(person))
            .one(self.db())
            .await
            .expect("db")
            .expect("line")
            .e164
    }

    /// Voicemail rows in the database, every state.
    pub async fn voicemail_rows(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::voicemail::Entity::find()
            .count(self.db())
            .await
            .expect("count")
    }

    /// Blobs in the voicemail store.
    pub async fn blobs(&self) -> usize {
        use futures_util::TryStreamExt;
        self.state
            .voicemails
            .store
            .list(None)
            .try_collect::<Vec<_>>()
            .await
            .expect("list")
            .len()
    }

    /// Opens `/graphql/ws` with the `graphql-transport-ws` subprotocol and completes
    /// `connection_init` with `token` (asserting the `connection_ack`).
    pub async fn ws_ready(&self, token: &str) -> Ws {
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::{
            Message, client::IntoClientRequest, http::HeaderValue,
        };
        let mut request = format!("ws://{}/graphql/ws", self.addr)
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
            .expect("send connection_init");
        let ack = ws_next(&mut ws).await;
        assert_eq!(ack.map(|m| m["type"].clone()), Ok(json!("connection_ack")));
        ws
    }

    /// Starts a GraphQL request.
    pub fn graphql(&self, query: &str) -> GraphqlCall<'_> {
        GraphqlCall {
            app: self,
            query: query.to_owned(),
            variables: json!({}),
            token: None,
        }
    }
}

/// A GraphQL call being built: `app.graphql(q).vars(v).as_(&token).send()`.
pub struct GraphqlCall<'a> {
    app: &'a TestApp,
    query: String,
    variables: Value,
    token: Option<String>,
}

/// The answer to a GraphQL call.
#[derive(Debug)]
pub struct GraphqlResponse {
    pub status: u16,
    pub body: Value,
}

impl GraphqlResponse {
    /// `data` at a JSON pointer, e.g. `/me/displayName`.
    pub fn data(&self, pointer: &str) -> &Value {
        self.body
            .pointer(&format!("/data{pointer}"))
            .unwrap_or(&Value::Null)
    }

    /// The `extensions.code` of the first error, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.body
            .pointer("/errors/0/extensions/code")
            .and_then(Value::as_str)
    }

    /// Panics with the whole body when the response has errors.
    pub fn ok(self) -> Self {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {:#}",
            self.body
        );
        self
    }
}

impl GraphqlCall<'_> {
    pub fn vars(mut self, variables: Value) -> Self {
        self.variables = variables;
        self
    }

    pub fn as_(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    pub async fn send(self) -> GraphqlResponse {
        let mut request = self
            .app
            .client
            .post(self.app.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": self.query, "variables": self.variables }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        GraphqlResponse { status, body }
    }
}

/// A `graphql-transport-ws` client socket.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next frame within 10 s: a text message as JSON, or the close frame's code.
pub async fn ws_next(ws: &mut Ws) -> Result<Value, u16> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an answer within 10 s");
        match next {
            Some(Ok(Message::Text(t))) => return Ok(serde_json::from_str(&t).expect("json")),
            Some(Ok(Message::Close(Some(frame)))) => return Err(u16::from(frame.code)),
            Some(Ok(_)) => {}
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

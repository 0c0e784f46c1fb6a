//! Deeply nested requests through the real router: `{ nodes(ids: [[[…1,750 levels…"x"…]]]) }`
//! once overflowed a tokio worker's stack and aborted the whole server (over POST, GET and the
//! WebSocket, and with an object literal `{a:{a:…}}` as well). Whatever the request, the
//! server must answer: no panic, no abort or stack overflow, a JSON body with status
//! 200/400/401/413/429 (405 for a mutation over GET), a code on every 4xx error, and a code
//! (`LIMIT_EXCEEDED` or `BAD_REQUEST`, or `UNAUTHENTICATED` without a valid token) whenever the
//! document or the JSON text nests more than 64 brackets. A bearer token must never get 401.
//!
//! The first byte picks the input:
//! - `byte % 4 == 0`: the next byte picks transport, token and `Accept` (see [`RawConfig`]),
//!   the rest is the document's text (or, for the raw-body transport, the POST body itself);
//! - otherwise the rest drives `arbitrary` into a [`Structured`] request: real root fields of
//!   the schema whose argument values are lists and objects nested 0..=20,000 deep (biased to
//!   large depths and to the limit), selections wrapped in inline fragments, chains of named
//!   fragments (each spreading the next up to three times), deep `variables`, byte edits of
//!   the text, and a transport.
//!
//! `NESTED_REQUESTS_DEBUG=1` prints each request (transport, token, the start of the document,
//! its nesting) and its answer to stderr: run the binary on an artifact to see what it sent.
//!
//! The app is built once per process: SQLite in a temporary directory, `chorus::seed` data
//! (200 people, 2,000 calls), `p0` an administrator, `p1` a plain user, both with tokens as
//! `chorus token` mints them. HTTP requests go through `chorus::app::router` with `oneshot`,
//! spawned onto a multi-thread runtime whose workers have tokio's default 2 MiB stack, as in
//! `chorus serve`; WebSocket subscriptions go to the same app listening on a loopback port.
//! Cost budgets are off (restore rate 0) so that thousands of requests a second are not
//! throttled; every other limit has its default.
#![no_main]

use std::{
    borrow::Cow, fmt::Write as _, net::SocketAddr, path::Path, sync::OnceLock, time::Duration,
};

use arbitrary::{Arbitrary, Unstructured};
use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use chorus::{
    app::{App, AppState},
    config::Settings,
};
use futures_util::{SinkExt as _, StreamExt as _};
use libfuzzer_sys::fuzz_target;
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};
use serde_json::Value;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest as _};
use tower::ServiceExt as _;

/// The nesting above which the server must refuse (`cost::MAX_NESTING`).
const MAX_NESTING: usize = 64;
/// Deepest value the structured mode builds.
const MAX_DEPTH: u32 = 20_000;
/// tokio's default worker stack, which `chorus serve` keeps.
const WORKER_STACK: usize = 2 << 20;
/// The temporary data directories of this target (one per process).
const DIR_PREFIX: &str = "chorus-fuzz-nested-";
/// http's `Uri` refuses longer request targets (hyper would answer 414/431 before the app).
const MAX_URI: usize = u16::MAX as usize - 1;
/// Longest a single request may take before it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(20);

// ----- the app, built once -------------------------------------------------------------------

struct Harness {
    rt: tokio::runtime::Runtime,
    router: Router,
    ws: SocketAddr,
    admin: String,
    user: String,
    _dir: tempfile::TempDir,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

fn harness() -> &'static Harness {
    HARNESS.get_or_init(build)
}

/// libFuzzer exits without running destructors: remove the directories of dead processes.
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(DIR_PREFIX)) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if !pid.is_empty() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn build() -> Harness {
    remove_stale_dirs();
    let dir = tempfile::Builder::new()
        .prefix(&format!("{DIR_PREFIX}{}-", std::process::id()))
        .tempdir()
        .expect("temporary data directory");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(WORKER_STACK)
        .enable_all()
        .build()
        .expect("runtime");
    let mut settings = Settings::for_data_dir(dir.path().to_path_buf());
    settings.limits.cost_restore_rate = 0;
    let (state, ws, admin, user) = rt.block_on(async {
        let state = AppState::new(settings).await.expect("app state");
        chorus::seed::seed(&state.db, 200, 2_000)
            .await
            .expect("seed data");
        let p0 = entity::person::Entity::find()
            .filter(entity::person::Column::Username.eq("p0"))
            .one(&state.db)
            .await
            .expect("find p0")
            .expect("p0 seeded");
        entity::role_grant::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            person_id: Set(p0.id),
            role: Set(entity::enums::GrantedRole::Admin),
            unit_id: Set(None),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(&state.db)
        .await
        .expect("grant ADMIN to p0");
        let ttl = Duration::from_secs(30 * 86_400);
        let mint =
            |name: &'static str| chorus::services::tokens::mint(&state.db, &state.keys, name, ttl);
        let admin = mint("p0").await.expect("admin token");
        let user = mint("p1").await.expect("user token");
        let app = App::bind(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("listen on loopback");
        let ws = app.local_addr().expect("bound address");
        tokio::spawn(app.run_until(std::future::pending()));
        (state, ws, admin, user)
    });
    Harness {
        rt,
        router: chorus::app::router(state),
        ws,
        admin,
        user,
        _dir: dir,
    }
}

// ----- what a request is -----------------------------------------------------------------------

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// `POST /graphql` with `{"query": …, "variables": …}`.
    PostJson,
    /// `GET /graphql?query=…&variables=…`.
    Get,
    /// `POST /graphql` with the text itself as the JSON body.
    PostBody,
    /// `/graphql/ws`: `connection_init`, `subscribe`, `ping`.
    WebSocket,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    Admin,
    User,
    Anonymous,
    Garbage,
}

impl Auth {
    fn token(self, h: &Harness) -> Option<Cow<'_, str>> {
        match self {
            Self::Admin => Some(Cow::Borrowed(&h.admin)),
            Self::User => Some(Cow::Borrowed(&h.user)),
            Self::Anonymous => None,
            Self::Garbage => Some(Cow::Borrowed("eyJhbGciOiJIUzI1NiJ9.e30.x")),
        }
    }

    fn valid(self) -> bool {
        matches!(self, Self::Admin | Self::User)
    }
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Accept {
    GraphqlResponse,
    Json,
}

impl Accept {
    fn as_str(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json",
            Self::Json => "application/json",
        }
    }
}

/// A request ready to send.
struct Call {
    transport: Transport,
    auth: Auth,
    accept: Accept,
    query: String,
    /// JSON text of `variables` (sent as is, however deep).
    variables: Option<String>,
    /// The POST body of [`Transport::PostBody`] (raw mode: the fuzzer's bytes).
    body: Option<Vec<u8>>,
}

/// Raw mode's second byte: bits 0–1 transport, 2–3 token, 4 `Accept`.
struct RawConfig(u8);

impl RawConfig {
    fn call(&self, text: &[u8]) -> Call {
        let b = self.0;
        let transport = [
            Transport::PostJson,
            Transport::Get,
            Transport::PostBody,
            Transport::WebSocket,
        ][usize::from(b & 3)];
        let auth =
            [Auth::Admin, Auth::User, Auth::Anonymous, Auth::Garbage][usize::from(b >> 2 & 3)];
        let accept = if b & 16 == 0 {
            Accept::GraphqlResponse
        } else {
            Accept::Json
        };
        Call {
            transport,
            auth,
            accept,
            query: String::from_utf8_lossy(text).into_owned(),
            variables: None,
            body: (transport == Transport::PostBody).then(|| text.to_vec()),
        }
    }
}

/// A nesting depth, biased to where things break: around the limit, near the 1,750 levels
/// that overflowed the server, and up to 20,000.
#[derive(Debug, Clone, Copy)]
struct Depth(u32);

impl<'a> Arbitrary<'a> for Depth {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let bucket: u8 = u.arbitrary()?;
        let depth = match bucket % 10 {
            0 => u.int_in_range(0..=8)?,
            1 => u.int_in_range(30..=40)?,
            2 => u.int_in_range(60..=70)?,
            3 => u.int_in_range(100..=600)?,
            4 => u.int_in_range(1_000..=2_500)?,
            5 => u.int_in_range(1_700..=1_800)?,
            6 => u.int_in_range(5_000..=MAX_DEPTH)?,
            7 => MAX_DEPTH,
            _ => u.int_in_range(0..=MAX_DEPTH)?,
        };
        Ok(Self(depth))
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Shape {
    /// `[[[…]]]`
    List,
    /// `{a:{a:…}}`
    Object,
    /// `[{a:[{a:…}]}]`
    Alternating,
    /// Bit `level % 8` of the byte: 0 a list, 1 an object.
    Pattern(u8),
}

impl Shape {
    fn object_at(self, level: u32) -> bool {
        match self {
            Self::List => false,
            Self::Object => true,
            Self::Alternating => level % 2 == 1,
            Self::Pattern(bits) => bits >> (level % 8) & 1 == 1,
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Leaf {
    Str,
    Int,
    Null,
    Var,
    Enum,
    Empty,
}

/// What separates the tokens of a nest.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Layout {
    Compact,
    Spaces,
    Commas,
    Newlines,
    Comments,
}

impl Layout {
    fn separator(self, json: bool) -> &'static str {
        match self {
            Self::Compact => "",
            Self::Spaces => " ",
            // Commas are whitespace to GraphQL, and a syntax error in JSON.
            Self::Commas if json => " ",
            Self::Commas => ",",
            Self::Newlines => "\n",
            Self::Comments if json => "\t",
            Self::Comments => " # [[[{{{\n",
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Ending {
    Closed,
    /// Nothing closed: the text stops inside the value.
    Unclosed,
    /// One closer too many.
    Extra,
    /// Half the levels closed.
    Half,
}

/// A value nested `depth` levels deep.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Nest {
    depth: Depth,
    shape: Shape,
    leaf: Leaf,
    layout: Layout,
    ending: Ending,
}

impl Nest {
    /// The value as GraphQL (`json == false`) or JSON text.
    fn render(&self, json: bool, out: &mut String) {
        let depth = self.depth.0.min(MAX_DEPTH);
        let sep = self.layout.separator(json);
        for level in 0..depth {
            out.push_str(match (self.shape.object_at(level), json) {
                (false, _) => "[",
                (true, false) => "{a:",
                (true, true) => "{\"a\":",
            });
            out.push_str(sep);
        }
        out.push_str(match (self.leaf, json) {
            (Leaf::Str, _) => "\"x\"",
            (Leaf::Int, _) => "1",
            (Leaf::Null, _) => "null",
            (Leaf::Var, false) => "$v",
            (Leaf::Var, true) => "\"$v\"",
            (Leaf::Enum, false) => "ADMIN",
            (Leaf::Enum, true) => "\"ADMIN\"",
            (Leaf::Empty, _) => "",
        });
        let closed = match self.ending {
            Ending::Closed => depth,
            Ending::Unclosed => 0,
            Ending::Extra => depth + 1,
            Ending::Half => depth / 2,
        };
        for i in 0..closed {
            // Closers match their openers from the innermost out; the extra one is a `]`.
            let level = depth.checked_sub(i + 1);
            out.push_str(sep);
            out.push(match level {
                Some(level) if self.shape.object_at(level) => '}',
                _ => ']',
            });
        }
    }

    fn uses_variable(&self) -> bool {
        matches!(self.leaf, Leaf::Var)
    }
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    /// `{ … }`
    Shorthand,
    Query,
    Subscription,
    Mutation,
}

impl Operation {
    fn type_name(self) -> &'static str {
        match self {
            Self::Shorthand | Self::Query => "Query",
            Self::Subscription => "Subscription",
            Self::Mutation => "Mutation",
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum VarType {
    IdList,
    Id,
    Str,
    CallFilter,
    NestedIdList,
    MarkVoicemailsInput,
}

impl VarType {
    fn as_str(self) -> &'static str {
        match self {
            Self::IdList => "[ID!]",
            Self::Id => "ID",
            Self::Str => "String",
            Self::CallFilter => "CallFilter",
            Self::NestedIdList => "[[ID]]",
            Self::MarkVoicemailsInput => "MarkVoicemailsInput!",
        }
    }
}

/// Root fields of the schema, with the argument the nested value goes to.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Root {
    Me,
    Nodes,
    Node,
    DirectorySearch,
    DirectoryUnit,
    Person,
    Units,
    RouteCall,
    CallHistory,
    HuntGroups,
    TeamsEligibility,
    VoicemailReceived,
    MarkVoicemails,
    IntrospectType,
    IntrospectSchema,
    Typename,
}

impl Root {
    /// `(field, argument, its value when the input gives none, other arguments, selection)`.
    fn parts(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            Self::Me => ("me", "x", "", "", "{ id displayName }"),
            Self::Nodes => ("nodes", "ids", "[\"x\"]", "", "{ id }"),
            Self::Node => ("node", "id", "\"x\"", "", "{ id }"),
            Self::DirectorySearch => (
                "directory",
                "search",
                "\"p1\"",
                ", first: 2",
                "{ totalCount nodes { id displayName } }",
            ),
            Self::DirectoryUnit => ("directory", "unitId", "", ", first: 1", "{ totalCount }"),
            Self::Person => ("person", "username", "\"p1\"", "", "{ id displayName }"),
            Self::Units => ("units", "search", "\"a\"", ", first: 2", "{ __typename }"),
            Self::RouteCall => (
                "routeCall",
                "to",
                "\"00001\"",
                ", from: \"00002\"",
                "{ to outcome { __typename } }",
            ),
            Self::CallHistory => (
                "callHistory",
                "filter",
                "{missed: true}",
                ", first: 3",
                "{ __typename }",
            ),
            Self::HuntGroups => ("huntGroups", "unitId", "", "", "{ id }"),
            Self::TeamsEligibility => (
                "teamsEligibility",
                "filter",
                "",
                ", first: 2",
                "{ __typename }",
            ),
            Self::VoicemailReceived => ("voicemailReceived", "personId", "", "", "{ id }"),
            Self::MarkVoicemails => ("markVoicemails", "input", "{ids: []}", "", "{ __typename }"),
            Self::IntrospectType => ("__type", "name", "\"Person\"", "", "{ name }"),
            Self::IntrospectSchema => ("__schema", "x", "", "", "{ queryType { name } }"),
            Self::Typename => ("__typename", "x", "", "", ""),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct Field {
    root: Root,
    value: Option<Nest>,
    alias: bool,
}

impl Field {
    fn render(&self, index: usize, out: &mut String) {
        let (name, argument, default, others, selection) = self.root.parts();
        if self.alias {
            let _ = write!(out, "f{index}: ");
        }
        out.push_str(name);
        let mut value = String::new();
        match &self.value {
            Some(nest) => nest.render(false, &mut value),
            None => value.push_str(default),
        }
        if !value.is_empty() {
            let _ = write!(out, "({argument}: {value}{others})");
        } else if !others.is_empty() {
            let _ = write!(out, "({})", others.trim_start_matches(", "));
        }
        out.push(' ');
        out.push_str(selection);
        out.push('\n');
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum EditOp {
    Insert(u8),
    InsertPunct(Punct),
    Delete,
    Replace(u8),
    Truncate,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Punct {
    OpenList,
    CloseList,
    OpenObject,
    CloseObject,
    OpenParen,
    CloseParen,
    Quote,
    BlockQuote,
    Backslash,
    Hash,
    Newline,
    Dollar,
    Spread,
}

impl Punct {
    fn bytes(self) -> &'static [u8] {
        match self {
            Self::OpenList => b"[",
            Self::CloseList => b"]",
            Self::OpenObject => b"{",
            Self::CloseObject => b"}",
            Self::OpenParen => b"(",
            Self::CloseParen => b")",
            Self::Quote => b"\"",
            Self::BlockQuote => b"\"\"\"",
            Self::Backslash => b"\\",
            Self::Hash => b"#",
            Self::Newline => b"\n",
            Self::Dollar => b"$",
            Self::Spread => b"...",
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct Edit {
    at: u16,
    op: EditOp,
}

impl Edit {
    fn apply(&self, text: &mut Vec<u8>) {
        let at = usize::from(self.at) % (text.len() + 1);
        match self.op {
            EditOp::Insert(b) => text.insert(at, b),
            EditOp::InsertPunct(p) => {
                text.splice(at..at, p.bytes().iter().copied());
            }
            EditOp::Delete if at < text.len() => {
                text.remove(at);
            }
            EditOp::Replace(b) if at < text.len() => text[at] = b,
            EditOp::Truncate => text.truncate(at),
            _ => {}
        }
    }
}

/// A request built from real fields with nested values.
#[derive(Arbitrary, Debug)]
struct Structured {
    operation: Operation,
    fields: Vec<Field>,
    /// The root selection wrapped in `... on Query {` this deep.
    wrap: Option<(Depth, Layout)>,
    /// A chain of named fragments `...F0`, `F0` spreading `F1`, … (at most 999 long), each
    /// spreading the next one to three times (`fragment F0 on Query { ...F1 ...F1 }`: twice
    /// makes 2^n paths through a document of n fragments).
    fragment_chain: Option<(u16, u8)>,
    var_type: VarType,
    /// `variables` as `{"v": <nest>}`.
    variables: Option<Nest>,
    edits: Vec<Edit>,
    transport: Transport,
    auth: Auth,
    accept: Accept,
}

impl Structured {
    fn call(&self) -> Call {
        let fields = if self.fields.is_empty() {
            &[Field {
                root: Root::Me,
                value: None,
                alias: false,
            }][..]
        } else {
            &self.fields[..self.fields.len().min(4)]
        };
        let uses_variable = self.variables.is_some()
            || fields
                .iter()
                .any(|f| f.value.as_ref().is_some_and(Nest::uses_variable));
        let ty = self.operation.type_name();
        let mut doc = String::new();
        match self.operation {
            Operation::Shorthand => doc.push('{'),
            op => {
                let keyword = match op {
                    Operation::Subscription => "subscription",
                    Operation::Mutation => "mutation",
                    _ => "query",
                };
                let _ = write!(doc, "{keyword} Op");
                if uses_variable {
                    let _ = write!(doc, "($v: {})", self.var_type.as_str());
                }
                doc.push_str(" {");
            }
        }
        doc.push('\n');
        let (wrap, wrap_sep) = self.wrap.map_or((0, ""), |(d, layout)| {
            (d.0.min(MAX_DEPTH), layout.separator(false))
        });
        for _ in 0..wrap {
            let _ = write!(doc, "... on {ty} {{{wrap_sep}");
        }
        for (i, field) in fields.iter().enumerate() {
            field.render(i, &mut doc);
        }
        let chain = self
            .fragment_chain
            .map(|(n, fan_out)| (u32::from(n) % 1_000, 1 + fan_out % 3));
        if chain.is_some() {
            doc.push_str("...F0\n");
        }
        for _ in 0..wrap {
            doc.push_str(wrap_sep);
            doc.push('}');
        }
        doc.push_str("}\n");
        if let Some((n, fan_out)) = chain {
            for k in 0..n {
                let _ = write!(doc, "fragment F{k} on {ty} {{");
                for _ in 0..fan_out {
                    let _ = write!(doc, " ...F{}", k + 1);
                }
                doc.push_str(" }\n");
            }
            let _ = writeln!(doc, "fragment F{n} on {ty} {{ __typename }}");
        }
        let mut bytes = doc.into_bytes();
        for edit in self.edits.iter().take(8) {
            edit.apply(&mut bytes);
        }
        let query = String::from_utf8_lossy(&bytes).into_owned();
        let variables = self.variables.map(|nest| {
            let mut text = String::from("{\"v\": ");
            nest.render(true, &mut text);
            text.push('}');
            text
        });
        let body = (self.transport == Transport::PostBody).then(|| query.clone().into_bytes());
        Call {
            transport: self.transport,
            auth: self.auth,
            accept: self.accept,
            query,
            variables,
            body,
        }
    }
}

// ----- the oracle ------------------------------------------------------------------------------

/// Deepest nesting of `{`, `[` and `(` outside strings, block strings and comments, read as
/// GraphQL's lexer reads them (and JSON's: the same rules hold for its strings).
fn nesting(text: &[u8]) -> usize {
    let (mut i, mut depth, mut deepest) = (0, 0usize, 0usize);
    while i < text.len() {
        match text[i] {
            b'#' => {
                while i < text.len() && !matches!(text[i], b'\n' | b'\r') {
                    i += 1;
                }
            }
            b'"' if text[i..].starts_with(b"\"\"\"") => {
                i += 3;
                loop {
                    if i >= text.len() {
                        break;
                    }
                    if text[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else if text[i..].starts_with(b"\"\"\"") {
                        i += 3;
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < text.len() && !matches!(text[i], b'"' | b'\n' | b'\r') {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'[' | b'{' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
                i += 1;
            }
            b']' | b'}' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    deepest
}

/// `errors[0].extensions.code` of a GraphQL response body.
fn first_code(body: &Value) -> Option<&str> {
    body.pointer("/errors/0/extensions/code")
        .and_then(Value::as_str)
}

/// Characters a query-string value keeps as they are.
fn percent_encode(text: &str, out: &mut String) {
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// The request's deepest text: the document and whatever JSON travels with it.
fn deepest(call: &Call) -> usize {
    let mut deepest = nesting(call.query.as_bytes());
    if let Some(v) = &call.variables {
        deepest = deepest.max(nesting(v.as_bytes()));
    }
    if let Some(b) = &call.body {
        deepest = deepest.max(nesting(b));
    }
    deepest
}

fn check_deep_code(call: &Call, code: Option<&str>, what: &str) {
    let allowed = match code {
        Some("LIMIT_EXCEEDED" | "BAD_REQUEST") => true,
        Some("UNAUTHENTICATED") => !call.auth.valid(),
        _ => false,
    };
    assert!(
        allowed,
        "a request nested {} deep was answered without LIMIT_EXCEEDED/BAD_REQUEST ({what}: code {code:?})",
        deepest(call)
    );
}

// ----- sending ---------------------------------------------------------------------------------

fn send_http(h: &Harness, call: &Call) {
    let mut builder = Request::builder().header(header::ACCEPT, call.accept.as_str());
    if let Some(token) = call.auth.token(h) {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match call.transport {
        Transport::Get => {
            let mut uri = String::from("/graphql?query=");
            percent_encode(&call.query, &mut uri);
            if let Some(v) = &call.variables {
                uri.push_str("&variables=");
                percent_encode(v, &mut uri);
            }
            if uri.len() > MAX_URI {
                // No HTTP server would hand this to the app.
                return;
            }
            builder.method("GET").uri(uri).body(Body::empty())
        }
        Transport::PostJson | Transport::PostBody => {
            let body = match &call.body {
                Some(body) => body.clone(),
                None => {
                    let mut body = String::from("{\"query\": ");
                    body.push_str(&Value::String(call.query.clone()).to_string());
                    if let Some(v) = &call.variables {
                        body.push_str(", \"variables\": ");
                        body.push_str(v);
                    }
                    body.push('}');
                    body.into_bytes()
                }
            };
            builder
                .method("POST")
                .uri("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
        }
        Transport::WebSocket => unreachable!("sent by send_ws"),
    };
    let request = request.expect("a well-formed HTTP request");
    let router = h.router.clone();
    let (status, bytes) = h.rt.block_on(async {
        // Spawned, so that the app runs on a 2 MiB worker exactly as under `chorus serve`.
        let task = tokio::spawn(async move {
            let response = router.oneshot(request).await.expect("infallible router");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("response body");
            (status, bytes)
        });
        match tokio::time::timeout(DEADLINE, task).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => panic!("the request's task failed: {e}"),
            Err(_) => panic!("no answer within {DEADLINE:?}"),
        }
    });
    let allowed = [
        StatusCode::OK,
        StatusCode::BAD_REQUEST,
        StatusCode::UNAUTHORIZED,
        StatusCode::PAYLOAD_TOO_LARGE,
        StatusCode::TOO_MANY_REQUESTS,
    ];
    let get_mutation = call.transport == Transport::Get && status == StatusCode::METHOD_NOT_ALLOWED;
    assert!(
        allowed.contains(&status) || get_mutation,
        "status {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(
        !(status == StatusCode::UNAUTHORIZED && call.auth.valid()),
        "a valid token was refused: {}",
        String::from_utf8_lossy(&bytes)
    );
    if debug() {
        let text = String::from_utf8_lossy(&bytes);
        let start: String = text.chars().take(400).collect();
        eprintln!("answer: {status} {start}");
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "status {status}, body is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert!(
        body.is_object(),
        "status {status}, body is not an object: {body}"
    );
    if let Some(errors) = body.get("errors") {
        let errors = errors.as_array().expect("errors is an array");
        assert!(!errors.is_empty(), "an empty errors list: {body}");
        for e in errors {
            assert!(
                e.get("message").is_some_and(Value::is_string),
                "an error without a message: {body}"
            );
        }
    }
    if status.is_client_error() {
        assert!(
            first_code(&body).is_some(),
            "status {status} without a code: {body}"
        );
    }
    if deepest(call) > MAX_NESTING {
        check_deep_code(call, first_code(&body), &format!("status {status}"));
    }
}

/// What came back on the socket.
#[derive(Debug, Default)]
struct WsOutcome {
    /// Close code, when the server closed.
    closed: Option<u16>,
    /// Code of the first `error` message for the subscription.
    error_code: Option<String>,
    /// Whether an `error` came for the subscription (with a code or not).
    refused: bool,
    /// Whether a `next` came for it: it ran.
    ran: bool,
}

fn send_ws(h: &Harness, call: &Call) {
    let deep = deepest(call) > MAX_NESTING;
    let outcome = h.rt.block_on(async {
        match tokio::time::timeout(DEADLINE, ws_exchange(h, call)).await {
            Ok(outcome) => outcome,
            Err(_) => panic!("no answer on the WebSocket within {DEADLINE:?}"),
        }
    });
    if debug() {
        eprintln!("answer: {outcome:?}");
    }
    let Some(outcome) = outcome else {
        return;
    };
    if let Some(code) = outcome.closed {
        // 4400: invalid message (a deep or malformed subscribe); 4403: refused token.
        assert!(
            code == 4400 || (code == 4403 && !call.auth.valid()),
            "closed with {code}: {outcome:?}"
        );
    }
    // Deep: refused (an `error` with a code, or 4400 for a message the JSON screen refused),
    // never run.
    if deep && outcome.closed != Some(4400) {
        assert!(
            outcome.refused && !outcome.ran,
            "a request nested {} deep was not refused over the WebSocket: {outcome:?}",
            deepest(call)
        );
        check_deep_code(call, outcome.error_code.as_deref(), &format!("{outcome:?}"));
    }
}

/// init, subscribe, ping; reads until the pong (or a close), and for a deep request until its
/// answer too: the screen's refusal comes before the pong, but a syntax error comes from the
/// executor's stream, maybe after it. None when the server refused the token at init (nothing
/// of the request was sent).
async fn ws_exchange(h: &Harness, call: &Call) -> Option<WsOutcome> {
    let deep = deepest(call) > MAX_NESTING;
    let mut request = format!("ws://{}/graphql/ws", h.ws)
        .into_client_request()
        .expect("WebSocket URL");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        header::HeaderValue::from_static("graphql-transport-ws"),
    );
    // With Nagle on, each small frame after the first waits for a delayed ACK (40 ms).
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .expect("the server accepts WebSocket connections");
    let init = match call.auth.token(h) {
        Some(token) => serde_json::json!({
            "type": "connection_init",
            "payload": { "authorization": format!("Bearer {token}") },
        }),
        None => serde_json::json!({ "type": "connection_init" }),
    };
    socket
        .send(Message::text(init.to_string()))
        .await
        .expect("send connection_init");
    match socket.next().await {
        Some(Ok(Message::Text(text))) => {
            let reply: Value = serde_json::from_str(text.as_str()).expect("a JSON reply to init");
            assert_eq!(
                reply["type"], "connection_ack",
                "init answered with {reply}"
            );
            assert!(call.auth.valid(), "an invalid token was acknowledged");
        }
        Some(Ok(Message::Close(frame))) => {
            let code = frame.map(|f| u16::from(f.code));
            assert!(
                code == Some(4403) && !call.auth.valid(),
                "init closed with {code:?}"
            );
            return None;
        }
        other => panic!("init answered with {other:?}"),
    }
    let mut subscribe =
        String::from("{\"id\": \"1\", \"type\": \"subscribe\", \"payload\": {\"query\": ");
    subscribe.push_str(&Value::String(call.query.clone()).to_string());
    if let Some(v) = &call.variables {
        subscribe.push_str(", \"variables\": ");
        subscribe.push_str(v);
    }
    subscribe.push_str("}}");
    let mut outcome = WsOutcome::default();
    if socket.send(Message::text(subscribe)).await.is_err()
        || socket
            .send(Message::text(r#"{"type": "ping"}"#))
            .await
            .is_err()
    {
        // The server closed while we wrote; read its close frame below.
    }
    let mut pong = false;
    while let Some(message) = socket.next().await {
        match message {
            Ok(Message::Text(text)) => {
                let reply: Value =
                    serde_json::from_str(text.as_str()).expect("a JSON message from the server");
                match reply["type"].as_str() {
                    Some("pong") => pong = true,
                    Some("error") => {
                        outcome.refused = true;
                        if outcome.error_code.is_none() {
                            outcome.error_code = reply
                                .pointer("/payload/0/extensions/code")
                                .and_then(Value::as_str)
                                .map(str::to_owned);
                        }
                    }
                    Some("next") => outcome.ran = true,
                    Some("complete") => {}
                    _ => panic!("unexpected message {reply}"),
                }
                if pong && (!deep || outcome.refused || outcome.ran) {
                    break;
                }
            }
            Ok(Message::Close(frame)) => {
                outcome.closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                break;
            }
            Ok(_) => {}
            Err(e) => panic!("the WebSocket failed: {e}"),
        }
    }
    let _ = socket.close(None).await;
    Some(outcome)
}

fn send(call: &Call) {
    let h = harness();
    match call.transport {
        Transport::WebSocket => send_ws(h, call),
        _ => send_http(h, call),
    }
}

/// `NESTED_REQUESTS_DEBUG` is set: print each request and its answer.
fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("NESTED_REQUESTS_DEBUG").is_some())
}

/// One input: the raw or the structured mode (see the module's documentation).
fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let call = if mode % 4 == 0 {
        let Some((&config, text)) = rest.split_first() else {
            return;
        };
        RawConfig(config).call(text)
    } else {
        let mut u = Unstructured::new(rest);
        let Ok(request) = Structured::arbitrary(&mut u) else {
            return;
        };
        request.call()
    };
    if debug() {
        // What an artifact sends: `NESTED_REQUESTS_DEBUG=1 <binary> <artifact>`.
        let query = &call.query;
        let start: String = query.chars().take(400).collect();
        eprintln!(
            "{:?}, {:?} token, Accept {:?}: document of {} bytes nested {} deep: {start:?}; \
             variables: {:?} bytes, nested {}",
            call.transport,
            call.auth,
            call.accept,
            query.len(),
            nesting(query.as_bytes()),
            call.variables.as_ref().map(String::len),
            call.variables.as_ref().map_or(0, |v| nesting(v.as_bytes())),
        );
    }
    send(&call);
}

fuzz_target!(
    // The app is built before the first input, outside libFuzzer's per-input timeout.
    init: {
        harness();
    },
    |data: &[u8]| run(data)
);

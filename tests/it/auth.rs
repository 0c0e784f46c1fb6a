//! Tokens: every way a token can be wrong is refused before anything runs; roles are enforced.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chorus::auth::{AccessClaims, PrincipalKind};
use chorus_tests::{TestApp, fixtures};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{EntityTrait, PaginatorTrait};

const ME: &str = "{ me { displayName } }";

fn claims(sub: &str) -> AccessClaims {
    let now = chrono::Utc::now().timestamp();
    AccessClaims {
        iss: "chorus".into(),
        aud: "chorus-api".into(),
        sub: sub.into(),
        exp: now + 600,
        iat: now,
        nbf: now,
        kind: PrincipalKind::Person,
        pid: None,
        roles: vec!["ADMIN".into()],
        units: vec![],
        scopes: vec![],
    }
}

fn sign_with(secret: &[u8], claims: &AccessClaims, typ: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = typ.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("sign")
}

fn server_secret(app: &TestApp) -> Vec<u8> {
    let text = std::fs::read_to_string(app.state.settings.data_dir.join("jwt-secret"))
        .expect("secret file");
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .expect("base64")
}

#[tokio::test]
async fn a_person_token_answers_me() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.user.username).await;
    let r = app
        .graphql("{ me { displayName username unit { name } lines { number } roles { roles } } }")
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(r.status, 200);
    assert_eq!(r.data("/me/displayName"), "Alice Liddell");
    assert_eq!(r.data("/me/unit/name"), "Balliol College");
    assert_eq!(r.data("/me/roles/roles"), &serde_json::json!(["USER"]));
    assert!(
        r.data("/me/lines/0/number")
            .as_str()
            .is_some_and(|n| n.starts_with("+441865"))
    );
}

#[tokio::test]
async fn no_token_is_unauthenticated_and_runs_nothing() {
    let app = TestApp::spawn().await;
    let r = app.graphql(ME).send().await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
    assert!(r.body.get("data").is_none());
}

#[tokio::test]
async fn bad_tokens_are_all_refused() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let secret = server_secret(&app);
    let good = claims(&cast.admin.username);
    let now = chrono::Utc::now().timestamp();

    let expired = AccessClaims {
        exp: now - 3600,
        iat: now - 7200,
        nbf: now - 7200,
        ..good.clone()
    };
    let not_yet = AccessClaims {
        nbf: now + 3600,
        ..good.clone()
    };
    let wrong_aud = AccessClaims {
        aud: "someone-else".into(),
        ..good.clone()
    };
    let wrong_iss = AccessClaims {
        iss: "evil".into(),
        ..good.clone()
    };
    let valid = sign_with(&secret, &good, Some("at+jwt"));
    let (head, rest) = valid.split_once('.').expect("jwt");
    let (_, sig) = rest.split_once('.').expect("jwt");
    let tampered_payload = URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&AccessClaims {
            sub: cast.user.username.clone(),
            ..good.clone()
        })
        .expect("json"),
    );
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&good).expect("json"));
    let mut hs384 = Header::new(Algorithm::HS384);
    hs384.typ = Some("at+jwt".into());

    let cases: Vec<(&str, String)> = vec![
        ("expired", sign_with(&secret, &expired, Some("at+jwt"))),
        (
            "not yet valid",
            sign_with(&secret, &not_yet, Some("at+jwt")),
        ),
        (
            "wrong audience",
            sign_with(&secret, &wrong_aud, Some("at+jwt")),
        ),
        (
            "wrong issuer",
            sign_with(&secret, &wrong_iss, Some("at+jwt")),
        ),
        (
            "forged with another secret",
            sign_with(
                b"another secret of thirty-two bytes!",
                &good,
                Some("at+jwt"),
            ),
        ),
        ("wrong typ", sign_with(&secret, &good, Some("JWT"))),
        ("no typ", sign_with(&secret, &good, None)),
        ("alg none", format!("{none_header}.{payload}.")),
        (
            "tampered payload",
            format!("{head}.{tampered_payload}.{sig}"),
        ),
        (
            "other HMAC algorithm",
            jsonwebtoken::encode(&hs384, &good, &EncodingKey::from_secret(&secret)).expect("sign"),
        ),
        ("garbage", "not.a.token".into()),
    ];
    for (name, token) in cases {
        let r = app.graphql(ME).as_(&token).send().await;
        assert_eq!(r.status, 401, "{name}: {:#}", r.body);
        assert_eq!(r.error_code(), Some("UNAUTHENTICATED"), "{name}");
    }
    // The control: the same claims, correctly signed, are accepted.
    let r = app.graphql(ME).as_(&valid).send().await.ok();
    assert_eq!(
        r.data("/me"),
        &serde_json::Value::Null,
        "no pid in the control token, so me is null"
    );
}

#[tokio::test]
async fn a_user_cannot_run_an_admin_mutation_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let id = chorus::graphql::node::encode(chorus::graphql::node::NodeType::Unit, cast.college.id);
    let q = "mutation($id: ID!) { updateUnit(input: {id: $id, name: \"Renamed\"}) { unit { name } userErrors { code } } }";
    for who in [
        &cast.user.username,
        &cast.coordinator.username,
        &"pbx".to_string(),
    ] {
        let token = app.token(who).await;
        let r = app
            .graphql(q)
            .vars(serde_json::json!({ "id": id }))
            .as_(&token)
            .send()
            .await;
        assert_eq!(r.error_code(), Some("FORBIDDEN"), "{who}: {:#}", r.body);
    }
    let unit = entity::unit::Entity::find_by_id(cast.college.id)
        .one(app.db())
        .await
        .expect("db")
        .expect("unit");
    assert_eq!(unit.name, "Balliol College");
    assert_eq!(
        entity::audit_event::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn health_answers_without_a_token_and_other_routes_do_not() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let r = app.client.get(app.url(path)).send().await.expect("get");
        assert_eq!(r.status(), 200, "{path}");
    }
    let r = app
        .client
        .get(app.url("/graphql?query=%7B__typename%7D"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_service_token_has_no_me_but_is_authenticated() {
    let app = TestApp::spawn().await;
    fixtures::cast(app.db()).await;
    let token = app.token("pbx").await;
    let r = app
        .graphql("{ me { id } units(first: 5) { nodes { code } } }")
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/me"), &serde_json::Value::Null);
    assert_eq!(r.data("/units/nodes").as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_public_key_deployment_accepts_its_issuer_and_refuses_hs_confusion() {
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/keys");
    let public = std::path::PathBuf::from(format!("{keys}/ed25519-public.pem"));
    let app = TestApp::spawn_with(|s| {
        s.auth.key = chorus::config::KeySource::PublicKey {
            algorithm: Algorithm::EdDSA,
            pem_file: public.clone(),
        };
        s.auth.private_key_file = Some(format!("{keys}/ed25519-private.pem").into());
    })
    .await;
    let cast = fixtures::cast(app.db()).await;
    assert!(
        !app.state.settings.data_dir.join("jwt-secret").exists(),
        "no shared secret is created when a public key is configured"
    );
    let token = app.token(&cast.user.username).await;
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.alg, Algorithm::EdDSA);
    let r = app.graphql(ME).as_(&token).send().await.ok();
    assert_eq!(r.data("/me/displayName"), "Alice Liddell");

    // HS256 signed with the public key's bytes as the secret: the classic confusion attack.
    let pem = std::fs::read(&public).expect("pem");
    let forged = sign_with(&pem, &claims(&cast.admin.username), Some("at+jwt"));
    let r = app.graphql(ME).as_(&forged).send().await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));
}

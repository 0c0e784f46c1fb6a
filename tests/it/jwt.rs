//! JWT attacks through the real `/graphql` route: every forged, stale, misdirected or
//! borrowed token is refused with 401 and `extensions.code = UNAUTHENTICATED` before anything
//! runs, on the HS256 (local) deployment and on an RS256 (production-style) one. Each case
//! comes with a control: the same request with an honest token is accepted.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chorus::auth::{AccessClaims, PrincipalKind};
use chorus_tests::{TestApp, fixtures};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const ME: &str = "{ me { username } }";

fn keys_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/keys").to_owned()
}

/// The claims `chorus token` would mint for a person, valid for ten minutes.
fn claims_of(person: &entity::person::Model, roles: &[&str]) -> AccessClaims {
    let now = chrono::Utc::now().timestamp();
    AccessClaims {
        iss: "chorus".into(),
        aud: "chorus-api".into(),
        sub: person.username.clone(),
        exp: now + 600,
        iat: now,
        nbf: now,
        kind: PrincipalKind::Person,
        pid: Some(person.id),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        units: vec![],
        scopes: vec![],
    }
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("json"))
}

/// Signs `header.payload` as given (any header, any claims JSON) with a key and algorithm.
fn sign_raw(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!("{}.{}", b64(header), b64(claims));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("sign");
    format!("{message}.{signature}")
}

fn hs256(secret: &[u8], claims: &AccessClaims, typ: Option<&str>) -> String {
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

/// Removes a person as a leaver process would: their search rows, devices and lines go with
/// them.
async fn remove_person(db: &sea_orm::DatabaseConnection, id: uuid::Uuid) {
    entity::directory_term::Entity::delete_many()
        .filter(entity::directory_term::Column::PersonId.eq(id))
        .exec(db)
        .await
        .expect("delete search rows");
    entity::device::Entity::delete_many()
        .filter(entity::device::Column::OwnerId.eq(id))
        .exec(db)
        .await
        .expect("delete devices");
    entity::line::Entity::delete_many()
        .filter(entity::line::Column::OwnerId.eq(id))
        .exec(db)
        .await
        .expect("delete lines");
    entity::person::Entity::delete_by_id(id)
        .exec(db)
        .await
        .expect("delete the person");
}

/// Asserts the token is refused before anything runs.
async fn refused(app: &TestApp, case: &str, token: &str) {
    let r = app.graphql(ME).as_(token).send().await;
    assert_eq!(r.status, 401, "{case}: {:#}", r.body);
    assert_eq!(
        r.error_code(),
        Some("UNAUTHENTICATED"),
        "{case}: {:#}",
        r.body
    );
    assert!(r.body.get("data").is_none(), "{case}: nothing runs");
}

/// Asserts the token is accepted and speaks for `username` (the control of each attack).
async fn accepted(app: &TestApp, case: &str, token: &str, username: &str) {
    let r = app.graphql(ME).as_(token).send().await;
    assert_eq!(r.status, 200, "{case}: {:#}", r.body);
    assert_eq!(r.data("/me/username"), username, "{case}: {:#}", r.body);
}

/// Replaces the payload of a signed token, keeping its header and signature.
fn swap_payload(token: &str, claims: &Value) -> String {
    let mut parts = token.split('.');
    let (Some(head), Some(_), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("not a JWT: {token}");
    };
    format!("{head}.{}.{sig}", b64(claims))
}

/// Replaces the header of a signed token, keeping its payload and signature.
fn swap_header(token: &str, header: &Value) -> String {
    let (_, rest) = token.split_once('.').expect("jwt");
    format!("{}.{rest}", b64(header))
}

#[tokio::test]
async fn forged_stale_and_misdirected_tokens_are_refused_on_the_hs256_deployment() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let secret = server_secret(&app);
    let user = claims_of(&cast.user, &[]);
    let now = chrono::Utc::now().timestamp();
    let honest = hs256(&secret, &user, Some("at+jwt"));
    accepted(&app, "control", &honest, "alice").await;
    let as_json = |c: &AccessClaims| serde_json::to_value(c).expect("json");
    let mut cases: Vec<(&str, String)> = Vec::new();

    // alg none, in the spellings libraries have been fooled by, with and without a signature.
    for alg in ["none", "None", "NONE", "nOnE"] {
        let unsigned = format!(
            "{}.{}.",
            b64(&json!({ "alg": alg, "typ": "at+jwt" })),
            b64(&as_json(&claims_of(&cast.user, &["ADMIN"])))
        );
        cases.push(("alg none, no signature", unsigned));
    }
    cases.push((
        "alg none, the honest signature kept",
        swap_header(&honest, &json!({ "alg": "none", "typ": "at+jwt" })),
    ));
    // Another algorithm named in the header, with the same or a fresh HMAC.
    cases.push((
        "header says HS512, HS256 signature kept",
        swap_header(&honest, &json!({ "alg": "HS512", "typ": "at+jwt" })),
    ));
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        cases.push((
            "another HMAC algorithm with the right secret",
            sign_raw(
                &json!({ "alg": format!("{alg:?}"), "typ": "at+jwt" }),
                &as_json(&user),
                &EncodingKey::from_secret(&secret),
                alg,
            ),
        ));
    }
    cases.push((
        "signed with another secret",
        hs256(b"not the server's secret, 32 bytes", &user, Some("at+jwt")),
    ));
    // Time.
    cases.push((
        "expired beyond the clock skew",
        hs256(
            &secret,
            &AccessClaims {
                exp: now - 120,
                iat: now - 720,
                nbf: now - 720,
                ..user.clone()
            },
            Some("at+jwt"),
        ),
    ));
    cases.push((
        "not yet valid (nbf in an hour)",
        hs256(
            &secret,
            &AccessClaims {
                nbf: now + 3600,
                exp: now + 7200,
                ..user.clone()
            },
            Some("at+jwt"),
        ),
    ));
    cases.push((
        "issued in the future (iat in an hour)",
        hs256(
            &secret,
            &AccessClaims {
                iat: now + 3600,
                exp: now + 7200,
                ..user.clone()
            },
            Some("at+jwt"),
        ),
    ));
    let mut no_exp = as_json(&user);
    no_exp.as_object_mut().expect("object").remove("exp");
    cases.push((
        "no exp",
        sign_raw(
            &json!({ "alg": "HS256", "typ": "at+jwt" }),
            &no_exp,
            &EncodingKey::from_secret(&secret),
            Algorithm::HS256,
        ),
    ));
    // Issuer and audience.
    cases.push((
        "wrong issuer",
        hs256(
            &secret,
            &AccessClaims {
                iss: "https://evil.example".into(),
                ..user.clone()
            },
            Some("at+jwt"),
        ),
    ));
    cases.push((
        "wrong audience",
        hs256(
            &secret,
            &AccessClaims {
                aud: "chorus-media".into(),
                ..user.clone()
            },
            Some("at+jwt"),
        ),
    ));
    let mut two_audiences = as_json(&user);
    two_audiences["aud"] = json!(["https://evil.example", "chorus-api"]);
    cases.push((
        "audience list smuggling ours in",
        sign_raw(
            &json!({ "alg": "HS256", "typ": "at+jwt" }),
            &two_audiences,
            &EncodingKey::from_secret(&secret),
            Algorithm::HS256,
        ),
    ));
    // The `typ` header (RFC 9068): only access tokens are accepted here.
    for typ in [Some("JWT"), Some("media+jwt"), Some("at+jwt+evil"), None] {
        cases.push(("wrong or missing typ", hs256(&secret, &user, typ)));
    }
    // Tampering: the payload changed, the signature kept.
    let mut as_admin = as_json(&user);
    as_admin["roles"] = json!(["ADMIN"]);
    cases.push((
        "role raised to ADMIN, signature kept",
        swap_payload(&honest, &as_admin),
    ));
    let mut as_service = as_json(&user);
    as_service["kind"] = json!("service");
    as_service["scopes"] = json!(["calls:write", "cutover:write", "licences:write"]);
    cases.push((
        "turned into a service with scopes, signature kept",
        swap_payload(&honest, &as_service),
    ));
    let mut longer = as_json(&user);
    longer["exp"] = json!(now + 30 * 86_400);
    cases.push((
        "lifetime stretched, signature kept",
        swap_payload(&honest, &longer),
    ));
    let (head, rest) = honest.split_once('.').expect("jwt");
    let (payload, _) = rest.split_once('.').expect("jwt");
    cases.push(("signature stripped", format!("{head}.{payload}.")));
    cases.push(("signature missing", format!("{head}.{payload}")));
    cases.push(("garbage", "not.a.token".into()));

    // A signed audio URL's token (its own secret, typ and audience) is not an access token.
    let media = app
        .state
        .voicemails
        .media
        .sign(
            uuid::Uuid::now_v7(),
            "alice",
            std::time::Duration::from_secs(600),
        )
        .expect("media token");
    cases.push(("a voicemail-audio media token", media.clone()));
    // Even re-labelled as an access token (the signature no longer matches the header).
    cases.push((
        "a media token re-labelled at+jwt",
        swap_header(&media, &json!({ "alg": "HS256", "typ": "at+jwt" })),
    ));

    let count = cases.len();
    for (case, token) in &cases {
        refused(&app, case, token).await;
    }
    assert!(count >= 25, "{count} cases");

    // Bearer handling: the token only counts in an Authorization: Bearer header.
    for (case, value) in [
        ("Basic scheme", format!("Basic {honest}")),
        ("no scheme", honest.clone()),
        ("empty bearer", "Bearer ".to_owned()),
    ] {
        let r = app
            .client
            .post(app.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .header("authorization", value)
            .json(&json!({ "query": ME }))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 401, "{case}");
    }
    let r = app
        .client
        .post(app.url(&format!("/graphql?access_token={honest}")))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": ME }))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401, "a token in the query string is not read");
}

#[tokio::test]
async fn a_token_of_a_removed_or_unknown_subject_is_refused() {
    // With the subject cache off every request looks the subject up.
    let app = TestApp::spawn_with(|s| s.auth.subject_cache = std::time::Duration::ZERO).await;
    let cast = fixtures::cast(app.db()).await;
    let secret = server_secret(&app);
    let now = chrono::Utc::now().timestamp();

    // A person who never existed, with or without a person id.
    let ghost = AccessClaims {
        sub: "ghost".into(),
        pid: Some(uuid::Uuid::now_v7()),
        roles: vec!["ADMIN".into()],
        ..claims_of(&cast.user, &[])
    };
    refused(
        &app,
        "unknown person id",
        &hs256(&secret, &ghost, Some("at+jwt")),
    )
    .await;
    refused(
        &app,
        "unknown username, no person id",
        &hs256(
            &secret,
            &AccessClaims {
                pid: None,
                ..ghost.clone()
            },
            Some("at+jwt"),
        ),
    )
    .await;
    // A real person id under another person's username.
    refused(
        &app,
        "person id and username disagree",
        &hs256(
            &secret,
            &AccessClaims {
                sub: cast.admin.username.clone(),
                ..claims_of(&cast.user, &[])
            },
            Some("at+jwt"),
        ),
    )
    .await;
    // A service account that does not exist.
    refused(
        &app,
        "unknown service account",
        &hs256(
            &secret,
            &AccessClaims {
                sub: "rogue-script".into(),
                kind: PrincipalKind::Service,
                pid: None,
                scopes: vec!["calls:write".into()],
                exp: now + 600,
                ..claims_of(&cast.user, &[])
            },
            Some("at+jwt"),
        ),
    )
    .await;

    // A person removed after their token was issued: refused at once, not at expiry.
    let (leaver, _, _) = fixtures::person(
        app.db(),
        fixtures::NewPerson {
            username: "leaver",
            display_name: "Lee Leaver",
            unit_id: cast.college.id,
            ex_directory: false,
        },
    )
    .await;
    let token = app.token("leaver").await;
    accepted(&app, "the leaver before leaving", &token, "leaver").await;
    let db = app.db();
    let id = leaver.id;
    remove_person(db, id).await;
    assert!(
        entity::person::Entity::find_by_id(id)
            .one(db)
            .await
            .expect("db")
            .is_none(),
        "the leaver is gone"
    );
    refused(&app, "the leaver's token after leaving", &token).await;

    // A service account removed after its token was issued.
    let token = app.token("pbx").await;
    let r = app
        .graphql("{ units(first: 1) { totalCount } }")
        .as_(&token)
        .send()
        .await
        .ok();
    assert_eq!(r.status, 200);
    entity::service_account::Entity::delete_many()
        .exec(db)
        .await
        .expect("delete service accounts");
    refused(&app, "a removed service account's token", &token).await;
}

#[tokio::test]
async fn the_rs256_deployment_refuses_key_confusion_and_embedded_keys() {
    let keys = keys_dir();
    let public_pem = std::path::PathBuf::from(format!("{keys}/rsa-public.pem"));
    let app = TestApp::spawn_with(|s| {
        s.auth.key = chorus::config::KeySource::PublicKey {
            algorithm: Algorithm::RS256,
            pem_file: public_pem.clone(),
        };
        s.auth.private_key_file = Some(format!("{keys}/rsa-private.pem").into());
    })
    .await;
    let cast = fixtures::cast(app.db()).await;
    let honest = app.token(&cast.user.username).await;
    assert_eq!(
        jsonwebtoken::decode_header(&honest).expect("header").alg,
        Algorithm::RS256
    );
    accepted(&app, "control", &honest, "alice").await;

    let admin = serde_json::to_value(claims_of(&cast.user, &["ADMIN"])).expect("json");
    let pem = std::fs::read(&public_pem).expect("pem");
    let pem_text = String::from_utf8(pem.clone()).expect("utf-8");
    let der = base64::engine::general_purpose::STANDARD
        .decode(
            pem_text
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .expect("der");
    let hs = |secret: &[u8]| {
        sign_raw(
            &json!({ "alg": "HS256", "typ": "at+jwt" }),
            &admin,
            &EncodingKey::from_secret(secret),
            Algorithm::HS256,
        )
    };
    let attacker = EncodingKey::from_rsa_pem(
        &std::fs::read(format!("{keys}/rsa-attacker-private.pem")).expect("attacker key"),
    )
    .expect("attacker key");
    let attacker_jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&attacker, Algorithm::RS256).expect("jwk");
    let embedded = sign_raw(
        &json!({ "alg": "RS256", "typ": "at+jwt", "jwk": attacker_jwk }),
        &admin,
        &attacker,
        Algorithm::RS256,
    );
    let with_url = sign_raw(
        &json!({ "alg": "RS256", "typ": "at+jwt", "jku": "https://evil.example/jwks.json", "kid": "evil" }),
        &admin,
        &attacker,
        Algorithm::RS256,
    );
    let mut tampered = serde_json::to_value(claims_of(&cast.user, &[])).expect("json");
    tampered["roles"] = json!(["ADMIN"]);

    let cases: Vec<(&str, String)> = vec![
        ("HS256 with the public key PEM as the secret", hs(&pem)),
        (
            "HS256 with the trimmed PEM as the secret",
            hs(pem_text.trim().as_bytes()),
        ),
        ("HS256 with the public key DER as the secret", hs(&der)),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({ "alg": "none", "typ": "at+jwt" })),
                b64(&admin)
            ),
        ),
        ("RS256 by another key, embedded as jwk", embedded),
        ("RS256 by another key, pointed at by jku/kid", with_url),
        (
            "PS256 header on an RS256 signature",
            swap_header(&honest, &json!({ "alg": "PS256", "typ": "at+jwt" })),
        ),
        (
            "role raised, RS256 signature kept",
            swap_payload(&honest, &tampered),
        ),
        (
            "EdDSA by a key of another deployment",
            jsonwebtoken::encode(
                &{
                    let mut h = Header::new(Algorithm::EdDSA);
                    h.typ = Some("at+jwt".into());
                    h
                },
                &claims_of(&cast.user, &["ADMIN"]),
                &EncodingKey::from_ed_pem(
                    &std::fs::read(format!("{keys}/ed25519-private.pem")).expect("ed key"),
                )
                .expect("ed key"),
            )
            .expect("sign"),
        ),
    ];
    for (case, token) in &cases {
        refused(&app, case, token).await;
    }
    // The media token of this deployment (HS256 with its own secret) is no access token
    // here either.
    let media = app
        .state
        .voicemails
        .media
        .sign(
            uuid::Uuid::now_v7(),
            "alice",
            std::time::Duration::from_secs(600),
        )
        .expect("media token");
    refused(&app, "a media token on the RS256 deployment", &media).await;
}

#[tokio::test]
async fn the_rest_routes_refuse_the_same_tokens() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let secret = server_secret(&app);
    let honest = hs256(&secret, &claims_of(&cast.user, &[]), Some("at+jwt"));
    let mut admin = serde_json::to_value(claims_of(&cast.user, &[])).expect("json");
    admin["roles"] = json!(["ADMIN"]);
    let bad = [
        ("tampered", swap_payload(&honest, &admin)),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({ "alg": "none", "typ": "at+jwt" })),
                b64(&admin)
            ),
        ),
        (
            "unknown person",
            hs256(
                &secret,
                &AccessClaims {
                    sub: "ghost".into(),
                    pid: Some(uuid::Uuid::now_v7()),
                    ..claims_of(&cast.user, &[])
                },
                Some("at+jwt"),
            ),
        ),
    ];
    let user_id =
        chorus::graphql::node::encode(chorus::graphql::node::NodeType::Person, cast.user.id);
    let vm = uuid::Uuid::now_v7();
    for (case, token) in &bad {
        for path in [
            format!("/v1/calls.csv?personId={}", user_id.as_str()),
            "/v1/teams-column.csv".to_owned(),
            format!("/v1/voicemails/{vm}/audio"),
        ] {
            let r = app
                .client
                .get(app.url(&path))
                .bearer_auth(token)
                .send()
                .await
                .expect("sent");
            assert_eq!(r.status(), 401, "{case} on {path}");
        }
        let r = app
            .client
            .post(app.url("/v1/mailboxes/70000/voicemails?pbxMessageId=x"))
            .bearer_auth(token)
            .header("content-type", "audio/wav")
            .body(vec![0u8; 16])
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 401, "{case} on voicemail ingest");
    }
    // The control: the honest token reads the CSV.
    let r = app
        .client
        .get(app.url(&format!("/v1/calls.csv?personId={}", user_id.as_str())))
        .bearer_auth(&honest)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_found_subject_is_trusted_for_the_cache_time_then_looked_up_again() {
    let app =
        TestApp::spawn_with(|s| s.auth.subject_cache = std::time::Duration::from_millis(1500))
            .await;
    let cast = fixtures::cast(app.db()).await;
    let (leaver, _, _) = fixtures::person(
        app.db(),
        fixtures::NewPerson {
            username: "brief",
            display_name: "Bri Brief",
            unit_id: cast.college.id,
            ex_directory: false,
        },
    )
    .await;
    let token = app.token("brief").await;
    accepted(&app, "before leaving", &token, "brief").await;
    remove_person(app.db(), leaver.id).await;
    // Found less than the cache time ago: not looked up again yet.
    let r = app.graphql("{ __typename }").as_(&token).send().await;
    assert_eq!(r.status, 200, "within the cache time");
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    refused(&app, "after the cache time", &token).await;
    // A refusal is not cached: the subject is looked up on each request.
    refused(&app, "again", &token).await;
}

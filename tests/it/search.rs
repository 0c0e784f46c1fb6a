//! Directory search: words, identifiers and numbers, folding, ranking, visibility, paging.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures, fixtures::NewPerson};
use entity::enums::TeamsTenant;
use serde_json::{Value, json};

const SEARCH: &str = "query($s: String, $unit: ID, $first: Int, $after: String) {
  directory(search: $s, unitId: $unit, first: $first, after: $after) {
    totalCount nodes { username displayName } pageInfo { hasNextPage endCursor } } }";

fn usernames(r: &chorus_tests::GraphqlResponse) -> Vec<String> {
    r.data("/directory/nodes")
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| n["username"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn people(app: &TestApp, unit: uuid::Uuid, names: &[(&str, &str)]) {
    for (username, name) in names {
        fixtures::person(
            app.db(),
            NewPerson {
                username,
                display_name: name,
                unit_id: unit,
                ex_directory: false,
            },
        )
        .await;
    }
}

#[tokio::test]
async fn search_folds_accents_and_matches_any_word_prefix() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    people(
        &app,
        cast.college.id,
        &[
            ("zsaid", "Zainab Saïd"),
            ("rsmith", "Renée Smith-Jones"),
            ("jsmythe", "John Smythe"),
        ],
    )
    .await;
    let token = app.token(&cast.user.username).await;
    let cases: [(&str, &[&str]); 7] = [
        ("said", &["zsaid"]),
        ("SAÏD", &["zsaid"]),
        ("renee", &["rsmith"]),
        ("jones", &["rsmith"]),
        ("smi", &["rsmith"]),
        ("sm", &["jsmythe", "rsmith"]),
        ("john smy", &["jsmythe"]),
    ];
    for (search, expected) in cases {
        let r = app
            .graphql(SEARCH)
            .vars(json!({ "s": search }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(usernames(&r), expected, "search {search:?}");
    }
}

#[tokio::test]
async fn search_finds_usernames_extensions_and_numbers_in_any_spelling() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let token = app.token(&cast.coordinator.username).await;
    let line = entity::line::Entity::find()
        .filter(entity::line::Column::OwnerId.eq(cast.user.id))
        .one(app.db())
        .await
        .expect("db")
        .expect("line");
    let national = format!("0{}", &line.e164[3..]);
    let spaced = format!("{} {}", &national[..5], &national[5..]);
    for search in [
        line.extension.clone(),
        line.e164.clone(),
        national,
        spaced,
        "alice".into(),
        "ALI".into(),
    ] {
        let r = app
            .graphql(SEARCH)
            .vars(json!({ "s": search }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(usernames(&r), ["alice"], "search {search:?}");
    }
}

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[tokio::test]
async fn exact_identifiers_rank_before_name_prefixes_then_by_name() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    people(
        &app,
        cast.college.id,
        &[
            ("mark", "Zed Person"),
            ("mmarkham", "Mary Markham"),
            ("amark", "Anna Mark"),
        ],
    )
    .await;
    let token = app.token(&cast.user.username).await;
    let r = app
        .graphql(SEARCH)
        .vars(json!({ "s": "mark" }))
        .as_(&token)
        .send()
        .await
        .ok();
    // username typed in full, then a whole name word, then a name prefix.
    assert_eq!(usernames(&r), ["mark", "amark", "mmarkham"]);
}

#[tokio::test]
async fn ex_directory_entries_appear_only_to_those_allowed() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let cases = [
        (&cast.user.username, false),
        (&cast.other_coordinator.username, false),
        (&cast.hidden.username, true),
        (&cast.coordinator.username, true),
        (&cast.admin.username, true),
    ];
    for (who, sees) in cases {
        let token = app.token(who).await;
        let r = app
            .graphql(SEARCH)
            .vars(json!({ "s": "hugo" }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(usernames(&r) == ["hugo"], sees, "{who}");
        assert_eq!(
            r.data("/directory/totalCount"),
            if sees { 1 } else { 0 },
            "{who}"
        );
    }
}

#[tokio::test]
async fn pages_are_stable_and_filter_by_unit() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let names: Vec<(String, String)> = (0..7)
        .map(|i| (format!("lab{i}"), format!("Lab Member{i}")))
        .collect();
    let refs: Vec<(&str, &str)> = names
        .iter()
        .map(|(u, n)| (u.as_str(), n.as_str()))
        .collect();
    people(&app, cast.college.id, &refs).await;
    let elsewhere = fixtures::unit(app.db(), "PHYS", "Physics", TeamsTenant::Main).await;
    people(&app, elsewhere.id, &[("labx", "Lab Outsider")]).await;
    let token = app.token(&cast.user.username).await;

    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = app.graphql(SEARCH).vars(json!({ "s": "lab", "first": 3, "after": after, "unit": encode(NodeType::Unit, cast.college.id) })).as_(&token).send().await.ok();
        seen.extend(usernames(&r));
        if r.data("/directory/pageInfo/hasNextPage") != true {
            break;
        }
        after = r.data("/directory/pageInfo/endCursor").clone();
        // A person added mid-way (sorting before the cursor) does not shift later pages.
        if seen.len() == 3 {
            people(&app, cast.college.id, &[("lab00", "Lab Member0 Aardvark")]).await;
        }
    }
    assert_eq!(
        seen,
        ["lab0", "lab1", "lab2", "lab3", "lab4", "lab5", "lab6"]
    );

    let r = app
        .graphql(SEARCH)
        .vars(json!({ "s": "x".repeat(101) }))
        .as_(&token)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"));
}

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

const PAGE: &str = "query($s: String, $first: Int, $after: String, $last: Int, $before: String) {
  directory(search: $s, first: $first, after: $after, last: $last, before: $before) {
    nodes { username } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

/// The expected order of a search, computed from the search rows themselves: each visible
/// person matching every word, by (best relevance of the first word, sort name, id).
async fn expected(app: &TestApp, search: &str, sees_all: bool) -> Vec<String> {
    use chorus::domain::search::{parse_query, relevance};
    let words = parse_query(search).expect("query");
    let rows = entity::directory_term::Entity::find()
        .all(app.db())
        .await
        .expect("terms");
    let in_range = |w: &chorus::domain::search::QueryWord, term: &str| {
        term >= w.prefix.as_str() && term < w.upper.as_str()
    };
    let mut best: std::collections::HashMap<uuid::Uuid, (i16, String, bool)> =
        std::collections::HashMap::new();
    for row in rows.iter().filter(|r| in_range(&words[0], &r.term)) {
        let rel = relevance(row.kind, row.term == words[0].prefix);
        let entry = best
            .entry(row.person_id)
            .or_insert((rel, row.search_name.clone(), row.listed));
        entry.0 = entry.0.min(rel);
    }
    let mut hits: Vec<(i16, String, uuid::Uuid)> = best
        .into_iter()
        .filter(|(_, (_, _, listed))| sees_all || *listed)
        .filter(|(id, _)| {
            words[1..].iter().all(|w| {
                rows.iter()
                    .any(|r| r.person_id == *id && in_range(w, &r.term))
            })
        })
        .map(|(id, (rel, name, _))| (rel, name, id))
        .collect();
    hits.sort();
    let people = entity::person::Entity::find()
        .all(app.db())
        .await
        .expect("people");
    hits.into_iter()
        .map(|(_, _, id)| {
            people
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.username.clone())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn every_page_forward_and_backward_matches_ranking_all_matches() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let elsewhere = fixtures::unit(app.db(), "PHYS", "Physics", TeamsTenant::Main).await;
    // Equal names (ties broken by id), a person matching by several terms of different
    // relevance, exact and prefix identifiers, ex-directory people, and (for "p") more
    // distinct terms than are read one by one.
    let mut names: Vec<(String, String, bool)> = vec![
        ("smi".into(), "Zoe Smith".into(), false),
        ("smith".into(), "Anna Smi".into(), false),
        ("asmi".into(), "Smi Smithson".into(), false),
        ("smithers".into(), "Bob Jones".into(), false),
        ("hidden1".into(), "Sam Smith".into(), true),
        ("jsmith".into(), "Jo Smith-Jones".into(), false),
    ];
    for i in 0..20 {
        names.push((format!("p{i:02}"), "Sam Smith".into(), i % 5 == 4));
    }
    for i in 0..12 {
        names.push((format!("q{i:02}"), format!("Pat Smithson {i}"), false));
    }
    for (i, (username, name, hidden)) in names.iter().enumerate() {
        fixtures::person(
            app.db(),
            NewPerson {
                username,
                display_name: name,
                unit_id: if i % 2 == 0 {
                    cast.college.id
                } else {
                    elsewhere.id
                },
                ex_directory: *hidden,
            },
        )
        .await;
    }
    let admin = app.token(&cast.admin.username).await;
    let user = app.token(&cast.user.username).await;
    for search in ["smi", "smith", "sm", "smi jo", "smithson p", "p", "zzz"] {
        for (token, sees_all) in [(&admin, true), (&user, false)] {
            let want = expected(&app, search, sees_all).await;
            for size in [1, 2, 3, 7, 50] {
                // Forward, page by page.
                let (mut got, mut after) = (Vec::new(), Value::Null);
                loop {
                    let r = app
                        .graphql(PAGE)
                        .vars(json!({ "s": search, "first": size, "after": after }))
                        .as_(token)
                        .send()
                        .await
                        .ok();
                    got.extend(usernames(&r));
                    if r.data("/directory/pageInfo/hasNextPage") != true {
                        break;
                    }
                    after = r.data("/directory/pageInfo/endCursor").clone();
                }
                assert_eq!(got, want, "{search:?} forward by {size} (all: {sees_all})");
                // Backward from the end.
                let (mut got, mut before) = (Vec::new(), Value::Null);
                loop {
                    let r = app
                        .graphql(PAGE)
                        .vars(json!({ "s": search, "last": size, "before": before }))
                        .as_(token)
                        .send()
                        .await
                        .ok();
                    let mut page = usernames(&r);
                    page.extend(got);
                    got = page;
                    if r.data("/directory/pageInfo/hasPreviousPage") != true {
                        break;
                    }
                    before = r.data("/directory/pageInfo/startCursor").clone();
                }
                assert_eq!(got, want, "{search:?} backward by {size} (all: {sees_all})");
            }
        }
    }
}

#[tokio::test]
async fn a_page_between_two_cursors_holds_exactly_the_matches_between_them() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    // Every relevance of "smi" (exact username, whole name word, username prefix, name
    // prefix), with ties of name, so that the two cursors fall in the same run or in
    // different ones.
    people(
        &app,
        cast.college.id,
        &[
            ("smi", "Zoe Person"),
            ("annas", "Anna Smi"),
            ("bobs", "Bob Smi"),
            ("smithy", "Carl Person"),
            ("smiley", "Dana Person"),
            ("sam1", "Sam Smith"),
            ("sam2", "Sam Smith"),
            ("sam3", "Sam Smithson"),
        ],
    )
    .await;
    let token = app.token(&cast.user.username).await;
    let all = app
        .graphql(
            "query { directory(search: \"smi\", first: 50) {
               edges { cursor node { username } } } }",
        )
        .as_(&token)
        .send()
        .await
        .ok();
    let edges: Vec<(String, String)> = all
        .data("/directory/edges")
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["cursor"].as_str().unwrap_or_default().to_owned(),
                e["node"]["username"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let order: Vec<&str> = edges.iter().map(|(_, u)| u.as_str()).collect();
    assert_eq!(order.len(), 8, "{order:?}");
    assert_eq!(order[0], "smi");
    for i in 0..edges.len() {
        for j in i + 1..edges.len() {
            let want = &order[i + 1..j];
            for (size, from_end) in [("first", false), ("last", true)] {
                let r = app
                    .graphql(&format!(
                        "query($a: String, $b: String) {{
                           directory(search: \"smi\", {size}: 50, after: $a, before: $b) {{
                             nodes {{ username }} }} }}"
                    ))
                    .vars(json!({ "a": edges[i].0, "b": edges[j].0 }))
                    .as_(&token)
                    .send()
                    .await
                    .ok();
                assert_eq!(
                    usernames(&r),
                    want,
                    "between {} and {} ({size}, from the end: {from_end})",
                    order[i],
                    order[j]
                );
            }
        }
    }
}

/// Adds a personal line to a person, with a chosen extension.
async fn add_line(app: &TestApp, owner: &entity::person::Model, extension: &str) {
    use sea_orm::{ActiveModelTrait, Set};
    entity::line::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        e164: Set(format!("+4418652{extension}")),
        extension: Set(extension.into()),
        kind: Set(entity::enums::LineKind::Personal),
        owner_id: Set(Some(owner.id)),
        unit_id: Set(owner.unit_id),
        label: Set(Some(format!("Line {extension}"))),
        dialling_permission: Set(entity::enums::DiallingPermission::International),
        created_at: Set(chrono::Utc::now()),
        version: Set(0),
        quarantined_until: Set(None),
    }
    .insert(app.db())
    .await
    .expect("insert line");
}

#[tokio::test]
async fn a_page_reads_its_peoples_lines_as_the_person_field_does() {
    use sea_orm::ModelTrait;
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let mut made = Vec::new();
    for (username, name) in [
        ("lmany", "Lee Linesworth"),
        ("lnone", "Lou Linesworth"),
        ("lone", "Lyn Linesworth"),
    ] {
        let (person, line, _) = fixtures::person(
            app.db(),
            NewPerson {
                username,
                display_name: name,
                unit_id: cast.college.id,
                ex_directory: false,
            },
        )
        .await;
        made.push((person, line));
    }
    // Three lines, added out of extension order; and one person with none.
    for extension in ["99203", "10201", "55202"] {
        add_line(&app, &made[0].0, extension).await;
    }
    made[1]
        .1
        .clone()
        .delete(app.db())
        .await
        .expect("delete line");
    let token = app.token(&cast.admin.username).await;
    let fields = "username lines { id extension number kind label diallingPermission }";
    // What each person's own field answers (read by the loader).
    let mut want = serde_json::Map::new();
    for (person, _) in &made {
        let r = app
            .graphql(&format!(
                "query($u: String!) {{ person(username: $u) {{ {fields} }} }}"
            ))
            .vars(json!({ "u": person.username }))
            .as_(&token)
            .send()
            .await
            .ok();
        want.insert(person.username.clone(), r.data("/person/lines").clone());
    }
    assert_eq!(want["lmany"].as_array().map(Vec::len), Some(4));
    assert_eq!(want["lnone"], json!([]));
    let extensions: Vec<&str> = want["lmany"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["extension"].as_str())
        .collect();
    let mut sorted = extensions.clone();
    sorted.sort();
    assert_eq!(extensions, sorted, "lines come by extension");
    // The same through the directory: by edges and by nodes, a page at a time both ways.
    let q = format!(
        "query($first: Int, $after: String, $last: Int, $before: String) {{
           directory(search: \"linesworth\", first: $first, after: $after, last: $last, before: $before) {{
             edges {{ node {{ {fields} }} }} nodes {{ {fields} }}
             pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
    );
    for size in [1, 2, 3] {
        for backward in [false, true] {
            let (mut seen, mut cursor) = (0, Value::Null);
            loop {
                let vars = if backward {
                    json!({ "last": size, "before": cursor })
                } else {
                    json!({ "first": size, "after": cursor })
                };
                let r = app.graphql(&q).vars(vars).as_(&token).send().await.ok();
                for list in ["/directory/nodes", "/directory/edges"] {
                    for node in r.data(list).as_array().into_iter().flatten() {
                        let node = node.get("node").unwrap_or(node);
                        let username = node["username"].as_str().unwrap_or_default();
                        assert_eq!(
                            node["lines"], want[username],
                            "{username} by {size} (backward: {backward})"
                        );
                        seen += 1;
                    }
                }
                let (more, next) = if backward {
                    (
                        "/directory/pageInfo/hasPreviousPage",
                        "/directory/pageInfo/startCursor",
                    )
                } else {
                    (
                        "/directory/pageInfo/hasNextPage",
                        "/directory/pageInfo/endCursor",
                    )
                };
                if r.data(more) != true {
                    break;
                }
                cursor = r.data(next).clone();
            }
            assert_eq!(seen, 6, "each person once by edges and once by nodes");
        }
    }
}

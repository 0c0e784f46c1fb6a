//! Who a caller may reach: the members a coordinator may add (their own units' people only),
//! the tranche members they may list, and the one visibility rule for a person wherever a
//! `Person` is reachable (ex-directory people hidden from services without the
//! `directory:ex-directory` scope; visible to whoever sees a group they are in).

use chorus::graphql::node::{NodeType, encode};
use chrono::Utc;
use entity::{
    enums::{Cohort, TrancheState},
    hunt_group, hunt_group_member, pickup_group, tranche, tranche_member,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::groups::setup;

fn person(id: Uuid) -> String {
    encode(NodeType::Person, id).to_string()
}

/// Every way a coordinator adds a person to a group or queue refuses people of other units,
/// and writes nothing; an administrator may.
#[tokio::test]
async fn a_coordinator_adds_only_the_people_of_their_units() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    let cora = app.token(&cast.coordinator.username).await;
    let outsider = person(cast.other_coordinator.id);
    let before = hunt_group::Entity::find_by_id(g.hunt)
        .one(app.db())
        .await
        .expect("db")
        .expect("hunt group");
    let members = || async {
        hunt_group_member::Entity::find()
            .filter(hunt_group_member::Column::GroupId.eq(g.hunt))
            .count(app.db())
            .await
            .expect("db")
    };
    let pickups = || async {
        pickup_group::Entity::find()
            .count(app.db())
            .await
            .expect("db")
    };
    let (members_before, pickups_before) = (members().await, pickups().await);

    let cases = [
        (
            "addHuntGroupMember",
            "huntGroup",
            "mutation($g: ID!, $p: ID!) { addHuntGroupMember(input: { groupId: $g, personId: $p }) { huntGroup { id } userErrors { code message } } }",
            json!({ "g": encode(NodeType::HuntGroup, g.hunt), "p": outsider }),
        ),
        (
            "addPickupGroupMember",
            "pickupGroup",
            "mutation($g: ID!, $p: ID!) { addPickupGroupMember(input: { groupId: $g, personId: $p }) { pickupGroup { id } userErrors { code message } } }",
            json!({ "g": encode(NodeType::PickupGroup, g.pickup), "p": outsider }),
        ),
        (
            "addEaGroupMember",
            "eaGroup",
            "mutation($g: ID!, $p: ID!) { addEaGroupMember(input: { groupId: $g, personId: $p, role: ASSISTANT }) { eaGroup { id } userErrors { code message } } }",
            json!({ "g": encode(NodeType::EaGroup, g.ea), "p": outsider }),
        ),
        (
            "createPickupGroup",
            "pickupGroup",
            "mutation($u: ID!, $ps: [ID!]!) { createPickupGroup(input: { unitId: $u, name: \"Merged\", personIds: $ps }) { pickupGroup { id } userErrors { code message } } }",
            json!({ "u": encode(NodeType::Unit, cast.college.id), "ps": [person(cast.user.id), outsider] }),
        ),
        (
            "createEaGroup",
            "eaGroup",
            "mutation($u: ID!, $m: [ID!]!, $a: [ID!]!) { createEaGroup(input: { unitId: $u, name: \"Merged\", managerIds: $m, assistantIds: $a }) { eaGroup { id } userErrors { code message } } }",
            json!({ "u": encode(NodeType::Unit, cast.college.id), "m": [person(cast.coordinator.id)], "a": [outsider] }),
        ),
    ];
    for (field, group, mutation, vars) in &cases {
        let r = app
            .graphql(mutation)
            .vars(vars.clone())
            .as_(&cora)
            .send()
            .await
            .ok();
        assert_eq!(
            r.data(&format!("/{field}/userErrors/0/code")),
            "NOT_ALLOWED",
            "{field}: {:#}",
            r.body
        );
        assert_eq!(
            r.data(&format!("/{field}/{group}")),
            &Value::Null,
            "{field}"
        );
    }
    // An id that names nobody gets the same answer: no way to tell who exists elsewhere.
    let r = app
        .graphql(cases[0].2)
        .vars(json!({ "g": encode(NodeType::HuntGroup, g.hunt), "p": person(Uuid::now_v7()) }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/addHuntGroupMember/userErrors/0/code"),
        "NOT_ALLOWED"
    );

    assert_eq!(members().await, members_before, "no member was added");
    assert_eq!(pickups().await, pickups_before, "no group was created");
    let after = hunt_group::Entity::find_by_id(g.hunt)
        .one(app.db())
        .await
        .expect("db")
        .expect("hunt group");
    assert_eq!(after.version, before.version, "the group is unchanged");

    // An administrator may bring in someone of another unit.
    let ada = app.token(&cast.admin.username).await;
    let r = app
        .graphql(cases[0].2)
        .vars(cases[0].3.clone())
        .as_(&ada)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/addHuntGroupMember/userErrors"),
        &json!([]),
        "{:#}",
        r.body
    );
    assert_eq!(members().await, members_before + 1);
}

/// A tranche's `memberIds` shows a coordinator the people of their own units only.
#[tokio::test]
async fn a_coordinator_lists_only_their_units_tranche_members() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    let db = app.db();
    let t = tranche::ActiveModel {
        id: Set(Uuid::now_v7()),
        number: Set(1),
        name: Set("First".into()),
        cohort: Set(Cohort::College),
        move_date: Set(chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("date")),
        capacity: Set(100),
        state: Set(TrancheState::Planned),
        created_at: Set(Utc::now()),
        version: Set(0),
    }
    .insert(db)
    .await
    .expect("tranche");
    for p in [cast.user.id, cast.hidden.id, cast.other_coordinator.id] {
        tranche_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            tranche_id: Set(t.id),
            person_id: Set(p),
            added_at: Set(Utc::now()),
        }
        .insert(db)
        .await
        .expect("member");
    }
    let q = "query { tranches { memberIds memberCount } }";
    let ids = |r: &chorus_tests::GraphqlResponse| {
        let mut ids: Vec<String> = r
            .data("/tranches/0/memberIds")
            .as_array()
            .expect("memberIds")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    let cora = app.token(&cast.coordinator.username).await;
    let r = app.graphql(q).as_(&cora).send().await.ok();
    let mut own = vec![person(cast.user.id), person(cast.hidden.id)];
    own.sort();
    assert_eq!(ids(&r), own, "Balliol's coordinator sees Balliol's members");
    assert_eq!(
        r.data("/tranches/0/memberCount"),
        3,
        "the count is everyone"
    );
    let other = app.token(&cast.other_coordinator.username).await;
    let r = app.graphql(q).as_(&other).send().await.ok();
    assert_eq!(ids(&r), vec![person(cast.other_coordinator.id)]);
    let ada = app.token(&cast.admin.username).await;
    let r = app.graphql(q).as_(&ada).send().await.ok();
    assert_eq!(ids(&r).len(), 3, "an administrator sees all");
}

/// One rule for a person's details wherever a `Person` is reachable: a service with
/// `cutover:write` sees ex-directory Hugo neither in the Teams column nor in a movement set
/// (as `directory`, `person` and `node` already hid him), unless it holds
/// `directory:ex-directory`; a group's members see each other, Hugo included.
#[tokio::test]
async fn an_ex_directory_person_is_hidden_the_same_way_on_every_path() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    chorus_tests::fixtures::service(app.db(), "mover", "cutover:write").await;
    chorus_tests::fixtures::service(
        app.db(),
        "provisioner",
        "cutover:write directory:ex-directory",
    )
    .await;
    let hugo = person(cast.hidden.id);
    let paths = r#"query($hugo: ID!, $name: String!) {
      teamsEligibility(first: 100) { rows { nodes { personId person { id email lines { number } } } } }
      movementSets(first: 10) { nodes { memberIds members { id email lines { number } } } }
      node(id: $hugo) { id }
      person(username: $name) { id }
      directory(search: "hugo", first: 5) { nodes { id } }
    }"#;
    let vars = json!({ "hugo": hugo, "name": cast.hidden.username });
    // The Teams column's row for Hugo, and the members of his movement set.
    let seen = |r: &chorus_tests::GraphqlResponse| {
        let row = r
            .data("/teamsEligibility/rows/nodes")
            .as_array()
            .and_then(|rows| rows.iter().find(|row| row["personId"] == hugo.as_str()))
            .cloned()
            .expect("the column has Hugo's row");
        let in_set = r
            .data("/movementSets/nodes")
            .as_array()
            .expect("sets")
            .iter()
            .flat_map(|s| s["members"].as_array().cloned().unwrap_or_default())
            .any(|m| m["id"] == hugo.as_str());
        (row["person"].clone(), in_set)
    };

    let mover = app.token("mover").await;
    let r = app
        .graphql(paths)
        .vars(vars.clone())
        .as_(&mover)
        .send()
        .await
        .ok();
    let (row_person, in_set) = seen(&r);
    assert_eq!(
        row_person,
        Value::Null,
        "no e-mail or number in the column: {:#}",
        r.body
    );
    assert!(!in_set, "nor among a movement set's members");
    assert_eq!(r.data("/node"), &Value::Null);
    assert_eq!(r.data("/person"), &Value::Null);
    assert_eq!(r.data("/directory/nodes"), &json!([]));

    let provisioner = app.token("provisioner").await;
    let r = app
        .graphql(paths)
        .vars(vars.clone())
        .as_(&provisioner)
        .send()
        .await
        .ok();
    let (row_person, in_set) = seen(&r);
    assert_eq!(
        row_person["email"],
        cast.hidden.email.as_str(),
        "the scope says so"
    );
    assert!(in_set);
    assert_eq!(r.data("/person/id"), hugo.as_str());
    assert_eq!(r.data("/node/id"), hugo.as_str());
    assert_eq!(r.data("/directory/nodes/0/id"), hugo.as_str());

    // Alice shares a hunt group with Hugo: she sees him there, with his number, and still
    // not in the directory.
    let alice = app.token(&cast.user.username).await;
    let r = app
        .graphql("query($g: ID!, $name: String!) { huntGroup(id: $g) { members { person { id email lines { number } } } } person(username: $name) { id } }")
        .vars(json!({ "g": encode(NodeType::HuntGroup, g.hunt), "name": cast.hidden.username }))
        .as_(&alice)
        .send()
        .await
        .ok();
    let members = r.data("/huntGroup/members").as_array().expect("members");
    let seen = members
        .iter()
        .map(|m| &m["person"])
        .find(|p| p["id"] == hugo.as_str())
        .expect("Hugo is shown to a fellow member");
    assert!(
        seen["lines"].as_array().is_some_and(|l| !l.is_empty()),
        "{seen:#}"
    );
    assert_eq!(r.data("/person"), &Value::Null, "but not in the directory");
}

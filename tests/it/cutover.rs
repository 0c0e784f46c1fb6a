//! The move to Teams through the router: the MS Teams column, movement sets, licences under
//! concurrency, nominations and lateness, tranches and countdown e-mails, moves (rule 10)
//! with a failing set, the Chorus upgrade, and the seed's 2022 plan replayed end to end.

use std::collections::{BTreeMap, BTreeSet};

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use entity::{
    audit_event, call_record, device, ea_group, enums::*, hunt_group, hunt_group_member,
    licence_assignment, licence_pool, line, notification, person, pickup_group_member,
    tranche_member,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::groups::{Groups, setup};

fn pid(id: Uuid) -> String {
    encode(NodeType::Person, id).0
}

/// Runs a GraphQL document and returns `data`, failing on errors.
async fn gql(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    app.graphql(query)
        .vars(vars)
        .as_(token)
        .send()
        .await
        .ok()
        .body["data"]
        .clone()
}

async fn add_device(
    app: &TestApp,
    owner: Uuid,
    kind: DeviceKind,
    line: Option<Uuid>,
) -> device::Model {
    device::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind),
        label: Set(format!("{kind:?}")),
        model: Set(None),
        owner_id: Set(owner),
        line_id: Set(line),
        status: Set(DeviceStatus::Active),
        last_used_at: Set(None),
        created_at: Set(Utc::now()),
        version: Set(0),
    }
    .insert(app.db())
    .await
    .expect("device")
}

async fn outbound_call(app: &TestApp, person: Uuid, device: Uuid, days_ago: i64, external: bool) {
    let at = Utc::now() - Duration::days(days_ago);
    call_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        pbx_call_id: Set(format!("T-{}", Uuid::now_v7())),
        started_at: Set(at),
        answered_at: Set(Some(at)),
        ended_at: Set(at + Duration::minutes(2)),
        direction: Set(CallDirection::Outbound),
        from_number: Set("+441865000000".into()),
        to_number: Set("+442079460000".into()),
        external: Set(external),
        result: Set(CallResult::Answered),
        device_id: Set(Some(device)),
        caller_person_id: Set(Some(person)),
        dialled_person_id: Set(None),
        answered_person_id: Set(None),
        hunt_group_id: Set(None),
        contact_centre_id: Set(None),
        created_at: Set(at),
    }
    .insert(app.db())
    .await
    .expect("call");
}

async fn personal_line(app: &TestApp, owner: Uuid) -> line::Model {
    line::Entity::find()
        .filter(line::Column::OwnerId.eq(owner))
        .one(app.db())
        .await
        .expect("query")
        .expect("a personal line")
}

const COLUMN: &str = r#"query($unit: ID, $filter: TeamsColumnFilter, $days: Int) {
  teamsEligibility(unitId: $unit, filter: $filter, lookBackDays: $days, first: 100) {
    counts { eligible notEligible: notNeeded blocked moved }
    rows { totalCount nodes { personId username status reasons blockers warnings externalCallsAway movementSetKey } }
  }
}"#;

fn row<'a>(data: &'a Value, username: &str) -> &'a Value {
    data["teamsEligibility"]["rows"]["nodes"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["username"] == username))
        .unwrap_or_else(|| panic!("no row for {username}: {data:#}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_teams_column_explains_each_person_and_respects_units() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    let db = app.db();
    // Alice: a softphone she prefers, and external calls from it (one recent, one old).
    let alice_line = personal_line(app, cast.user.id).await;
    let soft = add_device(
        app,
        cast.user.id,
        DeviceKind::Softphone,
        Some(alice_line.id),
    )
    .await;
    let mut a: person::ActiveModel = cast.user.clone().into();
    a.preferred_device_id = Set(Some(soft.id));
    a.update(db).await.expect("prefer");
    outbound_call(app, cast.user.id, soft.id, 5, true).await;
    outbound_call(app, cast.user.id, soft.id, 60, true).await;
    outbound_call(app, cast.user.id, soft.id, 1, false).await;
    // Hugo's desk-phone external calls are no reason.
    outbound_call(app, cast.hidden.id, cast.hidden_device.id, 2, true).await;
    // Cora's line becomes a shared one: she has no personal line left.
    let mut cora_line: line::ActiveModel = personal_line(app, cast.coordinator.id).await.into();
    cora_line.kind = Set(LineKind::Shared);
    cora_line.owner_id = Set(None);
    cora_line.update(db).await.expect("shared line");

    let admin = app.token("ada").await;
    let data = gql(app, &admin, COLUMN, json!({ "days": 30 })).await;
    let alice = row(&data, "alice");
    assert_eq!(alice["status"], "ELIGIBLE");
    assert_eq!(
        strings(&alice["reasons"]),
        [
            "USES_SOFTPHONE",
            "NON_DESK_PREFERRED_DEVICE",
            "EXTERNAL_CALLS_AWAY_FROM_DESK"
        ]
    );
    assert_eq!(
        alice["externalCallsAway"], 1,
        "only the recent external call"
    );
    assert_eq!(
        strings(&alice["warnings"]),
        [
            "LEAVES_PICKUP_GROUP",
            "DESK_PHONE_STOPS",
            "SOFTPHONE_AND_APP_STOP"
        ]
    );
    // A 90-day look-back counts the old call too.
    let wide = gql(app, &admin, COLUMN, json!({ "days": 90 })).await;
    assert_eq!(row(&wide, "alice")["externalCallsAway"], 2);
    // Hugo moves because the whole hunt/EA set moves with Alice.
    let hugo = row(&data, "hugo");
    assert_eq!(hugo["status"], "ELIGIBLE");
    assert_eq!(strings(&hugo["reasons"]), ["GROUP_MOVING"]);
    assert_eq!(hugo["movementSetKey"], alice["movementSetKey"]);
    assert!(!hugo["movementSetKey"].is_null());
    // Blockers.
    assert_eq!(
        strings(&row(&data, "cora")["blockers"]),
        ["NO_PERSONAL_LINE"]
    );
    assert_eq!(row(&data, "ada")["status"], "BLOCKED");
    assert_eq!(
        strings(&row(&data, "ada")["blockers"]),
        ["SEPARATE_TEAMS_INSTANCE"]
    );
    assert_eq!(row(&data, "tess")["status"], "MOVED");
    assert_eq!(data["teamsEligibility"]["counts"]["moved"], 1);
    // A filter narrows the rows, not the counts.
    let eligible = gql(
        app,
        &admin,
        COLUMN,
        json!({ "filter": { "status": ["ELIGIBLE"] } }),
    )
    .await;
    assert_eq!(eligible["teamsEligibility"]["rows"]["totalCount"], 2);
    // Ada and Otto (separate tenant) and Cora (no personal line).
    assert_eq!(eligible["teamsEligibility"]["counts"]["blocked"], 3);

    // A blocked member blocks the whole set: Otto (separate tenant) joins the hunt group.
    hunt_group_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        group_id: Set(g.hunt),
        person_id: Set(cast.other_coordinator.id),
        position: Set(9),
        ring_seconds: Set(15),
        opted_out: Set(false),
    }
    .insert(db)
    .await
    .expect("member");
    let data = gql(app, &admin, COLUMN, json!({})).await;
    for who in ["alice", "hugo"] {
        assert_eq!(row(&data, who)["status"], "BLOCKED", "{who}");
        assert_eq!(
            strings(&row(&data, who)["blockers"]),
            ["MOVEMENT_SET_BLOCKED"]
        );
    }
    let sets = gql(
        app,
        &admin,
        "{ movementSets(first: 10) { totalCount nodes { size memberIds blockedMemberIds links { kind name memberIds } } } }",
        json!({}),
    )
    .await;
    assert_eq!(sets["movementSets"]["totalCount"], 1);
    let set = &sets["movementSets"]["nodes"][0];
    assert_eq!(set["size"], 3);
    assert_eq!(
        strings(&set["blockedMemberIds"]),
        [pid(cast.other_coordinator.id)]
    );
    let kinds: BTreeSet<String> = set["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["EA_GROUP".into(), "HUNT_GROUP".into()])
    );

    // Coordinators see their units only; users not at all.
    let cora = app.token("cora").await;
    let mine = gql(app, &cora, COLUMN, json!({})).await;
    let names: BTreeSet<String> = mine["teamsEligibility"]["rows"]["nodes"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["username"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["alice".into(), "cora".into(), "hugo".into(), "tess".into()])
    );
    let r = app
        .graphql(COLUMN)
        .vars(json!({ "unit": encode(NodeType::Unit, cast.other_unit.id).0 }))
        .as_(&cora)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app
        .graphql(COLUMN)
        .as_(&app.token("alice").await)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn the_column_exports_as_csv_for_a_unit() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    let cora = app.token("cora").await;
    let unit = encode(NodeType::Unit, cast.college.id).0;
    let r = app
        .client
        .get(app.url(&format!("/v1/teams-column.csv?unitId={unit}")))
        .bearer_auth(&cora)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let text = r.text().await.expect("body");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("username,display_name,unit,status,"),
        "{text}"
    );
    assert_eq!(lines.len(), 1 + 4, "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tess,") && l.contains(",MOVED,"))
    );
    // Another unit is refused; so is a user.
    let other = encode(NodeType::Unit, cast.other_unit.id).0;
    let r = app
        .client
        .get(app.url(&format!("/v1/teams-column.csv?unitId={other}")))
        .bearer_auth(&cora)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .get(app.url("/v1/teams-column.csv"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 401);
}

const ASSIGN: &str = r#"mutation($ids: [ID!]!, $dry: Boolean!) {
  assignTeamsLicences(input: { personIds: $ids, dryRun: $dry }) {
    results { personId outcome reason }
    pool { capacity assigned available }
    userErrors { code reason }
  }
}"#;

async fn set_pool(app: &TestApp, capacity: i32) {
    let admin = app.token("ada").await;
    let data = gql(
        app,
        &admin,
        "mutation($c: Int!) { setLicencePoolCapacity(input: { capacity: $c }) { pool { capacity } userErrors { reason } } }",
        json!({ "c": capacity }),
    )
    .await;
    assert_eq!(
        data["setLicencePoolCapacity"]["pool"]["capacity"], capacity,
        "{data:#}"
    );
}

async fn extra_people(app: &TestApp, unit: Uuid, prefix: &str, n: usize) -> Vec<Uuid> {
    let mut out = Vec::new();
    for i in 0..n {
        let name = format!("{prefix}{i}");
        let (p, _, _) = fixtures::person(
            app.db(),
            fixtures::NewPerson {
                username: &name,
                display_name: &name,
                unit_id: unit,
                ex_directory: false,
            },
        )
        .await;
        out.push(p.id);
    }
    out
}

#[tokio::test]
async fn licences_are_bulk_idempotent_and_refuse_the_blocked() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    set_pool(app, 3).await;
    let admin = app.token("ada").await;
    let people = extra_people(app, cast.college.id, "lic", 4).await;
    let ids: Vec<String> = people.iter().map(|p| pid(*p)).collect();
    // A dry run changes nothing.
    let dry = gql(app, &admin, ASSIGN, json!({ "ids": ids, "dry": true })).await;
    let outcomes = |d: &Value| -> Vec<String> {
        d["assignTeamsLicences"]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["outcome"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        outcomes(&dry),
        ["WOULD_ASSIGN", "WOULD_ASSIGN", "WOULD_ASSIGN", "REFUSED"]
    );
    assert_eq!(
        dry["assignTeamsLicences"]["results"][3]["reason"],
        "POOL_EXHAUSTED"
    );
    assert_eq!(dry["assignTeamsLicences"]["pool"]["assigned"], 0);
    // The real run: three, then the pool is empty.
    let real = gql(app, &admin, ASSIGN, json!({ "ids": ids, "dry": false })).await;
    assert_eq!(
        outcomes(&real),
        ["ASSIGNED", "ASSIGNED", "ASSIGNED", "REFUSED"]
    );
    assert_eq!(real["assignTeamsLicences"]["pool"]["available"], 0);
    // Again: idempotent.
    let again = gql(
        app,
        &admin,
        ASSIGN,
        json!({ "ids": ids[..3], "dry": false }),
    )
    .await;
    assert_eq!(outcomes(&again), ["ALREADY_ASSIGNED"; 3]);
    // Blocked, unknown and duplicated people.
    set_pool(app, 10).await;
    let unknown = pid(Uuid::now_v7());
    let mixed = gql(
        app,
        &admin,
        ASSIGN,
        json!({ "ids": [pid(cast.admin.id), unknown], "dry": false }),
    )
    .await;
    let results = &mixed["assignTeamsLicences"]["results"];
    assert_eq!(results[0]["reason"], "BLOCKED");
    assert_eq!(results[1]["reason"], "UNKNOWN_PERSON");
    let dup = gql(
        app,
        &admin,
        ASSIGN,
        json!({ "ids": [ids[3], ids[3]], "dry": false }),
    )
    .await;
    assert_eq!(
        dup["assignTeamsLicences"]["userErrors"][0]["reason"],
        "DUPLICATE_PERSON"
    );
    assert_eq!(
        licence_assignment::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        3,
        "nothing half-written"
    );
    // The pool cannot shrink below what is assigned.
    let shrink = gql(
        app,
        &admin,
        "mutation { setLicencePoolCapacity(input: { capacity: 2 }) { pool { capacity } userErrors { reason } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        shrink["setLicencePoolCapacity"]["userErrors"][0]["reason"],
        "POOL_BELOW_ASSIGNED"
    );
    // Revoking: fine for someone waiting, refused for someone on Teams.
    let revoke = "mutation($id: ID!) { revokeTeamsLicence(input: { personId: $id }) { results { outcome reason } pool { assigned } } }";
    let r = gql(app, &admin, revoke, json!({ "id": ids[0] })).await;
    assert_eq!(r["revokeTeamsLicence"]["results"][0]["outcome"], "REVOKED");
    assert_eq!(r["revokeTeamsLicence"]["pool"]["assigned"], 2);
    gql(
        app,
        &admin,
        ASSIGN,
        json!({ "ids": [pid(g.teams.id)], "dry": false }),
    )
    .await;
    let r = gql(app, &admin, revoke, json!({ "id": pid(g.teams.id) })).await;
    assert_eq!(
        r["revokeTeamsLicence"]["results"][0]["reason"],
        "LICENCE_IN_USE"
    );
    // Coordinators do not assign licences.
    let r = app
        .graphql(ASSIGN)
        .vars(json!({ "ids": [ids[3]], "dry": false }))
        .as_(&app.token("cora").await)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    // The audit trail has each assignment.
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("licence.assign"))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(events, 4);
}

#[tokio::test]
async fn many_parallel_assignments_never_exceed_the_pool() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    set_pool(app, 10).await;
    let people = extra_people(app, cast.college.id, "par", 24).await;
    let admin = app.token("ada").await;
    // 12 requests at once, each for 4 people, overlapping: 48 asks for 24 people, 10 licences.
    let mut handles = Vec::new();
    for k in 0..12 {
        let ids: Vec<String> = (0..4).map(|j| pid(people[(k * 2 + j) % 24])).collect();
        let call = app
            .graphql(ASSIGN)
            .vars(json!({ "ids": ids, "dry": false }))
            .as_(&admin);
        handles.push(async move { call.send().await });
    }
    let responses = futures_util::future::join_all(handles).await;
    let mut assigned = 0;
    for r in responses {
        let r = r.ok();
        for result in r
            .data("/assignTeamsLicences/results")
            .as_array()
            .expect("results")
        {
            if result["outcome"] == "ASSIGNED" {
                assigned += 1;
            } else {
                assert!(
                    result["outcome"] == "ALREADY_ASSIGNED" || result["reason"] == "POOL_EXHAUSTED",
                    "{result:#}"
                );
            }
        }
    }
    let rows = licence_assignment::Entity::find()
        .count(app.db())
        .await
        .expect("count");
    let pool = licence_pool::Entity::find()
        .one(app.db())
        .await
        .expect("query")
        .expect("pool");
    assert_eq!(assigned, 10, "each licence assigned once");
    assert_eq!(rows, 10);
    assert_eq!(pool.assigned_count, 10);
}

#[tokio::test]
async fn nominations_are_for_own_units_and_late_answers_go_late() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    let admin = app.token("ada").await;
    let cora = app.token("cora").await;
    let deadline = (Utc::now() + Duration::days(14)).to_rfc3339();
    let round = gql(
        app,
        &admin,
        "mutation($d: DateTime!) { createNominationRound(input: { name: \"2022 ToT\", deadline: $d }) { round { id open } userErrors { reason } } }",
        json!({ "d": deadline }),
    )
    .await;
    assert_eq!(round["createNominationRound"]["round"]["open"], true);
    let past = gql(
        app,
        &admin,
        "mutation($d: DateTime!) { createNominationRound(input: { name: \"x\", deadline: $d }) { round { id } userErrors { reason } } }",
        json!({ "d": (Utc::now() - Duration::days(1)).to_rfc3339() }),
    )
    .await;
    assert_eq!(
        past["createNominationRound"]["userErrors"][0]["reason"],
        "DEADLINE_IN_PAST"
    );
    let answer = r#"mutation($a: [NominationAnswerInput!]!) {
      answerNominations(input: { answers: $a }) { results { personId outcome reason } userErrors { reason } } }"#;
    let r = gql(
        app,
        &cora,
        answer,
        json!({ "a": [
            { "personId": pid(cast.user.id), "answer": "NOMINATE" },
            { "personId": pid(cast.admin.id), "answer": "NOMINATE" },
            { "personId": pid(cast.hidden.id), "answer": "DECLINE" },
        ] }),
    )
    .await;
    let results = &r["answerNominations"]["results"];
    assert_eq!(results[0]["outcome"], "RECORDED");
    assert_eq!(results[1]["reason"], "NOT_IN_YOUR_UNITS");
    assert_eq!(results[2]["outcome"], "RECORDED");
    let progress = gql(
        app,
        &cora,
        "{ nominationProgress { unitCode nominated declined answered pending eligible } }",
        json!({}),
    )
    .await;
    let ball = &progress["nominationProgress"][0];
    assert_eq!(
        progress["nominationProgress"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(ball["unitCode"], "BALL");
    assert_eq!(ball["nominated"], 1);
    assert_eq!(ball["declined"], 1);
    // The deadline passes: a changed answer is late.
    app.db()
        .execute_unprepared("UPDATE nomination_round SET deadline = created_at")
        .await
        .expect("deadline passes");
    let r = gql(
        app,
        &cora,
        answer,
        json!({ "a": [{ "personId": pid(cast.hidden.id), "answer": "NOMINATE" }] }),
    )
    .await;
    assert_eq!(
        r["answerNominations"]["results"][0]["outcome"],
        "RECORDED_LATE"
    );
    // A late nomination goes only to a LATE tranche.
    set_pool(app, 10).await;
    gql(
        app,
        &admin,
        ASSIGN,
        json!({ "ids": [pid(cast.user.id), pid(cast.hidden.id)], "dry": false }),
    )
    .await;
    let college = create_tranche(app, 2, "COLLEGE", monday_after(28), 10).await;
    let late = create_tranche(app, 5, "LATE", monday_after(42), 10).await;
    let place = r#"mutation($t: ID!, $ids: [ID!]!) { assignToTranche(input: { trancheId: $t, personIds: $ids }) {
        sets { memberIds placed reason } userErrors { reason } } }"#;
    let ids = json!([pid(cast.user.id), pid(cast.hidden.id)]);
    let r = gql(app, &admin, place, json!({ "t": college, "ids": ids })).await;
    assert_eq!(r["assignToTranche"]["sets"][0]["reason"], "LATE_NOMINATION");
    let r = gql(app, &admin, place, json!({ "t": late, "ids": ids })).await;
    assert_eq!(r["assignToTranche"]["sets"][0]["placed"], true, "{r:#}");
}

/// The first Monday at least `days` from today.
fn monday_after(days: i64) -> NaiveDate {
    let mut d = Utc::now().date_naive() + Duration::days(days);
    while d.weekday() != chrono::Weekday::Mon {
        d += Duration::days(1);
    }
    d
}

async fn create_tranche(
    app: &TestApp,
    number: i32,
    cohort: &str,
    date: NaiveDate,
    capacity: i32,
) -> String {
    let admin = app.token("ada").await;
    let data = gql(
        app,
        &admin,
        r#"mutation($n: Int!, $c: Cohort!, $d: NaiveDate!, $cap: Int!) {
          createTranche(input: { number: $n, name: "Tranche", cohort: $c, moveDate: $d, capacity: $cap }) {
            tranche { id } userErrors { reason } } }"#,
        json!({ "n": number, "c": cohort, "d": date.to_string(), "cap": capacity }),
    )
    .await;
    data["createTranche"]["tranche"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("tranche created: {data:#}"))
        .to_owned()
}

#[tokio::test]
async fn tranches_keep_sets_capacity_states_and_countdowns() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    let admin = app.token("ada").await;
    let create = r#"mutation($d: NaiveDate!, $cap: Int!) {
      createTranche(input: { number: 9, name: "T", cohort: COLLEGE, moveDate: $d, capacity: $cap }) {
        tranche { id } userErrors { field reason } } }"#;
    let today = Utc::now().date_naive();
    for (date, cap, reason) in [
        (today - Duration::days(1), 5, "DATE_IN_PAST"),
        (today, 5, "DATE_IN_PAST"),
        (today + Duration::days(30), 0, "INVALID_CAPACITY"),
    ] {
        let r = gql(
            app,
            &admin,
            create,
            json!({ "d": date.to_string(), "cap": cap }),
        )
        .await;
        assert_eq!(
            r["createTranche"]["userErrors"][0]["reason"], reason,
            "{date}"
        );
    }
    let move_date = monday_after(28);
    let t = create_tranche(app, 2, "COLLEGE", move_date, 2).await;
    let dup = gql(
        app,
        &admin,
        r#"mutation($d: NaiveDate!) { createTranche(input: { number: 2, name: "Again", cohort: UAS, moveDate: $d, capacity: 5 }) {
            tranche { id } userErrors { reason } } }"#,
        json!({ "d": move_date.to_string() }),
    )
    .await;
    assert_eq!(
        dup["createTranche"]["userErrors"][0]["reason"],
        "DUPLICATE_NUMBER"
    );
    let place = r#"mutation($t: ID!, $ids: [ID!]!) { assignToTranche(input: { trancheId: $t, personIds: $ids }) {
        sets { memberIds placed reason } userErrors { reason } } }"#;
    let (alice, hugo, cora) = (
        pid(cast.user.id),
        pid(cast.hidden.id),
        pid(cast.coordinator.id),
    );
    // Half a set is refused; a whole set without licences too.
    let r = gql(app, &admin, place, json!({ "t": t, "ids": [alice] })).await;
    assert_eq!(r["assignToTranche"]["userErrors"][0]["reason"], "SET_SPLIT");
    let r = gql(app, &admin, place, json!({ "t": t, "ids": [alice, hugo] })).await;
    assert_eq!(r["assignToTranche"]["sets"][0]["reason"], "NO_LICENCE");
    set_pool(app, 10).await;
    gql(
        app,
        &admin,
        ASSIGN,
        json!({ "ids": [alice, hugo, cora], "dry": false }),
    )
    .await;
    // Capacity 2: the set of two fits, Cora does not.
    let r = gql(
        app,
        &admin,
        place,
        json!({ "t": t, "ids": [alice, hugo, cora] }),
    )
    .await;
    let sets = r["assignToTranche"]["sets"]
        .as_array()
        .expect("sets")
        .clone();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets.iter().filter(|s| s["placed"] == true).count(), 1);
    assert!(sets.iter().any(|s| s["reason"] == "TRANCHE_FULL"));
    assert_eq!(
        tranche_member::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        2
    );
    // Countdowns: three per person, on the right days.
    let due = |person: Uuid| async move {
        let mut rows: Vec<(String, NaiveDate)> = notification::Entity::find()
            .filter(notification::Column::PersonId.eq(person))
            .all(app.db())
            .await
            .expect("rows")
            .into_iter()
            .map(|n| (format!("{:?}", n.kind), n.due_on))
            .collect();
        rows.sort_by_key(|r| r.1);
        rows
    };
    assert_eq!(
        due(cast.user.id).await,
        vec![
            ("Countdown3Weeks".into(), move_date - Duration::days(21)),
            ("Countdown1Week".into(), move_date - Duration::days(7)),
            ("CountdownDayBefore".into(), move_date - Duration::days(3)),
        ]
    );
    // Capacity below the members is refused; rescheduling re-plans the unsent notices.
    let update = r#"mutation($t: ID!, $d: NaiveDate, $cap: Int, $s: TrancheState, $name: String) {
      updateTranche(input: { id: $t, moveDate: $d, capacity: $cap, state: $s, name: $name }) {
        tranche { moveDate state version } userErrors { field reason } } }"#;
    let r = gql(app, &admin, update, json!({ "t": t, "cap": 1 })).await;
    assert_eq!(
        r["updateTranche"]["userErrors"][0]["reason"],
        "CAPACITY_BELOW_MEMBERS"
    );
    let later = move_date + Duration::days(7);
    let r = gql(
        app,
        &admin,
        update,
        json!({ "t": t, "d": later.to_string() }),
    )
    .await;
    assert_eq!(r["updateTranche"]["tranche"]["moveDate"], later.to_string());
    assert_eq!(due(cast.user.id).await[0].1, later - Duration::days(21));
    assert_eq!(due(cast.user.id).await.len(), 3);
    // Frozen: no edits, no placements; PLANNED → DONE is no transition.
    let r = gql(app, &admin, update, json!({ "t": t, "s": "DONE" })).await;
    assert_eq!(
        r["updateTranche"]["userErrors"][0]["reason"],
        "INVALID_TRANSITION"
    );
    let r = gql(app, &admin, update, json!({ "t": t, "s": "FROZEN" })).await;
    assert_eq!(r["updateTranche"]["tranche"]["state"], "FROZEN");
    let r = gql(app, &admin, update, json!({ "t": t, "name": "Renamed" })).await;
    assert_eq!(
        r["updateTranche"]["userErrors"][0]["reason"],
        "TRANCHE_FROZEN"
    );
    let r = gql(app, &admin, place, json!({ "t": t, "ids": [cora] })).await;
    assert_eq!(
        r["assignToTranche"]["userErrors"][0]["reason"],
        "TRANCHE_FROZEN"
    );

    // The sender: nothing before the day, each notice once on its day.
    let db = app.db();
    let first_day = later - Duration::days(21);
    let send = |day: NaiveDate| async move {
        chorus::services::cutover::notify::send_due(db, &Default::default(), day, Utc::now())
            .await
            .expect("send")
    };
    assert_eq!(send(first_day - Duration::days(1)).await, 0);
    // Two senders at once (two connections of the pool): each notice goes once.
    let (a, b) = tokio::join!(send(first_day), send(first_day));
    assert_eq!(a + b, 2, "Alice's and Hugo's 3-week notices");
    assert_eq!(send(first_day).await, 0, "never twice");
    let sent = notification::Entity::find()
        .filter(notification::Column::SentAt.is_not_null())
        .all(db)
        .await
        .expect("rows");
    assert!(sent.iter().all(|n| {
        n.payload["subject"]
            .as_str()
            .is_some_and(|s| s.contains("3 weeks"))
    }));
    // The person sees their own countdown.
    let me = gql(
        app,
        &app.token("alice").await,
        "{ me { cutover { status moveDate tranche { number } notifications { kind dueOn sentAt } whatChanges } } }",
        json!({}),
    )
    .await;
    let mine = &me["me"]["cutover"];
    assert_eq!(mine["moveDate"], later.to_string());
    assert_eq!(mine["tranche"]["number"], 2);
    assert_eq!(mine["notifications"].as_array().map(Vec::len), Some(3));
    assert!(!mine["notifications"][0]["sentAt"].is_null());
    assert!(
        strings(&mine["whatChanges"])
            .iter()
            .any(|s| s.contains("pickup"))
    );
}

const MOVE: &str = r#"mutation($ids: [ID!]!, $dry: Boolean!) { moveToTeams(input: { personIds: $ids, dryRun: $dry }) {
  dryRun peopleMoved
  sets { memberIds moved reason message alreadyMovedIds huntGroupsToTeams eaGroupsToDelegation
         changes { personId disabledDevices { deviceId kind } createsTeamsClient teamsClientDeviceId preferredDeviceBefore leavesPickupGroupIds } }
  userErrors { reason } } }"#;

fn without_ids_of_new_devices(v: &Value) -> Value {
    v.clone()
}

async fn devices_of(app: &TestApp, owner: Uuid) -> Vec<device::Model> {
    device::Entity::find()
        .filter(device::Column::OwnerId.eq(owner))
        .all(app.db())
        .await
        .expect("devices")
}

#[tokio::test]
async fn a_move_applies_rule_10_per_set_and_a_failing_set_changes_nothing() {
    let Groups {
        app,
        cast,
        hunt,
        ea,
        ..
    } = setup().await;
    let admin = app.token("ada").await;
    let alice_line = personal_line(&app, cast.user.id).await;
    add_device(
        &app,
        cast.user.id,
        DeviceKind::Softphone,
        Some(alice_line.id),
    )
    .await;
    let extra = extra_people(&app, cast.college.id, "solo", 2).await;
    set_pool(&app, 10).await;
    let (alice, hugo) = (pid(cast.user.id), pid(cast.hidden.id));
    gql(
        &app,
        &admin,
        ASSIGN,
        json!({ "ids": [alice, hugo, pid(extra[0])], "dry": false }),
    )
    .await;
    // Half a set, and an unknown person, are refused up front.
    let r = gql(&app, &admin, MOVE, json!({ "ids": [alice], "dry": false })).await;
    assert_eq!(r["moveToTeams"]["userErrors"][0]["reason"], "SET_SPLIT");
    // The dry run shows exactly what the real run then does.
    let ids = json!([alice, hugo, pid(extra[0]), pid(extra[1])]);
    let dry = gql(&app, &admin, MOVE, json!({ "ids": ids, "dry": true })).await;
    assert_eq!(dry["moveToTeams"]["peopleMoved"], 3);
    let mut progress = app.state.voicemails.events.subscribe_cutover();
    let real = gql(&app, &admin, MOVE, json!({ "ids": ids, "dry": false })).await;
    // Progress: one event per set (the pair, and two singletons), then the end.
    let mut events = Vec::new();
    while let Ok(Ok(e)) =
        tokio::time::timeout(std::time::Duration::from_secs(10), progress.recv()).await
    {
        let done = e.finished;
        events.push(e);
        if done {
            break;
        }
    }
    assert_eq!(events.len(), 4, "{events:?}");
    let last = events.last().expect("the end");
    assert!(last.finished);
    assert_eq!(
        (
            last.sets_total,
            last.sets_done,
            last.sets_failed,
            last.people_moved
        ),
        (3, 3, 1, 3)
    );
    assert!(
        events
            .iter()
            .any(|e| e.failure.as_deref().is_some_and(|f| f.contains("licence")))
    );
    assert_eq!(
        without_ids_of_new_devices(&dry["moveToTeams"]["sets"]),
        without_ids_of_new_devices(&real["moveToTeams"]["sets"]),
        "the dry run and the real run differ"
    );
    let sets = real["moveToTeams"]["sets"].as_array().expect("sets");
    let pair = sets
        .iter()
        .find(|s| s["memberIds"].as_array().map(Vec::len) == Some(2))
        .expect("the pair");
    assert_eq!(pair["moved"], true);
    assert_eq!(
        strings(&pair["huntGroupsToTeams"]),
        [encode(NodeType::HuntGroup, hunt).0]
    );
    assert_eq!(
        strings(&pair["eaGroupsToDelegation"]),
        [encode(NodeType::EaGroup, ea).0]
    );
    let unlicensed = sets
        .iter()
        .find(|s| s["memberIds"][0] == pid(extra[1]))
        .expect("solo");
    assert_eq!(unlicensed["reason"], "NO_LICENCE");

    // Rule 10 in the database.
    let db = app.db();
    for who in [cast.user.id, cast.hidden.id, extra[0]] {
        let p = person::Entity::find_by_id(who)
            .one(db)
            .await
            .expect("q")
            .expect("person");
        assert_eq!(p.platform, Platform::Teams);
        let devices = devices_of(&app, who).await;
        let teams: Vec<&device::Model> = devices
            .iter()
            .filter(|d| d.kind == DeviceKind::TeamsClient)
            .collect();
        assert_eq!(teams.len(), 1);
        assert_eq!(p.preferred_device_id, Some(teams[0].id));
        assert!(
            devices
                .iter()
                .filter(|d| d.kind != DeviceKind::TeamsClient)
                .all(|d| d.status == DeviceStatus::Disabled)
        );
        // Numbers kept.
        assert_eq!(personal_line(&app, who).await.owner_id, Some(who));
    }
    assert_eq!(
        personal_line(&app, cast.user.id).await.e164,
        alice_line.e164
    );
    assert_eq!(
        pickup_group_member::Entity::find()
            .filter(pickup_group_member::Column::PersonId.eq(cast.user.id))
            .count(db)
            .await
            .expect("count"),
        0
    );
    let h = hunt_group::Entity::find_by_id(hunt)
        .one(db)
        .await
        .expect("q")
        .expect("hunt");
    assert_eq!(h.platform, Platform::Teams);
    let e = ea_group::Entity::find_by_id(ea)
        .one(db)
        .await
        .expect("q")
        .expect("ea");
    assert_eq!(e.platform, Platform::Teams);
    let moved_events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("cutover.move"))
        .count(db)
        .await
        .expect("count");
    assert_eq!(moved_events, 3);
    // Extra 1 stays on Chorus with a working desk phone.
    let solo = person::Entity::find_by_id(extra[1])
        .one(db)
        .await
        .expect("q")
        .expect("p");
    assert_eq!(solo.platform, Platform::Chorus);

    // Running again changes nothing twice.
    let before: Vec<i32> = devices_of(&app, cast.user.id)
        .await
        .iter()
        .map(|d| d.version)
        .collect();
    let again = gql(
        &app,
        &admin,
        MOVE,
        json!({ "ids": [alice, hugo], "dry": false }),
    )
    .await;
    assert_eq!(again["moveToTeams"]["peopleMoved"], 0);
    assert_eq!(
        again["moveToTeams"]["sets"][0]["alreadyMovedIds"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let after: Vec<i32> = devices_of(&app, cast.user.id)
        .await
        .iter()
        .map(|d| d.version)
        .collect();
    assert_eq!(before, after);

    // A set whose transaction fails is left as it was; the others move.
    let more = extra_people(&app, cast.college.id, "more", 2).await;
    gql(
        &app,
        &admin,
        ASSIGN,
        json!({ "ids": [pid(more[0]), pid(more[1])], "dry": false }),
    )
    .await;
    let doomed = person::Entity::find_by_id(more[0])
        .one(db)
        .await
        .expect("q")
        .expect("p");
    let trigger = match db.get_database_backend() {
        DbBackend::Postgres => vec![
            "CREATE FUNCTION refuse_move() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$ LANGUAGE plpgsql".to_owned(),
            format!("CREATE TRIGGER refuse_move BEFORE UPDATE ON person FOR EACH ROW WHEN (NEW.username = '{}' AND NEW.platform = 'TEAMS') EXECUTE FUNCTION refuse_move()", doomed.username),
        ],
        _ => vec![format!(
            "CREATE TRIGGER refuse_move BEFORE UPDATE ON person FOR EACH ROW WHEN NEW.username = '{}' AND NEW.platform = 'TEAMS' BEGIN SELECT RAISE(ABORT, 'refused by test'); END",
            doomed.username
        )],
    };
    for sql in trigger {
        db.execute_unprepared(&sql).await.expect("trigger");
    }
    let r = gql(
        &app,
        &admin,
        MOVE,
        json!({ "ids": [pid(more[0]), pid(more[1])], "dry": false }),
    )
    .await;
    let sets = r["moveToTeams"]["sets"].as_array().expect("sets");
    let failed = sets
        .iter()
        .find(|s| s["memberIds"][0] == pid(more[0]))
        .expect("failed set");
    assert_eq!(failed["reason"], "FAILED");
    assert_eq!(failed["moved"], false);
    assert_eq!(r["moveToTeams"]["peopleMoved"], 1);
    let d = devices_of(&app, more[0]).await;
    assert!(
        d.iter()
            .all(|d| d.status == DeviceStatus::Active && d.kind == DeviceKind::DeskPhone),
        "unchanged: {d:?}"
    );
    let p = person::Entity::find_by_id(more[0])
        .one(db)
        .await
        .expect("q")
        .expect("p");
    assert_eq!(p.platform, Platform::Chorus);
    // Once the fault is gone, running again finishes the rest and leaves the others alone.
    let drop = match db.get_database_backend() {
        DbBackend::Postgres => "DROP TRIGGER refuse_move ON person",
        _ => "DROP TRIGGER refuse_move",
    };
    db.execute_unprepared(drop).await.expect("drop trigger");
    let r = gql(
        &app,
        &admin,
        MOVE,
        json!({ "ids": [pid(more[0]), pid(more[1])], "dry": false }),
    )
    .await;
    assert_eq!(r["moveToTeams"]["peopleMoved"], 1);
    let p = person::Entity::find_by_id(more[0])
        .one(db)
        .await
        .expect("q")
        .expect("p");
    assert_eq!(p.platform, Platform::Teams);
}

#[tokio::test]
async fn the_chorus_upgrade_previews_and_takes_portal_features() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    let admin = app.token("ada").await;
    let line = personal_line(app, cast.user.id).await;
    let soft = add_device(app, cast.user.id, DeviceKind::Softphone, Some(line.id)).await;
    let app_device = add_device(app, cast.hidden.id, DeviceKind::MobileApp, None).await;
    let mut a: person::ActiveModel = cast.user.clone().into();
    a.preferred_device_id = Set(Some(soft.id));
    a.update(app.db()).await.expect("prefer");
    let preview = gql(
        app,
        &admin,
        "{ chorusUpgradePreview(first: 10) { totalCount nodes { personId disabledDevices { kind } preferredDeviceBefore preferredDeviceAfter } } }",
        json!({}),
    )
    .await;
    let nodes = preview["chorusUpgradePreview"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(preview["chorusUpgradePreview"]["totalCount"], 2);
    let alice = nodes
        .iter()
        .find(|n| n["personId"] == pid(cast.user.id))
        .expect("alice");
    assert_eq!(
        alice["preferredDeviceBefore"],
        encode(NodeType::Device, soft.id).0
    );
    assert_eq!(
        alice["preferredDeviceAfter"],
        encode(NodeType::Device, cast.user_device.id).0
    );
    let run = "mutation($dry: Boolean!) { runChorusUpgrade(input: { dryRun: $dry }) { affectedCount devicesDisabled userErrors { reason } } }";
    let r = app
        .graphql(run)
        .vars(json!({ "dry": false }))
        .as_(&app.token("cora").await)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let dry = gql(app, &admin, run, json!({ "dry": true })).await;
    assert_eq!(dry["runChorusUpgrade"]["devicesDisabled"], 2);
    let real = gql(app, &admin, run, json!({ "dry": false })).await;
    assert_eq!(real["runChorusUpgrade"]["affectedCount"], 2);
    let db = app.db();
    for d in [soft.id, app_device.id] {
        let d = device::Entity::find_by_id(d)
            .one(db)
            .await
            .expect("q")
            .expect("d");
        assert_eq!(d.status, DeviceStatus::Disabled);
    }
    let p = person::Entity::find_by_id(cast.user.id)
        .one(db)
        .await
        .expect("q")
        .expect("p");
    assert_eq!(p.preferred_device_id, Some(cast.user_device.id));
    let again = gql(app, &admin, run, json!({ "dry": false })).await;
    assert_eq!(
        again["runChorusUpgrade"]["affectedCount"], 0,
        "nothing left to take"
    );
    // From now on a softphone cannot come back on Chorus; a desk phone still can.
    let run = gql(
        app,
        &admin,
        "{ chorusUpgrade { ranBy people devices } }",
        json!({}),
    )
    .await;
    assert_eq!(run["chorusUpgrade"]["ranBy"], "ada");
    let status = "mutation($d: ID!, $s: DeviceStatus!) { setDeviceStatus(input: { deviceId: $d, status: $s }) { device { status } userErrors { code message } } }";
    let r = gql(
        app,
        &admin,
        status,
        json!({ "d": encode(NodeType::Device, soft.id).0, "s": "ACTIVE" }),
    )
    .await;
    assert_eq!(
        r["setDeviceStatus"]["userErrors"][0]["code"], "RULE_VIOLATION",
        "{r:#}"
    );
    gql(
        app,
        &admin,
        status,
        json!({ "d": encode(NodeType::Device, cast.user_device.id).0, "s": "DISABLED" }),
    )
    .await;
    let r = gql(
        app,
        &admin,
        status,
        json!({ "d": encode(NodeType::Device, cast.user_device.id).0, "s": "ACTIVE" }),
    )
    .await;
    assert_eq!(r["setDeviceStatus"]["device"]["status"], "ACTIVE", "{r:#}");
}

// ---------------------------------------------------------------------------------------------
// The seed's 2022 plan, end to end

struct Generated {
    /// Person id → (unit kind, in a separate-tenant unit).
    people: BTreeMap<Uuid, (UnitKind, bool)>,
    /// Hunt groups' member lists.
    groups: Vec<Vec<Uuid>>,
}

/// Generates units of each kind (one with a separate Teams instance), people with a line and
/// a desk phone each, softphones for everyone, and hunt groups of 2–4 within a unit.
async fn generate(app: &TestApp, per_kind: &[(UnitKind, usize)]) -> Generated {
    let db = app.db();
    let now = Utc::now();
    let mut out = Generated {
        people: BTreeMap::new(),
        groups: vec![],
    };
    let mut n = 0u32;
    for (k, (kind, count)) in per_kind.iter().enumerate() {
        for separate in [false, true] {
            let size = if separate { 5 } else { *count };
            let unit = entity::unit::ActiveModel {
                id: Set(Uuid::now_v7()),
                code: Set(format!("G{k}{}", u8::from(separate))),
                name: Set(format!("Generated {k} {separate}")),
                kind: Set(*kind),
                teams_tenant: Set(if separate {
                    TeamsTenant::Separate
                } else {
                    TeamsTenant::Main
                }),
                created_at: Set(now),
                parent_id: Set(None),
            }
            .insert(db)
            .await
            .expect("unit");
            let mut people = Vec::new();
            let mut lines = Vec::new();
            let mut devices = Vec::new();
            let mut ids = Vec::new();
            for _ in 0..size {
                n += 1;
                let id = Uuid::now_v7();
                ids.push(id);
                let name = format!("Gen Person {n}");
                people.push(person::ActiveModel {
                    id: Set(id),
                    username: Set(format!("gen{n}")),
                    display_name: Set(name.clone()),
                    search_name: Set(name.to_lowercase()),
                    email: Set(format!("gen{n}@example.ox.ac.uk")),
                    unit_id: Set(unit.id),
                    job_title: Set(None),
                    directory_status: Set(DirectoryStatus::Listed),
                    platform: Set(Platform::Chorus),
                    preferred_device_id: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(0),
                    external_id: Set(None),
                });
                let line_id = Uuid::now_v7();
                lines.push(line::ActiveModel {
                    id: Set(line_id),
                    e164: Set(format!("+4418657{n:05}")),
                    extension: Set(format!("7{n:05}")),
                    kind: Set(LineKind::Personal),
                    owner_id: Set(Some(id)),
                    unit_id: Set(unit.id),
                    label: Set(None),
                    dialling_permission: Set(DiallingPermission::National),
                    created_at: Set(now),
                    version: Set(0),
                    quarantined_until: Set(None),
                });
                for kind in [DeviceKind::DeskPhone, DeviceKind::Softphone] {
                    devices.push(device::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        kind: Set(kind),
                        label: Set(format!("{kind:?}")),
                        model: Set(None),
                        owner_id: Set(id),
                        line_id: Set(Some(line_id)),
                        status: Set(DeviceStatus::Active),
                        last_used_at: Set(None),
                        created_at: Set(now),
                        version: Set(0),
                    });
                }
                out.people.insert(id, (*kind, separate));
            }
            for chunk in people.chunks(200) {
                person::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(db)
                    .await
                    .expect("people");
            }
            for chunk in lines.chunks(200) {
                line::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(db)
                    .await
                    .expect("lines");
            }
            for chunk in devices.chunks(200) {
                device::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(db)
                    .await
                    .expect("devices");
            }
            if separate {
                continue;
            }
            // Hunt groups over a fifth of the unit: sizes 2, 3, 4 in turn.
            let mut i = 0;
            let mut g = 0usize;
            while i + 4 < ids.len() / 5 {
                let size = 2 + g % 3;
                let members: Vec<Uuid> = ids[i..i + size].to_vec();
                i += size;
                g += 1;
                let pilot = line::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    e164: Set(format!("+4418658{:05}", n * 10 + g as u32)),
                    extension: Set(format!("8{:05}", n * 10 + g as u32)),
                    kind: Set(LineKind::Shared),
                    owner_id: Set(None),
                    unit_id: Set(unit.id),
                    label: Set(Some("Office".into())),
                    dialling_permission: Set(DiallingPermission::National),
                    created_at: Set(now),
                    version: Set(0),
                    quarantined_until: Set(None),
                }
                .insert(db)
                .await
                .expect("pilot");
                let group = hunt_group::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    name: Set(format!("Office {k}-{g}")),
                    pilot_line_id: Set(pilot.id),
                    unit_id: Set(unit.id),
                    strategy: Set(HuntStrategy::Simultaneous),
                    platform: Set(Platform::Chorus),
                    no_answer_kind: Set(FallbackKind::Voicemail),
                    no_answer_target: Set(None),
                    created_at: Set(now),
                    version: Set(0),
                }
                .insert(db)
                .await
                .expect("group");
                for (pos, m) in members.iter().enumerate() {
                    hunt_group_member::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        group_id: Set(group.id),
                        person_id: Set(*m),
                        position: Set(pos as i32 + 1),
                        ring_seconds: Set(15),
                        opted_out: Set(false),
                    }
                    .insert(db)
                    .await
                    .expect("member");
                }
                out.groups.push(members);
            }
        }
    }
    out
}

#[tokio::test]
async fn the_2022_plan_replays_end_to_end() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let _ = cast;
    // Seed figures: pilot 50; college 250 and UAS 340; departmental 550; late requests.
    let generated = generate(
        &app,
        &[
            (UnitKind::College, 280),
            (UnitKind::UasDivision, 340),
            (UnitKind::Department, 560),
        ],
    )
    .await;
    let admin = app.token("ada").await;
    let db = app.db();
    set_pool(&app, 1_500).await;
    // Tranches, as in the seed: the same weekdays, shifted to come.
    let base = monday_after(28);
    let pilot = create_tranche(&app, 1, "PILOT", base, 50).await;
    let college = create_tranche(&app, 2, "COLLEGE", base + Duration::days(14), 250).await;
    let uas = create_tranche(&app, 3, "UAS", base + Duration::days(14), 340).await;
    let departmental =
        create_tranche(&app, 4, "DEPARTMENTAL", base + Duration::days(21), 550).await;
    let late = create_tranche(&app, 5, "LATE", base + Duration::days(28), 200).await;
    let tranche_ids = [&pilot, &college, &uas, &departmental, &late];

    // Everyone is nominated; the separate-tenant people too (they must not move).
    let deadline = (Utc::now() + Duration::days(10)).to_rfc3339();
    gql(
        &app,
        &admin,
        "mutation($d: DateTime!) { createNominationRound(input: { name: \"2022\", deadline: $d }) { round { id } } }",
        json!({ "d": deadline }),
    )
    .await;
    let all: Vec<Uuid> = generated.people.keys().copied().collect();
    let answer = "mutation($a: [NominationAnswerInput!]!) { answerNominations(input: { answers: $a }) { results { outcome } } }";
    // The last 30 departmental people answer after the deadline.
    let late_people: Vec<Uuid> = all
        .iter()
        .copied()
        .filter(|p| generated.people[p] == (UnitKind::Department, false))
        .rev()
        .take(30)
        .collect();
    let on_time: Vec<Value> = all
        .iter()
        .filter(|p| !late_people.contains(p))
        .map(|p| json!({ "personId": pid(*p), "answer": "NOMINATE" }))
        .collect();
    gql(&app, &admin, answer, json!({ "a": on_time })).await;
    db.execute_unprepared("UPDATE nomination_round SET deadline = created_at")
        .await
        .expect("deadline passes");
    let late_answers: Vec<Value> = late_people
        .iter()
        .map(|p| json!({ "personId": pid(*p), "answer": "NOMINATE" }))
        .collect();
    gql(&app, &admin, answer, json!({ "a": late_answers })).await;
    // Licences for everyone eligible; the blocked are refused.
    let ids: Vec<String> = all.iter().map(|p| pid(*p)).collect();
    let licences = gql(&app, &admin, ASSIGN, json!({ "ids": ids, "dry": false })).await;
    let refused: Vec<&Value> = licences["assignTeamsLicences"]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["outcome"] == "REFUSED")
        .collect();
    assert!(
        refused
            .iter()
            .all(|r| r["reason"] == "BLOCKED" || r["reason"] == "POOL_EXHAUSTED"),
        "{refused:?}"
    );
    assert!(refused.iter().filter(|r| r["reason"] == "BLOCKED").count() >= 15);
    // The pilot: 50 college people placed by hand (whole sets: singletons from the end).
    let singles: Vec<Uuid> = all
        .iter()
        .copied()
        .filter(|p| generated.people[p] == (UnitKind::College, false))
        .filter(|p| !generated.groups.iter().any(|g| g.contains(p)))
        .rev()
        .take(50)
        .collect();
    let place = r#"mutation($t: ID!, $ids: [ID!]!) { assignToTranche(input: { trancheId: $t, personIds: $ids }) { sets { placed reason } userErrors { reason } } }"#;
    let r = gql(
        &app,
        &admin,
        place,
        json!({ "t": pilot, "ids": singles.iter().map(|p| pid(*p)).collect::<Vec<_>>() }),
    )
    .await;
    assert!(
        r["assignToTranche"]["sets"]
            .as_array()
            .expect("sets")
            .iter()
            .all(|s| s["placed"] == true),
        "{r:#}"
    );
    // The planner places the rest.
    let plan = "mutation($dry: Boolean!) { planTranches(input: { dryRun: $dry }) { placedCount placements { trancheId memberIds overflow } unplaced { memberIds reason } } }";
    let dry = gql(&app, &admin, plan, json!({ "dry": true })).await;
    let real = gql(&app, &admin, plan, json!({ "dry": false })).await;
    assert_eq!(
        dry["planTranches"]["placedCount"],
        real["planTranches"]["placedCount"]
    );
    let placed = real["planTranches"]["placedCount"].as_i64().unwrap_or(0);
    assert!(placed > 1_000, "placed {placed}: {real:#}");
    // Capacity holds, no set is split, late answers only in LATE, blocked people nowhere.
    let members = tranche_member::Entity::find()
        .all(db)
        .await
        .expect("members");
    let tranche_of: BTreeMap<Uuid, Uuid> = members
        .iter()
        .map(|m| (m.person_id, m.tranche_id))
        .collect();
    let tranches = entity::tranche::Entity::find()
        .all(db)
        .await
        .expect("tranches");
    for t in &tranches {
        let n = members.iter().filter(|m| m.tranche_id == t.id).count();
        assert!(
            n <= t.capacity as usize,
            "tranche {} holds {n} > {}",
            t.number,
            t.capacity
        );
    }
    for g in &generated.groups {
        let placed: BTreeSet<Option<&Uuid>> = g.iter().map(|p| tranche_of.get(p)).collect();
        assert_eq!(placed.len(), 1, "a set was split: {g:?}");
    }
    let late_tranche = tranches.iter().find(|t| t.number == 5).expect("late");
    for p in &late_people {
        if let Some(t) = tranche_of.get(p) {
            assert_eq!(*t, late_tranche.id, "a late answer outside LATE");
        }
    }
    for (p, (_, separate)) in &generated.people {
        if *separate {
            assert!(!tranche_of.contains_key(p), "a blocked person was placed");
        }
    }

    // The calendar runs: each day the sender goes, tranches freeze and move on their day.
    let today = Utc::now().date_naive();
    let last = base + Duration::days(28);
    let mut day = today;
    while day <= last {
        chorus::services::cutover::notify::send_due(db, &Default::default(), day, Utc::now())
            .await
            .expect("send");
        for t in &tranches {
            if t.move_date == day {
                let id = encode(NodeType::Tranche, t.id).0;
                gql(&app, &admin, "mutation($t: ID!) { updateTranche(input: { id: $t, state: FROZEN }) { userErrors { reason } } }", json!({ "t": id })).await;
                let r = gql(&app, &admin, "mutation($t: ID!) { executeTranche(input: { trancheId: $t }) { peopleMoved tranche { state } sets { moved reason message } userErrors { reason } } }", json!({ "t": id })).await;
                assert_eq!(r["executeTranche"]["tranche"]["state"], "DONE", "{r:#}");
            }
        }
        day += Duration::days(1);
    }
    let _ = tranche_ids;
    // Every countdown was sent once, on its day; three per placed person.
    let notices = notification::Entity::find().all(db).await.expect("notices");
    assert!(!notices.is_empty());
    let mut per: BTreeMap<(Uuid, String), usize> = BTreeMap::new();
    for n in &notices {
        assert!(n.sent_at.is_some(), "unsent: {n:?}");
        assert_eq!(n.payload["sentFor"], json!(n.due_on), "sent on another day");
        *per.entry((n.person_id, format!("{:?}", n.kind)))
            .or_default() += 1;
    }
    assert!(per.values().all(|c| *c == 1));
    assert_eq!(notices.len(), tranche_of.len() * 3);
    // Every placed person moved, desk phone disabled, number kept; no one blocked moved.
    let people = person::Entity::find().all(db).await.expect("people");
    let lines = line::Entity::find().all(db).await.expect("lines");
    let devices = device::Entity::find().all(db).await.expect("devices");
    for p in people
        .iter()
        .filter(|p| generated.people.contains_key(&p.id))
    {
        let placed = tranche_of.contains_key(&p.id);
        assert_eq!(p.platform == Platform::Teams, placed, "{}", p.username);
        if placed {
            assert!(
                devices
                    .iter()
                    .filter(|d| d.owner_id == p.id && d.kind == DeviceKind::DeskPhone)
                    .all(|d| d.status == DeviceStatus::Disabled)
            );
            assert_eq!(
                lines.iter().filter(|l| l.owner_id == Some(p.id)).count(),
                1,
                "number kept"
            );
        }
    }
    let pool = licence_pool::Entity::find()
        .one(db)
        .await
        .expect("q")
        .expect("pool");
    let assigned = licence_assignment::Entity::find()
        .count(db)
        .await
        .expect("count");
    assert!(assigned as i32 <= pool.capacity);
    assert_eq!(assigned as i32, pool.assigned_count);
    let moved = people
        .iter()
        .filter(|p| p.platform == Platform::Teams)
        .count();
    assert_eq!(moved, tranche_of.len(), "exactly the placed people moved");
}

/// A minimal SMTP relay that keeps every message it is given.
async fn smtp_sink() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = got.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (r, mut w) = socket.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                let (mut data, mut message) = (false, String::new());
                while let Ok(Some(line)) = lines.next_line().await {
                    if data {
                        if line == "." {
                            if let Ok(mut k) = kept.lock() {
                                k.push(std::mem::take(&mut message));
                            }
                            data = false;
                            let _ = w.write_all(b"250 queued\r\n").await;
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line.to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("DATA") {
                        data = true;
                        b"354 go ahead\r\n"
                    } else if verb.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    (addr, got)
}

#[tokio::test]
async fn countdown_emails_go_to_the_relay_and_the_mail_directory() {
    let g = setup().await;
    let (app, cast) = (&g.app, &g.cast);
    let admin = app.token("ada").await;
    set_pool(app, 10).await;
    let (alice, hugo) = (pid(cast.user.id), pid(cast.hidden.id));
    gql(
        app,
        &admin,
        ASSIGN,
        json!({ "ids": [alice, hugo], "dry": false }),
    )
    .await;
    let move_date = monday_after(28);
    let t = create_tranche(app, 2, "COLLEGE", move_date, 10).await;
    gql(
        app,
        &admin,
        r#"mutation($t: ID!, $ids: [ID!]!) { assignToTranche(input: { trancheId: $t, personIds: $ids }) { sets { placed } } }"#,
        json!({ "t": t, "ids": [alice, hugo] }),
    )
    .await;
    let day = move_date - Duration::days(21);
    let dir = tempfile::tempdir().expect("dir");
    let send = |delivery: chorus::services::cutover::notify::Delivery, at| async move {
        chorus::services::cutover::notify::send_due(app.db(), &delivery, day, at)
            .await
            .expect("send")
    };
    // The relay is down: nothing is marked sent.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dead = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let down = chorus::services::cutover::notify::Delivery {
        smtp_relay: Some(dead),
        ..Default::default()
    };
    assert_eq!(send(down, Utc::now()).await, 0);
    // Up again; once the first claims are stale the e-mails go out, to both places.
    let (relay, got) = smtp_sink().await;
    let up = chorus::services::cutover::notify::Delivery {
        smtp_relay: Some(relay),
        mail_dir: Some(dir.path().to_path_buf()),
        from: String::new(),
    };
    assert_eq!(send(up.clone(), Utc::now()).await, 0, "claims still fresh");
    assert_eq!(send(up, Utc::now() + Duration::minutes(11)).await, 2);
    let messages = got.lock().map(|m| m.clone()).unwrap_or_default();
    assert_eq!(messages.len(), 2);
    assert!(
        messages
            .iter()
            .all(|m| m.contains("Subject: Telephony over Teams: 3 weeks to go"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("To: alice@example.ox.ac.uk"))
    );
    let files = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|f| f.path().extension().is_some_and(|e| e == "eml"))
        .count();
    assert_eq!(files, 2);
}

//! Hunt, pickup and executive-assistant groups through the router: each rule, permissions,
//! optimistic versions, and the audit trail.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures, fixtures::Cast};
use chrono::Utc;
use entity::{
    audit_event, ea_group, ea_group_member, enums::*, hunt_group, hunt_group_member, line, person,
    pickup_group, pickup_group_member,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

/// The cast plus a Teams colleague of Alice's in Balliol, a hunt group (Alice, Hugo), a pickup
/// group (Alice) and an EA group (Alice manages, Hugo assists).
pub(crate) struct Groups {
    pub(crate) app: TestApp,
    pub(crate) cast: Cast,
    pub(crate) teams: person::Model,
    pub(crate) hunt: Uuid,
    pub(crate) pickup: Uuid,
    pub(crate) ea: Uuid,
}

pub(crate) async fn shared_line(app: &TestApp, unit: Uuid, n: u32) -> line::Model {
    line::ActiveModel {
        id: Set(Uuid::now_v7()),
        e164: Set(format!("+44186528{n:04}")),
        extension: Set(format!("8{n:04}")),
        kind: Set(LineKind::Shared),
        owner_id: Set(None),
        unit_id: Set(unit),
        label: Set(Some("Lodge".into())),
        dialling_permission: Set(DiallingPermission::National),
        created_at: Set(Utc::now()),
        version: Set(0),
        quarantined_until: Set(None),
    }
    .insert(app.db())
    .await
    .expect("line")
}

pub(crate) async fn setup() -> Groups {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let db = app.db();
    let (teams, _, _) = fixtures::person(
        db,
        fixtures::NewPerson {
            username: "tess",
            display_name: "Tess Teams",
            unit_id: cast.college.id,
            ex_directory: false,
        },
    )
    .await;
    let mut active: person::ActiveModel = teams.clone().into();
    active.platform = Set(Platform::Teams);
    let teams = active.update(db).await.expect("teams");
    let now = Utc::now();
    let pilot = shared_line(&app, cast.college.id, 1).await;
    let hunt = hunt_group::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set("Lodge".into()),
        pilot_line_id: Set(pilot.id),
        unit_id: Set(cast.college.id),
        strategy: Set(HuntStrategy::Sequential),
        platform: Set(Platform::Chorus),
        no_answer_kind: Set(FallbackKind::Voicemail),
        no_answer_target: Set(None),
        created_at: Set(now),
        version: Set(0),
    }
    .insert(db)
    .await
    .expect("hunt group");
    for (i, p) in [cast.user.id, cast.hidden.id].iter().enumerate() {
        hunt_group_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            group_id: Set(hunt.id),
            person_id: Set(*p),
            position: Set(i as i32 + 1),
            ring_seconds: Set(15),
            opted_out: Set(false),
        }
        .insert(db)
        .await
        .expect("member");
    }
    let pickup = pickup_group::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set("Staircase 4".into()),
        unit_id: Set(cast.college.id),
        created_at: Set(now),
        version: Set(0),
    }
    .insert(db)
    .await
    .expect("pickup");
    pickup_group_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        group_id: Set(pickup.id),
        person_id: Set(cast.user.id),
    }
    .insert(db)
    .await
    .expect("pickup member");
    let ea = ea_group::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set("Master's office".into()),
        unit_id: Set(cast.college.id),
        platform: Set(Platform::Chorus),
        created_at: Set(now),
        version: Set(0),
    }
    .insert(db)
    .await
    .expect("ea");
    for (p, role) in [
        (cast.user.id, EaRole::Manager),
        (cast.hidden.id, EaRole::Assistant),
    ] {
        ea_group_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            group_id: Set(ea.id),
            person_id: Set(p),
            role: Set(role),
            divert_enabled: Set(role == EaRole::Manager),
        }
        .insert(db)
        .await
        .expect("ea member");
    }
    Groups {
        app,
        cast,
        teams,
        hunt: hunt.id,
        pickup: pickup.id,
        ea: ea.id,
    }
}

fn pid(id: Uuid) -> String {
    encode(NodeType::Person, id).0
}

async fn audit_actions(app: &TestApp, subject: Uuid) -> Vec<String> {
    audit_event::Entity::find()
        .filter(audit_event::Column::SubjectId.eq(subject.to_string()))
        .all(app.db())
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

const HUNT: &str = "huntGroup { version strategy platform noAnswer { kind target }
  members { position ringSeconds optedOut person { username } } }
  userErrors { field code message reason }";

async fn hunt(g: &Groups, token: &str, mutation: &str, input: Value) -> Value {
    let q = format!(
        "mutation($i: {}Input!) {{ {mutation}(input: $i) {{ {HUNT} }} }}",
        pascal(mutation)
    );
    let r = g
        .app
        .graphql(&q)
        .vars(json!({ "i": input }))
        .as_(token)
        .send()
        .await
        .ok();
    r.data(&format!("/{mutation}")).clone()
}

/// `addHuntGroupMember` → `AddHuntGroupMember`.
fn pascal(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn usernames(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| m["person"]["username"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn hunt_groups_keep_their_rules() {
    let g = setup().await;
    let cora = g.app.token("cora").await;
    let gid = encode(NodeType::HuntGroup, g.hunt).0;
    // Add the coordinator herself at the front, with a ring time.
    let r = hunt(&g, &cora, "addHuntGroupMember",
        json!({ "groupId": gid, "personId": pid(g.cast.coordinator.id), "ringSeconds": 20, "position": 1 })).await;
    assert_eq!(r["userErrors"], json!([]), "{r:#}");
    assert_eq!(usernames(&r["huntGroup"]), ["cora", "alice", "hugo"]);
    assert_eq!(r["huntGroup"]["version"], 1);
    // Refusals, each with its code, nothing changed.
    let cases = [
        (
            "addHuntGroupMember",
            json!({ "groupId": gid, "personId": pid(g.cast.user.id) }),
            "DUPLICATE",
        ),
        (
            "addHuntGroupMember",
            json!({ "groupId": gid, "personId": pid(g.teams.id) }),
            "RULE_VIOLATION",
        ),
        // Nobody, or somebody outside Cora's units: the same answer (tests/it/reach.rs).
        (
            "addHuntGroupMember",
            json!({ "groupId": gid, "personId": pid(Uuid::now_v7()) }),
            "NOT_ALLOWED",
        ),
        (
            "addHuntGroupMember",
            json!({ "groupId": gid, "personId": pid(g.cast.admin.id), "ringSeconds": 500 }),
            "INVALID",
        ),
        (
            "reorderHuntGroup",
            json!({ "groupId": gid, "personIds": [pid(g.cast.user.id)] }),
            "INVALID",
        ),
        (
            "removeHuntGroupMember",
            json!({ "groupId": gid, "personId": pid(g.cast.admin.id) }),
            "NOT_FOUND",
        ),
        (
            "updateHuntGroup",
            json!({ "groupId": gid, "noAnswer": { "kind": "HUNT_GROUP", "target": gid } }),
            "RULE_VIOLATION",
        ),
        (
            "updateHuntGroup",
            json!({ "groupId": gid, "noAnswer": { "kind": "NUMBER", "target": "call me" } }),
            "INVALID",
        ),
        (
            "updateHuntGroup",
            json!({ "groupId": gid, "strategy": "SIMULTANEOUS", "expectedVersion": 0 }),
            "CONFLICT",
        ),
    ];
    for (mutation, input, code) in cases {
        let r = hunt(&g, &cora, mutation, input.clone()).await;
        assert_eq!(
            r["userErrors"][0]["code"], code,
            "{mutation} {input}: {r:#}"
        );
        assert_eq!(r["huntGroup"], Value::Null);
    }
    // The rule behind a refusal, for scripts.
    let r = hunt(
        &g,
        &cora,
        "addHuntGroupMember",
        json!({ "groupId": gid, "personId": pid(g.teams.id) }),
    )
    .await;
    assert_eq!(r["userErrors"][0]["reason"], "PLATFORM_MISMATCH", "{r:#}");
    // Reorder, ring time, strategy and destination.
    let order = json!([
        pid(g.cast.hidden.id),
        pid(g.cast.user.id),
        pid(g.cast.coordinator.id)
    ]);
    let r = hunt(
        &g,
        &cora,
        "reorderHuntGroup",
        json!({ "groupId": gid, "personIds": order }),
    )
    .await;
    assert_eq!(
        usernames(&r["huntGroup"]),
        ["hugo", "alice", "cora"],
        "{r:#}"
    );
    let r = hunt(
        &g,
        &cora,
        "updateHuntGroup",
        json!({ "groupId": gid, "strategy": "SIMULTANEOUS",
        "noAnswer": { "kind": "NUMBER", "target": "01865 270000" }, "expectedVersion": 2 }),
    )
    .await;
    assert_eq!(r["huntGroup"]["strategy"], "SIMULTANEOUS", "{r:#}");
    assert_eq!(
        r["huntGroup"]["noAnswer"],
        json!({ "kind": "NUMBER", "target": "+441865270000" })
    );
    // Remove down to one member; the last one stays.
    for p in [g.cast.hidden.id, g.cast.coordinator.id] {
        let r = hunt(
            &g,
            &cora,
            "removeHuntGroupMember",
            json!({ "groupId": gid, "personId": pid(p) }),
        )
        .await;
        assert_eq!(r["userErrors"], json!([]), "{r:#}");
    }
    let r = hunt(
        &g,
        &cora,
        "removeHuntGroupMember",
        json!({ "groupId": gid, "personId": pid(g.cast.user.id) }),
    )
    .await;
    assert_eq!(r["userErrors"][0]["code"], "RULE_VIOLATION", "{r:#}");
    assert!(
        r["userErrors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("without members")
    );
    let actions = audit_actions(&g.app, g.hunt).await;
    assert_eq!(
        actions,
        [
            "hunt_group.member.add",
            "hunt_group.member.reorder",
            "hunt_group.update",
            "hunt_group.member.remove",
            "hunt_group.member.remove"
        ]
    );
}

#[tokio::test]
async fn members_opt_themselves_out_and_strangers_change_nothing() {
    let g = setup().await;
    let gid = encode(NodeType::HuntGroup, g.hunt).0;
    let alice = g.app.token("alice").await;
    let r = hunt(
        &g,
        &alice,
        "setHuntGroupOptOut",
        json!({ "groupId": gid, "optedOut": true }),
    )
    .await;
    assert_eq!(r["huntGroup"]["members"][0]["optedOut"], true, "{r:#}");
    // Alice may not opt Hugo out, nor add anyone; Otto coordinates another unit.
    let r = hunt(
        &g,
        &alice,
        "setHuntGroupOptOut",
        json!({ "groupId": gid, "personId": pid(g.cast.hidden.id), "optedOut": true }),
    )
    .await;
    assert_eq!(r["userErrors"][0]["code"], "NOT_ALLOWED", "{r:#}");
    let otto = g.app.token("otto").await;
    let r = hunt(
        &g,
        &otto,
        "addHuntGroupMember",
        json!({ "groupId": gid, "personId": pid(g.cast.other_coordinator.id) }),
    )
    .await;
    assert_eq!(r["userErrors"][0]["code"], "NOT_ALLOWED", "{r:#}");
    // Who sees the group: members, its coordinator, admins; not Otto.
    for (who, sees) in [
        ("alice", true),
        ("cora", true),
        ("ada", true),
        ("otto", false),
    ] {
        let token = g.app.token(who).await;
        let r = g
            .app
            .graphql(
                "query($id: ID!) { huntGroup(id: $id) { name canManage } huntGroups { name } node(id: $id) { id } }",
            )
            .vars(json!({ "id": gid }))
            .as_(&token)
            .send()
            .await
            .ok();
        assert_eq!(r.data("/huntGroup/name").is_string(), sees, "{who}");
        assert_eq!(r.data("/node/id").is_string(), sees, "{who}");
        assert_eq!(
            r.data("/huntGroups").as_array().map(Vec::len),
            Some(usize::from(sees)),
            "{who}"
        );
    }
}

#[tokio::test]
async fn concurrent_edits_of_one_group_lose_nothing() {
    let g = setup().await;
    let gid = encode(NodeType::HuntGroup, g.hunt).0;
    let cora = g.app.token("cora").await;
    // Eight coordinators' windows change ring times of the same group at once, each without
    // expectedVersion: each change either lands or is refused with CONFLICT, and the version
    // counts exactly the changes that landed.
    let mut calls = Vec::new();
    for n in 0..8 {
        let person = if n % 2 == 0 {
            g.cast.user.id
        } else {
            g.cast.hidden.id
        };
        calls.push(hunt(
            &g,
            &cora,
            "setHuntGroupMemberRingTime",
            json!({ "groupId": gid, "personId": pid(person), "ringSeconds": 10 + n }),
        ));
    }
    let results = futures_util::future::join_all(calls).await;
    let landed = results
        .iter()
        .filter(|r| r["userErrors"] == json!([]))
        .count();
    let conflicts = results
        .iter()
        .filter(|r| r["userErrors"][0]["code"] == "CONFLICT")
        .count();
    assert_eq!(landed + conflicts, 8, "{results:#?}");
    assert!(landed >= 1);
    let version = hunt_group::Entity::find_by_id(g.hunt)
        .one(g.app.db())
        .await
        .expect("db")
        .expect("group")
        .version;
    assert_eq!(version as usize, landed);
}

const PICKUP: &str =
    "pickupGroup { featureCode members { username } version } userErrors { field code message }";

#[tokio::test]
async fn pickup_groups_take_chorus_desk_phones_only() {
    let g = setup().await;
    let gid = encode(NodeType::PickupGroup, g.pickup).0;
    let cora = g.app.token("cora").await;
    let add = |p: Uuid| {
        g.app
            .graphql(&format!("mutation($i: PickupGroupMemberInput!) {{ addPickupGroupMember(input: $i) {{ {PICKUP} }} }}"))
            .vars(json!({ "i": { "groupId": gid, "personId": pid(p) } }))
            .as_(&cora)
            .send()
    };
    let r = add(g.teams.id).await.ok();
    assert_eq!(
        r.data("/addPickupGroupMember/userErrors/0/code"),
        "RULE_VIOLATION"
    );
    assert!(
        r.data("/addPickupGroupMember/userErrors/0/message")
            .as_str()
            .unwrap_or("")
            .contains("Teams")
    );
    let r = add(g.cast.user.id).await.ok();
    assert_eq!(
        r.data("/addPickupGroupMember/userErrors/0/code"),
        "DUPLICATE"
    );
    let r = add(g.cast.hidden.id).await.ok();
    assert_eq!(
        r.data("/addPickupGroupMember/pickupGroup/featureCode"),
        "**3"
    );
    assert_eq!(
        r.data("/addPickupGroupMember/pickupGroup/members")
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        audit_actions(&g.app, g.pickup).await,
        ["pickup_group.member.add"]
    );
}

const EA: &str = "eaGroup { mode whitelistActive managers { divertEnabled whitelist { number label } person { username } }
  assistants { username } version } userErrors { field code message }";

async fn ea(g: &Groups, token: &str, mutation: &str, input: Value) -> Value {
    let ty = match mutation {
        "addEaWhitelistEntry" | "removeEaWhitelistEntry" => "EaWhitelistInput".to_owned(),
        m => format!("{}Input", pascal(m)),
    };
    let q = format!("mutation($i: {ty}!) {{ {mutation}(input: $i) {{ {EA} }} }}");
    let r = g
        .app
        .graphql(&q)
        .vars(json!({ "i": input }))
        .as_(token)
        .send()
        .await
        .ok();
    r.data(&format!("/{mutation}")).clone()
}

#[tokio::test]
async fn executive_assistant_groups_and_whitelists() {
    let g = setup().await;
    let gid = encode(NodeType::EaGroup, g.ea).0;
    let alice = g.app.token("alice").await;
    let cora = g.app.token("cora").await;
    // The manager edits her own whitelist and divert.
    let r = ea(
        &g,
        &alice,
        "addEaWhitelistEntry",
        json!({ "groupId": gid, "number": "020 7946 0001", "label": "Chancellor" }),
    )
    .await;
    assert_eq!(
        r["eaGroup"]["managers"][0]["whitelist"],
        json!([{ "number": "+442079460001", "label": "Chancellor" }]),
        "{r:#}"
    );
    for (number, code) in [
        ("not a number", "INVALID"),
        ("+44 20 7946 0001", "DUPLICATE"),
    ] {
        let r = ea(
            &g,
            &alice,
            "addEaWhitelistEntry",
            json!({ "groupId": gid, "number": number }),
        )
        .await;
        assert_eq!(r["userErrors"][0]["code"], code, "{number}: {r:#}");
    }
    let r = ea(
        &g,
        &alice,
        "setEaDivert",
        json!({ "groupId": gid, "enabled": false }),
    )
    .await;
    assert_eq!(r["eaGroup"]["managers"][0]["divertEnabled"], false, "{r:#}");
    // Only coordinators change membership; a manager cannot be her own assistant; the Teams
    // colleague cannot join a Chorus group; the last assistant stays.
    let r = ea(
        &g,
        &alice,
        "addEaGroupMember",
        json!({ "groupId": gid, "personId": pid(g.cast.coordinator.id), "role": "ASSISTANT" }),
    )
    .await;
    assert_eq!(r["userErrors"][0]["code"], "NOT_ALLOWED", "{r:#}");
    let cases = [
        (
            json!({ "groupId": gid, "personId": pid(g.cast.user.id), "role": "ASSISTANT" }),
            "RULE_VIOLATION",
        ),
        (
            json!({ "groupId": gid, "personId": pid(g.teams.id), "role": "ASSISTANT" }),
            "RULE_VIOLATION",
        ),
    ];
    for (input, code) in cases {
        let r = ea(&g, &cora, "addEaGroupMember", input.clone()).await;
        assert_eq!(r["userErrors"][0]["code"], code, "{input}: {r:#}");
    }
    let r = ea(
        &g,
        &cora,
        "removeEaGroupMember",
        json!({ "groupId": gid, "personId": pid(g.cast.hidden.id) }),
    )
    .await;
    assert_eq!(r["userErrors"][0]["code"], "RULE_VIOLATION", "{r:#}");
    let r = ea(
        &g,
        &cora,
        "addEaGroupMember",
        json!({ "groupId": gid, "personId": pid(g.cast.coordinator.id), "role": "ASSISTANT" }),
    )
    .await;
    assert_eq!(
        r["eaGroup"]["assistants"].as_array().map(Vec::len),
        Some(2),
        "{r:#}"
    );
    assert_eq!(r["eaGroup"]["mode"], "EXECUTIVE_ASSISTANT");
    // On Teams it is delegation: the whitelist is kept but inactive, and the API says so.
    let mut active: ea_group::ActiveModel = ea_group::Entity::find_by_id(g.ea)
        .one(g.app.db())
        .await
        .expect("db")
        .expect("group")
        .into();
    active.platform = Set(Platform::Teams);
    active.update(g.app.db()).await.expect("teams");
    let r = g.app
        .graphql("query($id: ID!) { eaGroup(id: $id) { mode whitelistActive managers { whitelist { number } } } }")
        .vars(json!({ "id": gid }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/eaGroup/mode"), "DELEGATION");
    assert_eq!(r.data("/eaGroup/whitelistActive"), false);
    assert_eq!(
        r.data("/eaGroup/managers/0/whitelist/0/number"),
        "+442079460001"
    );
    assert_eq!(
        audit_actions(&g.app, g.ea).await,
        [
            "ea_group.whitelist.add",
            "ea_group.divert",
            "ea_group.member.add"
        ]
    );
}

#[tokio::test]
async fn coordinators_create_and_delete_groups() {
    let g = setup().await;
    let cora = g.app.token("cora").await;
    let otto = g.app.token("otto").await;
    let unit = encode(NodeType::Unit, g.cast.college.id).0;
    let free = shared_line(&g.app, g.cast.college.id, 9).await;
    let line_id = encode(NodeType::Line, free.id).0;
    const CREATE: &str = "mutation($i: CreateHuntGroupInput!) { createHuntGroup(input: $i) {
      huntGroup { id name platform strategy members { position ringSeconds person { username } } }
      userErrors { field code message } } }";
    let create = |token: &str, input: Value| {
        let token = token.to_owned();
        let app = &g.app;
        async move {
            app.graphql(CREATE)
                .vars(json!({ "i": input }))
                .as_(&token)
                .send()
                .await
                .ok()
        }
    };
    let members = json!([{ "personId": pid(g.cast.hidden.id), "ringSeconds": 12 }, { "personId": pid(g.cast.user.id) }]);
    // Refusals: another unit's coordinator, a personal line, a line that already pilots a
    // group, a Teams member among Chorus ones, nobody at all.
    let alice_line = line::Entity::find()
        .filter(line::Column::OwnerId.eq(g.cast.user.id))
        .one(g.app.db())
        .await
        .expect("db")
        .expect("line");
    let hunt_pilot = hunt_group::Entity::find_by_id(g.hunt)
        .one(g.app.db())
        .await
        .expect("db")
        .expect("group")
        .pilot_line_id;
    let cases = [
        (
            &otto,
            json!({ "unitId": unit, "name": "X", "pilotLineId": line_id, "members": members }),
            "NOT_ALLOWED",
        ),
        (
            &cora,
            json!({ "unitId": unit, "name": "X", "pilotLineId": encode(NodeType::Line, alice_line.id).0, "members": members }),
            "RULE_VIOLATION",
        ),
        (
            &cora,
            json!({ "unitId": unit, "name": "X", "pilotLineId": encode(NodeType::Line, hunt_pilot).0, "members": members }),
            "RULE_VIOLATION",
        ),
        (
            &cora,
            json!({ "unitId": unit, "name": "X", "pilotLineId": line_id, "members": [{ "personId": pid(g.cast.user.id) }, { "personId": pid(g.teams.id) }] }),
            "RULE_VIOLATION",
        ),
        (
            &cora,
            json!({ "unitId": unit, "name": "X", "pilotLineId": line_id, "members": [] }),
            "INVALID",
        ),
    ];
    for (token, input, code) in cases {
        let r = create(token, input.clone()).await;
        assert_eq!(
            r.data("/createHuntGroup/userErrors/0/code"),
            code,
            "{input}: {:#}",
            r.body
        );
    }
    let r = create(&cora, json!({ "unitId": unit, "name": "Porters", "pilotLineId": line_id, "strategy": "SIMULTANEOUS", "members": members })).await;
    assert_eq!(
        r.data("/createHuntGroup/huntGroup/platform"),
        "CHORUS",
        "{:#}",
        r.body
    );
    assert_eq!(
        r.data("/createHuntGroup/huntGroup/members/0/ringSeconds"),
        12
    );
    assert_eq!(
        r.data("/createHuntGroup/huntGroup/members/1/ringSeconds"),
        15
    );
    let new_id = r
        .data("/createHuntGroup/huntGroup/id")
        .as_str()
        .expect("id")
        .to_owned();
    // A Teams-only group is a Teams group.
    let other = shared_line(&g.app, g.cast.college.id, 10).await;
    let r = create(&cora, json!({ "unitId": unit, "name": "Teams desk", "pilotLineId": encode(NodeType::Line, other.id).0, "members": [{ "personId": pid(g.teams.id) }] })).await;
    assert_eq!(
        r.data("/createHuntGroup/huntGroup/platform"),
        "TEAMS",
        "{:#}",
        r.body
    );

    // Pickup and EA groups.
    let r = g.app
        .graphql("mutation($i: CreatePickupGroupInput!) { createPickupGroup(input: $i) { pickupGroup { members { username } } userErrors { code } } }")
        .vars(json!({ "i": { "unitId": unit, "name": "Staircase 7", "personIds": [pid(g.cast.user.id), pid(g.teams.id)] } }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/createPickupGroup/userErrors/0/code"),
        "RULE_VIOLATION",
        "{:#}",
        r.body
    );
    let r = g.app
        .graphql("mutation($i: CreateEaGroupInput!) { createEaGroup(input: $i) { eaGroup { id mode managers { person { username } } assistants { username } } userErrors { code } } }")
        .vars(json!({ "i": { "unitId": unit, "name": "Bursary", "managerIds": [pid(g.cast.coordinator.id)], "assistantIds": [pid(g.cast.coordinator.id)] } }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/createEaGroup/userErrors/0/code"),
        "RULE_VIOLATION",
        "{:#}",
        r.body
    );
    let r = g.app
        .graphql("mutation($i: CreateEaGroupInput!) { createEaGroup(input: $i) { eaGroup { id mode assistants { username } } userErrors { code } } }")
        .vars(json!({ "i": { "unitId": unit, "name": "Bursary", "managerIds": [pid(g.cast.coordinator.id)], "assistantIds": [pid(g.cast.user.id)] } }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/createEaGroup/eaGroup/mode"),
        "EXECUTIVE_ASSISTANT",
        "{:#}",
        r.body
    );

    // Delete: refused while another group sends its unanswered calls here; stale version.
    let gid = encode(NodeType::HuntGroup, g.hunt).0;
    let r = hunt(
        &g,
        &cora,
        "updateHuntGroup",
        json!({ "groupId": gid, "noAnswer": { "kind": "HUNT_GROUP", "target": new_id } }),
    )
    .await;
    assert_eq!(r["userErrors"], json!([]), "{r:#}");
    const DELETE: &str = "mutation($i: DeleteGroupInput!) { deleteHuntGroup(input: $i) { deletedId userErrors { code message } } }";
    let delete = |input: Value| {
        g.app
            .graphql(DELETE)
            .vars(json!({ "i": input }))
            .as_(&cora)
            .send()
    };
    let r = delete(json!({ "groupId": new_id })).await.ok();
    assert_eq!(
        r.data("/deleteHuntGroup/userErrors/0/code"),
        "INVALID",
        "{:#}",
        r.body
    );
    hunt(
        &g,
        &cora,
        "updateHuntGroup",
        json!({ "groupId": gid, "noAnswer": { "kind": "VOICEMAIL" } }),
    )
    .await;
    let r = delete(json!({ "groupId": new_id, "expectedVersion": 7 }))
        .await
        .ok();
    assert_eq!(
        r.data("/deleteHuntGroup/userErrors/0/code"),
        "CONFLICT",
        "{:#}",
        r.body
    );
    let r = delete(json!({ "groupId": new_id })).await.ok();
    assert_eq!(
        r.data("/deleteHuntGroup/deletedId"),
        new_id.as_str(),
        "{:#}",
        r.body
    );
    let r = g
        .app
        .graphql("query($id: ID!) { huntGroup(id: $id) { id } }")
        .vars(json!({ "id": new_id }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/huntGroup"), &Value::Null);
    let id = chorus::graphql::node::decode(NodeType::HuntGroup, &new_id).expect("id");
    assert_eq!(
        audit_actions(&g.app, id).await,
        ["hunt_group.create", "hunt_group.delete"]
    );
}

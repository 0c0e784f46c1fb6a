//! The authorization matrix, generated from the live schema.
//!
//! Every root Query, Mutation and Subscription field is read from the running server's
//! introspection, and each is called by seven principals:
//!
//! | column | principal |
//! | --- | --- |
//! | 1 | no token |
//! | 2 | USER: Alice, of the unit under test (Balliol), not the owner of anything probed |
//! | 3 | COORDINATOR of another unit (Otto, Saïd Business School) |
//! | 4 | COORDINATOR of the unit under test (Cora) |
//! | 5 | ADMIN (Ada) |
//! | 6 | SERVICE holding the field's scope (exactly that scope; every scope when none is needed) |
//! | 7 | SERVICE without it (every other scope; no scope when none is needed) |
//!
//! The objects probed belong to the unit under test and, where personal, to Hugo, an
//! ex-directory colleague of Alice: his line, devices, calls, voicemail, conference, and the
//! unit's hunt, pickup and executive-assistant groups and contact centre (Alice is in none of
//! them). Arguments are filled from their names and types (an ID argument gets the ID of the
//! object of that kind under test, an `expectedVersion` a stale version so that a permitted
//! change stops at CONFLICT, `dryRun` true), with per-field overrides in [`fill`].
//!
//! Outcome classes (one letter each in [`EXPECTED`]):
//! - `U` UNAUTHENTICATED (HTTP 401 before anything runs);
//! - `F` FORBIDDEN (a top-level error);
//! - `D` denied in the payload: a user error NOT_ALLOWED or NOT_FOUND (the object does not
//!   exist for the caller), or a per-person refusal NOT_IN_YOUR_UNITS;
//! - `H` hidden: null, or the probed object missing from the list;
//! - `N` NOT_FOUND (a top-level error: a mailbox the caller does not read);
//! - `B` BAD_USER_INPUT (a service account asking for "my" things);
//! - `O` allowed: the answer, or a user error that is not about access (CONFLICT on the
//!   stale version, INVALID, DUPLICATE, RULE_VIOLATION).
//!
//! A root field without a row in [`EXPECTED`] fails the test: a new field must declare who may
//! call it. The `node`/`nodes` IDOR path and the subscriptions have tests of their own below.

use std::{collections::HashMap, time::Duration};

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures};
use chrono::{Duration as Days, Utc};
use entity::{
    device,
    enums::{DeviceKind, DeviceStatus, DiallingPermission, LineKind, VoicemailState},
    line, voicemail,
};
use futures_util::{SinkExt as _, StreamExt as _};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Map, Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};
use uuid::Uuid;

/// Who may call what: `(field, scope a service needs, outcome per column)`.
const EXPECTED: &[(&str, Option<&str>, &str)] = &[
    // ---- Query: the directory
    ("me", None, "U O O O O H H"),
    ("directory", None, "U H H O O H H"),
    ("person", None, "U H H O O H H"),
    ("units", None, "U O O O O O O"),
    // ---- Query: calls (own; coordinators their units; admins all)
    ("callHistory", None, "U F F O O F F"),
    ("missedCallCount", None, "U O O O O B B"),
    ("recentContacts", None, "U O O O O B B"),
    // ---- Query: voicemail (the owner and admins only, not coordinators)
    ("voicemails", None, "U F F F O F F"),
    ("voicemail", None, "U H H H O H H"),
    ("mailbox", None, "U N N N O N N"),
    // ---- Query: conferences (owner, invited, admins)
    ("conferences", None, "U F F F O F F"),
    ("conference", None, "U H H H O H H"),
    ("conferenceBridges", None, "U O O O O O O"),
    // ---- Query: groups and centres (the unit's coordinators, admins, members/agents)
    ("huntGroups", None, "U H H O O H H"),
    ("huntGroup", None, "U H H O O H H"),
    ("pickupGroups", None, "U H H O O H H"),
    ("pickupGroup", None, "U H H O O H H"),
    ("eaGroups", None, "U H H O O H H"),
    ("eaGroup", None, "U H H O O H H"),
    ("contactCentres", None, "U H H O O H H"),
    ("contactCentre", None, "U H H O O H H"),
    // ---- Query: routing (own number; coordinators their units' numbers; admins any)
    ("routeCall", None, "U F F O O F F"),
    // ---- Query: the move to Teams
    ("teamsEligibility", Some("cutover:write"), "U F F O O O F"),
    ("movementSets", Some("cutover:write"), "U F F O O O F"),
    ("licencePool", None, "U F O O O O O"),
    ("nominationRounds", None, "U O O O O O O"),
    ("nominationProgress", None, "U F O O O F F"),
    ("tranches", None, "U O O O O O O"),
    ("tranche", None, "U O O O O O O"),
    ("chorusUpgrade", None, "U O O O O O O"),
    (
        "chorusUpgradePreview",
        Some("cutover:write"),
        "U F F O O O F",
    ),
    // ---- Query: Relay (a device of Hugo's; see also the IDOR test)
    ("node", None, "U H H O O H H"),
    ("nodes", None, "U H H O O H H"),
    // ---- Mutation: directory and people
    ("createUnit", None, "U F F F O F F"),
    ("updateUnit", None, "U F F F O F F"),
    ("createPerson", None, "U F D O O F F"),
    ("grantRole", None, "U F F F O F F"),
    ("revokeRole", None, "U F F F O F F"),
    ("offboardPerson", None, "U F F F O F F"),
    ("updatePerson", None, "U F D O O F F"),
    ("setDirectoryStatus", None, "U D D O O D D"),
    ("assignLine", None, "U F D O O F F"),
    ("setDiallingPermission", None, "U F D O O F F"),
    // ---- Mutation: lines as data (admins only)
    ("createLine", None, "U F F F O F F"),
    ("updateLine", None, "U F F F O F F"),
    ("releaseLine", None, "U F F F O F F"),
    ("registerDevice", None, "U F F F O F F"),
    ("retireDevice", None, "U F F F O F F"),
    ("setDeviceStatus", None, "U F F F O F F"),
    ("setPreferredDevice", None, "U D D D O D D"),
    // ---- Mutation: calls
    ("ingestCallRecords", Some("calls:write"), "U F F F O O F"),
    // ---- Mutation: voicemail (owner and admins; settings only from trusted networks)
    ("markVoicemails", None, "U D D D O D D"),
    ("deleteVoicemails", None, "U D D D O D D"),
    ("updateMailboxSettings", None, "U N N N O N N"),
    ("uploadGreeting", None, "U N N N O N N"),
    ("resetGreeting", None, "U N N N O N N"),
    // ---- Mutation: conferences (owner and admins; booking for another: admins)
    ("createConference", None, "U D D D O D D"),
    ("rescheduleConference", None, "U D D D O D D"),
    ("cancelConference", None, "U D D D O D D"),
    ("addConferenceParticipants", None, "U D D D O D D"),
    ("removeConferenceParticipants", None, "U D D D O D D"),
    // ---- Mutation: groups (the unit's coordinators and admins)
    ("createHuntGroup", None, "U D D O O D D"),
    ("createPickupGroup", None, "U D D O O D D"),
    ("createEaGroup", None, "U D D O O D D"),
    ("deleteHuntGroup", None, "U D D O O D D"),
    ("deletePickupGroup", None, "U D D O O D D"),
    ("deleteEaGroup", None, "U D D O O D D"),
    ("updateHuntGroup", None, "U D D O O D D"),
    ("addHuntGroupMember", None, "U D D O O D D"),
    ("removeHuntGroupMember", None, "U D D O O D D"),
    ("reorderHuntGroup", None, "U D D O O D D"),
    ("setHuntGroupMemberRingTime", None, "U D D O O D D"),
    ("setHuntGroupOptOut", None, "U D D O O D D"),
    ("addPickupGroupMember", None, "U D D O O D D"),
    ("removePickupGroupMember", None, "U D D O O D D"),
    ("addEaGroupMember", None, "U D D O O D D"),
    ("removeEaGroupMember", None, "U D D O O D D"),
    ("setEaDivert", None, "U D D O O D D"),
    ("addEaWhitelistEntry", None, "U D D O O D D"),
    ("removeEaWhitelistEntry", None, "U D D O O D D"),
    // ---- Mutation: contact centres (creating: admins; changing: also the unit's coordinators;
    // a coordinator elsewhere does not see the centre)
    ("createContactCentre", None, "U F F F O F F"),
    ("updateContactCentre", None, "U F D O O F F"),
    ("setOpeningHours", None, "U F D O O F F"),
    ("addClosures", None, "U F D O O F F"),
    ("removeClosures", None, "U F D O O F F"),
    ("createQueue", None, "U F D O O F F"),
    ("updateQueue", None, "U F D O O F F"),
    ("removeQueue", None, "U F D O O F F"),
    ("addQueueAgents", None, "U F D O O F F"),
    ("removeQueueAgents", None, "U F D O O F F"),
    // ---- Mutation: the move to Teams
    (
        "assignTeamsLicences",
        Some("licences:write"),
        "U F F F O O F",
    ),
    (
        "revokeTeamsLicence",
        Some("licences:write"),
        "U F F F O O F",
    ),
    ("setLicencePoolCapacity", None, "U F F F O F F"),
    ("createNominationRound", None, "U F F F O F F"),
    ("answerNominations", None, "U F D O O F F"),
    ("createTranche", Some("cutover:write"), "U F F F O O F"),
    ("updateTranche", Some("cutover:write"), "U F F F O O F"),
    ("assignToTranche", Some("cutover:write"), "U F F F O O F"),
    ("removeFromTranche", Some("cutover:write"), "U F F F O O F"),
    ("planTranches", Some("cutover:write"), "U F F F O O F"),
    ("executeTranche", Some("cutover:write"), "U F F F O O F"),
    ("moveToTeams", Some("cutover:write"), "U F F F O O F"),
    ("runChorusUpgrade", None, "U F F F O F F"),
    // ---- Service accounts (admins). The probe names no account, so that disabling or
    // changing one cannot change the matrix's own service columns: admins get NOT_FOUND.
    ("serviceAccounts", None, "U F F F O F F"),
    ("createServiceAccount", None, "U F F F O F F"),
    ("updateServiceAccount", None, "U F F F D F F"),
    ("disableServiceAccount", None, "U F F F D F F"),
    // ---- Subscription (started over /graphql/ws)
    ("voicemailReceived", None, "U F F F O F F"),
    ("cutoverProgress", Some("cutover:write"), "U F F F O O F"),
];

/// Every scope a service account can hold.
const SCOPES: [&str; 4] = [
    "calls:write",
    "voicemail:write",
    "cutover:write",
    "licences:write",
];

/// Fields whose null answer means "nothing yet", not "hidden".
const NULL_IS_EMPTY: &[&str] = &["chorusUpgrade"];

/// A column of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    User,
    OtherCoordinator,
    Coordinator,
    Admin,
    ServiceWith,
    ServiceWithout,
}

const COLUMNS: [Who; 7] = [
    Who::Anonymous,
    Who::User,
    Who::OtherCoordinator,
    Who::Coordinator,
    Who::Admin,
    Who::ServiceWith,
    Who::ServiceWithout,
];

// ---------------------------------------------------------------------------------------------
// The world under test

/// The objects probed, as global IDs, and everyone's tokens.
struct World {
    app: TestApp,
    college: String,
    hugo: String,
    ivan: String,
    alice_extension: String,
    hugo_extension: String,
    hugo_line: String,
    hugo_device: String,
    spare_hunt_pilot: String,
    spare_centre_pilot: String,
    call: String,
    voicemail: String,
    conference: String,
    hunt_group: String,
    pickup_group: String,
    ea_group: String,
    centre: String,
    queue: String,
    tranche: String,
    round: String,
    tokens: HashMap<&'static str, String>,
}

impl World {
    /// The token of a column for a field needing `scope`; None for no token.
    fn token(&self, who: Who, scope: Option<&str>) -> Option<&str> {
        let name = match who {
            Who::Anonymous => return None,
            Who::User => "alice",
            Who::OtherCoordinator => "otto",
            Who::Coordinator => "cora",
            Who::Admin => "ada",
            Who::ServiceWith => match scope {
                None => "svc-all",
                Some("calls:write") => "svc-calls:write",
                Some("voicemail:write") => "svc-voicemail:write",
                Some("cutover:write") => "svc-cutover:write",
                Some("licences:write") => "svc-licences:write",
                Some(other) => panic!("no service account for the scope {other}"),
            },
            Who::ServiceWithout => match scope {
                None => "svc-none",
                Some("calls:write") => "svc-not-calls:write",
                Some("voicemail:write") => "svc-not-voicemail:write",
                Some("cutover:write") => "svc-not-cutover:write",
                Some("licences:write") => "svc-not-licences:write",
                Some(other) => panic!("no service account for the scope {other}"),
            },
        };
        Some(self.tokens.get(name).expect("token").as_str())
    }
}

async fn shared_line(app: &TestApp, unit_id: Uuid, n: u32) -> line::Model {
    line::ActiveModel {
        id: Set(Uuid::now_v7()),
        e164: Set(format!("+4418652{n:05}")),
        extension: Set(format!("2{n:04}")),
        kind: Set(LineKind::Shared),
        owner_id: Set(None),
        unit_id: Set(unit_id),
        label: Set(Some(format!("Shared line {n}"))),
        dialling_permission: Set(DiallingPermission::National),
        created_at: Set(Utc::now()),
        version: Set(0),
        quarantined_until: Set(None),
    }
    .insert(app.db())
    .await
    .expect("insert shared line")
}

/// Runs a setup mutation as the admin and returns `data.<field>`, failing on any error.
async fn setup(app: &TestApp, admin: &str, query: &str, vars: Value, field: &str) -> Value {
    let r = app.graphql(query).vars(vars).as_(admin).send().await.ok();
    let out = r.data(&format!("/{field}")).clone();
    let errors = out.get("userErrors").cloned().unwrap_or(json!([]));
    assert_eq!(errors, json!([]), "setup {field}: {:#}", r.body);
    out
}

fn id_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no ID at {pointer} in {v:#}"))
        .to_owned()
}

async fn world() -> World {
    let app = TestApp::spawn_with(|s| {
        // The VPN rule (rule 12) is tested elsewhere: here every request comes from a trusted
        // network, so the voicemail-settings cells show the access rules alone.
        s.network.trusted_networks =
            chorus::config::parse_networks("127.0.0.0/8,::1/128").expect("networks");
    })
    .await;
    let db = app.db().clone();
    let cast = fixtures::cast(&db).await;
    let (ivan, _, _) = fixtures::person(
        &db,
        fixtures::NewPerson {
            username: "ivan",
            display_name: "Ivan Assistant",
            unit_id: cast.college.id,
            ex_directory: false,
        },
    )
    .await;
    fixtures::service(&db, "svc-all", &SCOPES.join(" ")).await;
    fixtures::service(&db, "svc-none", "").await;
    for scope in SCOPES {
        fixtures::service(&db, &format!("svc-{scope}"), scope).await;
        let others: Vec<&str> = SCOPES.iter().copied().filter(|s| *s != scope).collect();
        fixtures::service(&db, &format!("svc-not-{scope}"), &others.join(" ")).await;
    }
    let line_of = |person: Uuid| {
        let db = db.clone();
        async move {
            line::Entity::find()
                .filter(line::Column::OwnerId.eq(person))
                .one(&db)
                .await
                .expect("db")
                .expect("personal line")
        }
    };
    let hugo_line = line_of(cast.hidden.id).await;
    let alice_line = line_of(cast.user.id).await;
    // A softphone, so that Hugo loses something in the Chorus upgrade preview.
    device::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(DeviceKind::Softphone),
        label: Set("Laptop".into()),
        model: Set(None),
        owner_id: Set(cast.hidden.id),
        line_id: Set(Some(hugo_line.id)),
        status: Set(DeviceStatus::Active),
        last_used_at: Set(None),
        created_at: Set(Utc::now()),
        version: Set(0),
    }
    .insert(&db)
    .await
    .expect("softphone");
    let hunt_pilot = shared_line(&app, cast.college.id, 1).await;
    let centre_pilot = shared_line(&app, cast.college.id, 2).await;
    let spare_hunt_pilot = shared_line(&app, cast.college.id, 3).await;
    let spare_centre_pilot = shared_line(&app, cast.college.id, 4).await;

    let mut tokens = HashMap::new();
    for name in [
        "alice",
        "otto",
        "cora",
        "ada",
        "svc-all",
        "svc-none",
        "svc-calls:write",
        "svc-voicemail:write",
        "svc-cutover:write",
        "svc-licences:write",
        "svc-not-calls:write",
        "svc-not-voicemail:write",
        "svc-not-cutover:write",
        "svc-not-licences:write",
    ] {
        tokens.insert(name, app.token(name).await);
    }
    let admin = tokens["ada"].clone();
    let person = |id: Uuid| encode(NodeType::Person, id).0;
    let college = encode(NodeType::Unit, cast.college.id).0;
    let hugo = person(cast.hidden.id);
    let ivan_id = person(ivan.id);

    let hunt = setup(
        &app,
        &admin,
        "mutation($i: CreateHuntGroupInput!) { createHuntGroup(input: $i) { huntGroup { id } userErrors { code message } } }",
        json!({ "i": { "unitId": college, "name": "Porters", "pilotLineId": encode(NodeType::Line, hunt_pilot.id).0,
                       "members": [{ "personId": hugo }, { "personId": ivan_id }] } }),
        "createHuntGroup",
    )
    .await;
    let pickup = setup(
        &app,
        &admin,
        "mutation($i: CreatePickupGroupInput!) { createPickupGroup(input: $i) { pickupGroup { id } userErrors { code message } } }",
        json!({ "i": { "unitId": college, "name": "Lodge", "personIds": [hugo, ivan_id] } }),
        "createPickupGroup",
    )
    .await;
    let ea = setup(
        &app,
        &admin,
        "mutation($i: CreateEaGroupInput!) { createEaGroup(input: $i) { eaGroup { id } userErrors { code message } } }",
        json!({ "i": { "unitId": college, "name": "Hugo's office", "managerIds": [hugo], "assistantIds": [ivan_id] } }),
        "createEaGroup",
    )
    .await;
    let centre = setup(
        &app,
        &admin,
        "mutation($i: CreateContactCentreInput!) { createContactCentre(input: $i) { contactCentre { id version } userErrors { code message } } }",
        json!({ "i": { "unitId": college, "name": "Help desk", "pilotLineId": encode(NodeType::Line, centre_pilot.id).0 } }),
        "createContactCentre",
    )
    .await;
    let centre_id = id_at(&centre, "/contactCentre/id");
    let queue = setup(
        &app,
        &admin,
        "mutation($i: CreateQueueInput!) { createQueue(input: $i) { contactCentre { queues { id } } userErrors { code message } } }",
        json!({ "i": { "centreId": centre_id, "expectedVersion": centre["contactCentre"]["version"],
                       "name": "General", "agentIds": [ivan_id] } }),
        "createQueue",
    )
    .await;
    let tomorrow = (Utc::now() + Days::days(1)).date_naive();
    let starts = tomorrow.and_hms_opt(10, 0, 0).expect("time").and_utc();
    let conference = setup(
        &app,
        &admin,
        "mutation($i: CreateConferenceInput!) { createConference(input: $i) { conference { id } userErrors { code message } } }",
        json!({ "i": { "title": "Hugo's briefing", "startsAt": starts, "endsAt": starts + Days::hours(1),
                       "ownerId": hugo, "participants": [{ "personId": ivan_id }] } }),
        "createConference",
    )
    .await;
    let started = Utc::now() - Days::hours(2);
    setup(
        &app,
        &admin,
        "mutation($i: IngestCallRecordsInput!) { ingestCallRecords(input: $i) { inserted rejects { message } } }",
        json!({ "i": { "records": [{ "pbxCallId": "authz-call", "startedAt": started,
                       "answeredAt": started + Days::seconds(5), "endedAt": started + Days::seconds(65),
                       "direction": "INBOUND", "from": "+442079460000", "to": hugo_line.extension,
                       "result": "ANSWERED" }] } }),
        "ingestCallRecords",
    )
    .await;
    let calls = setup(
        &app,
        &admin,
        "query($p: ID) { callHistory(personId: $p, first: 5) { nodes { id } } }",
        json!({ "p": hugo }),
        "callHistory",
    )
    .await;
    let vm = voicemail::ActiveModel {
        id: Set(Uuid::now_v7()),
        mailbox_line_id: Set(hugo_line.id),
        recipient_id: Set(hugo_line.owner_id),
        pbx_message_id: Set("authz-vm".into()),
        caller_number: Set(Some("+442079460000".into())),
        received_at: Set(Utc::now() - Days::hours(1)),
        state: Set(VoicemailState::New),
        blob_key: Set("voicemail/authz".into()),
        byte_size: Set(16),
        sha256: Set("0".repeat(64)),
        container: Set("wav".into()),
        codec: Set("pcm_s16le".into()),
        sample_rate: Set(8000),
        channels: Set(1),
        duration_ms: Set(1000),
        deleted_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&db)
    .await
    .expect("voicemail");
    setup(
        &app,
        &admin,
        "mutation { setLicencePoolCapacity(input: { capacity: 10 }) { userErrors { code message } } }",
        json!({}),
        "setLicencePoolCapacity",
    )
    .await;
    let round = setup(
        &app,
        &admin,
        "mutation($i: CreateNominationRoundInput!) { createNominationRound(input: $i) { round { id } userErrors { code message } } }",
        json!({ "i": { "name": "First round", "deadline": Utc::now() + Days::days(7) } }),
        "createNominationRound",
    )
    .await;
    let tranche = setup(
        &app,
        &admin,
        "mutation($i: CreateTrancheInput!) { createTranche(input: $i) { tranche { id } userErrors { code message } } }",
        json!({ "i": { "number": 1, "name": "Pilot", "cohort": "PILOT",
                       "moveDate": (Utc::now() + Days::days(60)).date_naive(), "capacity": 50 } }),
        "createTranche",
    )
    .await;
    World {
        college,
        hugo,
        ivan: ivan_id,
        alice_extension: alice_line.extension.clone(),
        hugo_extension: hugo_line.extension.clone(),
        hugo_line: encode(NodeType::Line, hugo_line.id).0,
        hugo_device: encode(NodeType::Device, cast.hidden_device.id).0,
        spare_hunt_pilot: encode(NodeType::Line, spare_hunt_pilot.id).0,
        spare_centre_pilot: encode(NodeType::Line, spare_centre_pilot.id).0,
        call: id_at(&calls, "/nodes/0/id"),
        voicemail: encode(NodeType::Voicemail, vm.id).0,
        conference: id_at(&conference, "/conference/id"),
        hunt_group: id_at(&hunt, "/huntGroup/id"),
        pickup_group: id_at(&pickup, "/pickupGroup/id"),
        ea_group: id_at(&ea, "/eaGroup/id"),
        centre: centre_id,
        queue: id_at(&queue, "/contactCentre/queues/0/id"),
        tranche: id_at(&tranche, "/tranche/id"),
        round: id_at(&round, "/round/id"),
        tokens,
        app,
    }
}

// ---------------------------------------------------------------------------------------------
// The live schema

#[derive(Clone, Debug)]
struct TypeRef {
    kind: String,
    name: Option<String>,
    of_type: Option<Box<TypeRef>>,
}

impl TypeRef {
    fn parse(v: &Value) -> Self {
        Self {
            kind: v["kind"].as_str().unwrap_or_default().to_owned(),
            name: v["name"].as_str().map(str::to_owned),
            of_type: v
                .get("ofType")
                .filter(|t| !t.is_null())
                .map(|t| Box::new(Self::parse(t))),
        }
    }

    fn non_null(&self) -> bool {
        self.kind == "NON_NULL"
    }

    /// Without NON_NULL.
    fn nullable(&self) -> &TypeRef {
        match (&*self.kind, &self.of_type) {
            ("NON_NULL", Some(inner)) => inner,
            _ => self,
        }
    }

    fn is_list(&self) -> bool {
        self.nullable().kind == "LIST"
    }

    /// The list's item type.
    fn item(&self) -> &TypeRef {
        match &self.nullable().of_type {
            Some(inner) if self.is_list() => inner,
            _ => self,
        }
    }

    /// The named type inside.
    fn named(&self) -> &str {
        match (&self.name, &self.of_type) {
            (Some(n), _) => n,
            (None, Some(inner)) => inner.named(),
            (None, None) => "",
        }
    }

    /// As written in a variable definition.
    fn sdl(&self) -> String {
        match (&*self.kind, &self.of_type) {
            ("NON_NULL", Some(inner)) => format!("{}!", inner.sdl()),
            ("LIST", Some(inner)) => format!("[{}]", inner.sdl()),
            _ => self.name.clone().unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug)]
struct InputValue {
    name: String,
    ty: TypeRef,
    has_default: bool,
}

#[derive(Clone, Debug)]
struct Field {
    name: String,
    args: Vec<InputValue>,
    ty: TypeRef,
}

#[derive(Clone, Debug, Default)]
struct Type {
    kind: String,
    fields: Vec<Field>,
    input_fields: Vec<InputValue>,
    enum_values: Vec<String>,
}

struct Schema {
    types: HashMap<String, Type>,
    query: String,
    mutation: String,
    subscription: String,
}

const INTROSPECTION: &str = r#"
query {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types {
      kind name
      enumValues { name }
      fields { name args { name defaultValue type { ...R } } type { ...R } }
      inputFields { name defaultValue type { ...R } }
    }
  }
}
fragment R on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"#;

fn input_values(v: &Value) -> Vec<InputValue> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|i| InputValue {
                    name: i["name"].as_str().unwrap_or_default().to_owned(),
                    ty: TypeRef::parse(&i["type"]),
                    has_default: !i["defaultValue"].is_null(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Reads the schema the running server serves.
async fn live_schema(w: &World) -> Schema {
    let r = w
        .app
        .graphql(INTROSPECTION)
        .as_(&w.tokens["ada"])
        .send()
        .await
        .ok();
    let schema = r.data("/__schema");
    let mut types = HashMap::new();
    for t in schema["types"].as_array().expect("types") {
        let fields = t["fields"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .map(|f| Field {
                        name: f["name"].as_str().unwrap_or_default().to_owned(),
                        args: input_values(&f["args"]),
                        ty: TypeRef::parse(&f["type"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        types.insert(
            t["name"].as_str().unwrap_or_default().to_owned(),
            Type {
                kind: t["kind"].as_str().unwrap_or_default().to_owned(),
                fields,
                input_fields: input_values(&t["inputFields"]),
                enum_values: t["enumValues"]
                    .as_array()
                    .map(|vs| {
                        vs.iter()
                            .filter_map(|v| v["name"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
        );
    }
    let name = |k: &str| schema[k]["name"].as_str().expect("root type").to_owned();
    Schema {
        types,
        query: name("queryType"),
        mutation: name("mutationType"),
        subscription: name("subscriptionType"),
    }
}

impl Schema {
    fn root(&self, name: &str) -> &[Field] {
        &self.types[name].fields
    }

    fn ty(&self, name: &str) -> &Type {
        self.types
            .get(name)
            .unwrap_or_else(|| panic!("no type {name}"))
    }
}

// ---------------------------------------------------------------------------------------------
// Building an operation for a field

/// Fills an argument or input field: `Some` for a value to send, `None` to leave it out.
/// Names the test knows are always filled (an optional `personId` names Hugo, so that "whose"
/// arguments point at someone else); other optional ones are left out; a required one the
/// test cannot fill fails with its path, so a new field gets a value here.
fn fill(
    w: &World,
    s: &Schema,
    field: &str,
    path: &str,
    iv: &InputValue,
    seq: u32,
) -> Option<Value> {
    let name = iv.name.as_str();
    let now = Utc::now();
    let tomorrow = (now + Days::days(1))
        .date_naive()
        .and_hms_opt(10, 0, 0)
        .expect("time")
        .and_utc();
    let group = || {
        let f = field.to_ascii_lowercase();
        if f.contains("hunt") {
            w.hunt_group.clone()
        } else if f.contains("pickup") {
            w.pickup_group.clone()
        } else {
            w.ea_group.clone()
        }
    };
    let known: Option<Value> = match (field, name) {
        // Per-field overrides.
        ("routeCall", "to") => Some(json!(w.hugo_extension)),
        ("routeCall", "from") => Some(json!(w.alice_extension)),
        ("createHuntGroup", "pilotLineId") => Some(json!(w.spare_hunt_pilot)),
        ("createContactCentre", "pilotLineId") => Some(json!(w.spare_centre_pilot)),
        ("createEaGroup", "assistantIds") | ("removeQueueAgents", "personIds") => {
            Some(json!([w.ivan]))
        }
        (
            "removeHuntGroupMember" | "removePickupGroupMember" | "removeEaGroupMember",
            "personId",
        ) => Some(json!(w.ivan)),
        ("reorderHuntGroup", "personIds") => Some(json!([w.hugo, w.ivan])),
        ("updateUnit", "id") => Some(json!(w.college)),
        ("createLine", "extension") => Some(json!(format!("9{seq:04}"))),
        ("updateTranche" | "tranche", "id") => Some(json!(w.tranche)),
        ("voicemail", "id") => Some(json!(w.voicemail)),
        ("conference", "id") => Some(json!(w.conference)),
        ("huntGroup" | "pickupGroup" | "eaGroup", "id") => Some(json!(group())),
        ("contactCentre", "id") => Some(json!(w.centre)),
        ("node", "id") => Some(json!(w.hugo_device)),
        ("nodes", "ids") => Some(json!([w.hugo_device])),
        ("markVoicemails" | "deleteVoicemails", "ids") => Some(json!([w.voicemail])),
        (_, "records") => Some(json!([{
            "pbxCallId": format!("authz-{seq}"), "startedAt": now - Days::hours(1),
            "endedAt": now - Days::hours(1) + Days::seconds(30), "direction": "INBOUND",
            "from": "+442079460000", "to": w.hugo_extension, "result": "MISSED" }])),
        (_, "hours") => Some(json!([{ "weekday": "MONDAY", "opens": "09:00", "closes": "17:00" }])),
        (_, "closures") => {
            Some(json!([{ "date": (now + Days::days(30)).date_naive(), "reason": "Closed" }]))
        }
        (_, "dates") => Some(json!([(now + Days::days(30)).date_naive()])),
        (_, "answers") => Some(json!([{ "personId": w.hugo, "answer": "NOMINATE" }])),
        (_, "members") => Some(json!([{ "personId": w.hugo }])),
        (_, "participants") if iv.ty.non_null() && !iv.has_default => {
            Some(json!([{ "personId": w.ivan }]))
        }
        // By name.
        (_, "personId" | "ownerId" | "managerId") => Some(json!(w.hugo)),
        (_, "personIds" | "managerIds") => Some(json!([w.hugo])),
        (_, "unitId") => Some(json!(w.college)),
        (_, "lineId") => Some(json!(w.hugo_line)),
        (_, "deviceId") => Some(json!(w.hugo_device)),
        (_, "serviceAccountId") => Some(json!(encode(NodeType::ServiceAccount, Uuid::nil()))),
        (_, "scopes") => Some(json!(["calls:write"])),
        ("createServiceAccount", "name") => Some(json!(format!("authz-probe-{seq}"))),
        ("createServiceAccount", "displayName") => Some(json!(format!("Authz probe {seq}"))),
        (_, "conferenceId") => Some(json!(w.conference)),
        (_, "centreId") => Some(json!(w.centre)),
        (_, "queueId") => Some(json!(w.queue)),
        (_, "trancheId") => Some(json!(w.tranche)),
        (_, "roundId") => Some(json!(w.round)),
        (_, "groupId") => Some(json!(group())),
        (_, "expectedVersion") => Some(json!(9999)),
        (_, "dryRun") => Some(json!(true)),
        (_, "name" | "title" | "label") => Some(json!(format!("Authz probe {seq}"))),
        (_, "username") => Some(json!("hugo")),
        (_, "code") => Some(json!(format!("PROBE{seq}"))),
        (_, "displayName") => Some(json!(format!("Probe {seq}"))),
        (_, "email") => Some(json!(format!("probe{seq}@example.ac.uk"))),
        (_, "number") if iv.ty.named() == "Int" => Some(json!(900 + seq)),
        (_, "number") => Some(json!("+441865999111")),
        (_, "since") => Some(json!(now - Days::days(1))),
        (_, "startsAt") => Some(json!(tomorrow)),
        (_, "endsAt") => Some(json!(tomorrow + Days::hours(1))),
        (_, "deadline") => Some(json!(now + Days::days(7))),
        (_, "moveDate") => Some(json!((now + Days::days(90)).date_naive())),
        (_, "capacity") => Some(json!(10)),
        (_, "ringSeconds") => Some(json!(15)),
        (_, "optedOut" | "enabled") => Some(json!(false)),
        _ => None,
    };
    if known.is_some() {
        return known;
    }
    if !iv.ty.non_null() || iv.has_default {
        return None;
    }
    Some(generate(
        w,
        s,
        field,
        &format!("{path}.{name}"),
        &iv.ty,
        seq,
    ))
}

/// A value of a required type the test has no name for: enums and input objects.
fn generate(w: &World, s: &Schema, field: &str, path: &str, ty: &TypeRef, seq: u32) -> Value {
    if ty.is_list() {
        return json!([generate(w, s, field, path, ty.item(), seq)]);
    }
    let named = ty.named();
    let t = s.ty(named);
    match &*t.kind {
        "ENUM" => {
            let preferred = match named {
                "VoicemailMark" => "SAVED",
                "DirectoryStatus" => "EX_DIRECTORY",
                "DeviceStatus" => "ACTIVE",
                "DiallingPermission" => "NATIONAL",
                "DeviceKind" => "DESK_PHONE",
                "EaRole" => "ASSISTANT",
                "Cohort" => "LATE",
                _ => "",
            };
            if t.enum_values.iter().any(|v| v == preferred) {
                json!(preferred)
            } else {
                json!(t.enum_values.first().expect("enum values"))
            }
        }
        "INPUT_OBJECT" => {
            let mut object = Map::new();
            for iv in &t.input_fields {
                if let Some(v) = fill(w, s, field, path, iv, seq) {
                    object.insert(iv.name.clone(), v);
                }
            }
            Value::Object(object)
        }
        _ => panic!(
            "{path} ({}) is required and the test has no value for it: add one to `fill`",
            ty.sdl()
        ),
    }
}

/// A selection for a result type: `__typename`, every ID-typed field, user errors' codes,
/// refusal reasons, and (two levels down) the lists that hold the objects probed.
fn selection(s: &Schema, ty: &TypeRef, depth: usize) -> String {
    let t = s.ty(ty.named());
    if t.kind != "OBJECT" && t.kind != "INTERFACE" {
        return String::new();
    }
    let mut out = vec!["__typename".to_owned()];
    for f in &t.fields {
        if f.args.iter().any(|a| a.ty.non_null() && !a.has_default) {
            continue;
        }
        let named = f.ty.named();
        match (f.name.as_str(), named) {
            (_, "ID") => out.push(f.name.clone()),
            ("reason", "String") => out.push("reason".into()),
            (_, "UserError") => out.push(format!("{} {{ code }}", f.name)),
            ("nodes" | "rows" | "results" | "sets" | "queues", _) if depth < 3 => {
                let inner = selection(s, &f.ty, depth + 1);
                if !inner.is_empty() {
                    out.push(format!("{} {{ {inner} }}", f.name));
                }
            }
            _ => {}
        }
    }
    out.join(" ")
}

/// The operation for a root field, and its variables.
fn operation(w: &World, s: &Schema, kind: &str, f: &Field, seq: u32) -> (String, Value) {
    let mut defs = Vec::new();
    let mut args = Vec::new();
    let mut vars = Map::new();
    for a in &f.args {
        if let Some(v) = fill(w, s, &f.name, &f.name, a, seq) {
            defs.push(format!("${}: {}", a.name, a.ty.sdl()));
            args.push(format!("{0}: ${0}", a.name));
            vars.insert(a.name.clone(), v);
        }
    }
    let defs = if defs.is_empty() {
        String::new()
    } else {
        format!("({})", defs.join(", "))
    };
    let args = if args.is_empty() {
        String::new()
    } else {
        format!("({})", args.join(", "))
    };
    let sel = selection(s, &f.ty, 0);
    let sel = if sel.is_empty() {
        String::new()
    } else {
        format!(" {{ {sel} }}")
    };
    (
        format!("{kind}{defs} {{ {}{args}{sel} }}", f.name),
        Value::Object(vars),
    )
}

/// The object a query is about: its ID must be in the answer for the cell to be "allowed".
fn probe<'a>(w: &'a World, field: &str) -> Option<&'a str> {
    Some(match field {
        "directory" | "person" | "teamsEligibility" | "movementSets" | "chorusUpgradePreview" => {
            &w.hugo
        }
        "units" => &w.college,
        "callHistory" => &w.call,
        "voicemails" | "voicemail" => &w.voicemail,
        "conferences" | "conference" => &w.conference,
        "huntGroups" | "huntGroup" => &w.hunt_group,
        "pickupGroups" | "pickupGroup" => &w.pickup_group,
        "eaGroups" | "eaGroup" => &w.ea_group,
        "contactCentres" | "contactCentre" => &w.centre,
        "tranches" | "tranche" => &w.tranche,
        "node" | "nodes" => &w.hugo_device,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Classifying an answer

/// Codes of user errors (and per-item errors) anywhere in the answer, and refusal reasons.
fn user_codes(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("userErrors", Value::Array(errors)) => out.extend(
                        errors
                            .iter()
                            .filter_map(|e| e["code"].as_str().map(str::to_owned)),
                    ),
                    ("error", Value::Object(e)) => {
                        out.extend(e.get("code").and_then(Value::as_str).map(str::to_owned));
                    }
                    ("reason", Value::String(r)) => out.push(r.clone()),
                    _ => user_codes(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| user_codes(x, out)),
        _ => {}
    }
}

fn contains_string(v: &Value, needle: &str) -> bool {
    match v {
        Value::String(s) => s == needle,
        Value::Array(a) => a.iter().any(|x| contains_string(x, needle)),
        Value::Object(m) => m.values().any(|x| contains_string(x, needle)),
        _ => false,
    }
}

fn classify(status: u16, body: &Value, field: &str, probe: Option<&str>) -> String {
    // Errors of the root field (or of the request); a refused sub-field (e.g. `memberIds`
    // of a tranche for a plain user) is the business of that field, not of this cell.
    let code = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["path"].as_array().is_none_or(|p| p.len() <= 1))
        .and_then(|e| e.pointer("/extensions/code"))
        .and_then(Value::as_str);
    if status == 401 {
        return if code == Some("UNAUTHENTICATED") {
            "U".into()
        } else {
            format!("?401 {body}")
        };
    }
    match code {
        Some("FORBIDDEN") => return "F".into(),
        Some("UNAUTHENTICATED") => return "U".into(),
        Some("BAD_USER_INPUT") => return "B".into(),
        Some("NOT_FOUND") => return "N".into(),
        Some(other) => return format!("?{other}: {body}"),
        None => {}
    }
    let data = body
        .pointer(&format!("/data/{field}"))
        .unwrap_or(&Value::Null);
    if data.is_null() {
        return if NULL_IS_EMPTY.contains(&field) {
            "O".into()
        } else {
            "H".into()
        };
    }
    let mut codes = Vec::new();
    user_codes(data, &mut codes);
    if codes.iter().any(|c| {
        matches!(
            c.as_str(),
            "NOT_ALLOWED" | "NOT_FOUND" | "NOT_IN_YOUR_UNITS"
        )
    }) {
        return "D".into();
    }
    match probe {
        Some(id) if !contains_string(data, id) => "H".into(),
        _ => "O".into(),
    }
}

/// Sends an operation as a column (the greeting upload as a GraphQL multipart request).
async fn send(
    w: &World,
    token: Option<&str>,
    query: &str,
    vars: &Value,
    upload: bool,
) -> (u16, Value) {
    let mut request = w
        .app
        .client
        .post(w.app.url("/graphql"))
        .header("accept", "application/graphql-response+json");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let request = if upload {
        let mut vars = vars.clone();
        vars["input"]["file"] = Value::Null;
        let operations = json!({ "query": query, "variables": vars });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": ["variables.input.file"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(b"not audio at all".to_vec())
                    .file_name("greeting.wav")
                    .mime_str("audio/wav")
                    .expect("mime"),
            );
        // The bearer token already forces a CORS preflight; the CSRF header is asked anyway.
        request
            .header("graphql-require-preflight", "1")
            .multipart(form)
    } else {
        request.json(&json!({ "query": query, "variables": vars }))
    };
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn expectation(field: &str) -> Option<(Option<&'static str>, Vec<String>)> {
    EXPECTED
        .iter()
        .find(|(f, _, _)| *f == field)
        .map(|(_, scope, cells)| {
            let cells: Vec<String> = cells.split_whitespace().map(str::to_owned).collect();
            assert_eq!(cells.len(), COLUMNS.len(), "{field}: one letter per column");
            (*scope, cells)
        })
}

/// Runs the matrix over the root fields of one operation type.
async fn matrix(kind: &str) {
    let w = world().await;
    let s = live_schema(&w).await;
    let root = match kind {
        "query" => s.query.clone(),
        "mutation" => s.mutation.clone(),
        _ => unreachable!(),
    };
    let fields = s.root(&root).to_vec();
    let missing: Vec<&str> = fields
        .iter()
        .map(|f| f.name.as_str())
        .filter(|f| expectation(f).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "root {kind} fields without a row in EXPECTED (declare who may call them): {missing:?}"
    );
    let mut failures = Vec::new();
    let mut cells = 0;
    for (i, f) in fields.iter().enumerate() {
        let (scope, expected) = expectation(&f.name).expect("checked above");
        let upload = f.args.iter().any(|a| {
            s.types
                .get(a.ty.named())
                .is_some_and(|t| t.input_fields.iter().any(|x| x.ty.named() == "Upload"))
        });
        let (query, vars) = if upload {
            // The Upload field is sent as a multipart file, not filled.
            let mut vars = Map::new();
            vars.insert(
                "input".into(),
                json!({ "lineId": w.hugo_line, "file": null }),
            );
            (
                format!(
                    "mutation($input: {}) {{ {}(input: $input) {{ {} }} }}",
                    f.args[0].ty.sdl(),
                    f.name,
                    selection(&s, &f.ty, 0)
                ),
                Value::Object(vars),
            )
        } else {
            operation(&w, &s, kind, f, u32::try_from(i).expect("few fields"))
        };
        let mut row = Vec::new();
        for (who, want) in COLUMNS.iter().zip(&expected) {
            let (status, body) = send(&w, w.token(*who, scope), &query, &vars, upload).await;
            let got = classify(status, &body, &f.name, probe(&w, &f.name));
            cells += 1;
            if &got != want {
                failures.push(format!(
                    "{}: {who:?} expected {want}, got {got}\n    {query}\n    {vars}\n    {body}",
                    f.name
                ));
            }
            row.push(got.chars().next().unwrap_or('?'));
        }
        eprintln!(
            "{:<28} {}",
            f.name,
            row.iter()
                .map(char::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    eprintln!("{kind}: {} fields, {cells} cells", fields.len());
    assert!(
        failures.is_empty(),
        "{} cells differ from EXPECTED:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_root_query_field_admits_exactly_whom_it_should() {
    matrix("query").await;
}

#[tokio::test]
async fn every_root_mutation_field_admits_exactly_whom_it_should() {
    matrix("mutation").await;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Starts a subscription over `/graphql/ws` and classifies how it starts: `U` when the
/// connection is refused, `F`/`B`/… for an error on subscribe, `O` when it is running quietly.
async fn start_subscription(w: &World, token: Option<&str>, query: &str, vars: &Value) -> String {
    let mut request = format!("ws://{}/graphql/ws", w.app.addr)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut ws, _): (Socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let payload = match token {
        Some(t) => json!({ "authorization": format!("Bearer {t}") }),
        None => json!({}),
    };
    ws.send(Message::Text(
        json!({ "type": "connection_init", "payload": payload })
            .to_string()
            .into(),
    ))
    .await
    .expect("init");
    match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) if t.contains("connection_ack") => {}
        Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return "U".into(),
        other => return format!("?init {other:?}"),
    }
    ws.send(Message::Text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": vars } })
            .to_string()
            .into(),
    ))
    .await
    .expect("subscribe");
    let message = match tokio::time::timeout(Duration::from_millis(700), ws.next()).await {
        Err(_) => return "O".into(),
        Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Value>(&t).expect("json"),
        Ok(other) => return format!("?subscribe {other:?}"),
    };
    let errors = match message["type"].as_str() {
        Some("next") => message["payload"]["errors"].clone(),
        Some("error") => message["payload"].clone(),
        _ => return format!("?{message}"),
    };
    match errors.pointer("/0/extensions/code").and_then(Value::as_str) {
        Some("FORBIDDEN") => "F".into(),
        Some("UNAUTHENTICATED") => "U".into(),
        Some("BAD_USER_INPUT") => "B".into(),
        Some(other) => format!("?{other}"),
        None if errors.is_null() => "O".into(),
        None => format!("?{message}"),
    }
}

#[tokio::test]
async fn every_subscription_starts_only_for_whom_it_should() {
    let w = world().await;
    let s = live_schema(&w).await;
    let fields = s.root(&s.subscription).to_vec();
    let mut failures = Vec::new();
    let mut cells = 0;
    for (i, f) in fields.iter().enumerate() {
        let Some((scope, expected)) = expectation(&f.name) else {
            panic!("subscription {} has no row in EXPECTED", f.name);
        };
        let (query, vars) = operation(
            &w,
            &s,
            "subscription",
            f,
            u32::try_from(i).expect("few fields"),
        );
        for (who, want) in COLUMNS.iter().zip(&expected) {
            let got = start_subscription(&w, w.token(*who, scope), &query, &vars).await;
            cells += 1;
            if &got != want {
                failures.push(format!(
                    "{}: {who:?} expected {want}, got {got} ({query})",
                    f.name
                ));
            }
        }
    }
    eprintln!("subscription: {} fields, {cells} cells", fields.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// node / nodes: the IDOR path

#[tokio::test]
async fn node_and_nodes_do_not_hand_out_other_peoples_private_objects() {
    let w = world().await;
    let q = "query($id: ID!) { node(id: $id) { id } }";
    let many = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    // Who sees what: (object, [alice, otto, cora, ada]) — Alice is Hugo's colleague, Otto a
    // coordinator elsewhere, Cora Hugo's coordinator, Ada an administrator.
    let cases: Vec<(&str, &str, [bool; 4])> = vec![
        (
            "an ex-directory person",
            w.hugo.as_str(),
            [false, false, true, true],
        ),
        (
            "his device",
            w.hugo_device.as_str(),
            [false, false, true, true],
        ),
        (
            "his line (ex-directory number)",
            w.hugo_line.as_str(),
            [false, false, true, true],
        ),
        ("his call", w.call.as_str(), [false, false, false, true]),
        (
            "his voicemail",
            w.voicemail.as_str(),
            [false, false, false, true],
        ),
        (
            "his conference",
            w.conference.as_str(),
            [false, false, false, true],
        ),
        (
            "the unit's hunt group",
            w.hunt_group.as_str(),
            [false, false, true, true],
        ),
        (
            "the unit's pickup group",
            w.pickup_group.as_str(),
            [false, false, true, true],
        ),
        (
            "his executive-assistant group",
            w.ea_group.as_str(),
            [false, false, true, true],
        ),
        (
            "the unit's contact centre",
            w.centre.as_str(),
            [false, false, true, true],
        ),
    ];
    let people = ["alice", "otto", "cora", "ada"];
    let mut checked = 0;
    for (what, id, sees) in &cases {
        for (who, visible) in people.iter().zip(sees) {
            let r = w
                .app
                .graphql(q)
                .vars(json!({ "id": id }))
                .as_(&w.tokens[who])
                .send()
                .await
                .ok();
            let got = r.data("/node/id");
            if *visible {
                assert_eq!(got, *id, "{who} should see {what}");
            } else {
                assert_eq!(got, &Value::Null, "{who} must not see {what}: {:#}", r.body);
            }
            checked += 1;
        }
    }
    // `nodes` answers the same, position by position, and a service sees none of it.
    let ids: Vec<&str> = cases.iter().map(|(_, id, _)| *id).collect();
    for (who, column) in people.iter().zip(0..) {
        let r = w
            .app
            .graphql(many)
            .vars(json!({ "ids": ids }))
            .as_(&w.tokens[who])
            .send()
            .await
            .ok();
        for (i, (what, id, sees)) in cases.iter().enumerate() {
            let got = r.data(&format!("/nodes/{i}/id"));
            let want = if sees[column] { json!(id) } else { Value::Null };
            assert_eq!(got, &want, "nodes: {who} and {what}");
            checked += 1;
        }
    }
    for service in ["svc-all", "svc-none"] {
        let r = w
            .app
            .graphql(many)
            .vars(json!({ "ids": ids }))
            .as_(&w.tokens[service])
            .send()
            .await
            .ok();
        assert_eq!(
            r.data("/nodes"),
            &json!(vec![Value::Null; ids.len()]),
            "{service}: {:#}",
            r.body
        );
        checked += ids.len();
    }
    // Hidden and missing look the same: an unknown ID of a real type is null too.
    let ghost = encode(NodeType::Device, Uuid::now_v7()).0;
    let r = w
        .app
        .graphql(q)
        .vars(json!({ "id": ghost }))
        .as_(&w.tokens["alice"])
        .send()
        .await
        .ok();
    assert_eq!(r.data("/node"), &Value::Null);
    eprintln!("node/nodes: {checked} cells");
}

// ---------------------------------------------------------------------------------------------
// Executive-assistant groups: a manager speaks for themselves, not for the other managers

#[tokio::test]
async fn only_the_manager_their_assistants_and_the_unit_set_a_managers_divert_and_whitelist() {
    let w = world().await;
    // Alice joins Hugo's group as a second manager.
    let add = "mutation($i: AddEaGroupMemberInput!) { addEaGroupMember(input: $i) { userErrors { code message } } }";
    let alice = w
        .app
        .graphql("{ me { id } }")
        .as_(&w.tokens["alice"])
        .send()
        .await
        .ok()
        .data("/me/id")
        .as_str()
        .expect("id")
        .to_owned();
    let r = w
        .app
        .graphql(add)
        .vars(json!({ "i": { "groupId": w.ea_group, "personId": alice, "role": "MANAGER" } }))
        .as_(&w.tokens["ada"])
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/addEaGroupMember/userErrors"),
        &json!([]),
        "{:#}",
        r.body
    );
    let ivan = w.app.token("ivan").await;
    let divert =
        "mutation($i: SetEaDivertInput!) { setEaDivert(input: $i) { userErrors { code } } }";
    let whitelist = "mutation($i: EaWhitelistInput!) { addEaWhitelistEntry(input: $i) { userErrors { code } } }";
    let cases = [
        // (who, whose settings, allowed)
        ("alice", &w.hugo, false),
        ("alice", &alice, true),
        (ivan.as_str(), &w.hugo, true),
        (ivan.as_str(), &alice, true),
        ("cora", &w.hugo, true),
        ("otto", &w.hugo, false),
    ];
    for (n, (who, manager, allowed)) in cases.iter().enumerate() {
        let token = w.tokens.get(*who).map_or(*who, String::as_str);
        for (query, input, field) in [
            (
                divert,
                json!({ "groupId": w.ea_group, "managerId": manager, "enabled": true }),
                "setEaDivert",
            ),
            (
                whitelist,
                json!({ "groupId": w.ea_group, "managerId": manager, "number": format!("+4420794600{n:02}") }),
                "addEaWhitelistEntry",
            ),
        ] {
            let r = w
                .app
                .graphql(query)
                .vars(json!({ "i": input }))
                .as_(token)
                .send()
                .await
                .ok();
            let errors = r.data(&format!("/{field}/userErrors"));
            if *allowed {
                assert_eq!(errors, &json!([]), "{field} case {n}: {:#}", r.body);
            } else {
                assert_eq!(
                    errors.pointer("/0/code").and_then(Value::as_str),
                    Some("NOT_ALLOWED"),
                    "{field} case {n}: {:#}",
                    r.body
                );
            }
        }
    }
}

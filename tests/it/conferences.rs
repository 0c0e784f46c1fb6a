//! Teleconferences through the router: booking, rescheduling, cancelling and inviting; who
//! sees what; codes unique among overlapping conferences; bridge capacity, also under
//! concurrent bookings; each refusal with its code; the audit trail; optimistic versions.

use std::collections::HashSet;

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{GraphqlResponse, TestApp, fixtures};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use entity::{audit_event, enums::ConferenceStatus, teleconference};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

const FIELDS: &str = "id title owner { username } viewerCanManage startsAt endsAt timeZone \
    localStartsAt localEndsAt bridge dialInNumber accessCode moderatorPin capacity status \
    participants { person { username } number role } version";

fn create_q() -> String {
    format!(
        "mutation($input: CreateConferenceInput!) {{ createConference(input: $input) {{ \
         conference {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn reschedule_q() -> String {
    format!(
        "mutation($input: RescheduleConferenceInput!) {{ rescheduleConference(input: $input) {{ \
         conference {{ {FIELDS} }} codesChanged userErrors {{ field message code }} }} }}"
    )
}

fn cancel_q() -> String {
    format!(
        "mutation($input: CancelConferenceInput!) {{ cancelConference(input: $input) {{ \
         conference {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn add_q() -> String {
    format!(
        "mutation($input: AddConferenceParticipantsInput!) {{ \
         addConferenceParticipants(input: $input) {{ \
         conference {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn remove_q() -> String {
    format!(
        "mutation($input: RemoveConferenceParticipantsInput!) {{ \
         removeConferenceParticipants(input: $input) {{ \
         conference {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn one_q() -> String {
    format!("query($id: ID!) {{ conference(id: $id) {{ {FIELDS} }} }}")
}

const LIST: &str = "query($person: ID, $from: DateTime, $until: DateTime, $first: Int, \
    $after: String, $cancelled: Boolean) { conferences(personId: $person, from: $from, \
    until: $until, first: $first, after: $after, includeCancelled: $cancelled) { \
    totalCount nodes { id title status } pageInfo { hasNextPage endCursor } } }";

/// 1 July next year, 09:00 UTC (10:00 in London, summer time): always in the future.
fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(Utc::now().year() + 1, 7, 1, 9, 0, 0)
        .single()
        .expect("a valid instant")
}

fn at(minutes: i64) -> String {
    (base() + Duration::minutes(minutes)).to_rfc3339()
}

fn person_id(p: &entity::person::Model) -> String {
    encode(NodeType::Person, p.id).to_string()
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(app.db())
        .await
        .expect("count")
}

async fn conference_count(app: &TestApp) -> u64 {
    teleconference::Entity::find()
        .count(app.db())
        .await
        .expect("count")
}

/// Books a conference and returns it; panics on user errors.
async fn book(app: &TestApp, token: &str, input: Value) -> Value {
    let r = app
        .graphql(&create_q())
        .vars(json!({ "input": input }))
        .as_(token)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/createConference/userErrors"),
        &json!([]),
        "booking refused: {:#}",
        r.body
    );
    r.data("/createConference/conference").clone()
}

fn user_error(r: &GraphqlResponse, mutation: &str) -> (Value, String) {
    (
        r.data(&format!("/{mutation}/userErrors/0/field")).clone(),
        r.data(&format!("/{mutation}/userErrors/0/code"))
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

#[tokio::test]
async fn owners_book_conferences_and_participants_admins_and_strangers_see_what_they_should() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let alice = app.token(&cast.user.username).await;
    let cora = app.token(&cast.coordinator.username).await;
    let ada = app.token(&cast.admin.username).await;
    let otto = app.token(&cast.other_coordinator.username).await;

    let c = book(
        &app,
        &alice,
        json!({
            "title": "  Library committee ",
            "startsAt": at(0),
            "endsAt": at(60),
            "participants": [
                { "personId": person_id(&cast.coordinator) },
                { "number": "020 7946 0958", "role": "MODERATOR" },
            ],
        }),
    )
    .await;
    assert_eq!(c["title"], "Library committee", "trimmed");
    assert_eq!(c["owner"]["username"], "alice");
    assert_eq!(c["viewerCanManage"], true);
    assert_eq!(c["bridge"], "MAIN");
    assert_eq!(c["dialInNumber"], "+441865289000");
    assert_eq!(c["timeZone"], "Europe/London");
    let year = base().year();
    assert_eq!(c["localStartsAt"], format!("{year}-07-01T10:00:00+01:00"));
    assert_eq!(c["localEndsAt"], format!("{year}-07-01T11:00:00+01:00"));
    assert_eq!(c["capacity"], 3, "two invited plus the owner");
    assert_eq!(c["status"], "SCHEDULED");
    assert_eq!(c["version"], 1);
    let code = c["accessCode"].as_str().expect("an access code");
    let pin = c["moderatorPin"].as_str().expect("the owner sees the PIN");
    assert!(
        code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    assert!(
        pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
        "{pin}"
    );
    assert_eq!(
        c["participants"],
        json!([
            { "person": { "username": "cora" }, "number": null, "role": "PARTICIPANT" },
            { "person": null, "number": "+442079460958", "role": "MODERATOR" },
        ])
    );
    assert_eq!(audit_count(&app, "conference.create").await, 1);
    let id = c["id"].as_str().expect("id").to_owned();

    // An invited person sees it, with the access code but not the PIN.
    let r = app
        .graphql(&one_q())
        .vars(json!({ "id": id }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/conference/accessCode"), code);
    assert_eq!(r.data("/conference/moderatorPin"), &Value::Null);
    assert_eq!(r.data("/conference/viewerCanManage"), false);
    let r = app.graphql(LIST).as_(&cora).send().await.ok();
    assert_eq!(r.data("/conferences/nodes/0/id"), id.as_str());
    assert_eq!(r.data("/conferences/totalCount"), 1);

    // An administrator sees everything, and anyone's list.
    let r = app
        .graphql(&one_q())
        .vars(json!({ "id": id }))
        .as_(&ada)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/conference/moderatorPin"), pin);
    assert_eq!(r.data("/conference/viewerCanManage"), true);
    let r = app
        .graphql(LIST)
        .vars(json!({ "person": person_id(&cast.user) }))
        .as_(&ada)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/conferences/totalCount"), 1);

    // A stranger: the conference does not exist, another person's list is forbidden, and
    // their own list is empty.
    let r = app
        .graphql(&one_q())
        .vars(json!({ "id": id }))
        .as_(&otto)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/conference"), &Value::Null);
    let r = app
        .graphql(LIST)
        .vars(json!({ "person": person_id(&cast.user) }))
        .as_(&otto)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    let r = app.graphql(LIST).as_(&otto).send().await.ok();
    assert_eq!(r.data("/conferences/totalCount"), 0);

    // The owner's own list.
    let r = app.graphql(LIST).as_(&alice).send().await.ok();
    assert_eq!(r.data("/conferences/nodes/0/title"), "Library committee");

    // Inviting more than the reserved ports hold is refused.
    let r = app
        .graphql(&add_q())
        .vars(json!({ "input": { "conferenceId": id, "participants": [
            { "personId": person_id(&cast.admin), "role": "MODERATOR" }
        ] } }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/addConferenceParticipants/userErrors/0/code"),
        "RULE_VIOLATION",
        "three ports are taken by the owner and two invited"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_a_code_on_its_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let alice = app.token(&cast.user.username).await;
    let ok = json!({ "title": "Seminar", "startsAt": at(0), "endsAt": at(60) });
    let with = |patch: Value| {
        let mut input = ok.clone();
        for (k, v) in patch.as_object().expect("an object") {
            input[k] = v.clone();
        }
        input
    };
    let past = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let past_end = (Utc::now() + Duration::hours(1)).to_rfc3339();
    let nobody = encode(NodeType::Person, Uuid::now_v7()).to_string();
    let cora = person_id(&cast.coordinator);
    let cases = [
        (
            "inverted times",
            with(json!({ "endsAt": at(-30) })),
            json!(["input", "endsAt"]),
            "INVALID",
        ),
        (
            "no length",
            with(json!({ "endsAt": at(0) })),
            json!(["input", "endsAt"]),
            "INVALID",
        ),
        (
            "longer than a day",
            with(json!({ "endsAt": at(24 * 60 + 1) })),
            json!(["input", "endsAt"]),
            "INVALID",
        ),
        (
            "past start",
            with(json!({ "startsAt": past, "endsAt": past_end })),
            json!(["input", "startsAt"]),
            "INVALID",
        ),
        (
            "empty title",
            with(json!({ "title": "   " })),
            json!(["input", "title"]),
            "INVALID",
        ),
        (
            "unknown time zone",
            with(json!({ "timeZone": "Oxford/Radcliffe" })),
            json!(["input", "timeZone"]),
            "INVALID",
        ),
        (
            "one port",
            with(json!({ "ports": 1 })),
            json!(["input", "ports"]),
            "INVALID",
        ),
        (
            "more ports than the bridge",
            with(json!({ "ports": 121 })),
            json!(["input", "ports"]),
            "INVALID",
        ),
        (
            "unknown person",
            with(json!({ "participants": [{ "personId": nobody }] })),
            json!(["input", "participants", "0", "personId"]),
            "NOT_FOUND",
        ),
        (
            "not a person ID",
            with(json!({ "participants": [{ "personId": "bogus" }] })),
            json!(["input", "participants", "0", "personId"]),
            "NOT_FOUND",
        ),
        (
            "an ex-directory person the caller cannot see",
            with(json!({ "participants": [{ "personId": person_id(&cast.hidden) }] })),
            json!(["input", "participants", "0", "personId"]),
            "NOT_FOUND",
        ),
        (
            "invalid number",
            with(json!({ "participants": [{ "number": "not a number" }] })),
            json!(["input", "participants", "0", "number"]),
            "INVALID",
        ),
        (
            "both a person and a number",
            with(json!({ "participants": [{ "personId": cora, "number": "+442079460958" }] })),
            json!(["input", "participants", "0"]),
            "INVALID",
        ),
        (
            "duplicate person",
            with(json!({ "participants": [{ "personId": cora }, { "personId": cora }] })),
            json!(["input", "participants", "1", "personId"]),
            "DUPLICATE",
        ),
        (
            "duplicate number, written two ways",
            with(json!({ "participants": [
                { "number": "+44 20 7946 0958" }, { "number": "020 7946 0958" }
            ] })),
            json!(["input", "participants", "1", "number"]),
            "DUPLICATE",
        ),
        (
            "the owner invited",
            with(json!({ "participants": [{ "personId": person_id(&cast.user) }] })),
            json!(["input", "participants", "0", "personId"]),
            "DUPLICATE",
        ),
        (
            "more invited than ports",
            with(json!({ "ports": 2, "participants": [
                { "personId": cora }, { "number": "+442079460958" }
            ] })),
            json!(["input", "participants"]),
            "RULE_VIOLATION",
        ),
        (
            "over the bridge's capacity",
            with(json!({ "ports": 120, "bridge": "MAIN" })),
            json!(null),
            "",
        ),
        (
            "booking for someone else",
            with(json!({ "ownerId": cora })),
            json!(["input", "ownerId"]),
            "NOT_ALLOWED",
        ),
    ];
    for (why, input, field, code) in cases {
        let r = app
            .graphql(&create_q())
            .vars(json!({ "input": input }))
            .as_(&alice)
            .send()
            .await
            .ok();
        if code.is_empty() {
            // A booking that fills the bridge is fine while the bridge is empty.
            assert_eq!(r.data("/createConference/userErrors"), &json!([]), "{why}");
            continue;
        }
        assert_eq!(
            user_error(&r, "createConference"),
            (field, code.to_owned()),
            "{why}: {:#}",
            r.body
        );
        assert_eq!(
            r.data("/createConference/conference"),
            &Value::Null,
            "{why}"
        );
        let message = r.data("/createConference/userErrors/0/message");
        assert!(
            message.as_str().is_some_and(|m| !m.is_empty()),
            "{why}: a message"
        );
    }
    // Only the one good booking was written, with its one audit event.
    assert_eq!(conference_count(&app).await, 1);
    assert_eq!(audit_count(&app, "conference.create").await, 1);
    // Now the bridge is full for that hour.
    let r = app
        .graphql(&create_q())
        .vars(json!({ "input": with(json!({ "startsAt": at(30), "endsAt": at(90) })) }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        user_error(&r, "createConference"),
        (json!(["input", "ports"]), "RULE_VIOLATION".to_owned())
    );
    assert_eq!(conference_count(&app).await, 1);
}

#[tokio::test]
async fn bridge_capacity_counts_the_busiest_overlapping_instant_and_ignores_cancelled() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let alice = app.token(&cast.user.username).await;
    let cora = app.token(&cast.coordinator.username).await;
    let slot = |from: i64, to: i64, ports: i32| json!({ "title": "Call", "startsAt": at(from), "endsAt": at(to), "ports": ports });
    let first = book(&app, &alice, slot(0, 60, 100)).await;
    // Overlapping by 30 minutes: 100 + 30 > 120.
    let r = app
        .graphql(&create_q())
        .vars(json!({ "input": slot(30, 90, 30) }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(
        user_error(&r, "createConference"),
        (json!(["input", "ports"]), "RULE_VIOLATION".to_owned())
    );
    // 100 + 20 fits, and then 100 more at 10:00 only overlaps the 20.
    book(&app, &cora, slot(30, 90, 20)).await;
    book(&app, &cora, slot(60, 120, 100)).await;
    // Touching is not overlapping; another bridge is another bridge.
    book(&app, &cora, slot(-60, 0, 120)).await;
    let mut large = slot(0, 60, 300);
    large["bridge"] = json!("LARGE");
    let large = book(&app, &alice, large).await;
    assert_eq!(large["dialInNumber"], "+441865289100");

    let free = "query($from: DateTime!, $until: DateTime!) { conferenceBridges { bridge ports \
                freePorts(from: $from, until: $until) } }";
    let r = app
        .graphql(free)
        .vars(json!({ "from": at(0), "until": at(60) }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/conferenceBridges"),
        &json!([
            { "bridge": "MAIN", "ports": 120, "freePorts": 0 },
            { "bridge": "LARGE", "ports": 300, "freePorts": 0 },
        ])
    );

    // Cancelling frees the ports at once.
    let r = app
        .graphql(&cancel_q())
        .vars(json!({ "input": { "conferenceId": first["id"] } }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/cancelConference/conference/status"), "CANCELLED");
    let r = app
        .graphql(free)
        .vars(json!({ "from": at(0), "until": at(30) }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/conferenceBridges/0/freePorts"), 120);
    book(&app, &alice, slot(0, 30, 120)).await;
}

#[tokio::test]
async fn codes_are_unique_among_overlapping_conferences_and_regenerated_when_a_move_clashes() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let alice = app.token(&cast.user.username).await;
    let mut codes = HashSet::new();
    for i in 0..20 {
        let c = book(
            &app,
            &alice,
            json!({ "title": format!("Call {i}"), "startsAt": at(i), "endsAt": at(60 + i) }),
        )
        .await;
        for key in ["accessCode", "moderatorPin"] {
            let code = c[key].as_str().expect("a code").to_owned();
            assert!(codes.insert(code), "{key} of call {i} is taken");
        }
    }

    // A conference later in the day holding the codes of one at 09:00 is fine: they do not
    // overlap. (Written directly: the API would never pick the same codes.)
    let early = book(
        &app,
        &alice,
        json!({ "title": "Early", "startsAt": at(-120), "endsAt": at(-60) }),
    )
    .await;
    let early_id = early["id"].as_str().expect("id").to_owned();
    let (code, pin) = (
        early["accessCode"].as_str().expect("code").to_owned(),
        early["moderatorPin"].as_str().expect("pin").to_owned(),
    );
    teleconference::ActiveModel {
        id: Set(Uuid::now_v7()),
        owner_id: Set(cast.coordinator.id),
        title: Set("Afternoon".into()),
        starts_at: Set(base() + Duration::hours(5)),
        ends_at: Set(base() + Duration::hours(6)),
        time_zone: Set("Europe/London".into()),
        bridge: Set("MAIN".into()),
        dial_in_number: Set("+441865289000".into()),
        access_code: Set(code.clone()),
        moderator_pin: Set(pin.clone()),
        capacity: Set(2),
        status: Set(ConferenceStatus::Scheduled),
        created_at: Set(Utc::now()),
        version: Set(1),
    }
    .insert(app.db())
    .await
    .expect("insert");

    // Moving without a clash keeps the codes.
    let r = app
        .graphql(&reschedule_q())
        .vars(json!({ "input": {
            "conferenceId": early_id, "startsAt": at(-180), "endsAt": at(-120)
        } }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/rescheduleConference/codesChanged"), false);
    assert_eq!(
        r.data("/rescheduleConference/conference/accessCode"),
        code.as_str()
    );

    // Moving onto the afternoon one: new codes, and they clash with nothing there.
    let r = app
        .graphql(&reschedule_q())
        .vars(json!({ "input": {
            "conferenceId": early_id, "startsAt": at(5 * 60 + 30), "endsAt": at(6 * 60 + 30)
        } }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/rescheduleConference/userErrors"),
        &json!([]),
        "{:#}",
        r.body
    );
    assert_eq!(r.data("/rescheduleConference/codesChanged"), true);
    let new_code = r.data("/rescheduleConference/conference/accessCode");
    let new_pin = r.data("/rescheduleConference/conference/moderatorPin");
    for taken in [&code, &pin] {
        assert_ne!(new_code, taken.as_str());
        assert_ne!(new_pin, taken.as_str());
    }
}

#[tokio::test]
async fn reschedule_and_cancel_check_versions_rights_and_state_and_are_audited() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let alice = app.token(&cast.user.username).await;
    let cora = app.token(&cast.coordinator.username).await;
    let otto = app.token(&cast.other_coordinator.username).await;
    let ada = app.token(&cast.admin.username).await;
    let c = book(
        &app,
        &alice,
        json!({ "title": "Board", "startsAt": at(0), "endsAt": at(60),
                "participants": [{ "personId": person_id(&cast.coordinator) }] }),
    )
    .await;
    let id = c["id"].as_str().expect("id").to_owned();
    let move_to = |from: i64, to: i64, version: Option<i32>| {
        json!({ "input": { "conferenceId": id, "startsAt": at(from), "endsAt": at(to),
                           "expectedVersion": version, "timeZone": "America/New_York" } })
    };

    // Invited, but not the owner: not allowed. A stranger: not found.
    for (token, code) in [(&cora, "NOT_ALLOWED"), (&otto, "NOT_FOUND")] {
        let r = app
            .graphql(&reschedule_q())
            .vars(move_to(120, 180, None))
            .as_(token)
            .send()
            .await
            .ok();
        assert_eq!(
            user_error(&r, "rescheduleConference"),
            (json!(["input", "conferenceId"]), code.to_owned())
        );
    }
    // Bad times.
    let r = app
        .graphql(&reschedule_q())
        .vars(move_to(180, 120, Some(1)))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        user_error(&r, "rescheduleConference"),
        (json!(["input", "endsAt"]), "INVALID".to_owned())
    );
    assert_eq!(audit_count(&app, "conference.reschedule").await, 0);

    let r = app
        .graphql(&reschedule_q())
        .vars(move_to(120, 180, Some(1)))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/rescheduleConference/conference/version"), 2);
    assert_eq!(
        r.data("/rescheduleConference/conference/timeZone"),
        "America/New_York"
    );
    let year = base().year();
    assert_eq!(
        r.data("/rescheduleConference/conference/localStartsAt"),
        format!("{year}-07-01T07:00:00-04:00").as_str()
    );
    assert_eq!(audit_count(&app, "conference.reschedule").await, 1);

    // A second edit based on version 1 loses: CONFLICT, nothing changed.
    let r = app
        .graphql(&reschedule_q())
        .vars(move_to(240, 300, Some(1)))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        user_error(&r, "rescheduleConference").1,
        "CONFLICT".to_owned()
    );
    let r = app
        .graphql(&cancel_q())
        .vars(json!({ "input": { "conferenceId": id, "expectedVersion": 1 } }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(user_error(&r, "cancelConference").1, "CONFLICT".to_owned());
    let r = app
        .graphql(&one_q())
        .vars(json!({ "id": id }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/conference/startsAt"), at(120).as_str());
    assert_eq!(r.data("/conference/status"), "SCHEDULED");

    // An administrator cancels with the right version; cancelling again changes nothing.
    let r = app
        .graphql(&cancel_q())
        .vars(json!({ "input": { "conferenceId": id, "expectedVersion": 2 } }))
        .as_(&ada)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/cancelConference/conference/status"), "CANCELLED");
    assert_eq!(r.data("/cancelConference/conference/version"), 3);
    let r = app
        .graphql(&cancel_q())
        .vars(json!({ "input": { "conferenceId": id } }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/cancelConference/conference/version"), 3);
    assert_eq!(audit_count(&app, "conference.cancel").await, 1);
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("conference.cancel"))
        .one(app.db())
        .await
        .expect("db")
        .expect("an event");
    assert_eq!(event.actor, "ada");
    assert_eq!(event.subject_type, "teleconference");
    assert_eq!(
        event
            .before
            .as_ref()
            .and_then(|b| b.pointer("/conference/status")),
        Some(&json!("SCHEDULED"))
    );
    assert_eq!(
        event
            .after
            .as_ref()
            .and_then(|a| a.pointer("/conference/status")),
        Some(&json!("CANCELLED"))
    );

    // A cancelled conference is not moved, and leaves the lists unless asked for.
    let r = app
        .graphql(&reschedule_q())
        .vars(move_to(0, 60, None))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        user_error(&r, "rescheduleConference").1,
        "RULE_VIOLATION".to_owned()
    );
    for (token, cancelled, n) in [(&alice, false, 0), (&alice, true, 1), (&cora, true, 1)] {
        let r = app
            .graphql(LIST)
            .vars(json!({ "cancelled": cancelled }))
            .as_(token)
            .send()
            .await
            .ok();
        assert_eq!(
            r.data("/conferences/totalCount"),
            n,
            "cancelled={cancelled}"
        );
    }
}

#[tokio::test]
async fn owners_invite_and_uninvite_and_moderators_see_the_pin() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let alice = app.token(&cast.user.username).await;
    let cora = app.token(&cast.coordinator.username).await;
    let c = book(
        &app,
        &alice,
        json!({ "title": "Review", "startsAt": at(0), "endsAt": at(60), "ports": 4 }),
    )
    .await;
    let id = c["id"].as_str().expect("id").to_owned();
    let pin = c["moderatorPin"].as_str().expect("pin").to_owned();
    let add = |participants: Value, version: Option<i32>| {
        json!({ "input": { "conferenceId": id, "participants": participants,
                           "expectedVersion": version } })
    };

    let r = app
        .graphql(&add_q())
        .vars(add(
            json!([
                { "personId": person_id(&cast.coordinator), "role": "MODERATOR" },
                { "number": "+1 650 253 0000" },
            ]),
            Some(1),
        ))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/addConferenceParticipants/userErrors"), &json!([]));
    assert_eq!(r.data("/addConferenceParticipants/conference/version"), 2);
    assert_eq!(
        r.data("/addConferenceParticipants/conference/participants"),
        &json!([
            { "person": { "username": "cora" }, "number": null, "role": "MODERATOR" },
            { "person": null, "number": "+16502530000", "role": "PARTICIPANT" },
        ])
    );
    // Cora, invited as moderator, sees the PIN, but cannot invite.
    let r = app
        .graphql(&one_q())
        .vars(json!({ "id": id }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/conference/moderatorPin"), pin.as_str());
    let ada = json!([{ "personId": person_id(&cast.admin) }]);
    let r = app
        .graphql(&add_q())
        .vars(add(ada.clone(), None))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(
        user_error(&r, "addConferenceParticipants").1,
        "NOT_ALLOWED".to_owned()
    );

    let cases = [
        (
            add(json!([{ "personId": person_id(&cast.coordinator) }]), None),
            json!(["input", "participants", "0", "personId"]),
            "DUPLICATE",
        ),
        (
            add(json!([{ "number": "001 650 253 0000" }]), None),
            json!(["input", "participants", "0", "number"]),
            "DUPLICATE",
        ),
        (
            add(
                json!([{ "personId": person_id(&cast.admin) }, { "number": "+442079460958" }]),
                None,
            ),
            json!(["input", "participants"]),
            "RULE_VIOLATION",
        ),
        (
            add(ada.clone(), Some(1)),
            json!(["input", "expectedVersion"]),
            "CONFLICT",
        ),
        (
            add(json!([{ "number": "12" }]), None),
            json!(["input", "participants", "0", "number"]),
            "INVALID",
        ),
        (
            add(json!([{}]), None),
            json!(["input", "participants", "0"]),
            "INVALID",
        ),
    ];
    for (vars, field, code) in cases {
        let r = app
            .graphql(&add_q())
            .vars(vars)
            .as_(&alice)
            .send()
            .await
            .ok();
        assert_eq!(
            user_error(&r, "addConferenceParticipants"),
            (field, code.to_owned()),
            "{:#}",
            r.body
        );
    }
    assert_eq!(audit_count(&app, "conference.add_participants").await, 1);

    let r = app
        .graphql(&remove_q())
        .vars(json!({ "input": { "conferenceId": id, "participants": [
            { "number": "+16502530000" }, { "personId": person_id(&cast.admin) }
        ] } }))
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        user_error(&r, "removeConferenceParticipants"),
        (
            json!(["input", "participants", "1", "personId"]),
            "NOT_FOUND".to_owned()
        ),
        "not invited: nothing removed"
    );
    let r = app
        .graphql(&remove_q())
        .vars(
            json!({ "input": { "conferenceId": id, "expectedVersion": 2, "participants": [
            { "number": "+16502530000" }, { "personId": person_id(&cast.coordinator) }
        ] } }),
        )
        .as_(&alice)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/removeConferenceParticipants/conference/participants"),
        &json!([])
    );
    assert_eq!(
        r.data("/removeConferenceParticipants/conference/version"),
        3
    );
    assert_eq!(audit_count(&app, "conference.remove_participants").await, 1);
    // Uninvited, Cora no longer sees it.
    let r = app
        .graphql(&one_q())
        .vars(json!({ "id": id }))
        .as_(&cora)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/conference"), &Value::Null);
}

#[tokio::test]
async fn concurrent_bookings_never_overbook_a_bridge() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let tokens = [
        app.token(&cast.user.username).await,
        app.token(&cast.coordinator.username).await,
        app.token(&cast.admin.username).await,
        app.token(&cast.other_coordinator.username).await,
    ];
    let q = create_q();
    // Eight bookings of 50 ports for the same hour on a 120-port bridge: two fit.
    let calls = (0..8).map(|i| {
        app.graphql(&q)
            .vars(json!({ "input": {
                "title": format!("Rush {i}"), "startsAt": at(0), "endsAt": at(60), "ports": 50
            } }))
            .as_(&tokens[i % tokens.len()])
            .send()
    });
    let responses = futures_util::future::join_all(calls).await;
    let mut booked = 0;
    for r in responses {
        let r = r.ok();
        if r.data("/createConference/conference").is_null() {
            assert_eq!(
                user_error(&r, "createConference"),
                (json!(["input", "ports"]), "RULE_VIOLATION".to_owned())
            );
        } else {
            booked += 1;
        }
    }
    assert_eq!(booked, 2);
    assert_eq!(conference_count(&app).await, 2);
    assert_eq!(audit_count(&app, "conference.create").await, 2);
}

#[tokio::test]
async fn a_persons_conferences_are_listed_soonest_first_in_keyset_pages_within_a_window() {
    let app = TestApp::spawn().await;
    let cast = fixtures::cast(app.db()).await;
    let alice = app.token(&cast.user.username).await;
    let cora = app.token(&cast.coordinator.username).await;
    // Booked out of order; two of them by Cora, one inviting Alice.
    for (token, from, invite) in [
        (&alice, 180, false),
        (&alice, 0, false),
        (&cora, 120, true),
        (&cora, 60, false),
        (&alice, 240, false),
        (&alice, 60, false),
    ] {
        let participants = if invite {
            json!([{ "personId": person_id(&cast.user) }])
        } else {
            json!([])
        };
        book(
            &app,
            token,
            json!({ "title": format!("{from}"), "startsAt": at(from), "endsAt": at(from + 30),
                    "participants": participants }),
        )
        .await;
    }
    let mut titles = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let r = app
            .graphql(LIST)
            .vars(json!({ "first": 2, "after": after }))
            .as_(&alice)
            .send()
            .await
            .ok();
        assert_eq!(r.data("/conferences/totalCount"), 5);
        for n in r.data("/conferences/nodes").as_array().expect("nodes") {
            titles.push(n["title"].as_str().expect("title").to_owned());
        }
        if r.data("/conferences/pageInfo/hasNextPage") != true {
            break;
        }
        after = r
            .data("/conferences/pageInfo/endCursor")
            .as_str()
            .map(str::to_owned);
    }
    assert_eq!(titles, ["0", "60", "120", "180", "240"]);

    // A window: still running at 01:10 after the base, starting before 03:00.
    let r = app
        .graphql(LIST)
        .vars(json!({ "from": at(70), "until": at(180) }))
        .as_(&alice)
        .send()
        .await
        .ok();
    let titles: Vec<&str> = r
        .data("/conferences/nodes")
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert_eq!(titles, ["60", "120"]);
    let r = app
        .graphql(LIST)
        .vars(json!({ "from": at(70), "until": at(70) }))
        .as_(&alice)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"));
    let r = app
        .graphql(LIST)
        .vars(json!({ "after": "garbage" }))
        .as_(&alice)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"));
}

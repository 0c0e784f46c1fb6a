//! Contact centres through the router: creation, opening hours and their refusals, `openAt`
//! across the 2026 clock changes and on closure days, closures, queues and agents, who sees
//! and changes what, optimistic versions under concurrency, and the audit trail.

use chorus::graphql::node::{NodeType, encode};
use chorus_tests::{TestApp, fixtures};
use chrono::Utc;
use entity::{audit_event, enums::*, line, person};
use futures_util::future::join_all;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

const CENTRE: &str = "id name version timeZone pilotNumber unit { code } \
    openingHours { weekday opens closes } closures { date reason } outOfHours { kind target } \
    queues { id name position maxWaiting maxWaitSeconds overflow { kind target } agents { username } }";

const QUEUE_MUTATIONS: [&str; 4] = [
    "createQueue",
    "updateQueue",
    "addQueueAgents",
    "removeQueueAgents",
];

/// A college with the standard cast, a shared line and a contact centre on it created by the
/// admin through the API (version 1, no hours, no queues).
struct Desk {
    app: TestApp,
    cast: fixtures::Cast,
    admin: String,
    coordinator: String,
    other_coordinator: String,
    user: String,
    pilot: line::Model,
    centre: String,
}

async fn shared_line(app: &TestApp, unit_id: Uuid, e164: &str, extension: &str) -> line::Model {
    line::ActiveModel {
        id: Set(Uuid::now_v7()),
        e164: Set(e164.into()),
        extension: Set(extension.into()),
        kind: Set(LineKind::Shared),
        owner_id: Set(None),
        unit_id: Set(unit_id),
        label: Set(Some("Help desk".into())),
        dialling_permission: Set(DiallingPermission::National),
        created_at: Set(Utc::now()),
        version: Set(0),
        quarantined_until: Set(None),
    }
    .insert(app.db())
    .await
    .expect("insert line")
}

impl Desk {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let cast = fixtures::cast(app.db()).await;
        let admin = app.token(&cast.admin.username).await;
        let coordinator = app.token(&cast.coordinator.username).await;
        let other_coordinator = app.token(&cast.other_coordinator.username).await;
        let user = app.token(&cast.user.username).await;
        let pilot = shared_line(&app, cast.college.id, "+441865612345", "12345").await;
        let r = mutate(
            &app,
            &admin,
            "createContactCentre",
            json!({
                "unitId": encode(NodeType::Unit, cast.college.id),
                "name": "College Help Desk",
                "pilotLineId": encode(NodeType::Line, pilot.id),
            }),
        )
        .await;
        assert_eq!(errors(&r, "createContactCentre"), json!([]));
        let centre = r
            .data("/createContactCentre/contactCentre/id")
            .as_str()
            .expect("an id")
            .to_owned();
        Self {
            app,
            cast,
            admin,
            coordinator,
            other_coordinator,
            user,
            pilot,
            centre,
        }
    }

    async fn run(
        &self,
        token: &str,
        mutation: &str,
        input: Value,
    ) -> chorus_tests::GraphqlResponse {
        mutate(&self.app, token, mutation, input).await
    }

    /// The centre as the admin sees it.
    async fn read(&self) -> Value {
        self.app
            .graphql(&format!(
                "query($id: ID!) {{ contactCentre(id: $id) {{ {CENTRE} }} }}"
            ))
            .vars(json!({ "id": self.centre }))
            .as_(&self.admin)
            .send()
            .await
            .ok()
            .data("/contactCentre")
            .clone()
    }

    async fn version(&self) -> i64 {
        self.read().await["version"].as_i64().expect("a version")
    }

    /// Runs a centre mutation with the current version, expecting success.
    async fn change(&self, mutation: &str, mut input: Value) -> Value {
        input["centreId"] = json!(self.centre);
        input["expectedVersion"] = json!(self.version().await);
        let r = self.run(&self.admin, mutation, input).await;
        assert_eq!(errors(&r, mutation), json!([]), "{mutation}");
        r.data(&format!("/{mutation}")).clone()
    }

    /// Runs a queue mutation with the current version, expecting success.
    async fn change_queue(&self, mutation: &str, queue: &str, mut input: Value) -> Value {
        input["queueId"] = json!(queue);
        input["expectedVersion"] = json!(self.version().await);
        let r = self.run(&self.admin, mutation, input).await;
        assert_eq!(errors(&r, mutation), json!([]), "{mutation}");
        r.data(&format!("/{mutation}")).clone()
    }

    /// Mon–Fri 08:30–18:00 and Saturday 09:00–13:00, the IT Service Desk's week.
    async fn service_desk_hours(&self) {
        let mut hours: Vec<Value> = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
            .iter()
            .map(|d| json!({ "weekday": d, "opens": "08:30", "closes": "18:00" }))
            .collect();
        hours.push(json!({ "weekday": "SATURDAY", "opens": "09:00", "closes": "13:00" }));
        self.change("setOpeningHours", json!({ "hours": hours }))
            .await;
    }

    async fn open_at(&self, token: &str, at: &str) -> Value {
        self.app
            .graphql("query($id: ID!, $at: DateTime) { contactCentre(id: $id) { openAt(at: $at) { open reason nextChange localTime } } }")
            .vars(json!({ "id": self.centre, "at": at }))
            .as_(token)
            .send()
            .await
            .ok()
            .data("/contactCentre/openAt")
            .clone()
    }

    async fn audit_count(&self, action: &str) -> u64 {
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq(action))
            .count(self.app.db())
            .await
            .expect("count")
    }

    async fn all_audit(&self) -> u64 {
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.starts_with("contact_centre."))
            .count(self.app.db())
            .await
            .expect("count")
    }
}

async fn mutate(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input: Value,
) -> chorus_tests::GraphqlResponse {
    let mut chars = mutation.chars();
    let input_type = match chars.next() {
        Some(first) => format!("{}{}Input", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    };
    let queue = if QUEUE_MUTATIONS.contains(&mutation) {
        "queue { id name position agents { username } }"
    } else {
        ""
    };
    app.graphql(&format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {queue} contactCentre {{ {CENTRE} }} userErrors {{ field message code }} }} }}"
    ))
    .vars(json!({ "input": input }))
    .as_(token)
    .send()
    .await
}

fn errors(r: &chorus_tests::GraphqlResponse, mutation: &str) -> Value {
    assert!(
        r.body.get("errors").is_none(),
        "top-level errors: {:#}",
        r.body
    );
    r.data(&format!("/{mutation}/userErrors")).clone()
}

/// Asserts one user error with this code, field path and fine code in its message, and that
/// the payload holds no centre.
fn assert_refused(
    r: &chorus_tests::GraphqlResponse,
    mutation: &str,
    code: &str,
    field: &[&str],
    message_has: &str,
) {
    let errs = errors(r, mutation);
    assert_eq!(errs[0]["code"], code, "{mutation}: {errs:#}");
    assert_eq!(errs[0]["field"], json!(field), "{mutation}: {errs:#}");
    let message = errs[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(message_has),
        "{mutation}: {message:?} lacks {message_has:?}"
    );
    assert_eq!(
        r.data(&format!("/{mutation}/contactCentre")),
        &Value::Null,
        "{mutation}"
    );
}

fn hours(periods: &[(&str, &str, &str)]) -> Value {
    periods
        .iter()
        .map(|(d, o, c)| json!({ "weekday": d, "opens": o, "closes": c }))
        .collect()
}

async fn teams_person(app: &TestApp, unit_id: Uuid) -> person::Model {
    let (p, _, _) = fixtures::person(
        app.db(),
        fixtures::NewPerson {
            username: "tess",
            display_name: "Tess Teams",
            unit_id,
            ex_directory: false,
        },
    )
    .await;
    let mut active: person::ActiveModel = p.into();
    active.platform = Set(Platform::Teams);
    active.update(app.db()).await.expect("move to Teams")
}

fn person_id(p: &person::Model) -> String {
    encode(NodeType::Person, p.id).0
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn administrators_create_centres_that_start_closed_with_voicemail_out_of_hours() {
    let desk = Desk::new().await;
    let centre = desk.read().await;
    assert_eq!(centre["name"], "College Help Desk");
    assert_eq!(centre["version"], 1);
    assert_eq!(centre["timeZone"], "Europe/London");
    assert_eq!(centre["pilotNumber"], "+441865612345");
    assert_eq!(centre["unit"]["code"], "BALL");
    assert_eq!(
        centre["outOfHours"],
        json!({ "kind": "VOICEMAIL", "target": null })
    );
    assert_eq!(centre["openingHours"], json!([]));
    assert_eq!(centre["queues"], json!([]));
    let state = desk.open_at(&desk.admin, "2026-03-30T10:00:00Z").await;
    assert_eq!(state["open"], false);
    assert_eq!(state["reason"], "closed: no opening hours on Mondays");
    assert_eq!(state["nextChange"], Value::Null, "never opens");
    assert_eq!(desk.audit_count("contact_centre.create").await, 1);

    let unit = encode(NodeType::Unit, desk.cast.college.id);
    let personal = line::Entity::find()
        .filter(line::Column::OwnerId.eq(desk.cast.user.id))
        .one(desk.app.db())
        .await
        .expect("query")
        .expect("alice's line");
    let other = shared_line(&desk.app, desk.cast.college.id, "+441865612399", "12399").await;
    let cases = [
        (
            json!({ "unitId": unit, "name": "Lodge", "pilotLineId": encode(NodeType::Line, personal.id) }),
            "RULE_VIOLATION",
            vec!["input", "pilotLineId"],
            "PILOT_LINE_PERSONAL",
        ),
        (
            json!({ "unitId": unit, "name": "Lodge", "pilotLineId": encode(NodeType::Line, desk.pilot.id) }),
            "DUPLICATE",
            vec!["input", "pilotLineId"],
            "PILOT_LINE_IN_USE",
        ),
        (
            json!({ "unitId": unit, "name": "college help desk", "pilotLineId": encode(NodeType::Line, other.id) }),
            "DUPLICATE",
            vec!["input", "name"],
            "DUPLICATE_NAME",
        ),
        (
            json!({ "unitId": unit, "name": "Lodge", "pilotLineId": encode(NodeType::Line, other.id), "timeZone": "Oxford/Radcliffe" }),
            "INVALID",
            vec!["input", "timeZone"],
            "INVALID_TIME_ZONE",
        ),
        (
            json!({ "unitId": unit, "name": "  ", "pilotLineId": encode(NodeType::Line, other.id) }),
            "INVALID",
            vec!["input", "name"],
            "INVALID_NAME",
        ),
        (
            json!({ "unitId": unit, "name": "Lodge", "pilotLineId": encode(NodeType::Line, other.id),
                    "outOfHours": { "kind": "NUMBER", "target": "01865 612399" } }),
            "RULE_VIOLATION",
            vec!["input", "outOfHours"],
            "FALLBACK_LOOP",
        ),
        (
            json!({ "unitId": encode(NodeType::Unit, Uuid::now_v7()), "name": "Lodge", "pilotLineId": encode(NodeType::Line, other.id) }),
            "NOT_FOUND",
            vec!["input", "unitId"],
            "no such unit",
        ),
    ];
    for (input, code, field, message) in cases {
        let r = desk.run(&desk.admin, "createContactCentre", input).await;
        assert_refused(&r, "createContactCentre", code, &field, message);
    }
    assert_eq!(
        desk.audit_count("contact_centre.create").await,
        1,
        "refusals write nothing"
    );

    // Coordinators configure centres but do not create them.
    let r = desk
        .run(
            &desk.coordinator,
            "createContactCentre",
            json!({ "unitId": unit, "name": "Lodge", "pilotLineId": encode(NodeType::Line, other.id) }),
        )
        .await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));

    // A Europe/New_York centre with an out-of-hours person, for completeness.
    let r = desk
        .run(
            &desk.admin,
            "createContactCentre",
            json!({ "unitId": unit, "name": "Lodge", "pilotLineId": encode(NodeType::Line, other.id),
                    "timeZone": " America/New_York", "outOfHours": { "kind": "PERSON", "target": person_id(&desk.cast.coordinator) } }),
        )
        .await;
    assert_eq!(errors(&r, "createContactCentre"), json!([]));
    assert_eq!(
        r.data("/createContactCentre/contactCentre/timeZone"),
        "America/New_York"
    );
    assert_eq!(
        r.data("/createContactCentre/contactCentre/outOfHours"),
        &json!({ "kind": "PERSON", "target": person_id(&desk.cast.coordinator) })
    );
}

#[tokio::test]
async fn opening_hours_replace_the_whole_week_and_bad_periods_change_nothing() {
    let desk = Desk::new().await;
    desk.service_desk_hours().await;
    let centre = desk.read().await;
    assert_eq!(centre["version"], 2);
    assert_eq!(centre["openingHours"].as_array().map(Vec::len), Some(6));
    assert_eq!(
        centre["openingHours"][0],
        json!({ "weekday": "MONDAY", "opens": "08:30", "closes": "18:00" })
    );
    assert_eq!(
        centre["openingHours"][5],
        json!({ "weekday": "SATURDAY", "opens": "09:00", "closes": "13:00" })
    );

    // Replacing is replacing: two periods on one day, in any order, touching; midnight closes.
    let week = desk
        .change(
            "setOpeningHours",
            json!({ "hours": hours(&[
                ("SUNDAY", "22:00", "24:00"),
                ("TUESDAY", "12:00", "17:00"),
                ("TUESDAY", "09:00", "12:00"),
                ("WEDNESDAY", "18:00", "00:00"),
            ]) }),
        )
        .await;
    assert_eq!(
        week["contactCentre"]["openingHours"],
        json!([
            { "weekday": "TUESDAY", "opens": "09:00", "closes": "12:00" },
            { "weekday": "TUESDAY", "opens": "12:00", "closes": "17:00" },
            { "weekday": "WEDNESDAY", "opens": "18:00", "closes": "24:00" },
            { "weekday": "SUNDAY", "opens": "22:00", "closes": "24:00" },
        ])
    );
    assert_eq!(week["contactCentre"]["version"], 3);
    let before = desk.read().await;

    let cases = [
        (
            hours(&[("MONDAY", "18:00", "09:00")]),
            vec!["input", "hours", "0", "closes"],
            "INVERTED_HOURS",
        ),
        (
            hours(&[("MONDAY", "08:30", "18:00"), ("MONDAY", "09:00", "09:00")]),
            vec!["input", "hours", "1", "closes"],
            "INVERTED_HOURS",
        ),
        (
            hours(&[
                ("TUESDAY", "13:00", "18:00"),
                ("THURSDAY", "09:00", "17:00"),
                ("TUESDAY", "09:00", "13:30"),
            ]),
            vec!["input", "hours", "2"],
            "OVERLAPPING_HOURS",
        ),
        (
            hours(&[("FRIDAY", "20:00", "24:00"), ("FRIDAY", "23:00", "23:30")]),
            vec!["input", "hours", "1"],
            "OVERLAPPING_HOURS",
        ),
        (
            hours(&[("MONDAY", "8.30", "18:00")]),
            vec!["input", "hours", "0", "opens"],
            "INVALID_TIME",
        ),
        (
            hours(&[("MONDAY", "09:00", "25:00")]),
            vec!["input", "hours", "0", "closes"],
            "INVALID_TIME",
        ),
        (
            hours(&[("MONDAY", "24:00", "24:00")]),
            vec!["input", "hours", "0", "opens"],
            "INVALID_TIME",
        ),
    ];
    for (periods, field, fine) in cases {
        let r = desk
            .run(
                &desk.coordinator,
                "setOpeningHours",
                json!({ "centreId": desk.centre, "expectedVersion": 3, "hours": periods }),
            )
            .await;
        assert_refused(&r, "setOpeningHours", "INVALID", &field, fine);
        assert_eq!(desk.read().await, before, "{fine}: nothing changed");
    }
    assert_eq!(
        desk.audit_count("contact_centre.set_opening_hours").await,
        2
    );

    // An empty week is allowed: always closed.
    desk.change("setOpeningHours", json!({ "hours": [] })).await;
    let state = desk.open_at(&desk.admin, "2026-06-02T10:00:00Z").await;
    assert_eq!(state["open"], false);
    assert_eq!(state["nextChange"], Value::Null);
}

#[tokio::test]
async fn open_at_follows_the_wall_clock_on_both_2026_clock_change_mondays() {
    let desk = Desk::new().await;
    desk.service_desk_hours().await;
    // (instant, open, reason, next change, local time)
    let cases = [
        // Monday 30 March 2026, the day after the clocks went forward: 08:30 BST is 07:30 UTC.
        (
            "2026-03-30T07:29:00Z",
            false,
            "closed: outside opening hours (Monday 08:30–18:00)",
            "2026-03-30T07:30:00+00:00",
            "2026-03-30T08:29:00+01:00",
        ),
        (
            "2026-03-30T07:30:00Z",
            true,
            "open: Monday 08:30–18:00",
            "2026-03-30T17:00:00+00:00",
            "2026-03-30T08:30:00+01:00",
        ),
        // Monday 26 October 2026, the day after the clocks went back: 08:30 GMT is 08:30 UTC.
        (
            "2026-10-26T07:30:00Z",
            false,
            "closed: outside opening hours (Monday 08:30–18:00)",
            "2026-10-26T08:30:00+00:00",
            "2026-10-26T07:30:00+00:00",
        ),
        (
            "2026-10-26T08:30:00Z",
            true,
            "open: Monday 08:30–18:00",
            "2026-10-26T18:00:00+00:00",
            "2026-10-26T08:30:00+00:00",
        ),
        // Over the weekends of the changes: Saturday closes 13:00 on one clock, Monday opens
        // 08:30 on the other.
        (
            "2026-03-28T13:00:00Z",
            false,
            "closed: outside opening hours (Saturday 09:00–13:00)",
            "2026-03-30T07:30:00+00:00",
            "2026-03-28T13:00:00+00:00",
        ),
        (
            "2026-10-24T12:00:00Z",
            false,
            "closed: outside opening hours (Saturday 09:00–13:00)",
            "2026-10-26T08:30:00+00:00",
            "2026-10-24T13:00:00+01:00",
        ),
        (
            "2026-10-25T12:00:00Z",
            false,
            "closed: no opening hours on Sundays",
            "2026-10-26T08:30:00+00:00",
            "2026-10-25T12:00:00+00:00",
        ),
    ];
    for (at, open, reason, next, local) in cases {
        let state = desk.open_at(&desk.coordinator, at).await;
        assert_eq!(
            state,
            json!({ "open": open, "reason": reason, "nextChange": next, "localTime": local }),
            "{at}"
        );
    }
    // Now, by default.
    let r = desk
        .app
        .graphql("query($id: ID!) { contactCentre(id: $id) { openAt { open reason } } }")
        .vars(json!({ "id": desk.centre }))
        .as_(&desk.admin)
        .send()
        .await
        .ok();
    assert!(r.data("/contactCentre/openAt/open").is_boolean());
    // Nonsense instants are a bad request, not a panic.
    let r = desk
        .app
        .graphql("query($id: ID!) { contactCentre(id: $id) { openAt(at: \"9999-12-31T23:59:59Z\") { open } } }")
        .vars(json!({ "id": desk.centre }))
        .as_(&desk.admin)
        .send()
        .await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn closures_close_the_centre_all_day_and_are_listed_once() {
    let desk = Desk::new().await;
    desk.service_desk_hours().await;
    let added = desk
        .change(
            "addClosures",
            json!({ "closures": [
                { "date": "2026-12-28", "reason": "Boxing Day (substitute day)" },
                { "date": "2026-12-25", "reason": " Christmas Day " },
            ] }),
        )
        .await;
    assert_eq!(
        added["contactCentre"]["closures"],
        json!([
            { "date": "2026-12-25", "reason": "Christmas Day" },
            { "date": "2026-12-28", "reason": "Boxing Day (substitute day)" },
        ])
    );
    // Christmas Day is a Friday: closed all day; Saturday 26th opens 09:00; Monday 28th is
    // closed; Tuesday 29th opens 08:30.
    let cases = [
        (
            "2026-12-25T10:00:00Z",
            false,
            "closed: Christmas Day",
            "2026-12-26T09:00:00+00:00",
        ),
        (
            "2026-12-26T13:00:00Z",
            false,
            "closed: outside opening hours (Saturday 09:00–13:00)",
            "2026-12-29T08:30:00+00:00",
        ),
        (
            "2026-12-28T10:00:00Z",
            false,
            "closed: Boxing Day (substitute day)",
            "2026-12-29T08:30:00+00:00",
        ),
        (
            "2026-12-24T17:59:00Z",
            true,
            "open: Thursday 08:30–18:00",
            "2026-12-24T18:00:00+00:00",
        ),
    ];
    for (at, open, reason, next) in cases {
        let state = desk.open_at(&desk.admin, at).await;
        assert_eq!(state["open"], open, "{at}");
        assert_eq!(state["reason"], reason, "{at}");
        assert_eq!(state["nextChange"], next, "{at}");
    }
    let r = desk
        .app
        .graphql("query($id: ID!) { contactCentre(id: $id) { closures(from: \"2026-12-26\", until: \"2027-01-31\") { date } } }")
        .vars(json!({ "id": desk.centre }))
        .as_(&desk.admin)
        .send()
        .await
        .ok();
    assert_eq!(
        r.data("/contactCentre/closures"),
        &json!([{ "date": "2026-12-28" }])
    );

    let before = desk.read().await;
    let version = before["version"].clone();
    let add = |closures: Value| json!({ "centreId": desk.centre, "expectedVersion": version, "closures": closures });
    let cases = [
        (
            add(
                json!([{ "date": "2027-01-01", "reason": "New Year's Day" }, { "date": "2027-01-01", "reason": "Again" }]),
            ),
            "DUPLICATE",
            vec!["input", "closures", "1", "date"],
            "DUPLICATE_CLOSURE",
        ),
        (
            add(
                json!([{ "date": "2027-01-01", "reason": "New Year's Day" }, { "date": "2026-12-25", "reason": "Christmas" }]),
            ),
            "DUPLICATE",
            vec!["input", "closures", "1", "date"],
            "already a closure (Christmas Day)",
        ),
        (
            add(json!([{ "date": "2027-01-01", "reason": " " }])),
            "INVALID",
            vec!["input", "closures", "0", "reason"],
            "reason",
        ),
        (
            add(json!([])),
            "INVALID",
            vec!["input", "closures"],
            "closure days",
        ),
    ];
    for (input, code, field, message) in cases {
        let r = desk.run(&desk.admin, "addClosures", input).await;
        assert_refused(&r, "addClosures", code, &field, message);
    }
    let remove = |dates: Value| json!({ "centreId": desk.centre, "expectedVersion": version, "dates": dates });
    let cases = [
        (
            remove(json!(["2026-12-24"])),
            "NOT_FOUND",
            vec!["input", "dates", "0"],
            "NOT_A_CLOSURE",
        ),
        (
            remove(json!(["2026-12-28", "2026-12-28"])),
            "DUPLICATE",
            vec!["input", "dates", "1"],
            "DUPLICATE_CLOSURE",
        ),
        (
            remove(json!([])),
            "INVALID",
            vec!["input", "dates"],
            "dates",
        ),
    ];
    for (input, code, field, message) in cases {
        let r = desk.run(&desk.admin, "removeClosures", input).await;
        assert_refused(&r, "removeClosures", code, &field, message);
    }
    assert_eq!(desk.read().await, before, "refusals changed nothing");

    let removed = desk
        .change("removeClosures", json!({ "dates": ["2026-12-28"] }))
        .await;
    assert_eq!(
        removed["contactCentre"]["closures"],
        json!([{ "date": "2026-12-25", "reason": "Christmas Day" }])
    );
    let state = desk.open_at(&desk.admin, "2026-12-28T10:00:00Z").await;
    assert_eq!(state["reason"], "open: Monday 08:30–18:00");
    assert_eq!(desk.audit_count("contact_centre.add_closures").await, 1);
    assert_eq!(desk.audit_count("contact_centre.remove_closures").await, 1);
}

#[tokio::test]
async fn queues_keep_their_limits_overflow_destinations_and_order() {
    let desk = Desk::new().await;
    let staff = desk.change("createQueue", json!({ "name": "Staff" })).await;
    assert_eq!(staff["queue"]["position"], 1);
    let queue = &staff["contactCentre"]["queues"][0];
    assert_eq!(queue["maxWaiting"], 10, "default");
    assert_eq!(queue["maxWaitSeconds"], 300, "default");
    assert_eq!(
        queue["overflow"],
        json!({ "kind": "VOICEMAIL", "target": null })
    );
    let staff = staff["queue"]["id"].as_str().expect("id").to_owned();
    let students = desk
        .change(
            "createQueue",
            json!({ "name": "Students", "maxWaiting": 20, "maxWaitSeconds": 600,
                    "overflow": { "kind": "NUMBER", "target": "01865 270000" } }),
        )
        .await;
    assert_eq!(students["queue"]["position"], 2);
    assert_eq!(
        students["contactCentre"]["queues"][1]["overflow"],
        json!({ "kind": "NUMBER", "target": "+441865270000" })
    );
    let students = students["queue"]["id"].as_str().expect("id").to_owned();
    let urgent = desk
        .change("createQueue", json!({ "name": "Urgent", "position": 1 }))
        .await;
    let names = |centre: &Value| -> Vec<(String, i64)> {
        centre["queues"]
            .as_array()
            .map(|qs| {
                qs.iter()
                    .map(|q| {
                        (
                            q["name"].as_str().unwrap_or_default().to_owned(),
                            q["position"].as_i64().unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let order = |list: &[(&str, i64)]| -> Vec<(String, i64)> {
        list.iter().map(|(n, p)| ((*n).to_owned(), *p)).collect()
    };
    assert_eq!(
        names(&urgent["contactCentre"]),
        order(&[("Urgent", 1), ("Staff", 2), ("Students", 3)])
    );
    let urgent = urgent["queue"]["id"].as_str().expect("id").to_owned();

    let before = desk.read().await;
    let version = before["version"].clone();
    let create = |extra: Value| {
        let mut input =
            json!({ "centreId": desk.centre, "expectedVersion": version, "name": "Alumni" });
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(e.clone());
        }
        input
    };
    let unknown_person = encode(NodeType::Person, Uuid::now_v7()).0;
    let cases = [
        (
            create(json!({ "maxWaiting": 0 })),
            "INVALID",
            vec!["input", "maxWaiting"],
            "MAX_WAITING_OUT_OF_RANGE",
        ),
        (
            create(json!({ "maxWaiting": 201 })),
            "INVALID",
            vec!["input", "maxWaiting"],
            "MAX_WAITING_OUT_OF_RANGE",
        ),
        (
            create(json!({ "maxWaitSeconds": 9 })),
            "INVALID",
            vec!["input", "maxWaitSeconds"],
            "MAX_WAIT_OUT_OF_RANGE",
        ),
        (
            create(json!({ "maxWaitSeconds": 3601 })),
            "INVALID",
            vec!["input", "maxWaitSeconds"],
            "MAX_WAIT_OUT_OF_RANGE",
        ),
        (
            create(json!({ "overflow": { "kind": "NUMBER", "target": "not a number" } })),
            "INVALID",
            vec!["input", "overflow"],
            "INVALID_NUMBER",
        ),
        (
            create(json!({ "overflow": { "kind": "NUMBER", "target": "12" } })),
            "INVALID",
            vec!["input", "overflow"],
            "INVALID_NUMBER",
        ),
        (
            create(json!({ "overflow": { "kind": "NUMBER" } })),
            "INVALID",
            vec!["input", "overflow"],
            "needs a target",
        ),
        (
            create(json!({ "overflow": { "kind": "VOICEMAIL", "target": "+441865270000" } })),
            "INVALID",
            vec!["input", "overflow"],
            "no target",
        ),
        (
            create(json!({ "overflow": { "kind": "NUMBER", "target": "+44 1865 612345" } })),
            "RULE_VIOLATION",
            vec!["input", "overflow"],
            "FALLBACK_LOOP",
        ),
        (
            create(json!({ "overflow": { "kind": "PERSON", "target": unknown_person } })),
            "NOT_FOUND",
            vec!["input", "overflow"],
            "UNKNOWN_PERSON",
        ),
        (
            create(
                json!({ "overflow": { "kind": "HUNT_GROUP", "target": encode(NodeType::HuntGroup, Uuid::now_v7()) } }),
            ),
            "NOT_FOUND",
            vec!["input", "overflow"],
            "no such hunt group",
        ),
        (
            create(json!({ "name": " staff " })),
            "DUPLICATE",
            vec!["input", "name"],
            "DUPLICATE_NAME",
        ),
        (
            create(json!({ "name": "" })),
            "INVALID",
            vec!["input", "name"],
            "INVALID_NAME",
        ),
        (
            create(json!({ "position": 5 })),
            "INVALID",
            vec!["input", "position"],
            "POSITION_OUT_OF_RANGE",
        ),
        (
            create(json!({ "position": 0 })),
            "INVALID",
            vec!["input", "position"],
            "POSITION_OUT_OF_RANGE",
        ),
    ];
    for (input, code, field, message) in cases {
        let r = desk.run(&desk.admin, "createQueue", input).await;
        assert_refused(&r, "createQueue", code, &field, message);
    }
    let r = desk
        .run(
            &desk.admin,
            "updateQueue",
            json!({ "queueId": students, "expectedVersion": version, "maxWaitSeconds": 5 }),
        )
        .await;
    assert_refused(
        &r,
        "updateQueue",
        "INVALID",
        &["input", "maxWaitSeconds"],
        "MAX_WAIT_OUT_OF_RANGE",
    );
    let r = desk
        .run(
            &desk.admin,
            "updateQueue",
            json!({ "queueId": students, "expectedVersion": version, "name": "URGENT" }),
        )
        .await;
    assert_refused(
        &r,
        "updateQueue",
        "DUPLICATE",
        &["input", "name"],
        "DUPLICATE_NAME",
    );
    assert_eq!(desk.read().await, before, "refusals changed nothing");

    // Moving the first queue last shifts the others up; limits change one at a time.
    let moved = desk
        .change_queue(
            "updateQueue",
            &urgent,
            json!({ "position": 3, "maxWaiting": 5, "overflow": { "kind": "NONE" } }),
        )
        .await;
    assert_eq!(
        names(&moved["contactCentre"]),
        order(&[("Staff", 1), ("Students", 2), ("Urgent", 3)])
    );
    let urgent_queue = &moved["contactCentre"]["queues"][2];
    assert_eq!(urgent_queue["maxWaiting"], 5);
    assert_eq!(urgent_queue["maxWaitSeconds"], 300, "unchanged");
    assert_eq!(
        urgent_queue["overflow"],
        json!({ "kind": "NONE", "target": null })
    );

    let removed = desk.change_queue("removeQueue", &staff, json!({})).await;
    assert_eq!(
        names(&removed["contactCentre"]),
        order(&[("Students", 1), ("Urgent", 2)])
    );
    let r = desk
        .run(
            &desk.admin,
            "removeQueue",
            json!({ "queueId": staff, "expectedVersion": desk.version().await }),
        )
        .await;
    assert_refused(
        &r,
        "removeQueue",
        "NOT_FOUND",
        &["input", "queueId"],
        "no such queue",
    );
    assert_eq!(desk.audit_count("contact_centre.queue.create").await, 3);
    assert_eq!(desk.audit_count("contact_centre.queue.update").await, 1);
    assert_eq!(desk.audit_count("contact_centre.queue.remove").await, 1);
}

#[tokio::test]
async fn agents_are_known_people_on_chorus_each_listed_once() {
    let desk = Desk::new().await;
    let tess = teams_person(&desk.app, desk.cast.college.id).await;
    let (alice, cora, hugo) = (
        person_id(&desk.cast.user),
        person_id(&desk.cast.coordinator),
        person_id(&desk.cast.hidden),
    );
    let created = desk
        .change(
            "createQueue",
            json!({ "name": "Enquiries", "agentIds": [cora] }),
        )
        .await;
    assert_eq!(created["queue"]["agents"], json!([{ "username": "cora" }]));
    let queue = created["queue"]["id"].as_str().expect("id").to_owned();
    let r = desk
        .run(
            &desk.admin,
            "createQueue",
            json!({ "centreId": desk.centre, "expectedVersion": desk.version().await,
                    "name": "Teams", "agentIds": [person_id(&tess)] }),
        )
        .await;
    assert_refused(
        &r,
        "createQueue",
        "RULE_VIOLATION",
        &["input", "agentIds", "0"],
        "AGENT_ON_TEAMS",
    );

    let before = desk.read().await;
    let version = before["version"].clone();
    let add = |people: Value| json!({ "queueId": queue, "expectedVersion": version, "personIds": people });
    let cases = [
        (
            add(json!([alice, alice])),
            "DUPLICATE",
            vec!["input", "personIds", "1"],
            "DUPLICATE_MEMBER",
        ),
        (
            add(json!([alice, cora])),
            "DUPLICATE",
            vec!["input", "personIds", "1"],
            "already an agent",
        ),
        (
            add(json!([encode(NodeType::Person, Uuid::now_v7())])),
            "NOT_FOUND",
            vec!["input", "personIds", "0"],
            "UNKNOWN_PERSON",
        ),
        (
            add(json!([alice, "not an id"])),
            "NOT_FOUND",
            vec!["input", "personIds", "1"],
            "UNKNOWN_PERSON",
        ),
        (
            add(json!([person_id(&tess)])),
            "RULE_VIOLATION",
            vec!["input", "personIds", "0"],
            "AGENT_ON_TEAMS",
        ),
        (
            add(json!([])),
            "INVALID",
            vec!["input", "personIds"],
            "at least one",
        ),
    ];
    for (input, code, field, message) in cases {
        let r = desk.run(&desk.admin, "addQueueAgents", input).await;
        assert_refused(&r, "addQueueAgents", code, &field, message);
    }
    assert_eq!(desk.read().await, before, "refusals changed nothing");

    let added = desk
        .change_queue(
            "addQueueAgents",
            &queue,
            json!({ "personIds": [alice, hugo] }),
        )
        .await;
    assert_eq!(
        added["queue"]["agents"],
        json!([{ "username": "cora" }, { "username": "alice" }, { "username": "hugo" }]),
        "in the order added, ex-directory agents included"
    );

    let before = desk.read().await;
    let version = before["version"].clone();
    let remove = |people: Value| json!({ "queueId": queue, "expectedVersion": version, "personIds": people });
    let cases = [
        (
            remove(json!([person_id(&tess)])),
            "NOT_FOUND",
            vec!["input", "personIds", "0"],
            "NOT_A_MEMBER",
        ),
        (
            remove(json!([alice, alice])),
            "DUPLICATE",
            vec!["input", "personIds", "1"],
            "DUPLICATE_MEMBER",
        ),
        (
            remove(json!([alice, cora, hugo])),
            "RULE_VIOLATION",
            vec!["input", "personIds", "2"],
            "LAST_MEMBER",
        ),
    ];
    for (input, code, field, message) in cases {
        let r = desk.run(&desk.admin, "removeQueueAgents", input).await;
        assert_refused(&r, "removeQueueAgents", code, &field, message);
    }
    assert_eq!(desk.read().await, before, "refusals changed nothing");
    let removed = desk
        .change_queue(
            "removeQueueAgents",
            &queue,
            json!({ "personIds": [alice, cora] }),
        )
        .await;
    assert_eq!(removed["queue"]["agents"], json!([{ "username": "hugo" }]));
    assert_eq!(desk.audit_count("contact_centre.queue.add_agents").await, 1);
    assert_eq!(
        desk.audit_count("contact_centre.queue.remove_agents").await,
        1
    );
}

#[tokio::test]
async fn coordinators_of_other_units_and_plain_users_cannot_change_a_centre() {
    let desk = Desk::new().await;
    let list = "{ contactCentres { name queues { name } } }";
    let seen = |token: String| {
        let app = &desk.app;
        async move {
            app.graphql(list)
                .as_(&token)
                .send()
                .await
                .ok()
                .data("/contactCentres")
                .clone()
        }
    };
    assert_eq!(seen(desk.other_coordinator.clone()).await, json!([]));
    assert_eq!(seen(desk.user.clone()).await, json!([]));
    assert_eq!(
        seen(desk.coordinator.clone()).await,
        json!([{ "name": "College Help Desk", "queues": [] }])
    );
    let r = desk
        .app
        .graphql("query($id: ID!) { contactCentre(id: $id) { name } }")
        .vars(json!({ "id": desk.centre }))
        .as_(&desk.other_coordinator)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/contactCentre"), &Value::Null);
    let r = desk
        .app
        .graphql("query($u: ID) { contactCentres(unitId: $u) { name } }")
        .vars(json!({ "u": encode(NodeType::Unit, desk.cast.other_unit.id) }))
        .as_(&desk.admin)
        .send()
        .await
        .ok();
    assert_eq!(r.data("/contactCentres"), &json!([]));
    let r = desk.app.graphql(list).send().await;
    assert_eq!(r.error_code(), Some("UNAUTHENTICATED"));

    let input = json!({ "centreId": desk.centre, "expectedVersion": 1,
                        "hours": hours(&[("MONDAY", "09:00", "17:00")]) });
    // A coordinator of another unit does not see the centre: NOT_FOUND, nothing written.
    let r = desk
        .run(&desk.other_coordinator, "setOpeningHours", input.clone())
        .await;
    assert_refused(
        &r,
        "setOpeningHours",
        "NOT_FOUND",
        &["input", "centreId"],
        "no such contact centre",
    );
    // A plain user may not configure anything.
    let r = desk.run(&desk.user, "setOpeningHours", input.clone()).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    assert_eq!(desk.version().await, 1);
    assert_eq!(desk.all_audit().await, 1, "only the creation");

    // Agents see the centre and only the queues they answer; an agent who coordinates another
    // unit still may not change it.
    let mut queues = Vec::new();
    for (name, agent) in [
        ("Front desk", &desk.cast.user),
        ("Back office", &desk.cast.other_coordinator),
    ] {
        let q = desk
            .change(
                "createQueue",
                json!({ "name": name, "agentIds": [person_id(agent)] }),
            )
            .await;
        queues.push(q["queue"]["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(
        seen(desk.user.clone()).await,
        json!([{ "name": "College Help Desk", "queues": [{ "name": "Front desk" }] }])
    );
    assert_eq!(
        seen(desk.other_coordinator.clone()).await,
        json!([{ "name": "College Help Desk", "queues": [{ "name": "Back office" }] }])
    );
    let mut input = input;
    input["expectedVersion"] = json!(desk.version().await);
    let r = desk
        .run(&desk.other_coordinator, "setOpeningHours", input.clone())
        .await;
    assert_refused(
        &r,
        "setOpeningHours",
        "NOT_ALLOWED",
        &["input", "centreId"],
        "coordinators of the centre's unit",
    );
    let r = desk
        .run(
            &desk.other_coordinator,
            "addQueueAgents",
            json!({ "queueId": queues[1], "expectedVersion": input["expectedVersion"], "personIds": [person_id(&desk.cast.hidden)] }),
        )
        .await;
    assert_refused(
        &r,
        "addQueueAgents",
        "NOT_ALLOWED",
        &["input", "queueId"],
        "coordinators",
    );

    // The coordinator of the centre's unit may.
    let r = desk.run(&desk.coordinator, "setOpeningHours", input).await;
    assert_eq!(errors(&r, "setOpeningHours"), json!([]));
}

#[tokio::test]
async fn a_change_based_on_an_old_version_is_refused_and_concurrent_changes_lose_nothing() {
    let desk = Desk::new().await;
    // Cora and Ada both read version 1; Cora renames first; Ada's change is refused.
    let r = desk
        .run(
            &desk.coordinator,
            "updateContactCentre",
            json!({ "centreId": desk.centre, "expectedVersion": 1, "name": "Help Desk" }),
        )
        .await;
    assert_eq!(errors(&r, "updateContactCentre"), json!([]));
    assert_eq!(r.data("/updateContactCentre/contactCentre/version"), 2);
    let r = desk
        .run(
            &desk.admin,
            "setOpeningHours",
            json!({ "centreId": desk.centre, "expectedVersion": 1, "hours": hours(&[("MONDAY", "09:00", "17:00")]) }),
        )
        .await;
    assert_refused(
        &r,
        "setOpeningHours",
        "CONFLICT",
        &["input", "expectedVersion"],
        "version 2, not 1",
    );
    let centre = desk.read().await;
    assert_eq!(centre["openingHours"], json!([]));
    assert_eq!(centre["version"], 2);

    // Eight changes at once from the same read: exactly one wins, the rest are CONFLICT (no
    // fault, nothing half-written).
    let attempts = (1..=8).map(|day| {
        desk.run(
            &desk.admin,
            "addClosures",
            json!({ "centreId": desk.centre, "expectedVersion": 2,
                    "closures": [{ "date": format!("2027-01-{day:02}"), "reason": "Closed" }] }),
        )
    });
    let results = join_all(attempts).await;
    let codes: Vec<Value> = results
        .iter()
        .map(|r| errors(r, "addClosures")[0]["code"].clone())
        .collect();
    assert_eq!(codes.iter().filter(|c| c.is_null()).count(), 1, "{codes:?}");
    assert_eq!(
        codes.iter().filter(|c| *c == "CONFLICT").count(),
        7,
        "{codes:?}"
    );
    let centre = desk.read().await;
    assert_eq!(centre["closures"].as_array().map(Vec::len), Some(1));
    assert_eq!(centre["version"], 3);

    // Eight writers that re-read and retry on CONFLICT: every change lands.
    let writers = (10..=17).map(|day| {
        let desk = &desk;
        async move {
            for _ in 0..50 {
                let version = desk.version().await;
                let r = desk
                    .run(
                        &desk.admin,
                        "addClosures",
                        json!({ "centreId": desk.centre, "expectedVersion": version,
                                "closures": [{ "date": format!("2027-01-{day:02}"), "reason": "Closed" }] }),
                    )
                    .await;
                match errors(&r, "addClosures")[0]["code"].as_str() {
                    None => return true,
                    Some("CONFLICT") => continue,
                    Some(other) => panic!("unexpected {other}"),
                }
            }
            false
        }
    });
    assert!(join_all(writers).await.into_iter().all(|landed| landed));
    let centre = desk.read().await;
    assert_eq!(centre["closures"].as_array().map(Vec::len), Some(9));
    assert_eq!(centre["version"], 11);
    assert_eq!(desk.audit_count("contact_centre.add_closures").await, 9);
}

#[tokio::test]
async fn the_centre_is_renamed_moved_to_another_zone_and_given_an_out_of_hours_destination() {
    let desk = Desk::new().await;
    desk.service_desk_hours().await;
    let updated = desk
        .change(
            "updateContactCentre",
            json!({ "name": " Lodge ", "timeZone": "America/New_York",
                    "outOfHours": { "kind": "NUMBER", "target": "+44 20 7946 0958" } }),
        )
        .await;
    let centre = &updated["contactCentre"];
    assert_eq!(centre["name"], "Lodge");
    assert_eq!(centre["timeZone"], "America/New_York");
    assert_eq!(
        centre["outOfHours"],
        json!({ "kind": "NUMBER", "target": "+442079460958" })
    );
    // The same wall-clock hours, now on New York's clock (which changed on 8 March).
    let state = desk.open_at(&desk.admin, "2026-03-30T12:30:00Z").await;
    assert_eq!(state["open"], true);
    assert_eq!(state["localTime"], "2026-03-30T08:30:00-04:00");

    let before = desk.read().await;
    let version = before["version"].clone();
    let update = |extra: Value| {
        let mut input = json!({ "centreId": desk.centre, "expectedVersion": version });
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(e.clone());
        }
        input
    };
    let cases = [
        (
            update(json!({ "timeZone": "Oxford/Radcliffe" })),
            "INVALID",
            vec!["input", "timeZone"],
            "INVALID_TIME_ZONE",
        ),
        (
            update(json!({ "name": "" })),
            "INVALID",
            vec!["input", "name"],
            "INVALID_NAME",
        ),
        (
            update(json!({ "outOfHours": { "kind": "NUMBER", "target": "12" } })),
            "INVALID",
            vec!["input", "outOfHours"],
            "INVALID_NUMBER",
        ),
        (
            update(
                json!({ "outOfHours": { "kind": "PERSON", "target": encode(NodeType::Line, desk.pilot.id) } }),
            ),
            "INVALID",
            vec!["input", "outOfHours"],
            "not a Person ID",
        ),
        (
            update(
                json!({ "outOfHours": { "kind": "HUNT_GROUP", "target": encode(NodeType::HuntGroup, Uuid::now_v7()) } }),
            ),
            "NOT_FOUND",
            vec!["input", "outOfHours"],
            "no such hunt group",
        ),
        (
            json!({ "centreId": encode(NodeType::ContactCentre, Uuid::now_v7()), "expectedVersion": 1, "name": "X" }),
            "NOT_FOUND",
            vec!["input", "centreId"],
            "no such contact centre",
        ),
        (
            json!({ "centreId": encode(NodeType::Queue, Uuid::now_v7()), "expectedVersion": 1, "name": "X" }),
            "NOT_FOUND",
            vec!["input", "centreId"],
            "no such contact centre",
        ),
    ];
    for (input, code, field, message) in cases {
        let r = desk.run(&desk.admin, "updateContactCentre", input).await;
        assert_refused(&r, "updateContactCentre", code, &field, message);
    }
    assert_eq!(desk.read().await, before, "refusals changed nothing");

    let alice = person_id(&desk.cast.user);
    let updated = desk
        .change(
            "updateContactCentre",
            json!({ "outOfHours": { "kind": "PERSON", "target": alice } }),
        )
        .await;
    assert_eq!(
        updated["contactCentre"]["outOfHours"],
        json!({ "kind": "PERSON", "target": alice })
    );
}

#[tokio::test]
async fn every_change_is_audited_with_who_and_before_and_after() {
    let desk = Desk::new().await;
    desk.service_desk_hours().await;
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("contact_centre.set_opening_hours"))
        .one(desk.app.db())
        .await
        .expect("query")
        .expect("an event");
    assert_eq!(event.actor, "ada");
    assert_eq!(event.subject_type, "contact_centre");
    let centre_uuid =
        chorus::graphql::node::decode(NodeType::ContactCentre, &desk.centre).expect("our id");
    assert_eq!(event.subject_id, centre_uuid.to_string());
    assert_eq!(
        event.before,
        Some(json!({ "version": 1, "openingHours": [] }))
    );
    let after = event.after.expect("after");
    assert_eq!(after["version"], 2);
    assert_eq!(after["openingHours"][0], "Monday 08:30–18:00");
    assert_eq!(after["openingHours"][5], "Saturday 09:00–13:00");

    // One event per change, in the change's transaction: a refused change writes none.
    let queue = desk
        .change("createQueue", json!({ "name": "Enquiries" }))
        .await["queue"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    desk.change_queue(
        "addQueueAgents",
        &queue,
        json!({ "personIds": [person_id(&desk.cast.user), person_id(&desk.cast.coordinator)] }),
    )
    .await;
    desk.change_queue(
        "removeQueueAgents",
        &queue,
        json!({ "personIds": [person_id(&desk.cast.user)] }),
    )
    .await;
    desk.change(
        "addClosures",
        json!({ "closures": [{ "date": "2026-12-25", "reason": "Christmas Day" }] }),
    )
    .await;
    desk.change("removeClosures", json!({ "dates": ["2026-12-25"] }))
        .await;
    desk.change("updateContactCentre", json!({ "name": "Lodge" }))
        .await;
    desk.change_queue("updateQueue", &queue, json!({ "maxWaiting": 3 }))
        .await;
    desk.change_queue("removeQueue", &queue, json!({})).await;
    let refused = desk
        .run(
            &desk.admin,
            "addClosures",
            json!({ "centreId": desk.centre, "expectedVersion": 1, "closures": [{ "date": "2026-12-26", "reason": "Late" }] }),
        )
        .await;
    assert_eq!(errors(&refused, "addClosures")[0]["code"], "CONFLICT");
    for action in [
        "contact_centre.create",
        "contact_centre.set_opening_hours",
        "contact_centre.queue.create",
        "contact_centre.queue.add_agents",
        "contact_centre.queue.remove_agents",
        "contact_centre.add_closures",
        "contact_centre.remove_closures",
        "contact_centre.update",
        "contact_centre.queue.update",
        "contact_centre.queue.remove",
    ] {
        assert_eq!(desk.audit_count(action).await, 1, "{action}");
    }
    assert_eq!(desk.all_audit().await, 10);
    assert_eq!(desk.version().await, 10, "one bump per change");

    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("contact_centre.queue.remove_agents"))
        .one(desk.app.db())
        .await
        .expect("query")
        .expect("an event");
    let agents = |v: &Option<Value>| {
        v.as_ref()
            .and_then(|v| v["queue"]["agents"].as_array().map(Vec::len))
    };
    assert_eq!(agents(&event.before), Some(2));
    assert_eq!(agents(&event.after), Some(1));
}

//! `routeCall` through the router: people, executive-assistant divert and whitelists, hunt
//! groups, a contact centre across both 2026 clock changes and a closure day, unknown numbers,
//! and who may ask.

use chorus::graphql::node::{NodeType, encode};
use chrono::{NaiveDate, NaiveTime, Utc};
use entity::{cc_agent, cc_closure, cc_opening_hours, cc_queue, contact_centre, enums::*, line};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::groups::{Groups, setup, shared_line};

const ROUTE: &str = "query($to: String!, $from: String!, $at: DateTime) {
  routeCall(to: $to, from: $from, at: $at) { to from
    steps { kind text ringSeconds refs { kind id } }
    outcome { kind rings strategy legs { ringSeconds person { username } device { kind } } }
    ifUnanswered { kind number } } }";

async fn route(
    g: &Groups,
    who: &str,
    to: &str,
    from: &str,
    at: Option<&str>,
) -> chorus_tests::GraphqlResponse {
    let token = g.app.token(who).await;
    g.app
        .graphql(ROUTE)
        .vars(json!({ "to": to, "from": from, "at": at }))
        .as_(&token)
        .send()
        .await
}

async fn number(g: &Groups, person: Uuid) -> String {
    line::Entity::find()
        .filter(line::Column::OwnerId.eq(person))
        .one(g.app.db())
        .await
        .expect("db")
        .expect("line")
        .e164
}

fn kinds(r: &chorus_tests::GraphqlResponse) -> Vec<String> {
    r.data("/routeCall/steps")
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn legs(v: &Value) -> Vec<String> {
    v["legs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| l["person"]["username"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn a_managers_calls_divert_unless_the_caller_is_whitelisted() {
    let g = setup().await;
    let alice = number(&g, g.cast.user.id).await;
    let gid = encode(NodeType::EaGroup, g.ea).0;
    let token = g.app.token("alice").await;
    g.app
        .graphql("mutation { addEaWhitelistEntry(input: {groupId: \"GID\", number: \"+44 20 7946 0001\"}) { userErrors { code } } }".replace("GID", &gid).as_str())
        .as_(&token)
        .send()
        .await
        .ok();
    // A stranger: the assistant's desk phone rings, then Alice's voicemail.
    let r = route(&g, "alice", &alice, "+44 20 7946 0999", None)
        .await
        .ok();
    assert!(kinds(&r).contains(&"EA_DIVERT".to_owned()), "{:#}", r.body);
    assert_eq!(r.data("/routeCall/outcome/kind"), "RINGS");
    assert_eq!(legs(r.data("/routeCall/outcome")), ["hugo"]);
    assert_eq!(r.data("/routeCall/ifUnanswered/0/kind"), "VOICEMAIL");
    // The whitelisted caller reaches Alice herself.
    let r = route(&g, "alice", &alice, "020 7946 0001", None).await.ok();
    assert!(
        kinds(&r).contains(&"EA_WHITELISTED".to_owned()),
        "{:#}",
        r.body
    );
    assert_eq!(legs(r.data("/routeCall/outcome")), ["alice"]);
    assert_eq!(
        r.data("/routeCall/outcome/legs/0/device/kind"),
        "DESK_PHONE"
    );
}

#[tokio::test]
async fn a_hunt_group_rings_in_order_and_strangers_may_not_ask() {
    let g = setup().await;
    let pilot = "+441865280001";
    let r = route(&g, "cora", pilot, "70000", None).await.ok();
    assert_eq!(r.data("/routeCall/outcome/kind"), "HUNT", "{:#}", r.body);
    assert_eq!(r.data("/routeCall/outcome/strategy"), "SEQUENTIAL");
    assert_eq!(legs(r.data("/routeCall/outcome")), ["alice", "hugo"]);
    assert_eq!(r.data("/routeCall/outcome/legs/0/ringSeconds"), 15);
    assert_eq!(r.data("/routeCall/ifUnanswered/0/kind"), "VOICEMAIL");
    // Hugo opts out: only Alice rings.
    hugo_opts_out(&g).await;
    let r = route(&g, "ada", "80001", "70000", None).await.ok();
    assert_eq!(
        legs(r.data("/routeCall/outcome")),
        ["alice"],
        "{:#}",
        r.body
    );
    assert!(kinds(&r).contains(&"HUNT_SKIPPED".to_owned()));
    // Not a coordinator and not his number.
    let r = route(&g, "hugo", pilot, "70000", None).await;
    assert_eq!(r.error_code(), Some("FORBIDDEN"));
    // Nobody has this number; rubbish is BAD_USER_INPUT.
    let r = route(&g, "ada", "+441865999999", "70000", None).await.ok();
    assert_eq!(r.data("/routeCall/outcome/kind"), "NOT_IN_SERVICE");
    let r = route(&g, "ada", "call me", "70000", None).await;
    assert_eq!(r.error_code(), Some("BAD_USER_INPUT"));
}

async fn hugo_opts_out(g: &Groups) {
    let token = g.app.token("hugo").await;
    let gid = encode(NodeType::HuntGroup, g.hunt).0;
    g.app
        .graphql("mutation($g: ID!) { setHuntGroupOptOut(input: {groupId: $g, optedOut: true}) { userErrors { code } } }")
        .vars(json!({ "g": gid }))
        .as_(&token)
        .send()
        .await
        .ok();
}

/// A Balliol help desk open 08:30–17:00 on weekdays (Europe/London), closed on Christmas Day,
/// with Alice as the one agent.
async fn help_desk(g: &Groups) {
    let db = g.app.db();
    let pilot = shared_line(&g.app, g.cast.college.id, 2).await;
    let centre = contact_centre::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set("Help desk".into()),
        unit_id: Set(g.cast.college.id),
        pilot_line_id: Set(Some(pilot.id)),
        time_zone: Set("Europe/London".into()),
        out_of_hours_kind: Set(FallbackKind::Voicemail),
        out_of_hours_target: Set(None),
        created_at: Set(Utc::now()),
        version: Set(0),
    }
    .insert(db)
    .await
    .expect("centre");
    let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("time");
    for weekday in 1..=5 {
        cc_opening_hours::ActiveModel {
            id: Set(Uuid::now_v7()),
            centre_id: Set(centre.id),
            weekday: Set(weekday),
            opens_at: Set(time(8, 30)),
            closes_at: Set(time(17, 0)),
        }
        .insert(db)
        .await
        .expect("hours");
    }
    cc_closure::ActiveModel {
        id: Set(Uuid::now_v7()),
        centre_id: Set(centre.id),
        on_date: Set(NaiveDate::from_ymd_opt(2026, 12, 25).expect("date")),
        reason: Set("Christmas Day".into()),
    }
    .insert(db)
    .await
    .expect("closure");
    let queue = cc_queue::ActiveModel {
        id: Set(Uuid::now_v7()),
        centre_id: Set(centre.id),
        name: Set("General".into()),
        max_waiting: Set(10),
        max_wait_seconds: Set(300),
        overflow_kind: Set(FallbackKind::Voicemail),
        overflow_target: Set(None),
        position: Set(1),
    }
    .insert(db)
    .await
    .expect("queue");
    cc_agent::ActiveModel {
        id: Set(Uuid::now_v7()),
        queue_id: Set(queue.id),
        person_id: Set(g.cast.user.id),
    }
    .insert(db)
    .await
    .expect("agent");
}

#[tokio::test]
async fn a_contact_centre_opens_by_london_time_across_the_clock_changes() {
    let g = setup().await;
    help_desk(&g).await;
    let cases = [
        // Monday after the spring change: 07:45 UTC is 08:45 BST (open), 07:15 UTC 08:15 (closed).
        ("2026-03-30T07:45:00Z", "QUEUE"),
        ("2026-03-30T07:15:00Z", "VOICEMAIL"),
        // Friday before it: 08:15 UTC is 08:15 GMT (closed), 08:45 UTC open.
        ("2026-03-27T08:15:00Z", "VOICEMAIL"),
        ("2026-03-27T08:45:00Z", "QUEUE"),
        // Monday after the autumn change: 08:45 UTC is 08:45 GMT (open); 07:45 UTC 07:45 (closed).
        ("2026-10-26T08:45:00Z", "QUEUE"),
        ("2026-10-26T07:45:00Z", "VOICEMAIL"),
        // 16:30 UTC on the Friday before is 17:30 BST: closed.
        ("2026-10-23T16:30:00Z", "VOICEMAIL"),
        // Christmas Day is a Friday, but closed.
        ("2026-12-25T10:00:00Z", "VOICEMAIL"),
        // A Saturday.
        ("2026-11-21T10:00:00Z", "VOICEMAIL"),
    ];
    for (at, outcome) in cases {
        let r = route(&g, "ada", "80002", "+44 20 7946 0999", Some(at))
            .await
            .ok();
        assert_eq!(
            r.data("/routeCall/outcome/kind"),
            outcome,
            "{at}: {:#}",
            r.body
        );
        let expected_step = if outcome == "QUEUE" {
            "CENTRE_OPEN"
        } else {
            "CENTRE_CLOSED"
        };
        assert!(
            kinds(&r).contains(&expected_step.to_owned()),
            "{at}: {:?}",
            kinds(&r)
        );
        if outcome == "QUEUE" {
            assert_eq!(legs(r.data("/routeCall/outcome")), ["alice"]);
        }
    }
    let r = route(&g, "ada", "80002", "70000", Some("2026-12-25T10:00:00Z"))
        .await
        .ok();
    let closed = r
        .data("/routeCall/steps")
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["kind"] == "CENTRE_CLOSED")
        .map(|s| s["text"].as_str().unwrap_or("").to_owned());
    assert!(
        closed.is_some_and(|t| t.contains("Christmas")),
        "{:#}",
        r.body
    );
}

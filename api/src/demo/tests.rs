//! Tests of the demo generator: invariants of the generated rows (no database), and seeding
//! real SQLite files.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use entity::enums::{
    CallDirection, DeviceKind, DeviceStatus, EaRole, LineKind, Platform, TeamsTenant,
};
use entity::{call_record, person, unit};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder};
use uuid::Uuid;

use super::generate::{Dataset, generate};
use super::{seed_if_empty, seed_if_empty_at};
use crate::config::DatabaseUrl;
use crate::domain::text::fold_search_name;

fn fixed_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 11, 14, 30, 0)
        .single()
        .unwrap_or_default()
}

fn in_range(what: &str, n: usize, lo: usize, hi: usize) {
    assert!((lo..=hi).contains(&n), "{what}: {n} not in {lo}..={hi}");
}

#[test]
fn counts_are_in_range() {
    let d = generate(fixed_now());
    in_range("units", d.units.len(), 38, 44);
    in_range("people", d.people.len(), 2_700, 3_300);
    in_range(
        "shared lines",
        d.lines
            .iter()
            .filter(|l| l.kind == LineKind::Shared)
            .count(),
        130,
        175,
    );
    in_range(
        "critical lines",
        d.lines
            .iter()
            .filter(|l| l.kind == LineKind::Critical)
            .count(),
        24,
        36,
    );
    in_range("hunt groups", d.hunt_groups.len(), 58, 60);
    in_range("pickup groups", d.pickup_groups.len(), 38, 40);
    in_range("EA groups", d.ea_groups.len(), 22, 25);
    in_range("calls", d.call_records.len(), 80_000, 110_000);
    in_range(
        "teams people",
        d.people
            .iter()
            .filter(|p| p.platform == Platform::Teams)
            .count(),
        50,
        50,
    );
    in_range("tranche 1 members", d.tranche_members.len(), 18, 22);
    in_range("nominations", d.nominations.len(), 4, 8);
    let ex = d
        .people
        .iter()
        .filter(|p| p.directory_status != entity::enums::DirectoryStatus::Listed)
        .count();
    in_range("ex-directory ‰", ex * 1000 / d.people.len(), 25, 55);
    let with = |kind| d.devices.iter().filter(|x| x.kind == kind).count() * 1000 / d.people.len();
    in_range("softphone ‰", with(DeviceKind::Softphone), 170, 250);
    in_range("mobile ‰", with(DeviceKind::MobileApp), 100, 160);
    assert_eq!(with(DeviceKind::DeskPhone), 1000);
    let desk: HashSet<Uuid> = d
        .devices
        .iter()
        .filter(|x| matches!(x.kind, DeviceKind::DeskPhone | DeviceKind::TeamsClient))
        .map(|x| x.id)
        .collect();
    let non_desk_preferred = d
        .people
        .iter()
        .filter(|p| p.preferred_device_id.is_some_and(|id| !desk.contains(&id)))
        .count();
    in_range(
        "non-desk preferred ‰",
        non_desk_preferred * 1000 / d.people.len(),
        70,
        140,
    );
    let separate: Vec<&str> = d
        .units
        .iter()
        .filter(|u| u.teams_tenant == TeamsTenant::Separate)
        .map(|u| u.code.as_str())
        .collect();
    assert_eq!(separate, ["SBS", "OUEM", "OUI"]);
    assert!(d.units.iter().any(|u| u.name == "Saïd Business School"));
}

#[test]
fn ids_and_rows_do_not_depend_on_the_date() {
    let a = generate(fixed_now());
    // Another day, time and year (2023 had an extra bank holiday).
    let then = Utc
        .with_ymd_and_hms(2023, 2, 3, 8, 47, 0)
        .single()
        .unwrap_or_default();
    let b = generate(then);
    fn ids<T>(rows: &[T], id: impl Fn(&T) -> Uuid) -> Vec<Uuid> {
        rows.iter().map(id).collect()
    }
    assert_eq!(ids(&a.people, |p| p.id), ids(&b.people, |p| p.id));
    let names = |d: &Dataset| {
        d.people
            .iter()
            .map(|p| (p.username.clone(), p.email.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&a), names(&b));
    assert_eq!(ids(&a.lines, |l| l.id), ids(&b.lines, |l| l.id));
    assert_eq!(ids(&a.devices, |x| x.id), ids(&b.devices, |x| x.id));
    assert_eq!(
        ids(&a.hunt_group_members, |m| m.person_id),
        ids(&b.hunt_group_members, |m| m.person_id)
    );
    assert_eq!(
        ids(&a.ea_group_members, |m| m.person_id),
        ids(&b.ea_group_members, |m| m.person_id)
    );
    assert_eq!(a.call_records.len(), b.call_records.len());
    assert_eq!(a.call_participants.len(), b.call_participants.len());
    let call_ids = |d: &Dataset| d.call_records.iter().map(|c| c.id).collect::<BTreeSet<_>>();
    assert_eq!(call_ids(&a), call_ids(&b));
    assert_eq!(a.audit_events[0].id, b.audit_events[0].id);
}

#[test]
fn people_lines_and_devices_are_consistent() {
    let now = fixed_now();
    let d = generate(now);
    let usernames: HashSet<&str> = d.people.iter().map(|p| p.username.as_str()).collect();
    assert_eq!(usernames.len(), d.people.len());
    for name in ["demo-admin", "demo-coordinator", "demo-user"] {
        assert!(usernames.contains(name), "{name}");
    }
    let units: BTreeMap<Uuid, &unit::Model> = d.units.iter().map(|u| (u.id, u)).collect();
    for p in &d.people {
        assert_eq!(p.search_name, fold_search_name(&p.display_name));
        assert!(
            p.email.is_ascii() && p.email.ends_with(".ox.ac.uk"),
            "{}",
            p.email
        );
        if !p.username.starts_with("demo-") {
            let prefix: String = units[&p.unit_id]
                .code
                .to_lowercase()
                .chars()
                .take(4)
                .collect();
            assert!(
                p.username.starts_with(&prefix) && p.username.len() == prefix.len() + 4,
                "{}",
                p.username
            );
        }
    }
    let e164: HashSet<&str> = d.lines.iter().map(|l| l.e164.as_str()).collect();
    let extensions: HashSet<&str> = d.lines.iter().map(|l| l.extension.as_str()).collect();
    assert_eq!(e164.len(), d.lines.len());
    assert_eq!(extensions.len(), d.lines.len());
    for l in &d.lines {
        assert!(
            l.e164.starts_with("+441865") && l.e164.len() == 13,
            "{}",
            l.e164
        );
        assert!(l.e164.ends_with(&l.extension) && l.extension.len() == 5);
        assert_eq!(l.owner_id.is_some(), l.kind == LineKind::Personal);
    }
    let personal: BTreeMap<Uuid, usize> =
        d.lines
            .iter()
            .filter_map(|l| l.owner_id)
            .fold(BTreeMap::new(), |mut m, o| {
                *m.entry(o).or_default() += 1;
                m
            });
    assert!(d.people.iter().all(|p| personal.get(&p.id) == Some(&1)));
    let devices: BTreeMap<Uuid, _> = d.devices.iter().map(|x| (x.id, x)).collect();
    for p in &d.people {
        let preferred = p
            .preferred_device_id
            .and_then(|id| devices.get(&id))
            .expect("a preferred device");
        assert_eq!(preferred.owner_id, p.id);
        assert_eq!(preferred.status, DeviceStatus::Active);
        assert_eq!(
            preferred.kind == DeviceKind::TeamsClient,
            p.platform == Platform::Teams
        );
    }
    // Teams people: licence each, no active Chorus device, no pickup group.
    let teams: HashSet<Uuid> = d
        .people
        .iter()
        .filter(|p| p.platform == Platform::Teams)
        .map(|p| p.id)
        .collect();
    let licensed: HashSet<Uuid> = d.licence_assignments.iter().map(|a| a.person_id).collect();
    assert_eq!(teams, licensed);
    assert_eq!(d.licence_pools[0].assigned_count as usize, licensed.len());
    assert!(
        d.devices
            .iter()
            .filter(|x| teams.contains(&x.owner_id))
            .all(|x| (x.kind == DeviceKind::TeamsClient) == (x.status == DeviceStatus::Active))
    );
    assert!(
        d.pickup_group_members
            .iter()
            .all(|m| !teams.contains(&m.person_id))
    );
    assert!(
        d.tranche_members
            .iter()
            .all(|m| !teams.contains(&m.person_id))
    );
    // Most devices were used recently.
    let recent = d
        .devices
        .iter()
        .filter(|x| x.last_used_at.is_some_and(|t| t > now - Duration::days(60)))
        .count();
    assert!(
        recent * 10 > d.devices.len() * 8,
        "{recent} of {}",
        d.devices.len()
    );
}

#[test]
fn groups_link_into_movement_sets() {
    let d = generate(fixed_now());
    let lines: BTreeMap<Uuid, _> = d.lines.iter().map(|l| (l.id, l)).collect();
    let pilots: HashSet<Uuid> = d.hunt_groups.iter().map(|h| h.pilot_line_id).collect();
    assert_eq!(pilots.len(), d.hunt_groups.len());
    assert!(
        d.hunt_groups
            .iter()
            .all(|h| lines[&h.pilot_line_id].kind == LineKind::Shared)
    );
    let mut members: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for m in &d.hunt_group_members {
        members.entry(m.group_id).or_default().push(m.person_id);
        assert!((10..=20).contains(&m.ring_seconds));
    }
    assert!(members.values().all(|m| (2..=8).contains(&m.len())));
    let mut ea: BTreeMap<Uuid, (usize, usize)> = BTreeMap::new();
    let mut assistant_groups: BTreeMap<Uuid, usize> = BTreeMap::new();
    for m in &d.ea_group_members {
        let entry = ea.entry(m.group_id).or_default();
        match m.role {
            EaRole::Manager => entry.0 += 1,
            EaRole::Assistant => {
                entry.1 += 1;
                *assistant_groups.entry(m.person_id).or_default() += 1;
            }
        }
    }
    assert!(
        ea.values()
            .all(|(m, a)| (1..=3).contains(m) && (1..=2).contains(a)),
        "{ea:?}"
    );
    assert!(
        assistant_groups.values().any(|n| *n >= 2),
        "an assistant serves two groups"
    );
    assert!(d.ea_whitelist.len() >= 20);
    let mut pickup: BTreeMap<Uuid, usize> = BTreeMap::new();
    for m in &d.pickup_group_members {
        *pickup.entry(m.group_id).or_default() += 1;
    }
    assert!(pickup.values().all(|n| (3..=10).contains(n)), "{pickup:?}");

    // Union-find over hunt-group co-membership and manager–assistant pairs.
    let mut parent: BTreeMap<Uuid, Uuid> = BTreeMap::new();
    fn find(parent: &mut BTreeMap<Uuid, Uuid>, x: Uuid) -> Uuid {
        let p = *parent.entry(x).or_insert(x);
        if p == x {
            return x;
        }
        let root = find(parent, p);
        parent.insert(x, root);
        root
    }
    let mut union = |a: Uuid, b: Uuid| {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent.insert(ra, rb);
    };
    for group in members.values() {
        for w in group.windows(2) {
            union(w[0], w[1]);
        }
    }
    let mut by_group: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for m in &d.ea_group_members {
        by_group.entry(m.group_id).or_default().push(m.person_id);
    }
    for group in by_group.values() {
        for w in group.windows(2) {
            union(w[0], w[1]);
        }
    }
    let people: Vec<Uuid> = parent.keys().copied().collect();
    let mut sizes: BTreeMap<Uuid, usize> = BTreeMap::new();
    for p in people {
        *sizes.entry(find(&mut parent, p)).or_default() += 1;
    }
    let largest = sizes.values().max().copied().unwrap_or(0);
    assert!(largest >= 7, "largest movement set {largest}");
    assert!(
        sizes.values().filter(|n| **n >= 5).count() >= 3,
        "{sizes:?}"
    );
}

#[test]
fn calls_are_recent_unique_and_use_non_desk_devices() {
    let now = fixed_now();
    let d = generate(now);
    let ids: HashSet<&str> = d
        .call_records
        .iter()
        .map(|c| c.pbx_call_id.as_str())
        .collect();
    assert_eq!(ids.len(), d.call_records.len());
    for c in &d.call_records {
        assert!(c.started_at <= c.ended_at && c.ended_at <= now, "{c:?}");
        assert!(c.started_at > now - Duration::days(61), "{c:?}");
        assert_eq!(
            c.answered_at.is_some(),
            c.result == entity::enums::CallResult::Answered
        );
        assert_eq!(c.external, c.direction != CallDirection::Internal);
    }
    assert!(
        d.call_records
            .windows(2)
            .all(|w| w[0].started_at <= w[1].started_at)
    );
    let mut seen = HashSet::new();
    assert!(
        d.call_participants
            .iter()
            .all(|p| seen.insert((p.call_record_id, p.person_id)))
    );
    let by_hunt = d
        .call_records
        .iter()
        .filter(|c| c.hunt_group_id.is_some())
        .count();
    let by_centre = d
        .call_records
        .iter()
        .filter(|c| c.contact_centre_id.is_some())
        .count();
    in_range("hunt-group calls", by_hunt, 2_000, 6_000);
    in_range("contact-centre calls", by_centre, 700, 900);
    // Softphone / mobile owners calling out from those devices.
    let non_desk: HashSet<Uuid> = d
        .devices
        .iter()
        .filter(|x| matches!(x.kind, DeviceKind::Softphone | DeviceKind::MobileApp))
        .map(|x| x.id)
        .collect();
    let away: HashSet<Uuid> = d
        .call_records
        .iter()
        .filter(|c| {
            c.direction == CallDirection::Outbound
                && c.device_id.is_some_and(|x| non_desk.contains(&x))
        })
        .filter_map(|c| c.caller_person_id)
        .collect();
    in_range("away callers", away.len(), 250, 900);
    // demo-user has recent missed calls.
    let demo_user = d
        .people
        .iter()
        .find(|p| p.username == "demo-user")
        .map(|p| p.id);
    let missed = d
        .call_records
        .iter()
        .filter(|c: &&call_record::Model| {
            c.dialled_person_id == demo_user && c.result == entity::enums::CallResult::Missed
        })
        .count();
    assert!(missed >= 6, "{missed}");
}

#[test]
fn centre_tranches_and_round_follow_the_calendar() {
    let now = fixed_now();
    let d = generate(now);
    let closures: BTreeSet<NaiveDate> = d.cc_closures.iter().map(|c| c.on_date).collect();
    for (m, day) in [(4, 3), (4, 6), (5, 4), (5, 25), (8, 31), (12, 25), (12, 28)] {
        assert!(closures.contains(&NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()));
    }
    assert!(closures.contains(&NaiveDate::from_ymd_opt(2027, 3, 26).unwrap_or_default()));
    assert_eq!(d.cc_opening_hours.len(), 6);
    assert_eq!(
        d.cc_queues
            .iter()
            .map(|q| (q.max_waiting, q.max_wait_seconds))
            .collect::<Vec<_>>(),
        [(10, 300), (20, 600)]
    );
    let dates: Vec<NaiveDate> = d.tranches.iter().map(|t| t.move_date).collect();
    assert!(dates.iter().all(|x| x.weekday() == Weekday::Mon));
    assert_eq!(
        dates[0],
        NaiveDate::from_ymd_opt(2026, 4, 13).unwrap_or_default()
    );
    assert_eq!((dates[1] - dates[0]).num_days(), 14);
    assert_eq!((dates[2] - dates[1]).num_days(), 7);
    assert_eq!((dates[3] - dates[2]).num_days(), 7);
    assert_eq!(
        d.tranches.iter().map(|t| t.capacity).collect::<Vec<_>>(),
        [50, 590, 550, 500]
    );
    // 17:00 in London on 25 March 2026 is still GMT.
    assert_eq!(
        d.nomination_rounds[0].deadline.to_rfc3339(),
        "2026-03-25T17:00:00+00:00"
    );
}

async fn fresh_sqlite(dir: &tempfile::TempDir, name: &str) -> anyhow::Result<DatabaseConnection> {
    let path = dir.path().join(name);
    let db = crate::db::connect(&DatabaseUrl::Sqlite(format!(
        "sqlite://{}?mode=rwc",
        path.display()
    )))
    .await?;
    crate::db::migrate(&db).await?;
    Ok(db)
}

async fn people(db: &DatabaseConnection) -> anyhow::Result<Vec<(Uuid, String)>> {
    Ok(person::Entity::find()
        .order_by_asc(person::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.username))
        .collect())
}

#[tokio::test]
async fn seeds_sqlite_once_and_the_same_every_time() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let a = fresh_sqlite(&dir, "a.db").await?;
    let started = Instant::now();
    assert!(seed_if_empty(&a).await?);
    eprintln!("demo seed on SQLite took {:?}", started.elapsed());
    assert!(!seed_if_empty(&a).await?, "a second seed does nothing");

    in_range(
        "units",
        unit::Entity::find().count(&a).await? as usize,
        38,
        44,
    );
    in_range(
        "people",
        person::Entity::find().count(&a).await? as usize,
        2_700,
        3_300,
    );
    in_range(
        "calls",
        call_record::Entity::find().count(&a).await? as usize,
        80_000,
        110_000,
    );
    in_range(
        "participants",
        entity::call_participant::Entity::find().count(&a).await? as usize,
        100_000,
        200_000,
    );
    in_range(
        "audit events",
        entity::audit_event::Entity::find().count(&a).await? as usize,
        1,
        1,
    );

    let b = fresh_sqlite(&dir, "b.db").await?;
    assert!(seed_if_empty_at(&b, Utc::now() - Duration::days(40)).await?);
    assert_eq!(people(&a).await?, people(&b).await?);
    Ok(())
}

/// Seeds a fresh PostgreSQL database when `TEST_DATABASE_URL` (an admin URL, as in CI) is set;
/// passes without doing anything otherwise.
#[tokio::test]
async fn seeds_postgres_when_configured() -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, Database};

    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        return Ok(());
    };
    let name = format!("chorus_test_demo_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = DatabaseUrl::Postgres(format!("{base}/{name}"));
    let outcome = async {
        let db = crate::db::connect(&url).await?;
        crate::db::migrate(&db).await?;
        let started = Instant::now();
        assert!(seed_if_empty(&db).await?);
        eprintln!("demo seed on PostgreSQL took {:?}", started.elapsed());
        assert!(!seed_if_empty(&db).await?);
        in_range(
            "people",
            person::Entity::find().count(&db).await? as usize,
            2_700,
            3_300,
        );
        in_range(
            "calls",
            call_record::Entity::find().count(&db).await? as usize,
            80_000,
            110_000,
        );
        let round = entity::nomination_round::Entity::find().one(&db).await?;
        assert!(round.is_some_and(|r| r.deadline > Utc::now()));
        let audit = entity::audit_event::Entity::find().one(&db).await?;
        assert!(audit.is_some_and(|a| a.after.is_some()));
        let hours = entity::cc_opening_hours::Entity::find().all(&db).await?;
        assert_eq!(hours.len(), 6);
        db.close().await?;
        anyhow::Ok(())
    }
    .await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    admin.close().await?;
    outcome
}

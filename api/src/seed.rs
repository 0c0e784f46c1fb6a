//! `chorus seed`: a large synthetic data set for benchmarks (not the demo), generated set-based
//! inside the database (PostgreSQL `generate_series`, SQLite recursive CTEs), then the
//! directory search index. Everything is derived from the person index `g` (username `p{g}`),
//! never from `random()`, so two runs at one size hold the same shape (only the UUIDs differ).
//!
//! - `people` people in 40 units (the first three on a separate Teams tenant), each with a
//!   PERSONAL line and a desk phone. By a hash of `g`: 1.5% have an active softphone, 1% the
//!   mobile app (0.3% both); a third of those prefer it on the portal; about 50 per 100,000
//!   have an extra desk phone on a CRITICAL line.
//! - Groups, per 100,000 people: 2,000 hunt groups of 3–8 members from one unit, each with its
//!   own SHARED pilot line (two groups in five share a member with the next group of their
//!   unit, so movement sets chain up to three groups); 500 executive-assistant groups (1–2
//!   managers with 0–3 whitelisted numbers each, 1–2 assistants; some assistants serve two
//!   groups, one group in ten has a hunt-group member as manager); 1,000 pickup groups of
//!   3–10 members. One contact centre with two queues and 40 agents (35 people).
//! - Cutover: the `teams` licence pool (1,600), one nomination round, about 1.5% of people
//!   nominated (mostly softphone and app users, never in a separate-tenant unit), a licence
//!   for each of them up to the pool, five planned tranches and 50 people in the pilot one.
//! - `calls` call records. One call in twenty lands on a few "heavy" people (receptions), so
//!   deep call-history pages exist: person `p0` gets 5% of all calls. Outbound calls carry the
//!   device they were made from: half of a softphone or app user's from that device, the rest
//!   (and everyone else's) from the desk phone.
//!
//! Number plan: personal lines are `+441865` + 6 digits (`g`) with 5-digit extensions; the
//! seed's shared and critical lines are `+4418659` + 5 digits with 6-digit extensions `9nnnnn`
//! (hunt pilots from 0, critical lines from 10000, the contact centre's pilot 90000).

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, TransactionTrait};

use crate::services::directory;

const FIRST: [&str; 24] = [
    "Alice", "Ben", "Chloe", "Daniel", "Emma", "Finn", "Grace", "Harry", "Isla", "Jack", "Kate",
    "Liam", "Mia", "Noah", "Olivia", "Priya", "Quentin", "Ruby", "Sam", "Tara", "Umar", "Zoë",
    "Renée", "Saïd",
];
const LAST: [&str; 24] = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Khan",
    "Murphy",
    "O'Brien",
    "Smith-Jones",
    "Nguyen",
    "Ólafsdóttir",
    "Müller",
    "García",
    "Kowalski",
    "Okafor",
];

/// Hash buckets: each person gets two numbers in 0..100,000 from their index `g`
/// (multiplicative hashing, identical on both backends), which pick their devices and answers.
const HASH_H: (u64, u64) = (2_654_435_761, 0);
const HASH_H2: (u64, u64) = (2_246_822_519, 374_761_393);
/// `h` below this: an active softphone (1.5%).
const SOFTPHONE_BELOW: u32 = 1_500;
/// `h` in this range: an active mobile app (1%, overlapping the softphones by 0.3%).
const APP_FROM: u32 = 1_200;
const APP_BELOW: u32 = 2_200;
/// `h` in `APP_BELOW..` this: nominated although they use neither (0.1%).
const NOMINATED_EXTRA_BELOW: u32 = 2_300;
/// Who has an extra desk phone on a CRITICAL line (about 50 per 100,000, some of them
/// softphone or app users, so eligible and blocked at once).
fn critical() -> String {
    format!("(h2 < 30 OR (h < {APP_BELOW} AND h2 < 1000))")
}
const POOL_CAPACITY: u32 = 1_600;
const PILOT_MEMBERS: u32 = 50;
/// (number, name, cohort, capacity, Monday this many weeks from now).
const TRANCHES: [(u32, &str, &str, u32, u32); 5] = [
    (1, "Pilot", "PILOT", 50, 5),
    (2, "Colleges", "COLLEGE", 250, 7),
    (3, "UAS", "UAS", 340, 7),
    (4, "Departments", "DEPARTMENTAL", 550, 8),
    (5, "Late requests", "LATE", 500, 9),
];
/// The unit (index, `U006`) of the contact centre; its agents are the unit's last 35 people.
const CC_UNIT: u32 = 5;

/// Sizes derived from the number of people.
struct Plan {
    people: u32,
    calls: u64,
    /// People `u + 40 j` of unit `u` exist for `j < per_unit` (at least).
    per_unit: u32,
    hunt_groups: u32,
    /// Hunt groups per unit: group `m` of unit `u` takes `j` in `10 m .. 10 m + 10`.
    hunt_per_unit: u32,
    ea_groups: u32,
    pickup_groups: u32,
}

impl Plan {
    fn new(people: u32, calls: u64) -> Self {
        let hunt_groups = people / 50;
        Self {
            people,
            calls,
            per_unit: people / 40,
            hunt_groups,
            hunt_per_unit: hunt_groups.div_ceil(40).max(1),
            ea_groups: people / 200,
            pickup_groups: people / 100,
        }
    }

    /// The first `j` after the hunt groups' people (and the chain link of the last group):
    /// EA group `m` of a unit takes `j` in `ea_start + 5 m .. + 4`.
    fn ea_start(&self) -> u32 {
        10 * self.hunt_per_unit + 1
    }
}

fn hash(i: &str, (mul, add): (u64, u64)) -> String {
    format!("((({i}) * {mul} + {add}) % 4294967296) / 42950")
}

/// Which device outbound call `g` of person `sp` was made from. Person `p`'s calls are
/// `g = p + people * k` (except the heavy people's), and their outbound ones are three rounds
/// `k` apart, so `k % 4` takes every value in turn: a quarter of them from the softphone (else
/// the app), a quarter from the app (else the softphone), the rest from the desk phone.
fn call_device(people: u32) -> String {
    format!(
        "CASE WHEN g % 3 = 1 THEN CASE (g / {}) % 4
                 WHEN 0 THEN COALESCE(sp.soft_id, sp.app_id, sp.desk_id)
                 WHEN 1 THEN COALESCE(sp.app_id, sp.soft_id, sp.desk_id)
                 ELSE sp.desk_id END END",
        people.max(1)
    )
}

/// Who is nominated: 70% of softphone and app users and a few others, never in a unit on a
/// separate Teams tenant (the first three units).
fn nominees() -> String {
    format!(
        "i % 40 >= 3 AND ((h < {APP_BELOW} AND h % 10 < 7) OR (h >= {APP_BELOW} AND h < {NOMINATED_EXTRA_BELOW}))"
    )
}

/// Generates the data set into an empty database (refuses when people exist).
pub async fn seed(db: &DatabaseConnection, people: u32, calls: u64) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let existing = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM person",
        ))
        .await?;
    if existing
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0)
        > 0
    {
        anyhow::bail!("the database already has people: seed an empty one");
    }
    if people as u64 > 99_999 + 1 {
        anyhow::bail!("at most 100,000 people (five-digit extensions)");
    }
    let names = |list: &[&str]| {
        list.iter()
            .enumerate()
            .map(|(i, n)| format!("({i}, '{}')", n.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let plan = Plan::new(people, calls);
    let sql = match backend {
        DatabaseBackend::Postgres => postgres(&plan, &names(&FIRST), &names(&LAST)),
        DatabaseBackend::Sqlite => sqlite(&plan, &names(&FIRST), &names(&LAST)),
        other => anyhow::bail!("unsupported database {other:?}"),
    };
    // Temporary tables live on one connection: run every step in one transaction.
    let txn = db.begin().await?;
    for (step, statement) in &sql {
        let started = std::time::Instant::now();
        txn.execute_unprepared(statement)
            .await
            .map_err(|e: DbErr| anyhow::anyhow!("step {step}: {e}"))?;
        tracing::info!(
            step,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "seed step done"
        );
    }
    let started = std::time::Instant::now();
    directory::reindex_all(&txn).await?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "directory index built"
    );
    txn.commit().await?;
    if backend == DatabaseBackend::Postgres {
        // Index-only scans (directory search) need the visibility map of freshly loaded tables.
        db.execute_unprepared("VACUUM ANALYZE").await?;
    }
    Ok(())
}

/// The five tranches as `VALUES` rows, with `monday(weeks)` the backend's date expression.
fn tranche_rows(uuid: &str, now: &str, monday: impl Fn(u32) -> String) -> String {
    TRANCHES
        .iter()
        .map(|(number, name, cohort, capacity, weeks)| {
            format!(
                "({uuid}, {number}, '{name}', '{cohort}', {}, {capacity}, 'PLANNED', {now}, 1)",
                monday(*weeks)
            )
        })
        .collect::<Vec<_>>()
        .join(",\n                ")
}

fn postgres(plan: &Plan, first: &str, last: &str) -> Vec<(&'static str, String)> {
    let (nf, nl) = (FIRST.len(), LAST.len());
    let Plan {
        people,
        calls,
        per_unit,
        hunt_groups,
        hunt_per_unit,
        ea_groups,
        pickup_groups,
    } = *plan;
    let ea_start = plan.ea_start();
    let (critical, nominees, call_device) = (critical(), nominees(), call_device(people));
    let (h, h2) = (hash("i::bigint", HASH_H), hash("i::bigint", HASH_H2));
    // The Monday `weeks` weeks from now: this week's Monday plus that many weeks.
    let tranches = tranche_rows("gen_random_uuid()", "now()", |weeks| {
        format!("date_trunc('week', now())::date + {}", 7 * weeks)
    });
    vec![
        ("names", format!("CREATE TEMP TABLE seed_first(i int, name text); INSERT INTO seed_first VALUES {first};
                 CREATE TEMP TABLE seed_last(i int, name text); INSERT INTO seed_last VALUES {last};")),
        ("units", "INSERT INTO unit (id, code, name, kind, teams_tenant, created_at)
         SELECT gen_random_uuid(), 'U' || lpad(g::text, 3, '0'), 'Unit ' || lpad(g::text, 3, '0'),
                CASE g % 3 WHEN 0 THEN 'COLLEGE' WHEN 1 THEN 'DEPARTMENT' ELSE 'UAS_DIVISION' END,
                CASE WHEN g <= 3 THEN 'SEPARATE' ELSE 'MAIN' END, now()
         FROM generate_series(1, 40) g;
         CREATE TEMP TABLE seed_unit AS SELECT (row_number() OVER (ORDER BY code)) - 1 AS i, id FROM unit;".into()),
        ("people", format!("INSERT INTO person (id, username, display_name, search_name, email, unit_id, job_title, directory_status,
                    platform, preferred_device_id, created_at, updated_at, version)
         SELECT gen_random_uuid(), 'p' || g, f.name || ' ' || l.name || ' ' || g, lower(f.name || ' ' || l.name || ' ' || g),
                'p' || g || '@example.ox.ac.uk', u.id, NULL,
                CASE WHEN g % 25 = 0 THEN 'EX_DIRECTORY' ELSE 'LISTED' END, 'CHORUS', NULL, now(), now(), 0
         FROM generate_series(0, {people} - 1) g
         JOIN seed_first f ON f.i = g % {nf}
         JOIN seed_last l ON l.i = (g / {nf}) % {nl}
         JOIN seed_unit u ON u.i = g % 40;")),
        ("lines and desk phones", format!("INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT gen_random_uuid(), '+441865' || lpad(substr(username, 2), 6, '0'), lpad(substr(username, 2), 5, '0'),
                'PERSONAL', id, unit_id, NULL, 'NATIONAL', now(), 0
         FROM person;
         INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT gen_random_uuid(), 'DESK_PHONE', 'Office phone', 'OpenScape Desk Phone CP400', l.owner_id, l.id, 'ACTIVE', NULL, now(), 0
         FROM line l;
         CREATE TEMP TABLE seed_person AS
         SELECT i, id, extension, line_id, unit_id, desk_id, h, h2,
                CASE WHEN h < {SOFTPHONE_BELOW} THEN gen_random_uuid() END AS soft_id,
                CASE WHEN h >= {APP_FROM} AND h < {APP_BELOW} THEN gen_random_uuid() END AS app_id,
                {critical} AS critical
         FROM (SELECT i, id, extension, line_id, unit_id, desk_id, {h} AS h, {h2} AS h2
               FROM (SELECT substr(p.username, 2)::int AS i, p.id, l.extension, l.id AS line_id, p.unit_id, d.id AS desk_id
                     FROM person p JOIN line l ON l.owner_id = p.id JOIN device d ON d.line_id = l.id) x) y;
         CREATE UNIQUE INDEX ON seed_person (i);
         CREATE UNIQUE INDEX ON seed_person (id);
         ANALYZE seed_person;")),
        ("softphones, apps, critical lines", format!("INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT soft_id, 'SOFTPHONE',
                CASE WHEN i % 10 < 6 THEN 'Softphone (Windows)' WHEN i % 10 < 9 THEN 'Softphone (Mac)' ELSE 'Softphone (Linux)' END,
                'OpenScape Desktop Client', id, line_id, 'ACTIVE', now() - (i % 72) * interval '1 hour', now(), 0
         FROM seed_person WHERE soft_id IS NOT NULL;
         INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT app_id, 'MOBILE_APP', CASE WHEN i % 2 = 0 THEN 'OpenScape Mobile (iPhone)' ELSE 'OpenScape Mobile (Android)' END,
                'OpenScape Mobile', id, line_id, 'ACTIVE', now() - (i % 96) * interval '1 hour', now(), 0
         FROM seed_person WHERE app_id IS NOT NULL;
         UPDATE person p SET preferred_device_id = COALESCE(sp.soft_id, sp.app_id)
         FROM seed_person sp WHERE sp.id = p.id AND sp.h < {APP_BELOW} AND sp.h % 3 = 0;
         CREATE TEMP TABLE seed_critical AS
         SELECT i, id, unit_id, gen_random_uuid() AS line_id, gen_random_uuid() AS device_id,
                10000 + row_number() OVER (ORDER BY i) AS n
         FROM seed_person WHERE critical;
         INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT line_id, '+4418659' || lpad(n::text, 5, '0'), '9' || lpad(n::text, 5, '0'), 'CRITICAL', NULL, unit_id,
                CASE n % 4 WHEN 0 THEN 'Porters'' lodge' WHEN 1 THEN 'Security control room'
                           WHEN 2 THEN 'Lift emergency phone' ELSE 'Laboratory safety line' END,
                'NATIONAL', now(), 0
         FROM seed_critical;
         INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT device_id, 'DESK_PHONE', 'Critical line phone', 'OpenScape Desk Phone CP600', id, line_id, 'ACTIVE', NULL, now(), 0
         FROM seed_critical;")),
        ("hunt groups", format!("CREATE TEMP TABLE seed_hunt AS
         SELECT k, k % 40 AS u, k / 40 AS m, 3 + ((k / 40) * 5 + k % 40) % 6 AS size, (k / 40) % 5 IN (1, 2) AS chained,
                gen_random_uuid() AS id, gen_random_uuid() AS line_id, su.id AS unit_id
         FROM generate_series(0, {hunt_groups} - 1) k JOIN seed_unit su ON su.i = k % 40;
         INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT line_id, '+4418659' || lpad(k::text, 5, '0'), '9' || lpad(k::text, 5, '0'), 'SHARED', NULL, unit_id,
                'Hunt group ' || k || ' pilot', 'NATIONAL', now(), 0
         FROM seed_hunt;
         INSERT INTO hunt_group (id, name, pilot_line_id, unit_id, strategy, platform, no_answer_kind, no_answer_target, created_at, version)
         SELECT id, 'Hunt group ' || k, line_id, unit_id, CASE WHEN k % 2 = 0 THEN 'SEQUENTIAL' ELSE 'SIMULTANEOUS' END,
                'CHORUS', 'VOICEMAIL', NULL, now(), 1
         FROM seed_hunt;
         INSERT INTO hunt_group_member (id, group_id, person_id, position, ring_seconds, opted_out)
         SELECT gen_random_uuid(), h.id, sp.id, r + 1, 15 + 5 * (r % 2), false
         FROM seed_hunt h JOIN generate_series(0, 7) r ON r < h.size
         JOIN seed_person sp ON sp.i = h.u + 40 * (h.m * 10 + CASE WHEN h.chained AND r = h.size - 1 THEN 10 ELSE r END);")),
        ("EA and pickup groups", format!("CREATE TEMP TABLE seed_ea AS
         SELECT e, e % 40 AS u, e / 40 AS m, gen_random_uuid() AS id, su.id AS unit_id
         FROM generate_series(0, {ea_groups} - 1) e JOIN seed_unit su ON su.i = e % 40;
         INSERT INTO ea_group (id, name, unit_id, platform, created_at, version)
         SELECT id, 'Executive group ' || e, unit_id, 'CHORUS', now(), 1 FROM seed_ea;
         CREATE TEMP TABLE seed_ea_member AS
         SELECT gen_random_uuid() AS id, x.group_id, x.e, sp.id AS person_id, sp.i,
                CASE WHEN x.r < 2 THEN 'MANAGER' ELSE 'ASSISTANT' END AS role
         FROM (SELECT ea.id AS group_id, ea.e, ea.u, r,
                      CASE WHEN r = 0 AND (ea.u + 3 * ea.m) % 10 = 0 THEN (ea.m % {hunt_per_unit}) * 10 + 1
                           WHEN r = 2 AND ea.m > 0 AND (ea.u + ea.m) % 4 = 3 THEN {ea_start} + (ea.m - 1) * 5 + 2
                           ELSE {ea_start} + ea.m * 5 + r END AS j
               FROM seed_ea ea JOIN generate_series(0, 3) r
                 ON r = 0 OR r = 2 OR (r = 1 AND (ea.u + ea.m) % 3 = 0) OR (r = 3 AND (ea.u + 2 * ea.m) % 4 = 1)) x
         JOIN seed_person sp ON sp.i = x.u + 40 * x.j;
         INSERT INTO ea_group_member (id, group_id, person_id, role, divert_enabled)
         SELECT id, group_id, person_id, role, true FROM seed_ea_member;
         INSERT INTO ea_whitelist_entry (id, member_id, number, label)
         SELECT gen_random_uuid(), m.id, '+4420794' || lpad(((m.i * 37 + w * 1013) % 100000)::text, 5, '0'),
                CASE w WHEN 0 THEN 'Mobile' WHEN 1 THEN 'Home' ELSE 'Registrar' END
         FROM seed_ea_member m JOIN generate_series(0, 2) w ON w < (m.i / 40 + m.e) % 4
         WHERE m.role = 'MANAGER';
         CREATE TEMP TABLE seed_pickup AS
         SELECT q, q % 40 AS u, q / 40 AS m, 3 + ((q / 40) * 3 + q % 40) % 8 AS size, gen_random_uuid() AS id, su.id AS unit_id
         FROM generate_series(0, {pickup_groups} - 1) q JOIN seed_unit su ON su.i = q % 40;
         INSERT INTO pickup_group (id, name, unit_id, created_at, version)
         SELECT id, 'Pickup group ' || q, unit_id, now(), 1 FROM seed_pickup;
         INSERT INTO pickup_group_member (id, group_id, person_id)
         SELECT gen_random_uuid(), p.id, sp.id
         FROM seed_pickup p JOIN generate_series(0, 9) r ON r < p.size
         JOIN seed_person sp ON sp.i = p.u + 40 * (p.m * 12 + 5 + r);")),
        ("contact centre", format!("CREATE TEMP TABLE seed_cc AS
         SELECT gen_random_uuid() AS id, gen_random_uuid() AS line_id, gen_random_uuid() AS q1, gen_random_uuid() AS q2, id AS unit_id
         FROM seed_unit WHERE i = {CC_UNIT};
         INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT line_id, '+441865990000', '990000', 'SHARED', NULL, unit_id, 'IT Service Desk', 'NATIONAL', now(), 0 FROM seed_cc;
         INSERT INTO contact_centre (id, name, unit_id, pilot_line_id, time_zone, out_of_hours_kind, out_of_hours_target, created_at, version)
         SELECT id, 'IT Service Desk', unit_id, line_id, 'Europe/London', 'VOICEMAIL', NULL, now(), 1 FROM seed_cc;
         INSERT INTO cc_queue (id, centre_id, name, max_waiting, max_wait_seconds, overflow_kind, overflow_target, position)
         SELECT q1, id, 'Staff and general enquiries', 10, 300, 'VOICEMAIL', NULL, 1 FROM seed_cc
         UNION ALL SELECT q2, id, 'Students and accounts', 20, 600, 'VOICEMAIL', NULL, 2 FROM seed_cc;
         INSERT INTO cc_agent (id, queue_id, person_id)
         SELECT gen_random_uuid(), CASE WHEN r < 20 THEN c.q1 ELSE c.q2 END, sp.id
         FROM seed_cc c CROSS JOIN generate_series(0, 39) r
         JOIN seed_person sp ON sp.i = {CC_UNIT} + 40 * ({per_unit} - 1 - CASE WHEN r < 20 THEN r ELSE r - 5 END);
         INSERT INTO cc_opening_hours (id, centre_id, weekday, opens_at, closes_at)
         SELECT gen_random_uuid(), c.id, d, '08:00:00'::time, '18:00:00'::time FROM seed_cc c CROSS JOIN generate_series(1, 5) d;
         INSERT INTO cc_closure (id, centre_id, on_date, reason)
         SELECT gen_random_uuid(), id, make_date(extract(year FROM now())::int, 12, 25), 'Christmas Day' FROM seed_cc
         UNION ALL SELECT gen_random_uuid(), id, make_date(extract(year FROM now())::int, 12, 26), 'Boxing Day' FROM seed_cc;")),
        ("licences, nominations, tranches", format!("INSERT INTO licence_pool (id, name, capacity, assigned_count, updated_at, version)
         VALUES (gen_random_uuid(), 'teams', {POOL_CAPACITY}, 0, now(), 1);
         INSERT INTO nomination_round (id, name, deadline, created_at)
         VALUES (gen_random_uuid(), '2022 Telephony over Teams', now() + interval '14 days', now());
         CREATE TEMP TABLE seed_nominee AS SELECT i, id, unit_id, critical FROM seed_person WHERE {nominees};
         INSERT INTO nomination (id, round_id, person_id, unit_id, answer, answered_by, answered_at, late)
         SELECT gen_random_uuid(), r.id, n.id, n.unit_id, 'NOMINATE', 'bench', now() - (n.i % 7) * interval '1 day', false
         FROM seed_nominee n CROSS JOIN nomination_round r;
         INSERT INTO licence_assignment (id, pool_id, person_id, assigned_at, assigned_by)
         SELECT gen_random_uuid(), p.id, n.id, now(), 'bench'
         FROM (SELECT id FROM seed_nominee ORDER BY i LIMIT {POOL_CAPACITY}) n CROSS JOIN licence_pool p;
         UPDATE licence_pool SET assigned_count = (SELECT COUNT(*) FROM licence_assignment);
         INSERT INTO tranche (id, number, name, cohort, move_date, capacity, state, created_at, version)
         VALUES {tranches};
         INSERT INTO tranche_member (id, tranche_id, person_id, added_at)
         SELECT gen_random_uuid(), t.id, n.id, now()
         FROM (SELECT n.id FROM seed_nominee n
               WHERE NOT n.critical
                 AND EXISTS (SELECT 1 FROM licence_assignment la WHERE la.person_id = n.id)
                 AND NOT EXISTS (SELECT 1 FROM hunt_group_member m WHERE m.person_id = n.id)
                 AND NOT EXISTS (SELECT 1 FROM ea_group_member m WHERE m.person_id = n.id)
                 AND NOT EXISTS (SELECT 1 FROM cc_agent a WHERE a.person_id = n.id)
               ORDER BY n.i LIMIT {PILOT_MEMBERS}) n
         JOIN tranche t ON t.number = 1;")),
        ("calls", format!("INSERT INTO call_record (id, pbx_call_id, started_at, answered_at, ended_at, direction, from_number, to_number,
                    external, result, device_id, caller_person_id, dialled_person_id, answered_person_id, hunt_group_id,
                    contact_centre_id, created_at)
         SELECT gen_random_uuid(), 'BENCH-' || g, t, CASE WHEN g % 7 < 5 THEN t + interval '5 seconds' END, t + interval '3 minutes',
                CASE g % 3 WHEN 0 THEN 'INBOUND' WHEN 1 THEN 'OUTBOUND' ELSE 'INTERNAL' END,
                CASE g % 3 WHEN 0 THEN '+4420794' || lpad((g % 100000)::text, 5, '0') ELSE sp.extension END,
                CASE g % 3 WHEN 1 THEN '+4420794' || lpad((g % 100000)::text, 5, '0') WHEN 0 THEN sp.extension ELSE lpad(((p + 1) % {people})::text, 5, '0') END,
                g % 3 <> 2,
                CASE WHEN g % 7 < 5 THEN 'ANSWERED' WHEN g % 7 = 5 THEN 'MISSED' ELSE 'VOICEMAIL' END,
                {call_device}, CASE WHEN g % 3 <> 0 THEN sp.id END, CASE WHEN g % 3 = 0 THEN sp.id END, NULL, NULL, NULL, now()
         FROM (SELECT g, now() - (g * interval '3 seconds') AS t,
                      CASE WHEN g % 20 = 0 THEN (g / 20) % 5 ELSE g % {people} END AS p
               FROM generate_series(1, {calls}) g) s
         JOIN seed_person sp ON sp.i = s.p;")),
        ("call participants", "INSERT INTO call_participant (id, call_record_id, person_id, started_at, role)
         SELECT gen_random_uuid(), id, COALESCE(caller_person_id, dialled_person_id), started_at,
                CASE WHEN caller_person_id IS NOT NULL THEN 'CALLER' ELSE 'DIALLED' END
         FROM call_record;
         ANALYZE;".into()),
    ]
}

/// `WITH RECURSIVE {name}(g)` counting `0 .. n` (no row when `n` is 0).
fn sqlite_series(name: &str, n: u32) -> String {
    format!(
        "WITH RECURSIVE {name}(g) AS (SELECT 0 WHERE 0 < {n} UNION ALL SELECT g + 1 FROM {name} WHERE g + 1 < {n})"
    )
}

fn sqlite(plan: &Plan, first: &str, last: &str) -> Vec<(&'static str, String)> {
    let (nf, nl) = (FIRST.len(), LAST.len());
    let Plan {
        people,
        calls,
        per_unit,
        hunt_groups,
        hunt_per_unit,
        ea_groups,
        pickup_groups,
    } = *plan;
    let ea_start = plan.ea_start();
    let (critical, nominees, call_device) = (critical(), nominees(), call_device(people));
    let (h, h2) = (hash("i", HASH_H), hash("i", HASH_H2));
    let ts = "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')";
    let ts_at = |modifier: &str| format!("strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', {modifier})");
    // The Monday `weeks` weeks from now: this week's Monday plus that many weeks.
    let tranches = tranche_rows("randomblob(16)", ts, |weeks| {
        format!("date('now', '-6 days', 'weekday 1', '+{} days')", 7 * weeks)
    });
    let (hunts, eas, pickups) = (
        sqlite_series("s", hunt_groups),
        sqlite_series("s", ea_groups),
        sqlite_series("s", pickup_groups),
    );
    let (soft_used, app_used, answered) = (
        ts_at("'-' || (i % 72) || ' hours'"),
        ts_at("'-' || (i % 96) || ' hours'"),
        ts_at("'-' || (n.i % 7) || ' days'"),
    );
    let deadline = ts_at("'+14 days'");
    vec![
        ("names", format!("CREATE TEMP TABLE seed_first(i INTEGER PRIMARY KEY, name TEXT); INSERT INTO seed_first VALUES {first};
                 CREATE TEMP TABLE seed_last(i INTEGER PRIMARY KEY, name TEXT); INSERT INTO seed_last VALUES {last};
                 CREATE TEMP TABLE seed_small(r INTEGER PRIMARY KEY);
                 WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s WHERE g < 39) INSERT INTO seed_small SELECT g FROM s;")),
        ("units", format!("WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 40)
         INSERT INTO unit (id, code, name, kind, teams_tenant, created_at)
         SELECT randomblob(16), 'U' || printf('%03d', g), 'Unit ' || printf('%03d', g),
                CASE g % 3 WHEN 0 THEN 'COLLEGE' WHEN 1 THEN 'DEPARTMENT' ELSE 'UAS_DIVISION' END,
                CASE WHEN g <= 3 THEN 'SEPARATE' ELSE 'MAIN' END, {ts} FROM s;
         CREATE TEMP TABLE seed_unit AS SELECT (row_number() OVER (ORDER BY code)) - 1 AS i, id FROM unit;")),
        ("people", format!("WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s WHERE g < {people} - 1)
         INSERT INTO person (id, username, display_name, search_name, email, unit_id, job_title, directory_status,
                    platform, preferred_device_id, created_at, updated_at, version)
         SELECT randomblob(16), 'p' || g, f.name || ' ' || l.name || ' ' || g, lower(f.name || ' ' || l.name || ' ' || g),
                'p' || g || '@example.ox.ac.uk', u.id, NULL,
                CASE WHEN g % 25 = 0 THEN 'EX_DIRECTORY' ELSE 'LISTED' END, 'CHORUS', NULL, {ts}, {ts}, 0
         FROM s JOIN seed_first f ON f.i = g % {nf} JOIN seed_last l ON l.i = (g / {nf}) % {nl} JOIN seed_unit u ON u.i = g % 40;")),
        ("lines and desk phones", format!("INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT randomblob(16), '+441865' || printf('%06d', CAST(substr(username, 2) AS INTEGER)),
                printf('%05d', CAST(substr(username, 2) AS INTEGER)), 'PERSONAL', id, unit_id, NULL, 'NATIONAL', {ts}, 0
         FROM person;
         INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT randomblob(16), 'DESK_PHONE', 'Office phone', 'OpenScape Desk Phone CP400', owner_id, id, 'ACTIVE', NULL, {ts}, 0
         FROM line;
         CREATE TEMP TABLE seed_person AS
         SELECT i, id, extension, line_id, unit_id, desk_id, h, h2,
                CASE WHEN h < {SOFTPHONE_BELOW} THEN randomblob(16) END AS soft_id,
                CASE WHEN h >= {APP_FROM} AND h < {APP_BELOW} THEN randomblob(16) END AS app_id,
                {critical} AS critical
         FROM (SELECT i, id, extension, line_id, unit_id, desk_id, {h} AS h, {h2} AS h2
               FROM (SELECT CAST(substr(p.username, 2) AS INTEGER) AS i, p.id, l.extension, l.id AS line_id, p.unit_id,
                            d.id AS desk_id
                     FROM person p JOIN line l ON l.owner_id = p.id JOIN device d ON d.line_id = l.id));
         CREATE UNIQUE INDEX temp.seed_person_i ON seed_person (i);
         CREATE UNIQUE INDEX temp.seed_person_id ON seed_person (id);")),
        ("softphones, apps, critical lines", format!("INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT soft_id, 'SOFTPHONE',
                CASE WHEN i % 10 < 6 THEN 'Softphone (Windows)' WHEN i % 10 < 9 THEN 'Softphone (Mac)' ELSE 'Softphone (Linux)' END,
                'OpenScape Desktop Client', id, line_id, 'ACTIVE', {soft_used}, {ts}, 0
         FROM seed_person WHERE soft_id IS NOT NULL;
         INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT app_id, 'MOBILE_APP', CASE WHEN i % 2 = 0 THEN 'OpenScape Mobile (iPhone)' ELSE 'OpenScape Mobile (Android)' END,
                'OpenScape Mobile', id, line_id, 'ACTIVE', {app_used}, {ts}, 0
         FROM seed_person WHERE app_id IS NOT NULL;
         CREATE TEMP TABLE seed_preferred(id BLOB PRIMARY KEY, device_id BLOB);
         INSERT INTO seed_preferred SELECT id, COALESCE(soft_id, app_id) FROM seed_person WHERE h < {APP_BELOW} AND h % 3 = 0;
         UPDATE person SET preferred_device_id = (SELECT device_id FROM seed_preferred sp WHERE sp.id = person.id)
         WHERE id IN (SELECT id FROM seed_preferred);
         CREATE TEMP TABLE seed_critical AS
         SELECT i, id, unit_id, randomblob(16) AS line_id, randomblob(16) AS device_id,
                10000 + row_number() OVER (ORDER BY i) AS n
         FROM seed_person WHERE critical;
         INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT line_id, '+4418659' || printf('%05d', n), '9' || printf('%05d', n), 'CRITICAL', NULL, unit_id,
                CASE n % 4 WHEN 0 THEN 'Porters'' lodge' WHEN 1 THEN 'Security control room'
                           WHEN 2 THEN 'Lift emergency phone' ELSE 'Laboratory safety line' END,
                'NATIONAL', {ts}, 0
         FROM seed_critical;
         INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT device_id, 'DESK_PHONE', 'Critical line phone', 'OpenScape Desk Phone CP600', id, line_id, 'ACTIVE', NULL, {ts}, 0
         FROM seed_critical;")),
        ("hunt groups", format!("CREATE TEMP TABLE seed_hunt AS {hunts}
         SELECT g AS k, g % 40 AS u, g / 40 AS m, 3 + ((g / 40) * 5 + g % 40) % 6 AS size, (g / 40) % 5 IN (1, 2) AS chained,
                randomblob(16) AS id, randomblob(16) AS line_id, su.id AS unit_id
         FROM s JOIN seed_unit su ON su.i = g % 40;
         INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT line_id, '+4418659' || printf('%05d', k), '9' || printf('%05d', k), 'SHARED', NULL, unit_id,
                'Hunt group ' || k || ' pilot', 'NATIONAL', {ts}, 0
         FROM seed_hunt;
         INSERT INTO hunt_group (id, name, pilot_line_id, unit_id, strategy, platform, no_answer_kind, no_answer_target, created_at, version)
         SELECT id, 'Hunt group ' || k, line_id, unit_id, CASE WHEN k % 2 = 0 THEN 'SEQUENTIAL' ELSE 'SIMULTANEOUS' END,
                'CHORUS', 'VOICEMAIL', NULL, {ts}, 1
         FROM seed_hunt;
         INSERT INTO hunt_group_member (id, group_id, person_id, position, ring_seconds, opted_out)
         SELECT randomblob(16), h.id, sp.id, r.r + 1, 15 + 5 * (r.r % 2), 0
         FROM seed_hunt h JOIN seed_small r ON r.r < h.size
         JOIN seed_person sp ON sp.i = h.u + 40 * (h.m * 10 + CASE WHEN h.chained AND r.r = h.size - 1 THEN 10 ELSE r.r END);")),
        ("EA and pickup groups", format!("CREATE TEMP TABLE seed_ea AS {eas}
         SELECT g AS e, g % 40 AS u, g / 40 AS m, randomblob(16) AS id, su.id AS unit_id
         FROM s JOIN seed_unit su ON su.i = g % 40;
         INSERT INTO ea_group (id, name, unit_id, platform, created_at, version)
         SELECT id, 'Executive group ' || e, unit_id, 'CHORUS', {ts}, 1 FROM seed_ea;
         CREATE TEMP TABLE seed_ea_member AS
         SELECT randomblob(16) AS id, x.group_id, x.e, sp.id AS person_id, sp.i,
                CASE WHEN x.r < 2 THEN 'MANAGER' ELSE 'ASSISTANT' END AS role
         FROM (SELECT ea.id AS group_id, ea.e, ea.u, r.r,
                      CASE WHEN r.r = 0 AND (ea.u + 3 * ea.m) % 10 = 0 THEN (ea.m % {hunt_per_unit}) * 10 + 1
                           WHEN r.r = 2 AND ea.m > 0 AND (ea.u + ea.m) % 4 = 3 THEN {ea_start} + (ea.m - 1) * 5 + 2
                           ELSE {ea_start} + ea.m * 5 + r.r END AS j
               FROM seed_ea ea JOIN seed_small r
                 ON r.r < 4 AND (r.r = 0 OR r.r = 2 OR (r.r = 1 AND (ea.u + ea.m) % 3 = 0)
                                 OR (r.r = 3 AND (ea.u + 2 * ea.m) % 4 = 1))) x
         JOIN seed_person sp ON sp.i = x.u + 40 * x.j;
         INSERT INTO ea_group_member (id, group_id, person_id, role, divert_enabled)
         SELECT id, group_id, person_id, role, 1 FROM seed_ea_member;
         INSERT INTO ea_whitelist_entry (id, member_id, number, label)
         SELECT randomblob(16), m.id, '+4420794' || printf('%05d', (m.i * 37 + w.r * 1013) % 100000),
                CASE w.r WHEN 0 THEN 'Mobile' WHEN 1 THEN 'Home' ELSE 'Registrar' END
         FROM seed_ea_member m JOIN seed_small w ON w.r < (m.i / 40 + m.e) % 4
         WHERE m.role = 'MANAGER';
         CREATE TEMP TABLE seed_pickup AS {pickups}
         SELECT g AS q, g % 40 AS u, g / 40 AS m, 3 + ((g / 40) * 3 + g % 40) % 8 AS size, randomblob(16) AS id, su.id AS unit_id
         FROM s JOIN seed_unit su ON su.i = g % 40;
         INSERT INTO pickup_group (id, name, unit_id, created_at, version)
         SELECT id, 'Pickup group ' || q, unit_id, {ts}, 1 FROM seed_pickup;
         INSERT INTO pickup_group_member (id, group_id, person_id)
         SELECT randomblob(16), p.id, sp.id
         FROM seed_pickup p JOIN seed_small r ON r.r < p.size
         JOIN seed_person sp ON sp.i = p.u + 40 * (p.m * 12 + 5 + r.r);")),
        ("contact centre", format!("CREATE TEMP TABLE seed_cc AS
         SELECT randomblob(16) AS id, randomblob(16) AS line_id, randomblob(16) AS q1, randomblob(16) AS q2, id AS unit_id
         FROM seed_unit WHERE i = {CC_UNIT};
         INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT line_id, '+441865990000', '990000', 'SHARED', NULL, unit_id, 'IT Service Desk', 'NATIONAL', {ts}, 0 FROM seed_cc;
         INSERT INTO contact_centre (id, name, unit_id, pilot_line_id, time_zone, out_of_hours_kind, out_of_hours_target, created_at, version)
         SELECT id, 'IT Service Desk', unit_id, line_id, 'Europe/London', 'VOICEMAIL', NULL, {ts}, 1 FROM seed_cc;
         INSERT INTO cc_queue (id, centre_id, name, max_waiting, max_wait_seconds, overflow_kind, overflow_target, position)
         SELECT q1, id, 'Staff and general enquiries', 10, 300, 'VOICEMAIL', NULL, 1 FROM seed_cc
         UNION ALL SELECT q2, id, 'Students and accounts', 20, 600, 'VOICEMAIL', NULL, 2 FROM seed_cc;
         INSERT INTO cc_agent (id, queue_id, person_id)
         SELECT randomblob(16), CASE WHEN r.r < 20 THEN c.q1 ELSE c.q2 END, sp.id
         FROM seed_cc c CROSS JOIN seed_small r
         JOIN seed_person sp ON sp.i = {CC_UNIT} + 40 * ({per_unit} - 1 - CASE WHEN r.r < 20 THEN r.r ELSE r.r - 5 END);
         INSERT INTO cc_opening_hours (id, centre_id, weekday, opens_at, closes_at)
         SELECT randomblob(16), c.id, d.r, '08:00:00', '18:00:00' FROM seed_cc c JOIN seed_small d ON d.r BETWEEN 1 AND 5;
         INSERT INTO cc_closure (id, centre_id, on_date, reason)
         SELECT randomblob(16), id, strftime('%Y', 'now') || '-12-25', 'Christmas Day' FROM seed_cc
         UNION ALL SELECT randomblob(16), id, strftime('%Y', 'now') || '-12-26', 'Boxing Day' FROM seed_cc;")),
        ("licences, nominations, tranches", format!("INSERT INTO licence_pool (id, name, capacity, assigned_count, updated_at, version)
         VALUES (randomblob(16), 'teams', {POOL_CAPACITY}, 0, {ts}, 1);
         INSERT INTO nomination_round (id, name, deadline, created_at)
         VALUES (randomblob(16), '2022 Telephony over Teams', {deadline}, {ts});
         CREATE TEMP TABLE seed_nominee AS SELECT i, id, unit_id, critical FROM seed_person WHERE {nominees};
         INSERT INTO nomination (id, round_id, person_id, unit_id, answer, answered_by, answered_at, late)
         SELECT randomblob(16), r.id, n.id, n.unit_id, 'NOMINATE', 'bench', {answered}, 0
         FROM seed_nominee n CROSS JOIN nomination_round r;
         INSERT INTO licence_assignment (id, pool_id, person_id, assigned_at, assigned_by)
         SELECT randomblob(16), p.id, n.id, {ts}, 'bench'
         FROM (SELECT id FROM seed_nominee ORDER BY i LIMIT {POOL_CAPACITY}) n CROSS JOIN licence_pool p;
         UPDATE licence_pool SET assigned_count = (SELECT COUNT(*) FROM licence_assignment);
         INSERT INTO tranche (id, number, name, cohort, move_date, capacity, state, created_at, version)
         VALUES {tranches};
         INSERT INTO tranche_member (id, tranche_id, person_id, added_at)
         SELECT randomblob(16), t.id, n.id, {ts}
         FROM (SELECT n.id FROM seed_nominee n
               WHERE NOT n.critical
                 AND EXISTS (SELECT 1 FROM licence_assignment la WHERE la.person_id = n.id)
                 AND NOT EXISTS (SELECT 1 FROM hunt_group_member m WHERE m.person_id = n.id)
                 AND NOT EXISTS (SELECT 1 FROM ea_group_member m WHERE m.person_id = n.id)
                 AND NOT EXISTS (SELECT 1 FROM cc_agent a WHERE a.person_id = n.id)
               ORDER BY n.i LIMIT {PILOT_MEMBERS}) n
         JOIN tranche t ON t.number = 1;")),
        ("calls", format!("WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {calls})
         INSERT INTO call_record (id, pbx_call_id, started_at, answered_at, ended_at, direction, from_number, to_number,
                    external, result, device_id, caller_person_id, dialled_person_id, answered_person_id, hunt_group_id,
                    contact_centre_id, created_at)
         SELECT randomblob(16), 'BENCH-' || g, strftime('%Y-%m-%dT%H:%M:%S+00:00', now_s - g * 3, 'unixepoch'),
                CASE WHEN g % 7 < 5 THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', now_s - g * 3 + 5, 'unixepoch') END,
                strftime('%Y-%m-%dT%H:%M:%S+00:00', now_s - g * 3 + 180, 'unixepoch'),
                CASE g % 3 WHEN 0 THEN 'INBOUND' WHEN 1 THEN 'OUTBOUND' ELSE 'INTERNAL' END,
                CASE g % 3 WHEN 0 THEN '+4420794' || printf('%05d', g % 100000) ELSE sp.extension END,
                CASE g % 3 WHEN 1 THEN '+4420794' || printf('%05d', g % 100000) WHEN 0 THEN sp.extension
                           ELSE printf('%05d', (p + 1) % {people}) END,
                g % 3 <> 2,
                CASE WHEN g % 7 < 5 THEN 'ANSWERED' WHEN g % 7 = 5 THEN 'MISSED' ELSE 'VOICEMAIL' END,
                {call_device}, CASE WHEN g % 3 <> 0 THEN sp.id END, CASE WHEN g % 3 = 0 THEN sp.id END, NULL, NULL, NULL, {ts}
         FROM (SELECT g, CASE WHEN g % 20 = 0 THEN (g / 20) % 5 ELSE g % {people} END AS p,
                      CAST(strftime('%s', 'now') AS INTEGER) AS now_s FROM s) x
         JOIN seed_person sp ON sp.i = x.p;")),
        ("call participants", "INSERT INTO call_participant (id, call_record_id, person_id, started_at, role)
         SELECT randomblob(16), id, COALESCE(caller_person_id, dialled_person_id), started_at,
                CASE WHEN caller_person_id IS NOT NULL THEN 'CALLER' ELSE 'DIALLED' END
         FROM call_record;
         ANALYZE;".into()),
    ]
}

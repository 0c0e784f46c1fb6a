//! `chorus seed`: a large synthetic data set for benchmarks (not the demo): `people` people in
//! 40 units with a personal line and a desk phone each, and `calls` call records, generated
//! set-based inside the database (PostgreSQL `generate_series`, SQLite recursive CTEs), then
//! the directory search index. One person in twenty calls lands on a few "heavy" people
//! (receptions), so deep call-history pages exist: person `p0` gets 5% of all calls.

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
    let sql = match backend {
        DatabaseBackend::Postgres => postgres(people, calls, &names(&FIRST), &names(&LAST)),
        DatabaseBackend::Sqlite => sqlite(people, calls, &names(&FIRST), &names(&LAST)),
        other => anyhow::bail!("unsupported database {other:?}"),
    };
    // Temporary tables live on one connection: run every step in one transaction.
    let txn = db.begin().await?;
    for (step, statement) in sql.iter().enumerate() {
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

fn postgres(people: u32, calls: u64, first: &str, last: &str) -> Vec<String> {
    let (nf, nl) = (FIRST.len(), LAST.len());
    vec![
        format!("CREATE TEMP TABLE seed_first(i int, name text); INSERT INTO seed_first VALUES {first};
                 CREATE TEMP TABLE seed_last(i int, name text); INSERT INTO seed_last VALUES {last};"),
        "INSERT INTO unit (id, code, name, kind, teams_tenant, created_at)
         SELECT gen_random_uuid(), 'U' || lpad(g::text, 3, '0'), 'Unit ' || lpad(g::text, 3, '0'),
                CASE g % 3 WHEN 0 THEN 'COLLEGE' WHEN 1 THEN 'DEPARTMENT' ELSE 'UAS_DIVISION' END,
                CASE WHEN g <= 3 THEN 'SEPARATE' ELSE 'MAIN' END, now()
         FROM generate_series(1, 40) g;
         CREATE TEMP TABLE seed_unit AS SELECT (row_number() OVER (ORDER BY code)) - 1 AS i, id FROM unit;".into(),
        format!("INSERT INTO person (id, username, display_name, search_name, email, unit_id, job_title, directory_status,
                    platform, preferred_device_id, created_at, updated_at, version)
         SELECT gen_random_uuid(), 'p' || g, f.name || ' ' || l.name || ' ' || g, lower(f.name || ' ' || l.name || ' ' || g),
                'p' || g || '@example.ox.ac.uk', u.id, NULL,
                CASE WHEN g % 25 = 0 THEN 'EX_DIRECTORY' ELSE 'LISTED' END, 'CHORUS', NULL, now(), now(), 0
         FROM generate_series(0, {people} - 1) g
         JOIN seed_first f ON f.i = g % {nf}
         JOIN seed_last l ON l.i = (g / {nf}) % {nl}
         JOIN seed_unit u ON u.i = g % 40;"),
        "INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT gen_random_uuid(), '+441865' || lpad(substr(username, 2), 6, '0'), lpad(substr(username, 2), 5, '0'),
                'PERSONAL', id, unit_id, NULL, 'NATIONAL', now(), 0
         FROM person;
         INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT gen_random_uuid(), 'DESK_PHONE', 'Office phone', 'OpenScape Desk Phone CP400', l.owner_id, l.id, 'ACTIVE', NULL, now(), 0
         FROM line l;
         CREATE TEMP TABLE seed_person AS SELECT substr(p.username, 2)::int AS i, p.id, l.extension FROM person p JOIN line l ON l.owner_id = p.id;
         CREATE UNIQUE INDEX ON seed_person (i);
         ANALYZE seed_person;".into(),
        format!("INSERT INTO call_record (id, pbx_call_id, started_at, answered_at, ended_at, direction, from_number, to_number,
                    external, result, device_id, caller_person_id, dialled_person_id, answered_person_id, hunt_group_id,
                    contact_centre_id, created_at)
         SELECT gen_random_uuid(), 'BENCH-' || g, t, CASE WHEN g % 7 < 5 THEN t + interval '5 seconds' END, t + interval '3 minutes',
                CASE g % 3 WHEN 0 THEN 'INBOUND' WHEN 1 THEN 'OUTBOUND' ELSE 'INTERNAL' END,
                CASE g % 3 WHEN 0 THEN '+4420794' || lpad((g % 100000)::text, 5, '0') ELSE sp.extension END,
                CASE g % 3 WHEN 1 THEN '+4420794' || lpad((g % 100000)::text, 5, '0') WHEN 0 THEN sp.extension ELSE lpad(((p + 1) % {people})::text, 5, '0') END,
                g % 3 <> 2,
                CASE WHEN g % 7 < 5 THEN 'ANSWERED' WHEN g % 7 = 5 THEN 'MISSED' ELSE 'VOICEMAIL' END,
                NULL, CASE WHEN g % 3 <> 0 THEN sp.id END, CASE WHEN g % 3 = 0 THEN sp.id END, NULL, NULL, NULL, now()
         FROM (SELECT g, now() - (g * interval '3 seconds') AS t,
                      CASE WHEN g % 20 = 0 THEN (g / 20) % 5 ELSE g % {people} END AS p
               FROM generate_series(1, {calls}) g) s
         JOIN seed_person sp ON sp.i = s.p;"),
        "INSERT INTO call_participant (id, call_record_id, person_id, started_at, role)
         SELECT gen_random_uuid(), id, COALESCE(caller_person_id, dialled_person_id), started_at,
                CASE WHEN caller_person_id IS NOT NULL THEN 'CALLER' ELSE 'DIALLED' END
         FROM call_record;
         ANALYZE;".into(),
    ]
}

fn sqlite(people: u32, calls: u64, first: &str, last: &str) -> Vec<String> {
    let (nf, nl) = (FIRST.len(), LAST.len());
    let ts = "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')";
    vec![
        format!("CREATE TEMP TABLE seed_first(i INTEGER PRIMARY KEY, name TEXT); INSERT INTO seed_first VALUES {first};
                 CREATE TEMP TABLE seed_last(i INTEGER PRIMARY KEY, name TEXT); INSERT INTO seed_last VALUES {last};"),
        format!("WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 40)
         INSERT INTO unit (id, code, name, kind, teams_tenant, created_at)
         SELECT randomblob(16), 'U' || printf('%03d', g), 'Unit ' || printf('%03d', g),
                CASE g % 3 WHEN 0 THEN 'COLLEGE' WHEN 1 THEN 'DEPARTMENT' ELSE 'UAS_DIVISION' END,
                CASE WHEN g <= 3 THEN 'SEPARATE' ELSE 'MAIN' END, {ts} FROM s;
         CREATE TEMP TABLE seed_unit AS SELECT (row_number() OVER (ORDER BY code)) - 1 AS i, id FROM unit;"),
        format!("WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s WHERE g < {people} - 1)
         INSERT INTO person (id, username, display_name, search_name, email, unit_id, job_title, directory_status,
                    platform, preferred_device_id, created_at, updated_at, version)
         SELECT randomblob(16), 'p' || g, f.name || ' ' || l.name || ' ' || g, lower(f.name || ' ' || l.name || ' ' || g),
                'p' || g || '@example.ox.ac.uk', u.id, NULL,
                CASE WHEN g % 25 = 0 THEN 'EX_DIRECTORY' ELSE 'LISTED' END, 'CHORUS', NULL, {ts}, {ts}, 0
         FROM s JOIN seed_first f ON f.i = g % {nf} JOIN seed_last l ON l.i = (g / {nf}) % {nl} JOIN seed_unit u ON u.i = g % 40;"),
        format!("INSERT INTO line (id, e164, extension, kind, owner_id, unit_id, label, dialling_permission, created_at, version)
         SELECT randomblob(16), '+441865' || printf('%06d', CAST(substr(username, 2) AS INTEGER)),
                printf('%05d', CAST(substr(username, 2) AS INTEGER)), 'PERSONAL', id, unit_id, NULL, 'NATIONAL', {ts}, 0
         FROM person;
         INSERT INTO device (id, kind, label, model, owner_id, line_id, status, last_used_at, created_at, version)
         SELECT randomblob(16), 'DESK_PHONE', 'Office phone', 'OpenScape Desk Phone CP400', owner_id, id, 'ACTIVE', NULL, {ts}, 0
         FROM line;
         CREATE TEMP TABLE seed_person AS SELECT CAST(substr(p.username, 2) AS INTEGER) AS i, p.id, l.extension
         FROM person p JOIN line l ON l.owner_id = p.id;
         CREATE UNIQUE INDEX temp.seed_person_i ON seed_person (i);"),
        format!("WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {calls})
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
                NULL, CASE WHEN g % 3 <> 0 THEN sp.id END, CASE WHEN g % 3 = 0 THEN sp.id END, NULL, NULL, NULL, {ts}
         FROM (SELECT g, CASE WHEN g % 20 = 0 THEN (g / 20) % 5 ELSE g % {people} END AS p,
                      CAST(strftime('%s', 'now') AS INTEGER) AS now_s FROM s) x
         JOIN seed_person sp ON sp.i = x.p;"),
        "INSERT INTO call_participant (id, call_record_id, person_id, started_at, role)
         SELECT randomblob(16), id, COALESCE(caller_person_id, dialled_person_id), started_at,
                CASE WHEN caller_person_id IS NOT NULL THEN 'CALLER' ELSE 'DIALLED' END
         FROM call_record;
         ANALYZE;".into(),
    ]
}

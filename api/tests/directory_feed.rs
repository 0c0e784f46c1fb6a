//! `chorus export directory` and `chorus import directory`: a feed written from one database
//! and merged into another, with the dry run, the re-run that changes nothing, a change shown
//! field by field, and a bad row that refuses the whole feed.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// A data directory, and on PostgreSQL (when `TEST_DATABASE_URL` names a server) a database
/// of its own, dropped with it; on SQLite the database is the file in the directory.
struct Place {
    dir: PathBuf,
    url: Option<(String, String)>,
}

impl Place {
    fn new(dir: PathBuf) -> Self {
        let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
            return Self { dir, url: None };
        };
        let name = format!("chorus_feed_{}", uuid::Uuid::new_v4().simple());
        block_on(async {
            let db = sea_orm::Database::connect(&admin).await.expect("connect");
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
        });
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Self {
            dir,
            url: Some((admin.clone(), format!("{base}/{name}"))),
        }
    }

    fn database_url(&self) -> String {
        match &self.url {
            Some((_, url)) => url.clone(),
            None => format!("sqlite://{}?mode=ro", self.dir.join("chorus.db").display()),
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some((admin, url)) = &self.url {
            let name = url.rsplit('/').next().unwrap_or_default().to_owned();
            let admin = admin.clone();
            block_on(async move {
                if let Ok(db) = sea_orm::Database::connect(&admin).await {
                    let _ = db
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        }
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

fn chorus(place: &Place, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chorus"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(&place.dir)
        .env("CHORUS_LOG", "warn")
        .env_remove("CHORUS_DATABASE_URL");
    if let Some((_, url)) = &place.url {
        command.arg("--database-url").arg(url);
    }
    command.output().expect("run chorus")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Audit events the import recorded in the place's database.
fn import_events(place: &Place) -> u64 {
    let url = place.database_url();
    block_on(async {
        let db = sea_orm::Database::connect(&url).await.expect("connect");
        entity::audit_event::Entity::find()
            .filter(entity::audit_event::Column::Actor.eq("system:import"))
            .count(&db)
            .await
            .expect("count")
    })
}

const UNITS: &str = "code,name,kind,teams_tenant,parent_code
BALL,Balliol,COLLEGE,MAIN,
BALL-IT,Balliol IT,DEPARTMENT,SEPARATE,BALL
";

const PEOPLE: &str = "username,external_id,display_name,email,unit_code,job_title,directory_status
alice,E1,Alice Able,alice@example.ac.uk,BALL,Porter,LISTED
bob,,Bob Baker,bob@example.ac.uk,BALL-IT,,EX_DIRECTORY
";

fn write_feed(dir: &Path, units: &str, people: &str) {
    std::fs::create_dir_all(dir).expect("feed dir");
    std::fs::write(dir.join("units.csv"), units).expect("units.csv");
    std::fs::write(dir.join("people.csv"), people).expect("people.csv");
}

#[test]
fn a_feed_exported_from_one_database_is_merged_into_another() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let (source, target) = (
        Place::new(tmp.path().join("source")),
        Place::new(tmp.path().join("target")),
    );
    let (feed, exported) = (tmp.path().join("feed"), tmp.path().join("exported"));

    // The source: a first admin from the CLI, then a hand-written feed.
    ok(chorus(
        &source,
        &["admin", "add", "root", "--email", "root@example.ac.uk"],
    ));
    write_feed(&feed, UNITS, PEOPLE);
    let applied = ok(chorus(&source, &["import", "directory", path(&feed)]));
    assert!(
        applied.contains("units: 2 added, 0 changed, 0 unchanged"),
        "{applied}"
    );
    assert!(applied.contains("people: 2 added, 0 changed, 0 unchanged"));
    assert_eq!(import_events(&source), 4);

    // Export, and import into the same database: nothing to do.
    let out = ok(chorus(&source, &["export", "directory", path(&exported)]));
    assert_eq!(out.trim(), "3 units and 3 people exported");
    let again = ok(chorus(&source, &["import", "directory", path(&exported)]));
    assert!(
        again.contains("units: 0 added, 0 changed, 3 unchanged"),
        "{again}"
    );
    assert_eq!(import_events(&source), 4);

    // Into an empty database: the dry run writes nothing.
    let dry = ok(chorus(
        &target,
        &["import", "directory", path(&exported), "--dry-run"],
    ));
    assert!(dry.contains("units: 3 added"), "{dry}");
    assert!(dry.contains("person alice: added \"Alice Able\""), "{dry}");
    assert_eq!(import_events(&target), 0);
    let empty = tmp.path().join("empty");
    let out = ok(chorus(&target, &["export", "directory", path(&empty)]));
    assert_eq!(out.trim(), "0 units and 0 people exported");

    // Applied: the same units and people; a re-run changes nothing and records nothing.
    let applied = ok(chorus(&target, &["import", "directory", path(&exported)]));
    assert!(applied.contains("people: 3 added, 0 changed, 0 unchanged"));
    assert_eq!(import_events(&target), 6);
    let rerun = ok(chorus(&target, &["import", "directory", path(&exported)]));
    assert!(
        rerun.contains("people: 0 added, 0 changed, 3 unchanged"),
        "{rerun}"
    );
    assert_eq!(import_events(&target), 6);
    let round = tmp.path().join("round");
    ok(chorus(&target, &["export", "directory", path(&round)]));
    for file in ["units.csv", "people.csv"] {
        assert_eq!(
            std::fs::read_to_string(round.join(file)).expect("read"),
            std::fs::read_to_string(exported.join(file)).expect("read"),
            "{file}"
        );
    }

    // A change is shown field by field and applied with one event.
    let renamed = UNITS.replace("BALL,Balliol,", "BALL,Balliol College,");
    write_feed(&feed, &renamed, PEOPLE);
    let dry = ok(chorus(
        &target,
        &["import", "directory", path(&feed), "--dry-run"],
    ));
    assert!(
        dry.contains("unit BALL: name \"Balliol\" -> \"Balliol College\""),
        "{dry}"
    );
    assert!(
        dry.contains("units: 0 added, 1 changed, 1 unchanged"),
        "{dry}"
    );
    assert_eq!(import_events(&target), 6);

    // A bad e-mail address on line 3 refuses the whole feed, the unit's rename too.
    let bad = PEOPLE.replace("bob@example.ac.uk", "bob-at-example");
    write_feed(&feed, &renamed, &bad);
    let refused = chorus(&target, &["import", "directory", path(&feed)]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("people.csv:3: email:"), "{stderr}");
    assert_eq!(import_events(&target), 6);

    // Without the bad row, the rename goes through once.
    write_feed(&feed, &renamed, PEOPLE);
    ok(chorus(&target, &["import", "directory", path(&feed)]));
    assert_eq!(import_events(&target), 7);
}

#[test]
fn rows_breaking_the_rules_across_the_feed_are_each_reported() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let (data, feed) = (Place::new(tmp.path().join("data")), tmp.path().join("feed"));
    write_feed(
        &feed,
        "code,name,kind,teams_tenant,parent_code
A,A,COLLEGE,MAIN,B
B,B,COLLEGE,MAIN,A
C,C,SCHOOL,MAIN,
",
        "username,external_id,display_name,email,unit_code,job_title,directory_status
p1,E1,P One,p@example.ac.uk,A,,LISTED
p2,E1,P Two,P@example.ac.uk,NOPE,,LISTED
",
    );
    let refused = chorus(&data, &["import", "directory", path(&feed)]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("units.csv:4: kind:"), "{stderr}");
    // Row checks come first: the cross-row rules run once every row is well formed.
    write_feed(
        &feed,
        "code,name,kind,teams_tenant,parent_code
A,A,COLLEGE,MAIN,B
B,B,COLLEGE,MAIN,A
",
        "username,external_id,display_name,email,unit_code,job_title,directory_status
p1,E1,P One,p@example.ac.uk,A,,LISTED
p2,E1,P Two,P@example.ac.uk,NOPE,,LISTED
",
    );
    let refused = chorus(&data, &["import", "directory", path(&feed)]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    for expected in [
        "units.csv:2: parent_code:",
        "units.csv:3: parent_code:",
        "people.csv:2: email:",
        "people.csv:3: email:",
        "people.csv:3: external_id:",
        "people.csv:3: unit_code:",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    assert_eq!(import_events(&data), 0);
}

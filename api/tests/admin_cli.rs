//! `chorus admin add`: the first administrator of an empty installation, from the command
//! line, then a token for them with `chorus token`.

use std::process::{Command, Output};

fn chorus(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chorus"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("CHORUS_LOG", "warn")
        .env_remove("CHORUS_DATABASE_URL")
        .output()
        .expect("run chorus")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

#[test]
fn admin_add_makes_the_first_administrator_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let first = chorus(
        dir.path(),
        &[
            "admin",
            "add",
            "root",
            "--display-name",
            "Root Admin",
            "--email",
            "root@example.ac.uk",
        ],
    );
    assert!(first.status.success(), "{first:?}");
    assert_eq!(stdout(&first), "root: person created, ADMIN granted");
    let again = chorus(dir.path(), &["admin", "add", "root"]);
    assert!(again.status.success(), "{again:?}");
    assert_eq!(stdout(&again), "root: person exists, already ADMIN");

    let token = chorus(dir.path(), &["token", "--person", "root"]);
    assert!(token.status.success(), "{token:?}");
    assert_eq!(stdout(&token).split('.').count(), 3, "a JWT");

    let refused = chorus(dir.path(), &["admin", "add", "two words"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("username"),
        "{refused:?}"
    );
}

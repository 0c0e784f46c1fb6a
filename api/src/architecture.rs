//! The layering of `ARCHITECTURE.md`, checked by reading the source files: a test fails when an
//! import runs back up the layers or a production file outgrows its seams.
//!
//! The scan is textual: comments are dropped, then every path that starts at `crate::` (in a
//! `use`, including the groups of `use crate::{a, b::{c}}`, or written inline) or at an
//! external crate is collected per file.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

/// Modules above the services: nothing below them may name them.
const EDGES: [&str; 5] = ["graphql", "http", "app", "state", "metrics"];

/// Frameworks the rules must not know.
const FRAMEWORKS: [&str; 3] = ["sea_orm", "async_graphql", "axum"];

/// Longest production part of a file (before its `#[cfg(test)]` module).
const MAX_PRODUCTION_LINES: usize = 1_000;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The `.rs` files under `dir` (or `dir` itself when it is a file), sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_owned()];
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("a readable source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The text without `//` comments (doc comments included: they may name any module).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a readable source file");
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of every path the code names from the crate root (`crate::x::…`,
/// `use crate::{x, y::z}`) or from outside (`sea_orm::…`).
fn roots(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(group_heads(group));
        } else {
            out.insert(ident(rest).to_owned());
        }
    }
    for framework in FRAMEWORKS {
        let mut rest = code;
        while let Some(i) = rest.find(framework) {
            let before = rest[..i].chars().next_back();
            let after = &rest[i + framework.len()..];
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                && after.starts_with("::")
            {
                out.insert(framework.to_owned());
            }
            rest = after;
        }
    }
    out
}

/// The first segments of a use group's items: `a, b::{c, d}, e::f}` gives a, b, e.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut at_item = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item = true,
            c if at_item && !c.is_whitespace() => {
                heads.push(ident(&group[i..]).to_owned());
                at_item = false;
            }
            _ => {}
        }
    }
    heads
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// `file: name` for each name of `forbidden` that a file under `area` refers to.
fn arrows(area: &str, forbidden: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for file in files(&src().join(area)) {
        let named = roots(&code(&file));
        for name in forbidden {
            if named.contains(*name) {
                let rel = file.strip_prefix(src()).unwrap_or(&file);
                out.push(format!("{}: {name}", rel.display()));
            }
        }
    }
    out
}

#[test]
fn the_scan_sees_every_form_of_import() {
    let text = "use crate::{auth::Principal, graphql::errors::{A, B}, http};\n\
                fn f() -> crate::app::X { sea_orm::Set(1); my_axum::y() }";
    let found = roots(text);
    for name in ["auth", "graphql", "http", "app", "sea_orm"] {
        assert!(found.contains(name), "{name} in {found:?}");
    }
    assert!(!found.contains("axum"), "{found:?}");
}

#[test]
fn the_rules_know_no_framework_and_no_layer_above_them() {
    let mut found = arrows("domain", &FRAMEWORKS);
    found.extend(arrows(
        "domain",
        &[
            "services", "graphql", "http", "app", "state", "metrics", "db",
        ],
    ));
    assert!(found.is_empty(), "domain imports upwards: {found:#?}");
}

#[test]
fn services_auth_and_the_error_vocabulary_know_no_transport() {
    let mut found = Vec::new();
    for area in [
        "services",
        "auth",
        "domain",
        "error.rs",
        "events.rs",
        "db.rs",
    ] {
        found.extend(arrows(area, &EDGES));
    }
    found.extend(arrows("error.rs", &["async_graphql", "axum"]));
    assert!(found.is_empty(), "imports that run back up: {found:#?}");
}

#[test]
fn graphql_knows_no_route_and_no_app_state() {
    let found = arrows("graphql", &["http", "app", "state", "metrics"]);
    assert!(found.is_empty(), "graphql imports upwards: {found:#?}");
}

#[test]
fn no_production_file_is_over_a_thousand_lines() {
    let mut long = Vec::new();
    for file in files(&src()) {
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        let production = text
            .lines()
            .take_while(|l| !l.starts_with("#[cfg(test)]"))
            .count();
        if production > MAX_PRODUCTION_LINES {
            let rel = file.strip_prefix(src()).unwrap_or(&file);
            long.push(format!("{}: {production}", rel.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these along their seams (ARCHITECTURE.md): {long:#?}"
    );
}

//! The directory feed (`units.csv`, `people.csv`): checking each row with the same rules as
//! the GraphQL mutations, and comparing the feed with what the database holds to make a plan
//! of rows to add and fields to change. MERGE only: rows the feed does not name are left alone.

use std::collections::{HashMap, HashSet};

use entity::enums::{DirectoryStatus, TeamsTenant, UnitKind};

use super::{email::EmailAddress, provisioning as rules};

/// Longest job title, as `createPerson` allows.
pub const MAX_JOB_TITLE: usize = 200;

/// A unit as the feed and the database both describe it (parent by code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub teams_tenant: TeamsTenant,
    pub parent_code: Option<String>,
}

/// A person as the feed and the database both describe them (unit by code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRow {
    pub username: String,
    pub external_id: Option<String>,
    pub display_name: String,
    pub email: String,
    pub unit_code: String,
    pub job_title: Option<String>,
    pub directory_status: DirectoryStatus,
}

/// One refused row: where it is and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub file: &'static str,
    pub line: u64,
    pub column: &'static str,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.column, self.reason
        )
    }
}

/// The file names of the feed.
pub const UNITS_FILE: &str = "units.csv";
pub const PEOPLE_FILE: &str = "people.csv";

/// A row of `units.csv` as read, before any check.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RawUnit {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub teams_tenant: String,
    #[serde(default)]
    pub parent_code: String,
}

/// A row of `people.csv` as read, before any check.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RawPerson {
    pub username: String,
    #[serde(default)]
    pub external_id: String,
    pub display_name: String,
    pub email: String,
    pub unit_code: String,
    #[serde(default)]
    pub job_title: String,
    pub directory_status: String,
}

fn err(file: &'static str, line: u64, column: &'static str, reason: impl ToString) -> RowError {
    RowError {
        file,
        line,
        column,
        reason: reason.to_string(),
    }
}

fn optional(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

fn unit_kind(text: &str) -> Option<UnitKind> {
    match text.trim() {
        "COLLEGE" => Some(UnitKind::College),
        "DEPARTMENT" => Some(UnitKind::Department),
        "UAS_DIVISION" => Some(UnitKind::UasDivision),
        "OTHER" => Some(UnitKind::Other),
        _ => None,
    }
}

/// The spelling of a unit kind in the feed.
pub fn unit_kind_name(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::College => "COLLEGE",
        UnitKind::Department => "DEPARTMENT",
        UnitKind::UasDivision => "UAS_DIVISION",
        UnitKind::Other => "OTHER",
    }
}

/// The spelling of a Teams instance in the feed.
pub fn tenant_name(tenant: TeamsTenant) -> &'static str {
    match tenant {
        TeamsTenant::Main => "MAIN",
        TeamsTenant::Separate => "SEPARATE",
    }
}

/// The spelling of a directory status in the feed.
pub fn status_name(status: DirectoryStatus) -> &'static str {
    match status {
        DirectoryStatus::Listed => "LISTED",
        DirectoryStatus::ExDirectory => "EX_DIRECTORY",
    }
}

/// Checks one row of `units.csv` (line `line`); every fault of the row is reported.
pub fn check_unit(line: u64, raw: &RawUnit) -> Result<UnitRow, Vec<RowError>> {
    let f = UNITS_FILE;
    let mut errors = Vec::new();
    let code = rules::unit_code(&raw.code).map_err(|r| errors.push(err(f, line, "code", r)));
    let name = rules::name(&raw.name).map_err(|r| errors.push(err(f, line, "name", r)));
    let kind = unit_kind(&raw.kind).ok_or_else(|| {
        errors.push(err(
            f,
            line,
            "kind",
            "a kind is COLLEGE, DEPARTMENT, UAS_DIVISION or OTHER",
        ))
    });
    let tenant = match raw.teams_tenant.trim() {
        "MAIN" => Some(TeamsTenant::Main),
        "SEPARATE" => Some(TeamsTenant::Separate),
        _ => None,
    }
    .ok_or_else(|| {
        errors.push(err(
            f,
            line,
            "teams_tenant",
            "a Teams instance is MAIN or SEPARATE",
        ))
    });
    let parent = match optional(&raw.parent_code) {
        None => Ok(None),
        Some(p) => rules::unit_code(p)
            .map(Some)
            .map_err(|r| errors.push(err(f, line, "parent_code", r))),
    };
    match (code, name, kind, tenant, parent) {
        (Ok(code), Ok(name), Ok(kind), Ok(teams_tenant), Ok(parent_code)) => Ok(UnitRow {
            code,
            name,
            kind,
            teams_tenant,
            parent_code,
        }),
        _ => Err(errors),
    }
}

/// Checks one row of `people.csv` (line `line`); every fault of the row is reported.
pub fn check_person(line: u64, raw: &RawPerson) -> Result<PersonRow, Vec<RowError>> {
    let f = PEOPLE_FILE;
    let mut errors = Vec::new();
    let username =
        rules::username(&raw.username).map_err(|r| errors.push(err(f, line, "username", r)));
    let external_id = match optional(&raw.external_id) {
        None => Ok(None),
        Some(k) => rules::external_id(k)
            .map(Some)
            .map_err(|r| errors.push(err(f, line, "external_id", r))),
    };
    let display_name =
        rules::name(&raw.display_name).map_err(|r| errors.push(err(f, line, "display_name", r)));
    let email = EmailAddress::parse(&raw.email)
        .map(|e| e.as_str().to_owned())
        .map_err(|e| errors.push(err(f, line, "email", e)));
    let unit_code =
        rules::unit_code(&raw.unit_code).map_err(|r| errors.push(err(f, line, "unit_code", r)));
    let job_title = optional(&raw.job_title).map(str::to_owned);
    let job_ok = job_title
        .as_ref()
        .is_none_or(|t| t.chars().count() <= MAX_JOB_TITLE);
    if !job_ok {
        errors.push(err(
            f,
            line,
            "job_title",
            format!("a job title has at most {MAX_JOB_TITLE} characters"),
        ));
    }
    let status = match raw.directory_status.trim() {
        "LISTED" => Some(DirectoryStatus::Listed),
        "EX_DIRECTORY" => Some(DirectoryStatus::ExDirectory),
        _ => None,
    }
    .ok_or_else(|| {
        errors.push(err(
            f,
            line,
            "directory_status",
            "a directory status is LISTED or EX_DIRECTORY",
        ))
    });
    match (
        username,
        external_id,
        display_name,
        email,
        unit_code,
        status,
    ) {
        (Ok(username), Ok(external_id), Ok(display_name), Ok(email), Ok(unit_code), Ok(s))
            if job_ok =>
        {
            Ok(PersonRow {
                username,
                external_id,
                display_name,
                email,
                unit_code,
                job_title,
                directory_status: s,
            })
        }
        _ => Err(errors),
    }
}

/// One changed field: its column, the old and the new value as the feed writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub column: &'static str,
    pub old: String,
    pub new: String,
}

/// What the plan does with one row of the feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step<T> {
    Add(T),
    Change { row: T, fields: Vec<FieldChange> },
    Unchanged,
}

/// The plan: rows to add and rows to change, in feed order, and the counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub units_added: Vec<UnitRow>,
    pub units_changed: Vec<(UnitRow, Vec<FieldChange>)>,
    pub units_unchanged: usize,
    pub people_added: Vec<PersonRow>,
    pub people_changed: Vec<(PersonRow, Vec<FieldChange>)>,
    pub people_unchanged: usize,
}

impl Plan {
    /// Whether applying the plan writes nothing.
    pub fn is_empty(&self) -> bool {
        self.units_added.is_empty()
            && self.units_changed.is_empty()
            && self.people_added.is_empty()
            && self.people_changed.is_empty()
    }

    /// The plan as printed: the counts, then one line per added or changed row.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "units: {} added, {} changed, {} unchanged",
                self.units_added.len(),
                self.units_changed.len(),
                self.units_unchanged
            ),
            format!(
                "people: {} added, {} changed, {} unchanged",
                self.people_added.len(),
                self.people_changed.len(),
                self.people_unchanged
            ),
        ];
        out.extend(
            self.units_added
                .iter()
                .map(|u| format!("unit {}: added {:?}", u.code, u.name)),
        );
        for (u, fields) in &self.units_changed {
            out.extend(fields.iter().map(|c| change_line("unit", &u.code, c)));
        }
        out.extend(
            self.people_added
                .iter()
                .map(|p| format!("person {}: added {:?}", p.username, p.display_name)),
        );
        for (p, fields) in &self.people_changed {
            out.extend(fields.iter().map(|c| change_line("person", &p.username, c)));
        }
        out
    }
}

fn change_line(what: &str, key: &str, c: &FieldChange) -> String {
    format!("{what} {key}: {} {:?} -> {:?}", c.column, c.old, c.new)
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn diff(out: &mut Vec<FieldChange>, column: &'static str, old: String, new: String) {
    if old != new {
        out.push(FieldChange { column, old, new });
    }
}

/// The fields of a unit that differ between the database and the feed.
pub fn unit_changes(old: &UnitRow, new: &UnitRow) -> Vec<FieldChange> {
    let mut out = Vec::new();
    diff(&mut out, "name", old.name.clone(), new.name.clone());
    diff(
        &mut out,
        "kind",
        unit_kind_name(old.kind).into(),
        unit_kind_name(new.kind).into(),
    );
    diff(
        &mut out,
        "teams_tenant",
        tenant_name(old.teams_tenant).into(),
        tenant_name(new.teams_tenant).into(),
    );
    diff(
        &mut out,
        "parent_code",
        opt(&old.parent_code),
        opt(&new.parent_code),
    );
    out
}

/// The fields of a person that differ between the database and the feed.
pub fn person_changes(old: &PersonRow, new: &PersonRow) -> Vec<FieldChange> {
    let mut out = Vec::new();
    diff(
        &mut out,
        "external_id",
        opt(&old.external_id),
        opt(&new.external_id),
    );
    diff(
        &mut out,
        "display_name",
        old.display_name.clone(),
        new.display_name.clone(),
    );
    diff(&mut out, "email", old.email.clone(), new.email.clone());
    diff(
        &mut out,
        "unit_code",
        old.unit_code.clone(),
        new.unit_code.clone(),
    );
    diff(
        &mut out,
        "job_title",
        opt(&old.job_title),
        opt(&new.job_title),
    );
    diff(
        &mut out,
        "directory_status",
        status_name(old.directory_status).into(),
        status_name(new.directory_status).into(),
    );
    out
}

/// What the database holds now, as feed rows.
#[derive(Clone, Debug, Default)]
pub struct Current {
    pub units: Vec<UnitRow>,
    pub people: Vec<PersonRow>,
    /// Service account names (lowercase): no person may take one as a username.
    pub service_accounts: HashSet<String>,
}

/// Compares checked feed rows (with their line numbers) with the database and makes the plan,
/// or refuses every row that breaks a rule across rows: a key twice in the feed, a parent or
/// unit code that names no unit, a unit placed under itself, an e-mail address or external id
/// another person has (after the merge), a username a service account has.
pub fn plan(
    current: &Current,
    units: &[(u64, UnitRow)],
    people: &[(u64, PersonRow)],
) -> Result<Plan, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut out = Plan::default();
    check_unique_keys(units, people, &mut errors);
    let parents = merged_parents(current, units);
    check_units(&parents, units, &mut errors);
    check_people(current, &parents, people, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let db_units: HashMap<&str, &UnitRow> =
        current.units.iter().map(|u| (u.code.as_str(), u)).collect();
    for (_, u) in units {
        match db_units.get(u.code.as_str()) {
            None => out.units_added.push(u.clone()),
            Some(old) => match unit_changes(old, u) {
                c if c.is_empty() => out.units_unchanged += 1,
                c => out.units_changed.push((u.clone(), c)),
            },
        }
    }
    let db_people: HashMap<&str, &PersonRow> = current
        .people
        .iter()
        .map(|p| (p.username.as_str(), p))
        .collect();
    for (_, p) in people {
        match db_people.get(p.username.as_str()) {
            None => out.people_added.push(p.clone()),
            Some(old) => match person_changes(old, p) {
                c if c.is_empty() => out.people_unchanged += 1,
                c => out.people_changed.push((p.clone(), c)),
            },
        }
    }
    Ok(out)
}

fn check_unique_keys(
    units: &[(u64, UnitRow)],
    people: &[(u64, PersonRow)],
    errors: &mut Vec<RowError>,
) {
    let mut seen = HashMap::new();
    for (line, u) in units {
        if let Some(first) = seen.insert(u.code.clone(), *line) {
            errors.push(err(
                UNITS_FILE,
                *line,
                "code",
                format!("unit {} is already on line {first}", u.code),
            ));
        }
    }
    let mut seen = HashMap::new();
    for (line, p) in people {
        if let Some(first) = seen.insert(p.username.clone(), *line) {
            errors.push(err(
                PEOPLE_FILE,
                *line,
                "username",
                format!("{} is already on line {first}", p.username),
            ));
        }
    }
}

/// Every unit's parent code after the merge.
fn merged_parents(current: &Current, units: &[(u64, UnitRow)]) -> HashMap<String, Option<String>> {
    let mut parents: HashMap<String, Option<String>> = current
        .units
        .iter()
        .map(|u| (u.code.clone(), u.parent_code.clone()))
        .collect();
    for (_, u) in units {
        parents.insert(u.code.clone(), u.parent_code.clone());
    }
    parents
}

fn check_units(
    parents: &HashMap<String, Option<String>>,
    units: &[(u64, UnitRow)],
    errors: &mut Vec<RowError>,
) {
    for (line, u) in units {
        let Some(parent) = &u.parent_code else {
            continue;
        };
        if !parents.contains_key(parent) {
            errors.push(err(
                UNITS_FILE,
                *line,
                "parent_code",
                format!("no unit has the code {parent}"),
            ));
            continue;
        }
        let mut chain = Vec::new();
        let mut next = Some(parent.clone());
        while let Some(code) = next {
            if chain.contains(&code) {
                break;
            }
            next = parents.get(&code).cloned().flatten();
            chain.push(code);
        }
        if chain.contains(&u.code) {
            errors.push(err(
                UNITS_FILE,
                *line,
                "parent_code",
                rules::ProvisioningRefusal::UnitCycle,
            ));
        }
    }
}

fn check_people(
    current: &Current,
    parents: &HashMap<String, Option<String>>,
    people: &[(u64, PersonRow)],
    errors: &mut Vec<RowError>,
) {
    let in_feed: HashSet<&str> = people.iter().map(|(_, p)| p.username.as_str()).collect();
    // Who holds each e-mail key and external id after the merge.
    let mut emails: HashMap<String, Vec<&str>> = HashMap::new();
    let mut keys: HashMap<&str, Vec<&str>> = HashMap::new();
    let kept = current
        .people
        .iter()
        .filter(|p| !in_feed.contains(p.username.as_str()));
    for p in kept.chain(people.iter().map(|(_, p)| p)) {
        emails
            .entry(p.email.to_lowercase())
            .or_default()
            .push(&p.username);
        if let Some(k) = &p.external_id {
            keys.entry(k).or_default().push(&p.username);
        }
    }
    for (line, p) in people {
        let f = PEOPLE_FILE;
        if current
            .service_accounts
            .contains(&p.username.to_lowercase())
        {
            errors.push(err(f, *line, "username", "a service account has this name"));
        }
        if !parents.contains_key(&p.unit_code) {
            errors.push(err(
                f,
                *line,
                "unit_code",
                format!("no unit has the code {}", p.unit_code),
            ));
        }
        if emails
            .get(&p.email.to_lowercase())
            .is_some_and(|h| h.len() > 1)
        {
            errors.push(err(
                f,
                *line,
                "email",
                "another person already has this e-mail address",
            ));
        }
        let shared = |k: &String| keys.get(k.as_str()).is_some_and(|h| h.len() > 1);
        if p.external_id.as_ref().is_some_and(shared) {
            errors.push(err(
                f,
                *line,
                "external_id",
                "another person already has this external id",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, name: &str, parent: Option<&str>) -> UnitRow {
        UnitRow {
            code: code.into(),
            name: name.into(),
            kind: UnitKind::College,
            teams_tenant: TeamsTenant::Main,
            parent_code: parent.map(Into::into),
        }
    }

    fn person(username: &str, email: &str, unit: &str, key: Option<&str>) -> PersonRow {
        PersonRow {
            username: username.into(),
            external_id: key.map(Into::into),
            display_name: format!("Person {username}"),
            email: email.into(),
            unit_code: unit.into(),
            job_title: None,
            directory_status: DirectoryStatus::Listed,
        }
    }

    fn numbered<T: Clone>(rows: &[T]) -> Vec<(u64, T)> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i as u64 + 2, r.clone()))
            .collect()
    }

    #[test]
    fn rows_are_checked_with_the_mutation_rules() {
        let ok = RawUnit {
            code: " ball ".into(),
            name: "Balliol".into(),
            kind: "COLLEGE".into(),
            teams_tenant: "MAIN".into(),
            parent_code: String::new(),
        };
        assert_eq!(check_unit(2, &ok).map(|u| u.code), Ok("BALL".into()));
        let bad = RawUnit {
            code: "B L".into(),
            kind: "SCHOOL".into(),
            ..ok.clone()
        };
        let columns: Vec<_> = check_unit(3, &bad)
            .expect_err("refused")
            .into_iter()
            .map(|e| (e.line, e.column))
            .collect();
        assert_eq!(columns, vec![(3, "code"), (3, "kind")]);

        let p = RawPerson {
            username: "abcd1234".into(),
            external_id: String::new(),
            display_name: "A B".into(),
            email: "a.b@example.ac.uk".into(),
            unit_code: "BALL".into(),
            job_title: String::new(),
            directory_status: "LISTED".into(),
        };
        let checked = check_person(2, &p).expect("valid");
        assert_eq!((checked.external_id, checked.job_title), (None, None));
        for (raw, column) in [
            (
                RawPerson {
                    email: "not-mail".into(),
                    ..p.clone()
                },
                "email",
            ),
            (
                RawPerson {
                    username: "two words".into(),
                    ..p.clone()
                },
                "username",
            ),
            (
                RawPerson {
                    display_name: " ".into(),
                    ..p.clone()
                },
                "display_name",
            ),
            (
                RawPerson {
                    external_id: "a\u{1}".into(),
                    ..p.clone()
                },
                "external_id",
            ),
            (
                RawPerson {
                    directory_status: "HIDDEN".into(),
                    ..p.clone()
                },
                "directory_status",
            ),
            (
                RawPerson {
                    job_title: "x".repeat(201),
                    ..p.clone()
                },
                "job_title",
            ),
        ] {
            let errors = check_person(3, &raw).expect_err("refused");
            assert_eq!(errors.len(), 1, "{column}");
            assert_eq!((errors[0].line, errors[0].column), (3, column));
        }
    }

    #[test]
    fn new_rows_are_added_and_differing_rows_changed_field_by_field() {
        let current = Current {
            units: vec![unit("BALL", "Old", None), unit("KEBL", "Keble", None)],
            people: vec![person("p1", "p1@example.ac.uk", "BALL", None)],
            ..Current::default()
        };
        let feed_units = numbered(&[
            unit("BALL", "New", None),
            unit("NEW", "Newcomer", Some("BALL")),
        ]);
        let mut moved = person("p1", "p1@example.ac.uk", "NEW", Some("E1"));
        moved.job_title = Some("Porter".into());
        let feed_people = numbered(&[moved, person("p2", "p2@example.ac.uk", "NEW", None)]);
        let plan = plan(&current, &feed_units, &feed_people).expect("a plan");
        assert_eq!(plan.units_added.len(), 1);
        assert_eq!(plan.people_added.len(), 1);
        assert_eq!(
            plan.units_changed[0].1,
            vec![FieldChange {
                column: "name",
                old: "Old".into(),
                new: "New".into()
            }]
        );
        let columns: Vec<_> = plan.people_changed[0].1.iter().map(|c| c.column).collect();
        assert_eq!(columns, vec!["external_id", "unit_code", "job_title"]);
        let lines = plan.lines();
        assert_eq!(lines[0], "units: 1 added, 1 changed, 0 unchanged");
        assert_eq!(lines[1], "people: 1 added, 1 changed, 0 unchanged");
        assert!(lines.contains(&"unit BALL: name \"Old\" -> \"New\"".to_owned()));
    }

    #[test]
    fn rows_absent_from_the_feed_are_left_alone_and_same_rows_are_unchanged() {
        let current = Current {
            units: vec![unit("BALL", "Balliol", None), unit("KEBL", "Keble", None)],
            people: vec![
                person("p1", "p1@example.ac.uk", "BALL", None),
                person("p2", "p2@example.ac.uk", "KEBL", None),
            ],
            ..Current::default()
        };
        let plan = plan(
            &current,
            &numbered(&current.units[..1]),
            &numbered(&current.people[..1]),
        )
        .expect("a plan");
        assert!(plan.is_empty());
        assert_eq!((plan.units_unchanged, plan.people_unchanged), (1, 1));
    }

    #[test]
    fn unknown_parents_and_cycles_are_refused() {
        let current = Current {
            units: vec![unit("A", "A", None), unit("B", "B", Some("A"))],
            ..Current::default()
        };
        let feed = numbered(&[unit("A", "A", Some("B")), unit("C", "C", Some("NOPE"))]);
        let errors = plan(&current, &feed, &[]).expect_err("refused");
        let got: Vec<_> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(got, vec![(2, "parent_code"), (3, "parent_code")]);
        assert!(errors[0].reason.contains("under itself"), "{:?}", errors[0]);
        assert!(plan(&current, &numbered(&[unit("A", "A", Some("A"))]), &[]).is_err());
    }

    #[test]
    fn duplicate_keys_emails_and_external_ids_are_refused() {
        let current = Current {
            units: vec![unit("BALL", "Balliol", None)],
            people: vec![person("old", "Taken@example.ac.uk", "BALL", Some("E9"))],
            service_accounts: HashSet::from(["robot".to_owned()]),
        };
        let feed = numbered(&[
            person("p1", "taken@example.ac.uk", "BALL", None),
            person("p2", "p2@example.ac.uk", "BALL", Some("E9")),
            person("p2", "p2b@example.ac.uk", "BALL", None),
            person("Robot", "r@example.ac.uk", "NOPE", None),
        ]);
        let errors = plan(&current, &[], &feed).expect_err("refused");
        let got: Vec<_> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            got,
            vec![
                (4, "username"),
                (2, "email"),
                (3, "external_id"),
                (5, "username"),
                (5, "unit_code"),
            ]
        );
        // The person who holds an address may keep it, and may swap it with someone in the feed.
        let mine = numbered(&[person("old", "taken@example.ac.uk", "BALL", Some("E9"))]);
        assert!(plan(&current, &[], &mine).is_ok());
    }
}

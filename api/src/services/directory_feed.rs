//! The directory feed from the command line: `chorus export directory DIR` writes
//! `units.csv` and `people.csv` from the database; `chorus import directory DIR` reads them,
//! checks every row, compares them with the database (`domain::feed`) and applies the plan
//! in one transaction, with an audit event per added or changed row (actor `system:import`).

use std::{collections::HashMap, io::Read, path::Path};

use chrono::Utc;
use entity::{enums::ActorKind, person, service_account, unit};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::{
    domain::{
        email::EmailAddress,
        feed::{
            self, Current, PEOPLE_FILE, PersonRow, Plan, RawPerson, RawUnit, RowError, UNITS_FILE,
            UnitRow,
        },
    },
    services::{
        audit::{self, Subject, SubjectKind},
        directory,
        people::{PersonRow as NewRow, insert_person},
    },
};

/// The actor the import's audit events name.
pub const ACTOR: &str = "system:import";

/// Reads and checks the feed in `dir`, compares it with the database and, unless `dry_run`,
/// applies the plan in one transaction. `Ok(Err(rows))` when any row is refused: nothing was
/// written.
pub async fn import(
    db: &DatabaseConnection,
    dir: &Path,
    dry_run: bool,
) -> anyhow::Result<Result<Plan, Vec<RowError>>> {
    let units = read_rows::<RawUnit>(&dir.join(UNITS_FILE))?;
    let people = read_rows::<RawPerson>(&dir.join(PEOPLE_FILE))?;
    let (units, people) = match check_rows(units, people) {
        Ok(rows) => rows,
        Err(errors) => return Ok(Err(errors)),
    };
    let txn = crate::db::begin_write(db).await?;
    let (current, ids) = load_current(&txn).await?;
    let plan = match feed::plan(&current, &units, &people) {
        Ok(plan) => plan,
        Err(errors) => return Ok(Err(errors)),
    };
    if dry_run || plan.is_empty() {
        txn.rollback().await?;
        return Ok(Ok(plan));
    }
    apply(&txn, &plan, ids).await?;
    txn.commit().await?;
    Ok(Ok(plan))
}

/// Every row of a CSV file with its line number; a row that does not parse is an error for
/// the whole file (the file is malformed, not a row of it).
fn read_rows<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<(u64, T)>> {
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    parse_rows(std::io::BufReader::new(file))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn parse_rows<T: serde::de::DeserializeOwned>(input: impl Read) -> anyhow::Result<Vec<(u64, T)>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader.headers()?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        let row = record
            .deserialize::<T>(Some(&headers))
            .map_err(|e| anyhow::anyhow!("line {line}: {e}"))?;
        rows.push((line, row));
    }
    Ok(rows)
}

type Checked = (Vec<(u64, UnitRow)>, Vec<(u64, PersonRow)>);

/// The rows checked one by one; every fault of every row when any.
fn check_rows(
    units: Vec<(u64, RawUnit)>,
    people: Vec<(u64, RawPerson)>,
) -> Result<Checked, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut good_units = Vec::new();
    for (line, raw) in units {
        match feed::check_unit(line, &raw) {
            Ok(row) => good_units.push((line, row)),
            Err(e) => errors.extend(e),
        }
    }
    let mut good_people = Vec::new();
    for (line, raw) in people {
        match feed::check_person(line, &raw) {
            Ok(row) => good_people.push((line, row)),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok((good_units, good_people))
    } else {
        Err(errors)
    }
}

/// The stored rows behind the feed rows, by code and by username.
struct Ids {
    units: HashMap<String, unit::Model>,
    people: HashMap<String, person::Model>,
}

/// The database as feed rows, in code and username order.
async fn load_current(conn: &impl ConnectionTrait) -> anyhow::Result<(Current, Ids)> {
    let units = unit::Entity::find()
        .order_by_asc(unit::Column::Code)
        .all(conn)
        .await?;
    let people = person::Entity::find()
        .order_by_asc(person::Column::Username)
        .all(conn)
        .await?;
    let accounts = service_account::Entity::find().all(conn).await?;
    let code_of: HashMap<Uuid, String> = units.iter().map(|u| (u.id, u.code.clone())).collect();
    let current = Current {
        units: units.iter().map(|u| unit_row(u, &code_of)).collect(),
        people: people.iter().map(|p| person_row(p, &code_of)).collect(),
        service_accounts: accounts.iter().map(|a| a.name.to_lowercase()).collect(),
    };
    let ids = Ids {
        units: units.into_iter().map(|u| (u.code.clone(), u)).collect(),
        people: people
            .into_iter()
            .map(|p| (p.username.clone(), p))
            .collect(),
    };
    Ok((current, ids))
}

fn unit_row(u: &unit::Model, code_of: &HashMap<Uuid, String>) -> UnitRow {
    UnitRow {
        code: u.code.clone(),
        name: u.name.clone(),
        kind: u.kind,
        teams_tenant: u.teams_tenant,
        parent_code: u.parent_id.and_then(|p| code_of.get(&p).cloned()),
    }
}

fn person_row(p: &person::Model, code_of: &HashMap<Uuid, String>) -> PersonRow {
    PersonRow {
        username: p.username.clone(),
        external_id: p.external_id.clone(),
        display_name: p.display_name.clone(),
        email: p.email.clone(),
        unit_code: code_of.get(&p.unit_id).cloned().unwrap_or_default(),
        job_title: p.job_title.clone(),
        directory_status: p.directory_status,
    }
}

/// Writes the plan: units (parents before children), then people, each with its event.
async fn apply(txn: &DatabaseTransaction, plan: &Plan, mut ids: Ids) -> anyhow::Result<()> {
    add_units(txn, &plan.units_added, &mut ids).await?;
    for (row, _) in &plan.units_changed {
        change_unit(txn, row, &mut ids).await?;
    }
    let mut reindex = Vec::new();
    for row in &plan.people_added {
        reindex.push(add_person(txn, row, &ids).await?);
    }
    for (row, fields) in &plan.people_changed {
        let id = change_person(txn, row, &ids).await?;
        if fields.iter().any(|f| f.column == "display_name") {
            reindex.push(id);
        }
    }
    directory::reindex(txn, &reindex).await?;
    Ok(())
}

async fn event(
    txn: &DatabaseTransaction,
    action: &str,
    subject: Subject,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> anyhow::Result<()> {
    audit::record_as(
        txn,
        ActorKind::System,
        ACTOR,
        action,
        subject,
        before,
        Some(after),
    )
    .await?;
    Ok(())
}

fn unit_id(ids: &Ids, code: &str) -> anyhow::Result<Uuid> {
    ids.units
        .get(code)
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("unit {code} vanished during the import"))
}

fn parent_id(ids: &Ids, row: &UnitRow) -> anyhow::Result<Option<Uuid>> {
    row.parent_code
        .as_deref()
        .map(|c| unit_id(ids, c))
        .transpose()
}

/// Inserts new units, each once its parent exists (the plan has no cycles).
async fn add_units(
    txn: &DatabaseTransaction,
    rows: &[UnitRow],
    ids: &mut Ids,
) -> anyhow::Result<()> {
    let mut waiting: Vec<&UnitRow> = rows.iter().collect();
    while !waiting.is_empty() {
        let (ready, rest): (Vec<&UnitRow>, Vec<&UnitRow>) = waiting.into_iter().partition(|r| {
            r.parent_code
                .as_ref()
                .is_none_or(|p| ids.units.contains_key(p))
        });
        anyhow::ensure!(!ready.is_empty(), "the new units' parents form a loop");
        for row in ready {
            let created = unit::ActiveModel {
                id: Set(Uuid::now_v7()),
                code: Set(row.code.clone()),
                name: Set(row.name.clone()),
                kind: Set(row.kind),
                teams_tenant: Set(row.teams_tenant),
                created_at: Set(Utc::now()),
                parent_id: Set(parent_id(ids, row)?),
            }
            .insert(txn)
            .await?;
            let subject = Subject::new(SubjectKind::Unit, created.id);
            event(txn, "unit.create", subject, None, audit::snapshot(&created)).await?;
            ids.units.insert(created.code.clone(), created);
        }
        waiting = rest;
    }
    Ok(())
}

async fn change_unit(
    txn: &DatabaseTransaction,
    row: &UnitRow,
    ids: &mut Ids,
) -> anyhow::Result<()> {
    let parent = parent_id(ids, row)?;
    let before = ids
        .units
        .get(&row.code)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("unit {} vanished during the import", row.code))?;
    let mut active: unit::ActiveModel = before.clone().into();
    active.name = Set(row.name.clone());
    active.kind = Set(row.kind);
    active.teams_tenant = Set(row.teams_tenant);
    active.parent_id = Set(parent);
    let after = active.update(txn).await?;
    let subject = Subject::new(SubjectKind::Unit, after.id);
    let (b, a) = (audit::snapshot(&before), audit::snapshot(&after));
    event(txn, "unit.update", subject, Some(b), a).await?;
    ids.units.insert(after.code.clone(), after);
    Ok(())
}

fn email(row: &PersonRow) -> anyhow::Result<EmailAddress> {
    EmailAddress::parse(&row.email).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn add_person(txn: &DatabaseTransaction, row: &PersonRow, ids: &Ids) -> anyhow::Result<Uuid> {
    let email = email(row)?;
    let created = insert_person(
        txn,
        NewRow {
            username: &row.username,
            display_name: &row.display_name,
            email: &email,
            unit_id: unit_id(ids, &row.unit_code)?,
            job_title: row.job_title.clone(),
            ex_directory: row.directory_status == entity::enums::DirectoryStatus::ExDirectory,
            external_id: row.external_id.clone(),
        },
    )
    .await?;
    let subject = Subject::new(SubjectKind::Person, created.id);
    event(
        txn,
        "person.create",
        subject,
        None,
        audit::snapshot(&created),
    )
    .await?;
    Ok(created.id)
}

async fn change_person(
    txn: &DatabaseTransaction,
    row: &PersonRow,
    ids: &Ids,
) -> anyhow::Result<Uuid> {
    let before = ids
        .people
        .get(&row.username)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("{} vanished during the import", row.username))?;
    let mut active: person::ActiveModel = before.clone().into();
    active.external_id = Set(row.external_id.clone());
    active.display_name = Set(row.display_name.clone());
    active.search_name = Set(crate::domain::text::fold_search_name(&row.display_name));
    active.email = Set(email(row)?.as_str().to_owned());
    active.unit_id = Set(unit_id(ids, &row.unit_code)?);
    active.job_title = Set(row.job_title.clone());
    active.directory_status = Set(row.directory_status);
    active.updated_at = Set(Utc::now());
    active.version = Set(before.version + 1);
    let after = active.update(txn).await?;
    let subject = Subject::new(SubjectKind::Person, after.id);
    let (b, a) = (audit::snapshot(&before), audit::snapshot(&after));
    event(txn, "person.update", subject, Some(b), a).await?;
    Ok(after.id)
}

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    pub units: usize,
    pub people: usize,
}

/// Writes `units.csv` and `people.csv` into `dir` (created when missing), in code and
/// username order.
pub async fn export(db: &DatabaseConnection, dir: &Path) -> anyhow::Result<Exported> {
    let (current, _) = load_current(db).await?;
    std::fs::create_dir_all(dir)?;
    let mut units = csv::Writer::from_path(dir.join(UNITS_FILE))?;
    units.write_record(["code", "name", "kind", "teams_tenant", "parent_code"])?;
    for u in &current.units {
        units.write_record([
            u.code.as_str(),
            &u.name,
            feed::unit_kind_name(u.kind),
            feed::tenant_name(u.teams_tenant),
            u.parent_code.as_deref().unwrap_or_default(),
        ])?;
    }
    units.flush()?;
    let mut people = csv::Writer::from_path(dir.join(PEOPLE_FILE))?;
    people.write_record([
        "username",
        "external_id",
        "display_name",
        "email",
        "unit_code",
        "job_title",
        "directory_status",
    ])?;
    for p in &current.people {
        people.write_record([
            p.username.as_str(),
            p.external_id.as_deref().unwrap_or_default(),
            &p.display_name,
            &p.email,
            &p.unit_code,
            p.job_title.as_deref().unwrap_or_default(),
            feed::status_name(p.directory_status),
        ])?;
    }
    people.flush()?;
    Ok(Exported {
        units: current.units.len(),
        people: current.people.len(),
    })
}

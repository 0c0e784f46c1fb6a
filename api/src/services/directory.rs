//! Directory search and its index.
//!
//! The index is `directory_term`: the words of [`crate::domain::search::terms`] for each
//! person. [`reindex`] rewrites a person's terms whenever their name, username or lines
//! change. [`page`] reads a page of matches with keyset order `(relevance, search_name, id)`.
//! Term rows carry the sort name, unit and listing, so ranking and visibility never touch
//! `person` until the page's rows are loaded, and nothing is a `LIKE '%…%'` scan:
//! - the distinct terms of the first query word's range are found by skipping through the
//!   index; when there are few (a name prefix such as "smi" spans "smith" and "smithjones"),
//!   each (term, kind) is read in index order, which is already result order, and stops
//!   after a page ([`ranked_by_term`]): the cost follows the page size, not the matches;
//! - otherwise (a short prefix of usernames or numbers spans thousands of terms) one grouped
//!   query ranks every match ([`ranked_grouped`]);
//! - further words are `EXISTS` probes on `(person_id, term)`.
//!
//! On PostgreSQL the walk through the terms, the runs and the page's people, units and lines
//! are one statement ([`page_by_term_in_one`]); SQLite, which has no `LATERAL` and no round
//! trip to save, reads the terms first and then the page.

use std::{collections::HashMap, sync::LazyLock};

use entity::{directory_term, enums::DirectoryStatus, line, person, unit};
use sea_orm::{
    ActiveEnum as _, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    IdenStatic as _, Iterable as _, QueryFilter, QuerySelect, Statement, Value,
    sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement},
};
use uuid::Uuid;

use crate::domain::search::{KIND_IDENTIFIER, KIND_NAME, QueryWord, Searchable, relevance, terms};

/// Rewrites the search terms of these people from their current name, username and lines.
pub async fn reindex(conn: &impl ConnectionTrait, person_ids: &[Uuid]) -> Result<(), DbErr> {
    for chunk in person_ids.chunks(crate::db::IDS_PER_STATEMENT) {
        let people = person::Entity::find()
            .filter(person::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        let lines = line::Entity::find()
            .filter(line::Column::OwnerId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        let mut by_owner: HashMap<Uuid, Vec<(&str, &str)>> = HashMap::new();
        for l in &lines {
            if let Some(owner) = l.owner_id {
                by_owner
                    .entry(owner)
                    .or_default()
                    .push((l.extension.as_str(), l.e164.as_str()));
            }
        }
        directory_term::Entity::delete_many()
            .filter(directory_term::Column::PersonId.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
        let mut rows = Vec::new();
        for p in &people {
            let searchable = Searchable {
                display_name: &p.display_name,
                username: &p.username,
                lines: by_owner.remove(&p.id).unwrap_or_default(),
            };
            let listed = p.directory_status == DirectoryStatus::Listed;
            rows.extend(terms(&searchable).into_iter().map(|(term, kind)| {
                directory_term::ActiveModel {
                    term: sea_orm::Set(term),
                    person_id: sea_orm::Set(p.id),
                    kind: sea_orm::Set(kind),
                    search_name: sea_orm::Set(p.search_name.clone()),
                    unit_id: sea_orm::Set(p.unit_id),
                    listed: sea_orm::Set(listed),
                }
            }));
        }
        for batch in rows.chunks(crate::db::IDS_PER_STATEMENT).map(<[_]>::to_vec) {
            directory_term::Entity::insert_many(batch)
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

/// Rewrites the terms of everyone (after a bulk load).
pub async fn reindex_all(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let ids: Vec<Uuid> = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    reindex(conn, &ids).await
}

/// Who may see ex-directory entries in a search.
#[derive(Clone, Debug)]
pub enum Visibility {
    /// Admins: everyone.
    All,
    /// Everyone else: listed people, themselves, and the people of the units they coordinate.
    ListedPlus { me: Option<Uuid>, units: Vec<Uuid> },
}

/// A directory search.
#[derive(Clone, Debug)]
pub struct SearchSpec {
    pub words: Vec<QueryWord>,
    pub unit_id: Option<Uuid>,
    pub visibility: Visibility,
}

/// The keyset of search results.
pub type SearchKey = (i16, String, Uuid);

/// One match: the person, their unit, the relevance of the match, and the person's own
/// lines by extension when the page was asked to read them.
pub struct Hit {
    pub person: person::Model,
    pub unit: unit::Model,
    pub relevance: i16,
    pub lines: Option<Vec<line::Model>>,
}

fn t(name: &str) -> Alias {
    Alias::new(name)
}

/// The matching people as `(id, relevance, search_name)` rows, unordered and unpaged.
fn matches(spec: &SearchSpec) -> SelectStatement {
    let Some(first) = spec.words.first() else {
        return everyone(spec);
    };
    let tm = || Alias::new("tm");
    let col = |c: directory_term::Column| Expr::col((tm(), c));
    let rank = Expr::case(
        col(directory_term::Column::Term).eq(first.prefix.clone()),
        col(directory_term::Column::Kind),
    )
    .finally(col(directory_term::Column::Kind).add(2));
    let mut q = Query::select();
    q.from_as(directory_term::Entity, tm())
        .expr_as(col(directory_term::Column::PersonId), t("id"))
        .expr_as(Func::min(rank), t("relevance"))
        .expr_as(
            Func::min(col(directory_term::Column::SearchName)),
            t("search_name"),
        )
        .and_where(col(directory_term::Column::Term).gte(first.prefix.clone()))
        .and_where(col(directory_term::Column::Term).lt(first.upper.clone()))
        .group_by_col((tm(), directory_term::Column::PersonId));
    if let Some(unit) = spec.unit_id {
        q.and_where(col(directory_term::Column::UnitId).eq(unit));
    }
    if let Visibility::ListedPlus { me, units } = &spec.visibility {
        let mut visible = Cond::any().add(col(directory_term::Column::Listed).eq(true));
        if let Some(me) = me {
            visible = visible.add(col(directory_term::Column::PersonId).eq(*me));
        }
        if !units.is_empty() {
            visible = visible.add(col(directory_term::Column::UnitId).is_in(units.iter().copied()));
        }
        q.cond_where(visible);
    }
    for word in &spec.words[1..] {
        let probe = Query::select()
            .expr(Expr::val(1))
            .from_as(directory_term::Entity, t("w"))
            .and_where(
                Expr::col((t("w"), directory_term::Column::PersonId))
                    .equals((tm(), directory_term::Column::PersonId)),
            )
            .and_where(Expr::col((t("w"), directory_term::Column::Term)).gte(word.prefix.clone()))
            .and_where(Expr::col((t("w"), directory_term::Column::Term)).lt(word.upper.clone()))
            .to_owned();
        q.and_where(Expr::exists(probe));
    }
    q
}

/// Everyone visible (of a unit), by name: the listing without search words.
fn everyone(spec: &SearchSpec) -> SelectStatement {
    let mut q = Query::select();
    q.from(person::Entity)
        .column((person::Entity, person::Column::Id))
        .column((person::Entity, person::Column::SearchName))
        .expr_as(Expr::val(0i32), t("relevance"));
    if let Some(unit) = spec.unit_id {
        q.and_where(Expr::col((person::Entity, person::Column::UnitId)).eq(unit));
    }
    if let Visibility::ListedPlus { me, units } = &spec.visibility {
        let mut visible = Cond::any().add(
            Expr::col((person::Entity, person::Column::DirectoryStatus))
                .eq(DirectoryStatus::Listed.to_value()),
        );
        if let Some(me) = me {
            visible = visible.add(Expr::col((person::Entity, person::Column::Id)).eq(*me));
        }
        if !units.is_empty() {
            visible = visible.add(
                Expr::col((person::Entity, person::Column::UnitId)).is_in(units.iter().copied()),
            );
        }
        q.cond_where(visible);
    }
    q
}

/// Counts all matches of a search.
pub async fn count(conn: &impl ConnectionTrait, spec: &SearchSpec) -> Result<i64, DbErr> {
    let inner = matches(spec);
    let stmt = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), t("n"))
        .from_subquery(inner, t("c"))
        .to_owned();
    let row = conn.query_one(&stmt).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// A page of matches after/before a key, `limit` rows, in key order (reversed when backward).
/// With `with_lines`, each hit also carries the person's own lines, read in the same
/// statement.
pub async fn page(
    conn: &impl ConnectionTrait,
    spec: &SearchSpec,
    after: Option<&SearchKey>,
    before: Option<&SearchKey>,
    backward: bool,
    limit: u64,
    with_lines: bool,
) -> Result<Vec<Hit>, DbErr> {
    let bounds = Bounds {
        after,
        before,
        backward,
        limit,
    };
    let backend = conn.get_database_backend();
    let ranked = match spec.words.first() {
        // One round trip: the term probe and the runs are part of the page's statement.
        Some(first) if backend == DatabaseBackend::Postgres => {
            if let Some(hits) = page_by_term_in_one(conn, spec, first, &bounds, with_lines).await? {
                return Ok(hits);
            }
            Some(backend.build(&ranked_grouped(spec, &bounds)))
        }
        Some(first) => match distinct_terms(conn, first).await? {
            Some(terms) if terms.is_empty() => return Ok(Vec::new()),
            Some(terms) => ranked_by_term(spec, first, &terms, &bounds),
            None => Some(backend.build(&ranked_grouped(spec, &bounds))),
        },
        None => Some(backend.build(&ranked_grouped(spec, &bounds))),
    };
    let Some(ranked) = ranked else {
        return Ok(Vec::new());
    };
    let shape = PageShape::of(bounds.backward, with_lines);
    let sql = format!(
        "SELECT {} FROM ({}) r {} ORDER BY {}",
        shape.select, ranked.sql, shape.joins, shape.order
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            ranked.values.map(|v| v.0).unwrap_or_default(),
        ))
        .await?;
    hits_of(&rows, with_lines)
}

/// How ranked rows `r` (`id`, `relevance`, `search_name`) become a page: the people, their
/// units and (when asked) their lines, one row per line and a person without lines once, in
/// key order (reversed when backward), a person's lines by extension.
///
/// The columns come in a fixed order, read back by position ([`hits_of`]): every person
/// column, the relevance, every unit column, then (when asked) every line column, each
/// entity's in its column order. Any further column of a statement comes after these.
struct PageShape {
    select: String,
    joins: String,
    order: String,
}

impl PageShape {
    /// The shape of a page read in this direction, with or without lines (built once).
    fn of(backward: bool, with_lines: bool) -> &'static Self {
        static SHAPES: LazyLock<[PageShape; 4]> = LazyLock::new(|| {
            [(false, false), (false, true), (true, false), (true, true)]
                .map(|(backward, with_lines)| PageShape::new(backward, with_lines))
        });
        &SHAPES[usize::from(backward) * 2 + usize::from(with_lines)]
    }

    fn new(backward: bool, with_lines: bool) -> Self {
        let dir = if backward { "DESC" } else { "ASC" };
        let (lines, line_join, line_order) = if with_lines {
            (
                format!(", {}", columns_of::<line::Entity>("l")),
                " LEFT JOIN line l ON l.owner_id = p.id",
                ", l.extension ASC",
            )
        } else {
            (String::new(), "", "")
        };
        Self {
            select: format!(
                "{}, r.relevance AS relevance, {}{lines}",
                columns_of::<person::Entity>("p"),
                columns_of::<unit::Entity>("u")
            ),
            joins: format!(
                "JOIN person p ON p.id = r.id JOIN unit u ON u.id = p.unit_id{line_join}"
            ),
            order: format!("r.relevance {dir}, r.search_name {dir}, r.id {dir}{line_order}"),
        }
    }
}

/// Where [`PageShape`]'s columns start.
const PERSON_AT: usize = 0;
const RELEVANCE_AT: usize = PERSON_AT + PERSON_FIELDS.len();
const UNIT_AT: usize = RELEVANCE_AT + 1;
const LINE_AT: usize = UNIT_AT + UNIT_FIELDS.len();

/// The hits of a page's rows ([`PageShape`]): a person's further lines join the hit of the
/// row before; a row without a person (the one-statement form's row when nothing matched) is
/// skipped. A page's people share few units: each unit is read from the first row with it.
fn hits_of(rows: &[sea_orm::QueryResult], with_lines: bool) -> Result<Vec<Hit>, DbErr> {
    let mut hits: Vec<Hit> = Vec::new();
    for row in rows {
        let Some(person_id) = row.try_get_by_index::<Option<Uuid>>(PERSON_AT)? else {
            continue;
        };
        let line = if with_lines && row.try_get_by_index::<Option<Uuid>>(LINE_AT)?.is_some() {
            Some(line_at(row, LINE_AT)?)
        } else {
            None
        };
        match hits.last_mut() {
            // A further line of the person of the row before.
            Some(hit) if hit.person.id == person_id => {
                hit.lines.get_or_insert_default().extend(line)
            }
            _ => {
                let person = person_at(row, PERSON_AT)?;
                let relevance = row.try_get_by_index::<i32>(RELEVANCE_AT)?;
                let unit = match hits.iter().find(|h| h.unit.id == person.unit_id) {
                    Some(seen) => seen.unit.clone(),
                    None => unit_at(row, UNIT_AT)?,
                };
                hits.push(Hit {
                    person,
                    unit,
                    relevance: i16::try_from(relevance).unwrap_or(i16::MAX),
                    lines: with_lines.then(|| line.into_iter().collect()),
                });
            }
        }
    }
    Ok(hits)
}

/// `<alias>.<column>` for every column of an entity, in its column order.
fn columns_of<E: EntityTrait>(alias: &str) -> String {
    E::Column::iter()
        .map(|c| format!("{alias}.{}", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A decoder of a model from consecutive columns of a row, starting at a position, with the
/// entity's model fields in their column order (which [`columns_of`] selects), and the
/// list of those fields (tests hold it to the entity's columns). Read by position, a page's
/// rows decode without looking each column up by a formatted name: that was a seventh of
/// the server's CPU for a search page (`tests/bench/RESULTS.md`).
macro_rules! model_at {
    ($decode:ident, $fields:ident, $entity:ident { $($field:ident),* $(,)? }) => {
        #[allow(dead_code, reason = "positions are counted from some lists, tests read all")]
        const $fields: &[&str] = &[$(stringify!($field)),*];

        fn $decode(row: &sea_orm::QueryResult, at: usize) -> Result<$entity::Model, DbErr> {
            let mut column = at;
            let mut next = || {
                column += 1;
                column - 1
            };
            Ok($entity::Model {
                $($field: row.try_get_by_index(next())?,)*
            })
        }
    };
}

model_at!(
    person_at,
    PERSON_FIELDS,
    person {
        id,
        username,
        display_name,
        search_name,
        email,
        unit_id,
        job_title,
        directory_status,
        platform,
        preferred_device_id,
        created_at,
        updated_at,
        version,
        external_id,
    }
);

model_at!(
    unit_at,
    UNIT_FIELDS,
    unit {
        id,
        code,
        name,
        kind,
        teams_tenant,
        created_at,
        parent_id,
    }
);

model_at!(
    line_at,
    LINE_FIELDS,
    line {
        id,
        e164,
        extension,
        kind,
        owner_id,
        unit_id,
        label,
        dialling_permission,
        created_at,
        version,
        quarantined_until,
    }
);

/// Where a page starts and ends, and how many rows it takes.
struct Bounds<'a> {
    after: Option<&'a SearchKey>,
    before: Option<&'a SearchKey>,
    backward: bool,
    limit: u64,
}

/// The most distinct terms of the first word's range that [`ranked_by_term`] reads one by
/// one. A wider range (a one- or two-character prefix of usernames or numbers) is ranked by
/// [`ranked_grouped`] instead.
const MAX_TERM_RUNS: i64 = 16;

/// A distinct term of the first word's range and the kinds it has (one or both).
struct TermKinds {
    term: String,
    min_kind: i16,
    max_kind: i16,
}

/// The common table `t(term, n)`: the distinct terms of the range `[$1, $2)`, found by
/// skipping from one to the next in the index, numbered from 1, and a last row whose term is
/// NULL; it stops after `MAX_TERM_RUNS + 1` terms, which is enough to tell that there are too
/// many.
static TERM_WALK: LazyLock<String> = LazyLock::new(|| {
    format!(
        "t(term, n) AS ( \
       SELECT (SELECT d.term FROM directory_term d WHERE d.term >= $1 AND d.term < $2 \
               ORDER BY d.term LIMIT 1), 1 \
       UNION ALL \
       SELECT (SELECT d.term FROM directory_term d WHERE d.term > t.term AND d.term < $2 \
               ORDER BY d.term LIMIT 1), t.n + 1 \
       FROM t WHERE t.term IS NOT NULL AND t.n <= {MAX_TERM_RUNS})"
    )
});

/// The distinct terms in the first word's range, by skipping from one to the next in the
/// index (a few probes, however many rows each term has); None when there are more than
/// [`MAX_TERM_RUNS`].
async fn distinct_terms(
    conn: &impl ConnectionTrait,
    word: &QueryWord,
) -> Result<Option<Vec<TermKinds>>, DbErr> {
    let sql = format!(
        "WITH RECURSIVE {} \
         SELECT t.term AS term, \
           (SELECT k.kind FROM directory_term k WHERE k.term = t.term ORDER BY k.kind LIMIT 1) \
             AS min_kind, \
           (SELECT k.kind FROM directory_term k WHERE k.term = t.term ORDER BY k.kind DESC LIMIT 1) \
             AS max_kind \
         FROM t WHERE t.term IS NOT NULL",
        *TERM_WALK
    );
    let stmt = Statement::from_sql_and_values(
        conn.get_database_backend(),
        sql,
        [word.prefix.clone().into(), word.upper.clone().into()],
    );
    let rows = conn.query_all_raw(stmt).await?;
    if rows.len() as i64 > MAX_TERM_RUNS {
        return Ok(None);
    }
    rows.into_iter()
        .map(|row| {
            Ok(TermKinds {
                term: row.try_get("", "term")?,
                min_kind: row.try_get("", "min_kind")?,
                max_kind: row.try_get("", "max_kind")?,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()
        .map(Some)
}

/// SQL text with `$n` parameters (both backends read them by number).
#[derive(Default)]
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }
}

/// Ranks a page from one run per (term, kind) of the first word's range.
///
/// Every row of one run has the same relevance, so a run read in index order
/// `(term, kind, search_name, person_id)` is already in key order and can stop after
/// `limit` rows; the page is the first `limit` of the runs merged. A person is read only from
/// the runs of their best relevance (a run skips people who also match with a better one),
/// so no one's place in a run is taken by someone who belongs higher up. A person matching
/// two terms of equal relevance comes from both runs and is counted once.
fn ranked_by_term(
    spec: &SearchSpec,
    first: &QueryWord,
    terms: &[TermKinds],
    bounds: &Bounds<'_>,
) -> Option<Statement> {
    let exact_exists = terms.iter().any(|t| t.term == first.prefix);
    let identifier_prefix_exists = terms
        .iter()
        .any(|t| t.term != first.prefix && t.min_kind == KIND_IDENTIFIER);
    let dir = if bounds.backward { "DESC" } else { "ASC" };
    let limit = bounds.limit;
    let mut sql = Sql::default();
    let mut runs = Vec::new();
    for t in terms {
        let kinds = if t.min_kind == t.max_kind {
            vec![t.min_kind]
        } else {
            vec![t.min_kind, t.max_kind]
        };
        for kind in kinds {
            let exact = t.term == first.prefix;
            let rel = relevance(kind, exact);
            let mut conds = Vec::new();
            // The page's keyset, within this run of constant relevance.
            let mut skip = false;
            for (key, is_after) in [(bounds.after, true), (bounds.before, false)] {
                let Some((r, name, id)) = key else { continue };
                let op = if is_after { ">" } else { "<" };
                match rel.cmp(r) {
                    std::cmp::Ordering::Equal => conds.push(format!(
                        "(tm.search_name, tm.person_id) {op} ({}, {})",
                        sql.bind(name.clone()),
                        sql.bind(*id)
                    )),
                    std::cmp::Ordering::Less if is_after => skip = true,
                    std::cmp::Ordering::Greater if !is_after => skip = true,
                    _ => {}
                }
            }
            if skip {
                continue;
            }
            conds.insert(
                0,
                format!(
                    "tm.term = {} AND tm.kind = {kind}",
                    sql.bind(t.term.clone())
                ),
            );
            conds.extend(run_filters(spec, &mut sql));
            // People who match the first word better are read from a better run.
            let mut better = Vec::new();
            if !exact && exact_exists {
                better.push(format!("x.term = {}", sql.bind(first.prefix.clone())));
            }
            if !exact && kind != KIND_IDENTIFIER && identifier_prefix_exists {
                better.push(format!(
                    "(x.term >= {} AND x.term < {} AND x.kind = {KIND_IDENTIFIER})",
                    sql.bind(first.prefix.clone()),
                    sql.bind(first.upper.clone())
                ));
            }
            if !better.is_empty() {
                conds.push(format!(
                    "NOT EXISTS (SELECT 1 FROM directory_term x \
                     WHERE x.person_id = tm.person_id AND ({}))",
                    better.join(" OR ")
                ));
            }
            runs.push(format!(
                "SELECT * FROM (SELECT tm.person_id AS id, {rel} AS relevance, \
                 tm.search_name AS search_name FROM directory_term tm WHERE {} \
                 ORDER BY tm.search_name {dir}, tm.person_id {dir} LIMIT {limit}) r{}",
                conds.join(" AND "),
                runs.len()
            ));
        }
    }
    if runs.is_empty() {
        return None;
    }
    sql.text = format!(
        "SELECT u.id AS id, MIN(u.relevance) AS relevance, MIN(u.search_name) AS search_name \
         FROM ({}) u GROUP BY u.id \
         ORDER BY MIN(u.relevance) {dir}, MIN(u.search_name) {dir}, u.id {dir} LIMIT {limit}",
        runs.join(" UNION ALL ")
    );
    // Placeholders are `$n` on both backends; the statement's backend is set by the caller.
    Some(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        sql.text,
        sql.values,
    ))
}

/// The conditions on a run's rows `tm` that do not depend on the run: the unit, who may be
/// seen, and every further word (an `EXISTS` probe on `(person_id, term)`).
fn run_filters(spec: &SearchSpec, sql: &mut Sql) -> Vec<String> {
    let mut conds = Vec::new();
    if let Some(unit) = spec.unit_id {
        conds.push(format!("tm.unit_id = {}", sql.bind(unit)));
    }
    if let Visibility::ListedPlus { me, units } = &spec.visibility {
        let mut unlisted = Vec::new();
        if let Some(me) = me {
            unlisted.push(format!("tm.person_id = {}", sql.bind(*me)));
        }
        if !units.is_empty() {
            let list: Vec<String> = units.iter().map(|u| sql.bind(*u)).collect();
            unlisted.push(format!("tm.unit_id IN ({})", list.join(", ")));
        }
        // A CASE, not `listed OR …`: PostgreSQL would answer an OR with a bitmap scan of
        // every row of the run, then a sort, instead of reading the run in index order up to a
        // page (5–9 ms instead of 1 ms for "smi" on 20,000 people, in the one-statement form).
        let otherwise = if unlisted.is_empty() {
            "false".to_owned()
        } else {
            unlisted.join(" OR ")
        };
        conds.push(format!(
            "CASE WHEN tm.listed THEN true ELSE ({otherwise}) END"
        ));
    }
    for word in &spec.words[1..] {
        conds.push(format!(
            "EXISTS (SELECT 1 FROM directory_term w WHERE w.person_id = tm.person_id \
             AND w.term >= {} AND w.term < {})",
            sql.bind(word.prefix.clone()),
            sql.bind(word.upper.clone())
        ));
    }
    conds
}

/// PostgreSQL: a page of a search in one statement. The work of [`distinct_terms`] and
/// [`ranked_by_term`] is done in SQL: the term walk, each term's kinds (its runs, with their
/// relevance), then each run read in index order up to a page through `LATERAL`, and the
/// page's people as [`PageShape`] makes them. The statement's text depends only on the
/// spec's shape and the bounds present, so the server's prepared-statement cache serves it.
///
/// A cursor bound splits each run in two, chosen per run by a condition on the run alone
/// (PostgreSQL evaluates it once per run): a run of the cursor's relevance continues after
/// (before) the cursor's name and id in index order; a run beyond it is read from its start;
/// any other run is not read at all.
///
/// None when the first word spans more than [`MAX_TERM_RUNS`] terms: the caller ranks with
/// [`ranked_grouped`] instead.
async fn page_by_term_in_one(
    conn: &impl ConnectionTrait,
    spec: &SearchSpec,
    first: &QueryWord,
    bounds: &Bounds<'_>,
    with_lines: bool,
) -> Result<Option<Vec<Hit>>, DbErr> {
    let mut sql = Sql::default();
    // $1 and $2, as the term walk expects them.
    let prefix = sql.bind(first.prefix.clone());
    let upper = sql.bind(first.upper.clone());
    debug_assert_eq!((prefix.as_str(), upper.as_str()), ("$1", "$2"));
    let relevance_case = format!(
        "CASE WHEN s.term = {prefix} AND k.kind = {KIND_IDENTIFIER} THEN {} \
         WHEN s.term = {prefix} THEN {} WHEN k.kind = {KIND_IDENTIFIER} THEN {} ELSE {} END",
        relevance(KIND_IDENTIFIER, true),
        relevance(KIND_NAME, true),
        relevance(KIND_IDENTIFIER, false),
        relevance(KIND_NAME, false),
    );
    let mut conds = vec!["tm.term = runs.term AND tm.kind = runs.kind".to_owned()];
    // People who match the first word better are read from a better run (as in
    // `ranked_by_term`): a prefix run skips people with the exact term, a prefix run of name
    // words also people with an identifier in the range.
    conds.push(format!(
        "(runs.relevance < {} OR NOT f.exact OR NOT EXISTS (SELECT 1 FROM directory_term x \
         WHERE x.person_id = tm.person_id AND x.term = {prefix}))",
        relevance(KIND_IDENTIFIER, false)
    ));
    conds.push(format!(
        "(runs.relevance < {} OR NOT f.identifier OR NOT EXISTS (SELECT 1 FROM directory_term x \
         WHERE x.person_id = tm.person_id AND x.term >= {prefix} AND x.term < {upper} \
         AND x.kind = {KIND_IDENTIFIER}))",
        relevance(KIND_NAME, false)
    ));
    conds.extend(run_filters(spec, &mut sql));
    let keys: Vec<(String, String, String, bool)> = [(bounds.after, true), (bounds.before, false)]
        .into_iter()
        .filter_map(|(key, is_after)| {
            let (r, name, id) = key?;
            Some((
                sql.bind(i32::from(*r)),
                sql.bind(name.clone()),
                sql.bind(*id),
                is_after,
            ))
        })
        .collect();
    let dir = if bounds.backward { "DESC" } else { "ASC" };
    let limit = bounds.limit;
    // One branch per choice, for each bound, of "the cursor's run" or "a run beyond it".
    let branches: Vec<String> = (0..1usize << keys.len())
        .map(|choice| {
            let mut branch = conds.clone();
            for (i, (r, name, id, is_after)) in keys.iter().enumerate() {
                let op = if *is_after { ">" } else { "<" };
                if choice & (1 << i) != 0 {
                    branch.push(format!("runs.relevance = {r}"));
                    branch.push(format!(
                        "(tm.search_name, tm.person_id) {op} ({name}, {id})"
                    ));
                } else {
                    branch.push(format!("runs.relevance {op} {r}"));
                }
            }
            format!(
                "(SELECT tm.person_id AS id, runs.relevance AS relevance, \
                 tm.search_name AS search_name FROM directory_term tm WHERE {} \
                 ORDER BY tm.search_name {dir}, tm.person_id {dir} LIMIT {limit})",
                branch.join(" AND ")
            )
        })
        .collect();
    let shape = PageShape::of(bounds.backward, with_lines);
    let text = format!(
        "WITH RECURSIVE {walk}, \
         terms AS (SELECT t.term FROM t WHERE t.term IS NOT NULL), \
         runs AS (SELECT s.term AS term, k.kind AS kind, {relevance_case} AS relevance \
           FROM terms s CROSS JOIN LATERAL ( \
             (SELECT k.kind FROM directory_term k WHERE k.term = s.term ORDER BY k.kind LIMIT 1) \
             UNION \
             (SELECT k.kind FROM directory_term k WHERE k.term = s.term \
              ORDER BY k.kind DESC LIMIT 1)) k \
           WHERE (SELECT count(*) FROM terms) <= {MAX_TERM_RUNS}), \
         flags AS (SELECT EXISTS (SELECT 1 FROM runs WHERE runs.term = {prefix}) AS exact, \
           EXISTS (SELECT 1 FROM runs WHERE runs.term <> {prefix} \
             AND runs.kind = {KIND_IDENTIFIER}) AS identifier), \
         ranked AS (SELECT h.id AS id, MIN(h.relevance) AS relevance, \
             MIN(h.search_name) AS search_name \
           FROM runs CROSS JOIN flags f CROSS JOIN LATERAL ({branches}) h \
           GROUP BY h.id \
           ORDER BY MIN(h.relevance) {dir}, MIN(h.search_name) {dir}, h.id {dir} LIMIT {limit}) \
         SELECT {select}, c.n AS term_count \
         FROM (SELECT count(*) AS n FROM terms) c \
         LEFT JOIN (ranked r {joins}) ON true \
         ORDER BY {order}",
        walk = *TERM_WALK,
        branches = branches.join(" UNION ALL "),
        select = shape.select,
        joins = shape.joins,
        order = shape.order,
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            text,
            sql.values,
        ))
        .await?;
    // Every answer has a row, with the number of terms walked.
    let walked = match rows.first() {
        Some(row) => row.try_get::<i64>("", "term_count")?,
        None => 0,
    };
    if walked > MAX_TERM_RUNS {
        return Ok(None);
    }
    hits_of(&rows, with_lines).map(Some)
}

/// Ranks a page with one grouped query over every match: the listing without search words,
/// and searches whose first word spans more than [`MAX_TERM_RUNS`] terms.
fn ranked_grouped(spec: &SearchSpec, bounds: &Bounds<'_>) -> SelectStatement {
    let inner = matches(spec);
    let rel = || Expr::col((t("r"), t("relevance")));
    let name = || Expr::col((t("r"), t("search_name")));
    let id = || Expr::col((t("r"), t("id")));
    let beyond = |key: &SearchKey, forward: bool| {
        let (r, n, i) = (i32::from(key.0), key.1.clone(), key.2);
        let (gt_r, gt_n, gt_i) = if forward {
            (rel().gt(r), name().gt(n.clone()), id().gt(i))
        } else {
            (rel().lt(r), name().lt(n.clone()), id().lt(i))
        };
        Cond::any()
            .add(gt_r)
            .add(Cond::all().add(rel().eq(r)).add(gt_n))
            .add(Cond::all().add(rel().eq(r)).add(name().eq(n)).add(gt_i))
    };
    let mut q = Query::select();
    q.columns([
        (t("r"), t("id")),
        (t("r"), t("relevance")),
        (t("r"), t("search_name")),
    ])
    .from_subquery(inner, t("r"));
    if let Some(key) = bounds.after {
        q.cond_where(beyond(key, true));
    }
    if let Some(key) = bounds.before {
        q.cond_where(beyond(key, false));
    }
    let order = if bounds.backward {
        Order::Desc
    } else {
        Order::Asc
    };
    q.order_by_expr(rel(), order.clone())
        .order_by_expr(name(), order.clone())
        .order_by_expr(id(), order)
        .limit(bounds.limit);
    q
}

impl Hit {
    pub fn key(&self) -> SearchKey {
        (
            self.relevance,
            self.person.search_name.clone(),
            self.person.id,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns<E: EntityTrait>() -> Vec<&'static str> {
        E::Column::iter().map(|c| c.as_str()).collect()
    }

    /// The positional decoders read every column, in the order `columns_of` selects them: a
    /// field added to an entity or moved in it shows up here.
    #[test]
    fn decoders_follow_the_entities_columns() {
        assert_eq!(PERSON_FIELDS, columns::<person::Entity>());
        assert_eq!(UNIT_FIELDS, columns::<unit::Entity>());
        assert_eq!(LINE_FIELDS, columns::<line::Entity>());
        let shape = PageShape::of(false, true);
        let selected: Vec<&str> = shape.select.split(", ").collect();
        assert_eq!(selected[PERSON_AT], "p.id");
        assert_eq!(selected[RELEVANCE_AT], "r.relevance AS relevance");
        assert_eq!(selected[UNIT_AT], "u.id");
        assert_eq!(selected[LINE_AT], "l.id");
        assert_eq!(selected.len(), LINE_AT + LINE_FIELDS.len());
    }
}

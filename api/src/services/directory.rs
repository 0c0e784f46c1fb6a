//! Directory search and its index.
//!
//! The index is `directory_term`: the words of [`crate::domain::search::terms`] for each
//! person. [`reindex`] rewrites a person's terms whenever their name, username or lines
//! change. [`search`] reads a page of matches with keyset order `(relevance, search_name, id)`:
//! the first query word is an index range scan on `directory_term(term)`, further words are
//! `EXISTS` probes on `(person_id, term)`, and nothing is a `LIKE '%…%'` scan. Term rows carry
//! the sort name, unit and listing, so ranking and visibility never touch `person` until the
//! page's rows are loaded.

use std::collections::HashMap;

use entity::{directory_term, enums::DirectoryStatus, line, person};
use sea_orm::{
    ActiveEnum as _, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement},
};
use uuid::Uuid;

use crate::domain::search::{QueryWord, Searchable, terms};

/// Rewrites the search terms of these people from their current name, username and lines.
pub async fn reindex(conn: &impl ConnectionTrait, person_ids: &[Uuid]) -> Result<(), DbErr> {
    for chunk in person_ids.chunks(500) {
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
        for batch in rows.chunks(500).map(<[_]>::to_vec) {
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

/// One match: the person and the relevance of the match.
pub struct Hit {
    pub person: person::Model,
    pub relevance: i16,
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
pub async fn page(
    conn: &impl ConnectionTrait,
    spec: &SearchSpec,
    after: Option<&SearchKey>,
    before: Option<&SearchKey>,
    backward: bool,
    limit: u64,
) -> Result<Vec<Hit>, DbErr> {
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
    q.columns([(t("r"), t("id")), (t("r"), t("relevance"))])
        .from_subquery(inner, t("r"));
    if let Some(key) = after {
        q.cond_where(beyond(key, true));
    }
    if let Some(key) = before {
        q.cond_where(beyond(key, false));
    }
    let order = if backward { Order::Desc } else { Order::Asc };
    q.order_by_expr(rel(), order.clone())
        .order_by_expr(name(), order.clone())
        .order_by_expr(id(), order)
        .limit(limit);
    let rows = conn.query_all(&q).await?;
    let mut ranked = Vec::with_capacity(rows.len());
    for row in rows {
        let relevance = row.try_get::<i32>("", "relevance")?;
        ranked.push((
            row.try_get::<Uuid>("", "id")?,
            i16::try_from(relevance).unwrap_or(i16::MAX),
        ));
    }
    let mut people: HashMap<Uuid, person::Model> = person::Entity::find()
        .filter(person::Column::Id.is_in(ranked.iter().map(|(id, _)| *id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(id, relevance)| people.remove(&id).map(|person| Hit { person, relevance }))
        .collect())
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

//! The "MS Teams" column and movement sets, computed for a scope of people.
//!
//! One SQL statement returns every person's facts (correlated counts over indexed columns,
//! evaluated by the database for the whole scope at once, never a query per person); the
//! movement sets come from two more (every hunt and EA membership), joined by union–find;
//! then `domain::cutover::eligibility` gives each person's verdict. When a set reaches
//! outside the scope, the outsiders' facts are fetched with one more statement.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::enums::{DeviceKind, NominationAnswer, Platform, TeamsTenant, UnitKind};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use uuid::Uuid;

use crate::domain::cutover::{
    eligibility::{self, Blocker, Facts, Reason, SetContext, Status, Verdict},
    sets::{Link, LinkKind, Sets},
};

/// Whose rows to compute.
#[derive(Clone, Debug)]
pub enum Scope {
    All,
    Units(Vec<Uuid>),
    People(Vec<Uuid>),
}

/// The people whose column the caller may read: administrators and `cutover:write`
/// services everyone (or one unit); coordinators their units (or one of them).
pub fn scope_for(
    principal: &crate::auth::Principal,
    unit: Option<Uuid>,
) -> Result<Scope, &'static str> {
    let all = principal.is_admin() || principal.has_scope(super::tranches::SCOPE);
    match unit {
        Some(u) if all || principal.coordinates(u) => Ok(Scope::Units(vec![u])),
        Some(_) => Err("that unit is not one you coordinate"),
        None if all => Ok(Scope::All),
        None if principal.has_role(crate::auth::Role::Coordinator) => {
            Ok(Scope::Units(principal.units.iter().copied().collect()))
        }
        None => Err("the MS Teams column is for coordinators and administrators"),
    }
}

/// One person's row of the column.
#[derive(Clone, Debug)]
pub struct Row {
    pub person_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub search_name: String,
    pub unit_id: Uuid,
    pub unit_code: String,
    pub unit_kind: UnitKind,
    pub facts: Facts,
    pub verdict: Verdict,
    /// The key of the person's movement set, when they are in one.
    pub set_key: Option<Uuid>,
    pub licensed: bool,
    pub tranche_id: Option<Uuid>,
    /// The answer in the current nomination round, and whether it came late.
    pub nomination: Option<(NominationAnswer, bool)>,
}

#[derive(FromQueryResult)]
struct FactsRow {
    id: Uuid,
    username: String,
    display_name: String,
    search_name: String,
    unit_id: Uuid,
    unit_code: String,
    unit_kind: UnitKind,
    tenant: TeamsTenant,
    platform: Platform,
    preferred_kind: Option<DeviceKind>,
    personal_lines: i64,
    critical_lines: i64,
    cc_queues: i64,
    softphones: i64,
    mobile_apps: i64,
    desk_phones: i64,
    external_away: i64,
    pickup_groups: i64,
    whitelist_entries: i64,
    licences: i64,
    tranche_id: Option<Uuid>,
    answer: Option<NominationAnswer>,
    late: Option<bool>,
}

/// The facts statement; `{scope}` is replaced by the scope's condition.
const FACTS_SQL: &str = "
SELECT p.id AS id, p.username AS username, p.display_name AS display_name,
       p.search_name AS search_name, p.unit_id AS unit_id, u.code AS unit_code,
       u.kind AS unit_kind, u.teams_tenant AS tenant, p.platform AS platform,
       pd.kind AS preferred_kind,
       (SELECT COUNT(*) FROM line l WHERE l.owner_id = p.id AND l.kind = 'PERSONAL')
         AS personal_lines,
       (SELECT COUNT(*) FROM device d JOIN line l ON l.id = d.line_id
         WHERE d.owner_id = p.id AND d.status = 'ACTIVE' AND l.kind = 'CRITICAL')
       + (SELECT COUNT(*) FROM hunt_group_member hm
           JOIN hunt_group h ON h.id = hm.group_id JOIN line l ON l.id = h.pilot_line_id
           WHERE hm.person_id = p.id AND l.kind = 'CRITICAL') AS critical_lines,
       (SELECT COUNT(*) FROM cc_agent a WHERE a.person_id = p.id) AS cc_queues,
       (SELECT COUNT(*) FROM device d WHERE d.owner_id = p.id AND d.status = 'ACTIVE'
         AND d.kind = 'SOFTPHONE') AS softphones,
       (SELECT COUNT(*) FROM device d WHERE d.owner_id = p.id AND d.status = 'ACTIVE'
         AND d.kind = 'MOBILE_APP') AS mobile_apps,
       (SELECT COUNT(*) FROM device d WHERE d.owner_id = p.id AND d.status = 'ACTIVE'
         AND d.kind = 'DESK_PHONE') AS desk_phones,
       (SELECT COUNT(*) FROM device d JOIN call_record c ON c.device_id = d.id
         WHERE d.owner_id = p.id AND d.kind <> 'DESK_PHONE'
           AND c.direction = 'OUTBOUND' AND c.external = TRUE AND c.started_at >= ?)
         AS external_away,
       (SELECT COUNT(*) FROM pickup_group_member pm WHERE pm.person_id = p.id)
         AS pickup_groups,
       (SELECT COUNT(*) FROM ea_group_member em
         JOIN ea_whitelist_entry w ON w.member_id = em.id
         WHERE em.person_id = p.id AND em.role = 'MANAGER') AS whitelist_entries,
       (SELECT COUNT(*) FROM licence_assignment la WHERE la.person_id = p.id) AS licences,
       tm.tranche_id AS tranche_id,
       n.answer AS answer, n.late AS late
FROM person p
JOIN unit u ON u.id = p.unit_id
LEFT JOIN device pd ON pd.id = p.preferred_device_id
LEFT JOIN tranche_member tm ON tm.person_id = p.id
LEFT JOIN nomination n ON n.person_id = p.id AND n.round_id = ?
WHERE {scope}";

/// The facts of everyone at once, set-based: each table is read once and grouped by person,
/// then hash-joined, instead of probing it per person as [`FACTS_SQL`] does (which suits a
/// unit or a list of people). The same columns; its parameters are the round, then the
/// look-back start.
const FACTS_ALL_SQL: &str = "
SELECT p.id AS id, p.username AS username, p.display_name AS display_name,
       p.search_name AS search_name, p.unit_id AS unit_id, u.code AS unit_code,
       u.kind AS unit_kind, u.teams_tenant AS tenant, p.platform AS platform,
       pd.kind AS preferred_kind,
       COALESCE(pl.n, 0) AS personal_lines,
       COALESCE(cd.n, 0) + COALESCE(ch.n, 0) AS critical_lines,
       COALESCE(cc.n, 0) AS cc_queues,
       COALESCE(dv.softphones, 0) AS softphones,
       COALESCE(dv.mobile_apps, 0) AS mobile_apps,
       COALESCE(dv.desk_phones, 0) AS desk_phones,
       COALESCE(xa.n, 0) AS external_away,
       COALESCE(pg.n, 0) AS pickup_groups,
       COALESCE(wl.n, 0) AS whitelist_entries,
       COALESCE(la.n, 0) AS licences,
       tm.tranche_id AS tranche_id,
       n.answer AS answer, n.late AS late
FROM person p
JOIN unit u ON u.id = p.unit_id
LEFT JOIN device pd ON pd.id = p.preferred_device_id
LEFT JOIN tranche_member tm ON tm.person_id = p.id
LEFT JOIN nomination n ON n.person_id = p.id AND n.round_id = ?
LEFT JOIN (SELECT owner_id, COUNT(*) AS n FROM line WHERE kind = 'PERSONAL'
           GROUP BY owner_id) pl ON pl.owner_id = p.id
LEFT JOIN (SELECT d.owner_id AS owner_id, COUNT(*) AS n FROM device d
           JOIN line l ON l.id = d.line_id
           WHERE d.status = 'ACTIVE' AND l.kind = 'CRITICAL'
           GROUP BY d.owner_id) cd ON cd.owner_id = p.id
LEFT JOIN (SELECT hm.person_id AS person_id, COUNT(*) AS n FROM hunt_group_member hm
           JOIN hunt_group h ON h.id = hm.group_id JOIN line l ON l.id = h.pilot_line_id
           WHERE l.kind = 'CRITICAL'
           GROUP BY hm.person_id) ch ON ch.person_id = p.id
LEFT JOIN (SELECT person_id, COUNT(*) AS n FROM cc_agent GROUP BY person_id) cc
       ON cc.person_id = p.id
LEFT JOIN (SELECT owner_id,
                  SUM(CASE WHEN kind = 'SOFTPHONE' THEN 1 ELSE 0 END) AS softphones,
                  SUM(CASE WHEN kind = 'MOBILE_APP' THEN 1 ELSE 0 END) AS mobile_apps,
                  SUM(CASE WHEN kind = 'DESK_PHONE' THEN 1 ELSE 0 END) AS desk_phones
           FROM device WHERE status = 'ACTIVE'
           GROUP BY owner_id) dv ON dv.owner_id = p.id
LEFT JOIN (SELECT d.owner_id AS owner_id, COUNT(*) AS n FROM device d
           JOIN call_record c ON c.device_id = d.id
           WHERE d.kind <> 'DESK_PHONE'
             AND c.direction = 'OUTBOUND' AND c.external = TRUE AND c.started_at >= ?
           GROUP BY d.owner_id) xa ON xa.owner_id = p.id
LEFT JOIN (SELECT person_id, COUNT(*) AS n FROM pickup_group_member GROUP BY person_id) pg
       ON pg.person_id = p.id
LEFT JOIN (SELECT em.person_id AS person_id, COUNT(*) AS n FROM ea_group_member em
           JOIN ea_whitelist_entry w ON w.member_id = em.id
           WHERE em.role = 'MANAGER'
           GROUP BY em.person_id) wl ON wl.person_id = p.id
LEFT JOIN (SELECT person_id, COUNT(*) AS n FROM licence_assignment GROUP BY person_id) la
       ON la.person_id = p.id";

/// Rewrites `?` placeholders as `$1, $2, …` for PostgreSQL.
pub(crate) fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

/// `IN (?, ?, …)` for `n` values.
fn list(n: usize) -> String {
    let mut s = String::from("(");
    for i in 0..n {
        s.push_str(if i == 0 { "?" } else { ", ?" });
    }
    s.push(')');
    s
}

/// The largest id list bound in one statement (see [`crate::db::IDS_PER_STATEMENT`]).
const CHUNK: usize = crate::db::IDS_PER_STATEMENT;

async fn facts(
    db: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
    round: Option<Uuid>,
) -> Result<Vec<FactsRow>, DbErr> {
    let backend = db.get_database_backend();
    // A round id that matches nothing when there is no round.
    let round = round.unwrap_or(Uuid::nil());
    let run = |condition: String, ids: Vec<Uuid>| {
        let sql = placeholders(backend, &FACTS_SQL.replace("{scope}", &condition));
        let mut values: Vec<Value> = vec![since.into(), round.into()];
        values.extend(ids.into_iter().map(Value::from));
        FactsRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values)).all(db)
    };
    match scope {
        Scope::All => {
            let sql = placeholders(backend, FACTS_ALL_SQL);
            let values: Vec<Value> = vec![round.into(), since.into()];
            FactsRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
                .all(db)
                .await
        }
        Scope::Units(units) => {
            run(format!("p.unit_id IN {}", list(units.len())), units.clone()).await
        }
        Scope::People(people) => {
            let mut out = Vec::with_capacity(people.len());
            for chunk in people.chunks(CHUNK) {
                out.extend(run(format!("p.id IN {}", list(chunk.len())), chunk.to_vec()).await?);
            }
            Ok(out)
        }
    }
}

#[derive(FromQueryResult)]
struct MemberRow {
    group_id: Uuid,
    name: String,
    person_id: Uuid,
}

/// Every hunt and executive-assistant group as a link between its members.
pub async fn links(db: &impl ConnectionTrait) -> Result<Vec<Link>, DbErr> {
    let backend = db.get_database_backend();
    let mut links = Vec::new();
    for (kind, sql) in [
        (
            LinkKind::HuntGroup,
            "SELECT g.id AS group_id, g.name AS name, m.person_id AS person_id
             FROM hunt_group g JOIN hunt_group_member m ON m.group_id = g.id
             ORDER BY g.id, m.position, m.person_id",
        ),
        (
            LinkKind::EaGroup,
            "SELECT g.id AS group_id, g.name AS name, m.person_id AS person_id
             FROM ea_group g JOIN ea_group_member m ON m.group_id = g.id
             ORDER BY g.id, m.role DESC, m.person_id",
        ),
    ] {
        let rows = MemberRow::find_by_statement(Statement::from_string(backend, sql))
            .all(db)
            .await?;
        let mut current: Option<Link> = None;
        for r in rows {
            match &mut current {
                Some(link) if link.group_id == r.group_id => link.members.push(r.person_id),
                _ => {
                    if let Some(done) = current.take() {
                        links.push(done);
                    }
                    current = Some(Link {
                        kind,
                        group_id: r.group_id,
                        name: r.name,
                        members: vec![r.person_id],
                    });
                }
            }
        }
        links.extend(current);
    }
    Ok(links)
}

/// The current nomination round: the latest created.
pub async fn current_round(
    db: &impl ConnectionTrait,
) -> Result<Option<entity::nomination_round::Model>, DbErr> {
    use sea_orm::{EntityTrait, QueryOrder};
    entity::nomination_round::Entity::find()
        .order_by_desc(entity::nomination_round::Column::CreatedAt)
        .one(db)
        .await
}

fn to_facts(r: &FactsRow) -> Facts {
    Facts {
        person_id: r.id,
        platform: r.platform,
        separate_tenant: r.tenant == TeamsTenant::Separate,
        personal_lines: r.personal_lines,
        critical_lines: r.critical_lines,
        contact_centre_queues: r.cc_queues,
        active_softphones: r.softphones,
        active_mobile_apps: r.mobile_apps,
        active_desk_phones: r.desk_phones,
        preferred_kind: r.preferred_kind,
        external_calls_away: r.external_away,
        pickup_groups: r.pickup_groups,
        whitelist_entries: r.whitelist_entries,
    }
}

/// The column for a scope, in directory order (name, then id), with the sets it used.
pub async fn compute(
    db: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
) -> Result<(Vec<Row>, Sets), DbErr> {
    let round = current_round(db).await?.map(|r| r.id);
    let mut rows = facts(db, scope, since, round).await?;
    let sets = Sets::build(links(db).await?);
    // Set members outside the scope decide GROUP_MOVING and MOVEMENT_SET_BLOCKED too.
    let inside: BTreeSet<Uuid> = rows.iter().map(|r| r.id).collect();
    let outsiders: Vec<Uuid> = sets
        .closure(&inside)
        .into_iter()
        .filter(|p| !inside.contains(p))
        .collect();
    let extra = if outsiders.is_empty() {
        vec![]
    } else {
        facts(db, &Scope::People(outsiders), since, round).await?
    };
    // What each set member contributes: moving on their own, or blocked on their own.
    let mut moving: HashMap<Uuid, bool> = HashMap::new();
    let mut blocked: HashMap<Uuid, bool> = HashMap::new();
    for r in rows.iter().chain(extra.iter()) {
        if sets.of(r.id).is_none() {
            continue;
        }
        let f = to_facts(r);
        let nominated = r.answer == Some(NominationAnswer::Nominate);
        moving.insert(
            r.id,
            !f.own_reasons().is_empty() || nominated || r.platform == Platform::Teams,
        );
        blocked.insert(r.id, !f.own_blockers().is_empty());
    }
    rows.sort_by(|a, b| (&a.search_name, a.id).cmp(&(&b.search_name, b.id)));
    let out = rows
        .into_iter()
        .map(|r| {
            let facts = to_facts(&r);
            let set = sets.of(r.id);
            let context = match set {
                None => SetContext::default(),
                Some(s) => SetContext {
                    in_set: true,
                    others_moving: s
                        .members
                        .iter()
                        .copied()
                        .filter(|m| *m != r.id && moving.get(m).copied().unwrap_or(false))
                        .collect(),
                    others_blocked: s
                        .members
                        .iter()
                        .copied()
                        .filter(|m| *m != r.id && blocked.get(m).copied().unwrap_or(false))
                        .collect(),
                },
            };
            let verdict = eligibility::verdict(&facts, &context);
            Row {
                person_id: r.id,
                username: r.username,
                display_name: r.display_name,
                search_name: r.search_name,
                unit_id: r.unit_id,
                unit_code: r.unit_code,
                unit_kind: r.unit_kind,
                facts,
                verdict,
                set_key: set.map(|s| s.key),
                licensed: r.licences > 0,
                tranche_id: r.tranche_id,
                nomination: r.answer.map(|a| (a, r.late.unwrap_or(false))),
            }
        })
        .collect();
    Ok((out, sets))
}

/// How many rows have each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub eligible: i64,
    pub not_needed: i64,
    pub blocked: i64,
    pub moved: i64,
}

impl StatusCounts {
    /// Counts the rows by their verdict's status.
    pub fn of(rows: &[Row]) -> Self {
        let mut counts = Self::default();
        for r in rows {
            match r.verdict.status {
                Status::Eligible => counts.eligible += 1,
                Status::NotNeeded => counts.not_needed += 1,
                Status::Blocked => counts.blocked += 1,
                Status::Moved => counts.moved += 1,
            }
        }
        counts
    }
}

/// Which rows of the column to keep; every condition left as None keeps everyone.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only these statuses.
    pub status: Option<Vec<Status>>,
    /// Only people with this reason.
    pub reason: Option<Reason>,
    /// Only people with this blocker.
    pub blocker: Option<Blocker>,
    /// Only people with (true) or without (false) a nomination answer.
    pub answered: Option<bool>,
    /// Only people in (true) or outside (false) a movement set.
    pub in_movement_set: Option<bool>,
}

impl Filter {
    /// True when the row meets every condition.
    pub fn keeps(&self, r: &Row) -> bool {
        self.status
            .as_ref()
            .is_none_or(|s| s.contains(&r.verdict.status))
            && self.reason.is_none_or(|x| r.verdict.reasons.contains(&x))
            && self.blocker.is_none_or(|x| r.verdict.blockers.contains(&x))
            && self.answered.is_none_or(|a| r.nomination.is_some() == a)
            && self
                .in_movement_set
                .is_none_or(|m| r.set_key.is_some() == m)
    }
}

/// The column of a scope as a caller reads it: the rows the filter keeps, in directory
/// order, and the counts over the whole scope before the filter.
#[derive(Clone, Debug)]
pub struct Filtered {
    pub rows: Vec<Row>,
    pub counts: StatusCounts,
}

/// [`compute`] for a scope, counted, then narrowed by `filter`.
pub async fn filtered(
    db: &impl ConnectionTrait,
    scope: &Scope,
    since: DateTime<Utc>,
    filter: &Filter,
) -> Result<Filtered, DbErr> {
    let (rows, _) = compute(db, scope, since).await?;
    let counts = StatusCounts::of(&rows);
    let rows = rows.into_iter().filter(|r| filter.keeps(r)).collect();
    Ok(Filtered { rows, counts })
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::BTreeSet;

    use entity::enums::UnitKind;

    use super::*;

    /// A row with the given verdict and placement; plain facts otherwise.
    pub(in crate::services::cutover) fn row(
        id: Uuid,
        status: Status,
        blockers: &[Blocker],
        tranche: Option<Uuid>,
    ) -> Row {
        Row {
            person_id: id,
            username: format!("u{id}"),
            display_name: "Someone".into(),
            search_name: "someone".into(),
            unit_id: Uuid::nil(),
            unit_code: "UNIT".into(),
            unit_kind: UnitKind::Department,
            facts: Facts::plain(id),
            verdict: Verdict {
                status,
                reasons: BTreeSet::new(),
                blockers: blockers.iter().copied().collect(),
                warnings: BTreeSet::new(),
            },
            set_key: None,
            licensed: false,
            tranche_id: tranche,
            nomination: None,
        }
    }

    #[test]
    fn counts_follow_the_statuses() {
        let rows: Vec<Row> = [
            Status::Eligible,
            Status::Eligible,
            Status::NotNeeded,
            Status::Blocked,
            Status::Moved,
            Status::Moved,
            Status::Moved,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, s)| row(Uuid::from_u128(i as u128 + 1), s, &[], None))
        .collect();
        assert_eq!(
            StatusCounts::of(&rows),
            StatusCounts {
                eligible: 2,
                not_needed: 1,
                blocked: 1,
                moved: 3,
            }
        );
    }

    #[test]
    fn the_filter_keeps_rows_meeting_every_condition() {
        let mut answered = row(Uuid::from_u128(1), Status::Eligible, &[], None);
        answered.nomination = Some((NominationAnswer::Nominate, false));
        answered.set_key = Some(Uuid::from_u128(1));
        let blocked = row(
            Uuid::from_u128(2),
            Status::Blocked,
            &[Blocker::CriticalLine],
            None,
        );
        let everyone = Filter::default();
        assert!(everyone.keeps(&answered) && everyone.keeps(&blocked));
        let eligible = Filter {
            status: Some(vec![Status::Eligible, Status::Moved]),
            ..Filter::default()
        };
        assert!(eligible.keeps(&answered) && !eligible.keeps(&blocked));
        let critical = Filter {
            blocker: Some(Blocker::CriticalLine),
            ..Filter::default()
        };
        assert!(!critical.keeps(&answered) && critical.keeps(&blocked));
        let unanswered_alone = Filter {
            answered: Some(false),
            in_movement_set: Some(false),
            ..Filter::default()
        };
        assert!(!unanswered_alone.keeps(&answered) && unanswered_alone.keeps(&blocked));
        let with_reason = Filter {
            reason: Some(Reason::UsesSoftphone),
            ..Filter::default()
        };
        assert!(!with_reason.keeps(&answered));
    }
}

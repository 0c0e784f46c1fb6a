//! A centre's week of opening hours and its closure days (bank holidays and the like).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entity::{cc_closure, cc_opening_hours};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::{Centre, finish, index, lock, refreshed, refusal, refusal_with, refuse};
use crate::error::try_refuse;
use crate::{
    auth::Principal,
    domain::{
        contact_centres::{self as rules, OpeningPeriod},
        groups::GroupRefusal,
    },
    error::{Outcome, UserErrorCode},
};

/// Closure days one change may add or remove: two years of bank holidays need about 20.
pub const MAX_CLOSURES_PER_CHANGE: usize = 400;

/// Longest closure reason, in characters.
pub const MAX_REASON_CHARS: usize = 100;

/// Opening periods in one week.
pub const MAX_PERIODS: usize = 70;

/// The opening hours as words, for the audit trail.
fn hours_words(centre: &Centre) -> serde_json::Value {
    let words: Vec<String> = centre.periods().iter().map(|p| p.to_string()).collect();
    json!({ "version": centre.centre.version, "openingHours": words })
}

/// Replaces the whole week of opening hours. The rule is
/// [`rules::validate_opening_hours`]: weekdays 1–7, each period closing after it opens (00:00
/// closes at midnight), no two periods of one day overlapping; an empty week is always closed.
pub async fn set_opening_hours(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    periods: Vec<OpeningPeriod>,
) -> Outcome<Centre> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    if periods.len() > MAX_PERIODS {
        return Ok(Err(refuse(
            &["input", "hours"],
            UserErrorCode::Invalid,
            format!("a week has at most {MAX_PERIODS} opening periods"),
        )));
    }
    if let Err(e) = rules::validate_opening_hours(&periods) {
        let err = match &e {
            GroupRefusal::InvalidWeekday { index: i, .. } => {
                refusal(&["input", "hours", &index(*i), "weekday"], &e)
            }
            GroupRefusal::InvertedHours { index: i } => {
                refusal(&["input", "hours", &index(*i), "closes"], &e)
            }
            GroupRefusal::OverlappingHours { second, .. } => {
                refusal(&["input", "hours", &index(*second)], &e)
            }
            _ => refusal(&["input", "hours"], &e),
        };
        return Ok(Err(err));
    }
    cc_opening_hours::Entity::delete_many()
        .filter(cc_opening_hours::Column::CentreId.eq(centre_id))
        .exec(&txn)
        .await?;
    if !periods.is_empty() {
        cc_opening_hours::Entity::insert_many(periods.iter().map(|p| {
            cc_opening_hours::ActiveModel {
                id: Set(Uuid::now_v7()),
                centre_id: Set(centre_id),
                weekday: Set(p.weekday),
                opens_at: Set(p.opens),
                closes_at: Set(p.closes),
            }
        }))
        .exec(&txn)
        .await?;
    }
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.set_opening_hours",
        centre_id,
        Some(hours_words(&before)),
        Some(hours_words(&after)),
    )
    .await?;
    Ok(Ok(after))
}

fn closures_json(centre: &Centre) -> serde_json::Value {
    let days: Vec<serde_json::Value> = centre
        .closures
        .iter()
        .map(|c| json!({ "date": c.on_date, "reason": c.reason }))
        .collect();
    json!({ "version": centre.centre.version, "closures": days })
}

/// A closure reason: trimmed, 1 to [`MAX_REASON_CHARS`] characters, no control characters.
fn closure_reason(reason: &str) -> Option<String> {
    let trimmed = reason.trim();
    let chars = trimmed.chars().count();
    (chars > 0 && chars <= MAX_REASON_CHARS && !trimmed.chars().any(char::is_control))
        .then(|| trimmed.to_owned())
}

/// Adds closure days (local dates of the centre, e.g. bank holidays). A date given twice, or
/// one that is already a closure, is refused (DUPLICATE_CLOSURE).
pub async fn add_closures(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    closures: Vec<(NaiveDate, String)>,
) -> Outcome<Centre> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    if closures.is_empty() || closures.len() > MAX_CLOSURES_PER_CHANGE {
        return Ok(Err(refuse(
            &["input", "closures"],
            UserErrorCode::Invalid,
            format!("give 1 to {MAX_CLOSURES_PER_CHANGE} closure days"),
        )));
    }
    let existing: HashMap<NaiveDate, &str> = before
        .closures
        .iter()
        .map(|c| (c.on_date, c.reason.as_str()))
        .collect();
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(closures.len());
    for (i, (date, reason)) in closures.iter().enumerate() {
        let at = index(i);
        if !seen.insert(*date) {
            return Ok(Err(refusal(
                &["input", "closures", &at, "date"],
                &GroupRefusal::DuplicateClosure(*date),
            )));
        }
        if let Some(why) = existing.get(date) {
            let e = GroupRefusal::DuplicateClosure(*date);
            return Ok(Err(refusal_with(
                &["input", "closures", &at, "date"],
                &e,
                format!("{date} is already a closure ({why})"),
            )));
        }
        let Some(reason) = closure_reason(reason) else {
            return Ok(Err(refuse(
                &["input", "closures", &at, "reason"],
                UserErrorCode::Invalid,
                format!("a reason needs 1 to {MAX_REASON_CHARS} characters"),
            )));
        };
        rows.push(cc_closure::ActiveModel {
            id: Set(Uuid::now_v7()),
            centre_id: Set(centre_id),
            on_date: Set(*date),
            reason: Set(reason),
        });
    }
    cc_closure::Entity::insert_many(rows).exec(&txn).await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.add_closures",
        centre_id,
        Some(closures_json(&before)),
        Some(closures_json(&after)),
    )
    .await?;
    Ok(Ok(after))
}

/// Removes closure days. A date given twice is refused (DUPLICATE_CLOSURE), as is one that is
/// not a closure (NOT_A_CLOSURE).
pub async fn remove_closures(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    dates: Vec<NaiveDate>,
) -> Outcome<Centre> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    if dates.is_empty() || dates.len() > MAX_CLOSURES_PER_CHANGE {
        return Ok(Err(refuse(
            &["input", "dates"],
            UserErrorCode::Invalid,
            format!("give 1 to {MAX_CLOSURES_PER_CHANGE} dates"),
        )));
    }
    let existing: HashSet<NaiveDate> = before.closures.iter().map(|c| c.on_date).collect();
    let mut seen = HashSet::new();
    for (i, date) in dates.iter().enumerate() {
        let at = index(i);
        if !seen.insert(*date) {
            return Ok(Err(refusal(
                &["input", "dates", &at],
                &GroupRefusal::DuplicateClosure(*date),
            )));
        }
        if !existing.contains(date) {
            return Ok(Err(refuse(
                &["input", "dates", &at],
                UserErrorCode::NotFound,
                format!("{date} is not a closure of this centre (NOT_A_CLOSURE)"),
            )));
        }
    }
    cc_closure::Entity::delete_many()
        .filter(cc_closure::Column::CentreId.eq(centre_id))
        .filter(cc_closure::Column::OnDate.is_in(dates))
        .exec(&txn)
        .await?;
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.remove_closures",
        centre_id,
        Some(closures_json(&before)),
        Some(closures_json(&after)),
    )
    .await?;
    Ok(Ok(after))
}

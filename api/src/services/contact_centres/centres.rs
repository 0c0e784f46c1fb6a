//! Creating a contact centre and changing the centre itself: name, time zone, out-of-hours
//! destination.

use chrono::Utc;
use entity::{contact_centre, enums::LineKind, hunt_group, line, unit};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{
    Centre, check_destination, finish, load_one, lock, pilot_of, refreshed, refusal, refuse,
};
use crate::error::try_refuse;
use crate::{
    auth::Principal,
    domain::{
        contact_centres as rules,
        groups::{Fallback, validate_name},
    },
    error::{Outcome, UserErrorCode},
    services::audit,
};

/// A new contact centre.
#[derive(Clone, Debug)]
pub struct NewCentre {
    pub unit_id: Uuid,
    pub name: String,
    /// The number callers dial: a shared or critical line that pilots nothing else.
    pub pilot_line_id: Uuid,
    pub time_zone: String,
    pub out_of_hours: Fallback,
}

/// Creates a contact centre (administrators only): no opening hours (so closed) and no queues
/// until they are set.
pub async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewCentre,
) -> Outcome<Centre> {
    if !principal.is_admin() {
        return Ok(Err(refuse(
            &[],
            UserErrorCode::NotAllowed,
            "only administrators create contact centres",
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    if unit::Entity::find_by_id(new.unit_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Ok(Err(refuse(
            &["input", "unitId"],
            UserErrorCode::NotFound,
            "no such unit",
        )));
    }
    let name = try_refuse!(validate_name(&new.name).map_err(|e| refusal(&["input", "name"], &e)));
    let taken = contact_centre::Entity::find()
        .filter(contact_centre::Column::UnitId.eq(new.unit_id))
        .all(&txn)
        .await?
        .iter()
        .any(|c| c.name.to_lowercase() == name.to_lowercase());
    if taken {
        return Ok(Err(refuse(
            &["input", "name"],
            UserErrorCode::Duplicate,
            format!("the unit already has a contact centre called {name:?} (DUPLICATE_NAME)"),
        )));
    }
    let time_zone = try_refuse!(
        rules::parse_time_zone(&new.time_zone).map_err(|e| refusal(&["input", "timeZone"], &e))
    );
    let Some(pilot) = line::Entity::find_by_id(new.pilot_line_id)
        .one(&txn)
        .await?
    else {
        return Ok(Err(refuse(
            &["input", "pilotLineId"],
            UserErrorCode::NotFound,
            "no such line",
        )));
    };
    if pilot.kind == LineKind::Personal {
        return Ok(Err(refuse(
            &["input", "pilotLineId"],
            UserErrorCode::RuleViolation,
            "a personal line belongs to one person: a contact centre's number is a shared or critical line (PILOT_LINE_PERSONAL)",
        )));
    }
    let piloted = contact_centre::Entity::find()
        .filter(contact_centre::Column::PilotLineId.eq(pilot.id))
        .one(&txn)
        .await?
        .is_some()
        || hunt_group::Entity::find()
            .filter(hunt_group::Column::PilotLineId.eq(pilot.id))
            .one(&txn)
            .await?
            .is_some();
    if piloted {
        return Ok(Err(refuse(
            &["input", "pilotLineId"],
            UserErrorCode::Duplicate,
            format!(
                "{} already pilots a contact centre or hunt group (PILOT_LINE_IN_USE)",
                pilot.e164
            ),
        )));
    }
    try_refuse!(
        check_destination(
            &txn,
            principal,
            &new.out_of_hours,
            Some(&pilot),
            &["input", "outOfHours"]
        )
        .await?
    );
    let row = contact_centre::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        unit_id: Set(new.unit_id),
        pilot_line_id: Set(Some(pilot.id)),
        time_zone: Set(time_zone.name().to_owned()),
        out_of_hours_kind: Set(new.out_of_hours.kind()),
        out_of_hours_target: Set(new.out_of_hours.target()),
        created_at: Set(Utc::now()),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    let after = load_one(&txn, row).await?;
    finish(
        txn,
        principal,
        "contact_centre.create",
        after.centre.id,
        None,
        Some(audit::snapshot(&after.centre)),
    )
    .await?;
    Ok(Ok(after))
}

/// Changes to a centre itself; `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct CentreChanges {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub out_of_hours: Option<Fallback>,
}

/// Renames a centre, moves its opening hours to another time zone (the wall-clock hours stay
/// as they are) or changes its out-of-hours destination.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    centre_id: Uuid,
    expected: i32,
    changes: CentreChanges,
) -> Outcome<Centre> {
    let txn = crate::db::begin_write(db).await?;
    let before = try_refuse!(lock(&txn, principal, centre_id, expected, "centreId").await?);
    let mut active: contact_centre::ActiveModel = before.centre.clone().into();
    if let Some(name) = &changes.name {
        let name = try_refuse!(validate_name(name).map_err(|e| refusal(&["input", "name"], &e)));
        let taken = contact_centre::Entity::find()
            .filter(contact_centre::Column::UnitId.eq(before.centre.unit_id))
            .filter(contact_centre::Column::Id.ne(centre_id))
            .all(&txn)
            .await?
            .iter()
            .any(|c| c.name.to_lowercase() == name.to_lowercase());
        if taken {
            return Ok(Err(refuse(
                &["input", "name"],
                UserErrorCode::Duplicate,
                format!("the unit already has a contact centre called {name:?} (DUPLICATE_NAME)"),
            )));
        }
        active.name = Set(name);
    }
    if let Some(tz) = &changes.time_zone {
        let tz = try_refuse!(
            rules::parse_time_zone(tz).map_err(|e| refusal(&["input", "timeZone"], &e))
        );
        active.time_zone = Set(tz.name().to_owned());
    }
    if let Some(fallback) = &changes.out_of_hours {
        let pilot = pilot_of(&txn, &before.centre).await?;
        try_refuse!(
            check_destination(
                &txn,
                principal,
                fallback,
                pilot.as_ref(),
                &["input", "outOfHours"]
            )
            .await?
        );
        active.out_of_hours_kind = Set(fallback.kind());
        active.out_of_hours_target = Set(fallback.target());
    }
    if active.is_changed() {
        active.update(&txn).await?;
    }
    let after = refreshed(&txn, before.clone()).await?;
    finish(
        txn,
        principal,
        "contact_centre.update",
        centre_id,
        Some(audit::snapshot(&before.centre)),
        Some(audit::snapshot(&after.centre)),
    )
    .await?;
    Ok(Ok(after))
}

//! The Chorus upgrade (rule 11): for everyone still on Chorus, softphones and mobile apps
//! stop and a portal-set preferred device falls back to the desk phone. The preview, the
//! run, and the record of the last run.

use std::collections::BTreeSet;

use chrono::Utc;
use entity::{
    device,
    enums::{DeviceKind, DeviceStatus, Platform},
    person,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::cutover::moves::{self as plan_rules, DeviceState, PersonState, UpgradeLoss},
    error::ApiError,
    services::audit::{self, Subject, SubjectKind},
};

/// Everyone still on Chorus who would lose something, in `scope`, by person id.
pub async fn upgrade_preview(
    db: &impl ConnectionTrait,
    units: Option<&[Uuid]>,
) -> Result<Vec<UpgradeLoss>, DbErr> {
    // Who might lose anything: owners of an active softphone or app, and people whose
    // preferred device is not a desk phone.
    let mut query = device::Entity::find()
        .filter(device::Column::Status.eq(DeviceStatus::Active))
        .filter(device::Column::Kind.is_in([DeviceKind::Softphone, DeviceKind::MobileApp]));
    if let Some(units) = units {
        query = query.filter(
            device::Column::OwnerId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(person::Column::Id)
                    .from(person::Entity)
                    .and_where(person::Column::UnitId.is_in(units.to_vec()))
                    .to_owned(),
            ),
        );
    }
    let mut candidates: BTreeSet<Uuid> = query
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.owner_id)
        .collect();
    let mut preferred = person::Entity::find()
        .filter(person::Column::Platform.eq(Platform::Chorus))
        .filter(person::Column::PreferredDeviceId.is_not_null());
    if let Some(units) = units {
        preferred = preferred.filter(person::Column::UnitId.is_in(units.to_vec()));
    }
    let with_preference: Vec<person::Model> = preferred.all(db).await?;
    let pref_devices: Vec<Uuid> = with_preference
        .iter()
        .filter_map(|p| p.preferred_device_id)
        .collect();
    let mut non_desk = BTreeSet::new();
    for chunk in pref_devices.chunks(crate::db::IDS_PER_STATEMENT) {
        non_desk.extend(
            device::Entity::find()
                .filter(device::Column::Id.is_in(chunk.to_vec()))
                .filter(device::Column::Kind.ne(DeviceKind::DeskPhone))
                .all(db)
                .await?
                .into_iter()
                .map(|d| d.id),
        );
    }
    candidates.extend(
        with_preference
            .iter()
            .filter(|p| p.preferred_device_id.is_some_and(|d| non_desk.contains(&d)))
            .map(|p| p.id),
    );
    let candidates: Vec<Uuid> = candidates.into_iter().collect();
    let mut out = Vec::new();
    for chunk in candidates.chunks(crate::db::IDS_PER_STATEMENT) {
        let people = person::Entity::find()
            .filter(person::Column::Id.is_in(chunk.to_vec()))
            .filter(person::Column::Platform.eq(Platform::Chorus))
            .all(db)
            .await?;
        let devices = device::Entity::find()
            .filter(device::Column::OwnerId.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        for p in people {
            let mut mine: Vec<DeviceState> = devices
                .iter()
                .filter(|d| d.owner_id == p.id)
                .map(|d| DeviceState {
                    id: d.id,
                    kind: d.kind,
                    status: d.status,
                })
                .collect();
            mine.sort_by_key(|d| d.id);
            let state = PersonState {
                id: p.id,
                platform: p.platform,
                preferred_device: p.preferred_device_id,
                devices: mine,
                pickup_groups: vec![],
                licensed: false,
                blockers: BTreeSet::new(),
            };
            out.extend(plan_rules::upgrade_loss(&state));
        }
    }
    out.sort_by_key(|l| l.person);
    Ok(out)
}

/// The last run of the Chorus upgrade, if it has run.
pub async fn upgrade_ran(
    db: &impl ConnectionTrait,
) -> Result<Option<entity::chorus_upgrade::Model>, DbErr> {
    use sea_orm::QueryOrder;
    entity::chorus_upgrade::Entity::find()
        .order_by_desc(entity::chorus_upgrade::Column::RanAt)
        .one(db)
        .await
}

/// Runs the upgrade: for everyone still on Chorus, softphones and apps are disabled and a
/// portal-set preferred device falls back to the desk phone. Applied 500 people per
/// transaction, each with an audit event; running it again finds nothing left to change.
/// FORBIDDEN for anyone but administrators; no rule refuses it.
pub async fn run_upgrade(
    db: &DatabaseConnection,
    principal: &Principal,
    dry_run: bool,
) -> Result<Vec<UpgradeLoss>, ApiError> {
    if !principal.is_admin() {
        return Err(ApiError::Forbidden(
            "only administrators run the Chorus upgrade".into(),
        ));
    }
    let losses = upgrade_preview(db, None).await?;
    if dry_run {
        return Ok(losses);
    }
    for chunk in losses.chunks(crate::db::IDS_PER_STATEMENT) {
        let txn = crate::db::begin_write(db).await?;
        let disable: Vec<Uuid> = chunk
            .iter()
            .flat_map(|l| l.disable.iter().map(|(d, _)| *d))
            .collect();
        if !disable.is_empty() {
            device::Entity::update_many()
                .col_expr(device::Column::Status, Expr::value(DeviceStatus::Disabled))
                .col_expr(
                    device::Column::Version,
                    Expr::col(device::Column::Version).add(1),
                )
                .filter(device::Column::Id.is_in(disable))
                .exec(&txn)
                .await?;
        }
        for loss in chunk {
            if let Some((_, desk)) = loss.preferred_reset {
                person::Entity::update_many()
                    .col_expr(person::Column::PreferredDeviceId, Expr::value(desk))
                    .col_expr(
                        person::Column::Version,
                        Expr::col(person::Column::Version).add(1),
                    )
                    .col_expr(person::Column::UpdatedAt, Expr::value(Utc::now()))
                    .filter(person::Column::Id.eq(loss.person))
                    .filter(person::Column::Platform.eq(Platform::Chorus))
                    .exec(&txn)
                    .await?;
            }
            audit::record(
                &txn,
                principal,
                "chorus_upgrade.apply",
                Subject::new(SubjectKind::Person, loss.person),
                Some(audit::snapshot(loss)),
                None,
            )
            .await?;
        }
        txn.commit().await?;
    }
    // From now on softphones and apps cannot come back on Chorus (`domain::devices`).
    let txn = crate::db::begin_write(db).await?;
    let run = entity::chorus_upgrade::ActiveModel {
        id: sea_orm::Set(Uuid::now_v7()),
        ran_at: sea_orm::Set(Utc::now()),
        ran_by: sea_orm::Set(principal.username.clone()),
        people: sea_orm::Set(losses.len() as i32),
        devices: sea_orm::Set(losses.iter().map(|l| l.disable.len() as i32).sum()),
    };
    let run = sea_orm::ActiveModelTrait::insert(run, &txn).await?;
    audit::record(
        &txn,
        principal,
        "chorus_upgrade.run",
        Subject::new(SubjectKind::ChorusUpgrade, run.id),
        None,
        Some(audit::snapshot(&run)),
    )
    .await?;
    txn.commit().await?;
    Ok(losses)
}

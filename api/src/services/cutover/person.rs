//! The move to Teams as it concerns one person: their row of the MS Teams column, the
//! tranche they are placed in, and their countdown e-mails.

use chrono::{DateTime, Utc};
use entity::{notification, person, tranche};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::column::{self, Row, Scope};
use crate::auth::Principal;

/// One person's view of the move.
#[derive(Clone, Debug)]
pub struct PersonView {
    /// Their row of the MS Teams column.
    pub row: Row,
    /// The tranche they are placed in; None when not placed.
    pub tranche: Option<tranche::Model>,
    /// Their countdown e-mails, planned and sent, by due date.
    pub notices: Vec<notification::Model>,
}

/// The view of `person` for the caller: None unless the caller is the person, their
/// coordinator or an administrator (or when the column has no row for them).
pub async fn of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    person: &person::Model,
    since: DateTime<Utc>,
) -> Result<Option<PersonView>, DbErr> {
    if !principal.may_manage_person(person.id, person.unit_id) {
        return Ok(None);
    }
    let (rows, _) = column::compute(db, &Scope::People(vec![person.id]), since).await?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let tranche = match row.tranche_id {
        Some(t) => tranche::Entity::find_by_id(t).one(db).await?,
        None => None,
    };
    let notices = notification::Entity::find()
        .filter(notification::Column::PersonId.eq(person.id))
        .order_by_asc(notification::Column::DueOn)
        .all(db)
        .await?;
    Ok(Some(PersonView {
        row,
        tranche,
        notices,
    }))
}

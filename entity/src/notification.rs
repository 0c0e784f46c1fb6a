//! `notification`: outbox of countdown messages; a sender claims, sends and marks rows.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::NotificationKind;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub tranche_id: Option<Uuid>,
    pub kind: NotificationKind,
    pub due_on: Date,
    /// When a sender claimed the row; a stale claim may be retaken.
    pub claimed_at: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
    #[sea_orm(
        belongs_to = "super::tranche::Entity",
        from = "Column::TrancheId",
        to = "super::tranche::Column::Id",
        on_delete = "Cascade"
    )]
    Tranche,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::tranche::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tranche.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

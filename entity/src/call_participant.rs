//! `call_participant`: one row per person on our side of a call, so a person's call history is one index range.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::CallRole;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "call_participant")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub call_record_id: Uuid,
    pub person_id: Uuid,
    /// Copy of `call_record.started_at`, for keyset order.
    pub started_at: DateTimeUtc,
    pub role: CallRole,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::call_record::Entity",
        from = "Column::CallRecordId",
        to = "super::call_record::Column::Id",
        on_delete = "Cascade"
    )]
    CallRecord,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
}

impl Related<super::call_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CallRecord.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `teleconference`: a scheduled teleconference on a bridge.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ConferenceStatus;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "teleconference")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub title: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// IANA time-zone name the owner scheduled in.
    pub time_zone: String,
    pub bridge: String,
    pub dial_in_number: String,
    /// Participant access code.
    pub access_code: String,
    pub moderator_pin: String,
    /// Bridge ports reserved.
    pub capacity: i32,
    pub status: ConferenceStatus,
    pub created_at: DateTimeUtc,
    /// Optimistic-locking counter, bumped by every update.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::OwnerId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

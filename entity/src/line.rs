//! `line`: a telephone number with its internal extension.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{DiallingPermission, LineKind};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The number in E.164 form, e.g. `+441865270000`.
    #[sea_orm(unique)]
    pub e164: String,
    #[sea_orm(unique)]
    pub extension: String,
    pub kind: LineKind,
    /// Set only for PERSONAL lines.
    pub owner_id: Option<Uuid>,
    pub unit_id: Uuid,
    pub label: Option<String>,
    pub dialling_permission: DiallingPermission,
    pub created_at: DateTimeUtc,
    /// Optimistic-locking counter, bumped by every update.
    pub version: i32,
    /// Until when a released line is held before its number may be given to someone else;
    /// null when it is not held.
    pub quarantined_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::OwnerId",
        to = "super::person::Column::Id",
        on_delete = "SetNull"
    )]
    Person,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id",
        on_delete = "Restrict"
    )]
    Unit,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

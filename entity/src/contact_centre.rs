//! `contact_centre`: a contact centre (always on Chorus) with queues, opening hours and closures.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::FallbackKind;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "contact_centre")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub unit_id: Uuid,
    pub pilot_line_id: Option<Uuid>,
    /// IANA time zone of the opening hours.
    pub time_zone: String,
    pub out_of_hours_kind: FallbackKind,
    /// Number or id, as `out_of_hours_kind` says.
    pub out_of_hours_target: Option<String>,
    pub created_at: DateTimeUtc,
    /// Optimistic-locking counter, bumped by every update.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id",
        on_delete = "Restrict"
    )]
    Unit,
    #[sea_orm(
        belongs_to = "super::line::Entity",
        from = "Column::PilotLineId",
        to = "super::line::Column::Id",
        on_delete = "SetNull"
    )]
    Line,
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::line::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Line.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

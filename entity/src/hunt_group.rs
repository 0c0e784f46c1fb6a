//! `hunt_group`: a hunt group: calls to its pilot line ring its members.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{FallbackKind, HuntStrategy, Platform};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "hunt_group")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub pilot_line_id: Uuid,
    pub unit_id: Uuid,
    pub strategy: HuntStrategy,
    pub platform: Platform,
    pub no_answer_kind: FallbackKind,
    /// Number or id, as `no_answer_kind` says.
    pub no_answer_target: Option<String>,
    pub created_at: DateTimeUtc,
    /// Optimistic-locking counter, bumped by every update.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::line::Entity",
        from = "Column::PilotLineId",
        to = "super::line::Column::Id",
        on_delete = "Restrict"
    )]
    Line,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id",
        on_delete = "Restrict"
    )]
    Unit,
}

impl Related<super::line::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Line.def()
    }
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `cc_queue`: a queue of a contact centre.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::FallbackKind;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "cc_queue")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub centre_id: Uuid,
    pub name: String,
    /// Callers allowed to wait at once before overflow.
    pub max_waiting: i32,
    /// Longest wait before overflow.
    pub max_wait_seconds: i32,
    pub overflow_kind: FallbackKind,
    /// Number or id, as `overflow_kind` says.
    pub overflow_target: Option<String>,
    /// Display order within the centre.
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::contact_centre::Entity",
        from = "Column::CentreId",
        to = "super::contact_centre::Column::Id",
        on_delete = "Cascade"
    )]
    ContactCentre,
}

impl Related<super::contact_centre::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ContactCentre.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

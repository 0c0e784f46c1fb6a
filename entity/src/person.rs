//! `person`: a person with an SSO username and a directory entry.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{DirectoryStatus, Platform};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SSO username.
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    /// Display name folded to lowercase for directory search.
    pub search_name: String,
    pub email: String,
    pub unit_id: Uuid,
    pub job_title: Option<String>,
    pub directory_status: DirectoryStatus,
    pub platform: Platform,
    /// One of the person's active devices. No foreign key: `device` is created after `person`.
    pub preferred_device_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Optimistic-locking counter, bumped by every update.
    pub version: i32,
    /// The person's key in the HR or identity system (an employee number, an Entra object
    /// id); unique where present.
    #[sea_orm(unique)]
    pub external_id: Option<String>,
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
    #[sea_orm(has_many = "super::line::Entity")]
    Line,
    #[sea_orm(has_many = "super::device::Entity")]
    Device,
    #[sea_orm(has_many = "super::role_grant::Entity")]
    RoleGrant,
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

impl Related<super::device::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Device.def()
    }
}

impl Related<super::role_grant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RoleGrant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

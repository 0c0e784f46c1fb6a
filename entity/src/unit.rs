//! `unit`: an organisational unit: college, department, UAS division or other.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{TeamsTenant, UnitKind};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "unit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Short unique code, at most 16 characters.
    #[sea_orm(column_type = "String(StringLen::N(16))", unique)]
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub teams_tenant: TeamsTenant,
    pub created_at: DateTimeUtc,
    /// The unit this one belongs to; null for a top unit. No foreign key (added to an existing
    /// table, which SQLite cannot constrain): the service checks it exists and makes no cycle.
    pub parent_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::person::Entity")]
    Person,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

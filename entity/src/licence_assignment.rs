//! `licence_assignment`: a licence from a pool assigned to a person.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "licence_assignment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub pool_id: Uuid,
    pub person_id: Uuid,
    pub assigned_at: DateTimeUtc,
    /// Username or service name that assigned it.
    pub assigned_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::licence_pool::Entity",
        from = "Column::PoolId",
        to = "super::licence_pool::Column::Id",
        on_delete = "Cascade"
    )]
    LicencePool,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
}

impl Related<super::licence_pool::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LicencePool.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

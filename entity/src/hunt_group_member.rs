//! `hunt_group_member`: a member of a hunt group, in ring order.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "hunt_group_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub person_id: Uuid,
    /// Ring order, ascending.
    pub position: i32,
    pub ring_seconds: i32,
    /// Temporarily not rung.
    pub opted_out: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::hunt_group::Entity",
        from = "Column::GroupId",
        to = "super::hunt_group::Column::Id",
        on_delete = "Cascade"
    )]
    HuntGroup,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
}

impl Related<super::hunt_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::HuntGroup.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

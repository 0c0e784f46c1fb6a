//! `ea_group_member`: a manager or assistant in an executive-assistant group.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::EaRole;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "ea_group_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub person_id: Uuid,
    pub role: EaRole,
    /// For managers: divert non-whitelisted calls to the assistants.
    pub divert_enabled: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::ea_group::Entity",
        from = "Column::GroupId",
        to = "super::ea_group::Column::Id",
        on_delete = "Cascade"
    )]
    EaGroup,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
}

impl Related<super::ea_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EaGroup.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `ea_whitelist_entry`: a caller number that rings a manager directly instead of diverting.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "ea_whitelist_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The manager's group membership.
    pub member_id: Uuid,
    /// E.164 caller number.
    pub number: String,
    pub label: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::ea_group_member::Entity",
        from = "Column::MemberId",
        to = "super::ea_group_member::Column::Id",
        on_delete = "Cascade"
    )]
    EaGroupMember,
}

impl Related<super::ea_group_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EaGroupMember.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

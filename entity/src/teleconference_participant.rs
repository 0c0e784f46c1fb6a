//! `teleconference_participant`: an invited participant: a person or an external number.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ConferenceRole;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "teleconference_participant")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub conference_id: Uuid,
    pub person_id: Option<Uuid>,
    /// Set when the participant is not a person in the directory.
    pub external_number: Option<String>,
    pub role: ConferenceRole,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::teleconference::Entity",
        from = "Column::ConferenceId",
        to = "super::teleconference::Column::Id",
        on_delete = "Cascade"
    )]
    Teleconference,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
}

impl Related<super::teleconference::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Teleconference.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `nomination`: a coordinator's answer for one person in a nomination round.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::NominationAnswer;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "nomination")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub person_id: Uuid,
    /// The person's unit when answered.
    pub unit_id: Uuid,
    pub answer: NominationAnswer,
    /// Username or service name that answered.
    pub answered_by: String,
    pub answered_at: DateTimeUtc,
    /// Answered after the round's deadline.
    pub late: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::nomination_round::Entity",
        from = "Column::RoundId",
        to = "super::nomination_round::Column::Id",
        on_delete = "Cascade"
    )]
    NominationRound,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id",
        on_delete = "Restrict"
    )]
    Unit,
}

impl Related<super::nomination_round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::NominationRound.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

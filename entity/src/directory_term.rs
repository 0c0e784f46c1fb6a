//! `directory_term`: one searchable word of a person, for prefix search by index range.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "directory_term")]
pub struct Model {
    /// The word, folded: lowercase ASCII letters, or digits for numbers.
    #[sea_orm(primary_key, auto_increment = false)]
    pub term: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: Uuid,
    /// 0 for identifiers (username, extension, number), 1 for words of the name.
    pub kind: i16,
    /// Copy of `person.search_name`, the secondary sort key.
    pub search_name: String,
    /// Copy of `person.unit_id`, for the unit filter and coordinators' visibility.
    pub unit_id: Uuid,
    /// Copy of `person.directory_status == LISTED`.
    pub listed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

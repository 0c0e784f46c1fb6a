//! `cc_closure`: a day a contact centre is closed (e.g. a bank holiday).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "cc_closure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub centre_id: Uuid,
    pub on_date: Date,
    pub reason: String,
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

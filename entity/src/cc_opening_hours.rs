//! `cc_opening_hours`: one opening period of a contact centre on a weekday, in the centre's time zone.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "cc_opening_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub centre_id: Uuid,
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    pub opens_at: Time,
    pub closes_at: Time,
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

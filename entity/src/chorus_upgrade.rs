//! `chorus_upgrade`: the Chorus upgrade (rule 11) was run: from then on softphones, the mobile
//! app and portal-set preferred devices no longer work on Chorus.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "chorus_upgrade")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ran_at: DateTimeUtc,
    /// Username of the administrator who ran it.
    pub ran_by: String,
    /// People who lost something.
    pub people: i32,
    /// Devices switched off.
    pub devices: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `licence_pool`: a pool of Telephony-over-Teams licences.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "licence_pool")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    pub capacity: i32,
    /// Number of `licence_assignment` rows, kept in step in the same transaction.
    pub assigned_count: i32,
    pub updated_at: DateTimeUtc,
    /// Optimistic-locking counter, bumped by every update.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `mailbox_settings`: voicemail settings of a line's mailbox (at most one row per line).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "mailbox_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub line_id: Uuid,
    /// PHC-format hash of the mailbox PIN.
    pub pin_hash: Option<String>,
    pub email_attachment: bool,
    pub email_address: Option<String>,
    pub rings_before_voicemail: i32,
    pub greeting_blob_key: Option<String>,
    pub updated_at: DateTimeUtc,
    /// Optimistic-locking counter, bumped by every update.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::line::Entity",
        from = "Column::LineId",
        to = "super::line::Column::Id",
        on_delete = "Cascade"
    )]
    Line,
}

impl Related<super::line::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Line.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

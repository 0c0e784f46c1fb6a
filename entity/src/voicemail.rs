//! `voicemail`: a voicemail message in a line's mailbox, with its stored audio's facts.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::VoicemailState;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "voicemail")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mailbox_line_id: Uuid,
    /// The person the message was left for: the line's owner when it was delivered (None for
    /// a line without an owner). Their mailbox keeps it when the line is reassigned.
    pub recipient_id: Option<Uuid>,
    /// The PBX's id for the message; unique, so ingest is idempotent.
    #[sea_orm(unique)]
    pub pbx_message_id: String,
    pub caller_number: Option<String>,
    pub received_at: DateTimeUtc,
    pub state: VoicemailState,
    /// Key of the audio in the blob store.
    pub blob_key: String,
    pub byte_size: i64,
    /// Hex SHA-256 of the audio bytes.
    pub sha256: String,
    pub container: String,
    pub codec: String,
    /// Samples per second.
    pub sample_rate: i32,
    pub channels: i32,
    pub duration_ms: i64,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::line::Entity",
        from = "Column::MailboxLineId",
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

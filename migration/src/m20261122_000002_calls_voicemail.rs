//! Calls and voicemail: call records, participants, voicemails and mailbox settings.

use sea_orm_migration::{prelude::*, schema::*};

use crate::names::{foreign_key, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("call_record")
                    .col(pk_uuid("id"))
                    .col(text("pbx_call_id"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone_null("answered_at"))
                    .col(timestamp_with_time_zone("ended_at"))
                    .col(string_len("direction", 24))
                    .col(text("from_number"))
                    .col(text("to_number"))
                    .col(boolean("external"))
                    .col(string_len("result", 24))
                    .col(uuid_null("device_id"))
                    .col(uuid_null("caller_person_id"))
                    .col(uuid_null("dialled_person_id"))
                    .col(uuid_null("answered_person_id"))
                    .col(uuid_null("hunt_group_id"))
                    .col(uuid_null("contact_centre_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key(
                        "call_record",
                        "device_id",
                        "device",
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "call_record",
                        "caller_person_id",
                        "person",
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "call_record",
                        "dialled_person_id",
                        "person",
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "call_record",
                        "answered_person_id",
                        "person",
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("call_record", &["pbx_call_id"]))
            .await?;
        manager
            .create_index(index("call_record", &["started_at"]))
            .await?;
        manager
            .create_index(index("call_record", &["hunt_group_id"]))
            .await?;
        manager
            .create_index(index("call_record", &["contact_centre_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("call_participant")
                    .col(pk_uuid("id"))
                    .col(uuid("call_record_id"))
                    .col(uuid("person_id"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(string_len("role", 24))
                    .foreign_key(&mut foreign_key(
                        "call_participant",
                        "call_record_id",
                        "call_record",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "call_participant",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("call_participant", &["call_record_id", "person_id"]))
            .await?;
        manager
            .create_index(index(
                "call_participant",
                &["person_id", "started_at", "call_record_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("voicemail")
                    .col(pk_uuid("id"))
                    .col(uuid("mailbox_line_id"))
                    .col(text("pbx_message_id"))
                    .col(text_null("caller_number"))
                    .col(timestamp_with_time_zone("received_at"))
                    .col(string_len("state", 24))
                    .col(text("blob_key"))
                    .col(big_integer("byte_size"))
                    .col(text("sha256"))
                    .col(text("container"))
                    .col(text("codec"))
                    .col(integer("sample_rate"))
                    .col(integer("channels"))
                    .col(big_integer("duration_ms"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key(
                        "voicemail",
                        "mailbox_line_id",
                        "line",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("voicemail", &["pbx_message_id"]))
            .await?;
        manager
            .create_index(index(
                "voicemail",
                &["mailbox_line_id", "state", "received_at"],
            ))
            .await?;
        manager
            .create_index(index("voicemail", &["mailbox_line_id", "received_at"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("mailbox_settings")
                    .col(pk_uuid("id"))
                    .col(uuid("line_id"))
                    .col(text_null("pin_hash"))
                    .col(boolean("email_attachment"))
                    .col(text_null("email_address"))
                    .col(integer("rings_before_voicemail"))
                    .col(text_null("greeting_blob_key"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(integer("version"))
                    .foreign_key(&mut foreign_key(
                        "mailbox_settings",
                        "line_id",
                        "line",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("mailbox_settings", &["line_id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key points at a dropped table.
        for table in [
            "mailbox_settings",
            "voicemail",
            "call_participant",
            "call_record",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

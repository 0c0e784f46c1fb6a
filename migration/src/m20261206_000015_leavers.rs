//! Leavers: who left and when, and what offboarding did to their telephony.
//!
//! A row per person who left (rule 13). The person row stays (call history, voicemail and the
//! audit trail name them); this row is what stops their sign-in and keeps the consequences
//! that were applied, for the coordinator who mends a group they left broken.

use sea_orm_migration::{prelude::*, schema::*};

use crate::names::foreign_key;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("leaver")
                    .col(pk_uuid("person_id"))
                    .col(timestamp_with_time_zone("left_at"))
                    .col(text("offboarded_by"))
                    .col(json_binary("consequences"))
                    .foreign_key(&mut foreign_key(
                        "leaver",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("leaver").to_owned())
            .await
    }
}

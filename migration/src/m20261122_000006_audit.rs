//! Audit events.

use sea_orm_migration::{prelude::*, schema::*};

use crate::names::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_event")
                    .col(pk_uuid("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string_len("actor_kind", 24))
                    .col(text("actor"))
                    .col(text("action"))
                    .col(text("subject_type"))
                    .col(text("subject_id"))
                    .col(json_binary_null("before"))
                    .col(json_binary_null("after"))
                    .col(text_null("request_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("audit_event", &["subject_type", "subject_id", "at"]))
            .await?;
        manager.create_index(index("audit_event", &["at"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("audit_event").to_owned())
            .await
    }
}

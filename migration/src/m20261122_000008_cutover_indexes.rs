//! Indexes the MS Teams column needs on large tables, and the record of the Chorus upgrade.
//!
//! `idx_call_record_device_id_started_at` covers only outbound external calls: the column
//! asks, per non-desk device, whether such calls were made since the look-back start, and
//! the partial index answers that with a short range scan whatever the size of the history.

use sea_orm_migration::{prelude::*, schema::*};

use crate::names::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_call_record_device_id_started_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                index("call_record", &["device_id", "started_at"])
                    .and_where(Expr::col("direction").eq("OUTBOUND"))
                    .and_where(Expr::col("external").eq(true))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("chorus_upgrade")
                    .col(pk_uuid("id"))
                    .col(timestamp_with_time_zone("ran_at"))
                    .col(text("ran_by"))
                    .col(integer("people"))
                    .col(integer("devices"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("chorus_upgrade").to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name(NAME).table("call_record").to_owned())
            .await
    }
}

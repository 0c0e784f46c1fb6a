//! A released personal line is held for a while before its number goes to someone else.
//!
//! `quarantined_until` is the moment the hold ends; null when the line is not held. Callers
//! who knew the previous holder's number do not reach a stranger the day after a release.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("line")
                    .add_column(
                        ColumnDef::new("quarantined_until")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("line")
                    .drop_column("quarantined_until")
                    .to_owned(),
            )
            .await
    }
}

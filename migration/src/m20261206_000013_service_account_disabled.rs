//! A service account can be disabled: `disabled_at` is when an administrator stopped it (null
//! while it works). The row stays, so the audit trail and the name keep meaning something, and
//! a disabled account's name cannot be reused by a new account.

use sea_orm_migration::{prelude::*, schema::timestamp_with_time_zone_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("service_account")
                    .add_column(timestamp_with_time_zone_null("disabled_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("service_account")
                    .drop_column("disabled_at")
                    .to_owned(),
            )
            .await
    }
}

//! A voicemail belongs to the person it was left for, not to the line it came in on.
//!
//! Messages were found through their mailbox line's current owner, so reassigning a line
//! carried its messages to the new holder (a coordinator who assigned a member's line to
//! themselves could play the member's messages). `recipient_id` is the person who held the
//! line when the message was delivered; lists and access follow it, and the new holder of a
//! line starts with an empty mailbox. Existing rows take their line's owner of today.
//!
//! No foreign key: SQLite cannot add one to an existing table, and a message outlives its
//! recipient's row only until the retention purge.

use sea_orm_migration::prelude::*;

use crate::names::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 3] = ["recipient_id", "received_at", "id"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("voicemail")
                    .add_column(ColumnDef::new("recipient_id").uuid().null())
                    .to_owned(),
            )
            .await?;
        let owner = Query::select()
            .column(("line", "owner_id"))
            .from("line")
            .and_where(Expr::col(("line", "id")).equals(("voicemail", "mailbox_line_id")))
            .to_owned();
        manager
            .exec_stmt(
                Query::update()
                    .table("voicemail")
                    .value(
                        "recipient_id",
                        SimpleExpr::SubQuery(None, Box::new(owner.into_sub_query_statement())),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("voicemail", &COLUMNS)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(format!("idx_voicemail_{}", COLUMNS.join("_")))
                    .table("voicemail")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("voicemail")
                    .drop_column("recipient_id")
                    .to_owned(),
            )
            .await
    }
}

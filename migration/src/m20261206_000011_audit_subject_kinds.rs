//! Audit subject kinds in one spelling.
//!
//! Events were written with `subject_type` "Person" by some mutations and "person" by others
//! (likewise "Line", "Device", "Unit", "Teleconference" and "CallRecordBatch"), so a query of
//! the trail by kind missed rows. The server now writes only the snake_case names of a closed
//! set; this rewrites the older rows to them. `down` leaves the rows as they are: the mixed
//! spelling was a defect, and nothing reads it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The spellings written before, and the one kept.
const RENAMES: [(&str, &str); 6] = [
    ("Person", "person"),
    ("Line", "line"),
    ("Device", "device"),
    ("Unit", "unit"),
    ("Teleconference", "teleconference"),
    ("CallRecordBatch", "call_record_batch"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (old, new) in RENAMES {
            manager
                .exec_stmt(
                    Query::update()
                        .table("audit_event")
                        .value("subject_type", new)
                        .and_where(Expr::col("subject_type").eq(old))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

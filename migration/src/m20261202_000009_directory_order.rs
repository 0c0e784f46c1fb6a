//! The directory search reads each matching term in result order.
//!
//! The search takes each distinct term of the first query word's range in turn, for each
//! term kind, and reads its rows in `(search_name, person_id)` order until a page is full (see
//! `services::directory`). The index of migration 7 sorted `unit_id` and `listed` before
//! `person_id`, so a page boundary inside a run of equal names needed a sort; this one
//! carries the same columns with `person_id` in its place in the order.

use sea_orm_migration::prelude::*;

use crate::names::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: [&str; 6] = [
    "term",
    "kind",
    "search_name",
    "unit_id",
    "listed",
    "person_id",
];
const NEW: [&str; 6] = [
    "term",
    "kind",
    "search_name",
    "person_id",
    "unit_id",
    "listed",
];

fn name(columns: &[&str]) -> String {
    format!("idx_directory_term_{}", columns.join("_"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index("directory_term", &NEW)).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(name(&OLD))
                    .table("directory_term")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index("directory_term", &OLD)).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(name(&NEW))
                    .table("directory_term")
                    .to_owned(),
            )
            .await
    }
}

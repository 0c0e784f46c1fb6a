//! Directory search: one row per searchable word of a person (name words folded to lowercase
//! ASCII, username, extension, number digits). A prefix search is an index range scan
//! (`term >= 'smi' AND term < 'smj'`) on both backends, never a `LIKE '%…%'` scan.
//!
//! Each row also carries the person's sort name, unit and listing, and one index covers
//! `(term, kind, search_name, unit_id, listed, person_id)`: ranking, visibility and the unit
//! filter are answered from the index alone, and only the page's people are read.

use sea_orm_migration::{prelude::*, schema::*};

use crate::names::{foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("directory_term")
                    .col(text("term"))
                    .col(uuid("person_id"))
                    .col(small_integer("kind"))
                    .col(text("search_name"))
                    .col(uuid("unit_id"))
                    .col(boolean("listed"))
                    .primary_key(Index::create().col("term").col("person_id"))
                    .foreign_key(&mut foreign_key(
                        "directory_term",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("directory_term", &["person_id", "term"]))
            .await?;
        manager
            .create_index(index(
                "directory_term",
                &[
                    "term",
                    "kind",
                    "search_name",
                    "unit_id",
                    "listed",
                    "person_id",
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("directory_term").to_owned())
            .await
    }
}

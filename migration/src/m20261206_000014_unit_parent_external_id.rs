//! Units form a tree, and people carry the key of the HR or identity system.
//!
//! `unit.parent_id` is the unit a unit belongs to (a department of a division); null for a
//! top unit. No foreign key: SQLite cannot add one to an existing table, so the service
//! checks that the parent exists and that the tree has no cycle.
//!
//! `person.external_id` is the identity provider's key of the person (an employee number, an
//! Entra object id), unique where present. A plain unique index suffices: SQLite and
//! PostgreSQL both count NULLs as distinct in a unique index, so any number of people may
//! have none.

use sea_orm_migration::prelude::*;

use crate::names::{index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("unit")
                    .add_column(ColumnDef::new("parent_id").uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("unit", &["parent_id", "name"]))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("person")
                    .add_column(ColumnDef::new("external_id").text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("person", &["external_id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("uq_person_external_id")
                    .table("person")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("person")
                    .drop_column("external_id")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_unit_parent_id_name")
                    .table("unit")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("unit")
                    .drop_column("parent_id")
                    .to_owned(),
            )
            .await
    }
}

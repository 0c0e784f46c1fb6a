//! Cutover to Teams: licences, nominations, tranches and the notification outbox.

use sea_orm_migration::{prelude::*, schema::*};

use crate::names::{foreign_key, index, unique, unique_where_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("licence_pool")
                    .col(pk_uuid("id"))
                    .col(text("name"))
                    .col(integer("capacity"))
                    .col(integer("assigned_count"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(integer("version"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("licence_pool", &["name"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("licence_assignment")
                    .col(pk_uuid("id"))
                    .col(uuid("pool_id"))
                    .col(uuid("person_id"))
                    .col(timestamp_with_time_zone("assigned_at"))
                    .col(text("assigned_by"))
                    .foreign_key(&mut foreign_key(
                        "licence_assignment",
                        "pool_id",
                        "licence_pool",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "licence_assignment",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("licence_assignment", &["pool_id", "person_id"]))
            .await?;
        manager
            .create_index(index("licence_assignment", &["person_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("nomination_round")
                    .col(pk_uuid("id"))
                    .col(text("name"))
                    .col(timestamp_with_time_zone("deadline"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("nomination")
                    .col(pk_uuid("id"))
                    .col(uuid("round_id"))
                    .col(uuid("person_id"))
                    .col(uuid("unit_id"))
                    .col(string_len("answer", 24))
                    .col(text("answered_by"))
                    .col(timestamp_with_time_zone("answered_at"))
                    .col(boolean("late"))
                    .foreign_key(&mut foreign_key(
                        "nomination",
                        "round_id",
                        "nomination_round",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "nomination",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "nomination",
                        "unit_id",
                        "unit",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("nomination", &["round_id", "person_id"]))
            .await?;
        manager
            .create_index(index("nomination", &["unit_id"]))
            .await?;
        manager
            .create_index(index("nomination", &["person_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("tranche")
                    .col(pk_uuid("id"))
                    .col(integer("number"))
                    .col(text("name"))
                    .col(string_len("cohort", 24))
                    .col(date("move_date"))
                    .col(integer("capacity"))
                    .col(string_len("state", 24))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("version"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(unique("tranche", &["number"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("tranche_member")
                    .col(pk_uuid("id"))
                    .col(uuid("tranche_id"))
                    .col(uuid("person_id"))
                    .col(timestamp_with_time_zone("added_at"))
                    .foreign_key(&mut foreign_key(
                        "tranche_member",
                        "tranche_id",
                        "tranche",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "tranche_member",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("tranche_member", &["person_id"]))
            .await?;
        manager
            .create_index(index("tranche_member", &["tranche_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("notification")
                    .col(pk_uuid("id"))
                    .col(uuid("person_id"))
                    .col(uuid_null("tranche_id"))
                    .col(string_len("kind", 24))
                    .col(date("due_on"))
                    .col(timestamp_with_time_zone_null("claimed_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .col(json_binary("payload"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key(
                        "notification",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "notification",
                        "tranche_id",
                        "tranche",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("notification", &["person_id", "tranche_id", "kind"]))
            .await?;
        // NULLs are distinct in a unique index on both backends: cover rows whose `tranche_id` is null.
        manager
            .create_index(unique_where_null(
                "notification",
                &["person_id", "kind"],
                "tranche_id",
            ))
            .await?;
        manager
            .create_index(index("notification", &["sent_at", "due_on"]))
            .await?;
        manager
            .create_index(index("notification", &["tranche_id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key points at a dropped table.
        for table in [
            "notification",
            "tranche_member",
            "tranche",
            "nomination",
            "nomination_round",
            "licence_assignment",
            "licence_pool",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! Contact centres: queues, agents, opening hours and closures.

use sea_orm_migration::{prelude::*, schema::*};

use crate::names::{foreign_key, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("contact_centre")
                    .col(pk_uuid("id"))
                    .col(text("name"))
                    .col(uuid("unit_id"))
                    .col(uuid_null("pilot_line_id"))
                    .col(text("time_zone").default("Europe/London").take())
                    .col(string_len("out_of_hours_kind", 24))
                    .col(text_null("out_of_hours_target"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("version"))
                    .foreign_key(&mut foreign_key(
                        "contact_centre",
                        "unit_id",
                        "unit",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        "contact_centre",
                        "pilot_line_id",
                        "line",
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("contact_centre", &["unit_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("cc_queue")
                    .col(pk_uuid("id"))
                    .col(uuid("centre_id"))
                    .col(text("name"))
                    .col(integer("max_waiting"))
                    .col(integer("max_wait_seconds"))
                    .col(string_len("overflow_kind", 24))
                    .col(text_null("overflow_target"))
                    .col(integer("position"))
                    .foreign_key(&mut foreign_key(
                        "cc_queue",
                        "centre_id",
                        "contact_centre",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("cc_queue", &["centre_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("cc_agent")
                    .col(pk_uuid("id"))
                    .col(uuid("queue_id"))
                    .col(uuid("person_id"))
                    .foreign_key(&mut foreign_key(
                        "cc_agent",
                        "queue_id",
                        "cc_queue",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "cc_agent",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("cc_agent", &["queue_id", "person_id"]))
            .await?;
        manager
            .create_index(index("cc_agent", &["person_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("cc_opening_hours")
                    .col(pk_uuid("id"))
                    .col(uuid("centre_id"))
                    .col(small_integer("weekday"))
                    .col(time("opens_at"))
                    .col(time("closes_at"))
                    .foreign_key(&mut foreign_key(
                        "cc_opening_hours",
                        "centre_id",
                        "contact_centre",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("cc_opening_hours", &["centre_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("cc_closure")
                    .col(pk_uuid("id"))
                    .col(uuid("centre_id"))
                    .col(date("on_date"))
                    .col(text("reason"))
                    .foreign_key(&mut foreign_key(
                        "cc_closure",
                        "centre_id",
                        "contact_centre",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("cc_closure", &["centre_id", "on_date"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key points at a dropped table.
        for table in [
            "cc_closure",
            "cc_opening_hours",
            "cc_agent",
            "cc_queue",
            "contact_centre",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

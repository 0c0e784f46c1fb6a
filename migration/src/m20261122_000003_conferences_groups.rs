//! Teleconferences and call groups: hunt, pickup and executive-assistant groups.

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
                    .table("teleconference")
                    .col(pk_uuid("id"))
                    .col(uuid("owner_id"))
                    .col(text("title"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(text("time_zone"))
                    .col(text("bridge"))
                    .col(text("dial_in_number"))
                    .col(text("access_code"))
                    .col(text("moderator_pin"))
                    .col(integer("capacity"))
                    .col(string_len("status", 24))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("version"))
                    .foreign_key(&mut foreign_key(
                        "teleconference",
                        "owner_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("teleconference", &["owner_id", "starts_at"]))
            .await?;
        manager
            .create_index(index("teleconference", &["bridge", "starts_at"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("teleconference_participant")
                    .col(pk_uuid("id"))
                    .col(uuid("conference_id"))
                    .col(uuid_null("person_id"))
                    .col(text_null("external_number"))
                    .col(string_len("role", 24))
                    .foreign_key(&mut foreign_key(
                        "teleconference_participant",
                        "conference_id",
                        "teleconference",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "teleconference_participant",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("teleconference_participant", &["conference_id"]))
            .await?;
        manager
            .create_index(index("teleconference_participant", &["person_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("hunt_group")
                    .col(pk_uuid("id"))
                    .col(text("name"))
                    .col(uuid("pilot_line_id"))
                    .col(uuid("unit_id"))
                    .col(string_len("strategy", 24))
                    .col(string_len("platform", 24))
                    .col(string_len("no_answer_kind", 24))
                    .col(text_null("no_answer_target"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("version"))
                    .foreign_key(&mut foreign_key(
                        "hunt_group",
                        "pilot_line_id",
                        "line",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        "hunt_group",
                        "unit_id",
                        "unit",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("hunt_group", &["pilot_line_id"]))
            .await?;
        manager
            .create_index(index("hunt_group", &["unit_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("hunt_group_member")
                    .col(pk_uuid("id"))
                    .col(uuid("group_id"))
                    .col(uuid("person_id"))
                    .col(integer("position"))
                    .col(integer("ring_seconds"))
                    .col(boolean("opted_out"))
                    .foreign_key(&mut foreign_key(
                        "hunt_group_member",
                        "group_id",
                        "hunt_group",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "hunt_group_member",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("hunt_group_member", &["group_id", "person_id"]))
            .await?;
        manager
            .create_index(index("hunt_group_member", &["person_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("pickup_group")
                    .col(pk_uuid("id"))
                    .col(text("name"))
                    .col(uuid("unit_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("version"))
                    .foreign_key(&mut foreign_key(
                        "pickup_group",
                        "unit_id",
                        "unit",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("pickup_group", &["unit_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("pickup_group_member")
                    .col(pk_uuid("id"))
                    .col(uuid("group_id"))
                    .col(uuid("person_id"))
                    .foreign_key(&mut foreign_key(
                        "pickup_group_member",
                        "group_id",
                        "pickup_group",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "pickup_group_member",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("pickup_group_member", &["group_id", "person_id"]))
            .await?;
        manager
            .create_index(index("pickup_group_member", &["person_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("ea_group")
                    .col(pk_uuid("id"))
                    .col(text("name"))
                    .col(uuid("unit_id"))
                    .col(string_len("platform", 24))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("version"))
                    .foreign_key(&mut foreign_key(
                        "ea_group",
                        "unit_id",
                        "unit",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ea_group", &["unit_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("ea_group_member")
                    .col(pk_uuid("id"))
                    .col(uuid("group_id"))
                    .col(uuid("person_id"))
                    .col(string_len("role", 24))
                    .col(boolean("divert_enabled"))
                    .foreign_key(&mut foreign_key(
                        "ea_group_member",
                        "group_id",
                        "ea_group",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "ea_group_member",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("ea_group_member", &["group_id", "person_id"]))
            .await?;
        manager
            .create_index(index("ea_group_member", &["person_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("ea_whitelist_entry")
                    .col(pk_uuid("id"))
                    .col(uuid("member_id"))
                    .col(text("number"))
                    .col(text_null("label"))
                    .foreign_key(&mut foreign_key(
                        "ea_whitelist_entry",
                        "member_id",
                        "ea_group_member",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("ea_whitelist_entry", &["member_id", "number"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key points at a dropped table.
        for table in [
            "ea_whitelist_entry",
            "ea_group_member",
            "ea_group",
            "pickup_group_member",
            "pickup_group",
            "hunt_group_member",
            "hunt_group",
            "teleconference_participant",
            "teleconference",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

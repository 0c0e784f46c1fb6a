//! Directory: units, people, role grants, service accounts, lines and devices.

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
                    .table("unit")
                    .col(pk_uuid("id"))
                    .col(string_len("code", 16))
                    .col(text("name"))
                    .col(string_len("kind", 24))
                    .col(string_len("teams_tenant", 24))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(unique("unit", &["code"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("person")
                    .col(pk_uuid("id"))
                    .col(text("username"))
                    .col(text("display_name"))
                    .col(text("search_name"))
                    .col(text("email"))
                    .col(uuid("unit_id"))
                    .col(text_null("job_title"))
                    .col(string_len("directory_status", 24))
                    .col(string_len("platform", 24))
                    .col(uuid_null("preferred_device_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(integer("version"))
                    .foreign_key(&mut foreign_key(
                        "person",
                        "unit_id",
                        "unit",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("person", &["username"]))
            .await?;
        manager
            .create_index(index("person", &["search_name"]))
            .await?;
        manager
            .create_index(index("person", &["unit_id", "search_name"]))
            .await?;
        manager
            .create_index(index("person", &["preferred_device_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("role_grant")
                    .col(pk_uuid("id"))
                    .col(uuid("person_id"))
                    .col(string_len("role", 24))
                    .col(uuid_null("unit_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut foreign_key(
                        "role_grant",
                        "person_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "role_grant",
                        "unit_id",
                        "unit",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("role_grant", &["person_id", "role", "unit_id"]))
            .await?;
        // NULLs are distinct in a unique index on both backends: cover rows whose `unit_id` is null.
        manager
            .create_index(unique_where_null(
                "role_grant",
                &["person_id", "role"],
                "unit_id",
            ))
            .await?;
        manager
            .create_index(index("role_grant", &["unit_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("service_account")
                    .col(pk_uuid("id"))
                    .col(text("name"))
                    .col(text("display_name"))
                    .col(text("scopes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("service_account", &["name"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("line")
                    .col(pk_uuid("id"))
                    .col(text("e164"))
                    .col(text("extension"))
                    .col(string_len("kind", 24))
                    .col(uuid_null("owner_id"))
                    .col(uuid("unit_id"))
                    .col(text_null("label"))
                    .col(string_len("dialling_permission", 24))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("version"))
                    .foreign_key(&mut foreign_key(
                        "line",
                        "owner_id",
                        "person",
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "line",
                        "unit_id",
                        "unit",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(unique("line", &["e164"])).await?;
        manager.create_index(unique("line", &["extension"])).await?;
        manager.create_index(index("line", &["owner_id"])).await?;
        manager.create_index(index("line", &["unit_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("device")
                    .col(pk_uuid("id"))
                    .col(string_len("kind", 24))
                    .col(text("label"))
                    .col(text_null("model"))
                    .col(uuid("owner_id"))
                    .col(uuid_null("line_id"))
                    .col(string_len("status", 24))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("version"))
                    .foreign_key(&mut foreign_key(
                        "device",
                        "owner_id",
                        "person",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "device",
                        "line_id",
                        "line",
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("device", &["owner_id"])).await?;
        manager.create_index(index("device", &["line_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children first, so no foreign key points at a dropped table.
        for table in [
            "device",
            "line",
            "service_account",
            "role_grant",
            "person",
            "unit",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! `call_record`: one call as reported by the PBX.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{CallDirection, CallResult};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, DeriveEntityModel)]
#[sea_orm(table_name = "call_record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The PBX's id for the call; unique, so ingest is idempotent.
    #[sea_orm(unique)]
    pub pbx_call_id: String,
    pub started_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub ended_at: DateTimeUtc,
    pub direction: CallDirection,
    pub from_number: String,
    pub to_number: String,
    /// Whether the far end is outside the university.
    pub external: bool,
    pub result: CallResult,
    pub device_id: Option<Uuid>,
    pub caller_person_id: Option<Uuid>,
    pub dialled_person_id: Option<Uuid>,
    pub answered_person_id: Option<Uuid>,
    /// The hunt group that routed the call. No foreign key: `hunt_group` is created later.
    pub hunt_group_id: Option<Uuid>,
    /// The contact centre that routed the call. No foreign key: `contact_centre` is created later.
    pub contact_centre_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::device::Entity",
        from = "Column::DeviceId",
        to = "super::device::Column::Id",
        on_delete = "SetNull"
    )]
    Device,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::CallerPersonId",
        to = "super::person::Column::Id",
        on_delete = "SetNull"
    )]
    CallerPerson,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::DialledPersonId",
        to = "super::person::Column::Id",
        on_delete = "SetNull"
    )]
    DialledPerson,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::AnsweredPersonId",
        to = "super::person::Column::Id",
        on_delete = "SetNull"
    )]
    AnsweredPerson,
}

impl Related<super::device::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Device.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

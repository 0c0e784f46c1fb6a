//! Every enum stored in the database, as an UPPER_SNAKE string of at most 24 characters.
//!
//! Serde uses the same spelling as the database, so audit before/after JSON matches the rows.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What kind of organisational unit a [`unit`](crate::unit) is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnitKind {
    #[sea_orm(string_value = "COLLEGE")]
    College,
    #[sea_orm(string_value = "DEPARTMENT")]
    Department,
    /// A division of University Administration and Services.
    #[sea_orm(string_value = "UAS_DIVISION")]
    UasDivision,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Which Microsoft Teams tenant a unit belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TeamsTenant {
    #[sea_orm(string_value = "MAIN")]
    Main,
    /// A separate Teams instance: the unit's lines cannot move to Teams.
    #[sea_orm(string_value = "SEPARATE")]
    Separate,
}

/// Whether a person appears in directory search.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DirectoryStatus {
    #[sea_orm(string_value = "LISTED")]
    Listed,
    #[sea_orm(string_value = "EX_DIRECTORY")]
    ExDirectory,
}

/// The telephony platform a person or group is on: never both.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Platform {
    #[sea_orm(string_value = "CHORUS")]
    Chorus,
    #[sea_orm(string_value = "TEAMS")]
    Teams,
}

/// A role granted to a person beyond the default user role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GrantedRole {
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    /// Telephone coordinator of one unit (`role_grant.unit_id` is set).
    #[sea_orm(string_value = "COORDINATOR")]
    Coordinator,
}

/// What a line (telephone number) is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LineKind {
    /// Owned by one person (`line.owner_id` is set).
    #[sea_orm(string_value = "PERSONAL")]
    Personal,
    #[sea_orm(string_value = "SHARED")]
    Shared,
    #[sea_orm(string_value = "CRITICAL")]
    Critical,
}

/// How far a line may dial out.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DiallingPermission {
    #[sea_orm(string_value = "INTERNAL")]
    Internal,
    #[sea_orm(string_value = "LOCAL")]
    Local,
    #[sea_orm(string_value = "NATIONAL")]
    National,
    #[sea_orm(string_value = "INTERNATIONAL")]
    International,
}

/// Kind of endpoint a device is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceKind {
    #[sea_orm(string_value = "DESK_PHONE")]
    DeskPhone,
    #[sea_orm(string_value = "SOFTPHONE")]
    Softphone,
    /// OpenScape Mobile.
    #[sea_orm(string_value = "MOBILE_APP")]
    MobileApp,
    #[sea_orm(string_value = "TEAMS_CLIENT")]
    TeamsClient,
}

/// Whether a device can be used.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeviceStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "DISABLED")]
    Disabled,
    /// Out of service for good (`retireDevice`); kept for the call history that names it.
    #[sea_orm(string_value = "RETIRED")]
    Retired,
}

/// Direction of a call as seen from the university.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallDirection {
    #[sea_orm(string_value = "INBOUND")]
    Inbound,
    #[sea_orm(string_value = "OUTBOUND")]
    Outbound,
    #[sea_orm(string_value = "INTERNAL")]
    Internal,
}

/// How a call ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallResult {
    #[sea_orm(string_value = "ANSWERED")]
    Answered,
    #[sea_orm(string_value = "MISSED")]
    Missed,
    #[sea_orm(string_value = "VOICEMAIL")]
    Voicemail,
    #[sea_orm(string_value = "BUSY")]
    Busy,
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// The part a person played in a call.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallRole {
    #[sea_orm(string_value = "CALLER")]
    Caller,
    #[sea_orm(string_value = "DIALLED")]
    Dialled,
    #[sea_orm(string_value = "ANSWERED")]
    Answered,
}

/// Lifecycle of a voicemail message.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VoicemailState {
    #[sea_orm(string_value = "NEW")]
    New,
    #[sea_orm(string_value = "READ")]
    Read,
    #[sea_orm(string_value = "SAVED")]
    Saved,
    #[sea_orm(string_value = "DELETED")]
    Deleted,
}

/// Whether a teleconference still takes place.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConferenceStatus {
    #[sea_orm(string_value = "SCHEDULED")]
    Scheduled,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// The part a participant plays in a teleconference.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConferenceRole {
    #[sea_orm(string_value = "MODERATOR")]
    Moderator,
    #[sea_orm(string_value = "PARTICIPANT")]
    Participant,
}

/// How a hunt group rings its members.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HuntStrategy {
    /// One phone after another until someone answers.
    #[sea_orm(string_value = "SEQUENTIAL")]
    Sequential,
    /// All phones at once.
    #[sea_orm(string_value = "SIMULTANEOUS")]
    Simultaneous,
}

/// Where an unanswered, out-of-hours or overflowing call goes; the target column says which one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FallbackKind {
    /// Nowhere: the call is released.
    #[sea_orm(string_value = "NONE")]
    None,
    #[sea_orm(string_value = "VOICEMAIL")]
    Voicemail,
    /// An E.164 number in the target column.
    #[sea_orm(string_value = "NUMBER")]
    Number,
    /// A hunt group id in the target column.
    #[sea_orm(string_value = "HUNT_GROUP")]
    HuntGroup,
    /// A person id in the target column.
    #[sea_orm(string_value = "PERSON")]
    Person,
}

/// The part a member plays in an executive-assistant group.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EaRole {
    #[sea_orm(string_value = "MANAGER")]
    Manager,
    #[sea_orm(string_value = "ASSISTANT")]
    Assistant,
}

/// A coordinator's answer for a person in a nomination round.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NominationAnswer {
    #[sea_orm(string_value = "NOMINATE")]
    Nominate,
    #[sea_orm(string_value = "DECLINE")]
    Decline,
}

/// The cohort a move tranche belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Cohort {
    #[sea_orm(string_value = "PILOT")]
    Pilot,
    #[sea_orm(string_value = "COLLEGE")]
    College,
    #[sea_orm(string_value = "UAS")]
    Uas,
    #[sea_orm(string_value = "DEPARTMENTAL")]
    Departmental,
    #[sea_orm(string_value = "LATE")]
    Late,
}

/// Lifecycle of a move tranche.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TrancheState {
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    /// Membership is fixed; the move has not started.
    #[sea_orm(string_value = "FROZEN")]
    Frozen,
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    #[sea_orm(string_value = "DONE")]
    Done,
}

/// Which countdown message a notification is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    #[sea_orm(string_value = "COUNTDOWN_3_WEEKS")]
    #[serde(rename = "COUNTDOWN_3_WEEKS")]
    Countdown3Weeks,
    #[sea_orm(string_value = "COUNTDOWN_1_WEEK")]
    #[serde(rename = "COUNTDOWN_1_WEEK")]
    Countdown1Week,
    #[sea_orm(string_value = "COUNTDOWN_DAY_BEFORE")]
    CountdownDayBefore,
}

/// Who performed an audited action.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActorKind {
    #[sea_orm(string_value = "PERSON")]
    Person,
    /// An automation service account.
    #[sea_orm(string_value = "SERVICE")]
    Service,
    #[sea_orm(string_value = "SYSTEM")]
    System,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serde and the database must spell every variant the same way, within the column width.
    fn assert_spellings_agree<E>()
    where
        E: ActiveEnum<Value = String> + sea_orm::Iterable + Serialize + std::fmt::Debug,
    {
        for variant in E::iter() {
            let stored = variant.to_value();
            assert!(stored.len() <= 24, "{variant:?} is longer than the column");
            assert_eq!(
                serde_json::to_value(&variant).ok(),
                Some(serde_json::Value::String(stored)),
                "{variant:?}"
            );
        }
    }

    #[test]
    fn serde_and_database_spell_every_variant_alike() {
        assert_spellings_agree::<UnitKind>();
        assert_spellings_agree::<TeamsTenant>();
        assert_spellings_agree::<DirectoryStatus>();
        assert_spellings_agree::<Platform>();
        assert_spellings_agree::<GrantedRole>();
        assert_spellings_agree::<LineKind>();
        assert_spellings_agree::<DiallingPermission>();
        assert_spellings_agree::<DeviceKind>();
        assert_spellings_agree::<DeviceStatus>();
        assert_spellings_agree::<CallDirection>();
        assert_spellings_agree::<CallResult>();
        assert_spellings_agree::<CallRole>();
        assert_spellings_agree::<VoicemailState>();
        assert_spellings_agree::<ConferenceStatus>();
        assert_spellings_agree::<ConferenceRole>();
        assert_spellings_agree::<HuntStrategy>();
        assert_spellings_agree::<FallbackKind>();
        assert_spellings_agree::<EaRole>();
        assert_spellings_agree::<NominationAnswer>();
        assert_spellings_agree::<Cohort>();
        assert_spellings_agree::<TrancheState>();
        assert_spellings_agree::<NotificationKind>();
        assert_spellings_agree::<ActorKind>();
    }
}

//! Where an unanswered call goes: the no-answer destination of hunt groups (and of contact
//! centres), as shown and as set.

use async_graphql::{InputObject, SimpleObject};
use entity::enums as db;

use crate::graphql::enums::mirror_enum;
use uuid::Uuid;

use crate::{
    domain::groups::Fallback,
    graphql::{
        errors::{UserError, UserErrorCode},
        node::{NodeType, decode, encode},
    },
    services::groups::refusal,
};

mirror_enum! {
    /// Where an unanswered call goes.
    DestinationKind <=> db::FallbackKind {
        /// Nowhere: the caller hears the number ring out or busy.
        None,
        /// The group's (or person's) voicemail.
        Voicemail,
        /// A telephone number (`target` in E.164).
        Number,
        /// Another hunt group (`target` its ID).
        HuntGroup,
        /// A person (`target` their ID).
        Person,
    }
}

/// A no-answer destination.
#[derive(SimpleObject, Clone, Debug)]
pub struct Destination {
    /// What kind of destination.
    pub kind: DestinationKind,
    /// The number (E.164) or the global ID of the group or person; null for NONE and VOICEMAIL.
    pub target: Option<String>,
}

impl Destination {
    /// A stored destination, its group or person target as a global ID.
    pub(super) fn of(kind: db::FallbackKind, target: Option<&str>) -> Self {
        let target = match (kind, target) {
            (db::FallbackKind::HuntGroup, Some(t)) => Uuid::parse_str(t)
                .map(|id| encode(NodeType::HuntGroup, id).0)
                .ok(),
            (db::FallbackKind::Person, Some(t)) => Uuid::parse_str(t)
                .map(|id| encode(NodeType::Person, id).0)
                .ok(),
            (_, t) => t.map(str::to_owned),
        };
        Self {
            kind: kind.into(),
            target,
        }
    }
}

/// A no-answer destination to set.
#[derive(InputObject)]
pub struct DestinationInput {
    /// What kind of destination.
    pub kind: DestinationKind,
    /// For NUMBER a number in any spelling; for HUNT_GROUP and PERSON a global ID.
    pub target: Option<String>,
}

impl DestinationInput {
    /// The destination as the rules know it; a user error on `input.noAnswer` when the
    /// target does not fit the kind.
    pub(super) fn into_fallback(self) -> Result<Fallback, UserError> {
        let field = ["input", "noAnswer"];
        let invalid = |m: &str| UserError::new(&field, UserErrorCode::Invalid, m);
        let target = self
            .target
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match (self.kind, target) {
            (DestinationKind::None, None) => Ok(Fallback::None),
            (DestinationKind::Voicemail, None) => Ok(Fallback::Voicemail),
            (DestinationKind::None | DestinationKind::Voicemail, Some(_)) => {
                Err(invalid("NONE and VOICEMAIL take no target"))
            }
            (DestinationKind::Number, Some(t)) => {
                Fallback::number(t).map_err(|e| refusal(&field, &e))
            }
            (DestinationKind::HuntGroup, Some(t)) => decode(NodeType::HuntGroup, t)
                .map(Fallback::HuntGroup)
                .map_err(|_| invalid("the target is not a HuntGroup ID")),
            (DestinationKind::Person, Some(t)) => decode(NodeType::Person, t)
                .map(Fallback::Person)
                .map_err(|_| invalid("the target is not a Person ID")),
            (_, None) => Err(invalid("this destination needs a target")),
        }
    }
}

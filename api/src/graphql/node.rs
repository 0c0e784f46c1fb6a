//! Opaque global IDs and the Relay `Node` interface.
//!
//! A global ID is URL-safe base64 (no padding) of `v1:<Type>:<uuid>`. The version prefix lets
//! the format change later; clients must not decode IDs.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use super::errors::ApiError;
use crate::domain::text::Quoted;

/// The object types that have global IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    Unit,
    Person,
    Line,
    Device,
    CallRecord,
    Voicemail,
    Teleconference,
    HuntGroup,
    PickupGroup,
    EaGroup,
    ContactCentre,
    Queue,
    Tranche,
    NominationRound,
    ServiceAccount,
}

impl NodeType {
    const ALL: [NodeType; 15] = [
        Self::Unit,
        Self::Person,
        Self::Line,
        Self::Device,
        Self::CallRecord,
        Self::Voicemail,
        Self::Teleconference,
        Self::HuntGroup,
        Self::PickupGroup,
        Self::EaGroup,
        Self::ContactCentre,
        Self::Queue,
        Self::Tranche,
        Self::NominationRound,
        Self::ServiceAccount,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Unit => "Unit",
            Self::Person => "Person",
            Self::Line => "Line",
            Self::Device => "Device",
            Self::CallRecord => "CallRecord",
            Self::Voicemail => "Voicemail",
            Self::Teleconference => "Teleconference",
            Self::HuntGroup => "HuntGroup",
            Self::PickupGroup => "PickupGroup",
            Self::EaGroup => "EaGroup",
            Self::ContactCentre => "ContactCentre",
            Self::Queue => "ContactCentreQueue",
            Self::Tranche => "Tranche",
            Self::NominationRound => "NominationRound",
            Self::ServiceAccount => "ServiceAccount",
        }
    }
}

/// Encodes a global ID.
pub fn encode(ty: NodeType, id: Uuid) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("v1:{}:{}", ty.name(), id)))
}

/// Decodes any global ID into its type and database id.
pub fn decode_any(id: &str) -> Result<(NodeType, Uuid), ApiError> {
    let bad = || ApiError::BadUserInput(format!("{} is not a valid ID", Quoted::new(id)));
    let bytes = URL_SAFE_NO_PAD.decode(id.as_bytes()).map_err(|_| bad())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
    let mut parts = text.splitn(3, ':');
    let (Some("v1"), Some(ty), Some(uuid)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let ty = NodeType::ALL
        .into_iter()
        .find(|t| t.name() == ty)
        .ok_or_else(bad)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| bad())?;
    Ok((ty, uuid))
}

/// Decodes a global ID that must be of the given type.
pub fn decode(expected: NodeType, id: &str) -> Result<Uuid, ApiError> {
    match decode_any(id)? {
        (ty, uuid) if ty == expected => Ok(uuid),
        _ => Err(ApiError::BadUserInput(format!(
            "{} is not a {} ID",
            Quoted::new(id),
            expected.name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_type() {
        let uuid = Uuid::now_v7();
        let id = encode(NodeType::Person, uuid);
        assert_eq!(decode_any(&id).expect("valid"), (NodeType::Person, uuid));
        assert_eq!(decode(NodeType::Person, &id).expect("valid"), uuid);
        assert!(
            decode(NodeType::Unit, &id).is_err(),
            "a person id is not a unit id"
        );
    }

    #[test]
    fn garbage_is_bad_user_input_not_a_panic() {
        for input in [
            "",
            "!!!",
            "djE6UGVyc29u",
            "djE6Qm9ndXM6MQ",
            &"A".repeat(10_000),
        ] {
            let err = decode_any(input).expect_err("must fail");
            assert_eq!(err.code(), "BAD_USER_INPUT");
        }
    }
}

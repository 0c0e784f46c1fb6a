//! Who is invited to a conference: checking invitations, the ports they need, inviting and
//! uninviting.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{
    enums::{ConferenceRole, DirectoryStatus},
    person, teleconference_participant as participant,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use super::bridges::{begin_write, bridge};
use super::read::load;
use super::{Conference, bump, check_open, expected, item_path, managed, path, refused};
use crate::error::try_refuse;
use crate::{
    auth::Principal,
    domain::{
        conferences as rules,
        directory::{self as visibility, Entry},
        groups::GroupRefusal,
        phone::E164,
    },
    error::{ApiError, Outcome, UserError, UserErrorCode},
    services::audit::{self, Subject, SubjectKind},
};

/// Who is invited: a person in the directory or an outside number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Invitee {
    Person(Uuid),
    Number(E164),
}

impl Invitee {
    /// The input field that names it.
    fn field(&self) -> &'static str {
        match self {
            Self::Person(_) => "personId",
            Self::Number(_) => "number",
        }
    }

    fn of(p: &participant::Model) -> Option<Self> {
        match (&p.person_id, &p.external_number) {
            (Some(id), _) => Some(Self::Person(*id)),
            (None, Some(n)) => E164::parse(n).ok().map(Self::Number),
            (None, None) => None,
        }
    }
}

/// An invitation with its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub invitee: Invitee,
    pub role: ConferenceRole,
}

pub(super) fn entry(p: &person::Model) -> Entry {
    Entry {
        person_id: p.id,
        unit_id: p.unit_id,
        ex_directory: p.directory_status == DirectoryStatus::ExDirectory,
    }
}

/// Checks new invitations against the owner, those already invited and each other: people
/// must exist and be visible to the caller; nobody (and no number) twice; the owner is in
/// the conference already.
pub(super) async fn check_invitations(
    txn: &DatabaseTransaction,
    principal: &Principal,
    owner_id: Uuid,
    existing: &[participant::Model],
    new: &[Invitation],
) -> Result<Result<(), UserError>, DbErr> {
    let mut seen: HashSet<Invitee> = existing.iter().filter_map(Invitee::of).collect();
    let ids: Vec<Uuid> = new
        .iter()
        .filter_map(|i| match i.invitee {
            Invitee::Person(id) => Some(id),
            Invitee::Number(_) => None,
        })
        .collect();
    let people: HashMap<Uuid, person::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    for (index, invitation) in new.iter().enumerate() {
        let field = item_path("participants", index, invitation.invitee.field());
        // The rules' refusals carry the codes; the words are the conference's own.
        let refusal = match &invitation.invitee {
            Invitee::Person(id) => match people.get(id) {
                Some(_) if *id == owner_id => Some((
                    GroupRefusal::DuplicateMember(*id),
                    "the owner is in the conference already".to_owned(),
                )),
                Some(p) if visibility::can_see(principal, entry(p)) => {
                    seen.contains(&invitation.invitee).then(|| {
                        (
                            GroupRefusal::DuplicateMember(*id),
                            "this person is invited already".to_owned(),
                        )
                    })
                }
                _ => Some((
                    GroupRefusal::UnknownPerson(*id),
                    "no such person".to_owned(),
                )),
            },
            Invitee::Number(n) => seen.contains(&invitation.invitee).then(|| {
                (
                    GroupRefusal::DuplicateNumber(n.clone()),
                    format!("{n} is invited already"),
                )
            }),
        };
        if let Some((r, message)) = refusal {
            return Ok(Err(UserError {
                message,
                ..refused(field, &r)
            }));
        }
        seen.insert(invitation.invitee.clone());
    }
    Ok(Ok(()))
}

pub(super) async fn insert_participants(
    txn: &DatabaseTransaction,
    conference_id: Uuid,
    new: &[Invitation],
) -> Result<(), DbErr> {
    for i in new {
        let (person_id, external_number) = match &i.invitee {
            Invitee::Person(id) => (Some(*id), None),
            Invitee::Number(n) => (None, Some(n.as_str().to_owned())),
        };
        participant::ActiveModel {
            id: Set(Uuid::now_v7()),
            conference_id: Set(conference_id),
            person_id: Set(person_id),
            external_number: Set(external_number),
            role: Set(i.role),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Ports a conference needs at least: its invited participants plus the owner.
pub(super) fn seats(invited: usize) -> usize {
    invited.saturating_add(1)
}

/// The default reservation: everyone invited plus the owner, at least the minimum.
pub(super) fn default_ports(invited: usize) -> i32 {
    i32::try_from(seats(invited))
        .unwrap_or(i32::MAX)
        .max(rules::MIN_CONFERENCE_PORTS)
}

/// Refusals of [`rules::validate_reservation`] point at the ports, or at the participants
/// when they are too many for the ports.
pub(super) fn reservation_field(r: &GroupRefusal) -> Vec<String> {
    match r {
        GroupRefusal::TooManyParticipants { .. } => path(&["input", "participants"]),
        _ => path(&["input", "ports"]),
    }
}

/// Invites people or numbers (owner, administrators). Each must be new to the conference;
/// together with the owner they must fit in the reserved ports (reschedule with more ports
/// first). Cancelled and finished conferences take no one.
pub async fn add_participants(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    new: Vec<Invitation>,
    expected_version: Option<i32>,
) -> Outcome<Conference> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let before = try_refuse!(managed(&txn, principal, id).await?);
    let version = try_refuse!(expected(expected_version, before.conference.version));
    try_refuse!(check_open(&before.conference, now));
    try_refuse!(
        check_invitations(
            &txn,
            principal,
            before.conference.owner_id,
            &before.participants,
            &new
        )
        .await?
    );
    let bridge_ports = bridge(&before.conference.bridge).map_or(i32::MAX, |b| b.ports);
    try_refuse!(
        rules::validate_reservation(
            seats(before.participants.len().saturating_add(new.len())),
            before.conference.capacity,
            bridge_ports
        )
        .map_err(|r| refused(path(&["input", "participants"]), &r))
    );
    try_refuse!(bump(&txn, id, version).await?);
    insert_participants(&txn, id, &new).await?;
    let after = load(&txn, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("conference {id} vanished")))?;
    audit::changed(
        &txn,
        principal,
        "conference.add_participants",
        Subject::new(SubjectKind::Teleconference, id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

/// Uninvites people or numbers (owner, administrators); each must be invited. Naming one
/// twice removes it once. The reservation stays as it is.
pub async fn remove_participants(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
    gone: Vec<Invitee>,
    expected_version: Option<i32>,
) -> Outcome<Conference> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let before = try_refuse!(managed(&txn, principal, id).await?);
    let version = try_refuse!(expected(expected_version, before.conference.version));
    try_refuse!(check_open(&before.conference, now));
    let mut rows: Vec<Uuid> = Vec::with_capacity(gone.len());
    for (index, invitee) in gone.iter().enumerate() {
        let Some(row) = before
            .participants
            .iter()
            .find(|p| Invitee::of(p).as_ref() == Some(invitee))
        else {
            let field = item_path("participants", index, invitee.field());
            let message = match invitee {
                Invitee::Person(_) => "this person is not invited".to_owned(),
                Invitee::Number(n) => format!("{n} is not invited"),
            };
            return Ok(Err(UserError {
                field,
                message,
                code: UserErrorCode::NotFound,
                reason: None,
            }));
        };
        if !rows.contains(&row.id) {
            rows.push(row.id);
        }
    }
    try_refuse!(bump(&txn, id, version).await?);
    participant::Entity::delete_many()
        .filter(participant::Column::Id.is_in(rows))
        .exec(&txn)
        .await?;
    let after = load(&txn, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("conference {id} vanished")))?;
    audit::changed(
        &txn,
        principal,
        "conference.remove_participants",
        Subject::new(SubjectKind::Teleconference, id),
        &before,
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_reservation_seats_the_owner_too() {
        assert_eq!(default_ports(0), 2);
        assert_eq!(default_ports(1), 2);
        assert_eq!(default_ports(5), 6);
    }
}

//! Reading conferences: one with its participants, who sees and manages it, and a person's
//! conferences page by page.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    enums::{ConferenceRole, ConferenceStatus},
    teleconference as conference, teleconference_participant as participant,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Query,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{auth::Principal, error::ApiError};

/// A conference with its invited participants (in the order they were invited).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conference {
    pub conference: conference::Model,
    pub participants: Vec<participant::Model>,
}

impl Conference {
    /// True when the person is invited.
    pub fn invites(&self, person_id: Uuid) -> bool {
        self.participants
            .iter()
            .any(|p| p.person_id == Some(person_id))
    }

    /// The role of the person among the invited, if invited.
    pub fn role_of(&self, person_id: Uuid) -> Option<ConferenceRole> {
        self.participants
            .iter()
            .find(|p| p.person_id == Some(person_id))
            .map(|p| p.role)
    }
}

/// The owner and administrators manage a conference.
pub fn may_manage(principal: &Principal, c: &conference::Model) -> bool {
    principal.is_admin() || principal.is_person(c.owner_id)
}

/// The owner, administrators and the invited people see a conference.
pub fn may_see(principal: &Principal, c: &Conference) -> bool {
    may_manage(principal, &c.conference) || principal.person_id.is_some_and(|me| c.invites(me))
}

/// The moderator PIN is shown to those who manage the conference and to people invited as
/// MODERATOR (they need it to moderate); everyone else gets only the access code.
pub fn may_see_pin(principal: &Principal, c: &Conference) -> bool {
    may_manage(principal, &c.conference)
        || principal
            .person_id
            .and_then(|me| c.role_of(me))
            .is_some_and(|r| r == ConferenceRole::Moderator)
}

/// Attaches the participants to conferences with one query.
async fn with_participants(
    conn: &impl ConnectionTrait,
    conferences: Vec<conference::Model>,
) -> Result<Vec<Conference>, DbErr> {
    if conferences.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<Uuid> = conferences.iter().map(|c| c.id).collect();
    let mut by_conference: HashMap<Uuid, Vec<participant::Model>> = HashMap::new();
    for p in participant::Entity::find()
        .filter(participant::Column::ConferenceId.is_in(ids))
        .order_by_asc(participant::Column::Id)
        .all(conn)
        .await?
    {
        by_conference.entry(p.conference_id).or_default().push(p);
    }
    Ok(conferences
        .into_iter()
        .map(|c| Conference {
            participants: by_conference.remove(&c.id).unwrap_or_default(),
            conference: c,
        })
        .collect())
}

pub(super) async fn load(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<Conference>, DbErr> {
    let Some(c) = conference::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(with_participants(conn, vec![c]).await?.pop())
}

/// A conference the caller may see; None otherwise (someone else's conference does not
/// exist for the caller).
pub async fn visible(
    conn: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<Conference>, DbErr> {
    Ok(load(conn, id).await?.filter(|c| may_see(principal, c)))
}

/// Sort key of a person's conference list: start, then id.
pub type ConferenceKey = (DateTime<Utc>, Uuid);

/// Which conferences a list shows.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Conferences still running at or after this instant (ending after it).
    pub from: DateTime<Utc>,
    /// Conferences starting before this instant; None for no bound.
    pub until: Option<DateTime<Utc>>,
    /// Show CANCELLED conferences too.
    pub include_cancelled: bool,
}

/// Whose conferences a list shows: a person may ask for their own, an administrator for
/// anyone's (FORBIDDEN otherwise).
pub fn list_owner(principal: &Principal, person_id: Option<Uuid>) -> Result<Uuid, ApiError> {
    match (person_id, principal.person_id) {
        (Some(p), _) if principal.is_admin() || principal.is_person(p) => Ok(p),
        (Some(_), _) => Err(ApiError::Forbidden(
            "only administrators see another person's conferences".into(),
        )),
        (None, Some(me)) => Ok(me),
        (None, None) => Err(ApiError::BadUserInput(
            "a service account has no conferences: give personId".into(),
        )),
    }
}

/// The conferences a person owns or is invited to, within the window.
fn of_person(person_id: Uuid, window: &Window) -> Condition {
    use conference::Column as C;
    let invited = Query::select()
        .column(participant::Column::ConferenceId)
        .from(participant::Entity)
        .and_where(participant::Column::PersonId.eq(person_id))
        .to_owned();
    let mut cond = Condition::all()
        .add(
            Condition::any()
                .add(C::OwnerId.eq(person_id))
                .add(C::Id.in_subquery(invited)),
        )
        .add(C::EndsAt.gt(window.from));
    if let Some(until) = window.until {
        cond = cond.add(C::StartsAt.lt(until));
    }
    if !window.include_cancelled {
        cond = cond.add(C::Status.eq(ConferenceStatus::Scheduled));
    }
    cond
}

/// One page of a person's conferences, soonest first; keyset on `(starts_at, id)`.
pub async fn page(
    conn: &impl ConnectionTrait,
    person_id: Uuid,
    window: &Window,
    after: Option<&ConferenceKey>,
    before: Option<&ConferenceKey>,
    backward: bool,
    limit: u64,
) -> Result<Vec<Conference>, DbErr> {
    use conference::Column as C;
    let mut query = conference::Entity::find().filter(of_person(person_id, window));
    if let Some((t, id)) = after {
        query = query.filter(
            Condition::any()
                .add(C::StartsAt.gt(*t))
                .add(Condition::all().add(C::StartsAt.eq(*t)).add(C::Id.gt(*id))),
        );
    }
    if let Some((t, id)) = before {
        query = query.filter(
            Condition::any()
                .add(C::StartsAt.lt(*t))
                .add(Condition::all().add(C::StartsAt.eq(*t)).add(C::Id.lt(*id))),
        );
    }
    let query = if backward {
        query.order_by_desc(C::StartsAt).order_by_desc(C::Id)
    } else {
        query.order_by_asc(C::StartsAt).order_by_asc(C::Id)
    };
    let rows = query.limit(limit).all(conn).await?;
    with_participants(conn, rows).await
}

/// The number of a person's conferences within the window.
pub async fn count(
    conn: &impl ConnectionTrait,
    person_id: Uuid,
    window: &Window,
) -> Result<u64, DbErr> {
    conference::Entity::find()
        .filter(of_person(person_id, window))
        .count(conn)
        .await
}

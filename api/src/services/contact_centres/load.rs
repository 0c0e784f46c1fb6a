//! A contact centre as loaded, with its opening hours, closure days, queues and agents, and
//! who may see or configure it.

use std::collections::HashMap;

use entity::{cc_agent, cc_closure, cc_opening_hours, cc_queue, contact_centre};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use uuid::Uuid;

use super::schedule::Schedule;
use crate::{
    auth::Principal,
    domain::contact_centres::{self as rules, OpeningPeriod},
};

/// A contact centre with everything under it, children in display order.
#[derive(Clone, Debug, Serialize)]
pub struct Centre {
    /// The centre's row.
    pub centre: contact_centre::Model,
    /// Opening periods by weekday, then opening time.
    pub opening_hours: Vec<cc_opening_hours::Model>,
    /// Closure days by date.
    pub closures: Vec<cc_closure::Model>,
    /// Queues by position.
    pub queues: Vec<Queue>,
}

/// A queue with its agents (in the order they were added).
#[derive(Clone, Debug, Serialize)]
pub struct Queue {
    /// The queue's row.
    pub queue: cc_queue::Model,
    /// Its agents.
    pub agents: Vec<cc_agent::Model>,
}

impl Queue {
    /// The people answering the queue.
    pub fn agent_ids(&self) -> Vec<Uuid> {
        self.agents.iter().map(|a| a.person_id).collect()
    }
}

impl Centre {
    /// The weekly hours as the rules see them.
    pub fn periods(&self) -> Vec<OpeningPeriod> {
        self.opening_hours
            .iter()
            .map(|h| OpeningPeriod {
                weekday: h.weekday,
                opens: h.opens_at,
                closes: h.closes_at,
            })
            .collect()
    }

    /// The schedule `openAt` evaluates. A stored time zone that does not parse (the API never
    /// writes one) is read as Europe/London, as `routeCall` does.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            time_zone: rules::parse_time_zone(&self.centre.time_zone)
                .unwrap_or(chrono_tz::Europe::London),
            hours: self.periods(),
            closures: self
                .closures
                .iter()
                .map(|c| (c.on_date, c.reason.clone()))
                .collect(),
        }
    }

    /// The queue with this id.
    pub fn queue(&self, id: Uuid) -> Option<&Queue> {
        self.queues.iter().find(|q| q.queue.id == id)
    }

    /// True when the person answers any queue of the centre.
    pub fn is_agent(&self, person: Uuid) -> bool {
        self.queues
            .iter()
            .any(|q| q.agents.iter().any(|a| a.person_id == person))
    }
}

/// True when the caller configures the centres of this unit: administrators and the unit's
/// coordinators.
pub fn may_manage(principal: &Principal, unit_id: Uuid) -> bool {
    principal.is_admin() || principal.coordinates(unit_id)
}

/// True when the caller sees the centre: those who manage it, and its agents.
pub fn may_see(principal: &Principal, centre: &Centre) -> bool {
    may_manage(principal, centre.centre.unit_id)
        || principal.person_id.is_some_and(|me| centre.is_agent(me))
}

/// The queues the caller sees: all for those who manage the centre, else the ones they answer.
pub fn visible_queues<'a>(principal: &Principal, centre: &'a Centre) -> Vec<&'a Queue> {
    let all = may_manage(principal, centre.centre.unit_id);
    centre
        .queues
        .iter()
        .filter(|q| {
            all || principal
                .person_id
                .is_some_and(|me| q.agents.iter().any(|a| a.person_id == me))
        })
        .collect()
}

/// Loads the children of the given centres (four queries however many centres).
async fn with_children(
    db: &impl ConnectionTrait,
    centres: Vec<contact_centre::Model>,
) -> Result<Vec<Centre>, DbErr> {
    if centres.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = centres.iter().map(|c| c.id).collect();
    let hours = cc_opening_hours::Entity::find()
        .filter(cc_opening_hours::Column::CentreId.is_in(ids.clone()))
        .order_by_asc(cc_opening_hours::Column::Weekday)
        .order_by_asc(cc_opening_hours::Column::OpensAt)
        .order_by_asc(cc_opening_hours::Column::Id)
        .all(db)
        .await?;
    let closures = cc_closure::Entity::find()
        .filter(cc_closure::Column::CentreId.is_in(ids.clone()))
        .order_by_asc(cc_closure::Column::OnDate)
        .all(db)
        .await?;
    let queues = cc_queue::Entity::find()
        .filter(cc_queue::Column::CentreId.is_in(ids))
        .order_by_asc(cc_queue::Column::Position)
        .order_by_asc(cc_queue::Column::Id)
        .all(db)
        .await?;
    let agents = if queues.is_empty() {
        Vec::new()
    } else {
        cc_agent::Entity::find()
            .filter(cc_agent::Column::QueueId.is_in(queues.iter().map(|q| q.id)))
            .order_by_asc(cc_agent::Column::Id)
            .all(db)
            .await?
    };
    let mut agents_of: HashMap<Uuid, Vec<cc_agent::Model>> = HashMap::new();
    for a in agents {
        agents_of.entry(a.queue_id).or_default().push(a);
    }
    let mut out: Vec<Centre> = centres
        .into_iter()
        .map(|centre| Centre {
            centre,
            opening_hours: Vec::new(),
            closures: Vec::new(),
            queues: Vec::new(),
        })
        .collect();
    let index: HashMap<Uuid, usize> = out
        .iter()
        .enumerate()
        .map(|(i, c)| (c.centre.id, i))
        .collect();
    for h in hours {
        if let Some(&i) = index.get(&h.centre_id) {
            out[i].opening_hours.push(h);
        }
    }
    for c in closures {
        if let Some(&i) = index.get(&c.centre_id) {
            out[i].closures.push(c);
        }
    }
    for q in queues {
        if let Some(&i) = index.get(&q.centre_id) {
            let agents = agents_of.remove(&q.id).unwrap_or_default();
            out[i].queues.push(Queue { queue: q, agents });
        }
    }
    Ok(out)
}

pub(super) async fn load_one(
    db: &impl ConnectionTrait,
    centre: contact_centre::Model,
) -> Result<Centre, DbErr> {
    let id = centre.id;
    with_children(db, vec![centre])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| DbErr::RecordNotFound(format!("contact centre {id}")))
}

/// One centre with its children; `None` when there is no such centre. Callers check
/// [`may_see`].
pub async fn find(db: &DatabaseConnection, id: Uuid) -> Result<Option<Centre>, DbErr> {
    match contact_centre::Entity::find_by_id(id).one(db).await? {
        Some(c) => Ok(Some(load_one(db, c).await?)),
        None => Ok(None),
    }
}

/// All centres (of one unit, when given) by name, with their children. Callers filter with
/// [`may_see`].
pub async fn list(db: &DatabaseConnection, unit_id: Option<Uuid>) -> Result<Vec<Centre>, DbErr> {
    let mut query = contact_centre::Entity::find()
        .order_by_asc(contact_centre::Column::Name)
        .order_by_asc(contact_centre::Column::Id);
    if let Some(unit_id) = unit_id {
        query = query.filter(contact_centre::Column::UnitId.eq(unit_id));
    }
    with_children(db, query.all(db).await?).await
}

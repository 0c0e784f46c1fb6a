//! Loading the snapshot `domain::routing::explain` needs: what the dialled number belongs to
//! (a person, a shared line, a hunt group's or a contact centre's pilot), then, round by
//! round, the fallback targets the rule asks for (`missing_targets`), at most five rounds.

use chrono::{DateTime, Utc};
use entity::{
    cc_agent, cc_closure, cc_opening_hours, cc_queue, contact_centre, device, ea_group,
    ea_group_member, ea_whitelist_entry,
    enums::{EaRole, LineKind},
    hunt_group, hunt_group_member, line, mailbox_settings, person,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{
    domain::{
        contact_centres::OpeningPeriod,
        groups::Fallback,
        phone::{Dialled, E164, Extension},
        routing::{
            Closure, ContactCentreSnapshot, Destination, EaManagerRole, Explanation,
            HuntGroupSnapshot, HuntMember, LineRef, LineRoute, PersonRoute, PersonSnapshot,
            QueueSnapshot, RouteInput, TargetRef, explain, missing_targets,
        },
        voicemail::DEFAULT_RINGS,
    },
    services::people::facts,
};

/// Rounds of fallback loading (the rule follows at most this many hops anyway).
const ROUNDS: usize = 5;

/// Explains where a call from `from` to `to` at `at` would go.
pub async fn route(
    db: &impl ConnectionTrait,
    to: Dialled,
    from: Dialled,
    at: DateTime<Utc>,
) -> Result<(RouteInput, Explanation), DbErr> {
    let caller_e164 = match &from {
        Dialled::Extension(ext) => line::Entity::find()
            .filter(line::Column::Extension.eq(ext.as_str()))
            .one(db)
            .await?
            .and_then(|l| E164::parse(&l.e164).ok()),
        Dialled::Number(_) => None,
    };
    let found = match find_line(db, &to).await? {
        Some(l) => destination(db, &l).await?,
        None => None,
    };
    let mut input = RouteInput {
        to,
        from,
        caller_e164,
        at,
        destination: found,
        targets: Default::default(),
    };
    for _ in 0..ROUNDS {
        let missing = missing_targets(&input);
        if missing.is_empty() {
            break;
        }
        for target in missing {
            match target {
                TargetRef::Person(id) => {
                    let found = person_route(db, id).await?;
                    input.targets.people.insert(id, found);
                }
                TargetRef::HuntGroup(id) => {
                    let found = match hunt_group::Entity::find_by_id(id).one(db).await? {
                        Some(g) => hunt_snapshot(db, &g).await?,
                        None => None,
                    };
                    input.targets.hunt_groups.insert(id, found);
                }
                TargetRef::Number(n) => {
                    let found = match find_line(db, &Dialled::Number(n.clone())).await? {
                        Some(l) => destination(db, &l).await?,
                        None => None,
                    };
                    input.targets.numbers.insert(n, found);
                }
            }
        }
    }
    let explanation = explain(&input);
    Ok((input, explanation))
}

async fn find_line(db: &impl ConnectionTrait, to: &Dialled) -> Result<Option<line::Model>, DbErr> {
    let condition = match to {
        Dialled::Extension(e) => line::Column::Extension.eq(e.as_str()),
        Dialled::Number(n) => line::Column::E164.eq(n.as_str()),
    };
    line::Entity::find().filter(condition).one(db).await
}

fn line_ref(l: &line::Model) -> Option<LineRef> {
    Some(LineRef {
        id: l.id,
        number: E164::parse(&l.e164).ok()?,
        extension: Extension::parse(&l.extension).ok()?,
    })
}

async fn rings_of(db: &impl ConnectionTrait, line: Uuid) -> Result<i32, DbErr> {
    Ok(mailbox_settings::Entity::find()
        .filter(mailbox_settings::Column::LineId.eq(line))
        .one(db)
        .await?
        .map_or(DEFAULT_RINGS, |s| s.rings_before_voicemail))
}

/// What a line belongs to.
async fn destination(
    db: &impl ConnectionTrait,
    l: &line::Model,
) -> Result<Option<Destination>, DbErr> {
    if let Some(g) = hunt_group::Entity::find()
        .filter(hunt_group::Column::PilotLineId.eq(l.id))
        .one(db)
        .await?
    {
        return Ok(hunt_snapshot(db, &g).await?.map(Destination::HuntGroup));
    }
    if let Some(c) = contact_centre::Entity::find()
        .filter(contact_centre::Column::PilotLineId.eq(l.id))
        .one(db)
        .await?
    {
        return Ok(centre_snapshot(db, &c)
            .await?
            .map(Destination::ContactCentre));
    }
    if let (LineKind::Personal, Some(owner)) = (l.kind, l.owner_id) {
        return Ok(person_route(db, owner).await?.map(Destination::Person));
    }
    let Some(line) = line_ref(l) else {
        return Ok(None);
    };
    let devices = device::Entity::find()
        .filter(device::Column::LineId.eq(l.id))
        .all(db)
        .await?;
    Ok(Some(Destination::Line(LineRoute {
        line,
        label: l.label.clone(),
        devices: devices.iter().map(facts).collect(),
        rings_before_voicemail: rings_of(db, l.id).await?,
    })))
}

async fn person_snapshot(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<PersonSnapshot>, DbErr> {
    let Some(p) = person::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let devices = device::Entity::find()
        .filter(device::Column::OwnerId.eq(id))
        .all(db)
        .await?;
    Ok(Some(PersonSnapshot {
        id: p.id,
        name: p.display_name,
        platform: p.platform,
        preferred_device: p.preferred_device_id,
        devices: devices.iter().map(facts).collect(),
    }))
}

async fn person_route(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<PersonRoute>, DbErr> {
    let Some(person) = person_snapshot(db, id).await? else {
        return Ok(None);
    };
    let own = line::Entity::find()
        .filter(line::Column::OwnerId.eq(id))
        .order_by_asc(line::Column::Extension)
        .one(db)
        .await?;
    let rings = match &own {
        Some(l) => rings_of(db, l.id).await?,
        None => DEFAULT_RINGS,
    };
    let mut manages = Vec::new();
    let roles = ea_group_member::Entity::find()
        .filter(ea_group_member::Column::PersonId.eq(id))
        .filter(ea_group_member::Column::Role.eq(EaRole::Manager))
        .all(db)
        .await?;
    for role in roles {
        let Some(group) = ea_group::Entity::find_by_id(role.group_id).one(db).await? else {
            continue;
        };
        let whitelist = ea_whitelist_entry::Entity::find()
            .filter(ea_whitelist_entry::Column::MemberId.eq(role.id))
            .all(db)
            .await?
            .iter()
            .filter_map(|w| E164::parse(&w.number).ok())
            .collect();
        let assistant_rows = ea_group_member::Entity::find()
            .filter(ea_group_member::Column::GroupId.eq(group.id))
            .filter(ea_group_member::Column::Role.eq(EaRole::Assistant))
            .all(db)
            .await?;
        let mut assistants = Vec::new();
        for a in assistant_rows {
            if let Some(s) = person_snapshot(db, a.person_id).await? {
                assistants.push(s);
            }
        }
        manages.push(EaManagerRole {
            group_id: group.id,
            group_name: group.name,
            platform: group.platform,
            divert_enabled: role.divert_enabled,
            whitelist,
            assistants,
        });
    }
    Ok(Some(PersonRoute {
        person,
        line: own.as_ref().and_then(line_ref),
        rings_before_voicemail: rings,
        manages,
    }))
}

async fn hunt_snapshot(
    db: &impl ConnectionTrait,
    g: &hunt_group::Model,
) -> Result<Option<HuntGroupSnapshot>, DbErr> {
    let Some(pilot) = line::Entity::find_by_id(g.pilot_line_id).one(db).await? else {
        return Ok(None);
    };
    let Some(pilot) = line_ref(&pilot) else {
        return Ok(None);
    };
    let rows = hunt_group_member::Entity::find()
        .filter(hunt_group_member::Column::GroupId.eq(g.id))
        .order_by_asc(hunt_group_member::Column::Position)
        .all(db)
        .await?;
    let mut members = Vec::with_capacity(rows.len());
    for m in rows {
        if let Some(person) = person_snapshot(db, m.person_id).await? {
            members.push(HuntMember {
                person,
                position: m.position,
                ring_seconds: m.ring_seconds,
                opted_out: m.opted_out,
            });
        }
    }
    Ok(Some(HuntGroupSnapshot {
        id: g.id,
        name: g.name.clone(),
        pilot,
        strategy: g.strategy,
        platform: g.platform,
        members,
        no_answer: Fallback::from_columns(g.no_answer_kind, g.no_answer_target.as_deref())
            .unwrap_or(Fallback::Voicemail),
    }))
}

async fn centre_snapshot(
    db: &impl ConnectionTrait,
    c: &contact_centre::Model,
) -> Result<Option<ContactCentreSnapshot>, DbErr> {
    let Some(pilot_id) = c.pilot_line_id else {
        return Ok(None);
    };
    let Some(pilot) = line::Entity::find_by_id(pilot_id).one(db).await? else {
        return Ok(None);
    };
    let Some(pilot) = line_ref(&pilot) else {
        return Ok(None);
    };
    let opening_hours = cc_opening_hours::Entity::find()
        .filter(cc_opening_hours::Column::CentreId.eq(c.id))
        .all(db)
        .await?
        .into_iter()
        .map(|h| OpeningPeriod {
            weekday: h.weekday,
            opens: h.opens_at,
            closes: h.closes_at,
        })
        .collect();
    let closures = cc_closure::Entity::find()
        .filter(cc_closure::Column::CentreId.eq(c.id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| Closure {
            date: d.on_date,
            reason: d.reason,
        })
        .collect();
    let queue_rows = cc_queue::Entity::find()
        .filter(cc_queue::Column::CentreId.eq(c.id))
        .order_by_asc(cc_queue::Column::Position)
        .all(db)
        .await?;
    let mut queues = Vec::with_capacity(queue_rows.len());
    for q in queue_rows {
        let agent_rows = cc_agent::Entity::find()
            .filter(cc_agent::Column::QueueId.eq(q.id))
            .all(db)
            .await?;
        let mut agents = Vec::new();
        for a in agent_rows {
            if let Some(s) = person_snapshot(db, a.person_id).await? {
                agents.push(s);
            }
        }
        queues.push(QueueSnapshot {
            id: q.id,
            name: q.name,
            position: q.position,
            max_waiting: q.max_waiting,
            max_wait_seconds: q.max_wait_seconds,
            overflow: Fallback::from_columns(q.overflow_kind, q.overflow_target.as_deref())
                .unwrap_or(Fallback::Voicemail),
            agents,
        });
    }
    Ok(Some(ContactCentreSnapshot {
        id: c.id,
        name: c.name.clone(),
        pilot,
        time_zone: c.time_zone.clone(),
        opening_hours,
        closures,
        queues,
        out_of_hours: Fallback::from_columns(c.out_of_hours_kind, c.out_of_hours_target.as_deref())
            .unwrap_or(Fallback::Voicemail),
    }))
}

//! Call history and PBX ingest.
//!
//! History reads `call_participant` (one row per person on our side of a call) through its
//! index `(person_id, started_at, call_record_id)`, joined to `call_record` by primary key:
//! one statement per page, newest first, keyset on `(started_at, call_record_id)`, so a page
//! deep in the history costs what the first page costs.
//!
//! Ingest validates a whole batch first (numbers, times, our lines, routing), writes nothing
//! if any record is refused, and otherwise inserts in one transaction. A record whose PBX id
//! is already stored is left as it is (idempotent re-sends, also under concurrency).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    call_participant, call_record, contact_centre, device,
    enums::{CallDirection, CallResult, CallRole, DeviceKind, LineKind},
    hunt_group, line,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect,
    sea_query::{Alias, Asterisk, Cond, Expr, ExprTrait, Order, Query, SelectStatement},
};
use uuid::Uuid;

use crate::domain::{
    calls::{MISSED, NumberFilter, RawCall, Reject, ValidCall, validate},
    phone::Dialled,
};
use crate::error::ApiError;

/// Whose history the caller may read: their own (the default); admins anyone's; coordinators
/// the people of their units. FORBIDDEN otherwise, NOT_FOUND for an unknown person.
pub async fn history_owner(
    conn: &impl ConnectionTrait,
    principal: &crate::auth::Principal,
    person_id: Option<Uuid>,
) -> Result<Uuid, ApiError> {
    let Some(id) = person_id else {
        return principal.person_id.ok_or_else(|| {
            ApiError::BadUserInput(
                "a service account has no calls of its own: give personId".into(),
            )
        });
    };
    if principal.is_person(id) || principal.is_admin() {
        return Ok(id);
    }
    // An unknown id gets the same answer as someone else's, so that the answer does not
    // tell which ids exist.
    match entity::person::Entity::find_by_id(id).one(conn).await? {
        Some(p) if principal.coordinates(p.unit_id) => Ok(id),
        _ => Err(ApiError::Forbidden(
            "you may read only your own calls and those of your units".into(),
        )),
    }
}

/// A call record, if the caller took part in it or is an admin, with the caller's role in
/// it (None for an admin who did not take part).
pub async fn visible_call(
    conn: &impl ConnectionTrait,
    principal: &crate::auth::Principal,
    id: Uuid,
) -> Result<Option<(entity::call_record::Model, Option<entity::enums::CallRole>)>, DbErr> {
    let Some(call) = entity::call_record::Entity::find_by_id(id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let role = match principal.person_id {
        Some(me) => entity::call_participant::Entity::find()
            .filter(entity::call_participant::Column::CallRecordId.eq(id))
            .filter(entity::call_participant::Column::PersonId.eq(me))
            .one(conn)
            .await?
            .map(|p| p.role),
        None => None,
    };
    Ok((role.is_some() || principal.is_admin()).then_some((call, role)))
}

/// Filters of a person's call history; every field narrows.
#[derive(Clone, Debug, Default)]
pub struct CallFilter {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub direction: Option<CallDirection>,
    pub results: Option<Vec<CallResult>>,
    pub external_only: bool,
    pub number: Option<NumberFilter>,
    /// Only calls routed by any hunt group (`Some(None)`) or by this one.
    pub hunt_group: Option<Option<Uuid>>,
    /// Only calls routed by any contact centre (`Some(None)`) or by this one.
    pub contact_centre: Option<Option<Uuid>>,
}

/// The keyset of call history (newest first).
pub type CallKey = (DateTime<Utc>, Uuid);

/// A call in someone's history, with their role in it.
#[derive(Clone, Debug)]
pub struct HistoryItem {
    pub call: call_record::Model,
    pub role: CallRole,
}

fn cp() -> Alias {
    Alias::new("cp")
}

fn cr() -> Alias {
    Alias::new("cr")
}

fn filtered(person_id: Uuid, f: &CallFilter) -> SelectStatement {
    let mut q = Query::select();
    q.from_as(call_participant::Entity, cp())
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            call_record::Entity,
            cr(),
            Expr::col((cr(), call_record::Column::Id))
                .equals((cp(), call_participant::Column::CallRecordId)),
        )
        .and_where(Expr::col((cp(), call_participant::Column::PersonId)).eq(person_id));
    if let Some(from) = f.from {
        q.and_where(Expr::col((cp(), call_participant::Column::StartedAt)).gte(from));
    }
    if let Some(until) = f.until {
        q.and_where(Expr::col((cp(), call_participant::Column::StartedAt)).lt(until));
    }
    if let Some(d) = f.direction {
        q.and_where(
            Expr::col((cr(), call_record::Column::Direction)).eq(sea_orm::ActiveEnum::to_value(&d)),
        );
    }
    if let Some(results) = &f.results {
        q.and_where(
            Expr::col((cr(), call_record::Column::Result))
                .is_in(results.iter().map(sea_orm::ActiveEnum::to_value)),
        );
    }
    if f.external_only {
        q.and_where(Expr::col((cr(), call_record::Column::External)).eq(true));
    }
    if let Some(n) = &f.number {
        let (from, to) = (
            Expr::col((cr(), call_record::Column::FromNumber)),
            Expr::col((cr(), call_record::Column::ToNumber)),
        );
        q.cond_where(match n {
            NumberFilter::Exact(v) => Cond::any().add(from.eq(v.clone())).add(to.eq(v.clone())),
            // Prefixes hold only digits and '+', so no LIKE metacharacters need escaping.
            NumberFilter::Prefix(p) => Cond::any()
                .add(from.like(format!("{p}%")))
                .add(to.like(format!("{p}%"))),
        });
    }
    match f.hunt_group {
        Some(Some(id)) => {
            q.and_where(Expr::col((cr(), call_record::Column::HuntGroupId)).eq(id));
        }
        Some(None) => {
            q.and_where(Expr::col((cr(), call_record::Column::HuntGroupId)).is_not_null());
        }
        None => {}
    }
    match f.contact_centre {
        Some(Some(id)) => {
            q.and_where(Expr::col((cr(), call_record::Column::ContactCentreId)).eq(id));
        }
        Some(None) => {
            q.and_where(Expr::col((cr(), call_record::Column::ContactCentreId)).is_not_null());
        }
        None => {}
    }
    q
}

#[derive(FromQueryResult)]
struct RoleRow {
    role: CallRole,
}

/// One page of a person's history: newest first after `after`, or (backward) oldest first
/// before `before`, `limit` rows.
pub async fn history_page(
    conn: &impl ConnectionTrait,
    person_id: Uuid,
    filter: &CallFilter,
    after: Option<&CallKey>,
    before: Option<&CallKey>,
    backward: bool,
    limit: u64,
) -> Result<Vec<HistoryItem>, DbErr> {
    let mut q = filtered(person_id, filter);
    let started = || Expr::col((cp(), call_participant::Column::StartedAt));
    let id = || Expr::col((cp(), call_participant::Column::CallRecordId));
    // Newest first: "after" a key means older than it.
    // The redundant `started_at <=`/`>=` bound makes the keyset an index range on both
    // databases; the OR alone would be a filter over every newer row (cost growing with depth).
    let older = |(t, i): &CallKey| {
        Cond::all().add(started().lte(*t)).add(
            Cond::any()
                .add(started().lt(*t))
                .add(Cond::all().add(started().eq(*t)).add(id().lt(*i))),
        )
    };
    let newer = |(t, i): &CallKey| {
        Cond::all().add(started().gte(*t)).add(
            Cond::any()
                .add(started().gt(*t))
                .add(Cond::all().add(started().eq(*t)).add(id().gt(*i))),
        )
    };
    if let Some(key) = after {
        q.cond_where(older(key));
    }
    if let Some(key) = before {
        q.cond_where(newer(key));
    }
    let order = if backward { Order::Asc } else { Order::Desc };
    q.column((cr(), Asterisk))
        .column((cp(), call_participant::Column::Role))
        .order_by((cp(), call_participant::Column::StartedAt), order.clone())
        .order_by((cp(), call_participant::Column::CallRecordId), order)
        .limit(limit);
    let rows = conn.query_all(&q).await?;
    rows.iter()
        .map(|row| {
            Ok(HistoryItem {
                call: call_record::Model::from_query_result(row, "")?,
                role: RoleRow::from_query_result(row, "")?.role,
            })
        })
        .collect()
}

/// Counts a person's calls matching the filter.
pub async fn history_count(
    conn: &impl ConnectionTrait,
    person_id: Uuid,
    filter: &CallFilter,
) -> Result<i64, DbErr> {
    let mut q = filtered(person_id, filter);
    q.expr_as(Expr::cust("COUNT(*)"), Alias::new("n"));
    let row = conn.query_one(&q).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// Calls to the person that were missed (unanswered or to voicemail) since a time.
pub async fn missed_count(
    conn: &impl ConnectionTrait,
    person_id: Uuid,
    since: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let filter = CallFilter {
        from: Some(since),
        results: Some(MISSED.to_vec()),
        ..Default::default()
    };
    let mut q = filtered(person_id, &filter);
    q.and_where(
        Expr::col((cp(), call_participant::Column::Role))
            .eq(sea_orm::ActiveEnum::to_value(&CallRole::Dialled)),
    );
    q.expr_as(Expr::cust("COUNT(*)"), Alias::new("n"));
    let row = conn.query_one(&q).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// The other party of a call from a participant's side: the number at the far end.
pub fn other_number(item: &HistoryItem) -> &str {
    match item.role {
        CallRole::Caller => &item.call.to_number,
        CallRole::Dialled | CallRole::Answered => &item.call.from_number,
    }
}

/// The most recent distinct other parties of a person's calls, newest first (scans at most
/// the last 500 calls).
pub async fn recent_contacts(
    conn: &impl ConnectionTrait,
    person_id: Uuid,
    limit: usize,
) -> Result<Vec<HistoryItem>, DbErr> {
    let recent = history_page(
        conn,
        person_id,
        &CallFilter::default(),
        None,
        None,
        false,
        500,
    )
    .await?;
    let mut seen = HashSet::new();
    Ok(recent
        .into_iter()
        .filter(|item| seen.insert(other_number(item).to_owned()))
        .take(limit)
        .collect())
}

/// One record of an ingest batch as received.
#[derive(Clone, Debug)]
pub struct IngestRecord {
    pub raw: RawCall,
    /// Which kind of device the person on our side used (the PBX knows), if reported.
    pub device_kind: Option<DeviceKind>,
}

/// A refused record: its position in the batch, its PBX id, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestReject {
    pub index: usize,
    pub pbx_call_id: String,
    pub reject: Reject,
}

/// What an ingest did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngestOutcome {
    /// New records stored.
    pub inserted: usize,
    /// Records whose PBX id was already stored (left unchanged).
    pub duplicates: usize,
    /// Refused records; when not empty, nothing was stored.
    pub rejects: Vec<IngestReject>,
}

/// The largest batch one call may carry.
pub const MAX_BATCH: usize = 5_000;

fn party_key(p: &Dialled) -> String {
    match p {
        Dialled::Extension(e) => e.as_str().to_owned(),
        Dialled::Number(n) => n.to_string(),
    }
}

/// Our lines by extension and by E.164, for the numbers of a batch.
async fn lines_for(
    conn: &impl ConnectionTrait,
    calls: &[ValidCall],
) -> Result<HashMap<String, line::Model>, DbErr> {
    let mut extensions = HashSet::new();
    let mut numbers = HashSet::new();
    for c in calls {
        for p in [
            Some(&c.from),
            Some(&c.to),
            c.answered_by.as_ref(),
            c.routed_via.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            match p {
                Dialled::Extension(e) => extensions.insert(e.as_str().to_owned()),
                Dialled::Number(n) => numbers.insert(n.to_string()),
            };
        }
    }
    let mut map = HashMap::new();
    let extensions: Vec<String> = extensions.into_iter().collect();
    let numbers: Vec<String> = numbers.into_iter().collect();
    for chunk in extensions.chunks(crate::db::IDS_PER_STATEMENT) {
        for l in line::Entity::find()
            .filter(line::Column::Extension.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?
        {
            map.insert(l.extension.clone(), l);
        }
    }
    for chunk in numbers.chunks(crate::db::IDS_PER_STATEMENT) {
        for l in line::Entity::find()
            .filter(line::Column::E164.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?
        {
            map.insert(l.e164.clone(), l);
        }
    }
    Ok(map)
}

/// [`ingest`] on behalf of a caller: a batch that stored anything is audited (one event for
/// the batch, after it is stored).
pub async fn ingest_as(
    db: &DatabaseConnection,
    principal: &crate::auth::Principal,
    records: Vec<IngestRecord>,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, DbErr> {
    let outcome = ingest(db, records, now).await?;
    if outcome.inserted > 0 {
        let batch = crate::services::audit::Subject {
            kind: crate::services::audit::SubjectKind::CallRecordBatch,
            id: format!("{} records", outcome.inserted),
        };
        let counts = serde_json::json!({
            "inserted": outcome.inserted,
            "duplicates": outcome.duplicates,
        });
        crate::services::audit::record(db, principal, "calls.ingest", batch, None, Some(counts))
            .await?;
    }
    Ok(outcome)
}

/// Validates and stores a batch (see the module doc). `now` bounds "in the future".
pub async fn ingest(
    db: &DatabaseConnection,
    records: Vec<IngestRecord>,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, DbErr> {
    let (checked, mut rejects) = validate_batch(records, now);
    let calls: Vec<ValidCall> = checked.iter().map(|c| c.call.clone()).collect();
    let ours = Ours::load(db, &calls).await?;
    let mut planned = Vec::with_capacity(checked.len());
    for c in checked {
        match plan_call(&ours, c, now) {
            Ok(p) => planned.push(p),
            Err(r) => rejects.push(r),
        }
    }
    if !rejects.is_empty() {
        rejects.sort_by_key(|r| r.index);
        return Ok(IngestOutcome {
            rejects,
            ..IngestOutcome::default()
        });
    }
    attach_devices(db, &mut planned).await?;
    let (inserted, duplicates) = store(db, &planned).await?;
    Ok(IngestOutcome {
        inserted,
        duplicates,
        rejects,
    })
}

/// A record that passed validation: its place in the batch, the call, and the kind of device
/// the PBX reported.
struct Checked {
    index: usize,
    call: ValidCall,
    device_kind: Option<DeviceKind>,
}

/// A call ready to store: its row (the device still to fill in) and the people on our side.
struct Planned {
    record: call_record::Model,
    participants: Vec<(Uuid, CallRole)>,
    device_kind: Option<DeviceKind>,
}

/// Validates each record on its own, and refuses a PBX call id already seen in the batch.
fn validate_batch(
    records: Vec<IngestRecord>,
    now: DateTime<Utc>,
) -> (Vec<Checked>, Vec<IngestReject>) {
    let mut checked = Vec::with_capacity(records.len());
    let mut rejects = Vec::new();
    let mut seen_ids = HashSet::new();
    for (index, record) in records.into_iter().enumerate() {
        let pbx_call_id = record.raw.pbx_call_id.clone();
        match validate(record.raw, now) {
            Ok(v) if !seen_ids.insert(v.pbx_call_id.clone()) => rejects.push(IngestReject {
                index,
                pbx_call_id,
                reject: Reject {
                    field: "pbxCallId",
                    message: "the same PBX call id is twice in this batch".into(),
                },
            }),
            Ok(call) => checked.push(Checked {
                index,
                call,
                device_kind: record.device_kind,
            }),
            Err(reject) => rejects.push(IngestReject {
                index,
                pbx_call_id,
                reject,
            }),
        }
    }
    (checked, rejects)
}

/// Our side of a batch: the lines its numbers belong to, and the hunt groups and contact
/// centres those lines are the pilots of.
struct Ours {
    /// By extension and by E.164.
    lines: HashMap<String, line::Model>,
    hunt_by_pilot: HashMap<Uuid, Uuid>,
    centre_by_pilot: HashMap<Uuid, Uuid>,
}

impl Ours {
    /// Loads the lines of the batch's numbers and the groups they pilot.
    async fn load(conn: &impl ConnectionTrait, calls: &[ValidCall]) -> Result<Self, DbErr> {
        let lines = lines_for(conn, calls).await?;
        let pilots: Vec<Uuid> = lines.values().map(|l| l.id).collect();
        let mut hunt_by_pilot = HashMap::new();
        let mut centre_by_pilot = HashMap::new();
        for chunk in pilots.chunks(crate::db::IDS_PER_STATEMENT) {
            for g in hunt_group::Entity::find()
                .filter(hunt_group::Column::PilotLineId.is_in(chunk.iter().copied()))
                .all(conn)
                .await?
            {
                hunt_by_pilot.insert(g.pilot_line_id, g.id);
            }
            for c in contact_centre::Entity::find()
                .filter(contact_centre::Column::PilotLineId.is_in(chunk.iter().copied()))
                .all(conn)
                .await?
            {
                if let Some(pilot) = c.pilot_line_id {
                    centre_by_pilot.insert(pilot, c.id);
                }
            }
        }
        Ok(Self {
            lines,
            hunt_by_pilot,
            centre_by_pilot,
        })
    }

    /// Our line with this number, if it is one of ours.
    fn line(&self, p: &Dialled) -> Option<&line::Model> {
        self.lines.get(&party_key(p))
    }

    /// The owner of the PERSONAL line with this number.
    fn personal_owner(&self, p: &Dialled) -> Option<Uuid> {
        self.line(p)
            .filter(|l| l.kind == LineKind::Personal)
            .and_then(|l| l.owner_id)
    }

    /// The hunt group and the contact centre whose pilot number `via` is; `None` when it is
    /// neither's.
    fn routed_by(&self, via: &Dialled) -> Option<(Option<Uuid>, Option<Uuid>)> {
        let pilot = self.line(via).map(|l| l.id);
        let hunt_group = pilot.and_then(|p| self.hunt_by_pilot.get(&p).copied());
        let contact_centre = pilot.and_then(|p| self.centre_by_pilot.get(&p).copied());
        (hunt_group.is_some() || contact_centre.is_some()).then_some((hunt_group, contact_centre))
    }
}

/// The row and participants of one valid call, or why it is refused: the ends its direction
/// puts on our side must be our lines, and a `routedVia` number must be a group's pilot.
fn plan_call(ours: &Ours, checked: Checked, now: DateTime<Utc>) -> Result<Planned, IngestReject> {
    let Checked {
        index,
        call,
        device_kind,
    } = checked;
    let refuse = |field: &'static str, message: &str| IngestReject {
        index,
        pbx_call_id: call.pbx_call_id.clone(),
        reject: Reject {
            field,
            message: message.into(),
        },
    };
    if let Err((field, message)) = check_our_ends(ours, &call) {
        return Err(refuse(field, message));
    }
    let (hunt_group_id, contact_centre_id) = match &call.routed_via {
        None => (None, None),
        Some(via) => ours.routed_by(via).ok_or_else(|| {
            refuse(
                "routedVia",
                "no hunt group or contact centre has this pilot number",
            )
        })?,
    };
    let (caller, dialled, answered) = people_of(ours, &call);
    Ok(Planned {
        record: call_record::Model {
            id: Uuid::now_v7(),
            pbx_call_id: call.pbx_call_id.clone(),
            started_at: call.started_at,
            answered_at: call.answered_at,
            ended_at: call.ended_at,
            direction: call.direction,
            from_number: party_key(&call.from),
            to_number: party_key(&call.to),
            external: call.direction != CallDirection::Internal,
            result: call.result,
            device_id: None,
            caller_person_id: caller,
            dialled_person_id: dialled,
            answered_person_id: answered,
            hunt_group_id,
            contact_centre_id,
            created_at: now,
        },
        participants: participants_of(caller, dialled, answered),
        device_kind,
    })
}

/// Checks that the ends of a call its direction puts on our side, and whoever answered, are
/// our lines; otherwise the field at fault and why.
fn check_our_ends(ours: &Ours, call: &ValidCall) -> Result<(), (&'static str, &'static str)> {
    let (from_ours, to_ours) = (
        ours.line(&call.from).is_some(),
        ours.line(&call.to).is_some(),
    );
    match call.direction {
        CallDirection::Inbound if !to_ours => {
            return Err(("to", "an inbound call must reach one of our lines"));
        }
        CallDirection::Outbound if !from_ours => {
            return Err(("from", "an outbound call must come from one of our lines"));
        }
        CallDirection::Internal if !from_ours => return Err(("from", "unknown extension")),
        CallDirection::Internal if !to_ours => return Err(("to", "unknown extension")),
        _ => {}
    }
    if call
        .answered_by
        .as_ref()
        .is_some_and(|p| ours.line(p).is_none())
    {
        return Err(("answeredBy", "unknown line"));
    }
    Ok(())
}

/// The people on our side, by the owners of PERSONAL lines: who called (not on inbound
/// calls), who was dialled (not on outbound ones) and who answered.
fn people_of(ours: &Ours, call: &ValidCall) -> (Option<Uuid>, Option<Uuid>, Option<Uuid>) {
    let caller = if call.direction == CallDirection::Inbound {
        None
    } else {
        ours.personal_owner(&call.from)
    };
    let dialled = if call.direction == CallDirection::Outbound {
        None
    } else {
        ours.personal_owner(&call.to)
    };
    let answered = match (&call.answered_by, call.result) {
        (Some(p), CallResult::Answered) => ours.personal_owner(p),
        (None, CallResult::Answered) => dialled,
        _ => None,
    };
    (caller, dialled, answered)
}

/// One participant row per person, with their first role in the order caller, dialled,
/// answered (someone who answered their own call is DIALLED only).
fn participants_of(
    caller: Option<Uuid>,
    dialled: Option<Uuid>,
    answered: Option<Uuid>,
) -> Vec<(Uuid, CallRole)> {
    let mut participants: Vec<(Uuid, CallRole)> = Vec::new();
    for (person, role) in [
        (caller, CallRole::Caller),
        (dialled, CallRole::Dialled),
        (answered, CallRole::Answered),
    ] {
        if let Some(p) = person
            && !participants.iter().any(|(q, _)| *q == p)
        {
            participants.push((p, role));
        }
    }
    participants
}

/// Fills in the device used: the caller's (outbound and internal calls) or the answerer's
/// device of the kind the PBX reported.
async fn attach_devices(conn: &impl ConnectionTrait, planned: &mut [Planned]) -> Result<(), DbErr> {
    let device_people: Vec<Uuid> = planned
        .iter()
        .filter(|p| p.device_kind.is_some())
        .filter_map(|p| p.record.caller_person_id.or(p.record.answered_person_id))
        .collect();
    let mut devices: HashMap<(Uuid, DeviceKind), Uuid> = HashMap::new();
    for chunk in device_people.chunks(crate::db::IDS_PER_STATEMENT) {
        for d in device::Entity::find()
            .filter(device::Column::OwnerId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            devices.entry((d.owner_id, d.kind)).or_insert(d.id);
        }
    }
    for p in planned {
        if let (Some(kind), Some(person)) = (
            p.device_kind,
            p.record.caller_person_id.or(p.record.answered_person_id),
        ) {
            p.record.device_id = devices.get(&(person, kind)).copied();
        }
    }
    Ok(())
}

/// Stores the planned calls in one transaction: the rows whose PBX id is new, and their
/// participants. Returns how many were new and how many were already stored.
async fn store(db: &DatabaseConnection, planned: &[Planned]) -> Result<(usize, usize), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    insert_records(&txn, planned).await?;
    let stored = stored_ids(&txn, planned).await?;
    let (mut inserted, mut duplicates) = (0, 0);
    let mut participant_rows = Vec::new();
    for p in planned {
        if stored.get(&p.record.pbx_call_id) == Some(&p.record.id) {
            inserted += 1;
            participant_rows.extend(p.participants.iter().map(|(person, role)| {
                call_participant::ActiveModel {
                    id: sea_orm::Set(Uuid::now_v7()),
                    call_record_id: sea_orm::Set(p.record.id),
                    person_id: sea_orm::Set(*person),
                    started_at: sea_orm::Set(p.record.started_at),
                    role: sea_orm::Set(*role),
                }
            }));
        } else {
            duplicates += 1;
        }
    }
    for chunk in participant_rows
        .chunks(crate::db::IDS_PER_STATEMENT)
        .map(<[_]>::to_vec)
    {
        call_participant::Entity::insert_many(chunk)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok((inserted, duplicates))
}

/// Inserts the call rows, skipping any whose PBX id is already stored.
async fn insert_records(conn: &impl ConnectionTrait, planned: &[Planned]) -> Result<(), DbErr> {
    for chunk in planned.chunks(crate::db::IDS_PER_STATEMENT) {
        let models = chunk
            .iter()
            .map(|p| call_record::ActiveModel::from(p.record.clone()));
        call_record::Entity::insert_many(models)
            .on_conflict_do_nothing_on([call_record::Column::PbxCallId])
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// The stored row id of each planned PBX id. A row with another id than ours was there
/// before (or was written by a concurrent ingest of the same record).
async fn stored_ids(
    conn: &impl ConnectionTrait,
    planned: &[Planned],
) -> Result<HashMap<String, Uuid>, DbErr> {
    let ids: Vec<String> = planned
        .iter()
        .map(|p| p.record.pbx_call_id.clone())
        .collect();
    let mut stored: HashMap<String, Uuid> = HashMap::new();
    for chunk in ids.chunks(crate::db::IDS_PER_STATEMENT) {
        let rows: Vec<(String, Uuid)> = call_record::Entity::find()
            .select_only()
            .column(call_record::Column::PbxCallId)
            .column(call_record::Column::Id)
            .filter(call_record::Column::PbxCallId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(conn)
            .await?;
        stored.extend(rows);
    }
    Ok(stored)
}

//! The calls area: call history, missed-call badges, recent contacts, and PBX ingest.

use crate::domain::directory::Reach;
use async_graphql::{ComplexObject, Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::call_record;
use uuid::Uuid;

use super::{
    ctx_db, ctx_loaders, ctx_principal,
    directory::{Device, Person},
    enums::{CallDirection, CallResult, CallRole, DeviceKind},
    errors::{ApiError, ApiResult},
    node::{NodeType, decode, encode},
    pagination::{Page, connection},
};
use crate::{
    auth::ScopeGuard,
    domain::{calls as rules, calls::RawCall},
    services::calls::{self as service, CallFilter as Filter, HistoryItem, IngestRecord},
};

/// One call in a person's history.
#[derive(Clone, Debug)]
pub struct CallRecord {
    pub call: call_record::Model,
    /// The viewer's part in the call, when seen from a history.
    pub role: Option<entity::enums::CallRole>,
}

connection!(CallRecordConnection, CallRecordEdge, CallRecord, "calls");

impl From<HistoryItem> for CallRecord {
    fn from(item: HistoryItem) -> Self {
        Self {
            call: item.call,
            role: Some(item.role),
        }
    }
}

async fn person(ctx: &Context<'_>, id: Option<Uuid>) -> ApiResult<Option<Person>> {
    let Some(id) = id else { return Ok(None) };
    let found = ctx_loaders(ctx)?
        .people
        .load_one(id)
        .await
        .map_err(ApiError::internal)?;
    let principal = ctx_principal(ctx)?;
    Ok(found.and_then(|m| Person::reached(principal, m, Reach::Directory)))
}

/// One call as the PBX recorded it.
#[Object]
impl CallRecord {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::CallRecord, self.call.id)
    }

    /// The PBX's own id of the call.
    async fn pbx_call_id(&self) -> &str {
        &self.call.pbx_call_id
    }

    /// When the call started ringing.
    async fn started_at(&self) -> DateTime<Utc> {
        self.call.started_at
    }

    /// When it was answered; null when it was not.
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.call.answered_at
    }

    /// When it ended.
    async fn ended_at(&self) -> DateTime<Utc> {
        self.call.ended_at
    }

    /// Seconds from answer to end (0 when unanswered).
    async fn talk_seconds(&self) -> i64 {
        self.call
            .answered_at
            .map_or(0, |a| (self.call.ended_at - a).num_seconds().max(0))
    }

    /// Inbound from outside, outbound to outside, or internal.
    async fn direction(&self) -> CallDirection {
        self.call.direction.into()
    }

    /// The calling number: an extension for internal callers, else E.164.
    async fn from_number(&self) -> &str {
        &self.call.from_number
    }

    /// The number dialled: an extension or E.164.
    async fn to_number(&self) -> &str {
        &self.call.to_number
    }

    /// True when one end is outside the University.
    async fn external(&self) -> bool {
        self.call.external
    }

    /// How the call ended.
    async fn result(&self) -> CallResult {
        self.call.result.into()
    }

    /// The viewer's part in this call (null outside a history).
    async fn my_role(&self) -> Option<CallRole> {
        self.role.map(Into::into)
    }

    /// True when this call counts as missed for the viewer: dialled, and unanswered or sent to
    /// voicemail.
    async fn missed(&self) -> bool {
        self.role == Some(entity::enums::CallRole::Dialled)
            && rules::MISSED.contains(&self.call.result)
    }

    /// The person who called, when internal and visible to the viewer.
    async fn caller(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        person(ctx, self.call.caller_person_id).await
    }

    /// The person whose line was dialled, when visible to the viewer.
    async fn dialled(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        person(ctx, self.call.dialled_person_id).await
    }

    /// The person who answered: differs from `dialled` when a hunt group or an
    /// executive-assistant divert rerouted the call. Null when unanswered or not visible.
    async fn answered_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        person(ctx, self.call.answered_person_id).await
    }

    /// The device used on our side, when the PBX reported it and the viewer may see it.
    async fn device(&self, ctx: &Context<'_>) -> ApiResult<Option<Device>> {
        let Some(id) = self.call.device_id else {
            return Ok(None);
        };
        let device = ctx_loaders(ctx)?
            .devices
            .load_one(id)
            .await
            .map_err(ApiError::internal)?;
        let principal = ctx_principal(ctx)?;
        Ok(device
            .filter(|d| principal.is_person(d.owner_id) || principal.is_admin())
            .map(Device))
    }

    /// The hunt group or contact centre that routed the call; null when dialled directly.
    async fn routed_via(&self, ctx: &Context<'_>) -> ApiResult<Option<CallRoute>> {
        let loaders = ctx_loaders(ctx)?;
        if let Some(id) = self.call.hunt_group_id {
            let g = loaders
                .hunt_groups
                .load_one(id)
                .await
                .map_err(ApiError::internal)?;
            return Ok(g.map(|g| CallRoute {
                kind: CallRouteKind::HuntGroup,
                name: g.name,
            }));
        }
        if let Some(id) = self.call.contact_centre_id {
            let c = loaders
                .contact_centres
                .load_one(id)
                .await
                .map_err(ApiError::internal)?;
            return Ok(c.map(|c| CallRoute {
                kind: CallRouteKind::ContactCentre,
                name: c.name,
            }));
        }
        Ok(None)
    }
}

/// What routed a call.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallRouteKind {
    /// A hunt group's pilot number.
    HuntGroup,
    /// A contact centre's pilot number.
    ContactCentre,
}

/// The group that routed a call.
#[derive(SimpleObject, Clone, Debug)]
pub struct CallRoute {
    /// Hunt group or contact centre.
    pub kind: CallRouteKind,
    /// Its name.
    pub name: String,
}

/// Filters of `callHistory`; every field given narrows the list.
#[derive(InputObject, Default)]
pub struct CallFilter {
    /// Calls that started at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Calls that started before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only this direction.
    pub direction: Option<CallDirection>,
    /// Only these results.
    pub results: Option<Vec<CallResult>>,
    /// Only missed calls (MISSED or VOICEMAIL); combines with `results` by intersection.
    pub missed: Option<bool>,
    /// Only calls with one end outside the University.
    pub external_only: Option<bool>,
    /// A number (any spelling) matched against both ends, or a prefix ending in `*`
    /// (e.g. `01865 27*`, `+1 650*`, `70*` for extensions).
    pub number: Option<String>,
    /// Only calls routed by a hunt group.
    pub via_hunt_group: Option<bool>,
    /// Only calls routed by a contact centre.
    pub via_contact_centre: Option<bool>,
}

impl CallFilter {
    /// Validates the filter into the service's form (BAD_USER_INPUT when malformed).
    pub fn into_service(self) -> Result<Filter, ApiError> {
        let mut results = self.results.map(|r| {
            r.into_iter()
                .map(Into::into)
                .collect::<Vec<entity::enums::CallResult>>()
        });
        if self.missed == Some(true) {
            results = Some(match results {
                None => rules::MISSED.to_vec(),
                Some(r) => r
                    .into_iter()
                    .filter(|x| rules::MISSED.contains(x))
                    .collect(),
            });
        }
        if let (Some(from), Some(until)) = (self.from, self.until)
            && until < from
        {
            return Err(ApiError::BadUserInput(
                "filter.until is before filter.from".into(),
            ));
        }
        Ok(Filter {
            from: self.from,
            until: self.until,
            direction: self.direction.map(Into::into),
            results,
            external_only: self.external_only == Some(true),
            number: self
                .number
                .as_deref()
                .map(rules::number_filter)
                .transpose()
                .map_err(ApiError::BadUserInput)?,
            hunt_group: (self.via_hunt_group == Some(true)).then_some(None),
            contact_centre: (self.via_contact_centre == Some(true)).then_some(None),
        })
    }
}

/// Resolves and authorizes the owner of a history (see `services::calls::history_owner`).
async fn history_owner(ctx: &Context<'_>, person_id: Option<async_graphql::ID>) -> ApiResult<Uuid> {
    let id = person_id
        .map(|id| decode(NodeType::Person, &id))
        .transpose()?;
    Ok(service::history_owner(ctx_db(ctx)?, ctx_principal(ctx)?, id).await?)
}

/// Queries of the calls area.
#[derive(Default)]
pub struct CallsQuery;

#[Object]
impl CallsQuery {
    /// A person's calls, newest first: the caller's own by default; admins anyone's;
    /// coordinators those of people in their units. Keyset-paged, so deep pages cost what the
    /// first costs; `totalCount` is counted only when selected.
    async fn call_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose calls; default the caller.")] person_id: Option<async_graphql::ID>,
        #[graphql(desc = "Which calls.")] filter: Option<CallFilter>,
        #[graphql(desc = "Page size from the newest (1–100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after (older calls).")] after: Option<String>,
        #[graphql(desc = "Page size from the oldest end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before (newer calls).")] before: Option<String>,
    ) -> ApiResult<CallRecordConnection> {
        let owner = history_owner(ctx, person_id).await?;
        let page = Page::<service::CallKey>::new(first, after, last, before)?;
        let filter = filter.unwrap_or_default().into_service()?;
        let db = ctx_db(ctx)?;
        let total = if ctx.look_ahead().field("totalCount").exists() {
            Some(
                service::history_count(db, owner, &filter)
                    .await
                    .map_err(ApiError::from)?,
            )
        } else {
            None
        };
        let rows = service::history_page(
            db,
            owner,
            &filter,
            page.after.as_ref(),
            page.before.as_ref(),
            page.backward,
            page.fetch_limit(),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(page
            .finish(
                rows,
                |i| (i.call.started_at, i.call.id),
                CallRecord::from,
                total,
            )
            .into())
    }

    /// Missed calls (unanswered or sent to voicemail) to the caller since a time, for app
    /// badges.
    async fn missed_call_count(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Count calls from this time on.")] since: DateTime<Utc>,
    ) -> ApiResult<i64> {
        let owner = history_owner(ctx, None).await?;
        Ok(service::missed_count(ctx_db(ctx)?, owner, since)
            .await
            .map_err(ApiError::from)?)
    }

    /// The caller's most recent distinct other parties (from their last 500 calls), newest
    /// first.
    async fn recent_contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–50, default 10).")] first: Option<i32>,
    ) -> ApiResult<Vec<RecentContact>> {
        let n = first.unwrap_or(10);
        if !(1..=50).contains(&n) {
            return Err(ApiError::BadUserInput("first must be between 1 and 50".into()).into());
        }
        let owner = history_owner(ctx, None).await?;
        let items = service::recent_contacts(ctx_db(ctx)?, owner, n as usize)
            .await
            .map_err(ApiError::from)?;
        Ok(items
            .into_iter()
            .map(|item| RecentContact {
                number: service::other_number(&item).to_owned(),
                last_call: item.into(),
            })
            .collect())
    }
}

/// Someone the caller recently spoke with (or tried to).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RecentContact {
    /// Their number: an extension for internal parties, else E.164.
    pub number: String,
    /// The most recent call with them.
    pub last_call: CallRecord,
}

#[ComplexObject]
impl RecentContact {
    /// The directory entry behind the number, when internal and visible.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let c = &self.last_call.call;
        let other = match self.last_call.role {
            Some(entity::enums::CallRole::Caller) => c.answered_person_id.or(c.dialled_person_id),
            _ => c.caller_person_id,
        };
        person(ctx, other).await
    }
}

/// One call record from the PBX.
#[derive(InputObject)]
pub struct CallRecordInput {
    /// The PBX's unique id of the call; a record already stored under it is left unchanged.
    pub pbx_call_id: String,
    /// When the call started ringing.
    pub started_at: DateTime<Utc>,
    /// When it was answered (answered calls only).
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended (not before the start).
    pub ended_at: DateTime<Utc>,
    /// Inbound, outbound or internal.
    pub direction: CallDirection,
    /// Calling number: an extension or any spelling of a full number.
    pub from: String,
    /// Dialled number: an extension or any spelling of a full number.
    pub to: String,
    /// How the call ended.
    pub result: CallResult,
    /// Extension or number that answered, when not the dialled line (hunt group, assistant).
    pub answered_by: Option<String>,
    /// Pilot number of the hunt group or contact centre that routed the call.
    pub routed_via: Option<String>,
    /// Kind of device used on our side, when the PBX knows it.
    pub device_kind: Option<DeviceKind>,
}

/// Input of `ingestCallRecords`.
#[derive(InputObject)]
pub struct IngestCallRecordsInput {
    /// Up to 5,000 records.
    pub records: Vec<CallRecordInput>,
}

/// A refused record of an ingest.
#[derive(SimpleObject)]
pub struct IngestReject {
    /// Position of the record in `records` (from 0).
    pub index: i32,
    /// Its PBX call id as sent.
    pub pbx_call_id: String,
    /// The input field at fault, e.g. `["input", "records", "3", "endedAt"]`.
    pub field: Vec<String>,
    /// What is wrong.
    pub message: String,
}

/// Result of `ingestCallRecords`.
#[derive(SimpleObject)]
pub struct IngestCallRecordsPayload {
    /// Records stored by this call (0 when any record was refused: all or nothing).
    pub inserted: i32,
    /// Records already stored under their PBX id, left unchanged.
    pub duplicates: i32,
    /// Refused records; when any, nothing was stored.
    pub rejects: Vec<IngestReject>,
}

/// Mutations of the calls area.
#[derive(Default)]
pub struct CallsMutation;

#[Object]
impl CallsMutation {
    /// Stores call records from the PBX (SERVICE scope `calls:write`, or ADMIN): at most
    /// 5,000 per call, idempotent by PBX call id, all or nothing: when any record is refused
    /// (bad number, end before start, unknown line, …) none is stored and each refusal is
    /// listed.
    #[graphql(guard = "ScopeGuard::new(\"calls:write\")")]
    async fn ingest_call_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The call records from the PBX (at most 5,000).")]
        input: IngestCallRecordsInput,
    ) -> ApiResult<IngestCallRecordsPayload> {
        if input.records.len() > service::MAX_BATCH {
            return Err(ApiError::LimitExceeded(format!(
                "at most {} records per call",
                service::MAX_BATCH
            ))
            .into());
        }
        let records = input.records.into_iter().map(to_ingest).collect();
        let outcome = service::ingest_as(ctx_db(ctx)?, ctx_principal(ctx)?, records, Utc::now())
            .await
            .map_err(ApiError::from)?;
        Ok(payload(outcome))
    }
}

/// Turns an API record into the service's.
pub fn to_ingest(r: CallRecordInput) -> IngestRecord {
    IngestRecord {
        raw: RawCall {
            pbx_call_id: r.pbx_call_id,
            started_at: r.started_at,
            answered_at: r.answered_at,
            ended_at: r.ended_at,
            direction: r.direction.into(),
            from: r.from,
            to: r.to,
            result: r.result.into(),
            answered_by: r.answered_by,
            routed_via: r.routed_via,
        },
        device_kind: r.device_kind.map(Into::into),
    }
}

fn payload(outcome: service::IngestOutcome) -> IngestCallRecordsPayload {
    IngestCallRecordsPayload {
        inserted: outcome.inserted as i32,
        duplicates: outcome.duplicates as i32,
        rejects: outcome
            .rejects
            .into_iter()
            .map(|r| IngestReject {
                index: r.index as i32,
                pbx_call_id: r.pbx_call_id,
                field: vec![
                    "input".into(),
                    "records".into(),
                    r.index.to_string(),
                    r.reject.field.into(),
                ],
                message: r.reject.message,
            })
            .collect(),
    }
}

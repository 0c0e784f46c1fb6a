//! The move to Telephony over Teams: the MS Teams column, movement sets, nominations,
//! licences, tranches, moves, the Chorus upgrade, progress, and a person's own view.
//!
//! Thin adapters over `services::cutover`: decode IDs, call the service, wrap the result.
//! Who may do what: coordinators read the column and movement sets of their units and answer
//! nominations for them; administrators everything; services with `cutover:write` run
//! tranches and moves, with `licences:write` licences.

use crate::domain::{cutover::LookBackDays, directory::Reach};
use std::collections::{BTreeMap, HashMap};

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums as db;
use futures_util::Stream;
use uuid::Uuid;

use super::{
    ctx_db, ctx_loaders, ctx_principal,
    directory::{Person, Unit},
    errors::{ApiError, ApiResult, UserError, UserErrorCode},
    node::{NodeType, decode, encode},
    pagination::{Page, connection},
};
use crate::{
    auth::{Principal, Role},
    config::CutoverSettings,
    domain::cutover::{
        Category, Refusal,
        eligibility::{Blocker, Reason, Status, Warning},
        moves::{SetMove, TeamsClient, UpgradeLoss},
        sets::LinkKind,
        tranches as tranche_rules,
    },
    events::{CutoverProgress, Events},
    services::cutover::{
        self as service, CutoverError, column, licences, moves, nominations, tranches,
    },
};

// ---------------------------------------------------------------------------------------------
// Enums

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident <=> $src:ty { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl From<$src> for $name {
            fn from(v: $src) -> Self {
                match v { $(<$src>::$variant => Self::$variant),+ }
            }
        }

        impl From<$name> for $src {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => <$src>::$variant),+ }
            }
        }
    };
}

code_enum! {
    /// The MS Teams column's answer for a person.
    TeamsColumnStatus <=> Status {
        /// Should move: at least one reason, no blocker.
        Eligible,
        /// No reason to move: desk phone and voicemail only.
        NotNeeded,
        /// Cannot move (see `blockers`).
        Blocked,
        /// Already on Telephony over Teams.
        Moved,
    }
}

code_enum! {
    /// Why a person is offered Telephony over Teams.
    TeamsReason <=> Reason {
        /// Uses a Chorus softphone.
        UsesSoftphone,
        /// Uses the OpenScape Mobile app.
        UsesMobileApp,
        /// Set a preferred device other than the desk phone on the web portal.
        NonDeskPreferredDevice,
        /// Made external calls away from the desk phone in the look-back window.
        ExternalCallsAwayFromDesk,
        /// In a hunt or executive-assistant group whose whole group is moving.
        GroupMoving,
    }
}

code_enum! {
    /// Why a person cannot move.
    TeamsBlocker <=> Blocker {
        /// The unit has a separate Teams instance (OUEM, OUI, Saïd Business School).
        SeparateTeamsInstance,
        /// No personal line of their own.
        NoPersonalLine,
        /// Answers a critical line.
        CriticalLine,
        /// A contact-centre agent: contact centres stay on Chorus.
        ContactCentreAgent,
        /// Someone in their movement set cannot move, so the set cannot.
        MovementSetBlocked,
    }
}

code_enum! {
    /// What a person loses by moving.
    TeamsWarning <=> Warning {
        /// Leaves their Chorus pickup group(s).
        LeavesPickupGroup,
        /// Their executive-assistant whitelist stops: delegation has none.
        LosesEaWhitelist,
        /// Their desk phone stops working (it stays on the desk).
        DeskPhoneStops,
        /// Their Chorus softphone and mobile app stop.
        SoftphoneAndAppStop,
    }
}

code_enum! {
    /// The cohort a tranche moves.
    Cohort <=> db::Cohort {
        /// People of the pilot and UAT.
        Pilot,
        /// College users.
        College,
        /// University Administration and Services users.
        Uas,
        /// Departmental users.
        Departmental,
        /// Anyone who asked too late for the earlier tranches.
        Late,
    }
}

code_enum! {
    /// Where a tranche is in its life.
    TrancheState <=> db::TrancheState {
        /// Being planned: dates, capacity and members may change.
        Planned,
        /// Membership fixed; the move has not started.
        Frozen,
        /// The move is running (or stopped part way: run it again).
        InProgress,
        /// Everyone in it is on Teams.
        Done,
    }
}

code_enum! {
    /// A coordinator's answer for a person.
    NominationAnswer <=> db::NominationAnswer {
        /// The person should get a Teams licence and move.
        Nominate,
        /// The person stays on Chorus.
        Decline,
    }
}

code_enum! {
    /// Which countdown e-mail.
    NotificationKind <=> db::NotificationKind {
        /// Three weeks before the move.
        Countdown3Weeks,
        /// One week before the move.
        Countdown1Week,
        /// The day before (the Friday before a Monday move).
        CountdownDayBefore,
    }
}

code_enum! {
    /// What links people of a movement set.
    MovementLinkKind <=> LinkKind {
        /// Members of one hunt group.
        HuntGroup,
        /// Managers and assistants of one executive-assistant group.
        EaGroup,
    }
}

/// What happened to one person's licence.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenceOutcome {
    /// A licence was assigned.
    Assigned,
    /// Dry run: a licence would be assigned.
    WouldAssign,
    /// The person already holds one; nothing changed.
    AlreadyAssigned,
    /// The licence was taken back.
    Revoked,
    /// Dry run: the licence would be taken back.
    WouldRevoke,
    /// Refused: see `reason`.
    Refused,
}

impl From<licences::Outcome> for LicenceOutcome {
    fn from(o: licences::Outcome) -> Self {
        match o {
            licences::Outcome::Assigned => Self::Assigned,
            licences::Outcome::WouldAssign => Self::WouldAssign,
            licences::Outcome::AlreadyAssigned => Self::AlreadyAssigned,
            licences::Outcome::Revoked => Self::Revoked,
            licences::Outcome::WouldRevoke => Self::WouldRevoke,
            licences::Outcome::Refused => Self::Refused,
        }
    }
}

/// What happened to one nomination answer.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NominationOutcome {
    /// Recorded before the deadline.
    Recorded,
    /// Recorded after the deadline: the person goes to a LATE tranche.
    RecordedLate,
    /// Refused: see `reason`.
    Refused,
}

impl From<nominations::Outcome> for NominationOutcome {
    fn from(o: nominations::Outcome) -> Self {
        match o {
            nominations::Outcome::Recorded => Self::Recorded,
            nominations::Outcome::RecordedLate => Self::RecordedLate,
            nominations::Outcome::Refused => Self::Refused,
        }
    }
}

/// Why `planTranches` left a set out.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanSkipReason {
    /// No PLANNED tranche of its cohort or LATE has room for the whole set.
    NoCapacity,
    /// No PLANNED tranche of its cohort or LATE exists.
    NoTranche,
    /// Someone in the set cannot move.
    Blocked,
    /// Someone in the set has no licence yet.
    NoLicence,
    /// Someone in the set was declined.
    Declined,
    /// Part of the set is in a tranche already: place the rest by hand.
    PartlyPlaced,
}

impl From<tranches::Skip> for PlanSkipReason {
    fn from(s: tranches::Skip) -> Self {
        match s {
            tranches::Skip::Planner(tranche_rules::Unplaced::NoCapacity) => Self::NoCapacity,
            tranches::Skip::Planner(tranche_rules::Unplaced::NoTranche) => Self::NoTranche,
            tranches::Skip::Blocked => Self::Blocked,
            tranches::Skip::NoLicence => Self::NoLicence,
            tranches::Skip::Declined => Self::Declined,
            tranches::Skip::PartlyPlaced => Self::PartlyPlaced,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn settings<'a>(ctx: &'a Context<'_>) -> &'a CutoverSettings {
    static DEFAULT: std::sync::OnceLock<CutoverSettings> = std::sync::OnceLock::new();
    ctx.data_opt::<CutoverSettings>()
        .unwrap_or_else(|| DEFAULT.get_or_init(CutoverSettings::default))
}

fn since(ctx: &Context<'_>, look_back_days: Option<i32>) -> ApiResult<DateTime<Utc>> {
    let days = match look_back_days {
        Some(d) => LookBackDays::new(d),
        None => LookBackDays::new(settings(ctx).lookback_days),
    }
    .map_err(|e| ApiError::BadUserInput(e.to_string()))?;
    Ok(days.since(Utc::now()))
}

fn ids(kind: NodeType, ids: &[async_graphql::ID]) -> ApiResult<Vec<Uuid>> {
    if ids.len() > 5_000 {
        return Err(ApiError::LimitExceeded("at most 5000 ids per request".into()).into());
    }
    ids.iter()
        .map(|id| decode(kind, id).map_err(Into::into))
        .collect()
}

/// A refusal as a user error on `field`.
pub fn refusal_error(field: &str, r: &Refusal) -> UserError {
    let code = match r.category() {
        Category::Invalid => UserErrorCode::Invalid,
        Category::NotFound => UserErrorCode::NotFound,
        Category::Duplicate => UserErrorCode::Duplicate,
        Category::NotAllowed => UserErrorCode::NotAllowed,
        Category::RuleViolation => UserErrorCode::RuleViolation,
    };
    UserError {
        field: vec!["input".into(), field.into()],
        message: r.to_string(),
        code,
        reason: Some(r.code().to_owned()),
    }
}

/// A service error as user errors, or a top-level error for faults and permissions.
fn user_errors(e: CutoverError) -> ApiResult<Vec<UserError>> {
    Ok(vec![match e {
        CutoverError::Refused { field, refusal } => refusal_error(field, &refusal),
        CutoverError::NotFound(what) => UserError::new(
            &["input"],
            UserErrorCode::NotFound,
            format!("no such {what}"),
        ),
        CutoverError::Conflict { expected } => UserError::new(
            &["input", "expectedVersion"],
            UserErrorCode::Conflict,
            format!("it changed since version {expected}; read it again"),
        ),
        CutoverError::NotAllowed(why) => return Err(ApiError::Forbidden(why.into()).into()),
        CutoverError::Db(e) => return Err(ApiError::from(e).into()),
    }])
}

/// The units whose column the caller may read.
fn column_scope(principal: &Principal, unit: Option<Uuid>) -> ApiResult<column::Scope> {
    column::scope_for(principal, unit).map_err(|why| ApiError::Forbidden(why.into()).into())
}

/// A person of the move, by the directory rule: an ex-directory person is null for a caller
/// who may not see them (a service needs the `directory:ex-directory` scope).
async fn person_of(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Person>> {
    let principal = ctx_principal(ctx)?;
    Ok(ctx_loaders(ctx)?
        .people
        .load_one(id)
        .await
        .map_err(ApiError::internal)?
        .and_then(|m| Person::reached(principal, m, Reach::Directory)))
}

/// [`person_of`] for several: those the caller may not see are left out.
async fn people_of(ctx: &Context<'_>, ids: &[Uuid]) -> ApiResult<Vec<Person>> {
    let principal = ctx_principal(ctx)?;
    let found = ctx_loaders(ctx)?
        .people
        .load_many(ids.iter().copied())
        .await
        .map_err(ApiError::internal)?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            let found = found.get(id).cloned()?;
            Person::reached(principal, found, Reach::Directory)
        })
        .collect())
}

fn encode_people(ids: &[Uuid]) -> Vec<async_graphql::ID> {
    ids.iter().map(|p| encode(NodeType::Person, *p)).collect()
}

// ---------------------------------------------------------------------------------------------
// The MS Teams column

/// One person's row of the MS Teams column.
#[derive(Clone)]
pub struct TeamsColumnRow(pub column::Row);

/// One person's row of the MS Teams column.
#[Object]
impl TeamsColumnRow {
    /// The person.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        person_of(ctx, self.0.person_id).await
    }

    /// The person's global ID (also when the directory hides them).
    async fn person_id(&self) -> async_graphql::ID {
        encode(NodeType::Person, self.0.person_id)
    }

    /// SSO username.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// Name as shown in the directory.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// The person's unit.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Option<Unit>> {
        Ok(ctx_loaders(ctx)?
            .units
            .load_one(self.0.unit_id)
            .await
            .map_err(ApiError::internal)?
            .map(Unit))
    }

    /// The column's one-word answer.
    async fn status(&self) -> TeamsColumnStatus {
        self.0.verdict.status.into()
    }

    /// True when the status is ELIGIBLE.
    async fn eligible(&self) -> bool {
        self.0.verdict.eligible()
    }

    /// Why they are offered Teams.
    async fn reasons(&self) -> Vec<TeamsReason> {
        self.0.verdict.reasons.iter().map(|r| (*r).into()).collect()
    }

    /// Why they cannot move.
    async fn blockers(&self) -> Vec<TeamsBlocker> {
        self.0
            .verdict
            .blockers
            .iter()
            .map(|b| (*b).into())
            .collect()
    }

    /// What moving takes from them.
    async fn warnings(&self) -> Vec<TeamsWarning> {
        self.0
            .verdict
            .warnings
            .iter()
            .map(|w| (*w).into())
            .collect()
    }

    /// Outbound external calls from a non-desk device in the look-back window.
    async fn external_calls_away(&self) -> i64 {
        self.0.facts.external_calls_away
    }

    /// The key of the person's movement set (see `movementSets`); null when alone.
    async fn movement_set_key(&self) -> Option<async_graphql::ID> {
        self.0.set_key.map(|k| encode(NodeType::Person, k))
    }

    /// True when the person holds a Teams licence.
    async fn licensed(&self) -> bool {
        self.0.licensed
    }

    /// The answer in the current nomination round; null when none.
    async fn nomination(&self) -> Option<NominationAnswer> {
        self.0.nomination.map(|(a, _)| a.into())
    }

    /// True when the answer came after the round's deadline (LATE tranche).
    async fn nominated_late(&self) -> bool {
        self.0.nomination.is_some_and(|(_, late)| late)
    }

    /// The tranche the person is placed in.
    async fn tranche(&self, ctx: &Context<'_>) -> ApiResult<Option<Tranche>> {
        match self.0.tranche_id {
            None => Ok(None),
            Some(id) => load_tranche(ctx, id).await,
        }
    }
}

/// Narrows the column.
#[derive(InputObject, Default)]
pub struct TeamsColumnFilter {
    /// Only these statuses.
    pub status: Option<Vec<TeamsColumnStatus>>,
    /// Only people with this reason.
    pub reason: Option<TeamsReason>,
    /// Only people with this blocker.
    pub blocker: Option<TeamsBlocker>,
    /// Only people with (true) or without (false) a nomination answer.
    pub answered: Option<bool>,
    /// Only people in (true) or outside (false) a movement set.
    pub in_movement_set: Option<bool>,
}

impl TeamsColumnFilter {
    fn keeps(&self, r: &column::Row) -> bool {
        self.status
            .as_ref()
            .is_none_or(|s| s.contains(&r.verdict.status.into()))
            && self
                .reason
                .is_none_or(|x| r.verdict.reasons.contains(&x.into()))
            && self
                .blocker
                .is_none_or(|x| r.verdict.blockers.contains(&x.into()))
            && self.answered.is_none_or(|a| r.nomination.is_some() == a)
            && self
                .in_movement_set
                .is_none_or(|m| r.set_key.is_some() == m)
    }
}

/// How many people of the scope (unit or all) have each status, before the filter.
#[derive(SimpleObject, Clone, Default)]
pub struct TeamsColumnCounts {
    /// ELIGIBLE people.
    pub eligible: i64,
    /// NOT_NEEDED people.
    pub not_needed: i64,
    /// BLOCKED people.
    pub blocked: i64,
    /// MOVED people.
    pub moved: i64,
}

connection!(
    TeamsColumnConnection,
    TeamsColumnEdge,
    TeamsColumnRow,
    "MS Teams column rows"
);

/// The column page and its counts.
#[derive(SimpleObject)]
pub struct TeamsEligibility {
    /// The page of rows, in directory order.
    pub rows: TeamsColumnConnection,
    /// Counts over the whole scope, before the filter.
    pub counts: TeamsColumnCounts,
}

// ---------------------------------------------------------------------------------------------
// Movement sets

/// A group that links people of a movement set.
#[derive(SimpleObject, Clone)]
pub struct MovementLink {
    /// Hunt group or executive-assistant group.
    pub kind: MovementLinkKind,
    /// The group's global ID.
    pub group_id: async_graphql::ID,
    /// The group's name.
    pub name: String,
    /// Its members' global IDs.
    pub member_ids: Vec<async_graphql::ID>,
}

/// People who must move together, in one tranche, or not at all.
#[derive(Clone)]
pub struct MovementSet {
    key: Uuid,
    members: Vec<Uuid>,
    links: Vec<MovementLink>,
    blocked: Vec<Uuid>,
    eligible: i64,
    tranches: Vec<Uuid>,
}

/// People who must move together, in one tranche, or not at all.
#[Object]
impl MovementSet {
    /// The set's key: its smallest member's person ID (stable while membership is).
    async fn key(&self) -> async_graphql::ID {
        encode(NodeType::Person, self.key)
    }

    /// Number of members.
    async fn size(&self) -> usize {
        self.members.len()
    }

    /// The members.
    async fn members(&self, ctx: &Context<'_>) -> ApiResult<Vec<Person>> {
        people_of(ctx, &self.members).await
    }

    /// The members' global IDs.
    async fn member_ids(&self) -> Vec<async_graphql::ID> {
        encode_people(&self.members)
    }

    /// Why they are linked: each hunt or EA group and its members.
    async fn links(&self) -> &[MovementLink] {
        &self.links
    }

    /// Members who cannot move on their own account; any one blocks the whole set.
    async fn blocked_member_ids(&self) -> Vec<async_graphql::ID> {
        encode_people(&self.blocked)
    }

    /// Members the column marks ELIGIBLE.
    async fn eligible_count(&self) -> i64 {
        self.eligible
    }

    /// Tranches the members are placed in (more than one would be a split set).
    async fn tranches(&self, ctx: &Context<'_>) -> ApiResult<Vec<Tranche>> {
        let mut out = Vec::new();
        for t in &self.tranches {
            out.extend(load_tranche(ctx, *t).await?);
        }
        Ok(out)
    }
}

connection!(
    MovementSetConnection,
    MovementSetEdge,
    MovementSet,
    "movement sets"
);

// ---------------------------------------------------------------------------------------------
// Licences, nominations, tranches

/// The pool of Telephony over Teams licences.
#[derive(Clone)]
pub struct LicencePool(pub entity::licence_pool::Model);

/// The pool of Telephony over Teams licences.
#[Object]
impl LicencePool {
    /// Licences in the pool.
    async fn capacity(&self) -> i32 {
        self.0.capacity
    }

    /// Licences assigned.
    async fn assigned(&self) -> i32 {
        self.0.assigned_count
    }

    /// Licences still free.
    async fn available(&self) -> i32 {
        (self.0.capacity - self.0.assigned_count).max(0)
    }

    /// Bumped by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// One person's licence result.
#[derive(SimpleObject, Clone)]
pub struct LicenceResult {
    /// The person's global ID.
    pub person_id: async_graphql::ID,
    /// What happened.
    pub outcome: LicenceOutcome,
    /// The refusal's code (e.g. `BLOCKED`, `POOL_EXHAUSTED`); null when not refused.
    pub reason: Option<String>,
    /// The refusal in words; null when not refused.
    pub message: Option<String>,
}

fn licence_result(r: service::PersonResult<licences::Outcome>) -> LicenceResult {
    LicenceResult {
        person_id: encode(NodeType::Person, r.person_id),
        outcome: r.outcome.into(),
        reason: r.refusal.as_ref().map(|x| x.code().to_owned()),
        message: r.refusal.as_ref().map(ToString::to_string),
    }
}

/// A round in which coordinators nominate people.
#[derive(Clone)]
pub struct NominationRound(pub entity::nomination_round::Model);

/// A round in which coordinators nominate people.
#[Object]
impl NominationRound {
    /// Opaque global ID.
    async fn id(&self) -> async_graphql::ID {
        encode(NodeType::NominationRound, self.0.id)
    }

    /// The round's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Answers after this instant are late (LATE tranche).
    async fn deadline(&self) -> DateTime<Utc> {
        self.0.deadline
    }

    /// True before the deadline.
    async fn open(&self) -> bool {
        Utc::now() <= self.0.deadline
    }
}

/// One nomination answer's result.
#[derive(SimpleObject, Clone)]
pub struct NominationResult {
    /// The person's global ID.
    pub person_id: async_graphql::ID,
    /// What happened.
    pub outcome: NominationOutcome,
    /// The refusal's code (e.g. `NOT_IN_YOUR_UNITS`); null when recorded.
    pub reason: Option<String>,
    /// The refusal in words; null when recorded.
    pub message: Option<String>,
}

/// A unit's progress in the current round.
#[derive(Clone)]
pub struct UnitNominationProgress(nominations::Progress);

/// A unit's progress in the current nomination round.
#[Object]
impl UnitNominationProgress {
    /// The unit.
    async fn unit(&self, ctx: &Context<'_>) -> ApiResult<Option<Unit>> {
        Ok(ctx_loaders(ctx)?
            .units
            .load_one(self.0.unit_id)
            .await
            .map_err(ApiError::internal)?
            .map(Unit))
    }

    /// The unit's code.
    async fn unit_code(&self) -> &str {
        &self.0.unit_code
    }

    /// People the MS Teams column marks ELIGIBLE.
    async fn eligible(&self) -> i64 {
        self.0.eligible
    }

    /// NOMINATE answers.
    async fn nominated(&self) -> i64 {
        self.0.nominated
    }

    /// DECLINE answers.
    async fn declined(&self) -> i64 {
        self.0.declined
    }

    /// Answers given after the deadline.
    async fn late(&self) -> i64 {
        self.0.late
    }

    /// All answers.
    async fn answered(&self) -> i64 {
        self.0.nominated + self.0.declined
    }

    /// Eligible people still without an answer.
    async fn pending(&self) -> i64 {
        self.0.pending
    }
}

/// A countdown e-mail's date.
#[derive(SimpleObject, Clone)]
pub struct CountdownDate {
    /// Which e-mail.
    pub kind: NotificationKind,
    /// The London date it goes out.
    pub due_on: NaiveDate,
}

/// A tranche of the move: people who move on one date.
#[derive(Clone)]
pub struct Tranche(pub entity::tranche::Model);

/// A tranche of the move: people who move on one date.
#[Object]
impl Tranche {
    /// Opaque global ID.
    pub async fn id(&self) -> async_graphql::ID {
        encode(NodeType::Tranche, self.0.id)
    }

    /// Its number in the schedule.
    async fn number(&self) -> i32 {
        self.0.number
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The cohort it moves.
    async fn cohort(&self) -> Cohort {
        self.0.cohort.into()
    }

    /// The day its members move.
    async fn move_date(&self) -> NaiveDate {
        self.0.move_date
    }

    /// Most people it may hold.
    async fn capacity(&self) -> i32 {
        self.0.capacity
    }

    /// Where it is in its life.
    async fn state(&self) -> TrancheState {
        self.0.state.into()
    }

    /// Bumped by every change; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// People placed in it.
    async fn member_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(tranches::count(ctx_db(ctx)?, self.0.id)
            .await
            .map_err(ApiError::from)? as i64)
    }

    /// Its members' global IDs: administrators and services all of them, coordinators those
    /// of their own units (`memberCount` counts everyone).
    async fn member_ids(&self, ctx: &Context<'_>) -> ApiResult<Vec<async_graphql::ID>> {
        let principal = ctx_principal(ctx)?;
        let db = ctx_db(ctx)?;
        let members =
            if principal.is_admin() || principal.kind == crate::auth::PrincipalKind::Service {
                tranches::members(db, self.0.id).await
            } else if principal.has_role(Role::Coordinator) {
                tranches::members_in_units(db, self.0.id, &principal.units).await
            } else {
                return Err(ApiError::Forbidden("members are listed for staff only".into()).into());
            };
        Ok(encode_people(&members.map_err(ApiError::from)?))
    }

    /// When its countdown e-mails go out.
    async fn countdown(&self) -> Vec<CountdownDate> {
        tranche_rules::countdown(self.0.move_date)
            .into_iter()
            .map(|(kind, due_on)| CountdownDate {
                kind: kind.into(),
                due_on,
            })
            .collect()
    }
}

/// Loads a tranche (every signed-in caller may see the schedule).
pub async fn load_tranche(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Tranche>> {
    use sea_orm::EntityTrait;
    Ok(entity::tranche::Entity::find_by_id(id)
        .one(ctx_db(ctx)?)
        .await
        .map_err(ApiError::from)?
        .map(Tranche))
}

/// The result of placing one movement set (or single person).
#[derive(SimpleObject, Clone)]
pub struct SetPlacement {
    /// The set's members.
    pub member_ids: Vec<async_graphql::ID>,
    /// True when placed (dry run: when it would be).
    pub placed: bool,
    /// The refusal's code (e.g. `NO_LICENCE`, `TRANCHE_FULL`); null when placed.
    pub reason: Option<String>,
    /// The refusal in words.
    pub message: Option<String>,
}

/// A set `planTranches` placed.
#[derive(SimpleObject, Clone)]
pub struct PlannedPlacement {
    /// The tranche.
    pub tranche_id: async_graphql::ID,
    /// The set's members.
    pub member_ids: Vec<async_graphql::ID>,
    /// True when placed in a LATE tranche for want of room in its own cohort.
    pub overflow: bool,
}

/// A set `planTranches` could not place.
#[derive(SimpleObject, Clone)]
pub struct UnplacedSet {
    /// The set's members.
    pub member_ids: Vec<async_graphql::ID>,
    /// Why.
    pub reason: PlanSkipReason,
}

// ---------------------------------------------------------------------------------------------
// Moves and the upgrade

/// A device a change switches off.
#[derive(SimpleObject, Clone)]
pub struct DeviceStop {
    /// The device's global ID.
    pub device_id: async_graphql::ID,
    /// Its kind.
    pub kind: super::enums::DeviceKind,
}

/// What a move changes for one person.
#[derive(SimpleObject, Clone)]
pub struct PersonMoveChange {
    /// The person's global ID.
    pub person_id: async_graphql::ID,
    /// Desk phones, softphones and apps that stop.
    pub disabled_devices: Vec<DeviceStop>,
    /// The Teams client that becomes preferred; null when one is created.
    pub teams_client_device_id: Option<async_graphql::ID>,
    /// True when a Teams client device is created for them.
    pub creates_teams_client: bool,
    /// The preferred device before the move.
    pub preferred_device_before: Option<async_graphql::ID>,
    /// Pickup groups they leave.
    pub leaves_pickup_group_ids: Vec<async_graphql::ID>,
}

/// How one movement set fared in a move.
#[derive(SimpleObject, Clone)]
pub struct SetMoveResult {
    /// The set's members.
    pub member_ids: Vec<async_graphql::ID>,
    /// True when it moved (dry run: when it would).
    pub moved: bool,
    /// Why not: a rule's code (`NO_LICENCE`, `BLOCKED`, `SET_SPLIT`) or `FAILED`.
    pub reason: Option<String>,
    /// Why not, in words.
    pub message: Option<String>,
    /// Per person, what changes.
    pub changes: Vec<PersonMoveChange>,
    /// Members already on Teams: nothing to do.
    pub already_moved_ids: Vec<async_graphql::ID>,
    /// Hunt groups that switch to Teams (every member is then on Teams).
    pub hunt_groups_to_teams: Vec<async_graphql::ID>,
    /// Executive-assistant groups that become delegation (whitelist kept, inactive).
    pub ea_groups_to_delegation: Vec<async_graphql::ID>,
}

fn set_result(s: moves::SetOutcome) -> SetMoveResult {
    let plan: SetMove = s.plan.clone().unwrap_or_default();
    let (reason, message) = match (&s.refusal, &s.failure) {
        (Some(r), _) => (Some(r.code().to_owned()), Some(r.to_string())),
        (None, Some(f)) => (Some("FAILED".to_owned()), Some(f.clone())),
        _ => (None, None),
    };
    SetMoveResult {
        member_ids: encode_people(&s.members),
        moved: s.plan.is_some(),
        reason,
        message,
        changes: plan
            .moves
            .iter()
            .map(|m| PersonMoveChange {
                person_id: encode(NodeType::Person, m.person),
                disabled_devices: m
                    .disable
                    .iter()
                    .map(|(d, k)| DeviceStop {
                        device_id: encode(NodeType::Device, *d),
                        kind: (*k).into(),
                    })
                    .collect(),
                teams_client_device_id: match m.teams_client {
                    TeamsClient::Existing(d) => Some(encode(NodeType::Device, d)),
                    TeamsClient::New => None,
                },
                creates_teams_client: m.teams_client == TeamsClient::New,
                preferred_device_before: m.preferred_before.map(|d| encode(NodeType::Device, d)),
                leaves_pickup_group_ids: m
                    .leave_pickup_groups
                    .iter()
                    .map(|g| encode(NodeType::PickupGroup, *g))
                    .collect(),
            })
            .collect(),
        already_moved_ids: encode_people(&plan.already_moved),
        hunt_groups_to_teams: plan
            .hunt_groups_to_teams
            .iter()
            .map(|g| encode(NodeType::HuntGroup, *g))
            .collect(),
        ea_groups_to_delegation: plan
            .ea_groups_to_delegation
            .iter()
            .map(|g| encode(NodeType::EaGroup, *g))
            .collect(),
    }
}

/// What the Chorus upgrade takes from one person still on Chorus.
#[derive(SimpleObject, Clone)]
pub struct UpgradeLossView {
    /// The person's global ID.
    pub person_id: async_graphql::ID,
    /// Softphones and mobile apps that stop.
    pub disabled_devices: Vec<DeviceStop>,
    /// The portal-set preferred device that stops; null when it stays.
    pub preferred_device_before: Option<async_graphql::ID>,
    /// The desk phone preferred instead; null when none.
    pub preferred_device_after: Option<async_graphql::ID>,
}

fn loss_view(l: &UpgradeLoss) -> UpgradeLossView {
    UpgradeLossView {
        person_id: encode(NodeType::Person, l.person),
        disabled_devices: l
            .disable
            .iter()
            .map(|(d, k)| DeviceStop {
                device_id: encode(NodeType::Device, *d),
                kind: (*k).into(),
            })
            .collect(),
        preferred_device_before: l.preferred_reset.map(|(b, _)| encode(NodeType::Device, b)),
        preferred_device_after: l
            .preferred_reset
            .and_then(|(_, a)| a)
            .map(|a| encode(NodeType::Device, a)),
    }
}

/// A run of the Chorus upgrade.
#[derive(SimpleObject, Clone)]
pub struct ChorusUpgradeRun {
    /// When it ran.
    pub ran_at: DateTime<Utc>,
    /// The administrator who ran it.
    pub ran_by: String,
    /// People who lost something.
    pub people: i32,
    /// Devices switched off.
    pub devices: i32,
}

connection!(
    UpgradeLossConnection,
    UpgradeLossEdge,
    UpgradeLossView,
    "people who lose something in the Chorus upgrade"
);

// ---------------------------------------------------------------------------------------------
// A person's own view

/// A countdown e-mail for the person.
#[derive(SimpleObject, Clone)]
pub struct CountdownNotice {
    /// Which e-mail.
    pub kind: NotificationKind,
    /// The London date it goes out.
    pub due_on: NaiveDate,
    /// When it was sent; null until then.
    pub sent_at: Option<DateTime<Utc>>,
    /// The e-mail's subject, once sent.
    pub subject: Option<String>,
}

/// The move to Teams as it concerns one person.
pub struct PersonCutover {
    row: column::Row,
    tranche: Option<entity::tranche::Model>,
    notices: Vec<entity::notification::Model>,
}

/// The move to Teams as it concerns one person.
#[Object]
impl PersonCutover {
    /// The MS Teams column's answer.
    async fn status(&self) -> TeamsColumnStatus {
        self.row.verdict.status.into()
    }

    /// Why they are offered Teams.
    async fn reasons(&self) -> Vec<TeamsReason> {
        self.row
            .verdict
            .reasons
            .iter()
            .map(|r| (*r).into())
            .collect()
    }

    /// Why they cannot move.
    async fn blockers(&self) -> Vec<TeamsBlocker> {
        self.row
            .verdict
            .blockers
            .iter()
            .map(|b| (*b).into())
            .collect()
    }

    /// True when they hold a Teams licence.
    async fn licensed(&self) -> bool {
        self.row.licensed
    }

    /// Their tranche; null when not placed.
    async fn tranche(&self) -> Option<Tranche> {
        self.tranche.clone().map(Tranche)
    }

    /// The day they move; null when not placed.
    async fn move_date(&self) -> Option<NaiveDate> {
        self.tranche.as_ref().map(|t| t.move_date)
    }

    /// What changes for them on the day, in plain sentences.
    async fn what_changes(&self) -> Vec<String> {
        let mut out = vec![
            "You make and receive calls in Microsoft Teams, and keep your telephone numbers."
                .to_owned(),
        ];
        for w in &self.row.verdict.warnings {
            out.push(
                match w {
                    Warning::DeskPhoneStops => {
                        "Your Chorus desk phone stops working; it stays on your desk."
                    }
                    Warning::SoftphoneAndAppStop => {
                        "Your Chorus softphone and OpenScape Mobile app stop; use Teams instead."
                    }
                    Warning::LeavesPickupGroup => {
                        "You leave your pickup group: **3 is a Chorus desk-phone feature."
                    }
                    Warning::LosesEaWhitelist => {
                        "Your executive-assistant group becomes delegation, which has no whitelist."
                    }
                }
                .to_owned(),
            );
        }
        out
    }

    /// Their countdown e-mails, planned and sent.
    async fn notifications(&self) -> Vec<CountdownNotice> {
        self.notices
            .iter()
            .map(|n| CountdownNotice {
                kind: n.kind.into(),
                due_on: n.due_on,
                sent_at: n.sent_at,
                subject: n
                    .payload
                    .get("subject")
                    .and_then(|s| s.as_str())
                    .map(str::to_owned),
            })
            .collect()
    }
}

/// `Person.cutover`: the person themselves, their coordinators and administrators.
pub async fn person_cutover(
    ctx: &Context<'_>,
    person: &entity::person::Model,
) -> ApiResult<Option<PersonCutover>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let principal = ctx_principal(ctx)?;
    if !principal.may_manage_person(person.id, person.unit_id) {
        return Ok(None);
    }
    let db = ctx_db(ctx)?;
    let (rows, _) = column::compute(
        db,
        &column::Scope::People(vec![person.id]),
        since(ctx, None)?,
    )
    .await
    .map_err(ApiError::from)?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let tranche = match row.tranche_id {
        Some(t) => entity::tranche::Entity::find_by_id(t)
            .one(db)
            .await
            .map_err(ApiError::from)?,
        None => None,
    };
    let notices = entity::notification::Entity::find()
        .filter(entity::notification::Column::PersonId.eq(person.id))
        .order_by_asc(entity::notification::Column::DueOn)
        .all(db)
        .await
        .map_err(ApiError::from)?;
    Ok(Some(PersonCutover {
        row,
        tranche,
        notices,
    }))
}

// ---------------------------------------------------------------------------------------------
// Queries

/// Cutover queries.
#[derive(Default)]
pub struct CutoverQuery;

#[Object]
impl CutoverQuery {
    /// The MS Teams column: per person, eligible or not, with reasons, blockers and warnings.
    /// Coordinators see their units (all of them when `unitId` is omitted); administrators
    /// everyone. Rows come in directory order.
    #[allow(clippy::too_many_arguments)]
    async fn teams_eligibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit.")] unit_id: Option<async_graphql::ID>,
        #[graphql(desc = "Narrows the rows.")] filter: Option<TeamsColumnFilter>,
        #[graphql(desc = "Days of call history that count (default from the server's settings).")]
        look_back_days: Option<i32>,
        #[graphql(desc = "Page size, 1–100.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1–100.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> ApiResult<TeamsEligibility> {
        let principal = ctx_principal(ctx)?;
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let scope = column_scope(principal, unit)?;
        let page: Page<(String, Uuid)> = Page::new(first, after, last, before)?;
        let since = since(ctx, look_back_days)?;
        let (rows, _) = column::compute(ctx_db(ctx)?, &scope, since)
            .await
            .map_err(ApiError::from)?;
        let mut counts = TeamsColumnCounts::default();
        for r in &rows {
            match r.verdict.status {
                Status::Eligible => counts.eligible += 1,
                Status::NotNeeded => counts.not_needed += 1,
                Status::Blocked => counts.blocked += 1,
                Status::Moved => counts.moved += 1,
            }
        }
        let filter = filter.unwrap_or_default();
        let rows: Vec<column::Row> = rows.into_iter().filter(|r| filter.keeps(r)).collect();
        let total = rows.len() as i64;
        let key = |r: &column::Row| (r.search_name.clone(), r.person_id);
        let window = slice(rows, &page, key);
        Ok(TeamsEligibility {
            rows: page.finish(window, key, TeamsColumnRow, Some(total)).into(),
            counts,
        })
    }

    /// Movement sets: people linked by hunt groups and executive-assistant groups, who move
    /// together. Coordinators see sets with a member in their units; administrators all.
    async fn movement_sets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only sets with a member in this unit.")] unit_id: Option<
            async_graphql::ID,
        >,
        #[graphql(desc = "Page size, 1–100.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<MovementSetConnection> {
        let principal = ctx_principal(ctx)?;
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let scope = column_scope(principal, unit)?;
        let page: Page<Uuid> = Page::new(first, after, None, None)?;
        let (rows, sets) = column::compute(ctx_db(ctx)?, &scope, since(ctx, None)?)
            .await
            .map_err(ApiError::from)?;
        let by_person: HashMap<Uuid, &column::Row> =
            rows.iter().map(|r| (r.person_id, r)).collect();
        let mut chosen: BTreeMap<Uuid, MovementSet> = BTreeMap::new();
        for r in &rows {
            let Some(set) = sets.of(r.person_id) else {
                continue;
            };
            if chosen.contains_key(&set.key) {
                continue;
            }
            let members: Vec<Uuid> = set.members.iter().copied().collect();
            let blocked = members
                .iter()
                .copied()
                .filter(|m| {
                    by_person.get(m).is_some_and(|r| {
                        r.verdict
                            .blockers
                            .iter()
                            .any(|b| *b != Blocker::MovementSetBlocked)
                    })
                })
                .collect();
            let eligible = members
                .iter()
                .filter(|m| by_person.get(m).is_some_and(|r| r.verdict.eligible()))
                .count() as i64;
            let mut tranches: Vec<Uuid> = members
                .iter()
                .filter_map(|m| by_person.get(m).and_then(|r| r.tranche_id))
                .collect();
            tranches.sort();
            tranches.dedup();
            let links = set
                .links
                .iter()
                .map(|l| MovementLink {
                    kind: l.kind.into(),
                    group_id: encode(
                        match l.kind {
                            LinkKind::HuntGroup => NodeType::HuntGroup,
                            LinkKind::EaGroup => NodeType::EaGroup,
                        },
                        l.group_id,
                    ),
                    name: l.name.clone(),
                    member_ids: encode_people(&l.members),
                })
                .collect();
            chosen.insert(
                set.key,
                MovementSet {
                    key: set.key,
                    members,
                    links,
                    blocked,
                    eligible,
                    tranches,
                },
            );
        }
        let total = chosen.len() as i64;
        let all: Vec<MovementSet> = chosen.into_values().collect();
        let window = slice(all, &page, |s| s.key);
        Ok(page.finish(window, |s| s.key, |s| s, Some(total)).into())
    }

    /// The licence pool.
    async fn licence_pool(&self, ctx: &Context<'_>) -> ApiResult<LicencePool> {
        let principal = ctx_principal(ctx)?;
        if !(principal.is_admin()
            || principal.has_role(Role::Coordinator)
            || principal.kind == crate::auth::PrincipalKind::Service)
        {
            return Err(ApiError::Forbidden("the pool is for staff".into()).into());
        }
        Ok(LicencePool(
            licences::pool(ctx_db(ctx)?).await.map_err(ApiError::from)?,
        ))
    }

    /// Nomination rounds, newest first.
    async fn nomination_rounds(&self, ctx: &Context<'_>) -> ApiResult<Vec<NominationRound>> {
        ctx_principal(ctx)?;
        Ok(nominations::rounds(ctx_db(ctx)?)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?
            .into_iter()
            .map(NominationRound)
            .collect())
    }

    /// Progress of the current round per unit: eligible, answered, pending.
    async fn nomination_progress(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<UnitNominationProgress>> {
        let principal = ctx_principal(ctx)?;
        match nominations::progress(ctx_db(ctx)?, principal, since(ctx, None)?).await {
            Ok(p) => Ok(p.into_iter().map(UnitNominationProgress).collect()),
            Err(CutoverError::NotAllowed(why)) => Err(ApiError::Forbidden(why.into()).into()),
            Err(e) => Err(ApiError::internal(e).into()),
        }
    }

    /// Every tranche, by number.
    async fn tranches(&self, ctx: &Context<'_>) -> ApiResult<Vec<Tranche>> {
        ctx_principal(ctx)?;
        Ok(tranches::list(ctx_db(ctx)?)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(|(t, _)| Tranche(t))
            .collect())
    }

    /// One tranche.
    async fn tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche's ID.")] id: async_graphql::ID,
    ) -> ApiResult<Option<Tranche>> {
        ctx_principal(ctx)?;
        load_tranche(ctx, decode(NodeType::Tranche, &id)?).await
    }

    /// The last run of the Chorus upgrade; null until it has run.
    async fn chorus_upgrade(&self, ctx: &Context<'_>) -> ApiResult<Option<ChorusUpgradeRun>> {
        ctx_principal(ctx)?;
        Ok(moves::upgrade_ran(ctx_db(ctx)?)
            .await
            .map_err(ApiError::from)?
            .map(|r| ChorusUpgradeRun {
                ran_at: r.ran_at,
                ran_by: r.ran_by,
                people: r.people,
                devices: r.devices,
            }))
    }

    /// Who loses what in the Chorus upgrade (rule 11): softphones, mobile apps and portal
    /// preferred devices of everyone still on Chorus. Coordinators see their units.
    async fn chorus_upgrade_preview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this unit.")] unit_id: Option<async_graphql::ID>,
        #[graphql(desc = "Page size, 1–100.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<UpgradeLossConnection> {
        let principal = ctx_principal(ctx)?;
        let unit = unit_id.map(|u| decode(NodeType::Unit, &u)).transpose()?;
        let units = match column_scope(principal, unit)? {
            column::Scope::All => None,
            column::Scope::Units(u) => Some(u),
            column::Scope::People(_) => None,
        };
        let page: Page<Uuid> = Page::new(first, after, None, None)?;
        let losses = moves::upgrade_preview(ctx_db(ctx)?, units.as_deref())
            .await
            .map_err(ApiError::from)?;
        let total = losses.len() as i64;
        let window = slice(losses, &page, |l| l.person);
        Ok(page
            .finish(window, |l| l.person, |l| loss_view(&l), Some(total))
            .into())
    }
}

/// The rows of a page from a list sorted by `key`: after/before the cursors, `limit + 1` in
/// the page's direction (as `Page::finish` expects).
fn slice<T, K: Ord>(rows: Vec<T>, page: &Page<K>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut rows: Vec<T> = rows
        .into_iter()
        .filter(|r| page.after.as_ref().is_none_or(|a| key(r) > *a))
        .filter(|r| page.before.as_ref().is_none_or(|b| key(r) < *b))
        .collect();
    if page.backward {
        rows.reverse();
    }
    rows.truncate(page.limit as usize + 1);
    rows
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// `assignTeamsLicences` input.
#[derive(InputObject)]
pub struct AssignTeamsLicencesInput {
    /// The people, in priority order (the pool may run out part way).
    pub person_ids: Vec<async_graphql::ID>,
    /// Answer without assigning.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `assignTeamsLicences` and `revokeTeamsLicence` payload.
#[derive(SimpleObject)]
pub struct LicencesPayload {
    /// Per person, in the order given.
    pub results: Vec<LicenceResult>,
    /// The pool afterwards.
    pub pool: Option<LicencePool>,
    /// Why the request as a whole was refused.
    pub user_errors: Vec<UserError>,
}

/// `revokeTeamsLicence` input.
#[derive(InputObject)]
pub struct RevokeTeamsLicenceInput {
    /// The person.
    pub person_id: async_graphql::ID,
    /// Answer without revoking.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `setLicencePoolCapacity` input.
#[derive(InputObject)]
pub struct SetLicencePoolCapacityInput {
    /// Licences in the pool; never below those assigned.
    pub capacity: i32,
}

/// `createNominationRound` input.
#[derive(InputObject)]
pub struct CreateNominationRoundInput {
    /// The round's name.
    pub name: String,
    /// Answers after this are late.
    pub deadline: DateTime<Utc>,
}

/// `createNominationRound` payload.
#[derive(SimpleObject)]
pub struct NominationRoundPayload {
    /// The round; null when refused.
    pub round: Option<NominationRound>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// One answer.
#[derive(InputObject)]
pub struct NominationAnswerInput {
    /// The person.
    pub person_id: async_graphql::ID,
    /// NOMINATE or DECLINE.
    pub answer: NominationAnswer,
}

/// `answerNominations` input.
#[derive(InputObject)]
pub struct AnswerNominationsInput {
    /// The round; default the current one.
    pub round_id: Option<async_graphql::ID>,
    /// The answers (each replaces the person's earlier answer).
    pub answers: Vec<NominationAnswerInput>,
}

/// `answerNominations` payload.
#[derive(SimpleObject)]
pub struct AnswerNominationsPayload {
    /// The round answered.
    pub round: Option<NominationRound>,
    /// Per answer, in the order given.
    pub results: Vec<NominationResult>,
    /// Why the request as a whole was refused.
    pub user_errors: Vec<UserError>,
}

/// `createTranche` input.
#[derive(InputObject)]
pub struct CreateTrancheInput {
    /// Its number in the schedule (unique).
    pub number: i32,
    /// Its name.
    pub name: String,
    /// The cohort it moves.
    pub cohort: Cohort,
    /// The move date: after today, leaving a day for the day-before notice.
    pub move_date: NaiveDate,
    /// Most people it may hold.
    pub capacity: i32,
}

/// `updateTranche` input: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateTrancheInput {
    /// The tranche.
    pub id: async_graphql::ID,
    /// A new name.
    pub name: Option<String>,
    /// A new move date (re-plans the unsent countdown e-mails).
    pub move_date: Option<NaiveDate>,
    /// A new capacity (not below the members).
    pub capacity: Option<i32>,
    /// The next state: PLANNED → FROZEN → IN_PROGRESS → DONE (FROZEN → PLANNED thaws).
    pub state: Option<TrancheState>,
    /// The version read; the change is refused with CONFLICT if it moved on.
    pub expected_version: Option<i32>,
}

/// Tranche payload.
#[derive(SimpleObject)]
pub struct TranchePayload {
    /// The tranche; null when refused.
    pub tranche: Option<Tranche>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// `assignToTranche` input.
#[derive(InputObject)]
pub struct AssignToTrancheInput {
    /// The tranche.
    pub tranche_id: async_graphql::ID,
    /// The people: whole movement sets.
    pub person_ids: Vec<async_graphql::ID>,
    /// Answer without placing.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `assignToTranche` payload.
#[derive(SimpleObject)]
pub struct AssignToTranchePayload {
    /// The tranche.
    pub tranche: Option<Tranche>,
    /// Per movement set (or single person).
    pub sets: Vec<SetPlacement>,
    /// Why the request as a whole was refused (e.g. SET_SPLIT, TRANCHE_FROZEN).
    pub user_errors: Vec<UserError>,
}

/// `removeFromTranche` input.
#[derive(InputObject)]
pub struct RemoveFromTrancheInput {
    /// The people: whole movement sets.
    pub person_ids: Vec<async_graphql::ID>,
}

/// `removeFromTranche` payload.
#[derive(SimpleObject)]
pub struct RemoveFromTranchePayload {
    /// People taken out (those in no tranche are left out).
    pub removed_ids: Vec<async_graphql::ID>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// `planTranches` input.
#[derive(InputObject)]
pub struct PlanTranchesInput {
    /// Propose without placing.
    #[graphql(default = true)]
    pub dry_run: bool,
}

/// `planTranches` payload.
#[derive(SimpleObject)]
pub struct PlanTranchesPayload {
    /// Sets placed (dry run: proposed), per tranche.
    pub placements: Vec<PlannedPlacement>,
    /// Sets left out, and why.
    pub unplaced: Vec<UnplacedSet>,
    /// People placed.
    pub placed_count: i64,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// `executeTranche` input.
#[derive(InputObject)]
pub struct ExecuteTrancheInput {
    /// The tranche (FROZEN, or IN_PROGRESS to finish a stopped run).
    pub tranche_id: async_graphql::ID,
    /// Show what would change without changing it.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `moveToTeams` input.
#[derive(InputObject)]
pub struct MoveToTeamsInput {
    /// The people: whole movement sets.
    pub person_ids: Vec<async_graphql::ID>,
    /// Show what would change without changing it.
    #[graphql(default)]
    pub dry_run: bool,
}

/// `executeTranche` and `moveToTeams` payload.
#[derive(SimpleObject)]
pub struct MovePayload {
    /// The run's id, as in `cutoverProgress` events.
    pub run_id: Option<async_graphql::ID>,
    /// True for a dry run.
    pub dry_run: bool,
    /// The tranche afterwards (executeTranche).
    pub tranche: Option<Tranche>,
    /// People moved (dry run: who would be).
    pub people_moved: i64,
    /// Per movement set.
    pub sets: Vec<SetMoveResult>,
    /// Why the request as a whole was refused.
    pub user_errors: Vec<UserError>,
}

impl MovePayload {
    fn refused(user_errors: Vec<UserError>, dry_run: bool) -> Self {
        Self {
            run_id: None,
            dry_run,
            tranche: None,
            people_moved: 0,
            sets: vec![],
            user_errors,
        }
    }

    fn of(report: moves::Report, tranche: Option<Tranche>) -> Self {
        Self {
            run_id: Some(async_graphql::ID(report.run_id.to_string())),
            dry_run: report.dry_run,
            tranche,
            people_moved: report.people_moved() as i64,
            sets: report.sets.into_iter().map(set_result).collect(),
            user_errors: vec![],
        }
    }
}

/// `runChorusUpgrade` input.
#[derive(InputObject)]
pub struct RunChorusUpgradeInput {
    /// Show who would lose what without changing anything.
    #[graphql(default = true)]
    pub dry_run: bool,
}

/// `runChorusUpgrade` payload.
#[derive(SimpleObject)]
pub struct RunChorusUpgradePayload {
    /// People who lose something (dry run: would).
    pub affected_count: i64,
    /// Devices switched off (dry run: would be).
    pub devices_disabled: i64,
    /// The first 100 people, by person id.
    pub sample: Vec<UpgradeLossView>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Cutover mutations.
#[derive(Default)]
pub struct CutoverMutation;

#[Object]
impl CutoverMutation {
    /// Assigns Teams licences while the pool lasts: per person ASSIGNED, ALREADY_ASSIGNED or
    /// REFUSED (BLOCKED, UNKNOWN_PERSON, POOL_EXHAUSTED). Never more than the pool, however
    /// many requests run at once.
    async fn assign_teams_licences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The people, in priority order, and whether to only try.")]
        input: AssignTeamsLicencesInput,
    ) -> ApiResult<LicencesPayload> {
        let principal = ctx_principal(ctx)?;
        let people = ids(NodeType::Person, &input.person_ids)?;
        match licences::assign(
            ctx_db(ctx)?,
            principal,
            &people,
            input.dry_run,
            since(ctx, None)?,
        )
        .await
        {
            Ok((results, pool)) => Ok(LicencesPayload {
                results: results.into_iter().map(licence_result).collect(),
                pool: Some(LicencePool(pool)),
                user_errors: vec![],
            }),
            Err(e) => Ok(LicencesPayload {
                results: vec![],
                pool: None,
                user_errors: user_errors(e)?,
            }),
        }
    }

    /// Takes a licence back; refused for someone on Teams or placed in a tranche.
    async fn revoke_teams_licence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person whose licence to take back.")] input: RevokeTeamsLicenceInput,
    ) -> ApiResult<LicencesPayload> {
        let principal = ctx_principal(ctx)?;
        let person = decode(NodeType::Person, &input.person_id)?;
        match licences::revoke(ctx_db(ctx)?, principal, person, input.dry_run).await {
            Ok((result, pool)) => Ok(LicencesPayload {
                results: vec![licence_result(result)],
                pool: Some(LicencePool(pool)),
                user_errors: vec![],
            }),
            Err(e) => Ok(LicencesPayload {
                results: vec![],
                pool: None,
                user_errors: user_errors(e)?,
            }),
        }
    }

    /// Sizes the licence pool (administrators).
    async fn set_licence_pool_capacity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The number of licences the pool holds.")]
        input: SetLicencePoolCapacityInput,
    ) -> ApiResult<LicencesPayload> {
        let principal = ctx_principal(ctx)?;
        match licences::set_capacity(ctx_db(ctx)?, principal, input.capacity).await {
            Ok(pool) => Ok(LicencesPayload {
                results: vec![],
                pool: Some(LicencePool(pool)),
                user_errors: vec![],
            }),
            Err(e) => Ok(LicencesPayload {
                results: vec![],
                pool: None,
                user_errors: user_errors(e)?,
            }),
        }
    }

    /// Opens a nomination round with its deadline (administrators).
    async fn create_nomination_round(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The round's name and deadline.")] input: CreateNominationRoundInput,
    ) -> ApiResult<NominationRoundPayload> {
        let principal = ctx_principal(ctx)?;
        match nominations::create_round(
            ctx_db(ctx)?,
            principal,
            &input.name,
            input.deadline,
            Utc::now(),
        )
        .await
        {
            Ok(r) => Ok(NominationRoundPayload {
                round: Some(NominationRound(r)),
                user_errors: vec![],
            }),
            Err(e) => Ok(NominationRoundPayload {
                round: None,
                user_errors: user_errors(e)?,
            }),
        }
    }

    /// Records coordinators' answers for people of their units; after the deadline they are
    /// recorded as late (LATE tranche).
    async fn answer_nominations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The round (default the current one) and the answers.")]
        input: AnswerNominationsInput,
    ) -> ApiResult<AnswerNominationsPayload> {
        let principal = ctx_principal(ctx)?;
        if input.answers.len() > 5_000 {
            return Err(ApiError::LimitExceeded("at most 5000 answers per request".into()).into());
        }
        let round = input
            .round_id
            .map(|r| decode(NodeType::NominationRound, &r))
            .transpose()?;
        let answers = input
            .answers
            .iter()
            .map(|a| Ok((decode(NodeType::Person, &a.person_id)?, a.answer.into())))
            .collect::<Result<Vec<_>, ApiError>>()?;
        match nominations::answer(ctx_db(ctx)?, principal, round, &answers, Utc::now()).await {
            Ok((round, results)) => Ok(AnswerNominationsPayload {
                round: Some(NominationRound(round)),
                results: results
                    .into_iter()
                    .map(|r| NominationResult {
                        person_id: encode(NodeType::Person, r.person_id),
                        outcome: r.outcome.into(),
                        reason: r.refusal.as_ref().map(|x| x.code().to_owned()),
                        message: r.refusal.as_ref().map(ToString::to_string),
                    })
                    .collect(),
                user_errors: vec![],
            }),
            Err(e) => Ok(AnswerNominationsPayload {
                round: None,
                results: vec![],
                user_errors: user_errors(e)?,
            }),
        }
    }

    /// Creates a tranche.
    async fn create_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche's number, name, cohort, move date and capacity.")]
        input: CreateTrancheInput,
    ) -> ApiResult<TranchePayload> {
        let principal = ctx_principal(ctx)?;
        let new = tranches::NewTranche {
            number: input.number,
            name: input.name,
            cohort: input.cohort.into(),
            move_date: input.move_date,
            capacity: input.capacity,
        };
        tranche_payload(tranches::create(ctx_db(ctx)?, principal, new, Utc::now()).await)
    }

    /// Renames, reschedules (re-planning unsent countdown e-mails), resizes, or moves the
    /// state on. Dates and capacity change only while PLANNED.
    async fn update_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche and what to change.")] input: UpdateTrancheInput,
    ) -> ApiResult<TranchePayload> {
        let principal = ctx_principal(ctx)?;
        let id = decode(NodeType::Tranche, &input.id)?;
        let change = tranches::TrancheChange {
            name: input.name,
            move_date: input.move_date,
            capacity: input.capacity,
            state: input.state.map(Into::into),
            expected_version: input.expected_version,
        };
        tranche_payload(tranches::update(ctx_db(ctx)?, principal, id, change, Utc::now()).await)
    }

    /// Places whole movement sets in a PLANNED tranche: each set needs licences, no blocker,
    /// and room; a late nomination only goes to a LATE tranche. Plans their countdown e-mails.
    async fn assign_to_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche and the people (whole movement sets) to place.")]
        input: AssignToTrancheInput,
    ) -> ApiResult<AssignToTranchePayload> {
        let principal = ctx_principal(ctx)?;
        let tranche = decode(NodeType::Tranche, &input.tranche_id)?;
        let people = ids(NodeType::Person, &input.person_ids)?;
        match tranches::assign(
            ctx_db(ctx)?,
            principal,
            tranche,
            &people,
            input.dry_run,
            Utc::now(),
            since(ctx, None)?,
        )
        .await
        {
            Ok((t, sets)) => Ok(AssignToTranchePayload {
                tranche: load_tranche(ctx, t.id).await?,
                sets: sets
                    .into_iter()
                    .map(|s| SetPlacement {
                        member_ids: encode_people(&s.members),
                        placed: s.refusal.is_none(),
                        reason: s.refusal.as_ref().map(|r| r.code().to_owned()),
                        message: s.refusal.as_ref().map(ToString::to_string),
                    })
                    .collect(),
                user_errors: vec![],
            }),
            Err(e) => Ok(AssignToTranchePayload {
                tranche: None,
                sets: vec![],
                user_errors: user_errors(e)?,
            }),
        }
    }

    /// Takes whole movement sets out of their (PLANNED) tranche; unsent e-mails are dropped.
    async fn remove_from_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The people (whole movement sets) to take out.")]
        input: RemoveFromTrancheInput,
    ) -> ApiResult<RemoveFromTranchePayload> {
        let principal = ctx_principal(ctx)?;
        let people = ids(NodeType::Person, &input.person_ids)?;
        match tranches::remove(ctx_db(ctx)?, principal, &people, since(ctx, None)?).await {
            Ok(removed) => Ok(RemoveFromTranchePayload {
                removed_ids: encode_people(&removed),
                user_errors: vec![],
            }),
            Err(e) => Ok(RemoveFromTranchePayload {
                removed_ids: vec![],
                user_errors: user_errors(e)?,
            }),
        }
    }

    /// Proposes (and with `dryRun: false` makes) a placement of nominated people not yet in
    /// a tranche: whole sets, by cohort, within capacity; what could not be placed and why.
    async fn plan_tranches(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whether to only propose (the default) or also place.")]
        input: PlanTranchesInput,
    ) -> ApiResult<PlanTranchesPayload> {
        let principal = ctx_principal(ctx)?;
        match tranches::plan(
            ctx_db(ctx)?,
            principal,
            input.dry_run,
            Utc::now(),
            since(ctx, None)?,
        )
        .await
        {
            Ok(plan) => Ok(PlanTranchesPayload {
                placed_count: plan.placed.iter().map(|(_, m, _)| m.len() as i64).sum(),
                placements: plan
                    .placed
                    .into_iter()
                    .map(|(t, members, overflow)| PlannedPlacement {
                        tranche_id: encode(NodeType::Tranche, t),
                        member_ids: encode_people(&members),
                        overflow,
                    })
                    .collect(),
                unplaced: plan
                    .skipped
                    .into_iter()
                    .map(|(members, why)| UnplacedSet {
                        member_ids: encode_people(&members),
                        reason: why.into(),
                    })
                    .collect(),
                user_errors: vec![],
            }),
            Err(e) => Ok(PlanTranchesPayload {
                placements: vec![],
                unplaced: vec![],
                placed_count: 0,
                user_errors: user_errors(e)?,
            }),
        }
    }

    /// Moves every member of a FROZEN tranche to Teams in whole movement sets (rule 10), up to
    /// 100 sets per transaction. A set that fails is left unchanged and reported; the others
    /// go on. Run it again to finish a stopped run: nothing is changed twice. `dryRun` shows
    /// the changes.
    async fn execute_tranche(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tranche to move and whether to only show the changes.")]
        input: ExecuteTrancheInput,
    ) -> ApiResult<MovePayload> {
        let principal = ctx_principal(ctx)?;
        let tranche = decode(NodeType::Tranche, &input.tranche_id)?;
        let events = ctx
            .data_opt::<Events>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no events in the context")))?;
        match moves::execute_tranche(
            ctx_db(ctx)?,
            principal,
            events,
            tranche,
            input.dry_run,
            since(ctx, None)?,
        )
        .await
        {
            Ok((t, report)) => Ok(MovePayload::of(report, Some(Tranche(t)))),
            Err(e) => Ok(MovePayload::refused(user_errors(e)?, input.dry_run)),
        }
    }

    /// Moves people to Teams now (whole movement sets), as `executeTranche` does.
    async fn move_to_teams(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The people (whole movement sets) and whether to only show the changes.")]
        input: MoveToTeamsInput,
    ) -> ApiResult<MovePayload> {
        let principal = ctx_principal(ctx)?;
        let people = ids(NodeType::Person, &input.person_ids)?;
        let events = ctx
            .data_opt::<Events>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no events in the context")))?;
        match moves::move_people(
            ctx_db(ctx)?,
            principal,
            events,
            &people,
            input.dry_run,
            since(ctx, None)?,
        )
        .await
        {
            Ok(report) => Ok(MovePayload::of(report, None)),
            Err(e) => Ok(MovePayload::refused(user_errors(e)?, input.dry_run)),
        }
    }

    /// The Chorus upgrade (rule 11): softphones, mobile apps and portal preferred devices stop
    /// for everyone still on Chorus. Dry run by default; see `chorusUpgradePreview`.
    async fn run_chorus_upgrade(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whether to only preview (the default) or run it.")]
        input: RunChorusUpgradeInput,
    ) -> ApiResult<RunChorusUpgradePayload> {
        let principal = ctx_principal(ctx)?;
        match moves::run_upgrade(ctx_db(ctx)?, principal, input.dry_run).await {
            Ok(losses) => Ok(RunChorusUpgradePayload {
                affected_count: losses.len() as i64,
                devices_disabled: losses.iter().map(|l| l.disable.len() as i64).sum(),
                sample: losses.iter().take(100).map(loss_view).collect(),
                user_errors: vec![],
            }),
            Err(e) => Ok(RunChorusUpgradePayload {
                affected_count: 0,
                devices_disabled: 0,
                sample: vec![],
                user_errors: user_errors(e)?,
            }),
        }
    }
}

fn tranche_payload(r: Result<entity::tranche::Model, CutoverError>) -> ApiResult<TranchePayload> {
    match r {
        Ok(t) => Ok(TranchePayload {
            tranche: Some(Tranche(t)),
            user_errors: vec![],
        }),
        Err(e) => Ok(TranchePayload {
            tranche: None,
            user_errors: user_errors(e)?,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Subscription

/// Progress of a move, after each movement set.
#[derive(SimpleObject, Clone)]
pub struct CutoverProgressEvent {
    /// The run, as returned by `executeTranche` / `moveToTeams`.
    pub run_id: async_graphql::ID,
    /// The tranche, for `executeTranche`.
    pub tranche_id: Option<async_graphql::ID>,
    /// Sets in the run.
    pub sets_total: i32,
    /// Sets finished so far.
    pub sets_done: i32,
    /// Sets refused or failed so far.
    pub sets_failed: i32,
    /// People moved so far.
    pub people_moved: i32,
    /// The set just finished.
    pub member_ids: Vec<async_graphql::ID>,
    /// Why that set did not move; null when it did.
    pub failure: Option<String>,
    /// True on the run's last event.
    pub finished: bool,
}

impl From<CutoverProgress> for CutoverProgressEvent {
    fn from(e: CutoverProgress) -> Self {
        Self {
            run_id: async_graphql::ID(e.run_id.to_string()),
            tranche_id: e.tranche_id.map(|t| encode(NodeType::Tranche, t)),
            sets_total: e.sets_total as i32,
            sets_done: e.sets_done as i32,
            sets_failed: e.sets_failed as i32,
            people_moved: e.people_moved as i32,
            member_ids: encode_people(&e.set_members),
            failure: e.failure,
            finished: e.finished,
        }
    }
}

/// Cutover subscriptions.
#[derive(Default)]
pub struct CutoverSubscription;

#[Subscription]
impl CutoverSubscription {
    /// Progress of moves to Teams (administrators and services with the `cutover:write`
    /// scope), from whichever server process runs them; only one tranche's when `trancheId` is
    /// given.
    async fn cutover_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this tranche's runs.")] tranche_id: Option<async_graphql::ID>,
    ) -> async_graphql::Result<impl Stream<Item = CutoverProgressEvent> + use<>> {
        let principal = ctx_principal(ctx)?;
        if !service::may_run(principal, tranches::SCOPE) {
            return Err(ApiError::Forbidden(
                "cutover progress is for administrators and the cutover:write service scope".into(),
            )
            .into());
        }
        let only = tranche_id
            .map(|t| decode(NodeType::Tranche, &t))
            .transpose()?;
        let receiver = ctx
            .data_opt::<Events>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no events in the context")))?
            .subscribe_cutover();
        Ok(futures_util::stream::unfold(
            receiver,
            move |mut rx| async move {
                loop {
                    match rx.recv().await {
                        Ok(e) if only.is_none() || e.tranche_id == only => {
                            return Some((CutoverProgressEvent::from(e), rx));
                        }
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}

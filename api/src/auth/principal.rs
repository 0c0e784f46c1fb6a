//! Who is calling. A [`Principal`] is built once per request from a verified token and put
//! into the GraphQL request data; resolvers ask it, never the headers.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{HeaderMap, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{AccessClaims, AuthError, PrincipalKind, TokenKeys};

/// A role, as guards and the rules see it. Every person is a USER.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Any signed-in person: sees and manages their own things.
    User,
    /// A telephone coordinator: manages the people of their units.
    Coordinator,
    /// A telephone administrator: everything.
    Admin,
    /// An automation or PBX service account, limited by its scopes.
    Service,
}

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// SSO username, or the service account name.
    pub username: String,
    pub kind: PrincipalKind,
    pub person_id: Option<Uuid>,
    pub roles: BTreeSet<Role>,
    /// Units the caller coordinates.
    pub units: BTreeSet<Uuid>,
    pub scopes: BTreeSet<String>,
}

impl Principal {
    /// The server acting on its own (start-up recovery), as a service with `scopes`.
    pub fn system(name: &str, scopes: &[&str]) -> Self {
        Self {
            username: format!("system:{name}"),
            kind: PrincipalKind::Service,
            person_id: None,
            roles: BTreeSet::from([Role::Service]),
            units: BTreeSet::new(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Builds the principal from verified claims; unknown role names are ignored.
    pub fn from_claims(claims: AccessClaims) -> Self {
        let mut roles = BTreeSet::new();
        match claims.kind {
            PrincipalKind::Person => {
                roles.insert(Role::User);
                for r in &claims.roles {
                    match r.as_str() {
                        "ADMIN" => roles.insert(Role::Admin),
                        "COORDINATOR" => roles.insert(Role::Coordinator),
                        _ => false,
                    };
                }
            }
            PrincipalKind::Service => {
                roles.insert(Role::Service);
            }
        }
        Self {
            username: claims.sub,
            kind: claims.kind,
            person_id: claims.pid,
            units: if roles.contains(&Role::Coordinator) {
                claims.units.into_iter().collect()
            } else {
                BTreeSet::new()
            },
            roles,
            scopes: claims.scopes.into_iter().collect(),
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.kind == PrincipalKind::Service && self.scopes.contains(scope)
    }

    /// True when the caller is this person.
    pub fn is_person(&self, person_id: Uuid) -> bool {
        self.person_id == Some(person_id)
    }

    /// True when the caller coordinates this unit.
    pub fn coordinates(&self, unit_id: Uuid) -> bool {
        self.has_role(Role::Coordinator) && self.units.contains(&unit_id)
    }

    /// "Own or my units": the caller is the person, an admin, or coordinates the person's unit.
    pub fn may_manage_person(&self, person_id: Uuid, unit_id: Uuid) -> bool {
        self.is_person(person_id) || self.is_admin() || self.coordinates(unit_id)
    }

    /// The units whose people the caller may see in full: `None` means all (admin).
    pub fn unit_scope(&self) -> Option<&BTreeSet<Uuid>> {
        if self.is_admin() {
            None
        } else {
            Some(&self.units)
        }
    }
}

/// Reads and verifies the bearer token of a request.
pub fn authenticate(headers: &HeaderMap, keys: &TokenKeys) -> Result<Principal, AuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?;
    let value = value.to_str().map_err(|_| AuthError::Malformed)?;
    let token = bearer_token(value).ok_or(AuthError::Malformed)?;
    keys.verify(token).map(Principal::from_claims)
}

/// [`authenticate`], then [`check_subject`]: what every route that runs on behalf of the
/// caller uses.
pub async fn authenticate_known(
    headers: &HeaderMap,
    keys: &TokenKeys,
    db: &impl ConnectionTrait,
) -> Result<Principal, AuthError> {
    let principal = authenticate(headers, keys)?;
    let subject = Subject::of(&principal);
    if !keys.subjects.is_fresh(&subject) {
        check_subject(db, &principal).await?;
        keys.subjects.remember(subject);
    } else if principal.kind == PrincipalKind::Person
        && has_left(db, &principal)
            .await
            .map_err(|_| AuthError::Unavailable)?
    {
        // No grace for a leaver: one primary-key read, on every process, on every request.
        return Err(AuthError::UnknownSubject);
    }
    Ok(principal)
}

/// The most subjects a [`SubjectCache`] holds; past it, stale entries go, then all.
const MAX_CACHED_SUBJECTS: usize = 10_000;

/// Who a token names, as [`check_subject`] looks them up.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subject {
    kind: PrincipalKind,
    person_id: Option<Uuid>,
    username: String,
}

impl Subject {
    fn of(principal: &Principal) -> Self {
        Self {
            kind: principal.kind,
            person_id: principal.person_id,
            username: principal.username.clone(),
        }
    }
}

/// Subjects found recently, so that a client's burst of requests costs one lookup rather
/// than one per request. Only found people are kept, each for the configured time: a removed
/// person's token works for at most that long (0 turns the cache off). Service accounts are
/// never kept: an administrator who disables one (a leaked token, a retired feed) needs it
/// stopped on the very next request, on every server of the installation, and a service's
/// lookup is one row by its unique name.
pub struct SubjectCache {
    ttl: Duration,
    found: Mutex<HashMap<Subject, Instant>>,
}

impl SubjectCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            found: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Subject, Instant>> {
        // A panic elsewhere while holding the lock leaves a usable map.
        self.found.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Only people are cached; see the type's comment.
    fn keeps(&self, subject: &Subject) -> bool {
        !self.ttl.is_zero() && subject.kind == PrincipalKind::Person
    }

    /// True when the subject was found less than the configured time ago.
    pub fn is_fresh(&self, subject: &Subject) -> bool {
        self.keeps(subject)
            && self
                .entries()
                .get(subject)
                .is_some_and(|at| at.elapsed() < self.ttl)
    }

    /// Notes that the subject was found just now.
    pub fn remember(&self, subject: Subject) {
        if !self.keeps(&subject) {
            return;
        }
        let mut found = self.entries();
        if found.len() >= MAX_CACHED_SUBJECTS {
            found.retain(|_, at| at.elapsed() < self.ttl);
            if found.len() >= MAX_CACHED_SUBJECTS {
                found.clear();
            }
        }
        found.insert(subject, Instant::now());
    }
}

/// Refuses a well-signed token whose subject is gone or never existed: a person token must
/// name a person of ours (by `pid` when it carries one, with the same username; else by
/// username), a service token a service account that is not disabled. Roles and scopes still
/// travel in the token (a revoked grant lapses with it), but a removed person or a removed or
/// disabled account stops at once.
pub async fn check_subject(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<(), AuthError> {
    let unavailable = |e: sea_orm::DbErr| {
        tracing::error!(error = %e, "cannot look up a token's subject");
        AuthError::Unavailable
    };
    let known = match (principal.kind, principal.person_id) {
        (PrincipalKind::Person, Some(id)) => entity::person::Entity::find_by_id(id)
            .select_only()
            .column(entity::person::Column::Username)
            .into_tuple::<String>()
            .one(db)
            .await
            .map_err(unavailable)?
            .is_some_and(|username| username == principal.username),
        (PrincipalKind::Person, None) => entity::person::Entity::find()
            .select_only()
            .column(entity::person::Column::Id)
            .filter(entity::person::Column::Username.eq(principal.username.as_str()))
            .into_tuple::<Uuid>()
            .one(db)
            .await
            .map_err(unavailable)?
            .is_some(),
        (PrincipalKind::Service, _) => entity::service_account::Entity::find()
            .select_only()
            .column(entity::service_account::Column::Id)
            .filter(entity::service_account::Column::Name.eq(principal.username.as_str()))
            .filter(entity::service_account::Column::DisabledAt.is_null())
            .into_tuple::<Uuid>()
            .one(db)
            .await
            .map_err(unavailable)?
            .is_some(),
    };
    // A leaver's sign-in stops when they are offboarded (rule 13).
    if known
        && principal.kind == PrincipalKind::Person
        && has_left(db, principal).await.map_err(unavailable)?
    {
        return Err(AuthError::UnknownSubject);
    }
    if known {
        Ok(())
    } else {
        Err(AuthError::UnknownSubject)
    }
}

/// True when the person a token names has been offboarded.
async fn has_left(
    db: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<bool, sea_orm::DbErr> {
    let id = match principal.person_id {
        Some(id) => Some(id),
        None => {
            entity::person::Entity::find()
                .select_only()
                .column(entity::person::Column::Id)
                .filter(entity::person::Column::Username.eq(principal.username.as_str()))
                .into_tuple::<Uuid>()
                .one(db)
                .await?
        }
    };
    match id {
        Some(id) => Ok(entity::leaver::Entity::find_by_id(id)
            .one(db)
            .await?
            .is_some()),
        None => Ok(false),
    }
}

/// The token of an `Authorization: Bearer …` value (scheme case-insensitive).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The 401 answer of plain HTTP routes (503 when the token could not be checked).
impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "errors": [{ "message": self.to_string(), "extensions": { "code": self.code() } }]
        });
        let status = self.status();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl<S> FromRequestParts<S> for Principal
where
    S: Send + Sync,
    TokenKeys: FromRef<S>,
    sea_orm::DatabaseConnection: FromRef<S>,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let db = sea_orm::DatabaseConnection::from_ref(state);
        authenticate_known(&parts.headers, &TokenKeys::from_ref(state), &db).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_values_are_parsed_strictly() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }

    fn claims(kind: PrincipalKind, roles: &[&str]) -> AccessClaims {
        AccessClaims {
            iss: "chorus".into(),
            aud: "chorus-api".into(),
            sub: "x".into(),
            exp: 0,
            iat: 0,
            nbf: 0,
            kind,
            pid: None,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            units: vec![Uuid::nil()],
            scopes: vec!["calls:write".into()],
        }
    }

    #[test]
    fn only_people_are_cached() {
        let cache = SubjectCache::new(Duration::from_secs(60));
        let person = Subject::of(&Principal::from_claims(claims(PrincipalKind::Person, &[])));
        let service = Subject::of(&Principal::from_claims(claims(PrincipalKind::Service, &[])));
        cache.remember(person.clone());
        cache.remember(service.clone());
        assert!(cache.is_fresh(&person));
        assert!(
            !cache.is_fresh(&service),
            "a service account is looked up on every request, so disabling it is immediate"
        );
        let off = SubjectCache::new(Duration::ZERO);
        off.remember(person.clone());
        assert!(!off.is_fresh(&person));
    }

    #[test]
    fn units_count_only_for_coordinators_and_scopes_only_for_services() {
        let user = Principal::from_claims(claims(PrincipalKind::Person, &[]));
        assert!(user.units.is_empty());
        assert!(!user.has_scope("calls:write"));
        let coord = Principal::from_claims(claims(PrincipalKind::Person, &["COORDINATOR"]));
        assert!(coord.coordinates(Uuid::nil()));
        let service = Principal::from_claims(claims(PrincipalKind::Service, &["ADMIN"]));
        assert!(
            !service.is_admin(),
            "a service cannot claim a person's role"
        );
        assert!(service.has_scope("calls:write"));
    }
}

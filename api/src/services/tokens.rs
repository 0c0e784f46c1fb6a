//! Minting access tokens for local use (`chorus token`, the demo, tests). The claims carry the
//! person's current grants, or the service account's scopes; a disabled account gets none.

use std::time::Duration;

use chrono::Utc;
use entity::{enums::GrantedRole, person, role_grant, service_account};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::auth::{AccessClaims, PrincipalKind, TokenKeys};

/// Why no token could be made.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error("no person or service account is named {0:?}")]
    UnknownSubject(String),
    #[error("the service account {0:?} is disabled")]
    Disabled(String),
    #[error("{0:?} has left (offboarded): no token")]
    Left(String),
    #[error("{0}")]
    Signing(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// The claims for a person or service account found by name, valid for `ttl`.
pub async fn claims_for(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    username: &str,
    ttl: Duration,
) -> Result<AccessClaims, MintError> {
    let now = Utc::now().timestamp();
    let mut claims = AccessClaims {
        iss: keys.issuer().to_owned(),
        aud: keys.audience().to_owned(),
        sub: username.to_owned(),
        exp: now + ttl.as_secs() as i64,
        iat: now,
        nbf: now,
        kind: PrincipalKind::Person,
        pid: None,
        roles: vec![],
        units: vec![],
        scopes: vec![],
    };
    if let Some(p) = person::Entity::find()
        .filter(person::Column::Username.eq(username))
        .one(db)
        .await?
    {
        if crate::services::leavers::has_left(db, p.id).await? {
            return Err(MintError::Left(username.to_owned()));
        }
        let grants = role_grant::Entity::find()
            .filter(role_grant::Column::PersonId.eq(p.id))
            .all(db)
            .await?;
        for g in grants {
            let name = match g.role {
                GrantedRole::Admin => "ADMIN",
                GrantedRole::Coordinator => "COORDINATOR",
            };
            if !claims.roles.iter().any(|r| r == name) {
                claims.roles.push(name.to_owned());
            }
            claims.units.extend(g.unit_id);
        }
        claims.pid = Some(p.id);
        return Ok(claims);
    }
    if let Some(s) = service_account::Entity::find()
        .filter(service_account::Column::Name.eq(username))
        .one(db)
        .await?
    {
        if s.disabled_at.is_some() {
            return Err(MintError::Disabled(s.name));
        }
        claims.kind = PrincipalKind::Service;
        claims.scopes = s.scopes.split_whitespace().map(str::to_owned).collect();
        return Ok(claims);
    }
    Err(MintError::UnknownSubject(username.to_owned()))
}

/// A signed token for a person or service account found by name.
pub async fn mint(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    username: &str,
    ttl: Duration,
) -> Result<String, MintError> {
    let claims = claims_for(db, keys, username, ttl).await?;
    keys.sign(&claims)
        .map_err(|e| MintError::Signing(e.to_string()))
}

/// Parses a lifetime such as `90s`, `30m`, `1h` or `7d`.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a lifetime like 1h or 30m"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
    };
    if seconds == 0 || seconds > 30 * 86_400 {
        return Err(format!(
            "{text:?}: a token lives between 1 second and 30 days"
        ));
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse() {
        assert_eq!(parse_ttl("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_ttl("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_ttl("45"), Ok(Duration::from_secs(45)));
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("1y").is_err());
        assert!(parse_ttl("h").is_err());
        assert!(parse_ttl("99d").is_err());
    }
}

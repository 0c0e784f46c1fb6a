//! The conference bridges, holding one for the length of a transaction, and what is booked
//! on it: the overlapping conferences, the ports they reserve, fresh codes.

use chrono::{DateTime, Utc};
use entity::{enums::ConferenceStatus, teleconference as conference};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use uuid::Uuid;

use super::refused;
use crate::{
    domain::{
        conferences::{self as rules, ConferenceSlot},
        groups::GroupRefusal,
    },
    error::UserError,
};

/// A conference bridge of the University's PBX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bridge {
    /// Stored in `teleconference.bridge`.
    pub code: &'static str,
    /// What it is for, in words.
    pub name: &'static str,
    /// The number participants dial, E.164 (copied into `teleconference.dial_in_number`).
    pub dial_in_number: &'static str,
    /// Ports: callers connected at once, summed over the conferences running at any instant.
    pub ports: i32,
}

/// The bridges. The values are the local convention of this system (no seed names them):
/// an everyday bridge for meetings, and a large one for briefings and all-staff calls, each
/// with its own Oxford dial-in number. A new bridge is a new entry here (and a variant of the
/// GraphQL enum `ConferenceBridge`).
pub const BRIDGES: [Bridge; 2] = [
    Bridge {
        code: "MAIN",
        name: "Everyday meetings",
        dial_in_number: "+441865289000",
        ports: 120,
    },
    Bridge {
        code: "LARGE",
        name: "Briefings and all-staff calls",
        dial_in_number: "+441865289100",
        ports: 300,
    },
];

/// The bridge used when none is named.
pub const DEFAULT_BRIDGE: &str = "MAIN";

/// The bridge with this code.
pub fn bridge(code: &str) -> Option<&'static Bridge> {
    BRIDGES.iter().find(|b| b.code == code)
}

/// The PostgreSQL advisory-lock key of a bridge: FNV-1a (64-bit) of a namespaced name, so it
/// is stable across processes and versions and does not collide with other users of
/// single-key advisory locks by accident.
fn bridge_lock_key(code: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "chorus.teleconference.bridge:".bytes().chain(code.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Begins a transaction that writes: on SQLite `BEGIN IMMEDIATE` (the write lock first, so
/// the reads that decide are never stale); elsewhere a plain `BEGIN`.
pub(super) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Holds the bridge until the transaction ends (PostgreSQL; SQLite already serialises
/// writers, see [`begin_write`]).
pub(super) async fn lock_bridge(txn: &DatabaseTransaction, code: &str) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [bridge_lock_key(code).into()],
        ))
        .await?;
    }
    Ok(())
}

/// The SCHEDULED conferences of a bridge overlapping `[from, until)`.
pub(super) async fn slots_on(
    conn: &impl ConnectionTrait,
    bridge: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<ConferenceSlot>, DbErr> {
    use conference::Column as C;
    Ok(conference::Entity::find()
        .filter(C::Bridge.eq(bridge))
        .filter(C::Status.eq(ConferenceStatus::Scheduled))
        .filter(C::StartsAt.lt(until))
        .filter(C::EndsAt.gt(from))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| slot(&c))
        .collect())
}

pub(super) fn slot(c: &conference::Model) -> ConferenceSlot {
    ConferenceSlot {
        id: c.id,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        access_code: c.access_code.clone(),
        moderator_pin: c.moderator_pin.clone(),
        ports: c.capacity,
    }
}

/// Fresh codes unique among `others`.
pub(super) fn new_credentials(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    others: &[ConferenceSlot],
) -> Result<rules::Credentials, UserError> {
    // The thread RNG is a CSPRNG; it lives only in this synchronous call.
    let mut rng = rand::rng();
    rules::generate_credentials(&mut rng, starts_at, ends_at, others)
        .map_err(|r| refused(vec![], &r))
}

/// Ports reserved on a bridge at the busiest instant of `[from, until)`, by SCHEDULED
/// conferences.
pub async fn reserved_ports(
    conn: &impl ConnectionTrait,
    bridge: &Bridge,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let others = slots_on(conn, bridge.code, from, until).await?;
    let probe = ConferenceSlot {
        id: Uuid::nil(),
        starts_at: from,
        ends_at: until,
        access_code: String::new(),
        moderator_pin: String::new(),
        ports: 0,
    };
    // With a zero-port probe the rule refuses exactly when the peak exceeds the bridge, so
    // ask it with a bridge of no ports: the refusal carries the peak.
    Ok(match rules::validate_bridge_capacity(&probe, &others, -1) {
        Err(GroupRefusal::BridgeFull { reserved, .. }) => reserved,
        _ => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    use crate::domain::phone::E164;

    #[test]
    fn bridges_have_valid_numbers_and_distinct_codes_and_lock_keys() {
        let mut codes = HashSet::new();
        let mut keys = HashSet::new();
        for b in BRIDGES {
            assert_eq!(
                E164::parse(b.dial_in_number).map(|n| n.to_string()),
                Ok(b.dial_in_number.to_owned()),
                "{}",
                b.code
            );
            assert!(b.ports >= rules::MIN_CONFERENCE_PORTS);
            assert!(codes.insert(b.code));
            assert!(keys.insert(bridge_lock_key(b.code)));
        }
        assert!(bridge(DEFAULT_BRIDGE).is_some());
        assert_eq!(bridge_lock_key("MAIN"), bridge_lock_key("MAIN"), "stable");
    }
}

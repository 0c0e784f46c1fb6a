//! The demo university (placeholder until the generator lands).

use sea_orm::DatabaseConnection;

/// Seeds the demo data when the database holds no units; returns whether it seeded.
pub async fn seed_if_empty(_db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(false)
}

/// The fixed demo accounts, one per role.
pub const ACCOUNTS: [&str; 4] = ["demo-admin", "demo-coordinator", "demo-user", "demo-automation"];

//! `chorus import calls FILE.csv`: backfill call records from a CSV file, through the same
//! validation and idempotent ingest as the PBX API, in batches of 5,000.
//!
//! Columns (header row required, extra columns ignored): `pbx_call_id`, `started_at`,
//! `answered_at`, `ended_at` (RFC 3339), `direction` (INBOUND/OUTBOUND/INTERNAL), `from`,
//! `to`, `result` (ANSWERED/MISSED/VOICEMAIL/BUSY/FAILED), and optional `answered_by`,
//! `routed_via`, `device_kind`.

use std::io::Read;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use crate::{
    domain::calls::RawCall,
    services::calls::{IngestRecord, MAX_BATCH, ingest},
};

#[derive(Deserialize)]
struct Row {
    pbx_call_id: String,
    started_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "empty_is_none")]
    answered_at: Option<DateTime<Utc>>,
    ended_at: DateTime<Utc>,
    direction: entity::enums::CallDirection,
    from: String,
    to: String,
    result: entity::enums::CallResult,
    #[serde(default, deserialize_with = "empty_is_none")]
    answered_by: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    routed_via: Option<String>,
    #[serde(default, deserialize_with = "empty_is_none")]
    device_kind: Option<entity::enums::DeviceKind>,
}

fn empty_is_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => serde_json::from_value(serde_json::Value::String(t.to_owned()))
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportSummary {
    pub inserted: usize,
    pub duplicates: usize,
    /// `(line number, message)` of refused rows; a batch with any is not stored.
    pub rejected: Vec<(u64, String)>,
    /// Rows in batches that were not stored because of another row's refusal.
    pub skipped: usize,
}

/// Reads the CSV and ingests it batch by batch.
pub async fn import_calls(
    db: &DatabaseConnection,
    input: impl Read,
) -> anyhow::Result<ImportSummary> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader.headers()?.clone();
    let mut summary = ImportSummary::default();
    let mut batch: Vec<(u64, IngestRecord)> = Vec::with_capacity(MAX_BATCH);
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        match record.deserialize::<Row>(Some(&headers)) {
            Ok(row) => batch.push((line, to_record(row))),
            Err(e) => summary.rejected.push((line, e.to_string())),
        }
        if batch.len() == MAX_BATCH {
            flush(db, &mut batch, &mut summary).await?;
        }
    }
    flush(db, &mut batch, &mut summary).await?;
    Ok(summary)
}

fn to_record(row: Row) -> IngestRecord {
    IngestRecord {
        raw: RawCall {
            pbx_call_id: row.pbx_call_id,
            started_at: row.started_at,
            answered_at: row.answered_at,
            ended_at: row.ended_at,
            direction: row.direction,
            from: row.from,
            to: row.to,
            result: row.result,
            answered_by: row.answered_by,
            routed_via: row.routed_via,
        },
        device_kind: row.device_kind,
    }
}

async fn flush(
    db: &DatabaseConnection,
    batch: &mut Vec<(u64, IngestRecord)>,
    summary: &mut ImportSummary,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let lines: Vec<u64> = batch.iter().map(|(l, _)| *l).collect();
    let records = batch.drain(..).map(|(_, r)| r).collect::<Vec<_>>();
    let count = records.len();
    let outcome = ingest(db, records, Utc::now()).await?;
    if outcome.rejects.is_empty() {
        summary.inserted += outcome.inserted;
        summary.duplicates += outcome.duplicates;
    } else {
        summary.skipped += count - outcome.rejects.len();
        for r in outcome.rejects {
            let line = lines.get(r.index).copied().unwrap_or(0);
            summary.rejected.push((
                line,
                format!(
                    "{} ({}): {}",
                    r.pbx_call_id, r.reject.field, r.reject.message
                ),
            ));
        }
    }
    Ok(())
}

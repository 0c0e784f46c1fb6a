//! Demo mailboxes: real, decodable recordings generated at seed time ([`super::audio`]) and
//! delivered through the same ingest path the PBX uses (probe, blob, row), so the demo's
//! voicemail plays in a browser and `chorus storage fsck` finds it consistent.
//!
//! `demo-user` gets eight messages in every stored format the PBX sends (G.711 µ-law and
//! A-law WAV at 8 kHz, FLAC at 16 kHz), some read or saved; 60 other people get one to three
//! µ-law messages. Times are spread over the last fortnight; the content is deterministic.

use chrono::{DateTime, Duration, Utc};
use entity::{enums::VoicemailState, line, person, voicemail};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{audio, random::Dice};
use crate::{
    auth::{Principal, PrincipalKind, Role},
    services::voicemail::{IngestInput, Voicemails},
};

/// People besides `demo-user` who get messages.
const OTHERS: u64 = 60;

/// Seeds voicemail when the demo has none yet (also after an earlier demo without audio).
/// Returns the number of messages stored.
pub async fn seed_if_empty(
    db: &DatabaseConnection,
    voicemails: &Voicemails,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    if voicemail::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let Some(user) = person::Entity::find()
        .filter(person::Column::Username.eq("demo-user"))
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    // Lines in a fixed order: the caller pool and the other mailboxes.
    let lines: Vec<line::Model> = line::Entity::find()
        .filter(line::Column::OwnerId.is_not_null())
        .order_by_asc(line::Column::Extension)
        .limit(400)
        .all(db)
        .await?;
    let Some(user_line) = line::Entity::find()
        .filter(line::Column::OwnerId.eq(user.id))
        .order_by_asc(line::Column::Extension)
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let system = Principal {
        username: "demo".into(),
        kind: PrincipalKind::Service,
        person_id: None,
        roles: [Role::Service].into(),
        units: Default::default(),
        scopes: Default::default(),
    };
    let mut rng = Dice::new(0x766f_6963_656d_6169);
    let externals = [
        "+442079460958",
        "+447911123456",
        "+441632960123",
        "+16502530000",
        "+33142685300",
    ];
    let caller = |rng: &mut Dice| -> Option<String> {
        match rng.between(0, 9) {
            0 => None,
            1..=4 => Some(externals[rng.index(externals.len())].to_owned()),
            _ => lines
                .get(rng.index(lines.len()))
                .map(|l| l.extension.clone()),
        }
    };
    let mut stored = 0;
    // demo-user: every format, a mix of states.
    let states = [
        VoicemailState::New,
        VoicemailState::New,
        VoicemailState::New,
        VoicemailState::Read,
        VoicemailState::Read,
        VoicemailState::Saved,
        VoicemailState::New,
        VoicemailState::Read,
    ];
    for (n, state) in states.into_iter().enumerate() {
        let seconds = rng.between(6, 25) as f32;
        let bytes = match n % 3 {
            0 => audio::mulaw_wav(&audio::synth_message(n as u64, seconds, 8000), 8000),
            1 => audio::alaw_wav(&audio::synth_message(n as u64, seconds, 8000), 8000),
            _ => audio::flac(&audio::synth_message(n as u64, seconds, 16_000), 16_000)?,
        };
        let at = now - Duration::minutes(37 + 173 * n as i64 + i64::from(rng.between(0, 59)));
        let input = IngestInput {
            pbx_message_id: format!("demo-vm-user-{n}"),
            caller: caller(&mut rng),
            received_at: Some(at),
        };
        let ingested = voicemails
            .ingest(db, &system, &user_line.extension, input, bytes.into())
            .await?;
        if state != VoicemailState::New {
            let mut active = ingested.voicemail.into_active_model();
            active.state = Set(state);
            active.update(db).await?;
        }
        stored += 1;
    }
    // Others: short µ-law messages.
    let step = (lines.len() as u64 / OTHERS).max(1) as usize;
    for (i, line) in lines.iter().step_by(step).take(OTHERS as usize).enumerate() {
        if line.id == user_line.id {
            continue;
        }
        for k in 0..u64::from(rng.between(1, 3)) {
            let seconds = rng.between(4, 19) as f32;
            let seed = 1000 + (i as u64) * 10 + k;
            let bytes = audio::mulaw_wav(&audio::synth_message(seed, seconds, 8000), 8000);
            let input = IngestInput {
                pbx_message_id: format!("demo-vm-{i}-{k}"),
                caller: caller(&mut rng),
                received_at: Some(now - Duration::minutes(i64::from(rng.between(5, 14 * 24 * 60)))),
            };
            voicemails
                .ingest(db, &system, &line.extension, input, bytes.into())
                .await?;
            stored += 1;
        }
    }
    Ok(stored)
}

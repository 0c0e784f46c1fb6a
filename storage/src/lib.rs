//! Voicemail blob storage of Chorus API: where recordings live (object_store: local
//! filesystem, memory, S3-compatible), what they are (symphonia probe, 16-bit WAV rendition,
//! waveform), and how a `Range` request is answered. Knows nothing of the database or GraphQL:
//! the API stores what `put` and `probe` return in its own rows.
//!
//! Ingest is: [`AudioWorker::probe`] the upload (refuse it with [`ProbeError::code`] if it is
//! not audio), [`VoicemailStore::put`] it under a [`BlobKey`], then insert the row; delete the
//! blob if the insert fails. Serving is: [`parse_range`] with the stored size, then
//! [`VoicemailStore::get_range`] and stream the body.
//!
//! Layout:
//! - `key`: [`BlobKey`] owns the key format (`voicemail/<mailbox>/<id>.<ext>`, …) and parses it back.
//! - `store`: [`VoicemailStore`] — put / head / get / get_range / delete / list over `Arc<dyn ObjectStore>`.
//! - `config`: [`StorageConfig`] from a storage URL and the `AWS_*` variables.
//! - `error`: [`StorageError`] with stable `code()`s.
//! - `range`: [`parse_range`], the pure `Range` header → 200 / 206 / 416 decision.
//! - `audio`: [`probe`], [`render_wav`], [`waveform`] under [`ProbeLimits`], and [`AudioWorker`]
//!   to run them off the async runtime; `audio::mp4` reads the MP4 edit list symphonia skips.

#![forbid(unsafe_code)]

mod audio;
mod config;
mod error;
mod key;
mod range;
mod store;

pub use audio::{
    AudioFacts, AudioWorker, Container, ProbeError, ProbeLimits, probe, render_wav, waveform,
};
pub use config::{S3Config, StorageConfig};
pub use error::StorageError;
pub use key::{BlobKey, BlobPrefix, KeyError};
pub use range::{RangeDecision, parse_range};
pub use store::{BlobMeta, BlobStream, ListedBlob, Sha256, StoredBlob, VoicemailStore};

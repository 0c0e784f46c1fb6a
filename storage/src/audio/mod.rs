//! What an upload is, decoded with symphonia: probe, 16-bit WAV rendition, waveform.
//!
//! Every function reads the **whole** recording: headers lie (a truncated WAV still claims
//! its full length, an MP3 without a Xing header only has an estimate), so the duration is
//! counted from the frames actually there, and a file that ends before its header's count (or
//! mid-packet) is refused as truncated. [`probe`] counts the frames of PCM and G.711 packets
//! without decoding them (what a decoder would make of them is known); everything else, and
//! every packet a rendition or waveform needs, is decoded. Formats with no total anywhere (raw ADTS, MP3 without a Xing
//! header) cut at a frame boundary are valid shorter streams and are measured as such.
//!
//! The sync functions ([`probe`], [`render_wav`], [`waveform`]) are CPU-bound and catch
//! decoder panics; call them through [`AudioWorker`] from async code, which runs them on the
//! blocking pool, bounds their number and time, and never lets one hang a request.
//!
//! Supported (symphonia 0.6.1): WAV with PCM 8/16/24/32-bit and float, G.711 µ-law and A-law,
//! IMA and Microsoft ADPCM; MP3 (MPEG-1/2/2.5 layer III); FLAC; Ogg Vorbis; AAC-LC in MP4/M4A
//! or ADTS. Refused as `UNSUPPORTED_CODEC` because symphonia 0.6.1 cannot decode them: Opus,
//! HE-AAC, ALAC, G.722 and G.726 in WAV, and µ-law in WAVE_FORMAT_EXTENSIBLE (symphonia
//! matches sub-format GUID `00000004-…` instead of `00000007-…`; plain format tag 7, what
//! PBXs write, works).

mod decode;
mod mp4;
mod render;
mod worker;

use std::time::Duration;

use bytes::Bytes;

pub use self::worker::AudioWorker;

/// A container the probe recognises, which also names the blob's file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    Wav,
    Mp3,
    Flac,
    Ogg,
    /// ISO base media (MP4 / M4A).
    Mp4,
    /// Raw AAC in ADTS frames.
    Adts,
}

impl Container {
    /// File extension used in blob keys.
    pub fn extension(self) -> &'static str {
        match self {
            Container::Wav => "wav",
            Container::Mp3 => "mp3",
            Container::Flac => "flac",
            Container::Ogg => "ogg",
            Container::Mp4 => "m4a",
            Container::Adts => "aac",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Self> {
        [
            Container::Wav,
            Container::Mp3,
            Container::Flac,
            Container::Ogg,
            Container::Mp4,
            Container::Adts,
        ]
        .into_iter()
        .find(|c| c.extension() == ext)
    }

    /// `Content-Type` to serve the original with.
    pub fn mime_type(self) -> &'static str {
        match self {
            Container::Wav => "audio/wav",
            Container::Mp3 => "audio/mpeg",
            Container::Flac => "audio/flac",
            Container::Ogg => "audio/ogg",
            Container::Mp4 => "audio/mp4",
            Container::Adts => "audio/aac",
        }
    }
}

/// What a probe found: enough to list a voicemail without touching its bytes again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFacts {
    pub container: Container,
    /// symphonia's codec short name: `pcm_s16le`, `pcm_mulaw`, `pcm_alaw`, `mp3`, `flac`,
    /// `vorbis`, `aac`, `adpcm_ima_wav`, …
    pub codec: &'static str,
    pub sample_rate: u32,
    pub channels: u16,
    /// Frames (samples per channel) a player plays: decoded frames, less the encoder delay
    /// and padding that MP3 (LAME/Xing), Vorbis and MP4 (edit list) mark as not for playing.
    /// Raw ADTS AAC marks nothing: 1024 frames of decoder delay are taken off, the final
    /// frame's padding (< 1024 frames) is counted.
    pub frames: u64,
    /// `frames` in milliseconds, rounded to the nearest.
    pub duration_ms: u64,
}

/// Bounds on what an upload may cost. The defaults suit voicemail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeLimits {
    /// Input size; checked before anything is parsed. Default 20 MiB.
    pub max_bytes: usize,
    /// Playing time; a header that claims more is refused without decoding. Default 10 min.
    pub max_duration: Duration,
    /// Wall-clock time for one decode (probe, rendition or waveform). Default 10 s, which
    /// is far more than a 10-minute 8 kHz recording needs even in a debug build.
    pub decode_budget: Duration,
    /// Default 8: anything wider is not a phone recording.
    pub max_channels: u16,
    /// Default 192 kHz.
    pub max_sample_rate: u32,
    /// Size of a rendered WAV, which lives in memory. A small upload (silence compresses
    /// well) could otherwise ask for gigabytes. Default 128 MiB: 10 min of 48 kHz stereo
    /// is 110 MiB, of 8 kHz mono 9 MiB.
    pub max_rendition_bytes: usize,
}

impl Default for ProbeLimits {
    fn default() -> Self {
        ProbeLimits {
            max_bytes: 20 * 1024 * 1024,
            max_duration: Duration::from_secs(10 * 60),
            decode_budget: Duration::from_secs(10),
            max_channels: 8,
            max_sample_rate: 192_000,
            max_rendition_bytes: 128 * 1024 * 1024,
        }
    }
}

/// Why an upload is not accepted as audio. `code()` is stable and can reach the client; the
/// `Display` text is for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// No bytes, or a well-formed file with no audio frames in it.
    #[error("empty: {0}")]
    Empty(&'static str),
    /// Not a container symphonia knows, or one without an audio track.
    #[error("not audio: {0}")]
    NotAudio(String),
    /// A known container holding a codec (or codec feature) that cannot be decoded.
    #[error("unsupported codec: {0}")]
    UnsupportedCodec(String),
    #[error("{size} bytes is more than the {max} allowed")]
    TooLarge { size: usize, max: usize },
    #[error("longer than {max_ms} ms")]
    TooLong { max_ms: u64 },
    /// Malformed, truncated, or the decoder gave up (or panicked) on it.
    #[error("corrupt: {0}")]
    Corrupt(String),
    /// Decoding took longer than [`ProbeLimits::decode_budget`] or read far more than the file.
    #[error("decode budget exceeded")]
    BudgetExceeded,
    /// The decode task did not run to its end (the runtime is shutting down).
    #[error("decode aborted")]
    Aborted,
}

impl ProbeError {
    pub fn code(&self) -> &'static str {
        match self {
            ProbeError::Empty(_) => "EMPTY",
            ProbeError::NotAudio(_) => "NOT_AUDIO",
            ProbeError::UnsupportedCodec(_) => "UNSUPPORTED_CODEC",
            ProbeError::TooLarge { .. } => "TOO_LARGE",
            ProbeError::TooLong { .. } => "TOO_LONG",
            ProbeError::Corrupt(_) => "CORRUPT",
            ProbeError::BudgetExceeded => "DECODE_BUDGET_EXCEEDED",
            ProbeError::Aborted => "ABORTED",
        }
    }
}

/// Identifies and fully decodes `bytes`. Blocking and CPU-bound: see [`AudioWorker::probe`].
pub fn probe(bytes: Bytes, limits: &ProbeLimits) -> Result<AudioFacts, ProbeError> {
    decode::guarded(|| decode::measure(bytes, limits))
}

/// Decodes `bytes` into a 16-bit PCM WAV at the source's rate and channel count: every
/// browser plays it (Chrome does not play G.711 WAV). 8 kHz mono is 16 KB per second.
pub fn render_wav(bytes: Bytes, limits: &ProbeLimits) -> Result<Vec<u8>, ProbeError> {
    decode::guarded(|| render::wav(bytes, limits))
}

/// `points` peak levels (0..=1, the loudest sample of any channel in each slice of time),
/// for drawing the recording in a player. Fewer points when the recording has fewer frames.
pub fn waveform(bytes: Bytes, points: usize, limits: &ProbeLimits) -> Result<Vec<f32>, ProbeError> {
    decode::guarded(|| render::waveform(bytes, points, limits))
}

//! The one decode loop behind probe, rendition and waveform, with every limit enforced.

use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use bytes::Bytes;
use symphonia::core::audio::GenericAudioBufferRef;
use symphonia::core::codecs::audio::{
    AudioCodecId, AudioDecoderOptions, CODEC_ID_NULL_AUDIO, well_known as codec_ids,
};
use symphonia::core::errors::Error;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType, well_known as format_ids};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use super::{AudioFacts, Container, ProbeError, ProbeLimits, mp4};

/// Runs `f`, turning a decoder panic into `Corrupt`. symphonia's own README rates its
/// demuxers "some streams may panic"; a hostile upload must cost one refused request, not a
/// worker thread. (Needs `panic = "unwind"`, the default profile setting.)
pub(super) fn guarded<T>(f: impl FnOnce() -> Result<T, ProbeError>) -> Result<T, ProbeError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(ProbeError::Corrupt("decoder panicked".to_owned())))
}

/// Probes and decodes all of `bytes`, handing each decoded buffer to `sink`.
///
/// Refuses, in this order: empty or oversized input; no known container or no audio track;
/// a codec without a decoder; more channels or a higher rate than allowed; a header that
/// claims more than `max_duration`; then, while decoding: more frames than `max_duration`,
/// any malformed packet, a wall-clock time over `decode_budget`; and at the end a stream that
/// stops early (truncated), or decodes to no frames at all.
pub(super) fn decode(
    bytes: Bytes,
    limits: &ProbeLimits,
    mut sink: impl FnMut(&GenericAudioBufferRef<'_>) -> Result<(), ProbeError>,
) -> Result<AudioFacts, ProbeError> {
    run(bytes, limits, Some(&mut sink))
}

/// What [`decode`] finds, with nothing to hand samples to: PCM and G.711 packets are counted
/// rather than decoded, everything else is decoded. The refusals are the same.
///
/// symphonia's PCM decoder makes `len / (bytes per sample × channels)` frames of any packet,
/// at the rate and channels of the track, and cannot fail once it is built; so the count is
/// exact, and the demuxer (which finds truncation) still reads every packet. Decoding was a
/// fifth of an ingest's CPU time.
pub(super) fn measure(bytes: Bytes, limits: &ProbeLimits) -> Result<AudioFacts, ProbeError> {
    run(bytes, limits, None)
}

type Sink<'s> = &'s mut dyn FnMut(&GenericAudioBufferRef<'_>) -> Result<(), ProbeError>;

fn run(
    bytes: Bytes,
    limits: &ProbeLimits,
    mut sink: Option<Sink<'_>>,
) -> Result<AudioFacts, ProbeError> {
    if bytes.is_empty() {
        return Err(ProbeError::Empty("no bytes"));
    }
    if bytes.len() > limits.max_bytes {
        return Err(ProbeError::TooLarge {
            size: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let budget = Budget::new(limits, bytes.len());
    let source = BudgetedSource {
        inner: Cursor::new(bytes.clone()),
        budget: budget.clone(),
        read: 0,
    };
    let mss = MediaSourceStream::new(Box::new(source), Default::default());

    let mut format = symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            _ if budget.exceeded() => ProbeError::BudgetExceeded,
            // "core (probe): no suitable format reader found"; any other `Unsupported` comes
            // from a reader that recognised its container but not what is inside.
            Error::Unsupported(what) if what.starts_with("core (probe)") => {
                ProbeError::NotAudio(what.to_owned())
            }
            Error::Unsupported(what) => ProbeError::UnsupportedCodec(what.to_owned()),
            other => corrupt(&budget, other),
        })?;

    let container = container_of(format.format_info().format).ok_or_else(|| {
        ProbeError::NotAudio(format!(
            "{} is not an audio container",
            format.format_info().short_name
        ))
    })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| ProbeError::NotAudio("no audio track".to_owned()))?
        .clone();
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| ProbeError::NotAudio("no audio track".to_owned()))?
        .clone();

    let registry = symphonia::default::get_codecs();
    let codec = registry
        .get_audio_decoder(params.codec)
        .map(|r| r.codec.info.short_name)
        .ok_or_else(|| ProbeError::UnsupportedCodec(codec_name(params.codec)))?;
    let mut decoder = registry
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| match e {
            Error::Unsupported(what) => ProbeError::UnsupportedCodec(format!("{codec}: {what}")),
            other => corrupt(&budget, other),
        })?;

    let channels = params.channels.as_ref().map(|c| c.count());
    if let Some(n) = channels {
        check_channels(codec, n, limits)?;
    }
    if let Some(rate) = params.sample_rate {
        check_rate(codec, rate, limits)?;
    }

    let max_ms = u64::try_from(limits.max_duration.as_millis()).unwrap_or(u64::MAX);
    let header_ms = track
        .time_base
        .zip(track.duration)
        .and_then(|(tb, d)| tb.calc_duration(d))
        .map(|t| t.as_secs_f64() * 1000.0)
        .or_else(|| Some(track.num_frames? as f64 * 1000.0 / f64::from(params.sample_rate?)));
    if header_ms.is_some_and(|ms| ms > max_ms as f64) {
        return Err(ProbeError::TooLong { max_ms });
    }

    let mut tally = Tally {
        codec,
        max_ms,
        sample_rate: params.sample_rate,
        channels,
        frames: 0,
    };
    // Bytes per frame, rate and channels, where packets are counted rather than decoded.
    let counted = match (&sink, params.sample_rate, channels) {
        (None, Some(rate), Some(n)) if n > 0 => {
            pcm_sample_bytes(params.codec).map(|bytes| (bytes * n, rate, n))
        }
        _ => None,
    };
    let mut truncated = false;

    loop {
        if budget.exceeded() {
            return Err(ProbeError::BudgetExceeded);
        }
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(_) if budget.exceeded() => return Err(ProbeError::BudgetExceeded),
            // 0.6: an EOF error always means the data ended before the container said it would.
            Err(Error::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                truncated = true;
                break;
            }
            Err(Error::ResetRequired) => {
                return Err(ProbeError::Corrupt(
                    "stream changes format midway (chained)".to_owned(),
                ));
            }
            Err(e) => return Err(corrupt(&budget, e)),
        };
        if packet.track_id != track.id {
            continue;
        }
        if let Some((frame_bytes, rate, chans)) = counted {
            let n = packet.data.len() / frame_bytes;
            if n > 0 {
                tally.add(n, rate, chans, limits)?;
            }
            continue;
        }
        let buf = decoder.decode(&packet).map_err(|e| match e {
            _ if budget.exceeded() => ProbeError::BudgetExceeded,
            Error::Unsupported(what) => ProbeError::UnsupportedCodec(format!("{codec}: {what}")),
            other => corrupt(&budget, other),
        })?;
        if buf.frames() == 0 {
            continue;
        }
        let spec = buf.spec();
        tally.add(buf.frames(), spec.rate(), spec.channels().count(), limits)?;
        if let Some(sink) = sink.as_mut() {
            sink(&buf)?;
        }
    }

    let Tally {
        sample_rate: Some(sample_rate),
        channels: Some(channels),
        frames: frames @ 1..,
        ..
    } = tally
    else {
        return Err(ProbeError::Empty("no audio frames"));
    };
    // The frame count the header promises, where it is exact: everywhere but an MP3 without
    // a LAME/Xing header, whose count symphonia estimates from the bitrate.
    let declared = match container {
        Container::Mp3 if track.delay.is_none() => None,
        _ => track.num_frames,
    };
    // 0.6 reports "unexpected end of file" once a container's declared size runs out. That is
    // truncation, unless every promised frame arrived (a WAV whose `data` size is wrong but
    // whose `fact` count is right), or nothing was promised (a streaming recorder's WAV has
    // sizes 0xFFFFFFFF and simply ends).
    let complete = match declared {
        Some(n) => frames >= n,
        None => container == Container::Wav,
    };
    if truncated && !complete {
        return Err(ProbeError::Corrupt(format!(
            "truncated: ends after {frames} frames{}",
            declared.map(|n| format!(" of {n}")).unwrap_or_default()
        )));
    }
    // A file cut at a packet boundary ends cleanly, short of what its header declares.
    if let Some(n) = declared
        && frames + u64::from(sample_rate / 50) < n
    {
        return Err(ProbeError::Corrupt(format!(
            "truncated: {frames} frames of {n} declared"
        )));
    }

    // symphonia trims encoder delay and padding for MP3 (LAME/Xing header) and Vorbis, not
    // for AAC. MP4 marks them in an edit list, which symphonia 0.6 does not apply. Raw ADTS
    // says nothing: take off the 1024 frames of delay inherent to AAC-LC (what FFmpeg and FDK
    // prime with; Apple primes 2112); the final frame's padding, < 1024 frames, stays.
    let played = match container {
        Container::Mp4 => {
            mp4::edit_list_frames(&bytes, sample_rate).map_or(frames, |n| n.min(frames))
        }
        Container::Adts if frames > AAC_FRAME => frames - AAC_FRAME,
        _ => frames,
    };
    let channels = u16::try_from(channels).unwrap_or(u16::MAX);
    Ok(AudioFacts {
        container,
        codec,
        sample_rate,
        channels,
        frames: played,
        duration_ms: (u128::from(played) * 1000 + u128::from(sample_rate) / 2)
            .checked_div(u128::from(sample_rate))
            .and_then(|ms| u64::try_from(ms).ok())
            .unwrap_or(u64::MAX),
    })
}

/// Frames so far, and the rate and channels they came at.
struct Tally {
    codec: &'static str,
    max_ms: u64,
    /// The header's until the first frames arrive, theirs after.
    sample_rate: Option<u32>,
    channels: Option<usize>,
    frames: u64,
}

impl Tally {
    fn add(
        &mut self,
        frames: usize,
        rate: u32,
        channels: usize,
        limits: &ProbeLimits,
    ) -> Result<(), ProbeError> {
        match (self.sample_rate, self.channels) {
            // The first decoded buffer is what the stream really is (AAC headers, say, can
            // understate it); every later one must match it.
            _ if self.frames == 0 => {
                check_rate(self.codec, rate, limits)?;
                check_channels(self.codec, channels, limits)?;
                self.sample_rate = Some(rate);
                self.channels = Some(channels);
            }
            (Some(r), Some(c)) if r == rate && c == channels => {}
            _ => {
                return Err(ProbeError::Corrupt(
                    "sample rate or channels change midway".to_owned(),
                ));
            }
        }
        self.frames += frames as u64;
        if self.frames > frames_in(self.max_ms, rate) {
            return Err(ProbeError::TooLong {
                max_ms: self.max_ms,
            });
        }
        Ok(())
    }
}

/// Bytes of one coded sample of the codecs symphonia's PCM decoder handles (its own table).
fn pcm_sample_bytes(codec: AudioCodecId) -> Option<usize> {
    use codec_ids::*;
    Some(match codec {
        CODEC_ID_PCM_S8 | CODEC_ID_PCM_U8 | CODEC_ID_PCM_ALAW | CODEC_ID_PCM_MULAW => 1,
        CODEC_ID_PCM_S16LE | CODEC_ID_PCM_S16BE | CODEC_ID_PCM_U16LE | CODEC_ID_PCM_U16BE => 2,
        CODEC_ID_PCM_S24LE | CODEC_ID_PCM_S24BE | CODEC_ID_PCM_U24LE | CODEC_ID_PCM_U24BE => 3,
        CODEC_ID_PCM_S32LE | CODEC_ID_PCM_S32BE | CODEC_ID_PCM_U32LE | CODEC_ID_PCM_U32BE
        | CODEC_ID_PCM_F32LE | CODEC_ID_PCM_F32BE => 4,
        CODEC_ID_PCM_F64LE | CODEC_ID_PCM_F64BE => 8,
        _ => return None,
    })
}

/// 0 Hz has no duration; above the limit is not a phone recording.
fn check_rate(codec: &str, rate: u32, limits: &ProbeLimits) -> Result<(), ProbeError> {
    match rate {
        0 => Err(ProbeError::Corrupt(format!("{codec} at 0 Hz"))),
        r if r > limits.max_sample_rate => {
            Err(ProbeError::UnsupportedCodec(format!("{codec} at {r} Hz")))
        }
        _ => Ok(()),
    }
}

fn check_channels(codec: &str, channels: usize, limits: &ProbeLimits) -> Result<(), ProbeError> {
    match channels {
        0 => Err(ProbeError::Corrupt(format!("{codec} with no channels"))),
        n if n > usize::from(limits.max_channels) => Err(ProbeError::UnsupportedCodec(format!(
            "{codec} with {n} channels"
        ))),
        _ => Ok(()),
    }
}

/// Frames in one AAC-LC frame, and its decoder delay.
const AAC_FRAME: u64 = 1024;

fn frames_in(ms: u64, rate: u32) -> u64 {
    u64::try_from(u128::from(ms) * u128::from(rate) / 1000).unwrap_or(u64::MAX)
}

fn corrupt(budget: &Budget, e: Error) -> ProbeError {
    if budget.exceeded() {
        return ProbeError::BudgetExceeded;
    }
    match e {
        Error::IoError(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            ProbeError::Corrupt("truncated".to_owned())
        }
        other => ProbeError::Corrupt(other.to_string()),
    }
}

fn container_of(format: symphonia::core::formats::FormatId) -> Option<Container> {
    Some(match format {
        format_ids::FORMAT_ID_WAVE => Container::Wav,
        format_ids::FORMAT_ID_MP3 => Container::Mp3,
        format_ids::FORMAT_ID_FLAC => Container::Flac,
        format_ids::FORMAT_ID_OGG => Container::Ogg,
        format_ids::FORMAT_ID_ISOMP4 => Container::Mp4,
        format_ids::FORMAT_ID_ADTS => Container::Adts,
        _ => return None,
    })
}

/// Names the codecs a telephone system is likely to meet that have no decoder here.
fn codec_name(id: AudioCodecId) -> String {
    let name = match id {
        codec_ids::CODEC_ID_OPUS => "opus",
        codec_ids::CODEC_ID_ADPCM_G722 => "g722",
        codec_ids::CODEC_ID_ADPCM_G726 | codec_ids::CODEC_ID_ADPCM_G726LE => "g726",
        codec_ids::CODEC_ID_SPEEX => "speex",
        codec_ids::CODEC_ID_AC3 => "ac3",
        codec_ids::CODEC_ID_WMA => "wma",
        CODEC_ID_NULL_AUDIO => "unknown",
        _ => return format!("codec {id}"),
    };
    name.to_owned()
}

/// Shared between the decode loop and the byte source: the source is the only code that runs
/// inside symphonia's calls, so it is where a runaway demuxer can be stopped.
#[derive(Clone)]
struct Budget {
    deadline: Instant,
    /// Seeks let a demuxer re-read the same bytes; no honest one needs to read a file this
    /// many times over.
    max_read: u64,
    exceeded: Arc<AtomicBool>,
}

impl Budget {
    fn new(limits: &ProbeLimits, len: usize) -> Self {
        Budget {
            deadline: Instant::now()
                .checked_add(limits.decode_budget)
                .unwrap_or_else(far_future),
            max_read: (len as u64).saturating_mul(8).saturating_add(1 << 20),
            exceeded: Arc::new(AtomicBool::new(false)),
        }
    }

    fn exceeded(&self) -> bool {
        if !self.exceeded.load(Ordering::Relaxed) && Instant::now() > self.deadline {
            self.exceeded.store(true, Ordering::Relaxed);
        }
        self.exceeded.load(Ordering::Relaxed)
    }
}

/// For a budget too large to add to `now`: effectively none.
fn far_future() -> Instant {
    let now = Instant::now();
    now.checked_add(std::time::Duration::from_secs(86_400 * 365))
        .unwrap_or(now)
}

/// The upload's bytes, failing every read once the budget is spent.
struct BudgetedSource {
    inner: Cursor<Bytes>,
    budget: Budget,
    read: u64,
}

impl Read for BudgetedSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read > self.budget.max_read {
            self.budget.exceeded.store(true, Ordering::Relaxed);
        }
        if self.budget.exceeded() {
            return Err(io::Error::other("decode budget exceeded"));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl Seek for BudgetedSource {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl MediaSource for BudgetedSource {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.inner.get_ref().len() as u64)
    }
}

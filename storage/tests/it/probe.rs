//! Every supported format probes to its container, codec, rate, channels and duration.

use std::time::Instant;

use bytes::Bytes;
use storage::{AudioWorker, Container, ProbeLimits, probe};

use crate::fixtures::{self, Law, file, wav_float, wav_g711, wav_int, wav_pcm16};

struct Case {
    name: &'static str,
    bytes: Bytes,
    container: Container,
    codec: &'static str,
    sample_rate: u32,
    channels: u16,
    expected_ms: u64,
    tolerance_ms: u64,
}

fn case(
    name: &'static str,
    bytes: Bytes,
    container: Container,
    codec: &'static str,
    rate: u32,
    ms: u64,
) -> Case {
    Case {
        name,
        bytes,
        container,
        codec,
        sample_rate: rate,
        channels: 1,
        expected_ms: ms,
        tolerance_ms: 20,
    }
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Container::*;
    vec![
        case("WAV PCM 16-bit", wav_pcm16(8000, 1, 2000), Wav, "pcm_s16le", 8000, 2000),
        Case { channels: 2, ..case("WAV PCM stereo", wav_pcm16(44_100, 2, 1500), Wav, "pcm_s16le", 44_100, 1500) },
        case("WAV float", wav_float(16_000, 1234), Wav, "pcm_f32le", 16_000, 1234),
        case("WAV µ-law", wav_g711(Law::Mu, 8000, 2000), Wav, "pcm_mulaw", 8000, 2000),
        case("WAV A-law", wav_g711(Law::A, 8000, 2750), Wav, "pcm_alaw", 8000, 2750),
        // ADPCM comes in whole blocks: the encoder pads the last one, and its `fact` chunk
        // counts the padding (12246 and 12216 frames for the 12000 of tone).
        case("WAV IMA ADPCM", file("tone-8k-1500ms-ima.wav"), Wav, "adpcm_ima_wav", 8000, 1531),
        case("WAV MS ADPCM", file("tone-8k-1500ms-msadpcm.wav"), Wav, "adpcm_ms", 8000, 1527),
        case("MP3", file("tone-8k-2500ms.mp3"), Mp3, "mp3", 8000, 2500),
        // No LAME header, so nothing marks the encoder delay and padding as not for playing:
        // all 37 MPEG frames of 576 samples play (ffprobe says 2.664 s too).
        case("MP3 without Xing", file("tone-8k-2500ms-noxing.mp3"), Mp3, "mp3", 8000, 2664),
        case("FLAC", file("tone-8k-1250ms.flac"), Flac, "flac", 8000, 1250),
        case("Ogg Vorbis", file("tone-16k-2000ms.ogg"), Ogg, "vorbis", 16_000, 2000),
        case("M4A AAC", file("tone-16k-1750ms.m4a"), Mp4, "aac", 16_000, 1750),
        case("M4A AAC, moov first", file("tone-16k-1750ms-faststart.m4a"), Mp4, "aac", 16_000, 1750),
        // Raw ADTS has no length: the last frame's padding is counted (see AudioFacts::frames).
        Case {
            tolerance_ms: 1024 * 1000 / 44_100,
            ..case("ADTS AAC", file("tone-44k-2000ms.aac"), Adts, "aac", 44_100, 2000)
        },
    ]
}

#[test]
fn every_supported_format_probes_to_its_codec_and_duration() {
    for c in cases() {
        let facts = probe(c.bytes.clone(), &ProbeLimits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(
            (
                facts.container,
                facts.codec,
                facts.sample_rate,
                facts.channels
            ),
            (c.container, c.codec, c.sample_rate, c.channels),
            "{}",
            c.name
        );
        assert!(
            facts.duration_ms.abs_diff(c.expected_ms) <= c.tolerance_ms,
            "{}: {} ms, expected {} ms ± {}",
            c.name,
            facts.duration_ms,
            c.expected_ms,
            c.tolerance_ms
        );
        assert_eq!(
            facts.duration_ms,
            (facts.frames * 1000 + u64::from(c.sample_rate) / 2) / u64::from(c.sample_rate)
        );
    }
}

#[tokio::test]
async fn the_worker_gives_the_same_answers_off_the_runtime() {
    let worker = AudioWorker::default();
    for c in cases() {
        let direct = probe(c.bytes.clone(), worker.limits());
        assert_eq!(worker.probe(c.bytes).await, direct, "{}", c.name);
    }
}

#[test]
fn a_wav_from_a_streaming_recorder_without_sizes_is_read_to_its_end() {
    let mut wav = wav_g711(Law::Mu, 8000, 3000).to_vec();
    let data_at = wav
        .windows(4)
        .position(|w| w == b"data")
        .expect("data chunk");
    wav[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    wav[data_at + 4..data_at + 8].copy_from_slice(&u32::MAX.to_le_bytes());

    let facts = probe(Bytes::from(wav), &ProbeLimits::default()).expect("streaming WAV");
    assert_eq!((facts.codec, facts.duration_ms), ("pcm_mulaw", 3000));
}

#[test]
fn opus_is_refused_as_an_unsupported_codec() {
    let err = probe(file("tone-16k-1000ms.opus"), &ProbeLimits::default()).expect_err("refused");
    assert_eq!(err.code(), "UNSUPPORTED_CODEC", "{err}");
}

/// symphonia 0.6.1 matches the wrong sub-format GUID for extensible µ-law. When this test
/// fails after an upgrade, the bug is fixed: move the case into the table above.
#[test]
fn extensible_mulaw_is_refused_cleanly_until_symphonia_fixes_its_guid() {
    let err = probe(
        fixtures::wav_mulaw_extensible(8000, 1000),
        &ProbeLimits::default(),
    )
    .expect_err("refused");
    assert_eq!(err.code(), "UNSUPPORTED_CODEC", "{err}");
}

/// Not a timed assertion: prints how long a realistic voicemail takes (run with
/// `--nocapture`; debug builds are several times slower than release).
#[tokio::test]
async fn a_sixty_second_mulaw_voicemail_probes_exactly() {
    let wav = wav_g711(Law::Mu, 8000, 60_000);
    let limits = ProbeLimits::default();
    let started = Instant::now();
    let facts = probe(wav.clone(), &limits).expect("probe");
    let sync = started.elapsed();
    let started = Instant::now();
    let via_worker = AudioWorker::default()
        .probe(wav.clone())
        .await
        .expect("probe");
    let worker = started.elapsed();
    let started = Instant::now();
    let rendition = storage::render_wav(wav.clone(), &limits).expect("render");
    let render = started.elapsed();
    let started = Instant::now();
    storage::waveform(wav.clone(), 200, &limits).expect("waveform");
    let draw = started.elapsed();
    eprintln!(
        "60 s µ-law WAV ({} bytes): probe {sync:?}, through AudioWorker {worker:?}, \
         render_wav {render:?} ({} bytes), waveform {draw:?}",
        wav.len(),
        rendition.len()
    );
    assert_eq!((facts.frames, facts.duration_ms), (480_000, 60_000));
    assert_eq!(via_worker, facts);
}

fn with_size(wav: &Bytes, id: &[u8; 4], size: u32) -> Bytes {
    let mut wav = wav.to_vec();
    fixtures::patch_chunk_size(&mut wav, id, size);
    Bytes::from(wav)
}

/// `probe` counts PCM and G.711 packets instead of decoding them; a rendition decodes every
/// packet. Over whole, cut, padded, mis-sized and size-less WAVs of every PCM layout, both
/// must accept the same files with the same rate, channels and frames, and refuse the rest
/// with the same error.
#[test]
fn probe_counts_pcm_frames_exactly_as_decoding_them_does() {
    let originals = [
        wav_pcm16(8000, 1, 700),
        wav_pcm16(22_050, 2, 400),
        wav_float(16_000, 300),
        wav_g711(Law::Mu, 8000, 900),
        wav_g711(Law::A, 8000, 600),
        wav_int(8, 1, 8000, 500),
        wav_int(24, 2, 16_000, 300),
        wav_int(32, 3, 8000, 250),
    ];
    let limits = [
        ProbeLimits::default(),
        ProbeLimits {
            max_duration: std::time::Duration::from_millis(350),
            ..ProbeLimits::default()
        },
    ];
    let mut compared = 0;
    for wav in &originals {
        let len = wav.len();
        let mut variants = vec![
            wav.clone(),
            // Streaming: no sizes at all.
            with_size(&with_size(wav, b"RIFF", u32::MAX), b"data", u32::MAX),
            // `data` claims more, or less, than is there.
            with_size(wav, b"data", (len as u32) * 2),
            with_size(wav, b"data", (len as u32) / 3 + 1),
            // Bytes after the last chunk, and a trailing partial frame.
            Bytes::from([&wav[..], &[0x55; 7]].concat()),
        ];
        variants.extend(
            [
                30,
                44,
                45,
                47,
                60,
                61,
                62,
                63,
                len / 2,
                len / 2 + 1,
                len - 3,
                len - 1,
            ]
            .into_iter()
            .filter(|&cut| cut < len)
            .map(|cut| wav.slice(..cut)),
        );
        for (i, bytes) in variants.into_iter().enumerate() {
            for limit in &limits {
                let counted = probe(bytes.clone(), limit)
                    .map(|f| (f.sample_rate, f.channels, f.frames, f.duration_ms));
                let decoded = storage::render_wav(bytes.clone(), limit).map(|out| {
                    let rate = u32::from_le_bytes([out[24], out[25], out[26], out[27]]);
                    let channels = u16::from_le_bytes([out[22], out[23]]);
                    let frames = (out.len() as u64 - 44) / (2 * u64::from(channels));
                    let ms = (frames * 1000 + u64::from(rate) / 2) / u64::from(rate);
                    (rate, channels, frames, ms)
                });
                assert_eq!(counted, decoded, "variant {i} of a {len}-byte WAV");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, originals.len() * 2 * 17);
}

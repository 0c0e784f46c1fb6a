//! Hostile and broken uploads end in a clean `ProbeError`: no panic, no hang, no huge allocation.

use std::time::{Duration, Instant};

use bytes::Bytes;
use storage::{AudioWorker, ProbeError, ProbeLimits, probe, render_wav, waveform};

use crate::fixtures::{Law, file, noise, patch_chunk_size, riff, wav_g711, wav_pcm16};

const COMPRESSED: [&str; 9] = [
    "tone-8k-2500ms.mp3",
    "tone-8k-2500ms-noxing.mp3",
    "tone-8k-1250ms.flac",
    "tone-16k-2000ms.ogg",
    "tone-16k-1750ms.m4a",
    "tone-16k-1750ms-faststart.m4a",
    "tone-44k-2000ms.aac",
    "tone-8k-1500ms-ima.wav",
    "tone-8k-1500ms-msadpcm.wav",
];

/// Bare runs of frames with no total anywhere: any prefix of whole frames is itself a valid
/// stream, and is measured as such.
const WITHOUT_A_TOTAL: [&str; 2] = ["tone-44k-2000ms.aac", "tone-8k-2500ms-noxing.mp3"];

fn code(bytes: impl Into<Bytes>) -> &'static str {
    match probe(bytes.into(), &ProbeLimits::default()) {
        Ok(facts) => panic!("accepted as {facts:?}"),
        Err(e) => e.code(),
    }
}

/// A µ-law `fmt ` chunk body for 8 kHz mono.
fn mulaw_fmt() -> Vec<u8> {
    [7u16.to_le_bytes(), 1u16.to_le_bytes()]
        .concat()
        .into_iter()
        .chain(8000u32.to_le_bytes())
        .chain(8000u32.to_le_bytes())
        .chain([1, 0, 8, 0, 0, 0])
        .collect()
}

#[test]
fn no_bytes_is_empty() {
    assert_eq!(code(Bytes::new()), "EMPTY");
}

#[test]
fn random_bytes_are_not_audio() {
    for (seed, len) in [
        (1, 1),
        (2, 3),
        (3, 64),
        (4, 4096),
        (5, 100_000),
        (6, 2_000_000),
    ] {
        assert_eq!(
            code(noise(seed, len)),
            "NOT_AUDIO",
            "seed {seed}, {len} bytes"
        );
    }
    assert_eq!(
        code(&b"<html><body>not a voicemail</body></html>"[..]),
        "NOT_AUDIO"
    );
}

#[test]
fn truncated_files_of_every_format_are_refused() {
    let mut files: Vec<(String, Bytes)> = COMPRESSED
        .iter()
        .map(|name| (name.to_string(), file(name)))
        .collect();
    files.push(("µ-law WAV".to_owned(), wav_g711(Law::Mu, 8000, 2000)));
    for (name, bytes) in files {
        let full = probe(bytes.clone(), &ProbeLimits::default()).expect("the uncut file");
        // Inside the header, then inside the audio.
        for cut in [
            1,
            2,
            4,
            8,
            11,
            12,
            16,
            20,
            36,
            44,
            64,
            100,
            200,
            bytes.len() / 2,
            bytes.len() * 9 / 10,
        ] {
            match probe(bytes.slice(..cut), &ProbeLimits::default()) {
                Err(err) => assert!(
                    ["NOT_AUDIO", "CORRUPT", "EMPTY", "UNSUPPORTED_CODEC"].contains(&err.code()),
                    "{name} cut at {cut}: {err}"
                ),
                Ok(facts)
                    if WITHOUT_A_TOTAL.contains(&name.as_str()) && facts.frames < full.frames => {}
                Ok(facts) => panic!("{name} cut at {cut} accepted as {facts:?}"),
            }
        }
    }
}

#[test]
fn a_wav_header_claiming_ten_hours_is_too_long_without_decoding() {
    let ten_hours_of_8khz = 10 * 3600 * 8000u32;
    // PCM: the length comes from the `data` size.
    let mut pcm = wav_pcm16(8000, 1, 1000).to_vec();
    patch_chunk_size(&mut pcm, b"data", ten_hours_of_8khz * 2);
    // G.711: from the `fact` sample count, whatever `data` says.
    let mut mulaw = wav_g711(Law::Mu, 8000, 1000).to_vec();
    patch_chunk_size(&mut mulaw, b"data", ten_hours_of_8khz);
    let fact_at = mulaw
        .windows(4)
        .position(|w| w == b"fact")
        .expect("fact chunk")
        + 8;
    mulaw[fact_at..fact_at + 4].copy_from_slice(&ten_hours_of_8khz.to_le_bytes());
    for mut wav in [pcm, mulaw] {
        patch_chunk_size(&mut wav, b"RIFF", u32::MAX);
        let started = Instant::now();
        assert_eq!(code(wav), "TOO_LONG");
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}

#[test]
fn a_wav_cut_short_of_its_declared_length_is_corrupt() {
    let mut pcm = wav_pcm16(8000, 1, 1000).to_vec();
    patch_chunk_size(&mut pcm, b"RIFF", u32::MAX);
    patch_chunk_size(&mut pcm, b"data", 5 * 8000 * 2);
    assert_eq!(code(pcm), "CORRUPT");
}

#[test]
fn huge_declared_chunk_sizes_are_refused_quickly() {
    let data = vec![0xFFu8; 16_000];
    let huge = |id: &[u8; 4], body: &[u8]| -> Vec<u8> {
        [id.as_slice(), &0xFFFF_FFF0u32.to_le_bytes(), body].concat()
    };
    let files: Vec<Vec<u8>> = vec![
        // An unknown chunk before `fmt ` claiming 4 GiB.
        [
            b"RIFF".as_slice(),
            &u32::MAX.to_le_bytes(),
            b"WAVE",
            &huge(b"LIST", &data),
        ]
        .concat(),
        // `fmt ` itself claiming 4 GiB.
        [
            b"RIFF".as_slice(),
            &u32::MAX.to_le_bytes(),
            b"WAVE",
            &huge(b"fmt ", &mulaw_fmt()),
        ]
        .concat(),
        // `fact` claiming 4 GiB after a good `fmt `.
        [
            riff(&[(b"fmt ", mulaw_fmt())]).to_vec(),
            huge(b"fact", &data),
        ]
        .concat(),
    ];
    for wav in files {
        let started = Instant::now();
        let err = probe(Bytes::from(wav), &ProbeLimits::default()).expect_err("accepted");
        assert!(
            ["CORRUPT", "NOT_AUDIO", "UNSUPPORTED_CODEC"].contains(&err.code()),
            "{err}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_wav_without_samples_is_empty() {
    assert_eq!(
        code(riff(&[(b"fmt ", mulaw_fmt()), (b"data", Vec::new())])),
        "EMPTY"
    );
}

#[test]
fn a_wav_with_zero_channels_or_rate_is_refused() {
    let mut no_channels = mulaw_fmt();
    no_channels[2..4].copy_from_slice(&0u16.to_le_bytes());
    let mut no_rate = mulaw_fmt();
    no_rate[4..8].copy_from_slice(&0u32.to_le_bytes());
    for fmt in [no_channels, no_rate] {
        let err = probe(
            riff(&[(b"fmt ", fmt), (b"data", vec![0xFF; 800])]),
            &ProbeLimits::default(),
        )
        .expect_err("refused");
        assert!(
            ["CORRUPT", "UNSUPPORTED_CODEC"].contains(&err.code()),
            "{err}"
        );
    }
}

#[test]
fn limits_on_size_length_and_time_are_enforced() {
    let wav = wav_g711(Law::Mu, 8000, 3000);
    let small = ProbeLimits {
        max_bytes: 1000,
        ..ProbeLimits::default()
    };
    assert_eq!(
        probe(wav.clone(), &small),
        Err(ProbeError::TooLarge {
            size: wav.len(),
            max: 1000
        })
    );

    let short = ProbeLimits {
        max_duration: Duration::from_secs(2),
        ..ProbeLimits::default()
    };
    assert_eq!(
        probe(wav.clone(), &short).map_err(|e| e.code()),
        Err("TOO_LONG")
    );
    // Without a declared length the limit is enforced while decoding.
    let mut streaming = wav_pcm16(8000, 1, 3000).to_vec();
    patch_chunk_size(&mut streaming, b"RIFF", u32::MAX);
    patch_chunk_size(&mut streaming, b"data", u32::MAX);
    assert_eq!(
        probe(Bytes::from(streaming), &short).map_err(|e| e.code()),
        Err("TOO_LONG")
    );

    let no_time = ProbeLimits {
        decode_budget: Duration::ZERO,
        ..ProbeLimits::default()
    };
    assert_eq!(
        probe(wav.clone(), &no_time),
        Err(ProbeError::BudgetExceeded)
    );
    assert_eq!(
        render_wav(wav.clone(), &no_time),
        Err(ProbeError::BudgetExceeded)
    );
    assert_eq!(waveform(wav, 10, &no_time), Err(ProbeError::BudgetExceeded));
}

#[tokio::test]
async fn the_worker_reports_budget_overruns_as_errors() {
    let worker = AudioWorker::new(
        ProbeLimits {
            decode_budget: Duration::ZERO,
            ..ProbeLimits::default()
        },
        1,
    );
    let err = worker
        .probe(file("tone-16k-2000ms.ogg"))
        .await
        .expect_err("refused");
    assert_eq!(err.code(), "DECODE_BUDGET_EXCEEDED");
}

/// A smoke fuzz: every fixture with a few bytes overwritten, many times. Each result must be
/// a clean `Ok` or `Err` (a decoder panic is caught and reported as `CORRUPT`); the summary
/// is printed for `--nocapture`.
#[test]
fn mutated_files_never_escape_as_panics_or_hangs() {
    let limits = ProbeLimits {
        decode_budget: Duration::from_secs(5),
        ..ProbeLimits::default()
    };
    let mut seeds = 1u64..;
    let (mut accepted, mut refused, mut panicked) = (0, 0, 0);
    let mut slowest = Duration::ZERO;
    let mut inputs: Vec<Bytes> = COMPRESSED.iter().map(|name| file(name)).collect();
    inputs.push(wav_g711(Law::Mu, 8000, 500));
    for original in inputs {
        for _ in 0..60 {
            let seed = seeds.next().unwrap_or_default();
            let mut bytes = original.to_vec();
            let positions = noise(seed, 24);
            let values = noise(seed ^ 0x5555, 12);
            for (i, value) in values.into_iter().enumerate() {
                // Half of the changes in the first 256 bytes, where the headers are.
                let span = if i % 2 == 0 {
                    bytes.len().min(256)
                } else {
                    bytes.len()
                };
                let at =
                    u16::from_le_bytes([positions[2 * i], positions[2 * i + 1]]) as usize % span;
                bytes[at] = value;
            }
            let started = Instant::now();
            match probe(Bytes::from(bytes), &limits) {
                Ok(_) => accepted += 1,
                Err(ProbeError::Corrupt(why)) if why == "decoder panicked" => panicked += 1,
                Err(_) => refused += 1,
            }
            slowest = slowest.max(started.elapsed());
        }
    }
    eprintln!(
        "mutations: {accepted} accepted, {refused} refused, {panicked} decoder panics caught; slowest {slowest:?}"
    );
    assert!(
        slowest < limits.decode_budget + Duration::from_secs(1),
        "slowest {slowest:?}"
    );
}

//! 16-bit WAV renditions and waveforms.

use std::io::Cursor;

use bytes::Bytes;
use storage::{AudioWorker, ProbeLimits, probe, render_wav, waveform};

use crate::fixtures::{Law, file, riff, sine, wav_g711, wav_pcm16};

fn read_wav(wav: &[u8]) -> (hound::WavSpec, Vec<i16>) {
    let mut reader = hound::WavReader::new(Cursor::new(wav)).expect("a WAV hound can read");
    let samples = reader
        .samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .expect("samples");
    (reader.spec(), samples)
}

fn peak(samples: &[i16]) -> f32 {
    samples
        .iter()
        .map(|s| f32::from(*s).abs() / 32768.0)
        .fold(0.0, f32::max)
}

#[test]
fn g711_renders_to_16_bit_pcm_at_the_same_rate_and_level() {
    for law in [Law::Mu, Law::A] {
        let wav = render_wav(wav_g711(law, 8000, 2000), &ProbeLimits::default()).expect("render");
        let (spec, samples) = read_wav(&wav);
        assert_eq!(
            (spec.sample_rate, spec.channels, spec.bits_per_sample),
            (8000, 1, 16),
            "{law:?}"
        );
        assert_eq!(spec.sample_format, hound::SampleFormat::Int);
        assert_eq!(samples.len(), 16_000, "{law:?}");
        // The tone was written at half of full scale; G.711 keeps it within a few percent.
        assert!(
            (peak(&samples) - 0.5).abs() < 0.03,
            "{law:?}: peak {}",
            peak(&samples)
        );
    }
}

#[test]
fn a_rendition_probes_as_pcm_with_the_original_duration() {
    for name in [
        "tone-8k-2500ms.mp3",
        "tone-16k-2000ms.ogg",
        "tone-8k-1250ms.flac",
    ] {
        let original = probe(file(name), &ProbeLimits::default()).expect("probe");
        let wav = render_wav(file(name), &ProbeLimits::default()).expect("render");
        let rendition = probe(Bytes::from(wav), &ProbeLimits::default()).expect("probe rendition");
        assert_eq!(
            (rendition.codec, rendition.sample_rate, rendition.frames),
            ("pcm_s16le", original.sample_rate, original.frames),
            "{name}"
        );
    }
}

#[test]
fn a_stereo_source_stays_stereo() {
    let wav = render_wav(wav_pcm16(16_000, 2, 500), &ProbeLimits::default()).expect("render");
    let (spec, samples) = read_wav(&wav);
    assert_eq!((spec.channels, samples.len()), (2, 16_000));
}

#[test]
fn a_rendition_over_its_size_limit_is_refused() {
    let limits = ProbeLimits {
        max_rendition_bytes: 10_000,
        ..ProbeLimits::default()
    };
    let err = render_wav(wav_g711(Law::Mu, 8000, 2000), &limits).expect_err("refused");
    assert_eq!(err.code(), "TOO_LARGE");
}

#[test]
fn the_waveform_follows_the_loudness() {
    // One second of silence, then one second of the half-scale tone.
    let mut samples = vec![0i16; 8000];
    samples.extend(sine(8000, 1000));
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let fmt = [1u16.to_le_bytes(), 1u16.to_le_bytes()]
        .concat()
        .into_iter()
        .chain(8000u32.to_le_bytes())
        .chain(16_000u32.to_le_bytes())
        .chain([2, 0, 16, 0])
        .collect();
    let wav = riff(&[(b"fmt ", fmt), (b"data", data)]);

    let points = waveform(wav, 10, &ProbeLimits::default()).expect("waveform");
    assert_eq!(points.len(), 10);
    assert!(points[..5].iter().all(|p| *p == 0.0), "{points:?}");
    assert!(
        points[5..].iter().all(|p| (p - 0.5).abs() < 0.01),
        "{points:?}"
    );
}

#[test]
fn a_waveform_has_at_most_one_point_per_millisecond_and_stays_in_range() {
    let points = waveform(
        file("tone-16k-2000ms.ogg"),
        100_000,
        &ProbeLimits::default(),
    )
    .expect("waveform");
    assert_eq!(points.len(), 2000);
    assert!(points.iter().all(|p| (0.0..=1.0).contains(p)));
    assert_eq!(
        waveform(file("tone-16k-2000ms.ogg"), 0, &ProbeLimits::default()),
        Ok(Vec::new())
    );
}

#[tokio::test]
async fn the_worker_renders_and_draws_too() {
    let worker = AudioWorker::default();
    let wav = worker
        .render_wav(wav_g711(Law::Mu, 8000, 1000))
        .await
        .expect("render");
    assert_eq!(read_wav(&wav).1.len(), 8000);
    let points = worker
        .waveform(file("tone-8k-2500ms.mp3"), 50)
        .await
        .expect("waveform");
    assert_eq!(points.len(), 50);
}

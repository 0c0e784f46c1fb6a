//! Inputs found by the cargo-fuzz target `audio_probe` (tests/fuzz): each made a decoder panic
//! (an arithmetic overflow inside symphonia 0.6.1, so only where overflow checks are on, as in
//! debug and test builds; release builds wrap). The probe must refuse them cleanly: the panic
//! is caught and the upload is `CORRUPT`, never an unwinding worker thread or an accepted file.

use bytes::Bytes;
use storage::{ProbeError, ProbeLimits, probe, render_wav, waveform};

/// A Microsoft ADPCM WAV whose first block header makes the decoder's step size overflow
/// (`symphonia-codec-adpcm` codec_ms.rs, `MS_ADAPTATION_TABLE[n] * delta`).
const MS_ADPCM_DELTA_OVERFLOW: [u8; 96] = [
    0x52, 0x49, 0x46, 0x46, 0x52, 0x18, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20,
    0x32, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x40, 0x1f, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x00,
    0x00, 0x04, 0x04, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x00,
    0x00, 0x00, 0xcc, 0x01, 0x30, 0xff, 0x88, 0x01, 0x00, 0x00, 0x30, 0xc7, 0x37, 0xbb, 0x81, 0x25,
    0x00, 0x00, 0xb8, 0x2f, 0x00, 0x00, 0x64, 0x61, 0x74, 0x61, 0x00, 0x18, 0x00, 0x00, 0x00, 0xdf,
    0x13, 0x54, 0xbb, 0x6c, 0x28, 0x89, 0x00, 0x42, 0x47, 0x49, 0x4e, 0x7b, 0x70, 0x72, 0x72, 0x20,
];

/// A PCM `fmt ` chunk with 32769 channels: `channels * bytes per sample` overflows a u16 in
/// `symphonia-format-riff` (wave/chunks.rs, the expected block align).
const PCM_BLOCK_ALIGN_OVERFLOW: [u8; 36] = [
    0x52, 0x49, 0x46, 0x46, 0xff, 0xff, 0xff, 0xff, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20,
    0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x80, 0x40, 0x1f, 0x00, 0x00, 0x80, 0x3e, 0xff, 0xf1,
    0x02, 0x00, 0x10, 0x00,
];

fn assert_refused(name: &str, input: &[u8]) {
    let limits = ProbeLimits::default();
    let bytes = Bytes::copy_from_slice(input);
    let outcomes = [
        probe(bytes.clone(), &limits).map(|_| ()),
        render_wav(bytes.clone(), &limits).map(|_| ()),
        waveform(bytes, 100, &limits).map(|_| ()),
    ];
    for outcome in outcomes {
        match outcome {
            // Where symphonia panics (overflow checks on), the panic is caught as CORRUPT.
            Err(ProbeError::Corrupt(_)) => {}
            // Release builds wrap instead; any clean refusal will do there.
            Err(_) if !cfg!(debug_assertions) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn an_ms_adpcm_step_size_overflow_is_refused_as_corrupt() {
    assert_refused("ms adpcm", &MS_ADPCM_DELTA_OVERFLOW);
}

#[test]
fn a_block_align_overflow_is_refused() {
    // With 32769 channels the file is refused either way: as CORRUPT where symphonia
    // panics, else for its channel count.
    let limits = ProbeLimits::default();
    let err = probe(Bytes::copy_from_slice(&PCM_BLOCK_ALIGN_OVERFLOW), &limits)
        .expect_err("not accepted");
    assert!(
        matches!(err.code(), "CORRUPT" | "UNSUPPORTED_CODEC" | "NOT_AUDIO"),
        "{err:?}"
    );
    assert_refused("block align", &PCM_BLOCK_ALIGN_OVERFLOW);
}

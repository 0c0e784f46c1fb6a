//! The voicemail ingest path on arbitrary bytes: `storage::probe` with the limits the API's
//! ingest route uses (`ProbeLimits` defaults: 20 MiB, 10 minutes, 10 s decode budget), and,
//! for what it accepts, the WAV rendition (`?format=wav`) and the waveform, which must then
//! work too: an accepted upload is stored and later played.
//!
//! symphonia's demuxers and decoders may panic on hostile input; `storage` catches those
//! and refuses the upload as `CORRUPT`, which is the behaviour under test. So the panic hook
//! below lets a panic raised inside symphonia unwind to that guard; a panic anywhere else
//! (the storage crate's own code: the decode loop, the MP4 edit-list reader, the renderer)
//! aborts, as libFuzzer's own hook does, and is a crash. Set `FUZZ_STRICT_PANICS=1` to
//! abort on symphonia's panics too.
#![no_main]

use std::sync::Once;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use storage::{ProbeLimits, probe, render_wav, waveform};

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        if std::env::var_os("FUZZ_STRICT_PANICS").is_some() {
            return;
        }
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_symphonia = info
                .location()
                .is_some_and(|l| l.file().contains("symphonia"));
            if !in_symphonia {
                fuzzer_hook(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    install_hook();
    let limits = ProbeLimits::default();
    let bytes = Bytes::copy_from_slice(data);
    let Ok(facts) = probe(bytes.clone(), &limits) else {
        return;
    };
    assert!(facts.sample_rate > 0 && facts.channels > 0, "{facts:?}");
    assert!(
        facts.duration_ms <= 10 * 60 * 1000 + 1,
        "accepted longer than the limit: {facts:?}"
    );
    let wav = render_wav(bytes.clone(), &limits)
        .unwrap_or_else(|e| panic!("accepted as {facts:?} but the rendition fails: {e}"));
    assert!(wav.len() >= 44, "a WAV has a header");
    let peaks = waveform(bytes, 100, &limits)
        .unwrap_or_else(|e| panic!("accepted as {facts:?} but the waveform fails: {e}"));
    assert!(
        peaks.iter().all(|p| (0.0..=1.0).contains(p)),
        "peaks out of range: {peaks:?}"
    );
});

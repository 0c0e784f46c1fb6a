//! Voicemail audio for the demo data set: a deterministic stand-in for a caller's message,
//! and the files a PBX would hand over for it (G.711 WAV, FLAC).
//!
//! Why synthesise: the demo must store, probe, render and draw real recordings, yet it ships
//! no audio files and runs no external program. So each message is computed from its seed: a
//! two-tone beep, then voiced syllables (a pitch with its harmonics shaped by two vowel
//! formants, gliding within a syllable and falling through a phrase, about five syllables a
//! second), words of one to four syllables, short pauses between words and longer ones
//! between phrases, over a faint line hiss. It sounds like a voice through a wall: plainly a
//! message, with no words in it to mistake for real content.
//!
//! Same seed, length and rate give the same samples on one platform; `f32::sin` comes from the
//! platform's maths library, so another one may differ in the last bit of a few samples.
//!
//! The G.711 encoders follow the reference code that `sox` and Python's `audioop` also use
//! (µ-law on the top 14 bits, A-law on the top 13); FLAC is written by `flacenc`. Every
//! output decodes with `storage::probe` (see the tests).

use std::f32::consts::{PI, TAU};

/// Loudest sample of the voice: half of full scale, -6 dBFS.
const PEAK: f32 = i16::MAX as f32 / 2.0;
/// The beep before the message: two 120 ms tones 40 ms apart, at 70% of the voice's peak.
const BEEP_HZ: [f32; 2] = [880.0, 1320.0];
const BEEP_SECONDS: f32 = 0.12;
const BEEP_GAP_SECONDS: f32 = 0.04;
const BEEP_LEVEL: f32 = 0.7 * PEAK;
/// Line hiss in sample units (peak, about -72 dBFS), so that pauses are not digital silence.
const HISS: f32 = 8.0;
/// No harmonic above a telephone channel's upper edge (or 45% of the rate, if lower).
const VOICE_TOP_HZ: f32 = 3400.0;
/// First and second formants (Hz) of /a/, /e/, /i/, /o/, /u/ and /ə/.
const VOWELS: [(f32, f32); 6] = [
    (730.0, 1090.0),
    (530.0, 1840.0),
    (270.0, 2290.0),
    (570.0, 840.0),
    (300.0, 870.0),
    (500.0, 1500.0),
];
/// The RIFF size is a u32: a WAV holds at most this many one-byte samples, longer input is cut.
const MAX_WAV_SAMPLES: usize = (u32::MAX - 64) as usize;

/// `seconds` of mono audio at `rate` Hz that sounds like a voicemail: a beep, then a voice
/// speaking in bursts and pauses. The voice peaks at -6 dBFS, so nothing clips; a message
/// shorter than about a second is only (part of) the beep. Deterministic per `seed`.
pub fn synth_message(seed: u64, seconds: f32, rate: u32) -> Vec<i16> {
    let sr = rate as f32;
    let len = (seconds.max(0.0) * sr) as usize;
    let mut rng = SplitMix64(seed);
    let mut signal = vec![0f32; len];

    let beep = span(BEEP_SECONDS, sr);
    let gap = span(BEEP_GAP_SECONDS, sr);
    let base_f0 = rng.range(95.0, 230.0);
    let mut at = 2 * beep + gap + span(rng.range(0.3, 0.6), sr);
    while at < len {
        // A phrase: its pitch starts high and falls word by word.
        let words = 2 + rng.below(5);
        for word in 0..words {
            let word_f0 = base_f0 * (1.15 - 0.25 * word as f32 / words as f32);
            for syllable in 0..1 + rng.below(4) {
                let length = span(rng.range(0.15, 0.24), sr);
                let voice = Syllable {
                    f0_from: word_f0 * rng.range(0.92, 1.1),
                    f0_to: word_f0 * rng.range(0.88, 1.05),
                    formants: VOWELS[rng.below(VOWELS.len())],
                    loudness: if syllable == 0 {
                        1.0
                    } else {
                        rng.range(0.5, 0.85)
                    },
                    fricative: rng.unit() < 0.6,
                };
                voice.add_to(&mut signal, at, length, sr, &mut rng);
                at += length;
            }
            at += span(rng.range(0.06, 0.2), sr);
        }
        at += span(rng.range(0.35, 0.8), sr);
    }

    let loudest = signal.iter().fold(0f32, |m, x| m.max(x.abs()));
    let gain = if loudest > 0.0 { PEAK / loudest } else { 0.0 };
    for x in &mut signal {
        *x = *x * gain + HISS * rng.signed();
    }
    for (i, hz) in BEEP_HZ.into_iter().enumerate() {
        add_tone(&mut signal, i * (beep + gap), beep, hz, sr);
    }
    signal.iter().map(|x| x.round() as i16).collect()
}

/// `samples` as a G.711 µ-law WAV (format tag 7, 8 bits, mono) with a `fact` chunk.
pub fn mulaw_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    g711_wav(7, samples, rate, mulaw)
}

/// `samples` as a G.711 A-law WAV (format tag 6, 8 bits, mono) with a `fact` chunk.
pub fn alaw_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    g711_wav(6, samples, rate, alaw)
}

/// Why `flacenc` refused to write a stream.
#[derive(Debug, thiserror::Error)]
#[error("FLAC encoding failed: {0}")]
pub struct FlacError(String);

/// `samples` as a 16-bit mono FLAC stream (STREAMINFO with the sample count and MD5, frames
/// of 4096 samples). Fails only for a rate `flacenc` will not write, such as above 96 kHz.
pub fn flac(samples: &[i16], rate: u32) -> Result<Vec<u8>, FlacError> {
    use flacenc::component::BitRepr;
    use flacenc::error::Verify;

    let config = flacenc::config::Encoder::default()
        .into_verified()
        .map_err(|(_, e)| FlacError(e.to_string()))?;
    let wide: Vec<i32> = samples.iter().map(|&s| i32::from(s)).collect();
    let source = flacenc::source::MemSource::from_samples(&wide, 1, 16, rate as usize);
    let mut stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
        .map_err(|e| FlacError(e.to_string()))?;
    // flacenc lowers the minimum block size to the shorter last block. The format excludes
    // the last block from it, libFLAC writes min = max, and symphonia reads min != max as a
    // variable-block stream and then fails on the frame numbers of a fixed one.
    stream
        .stream_info_mut()
        .set_block_sizes(config.block_size, config.block_size)
        .map_err(|e| FlacError(e.to_string()))?;
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|e| FlacError(e.to_string()))?;
    Ok(sink.into_inner())
}

/// One voiced syllable: harmonics of a gliding pitch, weighted by 1/k and lifted near the
/// vowel's formants, under an envelope that rises fast and decays slowly; a fricative one
/// opens with 20 ms of fading noise, like a consonant.
struct Syllable {
    f0_from: f32,
    f0_to: f32,
    formants: (f32, f32),
    loudness: f32,
    fricative: bool,
}

impl Syllable {
    fn add_to(&self, out: &mut [f32], start: usize, len: usize, sr: f32, rng: &mut SplitMix64) {
        let end = (start + len).min(out.len());
        let Some(out) = out.get_mut(start..end) else {
            return;
        };
        let mean_f0 = (self.f0_from + self.f0_to) / 2.0;
        let top = VOICE_TOP_HZ.min(0.45 * sr);
        let (f1, f2) = self.formants;
        let weights: Vec<f32> = (1..)
            .map(|k| k as f32 * mean_f0)
            .take_while(|&f| f < top)
            .enumerate()
            .map(|(i, f)| (0.25 + resonance(f, f1) + 0.7 * resonance(f, f2)) / (i + 1) as f32)
            .collect();
        let onset = span(0.02, sr);
        let mut phase = 0f32;
        for (i, y) in out.iter_mut().enumerate() {
            let u = i as f32 / len as f32;
            phase = (phase + TAU * (self.f0_from + (self.f0_to - self.f0_from) * u) / sr) % TAU;
            let voiced: f32 = weights
                .iter()
                .enumerate()
                .map(|(k, w)| w * ((k + 1) as f32 * phase).sin())
                .sum();
            let envelope = (PI * u.sqrt()).sin().powi(2);
            let noise = if self.fricative && i < onset {
                0.4 * (1.0 - i as f32 / onset as f32) * rng.signed()
            } else {
                0.0
            };
            *y += self.loudness * (envelope * voiced + noise);
        }
    }
}

/// Gain near a formant at `centre` Hz: 1 there, falling off over about 180 Hz.
fn resonance(hz: f32, centre: f32) -> f32 {
    let x = (hz - centre) / 180.0;
    (-x * x).exp()
}

/// A sine at `BEEP_LEVEL` with 5 ms fades, so the beep does not click.
fn add_tone(out: &mut [f32], start: usize, len: usize, hz: f32, sr: f32) {
    let end = (start + len).min(out.len());
    let Some(out) = out.get_mut(start..end) else {
        return;
    };
    let fade = (0.005 * sr).max(1.0);
    for (i, y) in out.iter_mut().enumerate() {
        let t = i as f32;
        let ramp = (t / fade).min((len as f32 - t) / fade).min(1.0);
        *y += BEEP_LEVEL * ramp * (TAU * hz * t / sr).sin();
    }
}

/// `seconds` in samples, at least one so that every step of the generator moves on.
fn span(seconds: f32, sr: f32) -> usize {
    ((seconds * sr) as usize).max(1)
}

/// RIFF WAVE of one-byte G.711 codes: `fmt ` of 18 bytes (what symphonia requires for tags
/// 6 and 7), `fact` with the sample count, `data`, and a pad byte if the data is odd.
fn g711_wav(format_tag: u16, samples: &[i16], rate: u32, encode: fn(i16) -> u8) -> Vec<u8> {
    let samples = &samples[..samples.len().min(MAX_WAV_SAMPLES)];
    let count = samples.len() as u32;
    let pad = count % 2;
    let mut out = Vec::with_capacity(58 + samples.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(50 + count + pad).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&18u32.to_le_bytes());
    out.extend_from_slice(&format_tag.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // channels
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes()); // bytes per second
    out.extend_from_slice(&1u16.to_le_bytes()); // block align
    out.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(&0u16.to_le_bytes()); // no extra format bytes
    out.extend_from_slice(b"fact");
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&count.to_le_bytes());
    out.extend(samples.iter().map(|&s| encode(s)));
    if pad == 1 {
        out.push(0);
    }
    out
}

/// G.711 µ-law: the top 14 bits as sign and magnitude, biased by 33 so that each segment
/// starts at a power of two; the code is the segment (0–7) and the next 4 bits, inverted.
/// Magnitudes past the top segment take its largest code.
fn mulaw(sample: i16) -> u8 {
    let value = i32::from(sample) >> 2;
    let mask = if value < 0 { 0x7F } else { 0xFF };
    let biased = (value.unsigned_abs() + 33).min(0x1FFF);
    let segment = biased.ilog2() - 5;
    let mantissa = (biased >> (segment + 1)) & 0x0F;
    ((segment << 4 | mantissa) as u8) ^ mask
}

/// G.711 A-law: the top 13 bits, negatives one's-complemented to a magnitude; segment 0 and
/// 1 are linear, each later one doubles the step. The code has its even bits inverted (0x55),
/// and the sign bit set for positives.
fn alaw(sample: i16) -> u8 {
    let value = i32::from(sample) >> 3;
    let (mask, magnitude) = if value < 0 {
        (0x55, (-1 - value).unsigned_abs())
    } else {
        (0xD5, value.unsigned_abs())
    };
    let segment = if magnitude < 32 {
        0
    } else {
        magnitude.ilog2() - 4
    };
    let mantissa = (magnitude >> segment.max(1)) & 0x0F;
    ((segment << 4 | mantissa) as u8) ^ mask
}

/// splitmix64 (Steele, Lea and Flood, 2014): tiny, and random enough to pick syllables.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 24 bits.
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn range(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.unit()
    }

    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f32 {
        self.range(-1.0, 1.0)
    }

    /// Uniform in `0..n`, for small `n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use storage::{AudioFacts, Container, ProbeLimits};

    use super::*;

    fn probed(file: Vec<u8>) -> AudioFacts {
        storage::probe(Bytes::from(file), &ProbeLimits::default()).expect("probes")
    }

    /// What symphonia decodes the file to, read back from its 44-byte-header rendition.
    fn decoded(file: Vec<u8>) -> Vec<i16> {
        let wav = storage::render_wav(Bytes::from(file), &ProbeLimits::default()).expect("decodes");
        wav[44..]
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }

    #[test]
    fn synth_message_is_deterministic_and_peaks_at_minus_6_dbfs() {
        let message = synth_message(42, 6.0, 8000);

        assert_eq!(message, synth_message(42, 6.0, 8000));
        assert_ne!(message, synth_message(43, 6.0, 8000));
        assert_eq!(message.len(), 48_000);
        let peak = message.iter().map(|s| s.unsigned_abs()).max();
        assert!(
            peak.is_some_and(|p| (15_000..=16_500).contains(&p)),
            "{peak:?}"
        );
    }

    #[test]
    fn synth_message_speaks_in_bursts_with_pauses() {
        let message = synth_message(7, 10.0, 16000);

        // 50 ms windows after the beep: some loud, some near silence.
        let peaks: Vec<u16> = message[8000..]
            .chunks(800)
            .map(|w| w.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0))
            .collect();
        let quiet = peaks.iter().filter(|&&p| p < 200).count();
        let loud = peaks.iter().filter(|&&p| p > 4000).count();
        assert!(quiet * 10 > peaks.len(), "{quiet} quiet of {}", peaks.len());
        assert!(loud * 2 > peaks.len(), "{loud} loud of {}", peaks.len());
    }

    #[test]
    fn synth_message_of_nothing_is_empty() {
        assert!(synth_message(1, 0.0, 8000).is_empty());
        assert!(synth_message(1, -3.0, 8000).is_empty());
        assert!(synth_message(1, f32::NAN, 8000).is_empty());
        assert!(synth_message(1, 5.0, 0).is_empty());
    }

    /// Expected codes from Python's `audioop.lin2ulaw` / `lin2alaw` (the Sun G.711 code).
    #[test]
    fn g711_codes_match_the_reference_encoder() {
        let cases: [(i16, u8, u8); 11] = [
            (0, 0xFF, 0xD5),
            (1, 0xFF, 0xD5),
            (-1, 0x7E, 0x55),
            (100, 0xF2, 0xD3),
            (-100, 0x72, 0x53),
            (1000, 0xCE, 0xFA),
            (-1000, 0x4E, 0x7A),
            (8159, 0x9F, 0x8A),
            (-8160, 0x1F, 0x0A),
            (i16::MAX, 0x80, 0xAA),
            (i16::MIN, 0x00, 0x2A),
        ];
        for (sample, mu, a) in cases {
            assert_eq!(mulaw(sample), mu, "µ-law of {sample}");
            assert_eq!(alaw(sample), a, "A-law of {sample}");
        }
    }

    #[test]
    fn g711_wavs_probe_with_every_sample() {
        for rate in [8000, 16000] {
            // An odd count, so the data chunk needs its pad byte.
            let message = synth_message(rate.into(), 2.0, rate);
            let samples = &message[..message.len() - 1];
            for (file, codec) in [
                (mulaw_wav(samples, rate), "pcm_mulaw"),
                (alaw_wav(samples, rate), "pcm_alaw"),
            ] {
                let facts = probed(file);

                assert_eq!(facts.container, Container::Wav, "{codec} at {rate}");
                assert_eq!(facts.codec, codec);
                assert_eq!(facts.sample_rate, rate);
                assert_eq!(facts.channels, 1);
                assert_eq!(facts.frames, samples.len() as u64);
            }
        }
    }

    #[test]
    fn g711_wavs_decode_to_the_signal_within_a_quantisation_step() {
        let samples = synth_message(5, 3.0, 8000);
        for file in [mulaw_wav(&samples, 8000), alaw_wav(&samples, 8000)] {
            let back = decoded(file);

            assert_eq!(back.len(), samples.len());
            for (&s, &d) in samples.iter().zip(&back) {
                let error = (i32::from(s) - i32::from(d)).unsigned_abs();
                assert!(error <= u32::from(s.unsigned_abs()) / 16 + 40, "{s} → {d}");
            }
        }
    }

    #[test]
    fn flac_probes_and_decodes_losslessly() {
        for rate in [8000, 16000] {
            let samples = synth_message(9, 3.0, rate);
            let file = flac(&samples, rate).expect("encodes");

            let facts = probed(file.clone());
            assert_eq!(facts.container, Container::Flac);
            assert_eq!(facts.codec, "flac");
            assert_eq!(facts.sample_rate, rate);
            assert_eq!(facts.channels, 1);
            assert_eq!(facts.frames, samples.len() as u64);
            assert_eq!(decoded(file), samples);
        }
    }

    #[test]
    fn flac_of_one_short_block_or_whole_blocks_probes_with_every_sample() {
        for len in [1, 2400, 4096, 8192] {
            let samples = &synth_message(3, 2.0, 8000)[..len];

            let facts = probed(flac(samples, 8000).expect("encodes"));
            assert_eq!(facts.frames, len as u64, "{len} samples");
        }
    }

    #[test]
    fn flac_refuses_a_rate_it_cannot_write() {
        assert!(flac(&[0; 100], 200_000).is_err());
    }
}

//! Test audio: WAV variants written here, compressed formats committed under
//! `tests/fixtures/` (regenerate with `tests/fixtures/make-fixtures.sh`).

use std::f64::consts::PI;
use std::io::Cursor;

use bytes::Bytes;

/// A 440 Hz sine at half of full scale.
pub fn sine(rate: u32, ms: u32) -> Vec<i16> {
    let frames = u64::from(rate) * u64::from(ms) / 1000;
    (0..frames)
        .map(|n| ((2.0 * PI * 440.0 * n as f64 / f64::from(rate)).sin() * 16384.0) as i16)
        .collect()
}

/// 16-bit PCM WAV written by hound (`channels` copies of the tone).
pub fn wav_pcm16(rate: u32, channels: u16, ms: u32) -> Bytes {
    wav_int(16, channels, rate, ms)
}

/// 8- to 32-bit integer PCM WAV written by hound, `channels` copies of the tone.
pub fn wav_int(bits: u16, channels: u16, rate: u32, ms: u32) -> Bytes {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, spec).expect("wav writer");
    for s in sine(rate, ms) {
        let sample = (i32::from(s) << 16) >> (32 - bits);
        for _ in 0..channels {
            writer.write_sample(sample).expect("sample");
        }
    }
    writer.finalize().expect("finalize");
    Bytes::from(out.into_inner())
}

/// 32-bit float WAV written by hound.
pub fn wav_float(rate: u32, ms: u32) -> Bytes {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut out = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, spec).expect("wav writer");
    for s in sine(rate, ms) {
        writer.write_sample(f32::from(s) / 32768.0).expect("sample");
    }
    writer.finalize().expect("finalize");
    Bytes::from(out.into_inner())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    Mu,
    A,
}

/// G.711 WAV as a PBX writes it: format tag 7 (µ-law) or 6 (A-law), 8 bits, a `fact` chunk.
pub fn wav_g711(law: Law, rate: u32, ms: u32) -> Bytes {
    let data: Vec<u8> = sine(rate, ms).into_iter().map(|s| g711(law, s)).collect();
    let tag: u16 = if law == Law::Mu { 7 } else { 6 };
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&tag.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes()); // channels
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes()); // byte rate
    fmt.extend_from_slice(&1u16.to_le_bytes()); // block align
    fmt.extend_from_slice(&8u16.to_le_bytes()); // bits
    fmt.extend_from_slice(&0u16.to_le_bytes()); // cbSize
    riff(&[
        (b"fmt ", fmt),
        (b"fact", (data.len() as u32).to_le_bytes().to_vec()),
        (b"data", data),
    ])
}

/// µ-law in WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE, sub-format GUID 00000007-…).
pub fn wav_mulaw_extensible(rate: u32, ms: u32) -> Bytes {
    let data: Vec<u8> = sine(rate, ms)
        .into_iter()
        .map(|s| g711(Law::Mu, s))
        .collect();
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&0xFFFEu16.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes());
    fmt.extend_from_slice(&8u16.to_le_bytes());
    fmt.extend_from_slice(&22u16.to_le_bytes()); // cbSize
    fmt.extend_from_slice(&8u16.to_le_bytes()); // valid bits
    fmt.extend_from_slice(&4u32.to_le_bytes()); // channel mask: front centre
    fmt.extend_from_slice(&[
        0x07, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
    ]);
    riff(&[
        (b"fmt ", fmt),
        (b"fact", (data.len() as u32).to_le_bytes().to_vec()),
        (b"data", data),
    ])
}

/// Overwrites the size field of the first chunk `id` (`RIFF` for the file's).
pub fn patch_chunk_size(wav: &mut [u8], id: &[u8; 4], size: u32) {
    let at = wav.windows(4).position(|w| w == id).expect("chunk") + 4;
    wav[at..at + 4].copy_from_slice(&size.to_le_bytes());
}

/// A RIFF/WAVE file from chunks (odd chunks padded).
pub fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Bytes {
    let mut body = b"WAVE".to_vec();
    for (id, data) in chunks {
        body.extend_from_slice(*id);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    Bytes::from(out)
}

/// ITU-T G.711 encoder (after the Sun reference implementation).
pub fn g711(law: Law, sample: i16) -> u8 {
    match law {
        Law::Mu => {
            const BIAS: i32 = 0x84;
            const CLIP: i32 = 32635;
            let mut pcm = i32::from(sample);
            let sign = if pcm < 0 {
                pcm = -pcm;
                0x80
            } else {
                0
            };
            pcm = pcm.min(CLIP) + BIAS;
            let mut exponent = 7;
            while exponent > 0 && pcm & (0x4000 >> (7 - exponent)) == 0 {
                exponent -= 1;
            }
            let mantissa = (pcm >> (exponent + 3)) & 0x0F;
            !(sign | (exponent << 4) | mantissa) as u8
        }
        Law::A => {
            let mut pcm = i32::from(sample) >> 3;
            let mask = if pcm >= 0 {
                0xD5
            } else {
                pcm = -pcm - 1;
                0x55
            };
            let seg = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]
                .iter()
                .position(|&end| pcm <= end);
            match seg {
                None => (0x7F ^ mask) as u8,
                Some(seg) => {
                    let mantissa = if seg < 2 {
                        (pcm >> 1) & 0xF
                    } else {
                        (pcm >> seg) & 0xF
                    };
                    (((seg as i32) << 4 | mantissa) ^ mask) as u8
                }
            }
        }
    }
}

/// A committed fixture.
pub fn file(name: &str) -> Bytes {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

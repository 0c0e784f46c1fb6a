//! Outputs of a full decode: a 16-bit PCM WAV, and a peak envelope.

use bytes::Bytes;

use super::decode::decode;
use super::{ProbeError, ProbeLimits};

const WAV_HEADER_LEN: usize = 44;

/// Decoded samples as a canonical 44-byte-header PCM WAV (format tag 1, 16 bits).
///
/// The samples are exactly what the decoder produced: for AAC in MP4 that includes the
/// encoder's priming frames (a few tens of milliseconds of near-silence at the start).
pub(super) fn wav(bytes: Bytes, limits: &ProbeLimits) -> Result<Vec<u8>, ProbeError> {
    let mut out = vec![0u8; WAV_HEADER_LEN];
    let mut samples: Vec<i16> = Vec::new();
    let facts = decode(bytes, limits, |buf| {
        buf.copy_to_vec_interleaved::<i16>(&mut samples);
        let size = out.len() + samples.len() * 2;
        if size > limits.max_rendition_bytes {
            return Err(ProbeError::TooLarge {
                size,
                max: limits.max_rendition_bytes,
            });
        }
        out.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
        Ok(())
    })?;
    let data_len = out.len() - WAV_HEADER_LEN;
    let riff_len = u32::try_from(out.len() - 8).map_err(|_| ProbeError::TooLarge {
        size: out.len(),
        max: u32::MAX as usize,
    })?;
    // Channels are at most `max_channels`; a u16 block of 2-byte samples holds 32767 of them.
    let block_align = facts.channels.saturating_mul(2);
    let header = [
        &b"RIFF"[..],
        &riff_len.to_le_bytes(),
        b"WAVE",
        b"fmt ",
        &16u32.to_le_bytes(),
        &1u16.to_le_bytes(), // PCM
        &facts.channels.to_le_bytes(),
        &facts.sample_rate.to_le_bytes(),
        &facts
            .sample_rate
            .saturating_mul(u32::from(block_align))
            .to_le_bytes(),
        &block_align.to_le_bytes(),
        &16u16.to_le_bytes(),
        b"data",
        &(data_len as u32).to_le_bytes(),
    ]
    .concat();
    out[..WAV_HEADER_LEN].copy_from_slice(&header);
    Ok(out)
}

/// Peaks at 1 ms resolution while decoding (600 000 values for 10 minutes at most), then
/// the maximum over `points` equal slices of them.
pub(super) fn waveform(
    bytes: Bytes,
    points: usize,
    limits: &ProbeLimits,
) -> Result<Vec<f32>, ProbeError> {
    let mut fine: Vec<f32> = Vec::new();
    let mut bucket_peak = 0f32;
    let mut bucket_fill = 0usize;
    let mut samples: Vec<f32> = Vec::new();
    decode(bytes, limits, |buf| {
        let channels = buf.spec().channels().count().max(1);
        let per_bucket = (buf.spec().rate() as usize / 1000).max(1);
        buf.copy_to_vec_interleaved::<f32>(&mut samples);
        for frame in samples.chunks_exact(channels) {
            let peak = frame
                .iter()
                .fold(0f32, |m, s| if s.abs() > m { s.abs() } else { m });
            bucket_peak = bucket_peak.max(peak);
            bucket_fill += 1;
            if bucket_fill == per_bucket {
                fine.push(bucket_peak);
                bucket_peak = 0.0;
                bucket_fill = 0;
            }
        }
        Ok(())
    })?;
    if bucket_fill > 0 {
        fine.push(bucket_peak);
    }
    Ok(downsample_peaks(&fine, points))
}

/// `points` maxima over equal slices of `fine` (or `fine` itself when it is shorter),
/// clamped to 0..=1 (float WAVs may exceed full scale; NaN counts as silence).
fn downsample_peaks(fine: &[f32], points: usize) -> Vec<f32> {
    let clamp = |v: f32| if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
    if fine.len() <= points {
        return fine.iter().copied().map(clamp).collect();
    }
    (0..points)
        .map(|i| {
            let (from, to) = (i * fine.len() / points, (i + 1) * fine.len() / points);
            clamp(fine[from..to].iter().copied().fold(0.0, f32::max))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::downsample_peaks;

    #[test]
    fn peaks_are_the_maximum_of_each_slice() {
        let fine = [0.1, 0.9, 0.2, 0.3, 0.0, 0.5];
        assert_eq!(downsample_peaks(&fine, 3), vec![0.9, 0.3, 0.5]);
        assert_eq!(downsample_peaks(&fine, 2), vec![0.9, 0.5]);
        assert_eq!(downsample_peaks(&fine, 1), vec![0.9]);
        assert_eq!(downsample_peaks(&fine, 0), Vec::<f32>::new());
    }

    #[test]
    fn fewer_frames_than_points_give_fewer_points_and_values_stay_in_range() {
        assert_eq!(
            downsample_peaks(&[0.5, 1.5, f32::NAN], 10),
            vec![0.5, 1.0, 0.0]
        );
    }
}

//! The one piece of MP4 that symphonia 0.6 does not read: the audio track's edit list.
//!
//! AAC encoders put ~1024 frames of priming before the audio and pad the last frame; the
//! muxer marks what to play with an edit list (`moov/trak/edts/elst`, durations in the movie
//! timescale of `moov/mvhd`). symphonia's isomp4 reader ignores edits ("not currently
//! supported"), so a 1.750 s M4A decodes to 1.856 s. This walks only the boxes on that path,
//! bounds-checked, and gives up (`None`) on anything unexpected.

/// Frames (at `sample_rate`) the audio track's edit list says to play, if it has one.
pub(super) fn edit_list_frames(file: &[u8], sample_rate: u32) -> Option<u64> {
    let moov = child(file, b"moov")?;
    let timescale = movie_timescale(child(moov, b"mvhd")?)?;
    let trak = boxes(moov)
        .filter(|(kind, _)| kind == b"trak")
        .map(|(_, body)| body)
        .find(|trak| handler(trak) == Some(*b"soun"))?;
    let played = edited_duration(child(child(trak, b"edts")?, b"elst")?)?;
    let frames = u128::from(played) * u128::from(sample_rate) / u128::from(timescale);
    u64::try_from(frames).ok().filter(|&n| n > 0)
}

/// `mvhd` timescale (ticks per second), after version/flags and the creation and
/// modification times (32-bit in version 0, 64-bit in version 1).
fn movie_timescale(mvhd: &[u8]) -> Option<u32> {
    let at = match *mvhd.first()? {
        0 => 4 + 4 + 4,
        1 => 4 + 8 + 8,
        _ => return None,
    };
    be_u32(mvhd, at).filter(|&t| t > 0)
}

/// `moov/trak/mdia/hdlr` handler type (`soun` for audio).
fn handler(trak: &[u8]) -> Option<[u8; 4]> {
    let hdlr = child(child(trak, b"mdia")?, b"hdlr")?;
    hdlr.get(8..12)?.try_into().ok()
}

/// Sum of the segment durations of the non-empty edits (`media_time != -1`).
fn edited_duration(elst: &[u8]) -> Option<u64> {
    let version = *elst.first()?;
    let count = be_u32(elst, 4)? as usize;
    let (entry_len, wide) = match version {
        0 => (12, false),
        1 => (20, true),
        _ => return None,
    };
    let entries = elst.get(8..8 + count.checked_mul(entry_len)?)?;
    let mut total = 0u64;
    for entry in entries.chunks_exact(entry_len) {
        let (duration, media_time) = if wide {
            (be_u64(entry, 0)?, be_u64(entry, 8)? as i64)
        } else {
            (
                u64::from(be_u32(entry, 0)?),
                i64::from(be_u32(entry, 4)? as i32),
            )
        };
        if media_time != -1 {
            total = total.checked_add(duration)?;
        }
    }
    (total > 0).then_some(total)
}

/// The body of the first child box of `kind`.
fn child<'a>(parent: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(parent).find(|(k, _)| k == kind).map(|(_, body)| body)
}

/// The boxes directly inside `data`, ending at the first malformed header.
fn boxes(mut data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    std::iter::from_fn(move || {
        let size = u64::from(be_u32(data, 0)?);
        let kind: [u8; 4] = data.get(4..8)?.try_into().ok()?;
        let (header, size) = match size {
            0 => (8, data.len() as u64),
            1 => (16, be_u64(data, 8)?),
            n => (8, n),
        };
        let size = usize::try_from(size).ok()?;
        if size < header || size > data.len() {
            return None;
        }
        let body = &data[header..size];
        data = &data[size..];
        Some((kind, body))
    })
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn be_u64(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    fn movie(handler: &[u8; 4], edits: &[(u32, i32)]) -> Vec<u8> {
        let mut mvhd = vec![0u8; 4 + 8];
        mvhd.extend_from_slice(&1000u32.to_be_bytes());
        mvhd.extend_from_slice(&[0; 4]);
        let mut hdlr = vec![0u8; 8];
        hdlr.extend_from_slice(handler);
        let mut elst = vec![0u8; 4];
        elst.extend_from_slice(&(edits.len() as u32).to_be_bytes());
        for (duration, media_time) in edits {
            elst.extend_from_slice(&duration.to_be_bytes());
            elst.extend_from_slice(&media_time.to_be_bytes());
            elst.extend_from_slice(&0x0001_0000u32.to_be_bytes());
        }
        let trak = [
            mp4_box(b"edts", &mp4_box(b"elst", &elst)),
            mp4_box(b"mdia", &mp4_box(b"hdlr", &hdlr)),
        ]
        .concat();
        let moov = [mp4_box(b"mvhd", &mvhd), mp4_box(b"trak", &trak)].concat();
        [mp4_box(b"ftyp", b"M4A \0\0\0\0"), mp4_box(b"moov", &moov)].concat()
    }

    #[test]
    fn edit_list_of_the_audio_track_gives_the_played_frames() {
        assert_eq!(
            edit_list_frames(&movie(b"soun", &[(1750, 1024)]), 16_000),
            Some(28_000)
        );
        // An empty edit (a delay) plays no media.
        assert_eq!(
            edit_list_frames(&movie(b"soun", &[(500, -1), (1000, 0)]), 8_000),
            Some(8_000)
        );
    }

    #[test]
    fn no_edit_list_or_a_malformed_one_gives_nothing() {
        assert_eq!(
            edit_list_frames(&movie(b"vide", &[(1750, 1024)]), 16_000),
            None
        );
        assert_eq!(edit_list_frames(&movie(b"soun", &[]), 16_000), None);
        let file = movie(b"soun", &[(1750, 1024)]);
        for cut in [0, 3, 20, file.len() / 2, file.len() - 1] {
            assert_eq!(edit_list_frames(&file[..cut], 16_000), None, "cut at {cut}");
        }
        let mut lying = file.clone();
        let moov_at = 16; // after the 16-byte ftyp
        lying[moov_at..moov_at + 4].copy_from_slice(&u32::MAX.to_be_bytes()); // moov claims 4 GiB
        assert_eq!(edit_list_frames(&lying, 16_000), None);
    }
}

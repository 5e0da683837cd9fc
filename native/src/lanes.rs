//! Which bytes of a text JSON's escaping must look at, sixteen a turn, as a bit mask: a line's
//! text is most of a `--json` record, and between its escapes (a JSON body's quotes) it is copied
//! as it is. SSE2 on x86-64 (part of its baseline: no check at run time), two words of SWAR
//! elsewhere; the tests hold the two to the same answer for every byte.
#![deny(unsafe_code)]

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;
const LO: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of `w` that json.dumps escapes (`"`, `\`, a control character),
/// and of no other byte.
#[inline(always)]
pub fn escaped(w: u64) -> u64 {
    let low = w & LOW7; // each byte below 0x80: the sums below carry into no other byte
    let control = !(w | (low + LO * 0x60)) & HIGH; // below 0x20
    let equal = |c: u8| {
        let x = w ^ (LO * u64::from(c));
        !(((x & LOW7) + LOW7) | x) & HIGH
    };
    control | equal(b'"') | equal(b'\\')
}

/// The high bit of each byte of `w` that is not ASCII but DEL (0x7f and above), and of no other.
#[inline(always)]
pub fn above(w: u64) -> u64 {
    (w | ((w & LOW7) + LO)) & HIGH
}

/// Bit k: byte k of `chunk` is one that json.dumps escapes (`escaped`) or, unless the text is
/// known plain (`checked`), one that is not ASCII but DEL (`above`).
#[inline(always)]
pub fn flags16(chunk: &[u8; 16], checked: bool) -> u32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        sse2(chunk, checked)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        swar(chunk, checked)
    }
}

/// `flags16` of two words: each one's flags (a byte's high bit) gathered into eight bits by a
/// multiplication (each flag lands on its own bit of the top byte, and no two sums carry).
#[inline(always)]
pub fn swar(chunk: &[u8; 16], checked: bool) -> u32 {
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let word = |w: &[u8]| {
        let w = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        let flags = if checked {
            escaped(w)
        } else {
            escaped(w) | above(w)
        };
        ((flags >> 7).wrapping_mul(GATHER) >> 56) as u32
    };
    word(&chunk[..8]) | word(&chunk[8..]) << 8
}

/// `flags16` in SSE2: the bytes come in as two words (no pointer is read here), compared sixteen
/// at once, and their mask taken with `movemask`.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
#[allow(unsafe_code, unused_unsafe)]
pub fn sse2(chunk: &[u8; 16], checked: bool) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x,
    };
    let lo = i64::from_le_bytes(chunk[..8].try_into().expect("eight bytes"));
    let hi = i64::from_le_bytes(chunk[8..].try_into().expect("eight bytes"));
    // SAFETY: SSE2 is enabled where this is compiled (the cfg above; x86-64's baseline), and none
    // of these touches memory. They are unsafe functions only before Rust 1.87.
    unsafe {
        let v = _mm_set_epi64x(hi, lo);
        let splat = |c: u8| _mm_set1_epi8(c as i8);
        let control = _mm_cmpeq_epi8(_mm_max_epu8(v, splat(0x1f)), splat(0x1f)); // below 0x20
        let quote = _mm_cmpeq_epi8(v, splat(b'"'));
        let backslash = _mm_cmpeq_epi8(v, splat(b'\\'));
        let mut flags = _mm_or_si128(control, _mm_or_si128(quote, backslash));
        if !checked {
            // DEL, and every byte with its high bit set (movemask reads that bit).
            flags = _mm_or_si128(flags, _mm_or_si128(_mm_cmpeq_epi8(v, splat(0x7f)), v));
        }
        _mm_movemask_epi8(flags) as u32
    }
}

/// How many bytes of `bytes` are `c`: sixteen a turn in SSE2, eight elsewhere.
pub fn count(bytes: &[u8], c: u8) -> u64 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        count_sse2(bytes, c)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        count_swar(bytes, c)
    }
}

/// `count` eight bytes a turn: a count a byte lane, summed every 255 words (before a lane can
/// overflow), one add a word.
pub fn count_swar(bytes: &[u8], c: u8) -> u64 {
    let mut n = 0;
    for part in bytes.chunks(8 * 255) {
        let mut words = part.chunks_exact(8);
        let mut lanes = 0u64;
        for w in words.by_ref() {
            let x = u64::from_le_bytes(w.try_into().expect("eight bytes")) ^ (LO * u64::from(c));
            lanes += (!(((x & LOW7) + LOW7) | x) & HIGH) >> 7; // 1 in the lane of each zero byte
        }
        let pairs = (lanes & 0x00ff_00ff_00ff_00ff) + ((lanes >> 8) & 0x00ff_00ff_00ff_00ff);
        n += pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48;
        n += words.remainder().iter().filter(|&&b| b == c).count() as u64;
    }
    n
}

/// `count` in SSE2: sixteen byte lanes counting down (a match compares as -1), summed every 255
/// turns with `psadbw`.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[allow(unsafe_code, unused_unsafe)]
pub fn count_sse2(bytes: &[u8], c: u8) -> u64 {
    use std::arch::x86_64::{
        _mm_add_epi64, _mm_cmpeq_epi8, _mm_cvtsi128_si64, _mm_sad_epu8, _mm_set1_epi8,
        _mm_set_epi64x, _mm_setzero_si128, _mm_srli_si128, _mm_sub_epi8,
    };
    let mut n = 0;
    for part in bytes.chunks(16 * 255) {
        let mut chunks = part.chunks_exact(16);
        // SAFETY: as in `sse2`: enabled where this is compiled, and no memory is touched.
        let sum = unsafe {
            let needle = _mm_set1_epi8(c as i8);
            let mut lanes = _mm_setzero_si128();
            for chunk in chunks.by_ref() {
                let lo = i64::from_le_bytes(chunk[..8].try_into().expect("eight bytes"));
                let hi = i64::from_le_bytes(chunk[8..].try_into().expect("eight bytes"));
                let equal = _mm_cmpeq_epi8(_mm_set_epi64x(hi, lo), needle);
                lanes = _mm_sub_epi8(lanes, equal);
            }
            let halves = _mm_sad_epu8(lanes, _mm_setzero_si128());
            _mm_cvtsi128_si64(_mm_add_epi64(halves, _mm_srli_si128::<8>(halves))) as u64
        };
        n += sum + chunks.remainder().iter().filter(|&&b| b == c).count() as u64;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(c: u8, checked: bool) -> bool {
        c < 0x20 || c == b'"' || c == b'\\' || (!checked && c >= 0x7f)
    }

    #[test]
    fn special_bytes_are_flagged_exactly() {
        let wanted = |c: u8| c < 0x20 || c == b'"' || c == b'\\' || c >= 0x7f;
        for c in 0..=255u8 {
            for other in [b'a', 0x00, 0x7f, 0xff, b'"', 0x1f, 0x20, 0x80] {
                for at in 0..8 {
                    let mut bytes = [other; 8];
                    bytes[at] = c;
                    let w = u64::from_le_bytes(bytes);
                    let flags = escaped(w) | above(w);
                    for (k, &b) in bytes.iter().enumerate() {
                        assert_eq!(
                            flags >> (8 * k) & 0xff,
                            if wanted(b) { 0x80 } else { 0 },
                            "{bytes:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_byte_flagged_as_a_byte_at_a_time_reading_flags_it() {
        for c in 0..=255u8 {
            for other in [b'a', 0x00, 0x7f, 0x80, 0xff, b'"', 0x1f, 0x20, b'\\', 0x7e] {
                for at in 0..16 {
                    let mut chunk = [other; 16];
                    chunk[at] = c;
                    for checked in [false, true] {
                        let want = (0..16)
                            .filter(|&k| wanted(chunk[k], checked))
                            .fold(0u32, |m, k| m | 1 << k);
                        assert_eq!(swar(&chunk, checked), want, "{chunk:?} {checked}");
                        assert_eq!(flags16(&chunk, checked), want, "{chunk:?} {checked}");
                    }
                }
            }
        }
    }

    #[test]
    fn random_chunks_flagged_alike() {
        let mut seed = 7u64;
        for _ in 0..100_000 {
            let mut chunk = [0u8; 16];
            for b in &mut chunk {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *b = (seed >> 56) as u8;
            }
            for checked in [false, true] {
                assert_eq!(swar(&chunk, checked), flags16(&chunk, checked));
            }
        }
    }

    #[test]
    fn bytes_counted_in_long_runs() {
        for len in [
            0, 7, 8, 15, 16, 17, 2039, 2040, 2041, 4079, 4080, 4081, 8160, 10000,
        ] {
            for every in [1, 2, 3, 9, 16] {
                let text: Vec<u8> = (0..len)
                    .map(|i| if i % every == 0 { b'\n' } else { b'x' })
                    .collect();
                let want = text.iter().filter(|&&c| c == b'\n').count() as u64;
                assert_eq!(count_swar(&text, b'\n'), want, "{len} {every}");
                assert_eq!(count(&text, b'\n'), want, "{len} {every}");
            }
        }
        let all: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        for c in [0, b'\n', 0x7f, 0x80, 0xff] {
            assert_eq!(count(&all, c), count_swar(&all, c));
            assert_eq!(
                count(&all[3..], c),
                all[3..].iter().filter(|&&b| b == c).count() as u64
            );
        }
    }
}

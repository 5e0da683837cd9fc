//! FxHash (rustc's): a hash of words at a time, for small maps and sets whose hashing is the hot
//! part (SipHash was a tenth of a crowded line's time). Not for a map that untrusted input grows
//! without bound: colliding keys are cheap to make.
#![forbid(unsafe_code)]

/// The hasher.
#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        }
        // The last bytes as one word, without a copy through memory (a stalled load there was a
        // tenth of `once_a_line`): the word that ends the string, shifted past what came before.
        let r = chunks.remainder().len();
        let last = if r == 0 {
            0
        } else if bytes.len() >= 8 {
            let end = bytes.len();
            u64::from_le_bytes(bytes[end - 8..].try_into().expect("eight bytes")) >> (8 * (8 - r))
        } else {
            bytes
                .iter()
                .rev()
                .fold(0u64, |w, &c| (w << 8) | u64::from(c))
        };
        self.add(last ^ bytes.len() as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub type FxMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;

pub type FxSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<Fx>>;

/// FxHash of byte strings, each with its length.
pub fn fx_hash(parts: &[&[u8]]) -> u64 {
    use std::hash::Hasher;
    let mut h = Fx::default();
    for part in parts {
        h.write_usize(part.len());
        h.write(part);
    }
    h.finish()
}

//! The candidate search: which lines of a block may hold an error, in one pass over the block.
//!
//! Every form the extractor reads needs one of a few literals in its line (the forms' gates,
//! narrowed: a .NET SDK error holds ` message:`, a Node one `code: '`), a legacy code needs a
//! `)` after a digit with a letter after it, and a code name standing alone holds one of the
//! names' literals (`kmserr.forms.name_literals`). The literals are found by sampling the block
//! every `stride` bytes (the shortest literal's length less 3): each occurrence of a literal
//! covers a sampled position with one of its 4-byte grams, which a bitmap rejects in one test
//! almost everywhere. The forms' shortest literals (`"code"`, `Code: `...) each hold `ode`, which
//! is looked for at every byte instead (the stride 6, not 3), and a digit before `)` too, 32 bytes
//! a turn in vector compares the compiler makes. A line with a hit is a candidate, and the
//! search goes on from the next line.
#![forbid(unsafe_code)]

/// The literals of the forms themselves (not of names), and what each stands for.
pub const FORM_LITERALS: &[&[u8]] = &[
    b"TencentCloudSDK", // every SDK text form, quoted ones too
    b"ErrorCode=",      // the C++ SDK
    b" message:",       // the .NET SDK's `code:X message:`
    b"code: '",         // Node's util.inspect
    b"Code: ",          // `Code: X, Message: M`
    b"\"Code\"",        // API 3.0 bodies
    b"\\\"Code\\\"",    // API 3.0 bodies inside JSON strings
    b"\"code\"",        // legacy bodies
    b"\"message\"", // legacy bodies as Hyperscan's locator sees them (checked: digits before it)
    b"\"MESSAGE\":[", // journald's MESSAGE as bytes (forms.JOURNALD_BYTES): Python reads such a line
    b"\"MESSAGE\": [",
];
const MESSAGE_KEY: usize = 8; // the index of `"message"` above

const BITS: u32 = 16;
/// Form literals shorter than this that hold `ode` are found by it, not sampled (see `index`).
const ODE_SPLIT: usize = 9; // eight bytes at most: each compared as a word (`verify_ode`)
const ODE_BYTES: &[u8] = b"ode";
/// The strides `sampled` has a loop of its own for: 1 to 3 with every literal sampled, 4 to 6
/// with `ode` looked for beside.
const MAX_FIXED_STRIDE: usize = 3;
const BIG_BITS: u32 = 20; // when the names' grams would fill the small bitmap
/// The bits of a hash the buckets drop: sixteen hashes a bucket (4,096 buckets for 132 grams).
const COARSE: u32 = 4;

/// A form literal found by its `ode` (`Literals::index`): eight bytes at most, compared as one word.
#[derive(Clone, Copy)]
struct OdeLiteral {
    id: usize,
    off: usize, // where `ode` stands in it
    word: u64,  // its bytes, little-endian
    mask: u64,  // the bytes of the word that are its
}

#[derive(Clone, Copy)]
struct Gram {
    gram: u32,
    literal: u32,
    offset: u32,
}

pub struct Literals {
    patterns: Vec<Vec<u8>>,
    first_name: usize,
    /// The indexed grams by hash, those of the hashes `h` with one `h >> COARSE` in
    /// `grams[starts[h >> COARSE]..]` up to the next start (one small table of offsets, not a
    /// vector a hash: 1.5 MB of those, written at start-up, were 2 ms of it).
    grams: Vec<Gram>,
    starts: Vec<u32>,
    bitmap: Vec<u64>,
    bits: u32,
    stride: usize,
    short: Vec<usize>, // literals of fewer than 4 bytes, searched for one by one
    /// Form literals found by their `ode`, not sampled.
    ode: Vec<OdeLiteral>,
    /// The length of the shortest name's literal: a shorter text holds none (usize::MAX: no name).
    shortest_name: usize,
    /// The names' literals alone, for `names_in`: sampled at their own (longer) stride, with no
    /// form literal's grams to walk past in lines that hold forms (every candidate line does).
    names: Option<Box<Literals>>,
}

/// Whether two slices of one length are equal, compared inline (literals are short: a call to
/// memcmp costs more than the comparison).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

fn gram_at(b: &[u8], i: usize) -> u32 {
    // One bounds check for the four bytes (four indexings cost a third of the candidate search).
    u32::from_le_bytes(b[i..i + 4].try_into().expect("four bytes"))
}

impl Literals {
    pub fn new(names: &[Vec<u8>]) -> Literals {
        let mut patterns: Vec<Vec<u8>> = FORM_LITERALS.iter().map(|p| p.to_vec()).collect();
        let first_name = patterns.len();
        patterns.extend(
            names
                .iter()
                .filter(|n| !n.is_empty() && !n.contains(&b'\n'))
                .cloned(),
        );
        let names = Literals::index(patterns[first_name..].to_vec(), 0);
        Literals {
            names: Some(Box::new(names)),
            ..Literals::index(patterns, first_name)
        }
    }

    /// The index of these literals, names from `first_name` on.
    fn index(patterns: Vec<Vec<u8>>, first_name: usize) -> Literals {
        // The forms' shortest literals (`"code"`, `Code: `...) would make the stride 3: each holds
        // `ode`, which is looked for at every byte instead (`ode_flags`), when that doubles the stride.
        let mut ode: Vec<(u32, u32)> = patterns[..first_name]
            .iter()
            .enumerate()
            .filter(|(_, p)| p.len() < ODE_SPLIT)
            .filter_map(|(id, p)| {
                Some((id as u32, p.windows(3).position(|w| w == ODE_BYTES)? as u32))
            })
            .collect();
        let stride_of = |ode: &[(u32, u32)]| {
            let long = (0..patterns.len()).filter(|&id| {
                patterns[id].len() >= 4 && !ode.iter().any(|&(o, _)| o as usize == id)
            });
            long.map(|id| patterns[id].len() - 3)
                .min()
                .unwrap_or(1)
                .clamp(1, 64)
        };
        if stride_of(&ode) <= MAX_FIXED_STRIDE {
            ode.clear(); // the names keep the stride short: sampled with the rest
        }
        let stride = stride_of(&ode);
        // Sampled every `stride` bytes, an occurrence of a literal is seen at one of `stride`
        // consecutive offsets of it whatever its place: only those grams are indexed (the rarest
        // window of them: fewer bitmap hits on ordinary text).
        let bits = if patterns.len() * stride > 4096 {
            BIG_BITS
        } else {
            BITS
        };
        let mut grams: Vec<(usize, Gram)> = Vec::new();
        let mut bitmap = vec![0u64; (1 << bits) / 64];
        let mut short = Vec::new();
        for (id, p) in patterns.iter().enumerate() {
            if p.len() < 4 {
                short.push(id);
                continue;
            }
            if ode.iter().any(|&(o, _)| o as usize == id) {
                continue;
            }
            let window = (0..=p.len() - 3 - stride)
                .max_by_key(|&j| (rarity(&p[j..j + stride + 3]), usize::MAX - j))
                .unwrap_or(0);
            for off in window..window + stride {
                let gram = gram_at(p, off);
                let h = hash(gram, bits);
                bitmap[h / 64] |= 1 << (h % 64);
                let (literal, offset) = (id as u32, off as u32);
                grams.push((
                    h,
                    Gram {
                        gram,
                        literal,
                        offset,
                    },
                ));
            }
        }
        grams.sort_by_key(|&(h, _)| h); // stable: a hash's grams in the order they were indexed
        let mut starts = vec![0u32; (1 << (bits - COARSE)) + 1];
        for &(h, _) in &grams {
            starts[(h >> COARSE) + 1] += 1;
        }
        for i in 0..1 << (bits - COARSE) {
            starts[i + 1] += starts[i];
        }
        let grams = grams.into_iter().map(|(_, g)| g).collect();
        let shortest_name = patterns[first_name.min(patterns.len())..]
            .iter()
            .map(Vec::len)
            .min()
            .unwrap_or(usize::MAX);
        let ode: Vec<OdeLiteral> = ode
            .iter()
            .map(|&(id, off)| {
                let p = &patterns[id as usize];
                let mut word = [0u8; 8];
                word[..p.len()].copy_from_slice(p); // ODE_SPLIT: eight bytes at most
                OdeLiteral {
                    id: id as usize,
                    off: off as usize,
                    word: u64::from_le_bytes(word),
                    mask: u64::MAX >> (8 * (8 - p.len())),
                }
            })
            .collect();
        Literals {
            shortest_name,
            patterns,
            first_name,
            grams,
            starts,
            bitmap,
            bits,
            stride,
            short,
            ode,
            names: None,
        }
    }

    /// The grams indexed under hash `h`, and others (their grams are compared).
    fn bucket(&self, h: usize) -> &[Gram] {
        let i = h >> COARSE;
        &self.grams[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// Whether literal `id` stands at `q` in `buf[start:end]` and counts there.
    fn at(&self, buf: &[u8], start: usize, end: usize, id: usize, q: usize) -> bool {
        let p = &self.patterns[id];
        if q < start || q + p.len() > end || !same(&buf[q..q + p.len()], p) {
            return false;
        }
        id != MESSAGE_KEY || legacy_locator_before(buf, start, q)
    }

    /// The first hit in `buf[from:end]` at a sampled position (`start` bounds where literals
    /// begin); where the stride has its own loop (`fixed_stride`), a legacy code's `)` too.
    fn first_hit(&self, buf: &[u8], start: usize, from: usize, end: usize) -> Option<usize> {
        if self.bits == BITS {
            self.sampled::<{ 1 << (BITS - 6) }>(buf, start, from, end)
        } else {
            self.sampled::<{ 1 << (BIG_BITS - 6) }>(buf, start, from, end)
        }
    }

    /// The sampling loop, the bitmap a fixed-size array (no bounds checks). The forms' literals
    /// make the stride 3 at most (`"code"`): each stride has its own loop, whose samples the
    /// compiler places in one 32-byte window (the general loop's bounds checks and spills cost
    /// three times its tests).
    fn sampled<const WORDS: usize>(
        &self,
        buf: &[u8],
        start: usize,
        from: usize,
        end: usize,
    ) -> Option<usize> {
        match (self.stride, self.ode.is_empty()) {
            (6, false) => self.sampled_by::<WORDS, 6, true>(buf, start, from, end),
            (5, false) => self.sampled_by::<WORDS, 5, true>(buf, start, from, end),
            (4, false) => self.sampled_by::<WORDS, 4, true>(buf, start, from, end),
            (3, true) => self.sampled_by::<WORDS, 3, false>(buf, start, from, end),
            (2, true) => self.sampled_by::<WORDS, 2, false>(buf, start, from, end),
            (1, true) => self.sampled_by::<WORDS, 1, false>(buf, start, from, end),
            _ => self.sampled_any::<WORDS>(buf, start, from, end),
        }
    }

    /// Whether `sampled` has a loop of its own for this stride (`sampled_by`), which finds the
    /// lines of legacy codes too.
    fn fixed_stride(&self) -> bool {
        matches!(
            (self.stride, self.ode.is_empty()),
            (4..=6, false) | (1..=3, true)
        )
    }

    /// `sampled` for a stride of `S`: the samples that fit a window of 32 bytes, read once, each
    /// a bit of the turn's mask at its offset; with `ODE`, each offset that starts `ode` too.
    /// Only the offsets whose bit is set are verified, in order.
    fn sampled_by<const WORDS: usize, const S: usize, const ODE: bool>(
        &self,
        buf: &[u8],
        start: usize,
        from: usize,
        end: usize,
    ) -> Option<usize> {
        const WINDOW: usize = 32;
        let turn = (WINDOW - 4) / S + 1; // samples whose four bytes lie in the window
        let advance = turn * S; // at most 32: the offsets of a turn's `ode` need 34 bytes
        let bitmap: &[u64; WORDS] = self.bitmap.as_slice().try_into().expect("bitmap size");
        let shift = 32 - self.bits;
        let hay = &buf[..end];
        let mut p = from;
        while p + WINDOW + 2 <= end {
            let w: &[u8; WINDOW + 2] = hay[p..p + WINDOW + 2].try_into().expect("a window");
            let mut samples = 0u32;
            for k in 0..turn {
                let g = u32::from_le_bytes([w[k * S], w[k * S + 1], w[k * S + 2], w[k * S + 3]]);
                let h = (g.wrapping_mul(0x9E37_79B1) >> shift) as usize;
                samples |= (((bitmap[(h >> 6) % WORDS] >> (h & 63)) & 1) as u32) << k;
            }
            let flags = if ODE { ode_flags(w) } else { [0; 4] };
            let closes = legacy_flags(w);
            if samples == 0 && (0..4).all(|k| flags[k] | closes[k] == 0) {
                p += advance;
                continue;
            }
            // Rare: each offset to verify, in order.
            let mut hits = 0u64;
            while samples != 0 {
                hits |= 1 << (samples.trailing_zeros() as usize * S);
                samples &= samples - 1;
            }
            let odes = gather(flags) & ((1u64 << advance) - 1);
            // A legacy code's `)` one after its flag's offset: verified at the flag's.
            let closes = gather(closes) & ((1u64 << advance) - 1);
            let mut any = hits | odes | closes;
            while any != 0 {
                let i = any.trailing_zeros() as usize;
                if closes >> i & 1 != 0 && closes_legacy_code(hay, start, end, p + i + 1) {
                    return Some(p + i + 1);
                }
                if hits >> i & 1 != 0 {
                    if let Some(q) = self.verify(hay, start, end, p + i) {
                        return Some(q);
                    }
                }
                if odes >> i & 1 != 0 {
                    if let Some(q) = self.verify_ode(hay, start, end, p + i) {
                        return Some(q);
                    }
                }
                any &= any - 1;
            }
            p += advance;
        }
        // The tail: samples as the turns place them, every offset for `ode` and legacy codes.
        let mut next = p;
        while p < end {
            if hay[p] == b')' && closes_legacy_code(hay, start, end, p) {
                return Some(p);
            }
            if p == next {
                if p + 4 <= end {
                    if let Some(q) = self.verify(hay, start, end, p) {
                        return Some(q);
                    }
                }
                next += S;
            }
            if ODE && hay[p..].starts_with(ODE_BYTES) {
                if let Some(q) = self.verify_ode(hay, start, end, p) {
                    return Some(q);
                }
            }
            p += 1;
        }
        None
    }

    /// The `ode` literal that stands around the `ode` at `p`, if one does: each (eight bytes at
    /// most) compared as one word where eight bytes fit before `end` (a flood of `code:` asks
    /// at each of its words).
    fn verify_ode(&self, buf: &[u8], start: usize, end: usize, p: usize) -> Option<usize> {
        for lit in &self.ode {
            if p < start + lit.off {
                continue;
            }
            let q = p - lit.off;
            let found = match buf.get(q..q + 8) {
                Some(w) if q + 8 <= end => {
                    u64::from_le_bytes(w.try_into().expect("eight bytes")) & lit.mask == lit.word
                }
                _ => self.at(buf, start, end, lit.id, q),
            };
            if found {
                return Some(q);
            }
        }
        None
    }

    /// The sampling loop for any stride, four samples a turn.
    fn sampled_any<const WORDS: usize>(
        &self,
        buf: &[u8],
        start: usize,
        from: usize,
        end: usize,
    ) -> Option<usize> {
        let bitmap: &[u64; WORDS] = self.bitmap.as_slice().try_into().expect("bitmap size");
        let shift = 32 - self.bits;
        let stride = self.stride;
        let hay = &buf[..end];
        let test = |p: usize| -> bool {
            let g = gram_at(hay, p);
            let h = (g.wrapping_mul(0x9E37_79B1) >> shift) as usize;
            bitmap[(h >> 6) % WORDS] & (1 << (h & 63)) != 0
        };
        let mut p = from;
        while p + 3 * stride + 4 <= end {
            if test(p) | test(p + stride) | test(p + 2 * stride) | test(p + 3 * stride) {
                for k in 0..4 {
                    if let Some(q) = self.verify(hay, start, end, p + k * stride) {
                        return Some(q);
                    }
                }
            }
            p += 4 * stride;
        }
        while p + 4 <= end {
            if let Some(q) = self.verify(hay, start, end, p) {
                return Some(q);
            }
            p += stride;
        }
        None
    }

    /// The literal whose gram stands at `p`, if one does.
    fn verify(&self, buf: &[u8], start: usize, end: usize, p: usize) -> Option<usize> {
        let g = gram_at(buf, p);
        let h = hash(g, self.bits);
        if self.bitmap[h / 64] & (1 << (h % 64)) == 0 {
            return None;
        }
        for e in self.bucket(h) {
            if e.gram == g {
                let off = e.offset as usize;
                if p >= start + off && self.at(buf, start, end, e.literal as usize, p - off) {
                    return Some(p - off);
                }
            }
        }
        None
    }

    /// The lines of `buf[start:end]` (whole lines) that may hold an error, in order: each line's
    /// start and end (its newline, or `end`), which the reader need not look for again.
    pub fn candidate_lines(&self, buf: &[u8], start: usize, end: usize) -> Vec<(usize, usize)> {
        let mut lines = Vec::new();
        let mut from = start;
        while let Some(q) = self.first_hit(buf, start, from, end) {
            let le = line_end(buf, q, end);
            lines.push((line_start(buf, start, q), le));
            from = le + 1;
            if from >= end {
                break;
            }
        }
        let mut more = Vec::new();
        let mut pos = if self.fixed_stride() { end } else { start }; // those found legacy codes
        let mut listed = 0; // the lines found above not passed yet
        while let Some(q) = memchr(b')', buf, pos, end) {
            // A `)` in a line found above: the rest of that line adds nothing (a crowded line
            // holds a hundred, and each was a search for the line's end).
            while listed < lines.len() && lines[listed].1 <= q {
                listed += 1;
            }
            if let Some(&(ls, le)) = lines.get(listed) {
                if ls <= q {
                    pos = le + 1;
                    continue;
                }
            }
            if closes_legacy_code(buf, start, end, q) {
                let le = line_end(buf, q, end);
                more.push((line_start(buf, start, q), le));
                pos = le + 1;
            } else {
                pos = q + 1;
            }
        }
        for &id in &self.short {
            let p = &self.patterns[id];
            let mut pos = start;
            while let Some(q) = crate::reader::find(&buf[..end], p, pos) {
                let le = line_end(buf, q, end);
                more.push((line_start(buf, start, q), le));
                pos = le + 1;
            }
        }
        if !more.is_empty() {
            lines.extend(more);
            lines.sort_unstable();
            lines.dedup();
        }
        lines
    }

    /// Where the names' literals stand in `line`: sampled as the block is, every occurrence of a
    /// literal shows at one sampled position of its indexed window.
    pub fn names_in(&self, line: &[u8]) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        self.names_into(line, 0, &mut found);
        found
    }

    /// `names_in(line)`, each span moved by `offset`, put after what `out` holds (a crowded line
    /// asks of each part between its errors: a vector of each, and its copy, cost more than the scan).
    pub fn names_into(&self, line: &[u8], offset: usize, out: &mut Vec<(usize, usize)>) {
        // Most parts between a crowded line's errors are ` ; `.
        if line.len() < self.shortest_name {
            return;
        }
        if let Some(names) = &self.names {
            return names.names_into(line, offset, out);
        }
        let first = out.len();
        let found = out;
        let mut p = 0;
        while p + 4 <= line.len() {
            let g = gram_at(line, p);
            let h = hash(g, self.bits);
            if self.bitmap[h / 64] & (1 << (h % 64)) != 0 {
                for e in self.bucket(h) {
                    let (id, off) = (e.literal as usize, e.offset as usize);
                    if e.gram == g && id >= self.first_name && p >= off {
                        let (q, n) = (p - off, self.patterns[id].len());
                        if q + n <= line.len() && same(&line[q..q + n], &self.patterns[id]) {
                            found.push((q + offset, q + n + offset));
                        }
                    }
                }
            }
            p += self.stride;
        }
        for &id in &self.short {
            if id < self.first_name {
                continue;
            }
            let p = &self.patterns[id];
            let mut pos = 0;
            while let Some(q) = crate::reader::find(line, p, pos) {
                found.push((q + offset, q + p.len() + offset));
                pos = q + 1;
            }
        }
        // This part's spans sorted, each once (`dedup` of the part alone).
        found[first..].sort_unstable();
        let mut kept = first;
        for at in first..found.len() {
            if kept == first || found[at] != found[kept - 1] {
                found[kept] = found[at];
                kept += 1;
            }
        }
        found.truncate(kept);
    }
}

/// A byte for each of the first 32 offsets of `w`, 1 where `ode` starts there, in four words:
/// written so that the compiler makes it a few vector compares (SSE2).
#[inline(always)]
fn ode_flags(w: &[u8; 34]) -> [u64; 4] {
    let mut flags = [0u8; 32];
    for (i, f) in flags.iter_mut().enumerate() {
        *f = u8::from(w[i] == b'o') & u8::from(w[i + 1] == b'd') & u8::from(w[i + 2] == b'e');
    }
    let word =
        |k: usize| u64::from_le_bytes(flags[k * 8..k * 8 + 8].try_into().expect("eight bytes"));
    [word(0), word(1), word(2), word(3)]
}

/// A byte for each of the first 32 offsets of `w`, 1 where a digit stands before a `)` (a
/// legacy code may close after it: `closes_legacy_code`), as `ode_flags`.
#[inline(always)]
fn legacy_flags(w: &[u8; 34]) -> [u64; 4] {
    let mut flags = [0u8; 32];
    for (i, f) in flags.iter_mut().enumerate() {
        *f = u8::from(w[i].wrapping_sub(b'0') < 10) & u8::from(w[i + 1] == b')');
    }
    let word =
        |k: usize| u64::from_le_bytes(flags[k * 8..k * 8 + 8].try_into().expect("eight bytes"));
    [word(0), word(1), word(2), word(3)]
}

/// The bytes of `ode_flags` (each 0 or 1) as the bits of one mask: the product gathers a word's
/// eight in its top byte.
fn gather(flags: [u64; 4]) -> u64 {
    const GATHER: u64 = 0x0102_0408_1020_4080;
    flags.iter().enumerate().fold(0, |m, (k, &f)| {
        m | (f.wrapping_mul(GATHER) >> 56) << (8 * k)
    })
}

/// How rarely ordinary text holds these bytes: lower-case letters and spaces are common.
fn rarity(window: &[u8]) -> usize {
    window
        .iter()
        .filter(|c| !(c.is_ascii_lowercase() || **c == b' '))
        .count()
}

fn hash(g: u32, bits: u32) -> usize {
    (g.wrapping_mul(0x9E37_79B1) >> (32 - bits)) as usize
}

/// The closing pattern of Python's re engine: `\)(?<=[0-9]\)) ?[A-Za-z\x80-\xff\\]` (a backslash:
/// a JSON string's escape of the message's first letter, `(10630) \u5bc6`, which Python reads).
fn closes_legacy_code(buf: &[u8], start: usize, end: usize, q: usize) -> bool {
    if q == start || !buf[q - 1].is_ascii_digit() {
        return false;
    }
    let mut a = q + 1;
    if a < end && buf[a] == b' ' {
        a += 1;
    }
    a < end && (buf[a].is_ascii_alphabetic() || buf[a] >= 0x80 || buf[a] == b'\\')
}

/// Hyperscan's LEGACY_JSON locator ends at this `"message"`: `[4-6][0-9]{3}"?\s*,\s*"message"`,
/// its spaces as bytes (any byte >= 0x80 may belong to one).
fn legacy_locator_before(buf: &[u8], start: usize, q: usize) -> bool {
    let space = |c: u8| matches!(c, b'\t' | 0x0b | 0x0c | b'\r' | b' ' | 0x1c..=0x1f) || c >= 0x80;
    let mut j = q;
    while j > start && space(buf[j - 1]) {
        j -= 1;
    }
    if j == start || buf[j - 1] != b',' {
        return false;
    }
    j -= 1;
    while j > start && space(buf[j - 1]) {
        j -= 1;
    }
    if j > start && buf[j - 1] == b'"' {
        j -= 1;
    }
    j >= start + 4
        && matches!(buf[j - 4], b'4'..=b'6')
        && buf[j - 3..j].iter().all(u8::is_ascii_digit)
}

/// Where the line holding `q` starts (not before `start`).
pub fn line_start(buf: &[u8], start: usize, q: usize) -> usize {
    memrchr(b'\n', buf, start, q).map_or(start, |i| i + 1)
}

/// Where the line holding `q` ends: its newline, or `end`.
pub fn line_end(buf: &[u8], q: usize, end: usize) -> usize {
    memchr(b'\n', buf, q, end).unwrap_or(end)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// `c` in every byte of a word.
pub fn splat(c: u8) -> u64 {
    LO.wrapping_mul(u64::from(c))
}

/// The eight bytes at `i`, little-endian.
pub fn word_at(buf: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(buf[i..i + 8].try_into().expect("eight bytes"))
}

/// The high bit of each byte equal to `needle`'s (and maybe of a byte above one: check each).
pub fn has_byte(word: u64, needle: u64) -> u64 {
    let x = word ^ needle;
    x.wrapping_sub(LO) & !x & HI
}

/// The first `c` in `buf[from:end]`, eight bytes at a time.
pub fn memchr(c: u8, buf: &[u8], from: usize, end: usize) -> Option<usize> {
    let needle = LO.wrapping_mul(u64::from(c));
    let mut i = from;
    // Thirty-two bytes a turn where none is `c` (one branch for them), then a word at a time.
    while i + 32 <= end {
        let w: &[u8; 32] = buf[i..i + 32].try_into().expect("thirty-two bytes");
        if w.iter().fold(false, |any, &x| any | (x == c)) {
            break;
        }
        i += 32;
    }
    while i + 8 <= end {
        let word = u64::from_le_bytes(buf[i..i + 8].try_into().expect("eight bytes"));
        let m = has_byte(word, needle);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    (i..end).find(|&j| buf[j] == c)
}

/// The last `c` in `buf[start:to]`.
pub fn memrchr(c: u8, buf: &[u8], start: usize, to: usize) -> Option<usize> {
    let needle = LO.wrapping_mul(u64::from(c));
    let mut i = to;
    while i >= start + 8 {
        let word = u64::from_le_bytes(buf[i - 8..i].try_into().expect("eight bytes"));
        if has_byte(word, needle) != 0 {
            return (i - 8..i).rev().find(|&j| buf[j] == c);
        }
        i -= 8;
    }
    (start..i).rev().find(|&j| buf[j] == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memchr_finds_the_first_byte_as_a_plain_search() {
        let mut seed = 9u64;
        for round in 0..3000 {
            let len: usize = round % 120;
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    if (seed >> 33) % 61 == 0 {
                        b')'
                    } else {
                        b"ab\x80)"[(seed >> 40) as usize % 3]
                    }
                })
                .collect();
            for from in [0, round % 7, round % 40] {
                for end in [len, len / 2, len.saturating_sub(3)] {
                    if from > end {
                        continue;
                    }
                    let plain = (from..end).find(|&i| buf[i] == b')');
                    assert_eq!(memchr(b')', &buf, from, end), plain, "{buf:?} {from} {end}");
                    let plain = (from..end).rev().find(|&i| buf[i] == b')');
                    assert_eq!(
                        memrchr(b')', &buf, from, end),
                        plain,
                        "{buf:?} {from} {end}"
                    );
                }
            }
        }
    }

    /// The candidate lines as a plain search finds them: every line where a literal counts at
    /// some place (`at`), a legacy code closes, or a short literal stands.
    fn plain_candidates(
        lits: &Literals,
        buf: &[u8],
        start: usize,
        end: usize,
    ) -> Vec<(usize, usize)> {
        let mut lines = Vec::new();
        let mut ls = start;
        while ls < end {
            let le = memchr(b'\n', buf, ls, end).unwrap_or(end);
            let hit = (ls..le).any(|q| {
                (0..lits.patterns.len()).any(|id| lits.at(buf, start, end, id, q))
                    || (buf[q] == b')' && closes_legacy_code(buf, start, end, q))
            });
            if hit {
                lines.push((ls, le));
            }
            ls = le + 1;
        }
        lines
    }

    #[test]
    fn candidate_lines_are_those_of_a_plain_search() {
        // Long names (stride 6, `ode` looked for apart), a short one (stride 3 or less, every
        // literal sampled), a name of two bytes (searched for alone), and none.
        let sets: [&[&[u8]]; 5] = [
            &[b"AuthFailure", b"ResourceNotFound.Key", b"InternalError"],
            &[b"AuthFailure", b"Kms.Fail"],
            &[b"Quota", b"Limit"],
            &[b"AuthFailure", b"Ok"],
            &[],
        ];
        let pieces: &[&[u8]] = &[
            b"TencentCloudSDK",
            b"ErrorCode=",
            b" message:",
            b"code: '",
            b"Code: ",
            b"\"Code\"",
            b"\\\"Code\\\"",
            b"\"code\"",
            b"\"message\"",
            b"4100\", \"message\"",
            b"\"MESSAGE\":[",
            b"\"MESSAGE\": [",
            b"ode",
            b"od",
            b"Cod",
            b"\"Cod",
            b"code:",
            b"(10280) x",
            b"9)a",
            b")",
            b"\n",
            b"\n",
            b"AuthFailure",
            b"AuthFail",
            b"Kms.Fail",
            b"Quota",
            b"Limi",
            b"Ok",
            b"decode",
            b" ",
            b"x",
            b"\xe5\xaf",
            b"\"",
        ];
        let mut rng = crate::Rng(11);
        let mut next = |n: usize| rng.below(n);
        for (round, set) in (0..1500).zip(sets.iter().cycle()) {
            let names: Vec<Vec<u8>> = set.iter().map(|n| n.to_vec()).collect();
            let lits = Literals::new(&names);
            let mut buf = Vec::new();
            for _ in 0..next(60) {
                let piece = pieces[next(pieces.len())];
                buf.extend_from_slice(piece);
                for _ in 0..next(8) {
                    buf.push(b"abcdeo x"[next(8)]);
                }
            }
            let len = buf.len();
            for (start, end) in [(0, len), (next(len + 1), len), (0, next(len + 1))] {
                let (start, end) = (start.min(end), end.max(start));
                assert_eq!(
                    lits.candidate_lines(&buf, start, end),
                    plain_candidates(&lits, &buf, start, end),
                    "round {round} {start}:{end} {}",
                    String::from_utf8_lossy(&buf)
                );
            }
        }
    }

    #[test]
    fn names_in_finds_every_place_of_every_name() {
        // With short names (stride 1, and one searched for alone) and without (stride 8).
        for n in [5, 2] {
            names_in_agrees(n);
        }
    }

    fn names_in_agrees(n: usize) {
        let names: Vec<Vec<u8>> = [
            &b"AuthFailure"[..],
            b"Unauthorized",
            b"Kms",
            b"ResourceNotFound.Key",
            b"Fail",
        ]
        .iter()
        .take(n)
        .map(|n| n.to_vec())
        .collect();
        let lits = Literals::new(&names);
        let mut seed = 3u64;
        for round in 0..2000 {
            let mut line = Vec::new();
            for _ in 0..round % 12 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let k = (seed >> 33) as usize;
                match k % 4 {
                    0 => line.extend_from_slice(&names[k / 4 % names.len()]),
                    1 => line.extend_from_slice(b" \"Code\": "),
                    2 => line.extend_from_slice(&b"xyzAuthFail"[..1 + k / 4 % 10]),
                    _ => line.push(b"ab:"[k / 4 % 3]),
                }
            }
            let mut plain = Vec::new();
            for n in &names {
                for i in 0..line.len() {
                    if line[i..].starts_with(n) {
                        plain.push((i, i + n.len()));
                    }
                }
            }
            plain.sort_unstable();
            assert_eq!(
                lits.names_in(&line),
                plain,
                "{}",
                String::from_utf8_lossy(&line)
            );
            // Put after what the vector holds, moved by the part's place.
            let mut out = vec![(0, 1)];
            lits.names_into(&line, 7, &mut out);
            let moved = plain.iter().map(|&(s, e)| (s + 7, e + 7));
            assert_eq!(out, [(0, 1)].into_iter().chain(moved).collect::<Vec<_>>());
        }
    }
}

//! kmserr's optional compiled block core (Rust, standard library only).
//!
//! Called once per block through ctypes (kmserr/_native.py): it finds the candidate lines of the
//! block and reads the common error forms of whole lines, as `kmserr.extract.Extractor.find`
//! would; a line it is not sure about is marked "not read", and Python reads it. The results go
//! back as one packed array of u64 records (RECORD words a candidate line), see `Core::read`.
//!
//! All the parsing is safe Rust (`scan`, `reader` and `json` forbid `unsafe`). The only unsafe
//! code is the C boundary at the end of this file: turning the caller's pointers into slices and
//! the core's box into a pointer and back; and `lanes`' SSE2 intrinsics, which read no memory
//! (unsafe functions only before Rust 1.87).
#![deny(unsafe_code)]

pub mod assemble;
pub mod crowded;
pub mod envelope;
pub mod fx;
pub mod json;
pub mod lanes;
pub mod reader;
pub mod scan;

use assemble::{Assembled, Layout, Tails};
use reader::{char_offset, read_line_indexed, Declined, Finding, Span, MAX_LINE};
use scan::Literals;

/// Words of one record: line start, line end (without its newline; a `\r` before it is kept),
/// status, then the finding: form, start and end (characters into the line's text), the code's,
/// message's, request ID's and code description's byte spans (absolute), module code, error code.
/// A line of several errors (`read` only; MANY) is a record whose form word is their number N,
/// then N records of ONE_ERROR, one a finding, in the order `Extractor.find` gives them.
pub const RECORD: usize = 16;
/// The layout's version: `_native.py` refuses a library whose layout it does not know.
pub const ABI: u32 = 6;

pub const NO_ERROR: u64 = 0;
pub const ONE_ERROR: u64 = 1;
pub const NOT_READ: u64 = 2;
pub const MANY: u64 = 3;
pub const NONE: u64 = u64::MAX;

pub struct Core {
    literals: Literals,
    words: reader::Words,
    out: Vec<u64>,
    /// The text of the last `kmserr_native_read_unescaped`, which its caller reads.
    text: Vec<u8>,
}

impl Core {
    /// A core for these names' literals (`kmserr.forms.name_literals(matcher.names)`) and the words
    /// the forms know (see `reader::Words`).
    pub fn new(names: &[Vec<u8>], words: reader::Words) -> Core {
        Core {
            literals: Literals::new(names),
            words,
            out: Vec::new(),
            text: Vec::new(),
        }
    }

    /// A core from tagged lines: `L:literal`, `K:known family`, `H:head`, `D:dotted head`, `N:name`.
    pub fn from_tagged(tagged: &[u8]) -> Core {
        let mut literals = Vec::new();
        // SDK text in a quoted value with escapes is read (`Words::unescape`): a line whose key the
        // table knows is written by `assemble`; its record says "not read" (`push`), as the
        // unescaped text is not in the buffer the record's spans point into.
        let mut words = reader::Words {
            unescape: true,
            ..reader::Words::default()
        };
        for line in tagged.split(|&c| c == b'\n') {
            let (tag, word) = (line.first(), line.get(2..).unwrap_or_default().to_vec());
            match tag {
                Some(b'L') => literals.push(word),
                Some(b'K') => words.known.push(word),
                Some(b'H') => {
                    words.heads.insert(word);
                }
                Some(b'D') => {
                    words.dotted.insert(word);
                }
                Some(b'N') => {
                    words.names.insert(word);
                }
                _ => {}
            }
        }
        Core::new(&literals, words)
    }

    /// The candidate lines of `buf[start:end]` (whole lines), as records in `self.out`.
    pub fn read(&mut self, buf: &[u8], start: usize, end: usize) -> &[u64] {
        self.out.clear();
        for (ls, le) in self.literals.candidate_lines(buf, start, end) {
            let result = self.read_one(buf, ls, le);
            match result {
                Ok(found) if found.len() > 1 && found.iter().all(|f| f.unescaped.is_none()) => {
                    let mut head = [NONE; RECORD];
                    (head[0], head[1], head[2]) = (ls as u64, le as u64, MANY);
                    head[3] = found.len() as u64;
                    self.out.extend_from_slice(&head);
                    // A crowded line is ASCII: a finding's characters are its bytes.
                    let ascii = buf[ls..le].is_ascii();
                    for f in &found {
                        let mut rec = [NONE; RECORD];
                        (rec[0], rec[1]) = (ls as u64, le as u64);
                        record(&mut rec, &buf[ls..le], ls, f, ascii);
                        self.out.extend_from_slice(&rec);
                    }
                }
                result => push(&mut self.out, buf, ls, le, result),
            }
        }
        &self.out
    }

    /// The one finding of the line `buf[ls:le]` where it was read unescaped (SDK text in a quoted
    /// value with escapes: `Finding::unescaped`), which `read` and `assemble` hand back (their
    /// records' spans point into the block): its record, the code's span absolute as `read`
    /// gives it, the message's, request ID's and description's spans of the text, which is
    /// returned beside it. None: the line is not such a line (the full extractor reads it).
    pub fn read_unescaped(
        &self,
        buf: &[u8],
        ls: usize,
        le: usize,
    ) -> Option<([u64; RECORD], Vec<u8>)> {
        let mut found = self.read_one(buf, ls, le).ok()?;
        if found.len() != 1 {
            return None;
        }
        let f = found.pop()?;
        let text = f.unescaped.clone()?;
        let mut rec = [NONE; RECORD];
        (rec[0], rec[1]) = (ls as u64, le as u64);
        record(&mut rec, &buf[ls..le], ls, &f, false);
        for (at, span) in [(8, f.message), (10, f.request_id), (12, f.code_desc)] {
            let (a, b) = span.map_or((NONE, NONE), |(a, b)| (a as u64, b as u64));
            (rec[at], rec[at + 1]) = (a, b);
        }
        Some((rec, text))
    }

    /// The findings of the candidate line `buf[ls:le]` (`le`: its newline, or the block's end; a
    /// `\r` before it is dropped), as `read` gives them (shared with `assemble`, so the two
    /// cannot read apart).
    fn read_one(&self, buf: &[u8], ls: usize, le: usize) -> Result<Vec<Finding>, Declined> {
        let text_end = if le > ls && buf[le - 1] == b'\r' {
            le - 1
        } else {
            le
        };
        let line = &buf[ls..text_end];
        let result = if line.len() > MAX_LINE {
            Err(Declined)
        } else {
            read_line_indexed(line, &self.literals.names_in(line), &self.words)
        };
        // A line of several errors, or a long one: read as a crowded line, where it can be.
        result.or_else(|Declined| {
            crowded::read_crowded(
                line,
                |part, offset, out| self.literals.names_into(part, offset, out),
                &self.words,
            )
        })
    }
}

fn push(
    out: &mut Vec<u64>,
    buf: &[u8],
    ls: usize,
    le: usize,
    result: Result<Vec<Finding>, Declined>,
) {
    let mut rec = [NONE; RECORD];
    rec[0] = ls as u64;
    rec[1] = le as u64;
    match result {
        // Read unescaped: the message, request ID and description are not spans of the line.
        Ok(found) if found.iter().any(|f| f.unescaped.is_some()) => rec[2] = NOT_READ,
        Err(Declined) => rec[2] = NOT_READ,
        Ok(found) if found.is_empty() => rec[2] = NO_ERROR,
        // A record holds one finding: a line of several is Python's to read (`read` writes it as MANY).
        Ok(found) if found.len() > 1 => rec[2] = NOT_READ,
        Ok(found) => record(&mut rec, &buf[ls..le], ls, &found[0], false),
    }
    out.extend_from_slice(&rec);
}

/// A finding's words of a record (ONE_ERROR) of the line `line` at `ls`; `ascii`: the line is
/// known to be ASCII (its characters are its bytes, not counted).
fn record(rec: &mut [u64; RECORD], line: &[u8], ls: usize, f: &Finding, ascii: bool) {
    let span = |s: Option<Span>, rec: &mut [u64; RECORD], at: usize| {
        if let Some((a, b)) = s {
            rec[at] = (ls + a) as u64;
            rec[at + 1] = (ls + b) as u64;
        }
    };
    rec[2] = ONE_ERROR;
    rec[3] = f.form;
    if ascii {
        (rec[4], rec[5]) = (f.code.0 as u64, f.code.1 as u64);
    } else {
        rec[4] = char_offset(line, f.code.0) as u64;
        rec[5] = rec[4] + char_offset(&line[f.code.0..], f.code.1 - f.code.0) as u64;
    }
    span(Some(f.code), rec, 6);
    span(f.message, rec, 8);
    span(f.request_id, rec, 10);
    span(f.code_desc, rec, 12);
    rec[14] = f.module_code.unwrap_or(NONE);
    rec[15] = f.error_code.unwrap_or(NONE);
}

// --- the C boundary ---------------------------------------------------------------------------

/// The record layout's version (ABI): checked before anything else is called.
#[allow(unsafe_code)] // no_mangle: the exported symbol that ctypes looks up
#[no_mangle]
pub extern "C" fn kmserr_native_abi() -> u32 {
    ABI
}

/// A new core from tagged lines (`Core::from_tagged`: the names' literals and the words the forms
/// know); free it with `kmserr_native_free`. Null on bad arguments.
///
/// # Safety
/// `tagged` must point to `len` readable bytes (or be null with `len` 0).
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn kmserr_native_new(tagged: *const u8, len: usize) -> *mut Core {
    if tagged.is_null() && len != 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: the caller passes a buffer of `len` bytes that it keeps alive during the call.
    let tagged = unsafe { bytes_of(tagged, len) };
    match std::panic::catch_unwind(|| Core::from_tagged(tagged)) {
        Ok(core) => Box::into_raw(Box::new(core)),
        Err(_) => std::ptr::null_mut(),
    }
}

/// # Safety
/// `ptr` must point to `len` readable bytes, or `len` be 0.
#[allow(unsafe_code)]
unsafe fn bytes_of<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller (see # Safety).
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// Free a core made by `kmserr_native_new` (null is ignored).
///
/// # Safety
/// `core` must come from `kmserr_native_new` and not be used afterwards.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn kmserr_native_free(core: *mut Core) {
    if !core.is_null() {
        // SAFETY: the pointer came from Box::into_raw in kmserr_native_new, and is freed once.
        drop(unsafe { Box::from_raw(core) });
    }
}

/// Read the candidate lines of `buf[start:end]`: `*out` gets the records (owned by the core,
/// valid until its next call) and `*out_words` their length in u64 words. Returns 0, or -1 for
/// bad arguments or a panic (the caller then reads the block in Python).
///
/// # Safety
/// `core` must be a live core used by one thread at a time; `buf` must point to `len` readable
/// bytes; `out` and `out_words` must be writable.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn kmserr_native_read(
    core: *mut Core,
    buf: *const u8,
    len: usize,
    start: usize,
    end: usize,
    out: *mut *const u64,
    out_words: *mut usize,
) -> i32 {
    if core.is_null()
        || out.is_null()
        || out_words.is_null()
        || (buf.is_null() && len != 0)
        || start > end
        || end > len
    {
        return -1;
    }
    // SAFETY: checked non-null above; the caller guarantees the rest (see # Safety).
    let (core, bytes) = unsafe { (&mut *core, bytes_of(buf, len)) };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let records = core.read(bytes, start, end);
        (records.as_ptr(), records.len())
    }));
    match result {
        Ok((ptr, words)) => {
            // SAFETY: both pointers were checked non-null and are writable per the contract.
            unsafe {
                *out = ptr;
                *out_words = words;
            }
            0
        }
        Err(_) => -1,
    }
}

/// Read the line `buf[start:end]` (without its newline) as `Core::read_unescaped`: its record in
/// `record` (RECORD words) and, in `*text` and `*text_len`, the text its message, request ID and
/// description are spans of (owned by the core's `text`, valid until the next call). Returns 1,
/// 0 when the line holds no single finding read unescaped, or -1 for bad arguments or a panic.
///
/// # Safety
/// `core` must be a live core used by one thread at a time; `buf` must point to `len` readable
/// bytes; `record` to RECORD writable words; `text` and `text_len` must be writable.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn kmserr_native_read_unescaped(
    core: *mut Core,
    buf: *const u8,
    len: usize,
    start: usize,
    end: usize,
    record: *mut u64,
    text: *mut *const u8,
    text_len: *mut usize,
) -> i32 {
    if core.is_null()
        || record.is_null()
        || text.is_null()
        || text_len.is_null()
        || (buf.is_null() && len != 0)
        || start > end
        || end > len
    {
        return -1;
    }
    // SAFETY: checked non-null above; the caller guarantees the rest (see # Safety).
    let (core, bytes) = unsafe { (&mut *core, bytes_of(buf, len)) };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match core.read_unescaped(bytes, start, end) {
            Some((rec, unescaped)) => {
                core.text = unescaped;
                Some(rec)
            }
            None => None,
        }
    }));
    match result {
        Ok(Some(rec)) => {
            // SAFETY: the pointers were checked non-null; `record` holds RECORD words per the contract.
            unsafe {
                std::ptr::copy_nonoverlapping(rec.as_ptr(), record, RECORD);
                *text = core.text.as_ptr();
                *text_len = core.text.len();
            }
            1
        }
        Ok(None) => 0,
        Err(_) => -1,
    }
}

/// A new tail table of at most `limit` entries (`assemble::Tails`), for one search; free it with
/// `kmserr_tails_free`. Null on a panic.
#[no_mangle]
#[allow(unsafe_code)] // no_mangle: the exported symbol that ctypes looks up
pub extern "C" fn kmserr_tails_new(limit: usize) -> *mut Tails {
    match std::panic::catch_unwind(|| Tails::new(limit)) {
        Ok(tails) => Box::into_raw(Box::new(tails)),
        Err(_) => std::ptr::null_mut(),
    }
}

/// Free a table made by `kmserr_tails_new` (null is ignored).
///
/// # Safety
/// `tails` must come from `kmserr_tails_new` and not be used afterwards.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn kmserr_tails_free(tails: *mut Tails) {
    if !tails.is_null() {
        // SAFETY: the pointer came from Box::into_raw in kmserr_tails_new, and is freed once.
        drop(unsafe { Box::from_raw(tails) });
    }
}

/// Give the tail of the last block's hole `slot` (`Tails::put`). Returns 0, or -1 for a slot the
/// last block did not give, bad arguments or a panic.
///
/// # Safety
/// `tails` must be a live table used by one thread at a time; `tail` must point to `len` bytes.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn kmserr_tails_put(
    tails: *mut Tails,
    slot: usize,
    tail: *const u8,
    len: usize,
) -> i32 {
    if tails.is_null() || (tail.is_null() && len != 0) {
        return -1;
    }
    // SAFETY: checked non-null above; the caller guarantees the rest (see # Safety).
    let (tails, tail) = unsafe { (&mut *tails, bytes_of(tail, len)) };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tails.put(slot, tail))) {
        Ok(true) => 0,
        _ => -1,
    }
}

/// Give what the last block's hole `slot` needs in JSON (`Tails::put_json`): its meaning's rule
/// (`rule_len` bytes; a null `rule`: Python renders its lines), the agreement `agrees` the parts
/// are for, and the three parts. Returns 0, or -1 for a slot the last block did not give, a rule
/// it cannot read, bad arguments or a panic.
///
/// # Safety
/// `tails` must be a live table used by one thread at a time; each pointer must point to its
/// length in bytes (or be null with length 0; `rule` may be null).
#[no_mangle]
#[allow(unsafe_code, clippy::too_many_arguments)]
pub unsafe extern "C" fn kmserr_tails_put_json(
    tails: *mut Tails,
    slot: usize,
    rule: *const u8,
    rule_len: usize,
    agrees: usize,
    a: *const u8,
    a_len: usize,
    b: *const u8,
    b_len: usize,
    c: *const u8,
    c_len: usize,
) -> i32 {
    if tails.is_null()
        || (a.is_null() && a_len != 0)
        || (b.is_null() && b_len != 0)
        || (c.is_null() && c_len != 0)
    {
        return -1;
    }
    // SAFETY: checked non-null above; the caller guarantees the rest (see # Safety).
    let (tails, rule, parts) = unsafe {
        let rule = (!rule.is_null()).then(|| bytes_of(rule, rule_len));
        let parts = [bytes_of(a, a_len), bytes_of(b, b_len), bytes_of(c, c_len)];
        (&mut *tails, rule, parts)
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tails.put_json(slot, rule, agrees, parts)
    })) {
        Ok(true) => 0,
        _ => -1,
    }
}

/// Assemble the plain output of `buf[start:end]` (`Tails::assemble`): `*out`/`*out_len` get the
/// bytes written (`*out_lines` lines), `*holes`/`*hole_words` the holes (HOLE u64 words each); both owned by the table,
/// valid until its next call; `*out_newlines` the newlines of `buf[start:end]` when lines are counted (else 0). `prefix` is `name:` or empty; `flags` bit 0: count lines, bit 1:
/// show line numbers, bit 2: count the lines read with an error only (`*out_lines`), writing
/// nothing, bit 3: JSON Lines (`prefix` is then each record's `{"file": ...`); `lines_before`:
/// lines before the block. Returns 0, 1 when the block is
/// declined (Python searches it as before), or -1 for bad arguments or a panic.
///
/// # Safety
/// `core` and `tails` must be live and used by one thread at a time; `buf` must point to `len`
/// readable bytes and `prefix` to `prefix_len`; the four out pointers must be writable.
#[no_mangle]
#[allow(unsafe_code, clippy::too_many_arguments)]
pub unsafe extern "C" fn kmserr_native_assemble(
    core: *const Core,
    tails: *mut Tails,
    buf: *const u8,
    len: usize,
    start: usize,
    end: usize,
    prefix: *const u8,
    prefix_len: usize,
    flags: u32,
    lines_before: u64,
    out: *mut *const u8,
    out_len: *mut usize,
    out_lines: *mut usize,
    holes: *mut *const u64,
    hole_words: *mut usize,
    out_newlines: *mut u64,
) -> i32 {
    if core.is_null()
        || tails.is_null()
        || out.is_null()
        || out_len.is_null()
        || out_lines.is_null()
        || holes.is_null()
        || hole_words.is_null()
        || out_newlines.is_null()
        || (buf.is_null() && len != 0)
        || (prefix.is_null() && prefix_len != 0)
        || start > end
        || end > len
    {
        return -1;
    }
    // SAFETY: checked non-null above; the caller guarantees the rest (see # Safety).
    let (core, tails, bytes, prefix) = unsafe {
        (
            &*core,
            &mut *tails,
            bytes_of(buf, len),
            bytes_of(prefix, prefix_len),
        )
    };
    let layout = Layout {
        prefix,
        count: flags & 1 != 0,
        show_numbers: flags & 2 != 0,
        count_only: flags & 4 != 0,
        json: flags & 8 != 0,
        lines_before,
    };
    tails.unwrap = flags & 16 != 0;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tails.assemble(core, bytes, start, end, &layout)
    }));
    match result {
        Ok(done) => {
            // SAFETY: the pointers were checked non-null and are writable per the contract.
            unsafe {
                *out = tails.out.as_ptr();
                *out_len = tails.out.len();
                *out_lines = tails.written;
                *holes = tails.holes.as_ptr();
                *hole_words = tails.holes.len();
                *out_newlines = tails.newlines;
            }
            if done == Assembled::Done {
                0
            } else {
                1
            }
        }
        Err(_) => -1,
    }
}

/// A small random generator for the tests (no crates): a linear congruential one.
#[cfg(test)]
pub(crate) struct Rng(pub u64);

#[cfg(test)]
impl Rng {
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Vec<u64> {
        let mut core =
            Core::from_tagged(b"L:AuthFailure\nL:InvalidParameter\nK:AuthFailure\nH:AuthFailure");
        core.read(line.as_bytes(), 0, line.len()).to_vec()
    }

    #[test]
    fn legacy_plain() {
        let r = read("x: request rejected: (10050)server internal error action=DisableKey\n");
        assert_eq!(r[2], ONE_ERROR);
        assert_eq!(r[3], reader::LEGACY_MESSAGE);
        assert_eq!((r[4], r[5]), (22, 27));
    }

    #[test]
    fn ordinary_lines_are_no_candidates() {
        assert!(read("2024 INFO all good (Pool.java:90)\nnext line\n").is_empty());
    }

    const ESCAPED: &str =
        r#"{"msg":"[TencentCloudSDKException] code:AuthFailure message:\u5bc6 \/k requestId:r-1"}"#;

    #[test]
    fn a_line_read_unescaped_is_given_alone_with_its_text() {
        let core =
            Core::from_tagged(b"L:AuthFailure\nL:InvalidParameter\nK:AuthFailure\nH:AuthFailure");
        let line = format!("x {ESCAPED}");
        let (rec, text) = core.read_unescaped(line.as_bytes(), 0, line.len()).unwrap();
        let span = |at: usize| &text[rec[at] as usize..rec[at + 1] as usize];
        assert_eq!((rec[0], rec[1], rec[2]), (0, line.len() as u64, ONE_ERROR));
        assert_eq!(
            &line.as_bytes()[rec[6] as usize..rec[7] as usize],
            b"AuthFailure"
        );
        assert_eq!(rec[4] as usize, line.find("AuthFailure").unwrap()); // characters: the line is ASCII
        assert_eq!(span(8), "\u{5bc6} /k".as_bytes());
        assert_eq!(span(10), b"r-1");
        assert_eq!((rec[12], rec[13]), (NONE, NONE));
        // A line read from its own bytes, one of two errors, or none: the full extractor's.
        let plain = "[TencentCloudSDKException] code:AuthFailure message:m requestId:r-1";
        let two = format!("{ESCAPED} {ESCAPED}");
        for other in [plain, &two, "nothing"] {
            assert!(
                core.read_unescaped(other.as_bytes(), 0, other.len())
                    .is_none(),
                "{other}"
            );
        }
    }

    #[test]
    fn records_read_unescaped_are_handed_back_by_read() {
        // Their text is not in the buffer: `read`'s spans could not point at it.
        let r = read(&format!("{ESCAPED}\n"));
        assert_eq!(r.len(), RECORD);
        assert_eq!(r[2], NOT_READ);
    }

    #[test]
    fn records_read_unescaped_are_written_once_their_key_is_known() {
        let core =
            Core::from_tagged(b"L:AuthFailure\nL:InvalidParameter\nK:AuthFailure\nH:AuthFailure");
        let mut tails = Tails::new(16);
        let buf = format!("{ESCAPED}\n{ESCAPED}\n");
        let buf = buf.as_bytes();
        let layout = Layout {
            prefix: b"",
            show_numbers: false,
            count: false,
            lines_before: 0,
            count_only: false,
            json: false,
        };
        tails.assemble(&core, buf, 0, buf.len(), &layout);
        assert_eq!(tails.holes.len(), 2 * assemble::HOLE);
        assert_eq!(tails.holes[4 + 2], NOT_READ); // Python reads the first of its key
        assert!(tails.put(0, b"\tT"));
        tails.assemble(&core, buf, 0, buf.len(), &layout);
        assert!(tails.holes.is_empty());
        assert_eq!(
            tails.out,
            format!("{ESCAPED}\tT\n{ESCAPED}\tT\n").as_bytes()
        );
    }

    #[test]
    fn json_records_of_text_read_unescaped_carry_its_message() {
        let core =
            Core::from_tagged(b"L:AuthFailure\nL:InvalidParameter\nK:AuthFailure\nH:AuthFailure");
        let mut tails = Tails::new(16);
        let buf = format!("{ESCAPED}\n");
        let buf = buf.as_bytes();
        let layout = Layout {
            prefix: b"{F",
            show_numbers: false,
            count: true,
            lines_before: 0,
            count_only: false,
            json: true,
        };
        tails.assemble(&core, buf, 0, buf.len(), &layout);
        assert_eq!(tails.holes.len(), assemble::HOLE);
        assert!(tails.put_json(0, Some(b"N"), 0, [b"<A>", b"<B>", b"<C>"]));
        tails.assemble(&core, buf, 0, buf.len(), &layout);
        assert!(tails.holes.is_empty());
        let line = ESCAPED.replace('\\', "\\\\").replace('"', "\\\"");
        let code = ESCAPED.find("AuthFailure").unwrap();
        let expected = format!(
            "{{F, \"line_number\": 1, \"line\": \"{line}\", \"matches\": [<A>\"密 /k\"<B>\"r-1\"<C>{code}, \"end\": {}}}]}}\n",
            code + 11
        );
        assert_eq!(String::from_utf8_lossy(&tails.out), expected);
    }

    #[test]
    fn huge_lines_are_handed_back() {
        let line = "Code: ".repeat(100_000);
        let r = read(&line);
        assert_eq!(r[2], NOT_READ);
    }
}

//! A line crowded with errors, read as `kmserr.extract.Extractor.find` reads it.
//!
//! `reader::read_line` reads a line of one error, of at most `MAX_LINE` bytes. A line of many
//! errors (an incident's batch log: a hundred legacy codes, API 3.0 bodies, Python and Go SDK
//! text and names standing alone on one line, each with its own request ID) was handed back to
//! Python whole. This reader follows the extractor's own steps on such a line, literally: the forms
//! in priority order over the whole text, each form's finder and the text already explained
//! (`_Spans`, bisected as Python bisects it), an SDK error's text cut at the next error's head
//! (`next_error`, `before_separators`), every window of WINDOW characters around a code (where a
//! line is longer than a window, a request ID is looked for only within the window around its
//! error, and `_line_start` is a place inside the line), the request IDs shared on a line
//! (`_own_request_ids`, `_once_a_line`), and MAX_FINDINGS. It reads printable ASCII only (a
//! character a byte, so Python's offsets are these) and the forms that crowd such lines: legacy
//! messages, API 3.0 bodies, the Python and Go SDKs' text and code names standing alone. Anything
//! else that the extractor would act on (another form's gate, SDK text inside quotes, escapes, a
//! line that a traceback or an envelope may hold) makes it give up: `Err(Declined)`.
#![forbid(unsafe_code)]

use crate::json::{value_end_knowing, JsonError, Known};
// No index of a crowded line is made (`read_line_indexed`'s): its searches scan.
use crate::reader::{
    api3_code_at, api3_request_id_at, bare_token, class_run, find_scan as find, goes_on_below,
    identifier_around, in_envelope, legacy_at, no_value, request_id_token, rfind_scan as rfind,
    Declined, Finding, Span, Words, API3_JSON, BARE_CODE, GO_SDK, ID_DASH, LEGACY_MESSAGE,
    PYTHON_SDK,
};

type R<T> = Result<T, Declined>;

/// A longer line is handed back (assemble writes a line longer than LONG_LINE in Python anyway).
pub const CROWDED_LINE: usize = 65536;
const WINDOW: usize = 4096; // forms.WINDOW
const MAX_FINDINGS: usize = 100; // forms.MAX_FINDINGS
const MAX_MESSAGE: usize = 65536; // forms.MAX_MESSAGE
const PY_REACH: usize = 16 * (128 + 1); // forms._PY_SDK_CODE_REACH
const PY_LITERAL: usize = 31; // "TencentCloudSDKException] code:"
const GO_LITERAL: usize = 27; // "TencentCloudSDKError] Code="

// What the extractor acts on that this reader does not read (`Literals::of` declines a line that
// holds one): the gates of the other forms (`"code"`, `ErrorCode=`, `Code: `, `code: '`),
// structlog's frames (`"locals"`) and a bracketed request ID (`[request id:`). Every
// `TencentCloudSDK` stands in a head this reader reads (`heads`): the other SDK forms' gates and
// rich's line need not be looked for; a Node SDK error's first line, `...Exception [Error]:
// (10630) ...`, is seen where the legacy code is (`Line::legacy`).

/// An SDK error's head: `[TencentCloudSDKException] code:` or `[TencentCloudSDKError] Code=`.
struct Head {
    form: u64,
    h: usize,     // its `[`, where ERROR_HEAD matches
    start: usize, // where its form's regex match starts
    c0: usize,    // the code
    ce: usize,
    ms: usize, // the message (the regex's last group)
}

impl Head {
    /// Where ERROR_HEAD's match at it ends (`[TencentCloudSDK` and `Exception` or `Error`).
    fn head_end(&self) -> usize {
        self.h + if self.form == PYTHON_SDK { 25 } else { 21 }
    }
}

/// `_Spans`: sorted starts, each with its end, asked by bisection as Python asks.
#[derive(Default)]
struct Spans {
    spans: Vec<Span>,
    /// Whether a span was added over another (a body's braces around text explained before):
    /// then the bisection is no longer the spans' union, and the line is declined.
    nested: bool,
    /// The place after the span added last: a form adds its spans in order, a few of the other
    /// forms' between two of them, so the next one's place is looked for from there first.
    hint: usize,
}

impl Spans {
    fn overlaps(&self, s: usize, e: usize) -> bool {
        let at = self.spans.partition_point(|&(v, _)| v < e);
        at > 0 && self.spans[at - 1].1 > s
    }

    fn next_start(&self, pos: usize) -> Option<usize> {
        let at = self.spans.partition_point(|&(v, _)| v <= pos);
        self.spans.get(at).map(|&(v, _)| v)
    }

    fn end_of(&self, pos: usize) -> Option<usize> {
        let at = self.spans.partition_point(|&(v, _)| v <= pos);
        (at > 0 && self.spans[at - 1].1 > pos).then(|| self.spans[at - 1].1)
    }

    fn add(&mut self, s: usize, e: usize) {
        let spans = &self.spans;
        // The first span that starts at `s` or after (`partition_point`): from the hint, where the
        // span before it starts before `s`, a few steps on; else by bisection before it.
        let mut at = self.hint.min(spans.len());
        if at > 0 && spans[at - 1].0 >= s {
            at = spans[..at].partition_point(|&(v, _)| v < s);
        } else {
            while at < spans.len() && spans[at].0 < s {
                at += 1;
            }
        }
        // Exact while no span nests in another: the last span that starts before `e` ends last.
        // `overlaps(s, e)` from the place of `s`: the starts in [s, e) are few (none, unless nested).
        let to_e = at + spans[at..].iter().take_while(|&&(v, _)| v < e).count();
        self.nested |= to_e > 0 && spans[to_e - 1].1 > s;
        self.spans.insert(at, (s, e));
        self.hint = at + 1;
    }
}

struct Line<'a> {
    b: &'a [u8],
    taken: Spans,
    found: Vec<Finding>,
    /// Each `request` (any case) of the line, and the ID `_REQUEST_ID_ANYWHERE` reads there
    /// without an end (Some(None): no match there; None: not read yet).
    rids: Vec<(usize, Option<Option<Span>>)>,
    /// Where `rid_near` found the first `request` of its window last.
    rid_hint: usize,
    /// Every `"Code"` and `"Error"` of the line (`Literals::of`).
    codes: Vec<usize>,
    errors: Vec<usize>,
    /// Where the JSON value read from each brace of `braces` ends, and how deep it nests
    /// (`json_object` reads a body more than once, and an outer body holds the inner one read before).
    values: Vec<Option<(usize, usize)>>,
    /// Every `{` and `}` of the line (`Literals::of`): `json_object` steps through them.
    braces: Vec<usize>,
    closes: Vec<usize>,
}

/// The findings of a crowded line, as `Extractor.find(text)` gives them (`names(part, offset,
/// out)`: puts in `out` the spans of the names' literals in a part of it, moved by `offset`,
/// asked about the parts that no form explained).
pub fn read_crowded(
    b: &[u8],
    names: impl Fn(&[u8], usize, &mut Vec<Span>),
    words: &Words,
) -> R<Vec<Finding>> {
    precheck(b)?;
    let mut literals = Literals::of(b)?;
    let heads = heads(b, &literals)?;
    quoted_heads(&heads, &literals)?;
    let mut line = Line {
        b,
        taken: Spans {
            spans: Vec::with_capacity(MAX_FINDINGS),
            ..Spans::default()
        },
        found: Vec::with_capacity(MAX_FINDINGS),
        rids: literals.requests.iter().map(|&at| (at, None)).collect(),
        rid_hint: 0,
        codes: std::mem::take(&mut literals.codes),
        errors: std::mem::take(&mut literals.errors),
        values: vec![None; literals.braces.len()],
        braces: std::mem::take(&mut literals.braces),
        closes: std::mem::take(&mut literals.closes),
    };
    // In FORMS' order; each returns Ok(false) once MAX_FINDINGS are found.
    let _ = line.python_sdk(&heads)?
        && line.go_sdk(&heads)?
        && line.api3()?
        && line.legacy()?
        && line.bare(names, words)?;
    if line.taken.nested || goes_on_below(b, &line.found) {
        return Err(Declined); // an error that goes on below: Python's, with the lines below
    }
    let mut found = line.found;
    if found.len() < 2 {
        return Ok(found);
    }
    // In order of place, stably (`found.sort(key=_start)`): their numbers in that order, and the
    // findings copied once, into the result (a finding is a hundred bytes, a line a hundred findings).
    let order = in_order(&found);
    own_request_ids(b, &mut found, &order);
    let kept = once_a_line(b, &found, &order);
    Ok(kept
        .into_iter()
        .take(MAX_FINDINGS)
        .map(|i| found[i].clone())
        .collect())
}

/// The numbers of the findings in order of place, stably: each as a word, its place above its
/// number (MAX_FINDINGS < 128), so that one sort of words puts ties in the order found, as a
/// stable sort has them (a merge of the forms' runs cost twice as much).
fn in_order(found: &[Finding]) -> Vec<usize> {
    const NUMBER: u64 = 0x7f;
    debug_assert!(found.len() <= MAX_FINDINGS);
    let mut keyed: Vec<u64> = found
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.code.0 as u64) << 7) | i as u64)
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|k| (k & NUMBER) as usize).collect()
}

/// What makes the whole line one this reader does not read.
fn precheck(b: &[u8]) -> R<()> {
    if b.is_empty() || b.len() > CROWDED_LINE {
        return Err(Declined);
    }
    // A line that a traceback's source line may be (`_is_source_line` at the line's start), or a
    // JSON record (`_once_a_record`), or loguru's report of a record.
    match b[0] {
        b' ' | b'|' | b'-' | b'>' | b'{' => return Err(Declined),
        c if c.is_ascii_digit() => {
            let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
            if n <= 7 && b.get(n) == Some(&b' ') {
                return Err(Declined);
            }
        }
        _ => {}
    }
    if b.starts_with(b"Record was: {") || in_envelope(b) {
        return Err(Declined);
    }
    Ok(())
}

/// What one pass over the line finds (`Literals::of`): every `TencentCloudSDK` with the quotes
/// before it, every `request` (any case), `code:`, `"Code"` and `"Error"`, whether `='` stands
/// in it, its quotes.
#[derive(Default)]
struct Literals {
    sdk: Vec<(usize, usize)>,
    requests: Vec<usize>,
    codes: Vec<usize>,  // `"Code"`
    errors: Vec<usize>, // `"Error"`
    code: Vec<usize>,
    braces: Vec<usize>, // `{`
    closes: Vec<usize>, // `}`
    repr: bool,
    quotes: usize,
}

/// Whether `Literals::of` asks `at` about a byte: below 0x20 (as `reader::odd_bytes` tests it),
/// 0x7f and above, a backslash, and the anchors of the literals.
#[inline(always)]
fn flagged(c: u8) -> bool {
    !(0x20..0x7f).contains(&c)
        | (c == b'\\')
        | (c == b'"')
        | (c == b':')
        | (c == b'=')
        | (c == b'K')
        | (c | 0x20 == b'q')
        | (c == b'{')
        | (c == b'}')
}

impl Literals {
    /// One pass: printable ASCII only (a character a byte, `\s` a space, no escapes), none of
    /// the gates declined, and the places the heads and the quotes around them are read from.
    /// Eight bytes a turn: each literal is looked for from a byte of it that few words hold (`"`,
    /// `:`, `=`, the `K` that ends `TencentCloudSDK`), and most turns hold none of them.
    fn of(b: &[u8]) -> R<Literals> {
        // Room for a crowded line's literals at once (each vector grew by doubling, a tenth of the time).
        let room = b.len() / 128 + 8;
        let mut found = Literals {
            sdk: Vec::with_capacity(room),
            requests: Vec::with_capacity(room),
            codes: Vec::with_capacity(room),
            errors: Vec::with_capacity(room),
            code: Vec::with_capacity(room),
            braces: Vec::with_capacity(room),
            closes: Vec::with_capacity(room),
            ..Literals::default()
        };
        let mut i = 0;
        // Sixteen bytes a turn, a bit a byte: written so that the compiler makes it a few vector
        // compares (SSE2), a third of the work of eight bytes a turn in a word.
        while i + 16 <= b.len() {
            let chunk: &[u8; 16] = b[i..i + 16].try_into().expect("sixteen bytes");
            let mut flags = [0u8; 16];
            for (f, &c) in flags.iter_mut().zip(chunk) {
                *f = u8::from(flagged(c));
            }
            let (lo, hi) = (
                u64::from_le_bytes(flags[..8].try_into().expect("eight bytes")),
                u64::from_le_bytes(flags[8..].try_into().expect("eight bytes")),
            );
            if lo | hi == 0 {
                i += 16;
                continue;
            }
            // A byte's 0 or 1 to its bit: the product gathers the eight in its top byte.
            const GATHER: u64 = 0x0102_0408_1020_4080;
            let mut m =
                ((lo.wrapping_mul(GATHER) >> 56) | ((hi.wrapping_mul(GATHER) >> 56) << 8)) as u32;
            while m != 0 {
                found.at(b, i + m.trailing_zeros() as usize)?;
                m &= m - 1;
            }
            i += 16;
        }
        while i < b.len() {
            found.at(b, i)?;
            i += 1;
        }
        Ok(found)
    }

    /// What the byte at `i` says (any byte may be asked about: the others say nothing).
    /// Each literal is told by the byte beside its anchor first (a hundred quotes a line, most of
    /// them no key's): the comparisons of a whole literal are few.
    #[inline(always)]
    fn at(&mut self, b: &[u8], i: usize) -> R<()> {
        let c = b[i];
        let ends = |pat: &[u8]| i + 1 >= pat.len() && &b[i + 1 - pat.len()..=i] == pat;
        let before = if i > 0 { b[i - 1] } else { 0 };
        match c {
            0..=0x1f | 0x7f.. | b'\\' => return Err(Declined),
            b'"' => {
                let rest = &b[i..];
                match b.get(i + 1) {
                    Some(b'l') if rest.starts_with(b"\"locals\"") => return Err(Declined),
                    Some(b'c') if rest.starts_with(b"\"code\"") => return Err(Declined),
                    Some(b'C') if rest.starts_with(b"\"Code\"") => self.codes.push(i),
                    Some(b'E') if rest.starts_with(b"\"Error\"") => self.errors.push(i),
                    _ => {}
                }
                self.quotes += 1;
            }
            b':' => match before {
                b'd' if ends(b"[request id:") => return Err(Declined),
                b'e' if ends(b"code:") => {
                    if b[i + 1..].starts_with(b" '") {
                        return Err(Declined);
                    }
                    self.code.push(i - 4);
                }
                b'e' if ends(b"Code:") && b.get(i + 1) == Some(&b' ') => return Err(Declined),
                _ => {}
            },
            b'=' => {
                if before == b'e' && ends(b"ErrorCode=") {
                    return Err(Declined);
                }
                self.repr |= b.get(i + 1) == Some(&b'\'');
            }
            b'K' if before == b'D' && ends(b"TencentCloudSDK") => {
                self.sdk.push((i - 14, self.quotes))
            }
            b'{' => self.braces.push(i),
            b'}' => self.closes.push(i),
            // `request` in any case, from its `q` (rare in text; `r` and `t` are everywhere).
            b'q' | b'Q'
                if i >= 2
                    && b[i - 2] | 0x20 == b'r'
                    && b[i - 2..].len() >= 7
                    && b[i - 2..i + 5].eq_ignore_ascii_case(b"request") =>
            {
                self.requests.push(i - 2);
            }
            _ => {}
        }
        Ok(())
    }
}

/// What makes SDK text a line where the extractor reads it otherwise: in a quoted value (`_quoted`:
/// values paired from the line's start, the one that holds SDK text read alone; a head stands in
/// one where an odd number of quotes stands before it and one closes it after), or beside a Python
/// repr's `='` (`_python_quoted`).
fn quoted_heads(heads: &[Head], literals: &Literals) -> R<()> {
    if heads.is_empty() {
        return Ok(());
    }
    if literals.repr {
        return Err(Declined);
    }
    for &(_, quotes) in &literals.sdk {
        if quotes % 2 == 1 && quotes < literals.quotes {
            return Err(Declined);
        }
    }
    Ok(())
}

/// Every SDK error's head in the line, in order; Err where `TencentCloudSDK` or `code:` stands
/// otherwise than in a head whose form's regex matches there as this reader reads it.
fn heads(b: &[u8], literals: &Literals) -> R<Vec<Head>> {
    let mut heads = Vec::with_capacity(literals.sdk.len());
    for &(t, _) in &literals.sdk {
        if t == 0 || b[t - 1] != b'[' {
            return Err(Declined);
        }
        let rest = &b[t..];
        if rest.starts_with(b"TencentCloudSDKException] code:") {
            // `(\S*(?: \S+){0,15}?) message:`, tried where ` message:` is within reach: a code
            // of one word here (no space before the first ` message:`).
            let c0 = t + PY_LITERAL;
            // The first ` message:` is at the first space, or the code would hold a space: the
            // space is looked for, and ` message:` at it.
            let s = crate::scan::memchr(b' ', b, c0, b.len()).ok_or(Declined)?;
            if !b[s..].starts_with(b" message:") || s - c0 > PY_REACH || no_value(&b[c0..s]) {
                return Err(Declined);
            }
            heads.push(Head {
                form: PYTHON_SDK,
                h: t - 1,
                start: t,
                c0,
                ce: s,
                ms: s + 9,
            });
        } else if rest.starts_with(b"TencentCloudSDKError] Code=") {
            let c0 = t + GO_LITERAL;
            let ce = comma_or_space(b, c0);
            if !b[ce..].starts_with(b", Message=") || no_value(&b[c0..ce]) {
                return Err(Declined);
            }
            heads.push(Head {
                form: GO_SDK,
                h: t - 1,
                start: t - 1,
                c0,
                ce,
                ms: ce + 10,
            });
        } else {
            return Err(Declined);
        }
    }
    // Every `code:` is a Python SDK head's: then the .NET form finds nothing that is not explained,
    // and ERROR_HEAD's `code:X message:` stands only where its head stands first.
    for &k in &literals.code {
        let at = heads.partition_point(|h| h.c0 < k + 5);
        if !heads
            .get(at)
            .is_some_and(|h| h.form == PYTHON_SDK && h.c0 == k + 5)
        {
            return Err(Declined);
        }
    }
    Ok(heads)
}

/// The first `,` or space of `b` from `i` (or its end): eight bytes a turn (a Go error's code was
/// a comparison and a branch a byte). The lowest byte `has_byte` flags is a true one.
fn comma_or_space(b: &[u8], mut i: usize) -> usize {
    use crate::scan::{has_byte, splat, word_at};
    while i + 8 <= b.len() {
        let w = word_at(b, i);
        let m = has_byte(w, splat(b',')) | has_byte(w, splat(b' '));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != b',' && b[i] != b' ' {
        i += 1;
    }
    i
}

/// `_line_start` on a line: WINDOW characters back at most.
fn window_start(pos: usize) -> usize {
    pos.saturating_sub(WINDOW)
}

/// `_is_source_line(text, _line_start(text, pos))` where the line's own start is no source line
/// (`precheck`): inside a long line, a window's start can still begin loguru's report or its
/// `    -> value` annotation; what follows such a place is longer than MAX_SOURCE_LINE.
fn source_at(b: &[u8], pos: usize) -> bool {
    let ls = window_start(pos);
    if ls == 0 {
        return false;
    }
    if b[ls..].starts_with(b"Record was: {") {
        return true;
    }
    let run = b[ls..]
        .iter()
        .take(WINDOW)
        .take_while(|&&c| c == b' ' || c == b'|')
        .count();
    run >= 4 && ls + run + 3 <= (ls + WINDOW).min(b.len()) && b[ls + run..].starts_with(b"-> ")
}

/// `before_separators`.
fn before_separators(b: &[u8], start: usize, mut at: usize) -> usize {
    if at > start && matches!(b[at - 1], b'[' | b'\\') {
        at -= 1;
    }
    while at > start && matches!(b[at - 1], b' ' | b'\t' | b'|' | b'/' | b';' | b',') {
        at -= 1;
    }
    at
}

/// `next_error(text, start, end)`: before the first SDK head whose ERROR_HEAD match lies in
/// `b[start:end]` (every head here is confirmed by its form's regex), or None. The heads before
/// `from` start before `start` (the caller's own head and those before it): the first head at
/// `start` or after is looked for from there, a step or two, not by bisection.
fn next_error(b: &[u8], heads: &[Head], from: usize, start: usize, end: usize) -> Option<usize> {
    let at = first_head_from(heads, from, start);
    let head = heads.get(at).filter(|h| h.head_end() <= end)?;
    Some(before_separators(b, start, head.h))
}

/// `heads.partition_point(|h| h.h < pos)`, where every head before `from` starts before `pos`.
fn first_head_from(heads: &[Head], from: usize, pos: usize) -> usize {
    debug_assert!(heads[..from.min(heads.len())].iter().all(|h| h.h < pos));
    let mut at = from.min(heads.len());
    while at < heads.len() && heads[at].h < pos {
        at += 1;
    }
    at
}

fn rstrip(b: &[u8], s: usize, mut e: usize) -> usize {
    while e > s && b[e - 1] == b' ' {
        e -= 1;
    }
    e
}

fn strip(b: &[u8], mut s: usize, e: usize) -> Span {
    while s < e && b[s] == b' ' {
        s += 1;
    }
    (s, rstrip(b, s, e))
}

/// `find` of a pattern lying wholly in `b[from:to]`.
fn find_in(b: &[u8], pat: &[u8], from: usize, to: usize) -> Option<usize> {
    find(&b[..to.min(b.len())], pat, from)
}

/// The first space-separated word of `b[s:e]` stripped (`.strip().split(" ", 1)[0]`), as a
/// request ID's token, read by `_request_id_token`.
/// The token's class holds no space, so it ends at the word's end whether or not that end is
/// found first; only Go's `%!d(string=...)`, which is unwrapped by its last byte, needs it.
fn token_id(b: &[u8], s: usize, e: usize) -> Option<Span> {
    let (s, e) = strip(b, s, e);
    if !b[s..e].starts_with(GO_WRAPPED) {
        return request_id_token(b, s, e);
    }
    let end = b[s..e].iter().position(|&c| c == b' ').map_or(e, |k| s + k);
    request_id_token(b, s, end)
}

/// How Go's SDK prints a request ID it formats as a number (`reader::request_id_token` unwraps it).
const GO_WRAPPED: &[u8] = b"%!d(string=";

/// `_form_span` of an SDK error that ends with its request ID: the last place of the ID's text in
/// `b[from:end]`, looked for only after the ID itself where the ID stands there.
fn span_end(b: &[u8], rid: Option<Span>, from: usize, end: usize) -> usize {
    let Some((rs, re)) = rid else {
        return end;
    };
    let at = if from <= rs && re <= end {
        rfind(b, &b[rs..re], rs + 1, end).unwrap_or(rs)
    } else {
        match rfind(b, &b[rs..re], from, end) {
            Some(at) => at,
            None => return end,
        }
    };
    at + (re - rs)
}

/// `with_legacy_message`: the module code of a message that begins with a legacy code.
/// An SDK error's finding: its message's legacy code, if it starts with one, is its module code.
fn sdk_finding(
    b: &[u8],
    form: u64,
    code: Span,
    message: Option<Span>,
    rid: Option<Span>,
) -> Finding {
    Finding {
        module_code: legacy_module(b, message),
        ..Finding::new(form, code, message, rid)
    }
}

fn legacy_module(b: &[u8], message: Option<Span>) -> Option<u64> {
    let (s, e) = message?;
    let (s, _) = strip(b, s, e);
    if b.get(s) != Some(&b'(') || s >= e {
        return None;
    }
    let digits = b[s + 1..e]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if !(3..=6).contains(&digits) || b.get(s + 1 + digits) != Some(&b')') || s + 1 + digits >= e {
        return None;
    }
    Some(
        b[s + 1..s + 1 + digits]
            .iter()
            .fold(0, |n, &c| n * 10 + u64::from(c - b'0')),
    )
}

/// `_REQUEST_ID_ANYWHERE.match` at a `request` (any case), without an end: the ID's span.
fn rid_at(b: &[u8], a: usize) -> Option<Span> {
    let n = b.len();
    let id = |i: usize| {
        b.get(i..i + 2)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"id"))
    };
    let mut i = a + 7;
    if i < n && matches!(b[i], b' ' | b'_' | b'-') && id(i + 1) {
        i += 1;
    }
    if !id(i) {
        return None;
    }
    i += 2;
    if i < n && matches!(b[i], b'"' | b'\'') {
        i += 1;
    }
    while i < n && b[i] == b' ' {
        i += 1;
    }
    if !(i < n && matches!(b[i], b':' | b'=')) {
        return None;
    }
    i += 1;
    while i < n && b[i] == b' ' {
        i += 1;
    }
    if i < n && matches!(b[i], b'"' | b'\'') {
        i += 1;
    }
    if !(i < n && b[i].is_ascii_alphanumeric()) {
        return None;
    }
    let run = class_run(b, i + 1, i + 64, ID_DASH);
    (run >= 7).then_some((i, i + 1 + run))
}

impl Line<'_> {
    /// `rfind(b, label, lo, hi)` for a label that holds `request` (any case) at `at`: asked of the
    /// line's `request`s (`Literals::of`), every place the label can stand.
    // Inlined: each caller's label is a constant, so its comparison is a word or two, not memcmp.
    #[inline(always)]
    fn rfind_request(&self, label: &[u8], at: usize, lo: usize, hi: usize) -> Option<usize> {
        let b = self.b;
        let tail = label.len() - at; // from `request` to the label's end
        let last = self.rids.partition_point(|&(r, _)| r + tail <= hi);
        self.rids[..last]
            .iter()
            .rev()
            .map(|&(r, _)| r)
            .take_while(|&r| r >= lo + at)
            .find(|&r| &b[r - at..r + tail] == label)
            .map(|r| r - at)
    }

    /// `find_in(b, "\"Code\"", lo, hi).is_some()`, asked of the line's `"Code"`s.
    fn code_key_in(&self, lo: usize, hi: usize) -> bool {
        let at = self.codes.partition_point(|&q| q < lo);
        self.codes.get(at).is_some_and(|&q| q + 6 <= hi)
    }

    /// `reader::api3_request_id(b, lo, hi)`, each `"RequestId"` taken from the line's `request`s.
    fn api3_request_id(&self, lo: usize, hi: usize) -> Option<Span> {
        let b = self.b;
        let first = self.rids.partition_point(|&(r, _)| r < lo + 1);
        self.rids[first..]
            .iter()
            .map(|&(r, _)| r - 1)
            .take_while(|&k| k + 11 <= hi)
            .filter(|&k| &b[k..k + 11] == b"\"RequestId\"")
            .find_map(|k| api3_request_id_at(&b[..hi], k))
    }

    fn push(&mut self, span: Span, f: Finding) -> bool {
        self.taken.add(span.0, span.1);
        self.found.push(f);
        self.found.len() < MAX_FINDINGS
    }

    /// `_request_id_near(text, pos)`: the first request ID within the window around `pos`.
    fn rid_near(&mut self, pos: usize) -> Option<Span> {
        let b = self.b;
        let rids = &mut self.rids;
        let (low, high) = (window_start(pos), (pos + WINDOW).min(b.len()));
        // The first `request` at `low` or after: a form asks in order of place, so from the
        // answer before, a few steps on (by bisection where `low` went back).
        let mut first = self.rid_hint.min(rids.len());
        if first > 0 && rids[first - 1].0 >= low {
            first = rids[..first].partition_point(|&(a, _)| a < low);
        } else {
            while first < rids.len() && rids[first].0 < low {
                first += 1;
            }
        }
        self.rid_hint = first;
        for (a, id) in &mut rids[first..] {
            if *a + 7 > high {
                break;
            }
            // Read when first asked about: most windows ask only about their first.
            let Some((s, e)) = *id.get_or_insert_with(|| rid_at(b, *a)) else {
                continue;
            };
            if e <= high || s + 8 <= high {
                let span = (s, e.min(high));
                return (!no_value(&b[span.0..span.1])).then_some(span);
            }
        }
        None
    }

    /// PYTHON_SDK: `_python_sdk_matches`, cut at the next error (`next_error`), `_sdk_message`.
    fn python_sdk(&mut self, heads: &[Head]) -> R<bool> {
        let b = self.b;
        let n = b.len();
        let mut pos = 0; // where the finder goes on from
        for (k, head) in heads
            .iter()
            .enumerate()
            .filter(|(_, h)| h.form == PYTHON_SDK)
        {
            let mend = n.min(head.ms + WINDOW);
            // A head the finder steps over (across the end of the last one's window) is left to
            // the .NET form; nor is an SDK error on a window's source line read here.
            if head.start < pos || self.taken.overlaps(head.start, mend) || source_at(b, head.start)
            {
                return Err(Declined);
            }
            // Cut at the next error: built from the text before it (`text[:at]`).
            let (text_end, group_end) = match next_error(b, heads, k + 1, head.ce, mend) {
                Some(e) => {
                    pos = e;
                    (e, e.min(head.ms + WINDOW))
                }
                None => {
                    pos = mend;
                    (n, mend)
                }
            };
            let ms = head.ms;
            let limit = text_end.min(ms + MAX_MESSAGE);
            // Every `TencentCloudSDK` of the line stands in a head (`heads`).
            let next = first_head_from(heads, k + 1, ms - 1); // `h.h + 1 < ms`
            let stop = heads
                .get(next)
                .map(|h| h.h + 1)
                .filter(|&t| t + 15 <= limit)
                .unwrap_or(limit);
            let (message, rid) = match self.rfind_request(b" requestId:", 1, ms, stop) {
                None => ((ms, rstrip(b, ms, stop.min(ms + WINDOW))), None),
                Some(label) => {
                    let rid = token_id(b, label + 11, stop.min(label + 256));
                    let end = if label - ms > WINDOW {
                        ms + WINDOW
                    } else {
                        label
                    };
                    ((ms, rstrip(b, ms, end)), rid)
                }
            };
            let message = (&b[message.0..message.1] != b"None").then_some(message);
            let end = span_end(b, rid, head.ce, group_end.max(head.ce));
            if self.code_key_in(head.ce, end) {
                return Err(Declined); // a body quoted in its message (WRAPPERS)
            }
            let f = sdk_finding(b, PYTHON_SDK, (head.c0, head.ce), message, rid);
            if !self.push((head.start, end), f) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// GO_SDK: its finditer, cut before text explained already and at the next error.
    fn go_sdk(&mut self, heads: &[Head]) -> R<bool> {
        let b = self.b;
        let n = b.len();
        // Each with its place among the heads (`next_error` looks for the next one from there).
        let gos: Vec<(usize, &Head)> = heads
            .iter()
            .enumerate()
            .filter(|(_, h)| h.form == GO_SDK)
            .collect();
        let mut pos = 0; // where the finder goes on from
        let mut next = 0;
        loop {
            while next < gos.len() && gos[next].1.h < pos {
                next += 1;
            }
            let Some(&(k, g)) = gos.get(next) else {
                return Ok(true);
            };
            next += 1;
            let mut mend = n.min(g.ms + WINDOW);
            let mut cut = false;
            if self.taken.overlaps(g.h, mend) {
                if let Some(inside) = self.taken.end_of(g.h) {
                    pos = inside;
                    continue;
                }
                let limit = self.taken.next_start(g.h).ok_or(Declined)?;
                pos = limit;
                let end = before_separators(b, g.h, limit);
                if g.ms > end {
                    continue;
                }
                mend = end.min(g.ms + WINDOW);
                cut = true;
            }
            if source_at(b, g.h) {
                return Err(Declined);
            }
            let group_end = match next_error(b, heads, k + 1, g.ce, mend) {
                Some(e) => {
                    pos = e;
                    e.min(g.ms + WINDOW)
                }
                None => {
                    if !cut {
                        pos = mend;
                    }
                    mend
                }
            };
            // `_split_request_id(message, ", RequestId=")`
            let (message, rid) = match self.rfind_request(b", RequestId=", 2, g.ms, group_end) {
                None => ((g.ms, rstrip(b, g.ms, group_end)), None),
                Some(label) => (
                    (g.ms, rstrip(b, g.ms, label)),
                    token_id(b, label + 12, group_end),
                ),
            };
            let message = (message.1 > message.0).then_some(message);
            let end = span_end(b, rid, g.ce, group_end.max(g.ce));
            if self.code_key_in(g.ce, end) {
                return Err(Declined);
            }
            let f = sdk_finding(b, GO_SDK, (g.c0, g.ce), message, rid);
            if !self.push((g.h, end), f) {
                return Ok(false);
            }
        }
    }

    /// forms.json_object(text, start, end), within the windows around `start` and `end`: the
    /// braces before `start` tried from the nearest back (`rfind`), at most eight of them.
    fn json_object(&mut self, start: usize, end: usize) -> R<Option<Span>> {
        let b = self.b;
        let (low, high) = (window_start(start), (end + WINDOW).min(b.len()));
        let w = &b[..high];
        // `find(w, "}", end)`: a `}` in w[end:].
        let close = self.closes.partition_point(|&c| c < end);
        if !self.closes.get(close).is_some_and(|&c| c < high) {
            return Ok(None);
        }
        let mut found = None;
        // The values read from the braces tried here, which an outer one holds: not read again.
        let mut known: [Known; 8] = [(0, Ok(0), 0); 8];
        let mut read = 0;
        let mut next = self.braces.partition_point(|&x| x < start);
        for _ in 0..8 {
            if next == 0 || self.braces[next - 1] < low {
                break;
            }
            next -= 1;
            let brace = self.braces[next];
            // A value read before, that ended within this window, ends there again.
            let value = match self.values[next] {
                Some((e, max)) if e <= high => {
                    known[read] = (brace, Ok(e), max);
                    read += 1;
                    Ok(e)
                }
                _ => {
                    let (value, max) = value_end_knowing(w, brace, &known[..read]);
                    if let Ok(e) = value {
                        self.values[next] = Some((e, max));
                        known[read] = (brace, value, max);
                        read += 1;
                    }
                    value
                }
            };
            match value {
                Err(JsonError::Invalid) => continue,
                Err(JsonError::TooDeep) => return Err(Declined),
                Ok(e) if e < end => break,
                Ok(e) => found = Some((brace, e)),
            }
        }
        Ok(found)
    }

    /// `_ERROR_KEY.search(text, lo, hi)`: `"Error"\s*:\s*\{` wholly in `b[lo:hi]`.
    fn error_key(&self, lo: usize, hi: usize) -> Option<usize> {
        let b = self.b;
        let first = self.errors.partition_point(|&k| k < lo);
        for &k in &self.errors[first..] {
            if k + 7 > hi {
                break;
            }
            let mut i = k + 7;
            while i < hi && b[i] == b' ' {
                i += 1;
            }
            if i < hi && b[i] == b':' {
                i += 1;
                while i < hi && b[i] == b' ' {
                    i += 1;
                }
                if i < hi && b[i] == b'{' {
                    return Some(k);
                }
            }
        }
        None
    }

    /// API3_JSON: `_API3_CODE`'s finditer, `_api3_json`, and the body's span.
    fn api3(&mut self) -> R<bool> {
        let b = self.b;
        let n = b.len();
        let codes = std::mem::take(&mut self.codes);
        for (k, &q) in codes.iter().enumerate() {
            let next = codes.get(k + 1).copied();
            let Some(((cs, ce), mend)) = api3_code_at(b, q) else {
                continue;
            };
            if next.is_some_and(|k| k < mend) {
                return Err(Declined); // a `"Code"` inside the match: finditer skips it
            }
            if self.taken.overlaps(q, mend) || source_at(b, q) {
                continue;
            }
            let low = window_start(q);
            if self.error_key(low, q).is_none() {
                continue;
            }
            let (bs, be) = self
                .json_object(q, mend)?
                .unwrap_or((low, n.min(mend + WINDOW)));
            if self.error_key(bs, q).is_none() {
                continue;
            }
            let message = json_string(b, b"\"Message\"", bs, be);
            let rid = self
                .api3_request_id(bs, be)
                .filter(|&(s, e)| !no_value(&b[s..e]));
            let span = match self.json_object(cs, ce)? {
                Some((s, e)) => (q.min(s), mend.max(e)),
                None => {
                    let brace = find_in(b, b"{", window_start(q), q);
                    let close = rfind(b, b"}", mend, n.min(mend + WINDOW));
                    (brace.unwrap_or(q), close.map_or(mend, |c| c + 1))
                }
            };
            let f = Finding::new(API3_JSON, (cs, ce), message, rid);
            if !self.push(span, f) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// LEGACY_MESSAGE: each `(` where `_LEGACY` matches, `_legacy_message` (no `"code"` here).
    fn legacy(&mut self) -> R<bool> {
        let b = self.b;
        let n = b.len();
        let mut pos = 0;
        while let Some(p) = find(b, b"(", pos) {
            pos = p + 1;
            let Some(((cs, ce), mend)) = legacy_at(b, p)? else {
                continue;
            };
            if self.taken.overlaps(p, mend) || source_at(b, p) {
                continue;
            }
            if p > 0 && b[p - 1] == b'\'' {
                return Err(Declined); // a single-quoted repr's string, read to its quote (`_legacy_message`)
            }
            let quoted = p > 0 && b[p - 1] == b'"';
            if !quoted && b[..p].contains(&b'"') {
                return Err(Declined); // maybe inside a string opened before it, read to its quote (`in_string`)
            }
            if !quoted && b[..p].ends_with(b"]: ") {
                return Err(Declined); // maybe a Node SDK error's first line (`_NODE_SDK_HEADER`)
            }
            let high = n.min(mend + WINDOW);
            let stop = if quoted {
                find_in(b, b"\"", mend, high)
            } else {
                None
            };
            let message = strip(b, mend, stop.unwrap_or(high));
            let module = b[cs..ce]
                .iter()
                .fold(0, |n, &c| n * 10 + u64::from(c - b'0'));
            let f = Finding {
                module_code: Some(module),
                ..Finding::new(LEGACY_MESSAGE, (cs, ce), Some(message), self.rid_near(mend))
            };
            if !self.push((p, mend), f) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// BARE_CODE: the identifiers that hold a name's literal and `_BareCodes` takes, outside the
    /// text explained; `_bare_code` (no `"code"` here: no logged error object).
    fn bare(&mut self, names_in: impl Fn(&[u8], usize, &mut Vec<Span>), words: &Words) -> R<bool> {
        let b = self.b;
        let n = b.len();
        // The literals in the text no form explained: a name that overlaps that text is no finding
        // (`taken.overlaps`), so the literals inside it need not be found. (Where spans nest, the
        // bisection's answers are not the union's: the line is declined, whatever is found here.)
        if self.taken.nested {
            return Err(Declined);
        }
        let mut names = Vec::with_capacity(MAX_FINDINGS); // room for a crowded line's names at once
        let mut free = 0;
        for &(s, e) in &self.taken.spans {
            if s > free {
                names_in(&b[free..s], free, &mut names);
            }
            free = free.max(e);
        }
        if free < n {
            names_in(&b[free..], free, &mut names);
        }
        let mut tokens = Vec::with_capacity(names.len());
        let mut done = 0;
        for (fs, fe) in names {
            if fs < done {
                continue;
            }
            let (s, e) = identifier_around(b, fs, fe);
            done = e;
            // A name in text explained is no finding, whatever it is (and it is not asked about).
            if !self.taken.overlaps(s, e) && bare_token(b, s, e, words)? {
                tokens.push((s, e));
            }
        }
        for (s, e) in tokens {
            if self.taken.overlaps(s, e) || source_at(b, s) {
                continue;
            }
            // `_AFTER_NAME`: `\s*(?::|-|,)\s+(\S.*)` in the window after the name.
            let high = n.min(e + WINDOW);
            let mut i = e;
            while i < high && b[i] == b' ' {
                i += 1;
            }
            let mut message = None;
            if i < high && matches!(b[i], b':' | b'-' | b',') {
                let mut j = i + 1;
                while j < high && b[j] == b' ' {
                    j += 1;
                }
                if j > i + 1 && j < high {
                    message = Some((j, rstrip(b, j, high)));
                }
            }
            let f = Finding::new(BARE_CODE, (s, e), message, self.rid_near(e));
            if !self.push((s, e), f) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// `KEY\s*:\s*"((?:[^"\\\n]|\\.){0,4096})"` searched in `b[lo:hi]` (no backslash here).
fn json_string(b: &[u8], key: &[u8], lo: usize, hi: usize) -> Option<Span> {
    let w = &b[..hi];
    let mut pos = lo;
    while let Some(k) = find(w, key, pos) {
        pos = k + 1;
        let mut i = k + key.len();
        while i < hi && w[i] == b' ' {
            i += 1;
        }
        if w.get(i) != Some(&b':') {
            continue;
        }
        i += 1;
        while i < hi && w[i] == b' ' {
            i += 1;
        }
        if w.get(i) != Some(&b'"') {
            continue;
        }
        if let Some(close) = find(w, b"\"", i + 1) {
            if close - (i + 1) <= WINDOW {
                return Some((i + 1, close));
            }
        }
    }
    None
}

/// The forms that print an error's request ID in its own text (extract.OWN_REQUEST_ID).
fn owns(form: u64) -> bool {
    matches!(form, PYTHON_SDK | GO_SDK | API3_JSON)
}

/// `_own_request_ids`: an error that takes its ID from the window around it does not take one
/// that another error printed as its own, where both windows start at the same place (`order`:
/// the findings' numbers in order of place). Past the first window a window's start is its error's
/// own place: only an owner at that very place (its neighbours in `order`) can share it. In the
/// first window every window starts at 0: the owners there are told apart by a sketch of their ID,
/// compared with each finding's before its text is (a sort of them and a bisection a finding, as
/// before, were a twentieth of a crowded line's reading).
fn own_request_ids(b: &[u8], found: &mut [Finding], order: &[usize]) {
    let text = |s: Span| &b[s.0..s.1];
    debug_assert!(found.len() <= MAX_FINDINGS && order.len() == found.len());
    let mut first: Vec<(u64, usize)> = Vec::with_capacity(found.len());
    let mut any = false;
    for (i, f) in found.iter().enumerate() {
        if let Some(rid) = f.request_id.filter(|_| owns(f.form)) {
            any = true;
            if window_start(f.code.0) == 0 {
                first.push((sketch(&[text(rid)]), i));
            }
        }
    }
    if !any {
        return;
    }
    let mut place = [0u8; MAX_FINDINGS]; // each finding's place in `order`
    for (at, &i) in order.iter().enumerate() {
        place[i] = at as u8;
    }
    for k in 0..found.len() {
        let f = &found[k];
        let Some(rid) = f.request_id.filter(|_| !owns(f.form)) else {
            continue;
        };
        let (id, code) = (text(rid), text(f.code));
        let (mut same_key, mut same_code) = (false, false);
        let mut compare = |g: &Finding| {
            if owns(g.form) && g.request_id.map(text) == Some(id) {
                same_key = true;
                same_code |= text(g.code) == code;
            }
        };
        if window_start(f.code.0) == 0 {
            let h = sketch(&[id]);
            for &(x, o) in &first {
                if x == h {
                    compare(&found[o]);
                }
            }
        } else {
            let at = usize::from(place[k]);
            let here = f.code.0;
            for &o in order[..at]
                .iter()
                .rev()
                .take_while(|&&o| found[o].code.0 == here)
            {
                compare(&found[o]);
            }
            for &o in order[at + 1..]
                .iter()
                .take_while(|&&o| found[o].code.0 == here)
            {
                compare(&found[o]);
            }
        }
        if same_key && !same_code {
            found[k].request_id = None;
        }
    }
}

/// A word that equal texts share, for keys that only group texts compared afterwards: each text's
/// length and its first and last eight bytes, mixed as FxHash mixes (hashing whole request IDs
/// was most of the keys' cost, and IDs differ in their first bytes).
fn sketch(texts: &[&[u8]]) -> u64 {
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    let mut h = 0;
    for t in texts {
        let n = t.len();
        let (first, last) = if n >= 8 {
            let word = |s: &[u8]| u64::from_le_bytes(s.try_into().expect("eight bytes"));
            (word(&t[..8]), word(&t[n - 8..]))
        } else {
            (t.iter().fold(0u64, |w, &c| (w << 8) | u64::from(c)), 0)
        };
        h = mix(mix(mix(h, n as u64), first), last);
    }
    h
}

/// `_once_a_line` of the findings in `order`: which of them are kept, in order. One per (code,
/// request ID) on the line; the SDK's own text of an error replaces a name of it standing alone
/// found before. Of the findings of one key, the first is kept where it is the SDK's own text
/// (`owns`), else the first that is, else the first: the findings in order, each key's kept one
/// found in a small open table by a sketch of the key, then compared whole (a sort of the sketches
/// grouped them before: a tenth of the line's reading went to the sort and the steps after it).
fn once_a_line(b: &[u8], found: &[Finding], order: &[usize]) -> Vec<usize> {
    const SLOTS: usize = 256; // more than twice MAX_FINDINGS: probes stay short
    const EMPTY: u8 = u8::MAX;
    debug_assert!(order.len() <= MAX_FINDINGS);
    let key_of = |f: &Finding| {
        f.request_id
            .map(|(rs, re)| (&b[f.code.0..f.code.1], &b[rs..re]))
    };
    let mut table = [(0u64, EMPTY); SLOTS]; // a key's sketch, and its kept finding's place in `kept`
    let mut kept: Vec<usize> = Vec::with_capacity(order.len());
    let mut dropped = 0u128; // by place in `kept`
    'findings: for &i in order {
        let f = &found[i];
        if let Some(key) = key_of(f) {
            let h = sketch(&[key.0, key.1]);
            let mut slot = (h >> 56) as usize % SLOTS;
            loop {
                let (x, at) = table[slot];
                if at == EMPTY {
                    table[slot] = (h, kept.len() as u8);
                    break;
                }
                let e = kept[usize::from(at)];
                if x == h && key_of(&found[e]) == Some(key) {
                    if owns(found[e].form) || !owns(f.form) {
                        continue 'findings; // the kept one stays
                    }
                    dropped |= 1 << at;
                    table[slot].1 = kept.len() as u8;
                    break;
                }
                slot = (slot + 1) % SLOTS;
            }
        }
        kept.push(i);
    }
    if dropped == 0 {
        return kept;
    }
    kept.into_iter()
        .enumerate()
        .filter(|&(at, _)| dropped & (1 << at) == 0)
        .map(|(_, i)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Words {
        let mut words = Words::default();
        for head in ["AuthFailure", "InternalError"] {
            words.heads.insert(head.as_bytes().to_vec());
        }
        words
    }

    /// The literals' spans as the candidate search gives them: every place of each family.
    fn read(line: &str) -> R<Vec<(String, u64, Option<String>)>> {
        let b = line.as_bytes();
        let names = |part: &[u8], offset: usize, out: &mut Vec<Span>| {
            let mut spans = Vec::new();
            for word in ["AuthFailure", "InternalError"] {
                let mut pos = 0;
                while let Some(at) = find(part, word.as_bytes(), pos) {
                    spans.push((at + offset, at + word.len() + offset));
                    pos = at + 1;
                }
            }
            spans.sort_unstable();
            out.extend(spans);
        };
        let text = |s: Span| String::from_utf8_lossy(&b[s.0..s.1]).into_owned();
        Ok(read_crowded(b, names, &words())?
            .into_iter()
            .map(|f| (text(f.code), f.form, f.request_id.map(text)))
            .collect())
    }

    fn found(code: &str, form: u64, rid: Option<&str>) -> (String, u64, Option<String>) {
        (code.to_string(), form, rid.map(str::to_string))
    }

    #[test]
    fn a_request_id_printed_by_an_error_is_not_taken_by_another_in_the_same_window() {
        let line = "b: (10630) x requestId=abcdef12 ; [TencentCloudSDKException] code:AuthFailure \
                    message:m requestId:abcdef12";
        assert_eq!(
            read(line),
            Ok(vec![
                found("10630", LEGACY_MESSAGE, None),
                found("AuthFailure", PYTHON_SDK, Some("abcdef12")),
            ])
        );
    }

    #[test]
    fn past_a_window_an_error_keeps_the_request_id_near_it() {
        // The windows of the SDK error and of the legacy code after it start apart (`_line_start`).
        let line = format!(
            "b: (10630) x ; {} ; [TencentCloudSDKException] code:AuthFailure message:m \
             requestId:abcdef12 ; (10650) z",
            "y".repeat(5000)
        );
        assert_eq!(
            read(&line),
            Ok(vec![
                found("10630", LEGACY_MESSAGE, None),
                found("AuthFailure", PYTHON_SDK, Some("abcdef12")),
                found("10650", LEGACY_MESSAGE, Some("abcdef12")),
            ])
        );
    }

    #[test]
    fn the_sdks_text_of_an_error_replaces_its_name_standing_alone() {
        let line = "b: InternalError ; [TencentCloudSDKError] Code=InternalError, Message=m, \
                    RequestId=abcdef12, ; (10630) x";
        assert_eq!(
            read(line),
            Ok(vec![
                found("InternalError", GO_SDK, Some("abcdef12")),
                found("10630", LEGACY_MESSAGE, None),
            ])
        );
    }

    use crate::Rng;

    /// Findings of random forms at random places of `b` (codes and request IDs among few texts),
    /// in a few runs in order of place, as the forms find them.
    fn random_findings(rng: &mut Rng, b: &[u8]) -> Vec<Finding> {
        let mut found = Vec::new();
        for _ in 0..1 + rng.below(5) {
            let mut at = rng.below(40);
            for _ in 0..rng.below(25) {
                at += 1 + rng.below(60) * rng.below(2);
                if at + 40 > b.len() {
                    break;
                }
                let code = (at, at + 2 + rng.below(2));
                let rid = (rng.below(4) > 0).then(|| {
                    let s = 5000 + rng.below(4) * 8;
                    (s, s + 8)
                });
                let forms = [PYTHON_SDK, GO_SDK, API3_JSON, LEGACY_MESSAGE, BARE_CODE];
                found.push(Finding::new(forms[rng.below(forms.len())], code, None, rid));
            }
        }
        found.truncate(MAX_FINDINGS);
        found
    }

    /// `_once_a_line` as Python writes it: a map of the keys seen.
    fn once_a_line_by_map(b: &[u8], found: &[Finding], order: &[usize]) -> Vec<usize> {
        let mut kept: Vec<Option<usize>> = Vec::new();
        let mut seen: std::collections::HashMap<(&[u8], &[u8]), usize> = Default::default();
        for &i in order {
            let f = &found[i];
            if let Some((rs, re)) = f.request_id {
                let key = (&b[f.code.0..f.code.1], &b[rs..re]);
                if let Some(&at) = seen.get(&key) {
                    match kept[at] {
                        Some(e) if !owns(found[e].form) && owns(f.form) => kept[at] = None,
                        _ => continue,
                    }
                }
                seen.insert(key, kept.len());
            }
            kept.push(Some(i));
        }
        kept.into_iter().flatten().collect()
    }

    /// `_own_request_ids` as Python writes it: a map of the IDs each window's owners print.
    fn own_request_ids_by_map(b: &[u8], found: &mut [Finding]) {
        let text = |s: Span| b[s.0..s.1].to_vec();
        let mut owned: std::collections::HashMap<(usize, Vec<u8>), Vec<Vec<u8>>> =
            Default::default();
        for f in found.iter().filter(|f| owns(f.form)) {
            if let Some(rid) = f.request_id {
                owned
                    .entry((window_start(f.code.0), text(rid)))
                    .or_default()
                    .push(text(f.code));
            }
        }
        for f in found.iter_mut().filter(|f| !owns(f.form)) {
            if let Some(rid) = f.request_id {
                if let Some(codes) = owned.get(&(window_start(f.code.0), text(rid))) {
                    if !codes.contains(&text(f.code)) {
                        f.request_id = None;
                    }
                }
            }
        }
    }

    #[test]
    fn a_comma_or_space_is_found_as_a_byte_at_a_time() {
        let mut rng = Rng(9);
        for _ in 0..3000 {
            let b: Vec<u8> = (0..rng.below(40))
                .map(|_| b"a, -+\x80"[rng.below(6)])
                .collect();
            for from in 0..=b.len() {
                let plain = (from..b.len()).find(|&i| b[i] == b',' || b[i] == b' ');
                assert_eq!(
                    comma_or_space(&b, from),
                    plain.unwrap_or(b.len()),
                    "{b:?} {from}"
                );
            }
        }
    }

    #[test]
    fn spans_added_tell_a_nesting_as_overlaps_does() {
        let mut rng = Rng(5);
        for _ in 0..3000 {
            let (mut ours, mut nested) = (Spans::default(), false);
            let mut bisected: Vec<Span> = Vec::new(); // each span put where bisection puts it
            let mut s = rng.below(200);
            for _ in 0..1 + rng.below(30) {
                // Runs in order (as a form adds them), and jumps back (as the next form's first).
                s = if rng.below(3) == 0 {
                    rng.below(200)
                } else {
                    s + rng.below(15)
                };
                let e = s + rng.below(3) * rng.below(20);
                nested |= ours.overlaps(s, e);
                ours.add(s, e);
                assert_eq!(ours.nested, nested);
                bisected.insert(bisected.partition_point(|&(v, _)| v < s), (s, e));
                assert_eq!(ours.spans, bisected);
            }
            assert!(ours.spans.windows(2).all(|w| w[0].0 <= w[1].0));
        }
    }

    #[test]
    fn a_tokens_id_is_read_as_from_its_first_word() {
        // As `.strip().split(" ", 1)[0]` then `_request_id_token`, on words of the bytes that matter.
        let parts: [&[u8]; 10] = [
            b" ",
            b"ab12cd34",
            b"%!d(string=",
            b")",
            b"'",
            b"\"",
            b"-",
            b"_x",
            b"none",
            b"9",
        ];
        let mut rng = Rng(11);
        for _ in 0..20000 {
            let mut b = Vec::new();
            for _ in 0..rng.below(7) {
                b.extend_from_slice(parts[rng.below(parts.len())]);
            }
            let (s, e) = strip(&b, 0, b.len());
            let end = b[s..e].iter().position(|&c| c == b' ').map_or(e, |k| s + k);
            assert_eq!(
                token_id(&b, 0, b.len()),
                request_id_token(&b, s, end),
                "{:?}",
                String::from_utf8_lossy(&b)
            );
        }
    }

    #[test]
    fn the_steps_after_the_forms_agree_with_their_plain_writing() {
        // Few distinct texts: codes and request IDs repeat, so keys and windows are shared.
        let b: Vec<u8> = (0..6000).map(|i| b"abAB"[(i * 7 / 3) % 4]).collect();
        let mut rng = Rng(7);
        for _ in 0..3000 {
            let found = random_findings(&mut rng, &b);
            let mut order: Vec<usize> = (0..found.len()).collect();
            order.sort_by_key(|&i| found[i].code.0);
            assert_eq!(in_order(&found), order);
            let (mut ours, mut theirs) = (found.clone(), found);
            own_request_ids(&b, &mut ours, &order);
            own_request_ids_by_map(&b, &mut theirs);
            assert_eq!(ours, theirs);
            assert_eq!(
                once_a_line(&b, &ours, &order),
                once_a_line_by_map(&b, &ours, &order)
            );
        }
    }

    /// A line as `read_crowded` begins it: nothing found yet, its request labels unread.
    fn line_of<'a>(b: &'a [u8], literals: &Literals) -> Line<'a> {
        Line {
            b,
            taken: Spans::default(),
            found: Vec::new(),
            rids: literals.requests.iter().map(|&at| (at, None)).collect(),
            rid_hint: 0,
            codes: Vec::new(),
            errors: Vec::new(),
            values: Vec::new(),
            braces: Vec::new(),
            closes: Vec::new(),
        }
    }

    #[test]
    fn a_labels_place_from_the_lines_requests_is_rfinds() {
        let line = "x requestId:a1 RequestId=b ; , RequestId=c2 REQUESTID: requestid requestId:zz , Request";
        let b = line.as_bytes();
        let literals = Literals::of(b).expect("read");
        let l = line_of(b, &literals);
        for (label, at) in [(&b" requestId:"[..], 1), (&b", RequestId="[..], 2)] {
            for lo in 0..b.len() {
                for hi in lo..=b.len() {
                    assert_eq!(
                        l.rfind_request(label, at, lo, hi),
                        rfind(b, label, lo, hi),
                        "{lo} {hi}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_request_id_near_is_found_from_the_last_answer_as_from_none() {
        // Long lines (windows start inside them), places asked in runs forward and jumps back.
        let mut rng = Rng(13);
        for _ in 0..200 {
            let mut line = String::new();
            while line.len() < 12000 {
                match rng.below(4) {
                    0 => line.push_str(&format!(" requestId={:08x}", rng.below(1 << 30))),
                    1 => line.push_str(" request x"),
                    _ => line.push_str(&"y".repeat(rng.below(900))),
                }
            }
            let b = line.as_bytes();
            let literals = Literals::of(b).expect("read");
            let fresh = || line_of(b, &literals);
            let mut asked = fresh();
            let mut pos = rng.below(b.len());
            for _ in 0..60 {
                pos = if rng.below(4) == 0 {
                    rng.below(b.len())
                } else {
                    (pos + rng.below(700)).min(b.len() - 1)
                };
                assert_eq!(asked.rid_near(pos), fresh().rid_near(pos), "{pos}");
            }
        }
    }

    #[test]
    fn a_python_sdk_error_beside_others_is_read() {
        let line = "b: [TencentCloudSDKException] code:AuthFailure message:m requestId:abcdef12 ; (10630) x";
        assert_eq!(
            read(line),
            Ok(vec![
                found("AuthFailure", PYTHON_SDK, Some("abcdef12")),
                found("10630", LEGACY_MESSAGE, None),
            ])
        );
    }

    #[test]
    fn no_more_than_max_findings() {
        let line = format!("b: {}", vec!["(10630) x"; 150].join(" ; "));
        assert_eq!(read(&line).map(|f| f.len()), Ok(MAX_FINDINGS));
    }

    #[test]
    fn what_it_does_not_read_is_declined() {
        for line in [
            "b: (10630) x \\ (10650) y",                         // an escape
            "b: (10630) x ; (10650) 密",                         // more than ASCII
            "b: (10630) x ; Code: AuthFailure, Message: m",      // another form
            "b: x=\"[TencentCloudSDKError] Code=A, Message=m\"", // SDK text in quotes
            "b: TencentCloudSDKError ; (10630) x",               // not a head
            "    (10630) x ; (10650) y",                         // a traceback's source line, maybe
            // A Python SDK error whose code would hold a space, or has no ` message:` after it.
            "b: [TencentCloudSDKException] code:Auth Failure message:m ; (10630) x",
            "b: [TencentCloudSDKException] code:AuthFailure  message:m ; (10630) x",
            "b: [TencentCloudSDKException] code:AuthFailure message;m ; (10630) x",
            "b: (10630) x ; [TencentCloudSDKException] code:AuthFailure",
        ] {
            assert_eq!(read(line), Err(Declined), "{line}");
        }
    }
}

//! grep's plain output of a block, assembled here: Python touches only the lines left as holes.
//!
//! `kmserr.search.Search._plain_block` prints each matched line as its prefix (`name:` with -H,
//! `N:` with -n), its bytes, a tail that depends on its errors' meanings alone (the key below)
//! and a newline. A search keeps the tails it has worked out in a `Tails` table of its own (a
//! core is shared by searches with different printers); a line read here whose key is in the
//! table is written out here. Every other line of the block that may print is a hole: a line
//! this core did not read (Python's extractor reads it), or a key the table does not hold yet
//! (Python works its tail out once and `put`s it). A block with rich's exception line, whose next
//! lines Python reads whatever the core says, is not assembled at all (`Assembled::Declined`).
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io::Write;

use crate::envelope::{cut_record, NO_ENVELOPE};
use crate::lanes::{above, flags16};
use crate::reader::{contains, find, Finding};
use crate::scan::word_at;
use crate::{push, Core, NONE, RECORD};

/// rich's exception line (`kmserr.forms.RICH_HEAD`): the lines below it are Python's to read.
pub const RICH_HEAD: &[u8] = b"TencentCloudSDKException:";
/// The SDK's mark that a RichHandler record wraps its text after (`kmserr.forms.RICH_LOG_MARK`).
const RICH_LOG_MARK: &[u8] = b"[TencentCloudSDKException]";
/// Lines of a RichHandler record above the line with its mark (`kmserr.extract.MAX_RECORD_LINES`).
const MAX_RECORD_LINES: usize = 8;

/// Whether Python reads the line `buf[ls..le]` with the RichHandler record above it
/// (`kmserr.scan.rich_head`): the SDK's mark with no request ID after it on the line or on one of
/// the indented lines just above it, and the record's first line (its time and level) there or
/// above, within `buf[start..]` (the SDK's text wrapped at the record's column).
fn rich_record_line(buf: &[u8], start: usize, ls: usize, le: usize) -> bool {
    if buf.get(ls) != Some(&b' ') && !contains(&buf[ls..le], RICH_LOG_MARK) {
        return false; // only an indented line looks back: a time or a record's `{` first is neither
    }
    let (mut at, mut end, mut marked) = (ls, le, false);
    for _ in 0..2 * MAX_RECORD_LINES {
        if !marked {
            if let Some(mark) = find(&buf[at..end], RICH_LOG_MARK, 0) {
                if contains(&buf[at + mark..end], b"requestId:") {
                    return false; // the SDK's text ends on its line
                }
                marked = true;
            }
        }
        if marked && record_first_line(&buf[at..end]) {
            return true;
        }
        if at <= start || buf[at] != b' ' {
            return false;
        }
        end = at - 1;
        at = line_above(buf, start, at);
    }
    false
}

/// Where the line above the one at `at` (> `start`) begins, within `buf[start..]`.
fn line_above(buf: &[u8], start: usize, at: usize) -> usize {
    buf[start..at - 1]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(start, |p| start + p + 1)
}

/// rich's box around a traceback's frames: its border before a line's content, its last line's first character.
const BOX_SIDE: &[u8] = "\u{2502}".as_bytes();
const BOX_BOTTOM: &[u8] = "\u{2570}".as_bytes();

/// A line of rich's output without its indentation and a box's border (`kmserr.scan._content`).
fn content(line: &[u8]) -> &[u8] {
    let trim = |b: &[u8]| -> usize { b.iter().take_while(|&&c| c == b' ').count() };
    let mut line = &line[trim(line)..];
    if line.starts_with(BOX_SIDE) {
        line = &line[BOX_SIDE.len()..];
        line = &line[trim(line)..];
    }
    let end = line
        .iter()
        .rposition(|&c| !matches!(c, b' ' | b'\t' | b'\r'))
        .map_or(0, |p| p + 1);
    &line[..end]
}

/// Whether the line `buf[ls..le]` is of rich's exception line of a class that wraps the SDK's
/// text (`raise DecryptError(f"...: {e}") from e`; `kmserr.scan._wrapper_head`): that line, below
/// a traceback's box, begins with a class's name and `: `, and the SDK's mark, with no request ID
/// after it on its line, stands on it or below, down to this line (MAX_RECORD_LINES at most).
fn rich_wrapper_line(buf: &[u8], start: usize, ls: usize, le: usize) -> bool {
    if !contains(&buf[start.max(ls.saturating_sub(4096))..le], RICH_LOG_MARK) {
        return false; // no mark on this line or the lines above it (`kmserr.forms.WRAPPED_WINDOW`)
    }
    let (mut at, mut end) = (ls, le);
    let mut marked = false;
    for _ in 0..MAX_RECORD_LINES {
        let text = content(&buf[at..end]);
        if text.is_empty() || at <= start {
            return false;
        }
        if let Some(mark) = find(text, RICH_LOG_MARK, 0) {
            if contains(&text[mark..], b"requestId:") {
                return false; // the SDK's text ends on its line
            }
            marked = true;
        }
        let above = line_above(buf, start, at);
        let above_text = content(&buf[above..at - 1]);
        let spaces = |b: &[u8]| b.iter().take_while(|&&c| c == b' ').count();
        let indent = spaces(&buf[at..end]);
        // Below rich's box, or below Python's own traceback's source line, indented deeper (RichHandler's column).
        let deeper = indent > 0
            && spaces(&buf[above..at - 1]) > indent
            && !above_text.is_empty()
            && !buf[at + indent..end].starts_with(BOX_SIDE);
        if above_text.starts_with(BOX_BOTTOM) || deeper {
            let name = text
                .iter()
                .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
                .count();
            return marked
                && name > 0
                && !text[0].is_ascii_digit()
                && text[name..].starts_with(b": ")
                && !text.starts_with(RICH_HEAD)
                && !text.starts_with(RICH_LOG_MARK);
        }
        end = at - 1;
        at = above;
    }
    false
}

/// Lines of the SDK's class's name that RichHandler folded above the line with its mark
/// (`kmserr.forms.MAX_FOLDS`).
const MAX_FOLDS: usize = 3;

/// Whether `name` is Python's name of the SDK's class with its module, then `:`
/// (`kmserr.scan._FOLDED_CLASS`: `[A-Za-z_][\w.]*\.TencentCloudSDKException:`).
fn folded_class(name: &[u8]) -> bool {
    const CLASS: &[u8] = b".TencentCloudSDKException:";
    name.len() > CLASS.len()
        && name.ends_with(CLASS)
        && (name[0].is_ascii_alphabetic() || name[0] == b'_')
        && name[..name.len() - CLASS.len()]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
}

/// Whether the line `buf[ls..le]` is of Python's own exception line of the SDK's class whose module
/// and name RichHandler folded at its column, no line holding the whole `TencentCloudSDKException:`
/// (`kmserr.scan._folded_head`): the SDK's mark, no request ID after it on its line, on this line
/// or one of MAX_RECORD_LINES above, below MAX_FOLDS one-word lines that end the class's name.
fn rich_folded_line(buf: &[u8], start: usize, ls: usize, le: usize) -> bool {
    let (mut at, mut end) = (ls, le);
    for _ in 0..MAX_RECORD_LINES {
        let text = content(&buf[at..end]);
        if text.is_empty() || at <= start {
            return false;
        }
        let above = line_above(buf, start, at);
        if let Some(mark) = find(text, RICH_LOG_MARK, 0) {
            let mut name = text[..mark].to_vec();
            while name.last() == Some(&b' ') {
                name.pop();
            }
            if contains(&text[mark..], b"requestId:")
                || name.contains(&b' ')
                || (!name.is_empty() && !name.ends_with(b":"))
            {
                return false;
            }
            let (mut at, mut above) = (at, above);
            for _ in 0..MAX_FOLDS {
                if at <= start {
                    return false;
                }
                let piece = content(&buf[above..at - 1]);
                if piece.is_empty() || piece.contains(&b' ') {
                    return false;
                }
                name.splice(0..0, piece.iter().copied());
                if folded_class(&name) {
                    return true;
                }
                at = above;
                if at <= start {
                    return false;
                }
                above = line_above(buf, start, at);
            }
            return false;
        }
        end = at - 1;
        at = above;
    }
    false
}

/// The first bytes of a line that a platform's envelope may hold (`kmserr.scan.ENVELOPE_FIRST`):
/// a JSON record, `<PRI>`, kubectl's `[pod/`, a time, a month.
const ENVELOPE_FIRST: &[u8] = b"{<[\x1e0123456789JFMASOND";

/// Whether a line in a platform's envelope (a CRI or Docker record, `kubectl logs`, syslog: a
/// RichHandler record in a container's log) may hold a RichHandler record's SDK text that Python
/// reads with the record's lines (`kmserr.scan.rich_head` reads the app's line inside each): the
/// SDK's mark without `requestId:` after it on this line, or on one of the enveloped lines above
/// it (2 * MAX_RECORD_LINES at most) with no request ID's line between; a record cut short is a
/// chain's, not rich's. Looser than Python's test: a yes only leaves the block to Python.
fn enveloped_rich_line(buf: &[u8], start: usize, ls: usize, le: usize) -> bool {
    let (mut at, mut end) = (ls, le);
    for _ in 0..2 * MAX_RECORD_LINES {
        let line = &buf[at..end];
        if !line.first().is_some_and(|c| ENVELOPE_FIRST.contains(c)) {
            return false;
        }
        if let Some(mark) = find(line, RICH_LOG_MARK, 0) {
            return !contains(&line[mark..], b"requestId:") && !cut_record(line);
        }
        if at < ls && contains(line, b"requestId:") {
            return false; // the SDK's text above ended there
        }
        if at <= start {
            return false;
        }
        end = at - 1;
        at = line_above(buf, start, at);
    }
    false
}

/// Whether `buf[start..end]` holds the SDK's mark without `requestId:` after it on its line
/// (`kmserr.scan.rich_marks_open`): only then is a line in an envelope looked back from.
fn marks_open(buf: &[u8], start: usize, end: usize) -> bool {
    let block = &buf[start..end];
    let mut from = 0;
    while let Some(mark) = find(block, RICH_LOG_MARK, from) {
        let line_end = block[mark..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(block.len(), |p| mark + p);
        if !contains(&block[mark..line_end], b"requestId:") {
            return true;
        }
        from = line_end;
    }
    false
}

/// Whether a line begins as a RichHandler record's first line (`kmserr.forms.RICH_LOG_RECORD`):
/// its time in brackets (or blanks), then its level and a space.
fn record_first_line(line: &[u8]) -> bool {
    let mut i = 0;
    if line.first() == Some(&b'[') {
        match line.iter().take(66).position(|&c| c == b']') {
            Some(p) if line.get(p + 1) == Some(&b' ') => i = p + 1,
            _ => return false,
        }
    }
    while line.get(i) == Some(&b' ') {
        i += 1;
    }
    [
        &b"CRITICAL"[..],
        b"ERROR",
        b"WARNING",
        b"INFO",
        b"DEBUG",
        b"NOTSET",
    ]
    .iter()
    .any(|level| line[i..].starts_with(level) && line.get(i + level.len()) == Some(&b' '))
}
/// A longer line is a hole: Python writes it in pieces (`LinePrinter.matched_with_tail`).
pub const LONG_LINE: usize = 65536;
/// Words of a hole: where it goes in the output, its line number (0 when not counted), the slot
/// its tail goes in (`Tails::put`, `Tails::put_json`; NONE: none), in JSON whether its message
/// agrees as this core reads it (`Rule::agrees`; NONE: not known), then the line's record.
pub const HOLE: usize = 4 + RECORD;

/// How a block's matched lines are written.
pub struct Layout<'a> {
    /// `name:` with -H, else empty.
    pub prefix: &'a [u8],
    /// Whether `N:` follows the prefix (-n).
    pub show_numbers: bool,
    /// Whether lines are counted (else every line number is 0, as `LineScanner` has it).
    pub count: bool,
    /// Lines before the block.
    pub lines_before: u64,
    /// Only count the lines read with an error (grep -c): nothing written, no tails asked for.
    pub count_only: bool,
    /// JSON Lines (`render.json.matched_line`): `prefix` is the record's `{"file": ...` part.
    pub json: bool,
}

/// Whether a message agrees with the catalogue's (`kmserr.registry.message_agrees`), by how a
/// meaning's entry documents it; `agrees` gives the index of `Meaning::Known`'s parts: 0 None
/// (nothing to compare), 1 False, 2 True (`Explanation.message_agrees`).
pub enum Rule {
    /// No entry, or an entry without a message: None.
    Nothing,
    /// The entry's message, and its templates' text around `%s`, normalised (`registry._normalise`);
    /// whether the message is ASCII (a Chinese message cannot be compared with it).
    Compare {
        ascii: bool,
        documented: Vec<u8>,
        templates: Vec<(Vec<u8>, Vec<u8>)>,
    },
}

/// What a search knows of a meaning's JSON: Python renders its lines, or its rule and the three
/// parts of a match's record around the message, the request ID and the span, by agreement.
pub enum Meaning {
    Python,
    Known {
        rule: Rule,
        parts: Box<[Option<[Vec<u8>; 3]>; 3]>,
    },
}

/// `str.isspace()` of an ASCII character, as `\s` of a str regex and `strip()` see it.
fn space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f)
}

fn strip(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if !space(*first) {
            break;
        }
        b = rest;
    }
    while let [rest @ .., last] = b {
        if !space(*last) {
            break;
        }
        b = rest;
    }
    b
}

const COMPARED: usize = 1024; // registry._COMPARED

impl Rule {
    /// From Python's bytes (`_native.agree_rule`): `N`, or `A` (an ASCII message) or `C` then
    /// length-prefixed (u32 LE) strings: the documented message, then each template's head and tail.
    pub fn from_bytes(b: &[u8]) -> Option<Rule> {
        match b.split_first()? {
            (b'N', []) => Some(Rule::Nothing),
            (&kind @ (b'A' | b'C'), mut rest) => {
                let mut strings = Vec::new();
                while !rest.is_empty() {
                    let n = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
                    strings.push(rest.get(4..4 + n)?.to_vec());
                    rest = &rest[4 + n..];
                }
                if strings.len() % 2 != 1 {
                    return None;
                }
                let documented = strings.remove(0);
                let mut templates = Vec::new();
                let mut pairs = strings.into_iter();
                while let (Some(head), Some(tail)) = (pairs.next(), pairs.next()) {
                    templates.push((head, tail));
                }
                Some(Rule::Compare {
                    ascii: kind == b'A',
                    documented,
                    templates,
                })
            }
            _ => None,
        }
    }

    /// Whether the finding's message agrees: 0 None, 1 False, 2 True; None: not known here (a
    /// message with other characters than ASCII and Chinese: Python's to tell).
    pub fn agrees(&self, f: &Finding, line: &[u8]) -> Option<usize> {
        let Rule::Compare {
            ascii,
            documented,
            templates,
        } = self
        else {
            return Some(0);
        };
        let Some(said) = said(f, line)? else {
            return Some(0);
        };
        if !said.is_ascii() {
            // `explain_finding`: a Chinese message is not compared with an ASCII one.
            return (*ascii && has_cjk(said)).then_some(0);
        }
        Some(compare(said, documented, templates))
    }
}

/// `registry.message_agrees` of an ASCII message: 1 False, 2 True.
fn compare(said: &[u8], documented: &[u8], templates: &[(Vec<u8>, Vec<u8>)]) -> usize {
    let said = &said[..said.len().min(COMPARED)];
    if begins_with(said, documented) {
        return 2; // most messages: their first words read, nothing made
    }
    let given = normalise(said);
    if given.is_empty() {
        return 1;
    }
    if !documented.is_empty() && given.starts_with(documented) {
        return 2;
    }
    for (head, tail) in templates {
        // `head\s*\S.*?\s*tail` matched at the start: the \S is the first non-space after
        // the head, and the tail is anywhere after it.
        let Some(rest) = given.strip_prefix(&head[..]) else {
            continue;
        };
        let Some(first) = rest.iter().position(|&c| c != b' ') else {
            continue;
        };
        if tail.is_empty() || crate::reader::find(rest, tail, first + 1).is_some() {
            return 2;
        }
    }
    1
}

/// Whether `explanation._has_cjk` holds of UTF-8 text: a CJK or full-width character in its
/// first `_CACHED_MESSAGE` characters.
fn has_cjk(text: &[u8]) -> bool {
    std::str::from_utf8(text).is_ok_and(|t| {
        t.chars().take(512).any(|c| {
            ('\u{3000}'..='\u{9fff}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c)
        })
    })
}

/// `explanation._legacy_text`: the message, without the legacy code that begins it when the
/// finding has a module code; Some(None) when there is none or it is empty (nothing to compare);
/// None: not known here (a message of more than ASCII with a module code: Unicode's blanks).
fn said<'a>(f: &Finding, line: &'a [u8]) -> Option<Option<&'a [u8]>> {
    let Some((a, b)) = f.message else {
        return Some(None);
    };
    let message = &line[a..b];
    if f.module_code.is_some() && !message.is_ascii() {
        return None;
    }
    let mut said = message;
    let lead = message.iter().take_while(|&&c| space(c)).count();
    if f.module_code.is_some() && message.get(lead) == Some(&b'(') {
        // forms._LEGACY_AT_START: `\s*\(([0-9]{3,6})\)\s?(.*)`, then strip()
        let digits = message[lead + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let close = lead + 1 + digits;
        if (3..=6).contains(&digits) && message.get(close) == Some(&b')') {
            let mut at = close + 1;
            if message.get(at).is_some_and(|&c| space(c)) {
                at += 1;
            }
            said = strip(&message[at..]);
        }
    }
    Some((!said.is_empty()).then_some(said))
}

/// Whether json.dumps writes `text` (a line without its `\r`) as it is but for its ASCII escapes,
/// and `controls.json_safe` escapes none of it (`render.json._text`): ASCII but DEL, and
/// characters of the blocks where Chinese text and its punctuation stand.
fn plain_chars(text: &[u8]) -> bool {
    // ASCII but DEL, eight bytes a turn (most lines), before any decoding.
    let mut words = text.chunks_exact(8);
    let odd = words.by_ref().fold(0, |odd, w| {
        odd | above(u64::from_le_bytes(w.try_into().expect("eight bytes")))
    });
    if odd == 0 && words.remainder().iter().all(|&c| c < 0x7f) {
        return true;
    }
    if std::str::from_utf8(text).is_err() {
        return false;
    }
    // Valid UTF-8: each character above ASCII decoded from its bytes, the ASCII ones skipped
    // eight at a time (`str::chars` costs a few times more on a line of mostly ASCII).
    let mut i = 0;
    while i < text.len() {
        if i + 8 <= text.len() && above(word_at(text, i)) == 0 {
            i += 8;
            continue;
        }
        let c = text[i];
        let (point, n) = match c {
            0..=0x7f => (u32::from(c), 1),
            0xc0..=0xdf => (u32::from(c & 0x1f) << 6 | u32::from(text[i + 1] & 0x3f), 2),
            0xe0..=0xef => (
                u32::from(c & 0x0f) << 12
                    | u32::from(text[i + 1] & 0x3f) << 6
                    | u32::from(text[i + 2] & 0x3f),
                3,
            ),
            _ => (0x10000, 4), // beyond the ranges below
        };
        if !matches!(point,
            0..=0x7e | 0xa0..=0xac | 0xae..=0x2ff | 0x2010..=0x2027 | 0x2030..=0x205e
            | 0x3000..=0x3163 | 0x3165..=0x9fff | 0xff00..=0xff9f)
        {
            return false;
        }
        i += n;
    }
    true
}

/// Whether a finding read unescaped has a message and request ID that `plain_chars` lets through
/// (json.dumps and `json_safe` write them as they are, but for their ASCII escapes); true of one
/// read from the line itself, whose line `plain_chars` is asked about.
fn fields_plain(f: &Finding) -> bool {
    let Some(text) = f.unescaped.as_deref() else {
        return true;
    };
    let plain = |span: Option<(usize, usize)>| span.map_or(true, |(a, b)| plain_chars(&text[a..b]));
    plain(f.message) && plain(f.request_id)
}

/// Whether `normalise(text)` starts with `documented` (normalised, not empty), read only as far
/// as it takes: the spaces and dots that `normalise` trims at the end cannot be part of it.
fn begins_with(text: &[u8], documented: &[u8]) -> bool {
    let (mut k, mut blank, mut started) = (0, false, false);
    // The next character of normalise's output: Some(whether `documented` is matched) once known.
    let mut next = |c: u8| {
        if !started && (c == b' ' || c == b'.') {
            return None;
        }
        started = true;
        if documented.get(k) != Some(&c) {
            return Some(false);
        }
        k += 1;
        (k == documented.len()).then_some(true)
    };
    for &c in text {
        if matches!(c, b'"' | b'\'' | b'`') {
            continue;
        }
        if space(c) {
            blank = true;
            continue;
        }
        if std::mem::take(&mut blank) {
            if let Some(done) = next(b' ') {
                return done;
            }
        }
        if let Some(done) = next(c.to_ascii_lowercase()) {
            return done;
        }
    }
    false
}

/// `registry._normalise` of ASCII text: lower case, no quotes, blanks as one space, no spaces or
/// dots at either end.
fn normalise(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut blank = false;
    for &c in text {
        if matches!(c, b'"' | b'\'' | b'`') {
            continue;
        }
        if space(c) {
            blank = true;
            continue;
        }
        if blank {
            out.push(b' ');
            blank = false;
        }
        out.push(c.to_ascii_lowercase());
    }
    if blank {
        out.push(b' ');
    }
    let start = out
        .iter()
        .position(|&c| c != b' ' && c != b'.')
        .unwrap_or(out.len());
    let end = out
        .iter()
        .rposition(|&c| c != b' ' && c != b'.')
        .map_or(start, |i| i + 1);
    out.truncate(end);
    out.drain(..start);
    out
}

/// A number in decimal, as Python's `str` of an int writes it (without `fmt`'s machinery, and
/// without a call to copy its few digits): below 10^8 (line numbers, spans), two digits a step
/// into one word, written whole and cut back to its digits.
fn decimal(out: &mut Vec<u8>, n: u64) {
    let mut m = match u32::try_from(n) {
        Ok(m) if m < 100_000_000 => m,
        _ => return long_decimal(out, n),
    };
    // The digits found last (the first of the number) go in the word's lowest bytes.
    let (mut word, mut digits) = (0u64, 0);
    while m >= 100 {
        word = word << 16 | u64::from(PAIRS[(m % 100) as usize]);
        m /= 100;
        digits += 2;
    }
    if m >= 10 {
        word = word << 16 | u64::from(PAIRS[m as usize]);
        digits += 2;
    } else {
        word = word << 8 | u64::from(b'0' + m as u8);
        digits += 1;
    }
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(out.len() - 8 + digits);
}

/// The two digits of 0 to 99, the first in the low byte.
const PAIRS: [u16; 100] = {
    let mut pairs = [0u16; 100];
    let mut i = 0;
    while i < 100 {
        pairs[i] = (b'0' + (i / 10) as u8) as u16 | ((b'0' + (i % 10) as u8) as u16) << 8;
        i += 1;
    }
    pairs
};

/// `decimal` of a number of more than eight digits, a digit at a time.
fn long_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Text that `plain_chars` let through, as json.dumps writes a string with ensure_ascii off
/// (`json.encoder.encode_basestring`).
fn json_text(out: &mut Vec<u8>, text: &[u8]) {
    json_string(out, text, true);
}

/// `json_text` of text, sixteen bytes a turn (`lanes::flags16`); unless `checked`, the text is
/// asked `plain_chars` at its first byte above ASCII but DEL: false (`out` part written) where
/// it is not plain.
fn json_string(out: &mut Vec<u8>, text: &[u8], mut checked: bool) -> bool {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut at = 0;
    while at < text.len() {
        // Sixteen bytes copied whatever they hold (the last fewer), then cut back at the first
        // that needs a look, if one does (most do not: the runs between escapes are long but
        // in JSON bodies).
        let rest = text.len() - at;
        let (flags, len) = if rest >= 16 {
            let chunk: &[u8; 16] = text[at..at + 16].try_into().expect("sixteen bytes");
            out.extend_from_slice(chunk);
            (flags16(chunk, checked), 16)
        } else {
            // The last bytes: the sixteen that end the text (or the few there are, padded), the
            // flags of those before `at` shifted out.
            let mut window = [b' '; 16];
            let end = text.len();
            if end >= 16 {
                window.copy_from_slice(&text[end - 16..]);
            } else {
                window[16 - end..].copy_from_slice(text);
            }
            out.extend_from_slice(&text[at..]);
            (flags16(&window, checked) >> (16 - rest), rest)
        };
        if flags != 0 && !escapes(out, text, at, len, flags, &mut checked) {
            return false;
        }
        at += len;
    }
    out.push(b'"');
    true
}

/// The flagged bytes (`flags`, bit k for byte `at + k`) of the `len` bytes at `at` just copied to
/// `out` as they are: cut back to the first, then each one's escape and the run after it (a
/// byte above ASCII flagged before the text was known plain needs no escape: it is written).
fn escapes(
    out: &mut Vec<u8>,
    text: &[u8],
    at: usize,
    len: usize,
    mut flags: u32,
    checked: &mut bool,
) -> bool {
    let mut k = flags.trailing_zeros() as usize;
    out.truncate(out.len() - len + k);
    loop {
        flags &= flags - 1; // k's
        let next = if flags == 0 {
            len
        } else {
            flags.trailing_zeros() as usize
        };
        if matches!(text[at + k], b'"' | b'\\') {
            // Most escapes (a JSON body's quotes): a backslash, then the run from the byte itself.
            out.push(b'\\');
            run(out, text, at + k, at + next);
        } else {
            if !escape(out, text, at + k, checked) {
                return false;
            }
            run(out, text, at + k + 1, at + next);
        }
        if flags == 0 {
            return true;
        }
        k = next;
    }
}

/// `text[from..to]` (at most sixteen bytes) appended: sixteen copied and the rest cut off where
/// the text has them (a copy of a known size, not a call to copy a few bytes).
#[inline(always)]
fn run(out: &mut Vec<u8>, text: &[u8], from: usize, to: usize) {
    match text.get(from..from + 16) {
        Some(sixteen) => {
            out.extend_from_slice(sixteen);
            out.truncate(out.len() - 16 + (to - from));
        }
        None => out.extend_from_slice(&text[from..to]),
    }
}

/// A flagged byte (`escaped`, `above`) of `text` written: its escape, or itself above ASCII once
/// the text is known plain (`checked`); false where it is not.
fn escape(out: &mut Vec<u8>, text: &[u8], i: usize, checked: &mut bool) -> bool {
    let c = text[i];
    match c {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        0..=0x1f => {
            let _ = write!(out, "\\u{c:04x}");
        }
        _ => {
            if !*checked {
                if !plain_chars(text) {
                    return false;
                }
                *checked = true;
            }
            out.push(c);
        }
    }
    true
}

fn json_span(out: &mut Vec<u8>, line: &[u8], span: Option<(usize, usize)>) {
    match span {
        Some((a, b)) => json_text(out, &line[a..b]),
        None => out.extend_from_slice(b"null"),
    }
}

/// One record of `render.json.matched_line`, of a line with one match: (the `{"file": ...` part,
/// line number, the line's text, the text its spans are of, which `fields_plain` let through).
/// The line is checked as it is escaped (`plain_chars`): false (the record unfinished) where
/// json.dumps or `controls.json_safe` would change it.
fn json_line(
    out: &mut Vec<u8>,
    (file, number, text, fields): (&[u8], u64, &[u8], &[u8]),
    f: &Finding,
    [a, b, c]: [&Vec<u8>; 3],
) -> bool {
    out.extend_from_slice(file);
    out.extend_from_slice(b", \"line_number\": ");
    decimal(out, number);
    out.extend_from_slice(b", \"line\": ");
    if !json_string(out, text, false) {
        return false;
    }
    out.extend_from_slice(b", \"matches\": [");
    out.extend_from_slice(a);
    json_span(out, fields, f.message);
    out.extend_from_slice(b);
    json_span(out, fields, f.request_id);
    out.extend_from_slice(c);
    decimal(out, f.code.0 as u64);
    out.extend_from_slice(b", \"end\": ");
    decimal(out, f.code.1 as u64);
    out.extend_from_slice(b"}]}\n");
    true
}

#[derive(Debug, PartialEq, Eq)]
pub enum Assembled {
    Done,
    /// The block holds rich's exception line: nothing was written, Python searches it as before.
    Declined,
}

/// A search's tails by key, bounded; the output and holes of the last block.
pub struct Tails {
    map: HashMap<Vec<u8>, Vec<u8>>,
    /// The tails asked for last, by a slot of their key's hash (`tail_of`).
    memo: Vec<(Vec<u8>, Vec<u8>)>,
    /// JSON's meanings by key: their index in `meanings`, asked of a memo first (`meaning_of`).
    json: HashMap<Vec<u8>, usize>,
    meanings: Vec<Meaning>,
    json_memo: Vec<(Vec<u8>, usize)>,
    limit: usize,
    pending: Vec<Vec<u8>>, // the keys of the last block's holes, by slot
    key: Vec<u8>,
    pub out: Vec<u8>,
    pub written: usize, // lines in `out`
    pub holes: Vec<u64>,
    /// The newlines of the last block, when its lines are counted (`Layout::count`; else 0):
    /// Python need not count them again.
    pub newlines: u64,
    /// Whether a simple record is read as the line it holds (`envelope.rs`; --envelope auto).
    pub unwrap: bool,
}

impl Tails {
    /// A table of at most `limit` tails: once full, lines with other keys stay holes.
    pub fn new(limit: usize) -> Tails {
        Tails {
            map: HashMap::new(),
            memo: vec![(Vec::new(), Vec::new()); MEMO],
            json: HashMap::new(),
            meanings: Vec::new(),
            json_memo: vec![(Vec::new(), 0); MEMO],
            limit,
            pending: Vec::new(),
            key: Vec::new(),
            out: Vec::new(),
            written: 0,
            holes: Vec::new(),
            newlines: 0,
            unwrap: false,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The tail of the key of the last block's hole `slot`; false for a slot it did not give.
    pub fn put(&mut self, slot: usize, tail: &[u8]) -> bool {
        let Some(key) = self.pending.get(slot) else {
            return false;
        };
        if self.map.len() < self.limit && !self.map.contains_key(key) {
            self.map.insert(key.clone(), tail.to_vec());
        }
        true
    }

    /// What the last block's hole `slot` needs in JSON: its meaning's rule (`Rule::from_bytes`;
    /// None: Python renders its lines from now on) and the parts for one agreement (0 None,
    /// 1 False, 2 True: `Rule::agrees`); false for a slot it did not give, or a rule it cannot read.
    pub fn put_json(
        &mut self,
        slot: usize,
        rule: Option<&[u8]>,
        agrees: usize,
        parts: [&[u8]; 3],
    ) -> bool {
        let Some(key) = self.pending.get(slot) else {
            return false;
        };
        let Some(rule) = rule else {
            if let Some(&i) = self.json.get(key) {
                self.meanings[i] = Meaning::Python;
            } else if self.json.len() < self.limit {
                self.json.insert(key.clone(), self.meanings.len());
                self.meanings.push(Meaning::Python);
            }
            return true;
        };
        if agrees > 2 {
            return false;
        }
        let i = match self.json.get(key) {
            Some(&i) => i,
            None => {
                let Some(rule) = Rule::from_bytes(rule) else {
                    return false;
                };
                if self.json.len() >= self.limit {
                    return true;
                }
                let parts = Box::new([None, None, None]);
                self.json.insert(key.clone(), self.meanings.len());
                self.meanings.push(Meaning::Known { rule, parts });
                self.meanings.len() - 1
            }
        };
        if let Meaning::Known { parts: known, .. } = &mut self.meanings[i] {
            known[agrees].get_or_insert_with(|| parts.map(|p| p.to_vec()));
        }
        true
    }

    /// Write the matched lines of `buf[start:end]` (whole lines) into `out`, leaving holes.
    pub fn assemble(
        &mut self,
        core: &Core,
        buf: &[u8],
        start: usize,
        end: usize,
        layout: &Layout,
    ) -> Assembled {
        self.out.clear();
        self.written = 0;
        self.holes.clear();
        self.pending.clear();
        self.newlines = 0;
        let mut number = layout.lines_before;
        let mut counted_to = start;
        let mut open = None; // whether the block holds the SDK's mark open (`marks_open`), once asked
        for (ls, le) in core.literals.candidate_lines(buf, start, end) {
            // A simple record is read as the line it holds (`envelope.rs`), its envelope part of
            // its meaning's key (JSON shows it; a plain tail does not, and is the same).
            let (envelope, result) = if self.unwrap {
                core.read_enveloped(buf, start, ls, le)
            } else {
                (NO_ENVELOPE, core.read_one(buf, ls, le))
            };
            // A line read holds no RICH_HEAD (`reader::precheck` declines it): only others are searched.
            if (result.is_err() && contains(&buf[ls..le], RICH_HEAD))
                || rich_record_line(buf, start, ls, le)
                || (buf.get(ls) == Some(&b' ')
                    && (rich_wrapper_line(buf, start, ls, le)
                        || rich_folded_line(buf, start, ls, le)))
                || (buf.get(ls).is_some_and(|c| ENVELOPE_FIRST.contains(c))
                    && *open.get_or_insert_with(|| marks_open(buf, start, end))
                    && enveloped_rich_line(buf, start, ls, le))
            {
                self.out.clear();
                self.written = 0;
                self.holes.clear();
                self.pending.clear();
                return Assembled::Declined;
            }
            let (found, crowded) = match &result {
                Ok(found) if found.is_empty() => continue, // a candidate without an error
                Ok(found) => (Some(&found[0]), found.len() > 1),
                Err(_) => (None, false),
            };
            let line_number = if layout.count {
                number += newlines(buf, counted_to, ls);
                counted_to = ls;
                number + 1
            } else {
                0
            };
            if found.is_some() && layout.count_only {
                self.written += 1;
                continue;
            }
            let (mut slot, mut agrees) = (NONE, NONE);
            if crowded {
                // Several errors (`crowded`): plain output only, their tails joined; in JSON a hole.
                if let (false, Ok(all)) = (layout.json || le - ls > LONG_LINE, &result) {
                    let line = &buf[ls..le];
                    if self.crowded_line(all, line, layout, line_number) {
                        continue;
                    }
                    // Python's tail for each of its errors, in slots slot.. (`agrees`: how many).
                    slot = self.pending.len() as u64;
                    agrees = all.len() as u64;
                    for f in all {
                        key_of(&mut self.key, f, line);
                        self.pending.push(self.key.clone());
                    }
                }
            } else if let Some(f) = found.filter(|_| le - ls <= LONG_LINE) {
                let line = &buf[ls..le];
                key_of(&mut self.key, f, line);
                if envelope != NO_ENVELOPE {
                    self.key.push(envelope);
                }
                if !layout.json {
                    if let Some(tail) = tail_of(&mut self.memo, &self.map, &self.key) {
                        self.out.extend_from_slice(layout.prefix);
                        if layout.show_numbers {
                            decimal(&mut self.out, line_number);
                            self.out.push(b':');
                        }
                        self.out.extend_from_slice(line);
                        self.out.extend_from_slice(tail);
                        self.out.push(b'\n');
                        self.written += 1;
                        continue;
                    }
                    slot = self.pending.len() as u64;
                    self.pending.push(self.key.clone());
                } else if fields_plain(f) {
                    let text = line.strip_suffix(b"\r").unwrap_or(line);
                    // The message and request ID: spans of the line, or of the text read unescaped.
                    let fields = f.unescaped.as_deref().unwrap_or(text);
                    // Some(agrees): a hole whose record Python teaches the table (`put_json`); None:
                    // a hole that stays Python's.
                    let meaning = meaning_of(&mut self.json_memo, &self.json, &self.key);
                    let teach = match meaning.map(|i| &self.meanings[i]) {
                        Some(Meaning::Python) => None, // Python's to render, always
                        None => Some(NONE),
                        Some(Meaning::Known { rule, parts }) => match rule.agrees(f, fields) {
                            None => Some(NONE),
                            Some(v) => match &parts[v] {
                                None => Some(v as u64),
                                Some([a, b, c]) => {
                                    let mark = self.out.len();
                                    let record = (layout.prefix, line_number, text, fields);
                                    if json_line(&mut self.out, record, f, [a, b, c]) {
                                        self.written += 1;
                                        continue;
                                    }
                                    self.out.truncate(mark);
                                    None // json.dumps or `json_safe` would change it: Python's
                                }
                            },
                        },
                    };
                    if let Some(v) = teach.filter(|_| plain_chars(text)) {
                        slot = self.pending.len() as u64;
                        self.pending.push(self.key.clone());
                        agrees = v;
                    }
                }
            }
            self.holes
                .extend_from_slice(&[self.out.len() as u64, line_number, slot, agrees]);
            push(&mut self.holes, buf, ls, le, result);
        }
        if layout.count {
            self.newlines = number - layout.lines_before + newlines(buf, counted_to, end);
        }
        Assembled::Done
    }
}

impl Tails {
    /// Write a line of several errors whose keys the table all holds: its tail is theirs joined,
    /// as `render.annotation` joins their notes (`\tkmserr: A | B`); false (nothing written)
    /// where one is missing, or a tail is not of that shape (then Python writes the line).
    fn crowded_line(&mut self, all: &[Finding], line: &[u8], layout: &Layout, number: u64) -> bool {
        const HEAD: &[u8] = b"\tkmserr: ";
        let mark = self.out.len();
        self.out.extend_from_slice(layout.prefix);
        if layout.show_numbers {
            decimal(&mut self.out, number);
            self.out.push(b':');
        }
        self.out.extend_from_slice(line);
        let mut empty = false;
        for (i, f) in all.iter().enumerate() {
            key_of(&mut self.key, f, line);
            let tail = tail_of(&mut self.memo, &self.map, &self.key);
            let ok = match tail {
                Some(t) if i == 0 => {
                    empty = t.is_empty();
                    (empty || t.starts_with(HEAD)).then_some(t)
                }
                Some(t) if empty => t.is_empty().then_some(t),
                Some(t) => t.strip_prefix(HEAD).map(|rest| {
                    self.out.extend_from_slice(b" | ");
                    rest
                }),
                None => None,
            };
            match ok {
                Some(t) => self.out.extend_from_slice(t),
                None => {
                    self.out.truncate(mark);
                    return false;
                }
            }
        }
        self.out.push(b'\n');
        self.written += 1;
        true
    }
}

// Slots enough that a line's few dozen keys rarely share one (with 256, two or three pairs of a
// crowded line's keys did, and took turns in the map a finding at a time).
const MEMO: usize = 4096;

/// The tail of `key` in `map`, asked of a small memo in front of it first: SipHash and the map's
/// probe, once a finding, were a tenth of a crowded line's output. The memo's FxHash only picks a
/// slot and the key is compared whole there, so keys that collide cost a lookup in the map (which
/// keeps SipHash: its keys come from the log), never a wrong tail; and the map never changes a
/// tail it holds, so one remembered stays right. An empty key is never asked (`key_of`).
fn tail_of<'a>(
    memo: &'a mut [(Vec<u8>, Vec<u8>)],
    map: &HashMap<Vec<u8>, Vec<u8>>,
    key: &[u8],
) -> Option<&'a [u8]> {
    let slot = memo_slot(key, memo.len());
    let (known, tail) = &mut memo[slot];
    if known.as_slice() != key {
        let found = map.get(key)?;
        known.clear();
        known.extend_from_slice(key);
        tail.clear();
        tail.extend_from_slice(found);
    }
    Some(tail.as_slice())
}

/// The index of `key`'s meaning in `map`, asked of a memo in front of it first, as `tail_of` asks
/// for a tail (SipHash and the map's probe were a twentieth of `--json`'s own work); an index
/// never changes, so one remembered stays right (an empty key is never asked: `key_of`).
fn meaning_of(
    memo: &mut [(Vec<u8>, usize)],
    map: &HashMap<Vec<u8>, usize>,
    key: &[u8],
) -> Option<usize> {
    let slot = memo_slot(key, memo.len());
    let (known, index) = &mut memo[slot];
    if known.as_slice() != key {
        *index = *map.get(key)?;
        known.clear();
        known.extend_from_slice(key);
    }
    Some(*index)
}

/// The slot of `key` in a memo of `len` slots, a power of two (a mask, not a division: the
/// division was a tenth of `tail_of`, once a finding of a crowded line).
fn memo_slot(key: &[u8], len: usize) -> usize {
    debug_assert!(len.is_power_of_two());
    (crate::fx::fx_hash(&[key]) >> 40) as usize & (len - 1)
}

/// The newlines of `buf[from:to]`.
fn newlines(buf: &[u8], from: usize, to: usize) -> u64 {
    crate::lanes::count(&buf[from..to], b'\n')
}

/// A finding's key, as `Search._plain_block` keys a line of one error: (code, module code,
/// gateway error code, codeDesc, form); text fields by their bytes (Python's are their UTF-8
/// decoding, one to one).
fn key_of(key: &mut Vec<u8>, f: &Finding, line: &[u8]) {
    key.clear();
    key.extend_from_slice(&f.form.to_le_bytes());
    key.extend_from_slice(&f.module_code.unwrap_or(NONE).to_le_bytes());
    key.extend_from_slice(&f.error_code.unwrap_or(NONE).to_le_bytes());
    let code = &line[f.code.0..f.code.1];
    key.extend_from_slice(&(code.len() as u64).to_le_bytes());
    key.extend_from_slice(code);
    if let Some((a, b)) = f.code_desc {
        key.push(1);
        // Read unescaped (`Finding::unescaped`): the code stays a span of the line, the rest of that text.
        key.extend_from_slice(&f.unescaped.as_deref().unwrap_or(line)[a..b]);
    } else {
        key.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core() -> Core {
        Core::from_tagged(b"L:AuthFailure\nL:InvalidParameter\nK:AuthFailure\nH:AuthFailure")
    }

    const SDK: &str = "x [TencentCloudSDKException] code:AuthFailure message:m requestId:r-1\n";

    fn layout(prefix: &[u8]) -> Layout<'_> {
        Layout {
            prefix,
            show_numbers: true,
            count: true,
            lines_before: 10,
            count_only: false,
            json: false,
        }
    }

    #[test]
    fn the_memo_gives_the_maps_tail_whatever_shares_its_slot() {
        let mut map = HashMap::new();
        map.insert(b"key a".to_vec(), b"tail a".to_vec());
        map.insert(b"key b".to_vec(), b"tail b".to_vec());
        // One slot: every key shares it.
        let mut memo = vec![(Vec::new(), Vec::new()); 1];
        for key in [
            &b"key a"[..],
            b"key b",
            b"key a",
            b"key c",
            b"key a",
            b"key b",
        ] {
            let want = map.get(key).map(Vec::as_slice);
            assert_eq!(tail_of(&mut memo, &map, key), want);
        }
    }

    #[test]
    fn the_meanings_memo_gives_the_maps_index_whatever_shares_its_slot() {
        let mut map = HashMap::new();
        map.insert(b"key a".to_vec(), 3);
        map.insert(b"key b".to_vec(), 5);
        let mut memo = vec![(Vec::new(), 0); 1];
        for key in [
            &b"key a"[..],
            b"key b",
            b"key a",
            b"key c",
            b"key a",
            b"key b",
        ] {
            assert_eq!(meaning_of(&mut memo, &map, key), map.get(key).copied());
        }
    }

    #[test]
    fn unknown_keys_are_holes_then_written_here() {
        let (core, mut tails) = (core(), Tails::new(16));
        let buf = format!("ok\n{SDK}ok\n{SDK}");
        let buf = buf.as_bytes();
        assert_eq!(
            tails.assemble(&core, buf, 0, buf.len(), &layout(b"f:")),
            Assembled::Done
        );
        assert!(tails.out.is_empty());
        assert_eq!(tails.holes.len(), 2 * HOLE);
        assert_eq!(
            (tails.holes[1], tails.holes[2], tails.holes[3]),
            (12, 0, NONE)
        );
        assert_eq!((tails.holes[HOLE + 1], tails.holes[HOLE + 2]), (14, 1));
        assert!(tails.put(0, b"\tT"));
        assert!(!tails.put(2, b"\tT"));
        assert_eq!(
            tails.assemble(&core, buf, 0, buf.len(), &layout(b"f:")),
            Assembled::Done
        );
        assert!(tails.holes.is_empty());
        let line = SDK.trim_end();
        assert_eq!(
            tails.out,
            format!("f:12:{line}\tT\nf:14:{line}\tT\n").as_bytes()
        );
    }

    #[test]
    fn a_full_table_leaves_holes() {
        let (core, mut tails) = (core(), Tails::new(0));
        let buf = SDK.as_bytes();
        tails.assemble(&core, buf, 0, buf.len(), &layout(b""));
        assert!(tails.put(0, b"\tT"));
        assert!(tails.is_empty());
        tails.assemble(&core, buf, 0, buf.len(), &layout(b""));
        assert_eq!(tails.holes.len(), HOLE);
    }

    #[test]
    fn counting_writes_nothing() {
        let (core, mut tails) = (core(), Tails::new(16));
        let buf = format!("{SDK}ok\n{SDK}(10630)x \\ y\n");
        let buf = buf.as_bytes();
        let layout = Layout {
            count_only: true,
            ..layout(b"")
        };
        assert_eq!(
            tails.assemble(&core, buf, 0, buf.len(), &layout),
            Assembled::Done
        );
        assert_eq!((tails.out.len(), tails.written), (0, 2));
        assert_eq!(tails.holes.len(), HOLE); // the escaped line: Python's to read
    }

    fn rule(ascii: bool, documented: &str, templates: &[(&str, &str)]) -> Rule {
        Rule::Compare {
            ascii,
            documented: documented.as_bytes().to_vec(),
            templates: templates
                .iter()
                .map(|(h, t)| (h.as_bytes().to_vec(), t.as_bytes().to_vec()))
                .collect(),
        }
    }

    fn message(text: &str, module_code: Option<u64>) -> (Finding, Vec<u8>) {
        let line = format!("x message:{text}").into_bytes();
        let f = Finding {
            form: 0,
            code: (0, 1),
            message: Some((10, line.len())),
            request_id: None,
            code_desc: None,
            module_code,
            error_code: None,
            unescaped: None,
        };
        (f, line)
    }

    #[test]
    fn messages_agree_as_the_registry_says() {
        let r = rule(true, "no such parameter", &[("no such parameter ", "")]);
        let agrees = |text: &str, module| {
            let (f, line) = message(text, module);
            r.agrees(&f, &line)
        };
        assert_eq!(agrees("No  such 'parameter' KeyId", None), Some(2));
        assert_eq!(agrees(" ..no such parameter.", None), Some(2));
        assert_eq!(agrees("no such thing", None), Some(1));
        assert_eq!(agrees("(10320) no such parameter", Some(10320)), Some(2));
        assert_eq!(agrees("(10320) no such parameter", None), Some(1)); // no module code: as said
        assert_eq!(agrees("(10320)  ", Some(10320)), Some(0)); // nothing said
        assert_eq!(agrees("  ", None), Some(1)); // said, but blank
        assert_eq!(agrees("参数不存在", None), Some(0)); // Chinese: not compared
        assert_eq!(agrees("paramétre", None), None); // Python's to tell
        assert_eq!(agrees("(10320) 参数不存在", Some(10320)), None);
        let template = rule(true, "x", &[("cannot find parameter ", " in uri")]);
        let (f, line) = message("cannot find parameter KeyId in uri", None);
        assert_eq!(template.agrees(&f, &line), Some(2));
        let (f, line) = message("cannot find parameter  in uri", None);
        assert_eq!(template.agrees(&f, &line), Some(1));
        let chinese = rule(false, "参数", &[]);
        let (f, line) = message("参数不存在", None);
        assert_eq!(chinese.agrees(&f, &line), None);
        let (f, line) = message("x", None);
        assert_eq!(Rule::Nothing.agrees(&f, &line), Some(0));
    }

    #[test]
    fn a_code_description_read_unescaped_is_keyed_by_its_text() {
        let (mut f, line) = message("m", None);
        f.code_desc = Some((0, 2));
        let (mut plain, mut unescaped) = (Vec::new(), Vec::new());
        key_of(&mut plain, &f, &line);
        f.unescaped = Some(b"KeyNotExist".to_vec());
        key_of(&mut unescaped, &f, &line);
        assert!(plain.ends_with(b"\x01x "));
        assert!(unescaped.ends_with(b"\x01Ke"));
    }

    #[test]
    fn a_documented_beginning_as_normalise_reads_it() {
        let texts = [
            "No  such 'parameter' KeyId",
            " ..no such parameter.",
            "no such",
            "no such parameter",
            "no such parameters",
            "  . \"No\"\tSUCH parameter",
            ".",
            "",
            "no such  parameter x",
            "no such\nparameter",
            "no. such parameter",
            "`no` such parameter.. .",
        ];
        for documented in ["no such parameter", "no", "no such parameter x", "n"] {
            for text in texts {
                let given = normalise(text.as_bytes());
                assert_eq!(
                    begins_with(text.as_bytes(), documented.as_bytes()),
                    given.starts_with(documented.as_bytes()),
                    "{text:?} {documented:?}"
                );
            }
        }
    }

    #[test]
    fn plain_characters_as_their_code_points_say() {
        let plain = |c: char| {
            matches!(c as u32,
                0..=0x7e | 0xa0..=0xac | 0xae..=0x2ff | 0x2010..=0x2027 | 0x2030..=0x205e
                | 0x3000..=0x3163 | 0x3165..=0x9fff | 0xff00..=0xff9f)
        };
        let chars = [
            'a', '\x7f', '\u{9f}', '\u{a0}', '\u{ac}', '\u{ad}', 'é', '\u{2ff}', '\u{300}',
            '\u{2028}', '\u{202e}', '\u{2030}', '\u{205f}', '。', '\u{3164}', '密', '\u{9fff}',
            '\u{a000}', '\u{ff9f}', '\u{ffa0}', '😀', '\u{feff}',
        ];
        for c in chars {
            for at in 0..12 {
                let mut text: String = "0123456789ab".into();
                text.insert(at, c);
                let want = text.chars().all(plain);
                assert_eq!(plain_chars(text.as_bytes()), want, "{text:?}");
            }
        }
    }

    #[test]
    fn newlines_counted_in_long_runs() {
        for len in [0, 7, 8, 2039, 2040, 2041, 4080, 4081, 10000] {
            for every in [1, 2, 3, 9] {
                let text: Vec<u8> = (0..len)
                    .map(|i| if i % every == 0 { b'\n' } else { b'x' })
                    .collect();
                let count = text.iter().filter(|&&c| c == b'\n').count() as u64;
                assert_eq!(newlines(&text, 0, len), count, "{len} {every}");
            }
        }
    }

    #[test]
    fn newlines_counted() {
        let text = b"a\nb\n\n\xff\x8a\n0123456789\n\n\n\x0b\x09x\n";
        for from in 0..text.len() {
            for to in from..=text.len() {
                let count = text[from..to].iter().filter(|&&c| c == b'\n').count() as u64;
                assert_eq!(newlines(text, from, to), count, "{from}..{to}");
            }
        }
    }

    #[test]
    fn decimals() {
        let mut out = Vec::new();
        let mut want = String::new();
        let mut numbers = vec![u64::MAX, u64::from(u32::MAX), 1 << 32];
        for p in 0..20u32 {
            let power = 10u64.pow(p);
            numbers.extend([power - 1, power, power + 1, power * 7 + 3]);
        }
        numbers.extend((0..2000).map(|n| n * 37));
        for n in numbers {
            decimal(&mut out, n);
            out.push(b' ');
            want += &format!("{n} ");
        }
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    #[test]
    fn rules_from_python() {
        assert!(matches!(Rule::from_bytes(b"N"), Some(Rule::Nothing)));
        let r = Rule::from_bytes(b"A\x02\0\0\0ab\x01\0\0\0c\0\0\0\0").unwrap();
        let Rule::Compare {
            ascii,
            documented,
            templates,
        } = r
        else {
            panic!("a comparison");
        };
        assert!(ascii);
        assert_eq!(documented, b"ab");
        assert_eq!(templates, vec![(b"c".to_vec(), Vec::new())]);
        assert!(Rule::from_bytes(b"A\x09\0\0\0ab").is_none());
        assert!(Rule::from_bytes(b"A\x01\0\0\0a\x01\0\0\0b").is_none());
        assert!(Rule::from_bytes(b"X").is_none());
    }

    #[test]
    fn json_text_escapes_what_a_byte_at_a_time_reading_escapes() {
        for special in [
            b'"', b'\\', b'\n', 0x00, 0x1f, b'\t', 0x7f, 0x80, b' ', b'a',
        ] {
            for at in 0..40 {
                for len in [at + 1, at + 2, at + 9, at + 17, 48] {
                    let mut text = vec![b'x'; len];
                    text[at] = special;
                    text[(at * 7) % len] = b'"';
                    let mut plain = vec![b'"'];
                    for &c in &text {
                        match c {
                            b'"' => plain.extend_from_slice(b"\\\""),
                            b'\\' => plain.extend_from_slice(b"\\\\"),
                            b'\n' => plain.extend_from_slice(b"\\n"),
                            b'\t' => plain.extend_from_slice(b"\\t"),
                            0x00 => plain.extend_from_slice(b"\\u0000"),
                            0x1f => plain.extend_from_slice(b"\\u001f"),
                            _ => plain.push(c),
                        }
                    }
                    plain.push(b'"');
                    let mut out = Vec::new();
                    json_text(&mut out, &text);
                    assert_eq!(out, plain, "{text:?}");
                    // Checked as it is escaped: the same where the text is plain.
                    let mut checked = Vec::new();
                    let is_plain = plain_chars(&text);
                    assert_eq!(
                        json_string(&mut checked, &text, false),
                        is_plain,
                        "{text:?}"
                    );
                    assert!(!is_plain || checked == plain, "{text:?}");
                }
            }
        }
    }

    /// json.dumps of a string (ensure_ascii off) a byte at a time, as `encode_basestring` writes it.
    fn dumps(text: &[u8]) -> Vec<u8> {
        let mut out = vec![b'"'];
        for &c in text {
            match c {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                0..=0x1f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
                _ => out.push(c),
            }
        }
        out.push(b'"');
        out
    }

    #[test]
    fn random_texts_escaped_as_json_dumps_escapes_them() {
        // Pieces of log text: runs of plain ASCII, JSON bodies' quotes, escapes, controls, DEL,
        // Chinese, a character json_safe escapes (U+202E), a byte that is not UTF-8.
        let pieces: [&[u8]; 14] = [
            b"a",
            b"key 0123456789",
            b"\"",
            b"\\",
            b"\\\"",
            b"\n",
            b"\t",
            b"\x01",
            b"\x1f",
            b"\x7f",
            "密钥".as_bytes(),
            "。".as_bytes(),
            "\u{202e}".as_bytes(),
            b"\xff",
        ];
        let mut seed = 11u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..200_000 {
            let mut text = Vec::new();
            let count = next(24);
            for _ in 0..count {
                // Mostly plain: the pieces after the first two, one time in four.
                let piece = if next(4) == 0 {
                    next(pieces.len())
                } else {
                    next(2)
                };
                text.extend_from_slice(pieces[piece]);
            }
            let want = dumps(&text);
            let plain = plain_chars(&text);
            let mut out = b"x".to_vec();
            assert_eq!(json_string(&mut out, &text, false), plain, "{text:?}");
            if plain {
                assert_eq!(out[1..], want[..], "{text:?}");
                out.truncate(1);
                json_text(&mut out, &text);
                assert_eq!(out[1..], want[..], "{text:?}");
            }
        }
    }

    #[test]
    fn json_text_as_json_dumps() {
        let mut out = Vec::new();
        json_text(&mut out, b"a\"b\\c\td\x01\x08\x0c\n\r\xe5\xaf\x86");
        assert_eq!(out, b"\"a\\\"b\\\\c\\td\\u0001\\b\\f\\n\\r\xe5\xaf\x86\"");
        for (text, plain) in [
            (
                &b"\xe5\xaf\x86 \"key\" \xe5\xaf\x86\xe9\x92\xa5 not found \\ ok"[..],
                true,
            ),
            (b"0123456789abcdef \xe2\x80\xae", false), // U+202E: json_safe escapes it
            (b"0123456789 \x7f", false),
            (b"\xe5\xaf", false),
        ] {
            let (mut checked, mut escaped) = (Vec::new(), Vec::new());
            assert_eq!(json_string(&mut checked, text, false), plain, "{text:?}");
            json_text(&mut escaped, text);
            assert!(!plain || checked == escaped, "{text:?}");
        }
        assert!(plain_chars(b"ok"));
        assert!(plain_chars(b"\xe5\xaf\x86"));
        assert!(!plain_chars(b"a\x7f"));
        assert!(!plain_chars(b"a\xe2\x80\xae")); // U+202E: json_safe escapes it
        assert!(!plain_chars(b"a\xff"));
        for at in 0..20 {
            for c in [0x7f, 0x80, 0xff, 0x7e, 0x00] {
                let mut text = vec![b'a'; 20];
                text[at] = c;
                assert_eq!(plain_chars(&text), c < 0x7f, "{c} at {at}");
            }
        }
    }

    #[test]
    fn rich_blocks_are_declined() {
        let (core, mut tails) = (core(), Tails::new(16));
        let buf = format!("{SDK}TencentCloudSDKException: [AuthFailure] wrapped\n");
        let buf = buf.as_bytes();
        assert_eq!(
            tails.assemble(&core, buf, 0, buf.len(), &layout(b"")),
            Assembled::Declined
        );
    }

    #[test]
    fn rich_handler_records_are_declined_and_other_marks_are_not() {
        let record =
            "[12/05/26 13:01:57] ERROR    Decrypt failed: [TencentCloudSDKException]   app.py:15\n";
        let below = "                             code:AuthFailure message:m\n";
        let folded = "[12/05/26 13:01:57] ERROR    Decrypt failed:   app.py:15\n                             [TencentCloudSDKException]\n";
        for text in [format!("{record}{below}"), format!("{folded}{below}")] {
            assert!(
                rich_record_line(text.as_bytes(), 0, text.len() - below.len(), text.len() - 1),
                "{text}"
            );
        }
        // A cut Docker record holds the mark without its request ID: a chain's, not rich's.
        let docker = "{\"log\":\"[TencentCloudSDKException] code:AuthFailure message:m\",\"stream\":\"stderr\"}\n";
        assert!(!rich_record_line(docker.as_bytes(), 0, 0, docker.len() - 1));
        let indented = format!("x [TencentCloudSDKException]\n{below}");
        let ls = indented.len() - below.len();
        assert!(!rich_record_line(
            indented.as_bytes(),
            0,
            ls,
            indented.len() - 1
        ));
        assert!(record_first_line(b"                    ERROR    x"));
    }

    #[test]
    fn rich_wrapper_lines_are_declined() {
        let lines = [
            "                             \u{2570}\u{2500}\u{2500}\u{256f}",
            "                             DecryptFailed: decrypt of blob 0 failed:",
            "                             [TencentCloudSDKException]",
            "                             code:ResourceUnavailable.CmkDisabled",
            "                             message:CMK is disabled.",
            "                             requestId:3f1c2b7a-1111-4222-8333-944455",
        ];
        let text = lines.join("\n") + "\n";
        let b = text.as_bytes();
        let mut ls = lines[0].len() + 1;
        for (n, line) in lines.iter().enumerate().skip(1) {
            let le = ls + line.len();
            // The mark stands on the third line: the head's line alone holds none yet.
            assert_eq!(rich_wrapper_line(b, 0, ls, le), n >= 2, "{line}");
            ls = le + 1;
        }
        // Below Python's own traceback's source line, indented deeper (RichHandler's column).
        let plain = "      raise AppError(f\"x: {e}\") from e\n  AppError: x:\n  [TencentCloudSDKException]\n  code:A\n";
        let b = plain.as_bytes();
        let ls = plain.find("  code:A").unwrap();
        assert!(rich_wrapper_line(b, 0, ls, b.len() - 1));
        // rich's own exception line, a line of the box, the SDK's text on one line: no wrapper's.
        for first in [
            "TencentCloudSDKException: [TencentCloudSDKException] code:A",
            "ValueError: [TencentCloudSDKException] code:A message:m requestId:r",
            "12: [TencentCloudSDKException] code:A",
        ] {
            let text = format!("  \u{2570}\u{2500}\u{256f}\n  {first}\n");
            let b = text.as_bytes();
            let ls = text.find(first).unwrap() - 2;
            assert!(!rich_wrapper_line(b, 0, ls, b.len() - 1), "{first}");
        }
    }

    #[test]
    fn folded_class_names_are_declined() {
        let lines = [
            "       raise TencentCloudSDKException(code, message, rid)",
            "    tencentcloud.common.exception.tencent_cloud_sdk_exception.TencentCloudS",
            "    DKException: [TencentCloudSDKException]",
            "    code:ResourceUnavailable.CmkDisabled message:CMK is disabled.",
            "    requestId:7c0e4b1a-7f39-4a4b-9e0a-3b8a1c2d4e00",
        ];
        let text = lines.join("\n") + "\n";
        let b = text.as_bytes();
        let mut ls = 0;
        for (n, line) in lines.iter().enumerate() {
            let le = ls + line.len();
            assert_eq!(rich_folded_line(b, 0, ls, le), n >= 2, "{line}");
            ls = le + 1;
        }
        assert!(folded_class(
            b"tencentcloud.common.TencentCloudSDKException:"
        ));
        assert!(!folded_class(b".TencentCloudSDKException:"));
        assert!(!folded_class(b"x y.TencentCloudSDKException:"));
        // The name's last part with a request ID after the mark: the SDK's text ends on its line.
        let one =
            "    a.TencentCloudS\n    DKException: [TencentCloudSDKException] code:A requestId:r\n";
        assert!(!rich_folded_line(one.as_bytes(), 0, 20, one.len() - 1));
    }

    #[test]
    fn rich_handler_records_in_envelopes_are_declined() {
        let rich = [
            "[12/05/26 13:01:57] ERROR    Decrypt failed: [TencentCloudSDKException]   app.py:15",
            "                             code:AuthFailure message:m",
            "                             requestId:r-1",
        ];
        let heads = [
            "2024-05-14T08:00:00.123456789Z stderr F ",
            "[pod/app-1/app] 2024-05-14T08:00:00.123456789Z ",
            "<11>1 2024-05-14T08:00:00Z node-1 app 42 - - ",
        ];
        for head in heads {
            let text: String = rich.iter().map(|line| format!("{head}{line}\n")).collect();
            let b = text.as_bytes();
            assert!(marks_open(b, 0, b.len()));
            let mut ls = 0;
            for line in rich {
                let le = ls + head.len() + line.len();
                assert!(enveloped_rich_line(b, 0, ls, le), "{head}{line}");
                ls = le + 1;
            }
            // The SDK's text on one line, or a record cut short (a chain's): no RichHandler record's.
            let one = format!(
                "{head}x [TencentCloudSDKException] code:A message:m requestId:r\n{head}  code:B\n"
            );
            let b = one.as_bytes();
            assert!(!marks_open(b, 0, b.len()));
            let below = b.len() - head.len() - "  code:B\n".len();
            assert!(!enveloped_rich_line(b, 0, below, b.len() - 1));
        }
        let cut = "2024-05-14T08:00:00.1Z stderr P [TencentCloudSDKException] code:A\n";
        assert!(!enveloped_rich_line(cut.as_bytes(), 0, 0, cut.len() - 1));
        assert!(!record_first_line(b"[x]ERROR x"));
    }
}

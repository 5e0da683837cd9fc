//! Lines in a simple platform envelope, read in plain output as the app's lines they hold
//! (`envelopes.simple`, `unwrap.py`): a Kubernetes CRI `F` record below no record cut short is
//! read as the text after its head, its findings placed back by the head's length (the head is
//! ASCII: a byte a character). Python's `Extractor.find` reads such a line so (`_opened`): the
//! app's line alone, each finding shifted. Every other line is read as it stands (an envelope's
//! is declined by `reader::precheck`, and Python reads it).

use crate::reader::{contains, Declined, Finding};
use crate::Core;

/// The envelope a line was read in (`Core::read_enveloped`), as the assembly keys a line's meaning.
pub(crate) const NO_ENVELOPE: u8 = 0;
pub(crate) const CRI: u8 = 1;
pub(crate) const DOCKER: u8 = 2;

/// The length of a CRI `F` record's head, `TIME (stdout|stderr) F ` (`envelopes._CRI_WHOLE`:
/// `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d) std(out|err) F( |$)`).
pub(crate) fn cri_head(b: &[u8]) -> Option<usize> {
    let digits = |at: usize, n: usize| {
        b.get(at..at + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let byte = |at: usize, c: u8| b.get(at) == Some(&c);
    if !(digits(0, 4)
        && byte(4, b'-')
        && digits(5, 2)
        && byte(7, b'-')
        && digits(8, 2)
        && byte(10, b'T'))
        || !(digits(11, 2) && byte(13, b':') && digits(14, 2) && byte(16, b':') && digits(17, 2))
    {
        return None;
    }
    let mut at = 19;
    if byte(at, b'.') {
        let n = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if !(1..=9).contains(&n) {
            return None;
        }
        at += 1 + n;
    }
    if byte(at, b'Z') {
        at += 1;
    } else if (byte(at, b'+') || byte(at, b'-'))
        && digits(at + 1, 2)
        && byte(at + 3, b':')
        && digits(at + 4, 2)
    {
        at += 6;
    } else {
        return None;
    }
    let rest = &b[at..];
    let stream = if rest.starts_with(b" stdout F") || rest.starts_with(b" stderr F") {
        at + 9
    } else {
        return None;
    };
    match b.get(stream) {
        None => Some(stream),
        Some(b' ') => Some(stream + 1),
        Some(_) => None,
    }
}

/// Whether the line above `buf[ls..]` (in `buf[start..ls]`) may be a record cut short, continued
/// by this one: `envelopes.partial_above`, or more (a CRI head with ` P `, any Docker record but
/// one whose `log` ends with `\n` before its stream or time, journald's `_LINE_BREAK`). The
/// block's first line may be: its line above is Python's to see.
pub(crate) fn cut_above(buf: &[u8], start: usize, ls: usize) -> bool {
    if ls <= start {
        return true;
    }
    let end = ls - 1; // the newline that ends the line above
    let from = buf[start..end]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(start, |i| start + i + 1);
    cut_record(&buf[from..end])
}

/// Whether a line may be a record cut short that the next line continues (`cut_above`).
pub(crate) fn cut_record(line: &[u8]) -> bool {
    match line.first() {
        Some(c) if c.is_ascii_digit() => contains(&line[..line.len().min(48)], b" P "),
        Some(b'{') if line.starts_with(b"{\"log\":\"") => {
            let tail = &line[line.len().saturating_sub(512)..];
            let at = rfind(tail, b"\",\"stream\":\"").or_else(|| rfind(tail, b"\",\"time\":\""));
            at.is_some_and(|at| !tail[..at].ends_with(b"\\n"))
        }
        Some(b'{' | 0x1e) => contains(line, b"\"_LINE_BREAK\""),
        _ => false,
    }
}

/// An escape of a Docker record's `log`: its place in the text unescaped, in the line, its length.
type Escape = (usize, usize, usize);

/// dockerd's compact record of a whole line (`envelopes._DOCKER_WHOLE`): its `log` value
/// unescaped, and each escape's place in that text, place in the line and length (the last is
/// the value's `\n`); None when the record is not one (another key order, `attrs`, a `\n` or
/// `\r` inside the value, half a surrogate pair, a control character).
pub(crate) fn docker_text(b: &[u8]) -> Option<(Vec<u8>, Vec<Escape>)> {
    const HEAD: &[u8] = b"{\"log\":\"";
    if !b.starts_with(HEAD) {
        return None;
    }
    let mut text = Vec::with_capacity(b.len());
    let mut escapes = Vec::new();
    let mut at = HEAD.len();
    loop {
        let c = *b.get(at)?;
        match c {
            b'"' | 0..=0x1f => return None, // the value ends without its `\n`, or a control character
            b'\\' => {
                let e = *b.get(at + 1)?;
                let (ch, width) = match e {
                    b'"' | b'\\' | b'/' => (u32::from(e), 2),
                    b'b' => (8, 2),
                    b'f' => (12, 2),
                    b't' => (9, 2),
                    b'u' => {
                        let hex = b.get(at + 2..at + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        let v = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                        if (0xd800..0xe000).contains(&v) || v == 10 || v == 13 {
                            return None;
                        }
                        (v, 6)
                    }
                    b'n' => {
                        escapes.push((text.len(), at, 2));
                        return docker_tail(&b[at + 2..]).then_some((text, escapes));
                    }
                    _ => return None,
                };
                escapes.push((text.len(), at, width));
                let mut utf8 = [0u8; 4];
                text.extend_from_slice(char::from_u32(ch)?.encode_utf8(&mut utf8).as_bytes());
                at += width;
            }
            _ => {
                text.push(c);
                at += 1;
            }
        }
    }
}

/// Whether `b` is the rest of a compact record after its `log`'s `\n`:
/// `","stream":"std(out|err)","time":"[^"\\\x00-\x1f]*"}`.
fn docker_tail(b: &[u8]) -> bool {
    let rest = b
        .strip_prefix(b"\",\"stream\":\"stdout\",\"time\":\"")
        .or_else(|| b.strip_prefix(b"\",\"stream\":\"stderr\",\"time\":\""));
    match rest.and_then(|rest| rest.strip_suffix(b"\"}")) {
        Some(time) => time.iter().all(|&c| c != b'"' && c != b'\\' && c >= 0x20),
        None => false,
    }
}

fn rfind(b: &[u8], pat: &[u8]) -> Option<usize> {
    b.windows(pat.len()).rposition(|w| w == pat)
}

impl Core {
    /// The findings of the candidate line `buf[ls:le]` of a block `buf[start..]` as `read_one`
    /// gives them, a simple record's read in the text it holds and placed in the line; and the
    /// envelope it was read in (NO_ENVELOPE, CRI, DOCKER: a finding's, which JSON shows).
    pub(crate) fn read_enveloped(
        &self,
        buf: &[u8],
        start: usize,
        ls: usize,
        le: usize,
    ) -> (u8, Result<Vec<Finding>, Declined>) {
        match self.read_in_envelope(buf, start, ls, le) {
            Some((kind, found)) => (kind, found),
            None => (NO_ENVELOPE, self.read_one(buf, ls, le)),
        }
    }

    /// `read_enveloped`'s reading of a simple record; None: the line is no simple record.
    fn read_in_envelope(
        &self,
        buf: &[u8],
        start: usize,
        ls: usize,
        le: usize,
    ) -> Option<(u8, Result<Vec<Finding>, Declined>)> {
        let text_end = if le > ls && buf[le - 1] == b'\r' {
            le - 1
        } else {
            le
        };
        let line = &buf[ls..text_end];
        if line.first() == Some(&b'{') {
            let (text, escapes) = docker_text(line)?;
            return Some((DOCKER, self.read_docker(buf, start, ls, text, &escapes)));
        }
        let head = cri_head(line)?;
        let inner = &line[head..];
        // A text that ends with `\r` reads otherwise alone (its `\r` would go); Node's code line
        // and a cut record's end are read with the lines above them: Python's.
        if inner.ends_with(b"\r") || contains(inner, b"code: '") || cut_above(buf, start, ls) {
            return Some((CRI, Err(Declined)));
        }
        let mut found = match self.read_one(buf, ls + head, le) {
            Ok(found) => found,
            Err(declined) => return Some((CRI, Err(declined))),
        };
        let shift = |s: &mut (usize, usize)| *s = (s.0 + head, s.1 + head);
        for f in &mut found {
            shift(&mut f.code);
            if f.unescaped.is_none() {
                // Spans of the line (else of the text read unescaped, which stay).
                for s in [&mut f.message, &mut f.request_id, &mut f.code_desc]
                    .into_iter()
                    .flatten()
                {
                    shift(s);
                }
            }
        }
        Some((CRI, Ok(found)))
    }
}

impl Core {
    /// The finding of a simple Docker record (`docker_text`: its text, its escapes) as Python
    /// reads it: its text's, the code placed in the line, the rest spans of that text
    /// (`Finding::unescaped`). Declined: several errors, a code at an escape or after one that
    /// ends with a letter or digit (`envelopes.place_simple`: the engines search the line as
    /// written, and Python leaves such a line to them), a cut record above, Node's code line.
    fn read_docker(
        &self,
        buf: &[u8],
        start: usize,
        ls: usize,
        text: Vec<u8>,
        escapes: &[Escape],
    ) -> Result<Vec<Finding>, Declined> {
        if contains(&text, b"code: '") || cut_above(buf, start, ls) {
            return Err(Declined);
        }
        let mut found = self.read_one(&text, 0, text.len())?;
        if found.len() > 1 {
            return Err(Declined);
        }
        let line = &buf[ls..];
        for f in &mut found {
            let (a, b) = f.code;
            let mut longer = 0; // how much longer the escapes before `a` are than their characters
            for &(place, raw, width) in escapes {
                let ends_alnum = line[raw + width - 1].is_ascii_alphanumeric();
                if place + 1 >= a && place < b.max(a + 1) && (place >= a || ends_alnum) {
                    return Err(Declined);
                }
                if place < a {
                    longer += width - 1;
                }
            }
            f.code = (8 + a + longer, 8 + b + longer);
            if f.unescaped.is_none() {
                f.unescaped = Some(text.clone());
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cri_heads() {
        let t = b"2024-05-14T08:00:00.123456789Z stderr F x";
        assert_eq!(cri_head(t), Some(t.len() - 1));
        assert_eq!(cri_head(b"2024-05-14T08:00:00Z stdout F"), Some(29));
        assert_eq!(cri_head(b"2024-05-14T08:00:00+05:30 stdout F y"), Some(35));
        for no in [
            &b"2024-05-14T08:00:00.123456789Z stderr P x"[..],
            b"2024-05-14T08:00:00.1234567890Z stderr F x",
            b"2024-05-14T08:00:00. stderr F x",
            b"2024-05-14T08:00:00 stderr F x",
            b"2024-05-14T08:00:00Z stdin F x",
            b"2024-05-14T08:00:00Z stderr Fx",
            b"2024-05-14 08:00:00Z stderr F x",
            b"2024-05-14T08:00Z stderr F x",
        ] {
            assert_eq!(cri_head(no), None, "{}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn docker_records() {
        let (text, escapes) =
            docker_text(b"{\"log\":\"a\\\"b\\u003c\\t\\n\",\"stream\":\"stderr\",\"time\":\"t\"}")
                .unwrap();
        assert_eq!(text, b"a\"b<\t");
        assert_eq!(escapes, vec![(1, 9, 2), (3, 12, 6), (4, 18, 2), (5, 20, 2)]);
        for no in [
            &b"{\"log\":\"a\",\"stream\":\"stderr\",\"time\":\"t\"}"[..],
            b"{\"log\":\"a\\nb\\n\",\"stream\":\"stderr\",\"time\":\"t\"}",
            b"{\"log\":\"a\\r\\n\",\"stream\":\"stderr\",\"time\":\"t\"}",
            b"{\"log\":\"a\\u000d\\n\",\"stream\":\"stderr\",\"time\":\"t\"}",
            b"{\"log\":\"a\\ud83d\\n\",\"stream\":\"stderr\",\"time\":\"t\"}",
            b"{\"log\":\"a\\x\\n\",\"stream\":\"stderr\",\"time\":\"t\"}",
            b"{\"log\":\"a\tb\\n\",\"stream\":\"stderr\",\"time\":\"t\"}",
            b"{\"log\":\"a\\n\",\"stream\":\"stdin\",\"time\":\"t\"}",
            b"{\"log\":\"a\\n\",\"stream\":\"stderr\",\"time\":\"t\",\"attrs\":{}}",
            b"{\"log\":\"a\\n\",\"stream\":\"stderr\",\"time\":\"t\\\"\"}",
            b"{\"log\":\"a\\n\",\"time\":\"t\",\"stream\":\"stderr\"}",
        ] {
            assert_eq!(docker_text(no), None, "{}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn cut_records_above() {
        let block = b"2024-05-14T08:00:00Z stderr P a\n2024-05-14T08:00:00Z stderr F b\n";
        assert!(cut_above(block, 0, 0));
        assert!(cut_above(block, 0, 32));
        let block = b"2024-05-14T08:00:00Z stderr F a\n2024-05-14T08:00:00Z stderr F b\n";
        assert!(!cut_above(block, 0, 32));
        let docker = b"{\"log\":\"a\",\"stream\":\"stderr\",\"time\":\"t\"}\nx\n";
        assert!(cut_above(docker, 0, docker.len() - 2));
        let docker = b"{\"log\":\"a\\n\",\"stream\":\"stderr\",\"time\":\"t\"}\nx\n";
        assert!(!cut_above(docker, 0, docker.len() - 2));
        let journald = b"{\"MESSAGE\":\"a\",\"_LINE_BREAK\":\"line-max\"}\nx\n";
        assert!(cut_above(journald, 0, journald.len() - 2));
    }
}

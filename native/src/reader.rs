//! One line read as `kmserr.extract.Extractor.find` reads it, for the common forms only.
//!
//! Python is the specification. This reader follows the extractor's steps for a single line
//! (the forms in priority order, text already explained skipped, each form's regex and builder)
//! for the legacy `(10630) message`, legacy JSON bodies, API 3.0 bodies and the Python SDK's
//! `[TencentCloudSDKException] code:X message:Y requestId:Z`. Wherever the line holds anything
//! else that the extractor would act on (another form, a second error, quotes around SDK text,
//! a backslash, a control character, a character whose Unicode class the regexes would ask
//! about), it gives up: `Err(Declined)`, and Python's extractor reads the line.
//!
//! Positions are byte offsets into the line; a Finding's character offsets are counted at the end.
#![forbid(unsafe_code)]

use crate::json::{value_end_knowing, JsonError, Known};

/// The line is not read here: Python's full extractor reads it.
#[derive(Debug, PartialEq, Eq)]
pub struct Declined;

type R<T> = Result<T, Declined>;

pub const LEGACY_MESSAGE: u64 = 0;
pub const LEGACY_JSON: u64 = 1;
pub const API3_JSON: u64 = 2;
pub const PYTHON_SDK: u64 = 3;
pub const JAVA_SDK: u64 = 4;
pub const JAVA_SDK_OLD: u64 = 5;
pub const GO_SDK: u64 = 6;
pub const CPP_SDK: u64 = 7;
pub const DOTNET_SDK: u64 = 8;
pub const BARE_CODE: u64 = 9;

/// The words the forms know, as the extractor holds them: `known`, the families that the old Java
/// SDK's codes may be (`_KNOWN_HEAD`); for code names standing alone (`_BareCodes`), `heads` (a
/// family, alone or dotted), `dotted` (only with a dotted sub-code) and `names` (a known name).
#[derive(Default, Clone)]
pub struct Words {
    pub known: Vec<Vec<u8>>,
    // Fx: a set of the catalogue's words, asked about each word of a line (SipHash was a fifth of
    // `bare_token`); what a line holds only asks, it adds nothing.
    pub heads: crate::fx::FxSet<Vec<u8>>,
    pub dotted: crate::fx::FxSet<Vec<u8>>,
    pub names: crate::fx::FxSet<Vec<u8>>,
    /// Whether the caller takes findings read unescaped (`Finding::unescaped`): then SDK text in a
    /// quoted value with escapes in it is read; else a line with a backslash is handed back.
    pub unescape: bool,
}

/// A span of the line, as byte offsets.
pub type Span = (usize, usize);

/// One error, as `kmserr.forms.Finding` holds it; text fields as spans of the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub form: u64,
    pub code: Span,
    pub message: Option<Span>,
    pub request_id: Option<Span>,
    pub code_desc: Option<Span>,
    pub module_code: Option<u64>,
    pub error_code: Option<u64>,
    /// SDK text read unescaped from a quoted value (`\uXXXX`, `\"`, ...; only when
    /// `Words::unescape`): then `message`, `request_id` and `code_desc` are spans of this text,
    /// not of the line (`code`, which no escape is in, stays a span of the line).
    pub unescaped: Option<Vec<u8>>,
}

impl Finding {
    /// A finding of its form, code, message and request ID alone: no codeDesc, module or
    /// gateway code, read from the line itself (most forms' findings).
    pub fn new(form: u64, code: Span, message: Option<Span>, request_id: Option<Span>) -> Finding {
        Finding {
            form,
            code,
            message,
            request_id,
            code_desc: None,
            module_code: None,
            error_code: None,
            unescaped: None,
        }
    }
}

/// A line longer than this is handed back: every window of forms.py (WINDOW = 4096 characters
/// around a code) then covers the whole line, which this reader assumes.
pub const MAX_LINE: usize = 4000;

/// Where the literals of code names stand in the line (the caller finds them): a name standing
/// alone outside the text a form explained would be a finding of its own.
pub fn read_line(b: &[u8], names: &[Span], words: &Words) -> R<Vec<Finding>> {
    let odd = precheck(b)?;
    let escaped = odd & 4 != 0;
    if escaped && !words.unescape {
        return Err(Declined);
    }
    let mut r = Reader {
        b,
        quote: odd & 8 != 0,
        taken: Spans::default(),
        found: Vec::new(),
        json: Bodies::default(),
    };
    r.quoted(names, words, escaped)?;
    r.sdk_text(&words.known)?;
    r.cpp()?;
    r.dotnet()?;
    if contains(b, b"Code: ") {
        return Err(Declined); // `Code: X, Message: M` (CODE_MESSAGE): not read here
    }
    r.api3()?;
    r.legacy()?;
    r.legacy_json()?;
    // Names standing alone come last: any literal of a name outside the text explained may be one.
    let free: Vec<Span> = names
        .iter()
        .copied()
        .filter(|&(s, e)| !r.overlaps(s, e))
        .collect();
    if !free.is_empty() {
        r.bare(&free, words)?;
    }
    if r.found.len() > 1 || r.taken.overflow || goes_on_below(b, &r.found) {
        // several errors: ordering, request IDs shared on a line; an error that goes on below (Python)
        return Err(Declined);
    }
    Ok(r.found)
}

/// The spans of the text explained (no allocation a line): a line read here has one or two; one
/// with more than SPANS holds several errors, and is declined (`overflow`).
#[derive(Default)]
struct Spans {
    at: [Span; SPANS],
    len: usize,
    overflow: bool,
}

const SPANS: usize = 4;

impl Spans {
    fn push(&mut self, span: Span) {
        match self.at.get_mut(self.len) {
            Some(slot) => {
                *slot = span;
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    fn iter(&self) -> std::slice::Iter<'_, Span> {
        self.at[..self.len].iter()
    }
}

/// The JSON values read from a brace of the line (`Reader::json_object`), the first BODIES of
/// them (no allocation a line): a later one is read again when asked for.
struct Bodies {
    at: [Known; BODIES],
    len: usize,
}

const BODIES: usize = 8;

impl Default for Bodies {
    fn default() -> Bodies {
        Bodies {
            at: [(0, Ok(0), 0); BODIES],
            len: 0,
        }
    }
}

impl Bodies {
    fn known(&self) -> &[Known] {
        &self.at[..self.len]
    }

    fn push(&mut self, body: Known) {
        if let Some(slot) = self.at.get_mut(self.len) {
            *slot = body;
            self.len += 1;
        }
    }
}

/// What makes a whole line one that this reader does not read; Ok(whether it holds a backslash:
/// escapes, read only in the quoted value that holds SDK text, see `Reader::quoted`).
fn precheck(b: &[u8]) -> R<u8> {
    if b.len() > MAX_LINE {
        return Err(Declined);
    }
    // Control characters are spaces to Python's `\s` and `strip()` (\x1c-\x1f too); a backslash
    // means escapes (JSON's, Python's) that the extractor unescapes.
    let odd = odd_bytes(b);
    // An ASCII line is UTF-8: only a line with a byte >= 0x80 is validated.
    if odd & 1 != 0 || (odd & 2 != 0 && std::str::from_utf8(b).is_err()) {
        return Err(Declined);
    }
    // Characters that case-insensitive matching or lower() treat specially (İ ı ſ K).
    if odd & 2 != 0 {
        for odd in [&b"\xc4\xb0"[..], b"\xc4\xb1", b"\xc5\xbf", b"\xe2\x84\xaa"] {
            if contains(b, odd) {
                return Err(Declined);
            }
        }
    }
    // A line that a traceback's source line may be (`_is_source_line`): indented, a gutter, a
    // marker, a line number. Non-ASCII first characters include rich's box and markers.
    match b.first() {
        Some(b' ' | b'\t' | b'|' | b'-' | b'>') => return Err(Declined),
        Some(&c) if c >= 0x80 => return Err(Declined),
        Some(c) if c.is_ascii_digit() => {
            let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
            if n <= 7 && matches!(b.get(n), Some(b' ' | b'\t')) {
                return Err(Declined);
            }
        }
        _ => {}
    }
    // loguru's report of a record its sink could not write (`_is_source_line`): no occurrence.
    if contains(b, b"\"locals\"") || b.starts_with(b"code: '") || b.starts_with(b"Record was: {") {
        return Err(Declined);
    }
    // A line a platform's envelope may hold (`envelopes.open_line` under --envelope auto): Python
    // unwraps it. rich's exception line (`TencentCloudSDKException: [...]`, wrapped below) and a
    // Node SDK error's first line (`TencentCloudSDKHttpException [Error]: (10630) ...`, reported
    // on its `code:` line) are Python's too.
    if in_envelope(b) || contains(b, b"TencentCloudSDKException:") || contains(b, b"Exception [") {
        return Err(Declined);
    }
    let sdk = count(b, b"TencentCloudSDK");
    if sdk > 1 || (sdk == 1 && contains(b, b"='")) {
        return Err(Declined); // several SDK errors, or SDK text in a Python repr's quotes
    }
    Ok(odd)
}

/// What odd bytes `b` holds: bit 0 a control character (not a tab), bit 1 a byte >= 0x80, bit 2
/// a backslash, bit 3 a double quote; eight bytes a turn (`precheck` asks about every byte of
/// each line).
fn odd_bytes(b: &[u8]) -> u8 {
    const M7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HI: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `x` that is zero, exactly (no borrow between bytes).
    let zero = |x: u64| !(((x & M7) + M7) | x) & HI;
    let splat = crate::scan::splat;
    let (mut control, mut high, mut backslash, mut quote) = (0u64, 0u64, 0u64, 0u64);
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        // Below 0x20: adding 0x60 to the low seven bits leaves the high bit clear.
        let below = !((w & M7) + splat(0x60)) & !w & HI;
        control |= (below & !zero(w ^ splat(b'\t'))) | zero(w ^ splat(0x7f));
        high |= w & HI;
        backslash |= zero(w ^ splat(b'\\'));
        quote |= zero(w ^ splat(b'"'));
    }
    let mut odd = u8::from(control != 0)
        | (u8::from(high != 0) << 1)
        | (u8::from(backslash != 0) << 2)
        | (u8::from(quote != 0) << 3);
    for &c in words.remainder() {
        odd |= u8::from((c < 0x20 && c != b'\t') || c == 0x7f)
            | (u8::from(c >= 0x80) << 1)
            | (u8::from(c == b'\\') << 2)
            | (u8::from(c == b'"') << 3);
    }
    odd
}

/// Whether `envelopes.open_line(line, AUTO)` may open the line (a superset): Docker's and
/// journald's JSON records, a CRI or rsyslog line after an RFC 3339 time (`envelopes.may_wrap`:
/// a lower-case word or a digit after the time), RFC 5424 and RFC 3164 syslog.
/// Whether a finding of a line is one whose error goes on below it (`extract._in_pretty_objects`
/// on a line that is not indented): a legacy code after a stack's header or pino-pretty's record
/// line (`Error: (10630) ...`, `[time] ERROR (42): (10630) ...`, the SDK's code below), or a name
/// after bunyan's `err.code=` (its message below). Python reads such a line with the lines below.
/// Asked of the findings, not of the line: no search of every line.
pub(crate) fn goes_on_below(b: &[u8], found: &[Finding]) -> bool {
    found.iter().any(|f| {
        let at = f.code.0;
        if f.form == LEGACY_MESSAGE && at > 0 && b[at - 1] == b'(' {
            let head = &b[..at - 1];
            head.ends_with(b": ")
                && (head.ends_with(b"Error: ")
                    || head.ends_with(b"Exception: ")
                    || (b[0] == b'[' && head.ends_with(b"): ")))
        } else {
            f.form == BARE_CODE && b[..at].ends_with(b"err.code=")
        }
    })
}

/// Whether a line begins with the kubelet's time (`kubectl logs --timestamps`, `envelopes.kubelet_time`):
/// RFC 3339 with nine digits of nanoseconds, `Z` or an offset, then a blank.
fn kubelet_time(b: &[u8]) -> bool {
    let blank = match b.get(29) {
        Some(b'Z') => 30,
        Some(b'+' | b'-') => 35,
        _ => return false,
    };
    b.get(19) == Some(&b'.')
        && b[20..29].iter().all(u8::is_ascii_digit)
        && b.get(blank) == Some(&b' ')
        && b[..blank].iter().all(|&c| c != b' ')
}

pub(crate) fn in_envelope(b: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    match b.first() {
        None => false,
        Some(b'{') => {
            b.starts_with(b"{\"log\":\"")
                || (contains(b, b"\"MESSAGE\"")
                    && (contains(b, b"\"__REALTIME_TIMESTAMP\"") || contains(b, b"\"__CURSOR\"")))
        }
        Some(b'<') => b.get(1).is_some_and(u8::is_ascii_digit),
        Some(0x1e) => true,
        Some(b'[') => b.starts_with(b"[pod/"),
        Some(c) if c.is_ascii_digit() && kubelet_time(b) => true,
        Some(c) if c.is_ascii_digit() => {
            // As Python reads it, in characters: `line.find(" ", 19, 42)`, then the next one lower
            // case or a digit (`str.islower`, `str.isdigit`: Unicode's; a non-ASCII one is let be).
            let head = &b[..b.len().min(43)];
            if head.is_ascii() {
                // A character a byte: no decoding, nothing collected.
                return match (19..head.len().min(42)).find(|&i| head[i] == b' ') {
                    Some(i) => head
                        .get(i + 1)
                        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                    None => false,
                };
            }
            let Ok(text) = std::str::from_utf8(&b[..b.len().min(43 * 4)])
                .or_else(|e| std::str::from_utf8(&b[..e.valid_up_to()]))
            else {
                return true;
            };
            let chars: Vec<char> = text.chars().take(43).collect();
            match (19..chars.len().min(42)).find(|&i| chars[i] == ' ') {
                Some(i) => chars.get(i + 1).is_some_and(|&c| {
                    !c.is_ascii() || c.is_ascii_lowercase() || c.is_ascii_digit()
                }),
                None => false,
            }
        }
        Some(_) => b.len() >= 4 && b[3] == b' ' && MONTHS.iter().any(|m| b.starts_with(m)),
    }
}

struct Reader<'a> {
    b: &'a [u8],
    quote: bool, // whether `b` holds a `"` (`odd_bytes`)
    taken: Spans,
    found: Vec<Finding>,
    json: Bodies, // values read from a brace: a body is read once, and once inside another
}

impl Reader<'_> {
    fn overlaps(&self, s: usize, e: usize) -> bool {
        self.taken.iter().any(|&(ts, te)| ts < e && te > s)
    }

    /// The span that holds `pos`, if any (`_Spans.end_of`).
    fn holding(&self, pos: usize) -> Option<Span> {
        self.taken
            .iter()
            .copied()
            .find(|&(ts, te)| ts <= pos && pos < te)
    }

    fn take(&mut self, span: Span, finding: Finding) {
        self.taken.push(span);
        self.found.push(finding);
    }

    /// SDK text in a record's quoted value (`{"msg": "[TencentCloudSDKException] code:..."}`), which
    /// the extractor reads alone (`Extractor._quoted`): values paired from the line's start, the one
    /// that holds the SDK text read as a line of its own if a key or `=` stands before it. With
    /// `escaped` (the line holds a backslash) every backslash must stand in that value, which is
    /// read unescaped as `_unescape_with_places` reads it (`unescape`); the values before it hold
    /// none, so they pair as plain quotes, as the extractor's regex pairs them.
    fn quoted(&mut self, names: &[Span], words: &Words, escaped: bool) -> R<()> {
        let b = self.b;
        let Some(t) = find(b, b"TencentCloudSDK", 0) else {
            return if escaped { Err(Declined) } else { Ok(()) };
        };
        if !self.quote {
            return if escaped { Err(Declined) } else { Ok(()) };
        }
        let mut pos = 0;
        loop {
            let Some(open) = find(b, b"\"", pos) else {
                return Err(Declined);
            };
            let close = if escaped {
                closing(b, open + 1)
            } else {
                find(b, b"\"", open + 1)
            };
            let Some(close) = close else {
                return Err(Declined);
            };
            if t < open {
                return Err(Declined); // the SDK text stands outside the values
            }
            if t > close {
                pos = close + 1;
                continue;
            }
            // `_is_value`: what stands before the quote, within 16 characters, ends with `:` or `=`.
            let lo = back_chars(b, open, 16);
            let mut j = open;
            while j > lo && matches!(b[j - 1], b' ' | b'\t') {
                j -= 1;
            }
            if j == lo || !matches!(b[j - 1], b':' | b'=') {
                return Err(Declined);
            }
            let (vs, ve) = (open + 1, close);
            if escaped {
                if b[..vs].contains(&b'\\') || b[ve..].contains(&b'\\') {
                    return Err(Declined); // escapes outside the value: read as they stand, by Python
                }
                return self.unescaped(names, words, (open, close));
            }
            let inner: Vec<Span> = names
                .iter()
                .filter(|&&(s, e)| s >= vs && e <= ve)
                .map(|&(s, e)| (s - vs, e - vs))
                .collect();
            let found = read_line(&b[vs..ve], &inner, words)?;
            self.taken.push((open, close + 1));
            for f in found {
                let shift = |x: Option<Span>| x.map(|(s, e)| (s + vs, e + vs));
                self.found.push(Finding {
                    code: (f.code.0 + vs, f.code.1 + vs),
                    message: shift(f.message),
                    request_id: shift(f.request_id),
                    code_desc: shift(f.code_desc),
                    ..f
                });
            }
            return Ok(());
        }
    }

    /// The value between the quotes at `open` and `close`, read unescaped (`Extractor._quoted`):
    /// its findings, their codes placed back in the line (`places[f.start]`), their text kept in
    /// the unescaped value (`Finding::unescaped`).
    fn unescaped(&mut self, names: &[Span], words: &Words, (open, close): Span) -> R<()> {
        let (vs, ve) = (open + 1, close);
        let (text, places) = unescape(&self.b[vs..ve], vs)?;
        // The literals of names in the value, placed in the unescaped text: no escape makes a
        // name's character (`unescape` refuses those), so each stands there as in the line.
        let mut inner = Vec::new();
        for &(s, e) in names.iter().filter(|&&(s, e)| s >= vs && e <= ve) {
            let at = places.partition_point(|&p| p < s);
            if places.get(at) != Some(&s) || places.get(at + (e - s)) != Some(&e) {
                return Err(Declined);
            }
            inner.push((at, at + (e - s)));
        }
        let found = read_line(&text, &inner, words)?;
        self.taken.push((open, close + 1));
        for f in found {
            let (cs, ce) = f.code;
            if f.unescaped.is_some() || places[ce] - places[cs] != ce - cs {
                return Err(Declined); // unescaped twice, or an escape in the code
            }
            self.found.push(Finding {
                code: (places[cs], places[ce]),
                unescaped: Some(text.clone()),
                ..f
            });
        }
        Ok(())
    }

    fn sdk_text(&mut self, heads: &[Vec<u8>]) -> R<()> {
        let b = self.b;
        let Some(t) = find(b, b"TencentCloudSDK", 0) else {
            return Ok(());
        };
        if self.holding(t).is_some() {
            return Ok(()); // read in its quotes: the extractor goes on after them
        }
        if self.quote {
            return Err(Declined);
        }
        if t == 0 || b[t - 1] != b'[' {
            return Err(Declined); // PHP's `\`, a repr, or prose: not read here
        }
        if contains(b, b"ErrorCode=") {
            return Err(Declined); // a C++ SDK error too
        }
        let rest = &b[t..];
        if rest.starts_with(b"TencentCloudSDKException] code:") {
            self.python_sdk(t)
        } else if rest.starts_with(b"TencentCloudSDKException]code: ") {
            self.java_sdk(t)
        } else if rest.starts_with(b"TencentCloudSDKException]message:") {
            self.java_sdk_old(t, heads)
        } else if rest.starts_with(b"TencentCloudSDKError] Code=") {
            self.go_sdk(t)
        } else {
            Err(Declined)
        }
    }

    /// What every SDK text form does once built (`_sdk`, `next_error`, `_form_span`, WRAPPERS):
    /// the message (None when `empty_is_none` and empty) checked for a legacy code at its start,
    /// no second error's head after the code, the span to the request ID's last place.
    #[allow(clippy::too_many_arguments)]
    fn sdk_finding(
        &mut self,
        form: u64,
        start: usize,
        code: Span,
        message: Option<Span>,
        rid: Option<Span>,
        empty_is_none: bool,
        ended_by_rid: bool,
        allow_request_id_eq: bool,
    ) -> R<()> {
        let b = self.b;
        let end = b.len();
        if code.0 == code.1 || no_value(&b[code.0..code.1]) {
            return Err(Declined); // `_clean` gives no code: no finding, the text is not taken
        }
        let message = message.filter(|&(s, e)| !(empty_is_none && s == e));
        if let Some((s, e)) = message {
            if b[lstrip(b, s, e)..e].first() == Some(&b'(') {
                return Err(Declined); // `with_legacy_message`: a message that is itself `(10010) text`
            }
        }
        let rest = &b[code.1..end];
        if contains(rest, b"TencentCloudSDK")
            || contains(rest, b"code:")
            || contains(rest, b"Code: ")
            || (!allow_request_id_eq && contains(rest, b"RequestId="))
        {
            return Err(Declined); // `next_error`: a second error's head ends the message there
        }
        let mut span_end = end;
        if let (true, Some((rs, re))) = (ended_by_rid, rid) {
            if let Some(at) = rfind(b, &b[rs..re], code.1, end) {
                span_end = at + (re - rs);
            }
        }
        if find(&b[..span_end], b"\"Code\"", code.1).is_some() {
            return Err(Declined); // WRAPPERS: an API 3.0 body quoted in the message
        }
        let finding = Finding::new(form, code, message, rid);
        self.take((start.min(code.0), span_end), finding);
        Ok(())
    }

    /// PYTHON_SDK: `[TencentCloudSDKException] code:C message:M requestId:R`.
    fn python_sdk(&mut self, t: usize) -> R<()> {
        let b = self.b;
        const HEAD: &[u8] = b"TencentCloudSDKException] code:";
        let c0 = t + HEAD.len();
        let mut c1 = c0;
        while c1 < b.len() && b[c1] != b' ' && b[c1] != b'\t' {
            if b[c1] >= 0x80 {
                return Err(Declined);
            }
            c1 += 1;
        }
        if c1 == c0 || c1 - c0 > 128 || !b[c1..].starts_with(b" message:") {
            return Err(Declined); // a sentence as code, or no code
        }
        let ms = c1 + b" message:".len();
        let end = b.len();
        // `_sdk_message`: the message runs to the last ` requestId:` of the line.
        let (message, rid) = match rfind(b, b" requestId:", ms, end) {
            None => ((ms, rstrip(b, ms, end)), None),
            Some(label) => {
                let token_from = label + b" requestId:".len();
                let token_to = fwd_chars(b, label, 256).min(end).max(token_from);
                let (s, e) = strip(b, token_from, token_to);
                let e = find(&b[..e], b" ", s).unwrap_or(e);
                ((ms, rstrip(b, ms, label)), request_id_token(b, s, e))
            }
        };
        let message = if &b[message.0..message.1] == b"None" {
            None
        } else {
            Some(message)
        };
        let rid = self.bracketed(rid, message)?;
        self.sdk_finding(PYTHON_SDK, t, (c0, c1), message, rid, false, true, false)
    }

    /// `rid or _bracketed_rid(message)`: the `[request id:X]` form is not read here.
    fn bracketed(&self, rid: Option<Span>, message: Option<Span>) -> R<Option<Span>> {
        if let (None, Some((s, e))) = (rid, message) {
            if contains(&self.b[s..e], b"[request id:") {
                return Err(Declined);
            }
        }
        Ok(rid)
    }

    /// `_split_request_id(text[s:e], label)`: the message before the last label, and the ID after it.
    fn split_request_id(&self, s: usize, e: usize, label: &[u8]) -> (Span, Option<Span>) {
        let b = self.b;
        match rfind(b, label, s, e) {
            None => ((s, rstrip(b, s, e)), None),
            Some(at) => {
                let (ts, te) = strip(b, at + label.len(), e);
                let te = find(&b[..te], b" ", ts).unwrap_or(te);
                ((s, rstrip(b, s, at)), request_id_token(b, ts, te))
            }
        }
    }

    /// JAVA_SDK: `[TencentCloudSDKException]code: C message:M requestId:R` (and a ` cause:` after it).
    fn java_sdk(&mut self, t: usize) -> R<()> {
        let b = self.b;
        let c0 = t + b"TencentCloudSDKException]code: ".len();
        let c1 = c0
            + b[c0..]
                .iter()
                .take_while(|&&c| c != b' ' && c != b'\t' && c < 0x80)
                .count();
        if b.get(c1).is_some_and(|&c| c >= 0x80) || !b[c1..].starts_with(b" message:") {
            return Err(Declined);
        }
        let ms = c1 + b" message:".len();
        let mut me = b.len();
        if let Some(cause) = rfind(b, b" cause:", ms, me) {
            if find(&b[..cause], b" requestId:", ms).is_some() {
                me = cause;
            }
        }
        let (message, rid) = self.split_request_id(ms, me, b" requestId:");
        let rid = self.bracketed(rid, Some(message))?;
        self.sdk_finding(
            JAVA_SDK,
            t - 1,
            (c0, c1),
            Some(message),
            rid,
            true,
            true,
            false,
        )
    }

    /// JAVA_SDK_OLD: `[TencentCloudSDKException]message:Code-message requestId:R`, a code that looks
    /// like one (dotted, or a known family).
    fn java_sdk_old(&mut self, t: usize, heads: &[Vec<u8>]) -> R<()> {
        let b = self.b;
        let c0 = t + b"TencentCloudSDKException]message:".len();
        if !b.get(c0).is_some_and(u8::is_ascii_alphabetic) {
            return Err(Declined);
        }
        let c1 = c0
            + b[c0..]
                .iter()
                .take_while(|&&c| CLASS[usize::from(c)] & CODE_WORD != 0)
                .count();
        if b.get(c1) != Some(&b'-') {
            return Err(Declined); // a Unicode letter goes on with `\w`, or no `-`
        }
        let code = &b[c0..c1];
        let head = code.split(|&c| c == b'.').next().unwrap_or(code);
        if !code.contains(&b'.') && !heads.iter().any(|h| h.as_slice() == head) {
            return Err(Declined); // `Request-timeout`: no code; the rest of the line is the others'
        }
        let (message, rid) = self.split_request_id(c1 + 1, b.len(), b" requestId:");
        let rid = self.bracketed(rid, Some(message))?;
        self.sdk_finding(
            JAVA_SDK_OLD,
            t - 1,
            (c0, c1),
            Some(message),
            rid,
            true,
            true,
            false,
        )
    }

    /// GO_SDK: `[TencentCloudSDKError] Code=C, Message=M, RequestId=R`.
    fn go_sdk(&mut self, t: usize) -> R<()> {
        let b = self.b;
        let c0 = t + b"TencentCloudSDKError] Code=".len();
        let c1 = not_comma_space(b, c0)?;
        if !b[c1..].starts_with(b", Message=") {
            return Err(Declined);
        }
        let (message, rid) =
            self.split_request_id(c1 + b", Message=".len(), b.len(), b", RequestId=");
        self.sdk_finding(
            GO_SDK,
            t - 1,
            (c0, c1),
            Some(message),
            rid,
            true,
            true,
            true,
        )
    }

    /// CPP_SDK: `RequestId=R, ErrorCode=C, ErrorMessage=M`, the first place its regex matches.
    fn cpp(&mut self) -> R<()> {
        let b = self.b;
        let mut pos = 0;
        while let Some(at) = find(b, b"RequestId=", pos) {
            pos = at + 1;
            if let Some((_, te)) = self.holding(at) {
                pos = te; // an SDK text form inside text explained: the extractor goes on after it
                continue;
            }
            let r0 = at + b"RequestId=".len();
            let r1 = not_comma_space(b, r0)?;
            if !b[r1..].starts_with(b", ErrorCode=") {
                continue;
            }
            let c0 = r1 + b", ErrorCode=".len();
            let c1 = not_comma_space(b, c0)?;
            if !b[c1..].starts_with(b", ErrorMessage=") {
                continue;
            }
            if !self.found.is_empty() || self.overlaps(at, b.len()) {
                return Err(Declined);
            }
            let message = strip(b, c1 + b", ErrorMessage=".len(), b.len());
            let (rs, re) = strip(b, r0, r1);
            let rid = (!no_value(&b[rs..re])).then_some((rs, re));
            return self.sdk_finding(
                CPP_SDK,
                at,
                (c0, c1),
                Some(message),
                rid,
                true,
                false,
                false,
            );
        }
        Ok(())
    }

    /// DOTNET_SDK: `code:X message:M requestId:R`; where its regex matches in text explained
    /// already (the Python SDK's own `code:`), the extractor skips it.
    fn dotnet(&mut self) -> R<()> {
        let b = self.b;
        let mut pos = 0;
        while let Some(at) = find(b, b"code:", pos) {
            pos = at + 1;
            if at > 0 {
                let (prev, _) = char_before(b, at);
                if prev.is_ascii() {
                    if prev.is_ascii_alphanumeric() || matches!(prev, '_' | ']' | '\\') {
                        continue;
                    }
                } else if is_cjk(prev) {
                    continue; // a word character: the lookbehind fails
                } else if !is_non_word(prev) {
                    return Err(Declined);
                }
            }
            let s = at + 5;
            if !b.get(s).is_some_and(u8::is_ascii_alphabetic) {
                continue;
            }
            let mut e = s;
            while e < b.len() && CLASS[usize::from(b[e])] & CODE_WORD != 0 {
                e += 1;
            }
            if b.get(e).is_some_and(|&c| c >= 0x80) {
                return Err(Declined); // `\w` goes on through Unicode letters
            }
            if !b[e..].starts_with(b" message:") {
                continue;
            }
            if let Some((_, te)) = self.holding(at) {
                pos = pos.max(te);
                continue;
            }
            if !self.found.is_empty() || self.overlaps(at, b.len()) {
                return Err(Declined);
            }
            // `_dotnet_sdk`: the message, and a `requestId` after a space that ends the text.
            let ms = e + b" message:".len();
            let (mut message, mut rid) = (strip(b, ms, b.len()), None);
            if let Some(r) = rfind(b, b"requestId", ms, b.len()) {
                if r > ms && space_at(b, char_before(b, r).1) {
                    if let Some(id) = dotnet_request_id(b, r)? {
                        message = strip(b, ms, r);
                        rid = Some(id);
                    }
                }
            }
            return self.sdk_finding(
                DOTNET_SDK,
                at,
                (s, e),
                Some(message),
                rid,
                true,
                true,
                false,
            );
        }
        Ok(())
    }

    /// API3_JSON: `"Code": "X"` in a body with an `"Error": {` before it.
    fn api3(&mut self) -> R<()> {
        let b = self.b;
        let mut pos = 0;
        while let Some(q) = find(b, b"\"Code\"", pos) {
            let Some((code, mend)) = api3_code_at(b, q) else {
                pos = q + 1;
                continue;
            };
            pos = mend;
            if self.overlaps(q, mend) {
                continue;
            }
            if error_key(b, 0, q).is_none() {
                continue;
            }
            let (ls, le) = self.json_object(q, mend)?.unwrap_or((0, b.len()));
            if error_key(b, ls, q).is_none() {
                continue;
            }
            let message = json_string_value(b, b"\"Message\"", ls, le);
            let rid = api3_request_id(b, ls, le).filter(|&(s, e)| !no_value(&b[s..e]));
            let finding = Finding::new(API3_JSON, code, message, rid);
            let span = self.body_span((q, mend), code)?;
            self.take(span, finding);
        }
        Ok(())
    }

    /// LEGACY_MESSAGE: `(10630) message`, plain or as a legacy body's "message".
    fn legacy(&mut self) -> R<()> {
        let b = self.b;
        let mut pos = 0;
        while let Some(p) = find(b, b"(", pos) {
            let Some((digits, mend)) = legacy_at(b, p)? else {
                pos = p + 1;
                continue;
            };
            pos = mend;
            if self.overlaps(p, mend) {
                continue;
            }
            if p > 0 && b[p - 1] == b'\'' {
                return Err(Declined); // a single-quoted repr's string, read to its quote (`_legacy_message`)
            }
            let quoted = p > 0 && b[p - 1] == b'"';
            if !quoted && b[..p].contains(&b'"') {
                return Err(Declined); // maybe inside a string opened before it, read to its quote (`in_string`)
            }
            let stop = if quoted {
                find(&b[..b.len()], b"\"", mend)
            } else {
                None
            };
            let message = strip(b, mend, stop.unwrap_or(b.len()));
            let (bs, be) = if quoted {
                self.json_object(p, digits.1)?
            } else {
                None
            }
            .unwrap_or((0, b.len()));
            let mut form = LEGACY_MESSAGE;
            let mut error_code = None;
            let mut code_desc = None;
            if quoted && in_message_value(b, p) {
                if let Some(number) = legacy_json_code(b, bs, be) {
                    form = LEGACY_JSON;
                    error_code = Some(number);
                    code_desc = json_string_value(b, b"\"codeDesc\"", bs, be);
                }
            }
            let finding = Finding {
                form,
                code: digits,
                message: Some(message),
                request_id: request_id_near(b),
                code_desc,
                module_code: Some(parse_u64(&b[digits.0..digits.1])),
                error_code,
                unescaped: None,
            };
            let span = if form == LEGACY_JSON {
                self.body_span((p, mend), digits)?
            } else {
                (p, mend)
            };
            self.take(span, finding);
        }
        Ok(())
    }

    /// LEGACY_JSON: `"code": 4000, "message": "..."`, found from its "message" (`_legacy_json_bodies`).
    fn legacy_json(&mut self) -> R<()> {
        let b = self.b;
        let mut at = find(b, b"\"message\"", 0);
        while let Some(m) = at {
            let lo = back_chars(b, m, 64);
            let key = rfind(b, b"\"code\"", lo, m);
            let matched = key.and_then(|k| legacy_plain_at(b, k).map(|x| (k, x)));
            let mut next = m + 1;
            if let Some((k, (code, message, mend))) = matched {
                next = next.max(mend);
                if !self.overlaps(k, mend) {
                    let (bs, be) = self.json_object(code.0, code.1)?.unwrap_or((0, b.len()));
                    let finding = Finding {
                        form: LEGACY_JSON,
                        code,
                        message: if message.0 == message.1 {
                            None
                        } else {
                            Some(message)
                        },
                        request_id: request_id_near(b),
                        code_desc: json_string_value(b, b"\"codeDesc\"", bs, be),
                        module_code: None,
                        error_code: Some(parse_u64(&b[code.0..code.1])),
                        unescaped: None,
                    };
                    let span = self.body_span((k, mend), code)?;
                    self.take(span, finding);
                }
            }
            at = find(b, b"\"message\"", next);
        }
        Ok(())
    }
}

impl Reader<'_> {
    /// BARE_CODE: of the identifiers that hold the free literals of names, the one (if any) that
    /// `_BareCodes`' pattern matches whole: a family or known name, then dotted sub-codes.
    fn bare(&mut self, free: &[Span], words: &Words) -> R<()> {
        let b = self.b;
        let mut matched: Option<Span> = None;
        let mut done = 0; // the identifiers before this have been looked at
        for &(fs, fe) in free {
            if fs < done {
                continue;
            }
            let (s, e) = identifier_around(b, fs, fe);
            done = e;
            if bare_token(b, s, e, words)? {
                if matched.is_some() {
                    return Err(Declined); // two names standing alone
                }
                matched = Some((s, e));
            }
        }
        let Some((s, e)) = matched else { return Ok(()) };
        if !self.found.is_empty() {
            return Err(Declined); // a second error on the line
        }
        if s > 0 && b[s - 1] == b'"' {
            return Err(Declined); // `"code": "X"`: a logged error object, read as JSON
        }
        // `_bare_code`: the message after `: `, ` - ` or `, `, and the line's request ID.
        let mut i = skip_ws(b, e, b.len());
        let mut message = None;
        if matches!(b.get(i), Some(b':' | b'-' | b',')) {
            i += 1;
            let j = skip_ws(b, i, b.len());
            if j > i && j < b.len() {
                message = Some((j, rstrip(b, j, b.len())));
            }
        }
        let finding = Finding::new(BARE_CODE, (s, e), message, request_id_near(b));
        self.take((s, e), finding);
        Ok(())
    }
}

/// The identifier (letters, digits, dots) that holds the literal at `fs..fe`: where a name that
/// stands alone would begin and end.
pub(crate) fn identifier_around(b: &[u8], fs: usize, fe: usize) -> Span {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'.';
    let mut s = fs;
    while s > 0 && ident(b[s - 1]) {
        s -= 1;
    }
    let mut e = fe;
    while e < b.len() && ident(b[e]) {
        e += 1;
    }
    (s, e)
}

/// Whether `_BareCodes`' pattern matches the identifier `b[s:e]` (a maximal run of letters, digits
/// and dots): only at its start, where a word the extractor knows begins after a character that
/// `_NOT_BEFORE` lets through, runs on by dotted sub-codes to its end, and `_NOT_AFTER` holds.
/// Err when a Unicode character or an odd identifier leaves it open.
pub(crate) fn bare_token(b: &[u8], s: usize, e: usize, words: &Words) -> R<bool> {
    if !b[s].is_ascii_alphabetic() {
        return Ok(false); // no word starts with a digit or a dot; later places follow a letter or dot
    }
    if s > 0 {
        let prev = char_before(b, s).0;
        if prev.is_ascii() {
            if prev.is_ascii_alphanumeric() || "_.\\/-".contains(prev) {
                return Ok(false);
            }
        } else if is_cjk(prev) {
            return Ok(false);
        } else if !is_non_word(prev) {
            return Err(Declined);
        }
    }
    let token = &b[s..e];
    if token.last() == Some(&b'.') || contains(token, b"..") || e - s > 128 {
        return Err(Declined); // a word may end before a lone dot; a long one the scan skips
    }
    let mut known = false;
    for (k, c) in token
        .iter()
        .copied()
        .enumerate()
        .chain(std::iter::once((token.len(), b'.')))
    {
        if c == b'.' && !known {
            // Once known, the longer words need not be asked about (three sets each).
            let word = &token[..k];
            known = words.heads.contains(word)
                || words.names.contains(word)
                || (words.dotted.contains(word) && k < token.len());
        }
    }
    if !known || e == b.len() {
        return Ok(known);
    }
    let next = char_at(b, e);
    if next.is_ascii() {
        Ok(next != '_' && next != '-')
    } else if is_cjk(next) {
        Ok(false)
    } else if is_non_word(next) {
        Ok(true)
    } else {
        Err(Declined)
    }
}

impl Reader<'_> {
    /// `json_object`: the outermost object, of up to 8 braces before `start`, that holds `text[start:end]`.
    fn json_object(&mut self, start: usize, end: usize) -> R<Option<Span>> {
        let b = self.b;
        if find(b, b"}", end).is_none() {
            return Ok(None);
        }
        let mut found = None;
        let mut brace = start;
        for _ in 0..8 {
            let Some(x) = rfind(b, b"{", 0, brace) else {
                break;
            };
            brace = x;
            let value = match self.json.known().iter().find(|(at, _, _)| *at == brace) {
                Some(&(_, v, _)) => v,
                None => {
                    let (v, max) = value_end_knowing(b, brace, self.json.known());
                    self.json.push((brace, v, max));
                    v
                }
            };
            match value {
                Err(JsonError::Invalid) => continue,
                Err(JsonError::TooDeep) => return Err(Declined),
                Ok(e) => {
                    if e < end {
                        break;
                    }
                    found = Some((brace, e));
                }
            }
        }
        Ok(found)
    }

    /// `_form_span` of a JSON body's finding: its own braces when the body is whole, else the line's
    /// first `{` before it and last `}` after it.
    fn body_span(&mut self, matched: Span, code: Span) -> R<Span> {
        let b = self.b;
        let (start, end) = (matched.0.min(code.0), matched.1.max(code.1));
        if let Some((bs, be)) = self.json_object(code.0, code.1)? {
            return Ok((start.min(bs), end.max(be)));
        }
        let brace = find(&b[..start], b"{", 0);
        let close = rfind(b, b"}", end, b.len());
        Ok((brace.unwrap_or(start), close.map_or(end, |c| c + 1)))
    }
}

/// `_API3_CODE` at `"Code"` (at `q`): `"Code"\s*:\s*"([A-Za-z][A-Za-z0-9_.]*)"`.
pub(crate) fn api3_code_at(b: &[u8], q: usize) -> Option<(Span, usize)> {
    let mut i = skip_ws(b, q + 6, b.len());
    if b.get(i) != Some(&b':') {
        return None;
    }
    i = skip_ws(b, i + 1, b.len());
    if b.get(i) != Some(&b'"') || !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let s = i + 1;
    let mut e = s + 1;
    e += class_run(b, e, b.len(), CODE_WORD);
    (b.get(e) == Some(&b'"')).then_some(((s, e), e + 1))
}

/// `_ERROR_KEY.search(text, lo, hi)`: `"Error"\s*:\s*\{`.
pub(crate) fn error_key(b: &[u8], lo: usize, hi: usize) -> Option<usize> {
    let w = &b[..hi];
    let mut pos = lo;
    while let Some(k) = find(w, b"\"Error\"", pos) {
        let i = skip_ws(w, k + 7, hi);
        if w.get(i) == Some(&b':') {
            let j = skip_ws(w, i + 1, hi);
            if w.get(j) == Some(&b'{') {
                return Some(k);
            }
        }
        pos = k + 1;
    }
    None
}

/// `KEY\s*:\s*"((?:[^"\\\n]|\\.){0,4096})"` searched in `b[lo:hi]`: the value's span (no
/// backslash reaches here, and a line holds fewer than 4096 characters).
fn json_string_value(b: &[u8], key: &[u8], lo: usize, hi: usize) -> Option<Span> {
    let w = &b[..hi];
    let mut pos = lo;
    while let Some(k) = find(w, key, pos) {
        pos = k + 1;
        let i = skip_ws(w, k + key.len(), hi);
        if w.get(i) != Some(&b':') {
            continue;
        }
        let j = skip_ws(w, i + 1, hi);
        if w.get(j) != Some(&b'"') {
            continue;
        }
        if let Some(close) = find(w, b"\"", j + 1) {
            return Some((j + 1, close));
        }
    }
    None
}

/// `_API3_REQUEST_ID`: `"RequestId"\s*:\s*"([^"\s]*)"` searched in `b[lo:hi]`.
pub(crate) fn api3_request_id(b: &[u8], lo: usize, hi: usize) -> Option<Span> {
    let w = &b[..hi];
    let mut pos = lo;
    while let Some(k) = find(w, b"\"RequestId\"", pos) {
        pos = k + 1;
        if let Some(span) = api3_request_id_at(w, k) {
            return Some(span);
        }
    }
    None
}

/// The ID after the `"RequestId"` at `k` of `w`, where `_API3_REQUEST_ID` matches there.
pub(crate) fn api3_request_id_at(w: &[u8], k: usize) -> Option<Span> {
    let hi = w.len();
    let i = skip_ws(w, k + 11, hi);
    if w.get(i) != Some(&b':') {
        return None;
    }
    let j = skip_ws(w, i + 1, hi);
    if w.get(j) != Some(&b'"') {
        return None;
    }
    let mut e = j + 1;
    loop {
        // Printable ASCII but a quote: a character a byte, and no space (an ID's every byte).
        e += unquoted_run(w, e.min(hi));
        if e >= hi || w[e] == b'"' || space_at(w, e) {
            break;
        }
        e += char_len(w[e]);
    }
    (w.get(e) == Some(&b'"')).then_some((j + 1, e))
}

/// How many bytes of `b` from `i` are printable ASCII but a quote (0x21..=0x7e, no `"`): eight a
/// turn, each byte's range told by its word's adds (an API 3.0 request ID's 32 characters were a
/// comparison and a branch each).
fn unquoted_run(b: &[u8], from: usize) -> usize {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let splat = |c: u8| 0x0101_0101_0101_0101u64.wrapping_mul(u64::from(c));
    let mut i = from;
    while i + 8 <= b.len() {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
        let w7 = w & LOW7; // no add below carries across bytes
        let below = !w7.wrapping_add(splat(0x80 - 0x21)) & HIGH;
        let delete = w7.wrapping_add(splat(0x01)) & HIGH; // 0x7f
        let quote = crate::scan::has_byte(w7, splat(b'"'));
        let out = (w & HIGH) | below | delete | quote;
        if out != 0 {
            // `has_byte` may flag a byte above a true one: the lowest flagged byte is one.
            return i - from + (out.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && matches!(b[i], 0x21..=0x7e) && b[i] != b'"' {
        i += 1;
    }
    i - from
}

/// `_LEGACY` at a `(`: `\((?<![\w.(]\()([0-9]{3}|[0-9]{5,6})\)[ ]?(?=[^\W\d_])`; the digits' span
/// and where the match ends. Err when a Unicode character decides it.
pub(crate) fn legacy_at(b: &[u8], p: usize) -> R<Option<(Span, usize)>> {
    let n = b[p + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !matches!(n, 3 | 5 | 6) || b.get(p + 1 + n) != Some(&b')') {
        return Ok(None);
    }
    // The lookbehind and the lookahead, each true, false or not known here (None).
    let before = if p == 0 {
        Some(true)
    } else if p >= 6
        && b[p - 6] == b'\\'
        && b[p - 5] == b'u'
        && b[p - 4..p].iter().all(u8::is_ascii_hexdigit)
    {
        None // a JSON string's `\uff1a` (`：`) before it, which `forms.legacy_match` reads
    } else {
        let (c, _) = char_before(b, p);
        if c.is_ascii() {
            Some(!(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '('))
        } else if is_cjk(c) {
            Some(false)
        } else if is_non_word(c) {
            Some(true)
        } else {
            None
        }
    };
    let a = p + 2 + n;
    // A backslash after it: maybe a JSON string's escape of a letter (`(10630) \u5bc6`, what
    // json.dumps writes by default), which `forms.legacy_match` reads: not known here.
    let letter = |i: usize| {
        if b.get(i) == Some(&b'\\') {
            None
        } else {
            letter_at(b, i)
        }
    };
    let spaced = if b.get(a) == Some(&b' ') {
        letter(a + 1)
    } else {
        Some(false)
    };
    let (after, end) = match spaced {
        Some(true) => (Some(true), a + 1),
        Some(false) => (letter(a), a),
        None => (None, a),
    };
    match (before, after) {
        (Some(false), _) | (_, Some(false)) => Ok(None),
        (Some(true), Some(true)) => Ok(Some(((p + 1, p + 1 + n), end))),
        _ => Err(Declined),
    }
}

/// `_LEGACY_JSON_PLAIN` at a `"code"`: the code's span, the message's span and the match's end.
fn legacy_plain_at(b: &[u8], k: usize) -> Option<(Span, Span, usize)> {
    let n = b.len();
    let mut i = skip_ws(b, k + 6, n);
    if b.get(i) != Some(&b':') {
        return None;
    }
    i = skip_ws(b, i + 1, n);
    if b.get(i) == Some(&b'"') {
        i += 1;
    }
    let code = (i, i + 4);
    let d = b.get(i..i + 4)?;
    if !(b'4'..=b'6').contains(&d[0]) || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    i += 4;
    if b.get(i) == Some(&b'"') {
        i += 1;
    }
    i = skip_ws(b, i, n);
    if b.get(i) != Some(&b',') {
        return None;
    }
    i = skip_ws(b, i + 1, n);
    if !b[i..].starts_with(b"\"message\"") {
        return None;
    }
    i = skip_ws(b, i + 9, n);
    if b.get(i) != Some(&b':') {
        return None;
    }
    i = skip_ws(b, i + 1, n);
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let close = find(b, b"\"", i + 1)?;
    Some((code, (i + 1, close), close + 1))
}

/// `_LEGACY_JSON_CODE.search(text, lo, hi)`: `"code"\s*:\s*"?([0-9]{1,6})"?`, its number.
fn legacy_json_code(b: &[u8], lo: usize, hi: usize) -> Option<u64> {
    let w = &b[..hi];
    let mut pos = lo;
    while let Some(k) = find(w, b"\"code\"", pos) {
        pos = k + 1;
        let mut i = skip_ws(w, k + 6, hi);
        if w.get(i) != Some(&b':') {
            continue;
        }
        i = skip_ws(w, i + 1, hi);
        if w.get(i) == Some(&b'"') {
            i += 1;
        }
        let n = w[i.min(hi)..]
            .iter()
            .take(6)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n > 0 {
            return Some(parse_u64(&w[i..i + n]));
        }
    }
    None
}

/// `_in_message_value`: `"message"\s*:\s*"` ends right before the `(`, within 40 characters.
fn in_message_value(b: &[u8], paren: usize) -> bool {
    let lo = back_chars(b, paren, 40);
    let mut j = paren;
    if j == 0 || b[j - 1] != b'"' {
        return false;
    }
    j -= 1;
    j = skip_ws_back(b, j, lo);
    if j == lo || b[j - 1] != b':' {
        return false;
    }
    j = skip_ws_back(b, j - 1, lo);
    j >= lo + 9 && &b[j - 9..j] == b"\"message\""
}

/// `_request_id_near` on a line of fewer than 4096 characters: the first `request[ _-]?id` with a
/// value of 8 to 64 characters after it, case-insensitively; `undefined` is none.
fn request_id_near(b: &[u8]) -> Option<Span> {
    let mut pos = 0;
    while let Some(at) = find_ascii_ci(b, b"request", pos) {
        pos = at + 7;
        if let Some((s, e)) = request_id_at(b, at + 7) {
            return (!no_value(&b[s..e])).then_some((s, e));
        }
    }
    None
}

fn request_id_at(b: &[u8], mut i: usize) -> Option<Span> {
    let n = b.len();
    if matches!(b.get(i), Some(b' ' | b'_' | b'-'))
        && b.get(i + 1..i + 3)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"id"))
    {
        i += 1;
    }
    if !b
        .get(i..i + 2)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"id"))
    {
        return None;
    }
    i += 2;
    if matches!(b.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    i = skip_ws(b, i, n);
    if !matches!(b.get(i), Some(b':' | b'=')) {
        return None;
    }
    i = skip_ws(b, i + 1, n);
    if matches!(b.get(i), Some(b'"' | b'\'')) && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
    {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let run = class_run(b, i + 1, i + 64, ID_DASH);
    (run >= 7).then_some((i, i + 1 + run))
}

/// `_request_id_token`: the ID inside what a format printed around it (Go's `%!d(string=ID)`,
/// quotes and brackets before it), `[0-9A-Za-z][0-9A-Za-z_-]{0,127}`, unless it says none.
pub(crate) fn request_id_token(b: &[u8], mut s: usize, mut e: usize) -> Option<Span> {
    const GO: &[u8] = b"%!d(string=";
    if e - s > GO.len() && b[s..e].starts_with(GO) && b[e - 1] == b')' {
        s += GO.len();
        e -= 1;
    }
    while s < e && matches!(b[s], b'\'' | b'"' | b'(' | b'[' | b'<') {
        s += 1;
    }
    if s >= e || !b[s].is_ascii_alphanumeric() {
        return None;
    }
    let run = class_run(b, s + 1, e.min(s + 128), ID_TOKEN);
    let span = (s, s + 1 + run);
    (!no_value(&b[span.0..span.1])).then_some(span)
}

/// `[^,\s]*` from `i`: where the run ends.
fn not_comma_space(b: &[u8], mut i: usize) -> R<usize> {
    while i < b.len() && b[i] != b',' && !space_at(b, i) {
        i += char_len(b[i]);
    }
    Ok(i)
}

/// `_DOTNET_REQUEST_ID.fullmatch(rest, at)`: `requestId\s*:?\s*([0-9A-Za-z-]{8,64})` then only
/// `[\s.,;:"'}\])]` to the end; the ID's span.
fn dotnet_request_id(b: &[u8], at: usize) -> R<Option<Span>> {
    let mut i = skip_ws(b, at + b"requestId".len(), b.len());
    if b.get(i) == Some(&b':') {
        i += 1;
    }
    i = skip_ws(b, i, b.len());
    let n = b[i..]
        .iter()
        .take_while(|&&c| CLASS[usize::from(c)] & ID_DASH != 0)
        .count();
    if !(8..=64).contains(&n) {
        return Ok(None);
    }
    let mut j = i + n;
    while j < b.len() {
        if !(matches!(
            b[j],
            b'.' | b',' | b';' | b':' | b'"' | b'\'' | b'}' | b']' | b')'
        ) || space_at(b, j))
        {
            return Ok(None);
        }
        j += char_len(b[j]);
    }
    Ok(Some((i, i + n)))
}

/// `_clean`'s values that mean none (the text holds no spaces here).
pub(crate) fn no_value(v: &[u8]) -> bool {
    v.is_empty()
        || [&b"none"[..], b"null", b"nil", b"undefined"]
            .iter()
            .any(|w| v.eq_ignore_ascii_case(w))
}

fn parse_u64(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |n, &c| n * 10 + u64::from(c - b'0'))
}

// --- characters -------------------------------------------------------------------------------

/// Classes of bytes by a table (one load, no branch for each test the class makes).
const ID_TOKEN: u8 = 1; // [0-9A-Za-z_-]
pub(crate) const ID_DASH: u8 = 2; // [0-9A-Za-z-]
const CODE_WORD: u8 = 4; // [0-9A-Za-z_.]

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            t[c] = ID_TOKEN | ID_DASH | CODE_WORD;
        }
        c += 1;
    }
    t[b'_' as usize] = ID_TOKEN | CODE_WORD;
    t[b'-' as usize] = ID_TOKEN | ID_DASH;
    t[b'.' as usize] = CODE_WORD;
    t
};

/// How many bytes of `b[from:to]` (`to` at most `b.len()`) are of `class` (ID_TOKEN, ID_DASH or
/// CODE_WORD), from `from` on: eight a turn, each byte's class told by its word's adds (a request ID's
/// 32 characters were a table's load and a branch each, a tenth of a crowded line's reading).
#[inline]
pub(crate) fn class_run(b: &[u8], from: usize, to: usize, class: u8) -> usize {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let splat = |c: u8| 0x0101_0101_0101_0101u64.wrapping_mul(u64::from(c));
    // The high bit of each byte in [lo, hi], of a word's low seven bits (no add carries across bytes).
    let within = |w7: u64, lo: u8, hi: u8| {
        (w7.wrapping_add(splat(0x80 - lo)) & !w7.wrapping_add(splat(0x7f - hi))) & HIGH
    };
    let (underscore, dash, dot) = (
        class & (ID_TOKEN | CODE_WORD) != 0,
        class & (ID_TOKEN | ID_DASH) != 0,
        class & CODE_WORD != 0,
    );
    let to = to.min(b.len());
    let mut i = from;
    while i + 8 <= to {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
        let w7 = w & LOW7;
        let mut inside = within(w7, b'0', b'9') | within(w7, b'A', b'Z') | within(w7, b'a', b'z');
        if underscore {
            inside |= within(w7, b'_', b'_');
        }
        if dash {
            inside |= within(w7, b'-', b'-');
        }
        if dot {
            inside |= within(w7, b'.', b'.');
        }
        let outside = !(inside & !w) & HIGH; // a byte of 0x80 and above is of no class
        if outside != 0 {
            return i - from + (outside.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < to && CLASS[usize::from(b[i])] & class != 0 {
        i += 1;
    }
    i - from
}

fn char_len(first: u8) -> usize {
    match first {
        0..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

fn char_at(b: &[u8], i: usize) -> char {
    if b[i] < 0x80 {
        return b[i] as char; // most characters: no UTF-8 decoding
    }
    let n = char_len(b[i]).min(b.len() - i);
    std::str::from_utf8(&b[i..i + n])
        .ok()
        .and_then(|s| s.chars().next())
        .unwrap_or('\u{fffd}')
}

fn char_before(b: &[u8], i: usize) -> (char, usize) {
    let mut s = i - 1;
    while s > 0 && (b[s] & 0xc0) == 0x80 {
        s -= 1;
    }
    (char_at(b, s), s)
}

/// Python's `str.isspace()`, which `\s` and `strip()` use: Unicode's White_Space, and \x1c-\x1f.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn space_at(b: &[u8], i: usize) -> bool {
    let c = b[i];
    if c < 0x80 {
        is_py_space(c as char)
    } else {
        is_py_space(char_at(b, i))
    }
}

fn skip_ws(b: &[u8], mut i: usize, hi: usize) -> usize {
    while i < hi && space_at(b, i) {
        i += char_len(b[i]);
    }
    i.min(hi)
}

fn skip_ws_back(b: &[u8], mut j: usize, lo: usize) -> usize {
    while j > lo {
        let (c, s) = char_before(b, j);
        if !is_py_space(c) || s < lo {
            break;
        }
        j = s;
    }
    j
}

fn rstrip(b: &[u8], s: usize, mut e: usize) -> usize {
    while e > s {
        let (c, at) = char_before(b, e);
        if !is_py_space(c) {
            break;
        }
        e = at;
    }
    e
}

fn lstrip(b: &[u8], mut s: usize, e: usize) -> usize {
    while s < e && space_at(b, s) {
        s += char_len(b[s]);
    }
    s
}

fn strip(b: &[u8], s: usize, e: usize) -> Span {
    let s = lstrip(b, s, e);
    (s, rstrip(b, s, e))
}

/// The byte offset `n` characters after `i` (or the end).
fn fwd_chars(b: &[u8], mut i: usize, n: usize) -> usize {
    let ascii = b.len().min(i.saturating_add(n));
    if b.get(i..ascii).is_some_and(|w| w.iter().all(|&c| c < 0x80)) {
        return ascii; // a character a byte
    }
    for _ in 0..n {
        if i >= b.len() {
            break;
        }
        i += char_len(b[i]);
    }
    i.min(b.len())
}

/// The byte offset `n` characters before `i` (or 0).
fn back_chars(b: &[u8], mut i: usize, n: usize) -> usize {
    let ascii = i.saturating_sub(n);
    if b[ascii..i].iter().all(|&c| c < 0x80) {
        return ascii; // a character a byte
    }
    for _ in 0..n {
        if i == 0 {
            break;
        }
        i = char_before(b, i).1;
    }
    i
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Characters that are no `\w` for certain: CJK and full-width punctuation, Unicode's spaces.
fn is_non_word(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{3004}' | '\u{3008}'..='\u{3011}' | '\u{ff01}'..='\u{ff0f}' | '\u{ff1a}'..='\u{ff20}')
        || is_py_space(c)
}

/// `(?=[^\W\d_])` at `i`: a letter; None when the character's class is not known here.
fn letter_at(b: &[u8], i: usize) -> Option<bool> {
    let Some(&c) = b.get(i) else {
        return Some(false);
    };
    if c < 0x80 {
        return Some(c.is_ascii_alphabetic());
    }
    let ch = char_at(b, i);
    if is_cjk(ch) {
        Some(true)
    } else if is_non_word(ch) {
        Some(false)
    } else {
        None
    }
}

/// Where the quote that closes a value begun at `start` ends (its index), as `_closing` finds
/// it: the first `"` that an even number of backslashes (none, or escaped ones) stands before.
fn closing(b: &[u8], start: usize) -> Option<usize> {
    let mut at = find(b, b"\"", start)?;
    loop {
        let mut before = at;
        while before > start && b[before - 1] == b'\\' {
            before -= 1;
        }
        if (at - before) % 2 == 0 {
            return Some(at);
        }
        at = find(b, b"\"", at + 1)?;
    }
}

/// A quoted value's text unescaped as `kmserr.extract._unescape_with_places` unescapes it
/// (JSON's escapes and Python's: `\xHH`, `\uHHHH`, `\UHHHHHHHH`, `\n` and the other letters of
/// `_ESCAPED`, any other character for itself), as UTF-8, and for each of its bytes (and its end)
/// where it stands in the line (the escape's first byte for the bytes an escape gives). Declined
/// where Python's text could not be UTF-8 or could differ from this reading: a surrogate (Python
/// keeps `\ud83d\ude00` as two lone halves), a code point past U+10FFFF (kept as written), and an
/// ASCII letter, digit or dot made by an escape (a code name's literal the caller did not see).
fn unescape(raw: &[u8], at: usize) -> R<(Vec<u8>, Vec<usize>)> {
    let mut text = Vec::with_capacity(raw.len());
    let mut places = Vec::with_capacity(raw.len() + 1);
    let hex = |from: usize, n: usize| -> Option<u32> {
        let digits = raw.get(from..from + n)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' || i + 1 == raw.len() {
            text.push(raw[i]);
            places.push(at + i);
            i += 1;
            continue;
        }
        let (point, length) = match raw[i + 1] {
            b'x' if hex(i + 2, 2).is_some() => (hex(i + 2, 2).unwrap_or(0), 4),
            b'u' if hex(i + 2, 4).is_some() => (hex(i + 2, 4).unwrap_or(0), 6),
            b'U' if hex(i + 2, 8).is_some() => (hex(i + 2, 8).unwrap_or(0), 10),
            b'n' => (0x0a, 2),
            b't' => (0x09, 2),
            b'r' => (0x0d, 2),
            b'b' => (0x08, 2),
            b'f' => (0x0c, 2),
            b'a' => (0x07, 2),
            b'v' => (0x0b, 2),
            b'0' => (0x00, 2),
            _ => {
                let c = char_at(raw, i + 1);
                (u32::from(c), 1 + c.len_utf8())
            }
        };
        let Some(c) = char::from_u32(point) else {
            return Err(Declined); // a surrogate, or past U+10FFFF
        };
        if c.is_ascii_alphanumeric() || c == '.' {
            return Err(Declined);
        }
        let mut utf8 = [0u8; 4];
        for &byte in c.encode_utf8(&mut utf8).as_bytes() {
            text.push(byte);
            places.push(at + i);
        }
        i += length;
    }
    places.push(at + raw.len());
    Ok((text, places))
}

// --- searching --------------------------------------------------------------------------------

pub fn find(b: &[u8], pat: &[u8], from: usize) -> Option<usize> {
    let n = pat.len();
    if n == 0 || from >= b.len() || b.len() - from < n {
        return None;
    }
    if n == 1 {
        return crate::scan::memchr(pat[0], b, from, b.len());
    }
    if let Some(answer) = indexed_find(b, pat, from) {
        return answer;
    }
    find_scan(b, pat, from)
}

/// `find` without the line's index: where no index is made (a crowded line), asking it costs
/// more than the search.
pub fn find_scan(b: &[u8], pat: &[u8], from: usize) -> Option<usize> {
    let n = pat.len();
    if n == 0 || from >= b.len() || b.len() - from < n {
        return None;
    }
    if n == 1 {
        return crate::scan::memchr(pat[0], b, from, b.len());
    }
    // Eight places a turn: a place is a candidate when the pattern's first and last bytes both
    // stand there (one word loaded at each), so common first bytes (`"`, `c`) rarely reach the
    // comparison. `has_byte` may flag a byte above a true one: every candidate is compared whole.
    let (first, last) = (crate::scan::splat(pat[0]), crate::scan::splat(pat[n - 1]));
    let mut i = from;
    // Sixteen places a turn while none is a candidate: one vector compare of each end (SSE2,
    // as the compiler makes this fold), a third of the words' instructions; then the words'.
    while i + n - 1 + 16 <= b.len() && !candidates16(b, i, pat) {
        i += 16;
    }
    while i + n - 1 + 8 <= b.len() {
        let w1 = crate::scan::word_at(b, i);
        let w2 = crate::scan::word_at(b, i + n - 1);
        let mut m = crate::scan::has_byte(w1, first) & crate::scan::has_byte(w2, last);
        while m != 0 {
            let at = i + (m.trailing_zeros() / 8) as usize;
            if same(&b[at..at + n], pat) {
                return Some(at);
            }
            m &= m - 1;
        }
        i += 8;
    }
    (i..=b.len() - n).find(|&at| b[at] == pat[0] && same(&b[at..at + n], pat))
}

/// Whether any of the sixteen places from `i` holds `pat`'s first byte, and its last byte where
/// it would end (`pat` of two bytes or more; `b` holds `i + pat.len() + 15` bytes): written so that
/// the compiler makes it two vector compares.
#[inline(always)]
fn candidates16(b: &[u8], i: usize, pat: &[u8]) -> bool {
    let n = pat.len();
    let (f, l) = (pat[0], pat[n - 1]);
    let heads: &[u8; 16] = b[i..i + 16].try_into().expect("sixteen bytes");
    let tails: &[u8; 16] = b[i + n - 1..i + n + 15].try_into().expect("sixteen bytes");
    heads
        .iter()
        .zip(tails)
        .fold(false, |any, (&x, &y)| any | ((x == f) & (y == l)))
}

/// The literals this reader searches a line for (`find`, `rfind`, `contains`, `count`): each one's
/// every place in the line is found in one pass before the line is read (`LineIndex`), and a
/// search for one of them is answered from that. Any other pattern is searched as it is.
pub const INDEXED: &[&[u8]] = &[
    b"TencentCloudSDK",
    b"TencentCloudSDKException:",
    b"Exception [",
    b"ErrorCode=",
    b"RequestId=",
    b", RequestId=",
    b"code:",
    b"Code: ",
    b"='",
    b"\"locals\"",
    b"\"MESSAGE\"",
    b"\"__REALTIME_TIMESTAMP\"",
    b"\"__CURSOR\"",
    b"\"Code\"",
    b"\"code\"",
    b"\"message\"",
    b"\"Message\"",
    b"\"Error\"",
    b"\"RequestId\"",
    b"\"codeDesc\"",
    b" requestId:",
    b"requestId",
    b"[request id:",
    b" cause:",
    b"..",
    b"\xc4\xb0",
    b"\xc4\xb1",
    b"\xc5\xbf",
    b"\xe2\x84\xaa",
];

/// What the index is built from, once: for each literal the place of its rarest two bytes in it
/// (its anchor: ordinary text holds few of them), a bitmap of the anchors (every place of a line
/// is tested against it), each anchor and the literals that hold it (to compare where it says
/// yes), and tables from a literal's address or text to its number (`id`).
struct Table {
    starts: Box<[u64; 1024]>,
    by_pair: Box<[u32; 4096]>, // by `fold` of an anchor: a bit for each literal anchored there
    anchor: [usize; 32],       // where each literal's anchor stands in it
    slots: [u8; 256], // literal number + 1 by `slot` of its text, open addressing; 0: empty
    at: [usize; 64],  // each literal's address by `address_slot` (0: none)
    at_id: [u8; 64],
}

/// How rarely ordinary text (log lines, JSON) holds a byte.
fn rarity(c: u8) -> usize {
    match c {
        b'a'..=b'z' | b' ' => 0,
        b'"' | b',' | b'0'..=b'9' => 1,
        b':' | b'A'..=b'Z' => 2,
        _ => 3,
    }
}

/// Two bytes as one number, as a little-endian word holds them (`IndexOf::line` reads eight a turn).
fn pair(a: u8, b: u8) -> usize {
    usize::from(a) | usize::from(b) << 8
}

/// An anchor's place in `Table::by_pair`: anchors that share one are all compared.
fn fold(h: usize) -> usize {
    (h ^ (h >> 4)) & 0xfff
}

fn slot(pat: &[u8]) -> usize {
    (pat.len() * 31
        + usize::from(pat[0]) * 7
        + usize::from(pat[pat.len() - 1]) * 3
        + usize::from(pat[1]))
        & 255
}

fn address_slot(address: usize) -> usize {
    (address ^ (address >> 6)) & 63
}

impl Table {
    fn new() -> Table {
        let mut t = Table {
            starts: Box::new([0; 1024]),
            by_pair: Box::new([0; 4096]),
            anchor: [0; 32],
            slots: [0; 256],
            at: [0; 64],
            at_id: [0; 64],
        };
        for (id, lit) in INDEXED.iter().enumerate() {
            let k = (0..lit.len() - 1)
                .max_by_key(|&k| (rarity(lit[k]) + rarity(lit[k + 1]), usize::MAX - k))
                .unwrap_or(0);
            t.anchor[id] = k;
            let h = pair(lit[k], lit[k + 1]);
            t.starts[h >> 6] |= 1 << (h & 63);
            t.by_pair[fold(h)] |= 1 << id;
            let mut at = slot(lit);
            while t.slots[at] != 0 {
                at = (at + 1) & 255;
            }
            t.slots[at] = id as u8 + 1;
            let a = address_slot(lit.as_ptr() as usize);
            if t.at[a] == 0 {
                (t.at[a], t.at_id[a]) = (lit.as_ptr() as usize, id as u8);
            }
        }
        t
    }

    /// The number of an indexed literal with this text, if it is one: by its address when it is
    /// the very literal of `INDEXED` (static: its text cannot change), else by its text.
    fn id(&self, pat: &[u8]) -> Option<usize> {
        if pat.len() < 2 {
            return None;
        }
        let address = pat.as_ptr() as usize;
        let a = address_slot(address);
        if self.at[a] == address && INDEXED[usize::from(self.at_id[a])].len() == pat.len() {
            return Some(usize::from(self.at_id[a]));
        }
        let mut at = slot(pat);
        loop {
            let id = usize::from(self.slots[at]).checked_sub(1)?;
            if same(INDEXED[id], pat) {
                return Some(id);
            }
            at = (at + 1) & 255;
        }
    }
}

fn table() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(Table::new)
}

/// Every place of every indexed literal in the line being read (`read_line_indexed`).
/// `lo..hi` is where the line stands in memory: a slice inside it is a part of the line (which
/// cannot change while it is borrowed); any other slice (unescaped text, another line) is
/// searched as it is.
struct LineIndex {
    lo: usize,
    hi: usize,
    present: u64,           // a bit for each literal the line holds
    first: [u32; 64],       // each literal's first place in the line
    places: Vec<(u32, u8)>, // (place, literal) for every place; one literal's in order
}

thread_local! {
    static INDEX: std::cell::RefCell<LineIndex> = const {
        std::cell::RefCell::new(LineIndex { lo: 0, hi: 0, present: 0, first: [0; 64], places: Vec::new() })
    };
}

/// Forgets the line's index when the line's reading ends, even by a panic.
struct IndexOf;

impl IndexOf {
    fn line(b: &[u8]) -> IndexOf {
        let t = table();
        INDEX.with(|x| {
            let mut x = x.borrow_mut();
            x.places.clear();
            x.present = 0;
            (x.lo, x.hi) = (0, 0);
            if b.len() > u32::MAX as usize {
                return; // not indexed: every search scans
            }
            let x = &mut *x;
            let hit = |h: usize| t.starts[h >> 6] & (1 << (h & 63)) != 0;
            let mut record = |i: usize| {
                let Some(&[first, second]) = b.get(i..i + 2) else {
                    return;
                };
                let h = pair(first, second);
                if !hit(h) {
                    return;
                }
                let mut ids = t.by_pair[fold(h)];
                while ids != 0 {
                    let id = ids.trailing_zeros() as usize;
                    ids &= ids - 1;
                    let lit = INDEXED[id];
                    // Where the literal begins if its anchor stands at `i`: the places of one
                    // literal come in order (those of different ones need not).
                    let Some(q) = i.checked_sub(t.anchor[id]) else {
                        continue;
                    };
                    if b.len() - q >= lit.len() && same(&b[q..q + lit.len()], lit) {
                        let bit = 1u64 << id;
                        if x.present & bit == 0 {
                            x.present |= bit;
                            x.first[id] = q as u32;
                        }
                        x.places.push((q as u32, id as u8));
                    }
                }
            };
            // The pairs at eight places a turn from one word (and the byte after it), tested
            // together: most turns have no place where a literal may begin; the others compare
            // only where one may.
            let mut i = 0;
            while i + 9 <= b.len() {
                let w = crate::scan::word_at(b, i);
                let last = (w >> 56) as usize | usize::from(b[i + 8]) << 8;
                let mut hits = (0..7).fold(u32::from(hit(last)) << 7, |hits, k| {
                    hits | u32::from(hit((w >> (8 * k)) as usize & 0xffff)) << k
                });
                while hits != 0 {
                    record(i + hits.trailing_zeros() as usize);
                    hits &= hits - 1;
                }
                i += 8;
            }
            while i + 1 < b.len() {
                record(i);
                i += 1;
            }
            x.lo = b.as_ptr() as usize;
            x.hi = x.lo + b.len();
        });
        IndexOf
    }
}

impl Drop for IndexOf {
    fn drop(&mut self) {
        INDEX.with(|x| {
            let mut x = x.borrow_mut();
            (x.lo, x.hi) = (0, 0);
        });
    }
}

/// `find(b, pat, from)` answered from the line's index: None when `b` is not part of the line
/// being read or `pat` is not indexed (search it), else Some of the answer.
fn indexed_find(b: &[u8], pat: &[u8], from: usize) -> Option<Option<usize>> {
    let lo = b.as_ptr() as usize;
    INDEX.with(|x| {
        let x = x.borrow();
        if !(x.lo < x.hi && x.lo <= lo && lo + b.len() <= x.hi) {
            return None;
        }
        let id = table().id(pat)?;
        let off = lo - x.lo; // where `b` starts in the line
        let (want, end) = (off + from, off + b.len());
        if x.present & (1 << id) == 0 {
            return Some(None);
        }
        let first = x.first[id] as usize;
        let at = if first >= want {
            Some(first)
        } else {
            x.places
                .iter()
                .find(|&&(p, i)| usize::from(i) == id && p as usize >= want)
                .map(|&(p, _)| p as usize)
        };
        Some(at.filter(|&q| q + pat.len() <= end).map(|q| q - off))
    })
}

/// `rfind(b, pat, lo, hi)` answered from the line's index, as `indexed_find`.
fn indexed_rfind(b: &[u8], pat: &[u8], lo: usize, hi: usize) -> Option<Option<usize>> {
    let start = b.as_ptr() as usize;
    INDEX.with(|x| {
        let x = x.borrow();
        if !(x.lo < x.hi && x.lo <= start && start + b.len() <= x.hi) {
            return None;
        }
        let id = table().id(pat)?;
        if x.present & (1 << id) == 0 {
            return Some(None);
        }
        let off = start - x.lo;
        let (want, end) = (off + lo, off + hi);
        Some(
            x.places
                .iter()
                .rev()
                .find(|&&(p, i)| {
                    usize::from(i) == id && p as usize >= want && p as usize + pat.len() <= end
                })
                .map(|&(p, _)| p as usize - off),
        )
    })
}

/// `read_line`, every place of the indexed literals in the line found first (`LineIndex`): what
/// `Core` calls for each line.
pub fn read_line_indexed(b: &[u8], names: &[Span], words: &Words) -> R<Vec<Finding>> {
    let _index = IndexOf::line(b);
    read_line(b, names, words)
}

/// Whether two slices of one length are equal, compared inline (the patterns are short: a call
/// to memcmp costs more than the comparison).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The last occurrence of `pat` that lies wholly in `b[lo:hi]`.
pub fn rfind(b: &[u8], pat: &[u8], lo: usize, hi: usize) -> Option<usize> {
    if pat.is_empty() || hi < lo || hi - lo < pat.len() {
        return None;
    }
    if pat.len() == 1 {
        return crate::scan::memrchr(pat[0], b, lo, hi);
    }
    if let Some(answer) = indexed_rfind(b, pat, lo, hi) {
        return answer;
    }
    rfind_scan(b, pat, lo, hi)
}

/// `rfind` without the line's index (as `find_scan`).
pub fn rfind_scan(b: &[u8], pat: &[u8], lo: usize, hi: usize) -> Option<usize> {
    if pat.is_empty() || hi < lo || hi - lo < pat.len() {
        return None;
    }
    if pat.len() == 1 {
        return crate::scan::memrchr(pat[0], b, lo, hi);
    }
    // As `find`, backwards: eight places a turn, each a candidate where the pattern's first and
    // last bytes both stand (a crowded line's request ID is looked for from 4 KB after it).
    let n = pat.len();
    let (first, last) = (crate::scan::splat(pat[0]), crate::scan::splat(pat[n - 1]));
    let mut top = hi - n + 1; // the places left to try are lo..top
    while top >= lo + 16 && top + n - 1 <= b.len() && !candidates16(b, top - 16, pat) {
        top -= 16;
    }
    while top >= lo + 8 && top + n - 1 <= b.len() {
        let i = top - 8;
        let w1 = crate::scan::word_at(b, i);
        let w2 = crate::scan::word_at(b, i + n - 1);
        let mut m = crate::scan::has_byte(w1, first) & crate::scan::has_byte(w2, last);
        while m != 0 {
            let k = 63 - m.leading_zeros() as usize; // the highest flagged byte: the last place first
            let at = i + k / 8;
            if same(&b[at..at + n], pat) {
                return Some(at);
            }
            m &= !(0xff << (k / 8 * 8));
        }
        top = i;
    }
    (lo..top)
        .rev()
        .find(|&at| b[at] == pat[0] && same(&b[at..at + n], pat))
}

pub(crate) fn find_ascii_ci(b: &[u8], pat: &[u8], from: usize) -> Option<usize> {
    let n = pat.len();
    if n == 0 || from >= b.len() || b.len() - from < n {
        return None;
    }
    // As `find`, the first and last bytes tested eight places a turn, letters folded by `| 0x20`
    // (which folds nothing else onto a lower-case letter but its upper case).
    use crate::scan::{has_byte, splat, word_at};
    let fold = splat(0x20);
    let (first, last) = (splat(pat[0] | 0x20), splat(pat[n - 1] | 0x20));
    let mut i = from;
    while i + n - 1 + 8 <= b.len() {
        let w1 = word_at(b, i) | fold;
        let w2 = word_at(b, i + n - 1) | fold;
        let mut m = has_byte(w1, first) & has_byte(w2, last);
        while m != 0 {
            let at = i + (m.trailing_zeros() / 8) as usize;
            if b[at..at + n].eq_ignore_ascii_case(pat) {
                return Some(at);
            }
            m &= m - 1;
        }
        i += 8;
    }
    let first = pat[0] | 0x20;
    (i..=b.len() - n).find(|&i| b[i] | 0x20 == first && b[i..i + n].eq_ignore_ascii_case(pat))
}

pub fn contains(b: &[u8], pat: &[u8]) -> bool {
    find(b, pat, 0).is_some()
}

fn count(b: &[u8], pat: &[u8]) -> usize {
    let mut n = 0;
    let mut pos = 0;
    while let Some(at) = find(b, pat, pos) {
        n += 1;
        pos = at + 1;
    }
    n
}

/// Characters before byte offset `i` (a Finding's offsets count characters).
pub fn char_offset(b: &[u8], i: usize) -> usize {
    b[..i].iter().filter(|&&c| (c & 0xc0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(unescape: bool) -> Words {
        let mut words = Words {
            unescape,
            ..Words::default()
        };
        words.heads.insert(b"FailedOperation".to_vec());
        words.known.push(b"FailedOperation".to_vec());
        words
    }

    #[test]
    fn lines_whose_error_goes_on_below_are_pythons() {
        // `extract._in_pretty_objects`' lines that are not indented.
        let w = words(false);
        let names = |b: &[u8]| -> Vec<Span> {
            let at = find(b, b"FailedOperation", 0).map_or(vec![], |s| vec![(s, s + 15)]);
            at
        };
        for line in [
            &b"[2026-12-06T00:41:25.802Z] ERROR: app/42 on vm: Decrypt failed (err.code=FailedOperation)"[..],
            b"2026-12-06T00:41:19.333Z error: Error: (10630) key is not existed",
            b"TencentCloudSDKHttpException: (10630) key is not existed",
            b"[00:41:23.088] ERROR (8937): (10630) key is not existed",
        ] {
            assert_eq!(read_line(line, &names(line), &w), Err(Declined), "{}", String::from_utf8_lossy(line));
        }
        for line in [
            &b"08:00:00 ERROR kms: (10630) key is not existed"[..],
            b"error: (10630) key is not existed",
            b"ERROR (8937): (10630) key is not existed",
            b"error.code=FailedOperation happened",
        ] {
            assert!(
                read_line(line, &names(line), &w).is_ok(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn an_api3_request_ids_value_ends_at_a_quote_or_any_space() {
        // The former loop, a character at a time, on pieces of every kind of byte that matters.
        let former = |w: &[u8], k: usize| {
            let hi = w.len();
            let i = skip_ws(w, k + 11, hi);
            let j = skip_ws(w, i + 1, hi);
            let mut e = j + 1;
            while e < hi && w[e] != b'"' && !space_at(w, e) {
                e += char_len(w[e]);
            }
            (w.get(i) == Some(&b':') && w.get(j) == Some(&b'"') && w.get(e) == Some(&b'"'))
                .then_some((j + 1, e))
        };
        let pieces: [&[u8]; 10] = [
            b"a1",
            b"\"",
            b" ",
            b"\t",
            "\u{a0}".as_bytes(),
            "\u{3000}".as_bytes(),
            "\u{e9}".as_bytes(),
            b"\x7f",
            b"\x1c",
            b"-",
        ];
        let mut state = 3u64;
        for _ in 0..20000 {
            let mut w = b"\"RequestId\": \"".to_vec();
            for _ in 0..state % 7 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                w.extend_from_slice(pieces[(state >> 33) as usize % pieces.len()]);
            }
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            assert_eq!(api3_request_id_at(&w, 0), former(&w, 0), "{w:?}");
        }
    }

    const RECORD: &str = r#"{"level":"error","msg":"GetPublicKey failed","error":"[TencentCloudSDKException] code:FailedOperation.DecryptError message:\u89e3\u5bc6\u5931\u8d25 \/k requestId:416beca5-e58e","region":"ap-chengdu"}"#;

    #[test]
    fn reads_sdk_text_unescaped_in_a_quoted_value() {
        let b = RECORD.as_bytes();
        let code = find(b, b"FailedOperation.DecryptError", 0).unwrap();
        let names = [(code, code + "FailedOperation".len())];
        let [f] = &read_line(b, &names, &words(true)).unwrap()[..] else {
            panic!("one finding");
        };
        assert_eq!(f.code, (code, code + "FailedOperation.DecryptError".len()));
        let text = f.unescaped.as_deref().unwrap();
        let (ms, me) = f.message.unwrap();
        assert_eq!(&text[ms..me], "解密失败 /k".as_bytes());
        let (rs, re) = f.request_id.unwrap();
        assert_eq!(&text[rs..re], b"416beca5-e58e");
        assert_eq!(read_line(b, &names, &words(false)), Err(Declined));
    }

    #[test]
    fn declines_what_python_would_unescape_otherwise() {
        for message in [
            r"\ud83d\ude00",     // a surrogate pair: two lone halves in Python's text
            r"\U00110000",       // past U+10FFFF: kept as written
            r"\u0041uthFailure", // a name's letter made by an escape
            r"\x41",
            r"a\\b", // a backslash in the text
        ] {
            let line = RECORD.replace(r"\u89e3", message);
            assert_eq!(
                read_line(line.as_bytes(), &[], &words(true)),
                Err(Declined),
                "{message}"
            );
        }
        let outside = RECORD.replace("GetPublicKey failed", r"a\tb");
        assert_eq!(
            read_line(outside.as_bytes(), &[], &words(true)),
            Err(Declined)
        );
    }

    /// A pseudo-random haystack over a few bytes, so that patterns stand in it often.
    fn haystack(seed: &mut u64, len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| {
                *seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                b"ab\"c\x01\x81"[(*seed >> 33) as usize % 6]
            })
            .collect()
    }

    /// A line of pieces of the indexed literals (cut, whole, overlapping) and odd bytes.
    fn literal_line(seed: &mut u64, pieces: usize) -> Vec<u8> {
        let mut line = Vec::new();
        for _ in 0..pieces {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = (*seed >> 33) as usize;
            let lit = INDEXED[k % INDEXED.len()];
            match k / 64 % 4 {
                0 => line.extend_from_slice(&lit[..1 + k / 256 % lit.len()]),
                1 => line.extend_from_slice(&lit[k / 256 % lit.len()..]),
                2 => line.push(b"\" ab\xc4"[k / 256 % 5]),
                _ => line.extend_from_slice(lit),
            }
        }
        line
    }

    #[test]
    fn searches_in_an_indexed_line_agree_with_plain_ones() {
        let mut seed = 11u64;
        for round in 0..1500 {
            let line = literal_line(&mut seed, round % 14);
            let _index = IndexOf::line(&line);
            for pat in INDEXED {
                for lo in [0, round % 7, round % 23] {
                    let part = &line[lo.min(line.len())..];
                    for from in [0, 1, round % 5, round % 31, part.len() / 2] {
                        let plain = (from..part.len()).find(|&i| part[i..].starts_with(pat));
                        assert_eq!(find(part, pat, from), plain, "{part:?} {pat:?} {from}");
                        let hi = part.len() - from.min(part.len()) / 3;
                        let plain = (from.min(hi)..hi)
                            .rev()
                            .find(|&i| hi - i >= pat.len() && part[i..].starts_with(pat));
                        assert_eq!(
                            rfind(part, pat, from.min(hi), hi),
                            plain,
                            "{part:?} {pat:?}"
                        );
                    }
                    let plain = (0..part.len())
                        .filter(|&i| part[i..].starts_with(pat))
                        .count();
                    assert_eq!(count(part, pat), plain);
                }
            }
            let other = literal_line(&mut seed, round % 9); // not the line: searched as it is
            for pat in INDEXED {
                let plain = (0..other.len()).find(|&i| other[i..].starts_with(pat));
                assert_eq!(find(&other, pat, 0), plain);
            }
        }
    }

    #[test]
    fn byte_classes_are_their_tests() {
        for c in 0..=255u8 {
            let class = CLASS[usize::from(c)];
            assert_eq!(
                class & ID_TOKEN != 0,
                c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
            );
            assert_eq!(class & ID_DASH != 0, c.is_ascii_alphanumeric() || c == b'-');
            assert_eq!(
                class & CODE_WORD != 0,
                c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
            );
        }
    }

    #[test]
    fn scans_agree_with_plain_searches() {
        // Lines of a few bytes, so that patterns' ends and near misses stand everywhere, up to
        // and across every turn's sixteen places.
        let mut rng = crate::Rng(3);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..3000 {
            let line: Vec<u8> = (0..next(90)).map(|_| b"abcab\"x"[next(7)]).collect();
            let pat: Vec<u8> = (0..2 + next(4)).map(|_| b"abc\"x"[next(5)]).collect();
            let n = pat.len();
            for from in [0, 1, next(40), next(90)] {
                let plain = (from..line.len()).find(|&i| line[i..].starts_with(&pat));
                assert_eq!(
                    find_scan(&line, &pat, from),
                    plain,
                    "{line:?} {pat:?} {from}"
                );
                let hi = line.len().saturating_sub(next(20)).max(from);
                let plain = (from..hi)
                    .rev()
                    .find(|&i| i + n <= hi && line[i..].starts_with(&pat));
                assert_eq!(
                    rfind_scan(&line, &pat, from, hi),
                    plain,
                    "{line:?} {pat:?} {from} {hi}"
                );
            }
        }
    }

    #[test]
    fn unquoted_runs_are_counted_as_a_byte_at_a_time() {
        let edges = [
            0u8, b' ', b'!', b'"', b'#', b'a', b'~', 0x7f, 0x80, 0xa2, 0xff,
        ];
        for &odd in &edges {
            for at in 0..20 {
                let mut line = b"a1!#~zAZ09-_.".repeat(2);
                line.insert(at, odd);
                for from in [0, 1, 5] {
                    let plain = line[from..]
                        .iter()
                        .take_while(|&&c| matches!(c, 0x21..=0x7e) && c != b'"')
                        .count();
                    assert_eq!(unquoted_run(&line, from), plain, "{line:?} {from}");
                }
            }
        }
    }

    #[test]
    fn class_runs_are_counted_as_a_byte_at_a_time() {
        // Every byte beside every class's edges (and 0x80 and above, which a run of the low seven
        // bits would take), each at every place of a word.
        let edges: Vec<u8> = (0..=255u8)
            .filter(|&c| {
                let near = |x: u8| c.abs_diff(x) <= 1;
                c >= 0x7e
                    || [b'-', b'.', b'0', b'9', b'A', b'Z', b'_', b'a', b'z']
                        .iter()
                        .any(|&x| near(x))
            })
            .collect();
        for class in [ID_TOKEN, ID_DASH, CODE_WORD] {
            for &odd in &edges {
                for at in 0..20 {
                    let mut line = b"a1B2-c_3.Dz09AZaz".repeat(2);
                    line.insert(at, odd);
                    for from in [0, 1, 3] {
                        for to in [line.len(), at + 1, 9, 40] {
                            let plain = line[from..to.min(line.len()).max(from)]
                                .iter()
                                .take_while(|&&c| CLASS[usize::from(c)] & class != 0)
                                .count();
                            assert_eq!(
                                class_run(&line, from, to, class),
                                plain,
                                "{line:?} {class} {from} {to}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_indexed_literal_has_its_own_number() {
        let t = table();
        for (id, pat) in INDEXED.iter().enumerate() {
            assert!(pat.len() >= 2);
            assert_eq!(t.id(pat), Some(id));
        }
        assert!(INDEXED.len() <= 32); // `by_pair`'s bits
        assert_eq!(t.id(b"TencentCloud"), None);
        assert_eq!(t.id(b"code;"), None);
    }

    #[test]
    fn odd_bytes_agree_with_a_byte_at_a_time_reading() {
        for c in 0..=255u8 {
            for at in 0..20 {
                let mut b = vec![b'a'; 20];
                b[at] = c;
                let plain = u8::from((c < 0x20 && c != b'\t') || c == 0x7f)
                    | (u8::from(c >= 0x80) << 1)
                    | (u8::from(c == b'\\') << 2)
                    | (u8::from(c == b'"') << 3);
                assert_eq!(odd_bytes(&b), plain, "{c} at {at}");
                b[(at + 3) % 20] = b'\t';
                b[(at + 9) % 20] = 0x81;
                assert_eq!(odd_bytes(&b) & !2, plain & !2, "{c} at {at} with a tab");
            }
        }
    }

    #[test]
    fn searches_agree_with_plain_ones() {
        let mut seed = 5u64;
        for round in 0..3000 {
            let mut b = haystack(&mut seed, round % 70);
            for c in b.iter_mut().filter(|c| **c == b'c') {
                *c = if round % 2 == 0 { b'C' } else { b'r' }; // R r C c: folding is tested
            }
            let line = b.clone();
            let _index = (round % 3 == 0).then(|| IndexOf::line(&line));
            let b = if round % 3 == 0 { &line[..] } else { &b[..] };
            let pat = haystack(&mut seed, 1 + round % 5);
            for from in 0..=b.len() + 1 {
                let plain = (from..b.len()).find(|&i| {
                    b.len() - i >= pat.len() && b[i..i + pat.len()].eq_ignore_ascii_case(&pat)
                });
                assert_eq!(find_ascii_ci(b, &pat, from), plain, "{b:?} {pat:?} {from}");
                let hi = b.len() - from.min(b.len()) / 2;
                let lo = from.min(hi);
                let plain = (lo..hi)
                    .rev()
                    .find(|&i| hi - i >= pat.len() && b[i..].starts_with(&pat));
                assert_eq!(rfind(b, &pat, lo, hi), plain, "{b:?} {pat:?} {lo} {hi}");
            }
        }
    }

    #[test]
    fn find_agrees_with_a_plain_search() {
        let mut seed = 7u64;
        for round in 0..4000 {
            let b = haystack(&mut seed, round % 70);
            let pat = haystack(&mut seed, 1 + round % 5);
            for from in 0..=b.len() + 1 {
                let plain = (from..b.len()).find(|&i| b[i..].starts_with(&pat));
                assert_eq!(find(&b, &pat, from), plain, "{b:?} {pat:?} {from}");
            }
        }
    }

    #[test]
    fn unescapes_as_python_does() {
        let (text, places) = unescape(br#"a\u00e9\"\/\n\U0001F600\xe9"#, 10).unwrap();
        assert_eq!(text, "a\u{e9}\"/\n\u{1f600}\u{e9}".as_bytes());
        assert_eq!(places[..4], [10, 11, 11, 17]);
        assert_eq!(places.len(), text.len() + 1);
        assert_eq!(unescape(br"\u12", 0), Err(Declined)); // `u`, then digits: a letter by an escape
    }
}

//! A JSON validator that accepts exactly what CPython's `json.JSONDecoder().raw_decode` (its C
//! scanner, strict mode) accepts, and says where the value ends: `json_object` in forms.py reads
//! error bodies with it, and the spans it gives decide what text a finding explains.
#![forbid(unsafe_code)]

/// Why a value could not be read.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum JsonError {
    /// Not JSON (Python raises ValueError; forms.py tries the next brace).
    Invalid,
    /// Nested deeper than this reader is sure Python would follow (RecursionError there): the
    /// line is handed back to Python.
    TooDeep,
}

const MAX_DEPTH: usize = 200;

fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The end of the JSON value that starts at `i` (no whitespace skipped before it).
pub fn value_end(b: &[u8], i: usize) -> Result<usize, JsonError> {
    value_end_knowing(b, i, &[]).0
}

/// What reading a value that starts at a brace gave (`value_end_knowing`): the brace, the
/// result, and the deepest nesting the reading reached (1: the object's own level).
pub type Known = (usize, Result<usize, JsonError>, usize);

/// `value_end`, and the deepest nesting it reached; an object at a brace of `known` (values of the
/// same text read before, on their own) is not read again where it nests, when its nesting there
/// stays within MAX_DEPTH (so that it ends, or fails, where it did on its own).
pub fn value_end_knowing(b: &[u8], i: usize, known: &[Known]) -> (Result<usize, JsonError>, usize) {
    let mut ctx = Ctx { known, max: 0 };
    let end = value(b, i, 0, &mut ctx);
    (end, ctx.max)
}

struct Ctx<'k> {
    known: &'k [Known],
    max: usize,
}

fn value(b: &[u8], i: usize, depth: usize, ctx: &mut Ctx) -> Result<usize, JsonError> {
    let Some(&c) = b.get(i) else {
        return Err(JsonError::Invalid);
    };
    match c {
        b'"' => string(b, i + 1),
        b'{' => {
            // Read on its own, its levels were 1..=max; here they are depth+1..=depth+max.
            if let Some(&(_, end, max)) = ctx.known.iter().find(|k| k.0 == i) {
                if end == Err(JsonError::TooDeep) || max + depth <= MAX_DEPTH {
                    ctx.max = ctx.max.max(max + depth);
                    return end;
                }
            }
            object(b, i + 1, depth + 1, ctx)
        }
        b'[' => array(b, i + 1, depth + 1, ctx),
        b'n' if b[i..].starts_with(b"null") => Ok(i + 4),
        b't' if b[i..].starts_with(b"true") => Ok(i + 4),
        b'f' if b[i..].starts_with(b"false") => Ok(i + 5),
        b'N' if b[i..].starts_with(b"NaN") => Ok(i + 3),
        b'I' if b[i..].starts_with(b"Infinity") => Ok(i + 8),
        b'-' if b[i..].starts_with(b"-Infinity") => Ok(i + 9),
        _ => number(b, i),
    }
}

/// A string's end, from after its opening quote: strict, so a control character (a tab too) in
/// it makes it invalid, as in Python.
fn string(b: &[u8], mut i: usize) -> Result<usize, JsonError> {
    use crate::scan::{has_byte, splat, word_at};
    const HI: u64 = 0x8080_8080_8080_8080;
    loop {
        // Eight plain bytes a turn: no quote, backslash or control character among them (the
        // tests flag no byte that is not one, but may flag a byte above one: the lowest is one).
        while i + 8 <= b.len() {
            let w = word_at(b, i);
            let control = w.wrapping_sub(splat(0x20)) & !w & HI;
            let m = has_byte(w, splat(b'"')) | has_byte(w, splat(b'\\')) | control;
            if m != 0 {
                // The lowest flagged byte is one (a test flags a byte above a true one only).
                i += (m.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        let Some(&c) = b.get(i) else {
            return Err(JsonError::Invalid);
        };
        match c {
            b'"' => return Ok(i + 1),
            b'\\' => {
                let Some(&e) = b.get(i + 1) else {
                    return Err(JsonError::Invalid);
                };
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        let hex = b.get(i + 2..i + 6).ok_or(JsonError::Invalid)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return Err(JsonError::Invalid);
                        }
                        i += 6;
                    }
                    _ => return Err(JsonError::Invalid),
                }
            }
            0..=0x1f => return Err(JsonError::Invalid),
            _ => i += 1,
        }
    }
}

fn object(b: &[u8], i: usize, depth: usize, ctx: &mut Ctx) -> Result<usize, JsonError> {
    ctx.max = ctx.max.max(depth);
    if depth > MAX_DEPTH {
        return Err(JsonError::TooDeep);
    }
    let mut i = ws(b, i);
    if b.get(i) == Some(&b'}') {
        return Ok(i + 1);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return Err(JsonError::Invalid);
        }
        i = ws(b, string(b, i + 1)?);
        if b.get(i) != Some(&b':') {
            return Err(JsonError::Invalid);
        }
        i = ws(b, value(b, ws(b, i + 1), depth, ctx)?);
        match b.get(i) {
            Some(b'}') => return Ok(i + 1),
            Some(b',') => i = ws(b, i + 1),
            _ => return Err(JsonError::Invalid),
        }
    }
}

fn array(b: &[u8], i: usize, depth: usize, ctx: &mut Ctx) -> Result<usize, JsonError> {
    ctx.max = ctx.max.max(depth);
    if depth > MAX_DEPTH {
        return Err(JsonError::TooDeep);
    }
    let mut i = ws(b, i);
    if b.get(i) == Some(&b']') {
        return Ok(i + 1);
    }
    loop {
        i = ws(b, value(b, i, depth, ctx)?);
        match b.get(i) {
            Some(b']') => return Ok(i + 1),
            Some(b',') => i = ws(b, i + 1),
            _ => return Err(JsonError::Invalid),
        }
    }
}

/// CPython's `_match_number_unicode`: ASCII digits, a fraction only with a digit after the dot,
/// an exponent only with a digit in it (else the number ends before the `e`).
fn number(b: &[u8], mut i: usize) -> Result<usize, JsonError> {
    let digit = |j: usize| b.get(j).is_some_and(u8::is_ascii_digit);
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'1'..=b'9') => {
            i += 1;
            while digit(i) {
                i += 1;
            }
        }
        Some(b'0') => i += 1,
        _ => return Err(JsonError::Invalid),
    }
    if b.get(i) == Some(&b'.') && digit(i + 1) {
        i += 2;
        while digit(i) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let digits_from = j;
        while digit(j) {
            j += 1;
        }
        if j > digits_from {
            i = j;
        }
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Option<usize> {
        value_end(s.as_bytes(), 0).ok()
    }

    #[test]
    fn reads_what_python_reads() {
        assert_eq!(
            ok(r#"{"a": [1, 2.5e3, -0, NaN, -Infinity], "b": {}}x"#),
            Some(46)
        );
        assert_eq!(ok(r#"{"a":1,}"#), None);
        assert_eq!(ok("{\"a\":\"\t\"}"), None);
        assert_eq!(ok(r#"{"a":01}"#), None);
        assert_eq!(ok(r#"{"a":1.}"#), None);
        assert_eq!(ok(r#"{"a":1e}"#), None);
        assert_eq!(ok(r#"[1,]"#), None);
        assert_eq!(ok("1e5"), Some(3));
        assert_eq!(ok("1ex"), Some(1));
        assert_eq!(value_end(&[b'['; 1000], 0), Err(JsonError::TooDeep));
    }

    #[test]
    fn values_known_on_their_own_end_where_they_do_when_read_again() {
        // Every brace of a text read on its own first; then each read again knowing the others,
        // as `Reader::json_object` reads the braces before a code from the inside out.
        let mut seed = 3u64;
        let pieces: [&[u8]; 10] = [
            b"{", b"}", b"\"a\":", b"[", b"]", b",", b"1", b"\"x\"", b" ", b"{\"k\":",
        ];
        for round in 0..4000 {
            let mut text = Vec::new();
            if round % 50 == 0 {
                // Near MAX_DEPTH: known inner objects must not hide nesting that is too deep.
                let n = MAX_DEPTH - 3 + round / 50 % 7;
                text.extend(std::iter::repeat(&b"{\"k\":"[..]).take(n).flatten());
                text.extend_from_slice(b"{}");
                text.extend(std::iter::repeat(b'}').take(n));
            }
            for _ in 0..round % 30 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.extend_from_slice(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let braces: Vec<usize> = (0..text.len()).filter(|&i| text[i] == b'{').collect();
            let mut known = Vec::new();
            for &brace in braces.iter().rev() {
                let (end, max) = value_end_knowing(&text, brace, &known);
                assert_eq!(
                    end,
                    value_end(&text, brace),
                    "{:?} at {brace}",
                    String::from_utf8_lossy(&text)
                );
                if end != Err(JsonError::TooDeep) {
                    // The depth a value reached, as known for the next: as read on its own.
                    assert_eq!(max, value_end_knowing(&text, brace, &[]).1, "at {brace}");
                }
                known.push((brace, end, max));
            }
        }
    }

    #[test]
    fn strings_end_where_a_byte_at_a_time_reading_ends_them() {
        // The first quote, backslash or control character at every place of a long string.
        fn plain(b: &[u8], mut i: usize) -> Result<usize, JsonError> {
            loop {
                match b.get(i) {
                    None => return Err(JsonError::Invalid),
                    Some(b'"') => return Ok(i + 1),
                    Some(b'\\') => match b.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        Some(b'u')
                            if b.get(i + 2..i + 6)
                                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                        {
                            i += 6
                        }
                        _ => return Err(JsonError::Invalid),
                    },
                    Some(0..=0x1f) => return Err(JsonError::Invalid),
                    Some(_) => i += 1,
                }
            }
        }
        for special in [
            &b"\""[..],
            b"\\n",
            b"\\u00e9",
            b"\\q",
            b"\x00",
            b"\x1f",
            b"\t",
        ] {
            for at in 0..40 {
                for filler in [b'a', 0x7f, 0x80, 0xff, 0x20, 0x21] {
                    let mut b = vec![filler; at];
                    b.extend_from_slice(special);
                    b.extend_from_slice(&[filler; 9]);
                    b.push(b'"');
                    for end in [b.len(), b.len() - 1, at + 1] {
                        assert_eq!(string(&b[..end], 0), plain(&b[..end], 0), "{b:?} {end}");
                    }
                }
            }
        }
    }
}

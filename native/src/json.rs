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
    value(b, i, 0)
}

fn value(b: &[u8], i: usize, depth: usize) -> Result<usize, JsonError> {
    let Some(&c) = b.get(i) else {
        return Err(JsonError::Invalid);
    };
    match c {
        b'"' => string(b, i + 1),
        b'{' => object(b, i + 1, depth + 1),
        b'[' => array(b, i + 1, depth + 1),
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
    loop {
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

fn object(b: &[u8], i: usize, depth: usize) -> Result<usize, JsonError> {
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
        i = ws(b, value(b, ws(b, i + 1), depth)?);
        match b.get(i) {
            Some(b'}') => return Ok(i + 1),
            Some(b',') => i = ws(b, i + 1),
            _ => return Err(JsonError::Invalid),
        }
    }
}

fn array(b: &[u8], i: usize, depth: usize) -> Result<usize, JsonError> {
    if depth > MAX_DEPTH {
        return Err(JsonError::TooDeep);
    }
    let mut i = ws(b, i);
    if b.get(i) == Some(&b']') {
        return Ok(i + 1);
    }
    loop {
        i = ws(b, value(b, i, depth)?);
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
}

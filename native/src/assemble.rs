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

use crate::reader::{contains, Finding};
use crate::scan::memchr;
use crate::{push, Core, NONE, RECORD};

/// rich's exception line (`kmserr.forms.RICH_HEAD`): the lines below it are Python's to read.
pub const RICH_HEAD: &[u8] = b"TencentCloudSDKException:";
/// A longer line is a hole: Python writes it in pieces (`LinePrinter.matched_with_tail`).
pub const LONG_LINE: usize = 65536;
/// Words of a hole: where it goes in the output, its line number (0 when not counted), the slot
/// its tail goes in (`Tails::put`; NONE: the line was not read here), then the line's record.
pub const HOLE: usize = 3 + RECORD;

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
    limit: usize,
    pending: Vec<Vec<u8>>, // the keys of the last block's holes, by slot
    key: Vec<u8>,
    pub out: Vec<u8>,
    pub written: usize, // lines in `out`
    pub holes: Vec<u64>,
}

impl Tails {
    /// A table of at most `limit` tails: once full, lines with other keys stay holes.
    pub fn new(limit: usize) -> Tails {
        Tails {
            map: HashMap::new(),
            limit,
            pending: Vec::new(),
            key: Vec::new(),
            out: Vec::new(),
            written: 0,
            holes: Vec::new(),
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
        let mut number = layout.lines_before;
        let mut counted_to = start;
        for ls in core.literals.candidate_lines(buf, start, end) {
            let (le, result) = core.read_one(buf, ls, end);
            if contains(&buf[ls..le], RICH_HEAD) {
                self.out.clear();
                self.written = 0;
                self.holes.clear();
                self.pending.clear();
                return Assembled::Declined;
            }
            let found = match &result {
                Ok(found) if found.is_empty() => continue, // a candidate without an error
                Ok(found) => Some(&found[0]),
                Err(_) => None,
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
            let mut slot = NONE;
            if let Some(f) = found.filter(|_| le - ls <= LONG_LINE) {
                {
                    key_of(&mut self.key, f, &buf[ls..le]);
                    if let Some(tail) = self.map.get(&self.key[..]) {
                        self.out.extend_from_slice(layout.prefix);
                        if layout.show_numbers {
                            let _ = write!(self.out, "{line_number}:");
                        }
                        self.out.extend_from_slice(&buf[ls..le]);
                        self.out.extend_from_slice(tail);
                        self.out.push(b'\n');
                        self.written += 1;
                        continue;
                    }
                }
                slot = self.pending.len() as u64;
                self.pending.push(self.key.clone());
            }
            self.holes
                .extend_from_slice(&[self.out.len() as u64, line_number, slot]);
            push(&mut self.holes, buf, ls, le, result);
        }
        Assembled::Done
    }
}

/// The newlines of `buf[from:to]`.
fn newlines(buf: &[u8], from: usize, to: usize) -> u64 {
    let mut n = 0;
    let mut pos = from;
    while let Some(at) = memchr(b'\n', buf, pos, to) {
        n += 1;
        pos = at + 1;
    }
    n
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
        key.extend_from_slice(&line[a..b]);
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
        assert_eq!((tails.holes[1], tails.holes[2]), (12, 0));
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
}

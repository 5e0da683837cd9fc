//! A timing of plain output assembly alone: `cargo run --release --example assemble_bench LOG TAGGED`
//! (TAGGED: `kmserr._native._tagged(extractor)`'s bytes): the candidate search, the read, then the
//! assembly with every tail known; best of 15 (`ITER`), in 1 MiB blocks as the searcher reads.
//! With `JSON` set in the environment, JSON Lines records (with stand-in parts) are assembled: the
//! entry's part `BIG` bytes (1200, as the catalogue's), every meaning's agreement rule `RULE`
//! (`_native.agree_rule`'s bytes; `N`: nothing to compare).
use kmserr_native::assemble::{Layout, Tails, HOLE};
use std::time::{Duration, Instant};
fn main() {
    let buf = std::fs::read(std::env::args().nth(1).unwrap()).unwrap();
    let tagged = std::fs::read(std::env::args().nth(2).unwrap()).unwrap();
    let mut core = kmserr_native::Core::from_tagged(&tagged);
    let names: Vec<Vec<u8>> = tagged
        .split(|&c| c == b'\n')
        .filter_map(|l| l.strip_prefix(b"L:").map(|w| w.to_vec()))
        .collect();
    let lits = kmserr_native::scan::Literals::new(&names);
    let mut blocks = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let hi = (pos + (1 << 20)).min(buf.len());
        let end = buf[pos..hi]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(buf.len(), |i| pos + i + 1);
        blocks.push((pos, end));
        pos = end;
    }
    let mut tails = Tails::new(4096);
    let layout = Layout {
        prefix: b"",
        show_numbers: false,
        count: false,
        lines_before: 0,
        count_only: false,
        json: std::env::var_os("JSON").is_some(),
    };
    let (mut c, mut a, mut b) = (Duration::MAX, Duration::MAX, Duration::MAX);
    let (mut lines, mut holes, mut out) = (0, 0, 0);
    let iterations = std::env::var("ITER").map_or(15, |v| v.parse().unwrap());
    for _ in 0..iterations {
        let t = Instant::now();
        lines = 0;
        for &(s, e) in &blocks {
            lines += lits.candidate_lines(&buf, s, e).len();
        }
        c = c.min(t.elapsed());
        let t = Instant::now();
        for &(s, e) in &blocks {
            core.read(&buf, s, e);
        }
        a = a.min(t.elapsed());
        let t = Instant::now();
        (holes, out) = (0, 0);
        for &(s, e) in &blocks {
            tails.assemble(&core, &buf, s, e, &layout);
            let n = tails.holes.len() / HOLE;
            for slot in 0..n {
                if layout.json {
                    for agrees in 0..3 {
                        let big =
                            vec![b'x'; std::env::var("BIG").map_or(1200, |v| v.parse().unwrap())];
                        let parts = [&b"{\"code\": "[..], b", \"request_id\": ", &big[..]];
                        let rule = std::env::var("RULE")
                            .map_or(b"A\x01\0\0\0x".to_vec(), String::into_bytes);
                        tails.put_json(slot, Some(&rule), agrees, parts);
                    }
                }
            }
            // Every slot, a crowded line's one a finding too (its tails joined: `\tkmserr: ` each).
            let mut slot = 0;
            while !layout.json && tails.put(slot, b"\tkmserr: tail") {
                slot += 1;
            }
            holes += n;
            out += tails.out.len();
        }
        b = b.min(t.elapsed());
    }
    println!("candidates {c:?} ({lines} lines); read {a:?}; assemble {b:?} ({holes} holes, {out} bytes out)");
}

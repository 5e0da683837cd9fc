//! A timing of the native core alone: `cargo run --release --example bench LOG [NAME,NAME...]`
//! (the candidate search, then the whole read, best of 15; kmserr's own benchmarks are in benchmarks/).
use std::time::{Duration, Instant};
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let buf = std::fs::read(&path).unwrap();
    let names: Vec<Vec<u8>> = std::env::args()
        .nth(2)
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.as_bytes().to_vec())
        .collect();
    let mut core = kmserr_native::Core::new(&names, Default::default());
    let lits = kmserr_native::scan::Literals::new(&names);
    let (mut a, mut b) = (Duration::MAX, Duration::MAX);
    let (mut c, mut n) = (0, 0);
    for _ in 0..15 {
        let t = Instant::now();
        c = lits.candidate_lines(&buf, 0, buf.len()).len();
        a = a.min(t.elapsed());
        let t = Instant::now();
        n = core.read(&buf, 0, buf.len()).len() / 16;
        b = b.min(t.elapsed());
    }
    let mb = buf.len() as f64 / 1048576.0;
    println!("{}: candidates {} best {:?} ({:.0} MiB/s); read {} best {:?} ({:.0} MiB/s, {:.2} us/candidate)", path, c, a, mb / a.as_secs_f64(), n, b, mb / b.as_secs_f64(), (b - a).as_secs_f64() * 1e6 / n.max(1) as f64);
}

use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let buf = std::fs::read(&path).unwrap();
    let n = buf.len();
    for _ in 0..3 {
        let t = Instant::now();
        let mut c = 0; let mut pos = 0;
        while let Some(q) = kmserr_native::scan::memchr(b')', &buf, pos, n) { c += 1; pos = q + 1; }
        let a = t.elapsed();
        let t = Instant::now();
        let mut nl = 0; let mut pos = 0;
        while let Some(q) = kmserr_native::scan::memchr(b'\n', &buf, pos, n) { nl += 1; pos = q + 1; }
        let b = t.elapsed();
        let t = Instant::now();
        let mut x = 0u64; let mut p = 0;
        while p + 4 <= n { let g = u32::from_le_bytes([buf[p],buf[p+1],buf[p+2],buf[p+3]]); x = x.wrapping_add((g.wrapping_mul(0x9E3779B1) >> 16) as u64); p += 3; }
        let d = t.elapsed();
        println!(") {} in {:?}; newlines {} in {:?}; gram loop {:?} {}", c, a, nl, b, d, x);
    }
}

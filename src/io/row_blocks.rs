//! Rows of a file body encoded in parallel blocks and written in order: the
//! text rows of xyz and ASCII PLY files ([`crate::io::text_rows`]) and the
//! binary records of PLY and PCD bodies. A 10 M-point cloud's body is
//! encoded on every core instead of one, while the previous round of blocks
//! is being written, with memory bounded by a few blocks.

use std::io::Write;
use std::ops::Range;

/// Rows encoded per block of points in parallel.
pub const ROWS_PER_BLOCK: usize = 16_384;

/// Write the body of `n` rows, the rows of each block appended to the
/// block's buffer by `block(buf, rows)`, in order. Blocks of
/// [`ROWS_PER_BLOCK`] rows are encoded in parallel, a few per thread at a
/// time, and each round of blocks is written while the next one is encoded,
/// so memory stays bounded by two rounds whatever `n` is.
///
/// ```
/// let mut out = Vec::new();
/// pcseg::io::row_blocks::write_blocks(&mut out, 3, |buf, rows| {
///     for i in rows {
///         buf.extend_from_slice(&(i as u16).to_le_bytes())
///     }
/// })
/// .unwrap();
/// assert_eq!(out, [0, 0, 1, 0, 2, 0]);
/// ```
pub fn write_blocks<W, F>(w: &mut W, n: usize, block: F) -> std::io::Result<()>
where
    W: Write + ?Sized,
    F: Fn(&mut Vec<u8>, Range<usize>) + Sync,
{
    use rayon::prelude::*;
    let per_round = ROWS_PER_BLOCK * 2 * rayon::current_num_threads().max(1);
    let encode = |start: usize| -> Vec<Vec<u8>> {
        let end = (start + per_round).min(n);
        (start..end)
            .step_by(ROWS_PER_BLOCK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|s| {
                let mut buf = Vec::new();
                block(&mut buf, s..(s + ROWS_PER_BLOCK).min(end));
                buf
            })
            .collect()
    };
    let write = |w: &mut W, blocks: &[Vec<u8>]| blocks.iter().try_for_each(|b| w.write_all(b));
    if n == 0 {
        return Ok(());
    }
    let mut ready = encode(0);
    let mut start = per_round;
    while start < n {
        // The writer stays on this thread (it need not be `Send`, e.g. a
        // locked stdout); the pool encodes the next round meanwhile.
        let mut next = Vec::new();
        let written = rayon::in_place_scope(|scope| {
            scope.spawn(|_| next = encode(start));
            write(w, &ready)
        });
        written?;
        ready = next;
        start += per_round;
    }
    write(w, &ready)
}

/// [`write_blocks`] one row at a time: row `i` appended by `row(buf, i)`.
/// `row_bytes` is the expected size of a row (a capacity hint only).
pub fn write_row_blocks<W, F>(w: &mut W, n: usize, row_bytes: usize, row: F) -> std::io::Result<()>
where
    W: Write + ?Sized,
    F: Fn(&mut Vec<u8>, usize) + Sync,
{
    write_blocks(w, n, |buf, rows| {
        buf.reserve(rows.len() * row_bytes);
        for i in rows {
            row(buf, i);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_out_in_order_across_blocks_and_rounds() {
        for n in [
            1,
            ROWS_PER_BLOCK,
            ROWS_PER_BLOCK * 9 + 5,
            ROWS_PER_BLOCK * 8,
        ] {
            let mut out = Vec::new();
            write_row_blocks(&mut out, n, 4, |buf, i| {
                buf.extend_from_slice(&(i as u32).to_be_bytes())
            })
            .unwrap();
            let want: Vec<u8> = (0..n as u32).flat_map(|i| i.to_be_bytes()).collect();
            assert_eq!(out, want, "{n} rows");
        }
    }

    #[test]
    fn no_rows_write_nothing() {
        let mut out = Vec::new();
        write_row_blocks(&mut out, 0, 4, |_, _| unreachable!()).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn a_write_error_stops_the_body() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk full"));
                }
                let k = b.len().min(self.0);
                self.0 -= k;
                Ok(k)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let n = ROWS_PER_BLOCK * 20;
        let e = write_row_blocks(&mut Full(1000), n, 1, |buf, _| buf.push(1)).unwrap_err();
        assert_eq!(e.to_string(), "disk full");
    }
}

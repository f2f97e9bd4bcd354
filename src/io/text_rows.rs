//! Text rows of point values, formatted in parallel blocks and written in
//! order ([`crate::io::row_blocks`]): the body of xyz text files and of
//! ASCII PLY files.

use crate::cloud::ScalarKind;
use crate::io::float_text::push_float;
use crate::io::row_blocks::write_row_blocks;
use std::io::Write;

/// Write `n` text rows, row `i` formatted by `row(line, i)` (without its
/// newline), in order, formatted in parallel blocks
/// ([`write_row_blocks`]).
pub fn write_rows<W, F>(w: &mut W, n: usize, row: F) -> std::io::Result<()>
where
    W: Write + ?Sized,
    F: Fn(&mut Vec<u8>, usize) + Sync,
{
    write_row_blocks(w, n, 40, |text, i| {
        row(text, i);
        text.push(b'\n');
    })
}

/// Append an integer in decimal.
pub fn push_int(out: &mut Vec<u8>, v: i64) {
    write!(out, "{v}").expect("write to a Vec")
}

/// Append a column value `v` (held as `f64`) as its own type writes it:
/// floats as the shortest text that reads back to the same `f32` / `f64`
/// ([`push_float`], digit for digit what `{}` writes), integers in decimal.
pub fn push_value(out: &mut Vec<u8>, kind: ScalarKind, v: f64) {
    match kind {
        ScalarKind::F32 => push_float(out, v as f32),
        ScalarKind::F64 => push_float(out, v),
        _ => push_int(out, v as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::row_blocks::ROWS_PER_BLOCK;

    #[test]
    fn rows_come_out_in_order_across_blocks() {
        let n = ROWS_PER_BLOCK * 5 + 7;
        let mut out = Vec::new();
        write_rows(&mut out, n, |line, i| push_int(line, i as i64)).unwrap();
        let want: String = (0..n).map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    #[test]
    fn values_are_written_as_display_writes_their_type() {
        let cases: [(ScalarKind, f64); 6] = [
            (ScalarKind::F32, 0.1f32 as f64),
            (ScalarKind::F32, -1354857.25),
            (ScalarKind::F64, 0.1),
            (ScalarKind::U8, 255.0),
            (ScalarKind::I16, -32768.0),
            (ScalarKind::U32, 4294967295.0),
        ];
        for (kind, v) in cases {
            let mut out = Vec::new();
            push_value(&mut out, kind, v);
            let want = match kind {
                ScalarKind::F32 => format!("{}", v as f32),
                ScalarKind::F64 => format!("{v}"),
                _ => format!("{}", v as i64),
            };
            assert_eq!(String::from_utf8(out).unwrap(), want, "{kind:?} {v}");
        }
    }
}

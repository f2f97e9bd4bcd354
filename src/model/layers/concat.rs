//! Channel concatenation: `out[r] = [a[r], b[r], ...]`, inputs `[R, C_i]`,
//! output `[R, sum C_i]`.
//!
//! Backward: each input receives its column block: `dinp_i += dout[:, block_i]`.
//!
//! The network no longer concatenates (feature propagation applies its
//! weight in column blocks, `feature_propagation.rs`); this layer is the
//! plain form its tests compare against.

use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};

/// Concatenation along channels (no parameters).
#[derive(Debug, Clone, Copy, Default)]
pub struct Concat;

impl Concat {
    /// Concatenate `[R, C_i]` inputs along channels.
    pub fn forward(&self, inps: &[ArrayView2<f32>]) -> Array2<f32> {
        let rows = inps.first().map_or(0, |a| a.nrows());
        let cols: usize = inps.iter().map(|a| a.ncols()).sum();
        assert!(
            inps.iter().all(|a| a.nrows() == rows),
            "Concat::forward: inputs have different row counts"
        );
        // Appended row by row: the output is never zero-filled first.
        let mut out = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for a in inps {
                let src = a.row(r);
                match src.as_slice() {
                    Some(sl) => out.extend_from_slice(sl),
                    None => out.extend(src.iter().copied()),
                }
            }
        }
        Array2::from_shape_vec((rows, cols), out).expect("rows x cols values")
    }

    /// `dinps[i] += dout[:, block i]` where block i has `widths[i]` columns;
    /// `None` skips an input that needs no gradient.
    pub fn backward(
        &self,
        dout: ArrayView2<f32>,
        widths: &[usize],
        dinps: &mut [Option<ArrayViewMut2<f32>>],
    ) {
        assert_eq!(widths.len(), dinps.len());
        let mut at = 0;
        for (&c, d) in widths.iter().zip(dinps.iter_mut()) {
            if let Some(d) = d {
                *d += &dout.slice(s![.., at..at + c]);
            }
            at += c;
        }
        debug_assert_eq!(at, dout.ncols());
    }
}

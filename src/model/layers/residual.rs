//! Residual add of a stride-1 bottleneck: `out = inp + skip`.
//!
//! Backward: `dinp += dout`, `dskip += dout`.

use ndarray::{ArrayView2, ArrayViewMut2};

/// Identity shortcut (no parameters).
#[derive(Debug, Clone, Copy, Default)]
pub struct Residual;

impl Residual {
    /// In place on `[R, C]`: `out += skip`.
    pub fn forward(&self, out: ArrayViewMut2<f32>, skip: ArrayView2<f32>) {
        let mut out = out;
        out += &skip;
    }

    /// `dskip += dout` (the other branch receives `dout` unchanged, which the
    /// caller passes on; see the bottleneck).
    pub fn backward(&self, dout: ArrayView2<f32>, dskip: ArrayViewMut2<f32>) {
        let mut dskip = dskip;
        dskip += &dout;
    }
}

//! ReLU6: `out = min(max(inp, 0), 6)`, elementwise, in place.
//!
//! Backward: `dinp += dout` where `0 < out < 6`, else nothing (the gradient
//! of a clamp; at exactly 0 or 6 the subgradient 0 is taken).

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

/// The ReLU6 activation (no parameters).
#[derive(Debug, Clone, Copy, Default)]
pub struct Relu6;

impl Relu6 {
    /// In place: `x = min(max(x, 0), 6)` on `[R, C]`.
    pub fn forward(&self, x: ArrayViewMut2<f32>) {
        let mut x = x;
        if let Some(s) = x.as_slice_mut() {
            for v in s {
                *v = v.clamp(0.0, 6.0);
            }
        } else {
            x.mapv_inplace(|v| v.clamp(0.0, 6.0));
        }
    }

    /// `dinp += dout * [0 < out < 6]`, all `[R, C]`; `out` is the forward output.
    pub fn backward(&self, out: ArrayView2<f32>, dout: ArrayView2<f32>, dinp: ArrayViewMut2<f32>) {
        Zip::from(dinp).and(out).and(dout).for_each(|di, &o, &d| {
            if o > 0.0 && o < 6.0 {
                *di += d;
            }
        });
    }
}

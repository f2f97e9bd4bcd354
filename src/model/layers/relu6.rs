//! ReLU6: `out = min(max(inp, 0), 6)`, elementwise, in place.
//!
//! Backward: `dinp += dout` where `0 < out < 6`, else nothing (the gradient
//! of a clamp; at exactly 0 or 6 the subgradient 0 is taken).

use ndarray::{ArrayView2, ArrayViewMut2, Zip};
use rayon::prelude::*;

/// Elements per parallel task of the elementwise loops; arrays smaller than
/// two tasks run on the calling thread. Elementwise results do not depend on
/// the split.
const PAR_ELEMS: usize = 1 << 16;

/// The ReLU6 activation (no parameters).
#[derive(Debug, Clone, Copy, Default)]
pub struct Relu6;

impl Relu6 {
    /// In place: `x = min(max(x, 0), 6)` on `[R, C]`.
    pub fn forward(&self, x: ArrayViewMut2<f32>) {
        let mut x = x;
        if let Some(s) = x.as_slice_mut() {
            let run = |s: &mut [f32]| {
                for v in s {
                    *v = v.clamp(0.0, 6.0);
                }
            };
            if s.len() >= 2 * PAR_ELEMS {
                s.par_chunks_mut(PAR_ELEMS).for_each(run);
            } else {
                run(s);
            }
        } else {
            x.mapv_inplace(|v| v.clamp(0.0, 6.0));
        }
    }

    /// `dinp += dout * [0 < out < 6]`, all `[R, C]`; `out` is the forward output.
    pub fn backward(&self, out: ArrayView2<f32>, dout: ArrayView2<f32>, dinp: ArrayViewMut2<f32>) {
        let mut dinp = dinp;
        if let (Some(di), Some(o), Some(d)) = (dinp.as_slice_mut(), out.as_slice(), dout.as_slice())
        {
            let run = |(di, (o, d)): (&mut [f32], (&[f32], &[f32]))| {
                for ((di, &o), &d) in di.iter_mut().zip(o).zip(d) {
                    *di += if o > 0.0 && o < 6.0 { d } else { 0.0 };
                }
            };
            if di.len() >= 2 * PAR_ELEMS {
                di.par_chunks_mut(PAR_ELEMS)
                    .zip(o.par_chunks(PAR_ELEMS).zip(d.par_chunks(PAR_ELEMS)))
                    .for_each(run);
            } else {
                run((di, (o, d)));
            }
            return;
        }
        Zip::from(dinp).and(out).and(dout).for_each(|di, &o, &d| {
            if o > 0.0 && o < 6.0 {
                *di += d;
            }
        });
    }
}

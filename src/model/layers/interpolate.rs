//! 3-NN inverse-distance interpolation of feature propagation:
//!
//! `out[n, c] = sum_{t<3} w[n, t] * coarse[idx[n, t], c]`
//!
//! with `idx`, `w` from [`crate::geometry::three_nn_weights`] (weights
//! `1 / (d^2 + 1e-8)` normalised to sum 1), as row indices into the stacked
//! coarse matrix. Indices and weights are computed once, without gradient.
//!
//! Backward: `dcoarse[idx[n, t], c] += w[n, t] * dout[n, c]`.

use super::{Par, CHANNEL_CHUNK, ROW_CHUNK};
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

/// Interpolation from coarse rows to fine rows (no parameters).
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreeNnInterpolate;

impl ThreeNnInterpolate {
    /// `out[Rf, C]` from `coarse[M, C]`, `idx` and `w` of length `Rf * 3`.
    pub fn forward(
        &self,
        coarse: ArrayView2<f32>,
        idx: &[u32],
        w: &[f32],
        par: Par,
    ) -> Array2<f32> {
        let mut out = Array2::<f32>::zeros((idx.len() / 3, coarse.ncols()));
        self.accumulate(coarse, idx, w, out.view_mut(), par);
        out
    }

    /// `out[Rf, C] += interp(coarse)` (as [`ThreeNnInterpolate::forward`]).
    ///
    /// # Panics
    ///
    /// If `out` is not `[idx.len() / 3, coarse.ncols()]` in standard layout.
    pub fn accumulate(
        &self,
        coarse: ArrayView2<f32>,
        idx: &[u32],
        w: &[f32],
        mut out: ArrayViewMut2<f32>,
        par: Par,
    ) {
        let c = coarse.ncols();
        assert_eq!(out.dim(), (idx.len() / 3, c), "interpolate: output shape");
        let src = coarse.as_standard_layout();
        let src = src.as_slice().expect("contiguous");
        let run = |(ci, o): (usize, &mut [f32])| {
            for (t, orow) in o.chunks_mut(c.max(1)).enumerate() {
                let n = ci * ROW_CHUNK + t;
                for k in 0..3 {
                    let j = idx[n * 3 + k] as usize;
                    let wk = w[n * 3 + k];
                    for (ov, &v) in orow.iter_mut().zip(&src[j * c..(j + 1) * c]) {
                        *ov += wk * v;
                    }
                }
            }
        };
        let o = out.as_slice_mut().expect("contiguous");
        match par {
            Par::Rayon => o
                .par_chunks_mut(ROW_CHUNK * c.max(1))
                .enumerate()
                .for_each(run),
            Par::Serial => o.chunks_mut(ROW_CHUNK * c.max(1)).enumerate().for_each(run),
        }
    }

    /// `dcoarse[idx[n,t], c] += w[n,t] * dout[n,c]`; tasks own channel blocks.
    pub fn backward(
        &self,
        idx: &[u32],
        w: &[f32],
        dout: ArrayView2<f32>,
        dcoarse: ArrayViewMut2<f32>,
        par: Par,
    ) {
        let mut dcoarse = dcoarse;
        let task = |c0: usize, mut dc: ArrayViewMut2<f32>| {
            let width = dc.ncols();
            for (n, d) in dout.rows().into_iter().enumerate() {
                for k in 0..3 {
                    let j = idx[n * 3 + k] as usize;
                    let wk = w[n * 3 + k];
                    let mut row = dc.row_mut(j);
                    for t in 0..width {
                        row[t] += wk * d[c0 + t];
                    }
                }
            }
        };
        match par {
            Par::Rayon if dcoarse.ncols() > CHANNEL_CHUNK => dcoarse
                .axis_chunks_iter_mut(Axis(1), CHANNEL_CHUNK)
                .into_par_iter()
                .enumerate()
                .for_each(|(i, dc)| task(i * CHANNEL_CHUNK, dc)),
            _ => task(0, dcoarse.view_mut()),
        }
    }
}

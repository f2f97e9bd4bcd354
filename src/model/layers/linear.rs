//! Pointwise linear layer (a 1x1 convolution over points).
//!
//! Forward: `out[R, Cout] = inp[R, Cin] . weight[Cout, Cin]^T + bias[Cout]`
//! (PyTorch weight layout). Backward (llm.c `matmul_backward`):
//! `dinp[R, Cin] += dout . weight`, `dweight[Cout, Cin] += dout^T . inp`,
//! `dbias[Cout] += sum_r dout[r]`. Every product goes through
//! [`crate::model::gemm`] (an AVX-512 kernel chosen at run time, else
//! matrixmultiply with its own AVX2/FMA dispatch); for `dweight` the AVX-512
//! path multiplies a transposed copy of each block of `dout`.
//!
//! With [`Par::Rayon`], `out` and `dinp` are split by ROW chunks (each task
//! writes disjoint rows); `dweight`/`dbias` are summed per fixed block of
//! rows into partials that are added in block order, so the result does not
//! depend on the number of threads.

use super::{Par, ROW_CHUNK};
use crate::geometry::simd::Avx512;
use crate::model::gemm::{matmul, matmul_bias_uninit, Init, Layout, Packed, PanelCache};
use crate::model::params::{Params, TensorId, TensorKind};
use crate::rng::Rng;
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, Axis, Ix1, Ix2};
use rayon::prelude::*;

/// Rows per `dweight` partial: each block is one gemm over its rows (inp and
/// dout packed once), partials are summed in block order.
const DW_ROWS: usize = 1024;

/// A pointwise linear layer; holds the ids of its `weight` and `bias`.
#[derive(Debug, Clone)]
pub struct Linear {
    /// `[Cout, Cin]`.
    pub weight: TensorId,
    /// `[Cout]`.
    pub bias: TensorId,
    /// Input channels.
    pub cin: usize,
    /// Output channels.
    pub cout: usize,
}

impl Linear {
    /// Register `{name}.weight` and `{name}.bias` (zeros) in `params`.
    pub fn new(params: &mut Params, name: &str, cin: usize, cout: usize) -> Self {
        let weight = params.add(
            &format!("{name}.weight"),
            TensorKind::Param,
            Params::dyn_zeros(&[cout, cin]),
        );
        let bias = params.add(
            &format!("{name}.bias"),
            TensorKind::Param,
            Params::dyn_zeros(&[cout]),
        );
        Linear {
            weight,
            bias,
            cin,
            cout,
        }
    }

    /// Kaiming-normal weights (std `sqrt(2 / Cin)`, for ReLU-family
    /// activations), zero bias.
    pub fn init(&self, params: &mut Params, rng: &mut Rng) {
        let std = (2.0 / self.cin as f32).sqrt();
        params
            .get_mut(self.weight)
            .mapv_inplace(|_| rng.normal() * std);
        params.get_mut(self.bias).fill(0.0);
    }

    /// `out[R, Cout] = inp[R, Cin] . W^T + b` (see [`crate::model::gemm`]:
    /// the AVX-512 kernel where the CPU has it, starting from the bias).
    pub fn forward(&self, p: &Params, inp: ArrayView2<f32>, par: Par) -> Array2<f32> {
        self.forward_cached(p, None, inp, par)
    }

    /// [`Linear::forward`] whose weight panels come from `panels` (packed on
    /// first use and kept: only for parameters that never change, as in an
    /// inference network) instead of being packed for this call. The same
    /// bits either way.
    pub(crate) fn forward_cached(
        &self,
        p: &Params,
        panels: Option<&PanelCache>,
        inp: ArrayView2<f32>,
        par: Par,
    ) -> Array2<f32> {
        let simd = Avx512::detect();
        let w = p.view2(self.weight);
        let w = w.as_slice().expect("contiguous weight");
        let b = p.view1(self.bias);
        let b = b.as_slice().expect("1-D");
        let rows = inp.nrows();
        let inp = inp.as_standard_layout();
        let x = inp.as_slice().expect("standard layout");
        let packed = match panels {
            Some(cache) => Packed::cached(
                simd,
                cache,
                self.weight.0,
                w,
                self.cin,
                self.cout,
                Layout::Transposed,
            ),
            None => Packed::new(simd, w, self.cin, self.cout, Layout::Transposed),
        };
        let mut out = Array2::<f32>::uninit((rows, self.cout));
        {
            let o = out.as_slice_mut().expect("standard layout");
            match par {
                Par::Rayon if rows > ROW_CHUNK => {
                    o.par_chunks_mut(ROW_CHUNK * self.cout)
                        .zip(x.par_chunks(ROW_CHUNK * self.cin))
                        .for_each(|(o, x)| matmul_bias_uninit(simd, x, &packed, b, o));
                }
                _ => matmul_bias_uninit(simd, x, &packed, b, o),
            }
        }
        // SAFETY: `matmul_bias_uninit` wrote every element of `out`.
        unsafe { out.assume_init() }
    }

    /// Accumulate `dweight`, `dbias` into `grads` and, when `dinp` is given,
    /// `dinp += dout . W`. `inp` is the forward input, `dout` is `[R, Cout]`.
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        inp: ArrayView2<f32>,
        dout: ArrayView2<f32>,
        dinp: Option<ArrayViewMut2<f32>>,
        par: Par,
    ) {
        let w = p.view2(self.weight);
        let rows = inp.nrows();
        if let Some(mut dinp) = dinp {
            let simd = Avx512::detect();
            match (dinp.as_slice_mut(), w.as_slice()) {
                (Some(di), Some(ws)) => {
                    let packed = Packed::new(simd, ws, self.cout, self.cin, Layout::Plain);
                    let dout = dout.as_standard_layout();
                    let d = dout.as_slice().expect("standard layout");
                    match par {
                        Par::Rayon if rows > ROW_CHUNK => {
                            di.par_chunks_mut(ROW_CHUNK * self.cin)
                                .zip(d.par_chunks(ROW_CHUNK * self.cout))
                                .for_each(|(di, d)| matmul(simd, d, &packed, Init::Accumulate, di));
                        }
                        _ => matmul(simd, d, &packed, Init::Accumulate, di),
                    }
                }
                _ => match par {
                    Par::Rayon if rows > ROW_CHUNK => {
                        dinp.axis_chunks_iter_mut(Axis(0), ROW_CHUNK)
                            .into_par_iter()
                            .zip(dout.axis_chunks_iter(Axis(0), ROW_CHUNK))
                            .for_each(|(mut di, d)| general_mat_mul(1.0, &d, &w, 1.0, &mut di));
                    }
                    _ => general_mat_mul(1.0, &dout, &w, 1.0, &mut dinp),
                },
            }
        }
        // dweight = dout^T . inp and dbias = column sums of dout: one gemm
        // per fixed block of DW_ROWS rows into its own partial, partials
        // added in block order (the same result for any thread count).
        let (cout, cin) = (self.cout, self.cin);
        let blocks: Vec<(usize, usize)> = (0..rows)
            .step_by(DW_ROWS)
            .map(|r0| (r0, (r0 + DW_ROWS).min(rows)))
            .collect();
        let partial = |&(r0, r1): &(usize, usize)| {
            let d = dout.slice(s![r0..r1, ..]);
            let x = inp.slice(s![r0..r1, ..]);
            let mut dw = Array2::<f32>::zeros((cout, cin));
            let simd = Avx512::detect();
            match (simd, x.as_slice()) {
                (Some(_), Some(xs)) => {
                    // dout^T of the block, row-major [Cout, rows], times the
                    // block's inputs [rows, Cin] on the AVX-512 kernel.
                    let dt = d.t().as_standard_layout().into_owned();
                    let dt = dt.as_slice().expect("standard layout");
                    let packed = Packed::new(simd, xs, r1 - r0, cin, Layout::Plain);
                    let out = dw.as_slice_mut().expect("standard layout");
                    matmul(simd, dt, &packed, Init::Accumulate, out);
                }
                _ => general_mat_mul(1.0, &d.t(), &x, 0.0, &mut dw),
            }
            let mut db = vec![0f32; cout];
            for row in d.rows() {
                match row.as_slice() {
                    Some(row) => {
                        for (a, v) in db.iter_mut().zip(row) {
                            *a += v;
                        }
                    }
                    None => {
                        for (a, v) in db.iter_mut().zip(row) {
                            *a += v;
                        }
                    }
                }
            }
            (dw, db)
        };
        let parts: Vec<(Array2<f32>, Vec<f32>)> = match par {
            Par::Rayon if blocks.len() > 1 => blocks.par_iter().map(partial).collect(),
            _ => blocks.iter().map(partial).collect(),
        };
        let (dw, db) = grads.pair_mut(self.weight, self.bias);
        let mut dw = dw.view_mut().into_dimensionality::<Ix2>().expect("2-D");
        let mut db = db.view_mut().into_dimensionality::<Ix1>().expect("1-D");
        for (pw, pb) in parts {
            dw += &pw;
            for (b, a) in db.iter_mut().zip(pb) {
                *b += a;
            }
        }
    }
}

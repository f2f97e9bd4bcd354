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
use crate::model::gemm::{matmul, matmul_bias_uninit, Init, Layout, Packed, PanelCache, Window};
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
        self.forward_block(p, panels, ColumnBlock::WHOLE, inp, true, par)
    }

    /// The weight's columns `block.off..block.off + inp.ncols()` applied on
    /// their own: `out[R, Cout] = inp . W[.., block]^T (+ b with `bias`)`.
    /// A layer whose input is a concatenation can apply each piece where it
    /// lives instead of copying them side by side (feature propagation).
    pub(crate) fn forward_block(
        &self,
        p: &Params,
        panels: Option<&PanelCache>,
        block: ColumnBlock,
        inp: ArrayView2<f32>,
        bias: bool,
        par: Par,
    ) -> Array2<f32> {
        let simd = Avx512::detect();
        let zeros;
        let b = p.view1(self.bias);
        let b = match bias {
            true => b.as_slice().expect("1-D"),
            false => {
                zeros = vec![0f32; self.cout];
                &zeros[..]
            }
        };
        let w = p.view2(self.weight);
        let packed = self.packed(
            simd,
            panels,
            block,
            w.as_slice().expect("contiguous weight"),
            inp.ncols(),
        );
        let rows = inp.nrows();
        let (k, cout) = (inp.ncols(), self.cout);
        let inp = inp.as_standard_layout();
        let x = inp.as_slice().expect("standard layout");
        let mut out = Array2::<f32>::uninit((rows, cout));
        {
            let o = out.as_slice_mut().expect("standard layout");
            match par {
                Par::Rayon if rows > ROW_CHUNK => {
                    o.par_chunks_mut(ROW_CHUNK * cout)
                        .zip(x.par_chunks(ROW_CHUNK * k))
                        .for_each(|(o, x)| matmul_bias_uninit(simd, x, &packed, b, o));
                }
                _ => matmul_bias_uninit(simd, x, &packed, b, o),
            }
        }
        // SAFETY: `matmul_bias_uninit` wrote every element of `out`.
        unsafe { out.assume_init() }
    }

    /// `out += inp . W[.., block]^T` (see [`Linear::forward_block`]).
    pub(crate) fn accumulate_block(
        &self,
        p: &Params,
        panels: Option<&PanelCache>,
        block: ColumnBlock,
        inp: ArrayView2<f32>,
        out: &mut Array2<f32>,
        par: Par,
    ) {
        let simd = Avx512::detect();
        let w = p.view2(self.weight);
        let packed = self.packed(
            simd,
            panels,
            block,
            w.as_slice().expect("contiguous weight"),
            inp.ncols(),
        );
        let (rows, k, cout) = (inp.nrows(), inp.ncols(), self.cout);
        assert_eq!(
            out.dim(),
            (rows, cout),
            "Linear::accumulate_block: output shape"
        );
        let inp = inp.as_standard_layout();
        let x = inp.as_slice().expect("standard layout");
        let o = out.as_slice_mut().expect("standard layout");
        match par {
            Par::Rayon if rows > ROW_CHUNK => {
                o.par_chunks_mut(ROW_CHUNK * cout)
                    .zip(x.par_chunks(ROW_CHUNK * k))
                    .for_each(|(o, x)| matmul(simd, x, &packed, Init::Accumulate, o));
            }
            _ => matmul(simd, x, &packed, Init::Accumulate, o),
        }
    }

    /// `B = W[.., block]^T` (`width x Cout`) packed for this call, or taken
    /// from `panels`.
    fn packed<'w>(
        &self,
        simd: Option<Avx512>,
        panels: Option<&'w PanelCache>,
        block: ColumnBlock,
        w: &'w [f32],
        width: usize,
    ) -> Packed<'w> {
        let cache = panels.map(|c| (c, PanelCache::slot(self.weight.0, block.part)));
        let win = Window {
            ld: self.cin,
            off: block.off,
        };
        Packed::window(simd, cache, w, win, width, self.cout, Layout::Transposed)
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
        self.backward_block(p, grads, ColumnBlock::WHOLE, inp, dout, dinp, true, par);
    }

    /// The backward of [`Linear::forward_block`]: the weight gradient's
    /// columns `block.off..block.off + inp.ncols()` `+= dout^T . inp`,
    /// `dbias += ` the column sums of `dout` (with `bias`), and, when `dinp`
    /// is given, `dinp += dout . W[.., block]`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward_block(
        &self,
        p: &Params,
        grads: &mut Params,
        block: ColumnBlock,
        inp: ArrayView2<f32>,
        dout: ArrayView2<f32>,
        dinp: Option<ArrayViewMut2<f32>>,
        bias: bool,
        par: Par,
    ) {
        let w = p.view2(self.weight);
        let (rows, width) = inp.dim();
        let cols = block.off..block.off + width;
        if let Some(mut dinp) = dinp {
            let simd = Avx512::detect();
            match (dinp.as_slice_mut(), w.as_slice()) {
                (Some(di), Some(ws)) => {
                    let win = Window {
                        ld: self.cin,
                        off: block.off,
                    };
                    let packed =
                        Packed::window(simd, None, ws, win, self.cout, width, Layout::Plain);
                    let dout = dout.as_standard_layout();
                    let d = dout.as_slice().expect("standard layout");
                    match par {
                        Par::Rayon if rows > ROW_CHUNK => {
                            di.par_chunks_mut(ROW_CHUNK * width)
                                .zip(d.par_chunks(ROW_CHUNK * self.cout))
                                .for_each(|(di, d)| matmul(simd, d, &packed, Init::Accumulate, di));
                        }
                        _ => matmul(simd, d, &packed, Init::Accumulate, di),
                    }
                }
                _ => {
                    let w = w.slice(s![.., cols.clone()]);
                    match par {
                        Par::Rayon if rows > ROW_CHUNK => {
                            dinp.axis_chunks_iter_mut(Axis(0), ROW_CHUNK)
                                .into_par_iter()
                                .zip(dout.axis_chunks_iter(Axis(0), ROW_CHUNK))
                                .for_each(|(mut di, d)| general_mat_mul(1.0, &d, &w, 1.0, &mut di));
                        }
                        _ => general_mat_mul(1.0, &dout, &w, 1.0, &mut dinp),
                    }
                }
            }
        }
        // dweight = dout^T . inp and dbias = column sums of dout: one gemm
        // per fixed block of DW_ROWS rows into its own partial, partials
        // added in block order (the same result for any thread count).
        let cout = self.cout;
        let blocks: Vec<(usize, usize)> = (0..rows)
            .step_by(DW_ROWS)
            .map(|r0| (r0, (r0 + DW_ROWS).min(rows)))
            .collect();
        let partial = |&(r0, r1): &(usize, usize)| {
            let d = dout.slice(s![r0..r1, ..]);
            let x = inp.slice(s![r0..r1, ..]);
            let mut dw = Array2::<f32>::zeros((cout, width));
            let simd = Avx512::detect();
            match (simd, x.as_slice()) {
                (Some(_), Some(xs)) => {
                    // dout^T of the block, row-major [Cout, rows], times the
                    // block's inputs [rows, width] on the AVX-512 kernel.
                    let dt = d.t().as_standard_layout().into_owned();
                    let dt = dt.as_slice().expect("standard layout");
                    let packed = Packed::new(simd, xs, r1 - r0, width, Layout::Plain);
                    let out = dw.as_slice_mut().expect("standard layout");
                    matmul(simd, dt, &packed, Init::Accumulate, out);
                }
                _ => general_mat_mul(1.0, &d.t(), &x, 0.0, &mut dw),
            }
            let mut db = vec![0f32; if bias { cout } else { 0 }];
            if bias {
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
            }
            (dw, db)
        };
        let parts: Vec<(Array2<f32>, Vec<f32>)> = match par {
            Par::Rayon if blocks.len() > 1 => blocks.par_iter().map(partial).collect(),
            _ => blocks.iter().map(partial).collect(),
        };
        let (dw, db) = grads.pair_mut(self.weight, self.bias);
        let mut dw = dw.view_mut().into_dimensionality::<Ix2>().expect("2-D");
        let mut dw = dw.slice_mut(s![.., cols]);
        let mut db = db.view_mut().into_dimensionality::<Ix1>().expect("1-D");
        for (pw, pb) in parts {
            dw += &pw;
            for (b, a) in db.iter_mut().zip(pb) {
                *b += a;
            }
        }
    }
}

/// Which columns of a linear layer's weight a product uses: `off..off +`
/// the input's width, with its own slot `part` in an inference network's
/// [`PanelCache`] (below [`PanelCache::PARTS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ColumnBlock {
    /// Panel-cache slot of the block (0 for the whole weight).
    pub part: usize,
    /// First weight column.
    pub off: usize,
}

impl ColumnBlock {
    /// The whole weight.
    pub(crate) const WHOLE: ColumnBlock = ColumnBlock { part: 0, off: 0 };
}
#[cfg(test)]
mod tests {
    use super::*;

    fn random(rng: &mut Rng, rows: usize, cols: usize) -> Array2<f32> {
        Array2::from_shape_fn((rows, cols), |_| rng.normal())
    }

    /// Applying the weight in column blocks (the bias with the first only)
    /// is the layer on the concatenated input, forward and backward: the
    /// blocks' outputs add up to the layer's, their weight gradients fill
    /// the layer's columns, the bias gradient is counted once, and each
    /// block's input gradient is its columns of the layer's.
    #[test]
    fn column_blocks_add_up_to_the_whole_layer() {
        let mut rng = Rng::new(8);
        let mut p = Params::new();
        let (widths, cout, rows) = ([5usize, 9, 2], 7, 300);
        let lin = Linear::new(&mut p, "l", widths.iter().sum(), cout);
        lin.init(&mut p, &mut rng);
        p.get_mut(lin.bias).mapv_inplace(|_| rng.normal());
        let pieces: Vec<Array2<f32>> = widths.iter().map(|&w| random(&mut rng, rows, w)).collect();
        let whole = ndarray::concatenate(
            Axis(1),
            &[pieces[0].view(), pieces[1].view(), pieces[2].view()],
        )
        .unwrap();
        let blocks: Vec<ColumnBlock> = [0, 5, 14]
            .into_iter()
            .enumerate()
            .map(|(part, off)| ColumnBlock { part, off })
            .collect();
        let cache = PanelCache::new(p.len());
        for (panels, par) in [(None, Par::Serial), (Some(&cache), Par::Rayon)] {
            let want = lin.forward(&p, whole.view(), par);
            let mut got = lin.forward_block(&p, panels, blocks[0], pieces[0].view(), true, par);
            for i in 1..3 {
                lin.accumulate_block(&p, panels, blocks[i], pieces[i].view(), &mut got, par);
            }
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(
                    (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
                    "forward: {g} against {w}"
                );
            }
        }
        let dout = random(&mut rng, rows, cout);
        let mut want = p.zeros_like();
        let mut dwhole = Array2::zeros(whole.raw_dim());
        lin.backward(
            &p,
            &mut want,
            whole.view(),
            dout.view(),
            Some(dwhole.view_mut()),
            Par::Rayon,
        );
        let mut got = p.zeros_like();
        let mut dpieces: Vec<Array2<f32>> =
            widths.iter().map(|&w| Array2::zeros((rows, w))).collect();
        for i in 0..3 {
            let d = dpieces[i].view_mut();
            lin.backward_block(
                &p,
                &mut got,
                blocks[i],
                pieces[i].view(),
                dout.view(),
                Some(d),
                i == 0,
                Par::Rayon,
            );
        }
        let dcat = ndarray::concatenate(
            Axis(1),
            &[dpieces[0].view(), dpieces[1].view(), dpieces[2].view()],
        )
        .unwrap();
        for (g, w) in dcat.iter().zip(dwhole.iter()) {
            assert!(
                (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
                "dinp: {g} against {w}"
            );
        }
        for id in [lin.weight, lin.bias] {
            for (g, w) in got.get(id).iter().zip(want.get(id).iter()) {
                assert!(
                    (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                    "{}: {g} against {w}",
                    p.name(id)
                );
            }
        }
    }
}

//! A feature-propagation level: 3-NN interpolation of the coarse features to
//! the fine points, concatenation with the fine level's skip features, then
//! linear + BN + ReLU6:
//!
//! `f = ReLU6(BN([interp(coarse), skip...] W^T + b (+ cat_bias[cat])))`.
//!
//! FP1 (the finest) adds the category term of the one-hot, as a per-category
//! bias ([`CategoryBias`]), between the linear layer and the BN. The split
//! `encode` (interp + concat + linear) / `decode` (category + BN + ReLU6)
//! lets `--category auto` run the category-independent part once.

use super::exec::Ctx;
use super::layers::{BatchNorm1d, BnCache, CategoryBias, Concat, Par, Relu6, ThreeNnInterpolate};
use super::linear_bn::LinearBn;
use super::params::Params;
use super::plan::Interp;
use super::unit::{linear_flops, Rows, Unit};
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// One FP level.
#[derive(Debug, Clone)]
pub struct FeaturePropagation {
    /// Linear (+BN) over the concatenation.
    pub unit: LinearBn,
    /// The category bias (FP1 only).
    pub cat_bias: Option<CategoryBias>,
    /// Width of the interpolated coarse features.
    pub coarse_width: usize,
    /// Widths of the skip inputs, in concatenation order.
    pub skip_widths: Vec<usize>,
}

/// Training cache of an FP level.
#[derive(Debug, Clone, Default)]
pub struct FpCache {
    /// The concatenated input `[Rf, Cc + skips]`.
    pub inp: Array2<f32>,
    /// BN cache.
    pub bn: BnCache,
    /// Output after ReLU6 `[Rf, C]`.
    pub out: Array2<f32>,
}

impl FeaturePropagation {
    /// The category-independent part: `[interp(coarse), skips...] W^T + b`;
    /// also returns the concatenated input (kept by the training cache).
    pub fn encode(
        &self,
        ctx: &Ctx,
        coarse: ArrayView2<f32>,
        interp: &Interp,
        skips: &[ArrayView2<f32>],
    ) -> (Array2<f32>, Array2<f32>) {
        let up = ThreeNnInterpolate.forward(coarse, &interp.idx, &interp.w, ctx.par);
        let mut parts = vec![up.view()];
        parts.extend_from_slice(skips);
        let inp = Concat.forward(&parts);
        let z = self.unit.forward_linear(ctx, inp.view());
        (z, inp)
    }

    /// The rest, in place on `z`: category bias (rows `offsets[b]..` get
    /// `cats[b]`), BN, ReLU6. Returns the BN cache in training mode.
    pub fn decode(
        &self,
        ctx: &Ctx,
        z: &mut Array2<f32>,
        offsets: &[usize],
        cats: &[usize],
    ) -> Option<BnCache> {
        if let Some(cb) = &self.cat_bias {
            cb.forward(ctx.p, z.view_mut(), offsets, cats);
        }
        let bn = self.unit.forward_norm(ctx, z);
        Relu6.forward(z.view_mut());
        bn
    }

    /// Backward: `dcoarse += ...`, `dskips[i] += ...` (None: no gradient),
    /// parameter gradients `+=`. `inp`, `bn`, `out` come from the training
    /// forward ([`FpCache`]); `dout` is the gradient at the output.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        inp: ArrayView2<f32>,
        bn: &BnCache,
        out: ArrayView2<f32>,
        interp: &Interp,
        dout: ArrayView2<f32>,
        offsets: &[usize],
        cats: &[usize],
        dcoarse: ArrayViewMut2<f32>,
        dskips: &mut [Option<ArrayViewMut2<f32>>],
        par: Par,
    ) {
        let mut dpre = Array2::zeros(dout.raw_dim());
        Relu6.backward(out, dout, dpre.view_mut());
        let dz = self.unit.backward_norm(p, grads, bn, dpre.view(), par);
        if let Some(cb) = &self.cat_bias {
            cb.backward(grads, dz.view(), offsets, cats);
        }
        let mut dinp = Array2::zeros(inp.raw_dim());
        self.unit
            .linear
            .backward(p, grads, inp, dz.view(), Some(dinp.view_mut()), par);
        let mut dup = Array2::zeros((dinp.nrows(), self.coarse_width));
        let mut widths = vec![self.coarse_width];
        widths.extend_from_slice(&self.skip_widths);
        let mut targets: Vec<Option<ArrayViewMut2<f32>>> = vec![Some(dup.view_mut())];
        targets.extend(dskips.iter_mut().map(|d| d.as_mut().map(|v| v.view_mut())));
        Concat.backward(dinp.view(), &widths, &mut targets);
        drop(targets);
        ThreeNnInterpolate.backward(&interp.idx, &interp.w, dup.view(), dcoarse, par);
    }
}

impl Unit for FeaturePropagation {
    /// The category bias starts as the one-hot block of a linear layer over
    /// the concatenation and the one-hot.
    fn init(&self, p: &mut Params, rng: &mut Rng) {
        self.unit.linear.init(p, rng);
        if let Some(cb) = &self.cat_bias {
            cb.init(p, rng, self.unit.linear.cin + cb.categories);
        }
    }

    /// The BN scale also scales the category bias, which sits before the BN.
    fn fold(&self, p: &mut Params) {
        if let Some(scale) = self.unit.fold(p) {
            if let Some(cb) = &self.cat_bias {
                for mut row in p.view2_mut(cb.table).rows_mut() {
                    row *= &scale;
                }
            }
        }
    }

    fn batch_norms(&self) -> Vec<&BatchNorm1d> {
        self.unit.norm.iter().collect()
    }

    fn flops(&self, rows: Rows) -> u64 {
        let (r, w) = (rows.out, self.unit.linear.cout);
        let mut f = (6 * r * self.coarse_width) as u64
            + linear_flops(r, self.unit.linear.cin, w)
            + (r * w) as u64;
        if self.cat_bias.is_some() {
            f += (r * w) as u64;
        }
        f
    }

    fn shape(&self) -> String {
        let mut s = self.coarse_width.to_string();
        for w in &self.skip_widths {
            s += &format!(" + {w}");
        }
        if let Some(cb) = &self.cat_bias {
            s += &format!(" (+ {} categories)", cb.categories);
        }
        format!("{s} -> {}", self.unit.linear.cout)
    }
}

//! Linear + BatchNorm, the unit every pointwise layer of the network is made
//! of: `out = BN(inp . W^T + b)`. In a folded (inference) network
//! ([`BnMode::Folded`]) the BN is skipped because it was folded into `W`, `b`
//! at load time ([`LinearBn::fold`]).

use super::exec::{BnMode, Ctx};
use super::layers::{BatchNorm1d, BnCache, Linear, Par};
use super::params::Params;
use super::unit::{linear_flops, Rows, Unit};
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// A linear layer with an optional BatchNorm after it.
#[derive(Debug, Clone)]
pub struct LinearBn {
    /// The linear layer.
    pub linear: Linear,
    /// The BatchNorm (None: a plain linear layer).
    pub norm: Option<BatchNorm1d>,
}

impl LinearBn {
    /// Register `{name}.linear.*` and, with `bn`, `{name}.bn.*`.
    pub fn new(
        p: &mut Params,
        name: &str,
        cin: usize,
        cout: usize,
        bn: Option<(f32, f32)>,
    ) -> Self {
        let linear = Linear::new(p, &format!("{name}.linear"), cin, cout);
        let norm = bn.map(|(eps, mom)| BatchNorm1d::new(p, &format!("{name}.bn"), cout, eps, mom));
        LinearBn { linear, norm }
    }

    /// The linear part: `inp . W^T + b`.
    pub fn forward_linear(&self, ctx: &Ctx, inp: ArrayView2<f32>) -> Array2<f32> {
        self.linear.forward_cached(ctx.p, ctx.panels, inp, ctx.par)
    }

    /// The BN part, in place (nothing when folded); returns the cache in
    /// training mode.
    pub fn forward_norm(&self, ctx: &Ctx, x: &mut Array2<f32>) -> Option<BnCache> {
        let bn = self.norm.as_ref()?;
        match ctx.bn {
            BnMode::Batch => Some(bn.forward_train(ctx.p, x, ctx.par)),
            BnMode::Running => {
                bn.forward_eval(ctx.p, x.view_mut());
                None
            }
            BnMode::Folded => None,
        }
    }

    /// Both parts.
    pub fn forward(&self, ctx: &Ctx, inp: ArrayView2<f32>) -> (Array2<f32>, Option<BnCache>) {
        let mut y = self.forward_linear(ctx, inp);
        let c = self.forward_norm(ctx, &mut y);
        (y, c)
    }

    /// Backward of the BN part: returns `dz`, the gradient at the linear
    /// output (a fresh array), accumulating the BN parameter gradients.
    pub fn backward_norm(
        &self,
        p: &Params,
        grads: &mut Params,
        cache: &BnCache,
        dout: ArrayView2<f32>,
        par: Par,
    ) -> Array2<f32> {
        let bn = self.norm.as_ref().expect("backward of a folded LinearBn");
        let mut dz = Array2::zeros(dout.raw_dim());
        bn.backward(p, grads, cache, dout, dz.view_mut(), par);
        dz
    }

    /// Full backward: `dinp += ...` (when given), parameter gradients `+=`.
    /// `inp` is the forward input, `dout` the gradient at the BN output.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        inp: ArrayView2<f32>,
        cache: &BnCache,
        dout: ArrayView2<f32>,
        dinp: Option<ArrayViewMut2<f32>>,
        par: Par,
    ) {
        let dz = self.backward_norm(p, grads, cache, dout, par);
        self.linear.backward(p, grads, inp, dz.view(), dinp, par);
    }

    /// Fold the BN into the linear layer's tensors in `p` (inference
    /// statistics; a forward with `p` must then run in [`BnMode::Folded`]);
    /// returns the per-channel BN scale, for folding later additive terms.
    pub fn fold(&self, p: &mut Params) -> Option<ndarray::Array1<f32>> {
        let bn = self.norm.as_ref()?;
        let (scale, _) = bn.affine(p);
        let mut w = p
            .get(self.linear.weight)
            .clone()
            .into_dimensionality()
            .expect("2-D");
        let mut b = p
            .get(self.linear.bias)
            .clone()
            .into_dimensionality()
            .expect("1-D");
        bn.fold_into_linear(p, &mut w.view_mut(), &mut b.view_mut());
        *p.get_mut(self.linear.weight) = w.into_dyn();
        *p.get_mut(self.linear.bias) = b.into_dyn();
        Some(scale)
    }
}

/// As a stage of its own (the stem): linear + BN + ReLU6.
impl Unit for LinearBn {
    fn init(&self, p: &mut Params, rng: &mut Rng) {
        self.linear.init(p, rng);
    }

    fn fold(&self, p: &mut Params) {
        LinearBn::fold(self, p);
    }

    fn batch_norms(&self) -> Vec<&BatchNorm1d> {
        self.norm.iter().collect()
    }

    fn flops(&self, rows: Rows) -> u64 {
        linear_flops(rows.out, self.linear.cin, self.linear.cout)
            + (rows.out * self.linear.cout) as u64
    }

    fn shape(&self) -> String {
        format!("{} -> {}", self.linear.cin, self.linear.cout)
    }
}

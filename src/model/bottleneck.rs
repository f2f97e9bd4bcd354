//! The MobileNetV2 inverted-residual bottleneck translated to points.
//!
//! For input features `x [Rin, C]` at positions `p`, centres `q` with
//! neighbour rows `nbr [S, K]`:
//!
//! 1. expand, once per input point: `e = ReLU6(BN(x W_e^T + b_e))`, `[Rin, tC]`
//! 2. aggregate per centre and channel (the "depthwise" step):
//!    `a_i = ReLU6(BN(max_k e_j + (p_j - q_i) / r W_pos))`, `[S, tC]`
//! 3. project, linear (no activation): `y = BN(a W_p^T + b_p)`, `[S, C']`
//! 4. residual (stride-1 blocks, where the centres are the input points and
//!    C' = C): `y += x`.
//!
//! A stride-2 block samples its centres from the input points (FPS) and has no
//! residual; the global block has one centre per cloud at the origin, r = 1,
//! and every point of the cloud as a neighbour.

use super::exec::{BnMode, Ctx};
use super::layers::neighbour_max::Groups;
use super::layers::{BatchNorm1d, BnCache, NeighbourMax, Par, Relu6, Residual};
use super::linear_bn::LinearBn;
use super::params::Params;
use super::unit::linear_flops;
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// One bottleneck block.
#[derive(Debug, Clone)]
pub struct Bottleneck {
    /// Pointwise expansion C -> tC (+BN, ReLU6).
    pub expand: LinearBn,
    /// Neighbourhood gather + position term + max.
    pub agg: NeighbourMax,
    /// BN after the aggregation (then ReLU6).
    pub agg_bn: BatchNorm1d,
    /// Pointwise projection tC -> C' (+BN, no activation).
    pub project: LinearBn,
    /// Whether the input is added to the output.
    pub residual: bool,
}

/// Activations a training forward keeps for the backward.
#[derive(Debug, Clone, Default)]
pub struct BottleneckCache {
    /// Expanded features after ReLU6, `[Rin, tC]`.
    pub e: Array2<f32>,
    /// Expansion BN cache.
    pub e_bn: BnCache,
    /// Arg-max neighbour row per (centre, channel), `S * tC`.
    pub argmax: Vec<u32>,
    /// Aggregated features after BN and ReLU6, `[S, tC]`.
    pub a: Array2<f32>,
    /// Aggregation BN cache.
    pub a_bn: BnCache,
    /// Projection BN cache.
    pub p_bn: BnCache,
}

impl Bottleneck {
    /// Register the block's tensors under `name` (`{name}.expand`, `.agg`,
    /// `.agg_bn`, `.project`).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        p: &mut Params,
        name: &str,
        cin: usize,
        hidden: usize,
        cout: usize,
        radius: f32,
        residual: bool,
        bn: (f32, f32),
    ) -> Self {
        assert!(
            !residual || cin == cout,
            "residual bottleneck needs cin == cout"
        );
        Bottleneck {
            expand: LinearBn::new(p, &format!("{name}.expand"), cin, hidden, Some(bn)),
            agg: NeighbourMax::new(p, &format!("{name}.agg"), hidden, radius),
            agg_bn: BatchNorm1d::new(p, &format!("{name}.agg_bn"), hidden, bn.0, bn.1),
            project: LinearBn::new(p, &format!("{name}.project"), hidden, cout, Some(bn)),
            residual,
        }
    }

    /// Kaiming init of the learnable weights. The projection BN of a residual
    /// block starts at scale 0.5 so stacked residuals keep a stable variance.
    pub fn init(&self, p: &mut Params, rng: &mut Rng) {
        self.expand.linear.init(p, rng);
        self.agg.init(p, rng);
        self.project.linear.init(p, rng);
        if self.residual {
            if let Some(bn) = &self.project.norm {
                p.get_mut(bn.weight).fill(0.5);
            }
        }
    }

    /// `y [S, C']` from `x [Rin, C]`; the cache in training mode.
    pub fn forward(
        &self,
        ctx: &Ctx,
        x: ArrayView2<f32>,
        groups: Groups,
    ) -> (Array2<f32>, Option<BottleneckCache>) {
        if !ctx.train() {
            // Inference: the fused aggregation (no copy of `e`, centre term,
            // BN and ReLU6 applied row by row; the same bits as below). A bf16
            // network takes the neighbour max on bf16 keys (half the bytes
            // to gather; its projection rounds to bf16 anyway).
            let (e, _) = self.expand.forward(ctx, x);
            let (scale, shift) = self.agg_bn.affine(ctx.p);
            let affine = (
                scale.as_slice().expect("1-D"),
                shift.as_slice().expect("1-D"),
            );
            let a = if ctx.panels.is_some_and(|c| c.is_bf16()) {
                self.agg
                    .forward_infer_bf16(ctx.p, e, groups, affine, ctx.par)
            } else {
                self.agg.forward_infer(ctx.p, e, groups, affine, ctx.par)
            };
            let (mut y, _) = self.project.forward(ctx, a.view());
            if self.residual {
                Residual.forward(y.view_mut(), x);
            }
            return (y, None);
        }
        let (mut e, e_bn) = self.expand.forward(ctx, x);
        Relu6.forward(e.view_mut());
        let mut argmax = Vec::new();
        let track = ctx.train().then_some(&mut argmax);
        let mut a = self.agg.forward(ctx.p, e.view(), groups, track, ctx.par);
        let a_bn = match ctx.bn {
            BnMode::Batch => Some(self.agg_bn.forward_train(ctx.p, &mut a, ctx.par)),
            BnMode::Running | BnMode::Folded => {
                self.agg_bn.forward_eval(ctx.p, a.view_mut());
                None
            }
        };
        Relu6.forward(a.view_mut());
        let (mut y, p_bn) = self.project.forward(ctx, a.view());
        if self.residual {
            Residual.forward(y.view_mut(), x);
        }
        let cache = match (e_bn, a_bn, p_bn) {
            (Some(e_bn), Some(a_bn), Some(p_bn)) => Some(BottleneckCache {
                e,
                e_bn,
                argmax,
                a,
                a_bn,
                p_bn,
            }),
            _ => None,
        };
        (y, cache)
    }

    /// `dx += ...` from `dout [S, C']`; parameter gradients `+=` into `grads`.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        x: ArrayView2<f32>,
        groups: Groups,
        cache: &BottleneckCache,
        dout: ArrayView2<f32>,
        dx: ArrayViewMut2<f32>,
        par: Par,
    ) {
        let mut dx = dx;
        if self.residual {
            // y = proj + x  =>  dx += dout (the projection gets dout too).
            Residual.backward(dout, dx.view_mut());
        }
        // y = BN(a W^T + b)
        let mut da = Array2::zeros(cache.a.raw_dim());
        self.project.backward(
            p,
            grads,
            cache.a.view(),
            &cache.p_bn,
            dout,
            Some(da.view_mut()),
            par,
        );
        // a = ReLU6(BN(agg))
        let mut da_bn = Array2::zeros(da.raw_dim());
        Relu6.backward(cache.a.view(), da.view(), da_bn.view_mut());
        let mut dagg = Array2::zeros(da.raw_dim());
        self.agg_bn
            .backward(p, grads, &cache.a_bn, da_bn.view(), dagg.view_mut(), par);
        // agg = max_k (e_j + rel_pos W_pos)
        let mut de = Array2::zeros(cache.e.raw_dim());
        self.agg.backward(
            grads,
            groups,
            &cache.argmax,
            dagg.view(),
            de.view_mut(),
            par,
        );
        // e = ReLU6(BN(x W_e^T + b_e))
        let mut de_bn = Array2::zeros(de.raw_dim());
        Relu6.backward(cache.e.view(), de.view(), de_bn.view_mut());
        self.expand
            .backward(p, grads, x, &cache.e_bn, de_bn.view(), Some(dx), par);
    }

    /// Fold the expansion and projection BNs into their linear layers (the
    /// aggregation BN stays, applied with running statistics).
    pub fn fold(&self, p: &mut Params) {
        self.expand.fold(p);
        self.project.fold(p);
    }

    /// The block's BNs in forward order.
    pub fn batch_norms(&self) -> [&BatchNorm1d; 3] {
        [
            self.expand.norm.as_ref().expect("expansion BN"),
            &self.agg_bn,
            self.project.norm.as_ref().expect("projection BN"),
        ]
    }

    /// FLOPs of the block from `rin` input points to `s` centres with `k`
    /// neighbours each (see [`super::cost`] for the counting rules).
    pub fn flops(&self, rin: usize, s: usize, k: usize) -> u64 {
        let (cin, hidden) = (self.expand.linear.cin, self.expand.linear.cout);
        let cout = self.project.linear.cout;
        let mut f = linear_flops(rin, cin, hidden) + (rin * hidden) as u64; // expand + ReLU6
        f += (6 * rin * hidden + s * k.saturating_sub(1) * hidden + 6 * s * hidden) as u64; // aggregation
        f += (3 * s * hidden) as u64; // BN affine + ReLU6
        f += linear_flops(s, hidden, cout);
        if self.residual {
            f += (s * cout) as u64;
        }
        f
    }

    /// `cin -> hidden -> cout`.
    pub fn shape(&self) -> String {
        format!(
            "{} -> {} -> {}",
            self.expand.linear.cin, self.expand.linear.cout, self.project.linear.cout
        )
    }
}

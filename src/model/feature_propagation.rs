//! A feature-propagation level: 3-NN interpolation of the coarse features to
//! the fine points, concatenation with the fine level's skip features, then
//! linear + BN + ReLU6:
//!
//! `f = ReLU6(BN([interp(coarse), skip...] W^T + b (+ cat_bias[cat])))`.
//!
//! Nothing is concatenated: the linear layer's weight is applied in column
//! blocks, `[interp(coarse), s1, s2] W^T = interp(coarse W_c^T) + s1 W_1^T +
//! s2 W_2^T`, and since the interpolation is linear (a weighted sum of three
//! coarse rows) the coarse block is multiplied on the coarse rows, before
//! interpolating: a quarter of the rows at every level of the shipped
//! network (128 against 512, 512 against 2,048; one global row against 128).
//! The backward does the same in reverse (the interpolation's transpose
//! first, then the coarse block's products on the coarse rows).
//!
//! FP1 (the finest) adds the category term of the one-hot, as a per-category
//! bias ([`CategoryBias`]), between the linear layer and the BN. The split
//! `encode` (interp + linear) / `decode` (category + BN + ReLU6) lets
//! `--category auto` run the category-independent part once.

use super::exec::Ctx;
use super::layers::{
    BatchNorm1d, BnCache, CategoryBias, ColumnBlock, Par, Relu6, ThreeNnInterpolate,
};
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

/// Training cache of an FP level (its inputs are the network's: the coarse
/// level's output and the skip features).
#[derive(Debug, Clone, Default)]
pub struct FpCache {
    /// BN cache.
    pub bn: BnCache,
    /// Output after ReLU6 `[Rf, C]`.
    pub out: Array2<f32>,
}

impl FeaturePropagation {
    /// The column block of the weight that multiplies the coarse features
    /// (part 0) and the one of skip `i` (part `i + 1`).
    fn blocks(&self) -> impl Iterator<Item = ColumnBlock> + '_ {
        let skips = self.skip_widths.iter().scan(self.coarse_width, |off, &w| {
            let block = *off;
            *off += w;
            Some(block)
        });
        std::iter::once(0)
            .chain(skips)
            .enumerate()
            .map(|(part, off)| ColumnBlock { part, off })
    }

    /// The category-independent part: `[interp(coarse), skips...] W^T + b`,
    /// computed as `skips W_s^T + b + interp(coarse W_c^T)` (module docs).
    pub fn encode(
        &self,
        ctx: &Ctx,
        coarse: ArrayView2<f32>,
        interp: &Interp,
        skips: &[ArrayView2<f32>],
    ) -> Array2<f32> {
        assert_eq!(skips.len(), self.skip_widths.len(), "FP: skip inputs");
        let lin = &self.unit.linear;
        let (p, panels, par) = (ctx.p, ctx.panels, ctx.par);
        let blocks: Vec<ColumnBlock> = self.blocks().collect();
        let mut z = lin.forward_block(p, panels, blocks[1], skips[0], true, par);
        for (s, &block) in skips[1..].iter().zip(&blocks[2..]) {
            lin.accumulate_block(p, panels, block, *s, &mut z, par);
        }
        let y = lin.forward_block(p, panels, blocks[0], coarse, false, par);
        ThreeNnInterpolate.accumulate(y.view(), &interp.idx, &interp.w, z.view_mut(), par);
        z
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
    /// parameter gradients `+=`. `coarse` and `skips` are the forward's
    /// inputs, `bn` and `out` come from the training forward ([`FpCache`]);
    /// `dout` is the gradient at the output.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        coarse: ArrayView2<f32>,
        skips: &[ArrayView2<f32>],
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
        assert_eq!(skips.len(), dskips.len(), "FP backward: skip gradients");
        let mut dpre = Array2::zeros(dout.raw_dim());
        Relu6.backward(out, dout, dpre.view_mut());
        let dz = self.unit.backward_norm(p, grads, bn, dpre.view(), par);
        if let Some(cb) = &self.cat_bias {
            cb.backward(grads, dz.view(), offsets, cats);
        }
        let lin = &self.unit.linear;
        let blocks: Vec<ColumnBlock> = self.blocks().collect();
        for (i, (s, ds)) in skips.iter().zip(dskips.iter_mut()).enumerate() {
            let ds = ds.as_mut().map(|d| d.view_mut());
            lin.backward_block(p, grads, blocks[i + 1], *s, dz.view(), ds, i == 0, par);
        }
        // z = ... + interp(y), y = coarse W_c^T: dy = interp^T dz.
        let mut dy = Array2::zeros((coarse.nrows(), lin.cout));
        ThreeNnInterpolate.backward(&interp.idx, &interp.w, dz.view(), dy.view_mut(), par);
        lin.backward_block(
            p,
            grads,
            blocks[0],
            coarse,
            dy.view(),
            Some(dcoarse),
            false,
            par,
        );
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
        // As computed: the coarse block on the coarse rows (no bias), the
        // interpolation of its output, the skip blocks with the bias, ReLU6.
        let (r, w) = (rows.out, self.unit.linear.cout);
        let skips: usize = self.skip_widths.iter().sum();
        let mut f = 2 * (rows.inp * self.coarse_width * w) as u64
            + (6 * r * w) as u64
            + linear_flops(r, skips, w)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::exec::BnMode;
    use crate::model::gemm::PanelCache;
    use crate::model::layers::Concat;

    /// An FP level with two skips (as FP1), random weights and inputs.
    fn level(rng: &mut Rng) -> (FeaturePropagation, Params) {
        let mut p = Params::new();
        let unit = LinearBn::new(&mut p, "fp", 5 + 4 + 3, 6, Some((1e-5, 0.1)));
        unit.linear.init(&mut p, rng);
        p.get_mut(unit.linear.bias).mapv_inplace(|_| rng.normal());
        let fp = FeaturePropagation {
            unit,
            cat_bias: None,
            coarse_width: 5,
            skip_widths: vec![4, 3],
        };
        (fp, p)
    }

    fn random(rng: &mut Rng, rows: usize, cols: usize) -> Array2<f32> {
        Array2::from_shape_fn((rows, cols), |_| rng.normal())
    }

    fn random_interp(rng: &mut Rng, fine: usize, coarse: usize) -> Interp {
        let mut interp = Interp::default();
        for _ in 0..fine {
            let w: Vec<f32> = (0..3).map(|_| rng.uniform(0.1, 1.0)).collect();
            let s: f32 = w.iter().sum();
            for wk in w {
                interp.idx.push(rng.below(coarse) as u32);
                interp.w.push(wk / s);
            }
        }
        interp
    }

    /// The level as the formula reads: interpolate, concatenate, multiply.
    fn concat_input(c: &Array2<f32>, s: &[Array2<f32>], it: &Interp) -> Array2<f32> {
        let up = ThreeNnInterpolate.forward(c.view(), &it.idx, &it.w, Par::Serial);
        Concat.forward(&[up.view(), s[0].view(), s[1].view()])
    }

    fn close(a: ArrayView2<f32>, b: ArrayView2<f32>, what: &str) {
        assert_eq!(a.dim(), b.dim(), "{what}: shape");
        for (x, y) in a.iter().zip(b.iter()) {
            assert!(
                (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
                "{what}: {x} against {y}"
            );
        }
    }

    /// The blocked forward (coarse block multiplied before interpolating)
    /// equals the linear layer applied to the concatenated input, with the
    /// panels packed per call or cached per block.
    #[test]
    fn encode_equals_the_linear_layer_on_the_concatenation() {
        let mut rng = Rng::new(3);
        let (fp, p) = level(&mut rng);
        let (coarse, fine) = (7, 40);
        let c = random(&mut rng, coarse, 5);
        let s = [random(&mut rng, fine, 4), random(&mut rng, fine, 3)];
        let it = random_interp(&mut rng, fine, coarse);
        let want = fp
            .unit
            .linear
            .forward(&p, concat_input(&c, &s, &it).view(), Par::Serial);
        let cache = PanelCache::new(p.len());
        for (panels, par) in [
            (None, Par::Serial),
            (Some(&cache), Par::Rayon),
            (Some(&cache), Par::Serial),
        ] {
            let ctx = Ctx {
                p: &p,
                bn: BnMode::Running,
                par,
                panels,
            };
            let got = fp.encode(&ctx, c.view(), &it, &[s[0].view(), s[1].view()]);
            close(got.view(), want.view(), "z");
        }
    }

    /// The blocked backward gives the gradients of the concatenated form:
    /// weight, bias and BN parameters, the coarse input (through the
    /// interpolation's transpose) and each skip.
    #[test]
    fn backward_equals_the_backward_of_the_concatenation() {
        let mut rng = Rng::new(4);
        let (fp, p) = level(&mut rng);
        let (coarse, fine) = (9, 48);
        let c = random(&mut rng, coarse, 5);
        let s = [random(&mut rng, fine, 4), random(&mut rng, fine, 3)];
        let it = random_interp(&mut rng, fine, coarse);
        let ctx = Ctx {
            p: &p,
            bn: BnMode::Batch,
            par: Par::Serial,
            panels: None,
        };
        let mut out = fp.encode(&ctx, c.view(), &it, &[s[0].view(), s[1].view()]);
        let bn = fp
            .decode(&ctx, &mut out, &[0], &[])
            .expect("training cache");
        let dout = random(&mut rng, fine, 6);

        let mut grads = p.zeros_like();
        let (mut dc, mut ds0, mut ds1) = (
            Array2::zeros((coarse, 5)),
            Array2::zeros((fine, 4)),
            Array2::zeros((fine, 3)),
        );
        fp.backward(
            &p,
            &mut grads,
            c.view(),
            &[s[0].view(), s[1].view()],
            &bn,
            out.view(),
            &it,
            dout.view(),
            &[0],
            &[],
            dc.view_mut(),
            &mut [Some(ds0.view_mut()), Some(ds1.view_mut())],
            Par::Serial,
        );

        // The reference: BN and ReLU6 backward as the level does, then the
        // linear layer's backward on the concatenated input, split.
        let mut want = p.zeros_like();
        let mut dpre = Array2::zeros(dout.raw_dim());
        Relu6.backward(out.view(), dout.view(), dpre.view_mut());
        let dz = fp
            .unit
            .backward_norm(&p, &mut want, &bn, dpre.view(), Par::Serial);
        let inp = concat_input(&c, &s, &it);
        let mut dinp = Array2::zeros(inp.raw_dim());
        fp.unit.linear.backward(
            &p,
            &mut want,
            inp.view(),
            dz.view(),
            Some(dinp.view_mut()),
            Par::Serial,
        );
        let (mut dup, mut w0, mut w1) = (
            Array2::zeros((fine, 5)),
            Array2::zeros((fine, 4)),
            Array2::zeros((fine, 3)),
        );
        Concat.backward(
            dinp.view(),
            &[5, 4, 3],
            &mut [
                Some(dup.view_mut()),
                Some(w0.view_mut()),
                Some(w1.view_mut()),
            ],
        );
        let mut wc = Array2::zeros((coarse, 5));
        ThreeNnInterpolate.backward(&it.idx, &it.w, dup.view(), wc.view_mut(), Par::Serial);

        close(dc.view(), wc.view(), "dcoarse");
        close(ds0.view(), w0.view(), "dskip 0");
        close(ds1.view(), w1.view(), "dskip 1");
        for id in p.ids() {
            let (g, w) = (grads.get(id), want.get(id));
            for (x, y) in g.iter().zip(w.iter()) {
                assert!(
                    (x - y).abs() <= 1e-4 * (1.0 + y.abs()),
                    "{}: {x} against {y}",
                    p.name(id)
                );
            }
        }
        assert!(grads.get(fp.unit.linear.weight).iter().any(|&v| v != 0.0));
    }
}

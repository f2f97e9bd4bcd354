//! The segmentation network in one place: the layer structure ([`Arch`]),
//! the activations a training forward keeps ([`Activations`]), the forward
//! (split into [`Arch::encode`] and [`Arch::decode`]) and, beside it, the
//! network-level backward ([`Arch::backward`]).
//!
//! Data flow for one cloud of N points (widths from [`ModelConfig`]):
//!
//! ```text
//! x0 [N, 6] --stem (linear+BN+ReLU6)--> f0 [N, C0]
//! f0 --SA1 (FPS S1, ball r1 K1, bottleneck, +stride-1 blocks)--> f1 [S1, C1]
//! f1 --SA2 ...--> f2 [S2, C2] --global bottleneck (max over all S2)--> g [1, Cg]
//! FP3: [interp(g), f2]      -> [S2, F3]
//! FP2: [interp(FP3), f1]    -> [S1, F2]
//! FP1: [interp(FP2), f0, x0] + category bias -> [N, F1]
//! head: linear+BN+ReLU6 [N, H], dropout (training), linear -> logits [N, 50]
//! classifier (optional): g -> linear+BN+ReLU6 [1, W] -> linear -> [1, 16]
//! ```
//!
//! The same forward functions run inference (BN folded, no activations kept,
//! see [`super::inference`]) and training (batch statistics, activations kept
//! for the backward, see [`super::trainable`]).

use super::bottleneck::{Bottleneck, BottleneckCache};
use super::classifier::{Classifier, ClassifierCache};
use super::config::ModelConfig;
use super::exec::Ctx;
use super::feature_propagation::{FeaturePropagation, FpCache};
use super::head::Head;
use super::layers::{BatchNorm1d, BnCache, CategoryBias, Par, Relu6};
use super::linear_bn::LinearBn;
use super::params::Params;
use super::plan::{fp_stage_name, Plan};
use super::set_abstraction::{GlobalAbstraction, SaCache, SetAbstraction};
use super::timing::StageTimer;
use super::unit::Unit;
use crate::categories::NUM_CATEGORIES;
use crate::error::{Error, Result};
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2};

/// The layer structure of a network (tensor ids into a [`Params`] store).
#[derive(Debug, Clone)]
pub struct Arch {
    /// The configuration it was built from.
    pub cfg: ModelConfig,
    /// Per-point stem: linear in_channels -> C0 (+BN), ReLU6.
    pub stem: LinearBn,
    /// SA levels, finest first.
    pub sa: Vec<SetAbstraction>,
    /// Global level.
    pub global: GlobalAbstraction,
    /// FP levels, coarsest first; the last one is FP1 (with the category bias).
    pub fp: Vec<FeaturePropagation>,
    /// Head: F1 -> H (+BN), ReLU6, dropout, H -> 50 logits.
    pub head: Head,
    /// Category classifier on the global feature (None when the config has
    /// `classifier_width` 0).
    pub classifier: Option<Classifier>,
}

/// Everything [`Arch::backward`] reads, kept by a training forward and
/// nothing more (the logits are the forward's result, not kept here).
#[derive(Debug, Clone, Default)]
pub struct Activations {
    /// Input features `[R0, in_channels]` (stem input).
    pub x0: Array2<f32>,
    /// Level outputs: `feats[0]` the stem output (after ReLU6), `feats[l]`
    /// SA level l's.
    pub feats: Vec<Array2<f32>>,
    /// Stem BN cache.
    pub stem_bn: BnCache,
    /// SA level caches.
    pub sa: Vec<SaCache>,
    /// Global feature `[B, Cg]`.
    pub g: Array2<f32>,
    /// Global block cache.
    pub global: BottleneckCache,
    /// Category classifier cache (when the model has one).
    pub classifier: Option<ClassifierCache>,
    /// FP caches of the levels above FP1, coarsest first.
    pub fp: Vec<FpCache>,
    /// FP1 BN cache.
    pub fp1_bn: BnCache,
    /// FP1 output `[R0, F1]` (after ReLU6; the head's input).
    pub f1: Array2<f32>,
    /// Head BN cache.
    pub head_bn: BnCache,
    /// Head output after ReLU6 `[R0, H]`.
    pub h: Array2<f32>,
    /// When dropout ran: its mask and the head output after dropout (the
    /// last layer's input). Without dropout the last layer's input is `h`.
    pub dropout: Option<(Array2<f32>, Array2<f32>)>,
}

impl Activations {
    /// The BatchNorm caches in forward order (the order of
    /// [`Arch::batch_norms`]).
    pub fn bn_caches(&self) -> Vec<&BnCache> {
        let mut v = vec![&self.stem_bn];
        for c in &self.sa {
            for b in &c.blocks {
                v.extend([&b.e_bn, &b.a_bn, &b.p_bn]);
            }
        }
        v.extend([&self.global.e_bn, &self.global.a_bn, &self.global.p_bn]);
        v.extend(self.fp.iter().map(|c| &c.bn));
        v.extend([&self.fp1_bn, &self.head_bn]);
        v.extend(self.classifier.iter().map(|c| &c.bn));
        v
    }
}

/// One stage of the architecture, from [`Arch::stages`].
pub struct Stage<'a> {
    /// Name in `pcseg info` (`stem`, `SA1`, `SA3 global`, `FP2`, `head`..).
    pub name: String,
    /// The timing / FLOP stage it counts towards (FP1 and the head are
    /// timed together as `FP1+head`).
    pub timed_as: String,
    /// (input level, output level) of [`Plan`] (0 = the input points,
    /// L + 1 = the global level), which fix its rows.
    pub levels: (usize, usize),
    /// The stage itself.
    pub unit: &'a dyn Unit,
}

/// The cache of a layer run by a training forward (which always keeps one).
fn kept<T>(cache: Option<T>) -> T {
    cache.expect("a training forward keeps caches")
}

impl Arch {
    /// Build the layers of `cfg` (BN included) and register their tensors.
    pub fn build(cfg: &ModelConfig) -> Result<(Arch, Params)> {
        cfg.validate()?;
        let mut p = Params::new();
        let bn = Some((cfg.bn_eps, cfg.bn_momentum));
        let stem = LinearBn::new(&mut p, "stem", cfg.in_channels, cfg.stem_width, bn);
        let sa: Vec<SetAbstraction> = (0..cfg.levels.len())
            .map(|l| SetAbstraction::new(&mut p, cfg, l))
            .collect();
        let n = cfg.levels.len();
        let last = cfg.levels[n - 1].width;
        let global = GlobalAbstraction {
            block: Bottleneck::new(
                &mut p,
                &format!("sa{}", n + 1),
                last,
                cfg.global.expansion * last,
                cfg.global.width,
                1.0,
                false,
                (cfg.bn_eps, cfg.bn_momentum),
            ),
        };
        let mut fp = Vec::new();
        let mut coarse = cfg.global.width;
        for (i, &w) in cfg.fp_widths.iter().enumerate() {
            let l = n - i; // target level
            let skip_widths = if l == 0 {
                vec![cfg.stem_width, cfg.in_channels]
            } else {
                vec![cfg.levels[l - 1].width]
            };
            let cin = coarse + skip_widths.iter().sum::<usize>();
            let name = format!("fp{}", l + 1);
            let unit = LinearBn::new(&mut p, &name, cin, w, bn);
            let cat_bias = (l == 0)
                .then(|| CategoryBias::new(&mut p, &format!("{name}.category"), NUM_CATEGORIES, w));
            fp.push(FeaturePropagation {
                unit,
                cat_bias,
                coarse_width: coarse,
                skip_widths,
            });
            coarse = w;
        }
        let head = Head::new(
            &mut p,
            coarse,
            cfg.head_width,
            cfg.num_parts,
            cfg.dropout,
            (cfg.bn_eps, cfg.bn_momentum),
        );
        let classifier = (cfg.classifier_width > 0).then(|| {
            Classifier::new(
                &mut p,
                "classifier",
                cfg.global.width,
                cfg.classifier_width,
                cfg.num_categories,
                (cfg.bn_eps, cfg.bn_momentum),
            )
        });
        let arch = Arch {
            cfg: cfg.clone(),
            stem,
            sa,
            global,
            fp,
            head,
            classifier,
        };
        Ok((arch, p))
    }

    /// THE walk over the architecture: every stage in forward order (stem,
    /// SA levels, global, FP levels coarsest first, head, classifier), each
    /// with its [`Unit`]. It serves initialisation ([`Arch::init`]), folding
    /// ([`Arch::fold`]), the BatchNorm running statistics
    /// ([`Arch::batch_norms`]), the FLOP count ([`super::cost::flops`]) and
    /// `pcseg info` ([`super::weights::describe`]).
    pub fn stages(&self) -> Vec<Stage<'_>> {
        let n = self.sa.len();
        let mut v = vec![Stage {
            name: "stem".into(),
            timed_as: "stem".into(),
            levels: (0, 0),
            unit: &self.stem,
        }];
        for (l, sa) in self.sa.iter().enumerate() {
            v.push(Stage {
                name: format!("SA{}", l + 1),
                timed_as: format!("SA{}", l + 1),
                levels: (l, l + 1),
                unit: sa,
            });
        }
        v.push(Stage {
            name: format!("SA{} global", n + 1),
            timed_as: format!("SA{}", n + 1),
            levels: (n, n + 1),
            unit: &self.global,
        });
        for (i, fp) in self.fp.iter().enumerate() {
            let l = n - i;
            v.push(Stage {
                name: format!("FP{}", l + 1),
                timed_as: fp_stage_name(&self.cfg, l),
                levels: (l + 1, l),
                unit: fp,
            });
        }
        v.push(Stage {
            name: "head".into(),
            timed_as: fp_stage_name(&self.cfg, 0),
            levels: (0, 0),
            unit: &self.head,
        });
        if let Some(c) = &self.classifier {
            v.push(Stage {
                name: "classifier".into(),
                timed_as: "classifier".into(),
                levels: (n + 1, n + 1),
                unit: c,
            });
        }
        v
    }

    /// Kaiming-style initialisation of every learnable tensor from `seed`
    /// (BN: scale 1, shift 0, running mean 0, running var 1), stage by stage.
    pub fn init(&self, p: &mut Params, seed: u64) {
        let mut rng = Rng::new(seed);
        for st in self.stages() {
            st.unit.init(p, &mut rng);
        }
    }

    /// The inference parameters: every BN that follows a linear layer folded
    /// into it (and FP1's category bias scaled by FP1's BN scale); forwards
    /// with them run in [`super::exec::BnMode::Folded`]. Aggregation BNs stay,
    /// applied with running statistics.
    pub fn fold(&self, p: &Params) -> Params {
        let mut q = p.clone();
        for st in self.stages() {
            st.unit.fold(&mut q);
        }
        q
    }

    /// Every BN layer in forward order (the order of
    /// [`Activations::bn_caches`]).
    pub fn batch_norms(&self) -> Vec<&BatchNorm1d> {
        self.stages()
            .into_iter()
            .flat_map(|st| st.unit.batch_norms())
            .collect()
    }

    /// Every BN layer with its cache from a training forward, in forward order.
    pub fn bn_caches<'a>(&'a self, a: &'a Activations) -> Vec<(&'a BatchNorm1d, &'a BnCache)> {
        let bns = self.batch_norms();
        let caches = a.bn_caches();
        assert_eq!(bns.len(), caches.len(), "one cache per BatchNorm");
        bns.into_iter().zip(caches).collect()
    }

    /// Everything that does not depend on the category: up to FP1's linear
    /// output `z [R0, F1]` (before the category bias), and the classifier's
    /// category logits `[B, 16]` when the model has a classifier. A training
    /// forward (`acts` given, batch statistics) keeps its activations there.
    pub fn encode(
        &self,
        ctx: &Ctx,
        plan: &Plan,
        x0: Array2<f32>,
        mut acts: Option<&mut Activations>,
        timer: &mut StageTimer,
    ) -> (Array2<f32>, Option<Array2<f32>>) {
        let (mut s, stem_bn) = self.stem.forward(ctx, x0.view());
        Relu6.forward(s.view_mut());
        timer.lap("stem");
        let mut feats = vec![s];
        for (l, sa) in self.sa.iter().enumerate() {
            let (y, c) = sa.forward(
                ctx,
                feats[l].view(),
                plan.down_groups(l),
                plan.same_groups(l),
            );
            feats.push(y);
            if let Some(a) = acts.as_deref_mut() {
                a.sa.push(kept(c));
            }
            timer.lap(&format!("SA{}", l + 1));
        }
        let n = self.sa.len();
        let (g, gc) = self
            .global
            .block
            .forward(ctx, feats[n].view(), plan.global_groups());
        let category_logits = self.classifier.as_ref().map(|c| {
            let (logits, cache) = c.forward(ctx, g.view());
            if let Some(a) = acts.as_deref_mut() {
                a.classifier = Some(kept(cache));
            }
            logits
        });
        timer.lap(&format!("SA{}", n + 1));
        // The coarse input of the next FP level: `g`, then each FP output.
        let mut coarse: Option<Array2<f32>> = None;
        for (i, fp) in self.fp[..n].iter().enumerate() {
            let l = n - i;
            let offsets = &plan.levels[l].offsets;
            let up = coarse.as_ref().unwrap_or(&g).view();
            let mut z = fp.encode(ctx, up, &plan.up[l], &[feats[l].view()]);
            let bn = fp.decode(ctx, &mut z, offsets, &[]);
            if let Some(a) = acts.as_deref_mut() {
                a.fp.push(FpCache {
                    bn: kept(bn),
                    out: z.clone(),
                });
            }
            coarse = Some(z);
            timer.lap(&fp_stage_name(&self.cfg, l));
        }
        let z = self.fp[n].encode(
            ctx,
            coarse.as_ref().unwrap_or(&g).view(),
            &plan.up[0],
            &[feats[0].view(), x0.view()],
        );
        timer.lap("FP1+head");
        if let Some(a) = acts {
            a.x0 = x0;
            a.feats = feats;
            a.stem_bn = kept(stem_bn);
            a.g = g;
            a.global = kept(gc);
        }
        (z, category_logits)
    }

    /// The category-dependent part: category bias, FP1's BN and ReLU6, the
    /// head and the logits `[R0, P]`. Dropout runs only when `rngs` is given
    /// (one generator per cloud). A training forward (`acts` given) keeps its
    /// activations there.
    #[allow(clippy::too_many_arguments)]
    pub fn decode(
        &self,
        ctx: &Ctx,
        z: Array2<f32>,
        offsets: &[usize],
        cats: &[usize],
        rngs: Option<&mut [Rng]>,
        acts: Option<&mut Activations>,
        timer: &mut StageTimer,
    ) -> Array2<f32> {
        let fp1 = self.fp.last().expect("FP1");
        let mut f1 = z;
        let fp1_bn = fp1.decode(ctx, &mut f1, offsets, cats);
        let (mut h, head_bn) = self.head.hidden.forward(ctx, f1.view());
        Relu6.forward(h.view_mut());
        let dropout = match rngs {
            Some(rngs) if self.head.dropout.p > 0.0 => {
                let mut hd = h.clone();
                let mask = self.head.dropout.forward(hd.view_mut(), offsets, rngs);
                Some((mask, hd))
            }
            _ => None,
        };
        let last_inp = dropout.as_ref().map_or(h.view(), |(_, hd)| hd.view());
        let logits = self
            .head
            .out
            .forward_cached(ctx.p, ctx.panels, last_inp, ctx.par);
        timer.lap("FP1+head");
        if let Some(a) = acts {
            a.fp1_bn = kept(fp1_bn);
            a.f1 = f1;
            a.head_bn = kept(head_bn);
            a.h = h;
            a.dropout = dropout;
        }
        logits
    }

    /// The backward of [`Arch::encode`] + [`Arch::decode`]: parameter
    /// gradients `+=` into `grads`, from the gradients at the network's
    /// outputs, `dlogits [R0, P]` and (with a classifier) `dcategory [B, 16]`.
    /// `acts`, `plan` and `cats` are the training forward's.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        plan: &Plan,
        cats: &[usize],
        acts: &Activations,
        dlogits: ArrayView2<f32>,
        dcategory: Option<ArrayView2<f32>>,
    ) {
        let par = Par::Rayon;
        let a = acts;
        let offsets = &plan.levels[0].offsets;
        let n = self.sa.len();
        // logits = hd W^T + b
        let (hd, mask) = match &a.dropout {
            Some((mask, hd)) => (hd, Some(mask)),
            None => (&a.h, None),
        };
        let mut dhd = Array2::zeros(hd.raw_dim());
        self.head
            .out
            .backward(p, grads, hd.view(), dlogits, Some(dhd.view_mut()), par);
        // hd = dropout(h)
        let dh = match mask {
            Some(mask) => {
                let mut dh = Array2::zeros(dhd.raw_dim());
                self.head
                    .dropout
                    .backward(mask.view(), dhd.view(), dh.view_mut());
                dh
            }
            None => dhd,
        };
        // h = ReLU6(BN(f1 W^T + b))
        let mut dh_pre = Array2::zeros(dh.raw_dim());
        Relu6.backward(a.h.view(), dh.view(), dh_pre.view_mut());
        let mut df1 = Array2::zeros(a.f1.raw_dim());
        self.head.hidden.backward(
            p,
            grads,
            a.f1.view(),
            &a.head_bn,
            dh_pre.view(),
            Some(df1.view_mut()),
            par,
        );
        // Gradients at each level's output (feats) and at each FP output.
        let mut dfeats: Vec<Array2<f32>> =
            a.feats.iter().map(|f| Array2::zeros(f.raw_dim())).collect();
        // The coarse input of FP level i (coarsest first; n is FP1).
        let coarse_of = |i: usize| {
            if i == 0 {
                a.g.view()
            } else {
                a.fp[i - 1].out.view()
            }
        };
        let coarse_dim = |i: usize| coarse_of(i).raw_dim();
        // FP1: f1 = ReLU6(BN([up(fp2), f0, x0] W^T + b + cat_bias))
        let mut dcoarse = Array2::zeros(coarse_dim(n));
        {
            let (dfirst, _) = dfeats.split_at_mut(1);
            let mut dskips = [Some(dfirst[0].view_mut()), None];
            self.fp[n].backward(
                p,
                grads,
                coarse_of(n),
                &[a.feats[0].view(), a.x0.view()],
                &a.fp1_bn,
                a.f1.view(),
                &plan.up[0],
                df1.view(),
                offsets,
                cats,
                dcoarse.view_mut(),
                &mut dskips,
                par,
            );
        }
        // FP levels above FP1, finest first.
        for i in (0..n).rev() {
            let l = n - i;
            let fc = &a.fp[i];
            let mut dnext = Array2::zeros(coarse_dim(i));
            let mut dskips = [Some(dfeats[l].view_mut())];
            self.fp[i].backward(
                p,
                grads,
                coarse_of(i),
                &[a.feats[l].view()],
                &fc.bn,
                fc.out.view(),
                &plan.up[l],
                dcoarse.view(),
                &plan.levels[l].offsets,
                &[],
                dnext.view_mut(),
                &mut dskips,
                par,
            );
            dcoarse = dnext;
        }
        // Classifier: category logits = classifier(g); its gradient joins
        // the one FP3 sent back to g.
        if let (Some(cls), Some(cc), Some(dl)) = (&self.classifier, &a.classifier, dcategory) {
            cls.backward(p, grads, a.g.view(), cc, dl, dcoarse.view_mut());
        }
        // Global: g = bottleneck(f_n)
        self.global.block.backward(
            p,
            grads,
            a.feats[n].view(),
            plan.global_groups(),
            &a.global,
            dcoarse.view(),
            dfeats[n].view_mut(),
            par,
        );
        // SA levels, coarsest first.
        for l in (0..n).rev() {
            let dout = std::mem::replace(&mut dfeats[l + 1], Array2::zeros((0, 0)));
            self.sa[l].backward(
                p,
                grads,
                a.feats[l].view(),
                plan.down_groups(l),
                plan.same_groups(l),
                &a.sa[l],
                dout,
                dfeats[l].view_mut(),
                par,
            );
        }
        // f0 = ReLU6(BN(x0 W^T + b))
        let mut ds = Array2::zeros(dfeats[0].raw_dim());
        Relu6.backward(a.feats[0].view(), dfeats[0].view(), ds.view_mut());
        self.stem
            .backward(p, grads, a.x0.view(), &a.stem_bn, ds.view(), None, par);
    }
}

/// Per-point input features `[N, in_channels]`: xyz, then normals when the
/// config has 6 input channels.
pub fn input_features(
    cfg: &ModelConfig,
    points: &[[f32; 3]],
    normals: Option<&[[f32; 3]]>,
    what: &str,
) -> Result<Array2<f32>> {
    if points.is_empty() {
        return Err(Error::usage(format!("{what}: empty point cloud")));
    }
    if let Some(i) = points.iter().position(|p| !p.iter().all(|v| v.is_finite())) {
        return Err(Error::usage(format!("{what}: point {i} is not finite")));
    }
    let c = cfg.in_channels;
    let mut x = Array2::zeros((points.len(), c));
    for (i, p) in points.iter().enumerate() {
        x[[i, 0]] = p[0];
        x[[i, 1]] = p[1];
        x[[i, 2]] = p[2];
    }
    if c >= 6 {
        let n = normals.ok_or_else(|| {
            Error::usage(format!(
                "{what}: the model needs normals ({c} input channels)"
            ))
        })?;
        if n.len() != points.len() {
            return Err(Error::usage(format!(
                "{what}: {} normals for {} points",
                n.len(),
                points.len()
            )));
        }
        for (i, v) in n.iter().enumerate() {
            x[[i, 3]] = v[0];
            x[[i, 4]] = v[1];
            x[[i, 5]] = v[2];
        }
    }
    Ok(x)
}

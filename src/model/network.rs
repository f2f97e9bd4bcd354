//! The segmentation network: architecture, shared forward, and the batched
//! inference API.
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
//! The same functions ([`Arch::encode`], [`Arch::decode`]) run inference (BN
//! folded, no caches) and training (batch statistics, caches kept).

use super::bottleneck::{Bottleneck, BottleneckCache};
use super::classifier::{softmax, Classifier, ClassifierCache};
use super::config::ModelConfig;
use super::exec::{BnMode, Ctx};
use super::feature_propagation::{FeaturePropagation, FpCache};
use super::layers::{BnCache, CategoryBias, Dropout, Linear, Par, Relu6};
use super::linear_bn::LinearBn;
use super::params::Params;
use super::plan::{fp_stage_name, Plan};
use super::set_abstraction::{SaCache, SetAbstraction};
use super::timing::StageTimer;
use crate::categories::NUM_CATEGORIES;
use crate::error::{Error, Result};
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

/// The layer structure of a network (tensor ids into a [`Params`] store).
#[derive(Debug, Clone)]
pub struct Arch {
    /// The configuration it was built from.
    pub cfg: ModelConfig,
    /// Per-point stem: linear in_channels -> C0 (+BN), ReLU6.
    pub stem: LinearBn,
    /// SA levels, finest first.
    pub sa: Vec<SetAbstraction>,
    /// Global bottleneck.
    pub global: Bottleneck,
    /// FP levels, coarsest first; the last one is FP1 (with the category bias).
    pub fp: Vec<FeaturePropagation>,
    /// Head layer F1 -> H (+BN), ReLU6.
    pub head: LinearBn,
    /// Dropout before the last layer.
    pub dropout: Dropout,
    /// Last layer H -> 50 logits.
    pub out: Linear,
    /// Category classifier on the global feature (None when the config has
    /// `classifier_width` 0).
    pub classifier: Option<Classifier>,
}

/// Training caches of the category-independent part.
#[derive(Debug, Clone)]
pub struct EncodeCache {
    /// Input features `[R0, in_channels]`.
    pub x0: Array2<f32>,
    /// Level outputs: `feats[0]` the stem output, `feats[l]` SA level l.
    pub feats: Vec<Array2<f32>>,
    /// Stem BN cache.
    pub stem_bn: BnCache,
    /// SA level caches.
    pub sa: Vec<SaCache>,
    /// Global feature `[B, Cg]`.
    pub global_out: Array2<f32>,
    /// Global block cache.
    pub global: BottleneckCache,
    /// FP caches for the levels above FP1, coarsest first.
    pub fp: Vec<FpCache>,
    /// FP1's concatenated input.
    pub fp1_inp: Array2<f32>,
    /// Category classifier cache (when the model has one).
    pub classifier: Option<ClassifierCache>,
}

/// Training caches of the category-dependent part.
#[derive(Debug, Clone)]
pub struct DecodeCache {
    /// FP1 BN cache.
    pub fp1_bn: BnCache,
    /// FP1 output `[R0, F1]`.
    pub f1: Array2<f32>,
    /// Head BN cache.
    pub head_bn: BnCache,
    /// Head output after ReLU6 `[R0, H]`.
    pub h: Array2<f32>,
    /// Dropout mask (None when no dropout ran).
    pub mask: Option<Array2<f32>>,
    /// Input of the last layer (head output after dropout).
    pub hd: Array2<f32>,
    /// Logits `[R0, P]`.
    pub logits: Array2<f32>,
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
        let global = Bottleneck::new(
            &mut p,
            &format!("sa{}", n + 1),
            last,
            cfg.global.expansion * last,
            cfg.global.width,
            1.0,
            false,
            (cfg.bn_eps, cfg.bn_momentum),
        );
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
        let head = LinearBn::new(&mut p, "head", coarse, cfg.head_width, bn);
        let out = Linear::new(&mut p, "out", cfg.head_width, cfg.num_parts);
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
            dropout: Dropout { p: cfg.dropout },
            out,
            classifier,
        };
        Ok((arch, p))
    }

    /// Kaiming-style initialisation of every learnable tensor from `seed`
    /// (BN: scale 1, shift 0, running mean 0, running var 1).
    pub fn init(&self, p: &mut Params, seed: u64) {
        let mut rng = Rng::new(seed);
        self.stem.linear.init(p, &mut rng);
        for sa in &self.sa {
            for b in &sa.blocks {
                b.init(p, &mut rng);
            }
        }
        self.global.init(p, &mut rng);
        for f in &self.fp {
            f.unit.linear.init(p, &mut rng);
            if let Some(cb) = &f.cat_bias {
                cb.init(p, &mut rng, f.unit.linear.cin + NUM_CATEGORIES);
            }
        }
        self.head.linear.init(p, &mut rng);
        self.out.init(p, &mut rng);
        if let Some(c) = &self.classifier {
            c.init(p, &mut rng);
        }
    }

    /// The inference form: every BN that follows a linear layer folded into
    /// it (and FP1's category bias scaled by FP1's BN scale). Aggregation BNs
    /// stay, applied with running statistics.
    pub fn fold(&self, p: &Params) -> (Arch, Params) {
        let mut a = self.clone();
        let mut q = p.clone();
        a.stem.fold(&mut q);
        for sa in &mut a.sa {
            for b in &mut sa.blocks {
                b.expand.fold(&mut q);
                b.project.fold(&mut q);
            }
        }
        a.global.expand.fold(&mut q);
        a.global.project.fold(&mut q);
        for f in &mut a.fp {
            if let Some(scale) = f.unit.fold(&mut q) {
                if let Some(cb) = &f.cat_bias {
                    for mut row in q.view2_mut(cb.table).rows_mut() {
                        row *= &scale;
                    }
                }
            }
        }
        a.head.fold(&mut q);
        if let Some(c) = &mut a.classifier {
            c.fold(&mut q);
        }
        (a, q)
    }

    /// Every BN layer with its cache from a training forward, in forward order.
    pub fn bn_caches<'a>(
        &'a self,
        e: &'a EncodeCache,
        d: &'a DecodeCache,
    ) -> Vec<(&'a super::layers::BatchNorm1d, &'a BnCache)> {
        let n = |u: &'a LinearBn| u.norm.as_ref().expect("unfolded");
        let mut v = vec![(n(&self.stem), &e.stem_bn)];
        for (sa, c) in self.sa.iter().zip(&e.sa) {
            for (b, bc) in sa.blocks.iter().zip(&c.blocks) {
                v.extend(b.bn_caches(bc));
            }
        }
        v.extend(self.global.bn_caches(&e.global));
        let k = self.fp.len() - 1;
        for (f, c) in self.fp[..k].iter().zip(&e.fp) {
            v.push((n(&f.unit), &c.bn));
        }
        v.push((n(&self.fp[k].unit), &d.fp1_bn));
        v.push((n(&self.head), &d.head_bn));
        if let (Some(c), Some(cc)) = (&self.classifier, &e.classifier) {
            v.push((n(&c.hidden), &cc.bn));
        }
        v
    }

    /// Everything that does not depend on the category: up to FP1's linear
    /// output `z [R0, F1]` (before the category bias), and the classifier's
    /// category logits `[B, 16]` when the model has a classifier.
    pub fn encode(
        &self,
        ctx: &Ctx,
        plan: &Plan,
        x0: Array2<f32>,
        timer: &mut StageTimer,
    ) -> (Array2<f32>, Option<Array2<f32>>, Option<EncodeCache>) {
        let (mut s, stem_bn) = self.stem.forward(ctx, x0.view());
        Relu6.forward(s.view_mut());
        timer.lap("stem");
        let mut feats = vec![s];
        let mut sa_caches = Vec::new();
        for (l, sa) in self.sa.iter().enumerate() {
            let (y, c) = sa.forward(
                ctx,
                feats[l].view(),
                plan.down_groups(l),
                plan.same_groups(l),
            );
            feats.push(y);
            sa_caches.extend(c);
            timer.lap(&format!("SA{}", l + 1));
        }
        let n = self.sa.len();
        let (g, gc) = self
            .global
            .forward(ctx, feats[n].view(), plan.global_groups());
        let (category_logits, classifier) = match &self.classifier {
            Some(c) => {
                let (logits, cache) = c.forward(ctx, g.view());
                (Some(logits), cache)
            }
            None => (None, None),
        };
        timer.lap(&format!("SA{}", n + 1));
        let mut fp_caches = Vec::new();
        let mut coarse = g.clone();
        for (i, fp) in self.fp[..n].iter().enumerate() {
            let l = n - i;
            let offsets = &plan.levels[l].offsets;
            let (mut z, inp) = fp.encode(ctx, coarse.view(), &plan.up[l], &[feats[l].view()]);
            let bn = fp.decode(ctx, &mut z, offsets, &[]);
            if let Some(bn) = bn {
                fp_caches.push(FpCache {
                    inp,
                    bn,
                    out: z.clone(),
                });
            }
            coarse = z;
            timer.lap(&fp_stage_name(&self.cfg, l));
        }
        let (z, fp1_inp) = self.fp[n].encode(
            ctx,
            coarse.view(),
            &plan.up[0],
            &[feats[0].view(), x0.view()],
        );
        timer.lap("FP1+head");
        let cache = match (stem_bn, gc) {
            (Some(stem_bn), Some(global)) if ctx.train() => Some(EncodeCache {
                x0,
                feats,
                stem_bn,
                sa: sa_caches,
                global_out: g,
                global,
                fp: fp_caches,
                fp1_inp,
                classifier,
            }),
            _ => None,
        };
        (z, category_logits, cache)
    }

    /// The category-dependent part: category bias, FP1's BN and ReLU6, the
    /// head and the logits `[R0, P]`. Dropout runs only when `rngs` is given
    /// (one generator per cloud).
    pub fn decode(
        &self,
        ctx: &Ctx,
        z: Array2<f32>,
        offsets: &[usize],
        cats: &[usize],
        rngs: Option<&mut [Rng]>,
        timer: &mut StageTimer,
    ) -> (Array2<f32>, Option<DecodeCache>) {
        let fp1 = self.fp.last().expect("FP1");
        let mut f1 = z;
        let fp1_bn = fp1.decode(ctx, &mut f1, offsets, cats);
        let (mut h, head_bn) = self.head.forward(ctx, f1.view());
        Relu6.forward(h.view_mut());
        let (logits, mask, hd) = match rngs {
            Some(rngs) if self.dropout.p > 0.0 => {
                let mut hd = h.clone();
                let mask = self.dropout.forward(hd.view_mut(), offsets, rngs);
                (
                    self.out.forward(ctx.p, hd.view(), ctx.par),
                    Some(mask),
                    Some(hd),
                )
            }
            _ => (self.out.forward(ctx.p, h.view(), ctx.par), None, None),
        };
        timer.lap("FP1+head");
        let cache = match (fp1_bn, head_bn) {
            (Some(fp1_bn), Some(head_bn)) => {
                let hd = hd.unwrap_or_else(|| h.clone());
                Some(DecodeCache {
                    fp1_bn,
                    f1,
                    head_bn,
                    h,
                    mask,
                    hd,
                    logits: logits.clone(),
                })
            }
            _ => None,
        };
        (logits, cache)
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

/// One cloud to segment: normalised points (unit sphere), normals, the
/// category index (0..16, see [`crate::categories::CATEGORIES`]) and the seed
/// from which the FPS start points are drawn (the forward is deterministic
/// for a seed).
#[derive(Debug, Clone, Copy)]
pub struct CloudInput<'a> {
    /// Normalised positions, N x 3.
    pub points: &'a [[f32; 3]],
    /// Unit normals, N x 3 (required by 6-channel models).
    pub normals: Option<&'a [[f32; 3]]>,
    /// Category index.
    pub category: usize,
    /// FPS seed.
    pub seed: u64,
}

/// The category-independent part of a forward pass, from [`Network::encode`].
#[derive(Debug, Clone)]
pub struct Encoded {
    z: Array2<f32>,
    category_logits: Option<Vec<f32>>,
}

impl Encoded {
    /// The classifier's category probabilities (softmax over the 16
    /// categories), when the model has a classifier.
    pub fn category_probabilities(&self) -> Option<Vec<f32>> {
        self.category_logits.as_deref().map(softmax)
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.z.nrows()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.z.nrows() == 0
    }
}

/// An inference network: BatchNorm folded, ready to segment clouds.
#[derive(Debug, Clone)]
pub struct Network {
    arch: Arch,
    params: Params,
    trained: bool,
    note: String,
}

impl Network {
    /// The inference form of trained or loaded parameters (folds BN).
    pub fn from_parts(arch: &Arch, params: &Params, trained: bool, note: &str) -> Network {
        let (arch, params) = arch.fold(params);
        Network {
            arch,
            params,
            trained,
            note: note.to_string(),
        }
    }

    /// A freshly initialised (untrained) network.
    pub fn init(config: ModelConfig, seed: u64) -> Result<Network> {
        let (arch, mut p) = Arch::build(&config)?;
        arch.init(&mut p, seed);
        Ok(Network::from_parts(&arch, &p, false, "freshly initialised"))
    }

    /// The architecture config.
    pub fn config(&self) -> &ModelConfig {
        &self.arch.cfg
    }

    /// Whether the weights come from training.
    pub fn is_trained(&self) -> bool {
        self.trained
    }

    /// Whether the network has a category classifier.
    pub fn has_classifier(&self) -> bool {
        self.arch.classifier.is_some()
    }

    /// The training note stored with the weights.
    pub fn note(&self) -> &str {
        &self.note
    }

    /// The folded parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            p: &self.params,
            bn: BnMode::Folded,
            par: Par::Serial,
        }
    }

    fn check(&self, input: &CloudInput, what: &str) -> Result<Array2<f32>> {
        if input.category >= NUM_CATEGORIES {
            return Err(Error::usage(format!(
                "{what}: category index {} out of range 0..{NUM_CATEGORIES}",
                input.category
            )));
        }
        input_features(&self.arch.cfg, input.points, input.normals, what)
    }

    fn encode_timed(&self, input: &CloudInput, timer: &mut StageTimer) -> Result<Encoded> {
        super::alloc::retain_freed_memory();
        let x0 = input_features(&self.arch.cfg, input.points, input.normals, "cloud")?;
        let plan = Plan::new(&self.arch.cfg, &[input.points], &[input.seed], false, timer);
        let (z, logits, _) = self.arch.encode(&self.ctx(), &plan, x0, timer);
        Ok(Encoded {
            z,
            category_logits: logits.map(|l| l.row(0).to_vec()),
        })
    }

    /// The category-independent part of the forward for one cloud (the
    /// input's category is ignored).
    pub fn encode(&self, input: &CloudInput) -> Result<Encoded> {
        self.encode_timed(input, &mut StageTimer::off())
    }

    /// Logits `[N, P]` of an encoded cloud under `category`.
    pub fn decode(&self, enc: &Encoded, category: usize) -> Result<Array2<f32>> {
        if category >= NUM_CATEGORIES {
            return Err(Error::usage(format!(
                "category index {category} out of range 0..{NUM_CATEGORIES}"
            )));
        }
        let offsets = [0, enc.z.nrows()];
        let (logits, _) = self.arch.decode(
            &self.ctx(),
            enc.z.clone(),
            &offsets,
            &[category],
            None,
            &mut StageTimer::off(),
        );
        Ok(logits)
    }

    /// Logits `[N, P]` of one cloud, recording time per stage into `timer`
    /// (`input`, `SAl geometry`, `FPl geometry`, then `stem`, `SA1`.., `FP3`..,
    /// `FP1+head` for the layers).
    pub fn forward_timed(&self, input: &CloudInput, timer: &mut StageTimer) -> Result<Array2<f32>> {
        self.check(input, "cloud")?;
        let enc = self.encode_timed(input, timer)?;
        let offsets = [0, enc.z.nrows()];
        let (logits, _) =
            self.arch
                .decode(&self.ctx(), enc.z, &offsets, &[input.category], None, timer);
        Ok(logits)
    }

    /// Logits `[N, P]` of one cloud, on the calling thread.
    pub fn forward_one(&self, input: &CloudInput) -> Result<Array2<f32>> {
        self.check(input, "cloud")?;
        let enc = self.encode(input)?;
        let offsets = [0, enc.z.nrows()];
        let (logits, _) = self.arch.decode(
            &self.ctx(),
            enc.z,
            &offsets,
            &[input.category],
            None,
            &mut StageTimer::off(),
        );
        Ok(logits)
    }

    /// Logits `[N_b, P]` for each cloud, clouds in parallel on the rayon pool
    /// (each cloud's forward is independent and single-threaded, so the result
    /// does not depend on the pool size).
    pub fn forward(&self, inputs: &[CloudInput]) -> Result<Vec<Array2<f32>>> {
        for (i, input) in inputs.iter().enumerate() {
            self.check(input, &format!("cloud {i}"))?;
        }
        inputs.par_iter().map(|c| self.forward_one(c)).collect()
    }

    /// Predicted global part id per point: argmax over `category`'s parts.
    pub fn predict(logits: ArrayView2<f32>, category: usize) -> Vec<u32> {
        super::loss::predict_parts(logits, category)
    }
}

//! The trainable model: unfolded parameters (with BatchNorm running
//! statistics), the training forward that keeps its activations, the loss,
//! and the backward (the loss gradient here, the network's in
//! [`super::network::Arch::backward`]).
//!
//! A training step, for the trainer built on top of this:
//!
//! ```no_run
//! # use pcseg::model::{Model, ModelConfig, TrainCloud};
//! # fn step(model: &mut Model, batch: &[TrainCloud], seed: u64) -> pcseg::Result<()> {
//! let mut grads = model.new_grads();          // once
//! grads.zero_grad();
//! let step = model.forward_train(batch, seed, true)?; // updates BN running stats
//! model.backward(&step, &mut grads)?;          // grads += d loss / d params
//! // optimiser: for id in model.params.ids() where model.params.is_trainable(id),
//! // update model.params.get_mut(id) from grads.get(id).
//! # Ok(()) }
//! ```
//!
//! Parallelism: the batch is stacked into `[B*N, C]` matrices, so every gemm
//! and BatchNorm covers all clouds at once and is split across the rayon pool
//! by fixed row / channel chunks (see [`super::layers`]); sampling and
//! grouping run one cloud per task. Results depend only on the seed, not on
//! the number of threads.

use super::classifier::{
    category_cross_entropy, category_cross_entropy_backward, CategoryTarget, CATEGORY_LOSS_WEIGHT,
};
use super::config::ModelConfig;
use super::exec::{BnMode, Ctx};
use super::inference::Network;
use super::layers::Par;
use super::loss::{part_cross_entropy, part_cross_entropy_backward};
use super::network::{input_features, Activations, Arch};
use super::params::Params;
use super::plan::{Plan, Sampling};
use super::timing::StageTimer;
use crate::error::{Error, Result};
use crate::rng::Rng;
use ndarray::{concatenate, Array2, Axis};

/// One labelled cloud of a training batch (normalised points).
#[derive(Debug, Clone, Copy)]
pub struct TrainCloud<'a> {
    /// Positions, N x 3.
    pub points: &'a [[f32; 3]],
    /// Normals, N x 3 (required by 6-channel models).
    pub normals: Option<&'a [[f32; 3]]>,
    /// Global part id per point.
    pub labels: &'a [u32],
    /// Category index.
    pub category: usize,
    /// Whether the cloud was turned out of the model's frame (`pcseg train
    /// --turn`): the classifier's target is then uniform, not the category.
    pub turned: bool,
}

/// Everything the backward pass needs from [`Model::forward_train`] besides
/// the step's logits.
#[derive(Debug, Clone)]
pub struct TrainCache {
    plan: Plan,
    cats: Vec<usize>,
    targets: Vec<CategoryTarget>,
    labels: Vec<u32>,
    acts: Activations,
}

/// Result of a training forward.
#[derive(Debug, Clone)]
pub struct TrainStep {
    /// The training objective: `part_loss`, plus the category loss times
    /// [`CATEGORY_LOSS_WEIGHT`] when the model has a classifier.
    pub loss: f32,
    /// Mean part cross-entropy over all points of the batch.
    pub part_loss: f32,
    /// Fraction of points whose restricted argmax equals the label.
    pub accuracy: f32,
    /// Fraction of clouds whose category the classifier gets right (None
    /// without a classifier).
    pub category_accuracy: Option<f32>,
    /// The classifier's category logits `[B, 16]` (None without one).
    pub category_logits: Option<Array2<f32>>,
    /// Caches for [`Model::backward`] (None for an evaluation forward).
    pub cache: Option<TrainCache>,
    /// Logits `[B*N, P]`, clouds stacked in batch order.
    pub logits: Array2<f32>,
}

/// A trainable segmentation model.
#[derive(Debug, Clone)]
pub struct Model {
    /// Layer structure.
    pub arch: Arch,
    /// Parameters and BN running statistics.
    pub params: Params,
    /// Whether the weights come from training.
    pub trained: bool,
    /// Free-text training note stored in model files.
    pub note: String,
    /// When set, a training forward blends its batch statistics into the
    /// BatchNorm running averages with this weight instead of each layer's
    /// momentum (`1 / (t + 1)` at batch `t` makes them the plain mean over
    /// batches, as `pcseg train --statistics-only` does).
    pub running_momentum: Option<f32>,
}

/// Stream constant separating dropout generators from FPS seeds.
const DROPOUT_STREAM: u64 = 0x6472_6f70_6f75_7421;

impl Model {
    /// A freshly initialised model (Kaiming-style, from `seed`).
    pub fn init(config: ModelConfig, seed: u64) -> Result<Model> {
        let (arch, mut params) = Arch::build(&config)?;
        arch.init(&mut params, seed);
        Ok(Model {
            arch,
            params,
            trained: false,
            note: format!("freshly initialised (seed {seed})"),
            running_momentum: None,
        })
    }

    /// A model of `config` whose tensors start from `from` wherever `from`
    /// has a tensor of the same name and shape, and from a fresh
    /// initialisation (`seed`) elsewhere, e.g. to add a classifier to a
    /// trained segmentation model. Returns the names left fresh. Fails when
    /// nothing at all can be taken from `from`.
    pub fn warm_start(
        config: ModelConfig,
        seed: u64,
        from: &Model,
    ) -> Result<(Model, Vec<String>)> {
        let mut m = Model::init(config, seed)?;
        let mut fresh = Vec::new();
        let ids: Vec<_> = m.params.ids().collect();
        for id in ids {
            let name = m.params.name(id).to_string();
            match from.params.id(&name).map(|f| from.params.get(f)) {
                Some(v) if v.shape() == m.params.get(id).shape() => {
                    *m.params.get_mut(id) = v.clone();
                }
                _ => fresh.push(name),
            }
        }
        if fresh.len() == m.params.len() {
            return Err(Error::model(format!(
                "warm start: no tensor of `{}` matches the model it starts from (`{}`)",
                m.config().name,
                from.config().name
            )));
        }
        m.trained = from.trained;
        m.note = format!("warm start from: {}", from.note);
        Ok((m, fresh))
    }

    /// The architecture config.
    pub fn config(&self) -> &ModelConfig {
        &self.arch.cfg
    }

    /// A zeroed gradient store of the same structure as `params`.
    pub fn new_grads(&self) -> Params {
        self.params.zeros_like()
    }

    /// The inference network (BN folded).
    pub fn to_network(&self) -> Network {
        Network::from_parts(&self.arch, &self.params, self.trained, &self.note)
    }

    /// FPS seed of cloud `b` in a batch drawn with `seed`.
    pub fn fps_seed(seed: u64, b: usize) -> u64 {
        Rng::for_item(seed, b as u64).next_u64()
    }

    /// Forward a batch. With `training`, BatchNorm uses batch statistics (and
    /// its running averages are updated), dropout is on and the caches for
    /// [`Model::backward`] are kept; otherwise running statistics, no dropout,
    /// no caches. `seed` fixes the FPS starts and dropout masks.
    pub fn forward_train(
        &mut self,
        batch: &[TrainCloud],
        seed: u64,
        training: bool,
    ) -> Result<TrainStep> {
        if batch.is_empty() {
            return Err(Error::internal("forward_train: empty batch"));
        }
        super::alloc::retain_freed_memory();
        let cfg = &self.arch.cfg;
        let mut xs = Vec::with_capacity(batch.len());
        let mut labels = Vec::new();
        for (b, c) in batch.iter().enumerate() {
            let what = format!("batch cloud {b}");
            xs.push(input_features(cfg, c.points, c.normals, &what)?);
            if c.labels.len() != c.points.len() {
                return Err(Error::usage(format!(
                    "{what}: {} labels for {} points",
                    c.labels.len(),
                    c.points.len()
                )));
            }
            labels.extend_from_slice(c.labels);
        }
        let views: Vec<_> = xs.iter().map(|x| x.view()).collect();
        let x0 = concatenate(Axis(0), &views).expect("same width");
        drop(xs);
        let cats: Vec<usize> = batch.iter().map(|c| c.category).collect();
        let clouds: Vec<&[[f32; 3]]> = batch.iter().map(|c| c.points).collect();
        // Training clouds are augmented after sampling (scale, jitter,
        // dropout), so their order is no FPS order: every level runs FPS.
        let sampling: Vec<Sampling> = (0..batch.len())
            .map(|b| Sampling::seeded(Model::fps_seed(seed, b)))
            .collect();
        let plan = Plan::new(cfg, &clouds, &sampling, true, &mut StageTimer::off());
        let offsets = plan.levels[0].offsets.clone();
        // Labels are checked before any layer runs.
        super::loss::check_labels(&labels, &offsets, &cats)?;
        let ctx = Ctx {
            p: &self.params,
            bn: if training {
                BnMode::Batch
            } else {
                BnMode::Running
            },
            par: Par::Rayon,
            panels: None,
        };
        let mut timer = StageTimer::off();
        let mut acts = training.then(Activations::default);
        let (z, category_logits) = self.arch.encode(&ctx, &plan, x0, acts.as_mut(), &mut timer);
        let mut rngs: Vec<Rng> = (0..batch.len())
            .map(|b| Rng::for_item(seed ^ DROPOUT_STREAM, b as u64))
            .collect();
        let logits = self.arch.decode(
            &ctx,
            z,
            &offsets,
            &cats,
            training.then_some(&mut rngs[..]),
            acts.as_mut(),
            &mut timer,
        );
        let (part_loss, correct) = part_cross_entropy(logits.view(), &labels, &offsets, &cats)?;
        let targets: Vec<CategoryTarget> = batch
            .iter()
            .map(|c| {
                if c.turned {
                    CategoryTarget::Unsure
                } else {
                    CategoryTarget::Is(c.category)
                }
            })
            .collect();
        let upright = targets
            .iter()
            .filter(|t| **t != CategoryTarget::Unsure)
            .count();
        let category = category_logits
            .as_ref()
            .map(|l| category_cross_entropy(l.view(), &targets));
        let loss = part_loss + category.map_or(0.0, |(l, _)| CATEGORY_LOSS_WEIGHT as f64 * l);
        let accuracy = correct as f32 / labels.len() as f32;
        let cache = acts.map(|acts| {
            for (bn, c) in self.arch.bn_caches(&acts) {
                bn.update_running(&mut self.params, c, self.running_momentum);
            }
            TrainCache {
                plan,
                cats,
                targets,
                labels,
                acts,
            }
        });
        Ok(TrainStep {
            loss: loss as f32,
            part_loss: part_loss as f32,
            accuracy,
            category_accuracy: category.map(|(_, k)| k as f32 / upright.max(1) as f32),
            category_logits,
            cache,
            logits,
        })
    }

    /// Accumulate `d loss / d params` of the step into `grads` (`+=`; zero
    /// them first). Fails on an evaluation step (no caches).
    pub fn backward(&self, step: &TrainStep, grads: &mut Params) -> Result<()> {
        let c = step
            .cache
            .as_ref()
            .ok_or_else(|| Error::internal("backward: the forward ran without training caches"))?;
        if grads.len() != self.params.len() {
            return Err(Error::internal(
                "backward: gradient store does not match the model",
            ));
        }
        let offsets = &c.plan.levels[0].offsets;
        // loss = mean CE(logits) (+ weight * mean CE(category logits))
        let mut dlogits = Array2::zeros(step.logits.raw_dim());
        part_cross_entropy_backward(
            step.logits.view(),
            &c.labels,
            offsets,
            &c.cats,
            dlogits.view_mut(),
        );
        let dcategory = step.category_logits.as_ref().map(|cl| {
            let mut dl = Array2::zeros(cl.raw_dim());
            category_cross_entropy_backward(
                cl.view(),
                &c.targets,
                CATEGORY_LOSS_WEIGHT,
                dl.view_mut(),
            );
            dl
        });
        self.arch.backward(
            &self.params,
            grads,
            &c.plan,
            &c.cats,
            &c.acts,
            dlogits.view(),
            dcategory.as_ref().map(|d| d.view()),
        );
        Ok(())
    }
}

//! The training loop: epochs of batches (forward with batch statistics,
//! explicit backward, global-norm clipping, Adam/AdamW step), validation
//! mIoU with the inference network after every epoch (scored like `pcseg
//! eval`: every point of each whole validation shape), a CSV log, a
//! checkpoint after every epoch and on interruption, and the best model by
//! validation instance mIoU written as a normal pcseg model file.
//!
//! Determinism: the data of item `i` of epoch `e` depends only on
//! `(seed, e, i)`; the seed of each batch's forward (FPS starts, dropout)
//! is drawn from the run's [`Rng`], whose state is checkpointed; the model's
//! forward/backward do not depend on the thread count. Hence a run resumed
//! from a checkpoint (even one written mid-epoch) produces the same losses and
//! weights, bit for bit, as an uninterrupted run.

use crate::error::{Error, Result};
use crate::eval::protocol::{run_shape, Protocol};
use crate::eval::MiouAccumulator;
use crate::model::{Model, Network, Params, TrainCloud};
use crate::predict::{CategoryChoice, PredictOptions};
use crate::rng::Rng;
use crate::train::checkpoint::{self, CheckpointMeta};
use crate::train::clip::{clip_factor, global_norm};
use crate::train::data::{
    build_batch, epoch_order, stream_seed, validation_shapes, Batch, LabelledShape, ShapeSource,
    VAL_SAMPLE_STREAM,
};
use crate::train::data_spec::DataSpec;
use crate::train::log::{write_csv, EpochRecord};
use crate::train::optim::Adam;
pub use crate::train::options::{ScheduleKind, TrainOptions};
use crate::train::run_state::EpochSums;
pub use crate::train::run_state::RunState;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Where a run writes its files (none of them is required).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutputPaths {
    /// The best model by validation instance mIoU.
    pub out: Option<PathBuf>,
    /// The CSV log.
    pub log: Option<PathBuf>,
    /// Folder of `last.safetensors`, the checkpoint of the run.
    pub checkpoint_dir: Option<PathBuf>,
}

/// Validation figures, in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validation {
    /// Instance mIoU.
    pub instance_miou: f64,
    /// Class mIoU (categories present in the validation set).
    pub class_miou: f64,
    /// Category accuracy of the classifier (None without one).
    pub category_accuracy: Option<f64>,
}

/// How [`Trainer::run`] ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// All epochs done.
    Finished,
    /// Stopped on request after a batch; the checkpoint (if a folder was
    /// given) holds the state to resume from.
    Interrupted {
        /// Epochs completed (the interrupted one is not counted).
        epoch: usize,
        /// Batches done in the interrupted epoch.
        batch: usize,
    },
}

/// What the loop reports while it runs (the CLI draws progress bars from it).
pub trait Observer {
    /// An epoch of `batches` batches starts (0-based `epoch`, `done` batches
    /// already done when resuming mid-epoch).
    fn epoch_start(&mut self, _epoch: usize, _epochs: usize, _batches: usize, _done: usize) {}
    /// A batch finished: running mean loss and accuracy of the epoch, shapes/s.
    fn batch_done(&mut self, _loss: f64, _acc: f64, _shapes_per_s: f64) {}
    /// An epoch finished and was validated.
    fn epoch_end(&mut self, _record: &EpochRecord, _best: bool) {}
}

/// An observer that reports nothing.
pub struct Silent;
impl Observer for Silent {}

/// A training run: model, optimiser, data and the resumable state.
pub struct Trainer {
    /// The model being trained (unfolded BN, running statistics).
    pub model: Model,
    /// The optimiser with its moments.
    pub optimiser: Adam,
    /// Hyper-parameters.
    pub options: TrainOptions,
    /// The data the run uses.
    pub data: DataSpec,
    /// Output files.
    pub paths: OutputPaths,
    /// Resumable loop state.
    pub state: RunState,
    /// How the initial weights were obtained (kept in the model note).
    pub origin: String,
    train: Box<dyn ShapeSource>,
    val: Vec<LabelledShape>,
    grads: Params,
}

impl Trainer {
    /// Start a run from `model` (fresh or `--init`), with `origin` describing
    /// where its weights come from.
    pub fn new(
        mut model: Model,
        origin: &str,
        options: TrainOptions,
        data: DataSpec,
        paths: OutputPaths,
    ) -> Result<Trainer> {
        options.validate()?;
        freeze(&mut model, &options)?;
        let (train, val_source) = data.open(options.seed, options.points)?;
        let val = validation_shapes(val_source.as_ref())?;
        let grads = model.new_grads();
        Ok(Trainer {
            optimiser: Adam::new(options.adam()),
            state: RunState {
                epoch: 0,
                batch: 0,
                sums: EpochSums::default(),
                rng: Rng::new(options.seed),
                records: Vec::new(),
                best: None,
            },
            model,
            options,
            data,
            paths,
            origin: origin.to_string(),
            train,
            val,
            grads,
        })
    }

    /// Continue the run saved in checkpoint `path`. `epochs`, when given,
    /// replaces the planned number of epochs (extending a finished run).
    pub fn resume(path: &Path, paths: OutputPaths, epochs: Option<usize>) -> Result<Trainer> {
        Trainer::from_checkpoint(checkpoint::load(path)?, paths, epochs)
    }

    /// Continue the run of a loaded checkpoint, as [`Trainer::resume`].
    pub fn from_checkpoint(
        ckpt: checkpoint::Checkpoint,
        paths: OutputPaths,
        epochs: Option<usize>,
    ) -> Result<Trainer> {
        let meta = ckpt.meta;
        let mut options = meta.options.clone();
        if let Some(e) = epochs {
            options.epochs = e;
        }
        let (train, val_source) = meta.data.open(options.seed, options.points)?;
        let val = validation_shapes(val_source.as_ref())?;
        let mut model = ckpt.model;
        freeze(&mut model, &options)?;
        let grads = model.new_grads();
        let rng = Rng::from_state(meta.rng_state()?);
        let best = meta.best();
        Ok(Trainer {
            model,
            optimiser: ckpt.optimiser,
            state: RunState {
                epoch: meta.epoch,
                batch: meta.batch,
                sums: meta.sums,
                rng,
                records: meta.records,
                best,
            },
            options,
            data: meta.data,
            paths,
            origin: meta.origin,
            train,
            val,
            grads,
        })
    }

    /// Number of batches per epoch.
    pub fn batches_per_epoch(&self) -> usize {
        self.train.len().div_ceil(self.options.batch)
    }

    /// One line describing the training and validation data.
    pub fn describe_data(&self) -> String {
        format!(
            "{} ({} validation shapes)",
            self.train.describe(),
            self.val_shapes()
        )
    }

    /// Number of validation shapes.
    pub fn val_shapes(&self) -> usize {
        self.val.len()
    }

    /// Validation mIoU of the current weights with the inference network
    /// (BatchNorm folded), scored as `pcseg eval` scores by default.
    pub fn validate(&self) -> Result<Validation> {
        let net = self.model.to_network();
        validate_network(&net, &self.val, &self.validation_options())
    }

    /// How validation runs the network: `pcseg run`'s defaults (shapes of
    /// at most 4,096 points seen whole, larger ones sampled to `--points`),
    /// one vote, seeded by the run.
    pub fn validation_options(&self) -> PredictOptions {
        PredictOptions {
            points: self.options.points,
            votes: 1,
            seed: stream_seed(self.options.seed, VAL_SAMPLE_STREAM, 0),
            ..PredictOptions::default()
        }
    }

    /// The metadata of a checkpoint of the current state.
    fn meta(&self) -> CheckpointMeta {
        let absolute = |p: &Option<PathBuf>| {
            p.as_deref()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
        };
        CheckpointMeta {
            out: absolute(&self.paths.out),
            log: absolute(&self.paths.log),
            ..CheckpointMeta::new(
                self.model.config().clone(),
                self.options.clone(),
                self.data.clone(),
                self.origin.clone(),
                &self.state,
                self.optimiser.steps(),
            )
        }
    }

    /// Write a checkpoint of the current state to `path`.
    pub fn save_checkpoint(&self, path: &Path) -> Result<()> {
        checkpoint::save(path, &self.meta(), &self.model, &self.optimiser)
    }

    /// Path of the run's checkpoint, when a folder was given.
    pub fn checkpoint_path(&self) -> Option<PathBuf> {
        self.paths
            .checkpoint_dir
            .as_ref()
            .map(|d| d.join(checkpoint::LAST))
    }

    fn write_checkpoint(&self) -> Result<()> {
        if let Some(path) = self.checkpoint_path() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            self.save_checkpoint(&path)?;
        }
        Ok(())
    }

    /// The note stored in the best model file.
    fn training_note(&self, record: &EpochRecord) -> String {
        format!(
            "trained by `pcseg train` on {}; {} epochs planned, best at epoch {} with validation \
             instance mIoU {:.2} / class mIoU {:.2} on {} whole shapes (every point, seen as \
             `pcseg eval` sees them with --points {}); recipe: {:?} \
             lr {} {:?} schedule, warm-up {} epochs, weight decay {}, batch {}, clip {}, seed {}; \
             initial weights: {}",
            self.train.describe(),
            self.options.epochs,
            record.epoch,
            record.val_instance_miou,
            record.val_class_miou,
            self.val_shapes(),
            self.options.points,
            self.options.optimizer,
            self.options.lr,
            self.options.schedule,
            self.options.warmup,
            self.options.weight_decay,
            self.options.batch,
            self.options.clip_norm,
            self.options.seed,
            self.origin
        )
    }

    fn write_best(&self, record: &EpochRecord) -> Result<()> {
        if let Some(out) = &self.paths.out {
            let mut best = self.model.clone();
            best.trained = true;
            best.note = self.training_note(record);
            best.save(out)?;
        }
        Ok(())
    }

    /// Run until the planned epochs are done or `stop` is set (checked after
    /// every batch: the current batch finishes, a checkpoint is written).
    pub fn run(&mut self, stop: &AtomicBool, observer: &mut dyn Observer) -> Result<Outcome> {
        if self.train.is_empty() {
            return Err(Error::usage("no training shapes"));
        }
        while self.state.epoch < self.options.epochs {
            if !self.run_epoch(stop, observer)? {
                self.write_checkpoint()?;
                return Ok(Outcome::Interrupted {
                    epoch: self.state.epoch,
                    batch: self.state.batch,
                });
            }
        }
        Ok(Outcome::Finished)
    }

    /// Train the rest of the current epoch; `false` when stopped early.
    fn run_epoch(&mut self, stop: &AtomicBool, observer: &mut dyn Observer) -> Result<bool> {
        let epoch = self.state.epoch;
        let b = self.options.batch;
        let n = self.options.points;
        let seed = self.options.seed;
        let order = epoch_order(self.train.len(), seed, epoch);
        let chunks: Vec<&[usize]> = order.chunks(b).collect();
        let batches = chunks.len();
        let schedule = self.options.lr_schedule();
        observer.epoch_start(epoch, self.options.epochs, batches, self.state.batch);
        let started = Instant::now();
        let time_before = self.state.sums.train_seconds;
        let aug = self.options.augment;
        let train = self.train.as_ref();
        let mut next = if self.state.batch < batches {
            Some(build_batch(
                train,
                epoch,
                chunks[self.state.batch],
                n,
                Some(&aug),
                seed,
            )?)
        } else {
            None
        };
        let mut lr = schedule.lr(epoch, self.state.batch.min(batches - 1), batches);
        while let Some(batch) = next.take() {
            let bi = self.state.batch;
            lr = schedule.lr(epoch, bi, batches);
            let batch_seed = self.state.rng.next_u64();
            let following = chunks.get(bi + 1).copied();
            let statistics_only = self.options.statistics_only;
            // Build the next batch while this one trains: both are
            // deterministic on their own, so overlapping them changes nothing.
            let (built, stepped) = rayon::join(
                || following.map(|idx| build_batch(train, epoch, idx, n, Some(&aug), seed)),
                || {
                    if statistics_only {
                        // Weight 1 / (t + 1) at batch t: the mean over batches.
                        let weight = 1.0 / (bi + 1) as f32;
                        statistics_step(&mut self.model, &batch, batch_seed, weight)
                    } else {
                        train_step(
                            &mut self.model,
                            &mut self.optimiser,
                            &mut self.grads,
                            &batch,
                            batch_seed,
                            lr,
                            self.options.clip_norm,
                        )
                    }
                },
            );
            let (loss, acc) = stepped
                .map_err(|e| Error::usage(format!("epoch {} batch {}: {e}", epoch + 1, bi + 1)))?;
            next = built.transpose()?;
            let sums = &mut self.state.sums;
            sums.loss += loss * batch.len() as f64;
            sums.correct += acc * (batch.len() * n) as f64;
            sums.shapes += batch.len();
            sums.points += batch.len() * n;
            sums.train_seconds = time_before + started.elapsed().as_secs_f64();
            self.state.batch += 1;
            observer.batch_done(
                sums.loss / sums.shapes as f64,
                sums.correct / sums.points as f64,
                sums.shapes as f64 / sums.train_seconds.max(1e-9),
            );
            if stop.load(Ordering::SeqCst) && self.state.batch < batches {
                return Ok(false);
            }
        }
        let val_started = Instant::now();
        let val = self.validate()?;
        let val_seconds = val_started.elapsed().as_secs_f64();
        let sums = std::mem::take(&mut self.state.sums);
        let record = EpochRecord {
            epoch: epoch + 1,
            train_loss: sums.loss / sums.shapes.max(1) as f64,
            train_acc: 100.0 * sums.correct / sums.points.max(1) as f64,
            val_instance_miou: val.instance_miou,
            val_class_miou: val.class_miou,
            val_category_acc: val.category_accuracy.unwrap_or(f64::NAN),
            lr: lr as f64,
            seconds: sums.train_seconds + val_seconds,
            shapes_per_s: sums.shapes as f64 / sums.train_seconds.max(1e-9),
        };
        let improved = self
            .state
            .best
            .is_none_or(|(_, m)| record.val_instance_miou > m);
        if improved {
            self.state.best = Some((record.epoch, record.val_instance_miou));
            self.write_best(&record)?;
        }
        self.state.records.push(record.clone());
        self.state.epoch += 1;
        self.state.batch = 0;
        if let Some(log) = &self.paths.log {
            write_csv(log, &self.state.records)?;
        }
        self.write_checkpoint()?;
        observer.epoch_end(&record, improved);
        Ok(!stop.load(Ordering::SeqCst) || self.state.epoch >= self.options.epochs)
    }
}

/// Whether a tensor gets weight decay: weights (rank >= 2) do; biases and
/// BatchNorm scales and shifts (rank 1) do not.
pub fn decays(params: &Params, id: crate::model::TensorId) -> bool {
    params.get(id).ndim() >= 2
}

/// One optimisation step on `batch`: forward with batch statistics, backward,
/// global-norm clipping, optimiser update. Returns (loss, accuracy).
pub fn train_step(
    model: &mut Model,
    optimiser: &mut Adam,
    grads: &mut Params,
    batch: &Batch,
    seed: u64,
    lr: f32,
    clip_norm: f32,
) -> Result<(f64, f64)> {
    let step = model.forward_train(&train_clouds(batch), seed, true)?;
    if !step.loss.is_finite() {
        return Err(Error::model(format!(
            "training diverged: loss is {} (try a lower --lr)",
            step.loss
        )));
    }
    grads.zero_grad();
    model.backward(&step, grads)?;
    let ids: Vec<_> = model
        .params
        .ids()
        .filter(|&id| model.params.is_trainable(id))
        .collect();
    let norm = global_norm(ids.iter().map(|&id| slice(grads, id)));
    if !norm.is_finite() {
        return Err(Error::model("training diverged: non-finite gradient"));
    }
    let factor = clip_factor(norm, clip_norm);
    optimiser.begin_step();
    for id in ids {
        let decay = decays(&model.params, id);
        let g = grads
            .get_mut(id)
            .as_slice_mut()
            .expect("gradient tensors are contiguous");
        if factor != 1.0 {
            g.iter_mut().for_each(|x| *x *= factor);
        }
        let name = model.params.name(id).to_string();
        let p = model
            .params
            .get_mut(id)
            .as_slice_mut()
            .expect("parameter tensors are contiguous");
        optimiser.update(&name, p, g, decay, lr)?;
    }
    Ok((step.loss as f64, step.accuracy as f64))
}

/// The clouds of `batch` as the training forward takes them.
fn train_clouds(batch: &Batch) -> Vec<TrainCloud<'_>> {
    let n = batch.n;
    (0..batch.len())
        .map(|k| TrainCloud {
            points: &batch.points[k * n..(k + 1) * n],
            normals: Some(&batch.normals[k * n..(k + 1) * n]),
            labels: &batch.labels[k * n..(k + 1) * n],
            category: batch.categories[k],
            turned: batch.turned[k],
        })
        .collect()
}

/// One `--statistics-only` step on `batch`: the training forward, whose
/// batch statistics are blended into the running averages with weight
/// `weight`, and nothing else. Returns (loss, accuracy) as [`train_step`]
/// does.
pub fn statistics_step(
    model: &mut Model,
    batch: &Batch,
    seed: u64,
    weight: f32,
) -> Result<(f64, f64)> {
    let own = model.running_momentum.replace(weight);
    let step = model.forward_train(&train_clouds(batch), seed, true);
    model.running_momentum = own;
    let step = step?;
    Ok((step.loss as f64, step.accuracy as f64))
}

/// Hold the stages of `--freeze` fixed in `model`; a stage that names no
/// tensor is refused.
fn freeze(model: &mut Model, options: &TrainOptions) -> Result<()> {
    for stage in options.frozen_stages(&model.arch.cfg) {
        if model.params.freeze(&stage) == 0 {
            let mut stages: Vec<&str> = model
                .params
                .names()
                .iter()
                .map(|n| Params::stage_of(n))
                .collect();
            stages.dedup();
            return Err(Error::usage(format!(
                "--freeze {stage}: the model has no stage of that name (stages: encoder, {})",
                stages.join(", ")
            )));
        }
    }
    Ok(())
}

fn slice(p: &Params, id: crate::model::TensorId) -> &[f32] {
    p.get(id).as_slice().expect("tensors are contiguous")
}

/// Score `net` on `shapes` as `pcseg eval` scores a dataset under the
/// all-points protocol with `options`: instance and class mIoU with each
/// shape's category given and, for a network with a category classifier, the
/// share of shapes whose category it picks. The category is chosen first;
/// when the choice is right its labels are the given-category labels (the
/// encoder does not depend on the category), otherwise the shape is run again
/// with its category given. Shape `i` is seeded by `(options.seed, i)`.
pub fn validate_network(
    net: &Network,
    shapes: &[LabelledShape],
    options: &PredictOptions,
) -> Result<Validation> {
    let classify = net.has_classifier();
    let scored = shapes
        .par_iter()
        .enumerate()
        .map(|(i, shape)| {
            let run = |choice| {
                let (cloud, origin) = (&shape.cloud, &shape.origin);
                run_shape(net, cloud, choice, Protocol::AllPoints, options, i, origin)
            };
            let given = CategoryChoice::Given(shape.category);
            if !classify {
                return Ok((run(given)?, None));
            }
            let chosen = run(CategoryChoice::Auto)?;
            if chosen.category.index == shape.category.index {
                Ok((chosen, Some(true)))
            } else {
                Ok((run(given)?, Some(false)))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let mut acc = MiouAccumulator::default();
    for (s, _) in &scored {
        acc.add(s.category, &s.pred, &s.truth);
    }
    let verdicts: Vec<bool> = scored.iter().filter_map(|(_, right)| *right).collect();
    let right = verdicts.iter().filter(|&&r| r).count();
    Ok(Validation {
        instance_miou: 100.0 * acc.instance_miou().unwrap_or(0.0),
        class_miou: 100.0 * acc.class_miou().unwrap_or(0.0),
        category_accuracy: (!verdicts.is_empty())
            .then(|| 100.0 * right as f64 / verdicts.len() as f64),
    })
}

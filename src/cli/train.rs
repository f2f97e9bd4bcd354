//! `pcseg train`: train or fine-tune the segmentation network on a dataset
//! (ShapeNetPart folder or a folder of labelled clouds and meshes) or on fresh
//! synthetic shapes, with checkpoints, a CSV log and SIGINT/SIGTERM handling
//! (stop after the current batch, write the checkpoint, exit 130 / 143).

use crate::cli::args::{MixArg, OptimizerArg, RealismArg, ScheduleArg, ValSplitArg};
use crate::cli::model_file::load_model;
use crate::cli::{progress_bar, signals, Interrupted};
use anyhow::{bail, Context};
use pcseg::io::dataset::Dataset;
use pcseg::model::{Model, ModelConfig};
use pcseg::synth::RealismLevel;
use pcseg::train::checkpoint::{self, Checkpoint};
use pcseg::train::data_spec::{DataSpec, SHAPENETPART_TRAINVAL};
use pcseg::train::log::EpochRecord;
use pcseg::train::pseudo_source::PseudoSpec;
use pcseg::train::trainer::{Observer, Outcome, OutputPaths, TrainOptions, Trainer};
use std::path::{Path, PathBuf};

/// Epochs of a run when `--epochs` is not given.
pub const DEFAULT_EPOCHS: usize = 200;

/// Arguments of `pcseg train`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").args(["dataset", "synthetic", "resume"]).required(true)))]
pub struct Args {
    /// ShapeNetPart root or a folder of labelled files (one subfolder per
    /// category): clouds (PLY, XYZ, PCD) or labelled meshes (as `pcseg run
    /// --mesh-out` writes them, sampled into 2,500 points).
    pub dataset: Option<PathBuf>,
    /// Train on fresh procedural shapes every epoch (no disk).
    #[arg(long, conflicts_with = "dataset")]
    pub synthetic: bool,
    /// Number of epochs [default: 200; with --resume: the checkpoint's].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Clouds per batch.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Peak learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f32,
    /// Points sampled per cloud (as `pcseg run` samples them).
    #[arg(long, default_value_t = 2048)]
    pub points: usize,
    /// Start from this model file (fine-tuning) instead of random weights.
    /// With --config too, the config's layers that the file has (same name
    /// and shape) start from the file and the others from random weights.
    #[arg(long, value_name = "MODEL")]
    pub init: Option<PathBuf>,
    /// Continue the run saved in this checkpoint (file or folder), writing
    /// where that run writes (its --out, --log and checkpoint folder) unless
    /// those flags are given.
    #[arg(long, value_name = "CKPT")]
    pub resume: Option<PathBuf>,
    /// Where the best model (by validation instance mIoU) is written
    /// [default: model.safetensors; with --resume: the run's].
    #[arg(long, value_name = "MODEL")]
    pub out: Option<PathBuf>,
    /// Validation for ShapeNetPart: holdout (1/20 of train+val), val, or test.
    #[arg(
        long,
        value_name = "SPLIT",
        default_value = "holdout",
        ignore_case = true
    )]
    pub val_split: ValSplitArg,
    /// Architecture: ssg-mbv2-wide (the shipped model's), ssg-mbv2 (compact,
    /// 1.9x cheaper), tiny, or a JSON config file [default: ssg-mbv2-wide;
    /// with --init: the model's].
    #[arg(long, value_name = "NAME|FILE")]
    pub config: Option<String>,
    /// Seed of the run (initial weights, data, augmentation).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Weight decay (not applied to biases and BatchNorm parameters).
    #[arg(long, default_value_t = 1e-4)]
    pub weight_decay: f32,
    /// Weight decay style: adamw (decoupled) or adam (L2, as the reference).
    #[arg(long, value_name = "adamw|adam", default_value = "adamw")]
    pub optimizer: OptimizerArg,
    /// Learning-rate decay: step (halve every 20 epochs) or cosine.
    #[arg(long, value_name = "step|cosine", default_value = "step")]
    pub schedule: ScheduleArg,
    /// Epochs of linear learning-rate warm-up.
    #[arg(long, value_name = "E", default_value_t = 1.0)]
    pub warmup: f32,
    /// Clip the global gradient norm to this value (0: no clipping).
    #[arg(long, default_value_t = 10.0)]
    pub clip: f32,
    /// Synthetic shapes per epoch (default: ShapeNetPart's train+val size).
    #[arg(long, value_name = "N", default_value_t = SHAPENETPART_TRAINVAL)]
    pub shapes_per_epoch: usize,
    /// Synthetic validation shapes (a fixed set from its own seed stream).
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub val_shapes: usize,
    /// Synthetic category mix: shapenetpart (its proportions), uniform (each
    /// category equally often) or sqrt (in proportion to the square roots
    /// of ShapeNetPart's counts).
    #[arg(
        long,
        value_name = "shapenetpart|uniform|sqrt",
        default_value = "shapenetpart"
    )]
    pub mix: MixArg,
    /// Realism of synthetic shapes: off, low, medium or high.
    #[arg(
        long,
        value_name = "LEVEL",
        default_value = "medium",
        ignore_case = true
    )]
    pub realism: RealismArg,
    /// Synthetic raw points per shape, `MIN..MAX`: each training shape is
    /// drawn with a count log-uniform in the range (density randomisation;
    /// e.g. 200..10000). Default: a fixed count a little above --points.
    #[arg(long, value_name = "MIN..MAX", value_parser = crate::cli::synth::parse_points)]
    pub raw_points: Option<(usize, usize)>,
    /// Probability that a synthetic surface has its normals reversed, as
    /// inside-out components of real CAD meshes have (0: never).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub surface_flip: f32,
    /// Mean number of small details (boxes, knobs) attached to each
    /// synthetic training shape with the label of the part they stand on,
    /// as CAD models carry details no generator draws (0: none).
    #[arg(long, value_name = "MEAN", default_value_t = 0.0)]
    pub attach: f32,
    /// Amplitude of a smooth random free-form warp of every training cloud,
    /// in unit-sphere units (0: off; 0.03-0.06 bends shapes visibly).
    #[arg(long, value_name = "AMP", default_value_t = 0.0)]
    pub warp: f32,
    /// Range of the random per-axis scale of every training cloud, `LO..HI`
    /// (anisotropic: each axis draws its own factor; real shapes' proportions
    /// vary more than a generator's).
    #[arg(long, value_name = "LO..HI", default_value = "0.8..1.25", value_parser = parse_scale)]
    pub scale: (f32, f32),
    /// Probability that a training cloud is seen mirrored left-right
    /// (z -> -z), as the second test-time vote sees it (0: never; 0.5: the
    /// network learns both hands equally).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub mirror: f32,
    /// Probability that a training cloud is turned out of the model's frame
    /// (up moved to another axis) with a uniform category target and no
    /// part scored, so that the classifier's confidence ranks frames for
    /// `--orient auto` (0: never).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub turn: f32,
    /// Stages held fixed while the rest trains, comma separated: `encoder`
    /// (stem, SA levels and category classifier: the category choice cannot
    /// move), or stage names as in the model file (stem, sa1, sa2, sa3,
    /// classifier, fp3, fp2, fp1, head, out). Frozen BatchNorms keep their
    /// running statistics.
    #[arg(long, value_name = "STAGES", value_delimiter = ',')]
    pub freeze: Vec<String>,
    /// Only the BatchNorm running statistics learn: each batch runs the
    /// training forward, with no backward and no optimiser step, and each
    /// epoch's statistics are the mean over its batches. With --init and
    /// --pseudo this re-estimates a model's statistics on a mix that holds
    /// real shapes (the learning rate is not used).
    #[arg(long)]
    pub statistics_only: bool,
    /// Self-training: a folder of pseudo-labelled shapes (written by `pcseg
    /// pseudo-label`) mixed into every synthetic epoch.
    #[arg(long, value_name = "DIR", requires = "synthetic")]
    pub pseudo: Option<PathBuf>,
    /// Share of each epoch's training shapes taken from --pseudo, in [0, 1).
    #[arg(long, value_name = "SHARE", default_value_t = 0.25)]
    pub pseudo_share: f32,
    /// Points of --pseudo shapes below this confidence are seen but not scored.
    #[arg(long, value_name = "P", default_value_t = 0.8)]
    pub pseudo_min_confidence: f32,
    /// Points of --pseudo shapes on which fewer than this share of the
    /// labelling passes agreed are seen but not scored.
    #[arg(long, value_name = "SHARE", default_value_t = 1.0)]
    pub pseudo_min_agreement: f32,
    /// CSV log [default: log.csv in the checkpoint folder; with --resume:
    /// the run's].
    #[arg(long, value_name = "CSV")]
    pub log: Option<PathBuf>,
    /// Folder for the checkpoint written after every epoch and on SIGINT or
    /// SIGTERM [default: pcseg-checkpoints; with --resume: the checkpoint's
    /// folder].
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// No progress bars or per-epoch lines.
    #[arg(long)]
    pub quiet: bool,
}

/// The model config named by `--config`: a preset or a JSON file.
pub fn parse_config(spec: &str) -> anyhow::Result<ModelConfig> {
    if let Some(cfg) = ModelConfig::preset(spec) {
        return Ok(cfg);
    }
    let path = Path::new(spec);
    if !path.is_file() {
        bail!("--config {spec}: not a preset (ssg-mbv2-wide, ssg-mbv2, tiny) nor a file");
    }
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    ModelConfig::from_json(&text).with_context(|| path.display().to_string())
}

/// `LO..HI` with 0 < LO <= HI <= 4.
fn parse_scale(s: &str) -> Result<(f32, f32), String> {
    let bad = || format!("bad scale range '{s}' (want LO..HI with 0 < LO <= HI <= 4)");
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let lo: f32 = a.trim().parse().map_err(|_| bad())?;
    let hi: f32 = b.trim().parse().map_err(|_| bad())?;
    if !(lo > 0.0 && lo <= hi && hi <= 4.0) {
        return Err(bad());
    }
    Ok((lo, hi))
}

fn parse_options(args: &Args) -> anyhow::Result<TrainOptions> {
    let options = TrainOptions {
        epochs: args.epochs.unwrap_or(DEFAULT_EPOCHS),
        batch: args.batch,
        points: args.points,
        lr: args.lr,
        weight_decay: args.weight_decay,
        optimizer: args.optimizer.into(),
        schedule: args.schedule.into(),
        warmup: args.warmup,
        clip_norm: args.clip,
        seed: args.seed,
        augment: pcseg::train::augment::Augment {
            warp: args.warp,
            mirror: args.mirror,
            turn: args.turn,
            scale_lo: args.scale.0,
            scale_hi: args.scale.1,
            ..Default::default()
        },
        freeze: args.freeze.clone(),
        statistics_only: args.statistics_only,
    };
    if !(0.0..0.095).contains(&args.warp) {
        bail!("--warp {}: expected 0 <= AMP < 0.095", args.warp);
    }
    for (flag, p) in [("--mirror", args.mirror), ("--turn", args.turn)] {
        if !(0.0..=1.0).contains(&p) {
            bail!("{flag} {p}: expected a probability in [0, 1]");
        }
    }
    options.validate()?;
    Ok(options)
}

fn parse_data(args: &Args) -> anyhow::Result<DataSpec> {
    if args.synthetic {
        if !(0.0..=1.0).contains(&args.surface_flip) {
            bail!(
                "--surface-flip {}: expected a probability in [0, 1]",
                args.surface_flip
            );
        }
        if !(0.0..=20.0).contains(&args.attach) {
            bail!("--attach {}: expected a mean in [0, 20]", args.attach);
        }
        if args.shapes_per_epoch == 0 || args.val_shapes == 0 {
            bail!("--shapes-per-epoch and --val-shapes must be at least 1");
        }
        return Ok(DataSpec::Synthetic {
            shapes_per_epoch: args.shapes_per_epoch,
            val_shapes: args.val_shapes,
            mix: args.mix.into(),
            realism: RealismLevel::from(args.realism).to_string(),
            raw_points: args.raw_points.map(|(lo, hi)| [lo, hi]),
            surface_flip: args.surface_flip,
            attach: args.attach,
            pseudo: match &args.pseudo {
                Some(root) => {
                    let spec = PseudoSpec {
                        root: root.clone(),
                        share: args.pseudo_share,
                        min_confidence: args.pseudo_min_confidence,
                        min_agreement: args.pseudo_min_agreement,
                    };
                    spec.validate()?;
                    Some(spec)
                }
                None => None,
            },
        });
    }
    let Some(root) = &args.dataset else {
        bail!("give a DATASET folder or --synthetic");
    };
    if Dataset::is_root(root) {
        Ok(DataSpec::ShapeNetPart {
            root: root.clone(),
            val_split: args.val_split.into(),
        })
    } else if root.is_dir() {
        Ok(DataSpec::Folder { root: root.clone() })
    } else {
        bail!("{}: not a folder", root.display())
    }
}

/// Progress bars and one line per epoch on stderr.
struct Bars {
    quiet: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Observer for Bars {
    fn epoch_start(&mut self, epoch: usize, epochs: usize, batches: usize, done: usize) {
        let bar = progress_bar(
            batches as u64,
            self.quiet,
            &format!("epoch {}/{epochs}", epoch + 1),
        );
        bar.set_position(done as u64);
        signals::set_bar(Some(bar.clone()));
        self.bar = Some(bar);
    }

    fn batch_done(&mut self, loss: f64, acc: f64, shapes_per_s: f64) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!(
                "loss {loss:.4} acc {:.1}% {shapes_per_s:.1} shapes/s",
                100.0 * acc
            ));
        }
    }

    fn epoch_end(&mut self, r: &EpochRecord, best: bool) {
        self.clear();
        if !self.quiet {
            eprintln!(
                "epoch {}: loss {:.4} acc {:.2}% | val mIoU instance {:.2} class {:.2}{}{} | lr {:.2e} | {:.0} s, {:.1} shapes/s",
                r.epoch,
                r.train_loss,
                r.train_acc,
                r.val_instance_miou,
                r.val_class_miou,
                if r.val_category_acc.is_nan() {
                    String::new()
                } else {
                    format!(", category {:.1}%", r.val_category_acc)
                },
                if best { " (best)" } else { "" },
                r.lr,
                r.seconds,
                r.shapes_per_s
            );
        }
    }
}

impl Bars {
    /// Remove the bar (before printing below it).
    fn clear(&mut self) {
        signals::set_bar(None);
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Where the run writes: explicit flags; with `--resume`, else what the
/// checkpoint recorded and its folder; else the defaults.
fn output_paths(args: &Args, resumed: Option<&(PathBuf, Checkpoint)>) -> OutputPaths {
    let (checkpoint_dir, out, log) = match resumed {
        Some((path, ckpt)) => {
            let dir = args
                .checkpoint_dir
                .clone()
                .unwrap_or_else(|| checkpoint::folder_of(path));
            let out = args.out.clone().or_else(|| ckpt.meta.out.clone());
            let out = out.unwrap_or_else(|| {
                // A checkpoint of an older pcseg records no --out: write
                // beside it rather than over ./model.safetensors.
                checkpoint::folder_of(path).join("model.safetensors")
            });
            let log = args.log.clone().or_else(|| ckpt.meta.log.clone());
            (dir, out, log)
        }
        None => (
            args.checkpoint_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("pcseg-checkpoints")),
            args.out
                .clone()
                .unwrap_or_else(|| PathBuf::from("model.safetensors")),
            args.log.clone(),
        ),
    };
    OutputPaths {
        log: Some(log.unwrap_or_else(|| checkpoint_dir.join("log.csv"))),
        out: Some(out),
        checkpoint_dir: Some(checkpoint_dir),
    }
}

/// Run `pcseg train`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    let resumed = match &args.resume {
        Some(path) => Some((path.clone(), checkpoint::load(path)?)),
        None => None,
    };
    let paths = output_paths(&args, resumed.as_ref());
    let (out, log, checkpoint_dir) = (
        paths.out.clone().unwrap_or_default(),
        paths.log.clone().unwrap_or_default(),
        paths.checkpoint_dir.clone().unwrap_or_default(),
    );
    std::fs::create_dir_all(&checkpoint_dir)
        .with_context(|| checkpoint_dir.display().to_string())?;
    let mut trainer = if let Some((ckpt_path, ckpt)) = resumed {
        let t = Trainer::from_checkpoint(ckpt, paths, args.epochs)?;
        if !args.quiet {
            eprintln!(
                "resuming {} at epoch {} batch {} (options and data from the checkpoint); best model to {}, log to {}, checkpoints in {}",
                ckpt_path.display(),
                t.state.epoch + 1,
                t.state.batch,
                out.display(),
                log.display(),
                checkpoint_dir.display()
            );
        }
        t
    } else {
        let options = parse_options(&args)?;
        let data = parse_data(&args)?;
        let (model, origin) = match (&args.init, &args.config) {
            (Some(path), None) => {
                let m = load_model(path)?;
                let origin = format!("fine-tuned from {} ({})", path.display(), m.note);
                (m, origin)
            }
            (Some(path), Some(spec)) => {
                let from = load_model(path)?;
                let (m, fresh) = Model::warm_start(parse_config(spec)?, args.seed, &from)?;
                let origin = format!(
                    "warm start from {} ({}); fresh (seed {}): {}",
                    path.display(),
                    from.note,
                    args.seed,
                    if fresh.is_empty() {
                        "nothing".to_string()
                    } else {
                        fresh.join(", ")
                    }
                );
                if !args.quiet {
                    eprintln!("{origin}");
                }
                (m, origin)
            }
            (None, spec) => {
                let cfg = parse_config(spec.as_deref().unwrap_or("ssg-mbv2-wide"))?;
                let m = Model::init(cfg, args.seed)?;
                (m, format!("random initialisation (seed {})", args.seed))
            }
        };
        Trainer::new(model, &origin, options, data, paths)?
    };
    // Signals stop the run after the current batch from here on (set before
    // the line below, which tells a caller that training has started).
    let stop = signals::training(args.quiet);
    if !args.quiet {
        let frozen = trainer.options.frozen_stages(trainer.model.config());
        let trained = trainer.model.params.num_trainable();
        let params = match (trainer.options.statistics_only, frozen.is_empty()) {
            (true, _) => "BatchNorm running statistics only, every weight fixed".to_string(),
            (false, true) => format!("{trained} parameters"),
            (false, false) => format!("{trained} parameters trained, {} frozen", frozen.join(" ")),
        };
        eprintln!(
            "training {} ({params}) for {} epochs of {} batches on {}",
            trainer.model.config().name,
            trainer.options.epochs,
            trainer.batches_per_epoch(),
            trainer.describe_data()
        );
    }
    let mut bars = Bars {
        quiet: args.quiet,
        bar: None,
    };
    let outcome = trainer.run(&stop, &mut bars);
    bars.clear();
    let outcome = outcome?;
    let ckpt = checkpoint_dir.join(checkpoint::LAST);
    match outcome {
        Outcome::Finished => {
            if !args.quiet {
                if let Some((epoch, miou)) = trainer.state.best {
                    eprintln!(
                        "done: best validation instance mIoU {miou:.2} at epoch {epoch}, model in {}; log in {}",
                        out.display(),
                        log.display()
                    );
                }
            }
            Ok(())
        }
        Outcome::Interrupted { epoch, batch } => {
            eprintln!(
                "stopped after epoch {epoch} + {batch} batches; resume with: pcseg train --resume {}",
                ckpt.display()
            );
            Err(Interrupted {
                code: signals::exit_code().unwrap_or(130),
            }
            .into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_scale;

    #[test]
    fn scale_range_parses_and_rejects_bad_ranges() {
        assert_eq!(parse_scale("0.8..1.25"), Ok((0.8, 1.25)));
        assert_eq!(parse_scale(" 0.6 .. 1.6 "), Ok((0.6, 1.6)));
        assert_eq!(parse_scale("1..1"), Ok((1.0, 1.0)));
        for bad in ["1.2..0.8", "0..1", "-1..1", "1", "a..b", "1..5"] {
            assert!(parse_scale(bad).is_err(), "{bad}");
        }
    }
}

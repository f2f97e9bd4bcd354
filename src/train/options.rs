//! The hyper-parameters of a training run ([`TrainOptions`]), stored in
//! checkpoints so `--resume` continues with exactly the same ones.

use crate::error::{Error, Result};
use crate::train::augment::Augment;
use crate::train::optim::{AdamConfig, DecayMode};
use crate::train::schedule::LrSchedule;

/// Which learning-rate decay to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleKind {
    /// Halve every 20 epochs (the reference recipe).
    Step,
    /// Cosine to 1 % of the base rate.
    Cosine,
}

/// Hyper-parameters of a run (stored in checkpoints).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainOptions {
    /// Number of epochs.
    pub epochs: usize,
    /// Clouds per batch B.
    pub batch: usize,
    /// Points per cloud N.
    pub points: usize,
    /// Peak learning rate.
    pub lr: f32,
    /// Weight decay (not applied to biases and BatchNorm parameters).
    pub weight_decay: f32,
    /// Adam (L2) or AdamW (decoupled).
    pub optimizer: DecayMode,
    /// Learning-rate decay.
    pub schedule: ScheduleKind,
    /// Epochs of linear warm-up.
    pub warmup: f32,
    /// Global gradient-norm clip (0 disables).
    pub clip_norm: f32,
    /// Seed of the run (data, augmentation, batch seeds).
    pub seed: u64,
    /// Augmentation of training clouds.
    pub augment: Augment,
    /// Stages held fixed (`--freeze`): tensor-name stages such as `sa1` or
    /// `classifier`, or `encoder` for the stem, every SA level and the
    /// classifier (the whole category-independent encoder, so the category
    /// choice cannot move). Empty: everything trains.
    #[serde(default)]
    pub freeze: Vec<String>,
    /// Only the BatchNorm running statistics learn (`--statistics-only`):
    /// every batch runs the training forward and no backward or optimiser
    /// step, and each epoch's statistics are the plain mean over its batches
    /// (what SWA calls "update BN"). Every weight stays as it started.
    #[serde(default)]
    pub statistics_only: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 200,
            batch: 16,
            points: 2048,
            lr: 1e-3,
            weight_decay: 1e-4,
            optimizer: DecayMode::AdamW,
            schedule: ScheduleKind::Step,
            warmup: 1.0,
            clip_norm: 10.0,
            seed: 1,
            augment: Augment::default(),
            freeze: Vec::new(),
            statistics_only: false,
        }
    }
}

impl TrainOptions {
    /// The learning-rate schedule these options describe.
    pub fn lr_schedule(&self) -> LrSchedule {
        match self.schedule {
            ScheduleKind::Step => LrSchedule::step(self.lr, self.epochs, self.warmup),
            ScheduleKind::Cosine => LrSchedule::cosine(self.lr, self.epochs, self.warmup),
        }
    }

    /// The optimiser hyper-parameters.
    pub fn adam(&self) -> AdamConfig {
        AdamConfig {
            weight_decay: self.weight_decay,
            mode: self.optimizer,
            ..AdamConfig::default()
        }
    }

    /// The tensor-name stages of `--freeze` for the network `cfg`
    /// (`encoder` expanded: the stem, every SA level and the classifier
    /// when the network has one).
    pub fn frozen_stages(&self, cfg: &crate::model::ModelConfig) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.freeze {
            if s == "encoder" {
                out.push("stem".to_string());
                out.extend((1..=cfg.levels.len() + 1).map(|l| format!("sa{l}")));
                if cfg.classifier_width > 0 {
                    out.push("classifier".to_string());
                }
            } else {
                out.push(s.clone());
            }
        }
        out
    }

    /// Check that the options can run.
    pub fn validate(&self) -> Result<()> {
        if self.batch == 0 || self.points == 0 {
            return Err(Error::usage("--batch and --points must be at least 1"));
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(Error::usage(format!("--lr {} must be positive", self.lr)));
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(Error::usage("--weight-decay must be >= 0"));
        }
        if !(self.warmup >= 0.0 && self.warmup.is_finite()) {
            return Err(Error::usage("--warmup must be >= 0"));
        }
        Ok(())
    }
}

//! Where a training run stands ([`RunState`]): what a checkpoint must hold,
//! besides the weights and the optimiser, to resume the run exactly.

use crate::rng::Rng;
use crate::train::log::EpochRecord;

/// The state that makes a run resumable.
#[derive(Debug, Clone, PartialEq)]
pub struct RunState {
    /// Epochs completed.
    pub epoch: usize,
    /// Batches completed in the current epoch.
    pub batch: usize,
    /// Sums over the batches done in the current epoch.
    pub sums: EpochSums,
    /// Source of the per-batch forward seeds.
    pub rng: Rng,
    /// One record per completed epoch.
    pub records: Vec<EpochRecord>,
    /// Best validation instance mIoU so far and its (1-based) epoch.
    pub best: Option<(usize, f64)>,
}

/// Running sums of the batches done in the current epoch.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochSums {
    /// Sum of batch loss x clouds in the batch.
    #[serde(with = "crate::train::bits")]
    pub loss: f64,
    /// Sum of correctly labelled points.
    #[serde(with = "crate::train::bits")]
    pub correct: f64,
    /// Clouds trained on.
    pub shapes: usize,
    /// Points trained on.
    pub points: usize,
    /// Wall time spent training in this epoch.
    #[serde(with = "crate::train::bits")]
    pub train_seconds: f64,
}

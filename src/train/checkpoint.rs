//! Training checkpoints: one safetensors file holding the model tensors
//! (`model.<name>`, parameters and BatchNorm running statistics) and the
//! optimiser moments (`adam.m.<name>`, `adam.v.<name>`), with the rest of the
//! state as JSON under the metadata key `pcseg_checkpoint`: format version,
//! architecture config, training options, data description, epoch and batch
//! reached, partial sums of the current epoch, run RNG state, optimiser step
//! count, the per-epoch records, the best validation mIoU so far and where
//! the run writes its best model and log (so `--resume` continues there).
//!
//! Floating-point values and the RNG state are stored as hexadecimal bit
//! patterns so a resumed run continues bit-for-bit.

use crate::error::{Error, Result};
use crate::model::network::Arch;
use crate::model::safetensors::{self, NamedTensor};
use crate::model::{Model, ModelConfig};
use crate::train::data_spec::DataSpec;
use crate::train::log::EpochRecord;
use crate::train::optim::Adam;
use crate::train::options::TrainOptions;
use crate::train::run_state::{EpochSums, RunState};
use ndarray::{ArrayD, IxDyn};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// File name of the run's checkpoint inside `--checkpoint-dir`.
pub const LAST: &str = "last.safetensors";
/// Metadata key of the JSON state.
pub const META_KEY: &str = "pcseg_checkpoint";
/// Version of the checkpoint layout.
pub const FORMAT_VERSION: u32 = 1;
/// Value of the safetensors metadata key `format` in a checkpoint.
pub const FORMAT: &str = "pcseg-checkpoint";

/// The JSON part of a checkpoint.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheckpointMeta {
    /// Layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Architecture.
    pub model_config: ModelConfig,
    /// Training options.
    pub options: TrainOptions,
    /// Training and validation data.
    pub data: DataSpec,
    /// Where the initial weights came from.
    pub origin: String,
    /// Epochs completed.
    pub epoch: usize,
    /// Batches done in the current epoch.
    pub batch: usize,
    /// Partial sums of the current epoch.
    pub sums: EpochSums,
    /// Run RNG state, four hexadecimal words.
    pub rng: [String; 4],
    /// Optimiser steps taken.
    pub adam_steps: u64,
    /// Records of the completed epochs.
    pub records: Vec<EpochRecord>,
    /// Epoch of the best validation instance mIoU so far.
    pub best_epoch: Option<usize>,
    /// That mIoU.
    #[serde(with = "crate::train::bits")]
    pub best_miou: f64,
    /// Where the run writes its best model (absolute; absent in checkpoints
    /// of older pcseg versions and of runs that write none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out: Option<PathBuf>,
    /// Where the run writes its CSV log (absolute; absent as `out`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<PathBuf>,
}

impl CheckpointMeta {
    /// The metadata of a run's state.
    pub fn new(
        model_config: ModelConfig,
        options: TrainOptions,
        data: DataSpec,
        origin: String,
        state: &RunState,
        adam_steps: u64,
    ) -> Self {
        CheckpointMeta {
            format_version: FORMAT_VERSION,
            model_config,
            options,
            data,
            origin,
            epoch: state.epoch,
            batch: state.batch,
            sums: state.sums.clone(),
            rng: state.rng.state().map(|w| format!("{w:#018x}")),
            adam_steps,
            records: state.records.clone(),
            best_epoch: state.best.map(|b| b.0),
            best_miou: state.best.map_or(0.0, |b| b.1),
            out: None,
            log: None,
        }
    }

    /// The best epoch and its validation instance mIoU.
    pub fn best(&self) -> Option<(usize, f64)> {
        self.best_epoch.map(|e| (e, self.best_miou))
    }

    /// The RNG state decoded.
    pub fn rng_state(&self) -> Result<[u64; 4]> {
        let mut out = [0u64; 4];
        for (o, w) in out.iter_mut().zip(&self.rng) {
            *o = u64::from_str_radix(w.trim_start_matches("0x"), 16)
                .map_err(|_| Error::model(format!("checkpoint: bad RNG word `{w}`")))?;
        }
        Ok(out)
    }
}

/// A checkpoint read back.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// The JSON state.
    pub meta: CheckpointMeta,
    /// The model (weights and BN statistics).
    pub model: Model,
    /// The optimiser with its moments.
    pub optimiser: Adam,
}

/// Write a checkpoint atomically.
pub fn save(path: &Path, meta: &CheckpointMeta, model: &Model, optimiser: &Adam) -> Result<()> {
    let p = &model.params;
    let mut tensors: Vec<NamedTensor> = p
        .ids()
        .map(|id| NamedTensor {
            name: format!("model.{}", p.name(id)),
            shape: p.get(id).shape().to_vec(),
            data: p.get(id).iter().copied().collect(),
        })
        .collect();
    let (_, moments) = optimiser.state_tensors();
    for (name, data) in moments {
        tensors.push(NamedTensor {
            shape: vec![data.len()],
            name,
            data: data.to_vec(),
        });
    }
    let json = serde_json::to_string(meta)
        .map_err(|e| Error::data(path, None, format!("cannot encode state: {e}")))?;
    let mut metadata = HashMap::new();
    metadata.insert(META_KEY.to_string(), json);
    metadata.insert("format".to_string(), FORMAT.to_string());
    metadata.insert("trained".to_string(), model.trained.to_string());
    metadata.insert("note".to_string(), model.note.clone());
    safetensors::write_file(path, &tensors, metadata)
}

/// The checkpoint file `path` names: `path` itself, or its [`LAST`] file
/// when it is a folder.
pub fn file_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(LAST)
    } else {
        path.to_path_buf()
    }
}

/// The folder holding the checkpoint `path` names (the run's checkpoint
/// folder, where a resumed run goes on writing).
pub fn folder_of(path: &Path) -> PathBuf {
    match file_of(path).parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Read a checkpoint written by [`save`]. `path` may also be the checkpoint
/// folder, meaning its [`LAST`] file.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let file = file_of(path);
    let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
    from_bytes(&bytes, &file)
}

/// Parse a checkpoint from the bytes of file `path` (which names them in
/// errors).
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Checkpoint> {
    let (tensors, metadata) = safetensors::parse(bytes, path)?;
    let bad = |m: String| Error::data(path, None, m);
    let json = metadata
        .get(META_KEY)
        .ok_or_else(|| bad("not a pcseg training checkpoint (no training state)".into()))?;
    let meta: CheckpointMeta =
        serde_json::from_str(json).map_err(|e| bad(format!("bad training state: {e}")))?;
    if meta.format_version != FORMAT_VERSION {
        return Err(bad(format!(
            "checkpoint format {} (this pcseg reads {FORMAT_VERSION})",
            meta.format_version
        )));
    }
    meta.model_config.validate()?;
    let (arch, mut params) = Arch::build(&meta.model_config)?;
    let mut by_name: HashMap<&str, &NamedTensor> =
        tensors.iter().map(|t| (t.name.as_str(), t)).collect();
    let origin = path.display().to_string();
    let ids: Vec<_> = params.ids().collect();
    for id in ids {
        let name = params.name(id).to_string();
        let key = format!("model.{name}");
        let t = by_name
            .remove(key.as_str())
            .ok_or_else(|| bad(format!("missing tensor `{key}`")))?;
        let value = ArrayD::from_shape_vec(IxDyn(&t.shape), t.data.clone())
            .map_err(|e| bad(format!("tensor `{key}`: {e}")))?;
        params.set(&origin, &name, value)?;
    }
    let optimiser = Adam::restore(
        meta.options.adam(),
        meta.adam_steps,
        tensors
            .iter()
            .filter(|t| t.name.starts_with("adam."))
            .map(|t| (t.name.as_str(), t.data.clone())),
    )
    .map_err(|e| bad(e.to_string()))?;
    let model = Model {
        arch,
        params,
        trained: metadata.get("trained").map(String::as_str) == Some("true"),
        note: metadata.get("note").cloned().unwrap_or_default(),
        running_momentum: None,
    };
    Ok(Checkpoint {
        meta,
        model,
        optimiser,
    })
}

/// Read a model file, or the model inside a training checkpoint. A
/// checkpoint's model counts as trained once an epoch is complete and its
/// note says which epoch it is.
pub fn load_model(path: &Path) -> Result<Model> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let origin = path.display().to_string();
    if crate::model::weights::file_format(&bytes, &origin)?.as_deref() != Some(FORMAT) {
        return crate::model::weights::from_bytes(&bytes, &origin);
    }
    let ckpt = from_bytes(&bytes, path)?;
    let mut model = ckpt.model;
    let meta = &ckpt.meta;
    if let Some(last) = meta.records.last() {
        model.trained = true;
        model.note = format!(
            "training checkpoint after epoch {} of {} (validation instance mIoU {:.2})",
            meta.epoch, meta.options.epochs, last.val_instance_miou
        );
    }
    Ok(model)
}

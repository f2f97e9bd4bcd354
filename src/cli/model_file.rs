//! Choosing the network for commands that predict: `--model PATH` or the
//! default model embedded in the binary. `PATH` may be a model file or a
//! training checkpoint (`last.safetensors`), whose model is used as it stood
//! at the end of its last completed epoch.

use anyhow::Context;
use pcseg::error::{Error, Result};
use pcseg::model::{weights, Model, Network};
use pcseg::train::checkpoint;
use std::path::Path;

/// File name of the shipped default model under `assets/`.
pub const DEFAULT_MODEL_NAME: &str = "ssg-mbv2.safetensors";

/// The default model's bytes, embedded at build time so `pcseg run` works
/// from any folder without `--model`.
pub static DEFAULT_MODEL: &[u8] = include_bytes!("../../assets/ssg-mbv2.safetensors");

/// Load `--model PATH`, or the embedded default when `None`. Prints a one-line
/// warning when the weights are untrained (unless `quiet`).
pub fn load_network(path: Option<&Path>, quiet: bool) -> anyhow::Result<Network> {
    let net = match path {
        Some(p) => load_model(p)
            .with_context(|| "cannot load the model".to_string())?
            .to_network(),
        None => Network::from_bytes(DEFAULT_MODEL, DEFAULT_MODEL_NAME)
            .context("the embedded default model is damaged")?,
    };
    if !net.is_trained() && !quiet {
        eprintln!(
            "pcseg: warning: the model ({}) is untrained: its labels are meaningless",
            path.map_or(DEFAULT_MODEL_NAME.to_string(), |p| p.display().to_string())
        );
    }
    Ok(net)
}

/// Read a model file, or the model inside a training checkpoint. A
/// checkpoint's model counts as trained once an epoch is complete and its
/// note says which epoch it is.
pub fn load_model(path: &Path) -> Result<Model> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let origin = path.display().to_string();
    if weights::file_format(&bytes, &origin)?.as_deref() != Some(checkpoint::FORMAT) {
        return weights::from_bytes(&bytes, &origin);
    }
    let ckpt = checkpoint::from_bytes(&bytes, path)?;
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

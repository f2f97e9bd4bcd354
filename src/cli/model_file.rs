//! Choosing the network for commands that predict: `--model PATH` or the
//! default model embedded in the binary. `PATH` may be a model file or a
//! training checkpoint (`last.safetensors`), whose model is used as it stood
//! at the end of its last completed epoch.

use anyhow::Context;
use pcseg::error::Result;
use pcseg::model::{Model, Network};
use pcseg::train::checkpoint;
use std::path::Path;

/// File name of the shipped default model under `assets/`.
pub const DEFAULT_MODEL_NAME: &str = "ssg-mbv2-wide.safetensors";

/// The default model's bytes, embedded at build time so `pcseg run` works
/// from any folder without `--model`.
pub static DEFAULT_MODEL: &[u8] = include_bytes!("../../assets/ssg-mbv2-wide.safetensors");

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

/// Read a model file, or the model inside a training checkpoint
/// ([`checkpoint::load_model`]).
pub fn load_model(path: &Path) -> Result<Model> {
    checkpoint::load_model(path)
}

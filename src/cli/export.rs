//! `pcseg export`: write the model inside a training checkpoint as a model
//! file, e.g. the epoch chosen on a validation set while the run went on; or,
//! given several checkpoints or model files of one architecture, their weight
//! average (e.g. a run's last epochs).

use super::model_file::load_model;
use anyhow::{bail, Context};
use std::path::PathBuf;

/// Arguments of `pcseg export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A training checkpoint (`last.safetensors` of a --checkpoint-dir, or a
    /// copy). Several checkpoints or model files of one architecture: write
    /// their weight average (every tensor, BatchNorm statistics included, the
    /// element-wise mean).
    #[arg(required = true, num_args = 1..)]
    pub checkpoints: Vec<PathBuf>,
    /// The model file to write (.safetensors).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Replace the model's note (shown by `pcseg info` and `pcseg run`).
    #[arg(long)]
    pub note: Option<String>,
    /// No summary line (errors are still reported).
    #[arg(short, long)]
    pub quiet: bool,
}

/// Run `pcseg export`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    if args.checkpoints.len() == 1 {
        let path = &args.checkpoints[0];
        let bytes =
            std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let origin = path.display().to_string();
        if pcseg::model::weights::file_format(&bytes, &origin)?.as_deref()
            != Some(pcseg::train::checkpoint::FORMAT)
        {
            bail!(
                "{}: not a training checkpoint (a model file needs no export)",
                path.display()
            );
        }
    }
    if let Some(p) = args.checkpoints.iter().find(|p| **p == args.output) {
        bail!("{}: the output is one of the inputs", p.display());
    }
    let origins: Vec<String> = args
        .checkpoints
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let models = args
        .checkpoints
        .iter()
        .map(|p| load_model(p))
        .collect::<pcseg::error::Result<Vec<_>>>()?;
    let mut model = pcseg::model::average::average(&models, &origins)?;
    if models.len() > 1 {
        model.note = format!(
            "weight average of {} models ({}); the first: {}",
            models.len(),
            origins.join(", "),
            model.note
        );
    }
    if let Some(note) = args.note {
        model.note = note;
    }
    model.save(&args.output)?;
    if !args.quiet {
        eprintln!("{}: {}", args.output.display(), model.note);
    }
    Ok(())
}

//! `pcseg export`: write the model inside a training checkpoint as a model
//! file, e.g. the epoch chosen on a validation set while the run went on.

use super::model_file::load_model;
use anyhow::{bail, Context};
use std::path::PathBuf;

/// Arguments of `pcseg export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A training checkpoint (`last.safetensors` of a --checkpoint-dir, or a copy).
    pub checkpoint: PathBuf,
    /// The model file to write (.safetensors).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Replace the model's note (shown by `pcseg info` and `pcseg run`).
    #[arg(long)]
    pub note: Option<String>,
}

/// Run `pcseg export`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.checkpoint)
        .with_context(|| format!("{}: cannot read", args.checkpoint.display()))?;
    let origin = args.checkpoint.display().to_string();
    if pcseg::model::weights::file_format(&bytes, &origin)?.as_deref()
        != Some(pcseg::train::checkpoint::FORMAT)
    {
        bail!(
            "{}: not a training checkpoint (a model file needs no export)",
            args.checkpoint.display()
        );
    }
    if args.output == args.checkpoint {
        bail!("{}: the output is the checkpoint", args.output.display());
    }
    let mut model = load_model(&args.checkpoint)?;
    if let Some(note) = args.note {
        model.note = note;
    }
    model.save(&args.output)?;
    eprintln!("{}: {}", args.output.display(), model.note);
    Ok(())
}

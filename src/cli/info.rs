//! `pcseg info`: describe a point cloud file or a model file.

use std::path::PathBuf;

/// Arguments of `pcseg info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Point cloud (PLY, XYZ-style text, ShapeNetPart .pts) or model (.safetensors).
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Run `pcseg info`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    anyhow::bail!("{}: info is not implemented yet", args.file.display())
}

//! `pcseg pseudo-label`: sample real unlabelled meshes as ShapeNetPart was
//! made (area-uniform points with face normals, in the ShapeNetPart frame)
//! and label them with the current model, for self-training
//! (`pcseg train --synthetic --pseudo DIR`).

use super::args::{category_list_entry, listed, ModelArgs};
use super::{progress_bar, SomeFailed};
use anyhow::{bail, Context};
use pcseg::categories::Category;
use pcseg::io::mesh::{read_mesh, read_mesh_index, sample_surface, MeshIndexEntry};
use pcseg::io::{self, Format, PlyWriteOptions};
use pcseg::model::Network;
use pcseg::rng::Rng;
use pcseg::train::pseudo_label::{pseudo_label, PseudoLabelOptions, PseudoLabels};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Arguments of `pcseg pseudo-label`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Mesh index (category, path, source, frame, to_shapenetpart; written by
    /// scripts/fetch_meshes.sh).
    pub index: PathBuf,
    /// Output folder: <Category>/<NNNN>-<model>.ply per mesh (x y z nx ny nz
    /// label confidence agreement) and summary.tsv.
    #[arg(short, long)]
    pub output: PathBuf,
    /// The network.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Points sampled on each mesh surface (the stored cloud).
    #[arg(long, default_value_t = 3000)]
    pub samples: usize,
    /// Augmented labelling passes per mesh.
    #[arg(long, default_value_t = 8)]
    pub passes: usize,
    /// Points the network sees per pass.
    #[arg(long, default_value_t = 2048)]
    pub points: usize,
    /// Largest relative per-axis scale change of a pass.
    #[arg(long, default_value_t = 0.15)]
    pub scale_jitter: f32,
    /// Only these categories (comma-separated names or synset ids).
    #[arg(long, value_delimiter = ',', value_parser = category_list_entry)]
    pub categories: Vec<Option<&'static Category>>,
    /// Seed of the surface sampling and the passes.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// No progress bar and no per-category summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Confidence and agreement thresholds the summary reports kept shares at
/// (the defaults of `pcseg train --pseudo`).
const SUMMARY_THRESHOLDS: (f32, f32) = (0.8, 1.0);

/// What became of one mesh.
struct Labelled {
    file: PathBuf,
    points: usize,
    labels: PseudoLabels,
}

fn label_one(
    net: &Network,
    entry: &MeshIndexEntry,
    i: usize,
    out: &Path,
    args: &Args,
) -> anyhow::Result<Labelled> {
    let mut mesh = read_mesh(&entry.path)?;
    mesh.transform(entry.to_shapenetpart, [0.0; 3]);
    let seed = Rng::for_item(args.seed, i as u64).next_u64();
    let cloud = sample_surface(&mesh, args.samples, seed)
        .with_context(|| entry.path.display().to_string())?
        .into_cloud();
    let options = PseudoLabelOptions {
        passes: args.passes,
        points: args.points,
        scale_jitter: args.scale_jitter,
        seed,
    };
    let name = entry.path.display().to_string();
    let labels = pseudo_label(net, &cloud, entry.category, &options, &name)?;
    let stem = entry
        .path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("mesh");
    let file = out
        .join(entry.category.name)
        .join(format!("{i:04}-{stem}.ply"));
    io::write_cloud(
        &file,
        &labels.attach(&cloud),
        Some(Format::Ply),
        &PlyWriteOptions::default(),
    )?;
    Ok(Labelled {
        file,
        points: cloud.len(),
        labels,
    })
}

/// Run `pcseg pseudo-label`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    if args.samples == 0 || args.points == 0 || args.passes == 0 {
        bail!("--samples, --points and --passes must be at least 1");
    }
    if !(0.0..0.5).contains(&args.scale_jitter) {
        bail!(
            "--scale-jitter {}: expected 0 <= J < 0.5",
            args.scale_jitter
        );
    }
    let wanted = listed(&args.categories);
    let entries: Vec<(usize, MeshIndexEntry)> = read_mesh_index(&args.index)?
        .into_iter()
        .enumerate()
        .filter(|(_, e)| wanted.is_empty() || wanted.iter().any(|c| c.index == e.category.index))
        .collect();
    if entries.is_empty() {
        bail!(
            "{}: no model of the chosen categories",
            args.index.display()
        );
    }
    let net = args.model.load(args.quiet)?;
    for (_, e) in &entries {
        let dir = args.output.join(e.category.name);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    }
    let bar = progress_bar(entries.len() as u64, args.quiet, "pseudo-labelling");
    let results: Vec<anyhow::Result<Labelled>> = entries
        .par_iter()
        .map(|(i, e)| {
            let r = label_one(&net, e, *i, &args.output, &args);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();

    let (min_c, min_a) = SUMMARY_THRESHOLDS;
    let mut tsv = String::from(
        "# file\tcategory\tsource\tpoints\tmean_confidence\tkept_share (confidence >= 0.8, agreement = 1)\n",
    );
    let mut per_category: Vec<(&str, usize, f64, f64)> = Vec::new();
    let mut failed = 0;
    for ((_, e), r) in entries.iter().zip(results) {
        match r {
            Ok(l) => {
                let mean = l.labels.confidence.iter().map(|&c| c as f64).sum::<f64>()
                    / l.points.max(1) as f64;
                let kept = l.labels.kept_share(min_c, min_a) as f64;
                let rel = l.file.strip_prefix(&args.output).unwrap_or(&l.file);
                let _ = writeln!(
                    tsv,
                    "{}\t{}\t{}\t{}\t{mean:.4}\t{kept:.4}",
                    rel.display(),
                    e.category.name,
                    e.source,
                    l.points
                );
                match per_category.iter_mut().find(|c| c.0 == e.category.name) {
                    Some(c) => {
                        c.1 += 1;
                        c.2 += mean;
                        c.3 += kept;
                    }
                    None => per_category.push((e.category.name, 1, mean, kept)),
                }
            }
            Err(err) => {
                failed += 1;
                eprintln!("pcseg: error: {}", format!("{err:#}").replace('\n', " "));
            }
        }
    }
    let summary = args.output.join("summary.tsv");
    pcseg::io::atomic::write_atomic(&summary, |w| std::io::Write::write_all(w, tsv.as_bytes()))?;
    if !args.quiet {
        per_category.sort_by(|a, b| a.0.cmp(b.0));
        for (name, n, mean, kept) in &per_category {
            eprintln!(
                "{name}: {n} meshes, mean confidence {:.3}, {:.1} % of points kept",
                mean / *n as f64,
                100.0 * kept / *n as f64
            );
        }
        eprintln!("summary: {}", summary.display());
    }
    if failed > 0 {
        return Err(SomeFailed {
            failed,
            total: entries.len(),
        }
        .into());
    }
    Ok(())
}

//! `pcseg synth`: write a procedural ShapeNetPart-compatible dataset.

use crate::categories::{category_names, find_category, CATEGORIES};
use crate::synth::dataset::{write_dataset, SynthConfig};
use crate::synth::{Realism, RealismLevel};
use anyhow::{bail, Context};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `pcseg synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder (created if missing; the `_normal` layout goes inside).
    pub out_dir: PathBuf,
    /// Total shapes, spread over categories and splits like ShapeNetPart.
    ///
    /// Default: the real counts (16,881 shapes for all categories).
    #[arg(long, conflicts_with_all = ["train", "val", "test"])]
    pub shapes: Option<usize>,
    /// Shapes in the train split (with --val and --test; missing ones are 0).
    #[arg(long)]
    pub train: Option<usize>,
    /// Shapes in the val split.
    #[arg(long)]
    pub val: Option<usize>,
    /// Shapes in the test split.
    #[arg(long)]
    pub test: Option<usize>,
    /// Comma-separated categories (names or synsets); default all 16.
    #[arg(long, value_delimiter = ',')]
    pub categories: Vec<String>,
    /// Points per shape, `MIN..MAX` (inclusive) or a single number.
    #[arg(long, default_value = "2400..2800", value_parser = parse_points)]
    pub points: (usize, usize),
    /// Seed; the same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Realism effects: off, low, medium or high.
    ///
    /// Sensor-like noise, non-uniform density, small holes and slight
    /// misalignment, stronger with each level.
    #[arg(long, default_value = "off")]
    pub realism: RealismLevel,
    /// No progress bar or summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parse `MIN..MAX` or `N`.
pub fn parse_points(s: &str) -> Result<(usize, usize), String> {
    let parse = |t: &str| {
        t.trim()
            .replace(['_', ','], "")
            .parse::<usize>()
            .map_err(|_| format!("'{t}' is not a number of points"))
    };
    let (lo, hi) = match s.split_once("..") {
        Some((a, b)) => (parse(a)?, parse(b.trim_start_matches('='))?),
        None => {
            let n = parse(s)?;
            (n, n)
        }
    };
    if lo == 0 || lo > hi {
        return Err(format!(
            "bad point range '{s}' (want MIN..MAX with 0 < MIN <= MAX)"
        ));
    }
    Ok((lo, hi))
}

/// Run `pcseg synth`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    let categories: Vec<usize> = if args.categories.is_empty() {
        (0..CATEGORIES.len()).collect()
    } else {
        let mut v = Vec::new();
        for name in &args.categories {
            match find_category(name) {
                Some(c) => v.push(c.index),
                None => bail!(
                    "unknown category '{name}' (expected one of: {})",
                    category_names()
                ),
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    };
    let splits = if args.train.is_some() || args.val.is_some() || args.test.is_some() {
        [
            args.train.unwrap_or(0),
            args.val.unwrap_or(0),
            args.test.unwrap_or(0),
        ]
    } else {
        SynthConfig::shapenet_mix(&categories, args.shapes)?
    };
    let total: usize = splits.iter().sum();
    if total == 0 {
        bail!("nothing to generate (0 shapes)");
    }
    let config = SynthConfig {
        categories,
        splits,
        points: args.points,
        seed: args.seed,
        realism: Realism::level(args.realism),
    };
    let bar = super::progress_bar(total as u64, args.quiet, "synth");
    let start = Instant::now();
    let summary = write_dataset(&args.out_dir, &config, &|| bar.inc(1))
        .with_context(|| format!("writing {}", args.out_dir.display()))?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    if !args.quiet {
        eprintln!(
            "wrote {total} shapes ({} train, {} val, {} test; {} points) to {} in {secs:.1} s ({:.0} shapes/s)",
            summary.splits[0],
            summary.splits[1],
            summary.splits[2],
            summary.points,
            args.out_dir.display(),
            total as f64 / secs.max(1e-9)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_flag_parses_ranges_and_rejects_nonsense() {
        assert_eq!(parse_points("2400..2800"), Ok((2400, 2800)));
        assert_eq!(parse_points("2048"), Ok((2048, 2048)));
        assert_eq!(parse_points("1_000..=2_000"), Ok((1000, 2000)));
        assert!(parse_points("3000..2000").is_err());
        assert!(parse_points("0").is_err());
        assert!(parse_points("lots").is_err());
    }
}

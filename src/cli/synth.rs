//! `pcseg synth`: write a procedural ShapeNetPart-compatible dataset, or
//! (`--compare REF_DIR`) measure the generators against real labelled shapes
//! and write a Markdown report with pictures.

use super::args::{category_list_entry, listed, RealismArg};
use anyhow::{bail, Context};
use pcseg::categories::{Category, CATEGORIES};
use pcseg::io::atomic::write_atomic;
use pcseg::io::dataset::{load_shapes, Dataset, Split};
use pcseg::render::{write_png, RenderOptions};
use pcseg::synth::compare::{
    compare, image_file_name, markdown, render_category, CompareOptions, RefShape,
};
use pcseg::synth::dataset::{write_dataset, SynthConfig};
use pcseg::synth::Realism;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `pcseg synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder (created if missing; the `_normal` layout goes inside).
    ///
    /// Not with --compare (checked when running: a clap conflict would drop
    /// the `requires = "compare"` of the --compare options).
    #[arg(required_unless_present = "compare")]
    pub out_dir: Option<PathBuf>,
    /// Total shapes, spread over categories and splits like ShapeNetPart.
    ///
    /// Default: the real counts (16,881 shapes for all categories).
    #[arg(long, conflicts_with_all = ["train", "val", "test", "compare"])]
    pub shapes: Option<usize>,
    /// Shapes in the train split (with --val and --test; missing ones are 0).
    #[arg(long, conflicts_with = "compare")]
    pub train: Option<usize>,
    /// Shapes in the val split.
    #[arg(long, conflicts_with = "compare")]
    pub val: Option<usize>,
    /// Shapes in the test split.
    #[arg(long, conflicts_with = "compare")]
    pub test: Option<usize>,
    /// Comma-separated categories (names or synsets); default all 16.
    #[arg(long, value_delimiter = ',', value_parser = category_list_entry)]
    pub categories: Vec<Option<&'static Category>>,
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
    #[arg(long, default_value = "off", ignore_case = true)]
    pub realism: RealismArg,
    /// Mean number of small details (boxes, knobs) attached to each shape
    /// with the label of the part they stand on (as `pcseg train --attach`).
    #[arg(long, value_name = "MEAN", default_value_t = 0.0)]
    pub attach: f32,
    /// No progress bar or summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Instead of writing a dataset, compare the generators with the real
    /// labelled shapes of this ShapeNetPart folder (all splits) and write a
    /// report (--report) with pictures (--images).
    #[arg(long, value_name = "REF_DIR")]
    pub compare: Option<PathBuf>,
    // The --compare options have no clap defaults: clap does not check
    // `requires` for an argument with a default value.
    /// With --compare: synthetic shapes drawn per category [default: 200].
    #[arg(long, requires = "compare")]
    pub per_category: Option<usize>,
    /// With --compare: the Markdown report to write [default: docs/REALISM.md].
    #[arg(long, requires = "compare")]
    pub report: Option<PathBuf>,
    /// With --compare: folder of the pictures, one PNG per category
    /// [default: docs/realism].
    #[arg(long, requires = "compare")]
    pub images: Option<PathBuf>,
    /// With --compare: tile size of the pictures in pixels [default: 160].
    #[arg(long, requires = "compare")]
    pub tile: Option<u32>,
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
    if let Some(reference) = &args.compare {
        if let Some(out) = &args.out_dir {
            bail!(
                "give either an output folder ({}) or --compare {}, not both",
                out.display(),
                reference.display()
            );
        }
        return execute_compare(&args);
    }
    let Some(out_dir) = args.out_dir.clone() else {
        bail!("give an output folder (or --compare REF_DIR)");
    };
    let categories = category_indices(&args.categories);
    write_synthetic(args, out_dir, categories)
}

/// Category indices of `--categories` (all when none), sorted, unique.
fn category_indices(list: &[Option<&'static Category>]) -> Vec<usize> {
    let mut v: Vec<usize> = listed(list).iter().map(|c| c.index).collect();
    if v.is_empty() {
        return (0..CATEGORIES.len()).collect();
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// Run the body of `pcseg synth` that writes a dataset.
fn write_synthetic(args: Args, out_dir: PathBuf, categories: Vec<usize>) -> anyhow::Result<()> {
    if !(0.0..=20.0).contains(&args.attach) {
        bail!("--attach {}: expected a mean in [0, 20]", args.attach);
    }
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
        realism: Realism {
            attach: args.attach,
            ..Realism::level(args.realism.into())
        },
    };
    let bar = super::progress_bar(total as u64, args.quiet, "synth");
    let start = Instant::now();
    let summary = write_dataset(&out_dir, &config, &|| bar.inc(1))
        .with_context(|| format!("writing {}", out_dir.display()))?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    if !args.quiet {
        eprintln!(
            "wrote {total} shapes ({} train, {} val, {} test; {} points) to {} in {secs:.1} s ({:.0} shapes/s)",
            summary.splits[0],
            summary.splits[1],
            summary.splits[2],
            summary.points,
            out_dir.display(),
            total as f64 / secs.max(1e-9)
        );
    }
    Ok(())
}

/// Quote `s` for a POSIX shell when it holds anything but plain characters.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=,:@+%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The `--compare` settings with their defaults filled in.
struct CompareArgs {
    reference: PathBuf,
    per_category: usize,
    report: PathBuf,
    images: PathBuf,
    tile: u32,
}

impl CompareArgs {
    fn new(args: &Args) -> CompareArgs {
        CompareArgs {
            reference: args.compare.clone().expect("--compare is given"),
            per_category: args.per_category.unwrap_or(200),
            report: args
                .report
                .clone()
                .unwrap_or_else(|| PathBuf::from("docs/REALISM.md")),
            images: args
                .images
                .clone()
                .unwrap_or_else(|| PathBuf::from("docs/realism")),
            tile: args.tile.unwrap_or(160),
        }
    }
}

/// The command line that reproduces a `--compare` run.
fn compare_command(args: &Args, c: &CompareArgs) -> String {
    let mut words = vec![
        "pcseg".to_string(),
        "synth".into(),
        "--compare".into(),
        shell_word(&c.reference.display().to_string()),
        "--per-category".into(),
        c.per_category.to_string(),
        "--seed".into(),
        args.seed.to_string(),
    ];
    let categories = listed(&args.categories);
    if !categories.is_empty() {
        let names: Vec<String> = categories
            .iter()
            .map(|c| c.name.to_ascii_lowercase())
            .collect();
        words.push("--categories".into());
        words.push(shell_word(&names.join(",")));
    }
    if args.realism != RealismArg::Off {
        words.push("--realism".into());
        words.push(pcseg::synth::RealismLevel::from(args.realism).to_string());
    }
    if c.tile != 160 {
        words.push("--tile".into());
        words.push(c.tile.to_string());
    }
    words.push("--report".into());
    words.push(shell_word(&c.report.display().to_string()));
    words.push("--images".into());
    words.push(shell_word(&c.images.display().to_string()));
    words.join(" ")
}

/// The path of `to` relative to the folder `from` (both existing), with `/`
/// separators, for Markdown links.
fn relative_link(from: &Path, to: &Path) -> anyhow::Result<String> {
    let from = from
        .canonicalize()
        .with_context(|| from.display().to_string())?;
    let to = to
        .canonicalize()
        .with_context(|| to.display().to_string())?;
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    Ok(parts.join("/"))
}

/// Run `pcseg synth --compare REF_DIR`.
fn execute_compare(args: &Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let c = CompareArgs::new(args);
    let reference = &c.reference;
    if !reference.is_dir() {
        bail!("{}: not a folder", reference.display());
    }
    RenderOptions {
        size: c.tile,
        ..RenderOptions::default()
    }
    .validate()
    .context("--tile")?;
    let dataset = Dataset::open(reference)?;
    let wanted: Vec<&'static Category> = category_indices(&args.categories)
        .into_iter()
        .map(|i| &CATEGORIES[i])
        .collect();
    let filter: &[&Category] = if listed(&args.categories).is_empty() {
        &[]
    } else {
        &wanted
    };
    let list = dataset.shapes(Split::All)?.filter(filter, None);
    for w in list.warnings(&reference.display().to_string()) {
        eprintln!("pcseg: warning: {w}");
    }
    if list.shapes.is_empty() {
        bail!(
            "{}: no reference shapes{}",
            reference.display(),
            if filter.is_empty() {
                ""
            } else {
                " of the chosen categories"
            }
        );
    }
    let clouds = load_shapes(&list.shapes)?;
    let refs: Vec<RefShape> = list
        .shapes
        .iter()
        .zip(clouds)
        .map(|(s, cloud)| RefShape {
            name: s.name(),
            category: s.category,
            cloud,
        })
        .collect();
    let options = CompareOptions {
        per_category: c.per_category,
        seed: args.seed,
        realism: Realism::level(args.realism.into()),
        ..CompareOptions::default()
    };
    let cmp = compare(&refs, &options)?;
    let measured = start.elapsed().as_secs_f64();

    std::fs::create_dir_all(&c.images)
        .with_context(|| format!("creating {}", c.images.display()))?;
    let report_dir = match c.report.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&report_dir)
        .with_context(|| format!("creating {}", report_dir.display()))?;
    for cat in &cmp.categories {
        let image = render_category(cat, c.tile)?;
        write_png(&image, &c.images.join(image_file_name(cat.category)))?;
    }
    let mut link = relative_link(&report_dir, &c.images)?;
    if !link.is_empty() {
        link.push('/');
    }
    let text = markdown(&cmp, &compare_command(args, &c), Some(&link));
    write_atomic(&c.report, |w| w.write_all(text.as_bytes()))?;

    if !args.quiet {
        println!("category\tref_shapes\tpoints\tmedian_chamfer\tfloor\tlabel_agreement\tlargest_share_gap");
        for cat in &cmp.categories {
            let (part, gap) = cat.largest_share_gap();
            println!(
                "{}\t{}\t{}\t{:.4}\t{:.4}\t{:.1}%\t{} {:.1} pp",
                cat.category.name,
                cat.matches.len(),
                cat.points,
                cat.median_chamfer(),
                cat.floor_chamfer,
                100.0 * cat.mean_agreement() as f64,
                cat.category.parts[part],
                100.0 * gap
            );
        }
        println!(
            "all\t{}\t\t{:.4}\t{:.4}\t{:.1}%",
            cmp.reference_shapes(),
            cmp.overall_median_chamfer(),
            cmp.overall_floor(),
            100.0 * cmp.overall_agreement() as f64
        );
        eprintln!(
            "compared {} reference shapes with {} synthetic shapes per category in {measured:.1} s; wrote {} and {} pictures in {} ({:.1} s in all)",
            cmp.reference_shapes(),
            c.per_category,
            c.report.display(),
            cmp.categories.len(),
            c.images.display(),
            start.elapsed().as_secs_f64()
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

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("docs/REALISM.md"), "docs/REALISM.md");
        assert_eq!(shell_word("my data"), "'my data'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn compare_flags_parse_and_exclude_dataset_output() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cmd {
            #[command(flatten)]
            args: Args,
        }
        let c = Cmd::try_parse_from(["s", "--compare", "ref"]).unwrap();
        let defaults = CompareArgs::new(&c.args);
        assert_eq!(defaults.per_category, 200);
        assert_eq!(defaults.report, PathBuf::from("docs/REALISM.md"));
        assert_eq!(defaults.images, PathBuf::from("docs/realism"));
        assert!(c.args.out_dir.is_none());
        assert!(Cmd::try_parse_from(["s", "--compare", "ref", "--shapes", "3"]).is_err());
        assert!(Cmd::try_parse_from(["s", "out", "--per-category", "3"]).is_err());
        assert!(Cmd::try_parse_from(["s"]).is_err());
    }
}

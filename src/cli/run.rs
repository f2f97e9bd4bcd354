//! `pcseg run`: label every point of one or many clouds with its part.

use super::args::{category_choice, ModelArgs, PredictArgs};
use super::{progress_bar, SomeFailed};
use anyhow::{bail, Context};
use pcseg::categories::part_colour;
use pcseg::cloud::{ExtraProperty, ScalarKind};
use pcseg::io::{self, Format, PlyEncoding, PlyWriteOptions};
use pcseg::model::Network;
use pcseg::predict::{predict, CategoryChoice, PredictOptions, Prediction};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Arguments of `pcseg run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input clouds (PLY, XYZ-style text, ShapeNetPart .pts), folders of them, or - for stdin.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output file (- for stdout); a folder when there are several inputs or a folder input.
    ///
    /// Default for a single file: <input stem>.labelled.<ext> beside the input;
    /// for stdin: stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Category name (case-insensitive) or synset id, or auto to let the network choose.
    #[arg(short, long, default_value = "auto", value_parser = category_choice)]
    pub category: CategoryChoice,
    /// The network.
    #[command(flatten)]
    pub model: ModelArgs,
    /// How the network sees a cloud.
    #[command(flatten)]
    pub predict: PredictArgs,
    /// Input format when it cannot be told from the extension (ply or xyz).
    #[arg(long)]
    pub format: Option<Format>,
    /// Output format: ply (with label and red green blue) or xyz (x y z label).
    #[arg(long)]
    pub out_format: Option<Format>,
    /// Write PLY as ascii instead of binary little-endian.
    #[arg(long)]
    pub ascii: bool,
    /// No progress bar and no per-part summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// One file to process and where its result goes.
struct Job {
    input: PathBuf,
    output: PathBuf,
}

/// Expand folders into their cloud files (sorted, not recursive).
fn expand_inputs(inputs: &[PathBuf]) -> anyhow::Result<(Vec<PathBuf>, bool)> {
    let mut files = Vec::new();
    let mut had_dir = false;
    for input in inputs {
        if input.is_dir() {
            had_dir = true;
            let found = io::list_cloud_files(input)
                .with_context(|| format!("{}: cannot list the folder", input.display()))?;
            if found.is_empty() {
                bail!(
                    "{}: no point cloud files ({}) in this folder",
                    input.display(),
                    io::cloud_extension_list()
                );
            }
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok((files, had_dir))
}

fn output_extension(input: &Path, out_format: Option<Format>) -> String {
    match out_format {
        Some(Format::Ply) => "ply".into(),
        Some(Format::Xyz) => "xyz".into(),
        None => input
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_else(|| "ply".into()),
    }
}

fn plan_jobs(args: &Args) -> anyhow::Result<Vec<Job>> {
    let (files, had_dir) = expand_inputs(&args.inputs)?;
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        bail!("standard input (-) can be read only once");
    }
    if files.len() == 1 && !had_dir {
        let input = files[0].clone();
        let output = match &args.output {
            Some(o) if o.is_dir() => o.join(labelled_name(&input, args.out_format)),
            Some(o) => o.clone(),
            None if input.as_os_str() == "-" => PathBuf::from("-"),
            None => input.with_file_name(labelled_name(&input, args.out_format)),
        };
        return Ok(vec![Job { input, output }]);
    }
    let Some(dir) = &args.output else {
        bail!("-o/--output FOLDER is required with several inputs or a folder input");
    };
    if dir.as_os_str() == "-" {
        bail!("several inputs cannot all be written to stdout; give -o FOLDER");
    }
    if files.iter().any(|f| f.as_os_str() == "-") {
        bail!("standard input (-) cannot be mixed with other inputs");
    }
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{}: exists and is not a folder (several inputs need -o FOLDER)",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    let mut jobs = Vec::with_capacity(files.len());
    let mut seen = std::collections::HashMap::new();
    for input in files {
        let stem = input
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let name = format!("{stem}.{}", output_extension(&input, args.out_format));
        if let Some(other) = seen.insert(name.clone(), input.clone()) {
            bail!(
                "{} and {} would both be written to {}",
                other.display(),
                input.display(),
                dir.join(&name).display()
            );
        }
        jobs.push(Job {
            output: dir.join(name),
            input,
        });
    }
    Ok(jobs)
}

fn labelled_name(input: &Path, out_format: Option<Format>) -> String {
    let stem = input.file_stem().unwrap_or_default().to_string_lossy();
    format!("{stem}.labelled.{}", output_extension(input, out_format))
}

/// Per-part point counts of a prediction, in part order.
fn part_counts(p: &Prediction) -> Vec<usize> {
    let mut counts = vec![0usize; p.category.num_parts()];
    for &l in &p.labels {
        counts[l as usize - p.category.first_part] += 1;
    }
    counts
}

fn category_line(name: &str, p: &Prediction) -> String {
    let how = match &p.auto {
        Some(a) => format!(
            " (auto: confidence {:.2}, margin {:.2} over the next category)",
            a.scores[p.category.index], a.margin
        ),
        None => String::new(),
    };
    format!(
        "{name}: {} points, category {}{how}",
        p.labels.len(),
        p.category.name
    )
}

/// The multi-line summary printed for a single input.
pub fn summary(name: &str, p: &Prediction) -> String {
    let mut s = category_line(name, p);
    let total = p.labels.len().max(1) as f64;
    for (part, count) in p.category.parts.iter().zip(part_counts(p)) {
        s.push_str(&format!(
            "\n  {part:<18} {count:>9} points {:>6.1}%",
            100.0 * count as f64 / total
        ));
    }
    s
}

/// The one-line summary printed per file in folder mode.
fn summary_line(name: &str, p: &Prediction) -> String {
    let total = p.labels.len().max(1) as f64;
    let parts = p
        .category
        .parts
        .iter()
        .zip(part_counts(p))
        .map(|(n, c)| format!("{n} {:.0}%", 100.0 * c as f64 / total))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{}: {parts}", category_line(name, p))
}

fn process(
    net: &Network,
    job: &Job,
    args: &Args,
    options: &PredictOptions,
) -> anyhow::Result<Prediction> {
    let mut cloud = io::read_cloud(&job.input, args.format)?;
    let name = pcseg::error::display_path(&job.input);
    let prediction = predict(net, &cloud, args.category, options, &name)?;
    // Labels already in the input are kept under another name.
    if let Some(old) = cloud.labels.take() {
        cloud.extra.push(ExtraProperty {
            name: "source_label".into(),
            kind: ScalarKind::I32,
            values: old.into_iter().map(f64::from).collect(),
        });
    }
    cloud.labels = Some(prediction.labels.clone());
    let out_format = args
        .out_format
        .or_else(|| Format::from_path(&job.output))
        .or(args.format)
        .or_else(|| Format::from_path(&job.input))
        .unwrap_or(Format::Ply);
    let colours: Vec<[u8; 3]>;
    let options = match out_format {
        Format::Ply => {
            colours = prediction
                .labels
                .iter()
                .map(|&l| part_colour(l as usize))
                .collect();
            PlyWriteOptions {
                encoding: if args.ascii {
                    PlyEncoding::Ascii
                } else {
                    PlyEncoding::BinaryLittleEndian
                },
                colours: Some(&colours),
            }
        }
        Format::Xyz => {
            // XYZ output is `x y z label` per line.
            cloud.normals = None;
            PlyWriteOptions::ascii()
        }
    };
    io::write_cloud(&job.output, &cloud, Some(out_format), &options)?;
    Ok(prediction)
}

/// Run `pcseg run`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    let options = args.predict.options()?;
    let jobs = plan_jobs(&args)?;
    let net = args.model.load(args.quiet)?;
    if jobs.len() == 1 {
        let job = &jobs[0];
        let p = process(&net, job, &args, &options)?;
        if !args.quiet {
            eprintln!("{}", summary(&pcseg::error::display_path(&job.input), &p));
        }
        return Ok(());
    }
    let bar = progress_bar(jobs.len() as u64, args.quiet, "segmenting");
    let results: Vec<(usize, anyhow::Result<Prediction>)> = jobs
        .par_iter()
        .enumerate()
        .map(|(i, job)| {
            let r = process(&net, job, &args, &options);
            bar.inc(1);
            (i, r)
        })
        .collect();
    bar.finish_and_clear();
    let mut failed = 0;
    for (i, r) in results {
        let name = jobs[i].input.display().to_string();
        match r {
            Ok(p) if !args.quiet => eprintln!("{}", summary_line(&name, &p)),
            Ok(_) => {}
            Err(e) => {
                failed += 1;
                eprintln!("pcseg: error: {}", format!("{e:#}").replace('\n', " "));
            }
        }
    }
    if failed > 0 {
        return Err(SomeFailed {
            failed,
            total: jobs.len(),
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_names_parse() {
        let category = |name: &str| {
            crate::cli::args::parse::<Args>(&["r", "in.ply", "--category", name])
                .map(|a| a.category)
        };
        assert_eq!(category("AUTO").unwrap(), CategoryChoice::Auto);
        assert_eq!(
            category("Chair").unwrap(),
            CategoryChoice::Given(pcseg::categories::find_category("chair").unwrap())
        );
        let err = category("sofa").unwrap_err().to_string();
        assert!(
            err.contains("unknown category 'sofa'") && err.contains("airplane"),
            "{err}"
        );
    }

    #[test]
    fn default_output_names() {
        assert_eq!(
            labelled_name(Path::new("a/chair.ply"), None),
            "chair.labelled.ply"
        );
        assert_eq!(
            labelled_name(Path::new("scan.XYZ"), None),
            "scan.labelled.xyz"
        );
        assert_eq!(
            labelled_name(Path::new("scan.xyz"), Some(Format::Ply)),
            "scan.labelled.ply"
        );
    }
}

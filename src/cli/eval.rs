//! `pcseg eval`: the standard ShapeNetPart mIoU evaluation.

use super::args::{category, category_list_entry, listed, ModelArgs, PredictArgs};
use super::{progress_bar, SomeFailed};
use anyhow::bail;
use pcseg::categories::Category;
use pcseg::eval::protocol::{run_shape, Protocol, Scored};
use pcseg::eval::{CategoryConfusion, EvalReport, MiouAccumulator, RunInfo};
use pcseg::io::dataset::{load_shape, Dataset, ShapeRef, Split};
use pcseg::io::folder_dataset::FolderDataset;
use pcseg::io::{self, atomic::write_atomic};
use pcseg::model::Network;
use pcseg::predict::{CategoryChoice, PredictOptions};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Arguments of `pcseg eval`.
#[derive(Debug, clap::Args)]
#[command(
    mut_arg("points", |a| a.help(
        "Points the network sees of a shape larger than --whole-max (all-points protocol)"
    )),
    mut_arg("whole_max", |a| a.help(
        "Shapes with at most this many points are seen whole, no sampling (all-points protocol; 0: always sample)"
    )),
    mut_arg("votes", |a| a.help("Test-time votes per shape (logits averaged)")),
    mut_arg("seed", |a| a.help("Seed of the sampling"))
)]
pub struct Args {
    /// A ShapeNetPart folder (`_normal` or v0 layout) or a folder of labelled PLY/XYZ files.
    pub dataset: PathBuf,
    /// Split to score: test, val, train, trainval or all.
    #[arg(long, default_value = "test")]
    pub split: Split,
    /// The network.
    #[command(flatten)]
    pub model: ModelArgs,
    /// all-points (score every original point) or resample-2048 (PointNet++ reference).
    #[arg(long, default_value = "all-points")]
    pub protocol: Protocol,
    /// How the network sees a shape (help texts reworded above).
    #[command(flatten)]
    pub predict: PredictArgs,
    /// Only these categories (comma-separated names or synsets).
    #[arg(long, value_delimiter = ',', value_parser = category_list_entry)]
    pub categories: Vec<Option<&'static Category>>,
    /// Category of every file of a plain folder dataset (default: each file's folder name).
    #[arg(long, value_parser = category)]
    pub category: Option<&'static Category>,
    /// Segment every shape under the category the network chooses (as
    /// `pcseg run --category auto`) instead of the true one; the report adds
    /// the category accuracy and confusion.
    #[arg(long, conflicts_with = "predictions")]
    pub auto_category: bool,
    /// Score at most this many shapes (after the category filter).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Score files already labelled by `pcseg run` in this folder (matched by
    /// file stem) instead of running the model.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// Also write the report as one JSON object to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Also write the report's tables as Markdown to this file.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// The shapes to score, with warnings about listed-but-missing shapes.
fn list_shapes(
    args: &Args,
    filter: &[&'static Category],
) -> anyhow::Result<(Vec<ShapeRef>, Vec<String>)> {
    let list = if Dataset::is_root(&args.dataset) {
        let ds = Dataset::open(&args.dataset)?;
        let split = if ds.has_splits() {
            args.split
        } else {
            Split::All
        };
        ds.shapes(split)?
    } else {
        FolderDataset::open(&args.dataset, args.category)?
            .shapes()
            .clone()
    };
    let list = list.filter(filter, args.limit);
    let warnings = list.warnings(&args.dataset.display().to_string());
    Ok((list.shapes, warnings))
}

/// Find the prediction file of `shape` in `dir`: `<dir>/<token>.<ext>` or
/// `<dir>/<synset>/<token>.<ext>`, for ext in [`io::CLOUD_EXTENSIONS`].
fn prediction_file(dir: &Path, shape: &ShapeRef) -> Option<PathBuf> {
    let stems = [
        dir.join(&shape.token),
        dir.join(&shape.synset).join(&shape.token),
        dir.join(format!("{}.labelled", shape.token)),
    ];
    stems.iter().find_map(|stem| {
        io::CLOUD_EXTENSIONS
            .iter()
            .map(|e| stem.with_extension(e))
            .find(|p| p.is_file() && p != &shape.path)
    })
}

fn score_prediction_file(dir: &Path, shape: &ShapeRef) -> anyhow::Result<Scored> {
    let truth_cloud = load_shape(shape)?;
    let truth = truth_cloud.labels.unwrap_or_default();
    let Some(path) = prediction_file(dir, shape) else {
        bail!(
            "{}: no prediction file for {} in {}",
            shape.path.display(),
            shape.token,
            dir.display()
        );
    };
    let pred_cloud = io::read_cloud(&path, None)?;
    let Some(pred) = pred_cloud.labels else {
        bail!("{}: no label property", path.display());
    };
    if pred.len() != truth.len() {
        bail!(
            "{}: {} labelled points, but {} has {}",
            path.display(),
            pred.len(),
            shape.path.display(),
            truth.len()
        );
    }
    Ok(Scored {
        category: shape.category,
        pred,
        truth,
    })
}

fn score_with_model(
    net: &Network,
    shape: &ShapeRef,
    protocol: Protocol,
    options: &PredictOptions,
    index: usize,
    auto: bool,
) -> anyhow::Result<Scored> {
    let cloud = load_shape(shape)?;
    let name = shape.path.display().to_string();
    let choice = if auto {
        CategoryChoice::Auto
    } else {
        CategoryChoice::Given(shape.category)
    };
    Ok(run_shape(
        net, &cloud, choice, protocol, options, index, &name,
    )?)
}

/// Run `pcseg eval`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let filter = listed(&args.categories);
    let (shapes, warnings) = list_shapes(&args, &filter)?;
    for w in &warnings {
        eprintln!("pcseg: warning: {w}");
    }
    if shapes.is_empty() {
        bail!("{}: no shapes to evaluate", args.dataset.display());
    }
    // Scoring prediction files runs no model.
    let model = match &args.predictions {
        Some(_) => None,
        None => {
            let options = args.predict.options()?;
            Some((args.model.load(args.quiet)?, options))
        }
    };
    let acc = Mutex::new((MiouAccumulator::default(), CategoryConfusion::default()));
    let failures = Mutex::new(Vec::new());
    let bar = progress_bar(shapes.len() as u64, args.quiet, "evaluating");
    // Shapes are independent; each worker scores into a local accumulator and
    // merges it once, so the lock is taken once per rayon split.
    shapes
        .par_iter()
        .enumerate()
        .fold(
            || (MiouAccumulator::default(), CategoryConfusion::default()),
            |mut local, (i, shape)| {
                let scored = match (&model, &args.predictions) {
                    (Some((net, options)), _) => {
                        score_with_model(net, shape, args.protocol, options, i, args.auto_category)
                    }
                    (None, Some(dir)) => score_prediction_file(dir, shape),
                    (None, None) => unreachable!("either a model or a predictions folder"),
                };
                match scored {
                    Ok(s) => {
                        local.0.add(shape.category, &s.pred, &s.truth);
                        local.1.add(shape.category.index, s.category.index);
                    }
                    Err(e) => failures
                        .lock()
                        .expect("no panics while holding the lock")
                        .push((i, format!("{e:#}"))),
                }
                bar.inc(1);
                local
            },
        )
        .for_each(|local| {
            let mut acc = acc.lock().expect("no panics while holding the lock");
            acc.0.merge(&local.0);
            acc.1.merge(&local.1);
        });
    bar.finish_and_clear();
    let (acc, confusion) = acc.into_inner().expect("lock not poisoned");
    let mut failures = failures.into_inner().expect("lock not poisoned");
    failures.sort();
    for (_, f) in &failures {
        eprintln!("pcseg: error: {}", f.replace('\n', " "));
    }
    let (model, parameters, (points, whole_max), votes, protocol) = match &model {
        Some((net, options)) => (
            net.config().name.clone(),
            pcseg::model::cost::param_count(net.config()).0,
            match args.protocol {
                Protocol::AllPoints => (options.points, options.whole_max),
                Protocol::Resample(n) => (n, 0),
            },
            options.votes,
            args.protocol.name(),
        ),
        None => ("-".into(), 0, (0, 0), 0, "predictions".into()),
    };
    let mut report = EvalReport::new(
        &acc,
        RunInfo {
            protocol,
            points,
            whole_max,
            votes,
            model,
            parameters,
            dataset: format!("{} ({})", args.dataset.display(), args.split),
            seconds: start.elapsed().as_secs_f64(),
        },
    );
    if args.auto_category {
        report = report.with_confusion(confusion);
    }
    print!("{}", report.to_text());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report)? + "\n";
        write_atomic(path, |w| w.write_all(text.as_bytes()))?;
    }
    if let Some(path) = &args.markdown {
        let text = report.to_markdown();
        write_atomic(path, |w| w.write_all(text.as_bytes()))?;
    }
    if !failures.is_empty() {
        return Err(SomeFailed {
            failed: failures.len(),
            total: shapes.len(),
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_lists_parse() {
        let parse = |list: &str| {
            crate::cli::args::parse::<Args>(&["e", "data", "--categories", list])
                .map(|a| listed(&a.categories))
        };
        let v = parse("chair,04379243, ").unwrap();
        assert_eq!(
            v.iter().map(|c| c.name).collect::<Vec<_>>(),
            ["Chair", "Table"]
        );
        assert!(parse("sofa").is_err());
    }

    /// The flattened prediction flags keep eval's wording.
    #[test]
    fn predict_flags_have_eval_help() {
        use clap::Args as _;
        let help = Args::augment_args(clap::Command::new("eval"))
            .render_help()
            .to_string();
        for text in [
            "Points the network sees of a shape larger than --whole-max (all-points protocol) [default: 2048]",
            "Test-time votes per shape (logits averaged) [default: 1]",
            "Seed of the sampling [default: 0]",
        ] {
            assert!(help.contains(text), "{help}");
        }
    }
}

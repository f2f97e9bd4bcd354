//! `pcseg eval`: the standard ShapeNetPart mIoU evaluation. Reports are
//! written only when some shape was scored; one over fewer shapes than asked
//! for is marked partial and the command fails.

use super::args::{category, category_list_entry, listed, ModelArgs, PredictArgs};
use super::eval_predictions::score_prediction_file;
use super::{progress_bar, SomeFailed};
use anyhow::bail;
use pcseg::categories::Category;
use pcseg::eval::protocol::{run_shape, Protocol, Scored};
use pcseg::eval::{
    CategoryConfusion, ChoiceRecord, EvalReport, MiouAccumulator, RunInfo, ShapeFailure,
};
use pcseg::io::atomic::write_atomic;
use pcseg::io::dataset::{load_shape, Dataset, ShapeRef, Split, SPLIT_DIR};
use pcseg::io::folder_dataset::FolderDataset;
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
    /// A ShapeNetPart folder (`_normal` or v0 layout) or a folder of labelled
    /// files: clouds (PLY, XYZ, PCD) or labelled meshes (as --mesh-out writes them).
    pub dataset: PathBuf,
    /// Split to score: test, val, train, trainval or all [default: test;
    /// without split lists: every shape].
    #[arg(long)]
    pub split: Option<Split>,
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
    /// file stem: TOKEN, TOKEN.labelled or TOKEN.seg, also in a SYNSET/
    /// subfolder) instead of running the model: clouds of the shape's own
    /// points, or, for a mesh shape, its --mesh-out mesh.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// Also write the report as one JSON object to this file (`-`: to
    /// stdout, the text report then goes to stderr).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Also write the report's tables as Markdown to this file (`-`: to
    /// stdout, the text report then goes to stderr).
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// What a report says was scored when there are no split lists.
const NO_SPLITS: &str = "all shapes, no split lists found";

/// The shapes to score, what they are (a split name, or [`NO_SPLITS`]) and
/// warnings about listed-but-missing shapes. A split asked for explicitly
/// that the dataset has no lists for is an error.
fn list_shapes(
    args: &Args,
    filter: &[&'static Category],
) -> anyhow::Result<(Vec<ShapeRef>, String, Vec<String>)> {
    let root = &args.dataset;
    let (list, label) = if Dataset::is_root(root) {
        let ds = Dataset::open(root)?;
        match (ds.has_splits(), args.split) {
            (true, split) => {
                let split = split.unwrap_or(Split::Test);
                (ds.shapes(split)?, split.to_string())
            }
            // An explicit split other than `all` is refused by `shapes`.
            (false, Some(split)) => (ds.shapes(split)?, NO_SPLITS.to_string()),
            (false, None) => (ds.shapes(Split::All)?, NO_SPLITS.to_string()),
        }
    } else {
        if let Some(split) = args.split.filter(|&s| s != Split::All) {
            if root.join(SPLIT_DIR).is_dir() {
                bail!(
                    "{}: {SPLIT_DIR}/ is here but {} is missing, so --split {split} cannot be used (--split all scores every file)",
                    root.display(),
                    pcseg::io::dataset::CATEGORY_FILE
                );
            }
            bail!(
                "{}: a folder of labelled files has no split lists, so --split {split} cannot be used (leave it out to score every file)",
                root.display()
            );
        }
        let list = FolderDataset::open(root, args.category)?.shapes().clone();
        (list, NO_SPLITS.to_string())
    };
    let list = list.filter(filter, args.limit);
    let warnings = list.warnings(&root.display().to_string());
    Ok((list.shapes, label, warnings))
}

/// Write a report to `path`, or to stdout for `-`.
fn write_report(path: &Path, text: &str) -> anyhow::Result<()> {
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        return Ok(());
    }
    Ok(write_atomic(path, |w| w.write_all(text.as_bytes()))?)
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
    let dash = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
    if dash(&args.json) && dash(&args.markdown) {
        bail!("--json - and --markdown - cannot both write to stdout");
    }
    let filter = listed(&args.categories);
    let (shapes, scored_what, warnings) = list_shapes(&args, &filter)?;
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
    let choices = Mutex::new(Vec::new());
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
                        if let Some(auto) = &s.auto {
                            let record = ChoiceRecord::new(
                                shape.name(),
                                shape.category.name,
                                s.category.name,
                                auto.scores[s.category.index],
                                auto.margin,
                            );
                            choices
                                .lock()
                                .expect("no panics while holding the lock")
                                .push((i, record));
                        }
                    }
                    Err(e) => failures
                        .lock()
                        .expect("no panics while holding the lock")
                        .push((i, shape.path.display().to_string(), format!("{e:#}"))),
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
    let failures: Vec<ShapeFailure> = failures
        .into_iter()
        .map(|(_, file, reason)| ShapeFailure {
            file,
            reason: reason.replace('\n', " "),
        })
        .collect();
    if acc.shapes() == 0 {
        // Nothing scored: no report is written (an existing one stays).
        if let [only] = failures.as_slice() {
            bail!("{}", only.reason);
        }
        for f in &failures {
            eprintln!("pcseg: error: {}", f.reason);
        }
        bail!(
            "{}: none of the {} shapes could be scored; no report written",
            args.dataset.display(),
            shapes.len()
        );
    }
    for f in &failures {
        eprintln!("pcseg: error: {}", f.reason);
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
    let failed = failures.len();
    let mut report = EvalReport::new(
        &acc,
        RunInfo {
            protocol,
            points,
            whole_max,
            votes,
            model,
            parameters,
            dataset: format!("{} ({scored_what})", args.dataset.display()),
            predictions: args.predictions.as_ref().map(|d| d.display().to_string()),
            seconds: start.elapsed().as_secs_f64(),
        },
    )
    .with_failures(failures);
    if args.auto_category {
        let mut choices = choices.into_inner().expect("lock not poisoned");
        choices.sort_by_key(|(i, _)| *i);
        report = report
            .with_confusion(confusion)
            .with_choices(choices.into_iter().map(|(_, c)| c).collect());
    }
    // stdout carries a report written to `-`; the text then goes to stderr.
    if dash(&args.json) || dash(&args.markdown) {
        eprint!("{}", report.to_text());
    } else {
        print!("{}", report.to_text());
    }
    if let Some(path) = &args.json {
        write_report(path, &(serde_json::to_string_pretty(&report)? + "\n"))?;
    }
    if let Some(path) = &args.markdown {
        write_report(path, &report.to_markdown())?;
    }
    if failed > 0 {
        return Err(SomeFailed {
            failed,
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
            "Test-time votes per shape (logits averaged) [default: 2]",
            "Seed of the sampling [default: 0]",
        ] {
            assert!(help.contains(text), "{help}");
        }
    }
}

//! `pcseg run`: label every point of one or many clouds with its part.

use super::args::{category_choice, ExtrasArgs, ModelArgs, OrientArgs, PredictArgs};
use super::{progress_bar, SomeFailed};
use anyhow::{bail, Context};
use pcseg::categories::{find_category, Category};
use pcseg::cloud::{ExtraProperty, PointCloud, ScalarKind};
use pcseg::io::dataset::Dataset;
use pcseg::io::{self, Format, PlyEncoding, PlyWriteOptions, ReadOptions};
use pcseg::model::Network;
use pcseg::predict::orient::{predict_oriented, OrientedPrediction};
use pcseg::predict::probabilities::add_probability_properties;
use pcseg::predict::{CategoryChoice, PredictOptions, Prediction};
use pcseg::render::palette::Palette;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Arguments of `pcseg run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input clouds (PLY, PCD, XYZ-style text, ShapeNetPart .pts) or meshes (OBJ, OFF, STL, PLY with faces, AC3D, glTF; sampled), folders of them, or - for stdin.
    #[arg(required_unless_present = "files_from")]
    pub inputs: Vec<PathBuf>,
    /// Also read input paths from FILE, one a line (blank lines and lines
    /// starting with # skipped); the outputs go to -o FOLDER.
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// Process only share K of N (0-based: K in 0..N) of the inputs: every
    /// N-th input starting at K, in input order (folders sorted), so N tasks
    /// (a Slurm array, a Kubernetes indexed job) split a collection with one
    /// command each.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Output file (- for stdout); a folder when there are several inputs or a folder input.
    ///
    /// Default for a single file: <input stem>.labelled.<ext> beside the input;
    /// for stdin: stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Category name (case-insensitive) or synset id, or auto to let the network choose.
    ///
    /// Default: auto, except for the shapes of a ShapeNetPart-layout folder
    /// (or a folder named by a synset id), which take their folder's category.
    #[arg(short, long, value_parser = category_choice)]
    pub category: Option<CategoryChoice>,
    /// Walk folder inputs recursively; outputs mirror the folder tree.
    #[arg(short, long)]
    pub recursive: bool,
    /// The network.
    #[command(flatten)]
    pub model: ModelArgs,
    /// How the network sees a cloud.
    #[command(flatten)]
    pub predict: PredictArgs,
    /// The frame the cloud is in (--up, --front, --orient auto).
    #[command(flatten)]
    pub orient: OrientArgs,
    /// Probabilities and palette.
    #[command(flatten)]
    pub extras: ExtrasArgs,
    /// Input format when it cannot be told from the extension (ply, xyz or pcd).
    #[arg(long)]
    pub format: Option<Format>,
    /// Output format: ply, pcd or xyz-style text; all keep every input column and add label.
    ///
    /// Default: the output's extension, else the input's format.
    #[arg(long)]
    pub out_format: Option<Format>,
    /// Text input: name the columns (e.g. x,y,z,r,g,b or x,y,z,nx,ny,nz,label).
    ///
    /// Names: x y z, nx ny nz, label (or class, part, scalar_label); r g b are
    /// read as red green blue; _ leaves a column uninterpreted (kept as _N);
    /// any other name is kept as an extra column.
    /// Without it, a header line names the columns, or the column count does
    /// (3 x y z, 4 + label, 6 + normals or r g b colours, 7 + label).
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// How part colours travel in PLY output.
    ///
    /// parts: red green blue are the part colours, input colours are kept as
    /// source_red source_green source_blue; keep: input colours stay, part
    /// colours go to part_red part_green part_blue; none: no part colours.
    #[arg(long, value_enum, default_value_t = ColorsArg::Parts)]
    pub colors: ColorsArg,
    /// Also write one JSON line per input (NDJSON) to FILE, or - for stdout:
    /// input, output, points, category (with confidence, margin and a
    /// low-confidence flag when chosen automatically), per-part point counts,
    /// orientation (the frame used, up and front; with --orient auto also
    /// its score, margin and runner-up), seconds taken, model; a failed input
    /// gets its error instead.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Allow the output to replace its input (refused otherwise).
    #[arg(long)]
    pub in_place: bool,
    /// Write PLY as ascii instead of binary little-endian.
    #[arg(long)]
    pub ascii: bool,
    /// Mesh input: also write the mesh with a part label and colour per
    /// face (the majority of its sampled points) to FILE (.ply, or .obj with
    /// a .mtl beside it). One input only.
    #[arg(long, value_name = "FILE")]
    pub mesh_out: Option<PathBuf>,
    /// Whether --points was given (a mesh input is sampled into --points
    /// points, else into pcseg::io::DEFAULT_MESH_POINTS); set by the parser.
    #[arg(skip)]
    pub points_given: bool,
    /// No progress bar and no per-part summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `K/N` with `N >= 1` and `K < N`.
fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("'{s}': expected K/N with 0 <= K < N, e.g. 0/8");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || k >= n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The paths listed in `list`, one a line.
fn read_file_list(list: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(list)
        .with_context(|| format!("{}: cannot read the file list", list.display()))?;
    let paths: Vec<PathBuf> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .collect();
    if paths.is_empty() {
        bail!("{}: the file list names no inputs", list.display());
    }
    Ok(paths)
}

/// How part colours travel in PLY output (`--colors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorsArg {
    /// `red green blue` are the part colours; input colours move aside.
    Parts,
    /// Input colours stay; part colours go to `part_red part_green part_blue`.
    Keep,
    /// No part colours.
    None,
}

/// One file to process and where its result goes.
struct Job {
    input: PathBuf,
    output: PathBuf,
    /// The category its folder names (a ShapeNetPart dataset's synset folder).
    hint: Option<&'static Category>,
}

/// One input file: its path, its output path relative to `-o FOLDER`
/// (without extension), and the category its folder names.
struct Found {
    file: PathBuf,
    relative: PathBuf,
    hint: Option<&'static Category>,
}

/// The synset category named by a folder, if its name is a synset id.
fn synset_category(dir: &Path) -> Option<&'static Category> {
    let name = dir.file_name()?.to_str()?;
    find_category(name).filter(|c| c.synset == name)
}

/// The clouds of a folder: its cloud files, and with `recursive` those of
/// its subfolders (relative paths kept). A ShapeNetPart-layout folder (with
/// `synsetoffset2category.txt`) is always walked whole: every shape on disk
/// under its synset folders (split lists do not limit `run`), the category
/// file and `train_test_split/` left out. Files in a folder named by a synset
/// id (or below one) take that category.
fn folder_clouds(dir: &Path, recursive: bool, out: &mut Vec<Found>) -> anyhow::Result<()> {
    fn walk(
        root: &Path,
        dir: &Path,
        recursive: bool,
        files: bool,
        hint: Option<&'static Category>,
        out: &mut Vec<Found>,
    ) -> anyhow::Result<()> {
        let entries = io::list_folder(dir)
            .with_context(|| format!("{}: cannot list the folder", dir.display()))?;
        for path in entries.iter().filter(|p| files && p.is_file()) {
            if io::is_input_file(path) {
                let rel = path.strip_prefix(root).unwrap_or(path);
                out.push(Found {
                    file: path.clone(),
                    relative: rel.with_extension(""),
                    hint,
                });
            }
        }
        if recursive {
            for path in entries.iter().filter(|p| p.is_dir()) {
                let hint = synset_category(path).or(hint);
                walk(root, path, recursive, true, hint, out)?;
            }
        }
        Ok(())
    }
    let before = out.len();
    if Dataset::is_root(dir) {
        let entries = io::list_folder(dir)
            .with_context(|| format!("{}: cannot list the folder", dir.display()))?;
        for path in entries.iter().filter(|p| p.is_dir()) {
            if let Some(category) = synset_category(path) {
                walk(dir, path, true, true, Some(category), out)?;
            }
        }
    } else {
        walk(dir, dir, recursive, true, synset_category(dir), out)?;
    }
    if out.len() == before {
        bail!(
            "{}: no point cloud or mesh files ({}) in this folder{}",
            dir.display(),
            io::input_extension_list(),
            if recursive {
                " or below it"
            } else {
                " (--recursive walks subfolders)"
            }
        );
    }
    Ok(())
}

/// Expand folders into their cloud files (sorted; see [`folder_clouds`]).
fn expand_inputs(inputs: &[PathBuf], recursive: bool) -> anyhow::Result<(Vec<Found>, bool)> {
    let mut files = Vec::new();
    let mut had_dir = false;
    for input in inputs {
        if input.is_dir() {
            had_dir = true;
            folder_clouds(input, recursive, &mut files)?;
        } else {
            files.push(Found {
                file: input.clone(),
                relative: PathBuf::from(input.file_stem().unwrap_or_default()),
                hint: input.parent().and_then(synset_category),
            });
        }
    }
    Ok((files, had_dir))
}

fn output_extension(input: &Path, out_format: Option<Format>) -> String {
    match out_format {
        Some(Format::Ply) => "ply".into(),
        Some(Format::Xyz) => "xyz".into(),
        Some(Format::Pcd) => "pcd".into(),
        // A mesh input gives a PLY cloud.
        None => input
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .filter(|_| Format::from_path(input).is_some())
            .unwrap_or_else(|| "ply".into()),
    }
}

fn plan_jobs(args: &Args) -> anyhow::Result<Vec<Job>> {
    let mut inputs = args.inputs.clone();
    if let Some(list) = &args.files_from {
        inputs.extend(read_file_list(list)?);
    }
    let (mut files, mut had_dir) = expand_inputs(&inputs, args.recursive)?;
    // A list or a shard is a collection: it always goes to -o FOLDER.
    had_dir |= args.files_from.is_some() || args.shard.is_some();
    if let Some((k, n)) = args.shard {
        files = files
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k)
            .map(|(_, f)| f)
            .collect();
        if files.is_empty() {
            bail!("--shard {k}/{n}: no inputs fall in this share");
        }
    }
    let is_stdin = |f: &Found| f.file.as_os_str() == "-";
    if files.iter().filter(|f| is_stdin(f)).count() > 1 {
        bail!("standard input (-) can be read only once");
    }
    if files.len() == 1 && !had_dir {
        let hint = files[0].hint;
        let input = files[0].file.clone();
        let output = match &args.output {
            Some(o) if o.is_dir() => o.join(labelled_name(&input, args.out_format)),
            Some(o) => o.clone(),
            None if input.as_os_str() == "-" => PathBuf::from("-"),
            None => input.with_file_name(labelled_name(&input, args.out_format)),
        };
        check_output_format(&output, args.out_format)?;
        check_output_folder(&output)?;
        let job = Job {
            input,
            output,
            hint,
        };
        check_not_input(&job, args.in_place)?;
        super::mesh_out::check(args.mesh_out.as_deref(), &job.input, &job.output)?;
        return Ok(vec![job]);
    }
    super::mesh_out::check_single(args.mesh_out.as_deref())?;
    let Some(dir) = &args.output else {
        bail!("-o/--output FOLDER is required with several inputs or a folder input");
    };
    if dir.as_os_str() == "-" {
        bail!("several inputs cannot all be written to stdout; give -o FOLDER");
    }
    if files.iter().any(is_stdin) {
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
    for found in files {
        let name = found
            .relative
            .with_extension(output_extension(&found.file, args.out_format));
        if let Some(other) = seen.insert(name.clone(), found.file.clone()) {
            bail!(
                "{} and {} would both be written to {}",
                other.display(),
                found.file.display(),
                dir.join(&name).display()
            );
        }
        let output = dir.join(&name);
        if let Some(parent) = output.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create the folder", parent.display()))?;
        }
        let job = Job {
            output,
            input: found.file,
            hint: found.hint,
        };
        check_not_input(&job, args.in_place)?;
        jobs.push(job);
    }
    Ok(jobs)
}

/// Whether `a` and `b` name the same existing file (same device and inode on
/// Unix, same canonical path elsewhere).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Refuse an output that would replace its own input, unless `--in-place`.
fn check_not_input(job: &Job, in_place: bool) -> anyhow::Result<()> {
    if !in_place && job.input.as_os_str() != "-" && same_file(&job.input, &job.output) {
        bail!(
            "{}: the output would replace the input (give another -o, or --in-place to replace it)",
            job.input.display()
        );
    }
    Ok(())
}

/// Refuse, before any work, an output whose folder does not exist.
fn check_output_folder(output: &Path) -> anyhow::Result<()> {
    if output.as_os_str() == "-" {
        return Ok(());
    }
    match output.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => bail!(
            "{}: the folder {} does not exist",
            output.display(),
            dir.display()
        ),
        _ => Ok(()),
    }
}

/// Refuse an output name whose extension is not a cloud format, or that
/// contradicts `--out-format`.
fn check_output_format(output: &Path, out_format: Option<Format>) -> anyhow::Result<()> {
    if output.as_os_str() == "-" {
        return Ok(());
    }
    let Some(ext) = output.extension() else {
        return Ok(());
    };
    match (Format::from_path(output), out_format) {
        (None, _) => bail!(
            "{}: unknown output extension '.{}' (use {}, or --out-format ply|xyz with another name)",
            output.display(),
            ext.to_string_lossy(),
            io::cloud_extension_list()
        ),
        (Some(found), Some(asked)) if found != asked => bail!(
            "{}: the extension says {found} but --out-format says {asked}",
            output.display()
        ),
        _ => Ok(()),
    }
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
    palette: &Palette,
) -> anyhow::Result<OrientedPrediction> {
    let read = ReadOptions {
        format: args.format,
        columns: args.columns.clone(),
        mesh: super::mesh_out::sampling(args),
    };
    let (mut cloud, _, mesh) = io::read_input(&job.input, &read)?;
    super::mesh_out::check_input(args.mesh_out.as_deref(), &job.input, mesh.as_ref())?;
    let name = pcseg::error::display_path(&job.input);
    if let Some(note) = guessed_layout_note(&name, &cloud, args.columns.is_some() || args.quiet) {
        eprintln!("pcseg: note: {note}");
    }
    let choice = match (args.category, job.hint) {
        (Some(choice), _) => choice,
        (None, Some(category)) => CategoryChoice::Given(category),
        (None, None) => CategoryChoice::Auto,
    };
    let orientation = args.orient.orientation()?;
    let probabilities = args.extras.probabilities;
    let oriented = predict_oriented(
        net,
        &cloud,
        choice,
        orientation,
        options,
        &name,
        probabilities.is_some(),
    )?;
    if let (Some(auto), false) = (&oriented.auto, args.quiet) {
        eprintln!("pcseg: note: {}", auto.note(&name));
    }
    let prediction = &oriented.prediction;
    if let Some(warning) = low_confidence_warning(&name, prediction) {
        eprintln!("pcseg: warning: {warning}");
    }
    // Labels already in the input are kept as source_label (nothing is lost).
    cloud.relabel(prediction.labels.clone());
    if let (Some(which), Some(probs)) = (probabilities, &oriented.probabilities) {
        let all = which == super::args::ProbabilitiesArg::All;
        add_probability_properties(&mut cloud, prediction.category, probs, all);
    }
    let out_format = args
        .out_format
        .or_else(|| Format::from_path(&job.output))
        .or(args.format)
        .or_else(|| Format::from_path(&job.input))
        .unwrap_or(Format::Ply);
    let colours: Vec<[u8; 3]> = match (out_format, args.colors) {
        (Format::Ply | Format::Pcd, ColorsArg::Parts | ColorsArg::Keep) => prediction
            .labels
            .iter()
            .map(|&l| palette.colour(l as usize))
            .collect(),
        _ => Vec::new(),
    };
    let mut write = PlyWriteOptions {
        encoding: if args.ascii {
            PlyEncoding::Ascii
        } else {
            PlyEncoding::BinaryLittleEndian
        },
        colours: None,
    };
    match (out_format, args.colors) {
        (Format::Ply | Format::Pcd, ColorsArg::Parts) => {
            for channel in ["red", "green", "blue"] {
                cloud.move_aside(channel);
            }
            write.colours = Some(&colours);
        }
        (Format::Ply | Format::Pcd, ColorsArg::Keep) => add_part_colours(&mut cloud, &colours),
        _ => {}
    }
    io::write_cloud(&job.output, &cloud, Some(out_format), &write)?;
    if let (Some(path), Some(mesh)) = (&args.mesh_out, &mesh) {
        super::mesh_out::write(path, mesh, &cloud.points, &oriented.prediction.labels)?;
    }
    Ok(oriented)
}

/// One line saying what was assumed when unnamed text columns 4-6 were
/// taken for colours rather than normals (the column-count rule).
fn guessed_layout_note(name: &str, cloud: &PointCloud, named: bool) -> Option<String> {
    let src = cloud.source.as_ref()?;
    if named || src.text_header || src.text_separator.is_none() {
        return None;
    }
    let colours = src
        .columns
        .get(3)
        .is_some_and(|c| c.name == "red" && matches!(c.role, pcseg::cloud::ColumnRole::Extra(_)));
    colours.then(|| {
        format!(
            "{name}: columns 4-6 read as red green blue (integers 0-255, not unit normals); \
             --columns says otherwise"
        )
    })
}

/// Part colours as extra properties `part_red part_green part_blue`.
fn add_part_colours(cloud: &mut PointCloud, colours: &[[u8; 3]]) {
    for (k, channel) in ["red", "green", "blue"].into_iter().enumerate() {
        let name = cloud.free_name(&format!("part_{channel}"));
        cloud.extra.push(ExtraProperty {
            name,
            kind: ScalarKind::U8,
            values: colours.iter().map(|c| c[k] as f64).collect(),
        });
    }
}

/// Confidence below which an automatic category choice is flagged.
const LOW_CONFIDENCE: f32 = 0.6;
/// Margin over the next category below which the choice is flagged.
const LOW_MARGIN: f32 = 0.2;

/// A warning when `--category auto` chose with low confidence or margin:
/// such choices can change with `--seed`.
fn low_confidence_warning(name: &str, p: &Prediction) -> Option<String> {
    let auto = p.auto.as_ref()?;
    let score = auto.scores[p.category.index];
    if score >= LOW_CONFIDENCE && auto.margin >= LOW_MARGIN {
        return None;
    }
    let runner_up = (0..auto.scores.len())
        .filter(|&c| c != p.category.index)
        .max_by(|&a, &b| auto.scores[a].total_cmp(&auto.scores[b]))
        .map_or("?", |c| pcseg::categories::CATEGORIES[c].name);
    Some(format!(
        "{name}: category {} chosen with low confidence {score:.2} (margin {:.2} over {runner_up}); \
         the choice may change with --seed; give --category if you know it",
        p.category.name, auto.margin
    ))
}

/// The `--json` record of one input.
fn json_record(
    job: &Job,
    result: &anyhow::Result<OrientedPrediction>,
    seconds: f64,
    model: &str,
) -> serde_json::Value {
    let mut r = serde_json::json!({
        "input": job.input.display().to_string(),
        "output": job.output.display().to_string(),
        "model": model,
        "seconds": (seconds * 1e4).round() / 1e4,
    });
    match result {
        Ok(o) => {
            r["orientation"] = o.json();
            let p = &o.prediction;
            let parts: serde_json::Map<String, serde_json::Value> = p
                .category
                .parts
                .iter()
                .zip(part_counts(p))
                .map(|(name, count)| (name.to_string(), count.into()))
                .collect();
            r["points"] = p.labels.len().into();
            r["category"] = p.category.name.into();
            r["parts"] = parts.into();
            if let Some(auto) = &p.auto {
                let score = auto.scores[p.category.index];
                r["category_confidence"] = (score as f64).into();
                r["category_margin"] = (auto.margin as f64).into();
                r["low_confidence"] = (score < LOW_CONFIDENCE || auto.margin < LOW_MARGIN).into();
            }
        }
        Err(e) => r["error"] = format!("{e:#}").replace('\n', " ").into(),
    }
    r
}

/// Write the `--json` records, one line each, to `path` (atomically) or stdout.
fn write_json(path: &Path, records: &[serde_json::Value]) -> anyhow::Result<()> {
    let fill = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        for r in records {
            serde_json::to_writer(&mut *w, r)?;
            w.write_all(b"\n")?;
        }
        w.flush()
    };
    if path.as_os_str() == "-" {
        fill(&mut std::io::stdout().lock())
            .with_context(|| "<stdout>: cannot write the JSON records".to_string())?;
    } else {
        io::atomic::write_atomic(path, |w| fill(w))?;
    }
    Ok(())
}

/// Run `pcseg run`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    let options = args.predict.options()?;
    args.orient.orientation()?;
    let palette = args.extras.palette()?;
    let jobs = plan_jobs(&args)?;
    if let Some(json) = &args.json {
        if json.as_os_str() == "-" && jobs.iter().any(|j| j.output.as_os_str() == "-") {
            bail!("--json - and -o - cannot both go to standard output");
        }
        if json.as_os_str() != "-" {
            check_output_folder(json)?;
        }
    }
    let net = args.model.load(args.quiet)?;
    let model = args
        .model
        .model
        .as_ref()
        .map_or("embedded".to_string(), |m| m.display().to_string());
    let timed = |job: &Job| {
        let start = std::time::Instant::now();
        let r = process(&net, job, &args, &options, &palette);
        (r, start.elapsed().as_secs_f64())
    };
    if jobs.len() == 1 {
        let job = &jobs[0];
        let (r, seconds) = timed(job);
        let p = r?;
        if !args.quiet {
            eprintln!(
                "{}",
                summary(&pcseg::error::display_path(&job.input), &p.prediction)
            );
        }
        if let Some(json) = &args.json {
            write_json(json, &[json_record(job, &Ok(p), seconds, &model)])?;
        }
        return Ok(());
    }
    let bar = progress_bar(jobs.len() as u64, args.quiet, "segmenting");
    let results: Vec<(anyhow::Result<OrientedPrediction>, f64)> = jobs
        .par_iter()
        .map(|job| {
            let r = timed(job);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let mut failed = 0;
    for (job, (r, _)) in jobs.iter().zip(&results) {
        let name = job.input.display().to_string();
        match r {
            Ok(p) if !args.quiet => eprintln!("{}", summary_line(&name, &p.prediction)),
            Ok(_) => {}
            Err(e) => {
                failed += 1;
                eprintln!("pcseg: error: {}", format!("{e:#}").replace('\n', " "));
            }
        }
    }
    if let Some(json) = &args.json {
        let records: Vec<serde_json::Value> = jobs
            .iter()
            .zip(&results)
            .map(|(job, (r, seconds))| json_record(job, r, *seconds, &model))
            .collect();
        write_json(json, &records)?;
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

    /// `--json`'s help names every field of a record, `orientation` too.
    #[test]
    fn json_help_lists_every_record_field() {
        use clap::Args as _;
        let cmd = Args::augment_args(clap::Command::new("run"));
        let arg = cmd.get_arguments().find(|a| a.get_id() == "json").unwrap();
        let help = arg.get_help().unwrap().to_string();
        for field in [
            "input",
            "output",
            "points",
            "category",
            "confidence",
            "margin",
            "low-confidence",
            "per-part point counts",
            "orientation",
            "up and front",
            "runner-up",
            "seconds",
            "model",
            "error",
        ] {
            assert!(help.contains(field), "{field}: {help}");
        }
    }

    #[test]
    fn category_names_parse() {
        let category = |name: &str| {
            crate::cli::args::parse::<Args>(&["r", "in.ply", "--category", name])
                .map(|a| a.category)
        };
        assert_eq!(category("AUTO").unwrap(), Some(CategoryChoice::Auto));
        assert_eq!(
            category("Chair").unwrap(),
            Some(CategoryChoice::Given(find_category("chair").unwrap()))
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

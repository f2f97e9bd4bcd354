//! `pcseg render`: draw labelled point clouds (and meshes, sampled) to a
//! PNG, one shape or a gallery grid.

use crate::cli::args::category;
use crate::cli::SomeFailed;
use pcseg::categories::{find_category, Category};
use pcseg::io::{input_extension_list, list_folder, list_input_files, read_cloud};
use pcseg::render::palette::Palette;
use pcseg::render::png_file::encode_png;
use pcseg::render::{render_gallery, write_png, Image, RenderItem, RenderOptions, View};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `pcseg render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Clouds (PLY, XYZ-style text, PCD, ShapeNetPart `_normal` .txt, v0
    /// .pts), meshes, or folders.
    ///
    /// A folder is either a folder of clouds and meshes or a
    /// ShapeNetPart-style dataset folder whose `<synset>/` subfolders hold
    /// `<token>.txt` clouds (or, in the v0 layout,
    /// `<synset>/points/<token>.pts`). Meshes are sampled (2,500 points, seed
    /// 0), coloured by part when labelled (a PLY face `label`, OBJ groups
    /// named after parts, as `pcseg run --mesh-out` writes them).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output PNG file (written atomically), or - for stdout.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Viewing direction: iso, front (along -x), side (along -z), top.
    #[arg(long, default_value = "iso", value_parser = parse_view)]
    pub view: View,
    /// Tile width and height in pixels.
    #[arg(long, default_value_t = 512)]
    pub size: u32,
    /// Columns of the gallery grid [default: about the square root of the
    /// number of shapes].
    #[arg(long)]
    pub grid: Option<usize>,
    /// Category for legends and captions (name or synset) [default: from
    /// the labels, else the synset folder].
    #[arg(long, value_parser = category)]
    pub category: Option<&'static Category>,
    /// Take at most this many shapes from each folder.
    #[arg(long)]
    pub per_folder: Option<usize>,
    /// Take at most this many shapes in all.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Part colours from FILE: lines `PART R G B` (PART a global part id or
    /// Category/part, R G B 0-255 or #rrggbb; # comments), or JSON
    /// {"Chair/leg": [r, g, b], ...}, or the output of `pcseg categories
    /// --json`. Parts it does not name keep their usual colours.
    #[arg(long, value_name = "FILE")]
    pub palette: Option<PathBuf>,
    /// No summary line (errors are still reported).
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_view(s: &str) -> Result<View, String> {
    s.parse()
}

/// The clouds and meshes directly in `dir`, the dataset's category list
/// left out.
fn clouds_in(dir: &Path) -> pcseg::Result<Vec<PathBuf>> {
    let mut files = list_input_files(dir)?;
    files.retain(|p| {
        p.file_name()
            .is_some_and(|n| n != "synsetoffset2category.txt")
    });
    Ok(files)
}

/// The synset category named by a folder, if its name is a synset id.
fn synset_category(dir: &Path) -> Option<&'static Category> {
    let name = dir.file_name()?.to_string_lossy().to_string();
    find_category(&name).filter(|c| c.synset == name)
}

/// Expand inputs into `(file, category hint)` in order: files as given,
/// folders' own clouds, then the clouds of their synset subfolders.
fn collect_inputs(
    inputs: &[PathBuf],
    per_folder: Option<usize>,
) -> anyhow::Result<Vec<(PathBuf, Option<&'static Category>)>> {
    let cap = per_folder.unwrap_or(usize::MAX);
    let mut files = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            let hint = input.parent().and_then(synset_category);
            files.push((input.clone(), hint));
            continue;
        }
        let before = files.len();
        let own = clouds_in(input)?.into_iter().take(cap);
        files.extend(own.map(|p| (p, synset_category(input))));
        for sub in list_folder(input)?.iter().filter(|p| p.is_dir()) {
            if let Some(cat) = synset_category(sub) {
                // `_normal` layout: <synset>/*.txt; v0 layout: <synset>/points/*.pts.
                let v0 = sub.join("points");
                let dir = if v0.is_dir() { v0 } else { sub.clone() };
                let clouds = clouds_in(&dir)?.into_iter().take(cap);
                files.extend(clouds.map(|p| (p, Some(cat))));
            }
        }
        if files.len() == before {
            anyhow::bail!(
                "{}: no clouds or meshes ({}) in the folder or its <synset>/ subfolders",
                input.display(),
                input_extension_list()
            );
        }
    }
    Ok(files)
}

/// Whether `output` means stdout (`-o -`).
fn is_stdout(output: &Path) -> bool {
    output.as_os_str() == "-"
}

/// Refuse an output that is not named `*.png` (any case) or `-`: render
/// writes PNG only, and a `.jpg` or `.ply` name would lie about the content.
fn check_output_name(output: &Path) -> anyhow::Result<()> {
    let png = output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !png && !is_stdout(output) {
        anyhow::bail!(
            "{}: render writes PNG only; name the output *.png, or - for stdout",
            output.display()
        );
    }
    Ok(())
}

/// The identity of an existing file: device and inode on Unix, so links
/// and other spellings of one file compare equal; the canonical path
/// elsewhere. `None` when `path` does not exist.
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Refuse an output that is one of the input files (under any name).
fn check_output_is_not_an_input(
    output: &Path,
    files: &[(PathBuf, Option<&'static Category>)],
) -> anyhow::Result<()> {
    if is_stdout(output) {
        return Ok(());
    }
    let Some(out) = file_id(output) else {
        return Ok(());
    };
    if let Some((input, _)) = files
        .iter()
        .find(|(p, _)| file_id(p).as_ref() == Some(&out))
    {
        anyhow::bail!(
            "{}: the output is an input ({}); render will not overwrite it",
            output.display(),
            input.display()
        );
    }
    Ok(())
}

/// Write the PNG to `output`: atomically to a file, or whole to stdout.
fn write_output(image: &Image, output: &Path) -> anyhow::Result<()> {
    if !is_stdout(output) {
        return Ok(write_png(image, output)?);
    }
    let stdout_err = |source: std::io::Error| pcseg::error::Error::Io {
        path: "<stdout>".into(),
        source,
    };
    let mut bytes = Vec::new();
    encode_png(image, &mut bytes).map_err(|e| stdout_err(std::io::Error::other(e)))?;
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes).map_err(stdout_err)?;
    out.flush().map_err(stdout_err)?;
    Ok(())
}

/// Run `pcseg render`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    let palette = match &args.palette {
        Some(path) => Palette::read(path)?,
        None => Palette::default(),
    };
    let opts = RenderOptions {
        view: args.view,
        size: args.size,
        category: args.category,
        palette,
    };
    opts.validate()?;
    if args.grid == Some(0) {
        anyhow::bail!("--grid must be at least 1");
    }
    let mut files = collect_inputs(&args.inputs, args.per_folder)?;
    check_output_is_not_an_input(&args.output, &files)?;
    check_output_name(&args.output)?;
    files.truncate(args.limit.unwrap_or(usize::MAX));
    if files.is_empty() {
        anyhow::bail!("nothing to render");
    }
    // Reading is independent per file; results keep input order.
    let mut read: Vec<_> = files
        .par_iter()
        .map(|(path, hint)| {
            read_cloud(path, None).map(|cloud| RenderItem {
                cloud,
                name: path
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default(),
                category: *hint,
            })
        })
        .collect();
    let total = read.len();
    // One input: its error is the whole story, on one line.
    if let [Err(_)] = read.as_slice() {
        if let Some(Err(e)) = read.pop() {
            return Err(e.into());
        }
    }
    let mut items = Vec::with_capacity(total);
    for r in read {
        match r {
            Ok(item) => items.push(item),
            Err(e) => {
                crate::cli::report_error(&e.into());
            }
        }
    }
    let failed = total - items.len();
    if items.is_empty() {
        return Err(SomeFailed { failed, total }.into());
    }
    let cols = args
        .grid
        .unwrap_or_else(|| (items.len() as f64).sqrt().ceil() as usize);
    let image = render_gallery(&items, cols.min(items.len()), &opts)?;
    write_output(&image, &args.output)?;
    let summary = format!(
        "{}: {} x {} px, {} shape{}, view {}",
        if is_stdout(&args.output) {
            "<stdout>".to_string()
        } else {
            args.output.display().to_string()
        },
        image.width,
        image.height,
        items.len(),
        if items.len() == 1 { "" } else { "s" },
        args.view
    );
    // With the image on stdout, the summary goes to stderr.
    if !args.quiet {
        if is_stdout(&args.output) {
            eprintln!("{summary}");
        } else {
            println!("{summary}");
        }
    }
    if failed > 0 {
        return Err(SomeFailed { failed, total }.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use pcseg::render::view::VIEW_NAMES;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn flags_parse_with_defaults() {
        let c = Cmd::try_parse_from(["r", "a.txt", "b.txt", "-o", "x.png"]).unwrap();
        assert_eq!(c.args.inputs.len(), 2);
        assert_eq!(c.args.view, View::Iso);
        assert_eq!(c.args.size, 512);
        assert!(c.args.grid.is_none());
        let c = Cmd::try_parse_from(["r", "a", "-o", "x", "--view", "top", "--grid", "3"]).unwrap();
        assert_eq!((c.args.view, c.args.grid), (View::Top, Some(3)));
        let e = Cmd::try_parse_from(["r", "a", "-o", "x", "--view", "below"])
            .err()
            .unwrap();
        assert!(e.to_string().contains(VIEW_NAMES.join(", ").as_str()));
        assert!(Cmd::try_parse_from(["r", "-o", "x"]).is_err());
    }
}

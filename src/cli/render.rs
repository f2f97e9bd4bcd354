//! `pcseg render`: draw labelled point clouds to a PNG, one shape or a
//! gallery grid.

use crate::cli::args::category;
use crate::cli::SomeFailed;
use pcseg::categories::{find_category, Category};
use pcseg::io::{cloud_extension_list, list_cloud_files, list_folder, read_cloud};
use pcseg::render::{render_gallery, write_png, RenderItem, RenderOptions, View};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Arguments of `pcseg render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Clouds (PLY, XYZ-style text, ShapeNetPart `_normal` .txt, v0 .pts) or
    /// folders.
    ///
    /// A folder is either a folder of clouds or a ShapeNetPart-style dataset
    /// folder whose `<synset>/` subfolders hold `<token>.txt` clouds (or, in
    /// the v0 layout, `<synset>/points/<token>.pts`).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output PNG file (written atomically).
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
}

fn parse_view(s: &str) -> Result<View, String> {
    s.parse()
}

/// The clouds directly in `dir`, the dataset's category list left out.
fn clouds_in(dir: &Path) -> pcseg::Result<Vec<PathBuf>> {
    let mut files = list_cloud_files(dir)?;
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
                "{}: no clouds ({}) in the folder or its <synset>/ subfolders",
                input.display(),
                cloud_extension_list()
            );
        }
    }
    Ok(files)
}

/// Run `pcseg render`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    let opts = RenderOptions {
        view: args.view,
        size: args.size,
        category: args.category,
    };
    opts.validate()?;
    if args.grid == Some(0) {
        anyhow::bail!("--grid must be at least 1");
    }
    let mut files = collect_inputs(&args.inputs, args.per_folder)?;
    files.truncate(args.limit.unwrap_or(usize::MAX));
    if files.is_empty() {
        anyhow::bail!("nothing to render");
    }
    // Reading is independent per file; results keep input order.
    let read: Vec<_> = files
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
    write_png(&image, &args.output)?;
    println!(
        "{}: {} x {} px, {} shape{}, view {}",
        args.output.display(),
        image.width,
        image.height,
        items.len(),
        if items.len() == 1 { "" } else { "s" },
        args.view
    );
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

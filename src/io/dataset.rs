//! The ShapeNetPart dataset as published, in either official layout:
//!
//! - `_normal` (PointNet++): `<root>/<synset>/<token>.txt`, 7 columns.
//! - v0: `<root>/<synset>/points/<token>.pts` + `points_label/<token>.seg`.
//!
//! Both have `synsetoffset2category.txt` (matched against
//! [`crate::categories::CATEGORIES`]) and the split lists
//! `train_test_split/shuffled_{train,val,test}_file_list.json` with entries
//! `shape_data/<synset>/<token>`. A shape that a list names but that is not on
//! disk is skipped and reported in [`ShapeList::missing`] (never silently).
//!
//! ```no_run
//! use pcseg::io::dataset::{Dataset, Split};
//! let ds = Dataset::open("shapenetcore_partanno_segmentation_benchmark_v0_normal".as_ref())?;
//! let test = ds.load_split(Split::Test, &[], None)?;
//! for w in &test.warnings {
//!     eprintln!("warning: {w}");
//! }
//! println!("{} shapes", test.clouds.len());
//! # Ok::<(), pcseg::Error>(())
//! ```

use crate::categories::{find_category, Category};
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use crate::io::{read_input, shapenet_v0, validate_cloud, ReadOptions, SampledMesh};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Name of the category file at the dataset root.
pub const CATEGORY_FILE: &str = "synsetoffset2category.txt";
/// Folder of the split lists.
pub const SPLIT_DIR: &str = "train_test_split";

/// Which official layout a dataset root uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `<synset>/<token>.txt` with `x y z nx ny nz label`.
    Normal,
    /// `<synset>/points/<token>.pts` + `<synset>/points_label/<token>.seg`.
    V0,
}

/// A dataset split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The official training list.
    Train,
    /// The official validation list.
    Val,
    /// The official test list.
    Test,
    /// Train and val together (what published models train on).
    TrainVal,
    /// Every listed shape; without split lists, every shape on disk.
    All,
}

impl Split {
    /// The official lists this split is made of.
    fn lists(self) -> &'static [&'static str] {
        match self {
            Split::Train => &["train"],
            Split::Val => &["val"],
            Split::Test => &["test"],
            Split::TrainVal => &["train", "val"],
            Split::All => &["train", "val", "test"],
        }
    }

    /// Lower-case name (`train`, `val`, `test`, `trainval`, `all`).
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
            Split::TrainVal => "trainval",
            Split::All => "all",
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Split {
    type Err = Error;
    fn from_str(s: &str) -> Result<Split> {
        match s.to_ascii_lowercase().as_str() {
            "train" => Ok(Split::Train),
            "val" => Ok(Split::Val),
            "test" => Ok(Split::Test),
            "trainval" => Ok(Split::TrainVal),
            "all" => Ok(Split::All),
            _ => Err(Error::usage(format!(
                "unknown split '{s}' (expected train, val, test, trainval or all)"
            ))),
        }
    }
}

/// One shape of a dataset, not yet loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeRef {
    /// Synset id of its category.
    pub synset: String,
    /// Shape token (file stem).
    pub token: String,
    /// Its category.
    pub category: &'static Category,
    /// The point file (`.txt`, `.pts` of a v0 pair, or a user's PLY/XYZ file).
    pub path: PathBuf,
}

impl ShapeRef {
    /// `synset/token`, as in the split lists.
    pub fn name(&self) -> String {
        format!("{}/{}", self.synset, self.token)
    }
}

/// Shapes selected from a dataset, and the listed ones not found on disk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShapeList {
    /// Shapes present on disk, in list order.
    pub shapes: Vec<ShapeRef>,
    /// `synset/token` of listed shapes missing on disk.
    pub missing: Vec<String>,
    /// Other notes for the user (files skipped, ...).
    pub notes: Vec<String>,
}

impl ShapeList {
    /// Keep only shapes of `categories` (all when empty), then the first
    /// `limit` shapes. Missing shapes of other categories are dropped too.
    pub fn filter(mut self, categories: &[&Category], limit: Option<usize>) -> ShapeList {
        if !categories.is_empty() {
            let keep = |idx: usize| categories.iter().any(|c| c.index == idx);
            self.shapes.retain(|s| keep(s.category.index));
            self.missing.retain(|m| {
                m.split('/')
                    .next()
                    .and_then(find_category)
                    .is_some_and(|c| keep(c.index))
            });
        }
        if let Some(n) = limit {
            self.shapes.truncate(n);
        }
        self
    }

    /// Warnings to print: the missing shapes (count and the first few names)
    /// and any notes.
    pub fn warnings(&self, what: &str) -> Vec<String> {
        let mut out = Vec::new();
        if !self.missing.is_empty() {
            let first: Vec<&str> = self.missing.iter().take(3).map(|s| s.as_str()).collect();
            out.push(format!(
                "{what}: {} of {} listed shapes are missing on disk and were skipped (first: {}{})",
                self.missing.len(),
                self.missing.len() + self.shapes.len(),
                first.join(", "),
                if self.missing.len() > 3 { ", ..." } else { "" }
            ));
        }
        out.extend(self.notes.iter().map(|n| format!("{what}: {n}")));
        out
    }
}

/// Loaded shapes: `clouds[i]` belongs to `shapes[i]`.
#[derive(Debug, Clone, Default)]
pub struct LoadedSplit {
    /// The shapes, in list order.
    pub shapes: Vec<ShapeRef>,
    /// Their point clouds, labelled with global part ids.
    pub clouds: Vec<PointCloud>,
    /// Warnings to show the user (missing or skipped shapes).
    pub warnings: Vec<String>,
}

/// An opened ShapeNetPart root.
#[derive(Debug, Clone)]
pub struct Dataset {
    root: PathBuf,
    layout: Layout,
    categories: Vec<&'static Category>,
    has_splits: bool,
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// Parse `synsetoffset2category.txt`: `Name<TAB>synset` a line.
pub fn parse_category_file(text: &str, path: &Path) -> Result<Vec<&'static Category>> {
    let mut out: Vec<&'static Category> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = Some(i as u64 + 1);
        let mut fields = line.split_whitespace();
        let (Some(name), Some(synset), None) = (fields.next(), fields.next(), fields.next()) else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(Error::data(
                path,
                line_no,
                format!("expected 'Name synset', got '{}'", line.trim()),
            ));
        };
        let cat = find_category(synset)
            .filter(|c| c.synset == synset)
            .ok_or_else(|| {
                Error::data(
                    path,
                    line_no,
                    format!("unknown synset {synset} ({name}) is not a ShapeNetPart category"),
                )
            })?;
        if !cat.name.eq_ignore_ascii_case(name) {
            return Err(Error::data(
                path,
                line_no,
                format!(
                    "synset {synset} is {} in ShapeNetPart, not {name}",
                    cat.name
                ),
            ));
        }
        if out.iter().any(|c| c.index == cat.index) {
            return Err(Error::data(
                path,
                line_no,
                format!("{} listed twice", cat.name),
            ));
        }
        out.push(cat);
    }
    if out.is_empty() {
        return Err(Error::data(path, None, "no categories"));
    }
    Ok(out)
}

/// Parse one split list: a JSON array of `shape_data/<synset>/<token>`.
pub fn parse_split_list(text: &str, path: &Path) -> Result<Vec<(&'static Category, String)>> {
    let entries: Vec<String> = serde_json::from_str(text).map_err(|e| {
        Error::data(
            path,
            Some(e.line() as u64),
            format!("not a JSON list of strings: {e}"),
        )
    })?;
    entries
        .iter()
        .map(|entry| {
            let mut parts = entry.rsplit('/');
            let (Some(token), Some(synset)) = (parts.next(), parts.next()) else {
                return Err(Error::data(
                    path,
                    None,
                    format!("entry '{entry}' is not shape_data/<synset>/<token>"),
                ));
            };
            let cat = find_category(synset)
                .filter(|c| c.synset == synset)
                .ok_or_else(|| {
                    Error::data(
                        path,
                        None,
                        format!("entry '{entry}': unknown synset {synset}"),
                    )
                })?;
            if token.is_empty() || token.contains(['\\', '.']) {
                return Err(Error::data(
                    path,
                    None,
                    format!("entry '{entry}': bad token"),
                ));
            }
            Ok((cat, token.to_string()))
        })
        .collect()
}

impl Dataset {
    /// Whether `root` looks like a ShapeNetPart root (has the category file).
    pub fn is_root(root: &Path) -> bool {
        root.join(CATEGORY_FILE).is_file()
    }

    /// Open a ShapeNetPart root, detecting its layout.
    pub fn open(root: &Path) -> Result<Dataset> {
        let cat_path = root.join(CATEGORY_FILE);
        if !cat_path.is_file() {
            return Err(Error::data(
                root,
                None,
                format!("not a ShapeNetPart root (no {CATEGORY_FILE})"),
            ));
        }
        let categories = parse_category_file(&read_text(&cat_path)?, &cat_path)?;
        let mut layout = None;
        for c in &categories {
            let dir = root.join(c.synset);
            if dir.join("points").is_dir() {
                layout = Some(Layout::V0);
                break;
            }
            if dir.is_dir() {
                layout = Some(Layout::Normal);
                break;
            }
        }
        let layout = layout.ok_or_else(|| {
            Error::data(
                root,
                None,
                "no category folders (<synset>/) next to synsetoffset2category.txt",
            )
        })?;
        Ok(Dataset {
            root: root.to_path_buf(),
            layout,
            categories,
            has_splits: root.join(SPLIT_DIR).is_dir(),
        })
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The detected layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Categories of `synsetoffset2category.txt`, in file order.
    pub fn categories(&self) -> &[&'static Category] {
        &self.categories
    }

    /// Whether the root has the official split lists.
    pub fn has_splits(&self) -> bool {
        self.has_splits
    }

    /// Where the points of `token` of `category` live in this layout.
    pub fn shape_path(&self, category: &Category, token: &str) -> PathBuf {
        let dir = self.root.join(category.synset);
        match self.layout {
            Layout::Normal => dir.join(format!("{token}.txt")),
            Layout::V0 => dir.join("points").join(format!("{token}.pts")),
        }
    }

    fn present(&self, path: &Path) -> bool {
        match self.layout {
            Layout::Normal => path.is_file(),
            Layout::V0 => {
                path.is_file() && shapenet_v0::v0_pair_for(path).is_some_and(|(s, _)| s.is_file())
            }
        }
    }

    fn shape_ref(&self, category: &'static Category, token: String) -> ShapeRef {
        ShapeRef {
            synset: category.synset.to_string(),
            path: self.shape_path(category, &token),
            token,
            category,
        }
    }

    /// The shapes of `split`, in list order, without duplicates (35 tokens
    /// appear in two official lists). Listed shapes missing on disk go to
    /// [`ShapeList::missing`]. Without split lists only [`Split::All`] works,
    /// and it lists every shape on disk.
    pub fn shapes(&self, split: Split) -> Result<ShapeList> {
        if !self.has_splits {
            if split != Split::All {
                return Err(Error::data(
                    &self.root,
                    None,
                    format!("no {SPLIT_DIR}/ split lists here; only the 'all' split is available"),
                ));
            }
            return self.shapes_on_disk();
        }
        let mut seen = HashSet::new();
        let mut list = ShapeList::default();
        for name in split.lists() {
            let path = self
                .root
                .join(SPLIT_DIR)
                .join(format!("shuffled_{name}_file_list.json"));
            for (cat, token) in parse_split_list(&read_text(&path)?, &path)? {
                if !seen.insert((cat.index, token.clone())) {
                    continue;
                }
                let shape = self.shape_ref(cat, token);
                if self.present(&shape.path) {
                    list.shapes.push(shape);
                } else {
                    list.missing.push(shape.name());
                }
            }
        }
        Ok(list)
    }

    fn shapes_on_disk(&self) -> Result<ShapeList> {
        let mut list = ShapeList::default();
        let (sub, ext) = match self.layout {
            Layout::Normal => ("", "txt"),
            Layout::V0 => ("points", "pts"),
        };
        for &cat in &self.categories {
            let dir = self.root.join(cat.synset).join(sub);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut tokens = Vec::new();
            for entry in entries {
                let path = entry.map_err(|e| Error::io(&dir, e))?.path();
                if path.extension().is_some_and(|e| e == ext) {
                    if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                        tokens.push(stem.to_string());
                    }
                }
            }
            tokens.sort();
            for token in tokens {
                let shape = self.shape_ref(cat, token);
                if self.present(&shape.path) {
                    list.shapes.push(shape);
                } else {
                    list.missing.push(shape.name());
                }
            }
        }
        Ok(list)
    }

    /// Load the shapes of `split` (only `categories` when not empty, at most
    /// `limit`) in parallel. The warnings report shapes listed but missing.
    pub fn load_split(
        &self,
        split: Split,
        categories: &[&Category],
        limit: Option<usize>,
    ) -> Result<LoadedSplit> {
        let list = self.shapes(split)?.filter(categories, limit);
        let warnings = list.warnings(&format!("{} ({split})", self.root.display()));
        let clouds = load_shapes(&list.shapes)?;
        Ok(LoadedSplit {
            shapes: list.shapes,
            clouds,
            warnings,
        })
    }
}

/// Load one shape: its points with global part labels, checked against its
/// category (labels required, all inside the category's parts). A labelled
/// mesh is sampled the default way ([`MeshSampling`](crate::io::MeshSampling): 2,500 points, seed 0,
/// the same points every time), each point labelled by its triangle.
pub fn load_shape(shape: &ShapeRef) -> Result<PointCloud> {
    load_shape_with_mesh(shape).map(|(cloud, _)| cloud)
}

/// [`load_shape`], also returning the mesh (and the triangle of each point)
/// when the shape is a mesh.
pub fn load_shape_with_mesh(shape: &ShapeRef) -> Result<(PointCloud, Option<SampledMesh>)> {
    let is_pts = shape
        .path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pts"));
    let (cloud, mesh) = match shapenet_v0::v0_pair_for(&shape.path) {
        Some((seg, _)) if is_pts && seg.is_file() => (
            shapenet_v0::read_v0_pair(&shape.path, &seg, shape.category)?,
            None,
        ),
        _ => {
            let (cloud, _, mesh) = read_input(&shape.path, &ReadOptions::default())?;
            (cloud, mesh)
        }
    };
    if cloud.labels.is_none() {
        let what = match mesh {
            Some(_) => "no labels (a mesh is labelled by a PLY face 'label' property or OBJ groups named after parts, as pcseg run --mesh-out writes them)",
            None => "no labels",
        };
        return Err(Error::data(&shape.path, None, what));
    }
    validate_cloud(&cloud, &shape.path, Some(shape.category))?;
    Ok((cloud, mesh))
}

/// Load shapes in parallel (rayon), keeping their order. Each shape is read
/// into its own cloud, so the workers share nothing. Fails with the first
/// failing shape in list order.
pub fn load_shapes(shapes: &[ShapeRef]) -> Result<Vec<PointCloud>> {
    shapes.par_iter().map(load_shape).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_file_is_matched_against_the_table() {
        let p = Path::new("s.txt");
        let cats = parse_category_file("Table\t04379243\nskateboard 04225987\n", p).unwrap();
        assert_eq!(cats.iter().map(|c| c.index).collect::<Vec<_>>(), [15, 14]);
        let e = parse_category_file("Sofa\t04256520\n", p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.txt: line 1: unknown synset 04256520 (Sofa) is not a ShapeNetPart category"
        );
        let e = parse_category_file("Chair\t04379243\n", p).unwrap_err();
        assert!(e
            .to_string()
            .contains("is Table in ShapeNetPart, not Chair"));
        assert!(parse_category_file("Table 04379243 x\n", p).is_err());
        assert!(parse_category_file("\n", p).is_err());
    }

    #[test]
    fn split_lists_parse_and_reject_junk() {
        let p = Path::new("l.json");
        let v = parse_split_list(
            r#"["shape_data/03001627/abc", "shape_data/04379243/def"]"#,
            p,
        )
        .unwrap();
        assert_eq!(v[0].0.name, "Chair");
        assert_eq!(v[1].1, "def");
        assert!(parse_split_list(r#"["shape_data/99999999/abc"]"#, p).is_err());
        assert!(parse_split_list(r#"["abc"]"#, p).is_err());
        assert!(parse_split_list(r#"["shape_data/03001627/../x"]"#, p).is_err());
        assert!(parse_split_list("{", p).is_err());
    }

    #[test]
    fn splits_parse() {
        assert_eq!("TrainVal".parse::<Split>().unwrap(), Split::TrainVal);
        assert!("dev".parse::<Split>().is_err());
        assert_eq!(Split::Test.to_string(), "test");
    }
}

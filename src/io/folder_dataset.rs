//! A plain folder of labelled files used as a dataset (for `eval` and
//! `train` on users' data): point clouds (PLY, XYZ-style text, PCD) and
//! labelled meshes (a PLY face `label`, OBJ groups named after parts, as
//! `pcseg run --mesh-out` writes them), which are sampled into 2,500
//! labelled points the same way every time (see
//! [`load_shape`](crate::io::dataset::load_shape)).
//!
//! Files directly in the root and in its immediate subfolders are used. The
//! category of a file is the one given explicitly, or else the name of its
//! folder (category name, case-insensitive, or synset id):
//!
//! ```text
//! mine/chair/a.ply     -> Chair
//! mine/04379243/b.xyz  -> Table
//! ```
//!
//! Labels must be global part ids of that category.

use crate::categories::{category_names, find_category, Category};
use crate::error::{Error, Result};
use crate::io::dataset::{load_shapes, LoadedSplit, ShapeList, ShapeRef};
use crate::io::{input_extension_list, is_input_file, list_folder};
use std::path::{Path, PathBuf};

/// A folder of labelled point cloud and mesh files.
#[derive(Debug, Clone)]
pub struct FolderDataset {
    root: PathBuf,
    list: ShapeList,
}

fn folder_category(dir: &Path) -> Option<&'static Category> {
    find_category(dir.file_name()?.to_str()?)
}

impl FolderDataset {
    /// Scan `root`. With `category`, every file belongs to it; otherwise each
    /// file's folder names its category, and a file whose folder does not is
    /// an error naming it.
    pub fn open(root: &Path, category: Option<&'static Category>) -> Result<FolderDataset> {
        if !root.is_dir() {
            return Err(Error::data(root, None, "not a folder"));
        }
        let mut list = ShapeList::default();
        let mut skipped = 0usize;
        let mut visit = |dir: &Path, list: &mut ShapeList| -> Result<Vec<PathBuf>> {
            let mut subdirs = Vec::new();
            for path in list_folder(dir)? {
                if path.is_dir() {
                    subdirs.push(path);
                    continue;
                }
                if !is_input_file(&path) {
                    skipped += 1;
                    continue;
                }
                let cat = category.or_else(|| folder_category(dir)).ok_or_else(|| {
                    Error::data(
                        &path,
                        None,
                        format!(
                            "cannot tell the category: put the file in a folder named after it ({}) or give the category",
                            category_names()
                        ),
                    )
                })?;
                let token = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                list.shapes.push(ShapeRef {
                    synset: cat.synset.to_string(),
                    token,
                    category: cat,
                    path,
                });
            }
            Ok(subdirs)
        };
        let subdirs = visit(root, &mut list)?;
        for d in subdirs {
            visit(&d, &mut list)?;
        }
        if skipped > 0 {
            list.notes.push(format!(
                "{skipped} files without a point cloud or mesh extension ({}) were skipped",
                input_extension_list()
            ));
        }
        if list.shapes.is_empty() {
            return Err(Error::data(
                root,
                None,
                format!(
                    "no point cloud or mesh files ({}) here or in its subfolders",
                    input_extension_list()
                ),
            ));
        }
        Ok(FolderDataset {
            root: root.to_path_buf(),
            list,
        })
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// All shapes found, sorted by path.
    pub fn shapes(&self) -> &ShapeList {
        &self.list
    }

    /// Load the shapes (only `categories` when not empty, at most `limit`)
    /// in parallel.
    pub fn load(&self, categories: &[&Category], limit: Option<usize>) -> Result<LoadedSplit> {
        let list = self.list.clone().filter(categories, limit);
        let warnings = list.warnings(&self.root.display().to_string());
        let clouds = load_shapes(&list.shapes)?;
        Ok(LoadedSplit {
            shapes: list.shapes,
            clouds,
            warnings,
        })
    }
}

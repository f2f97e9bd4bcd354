//! Point cloud and dataset I/O.
//!
//! - [`ply`]: PLY (ascii, binary little/big-endian), extra properties kept.
//! - [`xyz`]: XYZ-style text (`.xyz .txt .pts .csv`), 3/4/6/7 columns.
//! - [`shapenet_v0`]: ShapeNetPart v0 `.pts` + `.seg` pairs.
//! - [`dataset`], [`folder_dataset`]: whole datasets, split lists, parallel loading.
//! - [`atomic`]: outputs appear only when completely written.
//!
//! [`read_cloud`] and [`write_cloud`] choose the format from the extension
//! (overridable); `-` means stdin / stdout.
//!
//! ```
//! use pcseg::io::{read_cloud, write_cloud, Format, PlyWriteOptions};
//! use pcseg::PointCloud;
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("cloud.ply");
//! let mut cloud = PointCloud::from_points(vec![[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]);
//! cloud.labels = Some(vec![47, 48]);
//! write_cloud(&path, &cloud, None, &PlyWriteOptions::default()).unwrap();
//! assert_eq!(read_cloud(&path, None).unwrap(), cloud);
//! ```

pub mod atomic;
pub mod columns;
pub mod dataset;
pub mod folder_dataset;
pub mod mesh;
pub mod numparse;
pub mod ply;
pub mod shapenet_v0;
pub mod text_named;
pub mod validate;
pub mod xyz;

pub use ply::{PlyEncoding, PlyWriteOptions};
pub use validate::validate_cloud;
pub use xyz::XyzLayout;

use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Extensions (lower case, compared case-insensitively) of the point cloud
/// files pcseg reads: `ply` is [`Format::Ply`], the others are XYZ-style text
/// ([`Format::Xyz`]). Folder inputs and [`list_cloud_files`] take the files
/// with these extensions.
pub const CLOUD_EXTENSIONS: [&str; 5] = ["ply", "xyz", "txt", "pts", "csv"];

/// [`CLOUD_EXTENSIONS`] for messages: `.ply .xyz .txt .pts .csv`.
pub fn cloud_extension_list() -> String {
    CLOUD_EXTENSIONS.map(|e| format!(".{e}")).join(" ")
}

/// The entries of the folder `dir` (files and folders), sorted by path, with
/// hidden ones (names starting with `.`) left out. Not recursive.
pub fn list_folder(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if !hidden {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The point cloud files directly in the folder `dir`: files whose extension
/// is one of [`CLOUD_EXTENSIONS`], sorted by path, hidden ones left out.
pub fn list_cloud_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = list_folder(dir)?;
    files.retain(|p| Format::from_path(p).is_some() && p.is_file());
    Ok(files)
}

/// A point cloud file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PLY, any encoding.
    Ply,
    /// XYZ-style text (`.xyz .txt .pts .csv`).
    Xyz,
}

impl Format {
    /// The format implied by a file extension (case-insensitive), if any.
    ///
    /// ```
    /// use pcseg::io::Format;
    /// assert_eq!(Format::from_path("a/b.PLY".as_ref()), Some(Format::Ply));
    /// assert_eq!(Format::from_path("scan.csv".as_ref()), Some(Format::Xyz));
    /// assert_eq!(Format::from_path("model.bin".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "ply" => Some(Format::Ply),
            e if CLOUD_EXTENSIONS.contains(&e) => Some(Format::Xyz),
            _ => None,
        }
    }

    /// Lower-case name (`ply`, `xyz`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Ply => "ply",
            Format::Xyz => "xyz",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "ply" => Ok(Format::Ply),
            "xyz" | "txt" | "pts" | "csv" | "text" => Ok(Format::Xyz),
            _ => Err(Error::usage(format!(
                "unknown format '{s}' (expected ply or xyz)"
            ))),
        }
    }
}

/// What a reader found besides the points (for `pcseg info`).
#[derive(Debug, Clone, PartialEq)]
pub enum SourceInfo {
    /// A PLY file and its header.
    Ply(ply::PlyHeader),
    /// XYZ-style text and its column layout.
    Xyz(XyzLayout),
    /// A ShapeNetPart v0 `.pts` + `.seg` pair.
    V0Pair,
}

impl SourceInfo {
    /// The file format.
    pub fn format(&self) -> Format {
        match self {
            SourceInfo::Ply(_) => Format::Ply,
            SourceInfo::Xyz(_) | SourceInfo::V0Pair => Format::Xyz,
        }
    }
}

fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn starts_with_ply_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(b"ply\n") || bytes.starts_with(b"ply\r\n")
}

/// Read a point cloud from `path` (`-` = stdin) in `format`, or in the format
/// implied by the extension when `None` (a PLY file or stdin is also
/// recognised by its `ply` first line). A `.pts` file inside a ShapeNetPart v0
/// `<synset>/points/` folder gets its labels from `../points_label/<token>.seg`.
///
/// The cloud is checked with [`validate_cloud`] (no points, non-finite values).
pub fn read_cloud(path: &Path, format: Option<Format>) -> Result<PointCloud> {
    read_cloud_with_info(path, format).map(|(c, _)| c)
}

/// How to read a cloud file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// The format; `None` for the extension's (or the `ply` magic).
    pub format: Option<Format>,
    /// Text input: the column names (`--columns x,y,z,r,g,b`), overriding a
    /// header line and the column-count rule.
    pub columns: Option<Vec<String>>,
}

/// Like [`read_cloud`], also returning what was found about the source.
pub fn read_cloud_with_info(
    path: &Path,
    format: Option<Format>,
) -> Result<(PointCloud, SourceInfo)> {
    read_cloud_with(
        path,
        &ReadOptions {
            format,
            columns: None,
        },
    )
}

/// [`read_cloud_with_info`] with all the reading options.
pub fn read_cloud_with(path: &Path, options: &ReadOptions) -> Result<(PointCloud, SourceInfo)> {
    let format = options.format;
    let columns = options.columns.as_deref();
    let (cloud, info) = if is_stdio(path) {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        let format = match format {
            Some(f) => f,
            None if starts_with_ply_magic(&bytes) => Format::Ply,
            None => {
                return Err(Error::usage(
                    "<stdin>: not PLY; use --format ply or --format xyz to read standard input",
                ))
            }
        };
        read_from(&bytes[..], path, format, columns)?
    } else {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let format = match format.or_else(|| Format::from_path(path)) {
            Some(f) => f,
            None => {
                let head =
                    std::io::BufRead::fill_buf(&mut reader).map_err(|e| Error::io(path, e))?;
                if starts_with_ply_magic(head) {
                    Format::Ply
                } else {
                    return Err(Error::data(
                        path,
                        None,
                        "unknown point cloud format (use .ply, .xyz, .txt, .pts or .csv, or give the format)",
                    ));
                }
            }
        };
        let is_pts = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pts"));
        match shapenet_v0::v0_pair_for(path) {
            Some((seg, category)) if format == Format::Xyz && is_pts && seg.is_file() => {
                drop(reader);
                let cloud = shapenet_v0::read_v0_pair(path, &seg, category)?;
                (cloud, SourceInfo::V0Pair)
            }
            _ => read_from(reader, path, format, columns)?,
        }
    };
    validate_cloud(&cloud, path, None)?;
    Ok((cloud, info))
}

fn read_from<R: std::io::BufRead>(
    mut reader: R,
    path: &Path,
    format: Format,
    columns: Option<&[String]>,
) -> Result<(PointCloud, SourceInfo)> {
    if format == Format::Ply && columns.is_some() {
        return Err(Error::usage(format!(
            "{}: --columns names text columns; a PLY file names its own properties",
            crate::error::display_path(path)
        )));
    }
    Ok(match format {
        Format::Xyz if columns.is_some() => {
            let mut bytes = Vec::new();
            reader
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io(path, e))?;
            let (c, l) = xyz::read_text_with(&bytes, path, columns)?;
            (c, SourceInfo::Xyz(l))
        }
        Format::Ply => {
            let (c, h) = ply::read_ply_with_header(reader, path)?;
            (c, SourceInfo::Ply(h))
        }
        Format::Xyz => {
            let (c, l) = xyz::read_xyz_layout(reader, path)?;
            (c, SourceInfo::Xyz(l))
        }
    })
}

/// The separator text output to `path` takes from its extension: a comma
/// for `.csv`, a space for the other text extensions, and for standard
/// output (or no extension) `None`: the source's, else a space.
fn text_separator(path: &Path) -> Option<u8> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Some(b','),
        _ if CLOUD_EXTENSIONS.contains(&ext.as_str()) => Some(b' '),
        _ => None,
    }
}

/// Write `cloud` to `path` (`-` = stdout) in `format`, or in the format of the
/// extension when `None`. Files are written atomically (see [`atomic`]).
///
/// Both formats keep every column of the cloud ([`columns`]). PLY output
/// follows `options`; text output ([`xyz::write_text_cloud`]) is
/// comma-separated for `.csv` and cannot carry colours (they are refused).
pub fn write_cloud(
    path: &Path,
    cloud: &PointCloud,
    format: Option<Format>,
    options: &PlyWriteOptions,
) -> Result<()> {
    let format = match format {
        Some(f) => f,
        None if is_stdio(path) => {
            return Err(Error::usage(
                "<stdout>: use --format ply or --format xyz to write standard output",
            ))
        }
        None => Format::from_path(path).ok_or_else(|| {
            Error::usage(format!(
                "{}: unknown output format (use .ply, .xyz, .txt, .pts or .csv, or give the format)",
                path.display()
            ))
        })?,
    };
    if format == Format::Xyz && options.colours.is_some() {
        return Err(Error::usage(format!(
            "{}: colours can only be written to PLY",
            crate::error::display_path(path).replace("<stdin>", "<stdout>")
        )));
    }
    let fill = |w: &mut dyn Write| -> std::io::Result<()> {
        match format {
            Format::Ply => ply::write_ply(w, cloud, options),
            Format::Xyz => xyz::write_text_cloud(w, cloud, text_separator(path)),
        }
    };
    if is_stdio(path) {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        fill(&mut lock)
            .and_then(|_| lock.flush())
            .map_err(|source| Error::Io {
                path: "<stdout>".into(),
                source,
            })
    } else {
        atomic::write_atomic(path, |w| fill(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_display() {
        assert_eq!("PLY".parse::<Format>().unwrap(), Format::Ply);
        assert_eq!("xyz".parse::<Format>().unwrap(), Format::Xyz);
        assert!("obj".parse::<Format>().is_err());
        assert_eq!(Format::Ply.to_string(), "ply");
        assert_eq!(Format::from_path(Path::new("-")), None);
    }

    #[test]
    fn cloud_files_are_listed_sorted_without_hidden_ones() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.PLY", "a.xyz", "c.csv", ".hidden.ply", "notes.md"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.ply")).unwrap();
        let names: Vec<_> = list_cloud_files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.xyz", "b.PLY", "c.csv"]);
        assert_eq!(list_folder(dir.path()).unwrap().len(), 5);
        assert_eq!(cloud_extension_list(), ".ply .xyz .txt .pts .csv");
        let e = list_cloud_files(&dir.path().join("missing")).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }

    #[test]
    fn write_needs_a_format_and_colours_need_ply() {
        let dir = tempfile::tempdir().unwrap();
        let c = PointCloud::from_points(vec![[0.0; 3]]);
        let e = write_cloud(&dir.path().join("a.obj"), &c, None, &Default::default());
        assert!(e.unwrap_err().to_string().contains("unknown output format"));
        let colours = [[1u8, 2, 3]];
        let opts = PlyWriteOptions {
            colours: Some(&colours),
            ..Default::default()
        };
        let e = write_cloud(&dir.path().join("a.xyz"), &c, None, &opts).unwrap_err();
        assert!(e.to_string().contains("colours can only be written to PLY"));
        assert!(!dir.path().join("a.xyz").exists());
    }

    #[test]
    fn unknown_extension_is_sniffed_for_ply() {
        let dir = tempfile::tempdir().unwrap();
        let c = PointCloud::from_points(vec![[1.0, 2.0, 3.0]]);
        let p = dir.path().join("cloud.dat");
        write_cloud(&p, &c, Some(Format::Ply), &Default::default()).unwrap();
        assert_eq!(read_cloud(&p, None).unwrap(), c);
        std::fs::write(&p, "1 2 3\n").unwrap();
        let e = read_cloud(&p, None).unwrap_err().to_string();
        assert!(e.contains("unknown point cloud format"), "{e}");
        assert_eq!(read_cloud(&p, Some(Format::Xyz)).unwrap(), c);
    }
}

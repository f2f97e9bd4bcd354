//! Point cloud and dataset I/O.
//!
//! - [`ply`]: PLY (ascii, binary little/big-endian), extra properties kept.
//! - [`xyz`]: XYZ-style text (`.xyz .txt .pts .csv`), 3/4/6/7 columns.
//! - [`pcd`]: PCL's PCD (ascii, binary, binary_compressed), every field kept.
//! - [`mesh`]: triangle meshes (OBJ, OFF, STL, PLY with faces, AC3D, glTF),
//!   which [`read_cloud`] samples into a cloud ([`MeshSampling`]).
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
pub mod float_text;
pub mod folder_dataset;
pub mod mesh;
pub mod numparse;
pub mod pcd;
pub mod ply;
pub mod row_blocks;
pub mod shapenet_v0;
pub mod text_named;
pub mod text_rows;
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
/// files pcseg reads: `ply` is [`Format::Ply`], `pcd` [`Format::Pcd`], the
/// others are XYZ-style text ([`Format::Xyz`]). Folder inputs and
/// [`list_cloud_files`] take the files with these extensions.
pub const CLOUD_EXTENSIONS: [&str; 6] = ["ply", "xyz", "txt", "pts", "csv", "pcd"];

/// [`CLOUD_EXTENSIONS`] for messages: `.ply .xyz .txt .pts .csv .pcd`.
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

/// Whether `path` is read by its extension as a cloud ([`CLOUD_EXTENSIONS`])
/// or a mesh ([`mesh::MESH_EXTENSIONS`]).
pub fn is_input_file(path: &Path) -> bool {
    Format::from_path(path).is_some() || is_mesh_input(path)
}

/// The extensions [`is_input_file`] takes, for messages:
/// `.ply .xyz .txt .pts .csv .pcd .obj .off .stl .ac .acc .gltf .glb`.
pub fn input_extension_list() -> String {
    let meshes = mesh::MESH_EXTENSIONS.map(|e| format!(".{e}")).join(" ");
    format!("{} {meshes}", cloud_extension_list())
}

/// The cloud and mesh files directly in the folder `dir` ([`is_input_file`]),
/// sorted by path, hidden ones left out. Folder inputs of `render`, `eval`
/// and `train` take these (meshes are sampled, see [`read_input`]).
pub fn list_input_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = list_folder(dir)?;
    files.retain(|p| is_input_file(p) && p.is_file());
    Ok(files)
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
    /// PCL's PCD (`.pcd`).
    Pcd,
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
            "pcd" => Some(Format::Pcd),
            e if CLOUD_EXTENSIONS.contains(&e) => Some(Format::Xyz),
            _ => None,
        }
    }

    /// Lower-case name (`ply`, `xyz`, `pcd`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Ply => "ply",
            Format::Xyz => "xyz",
            Format::Pcd => "pcd",
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
            "pcd" => Ok(Format::Pcd),
            _ => Err(Error::usage(format!(
                "unknown format '{s}' (expected ply, xyz or pcd)"
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
    /// A PCD file and its header.
    Pcd(pcd::PcdHeader),
    /// A mesh, sampled into the cloud.
    Mesh(MeshSource),
}

/// What was read from a mesh input and how it was sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshSource {
    /// The mesh format.
    pub format: mesh::MeshFormat,
    /// Vertices in the file (after welding, for STL and glTF).
    pub vertices: usize,
    /// Triangles (polygons fan-triangulated).
    pub triangles: usize,
    /// Group (object, part) names.
    pub groups: Vec<String>,
    /// Total surface area.
    pub area: f64,
    /// The sampling.
    pub sampling: MeshSampling,
}

impl SourceInfo {
    /// The point cloud file format; `None` for a mesh.
    pub fn format(&self) -> Option<Format> {
        match self {
            SourceInfo::Ply(_) => Some(Format::Ply),
            SourceInfo::Xyz(_) | SourceInfo::V0Pair => Some(Format::Xyz),
            SourceInfo::Pcd(_) => Some(Format::Pcd),
            SourceInfo::Mesh(_) => None,
        }
    }
}

/// Points a mesh input is sampled into when nothing else is asked for
/// (about what a ShapeNetPart cloud has).
pub const DEFAULT_MESH_POINTS: usize = 2500;

/// How a mesh input becomes a cloud: `points` points drawn uniformly by
/// area ([`mesh::sample_surface`]) with their face normals, from `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeshSampling {
    /// Points drawn.
    pub points: usize,
    /// Seed of the draw (the same seed gives the same cloud).
    pub seed: u64,
}

impl Default for MeshSampling {
    fn default() -> Self {
        MeshSampling {
            points: DEFAULT_MESH_POINTS,
            seed: 0,
        }
    }
}

/// A mesh input with the triangle each sampled point lies on.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledMesh {
    /// The mesh as read.
    pub mesh: mesh::TriMesh,
    /// For each point of the cloud, the index of its triangle.
    pub triangles: Vec<u32>,
}

/// Whether `path` is read as a mesh by its extension: a mesh format other
/// than PLY (a `.ply` file is a mesh when it has faces, see [`read_input`]).
pub fn is_mesh_input(path: &Path) -> bool {
    mesh::MeshFormat::from_path(path).is_some_and(|f| f != mesh::MeshFormat::Ply)
}

/// Whether a PLY file read as `cloud` with `header` is a mesh to sample: its
/// header declares faces (a non-empty `face` element) and its vertices carry
/// no labels (labelled vertices are the points themselves: sampling would
/// drop their labels).
fn is_ply_mesh(header: &ply::PlyHeader, cloud: &PointCloud) -> bool {
    cloud.labels.is_none()
        && header
            .elements
            .iter()
            .any(|e| e.name == "face" && e.count > 0)
}

fn sample_mesh(
    mesh: mesh::TriMesh,
    format: mesh::MeshFormat,
    sampling: MeshSampling,
) -> Result<(PointCloud, SourceInfo, SampledMesh)> {
    if sampling.points == 0 {
        return Err(Error::usage("a mesh is sampled into at least 1 point"));
    }
    let s = mesh::sample_surface(&mesh, sampling.points, sampling.seed)?;
    let info = SourceInfo::Mesh(MeshSource {
        format,
        vertices: mesh.vertices.len(),
        triangles: mesh.triangles.len(),
        groups: mesh.group_names.clone(),
        area: mesh.total_area(),
        sampling,
    });
    let triangles = s.triangles.clone();
    let labels = s.labels(&mesh);
    let mut cloud = s.into_cloud();
    cloud.labels = labels;
    Ok((cloud, info, SampledMesh { mesh, triangles }))
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
    /// How a mesh input (or a PLY file with faces) is sampled.
    pub mesh: MeshSampling,
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
            ..Default::default()
        },
    )
}

/// [`read_cloud_with_info`] with all the reading options.
pub fn read_cloud_with(path: &Path, options: &ReadOptions) -> Result<(PointCloud, SourceInfo)> {
    read_input(path, options).map(|(c, i, _)| (c, i))
}

/// Like [`read_cloud_with`], also returning the mesh when the input was one:
/// a file with a mesh extension other than `.ply` ([`is_mesh_input`],
/// unless `options.format` says it is a cloud), or a PLY file whose header
/// declares faces and whose vertices have no labels. Its cloud is `options.mesh.points` points sampled
/// uniformly by area with their face normals (a PLY mesh's own vertex
/// properties are not the points the network should see). A labelled mesh
/// ([`mesh::TriMesh::labels`]) gives each point the label of its triangle.
pub fn read_input(
    path: &Path,
    options: &ReadOptions,
) -> Result<(PointCloud, SourceInfo, Option<SampledMesh>)> {
    let format = options.format;
    if format.is_none() && !is_stdio(path) && is_mesh_input(path) {
        let mesh_format = mesh::MeshFormat::from_path(path).expect("a mesh extension");
        let m = mesh::read_mesh_as(path, mesh_format)?;
        let (cloud, info, sampled) = sample_mesh(m, mesh_format, options.mesh)?;
        validate_cloud(&cloud, path, None)?;
        return Ok((cloud, info, Some(sampled)));
    }
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
            None if pcd::starts_with_pcd_magic(&bytes) => Format::Pcd,
            None => {
                return Err(Error::usage(
                    "<stdin>: not PLY; use --format ply, xyz or pcd to read standard input",
                ))
            }
        };
        let (cloud, info) = read_from(&bytes[..], path, format, columns)?;
        if let SourceInfo::Ply(h) = &info {
            if is_ply_mesh(h, &cloud) {
                let m = mesh::ply::read_ply_mesh(&bytes, path)?;
                m.validate(path)?;
                let (cloud, info, sampled) = sample_mesh(m, mesh::MeshFormat::Ply, options.mesh)?;
                validate_cloud(&cloud, path, None)?;
                return Ok((cloud, info, Some(sampled)));
            }
        }
        (cloud, info)
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
                } else if pcd::starts_with_pcd_magic(head) {
                    Format::Pcd
                } else {
                    return Err(Error::data(
                        path,
                        None,
                        "unknown point cloud format (use .ply, .xyz, .txt, .pts, .csv or .pcd, a mesh, or give the format)",
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
            _ if format == Format::Xyz && columns.is_none() => {
                drop(reader);
                let (cloud, layout) = xyz::read_xyz_file(path)?;
                (cloud, SourceInfo::Xyz(layout))
            }
            _ => {
                let (cloud, info) = read_from(reader, path, format, columns)?;
                if let SourceInfo::Ply(h) = &info {
                    if is_ply_mesh(h, &cloud) {
                        let m = mesh::read_mesh_as(path, mesh::MeshFormat::Ply)?;
                        let (cloud, info, sampled) =
                            sample_mesh(m, mesh::MeshFormat::Ply, options.mesh)?;
                        validate_cloud(&cloud, path, None)?;
                        return Ok((cloud, info, Some(sampled)));
                    }
                }
                (cloud, info)
            }
        }
    };
    validate_cloud(&cloud, path, None)?;
    Ok((cloud, info, None))
}

fn read_from<R: std::io::BufRead>(
    mut reader: R,
    path: &Path,
    format: Format,
    columns: Option<&[String]>,
) -> Result<(PointCloud, SourceInfo)> {
    if format != Format::Xyz && columns.is_some() {
        return Err(Error::usage(format!(
            "{}: --columns names text columns; a {} file names its own properties",
            crate::error::display_path(path),
            format.name().to_ascii_uppercase()
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
        Format::Pcd => {
            let mut bytes = Vec::new();
            reader
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io(path, e))?;
            let (c, h) = pcd::read_pcd(&bytes, path)?;
            (c, SourceInfo::Pcd(h))
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
/// Every format keeps every column of the cloud ([`columns`]). PLY output
/// follows `options`; PCD output ([`pcd::write_pcd`]) is binary with the
/// colours packed in `rgb`; text output ([`xyz::write_text_cloud`]) is
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
                "<stdout>: use --format ply, xyz or pcd to write standard output",
            ))
        }
        None => Format::from_path(path).ok_or_else(|| {
            Error::usage(format!(
                "{}: unknown output format (use .ply, .xyz, .txt, .pts, .csv or .pcd, or give the format)",
                path.display()
            ))
        })?,
    };
    if format == Format::Xyz && options.colours.is_some() {
        return Err(Error::usage(format!(
            "{}: colours can only be written to PLY or PCD",
            crate::error::display_path(path).replace("<stdin>", "<stdout>")
        )));
    }
    let fill = |w: &mut dyn Write| -> std::io::Result<()> {
        match format {
            Format::Ply => ply::write_ply(w, cloud, options),
            Format::Xyz => xyz::write_text_cloud(w, cloud, text_separator(path)),
            Format::Pcd => pcd::write_pcd(w, cloud, options.colours),
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
        std::fs::write(dir.path().join("d.OBJ"), "").unwrap();
        std::fs::write(dir.path().join("e.glb"), "").unwrap();
        let names: Vec<_> = list_input_files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.xyz", "b.PLY", "c.csv", "d.OBJ", "e.glb"]);
        assert_eq!(
            input_extension_list(),
            ".ply .xyz .txt .pts .csv .pcd .obj .off .stl .ac .acc .gltf .glb"
        );
        assert_eq!(list_folder(dir.path()).unwrap().len(), 7);
        assert_eq!(cloud_extension_list(), ".ply .xyz .txt .pts .csv .pcd");
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
        assert!(e
            .to_string()
            .contains("colours can only be written to PLY or PCD"));
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

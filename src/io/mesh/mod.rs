//! Triangle meshes: readers for common mesh formats and area-uniform surface
//! sampling, the way ShapeNetPart's clouds were made from CAD meshes.
//!
//! - [`TriMesh`]: vertices (`f64`, as precise as the file), triangles, and a
//!   group id per triangle (OBJ `o`/`g`, AC3D objects, STL solids, glTF meshes).
//! - [`read_mesh`] picks the reader from the extension ([`MeshFormat`]):
//!   [`obj`] (Wavefront, via `tobj`), [`off`], [`stl`] (ascii and binary),
//!   [`ply`] (a `vertex` and a `face` element), [`ac3d`] (`.ac`, `.acc`),
//!   [`gltf`] (`.gltf`, `.glb`, via the `gltf` crate).
//! - A labelled mesh ([`TriMesh::labels`]: a PLY face `label`, OBJ groups
//!   named after parts, as [`write_labelled_mesh`] writes them) samples into
//!   labelled points ([`SurfaceSample::labels`]).
//! - [`face_match`]: the triangles two meshes share, by corner positions.
//! - [`labelled`]: a part label per triangle from labelled samples
//!   ([`face_labels`]), written as PLY or OBJ + MTL ([`write_labelled_mesh`]).
//! - [`sample`]: [`sample_surface`] draws points uniformly by area with the
//!   face normal of their triangle; [`sample_cloud`] makes a
//!   [`PointCloud`](crate::cloud::PointCloud) of them.
//!
//! Every reader returns a mesh checked by [`TriMesh::validate`]: at least one
//! triangle, indices in range, finite vertices, a positive total area. Bad
//! input is an [`Error`] naming the file, never a panic.
//!
//! ```
//! use pcseg::io::mesh::{read_mesh, sample_surface};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("tri.off");
//! std::fs::write(&path, "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n").unwrap();
//! let mesh = read_mesh(&path).unwrap();
//! assert_eq!(mesh.triangles.len(), 1);
//! assert!((mesh.total_area() - 0.5).abs() < 1e-12);
//! let s = sample_surface(&mesh, 100, 7).unwrap();
//! assert_eq!(s.points.len(), 100);
//! assert!(s.normals.iter().all(|n| *n == [0.0, 0.0, 1.0]));
//! ```

pub mod ac3d;
pub mod face_match;
pub mod gltf;
pub mod index;
pub mod labelled;
pub mod obj;
pub mod off;
pub mod ply;
pub mod sample;
pub mod stl;

pub use index::{read_mesh_index, MeshIndexEntry};
pub use labelled::{face_labels, write_labelled_mesh};
pub use sample::{sample_cloud, sample_surface, SurfaceSample};

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;

/// A triangle mesh with a group (part, object, solid) per triangle.
///
/// Invariants after [`TriMesh::validate`]: `groups.len() == triangles.len()`,
/// every group id indexes `group_names`, every vertex index indexes
/// `vertices`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriMesh {
    /// Vertex positions, in the file's precision.
    pub vertices: Vec<[f64; 3]>,
    /// Triangles as three indices into `vertices`, counter-clockwise seen from
    /// the side the face normal points to.
    pub triangles: Vec<[u32; 3]>,
    /// Group id of each triangle, an index into `group_names`.
    pub groups: Vec<u32>,
    /// Name of each group (OBJ `o`/`g` name, AC3D object name, ...).
    pub group_names: Vec<String>,
    /// A global ShapeNetPart part id per triangle, when the file labels its
    /// faces: a PLY `face` element's `label` property, or an OBJ whose every
    /// group is named after a part ([`obj::part_labels`]). `None` otherwise.
    pub labels: Option<Vec<u32>>,
}

/// Cross product of `b - a` and `c - a`: twice the area, along the normal.
fn cross_edges(a: [f64; 3], b: [f64; 3], c: [f64; 3]) -> [f64; 3] {
    let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
    [
        u[1] * v[2] - u[2] * v[1],
        u[2] * v[0] - u[0] * v[2],
        u[0] * v[1] - u[1] * v[0],
    ]
}

fn norm(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

impl TriMesh {
    /// An empty mesh.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of the group called `name`, adding it if new.
    pub fn group_id(&mut self, name: &str) -> u32 {
        if let Some(i) = self.group_names.iter().position(|n| n == name) {
            return i as u32;
        }
        self.group_names.push(name.to_string());
        (self.group_names.len() - 1) as u32
    }

    /// Add a triangle in group `group`.
    pub fn push_triangle(&mut self, tri: [u32; 3], group: u32) {
        self.triangles.push(tri);
        self.groups.push(group);
    }

    /// Add a polygon (indices into `vertices`) as a triangle fan from its
    /// first corner. Polygons with fewer than three corners add nothing.
    pub fn push_polygon(&mut self, corners: &[u32], group: u32) {
        for k in 1..corners.len().saturating_sub(1) {
            self.push_triangle([corners[0], corners[k], corners[k + 1]], group);
        }
    }

    /// Corner positions of triangle `i`.
    pub fn corners(&self, i: usize) -> [[f64; 3]; 3] {
        let t = self.triangles[i];
        [
            self.vertices[t[0] as usize],
            self.vertices[t[1] as usize],
            self.vertices[t[2] as usize],
        ]
    }

    /// Area of triangle `i`.
    pub fn triangle_area(&self, i: usize) -> f64 {
        let [a, b, c] = self.corners(i);
        0.5 * norm(cross_edges(a, b, c))
    }

    /// Unit normal of triangle `i` (right-hand rule over its corner order),
    /// `None` for a degenerate (zero-area) triangle.
    pub fn face_normal(&self, i: usize) -> Option<[f64; 3]> {
        let [a, b, c] = self.corners(i);
        let n = cross_edges(a, b, c);
        let l = norm(n);
        (l > 0.0 && l.is_finite()).then(|| [n[0] / l, n[1] / l, n[2] / l])
    }

    /// Sum of the triangle areas.
    pub fn total_area(&self) -> f64 {
        (0..self.triangles.len())
            .map(|i| self.triangle_area(i))
            .sum()
    }

    /// Total area of each group, indexed by group id.
    pub fn group_areas(&self) -> Vec<f64> {
        let mut areas = vec![0.0; self.group_names.len()];
        for (i, &g) in self.groups.iter().enumerate() {
            if let Some(a) = areas.get_mut(g as usize) {
                *a += self.triangle_area(i);
            }
        }
        areas
    }

    /// Axis-aligned bounding box `(min, max)` of the vertices used by a
    /// triangle, `None` without triangles.
    pub fn bbox(&self) -> Option<([f64; 3], [f64; 3])> {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for t in &self.triangles {
            for &v in t {
                let p = self.vertices[v as usize];
                for k in 0..3 {
                    lo[k] = lo[k].min(p[k]);
                    hi[k] = hi[k].max(p[k]);
                }
            }
        }
        (!self.triangles.is_empty()).then_some((lo, hi))
    }

    /// Apply `p -> m * p + t` to every vertex (`m` row-major). A matrix with
    /// a negative determinant (a mirror) also flips the corner order, so
    /// normals keep pointing out.
    pub fn transform(&mut self, m: [[f64; 3]; 3], t: [f64; 3]) {
        for p in &mut self.vertices {
            *p = apply(m, t, *p);
        }
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        if det < 0.0 {
            for tri in &mut self.triangles {
                tri.swap(1, 2);
            }
        }
    }

    /// Append `other`, merging groups of the same name. The result is
    /// labelled only when both parts are (an empty mesh takes `other`'s).
    pub fn append(&mut self, other: &TriMesh) {
        let labels = match (self.triangles.is_empty(), &self.labels, &other.labels) {
            (true, _, Some(o)) => Some(o.clone()),
            (false, Some(s), Some(o)) => Some([s.as_slice(), o].concat()),
            _ => None,
        };
        let base = self.vertices.len() as u32;
        self.vertices.extend_from_slice(&other.vertices);
        let ids: Vec<u32> = other.group_names.iter().map(|n| self.group_id(n)).collect();
        for (t, &g) in other.triangles.iter().zip(&other.groups) {
            let g = ids.get(g as usize).copied().unwrap_or(0);
            self.push_triangle([t[0] + base, t[1] + base, t[2] + base], g);
        }
        self.labels = labels;
    }

    /// Check the invariants and that the mesh can be sampled: at least one
    /// triangle, every index in range, finite vertices, every group id
    /// named, a positive finite total area. `path` is used in messages.
    pub fn validate(&self, path: &Path) -> Result<()> {
        let bad = |m: String| Err(Error::data(path, None, m));
        if self.triangles.is_empty() {
            return bad("mesh has no triangles".into());
        }
        if self.groups.len() != self.triangles.len() {
            return bad(format!(
                "mesh has {} group ids for {} triangles",
                self.groups.len(),
                self.triangles.len()
            ));
        }
        if let Some(l) = self
            .labels
            .as_ref()
            .filter(|l| l.len() != self.triangles.len())
        {
            return bad(format!(
                "mesh has {} face labels for {} triangles",
                l.len(),
                self.triangles.len()
            ));
        }
        if let Some(i) = self
            .vertices
            .iter()
            .position(|p| p.iter().any(|c| !c.is_finite()))
        {
            return bad(format!("vertex {i} is not finite ({:?})", self.vertices[i]));
        }
        let nv = self.vertices.len();
        for (i, t) in self.triangles.iter().enumerate() {
            if let Some(&v) = t.iter().find(|&&v| v as usize >= nv) {
                return bad(format!(
                    "triangle {i} uses vertex {v}, but there are only {nv} vertices"
                ));
            }
        }
        if let Some(i) = self
            .groups
            .iter()
            .position(|&g| g as usize >= self.group_names.len())
        {
            return bad(format!(
                "triangle {i} has group {} without a name",
                self.groups[i]
            ));
        }
        let area = self.total_area();
        if !(area > 0.0 && area.is_finite()) {
            return bad(format!(
                "mesh of {} triangles has no surface area (total {area})",
                self.triangles.len()
            ));
        }
        Ok(())
    }
}

/// `m * p + t` for a row-major 3x3 `m`.
pub(crate) fn apply(m: [[f64; 3]; 3], t: [f64; 3], p: [f64; 3]) -> [f64; 3] {
    let mut out = t;
    for (r, o) in out.iter_mut().enumerate() {
        *o += m[r][0] * p[0] + m[r][1] * p[1] + m[r][2] * p[2];
    }
    out
}

/// A mesh file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeshFormat {
    /// Wavefront OBJ (`.obj`).
    Obj,
    /// Object File Format (`.off`).
    Off,
    /// STL, ascii or binary (`.stl`).
    Stl,
    /// PLY with a `face` element (`.ply`).
    Ply,
    /// AC3D (`.ac`, and TORCS' `.acc`).
    Ac3d,
    /// glTF 2.0, JSON (`.gltf`) or binary (`.glb`).
    Gltf,
}

impl MeshFormat {
    /// The format implied by the extension of `path` (case-insensitive).
    ///
    /// ```
    /// use pcseg::io::mesh::MeshFormat;
    /// assert_eq!(MeshFormat::from_path("a/b.OBJ".as_ref()), Some(MeshFormat::Obj));
    /// assert_eq!(MeshFormat::from_path("car.acc".as_ref()), Some(MeshFormat::Ac3d));
    /// assert_eq!(MeshFormat::from_path("cloud.xyz".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<MeshFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "obj" => MeshFormat::Obj,
            "off" => MeshFormat::Off,
            "stl" => MeshFormat::Stl,
            "ply" => MeshFormat::Ply,
            "ac" | "acc" => MeshFormat::Ac3d,
            "gltf" | "glb" => MeshFormat::Gltf,
            _ => return None,
        })
    }

    /// Lower-case name (`obj`, `off`, `stl`, `ply`, `ac3d`, `gltf`).
    pub fn name(self) -> &'static str {
        match self {
            MeshFormat::Obj => "obj",
            MeshFormat::Off => "off",
            MeshFormat::Stl => "stl",
            MeshFormat::Ply => "ply",
            MeshFormat::Ac3d => "ac3d",
            MeshFormat::Gltf => "gltf",
        }
    }
}

impl std::fmt::Display for MeshFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Extensions (lower case, compared case-insensitively) of the mesh files
/// pcseg reads besides `.ply` (a PLY file is a mesh when it has faces).
pub const MESH_EXTENSIONS: [&str; 7] = ["obj", "off", "stl", "ac", "acc", "gltf", "glb"];

/// Whether `path` has a mesh extension. `.ply` counts: a PLY file may hold
/// a mesh or a bare point cloud, so callers that accept both should try
/// [`read_mesh`] and fall back to a cloud reader when it has no faces.
pub fn is_mesh_path(path: &Path) -> bool {
    MeshFormat::from_path(path).is_some()
}

/// Read the mesh at `path`, choosing the reader from the extension, and
/// check it with [`TriMesh::validate`].
pub fn read_mesh(path: &Path) -> Result<TriMesh> {
    let format = MeshFormat::from_path(path).ok_or_else(|| {
        Error::data(
            path,
            None,
            "unknown mesh format (use .obj, .off, .stl, .ply, .ac, .acc, .gltf or .glb)",
        )
    })?;
    read_mesh_as(path, format)
}

/// Read the mesh at `path` in `format`, and check it with
/// [`TriMesh::validate`].
pub fn read_mesh_as(path: &Path, format: MeshFormat) -> Result<TriMesh> {
    let mesh = match format {
        MeshFormat::Obj => obj::read_obj(path)?,
        MeshFormat::Off => off::read_off(&read_bytes(path)?, path)?,
        MeshFormat::Stl => stl::read_stl(&read_bytes(path)?, path)?,
        MeshFormat::Ply => ply::read_ply_mesh(&read_bytes(path)?, path)?,
        MeshFormat::Ac3d => ac3d::read_ac3d(&read_bytes(path)?, path)?,
        MeshFormat::Gltf => gltf::read_gltf(path)?,
    };
    mesh.validate(path)?;
    Ok(mesh)
}

/// The whole file at `path`.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Merges vertices with bit-identical coordinates (STL, glTF primitives).
#[derive(Default)]
pub(crate) struct Welder {
    map: HashMap<[u64; 3], u32>,
}

impl Welder {
    /// The index of `p` in `mesh.vertices`, adding it if new.
    pub(crate) fn index(&mut self, mesh: &mut TriMesh, p: [f64; 3]) -> u32 {
        let key = [p[0].to_bits(), p[1].to_bits(), p[2].to_bits()];
        *self.map.entry(key).or_insert_with(|| {
            mesh.vertices.push(p);
            (mesh.vertices.len() - 1) as u32
        })
    }
}

/// Text lines with 1-based numbers, `#` comments cut and blank lines
/// skipped; for the text formats (OFF, AC3D).
pub(crate) fn text_lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.split('#').next().unwrap_or("").trim();
        (!l.is_empty()).then_some((i as u64 + 1, l))
    })
}

/// Bytes as text, replacing invalid UTF-8 (names in old files are Latin-1).
pub(crate) fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

//! A segmented mesh: a part label per triangle from the labels of the
//! points sampled on it ([`face_labels`]), written as PLY or OBJ + MTL
//! ([`write_labelled_mesh`]).
//!
//! - PLY (binary little-endian): `vertex` with `double x y z`, `face` with
//!   `list uchar int vertex_indices`, `uint label` and `uchar red green
//!   blue` per face (trimesh and plyfile read the face colours; Open3D and
//!   MeshLab read the geometry).
//! - OBJ: one `g <part>` group with `usemtl <part>` per part, and a
//!   companion `.mtl` (same stem) with a `Kd` colour per part, which
//!   Blender and MeshLab show.
//!
//! Both files of an OBJ are written atomically and published together: on
//! an error neither appears and existing files are untouched.

use super::TriMesh;
use crate::categories::{part_colour, part_name};
use crate::error::{Error, Result};
use crate::io::atomic::AtomicFile;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The part label of each triangle of `mesh`: the most frequent label among
/// the points sampled on it (`triangles[i]` is the triangle of point `i`,
/// `labels[i]` its label; ties go to the smaller label), or, for a triangle
/// that got no point, the label of the point nearest its centroid.
///
/// `points`, `triangles` and `labels` have one entry per point; with no
/// points every triangle gets label 0.
pub fn face_labels(
    mesh: &TriMesh,
    points: &[[f32; 3]],
    triangles: &[u32],
    labels: &[u32],
) -> Vec<u32> {
    let nt = mesh.triangles.len();
    let mut votes: Vec<Vec<(u32, u32)>> = vec![Vec::new(); nt];
    for (&t, &l) in triangles.iter().zip(labels) {
        let Some(v) = votes.get_mut(t as usize) else {
            continue;
        };
        match v.iter_mut().find(|(label, _)| *label == l) {
            Some(e) => e.1 += 1,
            None => v.push((l, 1)),
        }
    }
    // Points sorted by x, for the nearest-point sweep.
    let mut order: Vec<usize> = (0..points.len().min(labels.len())).collect();
    order.sort_by(|&a, &b| points[a][0].total_cmp(&points[b][0]));
    let xs: Vec<f64> = order.iter().map(|&i| points[i][0] as f64).collect();
    let nearest = |q: [f64; 3]| -> Option<usize> {
        let start = xs.partition_point(|&x| x < q[0]);
        let mut best = (f64::INFINITY, usize::MAX);
        let d2 = |i: usize| {
            let p = points[i];
            (0..3).map(|k| (p[k] as f64 - q[k]).powi(2)).sum::<f64>()
        };
        let consider = |j: usize, best: &mut (f64, usize)| {
            let d = d2(order[j]);
            if d < best.0 || (d == best.0 && order[j] < best.1) {
                *best = (d, order[j]);
            }
        };
        for (j, &x) in xs.iter().enumerate().skip(start) {
            if (x - q[0]).powi(2) > best.0 {
                break;
            }
            consider(j, &mut best);
        }
        for j in (0..start).rev() {
            if (xs[j] - q[0]).powi(2) > best.0 {
                break;
            }
            consider(j, &mut best);
        }
        (best.1 != usize::MAX).then_some(best.1)
    };
    (0..nt)
        .map(|t| {
            let v = &votes[t];
            if let Some(&(label, _)) = v.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))) {
                return label;
            }
            let c = mesh.corners(t);
            let centroid: [f64; 3] = std::array::from_fn(|k| (c[0][k] + c[1][k] + c[2][k]) / 3.0);
            nearest(centroid).map_or(0, |i| labels[i])
        })
        .collect()
}

/// A mesh output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelledMeshFormat {
    /// PLY with per-face `label` and `red green blue`.
    Ply,
    /// OBJ with a group and material per part, and its `.mtl`.
    Obj,
}

impl LabelledMeshFormat {
    /// The format of `path`'s extension (`.ply` or `.obj`), if either.
    pub fn from_path(path: &Path) -> Option<LabelledMeshFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "ply" => Some(LabelledMeshFormat::Ply),
            "obj" => Some(LabelledMeshFormat::Obj),
            _ => None,
        }
    }
}

/// The name a part gets in an OBJ file (`Chair/leg` -> `Chair_leg`; an
/// unknown id -> `part_<id>`).
pub fn obj_part_name(label: u32) -> String {
    part_name(label as usize)
        .unwrap_or_else(|| format!("part_{label}"))
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The `.mtl` file beside the OBJ file `path`.
pub fn mtl_path(path: &Path) -> PathBuf {
    path.with_extension("mtl")
}

/// Write `mesh` with `labels` (one per triangle) to `path`, as PLY or OBJ by
/// the extension (see the module doc). Files appear only when complete.
pub fn write_labelled_mesh(path: &Path, mesh: &TriMesh, labels: &[u32]) -> Result<()> {
    let format = LabelledMeshFormat::from_path(path).ok_or_else(|| {
        Error::usage(format!(
            "{}: a segmented mesh is written as .ply or .obj",
            path.display()
        ))
    })?;
    if labels.len() != mesh.triangles.len() {
        return Err(Error::internal(format!(
            "{} face labels for {} triangles",
            labels.len(),
            mesh.triangles.len()
        )));
    }
    match format {
        LabelledMeshFormat::Ply => {
            let mut file = AtomicFile::create(path)?;
            write_ply(file.writer(), mesh, labels).map_err(|e| Error::io(path, e))?;
            file.writer().flush().map_err(|e| Error::io(path, e))?;
            file.commit()
        }
        LabelledMeshFormat::Obj => {
            let mtl = mtl_path(path);
            let mtl_name = mtl
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut obj_file = AtomicFile::create(path)?;
            let mut mtl_file = AtomicFile::create(&mtl)?;
            write_obj(obj_file.writer(), mesh, labels, &mtl_name)
                .and_then(|_| obj_file.writer().flush())
                .map_err(|e| Error::io(path, e))?;
            write_mtl(mtl_file.writer(), labels)
                .and_then(|_| mtl_file.writer().flush())
                .map_err(|e| Error::io(&mtl, e))?;
            mtl_file.commit()?;
            obj_file.commit()
        }
    }
}

/// The PLY body of [`write_labelled_mesh`].
pub fn write_ply<W: Write + ?Sized>(
    w: &mut W,
    mesh: &TriMesh,
    labels: &[u32],
) -> std::io::Result<()> {
    write!(
        w,
        "ply\nformat binary_little_endian 1.0\ncomment written by pcseg: a part label and colour per face\n\
         element vertex {}\nproperty double x\nproperty double y\nproperty double z\n\
         element face {}\nproperty list uchar int vertex_indices\nproperty uint label\n\
         property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n",
        mesh.vertices.len(),
        mesh.triangles.len()
    )?;
    let mut buf = Vec::with_capacity(1 << 16);
    for p in &mesh.vertices {
        for c in p {
            buf.extend_from_slice(&c.to_le_bytes());
        }
        if buf.len() >= 1 << 16 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    for (t, &l) in mesh.triangles.iter().zip(labels) {
        buf.push(3);
        for &v in t {
            buf.extend_from_slice(&(v as i32).to_le_bytes());
        }
        buf.extend_from_slice(&l.to_le_bytes());
        buf.extend_from_slice(&part_colour(l as usize));
        if buf.len() >= 1 << 16 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)
}

/// The parts present in `labels`, ascending.
fn parts(labels: &[u32]) -> Vec<u32> {
    let mut p = labels.to_vec();
    p.sort_unstable();
    p.dedup();
    p
}

/// The OBJ body of [`write_labelled_mesh`]; `mtl` names the material file.
pub fn write_obj<W: Write + ?Sized>(
    w: &mut W,
    mesh: &TriMesh,
    labels: &[u32],
    mtl: &str,
) -> std::io::Result<()> {
    writeln!(w, "# written by pcseg: one group and material per part")?;
    writeln!(w, "mtllib {mtl}")?;
    for p in &mesh.vertices {
        writeln!(w, "v {} {} {}", p[0], p[1], p[2])?;
    }
    for part in parts(labels) {
        let name = obj_part_name(part);
        writeln!(w, "g {name}\nusemtl {name}")?;
        for (t, _) in mesh
            .triangles
            .iter()
            .zip(labels)
            .filter(|(_, &l)| l == part)
        {
            writeln!(w, "f {} {} {}", t[0] + 1, t[1] + 1, t[2] + 1)?;
        }
    }
    Ok(())
}

/// The `.mtl` body: one material with a diffuse colour per part.
pub fn write_mtl<W: Write + ?Sized>(w: &mut W, labels: &[u32]) -> std::io::Result<()> {
    writeln!(w, "# written by pcseg: part colours")?;
    for part in parts(labels) {
        let c = part_colour(part as usize).map(|v| v as f64 / 255.0);
        writeln!(
            w,
            "newmtl {}\nKd {:.4} {:.4} {:.4}\n",
            obj_part_name(part),
            c[0],
            c[1],
            c[2]
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two unit squares (two triangles each) far apart, group per square.
    fn two_squares() -> TriMesh {
        let mut m = TriMesh::new();
        for (g, dx) in [(0u32, 0.0), (1, 10.0)] {
            let base = m.vertices.len() as u32;
            m.vertices.extend([
                [dx, 0.0, 0.0],
                [dx + 1.0, 0.0, 0.0],
                [dx + 1.0, 1.0, 0.0],
                [dx, 1.0, 0.0],
            ]);
            let id = m.group_id(&format!("g{g}"));
            m.push_polygon(&[base, base + 1, base + 2, base + 3], id);
        }
        m
    }

    #[test]
    fn faces_take_the_majority_and_empty_faces_the_nearest_point() {
        let m = two_squares();
        // Triangle 0: labels 5, 5, 7 -> 5. Triangle 1: 7, 5 tie -> 5.
        // Triangle 2: none, nearest point is on triangle 3 (label 9).
        // Triangle 3: 9.
        let points = [
            [0.5, 0.1, 0.0],
            [0.6, 0.1, 0.0],
            [0.7, 0.1, 0.0],
            [0.2, 0.8, 0.0],
            [0.3, 0.8, 0.0],
            [10.2, 0.8, 0.0],
        ];
        let tris = [0, 0, 0, 1, 1, 3];
        let labels = [5, 5, 7, 7, 5, 9];
        assert_eq!(face_labels(&m, &points, &tris, &labels), [5, 5, 9, 9]);
        assert_eq!(face_labels(&m, &[], &[], &[]), [0, 0, 0, 0]);
    }

    #[test]
    fn a_sampled_two_part_mesh_gets_its_parts_back() {
        let m = two_squares();
        let s = super::super::sample_surface(&m, 50, 3).unwrap();
        // The "segmentation": the group of the point's triangle, + 12.
        let labels: Vec<u32> = s.groups(&m).iter().map(|g| g + 12).collect();
        let faces = face_labels(&m, &s.points, &s.triangles, &labels);
        let want: Vec<u32> = m.groups.iter().map(|g| g + 12).collect();
        assert_eq!(faces, want);
    }

    #[test]
    fn obj_and_ply_outputs() {
        let m = two_squares();
        let dir = tempfile::tempdir().unwrap();
        let obj = dir.path().join("out.obj");
        write_labelled_mesh(&obj, &m, &[12, 12, 13, 13]).unwrap();
        let text = std::fs::read_to_string(&obj).unwrap();
        assert!(text.contains("mtllib out.mtl\n"), "{text}");
        assert!(
            text.contains("g Chair_back\nusemtl Chair_back\nf 1 2 3\nf 1 3 4\n"),
            "{text}"
        );
        let mtl = std::fs::read_to_string(dir.path().join("out.mtl")).unwrap();
        assert!(mtl.contains("newmtl Chair_seat\nKd "), "{mtl}");
        // The OBJ reads back as the same geometry.
        let back = crate::io::mesh::read_mesh(&obj).unwrap();
        assert_eq!(back.triangles.len(), 4);
        assert_eq!(back.group_names.len(), 2);

        let ply = dir.path().join("out.ply");
        write_labelled_mesh(&ply, &m, &[12, 12, 13, 13]).unwrap();
        let back = crate::io::mesh::read_mesh(&ply).unwrap();
        assert_eq!(back.vertices, m.vertices);
        assert_eq!(back.triangles, m.triangles);
        let bytes = std::fs::read(&ply).unwrap();
        let (header, _) = crate::io::ply::read_ply_header(&mut &bytes[..], &ply)
            .map(|h| (h, ()))
            .unwrap();
        let face = header.elements.iter().find(|e| e.name == "face").unwrap();
        let names: Vec<_> = face.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["vertex_indices", "label", "red", "green", "blue"]);
        // The last face record: 3, three indices, label 13, its colour.
        let tail = &bytes[bytes.len() - 20..];
        assert_eq!(tail[0], 3);
        assert_eq!(u32::from_le_bytes(tail[13..17].try_into().unwrap()), 13);
        assert_eq!(tail[17..20], part_colour(13));

        // Both read back labelled, and sampled points take their face's label.
        for path in [&obj, &ply] {
            let opts = crate::io::ReadOptions::default();
            let (cloud, _, sampled) = crate::io::read_input(path, &opts).unwrap();
            let sampled = sampled.unwrap();
            let faces = sampled.mesh.labels.clone().unwrap();
            let want: Vec<u32> = sampled
                .triangles
                .iter()
                .map(|&t| faces[t as usize])
                .collect();
            assert_eq!(cloud.labels.as_ref(), Some(&want), "{}", path.display());
            // The squares are the same size: about half the points each.
            let seat = want.iter().filter(|&&l| l == 13).count();
            assert!((1000..1500).contains(&seat), "{seat}");
        }
        let back = crate::io::mesh::read_mesh(&ply).unwrap();
        assert_eq!(back.labels, Some(vec![12, 12, 13, 13]));
        let back = crate::io::mesh::read_mesh(&obj).unwrap();
        let mut by_position: Vec<(u32, [[f64; 3]; 3])> = (0..4)
            .map(|i| (back.labels.as_ref().unwrap()[i], back.corners(i)))
            .collect();
        by_position.sort_by(|a, b| a.1[0][0].total_cmp(&b.1[0][0]));
        assert_eq!(
            by_position.iter().map(|p| p.0).collect::<Vec<_>>(),
            [12, 12, 13, 13]
        );

        let e = write_labelled_mesh(&dir.path().join("x.stl"), &m, &[0; 4]).unwrap_err();
        assert!(e.to_string().contains(".ply or .obj"), "{e}");
        assert!(write_labelled_mesh(&ply, &m, &[0; 3]).is_err());
    }
}

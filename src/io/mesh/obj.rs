//! Wavefront OBJ reader, through the `tobj` crate.
//!
//! Polygons are fan-triangulated, points and lines ignored. Each `o` or `g`
//! name becomes a group (the same name twice is one group; faces before any
//! name go to `unnamed_object`). Materials are not read: `mtllib` lines are
//! ignored, so a missing `.mtl` file is not an error.
//!
//! An OBJ whose every group is named after a ShapeNetPart part, the way
//! `pcseg run --mesh-out x.obj` writes it ([`obj_part_name`]: `g Chair_leg`),
//! is a labelled mesh: each triangle takes its group's part id
//! ([`part_labels`], in [`TriMesh::labels`]). One group with another name
//! leaves the whole mesh unlabelled.

use super::labelled::obj_part_name;
use super::TriMesh;
use crate::categories::NUM_PARTS;
use crate::error::{Error, Result};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// Read the OBJ file at `path`.
pub fn read_obj(path: &Path) -> Result<TriMesh> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    read_obj_from(&mut BufReader::new(file), path)
}

/// Read OBJ text from `reader`. `path` is used in messages only.
pub fn read_obj_from<R: std::io::BufRead>(reader: &mut R, path: &Path) -> Result<TriMesh> {
    let options = tobj::LoadOptions {
        triangulate: true,
        single_index: false,
        ignore_points: true,
        ignore_lines: true,
    };
    let (models, _materials) = tobj::load_obj_buf(reader, &options, |_| Ok(Default::default()))
        .map_err(|e| Error::data(path, None, format!("bad OBJ: {}", describe(&e))))?;
    let mut mesh = TriMesh::new();
    for model in &models {
        let m = &model.mesh;
        if m.indices.is_empty() {
            continue;
        }
        let group = mesh.group_id(&model.name);
        let base = mesh.vertices.len();
        let nv = m.positions.len() / 3;
        mesh.vertices
            .extend(m.positions.chunks_exact(3).map(|p| [p[0], p[1], p[2]]));
        for t in m.indices.chunks_exact(3) {
            if let Some(&v) = t.iter().find(|&&v| v as usize >= nv) {
                return Err(Error::data(
                    path,
                    None,
                    format!("object '{}': vertex index {v} out of range", model.name),
                ));
            }
            let tri = [t[0], t[1], t[2]].map(|v| (base + v as usize) as u32);
            mesh.push_triangle(tri, group);
        }
    }
    mesh.labels = part_labels(&mesh);
    Ok(mesh)
}

/// The part id of each triangle of `mesh` when every group name is the
/// [`obj_part_name`] of a part (`Chair_leg` -> 14), else `None`.
pub fn part_labels(mesh: &TriMesh) -> Option<Vec<u32>> {
    let ids: Vec<u32> = mesh
        .group_names
        .iter()
        .map(|name| (0..NUM_PARTS as u32).find(|&l| obj_part_name(l) == *name))
        .collect::<Option<_>>()?;
    mesh.groups
        .iter()
        .map(|&g| ids.get(g as usize).copied())
        .collect()
}

/// tobj's error as words.
fn describe(e: &tobj::LoadError) -> String {
    use tobj::LoadError as E;
    match e {
        E::ReadError => "read error (not text?)".into(),
        E::PositionParseError => "cannot parse a vertex position".into(),
        E::FaceParseError => "cannot parse a face".into(),
        E::FaceVertexOutOfBounds => "a face uses a vertex index out of range".into(),
        E::FaceTexCoordOutOfBounds => "a face uses a texture coordinate index out of range".into(),
        E::FaceNormalOutOfBounds => "a face uses a normal index out of range".into(),
        E::InvalidPolygon => "a face has fewer than 3 corners".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> TriMesh {
        read_obj_from(&mut text.as_bytes(), Path::new("t.obj")).unwrap()
    }

    const SQUARE: &str = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\n";

    #[test]
    fn groups_named_after_parts_label_the_triangles() {
        // Chair parts are 12 back, 13 seat, 14 leg, 15 arm.
        let m = read(&format!(
            "{SQUARE}g Chair_leg\nusemtl Chair_leg\nf 1 2 3\ng Chair_back\nf 1 3 4\nf 1 2 4\n"
        ));
        assert_eq!(m.labels, Some(vec![14, 12, 12]));
        assert_eq!(obj_part_name(14), "Chair_leg");
    }

    #[test]
    fn one_other_group_name_leaves_the_mesh_unlabelled() {
        let m = read(&format!("{SQUARE}g Chair_leg\nf 1 2 3\ng lid\nf 1 3 4\n"));
        assert_eq!(m.labels, None);
        // Faces before any group go to tobj's unnamed object.
        let m = read(&format!("{SQUARE}f 1 2 3\ng Chair_leg\nf 1 3 4\n"));
        assert_eq!(m.labels, None);
        assert_eq!(read(&format!("{SQUARE}g part_7\nf 1 2 3\n")).labels, None);
    }

    #[test]
    fn part_names_are_distinct() {
        let mut names: Vec<String> = (0..NUM_PARTS as u32).map(obj_part_name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), NUM_PARTS);
    }
}

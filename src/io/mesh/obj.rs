//! Wavefront OBJ reader, through the `tobj` crate.
//!
//! Polygons are fan-triangulated, points and lines ignored. Each `o` or `g`
//! name becomes a group (the same name twice is one group; faces before any
//! name go to `unnamed_object`). Materials are not read: `mtllib` lines are
//! ignored, so a missing `.mtl` file is not an error.

use super::TriMesh;
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
    Ok(mesh)
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

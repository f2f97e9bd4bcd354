//! PLY mesh reader: the `vertex` element's `x y z` and the `face` element's
//! `vertex_indices` (or `vertex_index`) list, in ascii, binary
//! little-endian and binary big-endian.
//!
//! The header is parsed by the point-cloud reader's
//! [`read_ply_header`](crate::io::ply::read_ply_header); that reader decodes
//! only the `vertex` element, so the body is decoded here. Other elements
//! and properties are skipped; polygons are fan-triangulated. A PLY file
//! without a `face` element is a point cloud, and an error here.
//!
//! A scalar `label` property of the `face` element (as `pcseg run
//! --mesh-out` writes it) is the face's global part id, kept for each of its
//! triangles in [`TriMesh::labels`]; a label that is not a part id
//! (`0..50`) is an error.

use super::TriMesh;
use crate::categories::NUM_PARTS;
use crate::cloud::ScalarKind;
use crate::error::{Error, Result};
use crate::io::numparse::{parse_f64, show};
use crate::io::ply::{read_ply_header, PlyEncoding, PlyType};
use std::path::Path;

/// Most records reserved up front whatever the header claims.
const MAX_RESERVE: u64 = 1 << 20;

/// Where the values of one body come from.
trait Source {
    /// The next scalar of type `kind`, as `f64` (exact for every PLY type).
    fn scalar(&mut self, kind: ScalarKind) -> std::result::Result<f64, String>;
    /// Line for messages (ascii only).
    fn line(&self) -> Option<u64>;
}

struct Ascii<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl Source for Ascii<'_> {
    fn scalar(&mut self, _kind: ScalarKind) -> std::result::Result<f64, String> {
        while let Some(&b) = self.text.get(self.pos) {
            if b == b'\n' {
                self.line += 1;
            }
            if !b.is_ascii_whitespace() {
                break;
            }
            self.pos += 1;
        }
        let start = self.pos;
        while self.pos < self.text.len() && !self.text[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let tok = &self.text[start..self.pos];
        if tok.is_empty() {
            return Err("the body ends early (truncated)".into());
        }
        parse_f64(tok).ok_or_else(|| format!("bad number '{}'", show(tok)))
    }
    fn line(&self) -> Option<u64> {
        Some(self.line)
    }
}

struct Binary<'a> {
    data: &'a [u8],
    pos: usize,
    big: bool,
}

impl Binary<'_> {
    fn take<const N: usize>(&mut self) -> std::result::Result<[u8; N], String> {
        let b = self
            .data
            .get(self.pos..self.pos + N)
            .ok_or_else(|| "the body ends early (truncated)".to_string())?;
        self.pos += N;
        let mut a: [u8; N] = b.try_into().expect("slice of N bytes");
        if self.big {
            a.reverse();
        }
        Ok(a)
    }
}

impl Source for Binary<'_> {
    fn scalar(&mut self, kind: ScalarKind) -> std::result::Result<f64, String> {
        Ok(match kind {
            ScalarKind::I8 => i8::from_le_bytes(self.take()?) as f64,
            ScalarKind::U8 => u8::from_le_bytes(self.take()?) as f64,
            ScalarKind::I16 => i16::from_le_bytes(self.take()?) as f64,
            ScalarKind::U16 => u16::from_le_bytes(self.take()?) as f64,
            ScalarKind::I32 => i32::from_le_bytes(self.take()?) as f64,
            ScalarKind::U32 => u32::from_le_bytes(self.take()?) as f64,
            ScalarKind::F32 => f32::from_le_bytes(self.take()?) as f64,
            ScalarKind::F64 => f64::from_le_bytes(self.take()?),
        })
    }
    fn line(&self) -> Option<u64> {
        None
    }
}

/// A non-negative integer from a PLY value.
fn as_index(v: f64) -> Option<u64> {
    (v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64).then_some(v as u64)
}

/// Parse PLY mesh `bytes`. `path` is used in messages only.
pub fn read_ply_mesh(bytes: &[u8], path: &Path) -> Result<TriMesh> {
    let mut cursor = std::io::Cursor::new(bytes);
    let header = read_ply_header(&mut cursor, path)?;
    let body = &bytes[cursor.position() as usize..];
    let find = |name: &str| header.elements.iter().position(|e| e.name == name);
    let vi = find("vertex")
        .ok_or_else(|| Error::data(path, None, "PLY file has no 'vertex' element"))?;
    let fi = find("face").ok_or_else(|| {
        Error::data(
            path,
            None,
            "PLY file has no 'face' element (a point cloud, not a mesh)",
        )
    })?;
    let vertex = &header.elements[vi];
    let mut axes = [usize::MAX; 3];
    for (k, name) in ["x", "y", "z"].iter().enumerate() {
        axes[k] = vertex
            .properties
            .iter()
            .position(|p| p.name == *name && matches!(p.ty, PlyType::Scalar(_)))
            .ok_or_else(|| {
                Error::data(
                    path,
                    None,
                    format!("vertex element has no scalar '{name}' property"),
                )
            })?;
    }
    let face = &header.elements[fi];
    let index_prop = face
        .properties
        .iter()
        .position(|p| {
            matches!(p.name.as_str(), "vertex_indices" | "vertex_index")
                && matches!(p.ty, PlyType::List(..))
        })
        .ok_or_else(|| {
            Error::data(
                path,
                None,
                "face element has no 'vertex_indices' (or 'vertex_index') list property",
            )
        })?;
    let label_prop = face
        .properties
        .iter()
        .position(|p| p.name == "label" && matches!(p.ty, PlyType::Scalar(_)));
    let mut ascii;
    let mut binary;
    let src: &mut dyn Source = match header.encoding {
        PlyEncoding::Ascii => {
            ascii = Ascii {
                text: body,
                pos: 0,
                line: header.lines + 1,
            };
            &mut ascii
        }
        e => {
            binary = Binary {
                data: body,
                pos: 0,
                big: e == PlyEncoding::BinaryBigEndian,
            };
            &mut binary
        }
    };
    let mut mesh = TriMesh::new();
    let group = mesh.group_id("mesh");
    let mut labels: Vec<u32> = Vec::new();
    let mut corners: Vec<u32> = Vec::new();
    let last = vi.max(fi);
    for (ei, element) in header.elements.iter().enumerate().take(last + 1) {
        let is_vertex = ei == vi;
        let is_face = ei == fi;
        if is_vertex {
            mesh.vertices
                .reserve(element.count.min(MAX_RESERVE) as usize);
        }
        for record in 0..element.count {
            let at = |src: &dyn Source, m: String| {
                Error::data(
                    path,
                    src.line(),
                    format!("element '{}' record {record}: {m}", element.name),
                )
            };
            let mut p = [0.0f64; 3];
            let mut label = 0u32;
            corners.clear();
            for (pi, prop) in element.properties.iter().enumerate() {
                match prop.ty {
                    PlyType::Scalar(kind) => {
                        let v = src.scalar(kind).map_err(|m| at(src, m))?;
                        if is_vertex {
                            if let Some(k) = axes.iter().position(|&a| a == pi) {
                                p[k] = v;
                            }
                        }
                        if is_face && label_prop == Some(pi) {
                            label = as_index(v)
                                .filter(|&l| l < NUM_PARTS as u64)
                                .ok_or_else(|| {
                                    at(
                                        src,
                                        format!(
                                            "face label {v} is not a ShapeNetPart part id (0..{NUM_PARTS})"
                                        ),
                                    )
                                })? as u32;
                        }
                    }
                    PlyType::List(count_kind, kind) => {
                        let c = src.scalar(count_kind).map_err(|m| at(src, m))?;
                        let n =
                            as_index(c).ok_or_else(|| at(src, format!("bad list length {c}")))?;
                        for _ in 0..n {
                            let v = src.scalar(kind).map_err(|m| at(src, m))?;
                            if is_face && pi == index_prop {
                                let idx =
                                    as_index(v).filter(|&i| i < vertex.count).ok_or_else(|| {
                                        at(
                                            src,
                                            format!(
                                                "vertex index {v} out of range (0..{})",
                                                vertex.count
                                            ),
                                        )
                                    })?;
                                corners.push(idx as u32);
                            }
                        }
                    }
                }
            }
            if is_vertex {
                mesh.vertices.push(p);
            }
            if is_face {
                let before = mesh.triangles.len();
                mesh.push_polygon(&corners, group);
                labels.resize(labels.len() + mesh.triangles.len() - before, label);
            }
        }
    }
    if label_prop.is_some() {
        mesh.labels = Some(labels);
    }
    Ok(mesh)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(labels: [&str; 2]) -> String {
        format!(
            "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\n\
             property float z\nelement face 2\nproperty list uchar int vertex_indices\n\
             property int label\nend_header\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n\
             3 0 1 2 {}\n4 0 1 2 3 {}\n",
            labels[0], labels[1]
        )
    }

    #[test]
    fn a_face_label_is_kept_for_each_of_its_triangles() {
        let m = read_ply_mesh(square(["12", "49"]).as_bytes(), Path::new("s.ply")).unwrap();
        assert_eq!(m.triangles.len(), 3);
        assert_eq!(m.labels, Some(vec![12, 49, 49]));
        let no_label = square(["", ""]).replace("property int label\n", "");
        let m = read_ply_mesh(no_label.as_bytes(), Path::new("s.ply")).unwrap();
        assert_eq!(m.labels, None);
    }

    #[test]
    fn a_label_that_is_not_a_part_id_is_an_error() {
        for bad in ["50", "-1", "2.5"] {
            let e = read_ply_mesh(square(["3", bad]).as_bytes(), Path::new("s.ply")).unwrap_err();
            let e = e.to_string();
            assert!(
                e.starts_with("s.ply: line 16: element 'face' record 1: "),
                "{e}"
            );
            assert!(
                e.contains(&format!(
                    "face label {bad} is not a ShapeNetPart part id (0..50)"
                )),
                "{e}"
            );
        }
    }
}

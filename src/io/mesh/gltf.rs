//! glTF 2.0 reader (`.gltf` JSON with external or `data:` buffers, `.glb`
//! binary), through the `gltf` crate (without its image and import
//! features: buffers are resolved here).
//!
//! The default scene (else the first, else every mesh untransformed) is
//! walked from its root nodes, node transforms applied down the tree.
//! Primitives in triangle, strip and fan modes are read (points and lines
//! skipped; non-indexed primitives use consecutive vertices). Each mesh is a
//! group named by the mesh (else the node, else `mesh#<index>`). Sparse
//! accessors are refused.

use super::{read_bytes, TriMesh};
use crate::error::{Error, Result};
use gltf::mesh::Mode;
use std::path::Path;

/// Read the glTF or GLB file at `path`.
pub fn read_gltf(path: &Path) -> Result<TriMesh> {
    let bytes = read_bytes(path)?;
    let doc = gltf::Gltf::from_slice(&bytes)
        .map_err(|e| Error::data(path, None, format!("bad glTF: {e}")))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut buffers: Vec<Vec<u8>> = Vec::new();
    for buffer in doc.buffers() {
        let data = match buffer.source() {
            gltf::buffer::Source::Bin => doc.blob.clone().ok_or_else(|| {
                Error::data(
                    path,
                    None,
                    "glTF buffer refers to a GLB binary chunk that is missing",
                )
            })?,
            gltf::buffer::Source::Uri(uri) => load_uri(uri, base, path)?,
        };
        if data.len() < buffer.length() {
            return Err(Error::data(
                path,
                None,
                format!(
                    "glTF buffer {} has {} bytes, declares {} (truncated)",
                    buffer.index(),
                    data.len(),
                    buffer.length()
                ),
            ));
        }
        buffers.push(data);
    }
    let mut mesh = TriMesh::new();
    let scene = doc.default_scene().or_else(|| doc.scenes().next());
    match scene {
        Some(scene) => {
            let mut stack: Vec<(gltf::Node, [[f64; 4]; 4])> =
                scene.nodes().map(|n| (n, IDENTITY4)).collect();
            let mut visited = 0usize;
            while let Some((node, parent)) = stack.pop() {
                visited += 1;
                if visited > 1_000_000 {
                    return Err(Error::data(path, None, "glTF node tree too deep or cyclic"));
                }
                let local = node.transform().matrix().map(|c| c.map(f64::from));
                let world = mul4(&parent, &local);
                if let Some(m) = node.mesh() {
                    let name = m
                        .name()
                        .or(node.name())
                        .map_or_else(|| format!("mesh#{}", m.index()), str::to_string);
                    add_mesh(&mut mesh, &m, &name, &world, &buffers, path)?;
                }
                stack.extend(node.children().map(|c| (c, world)));
            }
        }
        None => {
            for m in doc.meshes() {
                let name = m
                    .name()
                    .map_or_else(|| format!("mesh#{}", m.index()), str::to_string);
                add_mesh(&mut mesh, &m, &name, &IDENTITY4, &buffers, path)?;
            }
        }
    }
    Ok(mesh)
}

const IDENTITY4: [[f64; 4]; 4] = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0],
];

/// Product of two column-major 4x4 matrices (`a * b`).
fn mul4(a: &[[f64; 4]; 4], b: &[[f64; 4]; 4]) -> [[f64; 4]; 4] {
    let mut out = [[0.0; 4]; 4];
    for (c, col) in out.iter_mut().enumerate() {
        for (r, v) in col.iter_mut().enumerate() {
            *v = (0..4).map(|k| a[k][r] * b[c][k]).sum();
        }
    }
    out
}

/// Whether `accessor` fits in its buffer view and the view in its buffer.
fn accessor_fits(accessor: &gltf::Accessor, buffers: &[Vec<u8>]) -> bool {
    let Some(view) = accessor.view() else {
        return false;
    };
    if accessor.sparse().is_some() {
        return false;
    }
    let Some(data) = buffers.get(view.buffer().index()) else {
        return false;
    };
    if view
        .offset()
        .checked_add(view.length())
        .is_none_or(|e| e > data.len())
    {
        return false;
    }
    let size = accessor.size();
    let stride = view.stride().unwrap_or(size);
    let count = accessor.count();
    count == 0
        || stride
            .checked_mul(count - 1)
            .and_then(|x| x.checked_add(size))
            .and_then(|x| x.checked_add(accessor.offset()))
            .is_some_and(|end| end <= view.length())
}

fn add_mesh(
    mesh: &mut TriMesh,
    m: &gltf::Mesh,
    name: &str,
    world: &[[f64; 4]; 4],
    buffers: &[Vec<u8>],
    path: &Path,
) -> Result<()> {
    let group = mesh.group_id(name);
    for prim in m.primitives() {
        let mode = prim.mode();
        if !matches!(
            mode,
            Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan
        ) {
            continue;
        }
        let bad = |what: &str| {
            Error::data(
                path,
                None,
                format!("glTF mesh '{name}' primitive {}: {what}", prim.index()),
            )
        };
        let Some(pos) = prim.get(&gltf::Semantic::Positions) else {
            return Err(bad("no POSITION attribute"));
        };
        if !accessor_fits(&pos, buffers) || pos.size() != 12 {
            return Err(bad(
                "POSITION accessor out of its buffer, sparse, or not float VEC3",
            ));
        }
        if let Some(ind) = prim.indices() {
            if !accessor_fits(&ind, buffers) {
                return Err(bad("index accessor out of its buffer or sparse"));
            }
        }
        let reader = prim.reader(|b| buffers.get(b.index()).map(|v| &v[..]));
        let base = mesh.vertices.len();
        let positions = reader
            .read_positions()
            .ok_or_else(|| bad("cannot read positions"))?;
        for p in positions {
            let p = p.map(f64::from);
            let q: [f64; 3] = std::array::from_fn(|r| {
                world[0][r] * p[0] + world[1][r] * p[1] + world[2][r] * p[2] + world[3][r]
            });
            mesh.vertices.push(q);
        }
        let nv = mesh.vertices.len() - base;
        let indices: Vec<u32> = match reader.read_indices() {
            Some(i) => i.into_u32().collect(),
            None => (0..nv as u32).collect(),
        };
        if let Some(&v) = indices.iter().find(|&&v| v as usize >= nv) {
            return Err(bad(&format!("index {v} out of range (0..{nv})")));
        }
        let at = |v: u32| (base + v as usize) as u32;
        match mode {
            Mode::Triangles => {
                for t in indices.chunks_exact(3) {
                    mesh.push_triangle([at(t[0]), at(t[1]), at(t[2])], group);
                }
            }
            Mode::TriangleStrip => {
                for k in 0..indices.len().saturating_sub(2) {
                    let (a, b, c) = (at(indices[k]), at(indices[k + 1]), at(indices[k + 2]));
                    mesh.push_triangle(if k % 2 == 0 { [a, b, c] } else { [b, a, c] }, group);
                }
            }
            _ => {
                let corners: Vec<u32> = indices.iter().map(|&v| at(v)).collect();
                mesh.push_polygon(&corners, group);
            }
        }
    }
    Ok(())
}

/// The bytes of a buffer URI: a `data:` URI (base64) or a file relative to
/// the glTF file's folder.
fn load_uri(uri: &str, base: &Path, path: &Path) -> Result<Vec<u8>> {
    if let Some(rest) = uri.strip_prefix("data:") {
        let (_, payload) = rest
            .split_once(";base64,")
            .ok_or_else(|| Error::data(path, None, "glTF data URI is not base64"))?;
        return base64_decode(payload)
            .ok_or_else(|| Error::data(path, None, "glTF data URI holds invalid base64"));
    }
    if uri.contains("://") {
        return Err(Error::data(
            path,
            None,
            format!("glTF buffer URI '{uri}' is not a local file"),
        ));
    }
    let file = base.join(percent_decode(uri));
    std::fs::read(&file).map_err(|e| Error::io(&file, e))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64 (padding optional, whitespace ignored).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_percent_decoding() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64_decode("AAEC").unwrap(), vec![0, 1, 2]);
        assert!(base64_decode("a$b").is_none());
        assert_eq!(percent_decode("a%20b.bin"), "a b.bin");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}

//! STL reader (ascii and binary) and a binary writer.
//!
//! Binary or ascii is decided by size first: a file of exactly
//! `84 + 50 * n` bytes, `n` being the count at byte 80, is binary even when
//! its 80-byte header starts with `solid` (many exporters write that).
//! Otherwise a file starting with `solid` is ascii, and anything else is a
//! binary file whose size does not match its count (truncated).
//!
//! STL repeats each corner in every facet; corners with bit-identical
//! coordinates are merged. The stored facet normals are ignored (the corner
//! order defines the face normal). Each ascii `solid` becomes a group named
//! by it; a binary file is one group, `solid`.

use super::{lossy, TriMesh, Welder};
use crate::error::{Error, Result};
use crate::io::numparse::parse_f64;
use std::io::Write;
use std::path::Path;

/// Whether `bytes` is a binary STL by the size rule.
fn is_binary(bytes: &[u8]) -> bool {
    bytes.len() >= 84 && {
        let n = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]) as u64;
        bytes.len() as u64 == 84 + 50 * n
    }
}

/// Parse STL `bytes`. `path` is used in messages only.
pub fn read_stl(bytes: &[u8], path: &Path) -> Result<TriMesh> {
    if is_binary(bytes) {
        return Ok(read_binary(bytes));
    }
    let head = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if bytes[head..].starts_with(b"solid") {
        return read_ascii(bytes, path);
    }
    if bytes.len() < 84 {
        return Err(Error::data(
            path,
            None,
            format!(
                "not an STL file ({} bytes, no 'solid' and no binary header)",
                bytes.len()
            ),
        ));
    }
    let n = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]) as u64;
    Err(Error::data(
        path,
        None,
        format!(
            "binary STL of {n} triangles should have {} bytes, has {} (truncated or not STL)",
            84 + 50 * n,
            bytes.len()
        ),
    ))
}

fn read_binary(bytes: &[u8]) -> TriMesh {
    let mut mesh = TriMesh::new();
    let group = mesh.group_id("solid");
    let mut welder = Welder::default();
    let f = |b: &[u8], o: usize| f32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]) as f64;
    for rec in bytes[84..].chunks_exact(50) {
        let mut tri = [0u32; 3];
        for (k, t) in tri.iter_mut().enumerate() {
            let o = 12 + 12 * k;
            *t = welder.index(&mut mesh, [f(rec, o), f(rec, o + 4), f(rec, o + 8)]);
        }
        mesh.push_triangle(tri, group);
    }
    mesh
}

fn read_ascii(bytes: &[u8], path: &Path) -> Result<TriMesh> {
    let text = lossy(bytes);
    let mut mesh = TriMesh::new();
    let mut welder = Welder::default();
    let mut group = None;
    let mut facet: Vec<u32> = Vec::new();
    let mut in_facet = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let l = raw.trim();
        let err = |m: String| Error::data(path, Some(line), m);
        let mut it = l.split_whitespace();
        match it.next() {
            None => {}
            Some("solid") => {
                let name = l["solid".len()..].trim();
                group = Some(mesh.group_id(if name.is_empty() { "solid" } else { name }));
            }
            Some("facet") => {
                if in_facet {
                    return Err(err("'facet' inside a facet".into()));
                }
                in_facet = true;
                facet.clear();
            }
            Some("vertex") => {
                if !in_facet {
                    return Err(err("'vertex' outside a facet".into()));
                }
                let mut p = [0.0f64; 3];
                for c in &mut p {
                    let t = it
                        .next()
                        .ok_or_else(|| err("vertex needs 3 coordinates".into()))?;
                    *c = parse_f64(t.as_bytes()).ok_or_else(|| err(format!("bad number '{t}'")))?;
                }
                facet.push(welder.index(&mut mesh, p));
            }
            Some("endfacet") => {
                if !in_facet {
                    return Err(err("'endfacet' without 'facet'".into()));
                }
                if facet.len() < 3 {
                    return Err(err(format!("facet has {} vertices, needs 3", facet.len())));
                }
                let g = match group {
                    Some(g) => g,
                    None => mesh.group_id("solid"),
                };
                mesh.push_polygon(&facet, g);
                in_facet = false;
            }
            Some("outer" | "endloop" | "endsolid") => {}
            Some(w) => return Err(err(format!("unexpected '{w}' in ascii STL"))),
        }
    }
    if in_facet {
        return Err(Error::data(
            path,
            None,
            "ascii STL ends inside a facet (truncated)",
        ));
    }
    Ok(mesh)
}

/// Write `mesh` as binary STL (f32 coordinates, face normals from the corner
/// order, `header` cut or padded to 80 bytes).
pub fn write_stl_binary<W: Write>(w: &mut W, mesh: &TriMesh, header: &[u8]) -> std::io::Result<()> {
    let mut h = [0u8; 80];
    let k = header.len().min(80);
    h[..k].copy_from_slice(&header[..k]);
    w.write_all(&h)?;
    w.write_all(&(mesh.triangles.len() as u32).to_le_bytes())?;
    for i in 0..mesh.triangles.len() {
        let n = mesh.face_normal(i).unwrap_or([0.0; 3]);
        let mut rec = Vec::with_capacity(50);
        for v in std::iter::once(n).chain(mesh.corners(i)) {
            for c in v {
                rec.extend_from_slice(&(c as f32).to_le_bytes());
            }
        }
        rec.extend_from_slice(&[0, 0]);
        w.write_all(&rec)?;
    }
    Ok(())
}

/// Write `mesh` as ascii STL, one `solid` per group (groups without
/// triangles are left out).
pub fn write_stl_ascii<W: Write>(w: &mut W, mesh: &TriMesh) -> std::io::Result<()> {
    for (g, name) in mesh.group_names.iter().enumerate() {
        let tris: Vec<usize> = (0..mesh.triangles.len())
            .filter(|&i| mesh.groups[i] as usize == g)
            .collect();
        if tris.is_empty() {
            continue;
        }
        writeln!(w, "solid {name}")?;
        for i in tris {
            let n = mesh.face_normal(i).unwrap_or([0.0; 3]);
            writeln!(w, "  facet normal {} {} {}", n[0], n[1], n[2])?;
            writeln!(w, "    outer loop")?;
            for p in mesh.corners(i) {
                writeln!(w, "      vertex {} {} {}", p[0], p[1], p[2])?;
            }
            writeln!(w, "    endloop")?;
            writeln!(w, "  endfacet")?;
        }
        writeln!(w, "endsolid {name}")?;
    }
    Ok(())
}

//! OFF (Object File Format) reader, ascii.
//!
//! Header keywords `OFF`, `COFF`, `NOFF`, `CNOFF`, `STOFF`, `STCNOFF`, ...
//! (any prefix of `ST`, `C`, `N` before `OFF`) are accepted; the counts
//! `nv nf ne` may follow on the same line, or be glued to the keyword as in
//! some ModelNet files (`OFF490 518 0`). `#` starts a comment. A vertex line
//! holds `x y z` and anything after (colour, normal, texture) is ignored; a
//! face line holds `n i1 .. in` (a polygon, fan-triangulated) and anything
//! after (a colour). Binary OFF and 4-D/n-D variants are refused.

use super::{lossy, text_lines, TriMesh};
use crate::error::{Error, Result};
use crate::io::numparse::parse_f64;
use std::path::Path;

/// Most vertices or faces reserved up front whatever the header claims.
const MAX_RESERVE: usize = 1 << 20;

/// Parse OFF `bytes`. `path` is used in messages only.
pub fn read_off(bytes: &[u8], path: &Path) -> Result<TriMesh> {
    let text = lossy(bytes);
    let mut lines = text_lines(&text);
    let err = |line: u64, m: String| Error::data(path, Some(line), m);
    let (line_no, first) = lines
        .next()
        .ok_or_else(|| Error::data(path, None, "empty OFF file"))?;
    let mut tokens = first.split_whitespace();
    let keyword = tokens.next().unwrap_or("");
    let upper = keyword.to_ascii_uppercase();
    let Some(pos) = upper.find("OFF") else {
        return Err(err(
            line_no,
            format!("not an OFF file (first word '{keyword}')"),
        ));
    };
    let prefix = &upper[..pos];
    if !prefix.chars().all(|c| matches!(c, 'S' | 'T' | 'C' | 'N')) {
        return Err(err(
            line_no,
            format!("unsupported OFF variant '{keyword}' (only 3-D OFF is read)"),
        ));
    }
    let mut counts: Vec<String> = Vec::new();
    let glued = &keyword[pos + 3..];
    if !glued.is_empty() {
        counts.push(glued.to_string());
    }
    for t in tokens {
        if t.eq_ignore_ascii_case("BINARY") {
            return Err(err(line_no, "binary OFF is not supported".into()));
        }
        counts.push(t.to_string());
    }
    let mut count_line = line_no;
    while counts.len() < 2 {
        let (n, l) = lines.next().ok_or_else(|| {
            Error::data(
                path,
                None,
                "OFF file ends before the vertex and face counts",
            )
        })?;
        count_line = n;
        counts.extend(l.split_whitespace().map(str::to_string));
    }
    let parse_count = |s: &str| -> Result<usize> {
        s.parse::<usize>()
            .map_err(|_| err(count_line, format!("bad count '{s}' in the OFF header")))
    };
    let nv = parse_count(&counts[0])?;
    let nf = parse_count(&counts[1])?;
    let mut mesh = TriMesh::new();
    let group = mesh.group_id("mesh");
    mesh.vertices.reserve(nv.min(MAX_RESERVE));
    for i in 0..nv {
        let (n, l) = lines.next().ok_or_else(|| {
            Error::data(
                path,
                None,
                format!("OFF file ends after {i} of {nv} vertices"),
            )
        })?;
        let mut it = l.split_whitespace();
        let mut p = [0.0f64; 3];
        for c in &mut p {
            let t = it
                .next()
                .ok_or_else(|| err(n, format!("vertex {i}: expected 3 coordinates")))?;
            *c = parse_f64(t.as_bytes())
                .ok_or_else(|| err(n, format!("vertex {i}: bad number '{t}'")))?;
        }
        mesh.vertices.push(p);
    }
    let mut corners: Vec<u32> = Vec::new();
    for i in 0..nf {
        let (n, l) = lines.next().ok_or_else(|| {
            Error::data(path, None, format!("OFF file ends after {i} of {nf} faces"))
        })?;
        let mut it = l.split_whitespace();
        let k: usize = it
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| err(n, format!("face {i}: bad corner count")))?;
        corners.clear();
        for _ in 0..k {
            let t = it
                .next()
                .ok_or_else(|| err(n, format!("face {i}: expected {k} vertex indices")))?;
            let v: u32 = t
                .parse()
                .ok()
                .filter(|&v: &u32| (v as usize) < nv)
                .ok_or_else(|| {
                    err(
                        n,
                        format!("face {i}: vertex index '{t}' out of range (0..{nv})"),
                    )
                })?;
            corners.push(v);
        }
        mesh.push_polygon(&corners, group);
    }
    Ok(mesh)
}

//! AC3D reader (`.ac`, and TORCS' `.acc`), the text format of FlightGear and
//! TORCS models.
//!
//! A file is `AC3D<version>`, `MATERIAL` lines, then one `OBJECT` tree.
//! Each object may have `name`, `loc x y z` (translation) and `rot` (nine
//! numbers), `numvert` vertex lines (`x y z`, anything after ignored:
//! TORCS writes normals there), `numsurf` surfaces (`SURF flags`, `mat`,
//! `refs n` then `n` lines whose first number is a vertex index; texture
//! coordinates ignored) and ends with `kids n`, followed by its `n` child
//! objects. Other lines (`data`, `texture`, `crease`, ...) are skipped, the
//! text after `data n` included.
//!
//! Transforms follow PLIB's loader (what FlightGear and TORCS use): a point
//! `v` of an object goes to its parent's frame as `v' = v R + loc`, `v` a row
//! vector and `R` the nine `rot` numbers row by row; this applies down the
//! hierarchy to the object's own vertices and to all its descendants.
//!
//! A file that ends after a complete object while `kids` counts promise
//! more is read (PLIB does so, and many FlightGear files overcount); a file
//! that ends inside an object is an error.
//!
//! Surface type `flags & 0xF`: 0 polygon (fan-triangulated), 4 triangle
//! strip (written by TORCS' `accc`), 1 and 2 lines (skipped). Every object
//! with triangles is a group named by its `name` (or `<type>#<n>`).

use super::{apply, lossy, TriMesh};
use crate::error::{Error, Result};
use crate::io::numparse::parse_f64;
use std::path::Path;

/// Most vertices reserved up front whatever `numvert` claims.
const MAX_RESERVE: usize = 1 << 20;

/// Row-major 3x3 matrix and translation: `p -> m p + t` (column vectors).
#[derive(Clone, Copy)]
struct Affine {
    m: [[f64; 3]; 3],
    t: [f64; 3],
}

const IDENTITY: Affine = Affine {
    m: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    t: [0.0; 3],
};

impl Affine {
    /// `self` after `local`: `p -> self(local(p))`.
    fn then_local(&self, local: &Affine) -> Affine {
        let mut m = [[0.0; 3]; 3];
        for (r, row) in m.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = (0..3).map(|k| self.m[r][k] * local.m[k][c]).sum();
            }
        }
        Affine {
            m,
            t: apply(self.m, self.t, local.t),
        }
    }
}

struct Lines<'a> {
    lines: std::iter::Enumerate<std::str::Split<'a, char>>,
    path: &'a Path,
    line: u64,
}

impl<'a> Lines<'a> {
    /// The next non-blank line, trimmed.
    fn next(&mut self) -> Option<&'a str> {
        for (i, l) in self.lines.by_ref() {
            self.line = i as u64 + 1;
            let l = l.trim();
            if !l.is_empty() {
                return Some(l);
            }
        }
        None
    }

    /// The next non-blank line, or a truncation error naming `what`.
    fn need(&mut self, what: &str) -> Result<&'a str> {
        self.next().ok_or_else(|| {
            Error::data(
                self.path,
                None,
                format!("AC3D file ends inside {what} (truncated)"),
            )
        })
    }

    /// Skip the `n` characters of a `data n` block.
    fn skip_chars(&mut self, n: usize) {
        let mut left = n;
        while left > 0 {
            match self.lines.next() {
                Some((i, l)) => {
                    self.line = i as u64 + 1;
                    left = left.saturating_sub(l.trim_end_matches('\r').chars().count() + 1);
                }
                None => return,
            }
        }
    }

    fn err(&self, m: impl Into<String>) -> Error {
        Error::data(self.path, Some(self.line), m)
    }
}

fn numbers<const N: usize>(
    lines: &Lines,
    tokens: &mut std::str::SplitWhitespace,
    what: &str,
) -> Result<[f64; N]> {
    let mut out = [0.0; N];
    for v in &mut out {
        let t = tokens
            .next()
            .ok_or_else(|| lines.err(format!("{what}: expected {N} numbers")))?;
        *v = parse_f64(t.as_bytes())
            .ok_or_else(|| lines.err(format!("{what}: bad number '{t}'")))?;
    }
    Ok(out)
}

fn count(lines: &Lines, tokens: &mut std::str::SplitWhitespace, what: &str) -> Result<usize> {
    let t = tokens.next().unwrap_or("");
    t.parse()
        .map_err(|_| lines.err(format!("bad {what} count '{t}'")))
}

/// One open object on the stack: its world transform and how many of its
/// kids are still to be read.
struct Open {
    world: Affine,
    kids_left: usize,
}

/// Parse AC3D `bytes`. `path` is used in messages only.
pub fn read_ac3d(bytes: &[u8], path: &Path) -> Result<TriMesh> {
    let text = lossy(bytes);
    let mut lines = Lines {
        lines: text.split('\n').enumerate(),
        path,
        line: 0,
    };
    match lines.next() {
        Some(l) if l.starts_with("AC3D") => {}
        _ => {
            return Err(Error::data(
                path,
                Some(1),
                "not an AC3D file (no 'AC3D' first line)",
            ))
        }
    }
    let mut mesh = TriMesh::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut objects = 0usize;
    let mut corners: Vec<u32> = Vec::new();
    let mut line = lines.next();
    // Materials before the first object.
    while let Some(l) = line {
        if !l.starts_with("MATERIAL") {
            break;
        }
        line = lines.next();
    }
    while let Some(l) = line {
        if objects > 0 && stack.is_empty() && !l.starts_with("OBJECT") {
            return Err(lines.err(format!(
                "text after the object tree: '{}'",
                l.chars().take(40).collect::<String>()
            )));
        }
        let mut tokens = l.split_whitespace();
        if tokens.next() != Some("OBJECT") {
            return Err(lines.err(format!(
                "expected OBJECT, found '{}'",
                l.chars().take(40).collect::<String>()
            )));
        }
        let kind = tokens.next().unwrap_or("poly").to_string();
        objects += 1;
        let parent = stack.last().map_or(IDENTITY, |o| o.world);
        let mut name: Option<String> = None;
        let mut local = IDENTITY;
        let mut verts: Vec<[f64; 3]> = Vec::new();
        let mut polys: Vec<Vec<u32>> = Vec::new();
        let kids;
        loop {
            let l = lines.need("an OBJECT")?;
            let mut tokens = l.split_whitespace();
            let key = tokens.next().unwrap_or("");
            match key {
                "name" => {
                    let rest = l["name".len()..].trim();
                    name = Some(rest.trim_matches('"').to_string());
                }
                "data" => {
                    let n = count(&lines, &mut tokens, "data")?;
                    lines.skip_chars(n);
                }
                "loc" => local.t = numbers::<3>(&lines, &mut tokens, "loc")?,
                "rot" => {
                    let r = numbers::<9>(&lines, &mut tokens, "rot")?;
                    // v' = v R (row vector) is m = R transposed for columns.
                    for (i, row) in local.m.iter_mut().enumerate() {
                        for (j, v) in row.iter_mut().enumerate() {
                            *v = r[j * 3 + i];
                        }
                    }
                }
                "numvert" => {
                    let n = count(&lines, &mut tokens, "numvert")?;
                    verts.reserve(n.min(MAX_RESERVE));
                    for _ in 0..n {
                        let l = lines.need("the vertex list")?;
                        verts.push(numbers::<3>(&lines, &mut l.split_whitespace(), "vertex")?);
                    }
                }
                "numsurf" => {
                    let n = count(&lines, &mut tokens, "numsurf")?;
                    for s in 0..n {
                        let mut flags = 0u32;
                        let refs = loop {
                            let l = lines.need("a surface")?;
                            let mut t = l.split_whitespace();
                            match t.next().unwrap_or("") {
                                "SURF" => {
                                    let f = t.next().unwrap_or("");
                                    let hex = f.strip_prefix("0x").or_else(|| f.strip_prefix("0X"));
                                    flags = match hex {
                                        Some(h) => u32::from_str_radix(h, 16).ok(),
                                        None => f.parse().ok(),
                                    }
                                    .ok_or_else(|| lines.err(format!("surface {s}: bad SURF flags '{f}'")))?;
                                }
                                "mat" => {}
                                "refs" => break count(&lines, &mut t, "refs")?,
                                other => {
                                    return Err(lines.err(format!(
                                        "surface {s}: unexpected '{other}' (expected SURF, mat or refs)"
                                    )))
                                }
                            }
                        };
                        corners.clear();
                        for _ in 0..refs {
                            let l = lines.need("a surface's refs")?;
                            let t = l.split_whitespace().next().unwrap_or("");
                            let v: u32 = t
                                .parse()
                                .ok()
                                .filter(|&v: &u32| (v as usize) < verts.len())
                                .ok_or_else(|| {
                                    lines.err(format!(
                                        "surface {s}: vertex index '{t}' out of range (0..{})",
                                        verts.len()
                                    ))
                                })?;
                            corners.push(v);
                        }
                        match flags & 0xF {
                            0 => polys.push(corners.clone()),
                            4 => {
                                for k in 0..corners.len().saturating_sub(2) {
                                    let (a, b, c) = (corners[k], corners[k + 1], corners[k + 2]);
                                    polys.push(if k % 2 == 0 {
                                        vec![a, b, c]
                                    } else {
                                        vec![b, a, c]
                                    });
                                }
                            }
                            _ => {} // lines
                        }
                    }
                }
                "kids" => {
                    kids = count(&lines, &mut tokens, "kids")?;
                    break;
                }
                "OBJECT" => {
                    return Err(lines.err("OBJECT before the previous object's 'kids' line"))
                }
                _ => {} // texture, texrep, texoff, crease, url, hidden, locked, folded, subdiv, ...
            }
        }
        let world = parent.then_local(&local);
        if !polys.is_empty() {
            let group_name = name.unwrap_or_else(|| format!("{kind}#{objects}"));
            let group = mesh.group_id(&group_name);
            let base = mesh.vertices.len() as u32;
            mesh.vertices
                .extend(verts.iter().map(|&v| apply(world.m, world.t, v)));
            for p in &polys {
                let shifted: Vec<u32> = p.iter().map(|&v| v + base).collect();
                mesh.push_polygon(&shifted, group);
            }
        }
        // This object counts as one kid of its parent; then open it if it has kids.
        if let Some(top) = stack.last_mut() {
            top.kids_left -= 1;
        }
        if kids > 0 {
            stack.push(Open {
                world,
                kids_left: kids,
            });
        }
        while stack.last().is_some_and(|o| o.kids_left == 0) {
            stack.pop();
        }
        line = lines.next();
        if stack.is_empty() {
            // Usually the end; a few files hold several top-level trees.
            continue;
        }
        if line.is_none() {
            // The file ends after a whole object with kids still declared:
            // many FlightGear files overcount `kids`, and PLIB reads them.
            break;
        }
    }
    if objects == 0 {
        return Err(Error::data(path, None, "AC3D file has no OBJECT"));
    }
    Ok(mesh)
}

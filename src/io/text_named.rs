//! Text clouds whose columns have names: from a header line
//! (`x,y,z,red,green,blue`, CloudCompare's `//X,Y,Z,R,G,B`) or from the
//! user (`--columns`). Every column is kept: `x y z` become the points,
//! `nx ny nz` the normals, the first of [`LABEL_NAMES`] the labels, and every
//! other column an extra property (`r g b` are named `red green blue`).
//! Coordinates and normals keep their `f64` values when `f32` would lose
//! digits. This path parses number by number (no fused scanner); the
//! unnamed layouts of `xyz.rs` take it too when they need `f64` values.

use crate::cloud::{ColumnRole, ExtraProperty, PointCloud, ScalarKind, SourceColumn, SourceLayout};
use crate::error::{Error, Result};
use crate::io::numparse::{decimal_fits_f32, parse_f32, parse_f64, parse_label, show};
use crate::io::ply::LABEL_NAMES;
use std::path::Path;

/// The data part of a raw line: without the line ending and any `#` comment.
pub fn data_part(raw: &[u8]) -> &[u8] {
    let mut end = raw.len();
    if let Some(p) = raw.iter().position(|&b| b == b'#') {
        end = p;
    }
    let mut line = &raw[..end];
    while let Some((&last, rest)) = line.split_last() {
        if last == b'\n' || last == b'\r' || last == b' ' || last == b'\t' {
            line = rest;
        } else {
            break;
        }
    }
    line
}

/// What a named column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Coord(usize),
    Normal(usize),
    Label,
    Extra,
}

/// A column name as written in PLY and in the source layout: a leading `//`
/// (CloudCompare) dropped, characters PLY cannot name replaced by `_`.
pub fn clean_name(raw: &str) -> String {
    let raw = raw.trim().trim_start_matches("//");
    let mut out: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// The roles of `names` (already cleaned): an error when `x`, `y` or `z` is
/// missing or a name repeats.
fn roles(names: &[String]) -> std::result::Result<Vec<Role>, String> {
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    for (i, n) in lower.iter().enumerate() {
        if lower[..i].contains(n) {
            return Err(format!("column name '{}' appears twice", names[i]));
        }
    }
    let find = |cands: &[&str]| cands.iter().find_map(|c| lower.iter().position(|n| n == c));
    let mut roles = vec![Role::Extra; names.len()];
    for (k, axis) in ["x", "y", "z"].into_iter().enumerate() {
        let i = find(&[axis]).ok_or_else(|| format!("no '{axis}' column"))?;
        roles[i] = Role::Coord(k);
    }
    let normal: Vec<Option<usize>> = [["nx", "normal_x"], ["ny", "normal_y"], ["nz", "normal_z"]]
        .iter()
        .map(|c| find(c))
        .collect();
    if normal.iter().all(|n| n.is_some()) {
        for (k, i) in normal.into_iter().enumerate() {
            roles[i.unwrap_or_default()] = Role::Normal(k);
        }
    }
    if let Some(i) = LABEL_NAMES
        .iter()
        .find_map(|l| lower.iter().position(|n| n == l))
    {
        roles[i] = Role::Label;
    }
    Ok(roles)
}

/// The names PLY viewers expect for colour channels: `r g b` (and `a`)
/// become `red green blue` (`alpha`) when all of `r g b` are present.
fn output_name(name: &str, rgb: bool) -> String {
    match (rgb, name.to_ascii_lowercase().as_str()) {
        (true, "r") => "red".into(),
        (true, "g") => "green".into(),
        (true, "b") => "blue".into(),
        (true, "a") => "alpha".into(),
        _ => name.to_string(),
    }
}

/// Split a data line into fields: whitespace, or one comma with optional
/// whitespace around it.
fn split(line: &[u8], out: &mut Vec<(usize, usize)>) -> std::result::Result<(), &'static str> {
    out.clear();
    let mut i = 0;
    let mut after_comma = false;
    loop {
        while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
            i += 1;
        }
        if i == line.len() {
            return if after_comma {
                Err("empty field after a comma")
            } else {
                Ok(())
            };
        }
        if line[i] == b',' {
            if out.is_empty() || after_comma {
                return Err("empty comma-separated field");
            }
            after_comma = true;
            i += 1;
            continue;
        }
        let start = i;
        while i < line.len() && !matches!(line[i], b' ' | b'\t' | b',') {
            i += 1;
        }
        out.push((start, i));
        after_comma = false;
    }
}

/// The integer kind all of `values` fit, if they are all integers.
fn integer_kind(name: &str, values: &[f64]) -> Option<ScalarKind> {
    if !values.iter().all(|v| v.fract() == 0.0) {
        return None;
    }
    let (lo, hi) = values
        .iter()
        .fold((0f64, 0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let colour = matches!(name, "red" | "green" | "blue" | "alpha");
    if colour && lo >= 0.0 && hi <= 255.0 {
        Some(ScalarKind::U8)
    } else if lo >= i32::MIN as f64 && hi <= i32::MAX as f64 {
        Some(ScalarKind::I32)
    } else {
        None
    }
}

/// Read the text in `bytes` with the columns `raw_names` (one per field).
/// `skip_header` drops the first data line (the header naming the columns).
/// `separator` is recorded in the source layout.
pub fn read_named(
    bytes: &[u8],
    path: &Path,
    raw_names: &[String],
    skip_header: bool,
    separator: u8,
) -> Result<PointCloud> {
    // `_` (a column to leave uninterpreted) is kept as an extra named by
    // its column number, `_4`.
    let names: Vec<String> = raw_names
        .iter()
        .enumerate()
        .map(|(k, n)| {
            if n.trim() == "_" {
                format!("_{}", k + 1)
            } else {
                clean_name(n)
            }
        })
        .collect();
    let roles = roles(&names).map_err(|m| Error::data(path, None, m))?;
    let has_normals = roles.contains(&Role::Normal(0));
    let has_labels = roles.contains(&Role::Label);
    let mut points = Vec::new();
    let mut exact_points: Vec<[f64; 3]> = Vec::new();
    let mut normals = Vec::new();
    let mut exact_normals: Vec<[f64; 3]> = Vec::new();
    let mut labels = Vec::new();
    let rgb = ["r", "g", "b"]
        .iter()
        .all(|c| names.iter().any(|n| n.eq_ignore_ascii_case(c)));
    let extra_names: Vec<String> = names
        .iter()
        .zip(&roles)
        .filter(|(_, r)| **r == Role::Extra)
        .map(|(n, _)| output_name(n, rgb))
        .collect();
    let mut extras: Vec<Vec<f64>> = vec![Vec::new(); extra_names.len()];
    let (mut points_fit, mut normals_fit) = (true, true);
    let mut fields = Vec::with_capacity(names.len());
    let mut skip = skip_header;
    for (index, raw) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let line_no = index as u64 + 1;
        let line = data_part(raw);
        if line.is_empty() {
            continue;
        }
        let err = |m: String| Error::data(path, Some(line_no), m);
        split(line, &mut fields).map_err(|m| err(m.to_string()))?;
        if fields.is_empty() {
            continue;
        }
        if skip {
            skip = false;
            continue;
        }
        if fields.len() != names.len() {
            return Err(err(format!(
                "expected {} columns ({}), got {}",
                names.len(),
                names.join(" "),
                fields.len()
            )));
        }
        let index = points.len();
        let (mut p, mut pe, mut n, mut ne) = ([0f32; 3], [0f64; 3], [0f32; 3], [0f64; 3]);
        let mut e = 0;
        for (c, role) in roles.iter().enumerate() {
            let f = &line[fields[c].0..fields[c].1];
            let number = || {
                parse_f64(f).ok_or_else(|| {
                    err(format!(
                        "column {} ({}): '{}' is not a number",
                        c + 1,
                        names[c],
                        show(f)
                    ))
                })
            };
            match *role {
                Role::Coord(k) | Role::Normal(k) => {
                    let v = number()?;
                    if !v.is_finite() {
                        return Err(err(format!(
                            "column {} ({}): non-finite value '{}' (point {index})",
                            c + 1,
                            names[c],
                            show(f)
                        )));
                    }
                    let v32 = parse_f32(f).unwrap_or(v as f32);
                    if !v32.is_finite() {
                        return Err(err(format!(
                            "column {} ({}): '{}' is beyond the single-precision range pcseg computes in (point {index})",
                            c + 1,
                            names[c],
                            show(f)
                        )));
                    }
                    if matches!(role, Role::Coord(_)) {
                        (p[k], pe[k]) = (v32, v);
                        points_fit = points_fit && decimal_fits_f32(f);
                    } else {
                        (n[k], ne[k]) = (v32, v);
                        normals_fit = normals_fit && decimal_fits_f32(f);
                    }
                }
                Role::Label => labels.push(
                    parse_label(f)
                        .map_err(|m| err(format!("column {} ({}): {m}", c + 1, names[c])))?,
                ),
                Role::Extra => {
                    extras[e].push(number()?);
                    e += 1;
                }
            }
        }
        points.push(p);
        exact_points.push(pe);
        if has_normals {
            normals.push(n);
            exact_normals.push(ne);
        }
    }
    if points.is_empty() {
        return Err(Error::data(path, None, "no points"));
    }
    let float_kind = |fit: bool| {
        if fit {
            ScalarKind::F32
        } else {
            ScalarKind::F64
        }
    };
    let mut cloud = PointCloud {
        points,
        normals: has_normals.then_some(normals),
        labels: has_labels.then_some(labels),
        exact_points: (!points_fit).then_some(exact_points),
        exact_normals: (has_normals && !normals_fit).then_some(exact_normals),
        ..Default::default()
    };
    let mut columns = Vec::with_capacity(names.len());
    let mut e = 0;
    for (name, role) in names.iter().zip(&roles) {
        let (kind, role) = match *role {
            Role::Coord(k) => (float_kind(points_fit), ColumnRole::Coord(k)),
            Role::Normal(k) => (float_kind(normals_fit), ColumnRole::Normal(k)),
            Role::Label => (ScalarKind::I32, ColumnRole::Label),
            Role::Extra => {
                let values = std::mem::take(&mut extras[e]);
                let name = extra_names[e].clone();
                let kind = integer_kind(&name, &values).unwrap_or(ScalarKind::F64);
                cloud.extra.push(ExtraProperty { name, kind, values });
                e += 1;
                (kind, ColumnRole::Extra(e - 1))
            }
        };
        columns.push(SourceColumn {
            name: name.clone(),
            kind,
            role,
        });
    }
    cloud.source = Some(SourceLayout {
        columns,
        comments: Vec::new(),
        text_separator: Some(separator),
        text_header: skip_header,
    });
    Ok(cloud)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    #[test]
    fn header_names_become_points_normals_labels_and_extras() {
        let text = b"//X,Y,Z,R,G,B,intensity,label\n1,2,3,255,0,7,0.5,12\n4,5,6,0,0,0,1.5,13\n";
        let c = read_named(
            text,
            "a.csv".as_ref(),
            &names("//X,Y,Z,R,G,B,intensity,label"),
            true,
            b',',
        )
        .unwrap();
        assert_eq!(c.points, vec![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        assert_eq!(c.labels, Some(vec![12, 13]));
        let ex: Vec<(&str, ScalarKind)> =
            c.extra.iter().map(|e| (e.name.as_str(), e.kind)).collect();
        assert_eq!(
            ex,
            [
                ("red", ScalarKind::U8),
                ("green", ScalarKind::U8),
                ("blue", ScalarKind::U8),
                ("intensity", ScalarKind::F64)
            ]
        );
        assert_eq!(c.extra[3].values, vec![0.5, 1.5]);
        assert!(c.exact_points.is_none());
        let src = c.source.unwrap();
        assert_eq!(src.columns[0].name, "X");
        assert_eq!(src.text_separator, Some(b','));
    }

    #[test]
    fn long_decimals_keep_their_f64_values() {
        let text = b"500000.123456789 2 3\n";
        let c = read_named(text, "a.xyz".as_ref(), &names("x,y,z"), false, b' ').unwrap();
        assert_eq!(c.exact_points, Some(vec![[500000.123456789, 2.0, 3.0]]));
        assert_eq!(c.points[0][0], 500000.123456789f64 as f32);
        assert_eq!(c.source.unwrap().columns[0].kind, ScalarKind::F64);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let e = read_named(
            b"1 2 3 4\n1 2 3\n",
            "s.txt".as_ref(),
            &names("x,y,z,w"),
            false,
            b' ',
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("s.txt") && e.contains("line 2") && e.contains("expected 4 columns"),
            "{e}"
        );
        let e = read_named(b"1 2 q\n", "s.txt".as_ref(), &names("x,y,z"), false, b' ')
            .unwrap_err()
            .to_string();
        assert!(e.contains("column 3 (z)") && e.contains("'q'"), "{e}");
        let e = read_named(b"1 2 3\n", "s.txt".as_ref(), &names("x,y,w"), false, b' ')
            .unwrap_err()
            .to_string();
        assert!(e.contains("no 'z' column"), "{e}");
        let e = read_named(
            b"1 2 3 4\n",
            "s.txt".as_ref(),
            &names("x,y,z,X"),
            false,
            b' ',
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("appears twice"), "{e}");
        let e = read_named(b"1 2 nan\n", "s.txt".as_ref(), &names("x,y,z"), false, b' ')
            .unwrap_err()
            .to_string();
        assert!(e.contains("non-finite"), "{e}");
        // Finite in f64, infinite in f32 (found by the fuzz target text_read).
        let e = read_named(
            b"1 2 1e300\n",
            "s.txt".as_ref(),
            &names("x,y,z"),
            false,
            b' ',
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("single-precision range"), "{e}");
    }

    #[test]
    fn underscore_columns_are_kept_uninterpreted() {
        let c = read_named(
            b"1 2 3 9 8\n",
            "a.txt".as_ref(),
            &names("x,y,z,_,_"),
            false,
            b' ',
        )
        .unwrap();
        let ex: Vec<(&str, f64)> = c
            .extra
            .iter()
            .map(|e| (e.name.as_str(), e.values[0]))
            .collect();
        assert_eq!(ex, [("_4", 9.0), ("_5", 8.0)]);
        assert!(c.normals.is_none() && c.labels.is_none());
    }

    #[test]
    fn names_are_cleaned_for_ply() {
        assert_eq!(clean_name("//X"), "X");
        assert_eq!(clean_name("range (m)"), "range__m_");
        assert_eq!(clean_name("3d"), "_3d");
    }
}

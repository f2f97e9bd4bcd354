//! TEMPORARY local reader for whitespace-separated text clouds, so the
//! renderer works before the `io` module lands.
//!
//! TODO(merge): replace every use with `crate::io::read_cloud` once the `io`
//! branch is merged, then delete this file.
//!
//! Accepted layouts, one point a line (blank lines and `#` comments skipped):
//! 3 columns `x y z`; 6 columns `x y z nx ny nz`; 7 columns
//! `x y z nx ny nz label` (ShapeNetPart `_normal`, label = global part id
//! written as a float, e.g. `45.000000`).

use crate::categories::NUM_PARTS;
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use std::path::Path;

/// Read a 3-, 6- or 7-column text cloud. Errors name the file and line.
pub fn read_text_cloud(path: &Path) -> Result<PointCloud> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_text_cloud(&text, path)
}

/// Parse the text of a 3-, 6- or 7-column cloud; `path` only names errors.
pub fn parse_text_cloud(text: &str, path: &Path) -> Result<PointCloud> {
    let mut points = Vec::new();
    let mut normals = Vec::new();
    let mut labels = Vec::new();
    let mut columns = None;
    for (i, line) in text.lines().enumerate() {
        let lineno = Some(i as u64 + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut vals = [0f32; 7];
        let mut n = 0;
        for tok in line.split_whitespace() {
            if n == 7 {
                return Err(Error::data(path, lineno, "more than 7 columns"));
            }
            vals[n] = tok
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| Error::data(path, lineno, format!("'{tok}' is not a number")))?;
            n += 1;
        }
        if !matches!(n, 3 | 6 | 7) {
            return Err(Error::data(
                path,
                lineno,
                format!("expected 3, 6 or 7 columns, got {n}"),
            ));
        }
        match columns {
            None => columns = Some(n),
            Some(c) if c != n => {
                return Err(Error::data(
                    path,
                    lineno,
                    format!("expected {c} columns like line 1, got {n}"),
                ))
            }
            _ => {}
        }
        points.push([vals[0], vals[1], vals[2]]);
        if n >= 6 {
            normals.push([vals[3], vals[4], vals[5]]);
        }
        if n == 7 {
            let l = vals[6];
            if l < 0.0 || l.fract() != 0.0 || l as usize >= NUM_PARTS {
                return Err(Error::data(
                    path,
                    lineno,
                    format!("label {l} is not a part id 0..{}", NUM_PARTS - 1),
                ));
            }
            labels.push(l as u32);
        }
    }
    if points.is_empty() {
        return Err(Error::data(path, None, "no points"));
    }
    Ok(PointCloud {
        points,
        normals: (columns >= Some(6)).then_some(normals),
        labels: (columns == Some(7)).then_some(labels),
        extra: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_layouts() {
        let p = Path::new("a.txt");
        let c = parse_text_cloud("0 1 2\n\n# note\n3 4 5\n", p).unwrap();
        assert_eq!(c.points, vec![[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]);
        assert!(c.normals.is_none() && c.labels.is_none());
        let c = parse_text_cloud("0 0 0 0 1 0\n", p).unwrap();
        assert_eq!(c.normals, Some(vec![[0.0, 1.0, 0.0]]));
        let c = parse_text_cloud("0.1 0.2 0.3 0 0 1 45.000000\n", p).unwrap();
        assert_eq!(c.labels, Some(vec![45]));
    }

    #[test]
    fn errors_name_file_and_line() {
        let p = Path::new("s.txt");
        let e = parse_text_cloud("0 0 0\n1 2\n", p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.txt: line 2: expected 3, 6 or 7 columns, got 2"
        );
        let e = parse_text_cloud("0 0 0 0 0 1 4.5\n", p).unwrap_err();
        assert!(e.to_string().starts_with("s.txt: line 1: label 4.5"));
        let e = parse_text_cloud("0 0 x\n", p).unwrap_err();
        assert_eq!(e.to_string(), "s.txt: line 1: 'x' is not a number");
        let e = parse_text_cloud("0 0 0\n0 0 0 0 0 1\n", p).unwrap_err();
        assert!(e.to_string().contains("line 2: expected 3 columns"));
        assert_eq!(
            parse_text_cloud("\n", p).unwrap_err().to_string(),
            "s.txt: no points"
        );
    }
}

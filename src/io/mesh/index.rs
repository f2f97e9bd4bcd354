//! The mesh index written by `scripts/fetch_meshes.sh`: one line per model,
//!
//! ```text
//! category <TAB> path <TAB> licence/source <TAB> frame <TAB> to_shapenetpart
//! ```
//!
//! where `to_shapenetpart` is nine numbers, the row-major 3x3 rotation
//! (`v' = M v`) that puts the model in the ShapeNetPart frame (y up, front
//! +x). Lines starting with `#` and blank lines are skipped.

use crate::categories::{find_category, Category};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// One model of a mesh index.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshIndexEntry {
    /// ShapeNetPart category of the model.
    pub category: &'static Category,
    /// The model file (absolute, or relative to the index's folder).
    pub path: PathBuf,
    /// Licence and source, as written by the script.
    pub source: String,
    /// Rotation into the ShapeNetPart frame, row-major, `v' = M v`.
    pub to_shapenetpart: [[f64; 3]; 3],
}

/// Read a mesh index. Relative model paths are taken from the index's
/// folder. A line with the wrong number of fields, an unknown category or a
/// matrix that is not nine finite numbers is an error naming the line.
pub fn read_mesh_index(path: &Path) -> Result<Vec<MeshIndexEntry>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: String| Error::data(path, Some(line_no), what);
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != 5 {
            return Err(bad(format!(
                "expected 5 tab-separated fields (category, path, source, frame, \
                 to_shapenetpart), found {}; re-run scripts/fetch_meshes.sh",
                fields.len()
            )));
        }
        let category = find_category(fields[0])
            .ok_or_else(|| bad(format!("unknown category '{}'", fields[0])))?;
        let numbers: Vec<f64> = fields[4]
            .split_whitespace()
            .map(|t| t.parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<Vec<f64>>>()
            .filter(|v| v.len() == 9)
            .ok_or_else(|| {
                bad(format!(
                    "to_shapenetpart '{}' is not nine finite numbers",
                    fields[4]
                ))
            })?;
        let m = [
            [numbers[0], numbers[1], numbers[2]],
            [numbers[3], numbers[4], numbers[5]],
            [numbers[6], numbers[7], numbers[8]],
        ];
        let model = PathBuf::from(fields[1]);
        out.push(MeshIndexEntry {
            category,
            path: if model.is_absolute() {
                model
            } else {
                base.join(model)
            },
            source: fields[2].to_string(),
            to_shapenetpart: m,
        });
    }
    if out.is_empty() {
        return Err(Error::data(path, None, "the mesh index lists no model"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_and_rejects_bad_lines() {
        let dir = std::env::temp_dir().join(format!("pcseg-mesh-index-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let index = dir.join("index.tsv");
        std::fs::write(
            &index,
            "# header\nChair\ta/b.obj\tCC0\ty-up\t0 0 1 0 1 0 -1 0 0\n\
             Airplane\t/abs/p.ac\tGPL\tnose -x\t-1 0 0 0 1 0 0 0 -1\n",
        )
        .unwrap();
        let e = read_mesh_index(&index).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].category.name, "Chair");
        assert_eq!(e[0].path, dir.join("a/b.obj"));
        assert_eq!(e[0].to_shapenetpart[2], [-1.0, 0.0, 0.0]);
        assert_eq!(e[1].path, PathBuf::from("/abs/p.ac"));

        for (text, want) in [
            ("Chair\ta.obj\tCC0\ty-up\n", "expected 5"),
            (
                "Sofa\ta.obj\tCC0\ty-up\t1 0 0 0 1 0 0 0 1\n",
                "unknown category",
            ),
            ("Chair\ta.obj\tCC0\ty-up\t1 0 0 0 1 0 0 0\n", "nine finite"),
            (
                "Chair\ta.obj\tCC0\ty-up\t1 0 0 0 1 0 0 0 NaN\n",
                "nine finite",
            ),
            ("# only a comment\n", "lists no model"),
        ] {
            std::fs::write(&index, text).unwrap();
            let err = read_mesh_index(&index).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(err.contains("index.tsv"), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! The columns a writer gives a cloud: the source file's columns in their
//! order, under their names and types, then whatever the cloud has that the
//! source did not (normals, extra properties, labels pcseg added), then part
//! colours when asked for. PLY and text writers share this plan, so both keep
//! every input property.

use crate::cloud::{ColumnRole, PointCloud, ScalarKind};
use crate::io::ply::LABEL_NAMES;

/// Where an output column's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnValue {
    /// Coordinate `k`, at full precision ([`PointCloud::coord_f64`]).
    Coord(usize),
    /// Normal component `k`, at full precision.
    Normal(usize),
    /// The labels.
    Label,
    /// Extra property `i`.
    Extra(usize),
    /// Channel `k` of the colours given to the writer.
    Colour(usize),
}

/// One column of the output.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputColumn {
    /// Property name.
    pub name: String,
    /// Type written.
    pub kind: ScalarKind,
    /// Where the values come from.
    pub value: ColumnValue,
}

/// Plan the columns for `cloud` (see the module doc); `colours` adds
/// `red green blue` (uchar). Fails with a message when two columns would
/// share a name (the caller moves the old one aside first, see
/// [`PointCloud::move_aside`]) or an array has the wrong length.
pub fn output_columns(cloud: &PointCloud, colours: bool) -> Result<Vec<OutputColumn>, String> {
    let mut out = Vec::new();
    let mut have_coord = false;
    let mut have_normal = false;
    let mut have_label = false;
    let mut used_extra = vec![false; cloud.extra.len()];
    let push = |out: &mut Vec<OutputColumn>, name: &str, kind, value| {
        out.push(OutputColumn {
            name: name.to_string(),
            kind,
            value,
        })
    };
    if let Some(src) = &cloud.source {
        for c in &src.columns {
            match c.role {
                // Coordinates and normals take the names every PLY reader
                // looks for (a text header may say `X` or `normal_x`).
                ColumnRole::Coord(k) if k < 3 => {
                    have_coord = true;
                    push(&mut out, ["x", "y", "z"][k], c.kind, ColumnValue::Coord(k));
                }
                ColumnRole::Normal(k) if k < 3 && cloud.normals.is_some() => {
                    have_normal = true;
                    push(
                        &mut out,
                        ["nx", "ny", "nz"][k],
                        c.kind,
                        ColumnValue::Normal(k),
                    );
                }
                ColumnRole::Label if cloud.labels.is_some() => {
                    have_label = true;
                    let kind = label_kind(c.kind, cloud.labels.as_deref().unwrap_or_default());
                    let lower = c.name.to_ascii_lowercase();
                    let name = if LABEL_NAMES.contains(&lower.as_str()) {
                        lower
                    } else {
                        "label".to_string()
                    };
                    push(&mut out, &name, kind, ColumnValue::Label);
                }
                ColumnRole::Extra(i) if i < cloud.extra.len() && !used_extra[i] => {
                    used_extra[i] = true;
                    let e = &cloud.extra[i];
                    push(&mut out, &e.name, e.kind, ColumnValue::Extra(i));
                }
                _ => {}
            }
        }
        if out
            .iter()
            .filter(|c| matches!(c.value, ColumnValue::Coord(_)))
            .count()
            != 3
        {
            // A layout that does not hold all three coordinates is not the
            // cloud's own; start afresh.
            out.clear();
            have_coord = false;
            have_normal = false;
            have_label = false;
            used_extra.iter_mut().for_each(|u| *u = false);
        }
    }
    let exact = |exact: bool| {
        if exact {
            ScalarKind::F64
        } else {
            ScalarKind::F32
        }
    };
    if !have_coord {
        for (k, name) in ["x", "y", "z"].into_iter().enumerate() {
            push(
                &mut out,
                name,
                exact(cloud.exact_points.is_some()),
                ColumnValue::Coord(k),
            );
        }
    }
    if cloud.normals.is_some() && !have_normal {
        for (k, name) in ["nx", "ny", "nz"].into_iter().enumerate() {
            push(
                &mut out,
                name,
                exact(cloud.exact_normals.is_some()),
                ColumnValue::Normal(k),
            );
        }
    }
    for (i, e) in cloud.extra.iter().enumerate() {
        if !used_extra[i] {
            push(&mut out, &e.name, e.kind, ColumnValue::Extra(i));
        }
    }
    if let Some(labels) = cloud.labels.as_ref().filter(|_| !have_label) {
        // int, unless some label needs the full u32 range.
        let wide = labels.iter().any(|&l| l > i32::MAX as u32);
        let kind = if wide {
            ScalarKind::U32
        } else {
            ScalarKind::I32
        };
        push(&mut out, "label", kind, ColumnValue::Label);
    }
    if colours {
        for (k, name) in ["red", "green", "blue"].into_iter().enumerate() {
            push(&mut out, name, ScalarKind::U8, ColumnValue::Colour(k));
        }
    }
    for (i, c) in out.iter().enumerate() {
        if out[..i].iter().any(|o| o.name == c.name) {
            return Err(format!("two properties would be called '{}'", c.name));
        }
    }
    let n = cloud.points.len();
    let check = |what: &str, len: usize| {
        if len == n {
            Ok(())
        } else {
            Err(format!("{what} has {len} entries for {n} points"))
        }
    };
    if let Some(v) = &cloud.normals {
        check("normals", v.len())?;
    }
    if let Some(v) = &cloud.labels {
        check("labels", v.len())?;
    }
    if let Some(v) = &cloud.exact_points {
        check("exact coordinates", v.len())?;
    }
    if let Some(v) = &cloud.exact_normals {
        check("exact normals", v.len())?;
    }
    for e in &cloud.extra {
        check(&format!("property '{}'", e.name), e.values.len())?;
    }
    Ok(out)
}

/// `kind`, or `uint` when some label does not fit it (a label column read
/// from text as `int` holding 4,000,000,000, say).
fn label_kind(kind: ScalarKind, labels: &[u32]) -> ScalarKind {
    if kind.holds_up_to(labels.iter().copied().max().unwrap_or(0)) {
        kind
    } else {
        ScalarKind::U32
    }
}

/// The value of `column` for point `i`; `colours` as given to the writer.
#[inline]
pub fn column_value(
    cloud: &PointCloud,
    colours: Option<&[[u8; 3]]>,
    column: &OutputColumn,
    i: usize,
) -> f64 {
    match column.value {
        ColumnValue::Coord(k) => cloud.coord_f64(i, k),
        ColumnValue::Normal(k) => cloud.normal_f64(i, k).unwrap_or(0.0),
        ColumnValue::Label => cloud.labels.as_ref().map_or(0.0, |v| v[i] as f64),
        ColumnValue::Extra(e) => cloud.extra[e].values[i],
        ColumnValue::Colour(k) => colours.map_or(0.0, |v| v[i][k] as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::{ExtraProperty, SourceColumn, SourceLayout};

    fn names(cols: &[OutputColumn]) -> Vec<&str> {
        cols.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn plain_cloud_gets_the_default_order() {
        let mut c = PointCloud::from_points(vec![[0.0; 3]]);
        c.normals = Some(vec![[0.0, 0.0, 1.0]]);
        c.labels = Some(vec![3]);
        c.extra.push(ExtraProperty {
            name: "intensity".into(),
            kind: ScalarKind::U16,
            values: vec![7.0],
        });
        let cols = output_columns(&c, true).unwrap();
        assert_eq!(
            names(&cols),
            [
                "x",
                "y",
                "z",
                "nx",
                "ny",
                "nz",
                "intensity",
                "label",
                "red",
                "green",
                "blue"
            ]
        );
        assert_eq!(cols[6].kind, ScalarKind::U16);
        assert_eq!(cols[0].kind, ScalarKind::F32);
    }

    #[test]
    fn source_layout_keeps_names_order_and_types() {
        let mut c = PointCloud::from_points(vec![[1.0, 2.0, 3.0]]);
        c.labels = Some(vec![5]);
        c.extra.push(ExtraProperty {
            name: "red".into(),
            kind: ScalarKind::U8,
            values: vec![9.0],
        });
        c.source = Some(SourceLayout {
            columns: vec![
                SourceColumn {
                    name: "red".into(),
                    kind: ScalarKind::U8,
                    role: ColumnRole::Extra(0),
                },
                SourceColumn {
                    name: "X".into(),
                    kind: ScalarKind::F64,
                    role: ColumnRole::Coord(0),
                },
                SourceColumn {
                    name: "Y".into(),
                    kind: ScalarKind::F64,
                    role: ColumnRole::Coord(1),
                },
                SourceColumn {
                    name: "Z".into(),
                    kind: ScalarKind::F64,
                    role: ColumnRole::Coord(2),
                },
                SourceColumn {
                    name: "class".into(),
                    kind: ScalarKind::U8,
                    role: ColumnRole::Label,
                },
            ],
            ..Default::default()
        });
        let cols = output_columns(&c, false).unwrap();
        // `X Y Z` come out as `x y z`, the names PLY readers look for.
        assert_eq!(names(&cols), ["red", "x", "y", "z", "class"]);
        assert_eq!(cols[4].kind, ScalarKind::U8);
        // Asking for part colours over a source `red` is refused...
        let e = output_columns(&c, true).unwrap_err();
        assert!(e.contains("'red'"), "{e}");
        // ...until the old one is moved aside, and relabelling keeps the old
        // labels in their place.
        assert_eq!(c.move_aside("red").as_deref(), Some("source_red"));
        c.relabel(vec![6]);
        let cols = output_columns(&c, true).unwrap();
        assert_eq!(
            names(&cols),
            [
                "source_red",
                "x",
                "y",
                "z",
                "source_label",
                "label",
                "red",
                "green",
                "blue"
            ]
        );
        assert_eq!(cols[4].kind, ScalarKind::U8);
        assert_eq!(column_value(&c, None, &cols[4], 0), 5.0);
        assert_eq!(column_value(&c, None, &cols[5], 0), 6.0);
    }

    #[test]
    fn labels_beyond_i32_are_written_as_uint() {
        let mut c = PointCloud::from_points(vec![[0.0; 3]]);
        c.labels = Some(vec![3_000_000_000]);
        let cols = output_columns(&c, false).unwrap();
        assert_eq!(cols[3].kind, ScalarKind::U32);
        assert_eq!(column_value(&c, None, &cols[3], 0), 3e9);
        c.labels = None;
        // Also when the source said int (text label columns are read as
        // int): found by the fuzz target text_read.
        c.labels = Some(vec![0, 4_000_041_000]);
        c.points.push([3.0, 4.0, 0.0]);
        c.source = Some(SourceLayout {
            columns: ["x", "y", "z"]
                .iter()
                .enumerate()
                .map(|(k, n)| SourceColumn {
                    name: n.to_string(),
                    kind: ScalarKind::F32,
                    role: ColumnRole::Coord(k),
                })
                .chain([SourceColumn {
                    name: "label".into(),
                    kind: ScalarKind::I32,
                    role: ColumnRole::Label,
                }])
                .collect(),
            ..Default::default()
        });
        let cols = output_columns(&c, false).unwrap();
        assert_eq!(cols[3].kind, ScalarKind::U32);
    }

    #[test]
    fn relabelling_twice_keeps_both_earlier_labellings() {
        let mut c = PointCloud::from_points(vec![[0.0; 3]]);
        c.labels = Some(vec![1]);
        c.relabel(vec![2]);
        c.relabel(vec![3]);
        let cols = output_columns(&c, false).unwrap();
        assert_eq!(
            names(&cols),
            ["x", "y", "z", "source_label", "source_label_2", "label"]
        );
        let v: Vec<f64> = cols
            .iter()
            .map(|col| column_value(&c, None, col, 0))
            .collect();
        assert_eq!(&v[3..], [1.0, 2.0, 3.0]);
    }
}

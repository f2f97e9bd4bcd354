//! The in-memory point cloud that every reader produces and every writer takes.

/// Numeric type of a PLY property, kept so extra properties are written back
/// exactly as they were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    /// `char` / `int8`
    I8,
    /// `uchar` / `uint8`
    U8,
    /// `short` / `int16`
    I16,
    /// `ushort` / `uint16`
    U16,
    /// `int` / `int32`
    I32,
    /// `uint` / `uint32`
    U32,
    /// `float` / `float32`
    F32,
    /// `double` / `float64`
    F64,
}

impl ScalarKind {
    /// Whether every integer `0..=max` is exactly representable in this type.
    pub fn holds_up_to(self, max: u32) -> bool {
        let max = max as f64;
        match self {
            ScalarKind::I8 => max <= i8::MAX as f64,
            ScalarKind::U8 => max <= u8::MAX as f64,
            ScalarKind::I16 => max <= i16::MAX as f64,
            ScalarKind::U16 => max <= u16::MAX as f64,
            ScalarKind::I32 => max <= i32::MAX as f64,
            ScalarKind::U32 | ScalarKind::F64 => true,
            ScalarKind::F32 => max <= (1u32 << 24) as f64,
        }
    }
}

/// A per-point property pcseg does not interpret (intensity, colour, ...),
/// carried through so outputs keep it unchanged. Values are stored as `f64`,
/// which represents every PLY scalar type exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraProperty {
    /// Property name as in the source file.
    pub name: String,
    /// Its type in the source file.
    pub kind: ScalarKind,
    /// One value per point.
    pub values: Vec<f64>,
}

/// Where a column of the source file went in the [`PointCloud`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRole {
    /// Coordinate `0..3` (x, y, z) of `points`.
    Coord(usize),
    /// Component `0..3` of `normals`.
    Normal(usize),
    /// The `labels`.
    Label,
    /// `extra[i]` (its name is the extra property's name).
    Extra(usize),
}

/// One per-point column of the source file.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceColumn {
    /// Name in the source (`x`, `X`, `scalar_label`...); for
    /// [`ColumnRole::Extra`] the extra property's own name is used instead.
    pub name: String,
    /// Type in the source. Text columns are [`ScalarKind::F64`] (or the
    /// integer kind their values fit).
    pub kind: ScalarKind,
    /// What pcseg made of it.
    pub role: ColumnRole,
}

/// How the file a cloud was read from laid out its points, so that writers
/// give every column back under its name, in its place and with its type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceLayout {
    /// The source's per-point columns, in file order.
    pub columns: Vec<SourceColumn>,
    /// PLY `comment` and `obj_info` lines (`comment ...` without the
    /// keyword is stored as the text after it; `obj_info` lines keep theirs).
    pub comments: Vec<String>,
    /// Text sources: the field separator (`b' '`, `b'\t'` or `b','`).
    pub text_separator: Option<u8>,
    /// Text sources: whether a header line named the columns.
    pub text_header: bool,
}

/// A point cloud: positions, optional unit normals, optional per-point labels
/// (global ShapeNetPart part ids) and any extra per-point properties.
///
/// pcseg computes in `f32`. When the source stored coordinates or normals
/// with more precision than `f32` holds (`double` or 32-bit integer PLY
/// properties, decimal text with more than 6 significant digits), the exact
/// values are kept beside them in `exact_points` / `exact_normals`; writers
/// give those back, and normalisation uses them.
///
/// Invariant: every present per-point array has `points.len()` entries.
/// Equality compares the data (points, normals, labels, extras and exact
/// copies), not the source layout.
#[derive(Debug, Clone, Default)]
pub struct PointCloud {
    /// Positions, N x 3.
    pub points: Vec<[f32; 3]>,
    /// Normals, N x 3, when the source had them (or they were estimated).
    pub normals: Option<Vec<[f32; 3]>>,
    /// Global part id per point, when the source had labels.
    pub labels: Option<Vec<u32>>,
    /// Other per-point properties, in source order.
    pub extra: Vec<ExtraProperty>,
    /// The coordinates exactly as the source stored them, when `f32` loses
    /// some of them.
    pub exact_points: Option<Vec<[f64; 3]>>,
    /// The normals exactly as the source stored them, when `f32` loses some.
    pub exact_normals: Option<Vec<[f64; 3]>>,
    /// The source file's layout; `None` for clouds pcseg made itself.
    pub source: Option<SourceLayout>,
}

impl PartialEq for PointCloud {
    fn eq(&self, other: &Self) -> bool {
        self.points == other.points
            && self.normals == other.normals
            && self.labels == other.labels
            && self.extra == other.extra
            && self.exact_points == other.exact_points
            && self.exact_normals == other.exact_normals
    }
}

/// Whether `v` survives a trip through `f32` unchanged.
pub fn fits_f32(v: f64) -> bool {
    (v as f32) as f64 == v || v.is_nan()
}

impl PointCloud {
    /// A cloud of bare positions.
    pub fn from_points(points: Vec<[f32; 3]>) -> Self {
        PointCloud {
            points,
            ..Default::default()
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether the cloud has no points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Axis-aligned bounding box `(min, max)`, or `None` for an empty cloud.
    pub fn bbox(&self) -> Option<([f32; 3], [f32; 3])> {
        let first = *self.points.first()?;
        let mut lo = first;
        let mut hi = first;
        for p in &self.points {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        Some((lo, hi))
    }

    /// A new cloud holding the points at `indices` (with their normals, labels
    /// and extra properties), in that order. Indices may repeat.
    pub fn select(&self, indices: &[usize]) -> PointCloud {
        PointCloud {
            points: indices.iter().map(|&i| self.points[i]).collect(),
            normals: self
                .normals
                .as_ref()
                .map(|n| indices.iter().map(|&i| n[i]).collect()),
            labels: self
                .labels
                .as_ref()
                .map(|l| indices.iter().map(|&i| l[i]).collect()),
            extra: self
                .extra
                .iter()
                .map(|e| ExtraProperty {
                    name: e.name.clone(),
                    kind: e.kind,
                    values: indices.iter().map(|&i| e.values[i]).collect(),
                })
                .collect(),
            exact_points: self
                .exact_points
                .as_ref()
                .map(|v| indices.iter().map(|&i| v[i]).collect()),
            exact_normals: self
                .exact_normals
                .as_ref()
                .map(|v| indices.iter().map(|&i| v[i]).collect()),
            source: self.source.clone(),
        }
    }

    /// Coordinate `k` of point `i` at full precision: the exact source value
    /// when one is kept and still agrees with `points` (code that moves
    /// points without updating the exact copy is thus safe), else the `f32`.
    #[inline]
    pub fn coord_f64(&self, i: usize, k: usize) -> f64 {
        let p = self.points[i][k];
        match &self.exact_points {
            Some(e) if e[i][k] as f32 == p => e[i][k],
            _ => p as f64,
        }
    }

    /// Component `k` of normal `i` at full precision (see [`Self::coord_f64`]);
    /// `None` without normals.
    #[inline]
    pub fn normal_f64(&self, i: usize, k: usize) -> Option<f64> {
        let n = self.normals.as_ref()?[i][k];
        Some(match &self.exact_normals {
            Some(e) if e[i][k] as f32 == n => e[i][k],
            _ => n as f64,
        })
    }

    /// Names of every per-point property a writer would give this cloud's
    /// own data (source names included), for choosing unused names.
    fn used_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.extra.iter().map(|e| e.name.clone()).collect();
        if let Some(src) = &self.source {
            names.extend(
                src.columns
                    .iter()
                    .filter(|c| !matches!(c.role, ColumnRole::Extra(_)))
                    .map(|c| c.name.clone()),
            );
        }
        names.extend(["x", "y", "z"].map(String::from));
        if self.normals.is_some() {
            names.extend(["nx", "ny", "nz"].map(String::from));
        }
        if self.labels.is_some() {
            names.push("label".into());
        }
        names
    }

    /// `base` if no property of the cloud has that name (case-insensitively),
    /// else `base_2`, `base_3`, ...
    pub fn free_name(&self, base: &str) -> String {
        let used = self.used_names();
        let taken = |n: &str| used.iter().any(|u| u.eq_ignore_ascii_case(n));
        if !taken(base) {
            return base.to_string();
        }
        (2..)
            .map(|k| format!("{base}_{k}"))
            .find(|n| !taken(n))
            .expect("an unused name exists")
    }

    /// Rename the extra property `name` (if the cloud has one) to
    /// `source_<name>`, or the first free name after it, so a new property
    /// called `name` can be added without losing it. Returns the new name.
    pub fn move_aside(&mut self, name: &str) -> Option<String> {
        let i = self.extra.iter().position(|e| e.name == name)?;
        let new = self.free_name(&format!("source_{name}"));
        self.extra[i].name = new.clone();
        Some(new)
    }

    /// Replace the labels with `labels`. Labels the cloud already had are
    /// kept as an extra property `source_label` (or the first free name after
    /// it), in the label column's place and with its type, and so is an extra
    /// property named `label`: nothing is lost.
    pub fn relabel(&mut self, labels: Vec<u32>) {
        if let Some(old) = self.labels.take() {
            let mut kind = ScalarKind::I32;
            let name = self.free_name("source_label");
            let index = self.extra.len();
            if let Some(src) = &mut self.source {
                for c in &mut src.columns {
                    if c.role == ColumnRole::Label {
                        let max = old.iter().copied().max().unwrap_or(0);
                        kind = if c.kind.holds_up_to(max) {
                            c.kind
                        } else {
                            ScalarKind::U32
                        };
                        c.role = ColumnRole::Extra(index);
                    }
                }
            }
            self.extra.push(ExtraProperty {
                name,
                kind,
                values: old.into_iter().map(f64::from).collect(),
            });
        }
        // An extra property called `label` (a float one, say, beside an
        // integer `class` that held the labels) moves aside too, so the new
        // labels can take the name.
        if let Some(i) = self
            .extra
            .iter()
            .position(|e| e.name.eq_ignore_ascii_case("label"))
        {
            self.extra[i].name = self.free_name("source_label");
        }
        self.labels = Some(labels);
    }

    /// Index and value of the first non-finite coordinate or normal, if any.
    pub fn first_non_finite(&self) -> Option<usize> {
        use rayon::prelude::*;
        let bad = |v: &[f32; 3]| !v.iter().all(|x| x.is_finite());
        // Large clouds are scanned in parallel pieces (the first bad index
        // either way).
        const PIECE: usize = 1 << 16;
        let first = |v: &[[f32; 3]]| {
            if v.len() <= PIECE {
                return v.iter().position(bad);
            }
            let found: Vec<Option<usize>> = v
                .par_chunks(PIECE)
                .enumerate()
                .map(|(k, c)| c.iter().position(bad).map(|i| k * PIECE + i))
                .collect();
            found.into_iter().flatten().next()
        };
        first(&self.points).or_else(|| self.normals.as_deref().and_then(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_and_select() {
        let mut c =
            PointCloud::from_points(vec![[0.0, 1.0, 2.0], [-1.0, 5.0, 0.5], [3.0, 0.0, 1.0]]);
        c.labels = Some(vec![1, 2, 3]);
        assert_eq!(c.bbox(), Some(([-1.0, 0.0, 0.5], [3.0, 5.0, 2.0])));
        let s = c.select(&[2, 0, 2]);
        assert_eq!(
            s.points,
            vec![[3.0, 0.0, 1.0], [0.0, 1.0, 2.0], [3.0, 0.0, 1.0]]
        );
        assert_eq!(s.labels, Some(vec![3, 1, 3]));
        assert!(PointCloud::default().bbox().is_none());
    }

    #[test]
    fn finds_non_finite_values() {
        let mut c = PointCloud::from_points(vec![[0.0; 3], [f32::NAN, 0.0, 0.0]]);
        assert_eq!(c.first_non_finite(), Some(1));
        c.points[1][0] = 1.0;
        assert_eq!(c.first_non_finite(), None);
        c.normals = Some(vec![[0.0, f32::INFINITY, 0.0], [0.0; 3]]);
        assert_eq!(c.first_non_finite(), Some(0));
    }
}

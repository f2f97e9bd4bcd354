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

/// A point cloud: positions, optional unit normals, optional per-point labels
/// (global ShapeNetPart part ids) and any extra per-point properties.
///
/// Invariant: every present per-point array has `points.len()` entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PointCloud {
    /// Positions, N x 3.
    pub points: Vec<[f32; 3]>,
    /// Normals, N x 3, when the source had them (or they were estimated).
    pub normals: Option<Vec<[f32; 3]>>,
    /// Global part id per point, when the source had labels.
    pub labels: Option<Vec<u32>>,
    /// Other per-point properties, in source order.
    pub extra: Vec<ExtraProperty>,
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
        }
    }

    /// Index and value of the first non-finite coordinate or normal, if any.
    pub fn first_non_finite(&self) -> Option<usize> {
        let bad = |v: &[f32; 3]| !v.iter().all(|x| x.is_finite());
        self.points
            .iter()
            .position(bad)
            .or_else(|| self.normals.as_ref().and_then(|n| n.iter().position(bad)))
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

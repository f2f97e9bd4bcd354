//! Normalisation to the unit sphere, as PointNet++ does: subtract the
//! centroid, divide by the largest distance to it.

use crate::cloud::PointCloud;

/// The transform applied by [`normalize_unit_sphere`]: `p' = (p - centroid) / scale`,
/// computed in `f64` so that a small object far from the origin (a scan in
/// world coordinates) keeps its shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// Mean of the input points.
    pub centroid: [f64; 3],
    /// Largest distance from the centroid (1 for a single point).
    pub scale: f64,
}

impl Normalization {
    /// Map a point into the normalised frame.
    ///
    /// # Examples
    ///
    /// ```
    /// use pcseg::geometry::Normalization;
    ///
    /// let t = Normalization { centroid: [1.0, 2.0, 3.0], scale: 2.0 };
    /// assert_eq!(t.apply([3.0, 2.0, 2.0]), [1.0, 0.0, -0.5]);
    /// ```
    pub fn apply(&self, p: [f32; 3]) -> [f32; 3] {
        self.apply_f64(p.map(f64::from))
    }

    /// Map a full-precision point into the normalised frame.
    pub fn apply_f64(&self, p: [f64; 3]) -> [f32; 3] {
        std::array::from_fn(|k| ((p[k] - self.centroid[k]) / self.scale) as f32)
    }

    /// Map a normalised point back to the original frame.
    ///
    /// # Examples
    ///
    /// ```
    /// use pcseg::geometry::Normalization;
    ///
    /// let t = Normalization { centroid: [1.0, 2.0, 3.0], scale: 2.0 };
    /// assert_eq!(t.invert([1.0, 0.0, -0.5]), [3.0, 2.0, 2.0]);
    /// ```
    pub fn invert(&self, p: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|k| (p[k] as f64 * self.scale + self.centroid[k]) as f32)
    }
}

/// Centre `points` on their centroid and scale them into the unit sphere.
/// Returns the normalised points and the transform. An empty cloud gives an
/// empty result with the identity transform; a cloud of coincident points is
/// only centred (scale 1). All arithmetic is in `f64`.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::normalize_unit_sphere;
///
/// let (pts, t) = normalize_unit_sphere(&[[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [2.0, 3.0, 0.0], [2.0, -3.0, 0.0]]);
/// assert_eq!(t.centroid, [2.0, 0.0, 0.0]);
/// assert_eq!(t.scale, 3.0);
/// assert_eq!(pts[2], [0.0, 1.0, 0.0]);
/// assert_eq!(t.invert(pts[1]), [4.0, 0.0, 0.0]);
/// ```
pub fn normalize_unit_sphere(points: &[[f32; 3]]) -> (Vec<[f32; 3]>, Normalization) {
    normalize_by(points.len(), |i| points[i].map(f64::from))
}

/// [`normalize_unit_sphere`] of a cloud's points at full precision: the
/// exact source coordinates where the cloud keeps them
/// ([`PointCloud::coord_f64`]), so a chair 500 km from the origin in a
/// `double` PLY is normalised as well as one at the origin.
pub fn normalize_cloud(cloud: &PointCloud) -> (Vec<[f32; 3]>, Normalization) {
    if cloud.exact_points.is_none() {
        return normalize_unit_sphere(&cloud.points);
    }
    normalize_by(cloud.len(), |i| {
        std::array::from_fn(|k| cloud.coord_f64(i, k))
    })
}

/// Clouds at least this large have their radius and normalised copy
/// computed in parallel (same bits: a maximum and a per-point map do not
/// depend on the order).
const PARALLEL_FROM: usize = 1 << 16;

fn normalize_by(
    len: usize,
    point: impl Fn(usize) -> [f64; 3] + Sync,
) -> (Vec<[f32; 3]>, Normalization) {
    use rayon::prelude::*;
    let n = len.max(1) as f64;
    // The sum stays sequential: its rounding depends on the order.
    let mut c = [0f64; 3];
    for i in 0..len {
        let p = point(i);
        for k in 0..3 {
            c[k] += p[k];
        }
    }
    let centroid = c.map(|v| v / n);
    let d2 = |i: usize| -> f64 {
        let p = point(i);
        (0..3).map(|k| (p[k] - centroid[k]).powi(2)).sum()
    };
    let r2 = if len >= PARALLEL_FROM {
        (0..len).into_par_iter().map(d2).reduce(|| 0.0, f64::max)
    } else {
        (0..len).map(d2).fold(0.0, f64::max)
    };
    let scale = r2.sqrt();
    let scale = if scale > 0.0 && scale.is_finite() {
        scale
    } else {
        1.0
    };
    let t = Normalization { centroid, scale };
    let out = if len >= PARALLEL_FROM {
        (0..len)
            .into_par_iter()
            .map(|i| t.apply_f64(point(i)))
            .collect()
    } else {
        (0..len).map(|i| t.apply_f64(point(i))).collect()
    };
    (out, t)
}

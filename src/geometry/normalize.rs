//! Normalisation to the unit sphere, as PointNet++ does: subtract the
//! centroid, divide by the largest distance to it.

use super::distance::dist2;

/// The transform applied by [`normalize_unit_sphere`]: `p' = (p - centroid) / scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// Mean of the input points.
    pub centroid: [f32; 3],
    /// Largest distance from the centroid (1 for a single point).
    pub scale: f32,
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
        std::array::from_fn(|k| (p[k] - self.centroid[k]) / self.scale)
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
        std::array::from_fn(|k| p[k] * self.scale + self.centroid[k])
    }
}

/// Centre `points` on their centroid and scale them into the unit sphere.
/// Returns the normalised points and the transform. An empty cloud gives an
/// empty result with the identity transform; a cloud of coincident points is
/// only centred (scale 1).
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
    let n = points.len().max(1) as f64;
    let mut c = [0f64; 3];
    for p in points {
        for k in 0..3 {
            c[k] += p[k] as f64;
        }
    }
    let centroid = c.map(|v| (v / n) as f32);
    let scale = points
        .iter()
        .map(|p| dist2(p, &centroid))
        .fold(0f32, f32::max)
        .sqrt();
    let scale = if scale > 0.0 && scale.is_finite() {
        scale
    } else {
        1.0
    };
    let t = Normalization { centroid, scale };
    (points.iter().map(|&p| t.apply(p)).collect(), t)
}

//! Normalisation to the unit sphere, as PointNet++ does: subtract the
//! centroid, divide by the largest distance to it.

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
    pub fn apply(&self, p: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|k| (p[k] - self.centroid[k]) / self.scale)
    }

    /// Map a normalised point back to the original frame.
    pub fn invert(&self, p: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|k| p[k] * self.scale + self.centroid[k])
    }
}

/// Centre `points` on their centroid and scale them into the unit sphere.
/// Returns the normalised points and the transform.
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
        .map(|p| super::dist2(p, &centroid))
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

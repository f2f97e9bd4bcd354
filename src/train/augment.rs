//! Training-time augmentation of a sampled cloud (points in the unit-sphere
//! frame), in this order:
//!
//! ```text
//! dropout:  r ~ U(0, max_dropout); every point with u_i ~ U(0,1) <= r becomes a copy
//!           of point 0 (position, normal and label), as the PointNet++ reference does
//! scale:    s_k ~ U(scale_lo, scale_hi) per axis;  p_k <- s_k p_k;  n <- normalize(n / s)
//! shift:    t_k ~ U(-shift, shift);                 p <- p + t
//! jitter:   e ~ N(0, sigma^2) per coordinate, clipped to [-clip, clip];  p <- p + e
//! ```
//!
//! Normals follow the scale as the inverse transpose (n / s, renormalised); shift
//! and jitter leave them unchanged.

use crate::rng::Rng;

/// Augmentation settings. [`Augment::default`] is the reference recipe.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Augment {
    /// Lower bound of the per-axis scale.
    pub scale_lo: f32,
    /// Upper bound of the per-axis scale.
    pub scale_hi: f32,
    /// Half-width of the uniform shift.
    pub shift: f32,
    /// Standard deviation of the jitter.
    pub jitter_sigma: f32,
    /// Clip of the jitter.
    pub jitter_clip: f32,
    /// Largest dropout ratio (the ratio is drawn from U(0, max_dropout)).
    pub max_dropout: f32,
}

impl Default for Augment {
    fn default() -> Self {
        Augment {
            scale_lo: 0.8,
            scale_hi: 1.25,
            shift: 0.1,
            jitter_sigma: 0.01,
            jitter_clip: 0.05,
            max_dropout: 0.875,
        }
    }
}

impl Augment {
    /// No augmentation at all (validation).
    pub fn none() -> Self {
        Augment {
            scale_lo: 1.0,
            scale_hi: 1.0,
            shift: 0.0,
            jitter_sigma: 0.0,
            jitter_clip: 0.0,
            max_dropout: 0.0,
        }
    }

    /// Augment one cloud in place. `normals` and `labels`, when given, have
    /// one entry per point.
    pub fn apply(
        &self,
        points: &mut [[f32; 3]],
        mut normals: Option<&mut [[f32; 3]]>,
        mut labels: Option<&mut [u32]>,
        rng: &mut Rng,
    ) {
        if points.is_empty() {
            return;
        }
        if self.max_dropout > 0.0 {
            let ratio = rng.uniform(0.0, self.max_dropout);
            for i in 1..points.len() {
                if rng.f32() <= ratio {
                    points[i] = points[0];
                    if let Some(n) = normals.as_deref_mut() {
                        n[i] = n[0];
                    }
                    if let Some(l) = labels.as_deref_mut() {
                        l[i] = l[0];
                    }
                }
            }
        }
        let s: [f32; 3] = std::array::from_fn(|_| rng.uniform(self.scale_lo, self.scale_hi));
        let t: [f32; 3] = std::array::from_fn(|_| rng.uniform(-self.shift, self.shift));
        for p in points.iter_mut() {
            for k in 0..3 {
                p[k] = p[k] * s[k] + t[k];
            }
        }
        if let Some(ns) = normals {
            for n in ns.iter_mut() {
                let m = [n[0] / s[0], n[1] / s[1], n[2] / s[2]];
                let len = (m[0] * m[0] + m[1] * m[1] + m[2] * m[2]).sqrt();
                if len > 0.0 {
                    *n = m.map(|x| x / len);
                }
            }
        }
        if self.jitter_sigma > 0.0 {
            let c = self.jitter_clip;
            for p in points.iter_mut() {
                for v in p.iter_mut() {
                    *v += (self.jitter_sigma * rng.normal()).clamp(-c, c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_and_shift_are_affine_and_normals_follow() {
        // No jitter or dropout: the result is exactly p * s + t for one (s, t).
        let aug = Augment {
            jitter_sigma: 0.0,
            max_dropout: 0.0,
            ..Default::default()
        };
        // A plane x + y + z = 0.3 with its normal; after p' = s p + t the plane is
        // (x'-t_x)/s_x + ... = 0.3 whose normal is (1/s_x, 1/s_y, 1/s_z) normalised.
        let mut r = Rng::new(11);
        let mut pts: Vec<[f32; 3]> = (0..50)
            .map(|_| {
                let (a, b) = (r.uniform(-1.0, 1.0), r.uniform(-1.0, 1.0));
                [a, b, 0.3 - a - b]
            })
            .collect();
        let orig = pts.clone();
        let k = 1.0 / 3f32.sqrt();
        let mut normals = vec![[k, k, k]; 50];
        aug.apply(&mut pts, Some(&mut normals), None, &mut Rng::new(2));
        // Recover s and t from two points per axis and check all points agree.
        let s: [f32; 3] =
            std::array::from_fn(|a| (pts[1][a] - pts[0][a]) / (orig[1][a] - orig[0][a]));
        let t: [f32; 3] = std::array::from_fn(|a| pts[0][a] - s[a] * orig[0][a]);
        for a in 0..3 {
            assert!((0.8..1.25).contains(&s[a]), "{s:?}");
            assert!(t[a].abs() <= 0.1 + 1e-6);
        }
        for (p, o) in pts.iter().zip(&orig) {
            for a in 0..3 {
                assert!((p[a] - (s[a] * o[a] + t[a])).abs() < 1e-5);
            }
        }
        // Normal is perpendicular to the transformed plane and unit length.
        let n = normals[7];
        let d1: [f32; 3] = std::array::from_fn(|a| pts[3][a] - pts[4][a]);
        let d2: [f32; 3] = std::array::from_fn(|a| pts[5][a] - pts[9][a]);
        assert!((n[0] * d1[0] + n[1] * d1[1] + n[2] * d1[2]).abs() < 1e-4);
        assert!((n[0] * d2[0] + n[1] * d2[1] + n[2] * d2[2]).abs() < 1e-4);
        assert!(((n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn jitter_is_clipped_and_dropout_copies_point_zero() {
        let aug = Augment {
            scale_lo: 1.0,
            scale_hi: 1.0,
            shift: 0.0,
            jitter_sigma: 0.05,
            jitter_clip: 0.05,
            max_dropout: 0.0,
        };
        let mut pts = vec![[0.0f32; 3]; 2000];
        aug.apply(&mut pts, None, None, &mut Rng::new(1));
        let m = pts.iter().flatten().fold(0f32, |a, &b| a.max(b.abs()));
        assert!(m <= 0.05 && m > 0.04);

        let drop = Augment {
            max_dropout: 0.875,
            ..Augment::none()
        };
        let mut any = false;
        for seed in 0..10 {
            let mut pts: Vec<[f32; 3]> = (0..200).map(|i| [i as f32, 0.0, 0.0]).collect();
            let mut labels: Vec<u32> = (0..200).collect();
            drop.apply(&mut pts, None, Some(&mut labels), &mut Rng::new(seed));
            let dropped = pts.iter().skip(1).filter(|p| p[0] == 0.0).count();
            assert!(dropped <= 200 * 9 / 10);
            any |= dropped > 0;
            for (p, &l) in pts.iter().zip(&labels) {
                assert_eq!(p[0], l as f32, "label follows the copied point");
            }
        }
        assert!(any);
    }
}

//! Training-time augmentation of a sampled cloud (points in the unit-sphere
//! frame), in this order:
//!
//! ```text
//! dropout:  r ~ U(0, max_dropout); every point with u_i ~ U(0,1) <= r becomes a copy
//!           of point 0 (position, normal and label), as the PointNet++ reference does
//! warp:     p <- p + sum_k a_k sin(w_k . p + phi_k), k = 1..3 (a smooth free-form
//!           deformation; |a_k| <= warp, |w_k| in [1.5, 3.5]); n <- normalize(cof(J) n)
//! scale:    s_k ~ U(scale_lo, scale_hi) per axis;  p_k <- s_k p_k;  n <- normalize(n / s)
//!           (mirror: with probability `mirror`, s_z <- -s_z: left and right swapped)
//! shift:    t_k ~ U(-shift, shift);                 p <- p + t
//! jitter:   e ~ N(0, sigma^2) per coordinate, clipped to [-clip, clip];  p <- p + e
//! ```
//!
//! Then, with `--turn` ([`Augment::turn`]): with probability `turn` the
//! cloud is turned by one of the 20 axis-aligned rotations that move its up
//! axis, and the classifier learns to be unsure of it.
//!
//! Normals follow the scale as the inverse transpose (n / s, renormalised); shift
//! and jitter leave them unchanged.

use crate::predict::orient::{Axis, Frame};
use crate::rng::Rng;
use crate::synth::math::{cross, random_unit};

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
    /// Amplitude of the smooth free-form warp, in unit-sphere units (0: off).
    /// Real shapes bend, taper and bulge where the generators' primitives
    /// are straight; the warp teaches the network not to rely on it.
    #[serde(default)]
    pub warp: f32,
    /// Probability of seeing the cloud mirrored left-right (z -> -z, normals
    /// too). No ShapeNetPart category has separate left and right parts, so
    /// the labels stay; test time averages a cloud with its mirror image.
    #[serde(default)]
    pub mirror: f32,
    /// Probability of turning the cloud out of the model's frame (its up
    /// axis moved: one of the 20 such axis-aligned rotations), with no part
    /// scored and a uniform category target, so that the classifier's
    /// confidence tells an upright cloud from a turned one (`--orient auto`
    /// ranks frames by it). Rotations about the up axis are left out: a
    /// round lamp turned about its axis is the same cloud.
    #[serde(default)]
    pub turn: f32,
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
            warp: 0.0,
            mirror: 0.0,
            turn: 0.0,
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
            warp: 0.0,
            mirror: 0.0,
            turn: 0.0,
        }
    }

    /// With probability [`Augment::turn`], turn the cloud (points and
    /// normals) by a random axis-aligned rotation that moves its up axis;
    /// returns whether it did. Draws nothing when `turn` is 0.
    pub fn turn(
        &self,
        points: &mut [[f32; 3]],
        normals: Option<&mut [[f32; 3]]>,
        rng: &mut Rng,
    ) -> bool {
        if self.turn <= 0.0 || rng.f32() >= self.turn {
            return false;
        }
        let frames: Vec<Frame> = Frame::all()
            .into_iter()
            .filter(|f| f.up != Axis::PosY)
            .collect();
        let f = frames[rng.below(frames.len())];
        for p in points.iter_mut() {
            *p = f.to_model(*p);
        }
        for n in normals.into_iter().flatten() {
            *n = f.to_model(*n);
        }
        true
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
        if self.warp > 0.0 {
            Warp::random(self.warp, rng).apply(points, normals.as_deref_mut());
        }
        let mut s: [f32; 3] = std::array::from_fn(|_| rng.uniform(self.scale_lo, self.scale_hi));
        // Drawn only when asked for, so runs without it keep their streams.
        if self.mirror > 0.0 && rng.f32() < self.mirror {
            s[2] = -s[2];
        }
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

/// A smooth free-form deformation `p + sum_k a_k sin(w_k . p + phi_k)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Warp {
    /// Displacement direction and amplitude of each wave.
    pub amp: [[f32; 3]; 3],
    /// Wave vector of each wave.
    pub freq: [[f32; 3]; 3],
    /// Phase of each wave.
    pub phase: [f32; 3],
}

impl Warp {
    /// Three waves of amplitude at most `amplitude`, wave numbers in
    /// [1.5, 3.5] (a few bends across the unit sphere). `amplitude * 3.5 * 3`
    /// stays below 1 for amplitudes below 0.095, so the map is one-to-one.
    pub fn random(amplitude: f32, rng: &mut Rng) -> Self {
        let mut w = Warp {
            amp: [[0.0; 3]; 3],
            freq: [[0.0; 3]; 3],
            phase: [0.0; 3],
        };
        for k in 0..3 {
            let a = amplitude * rng.uniform(0.3, 1.0);
            w.amp[k] = random_unit(rng).map(|x| x * a);
            let f = rng.uniform(1.5, 3.5);
            w.freq[k] = random_unit(rng).map(|x| x * f);
            w.phase[k] = rng.uniform(0.0, std::f32::consts::TAU);
        }
        w
    }

    /// The warped position of `p`.
    pub fn map(&self, p: [f32; 3]) -> [f32; 3] {
        let mut q = p;
        for k in 0..3 {
            let f = &self.freq[k];
            let s = (f[0] * p[0] + f[1] * p[1] + f[2] * p[2] + self.phase[k]).sin();
            for (qa, aa) in q.iter_mut().zip(&self.amp[k]) {
                *qa += aa * s;
            }
        }
        q
    }

    /// Warp points in place; normals (when given) follow as the cofactor
    /// matrix of the Jacobian `J = I + sum_k a_k w_k^T cos(w_k . p + phi_k)`
    /// applied to them (the inverse transpose up to the positive factor
    /// det J), renormalised.
    pub fn apply(&self, points: &mut [[f32; 3]], mut normals: Option<&mut [[f32; 3]]>) {
        for (i, p) in points.iter_mut().enumerate() {
            if let Some(ns) = normals.as_deref_mut() {
                // Columns of J.
                let mut col = [[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
                for k in 0..3 {
                    let f = &self.freq[k];
                    let c = (f[0] * p[0] + f[1] * p[1] + f[2] * p[2] + self.phase[k]).cos();
                    for (j, cj) in col.iter_mut().enumerate() {
                        for (cjr, a) in cj.iter_mut().zip(&self.amp[k]) {
                            *cjr += a * f[j] * c;
                        }
                    }
                }
                let cof = [
                    cross(col[1], col[2]),
                    cross(col[2], col[0]),
                    cross(col[0], col[1]),
                ];
                let n = ns[i];
                let m: [f32; 3] =
                    std::array::from_fn(|r| cof[0][r] * n[0] + cof[1][r] * n[1] + cof[2][r] * n[2]);
                let len = (m[0] * m[0] + m[1] * m[1] + m[2] * m[2]).sqrt();
                if len > 0.0 {
                    ns[i] = m.map(|x| x / len);
                }
            }
            *p = self.map(*p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warp_normals_stay_perpendicular_to_the_warped_surface() {
        // A sphere of radius 0.6: points and outward normals. After the warp,
        // the normal at p must be perpendicular to the images of two small
        // tangent steps (finite differences), and keep pointing outward.
        let w = Warp::random(0.08, &mut Rng::new(3));
        let mut r = Rng::new(4);
        for _ in 0..200 {
            let n = random_unit(&mut r);
            let p = n.map(|x| 0.6 * x);
            let t1 = {
                let c = cross(n, [0.3, 0.9, 0.1]);
                let l = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
                c.map(|x| x / l)
            };
            let t2 = cross(n, t1);
            let mut pts = [p];
            let mut nrm = [n];
            w.apply(&mut pts, Some(&mut nrm));
            let h = 1e-3;
            for t in [t1, t2] {
                let a = w.map(std::array::from_fn(|k| p[k] + h * t[k]));
                let b = w.map(std::array::from_fn(|k| p[k] - h * t[k]));
                let d: [f32; 3] = std::array::from_fn(|k| (a[k] - b[k]) / (2.0 * h));
                let dl = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                let dot = (d[0] * nrm[0][0] + d[1] * nrm[0][1] + d[2] * nrm[0][2]) / dl;
                assert!(dot.abs() < 2e-3, "tangent . normal = {dot}");
            }
            let out = nrm[0][0] * n[0] + nrm[0][1] * n[1] + nrm[0][2] * n[2];
            assert!(out > 0.5, "normal flipped: {out}");
            assert!((pts[0][0] - w.map(p)[0]).abs() < 1e-7);
        }
        // The displacement is bounded by the sum of the amplitudes.
        let p = [0.2, -0.4, 0.1];
        let q = w.map(p);
        let d = ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2) + (q[2] - p[2]).powi(2)).sqrt();
        assert!(d <= 3.0 * 0.08 + 1e-6);
    }

    #[test]
    fn zero_warp_draws_nothing() {
        // The default recipe keeps its random stream: a zero warp draws no numbers.
        let mut a: Vec<[f32; 3]> = (0..30).map(|i| [i as f32 * 0.01, 0.2, -0.1]).collect();
        let mut b = a.clone();
        let (mut r1, mut r2) = (Rng::new(8), Rng::new(8));
        Augment::default().apply(&mut a, None, None, &mut r1);
        Augment {
            warp: 0.0,
            ..Augment::default()
        }
        .apply(&mut b, None, None, &mut r2);
        assert_eq!(a, b);
        assert_eq!(r1.next_u64(), r2.next_u64());
    }

    #[test]
    fn mirror_flips_z_of_points_and_normals_about_half_the_time() {
        let aug = Augment {
            mirror: 0.5,
            ..Augment::none()
        };
        let (mut flipped, mut kept) = (0, 0);
        for seed in 0..400 {
            let mut pts = vec![[0.1f32, 0.2, 0.3], [-0.4, 0.5, -0.6]];
            let k = 1.0 / 3f32.sqrt();
            let mut normals = vec![[k, k, k]; 2];
            let mut labels = vec![3u32, 4];
            aug.apply(
                &mut pts,
                Some(&mut normals),
                Some(&mut labels),
                &mut Rng::new(seed),
            );
            assert_eq!(labels, [3, 4]);
            if pts[0][2] < 0.0 {
                flipped += 1;
                assert_eq!(pts, [[0.1, 0.2, -0.3], [-0.4, 0.5, 0.6]]);
                assert!((normals[1][2] + k).abs() < 1e-6 && (normals[1][0] - k).abs() < 1e-6);
            } else {
                kept += 1;
                assert_eq!(pts, [[0.1, 0.2, 0.3], [-0.4, 0.5, -0.6]]);
                assert!((normals[0][2] - k).abs() < 1e-6);
            }
        }
        // Binomial(400, 0.5): 200 +- 10; 150..250 is 5 standard deviations.
        assert!(
            (150..250).contains(&flipped),
            "{flipped} flipped, {kept} kept"
        );
    }

    #[test]
    fn turn_moves_the_up_axis_by_a_signed_permutation() {
        let aug = Augment {
            turn: 0.5,
            ..Augment::none()
        };
        let up = [0.0f32, 1.0, 0.0];
        let (mut turned, mut seen) = (0, std::collections::HashSet::new());
        for seed in 0..400 {
            let mut pts = vec![[0.1f32, 0.2, 0.3], up];
            let mut normals = vec![up];
            if aug.turn(&mut pts, Some(&mut normals), &mut Rng::new(seed)) {
                turned += 1;
                // Up went to another axis (or down); normals turned alike.
                assert_ne!(pts[1], up);
                assert_eq!(normals[0], pts[1]);
                // A signed permutation keeps the coordinates' magnitudes.
                let mut m: Vec<u32> = pts[0]
                    .iter()
                    .map(|v| (v.abs() * 10.0).round() as u32)
                    .collect();
                m.sort();
                assert_eq!(m, [1, 2, 3]);
                seen.insert(pts[0].map(|v| (v * 10.0).round() as i32));
            } else {
                assert_eq!(pts[1], up);
            }
        }
        assert!((150..250).contains(&turned), "{turned} of 400 turned");
        // All 20 rotations that move up are drawn.
        assert_eq!(seen.len(), 20);
        // turn = 0 draws nothing.
        let (mut r1, mut r2) = (Rng::new(3), Rng::new(3));
        assert!(!Augment::none().turn(&mut [[0.0; 3]], None, &mut r1));
        assert_eq!(r1.next_u64(), r2.next_u64());
    }

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
            warp: 0.0,
            mirror: 0.0,
            turn: 0.0,
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

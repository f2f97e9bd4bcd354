//! Composite surfaces built from the basic [`super::primitives`]: tapered
//! square bars (table and chair legs), turned (lathe) legs, flat slabs over a
//! 2D outline (rounded-rectangle and stadium tops, shaped panels) and outline
//! helpers. Each returns an ordinary [`Surface`] with outward normals.

use super::math::{add, basis, mul, normalize, sub, Transform, V3};
use super::primitives::{Frustum, Surface, SurfaceExt, TriMesh};
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, TAU};

/// Several surfaces sampled as one (by area): a composite part such as a
/// turned leg. Empty groups have zero area and are never sampled.
#[derive(Default)]
pub struct Group {
    items: Vec<Box<dyn Surface>>,
    cum: Vec<f32>,
}

impl Group {
    /// An empty group.
    pub fn new() -> Self {
        Group::default()
    }

    /// Add a surface to the group.
    pub fn push(&mut self, s: impl Surface + 'static) {
        let a = s.area();
        let a = if a.is_finite() { a.max(0.0) } else { 0.0 };
        let last = self.cum.last().copied().unwrap_or(0.0);
        self.cum.push(last + a);
        self.items.push(Box::new(s));
    }
}

impl Surface for Group {
    fn area(&self) -> f32 {
        self.cum.last().copied().unwrap_or(0.0)
    }

    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let total = self.area();
        let u = rng.f32() * total;
        let i = self
            .cum
            .partition_point(|&c| c <= u)
            .min(self.items.len().saturating_sub(1));
        self.items[i].sample(rng)
    }
}

/// A closed square-section bar from `a` to `b` whose half side shrinks
/// linearly from `half_a` (at `a`) to `half_b` (at `b`): tapered legs.
/// The cross-section axes are the horizontal x and z directions when the bar
/// is roughly vertical.
pub fn tapered_bar(a: V3, b: V3, half_a: f32, half_b: f32) -> TriMesh {
    let d = normalize(sub(b, a));
    let (u, v) = if d[1].abs() > 0.7 {
        let u = normalize(sub([1.0, 0.0, 0.0], mul(d, d[0])));
        let v = normalize(super::math::cross(d, u));
        (u, v)
    } else {
        basis(d)
    };
    let ring = |c: V3, h: f32| -> Vec<V3> {
        [(-1.0f32, -1.0f32), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
            .iter()
            .map(|&(p, q)| add(c, add(mul(u, p * h), mul(v, q * h))))
            .collect()
    };
    TriMesh::loft(&[ring(a, half_a), ring(b, half_b)], true, true)
}

/// A turned (lathe) leg from `a` to `b`: a stack of frusta through the radii
/// `profile` (at least two, equally spaced from `a` to `b`), capped at both
/// ends.
pub fn turned(a: V3, b: V3, profile: &[f32]) -> Group {
    let mut g = Group::new();
    let n = profile.len().max(2);
    for i in 0..n - 1 {
        let t0 = i as f32 / (n - 1) as f32;
        let t1 = (i + 1) as f32 / (n - 1) as f32;
        let p0 = super::math::lerp(a, b, t0);
        let p1 = super::math::lerp(a, b, t1);
        let r0 = profile[i.min(profile.len() - 1)];
        let r1 = profile[(i + 1).min(profile.len() - 1)];
        g.push(Frustum::between(p0, p1, r0, r1, (i == 0, i == n - 2)));
    }
    g
}

/// A random lathe profile of `n` radii around `r` (beads, waists and a
/// thinner foot), for [`turned`].
pub fn turned_profile(rng: &mut Rng, r: f32, n: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(n);
    let phase = rng.uniform(0.0, TAU);
    let freq = rng.uniform(1.5, 4.0);
    for i in 0..n {
        let t = i as f32 / (n - 1).max(1) as f32;
        let wave = 0.25 * (phase + freq * TAU * t).sin();
        let foot = 0.65 + 0.35 * t; // thinner at the floor end
        out.push((r * (foot + wave)).max(r * 0.3));
    }
    out
}

/// Outline of a rectangle with half sides `hx`, `hz` and corner radius `r`
/// (clamped to the half sides), counter-clockwise, `k` points per corner.
pub fn rounded_rect(hx: f32, hz: f32, r: f32, k: usize) -> Vec<[f32; 2]> {
    let r = r.clamp(0.0, hx.min(hz) * 0.999);
    let k = k.max(1);
    let corners = [
        (hx - r, hz - r, 0.0f32),
        (-(hx - r), hz - r, FRAC_PI_2),
        (-(hx - r), -(hz - r), 2.0 * FRAC_PI_2),
        (hx - r, -(hz - r), 3.0 * FRAC_PI_2),
    ];
    let mut out = Vec::with_capacity(4 * (k + 1));
    for (cx, cz, a0) in corners {
        for i in 0..=k {
            let a = a0 + FRAC_PI_2 * i as f32 / k as f32;
            out.push([cx + r * a.cos(), cz + r * a.sin()]);
        }
    }
    out
}

/// Outline of an ellipse with half axes `hx`, `hz`, `n` points.
pub fn ellipse(hx: f32, hz: f32, n: usize) -> Vec<[f32; 2]> {
    (0..n.max(3))
        .map(|i| {
            let a = TAU * i as f32 / n.max(3) as f32;
            [hx * a.cos(), hz * a.sin()]
        })
        .collect()
}

/// A horizontal closed slab: the outline (in x-z) extruded from `y0` up to
/// `y1`.
pub fn slab(outline: &[[f32; 2]], y0: f32, y1: f32) -> TriMesh {
    let lo = outline.iter().map(|p| [p[0], y0, p[1]]).collect::<Vec<_>>();
    let hi = outline.iter().map(|p| [p[0], y1, p[1]]).collect::<Vec<_>>();
    TriMesh::loft(&[lo, hi], true, true)
}

/// A closed vertical panel: the outline (in the x-y plane) extruded from
/// `z0` to `z1`, then rotated about y by `yaw` radians and moved by `at`.
pub fn panel(outline: &[[f32; 2]], z0: f32, z1: f32, yaw: f32, at: V3) -> impl Surface {
    TriMesh::extrude(outline, z0, z1).transformed(Transform::rotate_y(yaw).then_translate(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_outward(s: &dyn Surface, centre: V3) -> f32 {
        let mut rng = Rng::new(3);
        let mut acc = 0.0;
        for _ in 0..2000 {
            let (p, n) = s.sample(&mut rng);
            acc += super::super::math::dot(sub(p, centre), n);
        }
        acc / 2000.0
    }

    #[test]
    fn tapered_bar_area_and_normals() {
        // A straight (untapered) unit-length bar of half side 0.1: 4 sides of
        // 0.2 x 1 and two 0.2 x 0.2 caps.
        let b = tapered_bar([0.0, 0.0, 0.0], [0.0, 1.0, 0.0], 0.1, 0.1);
        assert!((b.area() - (0.8 + 0.08)).abs() < 1e-4, "{}", b.area());
        assert!(mean_outward(&b, [0.0, 0.5, 0.0]) > 0.0);
        let t = tapered_bar([0.0, 0.0, 0.0], [0.0, 1.0, 0.0], 0.05, 0.1);
        assert!(t.area() < b.area());
    }

    #[test]
    fn slab_matches_box_area_and_group_sums() {
        let o = rounded_rect(1.0, 0.5, 0.0, 1);
        let s = slab(&o, 0.0, 0.1);
        // 2 faces 2x1, sides perimeter 6 x 0.1.
        assert!((s.area() - (4.0 + 0.6)).abs() < 1e-3, "{}", s.area());
        assert!(mean_outward(&s, [0.0, 0.05, 0.0]) > 0.0);
        let mut g = Group::new();
        g.push(slab(&o, 0.0, 0.1));
        g.push(slab(&ellipse(1.0, 1.0, 64), 1.0, 1.1));
        let want = s.area() + 2.0 * std::f32::consts::PI + 0.1 * TAU;
        assert!((g.area() - want).abs() < 0.05, "{} vs {want}", g.area());
        let l = turned([0.0; 3], [0.0, 1.0, 0.0], &[0.1, 0.1]);
        // Cylinder r 0.1, h 1, two caps.
        let want = TAU * 0.1 + 2.0 * std::f32::consts::PI * 0.01;
        assert!((l.area() - want).abs() < 1e-3, "{}", l.area());
    }
}

//! Surface primitives sampled uniformly by area with true outward unit normals.
//!
//! Every primitive implements [`Surface`]: `area()` is its exact surface area
//! (estimated to about 1% only for non-similarity [`Placed`] transforms) and
//! `sample(rng)` draws one point uniformly by area with the outward unit
//! normal there. Open surfaces (open cylinders, cones, domes, shells) take the
//! normal pointing away from their axis or centre.
//!
//! Local frames: axis-symmetric primitives stand on the `y` axis, centred at
//! the origin. Place them with [`SurfaceExt::transformed`] / [`SurfaceExt::at`]
//! (rotation, translation, non-uniform scale; normals via the inverse
//! transpose) or build them between two points ([`Frustum::between`],
//! [`Tube`]).

use super::math::{
    add, add_mul, basis, cross, dot, length, lerp, mul, normalize, random_unit, sub, Transform, V3,
};
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, PI, TAU};

/// A surface that can be sampled uniformly by area.
pub trait Surface: Send + Sync {
    /// Surface area.
    fn area(&self) -> f32;
    /// One point drawn uniformly by area, with the outward unit normal there.
    fn sample(&self, rng: &mut Rng) -> (V3, V3);
}

impl Surface for Box<dyn Surface> {
    fn area(&self) -> f32 {
        (**self).area()
    }
    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        (**self).sample(rng)
    }
}

/// Placement helpers for every surface.
pub trait SurfaceExt: Surface + Sized + 'static {
    /// This surface mapped by `xf`.
    fn transformed(self, xf: Transform) -> Placed {
        Placed::new(Box::new(self), xf)
    }
    /// This surface translated by `p`.
    fn at(self, p: V3) -> Placed {
        self.transformed(Transform::translate(p))
    }
}

impl<S: Surface + 'static> SurfaceExt for S {}

/// Pick an index by cumulative weights (`cum` ascending, last = total).
fn pick_cumulative(cum: &[f32], rng: &mut Rng) -> usize {
    let total = *cum.last().unwrap_or(&0.0);
    let u = rng.f32() * total;
    cum.partition_point(|&c| c <= u)
        .min(cum.len().saturating_sub(1))
}

fn cumulate(weights: impl IntoIterator<Item = f32>) -> Vec<f32> {
    let mut acc = 0.0;
    weights
        .into_iter()
        .map(|w| {
            acc += w.max(0.0);
            acc
        })
        .collect()
}

fn sign(rng: &mut Rng) -> f32 {
    if rng.chance(0.5) {
        1.0
    } else {
        -1.0
    }
}

// ---------------------------------------------------------------------------

/// A box centred at the origin with half extents `half`, its edges rounded
/// with radius `radius` (0 for a sharp box): six flat faces, twelve
/// quarter-cylinders, eight sphere octants (the Minkowski sum of a smaller box
/// and a ball).
#[derive(Debug, Clone)]
pub struct RoundedBox {
    inner: V3,
    radius: f32,
    cum: Vec<f32>,
}

impl RoundedBox {
    /// A box with half extents `half` and edge radius `radius` (clamped to the
    /// smallest half extent).
    pub fn new(half: V3, radius: f32) -> Self {
        let half = half.map(|h| h.abs().max(1e-6));
        let radius = radius.clamp(0.0, half[0].min(half[1]).min(half[2]));
        let inner = half.map(|h| h - radius);
        let face = |a: usize| 8.0 * inner[(a + 1) % 3] * inner[(a + 2) % 3];
        let edge = |a: usize| 4.0 * PI * radius * inner[a];
        let cum = cumulate([
            face(0),
            face(1),
            face(2),
            edge(0),
            edge(1),
            edge(2),
            4.0 * PI * radius * radius,
        ]);
        RoundedBox { inner, radius, cum }
    }

    /// A sharp box with half extents `half`.
    pub fn cuboid(half: V3) -> Self {
        RoundedBox::new(half, 0.0)
    }

    /// A square bar of half side `half_side` whose axis runs from `a` to `b`
    /// (its cross-section axes follow [`Transform::align_y`]).
    pub fn bar(a: V3, b: V3, half_side: f32, radius: f32) -> Placed {
        let d = sub(b, a);
        RoundedBox::new([half_side, 0.5 * length(d), half_side], radius)
            .transformed(Transform::align_y(d).then_translate(lerp(a, b, 0.5)))
    }

    /// A box spanning the corners `lo` and `hi`, edge radius `radius`.
    pub fn from_corners(lo: V3, hi: V3, radius: f32) -> Placed {
        let half = mul(sub(hi, lo), 0.5);
        RoundedBox::new(half.map(f32::abs), radius).at(lerp(lo, hi, 0.5))
    }
}

impl Surface for RoundedBox {
    fn area(&self) -> f32 {
        *self.cum.last().unwrap()
    }

    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let region = pick_cumulative(&self.cum, rng);
        let (inner, r) = (self.inner, self.radius);
        match region {
            0..=2 => {
                let a = region;
                let (b, c) = ((a + 1) % 3, (a + 2) % 3);
                let s = sign(rng);
                let mut p = [0.0; 3];
                let mut n = [0.0; 3];
                p[a] = s * (inner[a] + r);
                p[b] = rng.uniform(-inner[b], inner[b]);
                p[c] = rng.uniform(-inner[c], inner[c]);
                n[a] = s;
                (p, n)
            }
            3..=5 => {
                let a = region - 3;
                let (b, c) = ((a + 1) % 3, (a + 2) % 3);
                let (sb, sc) = (sign(rng), sign(rng));
                let th = rng.uniform(0.0, FRAC_PI_2);
                let mut n = [0.0; 3];
                n[b] = sb * th.cos();
                n[c] = sc * th.sin();
                let mut p = [0.0; 3];
                p[a] = rng.uniform(-inner[a], inner[a]);
                p[b] = sb * inner[b];
                p[c] = sc * inner[c];
                (add_mul(p, n, r), n)
            }
            _ => {
                let n = random_unit(rng);
                let p = std::array::from_fn(|k| inner[k].copysign(n[k]));
                (add_mul(p, n, r), n)
            }
        }
    }
}

// ---------------------------------------------------------------------------

/// A frustum of a cone on the `y` axis from `y = -half_height` (radius
/// `r_bottom`) to `y = +half_height` (radius `r_top`), with optional disk caps.
/// Cylinders have equal radii, cones a zero radius.
#[derive(Debug, Clone)]
pub struct Frustum {
    r0: f32,
    r1: f32,
    h: f32,
    cum: [f32; 3],
}

impl Frustum {
    /// A frustum; `caps` = (bottom, top).
    pub fn new(r_bottom: f32, r_top: f32, half_height: f32, caps: (bool, bool)) -> Self {
        let (r0, r1, h) = (r_bottom.max(0.0), r_top.max(0.0), half_height.abs());
        let slant = ((r1 - r0).powi(2) + 4.0 * h * h).sqrt();
        let lateral = PI * (r0 + r1) * slant;
        let bottom = if caps.0 { PI * r0 * r0 } else { 0.0 };
        let top = if caps.1 { PI * r1 * r1 } else { 0.0 };
        Frustum {
            r0,
            r1,
            h,
            cum: [lateral, lateral + bottom, lateral + bottom + top],
        }
    }

    /// A cylinder of radius `r` and half height `h`, capped or open.
    pub fn cylinder(r: f32, half_height: f32, capped: bool) -> Self {
        Frustum::new(r, r, half_height, (capped, capped))
    }

    /// A frustum whose axis runs from `a` (radius `ra`) to `b` (radius `rb`).
    pub fn between(a: V3, b: V3, ra: f32, rb: f32, caps: (bool, bool)) -> Placed {
        let d = sub(b, a);
        Frustum::new(ra, rb, 0.5 * length(d), caps)
            .transformed(Transform::align_y(d).then_translate(lerp(a, b, 0.5)))
    }

    /// A capped cylinder of radius `r` from `a` to `b`.
    pub fn rod(a: V3, b: V3, r: f32) -> Placed {
        Frustum::between(a, b, r, r, (true, true))
    }
}

impl Surface for Frustum {
    fn area(&self) -> f32 {
        self.cum[2]
    }

    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let region = pick_cumulative(&self.cum, rng);
        let phi = rng.uniform(0.0, TAU);
        let (s, c) = phi.sin_cos();
        let (r0, r1, h) = (self.r0, self.r1, self.h);
        match region {
            0 => {
                // Density along the axis is proportional to the radius.
                let u = rng.f32();
                let t = if (r1 - r0).abs() < 1e-6 * (r0 + r1).max(1e-12) {
                    u
                } else {
                    (((r0 * r0 + u * (r1 * r1 - r0 * r0)).max(0.0)).sqrt() - r0) / (r1 - r0)
                };
                let r = r0 + (r1 - r0) * t;
                let p = [r * c, -h + 2.0 * h * t, r * s];
                let n = normalize([2.0 * h * c, r0 - r1, 2.0 * h * s]);
                (p, n)
            }
            _ => {
                let (y, rr, ny) = if region == 1 {
                    (-h, r0, -1.0)
                } else {
                    (h, r1, 1.0)
                };
                let r = rr * rng.f32().sqrt();
                ([r * c, y, r * s], [0.0, ny, 0.0])
            }
        }
    }
}

// ---------------------------------------------------------------------------

/// The zone of a sphere of radius `radius` centred at the origin between the
/// heights `y_min` and `y_max` (a full sphere, a dome, a band). Scale it
/// non-uniformly with [`SurfaceExt::transformed`] for ellipsoids.
#[derive(Debug, Clone)]
pub struct SphereZone {
    r: f32,
    y0: f32,
    y1: f32,
}

impl SphereZone {
    /// The zone between `y_min` and `y_max` (clamped to `[-radius, radius]`).
    pub fn new(radius: f32, y_min: f32, y_max: f32) -> Self {
        let r = radius.abs();
        let y0 = y_min.clamp(-r, r);
        let y1 = y_max.clamp(y0, r);
        SphereZone { r, y0, y1 }
    }

    /// A full sphere.
    pub fn sphere(radius: f32) -> Self {
        SphereZone::new(radius, -radius, radius)
    }

    /// An ellipsoid with semi-axes `radii` centred at `centre`.
    pub fn ellipsoid(radii: V3, centre: V3) -> Placed {
        SphereZone::sphere(1.0).transformed(Transform::scale(radii).then_translate(centre))
    }
}

impl Surface for SphereZone {
    fn area(&self) -> f32 {
        // Archimedes: a zone's area is 2 pi r times its height.
        TAU * self.r * (self.y1 - self.y0)
    }

    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let y = rng.uniform(self.y0, self.y1);
        let rho = (self.r * self.r - y * y).max(0.0).sqrt();
        let (s, c) = rng.uniform(0.0, TAU).sin_cos();
        let p = [rho * c, y, rho * s];
        (p, normalize(p))
    }
}

// ---------------------------------------------------------------------------

/// A torus (or an arc of one) around the `y` axis: tube centre circle of
/// radius `major` in the x-z plane, tube radius `minor`, swept from angle 0
/// (`+x`) toward `+z` over `arc` radians. Arc ends are open.
#[derive(Debug, Clone)]
pub struct Torus {
    major: f32,
    minor: f32,
    arc: f32,
}

impl Torus {
    /// A torus arc (`arc = TAU` for a full ring).
    pub fn new(major: f32, minor: f32, arc: f32) -> Self {
        Torus {
            major: major.abs(),
            minor: minor.abs().min(major.abs()),
            arc: arc.clamp(0.0, TAU),
        }
    }
}

impl Surface for Torus {
    fn area(&self) -> f32 {
        self.arc * self.major * TAU * self.minor
    }

    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let phi = rng.uniform(0.0, self.arc);
        // The area element is proportional to (major + minor cos theta).
        let theta = loop {
            let th = rng.uniform(0.0, TAU);
            let w = (self.major + self.minor * th.cos()) / (self.major + self.minor);
            if rng.f32() < w {
                break th;
            }
        };
        let (sp, cp) = phi.sin_cos();
        let (st, ct) = theta.sin_cos();
        let n = [ct * cp, st, ct * sp];
        let ring = self.major + self.minor * ct;
        ([ring * cp, self.minor * st, ring * sp], n)
    }
}

// ---------------------------------------------------------------------------

/// A flat ring (annulus) in the x-z plane at `y = 0` with normal `+y`
/// (one-sided): sound-hole rings, washers, lamp base plates.
#[derive(Debug, Clone)]
pub struct Annulus {
    r_in: f32,
    r_out: f32,
}

impl Annulus {
    /// Ring between radii `r_in` and `r_out` (a disk for `r_in = 0`).
    pub fn new(r_in: f32, r_out: f32) -> Self {
        let r_out = r_out.abs();
        Annulus {
            r_in: r_in.abs().min(r_out),
            r_out,
        }
    }
}

impl Surface for Annulus {
    fn area(&self) -> f32 {
        PI * (self.r_out * self.r_out - self.r_in * self.r_in)
    }

    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let (a, b) = (self.r_in * self.r_in, self.r_out * self.r_out);
        let r = (a + rng.f32() * (b - a)).sqrt();
        let (s, c) = rng.uniform(0.0, TAU).sin_cos();
        ([r * c, 0.0, r * s], [0.0, 1.0, 0.0])
    }
}

// ---------------------------------------------------------------------------

/// How a [`Tube`] ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TubeEnd {
    /// No cap.
    Open,
    /// A flat disk.
    Flat,
    /// A hemisphere.
    Round,
}

#[derive(Debug, Clone)]
enum TubeElement {
    /// Open cylinder from vertex i to i+1.
    Segment(usize),
    /// Sphere lune at interior vertex i (outside both adjacent cylinders).
    Joint(usize),
    /// Cap at the first (false) or last (true) vertex.
    End(bool),
}

/// A tube of constant radius swept along a polyline (bent legs, wires, lamp
/// arms, handles, frames): open cylinders along the segments, sphere lunes
/// filling the outside of every bend, flat or round ends. Sample curves
/// densely ([`bezier`], [`arc_points`]) for smooth bends.
#[derive(Debug, Clone)]
pub struct Tube {
    path: Vec<V3>,
    radius: f32,
    ends: TubeEnd,
    elements: Vec<TubeElement>,
    cum: Vec<f32>,
}

impl Tube {
    /// A tube of `radius` along `path` (at least 2 distinct points expected;
    /// repeated consecutive points are dropped).
    pub fn new(path: &[V3], radius: f32, ends: TubeEnd) -> Self {
        let mut pts: Vec<V3> = Vec::with_capacity(path.len());
        for &p in path {
            if pts.last().is_none_or(|&q| length(sub(p, q)) > 1e-7) {
                pts.push(p);
            }
        }
        if pts.len() == 1 {
            pts.push(add(pts[0], [0.0, 1e-6, 0.0]));
        }
        let r = radius.abs();
        let mut elements = Vec::new();
        let mut weights = Vec::new();
        for i in 0..pts.len().saturating_sub(1) {
            elements.push(TubeElement::Segment(i));
            weights.push(TAU * r * length(sub(pts[i + 1], pts[i])));
        }
        for i in 1..pts.len().saturating_sub(1) {
            let d1 = normalize(sub(pts[i - 1], pts[i]));
            let d2 = normalize(sub(pts[i + 1], pts[i]));
            let alpha = dot(d1, d2).clamp(-1.0, 1.0).acos();
            elements.push(TubeElement::Joint(i));
            weights.push(2.0 * r * r * (PI - alpha));
        }
        let cap = match ends {
            TubeEnd::Open => 0.0,
            TubeEnd::Flat => PI * r * r,
            TubeEnd::Round => TAU * r * r,
        };
        for last in [false, true] {
            elements.push(TubeElement::End(last));
            weights.push(cap);
        }
        Tube {
            path: pts,
            radius: r,
            ends,
            elements,
            cum: cumulate(weights),
        }
    }

    /// A capsule: a cylinder from `a` to `b` with hemispherical ends.
    pub fn capsule(a: V3, b: V3, radius: f32) -> Self {
        Tube::new(&[a, b], radius, TubeEnd::Round)
    }
}

impl Surface for Tube {
    fn area(&self) -> f32 {
        *self.cum.last().unwrap_or(&0.0)
    }

    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let r = self.radius;
        let pts = &self.path;
        match self.elements[pick_cumulative(&self.cum, rng)] {
            TubeElement::Segment(i) => {
                let d = sub(pts[i + 1], pts[i]);
                let (u, v) = basis(normalize(d));
                let (s, c) = rng.uniform(0.0, TAU).sin_cos();
                let n = add(mul(u, c), mul(v, s));
                (add_mul(add_mul(pts[i], d, rng.f32()), n, r), n)
            }
            TubeElement::Joint(i) => {
                let d1 = normalize(sub(pts[i - 1], pts[i]));
                let d2 = normalize(sub(pts[i + 1], pts[i]));
                let mut n = normalize(mul(add(d1, d2), -1.0));
                for _ in 0..256 {
                    let u = random_unit(rng);
                    if dot(u, d1) <= 0.0 && dot(u, d2) <= 0.0 {
                        n = u;
                        break;
                    }
                }
                (add_mul(pts[i], n, r), n)
            }
            TubeElement::End(last) => {
                let (p, q) = if last {
                    (pts[pts.len() - 1], pts[pts.len() - 2])
                } else {
                    (pts[0], pts[1])
                };
                let out = normalize(sub(p, q));
                if self.ends == TubeEnd::Round {
                    let mut n = random_unit(rng);
                    if dot(n, out) < 0.0 {
                        n = add_mul(n, out, -2.0 * dot(n, out));
                    }
                    (add_mul(p, n, r), n)
                } else {
                    let (u, v) = basis(out);
                    let rr = r * rng.f32().sqrt();
                    let (s, c) = rng.uniform(0.0, TAU).sin_cos();
                    (add(p, add(mul(u, rr * c), mul(v, rr * s))), out)
                }
            }
        }
    }
}

/// `n + 1` points on the cubic Bezier curve with control points `c`.
pub fn bezier(c: [V3; 4], n: usize) -> Vec<V3> {
    let n = n.max(1);
    (0..=n)
        .map(|i| {
            let t = i as f32 / n as f32;
            let s = 1.0 - t;
            let w = [s * s * s, 3.0 * s * s * t, 3.0 * s * t * t, t * t * t];
            (0..4).fold([0.0; 3], |acc, k| add_mul(acc, c[k], w[k]))
        })
        .collect()
}

/// `n + 1` points on a circular arc of `radius` around `centre`, in the
/// plane spanned by unit `e1` (angle 0) and unit `e2` (angle pi/2), from
/// angle `a0` to `a1`.
pub fn arc_points(centre: V3, e1: V3, e2: V3, radius: f32, a0: f32, a1: f32, n: usize) -> Vec<V3> {
    let n = n.max(1);
    (0..=n)
        .map(|i| {
            let a = a0 + (a1 - a0) * i as f32 / n as f32;
            add(
                centre,
                add(mul(e1, radius * a.cos()), mul(e2, radius * a.sin())),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------

/// A triangle mesh sampled by area with face normals: the general primitive
/// behind extruded 2D profiles ([`TriMesh::extrude`]) and lofts through
/// cross-sections ([`TriMesh::loft`]) for guitar bodies, knife blades, wings
/// with airfoil sections, fuselages, laptop lids.
#[derive(Debug, Clone)]
pub struct TriMesh {
    verts: Vec<V3>,
    tris: Vec<[u32; 3]>,
    normals: Vec<V3>,
    cum: Vec<f32>,
}

impl TriMesh {
    /// A mesh from vertices and triangles; normals follow the right-hand
    /// winding. Degenerate triangles get no samples.
    pub fn new(verts: Vec<V3>, tris: Vec<[u32; 3]>) -> Self {
        let mut normals = Vec::with_capacity(tris.len());
        let mut areas = Vec::with_capacity(tris.len());
        for t in &tris {
            let [a, b, c] = t.map(|i| verts[i as usize]);
            let x = cross(sub(b, a), sub(c, a));
            areas.push(0.5 * length(x));
            normals.push(normalize(x));
        }
        TriMesh {
            verts,
            tris,
            normals,
            cum: cumulate(areas),
        }
    }

    /// Like [`TriMesh::new`] for a closed mesh, flipping every triangle when
    /// the winding makes the signed volume negative (normals then point out).
    pub fn closed(verts: Vec<V3>, mut tris: Vec<[u32; 3]>) -> Self {
        if signed_volume(&verts, &tris) < 0.0 {
            for t in &mut tris {
                t.swap(1, 2);
            }
        }
        TriMesh::new(verts, tris)
    }

    /// The closed prism over a simple polygon `profile` (x-y plane, either
    /// orientation) between `z = z0` and `z = z1`.
    pub fn extrude(profile: &[[f32; 2]], z0: f32, z1: f32) -> Self {
        let ring = |z: f32| profile.iter().map(|p| [p[0], p[1], z]).collect::<Vec<_>>();
        TriMesh::loft(&[ring(z0), ring(z1)], true, true)
    }

    /// A surface through closed cross-sections (each a ring with the same
    /// number of vertices, in corresponding order), with optional flat caps
    /// (ear-clipped in the section's best-fit plane). The orientation is
    /// chosen so normals point out of the solid closed by the caps.
    pub fn loft(sections: &[Vec<V3>], cap_start: bool, cap_end: bool) -> Self {
        let m = sections.first().map_or(0, |s| s.len());
        let mut verts = Vec::with_capacity(m * sections.len());
        for s in sections {
            verts.extend_from_slice(&s[..m.min(s.len())]);
        }
        let mut tris = Vec::new();
        for k in 0..sections.len().saturating_sub(1) {
            for i in 0..m {
                let j = (i + 1) % m;
                let (a, b) = ((k * m + i) as u32, (k * m + j) as u32);
                let (c, d) = (((k + 1) * m + i) as u32, ((k + 1) * m + j) as u32);
                tris.push([a, b, d]);
                tris.push([a, d, c]);
            }
        }
        let cap = |k: usize| -> Vec<[u32; 3]> {
            let base = (k * m) as u32;
            triangulate_ring(&verts[k * m..(k + 1) * m])
                .into_iter()
                .map(|t| t.map(|i| i + base))
                .collect()
        };
        let first = if sections.is_empty() { vec![] } else { cap(0) };
        let last = if sections.is_empty() {
            vec![]
        } else {
            cap(sections.len() - 1)
        };
        // Orientation from the closed solid, caps included.
        let mut all = tris.clone();
        // With a ring wound counter-clockwise about the loft direction the
        // sides face out, the start cap must face backwards (reversed ring
        // order) and the end cap forwards (ring order).
        all.extend(first.iter().map(|t| [t[0], t[2], t[1]]));
        all.extend(last.iter().copied());
        let mut flip = signed_volume(&verts, &all) < 0.0;
        if sections.len() < 2 {
            flip = false;
        }
        let mut out = tris;
        if cap_start {
            out.extend(first.iter().map(|t| [t[0], t[2], t[1]]));
        }
        if cap_end {
            out.extend(last.iter().copied());
        }
        if flip {
            for t in &mut out {
                t.swap(1, 2);
            }
        }
        TriMesh::new(verts, out)
    }

    /// A flat polygon (ear-clipped, possibly concave) through the closed
    /// planar `ring`, one-sided, its normal chosen on the side of `facing`.
    pub fn polygon(ring: &[V3], facing: V3) -> Self {
        let mut tris = triangulate_ring(ring);
        let n = tris.iter().fold([0.0; 3], |acc, t| {
            let [a, b, c] = t.map(|i| ring[i as usize]);
            add(acc, cross(sub(b, a), sub(c, a)))
        });
        if dot(n, facing) < 0.0 {
            for t in &mut tris {
                t.swap(1, 2);
            }
        }
        TriMesh::new(ring.to_vec(), tris)
    }

    /// Number of triangles.
    pub fn triangles(&self) -> usize {
        self.tris.len()
    }
}

impl Surface for TriMesh {
    fn area(&self) -> f32 {
        *self.cum.last().unwrap_or(&0.0)
    }

    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let i = pick_cumulative(&self.cum, rng);
        let [a, b, c] = self.tris[i].map(|k| self.verts[k as usize]);
        let (u, v) = (rng.f32(), rng.f32());
        let su = u.sqrt();
        let (wa, wb, wc) = (1.0 - su, su * (1.0 - v), su * v);
        let p = add(add(mul(a, wa), mul(b, wb)), mul(c, wc));
        (p, self.normals[i])
    }
}

/// Signed volume enclosed by a triangle mesh (positive when normals by the
/// right-hand rule point out).
fn signed_volume(verts: &[V3], tris: &[[u32; 3]]) -> f32 {
    tris.iter()
        .map(|t| {
            let [a, b, c] = t.map(|i| verts[i as usize]);
            dot(a, cross(b, c)) / 6.0
        })
        .sum()
}

/// Ear-clipping triangulation of a closed, planar-ish ring; triangles wind
/// the same way as the ring.
fn triangulate_ring(ring: &[V3]) -> Vec<[u32; 3]> {
    let n = ring.len();
    if n < 3 {
        return vec![];
    }
    // Newell normal gives the ring's plane and orientation.
    let mut nrm = [0.0f32; 3];
    for i in 0..n {
        let (p, q) = (ring[i], ring[(i + 1) % n]);
        nrm[0] += (p[1] - q[1]) * (p[2] + q[2]);
        nrm[1] += (p[2] - q[2]) * (p[0] + q[0]);
        nrm[2] += (p[0] - q[0]) * (p[1] + q[1]);
    }
    let nrm = normalize(nrm);
    let (e1, e2) = basis(nrm);
    let pts: Vec<[f32; 2]> = ring.iter().map(|&p| [dot(p, e1), dot(p, e2)]).collect();
    // In (e1, e2) coordinates the ring is counter-clockwise.
    let cross2 = |a: [f32; 2], b: [f32; 2], c: [f32; 2]| {
        (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    };
    let mut idx: Vec<usize> = (0..n).collect();
    let mut out = Vec::with_capacity(n - 2);
    let mut guard = 0;
    while idx.len() > 3 && guard < 4 * n * n {
        guard += 1;
        let m = idx.len();
        let mut clipped = false;
        for k in 0..m {
            let (ia, ib, ic) = (idx[(k + m - 1) % m], idx[k], idx[(k + 1) % m]);
            let (a, b, c) = (pts[ia], pts[ib], pts[ic]);
            if cross2(a, b, c) <= 1e-12 {
                continue;
            }
            let inside = idx.iter().any(|&j| {
                j != ia
                    && j != ib
                    && j != ic
                    && cross2(a, b, pts[j]) >= 0.0
                    && cross2(b, c, pts[j]) >= 0.0
                    && cross2(c, a, pts[j]) >= 0.0
            });
            if !inside {
                out.push([ia as u32, ib as u32, ic as u32]);
                idx.remove(k);
                clipped = true;
                break;
            }
        }
        if !clipped {
            // Degenerate remainder: fan it.
            break;
        }
    }
    for k in 1..idx.len().saturating_sub(1) {
        out.push([idx[0] as u32, idx[k] as u32, idx[k + 1] as u32]);
    }
    out
}

// ---------------------------------------------------------------------------

/// The inner face of a sheet or closed skin: the same surface with its
/// normals turned around (the inside of a lampshade, of a fuel tank's
/// shell), as CAD meshes sampled with their interiors carry it.
pub struct InnerFace<S>(pub S);

impl<S: Surface> Surface for InnerFace<S> {
    fn area(&self) -> f32 {
        self.0.area()
    }
    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let (p, n) = self.0.sample(rng);
        (p, mul(n, -1.0))
    }
}

/// A surface mapped by an affine [`Transform`]. Points map directly; normals
/// through the inverse transpose. A non-similarity map stretches area
/// unevenly, so sampling corrects by rejection (exactly uniform) and the area
/// is the local area times the mean stretch over 1,024 fixed-seed samples
/// (about 1% accurate); similarities (rotation, translation, uniform scale)
/// are exact.
pub struct Placed {
    inner: Box<dyn Surface>,
    xf: Transform,
    area: f32,
    /// Largest area stretch (`None` for a similarity: constant stretch).
    max_stretch: Option<f32>,
}

impl Placed {
    /// `inner` mapped by `xf`.
    pub fn new(inner: Box<dyn Surface>, xf: Transform) -> Self {
        let nm = xf.normal_matrix();
        let det = xf.det().abs();
        let stretch = |n: V3| -> f32 {
            let v: V3 =
                std::array::from_fn(|i| nm[i][0] * n[0] + nm[i][1] * n[1] + nm[i][2] * n[2]);
            det * length(v)
        };
        // m^T m = s^2 I for similarities.
        let mut mtm = [[0.0f32; 3]; 3];
        for (i, row) in mtm.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (0..3).map(|k| xf.m[k][i] * xf.m[k][j]).sum();
            }
        }
        let s2 = (mtm[0][0] + mtm[1][1] + mtm[2][2]) / 3.0;
        let similar = (0..3).all(|i| {
            (0..3).all(|j| {
                let want = if i == j { s2 } else { 0.0 };
                (mtm[i][j] - want).abs() <= 1e-5 * s2.max(1e-30)
            })
        });
        let local = inner.area();
        if similar {
            return Placed {
                area: local * s2,
                inner,
                xf,
                max_stretch: None,
            };
        }
        // Spectral norm of the normal matrix by power iteration on nm^T nm.
        let mut v = normalize([1.0, 0.7, 0.3]);
        let mut sigma = 0.0;
        for _ in 0..50 {
            let w: V3 = std::array::from_fn(|i| (0..3).map(|k| nm[k][i] * dot(nm[k], v)).sum());
            sigma = length(w).sqrt();
            v = normalize(w);
        }
        let max_stretch = det * sigma * 1.001;
        let mut rng = Rng::new(0x5EED_A7EA);
        let count = 1024;
        let mean = (0..count)
            .map(|_| stretch(inner.sample(&mut rng).1))
            .sum::<f32>()
            / count as f32;
        Placed {
            area: local * mean,
            inner,
            xf,
            max_stretch: Some(max_stretch),
        }
    }

    /// Compose another transform after this one (no nesting).
    pub fn transformed(self, xf: Transform) -> Placed {
        Placed::new(self.inner, self.xf.then(&xf))
    }

    /// Translate by `p` after the current transform.
    pub fn at(self, p: V3) -> Placed {
        self.transformed(Transform::translate(p))
    }
}

impl Surface for Placed {
    fn area(&self) -> f32 {
        self.area
    }

    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let mut sample = self.inner.sample(rng);
        if let Some(max) = self.max_stretch {
            let nm = self.xf.normal_matrix();
            let det = self.xf.det().abs();
            for _ in 0..64 {
                let n = sample.1;
                let v: V3 =
                    std::array::from_fn(|i| nm[i][0] * n[0] + nm[i][1] * n[1] + nm[i][2] * n[2]);
                if rng.f32() * max <= det * length(v) {
                    break;
                }
                sample = self.inner.sample(rng);
            }
        }
        let (p, n) = sample;
        (self.xf.apply_point(p), self.xf.apply_normal(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draw many samples and check: finite, unit normals, outward w.r.t.
    /// `inside` (dot(n, p - inside) > -tol), and return them.
    fn check(s: &dyn Surface, inside: V3, n: usize, tol: f32) -> Vec<(V3, V3)> {
        let mut rng = Rng::new(3);
        (0..n)
            .map(|_| {
                let (p, nn) = s.sample(&mut rng);
                assert!(p.iter().chain(nn.iter()).all(|v| v.is_finite()));
                assert!((length(nn) - 1.0).abs() < 1e-4, "normal {nn:?}");
                assert!(
                    dot(nn, sub(p, inside)) > -tol,
                    "inward normal {nn:?} at {p:?}"
                );
                (p, nn)
            })
            .collect()
    }

    #[test]
    fn sphere_normals_are_exact_and_area_is_4_pi_r2() {
        let s = SphereZone::sphere(2.0);
        assert!((s.area() - 16.0 * PI).abs() < 1e-4);
        for (p, n) in check(&s, [0.0; 3], 2000, 0.0) {
            assert!((length(p) - 2.0).abs() < 1e-5);
            assert!(length(sub(mul(n, 2.0), p)) < 1e-5);
        }
    }

    #[test]
    fn box_faces_get_samples_in_proportion_to_area() {
        let b = RoundedBox::cuboid([1.0, 0.5, 0.25]);
        assert!((b.area() - 8.0 * (0.5 + 0.25 + 0.125)).abs() < 1e-5);
        let samples = check(&b, [0.0; 3], 40_000, 0.0);
        let mut counts = [0usize; 3];
        for (p, n) in &samples {
            let a = (0..3).find(|&k| n[k].abs() > 0.5).unwrap();
            let h = [1.0, 0.5, 0.25][a];
            assert!((p[a].abs() - h).abs() < 1e-5, "point off its face");
            counts[a] += 1;
        }
        // Face-pair areas 1 : 2 : 4 of the total 7/7 (x faces: 0.5*0.25*8=1).
        let expect = [1.0 / 7.0, 2.0 / 7.0, 4.0 / 7.0];
        for a in 0..3 {
            let f = counts[a] as f32 / samples.len() as f32;
            assert!(
                (f - expect[a]).abs() < 0.01,
                "axis {a}: {f} vs {}",
                expect[a]
            );
        }
    }

    #[test]
    fn rounded_box_area_and_surface_distance() {
        let (half, r) = ([1.0, 0.6, 0.4], 0.1);
        let b = RoundedBox::new(half, r);
        let inner = half.map(|h| h - r);
        let faces = 8.0 * (inner[1] * inner[2] + inner[0] * inner[2] + inner[0] * inner[1]);
        let edges = 2.0 * PI * r * 2.0 * (inner[0] + inner[1] + inner[2]);
        let want = faces + edges + 4.0 * PI * r * r;
        assert!((b.area() - want).abs() < 1e-4);
        // Every sample lies at distance r from the inner box, along its normal.
        for (p, n) in check(&b, [0.0; 3], 5000, 0.0) {
            let q: V3 = std::array::from_fn(|k| p[k].clamp(-inner[k], inner[k]));
            assert!((length(sub(p, q)) - r).abs() < 1e-5);
            assert!(length(sub(normalize(sub(p, q)), n)) < 1e-4);
        }
    }

    #[test]
    fn frustum_area_normals_and_axial_density() {
        let f = Frustum::new(1.0, 0.5, 1.0, (true, true));
        let slant = (0.25f32 + 4.0).sqrt();
        let want = PI * 1.5 * slant + PI * 1.0 + PI * 0.25;
        assert!((f.area() - want).abs() < 1e-4);
        let samples = check(&f, [0.0; 3], 30_000, 0.0);
        // Lateral points: on the cone, normal perpendicular to the slant line.
        let mut lower = 0usize;
        let mut lateral = 0usize;
        for (p, n) in &samples {
            if n[1].abs() > 0.999 {
                continue;
            }
            lateral += 1;
            let r = (p[0] * p[0] + p[2] * p[2]).sqrt();
            let want_r = 1.0 + (0.5 - 1.0) * (p[1] + 1.0) / 2.0;
            assert!((r - want_r).abs() < 1e-4);
            if p[1] < 0.0 {
                lower += 1;
            }
        }
        // Lateral area below y=0: radii 1..0.75 vs 0.75..0.5 -> 1.75 / 3.0.
        let f_lower = lower as f32 / lateral as f32;
        assert!((f_lower - 1.75 / 3.0).abs() < 0.015, "{f_lower}");
    }

    #[test]
    fn torus_area_and_normals() {
        let t = Torus::new(2.0, 0.5, TAU);
        assert!((t.area() - 4.0 * PI * PI).abs() < 1e-3);
        let mut rng = Rng::new(9);
        let mut outer = 0;
        for _ in 0..20_000 {
            let (p, n) = t.sample(&mut rng);
            let dir = normalize([p[0], 0.0, p[2]]);
            let c = mul(dir, 2.0);
            assert!((length(sub(p, c)) - 0.5).abs() < 1e-4);
            assert!(length(sub(normalize(sub(p, c)), n)) < 1e-3);
            if length([p[0], 0.0, p[2]]) > 2.0 {
                outer += 1;
            }
        }
        // Outer half has area fraction (pi R + 2 r)/(2 pi R) = 0.5 + r/(pi R).
        let f = outer as f32 / 20_000.0;
        assert!((f - (0.5 + 0.5 / (PI * 2.0))).abs() < 0.015, "{f}");
    }

    #[test]
    fn tube_areas_and_normals() {
        // A straight two-segment tube equals one cylinder: the joint has no area.
        let straight = Tube::new(
            &[[0.0; 3], [0.0, 1.0, 0.0], [0.0, 3.0, 0.0]],
            0.1,
            TubeEnd::Open,
        );
        assert!((straight.area() - TAU * 0.1 * 3.0).abs() < 1e-4);
        // A right angle adds a quarter-sphere lune: 2 r^2 (pi - pi/2).
        let bent = Tube::new(
            &[[0.0; 3], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]],
            0.1,
            TubeEnd::Round,
        );
        let want = TAU * 0.1 * 2.0 + 0.01 * PI + 2.0 * TAU * 0.01;
        assert!((bent.area() - want).abs() < 1e-4);
        let mut rng = Rng::new(4);
        for _ in 0..5000 {
            let (p, n) = bent.sample(&mut rng);
            // Distance to the polyline is the radius, along the normal.
            let q = sub(p, mul(n, 0.1));
            let d = closest_on_polyline(&[[0.0; 3], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]], q);
            assert!(d < 1e-4, "axis point off the path by {d}");
        }
        let caps = Tube::capsule([0.0; 3], [0.0, 0.0, 2.0], 0.5);
        check(&caps, [0.0, 0.0, 1.0], 3000, 0.0);
    }

    fn closest_on_polyline(path: &[V3], q: V3) -> f32 {
        path.windows(2)
            .map(|w| {
                let d = sub(w[1], w[0]);
                let t = (dot(sub(q, w[0]), d) / dot(d, d)).clamp(0.0, 1.0);
                length(sub(q, add_mul(w[0], d, t)))
            })
            .fold(f32::MAX, f32::min)
    }

    #[test]
    fn extrusion_of_a_concave_profile_is_closed_and_outward() {
        // An L shape (area 3) of depth 0.5, clockwise on purpose.
        let l = [
            [0.0, 0.0],
            [0.0, 2.0],
            [1.0, 2.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [2.0, 0.0],
        ];
        let m = TriMesh::extrude(&l, 0.0, 0.5);
        let perimeter = 8.0;
        assert!((m.area() - (2.0 * 3.0 + perimeter * 0.5)).abs() < 1e-4);
        assert!(signed_volume(&m.verts, &m.tris) > 0.0);
        assert!((signed_volume(&m.verts, &m.tris) - 1.5).abs() < 1e-4);
        // Side normals point out of the L: check against points just outside.
        let mut rng = Rng::new(5);
        for _ in 0..3000 {
            let (p, n) = m.sample(&mut rng);
            let out = add_mul(p, n, 1e-3);
            let inn = add_mul(p, n, -1e-3);
            let in_l = |q: V3| {
                (0.0..=0.5).contains(&q[2])
                    && ((0.0..=1.0).contains(&q[0]) && (0.0..=2.0).contains(&q[1])
                        || (0.0..=2.0).contains(&q[0]) && (0.0..=1.0).contains(&q[1]))
            };
            assert!(!in_l(out) && in_l(inn), "normal {n:?} at {p:?}");
        }
    }

    #[test]
    fn non_uniform_scale_keeps_sampling_uniform_and_normals_outward() {
        // An ellipsoid 3 x 1 x 1: area by Knud Thomsen's formula (<1.1% error).
        let e = SphereZone::ellipsoid([3.0, 1.0, 1.0], [1.0, 2.0, 3.0]);
        let pp = 1.6075f32;
        let (a, b, c) = (3.0f32, 1.0f32, 1.0f32);
        let thomsen = 4.0
            * PI
            * (((a * b).powf(pp) + (a * c).powf(pp) + (b * c).powf(pp)) / 3.0).powf(1.0 / pp);
        assert!(
            (e.area() / thomsen - 1.0).abs() < 0.03,
            "{} vs {thomsen}",
            e.area()
        );
        for (p, n) in check(&e, [1.0, 2.0, 3.0], 3000, 0.0) {
            let q = sub(p, [1.0, 2.0, 3.0]);
            // On the surface, normal parallel to the implicit gradient.
            let g = normalize([q[0] / 9.0, q[1], q[2]]);
            assert!(((q[0] / 3.0).powi(2) + q[1] * q[1] + q[2] * q[2] - 1.0).abs() < 1e-3);
            assert!(length(sub(g, n)) < 1e-3);
        }
        // A 4x stretched unit cube: the long faces must get 4x the samples.
        let b = RoundedBox::cuboid([0.5; 3]).transformed(Transform::scale([4.0, 1.0, 1.0]));
        assert!((b.area() / 18.0 - 1.0).abs() < 0.05);
        let mut rng = Rng::new(1);
        let ends = (0..20_000)
            .filter(|_| b.sample(&mut rng).1[0].abs() > 0.5)
            .count();
        assert!((ends as f32 / 20_000.0 - 2.0 / 18.0).abs() < 0.01);
    }

    #[test]
    fn loft_open_surface_orients_outward() {
        // An open tapered tube along x built from square sections.
        let sq = |x: f32, s: f32| vec![[x, -s, -s], [x, s, -s], [x, s, s], [x, -s, s]];
        let m = TriMesh::loft(&[sq(0.0, 1.0), sq(2.0, 0.5)], false, false);
        check(&m, [1.0, 0.0, 0.0], 2000, 0.0);
        let closed = TriMesh::loft(&[sq(0.0, 1.0), sq(2.0, 0.5)], true, true);
        check(&closed, [1.0, 0.0, 0.0], 2000, 0.0);
        let c = Frustum::between([0.0; 3], [2.0, 2.0, 0.0], 0.5, 0.2, (true, true));
        check(&c, [1.0, 1.0, 0.0], 2000, 0.0);
    }
}

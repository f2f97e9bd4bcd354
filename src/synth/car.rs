//! Car generator: hood `+x`, wheels at the bottom, y up, width along z.
//!
//! The whole body is one smooth closed loft through cross-sections along x
//! (like a CAD car body): each section is a ring in the z-y plane with a
//! flat underside, bulged sides with tumblehome, shoulders at the belt line
//! and a greenhouse (side windows, roof with a crown) that collapses onto
//! the deck in front of the windshield and behind the rear window. Every
//! quad of the loft gets its own label: the crowned top between the side
//! windows from the windshield top to the rear-window top is the roof, the
//! top of the deck between the front fenders from the nose to the
//! windshield base is the hood, everything else (sides, fenders, windows,
//! bumpers, trunk, underside, pickup bed) the body. Large wheels sit flush
//! with the body sides in wheel wells cut into the bottom of the sections
//! (well ceilings and the inner well walls, set well back from the tyre,
//! are body); each wheel is an open tyre with rounded shoulders around a
//! rim dished into it, as ShapeNet wheel meshes are. Many cars
//! get a few interior surfaces (seats, dashboard), which CAD meshes carry,
//! and running gear under the floor (axles, a drive shaft, a subframe),
//! which ShapeNetPart labels `wheel`.
//! Variants: sedan, hatchback, SUV, sports car, pickup, van, wagon, coupe.

use super::math::{cross, dot, Transform, V3};
use super::primitives::{Annulus, Frustum, RoundedBox, SurfaceExt, TriMesh};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::FRAC_PI_2;

const ROOF: usize = 0;
const HOOD: usize = 1;
const WHEEL: usize = 2;
const BODY: usize = 3;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Sedan,
    Hatch,
    Suv,
    Sports,
    Pickup,
    Van,
    /// Estate: sedan front, long roof to a near-vertical tailgate.
    Wagon,
    /// Fastback coupe: long roof sloping down to the tail.
    Coupe,
}

/// The side profile and plan of one car (length 1 along x, -0.5 rear to
/// 0.5 front; heights above the ground).
struct Body {
    kind: Kind,
    /// Half width.
    w: f32,
    /// Underside height.
    floor: f32,
    /// Nose top (hood leading edge), belt at the windshield base, belt at
    /// the rear of the cabin, tail (trunk lid / tailgate base).
    nose: f32,
    belt_f: f32,
    belt_r: f32,
    tail: f32,
    roof: f32,
    /// Roof crown across (y rise at the centre line).
    crown: f32,
    /// Windshield base / top, rear-window top / base (x).
    ws_base: f32,
    ws_top: f32,
    rear_top: f32,
    rear_base: f32,
    /// Half widths of the greenhouse at the window base and the roof edge.
    w_glass: f32,
    w_roof: f32,
    /// Half width of the hood (fender tops outside it are body).
    w_hood: f32,
    /// Wheels: x centres, radius, arch radius, tyre width, inner well wall
    /// half width.
    wheel_x: [f32; 2],
    wheel_r: f32,
    arch_r: f32,
    tyre_w: f32,
    w_in: f32,
    /// Pickup bed floor height (pickups only).
    bed: f32,
    /// Radius of the nose/tail rounding in x.
    round: f32,
}

/// One loft station: x, whether the bottom is cut by a wheel well, whether
/// the top is the open pickup bed.
#[derive(Clone, Copy)]
struct Station {
    x: f32,
    well: bool,
    bed: bool,
}

/// Ring layout (right half, bottom centre to top centre): indices of the
/// vertices, used for labelling.
const RING_HALF: usize = 11;
/// First vertex of the top group (window base / hood edge).
const U_GLASS: usize = 7;
/// Roof edge vertex.
const U_ROOF: usize = 8;

impl Body {
    /// Belt line (top of the lower body) at x.
    fn belt(&self, x: f32) -> f32 {
        let hood_front = 0.5 - self.round;
        if x >= self.ws_base {
            let t = ((hood_front - x) / (hood_front - self.ws_base)).clamp(0.0, 1.0);
            self.nose + (self.belt_f - self.nose) * (1.0 - (1.0 - t) * (1.0 - t))
        } else if x >= self.rear_base {
            let t = (x - self.rear_base) / (self.ws_base - self.rear_base).max(1e-3);
            self.belt_r + (self.belt_f - self.belt_r) * t
        } else {
            let t = ((self.rear_base - x) / (self.rear_base + 0.5).max(1e-3)).clamp(0.0, 1.0);
            self.belt_r + (self.tail - self.belt_r) * t
        }
    }

    /// Top of the greenhouse at x (the belt outside the cabin).
    fn top(&self, x: f32) -> f32 {
        let belt = self.belt(x);
        let (rb, rt, wt, wb) = (self.rear_base, self.rear_top, self.ws_top, self.ws_base);
        let y = if x <= rb || x >= wb {
            return belt;
        } else if x < rt {
            let t = (x - rb) / (rt - rb).max(1e-4);
            // Rear window / hatch, slightly convex.
            belt + (self.roof - belt) * (1.0 - (1.0 - t) * (1.0 - t)).powf(0.8)
        } else if x <= wt {
            // Roof with a slight longitudinal bow.
            let m = 0.5 * (rt + wt);
            let h = (0.5 * (wt - rt)).max(1e-3);
            let u = (x - m) / h;
            self.roof - 0.012 * u * u
        } else {
            let t = (wb - x) / (wb - wt).max(1e-4);
            belt + (self.roof - 0.012 - belt) * (1.0 - (1.0 - t) * (1.0 - t))
        };
        y.max(belt)
    }

    /// Half width at x (plan view: slight taper toward the ends).
    fn half_width(&self, x: f32) -> f32 {
        let u = (x / 0.5).abs().min(1.0);
        let front = if x > 0.0 { 0.05 } else { 0.03 };
        self.w * (1.0 - front * u.powi(4))
    }

    /// The right half of the ring at station `st` as (z, y), from the bottom
    /// centre to the top centre (`RING_HALF + 1` vertices).
    fn half_ring(&self, st: Station) -> Vec<[f32; 2]> {
        let x = st.x;
        let w = self.half_width(x);
        let f = self.floor;
        let belt = self.belt(x);
        let top = self.top(x);
        // Wheel well ceiling over the nearest wheel.
        let wx = if (x - self.wheel_x[0]).abs() < (x - self.wheel_x[1]).abs() {
            self.wheel_x[0]
        } else {
            self.wheel_x[1]
        };
        let dx = (x - wx).abs().min(self.arch_r);
        let arch = self.wheel_r + (self.arch_r * self.arch_r - dx * dx).max(0.0).sqrt();
        let side_mid = (f + 0.5 * (belt - f))
            .max(self.wheel_r + self.arch_r + 0.008)
            .min(belt - 0.012);
        let w_in = self.w_in * w / self.w;
        let mut r = Vec::with_capacity(RING_HALF + 1);
        r.push([0.0, f]);
        r.push([w_in, f]);
        if st.well {
            r.push([w_in, arch]);
            r.push([w * 0.97, arch]);
            r.push([w, (arch + 0.006).min(side_mid - 0.004)]);
        } else {
            r.push([w_in + 0.3 * (w - w_in), f]);
            r.push([w * 0.95, f]);
            r.push([w, f + 0.35 * (side_mid - f).min(0.03)]);
        }
        r.push([w * 1.005, side_mid]);
        // Shoulder, then the top group.
        r.push([w * 0.96, belt - 0.008]);
        debug_assert_eq!(r.len(), U_GLASS);
        // How far the greenhouse is raised here (0 on the deck, 1 at the roof).
        let t = ((top - belt) / (self.roof - belt).max(1e-3)).clamp(0.0, 1.0);
        let lerp = |a: f32, b: f32| a + (b - a) * t;
        if st.bed {
            let wall = w * 0.9;
            r.push([wall, belt]);
            r.push([wall, self.bed]);
            r.push([wall * 0.5, self.bed]);
            r.push([wall * 0.2, self.bed]);
        } else {
            let deck_crown = 0.01;
            let crown = lerp(deck_crown, self.crown);
            let wg = lerp(self.w_hood, self.w_glass) * w / self.w;
            let wr = lerp(self.w_hood * 0.6, self.w_roof) * w / self.w;
            r.push([wg, belt + 0.004 + 0.2 * deck_crown * (1.0 - t)]);
            r.push([wr, top + deck_crown * 0.6 * (1.0 - t)]);
            r.push([wr * 0.55, top + crown * 0.75]);
            r.push([wr * 0.22, top + crown * 0.96]);
        }
        r.push([
            0.0,
            if st.bed {
                self.bed
            } else {
                top + lerp(0.01, self.crown)
            },
        ]);
        debug_assert_eq!(r.len(), RING_HALF + 1);
        // Nose / tail rounding: shrink the end sections toward the middle.
        let d = 0.5 - x.abs();
        if d < self.round {
            let q = 1.0 - d / self.round;
            let g = (1.0 - q * q).max(0.0).sqrt();
            let (sz, sy) = (0.82 + 0.18 * g, 0.85 + 0.15 * g);
            let ymid = 0.5 * (f + belt);
            for p in &mut r {
                p[0] *= sz;
                p[1] = ymid + (p[1] - ymid) * sy;
            }
        }
        r
    }

    /// The full closed ring at station `st` in 3D.
    fn ring(&self, st: Station) -> Vec<V3> {
        let h = self.half_ring(st);
        let mut out: Vec<V3> = h.iter().map(|p| [st.x, p[1], p[0]]).collect();
        // Mirror (without the two centre vertices), back down the -z side.
        for p in h[1..h.len() - 1].iter().rev() {
            out.push([st.x, p[1], -p[0]]);
        }
        out
    }

    /// Label of ring segment `i` (from vertex i to i+1) between two stations
    /// at mean x `xm` (zero-length gaps are walls: body).
    fn label(&self, i: usize, m: usize, xm: f32, wall: bool, bed: bool) -> usize {
        if wall || bed {
            return BODY;
        }
        // Segment index on the right half (mirror the other side).
        let k = if i < RING_HALF { i } else { m - 1 - i };
        let hood_front = 0.5 - self.round * 0.4;
        if k >= U_ROOF && xm > self.rear_top && xm < self.ws_top {
            ROOF
        } else if k >= U_GLASS && xm > self.ws_base && xm < hood_front {
            HOOD
        } else {
            BODY
        }
    }
}

fn params(kind: Kind, rng: &mut Rng) -> Body {
    let mut u = |a: f32, b: f32| rng.uniform(a, b);
    // (floor, nose, belt_f, belt_r, tail, roof, ws_base, ws_top, rear_top, rear_base, r)
    let (floor, nose, belt_f, belt_r, tail, roof, ws_base, ws_top, rear_top, rear_base, r) =
        match kind {
            Kind::Sedan => (
                u(0.018, 0.035),
                u(0.11, 0.135),
                u(0.165, 0.185),
                u(0.18, 0.2),
                u(0.175, 0.195),
                u(0.265, 0.3),
                u(0.2, 0.27),
                u(-0.02, 0.05),
                u(-0.24, -0.16),
                u(-0.37, -0.3),
                u(0.064, 0.078),
            ),
            Kind::Coupe => (
                u(0.018, 0.03),
                u(0.1, 0.125),
                u(0.16, 0.18),
                u(0.175, 0.19),
                u(0.16, 0.18),
                u(0.25, 0.28),
                u(0.17, 0.24),
                u(-0.05, 0.02),
                u(-0.2, -0.12),
                u(-0.45, -0.38),
                u(0.066, 0.08),
            ),
            Kind::Hatch => (
                u(0.022, 0.04),
                u(0.12, 0.145),
                u(0.175, 0.195),
                u(0.19, 0.21),
                u(0.15, 0.175),
                u(0.3, 0.34),
                u(0.2, 0.26),
                u(-0.01, 0.06),
                u(-0.36, -0.28),
                u(-0.49, -0.46),
                u(0.068, 0.08),
            ),
            Kind::Wagon => (
                u(0.022, 0.04),
                u(0.115, 0.14),
                u(0.17, 0.19),
                u(0.185, 0.2),
                u(0.16, 0.18),
                u(0.28, 0.31),
                u(0.2, 0.26),
                u(-0.01, 0.05),
                u(-0.44, -0.4),
                u(-0.49, -0.47),
                u(0.064, 0.076),
            ),
            Kind::Suv => (
                u(0.06, 0.08),
                u(0.18, 0.21),
                u(0.235, 0.26),
                u(0.245, 0.27),
                u(0.2, 0.23),
                u(0.36, 0.4),
                u(0.22, 0.28),
                u(0.06, 0.12),
                u(-0.45, -0.4),
                u(-0.495, -0.47),
                u(0.085, 0.1),
            ),
            Kind::Sports => (
                u(0.014, 0.025),
                u(0.075, 0.1),
                u(0.135, 0.155),
                u(0.15, 0.17),
                u(0.145, 0.165),
                u(0.22, 0.25),
                u(0.13, 0.22),
                u(-0.1, -0.02),
                u(-0.22, -0.15),
                u(-0.42, -0.33),
                u(0.066, 0.08),
            ),
            Kind::Pickup => (
                u(0.06, 0.08),
                u(0.18, 0.21),
                u(0.23, 0.255),
                u(0.235, 0.26),
                u(0.235, 0.26),
                u(0.35, 0.39),
                u(0.2, 0.26),
                u(0.1, 0.15),
                u(-0.09, -0.04),
                u(-0.1, -0.05),
                u(0.085, 0.098),
            ),
            Kind::Van => (
                u(0.045, 0.06),
                u(0.16, 0.2),
                u(0.22, 0.25),
                u(0.23, 0.26),
                u(0.2, 0.23),
                u(0.38, 0.43),
                u(0.33, 0.4),
                u(0.18, 0.26),
                u(-0.475, -0.45),
                u(-0.5, -0.485),
                u(0.07, 0.082),
            ),
        };
    let rear_base = rear_base.min(rear_top - 0.005);
    let w = u(0.195, 0.225) * if kind == Kind::Sports { 1.04 } else { 1.0 };
    // Tyre width: the outboard wheel points of the reference cars span 0.052
    // of the car length across (median of 8 axles, about 15 points each);
    // u(0.045, 0.06) plus the well clearance gave 0.067 at the same density.
    let tyre_w = u(0.034, 0.046) * if kind == Kind::Suv { 1.15 } else { 1.0 };
    let arch_r = r * u(1.06, 1.12);
    let round = u(0.03, 0.05);
    let front_over = u(0.17, 0.22) - if kind == Kind::Van { 0.05 } else { 0.0 };
    let rear_over = u(0.16, 0.23);
    let limit = 0.5 - round - arch_r - 0.01;
    let wheel_x = [
        (-0.5 + rear_over).max(-limit),
        (0.5 - front_over).min(limit),
    ];
    let bed = (belt_r * 0.55).max(r + arch_r + 0.012).min(belt_r - 0.03);
    Body {
        kind,
        w,
        floor,
        nose,
        belt_f,
        belt_r,
        tail,
        roof,
        crown: u(0.008, 0.018),
        ws_base,
        ws_top,
        rear_top,
        rear_base,
        w_glass: w * u(0.84, 0.9),
        w_roof: w * u(0.66, 0.76),
        w_hood: w * u(0.76, 0.84),
        wheel_x,
        wheel_r: r,
        arch_r,
        tyre_w,
        // The inner well wall stands well inboard of the tyre, near the
        // middle of each half: in the real cars nothing but wheel lies
        // behind the outer part of a wheel (of the points within 0.9 radius
        // of a wheel centre in side view and outboard of 0.55 of the half
        // width, 7 % are body, 0 % on 7 of 8 axles; around the wheels, 0.55
        // to 0.75 of the half width holds 2.2 body points a car); a wall
        // 1-2 cm behind the tyre put 25 % body there (8.9 points a car).
        w_in: (w * u(0.44, 0.53)).min(w - tyre_w - 0.03),
        bed,
        round,
    }
}

/// The loft stations, sorted rear to front, with wheel-well and bed
/// boundaries doubled (a wall between the two rings).
fn stations(b: &Body) -> Vec<Station> {
    let mut xs: Vec<f32> = (0..=40).map(|i| -0.5 + i as f32 / 40.0).collect();
    for k in [0.12f32, 0.35, 0.65] {
        xs.push(-0.5 + b.round * k);
        xs.push(0.5 - b.round * k);
    }
    xs.extend_from_slice(&[b.ws_base, b.ws_top, b.rear_top, b.rear_base]);
    xs.push(0.5 * (b.ws_base + b.ws_top));
    xs.push(0.5 * (b.rear_base + b.rear_top));
    for &wx in &b.wheel_x {
        for k in 1..8 {
            xs.push(wx + b.arch_r * (-1.0 + k as f32 / 4.0));
        }
    }
    let in_well = |x: f32| b.wheel_x.iter().any(|&wx| (x - wx).abs() < b.arch_r - 1e-4);
    let pickup = b.kind == Kind::Pickup;
    // Drop stations too close to a boundary (they would give slivers).
    let mut bounds: Vec<f32> = b
        .wheel_x
        .iter()
        .flat_map(|&wx| [wx - b.arch_r, wx + b.arch_r])
        .collect();
    if pickup {
        bounds.push(b.rear_base);
    }
    xs.retain(|&x| bounds.iter().all(|&c| (x - c).abs() > 2e-3));
    let mut st: Vec<Station> = xs
        .into_iter()
        .map(|x| Station {
            x,
            well: in_well(x),
            bed: pickup && x < b.rear_base,
        })
        .collect();
    for &wx in &b.wheel_x {
        let (a, c) = (wx - b.arch_r, wx + b.arch_r);
        st.push(Station {
            x: a,
            well: false,
            bed: pickup && a < b.rear_base,
        });
        st.push(Station {
            x: a + 1e-5,
            well: true,
            bed: pickup && a < b.rear_base,
        });
        st.push(Station {
            x: c - 1e-5,
            well: true,
            bed: pickup && c < b.rear_base,
        });
        st.push(Station {
            x: c,
            well: false,
            bed: pickup && c < b.rear_base,
        });
    }
    if pickup {
        st.push(Station {
            x: b.rear_base - 1e-5,
            well: in_well(b.rear_base),
            bed: true,
        });
        st.push(Station {
            x: b.rear_base,
            well: in_well(b.rear_base),
            bed: false,
        });
    }
    st.sort_by(|p, q| p.x.total_cmp(&q.x));
    st
}

/// Add the body loft, split into one mesh per label.
fn add_body(s: &mut Shape, b: &Body) {
    let st = stations(b);
    let rings: Vec<Vec<V3>> = st.iter().map(|&p| b.ring(p)).collect();
    let m = rings[0].len();
    let mut verts: Vec<V3> = Vec::with_capacity(m * rings.len());
    for r in &rings {
        verts.extend_from_slice(r);
    }
    let mut tris: [Vec<[u32; 3]>; 4] = Default::default();
    for k in 0..rings.len() - 1 {
        let wall = st[k + 1].x - st[k].x < 1e-4;
        let xm = 0.5 * (st[k].x + st[k + 1].x);
        let bed = st[k].bed && st[k + 1].bed;
        for i in 0..m {
            let j = (i + 1) % m;
            let (a, bb) = ((k * m + i) as u32, (k * m + j) as u32);
            let (c, d) = (((k + 1) * m + i) as u32, ((k + 1) * m + j) as u32);
            let label = b.label(i, m, xm, wall, bed);
            tris[label].push([a, bb, d]);
            tris[label].push([a, d, c]);
        }
    }
    // Orientation: the ring runs bottom centre -> +z side -> top -> -z side,
    // i.e. clockwise seen from +x; with stations ascending in x the winding
    // (a, b, d) then faces inward, so flip. Verify on the signed volume.
    let mut vol = 0.0;
    for t in tris.iter().flatten() {
        let [p, q, r] = t.map(|i| verts[i as usize]);
        vol += dot(p, cross(q, r));
    }
    let end_caps = [
        TriMesh::polygon(&rings[0], [-1.0, 0.0, 0.0]),
        TriMesh::polygon(&rings[rings.len() - 1], [1.0, 0.0, 0.0]),
    ];
    // Caps contribute to the volume of a closed solid; approximate with the
    // sign of the side volume plus the caps' (they face outward already).
    let cap_vol: f32 = {
        let (x0, x1) = (st[0].x, st[st.len() - 1].x);
        let area = |r: &Vec<V3>| {
            let mut a = 0.0;
            for i in 0..r.len() {
                let (p, q) = (r[i], r[(i + 1) % r.len()]);
                a += p[2] * q[1] - q[2] * p[1];
            }
            (0.5 * a).abs()
        };
        2.0 * (x1 * area(&rings[rings.len() - 1]) - x0 * area(&rings[0]))
    };
    let flip = vol + cap_vol < 0.0;
    for (label, mut t) in tris.into_iter().enumerate() {
        if t.is_empty() {
            continue;
        }
        if flip {
            for tri in &mut t {
                tri.swap(1, 2);
            }
        }
        s.add(label, TriMesh::new(verts.clone(), t));
    }
    for c in end_caps {
        s.add(BODY, c);
    }
}

/// Seats and a dashboard inside the cabin.
fn add_interior(s: &mut Shape, b: &Body, rng: &mut Rng) {
    let f = b.floor + 0.012;
    let wz = b.w_glass * 0.8;
    // Dashboard under the windshield base.
    let dash_x = b.ws_base - rng.uniform(0.04, 0.07);
    let belt = b.belt(dash_x);
    s.add(
        BODY,
        RoundedBox::from_corners(
            [dash_x - 0.05, belt - 0.06, -wz],
            [dash_x + 0.03, belt - 0.005, wz],
            0.01,
        ),
    );
    // Front seats (two) and a rear bench when the cabin is long enough.
    let fx = b.ws_top - rng.uniform(0.02, 0.06);
    let mut rows = vec![(fx, true)];
    if fx - 0.22 > b.rear_base + 0.04 && b.kind != Kind::Sports && b.kind != Kind::Pickup {
        rows.push((fx - 0.22, false));
    }
    for (x, split) in rows {
        let top = (b.top(x - 0.06) - 0.03).max(b.belt(x) + 0.01);
        let cushion = f + (b.belt(x) - f) * 0.45;
        let zs: Vec<(f32, f32)> = if split {
            vec![(-wz, -wz * 0.12), (wz * 0.12, wz)]
        } else {
            vec![(-wz, wz)]
        };
        for (z0, z1) in zs {
            s.add(
                BODY,
                RoundedBox::from_corners([x - 0.08, f, z0], [x, cushion, z1], 0.01),
            );
            s.add(
                BODY,
                RoundedBox::from_corners([x - 0.095, cushion, z0], [x - 0.07, top, z1], 0.01),
            );
        }
    }
}

/// One wheel, `sz` = side (+1 / -1), `c` the centre of its outer face.
///
/// Real ShapeNet wheels are a tyre (tread, rounded shoulders, both
/// sidewalls) around a rim set back into the wheel, open on the inner side.
/// The reference cars' outboard wheel points split into 44 % tread normals
/// (|n_z| < 0.35) and 42 % face normals (|n_z| > 0.8), and more of them lie
/// in the inner part of the tyre width (0.75-0.9 of the car's half width:
/// 12 points a car) than at the outer face (beyond 0.9: 10). A closed
/// cylinder with rim, annulus and hub discs stacked on its outer cap gave
/// 37 % / 59 % and 5 / 15 points: most wheel points on one flat disc.
fn add_wheel(s: &mut Shape, c: V3, r: f32, tyre_w: f32, rim: f32, dish: f32, sz: f32) {
    // Frame: y along the axle pointing out of the car, origin at the outer
    // face; the tyre spans y in [-tyre_w, 0].
    let face = Transform::align_y([0.0, 0.0, sz]).then_translate(c);
    let sh = 0.12 * tyre_w;
    let rs = r - sh;
    let rim_r = r * rim;
    // Tread and the two rounded shoulders.
    s.add(
        WHEEL,
        Frustum::cylinder(r, 0.5 * tyre_w - sh, false)
            .transformed(Transform::translate([0.0, -0.5 * tyre_w, 0.0]).then(&face)),
    );
    for (y, r0, r1) in [(-0.5 * sh, r, rs), (-tyre_w + 0.5 * sh, rs, r)] {
        s.add(
            WHEEL,
            Frustum::new(r0, r1, 0.5 * sh, (false, false))
                .transformed(Transform::translate([0.0, y, 0.0]).then(&face)),
        );
    }
    // Sidewalls: outer facing out, inner facing the car's centre.
    s.add(WHEEL, Annulus::new(rim_r, rs).transformed(face));
    let inner =
        Transform::align_y([0.0, 0.0, -sz]).then_translate([c[0], c[1], c[2] - sz * tyre_w]);
    s.add(WHEEL, Annulus::new(rim_r * 0.9, rs).transformed(inner));
    // The rim: a barrel inside the tyre, a dish from the sidewall's inner
    // edge back to the wheel centre disc, with a hub on it.
    s.add(
        WHEEL,
        Frustum::cylinder(rim_r * 0.95, 0.5 * tyre_w, false)
            .transformed(Transform::translate([0.0, -0.5 * tyre_w, 0.0]).then(&face)),
    );
    let depth = dish * tyre_w;
    let disc_r = rim_r * 0.55;
    s.add(
        WHEEL,
        Frustum::new(disc_r, rim_r, 0.5 * depth, (false, false))
            .transformed(Transform::translate([0.0, -0.5 * depth, 0.0]).then(&face)),
    );
    s.add(
        WHEEL,
        Annulus::new(r * 0.16, disc_r)
            .transformed(Transform::translate([0.0, -depth, 0.0]).then(&face)),
    );
    // A brake disc behind the rim (real wheels carry one, labelled wheel).
    s.add(
        WHEEL,
        Annulus::new(r * 0.2, r * rim * 0.8)
            .transformed(Transform::translate([0.0, -0.85 * tyre_w, 0.0]).then(&face)),
    );
    s.add(
        WHEEL,
        Frustum::new(r * 0.16, r * 0.11, 0.003, (false, true))
            .transformed(Transform::translate([0.0, 0.003 - depth, 0.0]).then(&face)),
    );
}

/// Build one random car.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let kind = match rng.below(100) {
        0..=29 => Kind::Sedan,
        30..=42 => Kind::Hatch,
        43..=52 => Kind::Suv,
        53..=69 => Kind::Sports,
        70..=76 => Kind::Pickup,
        77..=81 => Kind::Van,
        82..=89 => Kind::Wagon,
        _ => Kind::Coupe,
    };
    let b = params(kind, rng);
    add_body(&mut s, &b);
    if rng.chance(0.65) {
        add_interior(&mut s, &b, rng);
    }
    if kind == Kind::Pickup {
        // Tailgate top edge and a bed floor liner are part of the loft; add
        // the cab's rear window frame as a thin body slab sometimes.
        if rng.chance(0.5) {
            let x = b.rear_base - 0.004;
            s.add(
                BODY,
                RoundedBox::from_corners(
                    [x - 0.006, b.bed, -b.w * 0.85],
                    [x, b.belt_r + 0.02, b.w * 0.85],
                    0.003,
                ),
            );
        }
    }
    if rng.chance(0.6) {
        // Side mirrors at the windshield base.
        let x = b.ws_base - 0.03;
        let y = b.belt(x) + 0.02;
        for sz in [-1.0f32, 1.0] {
            s.add(
                BODY,
                RoundedBox::from_corners(
                    [x - 0.025, y, sz * b.w * 0.95],
                    [x, y + 0.025, sz * (b.w + 0.025)],
                    0.006,
                ),
            );
        }
    }
    add_wheels(&mut s, &b, rng);
    if rng.chance(0.6) {
        add_running_gear(&mut s, &b, b.tyre_w, rng);
    }
    s
}

/// The four wheels, flush with the body sides, in the wells.
fn add_wheels(s: &mut Shape, b: &Body, rng: &mut Rng) {
    let rim = rng.uniform(0.6, 0.78);
    let dish = rng.uniform(0.25, 0.5);
    for &wx in &b.wheel_x {
        let w = b.half_width(wx);
        for sz in [-1.0f32, 1.0] {
            let c = [wx, b.wheel_r, sz * (w - 0.003)];
            add_wheel(s, c, b.wheel_r, b.tyre_w, rim, dish, sz);
        }
    }
}

/// Axles, and sometimes a drive shaft and a suspension subframe, under the
/// floor between the wheels. ShapeNetPart labels these as `wheel` (in two
/// of the reference set's four real cars about 40 % of the wheel points lie
/// inboard of the tyres, a few centimetres above the ground, as axle rods,
/// shafts along the car and flat plates behind the rear axle;
/// `scripts/part_stats.py`).
fn add_running_gear(s: &mut Shape, b: &Body, tyre_w: f32, rng: &mut Rng) {
    let y = (b.wheel_r * rng.uniform(0.45, 0.9)).max(0.012);
    let rod = b.wheel_r * rng.uniform(0.08, 0.14);
    for &wx in &b.wheel_x {
        let half = b.half_width(wx) - tyre_w;
        s.add(
            WHEEL,
            Frustum::cylinder(rod, half, true)
                .transformed(Transform::rotate_x(FRAC_PI_2).then_translate([wx, y, 0.0])),
        );
    }
    if rng.chance(0.5) {
        // Drive shaft along the car, between the axles.
        let [xr, xf] = b.wheel_x;
        let r = rod * rng.uniform(0.6, 0.9);
        s.add(
            WHEEL,
            Frustum::between([xr, y, 0.0], [xf, y, 0.0], r, r, (false, false)),
        );
    }
    if rng.chance(0.4) {
        // A flat subframe around one axle.
        let wx = b.wheel_x[usize::from(rng.chance(0.3))];
        let (dx, dz) = (
            b.arch_r * rng.uniform(0.8, 1.4),
            b.w_in * rng.uniform(0.5, 0.85),
        );
        let y0 = (b.floor - 0.008).max(0.004);
        s.add(
            WHEEL,
            RoundedBox::from_corners([wx - dx, y0, -dz], [wx + dx * 0.6, y0 + 0.005, dz], 0.002),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_builds_a_closed_labelled_body() {
        for seed in 0..64 {
            let mut rng = Rng::new(seed);
            let s = build(&mut rng);
            let a = s.part_areas(4);
            assert!(a.iter().all(|&x| x > 0.0), "seed {seed}: {a:?}");
            assert!(a[BODY] > a[ROOF] && a[BODY] > a[HOOD], "seed {seed}: {a:?}");
        }
    }

    #[test]
    fn many_cars_have_wheel_points_inboard_of_the_tyres() {
        // Running gear: wheel-labelled surface between the wheels, low down.
        let mut with_gear = 0;
        for seed in 0..40 {
            let mut rng = Rng::new(seed);
            let s = build(&mut rng);
            let mut inboard = 0;
            for _ in 0..4000 {
                let (part, p, _) = s.surface_point(&mut rng).unwrap();
                if part == WHEEL && p[2].abs() < 0.08 {
                    assert!(p[1] < 0.1, "seed {seed}: inboard wheel point at {p:?}");
                    inboard += 1;
                }
            }
            with_gear += usize::from(inboard > 0);
        }
        assert!((12..=36).contains(&with_gear), "{with_gear} of 40 cars");
    }

    #[test]
    fn only_wheel_lies_behind_the_outer_part_of_a_wheel() {
        // Real cars: of the points within 0.9 radius of a wheel centre in
        // side view and outboard of 0.55 of the half width, 7 % are body;
        // the outboard wheel points span about 0.05 of the length across
        // and split into 44 % tread and 42 % face normals.
        // (Sports cars are left out: their low nose puts the front fender
        // below the arch, so body crosses the front wheels; see the commit.)
        for seed in 0..24 {
            let mut rng = Rng::new(seed);
            let kind = [Kind::Sedan, Kind::Suv, Kind::Hatch, Kind::Pickup][seed as usize % 4];
            let b = params(kind, &mut rng);
            let mut s = Shape::new();
            add_body(&mut s, &b);
            add_wheels(&mut s, &b, &mut rng);
            let (mut body, mut in_disc, mut wheel, mut tread, mut face) = (0, 0, 0, 0, 0);
            let (mut zlo, mut zhi) = (f32::MAX, 0.0f32);
            for _ in 0..6000 {
                let (part, p, n) = s.surface_point(&mut rng).unwrap();
                if p[2].abs() < 0.55 * b.w {
                    continue;
                }
                let near = b
                    .wheel_x
                    .iter()
                    .any(|&wx| (p[0] - wx).hypot(p[1] - b.wheel_r) < 0.9 * b.wheel_r);
                if near {
                    in_disc += 1;
                    body += usize::from(part != WHEEL);
                }
                if part == WHEEL {
                    wheel += 1;
                    tread += usize::from(n[2].abs() < 0.35);
                    face += usize::from(n[2].abs() > 0.8);
                    zlo = zlo.min(p[2].abs());
                    zhi = zhi.max(p[2].abs());
                }
            }
            let share = body as f32 / in_disc as f32;
            assert!(
                share < 0.05,
                "seed {seed} {kind:?}: {body} of {in_disc} body"
            );
            assert!(
                (0.03..0.065).contains(&(zhi - zlo)),
                "seed {seed}: {zlo} {zhi}"
            );
            let (t, f) = (tread as f32 / wheel as f32, face as f32 / wheel as f32);
            assert!(
                t > 0.3 && f > 0.3 && f < 0.6,
                "seed {seed}: tread {t} face {f}"
            );
        }
    }

    #[test]
    fn stations_are_sorted_and_rings_have_equal_length() {
        for seed in 0..32 {
            let mut rng = Rng::new(seed);
            for kind in [Kind::Sedan, Kind::Pickup, Kind::Van, Kind::Sports] {
                let b = params(kind, &mut rng);
                let st = stations(&b);
                assert!(st.windows(2).all(|w| w[0].x <= w[1].x));
                let m = b.ring(st[0]).len();
                assert_eq!(m, 2 * RING_HALF);
                assert_eq!(b.half_ring(st[0]).len(), RING_HALF + 1);
                assert!(st.iter().all(|&p| b.ring(p).len() == m));
            }
        }
    }
}

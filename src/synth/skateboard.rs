//! Skateboard generator.
//!
//! Long axis x, deck on top, trucks (`belt_for_foot`) between the deck and
//! four wheels. Variants: street boards (popsicle outline, both ends kicked
//! up, concave), cruisers (short, one kicktail), longboards (long, flat or
//! slightly cambered, pintail or drop-through outlines, bigger wheels), and
//! rarely foot straps (also `belt_for_foot`). As on the real models, the
//! axles sit half to four fifths of the way out to the ends (under the start
//! of the kicktails, the trucks hanging from the deck's underside there),
//! and the wheels' outer faces range from inside the deck edge to well
//! outside it; truck bulk varies. About 30% are a deck alone
//! (labelled deck only, as many real ShapeNet boards are) and some have
//! wheels on barely modelled trucks. Also home of [`thick_sheet`],
//! the closed thin solid over a height-field grid used by decks and visors.

use super::math::V3;
use super::primitives::{Frustum, RoundedBox, SurfaceExt, TriMesh, Tube, TubeEnd};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::PI;

const WHEEL: usize = 0;
const DECK: usize = 1;
const BELT: usize = 2;

/// A closed thin solid whose top surface is the grid `top` (`m` rows of `n`
/// points, rows and columns both at least 2) and whose bottom is the same
/// grid moved by `offset`: top and bottom sheets plus the four side walls,
/// oriented so the normals point out.
pub(crate) fn thick_sheet(top: &[Vec<V3>], offset: V3) -> TriMesh {
    let m = top.len();
    let n = top[0].len();
    let mut verts: Vec<V3> = top.iter().flatten().copied().collect();
    verts.extend(
        top.iter()
            .flatten()
            .map(|p| [p[0] + offset[0], p[1] + offset[1], p[2] + offset[2]]),
    );
    let t = |i: usize, j: usize| (i * n + j) as u32;
    let b = |i: usize, j: usize| (m * n + i * n + j) as u32;
    let mut tris = Vec::new();
    for i in 0..m - 1 {
        for j in 0..n - 1 {
            let (a, bb, c, d) = ((i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1));
            tris.push([t(a.0, a.1), t(bb.0, bb.1), t(c.0, c.1)]);
            tris.push([t(a.0, a.1), t(c.0, c.1), t(d.0, d.1)]);
            tris.push([b(a.0, a.1), b(c.0, c.1), b(bb.0, bb.1)]);
            tris.push([b(a.0, a.1), b(d.0, d.1), b(c.0, c.1)]);
        }
    }
    // Side walls, each traversing its top edge opposite to the top sheet.
    for i in 0..m - 1 {
        let (p, q) = ((i, 0), (i + 1, 0));
        tris.push([t(q.0, q.1), t(p.0, p.1), b(p.0, p.1)]);
        tris.push([t(q.0, q.1), b(p.0, p.1), b(q.0, q.1)]);
        let (p, q) = ((i, n - 1), (i + 1, n - 1));
        tris.push([t(p.0, p.1), t(q.0, q.1), b(q.0, q.1)]);
        tris.push([t(p.0, p.1), b(q.0, q.1), b(p.0, p.1)]);
    }
    for j in 0..n - 1 {
        let (p, q) = ((0, j), (0, j + 1));
        tris.push([t(p.0, p.1), t(q.0, q.1), b(q.0, q.1)]);
        tris.push([t(p.0, p.1), b(q.0, q.1), b(p.0, p.1)]);
        let (p, q) = ((m - 1, j), (m - 1, j + 1));
        tris.push([t(q.0, q.1), t(p.0, p.1), b(p.0, p.1)]);
        tris.push([t(q.0, q.1), b(p.0, p.1), b(q.0, q.1)]);
    }
    TriMesh::closed(verts, tris)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Street,
    Cruiser,
    Longboard,
}

/// Build one random skateboard (metres).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let kind = match rng.below(10) {
        0..=5 => Kind::Street,
        6..=7 => Kind::Cruiser,
        _ => Kind::Longboard,
    };
    let (len, width) = match kind {
        Kind::Street => (rng.uniform(0.76, 0.84), rng.uniform(0.19, 0.22)),
        Kind::Cruiser => (rng.uniform(0.6, 0.75), rng.uniform(0.19, 0.24)),
        Kind::Longboard => (rng.uniform(0.9, 1.2), rng.uniform(0.22, 0.26)),
    };
    let thick = rng.uniform(0.01, 0.016);
    let half = len / 2.0;
    // Kicktails: where the deck starts rising, and how high the tips go.
    let (kick_front, kick_back) = match kind {
        Kind::Street => {
            let h = rng.uniform(0.04, 0.07);
            (h, h * rng.uniform(0.8, 1.0))
        }
        Kind::Cruiser => (rng.uniform(0.0, 0.02), rng.uniform(0.03, 0.06)),
        Kind::Longboard => {
            if rng.chance(0.3) {
                (0.03, 0.03)
            } else {
                (0.0, 0.0)
            }
        }
    };
    let kick_start = half - rng.uniform(0.13, 0.17) * len.min(0.85) / 0.8;
    let concave = rng.uniform(0.0, 0.012);
    let camber = if kind == Kind::Longboard {
        rng.uniform(-0.01, 0.02)
    } else {
        0.0
    };
    // Outline: half width along x. Popsicle = round ends; pintail = tapered.
    let pintail = kind == Kind::Longboard && rng.chance(0.4);
    let nose_w = if kind == Kind::Cruiser {
        rng.uniform(0.7, 0.9)
    } else {
        1.0
    };
    let hw = width / 2.0;
    let half_width = |x: f32| -> f32 {
        if pintail {
            let t = (x.abs() / half).min(1.0);
            hw * (1.0 - t.powf(2.5)).max(0.0).sqrt().max(0.08)
        } else {
            let w = if x > 0.0 { hw * nose_w } else { hw };
            let d = x.abs() - (half - w);
            if d <= 0.0 {
                w
            } else {
                (w * w - d * d).max(0.0).sqrt().max(0.08 * w)
            }
        }
    };
    let height = |x: f32, z: f32| -> f32 {
        let kick = if x.abs() > kick_start {
            let u = (x.abs() - kick_start) / (half - kick_start);
            u * u * if x > 0.0 { kick_front } else { kick_back }
        } else {
            0.0
        };
        let bow = camber * (1.0 - (x / half).powi(2));
        kick + bow + concave * (z / hw).powi(2)
    };
    let (m, n) = (48, 9);
    let grid: Vec<Vec<V3>> = (0..m)
        .map(|i| {
            let x = -half + len * i as f32 / (m - 1) as f32;
            let w = half_width(x);
            (0..n)
                .map(|j| {
                    let z = -w + 2.0 * w * j as f32 / (n - 1) as f32;
                    [x, height(x, z), z]
                })
                .collect()
        })
        .collect();
    s.add(DECK, thick_sheet(&grid, [0.0, -thick, 0.0]));
    // Many real ShapeNet boards are a deck alone (no trucks, no wheels),
    // labelled deck only.
    if rng.chance(0.3) {
        return s;
    }
    // Some boards have wheels on barely modelled trucks (a thin block).
    let minimal_trucks = rng.chance(0.2);

    // Trucks and wheels.
    let wheel_r = match kind {
        Kind::Longboard => rng.uniform(0.032, 0.038),
        Kind::Cruiser => rng.uniform(0.028, 0.032),
        Kind::Street => rng.uniform(0.025, 0.029),
    };
    let wheel_w = rng.uniform(0.03, 0.05);
    // Axles between half and four fifths of the way to the ends (real
    // models put them well out, often under the start of the kicktails).
    let truck_x = (half * rng.uniform(0.5, 0.8)).min(half - wheel_r * 1.5);
    let truck_h = rng.uniform(0.035, 0.07);
    // Truck bulk: slim street trucks to chunky longboard ones.
    let ts = rng.uniform(0.8, 1.5);
    // Wheels' outer faces from just inside the deck edge to well outside
    // it (wide trucks).
    let track = (2.0 * hw * rng.uniform(0.85, 1.45) - wheel_w).max(hw);
    for sx in [-1.0f32, 1.0] {
        let x = sx * truck_x;
        // The truck hangs from the deck's underside at its x.
        let thick = thick - height(x, 0.0);
        let axle_y = -thick - truck_h;
        if minimal_trucks {
            s.add(
                BELT,
                RoundedBox::from_corners(
                    [x - 0.012, axle_y - 0.006, -track / 2.0 + wheel_w / 2.0],
                    [x + 0.012, -thick, track / 2.0 - wheel_w / 2.0],
                    0.003,
                ),
            );
            for sz in [-1.0f32, 1.0] {
                let zc = sz * (track / 2.0);
                s.add(
                    WHEEL,
                    Frustum::between(
                        [x, axle_y, zc - wheel_w / 2.0],
                        [x, axle_y, zc + wheel_w / 2.0],
                        wheel_r,
                        wheel_r,
                        (true, true),
                    ),
                );
            }
            continue;
        }
        // Baseplate under the deck, hanger, axle: all the truck.
        s.add(
            BELT,
            RoundedBox::new([0.045 * ts, 0.006, 0.032 * ts], 0.003).at([x, -thick - 0.006, 0.0]),
        );
        s.add(
            BELT,
            RoundedBox::bar(
                [x - sx * 0.01, -thick - 0.01, 0.0],
                [x + sx * 0.005, axle_y + 0.004, 0.0],
                0.014 * ts,
                0.004,
            ),
        );
        let hanger_w = track / 2.0 - wheel_w * 0.6;
        s.add(
            BELT,
            RoundedBox::new([0.014 * ts, 0.011 * ts, hanger_w], 0.005).at([x, axle_y + 0.006, 0.0]),
        );
        s.add(
            BELT,
            Frustum::rod(
                [x, axle_y, -track / 2.0 - wheel_w / 2.0],
                [x, axle_y, track / 2.0 + wheel_w / 2.0],
                0.004,
            ),
        );
        for sz in [-1.0f32, 1.0] {
            let zc = sz * (track / 2.0);
            // A wheel: a short closed cylinder on the axle.
            s.add(
                WHEEL,
                Frustum::between(
                    [x, axle_y, zc - wheel_w / 2.0],
                    [x, axle_y, zc + wheel_w / 2.0],
                    wheel_r,
                    wheel_r,
                    (true, true),
                ),
            );
        }
    }

    // Rare foot straps across the deck (also belt_for_foot).
    if rng.chance(0.08) {
        for sx in [-0.5f32, 0.3] {
            let x = sx * len * 0.6;
            let w = half_width(x) * 0.9;
            let y0 = height(x, w);
            let path: Vec<V3> = (0..=12)
                .map(|k| {
                    let a = PI * k as f32 / 12.0;
                    [x, y0 + 0.05 * a.sin(), -w * a.cos()]
                })
                .collect();
            s.add(BELT, Tube::new(&path, 0.01, TubeEnd::Flat));
        }
    }
    s
}

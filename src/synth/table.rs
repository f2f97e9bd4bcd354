//! Table generator: top at the top, legs down to the floor, y up.
//!
//! Tops: rectangular, square, round, oval. Bases: four legs (square, round,
//! tapered), central pedestal (column on a disk or a cross of feet), trestle
//! (end boards or A-frames on feet), leg frames (rectangular tube loops at
//! both ends), desks (panel legs with a drawer block). Support (aprons,
//! stretchers, a lower shelf, drawers) is present in about 60% of shapes.
//! Dining, coffee (low), bar (high) and desk heights.

use super::primitives::{Frustum, RoundedBox, SphereZone, SurfaceExt, Tube, TubeEnd};
use super::shape::Shape;
use crate::rng::Rng;

const TOP: usize = 0;
const LEG: usize = 1;
const SUPPORT: usize = 2;

/// Build one random table.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let height = match rng.below(10) {
        0..=1 => rng.uniform(0.35, 0.5), // coffee table
        2 => rng.uniform(0.9, 1.05),     // bar table
        _ => rng.uniform(0.68, 0.78),
    };
    let shape_kind = rng.below(10); // 0..=5 rect, 6..=7 round, 8 square, 9 oval
    let round = shape_kind == 6 || shape_kind == 7 || shape_kind == 9;
    let (len, wid) = match shape_kind {
        0..=5 => {
            let l = rng.uniform(0.8, 2.0);
            (l, l * rng.uniform(0.45, 0.8))
        }
        8 => {
            let l = rng.uniform(0.6, 1.1);
            (l, l)
        }
        9 => {
            let l = rng.uniform(1.0, 1.8);
            (l, l * rng.uniform(0.55, 0.75))
        }
        _ => {
            let d = rng.uniform(0.6, 1.2);
            (d, d)
        }
    };
    // The long side lies along z or x (real tables come both ways).
    let (hx, hz) = if rng.chance(0.5) {
        (len / 2.0, wid / 2.0)
    } else {
        (wid / 2.0, len / 2.0)
    };
    let thick = rng.uniform(0.02, 0.06);
    let under = height - thick;
    if round {
        let top = Frustum::cylinder(1.0, thick / 2.0, true).transformed(
            super::math::Transform::scale([hx, 1.0, hz]).then_translate([
                0.0,
                height - thick / 2.0,
                0.0,
            ]),
        );
        s.add(TOP, top);
    } else {
        s.add(
            TOP,
            RoundedBox::new([hx, thick / 2.0, hz], thick * rng.uniform(0.05, 0.5)).at([
                0.0,
                height - thick / 2.0,
                0.0,
            ]),
        );
    }
    let support = rng.chance(0.6);
    let base = if round && rng.chance(0.6) {
        1
    } else {
        match rng.below(10) {
            0..=5 => 0,
            6 => 1,
            7 => 2,
            8 => 3,
            _ => 4,
        }
    };
    // Leg positions inside the top outline.
    let inset = rng.uniform(0.02, 0.1);
    let (lx, lz) = if round {
        (hx * 0.62, hz * 0.62)
    } else {
        (hx - inset, hz - inset)
    };
    match base {
        0 => {
            let half = rng.uniform(0.015, 0.04);
            let style = rng.below(3);
            for (sx, sz) in [(1.0f32, 1.0f32), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
                let (x, z) = (sx * (lx - half), sz * (lz - half));
                match style {
                    0 => s.add(
                        LEG,
                        RoundedBox::bar([x, 0.0, z], [x, under, z], half, half * 0.15),
                    ),
                    1 => s.add(
                        LEG,
                        Frustum::between([x, 0.0, z], [x, under, z], half, half, (true, true)),
                    ),
                    _ => s.add(
                        LEG,
                        Frustum::between(
                            [x, 0.0, z],
                            [x, under, z],
                            half * 0.5,
                            half,
                            (true, true),
                        ),
                    ),
                }
            }
            if support {
                let apron_h = rng.uniform(0.05, 0.12).min(under * 0.3);
                let t = rng.uniform(0.01, 0.025);
                let ax = lx - half;
                let az = lz - half;
                for sz in [-1.0f32, 1.0] {
                    s.add(
                        SUPPORT,
                        RoundedBox::from_corners(
                            [-ax + half, under - apron_h, sz * az - t],
                            [ax - half, under, sz * az + t],
                            0.003,
                        ),
                    );
                }
                for sx in [-1.0f32, 1.0] {
                    s.add(
                        SUPPORT,
                        RoundedBox::from_corners(
                            [sx * ax - t, under - apron_h, -az + half],
                            [sx * ax + t, under, az - half],
                            0.003,
                        ),
                    );
                }
                match rng.below(3) {
                    0 => {
                        // Lower shelf.
                        let y = under * rng.uniform(0.15, 0.35);
                        s.add(
                            SUPPORT,
                            RoundedBox::from_corners(
                                [-ax, y, -az],
                                [ax, y + rng.uniform(0.015, 0.03), az],
                                0.004,
                            ),
                        );
                    }
                    1 => {
                        // Stretchers along the long sides and one across.
                        let y = under * rng.uniform(0.1, 0.3);
                        let r = half * 0.4;
                        for sz in [-1.0f32, 1.0] {
                            s.add(
                                SUPPORT,
                                Frustum::rod([-ax, y, sz * az], [ax, y, sz * az], r),
                            );
                        }
                        s.add(SUPPORT, Frustum::rod([0.0, y, -az], [0.0, y, az], r));
                    }
                    _ => {}
                }
            }
        }
        1 => {
            // Pedestal: column and a disk or a cross of feet.
            let col = rng.uniform(0.04, 0.1);
            let taper = rng.uniform(0.6, 1.4);
            s.add(
                LEG,
                Frustum::between(
                    [0.0, 0.04, 0.0],
                    [0.0, under, 0.0],
                    col * taper,
                    col,
                    (false, true),
                ),
            );
            if rng.chance(0.5) {
                let r = hx.min(hz) * rng.uniform(0.45, 0.7);
                s.add(
                    LEG,
                    Frustum::new(r, r * rng.uniform(0.5, 0.95), 0.02, (true, true))
                        .at([0.0, 0.02, 0.0]),
                );
            } else {
                let reach = hx.min(hz) * rng.uniform(0.5, 0.75);
                let feet = if rng.chance(0.7) { 4 } else { 3 };
                for k in 0..feet {
                    let a = std::f32::consts::TAU * k as f32 / feet as f32 + 0.785;
                    let tip = [reach * a.cos(), 0.015, reach * a.sin()];
                    s.add(LEG, RoundedBox::bar([0.0, 0.05, 0.0], tip, 0.025, 0.006));
                }
            }
            if support && rng.chance(0.6) {
                // Spider bracket under the top.
                let r = hx.min(hz) * 0.5;
                for k in 0..4 {
                    let a = std::f32::consts::FRAC_PI_2 * k as f32 + 0.785;
                    s.add(
                        SUPPORT,
                        RoundedBox::bar(
                            [0.0, under - 0.04, 0.0],
                            [r * a.cos(), under - 0.012, r * a.sin()],
                            0.012,
                            0.003,
                        ),
                    );
                }
            }
        }
        2 => {
            // Trestle: end boards or A-frames across the short side.
            let along_x = hx > hz;
            let (l, w) = if along_x { (lx, hz) } else { (lz, hx) };
            let board = rng.chance(0.5);
            for sl in [-1.0f32, 1.0] {
                let p = |a: f32, y: f32, b: f32| {
                    if along_x {
                        [sl * l * 0.85 + a, y, b]
                    } else {
                        [b, y, sl * l * 0.85 + a]
                    }
                };
                if board {
                    let t = 0.025;
                    s.add(
                        LEG,
                        RoundedBox::from_corners(
                            p(-t, 0.05, -w * 0.55),
                            p(t, under, w * 0.55),
                            0.005,
                        ),
                    );
                } else {
                    s.add(
                        LEG,
                        Frustum::rod(p(0.0, 0.05, -w * 0.75), p(0.0, under, 0.0), 0.025),
                    );
                    s.add(
                        LEG,
                        Frustum::rod(p(0.0, 0.05, w * 0.75), p(0.0, under, 0.0), 0.025),
                    );
                }
                s.add(
                    LEG,
                    RoundedBox::from_corners(p(-0.04, 0.0, -w * 0.8), p(0.04, 0.05, w * 0.8), 0.01),
                );
            }
            if support {
                let a = if along_x {
                    [-l * 0.85, under * 0.4, 0.0]
                } else {
                    [0.0, under * 0.4, -l * 0.85]
                };
                let b = a.map(|v| -v);
                let b = [b[0], under * 0.4, b[2]];
                s.add(SUPPORT, RoundedBox::bar(a, b, 0.025, 0.005));
            }
        }
        3 => {
            // Leg frames: rectangular tube loops at both ends.
            let r = rng.uniform(0.012, 0.025);
            let along_x = hx > hz;
            for sl in [-1.0f32, 1.0] {
                let c = |b: f32, y: f32| {
                    if along_x {
                        [sl * (lx - r), y, b * (lz - r)]
                    } else {
                        [b * (lx - r), y, sl * (lz - r)]
                    }
                };
                let path = [c(-1.0, under), c(-1.0, r), c(1.0, r), c(1.0, under)];
                s.add(LEG, Tube::new(&path, r, TubeEnd::Flat));
            }
            if support {
                let y = under - 0.03;
                for b in [-1.0f32, 1.0] {
                    let (a, e) = if along_x {
                        ([-(lx - r), y, b * (lz - r)], [lx - r, y, b * (lz - r)])
                    } else {
                        ([b * (lx - r), y, -(lz - r)], [b * (lx - r), y, lz - r])
                    };
                    s.add(SUPPORT, Frustum::rod(a, e, r * 0.8));
                }
            }
        }
        _ => {
            // Desk: two panel legs, a drawer block under one side (support),
            // sometimes a modesty panel at the back.
            let t = rng.uniform(0.02, 0.04);
            for sz in [-1.0f32, 1.0] {
                s.add(
                    LEG,
                    RoundedBox::from_corners(
                        [-hx + 0.01, 0.0, sz * (hz - 0.01) - t],
                        [hx - 0.01, under, sz * (hz - 0.01) + t],
                        0.004,
                    ),
                );
            }
            if support {
                let dw = hz * rng.uniform(0.35, 0.5);
                let sz = if rng.chance(0.5) { 1.0 } else { -1.0 };
                let drawers = 1 + rng.below(3);
                let dh = under * rng.uniform(0.25, 0.9);
                let z0 = sz * (hz - 0.01 - t);
                let z1 = z0 - sz * dw;
                s.add(
                    SUPPORT,
                    RoundedBox::from_corners(
                        [-hx + 0.03, under - dh, z0.min(z1)],
                        [hx - 0.03, under, z0.max(z1)],
                        0.004,
                    ),
                );
                for k in 0..drawers {
                    let y = under - dh * (k as f32 + 0.5) / drawers as f32;
                    s.add(
                        SUPPORT,
                        SphereZone::sphere(0.012).at([hx - 0.02, y, 0.5 * (z0 + z1)]),
                    );
                }
                if rng.chance(0.5) {
                    s.add(
                        SUPPORT,
                        RoundedBox::from_corners(
                            [-hx + 0.05, under * 0.45, -hz + t],
                            [-hx + 0.07, under, hz - t],
                            0.003,
                        ),
                    );
                }
            }
        }
    }
    s
}

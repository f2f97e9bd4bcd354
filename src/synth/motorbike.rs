//! Motorbike generator.
//!
//! Front `+x`: two wheels in the x-y plane, the gas tank on top between
//! them, the seat toward `-x`, handlebars at the front top, the headlight at
//! the front (absent in some dirt bikes), and the body: frame, fork,
//! swingarm, engine block, fenders, exhaust, fairings. Variants: sport
//! bikes (full fairing with an integrated light, clip-on bars, raised tail),
//! cruisers (long and low, wide high bars, teardrop tank, big round light),
//! dirt bikes (tall, big thin wheels, high fenders, small tank, long flat
//! seat) and scooters (small wheels, step-through floor, front shield, no
//! gas tank).

use super::math::{add, lerp, Transform, V3};
use super::primitives::{
    bezier, Frustum, RoundedBox, SphereZone, SurfaceExt, Torus, Tube, TubeEnd,
};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, TAU};

const GAS_TANK: usize = 0;
const SEAT: usize = 1;
const WHEEL: usize = 2;
const HANDLE: usize = 3;
const LIGHT: usize = 4;
const BODY: usize = 5;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Sport,
    Cruiser,
    Dirt,
    Scooter,
}

/// A wheel centred at `c` of outer radius `r`, tyre section `t`, half width `hw`.
fn wheel(s: &mut Shape, c: V3, r: f32, t: f32, hw: f32, spokes: bool, rng: &mut Rng) {
    let ring = Transform::rotate_x(FRAC_PI_2);
    s.add(
        WHEEL,
        Torus::new(r - t, t, TAU).transformed(ring.then_translate(c)),
    );
    let rim_r = r - 1.8 * t;
    // Rim band and hub.
    s.add(
        WHEEL,
        Frustum::between(
            add(c, [0.0, 0.0, -hw * 0.7]),
            add(c, [0.0, 0.0, hw * 0.7]),
            rim_r,
            rim_r,
            (false, false),
        ),
    );
    s.add(
        WHEEL,
        Frustum::between(
            add(c, [0.0, 0.0, -hw]),
            add(c, [0.0, 0.0, hw]),
            r * 0.12,
            r * 0.12,
            (true, true),
        ),
    );
    if spokes {
        let n = if rng.chance(0.5) { 5 } else { 8 };
        let ph = rng.uniform(0.0, TAU);
        for k in 0..n {
            let a = ph + TAU * k as f32 / n as f32;
            let d = [a.cos(), a.sin(), 0.0];
            s.add(
                WHEEL,
                Frustum::rod(
                    add(c, [d[0] * r * 0.1, d[1] * r * 0.1, 0.0]),
                    add(c, [d[0] * rim_r, d[1] * rim_r, 0.0]),
                    t * 0.25,
                ),
            );
        }
    } else {
        // Solid disc wheel.
        for sz in [-1.0f32, 1.0] {
            s.add(
                WHEEL,
                super::primitives::Annulus::new(r * 0.12, rim_r).transformed(
                    Transform::rotate_x(sz * FRAC_PI_2)
                        .then_translate(add(c, [0.0, 0.0, sz * hw * 0.5])),
                ),
            );
        }
    }
}

/// A mudguard: a torus arc of radius `r` over the wheel at `c`, from angle
/// `a0` to `a1` (0 = +x, counter-clockwise seen from +z), flattened in z.
fn fender(s: &mut Shape, c: V3, r: f32, a0: f32, a1: f32, hw: f32) {
    let path: Vec<V3> = (0..=16)
        .map(|i| {
            let a = a0 + (a1 - a0) * i as f32 / 16.0;
            [c[0] + r * a.cos(), c[1] + r * a.sin(), 0.0]
        })
        .collect();
    s.add(
        BODY,
        Tube::new(&path, hw * 0.5, TubeEnd::Flat)
            .transformed(Transform::scale([1.0, 1.0, 1.8]).then_translate([0.0, 0.0, c[2]])),
    );
}

/// Build one random motorbike (metres).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let kind = match rng.below(10) {
        0..=2 => Kind::Sport,
        3..=5 => Kind::Cruiser,
        6..=7 => Kind::Dirt,
        _ => Kind::Scooter,
    };
    let (wheelbase, r_front, r_rear) = match kind {
        Kind::Sport => (rng.uniform(1.35, 1.45), 0.3, 0.31),
        Kind::Cruiser => {
            let rf = rng.uniform(0.3, 0.36);
            // Choppers: stretched frames, far longer than high.
            let wb = if rng.chance(0.4) {
                rng.uniform(1.85, 2.3)
            } else {
                rng.uniform(1.55, 1.75)
            };
            (wb, rf, rng.uniform(0.3, 0.34))
        }
        Kind::Dirt => (rng.uniform(1.4, 1.5), 0.37, 0.35),
        Kind::Scooter => {
            let r = rng.uniform(0.18, 0.24);
            (rng.uniform(1.2, 1.35), r, r)
        }
    };
    let tyre = match kind {
        Kind::Dirt => 0.045,
        Kind::Scooter => 0.05,
        Kind::Cruiser => rng.uniform(0.05, 0.07),
        Kind::Sport => 0.055,
    };
    let wf = [wheelbase / 2.0, r_front, 0.0];
    let wr = [-wheelbase / 2.0, r_rear, 0.0];
    let spokes = kind != Kind::Scooter && rng.chance(0.8);
    wheel(&mut s, wf, r_front, tyre, tyre * 0.9, spokes, rng);
    wheel(&mut s, wr, r_rear, tyre * 1.15, tyre * 1.05, spokes, rng);

    // Steering head: up and back from the front axle along the rake.
    let rake = match kind {
        Kind::Cruiser => rng.uniform(0.5, 0.65) + (wheelbase - 1.7).max(0.0) * 0.6,
        Kind::Scooter => rng.uniform(0.2, 0.35),
        _ => rng.uniform(0.4, 0.5),
    };
    let fork_len = match kind {
        Kind::Dirt => 0.75,
        Kind::Scooter => 0.6,
        Kind::Cruiser => 0.72 + (wheelbase - 1.7).max(0.0) * 0.25,
        Kind::Sport => 0.62,
    } * rng.uniform(0.95, 1.05);
    let head = [
        wf[0] - fork_len * rake.sin(),
        wf[1] + fork_len * rake.cos(),
        0.0,
    ];
    for sz in [-1.0f32, 1.0] {
        let z = sz * (tyre + 0.02);
        s.add(
            BODY,
            Frustum::rod([wf[0], wf[1], z], [head[0], head[1], z * 0.8], 0.02),
        );
    }
    let head_top = add(head, [-0.03, 0.06, 0.0]);
    s.add(
        BODY,
        Frustum::rod(add(head, [0.02, -0.05, 0.0]), head_top, 0.035),
    );

    // Handlebars.
    let (bar_rise, bar_half, bar_back) = match kind {
        Kind::Cruiser => (rng.uniform(0.12, 0.3), rng.uniform(0.36, 0.45), 0.2),
        Kind::Sport => (-0.02, 0.32, 0.08),
        Kind::Dirt => (0.1, rng.uniform(0.38, 0.42), 0.06),
        Kind::Scooter => (0.1, 0.32, 0.08),
    };
    let bar_c = add(head_top, [0.0, 0.02, 0.0]);
    let grip_y = bar_c[1] + bar_rise;
    let bar_path = vec![
        [bar_c[0] - bar_back, grip_y, -bar_half],
        [bar_c[0] - bar_back * 0.5, grip_y, -bar_half * 0.75],
        [bar_c[0], bar_c[1] + bar_rise * 0.3, -bar_half * 0.3],
        [bar_c[0], bar_c[1], 0.0],
        [bar_c[0], bar_c[1] + bar_rise * 0.3, bar_half * 0.3],
        [bar_c[0] - bar_back * 0.5, grip_y, bar_half * 0.75],
        [bar_c[0] - bar_back, grip_y, bar_half],
    ];
    s.add(HANDLE, Tube::new(&bar_path, 0.012, TubeEnd::Flat));
    for sz in [-1.0f32, 1.0] {
        // Grips.
        let a = [bar_c[0] - bar_back, grip_y, sz * bar_half];
        s.add(HANDLE, Frustum::rod(a, add(a, [0.0, 0.0, sz * 0.1]), 0.017));
    }

    // Frame spine and swingarm.
    let pivot = [-wheelbase * 0.12, r_rear + 0.12, 0.0];
    let tank_top_y = head[1] + 0.02;
    if kind != Kind::Scooter {
        s.add(BODY, RoundedBox::bar(head, pivot, 0.03, 0.01));
    }
    for sz in [-1.0f32, 1.0] {
        let z = sz * (tyre * 1.2 + 0.02);
        s.add(
            BODY,
            RoundedBox::bar([pivot[0], pivot[1], z], [wr[0], wr[1], z], 0.02, 0.008),
        );
    }

    match kind {
        Kind::Scooter => scooter_body(&mut s, wf, wr, head, pivot, r_rear, rng),
        _ => {
            // Engine block between the wheels, low.
            let ex = rng.uniform(-0.08, 0.08);
            let eh = rng.uniform(0.25, 0.35);
            let ey = r_front * 0.55 + eh / 2.0;
            s.add(
                BODY,
                RoundedBox::new([0.2, eh / 2.0, 0.14], 0.04).at([ex, ey, 0.0]),
            );
            if kind == Kind::Cruiser {
                // V-twin cylinders.
                for (dx, tilt) in [(0.08f32, -0.5f32), (-0.08, 0.5)] {
                    s.add(
                        BODY,
                        Frustum::new(0.06, 0.055, 0.09, (true, true)).transformed(
                            Transform::rotate_z(tilt).then_translate([
                                ex + dx,
                                ey + eh / 2.0 + 0.05,
                                0.0,
                            ]),
                        ),
                    );
                }
            }
            // Exhaust: from the engine front, down and back along the right side.
            let z = 0.16;
            let mut path = bezier(
                [
                    [ex + 0.15, ey, 0.1],
                    [ex + 0.2, ey - 0.15, z],
                    [ex, r_rear * 0.6, z],
                    [ex - 0.2, r_rear * 0.65, z],
                ],
                10,
            );
            let tail_y = if kind == Kind::Dirt {
                pivot[1] + 0.1
            } else {
                r_rear * 0.7
            };
            path.push([wr[0] + 0.05, tail_y, z]);
            s.add(BODY, Tube::new(&path, 0.025, TubeEnd::Flat));
            let m0 = [
                wr[0] + 0.25,
                lerp(path[path.len() - 2], path[path.len() - 1], 0.5)[1],
                z,
            ];
            s.add(
                BODY,
                Frustum::rod(m0, [wr[0] - 0.02, tail_y + 0.02, z], 0.045),
            );

            // Gas tank on top between head and seat.
            let (tl, th, tw) = match kind {
                Kind::Dirt => (0.3, 0.12, 0.2),
                Kind::Cruiser => (rng.uniform(0.4, 0.5), 0.16, 0.26),
                _ => (rng.uniform(0.4, 0.48), 0.17, 0.3),
            };
            let tank_c = [head[0] - 0.05 - tl / 2.0, tank_top_y - th / 2.0, 0.0];
            if kind == Kind::Cruiser || rng.chance(0.5) {
                s.add(
                    GAS_TANK,
                    SphereZone::ellipsoid([tl / 2.0, th / 2.0, tw / 2.0], tank_c),
                );
            } else {
                s.add(
                    GAS_TANK,
                    RoundedBox::new([tl / 2.0, th / 2.0, tw / 2.0], th * 0.4).at(tank_c),
                );
            }

            // Seat behind the tank, then the tail.
            let seat_front = tank_c[0] - tl / 2.0 + 0.02;
            let (sl, sy, sw) = match kind {
                Kind::Cruiser => (rng.uniform(0.3, 0.4), tank_c[1] - th * 0.5, 0.3),
                Kind::Dirt => (0.6, tank_top_y - 0.02, 0.18),
                _ => (rng.uniform(0.3, 0.4), tank_c[1], 0.25),
            };
            s.add(
                SEAT,
                RoundedBox::new([sl / 2.0, 0.04, sw / 2.0], 0.03).at([
                    seat_front - sl / 2.0,
                    sy,
                    0.0,
                ]),
            );
            // Side covers / subframe filling the space from the swingarm
            // pivot up to the seat (body).
            let cover_top = sy - 0.04;
            if cover_top > pivot[1] + 0.05 {
                s.add(
                    BODY,
                    RoundedBox::from_corners(
                        [
                            seat_front - sl * 0.55,
                            (cover_top - 0.16).max(pivot[1]),
                            -0.08,
                        ],
                        [seat_front + 0.02, cover_top, 0.08],
                        0.03,
                    ),
                );
            }
            for sz in [-1.0f32, 1.0] {
                s.add(
                    BODY,
                    Frustum::rod(
                        [pivot[0], pivot[1], sz * 0.08],
                        [seat_front - sl, cover_top, sz * 0.08],
                        0.015,
                    ),
                );
            }
            if kind == Kind::Sport {
                // Raised tail section and a full fairing around the head.
                let tail0 = seat_front - sl;
                s.add(
                    BODY,
                    RoundedBox::bar(
                        [tail0 + 0.05, sy - 0.03, 0.0],
                        [tail0 - 0.3, sy + 0.1, 0.0],
                        0.09,
                        0.04,
                    ),
                );
                s.add(
                    BODY,
                    SphereZone::ellipsoid([0.35, 0.2, 0.2], [head[0] + 0.02, head[1] - 0.05, 0.0]),
                );
                s.add(
                    BODY,
                    RoundedBox::new([0.3, 0.15, 0.16], 0.06).at([head[0] - 0.15, ey + 0.05, 0.0]),
                );
            } else {
                // Rear fender over the back wheel.
                let (a0, a1) = if kind == Kind::Dirt {
                    (0.9, 2.3)
                } else {
                    (0.4, 2.6)
                };
                fender(&mut s, wr, r_rear + 0.03, a0, a1, tyre);
            }
            if kind == Kind::Dirt {
                // High front fender under the handlebars, side number plates.
                let y = head[1] - 0.15;
                s.add(
                    BODY,
                    RoundedBox::bar(
                        [head[0] - 0.05, y, 0.0],
                        [head[0] + 0.35, y - 0.06, 0.0],
                        0.06,
                        0.03,
                    ),
                );
            } else {
                fender(&mut s, wf, r_front + 0.03, 0.3, 2.2, tyre);
            }
        }
    }

    // Headlight at the front of the steering head (sometimes absent).
    let light = match kind {
        Kind::Dirt => rng.chance(0.5),
        _ => rng.chance(0.9),
    };
    if light {
        let lr = match kind {
            Kind::Cruiser => rng.uniform(0.08, 0.11),
            Kind::Sport => 0.06,
            _ => rng.uniform(0.05, 0.08),
        };
        let lc = match kind {
            Kind::Sport => [head[0] + 0.36, head[1] - 0.05, 0.0],
            Kind::Scooter => [head[0] + 0.1, head[1] - 0.05, 0.0],
            _ => [head[0] + 0.12, head[1] - 0.06, 0.0],
        };
        s.add(
            LIGHT,
            Frustum::between(
                add(lc, [-lr * 0.8, 0.0, 0.0]),
                lc,
                lr * 0.6,
                lr,
                (true, false),
            ),
        );
        s.add(
            LIGHT,
            SphereZone::new(lr, 0.0, lr * 0.45)
                .transformed(Transform::rotate_z(-FRAC_PI_2).then_translate(lc)),
        );
    }
    s
}

fn scooter_body(s: &mut Shape, wf: V3, wr: V3, head: V3, pivot: V3, r_rear: f32, rng: &mut Rng) {
    // Front shield from the floor up to the head, floorboard, rear body
    // over the engine carrying the seat.
    let floor_y = r_rear * 0.9;
    s.add(
        BODY,
        RoundedBox::bar(
            [wf[0] - 0.12, floor_y, 0.0],
            [head[0] - 0.02, head[1] - 0.02, 0.0],
            0.17,
            0.05,
        ),
    );
    s.add(
        BODY,
        RoundedBox::from_corners(
            [pivot[0] - 0.02, floor_y - 0.04, -0.16],
            [wf[0] - 0.2, floor_y + 0.03, 0.16],
            0.02,
        ),
    );
    let rear_len = rng.uniform(0.6, 0.75);
    let top = floor_y + rng.uniform(0.3, 0.4);
    s.add(
        BODY,
        SphereZone::ellipsoid(
            [rear_len / 2.0, (top - r_rear * 0.7) / 2.0 + 0.05, 0.18],
            [wr[0] + 0.2, (top + r_rear * 0.7) / 2.0, 0.0],
        ),
    );
    fender(s, wf, wf[1] + 0.03, 0.2, 2.0, 0.05);
    s.add(
        SEAT,
        RoundedBox::new([rear_len * 0.4, 0.045, 0.15], 0.035).at([wr[0] + 0.25, top + 0.07, 0.0]),
    );
}

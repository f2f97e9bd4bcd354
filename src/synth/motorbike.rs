//! Motorbike generator.
//!
//! Front `+x`: two wheels in the x-y plane at the two ends of the bike, the
//! gas tank on top between them (its top about the height of the steering
//! head), the seat behind it and lower, handlebars at the front top (the
//! highest point, narrow: the whole bike is about a quarter as wide as
//! long), a small headlight in front of the bars (absent in some dirt
//! bikes), and a dense body as in real CAD models: frame, fork, swingarm, a
//! large engine block filling the space between the wheels, side covers, a
//! tail section under the seat, fenders, exhaust, foot pegs, mirrors,
//! fairings. As annotated in ShapeNetPart, only the sitting surface of the
//! seat is `seat` (its base is body) and only the bar and grips are
//! `handle`. Variants: sport bikes (full fairing with the light in its
//! nose, clip-on bars, raised tail), cruisers (long and low, teardrop tank,
//! pulled-back bars, big round light, V-twin), dirt bikes (tall, big wheels
//! with wire spokes, high fenders, small tank, long flat seat), scooters
//! (small wheels, step-through floor, front shield, no gas tank) and
//! tourers (big fairing and windscreen, panniers, top case).

use super::math::{add, lerp, Transform, V3};
use super::primitives::{
    bezier, Annulus, Frustum, RoundedBox, SphereZone, SurfaceExt, Torus, Tube, TubeEnd,
};
use super::primitives::{InnerFace, TriMesh};
use super::primitives_extra::rounded_rect;
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
    Touring,
}

/// A wheel centred at `c` of outer radius `r`, tyre section `t`, half width
/// `hw`: tyre, rim band, hub, and wire spokes or a few cast spokes.
///
/// Only the tyre and the rim band are always `wheel`. The hub and spokes
/// are usually `body`, as ShapeNetPart annotates them: on the reference
/// set's real motorbikes, 90 % of each wheel's points lie beyond 0.51 to
/// 0.87 of its radius from its centre, and the points inside (hub, brake
/// disc, spokes) are body (`scripts/part_stats.py`).
fn wheel(s: &mut Shape, c: V3, r: f32, t: f32, hw: f32, wire: bool, rng: &mut Rng) {
    let hub_part = if rng.chance(0.85) { BODY } else { WHEEL };
    let ring = Transform::rotate_x(FRAC_PI_2);
    s.add(
        WHEEL,
        Torus::new(r - t, t, TAU).transformed(ring.then_translate(c)),
    );
    let rim_r = r - 1.8 * t;
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
        hub_part,
        Frustum::between(
            add(c, [0.0, 0.0, -hw]),
            add(c, [0.0, 0.0, hw]),
            r * 0.1,
            r * 0.1,
            (true, true),
        ),
    );
    let (n, rad) = if wire {
        (12 + 2 * rng.below(3), t * 0.1)
    } else {
        (3 + rng.below(4), t * 0.3)
    };
    let ph = rng.uniform(0.0, TAU);
    for k in 0..n {
        let a = ph + TAU * k as f32 / n as f32;
        let d = [a.cos(), a.sin(), 0.0];
        let zo = if wire && k % 2 == 1 { hw * 0.6 } else { 0.0 };
        s.add(
            hub_part,
            Frustum::rod(
                add(c, [d[0] * r * 0.1, d[1] * r * 0.1, zo]),
                add(c, [d[0] * rim_r, d[1] * rim_r, 0.0]),
                rad,
            ),
        );
    }
}

/// A mudguard: a tube arc of radius `r` over the wheel at `c`, from angle
/// `a0` to `a1` (0 = +x, counter-clockwise seen from +z), flattened in y
/// and wide in z.
fn fender(s: &mut Shape, c: V3, r: f32, a0: f32, a1: f32, hw: f32) {
    let path: Vec<V3> = (0..=16)
        .map(|i| {
            let a = a0 + (a1 - a0) * i as f32 / 16.0;
            [c[0] + r * a.cos(), c[1] + r * a.sin(), 0.0]
        })
        .collect();
    s.add(
        BODY,
        Tube::new(&path, hw * 0.6, TubeEnd::Flat)
            .transformed(Transform::scale([1.0, 1.0, 1.9]).then_translate([0.0, 0.0, c[2]])),
    );
}

/// Build one random motorbike (metres).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let kind = match rng.below(20) {
        0..=5 => Kind::Sport,
        6..=10 => Kind::Cruiser,
        11..=13 => Kind::Dirt,
        14..=16 => Kind::Scooter,
        _ => Kind::Touring,
    };
    let (wheelbase, r_front, r_rear) = match kind {
        Kind::Sport => (rng.uniform(1.42, 1.58), 0.3, 0.31),
        Kind::Touring => (rng.uniform(1.55, 1.7), 0.31, 0.32),
        Kind::Cruiser => {
            let rf = rng.uniform(0.3, 0.35);
            // Choppers: stretched frames, far longer than high.
            let wb = if rng.chance(0.35) {
                rng.uniform(1.85, 2.2)
            } else {
                rng.uniform(1.6, 1.78)
            };
            (wb, rf, rng.uniform(0.3, 0.33))
        }
        Kind::Dirt => (rng.uniform(1.45, 1.55), 0.36, 0.34),
        Kind::Scooter => {
            let r = rng.uniform(0.18, 0.24);
            (rng.uniform(1.25, 1.4), r, r)
        }
    };
    let tyre = match kind {
        Kind::Dirt => 0.045,
        Kind::Scooter => 0.055,
        Kind::Cruiser => rng.uniform(0.05, 0.07),
        Kind::Sport | Kind::Touring => rng.uniform(0.055, 0.065),
    };
    let wf = [wheelbase / 2.0, r_front, 0.0];
    let wr = [-wheelbase / 2.0, r_rear, 0.0];
    let wire = match kind {
        Kind::Dirt => true,
        Kind::Cruiser => rng.chance(0.6),
        Kind::Scooter => false,
        _ => rng.chance(0.15),
    };
    wheel(&mut s, wf, r_front, tyre, tyre * 0.9, wire, rng);
    wheel(&mut s, wr, r_rear, tyre * 1.15, tyre * 1.05, wire, rng);

    // Steering head: up and back from the front axle along the rake.
    let rake = match kind {
        Kind::Cruiser => rng.uniform(0.5, 0.62) + (wheelbase - 1.75).max(0.0) * 0.6,
        Kind::Scooter => rng.uniform(0.2, 0.35),
        _ => rng.uniform(0.4, 0.5),
    };
    let fork_len = match kind {
        Kind::Dirt => 0.72,
        Kind::Scooter => 0.6,
        Kind::Cruiser => 0.7 + (wheelbase - 1.75).max(0.0) * 0.25,
        Kind::Sport => 0.6,
        Kind::Touring => 0.64,
    } * rng.uniform(0.9, 1.0);
    let head = [
        wf[0] - fork_len * rake.sin(),
        wf[1] + fork_len * rake.cos(),
        0.0,
    ];
    let fork_r = if kind == Kind::Dirt { 0.026 } else { 0.03 };
    for sz in [-1.0f32, 1.0] {
        let z = sz * (tyre + 0.025);
        s.add(
            BODY,
            Frustum::rod([wf[0], wf[1], z], [head[0], head[1], z * 0.85], fork_r),
        );
    }
    let head_top = add(head, [-0.03, 0.06, 0.0]);
    s.add(
        BODY,
        Frustum::rod(add(head, [0.02, -0.05, 0.0]), head_top, 0.04),
    );
    // Fork crowns (triple clamps).
    s.add(
        BODY,
        RoundedBox::new([0.05, 0.015, tyre + 0.05], 0.01).at(add(head, [0.0, 0.03, 0.0])),
    );

    // Handlebars: narrow (the grips end about a quarter bike length apart).
    let (bar_rise, bar_half, bar_back) = match kind {
        Kind::Cruiser => (rng.uniform(0.06, 0.2), rng.uniform(0.2, 0.26), 0.16),
        Kind::Sport => (-0.03, rng.uniform(0.15, 0.19), 0.08),
        Kind::Dirt => (0.1, rng.uniform(0.25, 0.29), 0.06),
        Kind::Scooter => (0.06, rng.uniform(0.19, 0.23), 0.06),
        Kind::Touring => (0.08, rng.uniform(0.21, 0.25), 0.12),
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
    s.add(HANDLE, Tube::new(&bar_path, 0.011, TubeEnd::Flat));
    for sz in [-1.0f32, 1.0] {
        let a = [bar_c[0] - bar_back, grip_y, sz * bar_half];
        s.add(
            HANDLE,
            Frustum::rod(a, add(a, [0.0, 0.0, sz * 0.07]), 0.016),
        );
    }
    if kind != Kind::Dirt && rng.chance(0.4) {
        // Mirrors on stalks (body).
        for sz in [-1.0f32, 1.0] {
            let a = [bar_c[0] - bar_back * 0.6, grip_y, sz * bar_half * 0.7];
            let b = add(a, [0.02, 0.07, sz * 0.05]);
            s.add(BODY, Frustum::rod(a, b, 0.007));
            s.add(
                BODY,
                RoundedBox::new([0.015, 0.035, 0.05], 0.01).at(add(b, [0.0, 0.02, sz * 0.02])),
            );
        }
    }

    // Frame spine and swingarm.
    let pivot = [-wheelbase * 0.12, r_rear + 0.1, 0.0];
    if kind != Kind::Scooter {
        s.add(BODY, RoundedBox::bar(head, pivot, 0.035, 0.01));
    }
    for sz in [-1.0f32, 1.0] {
        let z = sz * (tyre * 1.2 + 0.025);
        s.add(
            BODY,
            RoundedBox::bar([pivot[0], pivot[1], z], [wr[0], wr[1], z], 0.025, 0.008),
        );
    }

    if kind == Kind::Scooter {
        scooter_body(&mut s, wf, wr, head, pivot, r_rear, rng);
    } else {
        bike_body(
            &mut s, kind, wf, wr, head, pivot, r_front, r_rear, tyre, rng,
        );
    }

    // Headlight: small, just in front of and below the bars (in the nose of
    // a fairing); sometimes absent on dirt bikes.
    let light = match kind {
        Kind::Dirt => rng.chance(0.5),
        _ => rng.chance(0.92),
    };
    if light {
        let lr = match kind {
            Kind::Cruiser => rng.uniform(0.055, 0.075),
            Kind::Sport => rng.uniform(0.035, 0.045),
            Kind::Touring => rng.uniform(0.045, 0.055),
            _ => rng.uniform(0.04, 0.05),
        };
        let lc = match kind {
            Kind::Sport => [head[0] + 0.24, head[1] - 0.03, 0.0],
            Kind::Touring => [head[0] + 0.24, head[1] - 0.01, 0.0],
            Kind::Scooter => [head[0] + 0.1, head[1] - 0.02, 0.0],
            _ => [head[0] + 0.1, head[1] + 0.04, 0.0],
        };
        s.add(
            LIGHT,
            Frustum::between(
                add(lc, [-lr * 0.5, 0.0, 0.0]),
                lc,
                lr * 0.7,
                lr,
                (false, false),
            ),
        );
        s.add(
            LIGHT,
            SphereZone::new(lr, lr * 0.6, lr)
                .transformed(Transform::translate([0.0, -lr * 0.6, 0.0]))
                .transformed(Transform::rotate_z(-FRAC_PI_2).then_translate(lc)),
        );
    }
    s
}

/// Everything between the wheels of a non-scooter: engine, tank, seat,
/// side covers, tail, fenders, exhaust, fairings, luggage.
#[allow(clippy::too_many_arguments)]
fn bike_body(
    s: &mut Shape,
    kind: Kind,
    wf: V3,
    wr: V3,
    head: V3,
    pivot: V3,
    r_front: f32,
    r_rear: f32,
    tyre: f32,
    rng: &mut Rng,
) {
    // Gas tank on top between the head and the seat, its top about the
    // head's height.
    let (tl, th, tw) = match kind {
        Kind::Dirt => (0.32, 0.14, 0.22),
        Kind::Cruiser => (rng.uniform(0.42, 0.52), 0.19, 0.28),
        Kind::Touring => (0.48, rng.uniform(0.22, 0.26), rng.uniform(0.34, 0.38)),
        _ => (
            rng.uniform(0.42, 0.5),
            rng.uniform(0.2, 0.24),
            rng.uniform(0.3, 0.34),
        ),
    };
    let tank_top = head[1] + if kind == Kind::Dirt { -0.03 } else { 0.04 };
    let tank_c = [head[0] - 0.04 - tl / 2.0, tank_top - th / 2.0, 0.0];
    // The tank is a closed skin with its inner face (ShapeNet clouds are
    // sampled from CAD meshes, interiors included): on the reference set's
    // three real motorbikes with a tank it holds 7.1, 9.2 and 7.6 % of the
    // points in a box (x 0.45-0.70, y 0.28-0.45 of the bike length) about
    // the size of this one, which with the outer face alone held 4.4 % (3.7
    // % over all bikes, scooters included, against 6.0 % real).
    let wall = th * 0.1;
    let (outer, inner) = (
        [tl / 2.0, th / 2.0, tw / 2.0],
        [tl / 2.0 - wall, th / 2.0 - wall, tw / 2.0 - wall],
    );
    if kind == Kind::Cruiser || rng.chance(0.5) {
        s.add(GAS_TANK, SphereZone::ellipsoid(outer, tank_c));
        s.add(GAS_TANK, InnerFace(SphereZone::ellipsoid(inner, tank_c)));
    } else {
        s.add(GAS_TANK, RoundedBox::new(outer, th * 0.45).at(tank_c));
        s.add(
            GAS_TANK,
            InnerFace(RoundedBox::new(inner, th * 0.45 - wall).at(tank_c)),
        );
    }

    // Engine block filling the space between the wheels under the tank:
    // crankcase below, cylinder block above.
    let x0 = wr[0] + r_rear * 0.9;
    let x1 = wf[0] - r_front * 0.95;
    let ebot = r_front * rng.uniform(0.35, 0.5);
    let etop = tank_c[1] - th * 0.35;
    let el = (x1 - x0) * rng.uniform(0.55, 0.72);
    let ex = 0.5 * (x0 + x1) + rng.uniform(-0.04, 0.06);
    let ez = if kind == Kind::Dirt {
        0.1
    } else {
        rng.uniform(0.13, 0.16)
    };
    let ymid = ebot + (etop - ebot) * 0.5;
    s.add(
        BODY,
        RoundedBox::from_corners([ex - el / 2.0, ebot, -ez], [ex + el / 2.0, ymid, ez], 0.04),
    );
    if kind == Kind::Cruiser {
        // V-twin cylinders with a round air cleaner.
        for (dx, tilt) in [(el * 0.2, -0.5f32), (-el * 0.2, 0.5)] {
            let h = (etop - ymid) * 0.55;
            s.add(
                BODY,
                Frustum::new(0.075, 0.065, h, (true, true)).transformed(
                    Transform::rotate_z(tilt).then_translate([ex + dx, ymid + h, 0.0]),
                ),
            );
        }
        s.add(
            BODY,
            Frustum::between(
                [ex, ymid + 0.06, 0.0],
                [ex, ymid + 0.06, 0.17],
                0.08,
                0.08,
                (false, true),
            ),
        );
    } else {
        s.add(
            BODY,
            RoundedBox::from_corners(
                [ex - el * 0.3, ymid - 0.02, -ez * 0.75],
                [ex + el * 0.45, etop, ez * 0.75],
                0.03,
            ),
        );
    }
    if kind != Kind::Cruiser && rng.chance(0.6) {
        // Radiator in front of the engine.
        let rx = ex + el / 2.0 + 0.04;
        s.add(
            BODY,
            RoundedBox::from_corners([rx, ymid, -0.15], [rx + 0.04, etop + 0.05, 0.15], 0.01),
        );
    }

    // Exhaust: from the engine front, down and back along the right side.
    let z = ez + 0.03;
    let mut path = bezier(
        [
            [ex + el / 2.0, ymid, 0.05],
            [ex + el / 2.0 + 0.05, ebot - 0.05, z],
            [ex, ebot - 0.06, z],
            [ex - el / 2.0, ebot, z],
        ],
        10,
    );
    let tail_y = match kind {
        Kind::Dirt | Kind::Sport => pivot[1] + rng.uniform(0.05, 0.15),
        _ => r_rear * 0.75,
    };
    path.push([wr[0] + 0.1, tail_y, z + 0.02]);
    s.add(BODY, Tube::new(&path, 0.028, TubeEnd::Flat));
    let m0 = lerp(path[path.len() - 2], path[path.len() - 1], 0.3);
    let mr = rng.uniform(0.045, 0.065);
    s.add(
        BODY,
        Frustum::rod(m0, [wr[0] - 0.05, tail_y + 0.02, z + 0.02], mr),
    );
    if kind == Kind::Touring || (kind == Kind::Cruiser && rng.chance(0.5)) {
        // Twin pipes.
        s.add(
            BODY,
            Frustum::rod(
                [m0[0], m0[1], -m0[2]],
                [wr[0] - 0.05, tail_y + 0.02, -(z + 0.02)],
                mr,
            ),
        );
    }

    // Seat behind the tank, lower than the tank top: only the sitting
    // surface is labelled seat, its base pan is body.
    let seat_front = tank_c[0] - tl / 2.0 + 0.03;
    let (sl, drop, sw) = match kind {
        Kind::Cruiser => (rng.uniform(0.3, 0.38), rng.uniform(0.17, 0.24), 0.3),
        Kind::Dirt => (rng.uniform(0.55, 0.65), 0.02, 0.16),
        Kind::Touring => (rng.uniform(0.45, 0.55), rng.uniform(0.12, 0.17), 0.32),
        _ => (rng.uniform(0.28, 0.38), rng.uniform(0.09, 0.15), 0.25),
    };
    let sy = tank_top - drop;
    let seat_c = [seat_front - sl / 2.0, sy - 0.012, 0.0];
    seat_pad(s, seat_c, sl / 2.0, sw / 2.0);
    // The base pan stays SEAT_GAP below the sitting surface and narrower:
    // a body face just under the seat's would be a twin of it, with the
    // other label (the seat was then never learnt: IoU 0.3 on synthetic
    // motorbikes, session 20).
    let pan_top = seat_c[1] - SEAT_GAP;
    s.add(
        BODY,
        RoundedBox::from_corners(
            [seat_front - sl, (sy - 0.08).min(pan_top - 0.03), -sw * 0.38],
            [seat_front, pan_top, sw * 0.38],
            0.015,
        ),
    );
    // Side covers / subframe from the swingarm pivot up to the seat.
    let cover_top = sy - 0.08;
    s.add(
        BODY,
        RoundedBox::from_corners(
            [seat_front - sl * 0.7, pivot[1] - 0.05, -0.11],
            [seat_front + 0.06, cover_top.max(pivot[1] + 0.02), 0.11],
            0.03,
        ),
    );
    for sz in [-1.0f32, 1.0] {
        s.add(
            BODY,
            Frustum::rod(
                [pivot[0], pivot[1], sz * 0.09],
                [seat_front - sl, cover_top, sz * 0.09],
                0.016,
            ),
        );
        // Foot pegs.
        let peg = [pivot[0] + 0.08, pivot[1] - 0.08, sz * 0.12];
        s.add(
            BODY,
            Frustum::rod(peg, add(peg, [0.0, 0.0, sz * 0.09]), 0.015),
        );
    }
    // Tail section under the rear of the seat, over the rear wheel.
    let tail0 = seat_front - sl;
    match kind {
        Kind::Sport => {
            s.add(
                BODY,
                // From the seat's rear edge back (under the seat it would
                // be a body face just below the sitting surface).
                RoundedBox::bar(
                    [tail0 - 0.03, sy - 0.04, 0.0],
                    [tail0 - 0.3, sy + 0.04, 0.0],
                    0.09,
                    0.04,
                ),
            );
        }
        _ => {
            s.add(
                BODY,
                RoundedBox::from_corners(
                    [tail0 - 0.06, sy - 0.16, -0.1],
                    [tail0 + sl * 0.5, sy - 0.05, 0.1],
                    0.04,
                ),
            );
        }
    }
    if kind != Kind::Sport {
        let (a0, a1) = if kind == Kind::Dirt {
            (0.9, 2.3)
        } else {
            (0.4, 2.7)
        };
        fender(s, wr, r_rear + 0.035, a0, a1, tyre);
    }
    if kind == Kind::Dirt {
        // High front fender under the handlebars.
        let y = head[1] - 0.15;
        s.add(
            BODY,
            RoundedBox::bar(
                [head[0] - 0.05, y, 0.0],
                [head[0] + 0.38, y - 0.06, 0.0],
                0.065,
                0.03,
            ),
        );
        // Side number plates under the seat.
        for sz in [-1.0f32, 1.0] {
            s.add(
                BODY,
                RoundedBox::new([0.14, 0.09, 0.006], 0.004).at([tail0 + 0.1, sy - 0.12, sz * 0.12]),
            );
        }
    } else {
        fender(s, wf, r_front + 0.035, 0.3, 2.3, tyre);
    }
    if kind == Kind::Sport || kind == Kind::Touring {
        // Fairing: nose around the head, side panels down to the engine,
        // belly pan, windscreen.
        //
        // The tank stays the top hump of the side view, as on the real
        // bikes (over their top 15 % of height, 36 to 61 % of the points
        // are tank where a bike has one; here 19 % when the nose reached
        // 0.2 back over the tank and the side panels up over its lower
        // half): the nose ends at the tank's front, the side panels at its
        // bottom.
        let wide = if kind == Kind::Touring { 1.3 } else { 1.0 };
        s.add(
            BODY,
            SphereZone::ellipsoid(
                [0.21, 0.17 * wide, 0.17 * wide],
                [head[0] + 0.15, head[1] - 0.08, 0.0],
            ),
        );
        let panel_top = (tank_top - th + 0.02).min(head[1] - 0.1);
        for sz in [-1.0f32, 1.0] {
            s.add(
                BODY,
                RoundedBox::from_corners(
                    [ex - el * 0.2, ebot + 0.04, sz * (0.16 * wide)],
                    [head[0] + 0.05, panel_top, sz * (0.16 * wide + 0.02)],
                    0.008,
                ),
            );
        }
        s.add(
            BODY,
            RoundedBox::from_corners(
                [ex - el * 0.3, ebot - 0.03, -0.12],
                [ex + el * 0.55, ebot + 0.02, 0.12],
                0.015,
            ),
        );
        let ws0 = [head[0] + 0.2, head[1] + 0.02, 0.0];
        let ws1 = [
            head[0] + 0.02,
            head[1] + 0.1 + 0.1 * (wide - 1.0) * 3.0,
            0.0,
        ];
        s.add(
            BODY,
            RoundedBox::new(
                [0.005, 0.5 * (ws1[1] - ws0[1]).abs().max(0.05), 0.12 * wide],
                0.003,
            )
            .transformed(Transform::rotate_z(-0.6).then_translate(lerp(ws0, ws1, 0.5))),
        );
    }
    if kind == Kind::Touring {
        // Panniers over the rear wheel and a top case behind the seat.
        for sz in [-1.0f32, 1.0] {
            s.add(
                BODY,
                RoundedBox::from_corners(
                    [wr[0] - 0.15, r_rear * 0.7, sz * 0.14],
                    [wr[0] + 0.3, r_rear * 0.7 + 0.32, sz * 0.3],
                    0.04,
                ),
            );
        }
        if rng.chance(0.7) {
            s.add(
                BODY,
                RoundedBox::from_corners(
                    [tail0 - 0.35, sy - 0.02, -0.18],
                    [tail0 - 0.02, sy + 0.24, 0.18],
                    0.05,
                ),
            );
        }
    }
}

/// The sitting surface: a one-sided rounded pad facing up at `c` (its
/// underside is the seat base, body).
/// How far below a seat's sitting surface the body under it starts.
const SEAT_GAP: f32 = 0.035;

/// The sitting surface (seat), a flat rounded rectangle facing up at `c`.
fn seat_pad(s: &mut Shape, c: V3, hx: f32, hz: f32) {
    let ring: Vec<V3> = rounded_rect(hx, hz, hz.min(hx) * 0.6, 4)
        .into_iter()
        .map(|p| [c[0] + p[0], c[1], c[2] + p[1]])
        .collect();
    s.add(SEAT, TriMesh::polygon(&ring, [0.0, 1.0, 0.0]));
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
    // Thin seat pad on top of the rear body (seat), its base (body) a
    // SEAT_GAP below it and narrower.
    let sc = [wr[0] + 0.25, top + 0.06, 0.0];
    seat_pad(s, add(sc, [0.0, -0.012, 0.0]), rear_len * 0.35, 0.14);
    s.add(
        BODY,
        RoundedBox::new([rear_len * 0.35, 0.02, 0.11], 0.015)
            .at(add(sc, [0.0, -0.012 - SEAT_GAP - 0.02, 0.0])),
    );
    // Small rear carrier / grab rail.
    s.add(
        BODY,
        Annulus::new(0.03, 0.09).transformed(Transform::translate([wr[0] - 0.02, top + 0.02, 0.0])),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No body face lies just under a seat's sitting surface (a twin face
    /// with the other label makes the seat unlearnable; the base pan was
    /// one until session 20): of the seat points, at most 10 % have a body
    /// point within 1 cm horizontally and 2 cm below (a fender or tail
    /// under an edge of the seat may), over 40 motorbikes.
    #[test]
    fn no_body_face_hides_under_the_seat() {
        let mut rng = Rng::new(3);
        let (mut seats, mut seat_points, mut covered) = (0, 0, 0);
        for _ in 0..40 {
            let s = build(&mut rng);
            let pts: Vec<_> = (0..6000)
                .filter_map(|_| s.surface_point(&mut rng).map(|(l, p, _)| (l, p)))
                .collect();
            let seat: Vec<V3> = pts
                .iter()
                .filter(|(l, _)| *l == SEAT)
                .map(|x| x.1)
                .collect();
            seats += usize::from(!seat.is_empty());
            seat_points += seat.len();
            covered += seat
                .iter()
                .filter(|q| {
                    pts.iter().any(|(l, p)| {
                        *l == BODY
                            && (p[0] - q[0]).abs() < 0.01
                            && (p[2] - q[2]).abs() < 0.01
                            && (0.0..0.02).contains(&(q[1] - p[1]))
                    })
                })
                .count();
        }
        assert!(seats >= 35, "only {seats} of 40 motorbikes have a seat");
        assert!(
            covered * 10 <= seat_points,
            "{covered} of {seat_points} seat points have a body face just under them"
        );
    }

    #[test]
    fn wheel_is_tyre_and_rim_and_the_hub_usually_body() {
        let (r, t) = (0.1, 0.015);
        let mut body_hubs = 0;
        for seed in 0..40 {
            let mut rng = Rng::new(seed);
            let mut s = Shape::new();
            wheel(&mut s, [0.0; 3], r, t, 0.02, seed % 2 == 0, &mut rng);
            let (mut inner, mut inner_body) = (0, 0);
            for _ in 0..3000 {
                let (part, p, _) = s.surface_point(&mut rng).unwrap();
                let rho = (p[0] * p[0] + p[1] * p[1]).sqrt();
                if rho > r - 1.5 * t {
                    assert_eq!(part, WHEEL, "seed {seed}: tyre point at {p:?}");
                } else if rho < 0.5 * r {
                    inner += 1;
                    inner_body += usize::from(part == BODY);
                }
            }
            assert!(inner > 0, "seed {seed}");
            // One label for the whole hub and spokes.
            assert!(inner_body == 0 || inner_body == inner, "seed {seed}");
            body_hubs += usize::from(inner_body == inner);
        }
        assert!(
            (28..40).contains(&body_hubs),
            "{body_hubs} of 40 hubs are body"
        );
    }

    /// The reference set's real tanks hold 7.1, 9.2 and 7.6 % of their
    /// bike's points and are the top hump of the side view: over the tank's
    /// length, the highest points are tank, not fairing or frame.
    #[test]
    fn tank_has_a_real_share_and_is_the_top_over_its_length() {
        let (mut shares, mut tops) = (Vec::new(), Vec::new());
        for seed in 0..64 {
            let mut rng = Rng::new(seed);
            let s = build(&mut rng);
            let a = s.part_areas(6);
            if a[GAS_TANK] == 0.0 {
                continue;
            }
            shares.push(a[GAS_TANK] / a.iter().sum::<f32>());
            let pts: Vec<_> = (0..6000)
                .map(|_| {
                    let (part, p, _) = s.surface_point(&mut rng).unwrap();
                    (part, p)
                })
                .collect();
            let tank_x = pts.iter().filter(|q| q.0 == GAS_TANK).map(|q| q.1[0]);
            let (x0, x1) = tank_x.fold((f32::MAX, f32::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
            let mut over: Vec<(f32, usize)> = pts
                .iter()
                .filter(|q| (x0..=x1).contains(&q.1[0]))
                .map(|q| (q.1[1], q.0))
                .collect();
            over.sort_by(|a, b| b.0.total_cmp(&a.0));
            let top = &over[..over.len() / 10];
            tops.push(top.iter().filter(|q| q.1 == GAS_TANK).count() as f32 / top.len() as f32);
        }
        assert!(
            shares.len() >= 44,
            "{} of 64 bikes have a tank",
            shares.len()
        );
        let mean = shares.iter().sum::<f32>() / shares.len() as f32;
        assert!((0.06..0.11).contains(&mean), "tank share {mean}");
        let mean_top = tops.iter().sum::<f32>() / tops.len() as f32;
        assert!(
            mean_top > 0.5,
            "tank in the top tenth over the tank: {mean_top}"
        );
    }

    #[test]
    fn seat_is_a_small_share_and_wheels_do_not_dominate() {
        let (mut seat, mut wheel, mut total) = (0.0, 0.0, 0.0);
        for seed in 0..64 {
            let s = build(&mut Rng::new(seed));
            let a = s.part_areas(6);
            assert!(a[WHEEL] > 0.0 && a[BODY] > 0.0 && a[HANDLE] > 0.0);
            seat += a[SEAT];
            wheel += a[WHEEL];
            total += a.iter().sum::<f32>();
        }
        assert!(seat / total < 0.05, "seat share {}", seat / total);
        assert!(wheel / total < 0.3, "wheel share {}", wheel / total);
    }
}

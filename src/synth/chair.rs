//! Chair generator (the worked example of the generator interface).
//!
//! Faces `+x`: the back at `-x` rising up, legs below the seat. Variants:
//! four legs (square, round, tapered, splayed; optional stretchers; rear legs
//! sometimes continuing as back posts), pedestal with a 4/5-arm star base and
//! optional castors, sled runners, cantilever tubes, bent sheets (one plate
//! as wide as the seat lying on the floor and curving up to it: a C open at
//! the back or a U), stools (high, round or square seat, low or no back),
//! sofa-like armchairs (thick cushions, wide arms, stubby feet). Backs:
//! solid panel, oval shell, vertical slats, ladder rails, tube frame with a
//! panel. Arms (about 28%): pads on posts, tube loops, or the sofa's wide
//! blocks.

use super::math::{add, Transform, V3};
use super::primitives::{
    bezier, Frustum, RoundedBox, SphereZone, SurfaceExt, Torus, TriMesh, Tube, TubeEnd,
};
use super::primitives_extra::{panel, rounded_rect, slab};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, PI};

const BACK: usize = 0;
const SEAT: usize = 1;
const LEG: usize = 2;
const ARM: usize = 3;

#[derive(Clone, Copy, PartialEq)]
enum Base {
    FourLegs,
    Pedestal,
    Sled,
    Cantilever,
    /// A bent plate (plywood or sheet metal) as wide as the seat.
    Sheet,
    Sofa,
    /// Solid side panels under the seat (labelled leg).
    Panels,
    /// Folding chair: crossed legs seen from the side.
    Folding,
}

/// Seat dimensions shared by the sub-builders (metres).
struct Seat {
    /// Height of the seat top above the floor.
    top: f32,
    /// Depth along x, width along z, thickness.
    depth: f32,
    width: f32,
    thick: f32,
    round: bool,
}

impl Seat {
    fn bottom(&self) -> f32 {
        self.top - self.thick
    }
}

/// Build one random chair.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let stool = rng.chance(0.04);
    let base = if stool {
        if rng.chance(0.6) {
            Base::FourLegs
        } else {
            Base::Pedestal
        }
    } else {
        match rng.below(100) {
            0..=44 => Base::FourLegs,
            45..=63 => Base::Pedestal,
            64..=69 => Base::Sled,
            70..=75 => Base::Cantilever,
            76..=80 => Base::Sheet,
            81..=89 => Base::Sofa,
            90..=95 => Base::Panels,
            _ => Base::Folding,
        }
    };
    let sofa = base == Base::Sofa;
    // Bent-sheet bases are mostly low, wide lounge chairs (chair ad7a6efb:
    // seat top at half the height, seat as wide as 2.3 seat heights).
    let lounge = base == Base::Sheet && rng.chance(0.7);
    let seat = Seat {
        top: if stool {
            rng.uniform(0.6, 0.8)
        } else if sofa {
            rng.uniform(0.38, 0.48)
        } else if lounge {
            rng.uniform(0.3, 0.42)
        } else {
            rng.uniform(0.4, 0.5)
        },
        depth: if sofa {
            rng.uniform(0.55, 0.75)
        } else {
            rng.uniform(0.38, 0.55)
        },
        width: if sofa {
            rng.uniform(0.55, 0.9)
        } else if lounge || rng.chance(0.08) {
            // Wide lounge chairs and small benches.
            rng.uniform(0.56, 0.85)
        } else {
            rng.uniform(0.38, 0.56)
        },
        thick: if sofa {
            rng.uniform(0.12, 0.25)
        } else {
            rng.uniform(0.02, 0.08)
        },
        round: stool && rng.chance(0.6) || base == Base::Pedestal && rng.chance(0.15),
    };
    add_seat(&mut s, &seat, rng);
    if matches!(base, Base::FourLegs | Base::Folding) && !seat.round && rng.chance(0.35) {
        seat_frame(&mut s, &seat, rng);
    }

    let posts = base == Base::FourLegs && !stool && rng.chance(0.3);
    match base {
        Base::FourLegs => four_legs(&mut s, &seat, posts, rng),
        Base::Pedestal => pedestal(&mut s, &seat, rng),
        Base::Sled => sled(&mut s, &seat, rng),
        Base::Cantilever => cantilever(&mut s, &seat, rng),
        Base::Sheet => sheet(&mut s, &seat, rng),
        Base::Sofa => sofa_base(&mut s, &seat, rng),
        Base::Panels => panel_sides(&mut s, &seat, rng),
        Base::Folding => folding(&mut s, &seat, rng),
    }

    // Stools: no back or a low one; everything else has a back.
    let back_height = if stool {
        if rng.chance(0.5) {
            0.0
        } else {
            rng.uniform(0.12, 0.25)
        }
    } else if sofa {
        rng.uniform(0.3, 0.5)
    } else {
        rng.uniform(0.35, 0.6)
    };
    if back_height > 0.0 {
        add_back(&mut s, &seat, back_height, posts, sofa, rng);
    }
    // About three real chairs in ten have arms (none of the four reference
    // chairs do); sofa-like armchairs nearly always.
    if !stool && (sofa && rng.chance(0.85) || !sofa && base != Base::Folding && rng.chance(0.25)) {
        add_arms(&mut s, &seat, sofa, rng);
    }
    s
}

fn add_seat(s: &mut Shape, seat: &Seat, rng: &mut Rng) {
    let y = seat.top - seat.thick / 2.0;
    if seat.round {
        let r = 0.5 * seat.depth.min(seat.width);
        s.add(
            SEAT,
            Frustum::cylinder(r, seat.thick / 2.0, true).at([0.0, y, 0.0]),
        );
    } else if rng.chance(0.3) {
        // Rounded or trapezoidal (wider at the front) seat outline.
        let (hx, hz) = (seat.depth / 2.0, seat.width / 2.0);
        let r = hx.min(hz) * rng.uniform(0.1, 0.6);
        let front = rng.uniform(1.0, 1.15);
        let outline: Vec<[f32; 2]> = rounded_rect(hx, hz, r, 5)
            .into_iter()
            .map(|[x, z]| [x, z * (1.0 + (front - 1.0) * (x / hx))])
            .collect();
        s.add(SEAT, slab(&outline, seat.top - seat.thick, seat.top));
    } else {
        let radius = seat.thick * rng.uniform(0.1, 0.5);
        s.add(
            SEAT,
            RoundedBox::new(
                [seat.depth / 2.0, seat.thick / 2.0, seat.width / 2.0],
                radius,
            )
            .at([0.0, y, 0.0]),
        );
    }
}

/// Rails of the seat frame under the seat board (real chairs model them as
/// part of the seat): a band around the underside, inset a little.
fn seat_frame(s: &mut Shape, seat: &Seat, rng: &mut Rng) {
    let h = rng.uniform(0.03, 0.08);
    let th = rng.uniform(0.01, 0.02);
    let inset = rng.uniform(0.0, 0.03);
    let (ax, az) = (seat.depth / 2.0 - inset, seat.width / 2.0 - inset);
    let (y0, y1) = (seat.bottom() - h, seat.bottom());
    for sg in [-1.0f32, 1.0] {
        let (z0, z1) = (sg * az, sg * (az - th));
        s.add(
            SEAT,
            RoundedBox::from_corners([-ax, y0, z0.min(z1)], [ax, y1, z0.max(z1)], 0.002),
        );
        let (x0, x1) = (sg * ax, sg * (ax - th));
        s.add(
            SEAT,
            RoundedBox::from_corners([x0.min(x1), y0, -az + th], [x0.max(x1), y1, az - th], 0.002),
        );
    }
}

fn four_legs(s: &mut Shape, seat: &Seat, posts: bool, rng: &mut Rng) {
    let inset = rng.uniform(0.01, 0.05);
    let splay = if rng.chance(0.3) {
        rng.uniform(0.02, 0.08)
    } else {
        0.0
    };
    let round = rng.chance(0.45);
    let taper = round && rng.chance(0.5);
    let half = rng.uniform(0.013, 0.034);
    let (hx, hz) = if seat.round {
        let r = 0.5 * seat.depth.min(seat.width) * 0.75;
        (r, r)
    } else {
        (
            seat.depth / 2.0 - inset - half,
            seat.width / 2.0 - inset - half,
        )
    };
    let top = seat.bottom();
    let mut feet = Vec::new();
    for (sx, sz) in [(1.0f32, 1.0f32), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
        let a = [sx * hx, top, sz * hz];
        let b = [sx * (hx + splay), 0.0, sz * (hz + splay)];
        feet.push((a, b));
        // Rear legs running up as back posts are drawn by the back builder.
        let b_top = if posts && sx < 0.0 { seat.top } else { top };
        let a = [a[0], b_top, a[2]];
        if round {
            let rb = if taper { half * 0.6 } else { half };
            s.add(LEG, Frustum::between(b, a, rb, half, (true, true)));
        } else {
            s.add(LEG, RoundedBox::bar(b, a, half, half * 0.2));
        }
    }
    // Stretchers (H, box or none), part of the legs.
    let h = rng.uniform(0.08, 0.25) * seat.top;
    let at = |(a, b): (V3, V3)| {
        let t = 1.0 - h / top;
        [a[0] + (b[0] - a[0]) * t, h, a[2] + (b[2] - a[2]) * t]
    };
    let r = half * 0.5;
    match rng.below(3) {
        0 => {}
        1 => {
            // Box stretchers around all four sides.
            let c: Vec<V3> = feet.iter().map(|&f| at(f)).collect();
            for (i, j) in [(0, 1), (2, 3), (0, 2), (1, 3)] {
                s.add(LEG, Frustum::rod(c[i], c[j], r));
            }
        }
        _ => {
            // H stretcher: two side rails and a cross bar.
            let c: Vec<V3> = feet.iter().map(|&f| at(f)).collect();
            s.add(LEG, Frustum::rod(c[0], c[2], r));
            s.add(LEG, Frustum::rod(c[1], c[3], r));
            let m0 = [0.0, h, c[0][2]];
            let m1 = [0.0, h, c[1][2]];
            s.add(LEG, Frustum::rod(m0, m1, r));
        }
    }
}

fn pedestal(s: &mut Shape, seat: &Seat, rng: &mut Rng) {
    let castors = rng.chance(0.6);
    let wheel_r = if castors {
        rng.uniform(0.025, 0.035)
    } else {
        0.0
    };
    let base_y = if castors { 2.0 * wheel_r + 0.01 } else { 0.02 };
    let col_r = rng.uniform(0.02, 0.045);
    let mech = rng.chance(0.6);
    let top = if mech {
        let mh = rng.uniform(0.03, 0.06);
        s.add(
            LEG,
            RoundedBox::new([0.1, mh / 2.0, 0.1], 0.01).at([0.0, seat.bottom() - mh / 2.0, 0.0]),
        );
        seat.bottom() - mh
    } else {
        seat.bottom()
    };
    s.add(
        LEG,
        Frustum::between(
            [0.0, base_y, 0.0],
            [0.0, top, 0.0],
            col_r * 1.3,
            col_r,
            (false, true),
        ),
    );
    if rng.chance(0.25) && !castors {
        // Disk foot instead of a star.
        let r = rng.uniform(0.2, 0.3);
        s.add(
            LEG,
            Frustum::new(r, r * 0.9, 0.015, (true, true)).at([0.0, 0.015, 0.0]),
        );
        return;
    }
    let arms = if rng.chance(0.8) { 5 } else { 4 };
    let reach = rng.uniform(0.25, 0.33);
    let arm_half = rng.uniform(0.015, 0.025);
    let hub = base_y + arm_half;
    s.add(
        LEG,
        Frustum::new(col_r * 1.6, col_r * 1.4, 0.03, (true, true)).at([0.0, hub, 0.0]),
    );
    let phase = rng.uniform(0.0, std::f32::consts::TAU);
    for k in 0..arms {
        let a = phase + std::f32::consts::TAU * k as f32 / arms as f32;
        let (sn, cs) = a.sin_cos();
        let tip = [reach * cs, base_y, reach * sn];
        s.add(
            LEG,
            RoundedBox::bar([0.0, hub + 0.01, 0.0], tip, arm_half, arm_half * 0.4),
        );
        if castors {
            let w = [tip[0], wheel_r, tip[2]];
            s.add(
                LEG,
                Torus::new(wheel_r * 0.6, wheel_r * 0.4, std::f32::consts::TAU).transformed(
                    Transform::rotate_x(std::f32::consts::FRAC_PI_2)
                        .then(&Transform::rotate_y(-a))
                        .then_translate(w),
                ),
            );
            s.add(
                LEG,
                Frustum::rod(w, [tip[0], base_y, tip[2]], wheel_r * 0.3),
            );
        }
    }
}

fn sled(s: &mut Shape, seat: &Seat, rng: &mut Rng) {
    let r = rng.uniform(0.01, 0.018);
    let hx = seat.depth / 2.0 - 0.03;
    let over = rng.uniform(0.0, 0.06);
    let bottom = seat.bottom();
    for sz in [-1.0f32, 1.0] {
        let z = sz * (seat.width / 2.0 - 0.02);
        let mut path = vec![[hx, bottom, z]];
        path.extend(bezier(
            [
                [hx, bottom, z],
                [hx + over, bottom * 0.5, z],
                [hx + over, r, z],
                [hx + over - 0.05, r, z],
            ],
            8,
        ));
        path.push([-hx - over + 0.05, r, z]);
        path.extend(bezier(
            [
                [-hx - over + 0.05, r, z],
                [-hx - over, r, z],
                [-hx - over, bottom * 0.5, z],
                [-hx, bottom, z],
            ],
            8,
        ));
        s.add(LEG, Tube::new(&path, r, TubeEnd::Flat));
    }
    if rng.chance(0.3) {
        // Runners joined on the floor by a plate or by cross bars.
        let w = seat.width / 2.0 - 0.02;
        if rng.chance(0.5) {
            s.add(
                LEG,
                RoundedBox::from_corners([-hx * 0.7, 0.0, -w], [hx * 0.7, r * 1.5, w], r * 0.5),
            );
        } else {
            for sx in [-0.6f32, 0.6] {
                s.add(LEG, Frustum::rod([sx * hx, r, -w], [sx * hx, r, w], r));
            }
        }
    }
    if rng.chance(0.5) {
        // Cross bar under the seat.
        let w = seat.width / 2.0 - 0.02;
        s.add(
            LEG,
            Frustum::rod([-hx, bottom - r, -w], [-hx, bottom - r, w], r),
        );
    }
}

fn cantilever(s: &mut Shape, seat: &Seat, rng: &mut Rng) {
    let r = rng.uniform(0.01, 0.016);
    let hx = seat.depth / 2.0;
    let bottom = seat.bottom() - r;
    let foot = -hx - rng.uniform(-0.05, 0.05);
    for sz in [-1.0f32, 1.0] {
        let z = sz * (seat.width / 2.0 - 0.03);
        let mut path = vec![[-hx * 0.6, bottom, z], [hx - 0.06, bottom, z]];
        path.extend(bezier(
            [
                [hx - 0.06, bottom, z],
                [hx + 0.04, bottom, z],
                [hx + 0.06, bottom * 0.6, z],
                [hx + 0.04, r + 0.05, z],
            ],
            8,
        ));
        path.extend(bezier(
            [
                [hx + 0.04, r + 0.05, z],
                [hx + 0.03, r, z],
                [hx - 0.02, r, z],
                [hx - 0.08, r, z],
            ],
            6,
        ));
        path.push([foot, r, z]);
        s.add(LEG, Tube::new(&path, r, TubeEnd::Flat));
    }
    s.add(
        LEG,
        Frustum::rod(
            [foot, r, -(seat.width / 2.0 - 0.03)],
            [foot, r, seat.width / 2.0 - 0.03],
            r,
        ),
    );
}

/// Chance that a sheet base is a C (cantilever, open at the back) rather than
/// a U (sled) bent up to both the front and the rear edge of the seat.
const SHEET_C: f32 = 0.6;

/// A bent sheet base (labelled leg): one plate about as wide as the seat,
/// flat on the floor and curving up to the seat. Real bent-plywood bases put
/// over half of a chair's points on the leg (chair ad7a6efb: 58%, most of
/// them on the floor plate, the front bend reaching past the seat front).
fn sheet(s: &mut Shape, seat: &Seat, rng: &mut Rng) {
    let t = rng.uniform(0.008, 0.025);
    let hz = seat.width / 2.0 * rng.uniform(0.85, 1.05);
    let hx = seat.depth / 2.0;
    let (lo, hi) = (t / 2.0, seat.bottom() - t / 2.0);
    let front = hx + rng.uniform(-0.02, 0.12);
    let rear = -hx - rng.uniform(-0.02, 0.1);
    let c_shape = rng.chance(SHEET_C);
    // Bend radius: a semicircle at most, else quarter bends joined by a
    // riser; a U keeps a stretch of floor between its two bends.
    let mut bend = (hi - lo) / 2.0 * rng.uniform(0.45, 1.0);
    if !c_shape {
        bend = bend.min(0.4 * (front - rear));
    }
    let mut path = Vec::new();
    // Where the top arm from the front bend must stop.
    let stop = if c_shape {
        // The floor plate ends at the rear, sometimes turned up a little.
        if rng.chance(0.5) {
            let r = rng.uniform(0.02, 0.05);
            path.extend(arc([rear + r, lo + r], r, PI, PI + FRAC_PI_2, 4));
        } else {
            path.push([rear, lo]);
        }
        rear + 0.05
    } else {
        let room = (front - bend) - (rear + bend);
        let lip = rng.uniform(0.0, 0.1).min(0.3 * room);
        path.push([rear + bend + lip, hi]);
        path.extend(arc([rear + bend, hi - bend], bend, FRAC_PI_2, PI, 6));
        path.extend(arc([rear + bend, lo + bend], bend, PI, PI + FRAC_PI_2, 6));
        rear + bend + lip + 0.05
    };
    path.extend(arc([front - bend, lo + bend], bend, -FRAC_PI_2, 0.0, 6));
    path.extend(arc([front - bend, hi - bend], bend, 0.0, FRAC_PI_2, 6));
    // The top arm runs back under the seat, part way or nearly to the rear.
    let arm = (front - bend) - rng.uniform(0.05, 1.5 * hx);
    path.push([arm.max(stop).min(front - bend), hi]);
    s.add(LEG, panel(&strip(&path, t), -hz, hz, 0.0, [0.0; 3]));
}

/// Points on a circular arc in the x-y plane, from angle `a0` to `a1`.
fn arc(c: [f32; 2], r: f32, a0: f32, a1: f32, n: usize) -> Vec<[f32; 2]> {
    (0..=n)
        .map(|i| {
            let a = a0 + (a1 - a0) * i as f32 / n as f32;
            [c[0] + r * a.cos(), c[1] + r * a.sin()]
        })
        .collect()
}

/// The outline of a strip of thickness `t` around a polyline (x-y plane):
/// one side forward, the other back. Near-duplicate points are dropped.
fn strip(path: &[[f32; 2]], t: f32) -> Vec<[f32; 2]> {
    let mut c: Vec<[f32; 2]> = Vec::with_capacity(path.len());
    for &p in path {
        if c.last()
            .is_none_or(|q: &[f32; 2]| (p[0] - q[0]).hypot(p[1] - q[1]) > 1e-4)
        {
            c.push(p);
        }
    }
    let n = c.len();
    let side = |sg: f32| -> Vec<[f32; 2]> {
        (0..n)
            .map(|i| {
                let (a, b) = (c[i.saturating_sub(1)], c[(i + 1).min(n - 1)]);
                let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                let len = dx.hypot(dy).max(1e-6);
                let k = sg * t / 2.0 / len;
                [c[i][0] - dy * k, c[i][1] + dx * k]
            })
            .collect()
    };
    let mut out = side(1.0);
    out.extend(side(-1.0).into_iter().rev());
    out
}

fn sofa_base(s: &mut Shape, seat: &Seat, rng: &mut Rng) {
    // A plinth box under the cushion (part of the seat in annotations when it
    // is upholstered) standing on stubby feet.
    let foot = rng.uniform(0.03, 0.12);
    let plinth_top = seat.bottom();
    if plinth_top - foot > 0.03 {
        s.add(
            SEAT,
            RoundedBox::from_corners(
                [-seat.depth / 2.0, foot, -seat.width / 2.0],
                [seat.depth / 2.0, plinth_top, seat.width / 2.0],
                0.01,
            ),
        );
    }
    let fr = rng.uniform(0.015, 0.03);
    let cone = rng.chance(0.5);
    for (sx, sz) in [(1.0f32, 1.0f32), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
        let x = sx * (seat.depth / 2.0 - 0.05);
        let z = sz * (seat.width / 2.0 + 0.05);
        let rb = if cone { fr * 0.6 } else { fr };
        s.add(
            LEG,
            Frustum::between([x, 0.0, z], [x, foot, z], rb, fr, (true, true)),
        );
    }
}

fn add_back(s: &mut Shape, seat: &Seat, height: f32, posts: bool, sofa: bool, rng: &mut Rng) {
    let tilt = if rng.chance(0.15) {
        rng.uniform(0.3, 0.5)
    } else {
        rng.uniform(-0.03, 0.3)
    };
    let thick = if sofa {
        rng.uniform(0.1, 0.2)
    } else {
        rng.uniform(0.015, 0.06)
    };
    let width = if seat.round {
        0.7 * seat.depth.min(seat.width)
    } else {
        seat.width * rng.uniform(0.8, 1.0)
    };
    let x0 = if seat.round {
        -0.5 * seat.depth.min(seat.width) + thick / 2.0
    } else {
        -seat.depth / 2.0 + thick / 2.0
    };
    let gap = if sofa || rng.chance(0.6) {
        0.0
    } else {
        rng.uniform(0.03, 0.12)
    };
    let pivot = [x0, seat.top, 0.0];
    let xf = Transform::rotate_z(tilt).then_translate(pivot);
    // Local back frame: y up the back from the seat top, z across, x through.
    let style = if sofa {
        if rng.chance(0.2) {
            6
        } else {
            0
        }
    } else {
        rng.below(8)
    };
    let hw = width / 2.0;
    let post_half = rng.uniform(0.012, 0.025);
    let with_posts = posts || style == 2 || style == 3 || style == 5;
    if with_posts {
        // Posts from below the seat (when legs continue) to the top.
        let y0 = if posts { 0.0 } else { -seat.thick * 0.5 };
        for sz in [-1.0f32, 1.0] {
            let z = sz * (hw - post_half);
            let a = [0.0, y0, z];
            let b = [0.0, height, z];
            s.add(
                BACK,
                RoundedBox::bar(a, b, post_half, post_half * 0.3).transformed(xf),
            );
        }
    }
    match style {
        0 => {
            let r = thick * rng.uniform(0.1, 0.5);
            s.add(
                BACK,
                RoundedBox::new([thick / 2.0, (height - gap) / 2.0, hw], r)
                    .at([0.0, gap + (height - gap) / 2.0, 0.0])
                    .transformed(xf),
            );
        }
        1 => {
            // Oval shell on a short stem or directly above the seat.
            let h = height - gap;
            s.add(
                BACK,
                SphereZone::ellipsoid([thick / 2.0, h / 2.0, hw], [0.0, gap + h / 2.0, 0.0])
                    .transformed(xf),
            );
            if gap > 0.0 {
                s.add(
                    BACK,
                    RoundedBox::new([thick / 2.0, gap / 2.0 + 0.02, 0.03], 0.005)
                        .at([0.0, gap / 2.0 - 0.01, 0.0])
                        .transformed(xf),
                );
            }
        }
        2 => {
            // Vertical slats under a top rail.
            let rail = rng.uniform(0.04, 0.1);
            let slats = 2 + rng.below(4);
            s.add(
                BACK,
                RoundedBox::new([thick / 2.0, rail / 2.0, hw], 0.005)
                    .at([0.0, height - rail / 2.0, 0.0])
                    .transformed(xf),
            );
            let inner = hw - 2.0 * post_half;
            let slat_w = (inner / slats as f32) * 0.35;
            for k in 0..slats {
                let z = -inner + (2 * k + 1) as f32 * inner / slats as f32;
                s.add(
                    BACK,
                    RoundedBox::new([thick / 3.0, (height - rail - gap) / 2.0, slat_w], 0.003)
                        .at([0.0, gap + (height - rail - gap) / 2.0, z])
                        .transformed(xf),
                );
            }
        }
        3 => {
            // Ladder: horizontal rails between the posts.
            let rails = 2 + rng.below(3);
            let rail_h = rng.uniform(0.03, 0.07);
            for k in 0..rails {
                let y = height - rail_h / 2.0 - k as f32 * (height - gap) / rails as f32 * 0.9;
                s.add(
                    BACK,
                    RoundedBox::new([thick / 3.0, rail_h / 2.0, hw - post_half], 0.004)
                        .at([0.0, y, 0.0])
                        .transformed(xf),
                );
            }
        }
        5 => {
            // Spindles: round rods under a (curved) top rail.
            let rail = rng.uniform(0.04, 0.09);
            let n = 3 + rng.below(6);
            let bow = rng.uniform(0.0, 0.06);
            let r = rng.uniform(0.006, 0.012);
            let inner = hw - 2.0 * post_half;
            let rail_path: Vec<V3> = (0..=8)
                .map(|i| {
                    let z = -(hw - post_half) + 2.0 * (hw - post_half) * i as f32 / 8.0;
                    let u = z / hw;
                    xf.apply_point([bow * u * u, height - rail / 2.0, z])
                })
                .collect();
            s.add(BACK, Tube::new(&rail_path, rail / 2.0, TubeEnd::Flat));
            for k in 0..n {
                let z = -inner + (2 * k + 1) as f32 * inner / n as f32;
                let u = z / hw;
                let a = xf.apply_point([0.0, gap.max(0.0), z]);
                let b = xf.apply_point([bow * u * u, height - rail * 0.8, z]);
                s.add(BACK, Frustum::between(a, b, r, r, (true, true)));
            }
            if gap > 0.0 {
                s.add(
                    BACK,
                    RoundedBox::new([thick / 2.0, 0.02, hw - post_half], 0.004)
                        .at([0.0, gap, 0.0])
                        .transformed(xf),
                );
            }
        }
        6 => {
            // Wing back: an upholstered panel with side wings reaching forward.
            let r = thick * rng.uniform(0.1, 0.4);
            s.add(
                BACK,
                RoundedBox::new([thick / 2.0, height / 2.0, hw], r)
                    .at([0.0, height / 2.0, 0.0])
                    .transformed(xf),
            );
            let wd = rng.uniform(0.12, 0.25);
            let wy0 = height * rng.uniform(0.3, 0.55);
            for sz in [-1.0f32, 1.0] {
                s.add(
                    BACK,
                    RoundedBox::from_corners(
                        [0.0, wy0, sz * hw],
                        [wd, height * 0.95, sz * (hw - thick * 0.6)],
                        0.01,
                    )
                    .transformed(xf),
                );
            }
        }
        7 => {
            // Curved one-piece upholstered back, wrapping forward at the sides.
            let wrap = rng.uniform(0.3, 1.0);
            let rr = hw / wrap.sin();
            let h0 = gap;
            let ring = |y: f32| -> Vec<V3> {
                let n = 12;
                let mut out = Vec::with_capacity(2 * n + 2);
                for i in 0..=n {
                    let t = -wrap + 2.0 * wrap * i as f32 / n as f32;
                    let rad = rr + thick / 2.0;
                    out.push([rr - rad * t.cos(), y, rad * t.sin()]);
                }
                for i in (0..=n).rev() {
                    let t = -wrap + 2.0 * wrap * i as f32 / n as f32;
                    let rad = rr - thick / 2.0;
                    out.push([rr - rad * t.cos(), y, rad * t.sin()]);
                }
                out
            };
            s.add(
                BACK,
                TriMesh::loft(&[ring(h0), ring(height)], true, true).transformed(xf),
            );
            if gap > 0.0 {
                s.add(
                    BACK,
                    RoundedBox::new([thick / 2.0, gap / 2.0 + 0.02, 0.03], 0.005)
                        .at([0.0, gap / 2.0 - 0.01, 0.0])
                        .transformed(xf),
                );
            }
        }
        _ => {
            // Tube frame with an inset panel.
            let r = rng.uniform(0.01, 0.016);
            let y0 = -seat.thick / 2.0;
            let path = [
                [0.0, y0, -hw + r],
                [0.0, height - 0.05, -hw + r],
                [0.0, height - r, -hw + 0.05],
                [0.0, height - r, hw - 0.05],
                [0.0, height - 0.05, hw - r],
                [0.0, y0, hw - r],
            ];
            let local: Vec<V3> = path.iter().map(|&p| xf.apply_point(p)).collect();
            s.add(BACK, Tube::new(&local, r, TubeEnd::Flat));
            let ph = (height - gap.max(0.05)) * 0.8;
            s.add(
                BACK,
                RoundedBox::new([0.006, ph / 2.0, hw - 2.5 * r], 0.003)
                    .at([0.0, height - 0.04 - ph / 2.0, 0.0])
                    .transformed(xf),
            );
        }
    }
}

fn add_arms(s: &mut Shape, seat: &Seat, sofa: bool, rng: &mut Rng) {
    let hz = if seat.round {
        0.5 * seat.depth.min(seat.width)
    } else {
        seat.width / 2.0
    };
    let hx = if seat.round { hz } else { seat.depth / 2.0 };
    if sofa {
        let aw = rng.uniform(0.08, 0.2);
        let ah = rng.uniform(0.15, 0.3);
        let y0 = rng.uniform(0.05, 0.15);
        let r = aw * rng.uniform(0.1, 0.45);
        for sz in [-1.0f32, 1.0] {
            s.add(
                ARM,
                RoundedBox::from_corners(
                    [-hx, y0, sz * hz],
                    [hx * rng.uniform(0.85, 1.05), seat.top + ah, sz * (hz + aw)],
                    r,
                ),
            );
        }
        return;
    }
    let arm_y = seat.top + rng.uniform(0.16, 0.26);
    let style = rng.below(4);
    let pad_w = rng.uniform(0.02, 0.05);
    if style == 3 {
        // Boxy upholstered arms: solid side blocks from the floor or the
        // seat frame up to the arm rest.
        let aw = rng.uniform(0.04, 0.12);
        let y0 = if rng.chance(0.5) { 0.0 } else { seat.bottom() };
        let r = aw * rng.uniform(0.05, 0.4);
        let front = hx * rng.uniform(0.8, 1.05);
        for sz in [-1.0f32, 1.0] {
            s.add(
                ARM,
                RoundedBox::from_corners([-hx, y0, sz * hz], [front, arm_y, sz * (hz + aw)], r),
            );
        }
        return;
    }
    let front = hx * rng.uniform(0.6, 1.0);
    for sz in [-1.0f32, 1.0] {
        let z = sz * (hz + if style == 1 { 0.0 } else { pad_w * 0.6 });
        match style {
            0 => {
                // Pad on a front post and a rear post.
                s.add(
                    ARM,
                    RoundedBox::new([(front + hx) / 2.0, 0.015, pad_w], 0.008).at([
                        (front - hx) / 2.0,
                        arm_y,
                        z,
                    ]),
                );
                s.add(
                    ARM,
                    RoundedBox::bar(
                        [front * 0.85, seat.bottom(), z],
                        [front * 0.85, arm_y - 0.015, z],
                        0.015,
                        0.004,
                    ),
                );
                if rng.chance(0.5) {
                    s.add(
                        ARM,
                        RoundedBox::bar(
                            [-hx * 0.7, seat.bottom(), z],
                            [-hx * 0.7, arm_y - 0.015, z],
                            0.012,
                            0.004,
                        ),
                    );
                }
            }
            1 => {
                // Tube loop from the seat side at the back, up, forward and down.
                let r = rng.uniform(0.01, 0.016);
                let mut path = vec![[-hx * 0.8, seat.top, z]];
                path.extend(bezier(
                    [
                        [-hx * 0.8, arm_y - 0.05, z],
                        [-hx * 0.8, arm_y, z],
                        [-hx * 0.7, arm_y, z],
                        [-hx * 0.6, arm_y, z],
                    ],
                    5,
                ));
                path.extend(bezier(
                    [
                        [front * 0.8, arm_y, z],
                        [front, arm_y, z],
                        [front, arm_y - 0.03, z],
                        [front, arm_y - 0.08, z],
                    ],
                    5,
                ));
                path.push([front, seat.top - 0.01, z]);
                s.add(ARM, Tube::new(&path, r, TubeEnd::Flat));
            }
            _ => {
                // Office-style L: a support rising from under the seat.
                let px = rng.uniform(-0.1, 0.05);
                let zin = sz * (hz - 0.05);
                let post = [
                    [px, seat.bottom() - 0.01, zin],
                    [px, seat.bottom() - 0.01, z],
                    [px, arm_y - 0.02, z],
                ];
                s.add(ARM, Tube::new(&post, 0.015, TubeEnd::Flat));
                s.add(
                    ARM,
                    RoundedBox::new([0.12, 0.015, pad_w], 0.01).at(add([px, arm_y, z], [0.0; 3])),
                );
            }
        }
    }
}

fn panel_sides(s: &mut Shape, seat: &Seat, rng: &mut Rng) {
    // Solid side panels (slab legs), sometimes with an arch cut out.
    let t = rng.uniform(0.012, 0.04);
    let hz = 0.5
        * if seat.round {
            seat.depth.min(seat.width) * 0.8
        } else {
            seat.width
        };
    let hx = seat.depth / 2.0 * rng.uniform(0.8, 1.0);
    let bottom = seat.bottom();
    let arch = rng.chance(0.4);
    for sz in [-1.0f32, 1.0] {
        let z = sz * (hz - t);
        if arch {
            let ah = bottom * rng.uniform(0.3, 0.7);
            let foot = hx * rng.uniform(0.15, 0.35);
            s.add(
                LEG,
                RoundedBox::from_corners([-hx, ah, z - t], [hx, bottom, z + t], 0.004),
            );
            for sx in [-1.0f32, 1.0] {
                s.add(
                    LEG,
                    RoundedBox::from_corners(
                        [sx * hx - foot * sx.max(0.0), 0.0, z - t],
                        [sx * hx + foot * (-sx).max(0.0), ah, z + t],
                        0.004,
                    ),
                );
            }
        } else {
            s.add(
                LEG,
                RoundedBox::from_corners([-hx, 0.0, z - t], [hx, bottom, z + t], 0.004),
            );
        }
    }
    if rng.chance(0.4) {
        s.add(
            LEG,
            Frustum::rod(
                [0.0, bottom * 0.3, -hz + t],
                [0.0, bottom * 0.3, hz - t],
                t * 0.8,
            ),
        );
    }
}

fn folding(s: &mut Shape, seat: &Seat, rng: &mut Rng) {
    // Two crossing legs on each side (seen from the side an X).
    let r = rng.uniform(0.008, 0.015);
    let hx = seat.depth / 2.0;
    let z = seat.width / 2.0 - 0.01;
    let bottom = seat.bottom();
    let spread = hx * rng.uniform(0.9, 1.2);
    for sz in [-1.0f32, 1.0] {
        s.add(
            LEG,
            Frustum::rod([spread, 0.0, sz * z], [-hx * 0.8, bottom, sz * z], r),
        );
        s.add(
            LEG,
            Frustum::rod([-spread, 0.0, sz * z], [hx * 0.8, bottom, sz * z], r),
        );
    }
    for sx in [-1.0f32, 1.0] {
        s.add(
            LEG,
            Frustum::rod(
                [sx * spread * 0.95, r * 4.0, -z],
                [sx * spread * 0.95, r * 4.0, z],
                r * 0.8,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chair_has_a_seat_and_legs() {
        for seed in 0..64 {
            let s = build(&mut Rng::new(seed));
            let a = s.part_areas(4);
            assert!(a[SEAT] > 0.0 && a[LEG] > 0.0, "seed {seed}: {a:?}");
        }
    }

    #[test]
    fn some_chairs_stand_on_a_bent_sheet_as_wide_as_the_seat() {
        // One leg surface lying on the floor and rising to the seat in front
        // of (or behind) it across the middle of the width, as bent-plywood
        // and sheet-metal cantilever and sled bases do (real chair ad7a6efb:
        // 58% of its points are such a leg).
        let mut sheets = 0;
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let s = build(&mut rng);
            let pts: Vec<_> = (0..4000)
                .filter_map(|_| s.surface_point(&mut rng))
                .collect();
            let seat = pts.iter().filter(|q| q.0 == SEAT);
            let bottom = seat.clone().map(|q| q.1[1]).fold(f32::MAX, f32::min);
            let hx = seat.clone().map(|q| q.1[0].abs()).fold(0.0, f32::max);
            let hz = seat.map(|q| q.1[2].abs()).fold(0.0, f32::max);
            let legs: Vec<_> = pts.iter().filter(|q| q.0 == LEG).collect();
            let floor = legs
                .iter()
                .filter(|q| q.1[1] < 0.03 && q.2[1].abs() > 0.9)
                .count();
            let riser = legs
                .iter()
                .filter(|q| {
                    let (p, n) = (q.1, q.2);
                    (0.3 * bottom..0.7 * bottom).contains(&p[1])
                        && p[2].abs() < 0.3 * hz
                        && p[0].abs() > 0.5 * hx
                        && n[0].abs() > 0.9
                })
                .count();
            sheets += usize::from(floor * 10 > legs.len() * 3 && riser > 10);
        }
        assert!((4..=20).contains(&sheets), "{sheets} of 200 chairs");
    }
}

//! Lamp generator: base at the bottom, shade on top, y up; hanging lamps have
//! a ceiling canopy at the very top (or just the cord running up) instead of
//! a base.
//!
//! Variants: table lamps (disk/box/turned/vase base, straight or bulging
//! stem, big shade), floor lamps (heavy disk, flat star feet or tall tripod,
//! long pole, straight, arched, or a tree of several arms with small
//! shades), desk lamps (a small flat base, jointed arms of one or two
//! parallel bars, a cone or dome head), hanging lamps (canopy or none, cord
//! or chain, one big shade, a cluster of pendants, chandeliers with arms).
//!
//! Real ShapeNet lamps are dominated by the shade: open shades are modelled
//! as thin double-sided sheets (outer and inner face both sampled), so they
//! get both faces here too, and bases are small next to them (the reference
//! lamps: shade 45-90 % of the points, base 0-22 %, tube 10-33 %).

use super::math::{add, mul, normalize, sub, Transform, V3};
use super::primitives::{
    bezier, Frustum, InnerFace, RoundedBox, SphereZone, Surface, SurfaceExt, Torus, Tube, TubeEnd,
};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, TAU};

const BASE: usize = 0;
const SHADE: usize = 1;
const CANOPY: usize = 2;
const TUBE: usize = 3;

/// Add an open sheet as a double-sided part (outer face, and the inner face
/// a little inside it) or, when `double` is false, the outer face only.
fn sheet<S: Surface + 'static>(
    s: &mut Shape,
    part: usize,
    outer: S,
    inner: S,
    xf: Transform,
    double: bool,
) {
    s.add(part, outer.transformed(xf));
    if double {
        s.add(part, InnerFace(inner.transformed(xf)));
    }
}

/// Where a shade is held: by its narrow top end, or by the centre of its
/// opening (table lamps whose shade sits on the stem).
#[derive(Clone, Copy, PartialEq)]
enum Mount {
    Top,
    Opening,
}

/// A shade with its axis along `axis` (unit, pointing from the wide opening
/// to the narrow top), held at `at` as `mount` says.
fn shade(s: &mut Shape, at: V3, axis: V3, size: f32, rng: &mut Rng) {
    shade_mounted(s, at, Mount::Top, axis, size, rng)
}

fn shade_mounted(s: &mut Shape, at: V3, mount: Mount, axis: V3, size: f32, rng: &mut Rng) {
    let style = rng.below(100);
    // The narrow top end for a shade of axial extent `e`.
    let top_of = |e: f32| match mount {
        Mount::Top => at,
        Mount::Opening => add(at, mul(axis, e)),
    };
    // Placement of a primitive centred `c` below the top, extent `e`.
    let xf =
        |c: f32, e: f32| Transform::align_y(axis).then_translate(add(top_of(e), mul(axis, -c)));
    // Wall thickness of the sheet and whether both faces are modelled.
    let t = size * rng.uniform(0.01, 0.03);
    let double = rng.chance(0.3);
    let extent = match style {
        0..=29 => {
            // Open frustum (the classic empire/cone shade), wide at the
            // bottom, sometimes closed at the top.
            let h = size * rng.uniform(0.6, 1.1);
            let r_bot = size * rng.uniform(0.5, 0.85);
            let r_top = r_bot * rng.uniform(0.3, 0.9);
            let closed = rng.chance(0.3);
            sheet(
                s,
                SHADE,
                Frustum::new(r_bot, r_top, h / 2.0, (false, closed)),
                Frustum::new(r_bot - t, r_top - t, h / 2.0 - t, (false, closed)),
                xf(h / 2.0, h),
                double,
            );
            h
        }
        30..=44 => {
            // Open cylinder drum.
            let h = size * rng.uniform(0.45, 0.9);
            let r = size * rng.uniform(0.45, 0.75);
            sheet(
                s,
                SHADE,
                Frustum::cylinder(r, h / 2.0, false),
                Frustum::cylinder(r - t, h / 2.0, false),
                xf(h / 2.0, h),
                double,
            );
            h
        }
        45..=62 => {
            // Dome or bowl, open at the bottom.
            let r = size * rng.uniform(0.45, 0.8);
            let cut = rng.uniform(-0.3, 0.3) * r;
            sheet(
                s,
                SHADE,
                SphereZone::new(r, cut, r),
                SphereZone::new(r - t, cut, r - t),
                xf(r, r - cut),
                double,
            );
            r - cut
        }
        63..=74 => {
            // Wide flat dish or shallow cone (pendants, floor uplighters).
            let r_out = size * rng.uniform(0.7, 1.1);
            let h = r_out * rng.uniform(0.05, 0.35);
            let r_in = r_out * rng.uniform(0.05, 0.25);
            sheet(
                s,
                SHADE,
                Frustum::new(r_out, r_in, h / 2.0, (false, true)),
                Frustum::new(r_out - t, r_in, h / 2.0 - t * 0.5, (false, true)),
                xf(h / 2.0, h),
                double,
            );
            h
        }
        75..=86 => {
            // Closed globe or ellipsoid.
            let r = size * rng.uniform(0.3, 0.55);
            let squash = rng.uniform(0.7, 1.3);
            s.add(
                SHADE,
                SphereZone::sphere(1.0).transformed(
                    Transform::scale([r, r * squash, r]).then(&xf(r * squash, 2.0 * r * squash)),
                ),
            );
            2.0 * r * squash
        }
        87..=93 => {
            // Bell / tulip: flared at the opening, rounded at the top.
            let h = size * rng.uniform(0.5, 0.9);
            let r_bot = size * rng.uniform(0.4, 0.7);
            let r_mid = r_bot * rng.uniform(0.5, 0.8);
            let r_cap = r_mid * 0.9;
            sheet(
                s,
                SHADE,
                Frustum::new(r_bot, r_mid, h * 0.3, (false, false)),
                Frustum::new(r_bot - t, r_mid - t, h * 0.3, (false, false)),
                xf(h * 0.7, h),
                double,
            );
            sheet(
                s,
                SHADE,
                Frustum::new(r_mid, r_cap * 0.5, h * 0.2, (false, true)),
                Frustum::new(r_mid - t, r_cap * 0.5 - t, h * 0.2, (false, true)),
                xf(h * 0.2, h),
                double,
            );
            h
        }
        _ => {
            // A bare bulb in its socket (labelled lampshade, like a shade).
            let r = size * rng.uniform(0.2, 0.35);
            let neck = r * rng.uniform(0.8, 1.5);
            s.add(
                SHADE,
                Frustum::new(r * 0.55, r * 0.45, neck / 2.0, (false, true))
                    .transformed(xf(neck / 2.0, neck + 1.8 * r)),
            );
            s.add(
                SHADE,
                SphereZone::sphere(r).transformed(xf(neck + r * 0.8, neck + 1.8 * r)),
            );
            return;
        }
    };
    if rng.chance(0.3) {
        // Bulb and socket inside the shade (bulb housing is lampshade).
        let r = size * rng.uniform(0.08, 0.15);
        s.add(
            SHADE,
            SphereZone::sphere(r).at(add(top_of(extent), mul(axis, -extent * 0.5))),
        );
    }
}

/// A foot standing on the floor or table; returns its height. `scale` is
/// the lamp's overall size.
fn base(s: &mut Shape, rng: &mut Rng, scale: f32) -> f32 {
    match rng.below(100) {
        0..=39 => {
            // Flat disk, sometimes stepped.
            let r = scale * rng.uniform(0.08, 0.16);
            let h = scale * rng.uniform(0.012, 0.04);
            s.add(
                BASE,
                Frustum::new(r, r * rng.uniform(0.7, 1.0), h / 2.0, (true, true)).at([
                    0.0,
                    h / 2.0,
                    0.0,
                ]),
            );
            if rng.chance(0.3) {
                let r2 = r * rng.uniform(0.3, 0.6);
                let h2 = h * rng.uniform(0.8, 2.0);
                s.add(
                    BASE,
                    Frustum::new(r2, r2 * 0.7, h2 / 2.0, (false, true)).at([
                        0.0,
                        h + h2 / 2.0,
                        0.0,
                    ]),
                );
                return h + h2;
            }
            h
        }
        40..=54 => {
            // Vase / turned body (ceramic table lamps).
            let r = scale * rng.uniform(0.05, 0.1);
            let h = scale * rng.uniform(0.1, 0.25);
            s.add(
                BASE,
                SphereZone::ellipsoid([r, h / 2.0, r], [0.0, h / 2.0, 0.0]),
            );
            h * 0.97
        }
        55..=74 => {
            // Square or rectangular plinth.
            let w = scale * rng.uniform(0.05, 0.12);
            let h = scale * rng.uniform(0.015, 0.06);
            s.add(
                BASE,
                RoundedBox::new([w, h / 2.0, w * rng.uniform(0.6, 1.0)], 0.1 * h).at([
                    0.0,
                    h / 2.0,
                    0.0,
                ]),
            );
            h
        }
        75..=87 => {
            // Cone or bell-shaped foot.
            let r = scale * rng.uniform(0.06, 0.12);
            let h = scale * rng.uniform(0.04, 0.12);
            s.add(
                BASE,
                Frustum::new(r, r * rng.uniform(0.2, 0.5), h / 2.0, (true, true)).at([
                    0.0,
                    h / 2.0,
                    0.0,
                ]),
            );
            h
        }
        _ => {
            // Flat star of three or four feet around a small hub.
            let n = 3 + rng.below(2);
            let reach = scale * rng.uniform(0.1, 0.18);
            let half = scale * rng.uniform(0.006, 0.012);
            let hub_h = scale * rng.uniform(0.02, 0.05);
            let rot = rng.uniform(0.0, TAU);
            for k in 0..n {
                let a = rot + TAU * k as f32 / n as f32;
                s.add(
                    BASE,
                    RoundedBox::bar(
                        [0.0, half, 0.0],
                        [reach * a.cos(), half, reach * a.sin()],
                        half,
                        half * 0.3,
                    ),
                );
            }
            s.add(
                BASE,
                Frustum::new(half * 3.0, half * 2.5, hub_h / 2.0, (true, true)).at([
                    0.0,
                    hub_h / 2.0,
                    0.0,
                ]),
            );
            hub_h
        }
    }
}

/// A straight stem or pole from `a` to `b`: a plain rod, a tapered or
/// turned column, or a rod with a bulge (labelled tube).
fn stem(s: &mut Shape, a: V3, b: V3, r: f32, rng: &mut Rng) {
    match rng.below(10) {
        0..=5 => s.add(TUBE, Frustum::rod(a, b, r)),
        6..=7 => s.add(
            TUBE,
            Frustum::between(a, b, r * rng.uniform(1.2, 2.5), r, (true, true)),
        ),
        _ => {
            s.add(TUBE, Frustum::rod(a, b, r));
            let at = super::math::lerp(a, b, rng.uniform(0.2, 0.7));
            let rb = r * rng.uniform(2.0, 4.0);
            s.add(
                TUBE,
                SphereZone::ellipsoid([rb, rb * rng.uniform(0.8, 2.0), rb], at),
            );
        }
    }
}

fn table_lamp(s: &mut Shape, rng: &mut Rng) {
    let h0 = base(s, rng, 1.0);
    // Some table lamps set the shade straight on the base.
    let stem_h = if rng.chance(0.1) {
        0.0
    } else {
        rng.uniform(0.2, 0.45)
    };
    let r = rng.uniform(0.008, 0.025);
    shade_on_stem(s, h0, stem_h, r, (0.22, 0.38), 0.25, rng);
}

/// A vertical stem from just below `h0` to `h0 + stem_h` (none when
/// `stem_h` is 0) with a shade of size drawn from `size` sitting on its top
/// (on a harp), the opening up to `below` shade sizes under the stem top.
fn shade_on_stem(
    s: &mut Shape,
    h0: f32,
    stem_h: f32,
    r: f32,
    size: (f32, f32),
    below: f32,
    rng: &mut Rng,
) {
    let top = h0 + stem_h;
    if stem_h > 0.0 {
        stem(s, [0.0, h0 * 0.9, 0.0], [0.0, top, 0.0], r, rng);
    }
    let size = rng.uniform(size.0, size.1);
    let below = size * rng.uniform(0.0, below);
    shade_mounted(
        s,
        [0.0, top - below, 0.0],
        Mount::Opening,
        [0.0, 1.0, 0.0],
        size,
        rng,
    );
}

fn floor_lamp(s: &mut Shape, rng: &mut Rng) {
    // A tall tripod or a foot on the floor.
    let h0 = if rng.chance(0.2) {
        let spread = rng.uniform(0.2, 0.35);
        let hub = rng.uniform(0.5, 0.9);
        let r = rng.uniform(0.008, 0.015);
        let rot = rng.uniform(0.0, TAU);
        for k in 0..3 {
            let a = rot + TAU * k as f32 / 3.0;
            s.add(
                BASE,
                Frustum::rod(
                    [spread * a.cos(), 0.0, spread * a.sin()],
                    [0.0, hub, 0.0],
                    r,
                ),
            );
        }
        hub
    } else {
        base(s, rng, 1.8)
    };
    let pole = rng.uniform(1.2, 1.7);
    let r = rng.uniform(0.012, 0.03);
    match rng.below(10) {
        0..=4 => shade_on_stem(s, h0, pole, r, (0.3, 0.5), 0.3, rng),
        5..=7 => {
            // Arc lamp: the pole bends over and the shade hangs down.
            let reach = rng.uniform(0.6, 1.1);
            let path = bezier(
                [
                    [0.0, h0 * 0.9, 0.0],
                    [0.0, h0 + pole * 1.1, 0.0],
                    [reach * 0.6, h0 + pole * 1.15, 0.0],
                    [reach, h0 + pole * 0.85, 0.0],
                ],
                16,
            );
            let end = *path.last().unwrap();
            s.add(TUBE, Tube::new(&path, r, TubeEnd::Round));
            let size = rng.uniform(0.35, 0.5);
            shade(s, add(end, [0.0, 0.02, 0.0]), [0.0, 1.0, 0.0], size, rng);
        }
        _ => {
            // Tree lamp: arms branching off the top of the pole, each with a
            // small shade turned up, down or sideways.
            let top = h0 + pole;
            s.add(TUBE, Frustum::rod([0.0, h0 * 0.9, 0.0], [0.0, top, 0.0], r));
            let arms = 2 + rng.below(4);
            let rot = rng.uniform(0.0, TAU);
            let size = rng.uniform(0.18, 0.3);
            for k in 0..arms {
                let a = rot + TAU * k as f32 / arms as f32 + rng.uniform(-0.3, 0.3);
                let y0 = top - rng.uniform(0.0, 0.4);
                let len = rng.uniform(0.2, 0.45);
                let rise = rng.uniform(-0.1, 0.3);
                let end = [len * a.cos(), y0 + rise, len * a.sin()];
                s.add(TUBE, Frustum::rod([0.0, y0, 0.0], end, r * 0.6));
                let dir = normalize([
                    a.cos() * rng.uniform(-0.5, 0.8),
                    rng.uniform(-1.0, 1.0),
                    a.sin() * rng.uniform(-0.5, 0.8),
                ]);
                let dir = if dir[1].abs() < 0.2 {
                    normalize(add(dir, [0.0, 0.5, 0.0]))
                } else {
                    dir
                };
                shade(s, add(end, mul(dir, size * 0.2)), dir, size, rng);
            }
        }
    }
}

fn desk_lamp(s: &mut Shape, rng: &mut Rng) {
    let h0 = base(s, rng, 0.8);
    let r = rng.uniform(0.008, 0.02);
    let segs = 1 + rng.below(3);
    let twin = rng.chance(0.35); // two parallel bars per arm segment
    let mut p = [0.0, h0 * 0.9, 0.0];
    let mut path = vec![p];
    let mut ang = rng.uniform(-0.6, 0.3); // from vertical, toward +x
    for _ in 0..segs {
        let l = rng.uniform(0.2, 0.4);
        p = add(p, [l * ang.sin(), l * ang.cos(), 0.0]);
        path.push(p);
        ang = (ang + rng.uniform(0.5, 1.4)).min(1.55);
    }
    if twin {
        let dz = r * rng.uniform(2.5, 5.0);
        for sz in [-1.0f32, 1.0] {
            let off: Vec<V3> = path.iter().map(|q| add(*q, [0.0, 0.0, sz * dz])).collect();
            s.add(TUBE, Tube::new(&off, r * 0.8, TubeEnd::Round));
        }
    } else {
        s.add(TUBE, Tube::new(&path, r, TubeEnd::Round));
    }
    for &j in &path[1..path.len() - 1] {
        s.add(
            TUBE,
            Frustum::cylinder(r * 2.2, r * if twin { 4.0 } else { 1.2 }, true)
                .transformed(Transform::rotate_x(FRAC_PI_2).then_translate(j)),
        );
    }
    // Head pointing down and forward.
    let dir = normalize([rng.uniform(0.0, 1.0), 1.0, 0.0]);
    // The head is smaller than the arm holding it up.
    let size = rng.uniform(0.16, 0.3).min(0.6 * (p[1] - h0).max(0.15));
    if rng.chance(0.45) {
        // Cone head, closed at the back, double-sided.
        let h = size * rng.uniform(0.8, 1.4);
        let (rb, rt) = (size * rng.uniform(0.45, 0.7), size * 0.15);
        let t = size * 0.02;
        sheet(
            s,
            SHADE,
            Frustum::new(rb, rt, h / 2.0, (false, true)),
            Frustum::new(rb - t, rt - t, h / 2.0 - t, (false, true)),
            Transform::align_y(dir).then_translate(sub(p, mul(dir, h / 2.0))),
            rng.chance(0.5),
        );
    } else {
        shade(s, p, dir, size, rng);
    }
}

fn hanging_lamp(s: &mut Shape, rng: &mut Rng) {
    let ceiling = rng.uniform(1.0, 1.8);
    // Many hanging lamps are modelled without a ceiling plate: the cord just
    // ends at the top.
    let canopy = rng.chance(0.6);
    let cr = rng.uniform(0.04, 0.09);
    let ch = if canopy {
        let ch = rng.uniform(0.01, 0.04);
        s.add(
            CANOPY,
            Frustum::new(cr * rng.uniform(0.5, 1.0), cr, ch / 2.0, (true, true)).at([
                0.0,
                ceiling - ch / 2.0,
                0.0,
            ]),
        );
        ch
    } else {
        0.0
    };
    // Real hanging lamps are much taller than wide: the cord is long next
    // to the shade.
    let size = rng.uniform(0.25, 0.5);
    let drop = size * rng.uniform(2.6, 4.5);
    let bottom = ceiling - ch - drop;
    let variant = rng.below(100);
    if variant < 15 {
        // Pendant cluster: several cords of different lengths.
        let n = 3 + rng.below(4);
        let spread = cr * rng.uniform(0.5, 1.5);
        let small = size * rng.uniform(0.35, 0.6);
        for k in 0..n {
            let a = TAU * k as f32 / n as f32;
            let (x, z) = (spread * a.cos(), spread * a.sin());
            let yb = ceiling - ch - drop * rng.uniform(0.4, 1.0);
            s.add(TUBE, Frustum::rod([x, yb, z], [x, ceiling - ch, z], 0.006));
            shade(s, [x, yb, z], [0.0, 1.0, 0.0], small, rng);
        }
        return;
    }
    // The cord or chain down to the shade.
    if rng.chance(0.25) {
        // Chain of links.
        let link = 0.04;
        let n = (drop / link) as usize;
        for k in 0..n {
            let y = ceiling - ch - link * (k as f32 + 0.5);
            let turn = if k % 2 == 0 { 0.0 } else { FRAC_PI_2 };
            s.add(
                TUBE,
                Torus::new(link * 0.35, link * 0.08, TAU).transformed(
                    Transform::rotate_x(FRAC_PI_2)
                        .then(&Transform::scale([1.0, 1.4, 1.0]))
                        .then(&Transform::rotate_y(turn))
                        .then_translate([0.0, y, 0.0]),
                ),
            );
        }
    } else {
        let r = rng.uniform(0.004, 0.014);
        s.add(
            TUBE,
            Frustum::rod([0.0, bottom, 0.0], [0.0, ceiling - ch, 0.0], r),
        );
    }
    if variant < 27 {
        // Candle chandelier: a body, arms curving up to small upright
        // shades or bulbs.
        let arms = 4 + rng.below(5);
        let reach = size * rng.uniform(0.6, 1.1);
        let body_r = size * rng.uniform(0.08, 0.2);
        s.add(
            TUBE,
            SphereZone::ellipsoid([body_r, body_r * 1.3, body_r], [0.0, bottom, 0.0]),
        );
        let tiers = if rng.chance(0.3) { 2 } else { 1 };
        for t in 0..tiers {
            let rr = reach * (1.0 - 0.4 * t as f32);
            let yb = bottom + 0.12 * t as f32;
            for k in 0..arms {
                let a = TAU * (k as f32 + 0.5 * t as f32) / arms as f32;
                let (c, sn) = (a.cos(), a.sin());
                let path = bezier(
                    [
                        [0.0, yb, 0.0],
                        [rr * 0.5 * c, yb - 0.12, rr * 0.5 * sn],
                        [rr * c, yb - 0.1, rr * sn],
                        [rr * c, yb + 0.05, rr * sn],
                    ],
                    10,
                );
                let end = *path.last().unwrap();
                s.add(TUBE, Tube::new(&path, 0.007, TubeEnd::Flat));
                let small = size * 0.4;
                if rng.chance(0.5) {
                    shade(
                        s,
                        add(end, [0.0, small * 0.6, 0.0]),
                        [0.0, 1.0, 0.0],
                        small,
                        rng,
                    );
                } else {
                    // Upturned cup: wide opening up.
                    s.add(
                        SHADE,
                        Frustum::new(small * 0.25, small * 0.45, small * 0.3, (true, false))
                            .at(add(end, [0.0, small * 0.3, 0.0])),
                    );
                }
            }
        }
        return;
    }
    shade(s, [0.0, bottom, 0.0], [0.0, 1.0, 0.0], size, rng);
    if rng.chance(0.2) {
        // A multi-arm chandelier: extra arms with small shades.
        let arms = 3 + rng.below(3);
        let reach = size * rng.uniform(0.8, 1.3);
        for k in 0..arms {
            let a = TAU * k as f32 / arms as f32;
            let end = [reach * a.cos(), bottom - 0.05, reach * a.sin()];
            s.add(TUBE, Frustum::rod([0.0, bottom + 0.02, 0.0], end, 0.008));
            shade(
                s,
                add(end, [0.0, 0.06, 0.0]),
                [0.0, 1.0, 0.0],
                size * 0.4,
                rng,
            );
        }
    }
}

/// Build one random lamp.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    match rng.below(100) {
        0..=29 => table_lamp(&mut s, rng),
        30..=49 => floor_lamp(&mut s, rng),
        50..=71 => desk_lamp(&mut s, rng),
        _ => hanging_lamp(&mut s, rng),
    }
    s
}

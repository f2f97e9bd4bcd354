//! Airplane generator: nose `+x`, tail `-x`, wings spanning `z`, y up.
//!
//! Variants: airliners (swept wings, 2 or 4 podded engines under the wings,
//! conventional or T-tail), business jets (engines on the rear fuselage,
//! T-tail), fighters (delta or swept wings, single/twin fins or V-tail, tail
//! exhausts or none), propeller planes (straight wings, a nose propeller or
//! two wing-mounted ones, high or low wing), gliders (long thin wings, no
//! engine). Fuselage and lifting surfaces are lofts through NACA-00xx
//! sections, so they have airfoil-ish thickness.

use super::math::{add, Transform, V3};
use super::primitives::{Frustum, RoundedBox, SphereZone, SurfaceExt, TriMesh};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{PI, TAU};

const BODY: usize = 0;
const WING: usize = 1;
const TAIL: usize = 2;
const ENGINE: usize = 3;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Airliner,
    BizJet,
    Fighter,
    Prop,
    Glider,
}

#[derive(Clone, Copy, PartialEq)]
enum TailKind {
    Conventional,
    T,
    V,
    Twin,
}

/// A closed NACA-00xx airfoil ring (chord along `-x` from the leading edge
/// at the origin, thickness along the second axis), `n` points per side.
fn airfoil(chord: f32, thickness: f32, n: usize) -> Vec<[f32; 2]> {
    let half = |x: f32| {
        5.0 * thickness
            * (0.2969 * x.sqrt() - 0.126 * x - 0.3516 * x * x + 0.2843 * x.powi(3)
                - 0.1036 * x.powi(4))
    };
    let mut ring = Vec::with_capacity(2 * n);
    for i in 0..n {
        // Cosine spacing clusters points at the leading edge.
        let t = 0.5 * (1.0 - (PI * i as f32 / n as f32).cos());
        ring.push([-t * chord, half(t).max(0.0) * chord + 1e-4 * chord]);
    }
    for i in (1..=n).rev() {
        let t = 0.5 * (1.0 - (PI * i as f32 / n as f32).cos());
        ring.push([-t * chord, -half(t).max(0.0) * chord - 1e-4 * chord]);
    }
    ring
}

/// A lifting surface lofted from a root airfoil at `root` (leading edge) to a
/// tip airfoil at `tip`; `up` is the thickness direction of the sections.
fn surface(root: V3, root_chord: f32, tip: V3, tip_chord: f32, thick: f32, up: V3) -> TriMesh {
    let section = |le: V3, chord: f32| -> Vec<V3> {
        airfoil(chord.max(0.01 * root_chord), thick, 10)
            .iter()
            .map(|p| [le[0] + p[0], le[1] + p[1] * up[1], le[2] + p[1] * up[2]])
            .collect()
    };
    TriMesh::loft(
        &[section(root, root_chord), section(tip, tip_chord)],
        true,
        true,
    )
}

/// Build one random airplane.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let kind = match rng.below(100) {
        0..=39 => Kind::Airliner,
        40..=49 => Kind::BizJet,
        50..=67 => Kind::Fighter,
        68..=89 => Kind::Prop,
        _ => Kind::Glider,
    };
    // Fuselage: length 1 along x, from -0.5 (tail) to 0.5 (nose).
    let radius = match kind {
        Kind::Airliner => rng.uniform(0.045, 0.065),
        Kind::Fighter => rng.uniform(0.04, 0.06),
        Kind::Glider => rng.uniform(0.025, 0.04),
        _ => rng.uniform(0.035, 0.055),
    };
    let nose_len = rng.uniform(0.08, 0.2);
    let tail_len = rng.uniform(0.25, 0.4);
    let tail_rise = radius * rng.uniform(0.2, 0.8);
    let squash = rng.uniform(0.85, 1.15);
    let stations = 22;
    let ring_n = 14;
    let mut sections = Vec::with_capacity(stations + 1);
    for i in 0..=stations {
        let t = i as f32 / stations as f32; // 0 tail .. 1 nose
        let x = -0.5 + t;
        let (r, yc) = if t < tail_len {
            let u = t / tail_len;
            (
                radius * (0.15 + 0.85 * (1.0 - (1.0 - u).powi(2)).sqrt()),
                tail_rise * (1.0 - u),
            )
        } else if t > 1.0 - nose_len {
            let u = (1.0 - t) / nose_len;
            (
                radius * (0.05 + 0.95 * (1.0 - (1.0 - u).powi(2)).max(0.0).sqrt()),
                -0.1 * radius * (1.0 - u),
            )
        } else {
            (radius, 0.0)
        };
        sections.push(
            (0..ring_n)
                .map(|k| {
                    let a = TAU * k as f32 / ring_n as f32;
                    [x, yc + r * squash * a.sin(), r * a.cos()]
                })
                .collect::<Vec<V3>>(),
        );
    }
    s.add(BODY, TriMesh::loft(&sections, true, true));
    if kind == Kind::Fighter || kind == Kind::Glider || rng.chance(0.3) {
        // Canopy bubble.
        let c = [0.5 - nose_len - 0.08, radius * 0.8, 0.0];
        s.add(
            BODY,
            SphereZone::ellipsoid([0.1, radius * 0.45, radius * 0.55], c),
        );
    }

    // Main wings.
    let (span, root_chord, taper, sweep, thick) = match kind {
        Kind::Airliner => (
            rng.uniform(0.45, 0.6),
            rng.uniform(0.16, 0.24),
            rng.uniform(0.25, 0.45),
            rng.uniform(0.45, 0.65),
            0.12,
        ),
        Kind::BizJet => (
            rng.uniform(0.4, 0.52),
            rng.uniform(0.14, 0.2),
            rng.uniform(0.35, 0.5),
            rng.uniform(0.3, 0.5),
            0.11,
        ),
        Kind::Fighter => {
            if rng.chance(0.5) {
                // Delta.
                (
                    rng.uniform(0.25, 0.35),
                    rng.uniform(0.4, 0.55),
                    rng.uniform(0.02, 0.12),
                    rng.uniform(0.8, 1.05),
                    0.05,
                )
            } else {
                (
                    rng.uniform(0.25, 0.35),
                    rng.uniform(0.22, 0.32),
                    rng.uniform(0.2, 0.4),
                    rng.uniform(0.5, 0.75),
                    0.06,
                )
            }
        }
        Kind::Prop => (
            rng.uniform(0.5, 0.7),
            rng.uniform(0.12, 0.17),
            rng.uniform(0.6, 1.0),
            rng.uniform(0.0, 0.1),
            0.14,
        ),
        Kind::Glider => (
            rng.uniform(0.9, 1.3),
            rng.uniform(0.07, 0.1),
            rng.uniform(0.4, 0.7),
            rng.uniform(0.0, 0.05),
            0.12,
        ),
    };
    let wing_x = match kind {
        Kind::Fighter => rng.uniform(0.0, 0.15) - 0.1,
        Kind::BizJet => rng.uniform(0.0, 0.1),
        _ => rng.uniform(0.05, 0.18),
    };
    let wing_y = match rng.below(3) {
        0 => -radius * 0.6,
        1 => 0.0,
        _ => radius * 0.7,
    };
    let dihedral = match kind {
        Kind::Fighter => rng.uniform(-0.05, 0.02),
        _ => rng.uniform(0.0, 0.1),
    };
    let tip_chord = root_chord * taper;
    for sz in [-1.0f32, 1.0] {
        let root = [wing_x, wing_y, 0.0];
        let tip = [
            wing_x - span * sweep.sin() * 0.9,
            wing_y + span * dihedral,
            sz * span,
        ];
        s.add(
            WING,
            surface(root, root_chord, tip, tip_chord, thick, [0.0, 1.0, 0.0]),
        );
    }

    // Tail.
    let tail = match kind {
        Kind::BizJet => TailKind::T,
        Kind::Fighter => *rng.pick(&[TailKind::Conventional, TailKind::Twin, TailKind::V]),
        Kind::Glider => *rng.pick(&[TailKind::T, TailKind::Conventional]),
        _ => {
            if rng.chance(0.2) {
                TailKind::T
            } else if rng.chance(0.05) {
                TailKind::V
            } else {
                TailKind::Conventional
            }
        }
    };
    let tail_x = -0.5 + rng.uniform(0.08, 0.14);
    let fin_h = rng.uniform(0.1, 0.18);
    let fin_chord = rng.uniform(0.1, 0.18);
    let fin_sweep = rng.uniform(0.3, 0.8);
    let stab_span = span * rng.uniform(0.25, 0.4);
    let stab_chord = root_chord * rng.uniform(0.45, 0.7);
    let top_y = tail_rise + radius * 0.1;
    let fin = |s: &mut Shape, z: f32, lean: f32| {
        let root = [tail_x + fin_chord * 0.6, top_y, z];
        let tip = [root[0] - fin_h * fin_sweep, top_y + fin_h, z + fin_h * lean];
        s.add(
            TAIL,
            surface(root, fin_chord, tip, fin_chord * 0.55, 0.1, [0.0, 0.0, 1.0]),
        );
    };
    match tail {
        TailKind::Conventional | TailKind::T | TailKind::Twin => {
            if tail == TailKind::Twin {
                fin(&mut s, -radius * 0.6, -0.3);
                fin(&mut s, radius * 0.6, 0.3);
            } else {
                fin(&mut s, 0.0, 0.0);
            }
            let (sy, sx) = if tail == TailKind::T {
                (
                    top_y + fin_h * 0.95,
                    tail_x + fin_chord * 0.6 - fin_h * fin_sweep,
                )
            } else {
                (tail_rise, tail_x + stab_chord * 0.5)
            };
            for sz in [-1.0f32, 1.0] {
                let root = [sx, sy, 0.0];
                let tip = [sx - stab_span * 0.5, sy + stab_span * 0.05, sz * stab_span];
                s.add(
                    TAIL,
                    surface(
                        root,
                        stab_chord,
                        tip,
                        stab_chord * 0.5,
                        0.1,
                        [0.0, 1.0, 0.0],
                    ),
                );
            }
        }
        TailKind::V => {
            let a = rng.uniform(0.5, 0.8);
            for sz in [-1.0f32, 1.0] {
                let root = [tail_x + stab_chord * 0.5, tail_rise, 0.0];
                let l = stab_span * 1.2;
                let tip = [root[0] - l * 0.5, tail_rise + l * a.sin(), sz * l * a.cos()];
                s.add(
                    TAIL,
                    surface(
                        root,
                        stab_chord,
                        tip,
                        stab_chord * 0.5,
                        0.1,
                        [0.0, 1.0, 0.0],
                    ),
                );
            }
        }
    }

    // Engines.
    match kind {
        Kind::Airliner => {
            let four = rng.chance(0.25);
            let er = radius * rng.uniform(0.5, 0.75);
            let el = rng.uniform(0.12, 0.2);
            let spots: &[f32] = if four { &[0.35, 0.65] } else { &[0.35] };
            for &f in spots {
                for sz in [-1.0f32, 1.0] {
                    let z = sz * span * f;
                    let wx = wing_x - span * f * sweep.sin() * 0.9;
                    let y = wing_y + span * f * dihedral - er * 1.3;
                    let front = [wx + el * 0.55, y, z];
                    let back = [wx + el * 0.55 - el, y, z];
                    s.add(
                        ENGINE,
                        Frustum::between(back, front, er * 0.7, er, (true, true)),
                    );
                    s.add(
                        ENGINE,
                        RoundedBox::bar(
                            [wx - el * 0.1, y + er * 0.8, z],
                            [wx - el * 0.1, y + er * 1.3, z],
                            0.012,
                            0.003,
                        ),
                    );
                }
            }
        }
        Kind::BizJet => {
            let er = radius * rng.uniform(0.5, 0.7);
            let el = rng.uniform(0.12, 0.18);
            for sz in [-1.0f32, 1.0] {
                let z = sz * (radius + er * 1.2);
                let x = tail_x + 0.2;
                let y = tail_rise * 0.5 + radius * 0.3;
                s.add(
                    ENGINE,
                    Frustum::between([x - el, y, z], [x, y, z], er * 0.75, er, (true, true)),
                );
                s.add(
                    ENGINE,
                    RoundedBox::bar([x - el * 0.5, y, 0.0], [x - el * 0.5, y, z], 0.01, 0.003),
                );
            }
        }
        Kind::Fighter => {
            if rng.chance(0.6) {
                let twin = rng.chance(0.5);
                let zs: &[f32] = if twin { &[-0.4, 0.4] } else { &[0.0] };
                let er = radius * if twin { 0.45 } else { 0.7 };
                for &zf in zs {
                    let z = zf * radius;
                    s.add(
                        ENGINE,
                        Frustum::between(
                            [-0.5 - 0.04, tail_rise * 0.3, z],
                            [-0.5 + 0.03, tail_rise * 0.3, z],
                            er * 0.9,
                            er,
                            (true, false),
                        ),
                    );
                }
            }
        }
        Kind::Prop => {
            let blades = 2 + rng.below(3);
            let prop_r = rng.uniform(0.07, 0.12);
            if rng.chance(0.6) {
                propeller(
                    &mut s,
                    [0.5, -0.1 * radius, 0.0],
                    prop_r,
                    blades,
                    radius * 0.5,
                    rng,
                );
            } else {
                let f = rng.uniform(0.25, 0.4);
                let er = radius * 0.55;
                for sz in [-1.0f32, 1.0] {
                    let z = sz * span * f;
                    let x = wing_x + 0.05;
                    let y = wing_y + span * f * dihedral;
                    s.add(
                        ENGINE,
                        Frustum::between([x - 0.2, y, z], [x, y, z], er * 0.4, er, (true, true)),
                    );
                    propeller(&mut s, [x, y, z], prop_r * 0.8, blades, er * 0.7, rng);
                }
            }
        }
        Kind::Glider => {}
    }
    s
}

/// A propeller facing `+x` at `hub`: spinner cone and flat blades.
fn propeller(s: &mut Shape, hub: V3, r: f32, blades: usize, hub_r: f32, rng: &mut Rng) {
    s.add(
        ENGINE,
        Frustum::between(
            hub,
            add(hub, [hub_r * 1.6, 0.0, 0.0]),
            hub_r,
            0.0,
            (true, false),
        ),
    );
    let phase = rng.uniform(0.0, TAU);
    let chord = r * rng.uniform(0.12, 0.2);
    for k in 0..blades {
        let a = phase + TAU * k as f32 / blades as f32;
        s.add(
            ENGINE,
            RoundedBox::new([0.006, r / 2.0, chord / 2.0], 0.002).transformed(
                Transform::translate([0.0, r / 2.0, 0.0])
                    .then(&Transform::rotate_y(0.4))
                    .then(&Transform::rotate_x(a))
                    .then_translate(add(hub, [hub_r * 0.4, 0.0, 0.0])),
            ),
        );
    }
}

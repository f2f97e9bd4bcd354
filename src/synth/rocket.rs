//! Rocket generator.
//!
//! Lying along x: nose cone at `+x`, body tube, 3 or 4 fins at `-x`.
//! Variants: nose cones (cone, tangent ogive, blunt elliptic), body tubes with
//! or without a second, narrower stage, engine nozzle, fins (trapezoid,
//! swept, delta, clipped delta, elliptic-ish), and sometimes 2 to 4 strap-on
//! boosters (labelled body, their small fins labelled fin).

use super::math::{Transform, V3};
use super::primitives::{Frustum, SphereZone, SurfaceExt, TriMesh};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, PI, TAU};

const BODY: usize = 0;
const FIN: usize = 1;
const NOSE: usize = 2;

/// A frustum along +x from `x0` (radius `r0`) to `x1` (radius `r1`), offset
/// to `(0, y, z)`.
fn along_x(
    x0: f32,
    x1: f32,
    r0: f32,
    r1: f32,
    y: f32,
    z: f32,
    caps: (bool, bool),
) -> super::primitives::Placed {
    Frustum::between([x0, y, z], [x1, y, z], r0, r1, caps)
}

/// A nose of `len` and base radius `r` starting at `x0`, pointing +x.
#[allow(clippy::too_many_arguments)]
fn nose(s: &mut Shape, part: usize, x0: f32, len: f32, r: f32, y: f32, z: f32, style: usize) {
    match style {
        0 => s.add(part, along_x(x0, x0 + len, r, 0.0, y, z, (false, false))),
        1 => {
            // Tangent ogive through rings (closed at the tip by a tiny ring).
            let rho = (r * r + len * len) / (2.0 * r);
            let sections: Vec<Vec<V3>> = (0..=16)
                .map(|i| {
                    let t = i as f32 / 16.0;
                    let xl = t * len;
                    let rad =
                        ((rho * rho - (len - xl).powi(2)).max(0.0).sqrt() + r - rho).max(r * 0.01);
                    (0..32)
                        .map(|k| {
                            let a = TAU * k as f32 / 32.0;
                            [x0 + xl, y + rad * a.cos(), z + rad * a.sin()]
                        })
                        .collect()
                })
                .collect();
            s.add(part, TriMesh::loft(&sections, false, true));
        }
        _ => {
            // Blunt: half an ellipsoid.
            s.add(
                part,
                SphereZone::new(1.0, 0.0, 1.0).transformed(
                    Transform::rotate_z(-FRAC_PI_2)
                        .then(&Transform::scale([len, r, r]))
                        .then_translate([x0, y, z]),
                ),
            );
        }
    }
}

/// Fins: `count` copies of a 2D profile (x along the body, y outward from
/// the surface at radius `r`) of half thickness `t`, rotated about the axis
/// through `(0, y, z)`.
#[allow(clippy::too_many_arguments)]
fn fins(
    s: &mut Shape,
    profile: &[[f32; 2]],
    count: usize,
    r: f32,
    t: f32,
    y: f32,
    z: f32,
    phase: f32,
) {
    let moved: Vec<[f32; 2]> = profile.iter().map(|p| [p[0], p[1] + r * 0.98]).collect();
    for k in 0..count {
        let a = phase + TAU * k as f32 / count as f32;
        s.add(
            FIN,
            TriMesh::extrude(&moved, -t, t)
                .transformed(Transform::rotate_x(a).then_translate([0.0, y, z])),
        );
    }
}

/// Build one random rocket (body radius 1).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let r = 1.0f32;
    let len = r * rng.uniform(8.0, 18.0);
    let x_back = -len / 2.0;
    let x_front = len / 2.0;
    // Optional upper stage: narrower tube joined by a conical adapter.
    let staged = rng.chance(0.3);
    let (nose_r, body_end) = if staged {
        let r2 = r * rng.uniform(0.6, 0.85);
        let split = x_back + len * rng.uniform(0.5, 0.7);
        let adapter = r * rng.uniform(0.5, 1.2);
        s.add(BODY, along_x(x_back, split, r, r, 0.0, 0.0, (true, false)));
        s.add(
            BODY,
            along_x(split, split + adapter, r, r2, 0.0, 0.0, (false, false)),
        );
        s.add(
            BODY,
            along_x(split + adapter, x_front, r2, r2, 0.0, 0.0, (false, true)),
        );
        (r2, x_front)
    } else {
        s.add(BODY, along_x(x_back, x_front, r, r, 0.0, 0.0, (true, true)));
        (r, x_front)
    };
    let nose_len = nose_r * rng.uniform(1.5, 4.5);
    let nose_style = rng.below(3);
    nose(
        &mut s, NOSE, body_end, nose_len, nose_r, 0.0, 0.0, nose_style,
    );
    if rng.chance(0.5) {
        // Engine nozzle behind the body (part of the body).
        let nl = r * rng.uniform(0.4, 1.0);
        s.add(
            BODY,
            along_x(
                x_back - nl,
                x_back,
                r * rng.uniform(0.5, 0.8),
                r * 0.4,
                0.0,
                0.0,
                (false, false),
            ),
        );
    }

    // Fin profile: root chord along the body from the back.
    let root = r * rng.uniform(2.0, 4.5);
    let span = r * rng.uniform(1.0, 2.5);
    let sweep = root * rng.uniform(0.0, 0.8);
    let tip = root * rng.uniform(0.0, 0.6);
    let x0 = x_back + r * rng.uniform(0.0, 0.6);
    let profile: Vec<[f32; 2]> = match rng.below(4) {
        // Trapezoid / swept: root, then the tip chord shifted back by sweep.
        0 | 1 => {
            let tip_front = (x0 + root - sweep).max(x0 + tip);
            vec![
                [x0, 0.0],
                [x0 + root, 0.0],
                [tip_front, span],
                [tip_front - tip.max(r * 0.2), span],
            ]
        }
        // Delta: a triangle with the tip at the back.
        2 => vec![[x0, 0.0], [x0 + root, 0.0], [x0 - r * 0.3, span]],
        // Rounded: half an ellipse over the root chord.
        _ => (0..=12)
            .map(|i| {
                let a = PI * i as f32 / 12.0;
                [x0 + root / 2.0 - root / 2.0 * a.cos(), span * a.sin()]
            })
            .collect(),
    };
    let count = if rng.chance(0.6) { 4 } else { 3 };
    let t = r * rng.uniform(0.04, 0.1);
    let phase = if rng.chance(0.5) {
        0.0
    } else {
        PI / count as f32
    };
    fins(&mut s, &profile, count, r, t, 0.0, 0.0, phase);

    if rng.chance(0.3) {
        // Strap-on boosters around the lower body.
        let nb = 2 + rng.below(3);
        let rb = r * rng.uniform(0.3, 0.5);
        let lb = len * rng.uniform(0.3, 0.5);
        let bphase = phase + PI / count as f32;
        for k in 0..nb {
            let a = bphase + TAU * k as f32 / nb as f32;
            let (y, z) = ((r + rb) * a.cos(), (r + rb) * a.sin());
            s.add(
                BODY,
                along_x(x_back, x_back + lb, rb, rb, y, z, (true, false)),
            );
            nose(&mut s, BODY, x_back + lb, rb * 2.0, rb, y, z, 0);
        }
    }
    s
}

//! Rocket generator.
//!
//! Lying along x: nose at `+x`, body tube, fins (when present) at `-x`, as in
//! the real shapes. Variants: slenderness from stubby capsules (about 3
//! diameters) to thin missiles (about 20); straight, staged or tapering
//! tubes; hollow tails with an inner wall and interior tube (CAD meshes model
//! them); noses from blunt domes half a radius long to spikes of five radii
//! (cone, tangent ogive, elliptic), sometimes on a narrower shoulder; no fins
//! (about 30%, stubby ones more often, like capsules and spaceships), or 3, 4
//! or 6 fins (trapezoid, swept, delta, rounded) in plus or X arrangement, on
//! missiles sometimes (the slenderest often) a second set further up;
//! engine nozzle; strap-on
//! boosters.

use super::math::{Transform, V3};
use super::primitives::{Annulus, Frustum, SphereZone, SurfaceExt, TriMesh};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, PI, TAU};

const BODY: usize = 0;
const FIN: usize = 1;
const NOSE: usize = 2;

/// Body length over radius, log-uniform between these: stubby capsules to
/// thin missiles (a real one measures 35 radii, with two equal fin sets).
const SLENDER_MIN: f32 = 5.5;
const SLENDER_MAX: f32 = 40.0;
/// Missiles longer than this many radii may carry a second fin set...
const SECOND_SET_LEN: f32 = 10.0;
/// ...and those longer than this one more often.
const SLENDER_SECOND_SET_LEN: f32 = 24.0;

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

/// The inside wall of a hollow tube along x from `x0` to `x1` at radius `r`,
/// normals facing the axis (out of the wall material, into the hollow).
fn inner_wall(x0: f32, x1: f32, r: f32) -> TriMesh {
    let k = 24u32;
    let verts: Vec<V3> = [x0, x1]
        .iter()
        .flat_map(|&x| {
            (0..k).map(move |j| {
                let a = TAU * j as f32 / k as f32;
                [x, r * a.cos(), r * a.sin()]
            })
        })
        .collect();
    let mut tris = Vec::new();
    for j in 0..k {
        let (a, b) = (j, (j + 1) % k);
        let (c, d) = (a + k, b + k);
        // (a, c, b) winds toward the axis.
        tris.push([a, c, b]);
        tris.push([b, c, d]);
    }
    TriMesh::new(verts, tris)
}

/// Build one random rocket (body radius 1).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let r = 1.0f32;
    // Slenderness (body length over radius) from stubby capsules (about 3
    // diameters) to thin missiles (about 20), log-uniform.
    let len = r * (rng.uniform(SLENDER_MIN.ln(), SLENDER_MAX.ln())).exp();
    let x_back = -len / 2.0;
    let x_front = len / 2.0;
    // Open tail: a hollow tube (CAD rockets often model the inner wall and
    // interior structures, all labelled body).
    let hollow = rng.chance(0.3);
    let body_style = rng.below(4);
    let front_r = match body_style {
        // Straight tube.
        0 | 1 => {
            s.add(
                BODY,
                along_x(x_back, x_front, r, r, 0.0, 0.0, (!hollow, true)),
            );
            r
        }
        // Staged: a narrower upper stage joined by a conical adapter.
        2 => {
            let r2 = r * rng.uniform(0.6, 0.85);
            let split = x_back + len * rng.uniform(0.4, 0.7);
            let adapter = r * rng.uniform(0.3, 1.2);
            s.add(
                BODY,
                along_x(x_back, split, r, r, 0.0, 0.0, (!hollow, false)),
            );
            s.add(
                BODY,
                along_x(split, split + adapter, r, r2, 0.0, 0.0, (false, false)),
            );
            s.add(
                BODY,
                along_x(split + adapter, x_front, r2, r2, 0.0, 0.0, (false, true)),
            );
            r2
        }
        // Tapering: the tube narrows over its front part toward a small
        // nose tip (capsules, spaceships).
        _ => {
            let r2 = r * rng.uniform(0.3, 0.7);
            let taper = x_back + len * rng.uniform(0.3, 0.7);
            s.add(
                BODY,
                along_x(x_back, taper, r, r, 0.0, 0.0, (!hollow, false)),
            );
            s.add(
                BODY,
                along_x(taper, x_front, r, r2, 0.0, 0.0, (false, true)),
            );
            r2
        }
    };
    if hollow {
        // Inner wall and a coaxial interior tube.
        let wall = r * rng.uniform(0.85, 0.95);
        let depth = len * rng.uniform(0.3, 0.9);
        s.add(BODY, inner_wall(x_back, x_back + depth, wall));
        // Bulkhead closing the hollow (facing back into it).
        s.add(
            BODY,
            Annulus::new(0.0, wall).transformed(Transform::rotate_z(FRAC_PI_2).then_translate([
                x_back + depth,
                0.0,
                0.0,
            ])),
        );
        let ri = r * rng.uniform(0.25, 0.55);
        s.add(
            BODY,
            along_x(
                x_back + r * 0.2,
                x_back + depth * rng.uniform(0.4, 0.95),
                ri,
                ri,
                0.0,
                0.0,
                (true, true),
            ),
        );
    }
    // Nose: from blunt domes (about half a radius long) to long spikes
    // (five radii), sometimes on a shoulder narrower than the tube.
    let nose_r = if rng.chance(0.2) {
        front_r * rng.uniform(0.55, 0.9)
    } else {
        front_r
    };
    let nose_len = nose_r * (rng.uniform(0.5f32.ln(), 5f32.ln())).exp();
    let nose_style = rng.below(3);
    nose(
        &mut s, NOSE, x_front, nose_len, nose_r, 0.0, 0.0, nose_style,
    );
    if !hollow && rng.chance(0.4) {
        // Engine nozzle behind the body (part of the body).
        let nl = r * rng.uniform(0.3, 1.0);
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

    // Many real rockets (capsules, spaceships, some missiles) have no fins;
    // stubby ones more often than slender ones.
    if rng.chance(if len < 12.0 * r { 0.45 } else { 0.2 }) {
        return s;
    }
    // Fin profile: root chord along the body from the back.
    let root = (r * rng.uniform(1.5, 4.5)).min(len * 0.45);
    let span = (r * rng.uniform(0.8, 2.5)).min(len * 0.3);
    let t = r * rng.uniform(0.04, 0.1);
    let x0 = x_back + r * rng.uniform(0.0, 0.6);
    let shape = rng.below(4);
    let profile = fin_profile(shape, x0, root, span, r, rng);
    let count = match rng.below(10) {
        0..=5 => 4,
        6..=8 => 3,
        _ => 6,
    };
    // Plus (0) or X (45 degrees) arrangement.
    let phase = if rng.chance(0.5) {
        0.0
    } else {
        PI / count as f32
    };
    fins(&mut s, &profile, count, r, t, 0.0, 0.0, phase);
    let second_set = if len > SLENDER_SECOND_SET_LEN * r {
        0.5
    } else if len > SECOND_SET_LEN * r {
        0.2
    } else {
        0.0
    };
    if rng.chance(second_set) {
        // Missiles: a second set of wings or canards further up, smaller or
        // as large as the tail fins.
        let k = rng.uniform(0.5, 1.0);
        let x1 = x_back + len * rng.uniform(0.35, 0.55);
        let profile = fin_profile(shape, x1, root * k, span * k, r, rng);
        fins(&mut s, &profile, count.min(4), r, t, 0.0, 0.0, phase);
    }

    if rng.chance(0.2) {
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

/// A fin outline (x along the body from `x0`, y outward): trapezoid/swept,
/// delta, or rounded.
fn fin_profile(
    shape: usize,
    x0: f32,
    root: f32,
    span: f32,
    r: f32,
    rng: &mut Rng,
) -> Vec<[f32; 2]> {
    match shape {
        // Trapezoid / swept: root, then the tip chord shifted back by sweep.
        0 | 1 => {
            let sweep = root * rng.uniform(0.0, 0.8);
            let tip = root * rng.uniform(0.0, 0.6);
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rocket_has_body_and_nose() {
        for seed in 0..64 {
            let mut rng = Rng::new(seed);
            let a = build(&mut rng).part_areas(3);
            assert!(a[BODY] > 0.0 && a[NOSE] > 0.0, "seed {seed}: {a:?}");
        }
    }

    #[test]
    fn some_thin_missiles_carry_two_fin_sets_over_half_the_body() {
        // Real 04099429/a410b9d1: a body of 35 radii with two equal fin sets
        // at its back and middle (fin points over 0.5 of the length).
        let mut found = 0;
        for seed in 0..300 {
            let mut rng = Rng::new(seed);
            let s = build(&mut rng);
            let (mut body, mut fin) = ([f32::MAX, f32::MIN], [f32::MAX, f32::MIN]);
            for _ in 0..3000 {
                let (part, p, _) = s.surface_point(&mut rng).unwrap();
                let b = match part {
                    BODY => &mut body,
                    FIN => &mut fin,
                    _ => continue,
                };
                b[0] = b[0].min(p[0]);
                b[1] = b[1].max(p[0]);
            }
            let body_len = body[1] - body[0];
            found += usize::from(body_len > 34.0 && fin[1] - fin[0] > 0.45 * body_len);
        }
        assert!(found >= 3, "{found} of 300 rockets");
    }
}

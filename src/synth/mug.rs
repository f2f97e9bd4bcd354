//! Mug generator.
//!
//! Axis along y, handle at `+x`. The cup is a solid wall: outer frustum with
//! a bottom disk, the rim ring, the inner wall (normals toward the axis, out
//! of the wall material) and the inner floor. Variants: straight, tapered
//! (wider at the top), flared-bottom and barrel-like cups (a loft through
//! rings), optional foot ring; handles as round C rings (torus arcs), D
//! handles (swept tubes), small ear handles and angular handles.

use super::math::{Transform, V3};
use super::primitives::{Annulus, Frustum, Surface, SurfaceExt, Torus, TriMesh, Tube, TubeEnd};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, PI, TAU};

const HANDLE: usize = 0;
const BODY: usize = 1;

/// A surface with its normals reversed: the inside face of a wall.
struct Inside<S: Surface>(S);

impl<S: Surface> Surface for Inside<S> {
    fn area(&self) -> f32 {
        self.0.area()
    }
    fn sample(&self, rng: &mut Rng) -> (V3, V3) {
        let (p, n) = self.0.sample(rng);
        (p, [-n[0], -n[1], -n[2]])
    }
}

/// A ring of `k` points of radius `r` at height `y` around the y axis.
fn ring(r: f32, y: f32, k: usize) -> Vec<V3> {
    (0..k)
        .map(|i| {
            let a = TAU * i as f32 / k as f32;
            [r * a.cos(), y, r * a.sin()]
        })
        .collect()
}

/// Build one random mug (metres).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let h = rng.uniform(0.08, 0.13);
    let r_bot = rng.uniform(0.035, 0.05);
    let style = rng.below(10);
    let r_top = match style {
        0..=4 => r_bot,
        5..=7 => r_bot * rng.uniform(1.08, 1.3),
        _ => r_bot * rng.uniform(0.85, 0.95),
    };
    let wall = rng.uniform(0.003, 0.006);
    let floor = rng.uniform(0.005, 0.012);
    // Outer profile: radius as a function of height.
    let barrel = style >= 8 && rng.chance(0.6);
    let bulge = if barrel { rng.uniform(0.08, 0.18) } else { 0.0 };
    let radius_at = |y: f32| {
        let t = y / h;
        r_bot + (r_top - r_bot) * t + bulge * r_bot * (PI * t).sin()
    };
    if barrel {
        let sections: Vec<Vec<V3>> = (0..=12)
            .map(|i| {
                let y = h * i as f32 / 12.0;
                ring(radius_at(y), y, 40)
            })
            .collect();
        s.add(BODY, TriMesh::loft(&sections, false, false));
        let inner: Vec<Vec<V3>> = (0..=12)
            .map(|i| {
                let y = floor + (h - floor) * i as f32 / 12.0;
                ring(radius_at(y) - wall, y, 40)
            })
            .collect();
        s.add(BODY, Inside(TriMesh::loft(&inner, false, false)));
    } else {
        s.add(
            BODY,
            Frustum::new(r_bot, r_top, h / 2.0, (false, false)).at([0.0, h / 2.0, 0.0]),
        );
        let hi = (h - floor) / 2.0;
        s.add(
            BODY,
            Inside(Frustum::new(
                radius_at(floor) - wall,
                r_top - wall,
                hi,
                (false, false),
            ))
            .at([0.0, floor + hi, 0.0]),
        );
    }
    // Bottom (facing down), inner floor and rim (facing up).
    s.add(
        BODY,
        Annulus::new(0.0, r_bot).transformed(Transform::rotate_x(PI)),
    );
    s.add(
        BODY,
        Annulus::new(0.0, radius_at(floor) - wall).at([0.0, floor, 0.0]),
    );
    s.add(
        BODY,
        Annulus::new(radius_at(h) - wall, radius_at(h)).at([0.0, h, 0.0]),
    );
    if rng.chance(0.25) {
        // A foot ring slightly wider than the bottom.
        let fr = r_bot * rng.uniform(1.0, 1.06);
        s.add(
            BODY,
            Torus::new(fr - 0.002, 0.003, TAU).at([0.0, 0.003, 0.0]),
        );
    }

    // Handle on the +x side.
    let minor = rng.uniform(0.004, 0.008);
    let y_lo = h * rng.uniform(0.12, 0.3);
    let y_hi = h * rng.uniform(0.72, 0.9);
    let wall_x = |y: f32| radius_at(y) - minor * 0.5;
    match rng.below(4) {
        0 => {
            // Round C: an arc of a torus centred out on +x.
            let half_chord = (y_hi - y_lo) / 2.0;
            let alpha = rng.uniform(100f32, 125.0).to_radians();
            let major = half_chord / alpha.sin();
            let yc = (y_lo + y_hi) / 2.0;
            let cx = wall_x(yc) - major * alpha.cos();
            // Torus arc from -alpha to +alpha around +x, in the x-y plane.
            s.add(
                HANDLE,
                Torus::new(major, minor, 2.0 * alpha).transformed(
                    Transform::rotate_y(alpha)
                        .then(&Transform::rotate_x(-FRAC_PI_2))
                        .then_translate([cx, yc, 0.0]),
                ),
            );
        }
        1 => {
            // D handle: out, down, back in, as a smooth swept tube.
            let reach = rng.uniform(0.025, 0.045);
            let x0 = wall_x(y_hi);
            let x1 = wall_x(y_lo);
            let path = super::primitives::bezier(
                [
                    [x0, y_hi, 0.0],
                    [x0 + reach * 1.3, y_hi + 0.01, 0.0],
                    [x1 + reach * 1.3, y_lo - 0.005, 0.0],
                    [x1, y_lo, 0.0],
                ],
                24,
            );
            s.add(HANDLE, Tube::new(&path, minor, TubeEnd::Flat));
        }
        2 => {
            // Small ear handle high on the cup.
            let y1 = h * rng.uniform(0.5, 0.62);
            let reach = rng.uniform(0.015, 0.025);
            let x0 = wall_x(y_hi);
            let x1 = wall_x(y1);
            let path = super::primitives::bezier(
                [
                    [x0, y_hi, 0.0],
                    [x0 + reach * 1.6, y_hi, 0.0],
                    [x1 + reach * 1.2, y1, 0.0],
                    [x1, y1, 0.0],
                ],
                16,
            );
            s.add(HANDLE, Tube::new(&path, minor, TubeEnd::Flat));
        }
        _ => {
            // Angular handle: straight segments with rounded bends.
            let reach = rng.uniform(0.025, 0.04);
            let x0 = wall_x(y_hi);
            let x1 = wall_x(y_lo);
            let xo = x0.max(x1) + reach;
            let path = [
                [x0, y_hi, 0.0],
                [xo, y_hi, 0.0],
                [xo, y_lo + 0.008, 0.0],
                [x1, y_lo, 0.0],
            ];
            s.add(HANDLE, Tube::new(&path, minor, TubeEnd::Flat));
        }
    }
    s
}

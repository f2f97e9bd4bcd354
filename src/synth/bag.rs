//! Bag generator.
//!
//! Thin in x, wide in z, handles on top (`+y`). Variants: tote bags (tapered
//! body, two arched handles, one on each face), handbags (rounded trapezoid
//! body, one or two short arched handles across), briefcases (boxy body, a
//! small squared handle on top), backpacks (deeper body, a grab loop on top
//! and two shoulder straps on the back, `-x`) and shoulder bags (a long strap
//! arching high over the body, ends at the sides).

use super::math::V3;
use super::primitives::{bezier, RoundedBox, SurfaceExt, TriMesh, Tube, TubeEnd};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, PI};

const HANDLE: usize = 0;
const BODY: usize = 1;

/// A rounded rectangle of half sizes `hx`, `hz` (corner radius `r`) at
/// height `y`, `k` points per corner, counter-clockwise seen from above.
fn rounded_rect(hx: f32, hz: f32, r: f32, y: f32, k: usize) -> Vec<V3> {
    let r = r.min(hx).min(hz) * 0.999;
    let mut ring = Vec::with_capacity(4 * k);
    let corners = [
        (hx - r, hz - r),
        (-(hx - r), hz - r),
        (-(hx - r), -(hz - r)),
        (hx - r, -(hz - r)),
    ];
    for (c, &(cx, cz)) in corners.iter().enumerate() {
        for i in 0..k {
            let a = FRAC_PI_2 * (c as f32 + i as f32 / (k - 1) as f32);
            ring.push([cx + r * a.cos(), y, cz + r * a.sin()]);
        }
    }
    ring
}

/// A body lofted through rounded rectangles: `(half x, half z, y)` levels.
fn lofted_body(levels: &[(f32, f32, f32)], corner: f32) -> TriMesh {
    let sections: Vec<Vec<V3>> = levels
        .iter()
        .map(|&(hx, hz, y)| rounded_rect(hx, hz, corner.min(hx * 0.95), y, 6))
        .collect();
    TriMesh::loft(&sections, true, true)
}

/// An arched handle in the y-z plane at `x`, ends at `±half_span` sunk to
/// `y0`, rising `rise` above `y0`; `square` makes a flat-topped handle.
fn arch(x: f32, y0: f32, half_span: f32, rise: f32, square: bool) -> Vec<V3> {
    if square {
        let c = half_span * 0.35;
        let mut p = vec![[x, y0, -half_span]];
        p.extend(bezier(
            [
                [x, y0 + rise - c, -half_span],
                [x, y0 + rise, -half_span],
                [x, y0 + rise, -half_span],
                [x, y0 + rise, -half_span + c],
            ],
            4,
        ));
        p.extend(bezier(
            [
                [x, y0 + rise, half_span - c],
                [x, y0 + rise, half_span],
                [x, y0 + rise, half_span],
                [x, y0 + rise - c, half_span],
            ],
            4,
        ));
        p.push([x, y0, half_span]);
        p
    } else {
        (0..=24)
            .map(|i| {
                let a = PI * i as f32 / 24.0;
                [x, y0 + rise * a.sin(), -half_span * a.cos()]
            })
            .collect()
    }
}

/// Build one random bag (metres).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    match rng.below(10) {
        0..=2 => tote(&mut s, rng),
        3..=4 => handbag(&mut s, rng),
        5..=6 => briefcase(&mut s, rng),
        7..=8 => backpack(&mut s, rng),
        _ => shoulder(&mut s, rng),
    }
    s
}

fn tote(s: &mut Shape, rng: &mut Rng) {
    let w = rng.uniform(0.3, 0.45);
    let h = rng.uniform(0.3, 0.42);
    let d = rng.uniform(0.06, 0.14);
    let flare = rng.uniform(1.0, 1.25);
    s.add(
        BODY,
        lofted_body(
            &[(d / 2.0, w / 2.0, 0.0), (d / 2.0 * 0.9, w / 2.0 * flare, h)],
            0.01,
        ),
    );
    let r = rng.uniform(0.006, 0.01);
    let span = w * flare * rng.uniform(0.18, 0.3);
    let rise = rng.uniform(0.12, 0.25);
    for sx in [-1.0f32, 1.0] {
        let path = arch(sx * d * 0.42, h - 0.02, span, rise, false);
        s.add(HANDLE, Tube::new(&path, r, TubeEnd::Flat));
    }
}

fn handbag(s: &mut Shape, rng: &mut Rng) {
    let w = rng.uniform(0.25, 0.38);
    let h = rng.uniform(0.16, 0.26);
    let d = rng.uniform(0.09, 0.15);
    let taper = rng.uniform(0.6, 0.9);
    s.add(
        BODY,
        lofted_body(
            &[
                (d / 2.0, w / 2.0, 0.0),
                (d / 2.0 * 1.05, w / 2.0 * (1.0 + taper) / 2.0, h * 0.6),
                (d / 2.0 * 0.6, w / 2.0 * taper, h),
            ],
            d * 0.3,
        ),
    );
    if rng.chance(0.3) {
        // Flap over the front (part of the body).
        s.add(
            BODY,
            RoundedBox::new([0.004, h * 0.22, w * taper * 0.45], 0.002).at([
                d / 2.0 * 0.9,
                h * 0.75,
                0.0,
            ]),
        );
    }
    let r = rng.uniform(0.006, 0.012);
    let span = w * taper * rng.uniform(0.2, 0.4);
    let rise = rng.uniform(0.08, 0.16);
    let two = rng.chance(0.5);
    let xs: &[f32] = if two { &[-1.0, 1.0] } else { &[0.0] };
    for &sx in xs {
        let path = arch(sx * d * 0.25, h - 0.01, span, rise, false);
        s.add(HANDLE, Tube::new(&path, r, TubeEnd::Flat));
    }
}

fn briefcase(s: &mut Shape, rng: &mut Rng) {
    let w = rng.uniform(0.4, 0.48);
    let h = rng.uniform(0.3, 0.36);
    let d = rng.uniform(0.08, 0.13);
    s.add(
        BODY,
        RoundedBox::new([d / 2.0, h / 2.0, w / 2.0], rng.uniform(0.005, 0.02)).at([
            0.0,
            h / 2.0,
            0.0,
        ]),
    );
    if rng.chance(0.6) {
        // Latches (body).
        for sz in [-1.0f32, 1.0] {
            s.add(
                BODY,
                RoundedBox::new([0.006, 0.012, 0.02], 0.002).at([d / 2.0, h * 0.9, sz * w * 0.3]),
            );
        }
    }
    let r = rng.uniform(0.008, 0.013);
    let path = arch(
        0.0,
        h,
        rng.uniform(0.05, 0.08),
        rng.uniform(0.035, 0.06),
        true,
    );
    s.add(HANDLE, Tube::new(&path, r, TubeEnd::Flat));
}

fn backpack(s: &mut Shape, rng: &mut Rng) {
    let w = rng.uniform(0.28, 0.34);
    let h = rng.uniform(0.4, 0.5);
    let d = rng.uniform(0.12, 0.18);
    s.add(
        BODY,
        lofted_body(
            &[
                (d / 2.0, w / 2.0, 0.0),
                (d / 2.0 * 1.05, w / 2.0, h * 0.7),
                (d / 2.0 * 0.7, w / 2.0 * 0.8, h),
            ],
            d * 0.45,
        ),
    );
    if rng.chance(0.7) {
        // Front pocket.
        s.add(
            BODY,
            RoundedBox::new([d * 0.2, h * 0.18, w * 0.38], d * 0.15).at([d / 2.0, h * 0.25, 0.0]),
        );
    }
    // Grab loop on top.
    s.add(
        HANDLE,
        Tube::new(
            &arch(-d * 0.1, h - 0.01, 0.04, 0.05, false),
            0.007,
            TubeEnd::Flat,
        ),
    );
    // Shoulder straps on the back (-x), bowing away from the body.
    let strap = rng.uniform(0.012, 0.02);
    for sz in [-1.0f32, 1.0] {
        let z = sz * w * 0.28;
        let x = -d / 2.0;
        let path = bezier(
            [
                [x + 0.01, h * 0.93, z * 0.7],
                [x - 0.08, h * 0.85, z],
                [x - 0.08, h * 0.2, z],
                [x + 0.01, h * 0.05, z * 1.1],
            ],
            16,
        );
        s.add(HANDLE, Tube::new(&path, strap * 0.6, TubeEnd::Flat));
    }
}

fn shoulder(s: &mut Shape, rng: &mut Rng) {
    let w = rng.uniform(0.25, 0.4);
    let h = rng.uniform(0.18, 0.28);
    let d = rng.uniform(0.06, 0.1);
    s.add(
        BODY,
        lofted_body(
            &[(d / 2.0, w / 2.0, 0.0), (d / 2.0 * 0.85, w / 2.0 * 0.95, h)],
            d * 0.4,
        ),
    );
    let r = rng.uniform(0.008, 0.014);
    let rise = h * rng.uniform(0.9, 1.8);
    let path = arch(0.0, h * 0.8, w / 2.0, rise, false);
    s.add(
        HANDLE,
        Tube::new(&path, r, TubeEnd::Flat)
            .transformed(super::math::Transform::scale([0.4, 1.0, 1.0])),
    );
}

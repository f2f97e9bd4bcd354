//! Guitar generator: standing with the head `+y` and the body at the bottom;
//! the body's flat face is the y-z plane (thin in x), the strings face `+x`.
//!
//! Variants: acoustic (deep figure-eight body, sound-hole ring, bridge),
//! classical (slotted head), electric (thin body with one or two cutaway
//! horns, or angular V- and explorer-like outlines, pickups, bridge), bass
//! (longer neck, four tuners) and small ukulele-like acoustics. Heads are
//! 3+3 or six/four in line with tuner pegs sticking out sideways, some
//! stubby. As on the real shapes, the body is about half the height, the
//! free neck 0.6 to 0.8 of the body's height, and the fretboard (labelled
//! neck) runs on over the upper body; some electric bodies are blocky.

use super::math::Transform;
use super::primitives::{Annulus, Frustum, RoundedBox, SurfaceExt, TriMesh};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, TAU};

const HEAD: usize = 0;
const NECK: usize = 1;
const BODY: usize = 2;

/// Distance from the origin to the boundary of the axis-aligned ellipse
/// (centre `c`, semi-axes `a`) along unit direction `d`, when the ray meets it.
fn ray_ellipse(c: [f32; 2], a: [f32; 2], d: [f32; 2]) -> Option<f32> {
    // Solve |(t d - c) / a|^2 = 1 for the far root.
    let (dx, dy) = (d[0] / a[0], d[1] / a[1]);
    let (cx, cy) = (c[0] / a[0], c[1] / a[1]);
    let qa = dx * dx + dy * dy;
    let qb = -2.0 * (dx * cx + dy * cy);
    let qc = cx * cx + cy * cy - 1.0;
    let disc = qb * qb - 4.0 * qa * qc;
    (disc >= 0.0)
        .then(|| (-qb + disc.sqrt()) / (2.0 * qa))
        .filter(|t| *t > 0.0)
}

/// Outline (y-z plane, as `[z, y]`) of a union of ellipses, traced in polar
/// coordinates from the origin, `n` points.
fn outline(ellipses: &[([f32; 2], [f32; 2])], n: usize) -> Vec<[f32; 2]> {
    (0..n)
        .map(|k| {
            let a = TAU * k as f32 / n as f32;
            let d = [a.cos(), a.sin()];
            let r = ellipses
                .iter()
                .filter_map(|&(c, ax)| ray_ellipse(c, ax, d))
                .fold(0.0f32, f32::max);
            [r * d[0], r * d[1]]
        })
        .collect()
}

/// Build one random guitar.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let kind = rng.below(10); // 0..=4 acoustic/classical, 5..=8 electric, 9 bass
    let acoustic = kind <= 4;
    let bass = kind == 9;
    // Body outline in the (z, y) plane, centred at the origin; lower bout below.
    let small = acoustic && rng.chance(0.15);
    let (lower, upper, depth) = if acoustic {
        let lw = if small {
            rng.uniform(0.1, 0.13)
        } else {
            rng.uniform(0.18, 0.22)
        };
        (
            ([0.0, -0.5 * lw], [lw, lw * rng.uniform(0.95, 1.1)]),
            ([0.0, 0.6 * lw], [lw * rng.uniform(0.7, 0.82), lw * 0.75]),
            rng.uniform(0.08, 0.12) * (lw / 0.2).sqrt(),
        )
    } else {
        let lw = rng.uniform(0.16, 0.21);
        (
            ([0.0, -0.07], [lw, lw * rng.uniform(0.85, 1.0)]),
            ([0.0, 0.07], [lw * rng.uniform(0.7, 0.9), lw * 0.8]),
            rng.uniform(0.035, 0.05),
        )
    };
    let mut ellipses = vec![lower, upper];
    if !acoustic {
        // Cutaway horns: one (single cut) or two (double cut) forward lobes.
        let horns = 1 + rng.below(2);
        for h in 0..horns {
            let side = if h == 0 { 1.0 } else { -1.0 };
            let hz = side * upper.1[0] * rng.uniform(0.5, 0.8);
            ellipses.push((
                [hz, upper.0[1] + upper.1[1] * rng.uniform(0.6, 1.0)],
                [0.05, 0.09],
            ));
        }
    }
    let angular = !acoustic && rng.chance(0.25);
    // Blocky bodies (some basses and odd electrics): a rounded rectangle.
    let blocky = !acoustic && !angular && rng.chance(0.15);
    let ring = if blocky {
        let (hz, hy) = (
            lower.1[0] * rng.uniform(0.85, 1.05),
            lower.1[1] * rng.uniform(1.3, 1.7),
        );
        super::primitives_extra::rounded_rect(hz, hy, hz * rng.uniform(0.1, 0.5), 4)
    } else if angular {
        let k = lower.1[0] / 0.17;
        let pts: &[[f32; 2]] = if rng.chance(0.5) {
            // V: two wings hanging down from the neck joint.
            &[
                [0.0, 0.12],
                [0.06, 0.1],
                [0.23, -0.22],
                [0.17, -0.27],
                [0.0, -0.06],
                [-0.17, -0.27],
                [-0.23, -0.22],
                [-0.06, 0.1],
            ]
        } else {
            // Explorer-like: a long upper horn, angular lower bout.
            &[
                [-0.05, 0.1],
                [0.04, 0.1],
                [0.1, 0.0],
                [0.25, 0.13],
                [0.23, -0.05],
                [0.12, -0.2],
                [-0.05, -0.22],
                [-0.18, -0.2],
                [-0.2, -0.12],
                [-0.1, -0.05],
                [-0.12, 0.05],
            ]
        };
        pts.iter().map(|p| [p[0] * k, p[1] * k]).collect()
    } else {
        outline(&ellipses, 72)
    };
    let top_y = ring.iter().map(|p| p[1]).fold(f32::MIN, f32::max);
    // The extrusion has the profile (u, v) in x-y and depth along z; a -90
    // degree turn about y maps u to +z and the depth to x.
    let body = TriMesh::extrude(&ring, -depth / 2.0, depth / 2.0);
    s.add(BODY, body.transformed(Transform::rotate_y(-FRAC_PI_2)));

    // Front-face details on +x.
    let front = depth / 2.0;
    if acoustic {
        let hole = rng.uniform(0.04, 0.05);
        let y = upper.0[1] - 0.01;
        s.add(
            BODY,
            Annulus::new(hole, hole * 1.3).transformed(
                Transform::rotate_z(-FRAC_PI_2).then_translate([front + 0.001, y, 0.0]),
            ),
        );
        s.add(
            BODY,
            RoundedBox::new([0.006, 0.012, 0.07], 0.003).at([
                front + 0.006,
                lower.0[1] - 0.05,
                0.0,
            ]),
        );
    } else {
        let pickups = 1 + rng.below(3);
        for k in 0..pickups {
            s.add(
                BODY,
                RoundedBox::new([0.006, 0.018, 0.045], 0.003).at([
                    front + 0.005,
                    -0.02 + 0.05 * k as f32,
                    0.0,
                ]),
            );
        }
        s.add(
            BODY,
            RoundedBox::new([0.007, 0.015, 0.05], 0.003).at([
                front + 0.006,
                lower.0[1] - 0.06,
                0.0,
            ]),
        );
    }

    // Neck from the body top upward (its free length about 0.6 to 0.8 of
    // the body's height, as on real guitars); tapering width. The
    // fretboard runs on over the upper body (labelled neck, as annotated).
    let neck_len = if bass {
        rng.uniform(0.5, 0.62)
    } else if small {
        rng.uniform(0.2, 0.27)
    } else if acoustic {
        rng.uniform(0.3, 0.4)
    } else {
        rng.uniform(0.3, 0.42)
    };
    let neck_w = rng.uniform(0.045, 0.055);
    let neck_t = rng.uniform(0.02, 0.03);
    let over = if acoustic {
        rng.uniform(0.04, 0.12)
    } else {
        rng.uniform(0.06, 0.17)
    };
    let y0 = top_y - over;
    let y1 = top_y + neck_len;
    // The fretboard face stands a little proud of the body's front.
    let proud = rng.uniform(0.003, 0.01);
    let section = |y: f32, w: f32| {
        vec![
            [front + proud, y, -w / 2.0],
            [front + proud, y, w / 2.0],
            [front + proud - neck_t, y, w / 2.0 * 0.85],
            [front + proud - neck_t, y, -w / 2.0 * 0.85],
        ]
    };
    s.add(
        NECK,
        TriMesh::loft(
            &[section(y0, neck_w * 1.1), section(y1, neck_w * 0.85)],
            true,
            true,
        ),
    );

    // Head: a plate tilted back (toward -x), tuners sideways or behind.
    // Headstocks from stubby (headless-style, small) to long.
    let head_len = if rng.chance(0.1) {
        rng.uniform(0.04, 0.08)
    } else {
        rng.uniform(0.13, 0.2)
    };
    let head_w = neck_w * rng.uniform(1.3, 1.8);
    let tilt = if acoustic {
        rng.uniform(0.15, 0.3)
    } else {
        rng.uniform(0.0, 0.12)
    };
    let inline = !acoustic && rng.chance(0.5);
    let head_xf = Transform::rotate_z(tilt).then_translate([front + proud - neck_t / 2.0, y1, 0.0]);
    let hz_off = if inline { head_w * 0.25 } else { 0.0 };
    s.add(
        HEAD,
        RoundedBox::new([neck_t / 2.0, head_len / 2.0, head_w / 2.0], 0.004)
            .at([0.0, head_len / 2.0, hz_off])
            .transformed(head_xf),
    );
    let tuners = if bass || small { 4 } else { 6 };
    for k in 0..tuners {
        let (z, y) = if inline {
            (
                hz_off + head_w / 2.0,
                head_len * (0.15 + 0.8 * k as f32 / tuners as f32),
            )
        } else {
            let side = if k % 2 == 0 { 1.0 } else { -1.0 };
            let row = (k / 2) as f32;
            (
                side * head_w / 2.0,
                head_len * (0.2 + 0.3 * row * 2.0 / tuners as f32 * 1.5),
            )
        };
        let dir = if z >= 0.0 { 1.0 } else { -1.0 };
        let a = [0.0, y, z];
        let b = [0.0, y, z + dir * rng.uniform(0.02, 0.035)];
        s.add(
            HEAD,
            Frustum::between(a, b, 0.004, 0.004, (false, true)).transformed(head_xf),
        );
        s.add(
            HEAD,
            RoundedBox::new([0.003, 0.008, 0.006], 0.002)
                .at([0.0, y, b[2] + dir * 0.006])
                .transformed(head_xf),
        );
    }
    s
}

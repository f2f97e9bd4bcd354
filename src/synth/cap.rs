//! Cap generator.
//!
//! Crown (`panels`) up as a dome shell open at the bottom, peak (visor)
//! toward `+x` at the lower rim. Variants: crown height (low dad caps to
//! tall trucker crowns), slightly oval crowns, a button on top (panels),
//! an optional band around the rim (panels), and peaks of varying length,
//! width, droop and sideways curvature (flat snapback brims to strongly
//! curved ones).

use super::math::{Transform, V3};
use super::primitives::{SphereZone, SurfaceExt, Torus};
use super::shape::Shape;
use super::skateboard::thick_sheet;
use crate::rng::Rng;
use std::f32::consts::TAU;

const PANELS: usize = 0;
const PEAK: usize = 1;

/// Build one random cap (crown radius about 1 along x).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let rx = 1.0f32;
    let rz = rx * rng.uniform(0.85, 1.0);
    let height = rx * rng.uniform(0.6, 1.05);
    // Dome: the zone of a unit sphere from y0 up (y0 < 0 makes the crown
    // close in a little at the rim), scaled to the crown's radii.
    let y0 = rng.uniform(-0.25, 0.0);
    let top = 1.0 - y0;
    let sy = height / top;
    let rim_scale = (1.0 - y0 * y0).sqrt();
    s.add(
        PANELS,
        SphereZone::new(1.0, y0, 1.0).transformed(
            Transform::translate([0.0, -y0, 0.0]).then(&Transform::scale([
                rx / rim_scale,
                sy,
                rz / rim_scale,
            ])),
        ),
    );
    if rng.chance(0.7) {
        // Button on top.
        let b = rx * rng.uniform(0.05, 0.09);
        s.add(
            PANELS,
            SphereZone::ellipsoid([b, b * 0.5, b], [0.0, height, 0.0]),
        );
    }
    if rng.chance(0.3) {
        // Sweatband / rim bead around the opening (part of the crown).
        s.add(
            PANELS,
            Torus::new(1.0, 0.025, TAU).transformed(Transform::scale([rx, 1.0, rz])),
        );
    }

    // Peak: a thin curved sheet from the front rim outward.
    let beta = rng.uniform(60f32, 85.0).to_radians();
    let length = rx * rng.uniform(0.5, 0.95);
    let flat = rng.chance(0.2);
    let curve = if flat {
        rng.uniform(0.0, 0.05)
    } else {
        rng.uniform(0.12, 0.4)
    };
    let droop = rng.uniform(0.0, 0.35) * length;
    let round_front = rng.uniform(0.5, 1.0);
    let thick = rx * rng.uniform(0.015, 0.03);
    let (m, n) = (24, 10);
    let grid: Vec<Vec<V3>> = (0..m)
        .map(|i| {
            let u = -1.0 + 2.0 * i as f32 / (m - 1) as f32;
            let phi = u * beta;
            let inner = [rx * phi.cos(), rz * phi.sin()];
            // Outward direction: mostly +x, spread a little sideways.
            let dir = {
                let d = [1.0, 0.6 * phi.sin()];
                let l = (d[0] * d[0] + d[1] * d[1]).sqrt();
                [d[0] / l, d[1] / l]
            };
            let reach = length * (1.0 - u * u).max(0.0).powf(round_front * 0.5);
            (0..n)
                .map(|j| {
                    let v = j as f32 / (n - 1) as f32;
                    let x = inner[0] + dir[0] * reach * v;
                    let z = inner[1] + dir[1] * reach * v;
                    let y = -droop * v * v - curve * rz * u * u * v.sqrt();
                    [x, y, z]
                })
                .collect()
        })
        .collect();
    s.add(PEAK, thick_sheet(&grid, [0.0, -thick, 0.0]));
    s
}

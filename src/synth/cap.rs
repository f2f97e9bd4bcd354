//! Cap generator.
//!
//! Crown (`panels`) up, peak (visor) toward `+x` at the lower rim. Three
//! kinds, as among the real shapes:
//! - baseball caps (about 60%): a dome shell open at the bottom, low dad
//!   caps to tall trucker crowns, slightly oval, a button on top, a band
//!   around the rim, peaks of varying length, width, droop and sideways
//!   curvature (flat snapback brims to strongly curved ones);
//! - flat (ivy / newsboy) caps (about 20%): a low to wedge-tall crown
//!   sloping up toward the front and pushed forward over a short, narrow
//!   peak under its front rim (the peak only a few percent of the surface);
//! - brimmed hats (about 20%): a cylindrical or domed crown with a brim all
//!   round (labelled peak, as annotated), flat, curled up or drooping, the
//!   brim often most of the surface.

use super::math::{Transform, V3};
use super::primitives::{Frustum, SphereZone, SurfaceExt, Torus};
use super::shape::Shape;
use super::skateboard::thick_sheet;
use crate::rng::Rng;
use std::f32::consts::TAU;

const PANELS: usize = 0;
const PEAK: usize = 1;

/// Flat cap crown height over its radius: low ivy caps to tall newsboy
/// wedges (real 18387b36: 0.7, its top rising from the back to the front).
const FLAT_CAP_HEIGHT: (f32, f32) = (0.25, 0.8);

/// Build one random cap (crown radius about 1 along x).
pub fn build(rng: &mut Rng) -> Shape {
    match rng.below(10) {
        0..=5 => baseball(rng),
        6..=7 => flat_cap(rng),
        _ => brimmed_hat(rng),
    }
}

/// A visor from the front rim (crown radii `rx`, `rz` at `y = 0`) outward:
/// half angle `beta` around the rim, reach `length`.
#[allow(clippy::too_many_arguments)]
fn visor(
    rx: f32,
    rz: f32,
    beta: f32,
    length: f32,
    droop: f32,
    curve: f32,
    round_front: f32,
    thick: f32,
) -> super::primitives::TriMesh {
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
    thick_sheet(&grid, [0.0, -thick, 0.0])
}

fn baseball(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let rx = 1.0f32;
    let rz = rx * rng.uniform(0.85, 1.0);
    let height = rx * rng.uniform(0.55, 1.05);
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
    let length = rx * rng.uniform(0.45, 0.95);
    let flat = rng.chance(0.2);
    let curve = if flat {
        rng.uniform(0.0, 0.05)
    } else {
        rng.uniform(0.12, 0.4)
    };
    let droop = rng.uniform(0.0, 0.35) * length;
    let round_front = rng.uniform(0.5, 1.0);
    let thick = rx * rng.uniform(0.015, 0.03);
    s.add(
        PEAK,
        visor(rx, rz, beta, length, droop, curve, round_front, thick),
    );
    s
}

/// Polar grid over the ellipse with radii `rx`, `rz`: rows around (closing
/// the seam), columns from the centre out; `f(rho, angle) -> point`.
fn polar_grid(m: usize, n: usize, f: impl Fn(f32, f32) -> V3) -> Vec<Vec<V3>> {
    (0..=m)
        .map(|i| {
            let a = TAU * i as f32 / m as f32;
            (0..n).map(|j| f(j as f32 / (n - 1) as f32, a)).collect()
        })
        .collect()
}

fn flat_cap(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let rx = 1.0f32;
    let rz = rx * rng.uniform(0.8, 0.95);
    let h = rx * rng.uniform(FLAT_CAP_HEIGHT.0, FLAT_CAP_HEIGHT.1);
    // The top slopes up toward the front and is pushed forward.
    let slope = rng.uniform(0.2, 0.6);
    let push = rx * rng.uniform(0.05, 0.25);
    let bulge = rng.uniform(0.3, 0.7);
    let grid = polar_grid(32, 10, |rho, a| {
        let (x0, z0) = (rx * rho * a.cos(), rz * rho * a.sin());
        let dome = (1.0 - rho.powf(2.0 + 4.0 * bulge)).max(0.0).sqrt();
        let y = h * dome * (1.0 + slope * x0 / rx) / (1.0 + slope);
        [x0 + push * dome, y, z0]
    });
    let thick = rx * rng.uniform(0.015, 0.03);
    s.add(PANELS, thick_sheet(&grid, [0.0, -thick, 0.0]));
    if rng.chance(0.4) {
        let b = rx * rng.uniform(0.04, 0.07);
        s.add(
            PANELS,
            SphereZone::ellipsoid([b, b * 0.4, b], [push, h / (1.0 + slope), 0.0]),
        );
    }
    // Short narrow peak tucked under the front rim.
    let beta = rng.uniform(35f32, 60.0).to_radians();
    let length = rx * rng.uniform(0.15, 0.4);
    let droop = rng.uniform(0.0, 0.3) * length;
    let curve = rng.uniform(0.0, 0.15);
    s.add(
        PEAK,
        visor(
            rx,
            rz,
            beta,
            length,
            droop,
            curve,
            rng.uniform(0.5, 1.0),
            thick,
        )
        .transformed(Transform::translate([-0.02 * rx, -thick, 0.0])),
    );
    s
}

fn brimmed_hat(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let rc = 1.0f32;
    let ovality = rng.uniform(0.85, 1.0);
    let h = rc * rng.uniform(0.5, 1.1);
    if rng.chance(0.6) {
        // Cylindrical (slightly tapering) crown with a flat or rounded top.
        let rt = rc * rng.uniform(0.8, 1.0);
        s.add(
            PANELS,
            Frustum::between([0.0, 0.0, 0.0], [0.0, h, 0.0], rc, rt, (false, true))
                .transformed(Transform::scale([1.0, 1.0, ovality])),
        );
        if rng.chance(0.5) {
            // Hat band.
            let bh = h * rng.uniform(0.15, 0.3);
            s.add(
                PANELS,
                Frustum::between(
                    [0.0, 0.0, 0.0],
                    [0.0, bh, 0.0],
                    rc * 1.02,
                    rc * 1.02,
                    (false, false),
                )
                .transformed(Transform::scale([1.0, 1.0, ovality])),
            );
        }
    } else {
        // Domed crown (bucket and bowler-like).
        s.add(
            PANELS,
            SphereZone::new(1.0, 0.0, 1.0).transformed(Transform::scale([rc, h, rc * ovality])),
        );
    }
    // Brim all round: flat, curled up at the edge, or drooping.
    let rb = rc * rng.uniform(1.35, 1.9);
    let w = rb - rc;
    let lift = match rng.below(3) {
        0 => 0.0,
        1 => w * rng.uniform(0.1, 0.4),
        _ => -w * rng.uniform(0.1, 0.5),
    };
    let front = rng.uniform(1.0, 1.25);
    let thick = rc * rng.uniform(0.015, 0.03);
    let grid = polar_grid(40, 6, |t, a| {
        let (c, sn) = (a.cos(), a.sin());
        // A little longer at the front on some hats.
        let ww = w * if c > 0.0 {
            1.0 + (front - 1.0) * c
        } else {
            1.0
        };
        let rho = rc * 0.98 + ww * t;
        let y = lift * t * t;
        [rho * c, y, rho * sn * ovality]
    });
    s.add(PEAK, thick_sheet(&grid, [0.0, -thick, 0.0]));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cap_has_panels_and_peak() {
        for seed in 0..64 {
            let mut rng = Rng::new(seed);
            let a = build(&mut rng).part_areas(2);
            assert!(a[PANELS] > 0.0 && a[PEAK] > 0.0, "seed {seed}: {a:?}");
        }
    }

    #[test]
    fn some_flat_caps_have_tall_wedge_crowns() {
        // Real flat cap 18387b36: crown height 0.72 of its half length, the
        // peak 3 % of the points.
        let (mut flat, mut tall) = (0, 0);
        for seed in 0..300 {
            let mut rng = Rng::new(seed);
            let s = build(&mut rng);
            let a = s.part_areas(2);
            if a[PEAK] > 0.1 * (a[PEAK] + a[PANELS]) {
                continue; // baseball caps and brimmed hats
            }
            flat += 1;
            let (mut x, mut y) = ([f32::MAX, f32::MIN], [f32::MAX, f32::MIN]);
            for _ in 0..2000 {
                let (part, p, _) = s.surface_point(&mut rng).unwrap();
                if part == PANELS {
                    x = [x[0].min(p[0]), x[1].max(p[0])];
                    y = [y[0].min(p[1]), y[1].max(p[1])];
                }
            }
            tall += usize::from(y[1] - y[0] > 0.6 * (x[1] - x[0]) / 2.0);
        }
        assert!(
            flat >= 20 && tall * 10 >= flat,
            "{tall} of {flat} flat caps"
        );
    }
}

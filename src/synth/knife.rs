//! Knife generator: standing with the blade `+y` and the handle below, flat
//! in z (the blade's faces look along `z`), the cutting edge toward `+x`.
//!
//! Variants: chef/kitchen knives (curved edge up to the tip), slim slicers,
//! cleavers (rectangular), daggers (symmetric double edge, cross guard),
//! hunting/clip-point knives, pocket knives (short blade, fat handle),
//! folding knives with the blade partly open at an angle, and swords (long
//! blades, wide cross guards, pommels).
//! Blades are extruded outlines; handles are rounded bars or extruded grips,
//! with a bolster or guard (labelled handle).

use super::math::Transform;
use super::math::V3;
use super::primitives::{bezier, RoundedBox, SphereZone, SurfaceExt, TriMesh};
use super::shape::Shape;
use crate::rng::Rng;

const BLADE: usize = 0;
const HANDLE: usize = 1;

/// Handle length over blade length of kitchen knives, slicers, cleavers,
/// daggers and hunting knives. Real ones: 1.17 (8280b4bb), 1.2 to 1.4
/// (fca703c2, its handle overlapping the blade base); swords and pocket
/// knives keep their own lengths.
const HANDLE_RATIO: (f32, f32) = (0.5, 1.4);
/// Handle width over blade width (real: 0.8 to 1.15), the blade width
/// capped at [`HANDLE_W_CAP`] so cleavers keep narrower grips.
const HANDLE_WIDTH: (f32, f32) = (0.5, 1.1);
const HANDLE_W_CAP: f32 = 0.05;
/// Handle thickness (z) over its width (real: 0.5 to 0.65).
const HANDLE_FLAT: (f32, f32) = (0.45, 0.75);
/// Largest guard height (y) over blade width (real 8f0e77eb: about 0.6).
const GUARD_TALL: f32 = 0.6;

fn curve(a: [f32; 2], b: [f32; 2], c: [f32; 2], d: [f32; 2], n: usize) -> Vec<[f32; 2]> {
    let p = |q: [f32; 2]| -> V3 { [q[0], q[1], 0.0] };
    bezier([p(a), p(b), p(c), p(d)], n)
        .into_iter()
        .map(|v| [v[0], v[1]])
        .collect()
}

/// Build one random knife.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let kind = rng.below(12);
    let thick = rng.uniform(0.002, 0.004);
    // Blade outline in x-y from y = 0 (heel) up, counter-clockwise.
    let (outline, blade_w, handle_len, guard) = match kind {
        0..=3 => {
            // Chef / kitchen: straight spine at -x, curved edge at +x.
            let l = rng.uniform(0.15, 0.25);
            let w = rng.uniform(0.03, 0.05);
            let mut o = vec![[-w * 0.35, 0.0], [w * 0.65, 0.0]];
            o.extend(curve(
                [w * 0.65, 0.0],
                [w * 0.65, l * 0.55],
                [w * 0.3, l * 0.9],
                [-w * 0.3, l],
                10,
            ));
            o.push([-w * 0.35, l * 0.85]);
            (o, w, l * rng.uniform(HANDLE_RATIO.0, HANDLE_RATIO.1), false)
        }
        4 => {
            // Slim slicer.
            let l = rng.uniform(0.2, 0.28);
            let w = rng.uniform(0.018, 0.028);
            let o = vec![
                [-w * 0.5, 0.0],
                [w * 0.5, 0.0],
                [w * 0.5, l * 0.9],
                [-w * 0.2, l],
                [-w * 0.5, l * 0.95],
            ];
            (o, w, l * rng.uniform(HANDLE_RATIO.0, HANDLE_RATIO.1), false)
        }
        5 => {
            // Cleaver.
            let l = rng.uniform(0.14, 0.2);
            let w = rng.uniform(0.07, 0.1);
            let o = vec![
                [-w * 0.2, 0.0],
                [w * 0.8, 0.0],
                [w * 0.82, l],
                [-w * 0.2, l * 0.98],
            ];
            (o, w, l * rng.uniform(HANDLE_RATIO.0, HANDLE_RATIO.1), false)
        }
        6 | 7 => {
            // Dagger: symmetric double edge.
            let l = rng.uniform(0.15, 0.25);
            let w = rng.uniform(0.025, 0.04);
            let o = vec![
                [-w / 2.0, 0.0],
                [w / 2.0, 0.0],
                [w / 2.0 * 0.9, l * 0.6],
                [0.0, l],
                [-w / 2.0 * 0.9, l * 0.6],
            ];
            (o, w, l * rng.uniform(HANDLE_RATIO.0, HANDLE_RATIO.1), true)
        }
        8 => {
            // Hunting / clip point.
            let l = rng.uniform(0.1, 0.16);
            let w = rng.uniform(0.03, 0.04);
            let mut o = vec![[-w * 0.4, 0.0], [w * 0.6, 0.0]];
            o.extend(curve(
                [w * 0.6, 0.0],
                [w * 0.6, l * 0.6],
                [w * 0.4, l * 0.95],
                [0.0, l],
                8,
            ));
            o.push([-w * 0.1, l * 0.75]);
            o.push([-w * 0.4, l * 0.65]);
            (
                o,
                w,
                l * rng.uniform(HANDLE_RATIO.0, HANDLE_RATIO.1),
                rng.chance(0.6),
            )
        }
        10 => {
            // Sword: long double-edged blade.
            let l = rng.uniform(0.55, 0.9);
            let w = rng.uniform(0.035, 0.055);
            let o = vec![
                [-w / 2.0, 0.0],
                [w / 2.0, 0.0],
                [w / 2.0 * 0.8, l * 0.88],
                [0.0, l],
                [-w / 2.0 * 0.8, l * 0.88],
            ];
            (o, w, rng.uniform(0.14, 0.24), true)
        }
        _ => {
            // Pocket knife: short blade, fat handle.
            let l = rng.uniform(0.06, 0.09);
            let w = rng.uniform(0.015, 0.022);
            let mut o = vec![[-w * 0.5, 0.0], [w * 0.5, 0.0]];
            o.extend(curve(
                [w * 0.5, 0.0],
                [w * 0.5, l * 0.6],
                [w * 0.3, l],
                [-w * 0.2, l],
                6,
            ));
            o.push([-w * 0.5, l * 0.8]);
            (o, w, rng.uniform(0.09, 0.11), false)
        }
    };
    let tang = rng.uniform(0.0, 0.01);
    let shifted: Vec<[f32; 2]> = outline.iter().map(|p| [p[0], p[1] + tang]).collect();
    // Folding knives (some pocket knives) show the blade partly open,
    // turned about the pivot at the top of the handle.
    let open = if kind >= 9 && kind != 10 && rng.chance(0.6) {
        rng.uniform(0.15, 0.7)
    } else {
        0.0
    };
    s.add(
        BLADE,
        TriMesh::extrude(&shifted, -thick / 2.0, thick / 2.0)
            .transformed(Transform::rotate_z(open)),
    );

    // Handle below y = 0, centred under the blade's spine side.
    let hw = blade_w.min(HANDLE_W_CAP) * rng.uniform(HANDLE_WIDTH.0, HANDLE_WIDTH.1)
        + if kind == 9 || kind == 11 { 0.006 } else { 0.0 };
    let hw = hw.max(0.02);
    // Handles are flatter across z than wide across x ("flat in z").
    let ht = hw * rng.uniform(HANDLE_FLAT.0, HANDLE_FLAT.1);
    let cx = if kind == 6 || kind == 7 {
        0.0
    } else {
        blade_w * 0.1
    };
    if rng.chance(0.5) {
        s.add(
            HANDLE,
            RoundedBox::new([hw / 2.0, handle_len / 2.0, ht / 2.0], ht * 0.45).at([
                cx,
                -handle_len / 2.0,
                0.0,
            ]),
        );
    } else {
        // Shaped grip: wider at the butt, a finger notch at the front.
        let (w0, w1) = (hw * 0.45, hw * rng.uniform(0.5, 0.65));
        let mut grip = vec![[cx - w0, 0.0], [cx + w0, 0.0]];
        grip.extend(curve(
            [cx + w0, 0.0],
            [cx + w0 * 0.7, -handle_len * 0.3],
            [cx + w1 * 1.1, -handle_len * 0.7],
            [cx + w1, -handle_len],
            6,
        ));
        grip.push([cx - w1, -handle_len]);
        grip.extend(
            curve(
                [cx - w1, -handle_len],
                [cx - w1 * 1.05, -handle_len * 0.6],
                [cx - w0, -handle_len * 0.3],
                [cx - w0, 0.0],
                6,
            )
            .into_iter()
            .skip(1)
            .take(5),
        );
        s.add(HANDLE, TriMesh::extrude(&grip, -ht / 2.0, ht / 2.0));
    }
    if kind == 10 {
        // Pommel.
        let r = ht * rng.uniform(0.6, 1.0);
        s.add(
            HANDLE,
            SphereZone::ellipsoid([r * 1.2, r, r], [cx, -handle_len - r * 0.6, 0.0]),
        );
    }
    if guard {
        let gw = blade_w
            * if kind == 10 {
                rng.uniform(2.5, 5.0)
            } else {
                rng.uniform(1.6, 2.5)
            };
        // From thin cross bars to tall blocks, growing down over the grip.
        let gh = rng.uniform(0.006, (blade_w * GUARD_TALL / 2.0).max(0.006));
        s.add(
            HANDLE,
            RoundedBox::new([gw / 2.0, gh, ht * 0.5], 0.003).at([cx * 0.5, 0.01 - gh, 0.0]),
        );
    } else if rng.chance(0.5) {
        // Bolster.
        s.add(
            HANDLE,
            RoundedBox::new([hw * 0.55, 0.006, ht * 0.45], 0.003).at([cx, 0.003, 0.0]),
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blade and handle extents `[x0, x1, y0, y1]` from 3000 sampled points.
    fn extents(s: &Shape, rng: &mut Rng) -> [[f32; 4]; 2] {
        let mut e = [[f32::MAX, f32::MIN, f32::MAX, f32::MIN]; 2];
        for _ in 0..3000 {
            let (part, p, _) = s.surface_point(rng).unwrap();
            let b = &mut e[part];
            b[0] = b[0].min(p[0]);
            b[1] = b[1].max(p[0]);
            b[2] = b[2].min(p[1]);
            b[3] = b[3].max(p[1]);
        }
        e
    }

    #[test]
    fn every_knife_has_blade_and_handle() {
        for seed in 0..64 {
            let mut rng = Rng::new(seed);
            let a = build(&mut rng).part_areas(2);
            assert!(a[BLADE] > 0.0 && a[HANDLE] > 0.0, "seed {seed}: {a:?}");
        }
    }

    #[test]
    fn many_full_size_knives_have_long_wide_handles() {
        // Real kitchen and hunting knives (8280b4bb, fca703c2): the handle is
        // over half the length and 0.8 to 1.15 blade widths wide (2 of 156
        // full-size synthetic knives before handles scaled with the blade).
        let (mut full, mut long_wide) = (0, 0);
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let s = build(&mut rng);
            let [b, h] = extents(&s, &mut rng);
            if b[3] - b[2] < 0.12 {
                continue; // pocket knives
            }
            full += 1;
            let share = (h[3] - h[2]) / (b[3].max(h[3]) - b[2].min(h[2]));
            let width = (h[1] - h[0]) / (b[1] - b[0]);
            long_wide += usize::from(share > 0.5 && width > 0.75);
        }
        assert!(long_wide * 4 >= full, "{long_wide} of {full} knives");
    }
}

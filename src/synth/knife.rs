//! Knife generator: standing with the blade `+y` and the handle below, flat
//! in z (the blade's faces look along `z`), the cutting edge toward `+x`.
//!
//! Variants: chef/kitchen knives (curved edge up to the tip), slim slicers,
//! cleavers (rectangular), daggers (symmetric double edge, cross guard),
//! hunting/clip-point knives and pocket knives (short blade, fat handle).
//! Blades are extruded outlines; handles are rounded bars or extruded grips,
//! with a bolster or guard (labelled handle).

use super::math::V3;
use super::primitives::{bezier, RoundedBox, SurfaceExt, TriMesh};
use super::shape::Shape;
use crate::rng::Rng;

const BLADE: usize = 0;
const HANDLE: usize = 1;

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
    let kind = rng.below(10);
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
            (o, w, rng.uniform(0.1, 0.13), false)
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
            (o, w, rng.uniform(0.1, 0.13), false)
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
            (o, w, rng.uniform(0.1, 0.12), false)
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
            (o, w, rng.uniform(0.09, 0.12), true)
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
            (o, w, rng.uniform(0.1, 0.12), rng.chance(0.6))
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
    s.add(BLADE, TriMesh::extrude(&shifted, -thick / 2.0, thick / 2.0));

    // Handle below y = 0, centred under the blade's spine side.
    let hw = blade_w.min(0.03) * rng.uniform(0.55, 0.8) + if kind == 9 { 0.006 } else { 0.0 };
    let hw = hw.max(0.02);
    // Handles are flatter across z than wide across x ("flat in z").
    let ht = (rng.uniform(0.012, 0.022) + if kind == 9 { 0.006 } else { 0.0 }).min(hw * 0.75);
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
    if guard {
        let gw = blade_w * rng.uniform(1.6, 2.5);
        s.add(
            HANDLE,
            RoundedBox::new([gw / 2.0, 0.006, ht * 0.5], 0.003).at([cx * 0.5, 0.004, 0.0]),
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

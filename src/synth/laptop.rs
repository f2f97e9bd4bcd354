//! Laptop generator: the keyboard half flat at the bottom, the screen lid
//! hinged at `-x` rising up, opened 70 to 135 degrees; width along z.
//!
//! Variants: thin ultrabooks to thick older machines, with or without a
//! touchpad, wedge-shaped bases, keys slightly raised in a grid, a display
//! panel inset on the lid, hinge barrels.

use super::math::Transform;
use super::primitives::{Frustum, RoundedBox, SurfaceExt, TriMesh};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::FRAC_PI_2;

const KEYBOARD: usize = 0;
const SCREEN: usize = 1;

/// Build one random laptop.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let width = rng.uniform(0.3, 0.38);
    let depth = width * rng.uniform(0.62, 0.75);
    let thick = rng.uniform(0.01, 0.03);
    let (hx, hz) = (depth / 2.0, width / 2.0);
    if rng.chance(0.3) {
        // Wedge: thicker at the hinge.
        let front = thick * rng.uniform(0.4, 0.7);
        let side = [[-hx, 0.0], [hx, 0.0], [hx, front], [-hx, thick]];
        s.add(KEYBOARD, TriMesh::extrude(&side, -hz, hz));
    } else {
        s.add(
            KEYBOARD,
            RoundedBox::new([hx, thick / 2.0, hz], thick * rng.uniform(0.1, 0.45)).at([
                0.0,
                thick / 2.0,
                0.0,
            ]),
        );
    }
    // Keys: a grid over the rear part of the deck.
    let rows = 5 + rng.below(2);
    let cols = 12 + rng.below(3);
    let kb_depth = depth * rng.uniform(0.4, 0.5);
    let kb_width = width * rng.uniform(0.85, 0.93);
    let x0 = -hx + depth * rng.uniform(0.06, 0.12);
    let pitch_x = kb_depth / rows as f32;
    let pitch_z = kb_width / cols as f32;
    let key_h = rng.uniform(0.001, 0.003);
    for r in 0..rows {
        let x = x0 + pitch_x * (r as f32 + 0.5);
        for c in 0..cols {
            let z = -kb_width / 2.0 + pitch_z * (c as f32 + 0.5);
            s.add(
                KEYBOARD,
                RoundedBox::new([pitch_x * 0.4, key_h / 2.0, pitch_z * 0.4], key_h * 0.3).at([
                    x,
                    thick + key_h / 2.0,
                    z,
                ]),
            );
        }
    }
    if rng.chance(0.7) {
        let tx = x0 + kb_depth + (hx - x0 - kb_depth) * 0.5;
        s.add(
            KEYBOARD,
            RoundedBox::new([(hx - x0 - kb_depth) * 0.3, 0.0006, width * 0.12], 0.0003).at([
                tx,
                thick + 0.0006,
                0.0,
            ]),
        );
    }

    // Lid: hinged at (-hx, thick), opened by `angle` from the deck (+x).
    let angle = rng.uniform(70f32, 135.0).to_radians();
    let lid_t = rng.uniform(0.004, 0.012);
    let lid_len = depth * rng.uniform(0.95, 1.05);
    let hinge = [-hx, thick, 0.0];
    let turn = Transform::rotate_z(angle - FRAC_PI_2).then_translate(hinge);
    // Lid local frame: y along the lid, inner face at x = 0, back at -lid_t.
    s.add(
        SCREEN,
        RoundedBox::new([lid_t / 2.0, lid_len / 2.0, hz], lid_t * 0.3)
            .at([-lid_t / 2.0, lid_len / 2.0, 0.0])
            .transformed(turn),
    );
    let bezel = rng.uniform(0.008, 0.02);
    s.add(
        SCREEN,
        RoundedBox::new([0.0005, lid_len / 2.0 - bezel, hz - bezel], 0.0002)
            .at([0.0005, lid_len / 2.0, 0.0])
            .transformed(turn),
    );
    // Hinge barrels belong to the base.
    let hr = thick * 0.35;
    for sz in [-1.0f32, 1.0] {
        let z = sz * hz * rng.uniform(0.5, 0.8);
        s.add(
            KEYBOARD,
            Frustum::cylinder(hr, width * 0.06, true)
                .transformed(Transform::rotate_x(FRAC_PI_2).then_translate([-hx + hr, thick, z])),
        );
    }
    s
}

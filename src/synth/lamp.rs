//! Lamp generator: base at the bottom, shade on top, y up; hanging lamps have
//! a ceiling canopy at the very top instead of a base.
//!
//! Variants: table lamps (turned/vase/box/disk base, straight stem, wide
//! shade), floor lamps (heavy disk, long pole, straight or arched), desk lamps
//! (jointed two- or three-segment arms ending in a cone or dome housing),
//! hanging lamps (canopy, cord or chain, shade or globe). Shades are open
//! frusta, cylinders, domes, or closed globes, sometimes with a bulb.

use super::math::{add, mul, normalize, sub, Transform, V3};
use super::primitives::{
    bezier, Frustum, RoundedBox, SphereZone, SurfaceExt, Torus, Tube, TubeEnd,
};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, TAU};

const BASE: usize = 0;
const SHADE: usize = 1;
const CANOPY: usize = 2;
const TUBE: usize = 3;

/// A shade hanging/standing with its axis along `axis` (unit, pointing from
/// the wide opening to the narrow top), its narrow end at `top`.
fn shade(s: &mut Shape, top: V3, axis: V3, size: f32, rng: &mut Rng) {
    let style = rng.below(5);
    let xf = |centre_offset: f32| {
        Transform::align_y(axis).then_translate(add(top, mul(axis, -centre_offset)))
    };
    match style {
        0 | 1 => {
            // Open frustum, wide at the bottom.
            let h = size * rng.uniform(0.6, 1.1);
            let r_bot = size * rng.uniform(0.5, 0.8);
            let r_top = r_bot * rng.uniform(0.35, 0.9);
            s.add(
                SHADE,
                Frustum::new(r_bot, r_top, h / 2.0, (false, style == 1)).transformed(xf(h / 2.0)),
            );
        }
        2 => {
            // Open cylinder drum.
            let h = size * rng.uniform(0.5, 0.9);
            let r = size * rng.uniform(0.4, 0.65);
            s.add(
                SHADE,
                Frustum::cylinder(r, h / 2.0, false).transformed(xf(h / 2.0)),
            );
        }
        3 => {
            // Dome, open at the bottom.
            let r = size * rng.uniform(0.45, 0.75);
            let cut = rng.uniform(-0.2, 0.2) * r;
            s.add(SHADE, SphereZone::new(r, cut, r).transformed(xf(r)));
        }
        _ => {
            // Globe.
            let r = size * rng.uniform(0.3, 0.5);
            s.add(SHADE, SphereZone::sphere(r).transformed(xf(r)));
        }
    }
    if rng.chance(0.3) {
        // Bulb visible inside the shade (bulb housing is lampshade).
        let r = size * 0.12;
        s.add(
            SHADE,
            SphereZone::sphere(r).at(add(top, mul(axis, -size * 0.35))),
        );
    }
}

fn base(s: &mut Shape, rng: &mut Rng, scale: f32) -> f32 {
    match rng.below(4) {
        0 => {
            let r = scale * rng.uniform(0.1, 0.18);
            let h = scale * rng.uniform(0.015, 0.04);
            s.add(
                BASE,
                Frustum::new(r, r * rng.uniform(0.7, 1.0), h / 2.0, (true, true)).at([
                    0.0,
                    h / 2.0,
                    0.0,
                ]),
            );
            h
        }
        1 => {
            // Vase / turned body.
            let r = scale * rng.uniform(0.08, 0.14);
            let h = scale * rng.uniform(0.15, 0.35);
            s.add(
                BASE,
                SphereZone::ellipsoid([r, h / 2.0, r], [0.0, h / 2.0, 0.0]),
            );
            h * 0.97
        }
        2 => {
            let w = scale * rng.uniform(0.07, 0.14);
            let h = scale * rng.uniform(0.02, 0.12);
            s.add(
                BASE,
                RoundedBox::new([w, h / 2.0, w * rng.uniform(0.7, 1.0)], 0.005 * scale).at([
                    0.0,
                    h / 2.0,
                    0.0,
                ]),
            );
            h
        }
        _ => {
            let r = scale * rng.uniform(0.08, 0.13);
            let h = scale * rng.uniform(0.08, 0.2);
            s.add(
                BASE,
                Frustum::new(r, r * rng.uniform(0.3, 0.7), h / 2.0, (true, true)).at([
                    0.0,
                    h / 2.0,
                    0.0,
                ]),
            );
            h
        }
    }
}

/// Build one random lamp.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    match rng.below(100) {
        0..=34 => {
            // Table lamp.
            let h0 = base(&mut s, rng, 1.0);
            let stem = rng.uniform(0.15, 0.35);
            let r = rng.uniform(0.008, 0.02);
            let top = h0 + stem;
            s.add(TUBE, Frustum::rod([0.0, h0 * 0.9, 0.0], [0.0, top, 0.0], r));
            let size = rng.uniform(0.25, 0.4);
            shade(
                &mut s,
                [0.0, top + size * 0.45, 0.0],
                [0.0, 1.0, 0.0],
                size,
                rng,
            );
        }
        35..=54 => {
            // Floor lamp: straight or arched pole.
            let h0 = base(&mut s, rng, 2.2);
            let pole = rng.uniform(1.2, 1.7);
            let r = rng.uniform(0.01, 0.02);
            if rng.chance(0.6) {
                let top = h0 + pole;
                s.add(TUBE, Frustum::rod([0.0, h0 * 0.9, 0.0], [0.0, top, 0.0], r));
                let size = rng.uniform(0.3, 0.5);
                shade(
                    &mut s,
                    [0.0, top + size * 0.4, 0.0],
                    [0.0, 1.0, 0.0],
                    size,
                    rng,
                );
            } else {
                let reach = rng.uniform(0.6, 1.1);
                let path = bezier(
                    [
                        [0.0, h0 * 0.9, 0.0],
                        [0.0, h0 + pole * 1.1, 0.0],
                        [reach * 0.6, h0 + pole * 1.15, 0.0],
                        [reach, h0 + pole * 0.85, 0.0],
                    ],
                    16,
                );
                let end = *path.last().unwrap();
                s.add(TUBE, Tube::new(&path, r, TubeEnd::Round));
                let size = rng.uniform(0.3, 0.45);
                shade(
                    &mut s,
                    add(end, [0.0, 0.02, 0.0]),
                    [0.0, 1.0, 0.0],
                    size,
                    rng,
                );
            }
        }
        55..=79 => {
            // Desk lamp with a jointed arm.
            let h0 = base(&mut s, rng, 1.0);
            let r = rng.uniform(0.006, 0.012);
            let segs = 2 + rng.below(2);
            let mut p = [0.0, h0 * 0.9, 0.0];
            let mut path = vec![p];
            let mut ang = rng.uniform(-0.5, 0.3); // from vertical, toward +x
            for _ in 0..segs {
                let l = rng.uniform(0.18, 0.35);
                p = add(p, [l * ang.sin(), l * ang.cos(), 0.0]);
                path.push(p);
                ang += rng.uniform(0.5, 1.4);
            }
            s.add(TUBE, Tube::new(&path, r, TubeEnd::Round));
            for &j in &path[1..path.len() - 1] {
                s.add(
                    TUBE,
                    Frustum::cylinder(r * 2.0, r * 1.2, true)
                        .transformed(Transform::rotate_x(FRAC_PI_2).then_translate(j)),
                );
            }
            // Head pointing down and forward.
            let dir = normalize([rng.uniform(0.0, 0.8), 1.0, 0.0]);
            let size = rng.uniform(0.12, 0.22);
            if rng.chance(0.5) {
                let h = size * rng.uniform(0.8, 1.3);
                s.add(
                    SHADE,
                    Frustum::new(size * 0.55, size * 0.15, h / 2.0, (false, true)).transformed(
                        Transform::align_y(dir).then_translate(sub(p, mul(dir, h / 2.0))),
                    ),
                );
            } else {
                shade(&mut s, p, dir, size, rng);
            }
        }
        _ => {
            // Hanging lamp: canopy, cord or chain, shade.
            let ceiling = rng.uniform(1.0, 1.6);
            let cr = rng.uniform(0.05, 0.1);
            let ch = rng.uniform(0.015, 0.05);
            s.add(
                CANOPY,
                Frustum::new(cr * rng.uniform(0.5, 1.0), cr, ch / 2.0, (true, true)).at([
                    0.0,
                    ceiling - ch / 2.0,
                    0.0,
                ]),
            );
            let drop = rng.uniform(0.3, 0.9);
            let bottom = ceiling - ch - drop;
            if rng.chance(0.3) {
                // Chain of links.
                let link = 0.04;
                let n = (drop / link) as usize;
                for k in 0..n {
                    let y = ceiling - ch - link * (k as f32 + 0.5);
                    let turn = if k % 2 == 0 { 0.0 } else { FRAC_PI_2 };
                    s.add(
                        TUBE,
                        Torus::new(link * 0.35, link * 0.08, TAU).transformed(
                            Transform::rotate_x(FRAC_PI_2)
                                .then(&Transform::scale([1.0, 1.4, 1.0]))
                                .then(&Transform::rotate_y(turn))
                                .then_translate([0.0, y, 0.0]),
                        ),
                    );
                }
            } else {
                let r = rng.uniform(0.003, 0.008);
                s.add(
                    TUBE,
                    Frustum::rod([0.0, bottom, 0.0], [0.0, ceiling - ch, 0.0], r),
                );
            }
            let size = rng.uniform(0.25, 0.5);
            shade(&mut s, [0.0, bottom, 0.0], [0.0, 1.0, 0.0], size, rng);
            if rng.chance(0.25) {
                // A multi-arm chandelier: extra arms with small shades.
                let arms = 3 + rng.below(3);
                let reach = size * rng.uniform(0.8, 1.3);
                for k in 0..arms {
                    let a = TAU * k as f32 / arms as f32;
                    let end = [reach * a.cos(), bottom - 0.05, reach * a.sin()];
                    s.add(TUBE, Frustum::rod([0.0, bottom + 0.02, 0.0], end, 0.008));
                    shade(
                        &mut s,
                        add(end, [0.0, 0.06, 0.0]),
                        [0.0, 1.0, 0.0],
                        size * 0.4,
                        rng,
                    );
                }
            }
        }
    }
    s
}

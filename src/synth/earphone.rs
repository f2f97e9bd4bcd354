//! Earphone generator.
//!
//! Headphones: a headband arc on top, the two ear cups at `-z` and `+z`,
//! an optional cable hanging below from one cup (about a third, as in the
//! real shapes). Variants: small on-ear pads to big over-ear cups
//! (cylinders, ellipsoids or rounded boxes, with cushions), thin or padded
//! bands (flattened tubes, optional inner pad), sliders, yoke rings or forks
//! around the cups, flat arms down the outside of the cups (headband),
//! exposed cables from the band ends to the cups (data_wire, as annotated on
//! real headphones); and
//! earbuds (about 20%): two buds without a headband whose wires join at a
//! splitter into one cable (`data_wire`), ending in a plug.

use super::math::{Transform, V3};
use super::primitives::{
    bezier, Frustum, RoundedBox, SphereZone, SurfaceExt, Torus, Tube, TubeEnd,
};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, PI, TAU};

const EARPHONE: usize = 0;
const HEADBAND: usize = 1;
const DATA_WIRE: usize = 2;

/// Chance that a headphone's band comes down the outside of each cup as a
/// flat arm (headband) to near the cup's bottom.
const ARMS: f32 = 0.3;

/// Build one random earphone (metres).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    if rng.chance(0.2) {
        earbuds(&mut s, rng);
    } else {
        headphones(&mut s, rng);
    }
    s
}

fn headphones(s: &mut Shape, rng: &mut Rng) {
    let half_w = rng.uniform(0.075, 0.095);
    // Small on-ear pads to big over-ear cups.
    let cup_r = half_w * rng.uniform(0.3, 0.65);
    let cup_d = rng.uniform(0.025, 0.05);
    let cup_y = 0.0;
    // Band: an arc (stretched vertically) over the head from cup to cup.
    let band_rz = half_w + rng.uniform(0.0, 0.01);
    let band_ry = rng.uniform(0.09, 0.14);
    let band_y0 = cup_y + cup_r * rng.uniform(0.6, 1.0);
    let band_r = rng.uniform(0.005, 0.009);
    let flat = rng.uniform(1.5, 3.0);
    let path: Vec<V3> = (0..=32)
        .map(|i| {
            let a = PI * i as f32 / 32.0;
            [0.0, band_y0 + band_ry * a.sin(), -band_rz * a.cos()]
        })
        .collect();
    s.add(
        HEADBAND,
        Tube::new(&path, band_r, TubeEnd::Round).transformed(Transform::scale([flat, 1.0, 1.0])),
    );
    if rng.chance(0.4) {
        // Padded cushion under the top of the band.
        let pad: Vec<V3> = (8..=24)
            .map(|i| {
                let a = PI * i as f32 / 32.0;
                [
                    0.0,
                    band_y0 + (band_ry - band_r * 2.2) * a.sin(),
                    -(band_rz - band_r * 2.2) * a.cos(),
                ]
            })
            .collect();
        s.add(
            HEADBAND,
            Tube::new(&pad, band_r * 1.3, TubeEnd::Round).transformed(Transform::scale([
                flat * 0.9,
                1.0,
                1.0,
            ])),
        );
    }
    // Sliders from the band ends down to the cup yokes (headband); some
    // bands end in a yoke ring around each cup (also headband), some hang
    // the cups on exposed cables from the band ends (data_wire).
    let cup_style = rng.below(3);
    let yoke = rng.chance(0.3);
    let side_wires = rng.chance(0.2);
    // Some bands come down the outside of the cups as flat arms to the cup
    // bottom (real 03261776/5fbad7de and c6dccc29: the headband spans the
    // whole height, its arms outside the cups down to their lowest points).
    let arms = (
        rng.chance(ARMS),
        rng.uniform(0.25, 0.45),
        rng.uniform(0.6, 1.0),
    );
    for sz in [-1.0f32, 1.0] {
        let z_in = sz * (half_w - cup_d);
        let z_out = sz * half_w;
        s.add(
            HEADBAND,
            Frustum::rod(
                [0.0, band_y0 + 0.005, sz * band_rz],
                [0.0, cup_y + cup_r * 0.5, sz * band_rz],
                band_r * 0.8,
            ),
        );
        if arms.0 {
            let (hx, ht) = (cup_r * arms.1, band_r * 0.6);
            let z = sz * (band_rz.max(half_w) + ht);
            s.add(
                HEADBAND,
                RoundedBox::from_corners(
                    [-hx, cup_y - cup_r * arms.2, z - ht],
                    [hx, band_y0 + 0.005, z + ht],
                    ht * 0.5,
                ),
            );
        }
        // Cup: axis along z, from the inner face to the outer shell.
        match cup_style {
            0 => s.add(
                EARPHONE,
                Frustum::between(
                    [0.0, cup_y, z_in],
                    [0.0, cup_y, z_out],
                    cup_r,
                    cup_r * rng.uniform(0.8, 1.0),
                    (true, true),
                ),
            ),
            1 => s.add(
                EARPHONE,
                SphereZone::ellipsoid(
                    [cup_r * 0.85, cup_r, cup_d * 0.6],
                    [0.0, cup_y, (z_in + z_out) / 2.0],
                ),
            ),
            _ => s.add(
                EARPHONE,
                RoundedBox::new([cup_r * 0.75, cup_r, cup_d / 2.0], cup_d * 0.35).at([
                    0.0,
                    cup_y,
                    (z_in + z_out) / 2.0,
                ]),
            ),
        }
        if yoke {
            // A ring (or a fork around the lower side) around the cup.
            let arc = if rng.chance(0.5) { TAU } else { PI * 1.3 };
            s.add(
                HEADBAND,
                Torus::new(cup_r * rng.uniform(1.02, 1.15), band_r * 0.8, arc).transformed(
                    Transform::rotate_y((arc - PI) / 2.0)
                        .then(&Transform::rotate_x(FRAC_PI_2))
                        .then_translate([0.0, cup_y, (z_in + z_out) / 2.0]),
                ),
            );
        }
        if side_wires {
            // An exposed cable from the band end curving out to the cup.
            let top = [0.0, band_y0, sz * band_rz];
            let end = [-cup_r * 0.3, cup_y - cup_r * 0.3, z_out];
            let wr = band_r * rng.uniform(0.4, 0.7);
            let out = rng.uniform(0.01, 0.025);
            let path = bezier(
                [
                    top,
                    [0.0, band_y0 - cup_r * 0.2, sz * (band_rz + out)],
                    [-cup_r * 0.2, cup_y + cup_r * 0.2, sz * (half_w + out)],
                    end,
                ],
                12,
            );
            s.add(DATA_WIRE, Tube::new(&path, wr, TubeEnd::Round));
        }
        // Cushion ring on the inner face.
        let cush = cup_r * rng.uniform(0.12, 0.2);
        s.add(
            EARPHONE,
            Torus::new(cup_r * 0.8, cush, TAU).transformed(
                Transform::rotate_x(FRAC_PI_2).then_translate([0.0, cup_y, z_in - sz * cush * 0.8]),
            ),
        );
    }
    if rng.chance(0.35) {
        // Cable from the bottom of the left cup, hanging with a loose curve.
        let z0 = -(half_w - cup_d / 2.0);
        let drop = rng.uniform(0.1, 0.25);
        let swing = rng.uniform(-0.05, 0.05);
        let start = [0.0, cup_y - cup_r * 0.9, z0];
        let end = [swing, cup_y - cup_r - drop, z0 * rng.uniform(0.0, 0.8)];
        let path = bezier(
            [
                start,
                [0.0, start[1] - drop * 0.4, z0 * 1.1],
                [swing * 0.5, end[1] + drop * 0.3, end[2] - 0.03],
                end,
            ],
            20,
        );
        let wr = rng.uniform(0.0018, 0.003);
        s.add(DATA_WIRE, Tube::new(&path, wr, TubeEnd::Flat));
        // Plug at the end.
        s.add(
            DATA_WIRE,
            Frustum::rod(end, [end[0], end[1] - 0.03, end[2]], wr * 2.2),
        );
    }
}

fn earbuds(s: &mut Shape, rng: &mut Rng) {
    let half_w = rng.uniform(0.03, 0.06);
    let bud_r = rng.uniform(0.008, 0.011);
    let wr = rng.uniform(0.0012, 0.002);
    let split_y = -rng.uniform(0.12, 0.2);
    let split = [0.0, split_y, 0.0];
    for sz in [-1.0f32, 1.0] {
        let c = [0.0, 0.0, sz * half_w];
        s.add(
            EARPHONE,
            SphereZone::ellipsoid([bud_r, bud_r, bud_r * 0.8], c),
        );
        // Nozzle pointing inward, stem pointing down.
        s.add(
            EARPHONE,
            Frustum::between(
                c,
                [0.0, 0.0, c[2] - sz * bud_r * 1.4],
                bud_r * 0.5,
                bud_r * 0.4,
                (false, true),
            ),
        );
        let stem_end = [0.0, -bud_r * 2.5, c[2]];
        s.add(
            EARPHONE,
            Frustum::between(c, stem_end, bud_r * 0.45, bud_r * 0.3, (false, true)),
        );
        let path = bezier(
            [
                stem_end,
                [0.0, stem_end[1] - 0.04, c[2]],
                [0.0, split_y + 0.04, sz * 0.005],
                split,
            ],
            14,
        );
        s.add(DATA_WIRE, Tube::new(&path, wr, TubeEnd::Flat));
    }
    s.add(
        DATA_WIRE,
        Frustum::rod(
            [0.0, split_y + 0.008, 0.0],
            [0.0, split_y - 0.008, 0.0],
            wr * 2.5,
        ),
    );
    let len = rng.uniform(0.1, 0.25);
    let sway = rng.uniform(-0.04, 0.04);
    let end = [sway, split_y - len, sway * 0.5];
    let path = bezier(
        [
            split,
            [0.0, split_y - len * 0.4, 0.0],
            [sway, split_y - len * 0.6, sway],
            end,
        ],
        16,
    );
    s.add(DATA_WIRE, Tube::new(&path, wr * 1.1, TubeEnd::Flat));
    s.add(
        DATA_WIRE,
        Frustum::rod(end, [end[0], end[1] - 0.025, end[2]], wr * 2.5),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headphones whose headband points include a flat surface facing out
    /// (along z) below the cup centres: arms down the outside of the cups.
    fn with_arms_below_the_cups(seeds: std::ops::Range<u64>) -> usize {
        let mut n = 0;
        for seed in seeds {
            let mut rng = Rng::new(seed);
            let s = build(&mut rng);
            let pts: Vec<_> = (0..3000)
                .filter_map(|_| s.surface_point(&mut rng))
                .collect();
            let cups: Vec<_> = pts.iter().filter(|q| q.0 == EARPHONE).collect();
            if cups.is_empty() {
                continue;
            }
            let centre = cups.iter().map(|q| q.1[1]).sum::<f32>() / cups.len() as f32;
            let outer = cups.iter().map(|q| q.1[2].abs()).fold(0.0, f32::max);
            // Sliders end above the cup centres and yoke rings sit at the
            // cups' mid-depth: neither lies outside the cups down there.
            let arm = pts
                .iter()
                .filter(|q| {
                    q.0 == HEADBAND && q.2[2].abs() > 0.9 && q.1[1] < centre && q.1[2].abs() > outer
                })
                .count();
            n += usize::from(arm >= 15);
        }
        n
    }

    #[test]
    fn some_headbands_come_down_the_outside_of_the_cups() {
        let n = with_arms_below_the_cups(0..200);
        // 80 % headphones, 30 % of them with arms.
        assert!((25..=75).contains(&n), "{n} of 200 earphones");
    }

    #[test]
    fn every_earphone_has_ear_pieces() {
        for seed in 0..40 {
            let s = build(&mut Rng::new(seed));
            assert!(s.part_areas(3)[EARPHONE] > 0.0, "seed {seed}");
        }
    }
}

//! Table generator: top at the top, legs down to the floor, y up.
//!
//! Uses: dining, desks, coffee tables (low, often thick tops or slab legs),
//! side tables (small, tall for their size), bar tables (high). Tops:
//! rectangular, rounded-rectangular, square, round, oval; glass-thin, normal
//! or thick. Bases (all `leg`): four legs (square, round, tapered, turned,
//! cabriole, hairpin; sometimes on castors), splayed legs, pedestals (column,
//! tulip, on a disk, cross or star of feet; doubled under long tops), tripods,
//! trestles, tube leg frames, X legs, solid side panels (slab legs, sometimes
//! joined by a floor plate), block bases, desks with a panel leg. Support
//! (aprons, stretchers, one or two shelves, drawers, drawer blocks, modesty
//! panels, spider brackets) is present in about half of the shapes; desk
//! carcasses (a full-height back panel, partitions and shelves) are all
//! support.

use super::math::{Transform, V3};
use super::primitives::{Frustum, RoundedBox, SphereZone, SurfaceExt, Torus, Tube, TubeEnd};
use super::primitives_extra::{ellipse, rounded_rect, slab, tapered_bar, turned, turned_profile};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, FRAC_PI_4, TAU};

const TOP: usize = 0;
const LEG: usize = 1;
const SUPPORT: usize = 2;

#[derive(Clone, Copy, PartialEq)]
enum Base {
    FourLegs,
    Splayed,
    Pedestal,
    Tripod,
    Trestle,
    Frames,
    XLegs,
    Panels,
    Block,
    Desk,
    /// Desks standing on support panels: a back panel and partitions.
    Carcass,
}

/// The top outline and where it sits.
struct Top {
    hx: f32,
    hz: f32,
    thick: f32,
    /// Height of the underside of the top.
    under: f32,
    round: bool,
}

impl Top {
    /// Half the long side and half the short side.
    fn half_lengths(&self) -> (f32, f32) {
        if self.hx >= self.hz {
            (self.hx, self.hz)
        } else {
            (self.hz, self.hx)
        }
    }

    /// The point `a` along the long side, `y` up and `b` along the short
    /// side, in the table's x-y-z frame.
    fn along(&self, a: f32, y: f32, b: f32) -> V3 {
        if self.hx >= self.hz {
            [a, y, b]
        } else {
            [b, y, a]
        }
    }
}

/// Build one random table.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let usage = rng.below(100);
    let (coffee, side, bar, desk) = (
        usage < 18,
        (18..26).contains(&usage),
        (26..31).contains(&usage),
        (31..47).contains(&usage),
    );
    let height = if coffee {
        rng.uniform(0.28, 0.5)
    } else if side {
        rng.uniform(0.45, 0.72)
    } else if bar {
        rng.uniform(0.9, 1.1)
    } else {
        rng.uniform(0.68, 0.8)
    };
    // Top outline: 0 rect, 1 rounded rect, 2 square, 3 round, 4 oval.
    let outline = if desk {
        if rng.chance(0.85) {
            0
        } else {
            1
        }
    } else {
        match rng.below(100) {
            0..=49 => 0,
            50..=57 => 1,
            58..=67 => 2,
            68..=89 => 3,
            _ => 4,
        }
    };
    let round = outline >= 3;
    let (len, wid) = if side || bar {
        let l = rng.uniform(0.35, 0.8);
        (
            l,
            if outline <= 1 {
                l * rng.uniform(0.6, 1.0)
            } else {
                l
            },
        )
    } else if desk {
        let l = rng.uniform(1.0, 1.9);
        (l, rng.uniform(0.5, 0.85))
    } else {
        match outline {
            0 | 1 => {
                let l = rng.uniform(0.8, 2.4);
                (l, l * rng.uniform(0.4, 0.85))
            }
            2 | 3 => {
                let d = rng.uniform(0.6, 1.3);
                (d, d)
            }
            _ => {
                let l = rng.uniform(1.0, 2.0);
                (l, l * rng.uniform(0.5, 0.8))
            }
        }
    };
    // The long side lies along z in most real tables (all seven reference
    // tables are longer in z than in x), along x in the rest.
    let (hx, hz) = if rng.chance(0.2) {
        (len / 2.0, wid / 2.0)
    } else {
        (wid / 2.0, len / 2.0)
    };
    // Real tops are often thick slabs (a fifth to a quarter of the height of
    // low tables) or framed boards.
    let thick = match rng.below(100) {
        0..=6 => rng.uniform(0.006, 0.014), // glass
        7..=29 => rng.uniform(0.05, if coffee { 0.12 } else { 0.1 }),
        _ => rng.uniform(0.02, 0.05),
    }
    .min(height * 0.25);
    let top = Top {
        hx,
        hz,
        thick,
        under: height - thick,
        round,
    };
    add_top(&mut s, rng, &top, outline);
    if thick > 0.015 && rng.chance(0.12) {
        add_skirt(&mut s, rng, &top);
    }

    let base = pick_base(rng, &top, coffee, side, desk, bar);
    let support = rng.chance(0.55);
    match base {
        Base::FourLegs | Base::Splayed => four_legs(&mut s, rng, &top, base, support, coffee),
        Base::Pedestal => pedestal(&mut s, rng, &top, support),
        Base::Tripod => tripod(&mut s, rng, &top, support),
        Base::Trestle => trestle(&mut s, rng, &top, support),
        Base::Frames => frames(&mut s, rng, &top, support),
        Base::XLegs => x_legs(&mut s, rng, &top, support),
        Base::Panels => panels(&mut s, rng, &top, support),
        Base::Block => block(&mut s, rng, &top),
        Base::Desk => desk_base(&mut s, rng, &top, support),
        Base::Carcass => carcass(&mut s, rng, &top),
    }
    s
}

fn pick_base(rng: &mut Rng, top: &Top, coffee: bool, side: bool, desk: bool, bar: bool) -> Base {
    if desk {
        return match rng.below(20) {
            0..=7 => Base::Desk,
            8..=10 => Base::Carcass,
            11..=13 => Base::FourLegs,
            14..=15 => Base::Panels,
            16..=17 => Base::Frames,
            _ => Base::Trestle,
        };
    }
    if top.round {
        return match rng.below(100) {
            0..=44 => Base::Pedestal,
            45..=71 => Base::FourLegs,
            72..=81 => Base::Splayed,
            82..=93 => Base::Tripod,
            94..=97 => Base::XLegs,
            _ => Base::Block,
        };
    }
    if bar {
        return match rng.below(10) {
            0..=3 => Base::Pedestal,
            4..=7 => Base::FourLegs,
            8 => Base::Splayed,
            _ => Base::Panels,
        };
    }
    if coffee || side {
        return match rng.below(100) {
            0..=44 => Base::FourLegs,
            45..=56 => Base::Splayed,
            57..=71 => Base::Panels,
            72..=75 => Base::Block,
            76..=84 => Base::Frames,
            85..=91 => Base::Pedestal,
            _ => Base::XLegs,
        };
    }
    match rng.below(100) {
        0..=49 => Base::FourLegs,
        50..=57 => Base::Splayed,
        58..=69 => Base::Panels,
        70..=77 => Base::Trestle,
        78..=85 => Base::Frames,
        86..=91 => Base::XLegs,
        _ => Base::Pedestal,
    }
}

fn add_top(s: &mut Shape, rng: &mut Rng, t: &Top, outline: usize) {
    let y0 = t.under;
    let y1 = t.under + t.thick;
    match outline {
        0 | 2 => s.add(
            TOP,
            RoundedBox::new([t.hx, t.thick / 2.0, t.hz], t.thick * rng.uniform(0.0, 0.5)).at([
                0.0,
                y0 + t.thick / 2.0,
                0.0,
            ]),
        ),
        1 => {
            let r = t.hx.min(t.hz) * rng.uniform(0.1, 0.5);
            s.add(TOP, slab(&rounded_rect(t.hx, t.hz, r, 6), y0, y1));
        }
        3 => s.add(
            TOP,
            Frustum::cylinder(1.0, t.thick / 2.0, true).transformed(
                Transform::scale([t.hx, 1.0, t.hz]).then_translate([0.0, y0 + t.thick / 2.0, 0.0]),
            ),
        ),
        _ => s.add(TOP, slab(&ellipse(t.hx, t.hz, 48), y0, y1)),
    }
}

/// A skirt (frame band) flush under the edge of the top, modelled as part of
/// the top: some real tops are a board on a frame and annotators labelled
/// the whole as desktop.
fn add_skirt(s: &mut Shape, rng: &mut Rng, t: &Top) {
    let h = rng.uniform(0.03, 0.09).min(t.under * 0.2);
    let th = rng.uniform(0.01, 0.025);
    let inset = if rng.chance(0.6) {
        0.0
    } else {
        rng.uniform(0.01, 0.04)
    };
    let (y0, y1) = (t.under - h, t.under);
    if t.round {
        s.add(
            TOP,
            Frustum::new(1.0, 1.0, h / 2.0, (false, false)).transformed(
                Transform::scale([t.hx - inset, 1.0, t.hz - inset]).then_translate([
                    0.0,
                    y0 + h / 2.0,
                    0.0,
                ]),
            ),
        );
        return;
    }
    let (ax, az) = (t.hx - inset, t.hz - inset);
    for sg in [-1.0f32, 1.0] {
        // Boards along x at z = +-az and along z at x = +-ax, inside the edge.
        let (z0, z1) = (sg * az, sg * (az - th));
        s.add(
            TOP,
            RoundedBox::from_corners([-ax, y0, z0.min(z1)], [ax, y1, z0.max(z1)], 0.002),
        );
        let (x0, x1) = (sg * ax, sg * (ax - th));
        s.add(
            TOP,
            RoundedBox::from_corners([x0.min(x1), y0, -az + th], [x0.max(x1), y1, az - th], 0.002),
        );
    }
}

/// Corner positions of four legs under the top, `half` = leg half width.
fn corners(t: &Top, inset: f32, half: f32) -> [(f32, f32); 4] {
    let (lx, lz) = if t.round {
        let k = std::f32::consts::FRAC_1_SQRT_2 * (1.0 - inset.min(0.3));
        (t.hx * k - half, t.hz * k - half)
    } else {
        (t.hx - inset - half, t.hz - inset - half)
    };
    [(lx, lz), (lx, -lz), (-lx, lz), (-lx, -lz)]
}

fn four_legs(s: &mut Shape, rng: &mut Rng, t: &Top, base: Base, support: bool, coffee: bool) {
    let under = t.under;
    let half = rng.uniform(0.012, 0.04);
    let inset = if rng.chance(0.25) {
        0.0
    } else {
        rng.uniform(0.01, 0.12)
    };
    let pos = corners(t, inset, half);
    let castors = rng.chance(0.08);
    let foot = if castors {
        rng.uniform(0.04, 0.07)
    } else {
        0.0
    };
    // 0 square, 1 round, 2 tapered square, 3 tapered round, 4 turned,
    // 5 cabriole, 6 hairpin.
    let style = if base == Base::Splayed {
        rng.below(4)
    } else {
        match rng.below(100) {
            0..=29 => 0,
            30..=49 => 1,
            50..=64 => 2,
            65..=74 => 3,
            75..=86 => 4,
            87..=93 => 5,
            _ => {
                if coffee {
                    6
                } else {
                    0
                }
            }
        }
    };
    let splay = if base == Base::Splayed {
        rng.uniform(0.06, 0.2) * under
    } else {
        0.0
    };
    let taper = rng.uniform(0.35, 0.7);
    let profile = turned_profile(rng, half, 9);
    let bend = rng.uniform(0.04, 0.1);
    for &(x, z) in &pos {
        let (sx, sz) = (x.signum(), z.signum());
        let top_p = [x, under, z];
        let bot = [x + sx * splay * 0.7, foot, z + sz * splay * 0.7];
        match style {
            0 => s.add(LEG, RoundedBox::bar(bot, top_p, half, half * 0.15)),
            1 => s.add(LEG, Frustum::between(bot, top_p, half, half, (true, true))),
            2 => s.add(LEG, tapered_bar(bot, top_p, half * taper, half)),
            3 => s.add(
                LEG,
                Frustum::between(bot, top_p, half * taper, half, (true, true)),
            ),
            4 => s.add(LEG, turned(bot, top_p, &profile)),
            5 => {
                // Cabriole: knee bulging out, foot tucked in.
                let path = super::primitives::bezier(
                    [
                        top_p,
                        [x + sx * bend, under * 0.6, z + sz * bend],
                        [x - sx * bend * 0.5, under * 0.2, z - sz * bend * 0.5],
                        [x + sx * bend * 0.3, foot, z + sz * bend * 0.3],
                    ],
                    10,
                );
                s.add(LEG, Tube::new(&path, half * 0.8, TubeEnd::Flat));
            }
            _ => {
                // Hairpin: two thin rods meeting at the foot.
                let r = rng.uniform(0.005, 0.009);
                let d = half * 3.0;
                let foot_p = [x, foot, z];
                s.add(LEG, Frustum::rod([x - sx * d, under, z], foot_p, r));
                s.add(LEG, Frustum::rod([x, under, z - sz * d], foot_p, r));
            }
        }
        if castors {
            add_castor(s, [bot[0], 0.0, bot[2]], foot);
        }
    }
    if !support {
        return;
    }
    let (ax, az) = (pos[0].0.abs(), pos[0].1.abs());
    let apron = rng.chance(0.75);
    if apron && (!t.round || rng.chance(0.5)) {
        let apron_h = rng.uniform(0.04, 0.14).min(under * 0.3);
        let th = rng.uniform(0.008, 0.02);
        if t.round {
            // A ring apron under a round top.
            let r = (t.hx.min(t.hz) * 0.72).max(ax.hypot(az));
            s.add(
                SUPPORT,
                Frustum::new(r, r, apron_h / 2.0, (false, false)).at([
                    0.0,
                    under - apron_h / 2.0,
                    0.0,
                ]),
            );
        } else {
            for sz in [-1.0f32, 1.0] {
                s.add(
                    SUPPORT,
                    RoundedBox::from_corners(
                        [-ax + half, under - apron_h, sz * az - th],
                        [ax - half, under, sz * az + th],
                        0.003,
                    ),
                );
            }
            for sx in [-1.0f32, 1.0] {
                s.add(
                    SUPPORT,
                    RoundedBox::from_corners(
                        [sx * ax - th, under - apron_h, -az + half],
                        [sx * ax + th, under, az - half],
                        0.003,
                    ),
                );
            }
            if rng.chance(0.2) {
                // A drawer front hanging under the apron at +x.
                let dz = az * rng.uniform(0.3, 0.6);
                s.add(
                    SUPPORT,
                    RoundedBox::from_corners(
                        [ax - 0.3 * ax, under - apron_h * 1.6, -dz],
                        [ax + th, under, dz],
                        0.004,
                    ),
                );
            }
        }
    }
    let y = (under * rng.uniform(0.1, 0.3)).max(foot + 0.03);
    let spread = |v: f32, sgn: f32| v + sgn * splay * 0.7 * (1.0 - y / under);
    match rng.below(5) {
        0 | 1 => {
            // Lower shelf, sometimes a second one.
            let shelves = if rng.chance(0.25) { 2 } else { 1 };
            for k in 0..shelves {
                let yk = y + k as f32 * (under - y) * 0.45;
                let th = rng.uniform(0.012, 0.03);
                if t.round {
                    let r = ax.hypot(az) + half;
                    s.add(
                        SUPPORT,
                        Frustum::cylinder(r, th / 2.0, true).at([0.0, yk + th / 2.0, 0.0]),
                    );
                } else {
                    s.add(
                        SUPPORT,
                        RoundedBox::from_corners(
                            [-spread(ax, 1.0) - half, yk, -spread(az, 1.0) - half],
                            [spread(ax, 1.0) + half, yk + th, spread(az, 1.0) + half],
                            0.003,
                        ),
                    );
                }
            }
        }
        2 => {
            // H stretchers: along the long sides and one across.
            let r = half * 0.45;
            let along_x = ax > az;
            for sg in [-1.0f32, 1.0] {
                let (a, b) = if along_x {
                    (
                        [-spread(ax, 1.0), y, sg * spread(az, 1.0)],
                        [spread(ax, 1.0), y, sg * spread(az, 1.0)],
                    )
                } else {
                    (
                        [sg * spread(ax, 1.0), y, -spread(az, 1.0)],
                        [sg * spread(ax, 1.0), y, spread(az, 1.0)],
                    )
                };
                s.add(SUPPORT, Frustum::rod(a, b, r));
            }
            if along_x {
                s.add(
                    SUPPORT,
                    Frustum::rod([0.0, y, -spread(az, 1.0)], [0.0, y, spread(az, 1.0)], r),
                );
            } else {
                s.add(
                    SUPPORT,
                    Frustum::rod([-spread(ax, 1.0), y, 0.0], [spread(ax, 1.0), y, 0.0], r),
                );
            }
        }
        3 => {
            // Box stretchers all round.
            let r = half * rng.uniform(0.35, 0.7);
            let (px, pz) = (spread(ax, 1.0), spread(az, 1.0));
            let ring = [
                [px, y, pz],
                [px, y, -pz],
                [-px, y, -pz],
                [-px, y, pz],
                [px, y, pz],
            ];
            for w in ring.windows(2) {
                s.add(SUPPORT, RoundedBox::bar(w[0], w[1], r, r * 0.2));
            }
        }
        _ => {
            // X stretchers between opposite legs.
            let r = half * 0.45;
            let (px, pz) = (spread(ax, 1.0), spread(az, 1.0));
            s.add(SUPPORT, Frustum::rod([px, y, pz], [-px, y, -pz], r));
            s.add(SUPPORT, Frustum::rod([px, y, -pz], [-px, y, pz], r));
        }
    }
}

/// A castor under a leg foot: a fork block and a small wheel, labelled leg.
fn add_castor(s: &mut Shape, at: V3, h: f32) {
    let r = h * 0.4;
    s.add(
        LEG,
        RoundedBox::new([r * 0.6, h * 0.15, r * 0.6], r * 0.1).at([at[0], h * 0.85, at[2]]),
    );
    s.add(
        LEG,
        Torus::new(r * 0.6, r * 0.4, TAU)
            .transformed(Transform::rotate_x(FRAC_PI_2).then_translate([at[0], r, at[2]])),
    );
}

fn pedestal(s: &mut Shape, rng: &mut Rng, t: &Top, support: bool) {
    let under = t.under;
    let long = t.hx.max(t.hz) > 1.6 * t.hx.min(t.hz) && !t.round;
    let centres: Vec<(f32, f32)> = if long {
        let d = t.hx.max(t.hz) * 0.55;
        if t.hx > t.hz {
            vec![(d, 0.0), (-d, 0.0)]
        } else {
            vec![(0.0, d), (0.0, -d)]
        }
    } else {
        vec![(0.0, 0.0)]
    };
    let small = t.hx.min(t.hz);
    let col = rng.uniform(0.03, 0.1).min(small * 0.3);
    let column = rng.below(4); // 0 cylinder, 1 taper, 2 tulip/flared, 3 square
    let feet = rng.below(4); // 0 disk, 1 cross, 2 star, 3 square plate
    let reach = small * rng.uniform(0.45, 0.8);
    let n_feet = if feet == 2 {
        5
    } else if rng.chance(0.7) {
        4
    } else {
        3
    };
    let plate = rng.uniform(0.015, 0.05);
    let profile = turned_profile(rng, col * 1.3, 7);
    let turned_col = rng.chance(0.2);
    for &(cx, cz) in &centres {
        let b = [cx, plate, cz];
        let a = [cx, under, cz];
        match column {
            _ if turned_col => s.add(LEG, turned(b, a, &profile)),
            0 => s.add(LEG, Frustum::between(b, a, col, col, (false, true))),
            1 => s.add(
                LEG,
                Frustum::between(b, a, col * 1.5, col * 0.8, (false, true)),
            ),
            2 => s.add(
                LEG,
                Frustum::between(b, a, reach * 0.5, col * 0.7, (false, true)),
            ),
            _ => s.add(LEG, RoundedBox::bar(b, a, col, col * 0.1)),
        }
        match feet {
            0 => {
                let r = reach;
                s.add(
                    LEG,
                    Frustum::new(r, r * rng.uniform(0.6, 1.0), plate / 2.0, (true, true)).at([
                        cx,
                        plate / 2.0,
                        cz,
                    ]),
                );
            }
            3 => {
                let r = reach * 0.85;
                s.add(
                    LEG,
                    RoundedBox::from_corners([cx - r, 0.0, cz - r], [cx + r, plate, cz + r], 0.004),
                );
            }
            _ => {
                let rot = if rng.chance(0.5) { FRAC_PI_4 } else { 0.0 };
                for k in 0..n_feet {
                    let a = TAU * k as f32 / n_feet as f32 + rot;
                    let tip = [cx + reach * a.cos(), 0.012, cz + reach * a.sin()];
                    s.add(
                        LEG,
                        RoundedBox::bar([cx, plate + 0.02, cz], tip, 0.02, 0.005),
                    );
                }
            }
        }
    }
    if long && (support || rng.chance(0.5)) {
        let (a, b) = (centres[0], centres[1]);
        let y = under * rng.uniform(0.2, 0.5);
        s.add(
            SUPPORT,
            RoundedBox::bar([a.0, y, a.1], [b.0, y, b.1], col * 0.5, 0.004),
        );
    } else if support {
        for &(cx, cz) in &centres {
            if rng.chance(0.5) {
                // Spider bracket under the top.
                let r = small * 0.5;
                for k in 0..4 {
                    let a = FRAC_PI_2 * k as f32 + FRAC_PI_4;
                    s.add(
                        SUPPORT,
                        RoundedBox::bar(
                            [cx, under - 0.05, cz],
                            [cx + r * a.cos(), under - 0.012, cz + r * a.sin()],
                            0.012,
                            0.003,
                        ),
                    );
                }
            } else {
                // A small plate under the top.
                let r = small * rng.uniform(0.25, 0.5);
                s.add(
                    SUPPORT,
                    Frustum::cylinder(r, 0.012, true).at([cx, under - 0.012, cz]),
                );
            }
        }
    }
}

fn tripod(s: &mut Shape, rng: &mut Rng, t: &Top, support: bool) {
    let under = t.under;
    let r0 = t.hx.min(t.hz) * rng.uniform(0.35, 0.6);
    let spread = rng.uniform(1.0, 1.5);
    let rad = rng.uniform(0.012, 0.03);
    let rot = rng.uniform(0.0, TAU);
    for k in 0..3 {
        let a = TAU * k as f32 / 3.0 + rot;
        let (c, sn) = (a.cos(), a.sin());
        s.add(
            LEG,
            Frustum::between(
                [r0 * spread * c, 0.0, r0 * spread * sn],
                [r0 * c, under, r0 * sn],
                rad * 0.7,
                rad,
                (true, true),
            ),
        );
    }
    if support {
        let y = under * rng.uniform(0.25, 0.5);
        let f = 1.0 + (spread - 1.0) * (1.0 - y / under);
        if rng.chance(0.5) {
            s.add(
                SUPPORT,
                Frustum::cylinder(r0 * f + rad, 0.01, true).at([0.0, y, 0.0]),
            );
        } else {
            s.add(
                SUPPORT,
                Torus::new(r0 * f, rad * 0.5, TAU).at([0.0, y, 0.0]),
            );
        }
    }
}

fn trestle(s: &mut Shape, rng: &mut Rng, t: &Top, support: bool) {
    let under = t.under;
    let along_x = t.hx > t.hz;
    let (l, w) = if along_x { (t.hx, t.hz) } else { (t.hz, t.hx) };
    let at = rng.uniform(0.65, 0.88);
    let style = rng.below(3); // 0 board, 1 A-frame, 2 post
    let foot_h = rng.uniform(0.03, 0.07);
    for sl in [-1.0f32, 1.0] {
        let p = |a: f32, y: f32, b: f32| -> V3 {
            if along_x {
                [sl * l * at + a, y, b]
            } else {
                [b, y, sl * l * at + a]
            }
        };
        match style {
            0 => s.add(
                LEG,
                RoundedBox::from_corners(
                    p(-0.025, foot_h, -w * 0.5),
                    p(0.025, under, w * 0.5),
                    0.005,
                ),
            ),
            1 => {
                s.add(
                    LEG,
                    Frustum::rod(p(0.0, foot_h, -w * 0.75), p(0.0, under, 0.0), 0.025),
                );
                s.add(
                    LEG,
                    Frustum::rod(p(0.0, foot_h, w * 0.75), p(0.0, under, 0.0), 0.025),
                );
            }
            _ => s.add(
                LEG,
                RoundedBox::bar(p(0.0, foot_h, 0.0), p(0.0, under, 0.0), 0.05, 0.008),
            ),
        }
        s.add(
            LEG,
            RoundedBox::from_corners(p(-0.04, 0.0, -w * 0.8), p(0.04, foot_h, w * 0.8), 0.01),
        );
        if style == 2 {
            s.add(
                LEG,
                RoundedBox::from_corners(
                    p(-0.04, under - 0.05, -w * 0.75),
                    p(0.04, under, w * 0.75),
                    0.008,
                ),
            );
        }
    }
    if support || rng.chance(0.5) {
        let y = under * rng.uniform(0.3, 0.6);
        let a = if along_x {
            [-l * at, y, 0.0]
        } else {
            [0.0, y, -l * at]
        };
        let b = [-a[0], y, -a[2]];
        s.add(SUPPORT, RoundedBox::bar(a, b, 0.025, 0.005));
    }
}

fn frames(s: &mut Shape, rng: &mut Rng, t: &Top, support: bool) {
    let under = t.under;
    let r = rng.uniform(0.01, 0.025);
    let along_x = t.hx > t.hz;
    let inset = rng.uniform(0.0, 0.1);
    let (lx, lz) = (t.hx - inset - r, t.hz - inset - r);
    let sled = rng.chance(0.3); // open at the top corners: sled-like loops
    let square = rng.chance(0.5);
    for sl in [-1.0f32, 1.0] {
        let c = |b: f32, y: f32| -> V3 {
            if along_x {
                [sl * lx, y, b * lz]
            } else {
                [b * lx, y, sl * lz]
            }
        };
        if square {
            let path = [c(-1.0, under), c(-1.0, r), c(1.0, r), c(1.0, under)];
            s.add(LEG, RoundedBox::bar(path[0], path[1], r, r * 0.1));
            s.add(LEG, RoundedBox::bar(path[1], path[2], r, r * 0.1));
            s.add(LEG, RoundedBox::bar(path[2], path[3], r, r * 0.1));
            if !sled {
                s.add(LEG, RoundedBox::bar(path[3], path[0], r, r * 0.1));
            }
        } else {
            let mut path = vec![c(-1.0, under), c(-1.0, r), c(1.0, r), c(1.0, under)];
            if !sled {
                path.push(c(-1.0, under));
            }
            s.add(LEG, Tube::new(&path, r, TubeEnd::Flat));
        }
    }
    if support {
        if rng.chance(0.5) {
            let y = under - 0.03;
            for b in [-1.0f32, 1.0] {
                let (a, e) = if along_x {
                    ([-lx, y, b * lz], [lx, y, b * lz])
                } else {
                    ([b * lx, y, -lz], [b * lx, y, lz])
                };
                s.add(SUPPORT, Frustum::rod(a, e, r * 0.8));
            }
        } else {
            let y = under * rng.uniform(0.15, 0.4);
            s.add(
                SUPPORT,
                RoundedBox::from_corners([-lx + r, y, -lz + r], [lx - r, y + 0.015, lz - r], 0.003),
            );
        }
    }
}

fn x_legs(s: &mut Shape, rng: &mut Rng, t: &Top, support: bool) {
    let under = t.under;
    let along_x = t.hx > t.hz || t.round && rng.chance(0.5);
    let (l, w) = if along_x { (t.hx, t.hz) } else { (t.hz, t.hx) };
    let at = rng.uniform(0.6, 0.85) * if t.round { 0.75 } else { 1.0 };
    let half = rng.uniform(0.015, 0.035);
    for sl in [-1.0f32, 1.0] {
        let p = |b: f32, y: f32| -> V3 {
            if along_x {
                [sl * l * at, y, b]
            } else {
                [b, y, sl * l * at]
            }
        };
        let ww = w * 0.8;
        s.add(
            LEG,
            RoundedBox::bar(p(-ww, 0.0), p(ww, under), half, half * 0.2),
        );
        s.add(
            LEG,
            RoundedBox::bar(p(ww, 0.0), p(-ww, under), half, half * 0.2),
        );
    }
    if support {
        let y = under * 0.5;
        let a = if along_x {
            [-l * at, y, 0.0]
        } else {
            [0.0, y, -l * at]
        };
        s.add(SUPPORT, Frustum::rod(a, [-a[0], y, -a[2]], half * 0.6));
    }
}

fn panels(s: &mut Shape, rng: &mut Rng, t: &Top, support: bool) {
    let under = t.under;
    // Panels across the short side at both ends of the long side.
    let along_x = t.hx >= t.hz;
    let (l, w) = if along_x { (t.hx, t.hz) } else { (t.hz, t.hx) };
    let th = if t.thick > 0.05 && rng.chance(0.5) {
        t.thick // waterfall: as thick as the top
    } else {
        rng.uniform(0.015, 0.07)
    };
    let inset = if rng.chance(0.4) {
        0.0
    } else {
        rng.uniform(0.02, 0.2) * l
    };
    let depth = w * rng.uniform(0.8, 1.0);
    let pos = l - inset - th;
    let plate = rng.chance(0.15);
    let cut = rng.chance(0.15); // an arch cut out of the panel: two feet
    let p = |a: f32, y: f32, b: f32| -> V3 {
        if along_x {
            [a, y, b]
        } else {
            [b, y, a]
        }
    };
    for sl in [-1.0f32, 1.0] {
        let x = sl * pos;
        if cut {
            let foot = depth * rng.uniform(0.15, 0.3);
            let arch = under * rng.uniform(0.2, 0.5);
            s.add(
                LEG,
                RoundedBox::from_corners(p(x - th, arch, -depth), p(x + th, under, depth), 0.003),
            );
            for sb in [-1.0f32, 1.0] {
                s.add(
                    LEG,
                    RoundedBox::from_corners(
                        p(x - th, 0.0, sb * depth - foot),
                        p(x + th, arch, sb * depth),
                        0.003,
                    ),
                );
            }
        } else {
            s.add(
                LEG,
                RoundedBox::from_corners(p(x - th, 0.0, -depth), p(x + th, under, depth), 0.003),
            );
        }
    }
    if plate {
        s.add(
            LEG,
            RoundedBox::from_corners(p(-pos - th, 0.0, -depth), p(pos + th, th, depth), 0.003),
        );
    }
    if support {
        match rng.below(3) {
            0 => {
                // Modesty / back panel.
                let h = under * rng.uniform(0.3, 0.8);
                let b = -depth * rng.uniform(0.6, 1.0);
                s.add(
                    SUPPORT,
                    RoundedBox::from_corners(
                        p(-pos + th, under - h, b - 0.01),
                        p(pos - th, under, b + 0.01),
                        0.003,
                    ),
                );
            }
            1 => {
                // One or two shelves between the panels.
                let n = if rng.chance(0.3) { 2 } else { 1 };
                for k in 0..n {
                    let y = if plate { th } else { 0.0 }
                        + under * (0.12 + 0.4 * k as f32) * rng.uniform(0.7, 1.3);
                    s.add(
                        SUPPORT,
                        RoundedBox::from_corners(
                            p(-pos + th, y, -depth * 0.95),
                            p(pos - th, y + 0.02, depth * 0.95),
                            0.003,
                        ),
                    );
                }
            }
            _ => {
                // A beam or apron between the panels under the top.
                let h = rng.uniform(0.04, 0.12).min(under * 0.3);
                for sb in [-1.0f32, 1.0] {
                    s.add(
                        SUPPORT,
                        RoundedBox::from_corners(
                            p(-pos + th, under - h, sb * depth * 0.9 - 0.01),
                            p(pos - th, under, sb * depth * 0.9 + 0.01),
                            0.003,
                        ),
                    );
                }
            }
        }
    }
}

/// A solid block or drum base (coffee and side tables), labelled leg.
fn block(s: &mut Shape, rng: &mut Rng, t: &Top) {
    let under = t.under;
    let k = rng.uniform(0.5, 0.9);
    if t.round || rng.chance(0.3) {
        let r = t.hx.min(t.hz) * k;
        s.add(
            LEG,
            Frustum::new(r * rng.uniform(0.7, 1.1), r, under / 2.0, (true, false)).at([
                0.0,
                under / 2.0,
                0.0,
            ]),
        );
    } else {
        s.add(
            LEG,
            RoundedBox::new([t.hx * k, under / 2.0, t.hz * k], 0.01).at([0.0, under / 2.0, 0.0]),
        );
    }
}

/// Desks: panel or post legs on one side, a drawer block (support) on the
/// other, or drawer blocks on both sides; modesty panels and keyboard trays.
fn desk_base(s: &mut Shape, rng: &mut Rng, t: &Top, support: bool) {
    let under = t.under;
    let (l, w) = t.half_lengths();
    let p = |a: f32, y: f32, b: f32| t.along(a, y, b);
    let th = rng.uniform(0.015, 0.04);
    let side = if rng.chance(0.5) { 1.0 } else { -1.0 };
    let both_blocks = support && rng.chance(0.15);
    let block_w = l * rng.uniform(0.25, 0.4);
    let legs_as_posts = rng.chance(0.3);
    // The leg side (or both when there is no drawer block).
    let leg_sides: Vec<f32> = if support && !both_blocks {
        vec![-side]
    } else if both_blocks {
        vec![]
    } else {
        vec![-1.0, 1.0]
    };
    for &sl in &leg_sides {
        let x = sl * (l - 0.01 - th);
        if legs_as_posts {
            for sb in [-1.0f32, 1.0] {
                s.add(
                    LEG,
                    RoundedBox::bar(
                        p(x, 0.0, sb * (w - 0.04)),
                        p(x, under, sb * (w - 0.04)),
                        0.025,
                        0.004,
                    ),
                );
            }
        } else {
            s.add(
                LEG,
                RoundedBox::from_corners(
                    p(x - th, 0.0, -w + 0.01),
                    p(x + th, under, w - 0.01),
                    0.003,
                ),
            );
        }
    }
    if !support {
        return;
    }
    let sides: Vec<f32> = if both_blocks {
        vec![-1.0, 1.0]
    } else {
        vec![side]
    };
    let floor = rng.chance(0.8);
    let dh = if floor {
        under
    } else {
        under * rng.uniform(0.2, 0.4)
    };
    let drawers = 1 + rng.below(4);
    // Annotators labelled floor-standing drawer cabinets either way: as the
    // leg they stand in for, or as support (drawers).
    let block_part = if floor && rng.chance(0.15) {
        LEG
    } else {
        SUPPORT
    };
    for &sl in &sides {
        let x0 = sl * (l - 0.01);
        let x1 = sl * (l - 0.01 - block_w);
        let (lo, hi) = (x0.min(x1), x0.max(x1));
        s.add(
            block_part,
            RoundedBox::from_corners(p(lo, under - dh, -w + 0.02), p(hi, under, w - 0.02), 0.004),
        );
        // Drawer fronts: thin slabs with knobs on the front face.
        for k in 0..drawers {
            let y1 = under - dh * k as f32 / drawers as f32 - 0.01;
            let y0 = under - dh * (k + 1) as f32 / drawers as f32 + 0.01;
            if t.hx >= t.hz {
                s.add(
                    block_part,
                    RoundedBox::from_corners([lo + 0.01, y0, w - 0.02], [hi - 0.01, y1, w], 0.003),
                );
                s.add(
                    block_part,
                    SphereZone::sphere(0.012).at([0.5 * (lo + hi), 0.5 * (y0 + y1), w + 0.008]),
                );
            } else {
                s.add(
                    block_part,
                    RoundedBox::from_corners([w - 0.02, y0, lo + 0.01], [w, y1, hi - 0.01], 0.003),
                );
                s.add(
                    block_part,
                    SphereZone::sphere(0.012).at([w + 0.008, 0.5 * (y0 + y1), 0.5 * (lo + hi)]),
                );
            }
        }
    }
    let inner = l - 0.01 - if both_blocks { block_w } else { 0.0 };
    if rng.chance(0.6) {
        let h = if rng.chance(FULL_MODESTY) {
            under
        } else {
            under * rng.uniform(0.3, 0.7)
        };
        s.add(
            SUPPORT,
            RoundedBox::from_corners(
                p(-inner, under - h, -w + 0.02),
                p(inner, under, -w + 0.04),
                0.003,
            ),
        );
    }
    if rng.chance(0.2) {
        // Keyboard tray under the top.
        s.add(
            SUPPORT,
            RoundedBox::from_corners(
                p(-l * 0.3, under - 0.08, -w * 0.5),
                p(l * 0.3, under - 0.065, w * 0.8),
                0.003,
            ),
        );
    }
}

/// Chance that a desk's modesty panel reaches down to the floor.
const FULL_MODESTY: f32 = 0.25;
/// Farthest a carcass partition stands from the middle, in half-lengths.
const CARCASS_PARTITION_MAX: f32 = 0.8;
/// Chance that a carcass end without a partition stands on a panel leg.
const CARCASS_END_LEG: f32 = 0.4;

/// A desk carcass, all support: a back panel from the floor to the top
/// along the whole long side, one or two full-height partitions across it
/// with shelves beside them, and at an open end sometimes a panel leg (real
/// desk c0ef2c3e: 60% of its points on a back panel and a partition at half
/// the length from the middle, no legs).
fn carcass(s: &mut Shape, rng: &mut Rng, t: &Top) {
    let under = t.under;
    let (l, w) = t.half_lengths();
    let p = |a: f32, y: f32, b: f32| t.along(a, y, b);
    let th = rng.uniform(0.012, 0.035);
    let back = if rng.chance(0.5) { 1.0 } else { -1.0 };
    let (e, bw) = (l - 0.01, w - 0.01);
    s.add(
        SUPPORT,
        RoundedBox::from_corners(
            p(-e, 0.0, back * bw - th),
            p(e, under, back * bw + th),
            0.003,
        ),
    );
    let depth = bw * rng.uniform(0.85, 1.0);
    let (b0, b1) = if back > 0.0 {
        (bw - 2.0 * depth, bw - th)
    } else {
        (-bw + th, -bw + 2.0 * depth)
    };
    // Partitions: one or two ends, at the end or inset toward the middle.
    let ends: Vec<f32> = match rng.below(3) {
        0 => vec![-1.0, 1.0],
        1 => vec![-1.0],
        _ => vec![1.0],
    };
    for sl in [-1.0f32, 1.0] {
        if !ends.contains(&sl) {
            if rng.chance(CARCASS_END_LEG) {
                s.add(
                    LEG,
                    RoundedBox::from_corners(
                        p(sl * e - th, 0.0, b0),
                        p(sl * e + th, under, b1),
                        0.003,
                    ),
                );
            }
            continue;
        }
        // Inset, never at the very end: a panel at the end of a desk is its
        // leg in the annotations (the Panels and Desk bases).
        let at = sl * e * rng.uniform(0.35, CARCASS_PARTITION_MAX);
        s.add(
            SUPPORT,
            RoundedBox::from_corners(p(at - th, 0.0, b0), p(at + th, under, b1), 0.003),
        );
        // Shelves between an inset partition and its end of the desk.
        let room = e - at.abs();
        if room > 0.15 && rng.chance(0.6) {
            let n = 1 + rng.below(3);
            let (x0, x1) = if sl > 0.0 {
                (at + th, e)
            } else {
                (-e, at - th)
            };
            for k in 0..n {
                let y = under * k as f32 / n as f32 + rng.uniform(0.0, 0.05);
                s.add(
                    SUPPORT,
                    RoundedBox::from_corners(p(x0, y, b0), p(x1, y + th, b1), 0.003),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_top_and_a_base() {
        for seed in 0..64 {
            let s = build(&mut Rng::new(seed));
            let a = s.part_areas(3);
            assert!(
                a[TOP] > 0.0 && a[LEG] + a[SUPPORT] > 0.0,
                "seed {seed}: {a:?}"
            );
        }
    }

    #[test]
    fn some_tables_stand_on_floor_to_top_support_panels() {
        // A support panel facing across the short side that stands on the
        // floor, reaches up to the top and runs along most of the long side
        // (a full-height back panel of a desk carcass; real table c0ef2c3e:
        // 60% of its points are support panels, no legs).
        let mut with_panel = 0;
        for seed in 0..300 {
            let mut rng = Rng::new(seed);
            let s = build(&mut rng);
            let pts: Vec<_> = (0..6000)
                .filter_map(|_| s.surface_point(&mut rng))
                .collect();
            let top = pts.iter().filter(|q| q.0 == TOP);
            let height = top.clone().map(|q| q.1[1]).fold(0.0, f32::max);
            let hx = top.clone().map(|q| q.1[0].abs()).fold(0.0, f32::max);
            let hz = top.map(|q| q.1[2].abs()).fold(0.0, f32::max);
            let (long, short) = if hx > hz { (0, 2) } else { (2, 0) };
            let l = hx.max(hz);
            let facing: Vec<_> = pts
                .iter()
                .filter(|q| q.0 == SUPPORT && q.2[short].abs() > 0.9)
                .collect();
            let mut bins = [false; 10];
            for q in facing.iter().filter(|q| q.1[1] < 0.02) {
                let b = ((q.1[long] / l + 1.0) * 5.0).clamp(0.0, 9.0) as usize;
                bins[b] = true;
            }
            let high = facing.iter().any(|q| q.1[1] > 0.85 * height);
            with_panel += usize::from(bins.iter().filter(|&&b| b).count() >= 8 && high);
        }
        assert!((3..=30).contains(&with_panel), "{with_panel} of 300 tables");
    }
}

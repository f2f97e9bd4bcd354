//! Pistol generator.
//!
//! Muzzle at `+x`, barrel/slide on top, grip at `-x` pointing down and
//! raked back, trigger with its guard below the slide in front of the grip,
//! thin in z. Variants: semi-automatics (boxy slide over a frame, optional
//! rail, compact or long slides, some with a barrel extension or
//! compensator), revolvers (round or octagonal barrel, cylinder and frame,
//! all labelled barrel; curved grip), and long-barrelled target pistols.

use super::math::{Transform, V3};
use super::primitives::{bezier, Frustum, RoundedBox, SurfaceExt, TriMesh, Tube, TubeEnd};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::TAU;

const BARREL: usize = 0;
const HANDLE: usize = 1;
const TRIGGER: usize = 2;

/// The grip: a raked quadrilateral (optionally with a rounded back) in the
/// x-y plane, extruded to `±half_z`. `top` is the top-back corner; the grip
/// runs down at `rake` radians behind vertical.
fn grip(
    s: &mut Shape,
    top_back: [f32; 2],
    width: f32,
    len: f32,
    rake: f32,
    half_z: f32,
    curved: bool,
) {
    let (sn, cs) = rake.sin_cos();
    // Down the grip: (-sin, -cos) rotates "down" backwards (toward -x).
    let down = [-sn, -cs];
    let fwd = [cs, -sn];
    let p = |a: f32, b: f32| {
        [
            top_back[0] + down[0] * a + fwd[0] * b,
            top_back[1] + down[1] * a + fwd[1] * b,
        ]
    };
    let mut profile = vec![p(0.0, 0.0), p(0.0, width)];
    if curved {
        // Front strap bows out, the butt flares back.
        for k in 1..8 {
            let t = k as f32 / 8.0;
            let bow = 0.15 * width * (std::f32::consts::PI * t).sin();
            profile.push(p(len * t, width + bow));
        }
        profile.push(p(len, width * 1.05));
        profile.push(p(len * 1.04, width * 0.3));
        profile.push(p(len * 0.98, -width * 0.15));
        for k in (1..8).rev() {
            let t = k as f32 / 8.0;
            profile.push(p(len * t, -0.12 * width * (std::f32::consts::PI * t).sin()));
        }
    } else {
        profile.push(p(len, width));
        profile.push(p(len, 0.0));
    }
    s.add(HANDLE, TriMesh::extrude(&profile, -half_z, half_z));
}

/// Trigger guard loop and trigger below the frame line `y_frame`, the guard
/// spanning x from `x_back` to `x_front`.
fn trigger(
    s: &mut Shape,
    x_back: f32,
    x_front: f32,
    y_frame: f32,
    depth: f32,
    r: f32,
    half_z: f32,
) {
    let path = bezier(
        [
            [x_front, y_frame, 0.0],
            [x_front + depth * 0.1, y_frame - depth * 1.1, 0.0],
            [
                x_back + (x_front - x_back) * 0.2,
                y_frame - depth * 1.05,
                0.0,
            ],
            [x_back, y_frame - depth, 0.0],
        ],
        16,
    );
    s.add(
        TRIGGER,
        Tube::new(&path, r, TubeEnd::Flat).transformed(Transform::scale([1.0, 1.0, half_z / r])),
    );
    // The trigger blade: a curved tube inside the guard.
    let tx = x_back + (x_front - x_back) * 0.45;
    let blade = bezier(
        [
            [tx, y_frame, 0.0],
            [tx + depth * 0.1, y_frame - depth * 0.35, 0.0],
            [tx, y_frame - depth * 0.6, 0.0],
            [tx - depth * 0.12, y_frame - depth * 0.75, 0.0],
        ],
        8,
    );
    s.add(TRIGGER, Tube::new(&blade, r * 0.9, TubeEnd::Round));
}

/// Build one random pistol (metres).
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    match rng.below(10) {
        0..=5 => semi_auto(&mut s, rng, false),
        6..=7 => revolver(&mut s, rng),
        _ => semi_auto(&mut s, rng, true),
    }
    s
}

fn semi_auto(s: &mut Shape, rng: &mut Rng, long: bool) {
    let slide_len = rng.uniform(0.15, 0.21);
    let slide_h = rng.uniform(0.026, 0.036);
    let half_z = rng.uniform(0.011, 0.016);
    let x_back = -slide_len * 0.45;
    let x_front = slide_len * 0.55;
    let y_top = 0.0;
    // Slide (upper) and the frame under it ahead of the grip: barrel part.
    s.add(
        BARREL,
        RoundedBox::from_corners(
            [x_back, y_top - slide_h, -half_z],
            [x_front, y_top, half_z],
            half_z * rng.uniform(0.15, 0.5),
        ),
    );
    let frame_h = rng.uniform(0.012, 0.02);
    let frame_front = x_front - slide_len * rng.uniform(0.0, 0.15);
    let y_frame = y_top - slide_h - frame_h;
    s.add(
        BARREL,
        RoundedBox::from_corners(
            [x_back + slide_len * 0.1, y_frame, -half_z * 0.9],
            [frame_front, y_top - slide_h + 0.002, half_z * 0.9],
            0.003,
        ),
    );
    // Muzzle: the barrel end showing at the front, optionally extended.
    let bore_y = y_top - slide_h * 0.45;
    let ext = if long {
        slide_len * rng.uniform(0.3, 0.9)
    } else {
        rng.uniform(0.0, 0.008)
    };
    let br = slide_h * rng.uniform(0.22, 0.3);
    s.add(
        BARREL,
        Frustum::between(
            [x_front - 0.005, bore_y, 0.0],
            [x_front + ext + 0.002, bore_y, 0.0],
            br,
            br,
            (false, true),
        ),
    );
    if long && rng.chance(0.5) {
        // Compensator block at the muzzle.
        let cl = rng.uniform(0.02, 0.035);
        s.add(
            BARREL,
            RoundedBox::new([cl / 2.0, slide_h * 0.4, half_z * 0.9], 0.003).at([
                x_front + ext + cl / 2.0,
                bore_y,
                0.0,
            ]),
        );
    }
    // Sights and hammer on the slide.
    s.add(
        BARREL,
        RoundedBox::new([0.004, 0.003, 0.002], 0.001).at([x_front - 0.008, y_top + 0.003, 0.0]),
    );
    if rng.chance(0.4) {
        s.add(
            BARREL,
            Frustum::between(
                [x_back, y_top - slide_h * 0.3, 0.0],
                [x_back - 0.012, y_top + 0.002, 0.0],
                0.004,
                0.004,
                (true, true),
            ),
        );
    }
    let grip_w = rng.uniform(0.038, 0.05);
    let grip_len = rng.uniform(0.09, 0.13);
    let rake = rng.uniform(12f32, 24.0).to_radians();
    let grip_back = x_back + rng.uniform(0.0, 0.012);
    grip(
        s,
        [grip_back, y_frame + 0.004],
        grip_w,
        grip_len,
        rake,
        half_z * 1.05,
        rng.chance(0.3),
    );
    let g_front = grip_back + grip_w * rake.cos() + 0.003;
    let guard_len = rng.uniform(0.035, 0.05);
    trigger(
        s,
        g_front,
        g_front + guard_len,
        y_frame + 0.002,
        rng.uniform(0.022, 0.03),
        0.003,
        half_z * 0.5,
    );
}

fn revolver(s: &mut Shape, rng: &mut Rng) {
    let barrel_len = rng.uniform(0.06, 0.2);
    let br = rng.uniform(0.007, 0.011);
    let half_z = rng.uniform(0.012, 0.016);
    let cyl_len = rng.uniform(0.035, 0.045);
    let cyl_r = rng.uniform(0.017, 0.021);
    let bore_y = 0.0;
    let x_cyl0 = 0.0;
    let x_cyl1 = cyl_len;
    // Frame around the cylinder, top strap and the barrel, all "barrel".
    let frame_back = -rng.uniform(0.025, 0.035);
    s.add(
        BARREL,
        RoundedBox::from_corners(
            [frame_back, bore_y - cyl_r * 1.2, -half_z * 0.8],
            [x_cyl1 + 0.006, bore_y + cyl_r * 0.9, half_z * 0.8],
            0.004,
        ),
    );
    s.add(
        BARREL,
        Frustum::between(
            [x_cyl0, bore_y - 0.002, 0.0],
            [x_cyl1, bore_y - 0.002, 0.0],
            cyl_r,
            cyl_r,
            (true, true),
        ),
    );
    let x_end = x_cyl1 + barrel_len;
    if rng.chance(0.5) {
        s.add(
            BARREL,
            Frustum::between(
                [x_cyl1, bore_y + 0.004, 0.0],
                [x_end, bore_y + 0.004, 0.0],
                br,
                br,
                (true, true),
            ),
        );
    } else {
        // Octagonal barrel: a loft of octagons.
        let oct = |x: f32| -> Vec<V3> {
            (0..8)
                .map(|k| {
                    let a = TAU * (k as f32 + 0.5) / 8.0;
                    [x, bore_y + 0.004 + br * a.cos(), br * a.sin()]
                })
                .collect()
        };
        s.add(
            BARREL,
            TriMesh::loft(&[oct(x_cyl1), oct(x_end)], true, true),
        );
    }
    if rng.chance(0.5) {
        // Ejector rod housing under the barrel.
        let lug = barrel_len * rng.uniform(0.4, 1.0);
        s.add(
            BARREL,
            Frustum::between(
                [x_cyl1, bore_y + 0.004 - br * 1.5, 0.0],
                [x_cyl1 + lug, bore_y + 0.004 - br * 1.5, 0.0],
                br * 0.6,
                br * 0.6,
                (true, true),
            ),
        );
    }
    // Hammer spur.
    s.add(
        BARREL,
        Frustum::between(
            [frame_back + 0.005, bore_y + cyl_r * 0.6, 0.0],
            [frame_back - 0.01, bore_y + cyl_r * 1.3, 0.0],
            0.004,
            0.003,
            (true, true),
        ),
    );
    let grip_w = rng.uniform(0.028, 0.035);
    let grip_len = rng.uniform(0.08, 0.11);
    let rake = rng.uniform(20f32, 35.0).to_radians();
    let y_frame = bore_y - cyl_r * 1.2;
    grip(
        s,
        [frame_back - 0.002, y_frame + 0.006],
        grip_w,
        grip_len,
        rake,
        half_z * 1.1,
        true,
    );
    trigger(
        s,
        frame_back + grip_w * rake.cos() + 0.002,
        x_cyl1 * 0.8,
        y_frame + 0.002,
        rng.uniform(0.02, 0.026),
        0.0028,
        half_z * 0.45,
    );
}

//! Car generator: hood `+x`, wheels at the bottom, y up, width along z.
//!
//! The lower body and the greenhouse (cabin) are prisms over side profiles
//! (x-y polygons extruded across z); every strip of the profile carries its
//! own label, so the top strips of the cabin are the roof, the front top
//! strips of the lower body the hood, and the rest (sides, bumpers, windows,
//! trunk, pickup bed) the body. Wheel arches are cut into the lower profile.
//! Variants: sedan, hatchback, SUV, sports car, pickup, van.

use super::math::{cross, dot, sub, Transform, V3};
use super::primitives::{bezier, Annulus, Frustum, RoundedBox, SurfaceExt, TriMesh};
use super::shape::Shape;
use crate::rng::Rng;
use std::f32::consts::{FRAC_PI_2, PI};

const ROOF: usize = 0;
const HOOD: usize = 1;
const WHEEL: usize = 2;
const BODY: usize = 3;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Sedan,
    Hatch,
    Suv,
    Sports,
    Pickup,
    Van,
}

/// A profile vertex with the label of the strip from it to the next vertex.
type Edge = ([f32; 2], usize);

/// Add a prism over a closed x-y profile from `z = -half` to `z = half`:
/// both side faces as `BODY`, each edge strip with its own label.
fn labelled_prism(s: &mut Shape, profile: &[Edge], half: f32) {
    let pts: Vec<[f32; 2]> = profile.iter().map(|e| e.0).collect();
    // Orientation: counter-clockwise profiles have outward strips with the
    // (a, b, b', a') winding below; flip otherwise.
    let area2: f32 = (0..pts.len())
        .map(|i| {
            let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
            p[0] * q[1] - q[0] * p[1]
        })
        .sum();
    let ccw = area2 > 0.0;
    // Group strips per label into one mesh each.
    for label in [ROOF, HOOD, BODY] {
        let mut verts = Vec::new();
        let mut tris = Vec::new();
        for i in 0..pts.len() {
            if profile[i].1 != label {
                continue;
            }
            let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
            let base = verts.len() as u32;
            verts.extend_from_slice(&[
                [p[0], p[1], -half],
                [q[0], q[1], -half],
                [q[0], q[1], half],
                [p[0], p[1], half],
            ]);
            // For a counter-clockwise profile the outward normal of edge p->q
            // is (dy, -dx); choose the winding that produces it.
            let want = [q[1] - p[1], p[0] - q[0], 0.0];
            let want = if ccw { want } else { [-want[0], -want[1], 0.0] };
            let a = verts[base as usize];
            let n = cross(
                sub(verts[base as usize + 1], a),
                sub(verts[base as usize + 2], a),
            );
            if dot(n, want) >= 0.0 {
                tris.push([base, base + 1, base + 2]);
                tris.push([base, base + 2, base + 3]);
            } else {
                tris.push([base, base + 2, base + 1]);
                tris.push([base, base + 3, base + 2]);
            }
        }
        if !tris.is_empty() {
            s.add(label, TriMesh::new(verts, tris));
        }
    }
    // The two side faces.
    for face in side_faces(&pts, half) {
        s.add(BODY, face);
    }
}

fn side_faces(pts: &[[f32; 2]], half: f32) -> [TriMesh; 2] {
    let ring = |z: f32| pts.iter().map(|p| [p[0], p[1], z]).collect::<Vec<V3>>();
    [
        TriMesh::polygon(&ring(-half), [0.0, 0.0, -1.0]),
        TriMesh::polygon(&ring(half), [0.0, 0.0, 1.0]),
    ]
}

/// Build one random car.
pub fn build(rng: &mut Rng) -> Shape {
    let mut s = Shape::new();
    let kind = match rng.below(100) {
        0..=34 => Kind::Sedan,
        35..=54 => Kind::Hatch,
        55..=69 => Kind::Suv,
        70..=82 => Kind::Sports,
        83..=91 => Kind::Pickup,
        _ => Kind::Van,
    };
    // Length 1 along x from -0.5 (rear) to 0.5 (front).
    let (clear, belt, roof_h, width) = match kind {
        Kind::Sports => (
            0.035,
            rng.uniform(0.14, 0.17),
            rng.uniform(0.25, 0.28),
            0.42,
        ),
        Kind::Suv => (0.07, rng.uniform(0.22, 0.25), rng.uniform(0.33, 0.37), 0.43),
        Kind::Van => (0.05, rng.uniform(0.2, 0.23), rng.uniform(0.36, 0.4), 0.42),
        Kind::Pickup => (0.07, rng.uniform(0.21, 0.25), rng.uniform(0.35, 0.38), 0.4),
        _ => (0.045, rng.uniform(0.17, 0.2), rng.uniform(0.29, 0.33), 0.4),
    };
    let width = width * rng.uniform(0.92, 1.05);
    let wheel_r = rng.uniform(0.065, 0.085) * if kind == Kind::Suv { 1.15 } else { 1.0 };
    let wheel_y = wheel_r;
    let wx_front = 0.5 - rng.uniform(0.15, 0.2);
    let wx_rear = -0.5 + rng.uniform(0.15, 0.2);
    // Where the windshield starts / the cabin ends (x).
    let (ws_base, ws_top, rear_top, rear_base) = match kind {
        Kind::Sedan => (0.14, -0.02, -0.28, -0.34),
        Kind::Hatch => (0.16, 0.0, -0.38, -0.49),
        Kind::Suv => (0.2, 0.08, -0.47, -0.5),
        Kind::Sports => (0.1, -0.1, -0.25, -0.4),
        Kind::Pickup => (0.22, 0.12, -0.05, -0.05),
        Kind::Van => (0.38, 0.25, -0.48, -0.5),
    };
    let j = |rng: &mut Rng| rng.uniform(-0.03, 0.03);
    let (ws_base, ws_top) = (ws_base + j(rng), ws_top + j(rng));
    let (rear_top, rear_base): (f32, f32) = (rear_top + j(rng) * 0.5, rear_base);

    // Lower body profile, counter-clockwise starting at the rear bottom.
    let mut lower: Vec<Edge> = Vec::new();
    let bottom = clear;
    let nose_y = belt * rng.uniform(0.75, 0.9);
    lower.push(([-0.5, bottom + 0.02], BODY));
    // Bottom edge with two arches (going +x along the bottom).
    for &wx in &[wx_rear, wx_front] {
        let ar = wheel_r * 1.12;
        lower.push(([wx - ar, bottom], BODY));
        for k in 0..=8 {
            let a = PI - PI * k as f32 / 8.0;
            lower.push(([wx + ar * a.cos(), wheel_y + ar * a.sin() * 0.95], BODY));
        }
        lower.push(([wx + ar, bottom], BODY));
    }
    lower.push(([0.5, bottom + 0.02], BODY));
    // Front bumper up to the hood's leading edge (a rounded nose).
    for p in bezier(
        [
            [0.5, bottom + 0.02, 0.0],
            [0.505, nose_y * 0.7, 0.0],
            [0.5, nose_y, 0.0],
            [0.47, nose_y + 0.01, 0.0],
        ],
        5,
    )
    .into_iter()
    .skip(1)
    {
        lower.push(([p[0], p[1]], BODY));
    }
    // Hood from the nose back to the windshield base: labelled hood.
    let hood_start = lower.len() - 1;
    let hood_pts = 4;
    for k in 1..=hood_pts {
        let t = k as f32 / hood_pts as f32;
        let x = 0.47 + (ws_base - 0.47) * t;
        let y = nose_y + 0.01 + (belt - nose_y - 0.01) * (1.0 - (1.0 - t).powi(2));
        lower.push(([x, y], BODY));
    }
    for e in lower.iter_mut().skip(hood_start).take(hood_pts) {
        e.1 = HOOD;
    }
    // Belt line under the cabin (shoulders), then the rear deck / bed.
    let tail_y = belt * rng.uniform(0.9, 1.0);
    lower.push(([rear_base.min(ws_base - 0.1), belt], BODY));
    lower.push(([-0.48, tail_y], BODY));
    lower.push(([-0.5, tail_y - 0.03], BODY));
    // Strip from the windshield base to the rear of the cabin is under the
    // cabin except for the shoulders; keep it body (the cabin is narrower).
    labelled_prism(&mut s, &lower, width / 2.0);

    // Cabin (greenhouse), narrower than the body.
    let cabin_half = width / 2.0 * rng.uniform(0.8, 0.92);
    let roof_front = ws_top;
    let roof_back = rear_top;
    let cabin: Vec<Edge> = vec![
        ([rear_base, belt], BODY),
        ([ws_base, belt], BODY),      // windshield
        ([roof_front, roof_h], ROOF), // roof
        ([roof_back, roof_h], BODY),  // rear window / hatch
    ];
    // Round the roof edges with a couple of extra vertices on the roof line.
    let mut rounded: Vec<Edge> = Vec::new();
    for (i, e) in cabin.iter().enumerate() {
        if i == 2 {
            let (a, b) = (cabin[2].0, cabin[3].0);
            let dip = 0.008;
            rounded.push((a, ROOF));
            rounded.push(([a[0] + (b[0] - a[0]) * 0.15, a[1] + dip], ROOF));
            rounded.push(([a[0] + (b[0] - a[0]) * 0.85, a[1] + dip], ROOF));
        } else {
            rounded.push(*e);
        }
    }
    labelled_prism(&mut s, &rounded, cabin_half);

    if kind == Kind::Pickup {
        // Open bed: walls and floor on the rear deck.
        let wall = 0.012;
        let top = belt + rng.uniform(0.04, 0.07);
        for sz in [-1.0f32, 1.0] {
            s.add(
                BODY,
                RoundedBox::from_corners(
                    [-0.5, belt, sz * (width / 2.0 - wall)],
                    [rear_base - 0.01, top, sz * width / 2.0],
                    0.004,
                ),
            );
        }
        s.add(
            BODY,
            RoundedBox::from_corners(
                [-0.5, belt, -width / 2.0],
                [-0.5 + wall, top, width / 2.0],
                0.004,
            ),
        );
    }

    // Wheels: tyre (capped cylinder across z) with a rim disk and hub.
    let tyre_w = rng.uniform(0.035, 0.055);
    let rim = rng.uniform(0.55, 0.75);
    for &wx in &[wx_rear, wx_front] {
        for sz in [-1.0f32, 1.0] {
            let z = sz * (width / 2.0 - tyre_w / 2.0 + 0.006);
            let xf = Transform::rotate_x(FRAC_PI_2).then_translate([wx, wheel_y, z]);
            s.add(
                WHEEL,
                Frustum::cylinder(wheel_r, tyre_w / 2.0, true).transformed(xf),
            );
            let side = [0.0, 0.0, sz];
            let face = Transform::align_y(side).then_translate([
                wx,
                wheel_y,
                z + sz * (tyre_w / 2.0 + 0.002),
            ]);
            s.add(
                WHEEL,
                Annulus::new(wheel_r * rim * 0.25, wheel_r * rim).transformed(face),
            );
            s.add(
                WHEEL,
                Frustum::new(
                    wheel_r * rim * 0.25,
                    wheel_r * rim * 0.15,
                    0.006,
                    (false, true),
                )
                .transformed(Transform::translate([0.0, 0.006, 0.0]).then(&face)),
            );
        }
    }
    s
}

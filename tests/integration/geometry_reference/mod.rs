//! Test clouds shared by the geometry tests (`tests/integration/geometry_*.rs`),
//! and the slow, obviously-correct reference kernels they check the fast ones
//! against (`pcseg::geometry::reference`, re-exported here).
#![allow(dead_code)]

pub use pcseg::geometry::reference::*;
use pcseg::rng::Rng;

/// The first `min(k, n)` entries of every row of a row-major [S, n] array.
pub fn prefix_rows<T: Copy>(rows: &[T], n: usize, k: usize) -> Vec<T> {
    let k = k.min(n);
    if n == 0 {
        return Vec::new();
    }
    rows.chunks(n)
        .flat_map(|r| r[..k].iter().copied())
        .collect()
}

/// Uniform noise in the cube [-1, 1]^3.
pub fn cube_cloud(rng: &mut Rng, n: usize) -> Vec<[f32; 3]> {
    (0..n)
        .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
        .collect()
}

/// Points on the surfaces of a box and a cylinder (a crude "table"), the kind
/// of cloud the kernels meet in practice: locally flat, locally dense.
pub fn surface_cloud(rng: &mut Rng, n: usize) -> Vec<[f32; 3]> {
    (0..n)
        .map(|_| {
            if rng.chance(0.5) {
                // Box [-0.8, 0.8] x [0.3, 0.4] x [-0.5, 0.5]: pick a face.
                let (lo, hi) = ([-0.8f32, 0.3, -0.5], [0.8f32, 0.4, 0.5]);
                let axis = rng.below(3);
                let mut p = [0; 3].map(|_| 0.0f32);
                for a in 0..3 {
                    p[a] = rng.uniform(lo[a], hi[a]);
                }
                p[axis] = if rng.chance(0.5) { lo[axis] } else { hi[axis] };
                p
            } else {
                // Cylinder of radius 0.1 along y from -0.6 to 0.3.
                let t = rng.uniform(0.0, std::f32::consts::TAU);
                [0.1 * t.cos(), rng.uniform(-0.6, 0.3), 0.1 * t.sin()]
            }
        })
        .collect()
}

/// Integer lattice points scaled by 1/4 (exactly representable, so many
/// distances tie exactly and many points sit exactly on query radii).
pub fn lattice_cloud(rng: &mut Rng, n: usize, side: usize) -> Vec<[f32; 3]> {
    (0..n)
        .map(|_| [0; 3].map(|_| rng.below(side) as f32 * 0.25))
        .collect()
}

/// `cloud` with some points replaced by copies of others (coincident points).
pub fn with_duplicates(mut cloud: Vec<[f32; 3]>, rng: &mut Rng, copies: usize) -> Vec<[f32; 3]> {
    let n = cloud.len();
    for _ in 0..copies.min(n) {
        let (a, b) = (rng.below(n), rng.below(n));
        cloud[a] = cloud[b];
    }
    cloud
}

/// The standard battery: (name, cloud) for several sizes and kinds.
pub fn battery(seed: u64) -> Vec<(String, Vec<[f32; 3]>)> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for n in [1usize, 2, 3, 5, 17, 100, 1000, 2048] {
        out.push((format!("cube{n}"), cube_cloud(&mut rng, n)));
        out.push((format!("surface{n}"), surface_cloud(&mut rng, n)));
        let dup = with_duplicates(surface_cloud(&mut rng, n), &mut rng, n / 3);
        out.push((format!("dups{n}"), dup));
        out.push((format!("lattice{n}"), lattice_cloud(&mut rng, n, 6)));
    }
    out.push(("coincident".into(), vec![[0.5, -0.25, 1.0]; 300]));
    out
}

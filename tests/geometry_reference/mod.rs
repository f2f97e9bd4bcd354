//! Slow, obviously-correct reference kernels and test clouds shared by the
//! geometry tests (`tests/geometry_*.rs`). The references are the original
//! brute-force definitions the fast kernels must reproduce exactly.
#![allow(dead_code)]

use pcseg::geometry::dist2;
use pcseg::rng::Rng;

/// Reference FPS: O(m N) scan, ties to the lowest index.
pub fn fps_ref(points: &[[f32; 3]], m: usize, start: usize) -> Vec<usize> {
    let n = points.len();
    assert!(m <= n);
    if m == 0 {
        return Vec::new();
    }
    let mut picked = Vec::with_capacity(m);
    let mut nearest = vec![f32::INFINITY; n];
    let mut current = start % n;
    for _ in 0..m {
        picked.push(current);
        let c = points[current];
        let mut best = 0;
        let mut best_d = -1.0;
        for (i, p) in points.iter().enumerate() {
            let d = dist2(p, &c).min(nearest[i]);
            nearest[i] = d;
            if d > best_d {
                best_d = d;
                best = i;
            }
        }
        current = best;
    }
    picked
}

/// Reference ball query: first `k` in index order within `radius`, padded.
pub fn ball_query_ref(
    points: &[[f32; 3]],
    centres: &[[f32; 3]],
    radius: f32,
    k: usize,
) -> Vec<u32> {
    let r2 = radius * radius;
    let mut out = Vec::with_capacity(centres.len() * k);
    for c in centres {
        let start = out.len();
        for (i, p) in points.iter().enumerate() {
            if out.len() - start == k {
                break;
            }
            if dist2(p, c) <= r2 {
                out.push(i as u32);
            }
        }
        let first = out.get(start).copied().unwrap_or(0);
        out.resize(start + k, first);
    }
    out
}

/// Reference kNN: full sort by (distance, index).
pub fn knn_ref(points: &[[f32; 3]], queries: &[[f32; 3]], k: usize) -> (Vec<u32>, Vec<f32>) {
    let k = k.min(points.len());
    let mut idx = Vec::with_capacity(queries.len() * k);
    let mut d2 = Vec::with_capacity(queries.len() * k);
    for q in queries {
        let mut all: Vec<(f32, u32)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (dist2(p, q), i as u32))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(d, i) in &all[..k] {
            idx.push(i);
            d2.push(d);
        }
    }
    (idx, d2)
}

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

/// Reference 3-NN interpolation weights.
pub fn three_nn_weights_ref(coarse: &[[f32; 3]], fine: &[[f32; 3]]) -> (Vec<u32>, Vec<f32>) {
    let k = coarse.len().min(3);
    let (idx, d2) = knn_ref(coarse, fine, k);
    let mut out_idx = Vec::with_capacity(fine.len() * 3);
    let mut out_w = Vec::with_capacity(fine.len() * 3);
    for q in 0..fine.len() {
        let mut w = [0f32; 3];
        let mut ids = [0u32; 3];
        for j in 0..3 {
            let src = q * k + j % k;
            ids[j] = idx[src];
            w[j] = 1.0 / (d2[src] + 1e-8);
        }
        let s: f32 = w.iter().sum();
        out_idx.extend_from_slice(&ids);
        out_w.extend(w.iter().map(|x| x / s));
    }
    (out_idx, out_w)
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

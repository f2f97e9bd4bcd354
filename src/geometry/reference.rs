//! The slow, obviously-correct definitions of the geometry kernels: plain
//! loops over every point, no tree, no SIMD, no pruning. The fast kernels
//! must reproduce them exactly (same indices, same bits); the unit tests,
//! the integration tests and the benchmarks compare against these.
//!
//! Distances are [`dist2`]; ties between equal distances go to the lower
//! index everywhere.

use super::distance::{cmp_dist_index, dist2};

/// Farthest point sampling by its definition, O(m N): from `start % N`,
/// each next pick is the point with the largest squared distance to its
/// nearest picked point (`f32::min` into a running distance), the lowest
/// index among equals. The reference of [`super::farthest_point_sample`].
///
/// # Panics
///
/// If `m > points.len()`.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::reference::fps_ref;
///
/// let points = [[0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.0, 0.0]];
/// assert_eq!(fps_ref(&points, 4, 0), vec![0, 2, 3, 1]);
/// ```
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

/// Ball query by its definition: for each centre, the first `k` indices in
/// index order with `dist2 <= radius^2`, padded with the first of them (0
/// when none). `centres.len() * k` indices, row-major. The reference of
/// [`super::ball_query`].
///
/// # Examples
///
/// ```
/// use pcseg::geometry::reference::ball_query_ref;
///
/// let points = [[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.5, 0.0, 0.0]];
/// assert_eq!(ball_query_ref(&points, &[[3.0, 0.0, 0.0]], 1.0, 2), vec![1, 1]);
/// ```
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

/// The `min(k, N)` nearest points to `q` as `(squared distance, index)`: the
/// first of all points fully sorted by `(dist2, index)`. The reference of
/// [`super::PointTree::nearest_k`].
///
/// # Examples
///
/// ```
/// use pcseg::geometry::reference::nearest_k_ref;
///
/// let points = [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]];
/// assert_eq!(nearest_k_ref(&points, &[1.0, 0.0, 0.0], 2), vec![(0.0, 2), (1.0, 0)]);
/// ```
pub fn nearest_k_ref(points: &[[f32; 3]], q: &[f32; 3], k: usize) -> Vec<(f32, u32)> {
    let mut all: Vec<(f32, u32)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (dist2(p, q), i as u32))
        .collect();
    all.sort_by(cmp_dist_index);
    all.truncate(k);
    all
}

/// k nearest neighbours by a full sort per query ([`nearest_k_ref`]):
/// `(indices, squared distances)`, each `queries.len() * min(k, N)`,
/// row-major. The reference of [`super::knn`].
///
/// # Examples
///
/// ```
/// use pcseg::geometry::reference::knn_ref;
///
/// let points = [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [1.0, 0.0, 0.0]];
/// assert_eq!(knn_ref(&points, &[[1.0, 0.0, 0.0]], 5), (vec![2, 0, 1], vec![0.0, 1.0, 1.0]));
/// ```
pub fn knn_ref(points: &[[f32; 3]], queries: &[[f32; 3]], k: usize) -> (Vec<u32>, Vec<f32>) {
    let k = k.min(points.len());
    let mut idx = Vec::with_capacity(queries.len() * k);
    let mut d2 = Vec::with_capacity(queries.len() * k);
    for q in queries {
        for (d, i) in nearest_k_ref(points, q, k) {
            idx.push(i);
            d2.push(d);
        }
    }
    (idx, d2)
}

/// The PointNet++ 3-NN interpolation weights from [`knn_ref`]: the 3 nearest
/// coarse points (repeated cyclically when there are fewer), weights
/// `1 / (d^2 + 1e-8)` normalised to sum 1. `(indices, weights)`, each
/// `fine.len() * 3`. The reference of [`super::three_nn_weights`].
///
/// # Panics
///
/// If `coarse` is empty and `fine` is not.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::reference::three_nn_weights_ref;
///
/// let (idx, w) = three_nn_weights_ref(&[[0.0, 0.0, 0.0]], &[[1.0, 0.0, 0.0]]);
/// assert_eq!(idx, vec![0, 0, 0]);
/// assert!(w.iter().all(|&x| (x - 1.0 / 3.0).abs() < 1e-6));
/// ```
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

/// Point sets on which neighbour kernels meet ties and degenerate geometry,
/// `m` points each: uniform in [-1, 1]^3, a lattice of step 0.25 (equal
/// distances everywhere), copies of a few points (duplicates), and one
/// plane x = 0.5. For the tests that compare fast kernels with these
/// definitions.
#[cfg(test)]
pub(crate) fn tie_prone_sets(
    rng: &mut crate::rng::Rng,
    m: usize,
) -> [(&'static str, Vec<[f32; 3]>); 4] {
    let uniform: Vec<[f32; 3]> = (0..m)
        .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
        .collect();
    let lattice: Vec<[f32; 3]> = (0..m)
        .map(|_| [0; 3].map(|_| rng.below(5) as f32 * 0.25))
        .collect();
    let pool: Vec<[f32; 3]> = (0..6)
        .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
        .collect();
    let duplicates: Vec<[f32; 3]> = (0..m).map(|_| *rng.pick(&pool)).collect();
    let plane: Vec<[f32; 3]> = (0..m)
        .map(|_| [0.5, rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)])
        .collect();
    [
        ("uniform", uniform),
        ("lattice", lattice),
        ("duplicates", duplicates),
        ("plane", plane),
    ]
}

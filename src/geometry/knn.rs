//! k nearest neighbours and the 3-NN interpolation weights of PointNet++.

use super::dist2;

/// For each query, the `k` nearest points (ascending distance, ties by lower
/// index) and their squared distances. `k` is clamped to `points.len()`.
/// Returns `(indices, squared distances)`, each `queries.len() * k` row-major.
pub fn knn(points: &[[f32; 3]], queries: &[[f32; 3]], k: usize) -> (Vec<u32>, Vec<f32>) {
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

/// PointNet++ feature-propagation weights: for each fine point, its 3 nearest
/// coarse points with weights `1 / (d^2 + 1e-8)` normalised to sum 1. When
/// there are fewer than 3 coarse points, the available ones are repeated
/// (the weights still sum to 1). Returns `(indices, weights)`, `fine.len() * 3`.
pub fn three_nn_weights(coarse: &[[f32; 3]], fine: &[[f32; 3]]) -> (Vec<u32>, Vec<f32>) {
    let k = coarse.len().min(3);
    let (idx, d2) = knn(coarse, fine, k);
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

//! k nearest neighbours on a KD-tree.
//!
//! Input `points` [N, 3] and `queries` [S, 3]; output [S, K] indices and
//! squared distances, row-major. Rows are sorted by ascending squared distance
//! and, among equal distances (duplicate points, symmetric configurations), by
//! ascending index: exactly the first `K` of all points sorted by
//! `(dist2, index)`. See [`PointTree::nearest_k`] for how the tie rule is kept
//! with a tree whose own tie order is unspecified.
//!
//! Batches of queries run in parallel, in a cache-friendly order, with radius
//! hints (see `knn_batch.rs`); results are identical to one query at a time.
//! The PointNet++ 3-NN interpolation weights are in [`super::three_nn`].

use super::knn_batch::knn_rows;
use super::tree::PointTree;

/// For each query, the `k` nearest points (ascending distance, ties by lower
/// index) and their squared distances. `k` is clamped to `points.len()`.
/// Returns `(indices, squared distances)`, each `queries.len() * k` row-major.
///
/// Builds a [`PointTree`] over `points`; use [`knn_with_tree`] to reuse one.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::knn;
///
/// let points = [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]];
/// let (idx, d2) = knn(&points, &[[0.9, 0.0, 0.0]], 2);
/// assert_eq!(idx, vec![2, 0]);
/// assert!((d2[0] - 0.01).abs() < 1e-6 && (d2[1] - 0.81).abs() < 1e-6);
/// // Equal distances: lower index first (points 0 and 1 are both 1 away).
/// let (idx, _) = knn(&points, &[[1.0, 0.0, 0.0]], 3);
/// assert_eq!(idx, vec![2, 0, 1]);
/// ```
pub fn knn(points: &[[f32; 3]], queries: &[[f32; 3]], k: usize) -> (Vec<u32>, Vec<f32>) {
    let tree = PointTree::new(points);
    knn_with_tree(&tree, queries, k)
}

/// [`knn`] on a prebuilt tree. `k` is clamped to `tree.len()`.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{knn_with_tree, PointTree};
///
/// let points = [[0.0, 0.0, 0.0], [0.0, 0.0, 3.0]];
/// let tree = PointTree::new(&points);
/// let (idx, d2) = knn_with_tree(&tree, &[[0.0, 0.0, 2.0]], 5);
/// assert_eq!((idx, d2), (vec![1, 0], vec![1.0, 4.0]));
/// ```
pub fn knn_with_tree(tree: &PointTree, queries: &[[f32; 3]], k: usize) -> (Vec<u32>, Vec<f32>) {
    let k = k.min(tree.len());
    let mut idx = vec![0u32; queries.len() * k];
    let mut d2 = vec![0f32; queries.len() * k];
    knn_into(tree, queries, k, &mut idx, &mut d2);
    (idx, d2)
}

/// [`knn`] on a prebuilt tree into caller buffers of `queries.len() * k`
/// each (S x K, row-major).
///
/// # Panics
///
/// If `k > tree.len()` or a buffer has the wrong length.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{knn_into, PointTree};
///
/// let tree = PointTree::new(&[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]);
/// let (mut idx, mut d2) = (vec![0u32; 2], vec![0f32; 2]);
/// knn_into(&tree, &[[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]], 1, &mut idx, &mut d2);
/// assert_eq!((idx, d2), (vec![1, 0], vec![0.0, 0.0]));
/// ```
pub fn knn_into(tree: &PointTree, queries: &[[f32; 3]], k: usize, idx: &mut [u32], d2: &mut [f32]) {
    assert!(
        k <= tree.len(),
        "knn_into: k = {k} > N = {} points",
        tree.len()
    );
    let want = queries.len() * k;
    assert!(
        idx.len() == want && d2.len() == want,
        "knn_into: buffers hold {} and {} slots, expected S * K = {want}",
        idx.len(),
        d2.len()
    );
    if k == 0 {
        return;
    }
    let rows = knn_rows(tree, queries, k, k, (0f32, 0u32), |_, near, row| {
        row.copy_from_slice(near)
    });
    rows.gather_pair(idx, d2, k, |row, oi, od| {
        for ((i, d), r) in oi.iter_mut().zip(od.iter_mut()).zip(row) {
            *i = r.1;
            *d = r.0;
        }
    });
}

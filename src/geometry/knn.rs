//! k nearest neighbours and the 3-NN interpolation weights of PointNet++, on a
//! KD-tree.
//!
//! Input `points` [N, 3] and `queries` [S, 3]; output [S, K] indices and
//! squared distances, row-major. Rows are sorted by ascending squared distance
//! and, among equal distances (duplicate points, symmetric configurations), by
//! ascending index: exactly the first `K` of all points sorted by
//! `(dist2, index)`. See [`PointTree::nearest_k`] for how the tie rule is kept
//! with a tree whose own tie order is unspecified.
//!
//! Batches of queries run in parallel, in a cache-friendly order, with radius
//! hints (see `batch.rs`); results are identical to one query at a time.

use super::batch::knn_rows;
use super::PointTree;

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

/// PointNet++ feature-propagation weights: for each fine point, its 3 nearest
/// coarse points with weights `1 / (d^2 + 1e-8)` normalised to sum 1. When
/// there are fewer than 3 coarse points, the available ones are repeated
/// (the weights still sum to 1). Returns `(indices, weights)`, `fine.len() * 3`.
///
/// # Panics
///
/// If `coarse` is empty (there is nothing to interpolate from).
///
/// # Examples
///
/// ```
/// use pcseg::geometry::three_nn_weights;
///
/// let coarse = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [5.0, 5.0, 5.0]];
/// let (idx, w) = three_nn_weights(&coarse, &[[0.0, 0.0, 0.0], [0.5, 0.0, 0.0]]);
/// assert_eq!(&idx[..3], &[0, 1, 2]);
/// assert!(w[0] > 0.999_999 && w[1] < 1e-6);
/// // At (0.5, 0, 0): squared distances 0.25, 0.25, 4.25.
/// assert_eq!(&idx[3..], &[0, 1, 2]);
/// let expect = [4.0, 4.0, 1.0 / 4.25].map(|x| x / (8.0 + 1.0 / 4.25));
/// assert!(w[3..].iter().zip(expect).all(|(a, b)| (a - b).abs() < 1e-6));
/// ```
pub fn three_nn_weights(coarse: &[[f32; 3]], fine: &[[f32; 3]]) -> (Vec<u32>, Vec<f32>) {
    let tree = PointTree::new(coarse);
    three_nn_weights_with_tree(&tree, fine)
}

/// [`three_nn_weights`] on a prebuilt tree over the coarse points.
///
/// # Panics
///
/// If the tree is empty.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{three_nn_weights_with_tree, PointTree};
///
/// let tree = PointTree::new(&[[0.0, 0.0, 0.0], [2.0, 0.0, 0.0]]);
/// let (idx, w) = three_nn_weights_with_tree(&tree, &[[1.0, 0.0, 0.0]]);
/// // Two coarse points: the nearest is repeated in the third slot.
/// assert_eq!(idx, vec![0, 1, 0]);
/// assert!(w.iter().all(|&x| (x - 1.0 / 3.0).abs() < 1e-6));
/// ```
pub fn three_nn_weights_with_tree(tree: &PointTree, fine: &[[f32; 3]]) -> (Vec<u32>, Vec<f32>) {
    let mut idx = vec![0u32; fine.len() * 3];
    let mut w = vec![0f32; fine.len() * 3];
    three_nn_weights_into(tree, fine, &mut idx, &mut w);
    (idx, w)
}

/// [`three_nn_weights`] on a prebuilt tree into caller buffers of
/// `fine.len() * 3` each.
///
/// # Panics
///
/// If the tree is empty or a buffer has the wrong length.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{three_nn_weights_into, PointTree};
///
/// let tree = PointTree::new(&[[0.0, 0.0, 0.0]]);
/// let (mut idx, mut w) = (vec![9u32; 3], vec![0f32; 3]);
/// three_nn_weights_into(&tree, &[[1.0, 2.0, 3.0]], &mut idx, &mut w);
/// assert_eq!(idx, vec![0, 0, 0]);
/// assert!(w.iter().all(|&x| (x - 1.0 / 3.0).abs() < 1e-6));
/// ```
pub fn three_nn_weights_into(tree: &PointTree, fine: &[[f32; 3]], idx: &mut [u32], w: &mut [f32]) {
    assert!(
        !tree.is_empty(),
        "three_nn_weights: no coarse points to interpolate from"
    );
    assert!(
        idx.len() == fine.len() * 3 && w.len() == fine.len() * 3,
        "three_nn_weights_into: buffers hold {} and {} slots, expected N * 3 = {}",
        idx.len(),
        w.len(),
        fine.len() * 3
    );
    let rows = knn_rows(tree, fine, 3, 3, (0f32, 0u32), |_, near, row| {
        for (j, r) in row.iter_mut().enumerate() {
            *r = near[j % near.len()];
        }
    });
    rows.gather(idx, 3, |row, out| {
        for (o, r) in out.iter_mut().zip(row) {
            *o = r.1;
        }
    });
    rows.gather(w, 3, |row, out| {
        for (o, r) in out.iter_mut().zip(row) {
            *o = 1.0 / (r.0 + 1e-8);
        }
        let s: f32 = out.iter().sum();
        for o in out.iter_mut() {
            *o /= s;
        }
    });
}

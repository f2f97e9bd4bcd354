//! Ball query with the PointNet++ reference semantics, on a KD-tree.
//!
//! Input `points` [N, 3] and `centres` [S, 3]; output [S, K] indices into
//! `points`, row-major. Row `s` holds the first `K` indices, in index order, of
//! the points within `radius` of centre `s` (inclusive: `dist2 <= radius^2`),
//! padded with the first of them when fewer than `K` are in range.
//!
//! The tree returns neighbours in no useful order, so each row collects every
//! point in range, keeps the `K` smallest indices (`select_nth_unstable` then
//! a sort of those `K`) and pads. Rows are independent, so centres are split
//! into chunks processed by rayon, each writing its own disjoint slice of the
//! output.

use rayon::prelude::*;

use super::PointTree;

/// Centres per rayon task: a row costs about a microsecond, so smaller chunks
/// would be dominated by scheduling.
const CENTRES_PER_TASK: usize = 64;

/// For each centre, the first `k` indices (in index order) of `points` within
/// `radius` (inclusive), padded with the first one found. A centre with no
/// point in range gets index 0 repeated (cannot happen when centres are drawn
/// from `points`). Returns `centres.len() * k` indices, row-major (S x K).
///
/// Builds a [`PointTree`] over `points`; use [`ball_query_with_tree`] to reuse
/// one.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::ball_query;
///
/// let points = [[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.5, 0.0, 0.0], [0.0, 1.0, 0.0]];
/// let idx = ball_query(&points, &[[0.0, 0.0, 0.0], [3.0, 0.0, 0.0]], 1.0, 4);
/// // Centre 0 reaches points 0, 2 and 3 (at exactly the radius); centre 1
/// // only point 1. Short rows repeat their first index.
/// assert_eq!(idx, vec![0, 2, 3, 0, 1, 1, 1, 1]);
/// ```
pub fn ball_query(points: &[[f32; 3]], centres: &[[f32; 3]], radius: f32, k: usize) -> Vec<u32> {
    let tree = PointTree::new(points);
    let mut out = vec![0u32; centres.len() * k];
    ball_query_with_tree(&tree, centres, radius, k, &mut out);
    out
}

/// [`ball_query`] on a prebuilt tree, writing into `out` (S x K, row-major).
///
/// # Panics
///
/// If `out.len() != centres.len() * k`.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{ball_query_with_tree, PointTree};
///
/// let points = [[0.0, 0.0, 0.0], [0.2, 0.0, 0.0], [0.0, 0.3, 0.0]];
/// let tree = PointTree::new(&points);
/// let mut out = vec![0u32; 2 * 2];
/// ball_query_with_tree(&tree, &[[0.0, 0.25, 0.0], [0.2, 0.0, 0.0]], 0.1, 2, &mut out);
/// assert_eq!(out, vec![2, 2, 1, 1]);
/// ```
pub fn ball_query_with_tree(
    tree: &PointTree,
    centres: &[[f32; 3]],
    radius: f32,
    k: usize,
    out: &mut [u32],
) {
    assert_eq!(
        out.len(),
        centres.len() * k,
        "ball_query_with_tree: out has {} slots, expected S * K = {} * {k}",
        out.len(),
        centres.len()
    );
    if k == 0 {
        return;
    }
    let r2 = radius * radius;
    let rows = |centres: &[[f32; 3]], out: &mut [u32]| {
        let mut found = Vec::with_capacity(4 * k);
        for (c, row) in centres.iter().zip(out.chunks_exact_mut(k)) {
            ball_row(tree, c, r2, row, &mut found);
        }
    };
    if centres.len() <= CENTRES_PER_TASK {
        rows(centres, out);
    } else {
        // Race-free: each task owns a disjoint chunk of rows of `out`.
        out.par_chunks_mut(CENTRES_PER_TASK * k)
            .zip(centres.par_chunks(CENTRES_PER_TASK))
            .for_each(|(out, centres)| rows(centres, out));
    }
}

/// One row: the first `row.len()` indices within `r2` of `c`, padded.
#[inline]
fn ball_row(tree: &PointTree, c: &[f32; 3], r2: f32, row: &mut [u32], found: &mut Vec<u32>) {
    let k = row.len();
    found.clear();
    tree.within_unsorted(c, r2, found);
    if found.len() > k {
        found.select_nth_unstable(k - 1);
        found.truncate(k);
    }
    found.sort_unstable();
    let first = found.first().copied().unwrap_or(0);
    row[..found.len()].copy_from_slice(found);
    row[found.len()..].fill(first);
}

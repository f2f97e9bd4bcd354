//! A KD-tree over a point set (kiddo 6 `ImmutableKdTree`), built once and
//! queried from many threads, with the exact tie rules of the brute-force
//! kernels.
//!
//! Items stored in the tree are the indices of the points (`u32`). Distances
//! are squared Euclidean, computed by kiddo as `dx*dx + dy*dy + dz*dz` in `f32`,
//! the same formula and order as [`super::dist2`], so radius and k-nearest
//! queries agree bit-for-bit with a linear scan.

use std::num::NonZeroUsize;

use kiddo::{ImmutableKdTree, SquaredEuclidean};

type Tree = ImmutableKdTree<f32, 3>;
type Metric = SquaredEuclidean<f32>;

/// A KD-tree over `N` points, items = point indices. `Send + Sync`: build it
/// once, share it by reference between rayon workers.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::PointTree;
///
/// let points = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 0.0]];
/// let tree = PointTree::new(&points);
/// assert_eq!(tree.len(), 3);
/// let mut near = Vec::new();
/// tree.nearest_k(&[0.9, 0.0, 0.0], 2, &mut near);
/// assert_eq!(near.iter().map(|&(_, i)| i).collect::<Vec<_>>(), vec![1, 0]);
/// ```
pub struct PointTree {
    /// `None` for an empty point set (kiddo has no empty tree to query).
    tree: Option<Tree>,
    len: usize,
}

// The network shares one tree between rayon workers; keep that promise checked.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PointTree>();
};

impl std::fmt::Debug for PointTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PointTree").field("len", &self.len).finish()
    }
}

impl PointTree {
    /// Build the tree over `points` (N x 3).
    ///
    /// # Panics
    ///
    /// If `points.len()` does not fit in a `u32` (indices are `u32` throughout).
    pub fn new(points: &[[f32; 3]]) -> Self {
        assert!(
            u32::try_from(points.len()).is_ok(),
            "PointTree: {} points do not fit u32 indices",
            points.len()
        );
        let tree = if points.is_empty() {
            None
        } else {
            // Cannot fail: the only construction error for immutable trees is
            // an index overflow, excluded above.
            Some(Tree::new_from_slice(points).expect("kiddo construction"))
        };
        PointTree {
            tree,
            len: points.len(),
        }
    }

    /// Number of points in the tree.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when the tree holds no point.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Append to `out` the indices of all points `p` with `dist2(p, q) <= r2`
    /// (inclusive), in no particular order. `r2` is the squared radius.
    pub fn within_unsorted(&self, q: &[f32; 3], r2: f32, out: &mut Vec<u32>) {
        if let Some(tree) = &self.tree {
            tree.query(q)
                .within::<Metric>(r2)
                .unsorted()
                .without_distances()
                .visit(|r| out.push(r.item));
        }
    }

    /// The `k` nearest points to `q` as `(squared distance, index)`, ascending
    /// by distance and, among equal distances, by index — exactly the first `k`
    /// of all points sorted by `(dist2, index)`. `k` is clamped to
    /// [`PointTree::len`]. `out` is cleared first.
    ///
    /// kiddo orders equal distances arbitrarily, so this asks for `k + 1`
    /// neighbours: when the extra one is strictly farther than the `k`-th, the
    /// `k` found are exactly the right set; otherwise (a tie straddles the
    /// cut) it collects every point within the `k`-th distance and sorts them.
    pub fn nearest_k(&self, q: &[f32; 3], k: usize, out: &mut Vec<(f32, u32)>) {
        out.clear();
        let k = k.min(self.len);
        let (Some(tree), Some(k_nz)) = (&self.tree, NonZeroUsize::new(k)) else {
            return;
        };
        let ask = if k < self.len { k + 1 } else { k };
        let found = tree
            .query(q)
            .nearest_n::<Metric>(NonZeroUsize::new(ask).unwrap_or(k_nz))
            .unsorted()
            .execute();
        out.extend(found.iter().map(|r| (r.distance, r.item)));
        out.sort_unstable_by(cmp_dist_index);
        if ask > k {
            let kth = out[k - 1].0;
            if out[k].0 > kth {
                out.truncate(k);
                return;
            }
            // A tie at the cut: the right members are the lowest indices
            // among everything at distance <= kth.
            out.clear();
            tree.query(q)
                .within::<Metric>(kth)
                .unsorted()
                .visit(|r| out.push((r.distance, r.item)));
            out.sort_unstable_by(cmp_dist_index);
            out.truncate(k);
        }
    }

    /// The `k` nearest points to `q` in kiddo's own order (ascending
    /// distance, ties in unspecified order), appended to `out` as indices.
    /// Faster than [`PointTree::nearest_k`] when the exact tie rule does not
    /// matter (normal estimation). `k` is clamped to [`PointTree::len`].
    pub fn nearest_k_any_tie(&self, q: &[f32; 3], k: usize, out: &mut Vec<u32>) {
        let k = k.min(self.len);
        let (Some(tree), Some(k_nz)) = (&self.tree, NonZeroUsize::new(k)) else {
            return;
        };
        let found = tree
            .query(q)
            .nearest_n::<Metric>(k_nz)
            .unsorted()
            .without_distances()
            .execute();
        out.extend(found.iter().map(|r| r.item));
    }
}

/// Order `(squared distance, index)` pairs by distance, then index.
#[inline]
pub(crate) fn cmp_dist_index(a: &(f32, u32), b: &(f32, u32)) -> std::cmp::Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

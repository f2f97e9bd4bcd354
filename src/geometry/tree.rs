//! A KD-tree over a point set (kiddo 6 `ImmutableKdTree`), built once and
//! queried from many threads, with the exact tie rules of the brute-force
//! kernels.
//!
//! Large point sets are stored in a spatially coherent order (the leaf order
//! of `leaf_order.rs`: points close in space are close in memory), which
//! makes the batched queries, that read candidates' coordinates,
//! cache-friendly. The tree's items are positions in that order; every public
//! method translates them back to the caller's point indices before the tie
//! rule is applied. Distances are squared Euclidean, computed by kiddo as
//! `dx*dx + dy*dy + dz*dz` in `f32`, the same formula and order as
//! [`super::dist2`], so radius and k-nearest queries agree bit-for-bit with
//! a linear scan.
//!
//! The queries, one point `q` at a time (batches of queries are in
//! `knn_batch.rs`):
//!
//! | query | answers | order |
//! | --- | --- | --- |
//! | [`PointTree::within_unsorted`] | every point with `dist2 <= r2`, caller's indices | none |
//! | `within_items` (crate) | the same as positions in the tree's own order | none |
//! | [`PointTree::nearest_k`] | the `k` nearest, `(dist2, index)` | exact tie rule |
//! | [`PointTree::nearest_k_hinted`] | the same, guided by a radius guess | exact tie rule |
//! | `nearest_k_scan` (private) | the same by a linear scan: the fallback | exact tie rule |
//! | [`PointTree::nearest_k_any_tie`] | the `k` nearest, indices only | ties in any order |

use std::num::NonZeroUsize;

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use rayon::prelude::*;

use super::distance::{cmp_dist_index, dist2};
use super::leaf_order::leaf_order;

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
    /// The points in tree order (item = position here), for the batched
    /// queries that compute exact distances to candidates themselves.
    sorted: Vec<[f32; 3]>,
    /// `index[item]` is the caller's index of the point at `sorted[item]`.
    index: Vec<u32>,
}

/// Point sets at least this large are stored in leaf order; smaller ones
/// (the network's clouds) fit in cache as given.
const REORDER_MIN_POINTS: usize = 1 << 16;

// The network shares one tree between rayon workers; keep that promise checked.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PointTree>();
};

impl std::fmt::Debug for PointTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PointTree")
            .field("len", &self.len())
            .finish()
    }
}

/// A squared radius a little larger than `r2` (relative 2^-20, at least the
/// smallest positive f32), to absorb rounding differences in kiddo's test.
fn widen(r2: f32) -> f32 {
    (r2 * (1.0 + 1.0 / 1_048_576.0)).max(r2 + f32::MIN_POSITIVE)
}

impl PointTree {
    /// Build the tree over `points` (N x 3). Coordinates must be finite.
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
        let (sorted, index) = if points.len() >= REORDER_MIN_POINTS {
            let index = leaf_order(points);
            let sorted = index.par_iter().map(|&i| points[i as usize]).collect();
            (sorted, index)
        } else {
            (points.to_vec(), (0..points.len() as u32).collect())
        };
        let tree = if sorted.is_empty() {
            None
        } else {
            // Cannot fail: the only construction error for immutable trees is
            // an index overflow, excluded above. Large sets are built with
            // rayon (kiddo's threshold: 262,144 points), small ones serially.
            Some(Tree::new_from_slice_parallel(&sorted).expect("kiddo construction"))
        };
        PointTree {
            tree,
            sorted,
            index,
        }
    }

    /// Number of points in the tree.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// `true` when the tree holds no point.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The points in tree order: `sorted_points()[item]` is the caller's
    /// point `original_index()[item]`.
    pub(crate) fn sorted_points(&self) -> &[[f32; 3]] {
        &self.sorted
    }

    /// Whether the points are stored in leaf order (large sets) rather than
    /// as given.
    pub(crate) fn is_reordered(&self) -> bool {
        self.len() >= REORDER_MIN_POINTS
    }

    /// The caller's index of every item (see [`PointTree::sorted_points`]).
    pub(crate) fn original_index(&self) -> &[u32] {
        &self.index
    }
}

/// Radius queries: every point within a squared radius, in no order.
impl PointTree {
    /// Append to `out` the items (positions in [`PointTree::sorted_points`])
    /// of all points within squared radius `r2` of `q`, in no particular
    /// order.
    pub(crate) fn within_items(&self, q: &[f32; 3], r2: f32, out: &mut Vec<u32>) {
        if let Some(tree) = &self.tree {
            tree.query(q)
                .within::<Metric>(r2)
                .unsorted()
                .without_distances()
                .visit(|r| out.push(r.item));
        }
    }

    /// Append to `out` the indices of all points `p` with `dist2(p, q) <= r2`
    /// (inclusive), in no particular order. `r2` is the squared radius.
    ///
    /// # Examples
    ///
    /// ```
    /// use pcseg::geometry::PointTree;
    ///
    /// let tree = PointTree::new(&[[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 2.0]]);
    /// let mut found = Vec::new();
    /// tree.within_unsorted(&[0.0, 0.0, 0.0], 4.0, &mut found);
    /// found.sort_unstable();
    /// assert_eq!(found, vec![0, 2]);
    /// ```
    pub fn within_unsorted(&self, q: &[f32; 3], r2: f32, out: &mut Vec<u32>) {
        if let Some(tree) = &self.tree {
            tree.query(q)
                .within::<Metric>(r2)
                .unsorted()
                .without_distances()
                .visit(|r| out.push(self.index[r.item as usize]));
        }
    }
}

/// k-nearest queries with the exact tie rule: the first `k` of all points
/// by `(dist2, index)`.
impl PointTree {
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
        let k = k.min(self.len());
        let (Some(tree), Some(k_nz)) = (&self.tree, NonZeroUsize::new(k)) else {
            return;
        };
        let ask = if k < self.len() { k + 1 } else { k };
        let found = tree
            .query(q)
            .nearest_n::<Metric>(NonZeroUsize::new(ask).unwrap_or(k_nz))
            .unsorted()
            .execute();
        out.extend(
            found
                .iter()
                .map(|r| (r.distance, self.index[r.item as usize])),
        );
        out.sort_unstable_by(cmp_dist_index);
        if ask > k {
            let kth = out[k - 1].0;
            if out[k].0 > kth {
                out.truncate(k);
                return;
            }
            // A tie at the cut: the right members are the lowest indices
            // among everything at distance <= kth.
            // kiddo's radius test can round differently from the distances
            // it reports, dropping points exactly at `kth` (seen with many
            // duplicate points): search a slightly larger ball and keep what
            // is within `kth` by the reported distance.
            out.clear();
            tree.query(q)
                .within::<Metric>(widen(kth))
                .unsorted()
                .visit(|r| {
                    if r.distance <= kth {
                        out.push((r.distance, self.index[r.item as usize]))
                    }
                });
            out.sort_unstable_by(cmp_dist_index);
            out.truncate(k);
        }
        if out.len() < k {
            // Should not happen; if kiddo still missed a tie, answer by the
            // definition.
            self.nearest_k_scan(q, k, out);
        }
    }

    /// The first `k` of all points by `(dist2, index)`, by a linear scan.
    fn nearest_k_scan(&self, q: &[f32; 3], k: usize, out: &mut Vec<(f32, u32)>) {
        out.clear();
        out.extend(
            self.sorted
                .iter()
                .zip(&self.index)
                .map(|(p, &i)| (dist2(p, q), i)),
        );
        if out.len() > k {
            out.select_nth_unstable_by(k, cmp_dist_index);
            out.truncate(k + 1);
        }
        out.sort_unstable_by(cmp_dist_index);
        out.truncate(k);
    }

    /// [`PointTree::nearest_k`] (same exact result) guided by a guess `r2_hint`
    /// of the squared distance to the `k`-th neighbour, typically taken from
    /// the previous, nearby query. Returns the `k`-th squared distance, a hint
    /// for the next query.
    ///
    /// kiddo's radius query is several times cheaper than its k-nearest query,
    /// so this first collects every point within `r2_hint`; when that yields
    /// at least `k` points, the first `k` by `(dist2, index)` are the answer,
    /// exactly, ties included (every point at or inside the `k`-th distance is
    /// among them). Otherwise it falls back to [`PointTree::nearest_k`].
    /// A hint of 0 or less, or not finite, goes straight to the fallback.
    ///
    /// # Examples
    ///
    /// ```
    /// use pcseg::geometry::PointTree;
    ///
    /// let tree = PointTree::new(&[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [3.0, 0.0, 0.0]]);
    /// let mut near = Vec::new();
    /// for hint in [0.0, 0.5, 100.0] {
    ///     let kth = tree.nearest_k_hinted(&[0.5, 0.0, 0.0], 2, hint, &mut near);
    ///     assert_eq!(near, vec![(0.25, 0), (0.25, 1)]);
    ///     assert_eq!(kth, 0.25);
    /// }
    /// ```
    pub fn nearest_k_hinted(
        &self,
        q: &[f32; 3],
        k: usize,
        r2_hint: f32,
        out: &mut Vec<(f32, u32)>,
    ) -> f32 {
        out.clear();
        let k = k.min(self.len());
        let Some(tree) = &self.tree else {
            return 0.0;
        };
        if k == 0 {
            return 0.0;
        }
        if r2_hint > 0.0 && r2_hint.is_finite() {
            tree.query(q)
                .within::<Metric>(r2_hint)
                .unsorted()
                .visit(|r| out.push((r.distance, self.index[r.item as usize])));
            if out.len() >= k {
                if out.len() > k {
                    out.select_nth_unstable_by(k - 1, cmp_dist_index);
                    out.truncate(k);
                }
                out.sort_unstable_by(cmp_dist_index);
                // Points exactly at the hint radius may be missing (see
                // `nearest_k`); only a k-th distance strictly inside the
                // ball proves the set complete.
                if out[k - 1].0 < r2_hint {
                    return out[k - 1].0;
                }
            }
        }
        self.nearest_k(q, k, out);
        out[k - 1].0
    }
}

/// k-nearest queries whose ties come in any order.
impl PointTree {
    /// The `k` nearest points to `q` in kiddo's own order (ascending
    /// distance, ties in unspecified order), appended to `out` as indices.
    /// Faster than [`PointTree::nearest_k`] when the exact tie rule does not
    /// matter (normal estimation). `k` is clamped to [`PointTree::len`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pcseg::geometry::PointTree;
    ///
    /// let tree = PointTree::new(&[[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 2.0]]);
    /// let mut near = Vec::new();
    /// tree.nearest_k_any_tie(&[0.0, 0.0, 1.9], 2, &mut near);
    /// near.sort_unstable();
    /// assert_eq!(near, vec![0, 2]);
    /// ```
    pub fn nearest_k_any_tie(&self, q: &[f32; 3], k: usize, out: &mut Vec<u32>) {
        let k = k.min(self.len());
        let (Some(tree), Some(k_nz)) = (&self.tree, NonZeroUsize::new(k)) else {
            return;
        };
        let found = tree
            .query(q)
            .nearest_n::<Metric>(k_nz)
            .unsorted()
            .without_distances()
            .execute();
        out.extend(found.iter().map(|r| self.index[r.item as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::reference::nearest_k_ref;
    use crate::rng::Rng;

    /// Clouds drawn with replacement (the resample protocol) hold many exact
    /// duplicates, so the k-th distance is often 0 and ties straddle the cut.
    #[test]
    fn nearest_k_with_many_duplicates_matches_the_definition() {
        let mut rng = Rng::new(3);
        for base_len in [1usize, 2, 5, 40, 700] {
            let base: Vec<[f32; 3]> = (0..base_len)
                .map(|_| [rng.f32(), rng.f32(), rng.f32()])
                .collect();
            let points: Vec<[f32; 3]> = (0..2048).map(|_| base[rng.below(base_len)]).collect();
            let tree = PointTree::new(&points);
            let (mut got, mut hinted, mut want) = (Vec::new(), Vec::new(), Vec::new());
            // Queries at the points and slightly off them: then the nearest
            // ties are duplicates at a non-zero distance.
            let queries: Vec<[f32; 3]> = points
                .iter()
                .step_by(7)
                .flat_map(|p| [*p, [p[0] + 0.013, p[1] - 0.021, p[2] + 0.002]])
                .collect();
            for (qi, q) in queries.iter().enumerate() {
                for k in [1, 3, 16] {
                    tree.nearest_k(q, k, &mut got);
                    tree.nearest_k_scan(q, k, &mut want);
                    assert_eq!(got, want, "base {base_len} query {qi} k {k}");
                    let kth = tree.nearest_k_hinted(q, k, 1e-4, &mut hinted);
                    assert_eq!(hinted, want, "hinted: base {base_len} query {qi} k {k}");
                    assert_eq!(kth, want[k - 1].0);
                }
            }
        }
    }

    /// Large sets are stored in leaf order; every answer must still be in
    /// the caller's indices with the caller's tie rule. Checked against a
    /// scan of the caller's own points (not the tree's copy).
    #[test]
    fn reordered_tree_answers_in_caller_indices() {
        let mut rng = Rng::new(8);
        let base: Vec<[f32; 3]> = (0..50_000)
            .map(|_| [rng.f32(), rng.f32(), 0.1 * rng.f32()])
            .collect();
        // A third of the points duplicated at other indices: ties by index.
        let mut points = base.clone();
        points.extend((0..25_000).map(|_| base[rng.below(base.len())]));
        let tree = PointTree::new(&points);
        assert!(tree.is_reordered());
        assert_ne!(
            tree.original_index()[..100],
            (0..100).collect::<Vec<u32>>()[..]
        );
        let brute = |q: &[f32; 3], k: usize| nearest_k_ref(&points, q, k);
        let (mut got, mut hinted, mut any, mut within) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for qi in (0..points.len()).step_by(2_503) {
            let q = points[qi];
            let q_off = [q[0] + 0.003, q[1] - 0.001, q[2]];
            for q in [q, q_off] {
                for k in [1, 4, 16] {
                    let want = brute(&q, k);
                    tree.nearest_k(&q, k, &mut got);
                    assert_eq!(got, want, "query {qi} k {k}");
                    tree.nearest_k_hinted(&q, k, want[k - 1].0 * 1.5, &mut hinted);
                    assert_eq!(hinted, want, "hinted: query {qi} k {k}");
                    any.clear();
                    tree.nearest_k_any_tie(&q, k, &mut any);
                    any.sort_unstable();
                    let mut at_most: Vec<u32> = points
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| dist2(p, &q) <= want[k - 1].0)
                        .map(|(i, _)| i as u32)
                        .collect();
                    at_most.sort_unstable();
                    assert_eq!(any.len(), k);
                    assert!(any.iter().all(|i| at_most.binary_search(i).is_ok()));
                }
                let r2 = 2e-4;
                within.clear();
                tree.within_unsorted(&q, r2, &mut within);
                within.sort_unstable();
                let want: Vec<u32> = (0..points.len() as u32)
                    .filter(|&i| dist2(&points[i as usize], &q) <= r2)
                    .collect();
                assert_eq!(within, want, "within: query {qi}");
            }
        }
    }

    /// A real failure: `pcseg eval --protocol resample-2048` panicked on this
    /// cloud because kiddo's radius query missed points tied at the 3rd
    /// nearest distance.
    #[test]
    fn nearest_k_regression_cloud() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/knn_tie_cloud.xyz");
        let text = std::fs::read_to_string(path).unwrap();
        let parse = |l: &str| -> [f32; 3] {
            let v: Vec<f32> = l.split_whitespace().map(|t| t.parse().unwrap()).collect();
            [v[0], v[1], v[2]]
        };
        let q = parse(text.lines().nth(2).unwrap().split(':').nth(1).unwrap());
        let points: Vec<[f32; 3]> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(parse)
            .collect();
        assert_eq!(points.len(), 2048);
        let tree = PointTree::new(&points);
        let (mut got, mut want) = (Vec::new(), Vec::new());
        for k in 1..=8 {
            tree.nearest_k(&q, k, &mut got);
            tree.nearest_k_scan(&q, k, &mut want);
            assert_eq!(got, want, "k {k}");
            tree.nearest_k_hinted(&q, k, 1e-4, &mut got);
            assert_eq!(got, want, "hinted, k {k}");
        }
    }
}

//! Batched exact k-nearest search: the exact `k` nearest points (the tie
//! rule of [`PointTree::nearest_k`]) for many query points at once (all
//! points of a 1,000,000-point cloud, or a large cloud against a small
//! labelled subset). The engine behind [`super::knn`], the tree 3-NN weights,
//! normals and label transfer.
//!
//! Four things make a batch fast, none of which changes a result:
//! - the queries are put in leaf order (`leaf_order.rs`: split like a
//!   KD-tree, median of the widest axis, into compact *leaves* of [`LEAF`]
//!   queries), and run leaf after leaf, so consecutive leaves are close too;
//! - a leaf asks the tree ONE radius query around its centre, wide enough
//!   for most members' neighbourhoods (the leaf's own extent plus the
//!   previous leaf's largest `k`-th distance, with slack). Each member then
//!   computes exact squared distances to those candidates ([`super::dist2`],
//!   vectorised) and keeps the first `k` by `(dist2, index)`. That is exactly
//!   the answer when the member's `k`-th distance sphere lies inside the
//!   searched ball (checked with a safety margin against rounding, see
//!   [`Block::covers`]): every point at or inside that distance is then a
//!   candidate. The members that fail the check get a second radius query
//!   sized from their first answers, which are upper bounds of their `k`-th
//!   distances, so it covers them. Only what even that misses (and leaves
//!   whose first ball is empty or far too full) go through the one-query
//!   path [`PointTree::nearest_k_hinted`];
//! - per-task buffers are reused for every leaf, nothing is allocated per
//!   query;
//! - runs of leaves are rayon tasks. Each task writes its own disjoint rows
//!   of a buffer in leaf order (race-free); a parallel gather then puts rows
//!   back in query order.

use rayon::prelude::*;

use super::distance::cmp_dist_index;
use super::leaf_order::{leaf_order, LEAF};
use super::tree::PointTree;

/// Queries per rayon task (a whole number of leaves).
const QUERIES_PER_TASK: usize = 64 * LEAF;

/// Squared-radius slack on the previous query's `k`-th distance for the
/// one-query path (1.22x the radius).
const HINT_SLACK: f32 = 1.5;

/// A leaf's first radius query reaches this many previous `k`-th distances
/// beyond the leaf's own extent.
const BLOCK_SLACK: f64 = 1.0;

/// Squared-distance slack on the previous member's `k`-th distance when
/// picking the candidates worth sorting (1.22x the radius).
const SELECT_SLACK: f32 = 1.5;

/// Leaves are used for `k` up to this; larger `k` go one query at a time.
const BLOCK_MAX_K: usize = 64;

/// A radius query finding more candidates than this per member (a far too
/// wide ball) is abandoned for one query at a time.
const MAX_CANDIDATES_PER_QUERY: usize = 256;

/// Buffer rows of `width` values in leaf order of the queries: row `j`
/// belongs to query `order[j]`.
pub(crate) struct OrderedRows<T> {
    /// Rows in processing order, `queries.len() * width`.
    pub rows: Vec<T>,
    /// `order[j]` is the query index of row `j`.
    pub order: Vec<u32>,
    /// Values per row.
    pub width: usize,
}

/// Counts of how queries were answered (for tests and tuning).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchStats {
    /// Queries answered from their leaf's first radius query.
    pub from_block: usize,
    /// Queries answered from their leaf's second radius query.
    pub second: usize,
    /// Queries answered one at a time.
    pub single: usize,
}

impl BatchStats {
    fn add(self, o: BatchStats) -> BatchStats {
        BatchStats {
            from_block: self.from_block + o.from_block,
            second: self.second + o.second,
            single: self.single + o.single,
        }
    }
}

/// For every query, its exact `k` nearest points (as [`PointTree::nearest_k`])
/// turned into a row of `width` values by `fill(query_index, neighbours, row)`.
pub(crate) fn knn_rows<T, F>(
    tree: &PointTree,
    queries: &[[f32; 3]],
    k: usize,
    width: usize,
    init: T,
    fill: F,
) -> OrderedRows<T>
where
    T: Copy + Send + Sync,
    F: Fn(usize, &[(f32, u32)], &mut [T]) + Sync,
{
    knn_rows_stats(tree, queries, k, width, init, true, fill).0
}

/// [`knn_rows`], also counting how queries were answered; `blocks = false`
/// answers every query on its own (the reference the leaf path must match).
pub(crate) fn knn_rows_stats<T, F>(
    tree: &PointTree,
    queries: &[[f32; 3]],
    k: usize,
    width: usize,
    init: T,
    blocks: bool,
    fill: F,
) -> (OrderedRows<T>, BatchStats)
where
    T: Copy + Send + Sync,
    F: Fn(usize, &[(f32, u32)], &mut [T]) + Sync,
{
    let order = query_order(tree, queries);
    let mut rows = vec![init; queries.len() * width];
    // As `nearest_k`: `k` is clamped to the tree size (an empty tree gives
    // every query an empty neighbour list).
    let k = k.min(tree.len());
    let mut stats = BatchStats::default();
    if width > 0 && !queries.is_empty() {
        // Race-free: each task owns a disjoint block of rows.
        stats = rows
            .par_chunks_mut(QUERIES_PER_TASK * width)
            .zip(order.par_chunks(QUERIES_PER_TASK))
            .map(|(rows, ids)| {
                let mut task = Task::new(tree, queries, k, blocks && k > 0 && k <= BLOCK_MAX_K);
                task.run(ids, |i, near, j| {
                    fill(i, near, &mut rows[j * width..(j + 1) * width])
                });
                task.stats
            })
            .reduce(BatchStats::default, BatchStats::add);
    }
    (OrderedRows { rows, order, width }, stats)
}

/// [`knn_rows`] against several trees at once: every query's row is filled
/// by `fill(tree, query_index, neighbours, row)` for each tree in turn (tree
/// 0 first), with the exact `k` nearest points of that tree. The queries are
/// put in leaf order once for all trees, and a row is written by all trees
/// while it is in cache, so summing per-tree values into the row costs one
/// pass over the queries instead of one per tree.
pub(crate) fn knn_rows_each<T, F>(
    trees: &[&PointTree],
    queries: &[[f32; 3]],
    k: usize,
    width: usize,
    init: T,
    fill: F,
) -> OrderedRows<T>
where
    T: Copy + Send + Sync,
    F: Fn(usize, usize, &[(f32, u32)], &mut [T]) + Sync,
{
    let order = match trees.first() {
        Some(tree) => query_order(tree, queries),
        None => (0..queries.len() as u32).collect(),
    };
    let mut rows = vec![init; queries.len() * width];
    if width > 0 && !queries.is_empty() {
        // Race-free: each task owns a disjoint block of rows.
        rows.par_chunks_mut(QUERIES_PER_TASK * width)
            .zip(order.par_chunks(QUERIES_PER_TASK))
            .for_each(|(rows, ids)| {
                for (t, tree) in trees.iter().enumerate() {
                    let k = k.min(tree.len());
                    let mut task = Task::new(tree, queries, k, k > 0 && k <= BLOCK_MAX_K);
                    task.run(ids, |i, near, j| {
                        fill(t, i, near, &mut rows[j * width..(j + 1) * width])
                    });
                }
            });
    }
    OrderedRows { rows, order, width }
}

/// One rayon task's state: the tree, the `k`, and buffers reused by every
/// leaf of the task.
struct Task<'a> {
    tree: &'a PointTree,
    queries: &'a [[f32; 3]],
    k: usize,
    blocks: bool,
    /// The previous leaf's largest squared `k`-th distance (0 before the
    /// first).
    kth: f32,
    /// Neighbours of the current query, `(dist2, index)` ascending.
    near: Vec<(f32, u32)>,
    /// Candidate point indices (the caller's) of the current ball and their
    /// coordinates.
    cand: Vec<u32>,
    cx: Vec<f32>,
    cy: Vec<f32>,
    cz: Vec<f32>,
    /// Squared distances of the current query to the candidates.
    d: Vec<f32>,
    /// The candidates kept for selection, as [`key`]s.
    sel: Vec<u64>,
    /// Positions in the leaf of the members a ball did not cover.
    missed: Vec<usize>,
    stats: BatchStats,
}

/// The ball searched for a leaf: centre and the radius actually used.
struct Block {
    centre: [f32; 3],
    /// `sqrt` of the squared radius handed to the tree, in `f64`.
    radius: f64,
}

impl Block {
    /// Whether the first `k` candidates of query `q`, the last at squared
    /// distance `kth`, are its exact `k` nearest: every point `p` with
    /// `dist2(q, p) <= kth` must lie inside the ball. By the triangle
    /// inequality `|c - p| <= |c - q| + |q - p|`; the margins cover the
    /// rounding of `f32` distances here and in the tree (a few units in the
    /// last place, far below 1e-5 relative).
    fn covers(&self, q: &[f32; 3], kth: f32) -> bool {
        self.reach(q, kth) <= self.radius * (1.0 - 1e-5)
    }

    /// `|c - q| + sqrt(kth)`, rounded up: the radius a ball about the centre
    /// needs to hold every point within `kth` of `q`.
    fn reach(&self, q: &[f32; 3], kth: f32) -> f64 {
        distance(&self.centre, q) + (kth as f64).sqrt() * (1.0 + 1e-6)
    }
}

/// Euclidean distance in `f64`.
fn distance(a: &[f32; 3], b: &[f32; 3]) -> f64 {
    (0..3)
        .map(|i| {
            let d = a[i] as f64 - b[i] as f64;
            d * d
        })
        .sum::<f64>()
        .sqrt()
}

/// `(dist2, index)` pairs in the order of the tie rule: `a < b`.
#[inline(always)]
fn before(a: (f32, u32), b: (f32, u32)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

impl<'a> Task<'a> {
    fn new(tree: &'a PointTree, queries: &'a [[f32; 3]], k: usize, blocks: bool) -> Self {
        Task {
            tree,
            queries,
            k,
            blocks,
            kth: 0.0,
            near: Vec::with_capacity(4 * k + 4),
            cand: Vec::new(),
            cx: Vec::new(),
            cy: Vec::new(),
            cz: Vec::new(),
            d: Vec::new(),
            sel: Vec::new(),
            missed: Vec::new(),
            stats: BatchStats::default(),
        }
    }

    /// Answer the queries `ids` (in this order, leaves of [`LEAF`]) calling
    /// `put(query_index, neighbours, position_in_ids)` for each.
    fn run<P: FnMut(usize, &[(f32, u32)], usize)>(&mut self, ids: &[u32], mut put: P) {
        for (b, leaf) in ids.chunks(LEAF).enumerate() {
            let offset = b * LEAF;
            if !(self.blocks && leaf.len() > 1 && self.run_leaf(leaf, offset, &mut put)) {
                for (j, &i) in leaf.iter().enumerate() {
                    self.single(i as usize, offset + j, &mut put);
                }
            }
        }
    }

    /// Centre of the bounding box of `leaf`'s queries and the largest
    /// distance from it to one of them.
    fn leaf_bounds(&self, leaf: &[u32]) -> ([f32; 3], f64) {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for &i in leaf {
            let q = &self.queries[i as usize];
            for a in 0..3 {
                lo[a] = lo[a].min(q[a]);
                hi[a] = hi[a].max(q[a]);
            }
        }
        let centre: [f32; 3] = std::array::from_fn(|a| lo[a] + (hi[a] - lo[a]) * 0.5);
        let extent = leaf
            .iter()
            .map(|&i| distance(&self.queries[i as usize], &centre))
            .fold(0f64, f64::max);
        (centre, extent)
    }

    /// The radius of a leaf's first ball: its extent plus the previous
    /// leaf's largest `k`-th distance, with slack.
    fn leaf_radius(&self, extent: f64) -> f64 {
        extent + (self.kth as f64).sqrt() * BLOCK_SLACK
    }

    /// One query on its own.
    fn single<P: FnMut(usize, &[(f32, u32)], usize)>(&mut self, i: usize, j: usize, put: &mut P) {
        let hint = self.kth * HINT_SLACK;
        let kth = self
            .tree
            .nearest_k_hinted(&self.queries[i], self.k, hint, &mut self.near);
        self.stats.single += 1;
        put(i, &self.near, j);
        self.kth = kth;
    }

    /// Fill the candidate buffers with every point within `radius` of
    /// `centre`. Returns the ball, or `None` (buffers in any state) when it
    /// is unusable: degenerate, holding fewer than `k` or more than
    /// [`MAX_CANDIDATES_PER_QUERY`] per member of `members` queries.
    fn gather_ball(&mut self, centre: [f32; 3], radius: f64, members: usize) -> Option<Block> {
        let r2 = (radius * radius) as f32;
        if !(r2 > 0.0 && r2.is_finite()) {
            return None;
        }
        self.cand.clear();
        self.tree.within_items(&centre, r2, &mut self.cand);
        let n = self.cand.len();
        if n < self.k || n > MAX_CANDIDATES_PER_QUERY * members {
            return None;
        }
        // Items are positions in tree order, where close points are close
        // in memory; the tie rule needs the caller's indices.
        let (points, index) = (self.tree.sorted_points(), self.tree.original_index());
        self.cx.clear();
        self.cy.clear();
        self.cz.clear();
        for c in self.cand.iter_mut() {
            let p = &points[*c as usize];
            self.cx.push(p[0]);
            self.cy.push(p[1]);
            self.cz.push(p[2]);
            *c = index[*c as usize];
        }
        Some(Block {
            centre,
            radius: (r2 as f64).sqrt(),
        })
    }

    /// The first `k` candidates of `q` by `(dist2, index)` into `self.near`;
    /// `guess` is a likely squared `k`-th distance. Returns the `k`-th.
    // Index loops over parallel candidate arrays vectorise best.
    #[allow(clippy::needless_range_loop)]
    fn select(&mut self, q: &[f32; 3], guess: f32) -> f32 {
        let (k, n) = (self.k, self.cand.len());
        self.d.resize(n, 0.0);
        let (xs, ys, zs, ds) = (
            &self.cx[..n],
            &self.cy[..n],
            &self.cz[..n],
            &mut self.d[..n],
        );
        // Exactly `dist2(p, q)`: same differences, same order of sums.
        for c in 0..n {
            let (dx, dy, dz) = (xs[c] - q[0], ys[c] - q[1], zs[c] - q[2]);
            ds[c] = dx * dx + dy * dy + dz * dz;
        }
        // Most candidates are far: keep those within a threshold, grown
        // from the guess until at least k pass (then every member of the
        // answer passes: the k-th smallest is within the threshold).
        let mut t = guess * SELECT_SLACK;
        for _ in 0..3 {
            if t > 0.0 && t.is_finite() {
                let m = keys_within(ds, &self.cand, t, &mut self.sel);
                if m >= k {
                    let kept = &mut self.sel[..m];
                    if m > 2 * k {
                        kept.select_nth_unstable(k - 1);
                        kept[..k].sort_unstable();
                    } else {
                        kept.sort_unstable();
                    }
                    let top = &kept[..k];
                    self.near.clear();
                    self.near.extend(top.iter().map(|&key| unkey(key)));
                    return self.near[k - 1].0;
                }
            }
            t *= 2.0;
        }
        select_k(ds, &self.cand, k, &mut self.near);
        self.near[k - 1].0
    }

    /// Answer a leaf from its own first ball. Returns `false` (having
    /// answered nothing) when the ball is unusable.
    fn run_leaf<P: FnMut(usize, &[(f32, u32)], usize)>(
        &mut self,
        leaf: &[u32],
        offset: usize,
        put: &mut P,
    ) -> bool {
        let (centre, extent) = self.leaf_bounds(leaf);
        let radius = self.leaf_radius(extent);
        let Some(ball) = self.gather_ball(centre, radius, leaf.len()) else {
            return false;
        };
        self.answer_leaf(leaf, offset, &ball, put);
        true
    }

    /// Answer every member of a leaf whose first ball's points are in the
    /// candidate buffers: from them when the ball covers the member, else
    /// from a second, wider ball, else one at a time.
    fn answer_leaf<P: FnMut(usize, &[(f32, u32)], usize)>(
        &mut self,
        leaf: &[u32],
        offset: usize,
        ball: &Block,
        put: &mut P,
    ) {
        let centre = ball.centre;
        let mut kth_max = 0f32;
        let mut guess = self.kth;
        let mut needed = 0f64;
        self.missed.clear();
        for (j, &i) in leaf.iter().enumerate() {
            let q = self.queries[i as usize];
            let kth = self.select(&q, guess);
            guess = kth;
            if ball.covers(&q, kth) {
                self.stats.from_block += 1;
                put(i as usize, &self.near, offset + j);
                kth_max = kth_max.max(kth);
            } else {
                // `kth` bounds the true k-th distance from above: a ball
                // reaching it around `q` holds the whole answer.
                self.missed.push(j);
                needed = needed.max(ball.reach(&q, kth));
            }
        }
        if !self.missed.is_empty() {
            let missed = std::mem::take(&mut self.missed);
            let wider = self.gather_ball(centre, needed * (1.0 + 1e-4), missed.len());
            for &j in &missed {
                let i = leaf[j] as usize;
                let q = self.queries[i];
                match &wider {
                    Some(ball) if ball.covers(&q, self.select(&q, guess)) => {
                        self.stats.second += 1;
                        put(i, &self.near, offset + j);
                    }
                    _ => self.single(i, offset + j, put),
                }
                let kth = self.near[self.k - 1].0;
                guess = kth;
                kth_max = kth_max.max(kth);
            }
            self.missed = missed;
        }
        self.kth = kth_max;
    }
}

/// `(dist2, index)` as one integer with the same order: squared distances
/// are never negative (nor `-0.0`), and the bits of non-negative floats sort
/// as the floats do (infinity last), so comparing keys compares distances,
/// then indices.
#[inline(always)]
fn key(d: f32, i: u32) -> u64 {
    ((d.to_bits() as u64) << 32) | i as u64
}

/// The `(dist2, index)` pair of a [`key`].
#[inline(always)]
fn unkey(key: u64) -> (f32, u32) {
    (f32::from_bits((key >> 32) as u32), key as u32)
}

/// The keys of the candidates with `d[j] <= t`, in candidate order, into the
/// front of `out` (resized to `d.len()`); returns how many.
fn keys_within(d: &[f32], idx: &[u32], t: f32, out: &mut Vec<u64>) -> usize {
    out.resize(d.len(), 0);
    let mut m = 0;
    // Branch-free compaction: every key is written, only kept ones advance.
    for (&dj, &ij) in d.iter().zip(idx) {
        out[m] = key(dj, ij);
        m += (dj <= t) as usize;
    }
    m
}

/// The first `k` of `(d[j], idx[j])` in `(dist2, index)` order into `out`
/// (sorted). Needs `d.len() >= k`.
#[inline]
fn select_k(d: &[f32], idx: &[u32], k: usize, out: &mut Vec<(f32, u32)>) {
    out.clear();
    out.extend(d[..k].iter().copied().zip(idx[..k].iter().copied()));
    out.sort_unstable_by(cmp_dist_index);
    let mut last = out[k - 1];
    for (&dj, &ij) in d[k..].iter().zip(&idx[k..]) {
        if dj > last.0 {
            continue;
        }
        let e = (dj, ij);
        if !before(e, last) {
            continue;
        }
        // Insertion into the sorted top k, dropping the last.
        let mut p = k - 1;
        while p > 0 && before(e, out[p - 1]) {
            out[p] = out[p - 1];
            p -= 1;
        }
        out[p] = e;
        last = out[k - 1];
    }
}

impl<T: Copy + Send + Sync> OrderedRows<T> {
    /// Where each query's row is: `pos[i]` is the row of query `i`.
    fn positions(&self) -> Vec<u32> {
        let mut pos = vec![0u32; self.order.len()];
        for (j, &i) in self.order.iter().enumerate() {
            pos[i as usize] = j as u32;
        }
        pos
    }

    /// Write every row back at its query's position: `put(row, out_row)` with
    /// `out` holding `out_width` values per query.
    pub(crate) fn gather<U, F>(&self, out: &mut [U], out_width: usize, put: F)
    where
        U: Send,
        F: Fn(&[T], &mut [U]) + Sync,
    {
        if out_width == 0 || self.width == 0 {
            return;
        }
        let pos = self.positions();
        // Race-free: each task owns a disjoint block of output rows and only
        // reads the shared buffer.
        out.par_chunks_mut(QUERIES_PER_TASK * out_width)
            .zip(pos.par_chunks(QUERIES_PER_TASK))
            .for_each(|(out, pos)| {
                for (o, &j) in out.chunks_exact_mut(out_width).zip(pos) {
                    let j = j as usize;
                    put(&self.rows[j * self.width..(j + 1) * self.width], o);
                }
            });
    }

    /// [`OrderedRows::gather`] into two outputs of `out_width` values per
    /// query at once (one pass over the rows, which are read in random order).
    pub(crate) fn gather_pair<U, V, F>(&self, a: &mut [U], b: &mut [V], out_width: usize, put: F)
    where
        U: Send,
        V: Send,
        F: Fn(&[T], &mut [U], &mut [V]) + Sync,
    {
        if out_width == 0 || self.width == 0 {
            return;
        }
        let pos = self.positions();
        // Race-free as in `gather`.
        a.par_chunks_mut(QUERIES_PER_TASK * out_width)
            .zip(b.par_chunks_mut(QUERIES_PER_TASK * out_width))
            .zip(pos.par_chunks(QUERIES_PER_TASK))
            .for_each(|((a, b), pos)| {
                let rows = a
                    .chunks_exact_mut(out_width)
                    .zip(b.chunks_exact_mut(out_width));
                for ((oa, ob), &j) in rows.zip(pos) {
                    let j = j as usize;
                    put(&self.rows[j * self.width..(j + 1) * self.width], oa, ob);
                }
            });
    }
}

/// The order to answer `queries` in: [`leaf_order`], or, when the queries
/// are the tree's own points in the caller's order (the kNN graph of a
/// cloud, normals), the tree's order, which is the same computation done
/// already.
fn query_order(tree: &PointTree, queries: &[[f32; 3]]) -> Vec<u32> {
    let index = tree.original_index();
    let own = queries.len() == tree.len()
        && tree.is_reordered()
        && tree
            .sorted_points()
            .par_iter()
            .zip(index.par_iter())
            .all(|(p, &i)| p.map(f32::to_bits) == queries[i as usize].map(f32::to_bits));
    if own {
        index.to_vec()
    } else {
        leaf_order(queries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::reference::nearest_k_ref;

    /// All `(dist2, index)` rows of the k nearest by a full sort.
    fn brute(points: &[[f32; 3]], queries: &[[f32; 3]], k: usize) -> Vec<Vec<(f32, u32)>> {
        queries
            .iter()
            .map(|q| nearest_k_ref(points, q, k))
            .collect()
    }

    /// Rows of `knn_rows_stats` back in query order, and the stats.
    fn rows(
        tree: &PointTree,
        queries: &[[f32; 3]],
        k: usize,
        blocks: bool,
    ) -> (Vec<Vec<(f32, u32)>>, BatchStats) {
        let k = k.min(tree.len());
        let (r, stats) = knn_rows_stats(tree, queries, k, k, (0f32, 0u32), blocks, |_, n, row| {
            row.copy_from_slice(n)
        });
        let mut out = vec![(0f32, 0u32); queries.len() * k];
        r.gather(&mut out, k, |row, o| o.copy_from_slice(row));
        (out.chunks(k.max(1)).map(|c| c.to_vec()).collect(), stats)
    }

    #[test]
    fn blocks_equal_one_query_at_a_time_and_brute_force() {
        use crate::rng::Rng;
        let mut rng = Rng::new(21);
        // A noisy surface (most queries answered by blocks), an integer
        // lattice (ties everywhere), duplicated points, two far clusters.
        let surface: Vec<[f32; 3]> = (0..6000)
            .map(|_| {
                let (u, v) = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
                [u, v, 0.3 * (3.0 * u).sin() * v + 0.001 * rng.normal()]
            })
            .collect();
        let lattice: Vec<[f32; 3]> = (0..3375)
            .map(|i| [(i % 15) as f32, ((i / 15) % 15) as f32, (i / 225) as f32])
            .collect();
        let mut dups = surface[..1500].to_vec();
        dups.extend_from_slice(&surface[..700]);
        let mut clusters: Vec<[f32; 3]> = surface[..1000].to_vec();
        clusters.extend(
            surface[1000..2000]
                .iter()
                .map(|p| [p[0] + 100.0, p[1], p[2]]),
        );
        for (name, cloud) in [
            ("surface", surface),
            ("lattice", lattice),
            ("duplicates", dups),
            ("clusters", clusters),
        ] {
            let tree = PointTree::new(&cloud);
            let mut queries = cloud.clone();
            queries.extend(cloud.iter().take(300).map(|p| p.map(|x| x + 0.01)));
            for k in [1, 3, 16, 40] {
                let (fast, stats) = rows(&tree, &queries, k, true);
                let (slow, single) = rows(&tree, &queries, k, false);
                assert_eq!(single.from_block + single.second, 0);
                // (k = 1 on the cloud itself: the k-th distance is 0, which
                // gives no block radius; those go one at a time.)
                assert!(
                    k == 1 || stats.from_block * 2 > queries.len(),
                    "{name} k {k}: blocks answered only {stats:?}"
                );
                assert_eq!(fast, slow, "{name} k {k}");
                // Brute force on a sample of the queries (exact bits).
                let sample: Vec<usize> = (0..queries.len()).step_by(37).collect();
                let qs: Vec<[f32; 3]> = sample.iter().map(|&i| queries[i]).collect();
                for (row, want) in sample.iter().map(|&i| &fast[i]).zip(brute(&cloud, &qs, k)) {
                    assert_eq!(*row, want, "{name} k {k}");
                }
            }
        }
    }

    /// A cloud large enough for the tree to store it in leaf order, asked
    /// about its own points (the order is then taken from the tree) and
    /// about moved copies of them (not the tree's points: ordered afresh).
    #[test]
    fn large_reordered_clouds_match_one_query_at_a_time() {
        use crate::rng::Rng;
        let mut rng = Rng::new(34);
        let cloud: Vec<[f32; 3]> = (0..80_000)
            .map(|_| {
                let (u, v) = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
                [u, v, 0.2 * (2.0 * u).cos() + 0.003 * rng.normal()]
            })
            .collect();
        let tree = PointTree::new(&cloud);
        assert!(tree.is_reordered());
        assert_eq!(query_order(&tree, &cloud), tree.original_index());
        let moved: Vec<[f32; 3]> = cloud.iter().map(|p| [p[0] + 1e-3, p[1], p[2]]).collect();
        for queries in [&cloud, &moved] {
            let (fast, stats) = rows(&tree, queries, 16, true);
            let (slow, _) = rows(&tree, queries, 16, false);
            assert!(stats.from_block * 10 > queries.len() * 9, "{stats:?}");
            assert_eq!(fast, slow);
            let sample: Vec<usize> = (0..queries.len()).step_by(997).collect();
            let qs: Vec<[f32; 3]> = sample.iter().map(|&i| queries[i]).collect();
            for (row, want) in sample.iter().map(|&i| &fast[i]).zip(brute(&cloud, &qs, 16)) {
                assert_eq!(*row, want);
            }
        }
    }

    #[test]
    fn select_k_keeps_the_tie_rule() {
        let d = [2.0, 1.0, 1.0, 3.0, 1.0, 0.5, 1.0];
        let idx = [10, 9, 4, 1, 7, 8, 2];
        let mut out = Vec::new();
        select_k(&d, &idx, 4, &mut out);
        assert_eq!(out, vec![(0.5, 8), (1.0, 2), (1.0, 4), (1.0, 7)]);
        select_k(&d, &idx, 7, &mut out);
        assert_eq!(out.len(), 7);
        assert_eq!(out[6], (3.0, 1));
    }

    #[test]
    fn block_ball_check_is_conservative() {
        let ball = Block {
            centre: [0.0; 3],
            radius: 1.0,
        };
        assert!(ball.covers(&[0.5, 0.0, 0.0], 0.24));
        // Exactly touching the boundary is not trusted (rounding margin).
        assert!(!ball.covers(&[0.5, 0.0, 0.0], 0.25));
        assert!(!ball.covers(&[0.0, 0.9, 0.0], 0.02));
    }
}

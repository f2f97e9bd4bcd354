//! Exact k-nearest queries for many query points at once (all points of a
//! 1,000,000-point cloud, or a large cloud against a small labelled subset).
//!
//! Four things make a batch fast, none of which changes a result:
//! - queries run in Morton (Z-curve) order, so consecutive queries are
//!   spatially close;
//! - consecutive close queries form a *block* that asks the tree ONE radius
//!   query around the block's centre, wide enough to hold every block
//!   member's neighbourhood (the radius is the block's own extent plus the
//!   previous block's `k`-th distance with some slack). Each member then
//!   computes exact squared distances to those candidates ([`super::dist2`],
//!   vectorised) and keeps the first `k` by `(dist2, index)`. That is exactly
//!   the answer when the member's `k`-th distance sphere lies inside the
//!   searched ball (checked with a safety margin against rounding, see
//!   [`Block::covers`]): every point at or inside that distance is then a
//!   candidate. A member that fails the check (and every member of a block
//!   that cannot be formed) takes the one-query path
//!   [`PointTree::nearest_k_hinted`];
//! - per-task buffers are reused for every block, nothing is allocated per
//!   query;
//! - chunks of the ordered queries run as rayon tasks. Each task writes its
//!   own disjoint rows of a buffer in Morton order (race-free); a parallel
//!   gather then puts rows back in query order.

use rayon::prelude::*;

use super::tree::cmp_dist_index;
use super::{dist2, PointTree};

/// Queries per rayon task.
const QUERIES_PER_TASK: usize = 1024;

/// Squared-radius slack on the previous query's `k`-th distance for the
/// one-query path (1.22x the radius).
const HINT_SLACK: f32 = 1.5;

/// Most queries in one block.
const BLOCK_MAX: usize = 32;

/// A block takes consecutive queries within this many previous `k`-th
/// distances of its first query.
const BLOCK_REACH: f64 = 2.0;

/// The block's radius query reaches this many previous `k`-th distances
/// beyond the block's own extent.
const BLOCK_SLACK: f64 = 1.25;

/// Squared-distance slack on the previous query's `k`-th distance when
/// picking the candidates worth sorting (1.07x the radius).
const SELECT_SLACK: f32 = 1.15;

/// Blocks are used for `k` up to this; larger `k` go one query at a time.
const BLOCK_MAX_K: usize = 64;

/// A block whose radius query finds more candidates than this per member
/// (a far too wide guess) falls back to one query at a time.
const MAX_CANDIDATES_PER_QUERY: usize = 256;

/// Buffer rows of `width` values in Morton order of the queries: row `j`
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
    /// Queries answered from their block's candidates.
    pub from_block: usize,
    /// Queries answered one at a time.
    pub single: usize,
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
/// answers every query on its own (the reference the block path must match).
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
    let order = morton_order(queries);
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
            .reduce(BatchStats::default, |a, b| BatchStats {
                from_block: a.from_block + b.from_block,
                single: a.single + b.single,
            });
    }
    (OrderedRows { rows, order, width }, stats)
}

/// One rayon task's state: the tree, the `k`, and buffers reused by every
/// block of the task.
struct Task<'a> {
    tree: &'a PointTree,
    queries: &'a [[f32; 3]],
    k: usize,
    blocks: bool,
    /// The previous answer's squared `k`-th distance (0 before the first).
    kth: f32,
    /// Neighbours of the current query, `(dist2, index)` ascending.
    near: Vec<(f32, u32)>,
    /// Candidate indices of the current block and their coordinates.
    cand: Vec<u32>,
    cx: Vec<f32>,
    cy: Vec<f32>,
    cz: Vec<f32>,
    /// Squared distances of the current query to the candidates.
    d: Vec<f32>,
    /// The candidates kept for selection, `(dist2, index)`.
    sel: Vec<(f32, u32)>,
    stats: BatchStats,
}

/// The ball searched for a block: centre and the radius actually used.
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
        let dq: f64 = (0..3)
            .map(|a| {
                let d = q[a] as f64 - self.centre[a] as f64;
                d * d
            })
            .sum::<f64>()
            .sqrt();
        let reach = dq + (kth as f64).sqrt() * (1.0 + 1e-6);
        reach <= self.radius * (1.0 - 1e-5)
    }
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
            stats: BatchStats::default(),
        }
    }

    /// Answer the queries `ids` (in this order) calling
    /// `put(query_index, neighbours, position_in_ids)` for each.
    fn run<P: FnMut(usize, &[(f32, u32)], usize)>(&mut self, ids: &[u32], mut put: P) {
        let mut start = 0;
        while start < ids.len() {
            let mut end = start + 1;
            if self.blocks && self.kth > 0.0 {
                let first = &self.queries[ids[start] as usize];
                let reach = (self.kth as f64).sqrt() * BLOCK_REACH;
                let reach2 = (reach * reach) as f32;
                while end < ids.len()
                    && end - start < BLOCK_MAX
                    && dist2(&self.queries[ids[end] as usize], first) <= reach2
                {
                    end += 1;
                }
            }
            let block = &ids[start..end];
            if block.len() < 2 || !self.run_block(block, start, &mut put) {
                for (j, &i) in block.iter().enumerate() {
                    self.single(i as usize, start + j, &mut put);
                }
            }
            start = end;
        }
    }

    /// One query on its own.
    fn single<P: FnMut(usize, &[(f32, u32)], usize)>(&mut self, i: usize, j: usize, put: &mut P) {
        let hint = self.kth * HINT_SLACK;
        self.kth = self
            .tree
            .nearest_k_hinted(&self.queries[i], self.k, hint, &mut self.near);
        self.stats.single += 1;
        put(i, &self.near, j);
    }

    /// Answer a block from one radius query. Returns `false` (having answered
    /// nothing) when the block's ball is unusable: degenerate, holding fewer
    /// than `k` or far too many points.
    // Index loops over parallel candidate arrays vectorise best.
    #[allow(clippy::needless_range_loop)]
    fn run_block<P: FnMut(usize, &[(f32, u32)], usize)>(
        &mut self,
        block: &[u32],
        offset: usize,
        put: &mut P,
    ) -> bool {
        let k = self.k;
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for &i in block {
            let q = &self.queries[i as usize];
            for a in 0..3 {
                lo[a] = lo[a].min(q[a]);
                hi[a] = hi[a].max(q[a]);
            }
        }
        let centre: [f32; 3] = std::array::from_fn(|a| lo[a] + (hi[a] - lo[a]) * 0.5);
        let extent = block
            .iter()
            .map(|&i| {
                let q = &self.queries[i as usize];
                (0..3)
                    .map(|a| {
                        let d = q[a] as f64 - centre[a] as f64;
                        d * d
                    })
                    .sum::<f64>()
            })
            .fold(0f64, f64::max)
            .sqrt();
        let wanted = extent + (self.kth as f64).sqrt() * BLOCK_SLACK;
        let r2 = (wanted * wanted) as f32;
        if !(r2 > 0.0 && r2.is_finite()) {
            return false;
        }
        let ball = Block {
            centre,
            radius: (r2 as f64).sqrt(),
        };
        self.cand.clear();
        self.tree.within_unsorted(&centre, r2, &mut self.cand);
        let n = self.cand.len();
        if n < k || n > MAX_CANDIDATES_PER_QUERY * block.len() {
            return false;
        }
        let points = self.tree.points();
        self.cx.clear();
        self.cy.clear();
        self.cz.clear();
        for &c in &self.cand {
            let p = &points[c as usize];
            self.cx.push(p[0]);
            self.cy.push(p[1]);
            self.cz.push(p[2]);
        }
        self.d.resize(n, 0.0);
        let mut kth_max = 0f32;
        let mut guess = self.kth;
        self.sel.resize(n, (0.0, 0));
        for (j, &i) in block.iter().enumerate() {
            let i = i as usize;
            let q = self.queries[i];
            // Exactly `dist2(p, q)`: same differences, same order of sums.
            let (xs, ys, zs, ds) = (
                &self.cx[..n],
                &self.cy[..n],
                &self.cz[..n],
                &mut self.d[..n],
            );
            for c in 0..n {
                let (dx, dy, dz) = (xs[c] - q[0], ys[c] - q[1], zs[c] - q[2]);
                ds[c] = dx * dx + dy * dy + dz * dz;
            }
            // Most candidates are far: keep those within a guess of the
            // k-th distance (the previous query's, with slack). When at
            // least k are kept, the k-th smallest is within the guess, so
            // every member of the answer was kept.
            let t = guess * SELECT_SLACK;
            let mut m = 0;
            for c in 0..n {
                self.sel[m] = (ds[c], self.cand[c]);
                m += (ds[c] <= t) as usize;
            }
            if m >= k {
                let kept = &mut self.sel[..m];
                if m > k {
                    kept.select_nth_unstable_by(k - 1, cmp_dist_index);
                }
                let top = &mut kept[..k];
                top.sort_unstable_by(cmp_dist_index);
                self.near.clear();
                self.near.extend_from_slice(top);
            } else {
                select_k(ds, &self.cand, k, &mut self.near);
            }
            let kth = self.near[k - 1].0;
            guess = kth;
            if ball.covers(&q, kth) {
                self.stats.from_block += 1;
                put(i, &self.near, offset + j);
                kth_max = kth_max.max(kth);
            } else {
                self.single(i, offset + j, put);
                kth_max = kth_max.max(self.kth);
            }
        }
        self.kth = kth_max;
        true
    }
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

/// Query indices sorted along a Z-order curve over the queries' bounding
/// box (10 bits per axis), ties by index.
pub(crate) fn morton_order(points: &[[f32; 3]]) -> Vec<u32> {
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for p in points {
        for a in 0..3 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    let scale: [f32; 3] = std::array::from_fn(|a| {
        let extent = hi[a] - lo[a];
        if extent > 0.0 && extent.is_finite() {
            1023.0 / extent
        } else {
            0.0
        }
    });
    let mut keyed: Vec<(u32, u32)> = points
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let cell =
                std::array::from_fn(|a| ((p[a] - lo[a]) * scale[a]).clamp(0.0, 1023.0) as u32);
            (interleave3(cell), i as u32)
        })
        .collect();
    keyed.par_sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Interleave the low 10 bits of three coordinates into a 30-bit Morton code.
#[inline]
fn interleave3(c: [u32; 3]) -> u32 {
    spread10(c[0]) | (spread10(c[1]) << 1) | (spread10(c[2]) << 2)
}

/// Spread the low 10 bits of `x` to every third bit.
#[inline]
fn spread10(x: u32) -> u32 {
    let mut x = x & 0x3ff;
    x = (x | (x << 16)) & 0x0300_00ff;
    x = (x | (x << 8)) & 0x0300_f00f;
    x = (x | (x << 4)) & 0x030c_30c3;
    x = (x | (x << 2)) & 0x0924_9249;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_matches_bitwise_definition() {
        for x in [0u32, 1, 2, 3, 0x155, 0x2aa, 0x3ff, 777] {
            let mut want = 0;
            for b in 0..10 {
                want |= ((x >> b) & 1) << (3 * b);
            }
            assert_eq!(spread10(x), want, "{x}");
        }
    }

    /// All `(dist2, index)` rows of the k nearest by a full sort.
    fn brute(points: &[[f32; 3]], queries: &[[f32; 3]], k: usize) -> Vec<Vec<(f32, u32)>> {
        queries
            .iter()
            .map(|q| {
                let mut all: Vec<(f32, u32)> = points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (dist2(p, q), i as u32))
                    .collect();
                all.sort_by(cmp_dist_index);
                all.truncate(k);
                all
            })
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
                assert_eq!(single.from_block, 0);
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

    #[test]
    fn morton_order_is_a_permutation() {
        let pts: Vec<[f32; 3]> = (0..1000)
            .map(|i| [((i * 37) % 100) as f32, ((i * 11) % 10) as f32, 0.0])
            .collect();
        let order = morton_order(&pts);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<u32>>());
        assert!(morton_order(&[]).is_empty());
        assert_eq!(morton_order(&[[1.0; 3]; 3]), vec![0, 1, 2]);
    }
}

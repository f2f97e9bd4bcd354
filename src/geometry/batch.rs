//! Exact k-nearest queries for many query points at once (all points of a
//! 1,000,000-point cloud, or a large cloud against a small labelled subset).
//!
//! Three things make a batch fast, none of which changes a result:
//! - queries run in Morton (Z-curve) order, so consecutive queries touch the
//!   same tree nodes and leaves while they are still in cache;
//! - each query is a radius query with the previous query's `k`-th distance
//!   (times [`HINT_SLACK`]) as radius, which kiddo answers several times
//!   faster than a k-nearest query ([`PointTree::nearest_k_hinted`] falls
//!   back to the exact k-nearest query when the guess holds too few points);
//! - chunks of the ordered queries run as rayon tasks. Each task writes its
//!   own disjoint rows of a buffer in Morton order (race-free); a parallel
//!   gather then puts rows back in query order.

use rayon::prelude::*;

use super::PointTree;

/// Queries per rayon task.
const QUERIES_PER_TASK: usize = 1024;

/// Squared-radius slack on the previous query's `k`-th distance (1.22x the
/// radius). Measured on a 1,000,000-point surface cloud with k = 17: 3 % of
/// queries fall back to the k-nearest query, 25 points found on average;
/// 1.2 falls back 16 % of the time, 2.0 finds 33 points for no gain.
const HINT_SLACK: f32 = 1.5;

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
    let order = morton_order(queries);
    let mut rows = vec![init; queries.len() * width];
    if width > 0 && !queries.is_empty() {
        // Race-free: each task owns a disjoint block of rows.
        rows.par_chunks_mut(QUERIES_PER_TASK * width)
            .zip(order.par_chunks(QUERIES_PER_TASK))
            .for_each(|(rows, ids)| {
                let mut near = Vec::with_capacity(4 * k + 4);
                let mut hint = 0f32;
                for (&i, row) in ids.iter().zip(rows.chunks_exact_mut(width)) {
                    let i = i as usize;
                    let kth = tree.nearest_k_hinted(&queries[i], k, hint, &mut near);
                    hint = kth * HINT_SLACK;
                    fill(i, &near, row);
                }
            });
    }
    OrderedRows { rows, order, width }
}

impl<T: Copy + Send + Sync> OrderedRows<T> {
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
        let mut pos = vec![0u32; self.order.len()];
        for (j, &i) in self.order.iter().enumerate() {
            pos[i as usize] = j as u32;
        }
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

//! The PointNet++ 3-NN interpolation weights (feature propagation): for each
//! fine point, its 3 nearest coarse points by `(dist2, index)` (repeated
//! cyclically when there are fewer than 3), with weights `1 / (d^2 + 1e-8)`
//! normalised to sum 1.
//!
//! Input `coarse` [M, 3] and `fine` [N, 3]; output [N, 3] coarse indices and
//! weights, row-major. Two implementations, the same values:
//!
//! - on a KD-tree ([`three_nn_weights`], [`three_nn_weights_with_tree`],
//!   [`three_nn_weights_into`]), through the batched exact k-nearest search
//!   of `knn_batch.rs`: for large coarse sets;
//! - without a tree ([`three_nn_weights_scan`]), for the small coarse sets of
//!   the network's levels (512 points and fewer), chosen at run time:
//!   - with AVX-512 the coarse points are sorted by x once, the fine points
//!     bucketed by x, and each block of sixteen fine points (one per lane)
//!     sweeps the coarse points outwards from its x range, one coarse point
//!     against all sixteen per step, until the x gap exceeds every lane's
//!     third-best distance; each lane keeps its best three with a
//!     branch-free insertion, and the weights are computed lane-wise;
//!   - with AVX2 each fine point sweeps the x-sorted coarse points outwards
//!     from its own x, eight per step, until the x gap exceeds its
//!     third-best distance (about eight steps at M = 512); only lanes within
//!     that distance reach the scalar insertion;
//!   - without either, a plain scan in index order does the same.
//!
//!   At M = 512 the AVX2 sweep is about three times faster than a tree
//!   query per point, the AVX-512 one about four times faster again.

use super::distance::dist2;
use super::knn_batch::knn_rows;
use super::simd::SimdPath;
use super::tree::PointTree;

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
        inverse_distance_weights(row.iter().map(|r| r.0), out)
    });
}

/// `out[j] = 1 / (d2[j] + 1e-8)`, normalised to sum 1 (summed left to
/// right): the PointNet++ weights of both implementations.
#[inline]
fn inverse_distance_weights(d2: impl IntoIterator<Item = f32>, out: &mut [f32]) {
    for (o, d) in out.iter_mut().zip(d2) {
        *o = 1.0 / (d + 1e-8);
    }
    let s: f32 = out.iter().sum();
    for o in out.iter_mut() {
        *o /= s;
    }
}

/// Coarse points per vector step of the AVX2 sweep and the portable scan.
const LANES: usize = 8;

/// For each fine point, its 3 nearest coarse points (ascending `(dist2,
/// index)`) and the PointNet++ weights, by a scan without a tree. Returns
/// `(indices, weights)`, each `fine.len() * 3`; the same values as
/// [`three_nn_weights`].
///
/// # Panics
///
/// If `coarse` is empty.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::three_nn::three_nn_weights_scan;
///
/// let coarse = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [5.0, 5.0, 5.0]];
/// let (idx, w) = three_nn_weights_scan(&coarse, &[[0.5, 0.0, 0.0]]);
/// // Squared distances 0.25, 0.25, 4.25: the tie goes to the lower index.
/// assert_eq!(idx, vec![0, 1, 2]);
/// let expect = [4.0, 4.0, 1.0 / 4.25].map(|x| x / (8.0 + 1.0 / 4.25));
/// assert!(w.iter().zip(expect).all(|(a, b)| (a - b).abs() < 1e-6));
/// ```
pub fn three_nn_weights_scan(coarse: &[[f32; 3]], fine: &[[f32; 3]]) -> (Vec<u32>, Vec<f32>) {
    three_nn_weights_scan_on(SimdPath::detect(), coarse, fine)
}

/// [`three_nn_weights_scan`] with the sweep of `path` (AVX-512 or AVX2,
/// when there are at least 3 coarse points), the portable scan otherwise:
/// the same values on every path.
pub(crate) fn three_nn_weights_scan_on(
    path: SimdPath,
    coarse: &[[f32; 3]],
    fine: &[[f32; 3]],
) -> (Vec<u32>, Vec<f32>) {
    assert!(
        !coarse.is_empty(),
        "three_nn_weights: no coarse points to interpolate from"
    );
    let m = coarse.len();
    let found = m.min(3);
    let mut idx = vec![0u32; fine.len() * 3];
    let mut w = vec![0f32; fine.len() * 3];
    match path {
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx512(_) if m >= 3 => {
            let cols = SortedCols::new(coarse, 1);
            // SAFETY: an `Avx512` token proves the CPU supports AVX-512F,
            // the only requirement of `blocks_avx512`; it needs at least 3
            // coarse points, checked too.
            unsafe { blocks_avx512(&cols, fine, &mut idx, &mut w) };
        }
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx2(_) if m >= 3 => {
            let cols = SortedCols::new(coarse, LANES);
            for (q, row) in query_rows(fine, &mut idx, &mut w) {
                // SAFETY: an `Avx2` token proves the CPU supports AVX2, the
                // only requirement of `nearest3_avx2`; it needs at least 3
                // coarse points, checked too.
                write_row(unsafe { nearest3_avx2(&cols, q) }, found, row);
            }
        }
        _ => {
            let padded = m.div_ceil(LANES) * LANES;
            // +inf padding: an infinite distance is never below the
            // threshold.
            let mut cols = vec![f32::INFINITY; 3 * padded];
            let (xs, rest) = cols.split_at_mut(padded);
            let (ys, zs) = rest.split_at_mut(padded);
            for (i, p) in coarse.iter().enumerate() {
                xs[i] = p[0];
                ys[i] = p[1];
                zs[i] = p[2];
            }
            for (q, row) in query_rows(fine, &mut idx, &mut w) {
                write_row(nearest3_body(coarse, xs, ys, zs, q), found, row);
            }
        }
    }
    (idx, w)
}

/// Each query with its rows of `idx` and `w` (3 slots each).
#[inline]
fn query_rows<'a>(
    fine: &'a [[f32; 3]],
    idx: &'a mut [u32],
    w: &'a mut [f32],
) -> impl Iterator<Item = (&'a [f32; 3], (&'a mut [u32], &'a mut [f32]))> {
    fine.iter()
        .zip(idx.chunks_exact_mut(3).zip(w.chunks_exact_mut(3)))
}

/// One query's row of indices and weights from its nearest `(d, index)`
/// triple, of which the first `found` are real (repeated cyclically).
#[inline]
fn write_row(near: [(f32, u32); 3], found: usize, (irow, wrow): (&mut [u32], &mut [f32])) {
    let mut d = [0f32; 3];
    for j in 0..3 {
        let (dj, ij) = near[j % found];
        d[j] = dj;
        irow[j] = ij;
    }
    // The formula and summation order of `three_nn_weights`.
    inverse_distance_weights(d, wrow);
}

/// The coarse points sorted by x (ties by index), as columns padded to whole
/// lane groups with `+inf` and id `u32::MAX`.
#[cfg(target_arch = "x86_64")]
struct SortedCols {
    xs: Vec<f32>,
    ys: Vec<f32>,
    zs: Vec<f32>,
    ids: Vec<u32>,
}

#[cfg(target_arch = "x86_64")]
impl SortedCols {
    /// `coarse` sorted by x (then index), padded to groups of `lanes`
    /// points (8 for the AVX2 sweep, 1 for the AVX-512 one).
    fn new(coarse: &[[f32; 3]], lanes: usize) -> SortedCols {
        // One integer key per point: x mapped to an unsigned integer in the
        // order of `f32::total_cmp`, above the index. The keys are distinct,
        // so an unstable integer sort gives the stable sort by x.
        let mut keys: Vec<u64> = coarse
            .iter()
            .enumerate()
            .map(|(i, p)| (total_order_bits(p[0]) as u64) << 32 | i as u64)
            .collect();
        keys.sort_unstable();
        let padded = coarse.len().div_ceil(lanes) * lanes;
        let mut c = SortedCols {
            xs: vec![f32::INFINITY; padded],
            ys: vec![f32::INFINITY; padded],
            zs: vec![f32::INFINITY; padded],
            ids: vec![u32::MAX; padded],
        };
        for (s, &key) in keys.iter().enumerate() {
            let i = key as u32;
            let p = coarse[i as usize];
            (c.xs[s], c.ys[s], c.zs[s], c.ids[s]) = (p[0], p[1], p[2], i);
        }
        c
    }
}

/// `x`'s bits mapped to an unsigned integer that orders as
/// [`f32::total_cmp`] orders the floats.
#[cfg(target_arch = "x86_64")]
#[inline]
fn total_order_bits(x: f32) -> u32 {
    let b = x.to_bits();
    if b >> 31 == 1 {
        !b
    } else {
        b | 0x8000_0000
    }
}

/// The AVX2 sweep: lane groups of the x-sorted coarse points, starting at
/// the query's x and moving outwards on both sides; a side stops once its
/// x gap alone, squared, exceeds the third-best distance (every point beyond
/// is then strictly farther: rounding is monotone). Lanes at or below the
/// third-best distance go to an exact `(d, index)` insertion. Multiplies and
/// adds are separate (no FMA), in the order of [`super::dist2`], so every
/// distance is bit-identical to the portable version. Needs at least 3
/// coarse points (with fewer, `best` keeps an unfilled slot).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn nearest3_avx2(cols: &SortedCols, q: &[f32; 3]) -> [(f32, u32); 3] {
    use std::arch::x86_64::*;
    let q3 = [
        _mm256_set1_ps(q[0]),
        _mm256_set1_ps(q[1]),
        _mm256_set1_ps(q[2]),
    ];
    let mut best = [(f32::INFINITY, u32::MAX); 3];
    let chunks = cols.xs.len() / LANES;
    let start = cols
        .xs
        .partition_point(|&x| x < q[0])
        .min(cols.xs.len() - 1)
        / LANES;
    visit(cols, q3, start, &mut best);
    let (mut lo, mut hi) = (start, start + 1);
    let (mut left, mut right) = (lo > 0, hi < chunks);
    while left || right {
        if left {
            lo -= 1;
            let gap = q[0] - cols.xs[lo * LANES + LANES - 1];
            if gap * gap > best[2].0 {
                left = false;
            } else {
                visit(cols, q3, lo, &mut best);
                left = lo > 0;
            }
        }
        if right {
            let gap = cols.xs[hi * LANES] - q[0];
            if gap * gap > best[2].0 {
                right = false;
            } else {
                visit(cols, q3, hi, &mut best);
                hi += 1;
                right = hi < chunks;
            }
        }
    }
    best
}

/// One lane group `g` of the sweep: distances to the query (broadcast in
/// `q`), exact insertion of the lanes at or below the third-best distance.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn visit(
    cols: &SortedCols,
    q: [std::arch::x86_64::__m256; 3],
    g: usize,
    best: &mut [(f32, u32); 3],
) {
    use std::arch::x86_64::*;
    let [qx, qy, qz] = q;
    let o = g * LANES;
    assert!(o + LANES <= cols.xs.len(), "visit: lane group out of range");
    // SAFETY: the three columns have the same length, checked above to
    // hold the eight floats from `o`.
    let (x, y, z) = unsafe {
        (
            _mm256_loadu_ps(cols.xs.as_ptr().add(o)),
            _mm256_loadu_ps(cols.ys.as_ptr().add(o)),
            _mm256_loadu_ps(cols.zs.as_ptr().add(o)),
        )
    };
    let dx = _mm256_sub_ps(x, qx);
    let dy = _mm256_sub_ps(y, qy);
    let dz = _mm256_sub_ps(z, qz);
    let d = _mm256_add_ps(
        _mm256_add_ps(_mm256_mul_ps(dx, dx), _mm256_mul_ps(dy, dy)),
        _mm256_mul_ps(dz, dz),
    );
    let t = _mm256_set1_ps(best[2].0);
    let mut mask = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LE_OQ>(d, t)) as u32;
    if mask != 0 {
        let mut dl = [0f32; LANES];
        // SAFETY: `dl` holds exactly eight floats.
        unsafe { _mm256_storeu_ps(dl.as_mut_ptr(), d) };
        while mask != 0 {
            let l = mask.trailing_zeros() as usize;
            let id = cols.ids[o + l];
            if id != u32::MAX {
                insert_ordered(best, (dl[l], id));
            }
            mask &= mask - 1;
        }
    }
}

/// `(d, index)` as one integer whose order is the `(d, index)` order, for a
/// distance `d` that is `+0.0`, positive or `+inf` (a sum of squares is
/// never `-0.0`): the bits of such floats order as the floats do. A NaN
/// distance's key is above all of those, `(inf, u32::MAX)` included.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn dist_key(d: f32, index: u32) -> u64 {
    (d.to_bits() as u64) << 32 | index as u64
}

/// The distance of a [`dist_key`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn key_dist(key: u64) -> f32 {
    f32::from_bits((key >> 32) as u32)
}

/// Queries per block of the AVX-512 sweep (one per lane).
#[cfg(target_arch = "x86_64")]
pub(super) const BLOCK: usize = 16;

/// Coarse points the block sweep visits on a side before it checks the
/// pruning bound again.
#[cfg(target_arch = "x86_64")]
const SIDE_STEP: usize = 4;

/// The AVX-512 3-NN for all of `fine`, into `idx` and `w` (N x 3 each):
/// the queries, bucketed by x ([`x_order`]), go in blocks of sixteen, one
/// per lane; each block sweeps the x-sorted coarse points (`cols`, one
/// point per group) outwards from its x range, one coarse point (broadcast)
/// against the sixteen queries per step, keeping each lane's best three as
/// [`dist_key`]s by a branch-free min/max insertion. A side stops once its
/// x gap to the block's range, squared, exceeds every lane's third-best
/// distance (every point beyond is then strictly farther from each query:
/// rounding is monotone). Multiplies and adds are separate (no FMA), in the
/// order of [`super::dist2`], and the weights use the formula and summation
/// order of `inverse_distance_weights`, lane-wise, so every value is
/// bit-identical to the other paths. A query whose distances are all NaN
/// keeps `(inf, u32::MAX)`, as in the AVX2 sweep. Needs at least 3 coarse
/// points.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn blocks_avx512(cols: &SortedCols, fine: &[[f32; 3]], idx: &mut [u32], w: &mut [f32]) {
    use std::arch::x86_64::*;
    let m = cols.xs.len();
    assert!(m >= 3, "blocks_avx512: needs 3 coarse points");
    assert!(
        idx.len() == fine.len() * 3 && w.len() == fine.len() * 3,
        "blocks_avx512: output sizes"
    );
    let none = _mm512_set1_epi64(dist_key(f32::INFINITY, u32::MAX) as i64);
    // The coarse x range (the network's coarse points are a sample of the
    // fine ones), which costs nothing to find.
    let range = (cols.xs[0], cols.xs[m - 1]);
    for block in x_order(fine, range).chunks(BLOCK) {
        // Lane l holds query `block[l]`; a short block repeats its last.
        let (mut lx, mut ly, mut lz) = ([0f32; BLOCK], [0f32; BLOCK], [0f32; BLOCK]);
        let (mut qmin, mut qmax) = (f32::INFINITY, f32::NEG_INFINITY);
        for l in 0..BLOCK {
            let p = fine[block[l.min(block.len() - 1)] as usize];
            (lx[l], ly[l], lz[l]) = (p[0], p[1], p[2]);
            // NaN is skipped: a lane with a NaN coordinate never takes a
            // point, so it needs no sweep.
            (qmin, qmax) = (qmin.min(p[0]), qmax.max(p[0]));
        }
        // SAFETY: each load reads one whole `[f32; 16]`.
        let q3 = unsafe {
            [
                _mm512_loadu_ps(lx.as_ptr()),
                _mm512_loadu_ps(ly.as_ptr()),
                _mm512_loadu_ps(lz.as_ptr()),
            ]
        };
        // Keys of lanes {0, 1, 4, 5, 8, 9, 12, 13} (`lo`) and {2, 3, 6, 7,
        // 10, 11, 14, 15} (`hi`), the lane order of the 32-bit unpacks.
        let (mut lo, mut hi) = ([none; 3], [none; 3]);
        let start = cols.xs.partition_point(|&x| x < qmin);
        let (mut left_at, mut right_at) = (start, start);
        let (mut left, mut right) = (left_at > 0, right_at < m);
        while left || right {
            // The largest third-best distance over the lanes.
            let third = key_dist(_mm512_reduce_max_epu64(_mm512_max_epu64(lo[2], hi[2])));
            if left {
                let gap = qmin - cols.xs[left_at - 1];
                if gap > 0.0 && gap * gap > third {
                    left = false;
                } else {
                    let from = left_at.saturating_sub(SIDE_STEP);
                    for j in from..left_at {
                        visit_point(cols, q3, j, &mut lo, &mut hi);
                    }
                    left_at = from;
                    left = left_at > 0;
                }
            }
            if right {
                let gap = cols.xs[right_at] - qmax;
                if gap > 0.0 && gap * gap > third {
                    right = false;
                } else {
                    let to = (right_at + SIDE_STEP).min(m);
                    for j in right_at..to {
                        visit_point(cols, q3, j, &mut lo, &mut hi);
                    }
                    right_at = to;
                    right = right_at < m;
                }
            }
        }
        let keys = lane_keys(&lo, &hi);
        let wts = weights_avx512(keys.map(|k| k.map(key_dist)));
        for (l, &query) in block.iter().enumerate() {
            let o = query as usize * 3;
            for j in 0..3 {
                idx[o + j] = keys[j][l] as u32;
                w[o + j] = wts[j][l];
            }
        }
    }
}

/// The indices of `points` in an order that keeps runs of consecutive
/// points narrow in x: a counting sort into about `N / 4` equal-width
/// buckets of `lo..hi` in x (index order within a bucket; points outside go
/// to the end buckets, NaN x to the first). The order only affects speed,
/// never results; a range that is empty or not finite gives index order.
#[cfg(target_arch = "x86_64")]
fn x_order(points: &[[f32; 3]], (lo, hi): (f32, f32)) -> Vec<u32> {
    let n = points.len();
    let buckets = (n / 4).max(1);
    let scale = buckets as f32 / (hi - lo);
    let scale = if scale.is_finite() { scale } else { 0.0 };
    // `as` saturates: negative and NaN go to 0.
    let bucket = |x: f32| (((x - lo) * scale) as usize).min(buckets - 1);
    let mut start = vec![0u32; buckets + 1];
    for p in points {
        start[bucket(p[0]) + 1] += 1;
    }
    for b in 0..buckets {
        start[b + 1] += start[b];
    }
    let mut order = vec![0u32; n];
    for (i, p) in points.iter().enumerate() {
        let b = bucket(p[0]);
        order[start[b] as usize] = i as u32;
        start[b] += 1;
    }
    order
}

/// Coarse point `j` (broadcast) against the sixteen queries of a block
/// (lanes of `q`): their distances, as keys inserted into the lanes' best
/// three (`lo` and `hi`, see [`blocks_avx512`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn visit_point(
    cols: &SortedCols,
    q: [std::arch::x86_64::__m512; 3],
    j: usize,
    lo: &mut [std::arch::x86_64::__m512i; 3],
    hi: &mut [std::arch::x86_64::__m512i; 3],
) {
    use std::arch::x86_64::*;
    let [qx, qy, qz] = q;
    let dx = _mm512_sub_ps(_mm512_set1_ps(cols.xs[j]), qx);
    let dy = _mm512_sub_ps(_mm512_set1_ps(cols.ys[j]), qy);
    let dz = _mm512_sub_ps(_mm512_set1_ps(cols.zs[j]), qz);
    let d = _mm512_add_ps(
        _mm512_add_ps(_mm512_mul_ps(dx, dx), _mm512_mul_ps(dy, dy)),
        _mm512_mul_ps(dz, dz),
    );
    let d = _mm512_castps_si512(d);
    let id = _mm512_set1_epi32(cols.ids[j] as i32);
    insert_keys(lo, _mm512_unpacklo_epi32(id, d));
    insert_keys(hi, _mm512_unpackhi_epi32(id, d));
}

/// Insert `key` lane-wise into the ascending `(d bits, index)` triples
/// `best`, dropping the largest: min and max only.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn insert_keys(
    best: &mut [std::arch::x86_64::__m512i; 3],
    key: std::arch::x86_64::__m512i,
) {
    use std::arch::x86_64::*;
    let [b0, b1, b2] = *best;
    *best = [
        _mm512_min_epu64(b0, key),
        _mm512_min_epu64(b1, _mm512_max_epu64(b0, key)),
        _mm512_min_epu64(b2, _mm512_max_epu64(b1, key)),
    ];
}

/// The best three keys of each of the sixteen lanes, in lane order
/// (`keys[j][l]` is slot `j` of lane `l`), from the `lo` / `hi` halves the
/// insertion keeps them in (`_mm512_unpacklo_epi32` / `_mm512_unpackhi_epi32`
/// of index and distance: lane `4g + r` is `u64` `2g + r` of `lo` for
/// `r < 2`, `2g + r - 2` of `hi` otherwise).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) fn lane_keys(
    lo: &[std::arch::x86_64::__m512i; 3],
    hi: &[std::arch::x86_64::__m512i; 3],
) -> [[u64; BLOCK]; 3] {
    use std::arch::x86_64::*;
    let mut keys = [[0u64; BLOCK]; 3];
    for j in 0..3 {
        let (mut a, mut b) = ([0u64; 8], [0u64; 8]);
        // SAFETY: each store writes one whole `[u64; 8]`.
        unsafe {
            _mm512_storeu_si512(a.as_mut_ptr().cast(), lo[j]);
            _mm512_storeu_si512(b.as_mut_ptr().cast(), hi[j]);
        }
        for g in 0..4 {
            keys[j][4 * g..4 * g + 4].copy_from_slice(&[
                a[2 * g],
                a[2 * g + 1],
                b[2 * g],
                b[2 * g + 1],
            ]);
        }
    }
    keys
}

/// `inverse_distance_weights` for sixteen queries at once: `d[j][l]` is
/// slot `j` of query `l`; the same operations in the same order, lane-wise.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn weights_avx512(d: [[f32; BLOCK]; 3]) -> [[f32; BLOCK]; 3] {
    use std::arch::x86_64::*;
    let one = _mm512_set1_ps(1.0);
    let eps = _mm512_set1_ps(1e-8);
    let mut inv = [_mm512_setzero_ps(); 3];
    for (v, dj) in inv.iter_mut().zip(&d) {
        // SAFETY: reads one whole `[f32; 16]`.
        let dj = unsafe { _mm512_loadu_ps(dj.as_ptr()) };
        *v = _mm512_div_ps(one, _mm512_add_ps(dj, eps));
    }
    let s = _mm512_add_ps(_mm512_add_ps(inv[0], inv[1]), inv[2]);
    let mut out = [[0f32; BLOCK]; 3];
    for (o, v) in out.iter_mut().zip(inv) {
        // SAFETY: writes one whole `[f32; 16]`.
        unsafe { _mm512_storeu_ps(o.as_mut_ptr(), _mm512_div_ps(v, s)) };
    }
    out
}

/// Insert `item` into the triple sorted by `(d, index)`, dropping the last.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn insert_ordered(best: &mut [(f32, u32); 3], item: (f32, u32)) {
    let less = |a: (f32, u32), b: (f32, u32)| a.0 < b.0 || (a.0 == b.0 && a.1 < b.1);
    if !less(item, best[2]) {
        return;
    }
    let mut at = 2;
    while at > 0 && less(item, best[at - 1]) {
        best[at] = best[at - 1];
        at -= 1;
    }
    best[at] = item;
}

/// The `min(3, M)` nearest coarse points of `q`, ascending `(dist2, index)`,
/// by a scan in index order (unused slots hold `(inf, u32::MAX)`); the
/// portable counterpart of the sweep.
#[inline]
fn nearest3_body(
    coarse: &[[f32; 3]],
    xs: &[f32],
    ys: &[f32],
    zs: &[f32],
    q: &[f32; 3],
) -> [(f32, u32); 3] {
    let mut best = [(f32::INFINITY, u32::MAX); 3];
    // The first three points enter unconditionally (a distance may be
    // infinite); later points in index order only when strictly closer than
    // the third best, since an equal distance loses to the lower index.
    for (i, p) in coarse.iter().enumerate().take(3) {
        insert(&mut best, i, (dist2(p, q), i as u32));
    }
    if coarse.len() <= 3 {
        return best;
    }
    let (xs, _) = xs.as_chunks::<LANES>();
    let (ys, _) = ys.as_chunks::<LANES>();
    let (zs, _) = zs.as_chunks::<LANES>();
    for (chunk, ((x, y), z)) in xs.iter().zip(ys).zip(zs).enumerate() {
        let thr = best[2].0;
        let mut d = [0f32; LANES];
        let mut mask = 0u32;
        for l in 0..LANES {
            let dx = x[l] - q[0];
            let dy = y[l] - q[1];
            let dz = z[l] - q[2];
            d[l] = dx * dx + dy * dy + dz * dz;
            mask |= ((d[l] < thr) as u32) << l;
        }
        if chunk == 0 {
            mask &= !0b111; // already inserted
        }
        while mask != 0 {
            let l = mask.trailing_zeros() as usize;
            if d[l] < best[2].0 {
                insert(&mut best, 3, (d[l], (chunk * LANES + l) as u32));
            }
            mask &= mask - 1;
        }
    }
    best
}

/// Insert `item` (an index above every index in `best`) into the first
/// `filled` sorted slots, dropping the last one when full.
#[inline(always)]
fn insert(best: &mut [(f32, u32); 3], filled: usize, item: (f32, u32)) {
    let mut at = filled.min(3);
    // Equal distances stay ahead: they have lower indices.
    while at > 0 && best[at - 1].0 > item.0 {
        if at < 3 {
            best[at] = best[at - 1];
        }
        at -= 1;
    }
    if at < 3 {
        best[at] = item;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::reference::{nearest_k_ref, three_nn_weights_ref, tie_prone_sets};
    #[cfg(target_arch = "x86_64")]
    use crate::geometry::simd::{Avx2, Avx512};
    use crate::rng::Rng;

    /// The definition: sort every coarse point by (distance, index).
    fn slow(coarse: &[[f32; 3]], q: &[f32; 3]) -> Vec<(f32, u32)> {
        nearest_k_ref(coarse, q, 3)
    }

    #[test]
    fn scan_equals_definition_and_tree() {
        let mut rng = Rng::new(11);
        for &m in &[1usize, 2, 3, 4, 8, 9, 17, 128, 512] {
            // A coarse lattice (many equal distances) with duplicates, and a
            // uniform one; fine points include the coarse ones themselves.
            let lattice: Vec<[f32; 3]> = (0..m)
                .map(|i| {
                    let j = (i * 5) % m;
                    [
                        (j % 4) as f32 * 0.5,
                        (j / 4 % 4) as f32 * 0.5,
                        (j / 16) as f32 * 0.5,
                    ]
                })
                .collect();
            let uniform: Vec<[f32; 3]> = (0..m)
                .map(|_| {
                    [
                        rng.uniform(-1.0, 1.0),
                        rng.uniform(-1.0, 1.0),
                        rng.uniform(-1.0, 1.0),
                    ]
                })
                .collect();
            for coarse in [lattice, uniform] {
                let mut fine: Vec<[f32; 3]> = (0..300)
                    .map(|_| {
                        let s = if rng.below(2) == 0 { 0.5 } else { 1.2 };
                        [rng.uniform(-s, s), rng.uniform(-s, s), rng.uniform(-s, s)]
                    })
                    .collect();
                fine.extend_from_slice(&coarse);
                fine.push([0.25, 0.25, 0.25]);
                let (idx, w) = three_nn_weights_scan(&coarse, &fine);
                let p = coarse.len().div_ceil(LANES) * LANES;
                let mut cols = vec![vec![f32::NAN; p]; 3];
                for (i, c) in coarse.iter().enumerate() {
                    for a in 0..3 {
                        cols[a][i] = c[a];
                    }
                }
                for (n, q) in fine.iter().enumerate() {
                    let want = slow(&coarse, q);
                    let portable = nearest3_body(&coarse, &cols[0], &cols[1], &cols[2], q);
                    assert_eq!(&portable[..want.len()], &want[..], "portable, m {m} n {n}");
                    for j in 0..3 {
                        assert_eq!(idx[n * 3 + j], want[j % want.len()].1, "m {m} n {n}");
                    }
                }
                let (tidx, tw) = three_nn_weights(&coarse, &fine);
                assert_eq!(idx, tidx, "m {m}");
                assert_eq!(w, tw, "m {m}");
            }
        }
    }

    /// Every sweep this CPU has (AVX-512, AVX2) and the portable scan give
    /// the same indices and weights, bit for bit, on random clouds of
    /// several sizes; the portable scan also matches the tree.
    #[test]
    fn every_path_equals_portable_scan() {
        let mut rng = Rng::new(12);
        for m in [1usize, 2, 3, 5, 8, 9, 31, 64, 128, 500, 512, 2048] {
            let coarse: Vec<[f32; 3]> = (0..m)
                .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
                .collect();
            // Quantised copies tie in x (the sweep's sort key) and distance.
            let quantised: Vec<[f32; 3]> = coarse
                .iter()
                .map(|p| p.map(|x| (x * 4.0).round() / 4.0))
                .collect();
            for coarse in [coarse, quantised] {
                let mut fine: Vec<[f32; 3]> = (0..400)
                    .map(|_| [0; 3].map(|_| rng.uniform(-1.3, 1.3)))
                    .collect();
                fine.extend(coarse.iter().take(100));
                let portable = three_nn_weights_scan_on(SimdPath::Portable, &coarse, &fine);
                assert_eq!(portable, three_nn_weights(&coarse, &fine), "m {m}");
                for path in SimdPath::supported() {
                    let simd = three_nn_weights_scan_on(path, &coarse, &fine);
                    assert_eq!(simd, portable, "{path:?}, m {m}");
                }
            }
        }
    }

    /// Indices equal and weights bit-identical (compared as bits, so a NaN
    /// weight must match too).
    fn assert_same(got: &(Vec<u32>, Vec<f32>), want: &(Vec<u32>, Vec<f32>), what: &str) {
        assert_eq!(got.0, want.0, "indices, {what}");
        let bits = |w: &[f32]| w.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got.1), bits(&want.1), "weights, {what}");
    }

    /// Every path against the slow definition (`three_nn_weights_ref`), bit
    /// for bit, on the awkward cases: every coarse size from 1 to 40 and
    /// sizes around multiples of 16 (partial last groups), duplicate coarse
    /// points, many equal x (the sort key) and equal distances (a binary
    /// lattice), all points on one plane x = const, queries on coarse
    /// points, exactly at group-end x values, far outside (distances that
    /// overflow to infinity) and at -0.0.
    #[test]
    fn every_path_equals_definition_on_ties_and_odd_sizes() {
        let mut rng = Rng::new(13);
        let sizes: Vec<usize> = (1..=40)
            .chain([47, 48, 49, 63, 65, 255, 257, 511, 513, 1000, 2049])
            .collect();
        for m in sizes {
            for (_, coarse) in tie_prone_sets(&mut rng, m) {
                let mut fine: Vec<[f32; 3]> = (0..150)
                    .map(|_| [0; 3].map(|_| rng.uniform(-1.3, 1.3)))
                    .collect();
                fine.extend(coarse.iter().take(60));
                // Queries at the x of every coarse point (some are group
                // ends), off the coarse y and z.
                fine.extend(coarse.iter().take(60).map(|p| [p[0], 0.1, -0.2]));
                fine.extend([
                    [0.125, 0.125, 0.125],
                    [-0.0, 0.0, -0.0],
                    [3e19, 0.0, 0.0],
                    [-3e19, 1.0, 0.0],
                    [0.0, 3e19, 0.0],
                ]);
                let want = three_nn_weights_ref(&coarse, &fine);
                for path in SimdPath::supported() {
                    let got = three_nn_weights_scan_on(path, &coarse, &fine);
                    assert_same(&got, &want, &format!("{path:?}, m {m}"));
                }
            }
        }
    }

    /// The AVX-512 block sweep against the AVX2 sweep and the portable scan,
    /// bit for bit: network-sized and larger coarse sets, query counts that
    /// leave a partial last block, queries spread far wider than the coarse
    /// points (long sweeps), all at one x (one bucket), a few queries on
    /// coarse points (a block wider in x than their distances), infinite
    /// coordinates. Queries with a NaN coordinate are compared with the
    /// AVX2 sweep only (both give `u32::MAX` and NaN weights; the portable
    /// scan differs there). `x_order` is a permutation, also for an invalid
    /// range. Skips without
    /// AVX-512.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn avx512_blocks_equal_avx2_and_portable() {
        let Some(t) = Avx512::detect() else {
            eprintln!("avx512_blocks_equal_avx2_and_portable: skipped, no AVX-512F (or PCSEG_NO_AVX512 set)");
            return;
        };
        let avx2 = Avx2::detect();
        let mut rng = Rng::new(14);
        for (m, n) in [
            (3usize, 17usize),
            (16, 1),
            (128, 512),
            (512, 2048),
            (512, 2047),
            (700, 33),
            (4097, 1000),
        ] {
            let coarse: Vec<[f32; 3]> = (0..m)
                .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
                .collect();
            let near: Vec<[f32; 3]> = (0..n)
                .map(|_| [0; 3].map(|_| rng.uniform(-1.2, 1.2)))
                .collect();
            let wide: Vec<[f32; 3]> = (0..n)
                .map(|_| [0; 3].map(|_| rng.uniform(-5.0, 5.0)))
                .collect();
            let one_x: Vec<[f32; 3]> = (0..n)
                .map(|_| [0.3, rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)])
                .collect();
            // Few queries, so a block spans most of the x range, each next
            // to a coarse point (small third-best distances).
            let few: Vec<[f32; 3]> = coarse
                .iter()
                .take(n.min(20))
                .map(|p| [p[0], p[1] + 1e-3, p[2]])
                .collect();
            let mut infinite = near.clone();
            for (i, q) in infinite.iter_mut().enumerate().step_by(5) {
                q[i % 3] = if i % 2 == 0 {
                    f32::INFINITY
                } else {
                    f32::NEG_INFINITY
                };
            }
            for fine in [near, wide, one_x, few, infinite] {
                let got = three_nn_weights_scan_on(SimdPath::Avx512(t), &coarse, &fine);
                let portable = three_nn_weights_scan_on(SimdPath::Portable, &coarse, &fine);
                assert_same(&got, &portable, &format!("portable, m {m} n {n}"));
                if let Some(a) = avx2 {
                    let avx2 = three_nn_weights_scan_on(SimdPath::Avx2(a), &coarse, &fine);
                    assert_same(&got, &avx2, &format!("avx2, m {m} n {n}"));
                }
                let mut order = x_order(&fine, (-1.0, 1.0));
                order.sort_unstable();
                assert!(
                    order.iter().copied().eq(0..fine.len() as u32),
                    "m {m} n {n}"
                );
            }
            let mut nan = coarse.clone();
            nan.extend([[f32::NAN, 0.0, 0.0], [0.1, f32::NAN, 0.2], [0.5, 0.5, 0.5]]);
            let got = three_nn_weights_scan_on(SimdPath::Avx512(t), &coarse, &nan);
            assert_eq!(&got.0[got.0.len() - 9..got.0.len() - 3], &[u32::MAX; 6]);
            if let Some(a) = avx2 {
                let avx2 = three_nn_weights_scan_on(SimdPath::Avx2(a), &coarse, &nan);
                assert_same(&got, &avx2, &format!("avx2, NaN queries, m {m}"));
            }
            let mut order = x_order(&nan, (-1.0, f32::NAN));
            order.sort_unstable();
            assert!(order.iter().copied().eq(0..nan.len() as u32));
        }
    }
}

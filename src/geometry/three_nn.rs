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
//!   the network's levels (512 points and fewer). With AVX-512 or AVX2
//!   (chosen at run time) the coarse points are sorted by x once, and each
//!   fine point sweeps outwards from its own x, sixteen or eight points per
//!   step, until the x gap exceeds its third-best distance (about eight
//!   8-point steps at M = 512); only lanes within that distance reach the
//!   scalar insertion. Without either, a plain scan in index order does the
//!   same. At M = 512 this is several times faster than a tree query per
//!   point.

use super::distance::dist2;
use super::knn_batch::knn_rows;
#[cfg(target_arch = "x86_64")]
use super::simd::popcount16;
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

/// Coarse points per vector step of the AVX-512 sweep.
const LANES_512: usize = 16;

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
    let rows = fine
        .iter()
        .zip(idx.chunks_exact_mut(3).zip(w.chunks_exact_mut(3)));
    match path {
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx512(_) if m >= 3 => {
            let cols = SortedCols::new(coarse, LANES_512);
            for (q, row) in rows {
                // SAFETY: an `Avx512` token proves the CPU supports
                // AVX-512F, the only requirement of `nearest3_avx512`; it
                // needs at least 3 coarse points, checked too.
                write_row(unsafe { nearest3_avx512(&cols, q) }, found, row);
            }
        }
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx2(_) if m >= 3 => {
            let cols = SortedCols::new(coarse, LANES);
            for (q, row) in rows {
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
            for (q, row) in rows {
                write_row(nearest3_body(coarse, xs, ys, zs, q), found, row);
            }
        }
    }
    (idx, w)
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
/// lane groups with `+inf` and id `u32::MAX`, and the x of each group's last
/// slot (to find a query's starting group).
#[cfg(target_arch = "x86_64")]
struct SortedCols {
    xs: Vec<f32>,
    ys: Vec<f32>,
    zs: Vec<f32>,
    ids: Vec<u32>,
    /// Points per lane group.
    lanes: usize,
    /// `lasts[g]`: the x of group `g`'s last slot (`+inf` in padding); one
    /// per group, then `+inf` up to a multiple of 16.
    lasts: Vec<f32>,
}

#[cfg(target_arch = "x86_64")]
impl SortedCols {
    /// `coarse` sorted by x (then index), in groups of `lanes` points.
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
        let groups = padded / lanes;
        let mut c = SortedCols {
            xs: vec![f32::INFINITY; padded],
            ys: vec![f32::INFINITY; padded],
            zs: vec![f32::INFINITY; padded],
            ids: vec![u32::MAX; padded],
            lanes,
            lasts: vec![f32::INFINITY; groups.div_ceil(LANES_512) * LANES_512],
        };
        for (s, &key) in keys.iter().enumerate() {
            let i = key as u32;
            let p = coarse[i as usize];
            (c.xs[s], c.ys[s], c.zs[s], c.ids[s]) = (p[0], p[1], p[2], i);
        }
        for (g, last) in c.lasts[..groups].iter_mut().enumerate() {
            *last = c.xs[g * lanes + lanes - 1];
        }
        c
    }

    /// Number of lane groups.
    #[inline]
    fn groups(&self) -> usize {
        self.xs.len() / self.lanes
    }

    /// The lane group holding the first slot with x not below `qx` (the
    /// last group when there is none): the number of groups whose last x is
    /// below `qx`, at most the last group.
    #[inline]
    fn start_group(&self, qx: f32) -> usize {
        let groups = self.groups();
        self.lasts[..groups]
            .partition_point(|&x| x < qx)
            .min(groups - 1)
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
/// coarse points (with fewer, `best` keeps an unfilled slot) and 8-point
/// groups.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn nearest3_avx2(cols: &SortedCols, q: &[f32; 3]) -> [(f32, u32); 3] {
    use std::arch::x86_64::*;
    assert_eq!(cols.lanes, LANES, "nearest3_avx2: 8-point groups");
    let q3 = [
        _mm256_set1_ps(q[0]),
        _mm256_set1_ps(q[1]),
        _mm256_set1_ps(q[2]),
    ];
    let mut best = [(f32::INFINITY, u32::MAX); 3];
    let chunks = cols.groups();
    let start = cols.start_group(q[0]);
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

/// The AVX-512 sweep: [`nearest3_avx2`] with 16-point groups and the same
/// pruning, the starting group found by comparing the query's x with
/// sixteen group ends at a time, and the best three kept as [`dist_key`]s
/// (a branch-free insertion). Needs at least 3 coarse points and 16-point
/// groups.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn nearest3_avx512(cols: &SortedCols, q: &[f32; 3]) -> [(f32, u32); 3] {
    use std::arch::x86_64::*;
    assert_eq!(cols.lanes, LANES_512, "nearest3_avx512: 16-point groups");
    let q3 = [
        _mm512_set1_ps(q[0]),
        _mm512_set1_ps(q[1]),
        _mm512_set1_ps(q[2]),
    ];
    let none = dist_key(f32::INFINITY, u32::MAX);
    let mut best = [none; 3];
    let groups = cols.groups();
    let start = start_group_avx512(cols, q3[0]).unwrap_or_else(|| cols.start_group(q[0]));
    visit_avx512(cols, q3, start, &mut best);
    let (mut lo, mut hi) = (start, start + 1);
    let (mut left, mut right) = (lo > 0, hi < groups);
    while left || right {
        let third = key_dist(best[2]);
        if left {
            lo -= 1;
            let gap = q[0] - cols.xs[lo * LANES_512 + LANES_512 - 1];
            if gap * gap > third {
                left = false;
            } else {
                visit_avx512(cols, q3, lo, &mut best);
                left = lo > 0;
            }
        }
        let third = key_dist(best[2]);
        if right {
            let gap = cols.xs[hi * LANES_512] - q[0];
            if gap * gap > third {
                right = false;
            } else {
                visit_avx512(cols, q3, hi, &mut best);
                hi += 1;
                right = hi < groups;
            }
        }
    }
    best.map(|k| (key_dist(k), k as u32))
}

/// `(d, index)` as one integer whose order is the `(d, index)` order, for a
/// distance `d` that is `+0.0`, positive or `+inf` (a sum of squares; never
/// `-0.0`, and NaN never reaches it): the bits of such floats order as the
/// floats do.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn dist_key(d: f32, index: u32) -> u64 {
    (d.to_bits() as u64) << 32 | index as u64
}

/// The distance of a [`dist_key`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn key_dist(key: u64) -> f32 {
    f32::from_bits((key >> 32) as u32)
}

/// Insert `key` into the ascending triple `best`, dropping the largest;
/// min and max only, so no branch to mispredict.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn insert_key(best: &mut [u64; 3], key: u64) {
    let [b0, b1, b2] = *best;
    *best = [b0.min(key), b1.min(b0.max(key)), b2.min(b1.max(key))];
}

/// Most group ends [`start_group_avx512`] compares (16 per step); above,
/// the binary search of [`SortedCols::start_group`] is shorter.
#[cfg(target_arch = "x86_64")]
const START_COUNT_MAX: usize = 256;

/// [`SortedCols::start_group`] for the query x broadcast in `qx`, by
/// counting the group ends below it sixteen at a time (no branches to
/// mispredict); `None` when there are more than [`START_COUNT_MAX`] groups.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn start_group_avx512(cols: &SortedCols, qx: std::arch::x86_64::__m512) -> Option<usize> {
    use std::arch::x86_64::*;
    if cols.lasts.len() > START_COUNT_MAX {
        return None;
    }
    let (ends, _) = cols.lasts.as_chunks::<LANES_512>();
    let mut below = 0;
    for e in ends {
        // SAFETY: reads one whole `[f32; 16]` chunk.
        let e = unsafe { _mm512_loadu_ps(e.as_ptr()) };
        below += popcount16(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(e, qx));
    }
    // The `+inf` past the last group is never below `qx`.
    Some(below.min(cols.groups() - 1))
}

/// One 16-point group `g` of the AVX-512 sweep: distances to the query
/// (broadcast in `q`), insertion of the lanes at or below the third-best
/// distance. Padding lanes (`+inf`, id `u32::MAX`) may be inserted: their
/// key equals the empty slot's, and every real point's is smaller.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn visit_avx512(
    cols: &SortedCols,
    q: [std::arch::x86_64::__m512; 3],
    g: usize,
    best: &mut [u64; 3],
) {
    use std::arch::x86_64::*;
    let [qx, qy, qz] = q;
    let o = g * LANES_512;
    assert!(
        o + LANES_512 <= cols.xs.len(),
        "visit_avx512: lane group out of range"
    );
    // SAFETY: the three columns have the same length, checked above to
    // hold the sixteen floats from `o`.
    let (x, y, z) = unsafe {
        (
            _mm512_loadu_ps(cols.xs.as_ptr().add(o)),
            _mm512_loadu_ps(cols.ys.as_ptr().add(o)),
            _mm512_loadu_ps(cols.zs.as_ptr().add(o)),
        )
    };
    let dx = _mm512_sub_ps(x, qx);
    let dy = _mm512_sub_ps(y, qy);
    let dz = _mm512_sub_ps(z, qz);
    let d = _mm512_add_ps(
        _mm512_add_ps(_mm512_mul_ps(dx, dx), _mm512_mul_ps(dy, dy)),
        _mm512_mul_ps(dz, dz),
    );
    let t = _mm512_set1_ps(key_dist(best[2]));
    let mut mask = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(d, t) as u32;
    if mask != 0 {
        let mut dl = [0f32; LANES_512];
        // SAFETY: `dl` holds exactly sixteen floats.
        unsafe { _mm512_storeu_ps(dl.as_mut_ptr(), d) };
        let ids = &cols.ids[o..o + LANES_512];
        while mask != 0 {
            let l = mask.trailing_zeros() as usize;
            insert_key(best, dist_key(dl[l], ids[l]));
            mask &= mask - 1;
        }
    }
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
    use crate::geometry::reference::{nearest_k_ref, three_nn_weights_ref};
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
            let lattice: Vec<[f32; 3]> = (0..m)
                .map(|_| [0; 3].map(|_| rng.below(5) as f32 * 0.25))
                .collect();
            let pool: Vec<[f32; 3]> = (0..5)
                .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
                .collect();
            let duplicates: Vec<[f32; 3]> = (0..m).map(|_| *rng.pick(&pool)).collect();
            let plane: Vec<[f32; 3]> = (0..m)
                .map(|_| [0.5, rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)])
                .collect();
            let uniform: Vec<[f32; 3]> = (0..m)
                .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
                .collect();
            for coarse in [lattice, duplicates, plane, uniform] {
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

    /// The AVX-512 sweep against the AVX2 sweep and the portable scan on
    /// network-sized and large coarse sets (above `START_COUNT_MAX` groups
    /// the starting group comes from the binary search), and its vector
    /// count of group ends against that binary search. Skips without
    /// AVX-512.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn avx512_sweep_equals_avx2_and_portable() {
        let Some(t) = Avx512::detect() else {
            eprintln!("avx512_sweep_equals_avx2_and_portable: skipped, no AVX-512F on this CPU");
            return;
        };
        let mut rng = Rng::new(14);
        for m in [128usize, 512, 4095, 4096, 4097, 6000] {
            let coarse: Vec<[f32; 3]> = (0..m)
                .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
                .collect();
            let fine: Vec<[f32; 3]> = (0..500)
                .map(|_| [0; 3].map(|_| rng.uniform(-1.2, 1.2)))
                .collect();
            let got = three_nn_weights_scan_on(SimdPath::Avx512(t), &coarse, &fine);
            let portable = three_nn_weights_scan_on(SimdPath::Portable, &coarse, &fine);
            assert_same(&got, &portable, &format!("portable, m {m}"));
            if let Some(avx2) = Avx2::detect() {
                let avx2 = three_nn_weights_scan_on(SimdPath::Avx2(avx2), &coarse, &fine);
                assert_same(&got, &avx2, &format!("avx2, m {m}"));
            }
            let cols = SortedCols::new(&coarse, LANES_512);
            let xs = fine.iter().map(|q| q[0]).chain(cols.xs.iter().copied());
            for qx in xs.chain([f32::INFINITY, f32::NEG_INFINITY, -0.0]) {
                // SAFETY: the `Avx512` token proves the CPU supports AVX-512F.
                let counted =
                    unsafe { start_group_avx512(&cols, std::arch::x86_64::_mm512_set1_ps(qx)) };
                if let Some(g) = counted {
                    assert_eq!(g, cols.start_group(qx), "m {m} x {qx}");
                }
                assert_eq!(
                    cols.start_group(qx),
                    cols.xs.partition_point(|&x| x < qx).min(cols.xs.len() - 1) / LANES_512,
                    "m {m} x {qx}"
                );
            }
        }
    }
}

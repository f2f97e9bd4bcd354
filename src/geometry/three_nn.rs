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
//!   the network's levels (512 points and fewer). With AVX2 the coarse points
//!   are sorted by x once, and each fine point sweeps outwards from its own
//!   x, eight points per step, until the x gap exceeds its third-best
//!   distance (about eight steps at M = 512); only lanes within that distance
//!   reach the scalar insertion. Without AVX2 a plain scan in index order
//!   does the same. At M = 512 this is about three times faster than a tree
//!   query per point.

use super::distance::dist2;
use super::knn_batch::knn_rows;
use super::simd::Avx2;
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

/// Coarse points per vector step.
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
    three_nn_weights_scan_on(Avx2::detect(), coarse, fine)
}

/// [`three_nn_weights_scan`] with the AVX2 sweep when `avx2` is given (and
/// there are at least 3 coarse points), the portable scan otherwise: the
/// same values either way.
pub(crate) fn three_nn_weights_scan_on(
    avx2: Option<Avx2>,
    coarse: &[[f32; 3]],
    fine: &[[f32; 3]],
) -> (Vec<u32>, Vec<f32>) {
    assert!(
        !coarse.is_empty(),
        "three_nn_weights: no coarse points to interpolate from"
    );
    let padded = coarse.len().div_ceil(LANES) * LANES;
    // +inf padding: an infinite distance is never below the threshold.
    let mut cols = vec![f32::INFINITY; 3 * padded];
    let (xs, rest) = cols.split_at_mut(padded);
    let (ys, zs) = rest.split_at_mut(padded);
    for (i, p) in coarse.iter().enumerate() {
        xs[i] = p[0];
        ys[i] = p[1];
        zs[i] = p[2];
    }
    let mut idx = vec![0u32; fine.len() * 3];
    let mut w = vec![0f32; fine.len() * 3];
    let m = coarse.len();
    #[cfg(target_arch = "x86_64")]
    let sorted = avx2.filter(|_| m >= 3).map(|_| SortedCols::new(coarse));
    #[cfg(not(target_arch = "x86_64"))]
    let _ = avx2;
    for ((q, irow), wrow) in fine
        .iter()
        .zip(idx.chunks_exact_mut(3))
        .zip(w.chunks_exact_mut(3))
    {
        #[cfg(target_arch = "x86_64")]
        let near = match &sorted {
            // SAFETY: `sorted` exists only with an `Avx2` token, the proof
            // that the CPU supports AVX2 (`nearest3_avx2`'s only
            // requirement; it needs at least 3 coarse points, checked too).
            Some(cols) => unsafe { nearest3_avx2(cols, q) },
            None => nearest3_body(coarse, xs, ys, zs, q),
        };
        #[cfg(not(target_arch = "x86_64"))]
        let near = nearest3_body(coarse, xs, ys, zs, q);
        let found = m.min(3);
        let mut d = [0f32; 3];
        for j in 0..3 {
            let (dj, ij) = near[j % found];
            d[j] = dj;
            irow[j] = ij;
        }
        // The formula and summation order of `three_nn_weights`.
        inverse_distance_weights(d, wrow);
    }
    (idx, w)
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
    fn new(coarse: &[[f32; 3]]) -> SortedCols {
        let mut order: Vec<u32> = (0..coarse.len() as u32).collect();
        order.sort_by(|&a, &b| coarse[a as usize][0].total_cmp(&coarse[b as usize][0]));
        let padded = coarse.len().div_ceil(LANES) * LANES;
        let mut c = SortedCols {
            xs: vec![f32::INFINITY; padded],
            ys: vec![f32::INFINITY; padded],
            zs: vec![f32::INFINITY; padded],
            ids: vec![u32::MAX; padded],
        };
        for (s, &i) in order.iter().enumerate() {
            let p = coarse[i as usize];
            (c.xs[s], c.ys[s], c.zs[s], c.ids[s]) = (p[0], p[1], p[2], i);
        }
        c
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
    use crate::geometry::reference::nearest_k_ref;
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

    /// The AVX2 sweep (where the CPU has it) and the portable scan give the
    /// same indices and weights, bit for bit, on random clouds of several
    /// sizes; the portable scan also matches the tree (the AVX2 one is
    /// checked against the tree above on AVX2 machines).
    #[test]
    fn avx2_sweep_equals_portable_scan() {
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
                let portable = three_nn_weights_scan_on(None, &coarse, &fine);
                assert_eq!(portable, three_nn_weights(&coarse, &fine), "m {m}");
                if let Some(avx2) = Avx2::detect() {
                    let simd = three_nn_weights_scan_on(Some(avx2), &coarse, &fine);
                    assert_eq!(simd, portable, "avx2, m {m}");
                }
            }
        }
    }
}

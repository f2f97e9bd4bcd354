//! Label transfer: give every point of a large cloud [N, 3] the label of a
//! labelled subset [S, 3] (typically the 2,048 points the network saw).
//!
//! Two rules, both on one [`PointTree`] built over the subset:
//! - nearest: point `n` takes the label of its nearest subset point (ties
//!   between equidistant subset points go to the lower subset index);
//! - inverse-distance weighting: point `n` takes the blend
//!   `sum_j w_j * logits[i_j]` of the logits [S, P] of its 3 nearest subset
//!   points, with the PointNet++ feature-propagation weights of
//!   [`super::three_nn_weights`] (`w_j ∝ 1 / (d_j^2 + 1e-8)`, summing to 1);
//!   either returned [N, P] or reduced to its per-point argmax (ties to the
//!   lower part index), which never materialises [N, P].
//!
//! Points are independent; they are queried in parallel, in a cache-friendly
//! order (see `knn_batch.rs`), with the same results as one at a time. With
//! AVX-512, [`transfer_labels_idw_sum`] finds the neighbours without the
//! tree (`leaf_scan.rs`), sixteen points at a time: the same neighbours,
//! blends and labels.

use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
use super::knn_batch::OrderedRows;
use super::knn_batch::{knn_rows, knn_rows_each};
#[cfg(target_arch = "x86_64")]
use super::leaf_order::LEAF;
use super::leaf_scan;
#[cfg(target_arch = "x86_64")]
use super::leaf_scan::LeafCols;
#[cfg(target_arch = "x86_64")]
use super::simd::Avx512;
use super::simd::SimdPath;
#[cfg(target_arch = "x86_64")]
use super::three_nn::BLOCK;
use super::tree::PointTree;
use crate::error::{Error, Result};

/// Label of the nearest subset point for every point of `points` [N, 3].
/// `subset` is a tree over the S labelled points and `labels` their S labels.
///
/// # Errors
///
/// [`Error::Usage`] when `labels.len() != subset.len()`, or when the subset is
/// empty but `points` is not.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{transfer_labels_nearest, PointTree};
///
/// let subset = PointTree::new(&[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]);
/// let labels = transfer_labels_nearest(&subset, &[7, 9], &[[0.2, 0.0, 0.0], [0.8, 0.1, 0.0]])?;
/// assert_eq!(labels, vec![7, 9]);
/// # Ok::<(), pcseg::Error>(())
/// ```
pub fn transfer_labels_nearest(
    subset: &PointTree,
    labels: &[u32],
    points: &[[f32; 3]],
) -> Result<Vec<u32>> {
    check_subset(subset, labels.len(), 1, points.len())?;
    let rows = knn_rows(subset, points, 1, 1, 0u32, |_, near, row| {
        row[0] = labels[near[0].1 as usize];
    });
    let mut out = vec![0u32; points.len()];
    rows.gather(&mut out, 1, |row, o| o[0] = row[0]);
    Ok(out)
}

/// Inverse-distance-weighted logits [N, P] of the 3 nearest subset points,
/// from subset logits [S, P] (row-major, `parts` = P columns).
///
/// # Errors
///
/// [`Error::Usage`] when `parts == 0`, `logits.len() != subset.len() * parts`,
/// or the subset is empty but `points` is not.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{transfer_logits_idw, PointTree};
///
/// let subset = PointTree::new(&[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]);
/// let logits = [1.0, 0.0, /* point 1: */ 0.0, 1.0];
/// let out = transfer_logits_idw(&subset, &logits, 2, &[[0.5, 0.0, 0.0]])?;
/// // Equidistant: weights 1/3 each for slots (0, 1, 0 repeated).
/// assert!((out[0] - 2.0 / 3.0).abs() < 1e-6 && (out[1] - 1.0 / 3.0).abs() < 1e-6);
/// # Ok::<(), pcseg::Error>(())
/// ```
pub fn transfer_logits_idw(
    subset: &PointTree,
    logits: &[f32],
    parts: usize,
    points: &[[f32; 3]],
) -> Result<Vec<f32>> {
    check_subset(subset, logits.len(), parts, points.len())?;
    let rows = knn_rows(subset, points, 3, parts, 0f32, |_, near, row| {
        blend(logits, parts, near, row)
    });
    let mut out = vec![0f32; points.len() * parts];
    rows.gather(&mut out, parts, |row, o| o.copy_from_slice(row));
    Ok(out)
}

/// Per-point argmax (part index in `0..parts`, ties to the lower index) of the
/// inverse-distance-weighted logits of [`transfer_logits_idw`].
///
/// # Errors
///
/// As [`transfer_logits_idw`].
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{transfer_labels_idw, PointTree};
///
/// let subset = PointTree::new(&[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]]);
/// // Three parts; subset points vote for parts 2, 0 and 0.
/// let logits = [0.0, 0.0, 5.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
/// let parts = transfer_labels_idw(&subset, &logits, 3, &[[0.1, 0.0, 0.0], [1.4, 0.0, 0.0]])?;
/// assert_eq!(parts, vec![2, 0]);
/// # Ok::<(), pcseg::Error>(())
/// ```
pub fn transfer_labels_idw(
    subset: &PointTree,
    logits: &[f32],
    parts: usize,
    points: &[[f32; 3]],
) -> Result<Vec<u32>> {
    check_subset(subset, logits.len(), parts, points.len())?;
    let rows = knn_rows(subset, points, 3, 1, 0u32, |_, near, row| {
        let mut blended = [0f32; 64];
        if parts <= blended.len() {
            blend(logits, parts, near, &mut blended[..parts]);
            row[0] = argmax(&blended[..parts]);
        } else {
            let mut blended = vec![0f32; parts];
            blend(logits, parts, near, &mut blended);
            row[0] = argmax(&blended);
        }
    });
    let mut out = vec![0u32; points.len()];
    rows.gather(&mut out, 1, |row, o| o[0] = row[0]);
    Ok(out)
}

/// Per-point argmax (ties to the lower part index) of the SUM over several
/// labelled subsets of their [`transfer_logits_idw`] logits: what
/// `argmax(sum_s transfer_logits_idw(subset_s, logits_s))` gives, with the
/// same adds in the same order (subset 0 first), found in one pass: the
/// points are ordered once for all subsets and the [N, P] sums are never
/// returned. `subsets` pairs each tree with its logits [S, P].
///
/// # Errors
///
/// As [`transfer_logits_idw`], for any subset; [`Error::Usage`] when there
/// is no subset but there are points.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{transfer_labels_idw_sum, PointTree};
///
/// // Two votes over two parts: the first leans to part 0, the second more
/// // strongly to part 1, so the sum picks part 1.
/// let a = PointTree::new(&[[0.0, 0.0, 0.0]]);
/// let b = PointTree::new(&[[0.0, 1.0, 0.0]]);
/// let (la, lb) = ([1.0, 0.0], [0.0, 3.0]);
/// let parts = transfer_labels_idw_sum(&[(&a, &la[..]), (&b, &lb[..])], 2, &[[0.0, 0.5, 0.0]])?;
/// assert_eq!(parts, vec![1]);
/// # Ok::<(), pcseg::Error>(())
/// ```
pub fn transfer_labels_idw_sum(
    subsets: &[(&PointTree, &[f32])],
    parts: usize,
    points: &[[f32; 3]],
) -> Result<Vec<u32>> {
    if subsets.is_empty() && !points.is_empty() {
        return Err(Error::usage(format!(
            "label transfer: no labelled subsets to label {} points from",
            points.len()
        )));
    }
    for (tree, logits) in subsets {
        check_subset(tree, logits.len(), parts, points.len())?;
    }
    Ok(idw_sum_on(SimdPath::detect(), subsets, parts, points))
}

/// [`transfer_labels_idw_sum`] after the checks, with the neighbour search
/// of `path`: the AVX-512 leaf scan (`leaf_scan.rs`) when every subset has
/// 3 to [`leaf_scan::MAX_POINTS`] points and every coordinate is finite,
/// the batched tree search otherwise; the same labels either way.
pub(crate) fn idw_sum_on(
    path: SimdPath,
    subsets: &[(&PointTree, &[f32])],
    parts: usize,
    points: &[[f32; 3]],
) -> Vec<u32> {
    #[cfg(target_arch = "x86_64")]
    if let SimdPath::Avx512(t) = path {
        let small = |n: usize| (3..=leaf_scan::MAX_POINTS).contains(&n);
        let finite = |p: &[f32; 3]| p.iter().all(|x| x.is_finite());
        if !subsets.is_empty()
            && subsets
                .iter()
                .all(|(tree, _)| small(tree.len()) && tree.sorted_points().iter().all(finite))
            && points.par_iter().all(finite)
        {
            return idw_sum_scan(t, subsets, parts, points);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = path;
    idw_sum_tree(subsets, parts, points)
}

/// Blocks of queries per rayon task of the leaf scan.
#[cfg(target_arch = "x86_64")]
const SCAN_QUERIES_PER_TASK: usize = 64 * LEAF;

/// [`idw_sum_on`] by the AVX-512 leaf scan: the queries in leaf order,
/// sixteen at a time (a short last block repeats its last query), each
/// subset's 3 nearest for all sixteen from [`leaf_scan::nearest3_avx512`],
/// then per query the blend and sum of [`idw_sum_tree`] (same neighbours,
/// same adds in the same order). Needs what [`idw_sum_on`] checks.
#[cfg(target_arch = "x86_64")]
fn idw_sum_scan(
    t: Avx512,
    subsets: &[(&PointTree, &[f32])],
    parts: usize,
    points: &[[f32; 3]],
) -> Vec<u32> {
    let _ = t;
    let cols: Vec<LeafCols> = subsets
        .iter()
        .map(|(tree, _)| LeafCols::new(tree))
        .collect();
    let order = leaf_scan::morton_order(points);
    let mut labels = vec![0u32; points.len()];
    // Race-free: each task owns a disjoint run of labels (in leaf order).
    labels
        .par_chunks_mut(SCAN_QUERIES_PER_TASK)
        .zip(order.par_chunks(SCAN_QUERIES_PER_TASK))
        .for_each(|(labels, ids)| {
            let mut bounds = Vec::new();
            // Part-major: `sums[p * BLOCK + l]` is part `p` of lane `l`.
            let mut sums = vec![0f32; parts * BLOCK];
            for (labels, block) in labels.chunks_mut(BLOCK).zip(ids.chunks(BLOCK)) {
                let mut q = [[0f32; BLOCK]; 3];
                for l in 0..BLOCK {
                    let p = points[block[l.min(block.len() - 1)] as usize];
                    for a in 0..3 {
                        q[a][l] = p[a];
                    }
                }
                sums.fill(0.0);
                for ((_, logits), cols) in subsets.iter().zip(&cols) {
                    // SAFETY: an `Avx512` token proves the CPU supports
                    // AVX-512F, the only requirement of `nearest3_avx512`
                    // and `blend_add_avx512`; the 3 points and finite
                    // coordinates `nearest3_avx512` needs were checked by
                    // `idw_sum_on`.
                    unsafe {
                        let keys = leaf_scan::nearest3_avx512(cols, q, &mut bounds);
                        blend_add_avx512(&keys, logits, parts, &mut sums);
                    }
                }
                // SAFETY: as above, AVX-512F is the only requirement.
                let best = unsafe { argmax_avx512(&sums, parts) };
                labels.copy_from_slice(&best[..labels.len()]);
            }
        });
    let rows = OrderedRows {
        rows: labels,
        order,
        width: 1,
    };
    let mut out = vec![0u32; points.len()];
    rows.gather(&mut out, 1, |row, o| o[0] = row[0]);
    out
}

/// [`blend`] of sixteen queries' neighbours lane-wise, added to their sums:
/// `keys[j][l]` is neighbour `j` of lane `l` as a `(dist2 bits << 32 |
/// index)` key, and `sums[p * 16 + l]` is part `p` of lane `l`. The same
/// operations in the same order as [`blend`] then [`add_row`] per lane (no
/// FMA), so every sum is bit-identical.
///
/// # Panics
///
/// If a neighbour index is not a row of `logits` or `sums` does not hold
/// `parts * 16` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn blend_add_avx512(keys: &[[u64; BLOCK]; 3], logits: &[f32], parts: usize, sums: &mut [f32]) {
    use std::arch::x86_64::*;
    assert_eq!(sums.len(), parts * BLOCK, "blend_add_avx512: sums");
    let rows = logits.len() / parts;
    assert!(
        logits.len() < i32::MAX as usize && parts > 0,
        "blend_add_avx512: logits too large for 32-bit offsets"
    );
    let one = _mm512_set1_ps(1.0);
    let eps = _mm512_set1_ps(1e-8);
    // Dword `2l + 1` (`2l`) of the key pair `(a, b)` is lane `l`'s distance
    // (index): index bit 4 selects `b`, which holds lanes 8 to 15.
    let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let mut w = [_mm512_setzero_ps(); 3];
    let mut at = [_mm512_setzero_si512(); 3];
    for j in 0..3 {
        // SAFETY: each load reads eight of the sixteen `u64` of `keys[j]`.
        let (a, b) = unsafe {
            (
                _mm512_loadu_si512(keys[j].as_ptr().cast()),
                _mm512_loadu_si512(keys[j][8..].as_ptr().cast()),
            )
        };
        let d = _mm512_castsi512_ps(_mm512_permutex2var_epi32(a, odd, b));
        let i = _mm512_permutex2var_epi32(a, even, b);
        let inside = _mm512_cmplt_epu32_mask(i, _mm512_set1_epi32(rows as i32));
        assert!(
            inside == 0xffff,
            "blend_add_avx512: a neighbour is not a logits row"
        );
        w[j] = _mm512_div_ps(one, _mm512_add_ps(d, eps));
        at[j] = _mm512_mullo_epi32(i, _mm512_set1_epi32(parts as i32));
    }
    // `w.iter().sum()`: the first weight is positive, so adding it to the
    // sum's starting zero gives it exactly.
    let s = _mm512_add_ps(_mm512_add_ps(w[0], w[1]), w[2]);
    for wj in w.iter_mut() {
        *wj = _mm512_div_ps(*wj, s);
    }
    for p in 0..parts {
        let col = _mm512_set1_epi32(p as i32);
        let mut row = _mm512_setzero_ps();
        for j in 0..3 {
            // SAFETY: every offset is `i * parts + p` with `i < rows` and
            // `p < parts` (checked above), inside `logits`.
            let l =
                unsafe { _mm512_i32gather_ps::<4>(_mm512_add_epi32(at[j], col), logits.as_ptr()) };
            row = _mm512_add_ps(row, _mm512_mul_ps(w[j], l));
        }
        let sum = &mut sums[p * BLOCK..(p + 1) * BLOCK];
        // SAFETY: `sum` holds sixteen floats.
        unsafe {
            let total = _mm512_add_ps(_mm512_loadu_ps(sum.as_ptr()), row);
            _mm512_storeu_ps(sum.as_mut_ptr(), total);
        }
    }
}

/// [`argmax`] of sixteen part-major rows (`sums[p * 16 + l]`) lane-wise:
/// the first part with the largest value (a NaN never wins a comparison,
/// as in [`argmax`]).
///
/// # Panics
///
/// If `sums` does not hold `parts * 16` values, `parts > 0`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn argmax_avx512(sums: &[f32], parts: usize) -> [u32; BLOCK] {
    use std::arch::x86_64::*;
    assert!(
        parts > 0 && sums.len() == parts * BLOCK,
        "argmax_avx512: sums"
    );
    let rows = sums.chunks_exact(BLOCK);
    // SAFETY: `sums` holds at least sixteen floats (`parts > 0`).
    let mut best = unsafe { _mm512_loadu_ps(sums.as_ptr()) };
    let mut part = _mm512_setzero_si512();
    for (p, row) in rows.enumerate().skip(1) {
        // SAFETY: every row holds sixteen floats.
        let v = unsafe { _mm512_loadu_ps(row.as_ptr()) };
        let wins = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(v, best);
        best = _mm512_mask_blend_ps(wins, best, v);
        part = _mm512_mask_blend_epi32(wins, part, _mm512_set1_epi32(p as i32));
    }
    let mut out = [0u32; BLOCK];
    // SAFETY: writes one whole `[u32; 16]`.
    unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), part) };
    out
}

/// [`idw_sum_on`] by the batched tree search.
fn idw_sum_tree(subsets: &[(&PointTree, &[f32])], parts: usize, points: &[[f32; 3]]) -> Vec<u32> {
    let trees: Vec<&PointTree> = subsets.iter().map(|(t, _)| *t).collect();
    let rows = knn_rows_each(&trees, points, 3, parts, 0f32, |s, _, near, row| {
        let logits = subsets[s].1;
        let mut blended = [0f32; 64];
        if parts <= blended.len() {
            blend(logits, parts, near, &mut blended[..parts]);
            add_row(row, &blended[..parts]);
        } else {
            let mut blended = vec![0f32; parts];
            blend(logits, parts, near, &mut blended);
            add_row(row, &blended);
        }
    });
    let mut out = vec![0u32; points.len()];
    rows.gather(&mut out, 1, |row, o| o[0] = argmax(row));
    out
}

/// `row += x`, element by element.
#[inline]
fn add_row(row: &mut [f32], x: &[f32]) {
    for (r, &v) in row.iter_mut().zip(x) {
        *r += v;
    }
}

/// `row = sum_j w_j * logits[i_j, ..]` over the 3 slots of PointNet++
/// interpolation: the neighbours `near` (`(dist2, index)`, ascending; fewer
/// than 3 are repeated cyclically) weighted by `1 / (d^2 + 1e-8)`, normalised
/// to sum 1, exactly as [`super::three_nn_weights`] computes them.
#[inline]
fn blend(logits: &[f32], parts: usize, near: &[(f32, u32)], row: &mut [f32]) {
    let mut w = [0f32; 3];
    let mut idx = [0usize; 3];
    for j in 0..3 {
        let (d, i) = near[j % near.len()];
        w[j] = 1.0 / (d + 1e-8);
        idx[j] = i as usize;
    }
    let s: f32 = w.iter().sum();
    row.fill(0.0);
    for (&i, wj) in idx.iter().zip(w) {
        let wj = wj / s;
        let src = &logits[i * parts..(i + 1) * parts];
        for (r, &l) in row.iter_mut().zip(src) {
            *r += wj * l;
        }
    }
}

/// Index of the largest value, the first one on ties (0 for an all-NaN row).
#[inline]
fn argmax(row: &[f32]) -> u32 {
    let mut best = 0;
    for (p, &v) in row.iter().enumerate().skip(1) {
        if v > row[best] {
            best = p;
        }
    }
    best as u32
}

/// Validate the subset's per-point data: `values` entries = S * `per_point`.
fn check_subset(subset: &PointTree, values: usize, per_point: usize, n: usize) -> Result<()> {
    if per_point == 0 {
        return Err(Error::usage("label transfer: zero parts per point"));
    }
    if values != subset.len() * per_point {
        return Err(Error::usage(format!(
            "label transfer: {values} values for {} subset points x {per_point}",
            subset.len()
        )));
    }
    if subset.is_empty() && n > 0 {
        return Err(Error::usage(format!(
            "label transfer: no labelled points to label {n} points from"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::reference::nearest_k_ref;
    use crate::geometry::simd::SimdPath;
    use crate::rng::Rng;

    /// The definition of the summed transfer: per query and subset the 3
    /// nearest by a full sort (fewer when the subset is smaller), blended
    /// and added in subset order, then the argmax.
    fn idw_sum_ref(
        subsets: &[(Vec<[f32; 3]>, Vec<f32>)],
        parts: usize,
        points: &[[f32; 3]],
    ) -> Vec<u32> {
        points
            .iter()
            .map(|q| {
                let mut sum = vec![0f32; parts];
                let mut blended = vec![0f32; parts];
                for (set, logits) in subsets {
                    blend(logits, parts, &nearest_k_ref(set, q, 3), &mut blended);
                    add_row(&mut sum, &blended);
                }
                argmax(&sum)
            })
            .collect()
    }

    /// `idw_sum_on` on every path this CPU has against the tree path and the
    /// definition.
    fn check(subsets: &[(Vec<[f32; 3]>, Vec<f32>)], parts: usize, points: &[[f32; 3]], what: &str) {
        let trees: Vec<PointTree> = subsets.iter().map(|(s, _)| PointTree::new(s)).collect();
        let pairs: Vec<(&PointTree, &[f32])> = trees
            .iter()
            .zip(subsets)
            .map(|(t, (_, l))| (t, &l[..]))
            .collect();
        let tree = idw_sum_tree(&pairs, parts, points);
        assert_eq!(tree, idw_sum_ref(subsets, parts, points), "tree, {what}");
        for path in SimdPath::supported() {
            assert_eq!(
                idw_sum_on(path, &pairs, parts, points),
                tree,
                "{path:?}, {what}"
            );
        }
    }

    /// Labelled subsets with random logits (a few parts, so near-ties in
    /// the blend decide labels and any neighbour change shows).
    fn labelled(
        rng: &mut Rng,
        sets: Vec<Vec<[f32; 3]>>,
        parts: usize,
    ) -> Vec<(Vec<[f32; 3]>, Vec<f32>)> {
        sets.into_iter()
            .map(|s| {
                let logits = (0..s.len() * parts).map(|_| rng.normal()).collect();
                (s, logits)
            })
            .collect()
    }

    /// Every path against the tree path and the definition: random clouds,
    /// duplicate points, a binary lattice (exact distance ties), subset
    /// sizes 1 and 2 (the tree path), around multiples of 16, one to three
    /// votes, query counts that leave a partial last block, and queries with
    /// an infinite coordinate (the tree path on every CPU).
    #[test]
    fn summed_transfer_is_the_same_on_every_path() {
        let mut rng = Rng::new(51);
        for (m, n, votes, parts) in [
            (1usize, 50usize, 2usize, 3usize),
            (2, 33, 2, 4),
            (3, 17, 1, 2),
            (15, 100, 2, 5),
            (16, 257, 3, 4),
            (17, 64, 2, 6),
            (33, 1000, 2, 4),
            (2047, 3001, 2, 4),
            (2048, 4096, 2, 7),
            (2049, 999, 1, 50),
            (4096, 2000, 2, 4),
        ] {
            let cloud = |rng: &mut Rng, k: usize| -> Vec<[f32; 3]> {
                (0..k)
                    .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
                    .collect()
            };
            let lattice = |rng: &mut Rng, k: usize| -> Vec<[f32; 3]> {
                (0..k)
                    .map(|_| [0; 3].map(|_| rng.below(5) as f32 * 0.25))
                    .collect()
            };
            let queries = cloud(&mut rng, n);
            let sets = (0..votes).map(|_| cloud(&mut rng, m)).collect();
            check(
                &labelled(&mut rng, sets, parts),
                parts,
                &queries,
                &format!("random, m {m} n {n}"),
            );
            // Duplicates: every subset point twice (the second copy loses
            // every tie), queries on subset points.
            let sets: Vec<Vec<[f32; 3]>> = (0..votes)
                .map(|_| {
                    let half = cloud(&mut rng, m.div_ceil(2));
                    half.iter().chain(&half).take(m).copied().collect()
                })
                .collect();
            let mut on = queries.clone();
            on.extend(sets[0].iter().take(100));
            check(
                &labelled(&mut rng, sets, parts),
                parts,
                &on,
                &format!("duplicates, m {m} n {n}"),
            );
            let sets = (0..votes).map(|_| lattice(&mut rng, m)).collect();
            let grid: Vec<[f32; 3]> = (0..n)
                .map(|_| [0; 3].map(|_| rng.below(9) as f32 * 0.125))
                .collect();
            check(
                &labelled(&mut rng, sets, parts),
                parts,
                &grid,
                &format!("lattice, m {m} n {n}"),
            );
        }
        let sets = labelled(
            &mut rng,
            vec![(0..100).map(|i| [i as f32, 0.0, 0.0]).collect()],
            3,
        );
        let mut queries: Vec<[f32; 3]> = (0..40).map(|i| [i as f32 + 0.5, 1.0, 0.0]).collect();
        queries[7] = [f32::INFINITY, 0.0, 0.0];
        let trees = [PointTree::new(&sets[0].0)];
        let pairs = [(&trees[0], &sets[0].1[..])];
        for path in SimdPath::supported() {
            assert_eq!(
                idw_sum_on(path, &pairs, 3, &queries),
                idw_sum_tree(&pairs, 3, &queries)
            );
        }
    }

    /// A large NaN-free case: 300,000 points on a wavy surface against two
    /// 2,048-point subsets of it (the size `pcseg run` uses), every path
    /// against the tree path, and a sample against the definition.
    #[test]
    fn large_summed_transfer_is_the_same_on_every_path() {
        let mut rng = Rng::new(52);
        let cloud: Vec<[f32; 3]> = (0..300_000)
            .map(|_| {
                let (u, v) = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
                [u, v, 0.3 * (3.0 * u).sin() * v + 0.002 * rng.normal()]
            })
            .collect();
        let parts = 4;
        let sets = (0..2)
            .map(|_| (0..2048).map(|_| cloud[rng.below(cloud.len())]).collect())
            .collect();
        let subsets = labelled(&mut rng, sets, parts);
        let trees: Vec<PointTree> = subsets.iter().map(|(s, _)| PointTree::new(s)).collect();
        let pairs: Vec<(&PointTree, &[f32])> = trees
            .iter()
            .zip(&subsets)
            .map(|(t, (_, l))| (t, &l[..]))
            .collect();
        let tree = idw_sum_tree(&pairs, parts, &cloud);
        for path in SimdPath::supported() {
            assert_eq!(idw_sum_on(path, &pairs, parts, &cloud), tree, "{path:?}");
        }
        let sample: Vec<[f32; 3]> = cloud.iter().step_by(101).copied().collect();
        let want = idw_sum_ref(&subsets, parts, &sample);
        let got: Vec<u32> = tree.iter().step_by(101).copied().collect();
        assert_eq!(got, want);
    }
}

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
//!
//! Small point sets (the network's levels: 2,048 points and fewer) skip the
//! tree: [`ball_query`] then scans the points in index order from
//! structure-of-arrays columns, and stops at the `K`-th point in range.
//! That is the definition itself, so the result is the same; it avoids the
//! tree build and the per-row sort, and is several times faster there. The
//! scan tests sixteen points per step with AVX-512 (the in-range indices
//! compressed into the row in index order), eight with AVX2, or eight per
//! portable step, chosen at run time.

use rayon::prelude::*;

use super::simd::{popcount16, SimdPath};
use super::tree::PointTree;

/// Centres per rayon task: a scan row costs 0.1-0.4 us with AVX-512 at the
/// network's sizes (a tree row about a microsecond), so smaller chunks would
/// be dominated by scheduling and waking threads (at 64, the 128-centre
/// level was slower on two threads than on one).
const CENTRES_PER_TASK: usize = 256;

/// For each centre, the first `k` indices (in index order) of `points` within
/// `radius` (inclusive), padded with the first one found. A centre with no
/// point in range gets index 0 repeated (cannot happen when centres are drawn
/// from `points`). Returns `centres.len() * k` indices, row-major (S x K).
///
/// Scans the points directly when there are at most [`SCAN_MAX_POINTS`] of
/// them, otherwise builds a [`PointTree`] over `points` (use
/// [`ball_query_with_tree`] to reuse one); both give the same result.
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
    let mut out = vec![0u32; centres.len() * k];
    if points.len() <= SCAN_MAX_POINTS {
        ball_query_scan(points, centres, radius, k, &mut out);
    } else {
        let tree = PointTree::new(points);
        ball_query_with_tree(&tree, centres, radius, k, &mut out);
    }
    out
}

/// Largest point set [`ball_query`] scans instead of building a tree. A scan
/// row costs about `N K / M` distance evaluations (M points in range), a tree
/// row `log N + M`; at 2,048 points the scan is several times faster, at
/// 100,000 the tree is.
pub const SCAN_MAX_POINTS: usize = 8192;

/// Points per vector step of the AVX2 and portable scans.
const LANES: usize = 8;

/// Points per vector step of the AVX-512 scan.
const LANES_512: usize = 16;

/// The columns are padded to a multiple of this, so that every path reads
/// whole lane groups.
const PAD: usize = LANES_512;

/// [`ball_query`] by a linear scan in index order (no tree), writing into
/// `out` (S x K, row-major). Same result as [`ball_query_with_tree`].
///
/// # Panics
///
/// If `out.len() != centres.len() * k`.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::ball_query::ball_query_scan;
///
/// let points = [[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.5, 0.0, 0.0], [0.0, 1.0, 0.0]];
/// let mut out = vec![0u32; 2 * 2];
/// ball_query_scan(&points, &[[0.0, 0.0, 0.0], [3.0, 0.0, 0.0]], 1.0, 2, &mut out);
/// assert_eq!(out, vec![0, 2, 1, 1]);
/// ```
pub fn ball_query_scan(
    points: &[[f32; 3]],
    centres: &[[f32; 3]],
    radius: f32,
    k: usize,
    out: &mut [u32],
) {
    ball_query_scan_on(SimdPath::detect(), points, centres, radius, k, out)
}

/// [`ball_query_scan`] with the row scan of `path` (AVX-512, AVX2 or
/// portable): the same result on every path.
pub(crate) fn ball_query_scan_on(
    path: SimdPath,
    points: &[[f32; 3]],
    centres: &[[f32; 3]],
    radius: f32,
    k: usize,
    out: &mut [u32],
) {
    check_out_len("ball_query_scan", out, centres.len(), k);
    if k == 0 {
        return;
    }
    // Columns padded to whole lane groups with NaN: a NaN distance is never
    // `<= r2`, so padding is never in range.
    let padded = points.len().div_ceil(PAD) * PAD;
    let mut cols = vec![f32::NAN; 3 * padded];
    let (xs, rest) = cols.split_at_mut(padded);
    let (ys, zs) = rest.split_at_mut(padded);
    for (i, p) in points.iter().enumerate() {
        xs[i] = p[0];
        ys[i] = p[1];
        zs[i] = p[2];
    }
    let soa = Soa { xs, ys, zs };
    let r2 = radius * radius;
    in_row_chunks(centres, k, out, |centres, out| {
        for (c, row) in centres.iter().zip(out.chunks_exact_mut(k)) {
            scan_row(path, &soa, c, r2, row);
        }
    });
}

/// Panic unless `out` holds `s * k` slots (S x K), naming the caller.
fn check_out_len(caller: &str, out: &[u32], s: usize, k: usize) {
    assert_eq!(
        out.len(),
        s * k,
        "{caller}: out has {} slots, expected S * K = {s} * {k}",
        out.len(),
    );
}

/// `rows(centres, out)` over chunks of [`CENTRES_PER_TASK`] centres and
/// their rows of `out` (S x K, `k > 0`), as rayon tasks when there is more
/// than one chunk.
fn in_row_chunks<F>(centres: &[[f32; 3]], k: usize, out: &mut [u32], rows: F)
where
    F: Fn(&[[f32; 3]], &mut [u32]) + Sync,
{
    if centres.len() <= CENTRES_PER_TASK {
        rows(centres, out);
    } else {
        // Race-free: each task owns a disjoint chunk of rows of `out`.
        out.par_chunks_mut(CENTRES_PER_TASK * k)
            .zip(centres.par_chunks(CENTRES_PER_TASK))
            .for_each(|(out, centres)| rows(centres, out));
    }
}

/// Coordinates as three columns, each a multiple of [`PAD`] long.
struct Soa<'a> {
    xs: &'a [f32],
    ys: &'a [f32],
    zs: &'a [f32],
}

/// One scan row: the first `row.len()` indices within `r2` of `c`, padded.
/// With the intrinsics of `path`.
fn scan_row(path: SimdPath, soa: &Soa, c: &[f32; 3], r2: f32, row: &mut [u32]) {
    let found = match path {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx512` token proves the CPU supports AVX-512F, the
        // only requirement of `scan_row_avx512`.
        SimdPath::Avx512(_) => unsafe { scan_row_avx512(soa, c, r2, row) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` token proves the CPU supports AVX2, the only
        // requirement of `scan_row_avx2`.
        SimdPath::Avx2(_) => unsafe { scan_row_avx2(soa, c, r2, row) },
        _ => scan_row_body(soa, c, r2, row),
    };
    pad_row(row, found);
}

/// Fill `row[found..]` with the first index found (0 when none was).
#[inline]
fn pad_row(row: &mut [u32], found: usize) {
    let first = if found > 0 { row[0] } else { 0 };
    row[found..].fill(first);
}

/// [`scan_row_body`] with AVX2 intrinsics: eight distances per step, the
/// in-range lanes as a bit mask. Multiplies and adds are separate (no FMA), in
/// the order of [`super::dist2`], so every distance is bit-identical.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_row_avx2(soa: &Soa, c: &[f32; 3], r2: f32, row: &mut [u32]) -> usize {
    use std::arch::x86_64::*;
    let k = row.len();
    let mut n = 0;
    let (cx, cy, cz) = (
        _mm256_set1_ps(c[0]),
        _mm256_set1_ps(c[1]),
        _mm256_set1_ps(c[2]),
    );
    let rr = _mm256_set1_ps(r2);
    let (xs, _) = soa.xs.as_chunks::<LANES>();
    let (ys, _) = soa.ys.as_chunks::<LANES>();
    let (zs, _) = soa.zs.as_chunks::<LANES>();
    for (chunk, ((x, y), z)) in xs.iter().zip(ys).zip(zs).enumerate() {
        // SAFETY: each load reads one whole `[f32; 8]` chunk.
        let (x, y, z) = unsafe {
            (
                _mm256_loadu_ps(x.as_ptr()),
                _mm256_loadu_ps(y.as_ptr()),
                _mm256_loadu_ps(z.as_ptr()),
            )
        };
        let dx = _mm256_sub_ps(x, cx);
        let dy = _mm256_sub_ps(y, cy);
        let dz = _mm256_sub_ps(z, cz);
        let d = _mm256_add_ps(
            _mm256_add_ps(_mm256_mul_ps(dx, dx), _mm256_mul_ps(dy, dy)),
            _mm256_mul_ps(dz, dz),
        );
        let mut mask = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LE_OQ>(d, rr)) as u32;
        while mask != 0 {
            row[n] = (chunk * LANES) as u32 + mask.trailing_zeros();
            n += 1;
            if n == k {
                return n;
            }
            mask &= mask - 1;
        }
    }
    n
}

/// [`scan_row_body`] with AVX-512F intrinsics: sixteen distances per step,
/// the in-range lanes as a mask register; their indices are compressed to
/// the front of a vector, in lane (= index) order, and the first of them
/// that still fit are stored into `row` with a masked store. Multiplies and
/// adds are separate (no FMA), in the order of [`super::dist2`], so every
/// distance is bit-identical.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn scan_row_avx512(soa: &Soa, c: &[f32; 3], r2: f32, row: &mut [u32]) -> usize {
    use std::arch::x86_64::*;
    let k = row.len();
    let mut n = 0;
    let (cx, cy, cz) = (
        _mm512_set1_ps(c[0]),
        _mm512_set1_ps(c[1]),
        _mm512_set1_ps(c[2]),
    );
    let rr = _mm512_set1_ps(r2);
    let step = _mm512_set1_epi32(LANES_512 as i32);
    let mut ids = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let (xs, _) = soa.xs.as_chunks::<LANES_512>();
    let (ys, _) = soa.ys.as_chunks::<LANES_512>();
    let (zs, _) = soa.zs.as_chunks::<LANES_512>();
    for ((x, y), z) in xs.iter().zip(ys).zip(zs) {
        // SAFETY: each load reads one whole `[f32; 16]` chunk.
        let (x, y, z) = unsafe {
            (
                _mm512_loadu_ps(x.as_ptr()),
                _mm512_loadu_ps(y.as_ptr()),
                _mm512_loadu_ps(z.as_ptr()),
            )
        };
        let dx = _mm512_sub_ps(x, cx);
        let dy = _mm512_sub_ps(y, cy);
        let dz = _mm512_sub_ps(z, cz);
        let d = _mm512_add_ps(
            _mm512_add_ps(_mm512_mul_ps(dx, dx), _mm512_mul_ps(dy, dy)),
            _mm512_mul_ps(dz, dz),
        );
        let mask = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(d, rr);
        // No test of the mask (about half the groups have a point in range,
        // so it would mispredict): an empty one stores nothing useful.
        let packed = _mm512_maskz_compress_epi32(mask, ids);
        // The count comes from the complement of a second compare, not from
        // `mask`: when one compare result feeds both the compress and an
        // integer, LLVM 22 fails to generate -O0 code for this function
        // ("Cannot emit physreg copy instruction"), which is how thin-LTO
        // doc tests (`cargo test --release`) compile it. NLE_UQ is true
        // exactly where LE_OQ is false, NaN included.
        let count = popcount16(!_mm512_cmp_ps_mask::<_CMP_NLE_UQ>(d, rr));
        if n + LANES_512 <= k {
            // SAFETY: writes `row[n..n + 16]`, in bounds as `n + 16 <= k`;
            // the lanes past `count` are overwritten later or by the padding.
            unsafe { _mm512_storeu_si512(row.as_mut_ptr().add(n).cast(), packed) };
            n += count;
        } else {
            let take = count.min(k - n);
            let keep = ((1u32 << take) - 1) as __mmask16;
            // SAFETY: the store writes lanes `0..take` only, to
            // `row[n..n + take]`, in bounds since `take <= k - n`.
            unsafe { _mm512_mask_storeu_epi32(row.as_mut_ptr().add(n).cast(), keep, packed) };
            n += take;
            if n == k {
                return n;
            }
        }
        ids = _mm512_add_epi32(ids, step);
    }
    n
}

/// Write the in-range indices in index order into `row` until it is full;
/// returns how many were written. Distances are `dx*dx + dy*dy + dz*dz` with
/// `d = p - c`, the expression of [`super::dist2`] and the tree.
#[inline]
fn scan_row_body(soa: &Soa, c: &[f32; 3], r2: f32, row: &mut [u32]) -> usize {
    let k = row.len();
    let mut n = 0;
    let (xs, _) = soa.xs.as_chunks::<LANES>();
    let (ys, _) = soa.ys.as_chunks::<LANES>();
    let (zs, _) = soa.zs.as_chunks::<LANES>();
    for (chunk, ((x, y), z)) in xs.iter().zip(ys).zip(zs).enumerate() {
        let mut mask = 0u32;
        for l in 0..LANES {
            let dx = x[l] - c[0];
            let dy = y[l] - c[1];
            let dz = z[l] - c[2];
            let d = dx * dx + dy * dy + dz * dz;
            mask |= ((d <= r2) as u32) << l;
        }
        while mask != 0 {
            row[n] = (chunk * LANES) as u32 + mask.trailing_zeros();
            n += 1;
            if n == k {
                return n;
            }
            mask &= mask - 1;
        }
    }
    n
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
    check_out_len("ball_query_with_tree", out, centres.len(), k);
    if k == 0 {
        return;
    }
    let r2 = radius * radius;
    in_row_chunks(centres, k, out, |centres, out| {
        let mut found = Vec::with_capacity(4 * k);
        for (c, row) in centres.iter().zip(out.chunks_exact_mut(k)) {
            ball_row(tree, c, r2, row, &mut found);
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::reference::ball_query_ref;
    use crate::geometry::simd::Avx512;
    use crate::rng::Rng;

    /// The definition: first `k` indices in index order within the radius.
    fn slow(points: &[[f32; 3]], centres: &[[f32; 3]], radius: f32, k: usize) -> Vec<u32> {
        ball_query_ref(points, centres, radius, k)
    }

    /// The scan on `path`, into a fresh output pre-filled with garbage.
    fn scan(
        path: SimdPath,
        points: &[[f32; 3]],
        centres: &[[f32; 3]],
        radius: f32,
        k: usize,
    ) -> Vec<u32> {
        let mut out = vec![u32::MAX - 1; centres.len() * k];
        ball_query_scan_on(path, points, centres, radius, k, &mut out);
        out
    }

    #[test]
    fn scan_equals_definition_and_tree() {
        let mut rng = Rng::new(3);
        for &n in &[0usize, 1, 7, 8, 9, 100, 2048] {
            // A lattice with spacing 0.1 (many points exactly on the radius)
            // with duplicates, and a uniform cloud.
            let lattice: Vec<[f32; 3]> = (0..n)
                .map(|i| {
                    let j = (i * 7) % n.max(1);
                    [
                        (j % 10) as f32 * 0.1,
                        (j / 10 % 10) as f32 * 0.1,
                        (j / 100) as f32 * 0.1,
                    ]
                })
                .collect();
            let uniform: Vec<[f32; 3]> = (0..n)
                .map(|_| {
                    [
                        rng.uniform(-1.0, 1.0),
                        rng.uniform(-1.0, 1.0),
                        rng.uniform(-1.0, 1.0),
                    ]
                })
                .collect();
            for cloud in [lattice, uniform] {
                let mut centres: Vec<[f32; 3]> = cloud.iter().step_by(3).copied().collect();
                centres.push([5.0, 5.0, 5.0]);
                for &(r, k) in &[(0.1f32, 4usize), (0.2, 32), (0.45, 64), (10.0, 3)] {
                    let want = slow(&cloud, &centres, r, k);
                    let mut got = vec![7u32; centres.len() * k];
                    ball_query_scan(&cloud, &centres, r, k, &mut got);
                    // The widest path this CPU has.
                    assert_eq!(got, want, "n {n} r {r} k {k}");
                    for path in SimdPath::supported() {
                        let got = scan(path, &cloud, &centres, r, k);
                        assert_eq!(got, want, "{path:?}, n {n} r {r} k {k}");
                    }
                    assert_eq!(ball_query(&cloud, &centres, r, k), want);
                    let tree = PointTree::new(&cloud);
                    ball_query_with_tree(&tree, &centres, r, k, &mut got);
                    assert_eq!(got, want, "tree, n {n} r {r} k {k}");
                }
            }
        }
    }

    /// Clouds that stress the row bookkeeping: every size from 1 to 70 and
    /// sizes around multiples of 16, duplicate points, points exactly on
    /// the radius (binary lattice, radius 0.5), rows with fewer than `K`,
    /// exactly `K` and far more than `K` points in range, `K` ending inside
    /// a 16-point group, and a centre with nothing in range. Every path
    /// against the definition (and so against each other).
    #[test]
    fn every_path_equals_definition_on_ties_and_odd_sizes() {
        let mut rng = Rng::new(17);
        let sizes: Vec<usize> = (1..=70)
            .chain([127, 128, 129, 255, 257, 511, 1000, 2047, 2049])
            .collect();
        for n in sizes {
            // Points on a lattice of spacing 0.25 (exact in binary), many
            // at exactly 0.5 of each other, drawn with repeats.
            let lattice: Vec<[f32; 3]> = (0..n)
                .map(|_| [0; 3].map(|_| rng.below(5) as f32 * 0.25))
                .collect();
            // A few distinct points, each repeated many times.
            let pool: Vec<[f32; 3]> = (0..7)
                .map(|_| [0; 3].map(|_| rng.uniform(-0.5, 0.5)))
                .collect();
            let duplicates: Vec<[f32; 3]> = (0..n).map(|_| *rng.pick(&pool)).collect();
            let uniform: Vec<[f32; 3]> = (0..n)
                .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
                .collect();
            for cloud in [lattice, duplicates, uniform] {
                let mut centres: Vec<[f32; 3]> = cloud.iter().step_by(5).copied().collect();
                centres.extend([[0.5, 0.5, 0.5], [0.0, 0.0, 0.0], [9.0, 0.0, 0.0]]);
                for &(r, k) in &[
                    (0.5f32, 1usize),
                    (0.5, 5),
                    (0.25, 16),
                    (0.5, 17),
                    (0.3, 32),
                    (0.75, 64),
                    (4.0, 13),
                ] {
                    let want = slow(&cloud, &centres, r, k);
                    for path in SimdPath::supported() {
                        let got = scan(path, &cloud, &centres, r, k);
                        assert_eq!(got, want, "{path:?}, n {n} r {r} k {k}");
                    }
                }
            }
        }
    }

    /// Every index of a row is in range and they ascend, and a row holds
    /// exactly `min(K, in range)` distinct indices: checked on the AVX-512
    /// path for rows whose `K`-th point falls at each lane of a 16-point
    /// group (all points in range, `K` = 1..=48). Skips without AVX-512.
    #[test]
    fn avx512_scan_stops_at_every_lane() {
        let Some(t) = Avx512::detect() else {
            eprintln!(
                "avx512_scan_stops_at_every_lane: skipped, no AVX-512F (or PCSEG_NO_AVX512 set)"
            );
            return;
        };
        let mut rng = Rng::new(18);
        for n in [40usize, 47, 48, 49, 100] {
            let cloud: Vec<[f32; 3]> = (0..n)
                .map(|_| [0; 3].map(|_| rng.uniform(-0.1, 0.1)))
                .collect();
            let centres = [[0.0f32; 3], [0.05, 0.0, 0.0]];
            for k in 1..=48 {
                for r in [1.0f32, 0.12] {
                    let got = scan(SimdPath::Avx512(t), &cloud, &centres, r, k);
                    assert_eq!(got, slow(&cloud, &centres, r, k), "n {n} k {k} r {r}");
                    for row in got.chunks(k) {
                        let m = row.windows(2).take_while(|w| w[0] < w[1]).count() + 1;
                        assert!(row[m..].iter().all(|&i| i == row[0]), "n {n} k {k}");
                    }
                }
            }
        }
    }
}

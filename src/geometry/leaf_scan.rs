//! Tree-less exact 3-NN of many queries against a small point set (the
//! label transfer's 2,048 labelled points), with AVX-512.
//!
//! The set is cut into leaves of sixteen nearby points ([`leaf_order`]),
//! stored as padded columns with each leaf's bounding box. Sixteen compact
//! queries (sixteen consecutive ones of [`morton_order`], one per lane)
//! are answered together: a lower bound of the squared distance from their
//! bounding box to every leaf's box is computed sixteen leaves per step;
//! the leaf with the smallest bound is visited first, then every other leaf
//! whose bound is at most the largest third-best distance of the lanes so
//! far. A visit is one set point (broadcast) against the sixteen queries per
//! step, each lane keeping its best three as `(d bits << 32 | index)` keys
//! with branch-free min/max, as in [`super::three_nn`]'s block sweep.
//!
//! Exactness: distances are [`super::dist2`]'s expression (separate
//! multiplies and adds, the same order), and keys order as `(dist2, index)`,
//! so a lane's three are what a full sort gives. A leaf is skipped only when
//! its bound exceeds every lane's third-best: the bound is the same
//! expression on per-axis gaps that are, before rounding, at most the
//! coordinate differences of any query of the block and any point of the
//! leaf, and rounding is monotone, so each such point's computed distance
//! is at least the bound, hence strictly above the lane's third-best, and
//! could not enter. Needs finite coordinates (checked by the caller) and at
//! least 3 set points.

#[cfg(target_arch = "x86_64")]
use super::leaf_order::{leaf_order, LEAF};
#[cfg(target_arch = "x86_64")]
use super::three_nn::{insert_keys, key_dist, lane_keys, BLOCK};
#[cfg(target_arch = "x86_64")]
use super::tree::PointTree;

/// Largest set the scan is used for: the bounds of every leaf are computed
/// for every block of queries, which stops paying for large sets.
pub(crate) const MAX_POINTS: usize = 8192;

/// The indices of `points` in an order that keeps blocks of sixteen
/// consecutive points compact, far cheaper than [`leaf_order`]: sorted by
/// the Morton code of the points on a 1024^3 grid over their bounding box
/// (ties by index): keys in parallel, then a radix sort. The query blocks only need
/// to be small next to the spacing of the labelled points; the order only
/// affects speed, never results. Meant for finite coordinates (others
/// still give a permutation).
#[cfg(target_arch = "x86_64")]
pub(crate) fn morton_order(points: &[[f32; 3]]) -> Vec<u32> {
    use rayon::prelude::*;
    let (lo, hi) = points
        .par_iter()
        .fold(
            || ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]),
            |(lo, hi), p| {
                (
                    std::array::from_fn(|a| lo[a].min(p[a])),
                    std::array::from_fn(|a| hi[a].max(p[a])),
                )
            },
        )
        .reduce(
            || ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]),
            |(l0, h0), (l1, h1)| {
                (
                    std::array::from_fn(|a| l0[a].min(l1[a])),
                    std::array::from_fn(|a| h0[a].max(h1[a])),
                )
            },
        );
    let extent = (0..3).map(|a| hi[a] - lo[a]).fold(0f32, f32::max);
    let scale = 1023.0 / extent;
    let scale = if scale.is_finite() { scale } else { 0.0 };
    // `as` saturates (negative and NaN to 0); `min` keeps 10 bits.
    let cell = |x: f32, a: usize| (((x - lo[a]) * scale) as u32).min(1023);
    let mut keys: Vec<u64> = points
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let code = spread10(cell(p[0], 0))
                | spread10(cell(p[1], 1)) << 1
                | spread10(cell(p[2], 2)) << 2;
            (code as u64) << 32 | i as u64
        })
        .collect();
    let mut spare = vec![0u64; keys.len()];
    // Least significant digit first, ten bits of the code per pass: each
    // pass is stable, so equal codes stay in index order.
    for shift in [32, 42, 52] {
        let digit = |k: u64| ((k >> shift) & 0x3ff) as usize;
        let mut start = [0usize; 1025];
        for &k in &keys {
            start[digit(k) + 1] += 1;
        }
        for d in 0..1024 {
            start[d + 1] += start[d];
        }
        for &k in &keys {
            let d = digit(k);
            spare[start[d]] = k;
            start[d] += 1;
        }
        std::mem::swap(&mut keys, &mut spare);
    }
    keys.into_par_iter().map(|k| k as u32).collect()
}

/// The low 10 bits of `v` spread to every third bit (bit `i` to bit `3i`).
#[cfg(target_arch = "x86_64")]
#[inline]
fn spread10(v: u32) -> u32 {
    let mut x = v & 0x3ff;
    x = (x | x << 16) & 0x0300_00ff;
    x = (x | x << 8) & 0x0300_f00f;
    x = (x | x << 4) & 0x030c_30c3;
    x = (x | x << 2) & 0x0924_9249;
    x
}

/// A point set in leaf order, as columns padded to whole leaves (`+inf`
/// coordinates, id `u32::MAX`), with the bounding box of every leaf (padded
/// to a whole number of sixteen-leaf groups with `+inf` boxes).
#[cfg(target_arch = "x86_64")]
pub(crate) struct LeafCols {
    xs: Vec<f32>,
    ys: Vec<f32>,
    zs: Vec<f32>,
    /// The caller's index of each point (the tree's original index).
    ids: Vec<u32>,
    /// Per axis, the smallest and largest coordinate of each leaf.
    lo: [Vec<f32>; 3],
    hi: [Vec<f32>; 3],
    /// Leaves holding points (the rest of `lo`/`hi` is padding).
    leaves: usize,
}

#[cfg(target_arch = "x86_64")]
impl LeafCols {
    /// The points of `tree`, with their caller indices, in leaf order.
    pub(crate) fn new(tree: &PointTree) -> LeafCols {
        let (points, index) = (tree.sorted_points(), tree.original_index());
        let order = leaf_order(points);
        let leaves = order.len().div_ceil(LEAF);
        let padded = leaves * LEAF;
        let groups = leaves.div_ceil(BLOCK) * BLOCK;
        let mut c = LeafCols {
            xs: vec![f32::INFINITY; padded],
            ys: vec![f32::INFINITY; padded],
            zs: vec![f32::INFINITY; padded],
            ids: vec![u32::MAX; padded],
            lo: std::array::from_fn(|_| vec![f32::INFINITY; groups]),
            hi: std::array::from_fn(|_| vec![f32::INFINITY; groups]),
            leaves,
        };
        for (s, &item) in order.iter().enumerate() {
            let p = points[item as usize];
            (c.xs[s], c.ys[s], c.zs[s]) = (p[0], p[1], p[2]);
            c.ids[s] = index[item as usize];
        }
        for hi in c.hi.iter_mut() {
            hi[..leaves].fill(f32::NEG_INFINITY);
        }
        for (b, leaf) in order.chunks(LEAF).enumerate() {
            for &item in leaf {
                let p = points[item as usize];
                for (a, x) in p.into_iter().enumerate() {
                    c.lo[a][b] = c.lo[a][b].min(x);
                    c.hi[a][b] = c.hi[a][b].max(x);
                }
            }
        }
        c
    }
}

/// The 3 nearest points of `cols` to each of sixteen queries (lane `l` is
/// `(qx[l], qy[l], qz[l])`): `keys[j][l]` is slot `j` (ascending) of lane
/// `l` as a `(dist2 bits << 32 | index)` key. `bounds` is scratch. Needs at
/// least 3 points in `cols` and finite coordinates.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(crate) fn nearest3_avx512(
    cols: &LeafCols,
    q: [[f32; BLOCK]; 3],
    bounds: &mut Vec<f32>,
) -> [[u64; BLOCK]; 3] {
    use std::arch::x86_64::*;
    let groups = cols.lo[0].len();
    assert!(
        cols.leaves > 0
            && groups.is_multiple_of(BLOCK)
            && cols.xs.len() == cols.leaves * LEAF
            && (0..3).all(|a| cols.lo[a].len() == groups && cols.hi[a].len() == groups),
        "nearest3_avx512: malformed columns"
    );
    bounds.resize(groups, 0.0);
    let zero = _mm512_setzero_ps();
    let mut least = _mm512_set1_ps(f32::INFINITY);
    let (mut q3, mut qlo, mut qhi) = ([zero; 3], [zero; 3], [zero; 3]);
    for a in 0..3 {
        // SAFETY: reads one whole `[f32; 16]`.
        q3[a] = unsafe { _mm512_loadu_ps(q[a].as_ptr()) };
        let (mut lo, mut hi) = (q[a][0], q[a][0]);
        for &x in &q[a][1..] {
            (lo, hi) = (lo.min(x), hi.max(x));
        }
        qlo[a] = _mm512_set1_ps(lo);
        qhi[a] = _mm512_set1_ps(hi);
    }
    for g in (0..groups).step_by(BLOCK) {
        let mut gap = [zero; 3];
        for a in 0..3 {
            // SAFETY: `g + 16 <= groups`, the length of the box columns
            // (checked above).
            let (lo, hi) = unsafe {
                (
                    _mm512_loadu_ps(cols.lo[a].as_ptr().add(g)),
                    _mm512_loadu_ps(cols.hi[a].as_ptr().add(g)),
                )
            };
            let below = _mm512_sub_ps(lo, qhi[a]);
            let above = _mm512_sub_ps(qlo[a], hi);
            gap[a] = _mm512_max_ps(_mm512_max_ps(below, above), zero);
        }
        let b = _mm512_add_ps(
            _mm512_add_ps(_mm512_mul_ps(gap[0], gap[0]), _mm512_mul_ps(gap[1], gap[1])),
            _mm512_mul_ps(gap[2], gap[2]),
        );
        least = _mm512_min_ps(least, b);
        // SAFETY: `bounds` holds `groups >= g + 16` floats.
        unsafe { _mm512_storeu_ps(bounds.as_mut_ptr().add(g), b) };
    }
    // The seed: the first leaf with the least bound (a real one: padding
    // bounds are infinite and come last).
    let least = _mm512_set1_ps(_mm512_reduce_min_ps(least));
    let mut seed = 0;
    for g in (0..groups).step_by(BLOCK) {
        // SAFETY: `g + 16 <= groups = bounds.len()`.
        let b = unsafe { _mm512_loadu_ps(bounds.as_ptr().add(g)) };
        let at = _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(b, least);
        if at != 0 {
            seed = g + at.trailing_zeros() as usize;
            break;
        }
    }
    let bounds = &bounds[..];
    let none = _mm512_set1_epi64(super::three_nn::dist_key(f32::INFINITY, u32::MAX) as i64);
    // Keys of lanes {0, 1, 4, 5, 8, 9, 12, 13} (`lo`) and {2, 3, 6, 7, 10,
    // 11, 14, 15} (`hi`), the lane order of the 32-bit unpacks.
    let (mut lo, mut hi) = ([none; 3], [none; 3]);
    // Each lane's third-best distance (lane order), refreshed after every
    // leaf: until then it only overstates the true one, which keeps the
    // insertions it lets through exact.
    // SAFETY: reads the sixteen `u32` of `THIRDS`.
    let thirds = unsafe { _mm512_loadu_si512(THIRDS.as_ptr().cast()) };
    let mut thr = _mm512_set1_ps(f32::INFINITY);
    visit_leaf(cols, q3, thr, seed, &mut lo, &mut hi);
    thr = _mm512_castsi512_ps(_mm512_permutex2var_epi32(lo[2], thirds, hi[2]));
    let mut third = key_dist(_mm512_reduce_max_epu64(_mm512_max_epu64(lo[2], hi[2])));
    // The leaves within the seed's third-best, sixteen per compare; each is
    // checked again against the third-best of the moment (which only
    // shrinks) before it is visited. Padding leaves (infinite bounds, which
    // an infinite third-best admits) are skipped.
    for g in (0..groups).step_by(BLOCK) {
        // SAFETY: `g + 16 <= groups = bounds.len()`.
        let b = unsafe { _mm512_loadu_ps(bounds.as_ptr().add(g)) };
        let mut within = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(b, _mm512_set1_ps(third));
        while within != 0 {
            let b = g + within.trailing_zeros() as usize;
            within &= within - 1;
            if b != seed && b < cols.leaves && bounds[b] <= third {
                visit_leaf(cols, q3, thr, b, &mut lo, &mut hi);
                thr = _mm512_castsi512_ps(_mm512_permutex2var_epi32(lo[2], thirds, hi[2]));
                third = key_dist(_mm512_reduce_max_epu64(_mm512_max_epu64(lo[2], hi[2])));
            }
        }
    }
    lane_keys(&lo, &hi)
}

/// For `_mm512_permutex2var_epi32(lo, THIRDS, hi)`: the distance (high)
/// half of each lane's key, in lane order, from the `lo`/`hi` split of
/// [`nearest3_avx512`] (lane `4g + r` is `u64` `2g + r` of `lo` for `r < 2`,
/// `2g + r - 2` of `hi` otherwise; index bit 4 selects `hi`).
#[cfg(target_arch = "x86_64")]
static THIRDS: [u32; 16] = {
    let mut t = [0u32; 16];
    let mut l = 0;
    while l < 16 {
        let (g, r) = (l / 4, l % 4);
        t[l] = if r < 2 {
            2 * (2 * g + r) as u32 + 1
        } else {
            16 + 2 * (2 * g + r - 2) as u32 + 1
        };
        l += 1;
    }
    t
};

/// The sixteen points of leaf `b` (broadcast one by one) against the
/// sixteen queries (lanes of `q`): their distances, as keys inserted into
/// the lanes' best three (`lo` and `hi`, see [`nearest3_avx512`]). A point
/// farther than `thr` (each lane's third-best distance or more) in every
/// lane would change nothing and is not inserted.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn visit_leaf(
    cols: &LeafCols,
    q: [std::arch::x86_64::__m512; 3],
    thr: std::arch::x86_64::__m512,
    b: usize,
    lo: &mut [std::arch::x86_64::__m512i; 3],
    hi: &mut [std::arch::x86_64::__m512i; 3],
) {
    use std::arch::x86_64::*;
    let [qx, qy, qz] = q;
    let o = b * LEAF;
    let (xs, ys, zs, ids) = (
        &cols.xs[o..o + LEAF],
        &cols.ys[o..o + LEAF],
        &cols.zs[o..o + LEAF],
        &cols.ids[o..o + LEAF],
    );
    for j in 0..LEAF {
        // Exactly `dist2(p, q)`: the same differences (negated, which squares
        // to the same bits), products and order of sums.
        let dx = _mm512_sub_ps(_mm512_set1_ps(xs[j]), qx);
        let dy = _mm512_sub_ps(_mm512_set1_ps(ys[j]), qy);
        let dz = _mm512_sub_ps(_mm512_set1_ps(zs[j]), qz);
        let d = _mm512_add_ps(
            _mm512_add_ps(_mm512_mul_ps(dx, dx), _mm512_mul_ps(dy, dy)),
            _mm512_mul_ps(dz, dz),
        );
        if _mm512_cmp_ps_mask::<_CMP_LE_OQ>(d, thr) == 0 {
            continue;
        }
        let d = _mm512_castps_si512(d);
        let id = _mm512_set1_epi32(ids[j] as i32);
        insert_keys(lo, _mm512_unpacklo_epi32(id, d));
        insert_keys(hi, _mm512_unpackhi_epi32(id, d));
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::geometry::reference::{nearest_k_ref, tie_prone_sets};
    use crate::geometry::simd::Avx512;
    use crate::rng::Rng;

    /// The 3 nearest of every query by the leaf scan, in query order, the
    /// queries taken in blocks of sixteen in the given `order` (a short last
    /// block repeats its last query).
    fn scan(
        t: Avx512,
        set: &[[f32; 3]],
        queries: &[[f32; 3]],
        order: &[u32],
    ) -> Vec<Vec<(f32, u32)>> {
        let _ = t;
        let cols = LeafCols::new(&PointTree::new(set));
        let mut bounds = Vec::new();
        let mut out = vec![Vec::new(); queries.len()];
        for block in order.chunks(BLOCK) {
            let mut q = [[0f32; BLOCK]; 3];
            for l in 0..BLOCK {
                let p = queries[block[l.min(block.len() - 1)] as usize];
                for a in 0..3 {
                    q[a][l] = p[a];
                }
            }
            // SAFETY: the token proves AVX-512F; the callers give at least 3
            // finite points and finite queries.
            let keys = unsafe { nearest3_avx512(&cols, q, &mut bounds) };
            for (l, &i) in block.iter().enumerate() {
                out[i as usize] = (0..3)
                    .map(|j| (key_dist(keys[j][l]), keys[j][l] as u32))
                    .collect();
            }
        }
        out
    }

    /// The leaf scan against the definition (a full sort per query, exact
    /// bits, ties to the lower index): random clouds, duplicate points,
    /// a binary lattice (equal distances everywhere), one plane, set sizes
    /// from 3 to 40 and around multiples of 16 (partial last leaf, partial
    /// last group of leaf boxes), queries in leaf order, in index order
    /// (blocks spread over the whole cloud) and on set points. Skips
    /// without AVX-512.
    #[test]
    fn scan_equals_definition_on_ties_and_odd_sizes() {
        let Some(t) = Avx512::detect() else {
            eprintln!("scan_equals_definition_on_ties_and_odd_sizes: skipped, no AVX-512F (or PCSEG_NO_AVX512 set)");
            return;
        };
        let mut rng = Rng::new(41);
        let sizes: Vec<usize> = (3..=40)
            .chain([
                47, 48, 49, 255, 256, 257, 271, 272, 273, 2047, 2048, 2049, 4096,
            ])
            .collect();
        for m in sizes {
            for (name, set) in tie_prone_sets(&mut rng, m) {
                let mut queries: Vec<[f32; 3]> = (0..173)
                    .map(|_| [0; 3].map(|_| rng.uniform(-1.3, 1.3)))
                    .collect();
                // Lattice queries (ties between set points), set points.
                queries.extend((0..60).map(|_| [0; 3].map(|_| rng.below(9) as f32 * 0.125)));
                queries.extend(set.iter().take(50));
                queries.extend([[0.0, -0.0, 0.0], [30.0, -20.0, 1e3]]);
                let want: Vec<Vec<(f32, u32)>> =
                    queries.iter().map(|q| nearest_k_ref(&set, q, 3)).collect();
                let orders = [
                    leaf_order(&queries),
                    morton_order(&queries),
                    (0..queries.len() as u32).collect::<Vec<u32>>(),
                ];
                for order in orders {
                    assert_eq!(scan(t, &set, &queries, &order), want, "{name}, m {m}");
                }
            }
        }
    }

    /// `morton_order` is a permutation (also with non-finite coordinates,
    /// and empty), and `spread10` interleaves.
    #[test]
    fn morton_order_is_a_permutation() {
        assert_eq!(spread10(0b1011), 0b001_000_001_001);
        assert_eq!(spread10(0x3ff), 0x0924_9249);
        let mut rng = Rng::new(42);
        let mut points: Vec<[f32; 3]> = (0..20_000)
            .map(|_| [0; 3].map(|_| rng.uniform(-1.0, 1.0)))
            .collect();
        points[5] = [f32::NAN, f32::INFINITY, 0.0];
        for pts in [&points[..], &points[..1], &points[6..40], &[]] {
            let mut order = morton_order(pts);
            order.sort_unstable();
            assert!(order.iter().copied().eq(0..pts.len() as u32));
        }
    }
}

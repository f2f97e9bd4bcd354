//! Farthest point sampling.
//!
//! Input `points` [N, 3]; output `m` indices into it. Each step picks the point
//! whose squared distance to the nearest already-picked point is largest (ties
//! go to the lowest index), exactly as the O(m N) textbook definition.
//!
//! The running "distance to the picked set" lives in one array and the
//! coordinates are copied to three structure-of-arrays columns, so the inner
//! loop (update the minimum, track the maximum) is branch-free over lanes of
//! [`LANES`] points and auto-vectorises. Each lane remembers the first index
//! where its maximum occurs; the lowest index among the lanes holding the
//! overall maximum is therefore the lowest index overall, which keeps the
//! result identical to the scalar definition.
//!
//! Large clouds go through `bucketed` instead: the points are cut into
//! leaves of at most `LEAF` nearby points with a bounding box and the
//! largest running distance each, and a step only updates the leaves whose
//! box is closer to the new centre than their largest distance (the others
//! cannot change, see `bucketed` for why this holds bit for bit in `f32`).
//! Late in the sampling that is a few leaves out of dozens.

use super::simd::Avx2;

/// Points processed per vector step (two AVX or four SSE registers).
const LANES: usize = 8;

/// Pick `m` indices of `points` by farthest point sampling, starting at
/// `start % points.len()`: each next point is the one farthest from all picked
/// so far (squared distances in `f32`, ties go to the lowest index).
///
/// Deterministic: the caller derives `start` from its seed. When the cloud has
/// fewer than `m` distinct positions, the remaining picks all have distance 0
/// and repeat the lowest index (as the PointNet++ reference does).
///
/// # Panics
///
/// If `m > points.len()`.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::farthest_point_sample;
///
/// let points = [[0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.0, 0.0]];
/// // From point 0: the farthest is 2, then 3 (0.25 from both ends), then 1.
/// assert_eq!(farthest_point_sample(&points, 4, 0), vec![0, 2, 3, 1]);
/// assert_eq!(farthest_point_sample(&points, 2, 6), vec![2, 0]);
/// ```
pub fn farthest_point_sample(points: &[[f32; 3]], m: usize, start: usize) -> Vec<usize> {
    let n = points.len();
    assert!(m <= n, "farthest_point_sample: m = {m} > n = {n}");
    if m == 0 {
        return Vec::new();
    }
    // The leaf pruning relies on every distance being a number: with a NaN or
    // infinite coordinate the scan's `min` semantics decide, so keep it.
    let finite = points.iter().flatten().all(|v| v.is_finite());
    let avx2 = Avx2::detect();
    if n < BUCKETED_MIN_N || m < BUCKETED_MIN_M || !finite {
        return full_scan(avx2, points, m, start);
    }
    bucketed(avx2, points, m, start)
}

/// The O(m N) scan over all points: every step updates every point. The
/// step is compiled for AVX2 when `avx2` is given, else portable (the same
/// picks). `m >= 1`.
pub(crate) fn full_scan(
    avx2: Option<Avx2>,
    points: &[[f32; 3]],
    m: usize,
    start: usize,
) -> Vec<usize> {
    let n = points.len();
    // Pad to a multiple of LANES with copies of point 0: a padded slot has
    // distance 0 to the picked set after the first step, and before that it
    // ties with point 0 but comes later in index order, so it is never picked.
    let padded = n.div_ceil(LANES) * LANES;
    let mut xs = vec![points[0][0]; padded];
    let mut ys = vec![points[0][1]; padded];
    let mut zs = vec![points[0][2]; padded];
    for (i, p) in points.iter().enumerate() {
        xs[i] = p[0];
        ys[i] = p[1];
        zs[i] = p[2];
    }
    // Distance to the picked set, double-buffered: each step reads one
    // buffer and writes the other, so every store is unconditional (an
    // in-place `min` becomes a masked store, which is slow on AMD).
    let mut nearest = vec![f32::INFINITY; padded];
    let mut next = vec![0f32; padded];

    let mut picked = Vec::with_capacity(m);
    let mut current = start % n;
    for _ in 0..m {
        picked.push(current);
        let c = points[current];
        current = match avx2 {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx2` token proves the CPU supports AVX2, the only
            // requirement of `update_and_argmax_avx2`.
            Some(_) => unsafe { update_and_argmax_avx2(&xs, &ys, &zs, &nearest, &mut next, c) },
            _ => update_and_argmax(&xs, &ys, &zs, &nearest, &mut next, c),
        };
        std::mem::swap(&mut nearest, &mut next);
    }
    picked
}

/// [`update_and_argmax`] compiled for AVX2 (8 lanes per register). Only AVX2
/// is enabled, not FMA, so every operation rounds exactly as the portable
/// version and the result is identical.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn update_and_argmax_avx2(
    xs: &[f32],
    ys: &[f32],
    zs: &[f32],
    nearest: &[f32],
    next: &mut [f32],
    c: [f32; 3],
) -> usize {
    update_and_argmax(xs, ys, zs, nearest, next, c)
}

/// `next[i] = min(nearest[i], dist2(p_i, c))` for every slot, returning the
/// lowest index of the largest new value. All slices have the same length,
/// a multiple of [`LANES`].
///
/// Two passes: the update tracks only per-lane maxima (pure min/max over
/// fixed-size lane arrays, no bounds checks, so it vectorises); a second pass
/// finds the first slot equal to the maximum, testing a whole lane group at a
/// time and stopping at the first hit.
#[inline(always)]
fn update_and_argmax(
    xs: &[f32],
    ys: &[f32],
    zs: &[f32],
    nearest: &[f32],
    next: &mut [f32],
    c: [f32; 3],
) -> usize {
    let mut lane_max = [-1.0f32; LANES];
    let (out, _) = next.as_chunks_mut::<LANES>();
    let (near, _) = nearest.as_chunks::<LANES>();
    let (xs, _) = xs.as_chunks::<LANES>();
    let (ys, _) = ys.as_chunks::<LANES>();
    let (zs, _) = zs.as_chunks::<LANES>();
    for ((out, near), ((x, y), z)) in out.iter_mut().zip(near).zip(xs.iter().zip(ys).zip(zs)) {
        for l in 0..LANES {
            // Same formula and order as `geometry::dist2`, and `f32::min` as
            // in the definition.
            let dx = x[l] - c[0];
            let dy = y[l] - c[1];
            let dz = z[l] - c[2];
            let v = (dx * dx + dy * dy + dz * dz).min(near[l]);
            out[l] = v;
            lane_max[l] = if v > lane_max[l] { v } else { lane_max[l] };
        }
    }
    first_slot_of(next, largest(&lane_max))
}

/// The largest of per-lane maxima (every value at least -1).
#[inline(always)]
fn largest(lane_max: &[f32; LANES]) -> f32 {
    lane_max
        .iter()
        .fold(-1.0f32, |m, &v| if v > m { v } else { m })
}

/// The first slot of `values` (whole lane groups) equal to `max`, testing a
/// lane group at a time and stopping at the first hit; 0 when none is.
#[inline(always)]
fn first_slot_of(values: &[f32], max: f32) -> usize {
    let (groups, _) = values.as_chunks::<LANES>();
    for (chunk, group) in groups.iter().enumerate() {
        if group.iter().fold(false, |hit, &v| hit | (v == max)) {
            let lane = group.iter().position(|&v| v == max).unwrap_or(0);
            return chunk * LANES + lane;
        }
    }
    0
}

/// Most points per leaf of the spatial partition used by [`bucketed`].
const LEAF: usize = 64;

/// Smallest cloud for which the leaf partition pays for its build.
const BUCKETED_MIN_N: usize = 1024;

/// Fewest picks for which the leaf partition pays for its build.
const BUCKETED_MIN_M: usize = 256;

/// The cloud cut into leaves of at most [`LEAF`] nearby points (more only
/// where more than [`LEAF`] points coincide).
///
/// Per slot (leaf after leaf, each leaf padded to a multiple of [`LANES`]):
/// coordinates, distance to the picked set, original index. Within a leaf the
/// real points are in increasing original index, so the first slot holding a
/// value is its lowest index. Padding slots hold distance -1, which `min`
/// never raises, so they are never a maximum.
///
/// Per leaf (the leaf count padded to a multiple of [`LANES`] with empty
/// leaves of maximum -1, never updated nor picked): slot range, bounding box
/// of its real points, and the largest distance in it with the lowest
/// original index holding it.
struct Leaves {
    xs: Vec<f32>,
    ys: Vec<f32>,
    zs: Vec<f32>,
    nearest: Vec<f32>,
    ids: Vec<u32>,
    range: Vec<(usize, usize)>,
    lo: [Vec<f32>; 3],
    hi: [Vec<f32>; 3],
    max: Vec<f32>,
    arg: Vec<u32>,
}

/// Coordinates and original indices of points, in columns.
struct Columns {
    xyz: [Vec<f32>; 3],
    ids: Vec<u32>,
}

/// One leaf of the partition while building: slot range and bounding box.
struct Part {
    range: (usize, usize),
    lo: [f32; 3],
    hi: [f32; 3],
}

impl Leaves {
    /// Cut `points` (N >= 1, all finite) by splitting boxes at the middle of
    /// their widest axis until every part has at most [`LEAF`] points.
    fn build(points: &[[f32; 3]]) -> Leaves {
        let n = points.len();
        let mut cols = Columns {
            xyz: [0, 1, 2].map(|k| points.iter().map(|p| p[k]).collect()),
            ids: (0..n as u32).collect(),
        };
        let mut scratch = Columns {
            xyz: [vec![0.0; n], vec![0.0; n], vec![0.0; n]],
            ids: vec![0; n],
        };
        let mut parts = Vec::with_capacity(4 * n.div_ceil(LEAF));
        split(&mut cols, &mut scratch, (0, n), &mut parts);

        let slots: usize = parts
            .iter()
            .map(|p| (p.range.1 - p.range.0).div_ceil(LANES) * LANES)
            .sum();
        let count = parts.len().div_ceil(LANES) * LANES;
        let mut out = Leaves {
            xs: Vec::with_capacity(slots),
            ys: Vec::with_capacity(slots),
            zs: Vec::with_capacity(slots),
            nearest: Vec::with_capacity(slots),
            ids: Vec::with_capacity(slots),
            range: Vec::with_capacity(count),
            lo: [0, 1, 2].map(|_| Vec::with_capacity(count)),
            hi: [0, 1, 2].map(|_| Vec::with_capacity(count)),
            max: Vec::with_capacity(count),
            arg: Vec::with_capacity(count),
        };
        for part in &parts {
            let (a, e) = part.range;
            let first = out.xs.len();
            let padded = (e - a).div_ceil(LANES) * LANES;
            for (dst, src) in [&mut out.xs, &mut out.ys, &mut out.zs]
                .into_iter()
                .zip(&cols.xyz)
            {
                dst.extend_from_slice(&src[a..e]);
                dst.resize(first + padded, src[a]);
            }
            out.nearest.resize(first + (e - a), f32::INFINITY);
            out.nearest.resize(first + padded, -1.0);
            out.ids.extend_from_slice(&cols.ids[a..e]);
            out.ids.resize(first + padded, u32::MAX);
            out.range.push((first, first + padded));
            for k in 0..3 {
                out.lo[k].push(part.lo[k]);
                out.hi[k].push(part.hi[k]);
            }
            out.max.push(f32::INFINITY);
            out.arg.push(cols.ids[a]);
        }
        for k in 0..3 {
            out.lo[k].resize(count, 0.0);
            out.hi[k].resize(count, 0.0);
        }
        out.range.resize(count, (0, 0));
        out.max.resize(count, -1.0);
        out.arg.resize(count, u32::MAX);
        out
    }
}

/// Split slots `range` of `cols` at the middle of the widest axis of their
/// bounding box, recursively, until at most [`LEAF`] points are left; push
/// every leaf. The partition is stable (through `scratch`), so indices that
/// start in increasing order stay so within each leaf. Any split keeps FPS
/// exact; the middle cut only makes the boxes small.
fn split(cols: &mut Columns, scratch: &mut Columns, range: (usize, usize), parts: &mut Vec<Part>) {
    let (a, e) = range;
    let mut lo = [0f32; 3];
    let mut hi = [0f32; 3];
    for k in 0..3 {
        (lo[k], hi[k]) = min_max(&cols.xyz[k][a..e]);
    }
    if e - a <= LEAF {
        parts.push(Part { range, lo, hi });
        return;
    }
    let extent = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
    let axis = if extent[0] >= extent[1] && extent[0] >= extent[2] {
        0
    } else if extent[1] >= extent[2] {
        1
    } else {
        2
    };
    let cut = lo[axis] + 0.5 * extent[axis];
    // Stable partition, column by column: `key < cut` to the front.
    let left: Vec<bool> = cols.xyz[axis][a..e].iter().map(|&v| v < cut).collect();
    let front = a + left.iter().filter(|&&l| l).count();
    for k in 0..3 {
        partition(&mut cols.xyz[k][a..e], &mut scratch.xyz[k][a..e], &left);
    }
    partition(&mut cols.ids[a..e], &mut scratch.ids[a..e], &left);
    // Coincident points (or a cut that rounds onto an end) leave one side
    // empty: split by position instead.
    let mid = if front == a || front == e {
        a + (e - a) / 2
    } else {
        front
    };
    split(cols, scratch, (a, mid), parts);
    split(cols, scratch, (mid, e), parts);
}

/// Stable partition of `v` by `left`: the values marked left first, then
/// the others, each in their original order. Branch-free (the side is a
/// coin flip): each value is written both in place and to `scratch` (as long
/// as `v`), one cursor advances; the others are copied back at the end.
fn partition<T: Copy>(v: &mut [T], scratch: &mut [T], left: &[bool]) {
    let (mut front, mut back) = (0, 0);
    for (i, &l) in left.iter().enumerate() {
        let x = v[i];
        v[front] = x;
        scratch[back] = x;
        front += l as usize;
        back += 1 - l as usize;
    }
    v[front..].copy_from_slice(&scratch[..back]);
}

/// Smallest and largest of `v` (not empty, no NaN), over lanes so it
/// vectorises.
fn min_max(v: &[f32]) -> (f32, f32) {
    let mut lo = [v[0]; LANES];
    let mut hi = [v[0]; LANES];
    let (groups, rest) = v.as_chunks::<LANES>();
    for g in groups {
        for l in 0..LANES {
            lo[l] = if g[l] < lo[l] { g[l] } else { lo[l] };
            hi[l] = if g[l] > hi[l] { g[l] } else { hi[l] };
        }
    }
    let lo = lo
        .iter()
        .chain(rest)
        .fold(v[0], |m, &x| if x < m { x } else { m });
    let hi = hi
        .iter()
        .chain(rest)
        .fold(v[0], |m, &x| if x > m { x } else { m });
    (lo, hi)
}

/// FPS over [`Leaves`]: same picks as [`full_scan`], but a step only updates
/// the leaves the new centre can change.
///
/// A point's distance changes only if its distance `d` to the new centre `c`
/// is below its current value, and every value in a leaf is at most the
/// leaf's maximum. The squared distance `g` from `c` to the leaf's box is
/// computed with the same operations as `d` (per-axis gap, squared, summed
/// x, y then z); each of them is monotone in `f32` (round to nearest is
/// monotone and symmetric), and every per-axis gap is at most the point's
/// `|x - c|`, so `g <= d` for every point in the box, bit for bit. A leaf
/// with `g >= max` therefore keeps all its values and is skipped.
///
/// The loop is compiled for AVX2 when `avx2` is given, else portable (the
/// same picks). Needs at least one point, all finite.
pub(crate) fn bucketed(
    avx2: Option<Avx2>,
    points: &[[f32; 3]],
    m: usize,
    start: usize,
) -> Vec<usize> {
    let mut leaves = Leaves::build(points);
    let mut picked = Vec::with_capacity(m);
    let start = start % points.len();
    match avx2 {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` token proves the CPU supports AVX2, the only
        // requirement of `sample_leaves_avx2`.
        Some(_) => unsafe { sample_leaves_avx2(points, &mut leaves, m, start, &mut picked) },
        _ => sample_leaves(points, &mut leaves, m, start, &mut picked),
    }
    picked
}

/// [`sample_leaves`] compiled for AVX2 (no FMA: rounding as the portable
/// version).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sample_leaves_avx2(
    points: &[[f32; 3]],
    leaves: &mut Leaves,
    m: usize,
    start: usize,
    picked: &mut Vec<usize>,
) {
    sample_leaves(points, leaves, m, start, picked)
}

/// The FPS loop of [`bucketed`]: push `m` picks, the first `start`.
#[inline(always)]
fn sample_leaves(
    points: &[[f32; 3]],
    leaves: &mut Leaves,
    m: usize,
    start: usize,
    picked: &mut Vec<usize>,
) {
    let mut stale = vec![0u32; leaves.max.len() / LANES];
    let mut current = start;
    for _ in 0..m {
        picked.push(current);
        let c = points[current];
        // Which leaves can change (box distance below the leaf maximum), as
        // one bit per leaf of each group of LANES.
        {
            let (max, _) = leaves.max.as_chunks::<LANES>();
            let (lx, _) = leaves.lo[0].as_chunks::<LANES>();
            let (ly, _) = leaves.lo[1].as_chunks::<LANES>();
            let (lz, _) = leaves.lo[2].as_chunks::<LANES>();
            let (hx, _) = leaves.hi[0].as_chunks::<LANES>();
            let (hy, _) = leaves.hi[1].as_chunks::<LANES>();
            let (hz, _) = leaves.hi[2].as_chunks::<LANES>();
            let groups = max
                .iter()
                .zip(lx.iter().zip(ly).zip(lz))
                .zip(hx.iter().zip(hy).zip(hz));
            for (bits, ((max, ((lx, ly), lz)), ((hx, hy), hz))) in stale.iter_mut().zip(groups) {
                let mut b = 0u32;
                for l in 0..LANES {
                    // Per-axis gap to the box, as `x - c` or `c - x` rounds.
                    let gx = (lx[l] - c[0]).max(c[0] - hx[l]).max(0.0);
                    let gy = (ly[l] - c[1]).max(c[1] - hy[l]).max(0.0);
                    let gz = (lz[l] - c[2]).max(c[2] - hz[l]).max(0.0);
                    b |= ((gx * gx + gy * gy + gz * gz < max[l]) as u32) << l;
                }
                *bits = b;
            }
        }
        for (group, &bits) in stale.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let b = group * LANES + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let (a, e) = leaves.range[b];
                let (max, slot) = update_in_place(
                    &leaves.xs[a..e],
                    &leaves.ys[a..e],
                    &leaves.zs[a..e],
                    &mut leaves.nearest[a..e],
                    c,
                );
                leaves.max[b] = max;
                leaves.arg[b] = leaves.ids[a + slot];
            }
        }
        // The largest leaf maximum, ties to the lowest original index.
        let (max, _) = leaves.max.as_chunks::<LANES>();
        let (arg, _) = leaves.arg.as_chunks::<LANES>();
        let mut lane_max = [-1.0f32; LANES];
        for group in max {
            for l in 0..LANES {
                lane_max[l] = if group[l] > lane_max[l] {
                    group[l]
                } else {
                    lane_max[l]
                };
            }
        }
        let best = largest(&lane_max);
        let mut lane_arg = [u32::MAX; LANES];
        for (max, arg) in max.iter().zip(arg) {
            for l in 0..LANES {
                let a = if max[l] == best { arg[l] } else { u32::MAX };
                lane_arg[l] = lane_arg[l].min(a);
            }
        }
        current = lane_arg.iter().fold(u32::MAX, |m, &a| m.min(a)) as usize;
    }
}

/// `nearest[i] = min(nearest[i], dist2(p_i, c))` for every slot of one leaf,
/// returning the largest new value and the first slot holding it. All slices
/// have the same length, a multiple of [`LANES`]; the arithmetic is that of
/// [`update_and_argmax`].
#[inline(always)]
fn update_in_place(
    xs: &[f32],
    ys: &[f32],
    zs: &[f32],
    nearest: &mut [f32],
    c: [f32; 3],
) -> (f32, usize) {
    let mut lane_max = [-1.0f32; LANES];
    let (near, _) = nearest.as_chunks_mut::<LANES>();
    let (xs, _) = xs.as_chunks::<LANES>();
    let (ys, _) = ys.as_chunks::<LANES>();
    let (zs, _) = zs.as_chunks::<LANES>();
    for (near, ((x, y), z)) in near.iter_mut().zip(xs.iter().zip(ys).zip(zs)) {
        let mut v = *near;
        for l in 0..LANES {
            let dx = x[l] - c[0];
            let dy = y[l] - c[1];
            let dz = z[l] - c[2];
            v[l] = (dx * dx + dy * dy + dz * dz).min(v[l]);
            lane_max[l] = if v[l] > lane_max[l] {
                v[l]
            } else {
                lane_max[l]
            };
        }
        *near = v;
    }
    let max = largest(&lane_max);
    (max, first_slot_of(nearest, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::reference::fps_ref;
    use crate::rng::Rng;
    use proptest::prelude::*;

    /// Every path (public dispatch, full scan, leaves whatever the size)
    /// against the reference.
    fn check(name: &str, points: &[[f32; 3]], m: usize, start: usize) {
        let want = fps_ref(points, m, start);
        let got = farthest_point_sample(points, m, start);
        assert_eq!(got, want, "{name}: N={} m={m} start={start}", points.len());
        if m > 0 {
            let avx2 = Avx2::detect();
            assert_eq!(full_scan(avx2, points, m, start), want, "{name}: full scan");
            assert_eq!(
                full_scan(None, points, m, start),
                want,
                "{name}: portable full scan"
            );
            if points.iter().flatten().all(|v| v.is_finite()) {
                assert_eq!(bucketed(avx2, points, m, start), want, "{name}: leaves");
                assert_eq!(
                    bucketed(None, points, m, start),
                    want,
                    "{name}: portable leaves"
                );
            }
        }
    }

    fn uniform(rng: &mut Rng, n: usize) -> Vec<[f32; 3]> {
        (0..n)
            .map(|_| {
                [
                    rng.uniform(-1.0, 1.0),
                    rng.uniform(-1.0, 1.0),
                    rng.uniform(-1.0, 1.0),
                ]
            })
            .collect()
    }

    /// Points on a unit sphere shell plus a flat disc: surface-like.
    fn surface(rng: &mut Rng, n: usize) -> Vec<[f32; 3]> {
        (0..n)
            .map(|i| {
                if i % 3 == 0 {
                    [rng.uniform(-0.5, 0.5), -1.0, rng.uniform(-0.5, 0.5)]
                } else {
                    let v = [rng.normal(), rng.normal(), rng.normal()];
                    let r = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().max(1e-6);
                    [v[0] / r, v[1] / r, v[2] / r]
                }
            })
            .collect()
    }

    /// Points drawn from a pool of `pool` positions: many exact duplicates.
    fn duplicates(rng: &mut Rng, n: usize, pool: usize) -> Vec<[f32; 3]> {
        let base = uniform(rng, pool);
        (0..n).map(|_| *rng.pick(&base)).collect()
    }

    /// Random nodes of an integer lattice of side `side` times `step`
    /// (a power of two, so distances are exact and tie everywhere).
    fn lattice(rng: &mut Rng, n: usize, side: usize, step: f32) -> Vec<[f32; 3]> {
        (0..n)
            .map(|_| {
                let mut q = || rng.below(side) as f32 * step;
                [q(), q(), q()]
            })
            .collect()
    }

    /// Points on one line (`dims = 1`) or one tilted plane (`dims = 2`).
    fn flat(rng: &mut Rng, n: usize, dims: usize) -> Vec<[f32; 3]> {
        let (o, u, v) = (
            [0.3f32, -0.2, 0.7],
            [0.6f32, 0.48, 0.64],
            [0.0f32, 0.8, -0.6],
        );
        (0..n)
            .map(|_| {
                let a = rng.uniform(-1.0, 1.0);
                let b = if dims == 2 {
                    rng.uniform(-1.0, 1.0)
                } else {
                    0.0
                };
                [
                    o[0] + a * u[0] + b * v[0],
                    o[1] + a * u[1] + b * v[1],
                    o[2] + a * u[2] + b * v[2],
                ]
            })
            .collect()
    }

    fn scaled(points: &[[f32; 3]], s: f32, shift: f32) -> Vec<[f32; 3]> {
        points
            .iter()
            .map(|p| [p[0] * s + shift, p[1] * s, p[2] * s - shift])
            .collect()
    }

    /// One cloud of every kind for size `n`.
    fn battery(rng: &mut Rng, n: usize) -> Vec<(String, Vec<[f32; 3]>)> {
        let u = uniform(rng, n);
        let mut out = vec![
            ("surface".to_string(), surface(rng, n)),
            ("duplicates".to_string(), duplicates(rng, n, 1 + n / 7)),
            ("few positions".to_string(), duplicates(rng, n, 3)),
            ("lattice".to_string(), lattice(rng, n, 6, 0.25)),
            ("dense lattice".to_string(), lattice(rng, n, 3, 1.0)),
            ("line".to_string(), flat(rng, n, 1)),
            ("plane".to_string(), flat(rng, n, 2)),
        ];
        // Tiny (squares subnormal or 0), huge (squares overflow to
        // infinity), and far from the origin (differences lose bits).
        for (s, shift) in [
            (1e-21, 0.0),
            (1e-3, 0.0),
            (1e4, 0.0),
            (1e19, 0.0),
            (1.0, 3e4),
        ] {
            out.push((format!("uniform x {s:e} + {shift:e}"), scaled(&u, s, shift)));
        }
        out.push(("uniform".to_string(), u));
        out
    }

    #[test]
    fn doc_example_and_coincident_points() {
        let points = [
            [0.0, 0.0, 0.0],
            [0.1, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.5, 0.0, 0.0],
        ];
        assert_eq!(bucketed(Avx2::detect(), &points, 4, 0), vec![0, 2, 3, 1]);
        // Fewer distinct positions than picks: the rest repeat index 0.
        let dup = vec![[1.0, 1.0, 1.0]; 300];
        assert_eq!(farthest_point_sample(&dup, 4, 4), vec![4, 0, 0, 0]);
        assert_eq!(bucketed(Avx2::detect(), &dup, 4, 299), vec![299, 0, 0, 0]);
    }

    #[test]
    fn every_size_from_1_to_300_and_every_kind() {
        let mut rng = Rng::new(1);
        for n in 1..=300 {
            for (name, cloud) in battery(&mut rng, n) {
                let m = 1 + rng.below(n);
                check(&name, &cloud, m, rng.below(3 * n));
            }
        }
    }

    #[test]
    fn m_equals_n_and_many_starts() {
        let mut rng = Rng::new(2);
        for n in [257, 511, 700] {
            for (name, cloud) in battery(&mut rng, n) {
                check(&name, &cloud, n, rng.below(n));
                for _ in 0..3 {
                    check(&name, &cloud, 1 + rng.below(n / 3), rng.below(n));
                }
            }
        }
    }

    #[test]
    fn large_clouds_up_to_5000() {
        let mut rng = Rng::new(3);
        for n in [1000, 2048, 2600, 5000] {
            for (name, cloud) in battery(&mut rng, n) {
                // The reference costs m N: a few hundred picks on the
                // biggest clouds, all of them at 1,000.
                let m = if n <= 1000 { n } else { 200 + rng.below(300) };
                check(&name, &cloud, m, rng.below(n));
            }
        }
    }

    #[test]
    fn non_finite_coordinates_keep_the_scan_semantics() {
        let mut rng = Rng::new(4);
        let mut cloud = uniform(&mut rng, 400);
        cloud[17][1] = f32::NAN;
        cloud[300][2] = f32::INFINITY;
        for start in [0, 17, 300] {
            check("non-finite", &cloud, 50, start);
        }
    }

    /// The AVX2 and portable builds of both paths pick the same indices on
    /// random clouds of several sizes, up to sizes the reference is too slow
    /// for. Portable always runs (against the other path); AVX2 where the
    /// CPU has it.
    #[test]
    fn avx2_and_portable_pick_the_same_indices() {
        let mut rng = Rng::new(5);
        for (n, m) in [
            (1, 1),
            (9, 9),
            (300, 77),
            (1024, 256),
            (2048, 512),
            (5000, 1000),
            (20_000, 2048),
        ] {
            for (name, cloud) in [
                ("uniform", uniform(&mut rng, n)),
                ("surface", surface(&mut rng, n)),
                ("lattice", lattice(&mut rng, n, 6, 0.25)),
            ] {
                let start = rng.below(n);
                let scan = full_scan(None, &cloud, m, start);
                let leaves = bucketed(None, &cloud, m, start);
                assert_eq!(leaves, scan, "{name} N={n} m={m}: portable paths");
                if let Some(avx2) = Avx2::detect() {
                    let simd_scan = full_scan(Some(avx2), &cloud, m, start);
                    assert_eq!(simd_scan, scan, "{name} N={n} m={m}: full scan");
                    let simd_leaves = bucketed(Some(avx2), &cloud, m, start);
                    assert_eq!(simd_leaves, scan, "{name} N={n} m={m}: leaves");
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Random sizes, picks, starts, kinds and scales.
        #[test]
        fn matches_reference(
            n in 1usize..3000,
            m_frac in 0.0f64..=1.0,
            start in 0usize..10_000,
            seed in 0u64..1_000_000,
            kind in 0usize..12,
        ) {
            let mut rng = Rng::new(seed);
            let (name, cloud) = battery(&mut rng, n).swap_remove(kind % 12);
            // Keep the reference's m N under ~2.5 M per case.
            let m = ((m_frac * n as f64) as usize).clamp(1, n).min(2_500_000 / n);
            check(&name, &cloud, m, start);
        }
    }
}

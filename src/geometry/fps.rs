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
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        for _ in 0..m {
            picked.push(current);
            let c = points[current];
            // SAFETY: the CPU supports AVX2, checked just above.
            current = unsafe { update_and_argmax_avx2(&xs, &ys, &zs, &nearest, &mut next, c) };
            std::mem::swap(&mut nearest, &mut next);
        }
        return picked;
    }
    for _ in 0..m {
        picked.push(current);
        current = update_and_argmax(&xs, &ys, &zs, &nearest, &mut next, points[current]);
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
    let max = lane_max
        .iter()
        .fold(-1.0f32, |m, &v| if v > m { v } else { m });
    let (out, _) = next.as_chunks::<LANES>();
    for (chunk, group) in out.iter().enumerate() {
        if group.iter().fold(false, |hit, &v| hit | (v == max)) {
            let lane = group.iter().position(|&v| v == max).unwrap_or(0);
            return chunk * LANES + lane;
        }
    }
    0
}

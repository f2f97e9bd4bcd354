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
    let mut nearest = vec![f32::INFINITY; padded];

    let mut picked = Vec::with_capacity(m);
    let mut current = start % n;
    for _ in 0..m {
        picked.push(current);
        current = update_and_argmax(&xs, &ys, &zs, &mut nearest, points[current]);
    }
    picked
}

/// `nearest[i] = min(nearest[i], dist2(p_i, c))` for every slot, returning the
/// lowest index of the largest updated value. All slices have the same length,
/// a multiple of [`LANES`].
#[inline]
fn update_and_argmax(
    xs: &[f32],
    ys: &[f32],
    zs: &[f32],
    nearest: &mut [f32],
    c: [f32; 3],
) -> usize {
    let mut lane_max = [-1.0f32; LANES];
    let mut lane_arg = [0u32; LANES];
    let chunks = nearest
        .chunks_exact_mut(LANES)
        .zip(xs.chunks_exact(LANES))
        .zip(ys.chunks_exact(LANES).zip(zs.chunks_exact(LANES)));
    for (chunk, ((near, x), (y, z))) in chunks.enumerate() {
        let base = (chunk * LANES) as u32;
        for l in 0..LANES {
            // Same formula and order as `geometry::dist2`.
            let dx = x[l] - c[0];
            let dy = y[l] - c[1];
            let dz = z[l] - c[2];
            let d = dx * dx + dy * dy + dz * dz;
            let v = if d < near[l] { d } else { near[l] };
            near[l] = v;
            // Strict `>` keeps the first index of the lane's maximum.
            let better = v > lane_max[l];
            lane_max[l] = if better { v } else { lane_max[l] };
            lane_arg[l] = if better { base + l as u32 } else { lane_arg[l] };
        }
    }
    let mut best = 0;
    for l in 1..LANES {
        let (v, b) = (lane_max[l], lane_max[best]);
        if v > b || (v == b && lane_arg[l] < lane_arg[best]) {
            best = l;
        }
    }
    lane_arg[best] as usize
}

//! Farthest point sampling.

use super::dist2;

/// Pick `m` indices of `points` by farthest point sampling, starting at
/// `start % points.len()`: each next point is the one farthest from all picked
/// so far (ties go to the lowest index). Requires `m <= points.len()`.
pub fn farthest_point_sample(points: &[[f32; 3]], m: usize, start: usize) -> Vec<usize> {
    let n = points.len();
    assert!(m <= n, "farthest_point_sample: m = {m} > n = {n}");
    if m == 0 {
        return Vec::new();
    }
    let mut picked = Vec::with_capacity(m);
    let mut nearest = vec![f32::INFINITY; n];
    let mut current = start % n;
    for _ in 0..m {
        picked.push(current);
        let c = points[current];
        let mut best = 0;
        let mut best_d = -1.0;
        for (i, p) in points.iter().enumerate() {
            let d = dist2(p, &c).min(nearest[i]);
            nearest[i] = d;
            if d > best_d {
                best_d = d;
                best = i;
            }
        }
        current = best;
    }
    picked
}

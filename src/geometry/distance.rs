//! The metric and the tie rule every neighbour query shares: squared
//! Euclidean distance in `f32`, and the order of `(squared distance, index)`
//! pairs (nearer first, then lower index).

use std::cmp::Ordering;

/// Squared Euclidean distance between two points: `dx*dx + dy*dy + dz*dz`
/// with `d = a - b`, evaluated left to right in `f32` (the same expression
/// kiddo evaluates, so linear scans and tree queries agree bit-for-bit).
///
/// # Examples
///
/// ```
/// assert_eq!(pcseg::geometry::dist2(&[1.0, 2.0, 3.0], &[1.0, 0.0, 0.0]), 13.0);
/// ```
#[inline]
pub fn dist2(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

/// Order `(squared distance, index)` pairs by distance, then index.
#[inline]
pub(crate) fn cmp_dist_index(a: &(f32, u32), b: &(f32, u32)) -> Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

//! Ball query with the PointNet++ reference semantics.

use super::dist2;

/// For each centre, the first `k` indices (in index order) of `points` within
/// `radius` (inclusive), padded with the first one found. A centre with no
/// point in range gets index 0 repeated (cannot happen when centres are drawn
/// from `points`). Returns `centres.len() * k` indices, row-major (S x K).
pub fn ball_query(points: &[[f32; 3]], centres: &[[f32; 3]], radius: f32, k: usize) -> Vec<u32> {
    let r2 = radius * radius;
    let mut out = Vec::with_capacity(centres.len() * k);
    for c in centres {
        let start = out.len();
        for (i, p) in points.iter().enumerate() {
            if out.len() - start == k {
                break;
            }
            if dist2(p, c) <= r2 {
                out.push(i as u32);
            }
        }
        let first = out.get(start).copied().unwrap_or(0);
        out.resize(start + k, first);
    }
    out
}

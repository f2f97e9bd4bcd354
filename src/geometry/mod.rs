//! Geometry kernels: normalisation, sampling, neighbour queries, normals and
//! label transfer. Points are `[f32; 3]` slices throughout (N x 3, points-major).
//!
//! Neighbour queries run on a [`PointTree`] (a kiddo KD-tree) that can be built
//! once and shared between threads; every query keeps the tie rules of the
//! obvious linear scan (lower index first), so results do not depend on the
//! tree's internals. Large batches of queries are split over rayon.

pub mod ball_query;
mod batch;
pub mod eigen;
pub mod fps;
pub mod knn;
pub mod label_transfer;
pub mod normalize;
pub mod normals;
pub(crate) mod simd;
pub mod three_nn_scan;
pub mod tree;

pub use ball_query::{ball_query, ball_query_with_tree};
pub use fps::farthest_point_sample;
pub use knn::{
    knn, knn_into, knn_with_tree, three_nn_weights, three_nn_weights_into,
    three_nn_weights_with_tree,
};
pub use label_transfer::{transfer_labels_idw, transfer_labels_nearest, transfer_logits_idw};
pub use normalize::{normalize_unit_sphere, Normalization};
pub use normals::{
    estimate_normals, estimate_normals_at, estimate_normals_with_tree, DEFAULT_NORMAL_K,
};
pub use tree::PointTree;

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

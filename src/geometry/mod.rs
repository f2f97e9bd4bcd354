//! Geometry kernels: normalisation, sampling, neighbour queries, normals and
//! label transfer. Points are `[f32; 3]` slices throughout (N x 3, points-major).

pub mod ball_query;
pub mod fps;
pub mod knn;
pub mod normalize;

pub use ball_query::ball_query;
pub use fps::farthest_point_sample;
pub use knn::{knn, three_nn_weights};
pub use normalize::{normalize_unit_sphere, Normalization};

/// Squared Euclidean distance between two points.
#[inline]
pub fn dist2(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

//! Geometry kernels: normalisation, sampling, neighbour queries, normals and
//! label transfer. Points are `[f32; 3]` slices throughout (N x 3, points-major).
//!
//! Neighbour queries run on a [`PointTree`] (a kiddo KD-tree) that can be built
//! once and shared between threads; every query keeps the tie rules of the
//! obvious linear scan (lower index first), so results do not depend on the
//! tree's internals. Large batches of queries are split over rayon.
//!
//! Files, each one concept; they depend on each other in one direction
//! (`distance` and `leaf_order` at the bottom, the kernels on top):
//!
//! - `distance`: [`dist2`] and the `(dist2, index)` tie rule;
//! - `leaf_order`: a spatially coherent order of a point set;
//! - [`tree`]: [`PointTree`] and its one-point queries;
//! - `knn_batch`: exact k-nearest search for many queries at once;
//! - `leaf_scan`: a tree-less AVX-512 3-NN of many queries against a small
//!   set (the label transfer's votes);
//! - [`knn`]: k nearest neighbours; [`three_nn`]: the PointNet++ 3-NN weights;
//! - [`ball_query`], [`fps`], [`normals`] (with [`eigen`]),
//!   [`label_transfer`], [`normalize`];
//! - [`reference`]: the slow, obviously-correct definitions the fast kernels
//!   are tested against;
//! - `simd`: run-time CPU feature tokens for the SIMD variants.

pub mod ball_query;
mod distance;
pub mod eigen;
pub mod fps;
pub mod knn;
mod knn_batch;
pub mod label_transfer;
mod leaf_order;
mod leaf_scan;
pub mod normalize;
pub mod normals;
pub mod reference;
pub(crate) mod simd;
pub mod three_nn;
pub mod tree;

pub use ball_query::{ball_query, ball_query_with_tree};
pub use distance::dist2;
pub use fps::farthest_point_sample;
pub use knn::{knn, knn_into, knn_with_tree};
pub use label_transfer::{
    transfer_labels_idw, transfer_labels_idw_sum, transfer_labels_nearest, transfer_logits_idw,
};
pub use normalize::{normalize_cloud, normalize_unit_sphere, Normalization};
pub use normals::{
    estimate_normals, estimate_normals_at, estimate_normals_with_tree, DEFAULT_NORMAL_K,
};
pub use three_nn::{three_nn_weights, three_nn_weights_into, three_nn_weights_with_tree};
pub use tree::PointTree;

//! pcseg: part segmentation of 3D point clouds on the CPU.
//!
//! PointNet++ single-scale-grouping part segmentation whose feature layers are
//! MobileNetV2 inverted-residual bottlenecks, with KD-tree neighbour search,
//! ShapeNetPart-compatible I/O, a procedural labelled-data generator, the
//! standard mIoU evaluation and training with hand-written backward passes.
//!
//! Layout: [`io`] (formats), [`geometry`] (sampling, neighbours, normals),
//! [`model`] (layers, network, weights), [`train`], [`eval`], [`synth`],
//! [`render`], [`cli`] (the commands behind the `pcseg` binary).
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod categories;
pub mod cli;
pub mod cloud;
pub mod error;
pub mod eval;
pub mod geometry;
pub mod io;
pub mod model;
pub mod predict;
pub mod render;
pub mod rng;
pub mod synth;
pub mod train;

pub use cloud::PointCloud;
pub use error::{Error, Result};

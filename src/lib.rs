//! pcseg: part segmentation of 3D point clouds on the CPU.
//!
//! PointNet++ single-scale-grouping part segmentation whose feature layers are
//! MobileNetV2 inverted-residual bottlenecks, with KD-tree neighbour search,
//! ShapeNetPart-compatible I/O, a procedural labelled-data generator, the
//! standard mIoU evaluation and training with hand-written backward passes.
//!
//! Layers point one way, down; a module uses only modules of its own layer
//! or below (`scripts/check_layers.py` checks it, and that no two files import each other in a cycle, in CI):
//!
//! ```text
//!   cli                the pcseg binary (src/main.rs, src/cli/), not the library
//!    |
//!   train              training, self-training, checkpoints
//!    |
//!   eval               the ShapeNetPart mIoU protocol
//!    |
//!   predict  synth     from a cloud to labels; procedural labelled shapes
//!    |        |
//!   model    render    layers, network, weights; pictures
//!    |        |
//!   io     geometry    formats; sampling, neighbours, normals
//!    |        |
//!   categories  cloud  error  rng      shared vocabulary
//! ```
//!
//! [`io`] (formats), [`geometry`] (sampling, neighbours, normals), [`synth`]
//! (procedural labelled shapes), [`model`] (layers, network, weights),
//! [`predict`] (inference), [`eval`] (the mIoU protocol), [`train`],
//! [`render`]. The command-line interface is not part of the library: it
//! lives in the binary (`src/main.rs`, `src/cli/`).
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod categories;
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

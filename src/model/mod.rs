//! The segmentation network: PointNet++ SSG part segmentation whose feature
//! layers are MobileNetV2 inverted-residual bottlenecks (the README and
//! MODEL_CARD describe the design and its budget), on ndarray + rayon, with
//! hand-written backward passes.
//!
//! - [`config`]: the architecture ([`ModelConfig`], default `ssg-mbv2`).
//! - [`layers`]: one layer per file, forward and backward side by side.
//! - [`bottleneck`], [`set_abstraction`], [`feature_propagation`],
//!   [`linear_bn`], [`classifier`]: the blocks built from them; [`plan`]:
//!   sampling and neighbour indices.
//! - [`network`]: the network in one place: layer structure ([`network::Arch`]),
//!   forward, the [`network::Activations`] a training forward keeps, and the
//!   network-level backward.
//! - [`inference`]: [`Network`], inference (BN folded, batched over clouds,
//!   encode/decode split for `--category auto`).
//! - [`trainable`]: [`Model`], training (`forward_train`, `backward`,
//!   [`Params`] store).
//! - [`average`]: weight averaging of several models (e.g. a run's last
//!   epochs).
//! - [`precision`]: f32 or bf16 products ([`Precision`]; bf16 runs on AMX
//!   tiles through `amx`).
//! - [`weights`]: model files; [`safetensors`]: the safetensors reader and
//!   writer behind model files and checkpoints; [`cost`]: parameters and FLOPs.
//!
//! # Adding a layer type
//!
//! 1. Its own file (under `layers/` for a primitive, here for a block):
//!    struct, `new` (registers its tensors in [`Params`]), forward, backward
//!    (accumulating `+=`) and its cache; for a stage of the network also
//!    `impl` [`unit::Unit`] (init, fold, BatchNorms, FLOPs, its `pcseg info`
//!    line). Declare it in this file (or `layers/mod.rs`).
//! 2. [`network`]: a field of [`network::Arch`] built in `Arch::build`, an
//!    entry in `Arch::stages` (the one walk behind init, folding, BatchNorm
//!    statistics, cost and `pcseg info`), its call in `encode` / `decode`,
//!    what its backward reads in [`network::Activations`] (plus
//!    `Activations::bn_caches` if it has a BatchNorm), and its call in
//!    `Arch::backward`.
//!
//! Nothing else: model files, checkpoints, FLOP counts and `pcseg info`
//! follow from the tensors it registers and the walk.

pub mod alloc;
pub(crate) mod amx;
pub mod average;
pub mod bottleneck;
pub mod classifier;
pub mod config;
pub mod cost;
pub mod exec;
pub mod feature_propagation;
pub(crate) mod gemm;
pub mod head;
pub mod inference;
pub mod layers;
pub mod linear_bn;
pub mod loss;
pub mod network;
pub mod params;
pub mod plan;
pub mod precision;
pub mod safetensors;
pub mod set_abstraction;
pub mod timing;
pub mod trainable;
pub mod unit;
pub mod weights;

pub use config::{GlobalConfig, ModelConfig, SaLevelConfig};
pub use inference::{CloudInput, Encoded, Network};
pub use loss::predict_parts;
pub use params::{Params, TensorId, TensorKind};
pub use precision::Precision;
pub use timing::StageTimer;
pub use trainable::{Model, TrainCache, TrainCloud, TrainStep};
pub use weights::describe;

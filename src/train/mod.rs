//! Training: optimiser, learning-rate schedule, gradient clipping, data
//! sources with augmentation, and the epoch loop with checkpoints.
//!
//! The per-layer backward passes and the whole-network training forward live
//! in [`crate::model`]; this module drives them.

pub mod augment;
pub mod bits;
pub mod checkpoint;
pub mod clip;
pub mod data;
pub mod data_spec;
pub mod log;
pub mod optim;
pub mod options;
pub mod pseudo_label;
pub mod pseudo_source;
pub mod run_state;
pub mod schedule;
pub mod synthetic;
pub mod trainer;

//! Training: optimiser, learning-rate schedule, gradient clipping, data
//! sources with augmentation, and the epoch loop with checkpoints.

pub mod sample;

//! The network's layers. One layer = one file = one struct, with its forward
//! and backward next to each other (llm.c naming: `inp`/`out` in forward,
//! `dout`/`dinp`/`dweight` in backward; backward ACCUMULATES into gradients
//! with `+=`, callers zero them).
//!
//! Layout: points-major rows. A batch of B clouds is stacked into one
//! `[R, C]` matrix (R = sum of the clouds' point counts at that level), so
//! pointwise layers and BatchNorm see every point of every cloud at once and
//! neighbour indices are row indices into the stacked matrix.
//!
//! Parallelism ([`Par::Rayon`]): rows are cut into fixed chunks of
//! [`ROW_CHUNK`] rows, independent of the thread count, and reductions over
//! rows are summed chunk by chunk in chunk order, so results are identical
//! for any number of threads. Scatter-style backwards (neighbour max, 3-NN)
//! split the CHANNEL axis instead, so every task owns disjoint columns.

pub mod batch_norm;
pub mod category_bias;
pub mod concat;
pub mod dropout;
pub mod interpolate;
pub mod linear;
pub mod neighbour_max;
pub mod neighbour_max_keys;
pub mod relu6;
pub mod residual;

pub use batch_norm::{BatchNorm1d, BnCache};
pub use category_bias::CategoryBias;
pub use concat::Concat;
pub use dropout::Dropout;
pub use interpolate::ThreeNnInterpolate;
pub(crate) use linear::ColumnBlock;
pub use linear::Linear;
pub use neighbour_max::NeighbourMax;
pub use relu6::Relu6;
pub use residual::Residual;

/// Whether a layer may split its work across the rayon pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Par {
    /// Run on the calling thread (inference runs clouds in parallel instead).
    Serial,
    /// Split rows / channels across the current rayon pool.
    Rayon,
}

/// Rows per parallel work item. Fixed, so results do not depend on the
/// number of threads.
pub const ROW_CHUNK: usize = 512;

/// Channels per parallel work item in channel-split backwards (a multiple of
/// 16 floats = one cache line, so tasks do not share lines).
pub const CHANNEL_CHUNK: usize = 16;

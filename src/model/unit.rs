//! What each part of the architecture tells the walks over it.
//!
//! [`super::network::Arch::stages`] lists the network's stages in forward
//! order, each with a [`Unit`]: one walk that serves initialisation, BatchNorm
//! folding, the BatchNorm running-statistic updates, the FLOP count
//! ([`super::cost`]) and the architecture lines of `pcseg info`
//! ([`super::weights::describe`]). The forward and backward stay explicit
//! code in [`super::network`].

use super::layers::BatchNorm1d;
use super::params::Params;
use crate::rng::Rng;

/// Rows per cloud a stage sees in a forward of a cloud of N points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows {
    /// Input rows (points of the input level).
    pub inp: usize,
    /// Output rows (points of the output level, or centres).
    pub out: usize,
}

/// One part of the architecture, seen by the walks.
pub trait Unit {
    /// Initialise the learnable tensors in `p`, drawing from `rng` in a fixed
    /// order (the order of the whole walk fixes the initial weights).
    fn init(&self, p: &mut Params, rng: &mut Rng);
    /// Fold each BatchNorm that follows a linear layer into that layer's
    /// weights in `p` (inference form; aggregation BNs stay).
    fn fold(&self, p: &mut Params);
    /// The BatchNorm layers, in forward order.
    fn batch_norms(&self) -> Vec<&BatchNorm1d>;
    /// FLOPs of one inference forward (BN folded), 2 per multiply-add.
    fn flops(&self, rows: Rows) -> u64;
    /// Its widths and settings, one line for `pcseg info`.
    fn shape(&self) -> String;
}

/// FLOPs of a linear layer on `r` rows: gemm and bias.
pub fn linear_flops(r: usize, cin: usize, cout: usize) -> u64 {
    (2 * r * cin * cout + r * cout) as u64
}

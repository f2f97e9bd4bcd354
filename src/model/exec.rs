//! How a forward pass runs: which parameters, which BatchNorm statistics,
//! whether layers may use the rayon pool, and whether to keep caches.

use super::gemm::PanelCache;
use super::layers::Par;
use super::params::Params;

/// Which statistics BatchNorm layers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BnMode {
    /// Batch statistics (training); caches are kept for backward.
    Batch,
    /// Running statistics, BN applied as its own step (evaluation of an
    /// unfolded model).
    Running,
    /// BN already folded into the linear layers (inference network); the
    /// aggregation BN, which has no linear before it, uses running statistics.
    Folded,
}

/// Context threaded through every forward function.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Parameter values.
    pub p: &'a Params,
    /// BatchNorm handling.
    pub bn: BnMode,
    /// May layers split work across threads.
    pub par: Par,
    /// Packed weight panels kept across forwards (inference networks, whose
    /// parameters never change); `None` packs them per call.
    pub(crate) panels: Option<&'a PanelCache>,
}

impl Ctx<'_> {
    /// Whether this forward keeps caches for a backward pass.
    pub fn train(&self) -> bool {
        self.bn == BnMode::Batch
    }
}

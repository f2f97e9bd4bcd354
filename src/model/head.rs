//! The segmentation head after FP1: linear + BN + ReLU6, dropout (training
//! only), then the last linear layer to the part logits:
//!
//! `logits = dropout(ReLU6(BN(f1 W_h^T + b_h))) W_o^T + b_o`, `[R, P]`.
//!
//! Its forward and backward are written out in [`super::network`].

use super::layers::{BatchNorm1d, Dropout, Linear};
use super::linear_bn::LinearBn;
use super::params::Params;
use super::unit::{linear_flops, Rows, Unit};
use crate::rng::Rng;

/// The head.
#[derive(Debug, Clone)]
pub struct Head {
    /// `F1 -> H` with BatchNorm, then ReLU6.
    pub hidden: LinearBn,
    /// Dropout before the last layer.
    pub dropout: Dropout,
    /// Last layer `H -> P` logits.
    pub out: Linear,
}

impl Head {
    /// Register `head.*` and `out.*` (the tensor names of model files).
    pub fn new(
        p: &mut Params,
        cin: usize,
        width: usize,
        parts: usize,
        dropout: f32,
        bn: (f32, f32),
    ) -> Self {
        Head {
            hidden: LinearBn::new(p, "head", cin, width, Some(bn)),
            dropout: Dropout { p: dropout },
            out: Linear::new(p, "out", width, parts),
        }
    }
}

impl Unit for Head {
    fn init(&self, p: &mut Params, rng: &mut Rng) {
        self.hidden.linear.init(p, rng);
        self.out.init(p, rng);
    }

    fn fold(&self, p: &mut Params) {
        self.hidden.fold(p);
    }

    fn batch_norms(&self) -> Vec<&BatchNorm1d> {
        self.hidden.norm.iter().collect()
    }

    fn flops(&self, rows: Rows) -> u64 {
        let (r, h) = (rows.out, self.hidden.linear.cout);
        linear_flops(r, self.hidden.linear.cin, h)
            + (r * h) as u64
            + linear_flops(r, h, self.out.cout)
    }

    fn shape(&self) -> String {
        format!(
            "{} -> {} -> {} (dropout {})",
            self.hidden.linear.cin, self.hidden.linear.cout, self.out.cout, self.dropout.p
        )
    }
}

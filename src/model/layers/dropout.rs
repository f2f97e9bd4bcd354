//! Inverted dropout (training only): `out = inp * mask`, with
//! `mask = 1 / (1 - p)` with probability `1 - p` and 0 otherwise, drawn per
//! element. Each cloud draws its mask from its own generator, so masks do not
//! depend on how clouds are spread over threads. At inference the layer is
//! the identity and is skipped.
//!
//! Backward: `dinp += dout * mask`.

use crate::rng::Rng;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Zip};
use rayon::prelude::*;

/// Dropout with probability `p`.
#[derive(Debug, Clone, Copy)]
pub struct Dropout {
    /// Probability of zeroing an element, in `[0, 1)`.
    pub p: f32,
}

impl Dropout {
    /// Apply in place to `x [R, C]`; rows `offsets[b]..offsets[b+1]` use
    /// `rngs[b]`. Returns the mask (`[R, C]`, 0 or `1 / (1 - p)`).
    pub fn forward(
        &self,
        x: ArrayViewMut2<f32>,
        offsets: &[usize],
        rngs: &mut [Rng],
    ) -> Array2<f32> {
        let mut x = x;
        let keep = 1.0 / (1.0 - self.p);
        let c = x.ncols();
        let mut mask = Array2::<f32>::zeros(x.raw_dim());
        // Each cloud draws from its own generator in row order, so clouds
        // run in parallel with the same masks as a sequential loop.
        let mut parts: Vec<&mut [f32]> = Vec::with_capacity(rngs.len());
        let mut rest = mask.as_slice_mut().expect("standard layout");
        for b in 0..rngs.len() {
            let (head, tail) = rest.split_at_mut((offsets[b + 1] - offsets[b]) * c);
            parts.push(head);
            rest = tail;
        }
        let p = self.p;
        parts
            .into_par_iter()
            .zip(rngs.par_iter_mut())
            .for_each(|(m, rng)| {
                for v in m.iter_mut() {
                    *v = if rng.chance(p) { 0.0 } else { keep };
                }
            });
        x *= &mask;
        mask
    }

    /// `dinp += dout * mask`.
    pub fn backward(&self, mask: ArrayView2<f32>, dout: ArrayView2<f32>, dinp: ArrayViewMut2<f32>) {
        Zip::from(dinp)
            .and(mask)
            .and(dout)
            .for_each(|di, &m, &d| *di += d * m);
    }
}

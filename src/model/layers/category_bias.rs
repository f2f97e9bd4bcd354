//! The category one-hot of FP1, as a per-category bias row.
//!
//! Concatenating the 16-way one-hot `e_cat` to every point and multiplying by
//! a weight block `W_cat [Cout, 16]` adds `W_cat[:, cat]` to every point of
//! that cloud, so the layer stores `table = W_cat^T` as `[16, Cout]` and adds
//! a row: `out[r] += table[cat(r)]`. Exact, and 16x cheaper than the concat.
//!
//! Backward: `dtable[cat] += sum over the rows of that cloud of dout[r]`.

use crate::model::params::{Params, TensorId, TensorKind};
use crate::rng::Rng;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Per-category bias added to every row of a cloud.
#[derive(Debug, Clone)]
pub struct CategoryBias {
    /// `[num_categories, C]`.
    pub table: TensorId,
    /// Channels C.
    pub channels: usize,
    /// Number of categories (rows of the table).
    pub categories: usize,
}

impl CategoryBias {
    /// Register `{name}.weight` `[num_categories, C]` (zeros).
    pub fn new(params: &mut Params, name: &str, num_categories: usize, channels: usize) -> Self {
        let table = params.add(
            &format!("{name}.weight"),
            TensorKind::Param,
            Params::dyn_zeros(&[num_categories, channels]),
        );
        CategoryBias {
            table,
            channels,
            categories: num_categories,
        }
    }

    /// Init as the one-hot block of a Kaiming-initialised linear layer with
    /// `fan_in` inputs.
    pub fn init(&self, params: &mut Params, rng: &mut Rng, fan_in: usize) {
        let std = (2.0 / fan_in as f32).sqrt();
        params
            .get_mut(self.table)
            .mapv_inplace(|_| rng.normal() * std);
    }

    /// `x[r] += table[cats[b]]` for rows `offsets[b]..offsets[b+1]` of cloud b.
    pub fn forward(&self, p: &Params, x: ArrayViewMut2<f32>, offsets: &[usize], cats: &[usize]) {
        let t = p.view2(self.table);
        let mut x = x;
        for (b, &cat) in cats.iter().enumerate() {
            for r in offsets[b]..offsets[b + 1] {
                let mut row = x.row_mut(r);
                row += &t.row(cat);
            }
        }
    }

    /// `dtable[cats[b]] += sum_{r in cloud b} dout[r]`.
    pub fn backward(
        &self,
        grads: &mut Params,
        dout: ArrayView2<f32>,
        offsets: &[usize],
        cats: &[usize],
    ) {
        let mut dt = grads.view2_mut(self.table);
        for (b, &cat) in cats.iter().enumerate() {
            let mut acc = vec![0f32; self.channels];
            for r in offsets[b]..offsets[b + 1] {
                for (a, v) in acc.iter_mut().zip(dout.row(r)) {
                    *a += v;
                }
            }
            for (d, a) in dt.row_mut(cat).iter_mut().zip(acc) {
                *d += a;
            }
        }
    }
}

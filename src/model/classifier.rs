//! The category classifier: a small head on the global feature that names the
//! shape's category, so `--category auto` costs one forward instead of one
//! decode per category.
//!
//! ```text
//! g [B, Cg] --linear+BN--> ReLU6 [B, W] --linear--> category logits [B, 16]
//! ```
//!
//! It is trained jointly with the part loss: the training objective is
//! `part loss + CATEGORY_LOSS_WEIGHT * mean_b CE(logits_b, cat_b)`, and its
//! gradient reaches the backbone through `g`.
//!
//! Category cross-entropy over logits `z [16]` of a cloud of category `c`:
//! `loss = log sum_k exp(z_k) - z_c`; backward
//! `dz_k = weight * (softmax(z)_k - [k == c]) / B`.

use super::exec::Ctx;
use super::layers::{BatchNorm1d, BnCache, Linear, Par, Relu6};
use super::linear_bn::LinearBn;
use super::params::Params;
use super::unit::{linear_flops, Rows, Unit};
use crate::rng::Rng;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// Weight of the category loss in the training objective.
pub const CATEGORY_LOSS_WEIGHT: f32 = 0.5;

/// The classification head on the global feature.
#[derive(Debug, Clone)]
pub struct Classifier {
    /// `Cg -> W` with BatchNorm, then ReLU6.
    pub hidden: LinearBn,
    /// `W -> num_categories` logits.
    pub out: Linear,
}

/// What the classifier's backward needs from a training forward.
#[derive(Debug, Clone)]
pub struct ClassifierCache {
    /// BN cache of the hidden layer.
    pub bn: BnCache,
    /// Hidden activations after ReLU6 `[B, W]`.
    pub h: Array2<f32>,
}

impl Classifier {
    /// Register `{name}.hidden.*` and `{name}.out.*`.
    pub fn new(
        p: &mut Params,
        name: &str,
        global_width: usize,
        width: usize,
        num_categories: usize,
        bn: (f32, f32),
    ) -> Self {
        Classifier {
            hidden: LinearBn::new(p, &format!("{name}.hidden"), global_width, width, Some(bn)),
            out: Linear::new(p, &format!("{name}.out"), width, num_categories),
        }
    }

    /// Category logits `[B, num_categories]` of global features `g [B, Cg]`;
    /// the cache is kept in training mode.
    pub fn forward(&self, ctx: &Ctx, g: ArrayView2<f32>) -> (Array2<f32>, Option<ClassifierCache>) {
        let (mut h, bn) = self.hidden.forward(ctx, g);
        Relu6.forward(h.view_mut());
        let logits = self
            .out
            .forward_cached(ctx.p, ctx.panels, h.view(), Par::Serial);
        (logits, bn.map(|bn| ClassifierCache { bn, h }))
    }

    /// `dg += d loss / d g` and parameter gradients `+=`, from `dlogits`.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        p: &Params,
        grads: &mut Params,
        g: ArrayView2<f32>,
        cache: &ClassifierCache,
        dlogits: ArrayView2<f32>,
        dg: ArrayViewMut2<f32>,
    ) {
        let mut dh = Array2::zeros(cache.h.raw_dim());
        self.out.backward(
            p,
            grads,
            cache.h.view(),
            dlogits,
            Some(dh.view_mut()),
            Par::Serial,
        );
        let mut dpre = Array2::zeros(dh.raw_dim());
        Relu6.backward(cache.h.view(), dh.view(), dpre.view_mut());
        self.hidden
            .backward(p, grads, g, &cache.bn, dpre.view(), Some(dg), Par::Serial);
    }
}

impl Unit for Classifier {
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
        let (r, w) = (rows.out, self.hidden.linear.cout);
        linear_flops(r, self.hidden.linear.cin, w)
            + (r * w) as u64
            + linear_flops(r, w, self.out.cout)
    }

    fn shape(&self) -> String {
        format!(
            "global {} -> {} -> {} categories",
            self.hidden.linear.cin, self.hidden.linear.cout, self.out.cout
        )
    }
}

/// Softmax of one row of logits.
pub fn softmax(z: &[f32]) -> Vec<f32> {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f64> = z.iter().map(|&v| ((v - max) as f64).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|&v| (v / sum) as f32).collect()
}

/// Index of the largest value (the first one on ties).
pub fn argmax(z: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in z.iter().enumerate() {
        if v > z[best] {
            best = i;
        }
    }
    best
}

/// What the classifier should answer for one training cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryTarget {
    /// This category (one-hot target).
    Is(usize),
    /// Nothing with confidence: a cloud turned out of the model's frame,
    /// whose target is the uniform distribution (`--turn`), so that the
    /// classifier's confidence tells upright clouds from turned ones.
    Unsure,
}

impl CategoryTarget {
    /// The target probability of class `k` of `num`.
    fn probability(self, k: usize, num: usize) -> f32 {
        match self {
            CategoryTarget::Is(c) => f32::from(u8::from(k == c)),
            CategoryTarget::Unsure => 1.0 / num as f32,
        }
    }
}

/// Mean category cross-entropy over the B rows of `logits` (f64) and the
/// number of rows whose argmax is their category (rows with an
/// [`CategoryTarget::Unsure`] target never count as right).
pub fn category_cross_entropy(logits: ArrayView2<f32>, targets: &[CategoryTarget]) -> (f64, usize) {
    let mut total = 0f64;
    let mut correct = 0;
    for (row, &t) in logits.rows().into_iter().zip(targets) {
        let z = row.to_vec();
        let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        let lse = max + z.iter().map(|&v| (v as f64 - max).exp()).sum::<f64>().ln();
        // CE = lse - sum_k q_k z_k for a target distribution q.
        let expected: f64 = z
            .iter()
            .enumerate()
            .map(|(k, &v)| t.probability(k, z.len()) as f64 * v as f64)
            .sum();
        total += lse - expected;
        correct += usize::from(t == CategoryTarget::Is(argmax(&z)));
    }
    (total / targets.len().max(1) as f64, correct)
}

/// `dlogits += weight * (softmax - target) / B`.
pub fn category_cross_entropy_backward(
    logits: ArrayView2<f32>,
    targets: &[CategoryTarget],
    weight: f32,
    mut dlogits: ArrayViewMut2<f32>,
) {
    let scale = weight / targets.len().max(1) as f32;
    for ((row, mut drow), &t) in logits
        .rows()
        .into_iter()
        .zip(dlogits.rows_mut())
        .zip(targets)
    {
        let s = softmax(&row.to_vec());
        let num = s.len();
        for (k, (d, p)) in drow.iter_mut().zip(s).enumerate() {
            *d += scale * (p - t.probability(k, num));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr2;

    #[test]
    fn cross_entropy_matches_hand_computed_values() {
        // Row 0: uniform over 2 classes, label 0 -> ln 2. Row 1: z = (0, ln 3),
        // label 1 -> log(1 + 3) - ln 3 = ln(4/3).
        let z = arr2(&[[1.0f32, 1.0], [0.0, 3f32.ln()]]);
        let (loss, correct) =
            category_cross_entropy(z.view(), &[CategoryTarget::Is(0), CategoryTarget::Is(1)]);
        let want = (2f64.ln() + (4.0f64 / 3.0).ln()) / 2.0;
        assert!((loss - want).abs() < 1e-6, "{loss} vs {want}");
        // Row 0 is a tie (argmax picks 0 = label); row 1 picks 1.
        assert_eq!(correct, 2);
    }

    #[test]
    fn backward_matches_finite_differences() {
        // The second row's target is uniform (a turned cloud).
        let z = arr2(&[[0.3f32, -1.2, 2.0], [1.5, 0.1, -0.4]]);
        let cats = [CategoryTarget::Is(2), CategoryTarget::Unsure];
        let mut d = Array2::zeros(z.raw_dim());
        category_cross_entropy_backward(z.view(), &cats, 0.7, d.view_mut());
        let h = 1e-3f32;
        for r in 0..2 {
            for k in 0..3 {
                let mut zp = z.clone();
                zp[[r, k]] += h;
                let mut zm = z.clone();
                zm[[r, k]] -= h;
                let fd = 0.7
                    * (category_cross_entropy(zp.view(), &cats).0
                        - category_cross_entropy(zm.view(), &cats).0)
                    / (2.0 * h as f64);
                assert!(
                    (fd - d[[r, k]] as f64).abs() < 1e-4,
                    "[{r},{k}] fd {fd} vs {}",
                    d[[r, k]]
                );
            }
        }
    }

    #[test]
    fn an_unsure_target_is_the_cross_entropy_to_the_uniform_distribution() {
        // z = (0, ln 3): softmax (1/4, 3/4); CE to (1/2, 1/2) is
        // ln 4 - (ln 3) / 2, smallest (ln 2) at equal logits.
        let z = arr2(&[[0.0f32, 3f32.ln()], [0.7, 0.7]]);
        let t = [CategoryTarget::Unsure, CategoryTarget::Unsure];
        let (loss, correct) = category_cross_entropy(z.view(), &t);
        let want = ((4f64.ln() - 3f64.ln() / 2.0) + 2f64.ln()) / 2.0;
        assert!((loss - want).abs() < 1e-6, "{loss} vs {want}");
        assert_eq!(correct, 0);
        // Gradient (p - 1/2) / B: (-1/8, 1/8) and 0 for the balanced row.
        let mut d = Array2::zeros(z.raw_dim());
        category_cross_entropy_backward(z.view(), &t, 1.0, d.view_mut());
        assert!((d[[0, 0]] + 0.125).abs() < 1e-6 && (d[[0, 1]] - 0.125).abs() < 1e-6);
        assert!(d[[1, 0]].abs() < 1e-7 && d[[1, 1]].abs() < 1e-7);
    }

    #[test]
    fn softmax_sums_to_one_and_is_stable() {
        let s = softmax(&[1000.0, 1000.0, -1000.0]);
        assert!((s[0] - 0.5).abs() < 1e-6 && (s[1] - 0.5).abs() < 1e-6 && s[2] == 0.0);
        assert_eq!(argmax(&[0.1, 0.5, 0.5]), 1);
    }
}

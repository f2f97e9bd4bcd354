//! Softmax cross-entropy restricted to the parts of each shape's category,
//! and the matching prediction rule.
//!
//! For a point of a cloud of category `cat` with parts `a..b` (global ids) and
//! label `y` in `a..b`, over logits `z [P]`:
//! `loss = log sum_{p in a..b} exp(z_p) - z_y`; the batch loss is the mean
//! over the R labelled points. Points labelled [`UNLABELLED`] (parts of
//! pseudo-labelled shapes the labeller was not sure about) add no loss and
//! get no gradient. Logits of other categories' parts get no gradient.
//!
//! Backward: `dlogits[r, p] += (softmax_{a..b}(z)_p - [p == y]) / R` for
//! `p in a..b` and labelled rows `r`.

use crate::categories::CATEGORIES;
use crate::error::{Error, Result};
use ndarray::{ArrayView2, ArrayViewMut2};

/// The label of a point that takes no part in the loss: it is seen by the
/// network (it shapes its neighbours' features) but not scored.
pub const UNLABELLED: u32 = u32::MAX;

/// Number of labelled rows (at least 1, the divisor of the mean).
fn labelled_rows(labels: &[u32]) -> usize {
    labels.iter().filter(|&&l| l != UNLABELLED).count().max(1)
}

/// Check that every label belongs to its cloud's category.
pub(crate) fn check_labels(labels: &[u32], offsets: &[usize], cats: &[usize]) -> Result<()> {
    for (b, &cat) in cats.iter().enumerate() {
        let c = CATEGORIES
            .get(cat)
            .ok_or_else(|| Error::internal(format!("category index {cat} out of range")))?;
        let rows = offsets[b]..offsets[b + 1];
        for (r, &label) in rows.clone().zip(&labels[rows]) {
            if label != UNLABELLED && !c.owns_part(label as usize) {
                return Err(Error::usage(format!(
                    "cloud {b}: point {}: label {} is not a part of {} ({:?})",
                    r - offsets[b],
                    label,
                    c.name,
                    c.part_range()
                )));
            }
        }
    }
    Ok(())
}

/// Mean loss over the labelled rows of `logits [R, P]` (accumulated in f64)
/// and the number of rows whose restricted argmax equals the label.
pub fn part_cross_entropy(
    logits: ArrayView2<f32>,
    labels: &[u32],
    offsets: &[usize],
    cats: &[usize],
) -> Result<(f64, usize)> {
    check_labels(labels, offsets, cats)?;
    let mut total = 0f64;
    let mut correct = 0;
    for (b, &cat) in cats.iter().enumerate() {
        let range = CATEGORIES[cat].part_range();
        let rows = offsets[b]..offsets[b + 1];
        for (r, &label) in rows.clone().zip(&labels[rows]) {
            if label == UNLABELLED {
                continue;
            }
            let row = logits.row(r);
            let z: Vec<f64> = range.clone().map(|p| row[p] as f64).collect();
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            let y = label as usize - range.start;
            total += lse - z[y];
            if argmax(&z) == y {
                correct += 1;
            }
        }
    }
    Ok((total / labelled_rows(labels) as f64, correct))
}

/// `dlogits += d(mean loss)/d(logits)` (see the module doc).
pub fn part_cross_entropy_backward(
    logits: ArrayView2<f32>,
    labels: &[u32],
    offsets: &[usize],
    cats: &[usize],
    dlogits: ArrayViewMut2<f32>,
) {
    let mut dlogits = dlogits;
    let inv_r = 1.0 / labelled_rows(labels) as f64;
    for (b, &cat) in cats.iter().enumerate() {
        let range = CATEGORIES[cat].part_range();
        let rows = offsets[b]..offsets[b + 1];
        for (r, &label) in rows.clone().zip(&labels[rows]) {
            if label == UNLABELLED {
                continue;
            }
            let row = logits.row(r);
            let z: Vec<f64> = range.clone().map(|p| row[p] as f64).collect();
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
            let s: f64 = e.iter().sum();
            let y = label as usize - range.start;
            let mut drow = dlogits.row_mut(r);
            for (t, p) in range.clone().enumerate() {
                let g = e[t] / s - if t == y { 1.0 } else { 0.0 };
                drow[p] += (g * inv_r) as f32;
            }
        }
    }
}

fn argmax(z: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in z.iter().enumerate() {
        if *v > z[best] {
            best = i;
        }
    }
    best
}

/// Predicted global part id per point: the argmax of `logits [N, P]` over the
/// parts of `category` (first maximum on ties).
pub fn predict_parts(logits: ArrayView2<f32>, category: usize) -> Vec<u32> {
    let range = CATEGORIES[category].part_range();
    logits
        .rows()
        .into_iter()
        .map(|row| {
            let mut best = range.start;
            for p in range.clone() {
                if row[p] > row[best] {
                    best = p;
                }
            }
            best as u32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Unlabelled rows change neither the loss nor the other rows' gradient,
    /// and get none themselves: the same as scoring only the labelled rows.
    #[test]
    fn unlabelled_rows_are_left_out_of_loss_and_gradient() {
        let chair = crate::categories::find_category("Chair").unwrap();
        let p = CATEGORIES.iter().map(|c| c.num_parts()).sum::<usize>();
        let mut rng = crate::rng::Rng::new(5);
        let r = 6;
        let logits = Array2::from_shape_fn((r, p), |_| rng.uniform(-2.0, 2.0));
        let first = chair.first_part as u32;
        let labels = [
            first,
            UNLABELLED,
            first + 2,
            UNLABELLED,
            first + 1,
            first + 3,
        ];
        let keep: Vec<usize> = (0..r).filter(|&i| labels[i] != UNLABELLED).collect();
        let sub = logits.select(ndarray::Axis(0), &keep);
        let sub_labels: Vec<u32> = keep.iter().map(|&i| labels[i]).collect();
        let cats = [chair.index];
        let (full, correct) = part_cross_entropy(logits.view(), &labels, &[0, r], &cats).unwrap();
        let (only, correct_only) =
            part_cross_entropy(sub.view(), &sub_labels, &[0, keep.len()], &cats).unwrap();
        assert!((full - only).abs() < 1e-12, "{full} vs {only}");
        assert_eq!(correct, correct_only);

        let mut d = Array2::zeros((r, p));
        part_cross_entropy_backward(logits.view(), &labels, &[0, r], &cats, d.view_mut());
        let mut d_sub = Array2::zeros((keep.len(), p));
        part_cross_entropy_backward(
            sub.view(),
            &sub_labels,
            &[0, keep.len()],
            &cats,
            d_sub.view_mut(),
        );
        for (k, &i) in keep.iter().enumerate() {
            assert_eq!(d.row(i), d_sub.row(k));
        }
        assert!(d.row(1).iter().all(|&g| g == 0.0));
        assert!(d.row(3).iter().all(|&g| g == 0.0));
        // A label of another category is still refused.
        let bad = [first, UNLABELLED, 0, first, first, first];
        assert!(part_cross_entropy(logits.view(), &bad, &[0, r], &cats).is_err());
    }
}

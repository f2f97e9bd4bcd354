//! Softmax cross-entropy restricted to the parts of each shape's category,
//! and the matching prediction rule.
//!
//! For a point of a cloud of category `cat` with parts `a..b` (global ids) and
//! label `y` in `a..b`, over logits `z [P]`:
//! `loss = log sum_{p in a..b} exp(z_p) - z_y`; the batch loss is the mean
//! over all R points. Logits of other categories' parts get no gradient.
//!
//! Backward: `dlogits[r, p] += (softmax_{a..b}(z)_p - [p == y]) / R` for
//! `p in a..b`.

use crate::categories::CATEGORIES;
use crate::error::{Error, Result};
use ndarray::{ArrayView2, ArrayViewMut2};

/// Check that every label belongs to its cloud's category.
pub(crate) fn check_labels(labels: &[u32], offsets: &[usize], cats: &[usize]) -> Result<()> {
    for (b, &cat) in cats.iter().enumerate() {
        let c = CATEGORIES
            .get(cat)
            .ok_or_else(|| Error::usage(format!("category index {cat} out of range")))?;
        let rows = offsets[b]..offsets[b + 1];
        for (r, &label) in rows.clone().zip(&labels[rows]) {
            if !c.owns_part(label as usize) {
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

/// Mean loss over the R rows of `logits [R, P]` (accumulated in f64) and the
/// number of rows whose restricted argmax equals the label.
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
    Ok((total / logits.nrows().max(1) as f64, correct))
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
    let inv_r = 1.0 / logits.nrows().max(1) as f64;
    for (b, &cat) in cats.iter().enumerate() {
        let range = CATEGORIES[cat].part_range();
        let rows = offsets[b]..offsets[b + 1];
        for (r, &label) in rows.clone().zip(&labels[rows]) {
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

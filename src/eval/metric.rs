//! The ShapeNetPart part-segmentation metric, as the PointNet++ reference
//! evaluation computes it.
//!
//! For a shape of category c with parts P(c), predictions restricted to P(c):
//!
//! ```text
//! IoU_p     = |pred = p AND gt = p| / |pred = p OR gt = p|,  = 1 when the union is empty
//! shape mIoU = mean over p in P(c) of IoU_p
//! instance mIoU = mean of shape mIoU over all shapes
//! class mIoU    = mean over categories present of (mean shape mIoU in that category)
//! ```
//!
//! Per-part figures in reports are the mean of IoU_p over the category's
//! shapes, so a category's mIoU is exactly the mean of its part columns.

use crate::categories::{Category, NUM_CATEGORIES};

/// IoU of every part of `category` for one shape. `pred` and `truth` hold
/// global part ids, one per scored point. A predicted id outside the category
/// matches no part (it only enlarges nothing but the truth's union).
///
/// ```
/// use pcseg::categories::find_category;
/// use pcseg::eval::metric::part_ious;
/// let mug = find_category("mug").unwrap(); // parts 36 (handle), 37 (body)
/// let ious = part_ious(mug, &[36, 37, 37, 37], &[36, 36, 37, 37]);
/// assert_eq!(ious, vec![0.5, 2.0 / 3.0]);
/// ```
pub fn part_ious(category: &Category, pred: &[u32], truth: &[u32]) -> Vec<f64> {
    assert_eq!(
        pred.len(),
        truth.len(),
        "prediction and truth lengths differ"
    );
    let k = category.num_parts();
    let mut inter = vec![0usize; k];
    let mut pred_count = vec![0usize; k];
    let mut truth_count = vec![0usize; k];
    let local = |id: u32| {
        let id = id as usize;
        category.owns_part(id).then(|| id - category.first_part)
    };
    for (&p, &t) in pred.iter().zip(truth) {
        let (lp, lt) = (local(p), local(t));
        if let Some(lp) = lp {
            pred_count[lp] += 1;
        }
        if let Some(lt) = lt {
            truth_count[lt] += 1;
        }
        if let (Some(lp), Some(lt)) = (lp, lt) {
            if lp == lt {
                inter[lp] += 1;
            }
        }
    }
    (0..k)
        .map(|p| {
            let union = pred_count[p] + truth_count[p] - inter[p];
            if union == 0 {
                1.0
            } else {
                inter[p] as f64 / union as f64
            }
        })
        .collect()
}

/// Mean of [`part_ious`]: the shape mIoU.
pub fn shape_miou(category: &Category, pred: &[u32], truth: &[u32]) -> f64 {
    let ious = part_ious(category, pred, truth);
    ious.iter().sum::<f64>() / ious.len() as f64
}

/// Running totals for one category.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryTotals {
    /// Shapes scored.
    pub shapes: usize,
    /// Sum of shape mIoU.
    pub miou_sum: f64,
    /// Sum over shapes of each part's IoU (local part order).
    pub part_iou_sums: Vec<f64>,
}

/// Accumulates shapes and yields instance / class mIoU and point accuracy.
/// Order of [`MiouAccumulator::add`] calls does not change the result beyond
/// floating-point summation order.
#[derive(Debug, Clone, PartialEq)]
pub struct MiouAccumulator {
    /// Totals per category index.
    pub categories: Vec<CategoryTotals>,
    /// Points whose prediction equals the truth.
    pub correct_points: usize,
    /// Points scored.
    pub total_points: usize,
}

impl Default for MiouAccumulator {
    fn default() -> Self {
        MiouAccumulator {
            categories: vec![CategoryTotals::default(); NUM_CATEGORIES],
            correct_points: 0,
            total_points: 0,
        }
    }
}

impl MiouAccumulator {
    /// Score one shape. Returns its shape mIoU.
    pub fn add(&mut self, category: &Category, pred: &[u32], truth: &[u32]) -> f64 {
        let ious = part_ious(category, pred, truth);
        let miou = ious.iter().sum::<f64>() / ious.len() as f64;
        let t = &mut self.categories[category.index];
        if t.part_iou_sums.is_empty() {
            t.part_iou_sums = vec![0.0; ious.len()];
        }
        for (s, v) in t.part_iou_sums.iter_mut().zip(&ious) {
            *s += v;
        }
        t.shapes += 1;
        t.miou_sum += miou;
        self.correct_points += pred.iter().zip(truth).filter(|(p, t)| p == t).count();
        self.total_points += pred.len();
        miou
    }

    /// Merge another accumulator (e.g. from another thread) into this one.
    pub fn merge(&mut self, other: &MiouAccumulator) {
        for (a, b) in self.categories.iter_mut().zip(&other.categories) {
            if b.shapes == 0 {
                continue;
            }
            if a.part_iou_sums.is_empty() {
                a.part_iou_sums = vec![0.0; b.part_iou_sums.len()];
            }
            for (x, y) in a.part_iou_sums.iter_mut().zip(&b.part_iou_sums) {
                *x += y;
            }
            a.shapes += b.shapes;
            a.miou_sum += b.miou_sum;
        }
        self.correct_points += other.correct_points;
        self.total_points += other.total_points;
    }

    /// Number of shapes scored.
    pub fn shapes(&self) -> usize {
        self.categories.iter().map(|c| c.shapes).sum()
    }

    /// Mean shape mIoU over all shapes (0..1), `None` when empty.
    pub fn instance_miou(&self) -> Option<f64> {
        let n = self.shapes();
        (n > 0).then(|| self.categories.iter().map(|c| c.miou_sum).sum::<f64>() / n as f64)
    }

    /// Mean shape mIoU of one category (0..1), `None` when it has no shapes.
    pub fn category_miou(&self, index: usize) -> Option<f64> {
        let c = &self.categories[index];
        (c.shapes > 0).then(|| c.miou_sum / c.shapes as f64)
    }

    /// Mean over the categories present of their mean shape mIoU (0..1).
    pub fn class_miou(&self) -> Option<f64> {
        let present: Vec<f64> = (0..NUM_CATEGORIES)
            .filter_map(|i| self.category_miou(i))
            .collect();
        (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
    }

    /// Mean IoU of each part of a category over its shapes (0..1).
    pub fn part_mious(&self, index: usize) -> Option<Vec<f64>> {
        let c = &self.categories[index];
        (c.shapes > 0).then(|| {
            c.part_iou_sums
                .iter()
                .map(|s| s / c.shapes as f64)
                .collect()
        })
    }

    /// Fraction of points predicted correctly (0..1), `None` when empty.
    pub fn accuracy(&self) -> Option<f64> {
        (self.total_points > 0).then(|| self.correct_points as f64 / self.total_points as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::find_category;

    fn cat(name: &str) -> &'static Category {
        find_category(name).unwrap()
    }

    #[test]
    fn perfect_prediction_scores_one() {
        let chair = cat("chair");
        let truth = [12, 13, 14, 14, 15, 13];
        assert_eq!(shape_miou(chair, &truth, &truth), 1.0);
    }

    #[test]
    fn absent_parts_count_as_one_and_spurious_parts_as_zero() {
        let chair = cat("chair"); // back 12, seat 13, leg 14, arm 15
                                  // Truth has no arm; prediction has no arm either: arm IoU = 1.
        let truth = [12, 13, 13, 14];
        let pred = [12, 13, 14, 14];
        // back 1/1, seat 1/2, leg 1/2, arm (empty union) 1.
        let ious = part_ious(chair, &pred, &truth);
        assert_eq!(ious, vec![1.0, 0.5, 0.5, 1.0]);
        assert_eq!(shape_miou(chair, &pred, &truth), 0.75);
        // A part predicted but absent from the truth scores 0.
        let pred = [15, 13, 13, 14];
        assert_eq!(part_ious(chair, &pred, &truth), vec![0.0, 1.0, 1.0, 0.0]);
    }

    #[test]
    fn empty_shape_and_foreign_predictions() {
        let mug = cat("mug");
        // No points: every part union empty -> 1.
        assert_eq!(shape_miou(mug, &[], &[]), 1.0);
        // Predictions outside the category never match.
        assert_eq!(part_ious(mug, &[0, 0], &[36, 37]), vec![0.0, 0.0]);
    }

    #[test]
    fn class_and_instance_means_differ_on_unbalanced_sets() {
        let mut acc = MiouAccumulator::default();
        let table = cat("table");
        let bag = cat("bag");
        // Three perfect tables and one completely wrong bag.
        for _ in 0..3 {
            acc.add(table, &[47, 48, 49], &[47, 48, 49]);
        }
        // bag: truth all body (5); predict all handle (4): handle IoU 0, body IoU 0 -> 0.
        let m = acc.add(bag, &[4, 4], &[5, 5]);
        assert_eq!(m, 0.0);
        assert_eq!(acc.instance_miou(), Some(3.0 / 4.0));
        assert_eq!(acc.class_miou(), Some(0.5));
        assert_eq!(acc.accuracy(), Some(9.0 / 11.0));
        assert_eq!(acc.part_mious(bag.index), Some(vec![0.0, 0.0]));
        assert_eq!(acc.category_miou(0), None);
    }

    #[test]
    fn merge_equals_sequential() {
        let chair = cat("chair");
        let shapes: Vec<(Vec<u32>, Vec<u32>)> = vec![
            (vec![12, 13, 14], vec![12, 13, 13]),
            (vec![14, 14, 15], vec![14, 15, 15]),
            (vec![12, 12, 12], vec![12, 13, 14]),
        ];
        let mut all = MiouAccumulator::default();
        let mut a = MiouAccumulator::default();
        let mut b = MiouAccumulator::default();
        for (i, (p, t)) in shapes.iter().enumerate() {
            all.add(chair, p, t);
            let part = if i < 1 { &mut a } else { &mut b };
            part.add(chair, p, t);
        }
        a.merge(&b);
        assert_eq!(a.shapes(), 3);
        assert!((a.instance_miou().unwrap() - all.instance_miou().unwrap()).abs() < 1e-12);
        assert_eq!(a.correct_points, all.correct_points);
    }
}

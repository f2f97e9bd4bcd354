//! A spatially coherent order of a point set ("leaf order"): the points cut
//! like a KD-tree into leaves of [`LEAF`] nearby points, leaf after leaf, so
//! points close in space are close in the order.
//!
//! Used by [`super::tree::PointTree`] to store large sets cache-friendly,
//! and by the batched k-nearest search (`knn_batch.rs`) to answer queries
//! leaf by leaf. It depends on neither.

use rayon::prelude::*;

/// Points per leaf: every `LEAF`-long chunk of a [`leaf_order`] is one leaf.
pub(crate) const LEAF: usize = 16;

/// Pieces with more points than this are split with two rayon tasks.
const PARALLEL_SPLIT: usize = 1 << 15;

/// Point indices in leaf order: split like a KD-tree (at the median of the
/// widest axis of the bounding box) until pieces hold at most [`LEAF`]
/// points. Splits fall on multiples of [`LEAF`], so every `LEAF`-long chunk
/// of the order is one leaf (the last may be shorter).
pub(crate) fn leaf_order(points: &[[f32; 3]]) -> Vec<u32> {
    let mut items: Vec<([f32; 3], u32)> = points
        .par_iter()
        .enumerate()
        .map(|(i, &p)| (p, i as u32))
        .collect();
    split_leaves(&mut items);
    items.into_par_iter().map(|(_, i)| i).collect()
}

/// Recursive step of [`leaf_order`].
fn split_leaves(items: &mut [([f32; 3], u32)]) {
    let n = items.len();
    if n <= LEAF {
        return;
    }
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for (p, _) in items.iter() {
        for a in 0..3 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    let axis = (0..3)
        .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
        .unwrap_or(0);
    let left = n.div_ceil(LEAF) / 2 * LEAF;
    items.select_nth_unstable_by(left, |a, b| a.0[axis].total_cmp(&b.0[axis]));
    let (a, b) = items.split_at_mut(left);
    if n > PARALLEL_SPLIT {
        rayon::join(|| split_leaves(a), || split_leaves(b));
    } else {
        split_leaves(a);
        split_leaves(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_order_is_a_permutation_of_compact_leaves() {
        use crate::rng::Rng;
        // Points on a line in shuffled order: every leaf must be LEAF
        // consecutive points of the line (the median splits keep ranges).
        let mut rng = Rng::new(5);
        let n = 1000;
        let mut xs: Vec<u32> = (0..n).collect();
        for i in (1..xs.len()).rev() {
            xs.swap(i, rng.below(i + 1));
        }
        let pts: Vec<[f32; 3]> = xs.iter().map(|&x| [0.0, x as f32, 0.0]).collect();
        let order = leaf_order(&pts);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..n).collect::<Vec<u32>>());
        for leaf in order.chunks(LEAF) {
            let mut ranks: Vec<u32> = leaf.iter().map(|&i| xs[i as usize]).collect();
            ranks.sort_unstable();
            assert_eq!(ranks[0] % LEAF as u32, 0, "{ranks:?}");
            assert!(ranks.windows(2).all(|w| w[1] == w[0] + 1), "{ranks:?}");
        }
        assert!(leaf_order(&[]).is_empty());
        assert_eq!(leaf_order(&[[1.0; 3]; 3]), vec![0, 1, 2]);
    }
}

//! Preparing a cloud for the network: the ONE function both `pcseg train`
//! and `pcseg run` use, so the network sees at inference exactly the kind of
//! input it was trained on.
//!
//! 1. normalise to the unit sphere (centroid, largest distance), as PointNet++;
//! 2. pick N points: a cloud with more than 8N points is first reduced to 8N
//!    by a uniform random subset (without replacement), then farthest point
//!    sampling from a random start picks N of them; a cloud with at most N
//!    points keeps all of them (ordered by FPS) and is padded by repeating
//!    randomly chosen points. (A cloud holding duplicate coordinates is the
//!    exception: once its distinct points are taken, FPS repeats points, so
//!    some copies are never picked.)
//!
//! The first `min(len, N)` picked points are in FPS order from the first one,
//! so the network takes their prefixes as its SA levels' centres instead of
//! sampling them again (`CloudInput::fps_ordered`).

use crate::cloud::PointCloud;
use crate::geometry::{farthest_point_sample, normalize_cloud, Normalization};
use crate::rng::Rng;

/// Clouds larger than this many times N are randomly thinned before FPS.
pub const PRESAMPLE_FACTOR: usize = 8;

/// Indices (into `points`) of the `n` points the network sees. Empty when
/// `points` or `n` is empty. See the module doc for the rule.
///
/// ```
/// use pcseg::rng::Rng;
/// use pcseg::predict::sample::sample_indices;
/// let pts: Vec<[f32; 3]> = (0..10).map(|i| [i as f32, 0.0, 0.0]).collect();
/// let idx = sample_indices(&pts, 16, &mut Rng::new(1));
/// assert_eq!(idx.len(), 16);
/// let mut first: Vec<usize> = idx[..10].to_vec();
/// first.sort();
/// assert_eq!(first, (0..10).collect::<Vec<_>>()); // every point kept once, then repeats
/// ```
pub fn sample_indices(points: &[[f32; 3]], n: usize, rng: &mut Rng) -> Vec<usize> {
    let len = points.len();
    if len == 0 || n == 0 {
        return Vec::new();
    }
    if len <= n {
        let start = rng.below(len);
        let mut idx = farthest_point_sample(points, len, start);
        idx.extend((len..n).map(|_| rng.below(len)));
        return idx;
    }
    let limit = n.saturating_mul(PRESAMPLE_FACTOR);
    if len > limit {
        // Partial Fisher-Yates: the first `limit` entries are a uniform subset.
        // The array `0..len` is kept sparse (only the entries moved by a
        // swap), so a cloud of millions of points costs `limit` entries.
        let mut moved: std::collections::HashMap<usize, usize> =
            std::collections::HashMap::with_capacity(2 * limit);
        let mut subset: Vec<usize> = Vec::with_capacity(limit);
        for i in 0..limit {
            let j = i + rng.below(len - i);
            let at_i = moved.get(&i).copied().unwrap_or(i);
            let at_j = moved.get(&j).copied().unwrap_or(j);
            moved.insert(j, at_i);
            subset.push(at_j);
        }
        subset.sort_unstable();
        let sub_points: Vec<[f32; 3]> = subset.iter().map(|&i| points[i]).collect();
        let start = rng.below(limit);
        return farthest_point_sample(&sub_points, n, start)
            .into_iter()
            .map(|i| subset[i])
            .collect();
    }
    let start = rng.below(len);
    farthest_point_sample(points, n, start)
}

/// A cloud normalised and sampled for the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The N sampled points in the unit-sphere frame, with their normals,
    /// labels and extra properties (whatever the source had).
    pub cloud: PointCloud,
    /// For each sampled point, its index in the source cloud.
    pub indices: Vec<usize>,
    /// The normalisation applied (maps source to network frame).
    pub normalization: Normalization,
}

/// Normalise `cloud` to the unit sphere and sample `n` points from it (see the
/// module doc). Normalisation uses all points of the source cloud.
pub fn prepare_cloud(cloud: &PointCloud, n: usize, rng: &mut Rng) -> Prepared {
    let (points, normalization) = normalize_cloud(cloud);
    prepare_normalized(cloud, &points, normalization, n, rng)
}

/// [`prepare_cloud`] for a cloud already normalised: `points` are its points
/// in the unit-sphere frame as [`normalize_cloud`] gives them (with
/// `normalization`), so callers sampling one cloud several times normalise
/// it once.
pub fn prepare_normalized(
    cloud: &PointCloud,
    points: &[[f32; 3]],
    normalization: Normalization,
    n: usize,
    rng: &mut Rng,
) -> Prepared {
    let indices = sample_indices(points, n, rng);
    let mut out = cloud.select(&indices);
    out.points = indices.iter().map(|&i| points[i]).collect();
    out.exact_points = None;
    out.source = None;
    Prepared {
        cloud: out,
        indices,
        normalization,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_cloud(len: usize, seed: u64) -> Vec<[f32; 3]> {
        let mut r = Rng::new(seed);
        (0..len)
            .map(|_| {
                [
                    r.uniform(-1.0, 1.0),
                    r.uniform(-2.0, 2.0),
                    r.uniform(0.0, 3.0),
                ]
            })
            .collect()
    }

    #[test]
    fn medium_cloud_is_plain_fps() {
        let pts = random_cloud(300, 1);
        let idx = sample_indices(&pts, 64, &mut Rng::new(5));
        let start = Rng::new(5).below(300);
        assert_eq!(idx, farthest_point_sample(&pts, 64, start));
        let mut u = idx.clone();
        u.sort();
        u.dedup();
        assert_eq!(u.len(), 64);
    }

    #[test]
    fn small_cloud_keeps_every_point_then_repeats() {
        let pts = random_cloud(20, 2);
        let idx = sample_indices(&pts, 50, &mut Rng::new(9));
        assert_eq!(idx.len(), 50);
        let mut head = idx[..20].to_vec();
        head.sort();
        assert_eq!(head, (0..20).collect::<Vec<_>>());
        assert!(idx[20..].iter().all(|&i| i < 20));
        assert!(sample_indices(&[], 5, &mut Rng::new(1)).is_empty());
    }

    #[test]
    fn sparse_thinning_is_the_dense_partial_fisher_yates() {
        // The subset is the one the plain swap on a full index array gives.
        let n = 16;
        let len = n * PRESAMPLE_FACTOR * 5 + 7;
        let pts = random_cloud(len, 8);
        let limit = n * PRESAMPLE_FACTOR;
        let mut rng = Rng::new(21);
        let mut dense: Vec<usize> = (0..len).collect();
        for i in 0..limit {
            let j = i + rng.below(len - i);
            dense.swap(i, j);
        }
        dense.truncate(limit);
        dense.sort_unstable();
        let sub: Vec<[f32; 3]> = dense.iter().map(|&i| pts[i]).collect();
        let start = rng.below(limit);
        let want: Vec<usize> = farthest_point_sample(&sub, n, start)
            .into_iter()
            .map(|i| dense[i])
            .collect();
        assert_eq!(sample_indices(&pts, n, &mut Rng::new(21)), want);
    }

    #[test]
    fn huge_cloud_is_thinned_then_fps_and_spread_out() {
        let n = 16;
        let pts = random_cloud(n * PRESAMPLE_FACTOR * 4, 3);
        let idx = sample_indices(&pts, n, &mut Rng::new(4));
        assert_eq!(idx.len(), n);
        let mut u = idx.clone();
        u.sort();
        u.dedup();
        assert_eq!(u.len(), n, "no repeats");
        // FPS property: the picked points are far apart compared with random picks.
        let min_gap = |ids: &[usize]| {
            let mut best = f32::INFINITY;
            for a in 0..ids.len() {
                for b in a + 1..ids.len() {
                    best = best.min(crate::geometry::dist2(&pts[ids[a]], &pts[ids[b]]));
                }
            }
            best
        };
        let random: Vec<usize> = (0..n).collect();
        assert!(
            min_gap(&idx) > 2.0 * min_gap(&random),
            "{} vs {}",
            min_gap(&idx),
            min_gap(&random)
        );
        // Deterministic for a seed.
        assert_eq!(idx, sample_indices(&pts, n, &mut Rng::new(4)));
    }

    /// The network takes the first `min(len, n)` sampled points as its
    /// first level's centres when they fit (`CloudInput::fps_ordered`): for
    /// that they must be the FPS from point 0 of the sampled points, in
    /// every branch (padded, whole, plain FPS, thinned first).
    #[test]
    fn sampled_points_are_their_own_fps_order_from_the_first() {
        for (len, n, seed) in [(20, 50, 1), (64, 64, 2), (300, 64, 3), (2000, 16, 4)] {
            let pts = random_cloud(len, seed);
            let idx = sample_indices(&pts, n, &mut Rng::new(seed + 10));
            let sampled: Vec<[f32; 3]> = idx.iter().map(|&i| pts[i]).collect();
            let m = len.min(n);
            let want: Vec<usize> = (0..m).collect();
            assert_eq!(
                farthest_point_sample(&sampled, m, 0),
                want,
                "len {len} n {n}"
            );
        }
    }

    #[test]
    fn prepare_normalises_and_carries_attributes() {
        let pts = random_cloud(100, 7);
        let mut c =
            PointCloud::from_points(pts.iter().map(|p| p.map(|x| 10.0 * x + 5.0)).collect());
        c.labels = Some((0..100).collect());
        c.normals = Some(vec![[0.0, 0.0, 1.0]; 100]);
        let p = prepare_cloud(&c, 40, &mut Rng::new(1));
        assert_eq!(p.cloud.len(), 40);
        let labels = p.cloud.labels.as_ref().unwrap();
        for (k, &i) in p.indices.iter().enumerate() {
            assert_eq!(labels[k], i as u32);
            let back = p.normalization.invert(p.cloud.points[k]);
            for (b, o) in back.iter().zip(&c.points[i]) {
                assert!((b - o).abs() < 1e-4);
            }
        }
        let r = p
            .cloud
            .points
            .iter()
            .map(|q| (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt())
            .fold(0f32, f32::max);
        assert!(r <= 1.0 + 1e-5);
    }
}

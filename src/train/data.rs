//! Training data: where shapes come from ([`ShapeSource`]), the per-epoch
//! order, and batches of sampled, augmented clouds built in parallel.
//!
//! Every random draw for item `i` of epoch `e` comes from
//! `Rng::for_item(stream(seed, e), i)`, so a batch is the same whatever the
//! number of threads, and a resumed run sees exactly the data it would have
//! seen without the interruption.

use crate::categories::{Category, CATEGORIES};
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use crate::model::loss::UNLABELLED;
use crate::predict::sample::prepare_cloud;
use crate::rng::Rng;
use crate::train::augment::Augment;
use rayon::prelude::*;
use std::path::PathBuf;

/// Seed stream of the per-epoch shuffle of a dataset.
pub const ORDER_STREAM: u64 = 0x6f72_6465_7200_0001;
/// Seed stream of sampling and augmentation of training items.
pub const AUGMENT_STREAM: u64 = 0x6175_676d_0000_0002;
/// Seed stream of the synthetic training shapes.
pub const SYNTH_TRAIN_STREAM: u64 = 0x7472_6169_6e00_0003;
/// Seed stream of the synthetic validation shapes (disjoint from training).
pub const SYNTH_VAL_STREAM: u64 = 0x7661_6c00_0000_0004;
/// Seed stream of validation sampling.
pub const VAL_SAMPLE_STREAM: u64 = 0x7673_616d_0000_0005;

/// The seed of stream `stream` for epoch `epoch` of a run seeded by `seed`.
pub fn stream_seed(seed: u64, stream: u64, epoch: usize) -> u64 {
    let mut r = Rng::for_item(seed ^ stream, epoch as u64);
    r.next_u64()
}

/// One labelled shape as read or generated, before sampling.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledShape {
    /// Its category.
    pub category: &'static Category,
    /// Points with global part labels (normals when available).
    pub cloud: PointCloud,
    /// Where it came from, for error messages (`synthetic #12`, a path).
    pub origin: String,
}

/// A supply of labelled shapes indexed per epoch.
pub trait ShapeSource: Sync {
    /// Number of shapes in an epoch.
    fn len(&self) -> usize;
    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Shape `index` (`< len()`) of `epoch` (0-based).
    fn shape(&self, epoch: usize, index: usize) -> Result<LabelledShape>;
    /// One line describing the source (stored in checkpoints and models).
    fn describe(&self) -> String;
}

/// Shapes held in memory (tests, small user sets, cached validation data).
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    /// The shapes.
    pub shapes: Vec<LabelledShape>,
    /// Description.
    pub description: String,
}

impl ShapeSource for MemorySource {
    fn len(&self) -> usize {
        self.shapes.len()
    }
    fn shape(&self, _epoch: usize, index: usize) -> Result<LabelledShape> {
        Ok(self.shapes[index].clone())
    }
    fn describe(&self) -> String {
        self.description.clone()
    }
}

/// A batch of B clouds of N points each, points-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Points per cloud N.
    pub n: usize,
    /// Category index of each cloud, B entries.
    pub categories: Vec<usize>,
    /// Positions in the unit-sphere frame (augmented when training), B*N.
    pub points: Vec<[f32; 3]>,
    /// Unit normals, B*N.
    pub normals: Vec<[f32; 3]>,
    /// Global part ids, B*N.
    pub labels: Vec<u32>,
    /// Whether each cloud was turned out of the model's frame
    /// ([`Augment::turn`]), B entries.
    pub turned: Vec<bool>,
}

impl Batch {
    /// Number of clouds B.
    pub fn len(&self) -> usize {
        self.categories.len()
    }

    /// Whether the batch holds no cloud.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }

    /// Concatenate batches of `n` points per cloud, in order.
    pub fn concat(parts: Vec<Batch>, n: usize) -> Batch {
        let mut out = Batch {
            n,
            categories: Vec::with_capacity(parts.len()),
            points: Vec::with_capacity(parts.len() * n),
            normals: Vec::with_capacity(parts.len() * n),
            labels: Vec::with_capacity(parts.len() * n),
            turned: Vec::with_capacity(parts.len()),
        };
        for p in parts {
            out.categories.extend(p.categories);
            out.points.extend(p.points);
            out.normals.extend(p.normals);
            out.labels.extend(p.labels);
            out.turned.extend(p.turned);
        }
        out
    }
}

/// Sample (and with `augment`, augment) one shape into a one-cloud batch.
/// Clouds without normals get them estimated from their neighbours; labels
/// are required and must belong to the shape's category, or be
/// [`UNLABELLED`] (seen but not scored).
pub fn prepare_item(
    shape: &LabelledShape,
    n: usize,
    augment: Option<&Augment>,
    rng: &mut Rng,
) -> Result<Batch> {
    let origin = PathBuf::from(&shape.origin);
    let cloud = &shape.cloud;
    if cloud.is_empty() {
        return Err(Error::data(&origin, None, "empty cloud"));
    }
    let labels = cloud
        .labels
        .as_ref()
        .ok_or_else(|| Error::data(&origin, None, "no part labels: cannot train on it"))?;
    if let Some(&bad) = labels
        .iter()
        .find(|&&l| l != UNLABELLED && !shape.category.owns_part(l as usize))
    {
        return Err(Error::data(
            &origin,
            None,
            format!(
                "label {bad} is not a part of {} (parts {}..={})",
                shape.category.name,
                shape.category.first_part,
                shape.category.part_range().end - 1
            ),
        ));
    }
    if let Some(i) = cloud.first_non_finite() {
        return Err(Error::data(
            &origin,
            None,
            format!("point {i} has a non-finite coordinate or normal"),
        ));
    }
    let mut prepared = prepare_cloud(cloud, n, rng).cloud;
    let mut normals = match prepared.normals.take() {
        Some(nr) => nr,
        // The same estimate `pcseg run` makes for clouds without normals.
        None => {
            crate::geometry::estimate_normals(&prepared.points, crate::geometry::DEFAULT_NORMAL_K)
        }
    };
    let mut labels = prepared.labels.take().unwrap_or_default();
    let mut points = prepared.points;
    let mut turned = false;
    if let Some(a) = augment {
        a.apply(&mut points, Some(&mut normals), Some(&mut labels), rng);
        turned = a.turn(&mut points, Some(&mut normals), rng);
        if turned {
            // Seen, not scored: only the classifier learns from it.
            labels.fill(UNLABELLED);
        }
    }
    Ok(Batch {
        n,
        categories: vec![shape.category.index],
        points,
        normals,
        labels,
        turned: vec![turned],
    })
}

/// The order in which epoch `epoch` visits a source of `len` shapes.
pub fn epoch_order(len: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    Rng::new(stream_seed(seed, ORDER_STREAM, epoch)).shuffle(&mut order);
    order
}

/// Build the batch of `indices` of `epoch`: each item loaded, sampled to `n`
/// points and (with `augment`) augmented, in parallel. The result does not
/// depend on the number of threads: item `i` draws only from
/// `Rng::for_item(stream_seed(seed, AUGMENT_STREAM, epoch), i)`.
pub fn build_batch(
    source: &dyn ShapeSource,
    epoch: usize,
    indices: &[usize],
    n: usize,
    augment: Option<&Augment>,
    seed: u64,
) -> Result<Batch> {
    let item_seed = stream_seed(seed, AUGMENT_STREAM, epoch);
    let parts: Vec<Batch> = indices
        .par_iter()
        .map(|&i| {
            let shape = source.shape(epoch, i)?;
            let mut rng = Rng::for_item(item_seed, i as u64);
            prepare_item(&shape, n, augment, &mut rng)
        })
        .collect::<Result<_>>()?;
    Ok(Batch::concat(parts, n))
}

/// A fixed validation set: every shape of `source` (epoch 0), whole and
/// unaugmented, loaded in parallel. Validation scores every point of each, as
/// `pcseg eval` does.
pub fn validation_shapes(source: &dyn ShapeSource) -> Result<Vec<LabelledShape>> {
    (0..source.len())
        .into_par_iter()
        .map(|i| source.shape(0, i))
        .collect()
}

/// How the categories of synthetic shapes are mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategoryMix {
    /// In proportion to the shape counts of ShapeNetPart.
    ShapeNetPart,
    /// Every category equally often.
    Uniform,
    /// In proportion to the square root of ShapeNetPart's shape counts:
    /// between the two (tables 18 % of the shapes instead of 31 % or 6 %,
    /// earphones 2 % instead of 0.4 % or 6 %).
    Sqrt,
}

/// Categories (indices) of `count` shapes drawn from `allowed` in the
/// proportions of `mix` (largest remainder, ties by category order), grouped
/// in `allowed` order (callers shuffle).
pub fn category_allocation(count: usize, mix: CategoryMix, allowed: &[usize]) -> Vec<usize> {
    let weight = |c: usize| match mix {
        CategoryMix::ShapeNetPart => CATEGORIES[c].shapes as f64,
        CategoryMix::Uniform => 1.0,
        CategoryMix::Sqrt => (CATEGORIES[c].shapes as f64).sqrt(),
    };
    let total: f64 = allowed.iter().map(|&c| weight(c)).sum();
    let exact: Vec<f64> = allowed
        .iter()
        .map(|&c| weight(c) / total * count as f64)
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..allowed.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - exact[a].floor();
        let fb = exact[b] - exact[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let missing = count.saturating_sub(counts.iter().sum::<usize>());
    for &k in order.iter().take(missing) {
        counts[k] += 1;
    }
    allowed
        .iter()
        .zip(&counts)
        .flat_map(|(&c, &k)| std::iter::repeat_n(c, k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy_shape(cat: usize, len: usize, seed: u64) -> LabelledShape {
        let c = &CATEGORIES[cat];
        let mut r = Rng::new(seed);
        let points: Vec<[f32; 3]> = (0..len)
            .map(|_| {
                [
                    r.uniform(-1.0, 1.0),
                    r.uniform(-1.0, 1.0),
                    r.uniform(-1.0, 1.0),
                ]
            })
            .collect();
        let labels = points
            .iter()
            .map(|p| (c.first_part + usize::from(p[1] > 0.0)) as u32)
            .collect();
        let mut cloud = PointCloud::from_points(points);
        cloud.labels = Some(labels);
        cloud.normals = Some(vec![[0.0, 1.0, 0.0]; len]);
        LabelledShape {
            category: c,
            cloud,
            origin: format!("toy #{seed}"),
        }
    }

    #[test]
    fn batches_do_not_depend_on_thread_count() {
        let src = MemorySource {
            shapes: (0..6)
                .map(|i| toy_shape(i % 3 + 9, 100 + 10 * i, i as u64))
                .collect(),
            description: "toy".into(),
        };
        let aug = Augment::default();
        let build = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| build_batch(&src, 3, &[5, 0, 2, 4], 64, Some(&aug), 42).unwrap())
        };
        let a = build(1);
        let b = build(3);
        assert_eq!(a, b);
        assert_eq!(a.len(), 4);
        assert_eq!(a.points.len(), 4 * 64);
        assert_eq!(a.categories, vec![11, 9, 11, 10]);
        // Another epoch augments differently.
        let c = build_batch(&src, 4, &[5, 0, 2, 4], 64, Some(&aug), 42).unwrap();
        assert_ne!(a.points, c.points);
        // Labels stay inside each cloud's category.
        for (k, chunk) in a.labels.chunks(64).enumerate() {
            let cat = &CATEGORIES[a.categories[k]];
            assert!(chunk.iter().all(|&l| cat.owns_part(l as usize)));
        }
    }

    #[test]
    fn bad_labels_and_missing_labels_are_errors_naming_the_origin() {
        let mut s = toy_shape(9, 50, 1);
        s.cloud.labels.as_mut().unwrap()[3] = 0;
        let e = prepare_item(&s, 32, None, &mut Rng::new(0))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("toy #1: label 0 is not a part of Laptop"),
            "{e}"
        );
        s.cloud.labels = None;
        let e = prepare_item(&s, 32, None, &mut Rng::new(0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no part labels"), "{e}");
    }

    #[test]
    fn epoch_order_is_a_permutation_changing_per_epoch() {
        let a = epoch_order(50, 1, 0);
        let mut s = a.clone();
        s.sort();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
        assert_ne!(a, epoch_order(50, 1, 1));
        assert_eq!(a, epoch_order(50, 1, 0));
    }

    #[test]
    fn allocation_follows_shapenetpart_counts() {
        // 16,881 shapes: the allocation of the whole dataset is its own counts.
        let total: usize = CATEGORIES.iter().map(|c| c.shapes).sum();
        let all: Vec<usize> = (0..16).collect();
        let alloc = category_allocation(total, CategoryMix::ShapeNetPart, &all);
        for c in &CATEGORIES {
            assert_eq!(alloc.iter().filter(|&&k| k == c.index).count(), c.shapes);
        }
        let u = category_allocation(35, CategoryMix::Uniform, &all);
        assert_eq!(u.len(), 35);
        // 35 = 2 * 16 + 3: the first three categories (ties by order) get 3.
        assert_eq!(u.iter().filter(|&&k| k == 0).count(), 3);
        assert_eq!(u.iter().filter(|&&k| k == 15).count(), 2);
        // Square roots: Table sqrt(5271) = 72.6 of 413.7 in all, Earphone
        // sqrt(69) = 8.3: 1,000 shapes give them about 175 and 20.
        let r = category_allocation(1000, CategoryMix::Sqrt, &all);
        assert_eq!(r.len(), 1000);
        let total_sqrt: f64 = CATEGORIES.iter().map(|c| (c.shapes as f64).sqrt()).sum();
        for c in &CATEGORIES {
            let want = (c.shapes as f64).sqrt() / total_sqrt * 1000.0;
            let got = r.iter().filter(|&&k| k == c.index).count() as f64;
            assert!((got - want).abs() < 1.0, "{} {got} {want}", c.name);
        }
        let small = category_allocation(100, CategoryMix::ShapeNetPart, &all);
        assert_eq!(small.len(), 100);
        // Table (5271 / 16881 = 31.2 %) gets 31.
        assert_eq!(small.iter().filter(|&&k| k == 15).count(), 31);
        // Restricted to chair (3758) and table (5271): 8 shapes split 3 / 5 (3.33 / 4.67).
        assert_eq!(
            category_allocation(8, CategoryMix::ShapeNetPart, &[4, 15]),
            vec![4, 4, 4, 15, 15, 15, 15, 15]
        );
    }
}

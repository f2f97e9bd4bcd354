//! Synthetic training and validation shapes from the procedural generator
//! ([`crate::synth`]): no disk, fresh shapes every epoch for training, a fixed
//! set drawn from a separate seed stream for validation.
//!
//! Shape `i` of epoch `e` is generated from
//! `Rng::for_item(stream_seed(seed, stream, e), i)`; its category comes from
//! the epoch's shuffled [`category_allocation`], so an epoch has the category
//! mix asked for whatever its size.

use crate::categories::CATEGORIES;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::synth::Realism;
use crate::train::data::{
    category_allocation, stream_seed, CategoryMix, LabelledShape, ShapeSource, SYNTH_TRAIN_STREAM,
    SYNTH_VAL_STREAM,
};
use std::sync::Mutex;

/// Shapes drawn from the generator.
#[derive(Debug)]
pub struct SyntheticSource {
    seed: u64,
    stream: u64,
    shapes: usize,
    /// Raw points per shape: `(lo, hi)`, drawn log-uniformly per shape when
    /// `lo < hi`.
    raw_points: (usize, usize),
    mix: CategoryMix,
    categories: Vec<usize>,
    fresh: bool,
    realism: Realism,
    /// `(epoch, categories of that epoch's shapes)`, computed once per epoch.
    cache: Mutex<Option<(usize, Vec<usize>)>>,
}

/// Number of points the generator samples per shape before the training
/// sampler picks N of them: like a ShapeNetPart file, a few hundred more than N.
pub fn raw_points_for(n: usize) -> usize {
    n + n / 4
}

/// The raw point count of one shape: `lo` when the range is one value (no
/// draw, so the shape stream is the same as with a fixed count), otherwise
/// log-uniform in `[lo, hi]`.
fn raw_count((lo, hi): (usize, usize), rng: &mut Rng) -> usize {
    if lo >= hi {
        return lo;
    }
    let (a, b) = ((lo as f32).ln(), (hi as f32 + 1.0).ln());
    ((rng.uniform(a, b)).exp() as usize).clamp(lo, hi)
}

impl SyntheticSource {
    /// Training shapes: `shapes` per epoch, new ones every epoch, over the
    /// categories that have a generator. Each has `raw_points.0` points, or,
    /// when `raw_points.0 < raw_points.1`, a count drawn log-uniformly from
    /// that range per shape (density randomisation: real clouds come at any
    /// density, and the network sees a sparse one whole, padded by repeats).
    pub fn training(
        seed: u64,
        shapes: usize,
        raw_points: (usize, usize),
        mix: CategoryMix,
        realism: Realism,
    ) -> Result<Self> {
        Self::new(
            seed,
            SYNTH_TRAIN_STREAM,
            shapes,
            raw_points,
            mix,
            true,
            realism,
        )
    }

    /// Validation shapes: the same `shapes` every epoch, from a seed stream no
    /// training shape uses.
    pub fn validation(
        seed: u64,
        shapes: usize,
        raw_points: (usize, usize),
        mix: CategoryMix,
        realism: Realism,
    ) -> Result<Self> {
        Self::new(
            seed,
            SYNTH_VAL_STREAM,
            shapes,
            raw_points,
            mix,
            false,
            realism,
        )
    }

    fn new(
        seed: u64,
        stream: u64,
        shapes: usize,
        raw_points: (usize, usize),
        mix: CategoryMix,
        fresh: bool,
        realism: Realism,
    ) -> Result<Self> {
        let categories: Vec<usize> = CATEGORIES
            .iter()
            .filter(|c| crate::synth::has_generator(c))
            .map(|c| c.index)
            .collect();
        if categories.is_empty() {
            return Err(Error::usage("no category has a synthetic generator"));
        }
        if raw_points.0 == 0 || raw_points.0 > raw_points.1 {
            return Err(Error::usage(format!(
                "bad raw point range {}..{} (want 0 < MIN <= MAX)",
                raw_points.0, raw_points.1
            )));
        }
        Ok(SyntheticSource {
            seed,
            stream,
            shapes,
            raw_points,
            mix,
            categories,
            fresh,
            realism,
            cache: Mutex::new(None),
        })
    }

    /// Category index of every shape of `epoch`, in index order.
    pub fn epoch_categories(&self, epoch: usize) -> Vec<usize> {
        let epoch = if self.fresh { epoch } else { 0 };
        let mut guard = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((e, cats)) = guard.as_ref() {
            if *e == epoch {
                return cats.clone();
            }
        }
        let mut cats = category_allocation(self.shapes, self.mix, &self.categories);
        Rng::new(stream_seed(self.seed, self.stream ^ 0x5eed, epoch)).shuffle(&mut cats);
        *guard = Some((epoch, cats.clone()));
        cats
    }
}

impl ShapeSource for SyntheticSource {
    fn len(&self) -> usize {
        self.shapes
    }

    fn shape(&self, epoch: usize, index: usize) -> Result<LabelledShape> {
        let cats = self.epoch_categories(epoch);
        let category = &CATEGORIES[cats[index]];
        let e = if self.fresh { epoch } else { 0 };
        let mut rng = Rng::for_item(stream_seed(self.seed, self.stream, e), index as u64);
        let raw = raw_count(self.raw_points, &mut rng);
        let cloud = crate::synth::sample_shape(category, &mut rng, raw, &self.realism)?;
        Ok(LabelledShape {
            category,
            cloud,
            origin: format!(
                "synthetic {} #{index} (epoch {})",
                category.name.to_ascii_lowercase(),
                e + 1
            ),
        })
    }

    fn describe(&self) -> String {
        let names: Vec<String> = self
            .categories
            .iter()
            .map(|&c| CATEGORIES[c].name.to_ascii_lowercase())
            .collect();
        format!(
            "synthetic ({}, seed {}, {} shapes{}, {} raw points, realism {}, {:?} mix over {})",
            if self.stream == SYNTH_VAL_STREAM {
                "validation stream"
            } else {
                "training stream"
            },
            self.seed,
            self.shapes,
            if self.fresh {
                " per epoch, fresh"
            } else {
                ", fixed"
            },
            if self.raw_points.0 == self.raw_points.1 {
                self.raw_points.0.to_string()
            } else {
                format!("{}..{}", self.raw_points.0, self.raw_points.1)
            },
            self.realism,
            self.mix,
            names.join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_shapes_are_fresh_per_epoch_validation_fixed() {
        let t =
            SyntheticSource::training(5, 3, (200, 200), CategoryMix::ShapeNetPart, Realism::off())
                .unwrap();
        let v = SyntheticSource::validation(
            5,
            3,
            (200, 200),
            CategoryMix::ShapeNetPart,
            Realism::off(),
        )
        .unwrap();
        let a0 = t.shape(0, 1).unwrap();
        assert_eq!(a0.cloud.len(), 200);
        assert!(a0.cloud.labels.is_some());
        assert_eq!(a0, t.shape(0, 1).unwrap(), "deterministic");
        assert_ne!(a0.cloud.points, t.shape(1, 1).unwrap().cloud.points);
        assert_eq!(v.shape(0, 1).unwrap(), v.shape(7, 1).unwrap());
        assert_ne!(v.shape(0, 1).unwrap().cloud.points, a0.cloud.points);
        assert_eq!(t.epoch_categories(2).len(), 3);
    }

    #[test]
    fn raw_point_range_draws_log_uniform_counts() {
        let t = SyntheticSource::training(
            5,
            64,
            (200, 10_000),
            CategoryMix::ShapeNetPart,
            Realism::off(),
        )
        .unwrap();
        let counts: Vec<usize> = (0..64)
            .map(|i| t.shape(0, i).unwrap().cloud.len())
            .collect();
        assert!(counts.iter().all(|&c| (200..=10_000).contains(&c)));
        // Log-uniform: the geometric midpoint (~1,414) splits the draws roughly in half.
        let below = counts.iter().filter(|&&c| c < 1_414).count();
        assert!((16..=48).contains(&below), "{below} of 64 below 1,414");
        assert_eq!(
            t.shape(0, 3).unwrap(),
            t.shape(0, 3).unwrap(),
            "deterministic"
        );
        let mut r = Rng::new(1);
        let draws: Vec<usize> = (0..4000).map(|_| raw_count((100, 400), &mut r)).collect();
        let min = *draws.iter().min().unwrap();
        let max = *draws.iter().max().unwrap();
        assert!(min < 105 && max > 395, "{min} {max}");
        let below = draws.iter().filter(|&&c| c < 200).count() as f32 / 4000.0;
        assert!((below - 0.5).abs() < 0.04, "{below}");
        assert!(
            SyntheticSource::training(1, 1, (0, 5), CategoryMix::Uniform, Realism::off()).is_err()
        );
    }
}

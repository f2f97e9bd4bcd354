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
    raw_points: usize,
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

impl SyntheticSource {
    /// Training shapes: `shapes` per epoch, new ones every epoch, each with
    /// `raw_points` points, over the categories that have a generator.
    pub fn training(
        seed: u64,
        shapes: usize,
        raw_points: usize,
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
        raw_points: usize,
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
        raw_points: usize,
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
        let cloud = crate::synth::sample_shape(category, &mut rng, self.raw_points, &self.realism)?;
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
            self.raw_points,
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
        let t = SyntheticSource::training(5, 3, 200, CategoryMix::ShapeNetPart, Realism::off())
            .unwrap();
        let v = SyntheticSource::validation(5, 3, 200, CategoryMix::ShapeNetPart, Realism::off())
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
}

//! Self-training data: a folder of pseudo-labelled shapes (written by
//! `pcseg pseudo-label`, see [`crate::train::pseudo_label`]) mixed into the
//! synthetic shapes of each epoch.
//!
//! A point is trained on when its `confidence` and `agreement` properties
//! reach the thresholds; every other point stays in the cloud, so it still
//! shapes its neighbours' features, but is [`UNLABELLED`] and scores no loss.

use crate::error::{Error, Result};
use crate::io::dataset::{load_shape, ShapeRef};
use crate::io::folder_dataset::FolderDataset;
use crate::model::loss::UNLABELLED;
use crate::train::data::{LabelledShape, ShapeSource};
use crate::train::pseudo_label::{AGREEMENT_PROPERTY, CONFIDENCE_PROPERTY};
use std::path::PathBuf;

/// Pseudo-labelled shapes to mix into synthetic training (stored in
/// checkpoints, so a resumed run reads the same folder the same way).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PseudoSpec {
    /// Folder of pseudo-labelled files, one subfolder per category.
    pub root: PathBuf,
    /// Share of each epoch's training shapes taken from the folder, in
    /// `[0, 1)`; the synthetic shapes of the epoch are kept and the
    /// pseudo-labelled ones added on top.
    pub share: f32,
    /// Points below this confidence are not scored.
    pub min_confidence: f32,
    /// Points below this agreement are not scored.
    pub min_agreement: f32,
}

impl PseudoSpec {
    /// Check the numbers.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.share) {
            return Err(Error::usage(format!(
                "--pseudo-share {} must be in [0, 1)",
                self.share
            )));
        }
        for (what, v) in [
            ("--pseudo-min-confidence", self.min_confidence),
            ("--pseudo-min-agreement", self.min_agreement),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::usage(format!("{what} {v} must be in [0, 1]")));
            }
        }
        Ok(())
    }

    /// How many pseudo-labelled shapes join `base` synthetic ones per epoch.
    pub fn extra_per_epoch(&self, base: usize) -> usize {
        (base as f64 * self.share as f64 / (1.0 - self.share as f64)).round() as usize
    }

    /// Open the folder.
    pub fn open(&self) -> Result<PseudoSource> {
        self.validate()?;
        let ds = FolderDataset::open(&self.root, None)?;
        let shapes = ds.shapes().shapes.clone();
        if shapes.is_empty() {
            return Err(Error::data(
                &self.root,
                None,
                "no pseudo-labelled shapes found",
            ));
        }
        Ok(PseudoSource {
            shapes,
            spec: self.clone(),
        })
    }
}

/// Pseudo-labelled files read on demand, their unsure points unlabelled.
#[derive(Debug, Clone)]
pub struct PseudoSource {
    shapes: Vec<ShapeRef>,
    spec: PseudoSpec,
}

impl ShapeSource for PseudoSource {
    fn len(&self) -> usize {
        self.shapes.len()
    }

    fn shape(&self, _epoch: usize, index: usize) -> Result<LabelledShape> {
        let s = &self.shapes[index];
        let mut cloud = load_shape(s)?;
        let take = |name: &str, cloud: &mut crate::cloud::PointCloud| -> Result<Vec<f64>> {
            let i = cloud
                .extra
                .iter()
                .position(|e| e.name == name)
                .ok_or_else(|| {
                    Error::data(
                        &s.path,
                        None,
                        format!("no '{name}' property: not a pseudo-labelled file"),
                    )
                })?;
            Ok(cloud.extra.remove(i).values)
        };
        let confidence = take(CONFIDENCE_PROPERTY, &mut cloud)?;
        let agreement = take(AGREEMENT_PROPERTY, &mut cloud)?;
        let labels = cloud.labels.as_mut().expect("load_shape requires labels");
        for ((l, &c), &a) in labels.iter_mut().zip(&confidence).zip(&agreement) {
            if c < self.spec.min_confidence as f64 || a < self.spec.min_agreement as f64 {
                *l = UNLABELLED;
            }
        }
        Ok(LabelledShape {
            category: s.category,
            cloud,
            origin: s.path.display().to_string(),
        })
    }

    fn describe(&self) -> String {
        format!(
            "pseudo-labelled {} ({} shapes; points scored at confidence >= {} and agreement >= {})",
            self.spec.root.display(),
            self.shapes.len(),
            self.spec.min_confidence,
            self.spec.min_agreement
        )
    }
}

/// A base source with `extra_per_epoch` shapes of another source appended to
/// every epoch. The extra shapes are taken in turn across epochs, so every
/// one of them is used before any repeats; the epoch order then shuffles
/// both kinds together.
pub struct MixedSource {
    base: Box<dyn ShapeSource>,
    extra: Box<dyn ShapeSource>,
    extra_per_epoch: usize,
}

impl MixedSource {
    /// Mix `extra_per_epoch` shapes of `extra` into every epoch of `base`.
    pub fn new(
        base: Box<dyn ShapeSource>,
        extra: Box<dyn ShapeSource>,
        extra_per_epoch: usize,
    ) -> MixedSource {
        let extra_per_epoch = if extra.is_empty() { 0 } else { extra_per_epoch };
        MixedSource {
            base,
            extra,
            extra_per_epoch,
        }
    }

    /// Which source and index item `index` of `epoch` comes from: `None` for
    /// the base source.
    fn extra_index(&self, epoch: usize, index: usize) -> Option<usize> {
        let i = index.checked_sub(self.base.len())?;
        Some((epoch * self.extra_per_epoch + i) % self.extra.len())
    }
}

impl ShapeSource for MixedSource {
    fn len(&self) -> usize {
        self.base.len() + self.extra_per_epoch
    }

    fn shape(&self, epoch: usize, index: usize) -> Result<LabelledShape> {
        match self.extra_index(epoch, index) {
            Some(i) => self.extra.shape(epoch, i),
            None => self.base.shape(epoch, index),
        }
    }

    fn describe(&self) -> String {
        format!(
            "{}, plus {} per epoch from {}",
            self.base.describe(),
            self.extra_per_epoch,
            self.extra.describe()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::find_category;
    use crate::cloud::PointCloud;
    use crate::train::data::MemorySource;

    fn memory(n: usize, tag: &str) -> Box<dyn ShapeSource> {
        let cat = find_category("Mug").unwrap();
        Box::new(MemorySource {
            shapes: (0..n)
                .map(|i| LabelledShape {
                    category: cat,
                    cloud: PointCloud::from_points(vec![[i as f32, 0.0, 0.0]]),
                    origin: format!("{tag}{i}"),
                })
                .collect(),
            description: tag.to_string(),
        })
    }

    #[test]
    fn mixed_epochs_take_every_extra_shape_in_turn() {
        let m = MixedSource::new(memory(4, "s"), memory(5, "p"), 2);
        assert_eq!(m.len(), 6);
        let origins = |e| {
            (0..6)
                .map(|i| m.shape(e, i).unwrap().origin)
                .collect::<Vec<_>>()
        };
        assert_eq!(origins(0), ["s0", "s1", "s2", "s3", "p0", "p1"]);
        assert_eq!(origins(1), ["s0", "s1", "s2", "s3", "p2", "p3"]);
        assert_eq!(origins(2), ["s0", "s1", "s2", "s3", "p4", "p0"]);
        assert_eq!(MixedSource::new(memory(4, "s"), memory(0, "p"), 3).len(), 4);
    }

    #[test]
    fn share_gives_the_extra_count_and_is_checked() {
        let spec = |share| PseudoSpec {
            root: PathBuf::from("x"),
            share,
            min_confidence: 0.8,
            min_agreement: 1.0,
        };
        assert_eq!(spec(0.25).extra_per_epoch(3000), 1000);
        assert_eq!(spec(0.0).extra_per_epoch(3000), 0);
        assert!(spec(1.0).validate().is_err());
        assert!(spec(-0.1).validate().is_err());
        assert!(PseudoSpec {
            min_confidence: 1.5,
            ..spec(0.2)
        }
        .validate()
        .is_err());
    }
}

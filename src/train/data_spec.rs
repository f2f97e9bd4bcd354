//! What a run trains and validates on, in a serialisable form (stored in
//! checkpoints so `--resume` rebuilds exactly the same data).

use crate::error::{Error, Result};
use crate::io::dataset::{load_shape, Dataset, ShapeList, ShapeRef, Split};
use crate::io::folder_dataset::FolderDataset;
use crate::synth::{Realism, RealismLevel};
use crate::train::data::{CategoryMix, LabelledShape, ShapeSource};
use crate::train::pseudo_source::{MixedSource, PseudoSpec};
use crate::train::synthetic::{raw_points_for, SyntheticSource};
use std::path::PathBuf;

/// ShapeNetPart's train + val size: the default synthetic epoch.
pub const SHAPENETPART_TRAINVAL: usize = 12_137 + 1_870;

/// The data of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DataSpec {
    /// Procedural shapes: fresh every epoch, validation on a fixed set from a
    /// separate seed stream.
    Synthetic {
        /// Shapes per epoch.
        shapes_per_epoch: usize,
        /// Validation shapes.
        val_shapes: usize,
        /// Category proportions.
        mix: CategoryMix,
        /// Realism level of the generator (`off`, `low`, `medium`, `high`).
        realism: String,
        /// Raw points per training shape, `[min, max]` drawn log-uniformly
        /// (density randomisation); absent: a fixed count a little above the
        /// run's N ([`raw_points_for`]). Validation always uses the fixed count.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raw_points: Option<[usize; 2]>,
        /// Probability that a generated surface has its normals reversed
        /// ([`Realism::surface_flip`]), on top of the realism level.
        #[serde(default, skip_serializing_if = "is_zero")]
        surface_flip: f32,
        /// Mean number of small details attached to each training shape
        /// with the label of their part ([`Realism::attach`]).
        #[serde(default, skip_serializing_if = "is_zero")]
        attach: f32,
        /// Pseudo-labelled real shapes mixed into every training epoch
        /// (self-training); validation stays synthetic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pseudo: Option<PseudoSpec>,
    },
    /// A ShapeNetPart folder (either official layout).
    ShapeNetPart {
        /// Dataset root (holds `synsetoffset2category.txt`).
        root: PathBuf,
        /// Which shapes validate.
        val_split: ValSplit,
    },
    /// A folder of labelled PLY/XYZ files, one subfolder per category; one
    /// file in [`FOLDER_HOLDOUT`] (by sorted position) validates.
    Folder {
        /// The folder.
        root: PathBuf,
    },
}

/// Every this-many-th file of a folder dataset is held out for validation.
pub const FOLDER_HOLDOUT: usize = 10;
/// One shape in this many of ShapeNetPart train+val is held out (by a hash of
/// its name) for validation in [`ValSplit::Holdout`].
pub const SHAPENET_HOLDOUT: u64 = 20;

/// How a ShapeNetPart run validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValSplit {
    /// Train on train+val minus a fixed 1-in-20 held-out list, validate on it.
    Holdout,
    /// Train on the official train list, validate on the official val list.
    Val,
    /// Train on train+val, validate on the official test list (the reference
    /// code's protocol; the test split then no longer measures generalisation).
    Test,
}

impl std::str::FromStr for ValSplit {
    type Err = Error;
    fn from_str(s: &str) -> Result<ValSplit> {
        match s.to_ascii_lowercase().as_str() {
            "holdout" => Ok(ValSplit::Holdout),
            "val" => Ok(ValSplit::Val),
            "test" => Ok(ValSplit::Test),
            _ => Err(Error::usage(format!(
                "unknown validation split '{s}' (expected holdout, val or test)"
            ))),
        }
    }
}

/// Labelled shape files read on demand (nothing is cached: a ShapeNetPart
/// epoch would not fit in memory comfortably).
#[derive(Debug, Clone)]
pub struct FileSource {
    /// The shapes.
    pub shapes: Vec<ShapeRef>,
    /// Description.
    pub description: String,
}

impl ShapeSource for FileSource {
    fn len(&self) -> usize {
        self.shapes.len()
    }
    fn shape(&self, _epoch: usize, index: usize) -> Result<LabelledShape> {
        let s = &self.shapes[index];
        Ok(LabelledShape {
            category: s.category,
            cloud: load_shape(s)?,
            origin: s.path.display().to_string(),
        })
    }
    fn describe(&self) -> String {
        self.description.clone()
    }
}

fn is_zero(x: &f32) -> bool {
    *x == 0.0
}

/// FNV-1a of a shape name: a hold-out choice independent of list order.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn checked(list: ShapeList, root: &std::path::Path, what: &str) -> Result<Vec<ShapeRef>> {
    if list.shapes.is_empty() {
        return Err(Error::data(root, None, format!("no {what} shapes found")));
    }
    Ok(list.shapes)
}

impl DataSpec {
    /// The training and validation sources for a run seeded by `seed` that
    /// samples `points` points per cloud.
    pub fn open(
        &self,
        seed: u64,
        points: usize,
    ) -> Result<(Box<dyn ShapeSource>, Box<dyn ShapeSource>)> {
        match self {
            DataSpec::Synthetic {
                shapes_per_epoch,
                val_shapes,
                mix,
                realism,
                raw_points,
                surface_flip,
                attach,
                pseudo,
            } => {
                let raw = raw_points_for(points);
                let train_raw = raw_points.map_or((raw, raw), |[lo, hi]| (lo, hi));
                let r = Realism {
                    surface_flip: *surface_flip,
                    attach: *attach,
                    ..Realism::level(realism.parse::<RealismLevel>()?)
                };
                let mut train: Box<dyn ShapeSource> = Box::new(SyntheticSource::training(
                    seed,
                    *shapes_per_epoch,
                    train_raw,
                    *mix,
                    r,
                )?);
                if let Some(spec) = pseudo {
                    let extra = spec.extra_per_epoch(*shapes_per_epoch);
                    train = Box::new(MixedSource::new(train, Box::new(spec.open()?), extra));
                }
                Ok((
                    train,
                    Box::new(SyntheticSource::validation(
                        seed,
                        *val_shapes,
                        (raw, raw),
                        *mix,
                        r,
                    )?),
                ))
            }
            DataSpec::ShapeNetPart { root, val_split } => {
                let ds = Dataset::open(root)?;
                let (train, val) = match val_split {
                    ValSplit::Holdout => {
                        let all = checked(ds.shapes(Split::TrainVal)?, root, "train+val")?;
                        let (val, train): (Vec<ShapeRef>, Vec<ShapeRef>) = all
                            .into_iter()
                            .partition(|s| name_hash(&s.name()).is_multiple_of(SHAPENET_HOLDOUT));
                        (train, val)
                    }
                    ValSplit::Val => (
                        checked(ds.shapes(Split::Train)?, root, "train")?,
                        checked(ds.shapes(Split::Val)?, root, "val")?,
                    ),
                    ValSplit::Test => (
                        checked(ds.shapes(Split::TrainVal)?, root, "train+val")?,
                        checked(ds.shapes(Split::Test)?, root, "test")?,
                    ),
                };
                let d = |what: &str, n: usize| {
                    format!("ShapeNetPart {} ({what}, {n} shapes)", root.display())
                };
                let train_what = match val_split {
                    ValSplit::Val => "train",
                    ValSplit::Holdout => "train+val minus hold-out",
                    ValSplit::Test => "train+val",
                };
                let val_what = match val_split {
                    ValSplit::Val => "val",
                    ValSplit::Holdout => "hold-out 1/20 of train+val",
                    ValSplit::Test => "test",
                };
                Ok((
                    Box::new(FileSource {
                        description: d(train_what, train.len()),
                        shapes: train,
                    }),
                    Box::new(FileSource {
                        description: d(val_what, val.len()),
                        shapes: val,
                    }),
                ))
            }
            DataSpec::Folder { root } => {
                let ds = FolderDataset::open(root, None)?;
                let all = checked(ds.shapes().clone(), root, "labelled")?;
                let (train, val): (Vec<ShapeRef>, Vec<ShapeRef>) = if all.len() >= FOLDER_HOLDOUT {
                    let (v, t): (Vec<_>, Vec<_>) = all
                        .into_iter()
                        .enumerate()
                        .partition(|(i, _)| i % FOLDER_HOLDOUT == FOLDER_HOLDOUT - 1);
                    (
                        t.into_iter().map(|(_, s)| s).collect(),
                        v.into_iter().map(|(_, s)| s).collect(),
                    )
                } else {
                    // Too few files to hold any out: validate on the training files.
                    (all.clone(), all)
                };
                let d = |what: &str, n: usize| {
                    format!("folder {} ({what}, {n} shapes)", root.display())
                };
                let small = train.len() == val.len();
                Ok((
                    Box::new(FileSource {
                        description: d("training files", train.len()),
                        shapes: train,
                    }),
                    Box::new(FileSource {
                        description: d(
                            if small {
                                "validation = training files, too few to hold out"
                            } else {
                                "every 10th file held out"
                            },
                            val.len(),
                        ),
                        shapes: val,
                    }),
                ))
            }
        }
    }
}

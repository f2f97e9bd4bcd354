//! The inference API: [`Network`] (BatchNorm folded, no activations kept,
//! clouds in parallel) and its inputs and outputs. `encode` / `decode` split
//! the forward at the category, so `--category auto` runs the
//! category-independent part once.

use super::classifier::softmax;
use super::config::ModelConfig;
use super::exec::{BnMode, Ctx};
use super::gemm::PanelCache;
use super::layers::Par;
use super::network::{input_features, Arch};
use super::params::Params;
use super::plan::{Plan, Sampling};
use super::precision::Precision;
use super::timing::StageTimer;
use crate::categories::NUM_CATEGORIES;
use crate::error::{Error, Result};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

/// One cloud to segment: normalised points (unit sphere), normals, the
/// category index (0..16, see [`crate::categories::CATEGORIES`]) and the seed
/// from which the FPS start points are drawn (the forward is deterministic
/// for a seed).
#[derive(Debug, Clone, Copy)]
pub struct CloudInput<'a> {
    /// Normalised positions, N x 3.
    pub points: &'a [[f32; 3]],
    /// Unit normals, N x 3 (required by 6-channel models).
    pub normals: Option<&'a [[f32; 3]]>,
    /// Category index.
    pub category: usize,
    /// FPS seed.
    pub seed: u64,
    /// How many leading points are already in farthest-point order from the
    /// first one, as `pcseg::predict::sample::sample_indices` orders a
    /// cloud's first `min(len, N)` points (0: none, or not known). The SA
    /// levels whose centres fit in that prefix take it instead of running
    /// FPS from the seeded start: the same as the FPS from point 0 (up to
    /// ties), without its cost.
    pub fps_ordered: usize,
}

/// The category-independent part of a forward pass, from [`Network::encode`].
#[derive(Debug, Clone)]
pub struct Encoded {
    z: Array2<f32>,
    category_logits: Option<Vec<f32>>,
}

impl Encoded {
    /// The classifier's category probabilities (softmax over the 16
    /// categories), when the model has a classifier.
    pub fn category_probabilities(&self) -> Option<Vec<f32>> {
        self.category_logits.as_deref().map(softmax)
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.z.nrows()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.z.nrows() == 0
    }
}

/// An inference network: BatchNorm folded, ready to segment clouds.
#[derive(Debug, Clone)]
pub struct Network {
    arch: Arch,
    params: Params,
    trained: bool,
    note: String,
    /// The weights' GEMM panels, packed on first use (the folded parameters
    /// never change).
    panels: PanelCache,
    precision: Precision,
}

impl Network {
    /// The inference form of trained or loaded parameters (folds BN).
    pub fn from_parts(arch: &Arch, params: &Params, trained: bool, note: &str) -> Network {
        let params = arch.fold(params);
        Network {
            arch: arch.clone(),
            panels: PanelCache::new(params.len()),
            precision: Precision::F32,
            params,
            trained,
            note: note.to_string(),
        }
    }

    /// A freshly initialised (untrained) network.
    pub fn init(config: ModelConfig, seed: u64) -> Result<Network> {
        let (arch, mut p) = Arch::build(&config)?;
        arch.init(&mut p, seed);
        Ok(Network::from_parts(&arch, &p, false, "freshly initialised"))
    }

    /// The architecture config.
    pub fn config(&self) -> &ModelConfig {
        &self.arch.cfg
    }

    /// Whether the weights come from training.
    pub fn is_trained(&self) -> bool {
        self.trained
    }

    /// Whether the network has a category classifier.
    pub fn has_classifier(&self) -> bool {
        self.arch.classifier.is_some()
    }

    /// The training note stored with the weights.
    pub fn note(&self) -> &str {
        &self.note
    }

    /// The folded parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The arithmetic of the network's products (f32 unless
    /// [`Network::set_precision`] changed it).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Run the linear layers' products in `precision` from now on.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] for bf16 on a CPU or system without AMX (see
    /// [`Precision::available`]).
    pub fn set_precision(&mut self, precision: Precision) -> Result<()> {
        let len = self.params.len();
        self.panels = match precision {
            Precision::F32 => PanelCache::new(len),
            Precision::Bf16 => match super::amx::Amx::detect() {
                Some(amx) => PanelCache::bf16(len, amx),
                None => {
                    return Err(Error::usage(
                        "bf16 precision needs a CPU with AMX-BF16 (Intel Xeon 4th generation \
                         or later) on Linux 5.16 or later; this one has none (use f32)",
                    ))
                }
            },
        };
        self.precision = precision;
        Ok(())
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            p: &self.params,
            bn: BnMode::Folded,
            par: Par::Serial,
            panels: Some(&self.panels),
        }
    }

    /// Check the category and build the input features of `input`.
    fn check(&self, input: &CloudInput, what: &str) -> Result<Array2<f32>> {
        if input.category >= NUM_CATEGORIES {
            return Err(Error::usage(format!(
                "{what}: category index {} out of range 0..{NUM_CATEGORIES}",
                input.category
            )));
        }
        input_features(&self.arch.cfg, input.points, input.normals, what)
    }

    /// The category-independent part of the forward from input features `x0`.
    fn encode_features(
        &self,
        input: &CloudInput,
        x0: Array2<f32>,
        timer: &mut StageTimer,
    ) -> Encoded {
        super::alloc::retain_freed_memory();
        let sampling = Sampling {
            seed: input.seed,
            ordered: input.fps_ordered,
        };
        let plan = Plan::new(&self.arch.cfg, &[input.points], &[sampling], false, timer);
        let (z, logits) = self.arch.encode(&self.ctx(), &plan, x0, None, timer);
        Encoded {
            z,
            category_logits: logits.map(|l| l.row(0).to_vec()),
        }
    }

    /// Logits `[N, P]` of an encoded cloud under a checked `category`.
    fn decode_checked(
        &self,
        z: Array2<f32>,
        category: usize,
        timer: &mut StageTimer,
    ) -> Array2<f32> {
        let offsets = [0, z.nrows()];
        self.arch
            .decode(&self.ctx(), z, &offsets, &[category], None, None, timer)
    }

    /// Logits of one cloud from its checked input features.
    fn forward_features(
        &self,
        input: &CloudInput,
        x0: Array2<f32>,
        timer: &mut StageTimer,
    ) -> Array2<f32> {
        let enc = self.encode_features(input, x0, timer);
        self.decode_checked(enc.z, input.category, timer)
    }

    /// The category-independent part of the forward for one cloud (the
    /// input's category is ignored).
    pub fn encode(&self, input: &CloudInput) -> Result<Encoded> {
        let x0 = input_features(&self.arch.cfg, input.points, input.normals, "cloud")?;
        Ok(self.encode_features(input, x0, &mut StageTimer::off()))
    }

    /// Logits `[N, P]` of an encoded cloud under `category`.
    pub fn decode(&self, enc: &Encoded, category: usize) -> Result<Array2<f32>> {
        if category >= NUM_CATEGORIES {
            return Err(Error::usage(format!(
                "category index {category} out of range 0..{NUM_CATEGORIES}"
            )));
        }
        Ok(self.decode_checked(enc.z.clone(), category, &mut StageTimer::off()))
    }

    /// Logits `[N, P]` of one cloud, recording time per stage into `timer`
    /// (`input`, `SAl geometry`, `FPl geometry`, then `stem`, `SA1`.., `FP3`..,
    /// `FP1+head` for the layers).
    pub fn forward_timed(&self, input: &CloudInput, timer: &mut StageTimer) -> Result<Array2<f32>> {
        let x0 = self.check(input, "cloud")?;
        Ok(self.forward_features(input, x0, timer))
    }

    /// Logits `[N, P]` of one cloud, on the calling thread.
    pub fn forward_one(&self, input: &CloudInput) -> Result<Array2<f32>> {
        self.forward_timed(input, &mut StageTimer::off())
    }

    /// Logits `[N_b, P]` for each cloud, clouds in parallel on the rayon pool
    /// (each cloud's forward is independent and single-threaded, so the result
    /// does not depend on the pool size). Every input is checked first.
    pub fn forward(&self, inputs: &[CloudInput]) -> Result<Vec<Array2<f32>>> {
        let xs = inputs
            .iter()
            .enumerate()
            .map(|(i, input)| self.check(input, &format!("cloud {i}")))
            .collect::<Result<Vec<_>>>()?;
        Ok(inputs
            .par_iter()
            .zip(xs)
            .map(|(input, x0)| self.forward_features(input, x0, &mut StageTimer::off()))
            .collect())
    }

    /// Predicted global part id per point: argmax over `category`'s parts.
    pub fn predict(logits: ArrayView2<f32>, category: usize) -> Vec<u32> {
        super::loss::predict_parts(logits, category)
    }
}

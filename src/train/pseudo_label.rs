//! Pseudo-labels for unlabelled shapes, for self-training: the current
//! model labels a shape under several test-time augmentations, and each
//! point records the label of the averaged probabilities, its mean
//! probability (`confidence`) and the share of augmentations whose own
//! argmax agrees (`agreement`). Training later keeps only the points that
//! are confident and agree ([`crate::train::pseudo_source`]).
//!
//! The augmentations are those a correct segmentation should not depend on:
//! another sample of the shape's points (each pass sees `points` of them,
//! chosen by farthest point sampling from its own seed), and a random
//! anisotropic scale of up to `scale_jitter` per axis. The first pass is the
//! identity scale.

use crate::categories::Category;
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use crate::model::Network;
use crate::predict::{part_probabilities, PredictOptions};
use crate::rng::Rng;

/// How shapes are pseudo-labelled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PseudoLabelOptions {
    /// Augmented passes (at least 1).
    pub passes: usize,
    /// Points the network sees per pass.
    pub points: usize,
    /// Largest relative change of each axis's scale (0: no scaling).
    pub scale_jitter: f32,
    /// Seed of the sampling and the scales.
    pub seed: u64,
}

impl Default for PseudoLabelOptions {
    fn default() -> Self {
        PseudoLabelOptions {
            passes: 8,
            points: 2048,
            scale_jitter: 0.15,
            seed: 0,
        }
    }
}

/// The pseudo-labels of one cloud, one entry per point.
#[derive(Debug, Clone, PartialEq)]
pub struct PseudoLabels {
    /// Global part id: argmax of the probabilities averaged over passes.
    pub labels: Vec<u32>,
    /// Mean probability of that part over the passes.
    pub confidence: Vec<f32>,
    /// Share of the passes whose own argmax is that part.
    pub agreement: Vec<f32>,
}

impl PseudoLabels {
    /// Share of points with `confidence >= min_confidence` and
    /// `agreement >= min_agreement`.
    pub fn kept_share(&self, min_confidence: f32, min_agreement: f32) -> f32 {
        let kept = self
            .confidence
            .iter()
            .zip(&self.agreement)
            .filter(|&(&c, &a)| c >= min_confidence && a >= min_agreement)
            .count();
        kept as f32 / self.labels.len().max(1) as f32
    }

    /// `cloud` with these labels and two extra `float` properties,
    /// `confidence` and `agreement` (replacing any of the same names).
    pub fn attach(&self, cloud: &PointCloud) -> PointCloud {
        let mut out = cloud.clone();
        out.labels = Some(self.labels.clone());
        out.extra
            .retain(|e| e.name != CONFIDENCE_PROPERTY && e.name != AGREEMENT_PROPERTY);
        for (name, values) in [
            (CONFIDENCE_PROPERTY, &self.confidence),
            (AGREEMENT_PROPERTY, &self.agreement),
        ] {
            out.extra.push(crate::cloud::ExtraProperty {
                name: name.to_string(),
                kind: crate::cloud::ScalarKind::F32,
                values: values.iter().map(|&v| v as f64).collect(),
            });
        }
        out
    }
}

/// Name of the per-point confidence property of pseudo-labelled files.
pub const CONFIDENCE_PROPERTY: &str = "confidence";
/// Name of the per-point agreement property of pseudo-labelled files.
pub const AGREEMENT_PROPERTY: &str = "agreement";

/// Pseudo-label `cloud` as a shape of `category`. `name` is used in errors.
pub fn pseudo_label(
    net: &Network,
    cloud: &PointCloud,
    category: &'static Category,
    options: &PseudoLabelOptions,
    name: &str,
) -> Result<PseudoLabels> {
    if options.passes == 0 || options.points == 0 {
        return Err(Error::usage(
            "pseudo-labelling needs at least 1 pass and 1 point",
        ));
    }
    let k = category.num_parts();
    let n = cloud.len();
    let mut mean = vec![0f32; n * k];
    let mut votes = vec![0u32; n * k];
    let mut rng = Rng::new(options.seed);
    for pass in 0..options.passes {
        let scale: [f32; 3] = if pass == 0 {
            [1.0; 3]
        } else {
            let j = options.scale_jitter;
            [0; 3].map(|_| 1.0 + rng.uniform(-j, j))
        };
        let mut view = cloud.clone();
        for p in &mut view.points {
            for (c, s) in p.iter_mut().zip(scale) {
                *c *= s;
            }
        }
        if let Some(normals) = view.normals.as_mut() {
            // Normals of a scaled surface scale by the inverse.
            for nr in normals.iter_mut() {
                let v = [nr[0] / scale[0], nr[1] / scale[1], nr[2] / scale[2]];
                let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
                *nr = if len > 0.0 { v.map(|c| c / len) } else { *nr };
            }
        }
        let predict = PredictOptions {
            points: options.points,
            whole_max: 0,
            votes: 1,
            seed: rng.next_u64(),
        };
        let probs = part_probabilities(net, &view, category, &predict, name)?;
        for (i, row) in probs.chunks_exact(k).enumerate() {
            for (m, &p) in mean[i * k..(i + 1) * k].iter_mut().zip(row) {
                *m += p / options.passes as f32;
            }
            votes[i * k + argmax(row)] += 1;
        }
    }
    let mut labels = Vec::with_capacity(n);
    let mut confidence = Vec::with_capacity(n);
    let mut agreement = Vec::with_capacity(n);
    for i in 0..n {
        let row = &mean[i * k..(i + 1) * k];
        let best = argmax(row);
        labels.push((category.first_part + best) as u32);
        confidence.push(row[best]);
        agreement.push(votes[i * k + best] as f32 / options.passes as f32);
    }
    Ok(PseudoLabels {
        labels,
        confidence,
        agreement,
    })
}

/// Index of the first largest value.
fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold(0, |b, (i, &x)| if x > row[b] { i } else { b })
}

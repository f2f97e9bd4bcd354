//! Architecture configuration of the segmentation network.
//!
//! A [`ModelConfig`] fully describes the layer shapes: it is stored as JSON in
//! every model file, so a file can be rebuilt without knowing which preset made
//! it. Letters: N input points, S centres of a level, K neighbours, C channels,
//! t expansion factor of a bottleneck (hidden width = t x input width).

use crate::categories::{NUM_CATEGORIES, NUM_PARTS};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// One set-abstraction level: a stride-2 bottleneck (FPS + ball query on the
/// previous level) followed by `blocks` stride-1 residual bottlenecks that
/// regroup the level's own points with the same radius and K.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaLevelConfig {
    /// Number of centres S picked by farthest point sampling.
    pub centres: usize,
    /// Ball-query radius (normalised units).
    pub radius: f32,
    /// Neighbours K per centre.
    pub neighbours: usize,
    /// Output width C of the level.
    pub width: usize,
    /// Expansion factor t of the level's bottlenecks.
    pub expansion: usize,
    /// Extra stride-1 residual bottlenecks at this level.
    pub blocks: usize,
}

/// The global level: a bottleneck whose aggregation is the max over all points
/// of the last SA level, with positions taken relative to the origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalConfig {
    /// Output width of the global feature.
    pub width: usize,
    /// Expansion factor t.
    pub expansion: usize,
}

/// The whole architecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Name of the architecture (`ssg-mbv2`, `tiny`, ...).
    pub name: String,
    /// Input channels per point (6: xyz + normals).
    pub in_channels: usize,
    /// Width of the per-point stem layer.
    pub stem_width: usize,
    /// Set-abstraction levels, finest first.
    pub levels: Vec<SaLevelConfig>,
    /// The global level.
    pub global: GlobalConfig,
    /// Feature-propagation widths, coarsest first (FP3, FP2, FP1 for two SA
    /// levels): `levels.len() + 1` entries.
    pub fp_widths: Vec<usize>,
    /// Width of the head layer before the logits.
    pub head_width: usize,
    /// Hidden width of the category classifier on the global feature (0: no
    /// classifier; files written before it existed load with 0).
    #[serde(default)]
    pub classifier_width: usize,
    /// Dropout probability before the last layer (training only).
    pub dropout: f32,
    /// BatchNorm running-average momentum.
    pub bn_momentum: f32,
    /// BatchNorm epsilon.
    pub bn_eps: f32,
    /// Number of shape categories (one-hot at FP1).
    pub num_categories: usize,
    /// Number of part logits.
    pub num_parts: usize,
}

impl Default for ModelConfig {
    /// The compact network, `ssg-mbv2` (the shipped model until session 11;
    /// the base the other presets vary). The shipped model is now
    /// [`ModelConfig::wide`].
    fn default() -> Self {
        ModelConfig {
            name: "ssg-mbv2".into(),
            in_channels: 6,
            stem_width: 32,
            levels: vec![
                SaLevelConfig {
                    centres: 512,
                    radius: 0.2,
                    neighbours: 32,
                    width: 64,
                    expansion: 4,
                    blocks: 0,
                },
                SaLevelConfig {
                    centres: 128,
                    radius: 0.4,
                    neighbours: 64,
                    width: 128,
                    expansion: 4,
                    blocks: 1,
                },
            ],
            global: GlobalConfig {
                width: 256,
                expansion: 4,
            },
            fp_widths: vec![128, 64, 64],
            head_width: 128,
            classifier_width: 128,
            dropout: 0.5,
            bn_momentum: 0.1,
            bn_eps: 1e-5,
            num_categories: NUM_CATEGORIES,
            num_parts: NUM_PARTS,
        }
    }
}

impl ModelConfig {
    /// A very small network for tests and CI-sized training runs (clouds of a
    /// few dozen points).
    pub fn tiny() -> Self {
        ModelConfig {
            name: "tiny".into(),
            stem_width: 8,
            levels: vec![
                SaLevelConfig {
                    centres: 16,
                    radius: 0.5,
                    neighbours: 8,
                    width: 12,
                    expansion: 2,
                    blocks: 1,
                },
                SaLevelConfig {
                    centres: 6,
                    radius: 0.9,
                    neighbours: 4,
                    width: 16,
                    expansion: 2,
                    blocks: 1,
                },
            ],
            global: GlobalConfig {
                width: 16,
                expansion: 2,
            },
            fp_widths: vec![16, 12, 12],
            head_width: 12,
            classifier_width: 8,
            ..ModelConfig::default()
        }
    }

    /// The shipped model's network, `ssg-mbv2-wide`: the layout of
    /// [`ModelConfig::default`] with about 1.5x the channels (1,258,226
    /// parameters, 0.387 GFLOPs per 2,048-point cloud, 1.9x the compact one),
    /// chosen on real shapes (MODEL_CARD.md, runs 17-18).
    pub fn wide() -> Self {
        let mut cfg = ModelConfig {
            name: "ssg-mbv2-wide".into(),
            stem_width: 48,
            global: GlobalConfig {
                width: 512,
                expansion: 3,
            },
            fp_widths: vec![256, 128, 96],
            head_width: 128,
            classifier_width: 256,
            ..ModelConfig::default()
        };
        cfg.levels[0].width = 96;
        cfg.levels[1].width = 192;
        cfg
    }

    /// A preset by name: `ssg-mbv2-wide` (the shipped model's network),
    /// `ssg-mbv2` (the compact one) or `tiny`.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "ssg-mbv2-wide" => Some(ModelConfig::wide()),
            "ssg-mbv2" => Some(ModelConfig::default()),
            "tiny" => Some(ModelConfig::tiny()),
            _ => None,
        }
    }

    /// Parse a config from JSON (as stored in model files).
    pub fn from_json(json: &str) -> Result<Self> {
        let cfg: ModelConfig =
            serde_json::from_str(json).map_err(|e| Error::model(format!("model config: {e}")))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The config as one-line JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("ModelConfig serialises")
    }

    /// Hidden width of the bottlenecks of SA level `l` (0-based):
    /// `(stride-2 hidden, stride-1 hidden)`.
    pub fn level_hidden(&self, l: usize) -> (usize, usize) {
        let cin = if l == 0 {
            self.stem_width
        } else {
            self.levels[l - 1].width
        };
        let lv = &self.levels[l];
        (lv.expansion * cin, lv.expansion * lv.width)
    }

    /// Check that every size is usable.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::model(format!("model config `{}`: {m}", self.name)));
        if self.in_channels < 3 {
            return bad(format!("in_channels {} < 3", self.in_channels));
        }
        if self.stem_width == 0 || self.head_width == 0 || self.global.width == 0 {
            return bad("zero width".into());
        }
        if self.global.expansion == 0 {
            return bad("global expansion is 0".into());
        }
        if self.levels.is_empty() {
            return bad("no set-abstraction level".into());
        }
        for (i, l) in self.levels.iter().enumerate() {
            if l.centres == 0 || l.neighbours == 0 || l.width == 0 || l.expansion == 0 {
                return bad(format!("level {}: zero size", i + 1));
            }
            if !(l.radius > 0.0 && l.radius.is_finite()) {
                return bad(format!("level {}: radius {} not positive", i + 1, l.radius));
            }
        }
        if self.fp_widths.len() != self.levels.len() + 1 || self.fp_widths.contains(&0) {
            return bad(format!(
                "fp_widths needs {} non-zero entries, got {:?}",
                self.levels.len() + 1,
                self.fp_widths
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout {} not in [0, 1)", self.dropout));
        }
        if !(self.bn_momentum > 0.0 && self.bn_momentum <= 1.0 && self.bn_eps > 0.0) {
            return bad("bn_momentum must be in (0, 1] and bn_eps > 0".into());
        }
        if self.num_categories != NUM_CATEGORIES || self.num_parts != NUM_PARTS {
            return bad(format!(
                "{} categories / {} parts; pcseg's table has {NUM_CATEGORIES} / {NUM_PARTS}",
                self.num_categories, self.num_parts
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate_and_round_trip_json() {
        for cfg in [
            ModelConfig::wide(),
            ModelConfig::default(),
            ModelConfig::tiny(),
        ] {
            cfg.validate().unwrap();
            assert_eq!(ModelConfig::from_json(&cfg.to_json()).unwrap(), cfg);
        }
        let mut c = ModelConfig::tiny();
        c.fp_widths.pop();
        assert!(c.validate().unwrap_err().to_string().contains("fp_widths"));
        assert_eq!(ModelConfig::preset("ssg-mbv2").unwrap().name, "ssg-mbv2");
        assert!(ModelConfig::preset("nope").is_none());
        // The preset is the network of the wide training runs' config file.
        let file = include_str!("../../runs/wide-w1/config.json");
        assert_eq!(ModelConfig::from_json(file).unwrap(), ModelConfig::wide());
    }

    #[test]
    fn configs_written_before_the_classifier_load_without_one() {
        let mut json: serde_json::Value =
            serde_json::from_str(&ModelConfig::default().to_json()).unwrap();
        json.as_object_mut().unwrap().remove("classifier_width");
        let cfg = ModelConfig::from_json(&json.to_string()).unwrap();
        assert_eq!(cfg.classifier_width, 0);
    }
}

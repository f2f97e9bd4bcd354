//! Model files: safetensors (read and written by [`super::safetensors`])
//! with one little-endian f32 tensor per parameter and BN running statistic
//! (names as in [`Params`](super::Params), e.g. `sa1.0.expand.linear.weight`
//! `[Cout, Cin]`), and string metadata that makes the file self-describing:
//!
//! | key | value |
//! |---|---|
//! | `format` | `pcseg-model` |
//! | `format_version` | `1` |
//! | `model_name` | config name, e.g. `ssg-mbv2` |
//! | `config` | the [`ModelConfig`] as JSON |
//! | `categories` | JSON list of `{index, name, synset, first_part, parts}` |
//! | `part_names` | JSON list of the 50 global part names (`Category/part`) |
//! | `trained` | `true` / `false` |
//! | `note` | free text (training recipe, data, epochs) |
//!
//! Python: `safetensors.torch.load_file(path)` gives the tensors and
//! `safe_open(path, "pt").metadata()` the header. BatchNorm is stored
//! unfolded; inference folds it when the file is loaded.

use super::config::ModelConfig;
use super::cost::{arch_flops, param_count};
use super::network::Arch;
use super::safetensors::{self, NamedTensor, TensorReader};
use super::trainable::Model;
use crate::categories::{CATEGORIES, NUM_PARTS};
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Value of the `format` metadata key.
pub const FORMAT: &str = "pcseg-model";

fn categories_json() -> serde_json::Value {
    serde_json::Value::Array(
        CATEGORIES
            .iter()
            .map(|c| {
                serde_json::json!({
                    "index": c.index,
                    "name": c.name,
                    "synset": c.synset,
                    "first_part": c.first_part,
                    "parts": c.parts,
                })
            })
            .collect(),
    )
}

fn part_names() -> Vec<String> {
    let mut names = vec![String::new(); NUM_PARTS];
    for c in &CATEGORIES {
        for (i, p) in c.parts.iter().enumerate() {
            names[c.first_part + i] = format!("{}/{}", c.name, p);
        }
    }
    names
}

/// Serialise a model to safetensors bytes.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>> {
    let p = &model.params;
    let tensors: Vec<NamedTensor> = p
        .ids()
        .map(|id| NamedTensor::from_array(p.name(id).to_string(), p.get(id)))
        .collect();
    let mut meta = HashMap::new();
    meta.insert("format".to_string(), FORMAT.to_string());
    meta.insert("format_version".to_string(), "1".to_string());
    meta.insert("model_name".to_string(), model.config().name.clone());
    meta.insert("config".to_string(), model.config().to_json());
    meta.insert("categories".to_string(), categories_json().to_string());
    meta.insert(
        "part_names".to_string(),
        serde_json::to_string(&part_names()).expect("strings serialise"),
    );
    meta.insert("trained".to_string(), model.trained.to_string());
    meta.insert("note".to_string(), model.note.clone());
    safetensors::to_bytes(&tensors, meta)
}

/// The metadata value `format` of safetensors `bytes` (`pcseg-model` for a
/// model file), or `None` when the file has none.
pub fn file_format(bytes: &[u8], origin: &str) -> Result<Option<String>> {
    Ok(safetensors::metadata(bytes, Path::new(origin))?.remove("format"))
}

/// Parse a model from safetensors bytes; `origin` names them in errors.
/// Every tensor must have its config's shape and only finite values (a NaN
/// or infinite weight is refused, naming the tensor and the index).
pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<Model> {
    let err = |m: String| Error::data(Path::new(origin), None, m);
    let meta = safetensors::metadata(bytes, Path::new(origin))?;
    if meta.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(err(format!(
            "not a pcseg model (metadata `format` is not `{FORMAT}`)"
        )));
    }
    let cfg_json = meta
        .get("config")
        .ok_or_else(|| err("metadata has no `config`".into()))?;
    let cfg = ModelConfig::from_json(cfg_json).map_err(|e| err(e.to_string()))?;
    if let Some(cats) = meta.get("categories") {
        let v: serde_json::Value =
            serde_json::from_str(cats).map_err(|e| err(format!("metadata `categories`: {e}")))?;
        if v != categories_json() {
            return Err(err(
                "the model's category table differs from pcseg's ShapeNetPart table".into(),
            ));
        }
    }
    let (arch, mut params) = Arch::build(&cfg).map_err(|e| err(e.to_string()))?;
    let reader = TensorReader::new(bytes, Path::new(origin))?;
    let ids: Vec<_> = params.ids().collect();
    for id in ids {
        let name = params.name(id).to_string();
        let shape = params.get(id).shape().to_vec();
        let value = reader.get(&shape, &name)?;
        params.set(origin, &name, value)?;
    }
    let extra: Vec<String> = reader
        .names()
        .into_iter()
        .filter(|n| params.id(n).is_none())
        .collect();
    if !extra.is_empty() {
        return Err(err(format!(
            "unexpected tensors for config `{}`: {}",
            cfg.name,
            extra.join(", ")
        )));
    }
    Ok(Model {
        arch,
        params,
        trained: meta.get("trained").map(String::as_str) == Some("true"),
        note: meta.get("note").cloned().unwrap_or_default(),
        running_momentum: None,
    })
}

impl Model {
    /// Write the model to `path` (safetensors), atomically: a temporary file
    /// in the same folder, synced, then renamed over `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = to_bytes(self)?;
        write_atomic(path, |w| w.write_all(&bytes))
    }

    /// Read a model file.
    pub fn load(path: &Path) -> Result<Model> {
        from_bytes(&safetensors::read_file(path)?, &path.display().to_string())
    }
}

/// Points per cloud for which `pcseg info` reports FLOPs.
pub const INFO_POINTS: usize = 2048;

/// Human-readable (or JSON) description of a model (`pcseg info`):
/// architecture, parameter count, FLOPs per 2,048-point cloud, trained or
/// not. `origin` names it.
pub fn describe(model: &Model, origin: &str, json: bool) -> String {
    let cfg = model.config();
    let (params, buffers) = param_count(cfg);
    let cost = arch_flops(&model.arch, INFO_POINTS);
    let mut layers: Vec<(String, String)> = Vec::new();
    let inputs = if cfg.in_channels >= 6 {
        "xyz + normals"
    } else {
        "xyz"
    };
    layers.push((
        "input".into(),
        format!("{} channels ({inputs})", cfg.in_channels),
    ));
    for st in model.arch.stages() {
        layers.push((st.name, st.unit.shape()));
    }
    if json {
        let v = serde_json::json!({
            "file": origin,
            "model_name": cfg.name,
            "trained": model.trained,
            "note": model.note,
            "parameters": params,
            "bn_running_values": buffers,
            "flops_points": INFO_POINTS,
            "flops": cost.total(),
            "flops_per_stage": cost.stages.iter().map(|(n, f)| serde_json::json!({"stage": n, "flops": f})).collect::<Vec<_>>(),
            "layers": layers.iter().map(|(n, d)| serde_json::json!({"layer": n, "shape": d})).collect::<Vec<_>>(),
            "config": cfg,
        });
        return v.to_string();
    }
    let mut out = String::new();
    out += &format!("{origin}: pcseg model `{}`\n", cfg.name);
    out += &format!(
        "trained: {}{}\n",
        if model.trained { "yes" } else { "no" },
        if model.note.is_empty() {
            String::new()
        } else {
            format!(" ({})", model.note)
        }
    );
    out += &format!("parameters: {params} (+ {buffers} BatchNorm running values)\n");
    out += &format!(
        "FLOPs per {INFO_POINTS}-point cloud: {:.3} G (2 per multiply-add)\n",
        cost.total() as f64 * 1e-9
    );
    out += "architecture:\n";
    for (n, d) in &layers {
        out += &format!("  {n:<10} {d}\n");
    }
    out += "FLOPs per stage:\n";
    for (n, f) in &cost.stages {
        out += &format!("  {n:<10} {:>8.1} M\n", *f as f64 * 1e-6);
    }
    out
}

// Loading lives here, beside the file format, so the inference API does not
// depend on the training model type.
impl super::inference::Network {
    /// Read a model file and fold it for inference.
    pub fn load(path: &Path) -> Result<super::inference::Network> {
        Ok(Model::load(path)?.to_network())
    }

    /// Parse model bytes (e.g. embedded in the binary) and fold them.
    pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<super::inference::Network> {
        Ok(from_bytes(bytes, origin)?.to_network())
    }
}

//! `pcseg info`: describe a point cloud file or a model file.

use anyhow::Result;
use pcseg::categories::part_name;
use pcseg::cloud::PointCloud;
use pcseg::error::display_path;
use pcseg::io::{read_cloud_with_info, Format, SourceInfo};
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `pcseg info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Point cloud (PLY, PCD, XYZ-style text, ShapeNetPart .pts), mesh (OBJ,
    /// OFF, STL, PLY with faces, AC3D, glTF; described as sampled) or model (.safetensors).
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Input format (ply, xyz or pcd) when the extension does not tell, or for `-`.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<Format>,
}

/// Run `pcseg info`.
pub fn execute(args: Args) -> Result<()> {
    let is_model = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("safetensors"));
    if is_model {
        let model = crate::cli::model_file::load_model(&args.file)?;
        let origin = args.file.display().to_string();
        print!("{}", pcseg::model::describe(&model, &origin, args.json));
        return Ok(());
    }
    let (cloud, source) = read_cloud_with_info(&args.file, args.format)?;
    let summary = Summary::new(&cloud, &source);
    if args.json {
        println!("{}", summary.to_json(&args.file));
    } else {
        print!("{}", summary.to_text(&args.file));
    }
    Ok(())
}

/// Everything `info` reports, computed once for both output styles.
struct Summary {
    /// `ply`, `xyz`, `pcd`, or the mesh format's name.
    format: &'static str,
    detail: String,
    points: usize,
    properties: Vec<(String, String)>,
    other_elements: Vec<(String, u64)>,
    has_normals: bool,
    /// Where the labels come from, if there are any: `points`, or `faces`
    /// for a labelled mesh.
    labels_from: Option<&'static str>,
    bbox: ([f32; 3], [f32; 3]),
    /// (part id, count), ascending id, non-zero counts only.
    histogram: Vec<(u32, usize)>,
}

impl Summary {
    fn new(cloud: &PointCloud, source: &SourceInfo) -> Summary {
        let mut properties = Vec::new();
        let mut other_elements = Vec::new();
        let detail = match source {
            SourceInfo::Ply(h) => {
                for e in &h.elements {
                    if e.name == "vertex" {
                        for p in &e.properties {
                            properties.push((p.name.clone(), p.ty.to_string()));
                        }
                    } else {
                        other_elements.push((e.name.clone(), e.count));
                    }
                }
                format!("PLY {}", h.encoding.name())
            }
            SourceInfo::Xyz(layout) => {
                let names = ["x", "y", "z", "nx", "ny", "nz"];
                let n = if layout.has_normals() { 6 } else { 3 };
                for name in &names[..n] {
                    properties.push((name.to_string(), "text".to_string()));
                }
                if layout.has_labels() {
                    properties.push(("label".into(), "text".into()));
                }
                format!("XYZ text, {} columns", layout.columns())
            }
            SourceInfo::V0Pair => {
                for name in ["x", "y", "z"] {
                    properties.push((name.to_string(), "text".to_string()));
                }
                properties.push(("label".into(), "seg file".into()));
                "ShapeNetPart v0 .pts + .seg".to_string()
            }
            SourceInfo::Pcd(h) => {
                for f in &h.fields {
                    let ty = match f.count {
                        1 => f.type_name(),
                        n => format!("{} x{n}", f.type_name()),
                    };
                    properties.push((f.name.clone(), ty));
                }
                let organised = if h.height > 1 {
                    format!(", organised {} x {}", h.width, h.height)
                } else {
                    String::new()
                };
                format!("PCD {}{organised}", h.data.name())
            }
            SourceInfo::Mesh(m) => {
                for name in ["x", "y", "z", "nx", "ny", "nz"] {
                    properties.push((name.to_string(), "sampled".to_string()));
                }
                if cloud.labels.is_some() {
                    // Each sampled point takes its triangle's part.
                    properties.push(("label".into(), "per face".into()));
                }
                format!(
                    "{} mesh, {} vertices, {} triangles, {} group(s), area {:.6}; \
                     {} points sampled uniformly by area (seed {})",
                    m.format.name().to_ascii_uppercase(),
                    m.vertices,
                    m.triangles,
                    m.groups.len(),
                    m.area,
                    m.sampling.points,
                    m.sampling.seed
                )
            }
        };
        let mut histogram = Vec::new();
        if let Some(labels) = &cloud.labels {
            let mut counts = std::collections::BTreeMap::new();
            for &l in labels {
                *counts.entry(l).or_insert(0usize) += 1;
            }
            histogram = counts.into_iter().collect();
        }
        Summary {
            format: match source {
                SourceInfo::Mesh(m) => m.format.name(),
                s => s.format().map_or("?", Format::name),
            },
            detail,
            points: cloud.len(),
            properties,
            other_elements,
            has_normals: cloud.normals.is_some(),
            labels_from: cloud.labels.as_ref().map(|_| match source {
                SourceInfo::Mesh(_) => "faces",
                _ => "points",
            }),
            // read_cloud refuses empty clouds, so there is a bounding box.
            bbox: cloud.bbox().unwrap_or(([0.0; 3], [0.0; 3])),
            histogram,
        }
    }

    fn to_text(&self, path: &std::path::Path) -> String {
        let yes = |b: bool| if b { "yes" } else { "no" };
        let props: Vec<String> = self
            .properties
            .iter()
            .map(|(n, t)| format!("{n} ({t})"))
            .collect();
        let (lo, hi) = self.bbox;
        let mut s = format!(
            "file:       {}\nformat:     {}\npoints:     {}\nproperties: {}\n",
            display_path(path),
            self.detail,
            self.points,
            props.join(", ")
        );
        if !self.other_elements.is_empty() {
            let els: Vec<String> = self
                .other_elements
                .iter()
                .map(|(n, c)| format!("{n} ({c})"))
                .collect();
            s += &format!("elements:   {} (ignored)\n", els.join(", "));
        }
        let labels = match self.labels_from {
            Some("faces") => "yes (each point takes the label of the face it lies on)",
            from => yes(from.is_some()),
        };
        s += &format!(
            "normals:    {}\nlabels:     {}\nbbox min:   {} {} {}\nbbox max:   {} {} {}\n",
            yes(self.has_normals),
            labels,
            lo[0],
            lo[1],
            lo[2],
            hi[0],
            hi[1],
            hi[2]
        );
        if !self.histogram.is_empty() {
            s += "label histogram:\n";
            for &(id, count) in &self.histogram {
                let name =
                    part_name(id as usize).unwrap_or_else(|| "not a ShapeNetPart part".into());
                let pct = 100.0 * count as f64 / self.points as f64;
                s += &format!("  {id:>3} {name:<28} {count:>9} {pct:5.1}%\n");
            }
        }
        s
    }

    fn to_json(&self, path: &std::path::Path) -> serde_json::Value {
        let (lo, hi) = self.bbox;
        let histogram: Vec<_> = self
            .histogram
            .iter()
            .map(|&(id, count)| json!({"part": id, "name": part_name(id as usize), "count": count}))
            .collect();
        let properties: Vec<_> = self
            .properties
            .iter()
            .map(|(n, t)| json!({"name": n, "type": t}))
            .collect();
        let elements: Vec<_> = self
            .other_elements
            .iter()
            .map(|(n, c)| json!({"name": n, "count": c}))
            .collect();
        json!({
            "file": display_path(path),
            "format": self.format,
            "detail": self.detail,
            "points": self.points,
            "properties": properties,
            "other_elements": elements,
            "has_normals": self.has_normals,
            "has_labels": self.labels_from.is_some(),
            "labels_from": self.labels_from,
            "bbox_min": lo,
            "bbox_max": hi,
            "label_histogram": histogram,
        })
    }
}

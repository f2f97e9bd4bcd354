//! Measurement helper for `--orient auto` (not part of the product): for
//! every shape of ShapeNetPart `_normal` folders, turned into each of the 24
//! axis-aligned frames, print one JSON line with the true frame and every
//! candidate's score components, with the category given and auto.
//!
//! `cargo run --release --example orient_scores -- DIR... > scores.ndjson`

use pcseg::categories::find_category;
use pcseg::model::Network;
use pcseg::predict::orient::{search_orientation, Frame};
use pcseg::predict::{CategoryChoice, PredictOptions};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = Network::load(Path::new("assets/ssg-mbv2-wide.safetensors"))?;
    let options = PredictOptions::default();
    for root in std::env::args().skip(1) {
        let mut files = Vec::new();
        for synset in std::fs::read_dir(&root)? {
            let dir = synset?.path();
            let Some(cat) = dir
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(find_category)
            else {
                continue;
            };
            for f in std::fs::read_dir(&dir)? {
                files.push((f?.path(), cat));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, cat) in files {
            let aligned = pcseg::io::read_cloud(&path, None)?;
            let truths = if std::env::var_os("ALL_TRUTHS").is_some() {
                Frame::all()
            } else {
                vec![Frame::MODEL]
            };
            for truth in truths {
                let mut cloud = aligned.clone();
                cloud.exact_points = None;
                cloud.exact_normals = None;
                cloud
                    .points
                    .iter_mut()
                    .for_each(|p| *p = truth.from_model(*p));
                if let Some(n) = &mut cloud.normals {
                    n.iter_mut().for_each(|p| *p = truth.from_model(*p));
                }
                let mut line = serde_json::json!({
                    "file": path.display().to_string(),
                    "category": cat.name,
                    "up": truth.up.name(), "front": truth.front.name(),
                });
                for (key, choice, points) in [
                    ("given", CategoryChoice::Given(cat), 2048),
                    ("auto", CategoryChoice::Auto, 2048),
                    ("given512", CategoryChoice::Given(cat), 512),
                    ("auto512", CategoryChoice::Auto, 512),
                ] {
                    let whole_max = if points < 2048 {
                        points
                    } else {
                        options.whole_max
                    };
                    let options = PredictOptions {
                        points,
                        whole_max,
                        ..options
                    };
                    let c = search_orientation(&net, &cloud, choice, &options, "x")?;
                    let cands: Vec<serde_json::Value> = c
                        .candidates
                        .iter()
                        .map(|s| {
                            serde_json::json!([
                                s.frame.up.name(),
                                s.frame.front.name(),
                                s.category.name,
                                s.class_probability,
                                s.part_confidence
                            ])
                        })
                        .collect();
                    line[key] = cands.into();
                }
                println!("{line}");
            }
        }
    }
    Ok(())
}

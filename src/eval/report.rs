//! Evaluation reports: the figures of an [`MiouAccumulator`] plus how they
//! were obtained, printable as text, Markdown or one JSON object.

use super::{CategoryConfusion, MiouAccumulator};
use crate::categories::CATEGORIES;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One category's line in a report. IoU values in percent.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryReport {
    /// Shapes scored in this category.
    pub shapes: usize,
    /// Mean shape mIoU (percent).
    pub miou: f64,
    /// Mean IoU per part name (percent).
    pub parts: BTreeMap<String, f64>,
}

/// A full evaluation report. All mIoU and accuracy values in percent.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    /// Mean shape mIoU over all shapes.
    pub instance_miou: f64,
    /// Mean over categories of the per-category mean shape mIoU.
    pub class_miou: f64,
    /// Overall point accuracy.
    pub accuracy: f64,
    /// Shapes scored.
    pub shapes: usize,
    /// Points scored.
    pub points_scored: usize,
    /// How the figures were obtained.
    #[serde(flatten)]
    pub run: RunInfo,
    /// Shapes per second.
    pub shapes_per_second: f64,
    /// Per-category figures, by category name.
    pub categories: BTreeMap<String, CategoryReport>,
    /// With `--auto-category`: the share of shapes given their true category
    /// (percent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_accuracy: Option<f64>,
    /// With `--auto-category`: `confusion.counts[truth][chosen]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion: Option<CategoryConfusion>,
}

/// How a report was produced (everything except the scores).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RunInfo {
    /// `all-points`, `resample-2048` or `predictions`.
    pub protocol: String,
    /// Points the network sees per shape (0 when scoring prediction files).
    pub points: usize,
    /// Shapes with at most this many points are seen whole (0: none).
    pub whole_max: usize,
    /// Test-time augmentation votes.
    pub votes: usize,
    /// Model name (or `-` for prediction files).
    pub model: String,
    /// Model parameter count (0 for prediction files).
    pub parameters: usize,
    /// Dataset path and split.
    pub dataset: String,
    /// Wall time in seconds, reading included.
    pub seconds: f64,
}

impl RunInfo {
    /// What the network saw, e.g. `2048 points (shapes of at most 4096 seen
    /// whole)`.
    pub fn points_text(&self) -> String {
        if self.whole_max > 0 {
            format!(
                "{} points (shapes of at most {} seen whole)",
                self.points, self.whole_max
            )
        } else {
            format!("{} points", self.points)
        }
    }
}

fn pct(x: Option<f64>) -> f64 {
    // Rounded to 1e-4 percent so JSON and text agree on what they show.
    (x.unwrap_or(0.0) * 100.0 * 1e4).round() / 1e4
}

impl EvalReport {
    /// Build a report from accumulated scores.
    pub fn new(acc: &MiouAccumulator, info: RunInfo) -> Self {
        let mut categories = BTreeMap::new();
        for c in &CATEGORIES {
            let Some(parts) = acc.part_mious(c.index) else {
                continue;
            };
            categories.insert(
                c.name.to_string(),
                CategoryReport {
                    shapes: acc.categories[c.index].shapes,
                    miou: pct(acc.category_miou(c.index)),
                    parts: c
                        .parts
                        .iter()
                        .zip(parts)
                        .map(|(n, v)| (n.to_string(), pct(Some(v))))
                        .collect(),
                },
            );
        }
        let shapes = acc.shapes();
        let shapes_per_second = if info.seconds > 0.0 {
            (shapes as f64 / info.seconds * 10.0).round() / 10.0
        } else {
            0.0
        };
        EvalReport {
            instance_miou: pct(acc.instance_miou()),
            class_miou: pct(acc.class_miou()),
            accuracy: pct(acc.accuracy()),
            shapes,
            points_scored: acc.total_points,
            run: RunInfo {
                seconds: (info.seconds * 1000.0).round() / 1000.0,
                ..info
            },
            shapes_per_second,
            categories,
            category_accuracy: None,
            confusion: None,
        }
    }

    /// Add the category confusion of an `--auto-category` run.
    pub fn with_confusion(self, confusion: CategoryConfusion) -> Self {
        EvalReport {
            category_accuracy: Some(pct(confusion.accuracy())),
            confusion: Some(confusion),
            ..self
        }
    }

    /// Categories in official order (the map is alphabetical). Yields each category's name, report and its parts as `name IoU` in
    /// part-id order.
    fn ordered(&self) -> impl Iterator<Item = (&'static str, &CategoryReport, String)> {
        CATEGORIES.iter().filter_map(|c| {
            let r = self.categories.get(c.name)?;
            let parts = c
                .parts
                .iter()
                .map(|n| format!("{n} {:.1}", r.parts.get(*n).copied().unwrap_or(0.0)))
                .collect::<Vec<_>>()
                .join(", ");
            Some((c.name, r, parts))
        })
    }

    /// Plain-text report for the terminal.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "instance mIoU {:.2}  class mIoU {:.2}  accuracy {:.2}  ({} shapes, {} points scored)",
            self.instance_miou, self.class_miou, self.accuracy, self.shapes, self.points_scored
        );
        let _ = writeln!(
            s,
            "protocol {}, {}, {} vote(s), model {} ({} parameters), {}",
            self.run.protocol,
            self.run.points_text(),
            self.run.votes,
            self.run.model,
            self.run.parameters,
            self.run.dataset
        );
        let _ = writeln!(
            s,
            "wall time {:.2} s, {:.1} shapes/s",
            self.run.seconds, self.shapes_per_second
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<11} {:>6} {:>7}  parts (IoU)",
            "category", "shapes", "mIoU"
        );
        for (name, r, parts) in self.ordered() {
            let _ = writeln!(s, "{:<11} {:>6} {:>7.2}  {}", name, r.shapes, r.miou, parts);
        }
        if let Some(c) = &self.confusion {
            let _ = writeln!(s);
            s.push_str(&c.to_text());
        }
        s
    }

    /// The same tables as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "| metric | value |\n|---|---|");
        let _ = writeln!(s, "| instance mIoU | {:.2} |", self.instance_miou);
        let _ = writeln!(s, "| class mIoU | {:.2} |", self.class_miou);
        let _ = writeln!(s, "| point accuracy | {:.2} |", self.accuracy);
        let _ = writeln!(s, "| shapes | {} |", self.shapes);
        let _ = writeln!(
            s,
            "| protocol | {} ({}, {} vote(s)) |",
            self.run.protocol,
            self.run.points_text(),
            self.run.votes
        );
        let _ = writeln!(
            s,
            "| model | {} ({} parameters) |",
            self.run.model, self.run.parameters
        );
        let _ = writeln!(s, "| dataset | {} |", self.run.dataset);
        let _ = writeln!(
            s,
            "| wall time | {:.2} s ({:.1} shapes/s) |",
            self.run.seconds, self.shapes_per_second
        );
        let _ = writeln!(
            s,
            "\n| category | shapes | mIoU | parts (IoU) |\n|---|---:|---:|---|"
        );
        for (name, r, parts) in self.ordered() {
            let _ = writeln!(s, "| {} | {} | {:.2} | {} |", name, r.shapes, r.miou, parts);
        }
        if let Some(c) = &self.confusion {
            let _ = writeln!(
                s,
                "\nCategory chosen by `--category auto`: {:.2} % right.\n",
                self.category_accuracy.unwrap_or(0.0)
            );
            s.push_str(&c.to_markdown());
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::find_category;

    #[test]
    fn report_carries_the_accumulated_numbers() {
        let mut acc = MiouAccumulator::default();
        let mug = find_category("mug").unwrap();
        acc.add(mug, &[36, 37, 37, 37], &[36, 36, 37, 37]);
        let r = EvalReport::new(
            &acc,
            RunInfo {
                protocol: "all-points".into(),
                seconds: 2.0,
                ..Default::default()
            },
        );
        assert_eq!(r.shapes, 1);
        assert_eq!(r.categories["Mug"].parts["handle"], 50.0);
        assert_eq!(r.categories["Mug"].parts["body"], 66.6667);
        assert_eq!(r.instance_miou, 58.3333);
        assert_eq!(r.class_miou, 58.3333);
        assert_eq!(r.accuracy, 75.0);
        assert_eq!(r.shapes_per_second, 0.5);
        let json: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(json["categories"]["Mug"]["miou"], 58.3333);
        assert_eq!(json["protocol"], "all-points");
        assert_eq!(json["shapes_per_second"], 0.5);
        assert!(r.to_text().contains("instance mIoU 58.33"));
        assert!(r
            .to_markdown()
            .contains("| Mug | 1 | 58.33 | handle 50.0, body 66.7 |"));
    }
}

//! Evaluation reports: the figures of an [`MiouAccumulator`] plus how they
//! were obtained, printable as text, Markdown or one JSON object. A report
//! over fewer shapes than asked for says so (`partial`, the failures), and
//! one of an `--auto-category` run records how sure each choice was.

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
    /// With `--auto-category`: how each shape's category was chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_choices: Option<Vec<ChoiceRecord>>,
    /// With `--auto-category`: choices with a confidence below
    /// [`LOW_CONFIDENCE`] or a margin below [`LOW_MARGIN`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_confidence_choices: Option<usize>,
    /// Whether some shapes could not be scored (the figures cover the others).
    pub partial: bool,
    /// Shapes that could not be scored.
    pub shapes_failed: usize,
    /// Those shapes and why.
    pub failures: Vec<ShapeFailure>,
}

/// A shape that could not be scored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShapeFailure {
    /// Its file.
    pub file: String,
    /// The error, on one line.
    pub reason: String,
}

/// A chosen category below this confidence counts as a low-confidence choice.
pub const LOW_CONFIDENCE: f64 = 0.6;
/// A chosen category ahead of the next by less than this counts as a
/// low-confidence choice.
pub const LOW_MARGIN: f64 = 0.2;

/// How `--auto-category` chose one shape's category (scores as
/// [`crate::predict::AutoChoice`] has them, rounded to 1e-4).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChoiceRecord {
    /// The shape, `synset/token`.
    pub shape: String,
    /// Its true category.
    pub truth: String,
    /// The category chosen.
    pub chosen: String,
    /// The chosen category's score.
    pub confidence: f64,
    /// Its lead over the next best score.
    pub margin: f64,
}

impl ChoiceRecord {
    /// Record a choice (`confidence` and `margin` are rounded to 1e-4).
    pub fn new(shape: String, truth: &str, chosen: &str, confidence: f32, margin: f32) -> Self {
        let round = |x: f32| (f64::from(x) * 1e4).round() / 1e4;
        ChoiceRecord {
            shape,
            truth: truth.to_string(),
            chosen: chosen.to_string(),
            confidence: round(confidence),
            margin: round(margin),
        }
    }

    /// Whether the choice could easily have gone another way.
    pub fn is_low_confidence(&self) -> bool {
        self.confidence < LOW_CONFIDENCE || self.margin < LOW_MARGIN
    }
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
    /// Dataset path and what of it was scored (a split, or all shapes).
    pub dataset: String,
    /// With `--predictions`: the folder the scored labels were read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predictions: Option<String>,
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
            auto_choices: None,
            low_confidence_choices: None,
            partial: false,
            shapes_failed: 0,
            failures: Vec::new(),
        }
    }

    /// Record the shapes that could not be scored (the report is partial
    /// when there are any).
    pub fn with_failures(self, failures: Vec<ShapeFailure>) -> Self {
        EvalReport {
            partial: !failures.is_empty(),
            shapes_failed: failures.len(),
            failures,
            ..self
        }
    }

    /// Record how `--auto-category` chose each shape's category.
    pub fn with_choices(self, choices: Vec<ChoiceRecord>) -> Self {
        EvalReport {
            low_confidence_choices: Some(choices.iter().filter(|c| c.is_low_confidence()).count()),
            auto_choices: Some(choices),
            ..self
        }
    }

    /// The line saying the report is partial, if it is.
    fn partial_line(&self) -> Option<String> {
        self.partial.then(|| {
            format!(
                "PARTIAL: {} of {} shapes failed; the figures cover the {} scored",
                self.shapes_failed,
                self.shapes_failed + self.shapes,
                self.shapes
            )
        })
    }

    /// The line counting low-confidence category choices, if any were made.
    fn low_confidence_line(&self) -> Option<String> {
        let choices = self.auto_choices.as_ref()?;
        Some(format!(
            "low-confidence choices (confidence < {LOW_CONFIDENCE} or margin < {LOW_MARGIN}): {} of {}",
            self.low_confidence_choices.unwrap_or(0),
            choices.len()
        ))
    }

    /// How the network saw the shapes (or where the labels came from).
    fn how_text(&self) -> String {
        match &self.run.predictions {
            Some(dir) => format!("labels read from {dir}"),
            None => format!(
                "{}, {} vote(s), model {} ({} parameters)",
                self.run.points_text(),
                self.run.votes,
                self.run.model,
                self.run.parameters
            ),
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
        if let Some(line) = self.partial_line() {
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(
            s,
            "instance mIoU {:.2}  class mIoU {:.2}  accuracy {:.2}  ({} shapes, {} points scored)",
            self.instance_miou, self.class_miou, self.accuracy, self.shapes, self.points_scored
        );
        let _ = writeln!(
            s,
            "protocol {}, {}, {}",
            self.run.protocol,
            self.how_text(),
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
        if let Some(line) = self.low_confidence_line() {
            let _ = writeln!(s, "{line}");
        }
        s
    }

    /// The same tables as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        if let Some(line) = self.partial_line() {
            let _ = writeln!(s, "**{line}.**\n");
        }
        let _ = writeln!(s, "| metric | value |\n|---|---|");
        let _ = writeln!(s, "| instance mIoU | {:.2} |", self.instance_miou);
        let _ = writeln!(s, "| class mIoU | {:.2} |", self.class_miou);
        let _ = writeln!(s, "| point accuracy | {:.2} |", self.accuracy);
        let _ = writeln!(s, "| shapes | {} |", self.shapes);
        match &self.run.predictions {
            Some(dir) => {
                let _ = writeln!(
                    s,
                    "| protocol | {} (labels read from {dir}) |",
                    self.run.protocol
                );
            }
            None => {
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
            }
        }
        if self.partial {
            let _ = writeln!(s, "| shapes failed | {} |", self.shapes_failed);
        }
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
            if let Some(line) = self.low_confidence_line() {
                let _ = writeln!(s, "{line}.\n");
            }
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

    #[test]
    fn partial_reports_and_weak_choices_are_marked() {
        let mut acc = MiouAccumulator::default();
        let mug = find_category("mug").unwrap();
        acc.add(mug, &[36, 37], &[36, 37]);
        let r = EvalReport::new(&acc, RunInfo::default());
        assert!(!r.partial && !r.to_text().contains("PARTIAL"));
        let r = r
            .with_failures(vec![ShapeFailure {
                file: "a.ply".into(),
                reason: "a.ply: truncated".into(),
            }])
            .with_choices(vec![
                ChoiceRecord::new("x/1".into(), "Mug", "Mug", 0.9, 0.5),
                ChoiceRecord::new("x/2".into(), "Mug", "Mug", 0.9, 0.1),
                ChoiceRecord::new("x/3".into(), "Mug", "Cap", 0.55, 0.3),
            ]);
        assert!(r.partial);
        assert_eq!(r.shapes_failed, 1);
        assert_eq!(r.low_confidence_choices, Some(2));
        let text = r.to_text();
        assert!(text.starts_with("PARTIAL: 1 of 2 shapes failed"), "{text}");
        assert!(text.contains("margin < 0.2): 2 of 3"), "{text}");
        let json: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(json["partial"], true);
        assert_eq!(json["failures"][0]["reason"], "a.ply: truncated");
        assert_eq!(json["auto_choices"][2]["chosen"], "Cap");
    }
}

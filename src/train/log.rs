//! The per-epoch training log: one CSV row per epoch.
//!
//! Columns: `epoch, train_loss, train_acc, val_instance_miou, val_class_miou,
//! lr, seconds, shapes_per_s, val_category_acc` (mIoU and accuracies in
//! percent, `lr` the rate of the epoch's last batch, `seconds` the wall time of
//! the epoch including validation, `val_category_acc` empty for a model
//! without a category classifier).

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// The CSV header line.
pub const CSV_HEADER: &str =
    "epoch,train_loss,train_acc,val_instance_miou,val_class_miou,lr,seconds,shapes_per_s,val_category_acc";

/// Figures of one finished epoch (stored exactly in checkpoints).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    #[serde(with = "crate::train::bits")]
    pub train_loss: f64,
    /// Training point accuracy, percent.
    #[serde(with = "crate::train::bits")]
    pub train_acc: f64,
    /// Validation instance mIoU, percent.
    #[serde(with = "crate::train::bits")]
    pub val_instance_miou: f64,
    /// Validation class mIoU, percent.
    #[serde(with = "crate::train::bits")]
    pub val_class_miou: f64,
    /// Learning rate at the end of the epoch.
    #[serde(with = "crate::train::bits")]
    pub lr: f64,
    /// Wall time of the epoch in seconds.
    #[serde(with = "crate::train::bits")]
    pub seconds: f64,
    /// Training throughput, shapes per second.
    #[serde(with = "crate::train::bits")]
    pub shapes_per_s: f64,
    /// Validation category accuracy of the classifier, percent (NaN without
    /// a classifier; checkpoints written before it existed read as NaN).
    #[serde(with = "crate::train::bits", default = "not_measured")]
    pub val_category_acc: f64,
}

fn not_measured() -> f64 {
    f64::NAN
}

impl EpochRecord {
    /// The record as one CSV line (no newline). Losses are written with
    /// enough digits (`{:.9}`) to compare runs exactly in tests.
    pub fn csv_line(&self) -> String {
        let category = if self.val_category_acc.is_nan() {
            String::new()
        } else {
            format!("{:.4}", self.val_category_acc)
        };
        format!(
            "{},{:.9},{:.4},{:.4},{:.4},{:.6e},{:.2},{:.2},{}",
            self.epoch,
            self.train_loss,
            self.train_acc,
            self.val_instance_miou,
            self.val_class_miou,
            self.lr,
            self.seconds,
            self.shapes_per_s,
            category
        )
    }
}

/// Write the whole log (header and every record) to `path`, replacing it.
/// Rewriting from the records kept in the checkpoint means a resumed run's
/// log never holds rows of epochs that were redone.
pub fn write_csv(path: &Path, records: &[EpochRecord]) -> Result<()> {
    let mut text = String::from(CSV_HEADER);
    text.push('\n');
    for r in records {
        text.push_str(&r.csv_line());
        text.push('\n');
    }
    let mut f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(text.as_bytes()).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_header_and_one_line_per_epoch() {
        let r = EpochRecord {
            epoch: 2,
            train_loss: 0.5,
            train_acc: 81.25,
            val_instance_miou: 70.5,
            val_class_miou: 60.125,
            lr: 1e-3,
            seconds: 12.345,
            shapes_per_s: 30.0,
            val_category_acc: f64::NAN,
        };
        assert_eq!(
            r.csv_line(),
            "2,0.500000000,81.2500,70.5000,60.1250,1.000000e-3,12.35,30.00,"
        );
        let with_classifier = EpochRecord {
            val_category_acc: 96.875,
            ..r.clone()
        };
        assert!(with_classifier.csv_line().ends_with(",30.00,96.8750"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.csv");
        write_csv(&p, &[r.clone(), EpochRecord { epoch: 3, ..r }]).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines[0].split(',').count(), lines[2].split(',').count());
        assert!(lines[2].starts_with("3,"));
    }
}

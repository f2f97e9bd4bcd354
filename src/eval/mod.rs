//! Evaluation: the ShapeNetPart mIoU metric and evaluation reports.

pub mod metric;
pub mod protocol;
pub mod report;

pub use metric::{part_ious, shape_miou, MiouAccumulator};
pub use report::{EvalReport, RunInfo};

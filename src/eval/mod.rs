//! Evaluation: the ShapeNetPart mIoU metric and evaluation reports.

pub mod confusion;
pub mod metric;
pub mod protocol;
pub mod report;

pub use confusion::CategoryConfusion;
pub use metric::{part_ious, shape_miou, MiouAccumulator};
pub use report::{ChoiceRecord, EvalReport, RunInfo, ShapeFailure};

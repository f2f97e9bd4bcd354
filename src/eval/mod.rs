//! Evaluation: the ShapeNetPart mIoU metric and evaluation reports.

pub mod metric;

pub use metric::{part_ious, shape_miou, MiouAccumulator};

//! Per-point probabilities as output properties (`pcseg run --probabilities`).

use crate::categories::Category;
use crate::cloud::{ExtraProperty, PointCloud, ScalarKind};

/// Add to `cloud` a float property `confidence`, each point's largest part
/// probability (the probability of its label), and with `all` one float
/// property `prob_<part>` per part of `category`, from `probs`
/// (`len * category.num_parts()`, row-major, as
/// [`super::predict_with_probabilities`] gives). Input properties with those
/// names are kept, renamed `source_<name>` (nothing is lost).
pub fn add_probability_properties(
    cloud: &mut PointCloud,
    category: &Category,
    probs: &[f32],
    all: bool,
) {
    let k = category.num_parts();
    debug_assert_eq!(probs.len(), cloud.len() * k);
    let add = |cloud: &mut PointCloud, name: &str, values: Vec<f64>| {
        cloud.move_aside(name);
        let name = cloud.free_name(name);
        cloud.extra.push(ExtraProperty {
            name,
            kind: ScalarKind::F32,
            values,
        });
    };
    let confidence = probs
        .chunks_exact(k)
        .map(|row| row.iter().copied().fold(0f32, f32::max) as f64)
        .collect();
    add(cloud, "confidence", confidence);
    if all {
        for (j, part) in category.parts.iter().enumerate() {
            let values = probs.chunks_exact(k).map(|row| row[j] as f64).collect();
            add(cloud, &format!("prob_{part}"), values);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::find_category;

    #[test]
    fn confidence_and_per_part_columns_keep_input_properties() {
        let mug = find_category("mug").unwrap(); // handle, body
        let mut c = PointCloud::from_points(vec![[0.0; 3], [1.0; 3]]);
        c.extra.push(ExtraProperty {
            name: "confidence".into(),
            kind: ScalarKind::U8,
            values: vec![7.0, 8.0],
        });
        add_probability_properties(&mut c, mug, &[0.25, 0.75, 0.5, 0.5], true);
        let names: Vec<&str> = c.extra.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "source_confidence",
                "confidence",
                "prob_handle",
                "prob_body"
            ]
        );
        assert_eq!(c.extra[0].values, [7.0, 8.0]);
        assert_eq!(c.extra[1].values, [0.75, 0.5]);
        assert_eq!(c.extra[2].values, [0.25, 0.5]);
        assert!(c.extra[1..].iter().all(|e| e.kind == ScalarKind::F32));
    }
}

//! Checks a cloud must pass before pcseg uses it.

use crate::categories::{part_name, Category};
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use std::path::Path;

/// Check that `cloud` (read from `path`) has points, finite coordinates and
/// normals, per-point arrays of the right length, and, when `category` is
/// given and the cloud has labels, only labels of that category's parts.
///
/// ```
/// use pcseg::categories::find_category;
/// use pcseg::io::validate::validate_cloud;
/// use pcseg::PointCloud;
/// let mut c = PointCloud::from_points(vec![[0.0; 3]]);
/// c.labels = Some(vec![12]);
/// let chair = find_category("chair");
/// assert!(validate_cloud(&c, "a.xyz".as_ref(), chair).is_ok());
/// c.labels = Some(vec![0]);
/// assert!(validate_cloud(&c, "a.xyz".as_ref(), chair).is_err());
/// ```
pub fn validate_cloud(cloud: &PointCloud, path: &Path, category: Option<&Category>) -> Result<()> {
    let n = cloud.points.len();
    if n == 0 {
        return Err(Error::data(path, None, "no points"));
    }
    let len_err = |what: &str, len: usize| {
        Error::data(
            path,
            None,
            format!("{what} has {len} entries for {n} points"),
        )
    };
    if let Some(v) = &cloud.normals {
        if v.len() != n {
            return Err(len_err("normals", v.len()));
        }
    }
    if let Some(v) = &cloud.labels {
        if v.len() != n {
            return Err(len_err("labels", v.len()));
        }
    }
    if let Some(v) = &cloud.exact_points {
        if v.len() != n {
            return Err(len_err("exact coordinates", v.len()));
        }
    }
    if let Some(v) = &cloud.exact_normals {
        if v.len() != n {
            return Err(len_err("exact normals", v.len()));
        }
    }
    for e in &cloud.extra {
        if e.values.len() != n {
            return Err(len_err(&format!("property '{}'", e.name), e.values.len()));
        }
    }
    if let Some(i) = cloud.first_non_finite() {
        return Err(Error::data(
            path,
            None,
            format!("point {i}: non-finite coordinate or normal"),
        ));
    }
    if let (Some(cat), Some(labels)) = (category, &cloud.labels) {
        if let Some(i) = labels.iter().position(|&l| !cat.owns_part(l as usize)) {
            let l = labels[i] as usize;
            let what = part_name(l).map_or(String::new(), |n| format!(" ({n})"));
            let r = cat.part_range();
            return Err(Error::data(
                path,
                None,
                format!(
                    "point {i}: label {l}{what} is not a {} part (ids {}-{})",
                    cat.name,
                    r.start,
                    r.end - 1
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::find_category;

    #[test]
    fn each_problem_has_its_message() {
        let p = Path::new("c.ply");
        let chair = find_category("chair");
        let e = validate_cloud(&PointCloud::default(), p, None).unwrap_err();
        assert_eq!(e.to_string(), "c.ply: no points");
        let mut c = PointCloud::from_points(vec![[0.0; 3], [0.0, f32::INFINITY, 0.0]]);
        let e = validate_cloud(&c, p, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.ply: point 1: non-finite coordinate or normal"
        );
        c.points[1][1] = 1.0;
        c.labels = Some(vec![12, 8]);
        assert!(validate_cloud(&c, p, None).is_ok());
        let e = validate_cloud(&c, p, chair).unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.ply: point 1: label 8 (Car/roof) is not a Chair part (ids 12-15)"
        );
        c.labels = Some(vec![12, 99]);
        let e = validate_cloud(&c, p, chair).unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.ply: point 1: label 99 is not a Chair part (ids 12-15)"
        );
        c.labels = Some(vec![12]);
        let e = validate_cloud(&c, p, None).unwrap_err();
        assert_eq!(e.to_string(), "c.ply: labels has 1 entries for 2 points");
    }
}

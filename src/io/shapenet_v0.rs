//! ShapeNetPart v0 pairs: `<synset>/points/<token>.pts` (`x y z` a line) with
//! `<synset>/points_label/<token>.seg` (local part `1..k` a line). The global
//! part id is `category.first_part + k - 1`.

use crate::categories::{find_category, Category};
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use crate::io::numparse::{parse_label, show};
use crate::io::xyz::{read_xyz_layout, XyzLayout};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// For `<synset>/points/<token>.pts`, the matching `.seg` path and the
/// category of the synset folder, when the path has that shape (the `.seg`
/// file itself is not checked).
pub fn v0_pair_for(pts: &Path) -> Option<(PathBuf, &'static Category)> {
    let points_dir = pts.parent()?;
    if points_dir.file_name()? != "points" {
        return None;
    }
    let synset_dir = points_dir.parent()?;
    let category = find_category(synset_dir.file_name()?.to_str()?)?;
    let stem = pts.file_stem()?;
    let mut seg = synset_dir.join("points_label").join(stem);
    seg.set_extension("seg");
    Some((seg, category))
}

/// Read the local part ids (1-based) of a `.seg` file.
pub fn read_seg<R: BufRead>(mut reader: R, path: &Path) -> Result<Vec<u32>> {
    let mut labels = Vec::new();
    let mut buf = Vec::with_capacity(16);
    let mut line = 0u64;
    loop {
        buf.clear();
        if reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, e))?
            == 0
        {
            break;
        }
        line += 1;
        let t = buf.trim_ascii();
        if t.is_empty() {
            continue;
        }
        let label = parse_label(t).map_err(|m| {
            Error::data(
                path,
                Some(line),
                format!("{m} (expected one part number a line, got '{}')", show(t)),
            )
        })?;
        labels.push(label);
    }
    Ok(labels)
}

/// Read a v0 pair into a cloud with global part ids of `category`.
///
/// Errors: different point and label counts, a local part outside
/// `1..=category.num_parts()`, or a `.pts` file that is not 3 columns.
pub fn read_v0_pair(pts: &Path, seg: &Path, category: &Category) -> Result<PointCloud> {
    let f = File::open(pts).map_err(|e| Error::io(pts, e))?;
    let (mut cloud, layout) = read_xyz_layout(BufReader::with_capacity(1 << 16, f), pts)?;
    if layout != XyzLayout::Xyz {
        return Err(Error::data(
            pts,
            None,
            format!(
                "a ShapeNetPart .pts file has 3 columns, this one has {}",
                layout.columns()
            ),
        ));
    }
    let f = File::open(seg).map_err(|e| Error::io(seg, e))?;
    let local = read_seg(BufReader::new(f), seg)?;
    if local.len() != cloud.points.len() {
        return Err(Error::data(
            seg,
            None,
            format!(
                "{} labels for {} points in {}",
                local.len(),
                cloud.points.len(),
                pts.display()
            ),
        ));
    }
    let k = category.num_parts() as u32;
    let mut labels = Vec::with_capacity(local.len());
    for (i, &l) in local.iter().enumerate() {
        if l < 1 || l > k {
            return Err(Error::data(
                seg,
                None,
                format!("point {i}: part {l} is outside 1..{k} of {}", category.name),
            ));
        }
        labels.push(category.first_part as u32 + l - 1);
    }
    cloud.labels = Some(labels);
    Ok(cloud)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_map_local_parts_to_global_ids() {
        let dir = tempfile::tempdir().unwrap();
        let syn = dir.path().join("03001627");
        std::fs::create_dir_all(syn.join("points")).unwrap();
        std::fs::create_dir_all(syn.join("points_label")).unwrap();
        let pts = syn.join("points/abc.pts");
        std::fs::write(&pts, "0 0 0\n1 1 1\n2 2 2\n").unwrap();
        std::fs::write(syn.join("points_label/abc.seg"), "1\n4\n2\n").unwrap();
        let (seg, cat) = v0_pair_for(&pts).unwrap();
        assert_eq!(cat.name, "Chair");
        let c = read_v0_pair(&pts, &seg, cat).unwrap();
        assert_eq!(c.labels, Some(vec![12, 15, 13]));

        std::fs::write(&seg, "1\n5\n2\n").unwrap();
        let e = read_v0_pair(&pts, &seg, cat).unwrap_err().to_string();
        assert!(
            e.ends_with("abc.seg: point 1: part 5 is outside 1..4 of Chair"),
            "{e}"
        );
        std::fs::write(&seg, "1\n2\n").unwrap();
        let e = read_v0_pair(&pts, &seg, cat).unwrap_err().to_string();
        assert!(e.contains("2 labels for 3 points"), "{e}");
        std::fs::write(&seg, "1\n0\n2\n").unwrap();
        assert!(read_v0_pair(&pts, &seg, cat).is_err());
        std::fs::write(&seg, "1\nx\n2\n").unwrap();
        let e = read_v0_pair(&pts, &seg, cat).unwrap_err().to_string();
        assert!(e.contains("abc.seg: line 2: "), "{e}");
        assert!(v0_pair_for(Path::new("x/abc.pts")).is_none());
    }
}

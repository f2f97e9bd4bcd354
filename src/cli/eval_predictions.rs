//! `pcseg eval --predictions DIR`: score files `pcseg run` already labelled,
//! matched to the shapes by file stem.
//!
//! A prediction pairs with its shape point for point, so it must hold the
//! shape's own points in order:
//!
//! - a cloud shape: a cloud of the same points (`pcseg run SHAPE -o`);
//! - a mesh shape (sampled into 2,500 points, seed 0): a cloud of those
//!   points (`pcseg run MESH -o`, default `--points` and `--seed`; checked
//!   point by point), or the mesh itself labelled per face (`--mesh-out`,
//!   PLY or OBJ), whose face labels the shape's sampled points take through
//!   the triangles the two meshes share ([`match_triangles`]).
//!
//! A mesh prediction for a cloud shape cannot be paired (its points are
//! sampled, not the shape's) and is refused with what to give instead.

use anyhow::bail;
use pcseg::error::display_path;
use pcseg::eval::protocol::Scored;
use pcseg::io::dataset::{load_shape_with_mesh, ShapeRef};
use pcseg::io::mesh::{face_match::match_triangles, MESH_EXTENSIONS};
use pcseg::io::{self, ReadOptions, SampledMesh};
use std::path::{Path, PathBuf};

/// Stem endings a prediction file may add to the shape's token
/// (`pcseg run a.ply -o a.labelled.ply`, `--mesh-out a.seg.ply`).
const SUFFIXES: [&str; 3] = ["", ".labelled", ".seg"];

/// Find the prediction file of `shape` in `dir`:
/// `<dir>[/<synset>]/<token>[.labelled|.seg].<ext>`, for ext a cloud
/// extension ([`io::CLOUD_EXTENSIONS`]) or a mesh one, clouds first; never
/// the shape's own file.
pub fn prediction_file(dir: &Path, shape: &ShapeRef) -> Option<PathBuf> {
    let bases = [dir.to_path_buf(), dir.join(&shape.synset)];
    let exts = io::CLOUD_EXTENSIONS.iter().chain(MESH_EXTENSIONS.iter());
    for ext in exts {
        for base in &bases {
            for suffix in SUFFIXES {
                let p = base.join(format!("{}{suffix}.{ext}", shape.token));
                if p.is_file() && p != shape.path {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Whether two clouds' points agree (to float precision).
fn same_points(a: &[[f32; 3]], b: &[[f32; 3]]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(p, q)| {
            (0..3).all(|k| (p[k] - q[k]).abs() <= 1e-5 * (1.0 + p[k].abs().max(q[k].abs())))
        })
}

/// The labels a mesh prediction `pred` gives the points sampled on the
/// shape's mesh `truth`: the label of the prediction's copy of each point's
/// triangle.
fn labels_through_faces(
    truth: &SampledMesh,
    pred: &SampledMesh,
    pred_path: &Path,
    shape: &ShapeRef,
) -> anyhow::Result<Vec<u32>> {
    let Some(faces) = &pred.mesh.labels else {
        bail!("{}: the mesh has no part labels", display_path(pred_path));
    };
    let matched = match_triangles(&pred.mesh, &truth.mesh);
    let missing = matched.iter().filter(|m| m.is_none()).count();
    if missing > 0 {
        bail!(
            "{}: {missing} of the {} triangles of {} are not in this mesh; a mesh prediction is the shape's own mesh labelled per face (pcseg run {} --mesh-out ...)",
            display_path(pred_path),
            matched.len(),
            shape.path.display(),
            shape.path.display()
        );
    }
    Ok(truth
        .triangles
        .iter()
        .map(|&t| matched[t as usize].map_or(0, |j| faces[j as usize]))
        .collect())
}

/// Score the prediction file of `shape` found in `dir`.
pub fn score_prediction_file(dir: &Path, shape: &ShapeRef) -> anyhow::Result<Scored> {
    let (truth_cloud, truth_mesh) = load_shape_with_mesh(shape)?;
    let Some(path) = prediction_file(dir, shape) else {
        bail!(
            "{}: no prediction file for {} in {}",
            shape.path.display(),
            shape.token,
            dir.display()
        );
    };
    let (pred_cloud, _, pred_mesh) = io::read_input(&path, &ReadOptions::default())?;
    let Some(pred) = pred_cloud.labels else {
        match pred_mesh {
            Some(_) => bail!(
                "{}: the mesh has no part labels (a PLY face 'label' property, or OBJ groups named after parts, as pcseg run --mesh-out writes them)",
                path.display()
            ),
            None => bail!("{}: no label property", path.display()),
        }
    };
    let n = truth_cloud.len();
    let pred = match (&truth_mesh, &pred_mesh) {
        (Some(t), Some(p)) => labels_through_faces(t, p, &path, shape)?,
        (None, Some(_)) => bail!(
            "{}: a labelled mesh, but {} is a point cloud of {n} points: a prediction labels those points in order (pcseg run {} -o {}); a mesh's sampled points cannot be paired with them",
            path.display(),
            shape.path.display(),
            shape.path.display(),
            dir.join(format!("{}.ply", shape.token)).display()
        ),
        (_, None) if pred.len() != n => bail!(
            "{}: {} labelled points, but {} has {n}",
            path.display(),
            pred.len(),
            shape.path.display()
        ),
        (Some(_), None) if !same_points(&pred_cloud.points, &truth_cloud.points) => bail!(
            "{}: its points are not those {} is sampled into (2,500 points, seed 0): label the mesh with pcseg run without --points and --seed, or give its --mesh-out mesh",
            path.display(),
            shape.path.display()
        ),
        (_, None) => pred,
    };
    Ok(Scored {
        category: shape.category,
        pred,
        truth: truth_cloud.labels.unwrap_or_default(),
        auto: None,
    })
}

//! `pcseg run` on meshes: how a mesh input is sampled (`--points`, `--seed`)
//! and the segmented mesh `--mesh-out` writes (a part label per face).

use anyhow::bail;
use pcseg::io::mesh::{face_labels, labelled::LabelledMeshFormat, write_labelled_mesh};
use pcseg::io::{MeshSampling, SampledMesh, DEFAULT_MESH_POINTS};
use std::path::Path;

/// The sampling of a mesh input: `--points` points when given, else
/// [`DEFAULT_MESH_POINTS`], from `--seed`.
pub fn sampling(args: &super::run::Args) -> MeshSampling {
    MeshSampling {
        points: if args.points_given {
            args.predict.points
        } else {
            DEFAULT_MESH_POINTS
        },
        seed: args.predict.seed,
    }
}

/// Refuse `--mesh-out` with several inputs.
pub fn check_single(mesh_out: Option<&Path>) -> anyhow::Result<()> {
    if let Some(p) = mesh_out {
        bail!(
            "--mesh-out {}: takes a single mesh input (several inputs or a folder were given)",
            p.display()
        );
    }
    Ok(())
}

/// Refuse, before any work, a `--mesh-out` that is not `.ply`/`.obj`, whose
/// folder is missing, or that would replace the input or the cloud output.
pub fn check(mesh_out: Option<&Path>, input: &Path, output: &Path) -> anyhow::Result<()> {
    let Some(p) = mesh_out else {
        return Ok(());
    };
    if LabelledMeshFormat::from_path(p).is_none() {
        bail!(
            "--mesh-out {}: a segmented mesh is written as .ply or .obj",
            p.display()
        );
    }
    if let Some(dir) = p.parent() {
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            bail!(
                "--mesh-out {}: the folder {} does not exist",
                p.display(),
                dir.display()
            );
        }
    }
    let same = |a: &Path, b: &Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    };
    if same(p, output) {
        bail!("--mesh-out {}: is also the -o output", p.display());
    }
    if same(p, input)
        || (LabelledMeshFormat::from_path(p) == Some(LabelledMeshFormat::Obj)
            && same(&pcseg::io::mesh::labelled::mtl_path(p), input))
    {
        bail!("--mesh-out {}: would replace the input", p.display());
    }
    Ok(())
}

/// Refuse `--mesh-out` for an input that was not a mesh (before anything is
/// written).
pub fn check_input(
    mesh_out: Option<&Path>,
    input: &Path,
    mesh: Option<&SampledMesh>,
) -> anyhow::Result<()> {
    if let (Some(p), None) = (mesh_out, mesh) {
        bail!(
            "--mesh-out {}: {} is a point cloud, not a mesh (OBJ, OFF, STL, PLY with faces, AC3D, glTF)",
            p.display(),
            pcseg::error::display_path(input)
        );
    }
    Ok(())
}

/// Write the segmented mesh: each face takes the majority label of the
/// points sampled on it (the nearest point's for a face without any).
pub fn write(
    path: &Path,
    mesh: &SampledMesh,
    points: &[[f32; 3]],
    labels: &[u32],
) -> anyhow::Result<()> {
    let faces = face_labels(&mesh.mesh, points, &mesh.triangles, labels);
    write_labelled_mesh(path, &mesh.mesh, &faces)?;
    Ok(())
}

//! Area-uniform surface sampling of a [`TriMesh`].
//!
//! A triangle is chosen with probability proportional to its area (binary
//! search in the cumulative areas), then a point uniformly inside it with
//! the square-root trick: for `u, v` uniform in `[0, 1)` and `r = sqrt(u)`,
//! `p = (1 - r) a + r (1 - v) b + r v c`. Each point gets the face normal of
//! its triangle. Zero-area triangles are never chosen.

use super::TriMesh;
use crate::cloud::PointCloud;
use crate::error::{Error, Result};
use crate::rng::Rng;

/// Points drawn on a mesh surface.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurfaceSample {
    /// Positions.
    pub points: Vec<[f32; 3]>,
    /// Unit face normal of the triangle each point lies on.
    pub normals: Vec<[f32; 3]>,
    /// Index of that triangle in the mesh.
    pub triangles: Vec<u32>,
}

impl SurfaceSample {
    /// The group id (see [`TriMesh::groups`]) of each point.
    pub fn groups(&self, mesh: &TriMesh) -> Vec<u32> {
        self.triangles
            .iter()
            .map(|&t| mesh.groups[t as usize])
            .collect()
    }

    /// The part label (see [`TriMesh::labels`]) of each point: the label of
    /// the triangle it lies on; `None` for an unlabelled mesh.
    pub fn labels(&self, mesh: &TriMesh) -> Option<Vec<u32>> {
        let faces = mesh.labels.as_ref()?;
        Some(self.triangles.iter().map(|&t| faces[t as usize]).collect())
    }

    /// A point cloud of the positions with their normals (no labels).
    pub fn into_cloud(self) -> PointCloud {
        PointCloud {
            points: self.points,
            normals: Some(self.normals),
            ..Default::default()
        }
    }
}

/// Draw `n` points uniformly by area on the surface of `mesh`, with the face
/// normal of each point's triangle. The same `seed` gives the same points.
///
/// Fails (a usage error) when the mesh has no triangle of positive finite
/// area or an index out of range; meshes from
/// [`read_mesh`](super::read_mesh) always pass.
pub fn sample_surface(mesh: &TriMesh, n: usize, seed: u64) -> Result<SurfaceSample> {
    let nv = mesh.vertices.len();
    if mesh
        .triangles
        .iter()
        .any(|t| t.iter().any(|&v| v as usize >= nv))
    {
        return Err(Error::usage(
            "cannot sample a mesh with a vertex index out of range",
        ));
    }
    // Cumulative areas and unit normals; degenerate triangles add no area.
    let mut cumulative = Vec::with_capacity(mesh.triangles.len());
    let mut normals = Vec::with_capacity(mesh.triangles.len());
    let mut total = 0.0f64;
    for i in 0..mesh.triangles.len() {
        let normal = mesh.face_normal(i);
        let area = match normal {
            Some(_) => mesh.triangle_area(i),
            None => 0.0,
        };
        if area.is_finite() {
            total += area;
        }
        cumulative.push(total);
        normals.push(normal.map_or([0.0f32; 3], |m| m.map(|c| c as f32)));
    }
    if !(total > 0.0 && total.is_finite()) {
        return Err(Error::usage(format!(
            "cannot sample a mesh of {} triangles with no surface area",
            mesh.triangles.len()
        )));
    }
    let mut rng = Rng::new(seed);
    let mut out = SurfaceSample {
        points: Vec::with_capacity(n),
        normals: Vec::with_capacity(n),
        triangles: Vec::with_capacity(n),
    };
    let last = cumulative.len() - 1;
    for _ in 0..n {
        let target = rng.f64() * total;
        // First triangle whose cumulative area exceeds the target: a
        // zero-area triangle has the same cumulative value as the one before
        // it, so it is never the first to exceed.
        let t = cumulative.partition_point(|&c| c <= target).min(last);
        let [a, b, c] = mesh.corners(t);
        let r = rng.f64().sqrt();
        let v = rng.f64();
        let (wa, wb, wc) = (1.0 - r, r * (1.0 - v), r * v);
        let p: [f32; 3] = std::array::from_fn(|k| (wa * a[k] + wb * b[k] + wc * c[k]) as f32);
        out.points.push(p);
        out.normals.push(normals[t]);
        out.triangles.push(t as u32);
    }
    Ok(out)
}

/// [`sample_surface`] as a [`PointCloud`] with normals (no labels).
pub fn sample_cloud(mesh: &TriMesh, n: usize, seed: u64) -> Result<PointCloud> {
    sample_surface(mesh, n, seed).map(SurfaceSample::into_cloud)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_triangles() -> TriMesh {
        TriMesh {
            vertices: vec![
                [0.0, 0.0, 0.0],
                [1.0, 0.0, 0.0],
                [0.0, 1.0, 0.0],
                [2.0, 0.0, 0.0],
            ],
            triangles: vec![[0, 1, 2], [0, 3, 1], [0, 1, 2]],
            groups: vec![0, 0, 1],
            group_names: vec!["a".into(), "b".into()],
            labels: None,
        }
    }

    #[test]
    fn degenerate_triangles_are_never_chosen() {
        let m = two_triangles();
        let s = sample_surface(&m, 2000, 3).unwrap();
        assert!(s.triangles.iter().all(|&t| t != 1));
        let g = s.groups(&m);
        let share = g.iter().filter(|&&g| g == 1).count() as f64 / 2000.0;
        assert!((share - 0.5).abs() < 0.05, "{share}");
        for p in &s.points {
            assert!(p[0] >= 0.0 && p[1] >= 0.0 && p[0] + p[1] <= 1.0 + 1e-6 && p[2] == 0.0);
        }
    }

    #[test]
    fn points_take_the_label_of_their_triangle() {
        let mut m = two_triangles();
        let s = sample_surface(&m, 300, 5).unwrap();
        assert_eq!(s.labels(&m), None);
        m.labels = Some(vec![7, 8, 9]);
        let labels = s.labels(&m).unwrap();
        // Triangle 0 (label 7) and triangle 2 (label 9) cover the same
        // square; the degenerate triangle 1 (label 8) gets no point.
        for (&t, &l) in s.triangles.iter().zip(&labels) {
            assert_eq!(l, [7, 8, 9][t as usize]);
        }
        assert!(labels.contains(&7) && labels.contains(&9) && !labels.contains(&8));
    }

    #[test]
    fn a_mesh_without_area_is_an_error() {
        let mut m = two_triangles();
        m.triangles = vec![[0, 3, 1]];
        m.groups = vec![0];
        assert!(sample_surface(&m, 10, 1).is_err());
        m.triangles = vec![[0, 9, 1]];
        assert!(sample_surface(&m, 10, 1).is_err());
        assert!(sample_surface(&TriMesh::new(), 10, 1).is_err());
    }
}

//! The triangles two meshes share: a triangle of one mesh matches a triangle
//! of the other with the same three corner positions (bit for bit, in any
//! order), whatever the vertex numbering and the triangle order.
//!
//! `pcseg run --mesh-out` writes the input's vertices and triangles
//! unchanged, but an OBJ output regroups the triangles by part and its
//! reader renumbers the vertices per group; matching by position pairs the
//! triangles of a shape with those of its segmented copy either way.

use super::TriMesh;
use std::collections::HashMap;

/// A triangle's corners as bit patterns, sorted: equal for equal corner
/// positions in any order.
fn key(mesh: &TriMesh, i: usize) -> [[u64; 3]; 3] {
    let mut k = mesh.corners(i).map(|p| p.map(f64::to_bits));
    k.sort_unstable();
    k
}

/// For each triangle of `to`, the index of the triangle of `from` with the
/// same corner positions (the first one, if `from` repeats a triangle), or
/// `None` when `from` has no such triangle.
///
/// ```
/// use pcseg::io::mesh::{face_match::match_triangles, TriMesh};
/// let mut a = TriMesh::new();
/// a.vertices = vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]];
/// let g = a.group_id("a");
/// a.push_triangle([0, 1, 2], g);
/// a.push_triangle([1, 3, 2], g);
/// let mut b = TriMesh::new();
/// b.vertices = vec![[1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [5.0, 5.0, 5.0]];
/// let g = b.group_id("b");
/// b.push_triangle([2, 0, 1], g); // a's triangle 1, corners rotated
/// b.push_triangle([0, 1, 3], g); // not in a
/// assert_eq!(match_triangles(&a, &b), [Some(1), None]);
/// ```
pub fn match_triangles(from: &TriMesh, to: &TriMesh) -> Vec<Option<u32>> {
    let mut index: HashMap<[[u64; 3]; 3], u32> = HashMap::with_capacity(from.triangles.len());
    for i in (0..from.triangles.len()).rev() {
        index.insert(key(from, i), i as u32);
    }
    (0..to.triangles.len())
        .map(|i| index.get(&key(to, i)).copied())
        .collect()
}

//! Normal estimation for clouds without normals: PCA of each point's `k`
//! nearest neighbours.
//!
//! For point `p` with neighbours `q_1..q_k` (the point itself included), the
//! normal is the eigenvector of the smallest eigenvalue of the covariance
//! `C = 1/k * sum_j (q_j - m)(q_j - m)^T`, `m` the neighbourhood mean: the
//! direction in which the neighbourhood is thinnest, i.e. the normal of the
//! best-fit plane. `C` is accumulated in `f64` relative to `p` (so coordinates
//! far from the origin lose no precision) and decomposed with the Jacobi
//! solver of [`super::eigen`].
//!
//! Orientation: PCA gives the normal only up to sign. pcseg orients every
//! normal outward from the cloud centroid `c`: it is flipped when
//! `dot(n, p - c) < 0`. This is right for closed, roughly star-shaped objects
//! (most ShapeNet parts seen from the shape's centre) and consistent across
//! runs, but inner faces of concave shapes (the inside of a mug) get normals
//! pointing into the material. ShapeNet normals themselves are not oriented
//! consistently, so the network sees sign noise either way.
//!
//! Degenerate neighbourhoods, judged against `eps = (1e-6 R)^2` with `R` the
//! cloud's radius around its centroid:
//! - all neighbours coincide (largest eigenvalue `<= eps`): the normal is the
//!   unit vector from the centroid to `p` (or `+z` when `p` is the centroid);
//! - neighbours on a line (middle eigenvalue `<= eps`): the normal is the part
//!   of `p - c` perpendicular to the line, normalised (or the PCA vector when
//!   `p - c` runs along the line).
//!
//! Output is always unit length and finite for finite input.

use super::eigen::{dot, sym_eigen3};
use super::knn_batch::knn_rows;
use super::tree::PointTree;

/// Neighbourhood size used when the caller has no preference.
pub const DEFAULT_NORMAL_K: usize = 16;

/// Unit normals [N, 3] of `points` [N, 3] from the PCA of each point's `k`
/// nearest neighbours (itself included), oriented outward from the centroid.
/// `k` is clamped to `[3, N]`. See the module docs for the fallbacks.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{estimate_normals, DEFAULT_NORMAL_K};
///
/// // A 10 x 10 grid in the plane z = 1, plus one point below it so that the
/// // centroid lies under the plane: normals point up, away from it.
/// let mut points: Vec<[f32; 3]> = (0..100)
///     .map(|i| [(i % 10) as f32 * 0.1, (i / 10) as f32 * 0.1, 1.0])
///     .collect();
/// points.push([0.45, 0.45, -50.0]);
/// let normals = estimate_normals(&points, DEFAULT_NORMAL_K);
/// for n in &normals[..100] {
///     assert!((n[2] - 1.0).abs() < 1e-6, "{n:?}");
/// }
/// ```
pub fn estimate_normals(points: &[[f32; 3]], k: usize) -> Vec<[f32; 3]> {
    let tree = PointTree::new(points);
    estimate_normals_with_tree(&tree, points, k)
}

/// [`estimate_normals`] with a prebuilt tree over the same `points`.
///
/// # Panics
///
/// If `tree.len() != points.len()`.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{estimate_normals_with_tree, PointTree};
///
/// // Points on the unit sphere: the outward normal is the point itself.
/// let points: Vec<[f32; 3]> = (0..400)
///     .map(|i| {
///         let (t, z) = (i as f32 * 2.39996, 1.0 - (i as f32 + 0.5) / 200.0);
///         let r = (1.0 - z * z).sqrt();
///         [r * t.cos(), r * t.sin(), z]
///     })
///     .collect();
/// let tree = PointTree::new(&points);
/// let normals = estimate_normals_with_tree(&tree, &points, 8);
/// for (p, n) in points.iter().zip(&normals) {
///     let cos = p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
///     assert!(cos > 0.99, "{p:?} {n:?}");
/// }
/// ```
pub fn estimate_normals_with_tree(
    tree: &PointTree,
    points: &[[f32; 3]],
    k: usize,
) -> Vec<[f32; 3]> {
    estimate_normals_at(tree, points, points, k)
}

/// Unit normals at each of `queries` from the PCA of its `k` nearest points
/// of `support` (the cloud the `tree` was built on), oriented outward from
/// the support's centroid. Lets `pcseg run` estimate normals only at the
/// points the network sees while using the whole cloud's neighbourhoods.
///
/// # Panics
///
/// When `tree` was not built on `support` (their sizes differ).
///
/// # Examples
///
/// ```
/// use pcseg::geometry::{estimate_normals_at, PointTree};
///
/// // A grid in the plane y = 0 with a point far below: normals point up (+y).
/// let mut support: Vec<[f32; 3]> = (0..100)
///     .map(|i| [(i % 10) as f32 * 0.1, 0.0, (i / 10) as f32 * 0.1])
///     .collect();
/// support.push([0.45, -50.0, 0.45]);
/// let tree = PointTree::new(&support);
/// let n = estimate_normals_at(&tree, &support, &[[0.42, 0.0, 0.47]], 12);
/// assert!((n[0][1] - 1.0).abs() < 1e-6, "{:?}", n[0]);
/// ```
pub fn estimate_normals_at(
    tree: &PointTree,
    support: &[[f32; 3]],
    queries: &[[f32; 3]],
    k: usize,
) -> Vec<[f32; 3]> {
    assert_eq!(
        tree.len(),
        support.len(),
        "estimate_normals_at: the tree holds {} points, the support cloud {}",
        tree.len(),
        support.len()
    );
    if support.is_empty() || queries.is_empty() {
        return vec![[0.0, 0.0, 1.0]; queries.len()];
    }
    let k = k.max(3).min(support.len());
    let centroid = centroid(support);
    let radius2 = support
        .iter()
        .map(|p| norm2(sub(widen(*p), centroid)))
        .fold(0f64, f64::max);
    let eps = radius2 * 1e-12;

    // Neighbour sets are exact k-nearest (ties by index), so the normals do
    // not depend on the tree's internals or on the thread count.
    let rows = knn_rows(tree, queries, k, 3, 0f32, |i, near, row| {
        row.copy_from_slice(&normal_at(support, &queries[i], near, centroid, eps));
    });
    let mut normals = vec![[0f32; 3]; queries.len()];
    rows.gather(normals.as_flattened_mut(), 3, |row, out| {
        out.copy_from_slice(row)
    });
    normals
}

/// The oriented unit normal at `p` from its neighbour indices `near`.
fn normal_at(
    points: &[[f32; 3]],
    p: &[f32; 3],
    near: &[(f32, u32)],
    centroid: [f64; 3],
    eps: f64,
) -> [f32; 3] {
    let pw = widen(*p);
    // Sums of d and d d^T with d = q - p.
    let mut s1 = [0f64; 3];
    let mut s2 = [[0f64; 3]; 3];
    for &(_, j) in near {
        let d = sub(widen(points[j as usize]), pw);
        for a in 0..3 {
            s1[a] += d[a];
            for b in a..3 {
                s2[a][b] += d[a] * d[b];
            }
        }
    }
    let inv = 1.0 / near.len() as f64;
    let mean = s1.map(|x| x * inv);
    let mut cov = [[0f64; 3]; 3];
    for a in 0..3 {
        for b in a..3 {
            cov[a][b] = s2[a][b] * inv - mean[a] * mean[b];
        }
    }
    let e = sym_eigen3(cov);
    let out = sub(pw, centroid);
    let normal = if e.values[2] <= eps {
        // All neighbours coincide: no surface to fit.
        unit_or(out, [0.0, 0.0, 1.0])
    } else if e.values[1] <= eps {
        // A line: any direction perpendicular to it fits; take the one
        // pointing away from the centroid.
        let axis = e.vectors[2];
        let perp = sub(out, axis.map(|x| x * dot(out, axis)));
        if norm2(perp) > eps {
            unit_or(perp, e.vectors[0])
        } else {
            e.vectors[0]
        }
    } else {
        e.vectors[0]
    };
    let sign = if dot(normal, out) < 0.0 { -1.0 } else { 1.0 };
    let n = unit_or(normal.map(|x| x * sign), [0.0, 0.0, 1.0]);
    n.map(|x| x as f32)
}

/// Mean of the points, in `f64`.
fn centroid(points: &[[f32; 3]]) -> [f64; 3] {
    let mut c = [0f64; 3];
    for p in points {
        c = [c[0] + p[0] as f64, c[1] + p[1] as f64, c[2] + p[2] as f64];
    }
    c.map(|x| x / points.len() as f64)
}

#[inline]
fn widen(p: [f32; 3]) -> [f64; 3] {
    p.map(f64::from)
}

#[inline]
fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[inline]
fn norm2(a: [f64; 3]) -> f64 {
    dot(a, a)
}

/// `a / |a|`, or `fallback` when `a` is zero or not finite.
#[inline]
fn unit_or(a: [f64; 3], fallback: [f64; 3]) -> [f64; 3] {
    let l = norm2(a).sqrt();
    if l > 0.0 && l.is_finite() {
        a.map(|x| x / l)
    } else {
        fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallbacks_are_unit_and_outward() {
        // Coincident cloud: every normal is +z (p is the centroid).
        let normals = estimate_normals(&[[1.0, 2.0, 3.0]; 20], 16);
        assert!(normals.iter().all(|n| *n == [0.0, 0.0, 1.0]));
        // Single point.
        assert_eq!(
            estimate_normals(&[[5.0, 5.0, 5.0]], 16),
            vec![[0.0, 0.0, 1.0]]
        );
        assert!(estimate_normals(&[], 16).is_empty());
        // Two clumps of coincident points: away from the centroid, along x.
        let mut pts = vec![[-1.0, 0.0, 0.0]; 10];
        pts.extend(vec![[1.0, 0.0, 0.0]; 10]);
        let normals = estimate_normals(&pts, 5);
        for (p, n) in pts.iter().zip(&normals) {
            assert_eq!(*n, [p[0], 0.0, 0.0]);
        }
        // Points on the x axis, centroid off the line: normals are
        // perpendicular to the line and point away from the centroid.
        let mut pts: Vec<[f32; 3]> = (0..50).map(|i| [i as f32 * 0.1, 0.0, 0.0]).collect();
        pts.push([2.45, -30.0, 0.0]);
        let normals = estimate_normals(&pts, 6);
        for n in &normals[..50] {
            assert!((n[1] - 1.0).abs() < 1e-6, "{n:?}");
        }
    }
}

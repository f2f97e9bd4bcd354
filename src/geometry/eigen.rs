//! Eigen-decomposition of a symmetric 3 x 3 matrix by cyclic Jacobi rotations.
//!
//! Each rotation `J(p, q, theta)` zeroes the off-diagonal entry `a_pq` of
//! `A <- J^T A J` and the accumulated `V <- V J` converges to the eigenvectors
//! (columns of `V`). Jacobi is slower than the closed-form trigonometric
//! solution but accurate for clustered and repeated eigenvalues, which is
//! exactly the case of nearly planar neighbourhoods whose normal we want.
//! Convergence is quadratic; 3 x 3 matrices need about 4 to 6 sweeps.

// Index loops read like the matrix formulas they implement.
#![allow(clippy::needless_range_loop)]

/// Eigenvalues (ascending) and unit eigenvectors of a symmetric 3 x 3 matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SymEigen3 {
    /// Eigenvalues, ascending.
    pub values: [f64; 3],
    /// `vectors[i]` is the unit eigenvector of `values[i]`; the three form a
    /// right-handed orthonormal basis.
    pub vectors: [[f64; 3]; 3],
}

/// Most sweeps before giving up (never reached in practice: each sweep
/// squares the off-diagonal norm).
const MAX_SWEEPS: usize = 32;

/// Eigen-decomposition of the symmetric matrix `a` (only the upper triangle is
/// read). Non-finite input gives non-finite output.
///
/// # Examples
///
/// ```
/// use pcseg::geometry::eigen::sym_eigen3;
///
/// let e = sym_eigen3([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 5.0]]);
/// assert!((e.values[0] - 1.0).abs() < 1e-12);
/// assert!((e.values[1] - 3.0).abs() < 1e-12);
/// assert!((e.values[2] - 5.0).abs() < 1e-12);
/// // Eigenvector of 1 is (1, -1, 0) / sqrt(2), up to sign.
/// let v = e.vectors[0];
/// assert!((v[0].abs() - 0.5f64.sqrt()).abs() < 1e-12 && (v[0] + v[1]).abs() < 1e-12);
/// ```
pub fn sym_eigen3(a: [[f64; 3]; 3]) -> SymEigen3 {
    let mut m = [
        [a[0][0], a[0][1], a[0][2]],
        [a[0][1], a[1][1], a[1][2]],
        [a[0][2], a[1][2], a[2][2]],
    ];
    // v[i][j]: component i of eigenvector j (columns), starts as identity.
    let mut v = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    for _ in 0..MAX_SWEEPS {
        let off = m[0][1] * m[0][1] + m[0][2] * m[0][2] + m[1][2] * m[1][2];
        let diag = m[0][0] * m[0][0] + m[1][1] * m[1][1] + m[2][2] * m[2][2];
        // Converged when the off-diagonal part is negligible against the
        // diagonal (or exactly zero, which covers the zero matrix).
        if off <= diag * 1e-32 || off.is_nan() {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            rotate(&mut m, &mut v, p, q);
        }
    }
    let mut order = [0, 1, 2];
    order.sort_by(|&i, &j| m[i][i].total_cmp(&m[j][j]));
    let values = order.map(|j| m[j][j]);
    let mut vectors = order.map(|j| [v[0][j], v[1][j], v[2][j]]);
    // Make the basis right-handed (v2 = v0 x v1) for a canonical output.
    let c = cross(vectors[0], vectors[1]);
    if dot(c, vectors[2]) < 0.0 {
        vectors[2] = vectors[2].map(|x| -x);
    }
    SymEigen3 { values, vectors }
}

/// One Jacobi rotation zeroing `m[p][q]` (Golub & Van Loan, Alg. 8.4.1).
#[inline]
fn rotate(m: &mut [[f64; 3]; 3], v: &mut [[f64; 3]; 3], p: usize, q: usize) {
    let apq = m[p][q];
    // Below the rounding error of the diagonal: zeroing it changes nothing
    // representable, and saves sweeps that would only stir rounding noise.
    if apq.abs() <= 1e-18 * (m[p][p].abs() + m[q][q].abs()) {
        m[p][q] = 0.0;
        m[q][p] = 0.0;
        return;
    }
    let tau = (m[q][q] - m[p][p]) / (2.0 * apq);
    // The smaller root of t^2 + 2 tau t - 1 = 0, for a rotation of at most 45 deg.
    let t = if tau >= 0.0 {
        1.0 / (tau + (1.0 + tau * tau).sqrt())
    } else {
        -1.0 / (-tau + (1.0 + tau * tau).sqrt())
    };
    let c = 1.0 / (1.0 + t * t).sqrt();
    let s = t * c;
    // A <- J^T A J, with J = identity except J_pp = J_qq = c, J_pq = s, J_qp = -s.
    for k in 0..3 {
        let (mkp, mkq) = (m[k][p], m[k][q]);
        m[k][p] = c * mkp - s * mkq;
        m[k][q] = s * mkp + c * mkq;
    }
    for k in 0..3 {
        let (mpk, mqk) = (m[p][k], m[q][k]);
        m[p][k] = c * mpk - s * mqk;
        m[q][k] = s * mpk + c * mqk;
    }
    m[p][q] = 0.0;
    m[q][p] = 0.0;
    for row in v.iter_mut() {
        let (vp, vq) = (row[p], row[q]);
        row[p] = c * vp - s * vq;
        row[q] = s * vp + c * vq;
    }
}

/// Cross product.
#[inline]
pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Dot product.
#[inline]
pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Reconstruct `V diag(values) V^T`.
    fn rebuild(e: &SymEigen3) -> [[f64; 3]; 3] {
        let mut a = [[0.0; 3]; 3];
        for (l, v) in e.values.iter().zip(e.vectors) {
            for i in 0..3 {
                for j in 0..3 {
                    a[i][j] += l * v[i] * v[j];
                }
            }
        }
        a
    }

    fn check(a: [[f64; 3]; 3], tol: f64) -> SymEigen3 {
        let e = sym_eigen3(a);
        let scale = a
            .iter()
            .flatten()
            .fold(0f64, |s, x| s.max(x.abs()))
            .max(1e-300);
        let b = rebuild(&e);
        for i in 0..3 {
            for j in 0..3 {
                assert!(
                    (a[i][j] - b[i][j]).abs() <= tol * scale,
                    "rebuild {a:?} -> {b:?}"
                );
            }
            for j in 0..3 {
                let d = dot(e.vectors[i], e.vectors[j]);
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((d - want).abs() < 1e-12, "not orthonormal: {e:?}");
            }
            // A v = lambda v.
            let av: [f64; 3] = std::array::from_fn(|r| dot(a[r], e.vectors[i]));
            for r in 0..3 {
                assert!((av[r] - e.values[i] * e.vectors[i][r]).abs() <= tol * scale);
            }
        }
        assert!(e.values[0] <= e.values[1] && e.values[1] <= e.values[2]);
        assert!(dot(cross(e.vectors[0], e.vectors[1]), e.vectors[2]) > 0.0);
        e
    }

    #[test]
    fn random_symmetric_matrices_decompose() {
        let mut rng = Rng::new(11);
        for _ in 0..2000 {
            let mut a = [[0.0; 3]; 3];
            for i in 0..3 {
                for j in i..3 {
                    a[i][j] = rng.normal() as f64 * 10f64.powi(rng.below(5) as i32 - 2);
                    a[j][i] = a[i][j];
                }
            }
            check(a, 1e-12);
        }
    }

    #[test]
    fn covariances_of_flat_and_linear_sets_decompose() {
        // Rank-2 and rank-1 positive semidefinite matrices from random frames.
        let mut rng = Rng::new(5);
        for rank in [1, 2] {
            for _ in 0..500 {
                let mut a = [[0.0; 3]; 3];
                for _ in 0..rank {
                    let u = [rng.normal(), rng.normal(), rng.normal()].map(f64::from);
                    for i in 0..3 {
                        for j in 0..3 {
                            a[i][j] += u[i] * u[j];
                        }
                    }
                }
                let e = check(a, 1e-12);
                let big = e.values[2];
                assert!(e.values[0].abs() < 1e-12 * big);
                if rank == 1 {
                    assert!(e.values[1].abs() < 1e-12 * big);
                }
            }
        }
    }

    #[test]
    fn hand_computed_cases() {
        // Diagonal, unsorted: vectors are the axes.
        let e = check([[3.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 2.0]], 0.0);
        assert_eq!(e.values, [-1.0, 2.0, 3.0]);
        assert_eq!(e.vectors[0].map(f64::abs), [0.0, 1.0, 0.0]);
        assert_eq!(e.vectors[2].map(f64::abs), [1.0, 0.0, 0.0]);
        // Zero and multiples of the identity (all eigenvalues repeated).
        let e = check([[0.0; 3]; 3], 0.0);
        assert_eq!(e.values, [0.0; 3]);
        let e = check([[4.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 4.0]], 0.0);
        assert_eq!(e.values, [4.0; 3]);
        // All-ones: eigenvalues 0, 0, 3 with (1, 1, 1)/sqrt(3) for 3.
        let e = check([[1.0; 3]; 3], 1e-14);
        assert!(e.values[0].abs() < 1e-14 && e.values[1].abs() < 1e-14);
        assert!((e.values[2] - 3.0).abs() < 1e-14);
        let s = 1.0 / 3f64.sqrt();
        assert!(e.vectors[2].iter().all(|x| (x.abs() - s).abs() < 1e-14));
    }
}

//! Normal estimation against analytic surfaces (plane, sphere, cylinder, box
//! faces) and against a brute-force PCA check: the returned normal must
//! minimise the Rayleigh quotient of the brute-force neighbourhood covariance.

use crate::geometry_reference::*;
use pcseg::geometry::*;
use pcseg::rng::Rng;

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn unit(a: [f32; 3]) -> [f32; 3] {
    let l = dot(a, a).sqrt();
    a.map(|x| x / l)
}

fn assert_unit(normals: &[[f32; 3]]) {
    for n in normals {
        assert!((dot(*n, *n) - 1.0).abs() < 1e-5, "not unit: {n:?}");
    }
}

#[test]
fn tilted_plane_normals_are_the_plane_normal() {
    let mut rng = Rng::new(1);
    let u = unit([0.3, -0.5, 0.8]);
    // Two in-plane axes.
    let a = unit([u[1], -u[0], 0.0]);
    let b = [
        u[1] * a[2] - u[2] * a[1],
        u[2] * a[0] - u[0] * a[2],
        u[0] * a[1] - u[1] * a[0],
    ];
    let origin = [10.0f32, -4.0, 2.5];
    let mut pts: Vec<[f32; 3]> = (0..3000)
        .map(|_| {
            let (s, t) = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
            std::array::from_fn(|i| origin[i] + s * a[i] + t * b[i])
        })
        .collect();
    // Without the outlier the centroid is on the plane and the sign is
    // undefined; compare up to sign.
    let normals = estimate_normals(&pts, DEFAULT_NORMAL_K);
    assert_unit(&normals);
    for n in &normals {
        assert!(dot(*n, u).abs() > 0.9999, "{n:?} vs {u:?}");
    }
    // A far point on the -u side moves the centroid below the plane: every
    // plane normal must now point along +u (outward from the centroid).
    pts.push(std::array::from_fn(|i| origin[i] - 1000.0 * u[i]));
    let normals = estimate_normals(&pts, DEFAULT_NORMAL_K);
    for n in &normals[..3000] {
        assert!(dot(*n, u) > 0.9999, "{n:?} vs {u:?}");
    }
}

#[test]
fn sphere_normals_are_radial_and_outward() {
    let mut rng = Rng::new(2);
    let centre = [1.0f32, -3.0, 5.0];
    let r = 2.0;
    let pts: Vec<[f32; 3]> = (0..5000)
        .map(|_| {
            let d = unit([rng.normal(), rng.normal(), rng.normal()]);
            std::array::from_fn(|i| centre[i] + r * d[i])
        })
        .collect();
    let normals = estimate_normals(&pts, DEFAULT_NORMAL_K);
    assert_unit(&normals);
    let mut worst = 1f32;
    for (p, n) in pts.iter().zip(&normals) {
        let truth = unit(std::array::from_fn(|i| p[i] - centre[i]));
        worst = worst.min(dot(*n, truth));
    }
    // 16 neighbours span about 0.2 rad of the sphere; PCA of a spherical cap
    // is exact by symmetry, random sampling tilts it by a few degrees at most.
    assert!(worst > 0.99, "worst cosine to the true normal {worst}");
}

#[test]
fn cylinder_and_box_faces_have_outward_axis_normals() {
    let mut rng = Rng::new(3);
    // Cylinder of radius 1 along z, height 6, no caps.
    let pts: Vec<[f32; 3]> = (0..6000)
        .map(|_| {
            let t = rng.uniform(0.0, std::f32::consts::TAU);
            [t.cos(), t.sin(), rng.uniform(-3.0, 3.0)]
        })
        .collect();
    let normals = estimate_normals(&pts, DEFAULT_NORMAL_K);
    for (p, n) in pts.iter().zip(&normals) {
        let truth = unit([p[0], p[1], 0.0]);
        assert!(dot(*n, truth) > 0.99, "{p:?} {n:?}");
    }
    // Box [-1, 1] x [-2, 2] x [-0.5, 0.5]; check points away from the edges.
    let (lo, hi) = ([-1.0f32, -2.0, -0.5], [1.0f32, 2.0, 0.5]);
    let mut pts = Vec::new();
    let mut faces = Vec::new();
    for _ in 0..20_000 {
        let axis = rng.below(3);
        let side = rng.chance(0.5);
        let mut p: [f32; 3] = std::array::from_fn(|a| rng.uniform(lo[a], hi[a]));
        p[axis] = if side { hi[axis] } else { lo[axis] };
        pts.push(p);
        faces.push((axis, side));
    }
    let normals = estimate_normals(&pts, DEFAULT_NORMAL_K);
    assert_unit(&normals);
    let mut checked = 0;
    for ((p, n), &(axis, side)) in pts.iter().zip(&normals).zip(&faces) {
        let margin = (0..3)
            .filter(|&a| a != axis)
            .map(|a| (p[a] - lo[a]).min(hi[a] - p[a]))
            .fold(f32::INFINITY, f32::min);
        if margin < 0.15 {
            continue;
        }
        let mut truth = [0.0; 3];
        truth[axis] = if side { 1.0 } else { -1.0 };
        assert!(dot(*n, truth) > 0.999, "{p:?} {n:?}");
        checked += 1;
    }
    assert!(checked > 10_000);
}

#[test]
fn normals_minimise_the_brute_force_rayleigh_quotient() {
    // Independent of the eigen solver: for the brute-force k-NN covariance C,
    // n^T C n must not exceed v^T C v for any unit v.
    let mut rng = Rng::new(4);
    for n_pts in [20usize, 300, 2000] {
        let pts = surface_cloud(&mut rng, n_pts);
        let k = 10;
        let normals = estimate_normals(&pts, k);
        for q in (0..n_pts).step_by(n_pts / 20) {
            let (idx, _) = knn_ref(&pts, &pts[q..q + 1], k);
            let mean: [f64; 3] = std::array::from_fn(|a| {
                idx.iter().map(|&i| pts[i as usize][a] as f64).sum::<f64>() / k as f64
            });
            let quad = |v: [f64; 3]| -> f64 {
                idx.iter()
                    .map(|&i| {
                        let d: f64 = (0..3)
                            .map(|a| (pts[i as usize][a] as f64 - mean[a]) * v[a])
                            .sum();
                        d * d
                    })
                    .sum::<f64>()
                    / k as f64
            };
            let n = normals[q].map(f64::from);
            let own = quad(n);
            let scale = quad([1.0, 0.0, 0.0]) + quad([0.0, 1.0, 0.0]) + quad([0.0, 0.0, 1.0]);
            for _ in 0..300 {
                let v = [rng.normal(), rng.normal(), rng.normal()].map(f64::from);
                let l = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
                let v = v.map(|x| x / l);
                assert!(
                    own <= quad(v) + 1e-9 * scale,
                    "point {q}: {own} > {}",
                    quad(v)
                );
            }
        }
    }
}

#[test]
fn k_is_clamped_and_results_are_deterministic() {
    let mut rng = Rng::new(6);
    let pts = surface_cloud(&mut rng, 500);
    let a = estimate_normals(&pts, 1); // raised to 3
    assert_eq!(a, estimate_normals(&pts, 3));
    assert_unit(&a);
    let b = estimate_normals(&pts, 10_000); // clamped to N
    assert_eq!(b, estimate_normals(&pts, 500));
    assert_unit(&b);
    let tree = PointTree::new(&pts);
    assert_eq!(
        estimate_normals_with_tree(&tree, &pts, 16),
        estimate_normals(&pts, 16)
    );
}

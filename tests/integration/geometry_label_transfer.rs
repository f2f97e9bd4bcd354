//! Label transfer against brute-force references, and exactness when the
//! labelled subset is the cloud itself.

use crate::geometry_reference::*;
use pcseg::geometry::*;
use pcseg::rng::Rng;

/// Reference IDW blend: weights from the brute-force 3-NN, summed in slot order.
fn idw_ref(subset: &[[f32; 3]], logits: &[f32], parts: usize, points: &[[f32; 3]]) -> Vec<f32> {
    let (idx, w) = three_nn_weights_ref(subset, points);
    let mut out = vec![0f32; points.len() * parts];
    for n in 0..points.len() {
        for j in 0..3 {
            let i = idx[3 * n + j] as usize;
            for p in 0..parts {
                out[n * parts + p] += w[3 * n + j] * logits[i * parts + p];
            }
        }
    }
    out
}

fn argmax_ref(row: &[f32]) -> u32 {
    let mut best = 0;
    for p in 1..row.len() {
        if row[p] > row[best] {
            best = p;
        }
    }
    best as u32
}

#[test]
fn transfer_matches_brute_force_on_sampled_subsets() {
    let mut rng = Rng::new(1);
    for (n, s, parts) in [
        (3000usize, 2048usize, 4usize),
        (3000, 7, 50),
        (50, 1, 3),
        (10, 2, 2),
    ] {
        let cloud = with_duplicates(surface_cloud(&mut rng, n), &mut rng, n / 10);
        let subset: Vec<[f32; 3]> = farthest_point_sample(&cloud, s, 3)
            .into_iter()
            .map(|i| cloud[i])
            .collect();
        let labels: Vec<u32> = (0..s).map(|_| rng.below(50) as u32).collect();
        let logits: Vec<f32> = (0..s * parts).map(|_| rng.normal()).collect();
        let tree = PointTree::new(&subset);

        let near = transfer_labels_nearest(&tree, &labels, &cloud).unwrap();
        let (nn, _) = knn_ref(&subset, &cloud, 1);
        let want: Vec<u32> = nn.iter().map(|&i| labels[i as usize]).collect();
        assert_eq!(near, want, "nearest n={n} s={s}");

        let blended = transfer_logits_idw(&tree, &logits, parts, &cloud).unwrap();
        let want = idw_ref(&subset, &logits, parts, &cloud);
        assert_eq!(blended, want, "idw n={n} s={s}");

        let arg = transfer_labels_idw(&tree, &logits, parts, &cloud).unwrap();
        let want: Vec<u32> = want.chunks(parts).map(argmax_ref).collect();
        assert_eq!(arg, want, "idw argmax n={n} s={s}");
    }
}

#[test]
fn summed_transfer_matches_the_argmax_of_summed_references() {
    // Several votes (different subsets of one cloud, one with fewer than 3
    // points, two with coincident points): the fused pass must give the
    // argmax of the votes' reference blends added in vote order.
    let mut rng = Rng::new(3);
    for (n, sizes, parts) in [
        (5000usize, vec![2048usize, 2048], 4usize),
        (3000, vec![300, 2, 700], 7),
        (40, vec![5], 3),
        (0, vec![4, 4], 2),
    ] {
        let cloud = with_duplicates(surface_cloud(&mut rng, n.max(8)), &mut rng, n / 10);
        let cloud = &cloud[..n];
        let mut subsets = Vec::new();
        for &s in &sizes {
            let subset: Vec<[f32; 3]> = if cloud.is_empty() {
                (0..s).map(|i| [i as f32, 0.0, 0.0]).collect()
            } else {
                (0..s).map(|_| cloud[rng.below(cloud.len())]).collect()
            };
            let logits: Vec<f32> = (0..s * parts).map(|_| rng.normal()).collect();
            subsets.push((PointTree::new(&subset), subset, logits));
        }
        let mut sum = vec![0f32; n * parts];
        for (_, subset, logits) in &subsets {
            for (s, v) in sum.iter_mut().zip(idw_ref(subset, logits, parts, cloud)) {
                *s += v;
            }
        }
        let want: Vec<u32> = sum.chunks(parts).map(argmax_ref).collect();
        let pairs: Vec<(&PointTree, &[f32])> =
            subsets.iter().map(|(t, _, l)| (t, &l[..])).collect();
        let got = transfer_labels_idw_sum(&pairs, parts, cloud).unwrap();
        assert_eq!(got, want, "n={n} sizes={sizes:?}");
    }
    // Errors: no subset for points, a subset whose logits do not fit.
    let tree = PointTree::new(&[[0.0; 3]]);
    assert!(transfer_labels_idw_sum(&[], 2, &[[0.0; 3]]).is_err());
    assert!(transfer_labels_idw_sum(&[(&tree, &[1.0][..])], 2, &[[0.0; 3]]).is_err());
    assert_eq!(
        transfer_labels_idw_sum(&[], 2, &[]).unwrap(),
        Vec::<u32>::new()
    );
}

#[test]
fn subset_equal_to_cloud_reproduces_its_labels() {
    let mut rng = Rng::new(2);
    // A cloud without coincident points (continuous random coordinates).
    let cloud = surface_cloud(&mut rng, 4000);
    let tree = PointTree::new(&cloud);
    let labels: Vec<u32> = (0..cloud.len()).map(|_| rng.below(50) as u32).collect();
    assert_eq!(
        transfer_labels_nearest(&tree, &labels, &cloud).unwrap(),
        labels
    );

    // Logits whose winner leads by at least 1: the point's own weight is
    // 1e8 against at most 2 / d^2 for the others, so the blend keeps the winner.
    let parts = 6;
    let mut own = Vec::new();
    let mut logits = Vec::new();
    for _ in 0..cloud.len() {
        let best = rng.below(parts);
        own.push(best as u32);
        logits.extend((0..parts).map(|p| {
            if p == best {
                5.0
            } else {
                rng.uniform(0.0, 4.0)
            }
        }));
    }
    assert_eq!(
        transfer_labels_idw(&tree, &logits, parts, &cloud).unwrap(),
        own
    );
    let blended = transfer_logits_idw(&tree, &logits, parts, &cloud).unwrap();
    let min_d2 = knn_ref(&cloud, &cloud[..200], 2)
        .1
        .chunks(2)
        .map(|r| r[1])
        .fold(f32::INFINITY, f32::min);
    let tol = 5.0 * 2.0 / (min_d2 * 1e8) + 1e-5;
    for (a, b) in blended[..200 * parts].iter().zip(&logits) {
        assert!((a - b).abs() <= tol, "{a} vs {b} (tol {tol})");
    }
}

#[test]
fn coincident_subset_points_resolve_to_the_lowest_index() {
    // Subset = cloud with duplicates: a point takes the label of the lowest
    // index at its position, whichever copy it is.
    let pts = vec![
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [5.0, 5.0, 5.0],
    ];
    let tree = PointTree::new(&pts);
    let labels = [10, 11, 12, 13, 14];
    assert_eq!(
        transfer_labels_nearest(&tree, &labels, &pts).unwrap(),
        vec![10, 11, 10, 11, 14]
    );
    // IDW: two coincident copies share the weight, so their logits average.
    let logits = [1.0, 0.0, 0.0, 1.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0];
    let blended = transfer_logits_idw(&tree, &logits, 2, &pts[..1]).unwrap();
    assert!(
        (blended[0] - 0.5).abs() < 1e-6 && (blended[1] - 1.5).abs() < 1e-6,
        "{blended:?}"
    );
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let tree = PointTree::new(&[[0.0; 3], [1.0; 3]]);
    let pts = [[0.5; 3]];
    assert!(transfer_labels_nearest(&tree, &[1], &pts).is_err());
    assert!(transfer_logits_idw(&tree, &[0.0; 5], 2, &pts).is_err());
    assert!(transfer_labels_idw(&tree, &[], 0, &pts).is_err());
    let empty = PointTree::new(&[]);
    let err = transfer_labels_nearest(&empty, &[], &pts).unwrap_err();
    assert!(err.to_string().contains("no labelled points"), "{err}");
    // Nothing to label: fine even without a subset.
    assert_eq!(
        transfer_labels_nearest(&empty, &[], &[]).unwrap(),
        Vec::<u32>::new()
    );
    assert_eq!(
        transfer_logits_idw(&empty, &[], 3, &[]).unwrap(),
        Vec::<f32>::new()
    );
}

//! The fast geometry kernels against their brute-force definitions
//! (tests/geometry_reference), on many seeded clouds: uniform noise, surface
//! samples, lattices with exact distance ties and points exactly on the query
//! radius, coincident points, and the edge sizes N = 1, m = N, k > N.

mod geometry_reference;

use geometry_reference::*;
use pcseg::geometry::*;
use pcseg::rng::Rng;

#[test]
fn fps_equals_brute_force() {
    for seed in 0..2 {
        for (name, cloud) in battery(seed) {
            let n = cloud.len();
            // m = N costs O(N^2) per call: only on the smaller clouds.
            let ms = if n <= 1000 {
                vec![0, 1, n / 2, n]
            } else {
                vec![1, n / 4]
            };
            for m in ms {
                for start in [0, 7 + seed as usize * 1_000_003] {
                    let fast = farthest_point_sample(&cloud, m, start);
                    let slow = fps_ref(&cloud, m, start);
                    assert_eq!(fast, slow, "{name} m={m} start={start}");
                }
            }
        }
    }
}

#[test]
fn fps_properties() {
    let mut rng = Rng::new(3);
    let cloud = surface_cloud(&mut rng, 2048);
    let picked = farthest_point_sample(&cloud, 512, 42);
    assert_eq!(picked[0], 42);
    let mut sorted = picked.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 512, "FPS picked a point twice");
    // Same seed, same result; the start index wraps.
    assert_eq!(picked, farthest_point_sample(&cloud, 512, 42 + 2048));
    // Coincident points: once every distance is 0 the lowest index wins
    // again and again (the reference behaviour, padded like ball query).
    let dup = vec![[1.0, 1.0, 1.0]; 9];
    assert_eq!(farthest_point_sample(&dup, 4, 4), vec![4, 0, 0, 0]);
}

#[test]
#[should_panic(expected = "m = 3 > n = 2")]
fn fps_rejects_m_above_n() {
    farthest_point_sample(&[[0.0; 3]; 2], 3, 0);
}

#[test]
fn ball_query_equals_brute_force() {
    let radii = [0.0, 0.2, 0.25, 0.125f32.sqrt(), 0.5, 10.0];
    for seed in 0..2 {
        let mut rng = Rng::new(100 + seed);
        for (name, cloud) in battery(seed) {
            let n = cloud.len();
            let tree = PointTree::new(&cloud);
            // Centres: a few cloud points (the network's case) and free points.
            let mut centres: Vec<[f32; 3]> = (0..n.min(32)).map(|_| cloud[rng.below(n)]).collect();
            centres.extend(lattice_cloud(&mut rng, 16, 6));
            centres.extend(cube_cloud(&mut rng, 16));
            for &r in &radii {
                for k in [0, 1, 4, 32, n + 5] {
                    let slow = ball_query_ref(&cloud, &centres, r, k);
                    assert_eq!(
                        ball_query(&cloud, &centres, r, k),
                        slow,
                        "{name} r={r} k={k}"
                    );
                    let mut out = vec![u32::MAX; centres.len() * k];
                    ball_query_with_tree(&tree, &centres, r, k, &mut out);
                    assert_eq!(out, slow, "{name} r={r} k={k} (prebuilt tree)");
                }
            }
        }
    }
}

#[test]
fn ball_query_network_sizes_in_parallel() {
    // SA1 and SA2 of the network: 512 centres in 2,048 points (K=32, r=0.2)
    // and 128 in 512 (K=64, r=0.4), on a unit-sphere-normalised surface cloud.
    // 512 centres exceed one rayon task, so this covers the parallel path.
    let mut rng = Rng::new(9);
    let (cloud, _) = normalize_unit_sphere(&surface_cloud(&mut rng, 2048));
    let sa1: Vec<[f32; 3]> = farthest_point_sample(&cloud, 512, 5)
        .into_iter()
        .map(|i| cloud[i])
        .collect();
    assert_eq!(
        ball_query(&cloud, &sa1, 0.2, 32),
        ball_query_ref(&cloud, &sa1, 0.2, 32)
    );
    let sa2: Vec<[f32; 3]> = farthest_point_sample(&sa1, 128, 5)
        .into_iter()
        .map(|i| sa1[i])
        .collect();
    assert_eq!(
        ball_query(&sa1, &sa2, 0.4, 64),
        ball_query_ref(&sa1, &sa2, 0.4, 64)
    );
}

#[test]
fn ball_query_empty_cloud_pads_with_zero() {
    assert_eq!(ball_query(&[], &[[0.0; 3]; 2], 1.0, 3), vec![0; 6]);
    assert_eq!(ball_query(&[[0.0; 3]], &[], 1.0, 3), Vec::<u32>::new());
}

#[test]
fn knn_equals_brute_force() {
    for seed in 0..2 {
        let mut rng = Rng::new(200 + seed);
        for (name, cloud) in battery(seed) {
            let n = cloud.len();
            let tree = PointTree::new(&cloud);
            let mut queries: Vec<[f32; 3]> = (0..n.min(32)).map(|_| cloud[rng.below(n)]).collect();
            queries.extend(lattice_cloud(&mut rng, 16, 6));
            queries.extend(cube_cloud(&mut rng, 16));
            // The reference for every k is a prefix of each row of the full sort.
            let (all_idx, all_d2) = knn_ref(&cloud, &queries, n);
            // k >= N walks the whole tree: only on the smaller clouds.
            let ks = if n <= 1000 {
                vec![0, 1, 2, 3, 16, 33, n, n + 3]
            } else {
                vec![0, 1, 3, 16, 33]
            };
            for k in ks {
                let slow = (prefix_rows(&all_idx, n, k), prefix_rows(&all_d2, n, k));
                assert_eq!(knn(&cloud, &queries, k), slow, "{name} k={k}");
                assert_eq!(
                    knn_with_tree(&tree, &queries, k),
                    slow,
                    "{name} k={k} (tree)"
                );
                let k = k.min(n);
                let mut idx = vec![u32::MAX; queries.len() * k];
                let mut d2 = vec![f32::NAN; queries.len() * k];
                knn_into(&tree, &queries, k, &mut idx, &mut d2);
                assert_eq!((idx, d2), slow, "{name} k={k} (into)");
            }
        }
    }
}

#[test]
fn knn_all_points_parallel_and_large_tree() {
    // All points of a 20,000-point cloud as queries (several rayon tasks),
    // checked against brute force on every 97th query; then a 100,000-point
    // tree with heavy duplication.
    let mut rng = Rng::new(77);
    let cloud = with_duplicates(surface_cloud(&mut rng, 20_000), &mut rng, 2_000);
    let (idx, d2) = knn(&cloud, &cloud, 16);
    for q in (0..cloud.len()).step_by(97) {
        let (ri, rd) = knn_ref(&cloud, &cloud[q..q + 1], 16);
        assert_eq!(&idx[q * 16..q * 16 + 16], &ri[..], "query {q}");
        assert_eq!(&d2[q * 16..q * 16 + 16], &rd[..], "query {q}");
    }
    let big = with_duplicates(lattice_cloud(&mut rng, 100_000, 40), &mut rng, 10_000);
    let queries = cube_cloud(&mut rng, 40);
    assert_eq!(knn(&big, &queries, 16), knn_ref(&big, &queries, 16));
}

#[test]
fn three_nn_weights_equal_brute_force() {
    for seed in 0..2 {
        let mut rng = Rng::new(300 + seed);
        for (name, coarse) in battery(seed) {
            let mut fine = surface_cloud(&mut rng, 200);
            fine.extend(coarse.iter().take(50));
            fine.extend(lattice_cloud(&mut rng, 50, 6));
            let slow = three_nn_weights_ref(&coarse, &fine);
            let fast = three_nn_weights(&coarse, &fine);
            assert_eq!(fast, slow, "{name}");
            for w in fast.1.chunks(3) {
                assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6);
            }
        }
    }
}

#[test]
#[should_panic(expected = "no coarse points")]
fn three_nn_weights_rejects_empty_coarse() {
    three_nn_weights(&[], &[[0.0; 3]]);
}

#[test]
fn normalization_round_trips() {
    let mut rng = Rng::new(5);
    for n in [1usize, 2, 10, 2048] {
        let raw: Vec<[f32; 3]> = cube_cloud(&mut rng, n)
            .into_iter()
            .map(|p| [p[0] * 30.0 + 100.0, p[1] * 5.0 - 7.0, p[2] * 0.01])
            .collect();
        let (pts, t) = normalize_unit_sphere(&raw);
        // Centroid at the origin, farthest point on the unit sphere.
        let mut c = [0f64; 3];
        let mut max_norm = 0f32;
        for p in &pts {
            for a in 0..3 {
                c[a] += p[a] as f64 / n as f64;
            }
            max_norm = max_norm.max(dist2(p, &[0.0; 3]).sqrt());
        }
        assert!(c.iter().all(|x| x.abs() < 1e-5), "n={n} centroid {c:?}");
        if n > 1 {
            assert!((max_norm - 1.0).abs() < 1e-5, "n={n} max norm {max_norm}");
        } else {
            assert_eq!(t.scale, 1.0);
        }
        for (p, q) in raw.iter().zip(&pts) {
            let back = t.invert(*q);
            for a in 0..3 {
                assert!(
                    (back[a] - p[a]).abs() <= 1e-5 * (1.0 + p[a].abs()),
                    "{p:?} {back:?}"
                );
            }
            assert_eq!(t.apply(*p), *q);
        }
    }
    // Coincident points: centred, not scaled.
    let (pts, t) = normalize_unit_sphere(&[[2.0, 2.0, 2.0]; 4]);
    assert_eq!((t.centroid, t.scale), ([2.0; 3], 1.0));
    assert!(pts.iter().all(|p| *p == [0.0; 3]));
    let (pts, t) = normalize_unit_sphere(&[]);
    assert!(pts.is_empty());
    assert_eq!((t.centroid, t.scale), ([0.0; 3], 1.0));
}

#[test]
fn tree_is_shareable_between_threads() {
    let mut rng = Rng::new(8);
    let cloud = surface_cloud(&mut rng, 5000);
    let tree = PointTree::new(&cloud);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|t| {
                let (tree, cloud) = (&tree, &cloud);
                s.spawn(move || knn_with_tree(tree, &cloud[t * 100..t * 100 + 100], 8))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (t, r) in results.into_iter().enumerate() {
        assert_eq!(r, knn_ref(&cloud, &cloud[t * 100..t * 100 + 100], 8));
    }
}

//! Geometry kernel benchmarks at the sizes pcseg runs them.
//!
//! Clouds are points sampled on the surfaces of a table-like object (a box
//! top, four cylindrical legs, a box shelf), normalised to the unit sphere,
//! with a little jitter: locally flat and dense like real scans, not uniform
//! noise. Setup (cloud generation, and tree building where a prebuilt tree is
//! benchmarked) runs untimed in `iter_batched`; throughput is in points
//! (sampled, queried or labelled).
//!
//! Run: `cargo bench --bench geometry`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use pcseg::geometry::ball_query::ball_query_scan;
use pcseg::geometry::reference::ball_query_ref;
use pcseg::geometry::three_nn::three_nn_weights_scan;
use pcseg::geometry::*;
use pcseg::rng::Rng;

/// `n` points on a table: top, shelf (boxes) and four legs (cylinders), area
/// weighted, unit-sphere normalised.
fn table_cloud(n: usize, seed: u64) -> Vec<[f32; 3]> {
    let mut rng = Rng::new(seed);
    // Boxes as (lo, hi); cylinders as (x, z, radius, y0, y1).
    let boxes = [
        ([-0.8f32, 0.70, -0.5], [0.8f32, 0.75, 0.5]),
        ([-0.7f32, 0.20, -0.4], [0.7f32, 0.23, 0.4]),
    ];
    let legs = [(-0.7f32, -0.4f32), (0.7, -0.4), (-0.7, 0.4), (0.7, 0.4)];
    let box_area = |(lo, hi): ([f32; 3], [f32; 3])| {
        let d = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
        2.0 * (d[0] * d[1] + d[1] * d[2] + d[0] * d[2])
    };
    let leg_area = std::f32::consts::TAU * 0.04 * 0.7;
    let total = boxes.iter().map(|&b| box_area(b)).sum::<f32>() + 4.0 * leg_area;
    let raw: Vec<[f32; 3]> = (0..n)
        .map(|_| {
            let mut u = rng.uniform(0.0, total);
            let mut p = None;
            for &(lo, hi) in &boxes {
                let a = box_area((lo, hi));
                if p.is_none() && u < a {
                    let axis = rng.below(3);
                    let mut q: [f32; 3] = std::array::from_fn(|i| rng.uniform(lo[i], hi[i]));
                    q[axis] = if rng.chance(0.5) { lo[axis] } else { hi[axis] };
                    p = Some(q);
                }
                u -= a;
            }
            let q = p.unwrap_or_else(|| {
                let (x, z) = *rng.pick(&legs);
                let t = rng.uniform(0.0, std::f32::consts::TAU);
                [
                    x + 0.04 * t.cos(),
                    rng.uniform(0.0, 0.7),
                    z + 0.04 * t.sin(),
                ]
            });
            q.map(|x| x + 0.002 * rng.normal())
        })
        .collect();
    normalize_unit_sphere(&raw).0
}

fn pick(points: &[[f32; 3]], idx: &[usize]) -> Vec<[f32; 3]> {
    idx.iter().map(|&i| points[i]).collect()
}

fn bench_fps(c: &mut Criterion) {
    let mut g = c.benchmark_group("fps");
    g.throughput(Throughput::Elements(2048));
    g.bench_function("2048_to_512", |b| {
        b.iter_batched(
            || table_cloud(2048, 1),
            |cloud| farthest_point_sample(black_box(&cloud), 512, 7),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn bench_ball_query(c: &mut Criterion) {
    let mut g = c.benchmark_group("ball_query");
    // (name, N, S, K, r): the two grouping levels of the network.
    for (name, n, s, k, r) in [
        ("sa1_512c_2048p_k32_r0.2", 2048, 512, 32, 0.2),
        ("sa2_128c_512p_k64_r0.4", 512, 128, 64, 0.4),
    ] {
        let setup = move || {
            let cloud = table_cloud(n, 2);
            let centres = pick(&cloud, &farthest_point_sample(&cloud, s, 0));
            (cloud, centres)
        };
        g.throughput(Throughput::Elements(s as u64));
        g.bench_function(BenchmarkId::new("tree_incl_build", name), |b| {
            b.iter_batched(
                setup,
                |(cloud, centres)| ball_query(&cloud, &centres, r, k),
                BatchSize::SmallInput,
            )
        });
        g.bench_function(BenchmarkId::new("prebuilt_tree", name), |b| {
            b.iter_batched(
                || {
                    let (cloud, centres) = setup();
                    (PointTree::new(&cloud), centres, vec![0u32; s * k])
                },
                |(tree, centres, mut out)| {
                    ball_query_with_tree(&tree, &centres, r, k, &mut out);
                    out
                },
                BatchSize::SmallInput,
            )
        });
        // What `ball_query` runs at these sizes (at most `SCAN_MAX_POINTS`
        // points, so `tree_incl_build` above is this scan too), without the
        // output allocation.
        g.bench_function(BenchmarkId::new("scan", name), |b| {
            b.iter_batched(
                || {
                    let (cloud, centres) = setup();
                    (cloud, centres, vec![0u32; s * k])
                },
                |(cloud, centres, mut out)| {
                    ball_query_scan(&cloud, &centres, r, k, &mut out);
                    out
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function(BenchmarkId::new("brute_force", name), |b| {
            b.iter_batched(
                setup,
                |(cloud, centres)| ball_query_ref(&cloud, &centres, r, k),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn bench_knn(c: &mut Criterion) {
    let mut g = c.benchmark_group("knn_k16_all_points");
    for n in [1_000usize, 2_048, 16_384] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter_batched(
                || table_cloud(n, 3),
                |cloud| knn(&cloud, &cloud, 16),
                BatchSize::LargeInput,
            )
        });
    }
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let n = 1_000_000;
    g.throughput(Throughput::Elements(n as u64));
    g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
        b.iter_batched(
            || table_cloud(n, 3),
            |cloud| knn(&cloud, &cloud, 16),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn bench_three_nn(c: &mut Criterion) {
    let mut g = c.benchmark_group("three_nn_weights");
    // FP1 of the network: 512 coarse points to 2,048 fine points.
    g.throughput(Throughput::Elements(2048));
    g.bench_function("512_to_2048", |b| {
        b.iter_batched(
            || {
                let fine = table_cloud(2048, 4);
                let coarse = pick(&fine, &farthest_point_sample(&fine, 512, 0));
                (coarse, fine)
            },
            |(coarse, fine)| three_nn_weights(&coarse, &fine),
            BatchSize::SmallInput,
        )
    });
    // The tree-less scan the network's plan uses (coarse sets of at most
    // 2,048 points): FP1 (512 -> 2,048) and FP2 (128 -> 512).
    for (m, n) in [(512usize, 2048usize), (128, 512)] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new("scan", format!("{m}_to_{n}")), |b| {
            b.iter_batched(
                || {
                    let fine = table_cloud(n, 4);
                    let coarse = pick(&fine, &farthest_point_sample(&fine, m, 0));
                    (coarse, fine)
                },
                |(coarse, fine)| three_nn_weights_scan(&coarse, &fine),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn bench_normals(c: &mut Criterion) {
    let mut g = c.benchmark_group("normals_k16");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    let n = 1_000_000;
    g.throughput(Throughput::Elements(n as u64));
    g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
        b.iter_batched(
            || table_cloud(n, 5),
            |cloud| estimate_normals(&cloud, DEFAULT_NORMAL_K),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn bench_label_transfer(c: &mut Criterion) {
    let mut g = c.benchmark_group("label_transfer_2048_to_1M");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    let n = 1_000_000;
    let parts = 4;
    g.throughput(Throughput::Elements(n as u64));
    let setup = move || {
        let cloud = table_cloud(n, 6);
        let subset = pick(&cloud, &farthest_point_sample(&cloud[..100_000], 2048, 0));
        let mut rng = Rng::new(6);
        let labels: Vec<u32> = (0..2048).map(|_| rng.below(parts) as u32).collect();
        let logits: Vec<f32> = (0..2048 * parts).map(|_| rng.normal()).collect();
        (cloud, subset, labels, logits)
    };
    g.bench_function("nearest_incl_build", |b| {
        b.iter_batched(
            setup,
            |(cloud, subset, labels, _)| {
                transfer_labels_nearest(&PointTree::new(&subset), &labels, &cloud)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("idw_argmax_incl_build", |b| {
        b.iter_batched(
            setup,
            |(cloud, subset, _, logits)| {
                transfer_labels_idw(&PointTree::new(&subset), &logits, parts, &cloud)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// `pcseg run`'s label transfer, one block: 131,072 points of a cloud
/// against two 2,048-point votes (FPS of the cloud and of its mirror image,
/// as the votes sample), four parts, trees prebuilt (as `pcseg run` builds
/// them once per cloud). With AVX-512 this is the leaf scan;
/// `PCSEG_NO_AVX512=1` runs the tree path.
fn bench_label_transfer_sum(c: &mut Criterion) {
    let mut g = c.benchmark_group("label_transfer_sum");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    let (n, s, parts) = (131_072, 2048, 4);
    g.throughput(Throughput::Elements(n as u64));
    let cloud = table_cloud(n, 8);
    let mirror: Vec<[f32; 3]> = cloud.iter().map(|p| [-p[0], p[1], p[2]]).collect();
    let mut rng = Rng::new(8);
    let votes: Vec<(PointTree, Vec<f32>)> = [&cloud, &mirror]
        .iter()
        .enumerate()
        .map(|(v, pts)| {
            let subset = pick(pts, &farthest_point_sample(pts, s, v));
            let logits: Vec<f32> = (0..s * parts).map(|_| rng.normal()).collect();
            (PointTree::new(&subset), logits)
        })
        .collect();
    let subsets: Vec<(&PointTree, &[f32])> = votes.iter().map(|(t, l)| (t, &l[..])).collect();
    g.bench_function("2x2048_to_131072_p4", |b| {
        b.iter(|| transfer_labels_idw_sum(black_box(&subsets), parts, black_box(&cloud)))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_fps,
    bench_ball_query,
    bench_three_nn,
    bench_knn,
    bench_normals,
    bench_label_transfer,
    bench_label_transfer_sum
);
criterion_main!(benches);

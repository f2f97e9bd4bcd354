//! Farthest point sampling at the three sizes `pcseg eval` runs it: a test
//! shape (~2,600 points) down to 2,048, then the network's SA1 (2,048 -> 512)
//! and SA2 (512 -> 128) centres.
//!
//! Clouds are synthetic chairs from `pcseg::synth::sample_shape` (surface
//! samples, locally flat and dense like real scans, not uniform noise); the
//! smaller clouds are FPS subsets of the larger one, as in the network.
//! Setup (the cloud) is built once, outside the timing; throughput is in
//! input points.
//!
//! Run: `cargo bench --bench fps`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pcseg::categories::CATEGORIES;
use pcseg::geometry::farthest_point_sample;
use pcseg::rng::Rng;
use pcseg::synth::{sample_shape, Realism};

fn pick(points: &[[f32; 3]], idx: &[usize]) -> Vec<[f32; 3]> {
    idx.iter().map(|&i| points[i]).collect()
}

fn bench_fps(c: &mut Criterion) {
    let chair = &CATEGORIES[4];
    let shape = sample_shape(chair, &mut Rng::for_item(11, 0), 2600, &Realism::off())
        .expect("synthetic chair");
    let p2600 = shape.points;
    let p2048 = pick(&p2600, &farthest_point_sample(&p2600, 2048, 0));
    let p512 = pick(&p2048, &farthest_point_sample(&p2048, 512, 0));

    let mut g = c.benchmark_group("fps");
    for (name, cloud, m) in [
        ("2600_to_2048", &p2600, 2048),
        ("2048_to_512", &p2048, 512),
        ("512_to_128", &p512, 128),
    ] {
        g.throughput(Throughput::Elements(cloud.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| farthest_point_sample(black_box(cloud), m, black_box(7)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_fps);
criterion_main!(benches);

//! Training throughput of the shipped `ssg-mbv2-wide` network: one optimisation
//! step (forward with batch statistics, backward, clipping, AdamW) on a batch
//! of B = 16 synthetic clouds of N = 2,048 points, on a 2-thread rayon pool;
//! and, separately, building such a batch (generation, FPS sampling,
//! augmentation), which the trainer overlaps with the step.
//! Throughput is reported in shapes (clouds) per second.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pcseg::model::{Model, ModelConfig};
use pcseg::synth::{Realism, RealismLevel};
use pcseg::train::augment::Augment;
use pcseg::train::data::{build_batch, CategoryMix};
use pcseg::train::optim::{Adam, AdamConfig};
use pcseg::train::synthetic::{raw_points_for, SyntheticSource};
use pcseg::train::trainer::train_step;

const B: usize = 16;
const N: usize = 2048;

fn bench(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let src = SyntheticSource::training(
        1,
        B * 8,
        (raw_points_for(N), raw_points_for(N)),
        CategoryMix::ShapeNetPart,
        Realism::level(RealismLevel::Medium),
    )
    .unwrap();
    let aug = Augment::default();
    let batches: Vec<_> = pool.install(|| {
        (0..4)
            .map(|k| {
                let idx: Vec<usize> = (k * B..(k + 1) * B).collect();
                build_batch(&src, 0, &idx, N, Some(&aug), 1).unwrap()
            })
            .collect()
    });
    let mut model = Model::init(ModelConfig::wide(), 1).unwrap();
    let mut grads = model.new_grads();
    let mut opt = Adam::new(AdamConfig::default());
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    group.throughput(Throughput::Elements(B as u64));
    let mut k = 0usize;
    group.bench_function("step_ssg-mbv2-wide_b16_n2048_2threads", |bench| {
        bench.iter(|| {
            k += 1;
            let batch = &batches[k % batches.len()];
            pool.install(|| {
                train_step(
                    &mut model, &mut opt, &mut grads, batch, k as u64, 1e-3, 10.0,
                )
                .unwrap()
            })
        })
    });
    let mut e = 0usize;
    group.bench_function("build_batch_synthetic_b16_n2048_2threads", |bench| {
        bench.iter_batched(
            || {
                e += 1;
                e
            },
            |epoch| {
                let idx: Vec<usize> = (0..B).collect();
                pool.install(|| build_batch(&src, epoch, &idx, N, Some(&aug), 1).unwrap())
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

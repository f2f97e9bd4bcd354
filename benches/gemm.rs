//! The linear layer (`out = inp . W^T + b`) at every shape the default
//! network uses, one thread: the GFLOP/s each reaches (printed) and criterion
//! medians. The AVX-512 kernel runs where the CPU has it; set
//! `PCSEG_NO_AVX512=1` to measure the matrixmultiply path on the same machine.
//!
//! Run: `cargo bench --bench gemm` (and `PCSEG_NO_AVX512=1 cargo bench --bench gemm`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::Array2;
use pcseg::model::layers::{Linear, Par};
use pcseg::model::Params;
use pcseg::rng::Rng;
use std::time::{Duration, Instant};

/// `(rows, cin, cout, where)` for a 2,048-point cloud of `ssg-mbv2`.
const SHAPES: &[(usize, usize, usize, &str)] = &[
    (2048, 6, 32, "stem"),
    (2048, 32, 128, "SA1 expand"),
    (512, 128, 64, "SA1 project"),
    (512, 64, 256, "SA2 expand"),
    (128, 256, 128, "SA2 project"),
    (128, 128, 512, "SA2 block / SA3 expand"),
    (128, 512, 128, "SA2 block project"),
    (128, 384, 128, "FP3"),
    (512, 192, 64, "FP2"),
    (2048, 118, 64, "FP1"),
    (2048, 64, 128, "head 1"),
    (2048, 128, 50, "head 2"),
];

fn bench(c: &mut Criterion) {
    pcseg::model::alloc::retain_freed_memory();
    let mut group = c.benchmark_group("linear");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));
    for &(rows, cin, cout, name) in SHAPES {
        let mut p = Params::new();
        let lin = Linear::new(&mut p, "l", cin, cout);
        let mut rng = Rng::new(1);
        lin.init(&mut p, &mut rng);
        let x = Array2::from_shape_fn((rows, cin), |_| rng.normal());
        let flops = 2.0 * (rows * cin * cout) as f64;
        // Best of a few timed batches, printed as GFLOP/s.
        let reps = ((2e8 / flops) as usize).max(5);
        let mut best = f64::MAX;
        for _ in 0..7 {
            let t = Instant::now();
            for _ in 0..reps {
                std::hint::black_box(lin.forward(&p, x.view(), Par::Serial));
            }
            best = best.min(t.elapsed().as_secs_f64() / reps as f64);
        }
        println!(
            "linear {rows} x {cin} -> {cout} ({name}): best {:.1} us = {:.1} GFLOP/s",
            best * 1e6,
            flops / best / 1e9
        );
        group.throughput(Throughput::Elements((rows * cin * cout) as u64));
        group.bench_function(format!("{rows}x{cin}->{cout}"), |b| {
            b.iter(|| lin.forward(&p, x.view(), Par::Serial))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

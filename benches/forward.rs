//! Forward and training benchmarks of the default network at 2,048 points:
//! one cloud on one thread, a batch of 16 on all cores, a per-stage breakdown
//! (printed), and a training step (forward + backward) on a batch of 16.
//! The forward benches run in f32, and again in bf16 (`_bf16`) where the CPU
//! has AMX.
//!
//! Run: `cargo bench --bench forward`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pcseg::model::{CloudInput, Model, ModelConfig, Network, Precision, StageTimer, TrainCloud};
use pcseg::rng::Rng;
use std::time::Duration;

const N: usize = 2048;

struct Cloud {
    points: Vec<[f32; 3]>,
    normals: Vec<[f32; 3]>,
    labels: Vec<u32>,
    category: usize,
}

/// Points on a random ellipsoid (normalised), labelled by height: a stand-in
/// for a ShapeNetPart shape with the same point density.
fn cloud(category: usize, seed: u64) -> Cloud {
    let mut rng = Rng::new(seed);
    let axes = [
        rng.uniform(0.5, 1.0),
        rng.uniform(0.5, 1.0),
        rng.uniform(0.5, 1.0),
    ];
    let cat = &pcseg::categories::CATEGORIES[category];
    let (mut points, mut normals, mut labels) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..N {
        let v = [rng.normal(), rng.normal(), rng.normal()];
        let l = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().max(1e-6);
        let u = [v[0] / l, v[1] / l, v[2] / l];
        points.push([u[0] * axes[0], u[1] * axes[1], u[2] * axes[2]]);
        let g = [u[0] / axes[0], u[1] / axes[1], u[2] / axes[2]];
        let gl = (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt();
        normals.push([g[0] / gl, g[1] / gl, g[2] / gl]);
        let t = ((u[1] + 1.0) * 0.5 * cat.num_parts() as f32) as usize;
        labels.push((cat.first_part + t.min(cat.num_parts() - 1)) as u32);
    }
    // In the order `pcseg run` hands points to the network: FPS order from
    // a random start (every point kept, as for a cloud of at most N points).
    let order = pcseg::predict::sample::sample_indices(&points, N, &mut rng);
    Cloud {
        points: order.iter().map(|&i| points[i]).collect(),
        normals: order.iter().map(|&i| normals[i]).collect(),
        labels: order.iter().map(|&i| labels[i]).collect(),
        category,
    }
}

fn inputs(clouds: &[Cloud]) -> Vec<CloudInput<'_>> {
    clouds
        .iter()
        .enumerate()
        .map(|(i, c)| CloudInput {
            points: &c.points,
            normals: Some(&c.normals),
            category: c.category,
            seed: i as u64,
            fps_ordered: c.points.len(),
        })
        .collect()
}

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}

/// CPU time consumed by the calling thread (POSIX `CLOCK_THREAD_CPUTIME_ID`,
/// from the C library std already links). The machine is shared, so CPU
/// time is the stable measure; criterion reports wall time.
fn thread_cpu() -> Duration {
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.sec as u64, ts.nsec as u32)
}

fn bench_forward(c: &mut Criterion) {
    let clouds: Vec<Cloud> = (0..16).map(|i| cloud(i % 16, i as u64)).collect();
    let ins = inputs(&clouds);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("forward");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(5));
    // f32 always; bf16 (AMX) where the CPU has it, as `_bf16` benches.
    for precision in [Precision::F32, Precision::Bf16] {
        if !precision.available() {
            eprintln!("{precision}: not available on this CPU, skipped");
            continue;
        }
        let mut net = Network::init(ModelConfig::wide(), 1).expect("shipped config");
        net.set_precision(precision).expect("available");
        let suffix = match precision {
            Precision::F32 => "",
            Precision::Bf16 => "_bf16",
        };

        // Per-stage breakdown on one thread: median over 50 runs, in thread
        // CPU time (the machine is shared; wall time is in the criterion
        // numbers).
        let mut per_stage: Vec<(String, Vec<f64>)> = Vec::new();
        one.install(|| {
            for _ in 0..50 {
                let mut t = StageTimer::with_clock(thread_cpu);
                net.forward_timed(&ins[0], &mut t).unwrap();
                for (name, d) in t.stages {
                    match per_stage.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, v)) => v.push(d.as_secs_f64() * 1e3),
                        None => per_stage.push((name, vec![d.as_secs_f64() * 1e3])),
                    }
                }
            }
        });
        eprintln!(
            "per-stage median thread-CPU time, one {N}-point cloud, one thread, {precision}:"
        );
        let mut total = 0.0;
        for (name, mut v) in per_stage {
            v.sort_by(f64::total_cmp);
            let m = v[v.len() / 2];
            total += m;
            eprintln!("  {name:<9} {m:7.3} ms");
        }
        eprintln!("  {:<9} {total:7.3} ms", "sum");

        // Whole forward in thread CPU time, median of 50.
        let mut cpu: Vec<f64> = one.install(|| {
            (0..50)
                .map(|_| {
                    let t0 = thread_cpu();
                    net.forward_one(&ins[0]).unwrap();
                    (thread_cpu() - t0).as_secs_f64() * 1e3
                })
                .collect()
        });
        cpu.sort_by(f64::total_cmp);
        eprintln!(
            "forward, one {N}-point cloud, one thread, {precision}: median thread-CPU {:.3} ms",
            cpu[25]
        );

        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("one_cloud_2048_one_thread{suffix}"), |b| {
            one.install(|| b.iter(|| net.forward_one(&ins[0]).unwrap()))
        });
        g.throughput(Throughput::Elements(16));
        g.bench_function(format!("batch16_2048_all_cores{suffix}"), |b| {
            b.iter(|| net.forward(&ins).unwrap())
        });
    }
    g.finish();
}

fn bench_train(c: &mut Criterion) {
    let clouds: Vec<Cloud> = (0..16).map(|i| cloud(i % 16, 100 + i as u64)).collect();
    let batch: Vec<TrainCloud> = clouds
        .iter()
        .map(|c| TrainCloud {
            points: &c.points,
            normals: Some(&c.normals),
            labels: &c.labels,
            category: c.category,
            turned: false,
        })
        .collect();
    let mut model = Model::init(ModelConfig::wide(), 1).unwrap();
    let mut grads = model.new_grads();
    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(16));
    let mut seed = 0;
    g.bench_function("step_batch16_2048_all_cores", |b| {
        b.iter_batched(
            || {
                seed += 1;
                seed
            },
            |s| {
                grads.zero_grad();
                let step = model.forward_train(&batch, s, true).unwrap();
                model.backward(&step, &mut grads).unwrap();
                step.loss
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_forward, bench_train);
criterion_main!(benches);

//! Whole-network tests on the tiny config: gradient check, folding,
//! determinism, batching, encode/decode, and the default model's budget.

use crate::model_util::{batch, cloud, Cloud};
use pcseg::model::cost::{flops, param_count};
use pcseg::model::{CloudInput, Model, ModelConfig, Network, Precision, TrainCloud};

fn tiny_clouds(n: usize, count: usize) -> Vec<Cloud> {
    (0..count)
        .map(|i| cloud(n, (i * 5) % 16, 40 + i as u64))
        .collect()
}

fn inputs(clouds: &[Cloud]) -> Vec<CloudInput<'_>> {
    clouds
        .iter()
        .enumerate()
        .map(|(i, c)| CloudInput {
            points: &c.points,
            normals: Some(&c.normals),
            category: c.category,
            seed: 100 + i as u64,
            fps_ordered: 0,
        })
        .collect()
}

/// A tiny model whose BN scales, shifts and running statistics are not the
/// identity (so folding and the BN gradients are really exercised).
fn perturbed_tiny(seed: u64) -> Model {
    perturbed(ModelConfig::tiny(), seed)
}

/// A model of `config` with perturbed BN statistics (see [`perturbed_tiny`]).
fn perturbed(config: ModelConfig, seed: u64) -> Model {
    let mut m = Model::init(config, seed).unwrap();
    let mut rng = pcseg::rng::Rng::new(seed + 1);
    let ids: Vec<_> = m.params.ids().collect();
    for id in ids {
        let name = m.params.name(id).to_string();
        let t = m.params.get_mut(id);
        if name.ends_with("bn.weight") {
            t.mapv_inplace(|_| rng.uniform(0.5, 1.5));
        } else if name.ends_with("bn.bias") || name.ends_with("linear.bias") {
            t.mapv_inplace(|_| rng.normal() * 0.1);
        } else if name.ends_with("running_mean") {
            t.mapv_inplace(|_| rng.normal() * 0.3);
        } else if name.ends_with("running_var") {
            t.mapv_inplace(|_| rng.uniform(0.5, 2.0));
        }
    }
    m
}

/// Finite-difference check of d(loss)/d(param) on a few entries of EVERY
/// learnable tensor. The forward is f32; the loss is accumulated in f64, so
/// its rounding noise is ~1e-6 absolute and differences with step h = 1e-3
/// carry an error ~1e-3 (the truncation error is far smaller). The network is
/// piecewise smooth (ReLU6 clamps, max selections): when a kink lies within
/// h of the current point, the central difference averages two slopes while
/// the analytic gradient is the slope of the current piece, which then equals
/// one of the one-sided differences. So each entry must match the central
/// difference (h or h/2) or a one-sided difference (h/2), within
/// 3e-3 + 5% of the gradient; the number of kink cases is printed and may
/// not exceed 15% of the checked entries.
#[test]
fn tiny_network_gradient_check() {
    let clouds = tiny_clouds(64, 3);
    let b = batch(&clouds);
    let mut model = perturbed_tiny(3);
    let seed = 11;
    let step = model.forward_train(&b, seed, true).unwrap();
    let mut grads = model.new_grads();
    model.backward(&step, &mut grads).unwrap();
    let base = step.loss as f64;
    let mut rng = pcseg::rng::Rng::new(5);
    let (mut checked, mut kinks, mut worst) = (0, 0, 0.0f64);
    let ids: Vec<_> = model
        .params
        .ids()
        .filter(|&i| model.params.is_trainable(i))
        .collect();
    for id in ids {
        let len = model.params.get(id).len();
        let mut tensor_max = 0.0f64;
        for _ in 0..3 {
            let e = rng.below(len);
            let orig = model.params.get(id).as_slice().unwrap()[e];
            let mut loss_with = |delta: f32| {
                model.params.get_mut(id).as_slice_mut().unwrap()[e] = orig + delta;
                let l = model.forward_train(&b, seed, true).unwrap().loss as f64;
                model.params.get_mut(id).as_slice_mut().unwrap()[e] = orig;
                l
            };
            let h = 1e-3f32;
            let (p1, m1, p2, m2) = (
                loss_with(h),
                loss_with(-h),
                loss_with(h / 2.0),
                loss_with(-h / 2.0),
            );
            let hf = h as f64;
            let central = (p1 - m1) / (2.0 * hf);
            let central2 = (p2 - m2) / hf;
            let right = (p2 - base) / (hf / 2.0);
            let left = (base - m2) / (hf / 2.0);
            let an = grads.get(id).as_slice().unwrap()[e] as f64;
            checked += 1;
            let tol = 3e-3 + 0.05 * an.abs();
            let d_central = (central - an).abs().min((central2 - an).abs());
            let d = if d_central <= tol {
                d_central
            } else {
                kinks += 1;
                (left - an).abs().min((right - an).abs())
            };
            tensor_max = tensor_max.max(d / (1.0 + an.abs()));
            assert!(
                d <= tol,
                "{}[{e}]: analytic {an:.6} vs differences central {central:.6} / {central2:.6}, left {left:.6}, right {right:.6}",
                model.params.name(id)
            );
        }
        println!("{:<36} maxdiff {tensor_max:.2e}", model.params.name(id));
        worst = worst.max(tensor_max);
    }
    println!("checked {checked}, at kinks {kinks}, worst {worst:.2e}");
    assert!(
        kinks * 100 <= 15 * checked,
        "too many kinks: {kinks} of {checked}"
    );
}

#[test]
fn folded_equals_unfolded_batch_norm() {
    let clouds = tiny_clouds(80, 2);
    let mut model = perturbed_tiny(4);
    let net = model.to_network();
    let ins = inputs(&clouds);
    for (i, c) in ins.iter().enumerate() {
        let folded = net.forward_one(c).unwrap();
        // The evaluation forward of the trainable model (running stats, BN
        // applied separately) with the same FPS seed.
        let tc = TrainCloud {
            points: c.points,
            normals: c.normals,
            labels: &clouds[i].labels,
            category: c.category,
            turned: false,
        };
        // forward_train draws the FPS seed from (seed, index): find a seed
        // whose derived FPS seed we can pass to the network instead.
        let step = model.forward_train(&[tc], 77, false).unwrap();
        let c2 = CloudInput {
            seed: Model::fps_seed(77, 0),
            ..*c
        };
        let folded2 = net.forward_one(&c2).unwrap();
        let d = (&folded2 - &step.logits)
            .mapv(f32::abs)
            .fold(0f32, |a, &b| a.max(b));
        println!("cloud {i}: folded vs unfolded max |diff| {d:.2e}");
        assert!(d < 1e-5, "folded vs unfolded {d}");
        assert_eq!(folded.dim(), (80, 50));
    }
}

#[test]
fn deterministic_batched_and_encode_decode() {
    let net = perturbed_tiny(5).to_network();
    let clouds = tiny_clouds(70, 4);
    let ins = inputs(&clouds);
    let a = net.forward(&ins).unwrap();
    let b = net.forward(&ins).unwrap();
    assert_eq!(a, b, "same seed, same logits");
    for (i, c) in ins.iter().enumerate() {
        assert_eq!(net.forward_one(c).unwrap(), a[i], "batch equals one by one");
    }
    let other = CloudInput {
        seed: 999,
        ..ins[0]
    };
    assert_ne!(
        net.forward_one(&other).unwrap(),
        a[0],
        "the seed moves the FPS start"
    );
    let enc = net.encode(&ins[1]).unwrap();
    for cat in 0..16 {
        let full = net
            .forward_one(&CloudInput {
                category: cat,
                ..ins[1]
            })
            .unwrap();
        assert_eq!(net.decode(&enc, cat).unwrap(), full, "category {cat}");
    }
    // A pool of one thread gives the same result as the default pool.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    assert_eq!(one.install(|| net.forward(&ins).unwrap()), a);
    // Predictions stay inside the category's parts.
    let pred = Network::predict(a[0].view(), ins[0].category);
    let range = pcseg::categories::CATEGORIES[ins[0].category].part_range();
    assert!(pred.iter().all(|&p| range.contains(&(p as usize))));
}

#[test]
fn bf16_products_follow_the_f32_network_where_the_cpu_has_amx() {
    let mut net = perturbed_wide(7);
    let clouds: Vec<Cloud> = (0..3).map(|i| cloud(2048, i * 6, 70 + i as u64)).collect();
    let ins = inputs(&clouds);
    let f32_logits = net.forward(&ins).unwrap();
    let set = net.set_precision(Precision::Bf16);
    if !Precision::Bf16.available() {
        assert!(set.is_err(), "bf16 refused without AMX");
        assert_eq!(net.precision(), Precision::F32);
        eprintln!("skipped: this CPU or system has no AMX");
        return;
    }
    set.unwrap();
    assert_eq!(net.precision(), Precision::Bf16);
    let bf16_logits = net.forward(&ins).unwrap();
    assert_eq!(net.forward(&ins).unwrap(), bf16_logits, "deterministic");
    assert_eq!(
        net.forward_one(&ins[1]).unwrap(),
        bf16_logits[1],
        "batch equals one by one"
    );
    for (i, (a, b)) in f32_logits.iter().zip(&bf16_logits).enumerate() {
        // bf16 keeps 8 significant bits: each product is off by up to
        // 2^-8 relative, and the errors partly cancel over a layer's sums
        // (about 0.8 % of the logits' norm here).
        let diff = (a - b).mapv(|v| v * v).sum().sqrt();
        let norm = a.mapv(|v| v * v).sum().sqrt();
        assert!(
            diff <= 0.02 * norm,
            "cloud {i}: |bf16 - f32| = {diff}, |f32| = {norm}"
        );
        assert!(
            diff > 0.0,
            "cloud {i}: bf16 products must differ from f32 somewhere"
        );
        let (pa, pb) = (
            Network::predict(a.view(), ins[i].category),
            Network::predict(b.view(), ins[i].category),
        );
        let same = pa.iter().zip(&pb).filter(|(x, y)| x == y).count();
        assert!(
            same * 100 >= pa.len() * 95,
            "cloud {i}: {same} of {} labels agree",
            pa.len()
        );
    }
    // Back to f32: the f32 logits again, bit for bit.
    net.set_precision(Precision::F32).unwrap();
    assert_eq!(net.forward(&ins).unwrap(), f32_logits);
}

/// The wide (shipped) config with perturbed BN statistics, as an inference
/// network.
fn perturbed_wide(seed: u64) -> Network {
    perturbed(ModelConfig::wide(), seed).to_network()
}

#[test]
fn bad_inputs_are_errors() {
    let net = Network::init(ModelConfig::tiny(), 1).unwrap();
    let c = cloud(30, 0, 1);
    let ok = CloudInput {
        points: &c.points,
        normals: Some(&c.normals),
        category: 0,
        seed: 0,
        fps_ordered: 0,
    };
    assert!(net.forward_one(&CloudInput { category: 16, ..ok }).is_err());
    assert!(net
        .forward_one(&CloudInput {
            normals: None,
            ..ok
        })
        .is_err());
    assert!(net
        .forward_one(&CloudInput {
            points: &[],
            normals: Some(&[]),
            ..ok
        })
        .is_err());
    let e = net
        .forward(&[
            ok,
            CloudInput {
                normals: Some(&c.normals[..5]),
                ..ok
            },
        ])
        .unwrap_err();
    assert!(e.to_string().contains("cloud 1"), "{e}");
    // Fewer points than centres still works (levels shrink to the cloud).
    let small = cloud(5, 0, 2);
    let logits = net
        .forward_one(&CloudInput {
            points: &small.points,
            normals: Some(&small.normals),
            ..ok
        })
        .unwrap();
    assert_eq!(logits.dim(), (5, 50));
    assert!(logits.iter().all(|v| v.is_finite()));
}

#[test]
fn training_is_deterministic_across_thread_counts_and_learns() {
    let clouds = tiny_clouds(64, 4);
    let b = batch(&clouds);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut m = Model::init(ModelConfig::tiny(), 9).unwrap();
            let mut g = m.new_grads();
            let mut losses = Vec::new();
            for s in 0..30 {
                g.zero_grad();
                let step = m.forward_train(&b, s, true).unwrap();
                m.backward(&step, &mut g).unwrap();
                losses.push(step.loss);
                // Plain SGD, enough to see the loss fall.
                let ids: Vec<_> = m
                    .params
                    .ids()
                    .filter(|&i| m.params.is_trainable(i))
                    .collect();
                for id in ids {
                    let gi = g.get(id).clone();
                    *m.params.get_mut(id) -= &(gi * 0.05);
                }
            }
            (
                losses,
                m.params.get(m.params.id("out.weight").unwrap()).clone(),
            )
        })
    };
    let (l1, w1) = run(1);
    let (l2, w2) = run(2);
    assert_eq!(l1, l2, "loss sequence independent of the thread count");
    assert_eq!(w1, w2);
    println!("losses: {:?}", l1);
    let first: f32 = l1[..3].iter().sum();
    let last: f32 = l1[l1.len() - 3..].iter().sum();
    assert!(last < 0.8 * first, "loss did not fall: {first} -> {last}");
}

#[test]
fn default_model_meets_the_budget() {
    let cfg = ModelConfig::default();
    let (params, buffers) = param_count(&cfg);
    let cost = flops(&cfg, 2048);
    println!(
        "ssg-mbv2: {params} parameters (+{buffers} BN running values), {:.3} GFLOPs",
        cost.total() as f64 * 1e-9
    );
    for (n, f) in &cost.stages {
        println!("  {n:<9} {:7.1} MFLOPs", *f as f64 * 1e-6);
    }
    assert!(params <= 1_000_000);
    assert!(cost.total() <= 600_000_000);
    // The analytic count matches the built network's tensors.
    let m = Model::init(cfg, 0).unwrap();
    assert_eq!(m.params.num_trainable(), params);
}

/// Prediction options of the whole-view tests: 128 points sampled from a
/// cloud larger than `whole_max`, one vote.
fn small_view(whole_max: usize, seed: u64) -> pcseg::predict::PredictOptions {
    pcseg::predict::PredictOptions {
        points: 128,
        whole_max,
        votes: 1,
        seed,
    }
}

/// A cloud no larger than `whole_max` is seen whole: every point's label is
/// the network's own prediction at that point (rebuilt here from the public
/// pieces `predict` uses: the sampling rule, one forward pass, the argmax),
/// not an interpolation from a sample. With `whole_max = 0` the same cloud is
/// sampled to `points` and labelled differently.
#[test]
fn clouds_up_to_whole_max_are_seen_whole() {
    use pcseg::cloud::PointCloud;
    use pcseg::predict::sample::prepare_cloud;
    use pcseg::predict::{points_seen, predict, CategoryChoice, PredictOptions};
    use pcseg::rng::Rng;

    let c = cloud(300, 4, 77);
    let category = &pcseg::categories::CATEGORIES[c.category];
    let mut pc = PointCloud::from_points(c.points.clone());
    pc.normals = Some(c.normals.clone());
    let net = perturbed_tiny(9).to_network();
    let options = small_view(300, 5);
    assert_eq!(points_seen(300, &options), 300);
    let got = predict(&net, &pc, CategoryChoice::Given(category), &options, "t").unwrap();

    // The vote's sampling, as `predict` seeds it.
    let mut rng = Rng::new(Rng::for_item(options.seed, 0).next_u64());
    let prepared = prepare_cloud(&pc, 300, &mut rng);
    let mut seen = prepared.indices.clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..300).collect::<Vec<_>>(), "every point seen once");
    let logits = net
        .forward_one(&CloudInput {
            points: &prepared.cloud.points,
            normals: prepared.cloud.normals.as_deref(),
            category: category.index,
            seed: rng.next_u64(),
            fps_ordered: 300, // every point, in `sample_indices` order
        })
        .unwrap();
    let rows = Network::predict(logits.view(), category.index);
    let mut want = vec![0u32; 300];
    for (&i, &label) in prepared.indices.iter().zip(&rows) {
        want[i] = label;
    }
    assert_eq!(got.labels, want);

    let sampled = PredictOptions {
        whole_max: 0,
        ..options
    };
    assert_eq!(points_seen(300, &sampled), 128);
    let other = predict(&net, &pc, CategoryChoice::Given(category), &sampled, "t").unwrap();
    assert_eq!(other.labels.len(), 300);
    assert_ne!(other.labels, want, "128 of 300 points seen: labels differ");
}

/// A cloud with duplicated points (as the resample-2048 protocol draws them)
/// is not a permutation under farthest point sampling: once the distinct
/// points are taken, it repeats them. Every point must still get a label
/// from the network, and copies of a point the same label as the original.
#[test]
fn whole_clouds_with_duplicates_label_every_point() {
    use pcseg::cloud::PointCloud;
    use pcseg::predict::{predict, CategoryChoice};

    let c = cloud(200, 9, 78);
    let category = &pcseg::categories::CATEGORIES[c.category];
    let mut points = c.points.clone();
    let mut normals = c.normals.clone();
    for i in 0..100 {
        points.push(c.points[i]);
        normals.push(c.normals[i]);
    }
    let mut pc = PointCloud::from_points(points);
    pc.normals = Some(normals);
    let net = perturbed_tiny(10).to_network();
    let options = small_view(4096, 3);
    let got = predict(&net, &pc, CategoryChoice::Given(category), &options, "t").unwrap();
    assert_eq!(got.labels.len(), 300);
    for i in 0..100 {
        assert_eq!(got.labels[200 + i], got.labels[i], "copy of point {i}");
    }
}

//! A tiny network must be able to memorise a handful of shapes: the training
//! loop (forward, backward, clipping, AdamW) drives the point accuracy of the
//! inference network (BatchNorm folded) on those very shapes above 95 %.

use pcseg::categories::CATEGORIES;
use pcseg::cloud::PointCloud;
use pcseg::eval::protocol::{run_shape, Protocol};
use pcseg::eval::MiouAccumulator;
use pcseg::model::{Model, ModelConfig};
use pcseg::predict::{CategoryChoice, PredictOptions};
use pcseg::rng::Rng;
use pcseg::train::data::{prepare_item, Batch, CategoryMix, LabelledShape, ShapeSource};
use pcseg::train::optim::{Adam, AdamConfig};
use pcseg::train::synthetic::SyntheticSource;
use pcseg::train::trainer::{statistics_step, train_step, validate_network};

fn fixed_batch(shapes: usize, n: usize) -> Batch {
    batch_of(0, shapes, n)
}

fn point_accuracy(model: &Model, batch: &Batch) -> f64 {
    let net = model.to_network();
    let n = batch.n;
    let mut correct = 0usize;
    for k in 0..batch.len() {
        let input = pcseg::model::CloudInput {
            points: &batch.points[k * n..(k + 1) * n],
            normals: Some(&batch.normals[k * n..(k + 1) * n]),
            category: batch.categories[k],
            seed: Model::fps_seed(0, k),
            fps_ordered: 0,
        };
        let logits = net.forward_one(&input).unwrap();
        let pred = pcseg::model::Network::predict(logits.view(), batch.categories[k]);
        correct += pred
            .iter()
            .zip(&batch.labels[k * n..(k + 1) * n])
            .filter(|(a, b)| a == b)
            .count();
    }
    correct as f64 / (batch.len() * n) as f64
}

#[test]
fn tiny_model_overfits_a_handful_of_shapes() {
    let batch = fixed_batch(4, 128);
    let mut cfg = ModelConfig::tiny();
    cfg.dropout = 0.0;
    let mut model = Model::init(cfg, 1).unwrap();
    let mut grads = model.new_grads();
    let mut opt = Adam::new(AdamConfig {
        weight_decay: 0.0,
        ..AdamConfig::default()
    });
    let before = point_accuracy(&model, &batch);
    let mut losses = Vec::new();
    for step in 0..300u64 {
        let (loss, _) =
            train_step(&mut model, &mut opt, &mut grads, &batch, step, 1e-2, 10.0).unwrap();
        losses.push(loss);
    }
    // Let the BN running statistics settle on the batch at a tiny rate.
    for step in 0..30u64 {
        train_step(
            &mut model,
            &mut opt,
            &mut grads,
            &batch,
            1000 + step,
            1e-5,
            10.0,
        )
        .unwrap();
    }
    let after = point_accuracy(&model, &batch);
    let opts = PredictOptions {
        points: 128,
        ..PredictOptions::default()
    };
    let v = validate_network(&model.to_network(), &batch_shapes(&batch), &opts).unwrap();
    eprintln!(
        "accuracy {before:.3} -> {after:.3}; loss {:.3} -> {:.3}; mIoU {:.1}",
        losses[0],
        losses[losses.len() - 1],
        v.instance_miou
    );
    assert!(after >= 0.95, "accuracy {after}");
    assert!(
        v.instance_miou >= 80.0,
        "validation mIoU {}",
        v.instance_miou
    );
    assert!(losses[losses.len() - 1] < 0.2 * losses[0]);
}

/// The clouds of `batch` as labelled shapes.
fn batch_shapes(batch: &Batch) -> Vec<LabelledShape> {
    let n = batch.n;
    (0..batch.len())
        .map(|k| LabelledShape {
            category: &CATEGORIES[batch.categories[k]],
            cloud: PointCloud {
                points: batch.points[k * n..(k + 1) * n].to_vec(),
                normals: Some(batch.normals[k * n..(k + 1) * n].to_vec()),
                labels: Some(batch.labels[k * n..(k + 1) * n].to_vec()),
                ..Default::default()
            },
            origin: format!("shape {k}"),
        })
        .collect()
}

/// Validation equals `pcseg eval`'s scoring done shape by shape: mIoU with
/// the category given, category accuracy from the automatic choice. An
/// untrained classifier picks wrong categories, so both paths are taken.
#[test]
fn validation_scores_like_eval() {
    let shapes = batch_shapes(&fixed_batch(12, 96));
    let net = Model::init(ModelConfig::tiny(), 5).unwrap().to_network();
    assert!(net.has_classifier());
    let opts = PredictOptions {
        points: 64,
        seed: 11,
        ..PredictOptions::default()
    };
    let v = validate_network(&net, &shapes, &opts).unwrap();

    let mut acc = MiouAccumulator::default();
    let mut right = 0;
    for (i, s) in shapes.iter().enumerate() {
        let run =
            |choice| run_shape(&net, &s.cloud, choice, Protocol::AllPoints, &opts, i, "t").unwrap();
        let given = run(CategoryChoice::Given(s.category));
        acc.add(s.category, &given.pred, &given.truth);
        right += usize::from(run(CategoryChoice::Auto).category.index == s.category.index);
    }
    assert!(
        right < shapes.len(),
        "the untrained classifier was never wrong"
    );
    assert_eq!(v.instance_miou, 100.0 * acc.instance_miou().unwrap());
    assert_eq!(v.class_miou, 100.0 * acc.class_miou().unwrap());
    let share = 100.0 * right as f64 / shapes.len() as f64;
    assert_eq!(v.category_accuracy, Some(share));
}

/// A batch of the synthetic shapes `first..first + count` of one fixed
/// stream (300 raw points a shape, realism off), each prepared with its own
/// seed.
fn batch_of(first: usize, count: usize, n: usize) -> Batch {
    let src = SyntheticSource::training(
        3,
        first + count,
        (300, 300),
        CategoryMix::ShapeNetPart,
        pcseg::synth::Realism::off(),
    )
    .unwrap();
    let parts = (first..first + count)
        .map(|i| {
            let s = src.shape(0, i).unwrap();
            prepare_item(&s, n, None, &mut Rng::for_item(9, i as u64)).unwrap()
        })
        .collect();
    Batch::concat(parts, n)
}

/// `pcseg train --statistics-only`: its steps leave every weight bit for bit
/// as it was, and with the blend weight `1 / (t + 1)` at step `t` the
/// BatchNorm running statistics end as the plain mean of each batch's own
/// statistics (each found alone with weight 1, the slow way).
#[test]
fn statistics_steps_average_the_batch_statistics_and_touch_nothing_else() {
    let batches: Vec<Batch> = (0..3).map(|b| batch_of(2 * b, 2, 128)).collect();
    let model = Model::init(ModelConfig::tiny(), 4).unwrap();
    let running = |m: &Model| -> Vec<(String, Vec<f32>)> {
        m.params
            .ids()
            .filter(|&id| m.params.name(id).contains(".running_"))
            .map(|id| {
                let t = m.params.get(id);
                (m.params.name(id).to_string(), t.iter().copied().collect())
            })
            .collect()
    };
    // Each batch's own statistics.
    let alone: Vec<Vec<(String, Vec<f32>)>> = batches
        .iter()
        .enumerate()
        .map(|(t, b)| {
            let mut m = model.clone();
            statistics_step(&mut m, b, t as u64, 1.0).unwrap();
            running(&m)
        })
        .collect();
    let mut m = model.clone();
    for (t, b) in batches.iter().enumerate() {
        statistics_step(&mut m, b, t as u64, 1.0 / (t + 1) as f32).unwrap();
    }
    assert_eq!(
        m.running_momentum, None,
        "the step restores the model's own blend"
    );
    let averaged = running(&m);
    let initial = running(&model);
    assert!(averaged.len() > 10, "{} running tensors", averaged.len());
    for (k, (name, got)) in averaged.iter().enumerate() {
        let before = &initial[k].1;
        assert_ne!(got, before, "{name} did not move");
        for (c, &g) in got.iter().enumerate() {
            let want = alone.iter().map(|a| a[k].1[c] as f64).sum::<f64>() / 3.0;
            assert!(
                (g as f64 - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{name}[{c}]: {g} against the mean of the batches {want}"
            );
        }
    }
    for id in m.params.ids() {
        let name = m.params.name(id);
        if !name.contains(".running_") {
            assert!(m.params.get(id) == model.params.get(id), "{name} moved");
        }
    }
}

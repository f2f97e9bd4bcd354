//! The category classifier: its share of the training objective, its folded
//! inference form, `--category auto` through it, and warm starts that add it
//! to a model trained without one.

use crate::model_util::{batch, cloud, Cloud};
use pcseg::model::classifier::{softmax, CATEGORY_LOSS_WEIGHT};
use pcseg::model::{CloudInput, Model, ModelConfig};
use pcseg::predict::choose_category;

fn clouds() -> Vec<Cloud> {
    (0..4)
        .map(|i| cloud(64, (i * 7) % 16, 70 + i as u64))
        .collect()
}

/// Cross-entropy of one row, computed directly from the definition.
fn ce(z: &[f32], label: usize) -> f64 {
    let sum: f64 = z.iter().map(|&v| (v as f64).exp()).sum();
    sum.ln() - z[label] as f64
}

#[test]
fn objective_is_part_loss_plus_weighted_category_loss() {
    let cs = clouds();
    let mut m = Model::init(ModelConfig::tiny(), 4).unwrap();
    let step = m.forward_train(&batch(&cs), 9, true).unwrap();
    let logits = step
        .category_logits
        .as_ref()
        .expect("tiny has a classifier");
    assert_eq!(logits.dim(), (4, 16));
    let cat_loss: f64 = logits
        .rows()
        .into_iter()
        .zip(&cs)
        .map(|(r, c)| ce(&r.to_vec(), c.category))
        .sum::<f64>()
        / 4.0;
    let want = step.part_loss as f64 + CATEGORY_LOSS_WEIGHT as f64 * cat_loss;
    assert!(
        (step.loss as f64 - want).abs() < 1e-5,
        "{} vs {want}",
        step.loss
    );
    assert!(step.category_accuracy.is_some());
    // Without a classifier the objective is the part loss alone.
    let cfg = ModelConfig {
        classifier_width: 0,
        ..ModelConfig::tiny()
    };
    let mut plain = Model::init(cfg, 4).unwrap();
    let s = plain.forward_train(&batch(&cs), 9, true).unwrap();
    assert_eq!(s.loss, s.part_loss);
    assert!(s.category_logits.is_none() && s.category_accuracy.is_none());
}

#[test]
fn folded_classifier_matches_the_running_statistics_forward() {
    let cs = clouds();
    let mut m = Model::init(ModelConfig::tiny(), 5).unwrap();
    // A few training forwards move the BN running statistics off identity.
    for s in 0..3 {
        m.forward_train(&batch(&cs), s, true).unwrap();
    }
    let eval = m.forward_train(&batch(&cs), 21, false).unwrap();
    let net = m.to_network();
    assert!(net.has_classifier());
    for (b, c) in cs.iter().enumerate() {
        let enc = net
            .encode(&CloudInput {
                points: &c.points,
                normals: Some(&c.normals),
                category: 0,
                seed: Model::fps_seed(21, b),
                fps_ordered: 0,
            })
            .unwrap();
        let got = enc.category_probabilities().unwrap();
        let want = softmax(&eval.category_logits.as_ref().unwrap().row(b).to_vec());
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-4, "cloud {b}: {got:?} vs {want:?}");
        }
    }
}

#[test]
fn auto_category_is_the_most_probable_class_over_votes() {
    let cs = clouds();
    let net = Model::init(ModelConfig::tiny(), 6).unwrap().to_network();
    let encoded: Vec<_> = (0..3)
        .map(|v| {
            net.encode(&CloudInput {
                points: &cs[1].points,
                normals: Some(&cs[1].normals),
                category: 0,
                seed: v,
                fps_ordered: 0,
            })
            .unwrap()
        })
        .collect();
    let mut mean = [0f32; 16];
    for e in &encoded {
        for (m, p) in mean.iter_mut().zip(e.category_probabilities().unwrap()) {
            *m += p / 3.0;
        }
    }
    let best = (0..16).fold(0, |b, c| if mean[c] > mean[b] { c } else { b });
    let d = choose_category(&net, &encoded).unwrap();
    assert_eq!(d.category.index, best);
    assert!((d.choice.scores.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    for (e, l) in encoded.iter().zip(&d.logits) {
        assert_eq!(&net.decode(e, best).unwrap(), l);
    }
}

#[test]
fn warm_start_keeps_matching_tensors_and_adds_the_classifier() {
    let cfg = ModelConfig {
        classifier_width: 0,
        ..ModelConfig::tiny()
    };
    let from = Model::init(cfg, 7).unwrap();
    let (m, fresh) = Model::warm_start(ModelConfig::tiny(), 8, &from).unwrap();
    assert!(!fresh.is_empty());
    assert!(
        fresh.iter().all(|n| n.starts_with("classifier.")),
        "{fresh:?}"
    );
    for id in m.params.ids() {
        let name = m.params.name(id);
        match from.params.id(name) {
            Some(f) => assert_eq!(m.params.get(id), from.params.get(f), "{name}"),
            None => assert!(fresh.iter().any(|n| n == name)),
        }
    }
    // Tensors whose shape changed start fresh too.
    let wide = ModelConfig {
        stem_width: 40,
        ..ModelConfig::default()
    };
    let (_, fresh) =
        Model::warm_start(wide, 1, &Model::init(ModelConfig::default(), 1).unwrap()).unwrap();
    assert!(fresh.iter().any(|n| n == "stem.linear.weight"));
    assert!(!fresh.iter().any(|n| n.starts_with("sa2.")), "{fresh:?}");
}

//! End-to-end runs of the training loop on synthetic shapes with the tiny
//! network: validation mIoU improves, a run resumed from a checkpoint (written
//! at an epoch boundary or mid-epoch by the Ctrl-C path) equals an
//! uninterrupted run bit for bit, and the best model file loads.

use pcseg::model::{Model, ModelConfig};
use pcseg::train::data::CategoryMix;
use pcseg::train::data_spec::DataSpec;
use pcseg::train::log::EpochRecord;
use pcseg::train::trainer::{Observer, Outcome, OutputPaths, Silent, TrainOptions, Trainer};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

fn options(epochs: usize) -> TrainOptions {
    TrainOptions {
        epochs,
        batch: 8,
        points: 128,
        lr: 5e-3,
        warmup: 0.5,
        seed: 7,
        ..TrainOptions::default()
    }
}

fn data(shapes: usize) -> DataSpec {
    DataSpec::Synthetic {
        shapes_per_epoch: shapes,
        val_shapes: 16,
        mix: CategoryMix::ShapeNetPart,
        realism: "medium".into(),
        raw_points: None,
        surface_flip: 0.0,
        attach: 0.0,
        pseudo: None,
    }
}

fn paths(dir: &Path) -> OutputPaths {
    OutputPaths {
        out: Some(dir.join("best.safetensors")),
        log: Some(dir.join("log.csv")),
        checkpoint_dir: Some(dir.join("ckpt")),
    }
}

fn trainer(epochs: usize, shapes: usize, dir: &Path) -> Trainer {
    let model = Model::init(ModelConfig::tiny(), 7).unwrap();
    Trainer::new(
        model,
        "test init",
        options(epochs),
        data(shapes),
        paths(dir),
    )
    .unwrap()
}

fn bits(model: &Model) -> Vec<u32> {
    let p = &model.params;
    p.ids()
        .flat_map(|id| p.get(id).iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        .collect()
}

/// Sets the stop flag (as the Ctrl-C handler does) once `after` batches of
/// epoch `epoch` (0-based) are done.
struct StopAt<'a> {
    flag: &'a AtomicBool,
    epoch: usize,
    after: usize,
    current: usize,
    done: usize,
}

impl Observer for StopAt<'_> {
    fn epoch_start(&mut self, epoch: usize, _: usize, _: usize, done: usize) {
        self.current = epoch;
        self.done = done;
    }
    fn batch_done(&mut self, _: f64, _: f64, _: f64) {
        self.done += 1;
        if self.current == self.epoch && self.done == self.after {
            self.flag.store(true, Ordering::SeqCst);
        }
    }
}

fn losses(records: &[EpochRecord]) -> Vec<u64> {
    records.iter().map(|r| r.train_loss.to_bits()).collect()
}

#[test]
fn validation_miou_rises_and_best_model_loads() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = trainer(10, 96, dir.path());
    let start = t.validate().unwrap();
    let outcome = t.run(&AtomicBool::new(false), &mut Silent).unwrap();
    assert_eq!(outcome, Outcome::Finished);
    let (best_epoch, best) = t.state.best.unwrap();
    let last = t.state.records.last().unwrap().clone();
    eprintln!(
        "val instance mIoU {:.1} -> {:.1} (best {best:.1} at epoch {best_epoch}); losses {:?}",
        start.instance_miou,
        last.val_instance_miou,
        t.state
            .records
            .iter()
            .map(|r| r.train_loss)
            .collect::<Vec<_>>()
    );
    assert!(
        best > start.instance_miou + 10.0,
        "{best} vs {}",
        start.instance_miou
    );
    let first = &t.state.records[0];
    assert!(last.train_loss < first.train_loss);
    // CSV: header + one line per epoch.
    let csv = std::fs::read_to_string(dir.path().join("log.csv")).unwrap();
    assert_eq!(csv.lines().count(), 11);
    // The best model is a normal, trained model file that scores `best`.
    let m = Model::load(&dir.path().join("best.safetensors")).unwrap();
    assert!(m.trained);
    assert!(m.note.contains("pcseg train"), "{}", m.note);
    let mut probe = trainer(1, 8, dir.path());
    probe.model = m;
    let v = probe.validate().unwrap();
    assert_eq!(v.instance_miou, best);
}

#[test]
fn resume_equals_uninterrupted_run_bit_for_bit() {
    let full_dir = tempfile::tempdir().unwrap();
    let mut full = trainer(4, 24, full_dir.path());
    full.run(&AtomicBool::new(false), &mut Silent).unwrap();

    // Interrupted at an epoch boundary (end of epoch 2) and mid-epoch
    // (after batch 2 of 3 in epoch 3), each resumed from the checkpoint.
    for (epoch, after) in [(1usize, 3usize), (2, 2)] {
        let dir = tempfile::tempdir().unwrap();
        let mut part = trainer(4, 24, dir.path());
        let flag = AtomicBool::new(false);
        let mut obs = StopAt {
            flag: &flag,
            epoch,
            after,
            current: 0,
            done: 0,
        };
        let outcome = part.run(&flag, &mut obs).unwrap();
        let expect_epoch = if after == 3 { epoch + 1 } else { epoch };
        let expect_batch = if after == 3 { 0 } else { after };
        assert_eq!(
            outcome,
            Outcome::Interrupted {
                epoch: expect_epoch,
                batch: expect_batch
            }
        );
        drop(part);
        let ckpt = dir.path().join("ckpt");
        let mut resumed = Trainer::resume(&ckpt, paths(dir.path()), None).unwrap();
        assert_eq!(resumed.state.epoch, expect_epoch);
        assert_eq!(resumed.state.batch, expect_batch);
        assert_eq!(
            resumed.run(&AtomicBool::new(false), &mut Silent).unwrap(),
            Outcome::Finished
        );
        assert_eq!(losses(&resumed.state.records), losses(&full.state.records));
        assert_eq!(bits(&resumed.model), bits(&full.model));
        assert_eq!(resumed.optimiser, full.optimiser);
        let csv_losses = |d: &Path| -> Vec<String> {
            std::fs::read_to_string(d.join("log.csv"))
                .unwrap()
                .lines()
                .skip(1)
                .map(|l| l.split(',').nth(1).unwrap().to_string())
                .collect()
        };
        assert_eq!(csv_losses(dir.path()), csv_losses(full_dir.path()));
        for (a, b) in resumed.state.records.iter().zip(&full.state.records) {
            assert_eq!(a.val_instance_miou, b.val_instance_miou);
        }
    }
}

/// `--freeze encoder` holds the stem, SA levels and classifier fixed, their
/// BatchNorm running statistics included, while the decoder trains; a
/// stage the model does not have is refused by name.
#[test]
fn frozen_stages_do_not_move_and_the_rest_trains() {
    let dir = tempfile::tempdir().unwrap();
    let model = Model::init(ModelConfig::tiny(), 7).unwrap();
    let before = model.params.clone();
    let frozen = TrainOptions {
        freeze: vec!["encoder".into()],
        ..options(1)
    };
    let mut t = Trainer::new(model, "test init", frozen, data(32), paths(dir.path())).unwrap();
    t.run(&AtomicBool::new(false), &mut Silent).unwrap();
    let after = &t.model.params;
    let (mut fixed, mut moved) = (0, 0);
    for id in after.ids() {
        let name = after.name(id);
        let encoder = ["stem.", "sa", "classifier."]
            .iter()
            .any(|s| name.starts_with(s));
        let same = after.get(id) == before.get(id);
        if encoder {
            assert!(same, "{name} moved although frozen");
            fixed += 1;
        } else if !same {
            moved += 1;
        }
    }
    assert!(
        fixed > 10 && moved > 5,
        "{fixed} frozen tensors, {moved} decoder tensors moved"
    );

    let model = Model::init(ModelConfig::tiny(), 7).unwrap();
    let bad = TrainOptions {
        freeze: vec!["decoder".into()],
        ..options(1)
    };
    let e = Trainer::new(model, "test init", bad, data(32), paths(dir.path()))
        .err()
        .expect("an unknown stage is refused")
        .to_string();
    assert!(
        e.contains("--freeze decoder: the model has no stage of that name"),
        "{e}"
    );

    // A model without a classifier freezes its encoder too.
    let cfg = ModelConfig {
        classifier_width: 0,
        ..ModelConfig::tiny()
    };
    let model = Model::init(cfg, 7).unwrap();
    let encoder = TrainOptions {
        freeze: vec!["encoder".into()],
        ..options(1)
    };
    let t = Trainer::new(model, "test init", encoder, data(32), paths(dir.path())).unwrap();
    assert!(t.model.params.num_trainable() > 0);
}

/// `--statistics-only` runs whole epochs without touching a weight: only
/// the BatchNorm running statistics move.
#[test]
fn a_statistics_only_run_moves_only_the_running_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let model = Model::init(ModelConfig::tiny(), 7).unwrap();
    let before = model.params.clone();
    let stats = TrainOptions {
        statistics_only: true,
        ..options(1)
    };
    let mut t = Trainer::new(model, "test init", stats, data(24), paths(dir.path())).unwrap();
    t.run(&AtomicBool::new(false), &mut Silent).unwrap();
    let after = &t.model.params;
    let mut moved = 0;
    for id in after.ids() {
        let name = after.name(id);
        let same = after.get(id) == before.get(id);
        if name.contains(".running_") {
            moved += usize::from(!same);
        } else {
            assert!(same, "{name} moved in a statistics-only run");
        }
    }
    assert!(moved > 10, "{moved} running statistics moved");
}

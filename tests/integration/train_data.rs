//! Dataset-backed training sources on the real sample shapes: the
//! ShapeNetPart layout with its split lists, and a folder of labelled files
//! (one subfolder per category); one epoch of the tiny network runs on each.

use pcseg::model::{Model, ModelConfig};
use pcseg::train::data_spec::{DataSpec, ValSplit};
use pcseg::train::trainer::{Outcome, OutputPaths, Silent, TrainOptions, Trainer};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

fn samples(test: &str) -> Option<PathBuf> {
    crate::cli_util::real_samples(test)
}

fn one_epoch(data: DataSpec) -> Trainer {
    let options = TrainOptions {
        epochs: 1,
        batch: 2,
        points: 256,
        ..TrainOptions::default()
    };
    let model = Model::init(ModelConfig::tiny(), 1).unwrap();
    let mut t = Trainer::new(model, "test", options, data, OutputPaths::default()).unwrap();
    assert_eq!(
        t.run(&AtomicBool::new(false), &mut Silent).unwrap(),
        Outcome::Finished
    );
    t
}

#[test]
fn shapenetpart_splits_feed_training_and_validation() {
    let Some(root) = samples("shapenetpart_splits_feed_training_and_validation") else {
        return;
    };
    // Of the four sample shapes three are in the train list, one in test.
    let t = one_epoch(DataSpec::ShapeNetPart {
        root: root.clone(),
        val_split: ValSplit::Test,
    });
    assert_eq!(t.val_shapes(), 1);
    assert_eq!(t.batches_per_epoch(), 2);
    assert!(
        t.describe_data().contains("train+val, 3 shapes"),
        "{}",
        t.describe_data()
    );
    let r = &t.state.records[0];
    assert!(r.train_loss.is_finite() && r.val_instance_miou > 0.0);
    // No val-list shape is on disk: a clear error naming the root.
    let e = Trainer::new(
        Model::init(ModelConfig::tiny(), 1).unwrap(),
        "test",
        TrainOptions::default(),
        DataSpec::ShapeNetPart {
            root: root.clone(),
            val_split: ValSplit::Val,
        },
        OutputPaths::default(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("no val shapes"), "{e}");
}

#[test]
fn labelled_folder_trains_without_normals() {
    let Some(root) = samples("labelled_folder_trains_without_normals") else {
        return;
    };
    // Copy the shapes as `table/*.xyz` and `skateboard/*.xyz` with x y z label
    // only, so normals must be estimated.
    let dir = tempfile::tempdir().unwrap();
    for (synset, name) in [("04379243", "table"), ("04225987", "skateboard")] {
        let out = dir.path().join(name);
        std::fs::create_dir(&out).unwrap();
        for entry in std::fs::read_dir(root.join(synset)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let xyzl: String = text
                .lines()
                .map(|l| {
                    let c: Vec<&str> = l.split_whitespace().collect();
                    format!(
                        "{} {} {} {}\n",
                        c[0],
                        c[1],
                        c[2],
                        c[6].split('.').next().unwrap()
                    )
                })
                .collect();
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            std::fs::write(out.join(format!("{stem}.xyz")), xyzl).unwrap();
        }
    }
    let t = one_epoch(DataSpec::Folder {
        root: dir.path().to_path_buf(),
    });
    // Four files are too few to hold one in ten out: validation uses them all.
    assert_eq!(t.val_shapes(), 4);
    assert!(t.state.records[0].train_loss.is_finite());
}

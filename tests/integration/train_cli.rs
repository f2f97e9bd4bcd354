//! `pcseg train --synthetic` through the built binary: tiny settings produce
//! a model file that loads, a CSV log and a checkpoint that `--resume`
//! continues; bad options fail with one-line messages.

use pcseg::model::Model;
use std::process::Command;

fn pcseg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pcseg"))
}

#[test]
fn synthetic_training_writes_a_loadable_model_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let ck = dir.path().join("ck");
    let common = [
        "--config",
        "tiny",
        "--shapes-per-epoch",
        "16",
        "--val-shapes",
        "8",
        "--points",
        "96",
        "--batch",
        "8",
        "--quiet",
    ];
    let status = pcseg()
        .args(["train", "--synthetic", "--epochs", "2"])
        .args(common)
        .arg("--out")
        .arg(&out)
        .arg("--checkpoint-dir")
        .arg(&ck)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let m = Model::load(&out).unwrap();
    assert!(m.trained);
    assert_eq!(m.config().name, "tiny");
    assert!(m.note.contains("synthetic"), "{}", m.note);
    let log = std::fs::read_to_string(ck.join("log.csv")).unwrap();
    assert_eq!(log.lines().count(), 3, "{log}");
    assert!(log.starts_with("epoch,train_loss,train_acc,val_instance_miou"));
    checkpoint_serves_as_a_model(&ck.join("last.safetensors"), dir.path());

    // Extend the finished run by one epoch from its checkpoint.
    let status = pcseg()
        .args(["train", "--epochs", "3", "--quiet", "--resume"])
        .arg(ck.join("last.safetensors"))
        .arg("--out")
        .arg(&out)
        .arg("--checkpoint-dir")
        .arg(&ck)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let log2 = std::fs::read_to_string(ck.join("log.csv")).unwrap();
    assert_eq!(log2.lines().count(), 4);
    assert!(log2.starts_with(&log), "earlier rows are kept");
}

#[test]
fn bad_options_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let o = pcseg()
            .arg("train")
            .args(args)
            .arg("--checkpoint-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let e = run(&["--synthetic", "--config", "huge"]);
    assert!(e.contains("--config huge"), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    let e = run(&["--synthetic", "--schedule", "linear"]);
    assert!(e.contains("--schedule linear"), "{e}");
    let e = run(&["--synthetic", "--realism", "extreme"]);
    assert!(e.contains("extreme"), "{e}");
    let missing = dir.path().join("nope");
    let e = run(&[missing.to_str().unwrap()]);
    assert!(e.contains("not a folder"), "{e}");
}

/// `--model` and `pcseg info` accept a training checkpoint: `run` with it
/// labels a cloud exactly as the checkpoint's model saved as a model file.
fn checkpoint_serves_as_a_model(ckpt: &std::path::Path, dir: &std::path::Path) {
    let info = pcseg().arg("info").arg(ckpt).output().unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(
        text.contains("training checkpoint after epoch 2 of 2"),
        "{text}"
    );

    let as_file = dir.join("from_ckpt.safetensors");
    pcseg::train::checkpoint::load(ckpt)
        .unwrap()
        .model
        .save(&as_file)
        .unwrap();
    let labels = |model: &std::path::Path, out: &str| {
        let out = dir.join(out);
        let o = pcseg()
            .args([
                "run",
                "assets/samples/chair.txt",
                "--category",
                "chair",
                "--quiet",
            ])
            .arg("--model")
            .arg(model)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(&out).unwrap()
    };
    let a = labels(ckpt, "a.ply");
    assert!(!a.is_empty());
    assert_eq!(a, labels(&as_file, "b.ply"));

    // `pcseg export` writes the same model, marked trained, with its note.
    let exported = dir.join("exported.safetensors");
    let o = pcseg()
        .arg("export")
        .arg(ckpt)
        .arg("-o")
        .arg(&exported)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = Model::load(&exported).unwrap();
    assert!(m.trained);
    assert!(m.note.contains("after epoch 2 of 2"), "{}", m.note);
    assert_eq!(a, labels(&exported, "c.ply"));
    // A model file is not a checkpoint: one line, nothing written.
    let again = dir.join("again.safetensors");
    let o = pcseg()
        .arg("export")
        .arg(&exported)
        .arg("-o")
        .arg(&again)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("not a training checkpoint"), "{err}");
    assert!(!again.exists());
}
